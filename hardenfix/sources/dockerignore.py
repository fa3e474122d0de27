"""`.dockerignore`: the files of a build context that a build leaves out.

Read as BuildKit reads it (moby's `patternmatcher` and `ignorefile`): a pattern is
anchored at the context root (`*.md` is the root's alone), `*` and `?` stay within a
path segment and `**` spans any number of them, a pattern that matches a folder leaves
out everything below it, `!` takes paths back, and the last pattern that matches wins.
The file beside the Dockerfile, `<Dockerfile>.dockerignore`, replaces the context's own.
"""

from __future__ import annotations

import functools
import posixpath
import re
from collections.abc import Callable
from pathlib import Path

_ESCAPED = frozenset(".+()|{}$")
"""Characters that are literal in a pattern and special in a regular expression."""


class DockerIgnore:
    """A `.dockerignore` read; paths are answered by the index of the last pattern that
    matches them or a folder above them (-1 when none does), which decides."""

    def __init__(self, text: str, path: str = ".dockerignore") -> None:
        self.path = path
        self.name = posixpath.basename(path)
        self._taken_back, self._last_matching = _compiled(text)
        """Whether each pattern, in the order written, takes paths back (`!`); and the
        match of the last pattern that matches a path."""
        self._last_taking_back = max((index for index, back in enumerate(self._taken_back) if back), default=-1)

    @classmethod
    def for_build(cls, root: Path, dockerfile: Path | None) -> tuple[DockerIgnore | None, list[Path]]:
        """The ignore file of a build of `dockerfile` in the context `root`, None when there
        is none; and the paths looked at to tell."""
        candidates = [dockerfile.with_name(dockerfile.name + ".dockerignore")] if dockerfile is not None else []
        candidates.append(root / ".dockerignore")
        for looked, candidate in enumerate(candidates, 1):
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            return cls(text, str(candidate)), candidates[:looked]
        return None, candidates

    def excludes(self, relative: str) -> bool:
        """Whether the build leaves out `relative`, a normalised path in the context."""
        return self.leaves_out(self.last_of(relative))

    def last_of(self, relative: str) -> int:
        """The last pattern that matches `relative` or a folder above it (the root: none)."""
        last = -1
        if relative not in (".", ""):
            parts = relative.split("/")
            for depth in range(1, len(parts) + 1):
                last = self.last_match("/".join(parts[:depth]), last)
        return last

    def last_match(self, relative: str, above: int) -> int:
        """The last pattern that matches `relative` or a folder above it, given `above`,
        the same for its folder."""
        match = self._last_matching(relative)
        return max(above, int(match.lastgroup[1:])) if match is not None and match.lastgroup else above

    def leaves_out(self, last: int) -> bool:
        return last >= 0 and not self._taken_back[last]

    def may_take_back_below(self, last: int) -> bool:
        """Whether a path below a folder whose last pattern is `last` may be taken back: a
        folder left out must then be looked into."""
        return self._last_taking_back > last


@functools.lru_cache(maxsize=64)
def _compiled(text: str) -> tuple[tuple[bool, ...], Callable[[str], re.Match[str] | None]]:
    """An ignore file's patterns, read once for every context that has the same (the
    services of a monorepo copy theirs from one template)."""
    taken_back, expressions = [], []
    for line in text.removeprefix("\ufeff").splitlines():
        if line.startswith("#"):
            continue
        pattern = line.strip()
        back = pattern.startswith("!")
        pattern = pattern[1:].strip() if back else pattern
        if not pattern:
            continue
        pattern = posixpath.normpath(re.sub("/{2,}", "/", pattern))
        if len(pattern) > 1:
            pattern = pattern.removeprefix("/")
        expression = _expression(pattern)
        if expression is not None:
            taken_back.append(back)
            expressions.append(expression)
    # The last pattern first: the alternative that matches names the one that decides.
    alternatives = [f"(?P<p{index}>{expression})" for index, expression in reversed(list(enumerate(expressions)))]
    return tuple(taken_back), re.compile("|".join(alternatives) or "(?!)").fullmatch


def _expression(pattern: str) -> str | None:
    """The regular expression of what `pattern` matches, as moby's `Pattern.compile` reads
    it; None for a pattern BuildKit rejects (an unclosed `[`), which fails the build."""
    regex, kind = "", "exact"
    index, position = 0, 0
    while position < len(pattern):
        char = pattern[position]
        position += 1
        if char == "*" and pattern[position : position + 1] == "*":
            position += 1
            if pattern[position : position + 1] == "/":
                position += 1
            if position == len(pattern):
                if kind == "exact":
                    kind = "prefix"
                else:
                    regex, kind = regex + ".*", "regex"
            else:
                regex, kind = regex + "(?:.*/)?", "regex"
            if index == 0:
                kind = "suffix"
        elif char == "*":
            regex, kind = regex + "[^/]*", "regex"
        elif char == "?":
            regex, kind = regex + "[^/]", "regex"
        elif char in _ESCAPED:
            regex += "\\" + char
        elif char == "\\":
            if position < len(pattern):
                regex, kind = regex + re.escape(pattern[position]), "regex"
                position += 1
            else:
                regex += "\\\\"
        elif char in "[]":
            regex, kind = regex + char, "regex"
        else:
            regex += char
        index += 1
    if kind == "exact":
        return re.escape(pattern)
    if kind == "prefix":  # `dir/**`: what starts with `dir/`
        return re.escape(pattern[:-2]) + ".*"
    if kind == "suffix":  # `**/name`: `name`, or what ends with `/name`; `**name`: what ends with `name`
        suffix = pattern[2:]
        return "(?:.*/)?" + re.escape(suffix[1:]) if suffix.startswith("/") else ".*" + re.escape(suffix)
    try:
        re.compile(regex)
    except re.error:
        return None
    return regex
