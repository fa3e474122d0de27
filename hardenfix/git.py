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
        # The last line says why; a hook that refused a commit may say it on either stream.
        said = (completed.stderr.strip() or completed.stdout.strip()).splitlines()
        raise GitError(f"`git {arguments[0]}` failed: {said[-1] if said else f'exit {completed.returncode}'}")
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


def commit_on_branch(
    cwd: Path,
    branch: str,
    files: Iterable[Path],
    fixed: Counter[str],
    slugs: dict[str, str],
    verify: bool = True,
) -> str:
    """Create or reset `branch` at HEAD and commit exactly `files` on it; returns the commit.

    The commit is limited to `files` by a pathspec, so what the user had staged for other
    paths stays staged and out of it. The repository's own hooks (pre-commit, commit-msg)
    run unless `verify` is false; a hook that refuses stops the commit (GitError).
    """
    root = repository_root(cwd)
    paths = [os.path.relpath(os.path.realpath(path), root) for path in files]
    _git(root, "checkout", "--quiet", "-B", branch)
    _git(root, "add", "--", *paths)  # a fixed file git did not track yet
    total = sum(fixed.values())
    lines = [f"hardenfix: apply {total} production-hardening fix{'es' if total != 1 else ''}", ""]
    lines += [f"- {code} {slugs.get(code, '')}: {count}".rstrip() for code, count in sorted(fixed.items())]
    verification = [] if verify else ["--no-verify"]
    _git(root, "commit", "--quiet", *verification, "-m", "\n".join(lines) + "\n", "--only", "--", *paths)
    return _git(root, "rev-parse", "HEAD").strip()
