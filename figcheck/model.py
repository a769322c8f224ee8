"""The figures-file model: frozen records, each knowing the file and line it came from."""
from __future__ import annotations

import datetime as dt
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
