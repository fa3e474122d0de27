"""Every node of a Python syntax tree, listed fast: shared by the Python source module and
by the reading of a build context's code (`hardenfix.facts.code`), which does not load it."""

from __future__ import annotations

import ast


def breadth_first(tree: ast.AST) -> list[ast.AST]:
    """Every node of `tree`, itself first, in `ast.walk` order, but the expression contexts:
    nearly twice as fast as listing `ast.walk`, whose generator and `iter_child_nodes` cost a
    call per node. A context (`Load`, `Store`, `Del`) is a node below every name, attribute,
    subscript and starred expression, the same object each time: three in ten of a module's
    nodes, which every pass over the list would look at, and none wants."""
    found: list[ast.AST] = [tree]
    append = found.append
    for node in found:  # the list grows while it is read: breadth first
        for field in node._fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, ast.AST):
                        append(item)
            elif isinstance(value, ast.AST) and value.__class__ not in _CONTEXTS:
                append(value)
    return found


_CONTEXTS = frozenset({ast.Load, ast.Store, ast.Del})


_HOLDING_STATEMENTS = (ast.stmt, ast.excepthandler, ast.match_case)


def statements_breadth_first(tree: ast.AST) -> list[ast.AST]:
    """The statements of `tree`, and the `except` handlers and `case`s that hold some, in the
    order `breadth_first` lists them: no statement is below an expression, and leaving out
    the expressions, most of a module's nodes, leaves the others' order as it was."""
    found: list[ast.AST] = [tree]
    append = found.append
    for node in found:
        for field in node._fields:
            value = getattr(node, field, None)
            if value.__class__ is list:
                for item in value:
                    if isinstance(item, _HOLDING_STATEMENTS):
                        append(item)
    return found


def child_nodes(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes` as a list, in the same order, without its generator's
    call per child."""
    found: list[ast.AST] = []
    for field in node._fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            found.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            found.append(value)
    return found
