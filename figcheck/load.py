"""TOML → Corpus, validated. Every problem of every file is collected with its file:line.

A malformed figures file is an input error (exit 2), not a finding: like pandera, we reject the
model at load time and report all failures at once, not only the first.
"""
from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import functools
import itertools
import math
import operator
import os
import re
import time
from dataclasses import dataclass
from dataclasses import field as dc_field
from pathlib import Path

import numpy as np
import pandas as pd

from .collector import give_back_free_memory
from .frames import constant, is_repeated
from .model import (KINDS, MODALITIES, Corpus, Figure, Period, Quantity, Rate, Relation, Skip, Source, StoredSource,
                    StoredText, TextStore, Where)
from .numbers import (HEDGES, QUALIFIERS, NumberReadError, base_language, find_numbers, locale_known,
                      read_value, reading_of_value)
from .paths import display_path, is_columnar  # noqa: F401  (display_path is imported from here too)

FIGURE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
KEY_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")

TOP_LEVEL = {"source", "quantity", "figure", "relation", "rate", "skip"}
KEYS = {
    "source": ({"id", "file", "published", "language"}, {"title", "publisher", "url", "note"}),
    "quantity": ({"kind", "unit"}, {"description", "part_of", "exhaustive", "note"}),
    "figure": ({"id", "source", "quote", "value", "unit", "quantity"},
               {"qualifier", "as_of", "attributed_to", "modality", "note", "since", "of", "part", "between"}),
    "relation": ({"id", "source", "expr"}, {"quote", "note"}),
    "rate": ({"from", "to", "value", "as_of", "source"}, {"note"}),
    "skip": ({"source", "quote", "reason"}, {"note"}),
}


@dataclass(frozen=True)
class Problem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class LoadError(Exception):
    """One or more problems in the figures files; str() lists them all, one per line."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(set(problems), key=lambda p: (p.file, p.line, p.message))
        super().__init__("\n".join(str(p) for p in self.problems))


# --- where things are in the file -------------------------------------------------------------

_ARRAY_HEADER = re.compile(r"^\s*\[\[\s*([A-Za-z_][\w-]*)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\s*\[\s*([A-Za-z_][\w-]*)\s*\.\s*(\"[^\"]*\"|'[^']*'|[\w.-]+)\s*\]")
_PLAIN_HEADER = re.compile(r"^\s*\[\s*([A-Za-z_][\w-]*)\s*\]")
_KEY = re.compile(r"^\s*(\"[^\"]*\"|[A-Za-z0-9_-]+)\s*=")


class LineIndex:
    """Line numbers of tables and keys, found by a scan beside the TOML parser (which has none)."""

    def __init__(self, text: str):
        self.tables: dict[tuple, int] = {}
        self.keys: dict[tuple, int] = {}
        counts: dict[str, int] = {}
        current: tuple | None = None
        in_multiline = False
        # TOML lines end at \n only; str.splitlines() would also split at U+0085, U+2028, \x0c …
        # inside strings and shift every line number after them.
        for number, line in enumerate(text.split("\n"), start=1):
            if in_multiline:
                if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                    in_multiline = False
                continue
            m = _ARRAY_HEADER.match(line)
            if m:
                kind = m.group(1)
                current = (kind, counts.get(kind, 0))
                counts[kind] = current[1] + 1
                self.tables[current] = number
                continue
            m = _TABLE_HEADER.match(line)
            if m:
                current = (m.group(1), m.group(2).strip("\"'"))
                self.tables[current] = number
                continue
            m = _PLAIN_HEADER.match(line)
            if m:
                current = (m.group(1),)
                continue
            m = _KEY.match(line)
            if m and current is not None:
                self.keys.setdefault((*current, m.group(1).strip('"')), number)
                if len(current) == 1:
                    # [quantity] then `troops = { kind = ..., unit = ... }`: the line is the table's
                    self.tables.setdefault((*current, m.group(1).strip('"')), number)
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = True

    def table(self, kind, name) -> int:
        return self.tables.get((kind, name), 1)

    def key(self, kind, name, key) -> int:
        return self.keys.get((kind, name, key), self.table(kind, name))

    def key_lines(self, kind, names, key) -> np.ndarray:
        return np.array([self.key(kind, name, key) for name in names], dtype=np.int64)


class LazyLineIndex:
    """LineIndex's answers for a file without multi-line strings, found without a scan per line.

    The lines that may be table headers (those starting with `[`, a blank or a tab) are found
    with numpy over the file's bytes; the usual headers (`[[figure]]`, `[[relation]]`, ...) are
    recognised there by their bytes, any other candidate line by the header regex. A key's line
    is looked up between its table's header and the next header only when asked for. Every
    figure asks for its `id` line, usually the line after its header: key_lines tests those
    lines' first bytes for all tables at once.
    """

    _HEADER = re.compile(
        r"^[ \t]*(?:\[\[[ \t]*([A-Za-z_][\w-]*)[ \t]*\]\]"
        r"|\[[ \t]*([A-Za-z_][\w-]*)[ \t]*\.[ \t]*(\"[^\"\n]*\"|'[^'\n]*'|[\w.-]+)[ \t]*\])")
    _USUAL_ARRAYS = ("figure", "relation", "source", "rate", "skip")

    def __init__(self, text: str, data: bytes | None = None):
        data = text.encode("utf-8", "surrogatepass") if data is None else data
        self.data = data
        b = np.frombuffer(data, dtype=np.uint8)
        breaks = np.flatnonzero(b == 10)
        # line k (from 1) is data[starts[k-1]:ends[k-1]], as text.split("\n") cuts it
        self.starts = np.concatenate(([0], breaks + 1)).astype(np.int64)
        self.ends = np.concatenate((breaks, [len(data)])).astype(np.int64)
        self.plain_header = False   # a [table] header: only the full scan reads those
        first = np.zeros(len(self.starts), dtype=np.uint8)
        nonempty = self.starts < self.ends
        first[nonempty] = b[self.starts[nonempty]]
        candidates = np.flatnonzero((first == ord("[")) | (first == ord(" ")) | (first == ord("\t")))
        kind_of = np.full(len(candidates), -1, dtype=np.int64)   # index into `kinds`; -1: not an array header
        kinds = list(self._USUAL_ARRAYS)
        for code, kind in enumerate(kinds):
            pattern = np.frombuffer(f"[[{kind}]]".encode(), dtype=np.uint8)
            at = self.starts[candidates]
            fits = np.flatnonzero(at + len(pattern) <= len(b))
            same = (b[at[fits, None] + np.arange(len(pattern))] == pattern).all(axis=1)
            kind_of[fits[same]] = code
        header = kind_of >= 0
        self.named: dict[tuple, int] = {}          # [kind.name] headers
        for k in np.flatnonzero(kind_of < 0).tolist():
            line = self._line(int(candidates[k]) + 1)
            m = self._HEADER.match(line)
            if m is None:
                if _PLAIN_HEADER_ANYWHERE.match(line):
                    self.plain_header = True
                continue
            header[k] = True
            if m.group(1):
                if m.group(1) not in kinds:
                    kinds.append(m.group(1))
                kind_of[k] = kinds.index(m.group(1))
            else:
                self.named[(m.group(2), m.group(3).strip("\"'"))] = int(candidates[k]) + 1
        numbers = candidates + 1
        self.header_lines: list[int] = numbers[header].tolist()
        self.array_lines = {kind: numbers[kind_of == code] for code, kind in enumerate(kinds)}
        self.arrays: dict[str, list[int]] = {kind: lines.tolist() for kind, lines in self.array_lines.items()
                                             if len(lines)}   # [[kind]] headers, in order

    def _line(self, number: int) -> str:
        line = self.data[self._starts[number - 1]:self._ends[number - 1]].decode("utf-8", "surrogatepass")
        return line[:-1] if line.endswith("\r") else line

    @functools.cached_property
    def _starts(self) -> list[int]:
        return self.starts.tolist()

    @functools.cached_property
    def _ends(self) -> list[int]:
        return self.ends.tolist()

    @functools.cached_property
    def tables(self) -> dict[tuple, int]:
        """Every table's header line, keyed as LineIndex keys them (asked only for problems)."""
        out = {(kind, n): number for kind, lines in self.arrays.items() for n, number in enumerate(lines)}
        out.update(self.named)
        return out

    def _header(self, kind, name) -> int | None:
        if isinstance(name, int):
            lines = self.arrays.get(kind, ())
            return lines[name] if 0 <= name < len(lines) else None
        return self.named.get((kind, name))

    def table(self, kind, name) -> int:
        header = self._header(kind, name)
        return 1 if header is None else header

    def key_lines(self, kind, names, key) -> np.ndarray:
        """key() for many tables: the key is almost always on the line after its header, which
        starts with `key =` or `key=` (one byte test for all tables); any other table asks key()."""
        if isinstance(names, range):   # an array's tables, all of them
            positions = np.arange(names.start, names.stop, names.step, dtype=np.int64)
        else:
            names = list(names)
            positions = np.asarray(names) if names else np.zeros(0, dtype=np.int64)
            if positions.dtype.kind not in "iu" or any(type(n) is not int for n in names):
                return np.array([self.key(kind, name, key) for name in names], dtype=np.int64)
        out = np.zeros(len(names), dtype=np.int64)
        headers = self.array_lines.get(kind, np.zeros(0, dtype=np.int64))
        known = (positions >= 0) & (positions < len(headers))
        header = np.zeros(len(names), dtype=np.int64)
        header[known] = headers[positions[known]]
        # the line after the header is line header + 1: it starts at starts[header]
        found = known & (header < len(self.starts))
        b = np.frombuffer(self.data, dtype=np.uint8)
        matched = np.zeros(len(names), dtype=bool)
        for written in (f"{key} =", f"{key}="):
            pattern = np.frombuffer(written.encode(), dtype=np.uint8)
            rows = np.flatnonzero(found & ~matched)
            at = self.starts[header[rows]]
            fits = at + len(pattern) <= self.ends[header[rows]]
            rows, at = rows[fits], at[fits]
            same = (b[at[:, None] + np.arange(len(pattern))] == pattern).all(axis=1)
            matched[rows[same]] = True
        out[matched] = header[matched] + 1
        for i in np.flatnonzero(~matched).tolist():
            out[i] = self.key(kind, names[i], key)
        return out

    def key(self, kind, name, key) -> int:
        header = self._header(kind, name)
        if header is None:
            return 1
        after = bisect.bisect_right(self.header_lines, header)
        stop = self.header_lines[after] if after < len(self.header_lines) else len(self.starts) + 1
        for number in range(header + 1, stop):
            line = self._line(number)
            if key in line:   # a cheap test before the regex
                m = _KEY.match(line)
                if m and m.group(1).strip('"') == key:
                    return number
        return header


_PLAIN_HEADER_ANYWHERE = re.compile(r"^[ \t]*\[[ \t]*[A-Za-z_][\w-]*[ \t]*\]")


def _has_triple_quote(data: bytes) -> bool:
    """Whether \"\"\" or \'\'\' occurs (a multi-line string may): three equal bytes in a row, by numpy,
    where a substring search stumbles over every quote of the file."""
    b = np.frombuffer(data, dtype=np.uint8)
    for quote in (ord('"'), ord("'")):
        q = b == quote
        if len(b) >= 3 and (q[:-2] & q[1:-1] & q[2:]).any():
            return True
    return False


def line_index(text: str):
    """The lazy index where it gives the same answers (no multi-line strings, no [table]
    headers), else the full scan."""
    odd_breaks = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")
    data = text.encode("utf-8", "surrogatepass")
    if (_has_triple_quote(data) or (b"\r" in data and data.count(b"\r") != data.count(b"\r\n"))
            or any(b in text for b in odd_breaks)):
        return LineIndex(text)
    lazy = LazyLineIndex(text, data)
    return LineIndex(text) if lazy.plain_header else lazy


# --- small readers ----------------------------------------------------------------------------

_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def _point_period(text: str) -> tuple[dt.date, dt.date]:
    if m := _YEAR.match(text):
        y = int(m.group(1))
        return dt.date(y, 1, 1), dt.date(y + 1, 1, 1)
    if m := _MONTH.match(text):
        y, mo = int(m.group(1)), int(m.group(2))
        start = dt.date(y, mo, 1)
        return start, dt.date(y + (mo == 12), mo % 12 + 1, 1)
    if m := _DAY.match(text):
        start = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return start, start + dt.timedelta(days=1)
    raise ValueError(f"bad date or period {text!r}: write 2024, 2024-11, 2024-11-05 or 2024-01/2025-02")


def parse_period(value) -> Period:
    """A date or ISO period → [start, end). Raises ValueError with a readable reason."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        if value == dt.date.max:  # its end, the next day, is past what dates can hold
            raise ValueError(f"bad date {value.isoformat()}: the last day a date can hold has no end")
        return Period(value, value + dt.timedelta(days=1), value.isoformat())
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"a date or period must be a string or a TOML date, not {type(value).__name__}")
    text = value.strip()
    try:
        if "/" in text:
            first, _, last = text.partition("/")
            start, _ = _point_period(first.strip())
            _, end = _point_period(last.strip())
            if end <= start:
                raise ValueError(f"period {text!r} ends before it starts")
        else:
            start, end = _point_period(text)
    except OverflowError:  # 9999-12-31 + one day
        raise ValueError(f"bad date {text!r}: dates end with the year 9999") from None
    except ValueError as exc:
        if str(exc).startswith(("bad date", "period")):
            raise
        # datetime's own reasons: "month must be in 1..12", "year 0 is out of range", ...
        raise ValueError(f"bad date {text!r}: {exc}") from None
    return Period(start, end, text)


def _type_name(value) -> str:
    return {str: "a string", int: "an integer", float: "a number", bool: "a boolean",
            list: "an array", dict: "a table"}.get(type(value), type(value).__name__)


# --- the loader -------------------------------------------------------------------------------

def read_toml_text(path: Path, display: str) -> str:
    return decode_toml(read_toml_bytes(path, display), display)


def parse_toml(text: str, display: str) -> dict:
    """rtoml (compiled, ~6x faster) first; on any failure tomllib, whose message has file:line."""
    import tomllib

    try:
        import rtoml

        return rtoml.loads(text)
    except Exception:
        pass
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        msg = str(exc)
        m = re.search(r"\(at line (\d+), column (\d+)\)", msg)
        line = int(m.group(1)) if m else 1
        msg = re.sub(r"\s*\(at line \d+, column \d+\)", "", msg)
        if "end of document" in msg and m is None:
            line = text.count("\n") + 1
        raise LoadError([Problem(display, line, f"TOML syntax: {msg}")]) from None


class _Collector:
    """Collects the problems of one input, each at its line; reads string keys."""

    display: str
    problems: list[Problem]

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.display, line, message))

    def where(self, line: int) -> Where:
        return Where(self.display, line)

    def string(self, table, key, line_of, required=True, default=""):
        value = table.get(key)
        if value is None:
            return None if required else default
        if not isinstance(value, str):
            self.problem(line_of(key), f"{key!r} must be a string, not {_type_name(value)}")
            return None
        return value


class _FileLoader(_Collector):
    """Validates one figures file; cross-file references are checked by `load` afterwards."""

    def __init__(self, path: Path, display: str, text: str | None = None, data: dict | None = None):
        self.path = path
        self.display = display
        self.problems: list[Problem] = []
        self.text = read_toml_text(path, display) if text is None else text
        self.data = parse_toml(self.text, display) if data is None else data
        self.lines = line_index(self.text)

    def _written(self, kind: str) -> tuple:
        """(names, values) of a table kind as written; nothing (reported) when it is not a
        collection of tables."""
        raw = self.data.get(kind)
        if raw is None:
            return [], []
        if kind == "quantity":
            if not isinstance(raw, dict):
                self.problem(_top_key_line(self.text, kind), "[quantity.KEY] tables expected")
                return [], []
            return list(raw.keys()), list(raw.values())
        if not isinstance(raw, list):
            self.problem(_top_key_line(self.text, kind), f"[[{kind}]] array of tables expected, not {_type_name(raw)}")
            return [], []
        return range(len(raw)), raw

    @staticmethod
    def _valid_keys(kind: str, tables: list) -> set | None:
        """The keys of the tables if every value is a table with only allowed keys and all
        required ones (the common case, checked as a whole: in C, not per table); else None."""
        required, optional = KEYS[kind]
        if not _only_types(tables, dict):
            return None
        keys = set().union(*tables)
        if keys <= required | optional and all(
                sum(map(operator.contains, tables, itertools.repeat(k))) == len(tables) for k in required):
            return keys
        return None

    def tables(self, kind: str) -> tuple:
        """(names, tables, the keys they have) of the entries of a table kind, as entries()
        gives them, without a line-of-key function per entry."""
        names, tables = self._written(kind)
        keys = self._valid_keys(kind, tables)
        if keys is not None:
            return names, tables, keys
        checked = self._checked(kind, names, tables)
        tables = [table for _, table, _ in checked]
        return [name for name, _, _ in checked], tables, set().union(*tables)

    def entries(self, kind: str):
        """(name, table, line-of-key function) for each entry of a table kind."""
        names, tables = self._written(kind)
        if self._valid_keys(kind, tables) is not None:
            key = self.lines.key
            return [(name, table, functools.partial(key, kind, name)) for name, table in zip(names, tables)]
        return self._checked(kind, names, tables)

    def _checked(self, kind: str, names, tables) -> list:
        """entries() table by table, each problem reported: a value that is not a table is left
        out, a table with a missing or unknown key kept."""
        out = []
        required, optional = KEYS[kind]
        allowed = required | optional
        lines = self.lines
        for name, table in zip(names, tables):
            if not isinstance(table, dict):
                self.problem(lines.table(kind, name), f"{kind} {name!r}: a table expected, not {_type_name(table)}")
                continue
            keys = table.keys()
            if not (required <= keys <= allowed):
                header = lines.table(kind, name)
                for key in sorted(required - keys):
                    self.problem(header, f"{kind}: missing key {key!r}")
                for key in sorted(keys - allowed):
                    self.problem(lines.key(kind, name, key),
                                 f"{kind}: unknown key {key!r} (allowed: {', '.join(sorted(allowed))})")
            out.append((name, table, functools.partial(lines.key, kind, name)))
        return out


def _figure_reading(raw, quote: str, language: str):
    """(value_text, Reading) for a figure's value: number, string as written, or [low, high]."""
    if isinstance(raw, bool):
        raise NumberReadError("a boolean is not a number")
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            raise NumberReadError(f"must be finite, not {raw}")
        # The written precision comes from the number in the quote, never from a TOML float.
        for m in find_numbers(quote, language):
            if hasattr(m, "low") and not m.vague and not m.is_range and math.isclose(m.low, raw, rel_tol=1e-9):
                return quote[m.number_start:m.end], m
        return str(raw), reading_of_value(raw)
    if isinstance(raw, str):
        return raw, _value_reading(raw, language)
    if isinstance(raw, list):
        if len(raw) != 2:
            raise NumberReadError(f"a range is [low, high]; got {len(raw)} items")
        ends = []
        for item in raw:
            if isinstance(item, str):
                r = _read_text(item, language)   # once per text and language, as a value is
                if isinstance(r, str):
                    raise NumberReadError(r)
                if r.is_range:
                    raise NumberReadError(f"range end {item!r} is itself a range")
                ends.append(r.low)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                if not math.isfinite(item):
                    raise NumberReadError(f"range ends must be finite, not {item}")
                ends.append(float(item))
            else:
                raise NumberReadError(f"range ends must be numbers, not {_type_name(item)}")
        low, high = ends
        if low > high:
            raise NumberReadError(f"range low {low:g} > high {high:g}")
        from .numbers import Reading

        return f"[{raw[0]}, {raw[1]}]", Reading(low, high, 0.0, 0.0, is_range=True)
    raise NumberReadError(f"value must be a number, a string or [low, high], not {_type_name(raw)}")


@dataclass
class Part:
    """What one input (a figures file or a columnar archive) contributes, before cross-checks.

    Sources carry no text yet: texts are read on every run (a cached part must not hide an
    edited or deleted article). `source_file_lines` says where each source's `file` is written.
    """

    sources: dict
    quantities: dict
    figures: pd.DataFrame
    relations: pd.DataFrame
    rates: list
    skips: list
    problems: list
    source_file_lines: dict
    relation_groups: list = dc_field(default_factory=list)   # figcheck.relations.ShapeGroup, rows of `relations`
    # what waits for (texts, problems) of read_source_texts when the reader started reading the
    # texts early, in a thread (columnar archives); None: read when asked (a part is cached
    # without it)
    texts: object = dc_field(default=None, compare=False, repr=False)
    # what waits for the reader's own lookup of the relations' names among the figure ids, begun
    # while the figures were checked (columnar archives): (name columns, number of ids, rows) or
    # None; load uses it where it looked up the very columns load has, among as many figures
    name_positions: object = dc_field(default=None, compare=False, repr=False)


class Entries(_Collector):
    """Validates the small tables (sources, quantities, rates, skips) the same way for TOML and
    columnar input: each entry is (name, table dict, line-of-key function)."""

    def __init__(self, display: str, base: Path):
        self.display = display
        self.base = base
        self.problems: list[Problem] = []
        self.unusable_published: set[str] = set()  # already reported; figures relying on it stay quiet


    def sources(self, entries) -> tuple[dict, dict]:
        f = self
        sources: dict[str, Source] = {}
        file_lines: dict[str, int] = {}
        for name, t, line_of in entries:
            sid = f.string(t, "id", line_of)
            file = f.string(t, "file", line_of)
            language = f.string(t, "language", line_of)
            published = t.get("published")
            if sid is None or file is None or language is None:
                continue
            if not KEY_ID.match(sid):
                f.problem(line_of("id"), f"source id {sid!r}: letters, digits, _ . - only")
            if sid in sources:
                f.problem(line_of("id"), f"duplicate source id {sid!r} (first at line {sources[sid].where.line})")
                continue
            if language and base_language(language) != language.replace("-", "_").split("_")[0].lower():
                f.problem(line_of("language"), f"unsupported language {language!r} (supported: {', '.join(HEDGES)})")
            elif language and not locale_known(language):
                f.problem(line_of("language"), f"unknown locale {language!r} (write e.g. de, de-CH, de-AT, en, en-GB)")
            pub = None
            if published is not None:
                if isinstance(published, dt.datetime):
                    published = published.date()
                if not isinstance(published, dt.date):
                    f.problem(line_of("published"), f"'published' must be a TOML date like 2025-04-28, not {_type_name(published)}")
                    self.unusable_published.add(sid)
                else:
                    try:
                        parse_period(published)
                        pub = published
                    except ValueError as exc:
                        f.problem(line_of("published"), f"published: {exc}")
                        self.unusable_published.add(sid)
            resolved = self.base / file
            extras = {k: t[k] for k in ("title", "publisher", "url", "note") if k in t}
            for k, v in extras.items():
                if not isinstance(v, str):
                    f.problem(line_of(k), f"{k!r} must be a string, not {_type_name(v)}")
                    extras[k] = ""
            sources[sid] = Source(sid, file, str(resolved), extras.get("title", ""), pub, language, "",
                                  f.where(line_of("id")), extras.get("publisher", ""), extras.get("url", ""),
                                  extras.get("note", ""))
            file_lines[sid] = line_of("file")
        return sources, file_lines

    def quantities(self, entries, header_line) -> dict:
        from .units import UnitError, unit_info

        f = self
        quantities: dict[str, Quantity] = {}
        for key, t, line_of in entries:
            kind = f.string(t, "kind", line_of)
            unit = f.string(t, "unit", line_of)
            if kind is None or unit is None:
                continue
            if not KEY_ID.match(key):
                f.problem(header_line(key), f"quantity key {key!r}: letters, digits, _ . - only")
            if key in quantities:   # only in columnar input: a TOML table key is unique
                f.problem(header_line(key), f"duplicate quantity {key!r} (first at line {quantities[key].where.line})")
                continue
            if kind not in KINDS:
                f.problem(line_of("kind"), f"kind {kind!r} is not one of {', '.join(KINDS)}")
            try:
                unit_info(unit)
            except UnitError as exc:
                f.problem(line_of("unit"), str(exc))
            part_of = t.get("part_of")
            if part_of is not None and not isinstance(part_of, str):
                f.problem(line_of("part_of"), f"'part_of' must be a quantity key, not {_type_name(part_of)}")
                part_of = None
            exhaustive = t.get("exhaustive", False)
            if not isinstance(exhaustive, bool):
                f.problem(line_of("exhaustive"), "'exhaustive' must be true or false")
                exhaustive = False
            description = t.get("description", "")
            if not isinstance(description, str):
                f.problem(line_of("description"), "'description' must be a string")
                description = ""
            quantities[key] = Quantity(key, description, kind, unit, f.where(header_line(key)),
                                       part_of, exhaustive)
        return quantities

    def rates(self, entries, header_line) -> list:
        from .units import UnitError, unit_info

        f = self
        rates = []
        for n, t, line_of in entries:
            value = t.get("value")
            ok = True
            for key in ("from", "to", "source"):
                if key in t and not isinstance(t[key], str):
                    f.problem(line_of(key), f"{key!r} must be a string")
                    ok = False
            if not isinstance(value, (int, float)) or isinstance(value, bool) or not math.isfinite(value) or value <= 0:
                f.problem(line_of("value"), "rate value must be a positive finite number")
                ok = False
            try:
                as_of = parse_period(t.get("as_of")).start
            except ValueError as exc:
                f.problem(line_of("as_of"), str(exc))
                ok = False
            if ok and {"from", "to", "source"} <= t.keys():
                for key in ("from", "to"):
                    try:
                        unit_info(t[key])
                    except UnitError as exc:
                        f.problem(line_of(key), str(exc))
                rates.append(Rate(t["from"], t["to"], float(value), as_of, t["source"], f.where(header_line(n))))
        return rates

    def skips(self, entries, header_line) -> list:
        skips = []
        for n, t, line_of in entries:
            vals = [self.string(t, k, line_of) for k in ("source", "quote", "reason")]
            if None not in vals:
                skips.append(Skip(*vals, self.where(header_line(n))))
        return skips


# --- figures, validated as columns ----------------------------------------------------------------

FIGURE_STRINGS = ("id", "source", "quote", "unit", "quantity")


def _per_distinct(keys, compute):
    """compute(i) for the first row i of each distinct key, gathered back to every row."""
    if isinstance(keys, np.ndarray) and keys.dtype.kind in "iu":   # integer codes: hashed as they are
        codes, uniques = pd.factorize(keys)
    else:
        codes, uniques = pd.factorize(pd.Series(keys, dtype=object) if not isinstance(keys, pd.Series) else keys)
    # codes count up in order of first appearance: a key's first row is where the running
    # maximum of the codes rises to it (-1, a missing key, never does)
    first = np.full(len(uniques), -1, dtype=np.int64)
    if len(codes):
        running = np.maximum.accumulate(codes)
        rises = np.flatnonzero(running > np.concatenate([[-1], running[:-1]]))
        first[running[rises]] = rises
    results = [compute(int(i)) for i in first]
    return codes, results


def _hashable(value):
    return (type(value).__name__, tuple(value) if isinstance(value, list) else value)


def _only_types(values: list, *types) -> bool:
    """Whether every value is of one of `types` (exactly, not a subclass): one pass in C."""
    return set(map(type, values)) <= set(types)


def _toml_period_keys(values: list, given: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Integer keys of TOML periods that read alike: an as_of written as text by its text, any
    other (a TOML date, a wrong type) by its type and value, and a figure without one by
    `fallback` (its source's date)."""
    n = len(values)
    if _only_types(values, str):
        is_text = given
    else:
        is_text = given & np.fromiter((type(v) is str for v in values), dtype=bool, count=n)
    text_codes_, text_uniques = pd.factorize(np.array([values[i] for i in np.flatnonzero(is_text).tolist()],
                                                      dtype=object))
    others = np.flatnonzero(given & ~is_text)
    other_codes, other_uniques = pd.factorize(np.array([repr(_hashable(values[i])) for i in others.tolist()],
                                                       dtype=object))
    keys = fallback + (len(text_uniques) + len(other_uniques))
    keys[is_text] = text_codes_
    keys[others] = len(text_uniques) + other_codes
    return keys


_NOT_READ = ("not read", None, (np.nan,) * 4, None)   # _safe_reading's failure, for dropped figures


def _toml_value_keys(raw: list, quotes: list, language: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Integer keys of TOML values that read alike (-1 for a dropped figure).

    A value written as text reads the same whatever its quote: keyed by (text, language) as
    codes. Any other value (a number, read with the number in its quote; a range; a wrong type)
    by its type, value, quote if it is a number, and language.
    """
    n = len(raw)
    keys = np.full(n, -1, dtype=np.int64)
    if _only_types(raw, str):
        is_text = keep
        texts = np.asarray(raw, dtype=object)[keep]
    else:
        is_text = keep & np.fromiter((type(v) is str for v in raw), dtype=bool, count=n)
        texts = np.array([raw[i] for i in np.flatnonzero(is_text).tolist()], dtype=object)
    text_codes_, text_uniques = pd.factorize(texts)
    language_codes, language_uniques = pd.factorize(language[is_text])
    keys[is_text] = text_codes_.astype(np.int64) * max(len(language_uniques), 1) + language_codes
    others = np.flatnonzero(keep & ~is_text)
    if len(others):
        other_keys = [repr((_hashable(raw[i]), quotes[i] if type(raw[i]) in (int, float) else None, language[i]))
                      for i in others.tolist()]
        other_codes, _ = pd.factorize(np.asarray(other_keys, dtype=object))
        keys[others] = len(text_uniques) * max(len(language_uniques), 1) + other_codes
    return keys


def validate_figures(cols: dict, n: int, display: str, line_of, id_line, sources: dict, problems: list,
                     columnar: bool = False, unusable_published=frozenset()) -> pd.DataFrame:
    """Raw figure columns (lists or Series, None where a key is absent) → the figure frame.

    `line_of(i, key)` is where row i writes `key` (asked only for problems); `id_line` the
    line of every row's id. The messages are the TOML loader's, one per problem, and a row is
    dropped exactly where the TOML loader skipped a figure. Work is per column, or per
    distinct value (units, values as written, periods), never per figure where avoidable.
    """
    from .frames import figure_frame
    from .units import UnitError, unit_ids, unit_info

    def problem(i, key, message):
        problems.append(Problem(display, line_of(int(i), key) if key else int(id_line[i]), message))

    keep = np.ones(n, dtype=bool)
    column = {}
    for key in FIGURE_STRINGS:
        values = cols.get(key)
        if values is None:
            keep[:] = False
            continue
        if columnar:
            column[key] = values
            keep &= ~_empty_cells(values)
            continue
        values = values if type(values) is list else list(values)
        if _only_types(values, str):   # the usual column: every value a string, none absent
            column[key] = pd.Series(values, dtype=object)
            continue
        is_str = np.fromiter((type(v) is str for v in values), dtype=bool, count=n)
        absent = np.fromiter((v is None for v in values), dtype=bool, count=n)
        for i in np.flatnonzero(~is_str & ~absent):
            problem(i, key, f"{key!r} must be a string, not {_type_name(values[i])}")
        keep &= is_str
        # a row with a non-string here is dropped (reported above); None keeps the column hashable
        column[key] = pd.Series([v if s else None for v, s in zip(values, is_str)], dtype=object)
    raw_value = cols.get("value")
    if raw_value is None:
        keep[:] = False
        raw_value = [None] * n
    if not columnar:
        keep &= np.fromiter((v is not None for v in raw_value), dtype=bool, count=n)
    if not keep.any():
        from .frames import empty_figures

        return empty_figures()
    sids = column["source"]
    id_matches = fullmatch(column["id"], FIGURE_ID, all_text=columnar)
    # strictly increasing ids (an archive sorted by id) are distinct: no hashing of every id
    ids_increasing = columnar and _strictly_increasing(column["id"])
    ids = column["id"].to_numpy(dtype=object)
    if columnar:
        _remember_read_as(ids, column["id"])
    bad_id = keep & ~id_matches
    for i in np.flatnonzero(bad_id):
        problem(i, "id", f"figure id {ids[i]!r}: a letter or _, then letters, digits, _ (relations name figures by id)")
    kept_ids = pd.Series(ids, dtype=object, copy=False)[keep]
    dup = (pd.Series(np.zeros(len(kept_ids), dtype=bool)) if ids_increasing else
           kept_ids.duplicated(keep="first"))
    if dup.any():
        first_row = {fid: i for i, fid in zip(np.flatnonzero(keep)[::-1], kept_ids.iloc[::-1])}
        for i in np.flatnonzero(keep)[dup.to_numpy()]:
            fid = ids[i]
            problem(i, "id", f"duplicate figure id {fid!r} (first at line {int(id_line[first_row[fid]])})")
        keep[np.flatnonzero(keep)[dup.to_numpy()]] = False
    # (each temporary a million rows long is let go once used: the end of this function, with
    # every column of the frame made, is the load's peak)
    del kept_ids, dup

    def choice(key, allowed, default):
        values = cols.get(key)
        if values is None:
            return constant(default, n), np.zeros(n, dtype=bool)
        if columnar:   # per distinct value; an empty cell is an absent key
            codes, uniques = text_codes(values)
            given_u = uniques != ""
            ok_u = pd.Series(uniques, dtype=object).isin(allowed).to_numpy()
            chosen = np.where(given_u & ok_u, uniques, repeated(default, len(uniques)))
            given, ok = given_u[codes], ok_u[codes]
            for i in np.flatnonzero(keep & given & ~ok):
                problem(i, key, f"{key} {uniques[codes[i]]!r} is not one of {', '.join(allowed)}")
            return chosen[codes], given
        series = pd.Series(values, dtype=object)
        given = series.notna().to_numpy().copy()
        if columnar:   # an empty cell is an absent key
            given &= (series != "").to_numpy()
        ok = series.isin(allowed).to_numpy()
        for i in np.flatnonzero(keep & given & ~ok):
            problem(i, key, f"{key} {series.iloc[i]!r} is not one of {', '.join(allowed)}")
        return np.where(given & ok, series.to_numpy(dtype=object), repeated(default, n)), given

    qualifier, qualifier_given = choice("qualifier", QUALIFIERS, "exact")
    modality, _ = choice("modality", MODALITIES, "reported")

    units = column["unit"]
    unit_codes, distinct_units = _per_distinct(units, lambda i: units.iloc[i])
    unit_errors = [_unit_problem(u) for u in distinct_units]
    # each row's process-wide unit number, for the table (-1: no unit string, a row dropped)
    unit_id = np.append(unit_ids(distinct_units), np.int32(-1))[unit_codes]
    # which rows have a problem: per distinct value, then gathered (no pass over a million objects)
    unit_failed = np.array([e is not None for e in unit_errors] + [False], dtype=bool)[unit_codes]
    unit_errors = np.array(unit_errors + [None], dtype=object)
    for i in np.flatnonzero(keep & unit_failed):
        problem(i, "unit", unit_errors[unit_codes[i]])
    del unit_codes, unit_failed

    language_of = {sid: src.language for sid, src in sources.items()}
    # per distinct source (a missing or non-text one has the code len(sid_uniques))
    sid_codes, sid_uniques = text_codes(sids)
    source_language = np.array([language_of.get(s, "de") for s in sid_uniques] + ["de"], dtype=object)
    quotes = column["quote"]
    if columnar:
        value_high = cols.get("value_high")
        # one reading per distinct (value, value_high, language): combined as integer codes, a
        # row's language code gathered from its source's
        language_codes = pd.factorize(source_language)[0][sid_codes]
        keys = _codes(raw_value).astype(np.int64)
        for codes in ((_codes(value_high),) if value_high is not None else ()) + (language_codes,):
            keys *= int(codes.max(initial=0)) + 1
            keys += codes
        del language_codes, codes
        if value_high is not None:
            has_high = (value_high != "").to_numpy()

        # each cell asked for by its row (a categorical's by its code: no list of a million cells)
        value_list = _cells(raw_value)
        high_list = _cells(value_high) if value_high is not None else None

        def reading_at(i):
            return _columnar_reading(value_list[i], high_list[i] if high_list is not None and has_high[i] else "",
                                     source_language[sid_codes[i]])
    else:
        language = source_language[sid_codes]
        raw = raw_value if type(raw_value) is list else list(raw_value)
        quote_list = quotes.tolist()
        keys = _toml_value_keys(raw, quote_list, language, keep)

        def reading_at(i):
            if not keep[i]:   # a dropped figure: its value is never reported nor kept
                return _NOT_READ
            return _safe_reading(raw[i], quote_list[i] if isinstance(quote_list[i], str) else "", language[i])
    codes, readings = _per_distinct(keys, reading_at)
    del keys
    r_error = [r[0] for r in readings]
    r_failed = np.array([e is not None for e in r_error], dtype=bool)[codes]
    for i in np.flatnonzero(keep & r_failed):
        problem(i, "value", f"value: {r_error[codes[i]]}")
    # an unreadable value is reported and the figure kept (with "?" as 0): its other keys and
    # references are still checked
    value_text = np.array([r[1] if r[0] is None else "?" for r in readings], dtype=object)[codes]
    unreadable = reading_of_value(0)
    numbers = np.array([r[2] if r[0] is None else (unreadable.low, unreadable.high, unreadable.written_half,
                                                   unreadable.about_half) for r in readings],
                       dtype=float).reshape(-1, 4)[codes]
    read_qualifier = [r[3] if r[0] is None else "exact" for r in readings]
    hedged = np.array([q is not None and q != "exact" for q in read_qualifier], dtype=bool)[codes]
    qualifier = np.where(~qualifier_given & hedged, np.array(read_qualifier, dtype=object)[codes], qualifier)
    del codes, r_failed, hedged

    # periods: as_of as written, else the (same-file) source's publication date
    published = {sid: src.published for sid, src in sources.items()}
    as_of = cols.get("as_of")
    as_of_given = (np.zeros(n, dtype=bool) if as_of is None else
                   (as_of != "").to_numpy() if columnar else
                   np.fromiter((v is not None for v in as_of), dtype=bool, count=n))
    if as_of is not None and columnar:   # every as_of is text: per distinct value
        as_of_codes, as_of_uniques = text_codes(as_of)
    else:
        as_of_values = list(as_of) if as_of is not None else [None] * n
    # per distinct source, gathered to each figure
    src_known = np.array([s in language_of for s in sid_uniques] + [False], dtype=bool)[sid_codes]
    source_published = np.array([published.get(s, np.nan) for s in sid_uniques] + [np.nan], dtype=object)
    src_undated = np.array([published.get(s) is None for s in sid_uniques] + [True], dtype=bool)[sid_codes]
    if unusable_published:
        # the source's published date is unusable (reported there): its undated figures stay quiet
        unusable = np.array([s in unusable_published for s in sid_uniques] + [False], dtype=bool)[sid_codes]
        keep &= ~(~as_of_given & unusable)
    no_date = keep & ~as_of_given & src_known & src_undated
    for i in np.flatnonzero(no_date):
        problem(i, None, f"figure {ids[i]!r} has no as_of and its source {sids.iloc[i]!r} no published date")
    # the key of a figure's period: its as_of as written, or else its source's date, as integer codes
    published_codes, _ = pd.factorize(np.array(
        ["\x00" + str(published[s]) if s in published else "\x01" for s in sid_uniques] + ["\x01"], dtype=object))
    fallback = published_codes[sid_codes].astype(np.int64)
    if as_of is None:
        period_keys = fallback
    elif columnar:
        period_keys = np.where(as_of_given, as_of_codes, len(as_of_uniques) + fallback)
    else:
        period_keys = _toml_period_keys(as_of_values, as_of_given, fallback)

    def period_at(i):
        if as_of_given[i]:
            return _safe_period(as_of_uniques[as_of_codes[i]] if columnar else as_of_values[i])
        src_published = source_published[sid_codes[i]]
        if src_known[i] and src_published is not None and not pd.isna(src_published):
            return _safe_period(src_published)
        return _safe_period("1970")
    codes, periods = _per_distinct(period_keys, period_at)
    p_error = [p[0] for p in periods]
    p_failed = np.array([e is not None for e in p_error], dtype=bool)[codes]
    for i in np.flatnonzero(keep & as_of_given & p_failed):
        problem(i, "as_of", p_error[codes[i]])
    # a figure without a period (reported above) reads as 1970, as the loader always did
    none = _safe_period("1970")
    periods = [p if p[0] is None else none for p in periods]
    # in the frame's unit (seconds), converted per distinct period before they are gathered
    p_start = np.array([p[1] for p in periods], dtype="datetime64[D]").astype("datetime64[s]")[codes]
    p_end = np.array([p[2] for p in periods], dtype="datetime64[D]").astype("datetime64[s]")[codes]
    p_text = np.array([p[3] for p in periods], dtype=object)[codes]
    del codes, period_keys, fallback

    since = cols.get("since")
    since_given = (np.zeros(n, dtype=bool) if since is None else
                   (since != "").to_numpy() if columnar else
                   np.fromiter((v is not None for v in since), dtype=bool, count=n))
    # nobody wrote one (the common case): each column one cell, repeated
    s_start = s_end = constant(np.datetime64("NaT"), n, "datetime64[s]")
    s_text = constant(None, n)
    if since_given.any():
        s_start = np.full(n, np.datetime64("NaT"), dtype="datetime64[s]")
        s_end = s_start.copy()
        s_text = np.full(n, None, dtype=object)
        since_values = list(since)
        for i in np.flatnonzero(since_given):
            err, a, b, text = _safe_period(since_values[i])
            if err:
                if keep[i]:
                    problem(i, "since", err)
            else:
                s_start[i], s_end[i], s_text[i] = a, b, text

    # one column of "" for every text column nobody wrote
    blank = constant("", n)
    extras = {}
    for key in ("attributed_to", "note", "of", "part"):
        values = cols.get(key)
        if values is None:
            extras[key] = blank
            continue
        if columnar:
            extras[key] = _objects(values)
            continue
        values = values if type(values) is list else list(values)
        if _only_types(values, str, type(None)):   # the usual column: text where given
            out = np.array(values, dtype=object)
            out[np.fromiter((v is None for v in values), dtype=bool, count=n)] = ""
            extras[key] = out
            continue
        out = np.empty(n, dtype=object)
        for i, v in enumerate(values):
            if v is None:
                out[i] = ""
            elif type(v) is str:
                out[i] = v
            else:
                if keep[i]:
                    problem(i, key, f"{key!r} must be a string, not {_type_name(v)}")
                out[i] = ""
        extras[key] = out

    between_a, between_b = (blank, blank) if cols.get("between") is None else (repeated("", n), repeated("", n))
    between = cols.get("between")
    if between is not None:
        message = "'between' must be two figure ids: [\"before\", \"after\"]"
        between = between.tolist() if hasattr(between, "tolist") else between
        given = np.fromiter((v is not None and not (columnar and v == "") for v in between), dtype=bool, count=n)
        for i in np.flatnonzero(given).tolist():
            v = between[i]
            pair = v.split() if columnar and isinstance(v, str) else v
            if not isinstance(pair, list) or len(pair) != 2 or not all(isinstance(x, str) for x in pair):
                if keep[i]:
                    problem(i, "between", message)
                continue
            between_a[i], between_b[i] = pair

    # every row kept (the common case): the columns as they are, not gathered
    rows = slice(None) if keep.all() else np.flatnonzero(keep)
    kept = int(keep.sum())

    def at(values):
        return _rows_of(values, rows, kept)

    frame = {
        "id": ids[rows], "source": at(_objects(sids)),
        "quote": at(_objects(quotes)), "value_text": value_text[rows],
        "low": numbers[rows, 0], "high": numbers[rows, 1],
        "written_half": numbers[rows, 2], "about_half": numbers[rows, 3],
        "unit": at(_objects(units)), "unit_id": unit_id[rows], "qualifier": at(qualifier),
        "quantity": at(_objects(column["quantity"])),
        "period_start": p_start[rows], "period_end": p_end[rows], "period_text": p_text[rows],
        "file": constant(display, kept), "line": np.asarray(id_line)[rows],
        "attributed_to": at(extras["attributed_to"]), "modality": at(modality), "note": at(extras["note"]),
        "since_start": at(s_start), "since_end": at(s_end), "since_text": at(s_text),
        "of": at(extras["of"]), "part": at(extras["part"]),
        "between_a": at(between_a), "between_b": at(between_b),
    }
    out = figure_frame(frame)
    if columnar and keep.all():   # the codes arrow gave, for the reference checks (frames.column_codes)
        written = {key: cols.get(key) for key in ("source", "quantity", "unit", "of", "part")}
        if between is None:
            written["between_a"] = written["between_b"] = None
        _remember_text_codes(out, written)
    return out


def _remember_text_codes(frame: pd.DataFrame, columns: dict) -> None:
    """frames.remember_codes for each column of `columns` that is categorical (or None: a
    column nobody wrote, "" in every row)."""
    from .frames import remember_codes

    for name, values in columns.items():
        if values is None:
            remember_codes(frame, name, np.broadcast_to(np.intp(0), len(frame)), np.array([""], dtype=object))
        elif isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
            remember_codes(frame, name, values.cat.codes.to_numpy(), values.cat.categories.to_numpy(dtype=object))


def _rows_of(values: np.ndarray, rows, kept: int) -> np.ndarray:
    """values[rows] (`kept` of them): a column of one repeated cell (constant) stays one."""
    return constant(values[0], kept, values.dtype) if is_repeated(values) else values[rows]


def _objects(values) -> np.ndarray:
    """A text column (Series) as an object array: a categorical of a single value and no
    missing cell as constant() (the value once)."""
    if (isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype)
            and len(values.cat.categories) == 1 and len(values) > 1 and not values.hasnans):
        return constant(values.cat.categories[0], len(values))
    return values.to_numpy(dtype=object)


def repeated(value, n: int) -> np.ndarray:
    """An object column holding one value n times, as one shared object.

    np.full(n, "text", dtype=object) and np.where(mask, objects, "text") make a new string
    per row (through a fixed-width text array): 60 MB per million rows for a file name.
    """
    out = np.empty(n, dtype=object)
    out[:] = value
    return out


def text_codes(values) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a text column: a categorical's own, else factorized. Codes
    index the distinct values, with len(distinct) for a missing cell (never in columnar input)."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        uniques = values.cat.categories.to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(np.asarray(values, dtype=object))
        uniques = np.asarray(uniques, dtype=object)
    return np.where(codes < 0, len(uniques), codes).astype(np.intp), uniques


def _cells(values):
    """What gives values[i] (a text column) as its Python object: a categorical's codes and
    categories, else the column as a list."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype) and not values.hasnans:
        from .frames import TakenAt

        return TakenAt(values.cat.categories.to_numpy(dtype=object), values.cat.codes.to_numpy())
    return values.tolist()


def _codes(values) -> np.ndarray:
    """Integer codes of a column: a categorical's own, else factorized."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return values.cat.codes.to_numpy()
    return pd.factorize(np.asarray(values, dtype=object))[0]


def _arrow_strings(values):
    """The arrow array of an arrow-string Series, else None."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        import pyarrow as pa

        return pa.array(values.array)
    return None


def _remember_read_as(objects: np.ndarray, values) -> None:
    """Note the arrow strings an archive's id column was read as (values, an arrow-string Series)
    for its object array: the relations' name lookup reads them (frames.arrow_strings), and the
    frame keeps them in place of the Python strings (frames.keep_arrow_ids)."""
    strings = _arrow_strings(values)
    if strings is not None:
        from .frames import remember_arrow

        remember_arrow(objects, strings)


def _strictly_increasing(values) -> bool:
    """Whether an arrow-string Series is strictly increasing (so has no two equal cells),
    compared by arrow; False for any other column."""
    text = _arrow_strings(values)
    if text is None or text.null_count:
        return False
    if len(text) < 2:
        return True
    import pyarrow.compute as pc

    return bool(pc.all(pc.less(text.slice(0, len(text) - 1), text.slice(1))).as_py())


def fullmatch(values, pattern: re.Pattern, all_text: bool = False) -> np.ndarray:
    """Which values (text; anything else is False) match `pattern` whole: one arrow regex
    kernel over the column; a categorical column is matched once per distinct value."""
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.CategoricalDtype):
        return fullmatch(values.cat.categories.to_numpy(dtype=object), pattern, all_text)[values.cat.codes.to_numpy()]
    text = _arrow_strings(values)
    if text is not None:   # an arrow-string column: matched where it is (a missing cell is False)
        import pyarrow.compute as pc

        found = _byte_class_fullmatch(text, pattern)
        if found is not None:
            return found
        found = pc.match_substring_regex(text, f"^(?:{pattern.pattern.strip('^$')})$")
        return found.fill_null(False).to_numpy(zero_copy_only=False)
    values = np.asarray(values, dtype=object)
    if all_text:
        is_text, text = np.ones(len(values), dtype=bool), values
    else:
        is_text = np.fromiter((type(v) is str for v in values), dtype=bool, count=len(values))
        text = np.where(is_text, values, "")
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.match_substring_regex(pa.array(text, type=pa.string()), f"^(?:{pattern.pattern.strip('^$')})$")
    return found.to_numpy(zero_copy_only=False) & is_text


def _byte_table(characters: str) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(characters.encode("ascii"))] = True
    return table


_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_"
# the patterns of ids, as (bytes a first character may be, bytes any other may be): ASCII only,
# as in the regexes (a byte of a multi-byte character is neither)
_ID_BYTES = {FIGURE_ID.pattern: (_byte_table(_LETTERS), _byte_table(_LETTERS + "0123456789")),
             KEY_ID.pattern: (_byte_table(_LETTERS), _byte_table(_LETTERS + "0123456789.-"))}


def _byte_class_fullmatch(text, pattern: re.Pattern) -> np.ndarray | None:
    """fullmatch of an id pattern (FIGURE_ID, KEY_ID) over an arrow string array without nulls,
    by a table lookup per byte (a tenth of the time of arrow's regex kernel); None otherwise."""
    import pyarrow as pa

    tables = _ID_BYTES.get(pattern.pattern)
    if tables is None:
        return None
    first_ok, other_ok = tables
    out = []
    for chunk in (text.chunks if isinstance(text, pa.ChunkedArray) else [text]):
        got = _string_rows(chunk)
        if got is None:
            return None
        data, starts, widths = got
        ok = widths > 0
        if len(starts):
            begin, end = int(starts[0]), int(starts[-1] + widths[-1])
            bad = np.flatnonzero(~other_ok[data[begin:end]]) + begin
            # a byte's row: the last to start at or before it (an empty row starting there too comes before)
            ok[np.searchsorted(starts, bad, side="right") - 1] = False
            ok[ok] = first_ok[data[starts[ok]]]
        out.append(ok)
    return np.concatenate(out) if out else np.zeros(0, dtype=bool)


def _unit_problem(unit) -> str | None:
    from .units import UnitError, unit_info

    try:
        unit_info(unit)
    except UnitError as exc:
        return str(exc)
    return None


def _safe_reading(raw, quote, language):
    """(error, value text, (low, high, written half, about half), qualifier of the reading)."""
    kind = type(raw)
    if kind is str:
        return _safe_string_reading(raw, language)
    if kind is int or kind is float:
        return _safe_number_reading(raw, quote, language)
    if kind is list and _only_types(raw, str, int, float):
        # a range reads alike wherever it is written (its quote is not read): the key keeps
        # each end's type, as [5, 6] and [5.0, 6.0] are written differently
        return _safe_range_reading(tuple((type(end), end) for end in raw), language)
    return _safe_reading_uncached(raw, quote, language)


@functools.lru_cache(maxsize=65536)
def _safe_range_reading(ends: tuple, language: str):
    return _safe_reading_uncached([end for _, end in ends], "", language)


@functools.lru_cache(maxsize=65536, typed=True)   # typed: 5 and 5.0 are written differently
def _safe_number_reading(raw, quote: str, language: str):
    # a number reads with the number in its quote: the same number, quote and language read alike
    return _safe_reading_uncached(raw, quote, language)


@functools.lru_cache(maxsize=65536)
def _safe_string_reading(raw: str, language: str):
    # a value written as a string reads the same in every file: read it once per process
    return _safe_reading_uncached(raw, "", language)


def _safe_reading_uncached(raw, quote, language):
    try:
        text, reading = _figure_reading(raw, quote, language)
    except NumberReadError as exc:
        return str(exc), None, (np.nan,) * 4, None
    return None, text, (reading.low, reading.high, reading.written_half, reading.about_half), reading.qualifier


@functools.lru_cache(maxsize=65536)
def _read_text(text: str, language: str):
    """read_value once per (text, language): the Reading, or the reason it cannot be read."""
    plain = _plain_reading(text, language)
    if plain is not None:
        return plain
    try:
        return read_value(text, language)
    except NumberReadError as exc:
        return str(exc)


def _value_reading(text: str, language: str):
    """read_value(text, language), by _plain_reading where it reads the text."""
    plain = _plain_reading(text, language)
    return plain if plain is not None else read_value(text, language)


# An archive's values are mostly one number in the usual digits of "de" or "en", alone or with a
# scale word: "127,2 Millionen", "590,000", "1.5 billion". Those are read here by the reader's own
# digit and scale rules (numbers.digit_reading, numbers._scaled) without its tokenizer, scanner
# and babel's parser (most of read_value's time). Anything else, or anything these rules refuse,
# goes to read_value. tests/test_plain_readings.py checks this against read_value.
_PLAIN_WORD = r"(?: ([^\W\d_]{2,12}))?"   # a scale word after one space
_PLAIN_VALUE = re.compile(r"(\d{1,15}(?:[.,]\d{1,15})*)" + _PLAIN_WORD)
_PLAIN_DIGITS = {   # (language, token shape) → decimal mark or "" (an integer, group marks dropped)
    "de": ((re.compile(r"\d{1,15}"), ""), (re.compile(r"[1-9]\d{0,2}(?:\.\d{3}){1,4}"), ""),
           (re.compile(r"\d{1,12},\d{1,6}"), ",")),
    "en": ((re.compile(r"\d{1,15}"), ""), (re.compile(r"[1-9]\d{0,2}(?:,\d{3}){1,4}"), ""),
           (re.compile(r"\d{1,12}\.\d{1,6}"), ".")),
}


def _plain_shapes(shapes) -> tuple[re.Pattern, tuple]:
    """(_PLAIN_VALUE whose number has one of `shapes`, each shape's decimal mark): one match
    says which shape, the first of them in order, the number has (the alternatives are tried in
    order, and the number's end is fixed: a space or the text's end follows it)."""
    alternatives = "|".join(f"({shape.pattern})" for shape, _ in shapes)
    return re.compile(f"(?:{alternatives}){_PLAIN_WORD}"), tuple(mark for _, mark in shapes)


_PLAIN_SHAPES = {language: _plain_shapes(shapes) for language, shapes in _PLAIN_DIGITS.items()}


@functools.cache
def _numbers_module():
    from . import numbers

    return numbers


def _plain_reading(text: str, language: str):
    """read_value(text, language) for a plain number with an optional scale word in "de" or
    "en"; None for anything else (read by read_value)."""
    plain = _PLAIN_SHAPES.get(language)
    if plain is None:
        return None
    pattern, marks = plain
    m = pattern.fullmatch(text)
    if m is None:
        return None
    *tokens, word = m.groups()
    for token, mark in zip(tokens, marks):   # the first shape the number takes
        if token is not None:
            break
    numbers = _numbers_module()
    if mark:
        whole, _, fraction = token.partition(mark)
        value, decimals = float(whole + "." + fraction), len(fraction)
    else:
        value, decimals = float(token.replace(".", "").replace(",", "")), 0
    written, about = numbers.digit_reading(value, decimals)
    if word is not None:
        scale = numbers.SCALES[language].get(word.lower())
        if scale is None or word.lower() == "m":   # another word, or "m" (metres unless "$5m")
            return None
        value, written, about = numbers._scaled((value, written, about, decimals, 0), scale)
    return numbers.Reading(value, value, written, about, "exact", text, 0, len(text))


def _columnar_reading(value: str, high: str, language: str):
    """_safe_reading of a columnar value: `value`, or [value, high] when `high` is given; each
    text is read once, whether it is a value or a range's end."""
    failed = (np.nan,) * 4
    if not high:
        r = _read_text(value, language)
        if isinstance(r, str):
            return r, None, failed, None
        return None, value, (r.low, r.high, r.written_half, r.about_half), r.qualifier
    ends = []
    for item in (value, high):   # as _figure_reading reads a [low, high] of strings
        r = _read_text(item, language)
        if isinstance(r, str):
            return r, None, failed, None
        if r.is_range:
            return f"range end {item!r} is itself a range", None, failed, None
        ends.append(r.low)
    low, high_end = ends
    if low > high_end:
        return f"range low {low:g} > high {high_end:g}", None, failed, None
    from .numbers import Reading

    return None, f"[{value}, {high}]", (low, high_end, 0.0, 0.0), Reading(low, high_end, 0.0, 0.0, is_range=True).qualifier


def _safe_period(value):
    if type(value) is str:
        return _safe_period_text(value)
    return _safe_period_uncached(value)


@functools.lru_cache(maxsize=65536)
def _safe_period_text(value: str):
    return _safe_period_uncached(value)


def _safe_period_uncached(value):
    try:
        p = parse_period(value)
    except ValueError as exc:
        return str(exc), None, None, None
    return None, p.start, p.end, p.text


# --- relations, validated as columns ----------------------------------------------------------

def validate_relations(cols: dict, n: int, display: str, line_of, id_line, problems: list,
                       columnar: bool = False, grouped=None, objects=None) -> tuple[list, pd.DataFrame]:
    """Raw relation columns → the relation frame (id, source, expr, quote, note, file, line,
    syntax checked per shape). `grouped`: group_relations(cols["expr"], arrow_names=True)
    when the reader has it, used if every row is kept; `objects`: {key: cols[key].to_numpy(dtype=object)}
    for the columns the reader has made so."""
    def problem(i, key, message):
        problems.append(Problem(display, line_of(int(i), key), message))

    keep = np.ones(n, dtype=bool)
    column = {}
    for key, required in (("id", True), ("source", True), ("expr", True), ("quote", False), ("note", False)):
        values = cols.get(key)
        if values is None:
            if required:
                keep[:] = False
            column[key] = constant("", n)
            continue
        if columnar:
            made = (objects or {}).get(key)
            if made is None and key == "expr" and _arrow_strings(values) is not None:
                made = values.array   # an archive's expressions stay arrow strings (relation_frame)
            column[key] = made if made is not None else _objects(values)
            if key == "id":
                _remember_read_as(column[key], values)
            if required:
                keep &= ~_empty_cells(values)
            continue
        values = list(values)
        out = np.empty(n, dtype=object)
        for i, v in enumerate(values):
            if v is None:
                out[i] = ""
                if required:
                    keep[i] = False
            elif type(v) is str:
                out[i] = v
            elif key == "note":
                out[i] = v or ""   # as before: a note is only kept, never read
            else:
                problem(i, key, f"{key!r} must be a string, not {_type_name(v)}")
                keep[i] = False
        column[key] = out
    ids = pd.Series(column["id"], dtype=object)
    # an archive's ids matched as the arrow strings they were read as
    bad = keep & ~fullmatch(cols["id"] if columnar else ids, KEY_ID, all_text=columnar)
    for i in np.flatnonzero(bad):
        problem(i, "id", f"relation id {ids.iloc[i]!r}: letters, digits, _ . - only")
    if columnar and keep.all():   # every id is text here: no missing ones to leave out
        # strictly increasing ids (an archive sorted by id) are distinct: no hashing of every id
        dup = (np.zeros(n, dtype=bool) if _strictly_increasing(cols["id"]) else
               ids.duplicated(keep="first").to_numpy())
    else:
        dup = keep & ids.where(keep).duplicated(keep="first").to_numpy() & ids.notna().to_numpy()
    if dup.any():
        first_row = {}
        for i in np.flatnonzero(keep):
            first_row.setdefault(ids.iloc[i], i)
        for i in np.flatnonzero(dup):
            problem(i, "id", f"duplicate relation id {ids.iloc[i]!r} (first at line {int(id_line[first_row[ids.iloc[i]]])})")
        keep &= ~dup
    # syntax, per shape: a relation that does not parse is reported where its expr is written
    from .relations import group_relations

    from .relations import filter_groups

    rows = np.flatnonzero(keep)
    groups = []
    if len(rows):
        every = columnar and keep.all()
        exprs = cols["expr"] if every else pd.Series(np.asarray(column["expr"], dtype=object)[rows], dtype=object)
        groups, syntax = grouped if every and grouped is not None else group_relations(exprs, arrow_names=columnar)
        parsed = np.ones(len(rows), dtype=bool)
        for k, message in sorted(syntax.items()):
            i = rows[k]
            problem(i, "expr", f"relation {column['id'][i]!r}: {message}")
            keep[i] = False
            parsed[k] = False
        groups = filter_groups(groups, parsed)
        rows = np.flatnonzero(keep)
    kept = len(rows)
    if kept == n:   # every row kept (the common case): the columns as they are, not gathered
        rows = slice(None)
    elif not isinstance(column["expr"], np.ndarray):
        column["expr"] = np.asarray(column["expr"], dtype=object)
    frame = relation_frame({
        "id": _rows_of(column["id"], rows, kept), "source": _rows_of(column["source"], rows, kept),
        "expr": column["expr"][rows], "quote": _rows_of(column["quote"], rows, kept),
        "note": _rows_of(column["note"], rows, kept), "file": constant(display, kept),
        "line": np.asarray(id_line)[rows],
    })
    if columnar and kept == n:   # the codes arrow gave, for the reference checks
        _remember_text_codes(frame, {"source": cols.get("source")})
    return groups, frame


def _empty_cells(values: pd.Series) -> np.ndarray:
    """values == "" for a columnar text column, compared once per category of a categorical
    and by arrow for arrow strings (a Python comparison per cell costs 20 ms a million)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        # compared, not looked up: get_indexer would build a hash table of every category
        empty = np.flatnonzero(values.cat.categories.to_numpy(dtype=object) == "")   # none: no "" (a missing cell is -1)
        if not len(empty):
            return np.zeros(len(values), dtype=bool)
        return values.cat.codes.to_numpy() == empty[0]
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        import pyarrow as pa
        import pyarrow.compute as pc

        return pc.equal(pa.array(values.array), "").fill_null(False).to_numpy(zero_copy_only=False)
    return values.to_numpy(dtype=object) == ""


def relation_frame(columns: dict) -> pd.DataFrame:
    """The relation frame: text columns as object arrays, but for an archive's expressions, kept
    as the arrow strings they were read as (an ExtensionArray)."""
    return pd.DataFrame({c: (np.asarray(v, dtype=np.int64) if c == "line" else
                             pd.Series(v, copy=False) if isinstance(v, pd.api.extensions.ExtensionArray) else
                             pd.Series(np.asarray(v, dtype=object), dtype=object, copy=False))
                         for c, v in columns.items()}, copy=False)


def empty_relations() -> pd.DataFrame:
    return relation_frame({c: [] for c in ("id", "source", "expr", "quote", "note", "file", "line")})


# --- one TOML file ----------------------------------------------------------------------------

def parse_file(path: Path, display: str, text: str | None = None) -> Part:
    """One figures file → its Part (cacheable: depends only on the file's bytes and path)."""
    f = _FileLoader(path, display, text)
    for key in sorted(f.data.keys() - TOP_LEVEL):
        f.problem(_top_key_line(f.text, key), f"unknown top-level key {key!r} (allowed: {', '.join(sorted(TOP_LEVEL))})")
    e = Entries(display, path.parent)
    e.problems = problems = f.problems     # one list: LoadError sorts them by file and line
    sources, file_lines = e.sources(f.entries("source"))
    quantities = e.quantities(f.entries("quantity"), lambda key: f.lines.table("quantity", key))

    def columns_of(kind, keys):
        names, tables, present = f.tables(kind)
        # a key no table has is left out (None): validate_* read that as absent everywhere
        cols = {k: list(map(dict.get, tables, itertools.repeat(k))) for k in keys if k in present}
        key_line = f.lines.key

        def line_of(i, key):
            return key_line(kind, names[i], key)
        id_line = f.lines.key_lines(kind, names, "id")
        return cols, len(tables), line_of, id_line

    required, optional = KEYS["figure"]
    cols, n, line_of, id_line = columns_of("figure", required | optional)
    figures = validate_figures(cols, n, display, line_of, id_line, sources, problems,
                               unusable_published=e.unusable_published)
    required, optional = KEYS["relation"]
    cols, n, line_of, id_line = columns_of("relation", required | optional)
    relation_groups, relations = validate_relations(cols, n, display, line_of, id_line, problems)
    rates = e.rates(f.entries("rate"), lambda n: f.lines.table("rate", n))
    skips = e.skips(f.entries("skip"), lambda n: f.lines.table("skip", n))
    return Part(sources, quantities, figures, relations, rates, skips, problems, file_lines, relation_groups)


SOURCE_FIELDS = tuple(f.name for f in dataclasses.fields(Source))


SLOW_READ_SECONDS = 100e-6   # per file: a cached small file takes ~10 µs


def _read_bytes(path: str, size: int = 1 << 16):
    """(the file's bytes, None), or (None, the error open() or read() raised): with os.open
    and os.read, which skip the file object (a third of the time for a small file)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))   # Windows: no newline translation
    except (OSError, ValueError) as exc:   # ValueError: "embedded null byte"
        return None, exc
    try:
        data = os.read(fd, size)
        if len(data) == size:   # more to come
            chunks = [data]
            while chunk := os.read(fd, size):
                chunks.append(chunk)
            data = b"".join(chunks)
        return data, None
    except OSError as exc:     # a folder opens, but reads as "Is a directory"
        return None, exc
    finally:
        os.close(fd)


def read_source_texts(part: Part, display_of_part: str) -> tuple[dict, list]:
    """The sources of a part with their texts read, and the problems reading them."""
    if part.texts is not None:   # being read since the part's sources were known
        return part.texts()
    return source_texts(part.sources, part.source_file_lines)


def _uncached(paths) -> bool | None:
    """Whether any of these files' first bytes would be read from the disk rather than the
    page cache (a read that must not wait says so: RWF_NOWAIT, Linux); None where the system
    cannot tell. Files that cannot be opened do not count."""
    nowait = getattr(os, "RWF_NOWAIT", None)
    if nowait is None or not hasattr(os, "preadv"):
        return None
    byte = bytearray(1)
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except (OSError, ValueError):
            continue
        try:
            os.preadv(fd, [byte], 0, nowait)
        except BlockingIOError:
            return True
        except OSError:     # a file system that does not know the flag, a folder
            if not os.path.isfile(path):
                continue
            return None
        finally:
            os.close(fd)
    return False


def source_texts(sources: dict, file_lines: dict) -> tuple[dict, list]:
    """(sources with their texts read, the problems reading them); `file_lines`: where each
    source's `file` is written, where it differs from the source's own line. The texts are kept
    as their UTF-8 bytes in one TextStore (model.py: a forked text worker reads them there
    without copying them), checked as UTF-8 there, batch by batch as the files are read."""
    from concurrent.futures import ThreadPoolExecutor

    read = _read_bytes
    # many small files. From the page cache, one thread reads them fastest (threads only add
    # switching: 0.25 s of CPU for 25k files, 0.85 s with 8 threads); from a slow disk, reading
    # releases the GIL and a few threads overlap the waits. The first files tell which it is.
    items = list(sources.items())
    paths = [src.path for _, src in items]
    probe = paths[:256]
    started = time.perf_counter()
    contents = [read(p) for p in probe]
    rest = paths[len(probe):]
    slow = _uncached(rest[::max(1, len(rest) // 32)][:32]) if rest else False
    if slow is None:
        # the system cannot tell: the probe's time, which also counts waiting for the GIL while
        # another thread holds it (and so may take the cache for a slow disk)
        slow = (time.perf_counter() - started) / len(probe) > SLOW_READ_SECONDS
    texts = _TextBatches()
    texts.extend(contents)
    del contents
    if slow:
        # each thread reads a slice (a future per file costs more than reading a small file)
        slices = [rest[k::8] for k in range(8)]
        with ThreadPoolExecutor(max_workers=8) as pool:
            read_slices = list(pool.map(lambda some: [read(p) for p in some], slices))
        threaded = [None] * len(rest)
        for k, got in enumerate(read_slices):
            threaded[k::8] = got
        del read_slices
        texts.extend(threaded)
        del threaded
    else:
        for p in rest:
            texts.add(read(p))
    store, errors = texts.finish()
    problems = []
    out = {}
    fields_of, text_at = operator.attrgetter(*SOURCE_FIELDS), SOURCE_FIELDS.index("text")
    for k, ((sid, src), error) in enumerate(zip(items, errors)):
        line = file_lines.get(sid, src.where.line)
        try:
            if error is not None:
                raise error
        except FileNotFoundError:
            problems.append(Problem(src.where.file, line, f"source file {src.file!r} not found (looked at {src.path})"))
        except UnicodeDecodeError:
            problems.append(Problem(src.where.file, line, f"source file {src.file!r} is not UTF-8"))
        except OSError as exc:
            problems.append(Problem(src.where.file, line, f"source file {src.file!r} cannot be read: {exc.strerror or exc}"))
        except ValueError:  # the OS cannot even name it: "embedded null byte"
            problems.append(Problem(src.where.file, line, f"source file {src.file!r} is not a valid path"))
        # replace(src, text=...), without its introspection per source; a file not read: ""
        fields = list(fields_of(src))
        fields[text_at] = StoredText(store, k)
        out[sid] = StoredSource(*fields)
    return out, problems


class _TextBatches:
    """Files' bytes gathered into a TextStore: every _TEXT_BATCH files become one arrow array
    (checked as UTF-8 in C), so that the bytes of every file are never held twice at once. A
    file not read, or not UTF-8, stands as "" and its error is kept."""

    def __init__(self):
        self.arrays, self.lengths, self.errors, self.pending = [], [], [], []

    def add(self, got) -> None:
        data, error = got
        self.pending.append(b"" if data is None else data)
        self.errors.append(error)
        if len(self.pending) >= _TEXT_BATCH:
            self._flush()

    def extend(self, contents) -> None:
        for got in contents:
            self.add(got)

    def _flush(self) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        batch, self.pending = self.pending, []
        if not batch:
            return
        array = _string_array(batch)
        try:
            array.validate(full=True)      # UTF-8 (and offsets) checked in C
        except pa.ArrowInvalid:            # some file is not UTF-8: Python's decoder names it
            base = len(self.errors) - len(batch)
            for k, data in enumerate(batch):
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    batch[k] = b""
                    self.errors[base + k] = exc
            array = _string_array(batch)
        self.arrays.append(array)
        # the lengths in characters too, here in the reading thread (arrow counts without the GIL)
        self.lengths.append(np.asarray(pc.utf8_length(array).to_numpy(), dtype=np.int64))

    def finish(self) -> tuple[TextStore, list]:
        import pyarrow as pa

        self._flush()
        lengths = np.concatenate(self.lengths) if self.lengths else np.zeros(0, dtype=np.int64)
        return TextStore(pa.chunked_array(self.arrays, type=pa.large_string()), lengths), self.errors


_TEXT_BATCH = 1024


def _string_array(batch: list[bytes]):
    """The files' bytes as one arrow large_string array over the bytes joined (exactly their
    size, held by the array: no builder's grown buffers in arrow's pool), not yet checked."""
    import pyarrow as pa

    offsets = np.zeros(len(batch) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, batch), np.int64, len(batch)), out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(batch), pa.py_buffer(offsets), pa.py_buffer(b"".join(batch)))


def load_file(path: Path, display: str, about_margin: float = 1.0):
    """One file → (sources, quantities, figures, relations, rates, skips, problems)."""
    from .frames import FigureFrame, RelationFrame

    part = parse_file(path, display)
    sources, problems = read_source_texts(part, display)
    return (sources, part.quantities, FigureFrame(part.figures), RelationFrame(part.relations),
            part.rates, part.skips, part.problems + problems)


def _top_key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if re.match(rf"^\s*\[*\s*{re.escape(key)}\b", line) or re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return 1


def read_part(path: Path, display: str, use_cache: bool = True) -> Part:
    """A file or archive → its Part: from the parse cache when the bytes are unchanged."""
    if is_columnar(path):
        from .columnar import read_archive

        return read_archive(path, display)
    cache = _open_cache(use_cache)
    part = _cached_part(path, display, cache)
    return part if part is not None else _parse_and_store(path, display, cache)


def _open_cache(use_cache: bool):
    if not use_cache:
        return None
    from . import cache as cache_module

    return cache_module.open_cache()


def _cached_part(path: Path, display: str, cache) -> Part | None:
    """The file's Part from the parse cache, if its bytes were parsed before; None if not.

    A file noted by its status (figcheck.cache.file_status) is not read: its note names the
    entry of its bytes. Any other is read and hashed, and noted once its times are settled."""
    if cache is None:
        return None
    resolved, status, known = cache.noted_key(path, display)
    part = cache.get(known) if known is not None else None
    if isinstance(part, Part):
        return part
    data = read_toml_bytes(path, display)
    key = cache.key(resolved, display, data)
    part = cache.get(key)
    if not isinstance(part, Part):
        return None
    _note(cache, path, resolved, display, status, key)
    return part


def _note(cache, path: Path, resolved: str, display: str, status, key: str) -> None:
    """Note that the file with `status` (taken before its bytes were read) has the entry `key`,
    if its times are settled and its status did not move while it was read."""
    from . import cache as cache_module

    if cache_module.settled(status) and cache_module.file_status(path) == status:
        cache.note_key(cache.stat_key(resolved, display, status), key)


def _parse_and_store(path: Path, display: str, cache, payload: bool = False):
    """Parse a figures file and store its Part in the cache; with `payload`, return the
    pickled Part (as the cache stores it) instead of the Part."""
    from . import cache as cache_module

    status = cache_module.file_status(path) if cache is not None else None
    data = read_toml_bytes(path, display)
    part = parse_file(path, display, decode_toml(data, display))
    if cache is None and not payload:
        return part
    if cache is not None:
        part.figures, part.relations = share_equal_strings(part.figures), share_equal_strings(part.relations)
    pickled = cache_module.dumps(dataclasses.replace(part, relation_groups=arrow_name_leaves(part.relation_groups)))
    if cache is not None:
        resolved = str(path.resolve())
        key = cache.key(resolved, display, data)
        cache.put_payload(key, pickled)
        _note(cache, path, resolved, display, status, key)
    return pickled if payload else part


def arrow_name_leaves(groups: list) -> list:
    """The groups with each column of names (figure ids, units) as an arrow string array, as an
    archive's groups hold them: a cache entry or a worker's Part then carries the names as one
    buffer each, not a Python string per name (two per relation), which load() only turned
    into arrow again to look them up among the figure ids (_check_relation_names)."""
    import pyarrow as pa

    from .relations import ShapeGroup

    out = []
    for g in groups:
        leaves = [pa.array(leaf, type=pa.string())
                  if isinstance(leaf, np.ndarray) and leaf.dtype == object and all(type(x) is str for x in leaf)
                  else leaf for leaf in g.leaves]
        out.append(ShapeGroup(g.tree, g.rows, leaves, g.positions))
    return out


def share_equal_strings(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with equal strings of each text column as one object (the TOML parser makes
    one per row): a cache entry then holds each once, unpickles in half the time, and a warm
    load keeps a few hundred strings of a column where it kept one per figure."""
    columns, changed = {}, False
    for c in frame.columns:
        values = frame[c].to_numpy()
        if values.dtype == object and len(values) and not is_repeated(values):   # (one string already)
            try:
                codes, uniques = pd.factorize(values)
            except TypeError:   # an unhashable value (a note may be anything): kept as it is
                uniques = ()
            if 0 < len(uniques) < len(values) and all(type(u) is str for u in uniques):
                shared = np.asarray(uniques, dtype=object)[codes]
                missing = codes < 0
                shared[missing] = values[missing]   # None stays None
                values, changed = shared, True
            columns[c] = pd.Series(values, dtype=object, copy=False)
        else:
            columns[c] = frame[c]
    return pd.DataFrame(columns, index=frame.index, copy=False) if changed else frame


# Parsing files in worker processes pays when there is enough to parse: a worker costs a fork
# and its Part a pickle on the way back.
PARALLEL_MIN_BYTES = 4 << 20


def _parse_in_worker(job):
    """Run in a worker process: (path, display, use_cache) → ("part", pickled Part) or
    ("problems", [Problem]). A LoadError does not pickle as itself: its problems do."""
    path, display, use_cache = job
    try:
        return "part", _parse_and_store(path, display, _open_cache(use_cache), payload=True)
    except LoadError as exc:
        return "problems", exc.problems


def _workers() -> int:
    """How many processes parse files: FIGCHECK_JOBS if set, else the CPUs this process may use."""
    from .workers import usable_cpus

    configured = os.environ.get("FIGCHECK_JOBS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return usable_cpus()


def read_parts(items, use_cache: bool = True, progress=None, parsed: list | None = None) -> list:
    """Each (path, display) → its Part, or the LoadError that stops it, in the order given.

    Parts come from the parse cache where the bytes were parsed before; the other figures files
    are parsed here and, when there are several and enough bytes, also by worker processes (one
    per further CPU), each file whole by one process. Either way each file's Part is the same.
    """
    def done():
        if progress is not None:
            progress.advance()

    cache = _open_cache(use_cache)
    results: list = [None] * len(items)
    todo = []
    for k, (path, display) in enumerate(items):
        try:
            if is_columnar(path):
                results[k] = read_part(path, display, use_cache)
            else:
                results[k] = _cached_part(path, display, cache)
        except LoadError as exc:
            results[k] = exc
        if results[k] is None:
            todo.append(k)
        else:
            done()
    if parsed is not None:   # the files not found in the cache
        parsed.extend(todo)
    workers = min(_workers(), len(todo)) - 1
    if workers > 0 and sum(_size(items[k][0]) for k in todo) >= PARALLEL_MIN_BYTES:
        _parse_with_workers(items, todo, results, workers, use_cache, cache, done)
    else:
        for k in todo:
            results[k] = _parse_here(items[k], cache)
            done()
    return results


def _parse_here(item, cache):
    path, display = item
    try:
        return _parse_and_store(path, display, cache)
    except LoadError as exc:
        return exc


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except (OSError, ValueError):
        return 0


def _parse_with_workers(items, todo, results, workers, use_cache, cache, done) -> None:
    """Parse the files at `todo`: the workers take them from the front, this process from the
    back (so it is never idle, and its own Parts need no pickling), until they meet."""
    import multiprocessing
    import pickle
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    from .workers import may_fork_workers, quiet_worker

    # pint's registry is not built for the workers: the usual units come from figcheck's table
    # (units.unit_info), and building it here (~0.5 s) would only hold back their start
    futures = {}
    pool = None
    if may_fork_workers():
        try:
            # fork: a worker starts with the loaded modules, not from scratch
            pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                       initializer=quiet_worker)
        except (OSError, ValueError):   # ValueError: no fork on this platform
            pool = None
    try:
        if pool is not None:
            for k in todo:
                futures[k] = pool.submit(_parse_in_worker, (*items[k], use_cache))
        for k in reversed(todo):
            if k in futures and not futures[k].cancel():
                break   # a worker has it: the workers have the rest
            results[k] = _parse_here(items[k], cache)
            done()
        for k in todo:
            if results[k] is not None:
                continue
            try:
                kind, value = futures[k].result()
                results[k] = pickle.loads(value) if kind == "part" else LoadError(value)
            except (OSError, BrokenProcessPool):   # a worker died: its files are parsed here
                results[k] = _parse_here(items[k], cache)
            done()
    except (OSError, BrokenProcessPool):   # processes cannot be started: everything is parsed here
        for k in todo:
            if results[k] is None:
                results[k] = _parse_here(items[k], cache)
                done()
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def read_toml_bytes(path: Path, display: str) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError([Problem(display, 1, "file not found")]) from None
    except OSError as exc:
        raise LoadError([Problem(display, 1, f"cannot read: {exc.strerror or exc}")]) from None
    return data


def decode_toml(data: bytes, display: str) -> str:
    if not data.strip():
        raise LoadError([Problem(display, 1, "empty figures file")])
    try:
        # utf-8-sig: editors on Windows save a byte-order mark, which tomllib calls a syntax error
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadError([Problem(display, line, f"not UTF-8 (byte 0x{data[exc.start]:02x})")]) from None


def load(paths, about_margin: float = 1.0, use_cache: bool = True, progress=None, ready=None) -> Corpus:
    """Load and validate figures files (TOML) and archives (CSV/Parquet); raise LoadError
    listing every problem. Figures and relations stay columns (figcheck.frames). An unchanged
    set of figures files loaded before comes whole from the parse cache (Joined).

    `ready(corpus)`, if given, is called with the corpus this returns as soon as everything is
    read, before the references between the files are checked: work that needs only the corpus
    (the text worker) can begin while they are. Those checks only report; if they find a
    problem, this raises after `ready` was called."""
    from .frames import FigureFrame, QuantityFrame, RelationFrame, empty_figures, join_frames, keep_arrow_ids
    from .relations import filter_groups, merge_groups

    items = [(Path(p), display_path(Path(p))) for p in paths]
    cache = _open_cache(use_cache)
    named = early = None
    if cache is not None:
        from . import readahead

        # the entry's name, and its pieces if there is one, found while figcheck imported
        early = readahead.joined(items, cache)
        named = early.named if early is not None else cache.joined_name(items)
    corpus = _load_joined(cache, named, ready, early) if named is not None else None
    if corpus is not None:
        if progress is not None:
            progress.advance(len(items))
        return corpus
    problems: list[Problem] = []
    sources, quantities = {}, {}
    figure_parts, relation_parts, group_parts, quantity_parts = [], [], [], []
    rates, skips, files = [], [], []
    key_lines = KeyLines()
    for path, display in items:
        files.append(display)
        if not is_columnar(path):
            key_lines.add(display, path)
    read = []   # (display, part) of each input read
    parsed: list[int] = []
    for (path, display), part in zip(items, read_parts(items, use_cache, progress, parsed)):
        if isinstance(part, LoadError):
            problems.extend(part.problems)
            continue
        read.append((display, part))
        problems.extend(part.problems)
        quantity_parts.append(part.quantities)
        for table, new, what in ((sources, part.sources, "source"), (quantities, part.quantities, "quantity")):
            if what == "quantity" and len(items) == 1:   # one input: its keys are distinct, no merge
                continue
            for key, item in new.items():
                if key in table:
                    problems.append(Problem(item.where.file, item.where.line,
                                            f"duplicate {what} {key!r} (also at {table[key].where})"))
                else:
                    table[key] = item
        figure_parts.append(part.figures)
        relation_parts.append(part.relations)
        group_parts.append(part.relation_groups)
        rates.extend(part.rates)
        skips.extend(part.skips)

    # what reading and checking each input freed goes back before the references are checked
    give_back_free_memory()
    if len(items) == 1 and quantity_parts:   # an archive's QuantityFrame as it is (no record per quantity)
        quantities = quantity_parts[0] if isinstance(quantity_parts[0], QuantityFrame) else dict(quantity_parts[0])
    if not figure_parts:   # every file unreadable: nothing to concatenate
        figures, relations = empty_figures(), empty_relations()
    else:
        # cached parts are columns (frames.FrameColumns), joined without a frame per file
        figures, relations = join_frames(figure_parts), join_frames(relation_parts)
    # every relation parsed in its file, grouped by shape there: the groups of the corpus are
    # those of its files, renumbered
    offsets = np.cumsum([0] + [len(r) for r in relation_parts])
    groups = merge_groups(list(zip(group_parts, offsets)))
    if len(figure_parts) > 1:   # within one input, ids are already unique (validate_*)
        figures, relations, kept = _cross_file(figures, relations, problems, "figure", "relation")
    else:
        kept = np.ones(len(relations), dtype=bool)
    groups = filter_groups(groups, kept)
    # arrow looks the relations' names up among the figure ids in a thread, without the GIL,
    # while this one reads the texts and checks the other references
    name_positions = (_early_name_positions(read, groups, len(figures))
                      or _in_thread(_name_lookup(groups, figures["id"].to_numpy(dtype=object))))
    untexted = dict(sources)
    problems.extend(_read_texts(read, sources))
    corpus = Corpus(tuple(files), sources, quantities, FigureFrame(figures),
                    RelationFrame(relations, groups), tuple(rates), tuple(skips))
    # the lookup's thread is done before `ready` may fork: a child gets only the forking thread
    found = name_positions()
    # an archive's ids are kept as arrow read them, their Python strings given back with the rest
    keep_arrow_ids(figures)
    keep_arrow_ids(relations)
    if ready is not None and not problems:
        # what reading freed goes back to the system first: a forked worker would share it, and
        # each page this process then reused would be copied for it
        give_back_free_memory()
        ready(corpus)
    problems.extend(_check_references(figures, relations, sources, quantities, rates, skips, key_lines))
    problems.extend(_check_relation_names(relations, groups, figures, key_lines, found=found))
    if problems:
        raise LoadError(problems)
    # a whole load is kept once every file came from the cache: a run that parsed a file (the
    # first, or the one after an edit) does not also pay for writing it (~2-3 s at 1M figures)
    if cache is not None and not parsed:
        # the files' notes this load wrote count: a file hashed here is now noted
        _store_joined(cache, named or cache.joined_name(items), corpus, untexted, read)
    give_back_free_memory()
    return corpus


def _read_texts(read: list, sources: dict) -> list[Problem]:
    """Read the texts of the sources of each (display, part) read into `sources`; the problems."""
    problems = []
    for display, part in read:
        texts, text_problems = read_source_texts(part, display)
        problems.extend(text_problems)
        for key, source in texts.items():
            if sources.get(key) is part.sources[key]:   # the part's own (not a duplicate's)
                sources[key] = source
    return problems


@dataclass
class Joined:
    """What a load of several figures files made of them, without the texts: kept in the parse
    cache beside the files' own entries (ParseCache.joined_name), so that a warm load of an
    unchanged set of files unpickles one entry and skips joining the files and checking
    references between them (a million figures in 540 files: 2.4 s instead of 7.3 s on a busy
    machine). Texts are read on every load, as always: in a thread, from the entry's head
    (JoinedSources), while the rest is read and its signature checked (without the GIL), unless
    figcheck.readahead read and checked it already. Writing one costs ~2-3 s at 1M
    figures: a load that had to parse a file does not also write it."""

    quantities: object    # a frames.QuantityFrame (or a dict of Quantity)
    figures: pd.DataFrame
    relations: pd.DataFrame
    groups: list
    rates: tuple
    skips: tuple


@dataclass
class JoinedSources:
    """The head of a whole load's entry: what reading the texts needs."""

    files: tuple
    text_parts: list      # (display, a Part holding only its sources and where their files are written)
    sources: dict         # the corpus's sources before their texts are read (the parts' own objects)


def _store_joined(cache, named, corpus: Corpus, untexted: dict, read: list) -> None:
    from .frames import QuantityFrame, cells

    if named is None or len(read) < 2:  # one file's own entry is already the whole load
        return
    text_parts = [(display, Part(part.sources, {}, None, None, [], [], [], part.source_file_lines))
                  for display, part in read]
    relations = corpus.relations
    quantities = corpus.quantities
    if isinstance(quantities, dict):   # as columns: a warm load then makes no record per quantity
        quantities = QuantityFrame.of_records(quantities) or quantities
    figures = _entry_columns(corpus.figures.df, [part.figures for _, part in read])
    if figures is not None and isinstance(quantities, QuantityFrame):
        _share_quantity_keys(figures, quantities)
    cache.put_joined(*named, JoinedSources(corpus.files, text_parts, untexted),
                     Joined(quantities, corpus.figures.df if figures is None else _arrow_id_column(figures),
                            _arrow_id_column(_entry_columns(relations.df, [part.relations for _, part in read]))
                            or relations.df,
                            _groups_by_position(relations.groups, cells(corpus.figures.df["id"])),
                            corpus.rates, corpus.skips))


class _NamesAt:
    """A name column of a relation group kept as its rows among the figure ids (the group's
    positions): the figure ids it names are taken from the figure frame's id column on a warm
    load (a gather, where unpickling ~3M references took ~0.5 s at 1M); `others` holds the names
    that are no figure id (units), in order."""

    __slots__ = ("others",)

    def __init__(self, others: np.ndarray):
        self.others = others

    def __reduce__(self):
        return _NamesAt, (self.others,)


def _groups_by_position(groups: list, ids: np.ndarray) -> list:
    """Copies of the groups whose name columns are _NamesAt where the figure ids at the group's
    positions are exactly the column (checked here); the groups themselves are left as they are."""
    from .relations import ShapeGroup, _is_arrow, leaf_objects, names_at

    out = []
    for g in groups:
        leaves = list(g.leaves)
        for k, (column, at) in enumerate(zip(g.leaves, g.positions or [])):
            if _is_arrow(column):   # names as read from cached files: compared as Python strings
                column = leaf_objects(column)
            if (at is None or not isinstance(column, np.ndarray) or column.dtype != object
                    or len(column) != len(at) or not len(ids)):
                continue
            unknown = at < 0
            named = names_at(ids, at, column[unknown])
            if np.array_equal(named, column):
                leaves[k] = _NamesAt(column[unknown])
        out.append(ShapeGroup(g.tree, g.rows, leaves, g.positions))
    return out


def _leaves_of(groups: list, ids) -> list:
    """The groups as _groups_by_position kept them, with their name columns again: arrow strings
    where the entry kept the ids as arrow strings (_arrow_id_column), as an archive's are."""
    from .frames import ArrowCells
    from .relations import arrow_names_at, names_at

    for g in groups:
        for k, column in enumerate(g.leaves):
            if isinstance(column, _NamesAt):
                g.leaves[k] = (arrow_names_at(ids.array, g.positions[k], column.others) if isinstance(ids, ArrowCells)
                               else names_at(ids, g.positions[k], column.others))
    return groups


def _arrow_id_column(columns):
    """An entry's frame columns (frames.FrameColumns) with their id column as arrow strings: a
    warm load then unpickles a buffer, not a million strings, and keeps the ids as an archive's
    are kept (frames.keep_arrow_ids). Anything else as it is."""
    from .frames import FrameColumns

    if not isinstance(columns, FrameColumns):
        return columns
    import pyarrow as pa

    out = []
    for name, values, strings in columns.columns:
        if name == "id" and strings is None and isinstance(values, np.ndarray) and values.dtype == object:
            try:
                values = pd.arrays.ArrowStringArray(pa.array(values, type=pa.string(), from_pandas=False))
            except (pa.ArrowException, TypeError):   # a cell that is no string: the column as it is
                pass
        out.append((name, values, strings))
    return FrameColumns(columns.rows, out)


def _entry_columns(frame: pd.DataFrame, parts: list):
    """The frame, joined from `parts`, as the columns its entry keeps (cache.frame_columns): from
    the parts' codes where they are cached columns, else from the frame; None for a frame the
    entry keeps as pandas pickles it."""
    from .cache import column_as_codes, frame_columns
    from .frames import join_columns

    if sum(len(p) for p in parts) == len(frame):   # (no row was left out of the join)
        joined = join_columns(parts, lambda name: column_as_codes(name, frame[name].to_numpy()))
        if joined is not None and joined.names() == [c for c in frame.columns if c != "unit_id"]:
            return joined
    return frame_columns(frame)


def _share_quantity_keys(figures, quantities) -> None:
    """Make the figures' distinct quantity strings the quantities' own key objects where equal:
    pickled once, they unpickle as one object each, and the figure table's lookup of each
    figure's quantity among the keys then finds it by identity (no string hashed twice)."""
    at = next((k for k, (name, _, strings) in enumerate(figures.columns) if name == "quantity" and strings), None)
    if at is None:
        return
    name, codes, strings = figures.columns[at]
    keys = list(quantities)
    own = dict(zip(keys, keys))
    figures.columns[at] = (name, codes, [own.get(s, s) for s in strings])


def _load_joined(cache, named, ready, early=None) -> Corpus | None:
    """The corpus from the whole load in the cache named `named`, else None. `early`: the
    entry as figcheck.readahead read it (readahead.joined), if it did."""
    from .frames import FigureFrame, RelationFrame, as_frame, cells

    reading = []   # (sources, what returns the problems reading their texts), once the head is read

    def read_texts(head) -> None:
        if isinstance(head, JoinedSources):
            sources = dict(head.sources)
            reading.append((head, sources, _in_thread(_read_texts, head.text_parts, sources)))

    # the pieces read ahead, if any, are held by get_joined alone: freed as it returns
    got = cache.get_joined(*named, read_texts, early.take_pieces() if early is not None else None)
    if got is None or not reading or not isinstance(got[1], Joined):
        if reading:
            reading[0][2]()     # the thread is done before anything may fork
        return None
    head, sources, texts_read = reading[0]
    joined = got[1]
    # the frames are made while the texts are still being read (~0.25 s at 1M figures)
    figures = FigureFrame(as_frame(joined.figures))
    groups = _leaves_of(joined.groups, cells(figures.df["id"]))
    relations = RelationFrame(as_frame(joined.relations), groups)
    problems = texts_read()     # the thread is done before anything may fork
    if problems:
        raise LoadError(problems)
    corpus = Corpus(head.files, sources, joined.quantities, figures, relations, joined.rates, joined.skips)
    if ready is not None:
        ready(corpus)
    return corpus


def _cross_file(figures, relations, problems, *whats):
    """Ids repeated across files: the first stays, each repeat is a problem (as per file)."""
    out = []
    kept = np.ones(len(relations), dtype=bool)
    for frame, what in zip((figures, relations), whats):
        dup = frame["id"].duplicated(keep="first")
        if what == "relation":
            kept = ~dup.to_numpy()
        if dup.any():
            first = frame[~dup].set_index("id")
            for r in frame[dup].itertuples(index=False):
                f = first.loc[r.id]
                problems.append(Problem(r.file, int(r.line),
                                        f"duplicate {what} {r.id!r} (also at {f['file']}:{int(f['line'])})"))
            frame = frame[~dup.to_numpy()].reset_index(drop=True)
        out.append(frame)
    return (*out, kept)


class KeyLines:
    """Where a key that makes a reference is written, found only when a reference is wrong.

    A reference checked across files is reported at the key that makes it (`source = ...`,
    `unit = ...`, ...), not at its table's id line. Parts may come from the cache without
    their line index, so a TOML file is read again and scanned only when one of its
    references needs reporting; columnar input (one row per entry) keeps the row.
    """

    def __init__(self):
        self.paths: dict[str, Path] = {}
        self.indexes: dict[str, object] = {}

    def add(self, display: str, path: Path) -> None:
        self.paths.setdefault(display, path)

    def _index(self, display: str):
        if display not in self.indexes:
            index = None
            path = self.paths.get(display)
            if path is not None:
                try:
                    index = line_index(path.read_bytes().decode("utf-8-sig"))
                except (OSError, ValueError):
                    index = None
            self.indexes[display] = index
        return self.indexes[display]

    def at(self, kind: str, file: str, line: int, key: str, name=None) -> int:
        """The line of `key` in the `kind` table written at (or, for array tables, around) `line`:
        a quantity is found by its name, an array table by the last header at or before `line`."""
        index = self._index(file)
        if index is None:
            return line
        if name is None:
            best = None
            for table, number in index.tables.items():
                if (len(table) == 2 and table[0] == kind and isinstance(table[1], int)
                        and number <= line and (best is None or number > best[1])):
                    best = (table[1], number)
            if best is None:
                return line
            name = best[0]
        elif (kind, name) not in index.tables:
            return line
        return index.key(kind, name, key)


def _check_references(figures, relations, sources, quantities, rates, skips, key_lines=None) -> list[Problem]:
    """References between files, once every file is in: column operations over the frames."""
    from .frames import column_codes, known_codes, quantity_field
    from .units import unit_info

    key_lines = KeyLines() if key_lines is None else key_lines
    problems = []
    # only the quantities that name a whole can be wrong here
    for q in [quantities[k] for k, p in zip(quantities, quantity_field(quantities, "part_of")) if p is not None]:
        line = lambda: key_lines.at("quantity", q.where.file, q.where.line, "part_of", name=q.key)  # noqa: E731
        if q.part_of not in quantities:
            problems.append(Problem(q.where.file, line(), f"quantity {q.key!r}: part_of {q.part_of!r} is not a quantity"))
        if q.part_of == q.key:
            problems.append(Problem(q.where.file, line(), f"quantity {q.key!r} cannot be part of itself"))

    def each(mask, message, key):
        if not mask.any():   # itertuples makes a namedtuple class even for no rows
            return
        for r in figures[mask].itertuples(index=False):
            problems.append(Problem(r.file, key_lines.at("figure", r.file, int(r.line), key), message(r)))

    each(~_keys_of_codes(*column_codes(figures, "source"), sources),
         lambda r: f"figure {r.id!r}: unknown source {r.source!r}", "source")
    # per distinct quantity: whether it is known, and its unit (code -1, a missing quantity, takes
    # the last entry of each per-distinct array: False, NaN)
    q_codes, q_uniques = column_codes(figures, "quantity")
    known_u, unit_of_quantity = _quantity_units(quantities, q_uniques)
    known_quantity = np.append(known_u, False)[q_codes]
    each(~known_quantity, lambda r: f"figure {r.id!r}: unknown quantity {r.quantity!r}", "quantity")
    # a figure's unit must have its quantity's dimension: checked once per distinct pair
    unit_of_quantity = np.append(unit_of_quantity, np.array([np.nan], dtype=object))
    quantity_unit = pd.Series(unit_of_quantity[q_codes], dtype=object, index=figures.index)
    qu_codes, qu_uniques = pd.factorize(unit_of_quantity, use_na_sentinel=False)
    u_codes, u_uniques = column_codes(figures, "unit")
    pair_codes = (u_codes.astype(np.int64) + 1) * (len(qu_uniques) + 1) + qu_codes[q_codes]
    if known_quantity.any():
        # each pair's first row, in row order (hashed: a sort of a million codes costs more)
        rows = np.flatnonzero(known_quantity)
        rows = rows[~pd.Series(pair_codes[rows]).duplicated().to_numpy()]
        distinct = pd.DataFrame({"unit": figures["unit"].to_numpy(dtype=object)[rows],
                                 "qunit": quantity_unit.to_numpy()[rows]})
        bad = []
        for u, qu in distinct.itertuples(index=False):
            try:
                fu, qi = unit_info(u), unit_info(qu)
            except ValueError:
                continue  # already reported where the unit is written
            if fu.dimension != qi.dimension:
                bad.append((u, qu, fu.dimension, qi.dimension))
        for u, qu, fd, qd in bad:
            mask = known_quantity & (figures["unit"] == u).to_numpy() & (quantity_unit == qu).to_numpy()
            each(mask, lambda r, u=u, qu=qu, fd=fd, qd=qd:
                 f"figure {r.id!r}: unit {u!r} has dimension {fd}, but quantity {r.quantity!r} is measured in {qu!r} ({qd})",
                 "unit")
    ids = None
    for key, column in (("of", "of"), ("part", "part"), ("between", "between_a"), ("between", "between_b")):
        known = known_codes(figures, column)
        if known is not None and not (known[1] != "").any():   # no row names a figure here
            continue
        values = figures[column].to_numpy(dtype=object)
        given = values != ""     # a column nobody wrote holds one "" (cheaply compared) throughout
        if not given.any():
            continue
        given &= pd.notna(values)
        ids = set(figures["id"].to_numpy(dtype=object).tolist()) if ids is None else ids
        rows = np.flatnonzero(given)
        codes, named = pd.factorize(values[rows])   # each distinct reference looked up once
        given[rows] = ~np.fromiter((v in ids for v in named), dtype=bool, count=len(named))[codes]
        each(given, lambda r, key=key, column=column:
             f"figure {r.id!r}: {key} {getattr(r, column)!r} is not a figure id", key)
    for r in relations[~_keys_of_codes(*column_codes(relations, "source"), sources)].itertuples(index=False):
        problems.append(Problem(r.file, key_lines.at("relation", r.file, int(r.line), "source"),
                                f"relation {r.id!r}: unknown source {r.source!r}"))
    for kind, items in (("rate", rates), ("skip", skips)):
        for item in items:
            if item.source not in sources:
                w = item.where
                problems.append(Problem(w.file, key_lines.at(kind, w.file, w.line, "source"),
                                        f"{kind}: unknown source {item.source!r}"))
    return problems


def _quantity_units(quantities, keys) -> tuple[np.ndarray, np.ndarray]:
    """(whether each of `keys` is a quantity of `quantities` (a dict or a frames.QuantityFrame),
    its unit there: an object array, NaN where it is none)."""
    from .frames import QuantityFrame

    if isinstance(quantities, QuantityFrame):   # looked up and gathered as arrays
        found = quantities.positions(keys)
        known = found >= 0
        units = np.array(quantities.field("unit") + [np.nan], dtype=object)
        return known, units[np.where(known, found, -1)]
    found = [quantities.get(k) if isinstance(k, str) else None for k in keys]
    known = np.fromiter((q is not None for q in found), dtype=bool, count=len(found))
    return known, np.array([np.nan if q is None else q.unit for q in found], dtype=object)


def _keys_of_codes(codes: np.ndarray, uniques, table) -> np.ndarray:
    """Which cells of a column given as (codes, distinct values) are keys of `table` (a dict or
    set of text), asked once per distinct value; a missing cell (code -1) never is."""
    found = np.fromiter((u in table for u in uniques), dtype=bool, count=len(uniques))
    return np.append(found, False)[codes]


def _in_thread(function, *args):
    """Start function(*args) in a thread: returns what waits for its result (or its exception)."""
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=1)
    future = pool.submit(function, *args)
    pool.shutdown(wait=False)   # the thread ends with the function
    return future.result


def _name_columns(groups) -> list:
    """Every name column of every group, in order: what _name_lookup looks up."""
    return [column for g in groups for leaf, column in zip(g.tree.leaves(), g.leaves) if leaf.kind == "name"]


def _name_lookup(groups, id_objects: np.ndarray | None = None, ids=None):
    """What finds the row of each name (every name column of every group, in order) among the
    figure ids (`ids` as an arrow array, else `id_objects`), -1 where it is none: arrow's hash
    lookup (a third of the time of a pandas Index over a million ids), which builds its table
    of the ids once, for every column at once. The arrays are made here; the returned function
    needs the GIL only to return."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from .frames import arrow_strings
    from .relations import _is_arrow

    names = pa.chunked_array([(c if _is_arrow(c) else pa.array(c, type=pa.string())).cast(pa.string())
                              for c in _name_columns(groups)], type=pa.string())   # chunks: nothing copied
    if ids is None:
        ids = arrow_strings(id_objects)   # an archive's ids as arrow read them: not converted again

    def lookup():
        found = sorted_id_positions(names, ids)
        if found is not None:
            return found
        return pc.index_in(names, value_set=ids).fill_null(-1).to_numpy().astype(np.int64)
    return lookup


def _string_rows(array):
    """(bytes, starts, widths) of an arrow string array without nulls, or None with nulls."""
    from .frames import string_buffers

    got = string_buffers(array)
    if got is None:
        return None
    data, offsets = got
    return data, offsets[:-1], np.diff(offsets)


def _width_keys(chunk, width: int, prefix: bool = False):
    """(_tail_keys of the strings `width` bytes long, which of the chunk's strings those are,
    their bytes before the last 8 where `prefix`) of an arrow string chunk; None with nulls."""
    got = _string_rows(chunk)
    if got is None:
        return None
    data, starts, widths = got
    fits = widths == width
    if fits.all() and len(starts) and starts[-1] - starts[0] == width * (len(starts) - 1):
        rows = data[starts[0]:starts[0] + width * len(starts)].reshape(-1, width)   # a view
    else:
        at = starts[fits]
        rows = data[at[:, None] + np.arange(width)] if len(at) else np.zeros((0, width), dtype=np.uint8)
    return _tail_keys(rows), fits, (np.ascontiguousarray(rows[:, :width - 8]) if prefix else None)


def _tail_keys(rows: np.ndarray) -> np.ndarray:
    """Each row's last (up to) 8 bytes as one unsigned integer, ordered as the bytes are."""
    width = rows.shape[1]
    if width >= 8:   # a copy: `rows` may be a view of arrow's buffer, and is swapped below
        tail = np.array(rows[:, width - 8:], order="C", copy=True)
    else:   # zeros before: short rows of one width compare as their bytes do
        tail = np.zeros((len(rows), 8), dtype=np.uint8)
        tail[:, 8 - width:] = rows
    keys = tail.view(np.uint64).ravel()
    if np.little_endian:   # the first byte the most significant
        keys.byteswap(inplace=True)
    return keys


def sorted_id_positions(names, ids) -> np.ndarray | None:
    """pc.index_in(names, value_set=ids) with -1 for a name that is no id, by binary search, for
    the usual archive: ids of one width whose last 8 bytes increase (f0000001, f0000002, ...) and
    names that mostly follow each other in that order; None for anything else (arrow's hash
    lookup then: a third of the time of a pandas Index, but a binary search over a million
    integers whose queries come in order takes a sixth of it). Chunk by chunk: a few integers
    per id and per name are held, no copy of their bytes."""
    import pyarrow as pa

    id_chunks = ids.chunks if isinstance(ids, pa.ChunkedArray) else [ids]
    name_chunks = names.chunks if isinstance(names, pa.ChunkedArray) else [names]
    if not len(ids) or not len(names):
        return None
    first = _string_rows(id_chunks[0] if len(id_chunks[0]) else pa.concat_arrays(id_chunks))
    if first is None or not len(first[2]) or not first[2][0]:
        return None
    width = int(first[2][0])
    id_keys, id_prefixes = [], []
    for chunk in id_chunks:
        got = _width_keys(chunk, width, prefix=width > 8)
        if got is None or not got[1].all():
            return None
        id_keys.append(got[0])
        id_prefixes.append(got[2])
    id_keys = np.concatenate(id_keys)
    if not (id_keys[1:] > id_keys[:-1]).all():   # increasing, so distinct: one id per key
        return None
    id_prefixes = np.concatenate(id_prefixes) if width > 8 else None
    out = np.full(len(names), -1, dtype=np.int64)
    done = 0
    in_order = 0
    for chunk in name_chunks:
        got = _width_keys(chunk, width, prefix=width > 8)
        if got is None:
            return None
        keys, fits, prefixes = got
        in_order += np.count_nonzero(keys[1:] >= keys[:-1])
        at = np.minimum(np.searchsorted(id_keys, keys), len(id_keys) - 1)
        same = id_keys[at] == keys
        if prefixes is not None:   # the bytes before the key compared too
            same &= (id_prefixes[at] == prefixes).all(axis=1)
        out[done + np.flatnonzero(fits)[same]] = at[same]
        done += len(chunk)
        # among more ids than a cache holds, a search in random order misses it where arrow's
        # hash lookup would not: left to arrow once the names are seen not to come in order
        if len(id_keys) > 1 << 16 and done > 1 << 16 and in_order < 0.9 * done:
            return None
    return out


def _early_name_positions(read: list, groups, figures: int):
    """What returns the rows found by the one input's own early lookup (Part.name_positions),
    if it looked up these very name columns among `figures` ids (no row was left out); else None.
    Every input's lookup is waited for, used or not: no thread may still run when `ready` forks."""
    done = [part.name_positions() for _, part in read if part.name_positions is not None]
    early = done[0] if len(read) == 1 and done else None
    if early is None:
        return None
    columns, ids, found = early
    now = _name_columns(groups)
    if ids != figures or len(columns) != len(now) or any(a is not b for a, b in zip(columns, now)):
        return None
    return lambda: found


def _name_positions(groups, id_objects: np.ndarray) -> np.ndarray:
    return _name_lookup(groups, id_objects)()


def _check_relation_names(relations, groups, figures, key_lines=None, found=None) -> list[Problem]:
    """Every name in a relation is a figure id or a unit (units resolved once per name).
    `found`: the names' rows among the figure ids, if _name_positions already looked them up."""
    from .frames import cells
    from .relations import _is_arrow, names_at, take_leaf
    from .units import unit_info

    key_lines = KeyLines() if key_lines is None else key_lines
    id_objects = cells(figures["id"])
    found = _name_positions(groups, id_objects) if found is None else found
    at = 0
    bad_rows: dict[int, list[str]] = {}
    for g in groups:
        g.positions = []   # each name's row in the figure frame (-1: a unit), reused by evaluate_all
        for k, (leaf, column) in enumerate(zip(g.tree.leaves(), g.leaves)):
            if leaf.kind != "name":
                g.positions.append(None)
                continue
            position = found[at:at + len(column)]
            at += len(column)
            g.positions.append(position)
            unknown = position < 0
            if _is_arrow(column):
                # an archive's names stay the arrow strings they were read as (relations.leaf_names
                # gives a figure's name as the frame's own string where a rule shows it): no
                # reference to each of a million ids is made, which after the text worker's fork
                # would copy every page of ids
                units = take_leaf(column, unknown).to_numpy(zero_copy_only=False)
            else:
                # the names that are figure ids become the figure frame's own strings (a file's
                # names are strings of their own); the others, units, their own
                units = column[unknown]
                g.leaves[k] = names_at(id_objects, position, units)
            rows = g.rows[unknown]
            for name in pd.unique(units):
                try:
                    unit_info(name)
                except ValueError:
                    for row in rows[units == name]:
                        bad_rows.setdefault(int(row), []).append(name)
    problems = []
    for row, names in bad_rows.items():
        r = relations.iloc[row]
        for name in names:
            problems.append(Problem(r["file"], key_lines.at("relation", r["file"], int(r["line"]), "expr"),
                                    f"relation {r['id']!r}: {name!r} is neither a figure id nor a unit"))
    return problems
