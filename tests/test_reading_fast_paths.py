"""The fast paths of reading agree with the full reader on random inputs: an article read one
distinct stretch at a time, quotes read once per distinct string."""
from __future__ import annotations

from hypothesis import example, given, settings, strategies as st

from figcheck.numbers import find_numbers, find_numbers_chunked, parse_digits

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


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(texts(), st.just(""), st.sampled_from([" ", "3 ", " 3", "\x00", "3 \x00 5", "im Jahr 2024. ",
                                                               "für 3 \U0001F600 etwa 5 Panzer", "\ud800 3 ä"])),
                min_size=16, max_size=40),
       st.sampled_from(["de", "en", "de-CH"]))
def test_reading_many_texts_at_once_is_reading_each(many, language):
    from figcheck import numbers
    from figcheck.numbers import number_chunks, number_chunks_many

    want = [number_chunks(text, language) for text in many]
    assert number_chunks_many(many, language) == want
    # read a few texts at a time, as a long list is
    at_once, numbers._MANY_AT_ONCE = numbers._MANY_AT_ONCE, 17
    try:
        assert number_chunks_many(many, language) == want
    finally:
        numbers._MANY_AT_ONCE = at_once


# --- digits: parse_digits reads without babel what babel reads unambiguously ---------------------

def babel_parse_digits(token: str, language: str) -> tuple[float, int]:
    """parse_digits as it was: every token not grouped with apostrophes through babel's strict parse."""
    import math

    from babel.numbers import NumberFormatError, get_decimal_symbol, parse_decimal

    from figcheck.numbers import _APOSTROPHE_GROUPED, NumberReadError, babel_locale

    if _APOSTROPHE_GROUPED.match(token) or "'" in token or "’" in token:
        return parse_digits(token, language)          # read by figcheck's own rule, never by babel
    locale = babel_locale(language)
    try:
        number = parse_decimal(token, locale=locale, strict=True)
    except NumberFormatError as exc:
        hint = ""
        if getattr(exc, "suggestions", None):
            hint = " (could be " + " or ".join(exc.suggestions) + ")"
        raise NumberReadError(f"{token!r} is ambiguous in {language!r}{hint}") from None
    except ArithmeticError:
        raise NumberReadError(f"{token!r} has too many digits to be a reported number") from None
    value = float(number)
    if not math.isfinite(value):
        raise NumberReadError(f"{token!r} is too large to be a reported number")
    mark = get_decimal_symbol(locale)
    return value, (len(token.rsplit(mark, 1)[1]) if mark in token else 0)


def _outcome(read, token, language):
    from figcheck.numbers import NumberReadError

    try:
        return read(token, language)
    except NumberReadError as exc:
        return str(exc)


@st.composite
def digit_tokens(draw):
    """Tokens as the reader cuts them (digits, single marks between digits), often grouped in
    threes, sometimes with a leading zero, an odd group, other digits or very many groups."""
    digits = st.sampled_from(list("0123456789") + ["٣", "７"]) if draw(st.integers(0, 9)) == 0 else \
        st.sampled_from(list("0123456789"))
    first = draw(st.text(alphabet=digits, min_size=1, max_size=4))
    groups = draw(st.lists(st.tuples(st.sampled_from([".", ",", ".", ",", "'", "’"]),
                                     st.text(alphabet=digits, min_size=1, max_size=4)
                                     | st.text(alphabet=digits, min_size=3, max_size=3)), max_size=12))
    if draw(st.integers(0, 20)) == 0:
        groups = groups * 3
    return first + "".join(m + g for m, g in groups)


@settings(max_examples=800, deadline=None)
@given(digit_tokens(), st.sampled_from(["de", "en", "de-CH", "de_AT", "en_GB", "en_IN", "de-LI", "fr", ""]))
@example("450.000", "de")
@example("3,800", "en")
@example("1.234,5", "de")
@example("0.000", "de")
@example("1.000.000.000.000.000.000.000.000.000", "de")
@example("12,3456", "en_IN")
@example("1,00,000", "en_IN")
@example("123,456", "en_IN")
@example("1,2,3", "de")
def test_parse_digits_reads_as_babel_reads(token, language):
    from figcheck.numbers import parse_digits

    assert _outcome(parse_digits.__wrapped__, token, language) == _outcome(babel_parse_digits, token, language)
