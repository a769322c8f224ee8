"""Percent and time (T): shares, changes between percentages, and durations the dates give.

Shares name their parts with `of = "whole_id"` and `part = "part_id"`; a change between two
percentages names them with `between = ["before_id", "after_id"]`; a duration names its start
with `since = "2022-02"` and ends at its `as_of` (by default the source's date).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from figcheck import display
from figcheck.intervals import Intervals, meet
from figcheck.rules import Example, Hit, rule

SECONDS_PER_DAY = 86400.0


def _rows(ctx, ids):
    rows = ctx.table.index.get_indexer(list(ids))
    if (rows < 0).any():
        raise KeyError(list(ids)[int(np.argmax(rows < 0))])
    return rows.astype(np.int64)


def _text_given(column) -> np.ndarray:
    """Which cells of an object column hold a non-empty string (the loaders write "" for none)."""
    values = np.asarray(column, dtype=object)
    try:    # one C loop: "", None and 0 are false; NaN is true but is no text (checked below)
        given = values.astype(bool)
    except (TypeError, ValueError):     # a cell without a truth value: as before this scan
        given = (values != "") & ~pd.isna(values)
    for i in np.flatnonzero(given):
        given[i] = isinstance(values[i], str)
    return given


def _figures_with(ctx, *columns: str) -> list:
    """The figure records whose frame columns (of, part, between_a, since_text) are all given.

    Only those few become records: a corpus may hold a million figures and none of them a share,
    a change or a duration, and then this costs a few column scans."""
    from figcheck.frames import FigureFrame

    figures = ctx.corpus.figures
    if not isinstance(figures, FigureFrame):   # a hand-built corpus: a dict of records
        names = {"of": "of", "part": "part", "between_a": "between", "since_text": "since"}
        return [f for f in figures.values() if all(getattr(f, names[c]) for c in columns)]
    df = figures.df
    given = np.ones(len(df), dtype=bool)
    for c in columns:
        given &= _text_given(df[c])
    return [figures.record(int(i)) for i in np.flatnonzero(given)]


def _share_example(share: str) -> Example:
    return Example(f'''
[quantity.troops]
kind = "stock"
unit = "soldier"
[quantity.deminers]
kind = "stock"
unit = "soldier"
part_of = "troops"
[quantity.deminer_share]
kind = "stock"
unit = "percent"

[[figure]]
id = "troops"
source = "s1"
quote = "6.000 Soldaten"
value = "6.000"
unit = "soldier"
quantity = "troops"

[[figure]]
id = "deminers"
source = "s1"
quote = "1.000 Minenräumer"
value = "1.000"
unit = "soldier"
quantity = "deminers"

[[figure]]
id = "share"
source = "s1"
quote = "rund {share} Prozent"
value = "{share}"
qualifier = "about"
unit = "percent"
quantity = "deminer_share"
of = "troops"
part = "deminers"
''', f"Von 6.000 Soldaten sind 1.000 Minenräumer, also rund {share} Prozent.")


@rule("T001", "share-is-not-part-over-whole", "error",
      failing=_share_example("25"),
      passing=_share_example("17"))
def share_is_not_part_over_whole(ctx):
    """A stated share is not the part divided by the whole it names.

    ## What it does
    For a figure in percent (or another dimensionless unit) with `of = "whole"` and
    `part = "part"`, computes part ÷ whole in interval arithmetic and flags a share that
    cannot meet it.

    ## Why is this bad?
    "1,000 of 6,000 soldiers, that is 25 percent" — the reader can do the sum (16.7 %).

    ## Example
    share = 25 percent, part = 1,000, whole = 6,000.

    ## Use instead
    share = 17 percent (16.5–17.5 % contains 16.7 %).
    """
    figures = _figures_with(ctx, "of", "part")
    if not figures:
        return
    iv = ctx.table.intervals
    shares = iv.take(_rows(ctx, [f.id for f in figures]))
    computed = iv.take(_rows(ctx, [f.part for f in figures])) / iv.take(_rows(ctx, [f.of for f in figures]))
    dimension = ctx.table.df["dimension"].to_numpy()
    dims_ok = dimension[_rows(ctx, [f.part for f in figures])] == dimension[_rows(ctx, [f.of for f in figures])]
    bad = ~meet(shares, computed) | ~dims_ok
    for k in np.flatnonzero(bad):
        f = figures[k]
        pct = display.interval(computed.lo[k] * 100, computed.hi[k] * 100, bool(computed.lo_open[k]), bool(computed.hi_open[k]), "percent")
        reason = (f"{f.part} ÷ {f.of} = {pct}" if dims_ok[k]
                  else f"{f.part} and {f.of} have different dimensions, so no share of one in the other")
        yield Hit(f"{f.id} ({display.stated(f)}) is not {f.part} ÷ {f.of}: {reason}",
                  figures=(f.id, f.part, f.of),
                  details=tuple([display.figure_line(ctx.corpus, ctx.table, x) for x in (f.id, f.part, f.of)]
                                + [display.quote_line(ctx.corpus, ctx.corpus.figures[x]) for x in dict.fromkeys((f.id, f.part, f.of))]),
                  headline=f"The share {display.stated(f)} does not match the numbers it is a share of.")


def _change_example(change: str, unit: str) -> Example:
    return Example(f'''
[quantity.rate]
kind = "stock"
unit = "percent"
[quantity.rate_change]
kind = "flow"
unit = "percent"

[[figure]]
id = "rate_2023"
source = "s1"
quote = "von 5 Prozent"
value = "5"
unit = "percent"
quantity = "rate"
as_of = "2023"

[[figure]]
id = "rate_2024"
source = "s1"
quote = "auf 7 Prozent"
value = "7"
unit = "percent"
quantity = "rate"
as_of = "2024"

[[figure]]
id = "rise"
source = "s1"
quote = "um {change}"
value = "{change}"
unit = "{unit}"
quantity = "rate_change"
between = ["rate_2023", "rate_2024"]
''', f"Die Quote stieg von 5 Prozent auf 7 Prozent, also um {change}.")


@rule("T002", "percent-versus-percentage-points", "error",
      failing=_change_example("2", "percent"),
      passing=_change_example("2", "percentage_point"))
def percent_versus_percentage_points(ctx):
    """A change between two percentages is stated in percent where percentage points fit, or the other way round.

    ## What it does
    For a figure with `between = ["before", "after"]` whose unit is `percent` (a relative
    change) or `percentage_point` (a difference), computes both readings from the two
    percentages: after − before in points, (after − before) ÷ before in percent. It flags a
    change that does not meet its own reading, and names the mix-up when it meets the other.

    ## Why is this bad?
    From 5 % to 7 % is a rise of 2 percentage points, or of 40 percent. "2 percent" is wrong.

    ## Example
    value = "2", unit = "percent", between = ["rate_2023", "rate_2024"] (5 % → 7 %).

    ## Use instead
    unit = "percentage_point" (or "40" percent).
    """
    figures = [f for f in _figures_with(ctx, "between_a") if f.unit.strip() in ("percent", "%", "percentage_point")]
    if not figures:
        return
    iv = ctx.table.intervals
    before = iv.take(_rows(ctx, [f.between[0] for f in figures]))
    after = iv.take(_rows(ctx, [f.between[1] for f in figures]))
    stated = iv.take(_rows(ctx, [f.id for f in figures]))
    points = after - before                       # base unit: a plain fraction
    relative = (after - before) / before
    in_points = np.array([f.unit.strip() == "percentage_point" for f in figures])
    own = Intervals(np.where(in_points, points.lo, relative.lo), np.where(in_points, points.hi, relative.hi),
                    np.where(in_points, points.lo_open, relative.lo_open), np.where(in_points, points.hi_open, relative.hi_open))
    other = Intervals(np.where(in_points, relative.lo, points.lo), np.where(in_points, relative.hi, points.hi),
                      np.where(in_points, relative.lo_open, points.lo_open), np.where(in_points, relative.hi_open, points.hi_open))
    fits_own, fits_other = meet(stated, own), meet(stated, other)
    for k in np.flatnonzero(~fits_own):
        f = figures[k]
        a, b = ctx.corpus.figures[f.between[0]], ctx.corpus.figures[f.between[1]]
        pts = display.interval(points.lo[k] * 100, points.hi[k] * 100, bool(points.lo_open[k]), bool(points.hi_open[k]), "percentage points")
        rel = display.interval(relative.lo[k] * 100, relative.hi[k] * 100, bool(relative.lo_open[k]), bool(relative.hi_open[k]), "percent")
        said = "percentage points" if in_points[k] else "percent"
        should = "percent" if in_points[k] else "percentage points"
        mixup = f"stated in {said} where {should} fit" if fits_other[k] else f"matches neither reading"
        yield Hit(f"{f.id} ({display.stated(f)}) from {display.stated(a)} to {display.stated(b)}: {mixup} "
                  f"(difference {pts}; relative change {rel})",
                  figures=(f.id, a.id, b.id),
                  details=(display.quote_line(ctx.corpus, f), display.quote_line(ctx.corpus, a), display.quote_line(ctx.corpus, b),
                           f"difference: {b.value_text} − {a.value_text} = {pts}", f"relative:   = {rel}"),
                  data={"mixup": bool(fits_other[k])},
                  headline=(f"A change from {a.value_text} % to {b.value_text} % is given in {said}"
                            + (f"; it should be {should}." if fits_other[k] else ", and matches neither reading.")))


def _duration_example(years: str) -> Example:
    return Example(f'''
[quantity.war_duration]
kind = "stock"
unit = "year"

[[figure]]
id = "duration"
source = "s1"
quote = "Mehr als {years} Jahre"
value = "{years}"
qualifier = "more_than"
unit = "year"
quantity = "war_duration"
since = "2022-02"
''', f"Mehr als {years} Jahre sind seit dem Überfall im Februar 2022 vergangen.")


@rule("T003", "duration-not-given-by-dates", "error",
      failing=_duration_example("drei"),
      passing=_duration_example("zweieinhalb"))
def duration_not_given_by_dates(ctx):
    """A stated duration is not what its start date and the figure's date give.

    ## What it does
    For a figure in a time unit with `since = "2022-02"`, computes the time from the start
    period to the figure's `as_of` (by default the source's date) as an interval — both dates
    have their own width — and flags a duration that cannot meet it.

    ## Why is this bad?
    "More than three years since February 2022", written in January 2025, is false; a reader
    can count.

    ## Example
    "mehr als drei Jahre" since 2022-02, in an article of 2025-01-15.

    ## Use instead
    "mehr als zweieinhalb Jahre" (2.9 years have passed).
    """
    figures = _figures_with(ctx, "since_text")
    if not figures:
        return
    df = ctx.table.df
    rows = _rows(ctx, [f.id for f in figures])
    is_time = df["dimension"].to_numpy()[rows] == "[time]"
    since_start = np.array([f.since.start for f in figures], dtype="datetime64[D]")
    since_end = np.array([f.since.end for f in figures], dtype="datetime64[D]")
    at_start, at_end = df["period_start"].to_numpy()[rows], df["period_end"].to_numpy()[rows]
    shortest = (at_start - since_end).astype("timedelta64[D]").astype(float) * SECONDS_PER_DAY
    longest = (at_end - since_start).astype("timedelta64[D]").astype(float) * SECONDS_PER_DAY
    # between two days a whole day is included at both ends of the longest reading: [.., ..)
    elapsed = Intervals.of(np.maximum(shortest, 0.0), longest, False, True)
    stated = ctx.table.intervals.take(rows)
    bad = ~meet(stated, elapsed) & is_time
    from figcheck.units import unit_info

    for k in np.flatnonzero(bad):
        f = figures[k]
        factor = unit_info(f.unit).factor
        given = display.interval(elapsed.lo[k] / factor, elapsed.hi[k] / factor, False, True, f.unit)
        yield Hit(f"{f.id} ({display.stated(f)} since {f.since}, as of {f.period}): the dates give {given}",
                  figures=(f.id,),
                  details=(display.quote_line(ctx.corpus, f),
                           f"from {f.since} to {f.period}: {given}",
                           f"stated: {display.figure_line(ctx.corpus, ctx.table, f.id)}"),
                  data={"elapsed": [float(elapsed.lo[k] / factor), float(elapsed.hi[k] / factor)]},
                  headline=f"“{f.quote}”: the dates give {given}, not {display.stated(f)}.")
