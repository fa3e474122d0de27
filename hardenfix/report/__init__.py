"""Reporters: one module per output format, all fed the same stream of FileResults."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hardenfix.model import FileResult, Outcome


@dataclass
class Summary:
    """Counts over a run, for the closing line and the exit code."""

    files: int = 0
    changed_files: int = 0
    findings: int = 0
    failing: int = 0
    """Findings that make `check` fail (the configuration's `fail-on`)."""
    fixable: int = 0
    safe_fixable: int = 0
    fixed: Counter[str] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    """One line per file problem: `path: reason`."""
    skipped: list[str] = field(default_factory=list)

    def add(self, result: FileResult) -> None:
        self.files += 1
        if result.outcome is Outcome.FAILED:
            self.errors.append(f"{result.display_path}: {result.error}")
            return
        if result.outcome is Outcome.SKIPPED:
            self.skipped.append(f"{result.display_path}: {result.error}")
            return
        self.errors.extend(f"{result.display_path}: {note}" for note in result.notes)
        self.findings += len(result.findings)
        self.failing += result.failing
        self.fixable += sum(1 for finding in result.findings if finding.fixable)
        self.safe_fixable += sum(1 for f in result.findings if f.fix is not None and f.fix.is_applicable(False))
        if result.changed:
            self.changed_files += 1
            self.fixed.update(finding.code for finding in result.fixed)

    @property
    def fixed_total(self) -> int:
        return sum(self.fixed.values())


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
