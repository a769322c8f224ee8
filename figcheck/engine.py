"""Discover checks/, select rules, run them over the figure table, turn hits into findings."""
from __future__ import annotations

import hashlib
import importlib
import json
import pkgutil
from dataclasses import replace

from .rules import REGISTRY, Context, Finding, Rule, Severity


def discover() -> dict[str, Rule]:
    """Import every module of figcheck.checks; each registers its rules on import."""
    import figcheck.checks as checks

    for info in sorted(pkgutil.iter_modules(checks.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"figcheck.checks.{info.name}")
    return dict(sorted(REGISTRY.items()))


def selected(rules: dict[str, Rule], select=None, ignore=None) -> list[Rule]:
    """Codes or prefixes: --select A,X001 --ignore X002. Unknown ones are a usage error."""
    def matches(code, patterns):
        return any(code.startswith(p) for p in patterns)

    for patterns in (select or [], ignore or []):
        for p in patterns:
            if not any(code.startswith(p) for code in rules):
                raise ValueError(f"no rule matches {p!r} (see `figcheck rules`)")
    chosen = [r for code, r in rules.items()
              if (not select or matches(code, select)) and not (ignore and matches(code, ignore))]
    return chosen


def fingerprint(finding: Finding, corpus) -> str:
    """Stable across moves, reorders and reformatting; changes with any number, unit,
    qualifier or date involved. Never built from line numbers.

    Built from what the finding is about, in canonical form: the rule, the relation's
    expression without whitespace, and per figure (sorted by id) its interval as read, its
    written precision, its unit without whitespace, qualifier, period as [start, end) days
    (so "2024" and "2024-01/2024-12" agree), modality and quantity. Provenance findings are
    about the quote, so they also carry it, whitespace-collapsed. A hit tied to no figure (an
    uncovered mention, P004) names itself in data["identity"]."""
    parts = [finding.code, finding.relation or ""]
    if finding.relation and finding.relation in corpus.relations:
        parts.append("".join(corpus.relations[finding.relation].expr.split()))
    for fid in sorted(finding.figures):
        f = corpus.figures.get(fid)
        if f is None:
            parts.append(fid)
            continue
        fields = [fid, f.low, f.high, f.written_half, "".join(f.unit.split()), f.qualifier,
                  _days(f.period), _days(f.since), f.modality, f.quantity]
        if finding.code.startswith("P"):
            fields.append(" ".join(f.quote.split()))
        parts.append(json.dumps(fields, ensure_ascii=False))
    if finding.data.get("identity"):
        # hits tied to no figure (an uncovered mention) carry their own stable identity
        parts.append(str(finding.data["identity"]))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def _days(period) -> list[str] | None:
    return None if period is None else [period.start.isoformat(), period.end.isoformat()]


def run(corpus, table, rules: list[Rule], settings=None) -> list[Finding]:
    ctx = Context(corpus, table, settings)
    severities = (settings or {}).get("severity", {})
    findings: list[Finding] = []
    for r in rules:
        default = severities.get(r.code, r.severity)
        for hit in r.check(ctx) or ():
            where = hit.where     # a hit tied to no figure may locate itself (a source entry)
            if where is None and hit.relation and hit.relation in corpus.relations:
                where = corpus.relations[hit.relation].where
            elif where is None and hit.figures:
                where = corpus.figures[hit.figures[0]].where if hit.figures[0] in corpus.figures else None
            file, line = (where.file, where.line) if where else (corpus.files[0] if corpus.files else "", 1)
            sev = hit.severity if hit.severity is not None else default
            if r.code in severities:
                sev = severities[r.code]
            f = Finding(r.code, r.name, Severity(sev), hit.message, tuple(hit.figures), hit.relation,
                        file, line, tuple(hit.details), dict(hit.data), hit.headline)
            findings.append(replace(f, fingerprint=fingerprint(f, corpus)))
    findings.sort(key=lambda f: (-f.severity, f.file, f.line, f.code, f.figures))
    return findings


class CheckResult:
    """One run: what was loaded, which rules ran, what they found, and how long it took."""

    def __init__(self, corpus, table, rules, findings, fixed=(), timings=None):
        self.corpus = corpus
        self.table = table
        self.rules = rules
        self.findings = findings
        self.fixed = list(fixed)          # baseline entries no longer found
        self.baseline_applied = False     # set by baseline.apply_baseline: `new` then means "not accepted"
        self.timings = timings or {}

    def counts(self) -> dict[str, int]:
        out = {s.name: 0 for s in sorted(Severity, reverse=True)}
        for f in self.findings:
            out[f.severity.name] += 1
        return out


def check(paths, settings, select=None, ignore=None) -> CheckResult:
    """Load, build the table, run the selected rules. Raises LoadError / ValueError on bad input."""
    import time

    from .load import load
    from .table import FigureTable

    t0 = time.perf_counter()
    corpus = load(paths, settings.about_margin)
    t1 = time.perf_counter()
    table = FigureTable.from_corpus(corpus, settings.about_margin)
    t2 = time.perf_counter()
    rules = selected(discover(), select if select is not None else settings.select,
                     ignore if ignore is not None else settings.ignore)
    findings = run(corpus, table, rules, {"severity": settings.severity, "settings": settings})
    t3 = time.perf_counter()
    return CheckResult(corpus, table, rules, findings,
                       timings={"load": t1 - t0, "table": t2 - t1, "rules": t3 - t2})
