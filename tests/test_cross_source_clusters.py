"""X001 at scale: a big group is reported once, by its largest agreeing cluster and the figures
outside it; its conflicting pairs are counted, not listed. Small groups still read as pairs."""
from __future__ import annotations

import itertools
from collections import Counter

import numpy as np
import pandas as pd
from hypothesis import given, settings, strategies as st

from figcheck.checks import cross_source
from figcheck.checks.cross_source import (BIG_GROUP, Clusters, Groups, brute_force_pairs, group_conflict_counts,
                                          small_group_pairs)
from figcheck.config import Settings
from figcheck.engine import check
from figcheck.intervals import Intervals, meet

from conftest import examples


def corpus(tmp_path, figures, kind="flow"):
    """A figures file with one source per distinct source id; each text holds its quotes."""
    sources = sorted({source for _, source, _, _, _ in figures})
    parts = []
    for s in sources:
        parts.append(f'[[source]]\nid = "{s}"\nfile = "{s}.txt"\ntitle = "Artikel {s}"\n'
                     f'published = 2025-03-01\nlanguage = "de"\n')
        quotes = [f"{'etwa ' if q == 'about' else ''}{v} Soldaten" for _, src, v, q, _ in figures if src == s]
        (tmp_path / f"{s}.txt").write_text("Es wurden " + ", ".join(quotes) + " entsandt.", encoding="utf-8")
    parts.append(f'[quantity.sent]\ndescription = "soldiers sent"\nkind = "{kind}"\nunit = "soldier"\n')
    for fid, source, value, qualifier, as_of in figures:
        quote = f"{'etwa ' if qualifier == 'about' else ''}{value} Soldaten"
        parts.append(f'[[figure]]\nid = "{fid}"\nsource = "{source}"\nquote = "{quote}"\nvalue = "{value}"\n'
                     f'qualifier = "{qualifier}"\nunit = "soldier"\nquantity = "sent"\nas_of = "{as_of}"\n')
    (tmp_path / "figures.toml").write_text("\n".join(parts), encoding="utf-8")
    result = check([tmp_path / "figures.toml"], Settings(root=tmp_path), select=["X001"])
    return result


def brute_force_count(result) -> int:
    df, iv = result.table.df, result.table.intervals
    return sum(1 for _, _, same in brute_force_pairs(df, iv) if same)


def test_big_group_names_its_outliers_consensus_and_exact_pair_count(tmp_path):
    # 20 × about 11,000 and 10 × about 11,200 agree on [11,150, 11,250]; three figures say about
    # 20,000. The first outlier shares its source with a cluster figure: that pair is no conflict.
    figures = [(f"sent_{k:02d}", f"s{k:02d}", "11.000", "about", "2024") for k in range(20)]
    figures += [(f"sent_{k:02d}", f"s{k:02d}", "11.200", "about", "2024") for k in range(20, 30)]
    figures += [("out_1", "s00", "20.000", "about", "2024"), ("out_2", "t01", "20.000", "about", "2024"),
                ("out_3", "t02", "20.000", "about", "2024")]
    result = corpus(tmp_path, figures)
    assert [f.code for f in result.findings] == ["X001"]
    f = result.findings[0]
    assert f.figures == ("out_1", "out_2", "out_3")
    assert f.severity.name == "error"
    assert f.data["conflicting_pairs"] == 29 + 30 + 30 == brute_force_count(result)
    assert f.data["cluster_size"] == 30 and f.data["group_size"] == 33 and not f.data["split"]
    assert (f.data["consensus_low"], f.data["consensus_high"]) == (11_150, 11_250)
    assert f.data["outside"] == ["out_1", "out_2", "out_3"]
    assert f.message.startswith("sent (2024): 30 of 33 figures agree on [11,150, 11,250] soldier; 3 figures outside it")
    assert "out_1 about 20,000 soldier" in f.message and "89 conflicting pairs" in f.message
    assert sum(d.startswith("Outside: ") for d in f.details) == 3
    assert any("«etwa 20.000 Soldaten»" in d and "Artikel t01" in d for d in f.details)


def test_outsiders_beyond_the_listed_number_are_counted_not_listed(tmp_path):
    figures = [(f"sent_{k:02d}", f"s{k:02d}", "11.000", "about", "2024") for k in range(30)]
    figures += [(f"out_{k:02d}", f"t{k:02d}", "20.000", "about", "2024") for k in range(25)]
    f, = corpus(tmp_path, figures).findings
    assert sum(d.startswith("Outside: ") for d in f.details) == 20
    assert f.details[-1] == "… and 5 more figures outside"
    assert len(f.data["outside"]) == len(f.figures) == 25
    assert f.message.count("out_") == 3 and ", …)" in f.message


def test_two_camps_of_equal_size_are_a_split(tmp_path):
    figures = [(f"low_{k}", f"a{k}", "11.000", "about", "2024") for k in range(4)]
    figures += [(f"high_{k}", f"b{k}", "14.000", "about", "2024") for k in range(4)]
    figures += [("odd", "c0", "30.000", "about", "2024")]
    result = corpus(tmp_path, figures)
    f, = result.findings
    assert f.data["split"] and [c["size"] for c in f.data["camps"]] == [4, 4]
    assert [(c["low"], c["high"]) for c in f.data["camps"]] == [(10_500, 11_500), (13_500, 14_500)]
    assert f.data["outside"] == ["odd"]
    assert f.data["conflicting_pairs"] == 16 + 8 == brute_force_count(result)
    assert "split — 4 on [10,500, 11,500] soldier, 4 on [13,500, 14,500] soldier" in f.message
    assert len(f.figures) == 9     # no side is the consensus: the whole group


def test_big_group_where_no_two_figures_agree_says_so(tmp_path):
    values = ["1.000", "2.000", "3.000", "4.000", "5.000", "6.000", "7.000", "8.000"]
    result = corpus(tmp_path, [(f"sent_{k}", f"s{k}", v, "exact", "2024") for k, v in enumerate(values)])
    f, = result.findings
    assert f.message == ("sent (2024): no two of 8 figures agree (sent_0 1,000 soldier, sent_1 2,000 soldier, "
                         "sent_2 3,000 soldier, …); 28 conflicting pairs")
    assert f.data["cluster_size"] == 1 and f.data["conflicting_pairs"] == 28 == brute_force_count(result)
    assert len(f.figures) == 8


def test_small_group_still_reads_as_pairs(tmp_path):
    figures = [(f"sent_{k}", f"s{k}", "11.000", "about", "2024") for k in range(4)]
    figures += [("out", "t0", "14.000", "about", "2024")]
    findings = corpus(tmp_path, figures).findings
    assert sorted(f.figures for f in findings) == [(f"sent_{k}", "out") for k in range(4)]
    assert all(" vs out " in f.message for f in findings)


def test_big_group_of_one_source_has_no_cross_source_conflict(tmp_path):
    figures = [(f"sent_{k:02d}", "s1", "11.000", "about", "2024") for k in range(10)]
    figures += [("out", "s1", "20.000", "about", "2024")]
    result = corpus(tmp_path, figures)
    assert result.findings == [] and brute_force_count(result) == 0
    # one cluster figure from another source: now there is exactly one conflicting pair
    figures[0] = ("sent_00", "s2", "11.000", "about", "2024")
    f, = corpus(tmp_path, figures).findings
    assert f.figures == ("out",) and f.data["conflicting_pairs"] == 1


# --- the counting and the sweep against brute force ------------------------------------------------

DAYS = np.array(["2024-01-01", "2024-06-01", "2025-01-01"], dtype="datetime64[D]")


# 0.1 + 0.2 touches 0.3 only within float rounding: the count must treat the two as touching
ROUNDING_TWINS = [0.0, 0.1 + 0.2, 0.3, 1.0, 2.0, 3.0, 5.0]


@st.composite
def groups_tables(draw, lows=ROUNDING_TWINS):
    """Figures of one or two quantities in few periods: groups small and big (up to 12)."""
    n = draw(st.integers(min_value=0, max_value=24))
    rows = []
    for _ in range(n):
        lo = draw(st.sampled_from(lows))
        width = draw(st.sampled_from([0.0, 0.0, 1.0, 2.0, 4.0, np.inf]))
        a, b = draw(st.sampled_from([(0, 2), (0, 2), (0, 1), (1, 2)]))   # one period often: big groups
        rows.append({
            "quantity": draw(st.sampled_from(["q1", "q1", "q2"])),
            "source": draw(st.sampled_from(["s1", "s2", "s3", "s4"])),
            "modality": draw(st.sampled_from(["reported", "reported", "estimate", "forecast"])),
            "kind": "stock", "period_start": DAYS[a], "period_end": DAYS[b],
            "low": lo, "high": lo + width, "low_open": draw(st.booleans()), "high_open": draw(st.booleans()),
        })
    df = pd.DataFrame(rows, columns=["quantity", "source", "modality", "kind", "period_start", "period_end",
                                     "low", "high", "low_open", "high_open"])
    if n:
        df["kind"] = df["quantity"].map({"q1": draw(st.sampled_from(["flow", "stock"])), "q2": "cumulative"})
    iv = Intervals.of(df["low"].to_numpy(float), df["high"].to_numpy(float),
                      df["low_open"].to_numpy(bool), df["high_open"].to_numpy(bool))
    return df, iv


def _group_of(groups: Groups, n: int) -> np.ndarray:
    code = np.full(n, -1)
    code[groups.rows] = groups.group
    return code


@settings(max_examples=examples(120), deadline=None)
@given(groups_tables())
def test_group_counts_and_small_pairs_equal_brute_force(table):
    df, iv = table
    groups = Groups(df)
    brute = brute_force_pairs(df, iv)
    code = _group_of(groups, len(df))
    want = Counter(code[a] for a, _, same in brute if same)
    counts = group_conflict_counts(df, iv, groups)
    assert {g: int(c) for g, c in enumerate(counts) if c} == dict(want)
    # counted in blocks of whole groups (a block of ~3 figures here): the same counts
    blocked = cross_source.BLOCK_ROWS
    try:
        cross_source.BLOCK_ROWS = 3
        assert group_conflict_counts(df, iv, groups).tolist() == counts.tolist()
    finally:
        cross_source.BLOCK_ROWS = blocked
    # pairs are listed exactly where both figures' groups are small
    small = np.zeros(len(df), bool)
    small[groups.rows] = groups.size[groups.group] <= BIG_GROUP
    lower, higher, same = small_group_pairs(df, iv, groups)
    listed = {(int(a), int(b), bool(s)) for a, b, s in zip(lower, higher, same)}
    assert len(listed) == len(lower)
    assert listed == {(a, b, s) for a, b, s in brute if small[a] and small[b]}


# ends a little within and a little beyond float rounding (REL_TOL 1e-9) of each other, both signs:
# the groups may_conflict passes over must hold no pair, wherever touching ends chain
NEAR_TIES = [1.0, 1.0 + 4e-10, 1.0 + 9e-10, 1.0 + 1.4e-9, 1.0 + 3e-9, -1.0, -1.0 - 6e-10, 0.0, 2.0]


@settings(max_examples=examples(150), deadline=None)
@given(groups_tables(lows=NEAR_TIES))
def test_groups_passed_over_hold_no_conflicting_pair(table):
    df, iv = table
    groups = Groups(df)
    code = _group_of(groups, len(df))
    with_pairs = {int(code[a]) for a, _, same in brute_force_pairs(df, iv) if same}
    searched = cross_source.may_conflict(groups, iv)
    assert with_pairs <= set(np.flatnonzero(searched).tolist())
    test_group_counts_and_small_pairs_equal_brute_force.hypothesis.inner_test((df, iv))


def _largest_clique(iv: Intervals, rows: list[int]) -> int:
    """The most figures of rows that pairwise meet, by trying every subset (rows are few). A
    figure that does not meet itself (a point with an open end) holds no point: in no cluster."""
    rows = [r for r in rows if meet(iv.take([r]), iv.take([r]))[0]]
    n = len(rows)
    ok = [[bool(meet(iv.take([a]), iv.take([b]))[0]) for b in rows] for a in rows]
    best = 0
    for size in range(n, 0, -1):
        for subset in itertools.combinations(range(n), size):
            if all(ok[a][b] for a in subset for b in subset):
                return size
    return best


# The cluster sweep takes ends within rounding of each other as one point, where closed ends meet
# and open ones do not. meet agrees wherever touching ends are equal; where they differ by rounding
# and one is open, meet's answer follows their raw order (an open end is ignored when the other
# figure's end lies beyond it). The conflict count above follows meet exactly; the cluster is
# compared here on ends that are equal when they touch.
@settings(max_examples=examples(120), deadline=None)
@given(groups_tables(lows=[0.0, 0.1 + 0.2, 1.0, 2.0, 3.0, 5.0]))
def test_largest_cluster_equals_the_largest_set_that_pairwise_meets(table):
    df, iv = table
    groups = Groups(df)
    every = np.arange(len(groups))
    clusters = Clusters(iv, groups, every)
    for g in every.tolist():
        rows = groups.members(g).tolist()
        depth = int(clusters.depth[g])
        assert depth == _largest_clique(iv, rows)
        camps = clusters.camps(g) if depth else []
        for members in camps:
            assert len(members) == depth
            assert all(meet(iv.take([a]), iv.take([b]))[0] for a in members for b in members)
        # distinct camps are distinct sets of figures
        assert len({tuple(sorted(m.tolist())) for m in camps}) == len(camps)


@settings(max_examples=examples(120), deadline=None)
@given(groups_tables(lows=NEAR_TIES + [3.0, 5.0]), st.data())
def test_every_camps_members_and_consensus_at_once_equal_camp_by_camp(table, data):
    df, iv = table
    groups = Groups(df)
    every = np.arange(len(groups))
    clusters = Clusters(iv, groups, every)
    which = np.array(data.draw(st.lists(st.booleans(), min_size=len(every), max_size=len(every))), bool)
    camp, rows = clusters.members(which)
    consensus = cross_source._camp_consensus(iv, camp, rows, len(clusters.camp_group))
    for b in every.tolist():
        camps = clusters.camps(b)
        for c, members in zip(range(clusters.first_camp[b], clusters.first_camp[b + 1]), camps):
            assert rows[camp == c].tolist() == (members.tolist() if which[b] else [])
            if which[b]:
                got = cross_source._shown_camp(tuple(column[c] for column in consensus), 2.0)
                assert got == cross_source._consensus(iv, members, 2.0)


# --- X002: one sort for every cumulative quantity --------------------------------------------------

def _falls_one_quantity_at_a_time(df, iv):
    """X002's pairs as the rule found them before it was vectorised: a loop over quantities."""
    from figcheck.checks.cross_source import COMPARABLE

    rows = np.flatnonzero((df["kind"].to_numpy() == "cumulative") & df["modality"].isin(COMPARABLE).to_numpy())
    quantities = df["quantity"].to_numpy()
    start, end = df["period_start"].to_numpy(), df["period_end"].to_numpy()
    found = set()
    for q in pd.unique(quantities[rows]):
        group = rows[quantities[rows] == q]
        by_end = group[np.argsort(end[group], kind="stable")]
        lows = iv.lo[by_end]
        best_low = np.maximum.accumulate(lows)
        rises = np.r_[True, lows[1:] > best_low[:-1]]
        best_at = by_end[np.maximum.accumulate(np.where(rises, np.arange(len(lows)), 0))]
        earlier = np.searchsorted(end[by_end], start[group], side="right")
        for j, k in zip(group[earlier > 0], earlier[earlier > 0] - 1):
            i = best_at[k]
            if iv.hi[j] < best_low[k] or (iv.hi[j] == best_low[k] and (iv.hi_open[j] or iv.lo_open[i])):
                found.add((int(i), int(j)))
    return found


@settings(max_examples=examples(100), deadline=None)
@given(groups_tables())
def test_cumulative_falls_in_one_sort_equals_the_loop_over_quantities(table):
    from figcheck.checks.cross_source import falls

    df, iv = table
    df = df.assign(kind="cumulative")
    df.loc[df["quantity"] == "q2", "period_start"] = np.datetime64("2023-06-01")   # starts before q1's
    iv2 = Intervals.of(df["low"].to_numpy(float), df["high"].to_numpy(float),
                       df["low_open"].to_numpy(bool), df["high_open"].to_numpy(bool))
    earlier, later = falls(df, iv2)
    got = {(int(i), int(j)) for i, j in zip(earlier, later)}
    assert len(got) == len(earlier)
    assert got == _falls_one_quantity_at_a_time(df, iv2)


# --- the gap search for every pair at once ---------------------------------------------------------

@st.composite
def gap_tables(draw, values=(1.0, 2.0, 3.0, 5.0, 8.0, 11.0, 14.0), halves=(0.0, 0.25, 0.5, 1.0)):
    """Figures of few quantities, sources and dimensions, with values that often add up."""
    n = draw(st.integers(min_value=2, max_value=30))
    rows = []
    for _ in range(n):
        value = draw(st.sampled_from(values))
        half = draw(st.sampled_from(halves))
        rows.append({"quantity": draw(st.sampled_from(["q1", "q2", "q3"])),
                     "source": draw(st.sampled_from(["s1", "s2", "s3"])),
                     "dimension": draw(st.sampled_from(["soldier", "soldier", "USD"])),
                     "modality": draw(st.sampled_from(["reported", "estimate", "forecast"])),
                     "low": value - half, "high": draw(st.sampled_from([value + half, np.inf])),
                     "low_open": draw(st.booleans()), "high_open": draw(st.booleans())})
    df = pd.DataFrame(rows)
    iv = Intervals.of(df["low"].to_numpy(float), df["high"].to_numpy(float),
                      df["low_open"].to_numpy(bool), df["high_open"].to_numpy(bool))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(lambda p: p[0] != p[1]),
                          min_size=1, max_size=8))
    return df, iv, pairs


@settings(max_examples=examples(80), deadline=None)
@given(gap_tables())
def test_gap_search_for_all_pairs_at_once_equals_one_pair_at_a_time(table):
    from types import SimpleNamespace

    from figcheck.checks.cross_source import _Pools, gap_closers, gap_closers_all

    df, iv, pairs = table
    ctx = SimpleNamespace(table=SimpleNamespace(df=df, intervals=iv))
    pools = _Pools(df)
    lower, higher = np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])
    with np.errstate(invalid="ignore"):   # arbitrary pairs: ∞ − ∞ where both are open-ended
        one_by_one = [gap_closers(ctx, a, b, pools=pools) for a, b in pairs]
        assert gap_closers_all(ctx, lower, higher, pools=pools, chunk=3) == one_by_one
        # pools indexing only the pairs' quantities and sources: the same answers
        assert gap_closers_all(ctx, lower, higher, pools=_Pools(df, lower=lower, higher=higher)) == one_by_one


# sums that meet a figure only within float rounding (0.1 + 0.2 vs 0.3), or miss it just beyond
# it, and terms too big to be in any sum that meets: the search skips those terms, the same answers
@settings(max_examples=examples(80), deadline=None)
@given(gap_tables(values=(0.1, 0.2, 0.3, 0.3 * (1 + 2e-9), 0.6, 0.7, 1e308, 1.7e308), halves=(0.0, 0.0, 0.1)))
def test_gap_search_where_sums_touch_within_rounding_equals_one_pair_at_a_time(table):
    with np.errstate(over="ignore"):    # sums past the largest float
        test_gap_search_for_all_pairs_at_once_equals_one_pair_at_a_time.hypothesis.inner_test(table)


def test_a_sum_that_passes_a_figure_only_by_rounding_still_explains_the_gap():
    from types import SimpleNamespace

    from figcheck.checks.cross_source import _Pools, gap_closers_all

    # 0.1 + 0.2 is 0.30000000000000004: past 0.3, but within rounding, so it meets 0.3
    values = [0.1, 0.3, 0.2, 0.25]
    df = pd.DataFrame({"quantity": "q", "source": ["s1", "s2", "s1", "s1"], "dimension": "soldier",
                       "modality": "reported", "low": values, "high": values})
    iv = Intervals.of(df["low"].to_numpy(float), df["high"].to_numpy(float))
    ctx = SimpleNamespace(table=SimpleNamespace(df=df, intervals=iv))
    assert gap_closers_all(ctx, np.array([0]), np.array([1]), pools=_Pools(df)) == [[2]]


def test_an_explanation_written_in_different_units_adds_them_in_the_quantitys_unit(tmp_path):
    # 9 million shells a year (s1) vs about 11 million (s2); s1 also says 5,480 shells a day,
    # which is 2,001,570 a year: 9,000,000 + 2,001,570 meets 11 million — not "9,000,000 + 5,480"
    (tmp_path / "s1.txt").write_text("Man verschoss 9 Millionen Granaten pro Jahr, zuletzt 5.480 Granaten pro Tag.",
                                     encoding="utf-8")
    (tmp_path / "s2.txt").write_text("Es waren etwa 11 Millionen Granaten pro Jahr.", encoding="utf-8")
    sources = "".join(f'[[source]]\nid = "{s}"\nfile = "{s}.txt"\npublished = 2025-03-01\nlanguage = "de"\n\n'
                      for s in ("s1", "s2"))
    figures = [("year_s1", "s1", "9 Millionen Granaten pro Jahr", "9 Millionen", "exact", "shell/year"),
               ("day_s1", "s1", "5.480 Granaten pro Tag", "5.480", "exact", "shell/day"),
               ("year_s2", "s2", "etwa 11 Millionen Granaten pro Jahr", "11 Millionen", "about", "shell/year")]
    body = sources + '[quantity.shells]\nkind = "flow"\nunit = "shell/year"\n\n' + "".join(
        f'[[figure]]\nid = "{fid}"\nsource = "{s}"\nquote = "{q}"\nvalue = "{v}"\nqualifier = "{qual}"\n'
        f'unit = "{u}"\nquantity = "shells"\nas_of = "2024"\n\n' for fid, s, q, v, qual, u in figures)
    (tmp_path / "figures.toml").write_text(body, encoding="utf-8")
    result = check([tmp_path / "figures.toml"], Settings(root=tmp_path), select=["X001"])
    pair = [f for f in result.findings if f.figures == ("year_s1", "year_s2")]
    assert len(pair) == 1, [f.message for f in result.findings]
    text = pair[0].data["explanation"]["text"]
    assert text.startswith("9,000,000 + 2,001,570 = 11,000,000 shell/year: "), text
