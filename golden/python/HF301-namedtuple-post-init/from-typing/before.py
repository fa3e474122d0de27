"""Pause settings for the worker."""

from __future__ import annotations

from typing import NamedTuple, final


# How long the worker waits between polls.
@final
class PauseConfig(NamedTuple):  # keep this comment
    """Seconds to pause; never negative."""

    seconds: float = 1.0  # the default pause
    label: str | None = None

    def __post_init__(self) -> None:
        if self.seconds < 0:
            raise ValueError("seconds must be >= 0")

    @property
    def millis(self) -> float:
        return self.seconds * 1000
