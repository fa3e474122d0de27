"""Discovery to disk: every file's outcome, one file's failure never stopping the rest."""

from __future__ import annotations

import enum
import os
from collections.abc import Iterator
from pathlib import Path

from hardenfix.discovery import Candidate, classify_explicit, discover
from hardenfix.engine import Engine, FixError
from hardenfix.files import BinaryFile, UnreadableFile, WriteRefused, atomic_write, decode, read_bytes
from hardenfix.model import FileResult, Outcome
from hardenfix.sources import PARSED_WITHOUT_PREFILTER_MATCH, ParseError


class Mode(enum.Enum):
    CHECK = "check"
    """Report findings on the files as they are."""
    DIFF = "diff"
    """Compute fixes, write nothing."""
    WRITE = "write"
    """Compute fixes and write them."""


def display_path(path: Path, cwd: Path) -> str:
    """The path relative to the working directory, as diff headers and reports show it."""
    return Path(os.path.relpath(os.path.abspath(path), cwd)).as_posix()


def run(paths: list[Path], engine: Engine, mode: Mode, cwd: Path | None = None) -> Iterator[FileResult]:
    cwd = cwd or Path.cwd()
    for candidate in discover(paths):
        yield process(candidate, engine, mode, cwd)


def process(candidate: Candidate, engine: Engine, mode: Mode, cwd: Path) -> FileResult:
    path = candidate.path
    result = FileResult(path=path, display_path=display_path(path, cwd), outcome=Outcome.UNCHANGED)
    try:
        data = read_bytes(path)
    except BinaryFile as reason:
        return _skipped(result, str(reason))
    except UnreadableFile as reason:
        return _failed(result, str(reason))
    kind = candidate.kind if candidate.kind is not None else classify_explicit(path)
    if kind is None:
        return _skipped(result, "is not a Compose file, Dockerfile or Python file")
    result.kind = kind
    result.original = data
    if kind not in engine.kinds():
        return result
    rules = engine.rules_for(kind, data)
    if not rules and kind not in PARSED_WITHOUT_PREFILTER_MATCH:
        return result
    try:
        decoded = decode(data)
    except BinaryFile as reason:
        return _skipped(result, str(reason))
    except UnreadableFile as reason:
        return _failed(result, str(reason))
    try:
        if mode is Mode.CHECK:
            result.findings = engine.check(kind, decoded.text, result.display_path, rules, path)
            return result
        outcome = engine.fix(kind, decoded.text, result.display_path, rules, path)
    except ParseError as reason:
        return _failed(result, str(reason))
    except FixError as reason:
        return _failed(result, str(reason))
    except Exception as crash:  # noqa: BLE001 - one rule's bug must not end a sweep
        return _failed(result, f"internal error ({type(crash).__name__}: {crash}); please report this")
    result.findings = outcome.remaining
    result.fixed = outcome.fixed
    result.notes = outcome.dropped
    result.fixed_bytes = decoded.encode(outcome.text)
    if not result.changed:
        return result
    result.outcome = Outcome.CHANGED
    if mode is Mode.WRITE:
        try:
            atomic_write(path, result.fixed_bytes, expected=data)
        except WriteRefused as reason:
            result.fixed_bytes = None
            return _failed(result, str(reason))
    return result


def _skipped(result: FileResult, reason: str) -> FileResult:
    result.outcome = Outcome.SKIPPED
    result.error = reason
    return result


def _failed(result: FileResult, reason: str) -> FileResult:
    result.outcome = Outcome.FAILED
    result.error = reason
    return result
