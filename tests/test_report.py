"""The editor report: fresh, deterministic, self-contained, and escaping every piece of article text."""
from __future__ import annotations

import dataclasses
import re
import shutil
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from figcheck.cli import main
from figcheck.config import load_settings
from figcheck.engine import check, discover, run
from figcheck.report import display, write_report
from figcheck.report.escape import file_link, markdown as md_escape, markdown_code_block, web_link
from figcheck.table import FigureTable

ROOT = Path(__file__).resolve().parent.parent
REGENERATE = "figcheck report"


# --- the committed reports/ is what `figcheck report` writes today ----------------------------

def _copy_of_corpus(tmp_path: Path) -> Path:
    """The shipped corpus in a fresh folder, so relative links come out as in reports/."""
    work = tmp_path / "repo"
    work.mkdir()
    for name in ("pyproject.toml", "figures.toml"):
        shutil.copy(ROOT / name, work / name)
    shutil.copytree(ROOT / "seeds", work / "seeds")
    return work


def _fresh_report(tmp_path: Path, monkeypatch) -> Path:
    """`figcheck report` in a copy of the repository's corpus."""
    work = _copy_of_corpus(tmp_path)
    monkeypatch.chdir(work)
    assert main(["report", "--quiet"]) == 0
    return work / "reports"


def test_committed_reports_equal_a_fresh_run(tmp_path, monkeypatch):
    fresh = _fresh_report(tmp_path, monkeypatch)
    committed = ROOT / "reports"
    fresh_files = sorted(p.name for p in fresh.iterdir())
    assert sorted(p.name for p in committed.iterdir()) == fresh_files, \
        f"reports/ holds other files than a fresh run: regenerate with `{REGENERATE}`"
    stale = [name for name in fresh_files if (committed / name).read_bytes() != (fresh / name).read_bytes()]
    assert not stale, f"reports/ is stale ({', '.join(stale)}): regenerate with `{REGENERATE}`"


def test_output_does_not_depend_on_the_hash_seed(tmp_path):
    """A separate process with a fixed PYTHONHASHSEED writes what this process (a random seed) does."""
    import os
    import subprocess
    import sys

    work = _copy_of_corpus(tmp_path)
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "figcheck.cli", "report", "--quiet"], cwd=work, env=env, check=True)
    for path in (work / "reports").iterdir():
        assert path.read_bytes() == (ROOT / "reports" / path.name).read_bytes(), path.name


def test_unwritable_output_is_a_clear_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["report", "--quiet", "-o", str(blocker / "reports")]) == 2
    err = capsys.readouterr().err
    assert "cannot write the report to" in err and "Traceback" not in err


def test_same_input_gives_byte_identical_output(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    outputs = []
    for attempt in ("a", "b"):
        result = check(["figures.toml"], load_settings(ROOT))
        written = write_report(result, tmp_path / attempt)
        outputs.append({p.name: p.read_bytes() for p in written})
    assert outputs[0] == outputs[1]
    assert {"index.html", "report.md"} <= set(outputs[0])


def test_a_relation_side_looks_up_only_its_own_figures(tmp_path, monkeypatch):
    """Writing a relation's side in its unit once built a dict of every figure, per relation:
    a 10k-figure archive's report took minutes. Now no relation walks all figures."""
    from figcheck.frames import FigureFrame

    monkeypatch.chdir(ROOT)
    result = check(["figures.toml"], load_settings(ROOT))
    walked = []
    original = FigureFrame.items
    monkeypatch.setattr(FigureFrame, "items", lambda self: walked.append(1) or original(self))
    write_report(result, tmp_path)
    units = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert len(result.corpus.relations) >= 4 and walked == []
    assert "shell" in units or "Granaten" in units


def test_seed_report_says_what_the_corpus_shows(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = check(["figures.toml"], load_settings(ROOT))
    write_report(result, tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    text = _Page.of(html).text
    # one section per finding, most severe first, each with its headline
    positions = [text.index(f.headline or f.message) for f in result.findings]
    assert positions == sorted(positions)
    severities = [int(f.severity) for f in result.findings]
    assert severities == sorted(severities, reverse=True)
    # the charts: one per quantity several figures estimate
    assert sorted(p.name for p in tmp_path.glob("chart-*.svg")) == [
        "chart-nk_troops_sent.svg", "chart-ru_shell_use.svg", "chart-ru_troops_kursk.svg"]
    assert html.count("<svg") == 3
    # the four relations of 000 and 004 hold, and the report says so with their quotes
    for rid in ("shell_use_day_is_year", "ru_production_below_use", "nk_production_closes_gap", "cost_adds_up"):
        assert result.corpus.relations[rid].quote in text
    assert "2,000 USD per soldier per month × 10,000 soldiers = 240 M USD per year" in text
    assert "10 M to 10.4 M shells per year matches 9.5 M to 10.5 M shells per year" in text


def test_verdict_per_article_follows_the_findings(tmp_path, monkeypatch):
    from figcheck.report.content import build

    monkeypatch.chdir(ROOT)
    result = check(["figures.toml"], load_settings(ROOT))
    report = build(result, tmp_path)
    worst = {}
    for f in result.findings:
        touched = {result.corpus.figures[fid].source for fid in f.figures}
        if f.relation:
            touched.add(result.corpus.relations[f.relation].source)
        for sid in touched:
            worst[sid] = max(worst.get(sid, -1), int(f.severity))
    expected = {sid: {2: "inconsistent", 1: "tension"}.get(worst.get(sid, -1), "consistent")
                for sid in result.corpus.sources}
    assert {s.id: s.verdict for s in report.sources} == expected
    assert "inconsistent" in expected.values()   # 002 vs 003 on troops sent in 2024


def test_marked_bars_are_the_figures_named_in_findings(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = check(["figures.toml"], load_settings(ROOT))
    write_report(result, tmp_path)
    named = {fid for f in result.findings for fid in f.figures}
    svg = ET.parse(tmp_path / "chart-nk_troops_sent.svg").getroot()
    ns = "{http://www.w3.org/2000/svg}"
    bars = svg.findall(f"{ns}g")
    assert len(bars) == 4
    for bar in bars:
        dashed = [r for r in bar.iter(f"{ns}rect") if r.get("stroke-dasharray")]
        assert bool(dashed) == (bar.get("data-figure") in named), bar.get("data-figure")


def test_stale_charts_are_removed(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    (tmp_path / "chart-gone.svg").write_text("<svg/>")
    (tmp_path / "notes.txt").write_text("kept")
    write_report(check(["figures.toml"], load_settings(ROOT)), tmp_path)
    assert not (tmp_path / "chart-gone.svg").exists()
    assert (tmp_path / "notes.txt").exists()


# --- self-contained ---------------------------------------------------------------------------

def test_html_is_self_contained(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    write_report(check(["figures.toml"], load_settings(ROOT)), tmp_path)
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    page = _Page.of(html)
    assert page.tags & {"script", "link", "img", "iframe", "object", "embed", "video", "audio", "source"} == set()
    assert not re.search(r"url\(|@import|@font-face", html)
    assert all(not a.startswith("src") and not a.startswith("on") for a, _ in page.attributes)
    assert "@media print" in html and 'name="viewport"' in html


# --- hostile input ----------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
SVG_BREAK = "</svg><img src=x onerror=alert(1)>"
MD_LINK = "[click](javascript:alert(1)) ![pic](http://evil.example/x.png)"
MIXED = '<a href="javascript:alert(2)">x</a> & &amp; | `tick` **bold** _em_ ~~gone~~ $x$'
HOSTILE = (SCRIPT, SVG_BREAK, MD_LINK, MIXED)

ARTICLE_A = f"Text. etwa 11.000 Soldaten {SCRIPT} wurden geschickt. Und {MD_LINK}. Rund 500 Leute."
ARTICLE_B = f"Text. etwa 14.000 Soldaten {SVG_BREAK} geschickt. Noch {MIXED}."


def _toml(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


HOSTILE_FIGURES = f"""
[[source]]
id = "a"
file = "a.txt"
title = {_toml("Title " + SCRIPT + " " + SVG_BREAK)}
publisher = {_toml(MD_LINK)}
url = "javascript:alert(1)"
published = 2025-04-28
language = "de"

[[source]]
id = "b"
file = "b.txt"
title = {_toml("Other " + MIXED)}
url = {_toml('https://example.com/a"><script>alert(3)</script>')}
published = 2025-08-27
language = "de"

[quantity."troops-x.y"]
description = {_toml("Troops " + SVG_BREAK + " " + SCRIPT)}
kind = "flow"
unit = "soldier"

[quantity.people]
description = {_toml("People " + MD_LINK)}
kind = "stock"
unit = "person"

[[figure]]
id = "sent_a"
source = "a"
quote = {_toml("etwa 11.000 Soldaten " + SCRIPT)}
value = "11.000"
unit = "soldier"
qualifier = "about"
quantity = "troops-x.y"
as_of = "2024"
attributed_to = {_toml(SVG_BREAK)}
note = {_toml(MIXED)}

[[figure]]
id = "sent_b"
source = "b"
quote = {_toml("etwa 14.000 Soldaten " + SVG_BREAK)}
value = "14.000"
unit = "soldier"
qualifier = "about"
quantity = "troops-x.y"
as_of = "2024"
attributed_to = {_toml(MD_LINK)}

[[figure]]
id = "sent_c"
source = "a"
quote = "Rund 500 Leute"
value = "500"
unit = "soldier"
qualifier = "about"
quantity = "troops-x.y"
as_of = "2025-01"

[[figure]]
id = "people_a"
source = "a"
quote = "Rund 500 Leute"
value = "500"
unit = "person"
qualifier = "about"
quantity = "people"

[[relation]]
id = "holds_a"
source = "a"
expr = "sent_a > sent_a * 0.5"
quote = {_toml("Und " + MD_LINK)}

[[relation]]
id = "fails_b"
source = "b"
expr = "sent_b < sent_a"
quote = {_toml("Noch " + MIXED)}
"""


@pytest.fixture()
def hostile_report(tmp_path, monkeypatch):
    corpus_dir = tmp_path / "corpus"
    corpus_dir.mkdir()
    (corpus_dir / "figures.toml").write_text(HOSTILE_FIGURES, encoding="utf-8")
    (corpus_dir / "a.txt").write_text(ARTICLE_A, encoding="utf-8")
    (corpus_dir / "b.txt").write_text(ARTICLE_B, encoding="utf-8")
    monkeypatch.chdir(corpus_dir)
    result = check(["figures.toml"], load_settings(corpus_dir))
    # The loader only accepts plain ids; a figure id holding HTML is still escaped if one gets in.
    result = _with_hostile_id(result, "sent_c", SCRIPT + SVG_BREAK)
    out = tmp_path / "out"
    write_report(result, out)
    return result, out


def _with_hostile_id(result, old: str, new: str):
    corpus = result.corpus
    figures = {(new if fid == old else fid): (dataclasses.replace(f, id=new) if fid == old else f)
               for fid, f in corpus.figures.items()}
    corpus = dataclasses.replace(corpus, figures=figures)
    table = FigureTable.from_corpus(corpus)
    findings = run(corpus, table, list(discover().values()))
    # and a finding whose every text field is hostile, naming the hostile figure
    from figcheck.rules import Finding, Severity

    findings.append(Finding("X001", "sources-disagree", Severity.warning, "message " + MIXED, (new,), None,
                            "figures.toml", 1, (SCRIPT, SVG_BREAK, MD_LINK, "````" + SCRIPT, "  = 2 × 3"), {"explanation": SVG_BREAK + MD_LINK},
                            "headline " + SCRIPT + MD_LINK))
    result.corpus, result.table, result.findings = corpus, table, findings
    return result


class _Page(HTMLParser):
    """Elements, attributes and visible text of an HTML document, as a browser would see them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.chunks, self.images = set(), [], [], []

    @classmethod
    def of(cls, html: str) -> "_Page":
        page = cls()
        page.feed(html)
        page.close()
        return page

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes += [(name.lower(), value or "") for name, value in attrs]
        if tag == "img":
            self.images.append(dict(attrs).get("src", ""))

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join("".join(self.chunks).split())

    def assert_harmless(self, charts=()):
        """No script, no event handler, no link or image that goes anywhere but the report's own
        anchors, files and http(s) sources; images only of the report's own chart files."""
        assert "script" not in self.tags and "iframe" not in self.tags
        assert sorted(self.images) == sorted(charts)
        assert not [name for name, _ in self.attributes if name.startswith("on")]
        for name, value in self.attributes:   # text in alt/title/aria-label is only text
            if name in ("href", "xlink:href", "action", "formaction"):
                assert value.startswith(("#", "./", "../", "https://", "http://")), value


def test_hostile_text_is_escaped_in_html(hostile_report):
    result, out = hostile_report
    assert result.findings and any(f.code.startswith("X") for f in result.findings)
    page = _Page.of((out / "index.html").read_text(encoding="utf-8"))
    page.assert_harmless()
    for text in HOSTILE:
        assert " ".join(text.split()) in page.text
    # the unsafe URL is shown, not linked; the web URL is linked with its quotes encoded
    assert "javascript:alert(1)" in page.text
    assert ("href", "https://example.com/a%22%3E%3Cscript%3Ealert(3)%3C/script%3E") in page.attributes
    # every chart is one whole <svg> element despite the </svg> in its text
    assert page.tags >= {"svg"}
    html = (out / "index.html").read_text(encoding="utf-8")
    assert html.count("<svg") == html.count("</svg>") == len(list(out.glob("chart-*.svg")))


def test_hostile_text_is_escaped_in_markdown(hostile_report):
    from markdown_it import MarkdownIt

    _, out = hostile_report
    charts = [p.name for p in out.glob("chart-*.svg")]
    source = (out / "report.md").read_text(encoding="utf-8")
    # a CommonMark reader that lets raw HTML through, as GitHub does before sanitising
    rendered = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(source)
    page = _Page.of(rendered)
    page.assert_harmless(charts=charts)
    assert "a" in page.tags   # the report's own links survive
    for text in HOSTILE:
        assert " ".join(text.split()) in page.text, text
    assert "<script" not in rendered.lower() and "onerror" not in re.sub(r"&lt;img src=x onerror", "", rendered)


def test_hostile_text_is_escaped_in_svg_files(hostile_report):
    _, out = hostile_report
    charts = list(out.glob("chart-*.svg"))
    assert len(charts) == 1 and re.fullmatch(r"chart-troops-x-y-[0-9a-f]{8}\.svg", charts[0].name)
    root = ET.parse(charts[0]).getroot()          # well-formed XML: one element, nothing injected
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert {el.tag.split("}")[1] for el in root.iter()} <= {"svg", "title", "rect", "line", "text", "g",
                                                           "polygon", "circle"}
    text = "".join(root.itertext())
    assert SVG_BREAK in text and SCRIPT in text
    assert SCRIPT + SVG_BREAK in {g.get("data-figure") for g in root.iter("{http://www.w3.org/2000/svg}g")}


# --- escaping and display, piece by piece ----------------------------------------------------

def _render_inline(markdown_text: str) -> str:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(markdown_text)
    page = _Page.of(html)
    assert page.tags <= {"p"}, (markdown_text, html)
    return "".join(page.chunks).strip()


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs", "Cc")), max_size=40))
def test_markdown_escape_shows_any_text_literally(text):
    expected = " ".join("".join(ch if ch.isprintable() or ch.isspace() else "\ufffd" for ch in text).split())
    assert _render_inline(md_escape(text)) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Zs")), max_size=30),
                min_size=1, max_size=4))
def test_markdown_code_block_keeps_lines_verbatim(lines):
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark", {"html": True}).render(markdown_code_block(lines) + "\n\nafter")
    page = _Page.of(html)
    assert page.tags == {"pre", "code", "p"}
    assert "".join(page.chunks).rstrip("\n").removesuffix("after").rstrip("\n") == "\n".join(lines).rstrip("\n")


@pytest.mark.parametrize("text", ["# heading", "1. item", "2) item", "- item", "+ item", "=== ", "---",
                                  "> quote", "    code", "```", "~~~", "| a | b |", "[a]: http://x",
                                  "<div>", "&lt;", "a  \nb", "*a* _b_ **c**", "\\*", "<http://x>"])
def test_markdown_escape_of_block_syntax(text):
    assert _render_inline(md_escape(text)) == " ".join(text.split())


def test_links_only_where_we_mean():
    assert web_link("javascript:alert(1)") is None
    assert web_link("data:text/html,<script>") is None
    assert web_link("seeds/a.txt") is None
    assert web_link("https://ex.com/a b<c>") == "https://ex.com/a%20b%3Cc%3E"
    assert file_link("javascript:alert(1)") == "./javascript%3Aalert%281%29"
    assert file_link("../seeds/a b.txt") == "../seeds/a%20b.txt"


@pytest.mark.parametrize("value, text", [
    (28000, "28,000"), (10227000.0, "10.2 M"), (240_000_000, "240 M"), (2.25, "2.25"),
    (650_000, "650,000"), (3e9, "3 bn"), (float("inf"), "∞"), (0.1 + 0.2, "0.3"), (9_500_000, "9.5 M"),
])
def test_numbers_read_as_an_editor_expects(value, text):
    assert display.number(value) == text


def test_units_intervals_and_periods_in_words():
    import datetime as dt

    assert display.unit_words("shell/day") == "shells per day"
    assert display.unit_words("USD/soldier/month") == "USD per soldier per month"
    assert display.amount(1, "soldier") == "1 soldier"
    assert display.interval(650_000, float("inf"), True, True) == "more than 650,000"
    assert display.interval(4500, 5000, False, True) == "4,500 to below 5,000"
    assert display.interval(239_999_999.99, 240_000_000.01) == "240 M"
    assert display.stated("about", 11000, 11000, "soldier") == "about 11,000 soldiers"
    assert display.period(dt.date(2024, 1, 1), dt.date(2025, 1, 1)) == "2024"
    assert display.period(dt.date(2024, 11, 1), dt.date(2024, 12, 1)) == "Nov 2024"
    assert display.period(dt.date(2024, 1, 1), dt.date(2024, 12, 1)).replace("\u2009", " ") == "Jan – Nov 2024"
    assert display.period(dt.date(2024, 11, 2), dt.date(2024, 11, 3)) == "2 Nov 2024"


@given(st.one_of(st.just(0.0), st.floats(1e-3, 1e12), st.floats(-1e12, -1e-3)),
       st.one_of(st.just(0.0), st.floats(1e-3, 1e12)))
def test_chart_ticks_span_every_figure_with_an_axis_of_some_length(low, width):
    """nice_ticks covers [low, high] with at least two ticks, also where every figure states one
    number (a single tick once made an axis of no length: NaN in the chart's coordinates). Its
    ticks are rounded to 10 decimals: numbers and spans far below a thousandth are not a news
    figure's."""
    from figcheck.report.charts import nice_ticks

    high = low + width
    ticks = nice_ticks(low, high)
    assert len(ticks) >= 2 and ticks[0] < ticks[-1]
    assert ticks[0] <= low + abs(low) * 1e-9 and ticks[-1] >= high - abs(high) * 1e-9


def test_a_quantity_whose_figures_all_agree_gets_a_chart_with_finite_coordinates(corpus_dir, tmp_path):
    from conftest import figure, write_figures

    write_figures(corpus_dir, figure("f1", value='"10.000"', qualifier='"exact"')
                  + figure("f2", value='"10.000"', qualifier='"exact"'))
    assert main(["report", "--quiet", "--output-dir", str(tmp_path / "out"), "figures.toml"]) in (0, 1)
    charts = list((tmp_path / "out").glob("chart-*.svg"))
    assert charts and all("nan" not in c.read_text(encoding="utf-8").lower() for c in charts)
