"""Coverage read in a second process while the rules run.

Coverage (rule P004) reads every article of the archive, which on a newsroom's archive is the
largest single piece of work and depends on nothing the other rules compute. On a machine with
a second core, `start_coverage` forks a worker right after loading; the worker computes
`corpus_coverage` exactly as the process itself would and sends back its counts and open
mentions, while the parent builds the figure table and runs the other rules. `collect` hands
the result to `corpus_coverage` when P004 (or the JSON summary) asks for it. If the worker
cannot start or fails, coverage is computed in the process as before: a check never depends
on the worker.

Forking is used only where it is safe and cheap (Linux) and only when there is enough text to
pay for it; FIGCHECK_COVERAGE_WORKER=always|never overrides the size test.
"""
from __future__ import annotations

import multiprocessing
import os
import sys

# Below this much article text the whole coverage takes well under a second: no worker.
MIN_TEXT_CHARS = 4_000_000

_PENDING: list[tuple[object, object, object]] = []      # (corpus, worker process, its pipe end)


def wanted(corpus, env=None) -> bool:
    """Whether a worker pays for this corpus on this machine."""
    choice = (env if env is not None else os.environ).get("FIGCHECK_COVERAGE_WORKER", "auto")
    if choice == "never" or not sys.platform.startswith("linux"):
        return False
    if choice == "always":
        return True
    if (os.cpu_count() or 1) < 2:
        return False
    total = 0
    for source in corpus.sources.values():
        total += len(source.text or "")
        if total >= MIN_TEXT_CHARS:
            return True
    return False


def start_coverage(corpus) -> bool:
    """Fork a worker that computes the coverage of `corpus`; True if one started."""
    if not corpus.sources or pending(corpus):
        return False
    try:
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        worker = context.Process(target=_coverage_in_worker, args=(corpus, sender), daemon=True)
        worker.start()
    except (OSError, ValueError, RuntimeError):
        return False
    sender.close()
    _PENDING.append((corpus, worker, receiver))
    return True


def _coverage_in_worker(corpus, sender) -> None:
    """In the worker: the corpus's coverage as plain parts (no closures, skips by position)."""
    from .coverage import corpus_coverage

    try:
        position = {id(skip): k for k, skip in enumerate(corpus.skips)}
        parts = {sid: (cov._tally, cov._kinds, cov._open,
                       [position[id(s)] for s in cov.unmatched_skips],
                       [position[id(s)] for s in cov.idle_skips])
                 for sid, cov in corpus_coverage(corpus).items()}
    except BaseException:         # the parent computes it again and reports what went wrong
        parts = None
    try:
        sender.send(parts)
    except (OSError, ValueError):
        pass                      # the parent stopped waiting


def pending(corpus) -> bool:
    """Whether a worker is computing the coverage of `corpus`."""
    return any(seen is corpus for seen, _, _ in _PENDING)


def collect(corpus) -> dict | None:
    """The worker's parts for `corpus` ({source id: (tally, kinds, open entries, unmatched skip
    positions, idle skip positions)}), waiting for them; None if no worker ran or it failed."""
    for k, (seen, worker, receiver) in enumerate(_PENDING):
        if seen is corpus:
            del _PENDING[k]
            try:
                return receiver.recv()
            except (EOFError, OSError):        # the worker died or raised: compute in-process
                return None
            finally:
                receiver.close()
                worker.join(timeout=5)
    return None


def cancel(corpus) -> None:
    """Stop a worker whose result nobody will ask for."""
    for k, (seen, worker, receiver) in enumerate(_PENDING):
        if seen is corpus:
            del _PENDING[k]
            worker.terminate()
            receiver.close()
            worker.join(timeout=5)
            return
