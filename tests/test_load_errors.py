"""Every class of bad input: one clear `file:line: message`, exit code 2, never a traceback.

Each case writes a small figures file whose offending line carries the comment `# <-`; the
test asserts that the reported line is that one (the figure or key at fault, not the file's
top), that the message says what is wrong, and that `figcheck check FILE` exits 2.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from conftest import HEADER, figure, line_of, run_subprocess, write_figures

MARK = "# <-"


def relation(rid: str = "r1", expr: str = "f1 == 11000", source: str = "s1", mark: str = "expr") -> str:
    lines = {"id": f'id = "{rid}"', "source": f'source = "{source}"', "expr": f"expr = {expr!r}"}
    if mark:
        lines[mark] += f"  {MARK}"
    # expr uses repr() so quotes inside stay valid TOML (a literal string)
    return "\n[[relation]]\n" + "\n".join(lines.values()) + '\nquote = "x"\n'


def source(sid: str = "s2", file: str = "article.txt", mark: str = "") -> str:
    lines = {"id": f'id = "{sid}"', "file": f'file = "{file}"', "published": "published = 2025-01-15",
             "language": 'language = "de"'}
    if mark:
        lines[mark] += f"  {MARK}"
    return "\n[[source]]\n" + "\n".join(lines.values()) + "\n"


@dataclass
class Case:
    name: str
    body: str
    message: str              # a regex the one problem line must match
    header: bool = True

    def __str__(self) -> str:
        return self.name


M = f"  {MARK}"
CASES = [
    Case("toml-syntax", figure() + f"note = = 3{M}\n", r"TOML syntax"),
    Case("toml-syntax-unclosed-string", figure(note=f'"no end{M}'), r"TOML syntax"),
    Case("unknown-key", figure(colour=f'"red"{M}'), r"figure: unknown key 'colour' \(allowed: .*as_of"),
    Case("unknown-top-level-key", figure() + f"\n[[figures]]{M}\nid = 'x'\n", r"unknown top-level key 'figures'"),
    Case("missing-key", figure(unit=None).replace("[[figure]]", f"[[figure]]{M}"), r"figure: missing key 'unit'"),
    Case("missing-key-relation", figure() + relation(expr="f1 == 1", mark="")
         .replace("[[relation]]", f"[[relation]]{M}").replace('source = "s1"\n', ""),
         r"relation: missing key 'source'"),
    Case("wrong-type-unit", figure(unit=f"5{M}"), r"'unit' must be a string, not an integer"),
    Case("wrong-type-value", figure(value=f"true{M}"), r"value: a boolean is not a number"),
    Case("wrong-type-value-table", figure(value=f"{{ low = 1 }}{M}"), r"value must be a number, a string or \[low, high\], not a table"),
    Case("wrong-type-published",
         HEADER.replace("published = 2025-01-15", f'published = "2025-01-15"{M}', 1) + "\n" + figure(),
         r"'published' must be a TOML date like 2025-04-28, not a string", header=False),
    Case("unknown-locale", HEADER.replace('language = "de"', f'language = "de_XX"{M}', 1) + "\n" + figure(),
         r"unknown locale 'de_XX'", header=False),
    Case("unsupported-language", HEADER.replace('language = "de"', f'language = "fr"{M}', 1) + "\n" + figure(),
         r"unsupported language 'fr' \(supported: de, en\)", header=False),
    Case("wrong-qualifier", figure(qualifier=f'"roughly"{M}'), r"qualifier 'roughly' is not one of exact, about"),
    Case("duplicate-figure-id", figure("f1") + "\n" + figure("f1", id=f'"f1"{M}'), r"duplicate figure id 'f1' \(first at line \d+\)"),
    Case("duplicate-source-id", source("s1", mark="id") + "\n" + figure(), r"duplicate source id 's1' \(first at line 2\)"),
    Case("duplicate-relation-id", figure() + relation("r1", mark="") + relation("r1", mark="id"),
         r"duplicate relation id 'r1' \(first at line \d+\)"),
    Case("unknown-source", figure(source=f'"s9"{M}'), r"figure 'f1': unknown source 's9'"),
    Case("unknown-quantity", figure(quantity=f'"tanks"{M}'), r"figure 'f1': unknown quantity 'tanks'"),
    Case("unknown-figure-in-relation", figure() + relation(expr="f1 == f9"), r"relation 'r1': 'f9' is neither a figure id nor a unit"),
    Case("unknown-figure-in-of", figure(of=f'"f9"{M}', part='"f1"'), r"figure 'f1': of 'f9' is not a figure id"),
    Case("unknown-figure-in-between", figure(between=f'["f1", "f9"]{M}'), r"figure 'f1': between 'f9' is not a figure id"),
    Case("unknown-source-of-relation", figure() + relation(source="s9", mark="source"), r"relation 'r1': unknown source 's9'"),
    Case("unknown-part-of", figure() + "\n[quantity.killed]\nkind = 'cumulative'\n"
         f"unit = 'person'\npart_of = 'casualties'{M}\n", r"part_of 'casualties' is not a quantity"),
    Case("source-file-missing", source("s2", file="gone.txt", mark="file") + figure(),
         r"source file 'gone.txt' not found"),
    Case("source-file-not-utf8", source("s2", file="latin1.txt", mark="file") + figure(),
         r"source file 'latin1.txt' is not UTF-8"),
    Case("source-file-null-byte", source("s2", file="a\\u0000b", mark="file") + figure(), r"is not a valid path"),
    Case("line-after-unicode-line-breaks", figure(quote='"etwa\u2028 11.000\x85 Soldaten"', unit=f'"blorp"{M}'),
         r"unknown unit 'blorp'"),
    Case("unknown-unit", figure(unit=f'"blorp"{M}'), r"unknown unit 'blorp'"),
    Case("unknown-unit-of-quantity", figure() + f"\n[quantity.tanks]\nkind = 'stock'\nunit = 'tonk'{M}\n", r"unknown unit 'tonk'"),
    Case("unit-fractional-power", figure(unit=f'"soldier**0.5"{M}'), r"powers of units must be whole numbers"),
    Case("unit-huge-power", figure(unit=f'"soldier**99999"{M}'), r"powers beyond ±12"),
    Case("inline-quantity-table", figure() + f'\n[quantity]\ntanks = {{ kind = "stock", unit = "tonk" }}{M}\n',
         r"unknown unit 'tonk'"),
    Case("unit-dimension-differs", figure(unit=f'"shell"{M}'),
         r"figure 'f1': unit 'shell' has dimension \[shell\], but quantity 'troops' is measured in 'soldier'"),
    Case("bad-month", figure(as_of=f'"2024-13"{M}'), r"bad date '2024-13'"),
    Case("bad-day", figure(as_of=f'"2024-02-30"{M}'), r"bad date '2024-02-30'.*day is out of range"),
    Case("bad-period-words", figure(as_of=f'"last year"{M}'), r"bad date or period 'last year': write 2024"),
    Case("period-ends-before-start", figure(as_of=f'"2025-02/2024-01"{M}'), r"period '2025-02/2024-01' ends before it starts"),
    Case("bad-since", figure(since=f'"2022-00"{M}'), r"bad date '2022-00'"),
    Case("year-zero", figure(as_of=f'"0000"{M}'), r"bad date '0000': year 0 is out of range"),
    Case("last-day-string", figure(as_of=f'"9999-12-31"{M}'), r"bad date '9999-12-31': dates end with the year 9999"),
    Case("last-day-toml-date", figure(as_of=f"9999-12-31{M}"), r"bad date 9999-12-31"),
    Case("published-last-day", HEADER.replace("published = 2025-01-15", f"published = 9999-12-31{M}", 1)
         + "\n" + figure(as_of=None), r"published: bad date 9999-12-31", header=False),
    Case("range-low-above-high", figure(value=f"[5000, 3000]{M}", qualifier='"exact"'), r"range low 5000 > high 3000"),
    Case("value-nan", figure(value=f"nan{M}"), r"value: must be finite, not nan"),
    Case("value-inf", figure(value=f"inf{M}"), r"value: must be finite, not inf"),
    Case("value-minus-inf", figure(value=f"-inf{M}"), r"value: must be finite, not -inf"),
    Case("range-end-nan", figure(value=f"[1, nan]{M}"), r"range ends must be finite, not nan"),
    Case("rate-value-nan", figure() + f"\n[[rate]]\nfrom = 'EUR'\nto = 'USD'\nvalue = nan{M}\nas_of = 2024-11-05\nsource = 's1'\n",
         r"rate value must be a positive finite number"),
    Case("german-2.5", figure(value=f'"2.5"{M}'), r"'2\.5' is ambiguous in 'de' \(could be 25 or 2,5\)"),
    Case("value-too-many-digits", figure(value='"1' + ".000" * 30 + f'"{M}'), r"has too many digits"),
    Case("value-too-large", figure(value='"' + "9" * 400 + f'"{M}'), r"is too large to be a reported number"),
    Case("value-string-without-number", figure(value=f'"viele"{M}'), r"no number in 'viele'"),
    Case("relation-call", figure() + relation(expr="__import__('os').system('x') == f1"), r"relation 'r1': function calls not allowed"),
    Case("relation-attribute", figure() + relation(expr="f1.real == 11000"), r"relation 'r1': attributes not allowed"),
    Case("relation-chained-comparison", figure() + relation(expr="f1 < f1 < f1"), r"exactly one comparison \(no chains like a < b < c\)"),
    Case("relation-no-comparison", figure() + relation(expr="f1 + 1"), r"a relation needs one comparison: == < <= > >="),
    Case("relation-lambda", figure() + relation(expr="f1 == (lambda: 1)"), r"relation 'r1': lambdas not allowed"),
    Case("relation-subscript", figure() + relation(expr="f1[0] == 1"), r"relation 'r1': subscripts not allowed"),
    Case("relation-string-constant", figure() + relation(expr="f1 == 'abc'"), r"relation 'r1': strings not allowed"),
    Case("relation-syntax", figure() + relation(expr="f1 == == 2"), r"relation 'r1': cannot parse"),
    Case("relation-power", figure() + relation(expr="f1 ** 2 == 1"), r"relation 'r1': the operator Pow not allowed"),
    Case("relation-not-equal", figure() + relation(expr="f1 != 1"), r"relation 'r1': comparison .*not allowed: use == < <= > >="),
    Case("relation-infinite-number", figure() + relation(expr="f1 == 1e999"), r"relation 'r1': numbers must be finite"),
]


def write_case(folder, case):
    (folder / "latin1.txt").write_bytes("Größe: 11.000 Soldaten\n".encode("latin-1"))
    return write_figures(folder, case.body, header=case.header)


def problem_lines(err: str, name: str = "figures.toml") -> list[str]:
    return [line for line in err.splitlines() if line.startswith(f"{name}:")]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input_is_one_problem_at_its_line(case, corpus_dir, cli):
    path = write_case(corpus_dir, case)
    code, out, err = cli("check", path.name)
    assert code == 2, err
    assert "Traceback" not in err
    assert out == ""  # nothing checked, nothing printed as findings
    problems = problem_lines(err)
    assert len(problems) == 1, err
    assert problems[0].startswith(f"figures.toml:{line_of(path, MARK)}: "), err
    assert re.search(case.message, problems[0]), problems[0]
    assert err.strip().splitlines() == problems   # one problem: that line and nothing else


def test_case_markers_are_honest(corpus_dir):
    """Each case file has exactly one marked line, so the line assertion above means something."""
    for case in CASES:
        text = write_case(corpus_dir, case).read_text(encoding="utf-8")
        assert text.count(MARK) == 1, case.name


def test_load_raises_load_error_with_structured_problems(corpus_dir):
    from figcheck.load import LoadError, load

    path = write_figures(corpus_dir, figure(unit=f'"blorp"{M}'))
    with pytest.raises(LoadError) as info:
        load([path])
    (problem,) = info.value.problems
    assert (problem.file, problem.line) == ("figures.toml", line_of(path, MARK))
    assert str(problem) == f"figures.toml:{problem.line}: {problem.message}"


# --- files that cannot be read as figures files ------------------------------------------------

def test_empty_file(corpus_dir, cli):
    (corpus_dir / "figures.toml").write_text("", encoding="utf-8")
    code, _, err = cli("check", "figures.toml")
    assert code == 2
    assert problem_lines(err) == ["figures.toml:1: empty figures file"]


def test_whitespace_only_file_is_empty(corpus_dir, cli):
    (corpus_dir / "figures.toml").write_text("\n   \n\t\n", encoding="utf-8")
    code, _, err = cli("check", "figures.toml")
    assert code == 2
    assert problem_lines(err) == ["figures.toml:1: empty figures file"]


def test_file_not_utf8_points_at_the_bad_line(corpus_dir, cli):
    text = HEADER + "\n" + figure(note='"Größe"')
    (corpus_dir / "figures.toml").write_bytes(text.encode("latin-1"))
    code, _, err = cli("check", "figures.toml")
    assert code == 2
    assert "Traceback" not in err
    bad_line = line_of(text, "Größe")
    assert problem_lines(err) == [f"figures.toml:{bad_line}: not UTF-8 (byte 0xf6)"]


def test_comments_only_file_has_no_sources_or_figures(corpus_dir, cli):
    """A file with nothing but comments is valid TOML with nothing in it: checked, zero figures."""
    (corpus_dir / "figures.toml").write_text("# nothing yet\n", encoding="utf-8")
    code, out, err = cli("check", "figures.toml")
    assert code == 0, err
    assert "in 0 figures" in out


# --- several problems at once ------------------------------------------------------------------

SEVERAL = (
    figure("f1", unit='"blorp"  # <- unit')
    + "\n" + figure("f2", as_of='"2024-13"  # <- date')
    + "\n" + figure("f3", value='"2.5"  # <- german', colour='"red"  # <- key')
    + "\n" + figure("f4", value="nan  # <- nan")
    + "\n" + figure("f5", quantity='"tanks"  # <- quantity')
    + relation("r1", expr="f5 == f9").replace(MARK, "# <- relation-name")
    + relation("r2", expr="__import__('os').system('x') == 1").replace(MARK, "# <- relation-call")
)
SEVERAL_EXPECTED = {
    "unit": "unknown unit 'blorp'",
    "date": "bad date '2024-13'",
    "german": "'2.5' is ambiguous",
    "key": "unknown key 'colour'",
    "nan": "value: must be finite, not nan",
    "quantity": "unknown quantity 'tanks'",
    "relation-name": "'f9' is neither a figure id nor a unit",
    "relation-call": "function calls not allowed",
}


def _assert_several(path, err):
    assert "Traceback" not in err
    problems = problem_lines(err)
    assert len(problems) == len(SEVERAL_EXPECTED), err
    for marker, message in SEVERAL_EXPECTED.items():
        want = f"figures.toml:{line_of(path, '# <- ' + marker)}: "
        assert any(p.startswith(want) and message in p for p in problems), (marker, err)
    assert f"figcheck: {len(SEVERAL_EXPECTED)} problems in the input; nothing was checked" in err


def test_several_problems_are_all_reported_each_at_its_line(corpus_dir, cli):
    path = write_figures(corpus_dir, SEVERAL)
    code, out, err = cli("check", path.name)
    assert code == 2
    _assert_several(path, err)
    # listed in file order
    numbers = [int(p.split(":")[1]) for p in problem_lines(err)]
    assert numbers == sorted(numbers)


def test_several_problems_in_a_real_subprocess(corpus_dir):
    path = write_figures(corpus_dir, SEVERAL)
    proc = run_subprocess("check", path.name, cwd=corpus_dir)
    assert proc.returncode == 2
    assert proc.stdout == ""
    _assert_several(path, proc.stderr)


def test_problems_in_two_files_are_reported_together(corpus_dir, cli):
    first = write_figures(corpus_dir, figure("f1", unit=f'"blorp"{M}'), name="a.toml")
    second = write_figures(corpus_dir, figure("f2", as_of=f'"2024-13"{M}'), name="b.toml")
    code, _, err = cli("check", "a.toml", "b.toml")
    assert code == 2
    assert any(p.startswith(f"a.toml:{line_of(first, MARK)}: unknown unit") for p in problem_lines(err, "a.toml"))
    assert any(p.startswith(f"b.toml:{line_of(second, MARK)}: bad date") for p in problem_lines(err, "b.toml"))
    # the two files share sources s1/en1: the second definition is a duplicate, reported once
    assert any("duplicate source 's1'" in line for line in err.splitlines())


# --- the command line itself -------------------------------------------------------------------

def test_select_unknown_code(corpus_dir, cli):
    path = write_figures(corpus_dir, figure())
    code, out, err = cli("check", "--select", "Z999", path.name)
    assert code == 2
    assert out == ""
    assert err.strip().splitlines() == ["figcheck: no rule matches 'Z999' (see `figcheck rules`)"]


def test_ignore_unknown_code(corpus_dir, cli):
    path = write_figures(corpus_dir, figure())
    code, _, err = cli("check", "--ignore", "Q1", path.name)
    assert code == 2
    assert err.strip() == "figcheck: no rule matches 'Q1' (see `figcheck rules`)"


def test_missing_file_on_the_command_line(corpus_dir, cli):
    code, out, err = cli("check", "nowhere.toml")
    assert code == 2
    assert out == ""
    assert problem_lines(err, "nowhere.toml") == ["nowhere.toml:1: file not found"]
    assert "Traceback" not in err


def test_missing_file_in_a_real_subprocess(corpus_dir):
    proc = run_subprocess("check", "nowhere.toml", cwd=corpus_dir)
    assert proc.returncode == 2
    assert proc.stderr.splitlines()[0] == "nowhere.toml:1: file not found"
    assert "Traceback" not in proc.stderr


def test_a_folder_given_as_file(corpus_dir, cli):
    (corpus_dir / "folder.toml").mkdir()
    code, _, err = cli("check", "folder.toml")
    assert code == 2
    assert problem_lines(err, "folder.toml")[0].startswith("folder.toml:1: cannot read")


@pytest.mark.parametrize("args", [["check", "--format", "xml"], ["frobnicate"], ["check", "--about-margin", "0.5"]])
def test_usage_errors_exit_2(corpus_dir, cli, args):
    write_figures(corpus_dir, figure())
    code, out, err = cli(*args, "figures.toml")
    assert code == 2
    assert "Traceback" not in err
    assert err.strip()


def test_relation_code_is_never_run(corpus_dir, cli):
    """A relation that would write a file if evaluated: rejected, and the file never appears."""
    sentinel = corpus_dir / "pwned"
    expr = f"__import__('pathlib').Path({str(sentinel)!r}).touch() == 1"
    path = write_figures(corpus_dir, figure() + relation(expr=expr))
    code, _, err = cli("check", path.name)
    assert code == 2
    assert not sentinel.exists()
    assert "function calls not allowed" in err


def test_a_huge_number_in_a_quote_does_not_stop_the_load(corpus_dir):
    """The quote is scanned for the written precision of a plain value; a run of digits too long
    for babel must be skipped as unreadable, not crash the loader."""
    from figcheck.load import load

    quote = '"' + "1" + ".000" * 30 + ' und etwa 11.000 Soldaten"'
    corpus = load([write_figures(corpus_dir, figure(value="11000", quote=quote))])
    fig = corpus.figures["f1"]
    assert (fig.low, fig.about_half) == (11000, 500)


@pytest.mark.parametrize("encode", [
    pytest.param(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), id="utf8-with-byte-order-mark"),
    pytest.param(lambda text: text.replace("\n", "\r\n").encode("utf-8"), id="crlf-line-ends"),
])
def test_files_saved_by_other_editors(corpus_dir, cli, encode):
    """A byte-order mark or CRLF line ends change nothing: same problem, same line."""
    text = HEADER + "\n" + figure(unit=f'"blorp"{M}')
    (corpus_dir / "figures.toml").write_bytes(encode(text))
    code, _, err = cli("check", "figures.toml")
    assert code == 2
    assert problem_lines(err) == [
        f"figures.toml:{line_of(text, MARK)}: unknown unit 'blorp' "
        "(UndefinedUnitError: 'blorp' is not defined in the unit registry)"]
