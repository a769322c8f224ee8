"""`figcheck extract`: which sources to read, and the listing or the TOML stubs it prints."""
from __future__ import annotations

import json
import os
import re
from pathlib import Path

from .coverage import OPEN, SourceCoverage, corpus_coverage, source_coverage, stubs, summary
from .formats.text_format import _clean
from .load import display_path, load
from .model import Corpus, Source, Where
from .numbers import base_language


def resolve_sources(figures_files, wanted, language, about_margin=1.0):
    """(sources, coverage by source id) for the items on the command line.

    An item is a source id of the figures files, or a text file: one of their sources, or a
    stand-alone article read in `language` (nothing in it is covered yet). No items: every
    source of the figures files. Bad items raise ValueError (exit 2).
    """
    corpus = load(figures_files, about_margin) if figures_files else Corpus((), {}, {}, {}, {})
    coverage = corpus_coverage(corpus)
    if not wanted:
        return list(corpus.sources.values()), coverage
    by_path = {os.path.realpath(s.path): s for s in corpus.sources.values()}
    chosen: list[Source] = []
    for item in wanted:
        if item in corpus.sources:
            chosen.append(corpus.sources[item])
            continue
        path = Path(item)
        if not path.is_file():
            known = ", ".join(corpus.sources) or "none"
            raise ValueError(f"{item!r} is neither a source id (known: {known}) nor a file")
        real = os.path.realpath(path)
        if real in by_path:
            chosen.append(by_path[real])
            continue
        if not language:
            raise ValueError(f"{item}: not a source of the figures files; give --language (de, en, de-CH)")
        if base_language(language) != language.replace("-", "_").split("_")[0].lower():
            raise ValueError(f"--language {language!r} is not supported (de, en, and their regions such as de-CH)")
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{item}: not UTF-8") from None
        except OSError as exc:
            raise ValueError(f"{item}: cannot be read: {exc.strerror or exc}") from None
        sid = re.sub(r"[^\w.-]", "_", path.stem, flags=re.ASCII) or "text"
        source = Source(sid, str(path), str(path), path.name, None, language, text, Where(str(path), 1))
        coverage[sid] = source_coverage(source, (), ())
        chosen.append(source)
    return chosen, coverage


def render_extract(sources, coverage: dict[str, SourceCoverage], stubs: bool = False,
                   claims_only: bool = False, fmt: str = "text") -> str:
    if stubs:
        return _stubs(sources, coverage)
    if fmt == "json":
        return _json(sources, coverage, claims_only)
    lines = []
    for source in sources:
        cov = coverage[source.id]
        file = display_path(Path(source.path))
        for e in cov.entries:
            m = e.mention
            if claims_only and not m.needs_look:
                continue
            text = json.dumps(m.text, ensure_ascii=False)
            if m.needs_look:
                hedge = "" if m.qualifier == "exact" else f" {m.qualifier}"
                vague = " vague" if m.vague else ""
                unit = f"  unit? {m.unit_guess}" if m.unit_guess else ""
                by = f"  ← {e.by}" if e.by else ""
                lines.append(f"{file}:{m.line}:{m.column}: {m.kind:<10} {e.status:<8} {text}  "
                             f"{m.value_text()}{hedge}{vague}{unit}{by}")
            else:
                lines.append(f"{file}:{m.line}:{m.column}: {m.kind:<10} {'-':<8} {text}  ({m.why})")
        kinds = {k: n for k, n in cov.kinds().items() if k not in ("claim", "unreadable")}
        others = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        lines.append(f"{source.id}: {cov.claims} claim{'s' if cov.claims != 1 else ''}: "
                     f"{cov.count('encoded')} encoded, {cov.count('skipped')} skipped, "
                     f"{cov.count(OPEN)} open" + (f"; not claims: {others}" if others else ""))
        lines.append("")
    total = summary({s.id: coverage[s.id] for s in sources})
    lines.append(f"{total['claims']} claim mentions in {len(sources)} source{'s' if len(sources) != 1 else ''}: "
                 f"{total['encoded']} encoded, {total['skipped']} skipped, {total['open']} open "
                 f"({total['percent']:g} % covered)")
    return "\n".join(_clean(line) for line in lines) + "\n"


def _json(sources, coverage, claims_only) -> str:
    out = []
    for source in sources:
        for e in coverage[source.id].entries:
            m = e.mention
            if claims_only and not m.needs_look:
                continue
            out.append({"source": source.id, "file": display_path(Path(source.path)), "line": m.line,
                        "column": m.column, "start": m.start, "end": m.end, "text": m.text,
                        "number": m.number, "low": m.low, "high": m.high, "qualifier": m.qualifier,
                        "unit_guess": m.unit_guess, "kind": m.kind, "why": m.why, "vague": m.vague,
                        "status": e.status or None, "by": e.by or None})
    doc = {"mentions": out, "coverage": summary({s.id: coverage[s.id] for s in sources})}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def _stubs(sources, coverage) -> str:
    parts = []
    for source in sources:
        open_entries = coverage[source.id].open
        if not open_entries:
            continue
        parts.append(f"# {source.id}: {len(open_entries)} open mention{'s' if len(open_entries) != 1 else ''}"
                     " (figcheck extract --stubs); finish by hand\n")
        parts.append(stubs(source, open_entries, [e.mention for e in coverage[source.id].entries]))
    if not parts:
        return "# figcheck extract --stubs: every claim mention is encoded or skipped\n"
    return "\n".join(parts)
