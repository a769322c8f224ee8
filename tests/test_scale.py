"""Scale features: the columnar input, the parse cache, shape-grouped relations, progress, and
the Dask engine (its findings equal the in-memory engine's)."""
from __future__ import annotations

import dataclasses
import importlib.util
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from figcheck import engine
from figcheck.config import Settings
from figcheck.load import LoadError, load
from figcheck.relations import group_relations, parse_relation
from figcheck.rules import Example, Hit, Rule, Severity
from figcheck.table import FigureTable

from conftest import generated_archive

ROOT = Path(__file__).resolve().parent.parent




@pytest.fixture(scope="module")
def small_archive(tmp_path_factory):
    """One generated corpus (~600 figures) written as TOML files and as CSV."""
    root = tmp_path_factory.mktemp("archive")
    planted = generated_archive(root, 600, seed=3, sources_per_file=5, forms=("csv", "parquet", "toml"))
    return root, planted


def _interval_table(corpus):
    t = FigureTable.from_corpus(corpus).df.set_index("id").sort_index()
    t.index = t.index.astype(object)   # an archive's ids are held as arrow strings, a TOML file's as Python's
    return t[["quantity", "unit", "qualifier", "low", "high", "low_open", "high_open", "period_start", "period_end"]]


def test_columnar_archive_reads_as_its_toml(small_archive):
    root, _ = small_archive
    toml = load(sorted((root / "toml").glob("*.toml")), use_cache=False)
    csv = load([root / "csv"], use_cache=False)
    assert len(csv.figures) == len(toml.figures) > 500
    assert set(csv.relations) == set(toml.relations)
    pd.testing.assert_frame_equal(_interval_table(csv), _interval_table(toml))


def test_parquet_archive_reads_as_its_csv(small_archive):
    root, _ = small_archive
    csv = load([root / "csv"], use_cache=False)
    parquet = load([root / "parquet"], use_cache=False)   # published is a Parquet date column here
    assert len(parquet.figures) == len(csv.figures) > 500
    assert set(parquet.relations) == set(csv.relations)
    assert {k: s.published for k, s in parquet.sources.items()} == {k: s.published for k, s in csv.sources.items()}
    pd.testing.assert_frame_equal(_interval_table(parquet), _interval_table(csv))


def test_columnar_problems_name_file_and_row(tmp_path):
    (tmp_path / "a.txt").write_text("etwa 11.000 Soldaten", encoding="utf-8")
    (tmp_path / "sources.csv").write_text("id,file,published,language\ns1,a.txt,2025-01-02,de\n", encoding="utf-8")
    (tmp_path / "quantities.csv").write_text("key,kind,unit\ntroops,stock,soldier\n", encoding="utf-8")
    (tmp_path / "figures.csv").write_text(
        "id,source,quote,value,unit,quantity,qualifier\n"
        "f1,s1,etwa 11.000 Soldaten,11.000,soldier,troops,about\n"
        "f2,s1,x,2.5,soldier,troops,about\n"            # German 2.5 is ambiguous
        "f1,s1,x,7,soldier,troops,roughly\n"             # a repeated id and an unknown qualifier
        "f3,s9,x,7,shell,troops,\n",                     # unknown source, wrong dimension
        encoding="utf-8")
    (tmp_path / "relations.csv").write_text("id,source,expr\nr1,s1,f1 = f3\nr2,s1,f1 == nothing\n", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load([tmp_path], use_cache=False)
    messages = [str(p).replace(str(tmp_path), "D") for p in caught.value.problems]
    text = "\n".join(messages)
    assert "figures.csv:3: value: '2.5' is ambiguous" in text
    assert "figures.csv:4: duplicate figure id 'f1' (first at line 2)" in text
    assert "figures.csv:5: figure 'f3': unknown source 's9'" in text
    assert "figures.csv:5: figure 'f3': unit 'shell' has dimension [shell]" in text
    assert "relations.csv:2: relation 'r1': cannot parse 'f1 = f3'" in text
    assert "relations.csv:3: relation 'r2': 'nothing' is neither a figure id nor a unit" in text


def test_cli_exits_2_on_a_bad_archive(tmp_path, capsys):
    from figcheck.cli import main

    (tmp_path / "figures.csv").write_text("id,source,value\nf1,s1,3\n", encoding="utf-8")
    assert main(["check", "--no-cache", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "figures.csv:1: figure: missing column 'quote'" in err
    assert "Traceback" not in err


def test_parse_cache_reparses_only_the_edited_file(small_archive, tmp_path, monkeypatch):
    import figcheck.load as load_module

    root, _ = small_archive
    work = tmp_path / "toml"
    shutil.copytree(root / "toml", work)
    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path / "cache"))
    parsed = []
    real = load_module.parse_file
    monkeypatch.setattr(load_module, "parse_file", lambda path, *a, **k: parsed.append(path.name) or real(path, *a, **k))
    files = sorted(work.glob("*.toml"))
    first = load(files)
    assert len(parsed) == len(files)
    parsed.clear()
    again = load(files)
    assert parsed == []
    pd.testing.assert_frame_equal(again.figures.df, first.figures.df)
    edited = files[2]
    edited.write_text(edited.read_text(encoding="utf-8").replace('title = "Artikel', 'title = "Beitrag', 1),
                      encoding="utf-8")
    load(files)
    assert parsed == [edited.name]


def test_a_tampered_cache_entry_is_ignored(small_archive, tmp_path, monkeypatch):
    import figcheck.load as load_module

    root, _ = small_archive
    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path / "cache"))
    files = sorted((root / "toml").glob("*.toml"))
    expected = load(files).figures.df
    for entry in (tmp_path / "cache").rglob("*.pickle"):
        data = bytearray(entry.read_bytes())
        data[-5] ^= 0xFF
        entry.write_bytes(bytes(data))
    parsed = []
    real = load_module.parse_file
    monkeypatch.setattr(load_module, "parse_file", lambda path, *a, **k: parsed.append(path) or real(path, *a, **k))
    pd.testing.assert_frame_equal(load(files).figures.df, expected)
    assert len(parsed) == len(files)


EXPRESSIONS = ["a * b == c", "x==y", "a + 2.5 * USD == b", "1e5 == x", "1e-5 == x", "(a - b) / c < 0.5",
               "a == -3", "3 == a", "grösse == a", "a == b * 12 / (c + d)", "a >= b", "a<=b+c"]


def test_grouping_by_shape_reads_each_relation_as_the_parser_does():
    groups, errors = group_relations(pd.Series(EXPRESSIONS + ["a = b", "a.b == c", "open(1) == a", ""]))
    assert sorted(errors) == [12, 13, 14, 15]
    seen = set()
    for g in groups:
        for k, row in enumerate(g.rows):
            leaves = parse_relation(EXPRESSIONS[row]).leaves()
            assert g.tree.shape() == parse_relation(EXPRESSIONS[row]).shape()
            for leaf, column in zip(leaves, g.leaves):
                assert (column[k] == leaf.text) if leaf.kind == "name" else (column[k] == leaf.value)
            seen.add(int(row))
    assert seen == set(range(len(EXPRESSIONS)))


def test_progress_is_silent_off_a_terminal(capsys):
    from figcheck.cli import main

    assert main(["check", "--no-cache", str(ROOT / "figures.toml")]) in (0, 1)
    assert capsys.readouterr().err == ""


# --- the Dask engine ------------------------------------------------------------------------

def _far_from_family(ctx):
    """Figures more than twice or less than half their quantity's median (a per-quantity rule)."""
    df = ctx.table.df
    mid = np.where(np.isfinite(df["high"]), (df["low"] + df["high"]) / 2, df["low"])
    median = pd.Series(mid).groupby(df["quantity"].to_numpy()).transform("median").to_numpy()
    for i in np.flatnonzero((mid > 2 * median) | (mid < median / 2)):
        yield Hit(f"{df['id'].iloc[i]} is far from its quantity's median", figures=(df["id"].iloc[i],))


EXAMPLE = Example("", "")
FAR = Rule("X990", "far-from-family", Severity.warning, "test rule", "", EXAMPLE, EXAMPLE,
           _far_from_family, "test", partition="quantity")


@pytest.mark.skipif(importlib.util.find_spec("distributed") is None and os.environ.get("CI") != "true",
                    reason="Dask is an optional extra (CI installs it and never skips)")
def test_dask_engine_finds_what_the_memory_engine_finds(tmp_path):
    # few planted inconsistencies: every cross-source finding spells out its pair, and the
    # test compares engines, not the rules' speed
    generated_archive(tmp_path, 10_000, seed=5, planted_rate=0.002, forms=("csv",))
    corpus = load([tmp_path / "csv"], use_cache=False)
    table = FigureTable.from_corpus(corpus)
    rules = [FAR] + [r for r in engine.discover().values()]
    settings = {"severity": {}, "settings": Settings()}
    memory = engine.run(corpus, table, rules, settings)
    dask = engine.run(corpus, table, rules, settings, engine="dask")
    assert sum(f.code == "X990" for f in memory) > 10          # the per-quantity test rule fires
    assert all(engine.discover()[c].partition == "quantity" for c in ("X002", "X003", "S001", "S002"))
    assert [f.to_json() for f in dask] == [f.to_json() for f in memory]


@pytest.mark.parametrize("enabled", [True, False])
def test_a_check_pauses_the_cycle_collector_and_restores_it(enabled, monkeypatch):
    import gc

    seen = []
    original = engine.run

    def run(*args, **kwargs):
        seen.append(gc.isenabled())
        return original(*args, **kwargs)

    monkeypatch.setattr(engine, "run", run)
    (gc.enable if enabled else gc.disable)()
    try:
        engine.check([ROOT / "figures.toml"], Settings(root=ROOT), use_cache=False)
        assert seen == [False]
        assert gc.isenabled() == enabled
    finally:
        gc.enable()


def test_an_archives_ids_stay_arrow_strings_and_its_findings_are_its_tomls(small_archive):
    """The columnar loader keeps the figure and relation ids as arrow read them (frames.keep_arrow_ids);
    every rule reads them through frames.cells, so the findings are those of the same corpus from
    TOML, whose ids are Python strings."""
    root, _ = small_archive
    csv = load([root / "csv"], use_cache=False)
    toml = load(sorted((root / "toml").glob("*.toml")), use_cache=False)
    assert str(csv.figures.df["id"].dtype) == str(csv.relations.df["id"].dtype) == "string"
    assert toml.figures.df["id"].dtype == object
    settings = {"severity": {}, "settings": Settings(root=root)}
    rules = list(engine.discover().values())

    def found(corpus):
        table = FigureTable.from_corpus(corpus)
        return sorted((f.code, f.message, tuple(f.figures), f.relation or "")
                      for f in engine.run(corpus, table, rules, settings))

    from_csv = found(csv)
    # arithmetic and cross-source findings, each naming figures by id
    assert {"A001", "X001"} <= {code for code, *_ in from_csv} and all(figures for _, _, figures, _ in from_csv)
    assert from_csv == found(toml)
    # records and lookups by id read the arrow column too
    fid = csv.figures.df["id"].iloc[7]
    a, b = csv.figures[fid], toml.figures[fid]
    assert a.id == fid and type(a.id) is str and a == dataclasses.replace(b, where=a.where)
    assert list(csv.relations) == list(csv.relations.df["id"].astype(object))
