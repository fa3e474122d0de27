"""Types made from the class that nothing reads at run time: type checkers' aliases,
`cast`, a key of a dict."""

from typing import NamedTuple, Optional, cast

NAMES: dict[type, str] = {}


class Point(NamedTuple):
    x: int
    y: int = 0

    def __post_init__(self) -> None:
        if self.x < 0:
            raise ValueError("x must be >= 0")


Points = list[Point]
MaybePoint = Optional[Point]
NAMES[Point] = "point"


def no_points() -> Points:
    return cast(list[Point], [])


def across(point: MaybePoint = None) -> int:
    return point.x if point is not None else 0
