"""What widely used distributions install with them: `dependency_closures.toml`, written by
`scripts/dependency-closures` from uv's resolution of each distribution, alone and with
each of its extras (its header says how). HF202 reads it for an unlocked project, whose
requirements name only the top of what pip installs."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from hardenfix import regexes
from hardenfix.knowledge import read_table

_SEPARATORS = regexes.lazy(r"[-_.]+")


def installed_with(distribution: str, extras: Iterable[str] = ()) -> tuple[str, ...]:
    """The other distributions (names normalised) that installing `distribution` with
    `extras` may bring; none for one the table does not know."""
    entry = _closures().get(_normalised(distribution))
    if entry is None:
        return ()
    added = entry.get("extras", {})
    return tuple(
        dict.fromkeys([*entry["requires"], *(name for extra in extras for name in added.get(_normalised(extra), ()))])
    )


@cache
def _closures() -> dict:
    return read_table("dependency_closures.toml")


def _normalised(name: str) -> str:
    return _SEPARATORS.sub("-", name).lower()
