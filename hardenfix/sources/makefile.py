"""Makefiles: the shell command lines `make <target>` runs, for a rule that must know what
a `RUN make install` does (django-oscar's image: its `install` target runs
`pip install -e .[test]`).

Read as GNU make reads the simple cases: rules (`target: prerequisites`), their recipe
lines (each begins with a tab, `@`, `-` and `+` prefixes dropped, a trailing `\\`
joining the next line), and the variables the file assigns (`PIP = pip3`, `:=`, `?=`),
which expand in recipes (`$(PIP) install .`). Conditionals, includes, pattern rules and
functions are not read: a line that uses them keeps its text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hardenfix import regexes

_ASSIGNMENT = regexes.lazy(r"^(?:override\s+|export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(?::{1,3}|\?|\+|!)?=\s*(.*)$")
_RULE = regexes.lazy(r"^([^:=#\t][^:=#]*?)\s*::?(?!=)\s*(.*)$")
_REFERENCE = regexes.lazy(r"\$(?:\(([A-Za-z_][A-Za-z0-9_.-]*)\)|\{([A-Za-z_][A-Za-z0-9_.-]*)\})")
_RECIPE_PREFIXES = "@-+"
_EXPANSIONS = 10
"""How deep variables that name variables are expanded: enough for any real Makefile,
and a bound for one that names itself."""


class _Makefile:
    def __init__(self, text: str) -> None:
        self.recipes: dict[str, list[str]] = {}
        self.prerequisites: dict[str, list[str]] = {}
        self.variables: dict[str, str] = {}
        self.default_goal: str | None = None
        current: list[str] = []
        for line in _logical_lines(text):
            if line.startswith("\t"):
                for target in current:
                    self.recipes.setdefault(target, []).append(line[1:].lstrip(_RECIPE_PREFIXES + " \t"))
                continue
            stripped = line.split("#", 1)[0].rstrip()
            if not stripped.strip():
                continue
            assignment = _ASSIGNMENT.match(stripped)
            if assignment is not None:
                self.variables.setdefault(assignment.group(1), assignment.group(2).strip())
                current = []
                continue
            rule = _RULE.match(stripped)
            if rule is None:
                current = []
                continue
            targets = rule.group(1).split()
            prerequisites, _, inline = rule.group(2).partition(";")
            if "=" in prerequisites:
                continue  # a target's own variable (`test: PYTEST_ARGS = -x`), no rule
            current = [target for target in targets if "%" not in target and "$" not in target]
            for target in current:
                self.prerequisites.setdefault(target, []).extend(
                    word for word in prerequisites.replace("|", " ").split() if "$" not in word
                )
                if inline.strip():
                    self.recipes.setdefault(target, []).append(inline.strip().lstrip(_RECIPE_PREFIXES + " \t"))
            if self.default_goal is None:
                self.default_goal = next((target for target in current if not target.startswith(".")), None)

    def expand(self, line: str) -> str:
        for _ in range(_EXPANSIONS):
            expanded = _REFERENCE.sub(self._value, line)
            if expanded == line:
                break
            line = expanded
        return line.replace("$$", "$")

    def _value(self, reference: re.Match[str]) -> str:
        value = self.variables.get(reference.group(1) or reference.group(2))
        return reference.group(0) if value is None else value


def recipe_lines(text: str, targets: Iterable[str]) -> list[str]:
    """The command lines `make` runs for `targets` (the first rule's target when none is
    given), each target's prerequisites' first, each target once; variables the file
    assigns expanded."""
    makefile = _Makefile(text)
    goals = list(targets) or ([makefile.default_goal] if makefile.default_goal else [])
    lines: list[str] = []
    made: set[str] = set()
    pending = [(goal, False) for goal in reversed(goals)]
    while pending:
        target, prerequisites_made = pending.pop()
        if prerequisites_made:
            lines += (makefile.expand(line) for line in makefile.recipes.get(target, ()))
            continue
        if target in made:
            continue
        made.add(target)
        pending.append((target, True))
        pending += ((prerequisite, False) for prerequisite in reversed(makefile.prerequisites.get(target, ())))
    return lines


def _logical_lines(text: str) -> list[str]:
    """The file's lines, each `\\`-ended line joined to the next."""
    lines: list[str] = []
    pending = ""
    for line in text.splitlines():
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        lines.append(pending + line)
        pending = ""
    if pending:
        lines.append(pending)
    return lines
