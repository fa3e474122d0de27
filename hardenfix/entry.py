"""The program's entry point: the common invocations run without typer.

typer turns every option's value into its type through pydantic, whose import and
adapters cost a one-file check a third of its time. Yet nearly every run is a
`check` or an `apply` with a few plain options, as pre-commit, CI and editors make
them. Those are parsed here, from a table of the options' spellings (`_OPTIONS`,
kept identical to what `hardenfix.cli` declares by tests/test_entry.py), and go
straight to the command (`hardenfix.commands`). Anything else, or anything this
parser is not sure to read exactly as click would (help, a combined short flag,
`--`, a value typer would reject), goes to the typer app, which then does all of it.
"""

from __future__ import annotations

import atexit
import enum
import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardenfix import __version__


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


class _Value(enum.Enum):
    """How an option's value is read, as typer reads it."""

    TEXT = "text"
    PATH = "path"
    COUNT = "count"
    """A whole number of at least 1 (`--jobs`)."""
    FORMAT = "format"
    COLOUR = "colour"


_Option = tuple[str, "bool | _Value"]
"""The parameter an option sets, and the value a flag gives it or how a value is read."""

_SHARED: dict[str, _Option] = {
    "--unsafe-fixes": ("unsafe_fixes", True),
    "--no-unsafe-fixes": ("unsafe_fixes", False),
    "--show-fixes": ("show_fixes", True),
    "--no-show-fixes": ("show_fixes", False),
    "--output-format": ("output_format", _Value.FORMAT),
    "--format": ("output_format", _Value.FORMAT),
    "--output-file": ("output_file", _Value.PATH),
    "-o": ("output_file", _Value.PATH),
    "--select": ("select", _Value.TEXT),
    "--extend-select": ("extend_select", _Value.TEXT),
    "--ignore": ("ignore", _Value.TEXT),
    "--config": ("config", _Value.PATH),
    "--isolated": ("isolated", True),
    "--color": ("color", _Value.COLOUR),
    "--quiet": ("quiet", True),
    "-q": ("quiet", True),
    "--verbose": ("verbose", True),
    "-v": ("verbose", True),
    "--changed": ("changed", _Value.TEXT),
    "--shard": ("shard", _Value.TEXT),
    "--jobs": ("jobs", _Value.COUNT),
    "-j": ("jobs", _Value.COUNT),
    "--no-cache": ("no_cache", True),
    "--online": ("online", True),
    "--refresh": ("refresh", True),
    "--force-exclude": ("force_exclude", True),
}
_OPTIONS: dict[str, dict[str, _Option]] = {
    "check": {
        **_SHARED,
        "--fix": ("fix", True),
        "--no-fix": ("fix", False),
        "--diff": ("diff", True),
        "--statistics": ("statistics", True),
        "--exit-zero": ("exit_zero", True),
        "-e": ("exit_zero", True),
        "--exit-non-zero-on-fix": ("exit_non_zero_on_fix", True),
        "--stdin-filename": ("stdin_filename", _Value.TEXT),
    },
    "apply": {
        **_SHARED,
        "--dry-run": ("dry_run", True),
        "--commit": ("commit", True),
        "--branch": ("branch", _Value.TEXT),
        "--no-verify": ("no_verify", True),
        "--pr-body": ("pr_body", _Value.PATH),
        "--validate": ("validate", True),
    },
}
"""The options of the commands run directly, by every spelling click accepts for them."""


class _NotDirect(Exception):
    """The arguments are for typer to read."""


def direct_call(arguments: list[str]) -> tuple[str, dict[str, Any]] | None:
    """The command and its keyword arguments, as typer would give them, when every argument
    is read here exactly as click reads it; else None."""
    if not arguments or arguments[0] not in _OPTIONS:
        return None
    command, options = arguments[0], _OPTIONS[arguments[0]]
    values: dict[str, Any] = {}
    paths: list[Path] = []
    rest = iter(arguments[1:])
    try:
        for argument in rest:
            if argument == "-" or not argument.startswith("-"):
                paths.append(_path(argument))
                continue
            spelling, equals, attached = _spelling(argument, options)
            if spelling not in options:
                return None  # help, `--`, combined short flags, an unknown option: typer's to read or refuse
            name, meaning = options[spelling]
            if isinstance(meaning, bool):
                if equals:
                    return None
                values[name] = meaning
            else:
                value = attached if equals else next(rest, None)
                if value is None:
                    return None
                values[name] = _read(value, meaning)
    except _NotDirect:
        return None
    if paths:
        values["paths"] = paths
    return command, values


def _spelling(argument: str, options: dict[str, _Option]) -> tuple[str, str, str]:
    """The option's spelling, whether its value is attached, and that value: `--jobs=2`,
    and as click reads a short option, `-j2` (a short flag followed by more, `-qv`, is
    not read here)."""
    if argument.startswith("--"):
        return argument.partition("=")
    short = argument[:2]
    if len(argument) > 2 and not isinstance(options.get(short, (None, True))[1], bool):
        return short, "=", argument[2:]
    return argument, "", ""


def _read(value: str, how: _Value) -> object:
    if how is _Value.TEXT:
        return value
    if how is _Value.PATH:
        return _path(value)
    if how is _Value.COUNT:
        if not (value.isascii() and value.isdigit() and value[0] != "0"):
            raise _NotDirect
        return int(value)
    from hardenfix.colour import ColourChoice
    from hardenfix.commands import Format

    choices: type[enum.Enum] = Format if how is _Value.FORMAT else ColourChoice
    try:
        return choices(value)
    except ValueError:
        raise _NotDirect from None


def _path(value: str) -> Path:
    """A path as typer gives it: a path that exists must be readable (else typer says so)."""
    if not value or (os.path.exists(value) and not os.access(value, os.R_OK)):
        raise _NotDirect
    return Path(value)


def console_main() -> None:
    """The `hardenfix` command: `main`, then an exit that skips tearing the interpreter
    down. Freeing every object and module one by one changes nothing on disk and cost a
    one-file check a tenth of its time (as mypy's `hard_exit` does, and for that
    reason); exit handlers still run and the output is flushed first."""
    try:
        main()
        code = 0
    except SystemExit as done:
        code = _exit_status(done.code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except OSError:  # the reader went away; what is buffered goes nowhere, as in `_run`
            code = code or 1
    os._exit(code)


def _exit_status(code: object) -> int:
    """The status `sys.exit(code)` would exit with, its message said as Python would say it."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1


def main() -> None:
    arguments = normalise_arguments(sys.argv[1:])
    if arguments == ["--version"]:
        sys.stdout.write(f"hardenfix {__version__}\n")
        return
    call = direct_call(arguments) if "_HARDENFIX_COMPLETE" not in os.environ else None
    if call is None:
        _through_typer(arguments)
        return
    from hardenfix import commands

    name, values = call
    command: Callable[..., None] = getattr(commands, name)
    sys.exit(_run(command, values, arguments))


def _run(command: Callable[..., None], values: dict[str, Any], arguments: list[str]) -> int:
    """Run a command as typer's main loop would, with its exit code."""
    from hardenfix import commands

    try:
        command(**values)
    except commands.Exit as done:
        return done.code
    except commands.UsageError:
        _through_typer(arguments)  # refused before any work: typer says so, in its words
    except KeyboardInterrupt:
        return 130
    except EOFError:
        sys.stderr.write("\n")
        commands.error("aborted")
        return 1
    except OSError as problem:
        if problem.errno != errno.EPIPE:
            raise
        # The reader went away (`hardenfix check | head`): nothing more is said, as with
        # click, and what is still buffered goes nowhere (Python's own advice for SIGPIPE).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.dup2(devnull, sys.stderr.fileno())
        return 1
    return commands.EXIT_OK


def _through_typer(arguments: list[str]) -> None:
    from hardenfix.cli import main as typer_main

    typer_main(arguments)
