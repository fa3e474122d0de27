"""Facts a run keeps for the next: what a build context's code says (`code.code_facts`),
costly to read and the same while the code stays as it was.

Each is kept in the cache (see `hardenfix.cache`) under a key that names what was read,
with the status of every file it was read from: a later run takes it while each of them
has the same status, and reads the files again otherwise. A monorepo's stack checked alone
(pre-commit names the one Compose file staged) then reads none of its services' code.

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
"""[the status of each file the fact was read from, as [path, mtime in ns, size, inode];
the fact, as JSON holds it]."""

_remembered: Mapping[str, Kept] | None = None
"""What the cache remembers; None without a cache."""
_learnt: dict[str, tuple[list[list[Any]], Keepable]] = {}
"""What this process read that the cache did not remember, since the runner last took it."""


def recall_from(remembered: Mapping[str, Kept] | None) -> None:
    """Take facts from `remembered` (None: no cache) from now on."""
    global _remembered
    _remembered = remembered


def recalled(key: str, statuses: list[list[Any]]) -> Any:
    """The fact kept under `key`, if the files it was read from have these statuses."""
    kept = _remembered.get(key) if _remembered is not None else None
    return kept[1] if kept is not None and kept[0] == statuses else None


def learn(key: str, statuses: list[list[Any]], fact: Keepable) -> None:
    """Keep a fact read from files with these statuses, when there is a cache to keep it."""
    if _remembered is not None:
        _learnt[key] = (statuses, fact)


def take_learnt() -> dict[str, Kept] | None:
    """What was learnt since the last call, if anything, as the cache keeps it."""
    if not _learnt:
        return None
    learnt = {key: [statuses, fact.to_cache()] for key, (statuses, fact) in _learnt.items()}
    _learnt.clear()
    return learnt
