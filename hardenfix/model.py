"""The vocabulary shared by every stage of the pipeline.

Offsets are character offsets into a file's text with any UTF-8 byte-order mark
removed (the engine strips it before parsing and puts it back when writing).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NamedTuple


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


class ValueChange(enum.StrEnum):
    """What a rule's fixes may do to the values under the paths it declares, once Compose has
    interpolated them with every variable set (see `hardenfix.validate`)."""

    ANY = "any"
    HOST_CASE = "host-case"
    """Equal but for the letter case of host names: the hosts of URLs, and values that are
    host names (`hostname`, network aliases, `extra_hosts`)."""
    CURL_FAIL_FLAGS = "curl-fail-flags"
    """Equal but for curl's `-f`/`--fail` words (a healthcheck's `test`)."""
    NONE = "none"
    """Identical: the fix changes how a value is written, never what it resolves to."""


class Category(enum.StrEnum):
    RELIABILITY = "reliability"
    SECURITY = "security"
    SUPPLY_CHAIN = "supply-chain"
    CORRECTNESS = "correctness"


class Edit(NamedTuple):
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


class Fix:
    """Edits that must be applied together, or not at all.

    A rule may give a function that makes the edits instead (`Fix.deferred`): a libcst
    rewrite costs more than finding the problem, and `check` only reports that a fix
    exists. The edits are made the first time they are asked for. A fix whose edits
    were never made leaves its process without them (`settle`, pickling), and the
    cache remembers it that way.
    """

    __slots__ = ("_edits", "_make_edits", "applicability", "title")

    def __init__(self, title: str, edits: Iterable[Edit], applicability: Applicability = Applicability.SAFE) -> None:
        self.title = title
        self.applicability = applicability
        self._edits: tuple[Edit, ...] | None = _fix_edits(edits)
        self._make_edits: Callable[[], Iterable[Edit]] | None = None

    @classmethod
    def deferred(
        cls, title: str, make_edits: Callable[[], Iterable[Edit]], applicability: Applicability = Applicability.SAFE
    ) -> Fix:
        fix = cls.without_edits(title, applicability)
        fix._make_edits = make_edits
        return fix

    @classmethod
    def without_edits(cls, title: str, applicability: Applicability) -> Fix:
        """A fix known to exist, whose edits were not made (a cached `check`)."""
        fix = cls.__new__(cls)
        fix.title, fix.applicability, fix._edits, fix._make_edits = title, applicability, None, None
        return fix

    @property
    def edits(self) -> tuple[Edit, ...]:
        if self._edits is None:
            if self._make_edits is None:
                raise LookupError(f"the edits of {self.title!r} were not made where its file was read")
            self._edits = _fix_edits(self._make_edits())
            self._make_edits = None
        return self._edits

    @property
    def is_made(self) -> bool:
        """Whether the edits were made."""
        return self._edits is not None

    @property
    def has_edits(self) -> bool:
        """Whether the edits are at hand (made, or can be)."""
        return self._edits is not None or self._make_edits is not None

    def settle(self, make_edits: bool) -> None:
        """Make the edits now, or forget how to: either way the fix holds nothing of the
        document it was found in."""
        if make_edits:
            self.edits  # noqa: B018 - made and kept
        self._make_edits = None

    def __getstate__(self) -> tuple[str, Applicability, tuple[Edit, ...] | None]:
        return self.title, self.applicability, self._edits

    def __setstate__(self, state: tuple[str, Applicability, tuple[Edit, ...] | None]) -> None:
        self.title, self.applicability, self._edits = state
        self._make_edits = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Fix):
            return NotImplemented
        return (self.title, self.applicability, self.edits) == (other.title, other.applicability, other.edits)

    def __hash__(self) -> int:
        return hash((self.title, self.applicability, self.edits))

    def __repr__(self) -> str:
        edits = repr(self._edits) if self._edits is not None else "<not made>"
        return f"Fix(title={self.title!r}, edits={edits}, applicability={self.applicability!r})"

    @property
    def start(self) -> int:
        return self.edits[0].start

    @property
    def end(self) -> int:
        return max(edit.end for edit in self.edits)

    def is_applicable(self, unsafe_fixes: bool) -> bool:
        return self.applicability is Applicability.SAFE or unsafe_fixes


def _fix_edits(edits: Iterable[Edit]) -> tuple[Edit, ...]:
    ordered = tuple(sorted(edits))
    if not ordered:
        raise ValueError("a fix needs at least one edit")
    return ordered


class ComposeBuild(NamedTuple):
    """How the Compose files of a run build a Dockerfile."""

    context: Path
    """The build context a service gives it (`build.context`)."""
    compose_files: tuple[str, ...] = ()
    """The Compose files that build it."""
    entrypoint_bypassed_by: tuple[str, ...] = ()
    """The services that run the image past its `ENTRYPOINT` (their own `entrypoint:`, or one
    they may inherit), as `service `worker` of `compose.yaml` sets its own` (see
    `Job.learn_builds`)."""
    images: tuple[str, ...] = ()
    """The names those Compose files give the image (`image: myapp:dev`)."""
    services: tuple[str, ...] = ()
    """Their services that build it or run it by its name."""
    included_files: tuple[str, ...] = ()
    """The files those Compose files include (`include:`)."""
    timeout_inherited_by: tuple[str, ...] = ()
    """The services whose own healthcheck sets no `timeout`, and takes the image's."""
    other_contexts: tuple[str, ...] = ()
    """Other build contexts services give it: what its `COPY` instructions take differs
    from one to the next, and `context` is only one of them."""


def may_name_one_image(name: str | None, other: str) -> bool:
    """Whether two `image:` names may name the same image once Compose interpolates them:
    one it interpolates may be any (`${APP_IMAGE:-myapp:dev}` is myapp:dev by default)."""
    return name is not None and (name == other or "$" in name or "$" in other)


class MergedByInclude(NamedTuple):
    """Files another Compose file of the run merges over a Compose file it includes:
    `include: [{path: [../commons/compose.yaml, ./commons-override.yaml]}]` of
    `app/compose.yaml` merges `app/commons-override.yaml` over `commons/compose.yaml`."""

    including_file: str
    """The Compose file whose `include:` says so, as an absolute path."""
    overrides: tuple[str, ...]
    """The files it lists after the included one, in order, as absolute paths."""


class Position(NamedTuple):
    """1-based line and column of an offset."""

    line: int
    column: int


class Finding:
    """What a rule found at a place in a file, and how to fix it; never changed once made."""

    __slots__ = ("code", "end", "facts", "fix", "message", "offset", "path", "slug", "start")

    code: str
    slug: str
    path: str
    start: Position
    end: Position
    message: str
    fix: Fix | None
    offset: int
    """An offset into the text the finding was made on: the engine needs it to apply fixes;
    reports use the 1-based positions. Not part of the finding's identity."""
    facts: tuple[tuple[str, str], ...]
    """The facts the finding and its fix rest on, by name, each with where it was read:
    what a reviewer checks (`("port", "8000 (services/api/Dockerfile:7: CMD [...])")`).
    Not part of the finding's identity."""

    def __init__(
        self,
        code: str,
        slug: str,
        path: str,
        start: Position,
        end: Position,
        message: str,
        fix: Fix | None = None,
        offset: int = 0,
        facts: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.code = code
        self.slug = slug
        self.path = path
        self.start = start
        self.end = end
        self.message = message
        self.fix = fix
        self.offset = offset
        self.facts = facts

    def _identity(self) -> tuple[object, ...]:
        return (self.code, self.slug, self.path, self.start, self.end, self.message, self.fix)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Finding:
            return NotImplemented
        return self._identity() == other._identity()  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(self._identity())

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in Finding.__annotations__)
        return f"Finding({fields})"

    def replace(self, **changes: Any) -> Finding:
        """A copy with some fields changed."""
        return Finding(**({name: getattr(self, name) for name in Finding.__annotations__} | changes))

    @property
    def fixable(self) -> bool:
        return self.fix is not None

    @property
    def headline(self) -> str:
        """The message's first clause: what is wrong, for a line of terminal output."""
        return split_message(self.message)[0]

    @property
    def detail(self) -> str:
        """The rest of the message: why it matters, and why the fix is safe, unsafe or missing."""
        return split_message(self.message)[1]

    def to_cache(self) -> list[object]:
        """The finding as JSON data, without its path (see `from_cache`); the fix comes last."""
        fix = self.fix
        edits = None
        if fix is not None and fix.has_edits:
            edits = [[edit.start, edit.end, edit.content] for edit in fix.edits]
        return [
            self.code, self.slug, self.start.line, self.start.column, self.end.line, self.end.column,
            self.message, self.offset, [list(fact) for fact in self.facts],
            None if fix is None else [fix.title, str(fix.applicability), edits],
        ]  # fmt: skip

    @staticmethod
    def is_cached_form(data: Any) -> bool:
        """Whether `data` has the shape and types `to_cache` gives (a cache file sits in the
        project, where anything can edit it)."""
        if not (isinstance(data, list) and len(data) == 10):
            return False
        code, slug, line, column, end_line, end_column, message, offset, facts, fix = data
        return (
            all(value.__class__ is str for value in (code, slug, message))
            and all(value.__class__ is int for value in (line, column, end_line, end_column, offset))
            and isinstance(facts, list)
            and all(is_strings(fact, 2) for fact in facts)
            and (fix is None or _cached_fix_form(fix))
        )

    @classmethod
    def from_cache(cls, data: list[object], path: str) -> Finding:
        code, slug, line, column, end_line, end_column, message, offset, facts, fix = data
        return cls(
            code, slug, path, Position(line, column), Position(end_line, end_column), message,
            None if fix is None else _cached_fix(*fix),
            offset, tuple((name, value) for name, value in facts),
        )  # fmt: skip

    def as_dict(self) -> dict[str, object]:
        """The finding for `--format json`: `facts` is there when the finding rests on facts."""
        shown: dict[str, object] = {
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
        if self.facts:
            shown["facts"] = dict(self.facts)
        return shown


_CLAUSE_ENDS = (": ", "; ", " (")


def split_message(message: str) -> tuple[str, str]:
    """A finding's message as its first clause and the rest.

    Messages say what is wrong first, then, after `: `, `; ` or ` (`, why it matters and
    what the fix does. The first of these outside a `code span` ends the first clause; a
    rest wholly in parentheses loses them.
    """
    in_code = False
    for index, char in enumerate(message):
        if char == "`":
            in_code = not in_code
        elif not in_code and message.startswith(_CLAUSE_ENDS, index):
            rest = message[index + 2 :] if message[index] != " " else message[index + 1 :]
            if message[index] == " " and rest.endswith(")"):
                rest = rest[1:-1]
            return message[:index], rest
    return message, ""


def is_strings(items: Any, length: int | None = None) -> bool:
    """Whether `items` is a list of strings (of `length` of them), as a cache file holds."""
    return (
        isinstance(items, list)
        and (length is None or len(items) == length)
        and all(item.__class__ is str for item in items)
    )


def _cached_fix_form(fix: Any) -> bool:
    """Whether `fix` is a fix as `Finding.to_cache` writes it: title, applicability, edits."""
    if not (isinstance(fix, list) and len(fix) == 3):
        return False
    title, applicability, edits = fix
    return title.__class__ is str and applicability in _APPLICABILITIES and (edits is None or _cached_edits(edits))


def _cached_edits(edits: Any) -> bool:
    """Whether `edits` are edits as `Finding.to_cache` writes them: start, end, content; a
    fix has one at least."""
    return (
        isinstance(edits, list)
        and bool(edits)
        and all(
            isinstance(edit, list)
            and len(edit) == 3
            and edit[0].__class__ is int
            and edit[1].__class__ is int
            and edit[2].__class__ is str
            for edit in edits
        )
    )


_APPLICABILITIES = frozenset(applicability.value for applicability in Applicability)


def _cached_fix(title: str, applicability: str, edits: list[list[Any]] | None) -> Fix:
    if edits is None:
        return Fix.without_edits(title, Applicability(applicability))
    return Fix(title, [Edit(*edit) for edit in edits], Applicability(applicability))


class Outcome(enum.StrEnum):
    """What happened to one file, after libcst's codemod transform results."""

    UNCHANGED = "unchanged"
    CHANGED = "changed"
    SKIPPED = "skipped"
    INVALID = "invalid"
    """Could not be read or parsed: its one finding (HF002, HF003) says why; not an error
    of the run."""
    FAILED = "failed"
    """A write failed or hardenfix crashed: an error of the run."""


Status = list[int]
"""[mtime in ns, size, inode] of a file."""


def status_of(status: os.stat_result) -> Status:
    return [status.st_mtime_ns, status.st_size, status.st_ino]


class Record(NamedTuple):
    """What a worker learnt about one file, for the cache to remember (see `hardenfix.cache`)."""

    key: str
    findings: list[list[object]]
    dependencies: list[list[object]]
    path: str
    """Absolute."""
    status: Status
    digest: str
    error: str | None = None
    """Why the file does not parse, which depends on its bytes alone."""


class FileResult:
    """What the run did to one file."""

    __slots__ = (
        "_path",
        "build_contexts",
        "cache_entry",
        "display_path",
        "error",
        "facts_read",
        "failing",
        "findings",
        "fixed",
        "fixed_bytes",
        "kind",
        "notes",
        "original",
        "outcome",
        "written",
    )

    display_path: str
    outcome: Outcome
    kind: FileKind | None
    findings: list[Finding]
    """Findings on the original text (`check`), or left after fixing (`apply`)."""
    fixed: list[Finding]
    """Findings whose fixes were applied, in the order they were applied."""
    original: bytes | None
    """The file as read, when a report needs it: the file has findings or was fixed."""
    fixed_bytes: bytes | None
    """The file after fixing, when that differs from `original`."""
    written: bool
    """Whether `fixed_bytes` were written: the findings' positions are in them."""
    error: str | None
    """Why the file failed or was skipped: a short reason, without the path."""
    notes: list[str]
    """Problems that did not stop the file, e.g. a fix dropped for invalid output."""
    failing: int
    """How many of `findings` make `check` fail (the configuration's `fail-on`)."""
    cache_entry: Record | None
    """For the cache to remember: set when the findings on the file as it is on disk are
    known (see `hardenfix.cache`)."""
    build_contexts: dict[str, Any] | None
    """For a Compose file when the run asks: what it says of the Dockerfiles its services
    build and of the entrypoints its services set (see `runner._contexts_of`)."""
    facts_read: dict[str, list[Any]] | None
    """For the cache to remember: facts read from many files while the file was processed,
    a build context's code (see `hardenfix.remembered`)."""

    def __init__(
        self,
        path: Path | str,
        display_path: str,
        outcome: Outcome,
        kind: FileKind | None = None,
        findings: list[Finding] | None = None,
        fixed: list[Finding] | None = None,
        original: bytes | None = None,
        fixed_bytes: bytes | None = None,
        written: bool = False,
        error: str | None = None,
        notes: list[str] | None = None,
        failing: int = 0,
        cache_entry: Record | None = None,
        build_contexts: dict[str, Any] | None = None,
        facts_read: dict[str, list[Any]] | None = None,
    ) -> None:
        self._path = path
        self.display_path = display_path
        self.outcome = outcome
        self.kind = kind
        self.findings = [] if findings is None else findings
        self.fixed = [] if fixed is None else fixed
        self.original = original
        self.fixed_bytes = fixed_bytes
        self.written = written
        self.error = error
        self.notes = [] if notes is None else notes
        self.failing = failing
        self.cache_entry = cache_entry
        self.build_contexts = build_contexts
        self.facts_read = facts_read

    @property
    def path(self) -> Path:
        """The file, absolute and normal. Given as a string, it is made a `Path` when first
        asked for: a warm run answers most files of a tree from the cache, and asks for none
        of their paths (making them took 80 ms of the synthetic tree's warm check)."""
        if self._path.__class__ is str:
            self._path = Path(self._path)
        return self._path  # type: ignore[return-value]

    @property
    def changed(self) -> bool:
        return self.fixed_bytes is not None and self.fixed_bytes != self.original
