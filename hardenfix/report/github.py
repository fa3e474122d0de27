"""GitHub Actions workflow commands: one annotation per finding.

`::warning file=PATH,line=L,col=C,endLine=EL,endColumn=EC,title=CODE::message`
for each finding left in a file (`::error` for a file that cannot be read or parsed,
HF002 and HF003), and `::error file=PATH,title=hardenfix::reason` for a file
hardenfix failed on. GitHub accepts `col` and `endColumn`
only when the annotation starts and ends on one line, so a finding spanning
lines is annotated by line alone.

Values are escaped as `@actions/core` does: in the message, `%`, CR and LF
become `%25`, `%0D` and `%0A`; in properties, `:` and `,` also become `%3A` and
`%2C`, because they would otherwise end the value.
"""

from __future__ import annotations

from collections.abc import Iterable

from hardenfix.model import FileResult, Finding, Outcome
from hardenfix.report import is_error

_DATA_ESCAPES = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY_ESCAPES = _DATA_ESCAPES | {":": "%3A", ",": "%2C"}


def render(results: Iterable[FileResult]) -> str:
    lines = []
    for result in results:
        if result.outcome is Outcome.FAILED:
            lines.append(command("error", {"file": result.display_path, "title": "hardenfix"}, result.error or ""))
            continue
        lines.extend(annotation(finding) for finding in result.findings)
    return "".join(line + "\n" for line in lines)


def annotation(finding: Finding) -> str:
    properties: dict[str, object] = {"file": finding.path, "line": finding.start.line}
    if finding.start.line == finding.end.line:
        properties |= {"col": finding.start.column, "endLine": finding.end.line, "endColumn": finding.end.column}
    else:
        properties["endLine"] = finding.end.line
    properties["title"] = finding.code
    return command("error" if is_error(finding) else "warning", properties, finding.message)


def command(name: str, properties: dict[str, object], message: str) -> str:
    rendered = ",".join(f"{key}={_escape(str(value), _PROPERTY_ESCAPES)}" for key, value in properties.items())
    return f"::{name} {rendered}::{_escape(message, _DATA_ESCAPES)}"


def _escape(value: str, escapes: dict[str, str]) -> str:
    return "".join(escapes.get(char, char) for char in value)
