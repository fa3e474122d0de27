"""Retry settings, read from rows of a settings table."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Retry:
    attempts: int = 3
    delay: float = 0.5

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be >= 1")

    def slower(self) -> "Retry":
        return dataclasses.replace(self, delay=self.delay * 2)


COLUMNS = ("attempts", "delay")


def from_row(row: list) -> Retry:
    return Retry(*row)


def describe(retry: Retry) -> dict:
    settings = {"attempts": retry.attempts, "delay": retry.delay}
    settings["after"] = dataclasses.replace(retry.slower(),
        attempts=retry.attempts - 1,  # one fewer
    ).attempts
    return settings
