"""What the report says, as plain records: one model feeds the HTML page and the Markdown.

Everything here is text and numbers; no markup. Article text (titles, quotes, ids, notes)
stays raw and is escaped by the template that shows it.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from . import display
from .escape import web_link

# Okabe–Ito colours (distinguishable with the common colour-vision deficiencies), minus the
# yellow that is unreadable on white and the vermillion kept for marking findings.
SOURCE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#7F5F3F", "#555555",
                  "#9C9E22")

SEVERITY_WORDS = {"error": "Inconsistent", "warning": "Tension", "info": "Note"}
VERDICTS = {
    "inconsistent": "at least one of its numbers cannot be true together with another number",
    "tension": "some of its numbers sit uneasily with others, though both could be right "
               "(different dates or definitions)",
    "consistent": "nothing we checked contradicts its numbers",
}
# where a rule puts the explanation of a gap in Finding.data (the first one present is shown)
EXPLANATION_KEYS = ("explanation", "gap_explanation", "explained_by", "likely_explanation")


@dataclass
class SourceView:
    id: str
    title: str
    publisher: str
    date: str
    language: str
    href: str | None          # a safe web link, or a relative link to the article file
    link_text: str
    colour: str
    n_figures: int = 0
    n_relations: int = 0
    verdict: str = "consistent"
    verdict_reason: str = VERDICTS["consistent"]
    findings: list = field(default_factory=list)    # (number, anchor, severity) touching it


@dataclass
class FigureView:
    id: str
    quote: str
    language: str
    source: SourceView
    attributed_to: str
    stated: str              # "about 11,000 soldiers"
    reading: str             # "10,500 to 11,500 soldiers"
    period: str
    modality: str
    quantity: str
    where: str


@dataclass
class RelationView:
    id: str
    quote: str
    language: str
    source: SourceView
    claim: str               # the relation in words, figures shown as stated
    left: str                # each side's interval in one unit
    right: str
    comparison: str
    where: str
    figures: list = field(default_factory=list)


@dataclass
class FindingView:
    number: int
    anchor: str
    severity: str
    severity_word: str
    code: str
    name: str
    headline: str
    message: str             # shown when it says more than the headline
    details: list
    explanation: str | None  # the gap's likely explanation, when the rule found one
    rule_summary: str
    rule_sections: list      # [(heading, [paragraph, ...])]; a paragraph is [(is_code, text), ...]
    figures: list
    relation: RelationView | None
    charts: list             # (anchor, title) of charts showing its figures
    where: str
    new: bool


@dataclass
class Report:
    files: list
    counts: dict
    n_figures: int
    n_relations: int
    n_rules: int
    sources: list
    findings: list
    charts: list
    holding: list
    not_checked: int         # relations that could not be evaluated (e.g. mixed dimensions)

    @property
    def n_sources(self) -> int:
        return len(self.sources)

    @property
    def n_findings(self) -> int:
        return len(self.findings)


def build(result, out_dir) -> Report:
    """The report's content from a CheckResult; `out_dir` only decides relative links."""
    from .charts import build_charts

    corpus, table = result.corpus, result.table
    sources = _sources(corpus, table, out_dir)
    rules = _rules(result)
    figure_views = _FigureViews(corpus, table, sources)
    relation_views = _relation_views(corpus, table, sources, figure_views)
    findings = sorted(result.findings, key=lambda f: -int(f.severity))   # stable: keeps engine order
    marks = {}
    for number, f in enumerate(findings, start=1):
        for fid in f.figures:
            marks.setdefault(fid, []).append((number, f.severity.name))
    charts = build_charts(corpus, table, sources, marks)
    chart_of = {fid: chart for chart in charts for fid in chart.figure_ids}
    views = []
    for number, f in enumerate(findings, start=1):
        views.append(_finding_view(number, f, rules, figure_views, relation_views, chart_of))
        _touch_sources(sources, corpus, f, number)
    holding = [v for v in relation_views.values() if v is not None and v.holds]
    evaluated = sum(v is not None for v in relation_views.values())
    return Report(
        files=list(corpus.files), counts=result.counts(), n_figures=len(corpus.figures),
        n_relations=len(corpus.relations), n_rules=len(result.rules),
        sources=list(sources.values()), findings=views, charts=charts,
        holding=[v.view for v in holding], not_checked=len(corpus.relations) - evaluated,
    )


def _rules(result) -> dict:
    from ..engine import discover

    known = dict(discover())
    known.update({r.code: r for r in result.rules})
    return known


def _sources(corpus, table, out_dir) -> dict[str, SourceView]:
    import os

    from .escape import file_link

    per_source = table.df["source"].value_counts()
    relations_per_source: dict[str, int] = {}
    for rel in corpus.relations.values():
        relations_per_source[rel.source] = relations_per_source.get(rel.source, 0) + 1
    views = {}
    target = os.path.abspath(out_dir)
    for i, s in enumerate(corpus.sources.values()):
        href = web_link(s.url)
        link_text = s.url if s.url else s.file
        if href is None and not s.url:
            href = file_link(os.path.relpath(os.path.abspath(s.path), target))
        views[s.id] = SourceView(
            id=s.id, title=s.title or s.id, publisher=s.publisher, date=display.day(s.published),
            language=s.language, href=href, link_text=link_text,
            colour=SOURCE_COLOURS[i % len(SOURCE_COLOURS)],
            n_figures=int(per_source.get(s.id, 0)), n_relations=relations_per_source.get(s.id, 0))
    return views


class _FigureViews:
    """Figure records on demand (a report shows the few figures its findings name)."""

    def __init__(self, corpus, table, sources):
        self.corpus, self.table, self.sources = corpus, table, sources
        self.cache: dict[str, FigureView] = {}
        df = table.df   # columns pulled out once: a row lookup in pandas costs ~0.3 ms
        self.columns = {c: df[c].to_numpy() for c in ("unit_low", "unit_high", "low_open", "high_open")}

    def get(self, fid: str) -> FigureView | None:
        if fid in self.cache:
            return self.cache[fid]
        fig = self.corpus.figures.get(fid)
        i = self.table.row_of(fid) if fig is not None else None
        if i is None:
            return None
        row = {c: values[i] for c, values in self.columns.items()}
        qty = self.corpus.quantities.get(fig.quantity)
        view = FigureView(
            id=fid, quote=fig.quote, language=self.sources[fig.source].language,
            source=self.sources[fig.source], attributed_to=fig.attributed_to,
            stated=display.stated(fig.qualifier, fig.low, fig.high, fig.unit),
            reading=_reading(row, fig.unit),
            period=display.period(fig.period.start, fig.period.end),
            modality=fig.modality, quantity=qty.description if qty else fig.quantity,
            where=str(fig.where))
        self.cache[fid] = view
        return view


def _reading(row, unit: str) -> str:
    text = display.interval(float(row["unit_low"]), float(row["unit_high"]),
                            bool(row["low_open"]), bool(row["high_open"]))
    return f"{text} {display.unit_words(unit)}".strip()


@dataclass
class _Evaluated:
    holds: bool
    view: RelationView


def _relation_views(corpus, table, sources, figure_views) -> dict[str, _Evaluated | None]:
    """Every relation, evaluated once (the engine's own evaluation), in the file's order."""
    from ..rules import Context

    outcome = {}
    for group in Context(corpus, table).relation_results:
        for i, rid in enumerate(group.ids):
            outcome[rid] = (group, i)
    views: dict[str, _Evaluated | None] = {}
    for rid, rel in corpus.relations.items():
        if rid not in outcome:
            views[rid] = None
            continue
        group, i = outcome[rid]
        if group.mismatch[i]:
            views[rid] = None   # mixed dimensions: an arithmetic finding says so
            continue
        unit, factor = _side_unit(rel.tree.right, corpus)
        words = display.unit_words(unit)

        def side(iv, k=i):
            text = display.interval(iv.lo[k] / factor, iv.hi[k] / factor,
                                    bool(iv.lo_open[k]), bool(iv.hi_open[k]))
            return f"{text} {words}".strip()

        figs = [figure_views.get(name) for name in dict.fromkeys(rel.tree.names())]
        view = RelationView(
            id=rid, quote=rel.quote, language=sources[rel.source].language if rel.source in sources else "",
            source=sources.get(rel.source), claim=_claim(rel.tree, corpus),
            left=side(group.left), right=side(group.right),
            comparison=(display.COMPARISON_WORDS if group.holds[i] else display.NEGATED_COMPARISON_WORDS)[group.op],
            where=str(rel.where),
            figures=[f for f in figs if f is not None])
        views[rid] = _Evaluated(bool(group.holds[i]), view)
    return views


class _FigureUnits:
    """{figure id: unit} for the few ids of one relation side: a dict of every figure, made for
    each relation, made the report quadratic in the size of the archive."""

    def __init__(self, figures):
        self.figures = figures

    def get(self, fid, default=None):
        return self.figures[fid].unit if fid in self.figures else default


def _side_unit(node, corpus) -> tuple[str, float]:
    """The unit a side is naturally written in, and its factor to base units."""
    from ..relations import unit_of
    from ..units import unit_info

    try:
        unit = unit_of(node, _FigureUnits(corpus.figures))
        text = "".join(str(unit).split())
        if text in ("", "dimensionless"):
            return "", 1.0
        return text, unit_info(text).factor
    except Exception:  # an exotic unit pint prints in a form it cannot read back: base units
        return "", 1.0


_OPERATORS = {"+": "+", "-": "−", "*": "×", "/": "÷"}


def _claim(tree, corpus) -> str:
    """The relation in words: "about 28,000 shells per day = about 10 M shells per year"."""
    def words(node, top=True):
        if hasattr(node, "kind"):   # a leaf
            if node.kind == "number":
                return display.number(node.value)
            fig = corpus.figures.get(node.text)
            if fig is None:
                return display.unit_words(node.text, plural=False) or node.text
            return display.stated(fig.qualifier, fig.low, fig.high, fig.unit)
        if node.op == "neg":
            return f"−{words(node.args[0], False)}"
        text = f"{words(node.args[0], False)} {_OPERATORS[node.op]} {words(node.args[1], False)}"
        return text if top or node.op in "*/" else f"({text})"

    return f"{words(tree.left)} {display.COMPARISON_SYMBOLS[tree.op]} {words(tree.right)}"


def _finding_view(number, f, rules, figure_views, relation_views, chart_of) -> FindingView:
    rule = rules.get(f.code)
    figures = [v for v in (figure_views.get(fid) for fid in f.figures) if v is not None]
    relation = None
    if f.relation and relation_views.get(f.relation) is not None:
        relation = relation_views[f.relation].view
    charts = []
    for fid in f.figures:
        chart = chart_of.get(fid)
        if chart is not None and (chart.anchor, chart.title) not in charts:
            charts.append((chart.anchor, chart.title))
    headline = f.headline or f.message
    explanation = _explanation(f.data, f.details)
    # the report shows each quote with its source below, and the explanation on its own:
    # detail lines repeating them are left out
    shown = [f"«{fig.quote}»" for fig in figures] + ([relation.quote] if relation else [])
    details = [str(d) for d in f.details
               if not any(text and text in str(d) for text in shown)
               and not (explanation and explanation in str(d))]
    return FindingView(
        number=number, anchor=f"finding-{number}", severity=f.severity.name,
        severity_word=SEVERITY_WORDS[f.severity.name], code=f.code, name=f.name,
        headline=headline, message=f.message if f.message != headline else "",
        details=details, explanation=explanation,
        rule_summary=rule.summary if rule else "", rule_sections=rule_sections(rule.explanation if rule else ""),
        figures=figures, relation=relation, charts=charts, where=f"{f.file}:{f.line}", new=f.new)


def rule_sections(explanation: str) -> list:
    """A rule's explanation ("## What it does" … ) as headed sections of paragraphs, with
    `code` spans kept apart so each output shows them its own way."""
    sections: list = []
    heading, lines = "", []

    def close():
        text = "\n".join(lines).strip()
        if text:
            paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
            sections.append((heading, [_code_spans(p) for p in paragraphs]))

    for line in explanation.splitlines():
        if line.startswith("#"):
            close()
            heading, lines = line.lstrip("#").strip(), []
            if heading and heading[-1] not in ".?!:":
                heading += "."
        else:
            lines.append(line)
    close()
    return sections


def _code_spans(paragraph: str) -> list:
    parts = paragraph.split("`")
    if len(parts) % 2 == 0:          # an unmatched backtick: keep the text as it is
        return [(False, paragraph)]
    return [(i % 2 == 1, part) for i, part in enumerate(parts) if part]


def _explanation(data, details=()) -> str | None:
    """The gap's explanation a rule found: a sum of other figures, a common slip, the closest passage."""
    data = data or {}
    slip = data.get("slip")
    if isinstance(slip, str) and slip:
        reason = str(data.get("slip_reason", ""))
        line = next((str(d) for d in details if slip in str(d) and reason in str(d)), None)
        return line or f"{reason}: it would hold with {slip}".strip(": ")
    closest = data.get("closest")
    if isinstance(closest, str) and closest.strip():
        return f"the closest passage in the article reads “{closest.strip()}”"
    for key in EXPLANATION_KEYS:
        value = (data or {}).get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, dict) and isinstance(value.get("text"), str):
            return value["text"].strip()
    return None


def _touch_sources(sources, corpus, finding, number) -> None:
    """Give every source whose figures or relation a finding names its verdict."""
    touched = {corpus.figures[fid].source for fid in finding.figures if fid in corpus.figures}
    if finding.relation in corpus.relations:
        touched.add(corpus.relations[finding.relation].source)
    verdict = {"error": "inconsistent", "warning": "tension"}.get(finding.severity.name)
    rank = {"consistent": 0, "tension": 1, "inconsistent": 2}
    for sid in sorted(touched):
        if sid not in sources:
            continue
        view = sources[sid]
        view.findings.append((number, f"finding-{number}", finding.severity.name))
        if verdict and rank[verdict] > rank[view.verdict]:
            view.verdict = verdict
            view.verdict_reason = VERDICTS[verdict]

