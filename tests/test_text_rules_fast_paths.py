"""The text rules' whole-corpus fast paths equal their per-source and per-figure references:
coverage over sources in several languages (each language's units read apart), and the
groups P002/P003 decide once (figures alike in quote, value, interval, language, qualifier)."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from test_coverage_fast_paths import CLAUSES, _corpus

EN_CLAUSES = ["about 3,800 shells a day", "74,000 to 120,000 soldiers", "in 2023", "the 3rd army",
              "thousands of troops", "2.5 tanks"]


@st.composite
def mixed_corpora(draw):
    texts, languages = {}, {}
    for sid in ("s1", "s2", "s3", "s4")[:draw(st.integers(1, 4))]:
        language = draw(st.sampled_from(["de", "en", "de-CH"]))
        clauses = draw(st.lists(st.sampled_from(CLAUSES + EN_CLAUSES), min_size=1, max_size=6))
        texts[sid] = "It was " + ". It was ".join(clauses) + draw(st.sampled_from([" reported.", ". ", ""]))
        languages[sid] = language
    figures = []
    for sid in draw(st.lists(st.sampled_from(sorted(texts)), max_size=10)):
        text = texts[sid]
        a = draw(st.integers(0, len(text) - 1))
        figures.append((sid, text[a:draw(st.integers(a + 1, min(len(text), a + 40)))], 3000.0, 3000.0))
    return texts, languages, figures


def _with_languages(corpus, languages):
    sources = {sid: dataclasses.replace(src, language=languages[sid]) for sid, src in corpus.sources.items()}
    return dataclasses.replace(corpus, sources=sources)


@settings(max_examples=150, deadline=None)
@given(mixed_corpora())
def test_coverage_of_sources_in_several_languages(parts):
    from figcheck.coverage import corpus_coverage, source_coverage

    texts, languages, figures = parts
    corpus = _with_languages(_corpus(texts, figures, []), languages)
    counted = corpus_coverage(corpus)
    assert list(counted) == list(corpus.sources)
    for sid, source in corpus.sources.items():
        full = source_coverage(source, [f for f in corpus.figures.values() if f.source == sid], [])
        got = counted[sid]
        assert got.to_json() == full.to_json()
        assert list(got.kinds().items()) == list(full.kinds().items())
        assert got.open == full.open and got.entries == full.entries


def _reference_groups(keys):
    """Figures grouped by their (quote, value, low, high, language) as tuples."""
    rows = list(zip(keys.quote, keys.value_text, keys.low.tolist(), keys.high.tolist(), keys.language))
    rows = [tuple("nan" if isinstance(x, float) and x != x else x for x in row) for row in rows]
    code, _ = pd.factorize(pd.Series(rows, dtype=object))
    _, first = np.unique(code, return_index=True)
    return code, first


@st.composite
def keyed_corpora(draw):
    texts = {"s1": "etwa 3.000 Soldaten", "s2": "about 3,000 soldiers"}
    n = draw(st.integers(0, 25))
    figures = [(draw(st.sampled_from(["s1", "s2", "s9"])), draw(st.sampled_from(["etwa 3.000", "3.000", ""])),
                draw(st.sampled_from([3000.0, 2900.0, float("nan")])), 3000.0) for _ in range(n)]
    qualifiers = [draw(st.sampled_from(["exact", "about"])) for _ in range(n)]
    languages = {"s1": "de", "s2": draw(st.sampled_from(["en", "de", None]))}
    return texts, figures, qualifiers, languages


@settings(max_examples=200, deadline=None)
@given(keyed_corpora())
def test_figure_groups_equal_grouping_by_tuples(parts):
    from figcheck.checks.provenance import _FigureKeys

    texts, figures, qualifiers, languages = parts
    corpus = _with_languages(_corpus(texts, figures, []), languages)
    df = corpus.figures.df.copy()
    df["qualifier"] = qualifiers
    corpus = dataclasses.replace(corpus, figures=type(corpus.figures)(df))
    keys = _FigureKeys(corpus)
    want_language = [(languages.get(f[0]) or "de") if f[0] in languages else "de" for f in figures]
    assert list(keys.language) == want_language
    code, first = keys.groups()
    want_code, want_first = _reference_groups(keys)
    assert code.tolist() == want_code.tolist()
    assert first.tolist() == want_first.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(-1, 3), st.sampled_from(["3.000", "etwa 3", None]),
                          st.sampled_from([3000.0, 2900.0, float("nan")]), st.integers(0, 1)), max_size=20),
       st.booleans())
def test_codes_of_rows_alike_by_quote_are_the_codes_of_every_column(rows, alike):
    """Where a quote's figures agree in value, interval and language, the groups are the
    quotes' own codes; where they do not (or a quote is missing), no short cut is taken."""
    from figcheck.checks.provenance import _Coded, _codes, _codes_if_alike_by_quote
    from figcheck.sentences import factorize_objects

    if alike:        # every column a function of the quote, as an archive writes it
        rows = [(q, *rows[0][1:]) if rows else (q, None, 0.0, 0) for q, *_ in rows]
    quotes = np.array([None if q < 0 else f"q{q}" for q, *_ in rows], dtype=object)
    codes, distinct = factorize_objects(quotes)
    columns = (np.array([r[1] for r in rows], dtype=object), np.array([r[2] for r in rows], dtype=float),
               np.array([r[2] for r in rows], dtype=float), np.array([r[3] for r in rows], dtype=np.int64))
    want = _codes(_Coded(codes, len(distinct)), *columns[:3], _Coded(columns[3], 2)) if rows else codes
    got = _codes_if_alike_by_quote(codes, columns)
    if got is not None:
        assert got.tolist() == want.tolist()
    if alike and rows and codes.min() >= 0 and not np.isnan(columns[1]).any():
        assert got is not None


@settings(max_examples=200, deadline=None)
@given(st.lists(__import__("test_coverage_fast_paths").articles(), min_size=1, max_size=4), st.sampled_from(["de", "en"]))
def test_units_read_for_the_corpus_are_the_units_of_each_text(texts, language):
    """The corpus's reading fills the unit memos (an opening sentence may take the reading of
    the same sentence inside an article); each text read from them is still read exactly."""
    from figcheck import coverage
    from test_coverage_fast_paths import reference_mentions

    coverage._UNIT_MEMO.clear()
    corpus = _with_languages(_corpus({f"s{i}": t for i, t in enumerate(texts)}, [], []),
                             {f"s{i}": language for i in range(len(texts))})
    coverage.corpus_coverage(corpus)
    for text in texts:
        assert coverage.raw_mentions(text, language) == reference_mentions(text, language)


def test_kinds_keep_the_order_they_first_appear_in_long_sentences():
    """A kind that first appears late in a sentence of many numbers still comes after the one
    before it (JSON prints the kinds in the order they first appear)."""
    from figcheck.coverage import corpus_coverage, source_coverage

    text = ("Es kamen 1 und 2 und 3 und 4 und 5 und 6 und 7 und 8 und 9 Panzer und KN23 berichtet. "
            "Es kamen 2.5 Panzer berichtet. Dann KN24 und 4 Panzer berichtet.")
    corpus = _corpus({"s1": text}, [], [])
    got = corpus_coverage(corpus)["s1"]
    full = source_coverage(corpus.sources["s1"], [], [])
    assert list(full.kinds()) == ["claim", "name", "unreadable"]
    assert list(got.kinds().items()) == list(full.kinds().items())


@settings(max_examples=100, deadline=None)
@given(keyed_corpora(), keyed_corpora())
def test_figures_decided_once_per_group_are_flagged_as_when_each_is_decided(first_parts, parts):
    """P002/P003 decide once per group (the fast path, then the quote's readings only where
    some figure's qualifier asks for them, the verdict kept for the next part): the figures
    flagged are those flagged when every figure is decided in full."""
    from figcheck.checks import provenance

    def keys_of(p):
        texts, figures, qualifiers, languages = p
        corpus = _with_languages(_corpus(texts, figures, []), languages)
        df = corpus.figures.df.copy()
        df["qualifier"] = qualifiers
        return provenance._FigureKeys(dataclasses.replace(corpus, figures=type(corpus.figures)(df)))

    def flagged(keys):
        return provenance._numbers_flagged(keys), provenance._hedges_flagged(keys)

    def reference(keys):
        """Every figure decided in full, one at a time."""
        return ([i for i in range(keys.n) if provenance._number_differs(keys, i)],
                [i for i in range(keys.n) if provenance._hedge_differs(keys, i)])

    for p in (first_parts, parts):
        keys = keys_of(p)
        assert flagged(keys) == reference(keys)
        # the second time from the verdicts kept for the groups (the next part of an archive)
        assert flagged(keys_of(p)) == reference(keys)
