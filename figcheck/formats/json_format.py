"""--format json: the contract other tools read (DESIGN.md); keys are only ever added."""
from __future__ import annotations

import json

from ..coverage import coverage_of, summary as coverage_summary


def render(result, **options) -> str:
    doc = {
        "version": 1,
        "findings": [f.to_json() for f in result.findings],
        "fixed": [dict(e) for e in result.fixed],
        "summary": {
            "figures": len(result.corpus.figures), "sources": len(result.corpus.sources),
            "relations": len(result.corpus.relations), "files": list(result.corpus.files),
            "rules": [r.code for r in result.rules], **result.counts(),
            "new": sum(f.new for f in result.findings),
        },
    }
    coverage = coverage_of(result)
    if coverage is not None:
        doc["summary"]["coverage"] = coverage_summary(coverage)
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
