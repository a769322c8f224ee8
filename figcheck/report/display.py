"""Numbers, units, intervals and dates as an editor reads them, in the report's language.

The report's own words are English, so numbers are formatted for the "en" locale by babel
("28,000", "10.2 M"); the quotes stay verbatim in their source's language.
"""
from __future__ import annotations

import datetime as dt
import math
import re

from babel.dates import format_date, format_interval
from babel.numbers import format_decimal

LOCALE = "en"

QUALIFIER_WORDS = {
    "exact": "", "about": "about", "more_than": "more than", "at_least": "at least",
    "less_than": "less than", "up_to": "up to", "almost": "almost",
}
COMPARISON_WORDS = {"==": "matches", "<": "is below", "<=": "is at most", ">": "is above",
                    ">=": "is at least"}
NEGATED_COMPARISON_WORDS = {"==": "does not match", "<": "is not below", "<=": "is above",
                            ">": "is not above", ">=": "is below"}
COMPARISON_SYMBOLS = {"==": "=", "<": "<", "<=": "≤", ">": ">", ">=": "≥"}

# Scales an editor reads at a glance; below a million every digit is shown ("28,000").
_SCALES = ((1e12, "tn"), (1e9, "bn"), (1e6, "M"))
_PLAIN_UNIT = re.compile(r"^[A-Za-z_]+(?:/[A-Za-z_]+)*$")
_NOT_PLURAL = {"percent", "percentage_point", "pp"}
_IRREGULAR_PLURAL = {"person": "people", "century": "centuries"}


def number(value: float, significant: int = 3) -> str:
    """28000 → "28,000"; 10227000 → "10.2 M"; 2.25 → "2.25"; inf → "∞"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "?"
    if math.isinf(value):
        return "∞" if value > 0 else "−∞"
    magnitude = abs(value)
    for scale, word in _SCALES:
        if magnitude >= scale:
            scaled = _round_significant(value / scale, significant)
            return f"{format_decimal(scaled, '#,##0.##', locale=LOCALE)} {word}"
    # below a million: keep the integer digits, round away float noise in the decimals
    return format_decimal(_round_significant(value, max(significant, 6)), "#,##0.###", locale=LOCALE)


def _round_significant(value: float, digits: int) -> float:
    if value == 0:
        return 0.0
    places = digits - 1 - int(math.floor(math.log10(abs(value))))
    return round(value, max(places, 0))


def unit_words(unit: str, plural: bool = True) -> str:
    """"shell/day" → "shells per day"; "USD/soldier/month" → "USD per soldier per month".

    Anything beyond a plain a/b/c (powers, products) is shown as written."""
    text = "".join(unit.split())
    if text in ("", "1", "dimensionless"):
        return ""
    if not _PLAIN_UNIT.match(text):
        return text
    first, *per = text.split("/")
    words = [_plural(first) if plural else first] + [f"per {p}" for p in per]
    return " ".join(w.replace("_", " ") for w in words)


def _plural(word: str) -> str:
    if word in _IRREGULAR_PLURAL:
        return _IRREGULAR_PLURAL[word]
    if word in _NOT_PLURAL or not word.islower() or word.endswith("s"):
        return word
    return word + "s"


def amount(value: float, unit: str) -> str:
    """A number with its unit in words: "28,000 shells per day", "1 soldier"."""
    words = unit_words(unit, plural=value != 1)
    return f"{number(value)} {words}".strip()


def interval(low: float, high: float, low_open: bool = False, high_open: bool = False) -> str:
    """An interval an editor reads: "27,500 to 28,500", "more than 650,000", "4,500 to below 5,000"."""
    if not (low_open or high_open) and number(low) == number(high):
        return number(low)   # equal at the shown precision (240 M computed as 239,999,999.99…)
    if math.isinf(high):
        return f"{'more than' if low_open else 'at least'} {number(low)}"
    start = f"above {number(low)}" if low_open else number(low)
    end = f"below {number(high)}" if high_open else number(high)
    return f"{start} to {end}"


def stated(qualifier: str, value_low: float, value_high: float, unit: str) -> str:
    """The figure as the article states it, in English: "about 11,000 soldiers", "3 M to 5 M shells per year"."""
    hedge = QUALIFIER_WORDS.get(qualifier, qualifier)
    if value_low == value_high:
        core = amount(value_low, unit)
    else:
        core = f"{number(value_low)} to {amount(value_high, unit)}"
    return f"{hedge} {core}".strip()


def day(date: dt.date | None) -> str:
    return format_date(date, "d MMM y", locale=LOCALE) if date else "undated"


def period(start: dt.date, end: dt.date) -> str:
    """[start, end) → "2024", "Nov 2024", "Jan – Nov 2024", "2 Nov 2024"."""
    last = end - dt.timedelta(days=1)
    whole_years = start.month == start.day == 1 and end.month == end.day == 1
    whole_months = start.day == 1 and end.day == 1
    if whole_years:
        return str(start.year) if end.year == start.year + 1 else format_interval(start, last, "y", locale=LOCALE)
    if whole_months:
        if (end.year * 12 + end.month) - (start.year * 12 + start.month) == 1:
            return format_date(start, "MMM y", locale=LOCALE)
        return format_interval(start, last, "yMMM", locale=LOCALE)
    if start == last:
        return day(start)
    return format_interval(start, last, "yMMMd", locale=LOCALE)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"
