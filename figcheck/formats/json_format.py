"""--format json: the contract other tools read (DESIGN.md); keys are only ever added."""
from __future__ import annotations

import json
from json.encoder import encode_basestring

from ..coverage import coverage_of, summary as coverage_summary

INDENT = 2


def render(result, **options) -> str:
    doc = {
        "version": 1,
        "findings": [f.to_json() for f in result.findings],
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
    return dumps(doc) + "\n"


def dumps(doc) -> str:
    """json.dumps(doc, ensure_ascii=False, indent=2), byte for byte, several times faster.

    The standard library's indented output runs its pure-Python encoder (the C one only writes
    compact JSON). Here every string goes through the C string encoder and a list of strings
    (a finding's details, its figures) is one join; the layout is the standard library's."""
    out: list[str] = []
    _write(doc, 0, out)
    return "".join(out)


def _float(x: float) -> str:
    if x != x:
        return "NaN"
    if x == float("inf"):
        return "Infinity"
    if x == -float("inf"):
        return "-Infinity"
    return float.__repr__(x)


def _scalar(o):
    """The JSON of a scalar, or None for a container (or anything json.dumps would refuse)."""
    if isinstance(o, str):
        return encode_basestring(o)
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, int):
        return int.__repr__(o)
    if isinstance(o, float):
        return _float(o)
    return None


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
    text = _scalar(o)
    if text is not None:
        out.append(text)
        return
    inner = "\n" + " " * (INDENT * (level + 1))
    if isinstance(o, (list, tuple)):
        if not o:
            out.append("[]")
            return
        if all(type(x) is str for x in o):
            out.append("[" + inner + ("," + inner).join(map(encode_basestring, o)) + "\n" + " " * (INDENT * level) + "]")
            return
        out.append("[")
        first = True
        for x in o:
            out.append(inner if first else "," + inner)
            first = False
            _write(x, level + 1, out)
        out.append("\n" + " " * (INDENT * level) + "]")
        return
    if isinstance(o, dict):
        if not o:
            out.append("{}")
            return
        out.append("{")
        first = True
        for k, v in o.items():
            out.append((inner if first else "," + inner) + _key(k) + ": ")
            first = False
            _write(v, level + 1, out)
        out.append("\n" + " " * (INDENT * level) + "}")
        return
    # what json.dumps cannot write either: its own error
    json.dumps(o)
    raise TypeError(f"Object of type {o.__class__.__name__} is not JSON serializable")
