"""The jinja2 environments: HTML and SVG with autoescape on; Markdown escaping every value by default."""
from __future__ import annotations

import functools

from jinja2 import Environment, PackageLoader, StrictUndefined

from .escape import Trusted, markdown


def px(value) -> str:
    """A coordinate: at most two decimals, no float noise ("12.5", not "12.500000001")."""
    text = f"{float(value):.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


@functools.lru_cache(maxsize=None)
def html_env() -> Environment:
    """For index.html and the SVG charts: every value is escaped unless it is Markup."""
    env = Environment(loader=PackageLoader("figcheck.report", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.filters["px"] = px
    return env


@functools.lru_cache(maxsize=None)
def markdown_env() -> Environment:
    """For report.md: `finalize` escapes every printed value (article text shows literally);
    only `Trusted` strings, which the report wrote itself, pass through."""
    env = Environment(loader=PackageLoader("figcheck.report", "templates"), autoescape=False,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True, finalize=markdown)
    env.filters["trusted"] = Trusted
    return env
