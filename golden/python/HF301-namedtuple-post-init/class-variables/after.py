"""Annotations a NamedTuple reads as strings, here all of them: `ClassVar` and `InitVar`
declare fields of the NamedTuple, and none of the dataclass."""

from __future__ import annotations

import dataclasses
import typing
from typing import ClassVar, NamedTuple


class Limits(NamedTuple):
    low: int
    high: int
    unit: typing.ClassVar[str] = "s"

    def __post_init__(self) -> None:
        if self.low > self.high:
            raise ValueError("low > high")


class Scaled(NamedTuple):
    value: int
    scale: dataclasses.InitVar[int] = 1

    def __post_init__(self) -> None:
        if self.scale <= 0:
            raise ValueError("scale must be > 0")


class Tagged(NamedTuple):
    value: int
    kind: ClassVar = "q"

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError("value must be >= 0")
