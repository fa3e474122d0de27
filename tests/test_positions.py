"""Findings point into the file as it is on disk when the run ends.

A dry run leaves the original on disk, so the findings it reports, made on the text a
fixpoint's passes produced, are placed back in the original; `apply` writes the fixed
text, so its findings are in that. A finding the fixes left alone is then exactly the
finding `check` reports on that file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS
from test_cli import write

from golden import cases
from hardenfix.discovery import Candidate, classify_explicit
from hardenfix.engine import Engine
from hardenfix.registry import all_rules
from hardenfix.runner import Job, Mode, process

CORPUS_FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yml", ".yaml"))

SHIFTED = """\
services:
  db:
    image: postgres:16
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
  cache:
    image: redis:7
  api:
    image: example/api:latest
    environment:
      API_TOKEN: ${API_TOKEN:-changeme}
"""
"""Fixes insert lines (HF101, HF102, HF106) above a finding they leave (HF120)."""


def reported(hardenfix, cwd: Path, *args: str) -> list[dict]:
    result = hardenfix(cwd, *args, "--format", "json", "--no-cache")
    assert result.code in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_dry_run_findings_are_those_check_reports_on_the_file_on_disk(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", SHIFTED)
    [left] = reported(hardenfix, tmp_path, "apply", "--dry-run")
    assert (left["code"], left["line"], left["column"]) == ("HF120", 9, 12)
    assert left in reported(hardenfix, tmp_path, "check")
    assert target.read_text() == SHIFTED


@pytest.mark.parametrize("output_format", ["sarif", "github", "gitlab"])
def test_dry_run_positions_in_every_format(hardenfix, tmp_path: Path, output_format: str) -> None:
    write(tmp_path / "compose.yaml", SHIFTED)
    output = hardenfix(tmp_path, "apply", "--dry-run", "--format", output_format, "--no-cache").text
    if output_format == "sarif":
        [result] = json.loads(output)["runs"][0]["results"]
        assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 9
    elif output_format == "github":
        assert output.startswith("::warning file=compose.yaml,line=9,col=12,")
    else:
        [issue] = json.loads(output)
        assert issue["location"]["lines"]["begin"] == 9


def test_apply_findings_are_those_check_reports_on_the_written_file(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", SHIFTED)
    [left] = reported(hardenfix, tmp_path, "apply")
    assert left["line"] > 9, "lines were inserted above it"
    assert reported(hardenfix, tmp_path, "check") == [left]


def _place(finding) -> tuple:
    return (finding.start, finding.end)


def test_every_unfixed_finding_of_a_dry_run_is_where_check_finds_it() -> None:
    """Over the real Compose corpus and every golden input, all rules at once, unsafe fixes
    too: a finding a dry run leaves that `check` also reports on the original (same code
    and message) is at the same place, and every finding is inside the file."""
    engine = Engine([rule() for rule in all_rules()], unsafe_fixes=True)
    corpus = [(path, classify_explicit(path)) for path in CORPUS_FILES]
    inputs = [*((path, kind) for path, kind in corpus if kind is not None), *((c.before, c.kind) for c in cases())]
    compared = 0
    for path, kind in inputs:
        checked = process(Candidate(path, kind, explicit=True), Job(engine, Mode.CHECK, path.parent))
        dry_run = process(Candidate(path, kind, explicit=True), Job(engine, Mode.DIFF, path.parent))
        if not dry_run.fixed:
            continue
        at = {(f.code, f.message): _place(f) for f in checked.findings}
        lines = path.read_bytes().count(b"\n") + 1
        for finding in dry_run.findings:
            assert finding.end.line <= lines, (path, finding)
            if (finding.code, finding.message) in at:
                assert _place(finding) == at[(finding.code, finding.message)], (path, finding)
                compared += 1
    assert compared >= 20, "the inputs give the comparison something to compare"
