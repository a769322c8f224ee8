"""The loader's fast paths (columnar validation per column and per distinct value, arrow name
columns, gathers per distinct key) equal the per-row reference paths they replace."""
from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from figcheck.columnar import _text_column
from figcheck.load import _columnar_reading, _safe_reading, validate_figures
from figcheck.model import Source, Where

SOURCES = {
    "s1": Source("s1", "a.txt", "a.txt", "", dt.date(2024, 5, 2), "de", "", Where("sources.csv", 2)),
    "s2": Source("s2", "b.txt", "b.txt", "", None, "en", "", Where("sources.csv", 3)),
    "s3": Source("s3", "c.txt", "c.txt", "", dt.date(2023, 1, 1), "de-CH", "", Where("sources.csv", 4)),
    "s4": Source("s4", "d.txt", "d.txt", "", None, "de", "", Where("sources.csv", 5)),
}
VALUES = ["11.000", "11,000", "2,5", "2.5", "10 Millionen", "3 bis 5 Millionen", "650'000", "zweieinhalb",
          "12", "5", "3", "etwa 4.000", "x", "", "1e400", "fast 5.000"]
CELLS = {
    "id": st.sampled_from(["f1", "f2", "f3", "_x", "9bad", "a-b", ""]),
    "source": st.sampled_from(["s1", "s2", "s3", "s4", "s9", ""]),
    "quote": st.sampled_from(["etwa 11.000 Soldaten", "q", ""]),
    "value": st.sampled_from(VALUES),
    "value_high": st.sampled_from(["", "", "", "5", "12", "3 bis 5", "2.5", "19 Millionen"]),
    "unit": st.sampled_from(["soldier", "shell/day", "USD/soldier/month", "furlongz", "km/day", ""]),
    "qualifier": st.sampled_from(["", "about", "exact", "roughly", "up_to"]),
    "quantity": st.sampled_from(["troops", "q2", ""]),
    "as_of": st.sampled_from(["", "", "2024", "2024-11", "2024-13", "2024-01/2023-01", "soon", "2025-02-03"]),
    "attributed_to": st.sampled_from(["", "Nato"]),
    "modality": st.sampled_from(["", "estimate", "rumour"]),
    "since": st.sampled_from(["", "", "2022-02", "someday"]),
    "between": st.sampled_from(["", "", "f1 f2", "f1"]),
}
rows_of = st.lists(st.fixed_dictionaries(CELLS), min_size=1, max_size=25)


def _reference_columns(rows):
    """The rows as the TOML path hands them over: absent keys None, a range a [low, high] list."""
    cols = {}
    for key in CELLS:
        if key == "value_high":
            continue
        cells = []
        for r in rows:
            v = r[key]
            if key == "value":
                v = [v, r["value_high"]] if r["value_high"] else v
            elif key == "between":
                v = v.split() if v else None
            elif v == "":
                v = None
            cells.append(v)
        cols[key] = cells
    return cols


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows_of, st.sampled_from([frozenset(), frozenset({"s3"})]))
def test_columnar_validation_equals_the_per_row_reference(rows, unusable):
    n = len(rows)
    lines = np.arange(n, dtype=np.int64) + 2
    columnar = {key: _text_column(pa.chunked_array([pa.array([r[key] for r in rows], type=pa.string())]), key)
                for key in CELLS}
    got_problems, want_problems = [], []
    got = validate_figures(columnar, n, "figures.csv", lambda i, key: int(lines[i]), lines, SOURCES,
                           got_problems, columnar=True, unusable_published=unusable)
    want = validate_figures(_reference_columns(rows), n, "figures.csv", lambda i, key: int(lines[i]), lines,
                            SOURCES, want_problems, unusable_published=unusable)
    assert sorted(map(str, got_problems)) == sorted(map(str, want_problems))
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows_of, st.booleans(), st.lists(st.sampled_from(["f1", "f2", "f10", "g", "_x", "9bad", "a-b", "é1", ""]),
                                        min_size=25, max_size=25))
def test_arrow_figure_ids_equal_the_per_row_reference(rows, in_order, ids):
    """The figure ids as the archive reader leaves them (arrow strings: pattern and order
    checked by arrow, strictly increasing ids taken as distinct) equal the reference."""
    from figcheck.columnar import ARROW_COLUMNS

    rows = [{**r, "id": fid} for r, fid in zip(rows, ids)]
    if in_order:   # sorted and mostly distinct: the strictly increasing fast path
        rows = sorted({r["id"]: r for r in rows}.values(), key=lambda r: r["id"].encode())
    n = len(rows)
    lines = np.arange(n, dtype=np.int64) + 2
    columnar = {key: _text_column(pa.chunked_array([pa.array([r[key] for r in rows], type=pa.string())]), key,
                                  key in ARROW_COLUMNS["figure"]) for key in CELLS}
    got_problems, want_problems = [], []
    got = validate_figures(columnar, n, "figures.csv", lambda i, key: int(lines[i]), lines, SOURCES,
                           got_problems, columnar=True)
    want = validate_figures(_reference_columns(rows), n, "figures.csv", lambda i, key: int(lines[i]), lines,
                            SOURCES, want_problems)
    assert sorted(map(str, got_problems)) == sorted(map(str, want_problems))
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


def test_strictly_increasing_is_false_for_equal_neighbours_and_other_columns():
    from figcheck.load import _strictly_increasing

    arrow = lambda xs: pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([pa.array(xs, type=pa.string())])))
    assert _strictly_increasing(arrow(["a", "b", "ba"])) and _strictly_increasing(arrow(["z"]))
    assert not _strictly_increasing(arrow(["a", "b", "b"])) and not _strictly_increasing(arrow(["b", "a"]))
    assert not _strictly_increasing(pd.Series(["a", "b"], dtype=object))   # not arrow: hashed instead


def _same(a, b):
    return all((x == y) or (isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y))
               for x, y in zip(a, b))


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(VALUES[:-3] + ["1e400", "fast 5.000"]), st.sampled_from(["", *VALUES]),
       st.sampled_from(["de", "en", "de-CH", "fr"]))
def test_each_end_read_once_reads_as_the_whole_value(value, high, language):
    got = _columnar_reading(value, high, language)
    want = _safe_reading([value, high] if high else value, "", language)
    assert got[0] == want[0] and got[1] == want[1] and got[3] == want[3]
    assert _same(got[2], want[2])


EXPRESSIONS = ["a * b == c", "x==y", "a + 2.5 * USD == b", "1e5 == x", "(a - b) / c < 0.5", "a == -3",
               "3 == a", "grösse == a", "a == b * 12 / (c + d)", "a >= b", "a<=b+c", "a = b", "a.b == c", ""]


def _plain(groups):
    """Groups as comparable values, name columns as lists of str whatever they are held in."""
    out = []
    for g in groups:
        leaves = [c.to_pylist() if isinstance(c, pa.Array) else c.tolist() for c in g.leaves]
        out.append((g.tree.shape(), g.rows.tolist(), leaves))
    return sorted(out, key=repr)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from(EXPRESSIONS), min_size=1, max_size=30), st.data())
def test_arrow_name_columns_group_filter_and_merge_as_numpy_ones(exprs, data):
    from figcheck.relations import filter_groups, group_relations, merge_groups

    column = pd.Series(pd.arrays.ArrowStringArray(pa.array(exprs, type=pa.string())))
    arrow_groups, arrow_errors = group_relations(column, arrow_names=True)
    numpy_groups, numpy_errors = group_relations(list(exprs))
    assert arrow_errors == numpy_errors
    assert _plain(arrow_groups) == _plain(numpy_groups)
    keep = np.array(data.draw(st.lists(st.booleans(), min_size=len(exprs), max_size=len(exprs))), dtype=bool)
    assert _plain(filter_groups(arrow_groups, keep)) == _plain(filter_groups(numpy_groups, keep))
    # an archive's groups merged with a TOML file's
    merged = merge_groups([(arrow_groups, 0), (numpy_groups, len(exprs))])
    assert _plain(merged) == _plain(merge_groups([(numpy_groups, 0), (numpy_groups, len(exprs))]))


def test_table_columns_gathered_per_distinct_key_equal_the_maps():
    from pathlib import Path

    from figcheck.load import load
    from figcheck.model import Corpus
    from figcheck.table import build_columns

    corpus = load([Path(__file__).resolve().parent.parent / "figures.toml"], use_cache=False)
    # a source and a quantity dropped: their figures map to nothing
    sources = {k: s for k, s in corpus.sources.items() if k != "s002"}
    first_quantity = next(iter(corpus.quantities))
    quantities = {k: q for k, q in corpus.quantities.items() if k != first_quantity}
    from figcheck.frames import FigureFrame, empty_figures

    variants = [corpus, Corpus(corpus.files, sources, quantities, corpus.figures, corpus.relations, (), ()),
                Corpus(corpus.files, {}, {}, corpus.figures, corpus.relations, (), ()),   # nothing found
                Corpus(corpus.files, sources, quantities, FigureFrame(empty_figures()), corpus.relations, (), ())]
    for c in variants:
        got = build_columns(c)
        f = c.figures.df
        kinds = f["quantity"].map({k: q.kind for k, q in c.quantities.items()})
        pub = f["source"].map(pd.Series({k: s.published for k, s in c.sources.items()}, dtype=object))
        pd.testing.assert_series_equal(got["kind"], kinds, check_names=False)
        pd.testing.assert_series_equal(got["published"], pub.astype("datetime64[s]").fillna(f["period_start"]),
                                       check_names=False)
        pd.testing.assert_frame_equal(got, build_columns_by_map(c))
    assert len(build_columns(variants[1])) and build_columns(variants[1])["kind"].isna().any()


def build_columns_by_map(corpus):
    """build_columns as it was written before its per-distinct gathers: the reference."""
    from figcheck.table import build_columns

    f = corpus.figures.df
    kinds = {k: q.kind for k, q in corpus.quantities.items()}
    published = pd.Series({k: s.published for k, s in corpus.sources.items()}, dtype=object)
    out = build_columns(corpus).copy()
    out["kind"] = f["quantity"].map(kinds)
    out["published"] = f["source"].map(published).astype("datetime64[s]").fillna(f["period_start"])
    return out


SOURCE_CELLS = {
    "id": st.sampled_from(["s1", "s2", "s.3", "s-4", "9x", "bad id", ""]),
    "file": st.sampled_from(["a.txt", "texts/b.txt", "./c.txt", "d//e.txt", "f/.", "/abs/g.txt", ""]),
    "language": st.sampled_from(["de", "en", "de-CH", "de_AT", "xx", "de-XX", "DE", ""]),
    "published": st.sampled_from(["", "2024-08-12", "2024", "20240812", "9999-12-31", "2024-02-30", "soon"]),
    "title": st.sampled_from(["", "Artikel"]),
    "note": st.sampled_from(["", "n"]),
}


VALID_SOURCE_CELLS = {**SOURCE_CELLS, "id": st.sampled_from([f"s{i}" for i in range(9)]),
                      "file": st.sampled_from(["a.txt", "texts/b.txt", "./c.txt", "d//e.txt", "/abs/g.txt"]),
                      "language": st.sampled_from(["de", "en", "de-CH", "de_AT"]),
                      "published": st.sampled_from(["", "2024-08-12", "20240812", "2022-11-16"])}


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.lists(st.fixed_dictionaries(VALID_SOURCE_CELLS), min_size=1, max_size=8,
                          unique_by=lambda r: r["id"]),
                 st.lists(st.fixed_dictionaries(SOURCE_CELLS), min_size=1, max_size=8)),
       st.sampled_from([".", "/", "arch", "/tmp/arch", "a/b"]))
def test_sources_checked_per_column_equal_entry_by_entry(rows, folder):
    from pathlib import Path

    from figcheck.columnar import TextTable, _clean_sources, _date_or_text, _entries
    from figcheck.load import Entries

    table = TextTable({c: _text_column(pa.chunked_array([pa.array([r[c] for r in rows], type=pa.string())]), c)
                       for c in SOURCE_CELLS}, len(rows))
    fast = _clean_sources(table, "sources.csv", Path(folder))
    e = Entries("sources.csv", Path(folder))

    def typed(t):
        if "published" in t:
            t["published"] = _date_or_text(t["published"])
        return t
    slow_sources, slow_lines = e.sources(_entries(table, typed))
    if fast is None:   # the entry-by-entry path runs, and it has something to say (or nothing to read)
        assert e.problems or not slow_sources or any(r[c] == "" for r in rows for c in ("id", "file", "language"))
        return
    assert not e.problems and not e.unusable_published
    assert fast == (slow_sources, slow_lines)


@given(st.text(alphabet="ab./\x00 ", max_size=8), st.sampled_from([".", "/", "arch", "/tmp/arch", "a/b", "a/./b"]))
def test_paths_joined_as_text_equal_paths_joined_by_path(file, folder):
    from pathlib import Path

    from figcheck.columnar import joined_paths

    assert joined_paths(Path(folder), [file]) == [str(Path(folder) / file)]


def test_source_texts_read_by_one_thread_or_several_are_the_same(tmp_path, monkeypatch):
    import figcheck.load as load_module
    from figcheck.load import Part, read_source_texts

    sources = {}
    for i in range(300):   # past the probe of 256: the rest is read one way or the other
        name = f"s{i}.txt"
        if i % 7:
            (tmp_path / name).write_bytes(f"Text {i}".encode() if i % 11 else b"\xff\xfe")
        elif i % 2:
            (tmp_path / name).mkdir()
        sources[f"s{i}"] = Source(f"s{i}", name, str(tmp_path / name), "", None, "de", "", Where("sources.csv", i + 2))
    part = Part(sources, {}, None, None, [], [], [], {})
    results = []
    for slow in (float("inf"), 0.0):
        monkeypatch.setattr(load_module, "SLOW_READ_SECONDS", slow)
        results.append(read_source_texts(part, "sources.csv"))
    assert results[0] == results[1]
    texts, problems = results[0]
    assert texts["s1"].text == "Text 1" and texts["s299"].text == "Text 299"
    assert {p.line for p in problems} == {i + 2 for i in range(300) if not i % 7 or not i % 11}


@given(st.lists(st.one_of(st.integers(0, 5), st.sampled_from(["a", "b", None])), max_size=40))
def test_per_distinct_computes_once_at_each_keys_first_row(keys):
    from figcheck.load import _per_distinct

    calls = []
    codes, results = _per_distinct(pd.Series(keys, dtype=object), lambda i: calls.append(i) or keys[i])
    firsts = {}
    for i, k in enumerate(keys):
        if k is not None:
            firsts.setdefault(k, i)
    assert calls == sorted(firsts.values())
    assert [results[c] if c >= 0 else None for c in codes] == keys
    if keys and all(isinstance(k, int) for k in keys):
        array = np.array(keys, dtype=np.int64)
        int_codes, int_results = _per_distinct(array, lambda i: int(array[i]))
        assert [int_results[c] for c in int_codes] == keys


@given(st.lists(st.sampled_from(EXPRESSIONS + ["b == a", "x*y==z", "  a==b  "]), min_size=1, max_size=30))
def test_templates_are_numbered_in_order_of_appearance_as_factorize_does(exprs):
    import pyarrow.compute as pc

    from figcheck.relations import _TOKEN, _columns_arrow

    (codes, uniques), _ = _columns_arrow(list(exprs))
    rows = pc.replace_substring_regex(pa.array(exprs, type=pa.string()), _TOKEN, "@").to_numpy(zero_copy_only=False)
    want_codes, want_uniques = pd.factorize(rows)
    assert codes.tolist() == want_codes.tolist() and list(uniques) == list(want_uniques)


def test_an_archives_texts_read_early_equal_texts_read_when_asked(tmp_path):
    """columnar.read_archive starts reading the texts in a thread as soon as sources.csv is
    checked; what load gets from it is what reading them afterwards gives."""
    from figcheck.columnar import read_archive
    from figcheck.load import source_texts

    (tmp_path / "texts").mkdir()
    (tmp_path / "texts" / "a.txt").write_text("Etwa 11.000 Soldaten.", encoding="utf-8")
    (tmp_path / "texts" / "b.txt").write_bytes(b"\xff\xfe")
    (tmp_path / "sources.csv").write_text("id,file,published,language\ns1,texts/a.txt,2024-11-05,de\n"
                                          "s2,texts/b.txt,2024-11-05,de\ns3,texts/none.txt,,de\n", encoding="utf-8")
    (tmp_path / "figures.csv").write_text("id,source,quote,value,unit,quantity\nf1,s1,Etwa 11.000 Soldaten,11.000,soldier,troops\n",
                                          encoding="utf-8")
    part = read_archive(tmp_path, "archive")
    assert part.texts is not None   # read early
    early = part.texts()
    assert early == source_texts(part.sources, part.source_file_lines)
    texts, problems = early
    assert texts["s1"].text == "Etwa 11.000 Soldaten." and texts["s2"].text == ""
    assert [(p.line, p.message.split("'")[1]) for p in problems] == [(3, "texts/b.txt"), (4, "texts/none.txt")]


def test_whether_texts_would_wait_for_the_disk_is_asked_of_the_page_cache(tmp_path, monkeypatch):
    """source_texts reads with threads only when files are not in the page cache (RWF_NOWAIT
    reads tell), not when the probe was merely slow (another thread held the GIL); where the
    system cannot tell, the probe's time decides as before."""
    import errno
    import os

    import figcheck.load as load_module

    files = []
    for i in range(300):
        (tmp_path / f"s{i}.txt").write_text(f"Text {i}", encoding="utf-8")
        files.append(str(tmp_path / f"s{i}.txt"))
    (tmp_path / "folder").mkdir()
    sample = files[:5] + [str(tmp_path / "missing"), str(tmp_path / "folder")]
    if not hasattr(os, "RWF_NOWAIT"):
        assert load_module._uncached(sample) is None
        return
    real = os.preadv

    def answer(result):
        def preadv(fd, buffers, offset, flags=0):
            if isinstance(result, BaseException):
                raise result
            return real(fd, buffers, offset, flags)
        return preadv

    assert load_module._uncached(sample) is False
    monkeypatch.setattr(os, "preadv", answer(BlockingIOError(errno.EAGAIN, "would block")))
    assert load_module._uncached(sample) is True
    monkeypatch.setattr(os, "preadv", answer(OSError(errno.EOPNOTSUPP, "not supported")))
    assert load_module._uncached(sample) is None

    sources = {f"s{i}": Source(f"s{i}", f"s{i}.txt", path, "", None, "de", "", Where("sources.csv", i + 2))
               for i, path in enumerate(files)}
    pools = []
    import concurrent.futures as futures

    class Counting(futures.ThreadPoolExecutor):
        def __init__(self, *a, **k):
            pools.append(True)
            super().__init__(*a, **k)

    monkeypatch.setattr(futures, "ThreadPoolExecutor", Counting)
    for uncached, slow_seconds, threads in ((False, 0.0, False), (True, float("inf"), True),
                                           (None, 0.0, True), (None, float("inf"), False)):
        pools.clear()
        monkeypatch.setattr(load_module, "_uncached", lambda paths, uncached=uncached: uncached)
        monkeypatch.setattr(load_module, "SLOW_READ_SECONDS", slow_seconds)
        texts, problems = load_module.source_texts(sources, {})
        assert bool(pools) == threads, (uncached, slow_seconds)
        assert texts["s299"].text == "Text 299" and problems == []
