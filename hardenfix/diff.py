"""Unified diffs that `git apply` and `patch -p1` accept byte for byte."""

from __future__ import annotations

import difflib
import re

NO_NEWLINE_MARKER = "\\ No newline at end of file\n"
# Lines end at "\n" only, as git and patch see them: "\r" stays part of its line,
# and form feeds or Unicode separators (which str.splitlines would split on) are text.
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


_ADDED, _REMOVED, _HUNK, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[36m", "\x1b[0m"


def colour_diff(patch: str) -> str:
    """A diff coloured for a terminal: additions green, removals red, hunk headers cyan."""
    coloured = []
    for line in split_lines(patch):
        body, ending = line.rstrip("\n"), "\n" if line.endswith("\n") else ""
        if line.startswith(("+++", "---")):
            coloured.append(f"\x1b[1m{body}{_RESET}{ending}")
        elif line.startswith("+"):
            coloured.append(f"{_ADDED}{body}{_RESET}{ending}")
        elif line.startswith("-"):
            coloured.append(f"{_REMOVED}{body}{_RESET}{ending}")
        elif line.startswith("@@"):
            coloured.append(f"{_HUNK}{body}{_RESET}{ending}")
        else:
            coloured.append(line)
    return "".join(coloured)


def split_lines(text: str) -> list[str]:
    return _LINE.findall(text)


def unified_diff(display_path: str, before: str, after: str, context: int = 3) -> str:
    """A diff from `before` to `after` with `a/` and `b/` headers.

    Lines keep their own endings (a CRLF file's diff carries CRLF, as git's does);
    a last line without one is followed by the standard no-newline marker.
    """
    if before == after:
        return ""
    lines = difflib.unified_diff(
        split_lines(before),
        split_lines(after),
        fromfile=f"a/{display_path}",
        tofile=f"b/{display_path}",
        n=context,
    )
    return "".join(line if line.endswith("\n") else f"{line}\n{NO_NEWLINE_MARKER}" for line in lines)
