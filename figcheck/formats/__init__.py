"""Output formats: each module has render(result, **options) -> str."""
from __future__ import annotations

import importlib

FORMATS = ("text", "json", "sarif", "github", "junit")


def render(fmt: str, result, **options) -> str:
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    module = importlib.import_module(f"figcheck.formats.{fmt}_format")
    return module.render(result, **options)
