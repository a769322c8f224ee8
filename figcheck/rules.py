"""Rules, their examples, the findings they produce, and the one registry.

A rule is a function with its metadata beside it (the @rule decorator); the docstring's first
line is the summary, the rest the explanation. Codes are chosen once and never reused.
"""
from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

CODE = re.compile(r"^[PAXST]\d{3}$")
NAME = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class Severity(enum.IntEnum):
    info = 0
    warning = 1
    error = 2

    @classmethod
    def parse(cls, text: str) -> "Severity":
        try:
            return cls[text.strip().lower()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r} (info, warning, error)") from None


EXAMPLE_SOURCE = """\
[[source]]
id = "s1"
file = "article.txt"
title = "Beispiel"
published = 2025-01-15
language = "de"
"""


@dataclass(frozen=True)
class Example:
    """A small figures file (without its [[source]] s1, added by the harness) and its article."""

    figures: str
    text: str
    extra: dict = field(default_factory=dict, hash=False)   # more source files: name → text

    def files(self) -> dict[str, str]:
        return {"figures.toml": EXAMPLE_SOURCE + "\n" + self.figures, "article.txt": self.text, **self.extra}


@dataclass(frozen=True)
class Hit:
    """What a rule says about one inconsistency; the engine turns it into a Finding."""

    message: str
    figures: tuple[str, ...] = ()
    relation: str | None = None
    details: tuple[str, ...] = ()     # the arithmetic, the quotes, the explanation: one line each
    data: dict = field(default_factory=dict)   # structured fields for JSON/SARIF
    severity: Severity | None = None  # a rule may lower or raise its default for one hit
    headline: str = ""                # a sentence an editor understands
    where: object | None = None       # a figcheck.model.Where when no figure or relation locates it


# make_hit() fills a Hit's __dict__ directly while Hit has exactly these fields and no __post_init__
# (tests/test_fingerprints.py); otherwise it calls the constructor
_HIT_FIELDS = ("message", "figures", "relation", "details", "data", "severity", "headline", "where")
_FAST_HITS = (tuple(Hit.__dataclass_fields__) == _HIT_FIELDS and not hasattr(Hit, "__post_init__"))


def make_hit(message: str, figures: tuple = (), relation: str | None = None, details: tuple = (), data=None,
        severity: Severity | None = None, headline: str = "", where: object | None = None) -> Hit:
    """Hit(...), without the frozen dataclass's setattr per field (~1 us a hit: a rule that
    reports thousands builds them this way). The same object: its fields stored in their order."""
    if data is None:
        data = {}
    if not _FAST_HITS:
        return Hit(message, figures, relation, details, data, severity, headline, where)
    made = object.__new__(Hit)
    fields = made.__dict__
    fields["message"] = message
    fields["figures"] = figures
    fields["relation"] = relation
    fields["details"] = details
    fields["data"] = data
    fields["severity"] = severity
    fields["headline"] = headline
    fields["where"] = where
    return made


@dataclass(frozen=True)
class Finding:
    code: str
    name: str
    severity: Severity
    message: str
    figures: tuple[str, ...]
    relation: str | None
    file: str
    line: int
    details: tuple[str, ...] = ()
    data: dict = field(default_factory=dict, compare=False)
    headline: str = ""
    fingerprint: str = ""
    new: bool = True

    def to_json(self) -> dict:
        return {
            "code": self.code, "name": self.name, "severity": self.severity.name,
            "message": self.message, "headline": self.headline or self.message,
            "figures": list(self.figures), "relation": self.relation,
            "file": self.file, "line": self.line, "fingerprint": self.fingerprint,
            "new": self.new, "details": list(self.details), "data": self.data,
        }


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: Severity
    summary: str
    explanation: str
    failing: Example
    passing: Example
    check: Callable
    family: str
    # "quantity": the rule looks at one quantity (with its parts and whole) at a time, so its
    # check may run on a partition of the figure table holding whole quantity families (the
    # Dask engine); None: it needs the whole corpus (relations across quantities).
    partition: str | None = None
    # True: the rule reads the source texts and only the corpus (no figure table, no relation
    # results), so it may run in a worker process beside the others (figcheck.prefetch).
    texts: bool = False

    def to_json(self) -> dict:
        return {"code": self.code, "name": self.name, "severity": self.severity.name,
                "family": self.family, "summary": self.summary, "explanation": self.explanation,
                "failing": self.failing.figures, "passing": self.passing.figures,
                "partition": self.partition}


REGISTRY: dict[str, Rule] = {}


PARTITIONS = (None, "quantity")


def rule(code: str, name: str, severity: str, failing: Example, passing: Example, partition: str | None = None,
         texts: bool = False):
    """Register a rule: `@rule("A001", "relation-does-not-hold", "error", failing=..., passing=...)`.

    `partition="quantity"` declares that the rule only ever compares figures of one quantity
    family (a quantity, its parts and its whole): the Dask engine then runs it per partition.
    `texts=True` declares that it reads the source texts and needs nothing but the corpus: on a
    big archive it runs in a worker process while the other rules run.
    """
    if partition not in PARTITIONS:
        raise ValueError(f"rule {code}: partition must be one of {PARTITIONS}")
    if not CODE.match(code):
        raise ValueError(f"rule code {code!r}: a family letter and three digits")
    if not NAME.match(name):
        raise ValueError(f"rule name {name!r}: kebab-case")

    def register(func: Callable[["Context"], Iterable[Hit]]):
        doc = (func.__doc__ or "").strip()
        if not doc:
            raise ValueError(f"rule {code} needs a docstring: summary line, then explanation")
        summary, _, explanation = doc.partition("\n")
        if code in REGISTRY and REGISTRY[code].check.__qualname__ != func.__qualname__:
            raise ValueError(f"rule code {code} registered twice")
        module = func.__module__.rsplit(".", 1)[-1]
        REGISTRY[code] = Rule(code, name, Severity.parse(severity), summary.strip(),
                              _dedent(explanation), failing, passing, func, module, partition, texts)
        return func

    return register


def _dedent(text: str) -> str:
    import textwrap

    return textwrap.dedent(text).strip()


class Context:
    """What a rule sees: the corpus, the figure table, the settings, shared derived results."""

    def __init__(self, corpus, table, settings=None):
        self.corpus = corpus
        self.table = table
        self.settings = settings or {}

    @functools.cached_property
    def relation_results(self):
        from .relations import evaluate_all

        return evaluate_all(self.corpus, self.table)

    def figure(self, fid: str):
        return self.corpus.figures[fid]

    def source_of(self, fid: str):
        return self.corpus.sources[self.corpus.figures[fid].source]
