"""Where the cache lives: at the root of the project checked, never in an unrelated
working directory, and nowhere with --no-cache."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from test_cli import NEEDS_FIX, write

from hardenfix.cache import DIRECTORY_NAME


def project(root: Path, marker: str = ".git") -> Path:
    """A project with one Compose file that has findings, made long enough ago that the
    cache remembers its status."""
    write(root / "deploy" / "compose.yaml", NEEDS_FIX)
    if marker == ".git":
        (root / ".git").mkdir()
    elif marker:
        write(root / marker, "root = true\n")
    past = time.time() - 3600
    for path in [*root.rglob("*"), root]:
        os.utime(path, (past, past))
    return root


def caches(under: Path) -> list[str]:
    return sorted(path.parent.relative_to(under).as_posix() for path in under.rglob(f"{DIRECTORY_NAME}/*.json"))


@pytest.mark.parametrize("command", [["check"], ["apply", "--dry-run"]])
@pytest.mark.parametrize("marker", [".git", "hardenfix.toml", ".hardenfix.toml"])
def test_a_run_from_an_unrelated_folder_keeps_the_cache_at_the_project_root(
    hardenfix, tmp_path: Path, command: list[str], marker: str
) -> None:
    project(tmp_path / "project", marker)
    (tmp_path / "elsewhere").mkdir()
    result = hardenfix(tmp_path / "elsewhere", *command, "../project/deploy")
    assert result.code == 1, result.stderr
    assert caches(tmp_path) == [f"project/{DIRECTORY_NAME}"]


def test_a_nested_project_that_says_root_keeps_its_own_cache(hardenfix, tmp_path: Path) -> None:
    project(tmp_path / "repository")
    project(tmp_path / "repository" / "tools", "pyproject.toml")
    write(tmp_path / "repository" / "tools" / "pyproject.toml", "[tool.hardenfix]\nroot = true\n")
    assert hardenfix(tmp_path / "repository", "check", "tools").code == 1
    assert caches(tmp_path) == [f"repository/tools/{DIRECTORY_NAME}"]


def test_without_a_project_root_the_cache_is_in_the_folder_checked(hardenfix, tmp_path: Path) -> None:
    project(tmp_path / "loose", marker="")
    (tmp_path / "elsewhere").mkdir()
    assert hardenfix(tmp_path / "elsewhere", "check", "../loose").code == 1
    assert caches(tmp_path) == [f"loose/{DIRECTORY_NAME}"]
    assert hardenfix(tmp_path / "loose", "check", "deploy/compose.yaml").code == 1
    assert caches(tmp_path) == [f"loose/{DIRECTORY_NAME}"], "a path inside the working folder: the cache is there"


def test_paths_in_two_projects_each_keep_their_own_files_in_their_own_cache(hardenfix, tmp_path: Path) -> None:
    first, second = project(tmp_path / "first"), project(tmp_path / "second")
    assert hardenfix(tmp_path, "check", "first", "second/deploy/compose.yaml").code == 1
    assert caches(tmp_path) == [f"first/{DIRECTORY_NAME}", f"second/{DIRECTORY_NAME}"]
    for root in (first, second):
        [stored] = (root / DIRECTORY_NAME).glob("*.json")
        assert list(json.loads(stored.read_text())["digests"]) == [str(root / "deploy" / "compose.yaml")]
    warm = hardenfix(tmp_path, "check", "first", "second/deploy/compose.yaml")
    assert warm.text == hardenfix(tmp_path, "check", "--no-cache", "first", "second/deploy/compose.yaml").text


@pytest.mark.parametrize("command", [["check"], ["apply", "--dry-run"], ["apply"]])
def test_no_cache_writes_nothing_at_all(hardenfix, tmp_path: Path, command: list[str]) -> None:
    project(tmp_path / "project")
    (tmp_path / "elsewhere").mkdir()
    hardenfix(tmp_path / "elsewhere", *command, "--no-cache", "../project")
    assert caches(tmp_path) == []
    assert not list(tmp_path.rglob(DIRECTORY_NAME))
