"""The text rules run by a worker process (figcheck.prefetch) find what they find in the process."""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from figcheck import coverage, prefetch
from figcheck.config import Settings
from figcheck.coverage import OPEN, corpus_coverage, coverage_columns, summary
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


def _messages(hits) -> dict:
    return {code: sorted(h.message for h in found) for code, found in hits.items()}


def _recording_coverage(monkeypatch) -> list:
    """Patch coverage_columns (a source's coverage read) to note the pid of every process that
    calls it (the worker's calls are noted in its own copy of the list, not in ours)."""
    seen = []
    original = coverage.coverage_columns

    def recording(corpus):
        seen.append(os.getpid())
        return original(corpus)

    recording.forget = original.forget
    monkeypatch.setattr(coverage, "coverage_columns", recording)
    return seen


def test_the_worker_reads_what_it_claims(archive, monkeypatch):
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    corpus = load([archive], use_cache=False)
    expected = _messages(hits_of(_text_rules(), Context(corpus, None, {})))
    seen = _recording_coverage(monkeypatch)
    rules = _text_rules()
    assert prefetch.start(corpus, rules) == rules
    assert prefetch.delegated(corpus) == rules
    w = prefetch._WORKERS[-1]
    deadline = time.monotonic() + 60
    while w.counter.value < len(w.chunks) and time.monotonic() < deadline:
        time.sleep(0.01)                # until the worker has claimed every chunk
    timings = {}
    hits = prefetch.collect(corpus, timings)
    assert seen == []                   # the parent read none: the worker read them all
    assert "worker.provenance" in timings and "rules.provenance" not in timings
    assert _messages(hits) == expected
    prefetch.release(corpus)
    assert prefetch.delegated(corpus) == []


def test_the_parent_reads_what_the_worker_did_not_begin(archive, monkeypatch):
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    corpus = load([archive], use_cache=False)
    expected = _messages(hits_of(_text_rules(), Context(corpus, None, {})))
    expected_coverage = summary(corpus_coverage(corpus))

    def idle_worker(corpus, rules, settings, chunks, counter, sender):
        sender.send(({}, {}))

    monkeypatch.setattr(prefetch, "_in_worker", idle_worker)
    seen = _recording_coverage(monkeypatch)
    assert prefetch.start(corpus, _text_rules())
    n = len(prefetch._WORKERS[-1].chunks)
    assert n > 1
    timings = {}
    assert _messages(prefetch.collect(corpus, timings)) == expected
    assert set(seen) == {os.getpid()} and len(seen) >= n and "rules.provenance" in timings   # here, chunk by chunk
    assert summary(coverage.corpus_coverage(corpus)) == expected_coverage
    prefetch.release(corpus)


def test_chunks_a_dead_worker_claimed_are_read_by_the_parent(archive, monkeypatch):
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    corpus = load([archive], use_cache=False)
    expected = _messages(hits_of(_text_rules(), Context(corpus, None, {})))

    def dying_worker(corpus, rules, settings, chunks, counter, sender):
        prefetch._claim(counter, len(chunks))
        prefetch._claim(counter, len(chunks))
        os._exit(3)                     # two chunks claimed, nothing sent

    monkeypatch.setattr(prefetch, "_in_worker", dying_worker)
    assert prefetch.start(corpus, _text_rules())
    assert _messages(prefetch.collect(corpus)) == expected
    prefetch.release(corpus)


def test_source_chunks_and_parts(archive):
    corpus = load([archive], use_cache=False)
    for n in (1, 2, 7, 1000):
        chunks = prefetch.source_chunks(corpus, n)
        assert [sid for chunk in chunks for sid in chunk] == list(corpus.sources)
        assert 1 <= len(chunks) <= n and all(chunks)
        # guided: the first run holds half the text, none but the last less than 1/n of it
        sizes = [sum(len(corpus.sources[sid].text or "") + 1 for sid in chunk) for chunk in chunks]
        assert sizes[0] >= sum(sizes) / 2
        assert all(size >= sum(sizes) / n for size in sizes[:-1])
        if len(chunks) > 2:
            assert sizes[1] >= sizes[-1]
    # cut among three: each run a third of the text left, so the worker's first run is smaller
    thirds = prefetch.source_chunks(corpus, 1000, processes=3)
    sizes = [sum(len(corpus.sources[sid].text or "") + 1 for sid in chunk) for chunk in thirds]
    assert [sid for chunk in thirds for sid in chunk] == list(corpus.sources)
    assert sum(sizes) / 3 <= sizes[0] < sum(sizes) / 2
    assert len(thirds[0]) < len(prefetch.source_chunks(corpus, 1000)[0])
    chunk = prefetch.source_chunks(corpus, 5)[2]
    part = prefetch.source_part(corpus, chunk)
    df = corpus.figures.df
    assert list(part.sources) == chunk
    assert list(part.figures) == df["id"][df["source"].isin(chunk).to_numpy()].tolist()
    assert all(f.source in chunk for f in part.figures.values())
    assert all(k.source in chunk for k in part.skips)
    # a part holds only the columns the text rules read; its records are the whole corpus's
    assert list(part.figures.df.columns) == list(prefetch.TEXT_COLUMNS["figures"])
    assert list(part.figures.values()) == [corpus.figures[fid] for fid in part.figures]
    assert list(part.relations.values()) == [corpus.relations[rid] for rid in part.relations]
    assert len(part.relations) == int(corpus.relations.df["source"].isin(chunk).sum()) > 0


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


def test_a_failure_while_the_parent_reads_stops_the_worker(archive, monkeypatch):
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    corpus = load([archive], use_cache=False)

    def slow_worker(corpus, rules, settings, chunks, counter, sender):
        time.sleep(60)

    def broken_chunk(*args):
        raise RuntimeError("a rule broke")

    monkeypatch.setattr(prefetch, "_in_worker", slow_worker)
    monkeypatch.setattr(prefetch, "_read_chunk", broken_chunk)
    assert prefetch.start(corpus, _text_rules())
    worker = prefetch._WORKERS[-1].process
    with pytest.raises(RuntimeError):
        prefetch.collect(corpus)
    prefetch.release(corpus)
    assert not worker.is_alive()


def test_the_worker_starts_before_the_references_are_checked(archive, monkeypatch):
    from figcheck import load as load_module

    order = []
    checked = load_module._check_references
    monkeypatch.setattr(load_module, "_check_references", lambda *a, **k: order.append("references") or checked(*a, **k))
    corpus = load([archive], use_cache=False, ready=lambda c: order.append(c))
    assert order == [corpus, "references"]


def test_a_reference_problem_stops_the_worker_started_before_it(archive, tmp_path, monkeypatch):
    import csv
    import shutil

    from figcheck.load import LoadError

    broken = tmp_path / "csv"
    shutil.copytree(archive, broken)
    with (broken / "figures.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[0]["quantity"] = "no_such_quantity"
    with (broken / "figures.csv").open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    started = []
    start = prefetch.start
    monkeypatch.setattr(prefetch, "start", lambda *a, **k: started.append(start(*a, **k)) or started[-1])
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    with pytest.raises(LoadError, match="no_such_quantity"):
        check([broken], Settings(root=ROOT), use_cache=False)
    assert started and started[0], "the worker was started before the references were checked"
    assert prefetch._WORKERS == []


@pytest.fixture(scope="module")
def misquoted(tmp_path_factory) -> Path:
    """A generated archive in which some figures' values and quotes no longer fit their articles:
    the text rules find something, as the other rules do."""
    import pandas as pd

    root = tmp_path_factory.mktemp("misquoted")
    generated_archive(root, 2000, seed=17, planted_rate=0.05, forms=("csv",))
    path = root / "csv" / "figures.csv"
    figures = pd.read_csv(path, dtype=str, keep_default_na=False)
    figures.loc[:9, "value"] = "999"                                    # P002: not the quote's number
    figures.loc[10:19, "quote"] = "nirgends geschrieben: 5 Granaten"     # P001: not in the article
    figures.to_csv(path, index=False)
    return root / "csv"


def test_findings_made_while_the_worker_reads_are_ordered_as_one_pass_orders_them(misquoted, monkeypatch):
    inline, inline_json = _check([misquoted], monkeypatch, "never")
    forked, forked_json = _check([misquoted], monkeypatch, "always")
    codes = {f.code for f in inline.findings}
    assert {"P001", "P002"} <= codes and {"A001", "X001"} <= codes
    assert forked_json == inline_json
    assert [(f.code, f.fingerprint) for f in forked.findings] == [(f.code, f.fingerprint) for f in inline.findings]


def test_a_part_names_its_rows_from_the_whole_corpus(archive):
    from figcheck.coverage import _row_sources, _source_positions, records_at, row_ids

    corpus = load([archive], use_cache=False)
    chunk = prefetch.source_chunks(corpus, 5)[1]
    part = prefetch.source_part(corpus, chunk)
    df = corpus.figures.df
    mine = df["source"].isin(chunk).to_numpy()
    assert "id" not in part.figures.df.columns          # no reference to every id: none touched
    rows = [0, len(part.figures) // 2, len(part.figures) - 1]
    assert row_ids(part.figures, rows) == df["id"][mine].iloc[rows].tolist()
    assert records_at(part.figures, rows) == [corpus.figures[fid] for fid in row_ids(part.figures, rows)]
    assert row_ids(corpus.figures, rows) == df["id"].iloc[rows].tolist()
    # each row's source by its position in the part, as the source column gives it
    assert _row_sources(part).tolist() == _source_positions(df["source"][mine], chunk).tolist()
    relations = corpus.relations.df
    assert row_ids(part.relations, [0]) == relations["id"][relations["source"].isin(chunk).to_numpy()].iloc[:1].tolist()


def test_the_positions_every_part_reads_are_made_before_the_fork(archive, monkeypatch):
    corpus = load([archive], use_cache=False)
    monkeypatch.setattr(prefetch.multiprocessing, "get_context", lambda method: (_ for _ in ()).throw(OSError))
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    try:
        assert prefetch.start(corpus, _text_rules()) == []      # no worker could start
        # made before forking (a worker would share them): a part reads them, it makes none
        made = dict(prefetch._grouping(corpus)._positions)
        assert sorted(made) == ["figures", "relations"]
        part = prefetch.source_part(corpus, prefetch.source_chunks(corpus, 3)[0])
        assert all(prefetch._grouping(corpus)._positions[kind] is made[kind] for kind in made)
        # the rows are kept compact, and name the rows of the part's sources
        df = corpus.figures.df
        assert part.figures.rows.dtype == prefetch._position_type(len(df))
        assert part.figures.rows.tolist() == np.flatnonzero(df["source"].isin(list(part.sources)).to_numpy()).tolist()
    finally:
        prefetch.release(corpus)


def test_reading_a_chunk_keeps_nothing_for_its_part(archive, monkeypatch):
    import weakref

    corpus = load([archive], use_cache=False)
    parts = []
    real = prefetch.source_part

    def source_part(*args):
        part = real(*args)
        parts.append(weakref.ref(part))
        return part

    monkeypatch.setattr(prefetch, "source_part", source_part)
    prefetch._read_chunk(corpus, _text_rules(), {}, prefetch.source_chunks(corpus, 3)[0], {})
    # the caches of the text rules (per_corpus, coverage's) let the part go once it is read
    assert parts and parts[0]() is None


def test_coverage_parts_travel_whole(archive):
    corpus = load([archive], use_cache=False)
    chunks = prefetch.source_chunks(corpus, 3)
    position = prefetch._skip_positions(corpus)
    want, parts = {}, []
    for chunk in chunks:
        coverages = corpus_coverage(prefetch.source_part(corpus, chunk))
        want.update({sid: (cov._tally, list(cov._kinds.items()), cov._open,
                           [position[id(s)] for s in cov.unmatched_skips], [position[id(s)] for s in cov.idle_skips])
                     for sid, cov in coverages.items()})
        parts.append(prefetch._coverage_parts(coverage_columns(prefetch.source_part(corpus, chunk)), position))
    got = prefetch._coverage_of_parts(chunks, parts)
    assert list(got) == list(want) == list(corpus.sources)
    assert {sid: (tally, list(kinds.items()), *rest) for sid, (tally, kinds, *rest) in got.items()} == want
    assert any(open_entries for _, _, open_entries, _, _ in got.values())      # the appended sentence's


def test_the_json_encoded_while_the_worker_reads_is_the_json_written_after(misquoted, monkeypatch):
    from figcheck.formats import json_format

    monkeypatch.setattr(json_format, "PRETTY_UP_TO", 0)     # every finding a line of its own
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    prepared = []

    def prepare(findings):
        prepared.append([f.code for f in findings])
        json_format.prepare(findings)

    ahead = check([misquoted], Settings(root=ROOT), use_cache=False, prepare=prepare)
    assert len(prepared) == 1 and prepared[0] and not {"P001", "P002"} & set(prepared[0])   # this process's
    assert len(json_format._PREPARED) == len(prepared[0])
    written = render("json", ahead)
    assert json_format._PREPARED == {}
    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "never")
    inline = check([misquoted], Settings(root=ROOT), use_cache=False, prepare=prepare)
    assert len(prepared) == 1          # no worker: nothing to do meanwhile
    assert written == render("json", inline)


def test_a_worker_that_sent_its_result_is_not_waited_for(archive, monkeypatch):
    """Its result taken, the worker ends by itself: neither collect nor release waits for its
    exit or stops it, and multiprocessing reaps it afterwards."""
    import multiprocessing

    monkeypatch.setenv("FIGCHECK_TEXT_WORKER", "always")
    corpus = load([archive], use_cache=False)
    expected = _messages(hits_of(_text_rules(), Context(corpus, None, {})))
    assert prefetch.start(corpus, _text_rules())
    worker = prefetch._WORKERS[-1].process
    waited, stopped = [], []
    monkeypatch.setattr(type(worker), "join", lambda self, timeout=None: waited.append(self))
    monkeypatch.setattr(type(worker), "terminate", lambda self: stopped.append(self))
    assert _messages(prefetch.collect(corpus)) == expected
    prefetch.release(corpus)
    assert waited == [] and stopped == []
    monkeypatch.undo()
    prefetch.reap()                     # what the command line does once its output is out
    assert worker.exitcode == 0 and worker not in multiprocessing.active_children()
    assert prefetch._ENDING == []
