"""The rules that read the source texts, run in a second process while the others run.

The provenance rules (quotes, the numbers in them, coverage) read every article of the archive.
On a newsroom's archive that is the largest part of a check, and it needs nothing the other
rules compute: not the figure table, not the relation results. On a machine with a second core,
`start` forks a worker right after loading; the worker runs those rules exactly as the process
itself would (the same functions on the same corpus, inherited through fork) and sends back
their hits and the coverage counts, while the parent builds the figure table and runs the
other rules. `collect` hands the worker's results over. If the worker cannot start or fails,
its rules run in the process as before: a check never depends on the worker.

Forking is used only where it is safe and cheap (Linux) and only when there is enough text to
pay for it; FIGCHECK_TEXT_WORKER=always|never overrides the size test.
"""
from __future__ import annotations

import multiprocessing
import os
import sys

# Below this much article text the text rules take well under a second: no worker.
MIN_TEXT_CHARS = 4_000_000


class _Worker:
    def __init__(self, corpus, rules, process, receiver):
        self.corpus, self.rules, self.process, self.receiver = corpus, rules, process, receiver
        self.result = None          # (hits by rule code, coverage parts or None, timings), once received
        self.received = False


_WORKERS: list[_Worker] = []


def wanted(corpus, env=None) -> bool:
    """Whether a worker pays for this corpus on this machine."""
    choice = (env if env is not None else os.environ).get("FIGCHECK_TEXT_WORKER", "auto")
    if choice == "never" or not sys.platform.startswith("linux") or multiprocessing.current_process().daemon:
        return False              # (a daemonic process, a Pool's worker, may not have children)
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


def start(corpus, rules, settings=None) -> list:
    """Fork a worker that runs the text rules among `rules` on `corpus`; the rules it runs
    (none when no worker started)."""
    text_rules = [r for r in rules if r.texts]
    if not text_rules or not corpus.sources or _worker(corpus) is not None or not wanted(corpus):
        return []
    try:
        context = multiprocessing.get_context("fork")
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_in_worker, args=(corpus, text_rules, settings, sender), daemon=True)
        process.start()
    except (OSError, ValueError, RuntimeError):
        return []
    sender.close()
    _WORKERS.append(_Worker(corpus, text_rules, process, receiver))
    return text_rules


def _in_worker(corpus, rules, settings, sender) -> None:
    """In the worker: the rules' hits, the coverage as plain parts (no closures, skips by
    position) when the coverage rule ran, and the rules' timings."""
    from .coverage import COVERAGE_RULE, corpus_coverage
    from .engine import hits_of
    from .rules import Context

    # the worker writes nothing; and the parent's output streams may have been locked by another
    # thread (a progress bar) at the fork, so that flushing them on exit could wait forever
    sys.stdout = sys.stderr = open(os.devnull, "w")
    try:
        timings: dict[str, float] = {}
        hits = hits_of(rules, Context(corpus, None, settings), timings=timings)
        parts = None
        if any(r.code == COVERAGE_RULE for r in rules):
            position = {id(skip): k for k, skip in enumerate(corpus.skips)}
            parts = {sid: (cov._tally, cov._kinds, cov._open,
                           [position[id(s)] for s in cov.unmatched_skips],
                           [position[id(s)] for s in cov.idle_skips])
                     for sid, cov in corpus_coverage(corpus).items()}
        payload = (hits, parts, timings)
    except BaseException:         # the parent runs the rules again and reports what went wrong
        payload = None
    try:
        sender.send(payload)
    except (OSError, ValueError):
        pass                      # the parent stopped waiting


def _worker(corpus) -> _Worker | None:
    return next((w for w in _WORKERS if w.corpus is corpus), None)


def delegated(corpus) -> list:
    """The rules a worker runs (or ran) for `corpus`."""
    w = _worker(corpus)
    return list(w.rules) if w is not None else []


def collect(corpus):
    """(hits by rule code, timings) from the worker for `corpus`, waiting for them; None if no
    worker ran or it failed (then its rules must run in the process)."""
    w = _worker(corpus)
    if w is None:
        return None
    if not w.received:
        w.received = True
        try:
            w.result = w.receiver.recv()
        except (EOFError, OSError):       # the worker died
            w.result = None
        finally:
            w.receiver.close()
            w.process.join(timeout=5)
        if w.result is not None and w.result[1] is not None:
            from .coverage import adopt

            adopt(corpus, w.result[1])    # for the reports' coverage summary
    return None if w.result is None else (w.result[0], w.result[2])


def release(corpus) -> None:
    """Forget the worker of `corpus`, stopping it if its result was never asked for."""
    w = _worker(corpus)
    if w is None:
        return
    _WORKERS.remove(w)
    if not w.received:
        w.process.terminate()
        w.receiver.close()
        w.process.join(timeout=5)
