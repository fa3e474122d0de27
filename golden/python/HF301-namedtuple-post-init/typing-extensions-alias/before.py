import dataclasses
import os
from typing_extensions import NamedTuple as Record


class Limits(Record):
    cpu: float
    memory_mb: int = 512

    def __post_init__(self):
        if self.memory_mb <= 0:
            raise ValueError("memory_mb must be positive")


@dataclasses.dataclass
class Other:
    home: str = os.sep
