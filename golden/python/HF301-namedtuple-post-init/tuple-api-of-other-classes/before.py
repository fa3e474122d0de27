"""The tuple API used on other classes of the module, and in their methods, is no use of
an instance of the class converted."""

from typing import NamedTuple


class Low(NamedTuple):
    value: int = 0

    def __post_init__(self) -> None:
        assert self.value >= 0

    def raised(self) -> "Low":
        return self._replace(value=self.value + 1)


class High(NamedTuple):
    value: int = 100

    def __post_init__(self) -> None:
        assert self.value <= 100


class Window(NamedTuple):
    low: int
    high: int

    def widened(self) -> "Window":
        return self._replace(low=self.low - 1)

    @classmethod
    def columns(cls) -> tuple[str, ...]:
        return cls._fields


COLUMNS = Low._fields
WINDOW_COLUMNS = Window._fields
