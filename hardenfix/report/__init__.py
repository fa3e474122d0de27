"""Reporters: one module per output format, all fed the same stream of FileResults."""

from __future__ import annotations

from collections import Counter

from hardenfix.files import UnreadableFile, decode
from hardenfix.model import FileResult, Finding, Outcome
from hardenfix.rules.meta.hf002_parse_error import Unparseable
from hardenfix.rules.meta.hf003_unreadable_file import Unreadable

_FILE_PROBLEMS = frozenset({Unparseable.code, Unreadable.code})


def is_error(finding: Finding) -> bool:
    """Whether the finding says a file could not be read or parsed (HF002, HF003): formats
    with severities show it as an error, rule findings as warnings."""
    return finding.code in _FILE_PROBLEMS


class Summary:
    """Counts over a run, for the closing line and the exit code."""

    files: int
    changed_files: int
    findings: int
    failing: int
    """Findings that make `check` fail (the configuration's `fail-on`)."""
    fixable: int
    safe_fixable: int
    fixed: Counter[str]
    errors: list[str]
    """Failures of the run, one line each (`path: reason`): a write that failed, a crash."""
    invalid: list[str]
    """Files that could not be read or parsed (`path: reason`); each is also a finding."""
    notes: list[str]
    """Fixes that could not be made (`path: reason`): their output could not be verified."""
    skipped: list[str]

    def __init__(self) -> None:
        self.files = self.changed_files = self.findings = self.failing = self.fixable = self.safe_fixable = 0
        self.fixed = Counter()
        self.errors = []
        self.invalid = []
        self.notes = []
        self.skipped = []

    def add(self, result: FileResult) -> None:
        self.files += 1
        if result.outcome is Outcome.FAILED:
            self.errors.append(f"{result.display_path}: {result.error}")
            return
        if result.outcome is Outcome.SKIPPED:
            self.skipped.append(f"{result.display_path}: {result.error}")
            return
        if result.outcome is Outcome.INVALID:
            self.invalid.append(f"{result.display_path}: {result.error}")
        if result.notes:
            self.notes.extend(f"{result.display_path}: {note}" for note in result.notes)
        self.failing += result.failing
        if result.findings:  # most files of a tree have none
            self.findings += len(result.findings)
            self.fixable += sum(1 for finding in result.findings if finding.fixable)
            self.safe_fixable += sum(1 for f in result.findings if f.fix is not None and f.fix.is_applicable(False))
        if result.changed:
            self.changed_files += 1
            self.fixed.update(finding.code for finding in result.fixed)

    @property
    def fixed_total(self) -> int:
        return sum(self.fixed.values())


def on_disk(result: FileResult) -> str | None:
    """The text of the file as it is on disk, which findings' positions point into: the
    fixed text once written, else the original; read again when the run did not keep it.
    None when it cannot be read or decoded."""
    data = result.fixed_bytes if result.written else result.original
    if data is None:
        try:
            data = result.path.read_bytes()
        except OSError:
            return None
    try:
        return decode(data, result.kind).text
    except UnreadableFile:  # shown as well as it can be: the finding says what is wrong
        return data.decode("utf-8", "replace").removeprefix("\ufeff")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
