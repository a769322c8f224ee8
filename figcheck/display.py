"""How numbers, intervals and figures read in messages (English chrome, unit as written)."""
from __future__ import annotations

import math

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
    row = table.df.iloc[table.row[fid]]
    iv = interval(row["unit_low"], row["unit_high"], bool(row["low_open"]), bool(row["high_open"]), f.unit)
    return f"{fid}: {stated(f)}, {f.period} → {iv}"
