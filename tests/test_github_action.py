"""The composite GitHub Action and the example workflow: schema-valid, injection-safe, and
the action's apply step calls hardenfix as documented and hands create-pull-request a branch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from ruamel.yaml import YAML

ACTION = REPO / "action.yml"
WORKFLOW = REPO / "examples" / "github-workflow.yml"


def check_jsonschema(schema: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def steps() -> dict[str, dict]:
    return {step["name"]: step for step in load(ACTION)["runs"]["steps"]}


@pytest.mark.parametrize(
    ("schema", "path"),
    [("vendor.github-actions", ACTION), ("vendor.github-workflows", WORKFLOW)],
    ids=["action", "workflow"],
)
def test_valid_against_its_schema(schema: str, path: Path) -> None:
    result = check_jsonschema(schema, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / "action.yml"
    broken.write_text("name: x\ndescription: y\nruns:\n  using: composite\n", encoding="utf-8")
    assert check_jsonschema("vendor.github-actions", broken).returncode == 1


def test_actions_are_pinned_to_a_major_version() -> None:
    uses = {step["uses"].split("@")[0]: step["uses"].split("@")[1] for step in steps().values() if "uses" in step}
    assert set(uses) == {"actions/setup-python", "peter-evans/create-pull-request"}
    assert all(ref.startswith("v") and ref[1:].isdigit() for ref in uses.values()), uses


def test_no_input_is_spliced_into_a_script() -> None:
    for name, step in steps().items():
        assert "${{" not in step.get("run", ""), f"{name}: pass inputs through env, not into the script"


def test_example_workflow_uses_the_action_on_a_schedule() -> None:
    workflow = load(WORKFLOW)
    assert workflow["on"]["schedule"] == [{"cron": "23 5 * * 1"}]
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}
    used = [step.get("uses", "") for step in workflow["jobs"]["fixes"]["steps"]]
    assert used[:2] == ["actions/checkout@v4", "your-org/hardenfix@v1"]


# The apply step's script, run against a stand-in `hardenfix` that records its
# arguments and, like `apply --commit`, commits on the branch it is given.
STAND_IN = """\
#!{python}
import subprocess, sys
from pathlib import Path
args = sys.argv[1:]
Path({record!r}).write_text("\\n".join(args) + "\\n")
branch = args[args.index("--branch") + 1]
Path(args[args.index("--pr-body") + 1]).write_text("## hardenfix\\n")
if {commit}:
    subprocess.run(["git", "checkout", "-q", "-b", branch], check=True)
    Path("compose.yaml").write_text("fixed\\n")
    subprocess.run(["git", "commit", "-qam", "hardenfix: fixes"], check=True)
    subprocess.run(["git", "checkout", "-q", "-"], check=True)
"""


def run_apply_step(
    tmp_path: Path, commit: bool, detach: bool = False, **inputs: str
) -> tuple[int, str, Path, list[str], str]:
    """Run the step with these inputs (others take their defaults): exit code, stderr,
    the repository, hardenfix's arguments and what the step wrote to GITHUB_OUTPUT."""
    repository = tmp_path / "repository"
    repository.mkdir()
    for args in (
        ("init", "-q", "-b", "main"),
        ("config", "user.name", "Test"),
        ("config", "user.email", "test@example.com"),
        ("config", "commit.gpgsign", "false"),
    ):
        subprocess.run(["git", *args], cwd=repository, check=True)
    (repository / "compose.yaml").write_text("services: {}\n")
    subprocess.run(["git", "add", "."], cwd=repository, check=True)
    subprocess.run(["git", "commit", "-qm", "start"], cwd=repository, check=True)
    if detach:
        subprocess.run(["git", "checkout", "-q", "--detach"], cwd=repository, check=True)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "argv"
    stand_in = bin_dir / "hardenfix"
    stand_in.write_text(STAND_IN.format(python=sys.executable, record=str(record), commit=commit))
    stand_in.chmod(0o755)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    output = tmp_path / "github-output"
    output.touch()
    step = steps()["Apply fixes and commit them"]
    values = {name: str(spec.get("default", "")) for name, spec in load(ACTION)["inputs"].items()} | inputs
    step_env = {
        variable: values[expression.removeprefix("${{ inputs.").removesuffix(" }}")]
        for variable, expression in step["env"].items()
    }
    result = subprocess.run(
        ["bash", "-c", step["run"]],
        cwd=repository,
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            **step_env,
            "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
            "GITHUB_RUN_ID": "42",
            "GITHUB_RUN_ATTEMPT": "1",
            "RUNNER_TEMP": str(runner_temp),
            "GITHUB_OUTPUT": str(output),
        },
    )
    argv = record.read_text().splitlines() if record.exists() else []
    return result.returncode, result.stderr, repository, argv, output.read_text()


def current_branch(repository: Path) -> str:
    return subprocess.run(
        ["git", "rev-parse", "--abbrev-ref", "HEAD"], cwd=repository, capture_output=True, text=True, check=True
    ).stdout.strip()


def test_apply_step_commits_on_a_work_branch_for_create_pull_request(tmp_path: Path) -> None:
    code, stderr, repository, argv, output = run_apply_step(
        tmp_path, commit=True, paths="stack deploy/compose.yaml", select="HF1,HF2", **{"unsafe-fixes": "true"}
    )
    assert code == 0, stderr
    body = tmp_path / "runner-temp" / "hardenfix-pull-request.md"
    assert argv == [
        "apply",
        "--commit",
        "--branch",
        "hardenfix-action/42-1",
        "--pr-body",
        str(body),
        "--unsafe-fixes",
        "--select",
        "HF1,HF2",
        "--",
        "stack",
        "deploy/compose.yaml",
    ]
    assert output == f"base=main\nbody-path={body}\n"
    assert current_branch(repository) == "hardenfix-action/42-1"


def test_apply_step_without_fixes_stays_on_the_base(tmp_path: Path) -> None:
    code, stderr, repository, argv, output = run_apply_step(tmp_path, commit=False)
    assert code == 0, stderr
    assert argv[-2:] == ["--", "."]
    assert current_branch(repository) == "main"
    assert output.startswith("base=main\n")


def test_apply_step_needs_a_base_on_a_detached_checkout(tmp_path: Path) -> None:
    code, stderr, _, argv, _ = run_apply_step(tmp_path, commit=False, detach=True)
    assert code == 2
    assert "set the action's 'base' input" in stderr
    assert argv == []
