"""Coverage read by a worker process (figcheck.prefetch) is the coverage read in the process."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from figcheck import coverage, prefetch
from figcheck.config import Settings
from figcheck.coverage import OPEN, corpus_coverage, summary
from figcheck.engine import check
from figcheck.formats import render
from figcheck.load import load

from conftest import generated_archive

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker forks (Linux only)")


def _check(paths, monkeypatch, worker: str):
    monkeypatch.setenv("FIGCHECK_COVERAGE_WORKER", worker)
    result = check(paths, Settings(root=ROOT), use_cache=False)
    return result, render("json", result)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("prefetch")
    generated_archive(root, 2000, seed=13, planted_rate=0.05, forms=("csv",))
    texts = sorted((root / "csv" / "texts").glob("*.txt"))
    # numbers nobody encoded, so that open mentions travel back from the worker too
    with texts[0].open("a", encoding="utf-8") as f:
        f.write(" Dazu kamen 1.234 Granaten und 77 Soldaten.\n")
    return root / "csv"


@pytest.mark.parametrize("paths", ["seed", "archive"])
def test_worker_coverage_equals_in_process_coverage(paths, archive, monkeypatch):
    chosen = [ROOT / "figures.toml"] if paths == "seed" else [archive]
    inline, inline_json = _check(chosen, monkeypatch, "never")
    forked, forked_json = _check(chosen, monkeypatch, "always")
    assert forked_json == inline_json                       # findings and coverage summary alike
    assert [f.fingerprint for f in forked.findings] == [f.fingerprint for f in inline.findings]
    a, b = corpus_coverage(inline.corpus), corpus_coverage(forked.corpus)
    assert summary(a) == summary(b)
    opened = [sid for sid, c in a.items() if c.count(OPEN)]
    if paths == "archive":
        assert opened                   # the appended sentence: open mentions come back too
    for sid in opened:
        assert [e.mention for e in b[sid].open] == [e.mention for e in a[sid].open]
        # entries (what `figcheck extract` lists) are built on demand from the worker's result too
        assert b[sid].entries == a[sid].entries
    skips_a = [(str(k.where) for k in c.unmatched_skips + c.idle_skips) for c in a.values()]
    skips_b = [(str(k.where) for k in c.unmatched_skips + c.idle_skips) for c in b.values()]
    assert [list(x) for x in skips_a] == [list(x) for x in skips_b]


def test_the_worker_really_runs_in_another_process(archive, monkeypatch):
    parent = os.getpid()
    seen = []
    original = coverage.corpus_coverage

    def recording(corpus):
        seen.append(os.getpid())
        return original(corpus)

    corpus = load([archive], use_cache=False)
    monkeypatch.setattr(coverage, "corpus_coverage", recording)
    assert prefetch.start_coverage(corpus)
    parts = prefetch.collect(corpus)
    assert seen == []                   # only the worker computed it (its calls are not seen here)
    assert parts is not None and set(parts) == set(corpus.sources)
    monkeypatch.setattr(coverage, "corpus_coverage", original)
    expected = original(corpus)
    assert {sid: p[0] for sid, p in parts.items()} == {sid: c._tally for sid, c in expected.items()}
    assert os.getpid() == parent


def test_a_failing_worker_falls_back_to_the_process(archive, monkeypatch, capfd):
    parent = os.getpid()
    original = coverage.corpus_coverage

    def failing_in_worker(corpus):
        if os.getpid() != parent:
            raise RuntimeError("worker broke")
        return original(corpus)

    inline, inline_json = _check([archive], monkeypatch, "never")
    monkeypatch.setattr(coverage, "corpus_coverage", failing_in_worker)
    forked, forked_json = _check([archive], monkeypatch, "always")
    assert forked_json == inline_json
    assert "Traceback" not in capfd.readouterr().err


def test_small_corpora_get_no_worker(monkeypatch):
    corpus = load([ROOT / "figures.toml"], use_cache=False)
    assert not prefetch.wanted(corpus, env={})
    assert prefetch.wanted(corpus, env={"FIGCHECK_COVERAGE_WORKER": "always"})
    assert not prefetch.wanted(corpus, env={"FIGCHECK_COVERAGE_WORKER": "never"})
    monkeypatch.setattr(prefetch, "MIN_TEXT_CHARS", 10)
    assert prefetch.wanted(corpus, env={}) == ((os.cpu_count() or 1) >= 2)


def test_a_cancelled_worker_is_stopped(archive):
    corpus = load([archive], use_cache=False)
    assert prefetch.start_coverage(corpus)
    worker = prefetch._PENDING[-1][1]
    prefetch.cancel(corpus)
    assert not worker.is_alive()
    assert prefetch.collect(corpus) is None
