"""The pre-commit hooks: the manifest is valid, matches what discovery matches, and works.

The end-to-end test installs this repository as a hook repository with the real
`pre-commit`, which clones it at the committed HEAD and installs hardenfix and its
dependencies from PyPI into a virtualenv of its own: it needs the network, and it
tests what is committed, not uncommitted edits.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from ruamel.yaml import YAML
from test_cli import FIXED, NEEDS_FIX

from hardenfix.discovery import classify_name, is_sniffed_name

MANIFEST = REPO / ".pre-commit-hooks.yaml"


def hooks() -> dict[str, dict]:
    return {hook["id"]: hook for hook in YAML(typ="safe").load(MANIFEST.read_text(encoding="utf-8"))}


def test_manifest_is_valid() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", str(MANIFEST)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert {hook_id: hook["entry"] for hook_id, hook in hooks().items()} == {
        "hardenfix": "hardenfix check --fix --force-exclude",
        "hardenfix-check": "hardenfix check --force-exclude",
    }


@pytest.mark.parametrize(
    "name",
    [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yml",
        "docker-compose.prod.yaml",
        "compose.override.yml",
        "stack.compose.yaml",
        "compose-dev.yml",
        "dev-compose.yaml",
        "compose_dev.yml",
        "dev_compose.yml",
        "Dockerfile",
        "Dockerfile.dev",
        "api.Dockerfile",
        "api.dockerfile",
        "Containerfile",
        "Containerfile.ci",
        "app.py",
        "config.yaml",
        "compose.json",
        "mydocker-compose.yaml.bak",
        "Dockerfile/README.md",
        "Dockerfiles",
        "app.pyi",
        "compose.yaml.orig",
        "notes.txt",
    ],
)
@pytest.mark.parametrize("hook_id", ["hardenfix", "hardenfix-check"])
def test_files_pattern_matches_what_discovery_recognises(hook_id: str, name: str) -> None:
    pattern = re.compile(hooks()[hook_id]["files"])
    for path in (name, f"deploy/{name}"):
        name = Path(path).name
        recognised = classify_name(name) is not None or is_sniffed_name(name)
        assert bool(pattern.search(path)) is recognised, path


def git(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env, check=False)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module: the hook environment (hardenfix installed from
    this repository's HEAD) is built once."""
    head = git(REPO, "rev-parse", "HEAD").stdout.strip()
    assert git(REPO, "cat-file", "-e", f"{head}:.pre-commit-hooks.yaml").returncode == 0, "commit the manifest first"
    return tmp_path_factory.mktemp("pre-commit-home")


def commit(project: Path, env: dict[str, str]) -> tuple[int, str]:
    """`git commit` through the installed hooks: its exit code and all it printed."""
    result = git(project, "commit", "-m", "Add the stack", env=env)
    return result.returncode, result.stdout + result.stderr


def project_with_hooks(root: Path, pre_commit_home: Path) -> tuple[Path, dict[str, str]]:
    head = git(REPO, "rev-parse", "HEAD").stdout.strip()
    project = root / "project"
    project.mkdir()
    # The hook's environment is not byte-compiled when installed (a sixth of the test's
    # time): hardenfix compiles what it imports when it runs.
    env = {**os.environ, "PRE_COMMIT_HOME": str(pre_commit_home), "PIP_NO_COMPILE": "1"}
    for args in (
        ("init", "-q", "-b", "main"),
        ("config", "user.name", "Hook Test"),
        ("config", "user.email", "hook-test@example.com"),
        ("config", "commit.gpgsign", "false"),
    ):
        git(project, *args).check_returncode()
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {REPO.as_posix()}\n"
        f"    rev: {head}\n"
        "    hooks:\n"
        "      - id: hardenfix\n"
        "      - id: hardenfix-check\n",
        encoding="utf-8",
    )
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=project, env=env, check=True)
    return project, env


@pytest.mark.xdist_group("pre-commit")  # one hook environment for both
def test_hook_fixes_a_staged_compose_file_and_stops_the_commit(tmp_path: Path, pre_commit_home: Path) -> None:
    project, env = project_with_hooks(tmp_path, pre_commit_home)
    compose = project / "stack" / "compose.yaml"
    compose.parent.mkdir()
    compose.write_text(NEEDS_FIX, encoding="utf-8")
    git(project, "add", ".").check_returncode()

    code, output = commit(project, env)
    assert code == 1, output
    assert re.search(r"^hardenfix\.+Failed$", output, re.MULTILINE), output
    assert "- files were modified by this hook" in output
    assert compose.read_text(encoding="utf-8") == FIXED
    assert git(project, "show", ":stack/compose.yaml").stdout == NEEDS_FIX, "the fix must not be staged for you"
    assert git(project, "rev-parse", "--verify", "-q", "HEAD").returncode != 0, "nothing may be committed"

    git(project, "add", "stack/compose.yaml").check_returncode()
    code, output = commit(project, env)
    assert code == 0, output
    assert re.search(r"^hardenfix\.+Passed$", output, re.MULTILINE), output
    assert re.search(r"^hardenfix \(check only\)\.+Passed$", output, re.MULTILINE), output
    assert git(project, "show", "HEAD:stack/compose.yaml").stdout == FIXED


@pytest.mark.xdist_group("pre-commit")
def test_hook_fails_while_findings_no_fix_resolves_remain(tmp_path: Path, pre_commit_home: Path) -> None:
    """As `ruff check --fix`: a finding whose fix is unsafe (or that has none) keeps the
    commit from going through, with nothing modified."""
    project, env = project_with_hooks(tmp_path, pre_commit_home)
    floating = "services:\n  web:\n    image: example/web:latest\n"
    compose = project / "compose.yaml"
    compose.write_text(floating, encoding="utf-8")
    git(project, "add", ".").check_returncode()

    code, output = commit(project, env)
    assert code == 1, output
    assert re.search(r"^hardenfix\.+Failed$", output, re.MULTILINE), output
    assert "- exit code: 1" in output and "files were modified" not in output
    assert "HF120" in output
    assert compose.read_text(encoding="utf-8") == floating
    assert git(project, "rev-parse", "--verify", "-q", "HEAD").returncode != 0, "nothing may be committed"

    compose.write_text("services:\n  web:\n    image: example/web:1.4\n", encoding="utf-8")
    git(project, "add", ".").check_returncode()
    code, output = commit(project, env)
    assert code == 0, output


@pytest.mark.xdist_group("pre-commit")
def test_hooks_leave_alone_a_staged_file_the_configuration_excludes(tmp_path: Path, pre_commit_home: Path) -> None:
    """pre-commit names every staged file on the command line; `exclude` still holds."""
    project, env = project_with_hooks(tmp_path, pre_commit_home)
    (project / "hardenfix.toml").write_text('exclude = ["generated/"]\n', encoding="utf-8")
    generated = project / "generated" / "compose.yaml"
    generated.parent.mkdir()
    generated.write_text(NEEDS_FIX, encoding="utf-8")
    git(project, "add", ".").check_returncode()

    code, output = commit(project, env)
    assert code == 0, output
    assert generated.read_text(encoding="utf-8") == NEEDS_FIX
