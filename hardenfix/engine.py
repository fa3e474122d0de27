"""One file's text through the pipeline: parse, rules, suppressions, edits, fixpoint.

The engine knows nothing of paths on disk or output formats: it turns a text into
findings, or into a fixed text plus the findings it fixed and those it left.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

from hardenfix.facts import ahead
from hardenfix.files import UTF_8
from hardenfix.model import Applicability, ComposeBuild, Edit, FileKind, Finding, Fix, MergedByInclude
from hardenfix.registry import rules_of_kind
from hardenfix.rule import Rule
from hardenfix.rules.meta.hf001_unused_suppression import UnusedSuppression
from hardenfix.sources import PARSED_WITHOUT_PREFILTER_MATCH, ParseError, parser_for
from hardenfix.sources.text import SourceText
from hardenfix.suppress import SUPPRESSION_MARKER, Suppressions

MAX_PASSES = 10


class FixError(Exception):
    """Fixing could not finish; nothing is written. The message is one line, without the path."""


class FixOutcome:
    """What checking or fixing one file's text came to."""

    __slots__ = ("dependencies", "document", "dropped", "fixed", "remaining", "text")

    text: str
    fixed: list[Finding]
    remaining: list[Finding]
    dropped: list[str]
    """Fixes left out because their output did not parse: a bug in a rule."""
    dependencies: frozenset[str]
    """Other files and folders the findings on the original text depend on."""
    document: Any
    """The original text as parsed, for what else a caller wants to know of it."""

    def __init__(
        self,
        text: str,
        fixed: list[Finding],
        remaining: list[Finding],
        dropped: list[str] | None = None,
        dependencies: frozenset[str] = frozenset(),
        document: Any = None,
    ) -> None:
        self.text = text
        self.fixed = fixed
        self.remaining = remaining
        self.dropped = [] if dropped is None else dropped
        self.dependencies = dependencies
        self.document = document


class Engine:
    def __init__(
        self,
        rules: Sequence[Rule],
        unsafe_fixes: bool = False,
        fingerprint: str = "",
        compose_model_check: bool = False,
    ) -> None:
        self.unsafe_fixes = unsafe_fixes
        self.compose_model_check = compose_model_check
        """Also run Docker Compose's own model check on fixed Compose files (`--validate`)."""
        self.fingerprint = fingerprint
        """Identifies what this engine reports: files cached as clean are clean for it."""
        self._rules: dict[FileKind, list[Rule]] = {}
        self._by_code = {rule.code: rule for rule in rules}
        for rule in rules:
            if rule.kind is not None:
                self._rules.setdefault(rule.kind, []).append(rule)
        self._reports_unused_suppressions = UnusedSuppression.code in self._by_code

    def kinds(self) -> set[FileKind]:
        return set(self._rules)

    def needs_parse(self, kind: FileKind, data: bytes, location: Path) -> bool:
        """Whether the file at `location` could have findings: a selected rule applies there and
        its prefilter matches, the file holds a suppression that may be unused, or its kind is
        always parsed."""
        return (
            kind in PARSED_WITHOUT_PREFILTER_MATCH
            or any(rule.might_apply(data) and rule.applies_to(location) for rule in self._rules.get(kind, ()))
            or (self._reports_unused_suppressions and SUPPRESSION_MARKER in data)
        )

    def check(self, kind: FileKind, text: str, path: str, source: SourceFile | None = None) -> FixOutcome:
        """Findings on `text`, nothing fixed; raises ParseError for a text that is not valid.

        `path` is how findings name the file; `source` says where it is on disk, if anywhere.
        """
        document = _parser(kind, source)(text)
        findings = self._run(kind, document, path, source.location if source is not None else None, read_ahead=True)
        return FixOutcome(text, [], findings, dependencies=frozenset(document.dependencies), document=document)

    def fix(
        self, kind: FileKind, text: str, path: str, source: SourceFile | None = None, written: bool = True
    ) -> FixOutcome:
        """Apply fixes until none is left to apply, re-parsing after every pass.

        Each pass applies every applicable fix that does not overlap one already
        taken in that pass; the rest wait for the next pass, on the new text.
        Findings are placed in the text that will be on disk: the fixed text when it is
        `written`, else the original (a dry run).
        """
        parse_original = _parser(kind, source)
        encoding = source.encoding if source is not None else UTF_8
        location = source.location if source is not None else None
        original = document = parse_original(text)

        def parse(fixed_text: str) -> Any:
            fixed = parse_original(fixed_text)
            fixed.follows(original)
            return fixed

        findings = self._run(kind, document, path, location, read_ahead=True)
        passes = _Passes(text)
        fixed: list[Finding] = []
        dropped: list[str] = []
        broken: set[tuple[object, ...]] = set()
        for _ in range(MAX_PASSES):
            candidates = [f for f in findings if self._applicable(f) and _identity(f) not in broken]
            if encoding != UTF_8:  # which holds every character
                candidates = _writable_fixes(candidates, encoding, broken, dropped)
            new_text, applied = apply_fixes(text, candidates)
            if not applied:
                break
            try:
                new_document = parse(new_text)
            except ParseError:
                new_text, applied, new_document = self._apply_valid_fixes(text, candidates, parse, broken, dropped)
                if not applied:
                    break
            fixed.extend(passes.add(new_text, applied))
            text, document = new_text, new_document
            findings = self._run(kind, document, path, location)
        else:
            if any(self._applicable(f) and _identity(f) not in broken for f in findings):
                raise FixError(f"fixes did not settle after {MAX_PASSES} passes; nothing written (please report this)")
        if fixed:
            from hardenfix.validate import GuardError, check_output

            try:
                check_output(kind, original, document, self.applied_rules(fixed), self.compose_model_check)
            except GuardError as error:
                raise FixError(str(error)) from None
        fixed, findings = passes.place(fixed, findings, on_fixed_text=written)
        return FixOutcome(
            text, fixed, findings, dropped, dependencies=frozenset(original.dependencies), document=original
        )

    def applied_rules(self, fixed: Iterable[Finding]) -> dict[Rule, set[Applicability]]:
        """The rules whose fixes these are -> the applicabilities of those fixes."""
        applied: dict[Rule, set[Applicability]] = {}
        for finding in fixed:
            assert finding.fix is not None
            applied.setdefault(self._by_code[finding.code], set()).add(finding.fix.applicability)
        return applied

    def _applicable(self, finding: Finding) -> bool:
        return finding.fix is not None and finding.fix.is_applicable(self.unsafe_fixes)

    @staticmethod
    def _apply_valid_fixes(
        text: str,
        candidates: list[Finding],
        parse: Callable[[str], object],
        broken: set[tuple[object, ...]],
        dropped: list[str],
    ) -> tuple[str, list[Finding], object]:
        """Add fixes one at a time, keeping only those whose output still parses."""
        applied: list[Finding] = []
        document = None
        current = text
        for finding in candidates:
            trial_text, trial = apply_fixes(text, [*applied, finding])
            if len(trial) <= len(applied):
                continue
            try:
                document = parse(trial_text)
            except ParseError as error:
                broken.add(_identity(finding))
                dropped.append(
                    f"{finding.code} fix at line {finding.start.line} dropped: its output would not parse ({error})"
                )
                continue
            applied, current = trial, trial_text
        return current, applied, document

    def _run(
        self, kind: FileKind, document: Any, path: str, location: Path | None, read_ahead: bool = False
    ) -> list[Finding]:
        """The findings of the selected rules whose prefilter matches, less those suppressed
        inline, plus unused suppressions when HF001 is selected. With `read_ahead` (a file's
        first reading; a fix's later passes find what was read), a rule that starts reading
        what it will ask (`Rule.read_ahead`) is checked after the others, which run while
        the reading goes on."""
        selected = self._rules.get(kind, [])
        data = document.text.encode("utf-8", "surrogatepass")
        runnable = [
            rule for rule in selected if rule.might_apply(data) and (location is None or rule.applies_to(location))
        ]
        parts = document.documents
        findings: list[Finding] = []
        try:
            with ahead.finished():
                reading = [rule for rule in runnable if read_ahead and len(parts) == 1 and rule.read_ahead(parts[0])]
                for rule in (*(rule for rule in runnable if rule not in reading), *reading):
                    for part in parts:
                        findings.extend(rule.check(part))
        except RecursionError:
            raise ParseError("nesting is too deep to process") from None
        suppressions = Suppressions.parse(document.text, kind, document.suppression_scope_end)
        if suppressions:
            findings = [finding for finding in findings if not suppressions.covers(finding)]
            if self._reports_unused_suppressions:
                # A rule whose prefilter did not match ran too: it proved there was nothing to find.
                findings.extend(suppressions.unused_findings(selected, rules_of_kind(kind)))
        findings.sort(key=lambda f: (f.offset, f.code))
        return [finding.replace(path=path) for finding in findings]


class _Passes:
    """The texts and edits of a fixpoint's passes, to place a finding made on one pass's
    text in the original text or in the fixed one.

    A span's end in text an edit replaced goes to the end of what replaced it, its start
    to the start. A fix has its edits placed only when none falls in such text; else it
    has no counterpart there, and is reported without its edits (as one whose edits
    were never made).
    """

    def __init__(self, original: str) -> None:
        self.texts = [original]
        self.edits: list[list[Edit]] = []
        self._pass_of: dict[int, int] = {}
        self._sources: dict[int, SourceText] = {}

    def _source(self, index: int) -> SourceText:
        if index not in self._sources:
            self._sources[index] = SourceText(self.texts[index])
        return self._sources[index]

    def add(self, new_text: str, applied: list[Finding]) -> list[Finding]:
        """Record a pass that made `new_text` by applying the fixes of `applied`."""
        for finding in applied:
            self._pass_of[id(finding)] = len(self.edits)
        self.edits.append(sorted({edit for finding in applied for edit in finding.fix.edits}))
        self.texts.append(new_text)
        return applied

    def place(
        self, fixed: list[Finding], remaining: list[Finding], on_fixed_text: bool
    ) -> tuple[list[Finding], list[Finding]]:
        last = len(self.edits)
        target = last if on_fixed_text else 0
        return (
            [self._moved(finding, self._pass_of[id(finding)], target) for finding in fixed],
            [self._moved(finding, last, target) for finding in remaining],
        )

    def _moved(self, finding: Finding, found_on: int, target: int) -> Finding:
        if found_on == target:
            return finding
        end = self._source(found_on).offset_of(finding.end)
        start = self._offset(finding.offset, found_on, target, is_end=False)
        end = max(start, self._offset(end, found_on, target, is_end=True))
        destination = self._source(target)
        return finding.replace(
            start=destination.position(start),
            end=destination.position(end),
            offset=start,
            fix=finding.fix and self._moved_fix(finding.fix, found_on, target),
        )

    def _moved_fix(self, fix: Fix, found_on: int, target: int) -> Fix:
        if fix.is_made:
            edits = []
            for edit in fix.edits:
                start = self._offset(edit.start, found_on, target, is_end=False, exact=True)
                end = self._offset(edit.end, found_on, target, is_end=True, exact=True)
                if start is None or end is None:
                    break
                edits.append(Edit(start, end, edit.content))
            else:
                return Fix(fix.title, edits, fix.applicability)
        return Fix.without_edits(fix.title, fix.applicability)

    def _offset(self, offset: int, found_on: int, target: int, is_end: bool, exact: bool = False) -> int | None:
        """`offset` in the text of pass `found_on`, in the text of pass `target`; with
        `exact`, None when the text there was replaced."""
        steps = range(found_on, target) if target > found_on else reversed(range(target, found_on))
        move = _forward if target > found_on else _backward
        for index in steps:
            moved = move(offset, self.edits[index], is_end, exact)
            if moved is None:
                return None
            offset = moved
        return offset


def _forward(offset: int, edits: list[Edit], is_end: bool, exact: bool) -> int | None:
    """An offset in the text before `edits`, in the text after them."""
    delta = 0
    for edit in edits:
        if offset <= edit.start:
            break
        if offset < edit.end:
            return None if exact else edit.start + delta + (len(edit.content) if is_end else 0)
        delta += len(edit.content) - (edit.end - edit.start)
    return offset + delta


def _backward(offset: int, edits: list[Edit], is_end: bool, exact: bool) -> int | None:
    """An offset in the text after `edits`, in the text before them."""
    delta = 0
    for edit in edits:
        new_start = edit.start + delta
        if offset <= new_start:
            break
        if offset < new_start + len(edit.content):
            return None if exact else (edit.end if is_end else edit.start)
        delta += len(edit.content) - (edit.end - edit.start)
    return offset - delta


class SourceFile(NamedTuple):
    """Where a text lives on disk, for rules that read neighbouring files."""

    location: Path
    build: ComposeBuild | None = None
    """For a Dockerfile: how the Compose files of the run build it, when one does."""
    encoding: str = UTF_8
    """What the file is written in: a fix whose text it cannot hold is dropped."""
    merged_by_include: tuple[MergedByInclude, ...] = ()
    """For a Compose file: what the `include:`s of the run's other Compose files merge over it."""


def _parser(kind: FileKind, source: SourceFile | None) -> Callable[[str], Any]:
    parse = parser_for(kind)
    if source is None:
        return functools.partial(parse, location=None)
    if source.build is not None:
        return functools.partial(
            parse, location=source.location, build_context=source.build.context, compose=source.build
        )
    if source.merged_by_include:
        return functools.partial(parse, location=source.location, merged_by_include=source.merged_by_include)
    return functools.partial(parse, location=source.location)


def _writable_fixes(
    candidates: list[Finding], encoding: str, broken: set[tuple[object, ...]], dropped: list[str]
) -> list[Finding]:
    """The fixes whose text a file in `encoding` can hold; the others are noted and dropped."""
    writable = []
    for finding in candidates:
        assert finding.fix is not None
        try:
            for edit in finding.fix.edits:
                edit.content.encode(encoding)
        except UnicodeEncodeError:
            broken.add(_identity(finding))
            dropped.append(
                f"{finding.code} fix at line {finding.start.line} dropped:"
                f" its text cannot be written in the file's encoding ({encoding})"
            )
            continue
        writable.append(finding)
    return writable


def _identity(finding: Finding) -> tuple[object, ...]:
    assert finding.fix is not None
    return (finding.code, finding.offset, finding.fix.edits)


def apply_fixes(text: str, findings: Iterable[Finding]) -> tuple[str, list[Finding]]:
    """Apply the fixes of `findings` that do not conflict with one taken before.

    Fixes are taken in order of position. An edit identical to one already taken
    is shared rather than a conflict: two services aliasing one anchored mapping
    ask for the same insertion, and it is made once.
    """
    taken: list[Edit] = []
    taken_set: set[Edit] = set()
    applied: list[Finding] = []
    ordered = sorted(
        (f for f in findings if f.fix is not None), key=lambda f: (f.fix.start, f.fix.end, f.code, f.offset)
    )
    for finding in ordered:
        new_edits = [edit for edit in finding.fix.edits if edit not in taken_set]
        if any(_overlaps(edit, other) for edit in new_edits for other in taken):
            continue
        taken.extend(new_edits)
        taken_set.update(new_edits)
        applied.append(finding)
    return splice(text, taken), applied


def _overlaps(a: Edit, b: Edit) -> bool:
    if a.start == a.end == b.start == b.end:
        return True  # two insertions at one point: their order would be a guess
    return a.start < b.end and b.start < a.end


def splice(text: str, edits: Iterable[Edit]) -> str:
    pieces: list[str] = []
    position = 0
    for edit in sorted(edits):
        pieces.append(text[position : edit.start])
        pieces.append(edit.content)
        position = edit.end
    pieces.append(text[position:])
    return "".join(pieces)
