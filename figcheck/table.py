"""Corpus → the figure table: one row per figure, intervals in base units, periods as days.

Everything after the model is column work: unit strings are resolved once per distinct string
and gathered with numpy; the interval table is one np.select over the qualifier column.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .intervals import Intervals, qualifier_codes, read_intervals
from .model import Corpus


def unit_columns(units: pd.Series):
    """(factor, dimension key, exponent rows, base dimension names) for a column of unit strings."""
    from .units import unit_info

    codes, uniques = pd.factorize(units, sort=False)
    infos = [unit_info(u) for u in uniques]
    base_dims = sorted({d for info in infos for d, _ in info.exponents})
    col = {d: i for i, d in enumerate(base_dims)}
    unique_exp = np.zeros((len(infos), len(base_dims)), dtype=np.int16)
    for row, info in enumerate(infos):
        for d, p in info.exponents:
            unique_exp[row, col[d]] = p
    factors = np.array([i.factor for i in infos], dtype=float)[codes]
    dims = np.array([i.dimension for i in infos], dtype=object)[codes]
    return factors, dims, unique_exp[codes], base_dims


def build_columns(corpus: Corpus) -> pd.DataFrame:
    """The raw columns of every figure, before any computation."""
    figs = list(corpus.figures.values())
    quantities = corpus.quantities
    sources = corpus.sources
    return pd.DataFrame({
        "id": [f.id for f in figs],
        "source": [f.source for f in figs],
        "quantity": [f.quantity for f in figs],
        "kind": [quantities[f.quantity].kind for f in figs],
        "unit": [f.unit for f in figs],
        "qualifier": [f.qualifier for f in figs],
        "value_low": np.array([f.low for f in figs], dtype=float),
        "value_high": np.array([f.high for f in figs], dtype=float),
        "written_half": np.array([f.written_half for f in figs], dtype=float),
        "about_half": np.array([f.about_half for f in figs], dtype=float),
        "period_start": np.array([f.period.start for f in figs], dtype="datetime64[D]"),
        "period_end": np.array([f.period.end for f in figs], dtype="datetime64[D]"),
        "modality": [f.modality for f in figs],
        "attributed_to": [f.attributed_to for f in figs],
        "published": np.array([sources[f.source].published or f.period.start for f in figs], dtype="datetime64[D]"),
        "file": [f.where.file for f in figs],
        "line": np.array([f.where.line for f in figs], dtype=np.int64),
    })


def compute(df: pd.DataFrame, about_margin: float = 1.0) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Add base-unit intervals and dimensions to the raw columns (all column operations)."""
    factors, dims, exponents, base_dims = unit_columns(df["unit"])
    q = qualifier_codes(df["qualifier"])
    lo, hi, lo_open, hi_open = read_intervals(
        q, df["value_low"].to_numpy(), df["value_high"].to_numpy(),
        df["written_half"].to_numpy(), df["about_half"].to_numpy(), about_margin)
    df = df.assign(
        q_code=q, factor=factors, dimension=dims,
        low=lo * factors, high=hi * factors, low_open=lo_open, high_open=hi_open,
        # the interval in the figure's own unit, for messages
        unit_low=lo, unit_high=hi,
    )
    return df, exponents, base_dims


@dataclass
class FigureTable:
    df: pd.DataFrame
    exponents: np.ndarray            # (n, D) dimension exponents per figure
    base_dims: list[str]
    row: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_corpus(cls, corpus: Corpus, about_margin: float = 1.0) -> "FigureTable":
        df, exponents, base_dims = compute(build_columns(corpus), about_margin)
        return cls(df, exponents, base_dims, {fid: i for i, fid in enumerate(df["id"])})

    def __len__(self) -> int:
        return len(self.df)

    @functools.cached_property
    def intervals(self) -> Intervals:
        d = self.df
        return Intervals(d["low"].to_numpy(), d["high"].to_numpy(),
                         d["low_open"].to_numpy(), d["high_open"].to_numpy())
