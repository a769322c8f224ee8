"""Baseline: fingerprints survive moves and reformatting, change with the numbers; only new
findings fail; fixed ones are reported; a bad baseline stops the run; writes are atomic."""
from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from figcheck import baseline as baseline_module
from figcheck.baseline import apply_baseline, read_baseline, render_baseline, write_baseline
from figcheck.cli import main
from figcheck.config import Settings
from figcheck.engine import CheckResult, check
from figcheck.load import LoadError
from figcheck.model import Corpus
from figcheck.rules import Example, Finding, Rule, Severity

REPO = Path(__file__).resolve().parent.parent

# 11,000 soldiers sent in 2024 "equal" 3,000 sent in early 2025: an A001 finding.
BAD_RELATION = '''
[[relation]]
id = "sent_same"
source = "s002"
expr = "nk_sent_2024_s002 == nk_sent_2025q1_s002"
quote = "weitere 3.000 Soldaten"
'''
# A second one, so that moves can be seen to keep several fingerprints apart.
BAD_RELATION_2 = '''
[[relation]]
id = "deminers_are_all"
source = "s003"
expr = "nk_deminers_s003 >= nk_pledged_2025_s003"
quote = "1.000 Minenräumer"
'''


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """A copy of the seed corpus in a folder of its own, with its own [tool.figcheck]."""
    shutil.copy(REPO / "figures.toml", tmp_path / "figures.toml")
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    (tmp_path / "pyproject.toml").write_text(
        '[tool.figcheck]\nfiles = ["figures.toml"]\nbaseline = "base.json"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def figures(folder: Path) -> Path:
    return folder / "figures.toml"


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def findings_of(folder: Path):
    return check([str(figures(folder))], Settings(root=folder)).findings


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# --- fingerprints -----------------------------------------------------------------------------

def _blocks(text: str) -> tuple[str, list[str]]:
    """The preamble and the tables of a figures file, each table with its body."""
    parts = re.split(r"\n(?=\[)", text)
    return parts[0], [p.rstrip("\n") + "\n" for p in parts[1:]]


def _reformat(block: str) -> str:
    """Same content, other layout: spaced keys, comments, an expression without blanks."""
    out = []
    for line in block.splitlines():
        m = re.match(r'^(\w+) = (.*)$', line)
        if m and m.group(1) == "expr":
            line = f'expr   =   "{"".join(json.loads(m.group(2)).split())}"'
        elif m and not m.group(2).startswith('"""'):
            line = f"{m.group(1)}    =    {m.group(2)}   # reformatted"
        out.append(line)
    return "# moved here\n\n" + "\n".join(out) + "\n\n"


def _fingerprints(folder):
    return Counter((f.code, f.fingerprint) for f in findings_of(folder))


def test_fingerprints_survive_reversal_and_reformatting(corpus):
    append(figures(corpus), BAD_RELATION + BAD_RELATION_2)
    before = findings_of(corpus)
    assert {f.relation for f in before if f.code == "A001"} >= {"sent_same", "deminers_are_all"}
    preamble, blocks = _blocks(figures(corpus).read_text(encoding="utf-8"))
    figures(corpus).write_text(preamble + "\n" + "".join(_reformat(b) for b in reversed(blocks)), encoding="utf-8")
    after = findings_of(corpus)
    # The findings really moved (so the test could fail if lines went into fingerprints) …
    assert {f.relation: f.line for f in after if f.relation} != {f.relation: f.line for f in before if f.relation}
    # … and every fingerprint, with its multiplicity, stayed.
    assert Counter((f.code, f.fingerprint) for f in after) == Counter((f.code, f.fingerprint) for f in before)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.randoms(use_true_random=False))
def test_fingerprints_survive_any_order(corpus, order):
    text = REPO.joinpath("figures.toml").read_text(encoding="utf-8") + BAD_RELATION + BAD_RELATION_2
    figures(corpus).write_text(text, encoding="utf-8")
    expected = _fingerprints(corpus)
    preamble, blocks = _blocks(text)
    order.shuffle(blocks)
    figures(corpus).write_text(preamble + "\n" + "\n".join(blocks), encoding="utf-8")
    assert _fingerprints(corpus) == expected


def _edit_figure(text: str, fid: str, key: str, new_value: str) -> str:
    """Replace `key = …` inside the [[figure]] whose id is `fid`."""
    start = text.index(f'id = "{fid}"')
    end = text.find("\n[", start)
    end = len(text) if end < 0 else end
    body = re.sub(rf'(?m)^{key} = .*$', f"{key} = {new_value}", text[start:end], count=1)
    assert body != text[start:end], f"{key} not found in figure {fid}"
    return text[:start] + body + text[end:]


@pytest.mark.parametrize("key, new_value", [
    ("value", '"3.500"'),                 # the number
    ("qualifier", '"about"'),             # the hedge
    ("as_of", '"2025-01/2025-02"'),       # the date
    ("unit", '"soldier / year * year"'),  # the unit as written, same dimension so A001 still fires
])
def test_fingerprint_changes_with_what_the_finding_is_about(corpus, key, new_value):
    append(figures(corpus), BAD_RELATION)
    old = {f.fingerprint for f in findings_of(corpus) if f.relation == "sent_same"}
    assert len(old) == 1
    text = figures(corpus).read_text(encoding="utf-8")
    figures(corpus).write_text(_edit_figure(text, "nk_sent_2025q1_s002", key, new_value), encoding="utf-8")
    new = {f.fingerprint for f in findings_of(corpus) if f.relation == "sent_same" and f.code == "A001"}
    assert len(new) == 1 and new != old


def test_fingerprint_ignores_figures_the_finding_is_not_about(corpus):
    append(figures(corpus), BAD_RELATION)
    old = {f.fingerprint for f in findings_of(corpus) if f.relation == "sent_same"}
    text = figures(corpus).read_text(encoding="utf-8")
    figures(corpus).write_text(_edit_figure(text, "nk_deminers_s003", "attributed_to", '"jemand"'), encoding="utf-8")
    assert {f.fingerprint for f in findings_of(corpus) if f.relation == "sent_same"} == old


# --- check --baseline end to end --------------------------------------------------------------

def test_new_inconsistency_is_the_only_new_finding(corpus, capsys):
    code, _, _ = run_cli(capsys, "baseline")
    assert code == 0 and (corpus / "base.json").exists()
    accepted = len(read_baseline(corpus / "base.json"))
    code, out, _ = run_cli(capsys, "check", "--format", "json")
    assert code == 0 and not [f for f in json.loads(out)["findings"] if f["new"]]

    append(figures(corpus), BAD_RELATION)
    code, out, _ = run_cli(capsys, "check", "--baseline", "base.json", "--format", "json")
    doc = json.loads(out)
    assert code == 1
    new = [f for f in doc["findings"] if f["new"]]
    assert [(f["code"], f["relation"]) for f in new] == [("A001", "sent_same")]
    assert len(doc["findings"]) == accepted + 1 and doc["fixed"] == []


def test_fail_on_error_ignores_new_warnings(corpus, capsys):
    run_cli(capsys, "baseline")
    append(figures(corpus), BAD_RELATION)
    (corpus / "pyproject.toml").write_text(
        '[tool.figcheck]\nfiles = ["figures.toml"]\nbaseline = "base.json"\n'
        '[tool.figcheck.severity]\nA001 = "warning"\n', encoding="utf-8")
    assert run_cli(capsys, "check", "--fail-on", "error")[0] == 0
    assert run_cli(capsys, "check")[0] == 1


def test_removed_inconsistency_is_fixed_and_pruned(corpus, capsys):
    clean = figures(corpus).read_text(encoding="utf-8")
    append(figures(corpus), BAD_RELATION)
    run_cli(capsys, "baseline")
    entries = read_baseline(corpus / "base.json")
    accepted = {e["fingerprint"] for e in entries if e["relation"] == "sent_same"}
    assert len(accepted) == 1

    figures(corpus).write_text(clean, encoding="utf-8")
    code, out, _ = run_cli(capsys, "check", "--format", "json")
    doc = json.loads(out)
    assert code == 0
    assert [(e["code"], e["fingerprint"], e["figures"]) for e in doc["fixed"]] == \
        [("A001", *accepted, ["nk_sent_2024_s002", "nk_sent_2025q1_s002"])]
    code, out, _ = run_cli(capsys, "check", "--format", "text", "--color", "never")
    assert "fixed A001" in out and "1 fixed" in out

    # --prune drops exactly that entry and never adds a new finding.
    append(figures(corpus), BAD_RELATION_2)
    assert run_cli(capsys, "baseline", "--prune")[0] == 0
    pruned = read_baseline(corpus / "base.json")
    assert Counter(e["fingerprint"] for e in pruned) == \
        Counter(e["fingerprint"] for e in entries) - Counter(accepted)
    assert not [e for e in pruned if e["relation"] == "deminers_are_all"]


def test_select_keeps_entries_of_rules_that_did_not_run(corpus, capsys):
    append(figures(corpus), BAD_RELATION)
    run_cli(capsys, "baseline")
    before = read_baseline(corpus / "base.json")
    code, out, _ = run_cli(capsys, "check", "--select", "P", "--format", "json")
    assert code == 0 and json.loads(out)["fixed"] == []       # A001 did not run: not "fixed"
    run_cli(capsys, "baseline", "--select", "P")
    assert Counter(e["fingerprint"] for e in read_baseline(corpus / "base.json")) == \
        Counter(e["fingerprint"] for e in before)


# --- the multiset -----------------------------------------------------------------------------

def _result(*fingerprints, codes=("A001",)):
    rules = [Rule(c, "test-rule", Severity.error, "s", "e", Example("", ""), Example("", ""),
                  lambda ctx: [], "test") for c in codes]
    findings = [Finding("A001", "test-rule", Severity.error, f"m{i}", ("a", "b"), None, "f.toml", i + 1,
                        fingerprint=fp) for i, fp in enumerate(fingerprints)]
    return CheckResult(Corpus(("f.toml",), {}, {}, {}, {}), None, rules, findings)


def _entry(fp, code="A001"):
    return {"fingerprint": fp, "code": code, "figures": ["a", "b"], "relation": None, "message": "m"}


def test_identical_fingerprints_count_as_a_multiset():
    result = _result("aa", "aa", "bb")
    apply_baseline(result, [_entry("aa"), _entry("bb"), _entry("bb"), _entry("cc")])
    assert [f.new for f in result.findings] == [False, True, False]
    assert sorted(e["fingerprint"] for e in result.fixed) == ["bb", "cc"]
    assert result.baseline_applied


@settings(max_examples=200, deadline=None)
@given(found=st.lists(st.sampled_from("abcd"), max_size=8), accepted=st.lists(st.sampled_from("abcd"), max_size=8))
def test_multiset_accounting(found, accepted):
    result = _result(*[c * 4 for c in found])
    apply_baseline(result, [_entry(c * 4) for c in accepted])
    known = Counter(f.fingerprint for f in result.findings if not f.new)
    new = Counter(f.fingerprint for f in result.findings if f.new)
    fixed = Counter(e["fingerprint"] for e in result.fixed)
    found_c, accepted_c = Counter(c * 4 for c in found), Counter(c * 4 for c in accepted)
    assert known == found_c & accepted_c
    assert new == found_c - accepted_c
    assert fixed == accepted_c - found_c


def test_written_baseline_is_sorted_one_entry_per_line_and_reads_back(tmp_path):
    result = _result("cc", "aa", "bb", "aa")
    path = tmp_path / "b.json"
    assert write_baseline(result, path) == 4
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == '{"version": 1, "findings": [' and lines[-1] == "]}"
    assert [json.loads(line.rstrip(","))["fingerprint"] for line in lines[1:-1]] == ["aa", "aa", "bb", "cc"]
    assert list(json.loads(lines[1].rstrip(","))) == ["fingerprint", "code", "figures", "relation", "message"]
    assert [e["fingerprint"] for e in read_baseline(path)] == ["aa", "aa", "bb", "cc"]
    assert write_baseline(result, path) == 4 and path.read_text(encoding="utf-8") == text   # deterministic


# --- a baseline that cannot be trusted --------------------------------------------------------

GOOD_ENTRY = json.dumps(_entry("ab12"))
CORRUPT = [
    ("{\"version\": 1,\n \"findings\": [\n", 3, "not valid JSON"),
    ('{"version": 1, "findings": [\n  ' + GOOD_ENTRY + ',\n  {"fingerprint": 7}\n]}\n', 3, "entry 2"),
    ('{"version": 1, "findings": [\n  ' + GOOD_ENTRY + ',\n  ' + GOOD_ENTRY.replace('"A001"', '["A001"]') + '\n]}\n',
     3, "code"),
    ('{\n  "version": 2,\n  "findings": []\n}\n', 2, "version 2 is not supported"),
    ('{"findings": []}\n', 1, "no \"version\""),
    ('[1, 2]\n', 1, "JSON object"),
    ('{"version": 1, "findings": {}}\n', 1, "must be a list"),
    ('', 1, "empty baseline"),
    ('{"version": 1, "findings": [\n  {"fingerprint": "XYZ!", "code": "A001", "figures": [], "relation": null, "message": ""}\n]}',
     2, "fingerprint"),
]


@pytest.mark.parametrize("text, line, message", CORRUPT)
def test_corrupt_baseline_is_an_input_error_with_file_and_line(corpus, capsys, text, line, message):
    (corpus / "base.json").write_text(text, encoding="utf-8")
    code, out, err = run_cli(capsys, "check", "--baseline", "base.json")
    assert code == 2 and out == ""
    assert f"base.json:{line}: " in err and message in err
    assert "Traceback" not in err
    # `figcheck baseline` refuses to overwrite what it cannot read.
    code, _, err = run_cli(capsys, "baseline")
    assert code == 2 and f"base.json:{line}: " in err
    assert (corpus / "base.json").read_text(encoding="utf-8") == text


def test_missing_explicit_baseline_is_an_input_error(corpus, capsys):
    code, _, err = run_cli(capsys, "check", "--baseline", "nowhere.json")
    assert code == 2 and "nowhere.json:1: baseline file not found" in err


def test_read_baseline_raises_load_error(tmp_path):
    path = tmp_path / "b.json"
    path.write_bytes(b'{"version": 1, "findings": [\xff]}')
    with pytest.raises(LoadError) as info:
        read_baseline(path)
    assert info.value.problems[0].line == 1 and "UTF-8" in info.value.problems[0].message


# --- atomic writes ----------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["replace", "fsync"])
def test_a_killed_baseline_write_leaves_the_old_file(corpus, capsys, monkeypatch, where):
    run_cli(capsys, "baseline")
    old = (corpus / "base.json").read_bytes()
    append(figures(corpus), BAD_RELATION)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt     # what a Ctrl-C or a dying CI runner does midway

    monkeypatch.setattr(baseline_module.os, where, killed)
    code, _, err = run_cli(capsys, "baseline")
    assert code == 130 and "interrupted" in err
    monkeypatch.undo()
    assert (corpus / "base.json").read_bytes() == old
    assert sorted(p.name for p in corpus.iterdir() if p.name.startswith(".base.json")) == []
    # The next, uninterrupted run writes the new finding.
    monkeypatch.chdir(corpus)
    assert run_cli(capsys, "baseline")[0] == 0
    assert "sent_same" in (corpus / "base.json").read_text(encoding="utf-8")


def test_a_write_that_fails_on_disk_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "b.json"
    write_baseline(_result("aa"), path)
    old = path.read_bytes()
    real_fdopen = os.fdopen

    class HalfWriter:
        """Writes half of the text, then the disk is full."""

        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def write(self, text):
            self.handle.write(text[: len(text) // 2])
            self.handle.flush()
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(baseline_module.os, "fdopen", lambda *a, **k: HalfWriter(real_fdopen(*a, **k)))
    with pytest.raises(OSError):
        write_baseline(_result("aa", "bb", "cc"), path)
    assert path.read_bytes() == old and [p.name for p in tmp_path.iterdir()] == ["b.json"]


def test_render_baseline_of_nothing_is_valid():
    assert json.loads(render_baseline([])) == {"version": 1, "findings": []}


def test_atomic_write_of_pieces_writes_them_all_or_nothing(tmp_path):
    from figcheck.baseline import atomic_write

    path = tmp_path / "out.json"
    atomic_write(path, iter(["{", "«ä» — ∞", "}\n"]))
    assert path.read_text(encoding="utf-8") == "{«ä» — ∞}\n"

    def failing():     # an output whose rendering fails midway: the old file stays, no temp file
        yield "half"
        raise TypeError("not serializable")

    with pytest.raises(TypeError):
        atomic_write(path, failing())
    assert path.read_text(encoding="utf-8") == "{«ä» — ∞}\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]


def test_atomic_write_of_str_and_utf8_pieces_writes_the_text(tmp_path, capsys):
    # --format json hands its findings on as UTF-8 bytes among str pieces: the file and stdout
    # hold the same text as if every piece were str
    from figcheck.baseline import atomic_write
    from figcheck.cli import _write

    pieces = ["{«ä» ", "— ∞".encode("utf-8"), "\n", b"", "}\n"]
    path = tmp_path / "out.json"
    atomic_write(path, iter(pieces))
    assert path.read_text(encoding="utf-8") == "{«ä» — ∞\n}\n"
    _write(iter(pieces), None)
    assert capsys.readouterr().out == "{«ä» — ∞\n}\n"
    _write(iter(pieces), str(tmp_path / "via_cli.json"))
    assert (tmp_path / "via_cli.json").read_bytes() == path.read_bytes()
