"""Unified diffs that `git apply` and `patch -p1` accept byte for byte."""

from __future__ import annotations

import difflib
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hardenfix.colour import Painter

NO_NEWLINE_MARKER = "\\ No newline at end of file\n"
# Lines end at "\n" only, as git and patch see them: "\r" stays part of its line,
# and form feeds or Unicode separators (which str.splitlines would split on) are text.
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")


_STYLES = (("+++", "bold"), ("---", "bold"), ("+", "green"), ("-", "red"), ("@@", "cyan"))


def colour_diff(patch: str, paint: Painter) -> str:
    """A diff coloured for a terminal: headers bold, additions green, removals red, hunk
    headers cyan; each line's ending stays outside the colour."""
    if not paint.colour:
        return patch
    coloured = []
    for line in split_lines(patch):
        body = line.removesuffix("\n")
        style = next((style for prefix, style in _STYLES if line.startswith(prefix)), None)
        coloured.append(line if style is None else paint(body, style) + line[len(body) :])
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
