"""JUnit XML, for CI systems that show test results (GitLab, Jenkins, Azure, CircleCI).

One `testsuite` per file with findings, and in it one `testcase` per rule: its name is
the rule's code and slug, its `classname` the file, and one `failure` lists the rule's
findings there, a line each. A file hardenfix failed on is a testcase with an `error`.
A run without findings is one passing testcase, as ruff writes it, so that the report
is never empty. The attributes are those of the JUnit schema Jenkins validates against.
"""

from __future__ import annotations

from collections.abc import Iterable
from xml.etree import ElementTree

from hardenfix import regexes
from hardenfix.model import FileResult, Finding, Outcome
from hardenfix.report import plural


def render(results: Iterable[FileResult]) -> str:
    root = ElementTree.Element("testsuites", name="hardenfix")
    for result in results:
        if result.outcome is Outcome.FAILED:
            suite = _suite(root, result.display_path)
            case = ElementTree.SubElement(suite, "testcase", name="hardenfix", classname=result.display_path)
            ElementTree.SubElement(case, "error", message=_xml(result.error or "")).text = _xml(result.error or "")
            continue
        by_rule: dict[tuple[str, str], list[Finding]] = {}
        for finding in result.findings:
            by_rule.setdefault((finding.code, finding.slug), []).append(finding)
        if by_rule:
            suite = _suite(root, result.display_path)
            for (code, slug), findings in sorted(by_rule.items()):
                case = ElementTree.SubElement(suite, "testcase", name=f"{code} {slug}", classname=result.display_path)
                summary = findings[0].headline if len(findings) == 1 else plural(len(findings), "finding")
                failure = ElementTree.SubElement(case, "failure", message=_xml(summary), type=code)
                failure.text = _xml(
                    "".join(f"{f.path}:{f.start.line}:{f.start.column}: {f.message}\n" for f in findings)
                )
    if not len(root):
        suite = _suite(root, "hardenfix")
        ElementTree.SubElement(suite, "testcase", name="No findings", classname="hardenfix")
    _count(root)
    ElementTree.indent(root, space="    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def _xml(text: str) -> str:
    """`text` with the characters XML 1.0 cannot hold (most control characters) replaced."""
    return _NOT_XML.sub("\ufffd", text)


_NOT_XML = regexes.lazy("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _suite(root: ElementTree.Element, name: str) -> ElementTree.Element:
    return ElementTree.SubElement(root, "testsuite", name=name)


def _count(root: ElementTree.Element) -> None:
    """The counts each `testsuite` and the `testsuites` must carry."""
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in root:
        counts = {
            "tests": len(suite),
            "failures": sum(1 for case in suite if case.find("failure") is not None),
            "errors": sum(1 for case in suite if case.find("error") is not None),
        }
        for key, value in counts.items():
            suite.set(key, str(value))
            totals[key] += value
        suite.set("skipped", "0")
    for key, value in totals.items():
        root.set(key, str(value))
