"""`.dockerignore`: the files of a build context that a build leaves out.

Read as BuildKit reads it (moby's `patternmatcher` and `ignorefile`): a pattern is
anchored at the context root (`*.md` is the root's alone), `*` and `?` stay within a
path segment and `**` spans any number of them, a pattern that matches a folder leaves
out everything below it, `!` takes paths back, and the last pattern that matches wins.
The file beside the Dockerfile, `<Dockerfile>.dockerignore`, replaces the context's own.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path

_ESCAPED = frozenset(".+()|{}$")
"""Characters that are literal in a pattern and special in a regular expression."""


class DockerIgnore:
    def __init__(self, text: str, path: str = ".dockerignore") -> None:
        self.path = path
        self.name = posixpath.basename(path)
        patterns: list[tuple[bool, str]] = []
        """(whether it takes paths back, the regular expression of what it matches), in order."""
        for line in text.removeprefix("\ufeff").splitlines():
            if line.startswith("#"):
                continue
            pattern = line.strip()
            taken_back = pattern.startswith("!")
            pattern = pattern[1:].strip() if taken_back else pattern
            if not pattern:
                continue
            pattern = posixpath.normpath(re.sub("/{2,}", "/", pattern))
            if len(pattern) > 1:
                pattern = pattern.removeprefix("/")
            expression = _expression(pattern)
            if expression is not None:
                patterns.append((taken_back, expression))
        self.takes_back = any(taken_back for taken_back, _ in patterns)
        """Whether a path below a folder left out may be taken back, so the folder must be
        looked into."""
        self._in_order = [(taken_back, re.compile(expression).fullmatch) for taken_back, expression in patterns]
        # Without a pattern that takes paths back, the order does not matter: one expression
        # tells whether any pattern matches.
        self._any = re.compile("|".join(f"(?:{expression})" for _, expression in patterns) or "(?!)").fullmatch

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

    def excludes(self, relative: str, folder_kept: bool = False) -> bool:
        """Whether the build leaves out `relative`, a normalised path in the context;
        `folder_kept` when its folder is known to be sent (a walk entered it)."""
        if relative in (".", ""):
            return False
        parts = relative.split("/")
        if not self.takes_back:
            # No pattern takes back what a folder's pattern left out: a folder sent has no
            # pattern matching it or its own folders.
            parents = [] if folder_kept else ["/".join(parts[:depth]) for depth in range(1, len(parts))]
            return self._any(relative) is not None or any(self._any(parent) for parent in parents)
        parents = ["/".join(parts[:depth]) for depth in range(1, len(parts))]
        excluded = False
        for taken_back, matches in self._in_order:
            if taken_back != excluded:
                continue  # only a later opposite pattern can change the answer
            if matches(relative) or any(matches(parent) for parent in parents):
                excluded = not taken_back
        return excluded


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
