"""What a person reads in a terminal: findings, statistics and the closing summary.

`full` (the default) shows each finding as ruff does: the code and the message's first
clause, the location, the source lines around it with a caret under the finding, and
the fix's title. `concise` is one line per finding: `path:line:col: CODE [*] message`.
`[*]` marks a finding that `--fix` (or `apply`) would fix with the fixes allowed;
`--show-fixes` adds the rest of each message (why it matters, why the fix is safe or
not).
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from hardenfix.colour import PLAIN, Painter
from hardenfix.model import FileResult, Finding
from hardenfix.report import Summary, is_error, plural

CONTEXT_LINES = 2
"""Source lines shown above and below a finding's line, as ruff shows."""
TAB_WIDTH = 4


def fixable(finding: Finding, unsafe_fixes: bool) -> bool:
    """Whether the fixes this run allows would fix the finding."""
    return finding.fix is not None and finding.fix.is_applicable(unsafe_fixes)


def concise(finding: Finding, unsafe_fixes: bool, show_fixes: bool = False, paint: Painter = PLAIN) -> str:
    """`path:line:col: CODE [*] message`, the message's first clause unless `show_fixes`."""
    marker = paint("[*]", "cyan") + " " if fixable(finding, unsafe_fixes) else ""
    message = finding.message if show_fixes else _headline(finding)
    location = f"{paint(finding.path, 'bold')}:{finding.start.line}:{finding.start.column}:"
    return f"{location} {paint(finding.code, 'bold red')} {marker}{message}\n"


def full(
    finding: Finding,
    source: Sequence[str] | None,
    unsafe_fixes: bool,
    show_fixes: bool = False,
    paint: Painter = PLAIN,
) -> str:
    """The finding as ruff's default output shows one, followed by a blank line.

    `source` is the file's lines as it is on disk; without them, no snippet.
    """
    marker = " " + paint("[*]", "cyan") if fixable(finding, unsafe_fixes) else ""
    out = [f"{paint(finding.code, 'bold red')}{marker} {paint(_headline(finding), 'bold')}\n"]
    snippet = _snippet(finding, source) if source else None
    width = len(str(snippet[-1][0])) if snippet else 1
    gutter = paint(" " * (width + 1) + "|", "bold blue")
    location = f"{finding.path}:{finding.start.line}:{finding.start.column}"
    out.append(f"{' ' * width}{paint('-->', 'bold blue')} {location}\n")
    if snippet:
        out.append(gutter + "\n")
        for number, text, carets in snippet:
            out.append(f"{paint(f'{number:>{width}} |', 'bold blue')} {text}".rstrip() + "\n")
            if carets:
                out.append(f"{gutter} {carets[0]}{paint(carets[1], 'bold red')}\n")
        if snippet[-1][2] is None:  # lines after the finding's: close the frame
            out.append(gutter + "\n")
    if show_fixes and finding.detail and not is_error(finding):
        out.append(f"{paint('note', 'bold')}: {finding.detail}\n")
    if show_fixes:
        out += [f"{paint('fact', 'bold')}: {name}: {fact}\n" for name, fact in finding.facts]
    if finding.fix is not None:
        out.append(f"{paint('help', 'bold cyan')}: {finding.fix.title}\n")
    return "".join(out) + "\n"


def _headline(finding: Finding) -> str:
    """The message's first clause; all of a parser's reason (HF002, HF003), which has no
    clauses to part."""
    return finding.message if is_error(finding) else finding.headline


def _snippet(finding: Finding, source: Sequence[str]) -> list[tuple[int, str, tuple[str, str] | None]]:
    """(line number, displayed text, (indent, carets) under the finding's line or None)."""
    line = min(finding.start.line, len(source))
    text = source[line - 1]
    start = finding.start.column if line == finding.start.line else len(text) + 1
    end = finding.end.column if finding.end.line == finding.start.line else len(text) + 1
    before = _display_width(text[: start - 1]) + max(0, start - 1 - len(text))
    carets = "^" * max(1, _display_width(text[start - 1 : end - 1]))
    first, last = max(1, line - CONTEXT_LINES), min(len(source), line + CONTEXT_LINES)
    while first < line and not source[first - 1].strip():
        first += 1
    while last > line and not source[last - 1].strip():
        last -= 1
    return [
        (number, _displayed(source[number - 1]), (" " * before, carets) if number == line else None)
        for number in range(first, last + 1)
    ]


def _displayed(text: str) -> str:
    return text.expandtabs(TAB_WIDTH) if "\t" in text else text


def _display_width(text: str) -> int:
    """Terminal cells: a tab is `TAB_WIDTH`, a wide (CJK, emoji) character two."""
    return sum(TAB_WIDTH if char == "\t" else 2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def source_lines(text: str | None) -> list[str] | None:
    """A text's lines without their endings, as the snippet shows them."""
    if text is None:
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def statistics(results: Iterable[FileResult], unsafe_fixes: bool, fixed_run: bool, aligned: bool) -> str:
    """One line per code, most frequent first: `count<TAB>code<TAB>[*] slug`, as ruff prints.

    `[*]` means every finding of the code is fixable, `[-]` some, `[ ]` none; after a run
    that fixed (`--fix`), what is left is shown without the marker. `aligned` pads the
    columns with spaces instead of tabs, for a terminal.
    """
    rows = statistics_rows(results, unsafe_fixes)
    lines = []
    count_width = max((len(str(row["count"])) for row in rows), default=0)
    code_width = max((len(str(row["code"])) for row in rows), default=0)
    for row in rows:
        marker = ""
        if not fixed_run:
            marker = "[*] " if row["fixable"] else "[-] " if row["fixable_count"] else "[ ] "
        if aligned:
            lines.append(f"{row['count']:>{count_width}}\t{row['code']:<{code_width}}\t{marker}{row['name']}")
        else:
            lines.append(f"{row['count']}\t{row['code']}\t{marker}{row['name']}")
    return "".join(line + "\n" for line in lines)


def statistics_rows(results: Iterable[FileResult], unsafe_fixes: bool) -> list[dict[str, object]]:
    """`--statistics --output-format json`: ruff's fields, most frequent code first."""
    counts: Counter[str] = Counter()
    fixable_counts: Counter[str] = Counter()
    slugs: dict[str, str] = {}
    for result in results:
        for finding in result.findings:
            counts[finding.code] += 1
            fixable_counts[finding.code] += fixable(finding, unsafe_fixes)
            slugs[finding.code] = finding.slug
    return [
        {
            "code": code,
            "name": slugs[code],
            "count": count,
            "fixable": fixable_counts[code] == count,
            "fixable_count": fixable_counts[code],
        }
        for code, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def fixes_listing(results: Iterable[FileResult], dry_run: bool) -> str:
    """`--show-fixes` after fixing: what was fixed, per file and rule, as ruff lists it."""
    per_file = [(result.display_path, Counter((f.code, f.slug) for f in result.fixed)) for result in results]
    per_file = [(path, counts) for path, counts in per_file if counts]
    if not per_file:
        return ""
    total = sum(sum(counts.values()) for _, counts in per_file)
    lines = ["", f"{'Would fix' if dry_run else 'Fixed'} {plural(total, 'finding')}:"]
    for path, counts in per_file:
        lines.append(f"- {path}:")
        lines += [f"    {count} × {code} ({slug})" for (code, slug), count in sorted(counts.items())]
    return "\n".join(lines) + "\n"


def check_summary(summary: Summary, unsafe_fixes: bool) -> str:
    if not summary.findings:
        return f"No findings in {plural(summary.files, 'file')}."
    line = f"Found {plural(summary.findings, 'finding')}"
    fixable_now = summary.safe_fixable if not unsafe_fixes else summary.fixable
    if fixable_now:
        line += f"; {fixable_now} fixable with `--fix`"
    if not unsafe_fixes and summary.fixable > summary.safe_fixable:
        line += f"{',' if fixable_now else ';'} {summary.fixable - summary.safe_fixable} more with `--unsafe-fixes`"
    if summary.failing < summary.findings:
        line += f"; {summary.failing} fail the check (fail-on)"
    return line + "."


def apply_summary(summary: Summary, dry_run: bool, unsafe_fixes: bool) -> str:
    """The last line of `apply`. A finding left with a fix that was allowed is one whose fix
    could not be made or written (a note or an error above says why), not one for
    `--unsafe-fixes`."""
    if not summary.fixed_total:
        line = "Nothing to fix"
    else:
        verb = "Would fix" if dry_run else "Fixed"
        rules = ", ".join(f"{code} ×{count}" if count > 1 else code for code, count in sorted(summary.fixed.items()))
        line = f"{verb} {plural(summary.fixed_total, 'finding')} in {plural(summary.changed_files, 'file')} ({rules})"
    if summary.findings:
        line += f"; {plural(summary.findings, 'finding')} left"
        unsafe_left = summary.fixable - summary.safe_fixable
        if unsafe_left and not unsafe_fixes:
            line += f" ({unsafe_left} with an unsafe fix: --unsafe-fixes applies them)"
    return line + "."
