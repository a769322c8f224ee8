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


def render(result, **options) -> str:
    doc = {
        "version": 1,
        "findings": rows_if_many([f.to_json() for f in result.findings]),
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
    return dumps(doc, end="\n")


def dumps(doc, end: str = "") -> str:
    """json.dumps(doc, ensure_ascii=False, indent=2), byte for byte — except that the members
    of a Rows list are written compact, one per line, by the C encoder.

    (The standard library's indented output runs its pure-Python encoder; the C one only
    writes compact JSON.)"""
    out: list[str] = []
    _write(doc, 0, out)
    out.append(end)
    return "".join(out)


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
        separator = "," + inner
        for k, text in enumerate(map(_COMPACT.encode, o)):
            if k:
                out.append(separator)
            out.append(text)
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
