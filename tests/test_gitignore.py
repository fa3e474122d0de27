"""`.gitignore` patterns, with git itself as the oracle: the walk must find exactly the
files `git ls-files --others --exclude-standard` lists."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from hardenfix.discovery import discover
from hardenfix.gitignore import IgnorePatterns

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")

ROOT_PATTERNS = "\n".join(
    [
        "# a comment, and a blank line",
        "",
        r"\#hash.py",
        "*_gen.py",
        "!keep_gen.py",
        "build/",
        "/top_only.py",
        "docs/*.py",
        "!docs/index.py",
        "**/cache/**",
        "a/**/deep.py",
        "trailing.py   ",
        r"escaped\ .py",
        "[abc]_set.py",
        "[!x-z]x_neg.py",
        "[[:digit:]]_num.py",
        "[]]_bracket.py",
        "[z-a]_reversed.py",
        "out",
        "!out/inner.py",
        "foo**/bar.py",
        "[unclosed.py",
        "back\\",
        "crlf.py\r",
        "q?.py",
        "r*/s.py",
        "**/t.py",
        "/u/**",
        "!/u/keep.py",
        "v/",
        "!v/",
        "\\!bang.py",
    ]
)
"""Patterns that take each branch of git's reading: anchors, `**` in each place, sets and
classes, escapes, trailing spaces, `!` that can and cannot take a file back, and patterns
git cannot read."""

FILES = [
    "#hash.py",
    "!bang.py",
    "1_num.py",
    "[unclosed.py",
    "]_bracket.py",
    "a/b/c/deep.py",
    "a/deep.py",
    "a_gen.py",
    "a_num.py",
    "a_reversed.py",
    "a_set.py",
    "ax_neg.py",
    "b/a/deep.py",
    "back\\.py",
    "build.py",
    "build/x.py",
    "cache/a.py",
    "crlf.py",
    "d_set.py",
    "docs/a.py",
    "docs/index.py",
    "docs/sub/b.py",
    "escaped .py",
    "fo/bar.py",
    "foo/bar.py",
    "foobar.py",
    "foox/y/bar.py",
    "keep_gen.py",
    "local.py",
    "out/inner.py",
    "out/other.py",
    "q1.py",
    "q12.py",
    "r/s.py",
    "rx/s.py",
    "rx/y/s.py",
    "sub/anchored.py",
    "sub/b_gen.py",
    "sub/c_gen.py",
    "sub/local.py",
    "sub/out.py",
    "sub/y/anchored.py",
    "t.py",
    "top_only.py",
    "trailing.py",
    "u/a.py",
    "u/keep.py",
    "v/a.py",
    "w/t.py",
    "x/a_gen.py",
    "x/build/y.py",
    "x/cache/b.py",
    "x/top_only.py",
    "xx_neg.py",
    "z_reversed.py",
]
NESTED = {"sub/.gitignore": "!*_gen.py\nc_gen.py\nlocal.py\n/anchored.py\n"}
"""A nearer `.gitignore`, whose patterns win over the root's: it takes back one of its
files the root ignores and ignores another again."""


def _tree(root: Path, gitignores: dict[str, str]) -> None:
    for name in FILES:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("")
    for name, text in gitignores.items():
        (root / name).write_bytes(text.encode())


def _git_lists(root: Path, exclude: str = "") -> list[str]:
    environment = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    subprocess.run(["git", "init", "-q", str(root)], check=True, env=environment)
    (root / ".git" / "info" / "exclude").write_text(exclude)
    listed = subprocess.run(
        ["git", "-c", "core.excludesFile=", "ls-files", "-z", "--others", "--exclude-standard"],
        cwd=root,
        env=environment,
        check=True,
        capture_output=True,
    ).stdout.decode()
    return sorted(name for name in listed.split("\0") if name.endswith(".py"))


@pytest.mark.parametrize("nested", [False, True], ids=["one file", "nested"])
def test_the_walk_finds_what_git_lists(tmp_path: Path, nested: bool) -> None:
    _tree(tmp_path, {".gitignore": ROOT_PATTERNS + "\n", **(NESTED if nested else {})})
    found = sorted(candidate.path.relative_to(tmp_path).as_posix() for candidate in discover([tmp_path]))
    expected = _git_lists(tmp_path)
    assert found == expected
    # Not a vacuous comparison: the patterns ignore some files and leave others.
    assert 10 < len(expected) < len(FILES) - 10


@pytest.mark.parametrize("folder", ["sub", "docs", "a", "u", "out"])
def test_a_folder_in_a_working_tree_is_walked_with_the_rules_above_it(tmp_path: Path, folder: str) -> None:
    """As `git status` does: the `.gitignore` files from the working tree's root down, and
    `.git/info/exclude`, apply to a folder named on the command line."""
    _tree(tmp_path, {".gitignore": ROOT_PATTERNS + "\n", **NESTED})
    listed = _git_lists(tmp_path, exclude="keep_gen.py\nsub/local.py\n")
    found = sorted(candidate.path.relative_to(tmp_path).as_posix() for candidate in discover([tmp_path / folder]))
    expected = [name for name in listed if name.startswith(folder + "/")]
    if folder == "out":  # ignored itself, yet named: what is below it is still matched
        assert found == ["out/inner.py", "out/other.py"] and expected == []
    else:
        assert found == expected


def test_excludes_tells_what_git_lists(tmp_path: Path) -> None:
    """A configuration's `exclude`: a file below an excluded folder is excluded, and no `!`
    takes it back."""
    _tree(tmp_path, {".gitignore": ROOT_PATTERNS + "\n"})
    patterns = IgnorePatterns.from_text(ROOT_PATTERNS)
    assert sorted(name for name in FILES if not patterns.excludes(name)) == _git_lists(tmp_path)


@pytest.mark.parametrize(
    ("pattern", "path", "is_dir", "decision"),
    [
        ("build/", "build", True, True),
        ("build/", "build", False, None),  # a file named like the folder
        ("!keep.py", "keep.py", False, False),
        ("*.py", "a.py", False, True),
        ("*.py", "a.txt", False, None),
        ("\ufeff*.py", "a.py", False, None),  # a byte order mark belongs to the file, not a line
    ],
)
def test_decision(pattern: str, path: str, is_dir: bool, decision: bool | None) -> None:
    assert IgnorePatterns([pattern]).decision(path, is_dir) is decision


def test_a_byte_order_mark_starts_the_file_not_its_first_pattern() -> None:
    assert IgnorePatterns.from_text("\ufeff*.py\n").decision("a.py", is_dir=False) is True


@pytest.mark.parametrize(
    ("ignore_file", "files"),
    [
        (b"a.py\r\r\n", [b"a.py"]),  # one pattern, `a.py\r`: lines end at `\n` alone
        (b"x\ra.py\n", [b"a.py", b"x.py"]),
        (b"\xff.py\n", [b"\xff.py", b"b.py"]),  # bytes not UTF-8, matched as the file system names them
        (b"a.py\0junk\n", [b"a.py", b"b.py"]),  # git's pattern ends at a NUL
    ],
    ids=["carriage returns", "a carriage return inside", "not UTF-8", "a NUL"],
)
def test_the_file_is_read_as_git_reads_it(tmp_path: Path, ignore_file: bytes, files: list[bytes]) -> None:
    for name in files:
        (tmp_path / os.fsdecode(name)).write_bytes(b"")
    (tmp_path / ".gitignore").write_bytes(ignore_file)
    found = sorted(candidate.path.relative_to(tmp_path).as_posix() for candidate in discover([tmp_path]))
    assert found == _git_lists(tmp_path)


def test_a_gitignore_that_is_a_symbolic_link_is_not_read(tmp_path: Path) -> None:
    """As git since 2.32: it warns, and ignores nothing by it."""
    (tmp_path / "a.py").write_bytes(b"")
    (tmp_path / "patterns.txt").write_text("a.py\n")
    (tmp_path / ".gitignore").symlink_to("patterns.txt")
    found = [candidate.path.name for candidate in discover([tmp_path])]
    assert found == ["a.py"]
    assert _git_lists(tmp_path) == ["a.py"]
