"""SARIF, GitHub workflow commands and JUnit, built from findings made by hand (with hostile
article text in them), checked against their grammars and object models."""
from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import BaseModel
from sarif_pydantic import Sarif

from figcheck.baseline import apply_baseline
from figcheck.engine import CheckResult
from figcheck.formats import relative_uri, render
from figcheck.formats.github_format import clean, escape_data, step_summary, write_step_summary
from figcheck.model import Corpus
from figcheck.rules import Example, Finding, Rule, Severity

HOSTILE = ("100% sicher\r\n::error file=evil.py,line=1::injected, <script>alert(1)</script> "
           "| **bold** [link](javascript:x) `code` & \x1b[31mred\x07 \u2028end")


def _rule(code, name, severity="error", explanation="Why it matters.\n\nMore."):
    return Rule(code, name, Severity.parse(severity), f"Summary of {code}.", explanation,
                Example('[[figure]]\nid = "bad"', "text"), Example('[[figure]]\nid = "good"', "text"),
                lambda ctx: [], "testfamily")


RULES = [_rule("A001", "relation-does-not-hold"), _rule("X001", "sources-disagree", "warning"),
         _rule("T001", "share-is-not-part-over-whole", "info"), _rule("S001", "part-exceeds-whole")]


def _finding(code, severity, message, figures, file, line, fingerprint, relation=None, details=()):
    name = {r.code: r.name for r in RULES}[code]
    return Finding(code, name, Severity.parse(severity), message, tuple(figures), relation, file, line,
                   tuple(details), {}, "", fingerprint)


@pytest.fixture
def result(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "news" / "2025").mkdir(parents=True)
    findings = [
        _finding("A001", "error", "a == b: left 10 does not meet right 20", ["a", "b"], "figures.toml", 12,
                 "aaaa0001", "r1", ("a = 10", "b = 20")),
        _finding("A001", "error", HOSTILE, ["c", "d"], "news/2025/figures, v2.toml", 40, "aaaa0002", "r2",
                 (HOSTILE,)),
        _finding("X001", "warning", "11,000 vs 14,000 soldiers", ["s2", "s3"], "news/2025/figures, v2.toml", 7,
                 "bbbb0001"),
        _finding("X001", "warning", "the same pair again, other period", ["s2", "s3"], "figures.toml", 99,
                 "bbbb0002"),
        _finding("T001", "info", "share 12 % is not 10/80", ["p"], "figures.toml", 3, "cccc0001"),
    ]
    corpus = Corpus(("figures.toml", "news/2025/figures, v2.toml"), {}, {}, {}, {})
    return CheckResult(corpus, None, RULES, findings)


def with_baseline(result, *accepted):
    entries = [{"fingerprint": fp, "code": code, "figures": [], "relation": None, "message": "m"}
               for code, fp in accepted]
    apply_baseline(result, entries)
    return result


# --- SARIF ------------------------------------------------------------------------------------

def _extras(model, path="$"):
    """Every key the object model did not recognise (sarif-pydantic allows extras silently)."""
    found = []
    if isinstance(model, BaseModel):
        for key in (model.model_extra or {}):
            found.append(f"{path}.{key}")
        for name in type(model).model_fields:
            value = getattr(model, name)
            if name != "properties":
                found += _extras(value, f"{path}.{name}")
    elif isinstance(model, list):
        for i, item in enumerate(model):
            found += _extras(item, f"{path}[{i}]")
    return found


def _check_sarif(text, result):
    log = Sarif.model_validate_json(text)
    # Only baselineState is outside the model (sarif-pydantic lacks it; it is SARIF 2.1.0 §3.27.24).
    assert all(re.fullmatch(r"\$\.runs\[0\]\.results\[\d+\]\.baselineState", e) for e in _extras(log)), _extras(log)
    doc = json.loads(text)
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == [r.code for r in result.rules]
    for r in rules:
        assert r["shortDescription"]["text"] and r["fullDescription"]["text"] and r["help"]["text"]
        assert r["name"] and r["defaultConfiguration"]["level"] in {"error", "warning", "note"}
    assert len(run["results"]) == len(result.findings)
    for res, f in zip(run["results"], result.findings):
        assert res["ruleId"] == f.code and rules[res["ruleIndex"]]["id"] == f.code
        assert res["message"]["text"].startswith(f.message)
        loc = res["locations"][0]["physicalLocation"]
        uri = loc["artifactLocation"]["uri"]
        assert not uri.startswith("/") and "\\" not in uri and ":" not in uri     # relative, forward slashes
        assert loc["region"]["startLine"] == f.line
        assert res["partialFingerprints"] == {"figcheck/v1": f.fingerprint}
        assert res["level"] == {"error": "error", "warning": "warning", "info": "note"}[f.severity.name]
    return run


def test_sarif_validates_and_has_every_required_field(result):
    run = _check_sarif(render("sarif", result), result)
    assert all("baselineState" not in r for r in run["results"])        # no baseline: no state
    assert {r["id"]: r["defaultConfiguration"]["level"] for r in run["tool"]["driver"]["rules"]} == \
        {"A001": "error", "X001": "warning", "T001": "note", "S001": "error"}
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]]
    assert uris[1] == "news/2025/figures%2C%20v2.toml" and uris[0] == "figures.toml"
    # Hostile text survives as data: JSON-escaped, recovered exactly.
    assert run["results"][1]["message"]["text"] == HOSTILE + "\n" + HOSTILE


def test_sarif_baseline_state_follows_the_baseline(result):
    with_baseline(result, ("A001", "aaaa0001"), ("X001", "bbbb0002"), ("S001", "dddd0001"))
    run = _check_sarif(render("sarif", result), result)
    assert [r["baselineState"] for r in run["results"]] == ["unchanged", "new", "new", "unchanged", "new"]
    assert [e["fingerprint"] for e in run["properties"]["fixed"]] == ["dddd0001"]


def test_sarif_uri_is_relative_to_the_given_root(tmp_path):
    assert relative_uri(str(tmp_path / "a b" / "f.toml"), root=tmp_path) == "a%20b/f.toml"
    outside = relative_uri(str(tmp_path / "f.toml"), root=tmp_path / "sub")
    assert outside.startswith("file:///") and outside.endswith("/f.toml")


# --- GitHub workflow commands -----------------------------------------------------------------

PROPERTY_VALUE = r"(?:[^,:%\r\n]|%25|%0D|%0A|%3A|%2C)*"
DATA = r"(?:[^%\r\n]|%25|%0D|%0A)*"
COMMAND = re.compile(rf"::(error|warning|notice) file=(?P<file>{PROPERTY_VALUE}),line=(?P<line>[1-9]\d*),"
                     rf"title=(?P<title>{PROPERTY_VALUE})::(?P<message>{DATA})")


def _unescape(text):
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda m: {"25": "%", "0D": "\r", "0A": "\n", "3A": ":", "2C": ","}[m.group(1)], text)


def test_github_lines_match_the_workflow_command_grammar(result):
    text = render("github", result)
    lines = text.split("\n")[:-1]          # the runner splits on LF only (and CR)
    assert not any("\r" in line for line in lines)
    commands = [line for line in lines if line.startswith("::")]
    assert len(commands) == len(result.findings)
    assert lines[-1] == "figcheck: 5 findings, 5 new, 0 fixed"
    for line, f in zip(commands, result.findings):
        m = COMMAND.fullmatch(line)
        assert m, line
        assert m.group(1) == {"error": "error", "warning": "warning", "info": "notice"}[f.severity.name]
        assert _unescape(m.group("file")) == f.file and int(m.group("line")) == f.line
        assert _unescape(m.group("title")) == f"{f.code} {f.name}"
        assert _unescape(m.group("message")) == clean("\n".join((f.message, *f.details)))
    hostile = _unescape(COMMAND.fullmatch(commands[1]).group("message"))
    assert "\x1b" not in hostile and "\x07" not in hostile and "\u2028" not in hostile
    assert hostile.startswith("100% sicher\r\n::error file=evil.py,line=1::injected, <script>")
    # The hostile message could not start a command of its own: one line per finding.
    assert sum("injected" in line for line in lines) == 1


def test_github_annotates_only_new_findings(result):
    with_baseline(result, ("A001", "aaaa0001"), ("X001", "bbbb0001"))
    commands = [line for line in render("github", result).splitlines() if line.startswith("::")]
    assert [COMMAND.fullmatch(c).group("line") for c in commands] == ["40", "99", "3"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_github_escaping_round_trips_any_text(text):
    escaped = escape_data(text)
    assert re.fullmatch(DATA, escaped) and _unescape(escaped) == text


def test_step_summary_lists_every_finding_and_escapes_article_text(result, tmp_path):
    with_baseline(result, ("A001", "aaaa0001"))
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    write_step_summary(result, summary)
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## figcheck")            # appended, not replaced
    rows = [line for line in text.splitlines() if line.startswith("| new") or line.startswith("| known")]
    assert len(rows) == len(result.findings)
    assert [r.split(" | ")[0] for r in rows] == ["| new", "| new", "| new", "| new", "| known"]
    for row in rows:   # six unescaped cell borders: nothing in the text split the row
        assert len(re.findall(r"(?<!\\)\|", row)) == 6
    for raw in ("<script>", "**bold**", "[link](", "`code`", "\x1b", "\r"):
        assert raw not in text
    assert "&lt;script&gt;" in text and "&amp;" in text


def test_cli_writes_the_step_summary_when_github_asks(tmp_path, monkeypatch, capsys):
    from figcheck.cli import main

    repo = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(repo)
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    code = main(["check", "--format", "github", "--baseline", str(tmp_path / "none.json")])
    assert code == 2 and not summary.exists()           # a bad baseline stops before any output
    code = main(["check", "--format", "github", "figures.toml"])
    out = capsys.readouterr().out
    assert code in (0, 1) and out.splitlines()[-1].startswith("figcheck: ")
    assert summary.read_text(encoding="utf-8").startswith("## figcheck")


# --- JUnit ------------------------------------------------------------------------------------

def _parse(text):
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    return root


def test_junit_parses_and_counts_match(result):
    root = _parse(render("junit", result))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [f"{r.code} {r.name}" for r in RULES]
    cases = root.findall("testsuite/testcase")
    # One case per rule and figure group; S001 found nothing and is one passing case.
    groups = {(f.code, tuple(sorted(f.figures))) for f in result.findings}
    assert len(cases) == len(groups) + 1 == int(root.get("tests"))
    assert sum(int(s.get("tests")) for s in suites) == len(cases)
    failed = [c for c in cases if c.find("failure") is not None]
    # Failures: new findings at or above warning (the default fail-on); T001 is info.
    assert {(c.get("classname"), c.get("name")) for c in failed} == \
        {("figcheck.A001", "a, b"), ("figcheck.A001", "c, d"), ("figcheck.X001", "s2, s3")}
    assert int(root.get("failures")) == len(failed) == sum(int(s.get("failures")) for s in suites)
    x001 = next(c for c in failed if c.get("classname") == "figcheck.X001").find("failure")
    assert x001.text.count("X001") == 2                       # both findings of the group are there
    hostile = next(c for c in failed if c.get("name") == "c, d").find("failure")
    assert "<script>alert(1)</script>" in hostile.get("message")     # escaped by xml.etree, parsed back
    assert "\x1b" not in hostile.get("message") and "\ufffd" in hostile.get("message")


def test_junit_known_findings_pass_and_fail_on_counts(result):
    with_baseline(result, ("A001", "aaaa0001"), ("X001", "bbbb0001"))
    root = _parse(render("junit", result))
    failed = {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None}
    assert failed == {"c, d", "s2, s3"}               # s2,s3 still holds one new finding
    known = next(c for c in root.iter("testcase") if c.get("name") == "a, b")
    assert "(known)" in known.find("system-out").text
    root = _parse(render("junit", result, fail_on=Severity.error))
    assert {c.get("name") for c in root.iter("testcase") if c.find("failure") is not None} == {"c, d"}
    root = _parse(render("junit", result, fail_on=Severity.info))
    assert int(root.get("failures")) == 3


def test_json_carries_new_and_fixed(result):
    with_baseline(result, ("A001", "aaaa0001"), ("S001", "dddd0001"))
    doc = json.loads(render("json", result))
    assert [f["new"] for f in doc["findings"]] == [False, True, True, True, True]
    assert doc["summary"]["new"] == 4 and [e["code"] for e in doc["fixed"]] == ["S001"]


def test_step_summary_stays_within_githubs_size_limit(result):
    many = [replace(result.findings[i % 5], line=i + 1, message="x" * 500, fingerprint=f"{i:08x}")
            for i in range(5000)]
    result.findings = many
    with_baseline(result, *[("A001", f"{i:08x}") for i in range(2500, 5000)])
    text = step_summary(result, limit=100_000)
    rows = [line for line in text.splitlines() if line.startswith("| new") or line.startswith("| known")]
    assert 100_000 * 0.9 < sum(len(r) + 1 for r in rows) <= 100_000
    assert all(r.startswith("| new") for r in rows)          # the failing ones are kept
    assert f"and {5000 - len(rows)} more findings" in text
    assert len(step_summary(result).encode("utf-8")) < 1024 * 1024
