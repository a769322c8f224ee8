"""What a stated number means: the interval table, and sound interval arithmetic over arrays.

Every interval is four arrays: low, high, low_open, high_open. Infinite ends are always open.
Arithmetic is sound: for any points drawn inside the operands, the result of the same
operation on those points lies inside the result interval, open ends included.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .numbers import QUALIFIERS

QUALIFIER_CODE = {q: i for i, q in enumerate(QUALIFIERS)}
EXACT, ABOUT, MORE_THAN, AT_LEAST, LESS_THAN, UP_TO, ALMOST = range(len(QUALIFIERS))


def qualifier_codes(qualifiers) -> np.ndarray:
    """Qualifier names → small ints: the few distinct names are looked up, then gathered.

    A name that is not a qualifier gets -1 (the loader rejects those before this point)."""
    from .table import factorize

    codes, names = factorize(np.asarray(qualifiers, dtype=object))
    lookup = np.array([QUALIFIER_CODE.get(name, -1) for name in names] + [-1], dtype=np.int8)
    return lookup[codes]


def read_intervals(qualifier, low, high, written_half, about_half, about_margin=1.0):
    """The interval table of DESIGN.md, as one column operation.

    `low`/`high` are the stated value (or range), `written_half` the half-unit the writing
    implies (decimals, scale word, fraction word), `about_half` the half-unit of the last
    non-zero digit. "about" widens by about_half × about_margin; counts are never negative.
    """
    q = np.asarray(qualifier, dtype=np.intp)   # a code outside the table (-1) takes its last row
    low = np.asarray(low, dtype=float)
    high = np.asarray(high, dtype=float)
    wh = np.asarray(written_half, dtype=float)
    ah = np.maximum(np.asarray(about_half, dtype=float) * about_margin, wh)
    # every column of the table gathered by code: a few passes over the figures, not one per qualifier
    lo = np.where(_KEEP_LOW[q], low, 0.0) - _LOW_WH[q] * wh - _LOW_AH[q] * ah
    hi = np.where(_UNBOUNDED[q], np.inf, high + _HIGH_WH[q] * wh + _HIGH_AH[q] * ah)
    return lo, hi, _LOW_OPEN[q], _HIGH_OPEN[q] | np.isinf(hi)


# The interval table of DESIGN.md as columns, one row per qualifier code (QUALIFIERS' order),
# and a last row for a code outside it (0 up to the stated value). Low end: the stated value or
# 0, minus the written half, minus the about half; high end: the stated value plus either half,
# or unbounded; which ends are open.
#            exact  about  more   least  less   up_to  almost other
_KEEP_LOW = np.array([1, 1, 1, 1, 0, 0, 1, 0], dtype=bool)
_LOW_WH = np.array([1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
_LOW_AH = np.array([0, 1, 0, 0, 0, 0, 1, 0], dtype=float)
_HIGH_WH = np.array([1, 0, 0, 0, 0, 0, 0, 0], dtype=float)
_HIGH_AH = np.array([0, 1, 0, 0, 0, 0, 0, 0], dtype=float)
_UNBOUNDED = np.array([0, 0, 1, 1, 0, 0, 0, 0], dtype=bool)
_LOW_OPEN = np.array([0, 0, 1, 0, 0, 0, 0, 0], dtype=bool)
_HIGH_OPEN = np.array([0, 0, 0, 0, 1, 0, 1, 0], dtype=bool)
assert len(QUALIFIERS) == 7 and (EXACT, ABOUT, MORE_THAN, AT_LEAST, LESS_THAN, UP_TO, ALMOST) == tuple(range(7))


def _past_the_largest_float(lo, hi, lo_open, hi_open):
    """Finite ends that overflowed: a low end of +∞ (or a high end of -∞) would make the interval
    empty, but the true value is merely beyond the largest float. Keep it just inside, open."""
    big = np.finfo(float).max
    lo_over = np.isposinf(lo)
    hi_over = np.isneginf(hi)
    return (np.where(lo_over, big, lo), np.where(hi_over, -big, hi),
            lo_open | lo_over, hi_open | hi_over)


@dataclass
class Intervals:
    """A column of intervals. Operations are element-wise over the whole column."""

    lo: np.ndarray
    hi: np.ndarray
    lo_open: np.ndarray
    hi_open: np.ndarray

    @classmethod
    def of(cls, lo, hi, lo_open=False, hi_open=False) -> "Intervals":
        lo = np.atleast_1d(np.asarray(lo, dtype=float))
        hi = np.atleast_1d(np.asarray(hi, dtype=float))
        lo_open = np.broadcast_to(np.asarray(lo_open, dtype=bool), lo.shape) | np.isinf(lo)
        hi_open = np.broadcast_to(np.asarray(hi_open, dtype=bool), hi.shape) | np.isinf(hi)
        return cls(lo, hi, np.array(lo_open), np.array(hi_open))

    @classmethod
    def point(cls, value, n: int = 1) -> "Intervals":
        v = np.full(n, float(value))
        return cls.of(v, v)

    def __len__(self) -> int:
        return len(self.lo)

    def take(self, index) -> "Intervals":
        return Intervals(self.lo[index], self.hi[index], self.lo_open[index], self.hi_open[index])

    def scale(self, factor) -> "Intervals":
        """Multiply by a positive factor (unit conversion); keeps openness."""
        f = np.asarray(factor, dtype=float)
        return Intervals(self.lo * f, self.hi * f, self.lo_open.copy(), self.hi_open.copy())

    def __neg__(self) -> "Intervals":
        return Intervals(-self.hi, -self.lo, self.hi_open.copy(), self.lo_open.copy())

    def __add__(self, other: "Intervals") -> "Intervals":
        with np.errstate(invalid="ignore", over="ignore"):
            return Intervals.of(*_past_the_largest_float(self.lo + other.lo, self.hi + other.hi,
                                                         self.lo_open | other.lo_open,
                                                         self.hi_open | other.hi_open))

    def __sub__(self, other: "Intervals") -> "Intervals":
        return self + (-other)

    def __mul__(self, other: "Intervals") -> "Intervals":
        # The extremes of a product lie at endpoint pairs. An extreme is open unless some pair
        # reaching it is made of closed ends, or of a closed zero (0 × anything is 0).
        ends_a = [(self.lo, self.lo_open), (self.hi, self.hi_open)]
        ends_b = [(other.lo, other.lo_open), (other.hi, other.hi_open)]
        values, opens = [], []
        with np.errstate(invalid="ignore", over="ignore"):
            for a, ao in ends_a:
                for b, bo in ends_b:
                    p = a * b
                    zero_a = (a == 0) & ~ao
                    zero_b = (b == 0) & ~bo
                    p = np.where(zero_a | zero_b, 0.0, p)  # 0 × ∞ is never reached: it is 0
                    values.append(p)
                    opens.append((ao | bo) & ~(zero_a | zero_b))
        values = np.stack(values)
        opens = np.stack(opens)
        # An open 0 times an infinite end is NaN: its points give products between 0 and ±∞,
        # which the other pairs already reach (the other end of the open-at-0 interval is not
        # 0). fmin/fmax skip those NaNs; min/max would make the whole product undefined.
        lo = np.fmin.reduce(values, axis=0)
        hi = np.fmax.reduce(values, axis=0)
        lo_open = np.all(opens | (values != lo), axis=0)
        hi_open = np.all(opens | (values != hi), axis=0)
        return Intervals.of(*_past_the_largest_float(lo, hi, lo_open, hi_open))

    def reciprocal(self) -> "Intervals":
        """1/x over the interval, without the point 0 (where x/0 has no value)."""
        lo, hi = self.lo, self.hi
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            r_lo = np.where(np.isinf(hi), 0.0, 1.0 / hi)
            r_hi = np.where(np.isinf(lo), 0.0, 1.0 / lo)
        r_lo_open = self.hi_open.copy()
        r_hi_open = self.lo_open.copy()
        positive_from_zero = (lo == 0) & (hi > 0)
        negative_to_zero = (hi == 0) & (lo < 0)
        straddles = (lo < 0) & (hi > 0)
        r_hi = np.where(positive_from_zero, np.inf, r_hi)
        r_lo = np.where(negative_to_zero, -np.inf, r_lo)
        r_lo = np.where(straddles, -np.inf, r_lo)
        r_hi = np.where(straddles, np.inf, r_hi)
        only_zero = (lo == 0) & (hi == 0)
        r_lo = np.where(only_zero, np.nan, r_lo)
        r_hi = np.where(only_zero, np.nan, r_hi)
        # 1/x of a subnormal x overflows: same rule as for sums and products
        return Intervals.of(*_past_the_largest_float(r_lo, r_hi, r_lo_open, r_hi_open))

    def __truediv__(self, other: "Intervals") -> "Intervals":
        return self * other.reciprocal()

    @property
    def empty(self) -> np.ndarray:
        """Undefined (NaN, e.g. a division by exactly zero) or an empty interval."""
        return (np.isnan(self.lo) | np.isnan(self.hi) | (self.lo > self.hi)
                | ((self.lo == self.hi) & (self.lo_open | self.hi_open)))

    def contains(self, x) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        above = np.where(self.lo_open, x > self.lo, x >= self.lo)
        below = np.where(self.hi_open, x < self.hi, x <= self.hi)
        return above & below

    def hull(self, other: "Intervals") -> "Intervals":
        lo = np.minimum(self.lo, other.lo)
        hi = np.maximum(self.hi, other.hi)
        lo_open = np.where(self.lo < other.lo, self.lo_open,
                           np.where(other.lo < self.lo, other.lo_open, self.lo_open & other.lo_open))
        hi_open = np.where(self.hi > other.hi, self.hi_open,
                           np.where(other.hi > self.hi, other.hi_open, self.hi_open & other.hi_open))
        return Intervals.of(lo, hi, lo_open, hi_open)


REL_TOL = 1e-9   # float rounding from unit factors (7 % − 5 % is 0.020000000000000004), not a margin


def close(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Equal, or within float rounding of each other (REL_TOL)."""
    with np.errstate(invalid="ignore"):
        scale = np.maximum(np.abs(x), np.abs(y))
        return (x == y) | (np.abs(x - y) <= REL_TOL * np.where(np.isfinite(scale), scale, 0.0))


def _below(lo, lo_open, hi, hi_open) -> np.ndarray:
    """Is there a point ≥ lo (> if open) that is ≤ hi (< if open)? Ends within rounding touch."""
    touching = close(lo, hi)
    return (~touching & (lo < hi)) | (touching & ~lo_open & ~hi_open)


def meet(a: Intervals, b: Intervals) -> np.ndarray:
    """A == B: the intervals share a point."""
    lo_is_a = (a.lo > b.lo) | ((a.lo == b.lo) & a.lo_open)
    lo = np.where(lo_is_a, a.lo, b.lo)
    lo_open = np.where(lo_is_a, a.lo_open, b.lo_open)
    hi_is_a = (a.hi < b.hi) | ((a.hi == b.hi) & a.hi_open)
    hi = np.where(hi_is_a, a.hi, b.hi)
    hi_open = np.where(hi_is_a, a.hi_open, b.hi_open)
    return _below(lo, lo_open, hi, hi_open)


def some_less(a: Intervals, b: Intervals, or_equal: bool = False) -> np.ndarray:
    """A < B (or <=): some point of A lies below (or at) some point of B."""
    touching = close(a.lo, b.hi)
    strict = ~touching & (a.lo < b.hi)
    if not or_equal:
        return strict
    return strict | (touching & ~a.lo_open & ~b.hi_open)


def holds(op: str, a: Intervals, b: Intervals) -> np.ndarray:
    if op == "==":
        return meet(a, b)
    if op == "<":
        return some_less(a, b)
    if op == "<=":
        return some_less(a, b, or_equal=True)
    if op == ">":
        return some_less(b, a)
    if op == ">=":
        return some_less(b, a, or_equal=True)
    raise ValueError(f"unknown comparison {op!r}")


def gap(a: Intervals, b: Intervals) -> tuple[np.ndarray, np.ndarray]:
    """How far apart two intervals are: (absolute, relative to the larger near end); 0 if they meet."""
    with np.errstate(invalid="ignore"):
        below = np.maximum(b.lo - a.hi, 0.0)   # a lies below b
        above = np.maximum(a.lo - b.hi, 0.0)   # a lies above b
        absolute = np.nan_to_num(np.maximum(below, above), nan=0.0, posinf=np.inf)
        near = np.where(below > 0, np.maximum(np.abs(a.hi), np.abs(b.lo)),
                        np.maximum(np.abs(a.lo), np.abs(b.hi)))
        relative = np.where(near > 0, absolute / np.where(near > 0, near, 1.0), 0.0)
    return absolute, relative
