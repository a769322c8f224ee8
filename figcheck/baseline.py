"""Baseline of accepted findings: fingerprints (a multiset), known vs new, atomic writes.

The file is small, sorted JSON with one accepted finding per line, so that a review sees
exactly which findings were accepted or dropped:

    {"version": 1, "findings": [
      {"fingerprint": "…", "code": "A001", "figures": ["a", "b"], "relation": "r", "message": "…"}
    ]}

Only the fingerprint decides whether a finding is known; code, figures, relation and message
are there for the reader (and so that entries of rules that did not run can be kept).
"""
from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import replace
from pathlib import Path

from .load import LoadError, Problem, display_path

VERSION = 1
ENTRY_KEYS = ("fingerprint", "code", "figures", "relation", "message")


def atomic_write(path: Path, data, private: bool = False, sync: bool = True) -> None:
    """Write to a temporary file beside `path`, then rename: never a half-written file.

    `data`: bytes, str, or an iterable of pieces, str or UTF-8 bytes (written one by one: a big output is never
    held whole). Text is written as UTF-8 with \n line ends; `private` keeps mkstemp's 0600
    (caches); `sync=False` leaves the flush to disk to the system (what may be lost and is
    checked anyway)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        pieces = (data.encode("utf-8"),)
    elif isinstance(data, (bytes, bytearray, memoryview)):
        pieces = (data,)
    else:
        pieces = (piece if type(piece) is bytes else piece.encode("utf-8") for piece in data)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if not private:
            # mkstemp makes the file private (0600); give it the mode a plain write would have
            try:
                mode = path.stat().st_mode & 0o777
            except OSError:
                umask = os.umask(0)
                os.umask(umask)
                mode = 0o666 & ~umask
            os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as out:
            for payload in pieces:
                out.write(payload)
            if sync:
                out.flush()
                os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


# --- reading ----------------------------------------------------------------------------------

def read_baseline(path) -> list[dict]:
    """The accepted entries of a baseline file. Anything unreadable is a LoadError with file:line:
    a baseline that cannot be trusted must stop the run, never be ignored or overwritten."""
    path = Path(path)
    display = display_path(path)

    def fail(line: int, message: str):
        return LoadError([Problem(display, line, message)])

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise fail(1, "baseline file not found (write one with `figcheck baseline`)") from None
    except OSError as exc:
        raise fail(1, f"cannot read baseline: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(data[: exc.start].count(b"\n") + 1, "baseline is not UTF-8") from None
    if not text.strip():
        raise fail(1, "empty baseline file (write one with `figcheck baseline`)")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(exc.lineno, f"baseline is not valid JSON: {exc.msg} (column {exc.colno})") from None
    if not isinstance(doc, dict):
        raise fail(1, "baseline must be a JSON object {\"version\": 1, \"findings\": [...]}")
    if "version" not in doc:
        raise fail(1, "baseline has no \"version\"")
    if doc["version"] != VERSION or isinstance(doc["version"], bool):
        raise fail(_key_line(text, "version"),
                   f"baseline version {doc['version']!r} is not supported (this figcheck reads version {VERSION})")
    entries = doc.get("findings")
    if not isinstance(entries, list):
        raise fail(_key_line(text, "findings"), "baseline \"findings\" must be a list")
    try:
        lines = _entry_lines(text)
    except (ValueError, IndexError):          # only the line numbers are lost, never the check
        lines = []
    problems = []
    for i, entry in enumerate(entries):
        line = lines[i] if i < len(lines) else 1
        reason = _entry_problem(entry)
        if reason:
            problems.append(Problem(display, line, f"baseline entry {i + 1}: {reason}"))
    if problems:
        raise LoadError(problems)
    return [{k: (list(e[k]) if k == "figures" else e[k]) for k in ENTRY_KEYS} for e in entries]


def _entry_problem(entry) -> str | None:
    if not isinstance(entry, dict):
        return "an object expected"
    missing = [k for k in ENTRY_KEYS if k not in entry]
    if missing:
        return f"missing {', '.join(repr(k) for k in missing)}"
    fp = entry["fingerprint"]
    if not isinstance(fp, str) or not fp or not all(c in "0123456789abcdef" for c in fp):
        return "\"fingerprint\" must be a lowercase hex string"
    if not isinstance(entry["code"], str) or not entry["code"]:
        return "\"code\" must be a rule code"
    if not isinstance(entry["figures"], list) or not all(isinstance(f, str) for f in entry["figures"]):
        return "\"figures\" must be a list of figure ids"
    if entry["relation"] is not None and not isinstance(entry["relation"], str):
        return "\"relation\" must be a relation id or null"
    if not isinstance(entry["message"], str):
        return "\"message\" must be a string"
    return None


def _key_line(text: str, key: str) -> int:
    index = text.find(f'"{key}"')
    return text.count("\n", 0, index) + 1 if index >= 0 else 1


def _entry_lines(text: str) -> list[int]:
    """The line each element of the top-level "findings" array starts on: the JSON is walked
    value by value with the standard decoder, which knows positions (json.loads does not say)."""
    decoder = json.JSONDecoder()
    ws = " \t\r\n"

    def skip(i):
        while i < len(text) and text[i] in ws:
            i += 1
        return i

    i = skip(0)
    if i >= len(text) or text[i] != "{":
        return []
    i = skip(i + 1)
    while i < len(text) and text[i] != "}":
        key, i = decoder.raw_decode(text, i)
        i = skip(i)
        i = skip(i + 1)                      # the ':'
        if key == "findings" and text[i] == "[":
            starts = []
            i = skip(i + 1)
            while i < len(text) and text[i] != "]":
                starts.append(text.count("\n", 0, i) + 1)
                _, i = decoder.raw_decode(text, i)
                i = skip(i)
                if text[i] == ",":
                    i = skip(i + 1)
            return starts
        _, i = decoder.raw_decode(text, i)
        i = skip(i)
        if i < len(text) and text[i] == ",":
            i = skip(i + 1)
    return []


# --- applying ---------------------------------------------------------------------------------

def apply_baseline(result, baseline: list[dict]) -> None:
    """Mark each finding known (accepted) or new, counting fingerprints as a multiset: a baseline
    with one entry for a fingerprint accepts one finding with it, a second identical one is new.
    Accepted entries of the rules that ran that are no longer found become `result.fixed`."""
    remaining = Counter(e["fingerprint"] for e in baseline)
    marked = []
    for f in result.findings:
        known = remaining[f.fingerprint] > 0
        if known:
            remaining[f.fingerprint] -= 1
        marked.append(replace(f, new=not known))
    result.findings = marked
    ran = {r.code for r in result.rules}
    fixed = []
    for e in sorted(baseline, key=_entry_order):
        # A rule that did not run (--select/--ignore) says nothing about its entries.
        if e["code"] in ran and remaining[e["fingerprint"]] > 0:
            remaining[e["fingerprint"]] -= 1
            fixed.append({"code": e["code"], "message": e["message"], "fingerprint": e["fingerprint"],
                          "figures": list(e["figures"]), "relation": e["relation"]})
    result.fixed = fixed
    result.baseline_applied = True


# --- writing ----------------------------------------------------------------------------------

def _entry_of(finding) -> dict:
    return {"fingerprint": finding.fingerprint, "code": finding.code, "figures": list(finding.figures),
            "relation": finding.relation, "message": finding.message}


def _entry_order(entry: dict):
    return (entry["fingerprint"], entry["code"], entry["figures"], entry["relation"] or "", entry["message"])


def render_baseline(entries: list[dict]) -> str:
    """One entry per line, sorted by fingerprint: diffs of the baseline read as lists of findings."""
    rows = [json.dumps({k: e[k] for k in ENTRY_KEYS}, ensure_ascii=False) for e in sorted(entries, key=_entry_order)]
    body = ",\n".join("  " + row for row in rows)
    return f'{{"version": {VERSION}, "findings": [\n{body}{chr(10) if rows else ""}]}}\n'


def write_baseline(result, path, prune: bool = False) -> int:
    """Accept today's findings (or, with prune, keep only accepted entries still found; never add).
    Entries of rules that did not run are kept as they were. Written atomically; returns the count.
    An existing baseline that cannot be read stops the write (LoadError) rather than being replaced."""
    path = Path(path)
    existing = read_baseline(path) if (prune or path.exists()) else []
    ran = {r.code for r in result.rules}
    entries = [e for e in existing if e["code"] not in ran]
    if prune:
        found = Counter(f.fingerprint for f in result.findings)
        for e in sorted(existing, key=_entry_order):
            if e["code"] in ran and found[e["fingerprint"]] > 0:
                found[e["fingerprint"]] -= 1
                entries.append(e)
    else:
        entries.extend(_entry_of(f) for f in result.findings)
    atomic_write(path, render_baseline(entries))
    return len(entries)
