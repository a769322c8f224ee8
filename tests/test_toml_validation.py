"""The TOML figures validated as columns (each value read once per key that reads alike) equal
the figures validated one by one, on every kind of value TOML allows: text, integers and
floats (read with the number in their quote), ranges, booleans, dates, tables, missing keys."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figcheck.frames import empty_figures
from figcheck.load import _safe_period, _safe_period_uncached, _safe_reading, _safe_reading_uncached, validate_figures
from figcheck.model import Source, Where

from conftest import examples

SOURCES = {
    "s1": Source("s1", "a.txt", "a.txt", "", dt.date(2024, 5, 2), "de", "", Where("f.toml", 2)),
    "en1": Source("en1", "b.txt", "b.txt", "", dt.date(2023, 1, 1), "en", "", Where("f.toml", 8)),
    "s3": Source("s3", "c.txt", "c.txt", "", None, "de", "", Where("f.toml", 14)),
    "s4": Source("s4", "d.txt", "d.txt", "", dt.date(2024, 5, 2), "de-CH", "", Where("f.toml", 20)),
}
VALUES = ["11.000", "etwa 11.000", "2.5", "11,000", "2,5", "10 Millionen", "3 bis 5 Millionen", "zweieinhalb",
          "", "x", "1e400", 11000, 11000.0, 12345.5, 5, 5.0, 0, -5, 2**70, True, False, math.nan, math.inf,
          [10000, 12000], [10000.0, 12000.0], ["8.000", "15.000"], ["8.000", 15000], [1, 2, 3], [1], [], ["3 bis 5", "7"], [5000, 3000],
          [1, True], [1.5, math.nan], {"low": 1}, dt.date(2024, 1, 1), dt.time(10, 0), None]
CELLS = {
    "id": st.sampled_from(["f", "f", "f", "9bad", 5]),
    "source": st.sampled_from(["s1", "s1", "en1", "s3", "s4", "s9", None, 5]),
    "quote": st.sampled_from(["etwa 11.000 Soldaten", "about 11,000 soldiers", "5 Panzer, 5,0 Tonnen",
                              "12.345,5 Euro", "", None, 5]),
    "value": st.sampled_from(VALUES),
    "unit": st.sampled_from(["soldier", "soldier", "furlongz", None, 3]),
    "qualifier": st.sampled_from([None, None, "about", "exact", "roughly", 5]),
    "quantity": st.sampled_from(["troops", None, True]),
    "as_of": st.sampled_from([None, None, "2024", "2024-11", "2024-13", "", "soon", 2024, 2024.0, True,
                              dt.date(2024, 11, 5), dt.datetime(2024, 11, 5, 10, 0), dt.date.max, ["2024"]]),
    "since": st.sampled_from([None, None, "2022-02", "x", 2022]),
    "attributed_to": st.sampled_from([None, "Nato", 3]),
    "note": st.sampled_from([None, "n", 7]),
    "modality": st.sampled_from([None, "estimate", "rumour"]),
    "between": st.sampled_from([None, None, ["f0", "f1"], ["a"], "f0 f1", 5]),
}


def _validate(cols, rows, lines, unusable):
    problems = []
    frame = validate_figures(cols, len(rows), "f.toml", lambda i, key: int(lines[rows[i]]) * 100 + len(key or ""),
                             lines[rows], SOURCES, problems, unusable_published=unusable)
    return frame, problems


@settings(max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=30),
       st.sets(st.sampled_from(sorted(CELLS)), max_size=3), st.sampled_from([frozenset(), frozenset({"s1"})]))
def test_figures_validated_together_equal_figures_validated_one_by_one(rows, left_out, unusable):
    # ids unique (a repeated id is a problem between figures), keys no table has left out as
    # parse_file leaves them out
    for i, row in enumerate(rows):
        if isinstance(row["id"], str):
            row["id"] += str(i)
    cols = {key: [row[key] for row in rows] for key in CELLS if key not in left_out}
    lines = np.arange(len(rows), dtype=np.int64) * 12 + 30
    together, together_problems = _validate(cols, np.arange(len(rows)), lines, unusable)
    frames, one_problems = [], []
    for i in range(len(rows)):
        frame, problems = _validate({key: [values[i]] for key, values in cols.items()}, np.array([i]), lines, unusable)
        frames.append(frame)
        one_problems += problems
    one_by_one = pd.concat([empty_figures(), *frames], ignore_index=True)
    assert sorted(map(str, together_problems)) == sorted(map(str, one_problems))
    pd.testing.assert_frame_equal(together.reset_index(drop=True), one_by_one.reset_index(drop=True))


def _same(a, b) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and (a == b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)))


@settings(max_examples=examples(300), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(VALUES), CELLS["quote"], st.sampled_from(["de", "en", "de-CH", "fr"])),
                min_size=1, max_size=20))
def test_readings_kept_for_reuse_equal_fresh_readings(cases):
    # 5 and 5.0 (and True and 1) are equal keys to a dict: each must still read as written
    for raw, quote, language in cases:
        quote = quote if isinstance(quote, str) else ""
        assert _same(_safe_reading(raw, quote, language), _safe_reading_uncached(raw, quote, language))


@given(st.lists(CELLS["as_of"], min_size=1, max_size=10))
def test_periods_kept_for_reuse_equal_fresh_periods(values):
    for value in values:
        if value is not None:
            assert _same(_safe_period(value), _safe_period_uncached(value))
