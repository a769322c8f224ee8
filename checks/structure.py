"""Structure (S): parts and wholes (`part_of`, `exhaustive`) that do not fit together."""
from __future__ import annotations

import numpy as np
import pandas as pd

from figcheck import display
from figcheck.frames import cells, quantity_field
from figcheck.intervals import Intervals, meet
from figcheck.rules import Example, Hit, Severity, rule

COMPARABLE = ("reported", "estimate")


def _comparable(df: pd.DataFrame, table=None) -> np.ndarray:
    """Which rows are reported or estimated: once per distinct modality when the table can say."""
    if getattr(table, "isin", None) is not None:
        return table.isin("modality", COMPARABLE)
    return df["modality"].isin(COMPARABLE).to_numpy()


def _part_example(part: str, part_as_of: str = "2025-06") -> Example:
    return Example(f'''
[quantity.troops]
kind = "stock"
unit = "soldier"

[quantity.deminers]
kind = "stock"
unit = "soldier"
part_of = "troops"

[[figure]]
id = "troops"
source = "s1"
quote = "weitere 6.000 Soldaten"
value = "6.000"
unit = "soldier"
quantity = "troops"
as_of = "2025-06"

[[figure]]
id = "deminers"
source = "s1"
quote = "darunter {part} Minenräumspezialisten"
value = "{part}"
unit = "soldier"
quantity = "deminers"
as_of = "{part_as_of}"
''', f"Nordkorea schickt weitere 6.000 Soldaten, darunter {part} Minenräumspezialisten.")


def part_whole_pairs(ctx):
    """Every (part figure, whole figure) pair through `part_of`, as row arrays."""
    df = ctx.table.df
    quantities = ctx.corpus.quantities
    parents = {k: p for k, p in zip(quantities, quantity_field(quantities, "part_of")) if p}
    if not parents:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    comparable = _comparable(df, ctx.table)
    frame = pd.DataFrame({"row": np.arange(len(df)), "quantity": df["quantity"].to_numpy()})[comparable]
    parts = frame[frame["quantity"].isin(list(parents))].assign(whole=lambda f: f["quantity"].map(parents))
    pairs = parts.merge(frame, left_on="whole", right_on="quantity", suffixes=("_part", "_whole"))
    return pairs["row_part"].to_numpy(), pairs["row_whole"].to_numpy()


@rule("S001", "part-exceeds-whole", "error",
      failing=_part_example("7.000"),
      passing=_part_example("1.000"), partition="quantity")
def part_exceeds_whole(ctx):
    """A part is stated larger than its whole.

    ## What it does
    For every quantity with `part_of`, compares each of its figures with each figure of the
    whole. A part whose stated value exceeds the whole's is flagged: an error when both are
    for the same period and their intervals cannot meet (or a cumulative whole is the later
    one); a warning when the dates differ (the whole may have grown since — say which is
    later) or the intervals still touch.

    ## Why is this bad?
    "1,000 deminers among 6,000 soldiers" is consistent; "5,000 killed" against "4,000
    killed or wounded" is not, unless the counts are from different times.

    ## Example
    7,000 deminers among 6,000 soldiers.

    ## Use instead
    Check both figures; if they are from different dates, say so in the article.
    """
    df = ctx.table.df
    iv = ctx.table.intervals
    p, w = part_whole_pairs(ctx)
    if len(p) == 0:
        return
    stated_above = df["value_low"].to_numpy()[p] > df["value_high"].to_numpy()[w]
    cannot_meet = ~meet(iv.take(p), iv.take(w)) & (iv.lo[p] >= iv.hi[w])
    flagged = stated_above | cannot_meet
    start, end = df["period_start"].to_numpy(), df["period_end"].to_numpy()
    kinds = df["kind"].to_numpy()
    ids = cells(df["id"])
    for a, b, hard in zip(p[flagged], w[flagged], cannot_meet[flagged]):
        part, whole = ctx.corpus.figures[ids[a]], ctx.corpus.figures[ids[b]]
        same_period = start[a] == start[b] and end[a] == end[b]
        whole_later = kinds[b] == "cumulative" and start[b] >= end[a]
        error = hard and (same_period or whole_later)
        notes = []
        if not same_period:
            later = part if start[a] > start[b] else whole
            notes.append(f"the dates differ: {part.period} vs {whole.period}; the {('part' if later is part else 'whole')} "
                         f"({later.id}) is later")
            if kinds[a] == "cumulative" or kinds[b] == "cumulative":
                notes.append("cumulative quantities only grow, so the earlier whole may since have grown past the part"
                             if later is part else "a cumulative whole only grows, so it should still cover the part")
        if not hard:
            notes.append("the intervals still touch at their ends")
        message = (f"{part.id} ({display.stated(part)}, {part.period}) exceeds its whole {whole.id} "
                   f"({display.stated(whole)}, {whole.period})" + (f"; {'; '.join(notes)}" if notes else ""))
        yield Hit(message, figures=(part.id, whole.id),
                  severity=Severity.error if error else Severity.warning,
                  details=(f"part:  {display.figure_line(ctx.corpus, ctx.table, part.id)}",
                           f"whole: {display.figure_line(ctx.corpus, ctx.table, whole.id)}",
                           display.quote_line(ctx.corpus, part), display.quote_line(ctx.corpus, whole),
                           *notes),
                  data={"same_period": bool(same_period), "intervals_meet": bool(not hard)},
                  headline=(f"A part is larger than its whole: {display.stated(part)} "
                            f"({ctx.corpus.quantities[part.quantity].description or part.quantity}) vs "
                            f"{display.stated(whole)} ({ctx.corpus.quantities[whole.quantity].description or whole.quantity})."))


def _exhaustive_example(third: str) -> Example:
    return Example(f'''
[quantity.total]
kind = "stock"
unit = "soldier"
exhaustive = true

[quantity.infantry]
kind = "stock"
unit = "soldier"
part_of = "total"

[quantity.support]
kind = "stock"
unit = "soldier"
part_of = "total"

[[figure]]
id = "total"
source = "s1"
quote = "insgesamt 10.000 Soldaten"
value = "10.000"
unit = "soldier"
quantity = "total"

[[figure]]
id = "infantry"
source = "s1"
quote = "davon 8.000 Infanteristen"
value = "8.000"
unit = "soldier"
quantity = "infantry"

[[figure]]
id = "support"
source = "s1"
quote = "und {third} Unterstützungskräfte"
value = "{third}"
unit = "soldier"
quantity = "support"
''', f"Es sind insgesamt 10.000 Soldaten, davon 8.000 Infanteristen und {third} Unterstützungskräfte.")


@rule("S002", "parts-do-not-sum-to-whole", "error",
      failing=_exhaustive_example("3.000"),
      passing=_exhaustive_example("2.000"), partition="quantity")
def parts_do_not_sum_to_whole(ctx):
    """The parts of an exhaustive whole do not add up to it.

    ## What it does
    For a quantity marked `exhaustive = true`, adds up — in interval arithmetic — the figures
    of its parts (the quantities with `part_of` it) for each period the whole has a figure
    for, and flags a sum that cannot meet the whole. When a part has several figures for the
    period, their hull is used, so only a sum that no choice can rescue is flagged.

    ## Why is this bad?
    "10,000 soldiers, of them 8,000 infantry and 3,000 support" cannot all be true.

    ## Example
    10,000 = 8,000 + 3,000.

    ## Use instead
    10,000 = 8,000 + 2,000, or drop `exhaustive` when the parts leave something out.
    """
    df = ctx.table.df
    iv = ctx.table.intervals
    ids = cells(df["id"])
    quantities = df["quantity"].to_numpy()
    comparable = _comparable(df, ctx.table)
    start, end = df["period_start"].to_numpy(), df["period_end"].to_numpy()
    declared = ctx.corpus.quantities
    # one field of every quantity, not a record each (an archive declares a couple of hundred thousand)
    part_of = quantity_field(declared, "part_of")
    for whole_q in [declared[k] for k, e in zip(declared, quantity_field(declared, "exhaustive")) if e]:
        part_keys = [k for k, p in zip(declared, part_of) if p == whole_q.key]
        if not part_keys:
            continue
        for w in np.flatnonzero((quantities == whole_q.key) & comparable):
            total, used = None, []
            for key in part_keys:
                rows = np.flatnonzero((quantities == key) & comparable & (start == start[w]) & (end == end[w]))
                if len(rows) == 0:
                    total = None
                    break
                part = Intervals.of(iv.lo[rows].min(), iv.hi[rows].max(),
                                    bool(iv.lo_open[rows][iv.lo[rows].argmin()]),
                                    bool(iv.hi_open[rows][iv.hi[rows].argmax()]))
                total = part if total is None else total + part
                used.extend(ids[rows])
            if total is None or meet(total, iv.take([w]))[0]:
                continue
            whole = ctx.corpus.figures[ids[w]]
            unit = whole.unit
            from figcheck.units import unit_info

            f = unit_info(unit).factor
            terms = " + ".join(f"{u} ({display.stated(ctx.corpus.figures[u])})" for u in used)
            yield Hit(f"parts {terms} sum to {display.interval(total.lo[0] / f, total.hi[0] / f, bool(total.lo_open[0]), bool(total.hi_open[0]), unit)}, "
                      f"but the whole {whole.id} is {display.stated(whole)}",
                      figures=(whole.id, *used),
                      details=tuple([display.figure_line(ctx.corpus, ctx.table, x) for x in (whole.id, *used)]
                                    + [display.quote_line(ctx.corpus, ctx.corpus.figures[x]) for x in (whole.id, *used)]),
                      headline=f"The parts of {whole_q.description or whole_q.key} do not add up to the total.")
