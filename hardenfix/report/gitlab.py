"""GitLab Code Quality: a JSON array of Code Climate issues, for the merge-request widget.

Each finding left in a file is one issue with the fields GitLab reads: `description`
(the message), `check_name` (the code), `fingerprint`, `severity`, `location.path` and
`location.lines.begin`, plus `location.positions` with columns. GitLab keeps one
issue per fingerprint and tells new issues from fixed ones by comparing the
fingerprints of two pipelines, so a fingerprint names the file, the code and the
message, not the line: an issue stays the same issue when lines above it move. Equal
findings in one file are told apart by their order.

Severities: `major` for rule findings, `critical` for files that cannot be read or
parsed (HF002, HF003), `blocker` for a file hardenfix failed on.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable

from hardenfix.model import FileResult, Outcome
from hardenfix.report import is_error


def render(results: Iterable[FileResult]) -> str:
    issues = []
    seen: Counter[tuple[str, str, str]] = Counter()

    def issue(path: str, check_name: str, message: str, severity: str, location: dict[str, object]) -> None:
        identity = (path, check_name, message)
        seen[identity] += 1
        issues.append(
            {
                "description": message,
                "check_name": check_name,
                "fingerprint": _fingerprint(*identity, seen[identity]),
                "severity": severity,
                "location": {"path": path, **location},
            }
        )

    for result in results:
        if result.outcome is Outcome.FAILED:
            issue(result.display_path, "hardenfix", result.error or "", "blocker", {"lines": {"begin": 1}})
            continue
        for finding in result.findings:
            start, end = finding.start, finding.end
            location = {
                "lines": {"begin": start.line, "end": end.line},
                "positions": {
                    "begin": {"line": start.line, "column": start.column},
                    "end": {"line": end.line, "column": end.column},
                },
            }
            severity = "critical" if is_error(finding) else "major"
            issue(finding.path, finding.code, f"{finding.code}: {finding.message}", severity, location)
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _fingerprint(path: str, check_name: str, message: str, occurrence: int) -> str:
    text = "\0".join((path, check_name, message, str(occurrence)))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
