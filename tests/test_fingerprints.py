"""Fingerprints computed from the frame's columns equal the per-record fingerprint() exactly:
baselines in the wild hold these values, so the fast path must never change one."""
from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from figcheck import engine
from figcheck.collector import give_back_free_memory
from figcheck.config import Settings, load_settings
from figcheck.load import load
from figcheck.rules import Finding, Severity

from conftest import generated_archive

ROOT = Path(__file__).resolve().parent.parent




@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated archive (~2,000 figures, a tenth planted) as CSV and as TOML."""
    root = tmp_path_factory.mktemp("fp")
    generated_archive(root, 2000, seed=11, planted_rate=0.1, sources_per_file=20)
    return root


def _made_up_findings(corpus, n=600, seed=5):
    """Findings of every kind of code over random figures: with and without a relation, with
    quotes (P), with ids the corpus does not hold, with an identity and none."""
    rng = random.Random(seed)
    fids = list(corpus.figures)
    rids = list(corpus.relations)
    out = []
    for k in range(n):
        code = rng.choice(["A001", "X001", "P001", "P004", "S001", "T003"])
        figures = tuple(rng.sample(fids, rng.randint(0, 3)))
        if k % 7 == 0:
            figures += ("no_such_figure",)
        relation = rng.choice(rids) if rids and rng.random() < 0.4 else ("r_missing" if k % 11 == 0 else None)
        data = {"identity": f"mention:{k}"} if code == "P004" else {}
        out.append(Finding(code, "x", Severity.error, "m", figures, relation, "f", 1, (), data))
    return out


def _assert_same(findings, corpus):
    fast = engine.fingerprints(findings, corpus)
    slow = [engine.fingerprint(f, corpus) for f in findings]
    assert fast == slow


def test_seed_corpus_fingerprints_equal_per_record_ones():
    settings = load_settings(ROOT)
    result = engine.check([ROOT / "figures.toml"], settings, use_cache=False)
    assert result.findings
    _assert_same(result.findings, result.corpus)
    _assert_same(_made_up_findings(result.corpus), result.corpus)
    # and what findings_of stored is the same value
    assert [f.fingerprint for f in result.findings] == [engine.fingerprint(f, result.corpus) for f in result.findings]


@pytest.mark.parametrize("form", ["csv", "toml"])
def test_generated_corpus_fingerprints_equal_per_record_ones(generated, form):
    paths = [generated / "csv"] if form == "csv" else sorted((generated / "toml").glob("*.toml"))
    result = engine.check(paths, Settings(root=generated), use_cache=False)
    assert len(result.findings) > 50
    _assert_same(result.findings, result.corpus)
    _assert_same(_made_up_findings(result.corpus), result.corpus)


def test_fingerprints_of_a_hand_built_corpus_take_the_record_path():
    corpus = load([ROOT / "figures.toml"], use_cache=False)
    as_dicts = type(corpus)(corpus.files, corpus.sources, corpus.quantities, dict(corpus.figures.items()),
                            dict(corpus.relations.items()))
    findings = _made_up_findings(corpus, n=100)
    assert engine.fingerprints(findings, as_dicts) == engine.fingerprints(findings, corpus)


@pytest.mark.parametrize("ordered", [True, False])
@pytest.mark.parametrize("arrow", [False, True])
def test_positions_by_binary_search_equal_the_hash_tables(ordered, arrow):
    """A few ids among many sorted ones are found by binary search; the answer is the index's.
    Ids held as arrow strings (an archive's) are searched by their own index (frames.ArrowIdIndex)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from figcheck.frames import ArrowIdIndex, RelationFrame

    ids = [f"r{i:07d}" for i in range(0, 400_000, 2)]
    if not ordered:
        ids = ids[1:] + ids[:1]
    column = pd.arrays.ArrowStringArray(pa.array(ids)) if arrow else pd.Series(ids, dtype=object)
    frame = RelationFrame(pd.DataFrame({"id": column}))
    wanted = ids[::997] + ["r0000001", "r9999999", "", "a", "zz", ids[-1], ids[0]]
    if arrow:
        assert isinstance(frame.index, ArrowIdIndex)
    else:
        assert engine._by_search(frame.index, len(wanted)) == ordered
    expected = pd.Index(ids).get_indexer(wanted)
    assert (engine._positions(frame, wanted) == expected).all()
    assert (engine._positions(frame, wanted + [None, 3]) == np.append(expected, [-1, -1])).all()


def test_findings_are_made_as_the_dataclass_makes_them():
    # findings_of fills a Finding's fields at once (engine._finding): the same object as Finding(...)
    values = ("A001", "x", Severity.error, "m", ("a", "b"), None, "f.toml", 3, ("d",), {"gap": 1.0}, "h", "fp")
    fast, made = engine._finding(*values), Finding(*values)
    assert fast == made and fast.data == made.data and fast.new is True and fast.to_json() == made.to_json()
    assert vars(fast) == vars(made) and type(fast) is Finding
    assert list(vars(fast)) == list(vars(made))
    # its fields in a dict that shares its keys with the other findings', as the constructor's does
    import sys

    assert sys.getsizeof(vars(fast)) <= sys.getsizeof(vars(made))
    with pytest.raises(Exception):
        fast.code = "X001"      # still frozen


@pytest.mark.parametrize("values", [
    ("m",),
    ("m", ("a", "b"), "r1", ("d", "e"), {"gap": 1.0}, Severity.warning, "h", None),
    ("m", (), None, (), None, None, "", "somewhere"),
])
def test_hits_are_made_as_the_dataclass_makes_them(values):
    # the rules that report thousands make their hits by make_hit: the same object as Hit(...)
    import sys

    from figcheck.rules import Hit, make_hit

    fast = make_hit(*values)
    made = Hit(*values[:4], *([{} if values[4] is None else values[4]] if len(values) > 4 else []), *values[5:])
    assert fast == made and type(fast) is Hit and vars(fast) == vars(made)
    assert list(vars(fast)) == list(vars(made))
    assert sys.getsizeof(vars(fast)) <= sys.getsizeof(vars(made))
    with pytest.raises(Exception):
        fast.message = "x"      # still frozen


def test_positions_the_rules_noted_give_the_findings_a_search_gives(generated):
    # findings_of takes the rows the rules noted (FigureTable.named_figures) instead of searching
    # the ids; the findings are the same, and a wrong note is not believed
    from figcheck.rules import Context
    from figcheck.table import FigureTable

    corpus = load([generated / "csv"], use_cache=False)
    table = FigureTable.from_corpus(corpus)
    rules = [r for r in engine.selected(engine.discover()) if not r.texts]
    ctx = Context(corpus, table, {})
    hits = {r.code: list(r.check(ctx) or ()) for r in rules}
    assert len(table.named_figures) > 20 and len(table.named_relations) > 5
    searched = engine.findings_of(corpus, rules, hits, {})
    assert engine.findings_of(corpus, rules, hits, {}, table) == searched
    some = next(iter(table.named_figures))
    table.named_figures[some] = (table.named_figures[some] + 1) % len(table)      # a wrong note
    table.named_relations[next(iter(table.named_relations))] = 10**9             # out of range
    table.named_figures["no_such_figure"] = 0
    wrong = engine.findings_of(corpus, rules, hits, {}, table)
    assert [(f.file, f.line, f.fingerprint) for f in wrong] == [(f.file, f.line, f.fingerprint) for f in searched]


def _reference_findings(corpus, rules, hits, settings):
    """findings_of the plain way: one Finding per hit, placed from the records, fingerprint()
    of each, then sorted."""
    from dataclasses import replace

    severities = settings.get("severity", {})
    out = []
    for r in rules:
        for hit in hits.get(r.code, ()):
            sev = hit.severity if hit.severity is not None else severities.get(r.code, r.severity)
            if r.code in severities:
                sev = severities[r.code]
            place = (corpus.files[0] if corpus.files else "", 1)
            if hit.where is not None:
                place = (hit.where.file, hit.where.line)
            elif hit.relation and hit.relation in corpus.relations:
                where = corpus.relations[hit.relation].where
                place = (where.file, where.line)
            elif hit.figures and hit.figures[0] in corpus.figures:
                where = corpus.figures[hit.figures[0]].where
                place = (where.file, where.line)
            f = Finding(r.code, r.name, Severity(sev), hit.message, tuple(hit.figures), hit.relation, *place,
                        tuple(hit.details), dict(hit.data), hit.headline)
            out.append(replace(f, fingerprint=engine.fingerprint(f, corpus)))
    out.sort(key=lambda f: (-f.severity, f.file, f.line, f.code, f.figures, f.relation or "", f.message, f.details))
    return out


@pytest.mark.parametrize("form", ["csv", "toml"])
def test_findings_made_a_column_at_a_time_equal_the_plain_way(generated, form):
    # findings_of gathers places, fingerprints and sort keys for all hits at once: the findings
    # (every field, data too, in the same order) are those made one hit at a time
    from dataclasses import replace

    from figcheck.model import Where
    from figcheck.rules import Context, Hit
    from figcheck.table import FigureTable

    paths = [generated / "csv"] if form == "csv" else sorted((generated / "toml").glob("*.toml"))
    corpus = load(paths, use_cache=False)
    table = FigureTable.from_corpus(corpus)
    rules = [r for r in engine.selected(engine.discover()) if not r.texts]
    hits = {r.code: list(r.check(Context(corpus, table, {})) or ()) for r in rules}
    assert sum(map(len, hits.values())) > 50
    rng = random.Random(3)
    fids, rids = list(corpus.figures), list(corpus.relations)
    some = rules[0].code
    hits[some] = hits[some] + [
        Hit("own place", (fids[1],), where=Where("elsewhere.toml", 7)),
        Hit("a relation the corpus lacks", (fids[2], fids[3]), relation="r_missing"),
        Hit("a figure the corpus lacks", ("no_such_figure", fids[4])),
        Hit("nothing to place", (), data={"identity": "mention:1"}, severity=Severity.info),
        Hit("listed figures", [fids[6], fids[5]], relation=rids[0] if rids else None, details=["a", "b"]),
    ]
    for code in hits:       # some hits raise or lower their own severity
        hits[code] = [replace(h, severity=rng.choice(list(Severity))) if rng.random() < 0.2 else h for h in hits[code]]
    for settings in ({}, {"severity": {some: Severity.warning, "X001": 0}}):
        fast = engine.findings_of(corpus, rules, hits, settings, table)
        slow = _reference_findings(corpus, rules, hits, settings)
        assert [vars(f) for f in fast] == [vars(f) for f in slow]
        assert all(type(f) is Finding and type(f.severity) is Severity for f in fast)


@pytest.mark.parametrize("form", ["csv", "toml"])
def test_a_check_that_lets_the_table_go_finds_what_one_that_keeps_it_finds(generated, form, monkeypatch):
    # `figcheck check` lets the figure table (and the relations' results) go once the rules that
    # read it are done: gone before the findings are made, the same findings, no table in the result
    import weakref

    from figcheck import table as table_module

    settings = Settings(root=generated)
    paths = [generated / "csv"] if form == "csv" else sorted((generated / "toml").glob("*.toml"))
    kept = engine.check(paths, settings, use_cache=False)
    assert kept.table is not None and len(kept.findings) > 50

    built, alive_at_findings = [], []
    from_corpus, findings_of = table_module.FigureTable.from_corpus, engine.findings_of

    def from_corpus_noted(corpus, about_margin=1.0):
        made = from_corpus(corpus, about_margin)
        built.append(weakref.ref(made))
        return made

    def findings_of_noted(*args, **kwargs):
        alive_at_findings.append(built[-1]() is not None)
        return findings_of(*args, **kwargs)

    monkeypatch.setattr(table_module.FigureTable, "from_corpus", staticmethod(from_corpus_noted))
    monkeypatch.setattr(engine, "findings_of", findings_of_noted)
    let_go = engine.check(paths, settings, use_cache=False, keep_table=False)
    assert alive_at_findings == [False] and let_go.table is None
    assert let_go.findings == kept.findings
    assert [(f.fingerprint, f.data, f.file, f.line) for f in let_go.findings] == \
        [(f.fingerprint, f.data, f.file, f.line) for f in kept.findings]
    give_back_free_memory()      # harmless at any time, wherever it runs


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 1.0, 0.5, 11000.0, 1e300, 1 / 3, -2.5, 5e-324]), max_size=200),
       st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5))
def test_floats_written_once_per_distinct_value_are_each_written(repeated, any_floats):
    # fingerprints write figures' ends once per distinct value where they repeat: json.dumps of each
    import json

    import numpy as np

    for values in (repeated, repeated + any_floats, repeated * 3):
        assert engine._floats(np.array(values, dtype=float)) == [json.dumps(float(v)) for v in values]
