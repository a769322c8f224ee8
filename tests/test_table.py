"""The figure table: one row per figure, periods as [start, end) days, intervals in base units."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from conftest import figure, write_figures
from figcheck.units import unit_names

COLUMNS = ["id", "source", "quantity", "kind", "unit", "qualifier", "value_low", "value_high", "written_half",
           "about_half", "period_start", "period_end", "modality", "attributed_to", "published", "file", "line",
           "unit_id", "q_code", "factor", "dimension", "low", "high", "low_open", "high_open", "unit_low", "unit_high"]


def table_of(folder, body):
    from figcheck.load import load
    from figcheck.table import FigureTable

    return FigureTable.from_corpus(load([write_figures(folder, body)]))


@pytest.mark.parametrize("as_of, start, end", [
    ('"2024"', "2024-01-01", "2025-01-01"),
    ('"2024-11"', "2024-11-01", "2024-12-01"),
    ('"2024-12"', "2024-12-01", "2025-01-01"),
    ('"2024-02-29"', "2024-02-29", "2024-03-01"),
    ('"2024-01/2025-02"', "2024-01-01", "2025-03-01"),
    ("2024-11-05", "2024-11-05", "2024-11-06"),     # a TOML date
    (None, "2025-01-15", "2025-01-16"),              # the source's published date
])
def test_periods_are_half_open_days(corpus_dir, as_of, start, end):
    table = table_of(corpus_dir, figure(as_of=as_of))
    row = table.df.iloc[0]
    assert row["period_start"] == pd.Timestamp(start)
    assert row["period_end"] == pd.Timestamp(end)


def test_columns_and_types(corpus_dir):
    body = figure("f1") + "\n" + figure("f2", value='"2,5 Millionen"', unit='"shell/day"', quantity='"shells"',
                                        qualifier='"more_than"', attributed_to='"Kiew"')
    table = table_of(corpus_dir, body)
    df = table.df
    assert list(df.columns)[: len(COLUMNS)] == COLUMNS
    assert len(table) == 2 and (table.row_of("f1"), table.row_of("f2"), table.row_of("f3")) == (0, 1, None)
    for column in ("period_start", "period_end", "published"):
        assert df[column].dtype.kind == "M", column  # datetime64, so periods compare as columns
    assert df["line"].dtype == np.int64
    assert df.loc[1, "attributed_to"] == "Kiew"
    # each unit's process-wide number, as the loader gave it
    assert [unit_names()[i] for i in df["unit_id"]] == df["unit"].tolist() == ["soldier", "shell/day"]
    # shells per day → base unit shell per second; more_than: (2.5 M, ∞)
    assert df.loc[1, "factor"] == pytest.approx(1 / 86400)
    assert df.loc[1, "low"] == pytest.approx(2.5e6 / 86400)
    assert df.loc[1, "high"] == np.inf and df.loc[1, "low_open"] and df.loc[1, "high_open"]
    assert (df.loc[1, "unit_low"], df.loc[1, "unit_high"]) == (2.5e6, np.inf)
    # exponents: one column per base dimension, in table.base_dims order
    exps = dict(zip(table.base_dims, table.exponents[1]))
    assert exps["[shell]"] == 1 and exps["[time]"] == -1 and exps.get("[soldier]", 0) == 0
    iv = table.intervals
    assert iv.lo[0] == 10_500 and iv.hi[0] == 11_500


def test_lines_point_at_each_figure(corpus_dir):
    from conftest import line_of

    body = figure("f1") + "\n" + figure("f2")
    path = write_figures(corpus_dir, body)
    from figcheck.load import load
    from figcheck.table import FigureTable

    df = FigureTable.from_corpus(load([path])).df
    assert df["line"].tolist() == [line_of(path, 'id = "f1"'), line_of(path, 'id = "f2"')]
    assert set(df["file"]) == {"figures.toml"}


def test_month_and_year_are_the_design_ones(corpus_dir):
    body = figure("pay", value="2000", unit='"USD/soldier/month"', quantity='"pay"', qualifier='"exact"') + """
[quantity.pay]
kind = "stock"
unit = "USD/soldier/year"
"""
    df = table_of(corpus_dir, body).df
    seconds_per_month = 365.25 * 86400 / 12
    assert df.loc[0, "low"] == pytest.approx(2000 / seconds_per_month, rel=1e-12)
    assert df.loc[0, "dimension"] == "[currency_USD]/[soldier]/[time]"


def test_an_empty_corpus_gives_an_empty_table(corpus_dir):
    from figcheck.load import load
    from figcheck.table import FigureTable

    path = corpus_dir / "figures.toml"
    path.write_text("# nothing\n", encoding="utf-8")
    table = FigureTable.from_corpus(load([path]))
    assert len(table) == 0 and len(table.intervals) == 0


def test_published_dates_converted_per_source_are_the_per_figure_conversion(tmp_path):
    # build_columns converts each source's date once and gathers: the column is what mapping every
    # figure's source and converting a million dates gave
    from conftest import generated_archive
    from figcheck.load import load
    from figcheck.table import FigureTable

    import dataclasses

    generated_archive(tmp_path, 2000, seed=5, forms=("csv",))
    corpus = load([str(tmp_path / "csv")])
    some = list(corpus.sources)[::3]
    for sid in some:        # sources without a date: the figure's period start fills in
        corpus.sources[sid] = dataclasses.replace(corpus.sources[sid], published=None)
    table = FigureTable.from_corpus(corpus)
    f = corpus.figures.df
    published = pd.Series({k: s.published for k, s in corpus.sources.items()}, dtype=object)
    reference = f["source"].map(published).astype("datetime64[s]").fillna(f["period_start"])
    pd.testing.assert_series_equal(table.df["published"], reference, check_names=False)
    assert table.df["published"].isna().sum() == 0 and len(some) > 0


from hypothesis import given, settings, strategies as st


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["q1", "q2", "q3", "s9"]), st.none(), st.just(float("nan"))), max_size=40),
       st.booleans(), st.booleans())
def test_map_distinct_is_the_per_row_map(cells, dates, empty_mapping):
    # mapped per distinct value and gathered, missing values included: what Series.map gives
    import datetime as dt

    from figcheck.table import map_distinct

    column = pd.Series(cells, dtype=object)
    if dates:
        mapping = {} if empty_mapping else {"q1": dt.date(2024, 1, 2), "q2": None, "s9": dt.date(2020, 2, 29)}
        expected = column.map(pd.Series(mapping, dtype=object)).astype("datetime64[s]")
        got = map_distinct(column, mapping, "source", {}, "datetime64[s]")
    else:
        mapping = {} if empty_mapping else {"q1": "flow", "q2": "stock", "q3": "cumulative"}
        expected = column.map(mapping)
        got = map_distinct(column, mapping, "quantity", {})
    pd.testing.assert_series_equal(got, expected)
    factorized = {}
    map_distinct(column, mapping, "x", factorized)
    if not column.isna().any():
        codes, uniques = pd.factorize(column.to_numpy(dtype=object))
        assert (factorized["x"][0] == codes).all() and list(factorized["x"][1]) == list(uniques)
    else:
        assert "x" not in factorized


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-2**40, 2**40), max_size=50), st.sampled_from([np.int64, np.int32, np.int8]))
def test_sorted_unique_is_np_unique(values, dtype):
    from figcheck.table import sorted_unique

    a = np.array(values, dtype=np.int64).astype(dtype)
    got, expected = sorted_unique(a), np.unique(a)
    assert got.dtype == expected.dtype and got.tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=3), st.none(), st.just(float("nan")), st.integers(-1, 1)), max_size=30))
def test_text_given_marks_the_non_empty_strings(cells):
    # T001-T003 find the figures with an `of`, `between` or `since` by one scan of the column
    from figcheck.checks.percent_time import _text_given

    expected = [isinstance(c, str) and c != "" for c in cells]
    assert _text_given(pd.Series(cells, dtype=object)).tolist() == expected
