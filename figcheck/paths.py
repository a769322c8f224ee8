"""The paths figcheck is given: how messages show them, and which are archives. Imports
nothing beyond the standard library (figcheck.readahead uses it before pandas is imported)."""
from __future__ import annotations

import os
from pathlib import Path


def display_path(path: Path) -> str:
    """Paths in messages: relative to the working directory when inside it."""
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def is_columnar(path: Path) -> bool:
    suffix = path.suffix.lower()
    # a folder named like a figures file is a figures file that cannot be read, not an archive
    return suffix in (".csv", ".parquet") or (suffix != ".toml" and path.is_dir())
