"""The one pint registry, and figcheck's own map from unit string to (factor, dimension).

pint is slow per scalar (~25 µs a conversion), so every distinct unit string is resolved once
and the figure table gathers factors with numpy. pint only ever sees unit strings, never numbers.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import numpy as np


MAX_POWER = 12  # m³/s² needs 3; 12 leaves room and stays far inside int16 when relations multiply


class UnitError(ValueError):
    """A unit string pint cannot read."""


@dataclass(frozen=True)
class UnitInfo:
    text: str                    # the unit as written
    factor: float                # one of this unit in base units
    dimension: str               # canonical dimension key, e.g. "[shell]/[time]"
    exponents: tuple[tuple[str, int], ...]  # ((base dimension, power), ...), sorted

    @property
    def dimensionless(self) -> bool:
        return not self.exponents


@functools.lru_cache(maxsize=1)
def registry():
    """Build the registry once; the cache folder makes later start-ups ~10x faster."""
    import pint

    folder = pint_cache_folder()
    try:
        ureg = pint.UnitRegistry(cache_folder=folder) if folder else pint.UnitRegistry()
    except Exception:  # an unwritable cache folder must not stop a check
        ureg = pint.UnitRegistry()
    ureg.load_definitions(str(resources.files("figcheck") / "units.txt"))
    return ureg


def pint_cache_folder() -> str | None:
    """pint's parse cache, in figcheck's cache folder (None where caching is off), one per pint
    installation: pint's shared default folder keeps entries naming the definition files of
    every environment that wrote there, and once such an environment is deleted, reading them
    fails and every registry is built from scratch (~0.3 s a run)."""
    import hashlib

    import pint

    from .cache import cache_root

    root = cache_root()
    if root is None:
        return None
    installation = hashlib.sha256(f"{pint.__file__}|{pint.__version__}".encode()).hexdigest()[:16]
    return str(root / "pint" / installation)


def dimension_key(exponents) -> str:
    """A readable, canonical key: "[currency_USD]/[soldier]/[time]", "[soldier]", "1"."""
    num = [f"{d}^{p}" if p != 1 else d for d, p in exponents if p > 0]
    den = [f"{d}^{-p}" if p != -1 else d for d, p in exponents if p < 0]
    key = "*".join(num) or "1"
    return key + "".join("/" + d for d in den)


@functools.lru_cache(maxsize=None)
def unit_info(text: str) -> UnitInfo:
    """Resolve a unit string once; raises UnitError with pint's reason.

    The common units come from a table pint computed ahead of time (figcheck/unit_table.py,
    checked against pint by the tests): a check whose units are all there never imports pint
    nor builds the registry (~0.9 s). Any other string is pint's to read.
    """
    from .unit_table import KNOWN_UNITS

    cleaned = text.strip()
    known = KNOWN_UNITS.get(cleaned)
    if known is not None:
        factor, exponents = known
        return UnitInfo(cleaned, factor, dimension_key(exponents), exponents)
    return pint_unit_info(text)


def pint_unit_info(text: str) -> UnitInfo:
    """unit_info as pint answers it, without the table."""
    ureg = registry()
    cleaned = text.strip()
    if not cleaned:
        raise UnitError("empty unit")
    try:
        unit = ureg.parse_units(cleaned)
        base = (1 * unit).to_base_units()
    except Exception as exc:  # pint raises a zoo of types for bad strings
        raise UnitError(f"unknown unit {text!r} ({exc.__class__.__name__}: {exc})") from None
    powers = dict(base.dimensionality)
    # A fractional power would be rounded away ("soldier**0.5" read as dimensionless) and a
    # huge one overflows the int16 exponent columns of the figure table: both are rejected.
    if any(p != int(p) for p in powers.values()):
        raise UnitError(f"unit {text!r}: powers of units must be whole numbers")
    if any(abs(p) > MAX_POWER for p in powers.values()):
        raise UnitError(f"unit {text!r}: powers beyond ±{MAX_POWER} are not units of reported numbers")
    exponents = tuple(sorted((str(d), int(p)) for d, p in powers.items() if p != 0))
    return UnitInfo(cleaned, float(base.magnitude), dimension_key(exponents), exponents)


# the strings figcheck/unit_table.py holds: the count nouns and currencies of units.txt, time,
# percent, and their rates (per time, per head, per head and time)
_COUNTS = ("soldier", "shell", "missile", "person")
_CURRENCIES = ("USD", "EUR")
_TIMES = ("second", "minute", "hour", "day", "week", "month", "year")


def table_units() -> list[str]:
    singles = [*_COUNTS, "soldiers", "shells", "missiles", "persons", "people", *_CURRENCIES,
               "dollar", "euro", *_TIMES, "percent", "percentage_point", "dimensionless"]
    per_time = [f"{a}/{t}" for a in (*_COUNTS, *_CURRENCIES) for t in _TIMES]
    per_head = [f"{c}/{x}" for c in _CURRENCIES for x in _COUNTS]
    per_head_time = [f"{c}/{x}/{t}" for c in _CURRENCIES for x in _COUNTS for t in _TIMES]
    return singles + per_time + per_head + per_head_time


def write_table(path) -> None:
    """Regenerate figcheck/unit_table.py from pint (after units.txt or pint changes)."""
    lines = ['"""Unit strings resolved by pint ahead of time: {text: (factor, exponents)}.',
             "",
             "Generated by `python -m figcheck.units`; tests/test_unit_table.py checks every entry",
             'against pint. Edit units.txt, then regenerate; never edit by hand."""',
             "", "KNOWN_UNITS = {"]
    for text in table_units():
        info = pint_unit_info(text)
        lines.append(f"    {text!r}: ({info.factor!r}, {info.exponents!r}),")
    lines.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


# Every unit string this process has met, numbered as first met: the figure frame carries each
# figure's number ("unit_id"), worked out per distinct string where the loader validates units,
# so the table gathers factors by number and never hashes a million strings again. The numbers
# belong to this process: the parse cache stores the strings.
_UNIT_IDS: dict[str, int] = {}


def unit_ids(names) -> np.ndarray:
    """The process-wide number of each of these (distinct) unit strings."""
    ids = _UNIT_IDS
    return np.fromiter((ids.setdefault(name, len(ids)) for name in names), dtype=np.int32, count=len(names))


def unit_id_column(units) -> np.ndarray:
    """The unit number of every row of a column of unit strings (per distinct string)."""
    import pandas as pd

    codes, uniques = pd.factorize(np.asarray(units, dtype=object))
    return np.append(unit_ids(uniques), np.int32(-1))[codes]      # a missing unit: -1


def unit_names() -> list[str]:
    """The unit strings by their number."""
    return list(_UNIT_IDS)


def dimension_words(key: str) -> str:
    """"[shell]/[time]" → "shell/time" for messages."""
    return key.replace("[", "").replace("]", "").replace("currency_", "")


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a magnitude between two units of one dimension (via the factor map)."""
    a, b = unit_info(from_unit), unit_info(to_unit)
    if a.dimension != b.dimension:
        raise UnitError(f"cannot convert {from_unit} to {to_unit}")
    return value * a.factor / b.factor


if __name__ == "__main__":
    write_table(resources.files("figcheck") / "unit_table.py")
