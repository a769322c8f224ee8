"""Relation expressions: parsed into a small tree (never evaluated as code), then evaluated in
interval arithmetic with units — grouped by shape, so a million `a * b == c` run as arrays.

Grammar: figure ids, numbers, unit names, + - * / ( ), unary minus, exactly one of
== < <= > >=. Python's `ast` does the tokenising; a whitelist rejects everything else.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .intervals import Intervals, holds

COMPARISONS = {ast.Eq: "==", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
OPERATORS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}
MAX_LENGTH = 2000
MAX_DEPTH = 50


class RelationSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Leaf:
    kind: str          # "figure_or_unit" (a name) or "number"
    text: str
    value: float = 0.0


@dataclass(frozen=True)
class Op:
    op: str            # + - * / neg
    args: tuple


@dataclass(frozen=True)
class Comparison:
    op: str
    left: object
    right: object

    def leaves(self) -> list[Leaf]:
        out: list[Leaf] = []
        _collect(self.left, out)
        _collect(self.right, out)
        return out

    def names(self) -> list[str]:
        return [leaf.text for leaf in self.leaves() if leaf.kind == "name"]

    def shape(self) -> str:
        """The expression with every leaf replaced by a slot: relations of one shape evaluate together."""
        counter = iter(range(10**6))
        return f"{_shape(self.left, counter)}{self.op}{_shape(self.right, counter)}"


def _collect(node, out):
    if isinstance(node, Leaf):
        out.append(node)
    else:
        for a in node.args:
            _collect(a, out)


def _shape(node, counter) -> str:
    if isinstance(node, Leaf):
        return f"${next(counter)}"
    if node.op == "neg":
        return f"(-{_shape(node.args[0], counter)})"
    return f"({_shape(node.args[0], counter)}{node.op}{_shape(node.args[1], counter)})"


def parse_relation(expr: str) -> Comparison:
    """Parse `expr` or raise RelationSyntaxError saying what is not allowed."""
    if not isinstance(expr, str) or not expr.strip():
        raise RelationSyntaxError("empty expression")
    if len(expr) > MAX_LENGTH:
        raise RelationSyntaxError(f"expression longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(expr.strip(), mode="eval").body
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        msg = getattr(exc, "msg", None) or str(exc) or exc.__class__.__name__
        raise RelationSyntaxError(f"cannot parse {expr!r}: {msg}") from None
    if not isinstance(tree, ast.Compare):
        raise RelationSyntaxError("a relation needs one comparison: == < <= > >=")
    if len(tree.ops) != 1:
        raise RelationSyntaxError("a relation needs exactly one comparison (no chains like a < b < c)")
    op = COMPARISONS.get(type(tree.ops[0]))
    if op is None:
        raise RelationSyntaxError(f"comparison {ast.unparse(tree.ops[0]) if hasattr(ast, 'unparse') else ''} not allowed: use == < <= > >=")
    return Comparison(op, _convert(tree.left, 0), _convert(tree.comparators[0], 0))


def _convert(node, depth):
    if depth > MAX_DEPTH:
        raise RelationSyntaxError("expression nested too deeply")
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        return Op(OPERATORS[type(node.op)], (_convert(node.left, depth + 1), _convert(node.right, depth + 1)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _convert(node.operand, depth + 1)
        return inner if isinstance(node.op, ast.UAdd) else Op("neg", (inner,))
    if isinstance(node, ast.Name):
        return Leaf("name", node.id)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        value = float(node.value)
        if not np.isfinite(value):
            raise RelationSyntaxError("numbers must be finite")
        return Leaf("number", repr(node.value), value)
    what = {ast.Call: "function calls", ast.Attribute: "attributes", ast.Subscript: "subscripts",
            ast.Compare: "a second comparison", ast.Constant: "this constant",
            ast.BoolOp: "and/or", ast.Lambda: "lambdas"}.get(type(node), type(node).__name__)
    if isinstance(node, ast.BinOp):
        what = f"the operator {type(node.op).__name__}"
    raise RelationSyntaxError(f"{what} not allowed: only figure ids, numbers, units, + - * / ( )")


# --- evaluation -------------------------------------------------------------------------------

@dataclass
class Evaluated:
    """One shape group's result, row i belonging to relation ids[i]."""

    ids: list[str]
    op: str
    left: Intervals
    right: Intervals
    left_dim: np.ndarray        # (n, D) exponents
    right_dim: np.ndarray
    mismatch: np.ndarray        # bool: some + - or the comparison met unlike dimensions
    mismatch_at: list           # per row: None or (dimension a, dimension b) that met
    holds: np.ndarray


def _eval(node, slots, counter, dims_of):
    """Walk the shape tree once; every slot is a column over the group.

    Returns (intervals, dimension exponents, bad rows, {row: (dimension a, dimension b)}).
    """
    if isinstance(node, Leaf):
        k = next(counter)
        iv, dim = slots[k]
        return iv, dim, np.zeros(len(iv), bool), {}
    if node.op == "neg":
        iv, dim, bad, at = _eval(node.args[0], slots, counter, dims_of)
        return -iv, dim, bad, at
    a, da, bad_a, at_a = _eval(node.args[0], slots, counter, dims_of)
    b, db, bad_b, at_b = _eval(node.args[1], slots, counter, dims_of)
    bad = bad_a | bad_b
    at = {**at_b, **at_a}
    if node.op in "+-":
        unlike = np.any(da != db, axis=1)
        for i in np.flatnonzero(unlike & ~bad):
            at[int(i)] = (dims_of(da[i]), dims_of(db[i]))
        return (a + b if node.op == "+" else a - b), da, bad | unlike, at
    if node.op == "*":
        return a * b, da + db, bad, at
    return a / b, da - db, bad, at


def evaluate_group(shape_tree: Comparison, ids: list[str], slots, dims_of) -> Evaluated:
    """Evaluate one shape for every relation of the group; `slots[k]` = (Intervals, dims)."""
    counter = iter(range(10**6))
    left, ld, bad_l, at_l = _eval(shape_tree.left, slots, counter, dims_of)
    right, rd, bad_r, at_r = _eval(shape_tree.right, slots, counter, dims_of)
    bad = bad_l | bad_r
    at_rows = {**at_r, **at_l}
    unlike = np.any(ld != rd, axis=1)
    for i in np.flatnonzero(unlike & ~bad):
        at_rows[int(i)] = (dims_of(ld[i]), dims_of(rd[i]))
    at = [None] * len(ids)
    for i, pair in at_rows.items():
        at[i] = pair
    mismatch = bad | unlike
    ok = holds(shape_tree.op, left, right) & ~left.empty & ~right.empty
    return Evaluated(ids, shape_tree.op, left, right, ld, rd, mismatch, at, ok)


def unit_of(node, figure_units: dict[str, str]):
    """The pint unit of a side, for showing it in its natural unit (only for findings)."""
    from .units import registry

    ureg = registry()
    if isinstance(node, Leaf):
        if node.kind == "number":
            return ureg.dimensionless
        return ureg.parse_units(figure_units.get(node.text, node.text))
    if node.op == "neg":
        return unit_of(node.args[0], figure_units)
    a = unit_of(node.args[0], figure_units)
    b = unit_of(node.args[1], figure_units)
    if node.op == "*":
        return a * b
    if node.op == "/":
        return a / b
    return a


def render(node, names=lambda s: s) -> str:
    """The expression as text, with figure ids optionally replaced."""
    if isinstance(node, Comparison):
        return f"{render(node.left, names)} {node.op} {render(node.right, names)}"
    if isinstance(node, Leaf):
        return names(node.text) if node.kind == "name" else node.text
    if node.op == "neg":
        return f"-{render(node.args[0], names)}"
    a, b = render(node.args[0], names), render(node.args[1], names)
    return f"({a} {node.op} {b})" if node.op in "+-" else f"{a} {node.op} {b}"


# --- grouping by shape, as columns -------------------------------------------------------------

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NUMBER = r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)"


@dataclass
class ShapeGroup:
    """Relations of one expression shape: `tree`'s k-th leaf is column k of `leaves`.

    A name column holds figure ids or unit names (strings); a number column floats.
    """

    tree: Comparison
    rows: np.ndarray            # positions in the relation frame
    leaves: list                # one array per leaf, in the tree's leaf order


def _template_tree(template: str) -> Comparison | None:
    """The tree of a template like "@*@==@" (@ a name, # a number), or None if it is not one."""
    text = template.replace("@", " _n ").replace("#", " 1 ")
    try:
        tree = parse_relation(text)
    except RelationSyntaxError:
        return None
    if len(tree.leaves()) != template.count("@") + template.count("#"):
        return None
    return tree


def _extractor(template: str) -> str:
    parts = []
    for ch in template:
        if ch == "@":
            parts.append(rf"\s*({_NAME})")
        elif ch == "#":
            parts.append(rf"\s*({_NUMBER})")
        else:
            parts.append(r"\s*" + ("\\" + ch if ch in "+*()/.-<>=" else ch))
    return "^" + "".join(parts) + r"\s*$"


def group_relations(exprs: pd.Series) -> tuple[list[ShapeGroup], dict[int, str]]:
    """Parse a column of expressions once per distinct shape: (groups, {row: syntax error}).

    Names and numbers are replaced by slots (a column operation: pyarrow's regex kernels when
    pandas has them), each distinct template is parsed once, and the slots are extracted with
    one regex per template. Anything the templates do not cover exactly (unicode names,
    1e5, 0x10, a syntax error) is parsed row by row, which also gives its exact message.
    """
    exprs = exprs.reset_index(drop=True).astype(str)
    templates = (exprs.str.replace(_NAME, "@", regex=True)
                 .str.replace(_NUMBER, "#", regex=True)
                 .str.replace(r"\s+", "", regex=True))
    codes, uniques = pd.factorize(templates)
    groups: list[ShapeGroup] = []
    leftover: list[np.ndarray] = []
    for k, template in enumerate(uniques):
        rows = np.flatnonzero(codes == k) if len(uniques) > 1 else np.arange(len(exprs))
        tree = _template_tree(template) if len(template) <= MAX_LENGTH else None
        if tree is None:
            leftover.append(rows)
            continue
        slots = exprs.iloc[rows].str.extract(_extractor(template))
        ok = slots.notna().all(axis=1).to_numpy()
        if not ok.all():
            leftover.append(rows[~ok])
            rows, slots = rows[ok], slots[ok]
        leaves = []
        for leaf, col in zip(tree.leaves(), slots.columns):
            values = slots[col]
            leaves.append(values.to_numpy(dtype=object) if leaf.kind == "name" else values.astype(float).to_numpy())
        groups.append(ShapeGroup(tree, rows, leaves))
    errors: dict[int, str] = {}
    by_shape: dict[str, tuple] = {}
    for row in (np.concatenate(leftover) if leftover else []):
        try:
            tree = parse_relation(exprs.iloc[row])
        except RelationSyntaxError as exc:
            errors[int(row)] = str(exc)
            continue
        by_shape.setdefault(_shape_key(tree), (tree, []))[1].append((int(row), tree))
    for tree, members in by_shape.values():
        groups.append(groups_of_trees(tree, members))
    return groups, errors


def _shape_key(tree: Comparison) -> tuple:
    """Shape and leaf kinds: a group's columns hold one kind each (names or numbers)."""
    return tree.shape(), tuple(leaf.kind for leaf in tree.leaves())


def groups_of_trees(tree: Comparison, members: list[tuple[int, Comparison]]) -> ShapeGroup:
    """One shape group from parsed trees (the row-by-row path and hand-built corpora)."""
    rows = np.array([row for row, _ in members], dtype=np.int64)
    leaf_lists = [t.leaves() for _, t in members]
    leaves = []
    for k, leaf in enumerate(tree.leaves()):
        column = [ls[k] for ls in leaf_lists]
        if leaf.kind == "name":
            leaves.append(np.array([x.text for x in column], dtype=object))
        else:
            leaves.append(np.array([x.value for x in column], dtype=float))
    return ShapeGroup(tree, rows, leaves)


def shape_groups(relations) -> tuple[list[str], list[ShapeGroup]]:
    """(relation ids in row order, shape groups) for a RelationFrame or a dict of Relations."""
    from .frames import RelationFrame

    if isinstance(relations, RelationFrame):
        return relations.df["id"].tolist(), relations.groups
    ids = list(relations)
    by_shape: dict[str, tuple] = {}
    for row, rel in enumerate(relations.values()):
        by_shape.setdefault(_shape_key(rel.tree), (rel.tree, []))[1].append((row, rel.tree))
    return ids, [groups_of_trees(tree, members) for tree, members in by_shape.values()]


def evaluate_all(corpus, table) -> list[Evaluated]:
    """Every relation of the corpus, grouped by shape and evaluated as columns."""
    from .units import unit_info

    ids, groups = shape_groups(corpus.relations)
    ids = np.array(ids, dtype=object)
    figure_index = pd.Index(table.df["id"])
    base_dims = list(table.base_dims)
    # names that are not figures are units (the loader checked): resolved once per distinct name
    unit_names: set[str] = set()
    positions = []
    for g in groups:
        per_leaf = []
        for leaf, column in zip(g.tree.leaves(), g.leaves):
            if leaf.kind != "name":
                per_leaf.append(None)
                continue
            pos = figure_index.get_indexer(column)
            if (pos < 0).any():
                unit_names.update(pd.unique(column[pos < 0]).tolist())
            per_leaf.append(pos)
        positions.append(per_leaf)
    units = {u: unit_info(u) for u in sorted(unit_names)}
    extra = sorted({d for info in units.values() for d, _ in info.exponents} - set(base_dims))
    all_dims = base_dims + extra
    width = len(all_dims)
    col = {d: i for i, d in enumerate(all_dims)}
    fig_exp = np.zeros((len(table), width), dtype=np.int16)
    fig_exp[:, : len(base_dims)] = table.exponents
    figure_iv = table.intervals

    def dims_of(row) -> str:
        from .units import dimension_key

        return dimension_key(tuple((all_dims[i], int(p)) for i, p in enumerate(row) if p))

    results = []
    for g, per_leaf in zip(groups, positions):
        n = len(g.rows)
        slots = []
        for leaf, column, pos in zip(g.tree.leaves(), g.leaves, per_leaf):
            if pos is None:     # a number
                slots.append((Intervals.of(column, column), np.zeros((n, width), dtype=np.int16)))
                continue
            is_fig = pos >= 0
            sel = np.where(is_fig, pos, 0)
            lo = figure_iv.lo[sel].copy()
            hi = figure_iv.hi[sel].copy()
            lo_open = figure_iv.lo_open[sel] & is_fig
            hi_open = figure_iv.hi_open[sel] & is_fig
            exp = fig_exp[sel].copy()
            if not is_fig.all():   # unit names used as constants: few distinct
                names = column[~is_fig]
                codes, uniq = pd.factorize(names)
                factor = np.array([units[u].factor for u in uniq])[codes]
                unit_exp = np.zeros((len(uniq), width), dtype=np.int16)
                for i, u in enumerate(uniq):
                    for d, p in units[u].exponents:
                        unit_exp[i, col[d]] = p
                lo[~is_fig] = factor
                hi[~is_fig] = factor
                exp[~is_fig] = unit_exp[codes]
            slots.append((Intervals.of(lo, hi, lo_open, hi_open), exp))
        results.append(evaluate_group(g.tree, ids[g.rows].tolist(), slots, dims_of))
    return results
