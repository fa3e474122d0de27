import collections
from typing import NamedTuple


class Pair(collections.namedtuple("Pair", "left right")):
    __slots__ = ()

    def __post_init__(self) -> None:
        assert self.left <= self.right


class Span(NamedTuple("Span", [("start", int), ("end", int)])):
    def __post_init__(self) -> None:
        assert self.start <= self.end


class Base(NamedTuple):
    low: int
    high: int


class Checked(Base):
    def __post_init__(self) -> None:
        assert self.low <= self.high
