from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Window:
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end before start")


@dataclass
class Schedule:
    windows: list[Window] = field(default_factory=list)

    def add(self, start: int, end: int) -> None:
        window = Window(start, end)
        moved = dataclasses.replace(window, end=end + 1)
        log.info("adding %s", moved)
        if moved.end > moved.start:
            note(moved)


def note(window):
    log.debug("window of %d", window.end - window.start)
