"""A decorator of the class is given a dataclass where it was given a NamedTuple, which
it may use as one: `functools.total_ordering` finds a tuple's ordering methods on the
NamedTuple, and none on a dataclass that defines none of its own."""

import functools
from typing import NamedTuple

from app.codec import record


@record
class Point(NamedTuple):
    x: int
    y: int

    def __post_init__(self) -> None:
        if self.x < 0:
            raise ValueError("x must be >= 0")


@functools.total_ordering
class Version(NamedTuple):
    major: int
    minor: int = 0

    def __post_init__(self) -> None:
        if self.major < 0:
            raise ValueError("major must be >= 0")


@functools.total_ordering
class Release(NamedTuple):
    version: str
    day: int

    def __post_init__(self) -> None:
        if self.day < 0:
            raise ValueError("day must be >= 0")

    def __lt__(self, other: "Release") -> bool:
        return self.day < other.day
