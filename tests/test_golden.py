"""Every golden case: exact findings, exact after bytes, a fixpoint, a diff git accepts."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from conftest import compose_config_errors

from golden import Case, cases, findings_as_json, fixed_bytes
from hardenfix.diff import unified_diff
from hardenfix.files import decode
from hardenfix.model import FileKind, Finding, Outcome
from hardenfix.sources import parser_for

CASES = cases()


@pytest.fixture(params=CASES, ids=[case.id for case in CASES])
def case(request: pytest.FixtureRequest) -> Case:
    return request.param


def test_findings(case: Case) -> None:
    expected = json.loads(case.findings_file.read_text(encoding="utf-8"))
    assert findings_as_json(case) == expected


def test_after_bytes(case: Case) -> None:
    assert fixed_bytes(case) == case.after.read_bytes()


def test_after_is_a_fixpoint(case: Case, tmp_path) -> None:
    # The case's other files (a build context, an entrypoint script) stay beside it.
    shutil.copytree(case.folder, tmp_path, dirs_exist_ok=True)
    again = tmp_path / case.before.name
    shutil.copyfile(case.after, again)
    result = case.run(again)
    assert result.outcome is Outcome.UNCHANGED, result.error
    assert not result.fixed


def test_findings_are_in_the_form_the_cache_keeps(case: Case) -> None:
    """A cache file whose findings are not in the form `Finding.to_cache` gives counts as
    empty: each rule's findings, fixes and edits, through JSON, must read back as that form,
    or a warm run would check everything again."""
    result = case.run()
    kept = [json.loads(json.dumps(finding.to_cache())) for finding in (*result.findings, *result.fixed)]
    assert [finding for finding in kept if not Finding.is_cached_form(finding)] == []


def test_after_parses(case: Case) -> None:
    parser_for(case.kind)(decode(case.after.read_bytes()).text)


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_dry_run_diff_applies(case: Case, tool: str, tmp_path) -> None:
    before, after = case.before.read_bytes(), case.after.read_bytes()
    if before == after:
        pytest.skip("nothing to change")
    target = tmp_path / case.before.name
    target.write_bytes(before)
    patch = unified_diff(target.name, before, after)
    command = ["git", "apply", "-"] if tool == "git" else ["patch", "-p1", "--quiet", "--binary"]
    subprocess.run(command, input=patch, cwd=tmp_path, check=True, capture_output=True)
    assert target.read_bytes() == after


@pytest.mark.parametrize("case", [c for c in CASES if c.kind is FileKind.COMPOSE], ids=lambda c: c.id)
def test_compose_output_still_passes_docker_compose_config(case: Case) -> None:
    if compose_config_errors(case.before) is not None:
        pytest.skip("the input is not a valid Compose model")
    assert compose_config_errors(case.after) is None
