"""load._plain_reading finds a number's shape with one match (_PLAIN_SHAPES): the same readings
as matching the plain value, then each shape in turn, as it did."""
from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from figcheck import numbers
from figcheck.load import _PLAIN_DIGITS, _PLAIN_VALUE, _plain_reading


def shape_by_shape(text: str, language: str):
    """_plain_reading as it was: the plain value matched, then its number by each shape in turn."""
    shapes = _PLAIN_DIGITS.get(language)
    if shapes is None:
        return None
    m = _PLAIN_VALUE.fullmatch(text)
    if m is None:
        return None
    token, word = m.groups()
    for shape, mark in shapes:
        if shape.fullmatch(token):
            break
    else:
        return None
    if mark:
        whole, _, fraction = token.partition(mark)
        value, decimals = float(whole + "." + fraction), len(fraction)
    else:
        value, decimals = float(token.replace(".", "").replace(",", "")), 0
    written, about = numbers.digit_reading(value, decimals)
    if word is not None:
        scale = numbers.SCALES[language].get(word.lower())
        if scale is None or word.lower() == "m":
            return None
        value, written, about = numbers._scaled((value, written, about, decimals, 0), scale)
    return numbers.Reading(value, value, written, about, "exact", text, 0, len(text))


PIECES = ["1", "12", "123", "0", "1000", "5", "١٢", ".", ",", "000", "0,5", " ", "  ", "Millionen", "million",
          "Mrd", "bn", "m", "Tausend", "x", "é", "k", "1234567890123456"]


@settings(max_examples=500, deadline=None)
@given(text=st.lists(st.sampled_from(PIECES), max_size=7).map("".join), language=st.sampled_from(["de", "en", "fr"]))
@example(text="1.000", language="de")
@example(text="1.000", language="en")
@example(text="1,000 million", language="en")
@example(text="12,5 Millionen", language="de")
def test_one_match_reads_as_shape_by_shape(text, language):
    assert _plain_reading(text, language) == shape_by_shape(text, language)
