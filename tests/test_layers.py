"""The modules' layering: what each may import of the rest of hardenfix."""

from __future__ import annotations

import ast
from pathlib import Path

import hardenfix.model

PACKAGE = Path(hardenfix.model.__file__).parent


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at run time or for type checking only."""
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            modules.add("." * node.level + (node.module or ""))
    return modules


def test_the_vocabulary_module_imports_nothing_from_hardenfix() -> None:
    """`model` is what every stage shares: were it to import one of them, that stage
    could not import `model` without a cycle."""
    ours = {name for name in imported_modules(PACKAGE / "model.py") if name.startswith(("hardenfix", "."))}
    assert ours == set()
