"""Every real-world Compose file in tests/data/corpus through check and apply.

No crash; every output parses and still passes Docker Compose's own model check
when the input did; a second run changes nothing; and no line outside a fix
changes. The counts are printed (`pytest -s` shows them).
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import CORPUS, compose_config_errors

from hardenfix.config import Settings
from hardenfix.diff import split_lines
from hardenfix.discovery import Candidate, classify_explicit
from hardenfix.engine import Engine
from hardenfix.model import FileKind, Finding, Outcome
from hardenfix.runner import Job, Mode, process
from hardenfix.sources import parser_for
from hardenfix.sources.text import SourceText

CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml"))


@dataclass
class Counts:
    """What a corpus run found; `line` is the one line the tests print."""

    files: int = 0
    variants: int = 0
    failed_to_parse: int = 0
    changed: int = 0
    crashes: int = 0
    invalid_outputs: int = 0
    non_idempotent: int = 0
    noise_lines: int = 0

    def line(self, label: str) -> str:
        return f"{label}: " + ", ".join(f"{name}={value}" for name, value in vars(self).items())


def lines_touched_by_fixes(text: str, findings: list[Finding]) -> set[int]:
    """0-based lines of `text` that some fix of `findings` edits."""
    geometry = SourceText(text)
    touched: set[int] = set()
    for finding in findings:
        for edit in finding.fix.edits if finding.fix else ():
            touched.update(range(geometry.line_index(edit.start), geometry.line_index(edit.end) + 1))
    return touched


def noise_lines(before: str, after: str, findings: list[Finding]) -> int:
    """Original lines that changed although no fix edits them."""
    allowed = lines_touched_by_fixes(before, findings)
    matcher = difflib.SequenceMatcher(None, split_lines(before), split_lines(after), autojunk=False)
    return sum(
        1
        for tag, first, last, _, _ in matcher.get_opcodes()
        if tag in ("replace", "delete")
        for line in range(first, last)
        if line not in allowed
    )


@pytest.fixture(scope="module")
def corpus_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("corpus")
    shutil.copytree(CORPUS, copy / "corpus")
    for path in (copy / "corpus").rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)  # a read-only checkout stays readable and writable in the copy
    return copy / "corpus"


def test_corpus_is_present() -> None:
    assert len(CORPUS_FILES) >= 80


def test_every_corpus_file_survives_check_and_apply(corpus_copy: Path) -> None:
    engine = Engine(Settings(unsafe_fixes=True).rules(), unsafe_fixes=True)
    counts = Counts()
    problems: list[str] = []
    for original in CORPUS_FILES:
        path = corpus_copy / original.relative_to(CORPUS)
        kind = classify_explicit(path) or FileKind.COMPOSE
        if kind is not FileKind.COMPOSE:
            continue
        counts.files += 1
        candidate = Candidate(path, kind, explicit=True)
        checked = process(candidate, Job(engine, Mode.CHECK, corpus_copy))
        written = process(candidate, Job(engine, Mode.WRITE, corpus_copy))
        if "internal error" in f"{checked.error}{written.error}":
            counts.crashes += 1
            problems.append(f"{path}: {checked.error or written.error}")
            continue
        if checked.outcome is Outcome.INVALID:  # could not be parsed
            counts.failed_to_parse += 1
            problems.extend(
                f"{path}: {problem}"
                for problem, failed in [
                    ("apply did not fail as check did", written.outcome is not Outcome.INVALID),
                    ("a file that failed was modified", path.read_bytes() != original.read_bytes()),
                ]
                if failed
            )
            continue
        if written.outcome in (Outcome.FAILED, Outcome.INVALID):
            problems.append(f"{path}: apply failed: {written.error}")
            continue
        before, after = original.read_text(encoding="utf-8"), path.read_text(encoding="utf-8")
        if before == after:
            continue
        counts.changed += 1
        try:
            parser_for(kind)(after, path)
        except Exception as error:  # noqa: BLE001 - counted and reported below
            counts.invalid_outputs += 1
            problems.append(f"{path}: output does not parse: {error}")
        if compose_config_errors(original) is None and (error := compose_config_errors(path)) is not None:
            counts.invalid_outputs += 1
            problems.append(f"{path}: docker compose config rejects the output: {error}")
        again = process(candidate, Job(engine, Mode.DIFF, corpus_copy))
        if again.changed:
            counts.non_idempotent += 1
            problems.append(f"{path}: a second run still changes it")
        noise = noise_lines(before.removeprefix("\ufeff"), after.removeprefix("\ufeff"), checked.findings)
        if noise:
            counts.noise_lines += noise
            problems.append(f"{path}: {noise} changed lines outside any fix")
    print(f"\n{counts.line('corpus')}")
    assert not problems, "\n".join(problems)
    assert counts.changed > 0, "the corpus should exercise at least one fix"


def test_noise_measure_can_fail() -> None:
    before = "a: 1\nb: 2\nc: 3\n"
    assert noise_lines(before, "a: 1\nb: 20\nc: 3\n", []) == 1
