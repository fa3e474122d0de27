"""What a rule is: identity, documentation, options, a cheap prefilter and `check`.

A rule lives in one module under `hardenfix/rules/<kind>/`, named after its code
and slug. Its class docstring is its documentation, in Markdown, with the
sections listed in `DOC_SECTIONS`; `hardenfix explain` prints it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from hardenfix.model import Applicability, Category, Edit, FileKind, Finding, Fix, Position, ValueChange
from hardenfix.sources.text import SourceText

if TYPE_CHECKING:
    from hardenfix.knowledge import KnowledgeBase

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")


class RuleOptions:
    """A rule's options: each is an annotated class attribute whose value is its default
    (every option has one), read from `[rules.CODE]` by `config.rule_options`. Equal, and
    shown, by their values, which `repr` gives in a cache key: `Options(name='value', ...)`."""

    def __init__(self, **values: Any) -> None:
        for name, value in values.items():
            if name not in self.names():
                raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword argument {name!r}")
            setattr(self, name, value)
        self.validate()

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The options' names, in the order they are written."""
        return tuple(cls.__annotations__)

    def validate(self) -> None:
        """Raise ValueError, saying why, when the values cannot be used."""

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.names())

    def __repr__(self) -> str:
        values = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.names())
        return f"{type(self).__qualname__}({values})"

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())


class NoOptions(RuleOptions):
    """A rule without options."""


class FixSafety:
    """How a rule's fixes are classified, for the catalogue."""

    SAFE = "safe"
    UNSAFE = "unsafe"
    SOMETIMES = "safe or unsafe, per occurrence"
    NONE = "no fix"


class Rule:
    code: ClassVar[str]
    slug: ClassVar[str]
    kind: ClassVar[FileKind | None]
    """The file kind the rule checks; None for the engine's own rules (HF0xx), which
    apply to every kind."""
    category: ClassVar[Category]
    summary: ClassVar[str]
    fix_safety: ClassVar[str] = FixSafety.NONE
    Options: ClassVar[type[RuleOptions]] = NoOptions
    prefilter: ClassVar[re.Pattern[bytes] | bytes | None] = None
    """What every file with a finding holds: a byte-level regex, or a literal (`bytes.find`
    scans for one twice as fast as the regex engine). Files without it are never parsed
    for this rule (see `might_apply`)."""
    changes: ClassVar[tuple[str, ...]] = ()
    """What this rule's fixes may change, checked after fixing (see `hardenfix.validate`):
    for Compose, paths into the loaded data (`services.*.healthcheck`; `*` is one key,
    `**` any number); for Dockerfiles, instruction keywords. Python fixes only have to
    leave a file that compiles."""
    value_change: ClassVar[ValueChange] = ValueChange.ANY
    """For Compose: what the fixes may do to the values under `changes` once every variable
    is set and interpolated, as Docker Compose resolves the file."""
    keeps_image_digest: ClassVar[bool] = False
    """For Compose: a safe fix of this rule changes a service's `image` only to another tag
    of the same digest. The guard checks it against the registry answers the rule holds
    (see `hardenfix.validate.check_model_change`); a safe fix of any other rule may not
    change an image at all."""

    def __init__(
        self, options: Any = None, knowledge: KnowledgeBase | Callable[[], KnowledgeBase] | None = None
    ) -> None:
        self.options = options if options is not None else self.Options()
        self._knowledge = knowledge

    @property
    def knowledge(self) -> KnowledgeBase:
        """What hardenfix knows of images (pins, tools, probes), with the project's additions:
        given, or made by what was given, or the built-in one, when the rule first asks. The
        Python rules never do, and a run of Python files alone never loads it."""
        if self._knowledge is None:
            from hardenfix.knowledge import builtin

            self._knowledge = builtin()
        elif callable(self._knowledge):
            self._knowledge = self._knowledge()
        return self._knowledge

    @classmethod
    def might_apply(cls, data: bytes) -> bool:
        """Whether a file with these bytes could have a finding, told without parsing it:
        false only when it certainly has none. A rule whose `prefilter` lets through many
        files without findings tightens this test, at no cost to the files it rejects."""
        prefilter = cls.prefilter
        if prefilter is None:
            return True
        return prefilter in data if isinstance(prefilter, bytes) else prefilter.search(data) is not None

    @classmethod
    def applies_to(cls, location: Path) -> bool:
        """Whether a file at `location` could have a finding, told from its path alone: false
        when the place rules every finding out (a test file, for a rule about what production
        code hides), so that the file is not even parsed for this rule."""
        return True

    @classmethod
    def can_fix(cls) -> bool:
        return cls.fix_safety != FixSafety.NONE

    @classmethod
    def documentation(cls) -> str:
        import inspect  # for `explain` and the catalogue; a check never reads the documentation

        return inspect.cleandoc(cls.__doc__ or "")

    def check(self, document: Any) -> Iterator[Finding]:
        raise NotImplementedError

    def read_ahead(self, document: Any) -> bool:
        """Start reading what `check` will ask of `document`, where another process may share
        the reading (`facts.ahead`); True when it did, and the engine then checks the other
        rules first, while the reading goes on. None is started by default."""
        return False

    def finding(
        self,
        document: SourceText,
        start: int,
        end: int,
        message: str,
        fix: Fix | None = None,
        facts: Mapping[str, str] | None = None,
        doubts: Iterable[str | None] = (),
    ) -> Finding:
        """A finding of this rule from `start` to `end` of `document`. `doubts` say how `fix`
        may change what a working deployment does (None or empty: no doubt): with any, the fix is
        unsafe, applied only with `--unsafe-fixes`, and the message ends with them,
        `(unsafe fix: ...)`."""
        said = list(dict.fromkeys(doubt for doubt in doubts if doubt))
        if said and fix is not None:
            message += f" (unsafe fix: {'; '.join(said)})"
            fix.applicability = Applicability.UNSAFE
        return Finding(
            code=self.code,
            slug=self.slug,
            path="",
            start=document.position(start),
            end=document.position(end),
            message=message,
            fix=fix,
            offset=start,
            facts=tuple((facts or {}).items()),
        )

    @classmethod
    def file_finding(cls, path: str, message: str, at: Position | None = None) -> Finding:
        """A finding on a file no rule could look into (HF002, HF003): at the place the
        problem was found, else the file's start."""
        at = at or Position(1, 1)
        return Finding(code=cls.code, slug=cls.slug, path=path, start=at, end=at, message=message)

    @staticmethod
    def fix(title: str, *edits: Any, applicability: Applicability = Applicability.SAFE) -> Fix:
        return Fix(title, edits, applicability)

    @staticmethod
    def deferred_fix(
        title: str, make_edits: Callable[[], Iterable[Edit]], applicability: Applicability = Applicability.SAFE
    ) -> Fix:
        """A fix whose edits are made only when applied or reported (see `Fix`):
        `make_edits` must not depend on anything that changes after `check` returns."""
        return Fix.deferred(title, make_edits, applicability)
