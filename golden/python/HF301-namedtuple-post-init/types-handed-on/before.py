"""A type made from the class is read as the class is: pydantic builds a NamedTuple from
an array, and a dataclass from a dict only."""

from typing import Annotated, NamedTuple, Optional

from pydantic import TypeAdapter
from pydantic.dataclasses import dataclass


class Point(NamedTuple):
    x: int
    y: int

    def __post_init__(self) -> None:
        assert self.x >= 0


class Size(NamedTuple):
    width: int
    height: int

    def __post_init__(self) -> None:
        assert self.width >= 0


class Span(NamedTuple):
    start: int
    end: int

    def __post_init__(self) -> None:
        assert self.start <= self.end


class Corner(NamedTuple):
    x: int
    y: int

    def __post_init__(self) -> None:
        assert self.x >= 0


@dataclass
class Move:
    span: Optional[Span]


POINTS = TypeAdapter(list[Point])
SIZES = TypeAdapter(dict[str, Annotated[Size, "size"]])
Corners = list[Corner]


def corners() -> TypeAdapter:
    return TypeAdapter(Corners)
