"""Python's cycle collector, paused while a check runs."""
from __future__ import annotations

import contextlib
import gc


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
