"""The TOML loader's fast paths give what the plain path gives: a load from the parse cache
equals a load that parses, and files parsed by worker processes equal files parsed in this one,
on random figures files with and without problems (then the same problems, at the same lines)."""
from __future__ import annotations

import pickle
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import figcheck.load as load_module
from figcheck.frames import as_frame
from figcheck.load import LoadError, load, parse_file

from conftest import ARTICLE_DE, ARTICLE_EN, HEADER, examples, figure, generated_archive

# values a figure's keys may take: good ones, then (after the bar) ones that are problems
OVERRIDES = {
    "value": ['"11.000"', "11000", '"etwa 11.000"', "[10000, 12000]", '"10 Millionen"', "|", '"2.5"', "true"],
    "unit": ['"soldier"', '"soldiers"', "|", '"soldier/month"', '"shell"', '"furlong-ish"', "3"],
    "qualifier": ['"about"', '"exact"', None, "|", '"roughly"'],
    "as_of": ['"2024"', "2024-11-05", '"2024-01/2025-02"', None, "|", '"2024-13"'],
    "source": ['"s1"', '"en1"', "|", '"s9"'],
    "quantity": ['"troops"', "|", '"shells"', '"nothing"'],
    "note": ['"checked"', None, "|", "7"],
    "modality": ['"estimate"', None, "|", '"rumour"'],
    "since": ['"2022-02"', None, "|", '"2022-14"'],
    "attributed_to": ['"Nato"', None],
}


@st.composite
def figure_files(draw):
    """Two to four figures files: the first with the sources and quantities; figures with
    random keys and relations between them; in one example of three, problems too (a bad
    value, a repeated id, a file that is not TOML, ...)."""
    flawed = draw(st.integers(0, 2)) == 0
    files, ids = [], []
    for n in range(draw(st.integers(2, 4))):
        body = HEADER + "\n" if n == 0 else ""
        for i in range(draw(st.integers(0 if n == 0 or flawed else 1, 6))):
            fid = f"f{n}_{i}"
            if flawed and ids:
                fid = draw(st.sampled_from([fid, fid, ids[0], "1bad"]))
            ids.append(fid)
            keys = draw(st.lists(st.sampled_from(sorted(OVERRIDES)), unique=True, max_size=4))
            values = {k: OVERRIDES[k] if flawed else OVERRIDES[k][:OVERRIDES[k].index("|")] if "|" in OVERRIDES[k]
                      else OVERRIDES[k] for k in keys}
            body += figure(fid, **{k: draw(st.sampled_from([v for v in vs if v != "|"])) for k, vs in values.items()})
            body += "\n"
        if ids and draw(st.booleans()):
            a, b = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
            forms = [f"{a} == {b}", f"{a} * 2 < {b}", f"{a} + {b} >= 3 * soldier"] + (
                [f"{a} = ", "nobody == 3"] if flawed else [])
            body += f'[[relation]]\nid = "r{n}"\nsource = "s1"\nexpr = "{draw(st.sampled_from(forms))}"\n\n'
        if flawed and draw(st.integers(0, 3)) == 0:
            body += draw(st.sampled_from(["[[figure]\n", 'stray = "key"\n', "[[rate]]\nfrom = 3\n"]))
        files.append(body)
    return files


def outcome(paths, **kwargs):
    """Everything a load gives, in comparable form: the corpus, or the problems."""
    try:
        corpus = load(paths, **kwargs)
    except LoadError as exc:
        return "problems", [str(p) for p in exc.problems]
    groups = [(g.tree.shape(), g.rows.tolist(), [np.asarray(leaf).tolist() for leaf in g.leaves])
              for g in corpus.relations.groups]
    return ("corpus", corpus.files, corpus.sources, corpus.quantities, corpus.rates, corpus.skips,
            corpus.figures.df, corpus.relations.df, groups)


def assert_same(a, b):
    assert a[0] == b[0], (a[0], b[0], a[1] if a[0] == "problems" else b[1])
    if a[0] == "problems":
        assert a[1] == b[1]
        return
    for x, y in zip(a[1:], b[1:]):
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y)
        else:
            assert x == y


def write_files(folder: Path, bodies) -> list[Path]:
    (folder / "article.txt").write_text(ARTICLE_DE, encoding="utf-8")
    (folder / "article_en.txt").write_text(ARTICLE_EN, encoding="utf-8")
    paths = []
    for n, body in enumerate(bodies):
        path = folder / f"figures_{n}.toml"
        path.write_text(body, encoding="utf-8")
        paths.append(path)
    return paths


@settings(max_examples=examples(15), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=figure_files())
def test_cached_and_parallel_loads_equal_the_plain_load(bodies, monkeypatch):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_files(folder, bodies)
        monkeypatch.setenv("FIGCHECK_JOBS", "1")
        plain = outcome(paths, use_cache=False)
        monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(folder / "cache"))
        assert_same(outcome(paths), plain)   # parsed, and stored
        assert_same(outcome(paths), plain)   # from the cache
        monkeypatch.setenv("FIGCHECK_JOBS", "2")
        monkeypatch.setattr(load_module, "PARALLEL_MIN_BYTES", 0)
        assert_same(outcome(paths, use_cache=False), plain)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("archive")
    generated_archive(root, 800, seed=11, sources_per_file=4, forms=("toml",))
    return sorted((root / "toml").glob("*.toml"))


def test_workers_parse_some_files_and_the_load_is_the_same(archive, monkeypatch):
    monkeypatch.setenv("FIGCHECK_JOBS", "1")
    plain = outcome(archive, use_cache=False)
    here = []
    real = load_module._parse_here

    def slow_here(item, cache):   # slow enough that the worker surely takes files
        here.append(item)
        time.sleep(0.05)
        return real(item, cache)

    monkeypatch.setattr(load_module, "_parse_here", slow_here)
    monkeypatch.setattr(load_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("FIGCHECK_JOBS", "2")
    assert_same(outcome(archive, use_cache=False), plain)
    assert 0 < len(here) < len(archive)


def test_a_worker_fills_the_cache_as_this_process_does(archive, tmp_path, monkeypatch):
    monkeypatch.setenv("FIGCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(load_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("FIGCHECK_JOBS", "2")
    first = outcome(archive)
    assert len(list((tmp_path / "cache").rglob("*.pickle"))) == len(archive)
    parsed = []
    monkeypatch.setattr(load_module, "parse_file", lambda *a, **k: parsed.append(a) or parse_file(*a, **k))
    assert_same(outcome(archive), first)
    assert parsed == []


def test_a_worker_reports_problems_with_their_lines(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bodies = [HEADER + figure("f1"), figure("f2", value='"2.5"'), "[[figure]\n", figure("f3", unit='"furlong-ish"')]
    paths = [p.relative_to(tmp_path) for p in write_files(tmp_path, bodies)]
    monkeypatch.setenv("FIGCHECK_JOBS", "1")
    plain = outcome(paths, use_cache=False)
    monkeypatch.setattr(load_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("FIGCHECK_JOBS", "3")
    assert_same(outcome(paths, use_cache=False), plain)
    problems = "\n".join(plain[1])
    assert "figures_1.toml:5: value: '2.5' is ambiguous" in problems
    assert "figures_2.toml:1: TOML syntax" in problems
    assert "figures_3.toml:6: unknown unit 'furlong-ish'" in problems


def test_a_cache_payload_unpickles_to_the_parsed_part(archive):
    from figcheck.cache import dumps

    part = parse_file(archive[0], "a.toml")
    again = pickle.loads(dumps(part))
    assert again.sources == part.sources and again.quantities == part.quantities
    assert [type(s.where) for s in again.sources.values()] == [type(s.where) for s in part.sources.values()]
    # a cached frame comes back as its columns (frames.FrameColumns), which make the same frame
    pd.testing.assert_frame_equal(as_frame(again.figures), part.figures, check_exact=True)
    pd.testing.assert_frame_equal(as_frame(again.relations), part.relations, check_exact=True)


@settings(max_examples=examples(100), deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "", "ä"]), st.text(max_size=2), st.integers(0, 2),
                          st.just(True), st.just(float("nan")), st.just(["x"])), max_size=8))
def test_sharing_equal_strings_keeps_every_value(values):
    frame = pd.DataFrame({"text": pd.Series(values, dtype=object), "n": np.arange(len(values))})
    shared = load_module.share_equal_strings(frame)
    pd.testing.assert_frame_equal(shared, frame)
    assert [type(v) for v in shared["text"]] == [type(v) for v in frame["text"]]
    strings = [v for v in shared["text"] if type(v) is str]
    if all(type(v) is str or v is None for v in values):
        assert len({id(v) for v in strings}) == len(set(strings))   # one object per distinct string


def _figure_count(paths):
    return len(load(paths, use_cache=False).figures)


def test_a_daemon_process_parses_alone(archive, monkeypatch):
    import multiprocessing

    monkeypatch.setattr(load_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setenv("FIGCHECK_JOBS", "2")
    with multiprocessing.get_context("fork").Pool(1) as pool:   # its worker is a daemon: it may not fork
        assert pool.apply(_figure_count, (archive,)) == _figure_count(archive)
