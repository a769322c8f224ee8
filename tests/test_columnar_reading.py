"""An archive's files are read in turn (relations.csv in a thread from the start): the first file
that cannot be read is the one reported, as when each was read after the one before."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from figcheck.load import LoadError, load

FILES = {
    "sources.csv": b"id,file,published,language\ns1,a.txt,2025-01-02,de\n",
    "quantities.csv": b"key,kind,unit\ntroops,stock,soldier\n",
    "figures.csv": b"id,source,quote,value,unit,quantity\nf1,s1,etwa 11.000 Soldaten,11.000,soldier,troops\n"
                   b"f2,s1,x,7,soldier,troops\n",
    "relations.csv": b"id,source,expr\nr1,s1,f1 > f2\n",
    "rates.csv": b"from,to,value,as_of,source\nEUR,USD,1.08,2024-11-05,s1\n",
}
NOT_UTF8 = b"id,source\n\xff\xfe\n"


def _problems(tmp_path, broken):
    (tmp_path / "a.txt").write_text("etwa 11.000 Soldaten", encoding="utf-8")
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(NOT_UTF8 if name in broken else data)
    with pytest.raises(LoadError) as caught:
        load([tmp_path], use_cache=False)
    return [(Path(p.file).name, p.line, p.message) for p in caught.value.problems]


@pytest.mark.parametrize("broken, reported", [
    ({"relations.csv"}, "relations.csv"),
    ({"relations.csv", "rates.csv"}, "relations.csv"),
    ({"rates.csv"}, "rates.csv"),
    ({"quantities.csv", "relations.csv"}, "quantities.csv"),
    ({"figures.csv", "relations.csv"}, "figures.csv"),
    ({"sources.csv", "relations.csv", "rates.csv"}, "sources.csv"),
])
def test_the_first_unreadable_file_stops_the_load(tmp_path, broken, reported):
    assert _problems(tmp_path, broken) == [(reported, 1, "not UTF-8")]


def test_a_readable_archive_loads_its_relations(tmp_path):
    (tmp_path / "a.txt").write_text("etwa 11.000 Soldaten", encoding="utf-8")
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(data)
    corpus = load([tmp_path], use_cache=False)
    assert list(corpus.relations) == ["r1"] and len(corpus.figures) == 2


@pytest.mark.parametrize("ids, duplicates", [
    (["r1", "r2", "r3"], []),                 # strictly increasing: distinct without hashing them
    (["r1", "r2", "r2"], [(4, "r2", 3)]),
    (["r2", "r1", "r2"], [(4, "r2", 2)]),
    (["r3", "r2", "r1"], []),
])
def test_relation_ids_are_checked_for_duplicates_in_any_order(tmp_path, monkeypatch, ids, duplicates):
    import figcheck.load as load_module

    seen = []
    original = load_module._strictly_increasing
    monkeypatch.setattr(load_module, "_strictly_increasing", lambda v: seen.append(v.dtype) or original(v))
    (tmp_path / "a.txt").write_text("etwa 11.000 Soldaten", encoding="utf-8")
    for name, data in FILES.items():
        (tmp_path / name).write_bytes(data)
    rows = "".join(f"{rid},s1,f1 > f2\n" for rid in ids)
    (tmp_path / "relations.csv").write_text("id,source,expr\n" + rows, encoding="utf-8")
    expected = [("relations.csv", line, f"duplicate relation id {rid!r} (first at line {first})")
                for line, rid, first in duplicates]
    if expected:
        with pytest.raises(LoadError) as caught:
            load([tmp_path], use_cache=False)
        assert [(Path(p.file).name, p.line, p.message) for p in caught.value.problems] == expected
    else:
        assert sorted(load([tmp_path], use_cache=False).relations) == sorted(ids)
    assert len(seen) == 2 and all(str(d) == "string" for d in seen)   # figure and relation ids came as arrow


@given(st.lists(st.one_of(st.sampled_from(["", "a", "b c", "ö"]), st.none())))
def test_empty_cells_are_the_cells_equal_to_nothing_however_the_column_is_held(cells):
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from figcheck.load import _empty_cells

    want = [c == "" for c in cells]
    held = [pd.Series(cells, dtype=object), pd.Series(cells, dtype="category"),
            pd.Series(pd.arrays.ArrowStringArray(pa.array(cells, type=pa.string())))]
    if None not in cells:
        held.append(pd.Series(pd.Categorical(cells, categories=sorted(set(cells) | {"z"}))))
    for values in held:
        assert _empty_cells(values).tolist() == want
        assert _empty_cells(values).dtype == np.bool_


def _archive(folder, figures: bytes, relations: bytes) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "a.txt").write_text("etwa 11.000 Soldaten", encoding="utf-8")
    for name, data in FILES.items():
        (folder / name).write_bytes(data)
    (folder / "figures.csv").write_bytes(figures)
    (folder / "relations.csv").write_bytes(relations)
    return folder


def _load_both_ways(folder, monkeypatch):
    """(result of a load using the reader's early name lookup, of one looking names up after
    the load, whether the early one was used): a corpus, or the LoadError's problems."""
    import figcheck.columnar as columnar
    import figcheck.load as load_module

    used = []
    early = load_module._early_name_positions

    def watched(*args):
        found = early(*args)
        used.append(found is not None)
        return found

    def outcome():
        try:
            corpus = load([folder], use_cache=False)
        except LoadError as exc:
            return [(Path(p.file).name, p.line, p.message) for p in exc.problems]
        return [(g.tree, [p.tolist() if p is not None else None for p in g.positions]) for g in corpus.relations.groups]

    monkeypatch.setattr(load_module, "_early_name_positions", watched)
    with_early = outcome()
    monkeypatch.setattr(load_module, "_early_name_positions", early)
    monkeypatch.setattr(columnar, "_early_name_positions", lambda read, ids: None)
    return with_early, outcome(), used


FIGURES_HEAD = b"id,source,quote,value,unit,quantity\n"


def test_relation_names_looked_up_while_figures_are_checked_find_the_same_rows(tmp_path, monkeypatch):
    figures = FIGURES_HEAD + b"".join(b"f%d,s1,x,%d,soldier,troops\n" % (i, i) for i in range(1, 8))
    relations = b"id,source,expr\nr1,s1,f1 > f2\nr2,s1,f7 == f3 * f4\nr3,s1,f5 + f6 >= 2 * f1\n"
    early, late, used = _load_both_ways(_archive(tmp_path, figures, relations), monkeypatch)
    assert used == [True] and early == late
    assert early[0][1] == [[0], [1]]   # r1's f1 and f2: rows 0 and 1


@pytest.mark.parametrize("figures, relations", [
    # a figure left out (a repeated id) shifts the rows after it: the early lookup is not used
    (FIGURES_HEAD + b"f1,s1,x,1,soldier,troops\nf1,s1,x,2,soldier,troops\nf2,s1,x,3,soldier,troops\n",
     b"id,source,expr\nr1,s1,f1 > f2\nr2,s1,f2 > f8\n"),
    # a relation left out (duplicate id): the groups are filtered, their name columns new
    (FIGURES_HEAD + b"f1,s1,x,1,soldier,troops\nf2,s1,x,3,soldier,troops\n",
     b"id,source,expr\nr1,s1,f1 > f2\nr1,s1,f2 > f9\nr2,s1,f2 > f8\n"),
])
def test_relation_names_are_looked_up_again_where_rows_were_left_out(tmp_path, monkeypatch, figures, relations):
    early, late, used = _load_both_ways(_archive(tmp_path, figures, relations), monkeypatch)
    assert used == [False] and early == late
    assert any("'f8'" in message for _, _, message in early)


def test_every_archives_early_lookup_is_done_before_the_worker_may_fork(tmp_path, monkeypatch):
    # with two archives the early lookups are not used, but their threads must be done before
    # `ready` (which forks the text worker): a child gets only the forking thread
    import time

    import figcheck.columnar as columnar

    finished = []
    real = columnar._early_name_positions

    def slow(read, ids):
        time.sleep(0.3)
        found = real(read, ids)
        finished.append(found is not None)
        return found

    monkeypatch.setattr(columnar, "_early_name_positions", slow)
    a = _archive(tmp_path / "a", FIGURES_HEAD + b"f1,s1,x,1,soldier,troops\nf2,s1,x,3,soldier,troops\n",
                 b"id,source,expr\nr1,s1,f1 > f2\n")
    b = tmp_path / "b"
    b.mkdir()
    (b / "b.txt").write_text("etwa 11.000 Soldaten", encoding="utf-8")
    (b / "sources.csv").write_bytes(b"id,file,published,language\ns2,b.txt,2025-01-02,de\n")
    (b / "figures.csv").write_bytes(FIGURES_HEAD + b"g1,s2,x,1,soldier,troops\n")
    (b / "relations.csv").write_bytes(b"id,source,expr\nr2,s2,g1 > f1\n")
    seen = []
    corpus = load([a, b], use_cache=False, ready=lambda corpus: seen.append(list(finished)))
    assert seen == [[True, True]]
    assert sorted(corpus.relations) == ["r1", "r2"]


def test_an_archives_expressions_stay_arrow_strings_and_read_as_written(tmp_path):
    import pandas as pd

    from figcheck.config import Settings
    from figcheck.engine import check

    folder = _archive(tmp_path, FIGURES_HEAD + b"f1,s1,x,1,soldier,troops\nf2,s1,x,3,soldier,troops\n",
                      b"id,source,expr\nr1,s1,f1 > f2\nr2,s1,f2 >=  1.5 * f1\n")
    corpus = load([folder], use_cache=False)
    # no Python string per expression is made when an archive is read
    assert isinstance(corpus.relations.df["expr"].dtype, pd.StringDtype)
    assert [corpus.relations[r].expr for r in ("r1", "r2")] == ["f1 > f2", "f2 >=  1.5 * f1"]
    # a rule shows the expression as written, and its finding's fingerprint holds it compacted
    found = check([folder], Settings(root=tmp_path), use_cache=False).findings
    a001 = [f for f in found if f.code == "A001"]
    assert [f.relation for f in a001] == ["r1"] and a001[0].details[0] == "r1: f1 > f2"
    from figcheck.engine import fingerprint
    assert a001[0].fingerprint == fingerprint(a001[0], corpus)
