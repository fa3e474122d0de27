from typing import NamedTuple, final


@final
class Point(NamedTuple):
    x: int
    y: int = 0

    def __post_init__(self) -> None:
        if self.x < 0:
            raise ValueError("x must be >= 0")
