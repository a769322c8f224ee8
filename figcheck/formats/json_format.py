"""--format json: the contract other tools read (DESIGN.md); keys are only ever added."""
from __future__ import annotations

import json
from json.encoder import encode_basestring

from ..coverage import coverage_of, summary as coverage_summary

INDENT = 2
# Up to this many findings the document is json.dumps(indent=2) exactly; a bigger one (an
# archive's thousands) holds one finding per line, written by the C encoder: several times
# faster, and a file of a million lines that grep and jq -c read.
PRETTY_UP_TO = 1000


class Rows(list):
    """A list that dumps() writes one compact member per line (see PRETTY_UP_TO)."""


def rows_if_many(items: list) -> list:
    return Rows(items) if len(items) > PRETTY_UP_TO else items


_COMPACT = json.JSONEncoder(ensure_ascii=False)


FINDING_KEYS = ("code", "name", "severity", "message", "headline", "figures", "relation", "file", "line",
                "fingerprint", "new", "details", "data")


def finding_records(findings: list) -> list[dict]:
    """[f.to_json() for f in findings] as JSON writes it: tuples left as tuples (written as
    lists) and severity names looked up, ~3x faster than to_json() on tens of thousands.
    Only while to_json() has exactly these keys (tests/test_format_fast_paths.py)."""
    if not findings or tuple(findings[0].to_json()) != FINDING_KEYS:
        return [f.to_json() for f in findings]
    names = {s: s.name for s in {f.severity for f in findings}}
    return [{"code": f.code, "name": f.name, "severity": names[f.severity], "message": f.message,
             "headline": f.headline or f.message, "figures": f.figures, "relation": f.relation,
             "file": f.file, "line": f.line, "fingerprint": f.fingerprint, "new": f.new,
             "details": f.details, "data": f.data} for f in findings]


def render(result, **options) -> str:
    return "".join(render_pieces(result, **options))


def render_pieces(result, **options):
    """render(result) in pieces (an iterator of str), for writing without one giant string."""
    doc = {
        "version": 1,
        "findings": rows_if_many(finding_records(result.findings)),
        "fixed": [dict(e) for e in result.fixed],
        "summary": {
            "figures": len(result.corpus.figures), "sources": len(result.corpus.sources),
            "relations": len(result.corpus.relations), "files": list(result.corpus.files),
            "rules": [r.code for r in result.rules], **result.counts(),
            "new": sum(f.new for f in result.findings),
        },
    }
    coverage = coverage_of(result)
    if coverage is not None:
        doc["summary"]["coverage"] = coverage_summary(coverage)
    return dumps_pieces(doc, end="\n")


def dumps(doc, end: str = "") -> str:
    """json.dumps(doc, ensure_ascii=False, indent=2), byte for byte — except that the members
    of a Rows list are written compact, one per line, by the C encoder.

    (The standard library's indented output runs its pure-Python encoder; the C one only
    writes compact JSON.)"""
    return "".join(dumps_pieces(doc, end))


def dumps_pieces(doc, end: str = ""):
    """dumps(doc, end) as an iterator of str pieces: the members of a Rows list are encoded only
    as they are written, a few thousand at a time, so that a document of many megabytes is never
    held whole (as text, then as bytes) while it is written out."""
    out: list = []
    _write(doc, 0, out)
    out.append(end)
    for piece in out:
        if type(piece) is _RowsToEncode:
            yield from piece.texts()
        else:
            yield piece


class _RowsToEncode:
    """In _write's pieces: a Rows list's members, compact, one per line; encoded when written."""

    __slots__ = ("rows", "separator")
    BATCH = 2000

    def __init__(self, rows: list, separator: str):
        self.rows, self.separator = rows, separator

    def texts(self):
        rows, separator, encode = self.rows, self.separator, _COMPACT.encode
        for start in range(0, len(rows), self.BATCH):
            batch = separator.join(map(encode, rows[start:start + self.BATCH]))
            yield separator + batch if start else batch


def _float(x: float) -> str:
    if x != x:
        return "NaN"
    if x == _INF:
        return "Infinity"
    if x == -_INF:
        return "-Infinity"
    return float.__repr__(x)


_INF = float("inf")
_INDENTS = ["\n" + " " * (INDENT * level) for level in range(64)]


def _indent(level: int) -> str:
    return _INDENTS[level] if level < len(_INDENTS) else "\n" + " " * (INDENT * level)


def _key(k) -> str:
    if isinstance(k, str):
        return encode_basestring(k)
    if isinstance(k, float):
        return encode_basestring(_float(k))
    if k is True:
        return '"true"'
    if k is False:
        return '"false"'
    if k is None:
        return '"null"'
    if isinstance(k, int):
        return encode_basestring(int.__repr__(k))
    raise TypeError(f"keys must be str, int, float, bool or None, not {k.__class__.__name__}")


def _write(o, level: int, out: list) -> None:
    """Append the pieces of `o`'s JSON to `out`: one join at the end, so a document of many
    megabytes is copied once, not once per level."""
    t = type(o)
    if t is str:
        out.append(encode_basestring(o))
        return
    if t is dict:
        if not o:
            out.append("{}")
            return
        if len(o) >= RECORDS_FROM:
            records = _records(list(o.values()), level + 1)
            if records is not None:     # many records of one shape (coverage per source): as columns
                inner = _indent(level + 1)
                first = "{" + inner
                for k, text in zip(o, records):
                    out.append(first + (encode_basestring(k) if type(k) is str else _key(k)) + ": " + text)
                    first = "," + inner
                out.append(_indent(level) + "}")
                return
        inner = _indent(level + 1)
        first = "{" + inner
        for k, v in o.items():
            out.append(first + (encode_basestring(k) if type(k) is str else _key(k)) + ": ")
            first = "," + inner
            _write(v, level + 1, out)
        out.append(_indent(level) + "}")
        return
    if t is Rows:
        if not o:
            out.append("[]")
            return
        inner = _indent(level + 1)
        out.append("[" + inner)
        out.append(_RowsToEncode(o, "," + inner))
        out.append(_indent(level) + "]")
        return
    if t is list or t is tuple:
        if not o:
            out.append("[]")
            return
        inner = _indent(level + 1)
        if all(type(x) is str for x in o):
            out.append("[" + inner + ("," + inner).join(map(encode_basestring, o)) + _indent(level) + "]")
            return
        first = "[" + inner
        for x in o:
            out.append(first)
            first = "," + inner
            _write(x, level + 1, out)
        out.append(_indent(level) + "]")
        return
    if o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif t is float:
        out.append(_float(o))
    elif t is int:
        out.append(int.__repr__(o))
    # subclasses, in json.dumps's order of tests
    elif isinstance(o, str):
        out.append(encode_basestring(o))
    elif isinstance(o, int):
        out.append(int.__repr__(o))
    elif isinstance(o, float):
        out.append(_float(o))
    elif isinstance(o, (list, tuple)):
        _write(list(o), level, out)
    elif isinstance(o, dict):
        _write(dict(o), level, out)
    else:
        json.dumps(o)      # what json.dumps cannot write either: its own error
        raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")


# A dict of at least this many members whose values are dicts of one shape is written column by
# column (_records): the same bytes, without walking every member's members one by one.
RECORDS_FROM = 64


def _records(values: list, level: int) -> list[str] | None:
    """The JSON of each of `values` at `level`, as _write writes it, when they are non-empty
    dicts with the same keys (None otherwise): each key's values are written as one column
    (_column) and every record filled into one template."""
    if not values or type(values[0]) is not dict or not values[0]:
        return None
    keys = tuple(values[0])
    for v in values:
        if type(v) is not dict or len(v) != len(keys) or tuple(v) != keys:
            return None
    inner = _indent(level + 1)
    pieces = []
    for i, k in enumerate(keys):
        key = encode_basestring(k) if type(k) is str else _key(k)
        pieces.append(("{" if i == 0 else ",") + inner + key + ": ")
    template = "{}".join(p.replace("{", "{{").replace("}", "}}") for p in pieces) + "{}" \
        + (_indent(level) + "}").replace("}", "}}")
    columns = [_column([v[k] for v in values], level + 1) for k in keys]
    return list(map(template.format, *columns))


def _column(values: list, level: int) -> list[str]:
    """_write of each value at `level`: a column of one simple type by one map, dicts of one
    shape as records, anything else one by one."""
    kinds = {type(v) for v in values}
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind is str:
            return list(map(encode_basestring, values))
        if kind is int:
            return list(map(int.__repr__, values))
        if kind is float:
            return list(map(_float, values))
        if kind is dict:
            records = _records(values, level)
            if records is not None:
                return records
        if kind is list and not any(values):
            return ["[]"] * len(values)
    out = []
    for v in values:
        piece: list = []
        _write(v, level, piece)
        out.append("".join(piece))
    return out
