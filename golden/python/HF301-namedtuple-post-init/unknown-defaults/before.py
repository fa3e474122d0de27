"""A default whose value is not known here may be unhashable, which a dataclass refuses:
an imported name, an attribute, a subscript. A chain of names that leads to a list is
refused for certain."""

from typing import NamedTuple

from app import consts
from app.settings import DEFAULT_TAGS

BASE_TAGS = ["web"]
ALIASED_TAGS = BASE_TAGS
IMPORTED_TAGS = DEFAULT_TAGS


class Aliased(NamedTuple):
    name: str
    tags: list = ALIASED_TAGS

    def __post_init__(self) -> None:
        assert self.name


class Imported(NamedTuple):
    name: str
    tags: list = DEFAULT_TAGS

    def __post_init__(self) -> None:
        assert self.name


class ImportedThroughAName(NamedTuple):
    name: str
    tags: list = IMPORTED_TAGS

    def __post_init__(self) -> None:
        assert self.name


class FromAttribute(NamedTuple):
    name: str
    settings: dict = consts.SETTINGS

    def __post_init__(self) -> None:
        assert self.name


class FromSubscript(NamedTuple):
    name: str
    tags: list = consts.TAGS["web"]

    def __post_init__(self) -> None:
        assert self.name
