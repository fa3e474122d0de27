"""Human-readable lines: `path:line:col: CODE message [*]`."""

from __future__ import annotations

from hardenfix.model import Finding
from hardenfix.report import Summary, plural


def format_finding(finding: Finding) -> str:
    marker = " [*]" if finding.fix is not None else ""
    return f"{finding.path}:{finding.start.line}:{finding.start.column}: {finding.code} {finding.message}{marker}"


def check_summary(summary: Summary, unsafe_fixes: bool) -> str:
    if not summary.findings:
        return f"No findings in {plural(summary.files, 'file')}."
    line = f"Found {plural(summary.findings, 'finding')}"
    if summary.fixable:
        line += f"; {summary.fixable} fixable with `hardenfix apply`"
        if not unsafe_fixes:
            line += " (some may need --unsafe-fixes)"
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
