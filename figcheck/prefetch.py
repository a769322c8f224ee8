"""The rules that read the source texts, run in a second process while the others run.

The provenance rules (quotes, the numbers in them, coverage) read every article of the archive.
On a newsroom's archive that is the largest part of a check, and it needs nothing the other
rules compute: not the figure table, not the relation results; and each source can be read on
its own. On a machine with a second core, `start` forks a worker as soon as loading has read
everything (figcheck.load calls it before checking references between files). The
sources are cut into chunks of shrinking text length; the worker runs the text rules chunk after
chunk (the same functions, on the part of the corpus it inherited through fork that holds the
chunk's sources, figures, relations and skips) while the parent builds the figure table and
runs the other rules. The parent then takes the chunks the worker has not begun (`collect`),
and the two results are joined: the hits of every chunk, the coverage of every source. If the
worker cannot start or fails, its chunks are read in the process: a check never depends on it.

Forking is used only where it is safe and cheap (Linux) and only when there is enough text to
pay for it; FIGCHECK_TEXT_WORKER=always|never overrides the size test.
"""
from __future__ import annotations

import functools
import multiprocessing
import os
import sys
import time
from collections import Counter

import numpy as np
import pandas as pd

from .collector import give_back_free_memory
from .frames import FigureFrame, RelationFrame, _frame_of, known_codes
from .model import per_corpus, text_lengths
from .workers import may_fork_workers, quiet_worker, usable_cpus

# Below this much article text the text rules take well under a second: no worker.
MIN_TEXT_CHARS = 4_000_000
# The smallest chunk is 1/CHUNKS of the text (source_chunks): the last chunks are this small, so
# that the two processes finish close together.
CHUNKS = 24
# Each chunk holds 1/CUT_AMONG of the text not yet cut (source_chunks' `processes`): a third,
# not a half, so that the worker's first chunk, where its memory peaks, is a third of all text.
# At a million figures the summed peak of the two processes was ~35 MB lower (1102-1106 MiB
# against 1132-1207), the worker's time the same (2.08-2.15 s against 2.03-2.16); a quarter
# took the worker 0.1-0.3 s longer.
CUT_AMONG = 3


class _Worker:
    def __init__(self, corpus, rules, settings, chunks, counter, process, receiver):
        self.corpus, self.rules, self.settings = corpus, rules, settings
        self.chunks, self.counter, self.process, self.receiver = chunks, counter, process, receiver
        self.result = None          # (hits by rule code, timings) once collected
        self.collected = False
        self.delivered = False      # the worker sent its result (and then ends by itself)


_WORKERS: list[_Worker] = []
_ENDING: list = []      # workers that sent their results and end by themselves (reap)


def wanted(corpus, env=None) -> bool:
    """Whether a worker pays for this corpus on this machine."""
    choice = (env if env is not None else os.environ).get("FIGCHECK_TEXT_WORKER", "auto")
    if choice == "never" or not sys.platform.startswith("linux") or not may_fork_workers():
        return False
    if choice == "always":
        return True
    if usable_cpus() < 2:
        return False
    return int(text_lengths(list(corpus.sources.values())).sum()) >= MIN_TEXT_CHARS


def source_chunks(corpus, n: int, processes: int = 2) -> list[list[str]]:
    """The source ids in corpus order, cut into runs of text of shrinking length (guided
    self-scheduling): each run holds 1/processes of the text not yet cut (half, then a quarter,
    ... with two processes), never less than 1/n of all of it. The worker, which starts first,
    takes the long runs; whichever process is free takes the next, and the short last runs let
    both finish together. Few runs: each repeats its rules' set-up and the reading of whatever
    its sources share with other runs (24 equal runs read a million figures' texts in 4.7 s of
    CPU, these six in 3.1 s, one run in 2.8 s)."""
    ids = list(corpus.sources)
    sizes = (text_lengths(list(corpus.sources.values())) + 1).tolist()
    total = sum(sizes)
    chunks, current, filled, left = [], [], 0, total
    goal = max(left / processes, total / n)
    for sid, size in zip(ids, sizes):
        current.append(sid)
        filled += size
        if filled >= goal:
            chunks.append(current)
            left -= filled
            current, filled = [], 0
            goal = max(left / processes, total / n)
    if current:
        chunks.append(current)
    return chunks


# The columns of the frames the text rules read as columns. A part's frames hold only these,
# and a part's records (a flagged figure's message) and ids come from the whole corpus's frames:
# a chunk copies a few columns of its rows, not all 26 (over the chunks of a million figures,
# ~0.4 s of CPU and ~500 MB of fresh pages in each process). The ids are left out too: every id
# is a string of its own, and copying a reference to it writes its reference count, so that a
# forked worker would copy every page of ids (~260 MB over a million figures and relations);
# a part names its rows' ids only when asked (ids_at: the rules ask for the rows they flag). So
# are its rows' sources, from their positions (source_positions; ~13 MB less at 1M). A text
# rule reading another column of a part fails its tests (tests/test_prefetch.py runs every
# text rule on parts).
TEXT_COLUMNS = {"figures": ("quote", "value_text", "low", "high", "qualifier"),
                "relations": ("quote",)}


def source_part(corpus, source_ids):
    """The part of `corpus` about these sources: their figures, relations and skips (the
    quantities and rates whole, as the text rules look them up by key). Each row's source is
    known by its position (made once per corpus), so that a part costs a comparison per row and
    what its rows cost, not a hash per row."""
    from .model import Corpus

    wanted_ids = set(source_ids)
    grouping = _grouping(corpus)
    # each source's position in the part, by its position in the corpus; the last entry: the
    # rows of no source of the corpus (position -1)
    in_part = np.full(len(grouping.position) + 1, -1, dtype=_position_type(len(grouping.position)))
    in_part[[grouping.position[sid] for sid in source_ids]] = np.arange(len(source_ids))

    def rows_of(items, kind):
        df = getattr(items, "df", None)
        if df is None:
            return {key: x for key, x in items.items() if x.source in wanted_ids}
        part_at = in_part[grouping.positions(kind, df)]
        # the rows as the positions are kept: 4 bytes a row, not 8, wherever they fit
        rows = np.flatnonzero(part_at >= 0).astype(_position_type(len(df)), copy=False)
        kept = _frame_of(len(rows), {c: df[c].to_numpy()[rows] for c in TEXT_COLUMNS[kind]})
        return (_PartFigures if isinstance(items, FigureFrame) else _PartRelations)(kept, items, rows, part_at[rows])

    return Corpus(corpus.files, {sid: corpus.sources[sid] for sid in source_ids}, corpus.quantities,
                  rows_of(corpus.figures, "figures"), rows_of(corpus.relations, "relations"), corpus.rates,
                  tuple(k for k in corpus.skips if k.source in wanted_ids))


class _PartRecords:
    """A part's frame: its own columns (TEXT_COLUMNS); its rows' ids and records from the whole
    frame; each row's source as its position in the part's sources (coverage.row_sources)."""

    def __init__(self, df, whole, rows, source_positions):
        super().__init__(df)
        self.whole, self.rows, self.source_positions = whole, rows, source_positions

    def record(self, i: int):
        return self.whole.record(int(self.rows[i]))

    def ids_at(self, positions) -> list:
        """The ids of the part's rows at `positions`."""
        from .frames import cells

        return cells(self.whole.df["id"])[self.rows[np.asarray(positions, dtype=np.int64)]].tolist()

    @functools.cached_property
    def index(self) -> pd.Index:
        return pd.Index(self.ids_at(np.arange(len(self.rows))), dtype=object)

    def __iter__(self):
        return iter(self.ids_at(np.arange(len(self.rows))))


class _PartFigures(_PartRecords, FigureFrame):
    pass


class _PartRelations(_PartRecords, RelationFrame):
    pass


def _position_type(n: int):
    """The integers positions among n sources are kept in: half the bytes of int64 per row
    wherever they fit (a million figures' and relations' sources: 8 MB less each)."""
    return np.int32 if n < 2 ** 31 - 1 else np.int64


class _Grouping:
    """A corpus's frames' rows by source (the source's position in corpus.sources)."""

    def __init__(self, corpus):
        self.corpus = corpus
        self.position = {sid: i for i, sid in enumerate(corpus.sources)}
        self._positions: dict[str, np.ndarray] = {}

    def positions(self, kind: str, df) -> np.ndarray:
        """Each row's source as its position in corpus.sources, -1 for none of them."""
        got = self._positions.get(kind)
        if got is None:
            from .coverage import coded_positions

            # the loader's codes where it has them: a position per distinct source, no hash per row
            codes, names = known_codes(df, "source") or pd.factorize(df["source"])
            got = self._positions[kind] = coded_positions(codes, names, list(self.position),
                                                          _position_type(len(self.position)))
        return got


@per_corpus(keep=1)
def _grouping(corpus) -> _Grouping:
    return _Grouping(corpus)


def start(corpus, rules, settings=None) -> list:
    """Fork a worker that runs the text rules among `rules` on `corpus`; the rules it runs
    (none when no worker started)."""
    text_rules = [r for r in rules if r.texts]
    if not text_rules or not corpus.sources or _worker(corpus) is not None or not wanted(corpus):
        return []
    chunks = source_chunks(corpus, CHUNKS, processes=CUT_AMONG)
    _before_fork(corpus)
    try:
        context = multiprocessing.get_context("fork")
        counter = context.Value("i", 0)
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_in_worker, args=(corpus, text_rules, settings, chunks, counter, sender),
                                  daemon=True)
        process.start()
    except (OSError, ValueError, RuntimeError):
        return []
    sender.close()
    _WORKERS.append(_Worker(corpus, text_rules, settings, chunks, counter, process, receiver))
    return text_rules


def _before_fork(corpus) -> None:
    """Work out, before the fork, what every chunk's part reads of the whole corpus: each row's
    source position (_Grouping) and each skip's position. Made in the worker, these would be its
    own copies, and reading the source names for them (a reference each) would copy every page
    holding one (~20 MB over a million figures and relations); made here, both processes share
    them, and this process needs them anyway for the chunks it reads."""
    grouping = _grouping(corpus)
    for kind, items in (("figures", corpus.figures), ("relations", corpus.relations)):
        df = getattr(items, "df", None)
        if df is not None:
            grouping.positions(kind, df)
    _skip_positions(corpus)


def _claim(counter, n: int) -> int | None:
    """The next chunk nobody has begun, now ours; None when all are taken."""
    with counter.get_lock():
        k = counter.value
        if k >= n:
            return None
        counter.value = k + 1
    return k


def _read_chunk(corpus, rules, settings, sources, timings: dict) -> tuple[dict, tuple | None]:
    """(hits by rule code, coverage parts or None) of the text rules over some sources. The
    coverage travels as plain parts (_coverage_parts): counts, open mentions, skips by their
    position in the whole corpus."""
    from .coverage import COVERAGE_RULE, coverage_columns
    from .engine import hits_of
    from .rules import Context

    part = source_part(corpus, sources)
    try:
        hits = hits_of(rules, Context(part, None, settings), timings=timings)
        parts = None
        if any(r.code == COVERAGE_RULE for r in rules):
            parts = _coverage_parts(coverage_columns(part), _skip_positions(corpus))
    finally:
        _forget(part, rules)
    return hits, parts


def _forget(part, rules) -> None:
    """Drop what the text rules keep for a part once it is read: the next chunk's part would
    otherwise be read while the last one's tables (its sentences, quote places, figure keys)
    are still held. A rule's module keeps such tables per corpus and drops them in its
    `forget(corpus)`, if it has one."""
    from . import coverage

    coverage.forget(part)
    for module in {sys.modules.get(r.check.__module__) for r in rules}:
        forget = getattr(module, "forget", None)
        if callable(forget):
            forget(part)


_TALLY_KEYS = ("encoded", "skipped", "open")        # coverage.ENCODED, SKIPPED, OPEN


def _coverage_parts(columns, skip_position: dict) -> tuple:
    """The coverage of a chunk's sources (coverage.CoverageColumns, in the chunk's order) in
    few objects, as they are sent from the worker: each source's counts of encoded, skipped and
    open claims (an array), its kinds as the number of a distinct kinds table (an archive's
    sources share a few hundred), and the rare rest (open entries, skips not in the text or
    holding no claim) by the source's place in the chunk. A Counter per source pickles and
    unpickles a hundred times slower (~0.1 s each way over 25,000 sources, both while the
    parent waits)."""
    rare = {}
    for k in sorted(set(columns.open) | set(columns.unmatched) | set(columns.idle)):
        rare[k] = (columns.open.get(k, []), [skip_position[id(s)] for s in columns.unmatched.get(k, ())],
                   [skip_position[id(s)] for s in columns.idle.get(k, ())])
    return (np.asarray(columns.counts, dtype=np.int64).reshape(-1), np.asarray(columns.kind_codes, dtype=np.int64),
            list(columns.kinds), rare)


def _coverage_of_parts(chunks: list, parts: list) -> dict:
    """{source id: (tally, kinds, open entries, unmatched and idle skips by position)} of the
    _coverage_parts of the chunks, as coverage.adopt takes them. Sources with the same counts or
    kinds share one (read-only) dict of them."""
    out, tallies = {}, {}
    nothing = ([], [], [])
    for sources, (counts, kind_codes, table, rare) in zip(chunks, parts):
        kinds_tables = [dict(kinds) for kinds in table]
        for k, (sid, row, code) in enumerate(zip(sources, counts.reshape(-1, 3).tolist(), kind_codes.tolist())):
            key = tuple(row)
            tally = tallies.get(key)
            if tally is None:
                tally = tallies[key] = Counter({name: n for name, n in zip(_TALLY_KEYS, row) if n})
            out[sid] = (tally, kinds_tables[code], *rare.get(k, nothing))
    return out


@per_corpus(keep=1)
def _skip_positions(corpus) -> dict[int, int]:
    """{id(skip): its position}: made once per corpus, not once per chunk."""
    return {id(skip): k for k, skip in enumerate(corpus.skips)}


def _in_worker(corpus, rules, settings, chunks, counter, sender) -> None:
    """In the worker: chunk after chunk until none is left; then {chunk: result} and timings."""
    quiet_worker()
    give_back_free_memory()
    done, timings = {}, {}
    try:
        while (k := _claim(counter, len(chunks))) is not None:
            done[k] = _read_chunk(corpus, rules, settings, chunks[k], timings)
            give_back_free_memory()
    except BaseException:         # what it finished still counts; the parent reads the rest
        pass
    try:
        sender.send((done, timings))
    except (OSError, ValueError):
        pass                      # the parent stopped waiting


def _worker(corpus) -> _Worker | None:
    return next((w for w in _WORKERS if w.corpus is corpus), None)


def delegated(corpus) -> list:
    """The rules a worker runs (or ran) for `corpus`."""
    w = _worker(corpus)
    return list(w.rules) if w is not None else []


def collect(corpus, timings: dict | None = None):
    """The text rules' hits for `corpus` ({rule code: hits}), once every chunk is read: this
    process reads the chunks the worker has not begun, then takes the worker's. The coverage is
    handed to figcheck.coverage. None if no worker was started."""
    w = _worker(corpus)
    if w is None:
        return None
    if not w.collected:
        w.collected = True
        here_timings: dict[str, float] = {}
        mine = {}
        while (k := _claim(w.counter, len(w.chunks))) is not None:
            mine[k] = _read_chunk(corpus, w.rules, w.settings, w.chunks[k], here_timings)
        t0 = time.perf_counter()
        try:
            theirs, worker_timings = w.receiver.recv()
            # sent: the worker ends by itself. Its exit (freeing what it alone holds, ~30 ms at
            # 1M) is not waited for; multiprocessing reaps it when a process starts next
            w.delivered = True
        except (EOFError, OSError):       # the worker died
            theirs, worker_timings = {}, {}
            w.process.join(timeout=5)
        finally:
            w.receiver.close()
        waited = time.perf_counter() - t0
        for k in range(len(w.chunks)):    # what the worker claimed but never sent: read here
            if k not in mine and k not in theirs:
                mine[k] = _read_chunk(corpus, w.rules, w.settings, w.chunks[k], here_timings)
        results = [mine[k] if k in mine else theirs[k] for k in range(len(w.chunks))]
        hits = {r.code: [h for found, _ in results for h in found.get(r.code, ())] for r in w.rules}
        if results and results[0][1] is not None:
            from .coverage import adopt

            adopt(corpus, _coverage_of_parts(w.chunks, [parts for _, parts in results]))
        if timings is not None:
            timings.update(here_timings)
            timings["rules.wait_for_worker"] = waited
            for key, seconds in worker_timings.items():       # "rules.provenance" → "worker.provenance"
                timings["worker." + key.split(".", 1)[-1]] = seconds
        w.result = hits
    return w.result


def release(corpus) -> None:
    """Forget the worker of `corpus`, stopping it if it still runs and never sent its result
    (it was never asked for, or reading a chunk here failed)."""
    _skip_positions.forget(corpus)
    _grouping.forget(corpus)
    w = _worker(corpus)
    if w is None:
        return
    _WORKERS.remove(w)
    w.receiver.close()
    if w.delivered:
        _ENDING.append(w.process)
        return
    if w.process.is_alive():
        w.process.terminate()
    w.process.join(timeout=5)


def reap() -> None:
    """Wait for the workers that sent their results and are ending by themselves: the command
    line does once its output is written (by then they have ended), so that their CPU time
    counts in the process's children's as the system reports it."""
    while _ENDING:
        _ENDING.pop().join(timeout=5)
