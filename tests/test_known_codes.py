"""The loader's codes of an archive's text columns, reused after loading: renumbered they are
exactly pd.factorize's, and the table and the text worker's grouping read them."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from figcheck import prefetch
from figcheck.coverage import _source_positions
from figcheck.frames import first_seen, known_codes, known_factorization
from figcheck.load import load
from figcheck.table import FigureTable

from conftest import generated_archive


@given(st.lists(st.integers(0, 6), max_size=60), st.integers(0, 4))
def test_first_seen_is_pd_factorize(codes, unused):
    uniques = np.array([f"v{k}" for k in range(7 + unused)], dtype=object)[::-1]   # numbered in any order
    codes = np.array(codes, dtype=np.int64)
    got_codes, got_uniques = first_seen(codes, uniques)
    want_codes, want_uniques = pd.factorize(uniques[codes])
    assert got_codes.tolist() == want_codes.tolist()
    assert list(got_uniques) == list(want_uniques)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("codes")
    generated_archive(root, 3000, seed=21, forms=("csv",))
    return load([root / "csv"], use_cache=False)


@pytest.mark.parametrize("column", ["source", "quantity"])
def test_the_figure_frame_keeps_the_loaders_codes(archive, column):
    df = archive.figures.df
    assert known_codes(df, column) is not None
    codes, uniques = known_factorization(df, column)
    want_codes, want_uniques = pd.factorize(df[column].to_numpy(dtype=object))
    assert codes.tolist() == want_codes.tolist() and list(uniques) == list(want_uniques)
    table = FigureTable.from_corpus(archive)
    assert table.codes(column).tolist() == want_codes.tolist()


@pytest.mark.parametrize("kind", ["figures", "relations"])
def test_the_worker_grouping_from_codes_equals_the_hashed_one(archive, kind):
    df = getattr(archive, kind).df
    assert known_codes(df, "source") is not None
    grouping = prefetch._Grouping(archive)
    # each row's source as its position among the corpus's sources, as hashing every row gives it
    assert grouping.positions(kind, df).tolist() == _source_positions(df["source"], list(archive.sources)).tolist()


def test_a_whole_load_from_the_cache_keeps_the_cache_codes(tmp_path, monkeypatch):
    import figcheck.cache as cache_module

    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10 ** 18))
    generated_archive(tmp_path, 600, seed=8, forms=("toml",), sources_per_file=3)
    paths = sorted((tmp_path / "toml").glob("*.toml"))
    load(paths)                          # parses the files
    load(paths)                          # from their entries: keeps the whole load
    df = load(paths).figures.df          # the whole load, from its entry
    for column in ("source", "quantity"):
        assert known_codes(df, column) is not None
        codes, uniques = known_factorization(df, column)
        want_codes, want_uniques = pd.factorize(df[column].to_numpy(dtype=object))
        assert codes.tolist() == want_codes.tolist() and list(uniques) == list(want_uniques)


@given(st.lists(st.text(max_size=6), min_size=1, max_size=40), st.data())
def test_arrow_cells_serve_what_the_object_array_serves(strings, data):
    """frames.ArrowCells (an arrow id column read cell by cell) gives what the object array of
    the same strings gives for a position, a negative one, positions, a mask, a slice and take."""
    import pyarrow as pa

    from figcheck.frames import ArrowCells, cells

    objects = np.array(strings, dtype=object)
    column = pd.Series(pd.arrays.ArrowStringArray(pa.array(strings, type=pa.string())))
    held = cells(column)
    assert isinstance(held, ArrowCells) and len(held) == len(objects)
    n = len(strings)
    i = data.draw(st.integers(-n, n - 1))
    assert held[i] == objects[i] and type(held[i]) is str
    rows = np.array(data.draw(st.lists(st.integers(-n, n - 1), max_size=20)), dtype=np.int64)
    assert held[rows].tolist() == objects[rows].tolist()
    assert held.take(rows).tolist() == objects.take(rows).tolist()
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    assert held[mask].tolist() == objects[mask].tolist()
    start, stop = sorted(data.draw(st.tuples(st.integers(0, n), st.integers(0, n))))
    assert held[start:stop].tolist() == objects[start:stop].tolist()
    assert held.tolist() == strings and np.asarray(held).tolist() == strings
    # an object column is served as its own array
    assert isinstance(cells(pd.Series(objects, dtype=object)), np.ndarray)


def test_kept_arrow_ids_are_the_noted_strings_in_one_chunk():
    """frames.keep_arrow_ids swaps an object id column for the arrow strings noted for it, joined
    into one chunk (cells() reads it without joining chunks again), and leaves a column without a
    note as it is."""
    import pyarrow as pa

    from figcheck.frames import ArrowCells, cells, keep_arrow_ids, remember_arrow

    ids = np.array([f"f{i}" for i in range(9)], dtype=object)
    frame = pd.DataFrame({"id": pd.Series(ids, dtype=object, copy=False), "x": np.arange(9)})
    remember_arrow(frame["id"].to_numpy(), pa.chunked_array([ids[:4].tolist(), ids[4:7].tolist(), ids[7:].tolist()]))
    keep_arrow_ids(frame)
    assert str(frame["id"].dtype) == "string"
    held = cells(frame["id"])
    assert isinstance(held, ArrowCells) and held.tolist() == ids.tolist()
    assert getattr(pa.array(frame["id"].array), "num_chunks", 1) == 1
    unnoted = pd.DataFrame({"id": pd.Series(ids.copy(), dtype=object)})
    keep_arrow_ids(unnoted)
    assert unnoted["id"].dtype == object


@given(st.lists(st.integers(-1, 7), max_size=30), st.integers(0, 8))
def test_names_gathered_by_arrow_are_the_names_gathered_as_objects(positions, n_ids):
    """relations.arrow_names_at (a warm load's name columns, from arrow ids) holds the names
    relations.names_at gives from the same ids as Python strings: a figure's id at its row,
    the other names (units) in order where the row is -1."""
    import pyarrow as pa

    from figcheck.relations import arrow_names_at, names_at

    ids = np.array([f"f{i}" for i in range(n_ids)], dtype=object)
    at = np.array([p if p < n_ids else -1 for p in positions], dtype=np.int64)
    others = np.array([f"unit{k}" for k in range(int((at < 0).sum()))], dtype=object)
    expected = names_at(ids, at, others).tolist()
    got = arrow_names_at(pa.array(ids.tolist(), type=pa.string()), at, others)
    assert isinstance(got, pa.Array) and got.to_pylist() == expected


@given(st.lists(st.text(max_size=5), unique=True, max_size=40), st.booleans(),
       st.lists(st.text(max_size=5), max_size=10))
def test_an_arrow_id_index_finds_what_a_pandas_index_finds(ids, ascending, asked):
    """frames.ArrowIdIndex (ids held as arrow strings) answers get_loc, get_indexer and `in` as
    pd.Index over the same ids as Python strings does, whether the ids ascend as they stand
    (bisected in place) or not (bisected once sorted)."""
    import pyarrow as pa

    from figcheck.frames import ArrowIdIndex, id_index

    ids = sorted(ids) if ascending else ids
    held = id_index(pd.Series(pd.arrays.ArrowStringArray(pa.array(ids, type=pa.string()))))
    assert isinstance(held, ArrowIdIndex)
    plain = pd.Index(np.array(ids, dtype=object), dtype=object)
    for key in ids + asked + [None, 3]:
        assert (key in held) == (key in plain)
        if key in plain:
            assert held.get_loc(key) == plain.get_loc(key)
        else:
            with pytest.raises(KeyError):
                held.get_loc(key)
    keys = asked + ids[::2]
    expected = plain.get_indexer(np.array(keys, dtype=object)).tolist()
    assert held.get_indexer(keys).tolist() == expected          # bisected, key by key
    import figcheck.frames as frames

    bisected_at_most, frames.BISECTED_AT_MOST = frames.BISECTED_AT_MOST, -1
    try:
        assert held.get_indexer(keys).tolist() == expected      # arrow's hash lookup
    finally:
        frames.BISECTED_AT_MOST = bisected_at_most
