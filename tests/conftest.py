"""Shared helpers: small figures files in tmp dirs, and the CLI run in-process or as a subprocess."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# FIGCHECK_EXAMPLES=20 runs every property with 20× its examples (a deeper search, not in CI).
EXAMPLES_SCALE = max(1, int(os.environ.get("FIGCHECK_EXAMPLES", "1")))


def examples(n: int) -> int:
    return n * EXAMPLES_SCALE


def bench_generator():
    """benchmarks/generate.py as a module (it is a script, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("figcheck_bench_generate", REPO / "benchmarks" / "generate.py")
    if spec.name not in sys.modules:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules[spec.name]


def generated_archive(root: Path, figures: int, seed: int, planted_rate: float = 0.01,
                      forms=("csv", "toml"), sources_per_file: int = 20):
    """A generated corpus written as root/csv, root/parquet (columnar) and root/toml, as `forms`
    asks; returns its planted ids."""
    gen = bench_generator()
    src, qty, fig, rel, planted, texts = gen.generate(figures, seed=seed, planted_rate=planted_rate)
    for form in ("csv", "parquet"):
        if form in forms:
            gen.write_columnar(root / form, gen.columnar_frames(src, qty, fig, rel), form)
            gen.write_texts(root / form, texts)
    if "toml" in forms:
        gen.write_toml(root / "toml", src, qty, fig, rel, sources_per_file=sources_per_file)
        gen.write_texts(root / "toml", texts)
    return planted

ARTICLE_DE = "Es sind etwa 11.000 Soldaten, dazu 2,5 Millionen Granaten.\n"
ARTICLE_EN = "There are about 11,000 soldiers and 2.5 million shells.\n"

# A valid header: two sources (German and English) and two quantities. Tests append figures.
HEADER = """\
[[source]]
id = "s1"
file = "article.txt"
title = "Beispiel"
published = 2025-01-15
language = "de"

[[source]]
id = "en1"
file = "article_en.txt"
title = "Example"
published = 2025-01-15
language = "en"

[quantity.troops]
description = "soldiers"
kind = "stock"
unit = "soldier"

[quantity.shells]
description = "shells per year"
kind = "flow"
unit = "shell/year"
"""

GOOD_FIGURE = """\
[[figure]]
id = "{id}"
source = "s1"
quote = "etwa 11.000 Soldaten"
value = "11.000"
unit = "soldier"
qualifier = "about"
quantity = "troops"
as_of = "2024"
"""


def figure(fid: str = "f1", **overrides) -> str:
    """A valid [[figure]] table; keyword overrides replace (or, with None, drop) its lines."""
    lines = GOOD_FIGURE.format(id=fid).splitlines()
    out = []
    seen = set()
    for line in lines:
        key = line.split("=", 1)[0].strip()
        if key in overrides:
            seen.add(key)
            if overrides[key] is not None:
                out.append(f"{key} = {overrides[key]}")
            continue
        out.append(line)
    out += [f"{k} = {v}" for k, v in overrides.items() if k not in seen and v is not None]
    return "\n".join(out) + "\n"


@pytest.fixture
def corpus_dir(tmp_path, monkeypatch):
    """A tmp folder with the two articles; the working directory, so messages show short paths."""
    (tmp_path / "article.txt").write_text(ARTICLE_DE, encoding="utf-8")
    (tmp_path / "article_en.txt").write_text(ARTICLE_EN, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write_figures(folder: Path, body: str, name: str = "figures.toml", header: bool = True) -> Path:
    """Write HEADER + body (dedented) as a figures file; return its path."""
    text = (HEADER + "\n" if header else "") + textwrap.dedent(body)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(path_or_text, marker: str, nth: int = 0) -> int:
    """1-based number of the line holding `marker` (the nth such line)."""
    text = path_or_text.read_text(encoding="utf-8") if isinstance(path_or_text, Path) else path_or_text
    # TOML lines end at \n only (splitlines would also break at U+2028, U+0085, ...)
    hits = [n for n, line in enumerate(text.split("\n"), start=1) if marker in line]
    assert len(hits) > nth, f"marker {marker!r} not in the file"
    return hits[nth]


@pytest.fixture
def cli(capsys):
    """Run figcheck.cli.main in-process: returns (exit code, stdout, stderr)."""
    from figcheck.cli import main

    def run(*args: str):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors exit through SystemExit
            code = exc.code
        out, err = capsys.readouterr()
        return code, out, err

    return run


def run_subprocess(*args: str, cwd: Path | None = None, timeout: float = 60):
    """Run the real console entry point in a fresh interpreter."""
    env = dict(os.environ, NO_COLOR="1", PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run([sys.executable, "-m", "figcheck.cli", *args], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=timeout, env=env)
