from dataclasses import dataclass as dc


@dc(frozen=True)
class Low:
    value: int = 0

    def __post_init__(self) -> None:
        assert self.value >= 0


@dc(frozen=True)
class High:
    value: int = 100

    def __post_init__(self) -> None:
        assert self.value <= 100


@dc
class Range:
    low: Low
    high: High
