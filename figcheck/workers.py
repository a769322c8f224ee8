"""What figcheck's forked worker processes share: the parallel TOML parse (figcheck.load) and
the worker of the text rules (figcheck.prefetch)."""
from __future__ import annotations

import multiprocessing
import os
import sys


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def may_fork_workers() -> bool:
    """False in a daemonic process (a Pool's worker), which may not have children."""
    return not multiprocessing.current_process().daemon


def quiet_worker() -> None:
    """A worker writes nothing: its output streams were forked from a process whose progress
    bar thread may have held their locks at that moment (the worker would hang on exit)."""
    sys.stdout = sys.stderr = open(os.devnull, "w")
