"""Defaults a dataclass takes, being hashable: constants, names that lead to one, a
member of an enum of the module, a class or function of the module, a builtin."""

import enum
from typing import NamedTuple

RETRIES = 3
DEFAULT_RETRIES = RETRIES
NAME = "job-" + str(DEFAULT_RETRIES)


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


def no_op(value: str) -> str:
    return value


class Job(NamedTuple):
    name: str = NAME
    retries: int = DEFAULT_RETRIES
    color: Color = Color.RED
    limit: float = -RETRIES if RETRIES else 1.5

    def __post_init__(self) -> None:
        if self.retries < 0:
            raise ValueError("retries must be >= 0")


class Hooks(NamedTuple):
    kind: type = Color
    hook: object = no_op
    convert: object = str

    def __post_init__(self) -> None:
        if not callable(self.hook):
            raise ValueError("hook must be callable")
