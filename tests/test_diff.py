"""The dry-run diff: headers byte for byte as git writes them, accepted by git apply and patch."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import apply_diff
from test_cli import FIXED, NEEDS_FIX, write

from hardenfix.diff import unified_diff

# Folder names that git quotes, or writes with a trailing tab, or both.
AWKWARD_NAMES = {
    "space": "my stack",
    "tab": "tab\there",
    "space-and-tab": "a b\tc",
    "newline": "two\nlines",
    "double-quote": 'say "hi"',
    "backslash": "back\\slash",
    "non-ascii": "café",
    "control": "bell\x07del\x7f",
    "plain": "plain-name_1.0",
}


def git_diff_headers(first: Path, second: Path, cwd: Path) -> list[bytes]:
    """The `---` and `+++` lines of `git diff --no-index`, with git's default quoting."""
    completed = subprocess.run(
        ["git", "-c", "core.quotepath=true", "diff", "--no-index", "--", first, second],
        cwd=cwd,
        capture_output=True,
    )
    assert completed.returncode == 1, completed.stderr
    return [line for line in completed.stdout.split(b"\n") if line.startswith((b"--- ", b"+++ "))]


@pytest.mark.parametrize("name", AWKWARD_NAMES.values(), ids=AWKWARD_NAMES.keys())
def test_headers_are_byte_for_byte_those_of_git_diff(tmp_path: Path, name: str) -> None:
    path = f"{name}/compose.yaml"
    write(tmp_path / path, NEEDS_FIX)
    write(tmp_path / "other" / "compose.yaml", FIXED)
    ours = unified_diff(path, NEEDS_FIX.encode(), FIXED.encode()).split(b"\n")[:2]
    # git names the old file in `---` and the new one in `+++`: each side is compared on its own.
    [old_header, _] = git_diff_headers(Path(path), Path("other/compose.yaml"), tmp_path)
    [_, new_header] = git_diff_headers(Path("other/compose.yaml"), Path(path), tmp_path)
    assert ours == [old_header, new_header]


@pytest.mark.parametrize("tool", ["git", "patch"])
@pytest.mark.parametrize("name", AWKWARD_NAMES.values(), ids=AWKWARD_NAMES.keys())
def test_git_apply_and_patch_accept_the_diff_of_a_file_with_an_awkward_name(
    hardenfix, tmp_path: Path, name: str, tool: str
) -> None:
    patched, applied = tmp_path / "patched", tmp_path / "applied"
    write(patched / name / "compose.yaml", NEEDS_FIX)
    write(patched / "plain" / "compose.yaml", NEEDS_FIX)
    shutil.copytree(patched, applied)
    result = hardenfix(patched, "apply", "--dry-run")
    assert result.code == 1, result.stderr
    apply_diff(tool, result.stdout, patched)
    assert hardenfix(applied, "apply").code == 0
    for written in applied.rglob("compose.yaml"):
        assert (patched / written.relative_to(applied)).read_bytes() == written.read_bytes() == FIXED.encode()


def test_a_name_that_is_not_utf8_is_quoted_byte_for_byte(tmp_path: Path) -> None:
    name = os.fsdecode(b"caf\xe9")  # a Latin-1 folder name on a UTF-8 system
    ours = unified_diff(f"{name}/compose.yaml", b"a\n", b"b\n").split(b"\n")[:2]
    assert ours == [b'--- "a/caf\\351/compose.yaml"', b'+++ "b/caf\\351/compose.yaml"']
