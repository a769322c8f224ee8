"""The command line on the shipped corpus and on small files: exit codes, summary, rules, speed."""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from figcheck.cli import main

from conftest import REPO, figure, run_subprocess, write_figures

SUMMARY = re.compile(
    r"^(\d+) findings? \((\d+) errors?, (\d+) warnings?, (\d+) info\)(?:, \d+ new)?(?:, \d+ fixed)? "
    r"in (\d+) figures, (\d+) relations, (\d+) sources; (\d+) rules$")


def summary_of(out: str) -> re.Match:
    """The summary line (a coverage line may follow it)."""
    found = [m for m in map(SUMMARY.match, out.splitlines()) if m]
    assert len(found) == 1, f"no single summary line in {out[-300:]!r}"
    return found[0]


def test_check_on_the_shipped_corpus(cli, monkeypatch):
    monkeypatch.chdir(REPO)  # [tool.figcheck] of the repository's pyproject names figures.toml
    code, out, err = cli("check", "--color", "never")
    assert code in (0, 1), err
    m = summary_of(out)
    total, errors, warnings, info, figures, relations, sources, rules = map(int, m.groups())
    assert total == errors + warnings + info
    assert sources == 5
    assert figures >= 20 and relations >= 4
    from figcheck.engine import discover

    assert rules == len(discover())
    # exit 1 exactly when a new finding reaches the failing severity (warning by default)
    assert code == (1 if errors + warnings else 0)


def test_check_on_the_shipped_corpus_as_json(cli, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, _ = cli("check", "--format", "json")
    assert code in (0, 1)
    findings = json.loads(out)["findings"]
    for f in findings:
        # the contract other tools read (DESIGN.md)
        assert {"code", "severity", "message", "figures", "relation", "file", "line", "fingerprint", "new"} <= f.keys()
        assert f["file"] == "figures.toml" and f["line"] >= 1
        assert f["severity"] in ("error", "warning", "info")


def test_rules_lists_every_rule(cli):
    from figcheck.engine import discover

    rules = discover()
    code, out, err = cli("rules")
    assert code == 0, err
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == sorted(rules)
    for line in lines:
        code_, name, severity = line.split()[:3]
        assert name == rules[code_].name
        assert severity == rules[code_].severity.name
        assert rules[code_].summary in line


def test_rules_explains_one_rule(cli):
    from figcheck.engine import discover

    rules = discover()
    if not rules:
        pytest.skip("no rules registered yet")
    rule = rules[sorted(rules)[0]]
    code, out, _ = cli("rules", rule.code.lower())  # codes are case-insensitive
    assert code == 0
    assert out.startswith(f"{rule.code} {rule.name} ({rule.severity.name}")
    assert rule.summary in out
    assert "Failing example:" in out and "Passing example:" in out
    first_line_of_example = rule.failing.figures.strip().splitlines()[0]
    assert first_line_of_example.strip() in out


def test_rules_as_json(cli):
    from figcheck.engine import discover

    code, out, _ = cli("rules", "--format", "json")
    assert code == 0
    assert [r["code"] for r in json.loads(out)] == sorted(discover())


def test_rules_unknown_code(cli):
    code, out, err = cli("rules", "Z999")
    assert code == 2
    assert out == ""
    assert err.strip() == "figcheck: no rule 'Z999' (see `figcheck rules`)"


def test_rules_with_an_empty_registry(cli, monkeypatch):
    """Before any rule module exists `figcheck rules` printed a ValueError from max()."""
    import figcheck.cli
    import figcheck.engine

    monkeypatch.setattr(figcheck.engine, "discover", lambda: {})
    code, out, err = cli("rules")
    assert code == 0, err
    assert out.strip() == "no rules registered"


# --- exit codes on small files -----------------------------------------------------------------

FAILING_RELATION = """
[[relation]]
id = "r_far"
source = "s1"
expr = "f1 > 1000000 * soldier"
quote = "etwa 11.000 Soldaten"
"""


def test_clean_file_exits_0(corpus_dir, cli):
    write_figures(corpus_dir, figure())
    # the article's other numbers are not encoded: P004 would list them (info); not this test's subject
    code, out, err = cli("check", "figures.toml", "--ignore", "P004")
    assert code == 0, out + err
    # no error or warning (info, e.g. the article's other number not encoded, does not fail)
    assert summary_of(out).group(2, 3) == ("0", "0")


def test_a_relation_that_does_not_hold_exits_1(corpus_dir, cli):
    write_figures(corpus_dir, figure() + FAILING_RELATION)
    code, out, _ = cli("check", "figures.toml", "--color", "never")
    assert code == 1
    assert re.search(r"^figures\.toml:\d+: error A001 ", out, re.M), out
    # --ignore the rule: nothing left to fail on
    code, out, _ = cli("check", "figures.toml", "--ignore", "A,P004")
    assert code == 0
    assert summary_of(out).group(2, 3) == ("0", "0")


def test_fail_on_decides_the_exit_code(corpus_dir, cli):
    from figcheck.engine import discover

    if "A001" not in discover() or discover()["A001"].severity.name != "error":
        pytest.skip("needs A001 as an error")
    write_figures(corpus_dir, figure() + FAILING_RELATION)
    assert cli("check", "figures.toml", "--fail-on", "error")[0] == 1
    # severity order: an error also fails at --fail-on info
    assert cli("check", "figures.toml", "--fail-on", "info")[0] == 1


def test_untrusted_text_cannot_reach_the_terminal(corpus_dir, cli):
    """A quote holding a terminal escape sequence is printed defused, with or without colour."""
    quote = '"etwa 11.000 \\u001b]0;pwned\\u0007\\u001b[2J Soldaten"'
    write_figures(corpus_dir, figure(quote=quote) + FAILING_RELATION)
    for colour in ("never", "always"):
        code, out, _ = cli("check", "figures.toml", "--color", colour)
        assert code == 1
        assert "pwned" in out  # the quote is shown (P001: not in the source) ...
        assert "\x07" not in out and "]0;pwned" not in out.replace("\ufffd]0;pwned", "")
        assert "\x1b[2J" not in out
    code, out, _ = cli("check", "figures.toml", "--color", "never")
    assert "\x1b" not in out


def test_colour_only_when_asked_or_on_a_terminal(corpus_dir, cli):
    write_figures(corpus_dir, figure() + FAILING_RELATION)
    assert "\x1b[" in cli("check", "figures.toml", "--color", "always")[1]
    assert "\x1b[" not in cli("check", "figures.toml", "--color", "never")[1]
    assert "\x1b[" not in cli("check", "figures.toml")[1]  # captured stdout is not a terminal


def test_output_file_is_written(corpus_dir, cli):
    write_figures(corpus_dir, figure() + FAILING_RELATION)
    code, out, _ = cli("check", "figures.toml", "--format", "json", "--output", "out.json", "--ignore", "P004")
    assert code == 1 and out == ""
    data = json.loads((corpus_dir / "out.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in data["findings"] if f["severity"] != "info"] == ["A001"]


def test_console_script_is_installed():
    script = shutil.which("figcheck", path=str(Path(sys.executable).parent))
    assert script, "the figcheck console script is not next to this interpreter"
    proc = subprocess.run([script, "--version"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and proc.stdout.startswith("figcheck ")


def test_the_command_exits_with_its_output_whole(capsys, monkeypatch):
    """`figcheck` ends with os._exit after flushing: the output is all there, the code kept."""
    script = shutil.which("figcheck", path=str(Path(sys.executable).parent))
    proc = subprocess.run([script, "check", "--format", "json"], cwd=REPO, capture_output=True, text=True,
                          timeout=60)
    monkeypatch.chdir(REPO)
    code = main(["check", "--format", "json"])
    assert proc.returncode == code == 1
    assert proc.stdout == capsys.readouterr().out
    assert json.loads(proc.stdout)["findings"]


def test_only_the_command_keeps_its_result_until_the_process_ends(monkeypatch, capsys):
    """command() ends with os._exit and keeps the check's objects for it to drop at once;
    main() in a process that goes on keeps nothing."""
    import figcheck.cli as cli

    monkeypatch.chdir(REPO)
    monkeypatch.setattr(cli, "_kept_until_exit", None)
    assert main(["check", "--format", "json"]) == 1
    assert cli._kept_until_exit is None
    capsys.readouterr()
    exits = []
    monkeypatch.setattr(cli.os, "_exit", exits.append)
    cli.command(["check", "--format", "json"])
    assert exits == [1]
    assert [len(r.findings) for r in cli._kept_until_exit] == [len(json.loads(capsys.readouterr().out)["findings"])]


def test_the_command_into_a_closed_pipe_says_nothing():
    script = shutil.which("figcheck", path=str(Path(sys.executable).parent))
    proc = subprocess.run(f"'{script}' check --format json | head -c 10", shell=True, cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.stdout == '{\n  "versi'
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr


# --- speed -------------------------------------------------------------------------------------

def test_check_of_the_seed_corpus_is_fast(capsys):
    """`figcheck check` on the seed corpus, start-up included, well under 2 s (issue 3)."""
    script = shutil.which("figcheck", path=str(Path(sys.executable).parent))
    command = [script, "check"] if script else [sys.executable, "-m", "figcheck.cli", "check"]
    times = []
    for _ in range(3):
        start = time.perf_counter()
        proc = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60)
        times.append(time.perf_counter() - start)
        assert proc.returncode in (0, 1), proc.stderr
        assert "Traceback" not in proc.stderr
    # the best run: on a shared machine the others' load only ever adds to a run's wall time
    best = min(times)
    with capsys.disabled():
        print(f"\nfigcheck check on the seed corpus: {', '.join(f'{t:.2f}' for t in times)} s (best {best:.2f} s)")
    assert best < 2.0


def test_subprocess_check_prints_the_summary():
    proc = run_subprocess("check", "--color", "always")  # forced colour still ends with the summary
    assert proc.returncode in (0, 1)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    summary_of(plain)


@pytest.mark.parametrize("encoding, errors", [("utf-8", "strict"), ("UTF8", "surrogateescape"),
                                              ("latin-1", "replace"), ("ascii", "backslashreplace")])
def test_output_pieces_reach_stdout_as_the_text_stream_would_write_them(monkeypatch, encoding, errors):
    """cli._write hands UTF-8 pieces to stdout's buffer as they are where the stream would
    write the same bytes; the bytes are those of writing the joined text either way."""
    import io

    from figcheck import cli as cli_module

    pieces = ["{\n", "Zürich „11.000“ – 2,5 Mio.\n".encode("utf-8"), "quote: ‚x‘ 😀\n", b"}\n"]
    if errors == "surrogateescape":
        pieces.append("file-\udce4.toml\n")      # an undecodable file name's byte
    text = "".join(p if isinstance(p, str) else p.decode("utf-8") for p in pieces)
    want = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors=errors)
    want.write(text)
    want.flush()
    got = io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors=errors)
    got.write("before ")                        # text still in the stream's own buffer goes first
    monkeypatch.setattr(sys, "stdout", got)
    cli_module._write(iter(pieces), None)
    got.flush()
    assert got.buffer.getvalue() == b"before " + want.buffer.getvalue()
    assert cli_module._writes_utf8_as_is(got) == (encoding.lower().replace("-", "") == "utf8")
