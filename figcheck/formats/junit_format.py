"""--format junit: JUnit XML that CI systems render as tests.

One test suite per rule that ran; in it one test case per group of figures the rule found
something about (a rule with no findings is one passing case). A case fails when it holds a new
finding at or above `fail_on`, the severity that also sets the exit code; known findings and
those below `fail_on` pass and are listed in system-out. xml.etree escapes all text.
"""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from . import location_path

# XML 1.0 cannot carry most control characters at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _describe(finding, root) -> str:
    lines = [f"{location_path(finding.file, root)}:{finding.line}: {finding.severity.name} "
             f"{finding.code} {finding.message}{'' if finding.new else ' (known)'}"]
    lines += [f"    {d}" for d in finding.details]
    return "\n".join(lines)


def render(result, fail_on=None, root=None, **options) -> str:
    from figcheck.rules import Severity

    threshold = Severity.warning if fail_on is None else Severity(fail_on)
    groups: dict[str, dict[tuple, list]] = {r.code: {} for r in result.rules}
    for f in result.findings:
        key = tuple(sorted(f.figures)) or ((f.relation,) if f.relation else ("(corpus)",))
        groups.setdefault(f.code, {}).setdefault(key, []).append(f)
    names = {r.code: r.name for r in result.rules}

    root_el = ET.Element("testsuites", name="figcheck")
    total_tests = total_failures = 0
    for code, by_figures in groups.items():
        suite = ET.SubElement(root_el, "testsuite", name=_xml_text(f"{code} {names.get(code, '')}".strip()))
        cases = by_figures or {("all figures",): []}
        failures = 0
        for key, findings in cases.items():
            case = ET.SubElement(suite, "testcase", classname=_xml_text(f"figcheck.{code}"),
                                 name=_xml_text(", ".join(key)))
            if findings:
                case.set("file", _xml_text(location_path(findings[0].file, root)))
                case.set("line", str(findings[0].line))
            failing = [f for f in findings if f.new and f.severity >= threshold]
            passing = [f for f in findings if not (f.new and f.severity >= threshold)]
            if failing:
                failures += 1
                failure = ET.SubElement(case, "failure", type=code,
                                        message=_xml_text(" | ".join(f.message for f in failing)))
                failure.text = _xml_text("\n".join(_describe(f, root) for f in failing))
            if passing:
                ET.SubElement(case, "system-out").text = _xml_text("\n".join(_describe(f, root) for f in passing))
        suite.set("tests", str(len(cases)))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", "0")
        total_tests += len(cases)
        total_failures += failures
    root_el.set("tests", str(total_tests))
    root_el.set("failures", str(total_failures))
    root_el.set("errors", "0")
    ET.indent(root_el)
    return ET.tostring(root_el, encoding="unicode", xml_declaration=True) + "\n"
