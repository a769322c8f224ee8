"""Coverage and `figcheck extract`: every numeric mention of a source is found, told apart from
dates, years, times, ordinals and names, and matched to the figure or skip that covers it."""
from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from figcheck.cli import main
from figcheck.coverage import (
    CLAIM, DATE, ENCODED, NAME, OPEN, ORDINAL, SKIPPED, TIME, YEAR, corpus_coverage, fragment,
    locate, mentions, mentions_in_text, stubs,
)
from figcheck.engine import check, discover, fingerprint, run
from figcheck.load import load
from figcheck.numbers import SCALES, find_numbers
from figcheck.config import Settings
from figcheck.rules import EXAMPLE_SOURCE

ROOT = Path(__file__).resolve().parents[1]

# What a careful reader finds in the five seeds: every number that states an amount, by source,
# as it stands in the text (hedge included). Dates, years, clock times, ordinals and numbers
# inside names are not on this list.
CLAIMS_BY_HAND = {
    "s000": ["etwa 28.000", "etwa 10 Millionen", "3 bis 5 Millionen", "etwa 9 Millionen"],
    "s001": ["Mehr als zweieinhalb", "mehr als 650'000", "mehrere tausend", "Tausende", "zwei"],
    "s002": ["etwa 11.000", "3.000", "etwa 4.000"],
    "s003": ["etwa 14.000", "6.000", "1.000", "30.000", "fast 5.000"],
    "s004": ["Tausender", "8000", "bis zu 15.000", "50.000", "zehn", "zwei", "44", "rund 50.000",
             "2.000", "10.000", "240 Millionen"],
}
# Numbers that are not claims, with the kind a reader gives them.
NOT_CLAIMS_BY_HAND = {
    "s000": [("24", NAME), ("2014", YEAR), ("2015", YEAR), ("2016–17", YEAR), ("2022", YEAR),
             ("2024", YEAR), ("1950", YEAR), ("2024", YEAR)],
    "s001": [("2025", YEAR), ("pic.twitter.com/UcuhNS5psM", NAME), ("October 13, 2024", DATE),
             ("23", NAME), ("2022", YEAR), ("23", NAME), ("October 9, 2024", DATE), ("2", NAME),
             ("74", NAME), ("1944", YEAR), ("122", NAME), ("1 | 3", NAME),
             ("pic.twitter.com/plY7ZSnRDY", NAME), ("23", NAME), ("23", NAME), ("11", NAME)],
    "s002": [("2025", YEAR), ("2022", YEAR)],
    "s003": [("2025-08-27", DATE), ("2024", YEAR)],
    "s004": [("2. November", DATE), ("2. November", DATE), ("5. November", DATE)],
}


@pytest.fixture(scope="module")
def corpus():
    return load([ROOT / "figures.toml"])


def test_claims_in_the_seeds_match_the_list_made_by_hand(corpus):
    found = {sid: [m.text for m in mentions(src) if m.needs_look] for sid, src in corpus.sources.items()}
    expected = [(sid, t) for sid, texts in CLAIMS_BY_HAND.items() for t in texts]
    got = [(sid, t) for sid, texts in found.items() for t in texts]
    true_positives = sum(min(got.count(x), expected.count(x)) for x in set(expected))
    assert true_positives / len(expected) == 1.0, f"recall: missing {set(expected) - set(got)}"
    assert true_positives / len(got) == 1.0, f"precision: extra {set(got) - set(expected)}"
    assert found == CLAIMS_BY_HAND   # same order, same counts


def test_dates_years_and_names_are_recognised_not_counted(corpus):
    found = {sid: [(m.text, m.kind) for m in mentions(src) if not m.needs_look]
             for sid, src in corpus.sources.items()}
    assert found == NOT_CLAIMS_BY_HAND


def test_claim_values_hedges_and_unit_guesses(corpus):
    by_text = {(m.source, m.text): m for src in corpus.sources.values() for m in mentions(src)}
    m = by_text[("s000", "3 bis 5 Millionen")]
    assert (m.low, m.high, m.is_range, m.unit_guess) == (3e6, 5e6, True, "Granaten pro Jahr")
    m = by_text[("s001", "mehr als 650'000")]
    assert (m.low, m.qualifier, m.number, m.unit_guess) == (650000, "more_than", "650'000", "Soldaten")
    m = by_text[("s004", "bis zu 15.000")]
    assert (m.low, m.qualifier, m.line) == (15000, "up_to", 3)
    assert by_text[("s004", "44")].unit_guess == "sekündige"
    assert by_text[("s004", "zwei")].unit_guess == "Männer"
    assert by_text[("s001", "Tausende")].vague
    text = corpus.sources["s004"].text
    m = by_text[("s004", "240 Millionen")]
    assert text[m.start:m.end] == "240 Millionen"
    assert text.splitlines()[m.line - 1][m.column - 1:].startswith("240 Millionen")


def test_the_shipped_corpus_is_fully_covered(corpus):
    cov = corpus_coverage(corpus)
    assert {sid: c.open for sid, c in cov.items()} == {sid: [] for sid in cov}
    assert sum(c.count(ENCODED) for c in cov.values()) == 24
    assert sum(c.count(SKIPPED) for c in cov.values()) == 4
    assert not any(c.unmatched_skips or c.idle_skips for c in cov.values())
    # the 8000 … bis zu 15.000 range: one figure covers both ends
    by = {e.mention.text: e.by for e in cov["s004"].entries if e.status}
    assert by["8000"] == by["bis zu 15.000"] == "nk_sent_2024_s004"


def test_check_shows_full_coverage(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    main(["check", "--format", "text", "--color", "never"])    # other rules' findings may fail it
    out = capsys.readouterr().out
    assert "P004" not in out
    assert "coverage: s000 4/4 (4 encoded), s001 5/5 (2 encoded, 3 skipped)" in out
    assert "; 100 % of 28 claim mentions encoded or skipped" in out
    assert main(["check", "--format", "json", "--select", "P004", "--fail-on", "info"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["findings"] == []
    assert doc["summary"]["coverage"]["percent"] == 100.0
    assert doc["summary"]["coverage"]["sources"]["s004"] == {
        "claims": 11, "encoded": 10, "skipped": 1, "open": 0,
        "kinds": {"claim": 11, "date": 3}, "unmatched_skips": [], "idle_skips": []}


# --- kinds, one by one -----------------------------------------------------------------------

@pytest.mark.parametrize("text, language, number, kind", [
    ("am 13.10.2024 kamen sie an", "de", "13.10.2024", DATE),
    ("Treffen am 3. Mai 2024 in Moskau", "de", "3. Mai 2024", DATE),
    ("on 13 October 2024 the army", "en", "13 October 2024", DATE),
    ("um 14.30 Uhr begann der Angriff", "de", "14.30 Uhr", TIME),
    ("at 14:30 the shelling began", "en", "14:30", TIME),
    ("at 5 pm the shelling began", "en", "5 pm", TIME),
    ("die 47. mechanisierte Brigade", "de", "47", ORDINAL),
    ("zum 2. Mal", "de", "2", ORDINAL),
    ("the 3rd brigade", "en", "3", ORDINAL),
    ("in den 90er Jahren", "de", "90", YEAR),
    ("seit 2014 Krieg", "de", "2014", YEAR),
    ("2014 bis 2016 wurde gekämpft", "de", "2014 bis 2016", YEAR),
    ("F-16 Kampfjets", "de", "16", NAME),
    ("siehe www.example.org/2024/10 dazu", "de", "www.example.org/2024/10", NAME),
    ("wie @user2024 schrieb", "de", "@user2024", NAME),
    ("Es kamen 2000 Soldaten", "de", "2000", CLAIM),
    ("they sent 2000 soldiers", "en", "2000", CLAIM),
    ("Sie schickten 300. Danach kamen mehr", "de", "300", CLAIM),
    ("10km vor der Front", "de", "10", CLAIM),
    ("im November 12 Soldaten", "de", "12", CLAIM),
    ("am 12 Mai 2024 in Kiew", "de", "12 Mai 2024", DATE),
    ("on October 13 they left", "en", "October 13", DATE),
    ("Sendung “France 24” berichtete", "de", "24", NAME),
])
def test_kinds(text, language, number, kind):
    found = mentions_in_text(text, language)
    assert len(found) == 1, found
    assert (found[0].text, found[0].kind) == (number, kind)


def test_a_german_ambiguous_number_is_a_mention_that_needs_a_look():
    (m,) = mentions_in_text("Es kamen 2.5 Soldaten", "de")
    assert m.kind == "unreadable" and m.needs_look and m.low is None


# --- matching quotes ---------------------------------------------------------------------------

ARTICLE = ("Im vergangenen Jahr wurden etwa 11.000 Soldaten entsandt,\nAnfang 2025 folgten "
           "weitere 3.000 Soldaten. Tausende warten. Es waren   \u201e3.000\u201c Soldaten.\n")


def _files(tmp_path, figures: str, text: str = ARTICLE) -> Path:
    (tmp_path / "article.txt").write_text(text, encoding="utf-8")
    path = tmp_path / "figures.toml"
    path.write_text(EXAMPLE_SOURCE + "\n" + figures, encoding="utf-8")
    return path


QTY = '[quantity.sent]\nkind = "flow"\nunit = "soldier"\n'


def _figure(fid, quote, value, qualifier="exact"):
    return (f'\n[[figure]]\nid = "{fid}"\nsource = "s1"\nquote = {json.dumps(quote, ensure_ascii=False)}\n'
            f'value = {json.dumps(value)}\nunit = "soldier"\nqualifier = "{qualifier}"\nquantity = "sent"\n')


def test_quotes_match_across_whitespace_and_quote_marks(tmp_path):
    figures = (QTY + _figure("a", "etwa 11.000 Soldaten entsandt, Anfang", "11.000", "about")
               + _figure("b", 'Es waren "3.000" Soldaten', "3.000"))
    cov = corpus_coverage(load([_files(tmp_path, figures)]))["s1"]
    status = [(e.mention.text, e.status, e.by) for e in cov.entries if e.status]
    assert status == [("etwa 11.000", ENCODED, "a"), ("3.000", OPEN, ""), ("Tausende", OPEN, ""),
                      ("3.000", ENCODED, "b")]


def test_a_quote_with_several_numbers_covers_only_the_value_it_encodes(tmp_path):
    figures = QTY + _figure("a", "etwa 11.000 Soldaten entsandt,\nAnfang 2025 folgten weitere 3.000", "3.000")
    cov = corpus_coverage(load([_files(tmp_path, figures)]))["s1"]
    status = [(e.mention.text, e.status) for e in cov.entries if e.status]
    assert status[:2] == [("etwa 11.000", OPEN), ("3.000", ENCODED)]


def test_skips_cover_and_unmatched_skips_are_reported(tmp_path):
    figures = (QTY + '\n[[skip]]\nsource = "s1"\nquote = "Tausende warten"\nreason = "vague"\n'
               '\n[[skip]]\nsource = "s1"\nquote = "not in the text"\nreason = "x"\n'
               '\n[[skip]]\nsource = "s1"\nquote = "Im vergangenen Jahr"\nreason = "no number"\n')
    cov = corpus_coverage(load([_files(tmp_path, figures)]))["s1"]
    assert [(e.mention.text, e.status) for e in cov.entries if e.status == SKIPPED] == [("Tausende", SKIPPED)]
    assert [s.quote for s in cov.unmatched_skips] == ["not in the text"]
    assert [s.quote for s in cov.idle_skips] == ["Im vergangenen Jahr"]


def test_locate_maps_back_to_original_offsets():
    text = "Die Artillerie-\ngranaten, etwa  28.000\tStück"
    (span,) = locate("Artilleriegranaten, etwa 28.000 Stück", text)
    assert text[span[0]:span[1]] == "Artillerie-\ngranaten, etwa  28.000\tStück"
    assert locate("   ", text) == [] and locate("nicht da", text) == []


# --- the rule ---------------------------------------------------------------------------------

def test_rule_p004_lists_uncovered_mentions_with_stable_distinct_fingerprints(tmp_path):
    rule = discover()["P004"]
    path = _files(tmp_path, rule.failing.figures, rule.failing.text)
    corpus = load([path])
    findings = run(corpus, None, [rule], {"severity": {}})
    assert [f.data["number"] for f in findings] == ["3.000"]
    (f,) = findings
    assert f.severity.name == "info" and f.line == 2 and f.file.endswith("figures.toml")
    passing = load([_files(tmp_path, rule.passing.figures, rule.passing.text)])
    assert run(passing, None, [rule], {"severity": {}}) == []
    # two open mentions of the same number get different fingerprints
    twice = load([_files(tmp_path, rule.failing.figures, rule.failing.text + "Wieder 3.000 Soldaten.\n")])
    prints = [g.fingerprint for g in run(twice, None, [rule], {"severity": {}})]
    assert len(prints) == 2 and len(set(prints)) == 2 and prints[0] == f.fingerprint


def test_coverage_setting_raises_the_rules_severity(tmp_path):
    rule = discover()["P004"]
    corpus = load([_files(tmp_path, rule.failing.figures, rule.failing.text)])
    s = Settings(coverage="warning")
    (f,) = run(corpus, None, [rule], {"severity": {}, "settings": s})
    assert f.severity.name == "warning"


# --- stubs ------------------------------------------------------------------------------------

def test_stubs_paste_into_the_figures_file_and_close_the_gap(tmp_path):
    path = _files(tmp_path, QTY)
    corpus = load([path])
    cov = corpus_coverage(corpus)["s1"]
    text = stubs(corpus.sources["s1"], cov.open)
    doc = tomllib.loads(text)
    assert [f["value"] for f in doc["figure"]] == ["11.000", "3.000", "3.000"]
    assert doc["figure"][0]["qualifier"] == "about"
    assert [f["unit"] for f in doc["figure"]] == ["soldier"] * 3
    assert doc["skip"][0]["quote"].startswith("Tausende")
    # finish by hand: name the quantity, and the file loads with every claim covered
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text.replace('quantity = "TODO"', 'quantity = "sent"'), encoding="utf-8")
    corpus = load([path])
    assert corpus_coverage(corpus)["s1"].open == []


NUMBER_CHARS = st.sampled_from("0123456789")
HOSTILE = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=HOSTILE, after=HOSTILE, n=st.integers(0, 10**7))
def test_stubs_are_valid_toml_for_hostile_text(before, after, n):
    text = f"{before} etwa {n:,}".replace(",", ".") + f" Soldaten {after}"
    claims = [m for m in mentions_in_text(text, "de", "s.1") if m.needs_look]
    assert any(m.number == f"{n:,}".replace(",", ".") for m in claims)
    for m in claims:
        source = _Src(text)
        doc = tomllib.loads(stubs(source, [_Entry(m)]))
        table = (doc.get("figure") or doc["skip"])[0]
        assert table["quote"] in text and text[m.start:m.end] in table["quote"]
        if "figure" in doc:
            assert table["value"] == m.number


class _Src:
    id = "s.1"

    def __init__(self, text):
        self.text = text


class _Entry:
    def __init__(self, m):
        self.mention = m


def test_fragment_is_the_clause_around_the_number():
    text = "Russland feuert täglich etwa 28.000 Artilleriegranaten ab, was etwa 10 Millionen pro Jahr entspricht."
    first, second = mentions_in_text(text, "de")
    assert fragment(text, first) == "Russland feuert täglich etwa 28.000 Artilleriegranaten ab"
    assert fragment(text, second) == "was etwa 10 Millionen pro Jahr entspricht"


# --- a number in any of three styles, in random surroundings ------------------------------------

def _format(n: int, decimals: str, style: str, apostrophe: str) -> tuple[str, str]:
    """(the number as `style` writes it, the language to read it in)."""
    groups = f"{n:,}"
    if style == "de":
        return groups.replace(",", ".") + ("," + decimals if decimals else ""), "de"
    if style == "de-plain":
        return str(n) + ("," + decimals if decimals else ""), "de"
    if style == "ch":
        return groups.replace(",", apostrophe) + ("." + decimals if decimals else ""), "de-CH"
    return groups + ("." + decimals if decimals else ""), "en"


WORDS = st.text(st.sampled_from("abcdefghiklmnoprstuvwxyzäöüßABCDEFGHIKLMNOPRSTUVWXYZ"), min_size=1, max_size=8)
SEPARATORS = st.sampled_from([" ", "  ", "\n", " (", ", ", ": ", "; ", " «", " „", " \""])
AFTER = st.sampled_from([" ", "\n", ")", ",", ".", ";", "!", "?", "»", "“", "\"", ":", "'", "’"])
NOT_AROUND = (set(SCALES["de"]) | set(SCALES["en"]) | {"uhr", "am", "pm", "er", "st", "nd", "rd", "th"})


@settings(max_examples=300, deadline=None)
@given(n=st.integers(0, 10**9), decimals=st.one_of(st.just(""), st.text(NUMBER_CHARS, min_size=1, max_size=3)),
       style=st.sampled_from(["de", "de-plain", "ch", "en"]), apostrophe=st.sampled_from(["'", "’"]),
       before=st.lists(WORDS, max_size=4), after=st.lists(WORDS, max_size=4),
       sep_before=SEPARATORS, sep_after=AFTER)
def test_a_number_in_random_text_is_found_with_its_value_and_span(n, decimals, style, apostrophe, before,
                                                                   after, sep_before, sep_after):
    from figcheck.coverage import MONTH_WORDS

    written, language = _format(n, decimals, style, apostrophe)
    words = [w.lower() for w in before + after]
    assume(not any(w in NOT_AROUND or w in MONTH_WORDS for w in words))
    prefix = " ".join(before) + sep_before
    suffix = sep_after + " " + " ".join(after)
    assume(not find_numbers(prefix, language) and not find_numbers(suffix, language))
    text = prefix + written + suffix
    start, end = len(prefix), len(prefix) + len(written)
    value = float(f"{n}.{decimals}" if decimals else n)
    hits = [m for m in mentions_in_text(text, language) if m.number_start == start]
    assert len(hits) == 1, (text, mentions_in_text(text, language))
    (m,) = hits
    assert m.end == end and text[m.number_start:m.end] == written
    if language == "de-CH" and re.fullmatch(r"\d{1,3}\.\d{3}", written):
        assert m.kind == "unreadable" and m.low is None   # Swiss 5.123 may be Germany's 5,123
        return
    assert m.low == pytest.approx(value, rel=1e-12)


# --- the command line -------------------------------------------------------------------------

def test_extract_lists_mentions_and_prints_stubs(tmp_path, monkeypatch, capsys):
    path = _files(tmp_path, QTY)
    monkeypatch.chdir(tmp_path)
    assert main(["extract", str(path)]) == 0
    out = capsys.readouterr().out
    assert 'article.txt:1:28: claim      open     "etwa 11.000"  11000 about  unit? Soldaten' in out
    assert 'article.txt:2:8: year' in out
    assert "s1: 4 claims: 0 encoded, 0 skipped, 4 open; not claims: 1 year" in out
    assert main(["extract", str(path), "s1", "--stubs"]) == 0
    doc = tomllib.loads(capsys.readouterr().out)
    assert len(doc["figure"]) == 3 and len(doc["skip"]) == 1
    assert main(["extract", str(path), "--format", "json", "--claims"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [m["number"] for m in doc["mentions"]] == ["11.000", "3.000", "Tausende", "3.000"]
    assert doc["coverage"]["open"] == 4


def test_extract_reads_a_standalone_text_and_rejects_bad_items(tmp_path, monkeypatch, capsys):
    path = _files(tmp_path, QTY)
    other = tmp_path / "other.txt"
    other.write_text("about 5,000 troops arrived on October 3, 2024\x1b[31m.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["extract", str(path), str(other)]) == 2
    assert "give --language" in capsys.readouterr().err
    assert main(["extract", str(path), str(other), "--language", "en"]) == 0
    out = capsys.readouterr().out
    assert '"about 5,000"  5000 about  unit? troops' in out and "\x1b" not in out
    assert "date" in out
    assert main(["extract", str(path), "s9"]) == 2
    assert "neither a source id" in capsys.readouterr().err


def test_coverage_setting_is_read_and_checked(tmp_path):
    from figcheck.config import load_settings
    from figcheck.load import LoadError

    (tmp_path / "pyproject.toml").write_text('[tool.figcheck]\ncoverage = "warning"\n', encoding="utf-8")
    assert load_settings(tmp_path).coverage == "warning"
    (tmp_path / "pyproject.toml").write_text('[tool.figcheck]\nfiles = []\ncoverage = "loud"\n', encoding="utf-8")
    with pytest.raises(LoadError) as exc:
        load_settings(tmp_path)
    assert "pyproject.toml:3: [tool.figcheck] coverage: unknown severity 'loud'" in str(exc.value)


def test_ignoring_p004_skips_coverage(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    main(["check", "--ignore", "P004", "--color", "never"])
    assert "coverage:" not in capsys.readouterr().out
    main(["check", "--ignore", "P004", "--format", "json"])
    assert "coverage" not in json.loads(capsys.readouterr().out)["summary"]


@pytest.mark.parametrize("text, language, guess, unit", [
    ("Russland feuert täglich etwa 28.000 Artilleriegranaten ab", "de", "Artilleriegranaten", "shell"),
    ("auf nur 3 bis 5 Millionen Granaten pro Jahr geschätzt", "de", "Granaten pro Jahr", "shell/year"),
    ("Kosten in Höhe von 240 Millionen Dollar pro Jahr", "de", "Dollar pro Jahr", "USD/year"),
    ("fast 5.000 von Kims Soldaten in Kursk", "de", "Soldaten", "soldier"),
    ("das 44-sekündige Video", "de", "sekündige", "second"),
    ("etwa 12 % der Stimmen", "de", "%", "percent"),
    ("about 2,000 artillery shells", "en", "shells", "shell"),
    ("$2,000 a month", "en", "$ a month", "USD/month"),
    ("up from 300,000 in 2023", "en", "", ""),
])
def test_unit_guesses(text, language, guess, unit):
    from figcheck.coverage import pint_unit_guess

    m = next(m for m in mentions_in_text(text, language) if m.needs_look)
    assert (m.unit_guess, pint_unit_guess(m.unit_guess)) == (guess, unit)


def test_stub_quotes_hold_one_number_each():
    text = "Es kamen etwa 3.000 Soldaten und 12 Panzer am 3. Mai 2024 an.\n"
    found = mentions_in_text(text, "de", "s1")
    claims = [m for m in found if m.needs_look]
    src = _Src(text)
    src.id = "s1"
    doc = tomllib.loads(stubs(src, [_Entry(m) for m in claims], found))
    quotes = [f["quote"] for f in doc["figure"]]
    assert quotes == ["Es kamen etwa 3.000 Soldaten und", "Soldaten und 12 Panzer am"]
