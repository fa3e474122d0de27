"""The module's `dataclass` is pydantic's: the converted class must get the standard one."""

from typing import NamedTuple

from pydantic.dataclasses import dataclass


@dataclass
class Settings:
    level: int = 1


class Handle:
    """Not a type pydantic can validate: a socket, a client, a lock."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def __eq__(self, other: object) -> bool:
        return getattr(other, "fd", None) == self.fd

    def __hash__(self) -> int:
        return self.fd

    def __repr__(self) -> str:
        return f"Handle({self.fd})"


class Job(NamedTuple):
    name: str
    handle: Handle

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("name must not be empty")


def make_job() -> str:
    return Job("j", Handle(3)).name
