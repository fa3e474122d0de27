"""Classes a frozen dataclass would treat otherwise than the NamedTuple does."""

from typing import NamedTuple


class Frozen(NamedTuple):
    """A dataclass(frozen=True) refuses a class that defines __setattr__."""

    name: str

    def __post_init__(self):
        if not self.name:
            raise ValueError("name")

    def __setattr__(self, key, value):
        raise AttributeError(key)


class Strict(NamedTuple):
    """A dataclass calls __post_init__ with no arguments."""

    value: int

    def __post_init__(self, strict=True):
        if strict and self.value < 0:
            raise ValueError(self.value)


class Tag(NamedTuple):
    """On the NamedTuple, `!=` is tuple's and `== (x,)` falls back to tuple's."""

    label: str

    def __post_init__(self):
        if not self.label:
            raise ValueError("label")

    def __eq__(self, other):
        if not isinstance(other, Tag):
            return NotImplemented
        return self.label.lower() == other.label.lower()

    __hash__ = None


class Query(NamedTuple):
    """Its __post_init__ sorts a field in place, which the NamedTuple never did."""

    columns: list

    def __post_init__(self):
        self.columns.sort()
