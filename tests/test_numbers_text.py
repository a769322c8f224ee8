"""The number reader's additions for extraction: genitive vague counts ("Tausender Soldaten",
"Dutzende"). The reference readings of reading-cases.csv are read here too, so that no
addition changes an existing reading."""
from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from figcheck.intervals import QUALIFIER_CODE, read_intervals
from figcheck.numbers import NumberReadError, find_numbers, read_value

CASES = list(csv.DictReader((Path(__file__).parent / "data" / "reading-cases.csv").open(encoding="utf-8")))


@pytest.mark.parametrize("text, word, low, high", [
    ("Mit der Unterstützung Tausender Soldaten aus Nordkorea", "Tausender", 2000, 10000),
    ("der Tod Hunderter Zivilisten", "Hunderter", 200, 1000),
    ("das Schicksal Zehntausender Flüchtlinge", "Zehntausender", 20000, 100000),
    ("Dutzende Panzer wurden zerstört", "Dutzende", 24, 120),
    ("Tausende", "Tausende", 2000, 10000),
])
def test_genitive_and_dozen_vague_counts_are_mentions(text, word, low, high):
    (m,) = find_numbers(text, "de")
    assert m.vague and m.is_range and (m.low, m.high) == (low, high)
    assert text[m.start:m.end] == word and m.number_start == m.start
    with pytest.raises(NumberReadError):
        read_value(word, "de")          # a vague count is never a figure's value


def test_a_number_before_tausender_stays_a_number():
    # "20 Tausender" (banknotes): the digits are the mention, not a vague count
    (m,) = find_numbers("20 Tausender", "de")
    assert (m.low, m.vague, m.text) == (20, False, "20")


@pytest.mark.parametrize("case", CASES, ids=[f"{c['language']}:{c['text']}" for c in CASES])
def test_reference_readings_still_hold(case):
    if case["qualifier"] == "error":
        with pytest.raises(NumberReadError):
            read_value(case["text"], case["language"])
        return
    r = read_value(case["text"], case["language"])
    assert r.qualifier == case["qualifier"]
    value = case["value"].strip("[]").split(",")
    assert (r.low, r.high) == (float(value[0]), float(value[-1]))
    lo, hi, lo_open, hi_open = read_intervals([QUALIFIER_CODE[r.qualifier]], [r.low], [r.high],
                                              [r.written_half], [r.about_half])
    assert math.isclose(lo[0], float(case["low"]), rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(hi[0], float(case["high"]), rel_tol=1e-12) or hi[0] == float(case["high"])
    assert bool(lo_open[0]) == (case["low_open"] == "true")
    if math.isfinite(hi[0]):            # intervals.py marks an infinite end open; the csv leaves it
        assert bool(hi_open[0]) == (case["high_open"] == "true")


@pytest.mark.parametrize("text, language, readings", [
    # a scale word serves both ends of a range …
    ("3 bis 5 Millionen", "de", [(3e6, 5e6)]),
    ("between 3 and 5 million", "en", [(3e6, 5e6)]),
    # … unless the range would run backwards: then both ends keep their own scale
    ("960.000 bis 1,5 Millionen Granaten", "de", [(960_000, 1.5e6)]),
    ("860,000 to 1.4 million shells", "en", [(860_000, 1.4e6)]),
    # ends of different orders of magnitude are no range; the first keeps its own value
    ("5 bis 3 Millionen", "de", [(5, 5), (3e6, 3e6)]),
])
def test_ranges_with_one_scale_word(text, language, readings):
    assert [(r.low, r.high) for r in find_numbers(text, language)] == readings
