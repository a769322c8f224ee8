"""P002/P003 decided once per distinct (quote, value, qualifier, language) over the figure frame
agree with deciding figure by figure; counted coverage agrees with coverage entry by entry."""
from __future__ import annotations

from collections import Counter

from hypothesis import given, settings, strategies as st

from figcheck.checks.provenance import (
    _matching_mention, hedge_differs_from_quote, number_differs_from_quote, quote_not_in_source,
    verbatim_hedge,
)
from figcheck.coverage import ENCODED, OPEN, SKIPPED, corpus_coverage, source_coverage
from figcheck.frames import FIGURE_COLUMNS, FigureFrame, figure_frame
from figcheck.model import Corpus, Source, Where
from figcheck.numbers import Reading, find_numbers, read_value
from figcheck.rules import Context

HEDGES = ["", "etwa ", "mehr als ", "bis zu ", "fast ", "rund "]
NUMBERS = ["11.000", "3.000", "2,5 Millionen", "10 Millionen", "8000", "zweieinhalb", "650'000"]
QUALIFIERS = ["exact", "about", "more_than", "up_to", "almost"]
NOUNS = ["Soldaten", "Granaten pro Jahr", "Tote"]


@st.composite
def figures(draw):
    """(quote, value as written, qualifier, low, high): mostly as the quote says, sometimes not."""
    hedge, number, noun = draw(st.sampled_from(HEDGES)), draw(st.sampled_from(NUMBERS)), draw(st.sampled_from(NOUNS))
    quote = f"{hedge}{number} {noun}"
    if draw(st.booleans()):
        quote = f"{draw(st.sampled_from(NUMBERS))} bis {quote}"        # a range, or a second number
    written = draw(st.sampled_from([number, number, *NUMBERS]))
    value = read_value(written, "de")
    low, high = value.low, value.high
    if draw(st.integers(0, 4)) == 0:
        low, high = low, high * 2                                           # encoded as a range
    qualifier = draw(st.sampled_from(QUALIFIERS))
    return quote, written, qualifier, low, high


def _corpus(rows, text):
    n = len(rows)
    columns = {c: [None] * n for c in FIGURE_COLUMNS}
    columns.update(
        id=[f"f{i}" for i in range(n)], source=["s1"] * n, quote=[r[0] for r in rows],
        value_text=[r[1] for r in rows], qualifier=[r[2] for r in rows], low=[r[3] for r in rows],
        high=[r[4] for r in rows], written_half=[0.0] * n, about_half=[0.5] * n, unit=["soldier"] * n,
        quantity=["q"] * n, period_start=["2024-01-01"] * n, period_end=["2025-01-01"] * n,
        period_text=["2024"] * n, file=["figures.toml"] * n, line=list(range(1, n + 1)),
        attributed_to=[""] * n, modality=["reported"] * n, note=[""] * n, since_text=[""] * n,
        since_start=[None] * n, since_end=[None] * n)
    source = Source("s1", "a.txt", "a.txt", "A", None, "de", text, Where("figures.toml", 1))
    return Corpus(("figures.toml",), {"s1": source}, {}, FigureFrame(figure_frame(columns)), {})


def _flagged_one_by_one(corpus):
    """P002 and P003 as they were decided before: one figure at a time, the quote read in full."""
    p002, p003 = [], []
    for f in corpus.figures.values():
        fast = verbatim_hedge(f, "de")
        found = find_numbers(f.quote, "de")
        readings = [m for m in found if isinstance(m, Reading) and not m.vague]
        if fast is None and not _matching_mention(f, readings) and not (
                f.is_range and any(abs(m.low - f.low) < 1e-9 for m in readings)
                and any(abs(m.high - f.high) < 1e-9 for m in readings)):
            p002.append(f.id)
        matching = [m for m in readings if _matching_mention(f, [m])]
        if fast != f.qualifier and matching and not any(m.qualifier == f.qualifier for m in matching):
            p003.append(f.id)
    return p002, p003


@settings(max_examples=150, deadline=None)
@given(st.lists(figures(), min_size=1, max_size=12), st.lists(st.sampled_from(QUALIFIERS), min_size=1))
def test_deciding_per_distinct_row_is_deciding_per_figure(rows, requalified):
    # repeated rows share one decision; the same quote and value hedged otherwise do not
    rows = rows + rows[: len(rows) // 2] + [r[:2] + (q,) + r[3:] for r, q in zip(rows, requalified)]
    corpus = _corpus(rows, " ".join(r[0] for r in rows))
    ctx = Context(corpus, None)
    p002 = [h.figures[0] for h in number_differs_from_quote(ctx)]
    p003 = [h.figures[0] for h in hedge_differs_from_quote(ctx)]
    assert (p002, p003) == _flagged_one_by_one(corpus)


@settings(max_examples=60, deadline=None)
@given(st.lists(figures(), min_size=1, max_size=8), st.lists(st.sampled_from(NUMBERS), max_size=4))
def test_counted_coverage_is_coverage_entry_by_entry(rows, extra):
    text = ". ".join([r[0] for r in rows] + [f"weitere {n} Soldaten" for n in extra]) + "."
    corpus = _corpus(rows[: len(rows) // 2 + 1], text)
    counted = corpus_coverage(corpus)["s1"]
    full = source_coverage(corpus.sources["s1"], list(corpus.figures.values()), ())
    statuses = Counter(e.status for e in full.entries if e.status)
    assert {s: counted.count(s) for s in (ENCODED, SKIPPED, OPEN)} == {s: statuses[s] for s in (ENCODED, SKIPPED, OPEN)}
    assert counted.claims == full.claims and counted.kinds() == full.kinds()
    assert counted.open == full.open and counted.entries == full.entries


def test_a_quote_not_in_its_source_is_found_among_verbatim_ones():
    rows = [("etwa 11.000 Soldaten", "11.000", "about", 11000.0, 11000.0),
            ("etwa 12.000 Soldaten", "12.000", "about", 12000.0, 12000.0),
            ("etwa  11.000\nSoldaten", "11.000", "about", 11000.0, 11000.0)]
    corpus = _corpus(rows, "Es wurden etwa 11.000 Soldaten entsandt.")
    assert [h.figures for h in quote_not_in_source(Context(corpus, None))] == [("f1",)]


def test_a_quote_standing_twice_covers_the_claims_at_both_places():
    rows = [("etwa 11.000 Soldaten", "11.000", "about", 11000.0, 11000.0)]
    corpus = _corpus(rows, "Erst etwa 11.000 Soldaten, dann 3.000 Soldaten, dann wieder etwa 11.000 Soldaten.")
    cov = corpus_coverage(corpus)["s1"]
    assert (cov.count(ENCODED), cov.count(OPEN)) == (2, 1)
    assert [e.mention.text for e in cov.open] == ["3.000"]


def test_a_quote_standing_three_times_covers_the_claims_at_every_place():
    rows = [("3 und 3", "3", "exact", 3.0, 3.0)]
    # "3 und 3" stands at 0, 6 (overlapping the first) and 12: each place holds two claims of
    # value 3, every one of which the figure encodes; the 4 holds none
    corpus = _corpus(rows, "3 und 3 und 3 und 3 und 4 Soldaten.")
    cov = corpus_coverage(corpus)["s1"]
    full = source_coverage(corpus.sources["s1"], list(corpus.figures.values()), ())
    assert (cov.count(ENCODED), cov.count(OPEN)) == (4, 1) == (full.count(ENCODED), full.count(OPEN))
    rows = [("etwa 3 Tote", "3", "about", 3.0, 3.0)]
    corpus = _corpus(rows, "Erst etwa 3 Tote, dann etwa 3 Tote, dann 5 und wieder etwa 3 Tote.")
    cov = corpus_coverage(corpus)["s1"]
    assert (cov.count(ENCODED), cov.count(OPEN)) == (3, 1)
    assert [e.mention.text for e in cov.open] == ["5"]


def test_relation_quotes_that_are_whole_sentences_or_not():
    import dataclasses

    from figcheck.model import Relation

    text = "Es wurden etwa 11.000 Soldaten entsandt. Es folgten 3.000 Soldaten. Am Ende 5"
    quotes = {"r0": "Es folgten 3.000 Soldaten.", "r1": "Es folgten 3.000 Soldaten", "r2": "Am Ende 5",
              "r3": "Am Ende 5.", "r4": "Es folgten 4.000 Soldaten.", "r5": "entsandt. Es folgten",
              "r6": "Es  folgten 3.000\nSoldaten."}
    relations = {rid: Relation(rid, "s1", "a = b", quote, Where("figures.toml", 1), None)
                 for rid, quote in quotes.items()}
    corpus = dataclasses.replace(_corpus([("etwa 11.000 Soldaten", "11.000", "about", 11000.0, 11000.0)], text),
                                 relations=relations)
    # r3: the last sentence has no full stop after it; r6 is there but for the spacing (tolerated)
    assert [h.relation for h in quote_not_in_source(Context(corpus, None))] == ["r3", "r4"]
