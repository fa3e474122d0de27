"""`env_file`s: the variables a service's container gets from them.

Read as Compose reads them (compose-go's `dotenv/parser.go`): a statement starts at the
first character that is not blank, `#` starts a comment line, an `export ` before the
name is dropped, and the name ends at `=` or at `:` (YAML style, `NAME: value`) or at the
end of its line: a bare `NAME` takes its value from the shell that deploys the stack. A
value in single or double quotes may span lines and ends at its closing quote (`\\`
escapes it; a double-quoted value reads `\\n` and the other escapes of Go); an unquoted one
ends at its line, less a ` #` comment and the blanks before it. Variables in a value
(`${PORT:-8000}`) are left as written, as the Compose file's own `environment` is read;
each entry says whether Compose interpolates its value (all but one in single quotes).

An `env_file` whose `format` is `raw` is read as `docker run --env-file` reads one
(`raw_env_file_entries`): each line as written.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from hardenfix import regexes
from hardenfix.sources.text import line_number


class EnvFileError(ValueError):
    """A statement Compose refuses (`NAME WITH SPACE=1`, an unterminated quote): Compose does
    not start the stack."""


class EnvEntry(NamedTuple):
    name: str
    value: str | None
    """None for a bare name, whose value the shell that deploys the stack gives (or not)."""
    line: int
    statement: str
    """Its first line as written, without the blanks around it."""
    interpolated: bool = True
    """Whether Compose interpolates the value: a value in single quotes is taken as written."""


_EXPORT = regexes.lazy(r"export[ \t\n\f\r]+")
_BLANK = frozenset("\t\v\f\r \x85\xa0")
"""Blanks within a statement (a line break ends it), as compose-go's `isSpace`."""
_NAME_PUNCTUATION = frozenset("_.-[]")
_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "$": "$", '"': '"', "\\": "\\"}


def env_file_entries(text: str) -> list[EnvEntry]:
    """The statements of an `env_file`, in order; raises `EnvFileError` where Compose would."""
    entries = []
    position = 0
    while True:
        position = _statement_start(text, position)
        if position == len(text):
            return entries
        line = line_number(text, position)
        statement = text[position:].partition("\n")[0].strip()
        if _EXPORT.match(text, position):
            position = _skip_blanks(text, position + len("export"))
        name, position, bare = _name(text, position)
        if " " in name:
            raise EnvFileError(f"line {line}: key cannot contain a space")
        position = _skip_blanks(text, position)
        value = None
        single_quoted = text.startswith("'", position)
        if not bare:
            value, position = _value(text, position, line)
        if name:  # a bare name on the file's last line, without a line break, sets no variable
            entries.append(EnvEntry(name, value, line, statement, not single_quoted))


def _statement_start(text: str, position: int) -> int:
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if position == len(text) or text[position] != "#":
            return position
        end = text.find("\n", position)
        if end < 0:
            return len(text)
        position = end


def _skip_blanks(text: str, position: int) -> int:
    while position < len(text) and text[position] in _BLANK:
        position += 1
    return position


def _name(text: str, start: int) -> tuple[str, int, bool]:
    """The name of the statement at `start`, where its value starts, and whether it is bare."""
    for position in range(start, len(text)):
        char = text[position]
        if char in _BLANK:
            continue
        if char in "=:\n":
            return text[start:position].rstrip(), position + 1, char == "\n"
        if not (char in _NAME_PUNCTUATION or char.isalpha() or char.isnumeric()):
            line = line_number(text, start)
            raise EnvFileError(f"line {line}: unexpected character {char!r} in variable name")
    return "", start, False


def _value(text: str, start: int, line: int) -> tuple[str, int]:
    """The value at `start`, and where the text after it starts."""
    quote = text[start : start + 1]
    if quote not in ("'", '"'):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end
        return text[start:end].partition(" #")[0].rstrip(), end
    chars: list[str] = []
    escaped = False
    for position in range(start + 1, len(text)):
        char = text[position]
        if char == quote and not escaped:
            value = "".join(chars)
            return (_unescaped(value) if quote == '"' else value), position + 1
        if char == "\\" and not escaped:
            escaped = True
            continue
        if escaped and char != quote:
            chars.append("\\")
        escaped = False
        chars.append(char)
    raise EnvFileError(f"line {line}: unterminated quoted value")


def _unescaped(value: str) -> str:
    return re.sub(r"\\(.)", lambda match: _ESCAPES.get(match.group(1), match.group()), value)


_RAW_BLANKS = " \t"


def raw_env_file_entries(text: str) -> list[EnvEntry]:
    """The statements of an `env_file` of `format: raw`, in order, as Docker Compose reads
    one (docker/cli's `kvfile`, as `docker run --env-file`): a line is read past its
    leading blanks, one that is empty or starts with `#` is skipped, and the rest is
    `NAME=value`, the value as written to the end of the line (quotes, blanks and `$`
    too), or a bare `NAME`, whose value the deploying shell gives. A name with a blank in
    it (`export NAME=1`) raises `EnvFileError`, as Compose refuses it."""
    entries = []
    for line, written in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        statement = written.removesuffix("\r").lstrip()
        if not statement or statement.startswith("#"):
            continue
        name, equals, value = statement.partition("=")
        if not name:
            raise EnvFileError(f"line {line}: no variable name")
        if any(blank in name for blank in _RAW_BLANKS):
            raise EnvFileError(f"line {line}: variable {name!r} contains blanks")
        entries.append(EnvEntry(name, value if equals else None, line, statement.strip(), interpolated=False))
    return entries
