"""The shipped corpus shows exactly what DESIGN.md says it must, and nothing else at warning or above."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from figcheck.cli import main
from figcheck.config import Settings
from figcheck.engine import check
from figcheck.intervals import meet
from figcheck.rules import Context

ROOT = Path(__file__).resolve().parents[1]


def seed_json(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    code = main(["check", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_seed_findings_are_exactly_the_expected_ones(capsys, monkeypatch):
    code, doc = seed_json(capsys, monkeypatch)
    assert code == 1  # the cross-source error fails the check
    serious = [(f["code"], f["severity"], sorted(f["figures"])) for f in doc["findings"]
               if f["severity"] in ("warning", "error")]
    assert sorted(serious) == sorted([
        ("X001", "error", ["nk_sent_2024_s002", "nk_sent_2024_s003"]),
        ("S001", "warning", ["nk_casualties_s002", "nk_killed_s003"]),
    ])


def test_cross_source_finding_is_explained_by_early_2025_troops(capsys, monkeypatch):
    _, doc = seed_json(capsys, monkeypatch)
    x = next(f for f in doc["findings"] if f["code"] == "X001")
    explanation = x["data"]["explanation"]
    assert explanation["figures"] == ["nk_sent_2024_s002", "nk_sent_2025q1_s002"]
    assert explanation["equals"] == "nk_sent_2024_s003"
    assert "11,000 + 3,000 = 14,000" in x["message"]
    # who says what, for both sides
    assert any("südkoreanischer Geheimdienst" in d for d in x["details"])
    assert any("s003" in d for d in x["details"])


def test_part_whole_warning_names_the_later_date(capsys, monkeypatch):
    _, doc = seed_json(capsys, monkeypatch)
    s = next(f for f in doc["findings"] if f["code"] == "S001")
    assert "later" in s["message"] and "cumulative" in s["message"]


def seed_context():
    result = check([ROOT / "figures.toml"], Settings(root=ROOT))
    return Context(result.corpus, result.table), result


def test_every_seed_relation_holds():
    ctx, _ = seed_context()
    held = {rid: bool(ok) for g in ctx.relation_results for rid, ok in zip(g.ids, g.holds)}
    assert held and all(held.values()), held
    assert not any(bool(g.mismatch.any()) for g in ctx.relation_results)


def test_range_of_004_contains_11000_of_002():
    ctx, _ = seed_context()
    iv = ctx.table.intervals
    rows = [ctx.table.row_of("nk_sent_2024_s004"), ctx.table.row_of("nk_sent_2024_s002")]
    a, b = iv.take([rows[0]]), iv.take([rows[1]])
    assert a.lo[0] <= b.lo[0] and b.hi[0] <= a.hi[0]
    assert meet(a, b)[0]


def test_duration_since_invasion_is_checked_and_holds():
    ctx, result = seed_context()
    durations = [f for f in result.corpus.figures.values() if f.since is not None]
    assert durations, "the seed corpus encodes 001's 'mehr als zweieinhalb Jahre' with since"
    assert not [f for f in result.findings if f.code == "T003"]


def test_no_provenance_or_arithmetic_findings_on_seeds():
    _, result = seed_context()
    assert not [f for f in result.findings if f.code[0] in "PA"]
    assert len(result.corpus.figures) >= 20 and np.all(np.isfinite(result.table.df["low"]))
