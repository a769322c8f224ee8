"""Every rule's failing example produces its code; its passing example does not (sqlfluff-style)."""
from __future__ import annotations

import pytest

from figcheck.config import Settings
from figcheck.engine import check, discover

RULES = discover()


def run_example(tmp_path, example, code):
    for name, text in example.files().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = check([tmp_path / "figures.toml"], Settings(root=tmp_path), select=[code])
    return [f.code for f in result.findings]


@pytest.mark.parametrize("code", sorted(RULES))
def test_failing_example_is_caught(tmp_path, code):
    assert code in run_example(tmp_path, RULES[code].failing, code)


@pytest.mark.parametrize("code", sorted(RULES))
def test_passing_example_is_clean(tmp_path, code):
    assert run_example(tmp_path, RULES[code].passing, code) == []


@pytest.mark.parametrize("code", sorted(RULES))
def test_rule_documentation_has_every_heading(code):
    rule = RULES[code]
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead"):
        assert heading in rule.explanation, f"{code} lacks {heading!r}"
    assert rule.summary and not rule.summary.endswith(":")


def test_readme_lists_every_rule_with_its_summary():
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    for code, rule in RULES.items():
        assert f"| {code} | `{rule.name}` | {rule.severity.name} | {rule.summary} |" in readme
