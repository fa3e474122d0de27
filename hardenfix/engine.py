"""One file's text through the pipeline: parse, rules, suppressions, edits, fixpoint.

The engine knows nothing of paths on disk or output formats: it turns a text into
findings, or into a fixed text plus the findings it fixed and those it left.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hardenfix.model import Edit, FileKind, Finding
from hardenfix.registry import rules_of_kind
from hardenfix.rule import Rule
from hardenfix.rules.meta.hf001_unused_suppression import UnusedSuppression
from hardenfix.sources import PARSED_WITHOUT_PREFILTER_MATCH, ParseError, parser_for
from hardenfix.suppress import SUPPRESSION_MARKER, Suppressions
from hardenfix.validate import GuardError, check_output

MAX_PASSES = 10


class FixError(Exception):
    """Fixing could not finish; nothing is written. The message is one line, without the path."""


@dataclass(slots=True)
class FixOutcome:
    text: str
    fixed: list[Finding]
    remaining: list[Finding]
    dropped: list[str] = field(default_factory=list)
    """Fixes left out because their output did not parse: a bug in a rule."""
    dependencies: frozenset[str] = frozenset()
    """Other files and folders the findings on the original text depend on."""
    document: Any = None
    """The original text as parsed, for what else a caller wants to know of it."""


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
        self._told_by_location = {
            kind: [rule for rule in kind_rules if type(rule).location_facts is not Rule.location_facts]
            for kind, kind_rules in self._rules.items()
        }
        self._reports_unused_suppressions = UnusedSuppression.code in self._by_code

    def kinds(self) -> set[FileKind]:
        return set(self._rules)

    def needs_parse(self, kind: FileKind, data: bytes) -> bool:
        """Whether a file could have findings: a selected rule's prefilter matches it, it holds
        a suppression that may be unused, or its kind is always parsed."""
        return (
            kind in PARSED_WITHOUT_PREFILTER_MATCH
            or any(rule.might_apply(data) for rule in self._rules.get(kind, ()))
            or (self._reports_unused_suppressions and SUPPRESSION_MARKER in data)
        )

    def location_facts(self, kind: FileKind, location: Path) -> str:
        """What the findings on a file of `kind` at `location` depend on besides its text (`Rule.location_facts`)."""
        # The rules' order is fixed by the engine's fingerprint, part of the same key.
        return "\0".join([rule.location_facts(location) for rule in self._told_by_location.get(kind, ())])

    def check(self, kind: FileKind, text: str, path: str, source: SourceFile | None = None) -> FixOutcome:
        """Findings on `text`, nothing fixed; raises ParseError for a text that is not valid.

        `path` is how findings name the file; `source` says where it is on disk, if anywhere.
        """
        document = _parser(kind, source)(text)
        findings = self._run(kind, document, path)
        return FixOutcome(text, [], findings, dependencies=frozenset(document.dependencies), document=document)

    def fix(self, kind: FileKind, text: str, path: str, source: SourceFile | None = None) -> FixOutcome:
        """Apply fixes until none is left to apply, re-parsing after every pass.

        Each pass applies every applicable fix that does not overlap one already
        taken in that pass; the rest wait for the next pass, on the new text.
        """
        parse = _parser(kind, source)
        original = document = parse(text)
        findings = self._run(kind, document, path)
        fixed: list[Finding] = []
        dropped: list[str] = []
        broken: set[tuple[object, ...]] = set()
        for _ in range(MAX_PASSES):
            candidates = [f for f in findings if self._applicable(f) and _identity(f) not in broken]
            new_text, applied = apply_fixes(text, candidates)
            if not applied:
                break
            try:
                new_document = parse(new_text)
            except ParseError:
                new_text, applied, new_document = self._apply_valid_fixes(text, candidates, parse, broken, dropped)
                if not applied:
                    break
            fixed.extend(applied)
            text, document = new_text, new_document
            findings = self._run(kind, document, path)
        else:
            if any(self._applicable(f) and _identity(f) not in broken for f in findings):
                raise FixError(f"fixes did not settle after {MAX_PASSES} passes; nothing written (please report this)")
        if fixed:
            try:
                applied = {self._by_code[f.code] for f in fixed}
                check_output(kind, original, document, applied, self.compose_model_check)
            except GuardError as error:
                raise FixError(str(error)) from None
        return FixOutcome(
            text, fixed, findings, dropped, dependencies=frozenset(original.dependencies), document=original
        )

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

    def _run(self, kind: FileKind, document: Any, path: str) -> list[Finding]:
        """The findings of the selected rules whose prefilter matches, less those suppressed
        inline, plus unused suppressions when HF001 is selected."""
        selected = self._rules.get(kind, [])
        data = document.text.encode("utf-8", "surrogatepass")
        findings: list[Finding] = []
        for rule in selected:
            if not rule.might_apply(data):
                continue
            try:
                findings.extend(rule.check(document))
            except RecursionError:
                raise ParseError("nesting is too deep to process") from None
        suppressions = Suppressions.parse(document.text, kind, document.suppression_scope_end)
        if suppressions:
            findings = [finding for finding in findings if not suppressions.covers(finding)]
            if self._reports_unused_suppressions:
                # A rule whose prefilter did not match ran too: it proved there was nothing to find.
                findings.extend(suppressions.unused_findings(selected, rules_of_kind(kind)))
        findings.sort(key=lambda f: (f.offset, f.code))
        return [dataclasses.replace(finding, path=path) for finding in findings]


@dataclass(frozen=True, slots=True)
class SourceFile:
    """Where a text lives on disk, for rules that read neighbouring files."""

    location: Path
    build_context: Path | None = None
    """For a Dockerfile: the context a Compose service builds it with, when one does."""


def _parser(kind: FileKind, source: SourceFile | None) -> Callable[[str], Any]:
    parse = parser_for(kind)
    if source is None:
        return functools.partial(parse, location=None)
    if source.build_context is not None:
        return functools.partial(parse, location=source.location, build_context=source.build_context)
    return functools.partial(parse, location=source.location)


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
