from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")


class Box(NamedTuple, Generic[T]):
    item: T

    def __post_init__(self) -> None:
        assert self.item is not None


class Pair(NamedTuple):
    left: int
    right: int

    def __post_init__(self) -> None:
        assert self[0] <= self[1]


class Tags(NamedTuple):
    names: list = []

    def __post_init__(self) -> None:
        assert all(self.names)
