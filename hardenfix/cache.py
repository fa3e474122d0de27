"""Remember what each file was reported for, like ruff's cache.

An entry's key is the fingerprint of the settings that checked the file and the
SHA-256 of its bytes; its value is the findings on those bytes and the other files
and folders they depend on (an entrypoint script, a Dockerfile, a folder that was
listed), each with its modification time and size. An entry is used only while
every dependency is unchanged, so a warm run over an unchanged tree reads and
hashes each file and parses none. Entries live in one file per hardenfix version.

The cache lives in `.hardenfix_cache/` in the working directory (with its own
`.gitignore`), or under `$XDG_CACHE_HOME/hardenfix` when that folder cannot be
written. It is JSON, never code: a repository cannot run anything through it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from hardenfix import __version__

DIRECTORY_NAME = ".hardenfix_cache"
MAX_ENTRIES = 200_000
"""Entries of files not seen again are dropped once there are more than this."""


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signature(paths: Iterable[str]) -> list[list[object]]:
    """[path, mtime in ns, size] of each path; a missing one is [path, 0, -1]."""
    signed = []
    for path in sorted(paths):
        try:
            status = os.stat(path)
            signed.append([path, status.st_mtime_ns, status.st_size])
        except OSError:
            signed.append([path, 0, -1])
    return signed


@dataclass(frozen=True, slots=True)
class Entry:
    findings: list[list[object]]
    """Findings as `Finding.to_cache` writes them."""
    dependencies: list[list[object]]

    def has_fix_edits(self) -> bool:
        """Whether every fix comes with its edits (`check` keeps only that a fix exists)."""
        return all(finding[-1] is None or finding[-1][2] is not None for finding in self.findings)  # type: ignore[index]

    def is_current(self) -> bool:
        return not self.dependencies or signature(path for path, *_ in self.dependencies) == self.dependencies


class Cache:
    def __init__(self, root: Path) -> None:
        self.file = root / f"entries-{__version__}.json"
        self.root = root
        self.entries: dict[str, Entry] = {}
        self._added: dict[str, Entry] = {}

    @classmethod
    def open(cls, cwd: Path) -> Cache:
        cache = cls(_writable_root(cwd))
        with contextlib.suppress(OSError, ValueError, TypeError):
            stored = json.loads(cache.file.read_text(encoding="utf-8"))
            cache.entries = {key: Entry(*value) for key, value in stored.items()}
        return cache

    def add(self, key: str, findings: list[list[object]], dependencies: list[list[object]]) -> None:
        entry = Entry(findings, dependencies)
        if self.entries.get(key) != entry:
            self._added[key] = entry

    def save(self) -> None:
        """Write the entries back, atomically; a cache that cannot be written is no error."""
        if not self._added:
            return
        merged = {**self.entries, **self._added} if len(self.entries) < MAX_ENTRIES else dict(self._added)
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.root / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by hardenfix.\n*\n", encoding="ascii")
            descriptor, temporary = tempfile.mkstemp(dir=self.file.parent, prefix=".entries-")
        except OSError:
            return
        try:
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump({key: [e.findings, e.dependencies] for key, e in merged.items()}, handle)
            os.replace(temporary, self.file)
        except OSError:
            Path(temporary).unlink(missing_ok=True)


def _writable_root(cwd: Path) -> Path:
    local = cwd / DIRECTORY_NAME
    if os.access(cwd, os.W_OK) or os.access(local, os.W_OK):
        return local
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hardenfix"
