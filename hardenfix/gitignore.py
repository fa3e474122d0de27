"""Gitignore patterns, matched as git matches them (git's `dir.c` and `wildmatch.c`).

- A line ends at `\n` alone. It is a pattern, less a carriage return before that, what
  follows a NUL, and trailing spaces not escaped with a backslash; a blank line, or one
  starting with `#`, is none. `!` takes back what an
  earlier pattern ignores, and the last pattern that matches a path decides.
- A pattern ending in `/` matches folders alone. One with no other `/` matches a file or
  folder of that name at any depth; one with a `/` at its start or in its middle is
  anchored at the folder the patterns belong to.
- `*` and `?` match within a path segment, and `[...]` one character of a set (`[!...]` and
  `[^...]` of its complement, `[:alpha:]` a class); none of them matches `/`. `**` matches
  across segments where it is a whole segment (`**/x`, `x/**`, `x/**/y`), and is a `*`
  elsewhere. A backslash makes the next character literal.
- A pattern git cannot read (an unclosed `[`, an unknown class, a trailing backslash)
  matches nothing.

Git matches bytes where this matches characters: in a name not in ASCII, `?`, `[!a]` and a
range (`[à-ê]`) match one character, where git matches one byte of its UTF-8.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import NamedTuple

_CLASSES = {
    "alnum": "a-zA-Z0-9",
    "alpha": "a-zA-Z",
    "blank": " \\t",
    "cntrl": "\\x00-\\x1f\\x7f",
    "digit": "0-9",
    "graph": "!-~",
    "lower": "a-z",
    "print": " -~",
    "punct": "!-/:-@\\[-`{-~",
    "space": " \\t\\n\\r",
    "upper": "A-Z",
    "xdigit": "0-9a-fA-F",
}
"""The classes `[[:name:]]` names, as git's own ASCII tables (`sane_ctype`) define them."""
_WILDCARDS = "*?[\\"


class Unreadable(ValueError):
    """A pattern git reads as matching nothing."""


class IgnorePatterns:
    """The patterns of one `.gitignore`, or of one folder's `exclude` setting, for paths
    relative to that folder (`/`-separated)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._patterns = [parsed for parsed in map(_parsed, lines) if parsed is not None]

    @classmethod
    def from_text(cls, text: str) -> IgnorePatterns:
        return cls(text.removeprefix("\ufeff").split("\n"))

    def decision(self, relative: str, is_dir: bool) -> bool | None:
        """True when the last pattern that matches `relative` ignores it, False when it is a
        `!` one, None when none matches. Folders above it are not looked at."""
        expression, takes_back = self._for_folders if is_dir else self._for_files
        match = expression.fullmatch(relative) if expression is not None else None
        if match is None:
            return None
        assert match.lastindex is not None
        return not takes_back[match.lastindex - 1]

    @functools.cached_property
    def _for_folders(self) -> tuple[re.Pattern[str] | None, list[bool]]:
        return _alternatives(self._patterns)

    @functools.cached_property
    def _for_files(self) -> tuple[re.Pattern[str] | None, list[bool]]:
        return _alternatives([pattern for pattern in self._patterns if not pattern.folders_only])

    def excludes(self, relative: str, is_dir: bool = False) -> bool:
        """Whether `relative` is ignored, or a folder above it is: git never looks into an
        ignored folder, so nothing below it can be taken back."""
        parts = relative.split("/")
        for depth in range(1, len(parts)):
            if self.decision("/".join(parts[:depth]), is_dir=True):
                return True
        return bool(self.decision(relative, is_dir))


class _Pattern(NamedTuple):
    expression: str
    """A regular expression over the paths it matches."""
    takes_back: bool
    folders_only: bool


def _alternatives(patterns: list[_Pattern]) -> tuple[re.Pattern[str] | None, list[bool]]:
    """One expression with a group per pattern, the last pattern first, so that the group
    that matches is the pattern that decides; and whether each group is a `!` pattern."""
    if not patterns:
        return None, []
    ordered = patterns[::-1]
    expression = re.compile("|".join(f"({pattern.expression})" for pattern in ordered), re.DOTALL)
    return expression, [pattern.takes_back for pattern in ordered]


def _parsed(line: str) -> _Pattern | None:
    """A line's pattern; None for a line that holds none, or one git cannot read."""
    pattern = _without_trailing_spaces(line.removesuffix("\r").partition("\0")[0])  # git's ends at a NUL
    if not pattern or pattern.startswith("#"):
        return None
    takes_back = pattern.startswith("!")
    if takes_back:
        pattern = pattern[1:]
    folders_only = pattern.endswith("/")
    if folders_only:
        pattern = pattern[:-1]
    if not pattern:
        return None
    anchored = "/" in pattern
    if anchored:
        pattern = pattern.removeprefix("/")
    try:
        body = _translated(pattern, anchored)
    except Unreadable:
        return None
    return _Pattern(("" if anchored else "(?:.*/)?") + body, takes_back, folders_only)


def _without_trailing_spaces(line: str) -> str:
    """`line` less its trailing spaces, but for one a backslash escapes (git's
    `trim_trailing_spaces`)."""
    stripped = line.rstrip(" ")
    if stripped == line:
        return line
    backslashes = len(stripped) - len(stripped.rstrip("\\"))
    return stripped + " " if backslashes % 2 else stripped


def _translated(pattern: str, anchored: bool) -> str:
    """A pattern's regular expression, wildmatch's with `WM_PATHNAME`: no wildcard matches
    `/`, and `**` as a whole segment spans segments. A name pattern (`anchored` False) is
    matched against a name alone, where `**` can only be a `*`."""
    parts: list[str] = []
    # git compares the literal start of an anchored pattern first and matches the rest from
    # there: a `**` right after it counts as the start of a segment (`foo**/bar` matches
    # `foo/bar` and `foox/y/bar`).
    literal_start = next((index for index, char in enumerate(pattern) if char in _WILDCARDS), len(pattern))
    index, end = 0, len(pattern)
    while index < end:
        char = pattern[index]
        if char == "\\":
            if index + 1 == end:
                raise Unreadable(pattern)
            parts.append(re.escape(pattern[index + 1]))
            index += 2
        elif char == "*":
            stars_end = index
            while stars_end < end and pattern[stars_end] == "*":
                stars_end += 1
            after = pattern[stars_end : stars_end + 2]
            segment_start = index == 0 or pattern[index - 1] == "/" or index == literal_start
            segment_end = stars_end == end or after.startswith("/") or after == "\\/"
            if anchored and stars_end - index > 1 and segment_start and segment_end:
                if after.startswith("/"):
                    # `x/**/y` matches `x/y` too: the segments are tried as none first
                    parts.append("(?:.*/)?")
                    index = stars_end + 1
                else:
                    parts.append(".*")
                    index = stars_end
            else:
                parts.append("[^/]*")
                index = stars_end
        elif char == "?":
            parts.append("[^/]")
            index += 1
        elif char == "[":
            expression, index = _character_set(pattern, index)
            parts.append(expression)
        else:
            parts.append(re.escape(char))
            index += 1
    return "".join(parts)


def _character_set(pattern: str, start: int) -> tuple[str, int]:
    """The set that starts at `pattern[start]` (a `[`), read as wildmatch reads it: `]`
    first is a member, `-` between two members a range; and the index past its `]`."""
    index = start + 1
    negated = index < len(pattern) and pattern[index] in "!^"
    if negated:
        index += 1
    members: list[str] = []
    previous: str | None = None
    first = True
    while True:
        if index >= len(pattern):
            raise Unreadable(pattern)
        char = pattern[index]
        if char == "]" and not first:
            break
        first = False
        if char == "\\":
            if index + 1 >= len(pattern):
                raise Unreadable(pattern)
            previous = pattern[index + 1]
            members.append(re.escape(previous))
            index += 2
        elif char == "-" and previous is not None and index + 1 < len(pattern) and pattern[index + 1] != "]":
            high_at = index + 1
            if pattern[high_at] == "\\":
                high_at += 1
                if high_at >= len(pattern):
                    raise Unreadable(pattern)
            high = pattern[high_at]
            if previous <= high:  # the range's start is a member either way
                members.append(f"{re.escape(previous)}-{re.escape(high)}")
            previous = None
            index = high_at + 1
        elif char == "[" and pattern.startswith(":", index + 1):
            closing = pattern.find("]", index + 2)
            if closing < 0:
                raise Unreadable(pattern)
            if closing - (index + 2) < 1 or pattern[closing - 1] != ":":
                # not `[:name:]`: a `[` member, and reading goes on at the `:`
                previous = "["
                members.append(re.escape("["))
                index += 1
                continue
            name = pattern[index + 2 : closing - 1]
            if name not in _CLASSES:
                raise Unreadable(pattern)
            members.append(_CLASSES[name])
            previous = None
            index = closing + 1
        else:
            previous = char
            members.append(re.escape(char))
            index += 1
    body = "".join(members)
    if negated:
        return f"[^/{body}]", index + 1
    return (f"(?!/)[{body}]" if body else "(?!)"), index + 1
