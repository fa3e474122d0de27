"""Unified diffs that `git apply` and `patch -p1` accept byte for byte.

A diff is bytes, as git's is: each line of a file is written as the file holds it,
whatever its encoding, so that applying the diff gives exactly the bytes `apply`
writes. Inside this module a diff's body is handled as text with one character per
byte (Latin-1, which maps every byte to the character of the same number).
"""

from __future__ import annotations

import difflib
import itertools
import os
from typing import TYPE_CHECKING

from hardenfix import regexes

if TYPE_CHECKING:
    from hardenfix.colour import Painter

NO_NEWLINE_MARKER = "\\ No newline at end of file\n"
# Lines end at "\n" only, as git and patch see them: "\r" stays part of its line,
# and form feeds or Unicode separators (which str.splitlines would split on) are text.
_LINE = regexes.lazy(r"[^\n]*\n|[^\n]+\Z")
_BYTES = "latin-1"


_STYLES = (("+++", "bold"), ("---", "bold"), ("+", "green"), ("-", "red"), ("@@", "cyan"))


def colour_diff(patch: bytes, paint: Painter) -> bytes:
    """A diff coloured for a terminal: headers bold, additions green, removals red, hunk
    headers cyan; each line's ending stays outside the colour, and its bytes as they were."""
    if not paint.colour:
        return patch
    coloured = []
    for line in split_lines(patch.decode(_BYTES)):
        body = line.removesuffix("\n")
        style = next((style for prefix, style in _STYLES if line.startswith(prefix)), None)
        coloured.append(line if style is None else paint(body, style) + line[len(body) :])
    return "".join(coloured).encode(_BYTES)


def split_lines(text: str) -> list[str]:
    return _LINE.findall(text)


def unified_diff(display_path: str, before: bytes, after: bytes, context: int = 3) -> bytes:
    """A diff from `before` to `after` with `a/` and `b/` headers, as `git diff` writes them.

    Lines keep their own endings (a CRLF file's diff carries CRLF, as git's does);
    a last line without one is followed by the standard no-newline marker.
    """
    if before == after:
        return b""
    lines = difflib.unified_diff(split_lines(before.decode(_BYTES)), split_lines(after.decode(_BYTES)), n=context)
    hunks = itertools.islice(lines, 2, None)  # difflib's own `---` and `+++` lines
    body = "".join(line if line.endswith("\n") else f"{line}\n{NO_NEWLINE_MARKER}" for line in hunks)
    return _header("---", "a/", display_path) + _header("+++", "b/", display_path) + body.encode(_BYTES)


def _header(marker: str, prefix: str, display_path: str) -> bytes:
    """A `---` or `+++` line as git's diff writes it: the name C-quoted when it must be,
    and followed by a tab when it holds a space, so that `patch`, which otherwise reads
    a name up to the first space, takes all of it."""
    name = os.fsencode(display_path)  # the bytes on disk, even of a name that is not UTF-8
    tab = b"\t" if b" " in name else b""
    return marker.encode() + b" " + git_quoted(prefix.encode() + name) + tab + b"\n"


# git's quote_c_style, with core.quotePath on (its default): control characters, `"`,
# `\`, DEL and every byte of a non-ASCII character are escaped, and the name is quoted.
_LETTER_ESCAPES = {0x07: b"a", 0x08: b"b", 0x09: b"t", 0x0A: b"n", 0x0B: b"v", 0x0C: b"f", 0x0D: b"r"}
_MUST_QUOTE = regexes.lazy(rb'[\x00-\x1f"\\\x7f-\xff]')


def git_quoted(name: bytes) -> bytes:
    """A path as git writes it in a diff header (`quote_c_style`)."""
    if _MUST_QUOTE.search(name) is None:
        return name
    return b'"' + _MUST_QUOTE.sub(lambda match: _escape(match.group()[0]), name) + b'"'


def _escape(byte: int) -> bytes:
    if byte in _LETTER_ESCAPES:
        return b"\\" + _LETTER_ESCAPES[byte]
    if byte in b'"\\':
        return b"\\" + bytes([byte])
    return b"\\%03o" % byte
