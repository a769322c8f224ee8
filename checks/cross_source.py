"""Cross-source (X): figures of one quantity that cannot all be true.

Runs after the whole corpus is loaded, on the figure table, by sorting per quantity: pairs are
found by a sweep over intervals sorted by their upper end, never by comparing every pair.
"""
from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from figcheck import display
from figcheck.intervals import Intervals, close, gap, meet
from figcheck.rules import Example, Hit, Severity, rule

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


# --- the sweep --------------------------------------------------------------------------------

def below_pairs(quantity: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """(i, j) with interval i entirely below interval j (hi[i] <= lo[j]) and one quantity code.

    Per quantity, intervals are sorted by their upper end; the intervals entirely below j are
    a prefix of that order (found by binary search), so the work is n log n plus the output.
    The arrays are gathered once into quantity order, so each group is a contiguous slice and
    every pair indexes memory close to its partner.
    """
    order = group_order(quantity)
    quantity, lo, hi = quantity[order], lo[order], hi[order]
    bounds = np.flatnonzero(np.r_[True, quantity[1:] != quantity[:-1], True])
    out_i, out_j = [], []
    for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist()):
        if b - a < 2:
            continue
        by_high = np.argsort(hi[a:b], kind="stable")
        counts = np.searchsorted(hi[a:b][by_high], lo[a:b], side="right")
        total = int(counts.sum())
        if total == 0:
            continue
        out_j.append(np.repeat(np.arange(a, b, dtype=np.int32), counts))
        starts = np.repeat(np.cumsum(counts) - counts, counts)
        out_i.append((by_high[np.arange(total) - starts] + a).astype(np.int32))
    if not out_i:
        return np.empty(0, np.int64), np.empty(0, np.int64), order
    return np.concatenate(out_i), np.concatenate(out_j), order


def conflicting_pairs(df: pd.DataFrame, iv: Intervals):
    """X001's pairs: different sources, comparable modality, overlapping periods (flows: the
    same period), intervals that do not meet. Returns (lower, higher, same_period) as rows."""
    rows = np.flatnonzero(df["modality"].isin(COMPARABLE).to_numpy())
    quantity = pd.factorize(df["quantity"])[0][rows]   # integer codes: sorting strings is slow
    i, j, order = below_pairs(quantity, iv.lo[rows], iv.hi[rows])
    rows = rows[order]   # i and j index these rows, in quantity order
    # integer codes and days: comparing strings and timestamps pair by pair is slow
    # (32 bits: at a million figures these gathers run from memory, not cache, and width is time)
    src = pd.factorize(df["source"])[0].astype(np.int32)[rows]
    start, end = (_days(df[c])[rows] for c in ("period_start", "period_end"))
    flow = (df["kind"].to_numpy() == "flow")[rows]
    keep = src[i] != src[j]
    i, j = i[keep], j[keep]
    same_period = (start[i] == start[j]) & (end[i] == end[j])
    keep = (start[i] < end[j]) & (start[j] < end[i]) & (same_period | ~flow[i])
    i, j, same_period = rows[i[keep]], rows[j[keep]], same_period[keep]
    # hi[i] <= lo[j]; only ends within rounding of each other can still meet (by openness)
    keep = i != j
    touching = np.flatnonzero(keep & close(iv.hi[i], iv.lo[j]))
    keep[touching] = ~meet(iv.take(i[touching]), iv.take(j[touching]))
    return i[keep], j[keep], same_period[keep]


def _days(column: pd.Series) -> np.ndarray:
    """A date column as int32 days since 1970."""
    return np.asarray(column.to_numpy(), dtype="datetime64[D]").view(np.int64).astype(np.int32)


def group_order(codes: np.ndarray) -> np.ndarray:
    """A stable order of non-negative integer codes, as a radix sort over 16-bit digits.

    numpy sorts 16-bit integers stably in linear time; sorting the codes as int64 is an
    n log n merge sort and was the largest single cost of the sweep at a million figures.
    """
    codes = np.asarray(codes, dtype=np.int64)
    order = np.argsort((codes & 0xFFFF).astype(np.uint16), kind="stable")
    shift = 16
    while len(codes) and (codes.max() >> shift) > 0:
        digit = ((codes[order] >> shift) & 0xFFFF).astype(np.uint16)
        order = order[np.argsort(digit, kind="stable")]
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


# --- explaining a gap -------------------------------------------------------------------------

class _Pools:
    """Row indices by quantity and by source, built once per run: the gap search per finding
    then looks only at its own quantity, never at the whole table."""

    def __init__(self, df: pd.DataFrame):
        comparable = df["modality"].isin(COMPARABLE).to_numpy()
        rows = np.flatnonzero(comparable)
        self.by_quantity = pd.Series(rows).groupby(df["quantity"].to_numpy()[rows]).apply(np.asarray).to_dict()
        self.by_source = pd.Series(rows).groupby(df["source"].to_numpy()[rows]).apply(np.asarray).to_dict()
        self.dimension = df["dimension"].to_numpy()
        self.source = df["source"].to_numpy()
        self.quantity = df["quantity"].to_numpy()


def gap_closers(ctx, lower: int, higher: int, max_terms: int = 3, pools: _Pools | None = None):
    """Figures whose sum with the lower one meets the higher: 11,000 + 3,000 = 14,000."""
    pools = pools or _Pools(ctx.table.df)
    iv = ctx.table.intervals
    target = iv.take([higher])
    base = iv.take([lower])
    same_quantity = pools.by_quantity.get(pools.quantity[lower], np.empty(0, np.int64))
    near = np.concatenate([pools.by_source.get(pools.source[k], np.empty(0, np.int64)) for k in (lower, higher)])
    same_dimension = np.unique(near[pools.dimension[near] == pools.dimension[lower]])
    for candidates in (same_quantity, same_dimension):
        candidates = candidates[(candidates != lower) & (candidates != higher)]
        candidates = candidates[np.isfinite(iv.hi[candidates]) & (iv.lo[candidates] > 0)]
        # keep the search bounded (a few hundred sums per finding): the closest in size are likeliest
        need = (target.lo[0] + target.hi[0] - base.lo[0] - base.hi[0]) / 2
        mid = (iv.lo[candidates] + iv.hi[candidates]) / 2
        candidates = candidates[np.argsort(np.abs(mid - need), kind="stable")]
        for terms in range(1, max_terms + 1):
            pool = candidates[: {1: 40, 2: 30}.get(terms, 12)]
            combos = np.array(list(itertools.combinations(pool, terms)), dtype=np.int64)
            if len(combos) == 0:
                break
            m = len(combos)
            total = Intervals.of(np.repeat(base.lo, m), np.repeat(base.hi, m),
                                 np.repeat(base.lo_open, m), np.repeat(base.hi_open, m))
            for t in range(terms):
                total = total + iv.take(combos[:, t])
            goal = Intervals.of(np.repeat(target.lo, m), np.repeat(target.hi, m),
                                np.repeat(target.lo_open, m), np.repeat(target.hi_open, m))
            ok = meet(total, goal)
            if ok.any():
                hits = combos[ok]
                # prefer figures from the lower figure's own source, then the closest sum
                own = (pools.source[hits] == pools.source[lower]).sum(axis=1)
                mids = (total.lo[ok] + total.hi[ok]) / 2
                centre = (target.lo[0] + target.hi[0]) / 2
                best = np.lexsort((np.abs(mids - centre), -own))[0]
                return [int(k) for k in hits[best]]
    return None


def _who(ctx, fid: str) -> str:
    f = ctx.corpus.figures[fid]
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
    (for flows: the same period) and flags the pairs whose intervals do not meet. Same period:
    error; periods that only overlap: warning. Forecasts and hypotheticals are not compared
    with reports. Where the sum of up to three other figures closes the gap, it says so.

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
    lower, higher, same = conflicting_pairs(df, iv)
    ids = df["id"].to_numpy()
    unit_low, unit_high = df["unit_low"].to_numpy(), df["unit_high"].to_numpy()
    pools = _Pools(df) if len(lower) else None
    for a, b, same_period in zip(lower, higher, same):
        fa, fb = ids[a], ids[b]
        A, B = ctx.corpus.figures[fa], ctx.corpus.figures[fb]
        absolute, relative = gap(iv.take([a]), iv.take([b]))
        unit = ctx.corpus.quantities[A.quantity].unit
        from figcheck.units import unit_info

        per_unit = unit_info(unit).factor
        message = (f"{fa} {display.interval(unit_low[a], unit_high[a], bool(iv.lo_open[a]), bool(iv.hi_open[a]), A.unit)} "
                   f"vs {fb} {display.interval(unit_low[b], unit_high[b], bool(iv.lo_open[b]), bool(iv.hi_open[b]), B.unit)} "
                   f"({A.quantity}, {A.period}{'' if same_period else ' / ' + str(B.period)}): "
                   f"apart by {display.num(absolute[0] / per_unit)} {unit} ({display.percent(relative[0])})")
        details = [_who(ctx, fa), _who(ctx, fb), display.quote_line(ctx.corpus, A), display.quote_line(ctx.corpus, B)]
        data = {"gap": float(absolute[0] / per_unit), "gap_unit": unit, "relative_gap": float(relative[0]),
                "same_period": bool(same_period)}
        closers = gap_closers(ctx, int(a), int(b), pools=pools)
        if closers:
            parts = [int(a)] + closers
            terms = " + ".join(display.num(df["value_low"].iat[k]) for k in parts)
            names = " + ".join(f"{ids[k]} ({df['source'].iat[k]}, {ctx.corpus.figures[ids[k]].period})" for k in parts)
            explanation = f"{terms} = {display.num(df['value_low'].iat[b])}: {names} meets {fb}"
            details.append("Possible explanation: " + explanation)
            data["explanation"] = {"figures": [str(ids[k]) for k in parts], "equals": str(fb), "text": explanation}
            message += f"; {terms} = {display.num(df['value_low'].iat[b])} would explain it"
        yield Hit(message, figures=(str(fa), str(fb)), details=tuple(details), data=data,
                  severity=Severity.error if same_period else Severity.warning,
                  headline=(f"Two sources disagree on {ctx.corpus.quantities[A.quantity].description or A.quantity} "
                            f"({A.period}): {display.stated(A)} ({_short_who(ctx, A)}) vs "
                            f"{display.stated(B)} ({_short_who(ctx, B)})."))


def _short_who(ctx, figure) -> str:
    """"südkoreanischer Geheimdienst, 2025-04-28" — who says it and when, for a headline."""
    source = ctx.corpus.sources[figure.source]
    date = source.published.isoformat() if source.published else source.id
    return f"{figure.attributed_to}, {date}" if figure.attributed_to else f"{source.id}, {date}"


def _timeline(ctx, kind: str):
    df = ctx.table.df
    rows = np.flatnonzero((df["kind"].to_numpy() == kind) & df["modality"].isin(COMPARABLE).to_numpy())
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
    df, iv, rows = _timeline(ctx, "cumulative")
    ids = df["id"].to_numpy()
    quantities = df["quantity"].to_numpy()
    start, end = df["period_start"].to_numpy(), df["period_end"].to_numpy()
    for q in pd.unique(quantities[rows]):
        group = rows[quantities[rows] == q]
        by_end = group[np.argsort(end[group], kind="stable")]
        # the highest low end among figures that ended before each figure starts
        best_low = np.maximum.accumulate(iv.lo[by_end])
        best_at = by_end[_running_argmax(iv.lo[by_end])]
        earlier = np.searchsorted(end[by_end], start[group], side="right")
        has = earlier > 0
        for j, k in zip(group[has], earlier[has] - 1):
            i = best_at[k]
            if iv.hi[j] < best_low[k] or (iv.hi[j] == best_low[k] and (iv.hi_open[j] or iv.lo_open[i])):
                A, B = ctx.corpus.figures[ids[i]], ctx.corpus.figures[ids[j]]
                yield Hit(f"{ids[j]} ({display.stated(B)}, {B.period}) is below the earlier {ids[i]} "
                          f"({display.stated(A)}, {A.period}); {A.quantity} is cumulative and never falls",
                          figures=(str(ids[i]), str(ids[j])),
                          details=(_who(ctx, ids[i]), _who(ctx, ids[j]),
                                   display.quote_line(ctx.corpus, A), display.quote_line(ctx.corpus, B)),
                          headline=f"A running total falls: {display.stated(A)} by {A.period}, "
                                   f"then {display.stated(B)} by {B.period}.")


def _running_argmax(values: np.ndarray) -> np.ndarray:
    """For each position, the index of the maximum so far (first one on ties)."""
    idx = np.arange(len(values))
    is_new_max = np.r_[True, values[1:] > np.maximum.accumulate(values)[:-1]]
    return np.maximum.accumulate(np.where(is_new_max, idx, 0))


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
    ids = df["id"].to_numpy()
    frame = pd.DataFrame({"row": rows, "quantity": df["quantity"].to_numpy()[rows],
                          "start": df["period_start"].to_numpy()[rows], "end": df["period_end"].to_numpy()[rows],
                          "lo": iv.lo[rows], "hi": iv.hi[rows]})
    # one entry per (quantity, period): its largest low end and smallest high end
    inner = frame.loc[frame.groupby(["quantity", "start", "end"])["lo"].idxmax()]
    outer = frame.loc[frame.groupby(["quantity", "start", "end"])["hi"].idxmin()]
    pairs = inner.merge(outer, on="quantity", suffixes=("_in", "_out"))
    nested = ((pairs["start_in"] >= pairs["start_out"]) & (pairs["end_in"] <= pairs["end_out"])
              & ~((pairs["start_in"] == pairs["start_out"]) & (pairs["end_in"] == pairs["end_out"])))
    pairs = pairs[nested]
    i_rows, o_rows = pairs["row_in"].to_numpy(), pairs["row_out"].to_numpy()
    above = ~meet(iv.take(i_rows), iv.take(o_rows)) & (iv.lo[i_rows] >= iv.hi[o_rows])
    for i, o in zip(i_rows[above], o_rows[above]):
        A, B = ctx.corpus.figures[ids[i]], ctx.corpus.figures[ids[o]]
        yield Hit(f"{ids[i]} ({display.stated(A)} in {A.period}) exceeds {ids[o]} "
                  f"({display.stated(B)} in {B.period}), whose period contains it",
                  figures=(str(ids[i]), str(ids[o])),
                  details=(_who(ctx, ids[i]), _who(ctx, ids[o]),
                           display.quote_line(ctx.corpus, A), display.quote_line(ctx.corpus, B)),
                  headline=f"More in {A.period} ({display.stated(A)}) than in all of {B.period} ({display.stated(B)}).")
