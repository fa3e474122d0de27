"""SARIF 2.1.0, for code-scanning UIs (GitHub code scanning, VS Code's SARIF viewer).

One run; `tool.driver.rules` holds one entry per rule given, in that order, so
`ruleIndex` points into it. Each finding left in a file is a result; findings a
run has already fixed are gone from the file and are not reported.

Positions are the file's 1-based lines and columns, with `run.columnKind` set to
`unicodeCodePoints` because hardenfix counts columns in characters. End columns
are exclusive, as SARIF defines them.

A finding that says a file cannot be read or parsed (HF002, HF003) has level `error`.
Rule help is given as text and as Markdown (`help.markdown`), as GitHub shows it.

Regions are in the file as it is on disk when the run ends: after `apply`, the fixed
file; after a dry run, the original.

A fix becomes `fixes[].artifactChanges[].replacements`. Each replacement's
`deletedRegion` is given by line and column, not by `charOffset`/`charLength`:
the viewers that apply SARIF fixes (VS Code's SARIF viewer, sarif-fix tools)
read `startLine`/`startColumn`/`endLine`/`endColumn`, and lines and columns mean
the same thing whether or not the file starts with a byte-order mark, while a
character offset would not. An insertion is an empty region
(`endColumn == startColumn`). Fixes hardenfix classes as unsafe say so in the
fix's `properties.applicability`; SARIF has no field of its own for it. A fix whose
edits were not made (a dry run's fix that touches text an applied fix replaced) is
left out.

Artifact URIs are the report paths (relative to the working directory) as
relative URI references, so run hardenfix from the repository root for GitHub
to place the results. A file that could not be processed becomes an error
notification of the run's invocation, which is then not successful.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from urllib.parse import quote

from hardenfix import __version__
from hardenfix.model import FileResult, Finding, Outcome
from hardenfix.report import is_error, on_disk
from hardenfix.report.markdown import doc_section
from hardenfix.rule import Rule
from hardenfix.sources.text import SourceText

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
LEVEL = "warning"
"""Every finding is a warning: hardenfix has no severities, `check`'s exit code gates."""


def render(results: Iterable[FileResult], rules: Sequence[type[Rule]]) -> str:
    rule_index = {rule.code: index for index, rule in enumerate(rules)}
    sarif_results: list[dict[str, object]] = []
    notifications: list[dict[str, object]] = []
    for result in results:
        if result.outcome is Outcome.FAILED:
            notifications.append(_failure(result))
            continue
        document = _document_of(result) if any(_has_edits(finding) for finding in result.findings) else None
        sarif_results.extend(_result(finding, result, rule_index, document) for finding in result.findings)
    log = {
        "$schema": SCHEMA_URI,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "hardenfix",
                        "version": __version__,
                        "rules": [_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [
                    {"executionSuccessful": not notifications, "toolExecutionNotifications": notifications}
                ],
                "columnKind": "unicodeCodePoints",
                "results": sarif_results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _descriptor(rule: type[Rule]) -> dict[str, object]:
    documentation = rule.documentation()
    return {
        "id": rule.code,
        "name": rule.slug,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": doc_section(documentation, "What it does") or rule.summary},
        "help": {"text": documentation, "markdown": documentation},
        "defaultConfiguration": {"level": LEVEL},
        "properties": {
            "category": str(rule.category),
            "fixSafety": rule.fix_safety,
            "tags": [str(rule.category), str(rule.kind)],
        },
    }


def _result(
    finding: Finding, result: FileResult, rule_index: dict[str, int], document: SourceText | None
) -> dict[str, object]:
    uri = _uri(result.display_path)
    sarif_result: dict[str, object] = {"ruleId": finding.code}
    if finding.code in rule_index:
        sarif_result["ruleIndex"] = rule_index[finding.code]
    sarif_result |= {
        "level": "error" if is_error(finding) else LEVEL,
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri},
                    "region": {
                        "startLine": finding.start.line,
                        "startColumn": finding.start.column,
                        "endLine": finding.end.line,
                        "endColumn": finding.end.column,
                    },
                }
            }
        ],
    }
    if finding.fix is not None and finding.fix.is_made and document is not None:
        sarif_result["fixes"] = [
            {
                "description": {"text": finding.fix.title},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": uri},
                        "replacements": [
                            {
                                "deletedRegion": _region(document, edit.start, edit.end),
                                "insertedContent": {"text": edit.content},
                            }
                            for edit in finding.fix.edits
                        ],
                    }
                ],
                "properties": {"applicability": str(finding.fix.applicability)},
            }
        ]
    if finding.facts:
        sarif_result["properties"] = {"facts": dict(finding.facts)}
    return sarif_result


def _has_edits(finding: Finding) -> bool:
    return finding.fix is not None and finding.fix.is_made


def _document_of(result: FileResult) -> SourceText | None:
    """The text the findings' offsets point into: the file as it is on disk."""
    text = on_disk(result)
    return None if text is None else SourceText(text)


def _region(document: SourceText, start: int, end: int) -> dict[str, int]:
    first, last = document.position(start), document.position(end)
    return {"startLine": first.line, "startColumn": first.column, "endLine": last.line, "endColumn": last.column}


def _failure(result: FileResult) -> dict[str, object]:
    return {
        "level": "error",
        "message": {"text": f"{result.display_path}: {result.error}"},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": _uri(result.display_path)}}}],
    }


def _uri(display_path: str) -> str:
    """A relative URI reference: the POSIX path with reserved characters percent-encoded."""
    return quote(display_path, safe="/")
