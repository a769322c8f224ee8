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
