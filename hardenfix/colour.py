"""Colour for terminal output, decided and rendered by rich.

`--color auto` (the default) leaves the decision to rich, which honours `NO_COLOR`,
`FORCE_COLOR`, `TTY_COMPATIBLE` and `TERM=dumb` and looks at whether the stream is a
terminal; `always` and `never` decide for it. Text is painted with rich's styles and
never passed through its renderer, which would drop control characters (a CRLF
file's `\r`) from the lines it prints.
"""

from __future__ import annotations

import enum
import os
from functools import cache
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    from rich.style import Style


class ColourChoice(enum.StrEnum):
    AUTO = "auto"
    ALWAYS = "always"
    NEVER = "never"


class Painter:
    """Paints text in a style (`"bold red"`) when colour is on; returns it as it is when off."""

    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, text: str, style: str) -> str:
        if not self.colour or not text:
            return text
        from rich.color import ColorSystem

        # Standard colours only: they look the same in every terminal that has colour.
        return _style(style).render(text, color_system=ColorSystem.STANDARD)


PLAIN = Painter(colour=False)


@cache
def _style(definition: str) -> Style:
    from rich.style import Style

    return Style.parse(definition)


def painter_for(choice: ColourChoice, stream: IO[str]) -> Painter:
    """How to paint what goes to `stream`."""
    if choice is ColourChoice.NEVER:
        return PLAIN
    if choice is ColourChoice.ALWAYS:
        return Painter(colour=True)
    if not could_be_terminal(stream):
        return PLAIN  # what rich would decide, without the cost of importing it
    from rich.console import Console

    console = Console(file=stream)
    return Painter(colour=console.color_system is not None and not console.no_color)


def could_be_terminal(stream: IO[str]) -> bool:
    """False only where rich's `Console.is_terminal` is certainly false: a stream that is
    not a terminal, with neither `FORCE_COLOR` nor `TTY_COMPATIBLE=1` saying otherwise.
    Most runs write to a pipe (pre-commit, CI): they skip importing rich (~50 ms)."""
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return True
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
