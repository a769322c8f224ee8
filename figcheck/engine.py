"""Discover checks/, select rules, run them over the figure table, turn hits into findings."""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import json
import math
import pkgutil
from itertools import chain
from json.encoder import encode_basestring as _encode_string
from typing import NamedTuple

import numpy as np
import pandas as pd

from . import prefetch
from .collector import collector_paused, give_back_free_memory
from .rules import REGISTRY, Context, Finding, Rule, Severity


def discover() -> dict[str, Rule]:
    """Import every module of figcheck.checks; each registers its rules on import."""
    import figcheck.checks as checks

    for info in sorted(pkgutil.iter_modules(checks.__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"figcheck.checks.{info.name}")
    return dict(sorted(REGISTRY.items()))


def selected(rules: dict[str, Rule], select=None, ignore=None) -> list[Rule]:
    """Codes or prefixes: --select A,X001 --ignore X002. Unknown ones are a usage error."""
    def matches(code, patterns):
        return any(code.startswith(p) for p in patterns)

    for patterns in (select or [], ignore or []):
        for p in patterns:
            if not any(code.startswith(p) for code in rules):
                raise ValueError(f"no rule matches {p!r} (see `figcheck rules`)")
    chosen = [r for code, r in rules.items()
              if (not select or matches(code, select)) and not (ignore and matches(code, ignore))]
    return chosen


def fingerprint(finding: Finding, corpus) -> str:
    """Stable across moves, reorders and reformatting; changes with any number, unit,
    qualifier or date involved. Never built from line numbers.

    Built from what the finding is about, in canonical form: the rule, the relation's
    expression without whitespace, and per figure (sorted by id) its interval as read, its
    written precision, its unit without whitespace, qualifier, period as [start, end) days
    (so "2024" and "2024-01/2024-12" agree), modality and quantity. Provenance findings are
    about the quote, so they also carry it, whitespace-collapsed. A hit tied to no figure (an
    uncovered mention, P004) names itself in data["identity"]."""
    parts = [finding.code, finding.relation or ""]
    if finding.relation and finding.relation in corpus.relations:
        parts.append("".join(corpus.relations[finding.relation].expr.split()))
    for fid in sorted(finding.figures):
        f = corpus.figures.get(fid)
        if f is None:
            parts.append(fid)
            continue
        fields = [fid, f.low, f.high, f.written_half, "".join(f.unit.split()), f.qualifier,
                  _days(f.period), _days(f.since), f.modality, f.quantity]
        if finding.code.startswith("P"):
            fields.append(" ".join(f.quote.split()))
        parts.append(json.dumps(fields, ensure_ascii=False))
    if finding.data.get("identity"):
        # hits tied to no figure (an uncovered mention) carry their own stable identity
        parts.append(str(finding.data["identity"]))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def _days(period) -> list[str] | None:
    return None if period is None else [period.start.isoformat(), period.end.isoformat()]


ENGINES = ("memory", "dask")


def hits_of(rules: list[Rule], ctx: Context, progress=None, timings=None) -> dict[str, list]:
    """{rule code: its hits} — each rule's check over the context, timed per family."""
    import time

    out = {}
    for r in rules:
        if progress is not None:
            progress.step(f"rule {r.code} {r.name}")
        t0 = time.perf_counter()
        out[r.code] = list(r.check(ctx) or ())
        # what the rule freed (its temporaries over a million rows) goes back before the next
        # one runs: glibc keeps it resident otherwise, scattered among the pages still in use
        give_back_free_memory()
        if timings is not None:
            key = f"rules.{r.family}"
            timings[key] = timings.get(key, 0.0) + time.perf_counter() - t0
    return out


def run(corpus, table, rules: list[Rule], settings=None, engine: str = "memory", scheduler: str | None = None,
        progress=None, timings=None, release_table: bool = False, prepare=None) -> list[Finding]:
    """Run the rules; with engine="dask" the per-quantity rules run per partition on a cluster.

    Either way the same rule functions run and the findings are made and sorted here, so both
    engines give identical findings. `prepare(findings)`, if given, is called with this
    process's findings while a text worker still reads articles (the output's work on them done
    there, on a core the worker would otherwise leave to this process's share of the articles).
    """
    import time

    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r} (one of {', '.join(ENGINES)})")
    ctx = Context(corpus, table, settings)
    if rules and len(corpus.relations):
        if progress is not None:
            progress.stage("relations")
        t0 = time.perf_counter()
        ctx.relation_results   # evaluated once, shared by every rule; timed on its own
        give_back_free_memory()
        if timings is not None:
            timings["relations"] = time.perf_counter() - t0
    if progress is not None:
        progress.stage("rules", total=len(rules))
    hits: dict[str, list] = {}
    if engine == "dask":
        from .distributed import run_partitioned

        partitioned = [r for r in rules if r.partition == "quantity"]
        t0 = time.perf_counter()
        hits.update(run_partitioned(corpus, table, partitioned, settings, scheduler))
        if timings is not None:
            timings["rules.dask"] = time.perf_counter() - t0
        if progress is not None:
            progress.advance(len(partitioned))
        rules_here = [r for r in rules if r.partition != "quantity"]
    else:
        rules_here = rules
    # the text rules a worker process runs meanwhile (figcheck.prefetch), if one was started
    codes = {r.code for r in rules_here}
    in_worker = [r for r in prefetch.delegated(corpus) if r.code in codes]
    hits.update(hits_of([r for r in rules_here if r not in in_worker], ctx, progress, timings))
    if release_table:
        # the caller keeps no reference, and the rules that read the table are done: it and what
        # they derived from it (the relations' results) go before the articles' last chunks are
        # read here and the findings are made and written (~170 MB at a million figures)
        table = _Named(table)
        del ctx
        give_back_free_memory()
    if not in_worker:
        return findings_of(corpus, rules, hits, settings, table)
    # this process's findings are made while the worker still reads articles; the text rules'
    # once it is done. Each part comes sorted; sorted again together they are in the order one
    # findings_of gives (the sort is stable and no finding of one part ties with one of the other:
    # their codes differ)
    ours = findings_of(corpus, [r for r in rules if r not in in_worker], hits, settings, table)
    hits.clear()    # (their findings hold what they say: the hits and their data go before the articles' rest)
    if prepare is not None:
        prepare(ours)
    if progress is not None:
        progress.step("rules that read the articles")
    got = prefetch.collect(corpus, timings)
    theirs = findings_of(corpus, in_worker, {r.code: got[r.code] for r in in_worker}, settings, table)
    if progress is not None:
        progress.advance(len(in_worker))
    return sorted(ours + theirs, key=_order) if theirs else ours


class _Named:
    """What findings_of reads of a FigureTable: the ids its rules named, with where they stand."""

    def __init__(self, table):
        self.named_figures = getattr(table, "named_figures", None)
        self.named_relations = getattr(table, "named_relations", None)


def findings_of(corpus, rules: list[Rule], hits: dict[str, list], settings=None, table=None) -> list[Finding]:
    """The hits as sorted findings; `table`, the FigureTable the rules ran on, tells where the
    ids they named are (FigureTable.named_figures). Made a column at a time: every hit's place,
    fingerprint and sort key gathered for all of them, each Finding made once, in its place."""
    severities = (settings or {}).get("severity", {})
    found: list = []
    codes: list = []
    names: list = []
    levels: list = []
    for r in rules:
        its = list(hits.get(r.code, ()))
        if not its:
            continue
        found += its
        codes += [r.code] * len(its)
        names += [r.name] * len(its)
        if r.code in severities:
            levels += [_severity(severities[r.code])] * len(its)
        else:
            default = _severity(r.severity) if any(h.severity is None for h in its) else None
            levels += [default if h.severity is None else _severity(h.severity) for h in its]
    if not found:   # (the lookups would still index the ids the rules named)
        return []
    lookups = _Lookups(corpus, table)      # ids looked up once for places and fingerprints both
    files, lines = _place_columns(corpus, found, lookups)
    figures = [h.figures if type(h.figures) is tuple else tuple(h.figures) for h in found]
    relations = [h.relation for h in found]
    prints = _fingerprints(codes, relations, figures, [h.data for h in found], corpus, lookups)
    details = [h.details if type(h.details) is tuple else tuple(h.details) for h in found]
    findings = list(map(_finding, codes, names, levels, [h.message for h in found], figures, relations, files,
                        lines, details, [dict(h.data) for h in found], [h.headline for h in found], prints))
    findings.sort(key=_order)
    return findings


def _order(f: Finding) -> tuple:
    """A finding's place among the findings: a total order, so that the same findings sort the
    same whichever engine found them in which order."""
    return (-f.severity, f.file, f.line, f.code, f.figures, f.relation or "", f.message, f.details)


_SEVERITY_OF = {s: s for s in Severity}


def _severity(level) -> Severity:
    """A hit's or setting's severity as the Severity it names (an int, or a Severity already)."""
    if type(level) is Severity or type(level) is int and level in _SEVERITY_OF:
        return _SEVERITY_OF[level]
    return Severity(level)


_FINDING_FIELDS = ("code", "name", "severity", "message", "figures", "relation", "file", "line", "details", "data",
                   "headline", "fingerprint", "new")

# _finding fills a Finding's __dict__ at once while Finding has exactly these fields and no
# __post_init__ (tests/test_fingerprints.py); otherwise it calls the constructor
_FAST_FINDINGS = (tuple(f.name for f in dataclasses.fields(Finding)) == _FINDING_FIELDS
                  and Finding.__dataclass_fields__["new"].default is True and not hasattr(Finding, "__post_init__"))


def _finding(code, name, severity, message, figures, relation, file, line, details, data, headline,
             fingerprint) -> Finding:
    """Finding(...) with `new` True, without the frozen dataclass's per-field setattr: its fields
    stored straight into its own __dict__ (the same object). Stored in the fields' order, that
    dict shares its keys with every other Finding's, as the constructor's does: ~270 bytes a
    finding less than a dict of its own (9 MB for an archive's 33,000), and quicker to fill."""
    if not _FAST_FINDINGS:
        return Finding(code, name, severity, message, figures, relation, file, line, details, data, headline,
                       fingerprint)
    finding = object.__new__(Finding)
    fields = finding.__dict__
    fields["code"] = code
    fields["name"] = name
    fields["severity"] = severity
    fields["message"] = message
    fields["figures"] = figures
    fields["relation"] = relation
    fields["file"] = file
    fields["line"] = line
    fields["details"] = details
    fields["data"] = data
    fields["headline"] = headline
    fields["fingerprint"] = fingerprint
    fields["new"] = True
    return finding


class _Key(NamedTuple):
    """What a fingerprint is made of (a Finding has these fields too)."""

    code: str
    relation: str | None
    figures: tuple
    data: dict


class _Lookups:
    """Positions of ids in the corpus's figure and relation frames, each id looked up once."""

    def __init__(self, corpus, table=None):
        self.figures = _Lookup(corpus.figures)
        self.relations = _Lookup(corpus.relations)
        if table is not None:
            self.figures.take(getattr(table, "named_figures", None))
            self.relations.take(getattr(table, "named_relations", None))


class _Lookup:
    def __init__(self, mapping):
        self.mapping = mapping
        self.known: dict = {}

    def take(self, named: dict | None) -> None:
        """Know the positions rules noted ({id: position}), those the frame's id column confirms:
        ids are unique, so a confirmed position is the one a search would find."""
        from .frames import _IdFrame, cells

        if not named or not isinstance(self.mapping, _IdFrame):
            return
        column = cells(self.mapping.df["id"])
        ids = np.array(list(named) + [None], dtype=object)[:-1]
        pos = np.fromiter(named.values(), dtype=np.int64, count=len(named))
        confirmed = (pos >= 0) & (pos < len(column))
        confirmed[confirmed] = column[pos[confirmed]] == ids[confirmed]
        self.known.update(zip(ids[confirmed].tolist(), pos[confirmed].tolist()))

    def positions(self, ids: list) -> np.ndarray:
        known = self.known
        new = [i for i in dict.fromkeys(ids) if i not in known]
        if new:
            try:    # in order, each binary search walks near the last one's path: ~30% less time
                new.sort()
            except TypeError:       # ids that do not compare: as they come
                pass
            known.update(zip(new, _positions(self.mapping, new).tolist()))
        return np.array([known[i] for i in ids], dtype=np.int64)


def _place_columns(corpus, hits, lookups=None) -> tuple[list, list]:
    """(files, lines) of the hits: each hit's own `where`, else its relation's, else its first
    figure's, else the corpus's first file — gathered from the frames' columns, not from records."""
    files = [corpus.files[0] if corpus.files else ""] * len(hits)
    lines = [1] * len(hits)
    by_relation, by_figure = [], []
    for k, hit in enumerate(hits):
        if hit.where is not None:
            files[k], lines[k] = hit.where.file, hit.where.line
        elif hit.relation:
            by_relation.append(k)
        elif hit.figures:
            by_figure.append(k)
    lookups = lookups or _Lookups(corpus)
    if by_relation:
        found = _where_of(lookups.relations, [hits[k].relation for k in by_relation])
        for k, place in zip(by_relation, found):
            if place is not None:
                files[k], lines[k] = place
            elif hits[k].figures:       # a relation the corpus does not hold: its first figure
                by_figure.append(k)
    if by_figure:
        by_figure.sort()
        found = _where_of(lookups.figures, [hits[k].figures[0] for k in by_figure])
        for k, place in zip(by_figure, found):
            if place is not None:
                files[k], lines[k] = place
    return files, lines


def _where_of(lookup: "_Lookup", ids: list) -> list:
    """(file, line) of each id in a figure or relation mapping, None where it holds no such id."""
    from .frames import _IdFrame

    mapping = lookup.mapping
    if not isinstance(mapping, _IdFrame):      # a hand-built corpus: a dict of records
        return [(mapping[i].where.file, mapping[i].where.line) if i in mapping else None for i in ids]
    pos = lookup.positions(ids)
    held = pos >= 0
    at = np.where(held, pos, 0)
    files = mapping.df["file"].to_numpy()[at].tolist()
    lines = list(map(int, mapping.df["line"].to_numpy()[at].tolist()))
    if held.all():
        return list(zip(files, lines))
    return [place if h else None for place, h in zip(zip(files, lines), held.tolist())]


def _positions(mapping, ids) -> np.ndarray:
    """Row of each id in a frame (-1 where absent); ids of any type, as dict lookups would take them."""
    from .frames import ArrowIdIndex

    ids = list(ids)
    if not ids:
        return np.empty(0, dtype=np.int64)
    index = mapping.index
    if isinstance(index, ArrowIdIndex):   # ids held as arrow strings: it bisects or hashes itself
        return index.get_indexer(ids).astype(np.int64)
    if _by_search(index, len(ids)):
        try:
            return _searched(index.to_numpy(), np.array(ids + [None], dtype=object)[:-1])
        except TypeError:       # an id that does not compare with strings: the hash table's way
            pass
    try:
        return index.get_indexer(pd.Index(ids, dtype=object))
    except TypeError:
        return np.array([mapping.position(i) if isinstance(i, str) and i in mapping else -1 for i in ids])


def _by_search(index: pd.Index, wanted: int) -> bool:
    """Whether a few ids are found faster by binary search in sorted ids than by building the
    index's hash table (a million ids take ~0.2 s to hash; archives' ids are usually sorted)."""
    if len(index) < 100_000 or wanted * 12 > len(index):
        return False
    engine = getattr(index, "_engine", None)
    if getattr(engine, "is_mapping_populated", False):   # built already: use it
        return False
    return index.is_monotonic_increasing and index.is_unique


def _searched(values: np.ndarray, targets: np.ndarray) -> np.ndarray:
    pos = np.searchsorted(values, targets)
    inside = pos < len(values)
    found = np.zeros(len(targets), dtype=bool)
    found[inside] = values[pos[inside]] == targets[inside]
    return np.where(found, pos, -1)


def fingerprints(findings, corpus, lookups=None) -> list[str]:
    """fingerprint() of each finding, with the figures' parts built from the frame's columns:
    once per figure, not once per finding and figure from a record. The values are exactly
    fingerprint()'s (baselines in the wild hold them)."""
    return _fingerprints([f.code for f in findings], [f.relation for f in findings],
                         [f.figures for f in findings], [f.data for f in findings], corpus, lookups)


def _fingerprints(codes: list, relations: list, figure_ids: list, datas: list, corpus, lookups=None) -> list[str]:
    """fingerprints() of findings given as columns."""
    from .frames import FigureFrame, _IdFrame

    figures = corpus.figures
    if not isinstance(figures, FigureFrame):
        return [fingerprint(_Key(*key), corpus) for key in zip(codes, relations, figure_ids, datas)]
    sorted_ids = list(map(sorted, figure_ids))
    flat = list(chain.from_iterable(sorted_ids))
    lookups = lookups or _Lookups(corpus)
    pos = lookups.figures.positions(flat)
    quoted_code = {code: code.startswith("P") for code in set(codes)}     # provenance: about the quote too
    want_quote = np.repeat(np.array([quoted_code[c] for c in codes], dtype=bool),
                           np.fromiter(map(len, sorted_ids), dtype=np.int64, count=len(sorted_ids)))
    # each (figure, with its quote or not) written once, then gathered to where it stands
    found = pos >= 0
    kinds, where = _distinct(pos[found] * 2 + want_quote[found])
    rows, with_quote = kinds // 2, kinds % 2 == 1
    written = np.empty(len(kinds), dtype=object)
    written[~with_quote] = _figure_parts(figures, rows[~with_quote], quote=False)
    written[with_quote] = _figure_parts(figures, rows[with_quote], quote=True)
    flat_parts = np.array(flat + [None], dtype=object)[:-1]     # ids the corpus lacks stand as themselves
    flat_parts[found] = written[where]
    flat_parts = flat_parts.tolist()
    rel_ids = list(dict.fromkeys(r for r in relations if r))
    if isinstance(corpus.relations, _IdFrame):
        rel_pos = lookups.relations.positions(rel_ids)
        held = rel_pos >= 0
        # gathered first: an archive's expressions are arrow strings, made Python strings only here
        exprs = corpus.relations.df["expr"].iloc[rel_pos[held]].tolist()
        compact = {rid: "".join(e.split()) for rid, e in zip(np.asarray(rel_ids, dtype=object)[held].tolist(), exprs)}
    else:
        compact = {rid: "".join(corpus.relations[rid].expr.split()) for rid in rel_ids if rid in corpus.relations}
    # each finding's text, "\x1f".join(parts) as fingerprint() builds it, made a column at a time:
    # its head (code, relation, the relation's expression), its figures' parts, its identity
    heads = [code + "\x1f" + (rel or "") if rel not in compact else code + "\x1f" + rel + "\x1f" + compact[rel]
             for code, rel in zip(codes, relations)]
    sha256 = hashlib.sha256
    out = []
    at = 0
    for head, ids, data in zip(heads, sorted_ids, datas):
        # each text hashed as it is made: its memory serves the next one's
        n = len(ids)
        if n == 1:
            text = head + "\x1f" + flat_parts[at]
        elif n:
            text = head + "\x1f" + "\x1f".join(flat_parts[at:at + n])
        else:
            text = head
        at += n
        identity = data.get("identity")
        if identity:     # hits tied to no figure (an uncovered mention) carry their own stable identity
            text += "\x1f" + str(identity)
        out.append(sha256(text.encode()).hexdigest()[:20])
    return out


def _distinct(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(the distinct values sorted, the index of each value among them), by one sort."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]] if len(ordered) else np.zeros(0, dtype=bool)
    where = np.empty(len(values), dtype=np.int64)
    where[order] = np.cumsum(starts) - 1
    return ordered[starts], where


def _figure_parts(figures, rows: np.ndarray, quote: bool) -> list[str]:
    """The JSON fingerprint() writes for each figure of `rows`, from the frame's columns, each
    column encoded by one map over it (or over its distinct values)."""
    if not len(rows):
        return []
    from .frames import cells as frame_cells

    df = figures.df

    def cells(column):
        return frame_cells(df[column])[rows].tolist()

    def texts(column, few: bool = True):
        """_js of each cell: the C encoder mapped over a column of strings (once per distinct
        string where they repeat), _js one by one otherwise."""
        values = cells(column)
        if set(map(type, values)) <= {str}:
            if not few:
                return list(map(_encode_string, values))
            encoded = {v: _encode_string(v) for v in set(values)}
            return list(map(encoded.__getitem__, values))
        return list(map(_js, values))

    units = cells("unit")
    compact_units = {u: _js("".join(u.split())) for u in dict.fromkeys(units)}
    since_given = [isinstance(t, str) and t != "" for t in cells("since_text")]
    since = _day_pairs(df["since_start"].to_numpy()[rows], df["since_end"].to_numpy()[rows])
    columns = [
        texts("id", few=False),
        *(_floats(df[c].to_numpy()[rows]) for c in ("low", "high", "written_half")),
        [compact_units[u] for u in units],
        texts("qualifier"),
        _day_pairs(df["period_start"].to_numpy()[rows], df["period_end"].to_numpy()[rows]),
        [s if given else "null" for s, given in zip(since, since_given)],
        texts("modality"),
        texts("quantity"),
    ]
    if quote:
        columns.append([_js(" ".join(q.split())) for q in cells("quote")])
    columns[0] = ["[" + x for x in columns[0]]
    columns[-1] = [x + "]" for x in columns[-1]]
    return list(map(", ".join, zip(*columns)))


def _floats(values: np.ndarray) -> list[str]:
    """_jf() of each value: repr where all are finite numbers, else one by one. Figures' ends and
    precisions repeat (round numbers): where they do, each distinct value is written once and
    gathered (not where a zero is negative: factorize takes -0.0 for 0.0, repr does not)."""
    values = np.asarray(values, dtype=float)
    if not np.isfinite(values).all():
        return [_jf(v) for v in values.tolist()]
    if len(values) > 64 and not np.signbit(values[values == 0]).any():
        codes, distinct = pd.factorize(values)
        if 2 * len(distinct) < len(values):
            return np.array(list(map(float.__repr__, distinct.tolist())), dtype=object)[codes].tolist()
    return list(map(float.__repr__, values.tolist()))


def _day_pairs(start: np.ndarray, end: np.ndarray) -> list[str]:
    """'["2024-01-01", "2025-01-01"]' per row: a period as fingerprint() writes it, written once
    per distinct period and gathered."""
    start = np.asarray(start).astype("datetime64[D]")
    end = np.asarray(end).astype("datetime64[D]")
    start_code, start_days = pd.factorize(start.view(np.int64))
    end_code, end_days = pd.factorize(end.view(np.int64))
    pair_code, pairs = pd.factorize(start_code.astype(np.int64) * max(len(end_days), 1) + end_code)
    a = np.datetime_as_string(start[_first_of(pair_code, len(pairs))], unit="D")
    b = np.datetime_as_string(end[_first_of(pair_code, len(pairs))], unit="D")
    written = np.array([f'["{x}", "{y}"]' for x, y in zip(a.tolist(), b.tolist())], dtype=object)
    return written[pair_code].tolist()


def _first_of(codes: np.ndarray, n: int) -> np.ndarray:
    """The first position of each code 0..n-1."""
    first = np.full(n, len(codes), dtype=np.int64)
    np.minimum.at(first, codes, np.arange(len(codes)))
    return first


def _js(x) -> str:
    """json.dumps(x, ensure_ascii=False) for a cell, through the C string encoder when it is text."""
    return _encode_string(x) if type(x) is str else json.dumps(x, ensure_ascii=False)


def _jf(x) -> str:
    """json.dumps(float(x)): repr, and JSON's own words for what is not a finite number."""
    x = float(x)
    if x != x:
        return "NaN"
    if x in (math.inf, -math.inf):
        return "Infinity" if x > 0 else "-Infinity"
    return repr(x)


class CheckResult:
    """One run: what was loaded, which rules ran, what they found, and how long it took."""

    def __init__(self, corpus, table, rules, findings, fixed=(), timings=None):
        self.corpus = corpus
        self.table = table
        self.rules = rules
        self.findings = findings
        self.fixed = list(fixed)          # baseline entries no longer found
        self.baseline_applied = False     # set by baseline.apply_baseline: `new` then means "not accepted"
        self.timings = timings or {}

    def counts(self) -> dict[str, int]:
        from collections import Counter

        out = {s.name: 0 for s in sorted(Severity, reverse=True)}
        for severity, n in Counter(f.severity for f in self.findings).items():     # each name looked up once
            out[severity.name] += n
        return out


def check(paths, settings, select=None, ignore=None, *, engine: str = "memory", scheduler: str | None = None,
          progress=None, use_cache: bool = True, keep_table: bool = True, prepare=None) -> CheckResult:
    """Load, build the table, run the selected rules. Raises LoadError / ValueError on bad input.
    keep_table=False: the result holds no table (None), and the table is let go as soon as the
    rules are done, before the findings are made (for output that does not read it).
    `prepare(findings)`: see run()."""
    import time

    from .load import load
    from .table import FigureTable

    timings: dict[str, float] = {}
    rules = selected(discover(), select if select is not None else settings.select,
                     ignore if ignore is not None else settings.ignore)
    rule_settings = {"severity": settings.severity, "settings": settings}
    loaded = []

    def ready(corpus):
        # the rules that read the articles need only the corpus: a second core runs them while
        # the load checks references and this process builds the table and runs the others
        loaded.append(corpus)
        prefetch.start(corpus, rules, rule_settings)

    with collector_paused():
        paths = list(paths)
        if progress is not None:
            progress.stage("loading", total=len(paths))
        t0 = time.perf_counter()
        try:
            corpus = load(paths, settings.about_margin, use_cache=use_cache, progress=progress, ready=ready)
            t1 = time.perf_counter()
            if progress is not None:
                progress.stage("figure table")
            tables = [FigureTable.from_corpus(corpus, settings.about_margin)]
            give_back_free_memory()     # the build's temporaries (~40 MB at a million figures)
            t2 = time.perf_counter()
            table = tables[0] if keep_table else None     # else run() holds the only reference
            findings = run(corpus, tables.pop(), rules, rule_settings, engine=engine, scheduler=scheduler,
                           progress=progress, timings=timings, release_table=not keep_table, prepare=prepare)
        finally:
            # stops a worker still running (the references were wrong, a rule failed)
            for read in loaded:
                prefetch.release(read)
        t3 = time.perf_counter()
    timings = {"load": t1 - t0, "table": t2 - t1, **timings, "rules": t3 - t2}
    return CheckResult(corpus, table, rules, findings, timings=timings)
