"""A point parsed from text: `_make` takes a generator, written three ways, and an assignment."""

from typing import NamedTuple


class Point(NamedTuple):
    x: int
    y: int = 0

    def __post_init__(self) -> None:
        if self.x < 0:
            raise ValueError("x must not be negative")

    @classmethod
    def parse(cls, text: str) -> "Point":
        return cls._make(int(v) for v in text.split(","))

    @classmethod
    def parse_lines(cls, text: str) -> "Point":
        return cls._make(
            int(v) for v in text.splitlines()
        )

    @classmethod
    def parse_bracketed(cls, text: str) -> "Point":
        return cls._make((int(v) for v in text.strip("()").split(",")))

    @classmethod
    def parse_counted(cls, text: str) -> "Point":
        point = cls._make(values := [int(v) for v in text.split(",")],)
        assert len(values) == 2
        return point
