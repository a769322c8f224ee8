"""Python's cycle collector, paused while a check runs; freed memory given back to the system."""
from __future__ import annotations

import contextlib
import gc
import sys


@contextlib.contextmanager
def collector_paused():
    """Python's cycle collector off meanwhile. A check makes millions of objects that live until
    it ends (figures, quotes, findings) and almost no cycles; each full collection would walk
    them all again, a quarter of a big check's time. Resumed after, as the caller had it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def give_back_free_memory() -> None:
    """Give the pages the allocators hold free back to the system: glibc's (malloc_trim) and
    arrow's pool. Python's own allocator never takes from the C heap's free lists, so what a
    stage freed there (a million-row load's temporaries, the figure table's arrays) would stay
    resident under whatever comes next, and after the text worker's fork each such page the
    parent fills again would first be copied. Nothing for glibc where there is none (macOS,
    musl). malloc_trim is found among the process's own symbols: ctypes.util.find_library
    runs ldconfig (15 ms). Cheap (~0.1 ms): the load also calls it between its stages, whose
    temporaries would otherwise stack up (each thread's heap keeps its own free pages)."""
    import ctypes

    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError, TypeError):
        trim = None
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim(0)
    give_back_arrow_memory()


def give_back_arrow_memory() -> None:
    """Give back what arrow's pool holds free (mimalloc keeps what a table freed, ~150 MB
    for a million-row CSV table once its columns are converted). Nothing before pyarrow is
    imported."""
    if "pyarrow" in sys.modules:
        try:
            sys.modules["pyarrow"].default_memory_pool().release_unused()
        except Exception:   # an older pyarrow without release_unused: nothing to give back
            pass
