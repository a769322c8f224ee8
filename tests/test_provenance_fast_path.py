"""The provenance fast path (value as written found verbatim) agrees with the full reader."""
from __future__ import annotations

from types import SimpleNamespace

from babel.numbers import format_decimal
from hypothesis import given, settings, strategies as st

from figcheck.checks.provenance import _matching_mention, verbatim_hedge
from figcheck.numbers import HEDGES, Reading, find_numbers, read_value

WORDS = ["Soldaten", "Granaten", "Millionen", "bis", "zu", "etwa", "mehr", "als", "fast", "und",
         "2024", "3", "000", "Jahr", "über", "rund", "zwischen", "-", ",", ".", "Tausend", "zehn", "fünf"]


@st.composite
def quotes(draw):
    n = draw(st.integers(0, 10**7))
    # the number may follow another one as the end of a range: "3 bis 5.000"
    written = format_decimal(n, locale="de", group_separator=draw(st.booleans()))
    hedge = draw(st.sampled_from([""] + list(HEDGES["de"])))
    before = " ".join(draw(st.lists(st.sampled_from(WORDS + ["3 bis", "zwischen 2 und", "4 -"]), max_size=3)))
    after = " ".join(draw(st.lists(st.sampled_from(WORDS), max_size=3)))
    quote = " ".join(x for x in (before, hedge, written, after) if x)
    return written, quote


@settings(max_examples=400, deadline=None)
@given(quotes(), st.sampled_from(["exact", "about", "more_than", "up_to", "almost"]))
def test_fast_path_never_contradicts_the_full_reader(case, qualifier):
    written, quote = case
    value = read_value(written, "de")
    figure = SimpleNamespace(value_text=written, quote=quote, is_range=False,
                             low=value.low, high=value.high, qualifier=qualifier)
    fast = verbatim_hedge(figure, "de")
    if fast is None:
        return  # the caller reads the quote in full
    readings = [m for m in find_numbers(quote, "de") if isinstance(m, Reading) and not m.vague]
    matching = [m for m in readings if _matching_mention(figure, [m])]
    assert matching, (quote, written)
    assert fast in {m.qualifier for m in matching}, (quote, written, fast, matching)


def _hedge_by_scanning_all(prefix: str, lang: str) -> str:
    """The qualifier verbatim_qualifier gives a prefix that is no part of a range, trying every
    hedge phrase, longest first (the reference for its look-up by last character)."""
    for phrase in sorted(HEDGES[lang], key=len, reverse=True):
        if prefix.endswith(phrase) and (len(prefix) == len(phrase) or not prefix[-len(phrase) - 1].isalnum()):
            return HEDGES[lang][phrase]
    return "exact"


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(WORDS + list(HEDGES["de"]) + list(HEDGES["en"]) + ["(", "„", "x", "_", "ca", "a."]),
                max_size=4),
       st.sampled_from(["", " ", "(", "x"]), st.sampled_from(["de", "en"]))
def test_hedge_look_up_equals_trying_every_phrase(words, glue, lang):
    from figcheck.checks.provenance import verbatim_qualifier

    quote = glue.join(words) + " 7 Soldaten"
    got = verbatim_qualifier("7", quote, lang)
    prefix = quote[:quote.find("7")].rstrip().lower()
    last = prefix.split()[-1] if prefix.split() else ""
    ranged = prefix.endswith(("zwischen", "between")) or last in ("bis", "to", "-", "–", "—", "und", "and")
    if got is not None and not ranged:
        assert got == _hedge_by_scanning_all(prefix, lang), (quote, got)
