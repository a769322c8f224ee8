"""Cross-source (X): figures of one quantity that cannot all be true.

Runs after the whole corpus is loaded, on the figure table, by sorting: figures of one quantity
and period form a group; a big group's conflicting pairs are counted by binary search over its
sorted interval ends and its largest agreeing cluster found by a sweep over them, never by
comparing every pair. Only small groups (a bounded number of pairs each) are compared pair by
pair. `brute_force_pairs` compares every pair: the reference the counts and pairs are tested against.
"""
from __future__ import annotations

import itertools
from typing import NamedTuple

import numpy as np
import pandas as pd

from figcheck import display
from figcheck.frames import ArrowCells
from figcheck.frames import cells as frame_cells   # (`cells` names local helpers here)
from figcheck.intervals import Intervals, _past_the_largest_float, close, gap, meet
from figcheck.rules import Example, Hit, Severity, make_hit, rule
from figcheck.table import factorize, sorted_unique

COMPARABLE = ("reported", "estimate")   # forecasts and hypotheticals are not compared with reports

_TEXT_A = "Laut Geheimdienst wurden im vergangenen Jahr etwa 11.000 Soldaten entsandt; Anfang 2025 weitere 3.000."
_TEXT_B = "Danach wurden im vergangenen Jahr etwa {n} Soldaten geschickt."


def _two_sources(n_b: str, kind: str = "flow", as_of_b: str = "2024") -> Example:
    return Example(f'''
[[source]]
id = "s2"
file = "other.txt"
published = 2025-08-27
language = "de"

[quantity.sent]
kind = "{kind}"
unit = "soldier"

[[figure]]
id = "sent_a"
source = "s1"
quote = "etwa 11.000 Soldaten entsandt"
value = "11.000"
qualifier = "about"
unit = "soldier"
quantity = "sent"
as_of = "2024"

[[figure]]
id = "early_2025_a"
source = "s1"
quote = "weitere 3.000"
value = "3.000"
unit = "soldier"
quantity = "sent"
as_of = "2025-01/2025-03"

[[figure]]
id = "sent_b"
source = "s2"
quote = "etwa {n_b} Soldaten geschickt"
value = "{n_b}"
qualifier = "about"
unit = "soldier"
quantity = "sent"
as_of = "{as_of_b}"
''', _TEXT_A, extra={"other.txt": _TEXT_B.format(n=n_b)})


# --- grouping and the brute-force reference ------------------------------------------------

def _days(column: pd.Series) -> np.ndarray:
    """A date column as int32 days since 1970."""
    return np.asarray(column.to_numpy(), dtype="datetime64[D]").view(np.int64).astype(np.int32)


def _coder(df: pd.DataFrame, table=None):
    """column name → pd.factorize(df[column])[0]: the table's cached codes (FigureTable.codes) when
    given a table, else factorized here."""
    codes = getattr(table, "codes", None)
    return codes if codes is not None else (lambda column: pd.factorize(df[column])[0])


def comparable(df: pd.DataFrame, table=None) -> np.ndarray:
    """Which rows are reported or estimated (COMPARABLE): decided once per distinct modality when
    given the FigureTable of df."""
    if getattr(table, "isin", None) is not None:
        return table.isin("modality", COMPARABLE)
    return df["modality"].isin(COMPARABLE).to_numpy()


def group_order(codes: np.ndarray) -> np.ndarray:
    """A stable order of non-negative integer codes, as a radix sort over 16-bit digits.

    numpy sorts 16-bit integers stably in linear time; sorting the codes as int64 is an
    n log n merge sort and was the largest single cost of grouping a million figures.
    """
    codes = np.asarray(codes, dtype=np.int64)
    order = np.argsort(codes.astype(np.uint16), kind="stable")     # the low 16 bits (astype wraps)
    shift = 16
    while len(codes) and (codes.max() >> shift) > 0:
        # each digit worked out in place: a million codes' temporaries are 8 MB each
        digit = codes[order]
        digit >>= shift
        digit16 = digit.astype(np.uint16)
        del digit       # (gone before the sort's own arrays are made)
        order = order[np.argsort(digit16, kind="stable")]
        del digit16
        shift += 16
    return order


def brute_force_pairs(df: pd.DataFrame, iv: Intervals):
    """The same pairs by comparing every pair: the reference the sweep is tested against."""
    found = set()
    n = len(df)
    for a in range(n):
        for b in range(n):
            if a == b or df["quantity"].iat[a] != df["quantity"].iat[b]:
                continue
            if df["source"].iat[a] == df["source"].iat[b]:
                continue
            if df["modality"].iat[a] not in COMPARABLE or df["modality"].iat[b] not in COMPARABLE:
                continue
            sa, ea = df["period_start"].iat[a], df["period_end"].iat[a]
            sb, eb = df["period_start"].iat[b], df["period_end"].iat[b]
            same = sa == sb and ea == eb
            if not (sa < eb and sb < ea) or (df["kind"].iat[a] == "flow" and not same):
                continue
            one, two = iv.take([a]), iv.take([b])
            if not meet(one, two)[0] and one.hi[0] <= two.lo[0]:
                found.add((a, b, same))
    return found


# --- groups: one quantity, one period ----------------------------------------------------------

# A group of more figures than this is summarised by its largest agreeing cluster instead of pair
# by pair: up to six figures give at most fifteen pairs (nine across two camps of three), which a
# reader still follows one by one; beyond that the pairs grow with the square of the group (a
# group of 230 figures with 18 outliers has thousands), and one finding per group reads better.
BIG_GROUP = 6
LISTED = 20            # outsiders listed with who says what in a group finding's details
NAMED = 3              # outsiders named in a group finding's message


class Groups:
    """Comparable figures (reported, estimate) with a non-empty period, grouped by quantity and
    exact period. `rows` holds table rows ordered by group; group g is rows[start[g]:start[g+1]],
    in table order. Groups are numbered in the order of their (quantity code, start, end) key
    where it fits 62 bits (always, for dates), else in order of first appearance."""

    def __init__(self, df: pd.DataFrame, table=None):
        codes = _coder(df, table)
        start, end = _days(df["period_start"]), _days(df["period_end"])
        # an empty period overlaps nothing: its figures are compared with none
        rows = np.flatnonzero(comparable(df, table) & (start < end))
        # codes straight from the columns (Arrow strings encode without becoming Python objects)
        self.source_code = codes("source")
        quantity_code = codes("quantity")
        quantity = quantity_code[rows]
        key = _group_key(quantity, start[rows], end[rows])
        if key is not None:
            # one radix sort of the key orders the rows by group: no hashing of a million keys
            order = group_order(key)
            key = key[order]
            new_group = np.r_[len(key) > 0, key[1:] != key[:-1]]
            del key
            self.rows, self.group = rows[order], np.cumsum(new_group)
            self.group -= 1
        else:
            group = _group_codes(quantity, start[rows], end[rows])
            order = group_order(group)
            self.rows, self.group = rows[order], group[order]
        self.size = np.bincount(self.group, minlength=int(self.group.max(initial=-1)) + 1)
        self.start = np.r_[0, np.cumsum(self.size)]
        # each group's quantity and period, once per group (its first row's): a copy per figure
        # was 16 bytes each for the whole of X001
        first = self.rows[self.start[:-1]]
        self.group_quantity = quantity_code[first]
        self.group_period_start, self.group_period_end = start[first], end[first]
        self._may_conflict = None

    @property
    def quantity(self) -> np.ndarray:
        """Each row's quantity code, in group order."""
        return np.repeat(self.group_quantity, self.size)

    @property
    def period_start(self) -> np.ndarray:
        """Each row's period start (days since 1970), in group order."""
        return np.repeat(self.group_period_start, self.size)

    @property
    def period_end(self) -> np.ndarray:
        return np.repeat(self.group_period_end, self.size)

    def may_conflict(self, iv: Intervals) -> np.ndarray:
        """may_conflict(self, iv), computed once."""
        if self._may_conflict is None or self._may_conflict[0] is not iv:
            self._may_conflict = (iv, may_conflict(self, iv))
        return self._may_conflict[1]

    def __len__(self) -> int:
        return len(self.size)

    def members(self, g: int) -> np.ndarray:
        return self.rows[self.start[g]:self.start[g + 1]]


def _group_codes(quantity: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """pd.factorize of the (quantity, start, end) triples, numbered in order of first appearance:
    one factorize of one integer key when the three fit 62 bits (always, for dates), else of
    the periods first and then of (quantity, period)."""
    key = _group_key(quantity, start, end)
    if key is not None:
        return factorize(key)[0]
    q = np.asarray(quantity, dtype=np.int64)
    s, e = start.astype(np.int64), end.astype(np.int64)
    since = int(e.min(initial=0))
    period = factorize(s * (1 << 32) + (e - since))[0]
    return factorize(q * (int(period.max(initial=0)) + 1) + period)[0]


def _group_key(quantity: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray | None:
    """One non-negative integer per (quantity, start, end) triple, ordered as the triples are,
    where the three fit 62 bits (always, for dates); None where they do not (or there are none)."""
    q = np.asarray(quantity)
    if not len(q):
        return None
    s, e = np.asarray(start), np.asarray(end)
    s0, e0 = int(s.min()), int(e.min())
    s_span, e_span = int(s.max()) - s0 + 1, int(e.max()) - e0 + 1
    if not ((int(q.max()) + 1) * s_span * e_span < (1 << 62) and int(q.min()) >= 0):
        return None
    # the key made in place, the days added as they are (a million rows' int64 temporaries are
    # 8 MB each; int64 arithmetic throughout, as the bound above assumes)
    key = q.astype(np.int64)
    key *= s_span
    key += s.astype(np.int64, copy=False) if s.dtype.kind != "i" else s
    key -= s0
    key *= e_span
    key += e.astype(np.int64, copy=False) if e.dtype.kind != "i" else e
    key -= e0
    return key


def may_conflict(groups: Groups, iv: Intervals) -> np.ndarray:
    """Per group: can two of its figures conflict (i wholly below j without meeting it)? False
    only where brute_force_pairs finds no pair inside the group, so its pairs need no search.

    A pair needs hi_i <= lo_j, so the group's smallest high end must not exceed its largest low
    end. When those two are within rounding (close), every such pair's ends lie between them and
    touch, and touching closed ends meet: a pair then needs an open end in that band.
    """
    if not len(groups):
        return np.zeros(0, bool)
    rows, first = groups.rows, groups.start[:-1]
    lo, hi = iv.lo[rows], iv.hi[rows]
    smallest_high = np.fmin.reduceat(hi, first)      # fmin, fmax: a NaN end is in no pair
    largest_low = np.fmax.reduceat(lo, first)
    below = smallest_high <= largest_low
    touching = below & close(smallest_high, largest_low)
    at = np.flatnonzero(touching[groups.group])          # the figures of touching groups
    group, lo, hi, rows = groups.group[at], lo[at], hi[at], rows[at]
    band_lo, band_hi = smallest_high[group], largest_low[group]
    open_in_band = ((iv.lo_open[rows] & (lo >= band_lo) & (lo <= band_hi))
                    | (iv.hi_open[rows] & (hi >= band_lo) & (hi <= band_hi)))
    below[touching] = False
    below[group[open_in_band]] = True
    return below


class Ends:
    """Interval ends as integer ranks, with ends within float rounding of each other in one class.

    Comparing ranks instead of floats lets one sort order many groups at once (group × ranks +
    rank is an exact integer key). `meet` treats ends within rounding (close) as touching; here
    such ends share a class, so "touching" is "same class" and the sweep stays exact. A class
    whose first and last ends are not close (a chain of values each within rounding of the next,
    spanning more) is `loose`: groups with an end in one are counted pair by pair instead.
    A point with an open end holds no point: for ends exactly equal, meet treats both its ends
    as open (`lo_shut`, `hi_shut`); `lo_closed`, `hi_closed` are the ends as stated.
    """

    def __init__(self, iv: Intervals, rows: np.ndarray):
        lo, hi = iv.lo[rows], iv.hi[rows]
        rank, values = dense_ranks(np.concatenate([lo, hi]))
        self.r_lo, self.r_hi = rank[:len(lo)], rank[len(lo):]
        self.n_ranks = len(values) + 1
        new_class = np.r_[True, ~close(values[:-1], values[1:])]
        self.class_of = np.cumsum(new_class) - 1                     # rank → class
        first = np.flatnonzero(new_class)                            # class → its first rank
        last = np.r_[first[1:], len(values)] - 1
        self.first_rank = first[self.class_of]                       # rank → its class's first rank
        self.n_classes = len(first)
        loose_class = ~close(values[first], values[last])
        self.loose = loose_class[self.class_of[self.r_lo]] | loose_class[self.class_of[self.r_hi]]
        self.lo_closed, self.hi_closed = ~iv.lo_open[rows], ~iv.hi_open[rows]
        point = lo == hi
        empty_point = point & ~(self.lo_closed & self.hi_closed)
        self.lo_shut = self.lo_closed & ~empty_point
        self.hi_shut = self.hi_closed & ~empty_point
        self.empty_point = empty_point

    def take(self, index: np.ndarray) -> "Ends":
        """The same ends (same ranks and classes) for a subset of the intervals."""
        out = object.__new__(Ends)
        out.__dict__.update(self.__dict__)
        for name in ("r_lo", "r_hi", "loose", "lo_closed", "hi_closed", "lo_shut", "hi_shut", "empty_point"):
            setattr(out, name, getattr(self, name)[index])
        return out


def dense_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(each value's rank among the distinct values, the distinct values in order): equal values
    (0.0 and -0.0 too) share a rank; a NaN has a rank of its own, after the numbers.

    Interval ends repeat a lot (a million figures' ends hold a few thousand values): they are
    factorized by hashing and only the distinct ones sorted, ~10x quicker than sorting them all.
    `_dense_ranks_by_sorting` is the reference, and the way where there is a NaN."""
    if np.isnan(values).any():
        return _dense_ranks_by_sorting(values)
    codes, distinct = factorize(values)
    order = np.argsort(distinct, kind="stable")
    rank_of = np.empty(len(distinct), np.int64)
    rank_of[order] = np.arange(len(distinct))
    return rank_of[codes], distinct[order]


def _dense_ranks_by_sorting(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """dense_ranks by one sort of every value (ties need no order)."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new_value = np.r_[True, ordered[1:] != ordered[:-1]] if len(values) else np.zeros(0, bool)
    rank = np.empty(len(values), np.int64)
    rank[order] = np.cumsum(new_value) - 1
    return rank, ordered[new_value]


def below_counts(key: np.ndarray, ends: Ends) -> np.ndarray:
    """For each interval j, how many intervals i with the same key lie wholly below it without
    meeting it (hi_i <= lo_j, as brute_force_pairs finds them). Sorted arrays and binary search:
    n log n, whatever the number of pairs.

    Below by rank, minus those that still meet: ends in one class (within rounding), both
    closed — and where the ends are exactly equal, neither figure a point with an open end (meet
    then compares that point's other end too). A point with an open end lies below itself by
    rank and meets nothing; that self-pair goes.
    """
    key = np.asarray(key, dtype=np.int64) * ends.n_ranks
    highs = key + ends.r_hi
    every, closed, shut = np.sort(highs), np.sort(highs[ends.hi_closed]), np.sort(highs[ends.hi_shut])
    at = key + ends.r_lo
    below = np.searchsorted(every, at, side="right") - np.searchsorted(every, key, side="left")
    touching_below = (np.searchsorted(closed, at, side="left")
                      - np.searchsorted(closed, key + ends.first_rank[ends.r_lo], side="left"))
    touching_equal = np.searchsorted(shut, at, side="right") - np.searchsorted(shut, at, side="left")
    return (below - np.where(ends.lo_closed, touching_below, 0) - np.where(ends.lo_shut, touching_equal, 0)
            - ends.empty_point)


BLOCK_ROWS = 1 << 16   # whole groups counted together: their arrays stay in a core's cache


def group_conflict_counts(df: pd.DataFrame, iv: Intervals, groups: Groups | None = None,
                          which: np.ndarray | None = None) -> np.ndarray:
    """Per group, the number of pairs brute_force_pairs finds inside it (different sources, same
    period, intervals that do not meet), counted without listing them: all pairs below in the
    group, minus those below within one source of the group. `which` (a mask over groups)
    limits the count to those groups; the others count 0.

    Groups are independent, so they are counted in blocks of consecutive groups of about
    BLOCK_ROWS figures: each block's sorts and searches then run in cache, and the cost grows
    with the number of figures rather than with n log n of one sort over all of them.
    """
    groups = groups or Groups(df)
    counts = np.zeros(len(groups), np.int64)
    which = np.ones(len(groups), bool) if which is None else np.asarray(which, bool)
    if not len(groups):
        return counts
    which = which & groups.may_conflict(iv)     # the others count 0
    # a block starts at the first group whose selected figures before it pass a multiple of BLOCK_ROWS
    before = np.cumsum(np.where(which, groups.size, 0)) - np.where(which, groups.size, 0)
    block = before // BLOCK_ROWS
    edges = np.r_[0, np.flatnonzero(block[1:] != block[:-1]) + 1, len(groups)]
    for g0, g1 in zip(edges[:-1].tolist(), edges[1:].tolist()):
        rows = groups.rows[groups.start[g0]:groups.start[g1]]
        group = groups.group[groups.start[g0]:groups.start[g1]]
        chosen = which[group]
        if chosen.any():
            _count_block(iv, groups, rows[chosen], group[chosen].astype(np.int64), counts)
    return counts


def _count_block(iv: Intervals, groups: Groups, rows: np.ndarray, group: np.ndarray, counts: np.ndarray) -> None:
    """Add the conflicting pairs of the groups of `rows` (whole groups, in group order) to counts."""
    ends = Ends(iv, rows)
    source = groups.source_code[rows].astype(np.int64)
    by_source = factorize(group * (int(source.max()) + 1) + source)[0]   # dense: keys × ranks fit 64 bits
    counts += np.bincount(group, weights=below_counts(group, ends), minlength=len(counts)).astype(np.int64)
    # pairs within one source of a group; a source alone in its group has none (its self-pair
    # terms cancel), and most are alone: count only the others
    shared = np.bincount(by_source)[by_source] > 1
    if shared.any():
        within = below_counts(by_source[shared], ends.take(np.flatnonzero(shared)))
        counts -= np.bincount(group[shared], weights=within, minlength=len(counts)).astype(np.int64)
    for g in sorted_unique(group[ends.loose]).tolist():   # ends chained by rounding beyond rounding: pair by pair
        members = groups.members(g)
        counts[g] = len(_conflicting(groups.source_code, iv, np.repeat(members, len(members)),
                                     np.tile(members, len(members)))[0])


def _conflicting(source, iv, i, j):
    """The pairs (i, j) of rows, i wholly below j without meeting it, from different sources
    (`source`: a code per table row)."""
    keep = (i != j) & (iv.hi[i] <= iv.lo[j]) & (source[i] != source[j])
    i, j = i[keep], j[keep]
    keep = ~meet(iv.take(i), iv.take(j))
    return i[keep], j[keep]


def small_group_pairs(df: pd.DataFrame, iv: Intervals, groups: Groups):
    """X001's pairs inside the small groups (same period) and across the overlapping periods of
    two small groups of a stock or cumulative quantity. Returns (lower, higher, same_period).

    Each group has at most BIG_GROUP figures, so comparing every pair of two groups is bounded
    by a constant per group pair; group pairs are found by sorting periods, not by pairing all.
    """
    small = np.flatnonzero((groups.size >= 1) & (groups.size <= BIG_GROUP))
    # same period: every ordered pair inside each small group that may hold one, in one expansion
    searched = small[groups.may_conflict(iv)[small]]
    i, j = _expand(groups, searched, searched)
    lower, higher = _conflicting(groups.source_code, iv, i, j)
    same = np.ones(len(lower), bool)
    # overlapping, different periods (stocks, cumulatives): pairs of small groups of one quantity
    first = groups.start[:-1]
    flow = (df["kind"] == "flow").to_numpy()[groups.rows[first]]   # compared in the column's own storage
    candidates = small[~flow[small]]
    ga, gb = _overlapping_groups(groups, candidates)
    if len(ga):
        i, j = _expand(groups, ga, gb)
        lo2, hi2 = _conflicting(groups.source_code, iv, np.r_[i, j], np.r_[j, i])
        lower, higher = np.r_[lower, lo2], np.r_[higher, hi2]
        same = np.r_[same, np.zeros(len(lo2), bool)]
    return lower, higher, same


def _expand(groups: Groups, ga: np.ndarray, gb: np.ndarray):
    """Every (row of group ga[k], row of group gb[k]) for each k, as two arrays."""
    na, nb = groups.size[ga], groups.size[gb]
    per = na * nb
    k = np.repeat(np.arange(len(ga)), per)
    t = np.arange(int(per.sum())) - np.repeat(np.cumsum(per) - per, per)
    i = groups.rows[groups.start[ga][k] + t // nb[k]]
    j = groups.rows[groups.start[gb][k] + t % nb[k]]
    return i, j


def _overlapping_groups(groups: Groups, candidates: np.ndarray):
    """Pairs (a, b) of candidate groups of one quantity whose (different) periods overlap.

    Sorted by quantity, then start: the groups that overlap a and come after it are the next
    ones whose start lies before a's end — a range found by binary search, so the work is the
    number of overlapping pairs, never the square of a quantity's periods.
    """
    s = groups.group_period_start[candidates].astype(np.int64)
    e = groups.group_period_end[candidates].astype(np.int64)
    low = min(int(s.min(initial=0)), 0)
    span = int(e.max(initial=0)) - low + 1
    q = groups.group_quantity[candidates].astype(np.int64)
    order = np.lexsort((e, s, q))
    candidates, q, s, e = candidates[order], q[order], s[order] - low, e[order] - low
    key = q * span + s
    after = np.arange(1, len(key) + 1)
    upto = np.searchsorted(key, q * span + e, side="left")   # same quantity, starting before a ends
    count = np.maximum(upto - after, 0)
    a = np.repeat(np.arange(len(key)), count)
    b = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + after[a]
    return candidates[a], candidates[b]


# --- the largest agreeing cluster of a big group --------------------------------------------------

class Clusters:
    """For each big group, the most figures that share one point, and where (its camps).

    A sweep over the groups' interval ends in one sort: starts +1, ends -1, ends in canonical
    order (class, then: open high end, closed low end, closed high end, open low end, so that
    touching closed ends meet and open ones do not). The depth after a batch of starts is how
    many intervals share that stretch; the largest depth is the largest agreeing cluster (in one
    dimension, intervals that meet pairwise share a point). A camp is a stretch where it is
    reached: one camp is a consensus, two or more are a split.
    """

    def __init__(self, iv: Intervals, groups: Groups, big: np.ndarray):
        self.big = big
        local = np.full(len(groups), -1)
        local[big] = np.arange(len(big))
        take = np.flatnonzero(local[groups.group] >= 0)
        self.rows = groups.rows[take]
        self.local = local[groups.group[take]]
        ends = Ends(iv, self.rows) if len(take) else None
        if ends is None:
            self.start_key = self.end_key = np.zeros(0, np.int64)
            self.depth = np.zeros(len(big), np.int64)
            self.camp_group = self.camp_start = self.camp_end = np.zeros(0, np.int64)
            self.first_camp = self.start_of = np.zeros(len(big) + 1, np.int64)
            return
        cls = ends.class_of
        self.start_key = cls[ends.r_lo].astype(np.int64) * 4 + np.where(ends.lo_shut, 1, 3)
        self.end_key = cls[ends.r_hi].astype(np.int64) * 4 + np.where(ends.hi_shut, 2, 0)
        valid = self.start_key < self.end_key           # a point with an open end holds no point
        width = 4 * ends.n_classes + 4
        offset = self.local[valid].astype(np.int64) * width
        keys = np.r_[offset + self.start_key[valid], offset + self.end_key[valid]]
        # (a start or an end in a byte; depths, at most a group's size, in int32)
        delta = np.r_[np.ones(int(valid.sum()), np.int8), -np.ones(int(valid.sum()), np.int8)]
        order = np.argsort(keys, kind="stable")
        keys, delta = keys[order], delta[order]
        del order
        depth = np.cumsum(delta, dtype=np.int32)
        last = np.flatnonzero(np.r_[keys[1:] != keys[:-1], len(keys) > 0])   # each batch's last event
        starts = last[delta[last] > 0]
        group = keys[starts] // width
        self.depth = np.zeros(len(big), np.int64)
        np.maximum.at(self.depth, group, depth[starts])
        camp = starts[depth[starts] == self.depth[group]]
        self.camp_group = keys[camp] // width
        self.camp_start = keys[camp] % width            # the stretch from this batch …
        self.camp_end = keys[camp + 1] % width          # … to the next (always an end)
        self.first_camp = np.searchsorted(self.camp_group, np.arange(len(big) + 1))
        self.start_of = np.searchsorted(self.local, np.arange(len(big) + 1))

    def members(self, which: np.ndarray):
        """Every camp's members at once, for the big groups `which` (a mask over them): (camp,
        row) pairs, by camp, each camp's rows as camps() lists them."""
        camps = np.flatnonzero(np.asarray(which, bool)[self.camp_group])
        b = self.camp_group[camps]
        owner, at = _expand_slices(self.start_of[b], self.start_of[b + 1], np.arange(len(self.rows)))
        camp = camps[owner]
        s, e = self.start_key[at], self.end_key[at]
        inside = (s <= self.camp_start[camp]) & (e >= self.camp_end[camp]) & (s < e)
        return camp[inside], self.rows[at[inside]]

    def camps(self, b: int):
        """[(members as rows, ...)] for big group b: the rows whose intervals cover each camp."""
        lo, hi = self.start_of[b], self.start_of[b + 1]
        s, e = self.start_key[lo:hi], self.end_key[lo:hi]
        out = []
        for c in range(self.first_camp[b], self.first_camp[b + 1]):
            inside = (s <= self.camp_start[c]) & (e >= self.camp_end[c]) & (s < e)
            out.append(self.rows[lo:hi][inside])
        return out


# --- explaining a gap -------------------------------------------------------------------------

class _Pools:
    """Row indices by quantity and by source, built once per run (one stable sort each): the gap
    search per finding then looks only at its own quantity and sources, never at the whole table.
    Given the pairs to explain (`lower`, `higher`), only their quantities and sources are indexed:
    the only ones their searches look up."""

    def __init__(self, df: pd.DataFrame, table=None, lower: np.ndarray | None = None,
                 higher: np.ndarray | None = None):
        codes = _coder(df, table)
        rows = np.flatnonzero(comparable(df, table))
        quantity, source = codes("quantity"), codes("source")
        self.quantity_code, self.by_quantity, self.quantity_bounds = self._index(
            quantity, rows, None if lower is None else quantity[lower])
        self.source_code, self.by_source, self.source_bounds = self._index(
            source, rows, None if lower is None else source[np.r_[lower, higher]])
        if lower is None:
            self.dimension = codes("dimension")
        else:
            # only the pools' figures and the pairs' own are compared by dimension: their codes,
            # not a factorize of every figure's dimension (-2 for the rest, never compared)
            # (in the smallest integers that hold them: a code per figure, for the whole of X001)
            needed = np.r_[self.by_source, lower, higher]
            found = _dimension_codes(df, needed)
            self.dimension = np.full(len(df), -2, np.min_scalar_type(-int(found.max(initial=0)) - 2))
            self.dimension[needed] = found
        self.source = self.source_code

    @staticmethod
    def _index(codes: np.ndarray, rows: np.ndarray, wanted: np.ndarray | None = None):
        if wanted is not None:
            keep = np.zeros(int(codes.max(initial=-1)) + 1, bool)
            keep[wanted] = True
            rows = rows[keep[codes[rows]]]
        ordered = rows[group_order(codes[rows])]     # table order within each code
        bounds = np.searchsorted(codes[ordered], np.arange(codes.max(initial=-1) + 2))
        return codes, ordered, bounds

    def terms(self, iv: Intervals):
        """Per pool position (by_quantity, by_source): whether the figure can be a term of a sum
        (a finite interval above 0), its interval's middle, and (by source) its dimension code —
        read once in pool order, so each pair's candidates are contiguous slices of them."""
        if getattr(self, "_terms", None) is None or self._terms[0] is not iv:
            def columns(rows):
                lo, hi = iv.lo[rows], iv.hi[rows]
                return np.isfinite(hi) & (lo > 0), (lo + hi) / 2
            self._terms = (iv, columns(self.by_quantity), (*columns(self.by_source), self.dimension[self.by_source]))
        return self._terms[1:]

    def same_quantity(self, row: int) -> np.ndarray:
        c = self.quantity_code[row]
        return self.by_quantity[self.quantity_bounds[c]:self.quantity_bounds[c + 1]]

    def same_source(self, row: int) -> np.ndarray:
        c = self.source_code[row]
        return self.by_source[self.source_bounds[c]:self.source_bounds[c + 1]]


def _dimension_codes(df: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """Codes of the dimensions of `rows` that are equal where the dimensions are (what
    pd.factorize gives them): a figure's dimension is its unit's, so where every row has its
    unit's number (unit_id) only one row per unit is looked at; else every row's is factorized."""
    unit = df["unit_id"].to_numpy() if "unit_id" in df.columns else None
    if unit is None or not len(rows) or unit[rows].min() < 0:
        return factorize(df["dimension"].iloc[rows].to_numpy())[0]
    unit = unit[rows].astype(np.int64)
    one_row = np.zeros(int(unit.max()) + 1, np.int64)
    one_row[unit] = rows                         # a row of each unit (the last)
    present = np.flatnonzero(np.bincount(unit))
    code_of_unit = np.zeros(len(one_row), np.int64)
    # (the rows' cells gathered first: the column may be a categorical, whose to_numpy makes
    # an array of every row)
    code_of_unit[present] = pd.factorize(df["dimension"].iloc[one_row[present]].to_numpy())[0]
    return code_of_unit[unit]

# the sums tried per number of terms: all combinations of the closest candidates, in order
_POOL = {1: 40, 2: 30, 3: 12}
_COMBOS = {t: np.array(list(itertools.combinations(range(n), t)), dtype=np.int64) for t, n in _POOL.items()}


def gap_closers(ctx, lower: int, higher: int, max_terms: int = 3, pools: _Pools | None = None):
    """Figures whose sum with the lower one meets the higher: 11,000 + 3,000 = 14,000.

    Tried in order: one, two, then three figures of the same quantity, then of the two
    sources' figures of the same dimension; the first of these stages with a sum that meets
    wins. Every sum of every stage (a few hundred) is formed and compared at once.
    """
    pools = pools or _Pools(ctx.table.df)
    iv = ctx.table.intervals
    target = iv.take([higher])
    need = (iv.lo[higher] + iv.hi[higher] - iv.lo[lower] - iv.hi[lower]) / 2
    near = np.concatenate([pools.same_source(lower), pools.same_source(higher)])
    same_dimension = sorted_unique(near[pools.dimension[near] == pools.dimension[lower]])
    combos, stages = [], []
    for stage, candidates in enumerate((pools.same_quantity(lower), same_dimension)):
        candidates = candidates[(candidates != lower) & (candidates != higher)]
        candidates = candidates[np.isfinite(iv.hi[candidates]) & (iv.lo[candidates] > 0)]
        # keep the search bounded (a few hundred sums per finding): the closest in size are likeliest
        mid = (iv.lo[candidates] + iv.hi[candidates]) / 2
        candidates = candidates[np.argsort(np.abs(mid - need), kind="stable")]
        for terms in range(1, max_terms + 1):
            pool = candidates[:_POOL[terms]]
            index = _COMBOS[terms]
            index = index[index[:, -1] < len(pool)]     # the combinations of the pool, in order
            if not len(index):
                break
            padded = np.full((len(index), max_terms), -1, dtype=np.int64)   # -1: no term
            padded[:, :terms] = pool[index]
            combos.append(padded)
            stages.append(np.full(len(index), stage * max_terms + terms))
    if not combos:
        return None
    combos, stages = np.concatenate(combos), np.concatenate(stages)
    real = combos >= 0
    k = np.where(real, combos, lower)
    m = len(combos)
    # the sums, term by term (the order Intervals.__add__ adds them in; adding 0.0 changes nothing)
    lo, hi = np.full(m, iv.lo[lower]), np.full(m, iv.hi[lower])
    lo_open, hi_open = np.full(m, iv.lo_open[lower]), np.full(m, iv.hi_open[lower])
    for t in range(max_terms):
        lo = lo + np.where(real[:, t], iv.lo[k[:, t]], 0.0)
        hi = hi + np.where(real[:, t], iv.hi[k[:, t]], 0.0)
        lo_open = lo_open | (real[:, t] & iv.lo_open[k[:, t]])
        hi_open = hi_open | (real[:, t] & iv.hi_open[k[:, t]])
    total = Intervals.of(*_past_the_largest_float(lo, hi, lo_open, hi_open))
    ok = meet(total, target)
    if not ok.any():
        return None
    ok &= stages == stages[ok].min()
    hits = combos[ok]
    # prefer figures from the lower figure's own source, then the closest sum
    own = ((pools.source[k[ok]] == pools.source[lower]) & real[ok]).sum(axis=1)
    mids = (total.lo[ok] + total.hi[ok]) / 2
    centre = (target.lo[0] + target.hi[0]) / 2
    best = np.lexsort((np.abs(mids - centre), -own))[0]
    return [int(x) for x in hits[best] if x >= 0]


# for each number of terms and pool size, the combinations of a pool that size, in order
_COMBOS_OF = {t: [c[c[:, -1] < n] if len(c) else c for n in range(_POOL[t] + 1)] for t, c in _COMBOS.items()}
# the same combinations in colex order (by last term, then the one before, ...): a pool of n
# candidates has the first comb(n, t) of them; with each one's place in itertools' (lexicographic)
# order, which among one pair's sums decides a tie as the order they were tried in did
_COLEX = {t: c[np.lexsort(c.T)] if len(c) else c for t, c in _COMBOS.items()}
_LEX_PLACE = {t: np.lexsort(c.T) for t, c in _COMBOS.items()}
_N_COMBOS = {t: np.array([len(c) for c in combos], dtype=np.int64) for t, combos in _COMBOS_OF.items()}


def gap_closers_all(ctx, lower: np.ndarray, higher: np.ndarray, pools: _Pools | None = None,
                    chunk: int = 1024) -> list:
    """gap_closers for many pairs at once, with the same answers: each stage (one, two, three
    terms; the same quantity, then the two sources' figures) is tried for every pair still
    without an explanation in one set of array operations. Pairs go in chunks to bound memory."""
    pools = pools or _Pools(ctx.table.df)
    out = []
    for start in range(0, len(lower), chunk):
        out += _closers_chunk(ctx.table.intervals, pools, np.asarray(lower[start:start + chunk], np.int64),
                              np.asarray(higher[start:start + chunk], np.int64))
    return out


def _expand_slices(bounds_lo: np.ndarray, bounds_hi: np.ndarray, values: np.ndarray | None):
    """(owner, value) for every value in values[bounds_lo[k]:bounds_hi[k]], for every k (values
    None: the positions)."""
    n = np.maximum(bounds_hi - bounds_lo, 0)
    owner = np.repeat(np.arange(len(n)), n)
    at = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n) + np.repeat(bounds_lo, n)
    return owner, at if values is None else values[at]


def _candidates(iv: Intervals, pools: _Pools, lower: np.ndarray, higher: np.ndarray, which: np.ndarray,
                stage_set: int):
    """The candidate terms of the pairs `which` for one set (0: the lower figure's quantity; 1: both
    sources' figures of its dimension), as (pair, row), each pair's closest to the gap first, table
    order on ties."""
    (q_term, q_mid), (s_term, s_mid, s_dimension) = pools.terms(iv)
    a, b = lower[which], higher[which]
    if stage_set == 0:
        qc = pools.quantity_code[a]
        owner, at = _expand_slices(pools.quantity_bounds[qc], pools.quantity_bounds[qc + 1], None)
        keep = q_term[at]
        owner, at = owner[keep], at[keep]
        rows, mid = pools.by_quantity[at], q_mid[at]
    else:
        sa, sb = pools.source_code[a], pools.source_code[b]
        other = np.flatnonzero(sb != sa)          # the higher figure's source, where it is another
        o_a, at_a = _expand_slices(pools.source_bounds[sa], pools.source_bounds[sa + 1], None)
        o_b, at_b = _expand_slices(pools.source_bounds[sb[other]], pools.source_bounds[sb[other] + 1], None)
        owner, at = np.r_[o_a, other[o_b]], np.r_[at_a, at_b]
        keep = s_term[at] & (s_dimension[at] == pools.dimension[a][owner])
        owner, at = owner[keep], at[keep]
        rows, mid = pools.by_source[at], s_mid[at]
    owner = which[owner]
    keep = (rows != lower[owner]) & (rows != higher[owner])
    owner, rows, mid = owner[keep], rows[keep], mid[keep]
    need = (iv.lo[higher] + iv.hi[higher] - iv.lo[lower] - iv.hi[lower]) / 2
    closeness = np.abs(mid - need[owner])
    # a quantity's rows ascend within each pair, and a stable sort keeps them so on ties; the two
    # sources' rows are sorted by row too
    order = np.lexsort((closeness, owner) if stage_set == 0 else (rows, closeness, owner))
    return owner[order], rows[order]


def _closers_chunk(iv: Intervals, pools: _Pools, lower: np.ndarray, higher: np.ndarray) -> list:
    p = len(lower)
    found: list = [None] * p
    open_pair = np.ones(p, bool)
    for stage_set in (0, 1):
        # set 1 only for the pairs set 0 left unexplained
        owner, rows = _candidates(iv, pools, lower, higher, np.flatnonzero(open_pair), stage_set)
        size = np.bincount(owner, minlength=p)
        position = np.arange(len(rows)) - (np.cumsum(size) - size)[owner]   # its place in its pair's list
        # a figure whose low end, added to the lower figure's, already passes the higher figure's
        # high end (beyond rounding) is in no sum that meets it: every other term adds (all are
        # > 0), and float addition of positive terms never rounds below a partial sum. Its sums
        # are not formed.
        alone = iv.lo[lower[owner]] + iv.lo[rows]
        alone = np.where(np.isposinf(alone), np.finfo(float).max, alone)   # as _past_the_largest_float
        ceiling = iv.hi[higher[owner]]
        with np.errstate(invalid="ignore"):
            usable = ~((alone > ceiling) & ~close(alone, ceiling))
        for terms in (1, 2, 3):
            # each open pair's pool (its closest _POOL[terms] of the set), less the unusable: the
            # combinations of the rest, in order, are the pool's combinations that can meet
            at = np.flatnonzero(usable & (position < _POOL[terms]) & open_pair[owner])
            count = np.bincount(owner[at], minlength=p)
            # every pair's combinations of its pool at once: comb(n, terms) of them (the first in
            # colex order), each a tuple of places in the pair's run of `at`
            per_pair = _N_COMBOS[terms][count]
            if not per_pair.any():
                continue
            pair = np.repeat(np.arange(p), per_pair)
            which = np.arange(len(pair)) - np.repeat(np.cumsum(per_pair) - per_pair, per_pair)
            combo_rows = rows[at[(np.cumsum(count) - count)[pair][:, None] + _COLEX[terms][which]]]
            tried = _LEX_PLACE[terms][which]     # the order each pair's sums were tried in
            a = lower[pair]
            lo, hi, lo_open, hi_open = iv.lo[a], iv.hi[a], iv.lo_open[a], iv.hi_open[a]
            for t in range(terms):
                k = combo_rows[:, t]
                lo, hi = lo + iv.lo[k], hi + iv.hi[k]
                lo_open, hi_open = lo_open | iv.lo_open[k], hi_open | iv.hi_open[k]
            total = Intervals.of(*_past_the_largest_float(lo, hi, lo_open, hi_open))
            ok = meet(total, iv.take(higher[pair]))
            if not ok.any():
                continue
            pair, combo_rows, sequence = pair[ok], combo_rows[ok], tried[ok]
            own = (pools.source[combo_rows] == pools.source[lower[pair]][:, None]).sum(axis=1)
            b = higher[pair]
            distance = np.abs((total.lo[ok] + total.hi[ok]) / 2 - (iv.lo[b] + iv.hi[b]) / 2)
            # prefer figures from the lower figure's own source, then the closest sum, then the first tried
            best = np.lexsort((sequence, distance, -own, pair))
            pair, combo_rows = pair[best], combo_rows[best]
            head = np.r_[True, pair[1:] != pair[:-1]]
            for q, chosen in zip(pair[head].tolist(), combo_rows[head].tolist()):
                found[q] = chosen       # (tolist made it a list of ints)
            open_pair[pair[head]] = False
    return found


def _who(ctx, fid) -> str:
    """Who says what, when: a figure id, or its record (or view) when the caller has it."""
    f = ctx.corpus.figures[fid] if isinstance(fid, str) else fid
    source = ctx.corpus.sources[f.source]
    by = f" ({f.attributed_to})" if f.attributed_to else ""
    return f"{display.source_label(source)}{by} says {display.stated(f)} for {f.period}"


@rule("X001", "sources-disagree", "error",
      failing=_two_sources("14.000"),
      passing=_two_sources("11.000"))
def sources_disagree(ctx):
    """Two sources give figures for one quantity and time that cannot both be true.

    ## What it does
    For every quantity, compares the figures of different sources whose periods overlap
    (for flows: the same period) and flags those whose intervals do not meet. Forecasts and
    hypotheticals are not compared with reports.

    Figures of one quantity and one period form a group. A group of up to six figures is
    reported pair by pair: same period, error; periods that only overlap (stocks, cumulative
    counts), warning; where the sum of up to three other figures closes the gap, it says so.
    A bigger group is reported once (error), by its largest agreeing cluster — the most
    figures that share one value, and the consensus interval they share — with the figures
    outside it, who says what, and the number of conflicting pairs across sources. Two camps
    of equal size are reported as a split. A big group whose conflicts all lie within one
    source is not reported. Figures of a big group are not compared with other periods.

    ## Why is this bad?
    Readers meet both numbers. When "etwa 11.000" and "etwa 14.000" soldiers were sent in the
    same year, at least one source is wrong, or they count different things.

    ## Example
    s1: "etwa 11.000 Soldaten" sent in 2024; s2: "etwa 14.000 Soldaten" sent in 2024.

    ## Use instead
    Say which count the article uses, or encode the second figure as its own quantity when
    it counts something else (e.g. 11,000 in 2024 plus 3,000 early in 2025).
    """
    df = ctx.table.df
    iv = ctx.table.intervals
    groups = Groups(df, ctx.table)
    pairs = small_group_pairs(df, iv, groups)
    counts = group_conflict_counts(df, iv, groups, which=groups.size > BIG_GROUP)
    big = np.flatnonzero(counts > 0)
    # the big groups' findings are worked out up to their texts first: the groups' and clusters'
    # arrays (~25 MB at a million figures) are gone before any finding is made
    made = _big_groups(ctx, groups, big, counts) if len(big) else None
    del groups, counts
    yield from _pair_hits(ctx, *pairs)
    del pairs
    if made is not None:
        yield from _group_hits(ctx, *made)


def _big_groups(ctx, groups: Groups, big: np.ndarray, counts: np.ndarray) -> tuple:
    """What the findings of the big groups `big` (with conflicts: counts) are made of, as
    _group_hits takes it: their rows, camps, outsiders and the texts of the figures they print."""
    df = ctx.table.df
    iv = ctx.table.intervals
    clusters = Clusters(iv, groups, big)
    ids = frame_cells(df["id"])
    # every big group's rows at once, in group order; within a group sorted by id: by id
    # (stable), then by group (stable)
    owner, every = _expand_slices(groups.start[big], groups.start[big + 1], groups.rows)
    # rows are in table order within a group: archives' ids usually are too (the whole column
    # ascends: compared where the ids stand, none of them gathered), and then no sort (an
    # object sort of every big group's ids) is needed
    if not _ascending(ids):
        keys = ids[every]
        same_group = owner[1:] == owner[:-1]
        if not bool((keys[1:][same_group] >= keys[:-1][same_group]).all()):
            by_id = np.argsort(keys, kind="stable")
            by_id = by_id[np.argsort(owner[by_id], kind="stable")]
            every = every[by_id]
        del keys, same_group
    bounds = np.searchsorted(owner, np.arange(len(big) + 1)).tolist()
    # the camps of the groups where more than one figure agrees, and every camp's members
    shown_camps = clusters.depth > 1
    camp, camp_rows = clusters.members(shown_camps)
    consensus = _camp_consensus(iv, camp, camp_rows, len(clusters.camp_group))
    first_camp = np.where(shown_camps, clusters.first_camp[:-1], 0).tolist()
    last_camp = np.where(shown_camps, clusters.first_camp[1:], 0).tolist()
    in_camp = np.zeros(len(df), bool)
    in_camp[camp_rows] = True
    out = ~in_camp[every]
    outside, out_owner = every[out], owner[out]
    out_bounds = np.searchsorted(out_owner, np.arange(len(big) + 1))
    n_camps = np.subtract(last_camp, first_camp)
    # one lookup for every figure the findings print: each group's first, its first outsiders
    listed = np.arange(len(outside)) - out_bounds[out_owner] < LISTED
    view = _views(ctx, np.r_[every[bounds[:-1]], outside[listed]])
    out_bounds = out_bounds.tolist()
    # the figures each finding names: the outsiders of a consensus, else the whole group
    _name(ctx.table, every[out | (n_camps != 1)[owner]])
    texts = _Texts(ctx, view, people=False)
    facts = _quantity_facts(ctx, [view[r].quantity for r in every[bounds[:-1]].tolist()])
    return (every, bounds, outside, out_bounds, consensus, first_camp, last_camp, clusters.depth.tolist(),
            counts[big].tolist(), view, ids, texts, facts)


def _ascending(ids: np.ndarray) -> bool:
    """Whether the ids never fall in table order. Compared as slices of the column: a gather
    would write the reference count of each id it takes (in the text worker's pages too)."""
    if isinstance(ids, ArrowCells):   # compared by arrow, as UTF-8 bytes: in code point order
        import pyarrow.compute as pc

        return len(ids) < 2 or bool(pc.all(pc.greater_equal(ids.array[1:], ids.array[:-1])).as_py())
    try:
        return bool((ids[1:] >= ids[:-1]).all())
    except TypeError:       # ids that do not compare
        return False


def _group_hits(ctx, every, bounds, outside, out_bounds, consensus, first_camp, last_camp, depths, conflicts,
                view, ids, texts, facts):
    """One finding per big group (_big_groups' parts), in group order."""
    for b in range(len(depths)):
        camps = [tuple(column[c] for column in consensus) for c in range(first_camp[b], last_camp[b])]
        yield _group_hit(ctx, every[bounds[b]:bounds[b + 1]], camps, outside[out_bounds[b]:out_bounds[b + 1]],
                         depths[b], conflicts[b], view, ids, texts, facts)


def _camp_consensus(iv: Intervals, camp: np.ndarray, rows: np.ndarray, n: int):
    """Per camp (of n; (camp, row) pairs by camp): the intersection of its members' intervals and
    their number, as lists (low, high, low_open, high_open, size); 0 for a camp without members."""
    size = np.bincount(camp, minlength=n)
    low, high = np.zeros(n), np.zeros(n)
    low_open, high_open = np.zeros(n, bool), np.zeros(n, bool)
    if len(camp):
        first = np.flatnonzero(np.r_[True, camp[1:] != camp[:-1]])
        at = camp[first]
        lo, hi = iv.lo[rows], iv.hi[rows]
        low[at], high[at] = np.maximum.reduceat(lo, first), np.minimum.reduceat(hi, first)
        # open where a member with that very end has it open
        low_open[at] = np.logical_or.reduceat(iv.lo_open[rows] & (lo == low[camp]), first)
        high_open[at] = np.logical_or.reduceat(iv.hi_open[rows] & (hi == high[camp]), first)
    return low.tolist(), high.tolist(), low_open.tolist(), high_open.tolist(), size.tolist()


class _View(NamedTuple):
    """The fields of a Figure that findings print, read from the figure frame's columns."""

    id: str
    source: str
    quote: str
    low: float
    high: float
    unit: str
    qualifier: str
    quantity: str
    period: str
    attributed_to: str


def _name(table, rows) -> None:
    """Tell the table which figures the hits will name (FigureTable.name_figures)."""
    if hasattr(table, "name_figures"):
        table.name_figures(rows)


def _views(ctx, rows) -> dict:
    """{table row: a Figure, or a _View with its printed fields}: building a record per figure
    (a lookup, two dates) was most of the time of writing thousands of findings."""
    from figcheck.frames import FigureFrame

    rows = sorted_unique(np.asarray(rows, dtype=np.int64))
    ids = frame_cells(ctx.table.df["id"])[rows]
    figures = ctx.corpus.figures
    if not isinstance(figures, FigureFrame):
        return {int(r): figures[fid] for r, fid in zip(rows, ids)}
    frame = figures.df
    # the table's rows are the frame's (build_columns keeps its order): checked on the ids asked for,
    # it spares hashing a million ids
    same_rows = len(frame) == len(ctx.table) and bool((frame_cells(frame["id"])[rows] == ids).all())
    at = rows if same_rows else figures.index.get_indexer(ids)
    columns = [frame_cells(frame[c])[at].tolist() for c in ("id", "source", "quote")]
    columns += [frame[c].to_numpy(dtype=float)[at].tolist() for c in ("low", "high")]
    columns += [frame[c].to_numpy()[at].tolist() for c in ("unit", "qualifier", "quantity", "period_text")]
    columns.append([a or "" for a in frame["attributed_to"].to_numpy()[at].tolist()])
    # one tuple per figure made by zip, each made a _View without a Python-level call per field
    return dict(zip(rows.tolist(), map(_View._make, zip(*columns))))


class _Texts:
    """What findings print of each figure in `view` ({table row: view}), built once per figure:
    its statement, who says it, its quote line, its short attribution, its interval as written.
    Numbers are formatted as columns (display.nums), sources labelled once each; the texts equal
    display.stated, _who, display.quote_line, _short_who and display.interval of the view.
    `people` False: no who and short_who (a big group's finding prints neither)."""

    def __init__(self, ctx, view: dict, people: bool = True):
        rows = list(view)
        views = list(view.values())
        fields = ("source", "quote", "low", "high", "unit", "qualifier", "period", "attributed_to")
        if all(type(v) is _View for v in views):     # the frame's views: columns by one transpose
            columns = list(zip(*views)) or [()] * len(_View._fields)
            source, quote, low, high, unit, qualifier, period, by = (columns[_View._fields.index(f)] for f in fields)
        else:
            source, quote, low, high, unit, qualifier, period, by = (
                [getattr(v, f) for v in views] for f in fields)
        sources = ctx.corpus.sources
        label, label_or_id, short_date = {}, {}, {}
        for s in dict.fromkeys(source):
            record = sources.get(s)
            if record is None:
                label_or_id[s] = s
                continue
            label[s] = label_or_id[s] = display.source_label(record)
            if people:
                short_date[s] = (record.id, record.published.isoformat() if record.published else record.id)
        words = display.QUALIFIER_WORDS
        point = [a == b for a, b in zip(low, high)]
        # the high end written only where it differs from the low one
        highs = display.nums(np.where(point, np.nan, np.asarray(high, dtype=float)))
        stated = [f"{words.get(q, '')}{a if p else f'{a}–{b}'} {u}"
                  for q, a, b, p, u in zip(qualifier, display.nums(low), highs, point, unit)]
        self.stated = dict(zip(rows, stated))
        self.quote_line = dict(zip(rows, [f"«{q}» — {label_or_id[s]}{f', according to {w}' if w else ''}"
                                          for q, s, w in zip(quote, source, by)]))
        if not people:
            return
        if len(label) != len(label_or_id):      # a source not in the corpus: no who
            known = [k for k, s in enumerate(source) if s in label]
            rows, stated, source, period, by = ([c[k] for k in known] for c in (rows, stated, source, period, by))
        self.who = dict(zip(rows, [f"{label[s]}{f' ({w})' if w else ''} says {t} for {p}"
                                   for s, w, t, p in zip(source, by, stated, period)]))
        self.short_who = dict(zip(rows, [f"{w}, {short_date[s][1]}" if w else f"{short_date[s][0]}, {short_date[s][1]}"
                                         for s, w in zip(source, by)]))


def _quantity_facts(ctx, names) -> dict:
    """{quantity key: (unit, the unit's factor, description or key)} for the distinct keys of
    `names`: read from the quantity frame's columns where it has them (a record per quantity,
    built by a lookup, was most of the cost), else from the records; factors once per unit."""
    from figcheck.units import unit_info

    quantities = ctx.corpus.quantities
    keys = list(dict.fromkeys(names))
    if hasattr(quantities, "positions") and hasattr(quantities, "field"):
        at = quantities.positions(keys).tolist()
        if min(at, default=0) < 0:
            raise KeyError(keys[at.index(-1)])
        unit_field, description_field = quantities.field("unit"), quantities.field("description")
        units = [unit_field[i] for i in at]
        descriptions = [description_field[i] for i in at]
    else:
        records = [quantities[q] for q in keys]
        units = [r.unit for r in records]
        descriptions = [r.description for r in records]
    factor = {u: unit_info(u).factor for u in dict.fromkeys(units)}
    return {q: (u, factor[u], d or q) for q, u, d in zip(keys, units, descriptions)}


def _pair_hits(ctx, lower, higher, same):
    """One finding per conflicting pair: the two intervals, the gap, and a sum that closes it."""
    df = ctx.table.df
    iv = ctx.table.intervals
    ids = frame_cells(df["id"])
    pools = _Pools(df, ctx.table, lower, higher) if len(lower) else None
    absolutes, relatives = gap(iv.take(lower), iv.take(higher))
    closing = gap_closers_all(ctx, lower, higher, pools=pools)
    del pools       # (not needed by the findings below: gone before they are made)
    if not len(lower):
        return
    ends = sorted_unique(np.r_[lower, higher])
    view = _views(ctx, ends)
    _name(ctx.table, ends)
    texts = _Texts(ctx, view)

    def cells(column, rows):
        return display.figure_cells(ctx.corpus, ctx.table, rows, column)

    # each figure's interval as written, formatted once per figure
    shown_interval = dict(zip(ends.tolist(), display.intervals(
        df["unit_low"].to_numpy()[ends], df["unit_high"].to_numpy()[ends], iv.lo_open[ends], iv.hi_open[ends],
        [v.unit for v in view.values()])))
    # the quantity's unit, its factor and its name, once per quantity
    quantities = cells("quantity", lower)
    per_quantity = _quantity_facts(ctx, quantities)
    info = list(map(per_quantity.__getitem__, quantities))
    per_unit = np.array([i[1] for i in info], dtype=float)
    gaps = np.asarray(absolutes, dtype=float) / per_unit
    gap_texts = display.nums(gaps)
    percent_texts = display.percents(relatives)
    stated, who, quote_line, short_who = texts.stated, texts.who, texts.quote_line, texts.short_who
    sums = _closing_sums(ctx, lower, higher, closing, per_unit, [i[0] for i in info], cells)
    # the ids and periods of both ends gathered at once, not indexed one by one
    for a, b, fa, fb, same_period, gap_value, gap_text, relative, percent_text, closing_sum, (unit, _, name), \
            quantity, period, other_period in zip(
            lower.tolist(), higher.tolist(), ids[lower].tolist(), ids[higher].tolist(), same.tolist(), gaps.tolist(),
            gap_texts, relatives.tolist(), percent_texts, sums, info, quantities, cells("period_text", lower),
            cells("period_text", higher)):
        message = (f"{fa} {shown_interval[a]} vs {fb} {shown_interval[b]} "
                   f"({quantity}, {period}{'' if same_period else ' / ' + other_period}): "
                   f"apart by {gap_text} {unit} ({percent_text})")
        details = [who[a], who[b], quote_line[a], quote_line[b]]
        data = {"gap": gap_value, "gap_unit": unit, "relative_gap": relative,
                "same_period": bool(same_period)}
        if closing_sum is not None:
            terms, total, names, figures = closing_sum
            explanation = f"{terms} = {total}: {names} meets {fb}"
            details.append("Possible explanation: " + explanation)
            data["explanation"] = {"figures": figures, "equals": str(fb), "text": explanation}
            message += f"; {terms} = {total} would explain it"
        yield make_hit(message, figures=(str(fa), str(fb)), details=tuple(details), data=data,
                  severity=Severity.error if same_period else Severity.warning,
                  headline=(f"Two sources disagree on {name} "
                            f"({period}): {stated[a]} ({short_who[a]}) vs "
                            f"{stated[b]} ({short_who[b]})."))


def _closing_sums(ctx, lower, higher, closing, per_unit: np.ndarray, units: list, cells=None) -> list:
    """Per pair, None where no sum closes its gap, else the sum as its finding writes it:
    (terms, total, the terms' figures named, their ids) — "11,000 + 3,000", "14,000",
    "a (s1, 2024) + b (s1, 2025-01/2025-03)", ["a", "b"]. Each pair's run of rows (the lower
    figure, its closers, the higher figure) is written as it was (one unit) or in the quantity's
    unit (several); every number of every run formatted by one display.nums.
    `cells(column, rows)` gives a figure field ("unit", "source", "period_text") at table rows
    (display.figure_cells by default)."""
    out: list = [None] * len(closing)
    explained = [k for k, c in enumerate(closing) if c]
    if not explained:
        return out
    df = ctx.table.df
    ids = frame_cells(df["id"])
    lows, highs = lower.tolist(), higher.tolist()
    runs = [[lows[k], *closing[k], highs[k]] for k in explained]
    length = np.fromiter(map(len, runs), np.int64, len(runs))
    first = np.cumsum(length) - length
    seq = np.fromiter(itertools.chain.from_iterable(runs), np.int64, int(length.sum()))
    if cells is None:
        def cells(column, rows):
            return display.figure_cells(ctx.corpus, ctx.table, rows, column)
    written_unit = pd.factorize(np.array(cells("unit", seq) + [None], dtype=object)[:-1])[0]
    one_unit = np.minimum.reduceat(written_unit, first) == np.maximum.reduceat(written_unit, first)
    value = df["value_low"].to_numpy()[seq]
    # several units: each term times its factor over the quantity's (the order the scalar formula used)
    converted = value * df["factor"].to_numpy()[seq] / np.repeat(per_unit[explained], length)
    flat = display.nums(np.where(np.repeat(one_unit, length), value, converted))
    # each run's terms named and their ids, as columns over every run's rows
    seq_ids = [str(i) for i in ids[seq].tolist()]
    named = [f"{i} ({source}, {period})" for i, source, period in zip(seq_ids, cells("source", seq),
                                                                        cells("period_text", seq))]
    for k, at, n, same_unit in zip(explained, first.tolist(), length.tolist(), one_unit.tolist()):
        end = at + n - 1
        out[k] = (" + ".join(flat[at:end]), flat[end] if same_unit else f"{flat[end]} {units[k]}",
                  " + ".join(named[at:end]), seq_ids[at:end])
    return out


def _consensus(iv: Intervals, members: np.ndarray, per_unit: float) -> dict:
    """The intersection of a camp's intervals, in the quantity's unit: the reference the camps'
    consensus (_camp_consensus, _shown_camp) is tested against."""
    lo, hi = iv.lo[members], iv.hi[members]
    low, high = float(lo.max()), float(hi.min())
    return {"low": low / per_unit, "high": high / per_unit, "size": len(members),
            "low_open": bool(iv.lo_open[members][lo == low].any()),
            "high_open": bool(iv.hi_open[members][hi == high].any())}


def _shown_camp(camp: tuple, per_unit: float) -> dict:
    """A camp's consensus (_camp_consensus: low, high, low_open, high_open, size) in the quantity's unit."""
    low, high, low_open, high_open, size = camp
    return {"low": low / per_unit, "high": high / per_unit, "size": size, "low_open": low_open,
            "high_open": high_open}


def _shown(camp: dict, unit: str) -> str:
    return display.interval(camp["low"], camp["high"], camp["low_open"], camp["high_open"], unit)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _group_hit(ctx, rows, camps, outside, depth: int, conflicts: int, view: dict, ids: np.ndarray,
               texts: "_Texts | None" = None, quantity_facts: dict | None = None) -> Hit:
    """One finding for a big group (rows sorted by id): its largest agreeing cluster (or the
    camps of a split: _camp_consensus of each), the figures outside it with who says what, and
    how many cross-source pairs conflict."""
    texts = texts or _Texts(ctx, view, people=False)
    stated, quote_line = texts.stated, texts.quote_line
    first = view[int(rows[0])]
    facts = (quantity_facts or _quantity_facts(ctx, [first.quantity]))[first.quantity]
    unit, per_unit, description = facts
    shown = [_shown_camp(camp, per_unit) for camp in camps]
    said = [_shown(c, unit) for c in shown]          # each camp's interval as written, once
    n, k = len(rows), len(outside)
    where = f"{first.quantity} ({first.period})"
    listed = outside[:LISTED].tolist()
    named = ", ".join(f"{view[r].id} {stated[r]}" for r in listed[:NAMED]) + (", …" if k > NAMED else "")
    pairs = _plural(conflicts, "conflicting pair")
    if len(shown) == 1:
        agree = f"{depth:,} of {n:,} figures agree on {said[0]}"
        message = f"{where}: {agree}; {_plural(k, 'figure')} outside it ({named}); {pairs}"
        details = [f"Consensus: {agree}"]
        headline = (f"Sources disagree on {description} ({first.period}): {depth:,} of {n:,} figures agree on "
                    f"{said[0]}; {_plural(k, 'figure')} {'does' if k == 1 else 'do'} not.")
        figures = outside
    else:
        if shown:
            camps_text = ", ".join(f"{c['size']:,} on {text}" for c, text in zip(shown, said))
            message = f"{where}: split — {camps_text}"
            details = [f"Camp {i}: {c['size']:,} figures agree on {text}"
                       for i, (c, text) in enumerate(zip(shown, said), 1)]
            headline = (f"Sources split on {description} ({first.period}): "
                        + " vs ".join(f"{c['size']:,} figures say {text}" for c, text in zip(shown, said)) + ".")
        else:
            message = f"{where}: no two of {n:,} figures agree ({named})"
            details = [f"No two of the {n:,} figures agree"]
            headline = f"Sources disagree on {description} ({first.period}): no two of {n:,} figures agree."
        if k and shown:
            message += f"; {_plural(k, 'figure')} in none ({named})"
        message += f"; {pairs}"
        figures = rows     # no side is the consensus: the finding is about the whole group
    for r in listed:
        f = view[r]
        details.append(f"Outside: {f.id} says {stated[r]} for {f.period}: {quote_line[r]}")
    if k > LISTED:
        details.append(f"… and {_plural(k - LISTED, 'more figure')} outside")
    data = {"same_period": True, "group_size": n, "cluster_size": depth, "conflicting_pairs": conflicts,
            "unit": unit, "outside": [str(ids[r]) for r in outside], "split": len(shown) != 1,
            "camps": shown}
    if len(shown) == 1:
        data["consensus_low"], data["consensus_high"] = shown[0]["low"], shown[0]["high"]
    return make_hit(message, figures=tuple(str(ids[r]) for r in figures), details=tuple(details), data=data,
               severity=Severity.error, headline=headline)


def _short_who(ctx, figure) -> str:
    """"südkoreanischer Geheimdienst, 2025-04-28" — who says it and when, for a headline."""
    source = ctx.corpus.sources[figure.source]
    date = source.published.isoformat() if source.published else source.id
    return f"{figure.attributed_to}, {date}" if figure.attributed_to else f"{source.id}, {date}"


def nested_pairs(df: pd.DataFrame, iv: Intervals, rows: np.ndarray, table=None):
    """X003's candidates (inner row, outer row): per quantity and period, the figure with the
    largest low end (inner) and the one with the smallest high end (outer), the first in table
    order on ties; each inner paired with the outer of every other period of its quantity that
    contains its own. Sorts and repeats over codes: no groupby or merge over strings."""
    dated = ~(np.isnat(df["period_start"].to_numpy()[rows]) | np.isnat(df["period_end"].to_numpy()[rows]))
    rows = rows[dated]                         # as groupby, which leaves out a missing key
    q = _coder(df, table)("quantity")[rows].astype(np.int64)
    q = q - q.min(initial=0)
    start = _days(df["period_start"])[rows].astype(np.int64)
    end = _days(df["period_end"])[rows].astype(np.int64)
    lo, hi = iv.lo[rows], iv.hi[rows]
    if not len(rows):
        return rows, rows
    s0, e0 = int(start.min()), int(end.min())
    s_span, e_span = int(start.max()) - s0 + 1, int(end.max()) - e0 + 1
    period, keys = factorize((q * s_span + (start - s0)) * e_span + (end - e0))
    n = len(keys)
    # per period, the first row in table order with the largest low end / the smallest high end
    # (fmax and fmin pass over NaN, as idxmax and idxmin skip it)
    best_lo, best_hi = np.full(n, -np.inf), np.full(n, np.inf)
    np.fmax.at(best_lo, period, lo)
    np.fmin.at(best_hi, period, hi)
    inner, outer = np.full(n, len(rows)), np.full(n, len(rows))
    at = np.flatnonzero(lo == best_lo[period])
    np.minimum.at(inner, period[at], at)
    at = np.flatnonzero(hi == best_hi[period])
    np.minimum.at(outer, period[at], at)
    by_quantity = np.argsort(keys, kind="stable")          # periods ordered by quantity, then start, end
    keys, inner, outer = keys[by_quantity], inner[by_quantity], outer[by_quantity]
    p_q, p_start, p_end = keys // (s_span * e_span), (keys // e_span) % s_span, keys % e_span
    # every (period a, period b) of one quantity: periods are sorted by quantity
    first = np.r_[0, np.flatnonzero(p_q[1:] != p_q[:-1]) + 1] if len(p_q) else np.zeros(0, np.int64)
    size = np.diff(np.r_[first, len(p_q)])
    of_quantity = np.repeat(np.arange(len(first)), size)            # period → its quantity's block
    count = size[of_quantity]
    a = np.repeat(np.arange(len(p_q)), count)
    b = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count) + np.repeat(first[of_quantity], count)
    keep = ((p_start[a] >= p_start[b]) & (p_end[a] <= p_end[b]) & ~((p_start[a] == p_start[b]) & (p_end[a] == p_end[b])))
    a, b = a[keep], b[keep]
    found = (inner[a] < len(rows)) & (outer[b] < len(rows))      # a period of NaN ends only has no pick
    return rows[inner[a[found]]], rows[outer[b[found]]]


def _nested_pairs_by_pandas(df: pd.DataFrame, iv: Intervals, rows: np.ndarray):
    """nested_pairs by groupby and merge: the reference it is tested against."""
    frame = pd.DataFrame({"row": rows, "quantity": df["quantity"].to_numpy()[rows],
                          "start": df["period_start"].to_numpy()[rows], "end": df["period_end"].to_numpy()[rows],
                          "lo": iv.lo[rows], "hi": iv.hi[rows]})
    inner = frame.loc[frame.groupby(["quantity", "start", "end"])["lo"].idxmax()]
    outer = frame.loc[frame.groupby(["quantity", "start", "end"])["hi"].idxmin()]
    pairs = inner.merge(outer, on="quantity", suffixes=("_in", "_out"))
    nested = ((pairs["start_in"] >= pairs["start_out"]) & (pairs["end_in"] <= pairs["end_out"])
              & ~((pairs["start_in"] == pairs["start_out"]) & (pairs["end_in"] == pairs["end_out"])))
    pairs = pairs[nested]
    return pairs["row_in"].to_numpy(), pairs["row_out"].to_numpy()


def _timeline(ctx, kind: str):
    df = ctx.table.df
    rows = np.flatnonzero((df["kind"] == kind).to_numpy() & comparable(df, ctx.table))
    return df, ctx.table.intervals, rows


def _cumulative_example(later: str) -> Example:
    return Example(f'''
[quantity.killed]
kind = "cumulative"
unit = "soldier"

[[figure]]
id = "killed_may"
source = "s1"
quote = "bis Mai 4.000 Soldaten getötet"
value = "4.000"
unit = "soldier"
quantity = "killed"
as_of = "2025-05"

[[figure]]
id = "killed_aug"
source = "s1"
quote = "bis August {later} Soldaten getötet"
value = "{later}"
unit = "soldier"
quantity = "killed"
as_of = "2025-08"
''', f"Es wurden bis Mai 4.000 Soldaten getötet, bis August {later} Soldaten getötet.")


@rule("X002", "cumulative-falls", "error",
      failing=_cumulative_example("3.000"),
      passing=_cumulative_example("5.000"), partition="quantity")
def cumulative_falls(ctx):
    """A running total is lower at a later date than at an earlier one.

    ## What it does
    For every `cumulative` quantity, orders the figures by time and flags a figure whose
    interval lies wholly below that of a figure for an earlier period.

    ## Why is this bad?
    A cumulative count (dead, wounded, shells delivered so far) never falls. A later, smaller
    figure means one of the two is wrong, or they count different things.

    ## Example
    4,000 killed by May, 3,000 killed by August.

    ## Use instead
    Check both figures and their dates; a smaller later figure may count a narrower group.
    """
    df, iv, _ = _timeline(ctx, "cumulative")
    ids = frame_cells(df["id"])
    earlier, later = falls(df, iv, ctx.table)
    view = _views(ctx, np.r_[earlier, later])
    _name(ctx.table, np.r_[earlier, later])
    texts = _Texts(ctx, view)
    stated, who, quote_line = texts.stated, texts.who, texts.quote_line
    for i, j in zip(earlier.tolist(), later.tolist()):
        A, B = view[i], view[j]
        yield Hit(f"{ids[j]} ({stated[j]}, {B.period}) is below the earlier {ids[i]} "
                  f"({stated[i]}, {A.period}); {A.quantity} is cumulative and never falls",
                  figures=(str(ids[i]), str(ids[j])),
                  details=(who[i], who[j], quote_line[i], quote_line[j]),
                  headline=f"A running total falls: {stated[i]} by {A.period}, "
                           f"then {stated[j]} by {B.period}.")


def falls(df: pd.DataFrame, iv: Intervals, table=None):
    """X002's pairs (earlier i, later j), as rows: j starts after i has ended, and j's interval
    lies wholly below the highest low end of the figures that ended before j starts (i, the
    first of them to reach it).

    One sort for every cumulative quantity at once: by quantity, then end. A running maximum of
    the low ends within each quantity, and a binary search for each figure's start, find its
    earlier figures' highest low end — no loop over quantities or figures.
    """
    rows = np.flatnonzero((df["kind"] == "cumulative").to_numpy() & comparable(df, table))
    if not len(rows):
        return np.empty(0, np.int64), np.empty(0, np.int64)
    q = _coder(df, table)("quantity")[rows].astype(np.int64)
    start, end = (_days(df[c])[rows].astype(np.int64) for c in ("period_start", "period_end"))
    low = min(int(start.min()), int(end.min()))
    span = max(int(start.max()), int(end.max())) - low + 1
    order = np.lexsort((end, q))                      # stable: rows in table order on ties
    key = q[order] * span + (end[order] - low)
    lo = iv.lo[rows[order]]
    best_low = pd.Series(lo).groupby(q[order]).cummax().to_numpy()
    position = np.arange(len(order))
    first_of_quantity = np.r_[True, q[order][1:] != q[order][:-1]]
    # the first position that reaches each running maximum (a strictly higher low end)
    rises = first_of_quantity | np.r_[False, lo[1:] > best_low[:-1]]
    best_at = pd.Series(np.where(rises, position, 0)).groupby(q[order]).cummax().to_numpy()
    k = np.searchsorted(key, q * span + (start - low), side="right") - 1   # last one ended by j's start
    has = k >= 0
    has[has] = q[order][k[has]] == q[has]
    j, k = rows[has], k[has]
    i = rows[order][best_at[k]]
    bound = best_low[k]
    falls_below = (iv.hi[j] < bound) | ((iv.hi[j] == bound) & (iv.hi_open[j] | iv.lo_open[i]))
    return i[falls_below], j[falls_below]


def _flow_example(part: str) -> Example:
    return Example(f'''
[quantity.sent]
kind = "flow"
unit = "soldier"

[[figure]]
id = "sent_year"
source = "s1"
quote = "im ganzen Jahr 11.000 Soldaten"
value = "11.000"
unit = "soldier"
quantity = "sent"
as_of = "2024"

[[figure]]
id = "sent_november"
source = "s1"
quote = "allein im November {part} Soldaten"
value = "{part}"
unit = "soldier"
quantity = "sent"
as_of = "2024-11"
''', f"Es wurden im ganzen Jahr 11.000 Soldaten entsandt, allein im November {part} Soldaten.")


@rule("X003", "flow-exceeds-containing-period", "error",
      failing=_flow_example("12.000"),
      passing=_flow_example("2.000"), partition="quantity")
def flow_exceeds_containing_period(ctx):
    """A flow over a period is larger than the same flow over a longer period that contains it.

    ## What it does
    For every `flow` quantity, compares figures whose periods nest (November 2024 inside
    2024) and flags the inner figure when its interval lies wholly above the outer one's.

    ## Why is this bad?
    What happened in November also happened in 2024: the year's amount cannot be smaller.

    ## Example
    11,000 soldiers sent in 2024, 12,000 sent in November 2024.

    ## Use instead
    Check both figures and their periods.
    """
    df, iv, rows = _timeline(ctx, "flow")
    ids = frame_cells(df["id"])
    i_rows, o_rows = nested_pairs(df, iv, rows, ctx.table)
    above = ~meet(iv.take(i_rows), iv.take(o_rows)) & (iv.lo[i_rows] >= iv.hi[o_rows])
    for i, o in zip(i_rows[above], o_rows[above]):
        A, B = ctx.corpus.figures[ids[i]], ctx.corpus.figures[ids[o]]
        yield Hit(f"{ids[i]} ({display.stated(A)} in {A.period}) exceeds {ids[o]} "
                  f"({display.stated(B)} in {B.period}), whose period contains it",
                  figures=(str(ids[i]), str(ids[o])),
                  details=(_who(ctx, ids[i]), _who(ctx, ids[o]),
                           display.quote_line(ctx.corpus, A), display.quote_line(ctx.corpus, B)),
                  headline=f"More in {A.period} ({display.stated(A)}) than in all of {B.period} ({display.stated(B)}).")
