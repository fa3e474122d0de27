from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from hardenfix.model import Applicability, Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.python import PythonDocument, Scope, merge_insertions

_BROAD = frozenset({"Exception", "BaseException"})
_LOGGER_NAMES = ("logger", "log", "LOGGER", "LOG", "_logger", "_log", "_LOGGER")
_EXCEPTION_NAMES = ("exc", "error", "exception")
_EMPTY_CONSTRUCTORS = frozenset({"list", "dict", "set", "tuple", "frozenset", "str", "bytes", "int", "float", "bool"})
_NONE_ALLOWING = frozenset({"Optional", "Any", "object", "None"})


@dataclass(frozen=True, slots=True)
class _Silence:
    """A handler that only passes, or only returns `value` (None for a bare `return`)."""

    handler: ast.ExceptHandler
    clause: str
    returns: ast.Return | None


class BroadExceptSilentDefault(Rule):
    """
    ## What it does
    Finds `except Exception:`, `except BaseException:` and bare `except:`
    handlers whose body only `pass`es or only returns a constant
    (`return 0.0`, `return ""`, `return False`, `return []`).

    ## Why is this bad?
    Every failure, a typo included, turns into a value that looks valid: a
    price of `0.0`, an empty list of orders. Nothing is logged, so the
    service keeps running on wrong data and nobody learns why.

    ## Example
    ```python
    def fetch_rate(currency: str) -> float | None:
        try:
            return client.rate(currency)
        except Exception:
            return 0.0
    ```

    ## Use instead
    ```python
    import logging

    logger = logging.getLogger(__name__)


    def fetch_rate(currency: str) -> float | None:
        try:
            return client.rate(currency)
        except Exception as exc:
            logger.warning("fetch_rate failed: %s", exc)
            return None
    ```

    ## Fix safety
    Unsafe: the fix binds the exception, logs it with the module's logger
    (`logger`, `log` or `LOGGER` bound to `logging.getLogger(...)`, else it
    adds `import logging` and `logger = logging.getLogger(__name__)` after the
    imports), and returns `None` instead of the constant when the function's
    return annotation allows `None` or it has none. Callers that relied on the
    constant see `None`. A bare `except:` becomes `except BaseException as exc:`,
    which catches exactly what it caught before.

    Handlers that already log, re-raise or catch a narrower exception are not
    findings. Handlers outside functions are reported without a fix: at import
    time the logger may not exist yet.
    """

    code = "HF303"
    slug = "broad-except-silent-default"
    kind = FileKind.PYTHON
    category = Category.RELIABILITY
    summary = "Broad `except` that hides failures behind a default value"
    fix_safety = FixSafety.UNSAFE
    # A broad or bare `except` clause followed (past comments) by `pass` or `return`.
    prefilter = re.compile(
        rb"except(?:[ \t(]+(?:builtins\.)?(?:Base)?Exception[ \t)]*)?(?:[ \t]+as[ \t]+\w+)?[ \t]*:"
        rb"(?:\s*#[^\r\n]*)*\s*(?:pass|return)\b"
    )

    def check(self, document: PythonDocument) -> Iterator[Finding]:
        silences = [
            silence
            for node in document.nodes_mentioning(["except"], ast.ExceptHandler)
            if (silence := _silence(document, node)) is not None
        ]
        for silence in sorted(silences, key=lambda s: (s.handler.lineno, s.handler.col_offset)):
            start = document.span(silence.handler)[0]
            end = document.span(silence.handler.type)[1] if silence.handler.type else start + len("except")
            chain = document.enclosing_scopes(silence.handler)
            function = chain[-1] if chain and isinstance(chain[-1], ast.FunctionDef | ast.AsyncFunctionDef) else None
            where = f" in `{_qualified(chain)}`" if function else ""
            if silence.returns is None:
                message = f"`{silence.clause}`{where} swallows every error without a trace"
            else:
                value = silence.returns.value
                returned = "None" if value is None else document.source(value)
                message = f"`{silence.clause}`{where} hides every error behind `return {returned}`"
            if function is None:
                yield self.finding(document, start, end, f"{message} (no fix: outside a function)")
                continue
            logger = _module_logger(document)
            if logger is None and "logger" in document.module_level_names:
                yield self.finding(
                    document, start, end, f"{message} (no fix: `logger` is bound to something other than a logger)"
                )
                continue
            returns_none = silence.returns is not None and _allows_none(document, function.returns)
            changes = "logs the error" + (" and returns None" if returns_none and _returns_value(silence) else "")
            make_edits = functools.partial(
                self._edits, document, silence, function, _qualified(chain), logger, returns_none
            )
            fix = self.deferred_fix("Log the exception", make_edits, Applicability.UNSAFE)
            yield self.finding(document, start, end, f"{message} (unsafe fix: {changes})", fix)

    def _edits(
        self,
        document: PythonDocument,
        silence: _Silence,
        function: ast.FunctionDef | ast.AsyncFunctionDef,
        function_name: str,
        logger: str | None,
        returns_none: bool,
    ) -> list[Edit]:
        import libcst

        edits: list[Edit | None] = []
        if logger is None:
            logger = "logger"
            logging_module, import_edit = document.add_import("logging")
            edits = [import_edit, _define_logger(document, f"{logger} = {logging_module}.getLogger(__name__)")]
        handler = silence.handler
        exception = handler.name or _unused_name(function)
        node = document.cst_node(handler, libcst.ExceptHandler)
        log = libcst.parse_statement(f'{logger}.warning("{function_name} failed: %s", {exception})')
        assert isinstance(log, libcst.SimpleStatementLine)
        body = node.body
        if isinstance(body, libcst.SimpleStatementSuite):  # `except Exception: pass` on one line
            body = libcst.IndentedBlock(
                body=[libcst.SimpleStatementLine([statement]) for statement in body.body],
                header=body.trailing_whitespace,
            )
        statements = list(body.body)
        if silence.returns is None:
            # The `pass` gives way to the log call; a comment on its line stays.
            statements[0] = statements[0].with_changes(body=log.body)
        else:
            returned = statements[-1]
            if returns_none and _returns_value(silence):
                returned = returned.with_changes(body=[returned.body[0].with_changes(value=libcst.Name("None"))])
            statements[-1:] = [log, returned]
        rewritten = node.with_changes(body=body.with_changes(body=statements))
        if handler.type is None:
            rewritten = rewritten.with_changes(
                type=libcst.Name("BaseException"), whitespace_after_except=libcst.SimpleWhitespace(" ")
            )
        if handler.name is None:
            rewritten = rewritten.with_changes(name=libcst.AsName(libcst.Name(exception)))
        edits.append(document.rewrite(node, rewritten))
        return merge_insertions(*edits)


def _silence(document: PythonDocument, handler: ast.ExceptHandler) -> _Silence | None:
    if handler.type is None:
        clause = "except:"
    elif isinstance(handler.type, ast.Name) and handler.type.id in _BROAD and handler.type.id not in document.bindings:
        clause = f"except {handler.type.id}:"
    elif document.qualified_name(handler.type) in {f"builtins.{name}" for name in _BROAD}:
        clause = f"except {ast.unparse(handler.type)}:"
    else:
        return None
    body = handler.body
    if all(isinstance(statement, ast.Pass) for statement in body):
        return _Silence(handler, clause, None)
    if len(body) == 1 and isinstance(body[0], ast.Return) and _is_constant(body[0].value):
        return _Silence(handler, clause, body[0])
    return None


def _is_constant(value: ast.expr | None) -> bool:
    if value is None or isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.USub | ast.UAdd):
        return isinstance(value.operand, ast.Constant)
    if isinstance(value, ast.List | ast.Tuple | ast.Set):
        return all(_is_constant(element) for element in value.elts)
    if isinstance(value, ast.Dict):
        return all(_is_constant(part) for part in (*value.keys, *value.values))
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and value.func.id in _EMPTY_CONSTRUCTORS
        and not value.args
        and not value.keywords
    )


def _returns_value(silence: _Silence) -> bool:
    """Whether the handler returns something other than None."""
    value = silence.returns.value if silence.returns else None
    return value is not None and not (isinstance(value, ast.Constant) and value.value is None)


def _allows_none(document: PythonDocument, annotation: ast.expr | None) -> bool:
    """Whether a return annotation admits None: none at all, `X | None`, `Optional[X]`, `Any`, ..."""
    if annotation is None:
        return True
    if isinstance(annotation, ast.Constant):
        if annotation.value is None:
            return True
        if isinstance(annotation.value, str):
            try:
                return _allows_none(document, ast.parse(annotation.value, mode="eval").body)
            except SyntaxError:
                return False
        return False
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        return _allows_none(document, annotation.left) or _allows_none(document, annotation.right)
    if isinstance(annotation, ast.Subscript):
        outer = _last_part(annotation.value)
        if outer == "Optional":
            return True
        if outer == "Union":
            members = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
            return any(_allows_none(document, member) for member in members)
        return outer == "Annotated" and _allows_none(document, _first_argument(annotation))
    return _last_part(annotation) in _NONE_ALLOWING


def _first_argument(subscript: ast.Subscript) -> ast.expr:
    return subscript.slice.elts[0] if isinstance(subscript.slice, ast.Tuple) else subscript.slice


def _last_part(expression: ast.expr) -> str | None:
    if isinstance(expression, ast.Name):
        return expression.id
    if isinstance(expression, ast.Attribute):
        return expression.attr
    return None


def _module_logger(document: PythonDocument) -> str | None:
    """The name of a module-level `logger = logging.getLogger(...)`, among the usual names."""
    loggers = set()
    for statement in document.tree.body:
        if (
            isinstance(statement, ast.Assign)
            and isinstance(statement.value, ast.Call)
            and document.qualified_name(statement.value.func) == "logging.getLogger"
        ):
            loggers.update(target.id for target in statement.targets if isinstance(target, ast.Name))
    return next((name for name in _LOGGER_NAMES if name in loggers), None)


def _define_logger(document: PythonDocument, line: str) -> Edit:
    at = document.after_imports()
    following = document.tree.body[len(document.import_block) :]
    starts_definitions = bool(following) and isinstance(
        following[0], ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
    )
    return document.insert_lines(at, [line], blank_before=1, blank_after=2 if starts_definitions else 1)


def _unused_name(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str:
    """A name for the exception that the function does not use for anything else."""
    used = {node.id for node in ast.walk(function) if isinstance(node, ast.Name)}
    used.update(node.arg for node in ast.walk(function) if isinstance(node, ast.arg))
    used.update(node.name for node in ast.walk(function) if isinstance(node, ast.ExceptHandler) and node.name)
    candidates = (*_EXCEPTION_NAMES, *(f"exc_{n}" for n in range(1, len(used) + 2)))
    return next(name for name in candidates if name not in used)


def _qualified(chain: list[Scope]) -> str:
    """`Client.fetch` for a method, `outer.inner` for a nested function."""
    return ".".join(scope.name for scope in chain if not isinstance(scope, ast.Lambda))
