"""--format sarif: SARIF 2.1.0 for code-scanning services.

Every rule that ran is in tool.driver.rules (from the same metadata as `figcheck rules`), each
finding a result located at its figures file and line. partialFingerprints carry figcheck's own
fingerprint, so a service can follow a finding when lines move. baselineState is set only when a
baseline was applied; services ignore it and match on their own, figcheck's exit code decides.
"""
from __future__ import annotations

from . import relative_uri
from .json_format import dumps_pieces, joined, rows_if_many

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT_KEY = "figcheck/v1"


def _rule(rule) -> dict:
    help_text = "\n\n".join(part for part in (
        rule.summary,
        rule.explanation,
        "Failing example:\n" + rule.failing.figures.strip(),
        "Passing example:\n" + rule.passing.figures.strip(),
        f"Explain it locally: figcheck rules {rule.code}",
    ) if part)
    # Rule metadata is figcheck's own text (not article text), written as Markdown.
    help_markdown = "\n\n".join(part for part in (
        f"**{rule.summary}**",
        rule.explanation,
        "Failing example:\n\n```toml\n" + rule.failing.figures.strip() + "\n```",
        "Passing example:\n\n```toml\n" + rule.passing.figures.strip() + "\n```",
        f"Explain it locally: `figcheck rules {rule.code}`",
    ) if part)
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.explanation or rule.summary},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": LEVELS[rule.severity.name]},
        "properties": {"tags": ["figcheck", rule.family]},
    }


def _result(finding, rule_index: dict[str, int], root, baseline_applied: bool) -> dict:
    text = finding.message
    if finding.details:
        text += "\n" + "\n".join(finding.details)
    result = {
        "ruleId": finding.code,
        "level": LEVELS[finding.severity.name],
        "message": {"text": text},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": relative_uri(finding.file, root)},
                "region": {"startLine": max(1, int(finding.line))},
            },
        }],
        "partialFingerprints": {FINGERPRINT_KEY: finding.fingerprint},
        "properties": {"figures": list(finding.figures), "relation": finding.relation,
                       "headline": finding.headline or finding.message},
    }
    if finding.code in rule_index:
        result["ruleIndex"] = rule_index[finding.code]
    if baseline_applied:
        result["baselineState"] = "new" if finding.new else "unchanged"
    return result


def render(result, root=None, **options) -> str:
    return joined(render_pieces(result, root, **options))


def render_pieces(result, root=None, **options):
    """render(result) in pieces (an iterator of str), for writing without one giant string."""
    from figcheck import __version__

    rules = list(result.rules)
    rule_index = {r.code: i for i, r in enumerate(rules)}
    baseline_applied = bool(getattr(result, "baseline_applied", False))
    run = {
        "tool": {"driver": {
            "name": "figcheck",
            "version": __version__,
            "semanticVersion": __version__,
            "rules": [_rule(r) for r in rules],
        }},
        "results": rows_if_many([_result(f, rule_index, root, baseline_applied) for f in result.findings]),
        "properties": {"counts": result.counts(), "fixed": [dict(e) for e in result.fixed]},
    }
    doc = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return dumps_pieces(doc, end="\n")     # indented; thousands of results one per line
