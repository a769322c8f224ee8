"""An archive's texts cut into sentences, and where each figure's quote stands in its text.

An archive repeats its sentences ("Es wurden etwa 13.000 Granaten pro Tag berichtet."), so work
that depends on a sentence alone is done once per distinct sentence: coverage reads each once
(figcheck.coverage), and the quote search below looks for every quote in each once.
`Sentences` cuts every text at ". " and codes each sentence by its distinct text.

`quote_places` answers, for every figure, where its quote first stands verbatim in its source's
text and where it next stands. `str.find` per figure reads the text up to the quote and on to
its end, to be sure there is no second place: with dozens of figures per article, every article
is read dozens of times. Instead:

- A quote that holds no ". ", does not begin with " " and does not end with "." cannot stand
  across a cut (it would hold both characters of the ". ", or the cut's "." would be its last
  character, or its " " its first), so each of its places lies inside one sentence: its places
  in the text are its places in the text's sentences, shifted.
- Every distinct sentence is searched once for every distinct quote at once (Aho–Corasick, in
  C: ahocorasick_rs), the sentences joined by ". " so that no match runs from one into the next.
- The matches of each distinct sentence are spread to every place the sentence stands (numpy);
  each (text, quote) keeps its first two places, in text order.

Other quotes, and quotes of one or two characters (they would match nearly everywhere), are
looked up with `str.find`. The result equals `reference_places` exactly; a property test holds
it to that.
"""
from __future__ import annotations

import itertools
import operator

import numpy as np
import pandas as pd

CUT = ". "
# Quotes this short are looked up with str.find: it stops at once where they are frequent.
_SHORTEST = 3


class Sentences:
    """Texts cut at ". ". Sentence k (over all texts, text after text) is `distinct[code[k]]`,
    stands in text `text_of[k]` at `at[k]`; text t's sentences are first[t] .. first[t] +
    counts[t] - 1."""

    __slots__ = ("counts", "first", "code", "distinct", "at", "text_of", "lengths")

    def __init__(self, texts: list[str], column=None):
        """`column`: the texts as an arrow large_string array (or a chunked one), cut as they
        stand there instead (`texts` is then not read)."""
        cut = _cut_column(column) if column is not None else _cut(texts)
        if cut is None:
            cut = _cut_in_python(texts)
        self.counts, code, self.distinct = cut
        lengths = np.fromiter(map(len, self.distinct), np.int64, len(self.distinct))[code]
        steps = lengths + len(CUT)
        ends = np.cumsum(steps)
        self.first = np.cumsum(self.counts) - self.counts
        starts = ends - steps
        del steps
        at = starts - np.repeat(starts[self.first] if len(starts) else starts, self.counts)
        del starts
        # the per-sentence columns in 32 bits where every value fits (half the bytes through the
        # text rules: ~8 MB less for half a million sentences); readers that multiply them widen
        # them first
        small = np.int32 if len(code) < 2 ** 31 and (not len(ends) or int(ends[-1]) < 2 ** 31) else np.int64
        self.code, self.lengths, self.at = code.astype(small), lengths.astype(small), at.astype(small)
        self.text_of = np.repeat(np.arange(len(self.counts), dtype=small), self.counts)


def _cut(texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """(sentences per text, each sentence's code, the distinct sentences in order of first
    appearance): the texts cut and the sentences coded in C++ (pyarrow), without a Python string
    per sentence, nor a bytes object per text (the texts are encoded straight into one arrow
    buffer). None where a text cannot be encoded as UTF-8 (a lone surrogate)."""
    import pyarrow as pa

    try:
        column = pa.array(texts, type=pa.large_string())
    except UnicodeEncodeError:
        return None
    return _cut_column(column)


def _cut_column(column) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """_cut of texts given as an arrow string array, or a chunked one (the chunks' sentences
    coded together: one dictionary, codes in order of first appearance over all of them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    chunked = column if isinstance(column, pa.ChunkedArray) else pa.chunked_array([column])
    del column
    cut = pc.split_pattern(chunked, CUT)
    del chunked
    counts = np.asarray(pc.list_value_length(cut).to_numpy(), dtype=np.int64)
    coded = pc.dictionary_encode(pc.list_flatten(cut))
    del cut
    chunks = [c for c in coded.chunks if len(c)]
    code = (np.concatenate([np.asarray(c.indices.to_numpy(zero_copy_only=False), dtype=np.int64) for c in chunks])
            if chunks else np.zeros(0, dtype=np.int64))
    distinct = chunks[-1].dictionary.to_pylist() if chunks else []
    del coded, chunks
    # arrow's allocator keeps what it freed for later: hand the texts' copies back at once
    pa.default_memory_pool().release_unused()
    return counts, code, distinct


def _cut_in_python(texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """_cut with str.split and a dict: the reference, and the way for any text."""
    cut = [t.split(CUT) for t in texts]
    counts = np.fromiter(map(len, cut), np.int64, len(cut))
    flat = list(itertools.chain.from_iterable(cut))
    del cut
    codes = dict.fromkeys(flat)
    for k, sentence in enumerate(codes):
        codes[sentence] = k
    code = np.fromiter(map(codes.__getitem__, flat), np.int64, len(flat))
    return counts, code, list(codes)


def factorize_objects(values) -> tuple[np.ndarray, np.ndarray]:
    """pd.factorize(values) for an object column, exactly (codes in order of first appearance,
    -1 for a missing value). A column read from an archive holds one object per distinct value
    (dictionary-decoded), so the objects are told apart by identity first, and only the distinct
    objects hashed by value."""
    values = np.asarray(values, dtype=object)
    by_object, _ = pd.factorize(np.fromiter(map(id, values), np.int64, len(values)))
    if not len(values):
        return pd.factorize(values)
    firsts = np.flatnonzero(np.diff(np.maximum.accumulate(by_object), prepend=-1) > 0)
    codes, uniques = pd.factorize(values[firsts])
    return codes[by_object], uniques


def reference_places(texts: list[str], text_of, quotes) -> tuple[np.ndarray, np.ndarray]:
    """For each figure (the position of its source's text in `texts`, -1 for none; its quote):
    where the quote first stands verbatim in the text and where it next stands (searched from
    one character after the first, so places may overlap); -1 where it does not (an empty
    quote, a quote that is no string, no text)."""
    first, second = [], []
    for t, quote in zip(text_of, quotes):
        a = b = -1
        if isinstance(quote, str) and quote and t >= 0:
            text = texts[t] or ""
            a = text.find(quote)
            if a >= 0:
                b = text.find(quote, a + 1)
        first.append(a)
        second.append(b)
    return np.array(first, dtype=np.int64), np.array(second, dtype=np.int64)


def quote_places(texts: list[str], text_of: np.ndarray, quotes, sentences=None, quote_codes=None, lengths=None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """reference_places, each distinct sentence searched once (see the module). `sentences`:
    Sentences(texts), and `quote_codes`: factorize_objects(quotes), if made already; `lengths`:
    each text's length, if known (`texts` is then read only where a quote is looked up with
    str.find: it may make each text when asked, as coverage's _Texts does)."""
    n = len(quotes)
    # places in 32 bits where the texts' lengths are known to fit (kept through the text rules)
    wide = lengths is None or not len(lengths) or int(np.max(lengths)) >= 2 ** 31
    first = np.full(n, -1, dtype=np.int64 if wide else np.int32)
    second = np.full(n, -1, dtype=first.dtype)
    if n == 0:
        return first, second
    text_of = np.asarray(text_of, dtype=np.int64)
    if quote_codes is None:
        try:
            quote_codes = factorize_objects(quotes)
        except TypeError:        # a quote that cannot be hashed (no string): the plain search
            return reference_places(texts, text_of, quotes)
    quote_codes, distinct_quotes = quote_codes

    # each distinct quote: a pattern of the automaton (its number), looked up with str.find
    # (-2), or standing nowhere (-1: empty, no string); the last entry: a missing quote
    pattern_of = np.full(len(distinct_quotes) + 1, -1, dtype=np.int64)
    patterns = []
    for k, q in enumerate(distinct_quotes):
        if not isinstance(q, str) or not q:
            continue
        if len(q) < _SHORTEST or CUT in q or q[0] == " " or q[-1] == ".":
            pattern_of[k] = -2
        else:
            pattern_of[k] = len(patterns)
            patterns.append(q)
    has_text = (np.array([bool(t) for t in texts] + [False]) if lengths is None
                else np.append(np.asarray(lengths) > 0, False))
    pattern = pattern_of[quote_codes]
    text_of = np.where(text_of >= 0, text_of, len(texts))
    with_text = has_text[text_of]

    for i in np.flatnonzero((pattern == -2) & with_text).tolist():
        text, quote = texts[text_of[i]], distinct_quotes[quote_codes[i]]
        a = text.find(quote)
        if a >= 0:
            first[i], second[i] = a, text.find(quote, a + 1)

    rows = np.flatnonzero((pattern >= 0) & with_text)
    del with_text
    if len(rows):
        if sentences is None:
            sentences = Sentences([t or "" for t in texts])
        # handed over in a list the search empties: not held here (nor is a text and a pattern
        # for every figure) while the search makes its own arrays
        wanted = [text_of[rows], pattern[rows]]
        del text_of, pattern
        _search(sentences, patterns, wanted, rows, first, second)
    return first, second


def _search(sentences: Sentences, patterns: list[str], wanted: list, rows: np.ndarray, first: np.ndarray,
            second: np.ndarray) -> None:
    """Fill first and second at `rows`: row rows[j] wants the places of patterns[wanted_pattern[j]]
    in text wanted_text[j] (`wanted`: [wanted_text, wanted_pattern], emptied once read)."""
    wanted_text, wanted_pattern = wanted
    wanted.clear()
    distinct = sentences.distinct
    joined = CUT.join(distinct)
    steps = np.fromiter(map(len, distinct), np.int64, len(distinct)) + len(CUT)
    distinct_at = np.cumsum(steps) - steps
    found = _matches(patterns, joined)
    if not len(found):
        return
    # matches come in the order of their ends: by sentence, and in text order for one pattern
    found_pattern, found_start = found[:, 0], found[:, 1]
    found_sentence = np.searchsorted(distinct_at, found_start, side="right") - 1
    found_at = found_start - distinct_at[found_sentence]
    per_distinct = np.bincount(found_sentence, minlength=len(distinct))
    first_match = np.cumsum(per_distinct) - per_distinct

    # every match at every place its sentence stands: text after text, in text order
    per_sentence = per_distinct[sentences.code]
    total = int(per_sentence.sum())
    if total == 0:
        return
    sentence_of = np.repeat(np.arange(len(per_sentence)), per_sentence)
    # match k of a sentence: its distinct sentence's first match, plus k
    match = np.arange(total) + np.repeat(first_match[sentences.code] - (np.cumsum(per_sentence) - per_sentence),
                                         per_sentence)
    spread_key = sentences.text_of[sentence_of].astype(np.int64) * len(patterns) + found_pattern[match]
    spread_place = sentences.at[sentence_of] + found_at[match]
    del sentence_of, match

    # the places of each key, then the rows that want it; a stable sort keeps places in text
    # order and before the rows
    keys = np.concatenate([spread_key, wanted_text * len(patterns) + wanted_pattern])
    del spread_key, wanted_text, wanted_pattern
    order = stable_order(keys)
    sorted_keys = keys[order]
    del keys
    n = len(sorted_keys)
    row_at = np.flatnonzero(order >= total)
    # where each row's key begins: the rows' keys are in order, so the search reads front to back
    g = np.searchsorted(sorted_keys, sorted_keys[row_at])
    row = rows[order[row_at] - total]
    has_first = order[g] < total
    first[row[has_first]] = spread_place[order[g[has_first]]]
    g2 = np.minimum(g + 1, n - 1)
    has_second = has_first & (order[g2] < total) & (sorted_keys[g2] == sorted_keys[g])
    second[row[has_second]] = spread_place[order[g2[has_second]]]


# The automaton of the last quote search in this process: (its patterns, their numbers, it). The
# text worker searches an archive part after part, and a part brings few quotes the part before
# it had not (a 1M archive's second quarter: 2,100 of its 19,200), so that a part whose quotes
# are mostly known is searched with the kept automaton and one made of its new quotes only.
_KEPT: list = []


def _matches(patterns: list[str], joined: str) -> np.ndarray:
    """(pattern, start, end) of every place a pattern stands in `joined` (overlapping), in the
    order of their ends, as rows of an array."""
    if _KEPT:
        kept, number, automaton = _KEPT[0]
        known = np.fromiter(map(number.get, patterns, itertools.repeat(-1)), np.int64, len(patterns))
        new = np.flatnonzero(known < 0)
        if 4 * len(new) <= len(patterns):
            found = _found(automaton, joined)
            # the kept patterns' numbers → these patterns' (-1: not one of them)
            mine = np.full(len(kept), -1, dtype=np.int64)
            mine[known[known >= 0]] = np.flatnonzero(known >= 0)
            found[:, 0] = mine[found[:, 0]]
            found = found[found[:, 0] >= 0]
            if len(new):
                more = _found(_automaton([patterns[k] for k in new.tolist()]), joined)
                more[:, 0] = new[more[:, 0]]
                found = np.concatenate([found, more])
                found = found[np.argsort(found[:, 2], kind="stable")]
            return found
    automaton = _automaton(patterns)
    _KEPT[:] = [(patterns, {q: k for k, q in enumerate(patterns)}, automaton)]
    return _found(automaton, joined)


def _automaton(patterns: list[str]):
    import ahocorasick_rs

    return ahocorasick_rs.AhoCorasick(patterns, implementation=ahocorasick_rs.Implementation.ContiguousNFA)


def _found(automaton, joined: str) -> np.ndarray:
    return np.array(automaton.find_matches_as_indexes(joined, overlapping=True), dtype=np.int64).reshape(-1, 3)


def stable_order(keys: np.ndarray) -> np.ndarray:
    """np.argsort(keys, kind="stable") for non-negative integers: where they fit in 32 bits, as
    two stable sorts of 16-bit halves, low then high (numpy sorts 16-bit integers by radix, in
    linear time; a stable sort of 64-bit integers is a merge sort)."""
    if not len(keys) or keys.min() < 0 or keys.max() >= 1 << 32:
        return np.argsort(keys, kind="stable")
    low = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return low[np.argsort((keys[low] >> 16).astype(np.uint16), kind="stable")]


def whole_sentences(sentences: Sentences, text_of, quotes) -> np.ndarray:
    """For each quote (the position of its text in the texts cut, -1 for none): whether it is
    one of its text's sentences whole (a piece of the text cut at ". "), or such a sentence and
    the full stop after it where another sentence follows. Either way it stands verbatim in the
    text; False says nothing (the quote may stand in the text elsewhere). A relation's quote is
    nearly always a whole sentence: a look-up settles it without reading the text."""
    n = len(quotes)
    out = np.zeros(n, dtype=bool)
    if n == 0 or not len(sentences.code):
        return out
    n_distinct = len(sentences.distinct)
    index = dict(zip(sentences.distinct, range(n_distinct)))
    quotes = list(quotes)
    if all(type(q) is str and q for q in quotes):
        # the distinct sentence each quote is, and the one it is without its last character,
        # looked up in C (-1: none); the second counts where that character is a full stop
        as_is = np.fromiter(map(index.get, quotes, itertools.repeat(-1)), np.int64, n)
        stopped = np.fromiter(map(index.get, map(operator.getitem, quotes, itertools.repeat(_BUT_LAST)),
                                  itertools.repeat(-1)), np.int64, n)
        ends_with_stop = np.fromiter(map(operator.eq, map(operator.getitem, quotes, itertools.repeat(-1)),
                                         itertools.repeat(".")), bool, n)
        stopped[~ends_with_stop] = -1
    else:
        as_is = np.fromiter((index.get(q, -1) if type(q) is str else -1 for q in quotes), np.int64, n)
        stopped = np.fromiter((index.get(q[:-1], -1) if type(q) is str and q[-1:] == "." else -1 for q in quotes),
                              np.int64, n)
    text_of = np.asarray(text_of, dtype=np.int64)
    # the sentences that are some quote's, by (text, distinct sentence); those not last in
    # their text are followed by ". "
    asked = np.zeros(n_distinct + 1, dtype=bool)
    asked[as_is] = True
    asked[stopped] = True
    candidates = np.flatnonzero(asked[:-1][sentences.code])
    last = np.zeros(len(sentences.code), dtype=bool)
    last[sentences.first + sentences.counts - 1] = True
    keys = sentences.text_of[candidates].astype(np.int64) * n_distinct + sentences.code[candidates]
    inner_keys = keys[~last[candidates]]
    has_text = text_of >= 0
    whole = has_text & (as_is >= 0)
    # (hashed: numpy's isin sorts)
    out[whole] = pd.Series(text_of[whole] * n_distinct + as_is[whole]).isin(keys).to_numpy()
    with_stop = has_text & (stopped >= 0) & ~out
    out[with_stop] = pd.Series(text_of[with_stop] * n_distinct + stopped[with_stop]).isin(inner_keys).to_numpy()
    return out


_BUT_LAST = slice(None, -1)
