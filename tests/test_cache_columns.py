"""Cache entries hold frames as plain columns: what they unpickle to, and the files' columns
joined, equal the frames and pd.concat of them."""
import pickle

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from figcheck.cache import dumps
from figcheck.frames import FrameColumns, as_frame, join_frames

cells = st.one_of(st.sampled_from(["a", "b", "ä", ""]), st.text(max_size=3))
odd_cells = st.one_of(cells, st.none(), st.just(float("nan")), st.integers(0, 3), st.just(["x"]))


@st.composite
def frames(draw, rows=None, odd=None):
    n = draw(st.integers(0, 6)) if rows is None else rows
    odd = draw(st.booleans()) if odd is None else odd
    text = pd.Series(draw(st.lists(odd_cells if odd else cells, min_size=n, max_size=n)), dtype=object)
    dates = np.array(draw(st.lists(st.sampled_from(["2024-01-02", "NaT", "1999-12-31"]), min_size=n, max_size=n)),
                     dtype="datetime64[s]")
    return pd.DataFrame({
        "id": pd.Series([f"f{draw(st.integers(0, 3))}_{i}" for i in range(n)], dtype=object),
        "text": text,
        "low": np.array(draw(st.lists(st.floats(allow_nan=True), min_size=n, max_size=n)), dtype=float),
        "line": np.arange(n, dtype=np.int64) * 3,
        "start": pd.Series(dates),
    }, copy=False)


def _as_cached(frame):
    return pickle.loads(dumps(frame))


@settings(max_examples=150, deadline=None)
@given(frames())
def test_a_cached_frame_makes_the_same_frame(frame):
    cached = _as_cached(frame)
    assert isinstance(cached, FrameColumns) and len(cached) == len(frame)
    again = as_frame(cached)
    pd.testing.assert_frame_equal(again, frame, check_exact=True)
    assert list(again.dtypes) == list(frame.dtypes)
    for c in frame.columns:   # None stays None and NaN stays NaN (assert_frame_equal treats them alike)
        assert [type(v) for v in again[c]] == [type(v) for v in frame[c]]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(frames(), st.booleans()), min_size=1, max_size=5))
def test_joined_columns_equal_concat(parts):
    frames_ = [f for f, _ in parts]
    expected = pd.concat(frames_, ignore_index=True)
    joined = join_frames([_as_cached(f) if cached else f for f, cached in parts])
    pd.testing.assert_frame_equal(joined, expected, check_exact=True)
    assert list(joined.dtypes) == list(expected.dtypes)
    for c in expected.columns:
        assert [type(v) for v in joined[c]] == [type(v) for v in expected[c]]


def test_parts_of_other_columns_or_dtypes_are_concatenated_by_pandas():
    a = pd.DataFrame({"x": pd.Series(["a"], dtype=object), "y": [1.0]})
    b = pd.DataFrame({"x": pd.Series(["b"], dtype=object), "y": pd.Series(["z"], dtype=object)})
    c = pd.DataFrame({"y": [2.0], "x": pd.Series(["c"], dtype=object)})
    for parts in ([a, b], [a, c], [_as_cached(a), _as_cached(b)], [_as_cached(a), c]):
        expected = pd.concat([as_frame(p) for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(join_frames(parts), expected, check_exact=True)


@pytest.mark.parametrize("frame", [
    pd.DataFrame({"x": [1, 2]}, index=[5, 6]),
    pd.DataFrame({"x": pd.Categorical(["a", "b"])}),
    pd.DataFrame({1: ["a", "b"]}),
])
def test_frames_of_other_shapes_pickle_as_pandas_does(frame):
    again = _as_cached(frame)
    assert isinstance(again, pd.DataFrame)
    pd.testing.assert_frame_equal(again, frame)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["a == b", "a * b == c", "x + 2 < y", "usd_a * 12 == usd_b", "p / q == 0.5"]),
                max_size=8))
def test_name_leaves_as_arrow_hold_the_same_names(exprs):
    from figcheck.load import arrow_name_leaves
    from figcheck.relations import group_relations

    groups, errors = group_relations(exprs)
    assert not errors
    converted = arrow_name_leaves(groups)
    again = pickle.loads(dumps(converted))
    for g, a in zip(groups, again):
        assert a.tree == g.tree and list(a.rows) == list(g.rows)
        for before, after in zip(g.leaves, a.leaves):
            after = after.to_pylist() if hasattr(after, "to_pylist") else list(after)
            assert after == list(before)


# --- a figure frame's unit numbers: this process's, never the cache's ------------------------

unit_cells = st.sampled_from(["shell/day", "soldier", "USD/month", "percent", "dimensionless"])


@st.composite
def figure_like_frames(draw):
    from figcheck.units import unit_id_column

    units = pd.Series(draw(st.lists(unit_cells, max_size=6)), dtype=object)
    return pd.DataFrame({"unit": units, "line": np.arange(len(units), dtype=np.int64),
                         "unit_id": unit_id_column(units)}, copy=False)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(figure_like_frames(), st.booleans()), min_size=1, max_size=4), st.text(min_size=1))
def test_unit_numbers_are_renumbered_in_this_process(parts, newcomer):
    """A cache entry keeps the unit strings only: the numbers, once a later process numbers its
    units otherwise (here: a unit met first), are worked out again and still name each row's unit."""
    from figcheck.units import unit_ids, unit_names

    cached = [(_as_cached(f), c) for f, c in parts]
    assert all("unit_id" not in p.names() for p, _ in cached)
    unit_ids([f"{newcomer} per fortnight"])     # numbers move on between writing and reading
    joined = join_frames([p if c else f for (f, c), (p, _) in zip(parts, cached)])
    names = unit_names()
    assert [names[i] for i in joined["unit_id"]] == joined["unit"].tolist()
    assert joined["unit"].tolist() == [u for f, _ in parts for u in f["unit"]]
    alone = as_frame(cached[0][0])
    assert [names[i] for i in alone["unit_id"]] == alone["unit"].tolist()


@settings(max_examples=100, deadline=None)
@given(st.lists(unit_cells, max_size=40))
def test_units_by_number_equal_units_by_string(units):
    from figcheck.table import unit_columns
    from figcheck.units import unit_id_column

    column = pd.Series(units, dtype=object)
    by_number = unit_columns(column, unit_id_column(column))
    by_string = unit_columns(column)
    for a, b in zip(by_number[:3], by_string[:3]):
        np.testing.assert_array_equal(a, b)
    assert by_number[3] == by_string[3]


def test_narrow_codes_of_many_parts_join_past_their_own_range():
    # each part has 200 distinct strings (int8 codes would not hold them, int16 do) and the
    # parts together more than int16 holds: the codes are shifted once widened
    parts = [pd.DataFrame({"text": pd.Series([f"p{p}_{i % 200}" for i in range(400)], dtype=object)})
             for p in range(170)]
    cached = [_as_cached(f) for f in parts]
    assert {values.dtype for c in cached for _, values, _ in c.columns} == {np.dtype(np.int16)}
    joined = join_frames(cached)
    pd.testing.assert_frame_equal(joined, pd.concat(parts, ignore_index=True), check_exact=True)


@pytest.mark.parametrize("distinct, dtype", [(2, np.int8), (127, np.int8), (128, np.int16), (40000, np.int32)])
def test_a_text_column_keeps_the_narrowest_codes(distinct, dtype):
    frame = pd.DataFrame({"text": pd.Series([f"s{i % distinct}" for i in range(distinct + 1)], dtype=object)})
    cached = _as_cached(frame)
    assert cached.columns[0][1].dtype == dtype
    pd.testing.assert_frame_equal(as_frame(cached), frame, check_exact=True)


@settings(max_examples=150, deadline=None)
@given(st.lists(frames(), min_size=1, max_size=5))
def test_columns_joined_from_the_parts_codes_make_the_joined_frame(parts):
    from figcheck.cache import column_as_codes
    from figcheck.frames import join_columns

    cached = [_as_cached(f) for f in parts]
    expected = join_frames(cached)
    asked = []

    def column_of(name):
        asked.append(name)
        return column_as_codes(name, expected[name].to_numpy())

    joined = join_columns(cached, column_of)
    again = as_frame(_as_cached_columns(joined))
    pd.testing.assert_frame_equal(again, expected, check_exact=True)
    for c in expected.columns:
        assert [type(v) for v in again[c]] == [type(v) for v in expected[c]]
    for name, values, strings in joined.columns:
        if strings is not None:   # each string once, numbered by first appearance, as pd.factorize does
            codes, uniques = pd.factorize(expected[name].to_numpy())
            assert strings == list(uniques) and values.tolist() == codes.tolist()
    assert set(asked) <= {"text"}   # only a column coded in some parts only is made again


def _as_cached_columns(columns):
    return pickle.loads(pickle.dumps(columns))


def test_columns_are_joined_only_from_cached_columns():
    from figcheck.frames import join_columns

    frame = pd.DataFrame({"text": pd.Series(["a", "a"], dtype=object)})
    assert join_columns([frame], lambda name: None) is None
    assert join_columns([_as_cached(frame), _as_cached(frame.rename(columns={"text": "other"}))], lambda n: None) is None
