"""TOML → Corpus, validated. Every problem of every file is collected with its file:line.

A malformed figures file is an input error (exit 2), not a finding: like pandera, we reject the
model at load time and report all failures at once, not only the first.
"""
from __future__ import annotations

import datetime as dt
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .model import KINDS, MODALITIES, Corpus, Figure, Period, Quantity, Rate, Relation, Skip, Source, Where
from .numbers import (HEDGES, QUALIFIERS, NumberReadError, base_language, find_numbers, locale_known,
                      read_value, reading_of_value)

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
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise LoadError([Problem(display, 1, "file not found")]) from None
    except OSError as exc:
        raise LoadError([Problem(display, 1, f"cannot read: {exc.strerror or exc}")]) from None
    if not data.strip():
        raise LoadError([Problem(display, 1, "empty figures file")])
    try:
        # utf-8-sig: editors on Windows save a byte-order mark, which tomllib calls a syntax error
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise LoadError([Problem(display, line, f"not UTF-8 (byte 0x{data[exc.start]:02x})")]) from None


def parse_toml(text: str, display: str) -> dict:
    import tomllib

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


class _FileLoader:
    """Validates one figures file; cross-file references are checked by `load` afterwards."""

    def __init__(self, path: Path, display: str):
        self.path = path
        self.display = display
        self.problems: list[Problem] = []
        self.text = read_toml_text(path, display)
        self.data = parse_toml(self.text, display)
        self.lines = LineIndex(self.text)

    def problem(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.display, line, message))

    def where(self, line: int) -> Where:
        return Where(self.display, line)

    def entries(self, kind: str):
        """(name, table, line-of-key function) for each entry of a table kind."""
        raw = self.data.get(kind)
        if raw is None:
            return []
        if kind == "quantity":
            if not isinstance(raw, dict):
                self.problem(_top_key_line(self.text, kind), "[quantity.KEY] tables expected")
                return []
            items = list(raw.items())
        else:
            if not isinstance(raw, list):
                self.problem(_top_key_line(self.text, kind), f"[[{kind}]] array of tables expected, not {_type_name(raw)}")
                return []
            items = list(enumerate(raw))
        out = []
        for name, table in items:
            header = self.lines.table(kind, name)
            if not isinstance(table, dict):
                self.problem(header, f"{kind} {name!r}: a table expected, not {_type_name(table)}")
                continue
            required, optional = KEYS[kind]
            for key in sorted(required - table.keys()):
                self.problem(header, f"{kind}: missing key {key!r}")
            for key in sorted(table.keys() - required - optional):
                self.problem(self.lines.key(kind, name, key),
                             f"{kind}: unknown key {key!r} (allowed: {', '.join(sorted(required | optional))})")
            out.append((name, table, lambda key, _n=name: self.lines.key(kind, _n, key)))
        return out

    def string(self, table, key, line_of, required=True, default=""):
        value = table.get(key)
        if value is None:
            return None if required else default
        if not isinstance(value, str):
            self.problem(line_of(key), f"{key!r} must be a string, not {_type_name(value)}")
            return None
        return value


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
        return raw, read_value(raw, language)
    if isinstance(raw, list):
        if len(raw) != 2:
            raise NumberReadError(f"a range is [low, high]; got {len(raw)} items")
        ends = []
        for item in raw:
            if isinstance(item, str):
                r = read_value(item, language)
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


def load_file(path: Path, display: str, about_margin: float = 1.0, key_lines: dict | None = None):
    """One file → (partial corpus pieces, problems). Raises LoadError for unreadable files.

    `key_lines`, when given, is filled with {(kind, identity, key): line} for the keys that
    name other things (source, quantity, unit, expr, ...): a reference checked across files
    later is reported at the key that makes it, not at its table. The identity is the id, or
    for rates and skips (which have none) their Where.
    """
    from .units import UnitError, unit_info

    f = _FileLoader(path, display)
    key_lines = {} if key_lines is None else key_lines

    def remember(kind, identity, line_of, *keys):
        for key in keys:
            key_lines[(kind, identity, key)] = line_of(key)
    for key in sorted(f.data.keys() - TOP_LEVEL):
        f.problem(_top_key_line(f.text, key), f"unknown top-level key {key!r} (allowed: {', '.join(sorted(TOP_LEVEL))})")

    sources: dict[str, Source] = {}
    unusable_published: set[str] = set()  # already reported; figures relying on it stay quiet
    for name, t, line_of in f.entries("source"):
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
                unusable_published.add(sid)
            else:
                try:
                    parse_period(published)
                    pub = published
                except ValueError as exc:
                    f.problem(line_of("published"), f"published: {exc}")
                    unusable_published.add(sid)
        resolved = (path.parent / file)
        text = ""
        try:
            text = resolved.read_bytes().decode("utf-8")
        except FileNotFoundError:
            f.problem(line_of("file"), f"source file {file!r} not found (looked at {resolved})")
        except UnicodeDecodeError:
            f.problem(line_of("file"), f"source file {file!r} is not UTF-8")
        except OSError as exc:
            f.problem(line_of("file"), f"source file {file!r} cannot be read: {exc.strerror or exc}")
        except ValueError:  # the OS cannot even name it: "embedded null byte"
            f.problem(line_of("file"), f"source file {file!r} is not a valid path")
        extras = {k: t[k] for k in ("title", "publisher", "url", "note") if k in t}
        for k, v in extras.items():
            if not isinstance(v, str):
                f.problem(line_of(k), f"{k!r} must be a string, not {_type_name(v)}")
                extras[k] = ""
        sources[sid] = Source(sid, file, str(resolved), extras.get("title", ""), pub, language, text,
                              f.where(line_of("id")), extras.get("publisher", ""), extras.get("url", ""),
                              extras.get("note", ""))

    quantities: dict[str, Quantity] = {}
    for key, t, line_of in f.entries("quantity"):
        kind = f.string(t, "kind", line_of)
        unit = f.string(t, "unit", line_of)
        if kind is None or unit is None:
            continue
        if not KEY_ID.match(key):
            f.problem(f.lines.table("quantity", key), f"quantity key {key!r}: letters, digits, _ . - only")
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
        quantities[key] = Quantity(key, description, kind, unit, f.where(f.lines.table("quantity", key)),
                                   part_of, exhaustive)
        remember("quantity", key, line_of, "unit", "part_of")

    figures: dict[str, Figure] = {}
    for n, t, line_of in f.entries("figure"):
        fid = f.string(t, "id", line_of)
        sid = f.string(t, "source", line_of)
        quote = f.string(t, "quote", line_of)
        unit = f.string(t, "unit", line_of)
        qkey = f.string(t, "quantity", line_of)
        if None in (fid, sid, quote, unit, qkey) or "value" not in t:
            continue
        where = f.where(line_of("id"))
        if not FIGURE_ID.match(fid):
            f.problem(line_of("id"), f"figure id {fid!r}: a letter or _, then letters, digits, _ (relations name figures by id)")
        if fid in figures:
            f.problem(line_of("id"), f"duplicate figure id {fid!r} (first at line {figures[fid].where.line})")
            continue
        qualifier = t.get("qualifier", "exact")
        if qualifier not in QUALIFIERS:
            f.problem(line_of("qualifier"), f"qualifier {qualifier!r} is not one of {', '.join(QUALIFIERS)}")
            qualifier = "exact"
        modality = t.get("modality", "reported")
        if modality not in MODALITIES:
            f.problem(line_of("modality"), f"modality {modality!r} is not one of {', '.join(MODALITIES)}")
            modality = "reported"
        try:
            unit_info(unit)
        except UnitError as exc:
            f.problem(line_of("unit"), str(exc))
        source = sources.get(sid)
        language = source.language if source else "de"
        try:
            value_text, reading = _figure_reading(t["value"], quote, language)
        except NumberReadError as exc:
            # keep going: the figure's other keys and references are still checked
            f.problem(line_of("value"), f"value: {exc}")
            value_text, reading = "?", reading_of_value(0)
        if "qualifier" not in t and reading.qualifier != "exact":
            qualifier = reading.qualifier
        period = None
        if "as_of" in t:
            try:
                period = parse_period(t["as_of"])
            except ValueError as exc:
                f.problem(line_of("as_of"), str(exc))
        elif source is not None and source.published is not None:
            period = parse_period(source.published)
        elif sid in unusable_published:
            continue
        elif source is not None:
            f.problem(where.line, f"figure {fid!r} has no as_of and its source {sid!r} no published date")
        since = None
        if "since" in t:
            try:
                since = parse_period(t["since"])
            except ValueError as exc:
                f.problem(line_of("since"), str(exc))
        extras = {}
        for k in ("attributed_to", "note", "of", "part"):
            v = t.get(k, "")
            if not isinstance(v, str):
                f.problem(line_of(k), f"{k!r} must be a string, not {_type_name(v)}")
                v = ""
            extras[k] = v
        between = t.get("between")
        if between is not None:
            if (not isinstance(between, list) or len(between) != 2
                    or not all(isinstance(x, str) for x in between)):
                f.problem(line_of("between"), "'between' must be two figure ids: [\"before\", \"after\"]")
                between = None
            else:
                between = tuple(between)
        figures[fid] = Figure(
            fid, sid, quote, value_text, reading.low, reading.high, reading.written_half,
            reading.about_half, unit, qualifier, qkey, period or parse_period("1970"), where,
            extras["attributed_to"], modality, extras["note"], since, extras["of"] or None,
            extras["part"] or None, between,
        )
        remember("figure", fid, line_of, "source", "quantity", "unit", "of", "part", "between")

    relations: dict[str, Relation] = {}
    from .relations import RelationSyntaxError, parse_relation

    for n, t, line_of in f.entries("relation"):
        rid = f.string(t, "id", line_of)
        sid = f.string(t, "source", line_of)
        expr = f.string(t, "expr", line_of)
        quote = f.string(t, "quote", line_of, required=False)
        if None in (rid, sid, expr, quote):
            continue
        if not KEY_ID.match(rid):
            f.problem(line_of("id"), f"relation id {rid!r}: letters, digits, _ . - only")
        if rid in relations:
            f.problem(line_of("id"), f"duplicate relation id {rid!r} (first at line {relations[rid].where.line})")
            continue
        try:
            tree = parse_relation(expr)
        except RelationSyntaxError as exc:
            f.problem(line_of("expr"), f"relation {rid!r}: {exc}")
            continue
        relations[rid] = Relation(rid, sid, expr, quote, f.where(line_of("id")), tree, t.get("note", "") or "")
        remember("relation", rid, line_of, "source", "expr")

    rates = []
    for n, t, line_of in f.entries("rate"):
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
            rates.append(Rate(t["from"], t["to"], float(value), as_of, t["source"], f.where(f.lines.table("rate", n))))
            remember("rate", rates[-1].where, line_of, "source")

    skips = []
    for n, t, line_of in f.entries("skip"):
        vals = [f.string(t, k, line_of) for k in ("source", "quote", "reason")]
        if None not in vals:
            skips.append(Skip(*vals, f.where(f.lines.table("skip", n))))
            remember("skip", skips[-1].where, line_of, "source")

    return sources, quantities, figures, relations, rates, skips, f.problems


def _top_key_line(text: str, key: str) -> int:
    for number, line in enumerate(text.split("\n"), start=1):
        if re.match(rf"^\s*\[*\s*{re.escape(key)}\b", line) or re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return number
    return 1


def display_path(path: Path) -> str:
    """Paths in messages: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def load(paths, about_margin: float = 1.0) -> Corpus:
    """Load and validate figures files; raise LoadError listing every problem."""
    from .units import unit_info

    problems: list[Problem] = []
    sources, quantities, figures, relations = {}, {}, {}, {}
    rates, skips, files = [], [], []
    key_where: dict[tuple, Where] = {}
    for p in paths:
        path = Path(p)
        display = display_path(path)
        files.append(display)
        file_keys: dict[tuple, int] = {}
        try:
            s, q, fg, r, rt, sk, probs = load_file(path, display, about_margin, file_keys)
        except LoadError as exc:
            problems.extend(exc.problems)
            continue
        problems.extend(probs)
        accepted = {("rate", x.where) for x in rt} | {("skip", x.where) for x in sk}
        for table, new, what in ((sources, s, "source"), (quantities, q, "quantity"),
                                 (figures, fg, "figure"), (relations, r, "relation")):
            for key, item in new.items():
                if key in table:
                    problems.append(Problem(item.where.file, item.where.line,
                                            f"duplicate {what} {key!r} (also at {table[key].where})"))
                else:
                    table[key] = item
                    accepted.add((what, key))
        # a duplicate's key lines must not replace those of the item that was kept
        for (kind, identity, key), line in file_keys.items():
            if (kind, identity) in accepted:
                key_where[(kind, identity, key)] = Where(display, line)
        rates.extend(rt)
        skips.extend(sk)

    def at(kind, identity, key, fallback: Where, message: str) -> None:
        """A problem at the key that makes the reference (its table, if the key is not found)."""
        w = key_where.get((kind, identity, key), fallback)
        problems.append(Problem(w.file, w.line, message))

    # references, checked once every file is in
    for q in quantities.values():
        if q.part_of is not None and q.part_of not in quantities:
            at("quantity", q.key, "part_of", q.where, f"quantity {q.key!r}: part_of {q.part_of!r} is not a quantity")
        if q.part_of == q.key:
            at("quantity", q.key, "part_of", q.where, f"quantity {q.key!r} cannot be part of itself")
    for fig in figures.values():
        w = fig.where
        if fig.source not in sources:
            at("figure", fig.id, "source", w, f"figure {fig.id!r}: unknown source {fig.source!r}")
        if fig.quantity not in quantities:
            at("figure", fig.id, "quantity", w, f"figure {fig.id!r}: unknown quantity {fig.quantity!r}")
        else:
            qty = quantities[fig.quantity]
            try:
                fu, qu = unit_info(fig.unit), unit_info(qty.unit)
                if fu.dimension != qu.dimension:
                    at("figure", fig.id, "unit", w,
                       f"figure {fig.id!r}: unit {fig.unit!r} has dimension {fu.dimension}, "
                       f"but quantity {qty.key!r} is measured in {qty.unit!r} ({qu.dimension})")
            except ValueError:
                pass  # already reported where the unit is written
        refs = [("of", fig.of), ("part", fig.part)] + [("between", x) for x in (fig.between or ())]
        for key, ref in refs:
            if ref is not None and ref not in figures:
                at("figure", fig.id, key, w, f"figure {fig.id!r}: {key} {ref!r} is not a figure id")
    for rel in relations.values():
        w = rel.where
        if rel.source not in sources:
            at("relation", rel.id, "source", w, f"relation {rel.id!r}: unknown source {rel.source!r}")
        for name in rel.tree.names():
            if name not in figures:
                try:
                    unit_info(name)
                except ValueError:
                    at("relation", rel.id, "expr", w,
                       f"relation {rel.id!r}: {name!r} is neither a figure id nor a unit")
    for rate in rates:
        if rate.source not in sources:
            at("rate", rate.where, "source", rate.where, f"rate: unknown source {rate.source!r}")
    for skip in skips:
        if skip.source not in sources:
            at("skip", skip.where, "source", skip.where, f"skip: unknown source {skip.source!r}")
    if problems:
        raise LoadError(problems)
    return Corpus(tuple(files), sources, quantities, figures, relations, tuple(rates), tuple(skips))
