"""Output formats: each module has render(result, **options) -> str."""
from __future__ import annotations

import functools
import importlib
import os
from pathlib import Path
from urllib.parse import quote

FORMATS = ("text", "json", "sarif", "github", "junit")


def render(fmt: str, result, **options) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    module = importlib.import_module(f"figcheck.formats.{fmt}_format")
    return module.render(result, **options)


def render_pieces(fmt: str, result, **options):
    """render(fmt, result) as an iterable of pieces, str or UTF-8 bytes (one piece for formats
    without their own)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    module = importlib.import_module(f"figcheck.formats.{fmt}_format")
    if hasattr(module, "render_pieces"):
        return module.render_pieces(result, **options)
    return [module.render(result, **options)]


def _relative(file: str, root=None):
    """(path relative to root, absolute path); the relative one is None when outside root."""
    root = Path(root) if root is not None else Path.cwd()
    path = Path(file)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        relative = Path(os.path.relpath(absolute, root))
    except ValueError:                      # another drive on Windows
        return None, absolute
    return (None if relative.parts[:1] == ("..",) else relative), absolute


def location_path(file: str, root=None) -> str:
    """A finding's file relative to `root` (default: the working directory, in CI the
    repository root) with forward slashes; absolute when it lies outside the root."""
    return _location_path(str(file), None if root is None else str(root), os.getcwd())


def relative_uri(file: str, root=None) -> str:
    """The same as a URI reference (percent-escaped); outside the root an absolute file: URI."""
    return _relative_uri(str(file), None if root is None else str(root), os.getcwd())


# A run's findings name a handful of files, each thousands of times: the paths are worked out
# once per file, root and working directory.
@functools.lru_cache(maxsize=4096)
def _location_path(file: str, root, cwd: str) -> str:
    relative, absolute = _relative(file, root)
    return relative.as_posix() if relative is not None else absolute.as_posix()


@functools.lru_cache(maxsize=4096)
def _relative_uri(file: str, root, cwd: str) -> str:
    relative, absolute = _relative(file, root)
    if relative is None:
        return absolute.resolve().as_uri()
    return quote(relative.as_posix(), safe="/")
