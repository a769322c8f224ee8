"""[tool.figcheck] of pyproject.toml: read when present, every bad setting a problem at its line."""
from __future__ import annotations

import pytest

from conftest import figure, line_of, write_figures

MARK = "# <-"


def write_pyproject(folder, body: str):
    path = folder / "pyproject.toml"
    path.write_text('[project]\nname = "newsroom"\n\n' + body, encoding="utf-8")
    return path


def test_settings_are_read(corpus_dir):
    from figcheck.config import load_settings
    from figcheck.rules import Severity

    write_pyproject(corpus_dir, '[tool.figcheck]\nfiles = ["figures.toml"]\nfail-on = "error"\n'
                                'about-margin = 2\nselect = ["A", "X001"]\nseverity = { X001 = "warning" }\n')
    sub = corpus_dir / "deeper" / "folder"
    sub.mkdir(parents=True)
    settings = load_settings(sub)  # found from a subfolder: the nearest pyproject.toml
    assert settings.root == corpus_dir
    assert settings.files == ["figures.toml"]
    assert settings.fail_on is Severity.error
    assert settings.about_margin == 2.0
    assert settings.select == ["A", "X001"]
    assert settings.severity == {"X001": Severity.warning}


def test_about_margin_setting_widens_about(corpus_dir, cli):
    from figcheck.config import load_settings
    from figcheck.load import load
    from figcheck.table import FigureTable

    write_pyproject(corpus_dir, '[tool.figcheck]\nfiles = ["figures.toml"]\nabout-margin = 2\n')
    path = write_figures(corpus_dir, figure())  # "etwa 11.000": ±500, doubled
    settings = load_settings(corpus_dir)
    table = FigureTable.from_corpus(load([path], settings.about_margin), settings.about_margin)
    assert (table.df.loc[0, "low"], table.df.loc[0, "high"]) == (10_000, 12_000)
    # and the command line uses the file list of the settings
    code, out, _ = cli("check")
    assert code == 0 and "in 1 figures" in out


def test_no_pyproject_means_defaults(corpus_dir):
    from figcheck.config import load_settings
    from figcheck.rules import Severity

    settings = load_settings(corpus_dir)
    assert settings.files == [] and settings.about_margin == 1.0 and settings.fail_on is Severity.warning


def test_a_pyproject_whose_tool_is_not_a_table_has_no_settings(corpus_dir, cli):
    (corpus_dir / "pyproject.toml").write_text("tool = 3\n", encoding="utf-8")
    write_figures(corpus_dir, figure())
    code, out, err = cli("check", "figures.toml")
    assert code == 0, err


BAD_SETTINGS = [
    (f'[tool.figcheck]\nabout-margin = 0.5  {MARK}\n', "about-margin: a number >= 1 expected"),
    (f'[tool.figcheck]\nabout-margin = nan  {MARK}\n', "about-margin: a number >= 1 expected"),
    (f'[tool.figcheck]\nfail-on = "loud"  {MARK}\n', "fail-on: unknown severity 'loud'"),
    (f'[tool.figcheck]\ncolour = true  {MARK}\n', "unknown setting 'colour'"),
    (f'[tool.figcheck]\nfiles = [1, 2]  {MARK}\n', "files: a list of strings expected"),
    (f'[tool.figcheck]\nbaseline = 3  {MARK}\n', "baseline: a path expected"),
    (f'[tool.figcheck]\nseverity = {{ A001 = "loud" }}  {MARK}\n', "severity A001: unknown severity 'loud'"),
    (f'[tool]\nfigcheck = 3  {MARK}\n', "[tool.figcheck] must be a table of settings"),
    (f'[tool.figcheck  {MARK}\n', "TOML syntax"),
]


@pytest.mark.parametrize("body, message", BAD_SETTINGS, ids=[m for _, m in BAD_SETTINGS])
def test_bad_setting_is_a_problem_at_its_line(corpus_dir, cli, body, message):
    path = write_pyproject(corpus_dir, body)
    write_figures(corpus_dir, figure())
    code, out, err = cli("check", "figures.toml")
    assert code == 2
    assert "Traceback" not in err and out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"{path}:{line_of(path, MARK)}: "), err
    assert message in first


def test_every_bad_setting_at_once(corpus_dir, cli):
    path = write_pyproject(corpus_dir, '[tool.figcheck]\nabout-margin = 0.5  # <- a\nfail-on = "x"  # <- b\n'
                                       'colour = 1  # <- c\n')
    code, _, err = cli("check")
    assert code == 2
    for marker in "abc":
        assert f"{path}:{line_of(path, '# <- ' + marker)}: " in err
    assert "3 problems in the input" in err


def test_select_from_settings_with_unknown_code(corpus_dir, cli):
    write_pyproject(corpus_dir, '[tool.figcheck]\nfiles = ["figures.toml"]\nselect = ["Q9"]\n')
    write_figures(corpus_dir, figure())
    code, _, err = cli("check")
    assert code == 2
    assert err.strip() == "figcheck: no rule matches 'Q9' (see `figcheck rules`)"


def test_command_line_about_margin_below_one(corpus_dir, cli):
    write_figures(corpus_dir, figure())
    for value in ("0.5", "nan", "inf"):
        code, _, err = cli("check", "--about-margin", value, "figures.toml")
        assert code == 2
        assert err.strip() == "figcheck: --about-margin must be a number >= 1"
