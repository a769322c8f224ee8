"""Settings from [tool.figcheck] of the nearest pyproject.toml, overridden by the command line."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .load import LineIndex, LoadError, Problem, _top_key_line, parse_toml
from .rules import Severity

KEYS = {"files", "baseline", "fail-on", "select", "ignore", "about-margin", "severity", "coverage"}


@dataclass
class Settings:
    root: Path = field(default_factory=Path.cwd)      # where relative paths start
    files: list[str] = field(default_factory=list)
    baseline: str | None = None
    fail_on: Severity = Severity.warning
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    about_margin: float = 1.0
    severity: dict[str, Severity] = field(default_factory=dict)
    coverage: str = "info"
    pyproject: Path | None = None


def find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_settings(start: Path | None = None) -> Settings:
    start = (start or Path.cwd()).resolve()
    path = find_pyproject(start)
    settings = Settings(root=start)
    if path is None:
        return settings
    display = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError([Problem(display, 1, f"cannot read settings: {exc}")]) from None
    data = parse_toml(text, display)  # a syntax error is a LoadError at its own line
    tool = data.get("tool")
    # a pyproject whose `tool` is not a table has no figcheck settings (not ours to judge)
    table = tool.get("figcheck") if isinstance(tool, dict) else None
    if table is None:
        return settings
    lines = LineIndex(text)
    if not isinstance(table, dict):
        line = lines.keys.get(("tool", "figcheck"), _top_key_line(text, "tool"))
        raise LoadError([Problem(display, line, "[tool.figcheck] must be a table of settings")])
    settings.root = path.parent
    settings.pyproject = path

    def where(key):
        return lines.keys.get(("tool", "figcheck", key), lines.tables.get(("tool", "figcheck"), 1))

    problems = []
    for key in sorted(set(table) - KEYS):
        problems.append(Problem(display, where(key), f"[tool.figcheck]: unknown setting {key!r} (known: {', '.join(sorted(KEYS))})"))

    def strings(key):
        value = table.get(key, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(Problem(display, where(key), f"[tool.figcheck] {key}: a list of strings expected"))
            return []
        return value

    settings.files = strings("files")
    settings.select = strings("select")
    settings.ignore = strings("ignore")
    if "baseline" in table:
        if isinstance(table["baseline"], str):
            settings.baseline = table["baseline"]
        else:
            problems.append(Problem(display, where("baseline"), "[tool.figcheck] baseline: a path expected"))
    try:
        settings.fail_on = Severity.parse(str(table.get("fail-on", "warning")))
    except ValueError as exc:
        problems.append(Problem(display, where("fail-on"), f"[tool.figcheck] fail-on: {exc}"))
    if "coverage" in table:
        # the severity of P004 (numbers neither encoded nor skipped)
        try:
            settings.coverage = Severity.parse(str(table["coverage"])).name
        except ValueError as exc:
            problems.append(Problem(display, where("coverage"), f"[tool.figcheck] coverage: {exc}"))
    margin = table.get("about-margin", 1.0)
    if isinstance(margin, bool) or not isinstance(margin, (int, float)) or not margin >= 1.0 or margin == float("inf"):
        problems.append(Problem(display, where("about-margin"), "[tool.figcheck] about-margin: a number >= 1 expected (it only widens \"about\")"))
    else:
        settings.about_margin = float(margin)
    sev = table.get("severity", {})
    if not isinstance(sev, dict):
        problems.append(Problem(display, where("severity"), "[tool.figcheck] severity: a table CODE = \"level\" expected"))
    else:
        for code, level in sev.items():
            try:
                settings.severity[code] = Severity.parse(str(level))
            except ValueError as exc:
                problems.append(Problem(display, where("severity"), f"[tool.figcheck] severity {code}: {exc}"))
    if problems:
        raise LoadError(problems)
    return settings
