"""Every documented CI workflow (the README's, examples/, action.yml) keeps going after a
`hardenfix check` that finds something.

`check` exits 1 when it finds something, and a CI system skips what follows a failed
step: a SARIF upload after it would never upload the findings it exists to show. So a
step that follows a `hardenfix check` without `--exit-zero` must run whatever
happened (`if: always()` on GitHub), and a GitLab job whose script runs one must
upload its reports `when: always`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from ruamel.yaml import YAML

README = REPO / "README.md"
EXAMPLES = sorted((REPO / "examples").glob("*.y*ml"))
_FENCED_YAML = re.compile(r"^```yaml\n(.*?)^```", re.MULTILINE | re.DOTALL)
_ALWAYS = re.compile(r"\balways\(\)")


def documented_workflows() -> list[tuple[str, dict]]:
    """(where, document) for every workflow, action and CI job the documentation shows."""
    found = []
    for index, block in enumerate(_FENCED_YAML.findall(README.read_text(encoding="utf-8"))):
        document = YAML(typ="safe").load(block)
        if isinstance(document, dict) and _is_ci(document):
            found.append((f"README.md yaml block {index + 1}", document))
    for path in [*EXAMPLES, REPO / "action.yml"]:
        found.append((path.relative_to(REPO).as_posix(), YAML(typ="safe").load(path.read_text(encoding="utf-8"))))
    return found


def _is_ci(document: dict) -> bool:
    return (
        "jobs" in document
        or "runs" in document
        or any(isinstance(job, dict) and "script" in job for job in document.values())
    )


def fails_on_findings(command: str) -> bool:
    """Whether a shell command runs a `hardenfix check` that exits 1 on findings."""
    return any(
        re.search(r"\bhardenfix\s+check\b", line) and "--exit-zero" not in line and "|| true" not in line
        for line in command.splitlines()
    )


def unguarded_steps(document: dict) -> list[str]:
    """Steps (GitHub) or jobs (GitLab) that a failing `hardenfix check` would skip."""
    problems = []
    step_lists = [job.get("steps", []) for job in document.get("jobs", {}).values()]
    if "runs" in document:
        step_lists.append(document["runs"].get("steps", []))
    for steps in step_lists:
        failing_before = None
        for step in steps:
            if failing_before is not None and not _ALWAYS.search(str(step.get("if", ""))):
                problems.append(
                    f"{step.get('name') or step.get('uses') or step.get('run')!r} follows {failing_before!r}"
                )
            if fails_on_findings(str(step.get("run", ""))):
                failing_before = step["run"]
    for name, job in document.items():
        if isinstance(job, dict) and "script" in job:
            script = "\n".join(job["script"])
            if fails_on_findings(script) and job.get("artifacts", {}).get("when") != "always":
                problems.append(f"job {name!r}: its artifacts are not uploaded `when: always`")
    return problems


@pytest.mark.parametrize(("where", "document"), documented_workflows(), ids=lambda value: str(value)[:40])
def test_every_step_after_a_failing_check_still_runs(where: str, document: dict) -> None:
    assert unguarded_steps(document) == [], where


def test_the_documentation_shows_code_scanning_and_gitlab() -> None:
    workflows = documented_workflows()
    uses = [
        step.get("uses", "")
        for _, document in workflows
        for job in document.get("jobs", {}).values()
        for step in job.get("steps", [])
    ]
    assert any(use.startswith("github/codeql-action/upload-sarif") for use in uses)
    assert any("script" in job for _, document in workflows for job in document.values() if isinstance(job, dict))
    assert sum(where.startswith("README.md") for where, _ in workflows) >= 2


def test_the_check_finds_the_unguarded_upload_this_readme_once_showed() -> None:
    old = YAML(typ="safe").load(
        "jobs:\n  hardenfix:\n    steps:\n"
        "      - run: hardenfix check --changed origin/main --format github\n"
        "      - run: hardenfix check --format sarif > hardenfix.sarif || true\n"
        "      - uses: github/codeql-action/upload-sarif@v3\n"
        "        with: {sarif_file: hardenfix.sarif}\n"
    )
    assert len(unguarded_steps(old)) == 2


@pytest.mark.parametrize(
    ("schema", "path"),
    [
        ("vendor.github-workflows", REPO / "examples" / "github-code-scanning.yml"),
        ("vendor.gitlab-ci", REPO / "examples" / "gitlab-ci.yml"),
    ],
    ids=["github-code-scanning", "gitlab-ci"],
)
def test_examples_are_valid_against_their_schemas(schema: str, path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
