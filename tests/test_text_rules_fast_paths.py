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


def _reference_groups(keys, with_qualifier: bool):
    """Figures grouped by their (quote, value, low, high, language[, qualifier]) as tuples."""
    rows = list(zip(keys.quote, keys.value_text, keys.low.tolist(), keys.high.tolist(), keys.language,
                    *([keys.qualifier] if with_qualifier else [])))
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
    for with_qualifier in (False, True):
        code, first = keys.groups(with_qualifier)
        want_code, want_first = _reference_groups(keys, with_qualifier)
        assert code.tolist() == want_code.tolist()
        assert first.tolist() == want_first.tolist()


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
def test_groups_the_fast_path_settles_are_flagged_as_when_every_group_is_decided(first_parts, parts):
    """P002/P003 ask no verdict of the groups whose value stands alone in the quote, hedged
    as the file says (the fast path, decided once per group for both rules): the figures
    flagged are those flagged when every group's first figure is decided in full."""
    import functools

    from figcheck.checks import provenance

    def keys_of(p):
        texts, figures, qualifiers, languages = p
        corpus = _with_languages(_corpus(texts, figures, []), languages)
        df = corpus.figures.df.copy()
        df["qualifier"] = qualifiers
        return provenance._FigureKeys(dataclasses.replace(corpus, figures=type(corpus.figures)(df)))

    def flagged(keys):
        return (provenance._flagged(keys, False, functools.partial(provenance._number_differs, keys)),
                provenance._flagged(keys, True, functools.partial(provenance._hedge_differs, keys)))

    def every_group(keys, with_qualifier, decide):
        code, first = keys.groups(with_qualifier)
        bad = np.array([decide(i) for i in first.tolist()], dtype=bool)
        return np.flatnonzero(bad[code]).tolist() if len(first) else []

    def reference(keys):
        return (every_group(keys, False, functools.partial(provenance._number_differs, keys)),
                every_group(keys, True, functools.partial(provenance._hedge_differs, keys)))

    for p in (first_parts, parts):
        keys = keys_of(p)
        assert flagged(keys) == reference(keys)
