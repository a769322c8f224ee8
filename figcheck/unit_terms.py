"""A relation side's unit as pint would work it out — its text, factor to base units and
dimension — without importing pint, for sides whose units are all in figcheck/unit_table.py.

Findings show a failing relation's sides in their natural units (`USD/soldier/month × soldier`
is `USD/month`). pint answers that in ~30 µs a side, but importing it and building the registry
costs ~0.6 s, which a check whose units are all common need not pay. Here a unit is what pint
makes of it: an ordered map of unit names to powers, multiplied and divided as pint's
UnitsContainer is (the order decides in which order pint multiplies the scale factors, so it is
kept too). Any unit outside the table returns None: the caller asks pint.
tests/test_unit_terms.py checks every answer against pint.
"""
from __future__ import annotations

import functools

# pint's definition of each unit a table unit is made of: a base unit and its dimension, or
# (scale, reference) with the reference as ((unit, power), ...). The time units and percent come
# from pint's own definitions, the count nouns and currencies from figcheck/units.txt.
_BASE = {"second": "[time]", "soldier": "[soldier]", "shell": "[shell]", "missile": "[missile]",
         "person": "[person]", "USD": "[currency_USD]", "EUR": "[currency_EUR]"}
_SCALED = {
    "minute": (60, (("second", 1),)),
    "hour": (60, (("minute", 1),)),
    "day": (24, (("hour", 1),)),
    "week": (7, (("day", 1),)),
    "year": (365.25, (("day", 1),)),
    "month": (1 / 12, (("year", 1),)),
    "percent": (0.01, ()),
    "percentage_point": (0.01, ()),
}
# the names a table unit may be written with, as pint names them (aliases and plurals)
_NAMES = {**{name: name for name in (*_BASE, *_SCALED)},
          "soldiers": "soldier", "shells": "shell", "missiles": "missile", "persons": "person",
          "people": "person", "dollar": "USD", "euro": "EUR"}


@functools.lru_cache(maxsize=None)
def unit_terms(text: str) -> tuple[tuple[str, int], ...] | None:
    """What pint's parse_units makes of a unit of the table, as ((unit name, power), ...) in
    pint's order; None for any other text (pint reads it)."""
    from .unit_table import KNOWN_UNITS

    cleaned = text.strip() if isinstance(text, str) else None
    if cleaned not in KNOWN_UNITS:
        return None
    if cleaned == "dimensionless":
        return ()
    words = cleaned.split("/")
    return ((_NAMES[words[0]], 1),) + tuple((_NAMES[w], -1) for w in words[1:])


def multiply(a: dict, b, sign: int = 1) -> dict:
    """a × b (sign 1) or a / b (sign -1), keeping pint's order: a's names first, a name that
    cancels is dropped, and one that comes back goes to the end."""
    out = dict(a)
    for name, power in (b.items() if isinstance(b, dict) else b):
        new = out.get(name, 0) + sign * power
        if new == 0:
            out.pop(name, None)
        else:
            out[name] = new
    return out


def text(terms: dict) -> str:
    """str(unit) as pint writes it, without spaces, and "" for a dimensionless unit."""
    if not terms:
        return ""
    numerator = sorted((name, p) for name, p in terms.items() if p > 0)
    denominator = sorted((name, p) for name, p in terms.items() if p < 0)

    def term(name, power):
        return name if abs(power) == 1 else f"{name}**{abs(power):n}"

    top = "*".join(term(n, p) for n, p in numerator) or "1"
    return top + "".join("/" + term(n, p) for n, p in denominator)


def dimensions(terms: dict) -> dict:
    """The unit's dimensionality: {base dimension: power}, without zero powers."""
    out: dict = {}

    def walk(items, power):
        for name, p in items:
            if name in _BASE:
                out[_BASE[name]] = out.get(_BASE[name], 0) + power * p
            else:
                walk(_SCALED[name][1], power * p)

    walk(terms.items(), 1)
    return {d: p for d, p in out.items() if p != 0}


def factor(terms: dict) -> float:
    """float((1 * unit).to_base_units().magnitude), as pint computes it.

    pint first finds the unit's root units (keeping the unit's root factor in its cache), then
    converts by the root factor of `unit / root units`. A root factor is the scales met on the
    way down the definitions, as a fraction (equal scales share an entry) whose scales on both
    sides cancel, multiplied in the order met. pint caches root factors by the units' content,
    not their order, so a unit met again in another order gets the factor of its first order:
    _ROOT_FACTORS keeps that cache the same way."""
    if not terms:
        return 1.0
    _root_factor(terms)
    roots: dict = {}
    _root_powers(terms.items(), 1, roots, None)
    ratio = multiply(terms, {name: p for name, p in roots.items() if p != 0}, -1)
    if not ratio:           # the unit is its own root units: pint does not convert
        return 1.0
    return float(1 * _root_factor(ratio))


# what pint's registry cache holds of root factors: {frozenset of (name, power): factor}
_ROOT_FACTORS: dict = {}


def _root_factor(terms: dict):
    key = frozenset(terms.items())
    got = _ROOT_FACTORS.get(key)
    if got is None:
        got = _ROOT_FACTORS[key] = _fresh_root_factor(terms)
    return got


def _fresh_root_factor(terms: dict):
    fraction: dict = {"numerator": {}, "denominator": {}}
    _root_powers(terms.items(), 1, {}, fraction)
    numerator, denominator = fraction["numerator"], fraction["denominator"]
    # the cancelling exactly as pint does it, one pass over each side until no scale is on both
    while any(s in denominator for s in numerator):
        for s, p in numerator.items():
            if s in denominator and p >= denominator[s]:
                numerator[s] -= denominator[s]
                del denominator[s]
        for s, p in denominator.items():
            if s in numerator and p >= numerator[s]:
                denominator[s] -= numerator[s]
                del numerator[s]
    result = 1
    for s, p in numerator.items():
        if p != 0:
            result *= s ** p
    for s, p in denominator.items():
        if p != 0:
            result *= s ** -p
    return result


def _root_powers(items, power, roots: dict, fraction: dict | None) -> None:
    """pint's walk down the definitions: base units' powers into `roots`, scales into `fraction`."""
    for name, p in items:
        p2 = power * p
        if name in _BASE:
            roots[name] = roots.get(name, 0) + p2
            continue
        scale, reference = _SCALED[name]
        if fraction is not None:
            side = fraction["denominator"] if p2 < 0 else fraction["numerator"]
            side[scale] = side.get(scale, 0) + (-p2 if p2 < 0 else p2)
        _root_powers(reference, p2, roots, fraction)


def side_terms(node, leaf_unit) -> dict | None:
    """relations.unit_of(node, ...) as terms: `leaf_unit(leaf)` gives a name leaf's unit text.
    None when some leaf's unit is not in the table."""
    from .relations import Leaf

    if isinstance(node, Leaf):
        if node.kind == "number":
            return {}
        terms = unit_terms(leaf_unit(node))
        return None if terms is None else dict(terms)
    if node.op == "neg":
        return side_terms(node.args[0], leaf_unit)
    a = side_terms(node.args[0], leaf_unit)
    if a is None:
        return None
    b = side_terms(node.args[1], leaf_unit)
    if b is None:
        return None
    if node.op == "*":
        return multiply(a, b)
    if node.op == "/":
        return multiply(a, b, -1)
    return a
