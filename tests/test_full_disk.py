"""A full disk: every write fails with ENOSPC, at whichever step of the atomic write.

Through the CLI: exit 2, one error line per file naming it, every original
byte-identical, no temporary file left behind.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import pytest
from test_cli import NEEDS_FIX, write

from hardenfix import files

DOCKERFILE = "FROM python:3.12\nHEALTHCHECK CMD curl -fs http://localhost:8000/healthz || exit 1\n"
PYTHON = (
    "from typing import NamedTuple\n\n\nclass Window(NamedTuple):\n    start: int\n\n"
    "    def __post_init__(self) -> None:\n        assert self.start >= 0\n"
)
TREE = {
    "a/compose.yaml": NEEDS_FIX,
    "b/docker-compose.yml": NEEDS_FIX.replace("\n", "\r\n"),
    "c/Dockerfile": DOCKERFILE,
    "d/window.py": PYTHON,
}


def no_space(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FullDiskFile:
    """A file object on a full disk: buffered bytes never reach it."""

    def __init__(self, handle) -> None:
        self._handle = handle

    def write(self, data: bytes) -> int:
        no_space()
        return 0

    def __getattr__(self, name: str):
        return getattr(self._handle, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()


@pytest.mark.parametrize("step", ["create", "write", "fsync", "rename"])
def test_full_disk_leaves_originals_untouched(
    hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    for relative, content in TREE.items():
        write(tmp_path / relative, content)
    before = {relative: (tmp_path / relative).read_bytes() for relative in TREE}
    if step == "create":
        monkeypatch.setattr(tempfile, "mkstemp", no_space)
    elif step == "write":
        real_fdopen = os.fdopen
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDiskFile(real_fdopen(*a, **k)))
    elif step == "fsync":
        monkeypatch.setattr(os, "fsync", no_space)
    else:
        monkeypatch.setattr(os, "replace", no_space)

    result = hardenfix(tmp_path, "apply", "--no-cache")

    assert result.code == 2, result.stderr
    errors = sorted(line for line in result.stderr.splitlines() if line.startswith("hardenfix: error:"))
    assert errors == sorted(
        f"hardenfix: error: {relative}: cannot be written: No space left on device" for relative in TREE
    )
    assert {relative: (tmp_path / relative).read_bytes() for relative in TREE} == before
    leftovers = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert leftovers == sorted(TREE), "a temporary file was left behind"


def test_the_full_disk_writer_really_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The simulation reaches atomic_write's own write (not only some other path)."""
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDiskFile(real_fdopen(*a, **k)))
    with pytest.raises(files.WriteRefused, match="cannot be written: No space left on device"):
        files.atomic_write(target, b"new", expected=NEEDS_FIX.encode())
    assert target.read_text() == NEEDS_FIX


def test_full_disk_leaves_no_cache_temporary(hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "clean" / "compose.yaml", "services:\n  web:\n    image: example/web:1.0\n")
    write(tmp_path / "a" / "compose.yaml", NEEDS_FIX)
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: FullDiskFile(real_fdopen(*a, **k)))
    result = hardenfix(tmp_path, "apply")
    assert result.code == 2
    assert (tmp_path / "a" / "compose.yaml").read_text() == NEEDS_FIX
    cache = tmp_path / ".hardenfix_cache"
    assert not [p.name for p in cache.rglob(".entries-*")], "the cache's temporary was left behind"
