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
