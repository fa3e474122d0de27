from collections import namedtuple
from dataclasses import dataclass
from typing import NamedTuple


class Plain(NamedTuple):
    x: int


@dataclass(frozen=True)
class Checked:
    x: int

    def __post_init__(self) -> None:
        assert self.x >= 0


Legacy = namedtuple("Legacy", "x y")


class NotATuple:
    def __post_init__(self) -> None:
        pass
