import json
from typing import NamedTuple


class Point(NamedTuple):
    x: int
    y: int

    def __post_init__(self) -> None:
        if self.x < 0 or self.y < 0:
            raise ValueError("negative coordinate")


def origin() -> Point:
    return Point(0, 0)


x, y = origin()
points = [Point(2, 1), Point(1, 2)]
points.sort()
print(Point(1, 2) == (1, 2))
p = Point(3, 4)
print(*p)
print(json.dumps(p))
print(p[0])
