"""What hardenfix asks git: which files changed, and committing fixes on a branch."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections import Counter
from collections.abc import Iterable
from pathlib import Path


class GitError(Exception):
    """git failed or is not there; the message is one line."""


def _git(cwd: Path, *arguments: str) -> str:
    try:
        completed = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed") from None
    if completed.returncode != 0:
        message = completed.stderr.strip().splitlines()
        raise GitError(f"`git {' '.join(arguments)}` failed: {message[-1] if message else completed.returncode}")
    return completed.stdout


def repository_root(cwd: Path) -> Path:
    return Path(_git(cwd, "rev-parse", "--show-toplevel").strip())


def default_base(cwd: Path) -> str:
    """The merge base of HEAD with the default branch (origin's HEAD, else main or master)."""
    candidates = []
    with contextlib.suppress(GitError):
        candidates.append(_git(cwd, "symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD").strip())
    candidates += ["origin/main", "origin/master", "main", "master"]
    for branch in candidates:
        try:
            return _git(cwd, "merge-base", "HEAD", branch).strip()
        except GitError:
            continue
    raise GitError("cannot tell the default branch to compare with; name a revision: --changed REV")


def changed_files(cwd: Path, base: str | None) -> set[str]:
    """Real paths of files changed since `base` (committed, staged, unstaged or untracked)."""
    root = repository_root(cwd)
    revision = base or default_base(cwd)
    listed = _git(root, "diff", "--name-only", "--no-renames", "-z", revision, "--").split("\0")
    listed += _git(root, "ls-files", "--others", "--exclude-standard", "-z").split("\0")
    return {os.path.realpath(root / name) for name in listed if name}


def commit_on_branch(cwd: Path, branch: str, files: Iterable[Path], fixed: Counter[str], slugs: dict[str, str]) -> str:
    """Create or reset `branch` at HEAD with the fixed files committed on it; returns the commit."""
    root = repository_root(cwd)
    _git(root, "checkout", "--quiet", "-B", branch)
    _git(root, "add", "--", *(os.path.relpath(os.path.abspath(path), root) for path in files))
    total = sum(fixed.values())
    lines = [f"hardenfix: apply {total} production-hardening fix{'es' if total != 1 else ''}", ""]
    lines += [f"- {code} {slugs.get(code, '')}: {count}".rstrip() for code, count in sorted(fixed.items())]
    _git(root, "commit", "--quiet", "--no-verify", "-m", "\n".join(lines) + "\n")
    return _git(root, "rev-parse", "HEAD").strip()
