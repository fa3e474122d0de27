"""What each command does: the bodies behind the command line, with no typer in sight.

`hardenfix.cli` declares the commands' options for typer and calls these; the program's
entry point (`hardenfix.entry`) calls them directly for the common invocations, without
paying for typer's start-up. Exit codes (the README's contract):

- `check`: 0 no finding fails the check, 1 findings do (a file that cannot be read or
  parsed is one: HF002, HF003); with `--fix`, 1 while findings remain after fixing,
  and also when a fix was written with `--exit-non-zero-on-fix`; with `--diff`, 1
  when a fix would be made; `--exit-zero` makes 1 a 0.
- `apply`: 0 when every fix it could make was written; with `--dry-run`, 1 when a fix
  would be made.
- Any command: 2 for a usage or configuration error, a failed write, or a crash.

A command ends by raising `Exit` (with its code) or `UsageError`. Only what a command
needs is imported, when it runs.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from hardenfix.colour import ColourChoice

if TYPE_CHECKING:
    from hardenfix.colour import Painter
    from hardenfix.config import Configuration, Settings
    from hardenfix.discovery import Candidate
    from hardenfix.model import FileResult
    from hardenfix.report import Summary
    from hardenfix.runner import Mode

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2


class Exit(Exception):
    """A command is done, with this exit code."""

    def __init__(self, code: int = EXIT_OK) -> None:
        super().__init__(code)
        self.code = code


class UsageError(Exception):
    """The command line asks for something that cannot be: one line, `see --help`."""


def error(message: str) -> None:
    """Every error, hardenfix's own and click's usage errors, in one style."""
    sys.stderr.write(f"hardenfix: error: {message}\n")


class Format(enum.StrEnum):
    FULL = "full"
    TEXT = "text"
    """The same as `full`, by its earlier name."""
    CONCISE = "concise"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    GITLAB = "gitlab"
    JUNIT = "junit"
    MARKDOWN = "markdown"

    @property
    def is_text(self) -> bool:
        return self in (Format.FULL, Format.TEXT, Format.CONCISE)


def _fail(message: str) -> Exit:
    error(message)
    return Exit(EXIT_ERROR)


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _configuration(
    config: Path | None,
    isolated: bool,
    select: str | None,
    ignore: str | None,
    unsafe_fixes: bool | None,
    extend_select: str | None = None,
    online: bool = False,
) -> Configuration:
    from hardenfix.config import ConfigError, Configuration

    try:
        return Configuration(
            config, isolated, _split(select), _split(ignore), unsafe_fixes, _split(extend_select), online or None
        )
    except ConfigError as problem:
        raise _fail(str(problem)) from None


def _file_filter(changed: str | None, shard: str | None):
    """Narrow the discovered files to those changed since a revision, and to one shard."""
    if changed is None and shard is None:
        return None
    from hardenfix.git import GitError, changed_files

    try:
        keep = changed_files(Path.cwd(), changed or None) if changed is not None else None
    except GitError as problem:
        raise _fail(str(problem)) from None
    slice_of = _parse_shard(shard) if shard is not None else None

    def narrow(candidates: list[Candidate]) -> list[Candidate]:
        chosen = [c for c in candidates if keep is None or os.path.realpath(c.path) in keep]
        if slice_of is not None:
            index, count = slice_of
            chosen = [c for c in chosen if _shard_of(c.path, count) == index]
        return chosen

    return narrow


def _parse_shard(value: str) -> tuple[int, int]:
    index, _, count = value.partition("/")
    if not (index.isdigit() and count.isdigit() and 1 <= int(index) <= int(count)):
        raise _fail(f"--shard takes K/N with 1 <= K <= N, not {value!r}")
    return int(index) - 1, int(count)


def _shard_of(path: Path, count: int) -> int:
    """A file's shard depends only on its path relative to the working directory, so every
    machine of a CI matrix puts it in the same one."""
    relative = Path(os.path.relpath(os.path.abspath(path))).as_posix()
    import hashlib

    return int.from_bytes(hashlib.sha256(relative.encode()).digest()[:8], "big") % count


def _existing(paths: list[Path] | None) -> list[Path]:
    """The paths to process; a path that does not exist is a usage error, before any work."""
    chosen = paths or [Path(".")]
    missing = [path for path in chosen if not os.path.lexists(path)]
    for path in missing:
        error(f"{path}: does not exist")
    if missing:
        raise Exit(EXIT_ERROR)
    return chosen


class _Report:
    """Where and how the report goes: its format and stream, its colours, what it adds."""

    def __init__(
        self,
        format: Format,
        stream: IO[bytes],
        paint: Painter,
        unsafe_fixes: bool,
        show_fixes: bool = False,
        quiet: bool = False,
        verbose: bool = False,
        terminal: bool = False,
    ) -> None:
        self.format = format
        self.stream = stream
        self.paint = paint
        self.unsafe_fixes = unsafe_fixes
        """Whether fixes that may change behaviour count as fixable (the `[*]` marker)."""
        self.show_fixes = show_fixes
        self.quiet = quiet
        self.verbose = verbose
        self.terminal = terminal
        """Whether the report goes to a terminal: columns are aligned for the eye."""

    def write(self, text: str) -> None:
        self.stream.write(text.encode("utf-8"))
        self.stream.flush()

    def findings(self, result: FileResult) -> None:
        """A file's findings in a text format, as they come."""
        if not result.findings:
            return
        from hardenfix.report import on_disk, text

        if self.format is Format.CONCISE:
            self.write(
                "".join(text.concise(f, self.unsafe_fixes, self.show_fixes, self.paint) for f in result.findings)
            )
            return
        lines = text.source_lines(on_disk(result))
        self.write(
            "".join(text.full(f, lines, self.unsafe_fixes, self.show_fixes, self.paint) for f in result.findings)
        )

    def diff(self, result: FileResult) -> None:
        from hardenfix.diff import colour_diff, unified_diff

        if result.changed:
            patch = unified_diff(result.display_path, result.original, result.fixed_bytes)
            self.stream.write(colour_diff(patch, self.paint))  # a diff is the files' own bytes
            self.stream.flush()

    def note(self, line: str) -> None:
        """Commentary on stderr (summaries, skipped files), unless quiet."""
        if not self.quiet:
            sys.stderr.write(line + "\n")


@contextlib.contextmanager
def _report_to(
    output_file: Path | None,
    output_format: Format,
    colour: ColourChoice,
    unsafe_fixes: bool,
    to_stderr: bool = False,
    show_fixes: bool = False,
    quiet: bool = False,
    verbose: bool = False,
) -> Iterator[_Report]:
    """The report, on stdout (stderr when stdout carries a fixed file), or in `output_file`
    (never coloured)."""
    from hardenfix.colour import PLAIN, painter_for

    text_stream = sys.stderr if to_stderr else sys.stdout
    with contextlib.ExitStack() as stack:
        if output_file is not None:
            try:
                stream: IO[bytes] = stack.enter_context(output_file.open("wb"))
            except OSError as problem:
                raise _fail(f"{output_file}: cannot be written: {problem.strerror}") from None
            paint = PLAIN
        else:
            text_stream.flush()
            stream = text_stream.buffer
            paint = painter_for(colour, text_stream)
        terminal = output_file is None and text_stream.isatty()
        yield _Report(output_format, stream, paint, unsafe_fixes, show_fixes, quiet, verbose, terminal)


def _unsafe_fixes_shown(unsafe_fixes: bool | None, configuration: Configuration) -> bool:
    """Whether `[*]` counts fixes that may change behaviour: the flag, else the
    configuration of the working directory."""
    if unsafe_fixes is not None:
        return unsafe_fixes
    from hardenfix.config import ConfigError

    try:
        return configuration.for_folder(os.getcwd()).unsafe_fixes
    except ConfigError as problem:
        raise _fail(str(problem)) from None


def _results(
    paths: list[Path],
    configuration: Configuration,
    mode: Mode,
    *,
    jobs: int | None = None,
    no_cache: bool = False,
    select_files=None,
    compose_model_check: bool = False,
    fix_edits: bool = False,
    stdin_name: str | None = None,
    stdin: bool = False,
    refresh: bool = False,
    force_exclude: bool = False,
) -> Iterator[FileResult]:
    from hardenfix.config import ConfigError
    from hardenfix.runner import Job, allow_processes, process_stdin, run

    try:
        if stdin:
            allow_processes(jobs)
            job = Job(configuration, mode, Path.cwd(), force_exclude=force_exclude)
            yield process_stdin(sys.stdin.buffer.read(), stdin_name, job)
            return
        cache = None
        if not no_cache:
            from hardenfix.cache import Cache, project_roots

            cache = Cache.open(*project_roots(paths))
        results = run(
            paths,
            configuration,
            mode,
            jobs=jobs,
            cache=cache,
            select_files=select_files,
            compose_model_check=compose_model_check,
            fix_edits=fix_edits,
            online=_online_run(paths, configuration, no_cache, refresh),
            force_exclude=force_exclude,
        )
        yield from _with_progress(results)
    except ConfigError as problem:
        raise _fail(str(problem)) from None


def _settings_of(configuration: Configuration, path: Path) -> Settings:
    """The settings of a file, or of the files in a folder."""
    from hardenfix.config import ConfigError

    absolute = os.path.abspath(path)
    try:
        return configuration.for_folder(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    except ConfigError as problem:
        raise _fail(str(problem)) from None


def _online_run(paths: list[Path], configuration: Configuration, no_cache: bool, refresh: bool):
    """How the run asks registries, from the configuration of the first path given; None offline."""
    settings = _settings_of(configuration, paths[0])
    if not settings.online:
        return None
    from hardenfix.cache import project_roots, registry_folder
    from hardenfix.facts.online import OnlineRun

    cache_dir = None if no_cache else registry_folder(project_roots(paths)[0])
    return OnlineRun(settings.registry_mirrors, settings.platform, cache_dir, refresh, _warn)


def _warn(message: str) -> None:
    sys.stderr.write(f"hardenfix: warning: {message}\n")
    sys.stderr.flush()


PROGRESS_AFTER_SECONDS = 0.5
"""How long a run goes on before it counts files on a terminal: drawing the count imports
rich (60 ms, a one-file check's whole time twice over), and a shorter run is over before
anyone reads it. A run of one file never counts: its one result ends it."""
PROGRESS_REDRAWN_EVERY = 0.1
"""Seconds between two drawings of the count, at most."""


def _with_progress(results: Iterator[FileResult]) -> Iterator[FileResult]:
    """On a terminal (never in CI or a pipe), count files on stderr once the run has gone
    on past `PROGRESS_AFTER_SECONDS` and done more than one file. The count is drawn as
    results come, by this thread: a thread of its own would keep the run from forking a
    helper (`facts.ahead`), and a pool's workers would be forked beside it.

    Results are held back until the end, so that what goes to stdout never tears the
    progress line; elsewhere they stream as they come.
    """
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield from results
        return
    finished: list[FileResult] = []
    started = time.monotonic()
    for result in results:
        finished.append(result)
        if len(finished) > 1 and time.monotonic() - started >= PROGRESS_AFTER_SECONDS:
            _count_the_rest(results, finished)
            break
    yield from finished


def _count_the_rest(results: Iterator[FileResult], finished: list[FileResult]) -> None:
    """The count drawn until the last result, each added to `finished`."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    columns = (SpinnerColumn(), TextColumn("{task.completed} files"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True, auto_refresh=False) as progress:
        task = progress.add_task("hardenfix", total=None, completed=len(finished))
        progress.refresh()
        drawn = time.monotonic()
        for result in results:
            finished.append(result)
            progress.advance(task)
            if time.monotonic() - drawn >= PROGRESS_REDRAWN_EVERY:
                progress.refresh()
                drawn = time.monotonic()


def _run(
    configuration: Configuration,
    mode: Mode,
    report_to: contextlib.AbstractContextManager[_Report],
    paths: list[Path],
    *,
    keep: bool,
    statistics: bool = False,
    **run_options: Any,
) -> tuple[_Report, Summary, list[FileResult]]:
    """Run, reporting to `report_to`; the report, the counts, and the results kept (all of
    them when `keep`, for a report made at the end). `run_options` go to `_results`."""
    from hardenfix.report import Summary

    summary = Summary()
    with report_to as report:
        fix_edits = report.format is Format.SARIF  # the only report that shows fixes' edits
        results = _results(paths, configuration, mode, fix_edits=fix_edits, **run_options)
        kept = _process(results, mode, report, summary, keep)
        _finish(report, kept, mode, statistics)
    return report, summary, kept


def _process(results: Iterator[FileResult], mode: Mode, report: _Report, summary: Summary, keep: bool):
    """Count every result, show it as it comes in a text format, and keep those a report
    made at the end needs (all of them when `keep`)."""
    from hardenfix.runner import Mode

    kept: list[FileResult] = []
    started = time.perf_counter()
    for result in results:
        summary.add(result)
        if report.verbose:
            found = f", {len(result.findings)} findings" if result.findings else ""
            sys.stderr.write(f"hardenfix: {result.display_path}: {result.outcome}{found}\n")
        if keep:
            kept.append(result)
        elif mode is Mode.DIFF:
            report.diff(result)
        else:
            report.findings(result)
    if report.verbose:
        sys.stderr.write(f"hardenfix: {summary.files} files in {time.perf_counter() - started:.2f}s\n")
    return kept


def _render(output_format: Format, results: list[FileResult], applied: bool) -> str:
    from hardenfix.registry import all_rules

    if output_format is Format.JSON:
        from hardenfix.report import json as json_report

        return json_report.render(finding for result in results for finding in result.findings)
    if output_format is Format.SARIF:
        from hardenfix.report import sarif

        return sarif.render(results, all_rules())
    if output_format is Format.GITHUB:
        from hardenfix.report import github

        return github.render(results)
    if output_format is Format.GITLAB:
        from hardenfix.report import gitlab

        return gitlab.render(results)
    if output_format is Format.JUNIT:
        from hardenfix.report import junit

        return junit.render(results)
    from hardenfix.report import markdown

    return markdown.render(results, all_rules(), applied=applied)


def _finish(report: _Report, kept: list[FileResult], mode: Mode, statistics: bool = False) -> None:
    """What is written once every file is in: the kept results in a text format, a report
    in a format that is one document, or the statistics; then the list of fixes."""
    from hardenfix.report import text
    from hardenfix.runner import Mode

    if statistics:
        if report.format is Format.JSON:
            report.write(json.dumps(text.statistics_rows(kept, report.unsafe_fixes), indent=2) + "\n")
        else:
            report.write(text.statistics(kept, report.unsafe_fixes, mode is Mode.WRITE, aligned=report.terminal))
    elif not report.format.is_text:
        report.write(_render(report.format, kept, applied=mode is Mode.WRITE))
    else:
        for result in kept:
            if mode is Mode.DIFF:
                report.diff(result)
            else:
                report.findings(result)
    if report.show_fixes and mode is not Mode.CHECK:
        listing = text.fixes_listing(kept, dry_run=mode is Mode.DIFF)
        if report.format.is_text:
            report.write(listing)
        elif listing:  # a document on stdout stays one document
            report.note(listing.strip("\n"))


def _problems(report: _Report, summary: Summary, invalid_files: bool) -> None:
    """Errors, files that could not be worked on, and skipped files, on stderr."""
    for line in summary.errors:
        error(line)
    for line in (*summary.invalid, *summary.notes) if invalid_files else summary.notes:
        error(line)
    for line in summary.skipped:
        report.note(f"hardenfix: skipped: {line}")


def check(
    paths: list[Path] | None = None,
    fix: bool = False,
    diff: bool = False,
    unsafe_fixes: bool | None = None,
    show_fixes: bool = False,
    statistics: bool = False,
    exit_zero: bool = False,
    exit_non_zero_on_fix: bool = False,
    output_format: Format = Format.FULL,
    output_file: Path | None = None,
    select: str | None = None,
    extend_select: str | None = None,
    ignore: str | None = None,
    config: Path | None = None,
    isolated: bool = False,
    color: ColourChoice = ColourChoice.AUTO,
    quiet: bool = False,
    verbose: bool = False,
    stdin_filename: str | None = None,
    changed: str | None = None,
    shard: str | None = None,
    jobs: int | None = None,
    no_cache: bool = False,
    online: bool = False,
    refresh: bool = False,
    force_exclude: bool = False,
) -> None:
    """Report findings; with --fix, also write the fixes, with --diff show them.

    Exit 1 when a finding fails the check (`fail-on`; default: any), 0 when none does.
    """
    from hardenfix.report import plural, text
    from hardenfix.runner import Mode

    if exit_zero and exit_non_zero_on_fix:
        raise UsageError("--exit-zero and --exit-non-zero-on-fix exclude each other")
    if diff and statistics:
        raise UsageError("--diff and --statistics exclude each other")
    stdin = paths == [Path("-")] or (stdin_filename is not None and not paths)
    if not stdin and paths and Path("-") in paths:
        raise UsageError("`-` (standard input) cannot be given with other paths")
    mode = Mode.DIFF if diff else Mode.WRITE if fix else Mode.CHECK
    configuration = _configuration(config, isolated, select, ignore, unsafe_fixes, extend_select, online)
    shown_unsafe = _unsafe_fixes_shown(unsafe_fixes, configuration)
    fixed_on_stdout = stdin and mode is Mode.WRITE
    keep = not output_format.is_text or statistics or (show_fixes and mode is not Mode.CHECK) or fixed_on_stdout
    report, summary, kept = _run(
        configuration,
        mode,
        _report_to(output_file, output_format, color, shown_unsafe, fixed_on_stdout, show_fixes, quiet, verbose),
        [] if stdin else _existing(paths),
        keep=keep,
        statistics=statistics,
        jobs=jobs,
        no_cache=no_cache,
        select_files=_file_filter(changed, shard),
        stdin=stdin,
        stdin_name=stdin_filename,
        refresh=refresh,
        force_exclude=force_exclude,
    )
    if stdin and summary.skipped:
        raise _fail(summary.skipped[0])
    if fixed_on_stdout:
        [result] = kept
        sys.stdout.buffer.write(result.fixed_bytes if result.changed else result.original)
        sys.stdout.flush()
    _problems(report, summary, invalid_files=False)
    if output_format.is_text or statistics:
        if mode is Mode.CHECK:
            report.note(text.check_summary(summary, shown_unsafe))
        elif mode is Mode.WRITE and (summary.fixed_total or summary.findings):
            remaining = summary.findings
            total = plural(summary.fixed_total + remaining, "finding")
            report.note(f"Found {total} ({summary.fixed_total} fixed, {remaining} remaining).")
        elif mode is Mode.WRITE:
            report.note(text.check_summary(summary, shown_unsafe))
        else:
            report.note(text.apply_summary(summary, dry_run=True, unsafe_fixes=shown_unsafe))
    raise Exit(_check_exit_code(summary, mode, exit_zero, exit_non_zero_on_fix))


def _check_exit_code(summary: Summary, mode: Mode, exit_zero: bool, exit_non_zero_on_fix: bool) -> int:
    from hardenfix.runner import Mode

    if summary.errors:
        return EXIT_ERROR
    if exit_zero:
        return EXIT_OK
    if mode is Mode.DIFF:
        failed = summary.changed_files > 0
    elif mode is Mode.WRITE:
        failed = summary.failing > 0 or (exit_non_zero_on_fix and summary.fixed_total > 0)
    else:
        failed = summary.failing > 0
    return EXIT_FINDINGS if failed else EXIT_OK


def apply(
    paths: list[Path] | None = None,
    dry_run: bool = False,
    unsafe_fixes: bool | None = None,
    select: str | None = None,
    extend_select: str | None = None,
    ignore: str | None = None,
    config: Path | None = None,
    isolated: bool = False,
    output_format: Format = Format.FULL,
    output_file: Path | None = None,
    color: ColourChoice = ColourChoice.AUTO,
    show_fixes: bool = False,
    quiet: bool = False,
    verbose: bool = False,
    commit: bool = False,
    branch: str = "hardenfix/fixes",
    no_verify: bool = False,
    pr_body: Path | None = None,
    validate: bool = False,
    changed: str | None = None,
    shard: str | None = None,
    jobs: int | None = None,
    no_cache: bool = False,
    online: bool = False,
    refresh: bool = False,
    force_exclude: bool = False,
) -> None:
    """Write fixes in place (or, with --dry-run, print them as a diff).

    Exit 0 when every fix that could be made was written, 1 with --dry-run when a fix
    would be made. Files that cannot be read or parsed are named on stderr.
    """
    from hardenfix.report import text
    from hardenfix.runner import Mode

    if commit and dry_run:
        raise UsageError("--commit and --dry-run exclude each other")
    if validate:
        from hardenfix.validate import NO_DOCKER_COMPOSE, docker_compose_command

        if docker_compose_command() is None:
            raise _fail(NO_DOCKER_COMPOSE)  # said once, not for each Compose file left unfixed
    configuration = _configuration(config, isolated, select, ignore, unsafe_fixes, extend_select, online)
    shown_unsafe = _unsafe_fixes_shown(unsafe_fixes, configuration)
    mode = Mode.DIFF if dry_run else Mode.WRITE
    report, summary, kept = _run(
        configuration,
        mode,
        _report_to(output_file, output_format, color, shown_unsafe, False, show_fixes, quiet, verbose),
        _existing(paths),
        keep=not output_format.is_text or commit or pr_body is not None or show_fixes,
        jobs=jobs,
        no_cache=no_cache,
        select_files=_file_filter(changed, shard),
        compose_model_check=validate,
        refresh=refresh,
        force_exclude=force_exclude,
    )
    if pr_body is not None:
        pr_body.write_text(_render(Format.MARKDOWN, kept, applied=not dry_run), encoding="utf-8")
    _problems(report, summary, invalid_files=True)
    if commit and summary.changed_files:
        _commit(kept, summary, branch, verify=not no_verify)
    report.note(text.apply_summary(summary, dry_run, shown_unsafe))
    if summary.errors:
        raise Exit(EXIT_ERROR)
    raise Exit(EXIT_FINDINGS if dry_run and summary.changed_files else EXIT_OK)


def _commit(results: list[FileResult], summary: Summary, branch: str, verify: bool) -> None:
    from hardenfix.git import GitError, commit_on_branch
    from hardenfix.registry import all_rules

    written = [result.path for result in results if result.written]
    slugs = {rule.code: rule.slug for rule in all_rules()}
    try:
        commit = commit_on_branch(Path.cwd(), branch, written, summary.fixed, slugs, verify=verify)
    except GitError as problem:
        raise _fail(f"--commit: {problem}") from None
    sys.stderr.write(f"Committed {commit[:12]} on branch {branch}.\n")


def show_config(
    path: Path = Path("."),
    config: Path | None = None,
    isolated: bool = False,
) -> None:
    """Print the effective configuration for a path as TOML, each value's origin in a comment."""
    from hardenfix.config import ConfigError
    from hardenfix.report.settings import render

    configuration = _configuration(config, isolated, None, None, None)
    absolute = os.path.abspath(path)
    try:
        settings = configuration.for_folder(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
        rules = settings.rules()
    except ConfigError as problem:
        raise _fail(str(problem)) from None
    sys.stdout.write(render(settings, rules, Path.cwd()))


def images(
    references: list[str],
    config: Path | None = None,
    isolated: bool = False,
    online: bool = False,
    refresh: bool = False,
    no_cache: bool = False,
) -> None:
    """Print what is known of images, and where each fact comes from: the registry (online),
    the configuration, or the built-in table."""
    from hardenfix.facts.describe import describe_image
    from hardenfix.facts.online import resolve

    configuration = _configuration(config, isolated, None, None, None, online=online)
    settings = _settings_of(configuration, Path("."))
    asking = _online_run([Path(".")], configuration, no_cache, refresh)
    registry = resolve(references, asking) if asking is not None else None
    for reference in references:
        sys.stdout.write(f"{reference}\n")
        for fact, value, origin in describe_image(reference, settings, registry):
            sys.stdout.write(f"  {fact:<12} {value}  ({origin})\n")


class RulesFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


def rules(output_format: RulesFormat = RulesFormat.TEXT) -> None:
    """List every rule."""
    from hardenfix.catalogue import rule_entries

    entries = rule_entries()
    if output_format is RulesFormat.JSON:
        sys.stdout.write(json.dumps(entries, indent=2) + "\n")
        return
    for entry in entries:
        sys.stdout.write(
            f"{entry['code']}  {entry['slug']:<34} {entry['kind']:<10} {entry['summary']}  [fix: {entry['safety']}]\n"
        )


def explain(code: str) -> None:
    """Print a rule's documentation."""
    from hardenfix.catalogue import explain_page
    from hardenfix.registry import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        raise _fail(f"unknown rule {code!r}; `hardenfix rules` lists them")
    sys.stdout.write(explain_page(rule))
