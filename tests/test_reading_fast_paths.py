"""The fast paths of reading agree with the full reader on random inputs: an article read one
distinct stretch at a time, quotes read once per distinct string."""
from __future__ import annotations

from hypothesis import example, given, settings, strategies as st

from figcheck.numbers import find_numbers, find_numbers_chunked

# Words the reader consumes, words it never does, and what sits between and inside them.
PIECES = [
    "etwa", "rund", "ca.", "ca", "mehr", "als", "bis", "zu", "zwischen", "und", "fast", "über",
    "Millionen", "Mio.", "Mrd", "tausend", "Tausende", "mehrere", "ein", "eine", "Drittel", "zwei",
    "zweieinhalb", "anderthalb", "Hälfte", "die", "about", "up", "to", "between", "and", "a",
    "half", "thirds", "two", "million", "m", "$", "€", "-", "–", ".", ",", ";", "(", ")", "%",
    "Soldaten", "berichtet", "Es", "wurden", "KN", "Ga", "²", "km²", "_", "'", "’",
    "3", "11.000", "2,5", "2.5", "650'000", "1.000.000", "12", "2024", "3.", "1,2,3", "10km",
]
SPACES = [" ", " ", " ", "  ", "\n", " \n ", "", "\t"]


NUMBERS = ["3", "5", "11.000", "2,5", "zwei", "two", "ein", "a"]


@st.composite
def texts(draw):
    # every other piece a number, so that ranges, scales and fractions across spaces are common
    parts = draw(st.lists(st.tuples(st.sampled_from(PIECES), st.sampled_from(NUMBERS), st.sampled_from(SPACES),
                                    st.sampled_from(SPACES)), max_size=12))
    return "".join(p + s + n + t for p, n, s, t in parts)


@settings(max_examples=600, deadline=None)
@given(texts(), st.sampled_from(["de", "en", "de-CH"]))
@example("Es wurden 3 - 5 Millionen berichtet", "de")
@example("zwischen 3 und 5 Soldaten, etwa  11.000\nGranaten, ca. 5 Mio. bis 7 Mio.", "de")
@example("Es wurden 3 Mio . bis 5 Mio . berichtet. ca . 5", "de")
@example("two and a half, a third, up to $ 5 m, between 3 and 5", "en")
def test_reading_stretch_by_stretch_is_reading_the_whole_text(text, language):
    assert find_numbers_chunked(text, language) == find_numbers(text, language)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789 .,'’-–$€abcdeimnlotsuzEBM²\n_")), max_size=60),
       st.sampled_from(["de", "en"]))
def test_reading_stretch_by_stretch_on_random_characters(text, language):
    assert find_numbers_chunked(text, language) == find_numbers(text, language)
