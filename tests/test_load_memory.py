"""The load's lean columns: a column nobody wrote is one cell repeated (a stride-0 view), which a
frame keeps as it is, and which reads exactly as the full column it stands for."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from figcheck.load import constant, load

FIGURES = """id,source,quote,value,unit,quantity,as_of
f1,s1,etwa 11.000 Soldaten,etwa 11.000,soldier,troops,2024
f2,s1,3 Millionen,3 Millionen,soldier,troops,2024
f3,s1,12 Soldaten,12,soldier,troops,2024
"""
SOURCES = "id,file,published,language\ns1,a.txt,2024-05-02,de\n"
QUANTITIES = "key,kind,unit\ntroops,stock,soldier\n"
RELATIONS = "id,source,expr\nr1,s1,f1 == f2\nr2,s1,f2 == f1\n"
UNWRITTEN = {"note": "", "of": "", "part": "", "between_a": "", "between_b": "", "since_text": None}


def _archive(tmp_path, figures=FIGURES):
    (tmp_path / "figures.csv").write_text(figures)
    (tmp_path / "sources.csv").write_text(SOURCES)
    (tmp_path / "quantities.csv").write_text(QUANTITIES)
    (tmp_path / "relations.csv").write_text(RELATIONS)
    (tmp_path / "a.txt").write_text("etwa 11.000 Soldaten, 3 Millionen, 12 Soldaten")
    return tmp_path


def test_a_constant_is_one_cell_read_only_and_equal_to_the_full_column():
    column = constant("x", 5)
    assert column.strides == (0,) and not column.flags.writeable
    assert np.array_equal(column, np.full(5, "x", dtype=object))
    with pytest.raises(ValueError):
        column[0] = "y"
    dates = constant(np.datetime64("NaT"), 3, "datetime64[s]")
    assert dates.dtype == np.dtype("datetime64[s]") and np.isnat(dates).all()
    # rows gathered from one are a plain column
    assert column[[0, 2]].strides == (8,)


def test_unwritten_columns_of_an_archive_are_kept_as_one_cell(tmp_path):
    corpus = load([_archive(tmp_path)])
    df = corpus.figures.df
    for name, value in {**UNWRITTEN, "file": df["file"].iloc[0]}.items():
        values = df[name].to_numpy()
        assert values.strides == (0,), name
        assert values.tolist() == [value] * len(df), name
    assert np.isnat(df["since_start"].to_numpy()).all() and df["since_start"].to_numpy().strides == (0,)
    rel = corpus.relations.df
    assert rel["note"].to_numpy().strides == (0,) and rel["note"].tolist() == ["", ""]
    assert rel["file"].to_numpy().strides == (0,)
    # a record reads them as a full column's cells
    record = corpus.figures["f2"]
    assert (record.note, record.since, record.of, record.part, record.between) == ("", None, None, None, None)


def test_a_frame_of_constant_columns_equals_one_of_full_columns_and_takes_writes(tmp_path):
    df = load([_archive(tmp_path)]).figures.df
    full = pd.DataFrame({c: (pd.Series(df[c].to_numpy().copy(), dtype=df[c].dtype)) for c in df.columns})
    pd.testing.assert_frame_equal(df, full)
    # pandas copies a read-only column before writing into it: the frame it came from is unchanged
    changed = df.copy(deep=False)
    changed.loc[0, "note"] = "edited"
    assert changed["note"].tolist()[:2] == ["edited", ""] and df["note"].tolist()[0] == ""


def test_rows_left_out_keep_the_constant_columns_constant():
    """A figure dropped by validation (here a duplicate id) is gathered out of the full columns;
    the repeated ones stay one cell, as long as the rows kept."""
    import datetime as dt

    from figcheck.load import validate_figures
    from figcheck.model import Source, Where

    sources = {"s1": Source("s1", "a.txt", "a.txt", "", dt.date(2024, 5, 2), "de", "", Where("s.csv", 2))}
    cols = {"id": ["f1", "f2", "f1"], "source": ["s1"] * 3, "quote": ["q"] * 3, "value": ["1", "2", "3"],
            "unit": ["soldier"] * 3, "quantity": ["troops"] * 3}
    lines = np.arange(3, dtype=np.int64) + 2
    problems = []
    frame = validate_figures(cols, 3, "f.toml", lambda i, key: int(lines[i]), lines, sources, problems)
    assert len(frame) == 2 and len(problems) == 1
    for name, value in UNWRITTEN.items():
        assert frame[name].to_numpy().strides == (0,) and frame[name].tolist() == [value, value], name
    assert frame["file"].tolist() == ["f.toml"] * 2 and frame["modality"].tolist() == ["reported"] * 2


def test_the_ids_as_arrow_read_them_are_let_go_after_the_load(tmp_path):
    from figcheck import frames

    corpus = load([_archive(tmp_path)])
    ids = corpus.figures.df["id"].to_numpy()
    assert frames._noted_for(frames._ARROW_TWINS, frames._owner(ids)) is None
    # asked for anyway, they are converted again: the same strings
    assert frames.arrow_strings(ids).to_pylist() == ids.tolist()


def test_expressions_read_in_many_blocks_are_one_chunk_equal_to_them(tmp_path):
    import pyarrow as pa
    import pyarrow.csv as pv

    from figcheck.columnar import _text_column

    rows = [f"f{i} == f{i + 1}" for i in range(3000)]
    (tmp_path / "r.csv").write_text("expr\n" + "\n".join(rows) + "\n")
    table = pv.read_csv(tmp_path / "r.csv", read_options=pv.ReadOptions(block_size=4096))
    assert table["expr"].num_chunks > 1
    got = _text_column(table["expr"], "expr")
    assert pa.array(got.array).to_pylist() == rows
    held = pa.array(got.array)   # the column as it is held: an array, or chunks of one
    assert not isinstance(held, pa.ChunkedArray) or held.num_chunks == 1


def test_columns_of_one_cell_stay_one_cell_through_the_parse_cache(tmp_path, monkeypatch):
    """TOML files parsed, then each from its entry (joined), then the whole load from its own
    entry: every load's frames equal the uncached one, their unwritten columns one cell each."""
    import figcheck.cache as cache_module
    from conftest import generated_archive

    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(cache_module, "SETTLED_NS", -(10 ** 18))   # every file's times count as settled
    generated_archive(tmp_path, 300, seed=3, forms=("toml",), sources_per_file=3)
    files = sorted((tmp_path / "toml").glob("*.toml"))
    fresh = load(files, use_cache=False)
    for _ in range(3):   # parsed and kept; joined from the files' entries (and kept); the whole load
        corpus = load(files)
        # (the whole load's ids are arrow strings, load._arrow_id_column: compared as cells)
        for a, b in ((corpus.figures.df, fresh.figures.df), (corpus.relations.df, fresh.relations.df)):
            pd.testing.assert_frame_equal(a.astype({"id": object}), b.astype({"id": object}))
        for name in ("note", "since_start", "since_end", "since_text", "of", "part", "between_a"):
            assert corpus.figures.df[name].to_numpy().strides == (0,), name
    assert len(list((tmp_path / "cache" / "joined").glob("*.pickle"))) == 1


def test_a_pickled_column_of_one_cell_is_that_cell_and_its_length():
    import pickle

    from figcheck.cache import dumps

    column = constant(np.datetime64("NaT"), 10 ** 6, "datetime64[s]")
    data = dumps(column)
    assert len(data) < 1000
    back = pickle.loads(data)
    assert back.strides == (0,) and len(back) == 10 ** 6 and np.isnat(back).all()
    plain = np.arange(5)
    assert dumps(plain) == pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)
