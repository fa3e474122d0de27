import dataclasses


@dataclasses.dataclass(frozen=True)
class Span:
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end before start")


def widen(span: Span) -> Span:
    start, end = span
    return dataclasses.replace(span, start=start - 1, end=end + 1)
