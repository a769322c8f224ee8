"""Provenance: numbers of a source that nobody looked at (to be folded into provenance.py)."""
from __future__ import annotations

from figcheck.coverage import uncovered_mentions
from figcheck.rules import Example, rule

_FIGURE = """\
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
_TEXT = ("Im vergangenen Jahr wurden etwa 11.000 Soldaten entsandt. "
         "Anfang 2025 folgten weitere 3.000 Soldaten.\n")


@rule("P004", "uncovered-mention", "info",
      failing=Example(_FIGURE, _TEXT),
      passing=Example(_FIGURE + """
[[skip]]
source = "s1"
quote = "weitere 3.000 Soldaten"
reason = "a later deployment, encoded in the 2025 figures file"
""", _TEXT))
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
