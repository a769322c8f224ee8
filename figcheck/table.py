"""Corpus → the figure table: one row per figure, intervals in base units, periods as days.

Everything after the model is column work: unit strings are resolved once per distinct string
and gathered with numpy; the interval table is one np.select over the qualifier column.
"""
from __future__ import annotations

import functools
import itertools
import operator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .frames import TakenAt, cells, id_index, known_factorization, quantity_field
from .intervals import Intervals, qualifier_codes, read_intervals
from .model import Corpus


# pd.factorize sizes its hash table for every value unless told otherwise: ~50 MB for a million
# strings of four distinct values, freed at once but leaving the process's heap that much
# larger. Started at this size it grows as distinct values come (as fast or faster).
HASH_START = 1 << 16


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(values) of a numpy array, with a hash table that starts small (HASH_START)."""
    return pd.factorize(values, size_hint=min(len(values), HASH_START))


def unit_columns(units: pd.Series, ids: np.ndarray | None = None):
    """(factor, dimension key, exponent rows, base dimension names) for a column of unit strings.

    `ids`, the units' process-wide numbers (units.unit_ids) where the loader worked them out,
    spare hashing every row's string: each number's unit is resolved once and gathered."""
    units = _UnitParts(units, ids)
    return (units.factor[units.row_unit], units.dimension[units.row_unit],
            units.exponents[units.row_unit], units.base_dims)


class _UnitParts:
    """A column of unit strings as each distinct unit's factor, dimension key and exponents (one
    row per unit) and each row's unit among them (`row_unit`: the loader's unit numbers where it
    noted them, all of them, unit numbers no row has included; else codes by first appearance):
    a figure's unit facts are its unit's, gathered where a column of them is needed."""

    def __init__(self, units: pd.Series, ids: np.ndarray | None = None):
        from .units import unit_info, unit_names

        if ids is None or (len(ids) and ids.min() < 0):
            codes, uniques = factorize(np.asarray(units, dtype=object))
            self.row_unit = codes.astype(np.int32) if len(uniques) < 2**31 else codes
            present = np.arange(len(uniques))
            slots = len(uniques)
        else:
            names = unit_names()
            present = np.flatnonzero(np.bincount(ids, minlength=len(names)))
            uniques = [names[i] for i in present]
            self.row_unit = ids
            slots = len(names)
        infos = [unit_info(u) for u in uniques]
        self.base_dims = sorted({d for info in infos for d, _ in info.exponents})
        col = {d: i for i, d in enumerate(self.base_dims)}
        self.exponents = np.zeros((slots, len(self.base_dims)), dtype=np.int16)
        self.factor = np.zeros(slots, dtype=float)
        self.dimension = np.full(slots, "", dtype=object)
        for at, info in zip(present.tolist(), infos):
            for d, p in info.exponents:
                self.exponents[at, col[d]] = p
            self.factor[at] = info.factor
            self.dimension[at] = info.dimension

    def dimension_column(self, index) -> pd.Series:
        """Each row's dimension key, as a categorical (a byte per figure; its categories the
        distinct keys, Python strings: to_numpy gives the object array the keys themselves fill)."""
        codes, keys = pd.factorize(self.dimension)
        return categorical_column(codes, keys, self.row_unit, index)


TABLE_COLUMNS = ("id", "source", "quantity", "kind", "unit", "qualifier", "value_low", "value_high",
                 "written_half", "about_half", "period_start", "period_end", "modality", "attributed_to",
                 "published", "file", "line", "unit_id")


def build_columns(corpus: Corpus, factorized: dict | None = None, categorical_kind: bool = False) -> pd.DataFrame:
    """The raw columns of every figure, before any computation (column gathers, no loop).

    `factorized`, when given, receives {column: pd.factorize(column)} of the columns factorized
    here (source, quantity) where that is what pd.factorize of the column gives (no missing value).
    `categorical_kind`: the kind column as a categorical of the same cells (a byte per figure,
    not a string's; map_distinct_categorical)."""
    from .frames import FigureFrame

    if isinstance(corpus.figures, FigureFrame):
        f = corpus.figures.df
    else:   # a hand-built corpus: a dict of Figure records
        from .frames import figure_frame

        figs = list(corpus.figures.values())
        f = figure_frame({
            "id": [x.id for x in figs], "source": [x.source for x in figs], "quote": [x.quote for x in figs],
            "value_text": [x.value_text for x in figs], "low": [x.low for x in figs], "high": [x.high for x in figs],
            "written_half": [x.written_half for x in figs], "about_half": [x.about_half for x in figs],
            "unit": [x.unit for x in figs], "qualifier": [x.qualifier for x in figs],
            "quantity": [x.quantity for x in figs],
            "period_start": np.array([x.period.start for x in figs], dtype="datetime64[D]"),
            "period_end": np.array([x.period.end for x in figs], dtype="datetime64[D]"),
            "period_text": [x.period.text for x in figs], "file": [x.where.file for x in figs],
            "line": [x.where.line for x in figs], "attributed_to": [x.attributed_to for x in figs],
            "modality": [x.modality for x in figs], "note": [x.note for x in figs],
            "since_start": np.array([x.since.start if x.since else None for x in figs], dtype="datetime64[D]"),
            "since_end": np.array([x.since.end if x.since else None for x in figs], dtype="datetime64[D]"),
            "since_text": [x.since.text if x.since else None for x in figs],
            "of": [x.of or "" for x in figs], "part": [x.part or "" for x in figs],
            "between_a": [x.between[0] if x.between else "" for x in figs],
            "between_b": [x.between[1] if x.between else "" for x in figs],
        })
    kinds = dict(zip(corpus.quantities, quantity_field(corpus.quantities, "kind")))
    published = dict(zip(corpus.sources, map(_PUBLISHED, corpus.sources.values())))
    # the loader's codes of these columns, renumbered as pd.factorize numbers them
    pub = map_distinct(f["source"], published, "source", factorized, "datetime64[s]",
                       codes=known_factorization(f, "source"))
    return pd.DataFrame({
        "id": f["id"], "source": f["source"], "quantity": f["quantity"],
        "kind": (map_distinct_categorical if categorical_kind else map_distinct)(
            f["quantity"], kinds, "quantity", factorized, codes=known_factorization(f, "quantity")),
        "unit": f["unit"],
        "qualifier": f["qualifier"],
        "value_low": f["low"], "value_high": f["high"],
        "written_half": f["written_half"], "about_half": f["about_half"],
        "period_start": f["period_start"], "period_end": f["period_end"],
        "modality": f["modality"], "attributed_to": f["attributed_to"],
        "published": pub.fillna(f["period_start"]),
        "file": f["file"], "line": f["line"], "unit_id": f["unit_id"],
    }, copy=False)


_PUBLISHED = operator.attrgetter("published")


def map_distinct(column: pd.Series, mapping: dict, name: str, factorized: dict | None = None, dtype=None,
                 codes: tuple | None = None) -> pd.Series:
    """column.map(mapping) (then .astype(dtype)), mapped once per distinct value and gathered: a
    map over a million rows hashes each row against a dict of every key. The map over the
    distinct values infers the dtype the map over the rows would (str, or float64 when nothing
    is found). Missing values (None, NaN) map as one more distinct value.

    `factorized`, when given, receives {name: pd.factorize(column)} when the column has no
    missing value (the rules group by these codes). `codes`: pd.factorize(column), if known."""
    codes, mapped = _mapped_distinct(column, mapping, name, factorized, codes)
    if dtype is not None:   # converted per distinct value too (dates: a million conversions)
        mapped = mapped.astype(dtype)
    out = mapped.take(codes)
    out.index = column.index
    return out


def map_distinct_categorical(column: pd.Series, mapping: dict, name: str, factorized: dict | None = None,
                             codes: tuple | None = None) -> pd.Series:
    """map_distinct(column, mapping, name, factorized, codes=codes) as a categorical: the same
    cells (missing ones NaN), its categories the distinct values found (Python strings, in order
    of appearance among the distinct keys), a small integer per row."""
    codes, mapped = _mapped_distinct(column, mapping, name, factorized, codes)
    value_codes, values = pd.factorize(mapped.to_numpy(dtype=object))
    return categorical_column(value_codes, values, codes, column.index)


def categorical_column(value_codes: np.ndarray, values, rows: np.ndarray, index) -> pd.Series:
    """A categorical Series whose row i is values[value_codes[rows[i]]] (missing where that code
    is -1): its categories `values` (Python strings), its codes in the smallest integers that
    hold them (compact_codes)."""
    codes = compact_codes(value_codes, len(values))[rows]
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(values, dtype=object), validate=False),
                     index=index, copy=False)


def _mapped_distinct(column: pd.Series, mapping: dict, name: str, factorized: dict | None, codes: tuple | None):
    """(each row's code, mapping of each distinct value by code, the last one NaN's where a row is
    missing): map_distinct before its gather."""
    codes, uniques = codes if codes is not None else factorize(column.to_numpy(dtype=object))
    uniques = np.asarray(uniques, dtype=object)
    missing = codes < 0
    if missing.any():
        uniques = np.append(uniques, np.array([np.nan], dtype=object))
        codes = np.where(missing, len(uniques) - 1, codes)
    elif factorized is not None:
        factorized[name] = (_read_only(codes), uniques)
    # looked up in the dict itself: Series.map(dict) first makes the dict a Series (its keys an
    # arrow-string index, hashed again), ~3x slower on 200k quantities
    # (map() calls the dict's get from C: no Python frame per distinct value)
    mapped = pd.Series(list(map(mapping.get, uniques.tolist(), itertools.repeat(np.nan, len(uniques)))))
    if not mapped.notna().any():    # nothing found (or no rows): the dtype Series.map gives then
        mapped = pd.Series(uniques, dtype=object).map(mapping)
    return codes, mapped


def compute(df: pd.DataFrame, about_margin: float = 1.0) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    """Add base-unit intervals and dimensions to the raw columns (all column operations)."""
    units = _UnitParts(df["unit"], df["unit_id"].to_numpy() if "unit_id" in df.columns else None)
    factors = units.factor[units.row_unit]
    q = qualifier_codes(df["qualifier"])
    lo, hi, lo_open, hi_open = read_intervals(
        q, df["value_low"].to_numpy(), df["value_high"].to_numpy(),
        df["written_half"].to_numpy(), df["about_half"].to_numpy(), about_margin)
    computed = pd.DataFrame({
        # object dtype stated: pandas would otherwise convert the strings to its arrow type, row by row
        "q_code": q, "factor": factors, "dimension": units.dimension_column(df.index),
        "low": lo * factors, "high": hi * factors, "low_open": lo_open, "high_open": hi_open,
        # the interval in the figure's own unit, for messages
        "unit_low": lo, "unit_high": hi,
    }, index=df.index, copy=False)
    df = pd.concat([df, computed], axis=1)   # side by side: the raw columns are not copied
    # each figure's exponents read from its unit's row where asked for: a row per figure of
    # int16s for the whole run otherwise (10 MB at a million figures)
    return df, TakenAt(units.exponents, units.row_unit), units.base_dims


def sorted_unique(values) -> np.ndarray:
    """np.unique(values) of an integer array, by one sort: numpy 2's np.unique hashes first and
    then sorts, ~10x slower on a few hundred thousand integers."""
    a = np.sort(np.asarray(values).ravel())
    if len(a) < 2:
        return a
    return a[np.r_[True, a[1:] != a[:-1]]]


def compact_codes(codes: np.ndarray, count: int) -> np.ndarray:
    """Codes 0..count-1 (-1: missing) in the smallest signed integers that hold -(count + 1) too:
    a code plus one or two (a bound past the last code) does not wrap. Kept for the whole run, a
    million int64 codes are 8 MB; their users read them as indices or compare them, and widen
    them before other arithmetic."""
    return codes.astype(np.min_scalar_type(-count - 1), copy=False)


def _read_only(a: np.ndarray) -> np.ndarray:
    a.flags.writeable = False
    return a


@dataclass
class FigureTable:
    df: pd.DataFrame
    exponents: np.ndarray            # (n, D) dimension exponents per figure
    base_dims: list[str]
    factorized: dict = field(default_factory=dict, repr=False, compare=False)
    # ids the rules' hits name, with where they found them: {figure id: table row} and
    # {relation id: position in the corpus's relations}. The engine places and fingerprints the
    # findings from these (each checked against the frame's id column) instead of searching a
    # million ids for them again.
    named_figures: dict = field(default_factory=dict, repr=False, compare=False)
    named_relations: dict = field(default_factory=dict, repr=False, compare=False)

    def factorize(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """pd.factorize(df[column]) (codes read-only), once per column for every rule that groups by
        it: a million strings take 40-90 ms to factorize. The codes are kept in the smallest
        signed integers that hold one more than their count (compact_codes)."""
        got = self.factorized.get(column)
        if got is None:
            values = self.df[column]
            codes, uniques = (factorize(values.to_numpy()) if values.dtype == object   # (no copy)
                              else pd.factorize(values))
            got = self.factorized[column] = (_read_only(compact_codes(codes, len(uniques))), uniques)
        return got

    def codes(self, column: str) -> np.ndarray:
        """pd.factorize(df[column])[0], as factorize()."""
        return self.factorize(column)[0]

    def isin(self, column: str, values) -> np.ndarray:
        """df[column].isin(values).to_numpy(), decided once per distinct value (a missing value,
        code -1, is in `values` when a missing value is)."""
        codes, uniques = self.factorize(column)
        wanted = pd.Series(uniques, dtype=object).isin(values).to_numpy()
        missing_wanted = bool(pd.Series([None], dtype=object).isin(values).iloc[0])
        return np.r_[wanted, missing_wanted][codes]

    def name_figures(self, rows) -> None:
        """Note the figures at these table rows (-1: none) as named by a rule's hits."""
        rows = np.asarray(rows, dtype=np.int64).ravel()
        rows = rows[rows >= 0]
        self.named_figures.update(zip(cells(self.df["id"])[rows].tolist(), rows.tolist()))

    def name_relations(self, ids, positions) -> None:
        """Note relations (ids, their positions in the corpus's relations) as named by a rule's hits."""
        self.named_relations.update(zip(ids, np.asarray(positions, dtype=np.int64).tolist()))

    def row_of(self, fid) -> int | None:
        """The row of figure `fid`, None where the table has none: found in `index` (a dict of
        every id would first make a million strings of an archive's arrow ids)."""
        try:
            return int(self.index.get_loc(fid))
        except (KeyError, TypeError):
            return None

    @functools.cached_property
    def index(self):
        """The figure ids as an index (frames.id_index): `table.index.get_indexer(ids)` gathers
        rows as columns."""
        return id_index(self.df["id"])

    @classmethod
    def from_corpus(cls, corpus: Corpus, about_margin: float = 1.0) -> "FigureTable":
        factorized: dict = {}
        df, exponents, base_dims = compute(build_columns(corpus, factorized, categorical_kind=True), about_margin)
        factorized = {name: (_read_only(compact_codes(codes, len(uniques))), uniques)
                      for name, (codes, uniques) in factorized.items()}
        return cls(df, exponents, base_dims, factorized)

    def __len__(self) -> int:
        return len(self.df)

    @functools.cached_property
    def intervals(self) -> Intervals:
        d = self.df
        return Intervals(d["low"].to_numpy(), d["high"].to_numpy(),
                         d["low_open"].to_numpy(), d["high_open"].to_numpy())
