from dataclasses import dataclass as dc
from typing import NamedTuple


class Low(NamedTuple):
    value: int = 0

    def __post_init__(self) -> None:
        assert self.value >= 0


class High(NamedTuple):
    value: int = 100

    def __post_init__(self) -> None:
        assert self.value <= 100


@dc
class Range:
    low: Low
    high: High
