"""action.yml and .pre-commit-hooks.yaml: the files a newsroom copies must work as written."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
BAD_RELATION = '''
[[relation]]
id = "sent_same"
source = "s002"
expr = "nk_sent_2024_s002 == nk_sent_2025q1_s002"
quote = "weitere 3.000 Soldaten"
'''


def test_pre_commit_hook_runs_figcheck_on_figures_files():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "figcheck" and hook["entry"] == "figcheck check"
    assert hook["language"] == "python" and hook["pass_filenames"] is True
    pattern = re.compile(hook["files"])          # pre-commit uses re.search
    for name in ("figures.toml", "news/2025/figures-ukraine.toml", "figures_local.toml"):
        assert pattern.search(name), name
    for name in ("pyproject.toml", "figures.toml.bak", "seeds/figures.txt"):
        assert not pattern.search(name), name


def _action():
    return yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))


def test_action_is_composite_with_the_documented_inputs():
    action = _action()
    assert action["runs"]["using"] == "composite"
    assert {"files", "baseline", "fail-on"} <= set(action["inputs"])
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert "$GITHUB_ACTION_PATH" in steps[1]["run"]
    for step in steps[1:]:
        # No ${{ }} in a script: inputs come in as environment variables (no script injection).
        assert "${{" not in step["run"]


def _run_check_step(folder: Path, **inputs):
    step = next(s for s in _action()["runs"]["steps"] if s.get("id") == "check")
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"   # the venv's figcheck
    defaults = {k: str(v.get("default", "")) for k, v in _action()["inputs"].items()}
    values = {**defaults, **inputs}
    env.update({"FIGCHECK_FILES": values["files"], "FIGCHECK_BASELINE": values["baseline"],
                "FIGCHECK_FAIL_ON": values["fail-on"], "FIGCHECK_SARIF": values["sarif-file"],
                "GITHUB_OUTPUT": str(folder / "output.txt"), "GITHUB_STEP_SUMMARY": str(folder / "summary.md")})
    done = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=folder, env=env,
                          capture_output=True, text=True, timeout=120)
    return done, (folder / "output.txt").read_text(encoding="utf-8")


@pytest.fixture
def corpus(tmp_path):
    shutil.copy(REPO / "figures.toml", tmp_path / "figures.toml")
    shutil.copytree(REPO / "seeds", tmp_path / "seeds")
    (tmp_path / "pyproject.toml").write_text('[tool.figcheck]\nfiles = ["figures.toml"]\n', encoding="utf-8")
    return tmp_path


def test_action_step_fails_on_a_new_finding_only(corpus):
    subprocess.run([Path(sys.executable).parent / "figcheck", "baseline", "--baseline", "base.json", "-q"],
                   cwd=corpus, check=True)
    done, output = _run_check_step(corpus, baseline="base.json")
    assert done.returncode == 0 and "exit-code=0" in output, done.stderr
    with open(corpus / "figures.toml", "a", encoding="utf-8") as out:
        out.write(BAD_RELATION)
    done, output = _run_check_step(corpus, baseline="base.json", files="**/figures.toml")
    assert done.returncode == 1 and "exit-code=1" in output, done.stderr
    annotations = [line for line in done.stdout.splitlines() if line.startswith("::")]
    assert len(annotations) == 1 and annotations[0].startswith("::error file=figures.toml,line=")
    sarif = json.loads((corpus / "figcheck.sarif").read_text(encoding="utf-8"))
    states = [r["baselineState"] for r in sarif["runs"][0]["results"]]
    assert states.count("new") == 1
    assert "## figcheck" in (corpus / "summary.md").read_text(encoding="utf-8")


def test_action_step_stops_on_bad_input_before_annotating(corpus):
    (corpus / "base.json").write_text("{not json", encoding="utf-8")
    done, output = _run_check_step(corpus, baseline="base.json")
    assert done.returncode == 2 and "exit-code=2" in output
    assert "base.json:1: baseline is not valid JSON" in done.stderr and "::" not in done.stdout
