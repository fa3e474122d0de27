"""Retry settings, read from rows of a settings table."""

from typing import NamedTuple


class Retry(NamedTuple):
    attempts: int = 3
    delay: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be >= 1")

    def slower(self) -> "Retry":
        return self._replace(delay=self.delay * 2)


COLUMNS = Retry._fields


def from_row(row: list) -> Retry:
    return Retry._make(row)


def describe(retry: Retry) -> dict:
    settings = retry._asdict()
    settings["after"] = retry.slower()._replace(
        attempts=retry.attempts - 1,  # one fewer
    ).attempts
    return settings
