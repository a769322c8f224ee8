"""Arithmetic (A): relations an article asserts, evaluated in interval arithmetic with units."""
from __future__ import annotations

import numpy as np

from figcheck import display
from figcheck.intervals import Intervals, gap, holds
from figcheck.rules import Example, Hit, rule

# Common slips, most plausible first: (factor on the left side, the sides' likely confusion).
SLIPS = (
    (12.0, "×12", "month vs year"), (1 / 12, "÷12", "month vs year"),
    (365.25, "×365", "day vs year"), (1 / 365.25, "÷365", "day vs year"),
    (7.0, "×7", "day vs week"), (1 / 7.0, "÷7", "day vs week"),
    (1000.0, "×1000", "a scale word one step off: thousand/million/billion, or Milliarde vs billion"),
    (1 / 1000.0, "÷1000", "a scale word one step off: thousand/million/billion, or Milliarde vs billion"),
    (100.0, "×100", "percent vs fraction"), (1 / 100.0, "÷100", "percent vs fraction"),
    (1e6, "×1,000,000", "a scale word two steps off: thousand vs billion"),
    (1e-6, "÷1,000,000", "a scale word two steps off: thousand vs billion"),
)

_SOURCE_TEXT = ("Russland feuert täglich etwa 28.000 Artilleriegranaten ab, was etwa 10 Millionen pro Jahr "
                "entspricht. Nordkoreanische Soldaten sollen ein monatliches Gehalt von 2.000 Dollar erhalten, "
                "was bei 10.000 Soldaten 24 Millionen Dollar pro Jahr kostet.")

_SHELLS = '''
[quantity.shell_use]
kind = "flow"
unit = "shell/year"

[[figure]]
id = "per_day"
source = "s1"
quote = "täglich etwa 28.000 Artilleriegranaten"
value = "28.000"
qualifier = "about"
unit = "shell/day"
quantity = "shell_use"

[[figure]]
id = "per_year"
source = "s1"
quote = "was etwa 10 Millionen pro Jahr"
value = "10 Millionen"
qualifier = "about"
unit = "{year_unit}"
quantity = "shell_use"

[[relation]]
id = "day_is_year"
source = "s1"
expr = "per_day == per_year"
quote = "was etwa 10 Millionen pro Jahr entspricht"
'''

_COST = '''
[quantity.salary]
kind = "flow"
unit = "USD/soldier/month"
[quantity.troops]
kind = "stock"
unit = "soldier"
[quantity.cost]
kind = "flow"
unit = "USD/year"

[[figure]]
id = "salary"
source = "s1"
quote = "ein monatliches Gehalt von 2.000 Dollar"
value = "2.000"
unit = "USD/soldier/month"
quantity = "salary"

[[figure]]
id = "troops"
source = "s1"
quote = "bei 10.000 Soldaten"
value = "10.000"
unit = "soldier"
quantity = "troops"

[[figure]]
id = "cost"
source = "s1"
quote = "24 Millionen Dollar pro Jahr"
value = "24 Millionen"
unit = "USD/year"
quantity = "cost"

[[relation]]
id = "cost_adds_up"
source = "s1"
expr = "{expr}"
quote = "was bei 10.000 Soldaten 24 Millionen Dollar pro Jahr kostet"
'''


def _rows(ctx, want_mismatch: bool):
    """(group, row index) of every evaluated relation that fails (or mixes dimensions)."""
    for group in ctx.relation_results:
        if want_mismatch:
            rows = np.flatnonzero(group.mismatch)
        else:
            rows = np.flatnonzero(~group.mismatch & ~group.holds)
        for i in rows:
            yield group, int(i)


def _side_text(ctx, node, iv: Intervals, i: int, unit) -> str:
    """A side's interval in its natural unit, e.g. "[239,500,000, 240,500,000] USD/year"."""
    factor = _factor(unit)
    u = _unit_text(unit)
    return display.interval(iv.lo[i] / factor, iv.hi[i] / factor, bool(iv.lo_open[i]), bool(iv.hi_open[i]), u)


def _factor(unit) -> float:
    return float((1 * unit).to_base_units().magnitude)


def _unit_text(unit) -> str:
    text = str(unit) if str(unit) != "dimensionless" else ""
    return text.replace(" ", "")


def _natural_units(ctx, relation):
    from figcheck.relations import unit_of

    units = {fid: f.unit for fid, f in ctx.corpus.figures.items()}
    try:
        return unit_of(relation.tree.left, units), unit_of(relation.tree.right, units)
    except Exception:  # a unit pint cannot combine: the message falls back to base units
        from figcheck.units import registry

        return registry().dimensionless, registry().dimensionless


def _relation_details(ctx, relation, group, i, left_unit, right_unit) -> list[str]:
    from figcheck.relations import render

    corpus = ctx.corpus
    names = relation.tree.names()
    lines = [f"{relation.id}: {relation.expr}"]
    for fid in dict.fromkeys(n for n in names if n in corpus.figures):
        lines.append("  " + display.figure_line(corpus, ctx.table, fid))
    lines.append(f"  left  {render(relation.tree.left)} = {_side_text(ctx, relation.tree.left, group.left, i, left_unit)}")
    if _unit_text(left_unit) != _unit_text(right_unit) and left_unit.dimensionality == right_unit.dimensionality:
        lines.append(f"        = {_side_text(ctx, None, group.left, i, right_unit)}")
    lines.append(f"  right {render(relation.tree.right)} = {_side_text(ctx, relation.tree.right, group.right, i, right_unit)}")
    if relation.quote:
        lines.append(display.quote_line(corpus, relation))
    for fid in dict.fromkeys(n for n in names if n in corpus.figures):
        f = corpus.figures[fid]
        if f.quote and f.quote not in relation.quote:
            lines.append(display.quote_line(corpus, f))
    return lines


@rule("A001", "relation-does-not-hold", "error",
      failing=Example(_SHELLS.replace("{year_unit}", "shell/month"), _SOURCE_TEXT),
      passing=Example(_SHELLS.replace("{year_unit}", "shell/year"), _SOURCE_TEXT))
def relation_does_not_hold(ctx):
    """A relation the article asserts does not hold for any reading of its numbers.

    ## What it does
    Evaluates each `[[relation]]` in interval arithmetic with units: every figure is the
    interval its written form allows (see the interval table), and `A == B` holds when the
    two sides share a point, `A < B` when some point of A lies below some point of B.

    ## Why is this bad?
    If no reading of the stated numbers makes the article's own arithmetic work, one of
    the numbers, units or periods is wrong. Where the relation would hold after a common slip
    (×12 month/year, ×365 day/year, ×7, ×1000 scale words, ×100 percent) the finding names it.

    ## Example
    28,000 shells a day "which is about 10 million a month": 28,000 × 30.4 = 852,000 a month.

    ## Use instead
    Check the quote: "10 Millionen pro Jahr" is a year, and 28,000 × 365.25 ≈ 10.2 M holds.
    """
    for group, i in _rows(ctx, want_mismatch=False):
        relation = ctx.corpus.relations[group.ids[i]]
        left_unit, right_unit = _natural_units(ctx, relation)
        one = group.left.take([i]), group.right.take([i])
        if one[0].empty[0] or one[1].empty[0]:
            yield Hit(f"relation {relation.id!r} is undefined: a division by a figure that can be zero",
                      figures=tuple(n for n in relation.tree.names() if n in ctx.corpus.figures),
                      relation=relation.id,
                      details=tuple(_relation_details(ctx, relation, group, i, left_unit, right_unit)),
                      headline=f"The arithmetic in “{relation.quote or relation.expr}” divides by zero.")
            continue
        absolute, relative = gap(*one)
        slip = next(((sym, why) for k, sym, why in SLIPS if holds(group.op, one[0].scale(k), one[1])[0]), None)
        factor = _factor(right_unit)
        unit = _unit_text(right_unit)
        message = (f"{relation.expr}: left {_side_text(ctx, None, group.left, i, right_unit)} "
                   f"{'does not meet' if group.op == '==' else 'is not ' + group.op} right "
                   f"{_side_text(ctx, None, group.right, i, right_unit)}; "
                   f"apart by {display.num(absolute[0] / factor)} {unit} ({display.percent(relative[0])})")
        details = _relation_details(ctx, relation, group, i, left_unit, right_unit)
        if slip:
            message += f"; it would hold with the left side {slip[0]} ({slip[1]})"
            details.append(f"Likely slip: {slip[1]} — the relation holds with the left side {slip[0]}.")
        yield Hit(message, figures=tuple(dict.fromkeys(n for n in relation.tree.names() if n in ctx.corpus.figures)),
                  relation=relation.id, details=tuple(details),
                  data={"gap": float(absolute[0] / factor), "gap_unit": unit, "relative_gap": float(relative[0]),
                        "slip": slip[0] if slip else None, "slip_reason": slip[1] if slip else None, "op": group.op,
                        "left": [float(group.left.lo[i] / factor), float(group.left.hi[i] / factor)],
                        "right": [float(group.right.lo[i] / factor), float(group.right.hi[i] / factor)]},
                  headline=(f"The arithmetic in “{relation.quote or relation.expr}” does not add up"
                            + (f" — probably {slip[1]} ({slip[0]})." if slip else ".")))


@rule("A002", "relation-mixes-dimensions", "error",
      failing=Example(_COST.replace("{expr}", "salary * troops == troops"), _SOURCE_TEXT),
      passing=Example(_COST.replace("{expr}", "salary * troops == cost"), _SOURCE_TEXT))
def relation_mixes_dimensions(ctx):
    """A relation adds, subtracts or compares quantities of different dimensions.

    ## What it does
    Tracks the dimension of every sub-expression (soldiers, shells and currencies are
    dimensions of their own; `USD/soldier/month × soldier = USD/month`) and flags a relation
    whose `+`, `-` or comparison meets two different dimensions.

    ## Why is this bad?
    Shells compared with soldiers, or dollars with dollars per month, is never a number a
    reader can check: the relation or a unit in the figures file is wrong.

    ## Example
    `salary * troops == troops` compares USD/time with soldiers.

    ## Use instead
    `salary * troops == cost`, where cost is in USD/year.
    """
    from figcheck.units import dimension_words

    for group, i in _rows(ctx, want_mismatch=True):
        relation = ctx.corpus.relations[group.ids[i]]
        a, b = group.mismatch_at[i] or ("?", "?")
        yield Hit(f"{relation.expr}: {dimension_words(a)} meets {dimension_words(b)}",
                  figures=tuple(dict.fromkeys(n for n in relation.tree.names() if n in ctx.corpus.figures)),
                  relation=relation.id,
                  details=tuple([f"{relation.id}: {relation.expr}"]
                                + ["  " + display.figure_line(ctx.corpus, ctx.table, n)
                                   for n in dict.fromkeys(relation.tree.names()) if n in ctx.corpus.figures]
                                + ([display.quote_line(ctx.corpus, relation)] if relation.quote else [])),
                  data={"dimensions": [a, b]},
                  headline=f"“{relation.quote or relation.expr}” compares {dimension_words(a)} with {dimension_words(b)}.")
