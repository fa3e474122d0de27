from dataclasses import dataclass, field
from typing import (
    Any,
    Optional,  # kept
)


@dataclass(frozen=True)
class Window:
    start: int
    end: Optional[int] = None

    def __post_init__(self) -> None:
        if self.end is not None and self.end < self.start:
            raise ValueError("end before start")


DEFAULTS: dict[str, Any] = {"factory": field}
