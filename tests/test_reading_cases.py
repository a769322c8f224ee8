"""Every reference reading of tests/data/reading-cases.csv (a copy of ../shared/reading-cases.csv).

Each case is checked twice: through the number reader and the interval table directly, and
through a whole figures file (the text as a figure's string value) into the figure table.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from figcheck.intervals import QUALIFIER_CODE, read_intervals
from figcheck.numbers import NumberReadError, read_value

from conftest import write_figures

CASES_FILE = Path(__file__).parent / "data" / "reading-cases.csv"


def _cases():
    with CASES_FILE.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) >= 38, "the reference file lost rows"
    return rows


CASES = _cases()
GOOD = [r for r in CASES if r["qualifier"] != "error"]
BAD = [r for r in CASES if r["qualifier"] == "error"]


def case_id(row) -> str:
    return f"{row['language']}:{row['text']}"


def expected(row):
    low, high = float(row["low"]), float(row["high"])
    # The reference marks unbounded ends as not open; figcheck's convention is that an
    # infinite end is always open (no point sits at infinity), which is the same set.
    low_open = row["low_open"] == "true" or np.isinf(low)
    high_open = row["high_open"] == "true" or np.isinf(high)
    return low, high, low_open, high_open


def stated_value(row):
    """The CSV's value column: a number, or "[low, high]" for a stated range."""
    value = row["value"]
    if value.startswith("["):
        low, high = json.loads(value)
        return float(low), float(high)
    return float(value), float(value)


def assert_interval(got, want, label):
    (lo, hi, lo_open, hi_open), (w_lo, w_hi, w_lo_open, w_hi_open) = got, want
    # rel 1e-12: the interval must be the reference, not merely near it
    assert lo == pytest.approx(w_lo, rel=1e-12, abs=1e-12), f"{label}: low {lo} != {w_lo}"
    assert hi == pytest.approx(w_hi, rel=1e-12, abs=1e-12), f"{label}: high {hi} != {w_hi}"
    assert bool(lo_open) == w_lo_open, f"{label}: low end open={lo_open}, expected {w_lo_open}"
    assert bool(hi_open) == w_hi_open, f"{label}: high end open={hi_open}, expected {w_hi_open}"


@pytest.mark.parametrize("row", GOOD, ids=case_id)
def test_reader_and_interval_table(row):
    reading = read_value(row["text"], row["language"])
    assert reading.qualifier == row["qualifier"]
    assert (reading.low, reading.high) == pytest.approx(stated_value(row), rel=1e-12)
    lo, hi, lo_open, hi_open = read_intervals(
        np.array([QUALIFIER_CODE[reading.qualifier]]), [reading.low], [reading.high],
        [reading.written_half], [reading.about_half])
    assert_interval((lo[0], hi[0], lo_open[0], hi_open[0]), expected(row), case_id(row))


@pytest.mark.parametrize("row", BAD, ids=case_id)
def test_ambiguous_number_is_an_error(row):
    with pytest.raises(NumberReadError, match="ambiguous"):
        read_value(row["text"], row["language"])


def _figures_file(rows) -> str:
    """One figure per case; the value is the text as written, the qualifier left to the reader."""
    parts = []
    for n, row in enumerate(rows):
        source = "s1" if row["language"] == "de" else "en1"
        parts.append(
            f"[[figure]]\nid = \"case_{n}\"\nsource = \"{source}\"\nquote = \"x\"\n"
            f"value = {json.dumps(row['text'], ensure_ascii=False)}\nunit = \"soldier\"\n"
            f"quantity = \"troops\"\nas_of = \"2024\"\n")
    return "\n".join(parts)


def test_every_case_through_a_figures_file(corpus_dir):
    from figcheck.load import load
    from figcheck.table import FigureTable

    assert {r["language"] for r in GOOD} == {"de", "en"}  # the header has one source of each
    path = write_figures(corpus_dir, _figures_file(GOOD))
    table = FigureTable.from_corpus(load([path]))
    df = table.df.set_index("id")
    for n, row in enumerate(GOOD):
        got = df.loc[f"case_{n}"]
        label = case_id(row)
        assert got["qualifier"] == row["qualifier"], label
        # soldier is a base unit: own-unit and base-unit intervals are the same numbers
        assert got["factor"] == 1.0
        assert_interval((got["unit_low"], got["unit_high"], got["low_open"], got["high_open"]),
                        expected(row), label)
        assert_interval((got["low"], got["high"], got["low_open"], got["high_open"]),
                        expected(row), label)


def test_ambiguous_case_in_a_figures_file_is_a_load_error_at_its_value_line(corpus_dir):
    from figcheck.load import LoadError, load

    body = _figures_file(GOOD[:1]) + "\n" + _figures_file(BAD).replace("case_0", "bad_0")
    path = write_figures(corpus_dir, body)
    with pytest.raises(LoadError) as info:
        load([path])
    problems = info.value.problems
    assert len(problems) == len(BAD)
    value_line = path.read_text(encoding="utf-8").splitlines().index('value = "2.5"') + 1
    assert problems[0].line == value_line
    assert "ambiguous" in problems[0].message and "2.5" in problems[0].message


def test_scale_of_a_unit_reaches_the_base_interval(corpus_dir):
    """The same reading in a scaled unit: the base-unit interval is the own-unit one × factor."""
    from figcheck.load import load
    from figcheck.table import FigureTable

    body = """\
    [[figure]]
    id = "per_day"
    source = "s1"
    quote = "x"
    value = "etwa 28.000"
    unit = "shell/day"
    quantity = "shells"
    as_of = "2024"
    """
    table = FigureTable.from_corpus(load([write_figures(corpus_dir, body)]))
    row = table.df.iloc[0]
    assert (row["unit_low"], row["unit_high"]) == (27500, 28500)
    # base unit of shell/day is shell/second
    assert row["low"] == pytest.approx(27500 / 86400, rel=1e-12)
    assert row["high"] == pytest.approx(28500 / 86400, rel=1e-12)
    assert row["dimension"] == "[shell]/[time]"


@pytest.mark.parametrize("language, text, value", [
    ("de-AT", "etwa 28.000", 28000), ("DE", "etwa 28.000", 28000), ("en-GB", "about 28,000", 28000),
    ("de_XX", "etwa 28.000", 28000),   # an unknown region reads as its language, never a crash
    ("de-CH", "650'000", 650000), ("de-CH", "2.5", 2.5),  # Swiss: '.' is the decimal mark
])
def test_regional_languages(language, text, value):
    assert read_value(text, language).low == value


@pytest.mark.parametrize("text", ["28.000", "etwa 28.000 Soldaten", "3.000 bis 5.000"])
def test_german_grouping_in_swiss_text_is_ambiguous(text):
    # de-CH reads '.' as the decimal mark, but "28.000" in a Swiss paper is as likely 28,000
    with pytest.raises(NumberReadError, match="ambiguous in 'de-CH'.*28'000|ambiguous in 'de-CH'.*3'000"):
        read_value(text, "de-CH")


def test_a_scale_word_makes_the_swiss_point_decimal():
    assert read_value("1.125 Mrd.", "de-CH").low == 1.125e9
    assert read_value("28.000", "de").low == 28000
