"""Human-readable lines: `path:line:col: CODE message [*]`."""

from __future__ import annotations

from hardenfix.model import Finding
from hardenfix.report import Summary, plural

_BOLD, _RED, _CYAN, _RESET = "\x1b[1m", "\x1b[31m", "\x1b[36m", "\x1b[0m"


def format_finding(finding: Finding, colour: bool = False) -> str:
    """`path:line:col: CODE message`, with `[*]` when the finding has a fix."""
    marker = " [*]" if finding.fix is not None else ""
    location = f"{finding.path}:{finding.start.line}:{finding.start.column}:"
    if colour:
        return f"{_BOLD}{location}{_RESET} {_RED}{finding.code}{_RESET} {finding.message}{_CYAN}{marker}{_RESET}"
    return f"{location} {finding.code} {finding.message}{marker}"


def check_summary(summary: Summary) -> str:
    if not summary.findings:
        return f"No findings in {plural(summary.files, 'file')}."
    line = f"Found {plural(summary.findings, 'finding')}"
    if summary.fixable:
        line += f"; {summary.safe_fixable} fixable with `hardenfix apply`"
        if summary.fixable > summary.safe_fixable:
            line += f", {summary.fixable - summary.safe_fixable} more with --unsafe-fixes"
    if summary.failing < summary.findings:
        line += f"; {summary.failing} fail the check (fail-on)"
    return line + "."


def apply_summary(summary: Summary, dry_run: bool) -> str:
    if not summary.fixed_total:
        line = "Nothing to fix"
    else:
        verb = "Would fix" if dry_run else "Fixed"
        rules = ", ".join(f"{code} ×{count}" if count > 1 else code for code, count in sorted(summary.fixed.items()))
        line = f"{verb} {plural(summary.fixed_total, 'finding')} in {plural(summary.changed_files, 'file')} ({rules})"
    if summary.findings:
        line += f"; {plural(summary.findings, 'finding')} left"
        if summary.fixable:
            line += f" ({summary.fixable} with an unsafe fix: --unsafe-fixes applies them)"
    return line + "."
