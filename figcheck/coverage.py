"""Coverage: every number in a source is either encoded, knowingly skipped, or still open.

`mentions(source)` lists the numeric mentions of a source text, read by the same reader the
loader and the provenance rules use (figcheck.numbers), and tells the claims apart from numbers
that are not claims: dates, years, clock times, ordinals and numbers inside names ("KN23",
"Hwasong-11Ga", URLs, handles). `corpus_coverage(corpus)` matches each claim to the figure whose
quote contains it, or to a [[skip]] entry whose quote contains it; what is left is open.
`uncovered_mentions(ctx)` turns the open ones into hits for the rule P004.

A fact-checker who never encoded the one number that contradicts the rest gets a clean report;
coverage is how figcheck says which numbers were not looked at.
"""
from __future__ import annotations

import bisect
import itertools
import math
import operator
import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import sentences
from .collector import collector_paused
from .model import per_corpus, text_column, text_lengths
from .numbers import (Reading, Unreadable, active_word, base_language, find_numbers, number_chunks,
                      number_chunks_many)

# Kinds of mention. Only claims (and digits the language cannot read) need a figure or a skip.
CLAIM, UNREADABLE, DATE, YEAR, TIME, ORDINAL, NAME = (
    "claim", "unreadable", "date", "year", "time", "ordinal", "name")
KINDS = (CLAIM, UNREADABLE, DATE, YEAR, TIME, ORDINAL, NAME)
NEEDS_LOOK = frozenset({CLAIM, UNREADABLE})

ENCODED, SKIPPED, OPEN = "encoded", "skipped", "open"

MONTHS_DE = ("Januar", "Jänner", "Februar", "Feber", "März", "April", "Mai", "Juni", "Juli",
             "August", "September", "Oktober", "November", "Dezember")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mär", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
                       "Okt", "Oct", "Nov", "Dez", "Dec")
MONTH_WORDS = frozenset(m.lower() for m in MONTHS_DE + MONTHS_EN + MONTH_ABBREVIATIONS)

_MONTH = "|".join(sorted(MONTHS_DE + MONTHS_EN, key=len, reverse=True))
_MONTH_SHORT = "|".join(sorted(MONTH_ABBREVIATIONS, key=len, reverse=True))
_ANY_MONTH = rf"(?:{_MONTH}|(?:{_MONTH_SHORT})\.?)"
_EN_MONTH = "|".join(sorted(MONTHS_EN + ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept",
                                         "Oct", "Nov", "Dec"), key=len, reverse=True))

# Words right before a four-digit number that make it a year whatever follows.
YEAR_CUES = frozenset(MONTH_WORDS | {
    "jahr", "jahres", "jahre", "jahreswechsel", "jahresende", "jahresbeginn", "jahresanfang",
    "anfang", "ende", "mitte", "frühjahr", "frühling", "sommer", "herbst", "winter", "seit",
    "year", "since", "early", "late", "mid", "spring", "summer", "autumn", "fall", "in",
})
# English words that may follow a year ("in 2024 the army …"); any other lowercase word after
# a four-digit number in English is read as the thing counted ("2000 soldiers").
EN_AFTER_YEAR = frozenset(
    "the a an and or but to in on at by for from of with when as was were is are had has have "
    "that which after before until while so it he she they we i this these those its their "
    "will would could should may might saw".split())
# Words before "3." that make it an ordinal ("die 3. Armee", "zum 2. Mal").
DETERMINERS = frozenset(
    "der die das den dem des am im zum zur vom beim sein seine seinem seiner seines ihr ihre "
    "ihrem ihrer ihres jeder jede jedes".split())
# Unit symbols that may be glued to a number and still state an amount ("10km", "5kg");
# any other glued letters make the number part of a name ("KN23", "11Ga", "122mm").
GLUED_UNITS = frozenset({"km", "kg", "t", "h", "ha", "kw", "mw", "gw", "kwh", "mwh", "l"})
DECADE_SUFFIXES = frozenset({"er", "ern", "ers", "s"})
ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})

_QUOTE_CHARS = "\"„“”«»‹›‚‘’'"

# Spans that are not claims, whatever numbers the reader finds inside them. The first pattern
# that covers a mention decides its kind.
_PATTERNS: tuple[tuple[str, str, re.Pattern], ...] = tuple(
    (kind, why, re.compile(pattern, flags))
    for kind, why, pattern, flags in (
        (NAME, "URL", r"(?:https?://|www\.)[^\s<>\"«»“”]+", re.I),
        (NAME, "URL", r"\b[A-Za-z][\w-]*(?:\.[A-Za-z0-9][\w-]*)*\.(?:com|org|net|edu|gov|mil|int"
                      r"|info|io|de|ch|at|uk|fr|ru|ua|kr|kp|eu|us|co|tv)\b(?:/[^\s<>\"«»“”]*)?", 0),
        (NAME, "handle", r"(?<![\w@])@\w+", 0),
        (NAME, "hashtag", r"(?<![\w#])#\w+", 0),
        (DATE, "ISO date", r"(?<![\d.,])\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2})?)?(?![\d])", 0),
        (DATE, "day.month.", r"(?<![\d.,'’])(?:[12]\d|3[01]|0?[1-9])\.(?:1[0-2]|0?[1-9])\."
                             r"(?:\d{4}|\d{2})?(?![\d])", 0),
        (DATE, "day and month", rf"(?<![\d.,'’])(?:[12]\d|3[01]|0?[1-9])\.?\s+{_ANY_MONTH}"
                                rf"(?![\w])(?:,?\s+\d{{4}}(?![\d]))?", 0),
        (DATE, "month and day", rf"\b(?:{_EN_MONTH})\.?\s+(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
                                rf"(?![\w.,'’]\d)(?![\w])(?:,?\s+\d{{4}}(?![\d]))?", 0),
        (YEAR, "years", r"(?<![\d.,'’])(?:1[89]\d\d|20\d\d)\s?[-–—/]\s?(?:\d{2}|1[89]\d\d|20\d\d)"
                        r"(?![\d.,'’]?\d)", 0),
        (TIME, "clock time", r"(?<![\d.,'’])(?:[01]?\d|2[0-3])[:.][0-5]\d(?:[:.][0-5]\d)?\s*Uhr\b", 0),
        (TIME, "clock time", r"(?<![\d.,'’])(?:[01]?\d|2[0-3])\s*Uhr\b", 0),
        (TIME, "clock time", r"(?<![\d.,'’:])(?:[01]?\d|2[0-3]):[0-5]\d(?::[0-5]\d)?(?![\d:])"
                             r"(?:\s*(?:a\.m\.|p\.m\.|am\b|pm\b))?", re.I),
        (NAME, "thread counter", r"(?<![\d.,'’|])\d{1,2}\s?\|\s?\d{1,2}(?![\d|])", 0),
    )
)
_NUMBER_TOKEN = re.compile(r"\d+(?:[.,'’]\d+)*")
_QUOTE_AFTER = re.compile(r"[^\S\n]*([" + _QUOTE_CHARS + "])")
_EN_TIME = re.compile(r"(?<![\d.,'’])(?:1[0-2]|0?[1-9])\s*(?:a\.m\.|p\.m\.|am\b|pm\b)", re.I)
_WORD = re.compile(r"[^\W\d_]+")
_DIGITS = re.compile(r"\d")


@dataclass(frozen=True)
class Mention:
    """One numeric mention of a source text, where it stands and what kind of number it is."""

    source: str
    line: int                 # 1-based
    column: int               # 1-based, in characters
    start: int                # offsets into the source text; the hedge included
    end: int
    text: str                 # as it stands: "etwa 28.000", "3 bis 5 Millionen", "2. November"
    number: str               # the number as written, without the hedge: the stub's value
    low: float | None         # None when the language cannot read it (kind "unreadable")
    high: float | None
    qualifier: str = "exact"
    unit_guess: str = ""      # the noun after the number: "Soldaten", "Granaten pro Jahr"
    kind: str = CLAIM
    why: str = ""             # why it is not a claim, or why it cannot be read
    vague: bool = False       # "Tausende", "mehrere tausend"
    is_range: bool = False
    number_start: int = 0     # where the number begins (after the hedge)

    @property
    def needs_look(self) -> bool:
        return self.kind in NEEDS_LOOK

    def value_text(self) -> str:
        """The value for display: 28000, [3000000, 5000000], or "?" when unreadable."""
        if self.low is None:
            return "?"
        if self.is_range:
            return f"[{_number(self.low)}, {_number(self.high)}]"
        return _number(self.low)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e16 else repr(float(x))


# --- finding mentions -------------------------------------------------------------------------

def mentions(source) -> list[Mention]:
    """Every numeric mention of a source (a figcheck.model.Source), in text order."""
    return mentions_in_text(source.text, source.language, source.id)


def mentions_in_text(text: str, language: str, source_id: str = "") -> list[Mention]:
    """Every numeric mention of `text`, read in `language`, each with its kind."""
    lang = base_language(language)
    starts = line_starts(text)
    return [_mention(text, starts, source_id, *raw, lang) for raw in raw_mentions(text, language)]


def line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer(r"\n", text)]


# A mention before it becomes a Mention: (start, end, number_start, number_end, low, high,
# qualifier, kind, why, vague, is_range). Coverage counts these; it builds a Mention (line,
# column, unit guess) only for the mentions it shows.
RAW_START, RAW_END, RAW_NUMBER_START, RAW_KIND = 0, 1, 2, 7
_KIND_OF = operator.itemgetter(RAW_KIND)


def raw_mentions(text: str, language: str) -> list[tuple]:
    """The mentions of `text` as tuples, in text order (see mentions_in_text)."""
    units, offsets, raw = _reading(text, language)
    return _unit_raws(units, offsets) if raw is None else raw


def _reading(text: str, language: str) -> tuple[list, list, list | None]:
    """(units, their offsets, None) where the units' own mention tuples are the text's (no
    non-claim span, no kind left to the words around); else ((), (), the mention tuples)."""
    units = _units(text, language)
    if units is None:
        return (), (), _raw_mentions_whole(text, language)
    lang = base_language(language)
    offsets = list(itertools.accumulate(map(_LENGTH, units), initial=0))
    if True in map(_MAYBE_SPANS, units):
        spans = _non_claim_spans(text, lang)
        if spans:
            return (), (), _raws(text, lang, spans, ((off + at, found, near) for off, u in zip(offsets, units)
                                                     for at, found, near in u.chunks))
    if True in map(_FAR, units):
        out: list[tuple] = []
        for off, u in zip(offsets, units):
            for s, e, n, m, low, high, q, kind, why, vague, rng in u.raws:
                if kind is None:           # a year, an ordinal, a title? the words around decide
                    found, at = why
                    kind, why = _classify_far(text, _At(found, off + at), lang)
                out.append((s + off, e + off, n + off, m + off, low, high, q, kind, why, vague, rng))
        return (), (), out
    return units, offsets, None


def _unit_raws(units, offsets) -> list[tuple]:
    return [(s + off, e + off, n + off, m + off, low, high, q, kind, why, vague, rng)
            for off, u in zip(offsets, units) for s, e, n, m, low, high, q, kind, why, vague, rng in u.raws]


def _raw_mentions_whole(text: str, language: str) -> list[tuple]:
    """raw_mentions, the whole text read at once (stretch by stretch): the reference the
    sentence-by-sentence reading must equal, and its fallback."""
    lang = base_language(language)
    near_memo = _NEAR_MEMO

    def chunks():
        for offset, chunk, found_here in number_chunks(text, language):
            end = offset + len(chunk)
            near = near_memo.get((chunk, language, text[offset - 2 if offset > 1 else 0:offset], text[end:end + 4]))
            if near is None:
                near = _near_kinds(text, offset, chunk, found_here, language)
            yield offset, found_here, near

    return _raws(text, lang, _non_claim_spans(text, lang), chunks())


def _raws(text: str, lang: str, spans, chunks) -> list[tuple]:
    """The mention tuples of the stretches `chunks` ((offset, mentions found there, what
    _classify_near says of each)), the non-claim `spans` applied."""
    out: list[tuple] = []
    merged: set[int] = set()            # non-claim spans already listed
    for offset, found_here, near in chunks:
        for found, kind_why in zip(found_here, near):
            readable = isinstance(found, Reading)
            if spans:
                n_start = (found.number_start if readable else found.start) + offset
                span_ix = _covering_span(spans, n_start)
                if span_ix is not None:
                    s_start, s_end, kind, why = spans[span_ix]
                    if span_ix in merged:
                        continue          # "October 13, 2024": one date, however many numbers inside
                    merged.add(span_ix)
                    low = found.low if readable else None
                    out.append((s_start, s_end, s_start, s_end, low, low, "exact", kind, why, False, False))
                    continue
            if not readable:
                f_start, f_end = found.start + offset, found.end + offset
                out.append((f_start, f_end, f_start, f_end, None, None, "exact", UNREADABLE, found.reason,
                            False, False))
                continue
            if kind_why is None:
                kind_why = _classify_far(text, _At(found, offset), lang)
            f_end = found.end + offset
            out.append((found.start + offset, f_end, found.number_start + offset, f_end, found.low, found.high,
                        found.qualifier, kind_why[0], kind_why[1], found.vague, found.is_range))
    return out


# --- reading an article one sentence at a time ---------------------------------------------------
#
# An archive repeats its sentences ("Es wurden etwa 13.000 Granaten pro Tag berichtet."), so an
# article is read in units that end with ". " and each distinct unit only once. What the reading
# of a unit finds depends on the unit alone (and, for a unit that opens its article, on there
# being nothing before it): the stretches of number words are runs of active words, and a
# unit's last word ("berichtet.") is inert, so no run crosses into the next unit; the two
# characters before a stretch at a unit's start are the ". " that ended the unit before; the
# four after a stretch stand inside the unit, as an inert word and the final space follow it.
# A unit whose last word is active ("… im Jahr 2024. ") is read together with the sentences
# after it, up to one that ends with an inert word. What needs the words further around
# (a year? an ordinal? a quoted title?) and the non-claim spans are still decided on the whole
# text; which units may hold a non-claim span is known per unit, since no hint crosses ". ".

class _Unit:
    """What reading one unit finds: its stretches ((offset, mentions, near kinds)), its mention
    tuples (kind None where the words around decide; made from the stretches when first asked
    for: counting needs only the kinds and where the claims stand), their kinds, where its
    claims' numbers begin and where the claims end, and how long it stands in the text."""

    __slots__ = ("chunks", "far", "maybe_spans", "length", "kinds", "claim_starts", "claim_ends", "_raws", "slow")

    def __init__(self, chunks, far, maybe_spans, length, kinds=(), claim_starts=(), claim_ends=()):
        self.chunks, self.far, self.maybe_spans, self.length = chunks, far, maybe_spans, length
        # whether a text holding this unit is read whole (_corpus_claims)
        self.slow = bool(far or maybe_spans)
        self.kinds, self.claim_starts, self.claim_ends = kinds, claim_starts, claim_ends
        self._raws = None

    @property
    def raws(self) -> tuple:
        if self._raws is None:
            self._raws = _chunk_raws(self.chunks)
        return self._raws


def _chunk_raws(chunks) -> tuple:
    """The mention tuples of a unit's stretches ((offset, mentions, near kinds)), in order."""
    raws = []
    for at, found_here, near in chunks:
        for found, kind_why in zip(found_here, near):
            if not isinstance(found, Reading):
                f_start, f_end = found.start + at, found.end + at
                raws.append((f_start, f_end, f_start, f_end, None, None, "exact", UNREADABLE, found.reason,
                             False, False))
                continue
            f_end = found.end + at
            if kind_why is None:
                kind_why = (None, (found, at))
            raws.append((found.start + at, f_end, found.number_start + at, f_end, found.low, found.high,
                         found.qualifier, kind_why[0], kind_why[1], found.vague, found.is_range))
    return tuple(raws)


def _chunk_summary(found_here: tuple, near: tuple) -> tuple:
    """(kinds, whether the words around decide one, where its claims' numbers begin, where they
    end) of one stretch's mentions, positions relative to the stretch: what _chunk_raws gives,
    counted."""
    kinds, starts, ends, far = [], [], [], False
    for found, kind_why in zip(found_here, near):
        if not isinstance(found, Reading):
            kind, begin = UNREADABLE, found.start
        else:
            kind, begin = (None, found.number_start) if kind_why is None else (kind_why[0], found.number_start)
            far = far or kind_why is None
        kinds.append(kind)
        if kind in NEEDS_LOOK:
            starts.append(begin)
            ends.append(found.end)
    return tuple(kinds), far, tuple(starts), tuple(ends)


_LENGTH, _FAR, _MAYBE_SPANS, _KINDS = (operator.attrgetter(a) for a in ("length", "far", "maybe_spans", "kinds"))
_OPEN = _Unit((), False, False, 0)        # a sentence ending in an active word: read with the next
_OPEN.slow = True
_SLOW = operator.attrgetter("slow")
# language → four memos, a unit by its sentences (". " between them, the final ". " left out), for
# units in the middle of an article, opening it, closing it, and the whole article
_UNIT_MEMO: dict[str, tuple[dict, dict, dict, dict]] = {}
_UNIT_KEPT = 600              # characters: longer units (an article without ". ") are read, not kept
_UNIT_MERGED = 20_000         # characters: sentences ending in active words beyond this: read the whole text
_SENTENCE_END = ". "


def _units(text: str, language: str) -> list[_Unit] | None:
    """The readings of the units of the text, in order; None where units would grow too long
    (the text is then read whole)."""
    memos = _UNIT_MEMO.get(language)
    if memos is None:
        memos = _UNIT_MEMO[language] = ({}, {}, {}, {})
    pieces = text.split(_SENTENCE_END)
    last = len(pieces) - 1
    if last == 0:
        units = [memos[3].get(text)]
    else:
        units = list(map(memos[0].get, pieces))
        units[0], units[-1] = memos[1].get(pieces[0]), memos[2].get(pieces[-1])
    if None in units:
        lang = base_language(language)
        inner = []                          # the sentences inside the article: read at once
        for i, unit in enumerate(units):
            if unit is None:
                memo = memos[(i == 0) + 2 * (i == last)]
                if i < last and _ends_active(pieces[i], memo, lang):
                    units[i] = _OPEN
                elif 0 < i < last:
                    inner.append(i)
                else:
                    units[i] = _read_unit(memo, pieces[i], i == 0, i == last, language)
        if inner:
            for i, unit in zip(inner, _read_units(memos[0], [pieces[i] for i in inner], False, False, language)):
                units[i] = unit
    if _OPEN in units:
        return _merged(pieces, units, memos, language)
    return units


def _merged(pieces: list[str], units: list[_Unit], memos, language: str) -> list[_Unit] | None:
    """The units with each sentence that ends in an active word read together with the
    sentences after it, up to one that ends in an inert word (or the last)."""
    last = len(pieces) - 1
    out = []
    i = 0
    while i <= last:
        if units[i] is not _OPEN:
            out.append(units[i])
            i += 1
            continue
        j, length = i, len(pieces[i])
        while units[j] is _OPEN:
            j += 1
            length += len(pieces[j]) + len(_SENTENCE_END)
            if length > _UNIT_MERGED:
                return None
        piece = _SENTENCE_END.join(pieces[i:j + 1])
        memo = memos[(i == 0) + 2 * (j == last)]
        unit = memo.get(piece)
        if unit is None:
            unit = _read_unit(memo, piece, i == 0, j == last, language)
        out.append(unit)
        i = j + 1
    return out


def _ends_active(piece: str, memo: dict, lang: str) -> bool:
    """Whether the last word of a sentence ("2024." in "… im Jahr 2024. ") is active; the
    sentence is then kept as _OPEN."""
    if not active_word(piece.rpartition(" ")[2] + ".", lang):
        return False
    memo[piece] = _OPEN
    return True


def _read_unit(memo: dict, piece: str, first: bool, last: bool, language: str) -> _Unit:
    return _read_units(memo, [piece], first, last, language)[0]


def _read_units(memo: dict, pieces: list[str], first: bool, last: bool, language: str) -> list[_Unit]:
    """The units of `pieces`, each read as it stands in its article (opening it or not, closing
    it or not), all of them at once (numbers.number_chunks_many); each kept in `memo`."""
    lang = base_language(language)
    keys = pieces if last else [piece + _SENTENCE_END for piece in pieces]
    # the unit as it stands in its article: after ". " unless it opens the article
    before = "" if first else _SENTENCE_END
    spans_hint = list(map(_ANY_NEED.search, keys))
    if lang == "en":
        spans_hint = [hint or _EN_TIME.search(key) for hint, key in zip(spans_hint, keys)]
    units = []
    single = _SINGLE_MEMO
    if len(single) > 200_000:
        single.clear()
    for piece, key, found_chunks, hint in zip(pieces, keys, number_chunks_many(keys, language), spans_hint):
        if not found_chunks:
            unit = _Unit((), False, hint is not None, len(key))
        elif len(found_chunks) == 1:            # one stretch, as most sentences have
            at, chunk, found_here = found_chunks[0]
            end = at + len(chunk)
            ahead = key[at - 2:at] if at >= 2 else (before + key[:at])[-2:]
            single_key = (chunk, language, ahead, key[end:end + 4], at)
            got = single.get(single_key)
            if got is None:
                near, (kinds, far, starts, ends) = _near_and_summary(key, at, before, chunk, found_here, language)
                got = single[single_key] = (((at, found_here, near),), far, kinds, tuple(map(at.__add__, starts)),
                                            tuple(map(at.__add__, ends)))
            unit = _Unit(got[0], got[1], hint is not None, len(key), got[2], got[3], got[4])
        else:
            chunks, kinds, starts, ends, far = [], [], [], [], False
            for at, chunk, found_here in found_chunks:
                near, (its_kinds, its_far, its_starts, its_ends) = _near_and_summary(key, at, before, chunk,
                                                                                    found_here, language)
                chunks.append((at, found_here, near))
                kinds.extend(its_kinds)
                starts.extend(map(at.__add__, its_starts))
                ends.extend(map(at.__add__, its_ends))
                far = far or its_far
            unit = _Unit(tuple(chunks), far, hint is not None, len(key), tuple(kinds), tuple(starts), tuple(ends))
        if len(piece) <= _UNIT_KEPT:
            if len(memo) > 50_000:             # bounded: four memos a language, tens of MB at most
                memo.clear()
            memo[piece] = unit
        units.append(unit)
    return units


class _At:
    """A Reading seen at an offset: the positions the classification reads, shifted."""

    __slots__ = ("low", "high", "written_half", "qualifier", "start", "end", "is_range", "vague",
                 "number_start")

    def __init__(self, r: Reading, offset: int):
        self.low, self.high, self.written_half, self.qualifier = r.low, r.high, r.written_half, r.qualifier
        self.start, self.end, self.number_start = r.start + offset, r.end + offset, r.number_start + offset
        self.is_range, self.vague = r.is_range, r.vague


def _mention(text, starts, source_id, start, end, number_start, number_end, low, high, qualifier,
             kind, why, vague, is_range, lang) -> Mention:
    line = bisect.bisect_right(starts, start)
    column = start - starts[line - 1] + 1
    unit = unit_guess(text, number_end, lang) if kind in NEEDS_LOOK else ""
    sign = next((c for c in text[start:number_start] if c in "$€£"), "")
    if sign and kind in NEEDS_LOOK:
        unit = f"{sign} {unit}".strip()          # "$2,000 a month"
    return Mention(source_id, line, column, start, end, text[start:end],
                   text[number_start:number_end], low, high, qualifier, unit, kind, why,
                   vague, is_range and low != high, number_start)


# What a text must hold for each pattern of _PATTERNS to match anywhere in it: a cheap test
# that spares most articles most of the thirteen scans (none changes what a scan finds).
_MONTH_WORD = re.compile(rf"{_MONTH}|{_MONTH_SHORT}")
_NEEDS = {
    "URL": lambda text, lowered: "://" in text or "www." in lowered or _TLD.search(text) is not None,
    "handle": lambda text, lowered: "@" in text,
    "hashtag": lambda text, lowered: "#" in text,
    "ISO date": lambda text, lowered: _ISO_HINT.search(text) is not None,
    "day.month.": lambda text, lowered: _DAY_MONTH_HINT.search(text) is not None,
    "day and month": lambda text, lowered: _MONTH_WORD.search(text) is not None,
    "month and day": lambda text, lowered: _MONTH_WORD.search(text) is not None,
    "years": lambda text, lowered: "-" in text or "/" in text or "–" in text or "—" in text,
    "clock time": lambda text, lowered: "Uhr" in text or ":" in text,
    "thread counter": lambda text, lowered: "|" in text,
}
# Whatever any test of _NEEDS finds ("://" and "www." included), in one search. Every
# alternative begins with a literal character, so that the search skips in C to the places
# where one of those characters stands (a character class or a case-blind first letter would
# make it try every alternative at every place).
_ANY_NEED = re.compile(r"@|#|\||:|/|-|–|—|Uhr|\.\d\d?\.|w(?i:ww)\.|W(?i:ww)\.|" + rf"{_MONTH}|{_MONTH_SHORT}|"
                       + r"\.(?:com|org|net|edu|gov|mil|int|info|io|de|ch|at|uk|fr|ru|ua|kr|kp|eu|us|co|tv)\b")
_TLD = re.compile(r"\.(?:com|org|net|edu|gov|mil|int|info|io|de|ch|at|uk|fr|ru|ua|kr|kp|eu|us|co|tv)\b")
_ISO_HINT = re.compile(r"-\d\d-\d")
_DAY_MONTH_HINT = re.compile(r"\.\d\d?\.")


def _non_claim_spans(text: str, lang: str) -> list[tuple[int, int, str, str]]:
    spans = []
    lowered = text.lower()
    possible: dict[str, bool] = {}
    for kind, why, pattern in _PATTERNS:
        if why == "day.month." and lang != "de":
            continue          # "1.12." is a date in German, a decimal and a full stop in English
        need = "month" if why in ("day and month", "month and day") else why     # one month search
        if need not in possible:
            possible[need] = _NEEDS[why](text, lowered)
        if not possible[need]:
            continue
        for m in pattern.finditer(text):
            if _DIGITS.search(m.group()) and _plausible(why, m.group(), lang):
                spans.append((m.start(), m.end(), kind, why))
    if lang == "en":
        spans.extend((m.start(), m.end(), TIME, "clock time") for m in _EN_TIME.finditer(text))
    return spans


def _plausible(why: str, found: str, lang: str) -> bool:
    """Pattern matches the regex alone cannot rule out."""
    if lang == "de" and why in ("day and month", "month and day"):
        # German writes "2. November"; "im November 12 Soldaten" and "12 Mai-Kundgebungen"
        # are counts, unless an English-style date carries its year ("October 13, 2024")
        has_year = re.search(r"\d{4}$", found) is not None
        if why == "day and month":
            return has_year or re.match(r"\d+\.", found) is not None
        return has_year or re.search(r"\d(?:st|nd|rd|th)\b", found) is not None
    if why == "years":
        first, second = re.split(r"\s?[-–—/]\s?", found)
        if len(second) == 2:
            return int(second) > int(first[2:])          # "2016–17", not "2019-05"
        return int(second) > int(first)
    return True


def _covering_span(spans, n_start: int):
    """The first non-claim span that holds the number of this mention (pattern order wins)."""
    for ix, (s_start, s_end, _, _) in enumerate(spans):
        if s_start <= n_start < s_end:
            return ix
    return None


def _classify(text: str, r: Reading, lang: str) -> tuple[str, str]:
    """Claim, or why not: a year, an ordinal, a number inside a name."""
    near = _classify_near(text, r)
    return near if near is not None else _classify_far(text, r, lang)


def _classify_near(text: str, r, shift: int = 0) -> tuple[str, str] | None:
    """What the mention itself, the two characters before its number and the four after it
    decide; None where a year, an ordinal or a quoted title needs the words around it. `shift`:
    where the text the mention's positions count from begins in `text`."""
    number_start, end = r.number_start + shift, r.end + shift
    number = text[number_start:end]
    if r.vague or not number[:1].isdigit():
        return CLAIM, ""
    before = text[number_start - 1] if number_start > 0 else ""
    if before.isalpha() or before == "_":
        return NAME, "glued to letters"
    if before in "-/" and number_start > 1 and text[number_start - 2].isalpha():
        return NAME, "after a word and a hyphen"
    # the number token itself (a range or scale word may follow it)
    token = _NUMBER_TOKEN.match(number).group()
    token_end = number_start + len(token)
    suffix = _WORD.match(text, token_end) if token_end < len(text) else None
    if suffix and suffix.start() == token_end:
        glued = suffix.group().lower()
        if glued in DECADE_SUFFIXES and token.isdigit() and len(token) in (2, 4):
            return YEAR, "decade"
        if glued in ORDINAL_SUFFIXES and token.isdigit():
            return ORDINAL, "ordinal suffix"
        if glued not in GLUED_UNITS and not (end > token_end):
            return NAME, "glued to letters"
    if r.qualifier == "exact" and not r.is_range and _QUOTE_AFTER.match(text, end, end + 4):
        return None                     # a quoted title? (_quoted_title looks back)
    plain = token.isdigit() and r.qualifier == "exact"
    if plain and len(token) == 4:
        return None                     # a year? (_is_year reads the words around)
    if plain and len(token) <= 3 and not r.is_range and end == token_end \
            and text[token_end:token_end + 1] == ".":
        return None                     # an ordinal? (_is_ordinal reads the words around)
    return CLAIM, ""


def _classify_far(text: str, r, lang: str) -> tuple[str, str]:
    """The rest of _classify, for what _classify_near leaves open."""
    number = text[r.number_start:r.end]
    token = _NUMBER_TOKEN.match(number).group()
    token_end = r.number_start + len(token)
    if _quoted_title(text, r):
        return NAME, "in a quoted title"
    plain = token.isdigit() and r.qualifier == "exact"
    if plain and len(token) == 4 and _is_year(text, r, lang):
        return YEAR, "year"
    if plain and len(token) <= 3 and not r.is_range and _is_ordinal(text, r, token_end):
        return ORDINAL, "ordinal"
    return CLAIM, ""


# (stretch, language, two characters before it, four after it) → what _classify_near says of
# each of its mentions: the same stretch in the same surroundings is classified once.
_NEAR_MEMO: dict[tuple, tuple] = {}


def _near_kinds(text: str, offset: int, chunk: str, found: tuple, language: str) -> tuple:
    end = offset + len(chunk)
    before, after = text[max(0, offset - 2):offset], text[end:end + 4]
    key = (chunk, language, before, after)
    got = _NEAR_MEMO.get(key)
    if got is None:
        if len(_NEAR_MEMO) > 200_000:
            _NEAR_MEMO.clear()
        window, shift = before + chunk + after, len(before)
        got = _NEAR_MEMO[key] = tuple(_classify_near(window, r, shift) if isinstance(r, Reading) else None
                                      for r in found)
    return got


# the same key → (near kinds, _chunk_summary of the stretch)
_SUMMARY_MEMO: dict[tuple, tuple] = {}
# the same key and where the stretch begins in a unit that holds only it → that unit's stretches,
# whether the words around decide a kind, its kinds, where its claims' numbers begin and end
_SINGLE_MEMO: dict[tuple, tuple] = {}


def _near_and_summary(key: str, at: int, before: str, chunk: str, found: tuple, language: str) -> tuple:
    """_near_kinds of the stretch `chunk` at `at` in the unit `key`, which stands after `before`
    in its article, and the _chunk_summary of its mentions."""
    end = at + len(chunk)
    ahead = (before + key[max(0, at - 2):at])[-2:]
    memo_key = (chunk, language, ahead, key[end:end + 4])
    got = _SUMMARY_MEMO.get(memo_key)
    if got is None:
        if len(_SUMMARY_MEMO) > 200_000:
            _SUMMARY_MEMO.clear()
        # what _near_kinds(before + key, at + len(before), ...) gives, without joining the unit
        # to what stands before it, nor a second memo under the same key
        window = ahead + chunk + key[end:end + 4]
        near = tuple(_classify_near(window, r, len(ahead)) if isinstance(r, Reading) else None for r in found)
        got = _SUMMARY_MEMO[memo_key] = (near, _chunk_summary(found, near))
    return got


def _word_before(text: str, pos: int) -> str:
    m = re.search(r"([^\W\d_]+)\.?\s*$", text[max(0, pos - 40):pos])
    return m.group(1).lower() if m else ""


def _word_after(text: str, pos: int) -> tuple[str, str]:
    """(the word after pos on the same line, the characters between)."""
    m = re.match(r"([^\S\n]*)([^\W\d_]+)", text[pos:pos + 60])
    return (m.group(2), m.group(1)) if m else ("", "")


def _is_year(text: str, r: Reading, lang: str) -> bool:
    lo, hi = r.low, r.high
    if not (1800 <= lo <= 2100 and 1800 <= hi <= 2100) or r.written_half:
        return False
    if r.end < len(text) and text[r.end] in ".,'’" and text[r.end + 1:r.end + 2].isdigit():
        return False
    if _word_before(text, r.number_start) in YEAR_CUES:
        return True
    word, gap = _word_after(text, r.end)
    if not word or not gap:
        return True
    if word.lower() in MONTH_WORDS:
        return True
    if lang == "de":
        return not word[0].isupper()          # German nouns are capitalised: "2000 Soldaten"
    return word[0].isupper() or word.lower() in EN_AFTER_YEAR


def _is_ordinal(text: str, r: Reading, token_end: int) -> bool:
    if r.end != token_end or text[token_end:token_end + 1] != ".":
        return False
    word, gap = _word_after(text, token_end + 1)
    if not word or not gap:
        return False
    return word[0].islower() or _word_before(text, r.number_start) in DETERMINERS


def _quoted_title(text: str, r: Reading) -> bool:
    """“France 24”, «Apollo 11»: capitalised words and a number closing a short quotation."""
    if r.qualifier != "exact" or r.is_range:
        return False
    after = _QUOTE_AFTER.match(text, r.end, r.end + 4)
    if not after:
        return False
    head = text[max(0, r.start - 60):r.start]
    opening = max(head.rfind(q) for q in _QUOTE_CHARS)
    if opening < 0 or "\n" in head[opening:]:
        return False
    inside = head[opening + 1:]
    words = inside.split()
    return (0 < len(words) <= 4 and all(_WORD.fullmatch(w) and w[0].isupper() for w in words)
            and inside.endswith(" "))


# --- the noun after the number -----------------------------------------------------------------

_PER = {"de": ("pro", "je", "im", "am"), "en": ("per", "a", "each", "every")}
_PRONOUNS = frozenset({"them", "us", "you", "whom", "him", "me", "one", "ones"})
CURRENCY_SIGNS = {"$": "USD", "€": "EUR"}
_SKIP_BEFORE_NOUN = {"de": frozenset({"von", "unserer", "seiner", "ihrer", "der", "des"}),
                     "en": frozenset({"of", "the", "our", "their", "his", "her", "its"})}


def unit_guess(text: str, pos: int, lang: str) -> str:
    """The noun after a number, as a hint: "Soldaten", "Granaten pro Jahr", "sekündige"."""
    compound = re.match(r"-([^\W\d_]+)", text[pos:pos + 40])
    if compound:
        return compound.group(1)              # "44-sekündige Video": the unit is in the compound
    if re.match(r"[^\S\n]?%", text[pos:pos + 2]):
        return "%"
    words = re.findall(r"[^\S\n]+([^\W\d_]+)|([^\s\w])", text[pos:pos + 120])[:6]
    tokens = [w or p for w, p in words]
    noun, k = "", 0
    while k < len(tokens) and k < 4:
        t = tokens[k]
        if t in _QUOTE_CHARS:
            k += 1                              # „3.000“ Soldaten
            continue
        if not _WORD.fullmatch(t):
            break                               # punctuation ends the phrase
        if t.lower() in _PER[lang]:
            break
        if lang == "de":
            if t[0].isupper():
                noun = t
                # a genitive before its noun: "von Kims Soldaten"
                if (t.endswith("s") and k + 1 < len(tokens) and _WORD.fullmatch(tokens[k + 1])
                        and tokens[k + 1][0].isupper()):
                    noun, k = tokens[k + 1], k + 1
                k += 1
                break
        elif t.lower() in EN_AFTER_YEAR or t.lower() in _PRONOUNS:
            break                               # "300,000 in 2023", "two thirds of them"
        elif t.lower() not in _SKIP_BEFORE_NOUN["en"]:
            noun = t
            if k + 1 < len(tokens) and _WORD.fullmatch(tokens[k + 1]) and tokens[k + 1].endswith("s") \
                    and tokens[k + 1].lower() not in EN_AFTER_YEAR:
                noun, k = tokens[k + 1], k + 1    # "artillery shells"
            k += 1
            break
        k += 1
    if k + 1 < len(tokens) and tokens[k].lower() in _PER[lang] and _WORD.fullmatch(tokens[k + 1]) \
            and (lang != "de" or tokens[k + 1][0].isupper()):
        per = f"{tokens[k]} {tokens[k + 1]}"
        return f"{noun} {per}" if noun else per
    return noun


# Unit guesses → pint units of figcheck's registry (figcheck/units.txt), matched on word endings.
UNIT_ENDINGS = (
    ("soldaten", "soldier"), ("soldat", "soldier"), ("kämpfer", "soldier"), ("soldiers", "soldier"),
    ("troops", "soldier"), ("granaten", "shell"), ("granate", "shell"), ("geschosse", "shell"),
    ("shells", "shell"), ("raketen", "missile"), ("missiles", "missile"), ("menschen", "person"),
    ("personen", "person"), ("zivilisten", "person"), ("toten", "person"), ("tote", "person"),
    ("people", "person"), ("männer", "person"), ("frauen", "person"), ("kinder", "person"),
    ("dollar", "USD"), ("dollars", "USD"), ("euro", "EUR"), ("prozent", "percent"),
    ("percent", "percent"), ("%", "percent"), ("$", "USD"), ("€", "EUR"), ("jahre", "year"), ("jahren", "year"), ("jahr", "year"), ("years", "year"),
    ("monate", "month"), ("monaten", "month"), ("months", "month"), ("wochen", "week"), ("weeks", "week"),
    ("tage", "day"), ("tagen", "day"), ("days", "day"), ("stunden", "hour"), ("hours", "hour"),
    ("minuten", "minute"), ("minutes", "minute"), ("sekunden", "second"), ("sekündig", "second"),
    ("sekündige", "second"), ("seconds", "second"),
)
PER_UNITS = {"jahr": "year", "year": "year", "tag": "day", "day": "day", "monat": "month",
             "month": "month", "woche": "week", "week": "week"}


def pint_unit_guess(guess: str) -> str:
    """"Granaten pro Jahr" → "shell/year", "Soldaten" → "soldier"; "" when the words give none."""
    words = guess.split()
    per = ""
    if len(words) >= 2 and words[-2].lower() in _PER["de"] + _PER["en"]:
        per = PER_UNITS.get(words[-1].lower(), "")
        words = words[:-2]
    unit = ""
    if words:
        low = words[0].lower()
        unit = next((name for ending, name in UNIT_ENDINGS if low.endswith(ending)), "")
    return f"{unit or 'TODO'}/{per}" if per else unit


# --- locating quotes --------------------------------------------------------------------------

def locate(quote: str, text: str) -> list[tuple[int, int]]:
    """Every place `quote` stands in `text`, matched as the provenance rules match it
    (figcheck.quotes: whitespace, hyphenation, quote marks and dashes do not count). A quote
    found verbatim is taken at its verbatim places only."""
    from .quotes import normalise

    if quote and quote in text:
        # verbatim, as most quotes are: no need to normalise the whole article
        found, at = [], text.find(quote)
        while at >= 0:
            found.append((at, at + len(quote)))
            at = text.find(quote, at + 1)
        return found
    norm_text, where = normalise(text)
    needle, _ = normalise(quote)
    if not needle:
        return []
    found, at = [], norm_text.find(needle)
    while at >= 0:
        found.append((where[at], where[at + len(needle) - 1] + 1))
        at = norm_text.find(needle, at + 1)
    return found


# --- coverage -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Covered:
    mention: Mention
    status: str = ""          # encoded | skipped | open; "" for mentions that are not claims
    by: str = ""              # the figure id, or the skip's file:line


@dataclass
class SourceCoverage:
    source: str
    entries: list[Covered] = field(default_factory=list)
    unmatched_skips: list = field(default_factory=list)   # skips whose quote is not in the text
    idle_skips: list = field(default_factory=list)        # skips whose quote holds no claim

    def count(self, status: str) -> int:
        return sum(1 for e in self.entries if e.status == status)

    @property
    def claims(self) -> int:
        return sum(1 for e in self.entries if e.status)

    @property
    def open(self) -> list[Covered]:
        return [e for e in self.entries if e.status == OPEN]

    def kinds(self) -> dict[str, int]:
        return dict(Counter(e.mention.kind for e in self.entries))

    def to_json(self) -> dict:
        return {"claims": self.claims, "encoded": self.count(ENCODED), "skipped": self.count(SKIPPED),
                "open": self.count(OPEN), "kinds": self.kinds(),
                "unmatched_skips": [str(s.where) for s in self.unmatched_skips],
                "idle_skips": [str(s.where) for s in self.idle_skips]}


def source_coverage(source, figures, skips) -> SourceCoverage:
    """Match the claims of one source to its figures' quotes, then to its skips' quotes."""
    found = mentions(source)
    spans = [(m.start, m.end, m.number_start, m.end, m.low, m.high, m.qualifier, m.kind, m.why, m.vague,
              m.is_range) for m in found]
    status, unmatched, idle, _ = _match(source.text, spans,
                                     ((f.id, f.quote, f.low, f.high, None, None) for f in figures), skips)
    result = SourceCoverage(source.id, unmatched_skips=unmatched, idle_skips=idle)
    for i, m in enumerate(found):
        st, by = status.get(i, (OPEN, "")) if m.needs_look else ("", "")
        result.entries.append(Covered(m, st, by))
    return result


def _match(text: str, raw: list[tuple], figures, skips) -> tuple[dict[int, tuple[str, str]], list, list, list]:
    """(status of each covered claim by its position in `raw`, skips not in the text, skips
    holding no claim, the positions of the claims). `figures`: (id, quote, low, high, first and
    second verbatim place of the quote or None) in file order; the first figure (then the first
    skip) whose quote holds a claim covers it."""
    claims = [i for i, m in enumerate(raw) if m[RAW_KIND] in NEEDS_LOOK]
    numbers = [raw[i][RAW_NUMBER_START] for i in claims]      # increasing: mentions never overlap
    status: dict[int, tuple[str, str]] = {}

    def inside(q_start, q_end):
        k = bisect.bisect_left(numbers, q_start)
        out = []
        while k < len(numbers) and numbers[k] < q_end:
            if raw[claims[k]][RAW_END] <= q_end:
                out.append(claims[k])
            k += 1
        return out

    n = len(numbers)
    for fid, quote, low, high, at, again in figures:
        if at is None:
            at = text.find(quote) if quote else -1
            again = text.find(quote, at + 1) if at >= 0 else -1
        if at >= 0:
            # verbatim, as nearly every quote is (locate's fast path, without its list)
            end = at + len(quote)
            if again < 0:
                k = bisect.bisect_left(numbers, at)
                if k == n or numbers[k] >= end:
                    continue                                    # one place, no claim in it
                if k + 1 == n or numbers[k + 1] >= end:         # one place, one claim: no choice
                    if raw[claims[k]][RAW_END] <= end and claims[k] not in status:
                        status[claims[k]] = (ENCODED, fid)
                    continue
            places = []
            while at >= 0:
                places.append((at, at + len(quote)))
                at = text.find(quote, at + 1)
        else:
            places = locate(quote, text)
        for q_start, q_end in places:
            held = inside(q_start, q_end)
            if len(held) > 1:
                # a quote with several numbers encodes those whose value it states
                held = [i for i in held if _agrees_raw(raw[i], low, high)]
            for i in held:
                status.setdefault(i, (ENCODED, fid))
    unmatched, idle = [], []
    for skip in skips:
        places = locate(skip.quote, text)
        if not places:
            unmatched.append(skip)
            continue
        used = False
        for q_start, q_end in places:
            for i in inside(q_start, q_end):
                used = True
                status.setdefault(i, (SKIPPED, str(skip.where)))
        if not used:
            idle.append(skip)
    return status, unmatched, idle, claims


def _agrees_raw(m: tuple, low: float, high: float) -> bool:
    if m[4] is None or m[9]:
        return False
    return any(math.isclose(v, w, rel_tol=1e-9, abs_tol=1e-12) for v in (m[4], m[5]) for w in (low, high))


def _agrees(m: Mention, fig) -> bool:
    if m.low is None or m.vague:
        return False
    return any(math.isclose(v, w, rel_tol=1e-9, abs_tol=1e-12)
               for v in (m.low, m.high) for w in (fig.low, fig.high))


class CountedCoverage(SourceCoverage):
    """The coverage of one source as counts and its open entries: what `figcheck check` shows.
    Every entry (a Mention each) is built only when asked for (`figcheck extract`, tests)."""

    def __init__(self, source_id: str, tally: Counter, kinds: Counter, open_entries: list,
                 unmatched: list, idle: list, build):
        self.source = source_id
        self.unmatched_skips, self.idle_skips = unmatched, idle
        self._tally, self._kinds, self._open, self._build = tally, kinds, open_entries, build
        self._entries = None

    @property
    def entries(self) -> list[Covered]:
        if self._entries is None:
            self._entries = self._build()
        return self._entries

    def count(self, status: str) -> int:
        return self._tally.get(status, 0)

    @property
    def claims(self) -> int:
        return sum(self._tally.values())

    @property
    def open(self) -> list[Covered]:
        return list(self._open)

    def kinds(self) -> dict[str, int]:
        return dict(self._kinds)

    def to_json(self) -> dict:
        tally = self._tally
        return {"claims": sum(tally.values()), "encoded": tally.get(ENCODED, 0),
                "skipped": tally.get(SKIPPED, 0), "open": tally.get(OPEN, 0), "kinds": dict(self._kinds),
                "unmatched_skips": [str(s.where) for s in self.unmatched_skips],
                "idle_skips": [str(s.where) for s in self.idle_skips]}


def counted_coverage(source, figures: list[tuple], skips, build) -> CountedCoverage:
    """source_coverage, counted: `figures` as _match takes them; `build()` gives the entries."""
    text = source.text
    kinds, numbers, ends, claims = _claims_of(text, source.language)
    status, unmatched, idle = _count_matches(text, numbers, ends, claims, figures, skips)
    return _counted(source, kinds, status, claims, unmatched, idle, build)


def _claims_of(text: str, language: str):
    """(the kinds of the text's mentions, counted in text order; where each claim's number
    begins; where each claim ends; a function giving the claims' tuples, made when asked)."""
    units, offsets, raw = _reading(text, language)
    if raw is None:
        kinds = Counter(itertools.chain.from_iterable(map(_KINDS, units)))
        numbers = [off + n for off, u in zip(offsets, units) for n in u.claim_starts]
        ends = [off + e for off, u in zip(offsets, units) for e in u.claim_ends]
        claim_raws = None

        def claims():
            nonlocal claim_raws
            if claim_raws is None:
                claim_raws = [m for m in _unit_raws(units, offsets) if m[RAW_KIND] in NEEDS_LOOK]
            return claim_raws
    else:
        kinds = Counter(map(_KIND_OF, raw))
        claim_raws = [m for m in raw if m[RAW_KIND] in NEEDS_LOOK]
        numbers, ends = [m[RAW_NUMBER_START] for m in claim_raws], [m[RAW_END] for m in claim_raws]

        def claims():
            return claim_raws
    return kinds, numbers, ends, claims


def _counted(source, kinds: Counter, status, claims, unmatched, idle, build, tally_counts=None) -> CountedCoverage:
    """The CountedCoverage of one source from the status of its claims (0 open, 1 encoded, 2
    skipped; a bytearray, or anything with .tolist()), or from `tally_counts` (encoded, skipped,
    open) counted already, the status then read only where a claim is open."""
    if tally_counts is None:
        encoded, skipped = status.count(1), status.count(2)
        tally_counts = (encoded, skipped, len(status) - encoded - skipped)
    tally = Counter()
    for key, n in zip((ENCODED, SKIPPED, OPEN), tally_counts):
        if n:
            tally[key] = n
    open_entries = []
    if tally_counts[2]:
        text = source.text
        lang, starts, found = base_language(source.language), line_starts(text), claims()
        if not isinstance(status, bytearray):
            status = status.tolist()
        open_entries = [Covered(_mention(text, starts, source.id, *found[k], lang), OPEN, "")
                        for k, st in enumerate(status) if not st]
    return CountedCoverage(source.id, tally, kinds, open_entries, unmatched, idle, build)


def _count_matches(text: str, numbers: list[int], ends: list[int], claims, figures, skips, status=None
                   ) -> tuple[bytearray, list, list]:
    """_match, for counting: (for each claim, 0 open, 1 encoded or 2 skipped; skips not in the
    text; skips holding no claim). `numbers` and `ends`: where each claim's number begins and
    where the claim ends, in text order; `claims()` the claims' tuples (asked for only where a
    quote holds several). A claim is encoded when any figure's quote holds it (the first
    figure is the one _match names), else skipped when any skip's quote holds it."""
    n = len(numbers)
    status = bytearray(n) if status is None else status       # claims already encoded, if any
    bisect_left = bisect.bisect_left

    def inside(q_start, q_end):
        k = bisect_left(numbers, q_start)
        out = []
        while k < n and numbers[k] < q_end:
            if ends[k] <= q_end:
                out.append(k)
            k += 1
        return out

    for _, quote, low, high, at, again in figures:
        if at is None:
            at = text.find(quote) if quote else -1
            again = text.find(quote, at + 1) if at >= 0 else -1
        if at >= 0:
            # verbatim, as nearly every quote is (locate's fast path, without its list)
            end = at + len(quote)
            if again < 0:
                k = bisect_left(numbers, at)
                if k == n or numbers[k] >= end:
                    continue                                    # one place, no claim in it
                if k + 1 == n or numbers[k + 1] >= end:         # one place, one claim: no choice
                    if ends[k] <= end:
                        status[k] = 1
                    continue
            places = []
            while at >= 0:
                places.append((at, at + len(quote)))
                at = text.find(quote, at + 1)
        else:
            places = locate(quote, text)
        for q_start, q_end in places:
            held = inside(q_start, q_end)
            if len(held) > 1:
                # a quote with several numbers encodes those whose value it states
                held = [k for k in held if _agrees_raw(claims()[k], low, high)]
            for k in held:
                status[k] = 1
    unmatched, idle = [], []
    for skip in skips:
        places = locate(skip.quote, text)
        if not places:
            unmatched.append(skip)
            continue
        used = False
        for q_start, q_end in places:
            for k in inside(q_start, q_end):
                used = True
                if not status[k]:
                    status[k] = 2
        if not used:
            idle.append(skip)
    return status, unmatched, idle


COVERAGE_RULE = "P004"


def coverage_of(result) -> dict[str, SourceCoverage] | None:
    """The coverage of a check run, or None when its rule was not selected (`--ignore P004`
    skips reading every source text, which a very large archive may want)."""
    if not result.corpus.sources or not any(r.code == COVERAGE_RULE for r in result.rules):
        return None
    return corpus_coverage(result.corpus)


_COVERAGE_CACHE: list[tuple[object, dict]] = []


def corpus_coverage(corpus) -> dict[str, SourceCoverage]:
    """Coverage of every source of the corpus, by source id (computed once per corpus)."""
    for seen, result in _COVERAGE_CACHE:
        if seen is corpus:
            return result
    with collector_paused():
        result = _counted_coverages(corpus)
    _COVERAGE_CACHE.append((corpus, result))
    del _COVERAGE_CACHE[:-4]
    return result


def forget(corpus) -> None:
    """Drop everything kept for `corpus` (a part of a corpus the text worker has read)."""
    _COVERAGE_CACHE[:] = [(seen, result) for seen, result in _COVERAGE_CACHE if seen is not corpus]
    for kept in (coverage_columns, quote_places, _sentences, quote_codes, _row_sources):
        kept.forget(corpus)


def adopt(corpus, parts: dict) -> None:
    """Keep the coverage a worker process computed (figcheck.prefetch) as the corpus's coverage."""
    _COVERAGE_CACHE.append((corpus, _from_parts(corpus, parts)))
    del _COVERAGE_CACHE[:-4]


def _from_parts(corpus, parts: dict) -> dict[str, SourceCoverage]:
    """The coverage of a worker, with its entries built on demand."""
    skips, skips_of = corpus.skips, _skips_by_source(corpus)
    source_ids = list(parts)
    # each figure's source among these, worked out only if some entries are asked for (a pass
    # over every figure's source, once the worker is done: on the way to the output)
    builder = _EntryBuilder(corpus, lambda: _source_positions(_source_column(corpus), source_ids), len(source_ids))
    result = {}
    for i, (sid, (tally, kinds, open_entries, unmatched, idle)) in enumerate(parts.items()):
        its_skips = skips_of.get(sid, ())
        result[sid] = CountedCoverage(sid, tally, kinds, open_entries, [skips[k] for k in unmatched],
                                      [skips[k] for k in idle],
                                      builder.entries(corpus.sources[sid], i, its_skips))
    return result


def _skips_by_source(corpus) -> dict[str, list]:
    out: dict[str, list] = {}
    for skip in corpus.skips:
        out.setdefault(skip.source, []).append(skip)
    return out


class _EntryBuilder:
    """Every entry of a source (`figcheck extract`), built when asked for from the source's
    figures in file order; the figures are grouped by source once, on the first call.
    `row_source`: each figure's source as its position, or a function that gives them."""

    def __init__(self, corpus, row_source, n_sources: int):
        self.corpus, self.row_source, self.n_sources = corpus, row_source, n_sources
        self._grouped = None

    def rows_of(self, i: int) -> list[int]:
        """The rows of the figures of source i, in frame order."""
        if self._grouped is None:
            row_source = self.row_source() if callable(self.row_source) else self.row_source
            order = np.argsort(row_source, kind="stable")
            self._grouped = order, np.searchsorted(row_source[order], np.arange(self.n_sources + 1)).tolist()
        order, bounds = self._grouped
        return order[bounds[i]:bounds[i + 1]].tolist()

    def entries(self, src, i: int, its_skips):
        return lambda: source_coverage(src, records_at(self.corpus.figures, self.rows_of(i)), its_skips).entries


def row_ids(items, rows) -> list:
    """The ids of the rows `rows` (positions in frame order) of corpus.figures or
    corpus.relations. A part of a corpus (figcheck.prefetch) takes them from the whole corpus's
    frame when asked: the rules ask only for the rows they name, so that a forked worker never
    touches (and copies the pages of) the ids of the others."""
    ids_at = getattr(items, "ids_at", None)
    if ids_at is not None:
        return ids_at(rows)
    df = getattr(items, "df", None)
    if df is not None:
        from .frames import cells

        return cells(df["id"])[np.asarray(rows, dtype=np.int64)].tolist()
    values = list(items.values())
    return [values[r].id for r in rows]


def records_at(items, rows) -> list:
    """The records (Figure, Relation) of the rows `rows` of corpus.figures or corpus.relations."""
    if getattr(items, "df", None) is not None:
        return [items.record(int(r)) for r in rows]
    values = list(items.values())
    return [values[r] for r in rows]


class CoverageColumns:
    """The coverage of every source of a corpus, in source order, in few objects: what a
    CountedCoverage per source holds, made only for the sources that need more than counts.

    counts: (sources, 3) integers: claims encoded, skipped, open.
    kind_codes, kinds: each source's kinds of mention counted, as a number into `kinds`, whose
      entries are ((kind, count), ...) in the order the kinds first appear in the text (an
      archive's sources share a few hundred).
    open: {source position: its open claims (Covered)}, for the sources that have any.
    unmatched, idle: {source position: its skips not in its text / holding no claim}.
    entries(i): a function building every entry of source i (figcheck extract)."""

    __slots__ = ("counts", "kind_codes", "kinds", "open", "unmatched", "idle", "entries")

    def __init__(self, counts, kind_codes, kinds, open_entries, unmatched, idle, entries):
        self.counts, self.kind_codes, self.kinds = counts, kind_codes, kinds
        self.open, self.unmatched, self.idle, self.entries = open_entries, unmatched, idle, entries


@per_corpus()
def coverage_columns(corpus) -> CoverageColumns:
    """The coverage of every source of the corpus (computed once per corpus)."""
    with collector_paused():
        return _coverage_columns(corpus)


def _counted_coverages(corpus) -> dict[str, CountedCoverage]:
    """counted_coverage for every source, from coverage_columns. Sources with the same counts
    or kinds share one (read-only) Counter of them."""
    columns = coverage_columns(corpus)
    skips = _skips_by_source(corpus)
    kinds = [Counter(dict(entry)) for entry in columns.kinds]
    tallies: dict[tuple, Counter] = {}
    nothing: list = []
    result = {}
    for i, ((sid, src), row, code) in enumerate(zip(corpus.sources.items(), columns.counts.tolist(),
                                                    columns.kind_codes.tolist())):
        key = tuple(row)
        tally = tallies.get(key)
        if tally is None:
            tally = tallies[key] = Counter({name: n for name, n in zip((ENCODED, SKIPPED, OPEN), row) if n})
        result[sid] = CountedCoverage(sid, tally, kinds[code], columns.open.get(i, nothing),
                                      columns.unmatched.get(i, []), columns.idle.get(i, []),
                                      columns.entries(src, i, skips.get(sid, ())))
    return result


def _verbatim_places(sources, quotes, at, again, row_source, verbatim) -> tuple[np.ndarray, np.ndarray]:
    """(figure, place) for every place where the quote of a figure in `verbatim` stands in its
    source's text, as _count_matches finds them (each search from one character after the
    last place): the first and second places known (quote_places), the further ones of the few
    quotes standing there a third time searched here."""
    rows = np.flatnonzero(verbatim)
    twice = np.flatnonzero(verbatim & (again >= 0))
    more_rows, more_places = [], []
    if len(twice):
        texts = _Texts([src for _, src in sources])
        for row, quote, place, t in zip(twice.tolist(), quotes[twice].tolist(), again[twice].tolist(),
                                        row_source[twice].tolist()):
            text = texts[t]
            place = text.find(quote, place + 1)
            while place >= 0:
                more_rows.append(row)
                more_places.append(place)
                place = text.find(quote, place + 1)
    return (np.concatenate([rows, twice, np.array(more_rows, dtype=np.int64)]),
            np.concatenate([at[rows], again[twice], np.array(more_places, dtype=np.int64)]))


def _coverage_columns(corpus) -> CoverageColumns:
    """Every place where a figure's quote stands verbatim holding at most one claim (nearly
    all) matched for the whole corpus at once: every text laid after the one before it, every
    claim and quote at its place on that one line. The figures with a place holding several
    claims or none verbatim, and the skips, are matched source by source (_count_matches), and
    open claims made into entries only where there are any."""
    sources = list(corpus.sources.items())
    n_sources = len(sources)
    (quotes, lows, highs, at, again), row_source = _figure_columns(corpus)
    skips = _skips_by_source(corpus)
    kind_codes, kinds_table, counts, numbers, ends, claims_of = _corpus_claims(corpus)
    claim_base = np.concatenate([[0], np.cumsum(counts)]).tolist()
    total = claim_base[-1]
    text_base = np.concatenate([[0], text_lengths([src for _, src in sources])[:-1] + 1]).astype(np.int64)
    text_base = text_base[:n_sources].cumsum()
    # (in place, and each array dropped once read: these are the text worker's largest at once)
    line_base = np.repeat(text_base, counts)
    numbers += line_base                    # _corpus_claims's own arrays
    ends += line_base
    del line_base
    status = np.zeros(total, dtype=np.uint8)

    known = row_source >= 0                 # figures of no source of the corpus count nowhere
    verbatim = known & (at >= 0)
    rows, places = _verbatim_places(sources, quotes, at, again, row_source, verbatim)
    several = np.zeros(0, dtype=np.int64)
    if total and len(rows):
        start = places + text_base[row_source[rows]]
        del places
        # in the order of their places: the search then reads `numbers` front to back (random
        # look-ups into a million claims miss the cache at nearly every step)
        by_place = sentences.stable_order(start)
        rows, start = rows[by_place], start[by_place]
        del by_place
        end = _quote_lengths(corpus, quotes)[rows]
        end += start
        first = np.searchsorted(numbers, start)
        del start
        holds = first < total
        np.minimum(first, total - 1, out=first)
        holds &= numbers[first] < end
        # the claim after the first (read only where the first is held: there first < total)
        after = first + 1
        alone = after >= total
        np.minimum(after, total - 1, out=after)
        alone |= numbers[after] >= end
        del after
        status[first[holds & alone & (ends[first] <= end)]] = 1          # a place with one claim
        several = rows[holds & ~alone]                                      # a place with several claims
        del rows, end, first, holds, alone
    rest = np.union1d(np.flatnonzero(known & ~verbatim), several)
    # the other figures grouped by source (in frame order within one), their columns read once
    rest = rest[np.argsort(row_source[rest], kind="stable")]
    rest_sources = row_source[rest]
    rest_from = np.flatnonzero(np.diff(rest_sources, prepend=-2))
    rest_of = dict(zip(rest_sources[rest_from].tolist(),
                       zip(rest_from.tolist(), np.append(rest_from[1:], len(rest)).tolist())))
    # (the figure's id is not read by _count_matches: None)
    rest_columns = [[None] * len(rest)] + [column[rest].tolist() for column in (quotes, lows, highs, at, again)]

    # the claims of each source counted by status at once, for the sources matched in full above
    claim_text = np.repeat(np.arange(n_sources), counts)
    n_encoded = np.bincount(claim_text[status == 1], minlength=n_sources)
    tallies = np.zeros((n_sources, 3), dtype=np.int64)
    tallies[:, 0] = n_encoded
    tallies[:, 2] = counts - n_encoded

    careful = set(rest_of)
    if skips:
        careful.update(i for i, (sid, _) in enumerate(sources) if sid in skips)
    statuses, claims_asked, unmatched_of, idle_of = {}, {}, {}, {}
    for i in sorted(careful):
        sid, src = sources[i]
        its_status = bytearray(status[claim_base[i]:claim_base[i + 1]])
        base = int(text_base[i])
        its_numbers = (numbers[claim_base[i]:claim_base[i + 1]] - base).tolist()
        its_ends = (ends[claim_base[i]:claim_base[i + 1]] - base).tolist()
        a, b = rest_of.get(i, (0, 0))
        figures = zip(*(column[a:b] for column in rest_columns))
        claims = claims_asked[i] = claims_of[i]
        its_status, unmatched, idle = _count_matches(src.text, its_numbers, its_ends, claims, figures,
                                                     skips.get(sid, ()), its_status)
        encoded, skipped = its_status.count(1), its_status.count(2)
        tallies[i] = (encoded, skipped, len(its_status) - encoded - skipped)
        statuses[i] = its_status
        if unmatched:
            unmatched_of[i] = unmatched
        if idle:
            idle_of[i] = idle
    open_of = {}
    for i in np.flatnonzero(tallies[:, 2]).tolist():
        sid, src = sources[i]
        its_status = statuses.get(i)
        if its_status is None:
            its_status = status[claim_base[i]:claim_base[i + 1]].tolist()
        text, found = src.text, (claims_asked.get(i) or claims_of[i])()
        lang, starts = base_language(src.language), line_starts(text)
        open_of[i] = [Covered(_mention(text, starts, sid, *found[k], lang), OPEN, "")
                      for k, st in enumerate(its_status) if not st]
    builder = _EntryBuilder(corpus, row_source, n_sources)
    return CoverageColumns(tallies, kind_codes, kinds_table, open_of, unmatched_of, idle_of, builder.entries)


def _quote_lengths(corpus, quotes: np.ndarray) -> np.ndarray:
    """The length of each figure's quote (a string each: the quotes of figures placed)."""
    coded = quote_codes(corpus)
    if coded is None:
        return np.fromiter((len(q) if isinstance(q, str) else 0 for q in quotes.tolist()), np.int64, len(quotes))
    codes, distinct = coded
    if set(map(type, distinct)) <= {str}:        # nearly always: every quote a string
        lengths = np.fromiter(map(len, distinct), np.int64, len(distinct))
    else:
        lengths = np.fromiter((len(q) if isinstance(q, str) else 0 for q in distinct), np.int64, len(distinct))
    return np.append(lengths, 0)[codes]


def _corpus_claims(corpus) -> tuple[np.ndarray, list[tuple], np.ndarray, np.ndarray, np.ndarray, "_Claims"]:
    """_claims_of for every source text, in source order: (the kinds of each text's mentions,
    counted in text order, as a number into a table of distinct countings (see _kinds_of_texts),
    and the table; how many claims each text has; where each claim's number begins and where
    it ends, in its text, text after text; for each text, a function giving its claims' tuples).

    Each distinct sentence in each of its four places (inside an article, opening it, closing
    it, the whole of it) is read once (the unit memos); a text whose units all stand on their
    own (no sentence ending in an active word, none that may hold a non-claim span, none whose
    words around decide a kind) is then put together from its units' counts in numpy. The
    others are read by _claims_of."""
    sources = list(corpus.sources.values())
    table = _sentences(corpus)
    n_texts, n_sentences = len(sources), len(table.code)
    if n_texts == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, [], empty, empty, empty, _Claims(None, {})
    last = table.first + table.counts - 1
    place = np.zeros(n_sentences, dtype=np.int64)           # the memo: inside 0, opening 1, closing 2, whole 3
    place[table.first] += 1
    place[last] += 2
    languages = [src.language for src in sources]
    units: list[_Unit] = []
    unit_of = np.empty(n_sentences, dtype=np.int64)
    for language in dict.fromkeys(languages):
        if len(set(languages)) == 1:
            mine = np.arange(n_sentences)
        else:
            of_text = np.array([lang == language for lang in languages])
            mine = np.flatnonzero(of_text[table.text_of])
        unit_of[mine] = _units_of_sentences(table, place[mine], table.code[mine], language, units)

    n_units = len(units)
    slow_unit = np.fromiter(map(_SLOW, units), bool, n_units)
    slow = np.add.reduceat(slow_unit[unit_of].astype(np.int64), table.first) > 0
    # claims of the units, spread to every sentence of a text read from its units
    claim_counts = np.fromiter(map(len, map(_CLAIM_STARTS, units)), np.int64, n_units)
    claim_first = np.cumsum(claim_counts) - claim_counts
    unit_starts = np.fromiter(itertools.chain.from_iterable(map(_CLAIM_STARTS, units)), np.int64,
                              int(claim_counts.sum()))
    unit_ends = np.fromiter(itertools.chain.from_iterable(map(_CLAIM_ENDS, units)), np.int64, len(unit_starts))
    per_sentence = np.where(slow[table.text_of], 0, claim_counts[unit_of])
    total = int(per_sentence.sum())
    sentence_of = np.repeat(np.arange(n_sentences), per_sentence)
    k = np.repeat(claim_first[unit_of] - (np.cumsum(per_sentence) - per_sentence), per_sentence) + np.arange(total)
    numbers = table.at[sentence_of] + unit_starts[k]
    ends = table.at[sentence_of] + unit_ends[k]
    counts = np.bincount(table.text_of[sentence_of], minlength=n_texts)

    kind_codes, kinds_table = _kinds_of_texts(table, units, unit_of, slow)
    slow_texts = np.flatnonzero(slow).tolist()
    read = {t: _claims_of(sources[t].text, languages[t]) for t in slow_texts}
    claims_of = _Claims((table, units, unit_of), {t: claims for t, (_, _, _, claims) in read.items()})
    if slow_texts:
        code_of = {kinds: code for code, kinds in enumerate(kinds_table)}
        for t, (kinds, _, _, _) in read.items():
            kinds = tuple(kinds.items())
            code = code_of.get(kinds)
            if code is None:
                code = code_of[kinds] = len(kinds_table)
                kinds_table.append(kinds)
            kind_codes[t] = code
        slow_counts = np.array([len(read[t][1]) for t in slow_texts], dtype=np.int64)
        counts[slow_texts] = slow_counts
        text_of = np.concatenate([table.text_of[sentence_of], np.repeat(np.array(slow_texts), slow_counts)])
        order = np.argsort(text_of, kind="stable")
        numbers = np.concatenate([numbers, np.fromiter(itertools.chain.from_iterable(read[t][1] for t in slow_texts),
                                                       np.int64, int(slow_counts.sum()))])[order]
        ends = np.concatenate([ends, np.fromiter(itertools.chain.from_iterable(read[t][2] for t in slow_texts),
                                                 np.int64, int(slow_counts.sum()))])[order]
    return kind_codes, kinds_table, counts, numbers, ends, claims_of


_CLAIM_STARTS, _CLAIM_ENDS = operator.attrgetter("claim_starts"), operator.attrgetter("claim_ends")


def _units_of_sentences(table, places: np.ndarray, codes: np.ndarray, language: str, units: list) -> np.ndarray:
    """The unit (its position in `units`, to which new ones are added) of each sentence: the
    distinct sentence `codes[k]` read in its place `places[k]` (as _units reads it)."""
    memos = _UNIT_MEMO.get(language)
    if memos is None:
        memos = _UNIT_MEMO[language] = ({}, {}, {}, {})
    lang = base_language(language)
    n_distinct = len(table.distinct)
    unit_at = np.full((4, n_distinct), -1, dtype=np.int64)
    for p in range(4):
        wanted = np.zeros(n_distinct, dtype=bool)
        wanted[codes[places == p]] = True
        memo = memos[p]
        # an opening sentence reads as one inside an article (a whole one as a closing one) where
        # no stretch begins in its first two characters, the only ones that see what stands before
        twin = memos[p - 1] if p in (1, 3) else None
        unread, unread_pieces = [], []        # the units to read, where they go in `units`
        for d in np.flatnonzero(wanted).tolist():
            piece = table.distinct[d]
            unit = memo.get(piece)
            if unit is None and twin is not None:
                unit = twin.get(piece)
                if unit is not None and (unit is _OPEN or all(at >= 2 for at, _, _ in unit.chunks)):
                    if len(piece) <= _UNIT_KEPT or unit is _OPEN:
                        memo[piece] = unit
                else:
                    unit = None
            if unit is None:
                if p < 2 and _ends_active(piece, memo, lang):
                    unit = _OPEN
                else:
                    unread.append(len(units))
                    unread_pieces.append(piece)
            unit_at[p, d] = len(units)
            units.append(unit)
        if unread:
            for k, unit in zip(unread, _read_units(memo, unread_pieces, p & 1 == 1, p & 2 == 2, language)):
                units[k] = unit
    return unit_at[places, codes]


def _kinds_of_texts(table, units: list, unit_of: np.ndarray, slow: np.ndarray) -> tuple[np.ndarray, list[tuple]]:
    """The kinds of each text's mentions counted in text order, from its units: (for each text
    a number into the table, -1 for the texts in `slow`; the table: each distinct counting as
    ((kind, count), ...), the kinds in the order they first appear in the text)."""
    n_units = len(units)
    lengths = np.fromiter(map(len, map(_KINDS, units)), np.int64, n_units)
    kinds = list(itertools.chain.from_iterable(map(_KINDS, units)))
    seen = set(kinds)
    present = [kind for kind in KINDS if kind in seen]
    n_texts = len(table.counts)
    if not present:
        return np.where(slow, -1, 0).astype(np.int64), [()]
    column = {kind: j for j, kind in enumerate(present)}
    # kind None (the words around decide) stands only in units of slow texts
    j = np.fromiter(map(column.get, kinds, itertools.repeat(-1)), np.int64, len(kinds))
    unit = np.repeat(np.arange(n_units), lengths)
    valid = j >= 0
    counts = np.zeros((n_units, len(present)), dtype=np.int64)
    np.add.at(counts, (unit[valid], j[valid]), 1)
    # kind by kind: a (sentences, kinds) table spread from the units would be 56 bytes a sentence
    # for seven kinds, four times over (~110 MB at once for half a million sentences)
    counts = np.ascontiguousarray(counts.T)
    per_text = np.empty((n_texts, len(present)), dtype=np.int64)
    for col, of_unit in enumerate(counts):
        per_text[:, col] = np.add.reduceat(of_unit[unit_of], table.first)
    if len(present) == 1:                  # one kind in the whole corpus (an archive of claims)
        kind = present[0]
        n, code = np.unique(per_text[:, 0], return_inverse=True)
        code = np.where(slow, -1, code.reshape(-1)).astype(np.int64)
        return code, [((kind, c),) if c else () for c in n.tolist()]
    # where each kind first appears: the sentence (over all texts), then its place in the unit
    rank = np.arange(len(kinds)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    absent = int(lengths.max()) + 1
    first_seen = np.full((n_units, len(present)), absent, dtype=np.int64)
    np.minimum.at(first_seen, (unit[valid], j[valid]), rank[valid])
    big = np.arange(len(unit_of), dtype=np.int64) * (absent + 1)
    first_at = np.empty((n_texts, len(present)), dtype=np.int64)
    for col, of_unit in enumerate(np.ascontiguousarray(first_seen.T)):
        seen_at = of_unit[unit_of]
        first_at[:, col] = np.minimum.reduceat(np.where(seen_at < absent, big + seen_at, np.iinfo(np.int64).max),
                                               table.first)
    del big, seen_at
    codes = np.full(n_texts, -1, dtype=np.int64)
    memo: dict = {}                  # (counts, kinds in order) → the number of its entry
    code_of: dict = {}               # entry → its number
    for t, (row, at) in enumerate(zip(per_text.tolist(), first_at.tolist())):
        if slow[t]:
            continue
        key = (tuple(row), tuple(sorted(range(len(present)), key=at.__getitem__)))
        got = memo.get(key)
        if got is None:
            entry = tuple((present[j], row[j]) for j in key[1] if row[j])
            got = memo[key] = code_of.setdefault(entry, len(code_of))
        codes[t] = got
    return codes, list(code_of)


class _Claims:
    """For each text t, a function giving its claims' tuples: _TextClaims made when asked for,
    or the function _claims_of gave for a text read on its own."""

    __slots__ = ("parts", "read")

    def __init__(self, parts, read: dict):
        self.parts, self.read = parts, read

    def __getitem__(self, t: int):
        got = self.read.get(t)
        return got if got is not None else _TextClaims(self.parts, t)


class _TextClaims:
    """The claims' tuples of text t, built from its units when first asked for (a call)."""

    __slots__ = ("parts", "t", "got")

    def __init__(self, parts: tuple, t: int):
        self.parts, self.t, self.got = parts, t, None

    def __call__(self) -> list[tuple]:
        if self.got is None:
            table, units, unit_of = self.parts
            a, b = int(table.first[self.t]), int(table.first[self.t] + table.counts[self.t])
            self.got = [m for m in _unit_raws([units[u] for u in unit_of[a:b].tolist()], table.at[a:b].tolist())
                        if m[RAW_KIND] in NEEDS_LOOK]
        return self.got


def _figure_columns(corpus) -> tuple[list[np.ndarray], np.ndarray]:
    """The figures as columns in frame order (quotes, lows, highs, first places, second places:
    the places as quote_places gives them), and each figure's source as its position in
    corpus.sources (-1: none of them). From the figure frame's columns (no Figure records)."""
    df = getattr(corpus.figures, "df", None)
    if df is None:
        records = list(corpus.figures.values())
        columns = [np.asarray([f.quote for f in records], dtype=object),
                   np.asarray([f.low for f in records], dtype=object), np.asarray([f.high for f in records], dtype=object)]
    else:
        columns = [df["quote"].to_numpy(), df["low"].to_numpy(), df["high"].to_numpy()]
    columns.extend(quote_places(corpus))
    return columns, _row_sources(corpus)


def _source_column(corpus) -> pd.Series:
    """The figures' sources, in frame order."""
    df = getattr(corpus.figures, "df", None)
    if df is None:
        return pd.Series([f.source for f in corpus.figures.values()], dtype=object)
    return df["source"]


def _source_positions(sources: pd.Series, source_ids: list[str]) -> np.ndarray:
    """Each figure's source as its position in `source_ids` (-1: none of them)."""
    return coded_positions(*pd.factorize(sources), source_ids)   # a source that is no string is coded -1


def coded_positions(codes: np.ndarray, names, source_ids: list[str], dtype=np.int64) -> np.ndarray:
    """_source_positions of a column given as codes into its distinct `names` (-1: missing), as
    integers of `dtype`."""
    position = {sid: i for i, sid in enumerate(source_ids)}
    positions = np.array([position.get(name, -1) for name in names] + [-1], dtype=dtype)
    return positions[codes]


@per_corpus()
def quote_places(corpus) -> tuple[np.ndarray, np.ndarray]:
    """For each figure in frame order, where its quote first and next stands verbatim in its
    source's text: -1 where it does not (an empty quote, a source without text). Searched once
    per corpus, each distinct sentence once (figcheck.sentences), for P001 and coverage alike."""
    listed = list(corpus.sources.values())
    return sentences.quote_places(_Texts(listed), _row_sources(corpus), _quotes(corpus), _sentences(corpus),
                                  quote_codes(corpus), text_lengths(listed))


class _Texts:
    """The texts of some sources by position ("" for none), each made when asked (a source
    whose text stands in a store makes it at each read; the last one is kept, as callers ask
    for one text many times in a row)."""

    __slots__ = ("sources", "last")

    def __init__(self, sources: list):
        self.sources, self.last = sources, (-1, "")

    def __len__(self) -> int:
        return len(self.sources)

    def __getitem__(self, i: int) -> str:
        i = int(i)
        if self.last[0] != i:
            self.last = (i, self.sources[i].text or "")
        return self.last[1]


@per_corpus()
def _sentences(corpus) -> sentences.Sentences:
    """The corpus's texts (in source order) cut into sentences; made once per corpus: from the
    store the texts stand in where they do (no text read as a string), else from the strings."""
    listed = list(corpus.sources.values())
    column = text_column(listed)
    if column is not None:
        return sentences.Sentences(None, column)
    return sentences.Sentences([s.text or "" for s in listed])


def corpus_sentences(corpus) -> sentences.Sentences:
    """The corpus's texts (in source order) cut into sentences, as coverage and the quote search
    share them."""
    return _sentences(corpus)


def _quotes(corpus) -> np.ndarray:
    df = getattr(corpus.figures, "df", None)
    return np.asarray([f.quote for f in corpus.figures.values()] if df is None else df["quote"].to_numpy(),
                      dtype=object)


@per_corpus()
def quote_codes(corpus) -> tuple[np.ndarray, np.ndarray] | None:
    """The figures' quotes factorised (codes in frame order, distinct quotes), for the quote
    search and P002/P003 alike; None where a quote cannot be hashed."""
    try:
        return sentences.factorize_objects(_quotes(corpus))
    except TypeError:
        return None


@per_corpus()
def _row_sources(corpus) -> np.ndarray:
    """Each figure's source as its position in corpus.sources (-1: none), in frame order: as a
    part of a corpus knows it already (figcheck.prefetch), else from the source column."""
    known = getattr(corpus.figures, "source_positions", None)
    if known is not None:
        return known
    return _source_positions(_source_column(corpus), list(corpus.sources))


def summary(coverage: dict[str, SourceCoverage]) -> dict:
    """The JSON summary: per source and in total; percent of claims encoded or skipped."""
    sources = {sid: c.to_json() for sid, c in coverage.items()}      # once per source: totals add them
    claims = sum(j["claims"] for j in sources.values())
    encoded = sum(j["encoded"] for j in sources.values())
    skipped = sum(j["skipped"] for j in sources.values())
    return {"claims": claims, "encoded": encoded, "skipped": skipped, "open": claims - encoded - skipped,
            "percent": percent(encoded + skipped, claims), "sources": sources}


def percent(part: int, whole: int) -> float:
    """One decimal; never rounds up to 100 while something is still open."""
    if whole == 0 or part >= whole:
        return 100.0
    return min(round(100.0 * part / whole, 1), 99.9)


def summary_line(coverage: dict[str, SourceCoverage]) -> str:
    """"coverage: s000 4/4 (4 encoded), s001 7/8 (2 encoded, 5 skipped, 1 open); 97 % of 30 claims"."""
    parts = []
    for sid, c in coverage.items():
        enc, skp, opn = c.count(ENCODED), c.count(SKIPPED), c.count(OPEN)
        detail = ", ".join(f"{n} {word}" for n, word in ((enc, "encoded"), (skp, "skipped"), (opn, "open"))
                           if n or word == "encoded")
        parts.append(f"{sid} {enc + skp}/{c.claims} ({detail})")
    s = summary(coverage)
    line = (f"coverage: {', '.join(parts)}; {s['percent']:g} % of {s['claims']} claim mention"
            f"{'s' if s['claims'] != 1 else ''} encoded or skipped")
    unmatched = [str(k.where) for c in coverage.values() for k in c.unmatched_skips]
    idle = [str(k.where) for c in coverage.values() for k in c.idle_skips]
    if unmatched:
        line += f"; skip quote not in its source: {', '.join(unmatched)}"
    if idle:
        line += f"; skip quote holds no claim: {', '.join(idle)}"
    return line


def uncovered_mentions(ctx):
    """Yield a Hit for every claim mention neither encoded nor skipped (rule P004)."""
    from .rules import Hit, Severity

    settings = ctx.settings.get("settings") if isinstance(ctx.settings, dict) else None
    level = getattr(settings, "coverage", None)
    severity = None
    if isinstance(level, str) and level != "info":
        try:
            severity = Severity.parse(level)
        except ValueError:
            severity = None
    for sid, open_entries in _open_entries(ctx.corpus):
        source = ctx.corpus.sources[sid]
        text = source.text          # once: a stored text is made at each read
        for occurrence, entry in _occurrences(open_entries):
            m = entry.mention
            hedge = "" if m.qualifier == "exact" else f" ({m.qualifier})"
            message = (f"{source.file}:{m.line}:{m.column}: {m.text!r}{hedge} is neither encoded "
                       f"as a figure nor skipped")
            yield Hit(
                message=message,
                details=(f"{sid} line {m.line}: {_context(text, m)}",
                         "encode it as a [[figure]] or add a [[skip]] with the quote and a reason "
                         "(`figcheck extract --stubs` writes both)"),
                data={"source": sid, "file": source.file, "line": m.line, "column": m.column,
                      "text": m.text, "number": m.number, "qualifier": m.qualifier,
                      "unit_guess": m.unit_guess, "kind": m.kind,
                      "identity": f"{sid}\x1f{m.number}\x1f{m.qualifier}\x1f{occurrence}"},
                severity=severity,
                headline=f"A number in {source.title or sid} was not checked: {m.text!r}.",
                where=source.where,
            )


def _open_entries(corpus):
    """(source id, its open claims) for the sources with any, in source order: from the
    coverage kept for the corpus if there is one (a worker's), else from its columns."""
    kept = next((result for seen, result in _COVERAGE_CACHE if seen is corpus), None)
    if kept is not None:
        return ((sid, cov.open) for sid, cov in kept.items())
    columns, ids = coverage_columns(corpus), list(corpus.sources)
    return ((ids[i], columns.open[i]) for i in sorted(columns.open))


def _occurrences(entries):
    """(n-th time this number stands in the source, entry): stable when lines move."""
    seen: dict[tuple, int] = {}
    for e in entries:
        key = (e.mention.number, e.mention.qualifier)
        seen[key] = seen.get(key, 0) + 1
        yield seen[key], e


def _context(text: str, m: Mention, width: int = 50) -> str:
    """The mention with up to `width` characters either side on its line; … where cut."""
    line_start = text.rfind("\n", 0, m.start) + 1
    line_end = text.find("\n", m.end)
    line_end = len(text) if line_end < 0 else line_end
    start, end = max(line_start, m.start - width), min(line_end, m.end + width)
    return ("…" if start > line_start else "") + text[start:end] + ("…" if end < line_end else "")


# --- stubs ------------------------------------------------------------------------------------

# Where a clause ends: a full stop (not an ordinal's), ; : ( ), a dash between spaces, ", ".
_BOUNDARY = re.compile(r"(?<!\d)[.!?](?=\s+[^\W\d_]|[^\S\n]*$)|[;:()]|\s[–—-]\s|,\s", re.M)


def fragment(text: str, m: Mention, max_words: int = 10, others=()) -> str:
    """The clause around a mention, verbatim and on one line: a quote for a stub. It stops
    short of the `others` (the source's other mentions), so that it holds one number."""
    line_start = text.rfind("\n", 0, m.start) + 1
    line_end = text.find("\n", m.end)
    line_end = len(text) if line_end < 0 else line_end
    start = line_start
    for b in _BOUNDARY.finditer(text, line_start, line_end):
        if b.end() > m.start:
            break
        start = b.end()
    end = line_end
    b = _BOUNDARY.search(text, m.end, line_end)
    if b:
        end = b.start()
    for o in others:
        if o.end <= m.start:
            start = max(start, o.end)
        elif o.start >= m.end:
            end = min(end, o.start)
    before = text[start:m.start].split(" ")
    after = text[m.end:end].split(" ")
    if len(before) > max_words + 1:
        start = m.start - len(" ".join(before[-(max_words + 1):]))
    if len(after) > max_words + 1:
        end = m.end + len(" ".join(after[:max_words + 1]))
    return text[start:end].strip(" \t,;:–—-")


def stubs(source, entries, others=None) -> str:
    """TOML for the open claims of one source: [[figure]] stubs, [[skip]] stubs for vague ones.
    `others`: every mention of the source (default: those of `entries`), kept out of quotes."""
    import tomli_w

    blocks = []
    neighbours = [e.mention for e in entries] if others is None else list(others)
    text = source.text
    for e in entries:
        m = e.mention
        quote = fragment(text, m, others=neighbours)
        if m.vague:
            table = {"skip": [{"source": source.id, "quote": quote,
                               "reason": f"vague amount ({m.text}), not a checkable figure"}]}
        else:
            unit = pint_unit_guess(m.unit_guess)
            stub = {"id": _stub_id(source.id, m), "source": source.id, "quote": quote,
                    "value": m.number, "unit": unit or "TODO", "qualifier": m.qualifier,
                    "quantity": "TODO"}
            notes = [f"stub from figcheck extract, line {m.line} column {m.column}"]
            if m.unit_guess:
                notes.append(f"unit guessed from {m.unit_guess!r}")
            if m.kind == UNREADABLE:
                notes.append(f"cannot be read as written: {m.why}")
            stub["note"] = "; ".join(notes) + "; check value, unit, quantity and as_of"
            table = {"figure": [stub]}
        blocks.append(tomli_w.dumps(table))
    return "\n".join(blocks)


def _stub_id(source_id: str, m: Mention) -> str:
    safe = re.sub(r"\W", "_", source_id, flags=re.ASCII)
    return f"todo_{safe}_l{m.line}c{m.column}"
