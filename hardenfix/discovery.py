"""Which files to process, and what kind each one is.

Directories are walked honouring `.gitignore` files as git does (each applies below
its own folder, the nearest deciding; in a git working tree, those above the folder
walked and `.git/info/exclude` too) and skipping version-control folders, virtualenvs
and dependency trees. A file named on the command line is always processed when its
kind can be told.
"""

from __future__ import annotations

import errno
import fnmatch
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from hardenfix import regexes
from hardenfix.files import TEMP_PREFIX, TEMP_SUFFIX
from hardenfix.gitignore import IgnorePatterns
from hardenfix.model import FileKind, MergedByInclude

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
_SNIFFED_COMPOSE_NAMES = ("compose-*.yaml", "compose-*.yml", "*-compose.yaml", "*-compose.yml")
"""Names that Compose files often have (VictoriaMetrics' `compose-vm-single.yml`, a
`dev-compose.yml`), but other YAML files too (an Ansible role's `tasks/compose-up.yml`):
such a file is a Compose file when its top level has `services:`."""
_DOCKERFILE_NAMES = ("Dockerfile", "Dockerfile.*", "*.Dockerfile", "*.dockerfile", "Containerfile", "Containerfile.*")
_DOCKERIGNORE_SUFFIX = ".dockerignore"
"""`Dockerfile.tests.dockerignore` is the ignore file BuildKit reads for `Dockerfile.tests`
(great_expectations' docker/), not a Dockerfile."""
_SERVICES_KEY = regexes.lazy(rb"(?:^|\A\xef\xbb\xbf)services[ \t]*:", re.MULTILINE)
"""A top-level `services:`, also first in a file that starts with a UTF-8 byte order mark."""


class Candidate(NamedTuple):
    path: Path
    """Absolute and normal. A symlink to a file in the tree is replaced by that file's
    path in the tree (see `discover`); other symlinks are not resolved."""
    kind: FileKind | None
    """None when an explicitly named file's kind could not be told."""
    explicit: bool
    skip_reason: str | None = None
    merged_by_include: tuple[MergedByInclude, ...] = ()
    """For a Compose file: what the `include:`s of the run's other Compose files merge over
    it, as the run learnt it before processing the file (see `runner._Schedule`)."""


def _any_of(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(fnmatch.translate(pattern) for pattern in patterns))


_COMPOSE_NAME = _any_of(_COMPOSE_NAMES)
_SNIFFED_COMPOSE_NAME = _any_of(_SNIFFED_COMPOSE_NAMES)
_DOCKERFILE_NAME = _any_of(_DOCKERFILE_NAMES)


def classify_name(name: str) -> FileKind | None:
    if _COMPOSE_NAME.match(name):
        return FileKind.COMPOSE
    if _DOCKERFILE_NAME.match(name) and not name.endswith(_DOCKERIGNORE_SUFFIX):
        return FileKind.DOCKERFILE
    if name.endswith(".py"):
        return FileKind.PYTHON
    return None


def may_name_compose_file(name: str) -> bool:
    """Whether a file of this name may be a Compose file: one by its name, or one whose
    content would say so (`is_sniffed_name`)."""
    return _COMPOSE_NAME.match(name) is not None or _SNIFFED_COMPOSE_NAME.match(name) is not None


def is_sniffed_name(name: str) -> bool:
    """Whether a file of this name, found in a walk, is a Compose file if its content says so."""
    return _SNIFFED_COMPOSE_NAME.match(name) is not None


def classify_explicit(path: Path) -> FileKind | None:
    """A named file: by its name, else a YAML file whose top level has `services:`."""
    kind = classify_name(path.name)
    if kind is None and path.suffix in (".yml", ".yaml") and path.is_file():
        return _sniffed_kind(str(path))
    return kind


def _sniffed_kind(path: str) -> FileKind | None:
    """Compose for a file whose top level has `services:`, else None."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(1 << 20)
    except OSError:
        return None
    return FileKind.COMPOSE if has_services_key(head) else None


def has_services_key(head: bytes) -> bool:
    """Whether YAML text (or its beginning) has a top-level `services:`: a Compose file."""
    return _SERVICES_KEY.search(head) is not None


FolderListed = Callable[[str, set[str]], None]
"""Told each folder walked and the names in it, so that others need not list it again."""

PlacedWhenRecalled = Callable[[str, FileKind], bool]
"""Told each file a remembered walk lists (its absolute path, its kind) before it is made a
candidate: True when the caller has placed it already, and it is not yielded."""


class Walk:
    """What walking a tree found, and the statuses of what it looked at: a later run takes
    the files from here while every folder (whose modification time changes when an entry
    is added, removed or renamed) and every `.gitignore` is as it was, as git's untracked
    cache does. Paths are relative to the tree."""

    __slots__ = ("complete", "files", "folders", "ignore_files", "noted_names", "temporaries")

    folders: list[list[Any]]
    """[path, mtime in ns, inode, the names in it a listener is told of]."""
    ignore_files: list[list[Any]]
    """[path, mtime in ns, size, inode]."""
    files: list[list[Any]]
    """[path, kind, whether it is a symlink]; the kind is None for a file whose content
    tells it (`is_sniffed_name`), which is read again on each run, since editing a file
    leaves its folder's modification time as it was."""
    temporaries: list[str]
    complete: bool
    """False when a folder could not be listed: such a walk is not reused."""
    noted_names: list[str]
    """The names the folders' entries above were noted for: a walk serves only a run that
    notes the same ones."""

    def __init__(
        self,
        folders: list[list[Any]] | None = None,
        ignore_files: list[list[Any]] | None = None,
        files: list[list[Any]] | None = None,
        temporaries: list[str] | None = None,
        complete: bool = True,
        noted_names: list[str] | None = None,
    ) -> None:
        self.folders = [] if folders is None else folders
        self.ignore_files = [] if ignore_files is None else ignore_files
        self.files = [] if files is None else files
        self.temporaries = [] if temporaries is None else temporaries
        self.complete = complete
        self.noted_names = [] if noted_names is None else noted_names

    def statuses(self) -> Iterator[tuple[str, list[int]]]:
        for path, mtime, inode, _ in self.folders:
            yield path, [mtime, inode]
        for path, mtime, size, inode in self.ignore_files:
            yield path, [mtime, size, inode]

    def is_current(self, root: str, seen: dict[str, list[int]] | None = None) -> bool:
        """Whether everything the walk looked at is as it was; `seen` is given each folder's
        [mtime in ns, size] on the way, for others that need them this run."""
        for path, status in self.statuses():
            absolute = os.path.join(root, path) if path != "." else root
            try:
                now = os.stat(absolute)
            except OSError:
                return False
            is_folder = len(status) == 2
            if is_folder and seen is not None:
                seen[absolute] = [now.st_mtime_ns, now.st_size]
            known = [now.st_mtime_ns, now.st_ino] if is_folder else [now.st_mtime_ns, now.st_size, now.st_ino]
            if known != status:
                return False
        return True


class WalkMemory(Protocol):
    """Where walks are kept between runs (`hardenfix.cache.Cache`)."""

    def recall(self, root: str) -> Walk | None: ...

    def remember(self, root: str, walk: Walk) -> None: ...


def discover(
    paths: list[Path],
    temporaries: list[Path] | None = None,
    on_folder: FolderListed | None = None,
    walks: WalkMemory | None = None,
    noted_names: frozenset[str] = frozenset(),
    seen: dict[str, list[int]] | None = None,
    placed: PlacedWhenRecalled | None = None,
) -> Iterator[Candidate]:
    """Files to process, each once, in a stable order.

    A symlinked file is followed only when its target lies inside the tree being
    processed (the directory argument, or the working directory for a named file), and
    then it is that target, named by its path in the tree: a file reached through
    several links, or through a link and its own name, is processed once, under its own
    name, so that a diff never changes one file twice. A link to outside the tree comes
    with a `skip_reason`, so that nothing is written outside.
    Temporary files of interrupted writes are collected in `temporaries`. With `walks`,
    a tree unchanged since a walk that was remembered is not walked again; `on_folder`
    is then told the `noted_names` each folder held, `seen` the [mtime in ns, size] of each
    folder it checked, and `placed` each file it lists (a file reached from two paths given,
    once).
    """
    found: set[str] = set()
    temporaries = temporaries if temporaries is not None else []
    for path in paths:
        path = Path(os.path.abspath(path))  # so is every candidate's: absolute and normal
        if path.is_dir():
            top, real_top = str(path), os.path.realpath(path)
            placed_once = _once(placed, found, top, real_top) if placed is not None else None
            candidates = _walk_or_recall(path, temporaries, on_folder, walks, noted_names, seen, placed_once)
        else:
            top = real_top = os.getcwd()
            candidate = Candidate(path, classify_explicit(path), explicit=True)
            candidates = iter([_followed(candidate, top, os.path.islink(path))])
        for candidate in candidates:
            # Each file once, by its real path. The walk follows no folder link, so below
            # the tree only a file link (now its target) makes a path differ from the real
            # one. A link that is skipped stands for itself, not for its target.
            if candidate.skip_reason is not None:
                key = str(candidate.path)
            elif candidate.explicit:
                key = os.path.realpath(candidate.path)
            else:
                key = real_top + str(candidate.path)[len(top) :]
            if key not in found:
                found.add(key)
                yield candidate


def _once(placed: PlacedWhenRecalled, found: set[str], top: str, real_top: str) -> PlacedWhenRecalled:
    """`placed` for the files of the tree `top` that `discover` has not yielded or placed: a
    file it places is found, as one yielded is."""

    def placed_once(absolute: str, kind: FileKind) -> bool:
        key = real_top + absolute[len(top) :]
        if key in found:
            return True
        if placed(absolute, kind):
            found.add(key)
            return True
        return False

    return placed_once


def _followed(candidate: Candidate, top: str, is_link: bool) -> Candidate:
    """A candidate found as a symlink: its target, named by its path in the tree `top`
    (as given, symlinks not resolved), or skipped when the target lies outside."""
    if not is_link:
        return candidate
    target, tree = os.path.realpath(candidate.path), os.path.realpath(top)
    if os.path.commonpath([target, tree]) != tree:
        return candidate._replace(skip_reason="is a symlink to outside the tree being processed")
    return candidate._replace(path=Path(os.path.join(top, os.path.relpath(target, tree))))


def _walk_or_recall(
    root: Path,
    temporaries: list[Path],
    on_folder: FolderListed | None,
    walks: WalkMemory | None,
    noted_names: frozenset[str],
    seen: dict[str, list[int]] | None,
    placed: PlacedWhenRecalled | None = None,
) -> Iterator[Candidate]:
    top = str(root)
    remembered = walks.recall(top) if walks is not None else None
    if remembered is not None and set(remembered.noted_names) == noted_names and remembered.is_current(top, seen):
        for folder, _, _, names in remembered.folders:
            if on_folder is not None:
                on_folder(os.path.join(top, folder) if folder != "." else top, set(names))
        temporaries.extend(Path(top, temporary) for temporary in remembered.temporaries)
        for path, kind, is_link in remembered.files:
            absolute = os.path.join(top, path)
            known = FileKind(kind) if kind is not None else _sniffed_kind(absolute)
            if known is None or (placed is not None and not is_link and placed(absolute, known)):
                continue
            yield _followed(Candidate(root / path, known, explicit=False), top, is_link)
        return
    walk = Walk(noted_names=sorted(noted_names)) if walks is not None else None
    yield from _walk(root, temporaries, on_folder, walk, noted_names)
    if walks is not None and walk is not None and walk.complete:
        walks.remember(top, walk)


def discover_along(root: Path, folder: Path, on_folder: FolderListed | None = None) -> Iterator[Candidate]:
    """The files a walk of the tree `root` finds in the folders from `root` down to `folder`,
    in the walk's order, listing no other folder (each one listed is told to `on_folder`):
    none below a folder the walk would not enter (an ignored one, a virtualenv)."""
    return _walk(Path(os.path.abspath(root)), [], on_folder, along=os.path.abspath(folder))


def _walk(
    root: Path,
    temporaries: list[Path],
    on_folder: FolderListed | None,
    walk: Walk | None = None,
    noted_names: frozenset[str] = frozenset(),
    along: str | None = None,
) -> Iterator[Candidate]:
    """Depth-first, names sorted, so that output order never depends on the file system.

    One folder's listing tells what it holds (a `.gitignore`, a `pyvenv.cfg`) without
    asking the file system again; paths stay strings until a candidate is made. What
    the walk finds and looks at is noted in `walk`. With `along`, a folder of the tree, it
    enters only the folders on the way there.
    """
    top = str(root)
    record = _Recorder(str(root), walk, noted_names) if walk is not None else None
    # One iterator per open folder, over its sorted entries, with the ignore files in force there.
    pending = [_listing(top, _inherited_ignores(top, record), on_folder, record)]
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
            if along is not None and not (along == entry.path or along.startswith(entry.path + os.sep)):
                continue
            if entry.name not in SKIPPED_DIRECTORIES and not _ignored(entry.path, ignores, is_dir=True):
                pending.append(_listing(entry.path, ignores, on_folder, record))
        elif is_file:
            if entry.name.startswith(TEMP_PREFIX) and entry.name.endswith(TEMP_SUFFIX):
                temporaries.append(Path(entry.path))
                if record is not None:
                    record.walk.temporaries.append(record.relative(entry.path))
                continue
            kind = classify_name(entry.name)
            sniffed = kind is None and is_sniffed_name(entry.name)
            if (kind is not None or sniffed) and not _ignored(entry.path, ignores, is_dir=False):
                is_link = entry.is_symlink()
                if record is not None:
                    record.walk.files.append([record.relative(entry.path), None if sniffed else str(kind), is_link])
                if sniffed:
                    kind = _sniffed_kind(entry.path)
                if kind is not None:
                    yield _followed(Candidate(Path(entry.path), kind, explicit=False), top, is_link)


class _Recorder:
    """Notes in a walk what it lists, for the cache."""

    def __init__(self, top: str, walk: Walk, noted_names: frozenset[str]) -> None:
        self.top = top
        self.walk = walk
        self.noted_names = noted_names

    def relative(self, path: str) -> str:
        if path.startswith(self.top + os.sep):
            return path[len(self.top) + 1 :]
        return "." if path == self.top else os.path.relpath(path, self.top)  # an ignore file above the tree

    def folder(self, directory: str, status: os.stat_result, names: set[str]) -> None:
        noted = sorted(names & self.noted_names)
        self.walk.folders.append([self.relative(directory), status.st_mtime_ns, status.st_ino, noted])

    def ignore_file(self, path: str, status: os.stat_result) -> None:
        self.walk.ignore_files.append([self.relative(path), status.st_mtime_ns, status.st_size, status.st_ino])


_Ignores = list[tuple[str, IgnorePatterns]]
"""The `.gitignore` files in force in a folder, from the walk's root down: each folder and its patterns."""


def _listing(
    directory: str, ignores: _Ignores, on_folder: FolderListed | None, record: _Recorder | None = None
) -> tuple[Iterator[os.DirEntry[str]], _Ignores]:
    """A folder's entries in name order, and the ignore files in force below it; nothing
    for a virtualenv or a folder that cannot be listed."""
    try:
        # Its status before its listing: were it changed in between, the status remembered
        # would be the older one, and the next run would list the folder again.
        status = os.stat(directory) if record is not None else None
        with os.scandir(directory) as scanned:
            entries = sorted(scanned, key=lambda entry: entry.name)
    except OSError:
        if record is not None:
            record.walk.complete = False
        return iter(()), ignores
    names = {entry.name for entry in entries}
    if on_folder is not None:
        on_folder(directory, names)
    if record is not None and status is not None:
        record.folder(directory, status, names)
    if "pyvenv.cfg" in names:
        return iter(()), ignores
    if ".gitignore" in names:
        spec = _ignore_file(os.path.join(directory, ".gitignore"), record)
        if spec is not None:
            ignores = [*ignores, (directory, spec)]
    return iter(entries), ignores


def _inherited_ignores(top: str, record: _Recorder | None) -> _Ignores:
    """What git ignores in the tree `top` by the rules of the folders above it: in a git
    working tree, its `.git/info/exclude`, then the `.gitignore` of each folder from the
    working tree's root down to `top`'s parent, as `git status` reads them for a path below
    `top`. None outside a working tree. A remembered walk notices a change to these files, but
    not one added above the tree (the folders above are not watched: the cache's own folder
    is made in one of them)."""
    above: list[str] = []
    folder = top
    while not os.path.lexists(os.path.join(folder, ".git")):
        parent = os.path.dirname(folder)
        if parent == folder:
            return []
        above.append(parent)
        folder = parent
    ignores: _Ignores = []
    exclude = _ignore_file(os.path.join(_git_directory(folder), "info", "exclude"), record, missing=True, link=True)
    if exclude is not None:
        ignores.append((folder, exclude))
    for directory in reversed(above):
        spec = _ignore_file(os.path.join(directory, ".gitignore"), record, missing=True)
        if spec is not None:
            ignores.append((directory, spec))
    return ignores


def _git_directory(working_tree: str) -> str:
    """The repository folder of a working tree: its `.git`, or where a `.git` file points (a
    submodule's), or the folder a linked worktree shares with the main one (its
    `info/exclude` with it)."""
    dot_git = os.path.join(working_tree, ".git")
    if not os.path.isfile(dot_git):
        return dot_git
    try:
        with open(dot_git, encoding="utf-8") as file:
            pointed = os.path.join(working_tree, file.read().strip().removeprefix("gitdir:").strip())
    except OSError:
        return dot_git
    try:
        with open(os.path.join(pointed, "commondir"), encoding="utf-8") as file:
            return os.path.normpath(os.path.join(pointed, file.read().strip()))
    except OSError:
        return pointed


def _ignore_file(
    path: str, record: _Recorder | None, missing: bool = False, link: bool = False
) -> IgnorePatterns | None:
    """The patterns of an ignore file, read as git reads it: its bytes (a name not in UTF-8 is
    matched as `os.scandir` gives it), lines split at `\n` alone. None when it cannot be read:
    a walk that could not read one its folder lists is not remembered, unless the file may be
    `missing`. A `.gitignore` that is a symbolic link is not read, as git (since 2.32) reads
    none; the repository's `info/exclude` may be one (`link`)."""
    flags = os.O_RDONLY | (0 if link else getattr(os, "O_NOFOLLOW", 0))
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if record is not None and not missing and error.errno != errno.ELOOP:
            record.walk.complete = False
        return None
    try:
        with open(descriptor, "rb") as file:
            if record is not None:
                record.ignore_file(path, os.fstat(file.fileno()))
            data = file.read()
    except OSError:
        if record is not None:
            record.walk.complete = False
        return None
    return IgnorePatterns.from_text(data.decode("utf-8", "surrogateescape"))


def _ignored(path: str, ignores: _Ignores, is_dir: bool) -> bool:
    """Whether the `.gitignore` files in force ignore `path`, whose folders they did not: as
    in git, the nearest file with a pattern that matches decides, and a `!` there takes it back."""
    for base, patterns in reversed(ignores):
        # Paths here were built by joining names onto `base`: slicing is relpath's answer.
        prefix = base if base.endswith(os.sep) else base + os.sep
        decision = patterns.decision(path[len(prefix) :].replace(os.sep, "/"), is_dir)
        if decision is not None:
            return decision
    return False
