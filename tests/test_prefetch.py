"""The text rules run by a worker process (figcheck.prefetch) find what they find in the process."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from figcheck import coverage, prefetch
from figcheck.config import Settings
from figcheck.coverage import OPEN, corpus_coverage, summary
from figcheck.engine import check, discover, hits_of
from figcheck.formats import render
from figcheck.load import load
from figcheck.rules import Context

from conftest import generated_archive

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the worker forks (Linux only)")


def _check(paths, monkeypatch, worker: str):
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", worker)
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


def _text_rules():
    return [r for r in discover().values() if r.texts]


def test_the_text_rules_are_the_provenance_rules():
    assert {r.code for r in _text_rules()} == {"P001", "P002", "P003", "P004"}


def test_the_worker_really_runs_in_another_process(archive, monkeypatch):
    seen = []
    original = coverage.corpus_coverage

    def recording(corpus):
        seen.append(os.getpid())
        return original(corpus)

    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    corpus = load([archive], use_cache=False)
    monkeypatch.setattr(coverage, "corpus_coverage", recording)
    rules = _text_rules()
    assert prefetch.start(corpus, rules) == rules
    assert prefetch.delegated(corpus) == rules
    hits, timings = prefetch.collect(corpus)
    assert seen == []                   # only the worker read the texts (its calls are not seen here)
    assert set(hits) == {r.code for r in rules} and "rules.provenance" in timings
    monkeypatch.setattr(coverage, "corpus_coverage", original)
    here = hits_of(rules, Context(corpus, None, {}))
    assert {code: [h.message for h in hs] for code, hs in hits.items()} == \
        {code: [h.message for h in hs] for code, hs in here.items()}
    prefetch.release(corpus)
    assert prefetch.delegated(corpus) == []


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
    assert prefetch.wanted(corpus, env={"FIGCHECK_TEXT_WORKER": "always"})
    assert not prefetch.wanted(corpus, env={"FIGCHECK_TEXT_WORKER": "never"})
    monkeypatch.setattr(prefetch, "MIN_TEXT_CHARS", 10)
    assert prefetch.wanted(corpus, env={}) == ((os.cpu_count() or 1) >= 2)


def test_a_released_worker_is_stopped(archive, monkeypatch):
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    corpus = load([archive], use_cache=False)
    assert prefetch.start(corpus, _text_rules())
    worker = prefetch._WORKERS[-1].process
    prefetch.release(corpus)
    assert not worker.is_alive()
    assert prefetch.collect(corpus) is None


def test_no_worker_without_text_rules(archive, monkeypatch):
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    corpus = load([archive], use_cache=False)
    assert prefetch.start(corpus, [r for r in discover().values() if not r.texts]) == []
    assert prefetch.delegated(corpus) == []
