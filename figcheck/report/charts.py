"""One chart per quantity that several figures estimate: each figure's interval as a bar.

Written as SVG by a jinja2 template rather than matplotlib's SVG backend, because the chart is
only bars, arrows and one linear axis: the output is deterministic by construction (no hash
salts, ids or metadata to pin), a few kilobytes instead of tens, scales with its viewBox on a
phone, keeps its text as real text in the page's fonts, and is escaped by the same autoescape
as the page. The only thing matplotlib would add is tick placement (`nice_ticks`, below).
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

import numpy as np
from markupsafe import Markup

from . import display
from .escape import slug

WIDTH = 400            # viewBox units: the chart fits a phone at ~0.85 scale and is capped on a desktop
MARGIN = 14
ROW = 44               # one figure: a label line, then its bar
TOP = 10
AXIS = 40
CHAR = 6.4             # rough width of one character at the chart's 12px font, for fitting labels
FINDING_COLOURS = {"error": "#B3261E", "warning": "#B26A00", "info": "#38618C"}


@dataclass
class Bar:
    id: str
    label: str             # "2024 · Nordkorea schickt Soldaten …"
    title: str             # full text for the tooltip / screen reader
    value_label: str       # "about 11,000"
    colour: str
    x0: float
    x1: float
    y: float
    point: float | None    # the stated value, when it is one number
    arrow_left: bool       # open downwards ("up to", "less than")
    arrow_right: bool      # open upwards ("more than", "at least", unbounded)
    hollow_left: bool      # an excluded finite end ("more than 5": the 5 itself is out)
    hollow_right: bool
    marks: list = field(default_factory=list)   # [(finding number, severity colour)]


@dataclass
class Chart:
    quantity: str
    key: str
    file_name: str
    anchor: str
    title: str
    unit: str
    figure_ids: list
    marked_ids: list
    bars: list
    ticks: list            # [(x, label)]
    height: float
    description: str
    svg: Markup = Markup("")


def nice_ticks(low: float, high: float, target: int = 5) -> np.ndarray:
    """Round tick values (1, 2, 2.5 or 5 × 10^k) covering [low, high]."""
    span = high - low if high > low else (abs(high) or 1.0)
    raw = span / target
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / step) * step
    stop = math.ceil(high / step) * step
    if stop - start < step / 2:   # every figure at one tick: a second one, or the axis has no length
        stop = start + step
    return np.round(np.arange(start, stop + step / 2, step), 10)


def file_names(keys: list[str]) -> dict[str, str]:
    """chart-<quantity>.svg, made safe and unique (a short hash where a key needed changing)."""
    names, used = {}, set()
    for key in keys:
        base = slug(key)
        if base != key or base in used:
            base = f"{base}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
        used.add(base)
        names[key] = base
    return names


def build_charts(corpus, table, sources, marks) -> list[Chart]:
    """A chart for every quantity with two or more figures, in the order quantities are declared."""
    from .templating import html_env

    template = html_env().get_template("chart.svg.j2")
    df = table.df
    sizes = df.groupby("quantity", sort=False).size()
    shared = [q for q in corpus.quantities if sizes.get(q, 0) >= 2]
    names = file_names(shared)
    groups = dict(tuple(df[df["quantity"].isin(shared)].groupby("quantity", sort=False)))
    charts = []
    for q in shared:
        chart = _chart(corpus.quantities[q], groups[q], sources, marks, names[q])
        chart.svg = Markup(template.render(chart=chart, width=WIDTH, margin=MARGIN, axis_y=chart.height - AXIS,
                                           top=TOP).strip())
        charts.append(chart)
    return charts


def _chart(quantity, rows, sources, marks, key) -> Chart:
    from ..units import unit_info

    factor = unit_info(quantity.unit).factor
    order = np.lexsort((rows["id"].to_numpy(), rows["period_end"].to_numpy(), rows["period_start"].to_numpy()))
    rows = rows.iloc[order]
    lo = rows["low"].to_numpy() / factor
    hi = rows["high"].to_numpy() / factor
    stated_lo = rows["value_low"].to_numpy() * rows["factor"].to_numpy() / factor
    stated_hi = rows["value_high"].to_numpy() * rows["factor"].to_numpy() / factor
    qualifier = rows["qualifier"].to_numpy()
    unbounded_hi = np.isinf(hi)

    finite_ends = np.concatenate([lo[np.isfinite(lo)], hi[np.isfinite(hi)], stated_lo, stated_hi])
    top = float(finite_ends.max()) if finite_ends.size else 1.0
    bottom = float(finite_ends.min()) if finite_ends.size else 0.0
    if bottom >= 0 and bottom <= 0.5 * top:
        bottom = 0.0           # counts and amounts start at zero unless that squashes the bars
    if unbounded_hi.any():
        top *= 1.15            # room for an arrow that runs on past the largest stated number
    ticks = nice_ticks(bottom, top)
    axis_lo, axis_hi = float(ticks[0]), float(ticks[-1])
    plot_left, plot_right = MARGIN + 4, WIDTH - MARGIN - 10

    def x_of(values):
        clipped = np.clip(values, axis_lo, axis_hi)
        return np.round(plot_left + (clipped - axis_lo) / (axis_hi - axis_lo) * (plot_right - plot_left), 2)

    x0, x1 = x_of(lo), x_of(np.where(unbounded_hi, axis_hi, hi))
    points = x_of(stated_lo)
    is_point = stated_lo == stated_hi
    arrow_left = np.isin(qualifier, ("up_to", "less_than"))
    arrow_right = unbounded_hi | np.isin(qualifier, ("more_than", "at_least"))
    hollow_left = rows["low_open"].to_numpy() & ~arrow_left
    hollow_right = rows["high_open"].to_numpy() & ~arrow_right

    bars, described = [], []
    for i, (fid, source, unit, q, period_start, period_end) in enumerate(zip(
            rows["id"], rows["source"], rows["unit"], qualifier, rows["period_start"], rows["period_end"])):
        src = sources[source]
        when = display.period(period_start.date(), period_end.date())
        own_unit = "" if unit == quantity.unit else unit
        value_label = display.stated(q, rows["value_low"].iat[i], rows["value_high"].iat[i], own_unit)
        figure_marks = [(n, FINDING_COLOURS[sev]) for n, sev in marks.get(fid, [])]
        room = (WIDTH - 2 * MARGIN - 18 - CHAR * (len(value_label) + 4 * len(figure_marks))) / CHAR
        label = _fit(f"{when} · {src.title}", int(room) - len(when) // 3)
        bars.append(Bar(fid, label, f"{when} · {src.title} ({src.date}) · {value_label}", value_label,
                        src.colour, float(x0[i]), float(x1[i]), TOP + i * ROW,
                        float(points[i]) if is_point[i] else None, bool(arrow_left[i]), bool(arrow_right[i]),
                        bool(hollow_left[i]), bool(hollow_right[i]), figure_marks))
        described.append(f"{src.title} ({src.date}): {value_label} for {when}")
    tick_labels = [(float(x), display.number(float(t))) for x, t in zip(x_of(ticks), ticks)]
    marked = [b.id for b in bars if b.marks]
    return Chart(
        quantity=quantity.key, key=key, file_name=f"chart-{key}.svg", anchor=f"chart-{key}",
        title=quantity.description or quantity.key, unit=display.unit_words(quantity.unit),
        figure_ids=[b.id for b in bars], marked_ids=marked, bars=bars, ticks=tick_labels,
        height=TOP + len(bars) * ROW + AXIS,
        description="; ".join(described))


def _fit(text: str, limit: int) -> str:
    limit = max(limit, 12)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
