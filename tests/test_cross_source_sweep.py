"""X001's pairs and counts, found by sorting, account for exactly the pairs a brute-force
comparison of every pair finds, on tables with every kind, modality and overlapping periods."""
from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from figcheck.checks.cross_source import (BIG_GROUP, Groups, brute_force_pairs, group_conflict_counts, group_order,
                                          small_group_pairs)
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
def test_pairs_and_counts_account_for_brute_force(df):
    iv = Intervals.of(df["low"].to_numpy(float), df["high"].to_numpy(float),
                      df["low_open"].to_numpy(bool), df["high_open"].to_numpy(bool))
    brute = brute_force_pairs(df, iv)
    groups = Groups(df)
    group = np.full(len(df), -1)
    group[groups.rows] = groups.group
    small = np.zeros(len(df), bool)
    small[groups.rows] = groups.size[groups.group] <= BIG_GROUP
    lower, higher, same = small_group_pairs(df, iv, groups)
    listed = {(int(a), int(b), bool(s)) for a, b, s in zip(lower, higher, same)}
    assert len(listed) == len(lower)   # no pair reported twice
    # between small groups every pair is listed; a big group counts its own (same period) pairs
    assert listed == {(a, b, s) for a, b, s in brute if small[a] and small[b]}
    counts = group_conflict_counts(df, iv, groups, which=groups.size > BIG_GROUP)
    in_big = [group[a] for a, b, s in brute if s and not small[a]]
    assert counts.tolist() == np.bincount(np.array(in_big, dtype=np.int64), minlength=len(groups)).tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**40), max_size=60))
def test_group_order_is_a_stable_sort(codes):
    codes = np.array(codes, dtype=np.int64)
    assert group_order(codes).tolist() == np.argsort(codes, kind="stable").tolist()


from hypothesis import given, settings, strategies as st


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(-3, 3), st.integers(-3, 3)), max_size=60),
       st.booleans())
def test_group_codes_are_factorize_of_the_triples(triples, huge):
    # one integer key per (quantity, start, end), numbered in order of first appearance as
    # pd.factorize of the triples numbers them (and the two-step way when the key would not fit)
    import numpy as np
    import pandas as pd

    from figcheck.checks.cross_source import _group_codes

    scale = 2**29 if huge else 1      # huge: the one key would not fit 62 bits
    q = np.array([t[0] for t in triples], dtype=np.int64)
    s = np.array([t[1] * scale for t in triples], dtype=np.int64)
    e = np.array([t[2] * scale + 1 for t in triples], dtype=np.int64)
    expected = pd.factorize(pd.Series(list(zip(q.tolist(), s.tolist(), e.tolist())), dtype=object))[0]
    assert (_group_codes(q, s.astype(np.int32) if not huge else s, e) == expected).all()


_ends = st.one_of(st.sampled_from([0.0, -0.0, 1.0, 1e300, float("inf"), float("-inf"), float("nan"), 5e-324]),
                  st.floats(allow_nan=True, allow_infinity=True), st.integers(-4, 4).map(float))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ends, max_size=40))
def test_dense_ranks_by_hashing_equal_those_by_sorting(values):
    # the interval ends' ranks (Ends) come from a factorize of the ends and a sort of the
    # distinct ones: the ranks one sort of every end gives, and the same distinct values
    from figcheck.checks.cross_source import _dense_ranks_by_sorting, dense_ranks

    values = np.array(values, dtype=float)
    rank, distinct = dense_ranks(values)
    want_rank, want_distinct = _dense_ranks_by_sorting(values)
    assert rank.tolist() == want_rank.tolist()
    # the same values in the same order (a zero's sign may differ: 0.0 and -0.0 are one value)
    assert len(distinct) == len(want_distinct)
    assert np.array_equal(distinct, want_distinct, equal_nan=True)


@settings(max_examples=200, deadline=None)
@given(figure_tables())
def test_groups_by_sorted_key_are_the_factorized_groups(df):
    # Groups orders its rows by one radix sort of the (quantity, start, end) key: the same groups
    # as factorizing the triples, each group's rows in table order, the groups in key order
    from figcheck.checks.cross_source import COMPARABLE

    groups = Groups(df)
    start = df["period_start"].to_numpy().astype("datetime64[D]")
    end = df["period_end"].to_numpy().astype("datetime64[D]")
    rows = np.flatnonzero(df["modality"].isin(COMPARABLE).to_numpy() & (start < end))
    triples = list(zip(pd.factorize(df["quantity"])[0][rows].tolist(), start[rows].tolist(), end[rows].tolist()))
    by_triple: dict = {}
    for r, t in zip(rows.tolist(), triples):
        by_triple.setdefault(t, []).append(r)
    want = [by_triple[t] for t in sorted(by_triple)]
    got = [groups.members(g).tolist() for g in range(len(groups))]
    assert got == want
    assert groups.group.tolist() == [g for g, members in enumerate(want) for _ in members]
    assert groups.size.tolist() == [len(m) for m in want]
