"""Article text is untrusted: escaping for Markdown, and links that can only go where we mean.

HTML and SVG are escaped by jinja2's autoescape. Markdown has no such switch, so the Markdown
environment escapes every value by default (its `finalize`), and only text the report itself
wrote is marked `Trusted`.
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote, urlsplit


class Trusted(str):
    """Markdown the report wrote itself (never article text): passed through unescaped."""


# Markdown and HTML punctuation that acts anywhere in a line: emphasis, code, links and
# images (brackets), tables, strikethrough, math; <, > and & become entities so no tag
# (<script>, </svg>) or entity survives. Characters that only act at the start of a line
# (#, -, +, =, >, "1.") are escaped there; the templates never start a line with a value
# other than through this function.
_INLINE = re.compile(r"([\\`*_\[\]|~$])")
_LINE_START = re.compile(r"^(\s*)([#=+-]|\d+(?=[.)](?:\s|$)))")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_WHITESPACE = re.compile(r"\s+")
# controls, format characters, line and paragraph separators, surrogates, unassigned: shown as �
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def markdown(text) -> str:
    """Text shown literally in Markdown: one line, every special character neutralised."""
    if isinstance(text, Trusted):
        return text
    line = _WHITESPACE.sub(" ", str(text))
    line = "".join(ch if ch.isprintable() else "\ufffd" for ch in line)
    line = _INLINE.sub(r"\\\1", line)
    line = re.sub(r"[&<>]", lambda m: _ENTITIES[m.group()], line)
    return _LINE_START.sub(_escape_line_start, line)


def _escape_line_start(match) -> str:
    space, marker = match.groups()
    return space + (marker + "\\" if marker[0].isdigit() else "\\" + marker)


def markdown_code(text) -> Trusted:
    """Text as an inline code span: a fence longer than any run of backticks inside it."""
    line = _WHITESPACE.sub(" ", str(text)).strip()
    line = "".join(ch if ch.isprintable() else "\ufffd" for ch in line)
    longest = max((len(run) for run in re.findall(r"`+", line)), default=0)
    fence = "`" * (longest + 1)
    return Trusted(f"{fence} {line} {fence}")


def markdown_code_block(lines) -> Trusted:
    """Lines shown verbatim, spacing kept, in a fenced code block no line can close: the fence
    is longer than any run of backticks inside."""
    clean = ["".join("\ufffd" if unicodedata.category(ch) in _INVISIBLE else ch
                     for ch in str(line).replace("\t", "    ")) for line in lines]
    longest = max((len(run) for line in clean for run in re.findall(r"`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return Trusted("\n".join([fence + "text", *clean, fence]))


def web_link(url: str) -> str | None:
    """An http(s) URL made safe for an href or a Markdown link destination; None for others
    (javascript:, data:, file: and relative URLs from a figures file are shown, never linked)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    # percent-encode anything that could end the link: spaces, <, >, quotes, backslashes
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~-._")


def file_link(relative_path: str) -> str:
    """A relative path as a link that can never read as a scheme ("javascript:x" → "./javascript%3Ax")."""
    encoded = quote(relative_path.replace("\\", "/"), safe="/-._~")
    return encoded if encoded.startswith("../") else "./" + encoded


def slug(text: str) -> str:
    """A file-name-safe, lower-case form of a key (the caller makes it unique)."""
    cleaned = re.sub(r"[^a-z0-9_-]+", "-", text.lower()).strip("-_")
    return cleaned[:60] or "quantity"
