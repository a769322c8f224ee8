"""A corpus of planted inconsistencies: each is caught with the right code and message."""
from __future__ import annotations

import textwrap

import pytest

from figcheck.config import Settings
from figcheck.engine import check

ARTICLE = ("Täglich werden etwa 28.000 Granaten verschossen. Die Kosten betragen 2.000 Dollar im Monat. "
           "Etwa 11.000 Soldaten wurden 2024 entsandt, dazu kamen 2.000 und 1.000 weitere. ")

HEAD = '''
[[source]]
id = "s1"
file = "a.txt"
published = 2025-01-15
language = "de"

[[source]]
id = "s2"
file = "b.txt"
published = 2025-02-01
language = "de"
'''


def figure(fid, value, unit, quantity, quote=None, qualifier="exact", source="s1", as_of="2024", **extra):
    lines = [f'[[figure]]', f'id = "{fid}"', f'source = "{source}"',
             f'quote = "{quote or value}"', f'value = "{value}"', f'unit = "{unit}"',
             f'qualifier = "{qualifier}"', f'quantity = "{quantity}"', f'as_of = "{as_of}"']
    lines += [f'{k} = {v}' for k, v in extra.items()]
    return "\n".join(lines) + "\n"


def quantity(key, unit, kind="flow"):
    return f'[quantity.{key}]\nkind = "{kind}"\nunit = "{unit}"\n'


def relation(rid, expr):
    return f'[[relation]]\nid = "{rid}"\nsource = "s1"\nexpr = "{expr}"\n'


def run(tmp_path, body, text=ARTICLE, text_b="", select=None):
    quotes = [line.split('"')[1] for line in body.splitlines() if line.startswith("quote = ")]
    (tmp_path / "a.txt").write_text(text + " " + " ".join(quotes), encoding="utf-8")
    (tmp_path / "b.txt").write_text(text_b + " " + " ".join(quotes), encoding="utf-8")
    (tmp_path / "figures.toml").write_text(HEAD + body, encoding="utf-8")
    return check([tmp_path / "figures.toml"], Settings(root=tmp_path), select=select).findings


SLIPS = [  # (per-unit figure, its value, the total's unit, the total, the slip the message names)
    ("shell/day", "28.000", "shell/year", "28.000", "÷365"),
    ("shell/day", "10.000", "shell/week", "10.000", "÷7"),
    ("USD/month", "2.000", "USD/year", "2.000", "÷12"),
    ("USD/year", "24.000", "USD/month", "24.000", "×12"),
    ("USD/year", "5 Millionen", "USD/year", "5 Milliarden", "×1000"),
    ("USD/year", "5 Milliarden", "USD/year", "5 Millionen", "÷1000"),
    ("percent", "40", "dimensionless", "40", "×100"),
]


@pytest.mark.parametrize("unit_a,value_a,unit_b,value_b,slip", SLIPS)
def test_common_slips_are_named(tmp_path, unit_a, value_a, unit_b, value_b, slip):
    body = (quantity("qa", unit_a) + quantity("qb", unit_b)
            + figure("a", value_a, unit_a, "qa") + figure("b", value_b, unit_b, "qb")
            + relation("r", "a == b"))
    findings = run(tmp_path, body, select=["A"])
    assert [f.code for f in findings] == ["A001"]
    assert f"it would hold with the left side {slip} (" in findings[0].message
    assert findings[0].data["slip"] == slip


def test_dimension_mix(tmp_path):
    body = (quantity("shells", "shell") + quantity("troops", "soldier")
            + figure("a", "28.000", "shell", "shells") + figure("b", "11.000", "soldier", "troops")
            + relation("r", "a + b == a"))
    findings = run(tmp_path, body, select=["A"])
    assert [f.code for f in findings] == ["A002"]
    assert "shell" in findings[0].message and "soldier" in findings[0].message


def test_misquoted_number_quote_missing_and_wrong_hedge(tmp_path):
    body = (quantity("troops", "soldier")
            + figure("misquoted", "12.000", "soldier", "troops", quote="Etwa 11.000 Soldaten wurden 2024 entsandt",
                     qualifier="about")
            + figure("wrong_hedge", "11.000", "soldier", "troops", quote="Etwa 11.000 Soldaten wurden 2024 entsandt"))
    (tmp_path / "unused").write_text("")
    findings = run(tmp_path, body, select=["P001", "P002", "P003"])   # P004 lists the unencoded numbers
    assert {(f.code, f.figures[0]) for f in findings} == {("P002", "misquoted"), ("P003", "wrong_hedge")}
    # a quote not in the source: write the source without the quotes appended
    (tmp_path / "a.txt").write_text("Nichts davon steht hier.", encoding="utf-8")
    result = check([tmp_path / "figures.toml"], Settings(root=tmp_path), select=["P001"])
    assert {f.figures[0] for f in result.findings} == {"misquoted", "wrong_hedge"}
    assert "closest passage" in result.findings[0].message or "not in" in result.findings[0].message


def test_gap_explained_by_a_sum_of_two_other_figures(tmp_path):
    body = (quantity("sent", "soldier")
            + figure("a", "11.000", "soldier", "sent", quote="Etwa 11.000 Soldaten")
            + figure("extra1", "2.000", "soldier", "sent", as_of="2025-01", quote="dazu kamen 2.000")
            + figure("extra2", "1.000", "soldier", "sent", as_of="2025-02", quote="1.000 weitere")
            + figure("b", "14.000", "soldier", "sent", source="s2", quote="etwa 14.000 Soldaten"))
    findings = run(tmp_path, body, text_b="Es waren etwa 14.000 Soldaten.", select=["X"])
    assert [f.code for f in findings] == ["X001"]
    assert findings[0].data["explanation"]["figures"] == ["a", "extra1", "extra2"]
    assert "11,000 + 2,000 + 1,000 = 14,000" in findings[0].message


def test_only_overlapping_stocks_are_a_warning(tmp_path):
    body = (quantity("troops", "soldier", kind="stock")
            + figure("a", "11.000", "soldier", "troops", quote="Etwa 11.000 Soldaten", qualifier="about", as_of="2024")
            + figure("b", "50.000", "soldier", "troops", quote="50.000 Soldaten", source="s2", as_of="2024-11"))
    findings = run(tmp_path, body, text_b="50.000 Soldaten", select=["X001"])
    assert [(f.code, f.severity.name) for f in findings] == [("X001", "warning")]


def test_forecasts_are_not_compared_with_reports(tmp_path):
    body = (quantity("sent", "soldier")
            + figure("a", "11.000", "soldier", "sent", quote="Etwa 11.000 Soldaten", qualifier="about")
            + figure("b", "30.000", "soldier", "sent", source="s2", quote="30.000", modality='"forecast"'))
    assert run(tmp_path, body, select=["X"]) == []
