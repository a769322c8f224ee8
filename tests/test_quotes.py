"""Quotes are found whatever typesetting did to them, and the span points into the original text."""
from __future__ import annotations

import pytest

from figcheck.quotes import closest_passage, locate

TEXT = ("Die Militärführung berichtete, dass die „Operationen zur Befreiung der Region Kursk“ erfolg-\n"
        "reich abgeschlossen wurden; etwa 4.000\u00a0Soldaten sollen verletzt\n worden sein. Kims Sol\u00addaten.")


@pytest.mark.parametrize("quote", [
    '"Operationen zur Befreiung der Region Kursk" erfolgreich',   # other quote marks, hyphenation
    "etwa 4.000 Soldaten sollen verletzt worden sein",           # NBSP and a line break
    "Kims Soldaten",                                             # a soft hyphen
    "Milita\u0308rführung berichtete",                             # a decomposed umlaut
])
def test_typesetting_does_not_matter(quote):
    span = locate(TEXT, quote)
    assert span is not None
    start, end = span
    # the span covers the passage: as long as the quote, give or take what typesetting added
    assert abs((end - start) - len(quote)) <= 4

def test_span_is_exact_in_original_text():
    start, end = locate(TEXT, "etwa 4.000 Soldaten")
    assert TEXT[start:end] == "etwa 4.000\u00a0Soldaten"


def test_other_words_do_not_match_and_closest_passage_is_shown():
    assert locate(TEXT, "etwa 5.000 Soldaten sollen verletzt worden sein") is None
    passage, ratio = closest_passage(TEXT, "etwa 5.000 Soldaten sollen verletzt worden sein")
    assert "4.000" in passage and ratio > 0.9


def test_decomposed_source_keeps_indices():
    text = "Sie wa\u0308hlen 11.000 Tru\u0308ppen aus."
    start, end = locate(text, "wählen 11.000 Trüppen")
    assert text[start:end] == "wa\u0308hlen 11.000 Tru\u0308ppen"
