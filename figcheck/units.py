"""The one pint registry, and figcheck's own map from unit string to (factor, dimension).

pint is slow per scalar (~25 µs a conversion), so every distinct unit string is resolved once
and the figure table gathers factors with numpy. pint only ever sees unit strings, never numbers.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources


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

    try:
        ureg = pint.UnitRegistry(cache_folder=":auto:")
    except Exception:  # an unwritable cache folder must not stop a check
        ureg = pint.UnitRegistry()
    ureg.load_definitions(str(resources.files("figcheck") / "units.txt"))
    return ureg


def dimension_key(exponents) -> str:
    """A readable, canonical key: "[currency_USD]/[soldier]/[time]", "[soldier]", "1"."""
    num = [f"{d}^{p}" if p != 1 else d for d, p in exponents if p > 0]
    den = [f"{d}^{-p}" if p != -1 else d for d, p in exponents if p < 0]
    key = "*".join(num) or "1"
    return key + "".join("/" + d for d in den)


@functools.lru_cache(maxsize=None)
def unit_info(text: str) -> UnitInfo:
    """Resolve a unit string once; raises UnitError with pint's reason."""
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


def dimension_words(key: str) -> str:
    """"[shell]/[time]" → "shell/time" for messages."""
    return key.replace("[", "").replace("]", "").replace("currency_", "")


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a magnitude between two units of one dimension (via the factor map)."""
    a, b = unit_info(from_unit), unit_info(to_unit)
    if a.dimension != b.dimension:
        raise UnitError(f"cannot convert {from_unit} to {to_unit}")
    return value * a.factor / b.factor
