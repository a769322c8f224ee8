"""--format json: the contract other tools read (DESIGN.md); keys are only ever added."""
from __future__ import annotations

import json
from itertools import chain, repeat
from json.encoder import c_make_encoder as _c_make_encoder, encode_basestring
from operator import itemgetter

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


# Findings' lines encoded ahead (prepare): {id(finding): (the finding, its line)}, taken by the
# next render that writes them
_PREPARED: dict[int, tuple] = {}


def prepare(findings: list) -> None:
    """Encode the JSON lines of these findings now, for a render of them to take as they are
    (engine.run calls this while the text worker still reads articles). A finding replaced
    since (a baseline makes new ones) is encoded again when written."""
    if not _line_by_line(findings):
        return   # written as json.dumps writes them, not line by line
    batch = _FindingsToEncode.BATCH
    for start in range(0, len(findings), batch):
        some = findings[start:start + batch]
        _PREPARED.update(zip(map(id, some), zip(some, _finding_lines(some))))


def _prepared_lines(findings: list) -> list[bytes] | None:
    """The lines prepare() encoded for these very findings, or None if it did not for each."""
    got = [_PREPARED.pop(id(f), None) for f in findings]
    if all(g is not None and g[0] is f for g, f in zip(got, findings)):
        return [g[1] for g in got]
    return None


class FindingRows(list):
    """Findings that dumps() writes as Rows of their records (finding_records), straight from
    their attributes into UTF-8 (_finding_lines): what an archive's many findings are written as."""


def _line_by_line(findings: list) -> bool:
    """Whether these findings are written one per line straight from their attributes: many of
    them, with to_json()'s keys the ones _finding_parts writes."""
    return len(findings) > PRETTY_UP_TO and bool(findings) and tuple(findings[0].to_json()) == FINDING_KEYS


def finding_rows_if_many(findings: list) -> list:
    if _line_by_line(findings):
        return FindingRows(findings)
    return rows_if_many(finding_records(findings))


def render(result, **options) -> str:
    return joined(render_pieces(result, **options))


def render_pieces(result, **options):
    """render(result) in pieces (an iterator of str and UTF-8 bytes), for writing without one
    giant string."""
    doc = {
        "version": 1,
        "findings": finding_rows_if_many(result.findings),
        "fixed": [dict(e) for e in result.fixed],
        "summary": {
            "figures": len(result.corpus.figures), "sources": len(result.corpus.sources),
            "relations": len(result.corpus.relations), "files": list(result.corpus.files),
            "rules": [r.code for r in result.rules], **result.counts(),
            "new": sum(f.new for f in result.findings),
        },
    }
    # made once the findings are written (the summary comes last): their lines, given back by
    # then, are not held beside it (the coverage of an archive's sources is tens of MB)
    doc["summary"]["coverage"] = Later(lambda: _coverage_member(result))
    try:
        yield from dumps_pieces(doc, end="\n")
    finally:
        _PREPARED.clear()   # what this render did not take is not for another


def _coverage_member(result):
    from ..collector import give_back_free_memory

    give_back_free_memory()
    coverage = coverage_of(result)
    return ABSENT if coverage is None else coverage_summary(coverage)


ABSENT = object()


class Later:
    """A dict member's value made only when the writing reaches it (dumps_pieces), by make();
    make() may give ABSENT: the member is then left out. Never a dict's first member."""

    __slots__ = ("make",)

    def __init__(self, make):
        self.make = make


class _LaterMember:
    """In _write's pieces: a Later member, its key's text before it."""

    __slots__ = ("head", "later", "level")

    def __init__(self, head: str, later: Later, level: int):
        self.head, self.later, self.level = head, later, level


def dumps(doc, end: str = "") -> str:
    """json.dumps(doc, ensure_ascii=False, indent=2), byte for byte — except that the members
    of a Rows list are written compact, one per line, by the C encoder.

    (The standard library's indented output runs its pure-Python encoder; the C one only
    writes compact JSON.)"""
    return joined(dumps_pieces(doc, end))


def joined(pieces) -> str:
    """The text of pieces of str and UTF-8 bytes (dumps_pieces)."""
    return "".join(p if type(p) is str else p.decode("utf-8") for p in pieces)


# Consecutive small pieces (a coverage entry per source) are handed on joined up to about this
# many characters: one encode and one write each, not tens of thousands.
_JOIN_UP_TO = 1 << 18


def dumps_pieces(doc, end: str = ""):
    """dumps(doc, end) as an iterator of pieces, each str or its UTF-8 bytes: the members of a
    Rows list are encoded only as they are written, a few thousand at a time, so that a document
    of many megabytes is never held whole (as text, then as bytes) while it is written out."""
    out: list = []
    _write(doc, 0, out)
    out.append(end)
    yield from _pieces(out)


def _pieces(out: list):
    """_write's pieces as dumps_pieces hands them on: small strings joined, the lazy ones made."""
    waiting: list[str] = []
    size = 0
    for piece in out:
        if type(piece) is str:
            waiting.append(piece)
            size += len(piece)
            if size < _JOIN_UP_TO:
                continue
        if waiting:
            yield "".join(waiting)
            waiting.clear()
            size = 0
        if type(piece) is _RowsToEncode:
            yield from piece.texts()
        elif type(piece) is _FindingsToEncode:
            yield from piece.lines()
        elif type(piece) is _LaterMember:
            value = piece.later.make()
            if value is not ABSENT:
                member = [piece.head]
                _write(value, piece.level, member)
                yield from _pieces(member)
    if waiting:
        yield "".join(waiting)


class _FindingsToEncode:
    """In _write's pieces: a FindingRows list, each finding's record compact on its own line,
    as UTF-8; encoded when written, a batch at a time."""

    __slots__ = ("findings", "separator")
    # small enough that a batch's bytes reuse the memory of the one before (a fresh page costs
    # more than the work on it)
    BATCH = 500

    def __init__(self, findings: list, separator: str):
        self.findings, self.separator = findings, separator.encode()

    def lines(self):
        findings, separator = self.findings, self.separator
        for start in range(0, len(findings), self.BATCH):
            batch = findings[start:start + self.BATCH]
            # each row but the very first led by the separator
            ready = _prepared_lines(batch)
            if ready is not None:
                yield (separator if start else b"") + separator.join(ready)
                continue
            parts = _finding_parts(batch, separator, lead_first=start > 0)
            yield b"".join(chain.from_iterable(zip(*parts)))


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
                keys = [(encode_basestring(k) if type(k) is str else _key(k)) + ": " for k in o]
                out.append("{" + inner + ("," + inner).join(map(str.__add__, keys, records)) + _indent(level) + "}")
                return
        inner = _indent(level + 1)
        first = "{" + inner
        for k, v in o.items():
            head = first + (encode_basestring(k) if type(k) is str else _key(k)) + ": "
            if type(v) is Later:    # (after another member: left out, it leaves no stray comma)
                if first[0] == "{":
                    raise ValueError("a Later value cannot be a dict's first member")
                out.append(_LaterMember(head, v, level + 1))
                continue
            out.append(head)
            first = "," + inner
            _write(v, level + 1, out)
        out.append(_indent(level) + "}")
        return
    if t is Rows or t is FindingRows:
        if not o:
            out.append("[]")
            return
        inner = _indent(level + 1)
        out.append("[" + inner)
        out.append((_FindingsToEncode if t is FindingRows else _RowsToEncode)(o, "," + inner))
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
    if set(map(type, values)) != {dict} or not all(map(keys.__eq__, map(tuple, values))):
        return None
    inner = _indent(level + 1)
    parts: list = []
    rows = list(map(itemgetter(*keys), values)) if len(keys) > 1 else [(v[keys[0]],) for v in values]
    for i, (k, column) in enumerate(zip(keys, zip(*rows))):
        key = encode_basestring(k) if type(k) is str else _key(k)
        parts += [repeat(("{" if i == 0 else ",") + inner + key + ": "), _column(list(column), level + 1)]
    parts.append(repeat(_indent(level) + "}"))
    return list(map("".join, zip(*parts)))


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


# --- findings, straight into UTF-8 ----------------------------------------------------------------

def _finding_lines(findings: list) -> list[bytes]:
    """json.dumps(record, ensure_ascii=False).encode("utf-8") for each finding's record
    (finding_records), byte for byte."""
    return list(map(b"".join, zip(*_finding_parts(findings, b"", False))))


def _finding_parts(findings: list, separator: bytes, lead_first: bool) -> list:
    """The pieces of the findings' JSON lines as columns (iterables of bytes) to zip: each
    record's pieces in turn, each record led by `separator` (the first only if lead_first).
    Built a column at a time: strings escaped by orjson, whose escapes are json's own
    (tests/test_format_fast_paths.py), names and files once per distinct value, the data by the
    C encoder. Text that UTF-8 cannot hold (a lone surrogate) fails as encoding json.dumps's
    text would."""
    names = {s: s.name for s in {f.severity for f in findings}}
    messages = [f.message for f in findings]
    headlines = [f.headline or f.message for f in findings]
    figures = [f.figures for f in findings]
    details = [f.details for f in findings]
    prints = [f.fingerprint for f in findings]
    texts = _texts_at_once([messages, headlines, prints], [figures, details])
    if texts is not None:
        messages, headlines, prints, figures, details = texts
    else:
        messages, headlines, prints = utf8_strings(messages), utf8_strings(headlines), utf8_strings(prints)
        figures, details = utf8_string_lists(figures), utf8_string_lists(details)
    columns = [
        _each_few([f.code for f in findings]),
        _each_few([f.name for f in findings]),
        _each_few([names[f.severity] for f in findings]),
        messages,
        headlines,
        figures,
        _strings_or_null([f.relation for f in findings]),
        _each_few([f.file for f in findings]),
        _each([f.line for f in findings]),
        prints,
        _each([f.new for f in findings]),
        details,
        _utf8_jsons([f.data for f in findings]),
    ]
    quoted = texts is not None      # message, headline and fingerprint as bodies: quotes around them
    parts: list = []
    after = ""
    for i, (key, column) in enumerate(zip(FINDING_KEYS, columns)):
        before = after + ("{" if i == 0 else ", ") + f'"{key}": '
        after = ""
        if quoted and key in ("message", "headline", "fingerprint"):
            before += '"'
            after = '"'
        if i == 0:
            first = before.encode()
            led = separator + first
            parts.append([led if lead_first else first] + [led] * (len(findings) - 1) if findings else [])
        else:
            parts.append(repeat(before.encode()))
        parts.append(column)
    parts.append(repeat((after + "}").encode()))
    return parts


def _texts_at_once(columns: list, list_columns: list) -> list[list[bytes]] | None:
    """The findings' strings (columns of strings, then columns of lists of strings) escaped into
    UTF-8 by one orjson call: a column of strings as their bodies (without the quotes), a column
    of lists as their JSON. orjson writes the list of all of them as '["a","b",...]'; where no
    string holds a quote (just two per string) and none is a lone comma, '","' stands only
    between two strings, and splitting there is exact. None where that does not hold, or a
    value is not a str (the callers then write column by column)."""
    import orjson       # only for an archive's findings (~10 ms to import)

    if not all(set(map(type, column)) <= {tuple, list} for column in list_columns):
        return None
    strings = list(chain.from_iterable(columns))
    counts = [list(map(len, column)) for column in list_columns]
    for column in list_columns:
        strings += chain.from_iterable(column)
    if not strings or not set(map(type, strings)) <= {str} or "," in strings:
        return None
    try:
        written = orjson.dumps(strings)
    except orjson.JSONEncodeError:      # a lone surrogate
        return None
    if written.count(b'"') != 2 * len(strings):
        return None
    bodies = written[2:-2].split(b'","')
    if len(bodies) != len(strings):
        return None
    out = []
    at = 0
    for column in columns:
        out.append(bodies[at:at + len(column)])
        at += len(column)
    for lengths in counts:
        lists = []
        for n in lengths:
            if n:
                lists.append(b'["' + b'", "'.join(bodies[at:at + n]) + b'"]')
                at += n
            else:
                lists.append(b"[]")
        out.append(lists)
    return out


def _utf8_json(value) -> bytes:
    return _COMPACT.encode(value).encode("utf-8")


def _utf8_jsons(values: list) -> list[bytes]:
    """_utf8_json of each value, by one C encoder made for them all (JSONEncoder.encode makes
    one per call, a third of the time of a finding's data)."""
    if _c_make_encoder is None:
        return list(map(_utf8_json, values))
    encode = _c_make_encoder({}, _COMPACT.default, encode_basestring, None, _COMPACT.key_separator,
                             _COMPACT.item_separator, False, False, True)
    out = []
    join = "".join
    for v in values:
        if type(v) is str:      # what JSONEncoder.encode writes itself
            out.append(encode_basestring(v).encode("utf-8"))
        else:
            out.append(join(encode(v, 0)).encode("utf-8"))
    return out


def utf8_strings(values: list) -> list[bytes]:
    """json.dumps(v, ensure_ascii=False).encode("utf-8") of each value, by orjson where it is a
    str (the same escapes), by the C encoder otherwise."""
    import orjson

    try:
        if set(map(type, values)) <= {str}:
            return list(map(orjson.dumps, values))
    except orjson.JSONEncodeError:      # a lone surrogate: json's text, which UTF-8 refuses
        pass
    return list(map(_utf8_json, values))


def utf8_string_lists(values: list) -> list[bytes]:
    """utf8_strings of lists or tuples of strings. orjson writes them without the space
    json.dumps puts after each comma. Where no member holds a quote (the list's JSON has just
    two quotes per member) and none is just a comma, '","' stands only between two members,
    and putting the space back there is exact. Other lists by the C encoder."""
    import orjson

    kinds = set(map(type, values))
    if not kinds <= {tuple, list} or not set(map(type, [x for v in values for x in v])) <= {str}:
        return list(map(_utf8_json, values))
    out = []
    dumps = orjson.dumps
    for v in values:
        try:
            written = dumps(v)
        except orjson.JSONEncodeError:      # a lone surrogate: json's text, which UTF-8 refuses
            written = _utf8_json(v)
        else:
            if len(v) > 1:
                if written.count(b'"') == 2 * len(v) and "," not in v:
                    written = written.replace(b'","', b'", "')
                else:
                    written = _utf8_json(v)
        out.append(written)
    return out


def _strings_or_null(values: list) -> list[bytes]:
    """utf8_strings of a column of strings and None (a finding's relation)."""
    written = iter(utf8_strings([v for v in values if v is not None]))
    return [b"null" if v is None else next(written) for v in values]


def _each(values: list) -> list[bytes]:
    """The JSON of each of a column of ints, bools or None (what line and new hold)."""
    kinds = set(map(type, values))
    if kinds == {int}:
        return [b"%d" % v for v in values]
    if kinds <= {bool, type(None)}:
        return [b"true" if v is True else b"false" if v is False else b"null" for v in values]
    return list(map(_utf8_json, values))


def _each_few(values: list) -> list[bytes]:
    """The JSON of each of a column of few distinct values (codes, names, files), each written once."""
    try:
        written = {v: _utf8_json(v) for v in set(values)}
    except TypeError:       # unhashable: one by one
        return list(map(_utf8_json, values))
    return list(map(written.__getitem__, values))
