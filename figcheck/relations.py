"""Relation expressions: parsed into a small tree (never evaluated as code), then evaluated in
interval arithmetic with units — grouped by shape, so a million `a * b == c` run as arrays.

Grammar: figure ids, numbers, unit names, + - * / ( ), unary minus, exactly one of
== < <= > >=. Python's `ast` does the tokenising; a whitelist rejects everything else.
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

import numpy as np

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
    elif isinstance(node, ast.Constant):
        # name the kind of constant: "this constant" does not tell the writer what to change
        what = {str: "strings", bytes: "bytes", bool: "True/False", complex: "complex numbers"}.get(
            type(node.value), "None/Ellipsis")
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
    """Walk the shape tree once; every slot is a column over the group."""
    if isinstance(node, Leaf):
        k = next(counter)
        iv, dim = slots[k]
        return iv, dim, np.zeros(len(iv), bool), [None] * len(iv)
    if node.op == "neg":
        iv, dim, bad, at = _eval(node.args[0], slots, counter, dims_of)
        return -iv, dim, bad, at
    a, da, bad_a, at_a = _eval(node.args[0], slots, counter, dims_of)
    b, db, bad_b, at_b = _eval(node.args[1], slots, counter, dims_of)
    bad = bad_a | bad_b
    at = [x or y for x, y in zip(at_a, at_b)]
    if node.op in "+-":
        unlike = np.any(da != db, axis=1)
        for i in np.flatnonzero(unlike & ~bad):
            at[i] = (dims_of(da[i]), dims_of(db[i]))
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
    at = [x or y for x, y in zip(at_l, at_r)]
    unlike = np.any(ld != rd, axis=1)
    for i in np.flatnonzero(unlike & ~bad):
        at[i] = (dims_of(ld[i]), dims_of(rd[i]))
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


def evaluate_all(corpus, table) -> list[Evaluated]:
    """Every relation of the corpus, grouped by shape and evaluated as columns."""
    from .units import unit_info

    groups: dict[str, list] = {}
    for rel in corpus.relations.values():
        groups.setdefault(rel.tree.shape(), []).append(rel)
    base_dims = list(table.base_dims)
    extra = sorted({d for rels in groups.values() for r in rels for leaf in r.tree.leaves()
                    if leaf.kind == "name" and leaf.text not in table.row
                    for d, _ in unit_info(leaf.text).exponents} - set(base_dims))
    all_dims = base_dims + extra
    width = len(all_dims)
    fig_exp = np.zeros((len(table), width), dtype=np.int16)
    fig_exp[:, : len(base_dims)] = table.exponents
    col = {d: i for i, d in enumerate(all_dims)}
    figure_iv = table.intervals

    def dims_of(row) -> str:
        from .units import dimension_key

        return dimension_key(tuple((all_dims[i], int(p)) for i, p in enumerate(row) if p))

    results = []
    for shape, rels in groups.items():
        trees = [r.tree.leaves() for r in rels]
        slots = []
        for k in range(len(trees[0])):
            leaves = [t[k] for t in trees]
            lo = np.empty(len(rels))
            hi = np.empty(len(rels))
            lo_open = np.zeros(len(rels), bool)
            hi_open = np.zeros(len(rels), bool)
            exp = np.zeros((len(rels), width), dtype=np.int16)
            is_fig = np.array([leaf.kind == "name" and leaf.text in table.row for leaf in leaves])
            rows = np.array([table.row[leaf.text] if f else 0 for leaf, f in zip(leaves, is_fig)], dtype=np.int64)
            if is_fig.any():
                sel = rows[is_fig]
                lo[is_fig] = figure_iv.lo[sel]
                hi[is_fig] = figure_iv.hi[sel]
                lo_open[is_fig] = figure_iv.lo_open[sel]
                hi_open[is_fig] = figure_iv.hi_open[sel]
                exp[is_fig] = fig_exp[sel]
            for i in np.flatnonzero(~is_fig):  # constants: numbers and unit names, few
                leaf = leaves[i]
                if leaf.kind == "number":
                    lo[i] = hi[i] = leaf.value
                else:
                    info = unit_info(leaf.text)
                    lo[i] = hi[i] = info.factor
                    for d, p in info.exponents:
                        exp[i, col[d]] = p
            slots.append((Intervals.of(lo, hi, lo_open, hi_open), exp))
        results.append(evaluate_group(rels[0].tree, [r.id for r in rels], slots, dims_of))
    return results
