"""The command line: parse options, run, pick a reporter, exit with the contract's code.

Exit codes: 0 nothing found / nothing to change / fixed; 1 findings (`check`) or
changes pending (`apply --dry-run`); 2 a file could not be read, parsed or
written, or the configuration is invalid (every other file is still processed).
"""

from __future__ import annotations

import enum
import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from hardenfix import __version__

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


class CheckFormat(enum.StrEnum):
    TEXT = "text"
    JSON = "json"


PathsArgument = Annotated[
    Optional[list[Path]],
    typer.Argument(help="Files or directories to process (default: the current directory).", show_default=False),
]
SelectOption = Annotated[
    Optional[str], typer.Option("--select", help="Comma-separated rule codes, prefixes (HF1) or slugs to run.")
]
IgnoreOption = Annotated[Optional[str], typer.Option("--ignore", help="Comma-separated rule codes, prefixes or slugs to skip.")]
JobsOption = Annotated[
    Optional[int], typer.Option("--jobs", "-j", min=1, help="Worker processes (default: one per core).")
]
NoCacheOption = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the cache.")]
ConfigOption = Annotated[
    Optional[Path], typer.Option("--config", help="A TOML settings file (or a pyproject.toml with [tool.hardenfix]).")
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


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [part.strip() for part in value.split(",") if part.strip()]


def _settings(config: Path | None, select: str | None, ignore: str | None, unsafe_fixes: bool | None):
    from hardenfix import config as config_module

    try:
        settings = config_module.load(config) if config is not None else config_module.Settings()
        return settings.with_overrides(_split(select), _split(ignore), unsafe_fixes)
    except config_module.ConfigError as error:
        _error(str(error))
        raise typer.Exit(EXIT_ERROR) from None


def _run(paths: list[Path] | None, settings, mode, summary, jobs: int | None, no_cache: bool):
    from hardenfix.cache import Cache
    from hardenfix.engine import Engine
    from hardenfix.runner import run

    engine = Engine(settings.rules(), unsafe_fixes=settings.unsafe_fixes)
    cache = None if no_cache else Cache.open(Path.cwd(), settings.fingerprint())
    for result in run(paths or [Path(".")], engine, mode, jobs=jobs, cache=cache):
        summary.add(result)
        yield result


def _report_problems(summary) -> None:
    for line in summary.errors:
        _error(line)
    for line in summary.skipped:
        sys.stderr.write(f"hardenfix: skipped: {line}\n")


@app.command()
def check(
    paths: PathsArgument = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    config: ConfigOption = None,
    output_format: Annotated[CheckFormat, typer.Option("--format", help="Output format.")] = CheckFormat.TEXT,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Report findings; write nothing. Exit 1 when there are findings."""
    from hardenfix.report import Summary
    from hardenfix.report import json as json_report
    from hardenfix.report import text
    from hardenfix.runner import Mode

    settings = _settings(config, select, ignore, None)
    findings = []
    summary = Summary()
    for result in _run(paths, settings, Mode.CHECK, summary, jobs, no_cache):
        if output_format is CheckFormat.TEXT:
            for finding in result.findings:
                sys.stdout.write(text.format_finding(finding) + "\n")
        else:
            findings.extend(result.findings)
    if output_format is CheckFormat.JSON:
        sys.stdout.write(json_report.render(findings))
    _report_problems(summary)
    if output_format is CheckFormat.TEXT:
        sys.stderr.write(text.check_summary(summary, settings.unsafe_fixes) + "\n")
    raise typer.Exit(EXIT_ERROR if summary.errors else EXIT_FINDINGS if summary.findings else EXIT_OK)


@app.command()
def apply(
    paths: PathsArgument = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; print a unified diff.")] = False,
    unsafe_fixes: Annotated[
        Optional[bool], typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply fixes that may change behaviour.")
    ] = None,
    select: SelectOption = None,
    ignore: IgnoreOption = None,
    config: ConfigOption = None,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
) -> None:
    """Write fixes in place (or, with --dry-run, print them as a diff)."""
    from hardenfix.diff import unified_diff
    from hardenfix.report import Summary, text
    from hardenfix.runner import Mode

    settings = _settings(config, select, ignore, unsafe_fixes)
    out = sys.stdout.buffer
    summary = Summary()
    for result in _run(paths, settings, Mode.DIFF if dry_run else Mode.WRITE, summary, jobs, no_cache):
        if dry_run and result.changed:
            before = result.original.decode("utf-8")
            after = result.fixed_bytes.decode("utf-8")
            out.write(unified_diff(result.display_path, before, after).encode("utf-8"))
            out.flush()
        elif not dry_run:
            for finding in result.findings:
                sys.stdout.write(text.format_finding(finding) + "\n")
    _report_problems(summary)
    sys.stderr.write(text.apply_summary(summary, dry_run) + "\n")
    if summary.errors:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_FINDINGS if dry_run and summary.changed_files else EXIT_OK)


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
    from hardenfix.registry import rule_by_code

    rule = rule_by_code(code)
    if rule is None:
        _error(f"unknown rule {code!r}; `hardenfix rules` lists them")
        raise typer.Exit(EXIT_ERROR)
    sys.stdout.write(f"# {rule.code} {rule.slug}\n\n{rule.summary}. Fix: {rule.fix_safety}.\n\n{rule.documentation()}\n")


def main() -> None:
    app()
