"""The figures and relations of a corpus held as columns, with records made only on demand.

An archive of a million figures must not become a million Python objects: the loaders (TOML
and columnar) produce one frame per kind, the figure table is built from the columns, and
`corpus.figures[fid]` / `corpus.relations[rid]` build a Figure or Relation when a rule or an
output asks for one. Both classes are read-only Mappings, so rules see the same interface as
a dict of records.
"""
from __future__ import annotations

import datetime as dt
import functools
import itertools
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .model import Figure, Period, Quantity, Relation, Where

# The figure frame's columns: the model's fields, periods split into start/end/text.
FIGURE_COLUMNS = (
    "id", "source", "quote", "value_text", "low", "high", "written_half", "about_half", "unit",
    "qualifier", "quantity", "period_start", "period_end", "period_text", "file", "line",
    "attributed_to", "modality", "note", "since_start", "since_end", "since_text", "of", "part",
    "between_a", "between_b",
)
RELATION_COLUMNS = ("id", "source", "expr", "quote", "note", "file", "line")
_FLOATS = ("low", "high", "written_half", "about_half")
_DATES = ("period_start", "period_end", "since_start", "since_end")


def empty_figures() -> pd.DataFrame:
    return figure_frame({c: [] for c in FIGURE_COLUMNS})


def figure_frame(columns: dict) -> pd.DataFrame:
    """Columns (lists or arrays) → the figure frame with its dtypes, and after them "unit_id":
    each unit's process-wide number (units.unit_ids), given by a loader that has them or worked
    out here.

    Text columns stay numpy object arrays: pandas' hash tables (isin, map, get_indexer,
    factorize) run on them in C, where pyarrow-backed strings take several times longer. The
    exception is an archive's ids, which the loader swaps for the arrow strings they were read
    as once it has looked them up (keep_arrow_ids): rules read them through cells().
    """
    from .units import unit_id_column

    data = {}
    for c in FIGURE_COLUMNS:
        if c in _FLOATS:
            data[c] = np.asarray(columns[c], dtype=float)
        elif c in _DATES:
            # days to seconds by numpy: pandas converts a day array through its own slower path
            dates = np.asarray(columns[c])
            if dates.dtype != np.dtype("datetime64[s]"):   # (a loader may give seconds already)
                dates = np.asarray(dates, dtype="datetime64[D]").astype("datetime64[s]")
            data[c] = pd.Series(dates, copy=False)
        elif c == "line":
            data[c] = np.asarray(columns[c], dtype=np.int64)
        else:
            # copy=False: pandas would otherwise copy every object column (~0.3 s per million rows)
            data[c] = pd.Series(np.asarray(columns[c], dtype=object), dtype=object, copy=False)
    unit_ids = columns.get("unit_id")
    data["unit_id"] = np.asarray(unit_ids if unit_ids is not None else unit_id_column(data["unit"]), dtype=np.int32)
    # copy=False: Series are otherwise copied and consolidated into blocks (~1 s per million rows)
    return pd.DataFrame(data, copy=False)


# --- codes of text columns the loader already has ------------------------------------------------
#
# A columnar loader reads repeated text (source ids, quantity keys, units) as dictionary codes;
# the reference checks then ask which distinct values are known. Kept here for the frame the
# loader built (by identity: a frame derived from it is factorized anew), they spare a hash pass
# over a million cells per column.

_KNOWN_CODES: list = []   # (weak reference to a frame, {column: (codes, distinct values)})
_ARROW_TWINS: list = []   # (weak reference to an object array, the same strings as an arrow array)


def _note_for(notes: list, owner, value) -> None:
    """Keep `value` for the object `owner`, by a weak reference: for the last four owners alive."""
    import weakref

    notes[:] = [(ref, kept) for ref, kept in notes if ref() is not None and ref() is not owner][-3:]
    notes.append((weakref.ref(owner), value))


def _noted_for(notes: list, owner):
    """What _note_for kept for `owner`, else None."""
    return next((kept for ref, kept in notes if ref() is owner), None)


def remember_codes(frame: pd.DataFrame, column: str, codes: np.ndarray, uniques: np.ndarray) -> None:
    """Note that frame[column] == uniques[codes] (codes index uniques; no missing cells)."""
    known = _noted_for(_KNOWN_CODES, frame)
    if known is None:
        known = {}
        _note_for(_KNOWN_CODES, frame, known)
    known[column] = (codes, uniques)


def _owner(values: np.ndarray) -> np.ndarray:
    while isinstance(values.base, np.ndarray):
        values = values.base
    return values


def remember_arrow(values: np.ndarray, strings) -> None:
    """Note that the object array `values` (and every view of it: a frame's column) holds the
    strings of the arrow array `strings`, as it was read."""
    _note_for(_ARROW_TWINS, _owner(values), strings)


def forget_arrow(values: np.ndarray) -> None:
    """Let go of what remember_arrow noted for `values` (~15 MB of strings at 1M ids), once
    nobody will ask arrow_strings for it."""
    owner = _owner(values)
    _ARROW_TWINS[:] = [(ref, kept) for ref, kept in _ARROW_TWINS if ref() is not None and ref() is not owner]


def string_buffers(array):
    """(bytes, offsets: n + 1 int64) of an arrow string or large string array without nulls,
    read where they are; None with nulls. Row i is bytes[offsets[i]:offsets[i + 1]]."""
    import pyarrow as pa

    if array.null_count:
        return None
    wide = pa.types.is_large_string(array.type)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64 if wide else np.int32, count=len(array) + 1,
                            offset=array.offset * (8 if wide else 4)).astype(np.int64)
    data = array.buffers()[2]
    return (np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)), offsets


def arrow_strings(values: np.ndarray):
    """An object array of strings as an arrow string array: the one it was read as where
    remember_arrow noted it, else converted (a Python string at a time)."""
    import pyarrow as pa

    if isinstance(values, ArrowCells):   # ids the frame keeps as arrow strings (keep_arrow_ids)
        return values.array.cast(pa.string())
    owner = _owner(values)
    twin = _noted_for(_ARROW_TWINS, owner)
    if twin is not None and len(twin) == len(values) == len(owner):
        if isinstance(twin, pa.ChunkedArray):
            twin = twin.combine_chunks()
        return twin.cast(pa.string())
    return pa.array(values, type=pa.string())


def keep_arrow_ids(df: pd.DataFrame) -> None:
    """Hold df's "id" column as the arrow strings it was read as, where remember_arrow noted them
    (an archive's), in place of its Python strings: a million ids take ~12 MB there against
    ~60 MB as strings, and a rule that names some rows after the text worker's fork takes new
    strings of them (cells) where reading the frame's own would write a reference count on, and so
    copy, each page holding one. Without a note (a TOML file's ids) the column stays as it is."""
    column = df["id"]
    if column.dtype != object:
        return
    values = column.to_numpy()
    twin = _noted_for(_ARROW_TWINS, _owner(values))
    forget_arrow(values)
    # (the owner may be a pandas block, shaped (1, rows))
    if twin is None or not len(values) or not len(twin) == len(values) == _owner(values).size:
        return
    import pyarrow as pa

    if isinstance(twin, pa.ChunkedArray):   # one chunk: cells() would otherwise join them at every call
        twin = twin.combine_chunks()
    df["id"] = pd.arrays.ArrowStringArray(twin)   # (pandas takes it as it stores strings: no cast of ours)


def is_arrow_text(column) -> bool:
    """Whether a column (Series or array) holds arrow strings (keep_arrow_ids, an archive's
    expressions)."""
    dtype = getattr(column, "dtype", None)
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def cells(column: pd.Series):
    """A text column as an object array would serve its cells (`[i]`, `[rows]`, `take`, `len`):
    the array itself for Python strings, ArrowCells for arrow strings (no string made for a cell
    nobody reads)."""
    if is_arrow_text(column):
        return ArrowCells(column.array)
    return column.to_numpy()


class ArrowCells:
    """The cells of an arrow string column as an object array gives them: `[i]` a string, `[rows]`
    (positions or a mask) and `take(rows)` an object array of new strings, made only for the cells
    asked for."""

    __slots__ = ("array",)

    def __init__(self, array):
        import pyarrow as pa

        array = pa.array(array) if not isinstance(array, (pa.Array, pa.ChunkedArray)) else array
        self.array = array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, at):
        if isinstance(at, (int, np.integer)):
            return self.array[int(at)].as_py()
        if isinstance(at, slice):
            return self.array[at].to_numpy(zero_copy_only=False)
        at = np.asarray(at)
        if at.dtype == bool:
            return self.array.filter(at).to_numpy(zero_copy_only=False)
        return self.take(at)

    def take(self, rows) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64).ravel()
        rows = np.where(rows < 0, rows + len(self.array), rows)
        return self.array.take(rows).to_numpy(zero_copy_only=False)

    def tolist(self) -> list:
        return self.array.to_pylist()

    def __array__(self, dtype=None, copy=None):
        out = self.array.to_numpy(zero_copy_only=False)
        return out if dtype is None else out.astype(dtype)


# ArrowIdIndex.get_indexer bisects for up to this many ids (~25 us each at a million ids), and
# above it asks arrow's hash lookup, which hashes every id first (~0.13 s and ~50 MB at a million)
BISECTED_AT_MOST = 4096


def id_index(column: pd.Series):
    """The ids of a frame's "id" column looked up as pd.Index(column) looks them up (get_loc,
    get_indexer, `in`): ArrowIdIndex for ids held as arrow strings, else that pd.Index."""
    return ArrowIdIndex(column.array) if is_arrow_text(column) else pd.Index(column)


class ArrowIdIndex:
    """Unique ids held as arrow strings, looked up as a pandas Index over them would be, without
    a Python string per id: pandas' Index over arrow strings makes every one of them for its
    hash table (~75 MB and 0.1 s at a million ids). One id is found by bisection, among the ids
    as they stand where they ascend (an archive sorted by id), else among them sorted once;
    many at once by arrow's hash lookup."""

    __slots__ = ("array", "_sorted")

    def __init__(self, array):
        self.array = ArrowCells(array).array
        self._sorted = None

    def __len__(self) -> int:
        return len(self.array)

    def _bisected(self):
        """(the ids in ascending order, each one's row; None where that is its position)."""
        if self._sorted is None:
            import pyarrow.compute as pc

            a = self.array
            # compared as UTF-8 bytes, the order of Python's comparison of their strings
            if len(a) < 2 or pc.all(pc.greater(a[1:], a[:-1])).as_py():
                self._sorted = (a, None)
            else:
                order = pc.sort_indices(a)
                self._sorted = (a.take(order), order.to_numpy())
        return self._sorted

    def get_loc(self, key) -> int:
        if not isinstance(key, str):
            raise KeyError(key)
        ordered, rows = self._bisected()
        lo, hi = 0, len(ordered)
        while lo < hi:
            mid = (lo + hi) // 2
            if ordered[mid].as_py() < key:
                lo = mid + 1
            else:
                hi = mid
        if lo == len(ordered) or ordered[lo].as_py() != key:
            raise KeyError(key)
        return lo if rows is None else int(rows[lo])

    def get_indexer(self, keys) -> np.ndarray:
        keys = list(keys)
        if len(keys) <= BISECTED_AT_MOST:
            return np.fromiter(map(self._row, keys), dtype=np.intp, count=len(keys))
        import pyarrow as pa
        import pyarrow.compute as pc

        names = pa.array([k if isinstance(k, str) else None for k in keys], type=pa.string())
        return pc.index_in(names, value_set=self.array).fill_null(-1).to_numpy().astype(np.intp)

    def _row(self, key) -> int:
        """get_loc(key), -1 where there is no such id."""
        try:
            return self.get_loc(key)
        except KeyError:
            return -1

    def __contains__(self, key) -> bool:
        return self._row(key) >= 0


class TakenAt(Sequence):
    """column[rows[i]] for each i, read only where asked for (column.take(rows) without making
    it): an integer gives that cell, an array or a slice of positions an array of them. For the
    cells of a categorical by its codes, and a group's rows of a million-row column whose
    gather would write every cell's reference count."""

    __slots__ = ("column", "rows")

    def __init__(self, column: np.ndarray, rows: np.ndarray):
        self.column, self.rows = column, rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        return self.column[self.rows[i]]

    def __array__(self, dtype=None, copy=None):
        return self.column[self.rows] if dtype is None else self.column[self.rows].astype(dtype)


def known_codes(frame: pd.DataFrame, column: str):
    """(codes, distinct values) of frame[column] as remember_codes noted them, else None."""
    got = (_noted_for(_KNOWN_CODES, frame) or {}).get(column)
    return got if got is not None and len(got[0]) == len(frame) else None


def known_factorization(frame: pd.DataFrame, column: str):
    """pd.factorize(frame[column]) exactly (values numbered by first appearance, only values some
    row has), renumbered from the codes the loader noted (a tenth of the time of hashing a
    million strings again); None when it noted none."""
    known = known_codes(frame, column)
    return None if known is None else first_seen(*known)


def first_seen(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) without missing codes, renumbered as pd.factorize(uniques[codes]) numbers
    them: by first appearance, values no row has dropped."""
    n = len(codes)
    first = np.full(len(uniques), n, dtype=np.int64)
    np.minimum.at(first, codes, np.arange(n, dtype=np.int64))
    present = np.flatnonzero(first < n)
    order = present[np.argsort(first[present], kind="stable")]
    renumber = np.empty(len(uniques), dtype=np.intp)
    renumber[order] = np.arange(len(order))
    return renumber[codes], np.asarray(uniques, dtype=object)[order]


def column_codes(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(frame[column]) up to the numbering: (codes, distinct values), -1 for a
    missing cell. The loader's codes where it noted them (remember_codes), which may also
    number values no row has."""
    known = known_codes(frame, column)
    if known is not None:
        return known
    codes, uniques = pd.factorize(frame[column].to_numpy(dtype=object))
    return codes, np.asarray(uniques, dtype=object)


class FrameColumns:
    """A frame as a cache entry holds it: its row count and columns, each (name, values, None)
    or, for a text column, (name, integer codes, its distinct strings). The files of a corpus
    are joined column by column (join_frames), never built as a frame each."""

    __slots__ = ("rows", "columns")

    def __init__(self, rows: int, columns: list):
        self.rows, self.columns = rows, columns

    def __len__(self) -> int:
        return self.rows

    def names(self) -> list:
        return [name for name, _, _ in self.columns]

    def unit_ids(self) -> np.ndarray:
        """A figure frame's unit numbers in this process (the cache holds the unit strings)."""
        from .units import unit_id_column, unit_ids

        values, strings = next((v, s) for name, v, s in self.columns if name == "unit")
        if strings is None:
            return unit_id_column(values)
        return unit_ids(strings)[values] if len(strings) else np.empty(len(values), dtype=np.int32)

    def frame(self) -> pd.DataFrame:
        shared: dict = {}   # a column holding one string throughout, once per string (read-only)
        arrays = {name: _decoded(values, strings, shared) for name, values, strings in self.columns}
        if "unit" in arrays:
            arrays["unit_id"] = self.unit_ids()
        frame = _frame_of(self.rows, arrays)
        # the cache's codes are pd.factorize's: the table and the text worker group by them
        for name, values, strings in self.columns:
            if strings is not None and name in ("source", "quantity"):
                # (at least int32, as pd.factorize's codes could be added to and stay in range)
                wide = values if values.dtype.itemsize >= 4 else values.astype(np.int32)
                remember_codes(frame, name, wide, np.asarray(strings, dtype=object))
        return frame


def _decoded(values, strings, shared: dict | None = None):
    if strings is None:
        return values
    if len(strings) == 1 and shared is not None:   # codes are never missing: the one string in every row
        # as one cell repeated (constant)
        column = shared.get(strings[0])
        if column is None:
            column = shared[strings[0]] = constant(strings[0], len(values))
        return column
    return np.asarray(strings, dtype=object)[values] if len(strings) else np.empty(len(values), dtype=object)


def _frame_of(rows: int, arrays: dict) -> pd.DataFrame:
    # dtype given: pandas would otherwise infer a string dtype for text columns; copy=False: the
    # arrays are this frame's own
    data = {name: pd.Series(values, dtype=values.dtype, copy=False) for name, values in arrays.items()}
    return pd.DataFrame(data, index=pd.RangeIndex(rows), copy=False)


def as_frame(part) -> pd.DataFrame:
    if isinstance(part, FrameColumns):
        return part.frame()
    if "unit" in part.columns and "unit_id" not in part.columns:   # a figure frame pandas pickled
        from .units import unit_id_column

        part = part.copy(deep=False)
        part["unit_id"] = unit_id_column(part["unit"])
    return part


def join_frames(parts: list) -> pd.DataFrame:
    """pd.concat(parts, ignore_index=True) of DataFrames and FrameColumns, column by column when
    every part has the same columns of the same numpy dtypes: a text column's codes are joined
    and its strings taken once, with no frame per file (pd.concat otherwise)."""
    if len(parts) == 1:
        return as_frame(parts[0])
    # a figure frame's unit numbers are joined apart: a cached part has only the unit strings
    names = [n for n in (parts[0].names() if isinstance(parts[0], FrameColumns) else parts[0].columns)
             if n != "unit_id"]
    columns = []   # per part: {name: (values, strings)}
    for part in parts:
        if isinstance(part, FrameColumns):
            if part.names() != names:
                break
            columns.append({name: (values, strings) for name, values, strings in part.columns})
        else:
            if [n for n in part.columns if n != "unit_id"] != names or not all(isinstance(d, np.dtype) for d in part.dtypes):
                break
            columns.append({name: (part[name].to_numpy(), None) for name in names})
    else:
        arrays = {}
        for name in names:
            pieces = [c[name] for c in columns]
            dtypes = {(values.dtype if strings is None else np.dtype(object)) for values, strings in pieces}
            if len(dtypes) != 1:
                break
            if all(strings is not None for _, strings in pieces):
                arrays[name] = _joined_text(pieces)
            else:
                arrays[name] = _joined_values([_decoded(values, strings, {}) for values, strings in pieces])
        else:
            if "unit" in arrays:
                arrays["unit_id"] = np.concatenate([
                    p.unit_ids() if isinstance(p, FrameColumns) else as_frame(p)["unit_id"].to_numpy() for p in parts])
            return _frame_of(sum(len(p) for p in parts), arrays)
    return pd.concat([as_frame(p) for p in parts], ignore_index=True)


def is_repeated(values) -> bool:
    """Whether `values` is one cell repeated as a stride-0 view (constant)."""
    return isinstance(values, np.ndarray) and values.ndim == 1 and len(values) > 1 and values.strides == (0,)


def repeated_cell(cell: np.ndarray, rows: int) -> np.ndarray:
    """The one-cell array `cell` repeated `rows` times, as a read-only stride-0 view."""
    return np.broadcast_to(cell, rows)


def constant(value, n: int, dtype=object) -> np.ndarray:
    """A read-only column holding `value` in each of n rows, in the memory of one cell: a view
    repeating it (stride 0), which a frame keeps as it is (copy=False). For the columns a
    corpus leaves unwritten (note, since, between, ...; the file of an archive's rows): 8 MB
    each per million rows otherwise. Gathering rows from one makes a plain array; writing
    into one raises."""
    one = np.empty(1, dtype=dtype)
    one[0] = value
    return repeated_cell(one, n)


def _joined_values(arrays: list) -> np.ndarray:
    """np.concatenate(arrays); arrays that are all the same cell repeated (or that one cell, or
    empty: a file without figures) stay one cell repeated."""
    cells = [a for a in arrays if len(a)]
    if any(is_repeated(a) for a in cells) and all(len(a) == 1 or is_repeated(a) for a in cells):
        first = cells[0][:1]
        if all(a.dtype == first.dtype and _same_cell(a[:1], first) for a in cells):
            return repeated_cell(first, sum(len(a) for a in cells))
    return np.concatenate(arrays)


def _same_cell(a: np.ndarray, b: np.ndarray) -> bool:
    if a.dtype == object:   # (None, "": compared as the values they are, of one type)
        return type(a[0]) is type(b[0]) and a[0] == b[0]
    return a.tobytes() == b.tobytes()   # bytes: NaT equals NaT


def _joined_text(pieces: list) -> np.ndarray:
    """The text columns (codes, distinct strings) of several parts as one object column (one
    string in every row of every part: that string repeated, as _decoded gives it)."""
    cells = [strings for values, strings in pieces if len(values)]
    if cells and all(len(strings) == 1 for strings in cells):
        first = cells[0][0]
        if all(type(strings[0]) is type(first) and strings[0] == first for strings in cells):
            return constant(first, sum(len(values) for values, _ in pieces))
    codes, strings = _joined_codes(pieces)
    return strings.take(codes) if len(strings) else np.empty(len(codes), dtype=object)


def _joined_codes(pieces: list) -> tuple[np.ndarray, np.ndarray]:
    """The text columns (codes, distinct strings) of several parts as (codes, strings) of one:
    each part's codes shifted past the strings of the parts before it, written into one array
    (a string of several parts is there once per part)."""
    rows = sum(len(values) for values, _ in pieces)
    strings = np.array(list(itertools.chain.from_iterable(part_strings for _, part_strings in pieces)), dtype=object)
    codes = np.empty(rows, dtype=np.intp)
    at = offset = 0
    for values, part_strings in pieces:
        piece = codes[at:at + len(values)]
        piece[:] = values   # (codes may be narrower than the offset: added once widened)
        piece += offset
        at += len(values)
        offset += len(part_strings)
    return codes, strings


def join_columns(parts: list, column_of):
    """The FrameColumns a cache entry would make of join_frames(parts), from the parts' own
    codes (no column of a million strings factorized again): a text column's codes joined, then
    its strings numbered once each, by first appearance, as pd.factorize numbers them. None
    unless every part is a FrameColumns with the same columns. A column that is text in only
    some parts comes from `column_of(name)`, as (name, values, strings)."""
    from .cache import narrow_codes

    if not parts or not all(isinstance(p, FrameColumns) for p in parts):
        return None
    names = parts[0].names()
    if any(p.names() != names for p in parts):
        return None
    columns = []
    for k, name in enumerate(names):
        pieces = [(p.columns[k][1], p.columns[k][2]) for p in parts]
        if all(strings is not None for _, strings in pieces):
            codes, strings = _joined_codes(pieces)
            once, distinct = pd.factorize(strings)   # each part's strings are its rows' (all used)
            columns.append((name, narrow_codes(once.take(codes), len(distinct)), list(distinct)))
        elif all(strings is None for _, strings in pieces) and len({v.dtype for v, _ in pieces}) == 1:
            columns.append((name, _joined_values([values for values, _ in pieces]), None))
        else:
            columns.append(column_of(name))
    return FrameColumns(sum(len(p) for p in parts), columns)


class _IdFrame(Mapping):
    """A read-only {id: record} over a frame with an "id" column."""

    df: pd.DataFrame

    @functools.cached_property
    def index(self):
        """The ids as an index (id_index): get_loc, get_indexer, `in`."""
        return id_index(self.df["id"])

    def __len__(self) -> int:
        return len(self.df)

    def __iter__(self):
        return iter(cells(self.df["id"]).tolist())

    def __contains__(self, key) -> bool:
        return key in self.index


def _numbered(df: pd.DataFrame) -> pd.DataFrame:
    """The frame with rows numbered 0..n-1: the loader's frame itself when they are (the codes it
    noted for its columns, remember_codes, are found by the frame)."""
    index = df.index
    if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
        return df
    return df.reset_index(drop=True)


class FigureFrame(_IdFrame):
    """{figure id: Figure}, backed by the figure frame."""

    def __init__(self, df: pd.DataFrame):
        self.df = _numbered(df)

    def position(self, fid: str) -> int:
        return int(self.index.get_loc(fid))

    def __getitem__(self, fid: str) -> Figure:
        try:
            i = self.index.get_loc(fid)
        except (KeyError, TypeError):
            raise KeyError(fid) from None
        return self.record(int(i))

    @functools.cached_property
    def _columns(self) -> dict:
        """Each column as a plain array: a record reads 26 cells, not a pandas row."""
        return {c: cells(self.df[c]) for c in FIGURE_COLUMNS}

    def record(self, i: int) -> Figure:
        c = self._columns

        def date(column):
            value = c[column][i]
            return None if pd.isna(value) else pd.Timestamp(value).date()

        since = None
        if isinstance(c["since_text"][i], str) and c["since_text"][i]:
            since = Period(date("since_start"), date("since_end"), c["since_text"][i])
        between_a = c["between_a"][i]
        return Figure(
            c["id"][i], c["source"][i], c["quote"][i], c["value_text"][i], float(c["low"][i]), float(c["high"][i]),
            float(c["written_half"][i]), float(c["about_half"][i]), c["unit"][i], c["qualifier"][i],
            c["quantity"][i], Period(date("period_start"), date("period_end"), c["period_text"][i]),
            Where(c["file"][i], int(c["line"][i])), c["attributed_to"][i] or "", c["modality"][i],
            c["note"][i] or "", since, c["of"][i] or None, c["part"][i] or None,
            (between_a, c["between_b"][i]) if between_a else None,
        )

    def values(self):
        return (self.record(i) for i in range(len(self.df)))

    def items(self):
        return ((f.id, f) for f in self.values())

    def __repr__(self) -> str:
        return f"<FigureFrame of {len(self)} figures>"


class RelationFrame(_IdFrame):
    """{relation id: Relation}, backed by the relation frame; a tree is parsed when asked for.

    `groups` holds the relations grouped by expression shape, as the loader found them: the
    evaluation runs one group at a time over arrays (figcheck.relations.evaluate_all).
    """

    def __init__(self, df: pd.DataFrame, groups: list | None = None):
        self.df = _numbered(df)
        self.groups = groups or []

    def __getitem__(self, rid: str) -> Relation:
        try:
            i = self.index.get_loc(rid)
        except (KeyError, TypeError):
            raise KeyError(rid) from None
        return self.record(int(i))

    def record(self, i: int) -> Relation:
        from .relations import parse_relation

        row = self.df.iloc[i]
        return Relation(row["id"], row["source"], row["expr"], row["quote"] or "",
                        Where(row["file"], int(row["line"])), parse_relation(row["expr"]), row["note"] or "")

    def values(self):
        return (self.record(i) for i in range(len(self.df)))

    def items(self):
        return ((r.id, r) for r in self.values())

    def __repr__(self) -> str:
        return f"<RelationFrame of {len(self)} relations>"


class QuantityFrame(Mapping):
    """{quantity key: Quantity}, backed by one list per field: an archive declares a couple of
    hundred thousand quantities, and the rules look a few of them up by key (a record is made
    then, and kept) or read one field of every quantity (`field`). Quantity i was written at
    line `first_line + i` of `file`."""

    def __init__(self, keys: list, description: list, kind: list, unit: list, part_of: list,
                 exhaustive: list, file: str, first_line: int, wheres: tuple | None = None):
        self._keys = keys
        self._fields = {"key": keys, "description": description, "kind": kind, "unit": unit,
                        "part_of": part_of, "exhaustive": exhaustive}
        self.file, self.first_line = file, first_line
        # (files, lines): each quantity's own, for quantities of several files (of_records)
        self._wheres = wheres
        self._records: dict[str, Quantity] = {}

    @classmethod
    def of_records(cls, records: Mapping) -> "QuantityFrame | None":
        """The {key: Quantity} `records` as columns, each quantity where it was written; None
        when a record's key is not the one it is kept under."""
        qs = list(records.values())
        keys = list(records)
        if [q.key for q in qs] != keys:
            return None
        column = {name: [getattr(q, name) for q in qs] for name in _QUANTITY_FIELDS[1:]}
        wheres = ([q.where.file for q in qs], [q.where.line for q in qs])
        return cls(keys, *(column[name] for name in _QUANTITY_FIELDS[1:]), None, 0, wheres)

    def __reduce__(self):
        # as columns, repeated values (kinds, units, files) once each: not a record per quantity
        fields = [_repeated_as_codes(self._fields[name]) for name in _QUANTITY_FIELDS[1:]]
        wheres = None if self._wheres is None else (_repeated_as_codes(self._wheres[0]),
                                                    np.asarray(self._wheres[1], dtype=np.int64))
        return _quantity_frame, (self._keys, fields, self.file, self.first_line, wheres)

    @functools.cached_property
    def _position(self) -> dict:
        return dict(zip(self._keys, range(len(self._keys))))

    @functools.cached_property
    def _index(self) -> pd.Index:
        return pd.Index(np.array(self._keys, dtype=object), dtype=object)

    @functools.cached_property
    def _arrow_keys(self):
        """The keys as an arrow string array, None where one is no text arrow can hold."""
        return _arrow_text(self._keys)

    def positions(self, keys) -> np.ndarray:
        """Each key's position among the quantities, -1 where it is none (one hash lookup per
        key in C, where a dict would be asked from Python): by arrow's hash lookup where every
        key is text (half the time of a pandas Index of Python strings), else by the Index."""
        keys = np.asarray(keys, dtype=object)
        if len(keys) > 1000 and self._arrow_keys is not None:
            import pyarrow.compute as pc

            asked = _arrow_text(keys)
            if asked is not None:   # the keys are distinct (checked where read): the first is the one
                return pc.index_in(asked, value_set=self._arrow_keys).fill_null(-1).to_numpy().astype(np.intp)
        return self._index.get_indexer(keys)

    def field(self, name: str) -> list:
        """One field of every quantity, in the mapping's order (do not change it)."""
        return self._fields[name]

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __contains__(self, key) -> bool:
        try:
            return key in self._position
        except TypeError:   # unhashable: no key
            return False

    def __getitem__(self, key) -> Quantity:
        record = self._records.get(key) if isinstance(key, str) else None
        if record is None:
            try:
                i = self._position[key]
            except (KeyError, TypeError):
                raise KeyError(key) from None
            f = self._fields
            where = (Where(self.file, self.first_line + i) if self._wheres is None
                     else Where(self._wheres[0][i], self._wheres[1][i]))
            record = self._records[key] = Quantity(
                self._keys[i], f["description"][i], f["kind"][i], f["unit"][i],
                where, f["part_of"][i], f["exhaustive"][i])
        return record

    def __repr__(self) -> str:
        return f"<QuantityFrame of {len(self)} quantities>"


_QUANTITY_FIELDS = ("key", "description", "kind", "unit", "part_of", "exhaustive")


def _arrow_text(values):
    """A sequence of str as an arrow string array; None for anything else in it (None, a
    number, a lone surrogate)."""
    import pyarrow as pa

    try:
        array = pa.array(values, type=pa.string(), from_pandas=False)
    except (pa.ArrowException, TypeError, ValueError, UnicodeError):
        return None
    return array if not array.null_count else None


def _repeated_as_codes(values: list):
    """A list as (integer codes, its distinct values) when values repeat, else as it is."""
    index: dict = {}
    distinct = []
    codes = []
    for value in values:
        code = index.get((type(value), value))   # typed: True and 1 are not one value here
        if code is None:
            code = index[(type(value), value)] = len(distinct)
            distinct.append(value)
        codes.append(code)
    if len(distinct) * 2 > len(values):
        return values
    return np.array(codes, dtype=np.int32), distinct


def _from_codes(column):
    if isinstance(column, list):
        return column
    codes, distinct = column
    values = np.empty(len(distinct), dtype=object)
    values[:] = distinct
    return values[codes].tolist()


def _quantity_frame(keys: list, fields: list, file, first_line: int, wheres) -> QuantityFrame:
    if wheres is not None:
        wheres = (_from_codes(wheres[0]), wheres[1].tolist())
    return QuantityFrame(keys, *map(_from_codes, fields), file, first_line, wheres)


def quantity_field(quantities, name: str) -> list:
    """One field of every quantity of `quantities` (a dict of Quantity or a QuantityFrame), in
    its order: from the frame's column, not a record per quantity."""
    if isinstance(quantities, QuantityFrame):
        return quantities.field(name)
    return [getattr(q, name) for q in quantities.values()]
