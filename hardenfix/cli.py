"""The command line as typer declares it: every command's options and help.

The commands' bodies are in `hardenfix.commands`, which knows nothing of typer; the
program's entry point (`hardenfix.entry`) calls them directly for the common
invocations and hands everything else (help, usage errors, the other commands) to the
app here. Only typer is imported at start-up; everything else when a command runs.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

try:  # recent typer carries its own click
    from typer._click import exceptions as click_exceptions
except ImportError:
    from click import exceptions as click_exceptions

from hardenfix import __version__, commands
from hardenfix.colour import ColourChoice
from hardenfix.commands import Format, RulesFormat, error
from hardenfix.entry import normalise_arguments


class _Group(TyperGroup):
    """Typer's group, with click's usage errors in hardenfix's style (one line on stderr,
    exit 2) instead of click's `Usage: ... Error: ...` block."""

    def main(self, args: Any = None, prog_name: Any = None, complete_var: Any = None, standalone_mode=True, **extra):
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_exceptions.NoArgsIsHelpError as usage:
            usage.show()
            code = usage.exit_code
        except click_exceptions.ClickException as usage:
            message = usage.format_message().replace("Value error, ", "").rstrip(".")
            message = message[:1].lower() + message[1:]
            if isinstance(usage, click_exceptions.UsageError):
                command = usage.ctx.command_path if usage.ctx is not None else "hardenfix"
                message += f"; see `{command} --help`"
            error(message)
            code = usage.exit_code
        except typer.Abort:
            error("aborted")
            code = 1
        if not standalone_mode:
            return code
        sys.exit(code or 0)


app = typer.Typer(
    cls=_Group,
    name="hardenfix",
    help="Apply production-hardening fixes to Compose files, Dockerfiles and Python sources.",
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(
        help="Files or directories to process (default: the current directory); `-` reads standard input.",
        show_default=False,
    ),
]
SelectOption = Annotated[
    str | None, typer.Option("--select", help="Comma-separated rule codes, prefixes (HF1) or slugs to run.")
]
ExtendSelectOption = Annotated[
    str | None, typer.Option("--extend-select", help="Comma-separated rules to run as well as those selected.")
]
IgnoreOption = Annotated[
    str | None, typer.Option("--ignore", help="Comma-separated rule codes, prefixes or slugs to skip.")
]
ConfigOption = Annotated[
    Path | None,
    typer.Option("--config", help="Use this TOML file (or pyproject.toml) instead of looking for configuration."),
]
IsolatedOption = Annotated[bool, typer.Option("--isolated", help="Ignore every configuration file.")]
FormatOption = Annotated[
    Format, typer.Option("--output-format", "--format", help="Output format (`text` is `full`).", show_choices=True)
]
OutputFileOption = Annotated[
    Path | None, typer.Option("--output-file", "-o", help="Write the report to this file instead of stdout.")
]
ColourOption = Annotated[
    ColourChoice,
    typer.Option("--color", help="Colour the output: auto (on a terminal, unless NO_COLOR is set), always or never."),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print the report, and errors, but nothing else.")]
VerboseOption = Annotated[bool, typer.Option("--verbose", "-v", help="Also name each file processed, on stderr.")]
ShowFixesOption = Annotated[
    bool,
    typer.Option(
        "--show-fixes/--no-show-fixes",
        help="Show each finding's whole message, and list the fixes made (or that would be made).",
    ),
]
UnsafeFixesOption = Annotated[
    bool | None,
    typer.Option("--unsafe-fixes/--no-unsafe-fixes", help="Also apply (and count) fixes that may change behaviour."),
]
JobsOption = Annotated[
    int | None,
    typer.Option("--jobs", "-j", min=1, help="Processes that check files (default: one per core; 1 forks none)."),
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
ForceExcludeOption = Annotated[
    bool,
    typer.Option(
        "--force-exclude",
        help="Leave out files the configuration's `exclude` names even when given on the command line"
        " (pre-commit names each one) or as --stdin-filename.",
    ),
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


@contextlib.contextmanager
def _as_typer_expects() -> Iterator[None]:
    """A command's end as click and typer know it."""
    try:
        yield
    except commands.UsageError as usage:
        raise click_exceptions.UsageError(str(usage)) from None
    except commands.Exit as done:
        raise typer.Exit(done.code) from None


def _run(command: Callable[..., None], arguments: dict[str, Any]) -> None:
    with _as_typer_expects():
        command(**arguments)


@app.command(help=commands.check.__doc__)
def check(
    paths: PathsArgument = None,
    fix: Annotated[bool, typer.Option("--fix/--no-fix", help="Write the fixes; exit 1 while findings remain.")] = False,
    diff: Annotated[
        bool, typer.Option("--diff", help="Write nothing; print the fixes as a diff (as `apply --dry-run`).")
    ] = False,
    unsafe_fixes: UnsafeFixesOption = None,
    show_fixes: ShowFixesOption = False,
    statistics: Annotated[bool, typer.Option("--statistics", help="Count the findings per rule.")] = False,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", "-e", help="Exit 0 even when findings fail the check.")
    ] = False,
    exit_non_zero_on_fix: Annotated[
        bool, typer.Option("--exit-non-zero-on-fix", help="With --fix, exit 1 when a fix was written.")
    ] = False,
    output_format: FormatOption = Format.FULL,
    output_file: OutputFileOption = None,
    select: SelectOption = None,
    extend_select: ExtendSelectOption = None,
    ignore: IgnoreOption = None,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
    color: ColourOption = ColourChoice.AUTO,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    stdin_filename: Annotated[
        str | None, typer.Option("--stdin-filename", help="The name of the file read from stdin (`-`).")
    ] = None,
    changed: ChangedOption = None,
    shard: ShardOption = None,
    jobs: JobsOption = None,
    no_cache: NoCacheOption = False,
    online: OnlineOption = False,
    refresh: RefreshOption = False,
    force_exclude: ForceExcludeOption = False,
) -> None:
    _run(commands.check, locals())


@app.command(help=commands.apply.__doc__)
def apply(
    paths: PathsArgument = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Write nothing; print a unified diff.")] = False,
    unsafe_fixes: UnsafeFixesOption = None,
    select: SelectOption = None,
    extend_select: ExtendSelectOption = None,
    ignore: IgnoreOption = None,
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
    output_format: FormatOption = Format.FULL,
    output_file: OutputFileOption = None,
    color: ColourOption = ColourChoice.AUTO,
    show_fixes: ShowFixesOption = False,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    commit: Annotated[
        bool,
        typer.Option("--commit", help="Commit the fixed files (and only them) on a branch (see --branch)."),
    ] = False,
    branch: Annotated[str, typer.Option("--branch", help="The branch --commit creates or resets.")] = "hardenfix/fixes",
    no_verify: Annotated[
        bool, typer.Option("--no-verify", help="With --commit, skip the repository's pre-commit and commit-msg hooks.")
    ] = False,
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
    force_exclude: ForceExcludeOption = False,
) -> None:
    _run(commands.apply, locals())


@app.command("config", help=commands.show_config.__doc__)
def show_config(
    path: Annotated[Path, typer.Argument(help="A file or directory (default: the current directory).")] = Path("."),
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
) -> None:
    _run(commands.show_config, locals())


@app.command(help=commands.images.__doc__)
def images(
    references: Annotated[list[str], typer.Argument(help="Image references: postgres:17, ghcr.io/org/app.")],
    config: ConfigOption = None,
    isolated: IsolatedOption = False,
    online: OnlineOption = False,
    refresh: RefreshOption = False,
    no_cache: NoCacheOption = False,
) -> None:
    _run(commands.images, locals())


@app.command(help=commands.rules.__doc__)
def rules(
    output_format: Annotated[
        RulesFormat, typer.Option("--output-format", "--format", help="Output format.")
    ] = RulesFormat.TEXT,
) -> None:
    _run(commands.rules, locals())


@app.command(help=commands.explain.__doc__)
def explain(code: Annotated[str, typer.Argument(help="A rule code (HF101) or slug.")]) -> None:
    _run(commands.explain, locals())


def main(arguments: list[str] | None = None) -> None:
    """The whole command line through typer (`hardenfix.entry.main` runs the common cases
    without it)."""
    app(args=normalise_arguments(sys.argv[1:] if arguments is None else arguments), prog_name="hardenfix")
