"""Remember what each file was reported for, like ruff's cache.

An entry's key is the fingerprint of the settings that checked the file and the
SHA-256 of its bytes; its value is the findings on those bytes and the other files
and folders they depend on (an entrypoint script, a Dockerfile, a folder that was
listed), each with its modification time and size. An entry is used only while
every dependency is unchanged. Files that no rule needed to parse get an entry too,
with no findings.

Reading and hashing a tree costs more than asking the file system about it, so the
cache also remembers each file's modification time, size and inode with the hash
of the bytes they went with, as git's index and ruff's cache do: a file whose
status is unchanged is not read again. A status is remembered only when the file
was last modified well before the run started (git's "racily clean" rule): a file
written again within the same clock tick, at the same size, could otherwise keep
its old status with new bytes. The build contexts a Compose file gives Dockerfiles
are remembered the same way, so a warm run parses nothing at all; and an entry is kept
only when every file it depends on was settled so, where its file system keeps whole
seconds. Facts read from many files (a build context's code) are remembered with the
status of each, so that a changed Compose file is checked without reading its services'
code again (see `hardenfix.remembered`).

The cache lives in `.hardenfix_cache/` (with its own `.gitignore`) at the root of the
project checked, as ruff keeps its cache beside the configuration it found: the
nearest folder at or above each path given that holds `.git` or a configuration file
saying `root = true`; without one, the working directory for a path inside it, else
the folder given. A run over paths of several projects keeps each file's entries in
its own project's cache. Where that folder cannot be written, the cache goes under
`$XDG_CACHE_HOME/hardenfix`, one folder per project. It is JSON, never code: a
repository cannot run anything through it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from hardenfix import __version__
from hardenfix.collector import not_collecting
from hardenfix.config import CONFIG_FILES, ConfigError, read_layer
from hardenfix.discovery import Walk
from hardenfix.model import FileKind, Finding, Record, Status, is_strings
from hardenfix.remembered import Kept

DIRECTORY_NAME = ".hardenfix_cache"
FORMAT = 14
"""Changes whenever what the cache file holds does."""
MAX_ENTRIES = 200_000
"""Entries of files not seen again are dropped once there are more than this."""
RACY_NS = 2_000_000_000
"""A file modified less than this before the run started may be modified again without
its status changing (FAT counts modification times in two-second steps)."""


def content_key(data: bytes) -> str:
    """The first 128 bits of the bytes' SHA-256: collisions stay out of reach, and the
    cache file, which holds one for every file of a tree, stays small."""
    return hashlib.sha256(data).hexdigest()[:32]


def signature(paths: Iterable[str]) -> list[list[object]]:
    """[path, mtime in ns, size] of each path, sorted by path (see `_mtime_and_size`)."""
    return [[path, *_mtime_and_size(path)] for path in sorted(paths)]


def _mtime_and_size(path: str) -> list[int]:
    """[mtime in ns, size] of a path; [0, -1] for one that is missing."""
    try:
        status = os.stat(path)
    except OSError:
        return [0, -1]
    return [status.st_mtime_ns, status.st_size]


class Entry(NamedTuple):
    findings: list[list[object]]
    """Findings as `Finding.to_cache` writes them."""
    dependencies: list[list[object]]
    error: str | None = None
    """Why the file does not parse (its one finding says so too); None for one that does."""

    def has_fix_edits(self) -> bool:
        """Whether every fix comes with its edits (`check` keeps only that a fix exists)."""
        return all(finding[-1] is None or finding[-1][2] is not None for finding in self.findings)  # type: ignore[index]

    def is_current(self, seen: dict[str, list[int]] | None = None) -> bool:
        """Whether every dependency has the modification time and size it had; `seen` holds
        what this run already found of some paths: [mtime in ns, size]."""
        for path, *status in self.dependencies:
            known = seen.get(path) if seen is not None else None  # type: ignore[arg-type]
            if (known or _mtime_and_size(path)) != status:  # type: ignore[arg-type]
                return False
        return True


def is_settled(status: Status, started_ns: int) -> bool:
    """Whether the file was last modified long enough before `started_ns` for its status
    to stand for its bytes (see the module's documentation)."""
    return status[0] < started_ns - RACY_NS


class Remembered:
    """What the cache knows of files as they were: read-only for workers, which are
    forked with it."""

    __slots__ = ("build_contexts", "digests", "entries", "facts", "walks")

    entries: dict[str, Entry]
    digests: dict[str, list[Any]]
    """Absolute path -> [*status, SHA-256 of the bytes it had with that status]."""
    build_contexts: dict[str, list[Any]]
    """Absolute path of a Compose file -> [*status, what it says of the Dockerfiles it builds,
    the entrypoints it sets and the files it includes (see `runner._contexts_of`)]."""
    walks: dict[str, dict[str, Any]]
    """Absolute path of a folder walked -> what the walk found (`discovery.Walk`)."""
    facts: dict[str, Kept]
    """What was read from many files, by what it was read from (see `hardenfix.remembered`)."""

    def __init__(
        self,
        entries: dict[str, Entry] | None = None,
        digests: dict[str, list[Any]] | None = None,
        build_contexts: dict[str, list[Any]] | None = None,
        walks: dict[str, dict[str, Any]] | None = None,
        facts: dict[str, Kept] | None = None,
    ) -> None:
        self.entries = {} if entries is None else entries
        self.digests = {} if digests is None else digests
        self.build_contexts = {} if build_contexts is None else build_contexts
        self.walks = {} if walks is None else walks
        self.facts = {} if facts is None else facts

    def digest(self, path: str, status: Status) -> str | None:
        """The content key of a file whose status is unchanged since it was remembered."""
        return _while_unchanged(self.digests, path, status)

    def contexts(self, path: str, status: Status) -> dict[str, Any] | None:
        """What a Compose file says of the Dockerfiles it builds, while its status is unchanged."""
        return _while_unchanged(self.build_contexts, path, status)

    def contexts_of_bytes(self, path: str, digest: str) -> dict[str, Any] | None:
        """What a Compose file says of the Dockerfiles it builds, remembered with the status it
        had when it held the same bytes: a file touched since need not be parsed for it."""
        known, held = self.build_contexts.get(path), self.digests.get(path)
        if known is None or held is None or known[:3] != held[:3] or held[3] != digest:
            return None
        return known[3]


def _while_unchanged(remembered: dict[str, list[Any]], path: str, status: Status) -> Any:
    """What is remembered of `path` as [*status, value]: the value, if the status is the same."""
    known = remembered.get(path)
    return known[3] if known is not None and known[:3] == status else None


def project_roots(paths: Iterable[Path]) -> list[Path]:
    """The roots of the projects the paths given on the command line belong to, each
    once, in order (see the module's documentation)."""
    cwd, known = Path.cwd(), {}
    roots = [project_root(Path(os.path.abspath(path)), cwd, known) for path in paths]
    return list(dict.fromkeys(roots))


def project_root(path: Path, cwd: Path, known: dict[Path, bool] | None = None) -> Path:
    """The project root of an absolute path; `known` remembers folders already asked about."""
    known = known if known is not None else {}
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *folder.parents):
        if candidate not in known:
            known[candidate] = (candidate / ".git").exists() or _says_it_is_the_root(candidate)
        if known[candidate]:
            return candidate
    return cwd if folder == cwd or cwd in folder.parents else folder


def _says_it_is_the_root(folder: Path) -> bool:
    """Whether the folder's configuration file (the one `Configuration` would read) says
    `root = true`; an invalid one is reported when the run reads it, not here."""
    for name in CONFIG_FILES:
        if (folder / name).is_file():
            try:
                layer = read_layer(folder / name)
            except ConfigError:
                return False
            if layer is not None:
                return layer.root
    return False


class Cache:
    """The caches of a run's projects (usually one), read and written as one."""

    def __init__(self, *projects: Path) -> None:
        self.started_ns = time.time_ns()
        unique = dict.fromkeys(projects)
        self._stores = [_Store(os.path.abspath(project), _writable_root(project)) for project in unique]
        self.remembered = Remembered()
        """What every project's cache remembers, merged: workers are forked with it."""

    @property
    def entries(self) -> dict[str, Entry]:
        return self.remembered.entries

    @property
    def file(self) -> Path:
        """The cache file of the (first) project."""
        return self._stores[0].file

    @classmethod
    def open(cls, *projects: Path) -> Cache:
        """The caches of projects; an unreadable or malformed cache file counts as empty."""
        cache = cls(*projects)
        for store in cache._stores:
            store.load()
            # Made before the run looks at the project, not when it saves: a rule that reads
            # the project's folder (the YAML files beside a Compose file) then sees it as the
            # next run will, and that run's cache answers.
            with contextlib.suppress(OSError):
                _make_ignored_folder(store.folder)
        if len(cache._stores) == 1:
            cache.remembered = cache._stores[0].remembered
        else:
            for store in cache._stores:
                for name in Remembered.__slots__:
                    getattr(cache.remembered, name).update(getattr(store.remembered, name))
        return cache

    def _store_for(self, path: str) -> _Store:
        """The cache of the project a path (absolute) belongs to: the nearest one above it."""
        if len(self._stores) == 1:
            return self._stores[0]
        containing = (s for s in self._stores if path == s.project or path.startswith(s.project + os.sep))
        return max(containing, key=lambda store: len(store.project), default=self._stores[0])

    def add(self, record: Record) -> None:
        store = self._store_for(record.path)
        entry = Entry(record.findings, record.dependencies, record.error)
        # On a file system that keeps whole seconds (FAT, HFS+, some network mounts), a
        # dependency modified too recently may be written again within the same second at
        # the same size: its status would not tell, and the entry would outlive the change.
        # A time with a fraction of a second comes from a clock that tells the writes apart.
        settled = all(
            status[0] % 1_000_000_000 or is_settled(status, self.started_ns) for _, *status in record.dependencies
        )
        if settled and store.remembered.entries.get(record.key) != entry:
            store.added.entries[record.key] = entry
        # The file had these bytes with this status: unless it was modified too recently
        # for that to hold, a later run need not read it while its status stays the same.
        if is_settled(record.status, self.started_ns) and store.remembered.digest(record.path, record.status) is None:
            store.added.digests[record.path] = [*record.status, record.digest]

    def recall(self, root: str) -> Walk | None:
        known = self.remembered.walks.get(root)
        return Walk(**known) if known is not None else None

    def remember(self, root: str, walk: Walk) -> None:
        """Keep a walk whose folders and `.gitignore` files were all settled when it looked."""
        if all(is_settled(status, self.started_ns) for _, status in walk.statuses()):
            # Its lists as they stand, not deep copies: the walk is over, and nothing changes
            # them before they are saved.
            self._store_for(root).added.walks[root] = {name: getattr(walk, name) for name in _WALK_FIELDS}

    def add_build_contexts(self, path: str, status: Status, contexts: dict[str, Any]) -> None:
        store = self._store_for(path)
        if is_settled(status, self.started_ns) and store.remembered.contexts(path, status) != contexts:
            store.added.build_contexts[path] = [*status, contexts]

    @property
    def settled_before_ns(self) -> int:
        """Files last modified before this were settled when the run started (see `is_settled`)."""
        return self.started_ns - RACY_NS

    def add_facts(self, path: str, learnt: dict[str, Kept]) -> None:
        """Keep facts a worker read while it processed the file at `path` (absolute), in
        that file's project."""
        store = self._store_for(path)
        for key, kept in learnt.items():
            if store.remembered.facts.get(key) != kept:
                store.added.facts[key] = kept

    def save(self) -> None:
        """Write each project's entries back, atomically; a cache that cannot be written is no error."""
        with not_collecting():  # half of saving, with the run's results still alive
            for store in self._stores:
                store.save()


class _Store:
    """One project's cache file: what it held, and what this run adds to it."""

    project: str
    """The project's root, absolute."""
    folder: Path
    remembered: Remembered
    added: Remembered

    def __init__(self, project: str, folder: Path) -> None:
        self.project = project
        self.folder = folder
        self.remembered = Remembered()
        self.added = Remembered()

    @property
    def file(self) -> Path:
        """One file for each version of hardenfix and of the Python it runs on: which files
        `ast` can parse, and so what they are reported for, depends on the latter."""
        major, minor = sys.version_info[:2]
        return self.folder / f"cache-{__version__}-py{major}{minor}-{FORMAT}.json"

    def load(self) -> None:
        # JSON holds no reference cycles, nor do the entries made of it, and the cache lasts
        # the run: collecting while a large tree's million objects are built would cost half
        # of loading them, and every later collection scanned them again (the synthetic
        # tree's warm check: 87 ms of collections, freeing nothing).
        with (
            contextlib.suppress(OSError, ValueError, TypeError, KeyError, AttributeError),
            not_collecting(then_freeze=True),
        ):
            stored = json.loads(self.file.read_text(encoding="utf-8"))
            remembered = Remembered(
                {key: Entry(*value) for key, value in stored["entries"].items()},
                stored["digests"],
                stored["build_contexts"],
                stored["walks"],
                stored["facts"],
            )
            if not _well_formed(remembered):
                raise ValueError("malformed cache")
            self.remembered = remembered

    def save(self) -> None:
        added = self.added
        if not (added.entries or added.digests or added.build_contexts or added.walks or added.facts):
            return
        kept = self.remembered if len(self.remembered.entries) < MAX_ENTRIES else Remembered()
        stored = {
            "entries": {key: list(e) for key, e in {**kept.entries, **added.entries}.items()},
            "digests": {**kept.digests, **added.digests},
            "build_contexts": {**kept.build_contexts, **added.build_contexts},
            "walks": {**kept.walks, **added.walks},
            "facts": {**kept.facts, **added.facts},
        }
        try:
            _make_ignored_folder(self.folder)
            descriptor, temporary = tempfile.mkstemp(dir=self.file.parent, prefix=".entries-")
        except OSError:
            return
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                # json.dumps, not json.dump: only a one-shot encoding runs in C.
                handle.write(json.dumps(stored))
            os.replace(temporary, self.file)
        except OSError:
            Path(temporary).unlink(missing_ok=True)


_WALK_FIELDS = set(Walk.__slots__)
_LEARNT_FIELDS = {"builds", "entrypoints", "includes"}
"""What the cache remembers of a Compose file's builds and includes (see `runner._contexts_of`)."""


def _well_formed(remembered: Remembered) -> bool:
    """Whether every value has the shape and the types the code reading it expects (a cache
    file is ours, but it sits in the project, where anything can edit it)."""

    def status_and(value: Any, kind: type) -> bool:
        return isinstance(value, list) and len(value) == 4 and isinstance(value[3], kind)

    return (
        all(
            isinstance(e.findings, list)
            and (not e.findings or all(Finding.is_cached_form(finding) for finding in e.findings))
            and _paths_first(e.dependencies, 3)
            and isinstance(e.error, str | None)
            for e in remembered.entries.values()
        )
        and all(status_and(value, str) for value in remembered.digests.values())
        and all(
            status_and(value, dict) and value[3].keys() == _LEARNT_FIELDS and _learnt_well_formed(value[3])
            for value in remembered.build_contexts.values()
        )
        and all(
            isinstance(walk, dict) and walk.keys() == _WALK_FIELDS and _walk_well_formed(walk)
            for walk in remembered.walks.values()
        )
        and all(
            isinstance(kept, list) and len(kept) == 2 and isinstance(kept[0], str) for kept in remembered.facts.values()
        )
    )


def _paths_first(items: Any, length: int) -> bool:
    """Whether `items` are lists of `length`, each starting with a path (a string)."""
    # Most entries list nothing: no generator made for them (a third of this check's time).
    return isinstance(items, list) and (
        not items or all(isinstance(item, list) and len(item) == length and item[0].__class__ is str for item in items)
    )


def _learnt_well_formed(learnt: dict[str, Any]) -> bool:
    """Whether what a Compose file says of its builds, entrypoints and includes has the
    shape `runner._contexts_of` gives it."""
    builds, entrypoints, includes = learnt["builds"], learnt["entrypoints"], learnt["includes"]
    return (
        isinstance(builds, dict)
        and all(
            isinstance(build, list)
            and len(build) == 7
            and build[0].__class__ is str
            and all(map(is_strings, build[1:]))
            for build in builds.values()
        )
        and isinstance(entrypoints, list)
        and all(
            isinstance(entrypoint, list)
            and len(entrypoint) == 3
            and is_strings(entrypoint[:2])
            and (entrypoint[2] is None or entrypoint[2].__class__ is str)
            for entrypoint in entrypoints
        )
        and _paths_first(includes, 2)
        and all(is_strings(overrides) for _, overrides in includes)
    )


_KIND_NAMES = frozenset(kind.value for kind in FileKind) | {None}
"""How a walk names a file's kind (None: told by its content)."""


def _walk_well_formed(walk: dict[str, Any]) -> bool:
    """Whether a remembered walk has the shape `Walk` gives it, and what it names is what a
    run joins to paths, hashes and tells the kind of: its paths and names strings, its
    files' kinds kinds."""
    folders, files = walk["folders"], walk["files"]
    return (
        _paths_first(folders, 4)
        and _paths_first(walk["ignore_files"], 4)
        and _paths_first(files, 3)
        and all(folder[3].__class__ is list for folder in folders)
        and all(name.__class__ is str for folder in folders for name in folder[3])
        and all(file[1] in _KIND_NAMES for file in files)
        and is_strings(walk["temporaries"])
        and is_strings(walk["noted_names"])
    )


def registry_folder(project: Path) -> Path:
    """Where a project keeps registry answers (`--online`): images by digest, tags by time."""
    root = _writable_root(project)
    with contextlib.suppress(OSError):  # a cache that cannot be written is no error
        _make_ignored_folder(root)
    return root / "registry"


def _make_ignored_folder(folder: Path) -> None:
    """The cache's folder, with a `.gitignore` that keeps it out of the repository."""
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# Created by hardenfix.\n*\n", encoding="ascii")


def _writable_root(project: Path) -> Path:
    local = project / DIRECTORY_NAME
    if os.access(project, os.W_OK) or os.access(local, os.W_OK):
        return local
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hardenfix" / hashlib.sha256(os.fsencode(os.path.abspath(project))).hexdigest()[:16]
