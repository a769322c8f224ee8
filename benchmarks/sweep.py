"""Growth of the cross-source sort-and-sweep (X001's pair search) from 100k to 1M figures.

Synthetic figure tables: quantities of ~100 figures each, mostly agreeing intervals around a
true value, 1 % planted outliers; several sources and periods. Times `conflicting_pairs` alone
(the rule's n log n core, without writing findings), best of fifteen, in CPU seconds.
Usage: python benchmarks/sweep.py
"""
from __future__ import annotations

import time

import numpy as np
import pandas as pd

from figcheck.checks.cross_source import conflicting_pairs
from figcheck.intervals import Intervals


def table(n: int, seed: int = 1, per_quantity: int = 100):
    rng = np.random.default_rng(seed)
    quantity = rng.integers(0, max(n // per_quantity, 1), n)
    truth = rng.uniform(1e3, 1e6, n // per_quantity + 1)[quantity]
    value = truth * rng.uniform(0.97, 1.03, n)
    planted = rng.random(n) < 0.01
    value = np.where(planted, value * 3, value)
    half = value * 0.05
    year = rng.integers(2020, 2025, n)
    df = pd.DataFrame({
        "quantity": quantity.astype(str), "source": rng.integers(0, 500, n).astype(str),
        "modality": "reported", "kind": np.where(quantity % 2 == 0, "flow", "stock"),
        "period_start": pd.to_datetime(year.astype(str) + "-01-01").values.astype("datetime64[D]"),
        "period_end": pd.to_datetime((year + 1).astype(str) + "-01-01").values.astype("datetime64[D]"),
    })
    return df, Intervals.of(value - half, value + half)


def main() -> None:
    times = {}
    for n in (100_000, 1_000_000):
        df, iv = table(n)
        best = float("inf")
        for _ in range(15):
            # CPU time of this process: on a shared machine, wall time also counts the others' work
            t0 = time.process_time()
            lower, _, _ = conflicting_pairs(df, iv)
            best = min(best, time.process_time() - t0)
        times[n] = best
        print(f"{n:>9,} figures: {best:.3f} s CPU, {len(lower):,} conflicting pairs")
    print(f"growth 100k → 1M: {times[1_000_000] / times[100_000]:.1f}× (n log n bound: under 12×)")


if __name__ == "__main__":
    main()
