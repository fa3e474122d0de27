"""A dataclass refuses an unhashable default: a plain `@dataclass` instance is one, and an
instance of a class from elsewhere may be."""

from dataclasses import dataclass
from typing import NamedTuple

from app.settings import Options


@dataclass
class Retry:
    attempts: int = 3


class Job(NamedTuple):
    name: str
    retry: Retry = Retry()

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("name must not be empty")


class Task(NamedTuple):
    name: str
    options: Options = Options()

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("name must not be empty")


def names() -> list[str]:
    return [Job("a").name, Task("b").name]
