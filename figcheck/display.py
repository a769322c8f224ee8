"""How numbers, intervals and figures read in messages (English chrome, unit as written)."""
from __future__ import annotations

import math
from itertools import repeat

import numpy as np

QUALIFIER_WORDS = {
    "exact": "", "about": "about ", "more_than": "more than ", "at_least": "at least ",
    "less_than": "less than ", "up_to": "up to ", "almost": "almost ",
}


def num(x: float) -> str:
    """28000 → "28,000"; 10227000 → "10,227,000"; 2.5 → "2.5"; 1/3 → "0.3333"; inf → "∞"."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "?"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if abs(x) >= 1e15:
        return f"{x:.4g}"
    if float(x).is_integer():
        return f"{int(x):,}"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.4g}"


def interval(lo: float, hi: float, lo_open: bool = False, hi_open: bool = False, unit: str = "") -> str:
    """"[27,500, 28,500] shell/day", "(650,000, ∞) soldier", "2,000 USD/soldier/month"."""
    suffix = f" {unit}" if unit else ""
    if lo == hi and not lo_open and not hi_open:
        return f"{num(lo)}{suffix}"
    left = "(" if lo_open or math.isinf(lo) else "["
    right = ")" if hi_open or math.isinf(hi) else "]"
    return f"{left}{num(lo)}, {num(hi)}{right}{suffix}"


def stated(figure) -> str:
    """A figure as stated, in the report's English: "about 11,000 soldier", "8,000–15,000 soldier"."""
    amount = num(figure.low) if figure.low == figure.high else f"{num(figure.low)}–{num(figure.high)}"
    return f"{QUALIFIER_WORDS.get(figure.qualifier, '')}{amount} {figure.unit}"


def percent(x: float) -> str:
    if math.isinf(x):
        return "∞"
    return f"{x * 100:.1f} %" if x < 10 else f"{x:.0f}×"


def source_label(source) -> str:
    """"s002 «Nordkorea schickt …» (2025-04-28)"."""
    title = f" «{source.title}»" if source.title else ""
    date = f" ({source.published.isoformat()})" if source.published else ""
    return f"{source.id}{title}{date}"


def quote_line(corpus, item) -> str:
    """The verbatim quote a figure or relation rests on, with who says it and where."""
    source = corpus.sources.get(item.source)
    who = getattr(item, "attributed_to", "")
    by = f", according to {who}" if who else ""
    where = source_label(source) if source else item.source
    return f"«{item.quote}» — {where}{by}"


def figure_line(corpus, table, fid: str) -> str:
    """"nk_sent_2024_s002: about 11.000 soldier, 2024 → [10,500, 11,500] soldier"."""
    f = corpus.figures[fid]
    row = table.df.iloc[table.row_of(fid)]
    iv = interval(row["unit_low"], row["unit_high"], bool(row["low_open"]), bool(row["high_open"]), f.unit)
    return f"{fid}: {stated(f)}, {f.period} → {iv}"


# --- the same, as columns: for rules that report thousands of findings ------------------------

def nums(values) -> list[str]:
    """num() of each value of an array: the cases sorted out as columns, then one format per
    case mapped over its values (",.0f" writes a whole float as int() with "," would)."""
    x = np.asarray(values, dtype=float)
    out = np.empty(len(x), dtype=object)
    finite = np.isfinite(x)
    size = np.abs(np.where(finite, x, 0.0))
    whole = finite & (size < 1e15) & ((x == np.floor(np.where(finite, x, 0.0))) | (size >= 1000))
    short = finite & ~whole
    if whole.any():
        # integral values (most) as ints: "," on an int is the same text as ",.0f" on its float,
        # and quicker; the others (>= 1000 with a fraction) rounded by ",.0f" (-0.0 + 0.0 is 0.0,
        # which int() would have made of it)
        integral = whole & (x == np.floor(np.where(finite, x, 0.0)))
        out[integral] = list(map(format, x[integral].astype(np.int64).tolist(), repeat(",")))
        rounded = whole & ~integral
        if rounded.any():
            out[rounded] = list(map(format, (x[rounded] + 0.0).tolist(), repeat(",.0f")))
    if short.any():
        out[short] = list(map(format, x[short].tolist(), repeat(".4g")))
    if not finite.all():
        out[np.isnan(x)] = "?"
        out[x == np.inf] = "∞"
        out[x == -np.inf] = "−∞"
    return out.tolist()


def intervals(lo, hi, lo_open, hi_open, units) -> list[str]:
    """interval() of each row; `units` one unit text for all rows or one per row."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    lo_open = np.asarray(lo_open, dtype=bool)
    hi_open = np.asarray(hi_open, dtype=bool)
    n = len(lo)
    suffixes = [f" {u}" if u else "" for u in units] if not isinstance(units, str) else [f" {units}" if units else ""] * n
    points = (lo == hi) & ~lo_open & ~hi_open
    point = points.tolist()
    lefts = np.where(lo_open | np.isinf(lo), "(", "[").tolist()
    rights = np.where(hi_open | np.isinf(hi), ")", "]").tolist()
    # a point shows no high end: it is not formatted (NaN costs nothing to write)
    los, his = nums(lo), nums(np.where(points, np.nan, hi))
    return [f"{a}{s}" if p else f"{left}{a}, {b}{right}{s}"
            for a, b, s, p, left, right in zip(los, his, suffixes, point, lefts, rights)]


def percents(values) -> list[str]:
    """percent() of each value of an array: one format mapped over each case's values."""
    x = np.asarray(values, dtype=float)
    out = np.empty(len(x), dtype=object)
    infinite = np.isinf(x)
    small = ~infinite & (x < 10)
    large = ~infinite & ~small           # NaN too, as percent() writes it ("nan×")
    out[infinite] = "∞"
    if small.any():
        with np.errstate(over="ignore"):     # -1e308 * 100 is -inf, as in Python
            scaled = x[small] * 100
        out[small] = [s + " %" for s in map(format, scaled.tolist(), repeat(".1f"))]
    if large.any():
        out[large] = [s + "×" for s in map(format, x[large].tolist(), repeat(".0f"))]
    return out.tolist()


def figure_cells(corpus, table, rows, column: str) -> list:
    """A figure-frame column ("quote", "period_text", ...) at table rows: from the frame when its
    rows are the table's (the loaders' corpora), else from the records (a hand-built corpus)."""
    from .frames import FigureFrame, cells

    rows = np.asarray(rows, dtype=np.int64)
    figures = corpus.figures
    if isinstance(figures, FigureFrame) and len(figures) == len(table):
        return cells(figures.df[column])[rows].tolist()
    ids = cells(table.df["id"])[rows]
    attribute = {"period_text": lambda f: f.period.text}.get(column, lambda f: getattr(f, column))
    return [attribute(figures[i]) for i in ids]


def figure_lines(corpus, table, rows) -> list[str]:
    """figure_line() of the figures at table rows, gathered from columns."""
    from .frames import cells

    rows = np.asarray(rows, dtype=np.int64)
    df = table.df
    ids = cells(df["id"])[rows].tolist()
    units = df["unit"].to_numpy()[rows].tolist()
    qualifiers = df["qualifier"].to_numpy()[rows].tolist()
    low, high = df["value_low"].to_numpy()[rows], df["value_high"].to_numpy()[rows]
    same = low == high
    lows, highs = nums(low), nums(np.where(same, np.nan, high))   # the high end shown only where it differs
    same = same.tolist()
    periods = figure_cells(corpus, table, rows, "period_text")
    ivs = intervals(df["unit_low"].to_numpy()[rows], df["unit_high"].to_numpy()[rows],
                    df["low_open"].to_numpy()[rows], df["high_open"].to_numpy()[rows], units)
    words = QUALIFIER_WORDS
    return [f"{fid}: {words.get(q, '')}{a if s else f'{a}–{b}'} {u}, {p} → {iv}"
            for fid, q, a, b, s, u, p, iv in zip(ids, qualifiers, lows, highs, same, units, periods, ivs)]


def figure_quote_lines(corpus, table, rows) -> tuple[list[str], list[str]]:
    """(quote, quote_line()) of the figures at table rows, gathered from columns."""
    rows = np.asarray(rows, dtype=np.int64)
    quotes = figure_cells(corpus, table, rows, "quote")
    sources = figure_cells(corpus, table, rows, "source")
    who = figure_cells(corpus, table, rows, "attributed_to")
    labels = source_labels(corpus, sources)
    return quotes, [f"«{q}» — {where}{f', according to {w}' if w else ''}"
                    for q, where, w in zip(quotes, labels, who)]


def source_labels(corpus, source_ids) -> list[str]:
    """quote_line()'s "where" for each source id: its label, or the id of a source not in the corpus."""
    sources = corpus.sources
    labels: dict = {}
    for s in dict.fromkeys(source_ids):     # each source labelled once, then gathered
        source = sources.get(s)
        labels[s] = source_label(source) if source else s
    return list(map(labels.__getitem__, source_ids))
