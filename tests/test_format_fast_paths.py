"""The output formats' fast paths give exactly what the plain code gives: --format json's own
indented encoder is byte for byte json.dumps(indent=2); text and github clean untrusted text
as the per-character filters did."""
from __future__ import annotations

import json
import math

from hypothesis import given, settings, strategies as st

from figcheck.formats.json_format import dumps
from figcheck.rules import Finding, Severity

_keys = st.one_of(st.text(max_size=8), st.integers(-5, 5), st.booleans(), st.none(),
                  st.floats(allow_nan=True, allow_infinity=True))
_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
                     st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))
_documents = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.lists(st.text(max_size=6), max_size=4),
                            st.tuples(inner, inner), st.dictionaries(_keys, inner, max_size=5)),
    max_leaves=30)


def _same(doc):
    assert dumps(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


@settings(max_examples=400, deadline=None)
@given(_documents)
def test_dumps_is_json_dumps_indented(doc):
    _same(doc)


def test_dumps_of_what_findings_hold():
    _same({"findings": [{"code": "A001", "message": "«Zitat» — \"quoted\"\n\ttab \x1b[31m \u2028 ∞",
                         "figures": ["a", "b"], "relation": None, "line": 3, "new": True, "details": [],
                         "data": {"gap": 1e300, "tiny": 5e-324, "neg": -0.0, "nan": math.nan, "inf": -math.inf,
                                  "left": [1.0, 2.5], "nested": {"x": [[], {}, [None]]}}}],
           "fixed": [], "summary": {}, "empty_text": ""})


def test_dumps_refuses_what_json_refuses():
    import pytest

    with pytest.raises(TypeError):
        dumps({"x": object()})
    with pytest.raises(TypeError):
        dumps({(1, 2): 1})


_any_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_any_text, st.sampled_from(["plain «Zitat» – 28.000", "a\nb\tc\rd", "\x1b[31mred",
                                             "line\u2028break\x85next\u2029", "bell\x07", "ok ∞ ÷ ×"])))
def test_text_and_github_clean_as_the_per_character_filters(text):
    from figcheck.formats import github_format, text_format

    assert text_format._clean(text) == "".join(ch if ch.isprintable() or ch == " " else "\ufffd" for ch in text)
    assert github_format.clean(text) == "".join(ch if ch.isprintable() or ch in "\n\r\t" else "\ufffd"
                                                for ch in text.translate(github_format._LINE_BREAKS))


def test_many_findings_are_written_one_per_line_and_read_the_same(monkeypatch):
    """Above PRETTY_UP_TO findings, json and sarif hold one compact finding per line: the same
    document for a JSON reader, and one line per finding for grep."""
    from pathlib import Path

    from figcheck import engine
    from figcheck.config import load_settings
    from figcheck.formats import json_format, render

    root = Path(__file__).resolve().parent.parent
    result = engine.check([root / "figures.toml"], load_settings(root), use_cache=False)
    n = len(result.findings)
    assert n >= 2
    pretty = {fmt: render(fmt, result) for fmt in ("json", "sarif")}
    monkeypatch.setattr(json_format, "PRETTY_UP_TO", 1)
    for fmt, before in pretty.items():
        after = render(fmt, result)
        assert after != before
        assert json.loads(after) == json.loads(before)
        codes = [f.code for f in result.findings]
        lines = [line for line in after.splitlines() if line.lstrip().startswith(('{"code"', '{"ruleId"'))]
        assert len(lines) == n
        assert all(f'"{c}"' in line for c, line in zip(codes, lines))
    assert json.loads(json_format.dumps(json_format.Rows([]))) == []


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**16, 10**16).map(float),
                          st.sampled_from([0.0, -0.0, 999.5, 1000.0, -1000.5, 1e15, -1e15, 1e15 - 1, 0.00012345,
                                           2.5, 1 / 3, 10227000.0])), max_size=30))
def test_nums_writes_each_number_as_num_does(values):
    from figcheck import display

    assert display.nums(values) == [display.num(v) for v in values]


_record_values = st.one_of(_scalars, st.just([]), st.lists(st.integers(), max_size=2),
                           st.dictionaries(st.sampled_from(["claim", "date", "{x}"]), st.integers(0, 9), max_size=2))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["claims", "kinds", "open", "{odd}", "ß"]), min_size=1, max_size=4, unique=True),
       st.data(), st.integers(60, 140), st.booleans())
def test_many_records_of_one_shape_are_written_as_json_dumps_does(keys, data, n, vary):
    # a dict of many records (coverage per source) is written column by column: the same bytes
    kinds = {k: data.draw(st.sampled_from(["int", "str", "float", "empty", "any", "inner"])) for k in keys}
    values = {"int": st.integers(-10**6, 10**6), "str": st.text(max_size=6),
              "float": st.floats(allow_nan=True, allow_infinity=True), "empty": st.just([]),
              "any": _record_values,
              "inner": st.fixed_dictionaries({"claims": st.integers(0, 99), "kinds": st.dictionaries(
                  st.sampled_from(["claim", "date"]), st.integers(0, 9), max_size=2)})}
    records = {f"s{i:06d}": {k: data.draw(values[kinds[k]]) for k in keys} for i in range(n)}
    if vary:    # one record of another shape: written member by member, still the same bytes
        records["s999999"] = {"other": 1}
    doc = {"summary": {"coverage": {"sources": records}}}
    assert dumps(doc) == json.dumps(doc, ensure_ascii=False, indent=2)


_texts = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.builds(
    lambda code, sev, msg, head, figs, rel, line, details, data, new: Finding(
        code, "a-name", sev, msg, tuple(figs), rel, "f.toml", line, tuple(details), data, head, "ab12", new),
    st.sampled_from(["A001", "X001"]), st.sampled_from(list(Severity)), _texts,
    st.one_of(st.just(""), _texts), st.lists(_texts, max_size=3), st.one_of(st.none(), _texts), st.integers(0, 10**6),
    st.lists(_texts, max_size=3), st.dictionaries(_texts, _scalars, max_size=3), st.booleans()), max_size=6))
def test_finding_records_write_as_to_json(findings):
    # the findings' records, read from the attributes, are written exactly as their to_json()
    from figcheck.formats.json_format import FINDING_KEYS, Rows, finding_records

    assert all(tuple(f.to_json()) == FINDING_KEYS for f in findings)
    for wrap in (list, Rows):
        assert dumps(wrap(finding_records(findings))) == dumps(wrap([f.to_json() for f in findings]))


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(st.text(max_size=4), _scalars, max_size=3), max_size=12), st.integers(1, 5))
def test_rows_written_in_batches_are_one_compact_row_per_line(rows, batch):
    # a Rows list is encoded a batch at a time as it is written: each row compact on its own line
    from figcheck.formats import json_format

    old = json_format._RowsToEncode.BATCH
    json_format._RowsToEncode.BATCH = batch
    try:
        text = "".join(json_format.dumps_pieces({"findings": json_format.Rows(rows), "n": 1}, end="\n"))
    finally:
        json_format._RowsToEncode.BATCH = old
    listed = ("[\n    " + ",\n    ".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n  ]") if rows else "[]"
    assert text == '{\n  "findings": ' + listed + ',\n  "n": 1\n}\n'
    assert text == json_format.dumps({"findings": json_format.Rows(rows), "n": 1}, end="\n")


# every kind of text an article may hold, and some it may not: control characters, quotes and
# backslashes (also the '",' that ends a quote inside a string), non-ASCII, lone surrogates
_hostile_texts = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.sampled_from(['"', "\\", ",", "\x00", "\x1f", "\x7f", "\n", "\t", "«", "—", "∞", "a",
                                      "\u2028", "\ud800", "\udfff", "😀"]), max_size=12),
    st.sampled_from(['a",', '",', '","', '\\",', '\\\\"', '"],["', "\x1b[31mred", "line\u2028break"]))


def _json_utf8(value):
    """json.dumps(value, ensure_ascii=False) as UTF-8, or the error its encoding raises."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        return type(exc)


def _outcome(function, *args):
    try:
        return function(*args)
    except UnicodeEncodeError as exc:
        return type(exc)


@settings(max_examples=500, deadline=None)
@given(st.lists(_hostile_texts, max_size=6))
def test_strings_written_by_orjson_are_json_dumps_bytes(texts):
    from figcheck.formats.json_format import utf8_strings

    for text in texts:
        assert _outcome(utf8_strings, [text]) in ([_json_utf8(text)], _json_utf8(text))
    if all(type(_json_utf8(t)) is bytes for t in texts):
        assert utf8_strings(texts) == [_json_utf8(t) for t in texts]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(st.lists(_hostile_texts, max_size=4), st.lists(_hostile_texts, max_size=4).map(tuple)),
                max_size=5))
def test_lists_of_strings_written_by_orjson_are_json_dumps_bytes(lists):
    from figcheck.formats.json_format import utf8_string_lists

    want = [_json_utf8(v) for v in lists]
    if all(type(w) is bytes for w in want):
        assert utf8_string_lists(lists) == want
    else:       # text UTF-8 cannot hold fails as writing json.dumps's text fails
        assert _outcome(utf8_string_lists, lists) is UnicodeEncodeError


_data_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), _hostile_texts),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.builds(
    lambda code, sev, msg, head, figs, rel, line, details, data, new: Finding(
        code, "a-name", sev, msg, figs, rel, "dir/f «1».csv", line, details, data, head, "ab12", new),
    st.sampled_from(["A001", "X001", 'P"1']), st.sampled_from(list(Severity)), _hostile_texts,
    st.one_of(st.just(""), _hostile_texts), st.lists(_hostile_texts, max_size=3).map(tuple),
    st.one_of(st.none(), _hostile_texts), st.integers(0, 10**9), st.lists(_hostile_texts, max_size=4).map(tuple),
    st.dictionaries(st.text(max_size=6), _data_values, max_size=4), st.booleans()), max_size=8))
def test_findings_written_straight_to_utf8_are_json_dumps_of_their_records(findings):
    # --format json of an archive writes each finding's record from its attributes into UTF-8:
    # the bytes json.dumps writes for to_json(), or the same failure where UTF-8 cannot hold a text
    from figcheck.formats.json_format import _finding_lines

    want = [_json_utf8(f.to_json()) for f in findings]
    if all(type(w) is bytes for w in want):
        assert _finding_lines(findings) == want
    else:
        assert _outcome(_finding_lines, findings) is UnicodeEncodeError


def test_findings_of_odd_types_are_written_as_json_dumps_writes_them():
    # values the column writers do not expect (ints among ids, a list subclass, numpy numbers)
    # go to the C encoder: still json.dumps's bytes, and its error for what JSON cannot hold
    import numpy as np
    import pytest

    from figcheck.formats.json_format import _finding_lines

    class Ids(tuple):
        pass

    findings = [Finding("A001", "n", Severity.error, "m", (1, "b"), 7, "f", 3, Ids(("x",)), {"k": np.float64(1.5)},
                        "", "fp", 1),
                Finding("A001", "n", Severity.info, "m", ("a",), None, "f", True, ("d",), {1: [None, {}]}, "h", "",
                        False)]
    assert _finding_lines(findings) == [json.dumps(f.to_json(), ensure_ascii=False).encode() for f in findings]
    with pytest.raises(TypeError):
        _finding_lines([Finding("A001", "n", Severity.error, "m", (), None, "f", 1, (), {"x": object()})])


def test_an_archive_of_findings_is_written_as_the_indented_document_reads(monkeypatch):
    # above PRETTY_UP_TO the findings are written from their attributes as UTF-8 pieces: the
    # document is still exactly dumps() of the records, one compact finding per line
    from pathlib import Path

    from figcheck import engine
    from figcheck.config import load_settings
    from figcheck.formats import json_format

    root = Path(__file__).resolve().parent.parent
    result = engine.check([root / "figures.toml"], load_settings(root), use_cache=False)
    monkeypatch.setattr(json_format, "PRETTY_UP_TO", 0)
    monkeypatch.setattr(json_format._FindingsToEncode, "BATCH", 1)
    pieces = list(json_format.render_pieces(result))
    assert any(type(p) is bytes for p in pieces)
    text = json_format.render(result)
    assert text == "".join(p if type(p) is str else p.decode() for p in pieces)
    # the same document as the records written by the C encoder, one per line
    monkeypatch.setattr(json_format, "finding_rows_if_many",
                        lambda findings: json_format.Rows(json_format.finding_records(findings)))
    assert text == json_format.render(result)
    assert len(json.loads(text)["findings"]) == len(result.findings)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 1000.0, 2.5])),
                          st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from([0.0, 1000.0, 2.5])),
                          st.booleans(), st.booleans(), st.sampled_from(["", "soldier", "USD/day"]), st.booleans()),
                max_size=20))
def test_intervals_write_each_interval_as_interval_does(cells):
    """The columns' intervals (a point's high end never formatted) equal interval() one by one."""
    from figcheck import display

    lo = [c[0] for c in cells]
    hi = [c[0] if c[5] else c[1] for c in cells]       # many points
    lo_open, hi_open, units = [c[2] for c in cells], [c[3] for c in cells], [c[4] for c in cells]
    assert display.intervals(lo, hi, lo_open, hi_open, units) == [
        display.interval(*row) for row in zip(lo, hi, lo_open, hi_open, units)]


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 7), st.integers(0, 7), st.booleans())
def test_lines_encoded_ahead_are_written_as_the_render_writes_them(batch, prepared, replaced):
    # engine.run lets --format json encode this process's findings while the text worker reads
    # (json_format.prepare): the document is byte for byte the one written without that, also
    # where only some findings were prepared or a baseline has since replaced them
    import dataclasses
    from pathlib import Path

    import pytest

    from figcheck import engine
    from figcheck.config import load_settings
    from figcheck.formats import json_format

    root = Path(__file__).resolve().parent.parent
    result = engine.check([root / "figures.toml"], load_settings(root), use_cache=False)
    result.findings = [dataclasses.replace(f, message=f"{f.message} #{i}", line=f.line + i)
                       for i in range(5) for f in result.findings]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(json_format, "PRETTY_UP_TO", 0)
        mp.setattr(json_format._FindingsToEncode, "BATCH", batch)
        if replaced:   # as apply_baseline does: new objects, the first no longer new
            old = result.findings
            result.findings = [dataclasses.replace(f, new=k != 0) for k, f in enumerate(old)]
        want = json_format.render(result)
        assert json_format._PREPARED == {}
        if replaced:
            # the old findings' lines, even under the new ones' ids (as if freed ids were reused)
            json_format.prepare(old[:prepared])
            json_format._PREPARED.update({id(new): json_format._PREPARED.pop(id(f))
                                          for f, new in zip(old[:prepared], result.findings)})
        else:
            json_format.prepare(result.findings[:prepared])
        assert len(json_format._PREPARED) == min(prepared, len(result.findings))
        assert json_format.render(result) == want
        assert json_format._PREPARED == {}     # nothing kept for another render
