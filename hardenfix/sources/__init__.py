"""Parsers for each file kind: they locate things; rules edit the original text."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hardenfix.model import FileKind

# Compose files and Dockerfiles are few and cheap to parse: each one is parsed, so a
# broken one is always reported. Python files are many and slow to parse: only those
# that a selected rule's prefilter matches are parsed.
PARSED_WITHOUT_PREFILTER_MATCH = frozenset({FileKind.COMPOSE, FileKind.DOCKERFILE})


class ParseError(Exception):
    """The text is not a valid file of its kind; the message is one line, without the path.

    `line` and `column` (1-based) say where the parser stopped, when it says.
    """

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def parser_for(kind: FileKind) -> Callable[[str, Path | None], Any]:
    """The parser of a file kind, imported on first use.

    Each source module exposes `parse(text, location=None)`: `text` is the file's
    text without a byte-order mark, `location` its path on disk when it has one
    (rules that read neighbouring files, such as an entrypoint script, need it).
    It returns a document (a `SourceText`) or raises `ParseError`.
    """
    module = importlib.import_module(f"hardenfix.sources.{kind.value}")
    return module.parse
