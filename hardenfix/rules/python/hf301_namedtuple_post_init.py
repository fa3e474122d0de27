from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from hardenfix.model import Applicability, Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.python import Binding, PythonDocument, block_opener, continues_line_above

_NAMEDTUPLE = frozenset({"typing.NamedTuple", "typing_extensions.NamedTuple"})
_TUPLE_ATTRIBUTES = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults"})
_TUPLE_METHODS = frozenset({"count", "index"})
_ITERATING_BUILTINS = frozenset({"len", "tuple", "list", "iter", "sorted", "set", "zip", "enumerate", "reversed"})
_POST_INIT = re.compile(rb"__post_init__")
_POST_INIT_DEFINITION = re.compile(rb"[ \t\f]*(?:async[ \t]+)?def[ \t]+__post_init__\b")
_CLASS_WITHOUT_BASES = re.compile(rb"class[ \t]+\w+[ \t]*:")


@dataclass(slots=True)
class _Verdict:
    cls: ast.ClassDef
    base: ast.expr
    no_fix: str | None = None
    unsafe: list[str] = field(default_factory=list)

    @property
    def applicability(self) -> Applicability:
        return Applicability.UNSAFE if self.unsafe else Applicability.SAFE


class NamedTuplePostInit(Rule):
    """
    ## What it does
    Finds `NamedTuple` classes that define `__post_init__` and turns them into
    `@dataclass(frozen=True)` classes with the same fields, defaults,
    annotations, docstring, methods, decorators and comments. `NamedTuple`
    imported from `typing` or `typing_extensions`, under any alias or through
    the module (`typing.NamedTuple`), is recognised.

    ## Why is this bad?
    `__post_init__` is a dataclass hook; `NamedTuple` never calls it. The
    validation written in it never runs, so a `PauseConfig(seconds=-1)` that
    the author meant to reject is accepted silently.

    ## Example
    ```python
    from typing import NamedTuple


    class PauseConfig(NamedTuple):
        seconds: float = 1.0

        def __post_init__(self) -> None:
            if self.seconds < 0:
                raise ValueError("seconds must be >= 0")
    ```

    ## Use instead
    ```python
    from dataclasses import dataclass


    @dataclass(frozen=True)
    class PauseConfig:
        seconds: float = 1.0

        def __post_init__(self) -> None:
            if self.seconds < 0:
                raise ValueError("seconds must be >= 0")
    ```

    ## Fix safety
    The fix adds `from dataclasses import dataclass` (or reuses the module's
    `dataclasses` import) and removes the `NamedTuple` import once nothing
    else uses it, leaving the rest of that import statement as written.

    Safe when nothing in the module uses an instance as a tuple. Unsafe, with
    the reason in the message, when the module calls `_replace`, `_asdict`,
    `_make` or `_fields`, or indexes, unpacks, iterates or takes the length of
    an instance, or when `__post_init__` assigns to `self` (a frozen dataclass
    raises there). A dataclass is not a tuple: code in other modules that
    unpacks, indexes or sorts instances also breaks, so review the callers.

    No fix, only the finding, for generic NamedTuples, for methods that use
    the instance as a tuple, and for fields with a list, dict or set default
    (a dataclass refuses mutable defaults).
    """

    code = "HF301"
    slug = "namedtuple-post-init"
    kind = FileKind.PYTHON
    category = Category.CORRECTNESS
    summary = "`NamedTuple` with a `__post_init__` that never runs"
    fix_safety = FixSafety.SOMETIMES
    # `NamedTuple` is imported or written before the `__post_init__` of its class.
    prefilter = re.compile(rb"NamedTuple[\s\S]*?__post_init__")

    @classmethod
    def might_apply(cls, data: bytes) -> bool:
        """The prefilter, and a `__post_init__` defined somewhere other than the body of a
        class without bases: a module that uses NamedTuple next to a dataclass with
        `__post_init__` is common, and parsing it would find nothing."""
        if not super().might_apply(data):
            return False
        for mention in _POST_INIT.finditer(data):
            line_start = data.rfind(b"\n", 0, mention.start()) + 1
            if _POST_INIT_DEFINITION.match(data, line_start, mention.end()) is None:
                if continues_line_above(data, line_start):
                    return True  # `def \` on the line above
                continue  # not a definition: a call, a comment
            opener = block_opener(data, line_start)
            if opener is None or (opener and _CLASS_WITHOUT_BASES.match(opener) is None):
                return True
        return False

    def check(self, document: PythonDocument) -> Iterator[Finding]:
        verdicts = [
            self._verdict(document, node, base)
            for node in sorted(document.nodes_mentioning(["__post_init__"], ast.ClassDef), key=_position)
            if _defines(node, "__post_init__")
            for base in node.bases
            if document.qualified_name(base) in _NAMEDTUPLE
        ]
        for verdict in verdicts:
            start, end = document.span(verdict.base)
            message = (
                f"`{verdict.cls.name}` is a NamedTuple, which never calls `__post_init__`: "
                "the validation in it never runs"
            )
            if verdict.no_fix is not None:
                yield self.finding(document, start, end, f"{message} (no fix: {verdict.no_fix})")
                continue
            if verdict.unsafe:
                message += f" (unsafe fix: {'; '.join(verdict.unsafe)})"
            fix = self.deferred_fix(
                f"Convert `{verdict.cls.name}` to a frozen dataclass",
                functools.partial(self._edits, document, verdict, verdicts),
                verdict.applicability,
            )
            yield self.finding(document, start, end, message, fix)

    def _verdict(self, document: PythonDocument, cls: ast.ClassDef, base: ast.expr) -> _Verdict:
        verdict = _Verdict(cls, base)
        if len(cls.bases) > 1 or cls.keywords or getattr(cls, "type_params", None):
            verdict.no_fix = "a generic NamedTuple or one with other bases needs converting by hand"
        elif method := _method_using_tuple_api(cls):
            verdict.no_fix = f"method `{method}` uses the instance as a tuple"
        elif name := _mutable_default(cls):
            verdict.no_fix = f"field `{name}` has a mutable default, which a dataclass refuses"
        else:
            verdict.unsafe = [*_tuple_uses(document, cls.name)]
            if _assigns_to_self(cls):
                verdict.unsafe.append("`__post_init__` assigns to `self`, which a frozen dataclass forbids")
        return verdict

    def _edits(self, document: PythonDocument, verdict: _Verdict, verdicts: list[_Verdict]) -> list[Edit]:
        import libcst

        decorator, import_edit = document.add_import("dataclasses", "dataclass")
        node = document.cst_node(verdict.cls, libcst.ClassDef)
        converted = node.with_changes(
            bases=(),
            lpar=libcst.MaybeSentinel.DEFAULT,
            rpar=libcst.MaybeSentinel.DEFAULT,
            whitespace_after_name=libcst.SimpleWhitespace(""),
            # Innermost, so that the class's own decorators receive the dataclass.
            decorators=[*node.decorators, libcst.Decorator(libcst.parse_expression(f"{decorator}(frozen=True)"))],
        )
        edits = [document.rewrite(node, converted)]
        if import_edit is not None:
            edits.append(import_edit)
        root = _root(verdict.base)
        binding = document.bindings.get(root.id) if isinstance(root, ast.Name) else None
        if binding is not None and _unused_once_converted(document, binding, verdict, verdicts):
            edits.append(document.remove_import(binding))
        return edits


def _defines(cls: ast.ClassDef, name: str) -> bool:
    return any(
        isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == name
        for statement in cls.body
    )


def _unused_once_converted(
    document: PythonDocument, binding: Binding, verdict: _Verdict, verdicts: list[_Verdict]
) -> bool:
    """Whether every use of the import is the base of a class converted along with this one.

    A safe fix only counts classes with safe fixes, which are applied with it; an
    unsafe fix is applied with `--unsafe-fixes`, which applies every fix. Two fixes
    that remove the import make the identical edit, and it is made once.
    """
    converted = {
        id(_root(other.base)) for other in verdicts if other.no_fix is None and (verdict.unsafe or not other.unsafe)
    }
    mentioned_in_strings = any(node.value == binding.name for node in document.nodes(ast.Constant))
    uses = document.name_loads.get(binding.name, [])
    return not mentioned_in_strings and all(id(use) in converted for use in uses)


def _position(node: ast.stmt) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _root(expression: ast.expr) -> ast.expr:
    """`typing` for `typing.NamedTuple`."""
    while isinstance(expression, ast.Attribute):
        expression = expression.value
    return expression


def _method_using_tuple_api(cls: ast.ClassDef) -> str | None:
    for method in cls.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) or not method.args.args:
            continue
        self_name = method.args.args[0].arg
        for node in ast.walk(method):
            if (
                isinstance(node, ast.Attribute)
                and _is_name(node.value, {self_name})
                and node.attr in _TUPLE_ATTRIBUTES | _TUPLE_METHODS
            ) or _uses_as_tuple(node, {self_name}):
                return method.name
    return None


def _tuple_uses(document: PythonDocument, class_name: str) -> Iterator[str]:
    """Why the module may use instances of `class_name` as tuples, if it does."""
    instances = _instance_names(document, class_name)
    # Other attributes share those lines (`point._replace(x=limits.low)`): only these count.
    mentioned = document.nodes_mentioning(_TUPLE_ATTRIBUTES, ast.Attribute)
    attributes = sorted({node.attr for node in mentioned} & _TUPLE_ATTRIBUTES)
    if attributes:
        yield f"the module uses {', '.join(f'`{a}`' for a in attributes)}, which a dataclass lacks"
    uses = document.nodes_mentioning({*instances, class_name}, *_TUPLE_USES)
    if any(_uses_as_tuple(node, instances, class_name) for node in uses):
        yield f"the module indexes, unpacks or iterates a `{class_name}`, which a dataclass does not allow"


def _instance_names(document: PythonDocument, class_name: str) -> set[str]:
    """Names assigned `ClassName(...)` or annotated with the class, anywhere in the module."""
    names: set[str] = set()
    for node in document.nodes_mentioning([class_name], ast.Assign, ast.AnnAssign, ast.arg):
        if isinstance(node, ast.Assign) and _is_call_of(node.value, class_name):
            names.update(target.id for target in node.targets if isinstance(target, ast.Name))
        elif isinstance(node, ast.AnnAssign | ast.arg):
            annotation = node.annotation
            target = node.target if isinstance(node, ast.AnnAssign) else None
            mentions = annotation is not None and any(
                _is_name(part, {class_name}) for part in ast.walk(annotation) if isinstance(part, ast.expr)
            )
            if mentions and isinstance(node, ast.arg):
                names.add(node.arg)
            elif mentions and isinstance(target, ast.Name):
                names.add(target.id)
    return names


_TUPLE_USES = (ast.Subscript, ast.Starred, ast.Assign, ast.For, ast.AsyncFor, ast.comprehension, ast.Call)
"""The node classes `_uses_as_tuple` looks at."""


def _uses_as_tuple(node: ast.AST, instances: set[str], class_name: str | None = None) -> bool:
    """Indexing, starring, unpacking, iterating or measuring one of the `instances`
    (names), or a `class_name(...)` call."""

    def is_instance(value: ast.expr) -> bool:
        return _is_name(value, instances) or (class_name is not None and _is_call_of(value, class_name))

    if isinstance(node, ast.Subscript | ast.Starred):
        return is_instance(node.value)
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Tuple | ast.List) for t in node.targets) and is_instance(node.value)
    if isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
        return is_instance(node.iter)
    if isinstance(node, ast.Call) and _is_name(node.func, _ITERATING_BUILTINS):
        return any(is_instance(argument) for argument in node.args)
    return False


def _mutable_default(cls: ast.ClassDef) -> str | None:
    for statement in cls.body:
        if (
            isinstance(statement, ast.AnnAssign)
            and isinstance(statement.target, ast.Name)
            and isinstance(statement.value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp)
        ):
            return statement.target.id
    return None


def _assigns_to_self(cls: ast.ClassDef) -> bool:
    for method in cls.body:
        if isinstance(method, ast.FunctionDef) and method.name == "__post_init__" and method.args.args:
            self_name = method.args.args[0].arg
            for node in ast.walk(method):
                if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    if any(isinstance(t, ast.Attribute) and _is_name(t.value, {self_name}) for t in targets):
                        return True
    return False


def _is_name(node: ast.expr, names: set[str] | frozenset[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _is_call_of(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Call) and _is_name(node.func, {name})
