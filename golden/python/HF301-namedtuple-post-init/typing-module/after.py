import typing
from dataclasses import dataclass


@dataclass(frozen=True)
class Retry:
    attempts: int = 3

    def __post_init__(self):
        assert self.attempts > 0


def first(items: typing.Sequence[int]) -> int:
    return items[0]
