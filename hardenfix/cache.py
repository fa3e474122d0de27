"""Remember files that had nothing to report, like ruff's cache.

A file's entry is the fingerprint of the settings that checked it and the SHA-256
of its bytes; entries live in one file per hardenfix version, so changing the
version, the settings or the file all miss the cache. Only
files whose findings depend on nothing but their own bytes are remembered: a
Dockerfile whose rules read an entrypoint script, or a Compose file whose rules
read a Dockerfile, is checked every time.

The cache lives in `.hardenfix_cache/` in the working directory (with its own
`.gitignore`), or under `$XDG_CACHE_HOME/hardenfix` when that folder cannot be
written.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from hardenfix import __version__
import contextlib

DIRECTORY_NAME = ".hardenfix_cache"


def content_key(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Cache:
    def __init__(self, root: Path) -> None:
        self.file = root / f"clean-files-{__version__}"
        self.root = root
        self.clean: frozenset[str] = frozenset()
        self._added: set[str] = set()

    @classmethod
    def open(cls, cwd: Path) -> Cache:
        cache = cls(_writable_root(cwd))
        with contextlib.suppress(OSError, UnicodeDecodeError):
            cache.clean = frozenset(cache.file.read_text(encoding="ascii").split())
        return cache

    def add(self, key: str) -> None:
        if key not in self.clean:
            self._added.add(key)

    def save(self) -> None:
        """Write the entries back, atomically; a cache that cannot be written is no error."""
        if not self._added:
            return
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            ignore = self.root / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by hardenfix.\n*\n", encoding="ascii")
            descriptor, temporary = tempfile.mkstemp(dir=self.file.parent, prefix=".entries-")
        except OSError:
            return
        try:
            with os.fdopen(descriptor, "w", encoding="ascii") as handle:
                handle.write("\n".join(sorted(self.clean | self._added)) + "\n")
            os.replace(temporary, self.file)
        except OSError:
            Path(temporary).unlink(missing_ok=True)


def _writable_root(cwd: Path) -> Path:
    local = cwd / DIRECTORY_NAME
    if os.access(cwd, os.W_OK) or os.access(local, os.W_OK):
        return local
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "hardenfix"
