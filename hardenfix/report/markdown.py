"""A pull-request body in GitHub-flavoured Markdown, for bots that open fix PRs.

The body opens with one summary line and a table (rule, files, occurrences,
fixed, left to review), then has a section per rule with its rationale (the
first paragraph of its documentation's "Why is this bad?"), the files its fixes
changed, the behaviour-changing (unsafe) fixes a reviewer must look at, and the
findings left for a human. Files hardenfix could not process (a file it cannot read or
parse, a fix whose output could not be verified, a failed write) come last.

Messages are rendered as Markdown, as rules write them (with `code` spans).
Line numbers of fixed findings are those of the text the fix was made on, which
for the first fixes in a file is the file as it was.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from hardenfix.model import Applicability, FileResult, Finding, Outcome
from hardenfix.report import plural
from hardenfix.rule import Rule

WARNING = "⚠️"


def doc_section(documentation: str, heading: str) -> str:
    """The text of a `## heading` section of a rule's Markdown documentation, or ''."""
    match = re.search(rf"^## {re.escape(heading)}[ \t]*$(.*?)(?=^## |\Z)", documentation, re.MULTILINE | re.DOTALL)
    return match.group(1).strip() if match else ""


def rationale(rule: type[Rule]) -> str:
    """The first paragraph of the rule's "Why is this bad?", on one line."""
    first_paragraph = re.split(r"\n[ \t]*\n", doc_section(rule.documentation(), "Why is this bad?"), maxsplit=1)[0]
    return " ".join(first_paragraph.split())


class _RuleReport:
    __slots__ = ("code", "fixed", "left", "slug")

    code: str
    slug: str
    fixed: list[Finding]
    left: list[Finding]

    def __init__(self, code: str, slug: str) -> None:
        self.code = code
        self.slug = slug
        self.fixed = []
        self.left = []

    @property
    def files(self) -> list[str]:
        return sorted({finding.path for finding in (*self.fixed, *self.left)})

    @property
    def changed_files(self) -> list[tuple[str, int]]:
        counts: dict[str, int] = {}
        for finding in self.fixed:
            counts[finding.path] = counts.get(finding.path, 0) + 1
        return sorted(counts.items())


def render(results: Iterable[FileResult], rules: Sequence[type[Rule]], *, applied: bool) -> str:
    """The body; `applied` says the fixes were written (else they are proposed, as by `--dry-run`)."""
    by_code = {rule.code: rule for rule in rules}
    reports: dict[str, _RuleReport] = {}
    problems: list[str] = []
    for result in results:
        if result.outcome in (Outcome.FAILED, Outcome.INVALID):
            problems.append(f"`{result.display_path}`: {result.error}")
            continue
        problems.extend(f"`{result.display_path}`: {note}" for note in result.notes)
        for finding in result.fixed:
            _report_for(reports, finding).fixed.append(finding)
        for finding in result.findings:
            _report_for(reports, finding).left.append(finding)
    ordered = [reports[code] for code in sorted(reports)]

    fixed_column = "Fixed" if applied else "Would fix"
    lines = ["## hardenfix", "", _headline(ordered, applied)]
    if ordered:
        lines += ["", f"| Rule | Files | Occurrences | {fixed_column} | Left to review |", "|---|--:|--:|--:|--:|"]
        lines += [
            f"| {report.code} `{report.slug}` | {len(report.files)} | {len(report.fixed) + len(report.left)}"
            f" | {len(report.fixed)} | {len(report.left)} |"
            for report in ordered
        ]
    for report in ordered:
        lines += ["", *_rule_section(report, by_code.get(report.code), applied)]
    if problems:
        lines += ["", "### Not processed", "", *(f"- {problem}" for problem in problems)]
    return "\n".join(lines) + "\n"


def _report_for(reports: dict[str, _RuleReport], finding: Finding) -> _RuleReport:
    return reports.setdefault(finding.code, _RuleReport(finding.code, finding.slug))


def _headline(reports: list[_RuleReport], applied: bool) -> str:
    fixed = sum(len(report.fixed) for report in reports)
    left = sum(len(report.left) for report in reports)
    if not fixed and not left:
        return "No findings."
    changed_files = len({path for report in reports for path, _ in report.changed_files})
    parts = []
    if fixed:
        verb = "Fixed" if applied else "Would fix"
        parts.append(f"{verb} {plural(fixed, 'finding')} in {plural(changed_files, 'file')}")
    if left:
        parts.append(f"{plural(left, 'finding')} left for a human")
    return "; ".join(parts) + "."


def _rule_section(report: _RuleReport, rule: type[Rule] | None, applied: bool) -> list[str]:
    lines = [f"### {report.code} `{report.slug}`"]
    if rule is not None:
        lines += ["", f"{rule.summary}. {rationale(rule)}".rstrip()]
    if report.changed_files:
        lines += ["", "Changed:" if applied else "Would change:", ""]
        lines += [f"- `{path}` ({count} {'fix' if count == 1 else 'fixes'})" for path, count in report.changed_files]
    behaviour_changing = [f for f in report.fixed if f.fix is not None and f.fix.applicability is Applicability.UNSAFE]
    if behaviour_changing:
        lines += ["", f"{WARNING} Behaviour-changing fixes: review these before merging.", ""]
        lines += [line for finding in behaviour_changing for line in _with_facts(finding)]
    resting_on_facts = [f for f in report.fixed if f.facts and f not in behaviour_changing]
    if resting_on_facts:
        lines += ["", "What these fixes rest on, and where each fact was read:", ""]
        lines += [line for finding in resting_on_facts for line in _with_facts(finding)]
    if report.left:
        lines += ["", "Left for a human:", ""]
        lines += [line for finding in report.left for line in _with_facts(finding, _fix_note(finding))]
    return lines


def _with_facts(finding: Finding, note: str = "") -> list[str]:
    """A finding as a list item, with the facts it rests on below it."""
    return [
        f"- {_locate(finding)}: {finding.message}{note}",
        *(f"  - {name}: {fact}" for name, fact in finding.facts),
    ]


def _locate(finding: Finding) -> str:
    return f"`{finding.path}:{finding.start.line}:{finding.start.column}`"


def _fix_note(finding: Finding) -> str:
    if finding.fix is None:
        return ""
    if finding.fix.applicability is Applicability.UNSAFE:
        return f" ({WARNING} unsafe fix available, may change behaviour: `hardenfix apply --unsafe-fixes`)"
    return " (safe fix available: `hardenfix apply`)"
