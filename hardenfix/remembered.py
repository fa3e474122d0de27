"""Facts a run keeps for the next: what a build context's code says (`code.code_facts`),
and which of its modules a served application runs (`code.served_modules`), costly to
read and the same while the code stays as it was.

Each is kept in the cache (see `hardenfix.cache`) under a key that names what was read,
with a digest of the status of every file it was read from: a later run takes it while
each of them has the same status, and reads the files again otherwise. A monorepo's stack
checked alone (pre-commit names the one Compose file staged) then reads none of its
services' code. A fact read from a file modified too recently for its status to stand for
its bytes (see `hardenfix.cache.is_settled`) is not kept.

The runner hands each process what the cache remembers before the process reads anything,
and takes what the process learnt with each file's result; without a cache (`--no-cache`)
nothing is recalled nor learnt.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class Keepable(Protocol):
    def to_cache(self) -> Any:
        """The fact as JSON holds it."""


Kept = list[Any]
"""[the digest of the statuses of the files the fact was read from (see `_digest`); the
fact, as JSON holds it]."""

_remembered: Mapping[str, Kept] | None = None
"""What the cache remembers; None without a cache."""
_settled_before_ns = 0
"""Files last modified before this (in ns) were settled when the run started."""
_learnt: dict[str, tuple[str, Keepable]] = {}
"""What this process read that the cache did not remember, since the runner last took it."""


def recall_from(remembered: Mapping[str, Kept] | None, settled_before_ns: int = 0) -> None:
    """Take facts from `remembered` (None: no cache) from now on, and learn those read from
    files last modified before `settled_before_ns`."""
    global _remembered, _settled_before_ns
    _remembered, _settled_before_ns = remembered, settled_before_ns


def recalled(key: str, statuses: list[list[Any]]) -> Any:
    """The fact kept under `key`, if the files it was read from have these statuses, each
    as [path, mtime in ns, size, inode]."""
    kept = _remembered.get(key) if _remembered is not None else None
    return kept[1] if kept is not None and kept[0] == _digest(statuses) else None


def learn(key: str, statuses: list[list[Any]], fact: Keepable) -> None:
    """Keep a fact read from files with these statuses, when there is a cache to keep it
    and every file was settled."""
    if _remembered is not None and all(status[1] < _settled_before_ns for status in statuses):
        _learnt[key] = (_digest(statuses), fact)


def take_learnt() -> dict[str, Kept] | None:
    """What was learnt since the last call, if anything, as the cache keeps it."""
    if not _learnt:
        return None
    learnt = {key: [digest, fact.to_cache()] for key, (digest, fact) in _learnt.items()}
    _learnt.clear()
    return learnt


def _digest(statuses: list[list[Any]]) -> str:
    """The statuses' content key (`cache.content_key`): a context's thousands of files take
    32 characters of the cache file, which every run loads. Asked only where there is a
    cache, whose module is loaded then."""
    import json

    from hardenfix.cache import content_key

    return content_key(json.dumps(statuses).encode())
