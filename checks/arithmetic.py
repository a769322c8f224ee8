"""Arithmetic (A): relations an article asserts, evaluated in interval arithmetic with units."""
from __future__ import annotations

import numpy as np
import pandas as pd

from figcheck import display
from figcheck.frames import cells
from figcheck.intervals import gap, holds
from figcheck.relations import leaf_names, leaf_objects, parse_relation, render, render_slots, take_leaf
from figcheck.rules import Example, make_hit, rule
from figcheck.table import sorted_unique

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


def _failing(ctx, want_mismatch: bool):
    """(group, rows) of the evaluated relations that fail (or mix dimensions), group by group."""
    for group in ctx.relation_results:
        rows = np.flatnonzero(group.mismatch if want_mismatch else ~group.mismatch & ~group.holds)
        if len(rows):
            yield group, rows


def _factor(unit) -> float:
    return float((1 * unit).to_base_units().magnitude)


def _unit_text(unit) -> str:
    text = str(unit) if str(unit) != "dimensionless" else ""
    return text.replace(" ", "")


def _numbered(node, counter):
    """The tree with its k-th name leaf called "#k": a shape's leaves all share one placeholder name."""
    from figcheck.relations import Comparison, Leaf, Op

    if isinstance(node, Comparison):
        return Comparison(node.op, _numbered(node.left, counter), _numbered(node.right, counter))
    if isinstance(node, Leaf):
        return Leaf(node.kind, f"#{next(counter)}", node.value) if node.kind == "name" else node
    return Op(node.op, tuple(_numbered(a, counter) for a in node.args))


def _natural_units(tree, leaf_units):
    """(left unit, right unit) in pint of a relation whose name leaves have these unit texts."""
    from figcheck.relations import unit_of

    tree = _numbered(tree, iter(range(10**6)))
    units = {f"#{k}": u for k, u in enumerate(leaf_units)}
    try:
        return unit_of(tree.left, units), unit_of(tree.right, units)
    except Exception:  # a unit pint cannot combine: the message falls back to base units
        from figcheck.units import registry

        return registry().dimensionless, registry().dimensionless


def pint_unit_facts(tree, leaf_units) -> tuple:
    """(left factor, right factor, left unit text, right unit text, whether the left side is
    shown converted to the right's unit) of a relation whose name leaves have these unit texts."""
    left_unit, right_unit = _natural_units(tree, leaf_units)
    lu, ru = _unit_text(left_unit), _unit_text(right_unit)
    return (_factor(left_unit), _factor(right_unit), lu, ru,
            lu != ru and left_unit.dimensionality == right_unit.dimensionality)


def table_unit_facts(tree, leaf_units) -> tuple | None:
    """pint_unit_facts() worked out without pint (figcheck.unit_terms); None when a leaf's unit
    is not in the unit table."""
    from figcheck import unit_terms

    numbered = _numbered(tree, iter(range(10**6)))
    units = {f"#{k}": u for k, u in enumerate(leaf_units)}

    def unit_of_leaf(leaf):
        return units.get(leaf.text, leaf.text)

    left = unit_terms.side_terms(numbered.left, unit_of_leaf)
    right = unit_terms.side_terms(numbered.right, unit_of_leaf) if left is not None else None
    if right is None:
        return None
    lu, ru = unit_terms.text(left), unit_terms.text(right)
    return (unit_terms.factor(left), unit_terms.factor(right), lu, ru,
            lu != ru and unit_terms.dimensions(left) == unit_terms.dimensions(right))


class _UnitFacts:
    """Each prepared row's natural units, once per distinct combination of leaf units in its
    group. Without pint when every unit of every failing relation is in the unit table and pint
    has not been used yet in this process (its caches decide the last bit of a factor, and
    figcheck.unit_terms keeps them as pint would only while it answers alone); else by pint,
    for all of them. Decided once, before any of them is worked out."""

    def __init__(self, leaf_texts: set):
        from figcheck import unit_terms
        from figcheck.units import registry

        self.by_table = (registry.cache_info().currsize == 0
                         and all(unit_terms.unit_terms(u) is not None for u in leaf_texts))
        self.per_group: dict = {}

    def give(self, r: "_Rows") -> None:
        """r.set_units() with its rows' facts; a group's combinations worked out once across its parts."""
        per_combo = self.per_group.setdefault(id(r.group), {})
        for combo in r.combos:
            if combo not in per_combo:
                facts = table_unit_facts(r.group.tree, combo) if self.by_table else None
                per_combo[combo] = facts if facts is not None else pint_unit_facts(r.group.tree, combo)
        r.set_units([per_combo[c] for c in r.combos])


def _leaf_unit_texts(ctx, failing: list) -> set:
    """The unit texts the name leaves of these (group, rows) have, as _Rows.combos holds them:
    a figure's unit, or the name itself where it is a unit."""
    unit_column = ctx.table.df["unit"].to_numpy()
    texts: set = set()
    for group, rows in failing:
        for k, leaf in enumerate(group.tree.leaves()):
            if leaf.kind != "name":
                continue
            pos = group.positions[k][rows]
            unit = pos < 0 if len(unit_column) else np.ones(len(pos), bool)
            texts.update(pd.unique(unit_column[pos[~unit]]).tolist())
            if unit.any():
                texts.update(leaf_objects(group.leaves[k], rows[unit]).tolist())
    return texts


class _Rows:
    """What the messages of one shape group's failing rows are made of, gathered as columns:
    the relations' fields, their figures (table rows, in leaf order), each row's natural units,
    and the rendered sides. Units and unit factors are worked out once per distinct combination
    of the leaves' units, figure lines and quote lines once per figure."""

    def __init__(self, ctx, group, rows: np.ndarray, lines: "_FigureLines"):
        corpus, table = ctx.corpus, ctx.table
        self.group, self.rows, self.lines = group, rows, lines
        self.ids = group.ids[rows].tolist()      # (a TakenAt: only these rows' ids are read)
        self.expr, self.quote, self.source = _relation_cells(corpus, self.ids, group.rows[rows])
        tree = group.tree
        leaves = tree.leaves()
        unit_column = table.df["unit"].to_numpy()
        ids = cells(table.df["id"])
        figure_rows, leaf_units, leaf_texts, name_columns = [], [], [], []
        for k, leaf in enumerate(leaves):
            if leaf.kind != "name":
                leaf_texts.append(None)
                continue
            pos = group.positions[k][rows]
            names = leaf_names(take_leaf(group.leaves[k], rows), pos, ids)
            name_columns.append(names)
            figure_rows.append(pos)
            known = unit_column[np.maximum(pos, 0)] if len(unit_column) else names
            leaf_units.append(np.where(pos >= 0, known, names).tolist())
            leaf_texts.append(names.tolist())
        n = len(rows)
        _name(table, figure_rows, self.ids, group.rows[rows])
        # each row's figures in leaf order (-1 for a unit name), as plain lists
        self.figure_rows = np.stack(figure_rows, axis=1).tolist() if figure_rows else [[] for _ in range(n)]
        self.names = np.stack(name_columns, axis=1).tolist() if figure_rows else [[] for _ in range(n)]
        # each row's combination of leaf units: its natural units come from set_units()
        self.combos = list(zip(*leaf_units)) if leaf_units else [()] * n
        # the sides as written: one template per shape; numbers keep their text from the expression
        if all(leaf.kind == "name" for leaf in leaves):
            left_t, right_t = render_slots(tree)
            self.left_text = [left_t.format(*names) for names in self.names]
            self.right_text = [right_t.format(*names) for names in self.names]
        else:
            trees = [parse_relation(e) for e in self.expr]
            self.left_text = [render(t.left) for t in trees]
            self.right_text = [render(t.right) for t in trees]
        self.left, self.right = group.sides(rows)
        self._distinct()

    def set_units(self, unit_rows: list) -> None:
        """Each row's (left factor, right factor, left unit, right unit, convert), as
        pint_unit_facts() gives them."""
        self.left_factor = np.array([u[0] for u in unit_rows], dtype=float)
        self.right_factor = np.array([u[1] for u in unit_rows], dtype=float)
        self.left_unit = [u[2] for u in unit_rows]
        self.right_unit = [u[3] for u in unit_rows]
        self.convert = [u[4] for u in unit_rows]

    def _distinct(self) -> None:
        """Each row's figures, each once, in leaf order: as table rows (for the lines) and as
        ids (what the hit names). A row whose leaves are distinct figures (most) is taken as it
        is; only the others are deduplicated one by one."""
        n = len(self.rows)
        stacked = np.asarray(self.figure_rows, dtype=np.int64).reshape(n, -1)
        if not stacked.size:      # no figure leaves (or no rows)
            self._rows, self._figure_ids = [[] for _ in range(n)], [() for _ in range(n)]
            return
        ordered = np.sort(stacked, axis=1)
        plain = ~((ordered[:, 1:] == ordered[:, :-1]).any(axis=1) | (ordered[:, 0] < 0))
        self._rows = [row if ok else list(dict.fromkeys(p for p in row if p >= 0))
                      for row, ok in zip(self.figure_rows, plain.tolist())]
        self._figure_ids = [tuple(names) if ok else
                            tuple(dict.fromkeys(name for name, pos in zip(names, row) if pos >= 0))
                            for names, row, ok in zip(self.names, self.figure_rows, plain.tolist())]

    def figures(self, i: int) -> tuple:
        """The relation's figure ids, each once, in leaf order (what the hit names)."""
        return self._figure_ids[i]

    def all_details(self, left_natural: list, left_as_right: list, right_natural: list) -> list[list[str]]:
        """details(i, (left_natural[i], left_as_right[i], right_natural[i])) of every row, made a
        column at a time where a column serves (its head, its sides), the figure lines gathered
        by one map per row."""
        lines = self.lines
        indented, quotes, quote_lines, label = lines._indented_line, lines._quote, lines._quote_line, lines.label
        heads = [f"{rid}: {expr}" for rid, expr in zip(self.ids, self.expr)]
        lefts = [f"  left  {text} = {side}" for text, side in zip(self.left_text, left_natural)]
        rights = [f"  right {text} = {side}" for text, side in zip(self.right_text, right_natural)]
        out = []
        for head, rows, quote, source, left, convert, as_right, right in zip(
                heads, self._rows, self.quote, self.source, lefts, self.convert, left_as_right, rights):
            details = [head]
            details += map(indented.__getitem__, rows)
            details.append(left)
            if convert:
                details.append(f"        = {as_right}")
            details.append(right)
            if quote:
                details.append(f"«{quote}» — {label(source)}")
            for p in rows:
                q = quotes[p]
                if q and q not in quote:
                    details.append(quote_lines[p])
            out.append(details)
        return out

    def details(self, i: int, sides: tuple | None) -> list[str]:
        """The arithmetic shown line by line; `sides` (left in its unit, left in the right's
        unit, right) for a relation that was evaluated, None for one that mixes dimensions."""
        rows = self._rows[i]
        quote = self.quote[i]
        figure_line = self.lines._indented_line
        lines = [f"{self.ids[i]}: {self.expr[i]}"]
        lines += [figure_line[p] for p in rows]
        if sides is not None:
            lines.append(f"  left  {self.left_text[i]} = {sides[0]}")
            if self.convert[i]:
                lines.append(f"        = {sides[1]}")
            lines.append(f"  right {self.right_text[i]} = {sides[2]}")
        if quote:
            lines.append(f"«{quote}» — {self.lines.label(self.source[i])}")
        if sides is not None:
            quotes = self.lines._quote
            for p in rows:
                q = quotes[p]
                if q and q not in quote:
                    lines.append(self.lines._quote_line[p])
        return lines


class _FigureLines:
    """figure_line() and quote_line() per figure, built as columns for every figure asked for."""

    def __init__(self, ctx, rows_needed):
        self.ctx = ctx
        rows = sorted_unique(np.concatenate([np.asarray(r, dtype=np.int64) for r in rows_needed])) \
            if rows_needed else np.empty(0, dtype=np.int64)
        rows = rows[rows >= 0]
        lines = display.figure_lines(ctx.corpus, ctx.table, rows)
        quotes, quote_lines = display.figure_quote_lines(ctx.corpus, ctx.table, rows)
        keys = rows.tolist()
        # indented, as the details show them (line() takes the indent off): not kept twice
        self._indented_line = dict(zip(keys, ["  " + line for line in lines]))
        del lines
        self._quote = dict(zip(keys, quotes))
        self._quote_line = dict(zip(keys, quote_lines))
        self._labels = {}

    def line(self, row: int) -> str:
        return self._indented_line[row][2:]

    def quote(self, row: int) -> str:
        return self._quote[row]

    def quote_line(self, row: int) -> str:
        return self._quote_line[row]

    def label(self, source) -> str:
        label = self._labels.get(source)
        if label is None:     # display.source_labels of one source, without its list and dict
            record = self.ctx.corpus.sources.get(source)
            label = self._labels[source] = display.source_label(record) if record else source
        return label


def _name(table, figure_rows: list, relation_ids: list, relation_positions) -> None:
    """Tell the table which figures and relations the hits will name, and where they are."""
    if hasattr(table, "name_figures"):
        for pos in figure_rows:
            table.name_figures(pos)
        table.name_relations(relation_ids, relation_positions)


def _relation_cells(corpus, ids: list, positions: np.ndarray) -> tuple[list, list, list]:
    """(expr, quote, source) of each relation, from the relation frame's columns at the
    positions the evaluation kept (no lookup by id)."""
    from figcheck.frames import RelationFrame

    relations = corpus.relations
    if isinstance(relations, RelationFrame):
        df = relations.df
        return (df["expr"].iloc[positions].tolist(),    # (an archive's: arrow strings, gathered first)
                [q or "" for q in df["quote"].to_numpy()[positions].tolist()],
                df["source"].to_numpy()[positions].tolist())
    records = [relations[i] for i in ids]     # a hand-built corpus: a dict of records
    return [r.expr for r in records], [r.quote for r in records], [r.source for r in records]


# failing relations whose messages are made at once: the columns of one part are gone before
# the next part's are made, so a few thousand rows' lists are alive at a time, not every row's
PART = 2048


def _prepared(ctx, want_mismatch: bool):
    """Every failing shape group's rows, in parts of up to PART rows (each a _Rows, group by
    group, in row order), with the figure and quote lines of all of them built at once."""
    failing = list(_failing(ctx, want_mismatch))
    needed = [group.positions[k][rows] for group, rows in failing
              for k in range(len(group.positions or ())) if group.positions[k] is not None]
    lines = _FigureLines(ctx, needed)
    # a relation that mixes dimensions shows no sides: no units
    units = None if want_mismatch else _UnitFacts(_leaf_unit_texts(ctx, failing))
    for group, rows in failing:
        for start in range(0, len(rows), PART):
            r = _Rows(ctx, group, rows[start:start + PART], lines)
            if units is not None:
                units.give(r)
            yield r


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
    for r in _prepared(ctx, want_mismatch=False):
        op = r.group.op
        verb = "does not meet" if op == "==" else "is not " + op
        left, right = r.left, r.right
        with np.errstate(all="ignore"):
            undefined = (left.empty | right.empty).tolist()
            absolute, relative = gap(left, right)
            slip = np.full(len(r.rows), -1)
            for k, (factor, _, _) in enumerate(SLIPS):
                slip = np.where((slip < 0) & holds(op, left.scale(factor), right), k, slip)
            lf, rf = r.left_factor, r.right_factor
            left_lo, left_hi = left.lo / rf, left.hi / rf
            right_lo, right_hi = right.lo / rf, right.hi / rf
            gaps = absolute / rf
            left_natural = display.intervals(left.lo / lf, left.hi / lf, left.lo_open, left.hi_open, r.left_unit)
        left_as_right = display.intervals(left_lo, left_hi, left.lo_open, left.hi_open, r.right_unit)
        right_natural = display.intervals(right_lo, right_hi, right.lo_open, right.hi_open, r.right_unit)
        gap_texts, relative_texts = display.nums(gaps), display.percents(relative)
        numbers = zip(gaps.tolist(), relative.tolist(), left_lo.tolist(), left_hi.tolist(),
                      right_lo.tolist(), right_hi.tolist(), slip.tolist(),
                      r.all_details(left_natural, left_as_right, right_natural),
                      r.ids, r.expr, r.quote, r.right_unit, left_as_right, right_natural, gap_texts, relative_texts,
                      r._figure_ids, undefined)
        for i, (g, rel, llo, lhi, rlo, rhi, s, details, rid, expr, quote, unit, as_right, right_text, gap_text,
                relative_text, figures, is_undefined) in enumerate(numbers):
            if is_undefined:
                yield make_hit(f"relation {rid!r} is undefined: a division by a figure that can be zero",
                               figures=tuple(n for n, pos in zip(r.names[i], r.figure_rows[i]) if pos >= 0),
                               relation=rid, details=tuple(details),
                               headline=f"The arithmetic in “{quote or expr}” divides by zero.")
                continue
            message = (f"{expr}: left {as_right} {verb} right {right_text}; "
                       f"apart by {gap_text} {unit} ({relative_text})")
            # (s is -1 where no slip: the last entry of each per-slip list, the one for none)
            sym, why = _SLIP_WORDS[s]
            if sym:
                message += _SLIP_MESSAGE[s]
                details.append(_SLIP_DETAIL[s])
            yield make_hit(message, figures=figures, relation=rid, details=tuple(details),
                           data={"gap": g, "gap_unit": unit, "relative_gap": rel, "slip": sym, "slip_reason": why,
                                 "op": op, "left": [llo, lhi], "right": [rlo, rhi]},
                           headline=f"The arithmetic in “{quote or expr}” does not add up{_SLIP_HEADLINE[s]}")


# per slip of SLIPS (and last, for none): its words, and what the message, the details and the
# headline of A001 add for it
_SLIP_WORDS = [(sym, why) for _, sym, why in SLIPS] + [(None, None)]
_SLIP_MESSAGE = [f"; it would hold with the left side {sym} ({why})" for _, sym, why in SLIPS] + [""]
_SLIP_DETAIL = [f"Likely slip: {why} — the relation holds with the left side {sym}." for _, sym, why in SLIPS] + [""]
_SLIP_HEADLINE = [f" — probably {why} ({sym})." for _, sym, why in SLIPS] + ["."]


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

    words = {}
    for r in _prepared(ctx, want_mismatch=True):
        for i, row in enumerate(r.rows.tolist()):
            a, b = r.group.mismatch_at[row] or ("?", "?")
            for d in (a, b):
                if d not in words:
                    words[d] = dimension_words(d)
            expr, quote = r.expr[i], r.quote[i]
            yield make_hit(f"{expr}: {words[a]} meets {words[b]}",
                      figures=r.figures(i), relation=r.ids[i], details=tuple(r.details(i, None)),
                      data={"dimensions": [a, b]},
                      headline=f"“{quote or expr}” compares {words[a]} with {words[b]}.")
