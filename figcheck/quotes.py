"""Finding a quote in its source text, insensitive to what typesetting changes.

Whitespace and line breaks, soft hyphens, hyphenation at a line break and the kind of quotation
marks, apostrophes and dashes do not make a quote differ from its source.
"""
from __future__ import annotations

import difflib
import functools
import re
import unicodedata

_MARKS = str.maketrans({
    "„": '"', "“": '"', "”": '"', "‟": '"', "«": '"', "»": '"', "″": '"', "〞": '"',
    "‚": "'", "‘": "'", "’": "'", "‛": "'", "‹": "'", "›": "'", "`": "'", "´": "'",
    "–": "-", "—": "-", "‑": "-", "‐": "-",
})
_HYPHENATED = re.compile(r"(?<=\w)-[ \t]*\r?\n\s*(?=[a-zäöüß])")


@functools.lru_cache(maxsize=256)
def normalise(text: str) -> tuple[str, tuple[int, ...]]:
    """The matching form of `text`, and for each of its characters the index in `text`."""
    out: list[str] = []
    where: list[int] = []
    skip_until = -1
    breaks = {m.start(): m.end() for m in _HYPHENATED.finditer(text)}
    pending_space = False
    for i, ch in enumerate(text):
        if i < skip_until:
            continue
        if i in breaks:
            skip_until = breaks[i]
            continue
        if ch == "\u00ad":
            continue
        if ch.isspace():
            pending_space = bool(out)
            continue
        if out and not pending_space and unicodedata.combining(ch):
            # compose "a" + U+0308 into "ä" in place, so indices keep pointing into `text`
            composed = unicodedata.normalize("NFC", out[-1] + ch)
            if len(composed) == 1:
                out[-1] = composed
                continue
        if pending_space:
            out.append(" ")
            where.append(i)
            pending_space = False
        out.append(ch.translate(_MARKS))
        where.append(i)
    return "".join(out), tuple(where)


def locate(text: str, quote: str) -> tuple[int, int] | None:
    """(start, end) of `quote` in `text` (original indices), or None."""
    norm_text, where = normalise(text)
    norm_quote, _ = normalise(quote)
    if not norm_quote:
        return None
    k = norm_text.find(norm_quote)
    if k < 0:
        return None
    return where[k], where[k + len(norm_quote) - 1] + 1


def closest_passage(text: str, quote: str) -> tuple[str, float]:
    """The passage of `text` most like `quote`, and how alike (0..1): for "did you mean"."""
    norm_text, where = normalise(text)
    norm_quote, _ = normalise(quote)
    if not norm_text or not norm_quote:
        return "", 0.0
    n = len(norm_quote)
    starts = [0] + [m.end() for m in re.finditer(r" ", norm_text)]
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(norm_quote)
    best, best_ratio = 0, -1.0
    for s in starts:
        matcher.set_seq1(norm_text[s:s + n])
        if matcher.real_quick_ratio() <= best_ratio or matcher.quick_ratio() <= best_ratio:
            continue
        ratio = matcher.ratio()
        if ratio > best_ratio:
            best, best_ratio = s, ratio
    end = min(best + n, len(norm_text)) - 1
    return text[where[best]: where[end] + 1], max(best_ratio, 0.0)
