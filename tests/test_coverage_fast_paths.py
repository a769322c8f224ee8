"""Coverage's fast paths give exactly what reading the whole text at once gives: an article read
one distinct sentence at a time (raw_mentions) lists the mentions, kinds and spans that the
reader and the classification find in the whole text (a reference built here from find_numbers
and _classify, with no stretches, memos or units)."""
from __future__ import annotations

from hypothesis import example, given, settings, strategies as st

from figcheck.coverage import (
    UNREADABLE, _classify, _covering_span, _non_claim_spans, _raw_mentions_whole, raw_mentions,
)
from figcheck.numbers import Reading, base_language, find_numbers


def reference_mentions(text: str, language: str) -> list[tuple]:
    """raw_mentions as its contract says: every mention find_numbers reads in the whole text,
    the first non-claim span holding its number deciding its kind (one entry per span), else
    _classify."""
    lang = base_language(language)
    spans = _non_claim_spans(text, lang)
    out, listed = [], set()
    for found in find_numbers(text, language):
        readable = isinstance(found, Reading)
        span_ix = _covering_span(spans, found.number_start if readable else found.start)
        if span_ix is not None:
            if span_ix not in listed:
                listed.add(span_ix)
                s_start, s_end, kind, why = spans[span_ix]
                low = found.low if readable else None
                out.append((s_start, s_end, s_start, s_end, low, low, "exact", kind, why, False, False))
        elif not readable:
            out.append((found.start, found.end, found.start, found.end, None, None, "exact", UNREADABLE,
                        found.reason, False, False))
        else:
            kind, why = _classify(text, found, lang)
            out.append((found.start, found.end, found.number_start, found.end, found.low, found.high,
                        found.qualifier, kind, why, found.vague, found.is_range))
    return out


# Sentences as an archive repeats them, and what makes a reading depend on its surroundings:
# years and ordinals (the words around decide), quoted titles, dates, clock times, URLs,
# handles, ranges, sentences ending in a number or a scale word, doubled and missing spaces.
SENTENCES = [
    "Es wurden etwa 13.000 Granaten pro Tag berichtet", "Es wurden 3 bis 5 Millionen Dollar berichtet",
    "Es wurden mehr als 2,5 Millionen Soldaten berichtet", "Im Jahr 2024 kamen 2000 Soldaten",
    "Seit 2014 kämpfen sie", "Die 3. Armee rückte vor", "Am 2. November 2024 um 14:30 Uhr",
    "Der Sender \u201eFrance 24\u201c meldete 300 Tote", "Siehe www.example.org/2024/10 und @user2024",
    "Es waren zweieinhalb Tausend", "zwischen 3 und 5", "Es wurden etwa 1 Million Granaten",
    "Officials reported about 3,800 shells a day", "Officials reported 74,000 to 120,000 soldiers",
    "In 2023 the army sent 2000 troops", "On October 13, 2024 at 5 pm", "the 2016\u201317 season",
    "two and a half thousand", "Es kamen 2.5 Soldaten", "KN23 und Hwasong-11Ga", "1 | 3",
    "Es kamen 300", "bis zu 15.000", "Millionen", "etwa", "", " ", "3", "ca", "Mio",
    "Es wurden  etwa\n11.000 Soldaten berichtet", "#tag2024 meldete 5 Verluste", "1.12. war es",
]
ENDS = [". ", ". ", ". ", ".", "! ", "\n", ". \n", ""]


@st.composite
def articles(draw):
    parts = draw(st.lists(st.tuples(st.sampled_from(SENTENCES), st.sampled_from(ENDS)), max_size=10))
    return "".join(s + e for s, e in parts)


@settings(max_examples=500, deadline=None)
@given(articles(), st.sampled_from(["de", "en", "de-CH"]))
@example("Es wurden etwa 13.000 Granaten pro Tag berichtet. Es wurden etwa 13.000 Granaten pro Tag "
         "berichtet. Im Jahr 2024. 2000 Soldaten. Es kamen 300. Millionen. Seit 2014 kämpfen sie", "de")
@example("Es kamen 300. 3 bis 5. Millionen. ", "de")
@example(". . 3. . 5. ", "de")
@example("On October 13. 2024 at 5. pm. Officials reported 74,000. to 120,000 soldiers", "en")
def test_reading_sentence_by_sentence_is_reading_the_whole_text(text, language):
    expected = reference_mentions(text, language)
    assert _raw_mentions_whole(text, language) == expected
    assert raw_mentions(text, language) == expected
    assert raw_mentions(text, language) == expected          # again, from the memos


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 .,'’-–$€:|@#/abcdeimnlotsuzEBMUhrJan\n\u201e\u201c")),
               max_size=80),
       st.sampled_from(["de", "en"]))
def test_reading_sentence_by_sentence_on_random_characters(text, language):
    assert raw_mentions(text, language) == reference_mentions(text, language)


# --- counting: corpus_coverage counts what source_coverage lists ---------------------------------

def _corpus(texts: dict[str, str], figures: list[tuple[str, str, float, float]], skips: list[tuple[str, str]]):
    """A corpus of sources (German), figures (source, quote, low, high) and skips (source, quote)."""
    from figcheck.frames import FIGURE_COLUMNS, FigureFrame, figure_frame
    from figcheck.model import Corpus, Skip, Source, Where

    n = len(figures)
    columns = {c: [None] * n for c in FIGURE_COLUMNS}
    columns.update(
        id=[f"f{i}" for i in range(n)], source=[f[0] for f in figures], quote=[f[1] for f in figures],
        value_text=["1"] * n, qualifier=["exact"] * n, low=[f[2] for f in figures], high=[f[3] for f in figures],
        written_half=[0.0] * n, about_half=[0.5] * n, unit=["soldier"] * n, quantity=["q"] * n,
        period_start=["2024-01-01"] * n, period_end=["2025-01-01"] * n, period_text=["2024"] * n,
        file=["figures.toml"] * n, line=list(range(1, n + 1)), attributed_to=[""] * n, modality=["reported"] * n,
        note=[""] * n, since_text=[""] * n, since_start=[None] * n, since_end=[None] * n)
    sources = {sid: Source(sid, f"{sid}.txt", f"{sid}.txt", sid, None, "de", text, Where("figures.toml", 1))
               for sid, text in texts.items()}
    its_skips = tuple(Skip(sid, quote, "vague", Where("figures.toml", 100 + i)) for i, (sid, quote) in enumerate(skips))
    return Corpus(("figures.toml",), sources, {}, FigureFrame(figure_frame(columns)), {}, skips=its_skips)


CLAUSES = ["etwa 11.000 Soldaten", "3 bis 5 Millionen Granaten", "Tausende", "2.5 Panzer", "im Jahr 2024",
           "am 2. November", "3.000 Soldaten", "mehr als 650 Tote", "zwei Drittel", "um 14:30 Uhr", "erneut"]


@st.composite
def corpora(draw):
    texts = {}
    for sid in ("s1", "s2", "s3")[:draw(st.integers(1, 3))]:
        clauses = draw(st.lists(st.sampled_from(CLAUSES), min_size=1, max_size=8))
        texts[sid] = "Es wurden " + ". Es wurden ".join(clauses) + " berichtet."
    def quote(sid):
        kind = draw(st.integers(0, 9))
        text = texts[sid]
        if kind == 0:
            return "etwa  11.000\nSoldaten"                     # found only as normalised
        if kind == 1:
            return "nirgends 7 Soldaten"                        # not in the text
        if kind == 2:
            return ""
        a = draw(st.integers(0, len(text) - 1))
        return text[a:draw(st.integers(a + 1, min(len(text), a + 60)))]
    values = st.sampled_from([(11000.0, 11000.0), (3000.0, 3000.0), (3e6, 5e6), (650.0, 650.0), (1.0, 1.0)])
    figures = [(sid, quote(sid), *draw(values))
               for sid in draw(st.lists(st.sampled_from(sorted(texts) + ["s9"]), max_size=12))
               if sid in texts]
    skips = [(sid, quote(sid)) for sid in draw(st.lists(st.sampled_from(sorted(texts)), max_size=4))]
    return texts, figures, skips


@settings(max_examples=200, deadline=None)
@given(corpora())
def test_counted_coverage_counts_what_coverage_lists(parts):
    from figcheck.coverage import ENCODED, OPEN, SKIPPED, corpus_coverage, counted_coverage, source_coverage

    texts, figures, skips = parts
    corpus = _corpus(texts, figures, skips)
    counted = corpus_coverage(corpus)
    for sid, source in corpus.sources.items():
        full = source_coverage(source, [f for f in corpus.figures.values() if f.source == sid],
                               [k for k in corpus.skips if k.source == sid])
        got = counted[sid]
        assert [got.count(s) for s in (ENCODED, SKIPPED, OPEN)] == [full.count(s) for s in (ENCODED, SKIPPED, OPEN)]
        assert list(got.kinds().items()) == list(full.kinds().items())      # in the order JSON prints them
        assert got.claims == full.claims and got.open == full.open
        assert (got.unmatched_skips, got.idle_skips) == (full.unmatched_skips, full.idle_skips)
        assert got.to_json() == full.to_json() and got.entries == full.entries
        # one source on its own, as a worker process would count it
        alone = counted_coverage(source, [(f.id, f.quote, f.low, f.high, None, None) for f in corpus.figures.values()
                                          if f.source == sid], [k for k in corpus.skips if k.source == sid], None)
        assert alone.to_json() == got.to_json() and alone.open == got.open
        assert list(alone.kinds().items()) == list(got.kinds().items())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 .:/-–—|@#wWUhrdecomJanMärzMai\nİ")), max_size=30))
@example("www.x")
@example("WWW.x")
@example("wWw.x")
@example("—")
@example("x.de")
@example("1.12.")
def test_one_search_finds_what_any_hint_finds(text):
    from figcheck.coverage import _ANY_NEED, _NEEDS

    lowered = text.lower()
    assert (_ANY_NEED.search(text) is not None) == any(need(text, lowered) for need in _NEEDS.values())


def test_a_corpus_without_sources_has_no_coverage():
    from figcheck.coverage import corpus_coverage

    assert corpus_coverage(_corpus({}, [], [])) == {}
    assert corpus_coverage(_corpus({}, [("s1", "etwa 3 Soldaten", 3.0, 3.0)], [])) == {}
