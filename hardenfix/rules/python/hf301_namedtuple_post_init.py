from __future__ import annotations

import ast
import builtins
import functools
import os
import re
from collections.abc import Callable, Iterator
from typing import NamedTuple

from hardenfix import regexes
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.python import (
    Binding,
    PythonDocument,
    block_opener,
    bound_names,
    docstring_of,
    is_none,
    last_name,
    merge_insertions,
    module_level_bindings,
    module_level_statements,
)
from hardenfix.sources.python_flow import (
    CLASS,
    INSTANCE,
    TYPE,
    ClassShape,
    Derived,
    Kind,
    ModuleFlow,
    Use,
    follow_class,
    imported_module,
)
from hardenfix.sources.python_project import MAX_MODULES, Project
from hardenfix.sources.text import continues_line_above, line_number, word_starts

_NAMEDTUPLE = frozenset({"typing.NamedTuple", "typing_extensions.NamedTuple"})
_NAMEDTUPLE_FACTORIES = _NAMEDTUPLE | {"collections.namedtuple"}
_TUPLE_API = frozenset({"_replace", "_asdict", "_fields", "_make", "_field_defaults"})
_TUPLE_ATTRIBUTES = _TUPLE_API | {
    "count",
    "index",
    "__getitem__",
    "__iter__",
    "__len__",
    "__contains__",
    "__add__",
    "__mul__",
    "__rmul__",
    "__lt__",
    "__le__",
    "__gt__",
    "__ge__",
    "__getnewargs__",
    "__new__",
    "__mro__",
    "__bases__",
    "__dict__",
    "__slots__",
}
_TUPLE_TYPES = frozenset(
    {"tuple", "Tuple", "NamedTuple", "Sequence", "Iterable", "Collection", "Container", "Sized", "Reversible"}
)
_CONSUMING_BUILTINS = frozenset(
    {
        "len", "tuple", "list", "iter", "sorted", "set", "frozenset", "dict", "zip", "enumerate",
        "reversed", "sum", "min", "max", "any", "all", "map", "filter",
    }
)  # fmt: skip
_PLAIN_DECORATORS = frozenset(
    {"property", "cached_property", "staticmethod", "classmethod", "abstractmethod", "override", "overload", "final"}
)
"""Decorators that read no annotation."""
_HARMLESS_DECORATORS = frozenset({"typing.final", "typing_extensions.final"})
"""Class decorators that do the same to a dataclass as to a NamedTuple."""
_PSEUDO_FIELDS = frozenset({"ClassVar", "InitVar"})
_ORDERING = frozenset({"__lt__", "__le__", "__gt__", "__ge__"})
_PLAIN_BASES = frozenset({"object", "Generic", "Protocol", "NamedTuple"})
_SHOWING_BUILTINS = frozenset({"str", "repr", "format", "print", "ascii"})
_LOG_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
_MUTABLE_FACTORIES = frozenset(
    {"list", "dict", "set", "bytearray", "defaultdict", "OrderedDict", "deque", "Counter", "ChainMap"}
)
_HASHABLE_FACTORIES = frozenset(
    {
        *("int", "float", "complex", "str", "bytes", "bool", "tuple", "frozenset", "range", "object"),
        *("Decimal", "Fraction", "date", "datetime", "time", "timedelta", "timezone", "UUID"),
        *("Path", "PurePath", "PosixPath", "PurePosixPath", "WindowsPath", "PureWindowsPath"),
    }
)
"""Callables whose results are hashable: a default made by one is one a dataclass accepts."""
_OPERATORS = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/", ast.Mod: "%", ast.Pow: "**",
    ast.LShift: "<<", ast.RShift: ">>", ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.FloorDiv: "//",
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
    ast.USub: "-", ast.UAdd: "+", ast.Invert: "~",
}  # fmt: skip
_BLANKS = frozenset(" \t\\\r\n")
"""What may stand between a value, its `.`, a method's name and the call's `(`."""
_SPECIAL_METHODS = {
    ast.Add: "__add__", ast.Sub: "__sub__", ast.Mult: "__mul__", ast.MatMult: "__matmul__",
    ast.Div: "__truediv__", ast.Mod: "__mod__", ast.Pow: "__pow__", ast.LShift: "__lshift__",
    ast.RShift: "__rshift__", ast.BitOr: "__or__", ast.BitXor: "__xor__", ast.BitAnd: "__and__",
    ast.FloorDiv: "__floordiv__", ast.USub: "__neg__", ast.UAdd: "__pos__", ast.Invert: "__invert__",
    ast.Lt: "__lt__", ast.LtE: "__le__", ast.Gt: "__gt__", ast.GtE: "__ge__",
}  # fmt: skip
_REFLECTED = {"__lt__": "__gt__", "__le__": "__ge__", "__gt__": "__lt__", "__ge__": "__le__"}
_MUTATING_METHODS = frozenset(
    {"append", "extend", "insert", "sort", "reverse", "update", "clear", "pop", "popitem", "remove", "add",
     "discard", "setdefault"}
)  # fmt: skip
"""Methods that change a list, dict or set in place."""
_SHOWN_USES = 10
"""How many uses a message names before it counts the rest."""
_POST_INIT = regexes.lazy(rb"__post_init__")
_POST_INIT_DEFINITION = regexes.lazy(rb"[ \t\f]*(?:async[ \t]+)?def[ \t]+__post_init__\b")
_CLASS_WITHOUT_BASES = regexes.lazy(rb"class[ \t]+\w+[ \t]*:")


class _TupleUse(NamedTuple):
    """An instance (or the class) used as only a tuple can be: the conversion breaks it."""

    node: ast.AST
    what: str


class _HandedOn(NamedTuple):
    """An instance (or the class) handed to code that is not followed, which may use it as a tuple."""

    node: ast.AST
    what: str


class _Rewrite(NamedTuple):
    """A tuple-only call or attribute of the class's own module with a dataclass equivalent."""

    form: str
    """`replace`, `asdict`, `fields` or `make`."""
    node: ast.expr
    """The call, or the `_fields` attribute."""


class _Verdict:
    __slots__ = ("base", "cls", "no_fix", "rewrites", "unsafe")

    cls: ast.ClassDef
    base: ast.expr
    no_fix: str | None
    unsafe: list[str]
    rewrites: list[_Rewrite]

    def __init__(self, cls: ast.ClassDef, base: ast.expr) -> None:
        self.cls = cls
        self.base = base
        self.no_fix = None
        self.unsafe = []
        self.rewrites = []


class NamedTuplePostInit(Rule):
    """
    ## What it does
    Finds `NamedTuple` classes that define `__post_init__` and turns them into
    `@dataclass(frozen=True)` classes with the same fields, defaults,
    annotations, docstring, methods, decorators and comments. `NamedTuple`
    imported from `typing` or `typing_extensions`, under any alias or through
    the module (`typing.NamedTuple`), is recognised. Classes built on a
    `namedtuple(...)` or `NamedTuple("C", [...])` call, and subclasses of a
    NamedTuple of the same module, are reported too.

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
    After the fix, `__post_init__` runs: a value it rejects, which the
    NamedTuple accepted silently, now fails where it is made. That is what
    the rule is for, as failing fast on a missing secret is HF110's; a
    program that relied on invalid values passing was already wrong.

    Construction, `__post_init__`, equality between instances, hashing,
    attribute access and, for a class defined at module level, `repr` behave
    alike after the fix. What a dataclass does not do is be a tuple: code that
    unpacks, indexes, slices, iterates, measures, sorts or orders an instance,
    compares it with a tuple (or with a value that may be one: a parameter, which
    a caller may give a tuple, a name also bound to one, `a or (0, 0)`), checks
    it with `isinstance` against `tuple` or
    a name not bound to a class here (`KINDS = (tuple, list)`, a parameter,
    a name imported from a module other than `typing`'s kin, a Protocol or an
    ABC),
    reads its `__dict__` (which a NamedTuple lacks), or hands it to code that
    may do so (`json.dumps`, `sorted`, an unknown function) breaks.

    The fix is safe only when no module of the project can use an instance as
    a tuple. The project is the tree under the nearest folder holding
    `pyproject.toml` (one that declares a project or a build, not only tools'
    settings), `setup.py`, `setup.cfg` or `.git` (without one, the
    folder the module's top-level package is imported from); besides its
    modules, the search reads those `.gitignore` leaves out, scripts without
    `.py` whose `#!` line runs Python, and notebooks. The class and
    its instances are followed through the module and through every module
    of the project that imports them, directly, through a package's
    `__init__` or `__all__`, or by a star import: into variables, into
    parameters of the module's own functions (and of functions elsewhere,
    for parameters annotated with the class), and out of functions that
    return them. Any other place an instance reaches (stored in an
    attribute, put in a list, returned from a method of another class, passed
    to a function that is not followed) makes the fix unsafe, with the file
    and line in the message; so does the class as the annotation of a field
    of a class that a framework may build (one with bases, or decorators
    other than the standard library's `dataclass`: pydantic, attrs; that one
    too where a module that names it names pydantic, FastAPI, cattrs, dacite,
    msgspec or mashumaro, which build it from data by those annotations) or of a
    parameter of a decorated function (FastAPI, typer), or of one the module
    hands to a call (`validate_call(move)`, `app.add_api_route("/m", move)`;
    not `map` or `sorted`). A type made from the
    class (`list[Point]`, `Point | None`, and names bound to one) counts as
    the class: `TypeAdapter(list[Point])` makes the fix unsafe, as
    `TypeAdapter(Point)` does (pydantic builds a NamedTuple from an array, a
    dataclass from a dict only). So does a public class of a distributable
    project (its `pyproject.toml` declares a project or a build, or it has
    `setup.py` or `setup.cfg`; not an application whose tool never builds it:
    uv's `package = false`, Poetry's `package-mode = false`, PDM's
    `distribution = false`), or a public function or variable through which
    one reaches its instances: their users are outside the tree. So does a
    decorator of the class other than `typing.final`: it is given a
    dataclass where it was given a NamedTuple, whose `_fields` or tuple
    ordering it may use. So do a `__post_init__` that assigns to `self` (a
    frozen dataclass raises there), `_replace` and its kin on a value that is
    not followed (but another class of the module, or `self` and `cls` in its
    methods), and a project of more than 50,000 modules, which is not
    searched, a doctest that names it, `getattr(module, "Point")`,
    `import_module("app.models").Point` (or `.Point` anywhere in a module
    that calls `import_module`) and `vars(module)["Point"]`. Names
    made at run time (`getattr` or a lookup with a computed name) are not
    followed.

    In the class's own module, the fix rewrites what has an equivalent:
    `x._replace(a=1)` becomes `dataclasses.replace(x, a=1)` (which runs
    `__post_init__` on the new values); `x._asdict()` becomes
    `{"a": x.a, ...}` (`dataclasses.asdict` would copy values deeply and turn
    nested dataclasses into dicts, where `_asdict` is shallow); `Cls._fields`
    becomes the tuple of field names, and `Cls._make(values)` becomes
    `Cls(*values)` (which also accepts too few values when fields have
    defaults). It adds `from dataclasses import dataclass` (or `import
    dataclasses` when it needs `replace`, or when the module's `dataclass` is
    another, as pydantic's), or reuses the module's import, and removes the
    `NamedTuple` import once nothing else uses it (another module importing
    it from this one, or all of this one's names, uses it).

    No fix, only the finding, where an instance made as the module is
    imported (`ORIGIN = Point(0)`, a default argument) would run
    `__post_init__` before a name it reads (or a method or function it calls
    reads) is bound further down, or where the module imports `dataclass`
    only below the class: the module would fail to import. None either where
    the class body reads `tuple` (`__str__ = tuple.__repr__`), or a comment
    sits inside its bases' parentheses, which the conversion would drop; for
    generic NamedTuples, for classes built on a
    `namedtuple(...)` call or inheriting from another NamedTuple, for methods
    that use the instance as a tuple, for `functools.total_ordering` on a
    class that defines no ordering method (it finds a tuple's on the
    NamedTuple, and raises on a dataclass, which has none), for a field
    annotated `ClassVar` or `InitVar` (with `from __future__ import
    annotations` a NamedTuple takes it for a field, which its callers may
    pass, and a dataclass does not), and for fields whose default a
    dataclass refuses, being unhashable: a list, dict or set, or an instance
    of a class of the module that is (a `@dataclass` that is not frozen, a
    class with `__eq__` and no `__hash__`), written as the default or bound
    to the names that lead to it (`TAGS = BASE_TAGS`). A
    default whose value is not known here makes the fix unsafe, since a
    dataclass refuses it if it is unhashable: an instance of a class not
    known here (`Options()` from another module), a name imported from
    another module, an attribute (`settings.TAGS`; a member of an enum of the
    module is known), a subscript.
    """

    code = "HF301"
    slug = "namedtuple-post-init"
    kind = FileKind.PYTHON
    category = Category.CORRECTNESS
    summary = "`NamedTuple` with a `__post_init__` that never runs"
    fix_safety = FixSafety.SOMETIMES
    # A NamedTuple is imported or written before the `__post_init__` of its class.
    prefilter = regexes.lazy(rb"(?:NamedTuple|namedtuple)[\s\S]*?__post_init__")

    @classmethod
    def might_apply(cls, data: bytes) -> bool:
        """The prefilter, and a `__post_init__` defined somewhere other than the body of a
        class without bases: a module that uses NamedTuple next to a dataclass with
        `__post_init__` is common, and parsing it would find nothing."""
        # The prefilter's test, by `bytes.find` (the regex scans a file ten times slower),
        # rarest word first: most files are scanned once, for a `__post_init__` they lack.
        last = data.rfind(b"__post_init__")
        if last == -1 or (data.find(b"NamedTuple", 0, last) == -1 and data.find(b"namedtuple", 0, last) == -1):
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
        verdicts = [self._verdict(document, node, base, form) for node, base, form in _candidates(document)]
        for verdict in verdicts:
            start, end = document.span(verdict.base)
            message = (
                f"`{verdict.cls.name}` is a NamedTuple, which never calls `__post_init__`: "
                "the validation in it never runs"
            )
            if verdict.no_fix is not None:
                yield self.finding(document, start, end, f"{message} (no fix: {verdict.no_fix})")
                continue
            fix = self.deferred_fix(
                f"Convert `{verdict.cls.name}` to a frozen dataclass",
                functools.partial(self._edits, document, verdict, verdicts),
            )
            yield self.finding(document, start, end, message, fix, doubts=verdict.unsafe)

    def _verdict(self, document: PythonDocument, cls: ast.ClassDef, base: ast.expr, form: str) -> _Verdict:
        verdict = _Verdict(cls, base)
        if form == "call":
            verdict.no_fix = f"its fields are declared by a `{document.source(base.func)}(...)` call"  # type: ignore[attr-defined]
            return verdict
        if form == "subclass":
            verdict.no_fix = f"it inherits its fields from the NamedTuple `{document.source(base)}`"
            return verdict
        if len(cls.bases) > 1 or cls.keywords or getattr(cls, "type_params", None):
            verdict.no_fix = "a generic NamedTuple or one with other bases needs converting by hand"
            return verdict
        decorators = [d for d in cls.decorator_list if document.qualified_name(_called(d)) not in _HARMLESS_DECORATORS]
        for decorator in decorators:
            if document.qualified_name(decorator) == "functools.total_ordering" and not _ORDERING & _methods(cls):
                verdict.no_fix = (
                    f"`@{_source(decorator)}` needs an ordering method, which the NamedTuple has from"
                    " `tuple` and a dataclass lacks"
                )
                return verdict
        pseudo_field = _pseudo_field(cls)
        if pseudo_field is not None:
            verdict.no_fix = (
                f"field `{_source(pseudo_field.target)}` is annotated `{_source(pseudo_field.annotation)}`,"
                " which a NamedTuple takes for a field and a dataclass does not"
            )
            return verdict
        methods = _methods(cls)
        if methods & {"__setattr__", "__delattr__"}:
            refusing = sorted(methods & {"__setattr__", "__delattr__"})[0]
            verdict.no_fix = f"it defines `{refusing}`, which `dataclass(frozen=True)` refuses to replace"
            return verdict
        if _post_init_takes_arguments(cls):
            verdict.no_fix = "its `__post_init__` takes arguments, which a dataclass would call it without"
            return verdict
        early = _made_before_bound(document, cls) or _reads_tuple_in_body(cls) or _late_dataclass_import(document, cls)
        if early is not None:
            verdict.no_fix = early
            return verdict
        if "#" in _header(document, cls):
            verdict.no_fix = "a comment inside its bases' parentheses would be lost with them"
            return verdict
        refused = _refused_default(document, cls)
        if refused is not None and refused[1] is None:
            verdict.no_fix = f"field `{refused[0]}` has an unhashable default, which a dataclass refuses"
            return verdict
        if document.names_from("dataclasses", ["dataclass"]) is None:
            verdict.no_fix = "the names `dataclass` and `dataclasses` both mean something else in the module"
            return verdict
        if refused is not None:
            name, unknown = refused
            verdict.unsafe.append(
                f"field `{name}` defaults to {unknown.what}, which a dataclass refuses if it is unhashable"
            )
        verdict.unsafe.extend(
            f"the decorator `@{_source(decorator)}` is given a dataclass in place of a NamedTuple"
            for decorator in decorators
        )
        judge = _TupleJudge(document, cls)
        own = ModuleFlow(document.tree, document.text, ClassShape.of(cls), judge).run()
        notes = [note for _, note in own.notes] + judge.untracked_tuple_api()
        inside = [note for note in notes if isinstance(note, _TupleUse) and own.in_class(note.node)]
        if inside:
            verdict.no_fix = f"method `{_method_of(own, inside[0].node)}` uses the instance as a tuple"
            return verdict
        verdict.rewrites = [note for note in notes if isinstance(note, _Rewrite)]
        uses = [(None, note) for note in notes if isinstance(note, _TupleUse | _HandedOn)]
        outer = own.scopes.scope[id(cls)]
        if isinstance(outer, ast.ClassDef):
            uses.append((None, _HandedOn(cls, f"reachable as `{outer.name}.{cls.name}`, which is not followed")))
        if verdict.rewrites and judge.dataclasses_name_taken():
            uses.extend((None, _TupleUse(r.node, f"`{_attribute(r)}` used")) for r in verdict.rewrites)
            verdict.rewrites = []
        if uses:
            verdict.unsafe.append(_uses_message(document, cls.name, uses, None))
        if _assigns_to_self(cls):
            verdict.unsafe.append("`__post_init__` assigns to `self`, which a frozen dataclass forbids")
        if _mutates_a_field(cls):
            verdict.unsafe.append("`__post_init__` changes a field's value in place, which the NamedTuple never did")
        compared = sorted(methods & {"__eq__", "__ne__"})
        if compared:
            verdict.unsafe.append(
                f"it defines `{compared[0]}`: on the NamedTuple, a comparison it leaves to the other side (or `!=`)"
                " falls back to `tuple`'s, which a dataclass does not"
            )
        if not verdict.unsafe:
            verdict.unsafe = _project_reasons(document, cls, own, judge)
        return verdict

    def _edits(self, document: PythonDocument, verdict: _Verdict, verdicts: list[_Verdict]) -> list[Edit]:
        import libcst

        spelled = document.names_from("dataclasses", ["dataclass"])
        assert spelled is not None, "the verdict gives no fix when both names are taken"
        [decorator] = spelled
        import_edit = document.import_names("dataclasses", ["dataclass"])
        module, module_edit = None, None
        if any(rewrite.form == "replace" for rewrite in verdict.rewrites):
            module, module_edit = document.add_import("dataclasses")
            if import_edit is not None:  # one import, not two: `@dataclasses.dataclass`
                decorator, import_edit, module_edit = f"{module}.dataclass", module_edit, None
        node = document.cst_node(verdict.cls, libcst.ClassDef)
        converted = node.with_changes(
            bases=(),
            lpar=libcst.MaybeSentinel.DEFAULT,
            rpar=libcst.MaybeSentinel.DEFAULT,
            whitespace_after_name=libcst.SimpleWhitespace(""),
            # Innermost, so that the class's own decorators receive the dataclass.
            decorators=[*node.decorators, libcst.Decorator(libcst.parse_expression(f"{decorator}(frozen=True)"))],
        )
        edits = [document.rewrite(node, converted), import_edit, module_edit]
        edits.extend(
            edit for rewrite in verdict.rewrites for edit in _rewrite_edits(document, rewrite, verdict, module)
        )
        root = _root(verdict.base)
        binding = document.bindings.get(root.id) if isinstance(root, ast.Name) else None
        if binding is not None and _unused_once_converted(document, binding, verdict, verdicts):
            edits.append(document.remove_import(binding))
        return merge_insertions(*edits)


# --------------------------------------------------------------------------- finding classes


def _candidates(document: PythonDocument) -> Iterator[tuple[ast.ClassDef, ast.expr, str]]:
    """Classes defining `__post_init__` whose instances are tuples: each with the base that
    makes them so, and how (`class` syntax, a `call` such as `namedtuple(...)`, or a
    `subclass` of a NamedTuple of the module)."""
    tuple_classes = functools.cache(_tuple_classes)
    for node in sorted(document.nodes_mentioning(["__post_init__"], ast.ClassDef), key=_position):
        if not _defines(node, "__post_init__"):
            continue
        for base in node.bases:
            if document.qualified_name(base) in _NAMEDTUPLE:
                yield node, base, "class"
            elif isinstance(base, ast.Call) and document.qualified_name(base.func) in _NAMEDTUPLE_FACTORIES:
                yield node, base, "call"
            elif isinstance(base, ast.Name) and base.id in tuple_classes(document):
                yield node, base, "subclass"
            else:
                continue
            break


def _tuple_classes(document: PythonDocument) -> set[str]:
    """Names the module binds at its top level to a NamedTuple class."""
    found: set[str] = set()
    statements = [statement for statement, _ in module_level_statements(document.tree.body)]
    while True:
        before = len(found)
        for statement in statements:
            if isinstance(statement, ast.ClassDef) and any(
                document.qualified_name(base) in _NAMEDTUPLE
                or (isinstance(base, ast.Call) and document.qualified_name(base.func) in _NAMEDTUPLE_FACTORIES)
                or (isinstance(base, ast.Name) and base.id in found)
                for base in statement.bases
            ):
                found.add(statement.name)
            elif (
                isinstance(statement, ast.Assign)
                and isinstance(statement.value, ast.Call)
                and document.qualified_name(statement.value.func) in _NAMEDTUPLE_FACTORIES
            ):
                found.update(t.id for t in statement.targets if isinstance(t, ast.Name))
        if len(found) == before:
            return found


def _defines(cls: ast.ClassDef, name: str) -> bool:
    return name in _methods(cls)


def _pseudo_field(cls: ast.ClassDef) -> ast.AnnAssign | None:
    """A field annotated `ClassVar` or `InitVar`, which a dataclass does not make a field
    of. A NamedTuple whose annotations are strings (`from __future__ import annotations`)
    does; one that evaluates them fails to be made."""
    for statement in cls.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            annotation = statement.annotation
            if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
                try:
                    annotation = ast.parse(annotation.value.strip(), mode="eval").body
                except SyntaxError:
                    continue
            if last_name(annotation.value if isinstance(annotation, ast.Subscript) else annotation) in _PSEUDO_FIELDS:
                return statement
    return None


def _methods(cls: ast.ClassDef) -> set[str]:
    return {statement.name for statement in cls.body if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef)}


def _position(node: ast.stmt) -> tuple[int, int]:
    return node.lineno, node.col_offset


def _root(expression: ast.expr) -> ast.expr:
    """`typing` for `typing.NamedTuple`."""
    while isinstance(expression, ast.Attribute):
        expression = expression.value
    return expression


def _fields(cls: ast.ClassDef) -> list[str]:
    return [s.target.id for s in cls.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]


def _refused_default(document: PythonDocument, cls: ast.ClassDef) -> tuple[str, _Unknown | None] | None:
    """The first field whose default a dataclass refuses when the class is made, being
    unhashable, with None; else the first whose default it may refuse, with what that is."""
    defaults = _Defaults(document, cls)
    maybe = None
    for index, statement in enumerate(cls.body):
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name) and statement.value:
            hashable = defaults.hashable(statement.value, frozenset(), cls.body[:index])
            if hashable is False:
                return statement.target.id, None
            if isinstance(hashable, _Unknown) and maybe is None:
                maybe = statement.target.id, hashable
    return maybe


class _Unknown(NamedTuple):
    """A default whose value is not known here: a dataclass refuses it if it is unhashable."""

    what: str
    """What it is: "an instance of `Options`", "`TAGS`, imported from `app.settings`"."""


class _Defaults:
    """Whether a default is hashable, which a dataclass requires of it (its class's
    `__hash__` must not be None): True, False, or `_Unknown`. Names are followed to what
    the class body, or else the module, binds them to; a name the module imports, an
    attribute, a subscript, or a local of the function around the class is not known."""

    def __init__(self, document: PythonDocument, cls: ast.ClassDef) -> None:
        self.document = document
        self.unhashable_classes = _unhashable_classes(document)
        self.enums = _enum_classes(document) - self.unhashable_classes
        self.functions = [s for s in document.enclosing_scopes(cls) if not isinstance(s, ast.ClassDef)]

    def hashable(
        self, value: ast.expr, following: frozenset[str], class_body: list[ast.stmt] | None
    ) -> bool | _Unknown:
        """`class_body`: for a value the class's body computes, its statements run before;
        None for a value the module computes."""
        if isinstance(value, ast.List | ast.Dict | ast.Set | ast.ListComp | ast.DictComp | ast.SetComp):
            return False
        if isinstance(value, ast.Constant | ast.Tuple | ast.JoinedStr | ast.Lambda | ast.GeneratorExp | ast.Compare):
            return True  # a tuple is hashable as a class, whatever it holds: all a dataclass asks
        if isinstance(value, ast.Call):
            callee = _callee_name(value.func)
            if callee.rpartition(".")[2] in _MUTABLE_FACTORIES or callee in self.unhashable_classes:
                return False
            if callee.rpartition(".")[2] in _HASHABLE_FACTORIES:
                return True
            return _Unknown(f"an instance of `{callee or self.document.source(value.func)}`")
        if isinstance(value, ast.Name):
            return self._name(value.id, following, class_body)
        if isinstance(value, ast.NamedExpr):
            return self.hashable(value.value, following, class_body)
        if isinstance(value, ast.UnaryOp):
            return True if isinstance(value.op, ast.Not) else self.hashable(value.operand, following, class_body)
        if isinstance(value, ast.BinOp):
            return self._made_of(value, [value.left, value.right], following, class_body, every=True)
        if isinstance(value, ast.IfExp):
            return self._made_of(value, [value.body, value.orelse], following, class_body)
        if isinstance(value, ast.BoolOp):
            return self._made_of(value, value.values, following, class_body)
        if (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and value.value.id in self.enums
            and not value.attr.startswith("_")
            and self._name(value.value.id, following, class_body) is True
        ):
            return True  # a member of an enum of the module
        return _Unknown(f"`{_source(value)}`")

    def _made_of(
        self,
        value: ast.expr,
        operands: list[ast.expr],
        following: frozenset[str],
        class_body: list[ast.stmt] | None,
        every: bool = False,
    ) -> bool | _Unknown:
        """The value of one of `operands`, or with `every`, one made of all of them (an
        operator on hashable values makes one, as on numbers, strings, tuples, paths)."""
        verdicts = [self.hashable(operand, following, class_body) for operand in operands]
        if all(verdict is True for verdict in verdicts):
            return True
        if not every and all(verdict is False for verdict in verdicts):
            return False
        return _Unknown(f"`{_source(value)}`")

    def _name(self, name: str, following: frozenset[str], class_body: list[ast.stmt] | None) -> bool | _Unknown:
        if name in following:
            return _Unknown(f"`{name}`")  # bound in a cycle, or to itself plus something
        following |= {name}
        if class_body is not None:
            in_class = [statement for statement in class_body if name in bound_names(statement)]
            if in_class:
                return self._bound(name, in_class, following, class_body)
            for function in self.functions:
                if name in _local_names(function):
                    return _Unknown(f"`{name}`, a local of `{getattr(function, 'name', 'a lambda')}`")
        statements = self.document.module_level_bindings.get(name)
        if statements:
            return self._bound(name, statements, following, None)
        if hasattr(builtins, name) and not name.startswith("_") and "*" not in self.document.module_level_bindings:
            return True  # a builtin type, function or constant
        return _Unknown(f"`{name}`")

    def _bound(
        self, name: str, statements: list[ast.stmt], following: frozenset[str], class_body: list[ast.stmt] | None
    ) -> bool | _Unknown:
        """What the statements binding `name` give it: any of them may be the one that holds."""
        verdicts = []
        for statement in statements:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import):
                verdicts.append(True)  # a function, a class, a module
            elif isinstance(statement, ast.ImportFrom):
                return _Unknown(f"`{name}`, imported from `{'.' * statement.level}{statement.module or ''}`")
            elif (isinstance(statement, ast.Assign) and all(isinstance(t, ast.Name) for t in statement.targets)) or (
                isinstance(statement, ast.AnnAssign) and statement.value is not None
            ):
                assert statement.value is not None
                verdicts.append(self.hashable(statement.value, following, class_body))
            else:
                return _Unknown(f"`{name}`")  # unpacked, augmented, a loop's target
        if all(verdict is True for verdict in verdicts) or all(verdict is False for verdict in verdicts):
            return verdicts[0]
        return next((verdict for verdict in verdicts if isinstance(verdict, _Unknown)), _Unknown(f"`{name}`"))


def _local_names(function: ast.AST) -> set[str]:
    """Names a function binds, or a function inside it: a superset of its locals."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
            names.update(bound_names(node))
    return names


def _enum_classes(document: PythonDocument) -> set[str]:
    """Classes of the module that are enums."""
    found: set[str] = set()
    classes = [s for s, _ in module_level_statements(document.tree.body) if isinstance(s, ast.ClassDef)]
    while True:
        before = len(found)
        for cls in classes:
            if any(
                (document.qualified_name(base) or "").startswith("enum.") or _is_name(base, found) for base in cls.bases
            ):
                found.add(cls.name)
        if len(found) == before:
            return found


def _unhashable_classes(document: PythonDocument) -> set[str]:
    """Classes of the module whose instances are unhashable: a `@dataclass` that compares
    without being frozen (nor `unsafe_hash`), or a class defining `__eq__` but not `__hash__`."""
    found = set()
    for statement, _ in module_level_statements(document.tree.body):
        if not isinstance(statement, ast.ClassDef):
            continue
        methods = _methods(statement)
        if "__eq__" in methods and "__hash__" not in methods:
            found.add(statement.name)
        for decorator in statement.decorator_list:
            if _callee_name(_called(decorator)).rpartition(".")[2] != "dataclass":
                continue
            keywords = decorator.keywords if isinstance(decorator, ast.Call) else []
            flags = {k.arg: k.value.value for k in keywords if isinstance(k.value, ast.Constant)}
            hashed = flags.get("frozen") is True or flags.get("unsafe_hash") is True
            if flags.get("eq") is not False and not hashed:
                found.add(statement.name)
    return found


def _post_init(cls: ast.ClassDef) -> tuple[ast.FunctionDef, list[ast.arg]] | None:
    """The class's `__post_init__` and its parameters, the instance first; None without one."""
    method = next((m for m in cls.body if isinstance(m, ast.FunctionDef) and m.name == "__post_init__"), None)
    return (method, [*method.args.posonlyargs, *method.args.args]) if method is not None else None


def _made_before_bound(document: PythonDocument, cls: ast.ClassDef) -> str | None:
    """Why the module would fail to import after the fix: an instance made as it is imported
    (`DEFAULT = Point(1)`, a default argument, a class attribute) runs `__post_init__`, which
    reads a module-level name bound only further down, itself or through the methods and
    module functions it calls (`self._check()`); the NamedTuple never read it."""
    found = _post_init(cls)
    if found is None:
        return None
    bindings = document.module_level_bindings
    methods = {item.name: item for item in cls.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)}
    functions = {
        name: statements[0]
        for name, statements in bindings.items()
        if isinstance(statements[0], ast.FunctionDef | ast.AsyncFunctionDef)
    }
    self_name = found[1][0].arg
    run, queue = [found[0]], [found[0]]
    while queue and len(run) < 32:
        for node in ast.walk(queue.pop()):
            if not isinstance(node, ast.Call):
                continue
            called = node.func
            callee = (
                methods.get(called.attr)
                if isinstance(called, ast.Attribute) and _is_name(called.value, {self_name, cls.name})
                else functions.get(called.id)
                if isinstance(called, ast.Name)
                else None
            )
            if callee is not None and callee not in run:
                run.append(callee)
                queue.append(callee)
    first_bound = {
        node.id: bindings[node.id][0].lineno
        for function in run
        for node in ast.walk(function)
        if isinstance(node, ast.Name) and node.id not in _local_names(function) and node.id in bindings
    }
    last = max((line for line in first_bound.values() if line > cls.lineno), default=None)
    if last is None or cls not in document.tree.body:
        return None  # every name it reads is bound before the class: before any instance
    following = document.tree.body[document.tree.body.index(cls) + 1 :]
    for statement in (statement for statement in following if statement.lineno < last):
        for node in _run_on_import(statement):
            if isinstance(node, ast.Call) and _is_name(node.func, {cls.name}):
                late = sorted((line, name) for name, line in first_bound.items() if line > node.lineno)
                if late:
                    line, name = late[0]
                    return (
                        f"`{_source(node)}` (line {node.lineno}) runs `__post_init__` as the module is imported,"
                        f" before `{name}` is bound (line {line})"
                    )
    return None


def _reads_tuple_in_body(cls: ast.ClassDef) -> str | None:
    """Why the class body needs the class to be a tuple: a statement outside its methods
    reads `tuple` (`__str__ = tuple.__repr__`), whose methods refuse a dataclass."""
    for statement in cls.body:
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if any(_is_name(node, {"tuple"}) for node in ast.walk(statement)):
            return f"its body reads `tuple` (`{_source(statement)}`), whose methods a dataclass's instances refuse"
    return None


def _late_dataclass_import(document: PythonDocument, cls: ast.ClassDef) -> str | None:
    """Why the decorator could not be named where the class is: the module imports
    `dataclass` (or `dataclasses`) only below it, and the fix would reuse that import."""
    imports = [
        binding
        for binding in document.bindings.values()
        if binding.qualified_name in ("dataclasses.dataclass", "dataclasses") and not binding.type_checking_only
    ]
    if imports and all(binding.statement.lineno > cls.lineno for binding in imports):
        return f"the module imports `{imports[0].name}` only below the class (line {imports[0].statement.lineno})"
    return None


def _header(document: PythonDocument, cls: ast.ClassDef) -> str:
    """The class statement's text from its name to the colon that ends it: its bases and
    keywords, with what is written between them."""
    start = document.span(cls)[0]
    written = [*cls.bases, *(keyword.value for keyword in cls.keywords)]
    last = max((document.span(node)[1] for node in written), default=start)
    return document.text[start : document.text.index(":", last)]


def _run_on_import(statement: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of a module-level statement that run as the module is imported: a class's
    body and a function's decorators and defaults, not a function's body."""
    stack: list[ast.AST] = [statement]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            arguments = node.args
            stack.extend([*getattr(node, "decorator_list", ()), *arguments.defaults])
            stack.extend(default for default in arguments.kw_defaults if default is not None)
        else:
            stack.extend(ast.iter_child_nodes(node))


def _post_init_takes_arguments(cls: ast.ClassDef) -> bool:
    """Whether `__post_init__` takes more than `self`, with or without defaults: a dataclass
    passes it its `InitVar` fields alone, and a NamedTuple has none."""
    found = _post_init(cls)
    return found is not None and (len(found[1]) > 1 or bool(found[0].args.kwonlyargs))


def _assigns_to_self(cls: ast.ClassDef) -> bool:
    for node, self_name in _post_init_nodes(cls):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if any(isinstance(t, ast.Attribute) and _is_name(t.value, {self_name}) for t in targets):
                return True
    return False


def _mutates_a_field(cls: ast.ClassDef) -> bool:
    """Whether `__post_init__` calls a method that changes a field's value in place
    (`self.columns.sort()`), which running it now does to valid values too."""
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in _MUTATING_METHODS
        and isinstance(node.func.value, ast.Attribute)
        and _is_name(node.func.value.value, {self_name})
        for node, self_name in _post_init_nodes(cls)
    )


def _post_init_nodes(cls: ast.ClassDef) -> Iterator[tuple[ast.AST, str]]:
    """Each node of `__post_init__`, with the name it gives the instance."""
    found = _post_init(cls)
    if found is not None and found[1]:
        self_name = found[1][0].arg
        yield from ((node, self_name) for node in ast.walk(found[0]))


_ABSTRACT_BASE = regexes.lazy(r"\b(?:Protocol|ABC|ABCMeta)\b")
_CLASS_MODULES = frozenset(
    {"typing", "typing_extensions", "collections.abc", "numbers", "enum", "pathlib", "datetime", "decimal", "uuid"}
)
"""Modules whose names an `isinstance` check takes are classes, none a tuple's type but
those of `_TUPLE_TYPES`; a name from another module may be a tuple of types."""


def _tuple_type(bindings: dict[str, list[ast.stmt]], types: ast.expr, following: frozenset[str]) -> str | None:
    """What in the second argument of `isinstance` may be a type a tuple is an instance of,
    as written: one of `_TUPLE_TYPES`, or a name not bound to a class in the module (`KINDS`,
    bound to `(tuple, list)`, is followed; a parameter `kinds` is not known); None when none is."""
    for element in types.elts if isinstance(types, ast.Tuple) else [types]:
        name = _callee_name(element)
        if name.rpartition(".")[2] in _TUPLE_TYPES:
            return name
        if isinstance(element, ast.Attribute) and name:
            continue  # a class of a module: `collections.abc.Mapping`
        if not isinstance(element, ast.Name) or element.id in following:
            return _source(element)
        statements = bindings.get(element.id)
        if not statements:
            if isinstance(getattr(builtins, element.id, None), type):
                continue
            return element.id
        for statement in statements:
            if isinstance(statement, ast.ClassDef):
                if any(_ABSTRACT_BASE.search(_source(base)) for base in statement.bases):
                    return element.id  # a Protocol or an ABC: a tuple may pass its check
                continue
            if isinstance(statement, ast.Import):
                continue
            if isinstance(statement, ast.ImportFrom):
                original = next(
                    (alias.name for alias in statement.names if (alias.asname or alias.name) == element.id), "*"
                )
                if original in _TUPLE_TYPES or statement.module not in _CLASS_MODULES:
                    return element.id  # `Sequence as Seq`; `SEQUENCE_TYPES` of another module, which may be a tuple
                continue
            value = statement.value if isinstance(statement, ast.Assign | ast.AnnAssign) else None
            if value is None or _tuple_type(bindings, value, following | {element.id}) is not None:
                return element.id
    return None


def _is_name(node: ast.expr, names: set[str] | frozenset[str]) -> bool:
    return isinstance(node, ast.Name) and node.id in names


def _callee_name(func: ast.expr) -> str:
    """`json.dumps` for a call of `json.dumps`; "" when the callee is not a dotted name."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return ""
    return ".".join([func.id, *reversed(parts)])


def _method_of(flow: ModuleFlow, node: ast.AST) -> str:
    function = flow.scopes.enclosing_function(node)
    while flow.scopes.outer.get(id(function)) is not flow.shape.node and function is not flow.tree:
        function = flow.scopes.enclosing_function(function)
    return getattr(function, "name", flow.shape.name)


def _attribute(rewrite: _Rewrite) -> str:
    node = rewrite.node.func if isinstance(rewrite.node, ast.Call) else rewrite.node
    return f".{node.attr}" if isinstance(node, ast.Attribute) else rewrite.form


# --------------------------------------------------------------------------- judging uses


_DATA_BUILDERS = ("pydantic", "fastapi", "cattrs", "dacite", "msgspec", "marshmallow_dataclass", "mashumaro")
"""Libraries that build a standard-library dataclass from data by its fields' annotations."""


class _TupleJudge:
    """What each place an instance, or the class, reaches means for the conversion (see
    `hardenfix.sources.python_flow`): harmless (None), a `_TupleUse`, a `_HandedOn`,
    a `_Rewrite`, or a place that holds a value in turn (`Derived`)."""

    def __init__(self, document: PythonDocument, cls: ast.ClassDef) -> None:
        self.document = document
        self.cls = cls
        self.fields = _fields(cls)
        self.methods = _methods(cls)
        self.nested = bool(document.enclosing_scopes(cls))
        """A nested class's repr differs: a dataclass shows its qualified name."""
        self.has_docstring = docstring_of(cls) is not None
        self._seen: set[int] = set()
        """The tuple-only attributes of followed values in the class's module."""
        self._bindings: dict[int, dict[str, list[ast.stmt]]] = {}
        """A followed module's tree's id -> its module-level bindings, for `isinstance`."""
        self._dataclasses_read: dict[str, bool] = {}

    def dataclass_read(self, name: str) -> bool:
        """Whether a module of the project that names the dataclass `name` (the class's own,
        or another) names a library that builds dataclasses from data by their fields'
        annotations too (`_DATA_BUILDERS`): `class MoveRequest(BaseModel): route: Route`."""
        if name not in self._dataclasses_read:
            project = Project.of(self.document)
            texts = [self.document.text]
            if project is not None and project.too_large:
                texts.append(" ".join(_DATA_BUILDERS))
            elif project is not None:
                texts += [text for path in project.mentioning([name]) if (text := project.text(path)) is not None]
            self._dataclasses_read[name] = any(
                next(word_starts(text, name), None) is not None
                and any(next(word_starts(text, builder), None) is not None for builder in _DATA_BUILDERS)
                for text in texts
            )
        return self._dataclasses_read[name]

    def __call__(self, use: Use) -> object:
        kind, node, parent = use.value.kind, use.node, use.parent
        if isinstance(parent, ast.Attribute) and parent.value is node and use.flow.defining:
            self._seen.add(id(parent))
        if kind is Kind.INSTANCE:
            return self._instance(use, node, parent)
        if kind in (Kind.CLASS, Kind.TYPE):
            return self._class(use, node, parent)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return None  # a factory's `__name__`
        return _HandedOn(node, f"`{_source(node)}`, which returns one, handed on")

    # -- instances ------------------------------------------------------------

    def _tuple(self, node: ast.expr, what: str, *special: str) -> _TupleUse | None:
        """A tuple use, unless the class defines the special method it calls, which a
        dataclass keeps."""
        return None if self.methods.intersection(special) else _TupleUse(node, what)

    def _instance(self, use: Use, node: ast.expr, parent: ast.AST) -> object:
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return self._instance_attribute(use, node, parent)
        if isinstance(parent, ast.Call | ast.keyword):
            return self._argument(use, node, parent)
        if isinstance(parent, ast.Assign | ast.AnnAssign | ast.AugAssign):
            return self._stored(node, parent)
        if isinstance(parent, ast.Compare):
            return self._compared(use, node, parent)
        return self._instance_elsewhere(use, node, parent)

    def _instance_elsewhere(self, use: Use, node: ast.expr, parent: ast.AST) -> object:
        place = _TUPLE_PLACES.get(type(parent))
        if place is not None and not (isinstance(parent, ast.Subscript) and parent.value is not node):
            return self._tuple(node, *place)
        if isinstance(parent, ast.For | ast.AsyncFor | ast.comprehension) and parent.iter is node:
            return self._tuple(node, "iterated", "__iter__")
        if isinstance(parent, ast.BinOp | ast.UnaryOp) and not isinstance(parent.op, ast.Not):
            special = _SPECIAL_METHODS.get(type(parent.op), "")
            if isinstance(parent, ast.BinOp) and parent.right is node:
                special = special.replace("__", "__r", 1)
            return self._tuple(node, f"used with `{_OPERATORS.get(type(parent.op), '?')}`", special)
        if isinstance(parent, ast.UnaryOp) or (
            isinstance(parent, ast.If | ast.While | ast.Assert | ast.IfExp) and parent.test is node
        ):
            return self._truth(node)
        if isinstance(parent, ast.BoolOp | ast.IfExp):
            return Derived(parent, INSTANCE, self._truth(node))
        if isinstance(parent, ast.Expr | ast.Delete | ast.Raise):
            return None
        if isinstance(parent, ast.FormattedValue | ast.Assert):
            return self._shown(node)
        if isinstance(parent, ast.Return | ast.Lambda):
            function = use.flow.scopes.enclosing_function(parent)
            name = getattr(function, "name", "a lambda")
            return _HandedOn(node, f"returned from `{name}`, whose callers are not followed")
        what = _HANDED_PLACES.get(type(parent), f"used in a `{type(parent).__name__}`")
        return _HandedOn(node, what)

    def _instance_attribute(self, use: Use, node: ast.expr, parent: ast.Attribute) -> object:
        attribute = parent.attr
        call = use.flow.scopes.parent.get(id(parent))
        called = isinstance(call, ast.Call) and call.func is parent
        if attribute in self.methods:
            return None
        if use.flow.defining and called:
            assert isinstance(call, ast.Call)
            plain_call = not call.args and all(keyword.arg for keyword in call.keywords)
            if attribute == "_replace" and plain_call and _joints(self.document, call) is not None:
                return Derived(call, INSTANCE, _Rewrite("replace", call))
            if attribute == "_asdict" and plain_call and not call.keywords and isinstance(node, ast.Name):
                return _Rewrite("asdict", call)
        if use.flow.defining and attribute == "_fields" and _is_plain(node):
            return _Rewrite("fields", parent)
        if attribute == "__class__":
            return Derived(parent, CLASS)
        if attribute in _TUPLE_ATTRIBUTES:
            return _TupleUse(node, f"`.{attribute}` used")
        return None

    def _argument(self, use: Use, node: ast.expr, parent: ast.Call | ast.keyword) -> object:
        call = parent if isinstance(parent, ast.Call) else use.flow.scopes.parent.get(id(parent))
        if not isinstance(call, ast.Call):
            return _HandedOn(node, "given as a keyword of a class")
        if call.func is node:
            return None  # the instance is called
        callee = _callee_name(call.func)
        short = callee.rpartition(".")[2]
        positional = isinstance(parent, ast.Call) and call.args and call.args[0] is node
        if callee in ("isinstance", "issubclass") and positional and len(call.args) == 2:
            return self._isinstance(use, node, call.args[1])
        if callee == "type" and positional and len(call.args) == 1:
            return Derived(call, CLASS)
        if callee in _SHOWING_BUILTINS or (
            short in _LOG_METHODS and "log" in callee.lower() and isinstance(parent, ast.Call)
        ):
            return self._shown(node)
        if callee in ("hash", "id", "callable"):
            return None
        if callee == "bool":
            return self._truth(node)
        if callee in ("copy.copy", "copy.deepcopy"):
            return Derived(call, INSTANCE)
        if callee in ("getattr", "hasattr") and positional and len(call.args) >= 2:
            name = call.args[1]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                if name.value in _TUPLE_ATTRIBUTES and name.value not in self.methods:
                    return _TupleUse(node, f"`.{name.value}` used")
                return None
        if callee in _CONSUMING_BUILTINS:
            return self._tuple(node, f"passed to `{callee}`", "__len__" if callee == "len" else "__iter__")
        return _HandedOn(node, f"passed to `{callee or _source(call.func)}`")

    def _isinstance(self, use: Use, node: ast.expr, types: ast.expr) -> object:
        if use.flow.tree is self.document.tree:
            bindings = self.document.module_level_bindings
        else:
            bindings = self._bindings.get(id(use.flow.tree)) or module_level_bindings(use.flow.tree)
            self._bindings[id(use.flow.tree)] = bindings
        tupled = _tuple_type(bindings, types, frozenset())
        if tupled is None:
            return None
        may = "" if tupled.rpartition(".")[2] in _TUPLE_TYPES else ", which may name `tuple`"
        return _TupleUse(node, f"checked with `isinstance(..., {tupled})`{may}")

    def _holds_only_instances(self, use: Use, node: ast.expr, depth: int = 0) -> bool:
        """Whether an operand compared with an instance holds instances alone, never a plain
        tuple, which equals a NamedTuple with the same values and no dataclass: a call that
        makes one, a name bound only to such calls (not a parameter, which a caller may give
        a tuple, nor a loop's target, nor `a or (0, 0)`), `self` in the class's methods."""
        if Kind.INSTANCE not in use.flow.value_of(node):
            return False
        if isinstance(node, ast.Call | ast.Attribute):
            return True
        if not isinstance(node, ast.Name) or depth > 8:
            return False
        definitions = use.flow.scopes.definitions.get(use.flow.scopes.key(node), [])
        for definition in definitions:
            if isinstance(definition, ast.arg):
                function = use.flow.scopes.parent.get(id(use.flow.scopes.parent.get(id(definition))))
                arguments = getattr(function, "args", None)
                first = [*arguments.posonlyargs, *arguments.args][:1] if arguments is not None else []
                if not (first and first[0] is definition and use.flow.in_class(function)):
                    return False  # a parameter: a caller may pass a tuple (not `self`)
                continue
            assigned = use.flow.scopes.parent.get(id(definition))
            value = assigned.value if isinstance(assigned, ast.Assign | ast.AnnAssign) else None
            if value is None or (
                not isinstance(value, ast.Call) and not self._holds_only_instances(use, value, depth + 1)
            ):
                return False
            # One binding to a call: what the flow found the name to hold is what the call gives.
            if isinstance(value, ast.Call) and len(definitions) > 1 and Kind.INSTANCE not in use.flow.value_of(value):
                return False
        return True

    def _compared(self, use: Use, node: ast.expr, compare: ast.Compare) -> object:
        operands = [compare.left, *compare.comparators]
        for index, operator in enumerate(compare.ops):
            left, right = operands[index], operands[index + 1]
            if node is not left and node is not right:
                continue
            other = right if node is left else left
            symbol = _OPERATORS[type(operator)]
            if isinstance(operator, ast.Is | ast.IsNot):
                continue
            if isinstance(operator, ast.Eq | ast.NotEq):
                if is_none(other) or self._holds_only_instances(use, other):
                    continue
                what = f"compared with `{symbol}` to `{_source(other)}`, which may be a tuple"
                return self._tuple(node, what, "__eq__")
            if isinstance(operator, ast.In | ast.NotIn):
                if node is right:
                    return self._tuple(node, f"searched with `{symbol}`", "__contains__")
                return _HandedOn(node, f"looked up with `{symbol}` in `{_source(other)}`")
            special = _SPECIAL_METHODS[type(operator)]
            if node is right:
                special = _REFLECTED[special]
            return self._tuple(node, f"ordered with `{symbol}`", special)
        return None

    def _stored(self, node: ast.expr, statement: ast.Assign | ast.AnnAssign | ast.AugAssign) -> object:
        if isinstance(statement, ast.AugAssign):
            what = f"used with `{_OPERATORS.get(type(statement.op), '?')}=`"
            special = _SPECIAL_METHODS.get(type(statement.op), "")
            return self._tuple(node, what, special.replace("__", "__i", 1), special)
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        for target in targets:
            if isinstance(target, ast.Tuple | ast.List | ast.Starred):
                return self._tuple(node, "unpacked", "__iter__")
        target = targets[0]
        if isinstance(target, ast.Attribute):
            return _HandedOn(node, f"stored in `{_source(target)}`, whose readers are not followed")
        if isinstance(target, ast.Name):
            return _HandedOn(node, f"stored in the class attribute `{target.id}`")
        return _HandedOn(node, "stored in a container")

    def _truth(self, node: ast.expr) -> object:
        return self._tuple(node, "tested for truth (an empty tuple is false)", "__bool__") if not self.fields else None

    def _shown(self, node: ast.expr) -> object:
        return _HandedOn(node, "shown as text, which names a nested class differently") if self.nested else None

    # -- the class ------------------------------------------------------------

    def _class(self, use: Use, node: ast.expr, parent: ast.AST) -> object:
        """The class, or a type made from it, which what reads types at run time reads it in."""
        the_class = use.value.kind is Kind.CLASS
        what = "the class" if the_class else f"`{_source(node)}`"
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return self._class_attribute(use, node, parent) if the_class else _HandedOn(node, f"{what} read")
        if isinstance(parent, ast.Call) and parent.func is node:
            return None  # `list[Point](...)` makes a list; the class's calls are followed
        if isinstance(parent, ast.Call | ast.keyword):
            call = parent if isinstance(parent, ast.Call) else use.flow.scopes.parent.get(id(parent))
            if not isinstance(call, ast.Call):
                return _HandedOn(node, f"{what} given as a keyword of a class")
            callee = _callee_name(call.func)
            if callee in ("isinstance", "issubclass") and len(call.args) == 2 and call.args[1] is node:
                return None
            if callee.rpartition(".")[2] == "cast" and call.args and call.args[0] is node:
                return None
            if callee.rpartition(".")[2] == "TypeVar":
                return None  # a bound or constraint, for type checkers
            return _HandedOn(node, f"{what} passed to `{callee or _source(call.func)}`")
        if isinstance(parent, ast.Tuple) and self._isinstance_types(use, parent):
            return None
        owner = _annotation_owner(use, node)
        if owner is not None:
            return _annotation(use, node, owner, self.dataclass_read)
        made = _type_made_of(use, node)
        if made is not None:
            return Derived(made, TYPE)
        if isinstance(parent, ast.Subscript | ast.Compare | ast.Expr):
            return None
        if isinstance(parent, ast.ClassDef):
            return _HandedOn(node, f"subclassed by `{parent.name}`")
        if isinstance(parent, ast.Return | ast.Lambda):
            return _HandedOn(node, f"{what} returned, whose callers are not followed")
        place = _HANDED_PLACES.get(type(parent), f"used in a `{type(parent).__name__}`")
        return _HandedOn(node, f"{what} {place}")

    def _class_attribute(self, use: Use, node: ast.expr, parent: ast.Attribute) -> object:
        attribute = parent.attr
        call = use.flow.scopes.parent.get(id(parent))
        if use.flow.defining:
            if (
                attribute == "_make"
                and isinstance(call, ast.Call)
                and call.func is parent
                and len(call.args) == 1
                and not isinstance(call.args[0], ast.Starred)
                and not call.keywords
                and _joints(self.document, call) is not None
            ):
                return Derived(call, INSTANCE, _Rewrite("make", call))
            if attribute == "_fields" and _is_plain(node):
                return _Rewrite("fields", parent)
        if attribute in self.methods:
            return None
        if attribute in self.fields:
            return _TupleUse(node, f"`.{attribute}` read on the class, where a dataclass holds its default")
        if attribute in _TUPLE_ATTRIBUTES or (attribute == "__doc__" and not self.has_docstring):
            return _TupleUse(node, f"`.{attribute}` used")
        return None

    @staticmethod
    def _isinstance_types(use: Use, types: ast.Tuple) -> bool:
        call = use.flow.scopes.parent.get(id(types))
        return (
            isinstance(call, ast.Call)
            and _callee_name(call.func) in ("isinstance", "issubclass")
            and len(call.args) == 2
            and call.args[1] is types
        )

    # -- after following ------------------------------------------------------

    def untracked_tuple_api(self) -> list[object]:
        """`_replace` and friends in the class's module on values that were not followed:
        a NamedTuple's API, on what may be an instance."""
        return [
            _HandedOn(node.value, f"`{_source(node)}` used on a value that may be one")
            for node in self.document.nodes_mentioning(_TUPLE_API, ast.Attribute)
            if node.attr in _TUPLE_API and id(node) not in self._seen and not self._another_class(node.value)
        ]

    def _another_class(self, value: ast.expr) -> bool:
        """Whether `value` is another class of the module (`Other._fields`), or the
        instance or class a method of one is called on (`self._replace` in `Other`)."""
        if not isinstance(value, ast.Name):
            return False
        scopes = self.document.enclosing_scopes(value)
        method = scopes[-1] if scopes else None
        if (
            isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef)
            and len(scopes) > 1
            and isinstance(scopes[-2], ast.ClassDef)
            and scopes[-2] is not self.cls
        ):
            parameters = [*method.args.posonlyargs, *method.args.args]
            decorators = {last_name(_called(decorator)) for decorator in method.decorator_list}
            if (
                parameters
                and parameters[0].arg == value.id
                and "staticmethod" not in decorators
                and not any(
                    isinstance(node, ast.Name) and node.id == value.id and isinstance(node.ctx, ast.Store)
                    for node in ast.walk(method)
                )
            ):
                return True
        if any(value.id in _local_names(scope) for scope in scopes):
            return False
        bindings = self.document.module_level_bindings.get(value.id, [])
        return bool(bindings) and all(
            isinstance(binding, ast.ClassDef) and binding is not self.cls for binding in bindings
        )

    def dataclasses_name_taken(self) -> bool:
        """Whether `dataclasses` means something else in the module, so that a rewrite
        to `dataclasses.replace` cannot name it."""
        binding = self.document.bindings.get("dataclasses")
        if binding is not None:
            return binding.qualified_name != "dataclasses"
        return "dataclasses" in self.document.module_level_names


_TUPLE_PLACES: dict[type, tuple[str, str]] = {
    ast.Starred: ("unpacked with `*`", "__iter__"),
    ast.Subscript: ("indexed", "__getitem__"),
    ast.Match: ("matched by `match`", ""),
    ast.Slice: ("used in a slice", "__index__"),
}
"""Where an instance is used as a tuple: what that is, and the special method that makes it work."""
_HANDED_PLACES: dict[type, str] = {
    ast.Subscript: "used as a key",
    ast.Yield: "yielded",
    ast.YieldFrom: "yielded",
    ast.Await: "awaited",
    ast.List: "put in a list",
    ast.Tuple: "put in a tuple",
    ast.Set: "put in a set",
    ast.Dict: "put in a dict",
    ast.ListComp: "collected by a comprehension",
    ast.SetComp: "collected by a comprehension",
    ast.DictComp: "collected by a comprehension",
    ast.GeneratorExp: "yielded by a generator expression",
    ast.withitem: "used as a context manager",
    ast.keyword: "given as a keyword",
    ast.JoinedStr: "formatted",
}


def _type_made_of(use: Use, node: ast.expr) -> ast.expr | None:
    """The type that the class, or a type made from it, is part of, when it is one: the
    subscript it is an argument of (`list[Point]`, `dict[str, Point]`, `Callable[[Point],
    None]`), a union (`Point | None`), or a generic type's specialisation (`Pairs[int]`)."""
    parents = use.flow.scopes.parent
    parent = parents.get(id(node))
    if isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.BitOr):
        return parent
    if use.value.kind is Kind.TYPE and isinstance(parent, ast.Subscript) and parent.value is node:
        return parent if isinstance(parent.ctx, ast.Load) else None
    child = node
    while isinstance(parent, ast.Tuple | ast.List):
        child, parent = parent, parents.get(id(parent))
    if isinstance(parent, ast.Subscript) and parent.slice is child and isinstance(parent.ctx, ast.Load):
        return parent
    return None


def _annotation_owner(use: Use, node: ast.expr) -> ast.arg | ast.AnnAssign | ast.FunctionDef | None:
    """The parameter, variable or function whose annotation `node` is part of, if any."""
    child: ast.AST = node
    parent = use.flow.scopes.parent.get(id(node))
    while isinstance(parent, ast.Subscript | ast.Tuple | ast.List | ast.BinOp | ast.Attribute):
        child, parent = parent, use.flow.scopes.parent.get(id(parent))
    if isinstance(parent, ast.arg | ast.AnnAssign) and parent.annotation is child:
        return parent
    if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef) and parent.returns is child:
        return parent  # type: ignore[return-value]
    return None


def _annotation(
    use: Use, node: ast.expr, owner: ast.arg | ast.AnnAssign | ast.FunctionDef, dataclass_read: Callable[[str], bool]
) -> object:
    """An annotation is read by nothing at run time, but for what reads the annotations of
    a class's fields (pydantic, attrs, cattrs: they build and dump instances as tuples) or
    a function's decorator (FastAPI, typer)."""
    if isinstance(owner, ast.AnnAssign):
        scope = use.flow.scopes.scope[id(owner)]
        if isinstance(scope, ast.ClassDef) and not _plain_class(use, scope, dataclass_read):
            field_name = f"{scope.name}.{_source(owner.target)}"
            return _HandedOn(node, f"annotates the field `{field_name}`, which what builds `{scope.name}` may read")
        return None
    function = owner if not isinstance(owner, ast.arg) else use.flow.scopes.parent.get(id(owner))
    if isinstance(function, ast.arguments):
        function = use.flow.scopes.parent.get(id(function))
    decorators = getattr(function, "decorator_list", [])
    if any(_callee_name(_called(d)).rpartition(".")[2] not in _PLAIN_DECORATORS for d in decorators):
        return _HandedOn(node, f"annotates `{function.name}`, whose decorator may read it")  # type: ignore[union-attr]
    reader = _handed_to(use.flow.tree, getattr(function, "name", ""))
    if reader is not None:
        return _HandedOn(node, f"annotates `{function.name}`, which `{reader}` is given and may read")  # type: ignore[union-attr]
    return None


_CALLERS = frozenset({"map", "filter", "sorted", "min", "max", "partial", "submit", "Thread", "Process", "register"})
"""What takes a function to call it with values, not to read its annotations."""


def _handed_to(tree: ast.Module, name: str) -> str | None:
    """What the module hands the function `name` to, which may read its annotations as a
    decorator would: `validate_call(move)`, `app.add_api_route("/move", move)`, `typer.run(main)`."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        given = [*node.args, *(keyword.value for keyword in node.keywords)]
        callee = _callee_name(node.func)
        if any(_is_name(argument, {name}) for argument in given) and callee.rpartition(".")[2] not in _CALLERS:
            return f"{callee or _source(node.func)}(...)"
    return None


def _plain_class(use: Use, cls: ast.ClassDef, dataclass_read: Callable[[str], bool]) -> bool:
    """A class that no framework builds from its annotations: without bases but
    `object`, `Generic`, `Protocol` or `NamedTuple`, and without decorators but the
    standard library's `dataclass`; not that one where a module that names it names a
    library that builds dataclasses from data (`dataclass_read`: pydantic validates one it
    meets in a model's field by its fields' annotations)."""
    bases = {_callee_name(base.value if isinstance(base, ast.Subscript) else base) for base in cls.bases}
    if any(base.rpartition(".")[2] not in _PLAIN_BASES for base in bases) or cls.keywords:
        return False
    if cls.decorator_list and dataclass_read(cls.name):
        return False
    return all(_is_dataclass_decorator(use, decorator) for decorator in cls.decorator_list)


def _is_dataclass_decorator(use: Use, decorator: ast.expr) -> bool:
    """The standard library's `dataclass`, under any name; not pydantic's, which builds a
    NamedTuple field from an array and a dataclass field from a dict only."""
    target = _called(decorator)
    if isinstance(target, ast.Attribute):
        return (
            target.attr == "dataclass"
            and isinstance(target.value, ast.Name)
            and _imported(use, target.value, "dataclasses")
        )
    return isinstance(target, ast.Name) and _imported(use, target, "dataclasses.dataclass")


def _imported(use: Use, name: ast.Name, qualified: str) -> bool:
    """Whether an import binds `name` to `qualified`: `import dataclasses`, `from
    dataclasses import dataclass as dc`."""
    for binding in use.flow.scopes.definitions.get(use.flow.scopes.key(name), []):
        if isinstance(binding, ast.Import):
            bound = [(alias.name, alias.asname or alias.name) for alias in binding.names]
        elif isinstance(binding, ast.ImportFrom) and not binding.level:
            bound = [(f"{binding.module}.{alias.name}", alias.asname or alias.name) for alias in binding.names]
        else:
            continue
        if (qualified, name.id) in bound:
            return True
    return False


def _called(decorator: ast.expr) -> ast.expr:
    """`dataclass` for `@dataclass(frozen=True)`."""
    return decorator.func if isinstance(decorator, ast.Call) else decorator


def _is_plain(node: ast.expr) -> bool:
    """A name or a chain of attributes: evaluating it twice, or not at all, changes nothing."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


def _source(node: ast.AST, limit: int = 40) -> str:
    text = ast.unparse(node)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- other modules


def _project_reasons(document: PythonDocument, cls: ast.ClassDef, own: ModuleFlow, judge: _TupleJudge) -> list[str]:
    """Why other modules of the project may use the class as a tuple, if they may."""
    project = Project.of(document)
    if project is None:
        return []
    assert document.location is not None
    path = os.path.abspath(document.location)
    exported = project.public_name(path, cls.name)
    if exported is not None:
        return [
            f"the distributable package exports it as `{exported}`, and code outside the project may use it as a tuple"
        ]
    if project.too_large:
        return [f"the project has more than {MAX_MODULES:,} modules, which were not searched for its uses"]
    flow = follow_class(own, judge, project, path)
    reasons = []
    uses: list[tuple[str | None, object]] = [(module, note) for module, _, note in flow.notes]
    if uses:
        reasons.append(_uses_message(document, cls.name, uses, project))
    for module in flow.unreadable:
        reasons.append(f"`{project.display(module)}` names it but cannot be parsed")
    for module, name in flow.exports:
        public = project.public_name(module, name)
        if public is not None:
            reasons.append(
                f"the distributable package exports `{public}`, through which code outside the project may reach it"
            )
            break
    names = {cls.name, *(name for _, name in flow.exports)}
    for module in (path, *project.mentioning(names, excluding=path)):
        text = project.text(module) if module != path else document.text
        found = _unfollowed_mention(text, names) if text is not None else None
        if found is not None:
            what, offset = found
            reasons.append(f"{what} ({project.display(module)}:{line_number(text, offset)}), which is not followed")
    return reasons


def _unfollowed_mention(text: str, names: set[str]) -> tuple[str, int] | None:
    """Where code the flow does not follow reaches one of `names`: a doctest (`>>> x, y =
    Point(1, 2)`, run by `pytest --doctest-modules`), `getattr` with the name written out
    (`getattr(board, "START")`), the name read off a module the flow does not know
    (`import_module("app.models").Point`, `sys.modules["app.models"].Point`, a name bound
    by `import_module`) or looked up by its name (`vars(models)["Point"]`, `globals()["Point"]`);
    what it is, and its offset."""
    spelled = "|".join(re.escape(name) for name in sorted(names))
    doctest = re.search(rf"(?m)^[ \t]*(?:>>>|\.\.\.)[ \t].*\b(?:{spelled})\b", text)
    if doctest is not None:
        return "a doctest names it", doctest.start()
    fetched = re.search(rf"getattr\([^\n]*?,\s*(['\"])(?:{spelled})\1", text)
    if fetched is not None:
        return f"`{fetched.group()})` reaches it", fetched.start()
    read_off = re.search(rf"[)\]][ \t]*\.[ \t]*(?:{spelled})\b", text)
    # The searches for a call that imports and for a subscript try every character of the
    # text, 5 ms each for a module of 150,000: the substrings they need are looked for first.
    if (
        read_off is None
        and ("import_module(" in text or "__import__(" in text)
        and re.search(r"\b(?:import_module|__import__)\(", text)
    ):
        read_off = re.search(rf"\.[ \t]*(?:{spelled})\b", text)
    if read_off is not None:
        what = read_off.group().lstrip(")] \t")
        return f"`{what}` read off a module found at run time reaches it", read_off.start()
    if not any(f"{quote}{name}{quote}" in text for name in names for quote in "'\""):
        return None
    # A subscript, not a list such as `__all__ = ["Point"]`.
    looked_up = re.search(rf"[\w)\]][ \t]*(\[[ \t]*(['\"])(?:{spelled})\2[ \t]*\])", text)
    if looked_up is not None:
        return f"`{looked_up.group(1)}` looks it up by name", looked_up.start()
    return None


def _uses_message(
    document: PythonDocument, name: str, uses: list[tuple[str | None, object]], project: Project | None
) -> str:
    """An instance of `Size` may be used as a tuple: unpacked (line 12), ordered with `<` (pkg/sort.py:4), ..."""
    places: dict[str, None] = {}  # in order, each once
    for module, note in sorted(uses, key=lambda use: (use[0] or "", use[1].node.lineno)):  # type: ignore[attr-defined]
        line = note.node.lineno  # type: ignore[attr-defined]
        where = f"line {line}" if module is None or project is None else f"{project.display(module)}:{line}"
        places[f"{note.what} ({where})"] = None  # type: ignore[attr-defined]
    shown = ", ".join(list(places)[:_SHOWN_USES])
    if len(places) > _SHOWN_USES:
        shown += f" and {len(places) - _SHOWN_USES} more"
    return f"an instance of `{name}` may be used as a tuple: {shown}"


# --------------------------------------------------------------------------- edits


def _joints(document: PythonDocument, call: ast.Call) -> tuple[int, int] | None:
    """For `value.method(...)`: the offsets of its `.` and its `(`, when only blanks lie
    between them and the method's name (the call is then rewritten by replacing that
    stretch)."""
    attribute = call.func
    assert isinstance(attribute, ast.Attribute)
    text = document.text
    name_end = document.span(attribute)[1]
    name_start = name_end - len(attribute.attr)
    dot = name_start - 1
    while dot > 0 and text[dot] in _BLANKS:
        dot -= 1
    paren = name_end
    while paren < len(text) and text[paren] in _BLANKS:
        paren += 1
    if text[name_start:name_end] != attribute.attr or text[dot : dot + 1] != "." or text[paren : paren + 1] != "(":
        return None
    return dot, paren


def _rewrite_edits(document: PythonDocument, rewrite: _Rewrite, verdict: _Verdict, module: str | None) -> list[Edit]:
    node = rewrite.node
    start, end = document.span(node)
    if rewrite.form == "fields":
        names = [f'"{name}"' for name in _fields(verdict.cls)]
        return [Edit.replace(start, end, f"({', '.join(names)}{',' if len(names) == 1 else ''})")]
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
    if rewrite.form == "asdict":
        value = document.source(node.func.value)
        return [Edit.replace(start, end, "{" + ", ".join(f'"{f}": {value}.{f}' for f in _fields(verdict.cls)) + "}")]
    joints = _joints(document, node)
    assert joints is not None
    dot, paren = joints
    if rewrite.form == "make":
        # What `*` cannot take unparenthesised gets parentheses of its own: a generator that
        # shares the call's (`_make(v for v in row)`), an assignment expression
        # (`_make(values := row)`).
        [values] = node.args
        values_start, values_end = document.span(values)
        if isinstance(values, ast.GeneratorExp) and values_start == paren:
            return [Edit.replace(dot, paren + 1, "(*("), Edit.insert(end - 1, ")")]
        if isinstance(values, ast.NamedExpr) and not document.text[paren + 1 : values_start].strip():
            return [Edit.replace(dot, paren + 1, "(*("), Edit.insert(values_end, ")")]
        return [Edit.replace(dot, paren + 1, "(*")]
    separator = "" if not node.keywords else "," if document.text[paren + 1 : paren + 2].isspace() else ", "
    return [Edit.insert(start, f"{module}.replace("), Edit.replace(dot, paren + 1, separator)]


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
    return (
        not mentioned_in_strings
        and all(id(use) in converted for use in uses)
        and not _imported_from_here(document, binding.name)
    )


def _imported_from_here(document: PythonDocument, name: str) -> bool:
    """Whether another module of the project imports `name` from this one (`from models
    import Cell, NamedTuple`), or every name of it (`from models import *`, which binds its
    imports too unless it sets `__all__`)."""
    project = Project.of(document)
    if project is None:
        return False
    if project.too_large:
        return True
    assert document.location is not None
    path = os.path.abspath(document.location)
    own = project.parts(path)
    wanted = {name} if "__all__" in document.module_level_names else {name, "*"}
    for module in project.mentioning([name], excluding=path, star_imports=True):
        parsed = project.parse(module)
        if parsed is None:
            continue
        parts, is_package = project.parts(module), module.endswith("__init__.py")
        for node in ast.walk(parsed[0]):
            if isinstance(node, ast.ImportFrom) and any(alias.name in wanted for alias in node.names):
                source = imported_module(node, parts, is_package)
                if source is not None and source.names(own):
                    return True
    return False
