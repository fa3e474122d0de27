from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from dataclasses import dataclass


class Point(NamedTuple):
    x: int
    y: int


@dataclasses.dataclass(frozen=True)
class Size:
    width: int
    height: int

    def __post_init__(self) -> None:
        if self.width < 0 or self.height < 0:
            raise ValueError("negative size")


def area(size: Size) -> int:
    return size.width * size.height
