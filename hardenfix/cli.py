"""The command line: parse options, run, pick a reporter, exit with the contract's code.

Exit codes: 0 nothing found / nothing to change / fixed; 1 findings (`check`) or
changes pending (`apply --dry-run`); 2 a file could not be read, parsed or
written, or the configuration is invalid (every other file is still processed).

Only typer is imported at start-up; everything else when a command runs.
"""

from __future__ import annotations

import enum
import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hardenfix import __version__

if TYPE_CHECKING:
    from hardenfix.config import Configuration, Settings
    from hardenfix.discovery import Candidate
    from hardenfix.model import FileResult
    from hardenfix.report import Summary
    from hardenfix.runner import Mode

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_ERROR = 2

app = typer.Typer(
    name="hardenfix",
    help="Apply production-hardening fixes to Compose files, Dockerfiles and Python sources.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)


class Format(enum.StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    GITHUB = "github"
    MARKDOWN = "markdown"


PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="Files or directories to process (default: the current directory).", show_default=False),
]
SelectOption = Annotated[
    str | None, typer.Option("--select", help="Comma-separated rule codes, prefixes (HF1) or slugs to run.")
]
IgnoreOption = Annotated[
    str | None, typer.Option("--ignore", help="Comma-separated rule codes, prefixes or slugs to skip.")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Use this TOML file (or pyproject.toml) instead of looking for configuration."),
]
IsolatedOption = Annotated[bool, typer.Option("--isolated", help="Ignore every configuration file.")]
FormatOption = Annotated[Format, typer.Option("--format", help="Output format.")]
JobsOption = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="Worker processes (default: one per core).")
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
ChangedOption = Annotated[
    str | None,
    typer.Option(
        "--changed",
        help="Only files changed since REV (default: the merge base with the default branch).",
        metavar="[REV]",
    ),
]
OnlineOption = Annotated[
    bool, typer.Option("--online", help="Ask registries what images ship, and pin tags to the same digest.")
]
RefreshOption = Annotated[
    bool, typer.Option("--refresh", help="Online: ask registries again what tags point at (default: after a day).")
]
ShardOption = Annotated[
    str | None, typer.Option("--shard", help="Process the K-th of N stable slices of the files (K/N).", metavar="K/N")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hardenfix {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Apply production-hardening fixes to Compose files, Dockerfiles and Python sources."""


def _error(message: str) -> None:
    sys.stderr.write(f"hardenfix: error: {message}\n")


def _fail(message: str) -> typer.Exit:
    _error(message)
    return typer.Exit(EXIT_ERROR)


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
    online: bool = False,
) -> Configuration:
    from hardenfix.config import ConfigError, Configuration

    try:
        return Configuration(config, isolated, _split(select), _split(ignore), unsafe_fixes, online or None)
    except ConfigError as error:
        raise _fail(str(error)) from None


def _file_filter(changed: str | None, shard: str | None):
    """Narrow the discovered files to those changed since a revision, and to one shard."""
    if changed is None and shard is None:
        return None
    from hardenfix.git import GitError, changed_files

    try:
        keep = changed_files(Path.cwd(), changed or None) if changed is not None else None
    except GitError as error:
        raise _fail(str(error)) from None
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
    return int.from_bytes(hashlib.sha256(relative.encode()).digest()[:8], "big") % count


def _results(
    paths: list[Path] | None,
    configuration: Configuration,
    mode: Mode,
    summary: Summary,
    jobs: int | None,
    no_cache: bool,
    select_files=None,
    compose_model_check: bool = False,
    output_format: Format = Format.TEXT,
    refresh: bool = False,
):
    from hardenfix.cache import Cache, project_roots
    from hardenfix.config import ConfigError
    from hardenfix.runner import run

    cache = None if no_cache else Cache.open(*project_roots(paths or [Path(".")]))
    online = _online_run(paths or [Path(".")], configuration, no_cache, refresh)
    results = run(
        paths or [Path(".")],
        configuration,
        mode,
        jobs=jobs,
        cache=cache,
        select_files=select_files,
        compose_model_check=compose_model_check,
        fix_edits=output_format is Format.SARIF,  # the only report that shows fixes' edits
        online=online,
    )
    try:
        for result in _with_progress(results):
            summary.add(result)
            yield result
    except ConfigError as error:
        raise _fail(str(error)) from None


def _settings_of(configuration: Configuration, path: Path) -> Settings:
    """The settings of a file, or of the files in a folder."""
    from hardenfix.config import ConfigError

    absolute = os.path.abspath(path)
    try:
        return configuration.for_folder(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    except ConfigError as error:
        raise _fail(str(error)) from None


def _online_run(paths: list[Path], configuration: Configuration, no_cache: bool, refresh: bool):
    """How the run asks registries, from the configuration of the first path given; None offline."""
    from hardenfix.cache import project_roots, registry_folder
    from hardenfix.facts.online import OnlineRun

    settings = _settings_of(configuration, paths[0])
    if not settings.online:
        return None
    cache_dir = None if no_cache else registry_folder(project_roots(paths)[0])
    return OnlineRun(settings.registry_mirrors, settings.platform, cache_dir, refresh, _warn)


def _warn(message: str) -> None:
    sys.stderr.write(f"hardenfix: warning: {message}\n")
    sys.stderr.flush()


def _with_progress(results):
    """On a terminal (never in CI or a pipe), count files on stderr while the run goes on.

    Results are held back until the end, so that what goes to stdout never tears the
    progress line; elsewhere they stream as they come.
    """
    if not sys.stderr.isatty() or os.environ.get("CI"):
        yield from results
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    finished = []
    columns = (SpinnerColumn(), TextColumn("{task.completed} files"), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        task = progress.add_task("hardenfix", total=None)
        for result in results:
            finished.append(result)
            progress.advance(task)
    yield from finished


def _report_problems(summary: Summary) -> None:
    for line in summary.errors:
        _error(line)
    for line in summary.skipped:
        sys.stderr.write(f"hardenfix: skipped: {line}\n")


def _render(output_format: Format, results: list[FileResult], configuration: Configuration, applied: bool) -> str:
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
    from hardenfix.report import markdown

    return markdown.render(results, all_rules(), applied=applied)


def _colour(stream) -> bool:
    return stream.isatty() and "NO_COLOR" not in os.environ


@app.command()
def check(
    paths: PathsArgument = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
    output_format: FormatOption = Format.TEXT,
    changed: ChangedOption = None,
    shard: ShardOption = None,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    online: OnlineOption = False,
    refresh: RefreshOption = False,
) -> None:
    """Report findings; write nothing. Exit 1 when a finding matches `fail-on` (default: any)."""
    from hardenfix.report import Summary, text
    from hardenfix.runner import Mode

    configuration = _configuration(config, isolated, select, ignore, None, online)
    summary = Summary()
    collected: list[FileResult] = []
    colour = _colour(sys.stdout)
    selection = _file_filter(changed, shard)
    results = _results(
        paths,
        configuration,
        Mode.CHECK,
        summary,
        jobs,
        no_cache,
        selection,
        output_format=output_format,
        refresh=refresh,
    )
    for result in results:
        if output_format is Format.TEXT:
            for finding in result.findings:
                sys.stdout.write(text.format_finding(finding, colour) + "\n")
        else:
            collected.append(result)
    if output_format is not Format.TEXT:
        sys.stdout.write(_render(output_format, collected, configuration, applied=False))
    _report_problems(summary)
    if output_format is Format.TEXT:
        sys.stderr.write(text.check_summary(summary) + "\n")
    raise typer.Exit(EXIT_ERROR if summary.errors else EXIT_FINDINGS if summary.failing else EXIT_OK)


@app.command()
def apply(
    paths: PathsArgument = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; print a unified diff.")] = False,
    unsafe_fixes: Annotated[
        bool | None,
        typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that may change behaviour."),
    ] = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
    output_format: FormatOption = Format.TEXT,
    color: Annotated[
        bool | None, typer.Option("--color/--no-color", help="Colour the diff (default: on a terminal).")
    ] = None,
    commit: Annotated[
        bool, typer.Option("--commit", help="Commit the fixes on a branch (see --branch) in the git repository.")
    ] = False,
    branch: Annotated[str, typer.Option("--branch", help="The branch --commit creates or resets.")] = "hardenfix/fixes",
    pr_body: Annotated[
        Path | None, typer.Option("--pr-body", help="Write a Markdown pull-request body to this file.")
    ] = None,
    validate: Annotated[
        bool, typer.Option("--validate", help="Also check fixed Compose files with Docker Compose's own model check.")
    ] = False,
    changed: ChangedOption = None,
    shard: ShardOption = None,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    online: OnlineOption = False,
    refresh: RefreshOption = False,
) -> None:
    """Write fixes in place (or, with --dry-run, print them as a diff)."""
    from hardenfix.diff import colour_diff, unified_diff
    from hardenfix.report import Summary, text
    from hardenfix.runner import Mode

    if commit and dry_run:
        raise _fail("--commit and --dry-run exclude each other")
    configuration = _configuration(config, isolated, select, ignore, unsafe_fixes, online)
    summary = Summary()
    collected: list[FileResult] = []
    keep_results = output_format is not Format.TEXT or commit or pr_body is not None
    colour_output = color if color is not None else _colour(sys.stdout)
    mode = Mode.DIFF if dry_run else Mode.WRITE
    selection = _file_filter(changed, shard)
    for result in _results(
        paths, configuration, mode, summary, jobs, no_cache, selection, validate, output_format, refresh
    ):
        if keep_results:
            collected.append(result)
        if output_format is not Format.TEXT:
            continue
        if dry_run and result.changed:
            patch = unified_diff(result.display_path, result.original, result.fixed_bytes)
            sys.stdout.buffer.write(colour_diff(patch) if colour_output else patch)
            sys.stdout.flush()
        elif not dry_run:
            for finding in result.findings:
                sys.stdout.write(text.format_finding(finding, colour_output) + "\n")
    if output_format is not Format.TEXT:
        sys.stdout.write(_render(output_format, collected, configuration, applied=not dry_run))
    if pr_body is not None:
        pr_body.write_text(_render(Format.MARKDOWN, collected, configuration, applied=not dry_run), encoding="utf-8")
    if commit and summary.changed_files:
        _commit(collected, summary, branch)
    _report_problems(summary)
    sys.stderr.write(text.apply_summary(summary, dry_run) + "\n")
    if summary.errors:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if dry_run and summary.changed_files else EXIT_OK)


def _commit(results: list[FileResult], summary: Summary, branch: str) -> None:
    from hardenfix.git import GitError, commit_on_branch
    from hardenfix.registry import all_rules

    changed = [result.path for result in results if result.changed]
    slugs = {rule.code: rule.slug for rule in all_rules()}
    try:
        commit = commit_on_branch(Path.cwd(), branch, changed, summary.fixed, slugs)
    except GitError as error:
        raise _fail(f"--commit: {error}") from None
    sys.stderr.write(f"Committed {commit[:12]} on branch {branch}.\n")


@app.command("config")
def show_config(
    path: Annotated[Path, typer.Argument(help="A file or directory (default: the current directory).")] = Path("."),
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
) -> None:
    """Print the effective configuration for a path, and where each value came from."""
    from hardenfix.config import ConfigError

    configuration = _configuration(config, isolated, None, None, None)
    try:
        absolute = os.path.abspath(path)
        settings = configuration.for_folder(absolute if os.path.isdir(absolute) else os.path.dirname(absolute))
    except ConfigError as error:
        raise _fail(str(error)) from None
    rows = settings.describe()
    width = max(len(key) for key, _, _ in rows)
    for key, value, origin in rows:
        sys.stdout.write(f"{key:<{width}}  {value or '-'}  ({origin})\n")


@app.command()
def images(
    references: Annotated[list[str], typer.Argument(help="Image references: postgres:17, ghcr.io/org/app.")],
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
    online: OnlineOption = False,
    refresh: RefreshOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    """Print what is known of images, and where each fact comes from: the registry (online),
    the configuration, or the built-in table."""
    from hardenfix.facts.describe import describe_image
    from hardenfix.facts.online import resolve

    configuration = _configuration(config, isolated, None, None, None, online)
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


@app.command()
def rules(
    output_format: Annotated[RulesFormat, typer.Option("--format", help="Output format.")] = RulesFormat.TEXT,
) -> None:
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


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A rule code (HF101) or slug.")]) -> None:
    """Print a rule's documentation."""
    from hardenfix.catalogue import explain_page
    from hardenfix.registry import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        raise _fail(f"unknown rule {code!r}; `hardenfix rules` lists them")
    sys.stdout.write(explain_page(rule))


def normalise_arguments(arguments: list[str]) -> list[str]:
    """Let `--changed` go without its REV, as its help promises: click options either always
    or never take a value, so a bare `--changed` (at the end, or before an option or a path
    that exists) becomes `--changed=`, which means the default base."""
    normalised = []
    for index, argument in enumerate(arguments):
        if argument == "--changed":
            following = arguments[index + 1] if index + 1 < len(arguments) else None
            if following is None or following.startswith("-") or os.path.exists(following):
                argument = "--changed="
        normalised.append(argument)
    return normalised


def main() -> None:
    app(args=normalise_arguments(sys.argv[1:]))
