"""Healthcheck probe commands: recognise HTTP probes, normalise curl, replace a missing tool.

Pure functions on probe commands, independent of where the probe is written (a
Dockerfile `HEALTHCHECK`, a Compose `healthcheck.test`). A probe comes in one of two
shapes, and each function says which it takes:

- a *shell command*: a POSIX `sh -c` string (`curl -f http://localhost/ || exit 1`);
  words keep their quotes, and spans are offsets into the string, so a caller can
  rewrite one command and leave the rest of the line as written;
- an *argument vector*: the exec form (`["curl", "-f", "http://localhost/"]`).

Escaping that belongs to the file format (Compose's `$$`, JSON string escapes) is the
caller's business: what goes in and comes out here is what the shell or the kernel sees.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import NamedTuple
from urllib.parse import urlsplit

from hardenfix import regexes

HTTP_TOOLS = frozenset({"curl", "wget"})

# Options whose value is the next word (or, for a short option, the rest of its cluster).
_CURL_SHORT_WITH_VALUE = frozenset("AbcCdDeEFHKmoPQrtTuUwxXyYz")
_CURL_LONG_WITH_VALUE = frozenset(
    {
        "--cacert", "--capath", "--cert", "--config", "--connect-timeout", "--cookie", "--cookie-jar",
        "--data", "--data-binary", "--data-raw", "--data-urlencode", "--dump-header", "--form",
        "--header", "--interface", "--json", "--key", "--max-time", "--output", "--proxy", "--range",
        "--referer", "--request", "--resolve", "--retry", "--retry-delay", "--retry-max-time",
        "--unix-socket", "--upload-file", "--url", "--user", "--user-agent", "--write-out",
    }
)  # fmt: skip
_WGET_SHORT_WITH_VALUE = frozenset("aBeiOoPQTtUwY")
_WGET_LONG_WITH_VALUE = frozenset({"--header", "--output-document", "--tries", "--timeout", "--user-agent"})

_WITH_VALUE = {
    "curl": (_CURL_SHORT_WITH_VALUE, _CURL_LONG_WITH_VALUE),
    "wget": (_WGET_SHORT_WITH_VALUE, _WGET_LONG_WITH_VALUE),
}
"""The short option letters and long options of each HTTP tool that take a value."""
_OPERATORS = ("&&", "||", ";;", ";", "&", "|", "(", ")", "\n")
_OPERATOR_STARTS = frozenset(operator[0] for operator in _OPERATORS)
_ASSIGNMENT = regexes.lazy(r"[A-Za-z_][A-Za-z0-9_]*=")
_REDIRECTION = regexes.lazy(r"\d*(?:[<>]|&>)")
_STDOUT_REDIRECTION = regexes.lazy(r"(?:1?>>?\|?|&>>?)")
_COMMAND_PREFIXES = frozenset({"exec", "!", "{", "if", "then", "else", "elif", "do", "while", "until"})
_SHELL_SAFE = regexes.lazy(r"[A-Za-z0-9_@%+=:,./-]+")


class ShellWord(NamedTuple):
    """A word of a shell command as written (quotes kept), and its span in the command."""

    text: str
    start: int
    end: int

    @property
    def value(self) -> str:
        """The word after quote removal (expansions are not performed)."""
        return unquote(self.text)


def unquote(word: str) -> str:
    """A shell word after quote removal, as written where its quotes do not close."""
    if _SHELL_SAFE.fullmatch(word):
        return word  # nothing to remove: most words, and shlex is slow
    try:
        return "".join(shlex.split(word))
    except ValueError:
        return word


class HttpProbe(NamedTuple):
    """A `curl` or `wget` invocation: the program word and its arguments as written."""

    program: str
    """As written: `curl`, `/usr/bin/wget`."""
    arguments: tuple[str, ...]
    """As written: shell words keep their quotes; exec-form elements are plain strings."""
    url: str | None
    """The URL it requests (quotes removed), when one can be told: not where a command
    substitution builds it (`http://$(hostname):8000/`, `` http://`hostname`/ ``)."""
    start: int = 0
    end: int = 0
    """For a probe found in a shell command: its span there, program to last argument."""
    words: tuple[ShellWord, ...] = ()
    """For a probe found in a shell command: the program and argument words, with their spans."""
    output_read: bool = False
    """For a probe found in a shell command: its output goes on to another command (a pipe),
    to a file (a redirection) or to the shell (a command substitution, `[ $(curl ...) = 200 ]`),
    where something else may judge the response."""
    negated: bool = False
    """For a probe found in a shell command: it follows `!`, which inverts its status."""

    @property
    def tool(self) -> str:
        return posixpath.basename(self.program)

    @property
    def argument_values(self) -> tuple[str, ...]:
        """The arguments after quote removal."""
        return tuple(word.value for word in self.words[1:]) if self.words else self.arguments


def shell_words(command: str) -> Iterator[ShellWord | str]:
    """Split a shell command into words and control operators (`&&`, `||`, `;`, `|`, ...,
    newline). Quotes and backslash escapes are kept inside their word; a `#` starting a
    word begins a comment to the end of the line."""
    index, length = 0, len(command)
    while index < length:
        character = command[index]
        if character in " \t":
            index += 1
            continue
        operator = _operator_at(command, index)
        if operator is not None:
            yield operator
            index += len(operator)
            continue
        if character == "#":
            newline = command.find("\n", index)
            index = length if newline < 0 else newline
            continue
        start, quote = index, None
        while index < length:
            character = command[index]
            if quote is None and (character in " \t" or _operator_at(command, index)):
                break
            if character == "\\" and quote != "'":
                index += 1
            elif character == quote:
                quote = None
            elif quote is None and character in "'\"":
                quote = character
            index += 1
        yield ShellWord(command[start:index], start, min(index, length))


def _operator_at(command: str, index: int) -> str | None:
    """The control operator starting at `index`; the `&` of a redirection (`2>&1`, `&>`)
    is not one."""
    if command[index] not in _OPERATOR_STARTS:
        return None  # most characters, told at once: this is asked of every character of a word
    if command.startswith("&>", index) or (command.startswith("&", index) and command[index - 1 : index] in "<>"):
        return None
    return next((operator for operator in _OPERATORS if command.startswith(operator, index)), None)


class _Command(NamedTuple):
    words: list[ShellWord]
    negated: bool
    followed_by: str
    """The control operator after the command ('' at the end)."""
    execs: bool
    """It follows `exec`, which replaces the shell with it."""
    substituted: bool
    """It runs inside a command substitution (`$(...)`), whose output the shell reads."""


SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
INIT_PROGRAMS = {
    "tini": {"-p", "-e"},
    "tini-static": {"-p", "-e"},
    "dumb-init": {"-r", "--rewrite"},
    "catatonit": set(),
}
"""Init wrappers and their options that take a value; the program they run follows."""
WRAPPERS: dict[str, set[str]] = {
    **INIT_PROGRAMS,
    "env": {"-u", "--unset", "-C", "--chdir"},
    "exec": set(),
    "nohup": set(),
    "nice": {"-n", "--adjustment"},
    "command": set(),
    "busybox": set(),
    "timeout": {"-s", "--signal", "-k", "--kill-after"},
    "sudo": {"-u", "--user", "-g", "--group", "-C", "--close-from", "-D", "--chdir", "-p", "--prompt",
             "-r", "--role", "-t", "--type", "-U", "--other-user", "-T", "--command-timeout", "-R", "--chroot"},
    "xargs": {"-a", "--arg-file", "-d", "--delimiter", "-E", "-I", "-L", "-n", "--max-args", "-P", "--max-procs",
              "-s", "--max-chars", "--process-slot-var"},
    "opentelemetry-instrument": set(),
    "ddtrace-run": set(),
    "doppler": set(),
}  # fmt: skip
"""Programs that run the command after their options, and their options that take a value:
`env` after its assignments too (and `sudo`), `timeout` after its duration, `busybox` runs
the applet it names, `xargs` the command it names once or more."""
USER_SWITCHERS = frozenset({"gosu", "su-exec", "chpst", "setpriv"})
"""Programs that run the command after a user (`gosu app ...`)."""
PACKAGE_INSTALLS = {
    ("apt-get", "install"), ("apt", "install"), ("aptitude", "install"), ("apk", "add"),
    ("dnf", "install"), ("yum", "install"), ("microdnf", "install"), ("zypper", "install"), ("tdnf", "install"),
}  # fmt: skip
"""A distribution package manager's install command: the program and its action word."""
_PYTHON_INTERPRETER = regexes.lazy(r"python(?:\d+(?:\.\d+)?)?")


def is_python(program: str) -> bool:
    """Whether `program`, a name or a path, is a Python interpreter: `python`, `python3`,
    `/usr/local/bin/python3.12`."""
    return _PYTHON_INTERPRETER.fullmatch(posixpath.basename(program)) is not None


def past_wrapper(words: Sequence[str]) -> list[str] | None:
    """The command a wrapper runs (`tini -- x`, `gosu app x`, `env A=b x`, `timeout 5 x`):
    the words past its name, options and user or duration (none for `command -v x`, which
    prints where `x` is); None when the first word is no wrapper."""
    name = posixpath.basename(words[0]) if words else ""
    if name in USER_SWITCHERS:
        return list(words[2:])
    if name not in WRAPPERS:
        return None
    command = skip_options(list(words[1:]), WRAPPERS[name], assignments=name in ("env", "sudo"))
    if name == "timeout":
        return command[1:]
    if name == "command" and any(word in ("-v", "-V") for word in words[1 : len(words) - len(command)]):
        return []
    return command


def innermost(words: Sequence[str], until: Collection[str] = ()) -> list[str]:
    """The command past every wrapper (`tini -- env A=b timeout 5 x` runs `x`), or past
    those before a program named in `until`."""
    words = list(words)
    while words and posixpath.basename(words[0]) not in until and (inner := past_wrapper(words)) is not None:
        words = inner
    return words


def skip_options(argv: list[str], with_value: set[str], assignments: bool = False) -> list[str]:
    """`argv` past its leading options (`with_value` take the next word; `--` ends them),
    and, with `assignments`, `NAME=value` words."""
    index = 0
    while index < len(argv) and (argv[index].startswith("-") or (assignments and "=" in argv[index])):
        if argv[index] == "--":
            return argv[index + 1 :]
        index += 2 if argv[index] in with_value else 1
    return argv[index:]


def positional_arguments(arguments: Iterable[str], with_value: Collection[str]) -> Iterator[str]:
    """The words of `arguments` that are neither options nor the value of one (those in
    `with_value` take the next word): `pip install -r req.txt .` installs `.`."""
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in with_value:
            skip = True
        elif not argument.startswith("-"):
            yield argument


def go_flag_name(word: str) -> str | None:
    """The flag `word` names as Go's `flag` package reads it: past one dash or two, up to
    any `=value` (`-http_port`, `--http_port` and `--http_port=8222` name one flag,
    `http_port`); None when `word` is no flag (`-`, `--`, `---m`, `/data`)."""
    dashes = len(word) - len(word.lstrip("-"))
    name = word[dashes:].partition("=")[0]
    return name if dashes in (1, 2) and name else None


def go_flags(argv: Sequence[str]) -> list[tuple[str, str | None]]:
    """The flags of `argv` as a program built on Go's `flag` package reads them, in order
    (the last of one flag wins): each one's name (`go_flag_name`) and value, joined by `=`
    or the next word when that is no flag; None when it has none (`-js`, a boolean flag).
    Go gives a flag that takes a value the next word whatever it is, but a word that is
    neither a flag nor a value is an argument, which such servers (nats-server) refuse."""
    flags = []
    for index, word in enumerate(argv):
        name = go_flag_name(word)
        if name is None:
            continue
        _, equals, joined = word.partition("=")
        following = argv[index + 1] if index + 1 < len(argv) else None
        if equals:
            flags.append((name, joined))
        else:
            flags.append((name, following if following is not None and go_flag_name(following) is None else None))
    return flags


def shell_script(arguments: Sequence[str]) -> str | None:
    """The script a shell runs given `arguments` (the words after its name): with `-c`
    among its options (`sh -euc "..."`, `sh -c -e "..."`), the first argument past them
    (empty when none follows); None when it runs a script file (`sh -e /entrypoint.sh`)
    or reads one from its standard input."""
    reads_string = False
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument in ("-", "--"):
            index += 1
            break
        if not argument.startswith(("-", "+")) or len(argument) < 2:
            break
        index += 1
        if argument.startswith("--"):
            index += argument in _SHELL_LONG_WITH_VALUE
            continue
        reads_string = reads_string or (argument[0] == "-" and "c" in argument)
        index += sum(letter in "oO" for letter in argument[1:])  # `-o pipefail`, `-euo pipefail`
    if not reads_string:
        return None
    return arguments[index] if index < len(arguments) else ""


_SHELL_LONG_WITH_VALUE = frozenset({"--rcfile", "--init-file"})


def script_commands(argv: Sequence[str]) -> list[list[str]] | None:
    """The simple commands a shell runs with `-c` (`sh -ec "a && exec b"`), each as its
    words' values; None when `argv` is no shell given a script string."""
    if not argv or posixpath.basename(argv[0]) not in SHELLS:
        return None
    script = shell_script(argv[1:])
    if script is None:
        return None
    return [[word.value for word in words] for words in simple_commands(script)]


def simple_commands(command: str) -> Iterator[list[ShellWord]]:
    """The simple commands of a shell command, each as its words: assignments
    (`A=b curl ...`), a leading `exec` and the reserved words that can start a
    command (`if`, `then`, `!`, `{`, ...) left out."""
    for found in _commands(command):
        yield found.words


def leading_commands(command: str) -> list[list[ShellWord]]:
    """The simple commands a shell command starts with, joined by `&&`: where the first must
    succeed for the command to, so must each of these in turn."""
    leading = []
    for found in _commands(command):
        leading.append(found.words)
        if found.followed_by != "&&":
            break
    return leading


def _commands(command: str) -> Iterator[_Command]:
    words: list[ShellWord] = []
    negated = execs = False
    substitutions: list[bool] = []
    """For each parenthesis open, whether it opened a command substitution (`$(`)."""
    previous: ShellWord | str = ""
    for token in [*shell_words(command), ""]:
        if isinstance(token, ShellWord):
            if words or not (_ASSIGNMENT.match(token.text) or token.text in _COMMAND_PREFIXES):
                words.append(token)
            negated = negated or (not words and token.text == "!")
            execs = execs or (not words and token.text == "exec")
        else:
            if words:
                yield _Command(words, negated, token, execs, any(substitutions))
            words, negated, execs = [], False, False
            if token == "(":
                substitutions.append(isinstance(previous, ShellWord) and previous.text.endswith("$"))
            elif token == ")" and substitutions:
                substitutions.pop()
        previous = token


class LastingCommand(NamedTuple):
    """A command a shell script may leave running as its process."""

    text: str
    """As written, from its `exec`."""
    argv: list[str]
    """Its words' values, redirections left out (`exec 2>&1 app` runs `app`)."""
    start: int
    """Where its first word is in the script."""


_STARTS_NOTHING = frozenset({"fi", "done", "esac", "}", "exit", "return", "wait", "true", ":"})
"""Last words of a script that start no program: the end of a compound command, `exit`,
or `wait` for what it started before."""


def lasting_commands(script: str) -> list[LastingCommand]:
    """The commands of a shell script that may keep running as its process, in order: each
    one it `exec`s, and its last (past the end of a compound command, `exit` and `wait`).
    An `exec` of redirections alone (`exec >>/var/log/app 2>&1`) runs none."""
    lasting: list[LastingCommand] = []
    last = None
    for command in _commands(script):
        argv, _ = _split_redirections(command.words)
        if not argv:
            continue
        text = ("exec " if command.execs else "") + script[command.words[0].start : command.words[-1].end]
        if command.execs:
            lasting.append(LastingCommand(text, argv, command.words[0].start))
        if argv[0] not in _STARTS_NOTHING:
            last = LastingCommand(text, argv, command.words[0].start)
    if last is not None and last not in lasting:
        lasting.append(last)
    return lasting


_DECLARATIONS = frozenset({"export", "readonly", "local", "declare", "typeset"})
_DEFAULT_ASSIGNMENT = regexes.lazy(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?=")
_VARIABLE_NAME = regexes.lazy(r"[A-Za-z_][A-Za-z0-9_]*")
_POSITIONAL = regexes.lazy(r"\$(?:\{?[1-9@*#]|\{#)|(?<![\w-])(?:shift|getopts)(?![\w-])")


def assigned_variables(script: str) -> set[str]:
    """The variables a shell script sets: `NAME=value` where a command starts (alone, or
    before one), after `export`, `local`, `readonly` or `declare`; `read NAME`, `for NAME
    in`, `${NAME:=default}`."""
    names = {match.group(1) for match in _DEFAULT_ASSIGNMENT.finditer(script)}
    at_start, program, arguments = True, "", 0
    for token in shell_words(script):
        if not isinstance(token, ShellWord):
            at_start = True
            continue
        word = token.text
        if at_start:
            if _ASSIGNMENT.match(word):
                names.add(word.partition("=")[0])
            elif word not in _COMMAND_PREFIXES:
                at_start, program, arguments = False, word, 0
            continue
        arguments += 1
        if program in _DECLARATIONS and _ASSIGNMENT.match(word):
            names.add(word.partition("=")[0])
        elif (program == "read" or (program == "for" and arguments == 1)) and _VARIABLE_NAME.fullmatch(word):
            names.add(word)
    return names


def runs_in_a_shell(script: str) -> bool:
    """Whether a script's `#!` line runs it with a shell (`#!/bin/sh`, `#!/usr/bin/env bash`)."""
    words = script.partition("\n")[0].removeprefix("#!").split() if script.startswith("#!") else []
    if words and posixpath.basename(words[0]) == "env":
        words = [word for word in words[1:] if not word.startswith("-")]
    return bool(words) and posixpath.basename(words[0]) in SHELLS


def reads_arguments(script: str) -> bool:
    """Whether a shell script reads the arguments it is given (`$1`, `"$@"`, `$#`, `shift`,
    `getopts`): what it runs may depend on them."""
    return _POSITIONAL.search(script) is not None


def runs_first(script: str, programs: Collection[str]) -> str | None:
    """The first command of a shell script that runs one of `programs` (`cd`, `source`), as
    written; None when none does."""
    for words in simple_commands(script):
        if words[0].value in programs:
            return script[words[0].start : words[-1].end]
    return None


_QUICK_PROGRAMS = frozenset(
    {"exit", "true", "false", "test", "[", "echo", "printf", ":", "cat", "grep", "ls", "stat", "pgrep", "pidof"}
)
"""Programs that finish at once, or as soon as what they read does (`curl ... | grep ok`)."""
_COMMAND_SUBSTITUTION = regexes.lazy(r"\$\(|`")
_TIMEOUT_VALUE = regexes.lazy(r"(\d+(?:\.\d+)?)([smh]?)")
_TIMEOUT_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600}


_CURL_GLOB = regexes.lazy(r"\{[^}]*,[^}]*\}|\[[^\]]*-[^\]]*\]")
"""A URL curl expands to several (`{a,b}`, `[1-3]`), unless `-g` turns globbing off."""


def longest_run(argv: Sequence[str] | None, command: str | None) -> float | None:
    """The most seconds a probe (an argument vector, or a shell command) can run, when each
    command it runs bounds its own time: `curl -m 5`, `timeout 5 ...`, `pg_isready` (3 s unless
    `-t`), and programs that finish at once; None when one may run longer, or there is none,
    or when a command substitution (`"$(psql ...)"`, backquotes) runs a command of its own."""
    if argv is not None:
        script = shell_script(argv[1:]) if argv and posixpath.basename(argv[0]) in SHELLS else None
        commands = script_commands(argv) or [list(argv)]
    else:
        script = command or ""
        commands = [[word.value for word in words] for words in simple_commands(script)]
    if (script and _COMMAND_SUBSTITUTION.search(script)) or not any(commands):
        return None
    total = 0.0
    for words in commands:
        bound = _command_bound(words)
        if bound is None:
            return None
        total += bound
    return total


def _command_bound(words: Sequence[str]) -> float | None:
    if not words:
        return 0.0
    program = posixpath.basename(words[0])
    if program in _QUICK_PROGRAMS:
        return 0.0
    if program == "timeout":  # coreutils and busybox: `timeout [-s SIG] [-k N] DURATION COMMAND...`
        rest = skip_options(list(words[1:]), WRAPPERS["timeout"])
        limit = _TIMEOUT_VALUE.fullmatch(rest[0]) if rest else None
        if limit is None or float(limit.group(1)) == 0:
            return None
        kill_after = next((w for w in words[1:] if w in ("-k", "--kill-after") or w.startswith("--kill-after=")), None)
        return None if kill_after else float(limit.group(1)) * _TIMEOUT_UNITS[limit.group(2)]
    if program == "curl":  # `--retry` starts the `--max-time` clock again for each attempt (curl's max-time.d)
        retries = any(word.startswith("--retry") for word in words[1:])
        # `-m` bounds each transfer: one a URL, or each a glob expands to (`/{a,b}`, `[1-3]`).
        urls = [word for word in words[1:] if "://" in word]
        if retries or len(urls) > 1 or any(_CURL_GLOB.search(url) for url in urls):
            return None
        return _option_seconds(words[1:], ("-m", "--max-time"))
    if program == "pg_isready":  # its connection timeout: 3 seconds unless -t says otherwise (0: none)
        seconds = _option_seconds(words[1:], ("-t", "--timeout"))
        return 3.0 if seconds is None and not any(w.startswith(("-t", "--timeout")) for w in words[1:]) else seconds
    if program != "xargs" and (command := past_wrapper(words)) is not None:  # xargs may run it many times
        return _command_bound(command)
    return None


def _option_seconds(arguments: Sequence[str], names: tuple[str, str]) -> float | None:
    """The positive number of seconds an option gives (`-m 5`, `-m5`, `--max-time=5`), if any."""
    short, long = names
    for index, argument in enumerate(arguments):
        value = None
        if argument in names and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif argument.startswith(long + "="):
            value = argument[len(long) + 1 :]
        elif argument.startswith(short) and not argument.startswith("--") and len(argument) > len(short):
            value = argument[len(short) :]
        if value is not None:
            try:
                seconds = float(value)
            except ValueError:
                return None
            return seconds if seconds > 0 else None
    return None


_FILE_WRITERS = frozenset({"touch", "mkdir", "mkfifo", "cp", "mv", "ln", "install", "rm", "rmdir", "truncate"})
"""Programs that change files each time they run (`tee`, `sed`, `dd` and `find` do when told to)."""
_FIND_RUNS = frozenset({"-exec", "-execdir", "-ok", "-okdir"})
_FIND_WRITES_TO = frozenset({"-fprint", "-fprint0", "-fprintf", "-fls"})
_NOT_FILES = frozenset({"/dev/null", "/dev/stdout", "/dev/stderr"})
_NOT_FILE_FOLDERS = ("/dev/fd/", "/dev/tcp/", "/dev/udp/")
"""Redirection targets that keep nothing: the bit bucket, the probe's own descriptors, a socket."""
_DESCRIPTOR = regexes.lazy(r"\d+-?|-")


def state_written(argv: Sequence[str] | None, command: str | None) -> str | None:
    """The first command of a probe (an argument vector, or a shell command) that writes a
    file, as written: `touch /tmp/checked`, `date > /tmp/ran`, `tee`, `cp`, `mkdir`, `rm`,
    `sed -i`, `dd of=FILE`, `find -delete`, past wrappers (`timeout 10 bash -c '...'`,
    `nice`, `sudo`, `xargs touch`); inside a shell's script, the command of the script.
    A probe that does can keep state between its runs, and what one run reports then depends
    on the runs before it (gristlabs/grist-core's Keycloak probe checks once, and passes ever
    after on the file it touched). None when it writes none: output sent to /dev/null, to a
    descriptor (`2>&1`, `>&3`) or to a socket (`exec 3<>/dev/tcp/...`) is kept nowhere, and
    the response curl or wget saves (`-o FILE`) is fetched anew by each run. An interpreter's
    own code is not read: `python3 -c "open('/tmp/ran', 'w')"` is not found."""
    script = command or ""
    if argv is not None:
        inner = shell_script(argv[1:]) if argv and posixpath.basename(argv[0]) in SHELLS else None
        script = inner if inner is not None else shell_join(argv)
    for words in simple_commands(script):
        arguments, redirections = _split_redirections(words)
        written = any(">" in operator and _is_file(operator, target) for operator, target in redirections)
        written = written or _writes_state(arguments)
        if written:
            return written if isinstance(written, str) else script[words[0].start : words[-1].end]
    return None


def _writes_state(arguments: list[str]) -> str | bool:
    """Whether a command (its argument values) writes a file: True, or, for a shell, the
    command of its script that does."""
    arguments = innermost(arguments)
    program = posixpath.basename(arguments[0]) if arguments else ""
    operands = arguments[1:]
    if program in SHELLS:
        script = shell_script(operands)
        return (script is not None and state_written(None, script)) or False
    if program == "tee":
        return any(_is_file(">", operand) for operand in operands if not operand.startswith("-"))
    if program == "sed":  # `-i`, `-i.bak`, `-ni`, `--in-place=.bak`; `-e`, `-f` and `-l` take the rest
        return any(
            word.partition("=")[0] == "--in-place"
            or (word[:1] == "-" != word[1:2] and "i" in re.split("[efl]", word)[0])
            for word in operands
        )
    if program == "dd":
        return any(word.startswith("of=") and _is_file(">", word[3:]) for word in operands)
    if program == "find":
        return "-delete" in operands or any(
            (word in _FIND_WRITES_TO and index + 1 < len(operands) and _is_file(">", operands[index + 1]))
            or (word in _FIND_RUNS and bool(_writes_state(_up_to_find_terminator(operands[index + 1 :]))))
            for index, word in enumerate(operands)
        )
    return program in _FILE_WRITERS


def _up_to_find_terminator(words: list[str]) -> list[str]:
    """The command `find -exec` runs: its words up to `;` or `+`."""
    end = next((index for index, word in enumerate(words) if word in (";", "+")), len(words))
    return words[:end]


def _split_redirections(words: Sequence[ShellWord]) -> tuple[list[str], list[tuple[str, str]]]:
    """A simple command's argument values, and its redirections (operator and target,
    which may be the next word: `> /tmp/ran`)."""
    arguments: list[str] = []
    redirections: list[tuple[str, str]] = []
    index = 0
    while index < len(words):
        redirection = _redirection(words[index].text)
        if redirection is None:
            arguments.append(words[index].value)
            index += 1
            continue
        operator, target = redirection
        if not target and index + 1 < len(words):
            index += 1
            target = words[index].value
        index += 1
        redirections.append((operator, target))
    return arguments, redirections


def _redirection(word: str) -> tuple[str, str] | None:
    """The operator (`>`, `>>`, `>&`, `<>`, `<`, ...) of the first redirection in a shell word
    as written, outside quotes (`ok>/tmp/ran` is `ok` and a redirection), and its target
    when the word holds it (quotes removed); None when the word has none."""
    quote = None
    index = 0
    while index < len(word):
        character = word[index]
        if character == "\\" and quote != "'":
            index += 2
            continue
        if character == quote:
            quote = None
        elif quote is None and character in "'\"":
            quote = character
        elif quote is None and character in "<>":
            end = index + 1
            while end < len(word) and word[end] in "<>&|":
                end += 1
            return word[index:end], unquote(word[end:])
        index += 1
    return None


def _is_file(operator: str, target: str) -> bool:
    """Whether output redirected with `operator` to `target` lands in a file."""
    if operator.endswith("&") and _DESCRIPTOR.fullmatch(target):
        return False  # `>&3`, `2>&1`, `>&-`: a descriptor, not a file
    return not (target in _NOT_FILES or target.startswith(_NOT_FILE_FOLDERS))


def find_http_probe(command: str) -> HttpProbe | None:
    """The first `curl`/`wget` simple command of a shell command (see `find_http_probes`)."""
    return next(find_http_probes(command), None)


def find_http_probes(command: str) -> Iterator[HttpProbe]:
    """Each `curl`/`wget` simple command of a shell command, with its span: the program
    and its arguments, up to any redirection (`>/dev/null 2>&1` stays outside)."""
    for found in _commands(command):
        words = found.words
        if posixpath.basename(words[0].value) not in HTTP_TOOLS:
            continue
        redirection = next((i for i, word in enumerate(words) if _REDIRECTION.match(word.text)), len(words))
        program, *arguments = words[:redirection]
        tool = posixpath.basename(program.value)
        url = _url(tool, [word.value for word in arguments])
        # An unquoted `$(` ends the word here, its command read as one of its own.
        substituted = any(word.text.endswith("$") and command.startswith("(", word.end) for word in arguments)
        yield HttpProbe(
            program=program.text,
            arguments=tuple(word.text for word in arguments),
            url=None if substituted or (url is not None and "`" in url) else url,
            start=program.start,
            end=(arguments[-1] if arguments else program).end,
            words=tuple(words[:redirection]),
            output_read=found.followed_by == "|" or found.substituted or _writes_stdout_to_file(words[redirection:]),
            negated=found.negated,
        )


def _writes_stdout_to_file(redirections: Sequence[ShellWord]) -> bool:
    """Whether redirections (`>out`, `> out`, `1>>out`, `&>out`; not `2>err` nor
    `>/dev/null`) send standard output to a file."""
    for index, word in enumerate(redirections):
        match = _STDOUT_REDIRECTION.match(word.text)
        if match is None:
            continue
        target = word.text[match.end() :] or (redirections[index + 1].value if index + 1 < len(redirections) else "")
        if target != "/dev/null" and not target.startswith("&"):
            return True
    return False


def http_probe_from_argv(argv: Sequence[str]) -> HttpProbe | None:
    """An exec-form probe whose program is `curl` or `wget`."""
    if not argv or posixpath.basename(argv[0]) not in HTTP_TOOLS:
        return None
    return HttpProbe(program=argv[0], arguments=tuple(argv[1:]), url=_url(posixpath.basename(argv[0]), argv[1:]))


def _url(tool: str, arguments: Sequence[str]) -> str | None:
    """The first operand (a word that is neither an option nor an option's value), or
    the value of curl's `--url`."""
    short, long = _WITH_VALUE[tool]
    for is_option, words in _classify(arguments, short, long):
        if not is_option:
            return words[0]
        if words[0] == "--url" and len(words) == 2:
            return words[1]
    return None


def _classify(
    arguments: Sequence[str], short_with_value: frozenset[str], long_with_value: frozenset[str]
) -> Iterator[tuple[bool, tuple[str, ...]]]:
    """Group arguments: (True, (option,)) or (True, (option, its value)) when the value is
    the next word, and (False, (operand,))."""
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument.startswith("--") and len(argument) > 2:
            takes_next = argument in long_with_value
        elif argument.startswith("-") and len(argument) > 1:
            # In a cluster, the first letter taking a value takes the rest of the cluster,
            # or the next word when it is the last letter.
            letters = argument[1:]
            first = next((i for i, letter in enumerate(letters) if letter in short_with_value), None)
            takes_next = first == len(letters) - 1
        else:
            yield False, (argument,)
            index += 1
            continue
        width = 2 if takes_next and index + 1 < len(arguments) else 1
        yield True, tuple(arguments[index : index + width])
        index += width


class ArgumentEdit(NamedTuple):
    """A change to a command's argument vector, the program being argument 0: write
    `replacement` for argument `index`, delete it (`replacement` None), or, with
    `insert`, add `replacement` as a new argument before it."""

    index: int
    replacement: str | None
    insert: bool = False


class CurlFlagProblem(NamedTuple):
    """What is wrong with a curl probe's flags, and the argument edits that fix it."""

    message: str
    title: str
    edits: tuple[ArgumentEdit, ...]
    unsafe_because: str | None
    """Why the fix may change what a working deployment does (None: it cannot)."""


_CURL_PASSES_HTTP_ERRORS = "has no `-f`: it exits 0 on an HTTP error status, so a service answering 500 passes"
_FAIL_MAY_BREAK = (
    "a path answering 4xx while the service works (404 at `/`, 401 behind authentication) "
    "passes today and would fail: check that the URL answers 2xx or 3xx"
)
_BOTH_FAILS = (
    'has both `-f` and `--fail-with-body`, which curl refuses ("You must select either --fail or '
    '--fail-with-body, not both", exit 2, measured with curl 7.88): the probe always fails'
)
_CURL_FILE_OUTPUTS = frozenset({"-o", "--output", "-D", "--dump-header"})
_CURL_REMOTE_NAMES = frozenset({"-O", "--remote-name", "--remote-name-all"})


def without_fail_flags(command: str) -> str:
    """A probe command with curl's `-f` and `--fail` words taken out, and the `f` of a short
    option cluster (`-fsS` becomes `-sS`): what HF103 and HF204 may change, and nothing else."""
    command = re.sub(r"(?<![^\s(])(?:-f|--fail)(?=[\s)]|$)\s?", "", command)
    return re.sub(r"(?<![^\s(])-([A-Za-z]*?)f([A-Za-z]*)(?=[\s)]|$)", r"-\1\2", command)


def curl_fails_on_http_errors(arguments: Sequence[str]) -> bool:
    """Whether curl is told to exit non-zero on an HTTP error status (`-f`, `--fail`,
    `--fail-with-body`, also inside a cluster such as `-fsSL`; the last of them and
    their `--no-` forms wins); without it a 500 response passes the probe."""
    fails = False
    for option, _ in _curl_options(arguments):
        if option in ("--fail", "--fail-with-body") or "f" in _flag_letters(option):
            fails = True
        elif option in ("--no-fail", "--no-fail-with-body"):
            fails = False
    return fails


def curl_flag_problem(probe: HttpProbe) -> CurlFlagProblem | None:
    """What HF103 and HF204 report about one curl invocation (arguments after quote removal):

    - `-f`/`--fail` together with `--fail-with-body`: the probe always fails; the fix
      removes the `-f` (from its cluster: `-fsS` becomes `-sS`) and is safe, since
      `--fail-with-body` alone fails on the same statuses;
    - no `-f`, `--fail` or `--fail-with-body`, when curl's status is what the probe
      reports: the fix adds `-f` after the program, and is unsafe (`_FAIL_MAY_BREAK`).
      Not reported when something else judges the response (the output is piped or
      written to a file, or `!` inverts the status).

    Any other spelling of flags that already fail on HTTP errors (`-fsS`, `--silent
    --fail`, `-f -s`) is no problem."""
    arguments = probe.argument_values
    options = list(_curl_options(arguments))
    fail = [(index, option) for option, index in options if option == "--fail" or "f" in _flag_letters(option)]
    if any(option == "--fail-with-body" for option, _ in options) and fail:
        edits = tuple(_without_fail(index + 1, option) for index, option in fail)
        return CurlFlagProblem(_BOTH_FAILS, "Remove `-f`: `--fail-with-body` already fails on HTTP errors", edits, None)
    if curl_fails_on_http_errors(arguments) or probe.output_read or probe.negated or _writes_file(options, arguments):
        return None
    return CurlFlagProblem(_CURL_PASSES_HTTP_ERRORS, "Add `-f`", (ArgumentEdit(1, "-f", insert=True),), _FAIL_MAY_BREAK)


def shell_edits(probe: HttpProbe, edits: Sequence[ArgumentEdit]) -> list[tuple[int, int, str]] | None:
    """Argument edits of a probe found in a shell command, as `(start, end, replacement)` of
    the command: only the flag words change, every other byte stays. None when a word to
    rewrite is quoted or escaped."""
    changes = []
    for edit in edits:
        previous = probe.words[edit.index - 1]
        if edit.insert:
            changes.append((previous.end, previous.end, f" {edit.replacement}"))
            continue
        word = probe.words[edit.index]
        if edit.replacement is None:
            changes.append((previous.end, word.end, ""))
        elif word.text == word.value:
            changes.append((word.start, word.end, edit.replacement))
        else:
            return None
    return changes


def _without_fail(index: int, option: str) -> ArgumentEdit:
    if option == "--fail":
        return ArgumentEdit(index, None)
    rest = option.replace("f", "", 1)
    return ArgumentEdit(index, rest if rest != "-" else None)


def _writes_file(options: list[tuple[str, int]], arguments: Sequence[str]) -> bool:
    """Whether curl writes the response to a file (`-o FILE`, `-O`, `-D FILE`; not /dev/null)."""
    for option, index in options:
        if option in _CURL_REMOTE_NAMES or "O" in _flag_letters(option):
            return True
        letters = _flag_letters(option)
        if option in _CURL_FILE_OUTPUTS or letters[-1:] in ("o", "D"):
            attached = option[1 + len(letters) :] if letters else ""
            target = attached or (arguments[index + 1] if index + 1 < len(arguments) else "")
            if target not in ("/dev/null", "-"):
                return True
    return False


def _curl_options(arguments: Sequence[str]) -> Iterator[tuple[str, int]]:
    """Each option word of curl's arguments (not option values, not operands), with its index."""
    index = 0
    for is_option, words in _classify(arguments, _CURL_SHORT_WITH_VALUE, _CURL_LONG_WITH_VALUE):
        if is_option:
            yield words[0], index
        index += len(words)


def _flag_letters(option: str, with_value: frozenset[str] = _CURL_SHORT_WITH_VALUE) -> str:
    """The option letters of a short-option cluster, up to and including the first that
    takes a value (the rest of the cluster is that value): `-fsSL` -> `fsSL`, `-fm5` -> `fm`;
    '' for a long option or an operand. `with_value` names the letters that take a value
    (curl's by default)."""
    if option.startswith("--") or not option.startswith("-"):
        return ""
    letters = ""
    for letter in option[1:]:
        letters += letter
        if letter in with_value:
            break
    return letters


_SAME_REQUEST_OPTIONS = {
    "curl": frozenset(
        {
            "-f", "--fail", "--fail-with-body", "--fail-early", "-s", "--silent", "-S", "--show-error",
            "--no-progress-meter", "-v", "--verbose", "-q", "--disable", "-N", "--no-buffer", "-g", "--globoff",
            "--compressed", "-L", "--location", "-I", "--head", "-m", "--max-time", "--connect-timeout",
            "--retry", "--retry-delay", "--retry-max-time", "--retry-connrefused", "--retry-all-errors",
            "-o", "--output", "--url",
        }
    ),
    "wget": frozenset(
        {
            "-q", "--quiet", "-nv", "--no-verbose", "-S", "--server-response", "--spider", "-O",
            "--output-document", "-o", "--output-file", "-T", "--timeout", "-t", "--tries",
        }
    ),
}  # fmt: skip
"""Options that leave what a curl or wget probe requests, and what passes, as another tool's
request of the same URL has it: they quiet the tool, bound or retry its run, follow
redirects, ask with HEAD (`--spider`, `-I`) or discard the body."""


def options_without_equivalent(probe: HttpProbe) -> list[str]:
    """The options (and extra operands) of a curl or wget probe that decide what it sends or
    what passes: a header, a method, a body, credentials, TLS or proxy settings, a socket,
    a file written, a second URL. A request of the same URL with another tool would not
    carry them; options in `_SAME_REQUEST_OPTIONS` do not count."""
    tool = probe.tool
    short, long = _WITH_VALUE[tool]
    kept = _SAME_REQUEST_OPTIONS[tool]
    arguments = probe.argument_values
    without: list[str] = []
    operands = 0
    for is_option, words in _classify(arguments, short, long):
        option = words[0]
        if not is_option:
            operands += 1
            if operands > 1:
                without.append(option)
            continue
        letters = _flag_letters(option, short)
        names = [f"-{letter}" for letter in letters] if letters else [option.split("=", 1)[0]]
        if any(name not in kept for name in names):
            without.append(option)
    if tool == "curl" and _writes_file(list(_curl_options(arguments)), arguments):
        without.append("-o")
    if tool == "wget" and _wget_writes_file(arguments):
        without.append("-O")
    if tool == "curl" and probe.url and curl_globs(probe.url) and not _curl_globbing_off(arguments):
        without.append(probe.url)
    return without


def curl_globs(url: str) -> bool:
    """Whether curl expands `url` to several (`/{health,ready}`, `:800[0-1]`) unless `-g`
    turns globbing off: each is requested, while another tool requests the braces as written."""
    return bool(_CURL_GLOB.search(url))


def _curl_globbing_off(arguments: Sequence[str]) -> bool:
    return any(option == "--globoff" or "g" in _flag_letters(option) for option, _ in _curl_options(arguments))


def follows_redirects(probe: HttpProbe) -> bool:
    """Whether a curl or wget probe follows a redirect and judges where it lands: wget (GNU's
    and busybox's) always does, curl with `-L`; curl without it passes on the 3xx itself."""
    if probe.tool == "wget":
        return True
    follows = False
    for option, _ in _curl_options(probe.argument_values):
        if option == "--location" or "L" in _flag_letters(option):
            follows = True
        elif option == "--no-location":
            follows = False
    return follows


def _wget_writes_file(arguments: Sequence[str]) -> bool:
    """Whether wget saves the response to a file (`-O FILE`; not /dev/null, nor `-`, its
    standard output), which something after it may read."""
    for is_option, words in _classify(arguments, _WGET_SHORT_WITH_VALUE, _WGET_LONG_WITH_VALUE):
        option = words[0]
        target = None
        if option.startswith("--output-document"):
            target = option.partition("=")[2] if "=" in option else (words[1] if len(words) > 1 else "")
        elif is_option and not option.startswith("--") and "O" in _flag_letters(option, _WGET_SHORT_WITH_VALUE):
            attached = option[option.index("O") + 1 :]
            target = attached or (words[1] if len(words) > 1 else "")
        if target is not None and target not in ("/dev/null", "-"):
            return True
    return False


def same_check_blocker(probe: HttpProbe) -> str | None:
    """Why a request of the probe's URL with another tool would not be the same check: the
    shell reads its output (`| grep ok`) or inverts its status, or an option decides what is
    sent or what passes (`-H`, `-k`, `-X POST`); None when it would be."""
    if probe.output_read or probe.negated:
        return "the shell reads its output or its status"
    options = options_without_equivalent(probe)
    return f"its `{' '.join(options)}`" if options else None


def stricter_replacement(probe: HttpProbe, tool: str) -> str | None:
    """Why a replacement with `tool` (which fails on an HTTP error status) is a stricter check
    than the probe: a curl without `-f` passes on one."""
    if probe.tool == "curl" and not curl_fails_on_http_errors(probe.argument_values):
        return f"`{tool}` fails on an HTTP error status, which this curl, without `-f`, passes"
    return None


URL_NOT_TOLD = "its URL cannot be told (none is written, or a command substitution builds it)"
"""Why a probe with no `HttpProbe.url` has no replacement."""

REPLACEMENT_TOOLS = ("curl", "wget", "python3", "node")
"""The programs `replacement_probe` can request a URL with, preferred first."""


_SCHEME = regexes.lazy(r"[A-Za-z][A-Za-z0-9+.-]*://")
_CURL_GUESSED_SCHEMES = ("ftp.", "dict.", "ldap.", "imap.", "smtp.", "pop3.")
"""Host prefixes from which curl guesses a protocol other than HTTP for a URL without a scheme."""


def requested_url(url: str) -> str | None:
    """The absolute URL curl or wget requests for `url` as written: both take one without a
    scheme (`localhost:8000/health`) for `http://`, which urllib ("unknown url type") and
    node ("Protocol not supported") refuse. None when curl would guess another protocol
    from the host (`ftp.example.com/`), or when urllib cannot read the URL (brackets around
    no IP address: `localhost:800[0-1]`, one of curl's globs)."""
    if not _SCHEME.match(url):
        if url.lower().startswith(_CURL_GUESSED_SCHEMES):
            return None
        url = f"http://{url}"
    try:
        urlsplit(url)
    except ValueError:
        return None
    return url


def url_has_credentials(url: str) -> bool:
    """Whether the URL carries credentials (`http://user:pass@host/`), which curl, wget
    and node send as basic authentication, and urllib takes for part of the host name."""
    authority = url.split("://", 1)[-1].split("/", 1)[0]
    return "@" in authority


def replacement_probe(
    url: str, tools: frozenset[str] | set[str], follow_redirects: bool | None = None
) -> list[str] | None:
    """An exec-form probe of `url` (as a curl or wget probe has it: a URL without a scheme
    is an `http:` one) using a tool from `tools`: `curl -sf URL` when there is curl, else
    `wget -q -O /dev/null URL` for an `http:` URL (busybox's wget may lack TLS; `localhost`
    requested at 127.0.0.1, see `_wget_target`), else a `python3 -c` urllib one-liner when
    the URL carries no credentials, else a `node -e` one-liner; None when none of them is
    available or the URL cannot be embedded safely.

    Each sends a GET, and exits non-zero on a connection error and on an HTTP status of
    400 or more. On a redirect, each does as it does by default (curl and node pass on the
    3xx itself, wget and urllib follow it) unless `follow_redirects` says what the probe
    replaced did. True (wget, `curl -L`): curl is given `-L`, and node is not used: behind
    `/health` answering 301 to a page answering 503, it would pass. False (curl without
    `-L`, which passes on any 3xx): urllib is told not to follow (`_PYTHON_PASSING_ON_REDIRECTS`,
    passing on a 3xx as curl does); wget, which cannot be (GNU's `--max-redirect=0` exits 8
    on any redirect, busybox's has no such option), follows, and fails where the redirect
    leads to a failure (a 503, an `https:` URL nothing answers, a host it cannot reach) or
    on a 304 (GNU wget 1.21 and busybox 1.35, run against a server redirecting each way).
    """
    absolute = requested_url(url)
    if absolute is None:
        return None
    url = absolute
    if "curl" in tools:
        return ["curl", "-sfL" if follow_redirects else "-sf", url]
    if "wget" in tools and url.startswith("http://"):
        return ["wget", "-q", "-O", "/dev/null", *_wget_target(url)]
    if any(quote in url for quote in "'\"\\") or any(c.isspace() for c in url):
        return None
    if "python3" in tools and not url_has_credentials(url):
        if follow_redirects is False:
            return ["python3", "-c", _PYTHON_PASSING_ON_REDIRECTS.format(url=url)]
        return ["python3", "-c", f"import urllib.request; urllib.request.urlopen('{url}')"]
    if "node" in tools and not follow_redirects:
        module = "https" if url.startswith("https:") else "http"
        return [
            "node",
            "-e",
            (
                f"require('{module}').get('{url}', r => process.exit(r.statusCode < 400 ? 0 : 1))"
                ".on('error', () => process.exit(1))"
            ),
        ]
    return None


_PYTHON_PASSING_ON_REDIRECTS = (
    "import sys, urllib.request as u; p = u.HTTPErrorProcessor(); p.http_response = p.https_response = lambda q, r: r;"
    " sys.exit(u.build_opener(p).open('{url}').status >= 400)"
)
"""A urllib request that exits 0 on a status below 400 and 1 from 400 on, as `curl -f` does:
its error processor, which hands a 3xx to the redirect handler and raises on any other status
of 300 or more, returns every response as it came (urllib 3.11, run against a server
answering 300 to 399 each way: 0 where `curl -sf` passes, 1 where it fails)."""


def _wget_target(url: str) -> list[str]:
    """What wget is told to request `url` with: a URL of `localhost` as `127.0.0.1`, with the
    `Host` header curl sends for it, so the server sees the same request.

    busybox's wget (Alpine's, busybox's own) connects to the first address a name resolves to
    and tries no other; on Alpine, musl gives `::1` first for `localhost`, and a server bound
    to `0.0.0.0` refuses it ("Connecting to localhost ([::1]:80) ... Connection refused",
    where `curl -f http://localhost:80/` passes: curl tries both). busybox's and GNU wget send
    the `Host` header given in place of their own (checked with busybox 1.35 and GNU wget)."""
    split = urlsplit(url)
    if connected_host(url, "wget") == split.hostname:
        return [url]
    credentials, at, host = split.netloc.rpartition("@")
    name, colon, port = host.partition(":")
    address = split._replace(netloc=f"{credentials}{at}127.0.0.1{colon}{port}").geturl()
    # curl leaves http's own port out of the header (`http://localhost:80/`: `Host: localhost`).
    return ["--header", f"Host: {name if port == '80' else host}", address]


def connected_host(url: str, tool: str) -> str | None:
    """The host `replacement_probe`'s request of `url` with `tool` connects to: the URL's,
    but 127.0.0.1 for wget's of `localhost` (see `_wget_target`)."""
    absolute = requested_url(url)
    host = urlsplit(absolute).hostname if absolute is not None else None
    return "127.0.0.1" if tool == "wget" and host == "localhost" else host


def wget_left_out(url: str, tools: Collection[str]) -> str | None:
    """Why `replacement_probe` leaves out the wget `tools` has: the URL is not an `http:` one
    (busybox's wget, Alpine's and busybox's own, may lack TLS)."""
    absolute = requested_url(url)
    if "wget" in tools and absolute is not None and not absolute.startswith("http://"):
        return "wget replaces a probe of an `http:` URL alone (busybox's may lack TLS)"
    return None


def unfollowed_redirects(probe: HttpProbe, tools: Collection[str]) -> str | None:
    """Why the replacement `replacement_probe` leaves out is the only one `tools` allow:
    node's request passes on a redirect, which the probe follows (see `follows_redirects`)."""
    if "node" in tools and follows_redirects(probe) and replacement_probe(probe.url or "", tools, True) is None:
        return f"node's request would pass on a redirect, which this `{probe.tool}` follows to judge where it lands"
    return None


def shell_join(argv: Sequence[str]) -> str:
    """Render an argument vector as a shell command: plain words bare, others in double
    quotes when that needs no escaping (a `$` in them still expands, as it did in the
    probe being replaced), else in single quotes."""
    return " ".join(_shell_quote(argument) for argument in argv)


def _shell_quote(argument: str) -> str:
    if _SHELL_SAFE.fullmatch(argument):
        return argument
    if not any(character in argument for character in '"\\`!'):
        return f'"{argument}"'
    return shlex.quote(argument)
