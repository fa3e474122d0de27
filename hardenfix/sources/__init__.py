"""Parsers for each file kind: they locate things; rules edit the original text."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from hardenfix.model import FileKind


class ParseError(Exception):
    """The text is not a valid file of its kind; the message is one line, without the path."""


def parser_for(kind: FileKind) -> Callable[[str], Any]:
    """The parser of a file kind, imported on first use (Python's pulls in libcst)."""
    module = importlib.import_module(f"hardenfix.sources.{kind.value}")
    return module.parse
