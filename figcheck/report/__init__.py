"""Editor reports: reports/index.html (one self-contained page), report.md and chart-*.svg.

`write_report(result, out_dir)` is deterministic: the same input gives byte-identical files.
"""
from __future__ import annotations

from pathlib import Path

from ..baseline import atomic_write
from .content import build
from .escape import Trusted, markdown_code, markdown_code_block
from .templating import html_env, markdown_env

CHART_GLOB = "chart-*.svg"


def write_report(result, out_dir: Path) -> list[Path]:
    """Write the report of one check into `out_dir`; return the files written.

    Chart files of earlier runs that this run no longer draws are removed, so the folder
    always equals a fresh run."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    report = build(result, out_dir)
    written = []
    for chart in report.charts:
        path = out_dir / chart.file_name
        atomic_write(path, str(chart.svg) + "\n")
        written.append(path)
    html = html_env().get_template("index.html.j2").render(report=report)
    atomic_write(out_dir / "index.html", html)
    md = markdown_env().get_template("report.md.j2").render(report=report, code=markdown_code, code_block=markdown_code_block)
    atomic_write(out_dir / "report.md", md)
    written += [out_dir / "index.html", out_dir / "report.md"]
    keep = {p.name for p in written}
    for stale in sorted(out_dir.glob(CHART_GLOB)):
        if stale.name not in keep:
            stale.unlink()
    return written


__all__ = ["write_report"]
