"""Progress on a terminal: the stage and a bar on stderr (rich), silent elsewhere.

Only a terminal gets it: a CI log or a pipe stays clean, and `--quiet` silences it too.
"""
from __future__ import annotations

import sys


class Silent:
    def stage(self, name: str, total: int | None = None) -> None:
        pass

    def step(self, name: str) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Bar(Silent):
    """rich's progress display: one line per stage, replaced as the run moves on."""

    def __init__(self, stream):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.progress = Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                                 MofNCompleteColumn(), TimeElapsedColumn(),
                                 console=Console(file=stream), transient=True)
        self.progress.start()
        self.task = None

    def stage(self, name: str, total: int | None = None) -> None:
        if self.task is not None:
            self.progress.update(self.task, completed=self.progress.tasks[-1].total or 1)
            self.progress.remove_task(self.task)
        self.task = self.progress.add_task(name, total=total)

    def step(self, name: str) -> None:
        if self.task is not None:
            self.progress.update(self.task, description=name)
            self.progress.advance(self.task)

    def advance(self, n: int = 1) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def close(self) -> None:
        self.progress.stop()


def progress_for(quiet: bool = False, stream=None) -> Silent:
    stream = stream or sys.stderr
    if quiet or not (hasattr(stream, "isatty") and stream.isatty()):
        return Silent()
    try:
        return Bar(stream)
    except ImportError:   # rich is a dependency; a broken install must not stop a check
        return Silent()
