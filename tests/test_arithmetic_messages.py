"""A001/A002 build their messages as columns; every hit must read exactly as the per-relation
implementation they replaced wrote it. That implementation is kept here, unchanged, as the
reference: it built one relation record, its pint units and its lines at a time."""
from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pytest

from figcheck import display
from figcheck.intervals import gap, holds
from figcheck.load import load
from figcheck.rules import REGISTRY, Context
from figcheck.engine import discover
from figcheck.table import FigureTable

from conftest import generated_archive

ROOT = Path(__file__).resolve().parent.parent


# --- the reference: the per-relation implementation, as it was --------------------------------

def _rows(ctx, want_mismatch: bool):
    for group in ctx.relation_results:
        rows = np.flatnonzero(group.mismatch) if want_mismatch else np.flatnonzero(~group.mismatch & ~group.holds)
        for i in rows:
            yield group, int(i)


def _factor(unit) -> float:
    return float((1 * unit).to_base_units().magnitude)


def _unit_text(unit) -> str:
    text = str(unit) if str(unit) != "dimensionless" else ""
    return text.replace(" ", "")


def _side_text(iv, i, unit) -> str:
    factor = _factor(unit)
    return display.interval(iv.lo[i] / factor, iv.hi[i] / factor, bool(iv.lo_open[i]), bool(iv.hi_open[i]),
                            _unit_text(unit))


def _natural_units(ctx, relation):
    from figcheck.relations import unit_of

    figures = ctx.corpus.figures
    units = {fid: figures[fid].unit for fid in relation.tree.names() if fid in figures}
    try:
        return unit_of(relation.tree.left, units), unit_of(relation.tree.right, units)
    except Exception:
        from figcheck.units import registry

        return registry().dimensionless, registry().dimensionless


def _relation_details(ctx, relation, group, i, left_unit, right_unit):
    from figcheck.relations import render

    corpus = ctx.corpus
    names = relation.tree.names()
    lines = [f"{relation.id}: {relation.expr}"]
    for fid in dict.fromkeys(n for n in names if n in corpus.figures):
        lines.append("  " + display.figure_line(corpus, ctx.table, fid))
    lines.append(f"  left  {render(relation.tree.left)} = {_side_text(group.left, i, left_unit)}")
    if _unit_text(left_unit) != _unit_text(right_unit) and left_unit.dimensionality == right_unit.dimensionality:
        lines.append(f"        = {_side_text(group.left, i, right_unit)}")
    lines.append(f"  right {render(relation.tree.right)} = {_side_text(group.right, i, right_unit)}")
    if relation.quote:
        lines.append(display.quote_line(corpus, relation))
    for fid in dict.fromkeys(n for n in names if n in corpus.figures):
        f = corpus.figures[fid]
        if f.quote and f.quote not in relation.quote:
            lines.append(display.quote_line(corpus, f))
    return lines


def reference_a001(ctx):
    from figcheck.checks.arithmetic import SLIPS

    for group, i in _rows(ctx, want_mismatch=False):
        relation = ctx.corpus.relations[group.ids[i]]
        left_unit, right_unit = _natural_units(ctx, relation)
        one = group.left.take([i]), group.right.take([i])
        if one[0].empty[0] or one[1].empty[0]:
            yield dict(message=f"relation {relation.id!r} is undefined: a division by a figure that can be zero",
                       figures=tuple(n for n in relation.tree.names() if n in ctx.corpus.figures),
                       relation=relation.id,
                       details=tuple(_relation_details(ctx, relation, group, i, left_unit, right_unit)),
                       data={},
                       headline=f"The arithmetic in “{relation.quote or relation.expr}” divides by zero.")
            continue
        absolute, relative = gap(*one)
        slip = next(((sym, why) for k, sym, why in SLIPS if holds(group.op, one[0].scale(k), one[1])[0]), None)
        factor = _factor(right_unit)
        unit = _unit_text(right_unit)
        message = (f"{relation.expr}: left {_side_text(group.left, i, right_unit)} "
                   f"{'does not meet' if group.op == '==' else 'is not ' + group.op} right "
                   f"{_side_text(group.right, i, right_unit)}; "
                   f"apart by {display.num(absolute[0] / factor)} {unit} ({display.percent(relative[0])})")
        details = _relation_details(ctx, relation, group, i, left_unit, right_unit)
        if slip:
            message += f"; it would hold with the left side {slip[0]} ({slip[1]})"
            details.append(f"Likely slip: {slip[1]} — the relation holds with the left side {slip[0]}.")
        yield dict(message=message,
                   figures=tuple(dict.fromkeys(n for n in relation.tree.names() if n in ctx.corpus.figures)),
                   relation=relation.id, details=tuple(details),
                   data={"gap": float(absolute[0] / factor), "gap_unit": unit, "relative_gap": float(relative[0]),
                         "slip": slip[0] if slip else None, "slip_reason": slip[1] if slip else None,
                         "op": group.op,
                         "left": [float(group.left.lo[i] / factor), float(group.left.hi[i] / factor)],
                         "right": [float(group.right.lo[i] / factor), float(group.right.hi[i] / factor)]},
                   headline=(f"The arithmetic in “{relation.quote or relation.expr}” does not add up"
                             + (f" — probably {slip[1]} ({slip[0]})." if slip else ".")))


def reference_a002(ctx):
    from figcheck.units import dimension_words

    for group, i in _rows(ctx, want_mismatch=True):
        relation = ctx.corpus.relations[group.ids[i]]
        a, b = group.mismatch_at[i] or ("?", "?")
        yield dict(message=f"{relation.expr}: {dimension_words(a)} meets {dimension_words(b)}",
                   figures=tuple(dict.fromkeys(n for n in relation.tree.names() if n in ctx.corpus.figures)),
                   relation=relation.id,
                   details=tuple([f"{relation.id}: {relation.expr}"]
                                 + ["  " + display.figure_line(ctx.corpus, ctx.table, n)
                                    for n in dict.fromkeys(relation.tree.names()) if n in ctx.corpus.figures]
                                 + ([display.quote_line(ctx.corpus, relation)] if relation.quote else [])),
                   data={"dimensions": [a, b]},
                   headline=f"“{relation.quote or relation.expr}” compares {dimension_words(a)} with {dimension_words(b)}.")


# --- the comparison ----------------------------------------------------------------------------

def _as_dicts(hits):
    return [dict(message=h.message, figures=tuple(h.figures), relation=h.relation, details=tuple(h.details),
                 data=dict(h.data), headline=h.headline) for h in hits]


def _assert_same_hits(corpus, minimum: dict):
    discover()
    ctx = Context(corpus, FigureTable.from_corpus(corpus))
    for code, reference in (("A001", reference_a001), ("A002", reference_a002)):
        new = _as_dicts(REGISTRY[code].check(ctx))
        old = list(reference(ctx))
        assert len(new) >= minimum.get(code, 0)
        assert len(new) == len(old)
        for a, b in zip(new, old):
            assert a == b




@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """~3,000 generated figures with a fifth planted, as CSV and as TOML."""
    root = tmp_path_factory.mktemp("msg")
    generated_archive(root, 3000, seed=7, planted_rate=0.2, sources_per_file=30)
    return root


@pytest.mark.parametrize("form", ["csv", "toml"])
def test_generated_corpus_messages_equal_the_per_relation_ones(generated, form):
    paths = [generated / "csv"] if form == "csv" else sorted((generated / "toml").glob("*.toml"))
    _assert_same_hits(load(paths, use_cache=False), {"A001": 40})


def test_seed_corpus_messages_equal_the_per_relation_ones():
    _assert_same_hits(load([ROOT / "figures.toml"], use_cache=False), {})


MIXED = '''
[[source]]
id = "s1"
file = "a.txt"
title = "Artikel"
published = 2025-01-15
language = "de"

[[source]]
id = "s2"
file = "b.txt"
published = 2025-02-01
language = "de"

[quantity.use]
kind = "flow"
unit = "shell/year"
[quantity.rate]
kind = "flow"
unit = "USD/soldier/month"
[quantity.troops]
kind = "stock"
unit = "soldier"
[quantity.cost]
kind = "flow"
unit = "USD/year"
[quantity.share]
kind = "stock"
unit = "percent"

[[figure]]
id = "per_day"
source = "s1"
quote = "täglich etwa 28.000 Granaten"
value = "28.000"
qualifier = "about"
unit = "shell/day"
quantity = "use"
attributed_to = "Geheimdienst"

[[figure]]
id = "per_month"
source = "s2"
quote = "10 Millionen im Monat"
value = "10 Millionen"
unit = "shell/month"
quantity = "use"

[[figure]]
id = "per_year"
source = "s1"
quote = "mehr als 12 Millionen"
value = "12 Millionen"
qualifier = "more_than"
unit = "shell/year"
quantity = "use"

[[figure]]
id = "salary"
source = "s1"
quote = "2.000 Dollar"
value = "2.000"
unit = "USD/soldier/month"
quantity = "rate"

[[figure]]
id = "troops"
source = "s1"
quote = "bis zu 10.000 Soldaten"
value = "10.000"
qualifier = "up_to"
unit = "soldier"
quantity = "troops"

[[figure]]
id = "none"
source = "s1"
quote = "bis zu 3 Soldaten"
value = "3"
qualifier = "up_to"
unit = "soldier"
quantity = "troops"

[[figure]]
id = "cost"
source = "s2"
quote = "24 Millionen Dollar"
value = "24 Millionen"
unit = "USD/year"
quantity = "cost"

[[figure]]
id = "pct"
source = "s1"
quote = "40 Prozent"
value = "40"
unit = "percent"
quantity = "share"
'''

RELATIONS = [
    ("per_day == per_month", "was etwa 10 Millionen im Monat sind"),   # month vs day, a convert line
    ("per_day * 30 == per_month", ""),                                 # an int constant
    ("per_day * 30.5 == per_month * 1", ""),                           # float constants
    ("per_day * day == per_month * month", ""),                        # unit names as leaves
    ("per_year < per_day", "10 Millionen"),                            # a comparison; quote holds one figure's
    ("per_year <= per_month", ""),
    ("per_month >= per_year", ""),
    ("per_month > per_year + per_day", ""),
    ("salary * troops == cost", "24 Millionen Dollar"),
    ("salary * troops * 12 == cost * year", ""),
    ("cost / none == salary", ""),                                     # division by a figure that can be 0
    ("cost / (troops - troops) == salary", ""),
    ("per_day + per_day == per_day", ""),                              # one figure three times
    ("-per_day == -per_month", ""),
    ("salary * troops == troops", "eine Mischung"),                    # A002
    ("per_day + troops == per_day", ""),                               # A002 inside a side
    ("pct == troops", ""),                                             # A002 against dimensionless
    ("pct == 40", ""),                                                 # holds: percent is 0.4
    ("pct == 4", ""),                                                  # ×100
]


def test_hand_made_relations_read_as_before(tmp_path):
    text = "täglich etwa 28.000 Granaten 10 Millionen im Monat mehr als 12 Millionen 2.000 Dollar " \
           "bis zu 10.000 Soldaten bis zu 3 Soldaten 24 Millionen Dollar 40 Prozent was etwa 10 Millionen im Monat " \
           "sind eine Mischung"
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text(text, encoding="utf-8")
    body = MIXED + "".join(
        textwrap.dedent(f'''
        [[relation]]
        id = "r{k}"
        source = "s{1 + k % 2}"
        expr = "{expr}"
        quote = "{quote}"
        ''') for k, (expr, quote) in enumerate(RELATIONS))
    (tmp_path / "figures.toml").write_text(body, encoding="utf-8")
    corpus = load([tmp_path / "figures.toml"], use_cache=False)
    _assert_same_hits(corpus, {"A001": 10, "A002": 3})
    # and as a hand-built corpus (records in dicts, not frames)
    as_dicts = type(corpus)(corpus.files, corpus.sources, corpus.quantities, dict(corpus.figures.items()),
                            dict(corpus.relations.items()))
    _assert_same_hits(as_dicts, {"A001": 10, "A002": 3})
