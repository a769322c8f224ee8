"""--format github: workflow commands that annotate the figures file in a pull request.

`::error file=F,line=L,title=T::message` per new finding (warning/notice by severity), escaped
as the runner requires: %, CR and LF in the message; also : and , in property values. Article
text is untrusted, and escaping every line break is what keeps a quote from starting a command
of its own. Runners show only the first few annotations of a step, so `write_step_summary`
lists every finding in the job summary as Markdown.
"""
from __future__ import annotations

import html
import re

from . import location_path

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n", "\x85": "\n"})
_KEPT = re.compile("[\n\r\t]")    # the control characters clean() keeps (escaped later)


def clean(text: str) -> str:
    """Unicode line breaks become newlines (then escaped); other control characters, such as
    terminal escapes in a quote, become U+FFFD so they cannot reach the log raw."""
    text = str(text)
    if "\u2028" in text or "\u2029" in text or "\x85" in text:
        text = text.translate(_LINE_BREAKS)
    if all(part.isprintable() for part in _KEPT.split(text)):   # the common case, checked in C
        return text
    return "".join(ch if ch.isprintable() or ch in "\n\r\t" else "\ufffd" for ch in text)


def escape_data(text: str) -> str:
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding, root=None) -> str:
    message = finding.message
    if finding.details:
        message += "\n" + "\n".join(finding.details)
    props = ",".join(f"{key}={escape_property(value)}" for key, value in (
        ("file", clean(location_path(finding.file, root))),
        ("line", max(1, int(finding.line))),
        ("title", f"{finding.code} {finding.name}"),
    ))
    return f"::{COMMANDS[finding.severity.name]} {props}::{escape_data(clean(message))}"


def render(result, root=None, **options) -> str:
    """Annotations for new findings only: known ones are accepted and would crowd out the rest."""
    lines = [annotation(f, root) for f in result.findings if f.new]
    total, new = len(result.findings), sum(f.new for f in result.findings)
    lines.append(f"figcheck: {total} finding{'s' if total != 1 else ''}, {new} new, "
                 f"{len(result.fixed)} fixed")
    return "\n".join(lines) + "\n"


# --- the job summary --------------------------------------------------------------------------

# < > & " ' are left to html.escape: a backslash before an entity would show the entity.
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def markdown_text(text: str) -> str:
    """Untrusted text inside a Markdown table cell: no markup, no HTML, no line breaks."""
    printable = "".join(ch if ch.isprintable() else " " for ch in str(text))
    flat = " ".join(printable.split())
    return html.escape(_MARKDOWN.sub(r"\\\1", flat), quote=True)


# GitHub refuses a step summary over 1 MiB; leave room for the header and the fixed list.
SUMMARY_BYTES = 900_000


def step_summary(result, root=None, limit: int = SUMMARY_BYTES) -> str:
    counts = result.counts()
    new = sum(f.new for f in result.findings)
    out = ["## figcheck", ""]
    out.append(f"{len(result.findings)} findings ({counts['error']} errors, {counts['warning']} warnings, "
               f"{counts['info']} info), **{new} new**, {len(result.fixed)} fixed; "
               f"{len(result.corpus.figures)} figures checked by {len(result.rules)} rules.")
    out.append("")
    if result.findings:
        out += ["| | Severity | Rule | Where | Finding |", "|---|---|---|---|---|"]
        used = 0
        # New findings first: if the table must be cut, the ones that fail the job stay.
        ordered = [f for f in result.findings if f.new] + [f for f in result.findings if not f.new]
        for shown, f in enumerate(ordered):
            where = f"{location_path(f.file, root)}:{f.line}"
            row = (f"| {'new' if f.new else 'known'} | {f.severity.name} | "
                   f"{markdown_text(f.code)} {markdown_text(f.name)} | {markdown_text(where)} | "
                   f"{markdown_text(f.message)} |")
            used += len(row.encode("utf-8")) + 1
            if used > limit:
                out.append("")
                out.append(f"… and {len(ordered) - shown} more findings, left out to stay within the "
                           f"job summary's size limit (see the SARIF or `--format json` output).")
                break
            out.append(row)
        out.append("")
    if result.fixed:
        out += ["Fixed (accepted in the baseline, no longer found; `figcheck baseline --prune` drops them):", ""]
        out += [f"- {markdown_text(e.get('code', ''))} {markdown_text(e.get('message', ''))}" for e in result.fixed]
        out.append("")
    return "\n".join(out) + "\n"


def write_step_summary(result, path, root=None) -> None:
    """Append (the runner may already hold other steps' summaries in the file)."""
    with open(path, "a", encoding="utf-8", newline="\n") as out:
        out.write(step_summary(result, root))
