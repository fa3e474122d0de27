import dataclasses
import os


@dataclasses.dataclass(frozen=True)
class Limits:
    cpu: float
    memory_mb: int = 512

    def __post_init__(self):
        if self.memory_mb <= 0:
            raise ValueError("memory_mb must be positive")


@dataclasses.dataclass
class Other:
    home: str = os.sep
