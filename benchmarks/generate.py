"""Synthetic newsroom archives for the scale benchmark: TOML (many files) and columnar (CSV, Parquet).

    python benchmarks/generate.py --figures 100000            # -> benchmarks/data/100k/{toml,csv,parquet}
    python benchmarks/generate.py --figures 1000000 --formats csv,parquet

What a corpus holds (all seeded, so one seed gives one corpus):
- sources in German (most) and English, each with a text file that holds its quotes verbatim;
- quantities of five families: troops (soldier, stock), salaries (USD/soldier/month, stock),
  deployment costs (USD/year, flow), shell use (shell/year, flow) and deaths (person, cumulative).
  Most quantities have a handful of figures, about 1 in 200 has hundreds;
- figures with every qualifier, stated ranges, values as written in the source's language
  ("11.000", "2,5 Millionen", "11,000", "2.5 million"), some as plain TOML numbers, and units
  that need conversion (shell/day vs shell/year, USD/soldier/year vs USD/soldier/month,
  USD/month vs USD/year);
- relations of two shapes: `salary * troops == cost` (within a source) and `a == b` (two
  figures of one quantity and period);
- periods: years for flows, months for stocks, days for cumulative counts; a fifth of the
  quantities have figures in two periods with different true values;
- planted inconsistencies at a known rate (default 1 %): a figure whose value is off by a
  factor or by a month/year slip. Their ids are written to planted.csv.

Every other figure is true by construction: its interval (as figcheck reads it) contains the
quantity's true value, so findings beyond the planted ones point at a bug.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from figcheck.numbers import integer_about_half  # noqa: E402  (the generator writes what figcheck reads)

YEAR_DAYS = 365.25
NOUNS = {
    "de": {"soldier": "Soldaten", "shell": "Granaten", "person": "Tote", "USD": "Dollar"},
    "en": {"soldier": "soldiers", "shell": "shells", "person": "dead", "USD": "dollars"},
}
PER = {"de": {"day": "pro Tag", "month": "pro Monat", "year": "pro Jahr", "soldier/month": "pro Soldat und Monat",
              "soldier/year": "pro Soldat und Jahr"},
       "en": {"day": "a day", "month": "a month", "year": "a year", "soldier/month": "per soldier a month",
              "soldier/year": "per soldier a year"}}
HEDGE = {
    "de": {"exact": "", "about": "etwa ", "more_than": "mehr als ", "at_least": "mindestens ",
           "less_than": "weniger als ", "up_to": "bis zu ", "almost": "fast "},
    "en": {"exact": "", "about": "about ", "more_than": "more than ", "at_least": "at least ",
           "less_than": "fewer than ", "up_to": "up to ", "almost": "nearly "},
}
ATTRIBUTED = ["Verteidigungsministerium", "Geheimdienst", "Autor", "Regierungssprecher", "Analysten", "Nato"]
# unit of the quantity, then the units its figures are written in, with the factor from the
# quantity's unit to the figure's unit
FAMILIES = {
    "troops": ("stock", "soldier", [("soldier", 1.0)]),
    "salary": ("stock", "USD/soldier/month", [("USD/soldier/month", 1.0), ("USD/soldier/year", 12.0)]),
    "cost": ("flow", "USD/year", [("USD/year", 1.0), ("USD/month", 1 / 12)]),
    "shells": ("flow", "shell/year", [("shell/year", 1.0), ("shell/day", 1 / YEAR_DAYS), ("shell/month", 1 / 12)]),
    "killed": ("cumulative", "person", [("person", 1.0)]),
}
QUALIFIER_WEIGHTS = {"about": 0.45, "exact": 0.2, "more_than": 0.07, "at_least": 0.05, "less_than": 0.05,
                     "up_to": 0.07, "almost": 0.05, "range": 0.06}


# --- numbers as written -----------------------------------------------------------------------

def round_sig(x: float, digits: int, how: str = "nearest") -> float:
    """x rounded to `digits` significant digits: nearest, down or up."""
    if x <= 0:
        return 0.0
    unit = 10.0 ** (math.floor(math.log10(x)) - digits + 1)
    f = {"nearest": round, "down": math.floor, "up": math.ceil}[how]
    return float(f(x / unit) * unit)


def grouped(n: int, lang: str) -> str:
    text = f"{n:,}"
    return text.replace(",", ".") if lang == "de" else text


def written(x: float, lang: str) -> tuple[str, float, float]:
    """(text, written half, about half) of a value with at most three significant digits."""
    for scale, words in ((1e9, {"de": "Milliarden", "en": "billion"}), (1e6, {"de": "Millionen", "en": "million"})):
        if x >= scale:
            m = round(x / scale, 3)
            mantissa = f"{m:.3f}".rstrip("0").rstrip(".")
            decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
            if lang == "de":
                mantissa = mantissa.replace(".", ",")
            word = words[lang]
            if mantissa == "1":
                word = {"Milliarden": "Milliarde", "Millionen": "Million"}.get(word, word)
            half = 0.5 * 10.0 ** (-decimals) * scale
            return f"{mantissa} {word}", half, half
    n = int(round(x))
    return grouped(n, lang), 0.0, integer_about_half(n)


def stated(truth: float, qualifier: str, lang: str, rng) -> tuple[str, str, float] | None:
    """(qualifier, value text, value) of a true statement of `truth`, or None if none fits."""
    def text_of(x):
        return written(x, lang)

    if qualifier == "exact":
        t, wh, _ = text_of(truth)
        return ("exact", t, truth) if wh == 0 or _shown(truth) == truth else None
    if qualifier == "about":
        for digits in (2, 3, 4):
            x = round_sig(truth, digits)
            t, wh, ah = text_of(x)
            if abs(x - truth) < 0.99 * max(wh, ah) and x > 0:   # a margin for float unit factors
                return "about", t, x
        return None
    if qualifier in ("more_than", "at_least"):
        x = round_sig(truth * (0.9 if qualifier == "more_than" else 0.999), 2, "down")
        t, wh, _ = text_of(x)
        return (qualifier, t, x) if x < truth * 0.999 else None
    if qualifier in ("less_than", "up_to"):
        x = round_sig(truth * (1.1 if qualifier == "less_than" else 1.001), 2, "up")
        t, wh, _ = text_of(x)
        return (qualifier, t, x) if x > truth * 1.001 else None
    if qualifier == "almost":
        for digits in (2, 3):
            x = round_sig(truth * 1.01, digits, "up")
            t, wh, ah = text_of(x)
            if x - 0.99 * max(wh, ah) < truth < x * 0.999:
                return "almost", t, x
        return None
    raise ValueError(qualifier)


def _shown(x: float) -> float:
    """The value `written` shows for x (three decimals of its scale word)."""
    for scale in (1e9, 1e6):
        if x >= scale:
            return round(x / scale, 3) * scale
    return float(round(x))


# --- the corpus -------------------------------------------------------------------------------

def generate(n_figures: int, seed: int = 1, planted_rate: float = 0.01, figures_per_source: int = 40):
    """Frames: sources, quantities, figures, relations, planted; plus source texts."""
    rng = np.random.default_rng(seed)
    n_sources = max(5, n_figures // figures_per_source)
    src_lang = np.where(rng.random(n_sources) < 0.85, "de", "en")
    src_published = pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 6 * 365, n_sources), unit="D")
    src_ids = np.array([f"s{i:06d}" for i in range(n_sources)])

    figures = []          # dicts, one per figure
    relations = []
    planted = []
    texts: dict[int, list[str]] = {i: [] for i in range(n_sources)}
    quantities = []
    fig_counter = 0
    group = 0

    def size():
        if rng.random() < 0.005:
            return int(rng.integers(100, 500))
        return int(rng.integers(2, 12))

    def add_figure(qkey, family, period, truth, src, relation_slot=None):
        nonlocal fig_counter
        lang = src_lang[src]
        qunit_factor_choices = FAMILIES[family][2]
        unit, factor = qunit_factor_choices[int(rng.integers(len(qunit_factor_choices)))]
        value_truth = truth * factor
        is_planted = rng.random() < planted_rate
        if is_planted:
            slip = rng.choice([2.5, 0.35, 12.0, 1 / 12, 1.8])
            value_truth = round_sig(value_truth * slip, 2)
        names = list(QUALIFIER_WEIGHTS)
        qual = rng.choice(names, p=np.array(list(QUALIFIER_WEIGHTS.values())))
        if factor != 1.0 and qual == "exact":
            qual = "about"   # a converted value is never exact
        fid = f"f{fig_counter:07d}"
        fig_counter += 1
        hedge_lang = HEDGE[lang]
        got = None if qual == "range" else (stated(value_truth, qual, lang, rng)
                                             or stated(value_truth, "about", lang, rng))
        if got is None:
            lo = round_sig(value_truth * 0.8, 2, "down")
            hi = round_sig(value_truth * 1.25, 2, "up")
            lo_t, hi_t = written(lo, lang)[0], written(hi, lang)[0]
            value = [lo_t, hi_t]
            qualifier = "exact"
            number_text = f"{lo_t} {'bis' if lang == 'de' else 'to'} {hi_t}"
        else:
            qualifier, value, _ = got
            number_text = hedge_lang[qualifier] + value
        base, _, per = unit.partition("/")
        noun = NOUNS[lang][base]
        quote = f"{number_text} {noun}" + (f" {PER[lang][per]}" if per else "")
        plain_number = (not isinstance(value, list) and qualifier != "exact" and "," not in value
                        and "." not in value and " " not in value and rng.random() < 0.5)
        figures.append({
            "id": fid, "source": src_ids[src], "quote": quote,
            "value": value, "plain_number": plain_number, "unit": unit, "qualifier": qualifier,
            "quantity": qkey, "as_of": period, "attributed_to": ATTRIBUTED[int(rng.integers(len(ATTRIBUTED)))],
            "modality": "estimate" if rng.random() < 0.1 else "reported",
        })
        verb = "berichtet" if lang == "de" else "reported"
        texts[src].append(f"Es wurden {quote} {verb}." if lang == "de" else f"Officials {verb} {quote}.")
        if is_planted:
            planted.append(fid)
        return fid

    def periods_of(kind, year):
        if kind == "flow":
            return f"{year}"
        if kind == "stock":
            return f"{year}-{int(rng.integers(1, 13)):02d}"
        return f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"

    def truth_for(family):
        base = {"troops": (1e3, 1e5), "salary": (500, 5000), "cost": None, "shells": (1e6, 2e7), "killed": (100, 2e4)}
        lo, hi = base[family]
        return round_sig(float(np.exp(rng.uniform(np.log(lo), np.log(hi)))), 2)

    while fig_counter < n_figures:
        group += 1
        if rng.random() < 0.4:
            # a deployment: troops, salary, cost, reported together by the same sources
            keys = {fam: f"q{group:06d}_{fam}" for fam in ("troops", "salary", "cost")}
            for fam, key in keys.items():
                quantities.append({"key": key, "kind": FAMILIES[fam][0], "unit": FAMILIES[fam][1],
                                   "description": f"{fam} of deployment {group}"})
            year = int(rng.integers(2020, 2026))
            k = max(1, size() // 2)
            srcs = rng.choice(n_sources, size=min(k, n_sources), replace=False)
            troops = truth_for("troops")
            salary = truth_for("salary")
            cost = troops * salary * 12
            period = f"{year}"
            per_quantity = {fam: [] for fam in keys}
            for s in srcs:
                ids = {}
                for fam, truth in (("troops", troops), ("salary", salary), ("cost", cost)):
                    ids[fam] = add_figure(keys[fam], fam, period, truth, int(s))
                    per_quantity[fam].append(ids[fam])
                relations.append({"source": src_ids[s],
                                  "expr": f"{ids['salary']} * {ids['troops']} == {ids['cost']}",
                                  "quote": texts[int(s)][-1]})
            for fam, ids in per_quantity.items():
                for a, b in zip(ids, ids[1:]):
                    relations.append({"source": figures_source(figures, a), "expr": f"{a} == {b}", "quote": ""})
        else:
            fam = "shells" if rng.random() < 0.6 else "killed"
            key = f"q{group:06d}_{fam}"
            kind = FAMILIES[fam][0]
            quantities.append({"key": key, "kind": kind, "unit": FAMILIES[fam][1],
                               "description": f"{fam} {group}"})
            k = size()
            n_periods = 2 if rng.random() < 0.2 else 1
            year = int(rng.integers(2020, 2025))
            base_truth = truth_for(fam)
            for p in range(n_periods):
                period = periods_of(kind, year + p)
                truth = base_truth * (1 + p)   # a later period: more (cumulative counts never fall)
                srcs = rng.integers(0, n_sources, size=max(2, k // n_periods))
                ids = [add_figure(key, fam, period, truth, int(s)) for s in srcs]
                for a, b in zip(ids, ids[1:]):
                    relations.append({"source": figures_source(figures, a), "expr": f"{a} == {b}", "quote": ""})

    fig = pd.DataFrame(figures)
    rel = pd.DataFrame(relations)
    rel.insert(0, "id", [f"r{i:07d}" for i in range(len(rel))])
    src = pd.DataFrame({
        "id": src_ids, "file": [f"texts/{s}.txt" for s in src_ids],
        "title": [f"Artikel {i}" for i in range(n_sources)],
        "published": src_published.strftime("%Y-%m-%d"), "language": src_lang,
    })
    qty = pd.DataFrame(quantities)
    source_texts = {src_ids[i]: " ".join(t) + "\n" for i, t in texts.items()}
    return src, qty, fig, rel, planted, source_texts


def figures_source(figures: list[dict], fid: str) -> str:
    # figure ids are dense and in order, so the id is the index
    return figures[int(fid[1:])]["source"]


# --- writers ----------------------------------------------------------------------------------

def toml_string(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def write_texts(root: Path, source_texts: dict[str, str]) -> None:
    (root / "texts").mkdir(parents=True, exist_ok=True)
    for sid, text in source_texts.items():
        (root / "texts" / f"{sid}.txt").write_text(text, encoding="utf-8")


def write_toml(root: Path, src, qty, fig, rel, sources_per_file: int = 50) -> int:
    """Quantities in chunks; each figures file holds some sources with their figures and relations."""
    root.mkdir(parents=True, exist_ok=True)
    files = 0
    for start in range(0, len(qty), 5000):
        chunk = qty.iloc[start:start + 5000]
        lines = []
        for q in chunk.itertuples(index=False):
            lines.append(f"[quantity.{q.key}]\ndescription = {toml_string(q.description)}\n"
                         f"kind = \"{q.kind}\"\nunit = \"{q.unit}\"\n")
        (root / f"quantities_{start // 5000:03d}.toml").write_text("\n".join(lines), encoding="utf-8")
        files += 1
    file_of_source = {sid: i // sources_per_file for i, sid in enumerate(src["id"])}
    by_file_fig = fig.groupby(fig["source"].map(file_of_source), sort=True)
    by_file_rel = dict(list(rel.groupby(rel["source"].map(file_of_source), sort=True)))
    by_file_src = dict(list(src.groupby(src["id"].map(file_of_source), sort=True)))
    for k, figs in by_file_fig:
        out = []
        for s in by_file_src[k].itertuples(index=False):
            out.append(f"[[source]]\nid = \"{s.id}\"\nfile = \"{s.file}\"\ntitle = {toml_string(s.title)}\n"
                       f"published = {s.published}\nlanguage = \"{s.language}\"\n")
        for f in figs.itertuples(index=False):
            if isinstance(f.value, list):
                value = f"[{toml_string(f.value[0])}, {toml_string(f.value[1])}]"
            elif f.plain_number:
                value = str(int(f.value.replace(".", "").replace(",", "")))
            else:
                value = toml_string(f.value)
            out.append(f"[[figure]]\nid = \"{f.id}\"\nsource = \"{f.source}\"\nquote = {toml_string(f.quote)}\n"
                       f"value = {value}\nunit = \"{f.unit}\"\nqualifier = \"{f.qualifier}\"\n"
                       f"quantity = \"{f.quantity}\"\nas_of = \"{f.as_of}\"\n"
                       f"attributed_to = {toml_string(f.attributed_to)}\nmodality = \"{f.modality}\"\n")
        if k in by_file_rel:
            for r in by_file_rel[k].itertuples(index=False):
                quote = f"quote = {toml_string(r.quote)}\n" if r.quote else ""
                out.append(f"[[relation]]\nid = \"{r.id}\"\nsource = \"{r.source}\"\nexpr = \"{r.expr}\"\n{quote}")
        (root / f"figures_{k:05d}.toml").write_text("\n".join(out), encoding="utf-8")
        files += 1
    return files


def columnar_frames(src, qty, fig, rel):
    figs = fig.copy()
    is_range = figs["value"].map(lambda v: isinstance(v, list))
    figs["value_high"] = np.where(is_range, figs["value"].map(lambda v: v[1] if isinstance(v, list) else ""), "")
    figs["value"] = figs["value"].map(lambda v: v[0] if isinstance(v, list) else v)
    figs = figs.drop(columns=["plain_number"])
    cols = ["id", "source", "quote", "value", "value_high", "unit", "qualifier", "quantity", "as_of",
            "attributed_to", "modality"]
    return {"sources": src, "quantities": qty[["key", "kind", "unit", "description"]],
            "figures": figs[cols], "relations": rel}


def write_columnar(root: Path, frames, fmt: str) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        if fmt == "csv":
            frame.to_csv(root / f"{name}.csv", index=False)
        else:
            frame.to_parquet(root / f"{name}.parquet", index=False)


def label(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--figures", type=int, action="append", help="figures in the corpus (repeatable); default 10k, 100k, 1M")
    p.add_argument("--formats", default="toml,csv,parquet")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--planted-rate", type=float, default=0.01)
    p.add_argument("--out", type=Path, default=ROOT / "data")
    args = p.parse_args(argv)
    formats = set(args.formats.split(","))
    for n in args.figures or [10_000, 100_000, 1_000_000]:
        root = args.out / label(n)
        src, qty, fig, rel, planted, texts = generate(n, args.seed, args.planted_rate)
        # texts live once per corpus; every format points at them with the same relative path
        for fmt in sorted(formats):
            target = root / fmt
            if fmt == "toml":
                write_toml(target, src, qty, fig, rel)
            elif fmt in ("csv", "parquet"):
                if fmt == "parquet":
                    try:
                        import pyarrow  # noqa: F401
                    except ImportError:
                        print("pyarrow not installed: no Parquet", file=sys.stderr)
                        continue
                write_columnar(target, columnar_frames(src, qty, fig, rel), fmt)
            write_texts(target, texts)
        pd.DataFrame({"id": planted}).to_csv(root / "planted.csv", index=False)
        print(f"{root}: {len(fig)} figures, {len(rel)} relations, {len(src)} sources, "
              f"{len(qty)} quantities, {len(planted)} planted", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
