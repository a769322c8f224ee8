"""--format text: for a terminal (colour) and a CI log (plain when not a TTY or NO_COLOR)."""
from __future__ import annotations

import os
import sys

COLOURS = {"error": "\033[31;1m", "warning": "\033[33;1m", "info": "\033[36m",
           "dim": "\033[2m", "bold": "\033[1m", "reset": "\033[0m", "green": "\033[32;1m"}


def use_colour(stream=None, force: bool | None = None) -> bool:
    if force is not None:
        return force
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def _clean(text: str) -> str:
    """Article text is untrusted: no terminal escape sequences or control characters pass."""
    text = str(text)
    if text.isprintable():     # the common case, checked in C: nothing to replace
        return text
    return "".join(ch if ch.isprintable() or ch == " " else "\ufffd" for ch in str(text))


def render(result, colour: bool = False, **options) -> str:
    c = COLOURS if colour else {k: "" for k in COLOURS}
    lines = []
    for f in result.findings:
        sev = f.severity.name
        status = "" if f.new else f" {c['dim']}(known){c['reset']}"
        lines.append(f"{c['bold']}{_clean(f.file)}:{f.line}{c['reset']}: {c[sev]}{sev}{c['reset']} "
                     f"{f.code} [{f.name}] {_clean(f.message)}{status}")
        for d in f.details:
            lines.append(f"    {_clean(d)}")
        lines.append("")
    for entry in result.fixed:
        lines.append(f"{c['green']}fixed{c['reset']} {entry.get('code', '')} {_clean(entry.get('message', ''))}")
    counts = result.counts()
    corpus = result.corpus
    total = len(result.findings)
    new = sum(f.new for f in result.findings)
    parts = [f"{counts[s]} {s}{'s' if counts[s] != 1 and s != 'info' else ''}" for s in ("error", "warning", "info")]
    summary = (f"{total} finding{'s' if total != 1 else ''} ({', '.join(parts)})"
               + (f", {new} new" if any(not f.new for f in result.findings) or result.fixed else "")
               + (f", {len(result.fixed)} fixed" if result.fixed else "")
               + f" in {len(corpus.figures)} figures, {len(corpus.relations)} relations, "
               f"{len(corpus.sources)} sources; {len(result.rules)} rules")
    colour_of = "error" if counts["error"] else "warning" if counts["warning"] else "green"
    from ..coverage import coverage_of, summary_line

    coverage = coverage_of(result)
    if coverage is not None:
        lines.append(_clean(summary_line(coverage)))
    lines.append(f"{c[colour_of]}{summary}{c['reset']}")  # last: the line a CI log ends on
    return "\n".join(lines) + "\n"
