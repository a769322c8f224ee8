"""Hypothesis properties of the foundation: sound interval arithmetic, monotone interval reading,
unit round-trips, locale number reading, a relation parser that never runs code, and a loader
and CLI that never crash on arbitrary input."""
from __future__ import annotations

import builtins
import datetime as dt
import json
import math
import re
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, event, example, given, settings
from hypothesis import strategies as st

from figcheck.intervals import QUALIFIER_CODE, Intervals, read_intervals
from figcheck.numbers import HEDGES, NumberReadError, read_value

from conftest import HEADER, examples, figure, write_figures

INF = math.inf
FAST = settings(max_examples=examples(150), deadline=None)

# --- interval arithmetic -----------------------------------------------------------------------

# Ends from a pool rich in zeros and units, so intervals that touch or straddle zero are common.
ENDS = st.one_of(
    st.sampled_from([0.0, 1.0, -1.0, 0.5, -2.0, 3.0]),
    st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False),
)
# Dyadic ends and points (k/8): + - * of them are exact in binary floating point, so open ends
# can be checked without any rounding tolerance.
DYADIC = st.integers(-800, 800).map(lambda k: k / 8)


@st.composite
def intervals(draw, ends=ENDS, unbounded=True):
    a, b = sorted((draw(ends) + 0.0, draw(ends) + 0.0))  # + 0.0 turns -0.0 into 0.0
    if unbounded and draw(st.integers(0, 5)) == 0:
        a = -INF
    if unbounded and draw(st.integers(0, 5)) == 0:
        b = INF
    lo_open = draw(st.booleans()) or math.isinf(a)
    hi_open = draw(st.booleans()) or math.isinf(b)
    if a == b:
        lo_open = hi_open = False  # a point; an open point would be empty
    return a, b, lo_open, hi_open


def point_in(draw, interval, dyadic=False):
    """A finite point inside the interval, respecting open ends."""
    lo, hi, lo_open, hi_open = interval
    if dyadic:
        lo_k = -10_000 if math.isinf(lo) else int(lo * 8) + (1 if lo_open else 0)
        hi_k = 10_000 if math.isinf(hi) else int(hi * 8) - (1 if hi_open else 0)
        assume(lo_k <= hi_k)
        return draw(st.integers(lo_k, hi_k)) / 8
    lo_b = -1e7 if math.isinf(lo) else lo
    hi_b = 1e7 if math.isinf(hi) else hi
    exclude_lo = lo_open and not math.isinf(lo)
    exclude_hi = hi_open and not math.isinf(hi)
    if exclude_lo or exclude_hi:
        # room for a float strictly inside
        assume(math.nextafter(math.nextafter(lo_b, INF), INF) < hi_b)
    x = draw(st.floats(lo_b, hi_b, exclude_min=exclude_lo, exclude_max=exclude_hi,
                       allow_nan=False, allow_infinity=False))
    return x


def as_intervals(iv) -> Intervals:
    lo, hi, lo_open, hi_open = iv
    return Intervals.of([lo], [hi], [lo_open], [hi_open])


def operate(op, a, b):
    return {"+": lambda: a + b, "-": lambda: a - b, "*": lambda: a * b, "/": lambda: a / b}[op]()


def assert_inside(result: Intervals, r: float, tolerance: float = 0.0):
    lo, hi = result.lo[0], result.hi[0]
    lo_open, hi_open = bool(result.lo_open[0]), bool(result.hi_open[0])
    assert not (np.isnan(lo) or np.isnan(hi)), f"undefined result {result} for point {r}"
    slack = tolerance * max(abs(r), 1e-300)
    if slack:
        # only float rounding may put a point on (or an ulp past) an end
        assert lo - slack <= r <= hi + slack, f"{r} outside {result}"
    else:
        assert (r > lo) or (r == lo and not lo_open), f"{r} below {result}"
        assert (r < hi) or (r == hi and not hi_open), f"{r} above {result}"


@FAST
@given(st.data(), st.sampled_from("+-*/"), intervals(), intervals())
def test_interval_arithmetic_is_sound(data, op, a, b):
    x = point_in(data.draw, a)
    y = point_in(data.draw, b)
    if op == "/":
        assume(y != 0)  # x/0 has no value
    with np.errstate(all="ignore"):
        point = operate(op, x, y)
    assume(math.isfinite(point))
    result = operate(op, as_intervals(a), as_intervals(b))
    # + - * of floats are monotone under rounding; / goes through 1/y then a product: two roundings
    assert_inside(result, point, tolerance=1e-12 if op in "*/" else 1e-15)


@FAST
@given(st.data(), st.sampled_from("+-*"), intervals(DYADIC), intervals(DYADIC))
def test_interval_arithmetic_is_exact_at_open_ends(data, op, a, b):
    """With exactly representable points, open ends must exclude exactly what they should."""
    x = point_in(data.draw, a, dyadic=True)
    y = point_in(data.draw, b, dyadic=True)
    result = operate(op, as_intervals(a), as_intervals(b))
    assert_inside(result, operate(op, x, y))


@pytest.mark.parametrize("a, b, want", [
    ((1, 2, False, False), (3, 4, False, False), (3, 8, False, False)),
    ((1, 2, True, False), (3, 4, False, True), (3, 8, True, True)),
    ((-1, 2, False, False), (0, 0, False, False), (0, 0, False, False)),  # times a closed zero
    ((0, INF, False, True), (0, 0, False, False), (0, 0, False, False)),  # 0 × ∞ never reached
    ((0, 1, True, False), (1, INF, False, True), (0, INF, True, True)),
    ((0, 1, True, False), (-INF, 5, True, False), (-INF, 5, True, False)),  # open 0 × -∞: no NaN
    ((0, INF, True, True), (0, INF, True, True), (0, INF, True, True)),
])
def test_products_with_known_results(a, b, want):
    r = as_intervals(a) * as_intervals(b)
    assert (r.lo[0], r.hi[0], bool(r.lo_open[0]), bool(r.hi_open[0])) == want


def test_overflow_keeps_the_interval_non_empty_and_quiet():
    """Ends beyond the largest float: the interval stays (just inside it, open), with no warning."""
    import warnings

    big = np.finfo(float).max
    huge = as_intervals((1e200, 1e300, False, False))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        square = huge * huge
        total = as_intervals((big, big, False, False)) + as_intervals((big, big, False, False))
    assert (square.lo[0], square.hi[0], bool(square.lo_open[0])) == (big, INF, True)
    assert not square.empty[0] and not total.empty[0]
    assert (total.lo[0], total.hi[0]) == (big, INF)
    assert (-huge * huge).hi[0] == -big
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tiny = as_intervals((1e-320, 1e-310, False, False)).reciprocal()   # subnormal: 1/x overflows
        negative_tiny = (-as_intervals((1e-320, 1e-310, False, False))).reciprocal()
    assert not tiny.empty[0] and (tiny.lo[0], tiny.hi[0]) == (big, INF)
    assert not negative_tiny.empty[0] and (negative_tiny.lo[0], negative_tiny.hi[0]) == (-INF, -big)


@pytest.mark.parametrize("b, want", [
    ((2, 4, False, False), (0.25, 0.5, False, False)),
    ((0, 2, True, False), (0.5, INF, False, True)),
    ((-2, 0, False, True), (-INF, -0.5, True, False)),
    ((-1, 1, False, False), (-INF, INF, True, True)),
    ((0, INF, True, True), (0, INF, True, True)),
])
def test_reciprocals_with_known_results(b, want):
    r = as_intervals(b).reciprocal()
    assert (r.lo[0], r.hi[0], bool(r.lo_open[0]), bool(r.hi_open[0])) == want


def test_division_by_exactly_zero_is_empty():
    r = as_intervals((1, 2, False, False)) / as_intervals((0, 0, False, False))
    assert r.empty[0]


# --- interval reading --------------------------------------------------------------------------

def read(qualifier, low, high, written_half, about_half, margin=1.0):
    codes = np.full(len(low), QUALIFIER_CODE[qualifier], dtype=np.int8)
    return Intervals.of(*read_intervals(codes, low, high, written_half, about_half, margin))


def subset(a: Intervals, b: Intervals) -> np.ndarray:
    """a ⊆ b, element-wise, open ends included."""
    low_ok = (b.lo < a.lo) | ((b.lo == a.lo) & (~b.lo_open | a.lo_open))
    high_ok = (a.hi < b.hi) | ((a.hi == b.hi) & (~b.hi_open | a.hi_open))
    return low_ok & high_ok


@st.composite
def stated_columns(draw):
    """Columns of stated values as the reader gives them: value or range, and half-units."""
    n = draw(st.integers(1, 20))
    magnitude = st.floats(0, 1e9, allow_nan=False, allow_subnormal=False)
    low = np.array(draw(st.lists(magnitude, min_size=n, max_size=n)))
    width = np.array(draw(st.lists(st.one_of(st.just(0.0), magnitude), min_size=n, max_size=n)))
    halves = st.floats(0, 1e6, allow_nan=False, allow_subnormal=False)
    written = np.array(draw(st.lists(halves, min_size=n, max_size=n)))
    about = np.array(draw(st.lists(halves, min_size=n, max_size=n)))
    return low, low + width, written, about


WIDER = [("exact", "about"), ("almost", "about"), ("more_than", "at_least"), ("less_than", "up_to")]


@FAST
@given(stated_columns(), st.floats(1, 10), st.floats(0, 10))
def test_widening_a_qualifier_never_narrows(columns, margin, extra):
    low, high, written, about = columns
    for narrow, wide in WIDER:
        assert subset(read(narrow, *columns, margin), read(wide, *columns, margin)).all(), (narrow, wide)
    # a larger about-margin is a wider "about"
    assert subset(read("about", *columns, margin), read("about", *columns, margin + extra)).all()


@FAST
@given(stated_columns(), st.floats(1, 10))
def test_the_stated_value_is_in_or_out_as_the_hedge_says(columns, margin):
    low, high, written, about = columns
    for q in ("exact", "about", "at_least", "up_to"):
        iv = read(q, *columns, margin)
        assert iv.contains(low).all() and iv.contains(high).all(), q
    # "more than 650.000" excludes 650.000; "less than"/"almost" exclude their number
    assert not read("more_than", *columns, margin).contains(low).any()
    assert not read("less_than", *columns, margin).contains(high).any()
    assert not read("almost", *columns, margin).contains(high).any()
    # an unbounded end is open
    for q in ("more_than", "at_least"):
        iv = read(q, *columns, margin)
        assert np.isinf(iv.hi).all() and iv.hi_open.all()


@FAST
@given(st.integers(1, 10**9), st.sampled_from(["de", "en"]))
def test_about_is_wider_than_exact_for_read_numbers(number, language):
    """Through the reader: 'etwa N' never reads narrower than 'N', and contains N."""
    from babel.numbers import format_decimal

    text = format_decimal(number, locale=language)
    hedge = "etwa" if language == "de" else "about"
    exact, about = read_value(text, language), read_value(f"{hedge} {text}", language)
    assert about.qualifier == "about" and exact.qualifier == "exact"
    args = lambda r: ([r.low], [r.high], [r.written_half], [r.about_half])  # noqa: E731
    e, a = read("exact", *args(exact)), read("about", *args(about))
    assert subset(e, a).all()
    assert a.contains(number).all() and e.contains(number).all()


# --- units -------------------------------------------------------------------------------------

UNIT_GROUPS = [
    ["second", "minute", "hour", "day", "week", "month", "year"],
    ["shell/day", "shell/month", "shell/year", "shell/week"],
    ["USD/soldier/month", "USD/soldier/year", "USD/soldier/day"],
    ["soldier"],
    ["percent", "dimensionless"],
    ["km", "m", "mile"],
    ["EUR/year", "EUR/month"],
]


@st.composite
def compatible_units(draw):
    group = draw(st.sampled_from(UNIT_GROUPS))
    return draw(st.sampled_from(group)), draw(st.sampled_from(group))


@FAST
@given(compatible_units(), st.floats(-1e12, 1e12, allow_nan=False, allow_subnormal=False))
def test_unit_conversion_round_trips(units, value):
    from figcheck.units import convert

    a, b = units
    there = convert(value, a, b)
    back = convert(there, b, a)
    assert back == pytest.approx(value, rel=1e-12, abs=1e-300)


@given(st.sampled_from(UNIT_GROUPS), st.sampled_from(UNIT_GROUPS))
@settings(max_examples=examples(60), deadline=None)
def test_conversion_between_dimensions_is_refused(group_a, group_b):
    from figcheck.units import UnitError, convert, unit_info

    a, b = group_a[0], group_b[0]
    if unit_info(a).dimension == unit_info(b).dimension:
        return
    with pytest.raises(UnitError, match="cannot convert"):
        convert(1.0, a, b)


def test_calendar_units_are_the_design_ones():
    from figcheck.units import convert

    assert convert(1, "year", "day") == pytest.approx(365.25, rel=1e-15)
    assert convert(12, "month", "year") == pytest.approx(1.0, rel=1e-15)
    # 2,000 USD/(soldier·month) × 10,000 soldier = 240 M USD/year
    assert convert(2000 * 10_000, "USD/month", "USD/year") == pytest.approx(240e6, rel=1e-12)


# --- reading numbers as a language writes them ---------------------------------------------------

NUMBERS = st.one_of(
    st.integers(0, 10**12).map(Decimal),
    st.builds(lambda whole, frac, places: Decimal(whole) + Decimal(frac) / Decimal(10) ** places,
              st.integers(0, 10**7), st.integers(1, 999), st.integers(3, 3)),
    st.builds(lambda whole, frac: Decimal(whole) + Decimal(frac) / 10, st.integers(0, 10**6), st.integers(1, 9)),
)


def _format(number: Decimal, style: str) -> tuple[str, str]:
    """(text, language) of the number as a German, Swiss or English paper prints it."""
    from babel.numbers import format_decimal

    if style == "de":
        return format_decimal(number, locale="de"), "de"
    if style == "en":
        return format_decimal(number, locale="en"), "en"
    swiss = format_decimal(number, locale="de_CH")
    assert "'" not in swiss  # babel prints U+2019; papers print the ASCII apostrophe
    if style == "de_CH_ascii":
        swiss = swiss.replace("\u2019", "'")
    return swiss, "de_CH"


@FAST
@given(NUMBERS, st.sampled_from(["de", "en", "de_CH_ascii", "de_CH_typographic"]))
@example(Decimal(650000), "de_CH_ascii")
@example(Decimal(28000), "de")
@example(Decimal("2.5"), "de")
@example(Decimal("28.125"), "de_CH_ascii")
def test_a_formatted_number_reads_back(number, style):
    text, language = _format(number, style)
    if language == "de_CH" and re.fullmatch(r"\d{1,3}\.\d{3}", text):
        # Swiss 5.123 is Germany's 5,123 thousand too: refused, never read one way silently
        with pytest.raises(NumberReadError, match="ambiguous"):
            read_value(text, language)
        return
    reading = read_value(text, language)
    assert reading.low == reading.high == float(number), (text, language)
    assert reading.qualifier == "exact"


@FAST
@given(NUMBERS, st.sampled_from(["de", "en"]), st.data())
def test_a_hedged_number_reads_its_qualifier(number, language, data):
    hedge = data.draw(st.sampled_from(sorted(HEDGES[language])))
    text, _ = _format(number, language)
    reading = read_value(f"{hedge} {text}", language)
    assert reading.qualifier == HEDGES[language][hedge], (hedge, text)
    assert reading.low == float(number)


@given(st.integers(1000, 10**9).filter(lambda n: n % 1000))
@settings(max_examples=examples(60), deadline=None)
def test_an_english_decimal_point_in_german_is_an_error_never_a_misreading(n):
    """'2.5' in German is ambiguous: reading it as 25 or 2.5 silently would be wrong."""
    text = f"{n // 1000}.{n % 1000:03d}".rstrip("0")
    if len(text.split(".")[1]) == 3:
        return  # "12.345" is a valid German grouping
    with pytest.raises(NumberReadError):
        read_value(text, "de")


WORDS = ["1", "28.000", "2,5", "2.5", "650'000", "650’000", "1.000.000", "bis", "zu", "etwa", "mehr", "als",
         "Millionen", "Milliarde", "million", "billion", "zweieinhalb", "two", "and", "a", "half", "ein", "Drittel",
         "between", "und", "zwischen", "-", "–", "$", "m", "Mio", ".", "Tausende", "mehrere", "tausend", "several",
         "über", "fast", "knapp", "ca.", "to", "up", "as", "many", "0", "0,0", "1'0", "'", "drei", "einhalb", "some"]


@settings(max_examples=examples(300), deadline=None)
@given(st.one_of(st.text(max_size=40), st.lists(st.sampled_from(WORDS), max_size=8).map(" ".join),
                 st.lists(st.sampled_from(WORDS), max_size=6).map("".join)),
       st.sampled_from(["de", "en", "de_CH", "fr", ""]))
def test_the_number_scanner_never_crashes_on_article_text(text, language):
    """Provenance scans whole articles: any text gives readings or unreadable marks, never an exception."""
    from figcheck.numbers import Reading, Unreadable, find_numbers

    for mention in find_numbers(text, language):
        assert isinstance(mention, (Reading, Unreadable))
        assert 0 <= mention.start <= mention.end <= len(text)
        if isinstance(mention, Reading):
            assert mention.low <= mention.high and math.isfinite(mention.high)
            assert mention.written_half >= 0 and mention.about_half >= 0
    try:
        reading = read_value(text, language)
    except NumberReadError:
        return
    assert reading.low <= reading.high


# --- the relation parser -----------------------------------------------------------------------

SENTINEL = "_figcheck_sentinel_"
FRAGMENTS = [
    "f1", "f2", "x_y", "year", "soldier", "1", "2.5", "1e3", "1e999", "0", "(", ")", "+", "-", "*",
    "/", "**", "%", "//", "@", "==", "!=", "<", "<=", ">", ">=", "and", "or", "not", "if", "else",
    "lambda", ":", ",", ".", "[", "]", "{", "}", "'s'", '"t"', "True", "None", "...",
    f"{SENTINEL}()", f"{SENTINEL}", "__import__('os')", ".system('x')", "exec", "eval", "(yield)",
    ":=", "for", "in", "\n", "\\", "#", ";", "f'{1}'", "\x00",
]


@pytest.fixture
def sentinel(monkeypatch):
    """A builtin that records being called: if the parser ever ran code, the record would show."""
    calls = []
    monkeypatch.setattr(builtins, SENTINEL, lambda *a, **k: calls.append(a), raising=False)
    return calls


@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=80), st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join)))
def test_relation_parser_never_runs_code_and_never_crashes(sentinel, text):
    from figcheck.relations import Comparison, RelationSyntaxError, parse_relation, render

    try:
        tree = parse_relation(text)
    except RelationSyntaxError as exc:
        assert str(exc)
    else:
        assert isinstance(tree, Comparison)
        assert tree.op in ("==", "<", "<=", ">", ">=")
        for leaf in tree.leaves():
            assert leaf.kind in ("name", "number")
            if leaf.kind == "name":
                assert leaf.text.isidentifier()
            else:
                assert math.isfinite(leaf.value)
        render(tree)
        tree.shape()
    assert sentinel == []


@pytest.mark.parametrize("text", [
    "(" * 300 + "f1" + ")" * 300 + " == 1",
    "-" * 1990 + "f1 == 1",
    "f1" + " + f1" * 400 + " == 1",
    "not " * 500 + "f1 == 1",
    "f1 == 1" * 400,
    "x" * 5000 + " == 1",
])
def test_relation_parser_survives_deep_and_long_expressions(text):
    from figcheck.relations import Comparison, RelationSyntaxError, parse_relation

    try:
        assert isinstance(parse_relation(text), Comparison)
    except RelationSyntaxError:
        pass


# --- the loader and the CLI on arbitrary files ---------------------------------------------------

def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, int) else (
            "nan" if math.isnan(value) else "inf" if value == INF else "-inf" if value == -INF else repr(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{toml_string(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    return toml_string(value)


def toml_string(text: str) -> str:
    """A TOML basic string: control characters (DEL included) escaped, everything else as is."""
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


SCALARS = st.one_of(
    st.integers(-10**6, 10**12), st.floats(allow_subnormal=False), st.booleans(),
    st.dates(), st.text(max_size=20),
    st.sampled_from(["soldier", "shell/day", "USD/soldier/month", "percent", "blorp", "soldier**0.5",
                     "etwa 11.000", "2.5", "2,5", "3 bis 5 Millionen", "650'000", "zweieinhalb",
                     "2024", "2024-13", "2024-01/2025-02", "9999-12-31", "last year",
                     "f1 == f2", "f1 * 2 < f2", "f1.x == 1", "f1 == f9", "troops", "shells",
                     "s1", "en1", "f1", "f2", "stock", "flow", "cumulative", "about", "more_than",
                     "article.txt", "missing.txt", "de", "en", "xx", "de_XX", "de-CH"]),
)
VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=3), st.dictionaries(st.sampled_from(["a", "low"]), SCALARS, max_size=2))
KEYS = st.sampled_from(["id", "source", "quote", "value", "unit", "quantity", "qualifier", "as_of",
                        "since", "modality", "attributed_to", "note", "expr", "kind", "part_of",
                        "exhaustive", "file", "published", "language", "from", "to", "reason", "of",
                        "part", "colour"])
KINDS = st.sampled_from(["source", "figure", "relation", "rate", "skip", "figures", "quantity"])


@st.composite
def figures_documents(draw):
    """A valid base (HEADER + a figure) mixed with random tables, keys, values and junk lines."""
    parts = [HEADER] if draw(st.booleans()) else []
    if draw(st.booleans()):
        parts.append(figure("f1"))
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(KINDS)
        keys = draw(st.dictionaries(KEYS, VALUES, max_size=7))
        if kind == "quantity":
            # not the HEADER's keys: declaring a table twice is a TOML error, tested often enough
            header = f"[quantity.{draw(st.sampled_from(['tanks', 'q_x', 'q_y', 'q_z']))}]"
        else:
            header = f"[[{kind}]]"
        parts.append(header + "\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in keys.items()))
    if draw(st.integers(0, 4)) == 0:
        junk = draw(st.one_of(st.text(max_size=30), st.sampled_from(["= =", "[[figure", "a = ", "[x.y]\n[x.y]", '"""'])))
        parts.insert(draw(st.integers(0, len(parts))), junk + "\n")
    return "\n".join(parts)


ARTICLE_QUOTES = ["etwa 11.000 Soldaten", "2,5 Millionen Granaten", "Es sind etwa 11.000", "nicht im Text",
                  "about 11,000 soldiers", "2.5 million shells", "Soldaten"]
PERIODS = ["2024", "2024-11", "2024-11-05", "2024-01/2025-02", "2025", "2023-06/2024-06"]
UNITS_OF = {"troops": ["soldier"], "shells": ["shell/year", "shell/day", "shell/month"],
            "killed": ["soldier"], "share": ["percent", "percentage_point"], "duration": ["year", "month", "day"]}
EXTRA_QUANTITIES = """
[quantity.killed]
kind = 'cumulative'
unit = 'soldier'
part_of = 'troops'
exhaustive = true

[quantity.share]
kind = 'stock'
unit = 'percent'

[quantity.duration]
kind = 'stock'
unit = 'year'
"""


@st.composite
def valid_documents(draw):
    """Files that load: random figures, hedges, ranges, periods and relations, so the rules run."""
    n = draw(st.integers(1, 6))
    parts = [HEADER, EXTRA_QUANTITIES]
    ids = [f"f{i}" for i in range(n)]
    for fid in ids:
        source = draw(st.sampled_from(["s1", "en1"]))
        quantity = draw(st.sampled_from(sorted(UNITS_OF)))
        number = draw(st.one_of(st.integers(0, 10**8), st.floats(0, 1e8, allow_nan=False, allow_infinity=False)))
        style = draw(st.integers(0, 2))
        if style == 0:
            value = toml_value(number)
        elif style == 1:
            from babel.numbers import format_decimal

            value = toml_string(format_decimal(int(number), locale="de" if source == "s1" else "en"))
        else:
            value = toml_value(sorted([number, draw(st.integers(0, 10**8))]))
        lines = [f'id = "{fid}"', f'source = "{source}"', f"quote = {toml_string(draw(st.sampled_from(ARTICLE_QUOTES)))}",
                 f"value = {value}", f'unit = "{draw(st.sampled_from(UNITS_OF[quantity]))}"',
                 f'quantity = "{quantity}"', f'as_of = "{draw(st.sampled_from(PERIODS))}"']
        if draw(st.booleans()):
            from figcheck.numbers import QUALIFIERS

            lines.append(f'qualifier = "{draw(st.sampled_from(QUALIFIERS))}"')
        others = st.sampled_from(ids)
        if quantity == "share" and draw(st.booleans()):
            lines += [f'of = "{draw(others)}"', f'part = "{draw(others)}"']
        if quantity == "share" and draw(st.booleans()):
            lines.append(f'between = ["{draw(others)}", "{draw(others)}"]')
        if quantity == "duration" and draw(st.booleans()):
            lines.append(f'since = "{draw(st.sampled_from(PERIODS))}"')
        if draw(st.booleans()):
            lines.append(f'modality = "{draw(st.sampled_from(["reported", "estimate", "forecast", "hypothetical"]))}"')
            lines.append(f"attributed_to = {toml_string(draw(st.text(max_size=10)))}")
        parts.append("[[figure]]\n" + "\n".join(lines) + "\n")
    for k in range(draw(st.integers(0, 3))):
        leaf = st.one_of(st.sampled_from(ids), st.sampled_from(["2", "12", "0", "365", "year", "0.5"]))
        left = draw(st.lists(leaf, min_size=1, max_size=3))
        ops = [draw(st.sampled_from("+-*/")) for _ in left[1:]]
        expr = left[0] + "".join(f" {o} {x}" for o, x in zip(ops, left[1:]))
        expr += f" {draw(st.sampled_from(['==', '<', '<=', '>', '>=']))} {draw(leaf)}"
        parts.append(f'[[relation]]\nid = "r{k}"\nsource = "s1"\nexpr = "{expr}"\nquote = "etwa 11.000"\n')
    if draw(st.booleans()):
        parts.append(f"[[rate]]\nfrom = 'EUR'\nto = 'USD'\nvalue = {draw(st.floats(0.5, 2))}\n"
                     "as_of = 2024-11-05\nsource = 's1'\n")
    if draw(st.booleans()):
        parts.append(f"[[skip]]\nsource = 's1'\nquote = {toml_string(draw(st.sampled_from(ARTICLE_QUOTES)))}\n"
                     "reason = 'vague'\n")
    return "\n".join(parts)


LOADER_SETTINGS = settings(max_examples=examples(120), deadline=None,
                           suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@LOADER_SETTINGS
@given(st.one_of(figures_documents(), valid_documents()))
@example('\n\n[[source]]\nid = "\x85"\nsource = "\x85"\n\n[[source]]\n')  # NEL is no TOML line break
def test_loader_returns_a_corpus_or_a_load_error(corpus_dir, document):
    from figcheck.load import LoadError, load
    from figcheck.model import Corpus

    (corpus_dir / "latin1.txt").write_bytes("Größe".encode("latin-1"))
    path = corpus_dir / "figures.toml"
    path.write_text(document, encoding="utf-8")
    try:
        corpus = load([path])
    except LoadError as exc:
        event("TOML syntax error" if "TOML syntax" in str(exc) else "validation problems")
        assert exc.problems
        for p in exc.problems:
            assert p.file == "figures.toml" and p.line >= 1 and p.message
            assert p.line <= max(1, document.count("\n") + 1)
    else:
        event(f"loaded, {'with' if corpus.figures else 'without'} figures")
        assert isinstance(corpus, Corpus)


@LOADER_SETTINGS
@given(st.one_of(figures_documents(), valid_documents()))
def test_cli_exits_0_1_or_2_on_arbitrary_files(corpus_dir, cli, document):
    (corpus_dir / "figures.toml").write_text(document, encoding="utf-8")
    code, out, err = cli("check", "figures.toml", "--format", "json")
    assert code in (0, 1, 2), err
    event(f"exit {code}")
    assert "Traceback" not in err
    if code == 2:
        assert err.strip() and out == ""
    else:
        assert "findings" in json.loads(out)
