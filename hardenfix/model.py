"""The vocabulary shared by every stage of the pipeline.

Offsets are character offsets into a file's text with any UTF-8 byte-order mark
removed (the engine strips it before parsing and puts it back when writing).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path


class FileKind(enum.StrEnum):
    COMPOSE = "compose"
    DOCKERFILE = "dockerfile"
    PYTHON = "python"


class Applicability(enum.StrEnum):
    """How much a fix can be trusted to preserve behaviour.

    `safe` fixes are applied by `apply`; `unsafe` ones only with `--unsafe-fixes`.
    """

    SAFE = "safe"
    UNSAFE = "unsafe"


class Category(enum.StrEnum):
    RELIABILITY = "reliability"
    SECURITY = "security"
    SUPPLY_CHAIN = "supply-chain"
    CORRECTNESS = "correctness"


@dataclass(frozen=True, slots=True, order=True)
class Edit:
    """Replace `text[start:end]` with `content` (an insertion when start == end)."""

    start: int
    end: int
    content: str

    @classmethod
    def insert(cls, at: int, content: str) -> Edit:
        return cls(at, at, content)

    @classmethod
    def replace(cls, start: int, end: int, content: str) -> Edit:
        return cls(start, end, content)

    @classmethod
    def delete(cls, start: int, end: int) -> Edit:
        return cls(start, end, "")


@dataclass(frozen=True, slots=True)
class Fix:
    """Edits that must be applied together, or not at all."""

    title: str
    edits: tuple[Edit, ...]
    applicability: Applicability = Applicability.SAFE

    def __post_init__(self) -> None:
        if not self.edits:
            raise ValueError("a fix needs at least one edit")
        object.__setattr__(self, "edits", tuple(sorted(self.edits)))

    @property
    def start(self) -> int:
        return self.edits[0].start

    @property
    def end(self) -> int:
        return max(edit.end for edit in self.edits)

    def is_applicable(self, unsafe_fixes: bool) -> bool:
        return self.applicability is Applicability.SAFE or unsafe_fixes


@dataclass(frozen=True, slots=True)
class Position:
    """1-based line and column of an offset."""

    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    slug: str
    path: str
    start: Position
    end: Position
    message: str
    fix: Fix | None = None
    # Offsets into the text the finding was made on: the engine needs them to
    # apply fixes; reports use the 1-based positions above.
    offset: int = field(default=0, compare=False)

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    def to_cache(self) -> list[object]:
        """The finding as JSON data, without its path (see `from_cache`)."""
        fix = self.fix
        edits = [] if fix is None else [[edit.start, edit.end, edit.content] for edit in fix.edits]
        return [
            self.code, self.slug, self.start.line, self.start.column, self.end.line, self.end.column,
            self.message, self.offset,
            None if fix is None else [fix.title, str(fix.applicability), edits],
        ]  # fmt: skip

    @classmethod
    def from_cache(cls, data: list[object], path: str) -> Finding:
        code, slug, line, column, end_line, end_column, message, offset, fix = data
        return cls(
            code, slug, path, Position(line, column), Position(end_line, end_column), message,
            None if fix is None else Fix(fix[0], tuple(Edit(*edit) for edit in fix[2]), Applicability(fix[1])),
            offset,
        )  # fmt: skip

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "slug": self.slug,
            "path": self.path,
            "line": self.start.line,
            "column": self.start.column,
            "end_line": self.end.line,
            "end_column": self.end.column,
            "message": self.message,
            "fix": None
            if self.fix is None
            else {"applicability": str(self.fix.applicability), "title": self.fix.title},
        }


class Outcome(enum.StrEnum):
    """What happened to one file, after libcst's codemod transform results."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(slots=True)
class FileResult:
    path: Path
    display_path: str
    outcome: Outcome
    kind: FileKind | None = None
    findings: list[Finding] = field(default_factory=list)
    """Findings on the original text (`check`), or left after fixing (`apply`)."""
    fixed: list[Finding] = field(default_factory=list)
    """Findings whose fixes were applied, in the order they were applied."""
    original: bytes | None = None
    """The file as read, when a report needs it: the file has findings or was fixed."""
    fixed_bytes: bytes | None = None
    """The file after fixing, when that differs from `original`."""
    error: str | None = None
    """Why the file failed or was skipped: a short reason, without the path."""
    notes: list[str] = field(default_factory=list)
    """Problems that did not stop the file, e.g. a fix dropped for invalid output."""
    failing: int = 0
    """How many of `findings` make `check` fail (the configuration's `fail-on`)."""
    cache_entry: tuple[str, list[list[object]], list[list[object]]] | None = None
    """(key, findings, dependencies) for the cache to remember: set when the findings on
    the file as it is on disk are known (see `hardenfix.cache`)."""

    @property
    def changed(self) -> bool:
        return self.fixed_bytes is not None and self.fixed_bytes != self.original
