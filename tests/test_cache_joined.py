"""The parse cache's whole loads: a set of figures files loaded before, every one of them
unchanged, is one entry (figcheck.load.Joined) with the same corpus as its files; an edit to any
file, a changed text, a tampered entry each lead back to the files, and one slot per set of
files keeps the cache from growing by a whole archive on every edit."""
from __future__ import annotations

import os
import time
import tomllib
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings, strategies as st

import figcheck.cache as cache_module
import figcheck.load as load_module
from figcheck.config import Settings
from figcheck.engine import check
from figcheck.formats import render
from figcheck.load import LoadError, load

from conftest import generated_archive

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def files(tmp_path, monkeypatch) -> list[Path]:
    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10 ** 18))   # every file's times count as settled
    generated_archive(tmp_path, 600, seed=5, planted_rate=0.05, forms=("toml",), sources_per_file=3)
    found = sorted((tmp_path / "toml").glob("*.toml"))
    assert len(found) > 2
    return found


def _parts_read(monkeypatch) -> list:
    """Whether load() went to the files from here on (one entry per load that did)."""
    went = []
    real = load_module.read_parts
    monkeypatch.setattr(load_module, "read_parts", lambda *a, **k: went.append(True) or real(*a, **k))
    return went


def _joined_entries(files) -> list[Path]:
    return sorted((files[0].parents[1] / "cache" / "joined").glob("*.pickle"))


def _report(files) -> str:
    return render("json", check(files, Settings(root=ROOT)))


def _assert_same_corpus(a, b) -> None:
    # the same cells: a whole load's ids are arrow strings (load._arrow_id_column), a file's Python's
    for x, y in ((a.figures.df, b.figures.df), (a.relations.df, b.relations.df)):
        pd.testing.assert_frame_equal(x.astype({"id": object}), y.astype({"id": object}))
    assert a.sources == b.sources and a.quantities == b.quantities
    assert (a.files, a.rates, a.skips) == (b.files, b.rates, b.skips)
    assert [(g.tree, list(g.rows)) for g in a.relations.groups] == [(g.tree, list(g.rows)) for g in b.relations.groups]


def test_an_unchanged_set_of_files_loads_from_one_entry_as_from_its_files(files, monkeypatch):
    fresh = load(files, use_cache=False)
    load(files)                           # parses and keeps each file
    assert _joined_entries(files) == []   # a run that parsed a file does not also write the whole
    first = load(files)                   # every file from the cache: the whole load is kept
    assert len(_joined_entries(files)) == 1
    went = _parts_read(monkeypatch)
    again = load(files)
    assert went == []
    assert str(again.figures.df["id"].dtype) == str(again.relations.df["id"].dtype) == "string"
    _assert_same_corpus(again, fresh)
    _assert_same_corpus(again, first)
    assert [s.text for s in again.sources.values()] == [s.text for s in fresh.sources.values()]


def test_findings_from_a_whole_load_equal_those_from_the_files(files, monkeypatch):
    cold = _report(files)
    assert _report(files) == cold          # filled the cache
    went = _parts_read(monkeypatch)
    assert _report(files) == cold
    assert went == []


def test_an_edited_file_goes_back_to_the_files_and_replaces_the_slot(files, monkeypatch):
    load(files)
    load(files)
    entry = _joined_entries(files)[0]
    kept = entry.read_bytes()
    time.sleep(0.05)
    edited = files[1]
    text = edited.read_text(encoding="utf-8")
    edited.write_text(text + '\n[[skip]]\nsource = "%s"\nquote = "x"\nreason = "edited"\n'
                      % _a_source_of(edited), encoding="utf-8")
    went = _parts_read(monkeypatch)
    after = load(files)
    assert went == [True]
    assert any(skip.reason == "edited" for skip in after.skips)
    _assert_same_corpus(load(files), after)              # from the files again, which writes the whole
    assert went == [True, True]
    assert _joined_entries(files) == [entry] and entry.read_bytes() != kept   # the same slot, rewritten
    _assert_same_corpus(load(files), after)              # and the new whole load is used
    assert went == [True, True]


def _a_source_of(path: Path) -> str:
    return tomllib.loads(path.read_text(encoding="utf-8"))["source"][0]["id"]


def test_texts_are_read_again_on_a_whole_load(files):
    before = load(files)
    sid, source = next(iter(before.sources.items()))
    Path(source.path).write_text("ein ganz anderer Text\n", encoding="utf-8")
    assert load(files).sources[sid].text == "ein ganz anderer Text\n"
    os.remove(source.path)
    with pytest.raises(LoadError):
        load(files)


def test_a_tampered_whole_load_is_ignored(files, monkeypatch):
    load(files)
    fresh = load(files)
    entry = _joined_entries(files)[0]
    blob = bytearray(entry.read_bytes())
    blob[-10] ^= 0xFF
    entry.write_bytes(bytes(blob))
    went = _parts_read(monkeypatch)
    _assert_same_corpus(load(files), fresh)
    assert went == [True]


def test_another_order_of_the_same_files_is_another_load(files, monkeypatch):
    load(files)
    went = _parts_read(monkeypatch)
    reordered = load(files[::-1])
    assert went == [True]
    assert reordered.files == tuple(load_module.display_path(p) for p in files[::-1])


def test_unsettled_files_make_no_whole_load(files, monkeypatch):
    monkeypatch.setattr(cache_module, "SETTLED_NS", 10 ** 18)   # no file's times are settled
    load(files)
    assert _joined_entries(files) == []


def test_a_whole_load_keeps_the_quantities_as_columns_each_where_it_was_written(files):
    from figcheck.frames import QuantityFrame

    fresh = load(files, use_cache=False)
    load(files)
    load(files)
    warm = load(files)
    assert isinstance(warm.quantities, QuantityFrame) and isinstance(fresh.quantities, dict)
    assert list(warm.quantities) == list(fresh.quantities)
    assert [warm.quantities[k] for k in fresh.quantities] == list(fresh.quantities.values())
    assert {q.where.file for q in fresh.quantities.values()} == {warm.quantities[k].where.file for k in warm.quantities}
    # the figures' quantity strings are the quantities' own keys (found by identity in the table)
    keys = {id(k) for k in warm.quantities}
    assert all(id(q) in keys for q in warm.figures.df["quantity"] if q in warm.quantities)


@given(st.lists(st.tuples(st.sampled_from(["k", "flow", "stock", ""]), st.one_of(st.none(), st.sampled_from(["a", "b"])),
                          st.booleans(), st.sampled_from(["f1.toml", "f2.toml"]), st.integers(1, 10**6)),
                max_size=30))
def test_quantity_frame_of_records_pickles_to_the_same_records(rows):
    import pickle

    from figcheck.frames import QuantityFrame
    from figcheck.model import Quantity, Where

    records = {f"q{i}": Quantity(f"q{i}", f"described {kind}", kind or "flow", "USD", Where(file, line), part_of, flag)
               for i, (kind, part_of, flag, file, line) in enumerate(rows)}
    frame = QuantityFrame.of_records(records)
    again = pickle.loads(pickle.dumps(frame))
    for made in (frame, again):
        assert list(made) == list(records)
        assert [made[k] for k in records] == list(records.values())
        assert [type(made[k].exhaustive) for k in records] == [bool] * len(records)
        for name in ("kind", "part_of", "exhaustive", "description"):
            assert made.field(name) == [getattr(q, name) for q in records.values()]


def test_quantity_frame_of_records_refuses_records_kept_under_another_key():
    from figcheck.frames import QuantityFrame
    from figcheck.model import Quantity, Where

    assert QuantityFrame.of_records({"a": Quantity("b", "", "flow", "USD", Where("f", 1))}) is None


def _pieces(blob: bytes, key: bytes) -> tuple[bytes, bytes]:
    """An entry as (its head's part: signature, key, length, head; its body's: signature, body)."""
    size = int.from_bytes(blob[32 + len(key):32 + len(key) + 8], "little")
    end = 32 + len(key) + 8 + size
    return blob[:end], blob[end:]


def test_a_whole_load_entry_is_checked_piece_by_piece(tmp_path):
    cache = cache_module.ParseCache(tmp_path, b"s" * 32)
    key = cache.joined_key(["a", "b"])
    heads = []
    cache.put_joined("j1", key, {"head": 1}, ["body", 1])
    assert cache.get_joined("j1", key, heads.append) == ({"head": 1}, ["body", 1])
    assert heads == [{"head": 1}]
    assert cache.get_joined("j1", cache.joined_key(["a"])) is None          # another content
    path = tmp_path / "joined" / "j1.pickle"
    first = path.read_bytes()
    cache.put_joined("j1", key, {"head": 2}, ["body", 2])
    second = path.read_bytes()
    head_one, body_one = _pieces(first, key)
    head_two, body_two = _pieces(second, key)
    for spliced in (head_one + body_two, head_two + body_one, first[:-1], first[:40]):
        path.write_bytes(spliced)
        heads.clear()
        assert cache.get_joined("j1", key, heads.append) is None
    tampered = bytearray(first)
    tampered[len(head_one) - 3] ^= 0xFF   # in the head: refused before it is unpickled
    path.write_bytes(bytes(tampered))
    heads.clear()
    assert cache.get_joined("j1", key, heads.append) is None and heads == []
    path.write_bytes(first)
    assert cache.get_joined("j1", key) == ({"head": 1}, ["body", 1])


def _leaves(corpus) -> list:
    from figcheck.relations import leaf_objects

    return [([leaf_objects(column).tolist() for column in g.leaves],
             [None if p is None else list(p) for p in (g.positions or [])])
            for g in corpus.relations.groups]


def test_a_whole_load_gives_each_relation_group_its_names_and_their_rows(files):
    fresh = load(files, use_cache=False)
    load(files)
    load(files)
    warm = load(files)
    assert _leaves(warm) == _leaves(fresh)
    name_columns = [column for g in warm.relations.groups for leaf, column in zip(g.tree.leaves(), g.leaves)
                    if leaf.kind == "name"]
    # gathered by arrow from the ids the entry keeps as arrow strings: no Python string per name
    assert name_columns and all(isinstance(c, pa.Array) and (pa.types.is_string(c.type) or pa.types.is_large_string(c.type))
                                for c in name_columns)


@given(st.lists(st.integers(-1, 5), max_size=12), st.booleans())
def test_name_columns_kept_as_rows_come_back_as_they_were(at, wrong):
    import pickle

    import numpy as np

    from figcheck.relations import Comparison, Leaf, ShapeGroup

    ids = np.array([f"f{i}" for i in range(6)], dtype=object)
    at = np.array(at, dtype=np.int64)
    column = np.array([ids[p] if p >= 0 else f"unit{k}" for k, p in enumerate(at)], dtype=object)
    if wrong and len(column):   # a column that is not the ids at its rows stays as it is
        column[0] = "not an id"
    tree = Comparison("==", Leaf("name", "_n", 0.0), Leaf("name", "_n", 0.0))
    group = ShapeGroup(tree, np.arange(len(at)), [column, column.copy()], [at, at])
    kept = pickle.loads(pickle.dumps(load_module._groups_by_position([group], ids)))
    assert group.leaves[0] is column   # the corpus's own groups are left alone
    by_rows = isinstance(kept[0].leaves[0], load_module._NamesAt)
    assert by_rows == (not wrong or not len(column) or at[0] < 0)   # a unit's name is kept as it is
    back = load_module._leaves_of(kept, ids)[0]
    for got in back.leaves:
        assert isinstance(got, np.ndarray) and got.dtype == object and got.tolist() == column.tolist()


def test_a_quantity_frame_of_one_file_pickles_as_its_columns():
    import pickle

    from figcheck.frames import QuantityFrame

    frame = QuantityFrame(["a", "b", "c"], ["A", "", ""], ["flow", "flow", "stock"], ["USD", "USD", "t"],
                          [None, "a", "a"], [False, True, False], "quantities.csv", 2)
    again = pickle.loads(pickle.dumps(frame))
    assert [again[k] for k in "abc"] == [frame[k] for k in "abc"]
    assert [again[k].where.line for k in "abc"] == [2, 3, 4]
    assert again.field("part_of") == [None, "a", "a"]
