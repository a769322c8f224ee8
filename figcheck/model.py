"""The figures-file model: frozen records, each knowing the file and line it came from."""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

KINDS = ("stock", "flow", "cumulative")
MODALITIES = ("reported", "estimate", "forecast", "hypothetical")


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    file: str                 # as written, relative to the figures file
    path: str                 # resolved path
    title: str
    published: dt.date | None
    language: str
    text: str
    where: Where
    publisher: str = ""
    url: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Quantity:
    key: str
    description: str
    kind: str
    unit: str
    where: Where
    part_of: str | None = None
    exhaustive: bool = False


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in days; written as the file wrote it."""

    start: dt.date
    end: dt.date
    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Figure:
    id: str
    source: str
    quote: str
    value_text: str           # the value as the file wrote it ("10 Millionen", "28000", "[3, 5]")
    low: float                # the stated value, or the low end of a stated range
    high: float
    written_half: float
    about_half: float
    unit: str
    qualifier: str
    quantity: str
    period: Period
    where: Where
    attributed_to: str = ""
    modality: str = "reported"
    note: str = ""
    since: Period | None = None   # a duration's start ("seit Februar 2022")
    of: str | None = None         # a share's whole: the figure this one is a part of
    part: str | None = None       # a share's part, when the file names it
    between: tuple[str, str] | None = None   # a change: from the first figure to the second

    @property
    def is_range(self) -> bool:
        return self.low != self.high


@dataclass(frozen=True, slots=True)
class Relation:
    id: str
    source: str
    expr: str
    quote: str
    where: Where
    tree: object = field(compare=False, repr=False)   # figcheck.relations.Comparison
    note: str = ""


@dataclass(frozen=True, slots=True)
class Rate:
    from_unit: str
    to_unit: str
    value: float
    as_of: dt.date
    source: str
    where: Where


@dataclass(frozen=True, slots=True)
class Skip:
    """A numeric mention looked at and knowingly not encoded."""

    source: str
    quote: str
    reason: str
    where: Where


@dataclass(frozen=True)
class Corpus:
    files: tuple[str, ...]
    sources: dict[str, Source]
    quantities: dict[str, Quantity]
    figures: dict[str, Figure]
    relations: dict[str, Relation]
    rates: tuple[Rate, ...] = ()
    skips: tuple[Skip, ...] = ()


def per_corpus(keep: int = 2):
    """Decorator: compute(corpus) kept for the last `keep` corpora, told apart by identity (a
    corpus is read-only, and the rules of one check ask for the same derived data again and
    again); `compute.forget(corpus)` drops what is kept for one."""
    def decorate(compute):
        kept: list[tuple[Corpus, object]] = []

        @functools.wraps(compute)
        def cached(corpus):
            for seen, result in kept:
                if seen is corpus:
                    return result
            result = compute(corpus)
            kept.append((corpus, result))
            del kept[:-keep]
            return result

        def forget(corpus) -> None:
            kept[:] = [(seen, result) for seen, result in kept if seen is not corpus]

        cached.forget = forget
        return cached
    return decorate


# --- record constructors without dataclasses' per-field object.__setattr__ ----------------------
#
# A frozen dataclass's generated __init__ sets each field through object.__setattr__ looked up
# by name: a million-figure load builds ~200k quantities and their Where (also when a cached
# entry unpickles them), and that lookup was half of each constructor's time. These set each
# slot through its own descriptor, bound once; the records stay frozen (assignment still raises).
# tests/test_model_records.py checks each against the generated __init__ and its signature.

GENERATED_INIT = {cls: cls.__init__ for cls in (Where, Quantity, Source)}

_where_file, _where_line = Where.file.__set__, Where.line.__set__


def _where_init(self, file: str, line: int) -> None:
    _where_file(self, file)
    _where_line(self, line)


(_q_key, _q_description, _q_kind, _q_unit, _q_where, _q_part_of, _q_exhaustive) = (
    Quantity.key.__set__, Quantity.description.__set__, Quantity.kind.__set__, Quantity.unit.__set__,
    Quantity.where.__set__, Quantity.part_of.__set__, Quantity.exhaustive.__set__)


def _quantity_init(self, key: str, description: str, kind: str, unit: str, where: Where,
                   part_of: str | None = None, exhaustive: bool = False) -> None:
    _q_key(self, key)
    _q_description(self, description)
    _q_kind(self, kind)
    _q_unit(self, unit)
    _q_where(self, where)
    _q_part_of(self, part_of)
    _q_exhaustive(self, exhaustive)


(_s_id, _s_file, _s_path, _s_title, _s_published, _s_language, _s_text, _s_where, _s_publisher,
 _s_url, _s_note) = (
    Source.id.__set__, Source.file.__set__, Source.path.__set__, Source.title.__set__,
    Source.published.__set__, Source.language.__set__, Source.text.__set__, Source.where.__set__,
    Source.publisher.__set__, Source.url.__set__, Source.note.__set__)


def _source_init(self, id: str, file: str, path: str, title: str, published: dt.date | None,
                 language: str, text: str, where: Where, publisher: str = "", url: str = "",
                 note: str = "") -> None:
    _s_id(self, id)
    _s_file(self, file)
    _s_path(self, path)
    _s_title(self, title)
    _s_published(self, published)
    _s_language(self, language)
    _s_text(self, text)
    _s_where(self, where)
    _s_publisher(self, publisher)
    _s_url(self, url)
    _s_note(self, note)


FAST_INIT = {Where: _where_init, Quantity: _quantity_init, Source: _source_init}
for _cls, _init in FAST_INIT.items():
    _init.__qualname__ = f"{_cls.__name__}.__init__"
    _cls.__init__ = _init


# --- source texts kept as UTF-8 bytes ------------------------------------------------------------
#
# A forked text worker (figcheck.prefetch) reads every article. Reading a Python string writes
# its reference count, on the page where the string begins, so that the worker would copy every
# page of the archive's texts (~57 MB of private memory for a million figures' 50 MB of text).
# The loader keeps the texts in one arrow array instead (TextStore: the bytes end to end, and
# offsets), each source pointing into it: the worker cuts and searches the texts straight from
# the array, which it only reads, and `source.text` makes the string when a caller asks.

class TextStore:
    """The texts of a load's sources, in the order they were read: one arrow large_string array
    or a chunked one (the loader builds it batch by batch, never holding every file twice)."""

    __slots__ = ("array", "_lengths")

    def __init__(self, array, lengths=None):
        self.array = array
        self._lengths = lengths

    def __len__(self) -> int:
        return len(self.array)

    def text(self, i: int) -> str:
        return self.array[i].as_py()

    def lengths(self):
        """Each text's length in characters (a numpy array), worked out once."""
        if self._lengths is None:
            import numpy as np
            import pyarrow.compute as pc

            self._lengths = np.asarray(pc.utf8_length(self.array).to_numpy(), dtype=np.int64)
        return self._lengths


class StoredText:
    """Where a source's text stands: its store and its position there."""

    __slots__ = ("store", "index")

    def __init__(self, store: TextStore, index: int):
        self.store, self.index = store, index


_text_slot = Source.text


class StoredSource(Source):
    """A Source whose text stays in a TextStore: `text` is the string, made at each read (read
    it once into a name where it is read often). Equal to, hashed as and pickled as the Source
    of the same fields."""

    __slots__ = ()

    @property
    def text(self) -> str:
        value = _text_slot.__get__(self, Source)
        return value.store.text(value.index) if type(value) is StoredText else value

    @property
    def stored(self) -> StoredText | None:
        """Where the text stands, without reading it (None for a text given as a string)."""
        value = _text_slot.__get__(self, Source)
        return value if type(value) is StoredText else None

    def _fields(self) -> tuple:
        return (self.id, self.file, self.path, self.title, self.published, self.language, self.text, self.where,
                self.publisher, self.url, self.note)

    def __eq__(self, other):
        if isinstance(other, Source):
            return self._fields() == tuple(getattr(other, name) for name in _SOURCE_FIELDS)
        return NotImplemented

    def __hash__(self):
        return hash(self._fields())

    def __reduce__(self):
        return Source, self._fields()


_SOURCE_FIELDS = ("id", "file", "path", "title", "published", "language", "text", "where", "publisher", "url", "note")


def stored_runs(sources) -> list[tuple] | None:
    """The texts of `sources` (in order) as runs of texts standing one after the other in a
    TextStore: (the store, the position of the first, how many). One run for a load's sources,
    or a part of them; one per file for sources read from several files. None where some text
    is not in a store (a Source made with its text as a string)."""
    runs = []
    store, first, n = None, 0, 0
    for source in sources:
        where = source.stored if type(source) is StoredSource else None
        if where is None:
            return None
        if where.store is store and where.index == first + n:
            n += 1
            continue
        if store is not None:
            runs.append((store, first, n))
        store, first, n = where.store, where.index, 1
    if store is not None:
        runs.append((store, first, n))
    return runs


def stored_texts(sources) -> tuple | None:
    """(the store, the position of the first text) where the texts of `sources` (in order) stand
    one after the other in one TextStore, as a load's or a part of one's do; None otherwise."""
    runs = stored_runs(sources)
    return (runs[0][0], runs[0][1]) if runs is not None and len(runs) == 1 else None


def text_lengths(sources: list):
    """The length in characters of each source's text ("" for none), as a numpy array: from
    the stores where the texts stand (no text read), else from the strings."""
    import numpy as np

    runs = stored_runs(sources)
    if runs is not None and len(runs) == 1:
        store, first, n = runs[0]
        return store.lengths()[first:first + n]

    def length(source) -> int:
        where = source.stored if type(source) is StoredSource else None
        return int(where.store.lengths()[where.index]) if where is not None else len(source.text or "")

    return np.fromiter(map(length, sources), np.int64, len(sources))


def text_column(sources: list):
    """The texts of `sources` as one arrow large_string array (a chunked one): slices of the
    stores where they stand, else None (some text is not stored, or there is none)."""
    runs = stored_runs(sources)
    if not runs:
        return None
    import pyarrow as pa

    return pa.chunked_array([chunk for store, first, n in runs for chunk in store.array.slice(first, n).chunks],
                            type=pa.large_string())
