"""Reading numbers and hedges as a language writes them.

One reader serves the loader (a figure's ``value`` written as a string), the provenance rules
(the number inside a quote) and extraction (every mention in a source text), so the encoded
interval and the text always agree on one reading.

Digits go through babel in strict mode (German ``2.5`` is ambiguous and an error, never 25);
Swiss papers print an ASCII apostrophe where babel's de_CH expects U+2019, so apostrophe
grouping is checked here. Number words go through text2num; fraction words ("zweieinhalb",
"two and a half", "ein Drittel") and hedges are small tables of our own: no library has them.
"""
from __future__ import annotations

import functools
import itertools
import math
import re
from dataclasses import dataclass, replace
from decimal import Decimal

QUALIFIERS = ("exact", "about", "more_than", "at_least", "less_than", "up_to", "almost")


class NumberReadError(ValueError):
    """A number that cannot be read unambiguously in its language."""


@dataclass(frozen=True)
class Reading:
    """One number as written: its value or range and the precision its writing implies."""

    low: float
    high: float
    written_half: float      # half a unit implied by the writing (decimals, scale word, fraction)
    about_half: float        # half-width when hedged "about" (last non-zero digit, lone 1 rule)
    qualifier: str = "exact"
    text: str = ""           # the mention as written, hedge included
    start: int = 0
    end: int = 0
    is_range: bool = False
    vague: bool = False      # "Tausende", "several thousand": a mention, not a checkable value
    number_start: int = 0    # where the number itself begins (after the hedge)

    @property
    def value(self) -> float:
        return self.low


# --- hedges -----------------------------------------------------------------------------------

HEDGES = {
    "de": {
        "etwa": "about", "rund": "about", "ca.": "about", "ca": "about", "circa": "about",
        "zirka": "about", "ungefähr": "about", "geschätzt": "about", "annähernd": "about",
        "knapp": "almost", "fast": "almost", "beinahe": "almost", "nahezu": "almost",
        "mehr als": "more_than", "über": "more_than", "gut": "more_than",
        "mindestens": "at_least", "wenigstens": "at_least",
        "weniger als": "less_than", "unter": "less_than",
        "bis zu": "up_to", "höchstens": "up_to",
    },
    "en": {
        "about": "about", "around": "about", "roughly": "about", "approximately": "about",
        "some": "about", "an estimated": "about", "circa": "about", "ca.": "about",
        "nearly": "almost", "almost": "almost", "just under": "almost",
        "more than": "more_than", "over": "more_than", "upwards of": "more_than",
        "at least": "at_least", "no fewer than": "at_least",
        "less than": "less_than", "fewer than": "less_than", "under": "less_than",
        "up to": "up_to", "as many as": "up_to", "at most": "up_to",
    },
}
RANGE_OPENERS = {"de": ("zwischen",), "en": ("between",)}
RANGE_SEPARATORS = {"de": ("bis", "-", "–", "—"), "en": ("to", "-", "–", "—")}
RANGE_AND = {"de": "und", "en": "and"}

SCALES = {
    "de": {"tausend": 1e3, "million": 1e6, "millionen": 1e6, "mio": 1e6,
           "milliarde": 1e9, "milliarden": 1e9, "mrd": 1e9, "billion": 1e12, "billionen": 1e12},
    "en": {"thousand": 1e3, "million": 1e6, "millions": 1e6, "mn": 1e6, "m": 1e6,
           "billion": 1e9, "billions": 1e9, "bn": 1e9, "trillion": 1e12},
}
# Words that name a vague count: a mention worth listing, never a checkable value.
VAGUE = {
    "de": {"tausende": 1e3, "tausenden": 1e3, "hunderte": 1e2, "hunderten": 1e2,
           "zehntausende": 1e4, "hunderttausende": 1e5, "millionen": 1e6,
           # genitive plural: "mit der Unterstützung Tausender Soldaten"
           "tausender": 1e3, "hunderter": 1e2, "zehntausender": 1e4, "hunderttausender": 1e5,
           "dutzende": 12.0, "dutzenden": 12.0},
    "en": {"thousands": 1e3, "hundreds": 1e2, "millions": 1e6, "dozens": 12},
}
VAGUE_PREFIX = {"de": ("mehrere", "einige", "viele"), "en": ("several", "some", "many")}

FRACTIONS = {
    "de": {"halb": 0.5, "hälfte": 0.5, "drittel": 1 / 3, "viertel": 0.25, "fünftel": 0.2,
           "achtel": 0.125, "zehntel": 0.1},
    "en": {"half": 0.5, "halves": 0.5, "third": 1 / 3, "thirds": 1 / 3, "quarter": 0.25,
           "quarters": 0.25, "fifth": 0.2, "fifths": 0.2, "tenth": 0.1, "tenths": 0.1},
}
ARTICLE_ONE = {"de": ("ein", "eine", "einen", "einem", "einer", "die"), "en": ("a", "an", "one")}
# Words text2num would read as 1 but which are mostly articles: never a mention on their own.
NOT_A_NUMBER = {"ein", "eine", "einen", "einem", "einer", "eines", "eins", "a", "an", "one"}

_WORD_STEMS = {
    "de": re.compile(r"(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig"
                     r"|dreißig|vierzig|fünfzig|sechzig|siebzig|achtzig|neunzig|hundert|tausend)"),
    "en": re.compile(r"(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|teen"
                     r"|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand)"),
}

_TOKEN = re.compile(r"\d+(?:[.,'’]\d+)*|[^\W\d_]+|[$€£]|[-–—]|[^\s\w]", re.UNICODE)
_APOSTROPHE_GROUPED = re.compile(r"^\d{1,3}(?:['’]\d{3})+(?:[.,]\d+)?$")


_BASE_LANGUAGES: dict[str, str] = {}


def base_language(language: str) -> str:
    """"de-CH", "de_AT" → "de"; unknown languages read as English digits."""
    got = _BASE_LANGUAGES.get(language)
    if got is None:
        lang = (language or "en").replace("-", "_").split("_")[0].lower()
        got = lang if lang in HEDGES else "en"
        if len(_BASE_LANGUAGES) < 1000:        # a corpus has a handful of languages
            _BASE_LANGUAGES[language] = got
    return got


@functools.lru_cache(maxsize=256)
def locale_known(language: str) -> bool:
    """Whether babel knows this locale ("de_CH" yes, "de_XX" no)."""
    from babel import Locale, UnknownLocaleError

    try:
        Locale.parse((language or "en").replace("-", "_"))
        return True
    except (UnknownLocaleError, ValueError, TypeError):
        return False


def babel_locale(language: str) -> str:
    lang = (language or "en").replace("-", "_")
    if base_language(lang) != lang.split("_")[0].lower():
        return "en"
    # an unknown region ("de_XX") reads as its language; babel would raise UnknownLocaleError
    return lang if locale_known(lang) else base_language(lang)


@functools.lru_cache(maxsize=256)
def _babel(language: str):
    """babel's Locale for the language, its decimal and group marks, and a pattern for the
    integers it groups in threes exactly as it formats them (None where it does not, or may
    not): looked up once, not per number."""
    from babel import Locale
    from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

    locale = Locale.parse(babel_locale(language))
    mark, group = get_decimal_symbol(locale), get_group_symbol(locale)
    grouped = None
    if group and not group.isdigit() and group != mark:
        # every length a grouped integer of the pattern below may have, first and last of each
        probes = [p for k in range(4, 22) for p in (10 ** (k - 1), 10 ** k - 1, int("123456789012345678901"[:k]))]
        if all(format_decimal(Decimal(p), locale=locale, decimal_quantization=False)
               == f"{p:,}".replace(",", group) for p in probes):
            grouped = re.compile(rf"[1-9][0-9]{{0,2}}(?:{re.escape(group)}[0-9]{{3}}){{1,6}}")
    return locale, mark, group, grouped


# --- digits -----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 16)
def parse_digits(token: str, language: str) -> tuple[float, int]:
    """A digit token → (value, decimals). Raises NumberReadError when ambiguous."""
    if _APOSTROPHE_GROUPED.match(token):
        # Swiss grouping with ' or ’; whatever mark follows the groups is the decimal mark.
        plain = token.replace("'", "").replace("’", "")
        integer, _, frac = plain.replace(",", ".").partition(".")
        value = float(integer + ("." + frac if frac else ""))
        if not math.isfinite(value):
            raise NumberReadError(f"{token!r} is too large to be a reported number")
        return value, len(frac)
    if "'" in token or "’" in token:
        raise NumberReadError(f"{token!r}: apostrophes must group digits in threes")
    from babel.numbers import NumberFormatError, parse_decimal

    locale, mark, group, grouped = _babel(language)
    try:
        if group not in token:
            # what babel's strict parse does without a group mark: read the token as a decimal
            # with the locale's decimal mark (and fail as it fails)
            try:
                number: Decimal = Decimal(token.replace(mark, "."))
            except ArithmeticError:
                raise NumberFormatError(f"{token!r} is not a valid decimal number") from None
        elif grouped is not None and grouped.fullmatch(token):
            number = Decimal(token.replace(group, ""))      # grouped as babel groups it: no doubt
        else:
            number = parse_decimal(token, locale=locale, strict=True)
    except NumberFormatError as exc:
        hint = ""
        if getattr(exc, "suggestions", None):
            hint = " (could be " + " or ".join(exc.suggestions) + ")"
        raise NumberReadError(f"{token!r} is ambiguous in {language!r}{hint}") from None
    except ArithmeticError:
        # babel's strict check re-formats the number in the default decimal context (28 digits)
        # and raises decimal.InvalidOperation beyond it: "1.000.000.…" with 30 groups
        raise NumberReadError(f"{token!r} has too many digits to be a reported number") from None
    value = float(number)
    if not math.isfinite(value):
        raise NumberReadError(f"{token!r} is too large to be a reported number")
    decimals = len(token.rsplit(mark, 1)[1]) if mark in token else 0
    return value, decimals


def integer_about_half(value: float) -> float:
    """Half a unit of the last non-zero digit; a lone leading 1 is read with the next digit."""
    v = abs(value)
    if v == 0 or not math.isfinite(v) or v != int(v):
        return 0.5
    n = int(round(v))
    digits = str(n)
    stripped = digits.rstrip("0")
    unit = 10 ** (len(digits) - len(stripped))
    if stripped == "1" and unit >= 10:
        unit //= 10
    return unit / 2


def digit_reading(value: float, decimals: int, scale: float = 1.0) -> tuple[float, float]:
    """(written_half, about_half) of a digit number, scaled by the scale word after it."""
    if decimals > 0 or scale != 1.0:
        half = 0.5 * 10.0 ** (-decimals) * scale
        return half, half
    return 0.0, integer_about_half(value)


def reading_of_value(value: float, text: str | None = None) -> Reading:
    """A plain TOML number: an int is taken at face value, a float by its shortest repr."""
    if isinstance(value, bool):
        raise NumberReadError("a boolean is not a number")
    if isinstance(value, int) or (text is None and float(value).is_integer()):
        written, about = digit_reading(float(value), 0)
    else:
        r = repr(float(value))
        decimals = len(r.split(".")[1]) if "." in r and "e" not in r else 0
        written, about = digit_reading(float(value), decimals)
    return Reading(float(value), float(value), written, about, text=text or str(value))


# --- the mention scanner ----------------------------------------------------------------------

class _Tok:
    """One token: its text, where it starts and ends, and its text lower-cased once (every token
    is compared with the phrase tables). A plain class: a scan makes one per token."""

    __slots__ = ("text", "start", "end", "low")

    def __init__(self, text: str, start: int, end: int):
        self.text, self.start, self.end, self.low = text, start, end, text.lower()


def _tokens(text: str) -> list[_Tok]:
    return [_Tok(m.group(), *m.span()) for m in _TOKEN.finditer(text)]


_PHRASES_BY_FIRST_WORD: dict[int, tuple[object, dict[str, tuple[str, ...]]]] = {}


def _phrases_starting(table, word: str) -> tuple[str, ...]:
    """The phrases of `table` whose first word is `word`: most tokens start none, and a scan of
    a whole article asks at every token (indexed once per table)."""
    entry = _PHRASES_BY_FIRST_WORD.get(id(table))
    if entry is None or entry[0] is not table:
        index: dict[str, list[str]] = {}
        for phrase in table:
            first = phrase.split()[0]
            index.setdefault(first[:-1] if first.endswith(".") else first, []).append(phrase)
        entry = (table, {k: tuple(v) for k, v in index.items()})
        _PHRASES_BY_FIRST_WORD[id(table)] = entry
    return entry[1].get(word, ())


def _match_phrase(toks: list[_Tok], i: int, table) -> tuple[str | None, int]:
    """Longest phrase of `table` starting at token i (words, "ca." with its dot)."""
    best, best_j = None, i
    if i >= len(toks):
        return best, best_j
    for phrase in _phrases_starting(table, toks[i].low):
        words = phrase.split()
        j = i
        ok = True
        for w in words:
            dotted = w.endswith(".")
            core = w[:-1] if dotted else w
            if j >= len(toks) or toks[j].low != core:
                ok = False
                break
            j += 1
            if dotted:
                if j < len(toks) and toks[j].text == "." and toks[j].start == toks[j - 1].end:
                    j += 1
                else:
                    ok = False
                    break
        if ok and j - i > best_j - i:
            best, best_j = phrase, j
    return best, best_j


@functools.lru_cache(maxsize=8192)
def _word_value(word: str, lang: str) -> tuple[float, float] | None:
    """A number word → (value, written_half), or None. "zweieinhalb" → (2.5, 0.25)."""
    w = word.lower()
    if w in NOT_A_NUMBER or not _WORD_STEMS[lang].search(w):
        if lang == "de" and w in ("anderthalb", "eineinhalb"):
            return 1.5, 0.25
        return None
    if lang == "de":
        if w in ("anderthalb", "eineinhalb"):
            return 1.5, 0.25
        if w.endswith("einhalb") and len(w) > len("einhalb"):
            whole = _word_value(w[: -len("einhalb")], lang)
            if whole is not None:
                return whole[0] + 0.5, 0.25
    from text_to_num import text2num

    try:
        return float(text2num(w, lang)), 0.0
    except (ValueError, TypeError, AssertionError):
        return None


def _fraction_at(toks, i, lang):
    """A fraction phrase at i: "ein Drittel", "two and a half", "a third" → (value, half, j)."""
    def frac_at(k):
        if k < len(toks) and toks[k].low in FRACTIONS[lang]:
            f = FRACTIONS[lang][toks[k].low]
            return f, k + 1
        return None

    # "ein Drittel", "a third", "die Hälfte"
    if i < len(toks) and toks[i].low in ARTICLE_ONE[lang]:
        got = frac_at(i + 1)
        if got:
            return got[0], got[0] / 2, got[1]
    # "zwei Drittel", "two thirds", "two and a half"
    if i < len(toks):
        whole = _word_value(toks[i].text, lang) if toks[i].text.isalpha() else None
        if whole is not None and whole[1] == 0:
            got = frac_at(i + 1)
            if got and lang == "de" or (got and toks[i + 1].low.endswith("s")):
                return whole[0] * got[0], got[0] / 2, got[1]
            if (lang == "en" and i + 3 < len(toks) + 1 and i + 1 < len(toks)
                    and toks[i + 1].low == "and" and i + 2 < len(toks)
                    and toks[i + 2].low in ("a", "one")):
                got = frac_at(i + 3)
                if got:
                    return whole[0] + got[0], got[0] / 2, got[1]
    return None


def _number_at(toks, i, lang, language):
    """A number (digits or words) at i → (value, written_half, about_half, decimals, j) or None.

    Raises NumberReadError for a digit token that is ambiguous in the language.
    """
    if i >= len(toks):
        return None
    t = toks[i]
    if t.text[0].isdigit():
        value, decimals = parse_digits(t.text, language)
        written, about = digit_reading(value, decimals)
        return value, written, about, decimals, i + 1
    frac = _fraction_at(toks, i, lang)
    if frac:
        value, half, j = frac
        return value, half, half, 1, j
    if t.text.isalpha():
        got = _word_value(t.text, lang)
        if got is not None:
            value, half = got
            about = half if half else integer_about_half(value)
            return value, half, about, (1 if half else 0), i + 1
    return None


_DOT_THOUSANDS = re.compile(r"^\d{1,3}\.\d{3}$")


def _refuse_german_grouping(token: str, language: str) -> None:
    """Swiss German writes 28'000 and 2.5, but Germany's 28.000 is common in the same texts.

    Where the locale's decimal mark is a point and the language is German (de-CH, de-LI),
    "28.000" without a scale word is read neither as 28 nor as 28,000: it is ambiguous.
    With a scale word ("1.125 Mrd.") the point is a decimal mark, as in Swiss style.
    """
    if not _DOT_THOUSANDS.match(token) or base_language(language) != "de":
        return
    if _babel(language)[1] == ".":
        whole = token.replace(".", "")
        raise NumberReadError(f"{token!r} is ambiguous in {language!r} (could be {float(token):g} or "
                              f"{int(whole):,}); Swiss style groups thousands with an apostrophe: {token.replace('.', chr(39))}")


def _scale_at(toks, i, lang):
    if i < len(toks) and toks[i].low in SCALES[lang]:
        j = i + 1
        if j < len(toks) and toks[j].text == "." and toks[i].low in ("mio", "mrd"):
            j += 1
        if toks[i].low == "m" and (i == 0 or toks[i - 1].end != toks[i].start):
            return None  # "m" alone is metres; only "$5m" is a million
        return SCALES[lang][toks[i].low], j
    return None


def _scaled(num, scale):
    value, written, about, decimals, _ = num
    if scale == 1.0:
        return value, written, about
    half = (written or 0.5 * 10.0 ** (-decimals)) * scale
    return value * scale, half, half


def _mention_at(toks, i, lang, language, text):
    """Try to read one mention starting at token i → (Reading, next index) or None."""
    start_i = i
    hedge, j = _match_phrase(toks, i, HEDGES[lang])
    qualifier = HEDGES[lang][hedge] if hedge else "exact"
    range_intent = False
    if not hedge:
        opener, j2 = _match_phrase(toks, i, RANGE_OPENERS[lang])
        if opener:
            range_intent, j = True, j2
    if j < len(toks) and toks[j].text in "$€£" and toks[j].text:
        j += 1
    number_tok = j
    # vague counts: "Tausende", "mehrere tausend", "thousands of"
    vague_prefix, jv = _match_phrase(toks, j, VAGUE_PREFIX[lang])
    if vague_prefix and jv < len(toks) and toks[jv].low in SCALES[lang] and SCALES[lang][toks[jv].low] <= 1e3:
        scale = SCALES[lang][toks[jv].low]
        return _vague(toks, start_i, j, jv + 1, scale, qualifier, text), jv + 1
    if j < len(toks) and toks[j].low in VAGUE[lang] and not (j > 0 and toks[j - 1].text[0].isdigit()):
        if not (toks[j].low in SCALES[lang] and j > start_i and toks[j - 1].text[0].isalnum()
                and _word_value(toks[j - 1].text, lang)):
            return _vague(toks, start_i, j, j + 1, VAGUE[lang][toks[j].low], qualifier, text), j + 1
    num = _number_at(toks, j, lang, language)
    if num is None:
        return None
    k = num[4]
    scaled = _scale_at(toks, k, lang)
    scale1 = 1.0
    if scaled:
        scale1, k = scaled
    else:
        _refuse_german_grouping(toks[j].text, language)
    # a range: "3 bis 5 Millionen", "between 3 and 5 million", "3-5"
    seps = (RANGE_AND[lang],) if range_intent else RANGE_SEPARATORS[lang]
    if k < len(toks) and toks[k].low in seps and not (hedge and qualifier == "up_to"):
        num2 = _number_at(toks, k + 1, lang, language) if toks[k].low != "bis" or not (
            k + 1 < len(toks) and toks[k + 1].low == "zu") else None
        if num2 is not None:
            k2 = num2[4]
            scale2 = 1.0
            sc2 = _scale_at(toks, k2, lang)
            if sc2:
                scale2, k2 = sc2
            elif scale1 == 1.0:
                _refuse_german_grouping(toks[k + 1].text, language)
            hi, _, a2 = _scaled(num2, scale2)
            # "3 bis 5 Millionen": the scale word serves both ends, unless the range would then
            # run backwards: "960.000 bis 1,5 Millionen" is read unshared when both ends are of
            # one order of magnitude. Otherwise it is no range, and the first number keeps its
            # own scale.
            shared = scale2 if scale1 == 1.0 else scale1
            firsts = [_scaled(num, shared)]
            if shared != scale1:
                firsts.append(_scaled(num, scale1))      # unshared
            for n_try, (lo, _, a1) in enumerate(firsts):
                if lo <= hi and (n_try == 0 or lo * 10 >= hi):
                    end = toks[k2 - 1].end
                    return Reading(lo, hi, 0.0, min(a1, a2), qualifier, text[toks[start_i].start:end],
                                   toks[start_i].start, end, is_range=True,
                                   number_start=toks[number_tok].start), k2
    value, written, about = _scaled(num, scale1)
    end = toks[k - 1].end
    return Reading(value, value, written, about, qualifier, text[toks[start_i].start:end],
                   toks[start_i].start, end, number_start=toks[number_tok].start), k


def _vague(toks, start_i, j, k, scale, qualifier, text):
    end = toks[k - 1].end
    return Reading(2 * scale, 10 * scale, 0.0, 0.0, qualifier, text[toks[start_i].start:end],
                   toks[start_i].start, end, is_range=True, vague=True,
                   number_start=toks[j].start)


@dataclass(frozen=True)
class Unreadable:
    """A digit token the language cannot read unambiguously (German "2.5")."""

    text: str
    start: int
    end: int
    reason: str


@functools.lru_cache(maxsize=8)
def _starters(lang: str) -> frozenset[str]:
    """Lower-case words a mention can start with, besides digits and number words: a hedge's or
    range opener's first word, a vague prefix or count, an article before a fraction, a
    fraction word, a currency sign, and the fraction words text2num does not know."""
    firsts = {p.split()[0].rstrip(".") for p in (*HEDGES[lang], *RANGE_OPENERS[lang], *VAGUE_PREFIX[lang])}
    return frozenset(firsts | set(VAGUE[lang]) | set(ARTICLE_ONE[lang]) | set(FRACTIONS[lang])
                     | {"$", "€", "£", "anderthalb", "eineinhalb"})


def find_numbers(text: str, language: str) -> list[Reading | Unreadable]:
    """Every numeric mention in `text`, in order, with its hedge and span."""
    lang = base_language(language)
    toks = _tokens(text)
    found: list[Reading | Unreadable] = []
    starters = _starters(lang)
    stems = _WORD_STEMS[lang]
    i = 0
    while i < len(toks):
        tok = toks[i]
        if not (tok.text[0].isdigit() or tok.low in starters or stems.search(tok.low)):
            i += 1        # no mention starts here (_mention_at would return None): skip it fast
            continue
        try:
            got = _mention_at(toks, i, lang, language, text)
        except NumberReadError as exc:
            # find the offending digit token from i on, report it, go past it
            k = i
            while k < len(toks) and not toks[k].text[0].isdigit():
                k += 1
            k = min(k, len(toks) - 1)
            found.append(Unreadable(toks[k].text, toks[k].start, toks[k].end, str(exc)))
            i = k + 1
            continue
        if got is None:
            i += 1
            continue
        reading, i = got
        found.append(reading)
    return found


def read_value(text: str, language: str) -> Reading:
    """A figure's value written as a string: exactly one number, a hedge and unit words allowed."""
    mentions = find_numbers(text, language)
    bad = [m for m in mentions if isinstance(m, Unreadable)]
    if bad:
        raise NumberReadError(bad[0].reason)
    good = [m for m in mentions if not m.vague]
    if not good:
        raise NumberReadError(f"no number in {text!r}")
    if len(good) > 1:
        raise NumberReadError(f"{text!r} holds more than one number; write a range as [low, high]")
    m = good[0]
    if text[: m.start].strip():
        raise NumberReadError(f"{text!r}: unexpected words before the number")
    tail = text[m.end:].strip()
    if tail and not re.fullmatch(r"[^\W\d_]+(?:[\s/][^\W\d_]+)*\.?", tail):
        raise NumberReadError(f"{text!r}: unexpected text after the number")
    return replace(m, text=text.strip())


# --- reading a whole article: once per distinct stretch of number words -----------------------
#
# An article is mostly tokens the reader never consumes ("Soldaten", "berichtet", ","): no mention
# holds such an inert token or starts at it, and the reader never looks past one without
# consuming it (each lookahead compares a token with a hedge, range, scale, fraction, article or
# currency word, a dot or a dash, or reads it as a number). The one look behind a mention's first
# token asks whether the token before is a digit token, which an inert token is not, just as
# there is none at the start of a text. So the text between two space-separated words made only
# of inert tokens is read on its own, and each distinct stretch ("etwa 11.000", "3 bis 5
# Millionen") only once: an archive repeats them thousands of times. Tokens never hold a space,
# so the words of text.split(" ") are whole tokens; a word without tokens (an empty one between
# two spaces) joins its neighbours. A dot is consumed only right after "ca", "Mio" or "Mrd", so
# it makes a word active only where it opens the word ("Mio ."): in "berichtet." it is inert.

_CHUNK_MEMO: dict[str, dict[str, tuple]] = {}       # language → stretch → its mentions
_ACTIVE_WORD: dict[str, dict[str, bool]] = {}       # base language → word → active
_DASH_SIGN = frozenset("$€£-–—")


@functools.lru_cache(maxsize=8)
def _vocabulary(lang: str) -> frozenset[str]:
    """Every lower-case word the reader compares a token with, for one language."""
    words: set[str] = {"zu", "and", "a", "one", "anderthalb", "eineinhalb", RANGE_AND[lang]}
    for table in (HEDGES[lang], RANGE_OPENERS[lang], VAGUE_PREFIX[lang]):
        for phrase in table:
            words.update(w.rstrip(".") for w in phrase.split())
    for table in (RANGE_SEPARATORS[lang], SCALES[lang], VAGUE[lang], FRACTIONS[lang], ARTICLE_ONE[lang],
                  NOT_A_NUMBER):
        words.update(table)
    return frozenset(words)


def _active(word: str, lang: str) -> bool:
    """Whether a space-separated word holds a token the reader may consume (or no token at all)."""
    vocabulary, stems = _vocabulary(lang), _WORD_STEMS[lang]
    toks = _tokens(word)
    return not toks or toks[0].text == "." or any(
        t.text[0].isdigit() or t.text in _DASH_SIGN or t.low in vocabulary or stems.search(t.low) for t in toks)


def active_word(word: str, lang: str) -> bool:
    """Whether the reader may consume a token of this space-separated word (see _active), in a
    base language ("de", "en")."""
    active = _ACTIVE_WORD.setdefault(lang, {})
    got = active.get(word)
    if got is None:
        if len(active) > 300_000:
            active.clear()
        got = active[word] = _active(word, lang)
    return got


def number_chunks(text: str, language: str):
    """(offset, stretch, its mentions) for the stretches of the text that hold a mention, in text
    order; the positions of the mentions are relative to the offset. Together they are exactly
    find_numbers(text, language)."""
    lang = base_language(language)
    words = text.split(" ")
    active = _ACTIVE_WORD.setdefault(lang, {})
    flags = list(map(active.get, words))
    if None in flags:
        if len(active) > 300_000:
            active.clear()
        for k, flag in enumerate(flags):
            if flag is None:
                flags[k] = active[words[k]] = _active(words[k], lang)
    memo = _CHUNK_MEMO.setdefault(language, {})
    if len(memo) > 200_000:
        memo.clear()
    # word k starts at cum[k] + k (the lengths of the words before it and their spaces); the
    # runs of active words are found in C
    cum = list(itertools.accumulate(map(len, words), initial=0))
    out = []
    for run in _RUNS.finditer(bytes(flags)):
        a, b = run.span()
        start = cum[a] + a
        chunk = text[start:cum[b] + b - 1]
        got = memo.get(chunk)
        if got is None:
            got = memo[chunk] = tuple(find_numbers(chunk, language))
        if got:
            out.append((start, chunk, got))
    return out


_RUNS = re.compile(b"\x01+")
# Between two texts read at once: a word of one inert token ("\x00" is no digit, sign, dash,
# letter or dot), so that no stretch runs from one text into the next.
_BETWEEN = " \x00 "
_MANY_AT_ONCE = 4096


def number_chunks_many(texts: list[str], language: str) -> list[list[tuple]]:
    """[number_chunks(text, language) for text in texts], the texts read at once: one split, one
    look-up of the words' activity, the runs of active words found and cut out for all of them
    together (numpy), instead of one of each per text (a sentence holds a mention or two; the
    calls around them cost more)."""
    if len(texts) < 16:                      # too few to pay for the arrays
        return [number_chunks(text, language) for text in texts]
    if len(texts) > _MANY_AT_ONCE:            # a string per word: a bounded number of texts at a time
        return [chunks for at in range(0, len(texts), _MANY_AT_ONCE)
                for chunks in number_chunks_many(texts[at:at + _MANY_AT_ONCE], language)]
    lang = base_language(language)
    out: list[list[tuple]] = [[] for _ in texts]
    joined = _BETWEEN.join(texts)
    # text i's words are its own words (text.split(" ")), the texts' words separated by "\x00"
    words = joined.split(" ")
    active = _ACTIVE_WORD.setdefault(lang, {})
    if len(active) > 300_000:
        active.clear()
    flags = list(map(active.get, words))
    if None in flags:                         # each new word judged once, however often it stands
        for word in {word for word, flag in zip(words, flags) if flag is None}:
            active[word] = _active(word, lang)
        flags = list(map(active.get, words))
    memo = _CHUNK_MEMO.setdefault(language, {})
    if len(memo) > 200_000:
        memo.clear()
    import numpy as np

    # the runs of active words, as word positions [a, b), and the stretches they span: word k
    # starts one character after the k-th space of `joined` (the spaces found in its characters
    # as 32-bit integers, not a length per word)
    edges = np.diff(np.frombuffer(bytes(flags), dtype=np.uint8).astype(np.int8), prepend=0, append=0)
    run_a, run_b = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    characters = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word_at = np.concatenate([[0], np.flatnonzero(characters == 32) + 1, [len(joined) + 1]])
    starts = word_at[run_a]
    ends = word_at[run_b] - 1
    # which text each run stands in, and where that text begins in `joined`
    steps = np.fromiter(map(len, texts), np.int64, len(texts)) + len(_BETWEEN)
    bounds = np.cumsum(steps) - steps
    owner = np.searchsorted(bounds, starts, side="right") - 1
    chunks = list(map(joined.__getitem__, map(slice, starts.tolist(), ends.tolist())))
    found = list(map(memo.get, chunks))
    if None in found:                         # each new stretch read once, however often it stands
        for chunk in {chunk for chunk, got in zip(chunks, found) if got is None}:
            memo[chunk] = tuple(find_numbers(chunk, language))
        found = list(map(memo.get, chunks))
    # the runs holding a mention (a run of "und" or "a" holds none)
    held = np.flatnonzero(np.fromiter(map(bool, found), bool, len(found)))
    for k, i, at in zip(held.tolist(), owner[held].tolist(), (starts - bounds[owner])[held].tolist()):
        out[i].append((at, chunks[k], found[k]))
    return out


def _shifted(m, offset: int):
    if offset == 0:
        return m
    if isinstance(m, Unreadable):
        return Unreadable(m.text, m.start + offset, m.end + offset, m.reason)
    return replace(m, start=m.start + offset, end=m.end + offset, number_start=m.number_start + offset)


def find_numbers_chunked(text: str, language: str) -> list[Reading | Unreadable]:
    """find_numbers(text, language), read one distinct stretch at a time (see number_chunks)."""
    return [_shifted(m, offset) for offset, _, found in number_chunks(text, language) for m in found]
