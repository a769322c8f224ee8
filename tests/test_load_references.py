"""The reference checks run after every file is loaded (load._check_references and
load._check_relation_names) find, over columns, what a check figure by figure finds."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from figcheck.load import _check_references, _check_relation_names, _keys_of_codes
from figcheck.model import Quantity, Rate, Skip, Where
from figcheck.relations import group_relations, leaf_names, leaf_objects, parse_relation
from figcheck.units import unit_info

SOURCES = {"s1": None, "s2": None}
QUANTITIES = {
    "troops": Quantity("troops", "", "stock", "soldier", Where("q.csv", 2)),
    "shells": Quantity("shells", "", "flow", "shell/day", Where("q.csv", 3)),
    "broken": Quantity("broken", "", "stock", "blorb", Where("q.csv", 4)),   # a unit reported elsewhere
}
missing = st.sampled_from([None, math.nan])
references = st.one_of(st.sampled_from(["", "", "f1", "f2", "nowhere"]), missing)
figure_rows = st.fixed_dictionaries({
    "source": st.one_of(st.sampled_from(["s1", "s2", "s9", ""]), missing),
    "quantity": st.one_of(st.sampled_from(["troops", "shells", "broken", "ghost"]), missing),
    "unit": st.sampled_from(["soldier", "shell/day", "shell/month", "km", "blorb"]),   # validated text
    "of": references, "part": references, "between_a": references, "between_b": references,
})


def _text(value) -> bool:
    return isinstance(value, str)


def _references_one_by_one(rows, relation_sources, sources, quantities):
    """What the checks find, figure by figure (the messages of load._check_references)."""
    found = []
    ids = {f"f{i}" for i in range(len(rows))}
    for i, r in enumerate(rows):
        fid, line = f"f{i}", i + 2
        if not (_text(r["source"]) and r["source"] in sources):
            found.append(("figures.csv", line, f"figure {fid!r}: unknown source {r['source']!r}"))
        q = quantities.get(r["quantity"]) if _text(r["quantity"]) else None
        if q is None:
            found.append(("figures.csv", line, f"figure {fid!r}: unknown quantity {r['quantity']!r}"))
        else:
            try:
                fu, qi = unit_info(r["unit"]), unit_info(q.unit)
            except (ValueError, TypeError):
                fu = qi = None
            if fu is not None and fu.dimension != qi.dimension:
                found.append(("figures.csv", line, f"figure {fid!r}: unit {r['unit']!r} has dimension {fu.dimension}, "
                                                   f"but quantity {r['quantity']!r} is measured in {q.unit!r} ({qi.dimension})"))
        for key, column in (("of", "of"), ("part", "part"), ("between", "between_a"), ("between", "between_b")):
            v = r[column]
            if _text(v) and v != "" and v not in ids:
                found.append(("figures.csv", line, f"figure {fid!r}: {key} {v!r} is not a figure id"))
    for k, source in enumerate(relation_sources):
        if not (_text(source) and source in sources):
            found.append(("relations.csv", k + 2, f"relation {f'r{k}'!r}: unknown source {source!r}"))
    return sorted(found, key=repr)


def _figures(rows) -> pd.DataFrame:
    n = len(rows)
    columns = {"id": [f"f{i}" for i in range(n)]}
    for c in ("source", "quantity", "unit", "of", "part", "between_a", "between_b"):
        columns[c] = [r[c] for r in rows]
    frame = pd.DataFrame({c: pd.Series(v, dtype=object) for c, v in columns.items()})
    frame["file"] = "figures.csv"
    frame["line"] = np.arange(n, dtype=np.int64) + 2
    return frame


def _relations(sources) -> pd.DataFrame:
    n = len(sources)
    return pd.DataFrame({"id": pd.Series([f"r{k}" for k in range(n)], dtype=object),
                         "source": pd.Series(sources, dtype=object),
                         "file": "relations.csv", "line": np.arange(n, dtype=np.int64) + 2})


@settings(max_examples=150, deadline=None)
@given(st.lists(figure_rows, max_size=30), st.lists(st.one_of(st.sampled_from(["s1", "s2", "s3"]), missing), max_size=5))
def test_reference_checks_find_what_a_check_per_figure_finds(rows, relation_sources):
    problems = _check_references(_figures(rows), _relations(relation_sources), SOURCES, QUANTITIES, [], [])
    got = sorted(((p.file, p.line, p.message) for p in problems), key=repr)
    assert got == _references_one_by_one(rows, relation_sources, SOURCES, QUANTITIES)


def test_rates_skips_and_quantities_name_what_exists():
    quantities = dict(QUANTITIES, part=Quantity("part", "", "stock", "soldier", Where("q.csv", 5), part_of="nope"),
                      self_=Quantity("self_", "", "stock", "soldier", Where("q.csv", 6), part_of="self_"))
    rates = [Rate("EUR", "USD", 1.1, None, "s7", Where("rates.csv", 2))]
    skips = [Skip("s8", "x", "y", Where("skips.csv", 2))]
    problems = {str(p) for p in _check_references(_figures([]), _relations([]), SOURCES, quantities, rates, skips)}
    assert "q.csv:5: quantity 'part': part_of 'nope' is not a quantity" in problems
    assert "q.csv:6: quantity 'self_' cannot be part of itself" in problems
    assert "rates.csv:2: rate: unknown source 's7'" in problems
    assert "skips.csv:2: skip: unknown source 's8'" in problems


@given(st.lists(st.one_of(st.sampled_from(["a", "b", "c", ""]), missing)), st.sets(st.sampled_from(["a", "b"])))
def test_keys_are_found_per_distinct_value_as_isin_finds_them(values, keys):
    array = np.array(values, dtype=object) if values else np.empty(0, dtype=object)
    want = pd.Series(array, dtype=object).isin(keys).to_numpy()
    assert _keys_of_codes(*pd.factorize(array), keys).tolist() == want.tolist()


EXPRS = ["f0 == f1", "f1 * f2 == f3", "f0 == 3 * soldier", "f2 < nothing", "nothing + f9 == f1 / day", "f3 > 2"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(EXPRS), min_size=1, max_size=20), st.integers(0, 5), st.booleans())
def test_relation_names_are_figure_ids_or_units_as_each_relation_says(exprs, figures, arrow):
    column = (pd.Series(pd.arrays.ArrowStringArray(pa.array(exprs, type=pa.string()))) if arrow
              else pd.Series(exprs, dtype=object))
    groups, errors = group_relations(column, arrow_names=arrow)
    assert not errors
    frame = _figures([{"source": "s1", "quantity": "troops", "unit": "soldier", "of": "", "part": "",
                       "between_a": "", "between_b": ""}] * figures)
    relations = _relations(["s1"] * len(exprs))
    relations["expr"] = exprs
    problems = _check_relation_names(relations, groups, frame)
    ids = set(frame["id"])
    want = set()
    for k, expr in enumerate(exprs):
        for name in parse_relation(expr).names():
            if name not in ids:
                try:
                    unit_info(name)
                except ValueError:
                    want.add(("relations.csv", k + 2, f"relation {f'r{k}'!r}: {name!r} is neither a figure id nor a unit"))
    assert {(p.file, p.line, p.message) for p in problems} == want
    # each name's figure row is known; a file's name leaf now holds the figure frame's own strings,
    # an archive's stays arrow; leaf_names gives either's names as written, a figure's as the
    # frame's own string
    id_objects = frame["id"].to_numpy()
    for g in groups:
        for k, (leaf, column, position) in enumerate(zip(g.tree.leaves(), g.leaves, g.positions)):
            if leaf.kind != "name":
                assert position is None
                continue
            assert isinstance(column, pa.Array) if arrow else (isinstance(column, np.ndarray) and column.dtype == object)
            want_names = [parse_relation(exprs[r]).leaves()[k].text for r in g.rows]
            assert position.tolist() == [int(n[1:]) if n in ids else -1 for n in want_names]
            assert leaf_objects(column).tolist() == want_names
            names = leaf_names(column, position, id_objects)
            assert names.tolist() == want_names
            assert all(n is id_objects[p] for n, p in zip(names, position) if p >= 0)


def _read_with_open(path):
    try:
        with open(path, "rb") as f:
            return f.read(), None
    except (OSError, ValueError) as exc:
        return None, exc


def test_source_bytes_read_with_os_calls_equal_open_and_read(tmp_path):
    from figcheck.load import _read_bytes

    paths = []
    for size in (0, 5, (1 << 16) - 1, 1 << 16, (1 << 16) + 1, 3 << 16, 200_001):
        path = tmp_path / f"f{size}"
        path.write_bytes(bytes(range(256)) * (size // 256) + b"x" * (size % 256))
        paths.append(str(path))
    (tmp_path / "folder").mkdir()
    paths += [str(tmp_path / "folder"), str(tmp_path / "missing"), str(tmp_path / "a\0b"), str(tmp_path / ("n" * 300))]
    for path in paths:
        got, want = _read_bytes(path), _read_with_open(path)
        assert got[0] == want[0]
        assert type(got[1]) is type(want[1])
        assert getattr(got[1], "strerror", None) == getattr(want[1], "strerror", None)
    assert _read_bytes(str(tmp_path / "folder"), size=7)[0] is None   # a folder, whatever the chunk size
    assert _read_bytes(paths[5], size=7)[0] == _read_with_open(paths[5])[0]


def _quantity_frame(quantities):
    from figcheck.frames import QuantityFrame

    qs = list(quantities.values())
    frame = QuantityFrame([q.key for q in qs], [q.description for q in qs], [q.kind for q in qs],
                          [q.unit for q in qs], [q.part_of for q in qs], [q.exhaustive for q in qs], "q.csv", 2)
    assert all(frame[q.key] == q for q in qs)   # lines 2, 3, 4 as QUANTITIES writes them
    return frame


@settings(max_examples=100, deadline=None)
@given(st.lists(figure_rows, max_size=30), st.lists(st.one_of(st.sampled_from(["s1", "s2", "s3"]), missing), max_size=5))
def test_reference_checks_with_the_loaders_codes_and_a_quantity_frame_find_the_same(rows, relation_sources):
    """What a columnar load gives the checks (text codes noted by frames.remember_codes, which
    may number values no row has, and a QuantityFrame) changes nothing they find."""
    from figcheck.frames import remember_codes

    figures, relations = _figures(rows), _relations(relation_sources)
    for frame, columns in ((figures, ("source", "quantity", "unit", "of", "part", "between_a", "between_b")),
                           (relations, ("source",))):
        for c in columns:
            codes, uniques = pd.factorize(frame[c].to_numpy(dtype=object))
            remember_codes(frame, c, codes, np.append(np.asarray(uniques, dtype=object), "zz_unused"))
    problems = _check_references(figures, relations, SOURCES, _quantity_frame(QUANTITIES), [], [])
    got = sorted(((p.file, p.line, p.message) for p in problems), key=repr)
    assert got == _references_one_by_one(rows, relation_sources, SOURCES, QUANTITIES)


@given(st.lists(st.text(max_size=5), max_size=20), st.booleans(), st.booleans())
def test_arrow_strings_of_an_object_array_are_its_strings(values, noted, large):
    """frames.arrow_strings gives the arrow twin remember_arrow noted (for the array and its
    views), else converts; either way the same strings, as pa.string()."""
    from figcheck.frames import arrow_strings, remember_arrow

    objects = np.array(values, dtype=object)
    if noted:
        remember_arrow(objects, pa.chunked_array([pa.array(values, type=pa.large_string() if large else pa.string())]))
    view = pd.Series(objects, dtype=object, copy=False).to_numpy(dtype=object)
    got = arrow_strings(view)
    assert got.type == pa.string() and got.to_pylist() == values
    other = np.array(values, dtype=object)   # equal strings, another array: converted
    assert arrow_strings(other).to_pylist() == values
