"""`apply --commit` in a real repository: it commits exactly the files it fixed, leaves
what the user had staged staged and out of the commit, and runs the repository's own
hooks (plain git hooks and the pre-commit framework's) unless `--no-verify` is given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from test_cli import FIXED, NEEDS_FIX, write

HOOK = """#!/bin/sh
echo "{name} $*" >> "$(git rev-parse --git-dir)/hooks-ran"
exit {code}
"""


def git(cwd: Path, *arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True, text=True).stdout


def repository(root: Path, pre_commit_exit: int = 0) -> Path:
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    git(root, "config", "commit.gpgsign", "false")
    write(root / "stack" / "compose.yaml", NEEDS_FIX)
    write(root / "README.md", "# service\n")
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "initial")
    for name, code in (("pre-commit", pre_commit_exit), ("commit-msg", 0)):
        hook = root / ".git" / "hooks" / name
        hook.write_text(HOOK.format(name=name, code=code))
        hook.chmod(0o755)
    # What the user was in the middle of: a new file and an edit, both staged.
    write(root / "notes.txt", "half-written notes\n")
    write(root / "README.md", "# service\n\nwork in progress\n")
    git(root, "add", "notes.txt", "README.md")
    return root


def hooks_ran(root: Path) -> list[str]:
    log = root / ".git" / "hooks-ran"
    return [line.split()[0] for line in log.read_text().splitlines()] if log.exists() else []


def test_commit_holds_only_the_fixed_files_and_the_hooks_run(hardenfix, tmp_path: Path) -> None:
    root = repository(tmp_path)
    result = hardenfix(root, "apply", "--commit", "--branch", "bot/fixes")
    assert result.code == 0, result.stderr
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["stack/compose.yaml"]
    assert git(root, "show", "HEAD:stack/compose.yaml") == FIXED
    assert git(root, "show", "HEAD:README.md") == "# service\n", "the staged edit is not committed"
    assert sorted(git(root, "diff", "--cached", "--name-only").split()) == ["README.md", "notes.txt"]
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD").strip() == "bot/fixes"
    assert hooks_ran(root) == ["pre-commit", "commit-msg"]
    assert git(root, "log", "-1", "--format=%s").startswith("hardenfix: apply 2 production-hardening fixes")


def test_no_verify_skips_the_hooks(hardenfix, tmp_path: Path) -> None:
    root = repository(tmp_path)
    result = hardenfix(root, "apply", "--commit", "--no-verify")
    assert result.code == 0, result.stderr
    assert hooks_ran(root) == []
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["stack/compose.yaml"]


def test_a_hook_that_refuses_stops_the_commit(hardenfix, tmp_path: Path) -> None:
    root = repository(tmp_path, pre_commit_exit=1)
    head = git(root, "rev-parse", "HEAD")
    result = hardenfix(root, "apply", "--commit")
    assert result.code == 2
    assert result.stderr.startswith("hardenfix: error: --commit: `git commit` failed")
    assert git(root, "rev-parse", "HEAD") == head, "nothing committed"
    assert hooks_ran(root) == ["pre-commit"]


def test_the_pre_commit_frameworks_hooks_see_only_the_fixed_files(tmp_path: Path) -> None:
    """The repository's hooks installed by the real pre-commit: a local hook that records
    the files it is given runs on the commit, and is given only what hardenfix fixed."""
    root = repository(tmp_path)
    seen = tmp_path / "seen.txt"
    (root / ".git" / "hooks" / "pre-commit").unlink()
    (root / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: record\n"
        "        name: record\n"
        "        language: system\n"
        f'        entry: {sys.executable} -c \'import sys; open({json.dumps(str(seen))}, "a").write(" ".join(sys.argv[1:]))\'\n',
        encoding="utf-8",
    )
    git(root, "add", ".pre-commit-config.yaml")
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-cache")}
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=root, env=env, check=True, capture_output=True)
    result = subprocess.run(
        [sys.executable, "-m", "hardenfix", "apply", "--commit"], cwd=root, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert seen.read_text() == "stack/compose.yaml"
    assert git(root, "show", "--name-only", "--format=", "HEAD").split() == ["stack/compose.yaml"]
    assert "notes.txt" in git(root, "diff", "--cached", "--name-only").split()
