"""Which files to process, and what kind each one is.

Directories are walked honouring `.gitignore` files (each applies below its own
folder, as in git) and skipping version-control folders, virtualenvs and
dependency trees. A file named on the command line is always processed when its
kind can be told.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pathspec

from hardenfix.files import TEMP_PREFIX, TEMP_SUFFIX
from hardenfix.model import FileKind

SKIPPED_DIRECTORIES = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".bzr",
        ".hardenfix_cache",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".tox",
        ".nox",
        ".venv",
        "__pycache__",
        "__pypackages__",
        "node_modules",
        "site-packages",
    }
)
_COMPOSE_NAMES = (
    "compose.yaml",
    "compose.yml",
    "docker-compose*.yaml",
    "docker-compose*.yml",
    "compose.*.yaml",
    "compose.*.yml",
    "*.compose.yaml",
    "*.compose.yml",
)
_DOCKERFILE_NAMES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile", "Containerfile.*")
_SERVICES_KEY = re.compile(rb"^services[ \t]*:", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Candidate:
    path: Path
    """Absolute and normal (symlinks not resolved)."""
    kind: FileKind | None
    """None when an explicitly named file's kind could not be told."""
    explicit: bool
    skip_reason: str | None = None


def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))


_COMPOSE_NAME = _any_of(_COMPOSE_NAMES)
_DOCKERFILE_NAME = _any_of(_DOCKERFILE_NAMES)


def classify_name(name: str) -> FileKind | None:
    if _COMPOSE_NAME.match(name):
        return FileKind.COMPOSE
    if _DOCKERFILE_NAME.match(name):
        return FileKind.DOCKERFILE
    if name.endswith(".py"):
        return FileKind.PYTHON
    return None


def classify_explicit(path: Path) -> FileKind | None:
    """A named file: by its name, else a YAML file whose top level has `services:`."""
    kind = classify_name(path.name)
    if kind is None and path.suffix in (".yml", ".yaml") and path.is_file():
        try:
            with path.open("rb") as handle:
                head = handle.read(1 << 20)
        except OSError:
            return None
        if _SERVICES_KEY.search(head):
            return FileKind.COMPOSE
    return kind


FolderListed = Callable[[str, set[str]], None]
"""Told each folder walked and the names in it, so that others need not list it again."""


def discover(
    paths: list[Path], temporaries: list[Path] | None = None, on_folder: FolderListed | None = None
) -> Iterator[Candidate]:
    """Files to process, each once, in a stable order.

    A symlinked file is followed only when its target lies inside the tree being
    processed (the directory argument, or the working directory for a named file);
    otherwise it comes with a `skip_reason`, so that nothing is written outside.
    Temporary files of interrupted writes are collected in `temporaries`.
    """
    seen: set[str] = set()
    for path in paths:
        path = Path(os.path.abspath(path))  # so is every candidate's: absolute and normal
        if path.is_dir():
            candidates = _walk(path, temporaries if temporaries is not None else [], on_folder)
        else:
            candidate = Candidate(path, classify_explicit(path), explicit=True)
            candidates = iter([_followed(candidate, os.path.realpath(Path.cwd()), os.path.islink(path))])
        for candidate in candidates:
            key = os.path.realpath(candidate.path) if candidate.explicit else str(candidate.path)
            if key not in seen:
                seen.add(key)
                yield candidate


def _followed(candidate: Candidate, tree: str, is_link: bool) -> Candidate:
    if is_link:
        target = os.path.realpath(candidate.path)
        if os.path.commonpath([target, tree]) != tree:
            return dataclasses.replace(candidate, skip_reason="is a symlink to outside the tree being processed")
    return candidate


def _walk(root: Path, temporaries: list[Path], on_folder: FolderListed | None) -> Iterator[Candidate]:
    """Depth-first, names sorted, so that output order never depends on the file system.

    One folder's listing tells what it holds (a `.gitignore`, a `pyvenv.cfg`) without
    asking the file system again; paths stay strings until a candidate is made.
    """
    tree = os.path.realpath(root)
    # One iterator per open folder, over its sorted entries, with the ignore files in force there.
    pending = [_listing(str(root), [], on_folder)]
    while pending:
        entries, ignores = pending[-1]
        entry = next(entries, None)
        if entry is None:
            pending.pop()
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_file = not is_dir and entry.is_file()
        except OSError:
            continue
        if is_dir:
            if entry.name not in SKIPPED_DIRECTORIES and not _ignored(entry.path, ignores, is_dir=True):
                pending.append(_listing(entry.path, ignores, on_folder))
        elif is_file:
            if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
                temporaries.append(Path(entry.path))
                continue
            kind = classify_name(entry.name)
            if kind is not None and not _ignored(entry.path, ignores, is_dir=False):
                candidate = Candidate(Path(entry.path), kind, explicit=False)
                yield _followed(candidate, tree, entry.is_symlink())


_Ignores = list[tuple[str, pathspec.PathSpec]]


def _listing(
    directory: str, ignores: _Ignores, on_folder: FolderListed | None
) -> tuple[Iterator[os.DirEntry[str]], _Ignores]:
    """A folder's entries in name order, and the ignore files in force below it; nothing
    for a virtualenv or a folder that cannot be listed."""
    try:
        with os.scandir(directory) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
    except OSError:
        return iter(()), ignores
    names = {entry.name for entry in entries}
    if on_folder is not None:
        on_folder(directory, names)
    if "pyvenv.cfg" in names:
        return iter(()), ignores
    if ".gitignore" in names:
        spec = _gitignore(directory)
        if spec is not None:
            ignores = [*ignores, (directory, spec)]
    return iter(entries), ignores


def _gitignore(directory: str) -> pathspec.PathSpec | None:
    try:
        with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as file:
            lines = file.read().splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def _ignored(path: str, ignores: _Ignores, is_dir: bool) -> bool:
    for base, spec in ignores:
        # Paths here were built by joining names onto `base`: slicing is relpath's answer.
        prefix = base if base.endswith(os.sep) else base + os.sep
        relative = path[len(prefix) :].replace(os.sep, "/")
        if is_dir:
            relative += "/"
        if spec.match_file(relative):
            return True
    return False
