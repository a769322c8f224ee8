"""The loader's plain-number fast path reads exactly as read_value does."""
import pytest
from hypothesis import given, settings, strategies as st

from figcheck.load import _plain_reading, _read_text
from figcheck.numbers import SCALES, NumberReadError, read_value

digits = st.text("0123456789", min_size=1, max_size=7)
marks = st.sampled_from([".", ",", "'", " ", ""])
words = st.sampled_from(sorted({w for table in SCALES.values() for w in table}) + [
    "Millionen", "Million", "MILLION", "Mrd", "m", "M", "Soldaten", "bis", "etwa", "und", "ab"])


@st.composite
def values(draw):
    token = draw(digits)
    for _ in range(draw(st.integers(0, 3))):
        token += draw(marks) + draw(st.one_of(st.text("0123456789", min_size=3, max_size=3), digits))
    if draw(st.booleans()):
        token += draw(st.sampled_from([" ", "  ", "", " . "])) + draw(words)
    return token


def _reference(text, language):
    try:
        return read_value(text, language)
    except NumberReadError as exc:
        return str(exc)


@settings(max_examples=3000, deadline=None)
@given(values(), st.sampled_from(["de", "en", "de_CH", "en_US", "fr"]))
def test_plain_reading_equals_read_value(text, language):
    fast = _plain_reading(text, language)
    if fast is not None:
        assert fast == _reference(text, language)


@pytest.mark.parametrize("text, language", [
    ("127,2 Millionen", "de"), ("184.5 million", "en"), ("175 Millionen", "de"), ("871 million", "en"),
    ("81.000", "de"), ("81.000", "en"), ("590,000", "en"), ("1,716 Milliarden", "de"), ("27", "de"),
    ("1.014 billion", "en"), ("13 Milliarden", "de"), ("1 billion", "en"), ("1 Milliarde", "de"),
    ("1 Million", "de"), ("1.100", "de"), ("1,100", "en"), ("0,5", "de"), ("10", "en"), ("100.000", "de"),
])
def test_an_archive_s_usual_values_take_the_fast_path(text, language):
    fast = _plain_reading(text, language)
    assert fast is not None and fast == read_value(text, language)
    assert _read_text(text, language) == fast


@pytest.mark.parametrize("text, language", [
    ("2.5", "de"), ("12,34", "en"), ("5 m", "en"), ("28.000", "de_CH"), ("etwa 5", "de"), ("3 bis 5", "de"),
    ("1.234,5", "de"), (" 5", "en"), ("5 Soldaten", "de"), ("Mio. 5", "de"),
])
def test_everything_else_is_left_to_read_value(text, language):
    assert _plain_reading(text, language) is None
    assert _read_text(text, language) == _reference(text, language)


@settings(max_examples=500, deadline=None)
@given(st.one_of(values(), st.lists(values(), min_size=2, max_size=2)), st.sampled_from(["de", "en", "de_CH"]))
def test_a_figure_s_value_reads_as_by_read_value(raw, language):
    import figcheck.load as load_module

    def outcome(reader):
        original = load_module._value_reading
        load_module._value_reading = reader
        try:
            return load_module._figure_reading(raw, "", language)
        except NumberReadError as exc:
            return str(exc)
        finally:
            load_module._value_reading = original

    assert outcome(load_module._value_reading) == outcome(read_value)
