"""What the parent process keeps for the whole run is kept lean: a relation group's sides are
evaluated again where asked for, the table keeps per-unit facts and small codes, the cross-source
groups per-group periods. Each lean form must read exactly as the full one it replaces."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import figure, generated_archive, write_figures


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    from figcheck.load import load
    from figcheck.rules import Context
    from figcheck.table import FigureTable

    root = tmp_path_factory.mktemp("lean")
    generated_archive(root, 600, seed=11, forms=("csv",))
    corpus = load([root / "csv"], use_cache=False)
    table = FigureTable.from_corpus(corpus)
    return corpus, table, Context(corpus, table, {})


def _same(a, b):
    for name in ("lo", "hi", "lo_open", "hi_open"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_sides_at_some_rows_are_the_whole_evaluation_at_them(archive):
    from figcheck.intervals import holds

    _, _, ctx = archive
    rng = np.random.default_rng(3)
    for group in ctx.relation_results:
        rows = np.sort(rng.choice(len(group.rows), size=min(len(group.rows), 7), replace=False))
        left, right = group.sides(rows)         # evaluated again at these rows only
        whole_left, whole_right = group.left, group.right
        _same(left, whole_left.take(rows))
        _same(right, whole_right.take(rows))
        # the sides evaluated again are the ones the evaluation compared
        expected = holds(group.op, whole_left, whole_right) & ~whole_left.empty & ~whole_right.empty
        np.testing.assert_array_equal(group.holds, expected)
        assert len(group.holds) == len(group.mismatch) == len(group.rows)
        for i in np.flatnonzero(~group.mismatch)[:20].tolist():
            assert group.mismatch_at[i] is None


@pytest.mark.parametrize("at_once", [1 << 16, 1])
def test_sides_with_unit_names_and_numbers_evaluate_again_as_they_did(corpus_dir, monkeypatch, at_once):
    import figcheck.relations as relations
    from figcheck.load import load
    from figcheck.relations import evaluate_group
    from figcheck.rules import Context
    from figcheck.table import FigureTable

    body = (figure("per_day", value='"28.000"', unit='"shell/day"', quantity='"shells"')
            + figure("per_year", value='"10 Millionen"', unit='"shell/year"', quantity='"shells"')
            + figure("troops", value='"6.000"')
            + '[[relation]]\nid = "r1"\nsource = "s1"\nexpr = "per_day * year == per_year"\n'
            + '[[relation]]\nid = "r2"\nsource = "s1"\nexpr = "per_day * 365.25 * day < per_year + 1"\n'
            + '[[relation]]\nid = "r3"\nsource = "s1"\nexpr = "troops + per_day == troops"\n'
            + '[[relation]]\nid = "r4"\nsource = "s1"\nexpr = "per_day * day == per_year * day / year"\n'
            + '[[relation]]\nid = "r5"\nsource = "s1"\nexpr = "per_year + troops == per_year"\n')
    corpus = load([write_figures(corpus_dir, body)])
    table = FigureTable.from_corpus(corpus)
    monkeypatch.setattr(relations, "EVALUATED_AT_ONCE", at_once)
    groups = Context(corpus, table, {}).relation_results
    assert any(g.mismatch.sum() == 2 for g in groups)      # (r3, r5: one shape, two rows)
    assert sum(len(g.rows) for g in groups) == 5
    for group in groups:
        # the reference: the same group evaluated with its sides kept (no evaluating again)
        kept = evaluate_group(group.tree, group.ids, group._slots(None), lambda row: "?")
        _same(group.left, kept.left)
        _same(group.right, kept.right)
        np.testing.assert_array_equal(group.holds, kept.holds)
        np.testing.assert_array_equal(group.mismatch, kept.mismatch)
        for i in range(len(group.rows)):
            _same(group.sides(np.array([i]))[0], kept.left.take([i]))
            assert (group.mismatch_at[i] is None) == (not group.mismatch[i])


def test_table_keeps_units_kinds_and_codes_compact_with_the_same_cells(archive):
    from figcheck.frames import TakenAt
    from figcheck.table import build_columns, unit_columns

    corpus, table, _ = archive
    df = table.df
    factors, dims, exponents, base_dims = unit_columns(df["unit"])     # per row, by string
    assert isinstance(table.exponents, TakenAt)
    np.testing.assert_array_equal(np.asarray(table.exponents), exponents)
    np.testing.assert_array_equal(table.exponents[5], exponents[5])
    assert table.base_dims == base_dims
    np.testing.assert_array_equal(df["factor"].to_numpy(), factors)
    assert isinstance(df["dimension"].dtype, pd.CategoricalDtype)
    assert df["dimension"].to_numpy().tolist() == dims.tolist()
    assert df["dimension"].cat.categories.dtype == object        # to_numpy: the keys themselves
    # kind: the cells map_distinct gives, as a categorical
    reference = build_columns(corpus)["kind"]
    assert isinstance(df["kind"].dtype, pd.CategoricalDtype)
    assert df["kind"].astype(object).tolist() == reference.astype(object).tolist()
    np.testing.assert_array_equal((df["kind"] == "flow").to_numpy(), (reference == "flow").to_numpy())
    # codes: pd.factorize's, in small integers
    for column in ("source", "quantity", "modality", "dimension"):
        codes = table.codes(column)
        assert codes.itemsize < 8, column
        assert codes.tolist() == pd.factorize(df[column].astype(object))[0].tolist(), column


def test_kind_as_a_categorical_is_map_distinct_with_missing_kinds(corpus_dir):
    from figcheck.table import map_distinct, map_distinct_categorical

    column = pd.Series(["q1", None, "q2", "q3", "q1", float("nan"), "q9"], dtype=object)
    for mapping in ({"q1": "flow", "q2": "stock", "q3": "flow"}, {}):
        got = map_distinct_categorical(column, mapping, "quantity")
        want = map_distinct(column, mapping, "quantity")
        assert got.isna().tolist() == want.isna().tolist()
        assert got.astype(object).where(got.notna(), None).tolist() == want.astype(object).where(want.notna(), None).tolist()


def test_groups_periods_per_group_read_per_row_as_before(archive):
    from figcheck.checks.cross_source import Groups, _days

    _, table, _ = archive
    df = table.df
    groups = Groups(df, table)
    start, end = _days(df["period_start"]), _days(df["period_end"])
    np.testing.assert_array_equal(groups.period_start, start[groups.rows])
    np.testing.assert_array_equal(groups.period_end, end[groups.rows])
    np.testing.assert_array_equal(groups.quantity, table.codes("quantity")[groups.rows])


def test_messages_made_in_parts_are_the_messages_made_at_once(archive, monkeypatch):
    import figcheck.checks.arithmetic as arithmetic
    from figcheck.rules import Context

    corpus, table, _ = archive

    def hits(part):
        monkeypatch.setattr(arithmetic, "PART", part)
        ctx = Context(corpus, table, {})
        return [(h.message, h.figures, h.relation, h.details, h.data, h.headline)
                for rule in (arithmetic.relation_does_not_hold, arithmetic.relation_mixes_dimensions)
                for h in rule(ctx)]

    at_once = hits(10**9)
    # (a group with several failing relations, for the parts to split)
    assert max(int((~g.mismatch & ~g.holds).sum()) for g in Context(corpus, table, {}).relation_results) >= 3
    assert hits(2) == at_once
    assert hits(1) == at_once


def test_factorize_with_a_small_hash_table_is_pd_factorize():
    from figcheck.table import HASH_START, factorize

    rng = np.random.default_rng(5)
    for values in (np.array(["a", "b", None, "a", "c"] * 40_000, dtype=object),
                   rng.integers(0, HASH_START * 3, 300_000),          # more distinct values than it starts with
                   np.r_[rng.random(1000), np.nan, -0.0, 0.0][rng.integers(0, 1003, 200_000)]):
        codes, uniques = factorize(values)
        want_codes, want_uniques = pd.factorize(values)
        np.testing.assert_array_equal(codes, want_codes)
        np.testing.assert_array_equal(np.asarray(uniques), np.asarray(want_uniques))


def test_a_member_made_later_writes_as_the_member_made_at_once():
    import json

    from figcheck.formats.json_format import ABSENT, Later, Rows, dumps

    value = {"sources": {f"s{i}": {"n": i, "text": "«x»"} for i in range(70)}, "rows": [1.5, None, "ä"]}
    made = []
    doc = {"a": 1, "rows": Rows([{"k": i} for i in range(1200)]), "summary": {"n": 2, "later": Later(
        lambda: made.append(1) or value)}}
    want = {"a": 1, "rows": [{"k": i} for i in range(1200)], "summary": {"n": 2, "later": value}}
    text = dumps(doc, end="\n")
    assert json.loads(text) == want and made == [1]
    assert dumps({"a": 1, "b": {"x": [1, 2], "later": Later(lambda: value)}}) == json.dumps(
        {"a": 1, "b": {"x": [1, 2], "later": value}}, ensure_ascii=False, indent=2)
    # absent: the member is left out
    assert dumps({"a": 1, "b": {"x": 1, "later": Later(lambda: ABSENT)}}) == json.dumps(
        {"a": 1, "b": {"x": 1}}, ensure_ascii=False, indent=2)
    with pytest.raises(ValueError):
        dumps({"later": Later(lambda: 1)})


def test_big_groups_rows_are_in_id_order_whether_or_not_the_ids_ascend(archive):
    from figcheck.checks.cross_source import (BIG_GROUP, Groups, _ascending, _big_groups, group_conflict_counts)

    assert _ascending(np.array(["a", "b", "b", "c"], dtype=object))
    assert not _ascending(np.array(["a", "c", "b"], dtype=object))
    assert not _ascending(np.array(["a", 1], dtype=object))      # ids that do not compare
    _, table, ctx = archive
    df, iv, named = table.df, table.intervals, dict(table.named_figures)
    for ids in (df["id"].to_numpy(), df["id"].to_numpy()[::-1].copy()):
        table.df = df.assign(id=ids)
        try:
            groups = Groups(table.df, table)
            counts = group_conflict_counts(table.df, iv, groups, which=groups.size > BIG_GROUP)
            big = np.flatnonzero(counts > 0)
            assert len(big)
            every, bounds = _big_groups(ctx, groups, big, counts)[:2]
            for b, g in enumerate(big.tolist()):
                rows = every[bounds[b]:bounds[b + 1]]
                assert sorted(rows.tolist()) == sorted(groups.members(g).tolist())
                assert ids[rows].tolist() == sorted(ids[rows].tolist())
        finally:
            table.df = df
            table.named_figures.clear()
            table.named_figures.update(named)


def test_groups_evaluated_in_parts_are_the_groups_evaluated_at_once(archive, monkeypatch):
    import figcheck.relations as relations

    corpus, table, _ = archive
    whole = relations.evaluate_all(corpus, table)
    monkeypatch.setattr(relations, "EVALUATED_AT_ONCE", 3)
    parts = relations.evaluate_all(corpus, table)
    assert max(len(g.rows) for g in whole) > 3
    for a, b in zip(whole, parts, strict=True):
        np.testing.assert_array_equal(a.holds, b.holds)
        np.testing.assert_array_equal(a.mismatch, b.mismatch)
        assert dict(a.mismatch_at) == dict(b.mismatch_at)
        _same(a.left, b.left)
        _same(a.right, b.right)
