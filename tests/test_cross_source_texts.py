"""X001-X003's per-figure texts, built once per figure as columns, equal the one-figure
formatters they stand in for; the table's cached codes equal pd.factorize."""
from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from figcheck import display
from figcheck.checks import cross_source
from figcheck.checks.cross_source import _short_who, _Texts, _views, _who
from figcheck.config import Settings
from figcheck.load import load
from figcheck.rules import Context
from figcheck.table import FigureTable

from conftest import examples, generated_archive


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("texts")
    generated_archive(root, 2000, seed=5, planted_rate=0.2, forms=("csv",), sources_per_file=20)
    corpus = load([root / "csv"], use_cache=False)
    table = FigureTable.from_corpus(corpus)
    return Context(corpus, table, {"severity": {}, "settings": Settings(root=root)})


def _assert_texts(ctx, view):
    texts = _Texts(ctx, view)
    for r, v in view.items():
        assert texts.stated[r] == display.stated(v)
        assert texts.who[r] == _who(ctx, v)
        assert texts.quote_line[r] == display.quote_line(ctx.corpus, v)
        assert texts.short_who[r] == _short_who(ctx, v)
    # without the people (a big group's finding): the same statements and quote lines
    plain = _Texts(ctx, view, people=False)
    assert plain.stated == texts.stated and plain.quote_line == texts.quote_line
    assert not hasattr(plain, "who") and not hasattr(plain, "short_who")


def test_texts_of_frame_views_and_of_records_equal_the_one_figure_formatters(archive):
    rows = np.arange(len(archive.table))
    _assert_texts(archive, _views(archive, rows))
    ids = archive.table.df["id"].to_numpy()
    _assert_texts(archive, {int(r): archive.corpus.figures[ids[r]] for r in rows[:300]})


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.tuples(st.one_of(st.floats(allow_nan=True), st.integers(-10**16, 10**16).map(float)),
                          st.floats(allow_nan=False), st.sampled_from(sorted(display.QUALIFIER_WORDS) + ["odd"]),
                          st.sampled_from(["", "Geheimdienst", "NATO"]), st.booleans()),
                min_size=1, max_size=20))
def test_texts_of_any_numbers_and_attributions_equal_the_formatters(archive, cells):
    base = next(iter(_views(archive, [0]).values()))
    view = {}
    for k, (low, high, qualifier, by, point) in enumerate(cells):
        view[k] = base._replace(low=low, high=low if point else high, qualifier=qualifier, attributed_to=by)
    _assert_texts(archive, view)


def test_cross_source_hits_from_frame_equal_hits_from_records(archive):
    """The frame's fast paths (rows gathered, codes cached) give the hits a hand-built corpus of
    records gives."""
    ctx = archive
    ids = ctx.table.df["id"].tolist()
    records = dataclasses.replace(ctx.corpus, figures={fid: ctx.corpus.figures[fid] for fid in ids})
    table = FigureTable.from_corpus(records)
    slow = Context(records, table, {"severity": {}})
    for rule in (cross_source.sources_disagree, cross_source.cumulative_falls,
                 cross_source.flow_exceeds_containing_period):
        fast_hits = list(rule(ctx))
        assert fast_hits == list(rule(slow))
    assert any(True for _ in cross_source.sources_disagree(ctx))


def test_table_codes_equal_factorize(archive):
    table = archive.table
    assert {"source", "quantity"} <= set(table.factorized)      # kept from building the table
    for column in ("source", "quantity", "dimension", "unit"):
        codes = table.codes(column)
        assert codes.tolist() == pd.factorize(table.df[column])[0].tolist()
        assert not codes.flags.writeable


@settings(max_examples=examples(80), deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["q1", "q2", "q3"]),
                          st.sampled_from([("2024-01-01", "2025-01-01"), ("2024-11-01", "2024-12-01"),
                                           ("2024-01-01", "2024-07-01"), ("2024-06-01", "2025-06-01"),
                                           ("2023-01-01", "2026-01-01")]),
                          st.sampled_from([0.0, 1.0, 5.0, 5.0, 9.0, -np.inf, np.inf]),
                          st.sampled_from([0.0, 2.0, 5.0, 5.0, 10.0, np.inf])),
                max_size=30))
def test_nested_pairs_equal_the_groupby_merge_reference(cells):
    from figcheck.intervals import Intervals

    df = pd.DataFrame({"quantity": pd.Series([c[0] for c in cells], dtype=object),
                       "period_start": np.array([c[1][0] for c in cells], dtype="datetime64[s]"),
                       "period_end": np.array([c[1][1] for c in cells], dtype="datetime64[s]")})
    lo = np.array([c[2] for c in cells], dtype=float)
    hi = np.maximum(lo, np.array([c[3] for c in cells], dtype=float))
    iv = Intervals(lo, hi, np.zeros(len(cells), bool), np.zeros(len(cells), bool))
    rows = np.arange(len(cells))[::-1][::2][::-1].copy()        # a subset of rows, as the flow rows are
    got = set(zip(*(x.tolist() for x in cross_source.nested_pairs(df, iv, rows))))
    want = set(zip(*(x.tolist() for x in cross_source._nested_pairs_by_pandas(df, iv, rows))))
    assert got == want
    assert len(got) == len(cross_source.nested_pairs(df, iv, rows)[0])     # each pair once


@settings(max_examples=examples(60), deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["reported", "estimate", "forecast", "hypothetical", ""]), st.none()),
                max_size=40))
def test_table_isin_equals_pandas_isin(modalities):
    table = FigureTable(pd.DataFrame({"modality": pd.Series(modalities, dtype=object)}), np.zeros((0, 0)), [])
    for values in (cross_source.COMPARABLE, ["forecast"], [None, "estimate"], []):
        want = table.df["modality"].isin(values).to_numpy()
        assert table.isin("modality", values).tolist() == want.tolist()
    assert cross_source.comparable(table.df, table).tolist() == cross_source.comparable(table.df).tolist()


@pytest.mark.parametrize("order", ["as written", "reversed", "by id"])
def test_big_group_lists_its_outside_figures_by_id_whatever_the_file_order(tmp_path, order):
    from test_cross_source_clusters import corpus

    figures = [(f"sent_{k:02d}", f"s{k:02d}", "11.000", "about", "2024") for k in range(10)]
    figures += [(f"out_{k}", f"t{k}", "20.000", "about", "2024") for k in (3, 1, 2)]
    if order == "reversed":
        figures = figures[::-1]
    elif order == "by id":      # the table already in id order: no sort needed
        figures = sorted(figures)
    result = corpus(tmp_path, figures)
    (finding,) = [f for f in result.findings if f.code == "X001"]
    assert finding.figures == ("out_1", "out_2", "out_3")
    outside = [d.split()[1] for d in finding.details if d.startswith("Outside:")]
    assert outside == ["out_1", "out_2", "out_3"]


def test_quantity_facts_from_columns_equal_those_of_the_records(archive):
    """_quantity_facts reads the quantity frame's columns: the same as each quantity's record."""
    from figcheck.units import unit_info

    quantities = archive.corpus.quantities
    assert hasattr(quantities, "field")      # the columns' path is the one tested first
    keys = list(quantities)[:50]
    facts = cross_source._quantity_facts(archive, keys + keys[:5])
    assert list(facts) == keys
    for q in keys:
        record = quantities[q]
        assert facts[q] == (record.unit, unit_info(record.unit).factor, record.description or q)
    by_records = dataclasses.replace(archive.corpus, quantities={q: quantities[q] for q in keys})
    assert cross_source._quantity_facts(Context(by_records, archive.table, {}), keys) == facts
    with pytest.raises(KeyError):
        cross_source._quantity_facts(archive, ["no such quantity"])


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=30))
def test_percents_equal_percent_of_each_value(values):
    assert display.percents(values) == [display.percent(v) for v in values]


def _closing_sums_one_by_one(ctx, lower, higher, closing, view, per_unit, units):
    """The sums as the scalar loop wrote them: the reference _closing_sums is tested against."""
    df = ctx.table.df
    ids, value_low, factor = df["id"].to_numpy(), df["value_low"].to_numpy(), df["factor"].to_numpy()
    out = []
    for a, b, closers, unit, unit_factor in zip(lower.tolist(), higher.tolist(), closing, units, per_unit.tolist()):
        if not closers:
            out.append(None)
            continue
        parts = [a] + closers
        if len({view[k].unit for k in parts + [b]}) == 1:
            values, suffix = [value_low[k] for k in parts + [b]], ""
        else:
            values, suffix = [value_low[k] * factor[k] / unit_factor for k in parts + [b]], f" {unit}"
        texts = display.nums(values)
        out.append((" + ".join(texts[:-1]), f"{texts[-1]}{suffix}",
                    " + ".join(f"{ids[k]} ({view[k].source}, {view[k].period})" for k in parts),
                    [str(ids[k]) for k in parts]))
    return out


def test_closing_sums_equal_the_scalar_loop(archive):
    ctx = archive
    df, iv = ctx.table.df, ctx.table.intervals
    groups = cross_source.Groups(df, ctx.table)
    lower, higher, _ = cross_source.small_group_pairs(df, iv, groups)
    closing = cross_source.gap_closers_all(ctx, lower, higher)
    assert any(closing) and not all(closing)
    view = _views(ctx, np.r_[lower, higher, [k for c in closing if c for k in c]])
    facts = cross_source._quantity_facts(ctx, [view[a].quantity for a in lower.tolist()])
    info = [facts[view[a].quantity] for a in lower.tolist()]
    per_unit, units = np.array([i[1] for i in info], dtype=float), [i[0] for i in info]
    want = _closing_sums_one_by_one(ctx, lower, higher, closing, view, per_unit, units)
    # the fields read as columns (display.figure_cells) by default
    assert cross_source._closing_sums(ctx, lower, higher, closing, per_unit, units) == want
    assert any(s is not None and s[1].endswith(u) and " " in s[1] for s, u in zip(want, units))  # several units
    # every unit made the quantity's, whatever the figures' own: the conversion path throughout
    odd = {r: v._replace(unit=f"u{r}") for r, v in view.items()}
    want = _closing_sums_one_by_one(ctx, lower, higher, closing, odd, per_unit, units)
    fields = {"unit": "unit", "source": "source", "period_text": "period"}

    def cells(column, rows):
        return [getattr(odd[r], fields[column]) for r in np.asarray(rows).tolist()]

    assert cross_source._closing_sums(ctx, lower, higher, closing, per_unit, units, cells) == want


def test_dimension_codes_by_unit_equal_factorize_of_the_dimensions(archive):
    df = archive.table.df
    rows = np.r_[np.arange(0, len(df), 3), [5, 5, 0]]
    codes = cross_source._dimension_codes(df, rows)
    want = pd.factorize(df["dimension"].to_numpy()[rows])[0]
    assert len(set(want.tolist())) > 1
    # equal exactly where the dimensions are equal
    assert (codes[:, None] == codes[None, :]).tolist() == (want[:, None] == want[None, :]).tolist()
    unknown = df.assign(unit_id=np.where(np.arange(len(df)) == rows[0], -1, df["unit_id"].to_numpy()))
    assert cross_source._dimension_codes(unknown, rows).tolist() == want.tolist()
