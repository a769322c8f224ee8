"""Provenance (P): every quote is in its source, and says the number and hedge the file encodes."""
from __future__ import annotations

import functools
import itertools
import math
import operator

import numpy as np
import pandas as pd

from figcheck import display
from figcheck.numbers import (HEDGES, RANGE_OPENERS, RANGE_SEPARATORS, SCALES, Reading, Unreadable, base_language,
                              find_numbers_chunked)
from figcheck.coverage import (_row_sources, coded_positions, corpus_sentences, quote_codes, quote_places, records_at,
                               row_ids, uncovered_mentions)
from figcheck.frames import TakenAt
from figcheck.model import per_corpus
from figcheck.quotes import closest_passage, locate
from figcheck.sentences import whole_sentences
from figcheck.rules import Example, Hit, rule

_TEXT = "Laut Geheimdienst wurden im vergangenen Jahr etwa 11.000 Soldaten entsandt."

_FIGURE = '''
[quantity.sent]
kind = "flow"
unit = "soldier"

[[figure]]
id = "sent_2024"
source = "s1"
quote = "{quote}"
value = "{value}"
qualifier = "{qualifier}"
unit = "soldier"
quantity = "sent"
as_of = "2024"
'''


def _example(quote="etwa 11.000 Soldaten entsandt", value="11.000", qualifier="about"):
    return Example(_FIGURE.format(quote=quote, value=value, qualifier=qualifier), _TEXT)


def _frame(items, columns) -> pd.DataFrame:
    """The frame behind corpus.figures / corpus.relations; built from the records when a
    caller made the corpus from plain dicts of records."""
    df = getattr(items, "df", None)
    if df is not None:
        return df
    return pd.DataFrame({c: pd.Series([getattr(x, c) for x in items.values()], dtype=object) for c in columns})


def _quoted_columns(corpus):
    """Everything that carries a quote, as (kind, the id of the k-th, sources, quotes, rows of
    the relations) columns: figures, relations with a quote, skips. Read from the frames: no
    record per figure, and an id only for the quotes asked about."""
    fdf = _frame(corpus.figures, ("source", "quote"))
    yield ("figure", lambda k: row_ids(corpus.figures, [k])[0], _row_source_ids(corpus, corpus.figures, fdf),
           fdf["quote"].to_numpy(), None)
    rdf = _frame(corpus.relations, ("source", "quote"))
    if len(rdf):
        quote = rdf["quote"].to_numpy()
        quoted = np.flatnonzero(rdf["quote"].notna().to_numpy() & (quote != ""))     # most quote nothing
        yield ("relation", lambda k: row_ids(corpus.relations, [quoted[k]])[0],
               _row_source_ids(corpus, corpus.relations, rdf, quoted), quote[quoted], quoted)
    skips = corpus.skips
    yield "skip", lambda k: None, [k.source for k in skips], [k.quote for k in skips], None


def _row_source_ids(corpus, items, df, rows=None):
    """The source id of each row (of `rows`, if given) of corpus.figures or corpus.relations: a
    part of a corpus (figcheck.prefetch) knows its rows' sources by position and names them
    only where asked (it has no column of them: a forked worker copying one would write the
    reference count of every source name); else the frame's column."""
    positions = getattr(items, "source_positions", None)
    if positions is None:
        column = df["source"].to_numpy()
        return column if rows is None else column[rows]
    return TakenAt(np.array(list(corpus.sources), dtype=object), positions if rows is None else positions[rows])


def quote_misses(texts: dict, sources, quotes, places=None, settled=None) -> list[int]:
    """Positions of the quotes not in their source's text (sources without a text are not
    checked). A verbatim `in` settles nearly all; the tolerant `locate` runs only for the
    others, grouped by source so that each source text is normalised once. `settled`: where a
    quote is known to stand in its text verbatim (True), not searched again."""
    if places is not None:       # where each quote first stands verbatim, -1 for nowhere
        missing = np.flatnonzero(np.asarray(places) < 0).tolist()
    else:
        asked = range(len(quotes)) if settled is None else np.flatnonzero(~np.asarray(settled, dtype=bool)).tolist()
        its_sources, its_quotes = [sources[i] for i in asked], [quotes[i] for i in asked]
        try:
            # one pass in C: is each quote in its source's text ("" for a source without one)?
            found = list(map(operator.contains, map(texts.get, its_sources, itertools.repeat("")), its_quotes))
        except TypeError:        # a quote that is no string
            found = [not isinstance(q, str) or q in texts.get(sid, "") for sid, q in zip(its_sources, its_quotes)]
        missing = itertools.compress(asked, map(operator.not_, found))
    pending: dict[str, list[int]] = {}
    for i in missing:
        sid, quote = sources[i], quotes[i]
        if not isinstance(quote, str) or not quote or not texts.get(sid):
            continue
        pending.setdefault(sid, []).append(i)
    misses = []
    for sid, positions in pending.items():
        text = texts[sid]
        misses.extend(i for i in positions if locate(text, quotes[i]) is None)
    return sorted(misses)


@rule("P001", "quote-not-in-source", "error",
      failing=_example(quote="etwa 12.000 Soldaten entsandt", value="12.000"),
      passing=_example(quote="etwa  11.000\\nSoldaten entsandt"), texts=True)
def quote_not_in_source(ctx):
    """The quote is not in the source text.

    ## What it does
    Looks for every figure's, relation's and skip's quote in its source article. Whitespace
    and line breaks, soft hyphens, hyphenation at a line break and the kind of quotation
    marks, apostrophes and dashes are ignored; everything else must match.

    ## Why is this bad?
    A figure is only as good as its quote: a quote that is not in the article was mistyped,
    paraphrased or taken from another version, and the number may be too.

    ## Example
    quote = "etwa 12.000 Soldaten entsandt" where the article says "etwa 11.000 Soldaten entsandt".

    ## Use instead
    Copy the words from the article; the message shows the closest passage.
    """
    corpus = ctx.corpus
    texts = _SourceTexts(corpus.sources)
    for kind, id_of, sources, quotes, rows in _quoted_columns(corpus):
        places = quote_places(corpus)[0] if kind == "figure" else None     # shared with coverage
        settled = _whole_sentence_quotes(corpus, sources, quotes, rows) if kind == "relation" else None
        for i in quote_misses(texts, sources, quotes, places, settled):
            item_id, quote, source = id_of(i), quotes[i], corpus.sources[sources[i]]
            passage, ratio = closest_passage(source.text, quote)
            name = f"{kind} {item_id!r}" if item_id else kind
            hint = f"; closest passage ({ratio:.0%} alike): «{passage}»" if ratio >= 0.5 else ""
            figures = (item_id,) if kind == "figure" else ()
            yield Hit(f"{name}: quote «{quote}» is not in {source.file}{hint}",
                      figures=figures, relation=item_id if kind == "relation" else None,
                      details=(f"quote:   «{quote}»", f"closest: «{passage}» ({ratio:.0%} alike)",
                               f"source:  {display.source_label(source)} — {source.file}"),
                      data={"closest": passage, "similarity": round(ratio, 3), "kind": kind},
                      headline=f"A quote attributed to {source.title or source.id} is not in the article.")


class _SourceTexts:
    """{source id: its text} for the sources with one, each text made when first asked for: the
    figures' quotes are placed without reading the texts as strings (coverage.quote_places), so
    that P001 reads only the texts of the quotes it must look up (a text worker, which would
    copy the pages of every string it reads, reads none)."""

    __slots__ = ("sources", "made")

    def __init__(self, sources: dict):
        self.sources, self.made = sources, {}

    def get(self, sid, default=None):
        text = self.made.get(sid)
        if text is None:
            source = self.sources.get(sid)
            text = self.made[sid] = (source.text or "") if source is not None else ""
        return text if text else default

    def __getitem__(self, sid) -> str:
        text = self.get(sid)
        if text is None:
            raise KeyError(sid)
        return text


def _whole_sentence_quotes(corpus, sources, quotes, rows) -> np.ndarray:
    """Which relations' quotes (at `rows` of the relation frame) are sentences of their source's
    text whole (sentences.whole_sentences): in the text without reading it."""
    known = getattr(corpus.relations, "source_positions", None)
    if known is not None:
        text_of = known[rows]
    else:
        text_of = coded_positions(*pd.factorize(sources), list(corpus.sources))
    return whole_sentences(corpus_sentences(corpus), text_of, quotes)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def _matching_mention(figure, mentions):
    """The mention in the quote that states the figure's value, or None."""
    for m in mentions:
        if m.is_range == figure.is_range and _close(m.low, figure.low) and _close(m.high, figure.high):
            return m
    return None


@functools.lru_cache(maxsize=65536)
def quote_readings(quote: str, language: str) -> tuple[tuple[Reading, ...], tuple[Unreadable, ...]]:
    """The non-vague readings and the unreadable numbers of a quote: read once per distinct
    quote, however many figures share it, and stretch by stretch, the stretches shared with the
    coverage's reading of the articles the quotes stand in (numbers.number_chunks)."""
    found = find_numbers_chunked(quote, language)
    readings = tuple(m for m in found if isinstance(m, Reading) and not m.vague)
    unreadable = tuple(m for m in found if isinstance(m, Unreadable))
    return readings, unreadable


def _readings(corpus, figure):
    readings, unreadable = quote_readings(figure.quote, _language(corpus, figure))
    return list(readings), list(unreadable)


_HEDGES_LONGEST_FIRST = {lang: sorted(table, key=len, reverse=True) for lang, table in HEDGES.items()}
# the same, by their last character: only those can end a prefix that ends with it
_HEDGES_BY_LAST = {lang: {c: [p for p in phrases if p[-1] == c] for c in {p[-1] for p in phrases}}
                   for lang, phrases in _HEDGES_LONGEST_FIRST.items()}
_SEPARATORS = ".,'’"


def verbatim_hedge(figure, language: str) -> str | None:
    """Fast path for archives: when the value as written stands alone in the quote (no digit,
    scale word or range word glued to it), the quote states exactly that number, and the
    words right before it are its hedge. Returns that hedge's qualifier, or None to make the
    caller read the quote in full."""
    if figure.is_range:
        return None
    return verbatim_qualifier(figure.value_text, figure.quote, language)


@functools.lru_cache(maxsize=65536)
def verbatim_qualifier(text: str, quote: str, language: str) -> str | None:
    """verbatim_hedge on the strings alone (for a figure that is not a range)."""
    if not text or not isinstance(text, str) or text[0] in "[?":
        return None
    lang = base_language(language)
    k = quote.find(text)
    while k >= 0:
        end = k + len(text)
        before = quote[k - 1] if k else " "
        after = quote[end] if end < len(quote) else " "
        glued_after = after.isalnum() or (after in _SEPARATORS and end + 1 < len(quote) and quote[end + 1].isdigit())
        if not (before.isalnum() or before in _SEPARATORS or before in "$€£-–") and not glued_after:
            words = quote[end:].split(maxsplit=1)
            nxt = words[0].lower().strip(".,;:") if words else ""
            if nxt in SCALES[lang] or nxt in RANGE_SEPARATORS[lang]:
                return None
            prefix = quote[:k].rstrip().lower()
            words = prefix.rsplit(maxsplit=1)
            last = words[-1] if words else ""
            if prefix.endswith(RANGE_OPENERS[lang]) or last in RANGE_SEPARATORS[lang] or last in ("und", "and"):
                return None  # "3 bis 5", "zwischen 3 und 5": part of a range, read in full
            for phrase in _HEDGES_BY_LAST[lang].get(prefix[-1:], ()):
                if prefix.endswith(phrase) and (len(prefix) == len(phrase) or not prefix[-len(phrase) - 1].isalnum()):
                    return HEDGES[lang][phrase]
            return "exact"
        k = quote.find(text, k + 1)
    return None


def _language(corpus, figure) -> str:
    source = corpus.sources.get(figure.source)
    return source.language if source else "de"


class _Coded:
    """A column given as codes already (0 .. n-1, -1 for a missing value): not hashed again."""

    __slots__ = ("codes", "n")

    def __init__(self, codes: np.ndarray, n: int | None = None):
        self.codes = np.asarray(codes, dtype=np.int64)
        self.n = int(self.codes.max()) + 1 if n is None and len(self.codes) else (n or 0)


def _codes(*columns) -> np.ndarray:
    """One integer per row, equal exactly where every column is equal (hash-factorised), numbered
    in order of first appearance. The columns' codes are packed into one integer while their
    product of sizes fits, so that the rows are hashed once, not once per column."""
    first = columns[0]
    code = np.zeros(len(first.codes if isinstance(first, _Coded) else first), dtype=np.int64)
    size = 1
    for column in columns:
        if isinstance(column, _Coded):
            c, m = column.codes, column.n + 1
        else:
            c, uniques = pd.factorize(column, use_na_sentinel=True)
            m = len(uniques) + 1
        if size * m >= 1 << 62:                # would overflow: number the rows so far first
            code, seen = pd.factorize(code)
            size = len(seen)
        code = code * m + (c + 1)
        size *= m
    code, _ = pd.factorize(code)
    return code


class _FigureKeys:
    """The figure frame's columns that P002 and P003 decide on, and the distinct rows of them.

    Whether a figure's number and hedge match its quote depends only on (quote, value as
    written, low, high, qualifier, language): an archive repeats these thousands of times
    ("etwa 11.000 Soldaten"), so each distinct combination is decided once and the verdict
    spread back to its figures."""

    def __init__(self, corpus):
        df = _frame(corpus.figures, ("quote", "value_text", "low", "high", "qualifier", "source"))
        self.n = len(df)
        self.figures = corpus.figures
        languages = {sid: s.language for sid, s in corpus.sources.items()}
        self.quote = df["quote"].to_numpy()
        self.value_text = df["value_text"].to_numpy()
        self.low = np.asarray(df["low"].to_numpy(), dtype=float)
        self.high = np.asarray(df["high"].to_numpy(), dtype=float)
        self.qualifier = df["qualifier"].to_numpy()
        # each figure's language from its source's position (shared with coverage); "de" where
        # the source is unknown (position -1: the entry appended last) or states none
        source_languages = [lang if isinstance(lang, str) or not pd.isna(lang) else "de"
                            for lang in languages.values()] + ["de"]
        language_codes, language_names = pd.factorize(np.array(source_languages, dtype=object))
        # as a small number a figure (a source's few languages), each figure's language named
        # where asked: not an object per figure held through the text rules (~8 MB at 1M)
        small = np.int8 if len(language_names) < 127 else np.int32
        row_language = language_codes.astype(small)[_row_sources(corpus)]
        self.language = TakenAt(np.asarray(language_names, dtype=object), row_language)
        quotes = quote_codes(corpus)        # factorised once, with the quote search
        rest = (self.value_text, self.low, self.high, row_language)
        self._numbers = np.zeros(0, dtype=np.int64) if not self.n else (
            _codes_if_alike_by_quote(quotes[0], rest) if quotes is not None else None)
        if self._numbers is None:
            self._numbers = _codes(self.quote if quotes is None else _Coded(quotes[0], len(quotes[1])), self.value_text,
                                   self.low, self.high, _Coded(row_language, len(language_names)))
        self._groups = None
        self._verdicts = None

    def groups(self) -> tuple[np.ndarray, np.ndarray]:
        """(group of each figure, first figure of each group): the groups numbered in the order
        their first figure stands, as pd.factorize numbers them."""
        if self._groups is None:
            code = self._numbers
            self._groups = code, _firsts(code)
        return self._groups

    def figure(self, i: int):
        """The record of figure i (a flagged one: its message names it)."""
        return records_at(self.figures, [i])[0]

    def is_range(self, i: int) -> bool:
        return self.low[i] != self.high[i]

    def verdicts(self) -> list[_Verdict]:
        """The _Verdict of each group, in the order of groups(): taken from _VERDICTS where a
        group alike was decided before (in this corpus or, for the text worker, in an earlier
        part of it), made and kept there otherwise."""
        if self._verdicts is None:
            _, first = self.groups()
            memo = _VERDICTS
            if len(memo) > _VERDICTS_KEPT:
                memo.clear()
            verdicts = []
            for key in zip(self.quote[first].tolist(), self.value_text[first].tolist(), self.low[first].tolist(),
                           self.high[first].tolist(), self.language[first].tolist()):
                verdict = memo.get(key)
                if verdict is None:
                    verdict = memo[key] = _Verdict(*key)
                verdicts.append(verdict)
            self._verdicts = verdicts
        return self._verdicts

    def fast(self, i: int) -> str | None:
        """verbatim_hedge for figure i."""
        if self.is_range(i):
            return None
        return verbatim_qualifier(self.value_text[i], self.quote[i], self.language[i])


@per_corpus()
def _figure_keys(corpus) -> _FigureKeys:
    return _FigureKeys(corpus)


def forget(corpus) -> None:
    """Drop what these rules keep for `corpus` (a part of a corpus the text worker has read)."""
    _figure_keys.forget(corpus)


def _codes_if_alike_by_quote(quote_codes: np.ndarray, columns) -> np.ndarray | None:
    """_codes(quotes, *columns) where each quote's figures agree in every column (an archive
    writes one value the same way wherever it quotes it): the quote's codes themselves, as
    factorize_objects numbers them, checked by comparing each row with its quote's first row
    instead of hashing every column. None where some quote's figures differ, or a quote is
    missing: _codes must then number the rows."""
    if not len(quote_codes) or quote_codes.min() < 0:
        return None
    owner = _firsts(quote_codes)[quote_codes]           # each row's quote's first row
    try:
        for column in columns:
            column = np.asarray(column)
            same = column == column[owner]
            if not isinstance(same, np.ndarray) or same.dtype != bool or not same.all():
                return None
    except (TypeError, ValueError):                     # cells that do not compare plainly
        return None
    return quote_codes


def _firsts(code: np.ndarray) -> np.ndarray:
    """The first row of each value of `code`, for codes numbered in order of first appearance."""
    if not len(code):
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.diff(np.maximum.accumulate(code), prepend=-1) > 0)


class _Verdict:
    """What P002 and P003 decide for a group of figures alike in (quote, value as written, low,
    high, language): the hedge the fast path reads (verbatim_qualifier; None: the quote must be
    read), and, each when first asked, P002's verdict and the qualifiers of the quote's readings
    that state the figure's value (P003 flags a qualifier that is none of them, where there are
    such readings and the fast path read another hedge)."""

    __slots__ = ("quote", "low", "high", "language", "fast", "_number_differs", "_stated")

    def __init__(self, quote, value_text, low, high, language):
        self.quote, self.low, self.high, self.language = quote, low, high, language
        self.fast = None if low != high else verbatim_qualifier(value_text, quote, language)
        self._number_differs = self._stated = None

    def number_differs(self) -> bool:
        """P002's verdict (see _number_differs)."""
        if self._number_differs is None:
            if self.fast is not None:
                self._number_differs = False
            else:
                readings, _ = quote_readings(self.quote, self.language)
                low, high, is_range = self.low, self.high, self.low != self.high
                self._number_differs = not (
                    any(m.is_range == is_range and _close(m.low, low) and _close(m.high, high) for m in readings)
                    or (is_range and any(_close(m.low, low) for m in readings)
                        and any(_close(m.high, high) for m in readings)))
        return self._number_differs

    def stated(self) -> tuple[str, ...]:
        """The distinct qualifiers of the quote's readings that state the value (see _hedge_differs)."""
        if self._stated is None:
            readings, _ = quote_readings(self.quote, self.language)
            low, high, is_range = self.low, self.high, self.low != self.high
            self._stated = tuple(dict.fromkeys(m.qualifier for m in readings if m.is_range == is_range
                                               and _close(m.low, low) and _close(m.high, high)))
        return self._stated


# (quote, value as written, low, high, language) → its _Verdict, for every figure frame read in
# this process: the text worker reads an archive's sources part after part, and the parts share
# most of their quotes. Bounded: cleared beyond this many.
_VERDICTS: dict[tuple, _Verdict] = {}
_VERDICTS_KEPT = 200_000


def _numbers_flagged(keys: _FigureKeys) -> list[int]:
    """The figures P002 flags, in frame order: decided once per group (_Verdict)."""
    code, first = keys.groups()
    if not len(first):
        return []
    bad = np.fromiter((v.fast is None and v.number_differs() for v in keys.verdicts()), bool, len(first))
    return np.flatnonzero(bad[code]).tolist()


def _hedges_flagged(keys: _FigureKeys) -> list[int]:
    """The figures P003 flags, in frame order: the qualifier of each figure against its group's
    _Verdict, the qualifiers numbered (pd.factorize) so that the figures are compared as
    integers; a group's readings are asked for only where the fast path read another hedge
    than some figure's."""
    code, first = keys.groups()
    if not len(first):
        return []
    verdicts = keys.verdicts()
    try:
        q_code, q_names = pd.factorize(keys.qualifier)
    except TypeError:
        q_code = None
    if q_code is None or (len(q_code) and q_code.min() < 0) or len(q_names) > 62:
        # a qualifier missing or not a string (never so from the loader): one figure at a time
        return [i for i, (g, q) in enumerate(zip(code.tolist(), keys.qualifier.tolist()))
                if verdicts[g].fast != q and (stated := verdicts[g].stated()) and q not in stated]
    number = {name: k for k, name in enumerate(q_names.tolist())}
    # the fast path's hedge as a qualifier's number: -1 for none, -2 for one no figure has
    fast = np.fromiter((-1 if v.fast is None else number.get(v.fast, -2) for v in verdicts), np.int64, len(first))
    differs = fast[code] != q_code
    asked = np.zeros(len(first), dtype=bool)
    asked[code[differs]] = True
    any_stated = np.zeros(len(first), dtype=bool)
    stated_bits = np.zeros(len(first), dtype=np.int64)       # bit k: q_names[k] is stated
    for g in np.flatnonzero(asked).tolist():
        stated = verdicts[g].stated()
        any_stated[g] = bool(stated)
        stated_bits[g] = sum(1 << number[q] for q in stated if q in number)
    bad = differs & any_stated[code] & ((stated_bits[code] >> q_code) & 1 == 0)
    return np.flatnonzero(bad).tolist()


def _number_differs(keys: _FigureKeys, i: int) -> bool:
    """P002's verdict for figure i."""
    if keys.fast(i) is not None:
        return False
    readings, _ = quote_readings(keys.quote[i], keys.language[i])
    low, high, is_range = keys.low[i], keys.high[i], keys.is_range(i)
    if any(m.is_range == is_range and _close(m.low, low) and _close(m.high, high) for m in readings):
        return False
    if is_range and any(_close(m.low, low) for m in readings) and any(_close(m.high, high) for m in readings):
        return False  # "nennen 8000, andere halten bis zu 15.000": the range's ends stated apart
    return True


def _hedge_differs(keys: _FigureKeys, i: int) -> bool:
    """P003's verdict for figure i."""
    qualifier = keys.qualifier[i]
    if keys.fast(i) == qualifier:
        return False
    readings, _ = quote_readings(keys.quote[i], keys.language[i])
    low, high, is_range = keys.low[i], keys.high[i], keys.is_range(i)
    matching = [m for m in readings if m.is_range == is_range and _close(m.low, low) and _close(m.high, high)]
    return bool(matching) and not any(m.qualifier == qualifier for m in matching)


@rule("P002", "number-differs-from-quote", "error",
      failing=_example(value="11.500"),
      passing=_example(), texts=True)
def number_differs_from_quote(ctx):
    """The number in the quote, read in the source's language, is not the encoded value.

    ## What it does
    Reads every number in a figure's quote as the source's language writes it (German
    `28.000`, `2,5`, Swiss `650'000`, `3 bis 5 Millionen`, `zweieinhalb`) and checks that one
    of them is the figure's value, or its range's two ends.

    ## Why is this bad?
    A typo in the figures file (`11.500` for `11.000`, `10 Millionen` for `10 Milliarden`)
    silently changes every check that uses the figure.

    ## Example
    quote = "etwa 11.000 Soldaten entsandt", value = "11.500".

    ## Use instead
    value = "11.000", the number as the quote writes it.
    """
    corpus = ctx.corpus
    keys = _figure_keys(corpus)
    for i in _numbers_flagged(keys):
        figure = keys.figure(i)
        readings, unreadable = _readings(corpus, figure)
        read = ", ".join(f"{m.text} = {display.num(m.low)}" + (f"–{display.num(m.high)}" if m.is_range else "")
                         for m in readings) or "no number"
        if unreadable:
            read += "; ambiguous: " + "; ".join(u.reason for u in unreadable)
        encoded = display.num(figure.low) + (f"–{display.num(figure.high)}" if figure.is_range else "")
        yield Hit(f"figure {figure.id!r}: the file says {figure.value_text} ({encoded}), the quote reads {read}",
                  figures=(figure.id,),
                  details=(display.quote_line(corpus, figure),
                           f"encoded: {display.stated(figure)} = {encoded}", f"read:    {read}"),
                  data={"encoded": [figure.low, figure.high], "read": [[m.low, m.high] for m in readings]},
                  headline=f"The figures file does not say what the quote says: {figure.value_text} vs «{figure.quote}».")


@rule("P003", "hedge-differs-from-quote", "error",
      failing=_example(qualifier="exact"),
      passing=_example(), texts=True)
def hedge_differs_from_quote(ctx):
    """The hedge in the quote ("etwa", "mehr als", "bis zu") is not the encoded qualifier.

    ## What it does
    Reads the hedge word before the number in the quote (etwa, rund, ca., knapp, fast,
    mehr als, über, bis zu, mindestens, weniger als, about, nearly, more than, up to, …) and
    compares it with the figure's `qualifier`.

    ## Why is this bad?
    The hedge decides the interval: "etwa 11.000" is [10,500, 11,500], "11.000" is exactly
    11,000, "mehr als 11.000" has no upper end. A wrong qualifier makes checks too strict or
    too lenient.

    ## Example
    quote = "etwa 11.000 Soldaten entsandt", qualifier = "exact".

    ## Use instead
    qualifier = "about".
    """
    from figcheck.display import QUALIFIER_WORDS

    corpus = ctx.corpus
    keys = _figure_keys(corpus)
    for i in _hedges_flagged(keys):
        figure = keys.figure(i)
        readings, _ = _readings(corpus, figure)
        m = next(m for m in readings if _matching_mention(figure, [m]))
        said = QUALIFIER_WORDS[m.qualifier].strip() or "no hedge"
        encoded = figure.qualifier
        yield Hit(f"figure {figure.id!r}: the quote says «{m.text}» ({m.qualifier}), the file says {encoded}",
                  figures=(figure.id,),
                  details=(display.quote_line(corpus, figure),
                           f"quote hedge: {said} ({m.qualifier}); encoded qualifier: {encoded}"),
                  data={"quote_qualifier": m.qualifier, "encoded_qualifier": encoded},
                  headline=f"The figures file hedges «{m.text}» differently from the article.")


# --- coverage: numbers nobody looked at -------------------------------------------------------

_COVERAGE_FIGURE = """\
[quantity.troops_sent]
kind = "flow"
unit = "soldier"

[[figure]]
id = "sent_s1"
source = "s1"
quote = "etwa 11.000 Soldaten entsandt"
value = "11.000"
unit = "soldier"
qualifier = "about"
quantity = "troops_sent"
as_of = "2024"
"""
_COVERAGE_TEXT = ("Im vergangenen Jahr wurden etwa 11.000 Soldaten entsandt. "
         "Anfang 2025 folgten weitere 3.000 Soldaten.\n")


@rule("P004", "uncovered-mention", "info",
      failing=Example(_COVERAGE_FIGURE, _COVERAGE_TEXT),
      passing=Example(_COVERAGE_FIGURE + """
[[skip]]
source = "s1"
quote = "weitere 3.000 Soldaten"
reason = "a later deployment, encoded in the 2025 figures file"
""", _COVERAGE_TEXT), texts=True)
def uncovered_mention(ctx):
    """A number in a source is neither encoded as a figure nor skipped.

    ## What it does
    Reads every numeric mention of each source text with the same reader as the provenance
    rules (digits in the source's language, number words, ranges, vague counts such as
    "Tausende"), leaves out dates, years, clock times, ordinals and numbers inside names
    ("KN23", "Hwasong-11Ga", URLs), and lists each mention that no figure's quote and no
    [[skip]] quote contains. When a figure's quote holds several numbers, the figure covers
    those whose value it encodes.

    ## Why is this bad?
    A consistency check only sees what was encoded. The one number nobody encoded may be the
    one that contradicts the rest, and the report would still be clean.

    ## Example
    The article says "Anfang 2025 folgten weitere 3.000 Soldaten", and neither a figure nor a
    skip quotes it.

    ## Use instead
    Encode the number as a [[figure]], or say that it was looked at and why it is not checked
    with a [[skip]] (source, quote, reason). `figcheck extract --stubs` writes both as TOML
    ready to paste. The severity is info; raise it with `[tool.figcheck] coverage = "warning"`
    or `[tool.figcheck.severity] P004`.
    """
    yield from uncovered_mentions(ctx)
