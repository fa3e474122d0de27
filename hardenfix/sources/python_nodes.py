"""Every node of a Python syntax tree, listed fast, and a text parsed where it can be:
shared by the Python source module and by what reads code without loading it (a build
context's code, `hardenfix.facts.code`; a healthcheck's `python -c`)."""

from __future__ import annotations

import ast
import warnings

_KEPT_TREES: dict[str, ast.Module] = {}
"""Trees a reader keeps for its own reasons, by text (see `keep_tree`)."""


def keep_tree(text: str, tree: ast.Module) -> None:
    """Let a parse of `text` elsewhere in this process take `tree`, which the caller keeps
    anyway: service facts keep the modules a stack's services serve (within their budget),
    read before the stack's Python modules are checked; parsing one again cost PMOVES.AI's
    tree a tenth of its check. Nothing changes a tree once parsed, so one serves both."""
    _KEPT_TREES[text] = tree


def kept_tree(text: str) -> ast.Module | None:
    """The tree a reader keeps for `text`, if one does."""
    return _KEPT_TREES.get(text) if _KEPT_TREES else None


def parsed_or_none(text: str | bytes) -> ast.Module | None:
    """The module `text` parses to; None where it does not parse (a syntax error, a NUL
    character, nesting too deep: a RecursionError, or past the parser's stack a
    MemoryError). Invalid escape sequences and the like warn at parse time:
    reporting them is a linter's job, and they must not reach the terminal."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def breadth_first(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree`, itself first, in `ast.walk` order, but the expression contexts:
    nearly twice as fast as listing `ast.walk`, whose generator and `iter_child_nodes` cost a
    call per node. A context (`Load`, `Store`, `Del`) is a node below every name, attribute,
    subscript and starred expression, the same object each time: three in ten of a module's
    nodes, which every pass over the list would look at, and none wants.

    Only the fields that may hold a node are read (`_node_fields`): a name's identifier and
    context, a constant's value, are not: a third less time for a module."""
    found: list[ast.AST] = [tree]
    append = found.append
    fields_of = _NODE_FIELDS
    for node in found:  # the list grows while it is read: breadth first
        for field in fields_of[node.__class__]:
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        append(item)
            elif isinstance(value, ast.AST):
                append(value)
    return found


class _FieldsHoldingNodes(dict[type[ast.AST], tuple[str, ...]]):
    """A node class -> its fields that may hold a node, or a list of them (see
    `_node_fields`), told the first time the class is asked for."""

    def __missing__(self, cls: type[ast.AST]) -> tuple[str, ...]:
        fields = self[cls] = _node_fields(cls)
        return fields


_NODE_FIELDS = _FieldsHoldingNodes()

_NEVER_NODES = frozenset(
    {"id", "ctx", "attr", "arg", "module", "level", "conversion", "is_async", "kind", "type_comment", "simple"}
)
"""Fields that hold no node in any class that has one: identifiers, numbers, flags, and the
expression contexts, which `breadth_first` leaves out."""

_NEVER_NODES_OF: dict[type[ast.AST], set[str]] = {
    ast.Constant: {"value"},
    ast.FunctionDef: {"name"},
    ast.AsyncFunctionDef: {"name"},
    ast.ClassDef: {"name"},
    ast.alias: {"name"},
    ast.ExceptHandler: {"name"},
    ast.MatchAs: {"name"},
    ast.MatchStar: {"name"},
    ast.MatchMapping: {"rest"},
    ast.MatchClass: {"kwd_attrs"},
    ast.Global: {"names"},
    ast.Nonlocal: {"names"},
}
"""The fields of these classes that hold names or constants, not nodes (`TypeAlias.name`,
Python 3.12's, is a node)."""


def _node_fields(cls: type[ast.AST]) -> tuple[str, ...]:
    never = _NEVER_NODES_OF.get(cls, set())
    return tuple(field for field in cls._fields if field not in _NEVER_NODES and field not in never)


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes` as a list, in the same order, without its generator's call
    per child, and without the expression contexts (see `breadth_first`)."""
    found: list[ast.AST] = []
    for field in _NODE_FIELDS[node.__class__]:
        value = getattr(node, field, None)
        if value.__class__ is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            found.append(value)
    return found


def import_origin(statement: ast.ImportFrom, parts: tuple[str, ...], is_package: bool) -> tuple[str, ...] | None:
    """The dotted parts of the module a `from ... import` of the module `parts` (a package's
    `__init__` when `is_package`) takes names from: `from ..models import User` is from
    `app.models` in `app/api/users.py` and in `app/api/__init__.py` alike; None for a relative
    import above `parts`'s top package."""
    named = tuple(statement.module.split(".")) if statement.module else ()
    if not statement.level:
        return named
    package = parts if is_package else parts[:-1]
    if statement.level - 1 > len(package):
        return None
    return (*package[: len(package) - (statement.level - 1)], *named)
