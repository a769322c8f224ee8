"""A relation side's natural unit worked out without pint (figcheck.unit_terms) is pint's answer:
the same text, the same factor to the last bit, the same verdict on converting — over random
shapes and units of the table, and over a long run where pint's caches come into play."""
from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from figcheck import unit_terms
from figcheck.checks.arithmetic import pint_unit_facts, table_unit_facts
from figcheck.relations import Comparison, Leaf, Op, parse_relation
from figcheck.unit_table import KNOWN_UNITS
from figcheck.units import registry

TABLE = sorted(KNOWN_UNITS)


def fresh_caches() -> None:
    """Forget the root factors pint and unit_terms computed: pint caches them by the units'
    content, not their order, so which order came first decides the last bit of a factor. A
    unit of one name is the same in any order and stays."""
    cache = registry()._cache
    cache.root_units = {k: v for k, v in cache.root_units.items() if len(k) <= 1}
    cache.conversion_factor = {}
    unit_terms._ROOT_FACTORS.clear()


def trees(depth: int = 3):
    names = st.builds(lambda: Leaf("name", "x"))
    numbers = st.sampled_from([2.0, 12.0, 0.5]).map(lambda v: Leaf("number", repr(v), v))
    leaf = st.one_of(names, names, numbers)
    return st.recursive(
        leaf,
        lambda inner: st.one_of(
            st.builds(lambda op, a, b: Op(op, (a, b)), st.sampled_from("+-*/"), inner, inner),
            st.builds(lambda a: Op("neg", (a,)), inner)),
        max_leaves=6)


def name_count(node) -> int:
    if isinstance(node, Leaf):
        return node.kind == "name"
    return sum(name_count(a) for a in node.args)


@settings(max_examples=300, deadline=None)
@given(trees(), trees(), st.sampled_from(["==", "<", ">="]), st.data())
def test_table_units_give_pints_natural_units(left, right, op, data):
    tree = Comparison(op, left, right)
    n = name_count(left) + name_count(right)
    units = data.draw(st.lists(st.sampled_from(TABLE + [" soldier ", "people", "dollar"]), min_size=n, max_size=n))
    fresh_caches()
    mine = table_unit_facts(tree, tuple(units))
    fresh_caches()
    assert mine == pint_unit_facts(tree, tuple(units))


def test_a_long_run_keeps_pints_cache_of_root_factors():
    # the order units come in decides the last bit of some factors once pint has cached them;
    # a run of thousands of relations must see exactly pint's factors throughout
    rng = random.Random(7)
    fresh_caches()
    shapes = [parse_relation(e) for e in ("a * b == c", "a == b", "a / b == c", "a * b * c == d", "a == b * c / d")]
    found_order_dependence = False
    for _ in range(3000):
        tree = shapes[rng.randrange(len(shapes))]
        units = tuple(rng.choice(TABLE) for _ in tree.names())
        mine = table_unit_facts(tree, units)
        pints = pint_unit_facts(tree, units)
        assert mine == pints, (tree, units)
        found_order_dependence |= _uncached_left_factor(tree, units) != pints[0]
    assert found_order_dependence    # the run did exercise the cache


def _uncached_left_factor(tree, units) -> float:
    """The left side's factor as pint would give it had it seen no other unit before."""
    from figcheck.checks.arithmetic import _numbered

    numbered = _numbered(tree, iter(range(10**6)))
    leaf_units = {f"#{k}": u for k, u in enumerate(units)}
    terms = unit_terms.side_terms(numbered.left, lambda leaf: leaf_units[leaf.text])
    roots: dict = {}
    unit_terms._root_powers(terms.items(), 1, roots, None)
    ratio = unit_terms.multiply(terms, {k: p for k, p in roots.items() if p != 0}, -1)
    return float(unit_terms._fresh_root_factor(ratio)) if ratio else 1.0


def test_units_outside_the_table_are_left_to_pint():
    tree = parse_relation("a * b == c")
    assert table_unit_facts(tree, ("km/day", "day", "km")) is None
    assert table_unit_facts(tree, ("shell / day", "day", "shell")) is None
    assert table_unit_facts(tree, ("shell/day", "day", "shell")) == pint_unit_facts(tree, ("shell/day", "day", "shell"))


def test_unit_terms_are_what_pint_parses():
    ureg = registry()
    for text in TABLE:
        assert list(unit_terms.unit_terms(text)) == list(ureg.parse_units(text)._units.items()), text


def test_definitions_are_pints():
    ureg = registry()
    for name, dim in unit_terms._BASE.items():
        assert ureg._units[name].is_base and dict(ureg._units[name].reference) == {dim: 1}
    for name, (scale, reference) in unit_terms._SCALED.items():
        definition = ureg._units[name]
        assert definition.converter.scale == scale and type(definition.converter.scale) is type(scale), name
        assert list(definition.reference.items()) == list(reference), name
