"""Relation expressions: parsed into a small tree (never evaluated as code), then evaluated in
interval arithmetic with units — grouped by shape, so a million `a * b == c` run as arrays.

Grammar: figure ids, numbers, unit names, + - * / ( ), unary minus, exactly one of
== < <= > >=. Python's `ast` does the tokenising; a whitelist rejects everything else.
"""
from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .frames import TakenAt, cells, string_buffers
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

class Evaluated:
    """One shape group's result, row i belonging to relation ids[i].

    What every rule reads of all rows is kept (holds, mismatch, the dimensions that met); the
    sides' intervals are evaluated again where asked for (sides(rows): a rule's few failing
    rows; left, right: all of them): kept for every relation they were ~36 bytes each, for the
    whole run. Evaluated again from the same columns by the same element-wise operations, they
    are the very intervals the first evaluation compared."""

    def __init__(self, ids: TakenAt, op: str, mismatch: np.ndarray, mismatch_at, holds: np.ndarray,
                 tree: Comparison | None = None, leaves: list | None = None, positions: list | None = None,
                 rows: np.ndarray | None = None, slots=None):
        self.ids = ids                  # relation ids, row i's at ids[i]: the corpus's id column at the group's rows
        self.op = op
        self.mismatch = mismatch        # bool: some + - or the comparison met unlike dimensions
        self.mismatch_at = mismatch_at  # [row]: None or (dimension a, dimension b) that met
        self.holds = holds
        # for the findings' messages, as columns: the shape's tree, each leaf's column (ids or unit
        # names; numbers) and each name leaf's row in the figure table (-1: a unit name; None: a number)
        self.tree, self.leaves, self.positions = tree, leaves, positions
        self.rows = rows                # each row's position among the corpus's relations
        self._slots = slots             # (rows) -> each leaf's (Intervals, exponents) at those rows
        self._sides = None

    def sides(self, rows=None) -> tuple[Intervals, Intervals]:
        """(left, right) intervals of the group's rows `rows` (all of them: None)."""
        if self._sides is not None:     # kept as evaluated, or evaluated again for all rows
            left, right = self._sides
            return (left, right) if rows is None else (left.take(rows), right.take(rows))
        slots = self._slots(rows)
        counter = iter(range(10**6))
        left = _eval(self.tree.left, slots, counter, _no_dims)[0]
        right = _eval(self.tree.right, slots, counter, _no_dims)[0]
        if rows is None:
            self._sides = left, right
        return left, right

    @property
    def left(self) -> Intervals:
        return self.sides()[0]

    @property
    def right(self) -> Intervals:
        return self.sides()[1]


class _AtRows(dict):
    """{row: (dimension a, dimension b)} for the rows whose dimensions met; None for any other
    row (a list of a None per relation was 8 bytes each)."""

    def __missing__(self, row):
        return None


def _no_dims(row) -> str:
    return ""


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


def evaluate_group(shape_tree: Comparison, ids: TakenAt, slots, dims_of) -> Evaluated:
    """Evaluate one shape for every relation of the group; `slots[k]` = (Intervals, dims). The
    sides are kept as evaluated (evaluate_all evaluates them again where asked instead)."""
    left, right, mismatch, at, ok = _evaluated(shape_tree, slots, dims_of)
    result = Evaluated(ids, shape_tree.op, mismatch, at, ok, tree=shape_tree)
    result._sides = left, right
    return result


def _evaluated(shape_tree: Comparison, slots, dims_of, at: "_AtRows | None" = None, first: int = 0):
    """(left, right, mismatch, {row: dimensions that met}, holds) of one shape over the rows of
    `slots`; the rows' dimensions are noted in `at` as rows first, first + 1, ... (a part of a
    group's rows)."""
    counter = iter(range(10**6))
    left, ld, bad_l, at_l = _eval(shape_tree.left, slots, counter, dims_of)
    right, rd, bad_r, at_r = _eval(shape_tree.right, slots, counter, dims_of)
    bad = bad_l | bad_r
    met = dict(at_r)
    met.update(at_l)
    unlike = np.any(ld != rd, axis=1)
    for i in np.flatnonzero(unlike & ~bad):
        met[int(i)] = (dims_of(ld[i]), dims_of(rd[i]))
    at = _AtRows() if at is None else at
    at.update(met.items() if not first else ((first + i, pair) for i, pair in met.items()))
    mismatch = bad | unlike
    ok = holds(shape_tree.op, left, right) & ~left.empty & ~right.empty
    return left, right, mismatch, at, ok


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


def render_slots(tree: Comparison) -> tuple[str, str]:
    """render() of a shape's two sides with the tree's k-th leaf as "{k}": str.format fills in
    each row's leaves, so a group's sides are rendered without a tree per relation."""
    counter = iter(range(10**6))

    def walk(n) -> str:
        if isinstance(n, Leaf):
            return "{%d}" % next(counter)
        if n.op == "neg":
            return f"-{walk(n.args[0])}"
        a, b = walk(n.args[0]), walk(n.args[1])
        return f"({a} {n.op} {b})" if n.op in "+-" else f"{a} {n.op} {b}"

    left = walk(tree.left)
    return left, walk(tree.right)


# --- grouping by shape, as columns -------------------------------------------------------------

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)")
# A token is a run of name-or-number characters; the template keeps only the operators.
_TOKEN = r"\s*[A-Za-z0-9_.]+\s*"



@dataclass
class ShapeGroup:
    """Relations of one expression shape: `tree`'s k-th leaf is column k of `leaves`.

    A name column holds figure ids or unit names (strings: an object array, or an arrow string
    array as an archive was read; leaf_objects); a number column floats.
    """

    tree: Comparison
    rows: np.ndarray            # positions in the relation frame
    leaves: list                # one array per leaf, in the tree's leaf order
    positions: list | None = None   # per name leaf, its figure's row in the corpus's figure frame


def leaf_objects(column, selection=None) -> np.ndarray:
    """A leaf column (or column[selection]: a boolean mask or positions) as an object array."""
    if selection is not None:
        column = take_leaf(column, selection)
    return column.to_numpy(zero_copy_only=False) if _is_arrow(column) else np.asarray(column)


def leaf_names(column, positions: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """The names some rows of a name leaf (`column`) write: a figure's as `ids` (the figure
    frame's) hold it at its row in `positions`, a unit's as the column does."""
    return names_at(ids, positions, leaf_objects(column, positions < 0))


def names_at(ids: np.ndarray, positions: np.ndarray, others) -> np.ndarray:
    """A name column from rows among the figure ids (an object array: each figure's name the
    frame's own string) and, where the row is -1, the names that are no figure (units, in order)."""
    unknown = positions < 0
    names = ids.take(np.where(unknown, 0, positions)) if len(ids) else np.empty(len(positions), dtype=object)
    names[unknown] = others
    return names


def arrow_names_at(ids, positions: np.ndarray, others):
    """names_at over the figure ids as an arrow string array, as one: an arrow name column
    (take_leaf, leaf_objects and the evaluation read it as they read an archive's)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    unknown = positions < 0
    if not len(ids):   # no figures: every name is another (a unit)
        return pa.array(list(others), type=pa.string())
    names = ids.take(pa.array(np.where(unknown, 0, positions)))
    if unknown.any():
        names = pc.replace_with_mask(names, pa.array(unknown), pa.array(list(others), type=pa.string()))
    return names


def _template_tree(template: str, kinds) -> Comparison | None:
    """The tree of a template like "@*@==@" with its slots of the given kinds, or None."""
    parts = template.split("@")
    if len(parts) - 1 != len(kinds):
        return None
    text = parts[0] + "".join((" _n " if kind == "name" else " 1 ") + rest for kind, rest in zip(kinds, parts[1:]))
    try:
        tree = parse_relation(text)
    except RelationSyntaxError:
        return None
    if [leaf.kind for leaf in tree.leaves()] != list(kinds):
        return None
    return tree


_SPACE = " \t\n\f\r"        # what \s in _TOKEN takes (RE2's: no \v, no non-ASCII space)


def _letters(data: np.ndarray) -> np.ndarray:
    """Which bytes are [A-Za-z_] (comparisons: a table lookup per byte costs twenty of them)."""
    return ((data | 0x20) - ord("a") < 26) | (data == ord("_"))


def _digits_or_dots(data: np.ndarray) -> np.ndarray:
    return (data - ord("0") < 10) | (data == ord("."))


def _spaces(data: np.ndarray) -> np.ndarray:
    found = data == ord(" ")
    for ch in _SPACE[1:]:
        found |= data == ord(ch)
    return found


_SCAN_BYTES = 1 << 20     # bytes scanned at once: each temporary mask stays a megabyte


def _extractor(template: str) -> str:
    out = []
    slot = 0
    for ch in template:
        if ch == "@":
            out.append(rf"\s*(?P<s{slot}>[A-Za-z0-9_.]+)\s*")
            slot += 1
        elif ch.isspace():
            out.append(r"\s*")
        else:
            out.append(re.escape(ch))
    return "^" + "".join(out) + "$"


def _extractable(template: str) -> bool:
    """Whether _extractor(template) matches the expressions of the template: a space that RE2's
    \\s does not take (\\v, a non-ASCII space) becomes \\s* there, which cannot match it."""
    return not any(ch.isspace() and ch not in _SPACE for ch in template)


def _string_array(offsets: np.ndarray, values: np.ndarray):
    import pyarrow as pa

    if offsets[-1] < 2**31:
        return pa.StringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets.astype(np.int32)),
                                           pa.py_buffer(values))
    return pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(values))


class _Tokens:
    """A column of expressions as templates and tokens, from one scan of its bytes with numpy.

    The template of an expression is what replacing every match of _TOKEN by "@" makes of it
    (leftmost, greedy: a run of token bytes is one token, and a run of spaces touching a token
    of its row goes with it), as arrow's regex kernel would make it at four times the cost.
    `template` holds each row's template; `start`, `end` and `kind` each token's bytes in the
    column's buffer and its kind (1 a name, 2 a number, 0 neither: 1e5, a.b), tokens in row
    order; `first` each row's first token (and, last, the number of tokens).
    """

    def __init__(self, array):
        n = len(array)
        self.data, offsets = string_buffers(array)    # (`array` holds no null)
        # a few rows at a time: chunks of about _SCAN_BYTES, each ending where a row ends
        cuts = np.unique(np.concatenate([[0, n], np.searchsorted(
            offsets[:-1], np.arange(offsets[0], offsets[-1], _SCAN_BYTES))])).tolist()
        parts = [self._scan(offsets[r0:r1 + 1]) for r0, r1 in zip(cuts[:-1], cuts[1:])]
        self.start, self.end, self.kind, template, lengths = (
            np.concatenate([p[k] for p in parts]) if parts else np.zeros(0, dtype=np.int64) for k in range(5))
        self.first = np.searchsorted(self.start, offsets)
        template_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(lengths, out=template_offsets[1:])
        self.template = _string_array(template_offsets, template.astype(np.uint8, copy=False))

    def _scan(self, offsets: np.ndarray) -> tuple:
        """(token starts, token ends, token kinds, template bytes, template length per row) of
        the rows whose bytes `offsets` bound."""
        base = int(offsets[0])
        data = self.data[base:int(offsets[-1])]
        bounds = offsets - base
        size = len(data)
        letter = _letters(data)
        digit_or_dot = _digits_or_dots(data)
        token = letter | digit_or_dot
        space = _spaces(data)
        row_start = np.zeros(size + 1, dtype=bool)
        row_start[bounds] = True                   # (at `size`: the chunk's end)
        after_token = np.zeros(size, dtype=bool)   # byte p follows a token byte of its row
        after_token[1:] = token[:-1]
        after_token &= ~row_start[:-1]
        before_token = np.zeros(size, dtype=bool)  # byte p precedes a token byte of its row
        before_token[:-1] = token[1:]
        before_token &= ~row_start[1:]
        first = token & ~after_token
        starts = np.flatnonzero(first)
        ends = np.flatnonzero(token & ~before_token) + 1
        # a run of spaces goes with a token of its row just before or just after it
        after_space = np.zeros(size, dtype=bool)
        after_space[1:] = space[:-1]
        after_space &= ~row_start[:-1]
        before_space = np.zeros(size, dtype=bool)
        before_space[:-1] = space[1:]
        before_space &= ~row_start[1:]
        run_first = np.flatnonzero(space & ~after_space)
        run_last = np.flatnonzero(space & ~before_space)
        keep = ~token | first
        keep[space] = ~np.repeat(after_token[run_first] | before_token[run_last], run_last - run_first + 1)
        template = np.where(first, np.uint8(ord("@")), data)[keep]   # a token's first byte as "@"
        kept_before = np.zeros(size + 1, dtype=np.int32)   # bytes kept before each byte (a chunk is a few MB)
        np.cumsum(keep, out=kept_before[1:])
        lengths = np.diff(kept_before[bounds]).astype(np.int64)
        # a token's kind: a name starts with a letter and has no dot; a number starts with a digit
        # or a dot, has at most one dot, a digit, and no letter (its first letter would follow
        # a digit or a dot). Dots and such letters are few: counted per token from positions.
        count = len(starts)
        dots = np.bincount(np.searchsorted(starts, np.flatnonzero(data == ord(".")), side="right") - 1,
                           minlength=count)
        lettered = np.zeros(count, dtype=bool)
        lettered[np.searchsorted(starts, np.flatnonzero(letter[1:] & digit_or_dot[:-1]) + 1, side="right") - 1] = True
        name = letter[starts] & (dots == 0)
        number = digit_or_dot[starts] & ~lettered & (dots <= 1) & (ends - starts > dots)
        kinds = np.where(name, 1, np.where(number, 2, 0)).astype(np.int8)
        return starts + base, ends + base, kinds, template, lengths

    def counts(self, rows: np.ndarray) -> np.ndarray:
        """The number of tokens in each of `rows`."""
        return self.first[rows + 1] - self.first[rows]

    def kinds(self, rows: np.ndarray, slots: int) -> list[np.ndarray]:
        """Per slot, the kind of its token in each of `rows` (rows of one template)."""
        first = self.first[rows]
        return [self.kind[first + j] for j in range(slots)]

    def strings(self, rows: np.ndarray, slot: int):
        """The slot's token of each of `rows`, as an arrow string array."""
        token = self.first[rows] + slot
        starts = self.start[token]
        lengths = self.end[token] - starts
        if len(token) and lengths.min() == lengths.max():   # one width (ids like f0000123): rows of a window view
            width = int(lengths[0])
            values = np.lib.stride_tricks.sliding_window_view(self.data, width)[starts].reshape(-1)
            return _string_array(np.arange(len(token) + 1, dtype=np.int64) * width, values)
        offsets = np.zeros(len(token) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        values = np.empty(int(offsets[-1]), dtype=np.uint8)
        step = _SCAN_BYTES // 16
        for k in range(0, len(token), step):   # the positions of a few tokens at a time
            o = offsets[k:k + step + 1]
            at = np.repeat(starts[k:k + step] - o[:-1], lengths[k:k + step])
            at += np.arange(o[0], o[-1])
            values[o[0]:o[-1]] = self.data[at]
        return _string_array(offsets, values)


def _columns_arrow(exprs, arrow_names: bool = False):
    """((template code per row, distinct templates in order of appearance), leaves(rows,
    template) -> (valid, kinds per slot, column(slot, members))) of a column of expressions.

    A row is valid when its tokens fill the template's slots: an "@" written in an
    expression is an "@" of its template without a token (the row is then parsed alone).
    Kinds and columns are those of the valid rows.

    Templates are numbered by arrow's dictionary encoding, in order of appearance as
    pd.factorize numbers them. With `arrow_names`, name columns stay arrow string arrays (no
    Python string per token); else they are object arrays of str.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    array = exprs if isinstance(exprs, (pa.Array, pa.ChunkedArray)) else pa.array(exprs, type=pa.string())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    tokens = _Tokens(array.cast(pa.string()).fill_null(""))
    encoded = pc.dictionary_encode(tokens.template)
    templates = (encoded.indices.to_numpy(zero_copy_only=False).astype(np.intp),
                 np.array(encoded.dictionary.to_pylist(), dtype=object))

    def leaves(rows, template):
        slots = template.count("@")
        valid = tokens.counts(rows) == slots
        filled = rows[valid]

        def column(slot, members):
            strings = tokens.strings(filled[members], slot)
            return strings if arrow_names else strings.to_numpy(zero_copy_only=False)
        return valid, tokens.kinds(filled, slots), column
    return templates, leaves


class _LazyList:
    """Row access into an arrow column, for the few rows parsed one by one."""

    def __init__(self, array):
        self.array = array

    def __getitem__(self, i):
        value = self.array[int(i)].as_py()
        return value if isinstance(value, str) else ""


def _is_arrow(column) -> bool:
    import pyarrow as pa

    return isinstance(column, pa.Array)


def take_leaf(column, selection):
    """column[selection] (a boolean mask or positions) for a numpy or an arrow leaf column."""
    if not _is_arrow(column):
        return column[selection]
    import pyarrow as pa

    selection = np.asarray(selection)
    return column.filter(pa.array(selection)) if selection.dtype == bool else column.take(pa.array(selection))


def concat_leaves(columns):
    """np.concatenate of leaf columns, into one arrow array when any of them is arrow."""
    if not any(_is_arrow(c) for c in columns):
        return np.concatenate(columns)
    import pyarrow as pa

    return pa.concat_arrays([c if _is_arrow(c) else pa.array(c, type=pa.string()) for c in columns])


def group_relations(exprs, arrow_names: bool = False) -> tuple[list[ShapeGroup], dict[int, str]]:
    """Parse a column of expressions once per distinct shape: (groups, {row: syntax error}).

    Each expression's tokens (names, numbers) are replaced by slots — one scan of the column's
    bytes (_Tokens) — every distinct template is parsed once, and each token column is taken
    from the bytes and classified as names or numbers. What the templates do not cover exactly
    (unicode names, 1e-5, a syntax error) is parsed row by row, which also gives the exact
    message.

    With `arrow_names` the name columns of the groups are arrow string arrays: the loader looks
    them up among the figure ids and then makes them Python strings (figcheck.load).
    """
    n = len(exprs)
    if n == 0:
        return [], {}
    import pyarrow as pa

    if isinstance(exprs, pd.Series) and isinstance(exprs.dtype, pd.StringDtype) and exprs.dtype.storage == "pyarrow":
        arrow = pa.array(exprs.array)   # the column as it is, no copy through Python
        templates, extract = _columns_arrow(arrow, arrow_names)
        exprs = _LazyList(arrow)
    else:
        exprs = [e if isinstance(e, str) else "" for e in (exprs.tolist() if hasattr(exprs, "tolist") else list(exprs))]
        templates, extract = _columns_arrow(exprs, arrow_names)
    codes, uniques = templates
    # stable: rows in order within a template (16-bit codes sort by radix, a third of the time)
    order = np.argsort(codes.astype(np.int16) if len(uniques) < 1 << 15 else codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
    groups: list[ShapeGroup] = []
    leftover: list[np.ndarray] = []
    for k, template in enumerate(uniques):
        rows = order[bounds[k]:bounds[k + 1]]
        if len(template) > MAX_LENGTH or template.count("@") == 0 or not _extractable(template):
            leftover.append(rows)
            continue
        valid, kinds, column = extract(rows, template)
        if not valid.all():
            leftover.append(rows[~valid])
            rows = rows[valid]
        if not len(rows):
            continue
        # each row's kinds (1 a name, 2 a number, 0 neither: 1e-5, a.b go row by row) as one code
        kind_code = np.zeros(len(rows), dtype=np.int64)
        for j, col in enumerate(kinds):
            kind_code = kind_code * 3 + col
        pattern_codes, patterns = pd.factorize(kind_code)
        for p, pattern in enumerate(patterns):
            kind_row = [(int(pattern) // 3 ** (len(kinds) - 1 - j)) % 3 for j in range(len(kinds))]
            members = np.flatnonzero(pattern_codes == p) if len(patterns) > 1 else np.arange(len(rows))
            tree = None if 0 in kind_row else _template_tree(
                template, ["name" if x == 1 else "number" for x in kind_row])
            if tree is None:
                leftover.append(rows[members])
                continue
            leaves = [_name_leaf(column(j, members)) if kind_row[j] == 1 else _number_leaf(column(j, members))
                      for j in range(len(kinds))]
            groups.append(ShapeGroup(tree, rows[members], leaves))
    errors: dict[int, str] = {}
    by_shape: dict[tuple, tuple] = {}
    for row in (np.sort(np.concatenate(leftover)) if leftover else []):
        try:
            tree = parse_relation(exprs[row])
        except RelationSyntaxError as exc:
            errors[int(row)] = str(exc)
            continue
        by_shape.setdefault(_shape_key(tree), (tree, []))[1].append((int(row), tree))
    for tree, members in by_shape.values():
        groups.append(groups_of_trees(tree, members))
    return groups, errors


def _name_leaf(column):
    return column if _is_arrow(column) else column.astype(object)


def _number_leaf(column):
    if _is_arrow(column):
        column = column.to_numpy(zero_copy_only=False)
    return column.astype(float)


def _shape_key(tree: Comparison) -> tuple:
    """Shape and leaf kinds: a group's columns hold one kind each (names or numbers)."""
    return tree.shape(), tuple(leaf.kind for leaf in tree.leaves())


def merge_groups(parts) -> list[ShapeGroup]:
    """Groups of several frames, (groups, row offset) each, as groups of their concatenation:
    one group per shape and leaf kinds."""
    merged: dict[tuple, list] = {}
    for groups, offset in parts:
        for g in groups:
            merged.setdefault(_shape_key(g.tree), []).append((g, offset))
    out = []
    for members in merged.values():
        if len(members) == 1 and members[0][1] == 0:   # one frame's group, at its rows: as it is
            out.append(members[0][0])
            continue
        tree = members[0][0].tree
        rows = np.concatenate([g.rows + offset for g, offset in members])
        leaves = [concat_leaves([g.leaves[k] for g, _ in members]) for k in range(len(members[0][0].leaves))]
        out.append(ShapeGroup(tree, rows, leaves))
    return out


def filter_groups(groups: list[ShapeGroup], keep: np.ndarray) -> list[ShapeGroup]:
    """The groups of the rows `keep` selects, renumbered to the kept frame."""
    if keep.all():
        return groups
    new_index = np.cumsum(keep) - 1
    out = []
    for g in groups:
        sel = keep[g.rows]
        if sel.any():
            out.append(ShapeGroup(g.tree, new_index[g.rows[sel]], [take_leaf(leaf, sel) for leaf in g.leaves]))
    return out


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
        return cells(relations.df["id"]).tolist(), relations.groups
    ids = list(relations)
    by_shape: dict[str, tuple] = {}
    for row, rel in enumerate(relations.values()):
        by_shape.setdefault(_shape_key(rel.tree), (rel.tree, []))[1].append((row, rel.tree))
    return ids, [groups_of_trees(tree, members) for tree, members in by_shape.values()]


def evaluate_all(corpus, table) -> list[Evaluated]:
    """Every relation of the corpus, grouped by shape and evaluated as columns."""
    from .units import unit_info

    from .frames import FigureFrame

    from .frames import RelationFrame

    if isinstance(corpus.relations, RelationFrame):   # the column as it is, not a list of a million
        ids, groups = cells(corpus.relations.df["id"]), corpus.relations.groups
    else:
        ids, groups = shape_groups(corpus.relations)
        ids = np.array(ids, dtype=object)
    # the table's rows are the figure frame's (build_columns keeps the order): positions the
    # loader found are valid here
    same_rows = isinstance(corpus.figures, FigureFrame) and len(corpus.figures) == len(table)
    figure_index = table.index
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
            k = len(per_leaf)
            pos = (g.positions[k] if same_rows and g.positions is not None else
                   figure_index.get_indexer(leaf_objects(column)))
            if (pos < 0).any():
                unit_names.update(pd.unique(leaf_objects(column, pos < 0)).tolist())
            per_leaf.append(pos)
        positions.append(per_leaf)
    units = {u: unit_info(u) for u in sorted(unit_names)}
    extra = sorted({d for info in units.values() for d, _ in info.exponents} - set(base_dims))
    all_dims = base_dims + extra
    width = len(all_dims)
    col = {d: i for i, d in enumerate(all_dims)}
    exponents_at = _figure_exponents(table, width)
    figure_iv = table.intervals

    def dims_of(row) -> str:
        from .units import dimension_key

        return dimension_key(tuple((all_dims[i], int(p)) for i, p in enumerate(row) if p))

    def gather(tree_leaves, columns, per_leaf, n, rows=None):
        """Each leaf's (Intervals, exponents) over the group's rows, or over its rows `rows`."""
        slots = []
        if rows is not None:
            n = len(rows)
        for leaf, column, pos in zip(tree_leaves, columns, per_leaf):
            if pos is None:     # a number
                if rows is not None:
                    column = column[rows]
                slots.append((Intervals.of(column, column), np.zeros((n, width), dtype=np.int16)))
                continue
            if rows is not None:
                pos = pos[rows]
            is_fig = pos >= 0
            sel = np.where(is_fig, pos, 0)
            lo = figure_iv.lo[sel]          # gathers are copies: changed below for unit names
            hi = figure_iv.hi[sel]
            lo_open = figure_iv.lo_open[sel] & is_fig
            hi_open = figure_iv.hi_open[sel] & is_fig
            exp = exponents_at(sel)
            if not is_fig.all():   # unit names used as constants: few distinct
                names = leaf_objects(column, ~is_fig if rows is None else rows[~is_fig])
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
        return slots

    results = []
    for g, per_leaf in zip(groups, positions):
        tree_leaves = g.tree.leaves()
        n = len(g.rows)
        # a part of the group's rows at a time: the gathers and the arithmetic's temporaries of
        # a few tens of thousands of relations, not of half a million (the same element-wise
        # operations, so the same results)
        mismatch, ok = np.empty(n, bool), np.empty(n, bool)
        at = _AtRows()
        for start in range(0, n, EVALUATED_AT_ONCE) if n else ():
            part = None if n <= EVALUATED_AT_ONCE else np.arange(start, min(n, start + EVALUATED_AT_ONCE))
            slots = gather(tree_leaves, g.leaves, per_leaf, n, part)
            _, _, mismatch[start:start + len(slots[0][0])], _, ok[start:start + len(slots[0][0])] = _evaluated(
                g.tree, slots, dims_of, at, start)
            del slots
        # the ids where they stand: gathered for every group, a million ids' reference counts
        # would be written after the text worker's fork, copying every page of them (~57 MB)
        result = Evaluated(TakenAt(ids, g.rows), g.tree.op, mismatch, at, ok, tree=g.tree,
                           slots=functools.partial(gather, tree_leaves, g.leaves, per_leaf, n))
        result.leaves, result.positions, result.rows = g.leaves, per_leaf, g.rows
        results.append(result)
    return results


EVALUATED_AT_ONCE = 1 << 16     # relations of a shape group evaluated at once (evaluate_all)


def _figure_exponents(table, width: int):
    """sel -> the dimension exponents of the figures at table rows `sel`, `width` columns (the
    table's base dimensions, then zeros): from the table's exponents per unit where it keeps
    them so (FigureTable.exponents a TakenAt), without a copy of every figure's row."""
    exponents = table.exponents
    if isinstance(exponents, TakenAt):
        per_unit = np.asarray(exponents.column, dtype=np.int16)
        if per_unit.shape[1] != width:
            wide = np.zeros((len(per_unit), width), dtype=np.int16)
            wide[:, : per_unit.shape[1]] = per_unit
            per_unit = wide
        unit_of = exponents.rows
        return lambda sel: per_unit[unit_of[sel]]
    fig_exp = np.asarray(exponents, dtype=np.int16)
    if width > len(table.base_dims) or fig_exp.shape != (len(table), width):
        fig_exp = np.zeros((len(table), width), dtype=np.int16)
        fig_exp[:, : len(table.base_dims)] = exponents
    return fig_exp.__getitem__
