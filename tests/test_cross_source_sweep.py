"""The sort-and-sweep finds exactly the pairs a brute-force comparison of every pair finds."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from figcheck.checks.cross_source import brute_force_pairs, conflicting_pairs, group_order
from figcheck.intervals import Intervals

DAYS = np.array(["2024-01-01", "2024-06-01", "2025-01-01", "2025-06-01"], dtype="datetime64[D]")


@st.composite
def figure_tables(draw):
    n = draw(st.integers(min_value=0, max_value=25))
    rows = []
    for _ in range(n):
        # 0.1 + 0.2 touches 0.3 only within float rounding, which the sweep must treat as meeting
        lo = draw(st.sampled_from([0.0, 0.1 + 0.2, 0.3, 1.0, 2.0, 3.0, 5.0, 8.0]))
        width = draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, np.inf]))
        a, b = sorted(draw(st.lists(st.integers(0, 3), min_size=2, max_size=2, unique=True)))
        rows.append({
            "quantity": draw(st.sampled_from(["q1", "q2"])),
            "source": draw(st.sampled_from(["s1", "s2", "s3"])),
            "modality": draw(st.sampled_from(["reported", "reported", "estimate", "forecast"])),
            "kind": draw(st.sampled_from(["flow", "stock", "cumulative"])),
            "period_start": DAYS[a], "period_end": DAYS[b],
            "low": lo, "high": lo + width,
            "low_open": draw(st.booleans()), "high_open": draw(st.booleans()),
        })
    df = pd.DataFrame(rows, columns=["quantity", "source", "modality", "kind", "period_start", "period_end",
                                     "low", "high", "low_open", "high_open"])
    # one kind per quantity, as the loader guarantees
    if n:
        kinds = df.groupby("quantity")["kind"].transform("first")
        df["kind"] = kinds
    return df


@settings(max_examples=300, deadline=None)
@given(figure_tables())
def test_sweep_equals_brute_force(df):
    iv = Intervals.of(df["low"].to_numpy(float), df["high"].to_numpy(float),
                      df["low_open"].to_numpy(bool), df["high_open"].to_numpy(bool))
    lower, higher, same = conflicting_pairs(df, iv)
    swept = {(int(a), int(b), bool(s)) for a, b, s in zip(lower, higher, same)}
    assert swept == brute_force_pairs(df, iv)
    assert len(swept) == len(lower)  # no pair reported twice


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**40), max_size=60))
def test_group_order_is_a_stable_sort(codes):
    codes = np.array(codes, dtype=np.int64)
    assert group_order(codes).tolist() == np.argsort(codes, kind="stable").tolist()
