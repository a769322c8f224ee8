"""The byte scan that finds relation templates and tokens (relations._Tokens) equals the regex
kernels it replaces: arrow's replace_substring_regex(_TOKEN → "@") for the templates,
extract_regex(_extractor(template)) for the tokens, and the name/number patterns for kinds."""
from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from figcheck.relations import _NAME, _NUMBER, _TOKEN, _columns_arrow, _extractable, _extractor, _Tokens

# token bytes, RE2's spaces, spaces RE2 does not take, operators, non-ASCII letters
PIECES = ["a", "b", "x1", "_", "f0000001", "12", "2.5", ".5", "5.", ".", "1e5", "a.b", "..", "0",
          " ", "  ", "\t", "\n", "\r", "\f", "\v", "\xa0", "\u2003", "\x1c",
          "==", "=", "<", "<=", "*", "+", "-", "/", "(", ")", ",", "ö", "€", "@", "@@"]
expressions = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)


def _regex_kind(token: str) -> int:
    if _NAME.fullmatch(token):
        return 1
    return 2 if _NUMBER.fullmatch(token) else 0


@settings(max_examples=300, deadline=None)
@given(st.lists(expressions, min_size=1, max_size=25), st.integers(0, 3))
def test_templates_and_tokens_equal_the_regex_kernels(exprs, sliced):
    array = pa.array(["pad"] * sliced + exprs, type=pa.string()).slice(sliced)   # a slice: offsets not from 0
    tokens = _Tokens(array)
    want = pc.replace_substring_regex(array, _TOKEN, "@").to_pylist()
    assert tokens.template.to_pylist() == want
    for template in set(want):
        rows = np.array([i for i, t in enumerate(want) if t == template], dtype=np.int64)
        found = pc.extract_regex(array.take(pa.array(rows)), _extractor(template)) if "@" in template else None
        if found is None:
            continue
        slots = template.count("@")
        filled = tokens.counts(rows) == slots   # an "@" written in the expression: no token
        if not _extractable(template):          # the regex finds nothing where the scan says so
            filled[:] = False
        assert found.is_valid().to_numpy(zero_copy_only=False).tolist() == filled.tolist()
        found, rows = found.filter(pa.array(filled)), rows[filled]
        kinds = tokens.kinds(rows, slots)
        for j in range(slots):
            column = found.field(j).to_pylist()
            assert tokens.strings(rows, j).to_pylist() == column
            assert kinds[j].tolist() == [_regex_kind(t) for t in column]


@given(st.lists(expressions, min_size=1, max_size=25))
def test_name_columns_are_arrow_or_python_strings_alike(exprs):
    (codes, uniques), leaves = _columns_arrow(exprs, arrow_names=True)
    _, plain_leaves = _columns_arrow(exprs)
    for k, template in enumerate(uniques):
        rows = np.flatnonzero(codes == k)
        if "@" not in template or not _extractable(template):
            continue
        valid, kinds, column = leaves(rows, template)
        _, _, plain_column = plain_leaves(rows, template)
        members = np.arange(int(valid.sum()))[::2]
        for j in range(len(kinds)):
            assert column(j, members).to_pylist() == plain_column(j, members).tolist()


def test_an_empty_column_and_empty_expressions():
    assert _Tokens(pa.array([], type=pa.string())).template.to_pylist() == []
    tokens = _Tokens(pa.array(["", "", "a"], type=pa.string()))
    assert tokens.template.to_pylist() == ["", "", "@"]
    assert tokens.first.tolist() == [0, 0, 0, 1]
    assert tokens.counts(np.arange(3)).tolist() == [0, 0, 1]


def test_a_column_longer_than_one_scan_is_scanned_in_chunks(monkeypatch):
    import figcheck.relations as relations

    exprs = [f"f{i} == f{i + 1} * 2" if i % 3 else f" ( g{i} )<=h " for i in range(500)]
    whole = _Tokens(pa.array(exprs, type=pa.string()))
    monkeypatch.setattr(relations, "_SCAN_BYTES", 64)
    chunked = _Tokens(pa.array(exprs, type=pa.string()))
    assert chunked.template.to_pylist() == whole.template.to_pylist()
    rows = np.arange(1, 500, 3)
    assert chunked.strings(rows, 1).to_pylist() == [f"f{i + 1}" for i in rows]
    assert chunked.kinds(rows, 3)[2].tolist() == [2] * len(rows)
