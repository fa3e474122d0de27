"""The SARIF, GitHub, GitLab, JUnit and Markdown reporters: valid for their consumers, exact, and
faithful to the fixes."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from conftest import DATA
from test_cli import NEEDS_FIX

from golden import ROOT as GOLDEN
from golden import Case
from hardenfix.engine import Engine
from hardenfix.model import (
    Applicability,
    Category,
    Edit,
    FileKind,
    FileResult,
    Finding,
    Fix,
    Outcome,
    Position,
)
from hardenfix.registry import all_rules, rule_by_code
from hardenfix.report import github, gitlab, junit, markdown, sarif
from hardenfix.rule import FixSafety, Rule
from hardenfix.runner import Mode, run

SARIF_SCHEMA = DATA / "schemas" / "sarif-schema-2.1.0.json"

COMPOSE = NEEDS_FIX


class Demo(Rule):
    """
    ## What it does
    Finds demonstrations.

    ## Why is this bad?
    Demonstrations run
    in production.

    Second paragraph, not part of the rationale.

    ## Example
    ```yaml
    demo: true
    ```

    ## Use instead
    ```yaml
    demo: false
    ```

    ## Fix safety
    Unsafe.
    """

    code = "HF199"
    slug = "demo-rule"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Demonstration left on"
    fix_safety = FixSafety.SOMETIMES


def finding(
    path: str,
    start: tuple[int, int],
    end: tuple[int, int],
    message: str,
    fix: Fix | None = None,
    code: str = "HF199",
    slug: str = "demo-rule",
) -> Finding:
    return Finding(code, slug, path, Position(*start), Position(*end), message, fix)


def unsafe_fix(start: int, end: int, content: str) -> Fix:
    return Fix("Turn the demo off", (Edit(start, end, content),), Applicability.UNSAFE)


def results_for(tmp_path: Path, mode: Mode, files: dict[str, bytes]) -> list[FileResult]:
    for name, content in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(content)
    engine = Engine([rule() for rule in all_rules()])
    return list(run([tmp_path], engine, mode, cwd=tmp_path))


def sarif_log(results: list[FileResult], rules=None) -> dict:
    rendered = sarif.render(results, all_rules() if rules is None else rules)
    log = json.loads(rendered)
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    return log


def apply_replacements(text: str, replacements: list[dict]) -> str:
    """What a SARIF viewer does with `deletedRegion` line/column replacements."""
    line_starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            line_starts.append(index + 1)

    def offset(line: int, column: int) -> int:
        return line_starts[line - 1] + column - 1

    spans = sorted(
        (
            offset(r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]),
            offset(r["deletedRegion"]["endLine"], r["deletedRegion"]["endColumn"]),
            r["insertedContent"]["text"],
        )
        for r in replacements
    )
    for start, end, content in reversed(spans):
        text = text[:start] + content + text[end:]
    return text


# SARIF


def test_sarif_describes_every_rule(tmp_path: Path) -> None:
    log = sarif_log(results_for(tmp_path, Mode.CHECK, {"compose.yaml": COMPOSE.encode()}))
    run_ = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run_["columnKind"] == "unicodeCodePoints"
    descriptors = run_["tool"]["driver"]["rules"]
    assert [d["id"] for d in descriptors] == [rule.code for rule in all_rules()]
    hf110 = descriptors[[rule.code for rule in all_rules()].index("HF110")]
    rule = rule_by_code("HF110")
    assert hf110["name"] == "secret-required"
    assert hf110["shortDescription"] == {"text": "Secret variable with an insecure default"}
    assert hf110["fullDescription"]["text"].startswith("Finds interpolations of secret-like variables")
    assert hf110["help"] == {"text": rule.documentation(), "markdown": rule.documentation()}
    assert hf110["properties"] == {
        "category": "security",
        "fixSafety": "safe or unsafe, per occurrence",
        "tags": ["security", "compose"],
    }


def test_sarif_results_carry_regions_and_fixes(tmp_path: Path) -> None:
    log = sarif_log(results_for(tmp_path, Mode.CHECK, {"stack/compose.yaml": COMPOSE.encode()}))
    results = log["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["HF110", "HF101"]
    codes = [rule.code for rule in all_rules()]
    assert results[0] == {
        "ruleId": "HF110",
        "ruleIndex": codes.index("HF110"),
        "level": "warning",
        "message": {
            "text": "`POSTGRES_PASSWORD` falls back to a default written in this file: anyone who reads it knows the secret"
        },
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": "stack/compose.yaml"},
                    "region": {"startLine": 5, "startColumn": 26, "endLine": 5, "endColumn": 54},
                }
            }
        ],
        "fixes": [
            {
                "description": {"text": "Require `POSTGRES_PASSWORD`"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": "stack/compose.yaml"},
                        "replacements": [
                            {
                                "deletedRegion": {"startLine": 5, "startColumn": 26, "endLine": 5, "endColumn": 54},
                                "insertedContent": {"text": "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"},
                            }
                        ],
                    }
                ],
                "properties": {"applicability": "safe"},
            }
        ],
    }
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


@pytest.mark.parametrize(
    "content",
    [COMPOSE, "\ufeff" + COMPOSE.replace("${POSTGRES_PASSWORD:-pmoves}", '"😀 ${POSTGRES_PASSWORD:-pmöves}"')],
    ids=["plain", "bom-and-non-ascii"],
)
def test_sarif_fixes_reproduce_what_apply_writes(tmp_path: Path, content: str) -> None:
    """Applying every SARIF replacement to the checked file gives apply's output (one pass suffices here)."""
    data = content.encode("utf-8")
    [checked] = results_for(tmp_path / "check", Mode.CHECK, {"compose.yaml": data})
    [fixed] = results_for(tmp_path / "fix", Mode.DIFF, {"compose.yaml": data})
    replacements = [
        replacement
        for result in sarif_log([checked])["runs"][0]["results"]
        for fix in result["fixes"]
        for change in fix["artifactChanges"]
        for replacement in change["replacements"]
    ]
    text = content.removeprefix("\ufeff")
    assert apply_replacements(text, replacements) == fixed.fixed_bytes.decode("utf-8").removeprefix("\ufeff")


def test_sarif_insertion_is_an_empty_region_in_code_points() -> None:
    original = "demo: ☃☃ on\n"
    result = FileResult(
        Path("x"),
        "dir with space/compose.yaml",
        Outcome.UNCHANGED,
        FileKind.COMPOSE,
        findings=[finding("dir with space/compose.yaml", (1, 7), (1, 9), "snowmen", unsafe_fix(8, 8, "!"))],
        original=original.encode("utf-8"),
    )
    [sarif_result] = sarif_log([result], [Demo])["runs"][0]["results"]
    assert sarif_result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "dir%20with%20space/compose.yaml"
    }
    [fix] = sarif_result["fixes"]
    assert fix["properties"] == {"applicability": "unsafe"}
    assert fix["artifactChanges"][0]["replacements"] == [
        {
            "deletedRegion": {"startLine": 1, "startColumn": 9, "endLine": 1, "endColumn": 9},
            "insertedContent": {"text": "!"},
        }
    ]


def test_sarif_finding_of_an_undescribed_rule_has_no_rule_index() -> None:
    result = FileResult(
        Path("x"),
        "compose.yaml",
        Outcome.UNCHANGED,
        FileKind.COMPOSE,
        findings=[finding("compose.yaml", (1, 1), (1, 5), "unused", code="HF001", slug="unused-suppression")],
        original=b"demo\n",
    )
    [sarif_result] = sarif_log([result], [Demo])["runs"][0]["results"]
    assert sarif_result["ruleId"] == "HF001"
    assert "ruleIndex" not in sarif_result


def test_sarif_reports_an_unparseable_file_as_an_error_result(tmp_path: Path) -> None:
    log = sarif_log(results_for(tmp_path, Mode.CHECK, {"compose.yaml": b"services:\n  db: [\n"}))
    [result] = log["runs"][0]["results"]
    assert (result["ruleId"], result["level"]) == ("HF002", "error")
    assert result["message"]["text"].startswith("invalid YAML: while parsing a flow node")
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 3,
        "startColumn": 1,
        "endLine": 3,
        "endColumn": 1,
    }
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True, "toolExecutionNotifications": []}]


def test_sarif_reports_files_hardenfix_failed_on_as_notifications() -> None:
    failed = FileResult(Path("x"), "compose.yaml", Outcome.FAILED, error="cannot be written: No space left on device")
    [invocation] = sarif_log([failed])["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert notification["message"]["text"] == "compose.yaml: cannot be written: No space left on device"
    assert notification["locations"] == [{"physicalLocation": {"artifactLocation": {"uri": "compose.yaml"}}}]


# GitHub workflow commands


def test_github_annotations_for_real_findings(tmp_path: Path) -> None:
    results = results_for(tmp_path, Mode.CHECK, {"stack/compose.yaml": COMPOSE.encode()})
    assert github.render(results).splitlines() == [
        (
            "::warning file=stack/compose.yaml,line=5,col=26,endLine=5,endColumn=54,title=HF110::"
            "`POSTGRES_PASSWORD` falls back to a default written in this file: anyone who reads it knows the secret"
        ),
        (
            "::warning file=stack/compose.yaml,line=6,col=5,endLine=6,endColumn=16,title=HF101::"
            "healthcheck of service `db` has no `start_period`: failed probes while it starts count toward its retries"
        ),
    ]


def test_github_escapes_properties_and_data() -> None:
    path = "a,b:c%/compose.yaml"
    result = FileResult(
        Path("x"),
        path,
        Outcome.UNCHANGED,
        FileKind.COMPOSE,
        findings=[
            finding(path, (2, 3), (2, 8), "100% sure: a, b\r\nnext line"),
            finding(path, (4, 1), (6, 2), "spans lines"),
        ],
    )
    assert github.render([result]) == (
        "::warning file=a%2Cb%3Ac%25/compose.yaml,line=2,col=3,endLine=2,endColumn=8,title=HF199::"
        "100%25 sure: a, b%0D%0Anext line\n"
        "::warning file=a%2Cb%3Ac%25/compose.yaml,line=4,endLine=6,title=HF199::spans lines\n"
    )


def test_github_annotates_an_unparseable_file_as_an_error(tmp_path: Path) -> None:
    results = results_for(tmp_path, Mode.CHECK, {"compose.yaml": b"services:\n  db: [\n"})
    assert github.render(results).startswith(
        "::error file=compose.yaml,line=3,col=1,endLine=3,endColumn=1,title=HF002::invalid YAML"
    )


def test_github_reports_unprocessed_files_as_errors() -> None:
    result = FileResult(Path("x"), "compose.yaml", Outcome.FAILED, error="is not valid YAML: bad, very")
    assert github.render([result]) == "::error file=compose.yaml,title=hardenfix::is not valid YAML: bad, very\n"


# Markdown pull-request body


def test_markdown_pull_request_body() -> None:
    fixed_unsafe = finding("svc/compose.yaml", (3, 5), (3, 9), "demo is on", unsafe_fix(10, 12, "off"))
    fixed_safe = finding(
        "svc/compose.yaml",
        (7, 5),
        (7, 9),
        "demo is on",
        Fix("Turn the demo off", (Edit(20, 22, "off"),)),
    )
    left_unsafe = finding("other/compose.yaml", (2, 1), (2, 5), "demo is on, `loudly`", unsafe_fix(0, 4, "x"))
    left_unfixable = finding("other/compose.yaml", (9, 1), (9, 5), "demo cannot be turned off")
    results = [
        FileResult(
            Path("a"),
            "svc/compose.yaml",
            Outcome.CHANGED,
            FileKind.COMPOSE,
            fixed=[fixed_unsafe, fixed_safe],
            original=b"a",
            fixed_bytes=b"b",
        ),
        FileResult(
            Path("b"),
            "other/compose.yaml",
            Outcome.UNCHANGED,
            FileKind.COMPOSE,
            findings=[left_unsafe, left_unfixable],
            notes=["HF199 fix at line 4 dropped: its output would not parse"],
        ),
        FileResult(Path("c"), "broken/compose.yaml", Outcome.FAILED, error="is not valid YAML"),
    ]
    assert markdown.render(results, [Demo], applied=True) == (
        "## hardenfix\n"
        "\n"
        "Fixed 2 findings in 1 file; 2 findings left for a human.\n"
        "\n"
        "| Rule | Files | Occurrences | Fixed | Left to review |\n"
        "|---|--:|--:|--:|--:|\n"
        "| HF199 `demo-rule` | 2 | 4 | 2 | 2 |\n"
        "\n"
        "### HF199 `demo-rule`\n"
        "\n"
        "Demonstration left on. Demonstrations run in production.\n"
        "\n"
        "Changed:\n"
        "\n"
        "- `svc/compose.yaml` (2 fixes)\n"
        "\n"
        "⚠️ Behaviour-changing fixes: review these before merging.\n"
        "\n"
        "- `svc/compose.yaml:3:5`: demo is on\n"
        "\n"
        "Left for a human:\n"
        "\n"
        "- `other/compose.yaml:2:1`: demo is on, `loudly`"
        " (⚠️ unsafe fix available, may change behaviour: `hardenfix apply --unsafe-fixes`)\n"
        "- `other/compose.yaml:9:1`: demo cannot be turned off\n"
        "\n"
        "### Not processed\n"
        "\n"
        "- `other/compose.yaml`: HF199 fix at line 4 dropped: its output would not parse\n"
        "- `broken/compose.yaml`: is not valid YAML\n"
    )


def test_markdown_dry_run_body_from_the_engine(tmp_path: Path) -> None:
    results = results_for(tmp_path, Mode.DIFF, {"compose.yaml": COMPOSE.encode()})
    body = markdown.render(results, all_rules(), applied=False)
    assert body.splitlines()[:8] == [
        "## hardenfix",
        "",
        "Would fix 2 findings in 1 file.",
        "",
        "| Rule | Files | Occurrences | Would fix | Left to review |",
        "|---|--:|--:|--:|--:|",
        "| HF101 `healthcheck-start-period` | 1 | 1 | 1 | 0 |",
        "| HF110 `secret-required` | 1 | 1 | 1 | 0 |",
    ]
    assert "Would change:\n\n- `compose.yaml` (1 fix)\n" in body


def test_markdown_names_an_unparseable_file_among_those_not_processed(tmp_path: Path) -> None:
    files = {"good/compose.yaml": COMPOSE.encode(), "bad/compose.yaml": b"services:\n  db: [\n"}
    body = markdown.render(results_for(tmp_path, Mode.WRITE, files), all_rules(), applied=True)
    assert body.endswith(
        "### Not processed\n\n- `bad/compose.yaml`: invalid YAML: while parsing a flow node:"
        " did not find expected node content at line 3, column 1\n"
    )
    assert "HF002" not in body


def test_markdown_without_findings() -> None:
    result = FileResult(Path("a"), "compose.yaml", Outcome.UNCHANGED, FileKind.COMPOSE)
    assert markdown.render([result], [Demo], applied=True) == "## hardenfix\n\nNo findings.\n"


def test_rationale_is_the_first_paragraph_on_one_line() -> None:
    assert markdown.rationale(Demo) == "Demonstrations run in production."


@pytest.mark.parametrize("rule", all_rules(), ids=[rule.code for rule in all_rules()])
def test_every_rule_has_a_rationale(rule: type[Rule]) -> None:
    text = markdown.rationale(rule)
    assert text and "\n" not in text and not text.startswith("#")


# GitLab Code Quality

GITLAB_SCHEMA = DATA / "schemas" / "gitlab-codeclimate.json"
GITLAB_SEVERITIES = ("blocker", "critical", "major", "minor", "info")


def gitlab_widget(report: str) -> dict[str, dict]:
    """What GitLab keeps of a Code Quality report, as its parser does
    (Gitlab::Ci::Parsers::Codequality::CodeClimate, CodequalityReports): each issue is
    validated against GitLab's schema, the first invalid one ends the parsing, and issues
    are kept by fingerprint."""
    validator = jsonschema.Draft7Validator(json.loads(GITLAB_SCHEMA.read_text(encoding="utf-8")))
    kept: dict[str, dict] = {}
    for issue in json.loads(report):
        if not validator.is_valid(issue):
            break
        kept[issue["fingerprint"]] = issue
    return kept


def test_gitlab_keeps_every_finding_where_it_is(tmp_path: Path) -> None:
    files = {"stack/compose.yaml": COMPOSE.encode(), "broken/compose.yaml": b"services:\n  db: [\n"}
    results = results_for(tmp_path, Mode.CHECK, files)
    findings = [finding for result in results for finding in result.findings]
    issues = json.loads(gitlab.render(results))
    assert list(gitlab_widget(gitlab.render(results)).values()) == issues
    assert len(issues) == len(findings) == 3
    by_check = {issue["check_name"]: issue for issue in issues}
    assert by_check["HF110"] == {
        "description": "HF110: `POSTGRES_PASSWORD` falls back to a default written in this file:"
        " anyone who reads it knows the secret",
        "check_name": "HF110",
        "fingerprint": by_check["HF110"]["fingerprint"],
        "severity": "major",
        "location": {
            "path": "stack/compose.yaml",
            "lines": {"begin": 5, "end": 5},
            "positions": {"begin": {"line": 5, "column": 26}, "end": {"line": 5, "column": 54}},
        },
    }
    assert by_check["HF002"]["severity"] == "critical"
    assert by_check["HF002"]["location"]["lines"]["begin"] == 3
    assert all(issue["severity"] in GITLAB_SEVERITIES for issue in issues)


def test_gitlab_fingerprints_survive_lines_moving_and_tell_equal_findings_apart(tmp_path: Path) -> None:
    [before] = results_for(tmp_path / "a", Mode.CHECK, {"compose.yaml": COMPOSE.encode()})
    [after] = results_for(tmp_path / "b", Mode.CHECK, {"compose.yaml": ("# moved down\n\n" + COMPOSE).encode()})
    fingerprints = [issue["fingerprint"] for issue in json.loads(gitlab.render([before]))]
    assert [issue["fingerprint"] for issue in json.loads(gitlab.render([after]))] == fingerprints
    twice = FileResult(
        Path("x"),
        "compose.yaml",
        Outcome.UNCHANGED,
        FileKind.COMPOSE,
        findings=[finding("compose.yaml", (1, 1), (1, 5), "same"), finding("compose.yaml", (3, 1), (3, 5), "same")],
    )
    assert len(gitlab_widget(gitlab.render([twice]))) == 2


def test_gitlab_report_of_a_clean_tree_is_an_empty_array(tmp_path: Path) -> None:
    results = results_for(tmp_path, Mode.CHECK, {"compose.yaml": b"services:\n  web:\n    image: example/web:1.0\n"})
    assert gitlab.render(results) == "[]\n"


# JUnit XML

JUNIT_SCHEMA = DATA / "schemas" / "junit-10.xsd"


def junit_tree(report: str) -> ElementTree.Element:
    """The report, validated against the JUnit schema Jenkins' xUnit plugin uses."""
    import xmlschema

    xmlschema.XMLSchema(JUNIT_SCHEMA).validate(report)
    return ElementTree.fromstring(report)


def test_junit_has_a_testcase_per_rule_and_file(tmp_path: Path) -> None:
    files = {
        "a/compose.yaml": COMPOSE.encode(),
        "b/compose.yaml": COMPOSE.replace("start_period", "x").encode(),
        "broken/compose.yaml": b"services:\n  db: [\n",
    }
    results = results_for(tmp_path, Mode.CHECK, files)
    root = junit_tree(junit.render(results))
    assert (root.tag, root.get("tests"), root.get("failures"), root.get("errors")) == ("testsuites", "5", "5", "0")
    suites = {suite.get("name"): suite for suite in root}
    assert sorted(suites) == ["a/compose.yaml", "b/compose.yaml", "broken/compose.yaml"]
    cases = [(case.get("classname"), case.get("name")) for case in suites["a/compose.yaml"]]
    assert cases == [("a/compose.yaml", "HF101 healthcheck-start-period"), ("a/compose.yaml", "HF110 secret-required")]
    [failure] = suites["a/compose.yaml"][1]
    assert (failure.tag, failure.get("type")) == ("failure", "HF110")
    assert failure.get("message") == "`POSTGRES_PASSWORD` falls back to a default written in this file"
    assert failure.text == (
        "a/compose.yaml:5:26: `POSTGRES_PASSWORD` falls back to a default written in this file:"
        " anyone who reads it knows the secret\n"
    )
    [broken] = suites["broken/compose.yaml"]
    assert broken.get("name") == "HF002 parse-error"


def test_junit_of_a_clean_run_is_one_passing_testcase(tmp_path: Path) -> None:
    results = results_for(tmp_path, Mode.CHECK, {"compose.yaml": b"services:\n  web:\n    image: example/web:1.0\n"})
    root = junit_tree(junit.render(results))
    [suite] = root
    [case] = suite
    assert (root.get("tests"), root.get("failures"), case.get("name"), list(case)) == ("1", "0", "No findings", [])


def test_junit_holds_messages_with_characters_xml_cannot() -> None:
    result = FileResult(
        Path("x"),
        "compose.yaml",
        Outcome.UNCHANGED,
        FileKind.COMPOSE,
        findings=[finding("compose.yaml", (1, 1), (1, 5), 'bell \x07 and <tag> & "quotes"')],
    )
    root = junit_tree(junit.render([result]))
    assert root[0][0][0].text == 'compose.yaml:1:1: bell \ufffd and <tag> & "quotes"\n'


def test_junit_reports_a_file_hardenfix_failed_on_as_an_error() -> None:
    failed = FileResult(Path("x"), "compose.yaml", Outcome.FAILED, error="cannot be written: No space left on device")
    root = junit_tree(junit.render([failed]))
    assert (root.get("tests"), root.get("errors")) == ("1", "1")
    assert root[0][0][0].tag == "error"


def test_the_facts_a_finding_rests_on_are_in_every_structured_report(tmp_path: Path) -> None:
    """JSON's `facts`, SARIF's result properties, the pull-request body's list: a reviewer
    checks a probe written from a service's files against where each fact was read."""
    from hardenfix.report import json as json_report

    result = Case(GOLDEN / "compose" / "HF106-healthcheck-missing" / "monorepo", FileKind.COMPOSE).run(mode=Mode.CHECK)
    api = next(finding for finding in result.findings if "`api`" in finding.message)
    route = "/ops/healthz (services/api/app/routers/status.py:6: route /ops/healthz)"
    assert json.loads(json_report.render([api]))[0]["facts"]["route"] == route
    log = json.loads(sarif.render([result], all_rules()))
    jsonschema.validate(log, json.loads(SARIF_SCHEMA.read_text(encoding="utf-8")))
    facts = [r["properties"]["facts"] for r in log["runs"][0]["results"] if "`api`" in r["message"]["text"]]
    assert facts[0]["route"] == route
    assert f"  - route: {route}" in markdown.render([result], all_rules(), applied=False).splitlines()
