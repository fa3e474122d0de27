"""Line geometry of a text: offsets to positions, indentation, line endings.

Every source kind builds on this; rules use it to make insertions look like the
lines around them.
"""

from __future__ import annotations

import bisect
import itertools
import operator
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from functools import cached_property, wraps
from pathlib import Path
from typing import AnyStr, TypeVar

from hardenfix import regexes
from hardenfix.model import Position

_NEWLINE = regexes.lazy(r"\r\n|\n|\r")

T = TypeVar("T")

TEXT_CACHE_BUDGET = 32 * 1024 * 1024
"""Characters of text a `cached_by_text` cache keeps, at most."""


def cached_by_text(make: Callable[[str], T]) -> Callable[[str], T]:
    """`make`, remembered for the texts it was last given while they hold at most
    `TEXT_CACHE_BUDGET` characters, not for a number of them: each Compose file reads
    every other YAML file of its folder, in the same order, and a cache of the last N
    texts forgets each one just before it is asked again once a folder holds more than N
    (coolify's templates/compose, 368 files in one folder, took 80 s with N = 256)."""
    remembered: OrderedDict[str, T] = OrderedDict()
    held = 0

    @wraps(make)
    def cached(text: str) -> T:
        nonlocal held
        if text in remembered:
            remembered.move_to_end(text)
            return remembered[text]
        made = remembered[text] = make(text)
        held += len(text)
        while held > TEXT_CACHE_BUDGET and len(remembered) > 1:
            forgotten, _ = remembered.popitem(last=False)
            held -= len(forgotten)
        return made

    return cached


def line_number(text: str, offset: int) -> int:
    """The 1-based line of `offset`, counting line feeds: for a message about a text that is
    not a `SourceText` (a context's file, an env file), or about one position of it."""
    return text.count("\n", 0, offset) + 1


def line_around(text: str, start: int, end: int) -> tuple[int, int]:
    """Where the line (or lines) holding `text[start:end]` begins and ends, its line feed left out."""
    line_end = text.find("\n", end)
    return text.rfind("\n", 0, start) + 1, line_end if line_end != -1 else len(text)


class SourceText:
    location: Path | None = None
    """The file on disk, when the text came from one."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.dependencies: set[str] = set()
        """Other files and folders a rule looked at (a Dockerfile, an entrypoint script, a
        folder it listed): the findings depend on them as well as on this text."""

    def depends_on(self, path: Path | str) -> None:
        self.dependencies.add(str(path))

    def follows(self, previous: SourceText) -> None:
        """This text is `previous` with fixes applied, a fixpoint's next pass: what was made
        of other files for `previous` holds for it too (fixes change this file alone). A
        text that keeps nothing of the kind has nothing to take over."""

    @property
    def documents(self) -> Sequence[SourceText]:
        """The parts of the text that rules check one at a time: here the whole text; a
        Compose file of several YAML documents has one for each."""
        return (self,)

    @cached_property
    def _line_starts(self) -> list[int]:
        text = self.text
        if text.count("\r") != text.count("\r\n"):  # a line ended by a bare carriage return
            return [0, *(match.end() for match in _NEWLINE.finditer(text))]
        # Each line starts past the lengths and line feeds of those before it: summed in C.
        lengths = map(len, text.split("\n"))
        starts = list(map(operator.add, itertools.accumulate(lengths, initial=0), itertools.count()))
        return starts[:-1]

    @cached_property
    def newline(self) -> str:
        """The file's dominant line ending, for text inserted on a line of its own."""
        counts = {"\r\n": 0, "\n": 0, "\r": 0}
        for match in _NEWLINE.finditer(self.text):
            counts[match.group()] += 1
        best = max(counts, key=counts.__getitem__)
        return best if counts[best] else "\n"

    def line_index(self, offset: int) -> int:
        """0-based index of the line containing `offset`."""
        return bisect.bisect_right(self._line_starts, offset) - 1

    def position(self, offset: int) -> Position:
        index = self.line_index(offset)
        return Position(index + 1, offset - self._line_starts[index] + 1)

    def offset_of(self, position: Position) -> int:
        """The offset of a 1-based position: `position`'s inverse."""
        return self._line_starts[position.line - 1] + position.column - 1

    def line_start(self, offset: int) -> int:
        return self._line_starts[self.line_index(offset)]

    def line_end(self, offset: int) -> int:
        """Offset of the line ending (or end of text) of the line containing `offset`."""
        index = self.line_index(offset)
        if index + 1 < len(self._line_starts):
            end = self._line_starts[index + 1]
            return end - len(self.line_ending(offset))
        return len(self.text)

    def line_ending(self, offset: int) -> str:
        """The ending of the line containing `offset`; '' on a last line without one."""
        index = self.line_index(offset)
        if index + 1 >= len(self._line_starts):
            return ""
        end = self._line_starts[index + 1]
        return "\r\n" if self.text.startswith("\r\n", end - 2) else self.text[end - 1]

    def newline_for_insertion(self, offset: int) -> str:
        """The line ending to use for a line inserted next to the one at `offset`."""
        return self.line_ending(offset) or self.newline

    def indentation(self, offset: int) -> str:
        """The leading whitespace of the line containing `offset`."""
        start = self.line_start(offset)
        end = start
        while end < len(self.text) and self.text[end] in " \t":
            end += 1
        return self.text[start:end]

    def suppression_scope_end(self, line: int) -> int:
        """The last line of what a suppression comment on 1-based `line` annotates
        (see `hardenfix.suppress`): here the line itself; kinds with nodes or
        multi-line instructions widen it."""
        return line

    def column(self, offset: int) -> int:
        """0-based column of `offset` in characters."""
        return offset - self.line_start(offset)


def abridged(text: str, width: int) -> str:
    """`text` on one line, as a message shows a command or an instruction (its line
    continuations and runs of blanks made one space), cut to `width` characters with `...`."""
    line = " ".join(text.replace("\\\n", " ").split())
    return line if len(line) <= width else line[: width - 3] + "..."


def word_starts(text: AnyStr, word: AnyStr) -> Iterator[int]:
    """Where `word` stands in `text` (str or bytes) as a whole word: found by `find`, many
    times faster than a regex that starts with `\\b`, which the regex engine tries at every
    offset. In bytes, any non-ASCII byte ends a word: that finds a word too often, never
    too seldom."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if not _is_word_character(text[start - 1 : start]) and not _is_word_character(text[end : end + 1]):
            yield start
        start = text.find(word, start + 1)


def _is_word_character(character: str | bytes) -> bool:
    return character.isalnum() or character in ("_", b"_")


def continues_line_above(data: bytes, line_start: int) -> bool:
    """Whether the line above ends in a backslash, which joins the two lines."""
    if line_start == 0:
        return False
    end = line_start - 1  # its line feed
    if data[end - 1 : end] == b"\r":
        end -= 1
    return end > 0 and data[end - 1 : end] == b"\\"
