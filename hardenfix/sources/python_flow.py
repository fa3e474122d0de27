"""Where the values of a class go: through its module, and through the modules of its
project that import it.

HF301 must know whether anything may use a NamedTuple's instances as tuples. Following
values through a program is undecidable, so this follows them only where it is sure
where they go, and hands every other place they reach to the caller's judge (`Judge`),
which says whether that place is harmless. A place the judge cannot vouch for makes
the answer "maybe": a sound over-approximation.

What is followed (`Kind`): the class, its instances, functions whose calls return an
instance ("factories"), types made from the class (`list[Point]`, when the judge says
a place makes one), and modules that lead to one of these through attributes.
A value is followed:

- into names: assignment, annotated assignment and `:=`, in a function or at module
  level, without regard to order (every read of a name ever given a value holds it);
  a name in a class body is a class attribute, which is not followed;
- out of a function through `return`: a function defined at the top level of its
  module without decorators becomes a factory; a method of the class makes calls of
  it (or reads, for a property) hold an instance; any other `return` is handed on;
- into a parameter, when an argument maps to a named parameter of a function of the
  same module or of a method of the class; a function of another module ("receiver")
  takes it only into a parameter annotated with the class, which is followed there;
- from the class to its instances (a call), from a factory to its results, and from
  a module to what its attributes hold;
- `self` and `cls` in the class's own methods, and every parameter or variable
  annotated with the class (which adds places to judge, never removes one).

An annotation written as a string that names the class, or a name bound to a type made
from it, is handed to the judge too, as the class: what reads annotations at run time
reads those as well.

Across modules: a name that a module binds at its top level to one of these values (by
import, assignment or definition) is exported. The modules of the project that spell
an exported name are read, and those that import it (`import`, `from ... import`,
star imports, relative or absolute, at any level) are followed in turn, until nothing
new is exported. A module that never spells an exported name cannot reach a value
except through one of the places handed to the judge. Names made at run time
(`getattr(module, name)`, `importlib`, strings in `mock.patch`) are not followed.
"""

from __future__ import annotations

import ast
import bisect
import enum
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, NamedTuple

from hardenfix.sources.python import (
    assigned_targets,
    first_line,
    is_none,
    last_name,
    module_level_statements,
    spelled_as_read,
)
from hardenfix.sources.python_nodes import child_nodes, import_origin
from hardenfix.sources.text import word_starts

if TYPE_CHECKING:
    from hardenfix.sources.python_project import Project

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
ScopeNode = ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef | ast.comprehension
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)
_METHOD_DECORATORS = frozenset({"property", "classmethod", "staticmethod"})


class Kind(enum.Enum):
    CLASS = "class"
    INSTANCE = "instance"
    FACTORY = "factory"
    MODULE = "module"
    TYPE = "type"
    """A type made from the class (`list[Point]`, `Point | None`): what reads types at run
    time (pydantic) reads the class in it."""
    RECEIVER = "receiver"
    """A function whose parameters annotated with the class are followed in its own module."""


class ModuleRef(NamedTuple):
    """A module as an import names it: its folders and name below the project root when
    `exact` (a relative import), else a dotted name that any module whose folders and
    name end with it may answer to (which folder is on `sys.path` is not known)."""

    parts: tuple[str, ...]
    exact: bool

    def names(self, module: tuple[str, ...]) -> bool:
        if self.exact:
            return module == self.parts
        return len(module) >= len(self.parts) and module[len(module) - len(self.parts) :] == self.parts

    def leads_to(self, module: tuple[str, ...]) -> bool:
        """Whether `module` is this module or lies below it."""
        if self.exact:
            return module[: len(self.parts)] == self.parts
        size = len(self.parts)
        return any(module[end - size : end] == self.parts for end in range(size, len(module) + 1))

    def child(self, name: str) -> ModuleRef:
        return ModuleRef((*self.parts, name), self.exact)


def imported_module(statement: ast.ImportFrom, parts: tuple[str, ...], is_package: bool) -> ModuleRef | None:
    """The module a `from ... import` of the module `parts` (a package's `__init__` when
    `is_package`) imports from; None for a relative import above the project's root."""
    origin = import_origin(statement, parts, is_package)
    return ModuleRef(origin, exact=statement.level > 0) if origin is not None else None


class Value(NamedTuple):
    kind: Kind
    module: ModuleRef | None = None
    """For a module: which one."""
    function: FunctionNode | None = None
    """For a receiver: the function, and which of its parameters are followed."""
    parameters: frozenset[str] = frozenset()


INSTANCE = Value(Kind.INSTANCE)
CLASS = Value(Kind.CLASS)
FACTORY = Value(Kind.FACTORY)
TYPE = Value(Kind.TYPE)


class Use(NamedTuple):
    """A place a value reaches that is not followed: the judge says what it means."""

    value: Value
    node: ast.expr
    """The expression that holds the value."""
    parent: ast.AST
    """Where it goes: the node around `node`."""
    flow: ModuleFlow


class Derived(NamedTuple):
    """A judge's answer for a place that holds a value in turn, with what it notes there."""

    node: ast.expr
    value: Value
    note: object = None


Judge = Callable[[Use], object]
"""None for a harmless place; a `Derived` for one that passes a value on; any other
object is a note, returned with where it was made."""


class ClassShape:
    """What every module following the class needs to know of it."""

    __slots__ = ("followed", "methods", "node", "returning")

    node: ast.ClassDef
    methods: dict[str, FunctionNode]
    returning: set[str]
    """Methods (or properties) whose calls (reads) return an instance."""
    followed: dict[str, frozenset[str]]
    """Each method's parameters that are annotated with the class, and so followed."""

    def __init__(self, node: ast.ClassDef, methods: dict[str, FunctionNode]) -> None:
        self.node = node
        self.methods = methods
        self.returning = set()
        self.followed = {}

    @classmethod
    def of(cls, node: ast.ClassDef) -> ClassShape:
        methods = {s.name: s for s in node.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
        return cls(node, methods)

    @property
    def name(self) -> str:
        return self.node.name

    def decorators(self, method: str) -> set[str]:
        return {name for d in self.methods[method].decorator_list if (name := _decorator_name(d))}


class Reach:
    """The names each followed module exports, by the module's folders and name."""

    def __init__(self) -> None:
        self.modules: dict[tuple[str, ...], dict[str, set[Value]]] = {}
        self.public: dict[tuple[str, ...], frozenset[str] | None] = {}
        """Each module's `__all__`, when it spells one out."""
        self.paths: dict[tuple[str, ...], str] = {}

    def add(self, parts: tuple[str, ...], path: str, flow: ModuleFlow) -> bool:
        """Take what a module exports; whether that is news."""
        names = self.modules.setdefault(parts, {})
        self.paths[parts] = path
        self.public[parts] = flow.all_names
        news = False
        for name, values in flow.exports.items():
            known = names.setdefault(name, set())
            if not values <= known:
                known |= values
                news = True
        return news

    def words(self) -> set[str]:
        return {name for names in self.modules.values() for name in names}

    def lookup(self, module: ModuleRef, name: str) -> list[Value]:
        """What `module.name` may hold: exported values, or a module on the way to one."""
        found = [value for parts, names in self.modules.items() if module.names(parts) for value in names.get(name, ())]
        if found:
            return found
        below = module.child(name)
        return [Value(Kind.MODULE, below)] if any(below.leads_to(parts) for parts in self.modules) else []

    def star(self, module: ModuleRef) -> Iterator[tuple[str, Value]]:
        """What `from module import *` binds."""
        for parts, names in self.modules.items():
            if module.names(parts):
                public = self.public.get(parts)
                for name, values in names.items():
                    if (name in public) if public is not None else not name.startswith("_"):
                        yield from ((name, value) for value in values)


# --------------------------------------------------------------------------- scopes


class _Scopes:
    """Python's name resolution for one module: which binding each name means, and each
    node's parent and scope.

    Only the top-level statements that may matter are walked: those whose lines spell a
    name being followed (`walk_mentioning`) and those holding a function a value is
    passed into (`walk_unit_of`); a large module that defines the class and never uses it
    costs a walk of the class. What the module binds at its top level comes from a
    cheap pass over its top-level statements.
    """

    def __init__(self, tree: ast.Module, text: str) -> None:
        self.tree = tree
        self.parent: dict[int, ast.AST] = {}
        self.scope: dict[int, ScopeNode] = {}
        """The scope each node is evaluated in."""
        self.outer: dict[int, ScopeNode | None] = {id(tree): None}
        self.stored: dict[int, set[str]] = {id(tree): set()}
        self.declared_global: dict[int, set[str]] = {}
        self.declared_nonlocal: dict[int, set[str]] = {}
        self.definitions: dict[tuple[int, str], list[ast.AST]] = {}
        """What binds each name: def, class, import, assignment target, parameter."""
        self.reads: list[ast.Name] = []
        self.imports: list[ast.Import | ast.ImportFrom] = []
        self.annotated: list[ast.arg | ast.AnnAssign] = []
        self.written_annotations: list[ast.Constant] = []
        """Annotations written as strings (`"Point"`), which name what they mention in no node."""
        self._text = text
        self._first_lines = [first_line(unit) for unit in tree.body]
        self._searched: set[str] = set()
        self._walked: set[int] = set()
        self._unit_of: dict[int, ast.stmt] = {}
        """Each statement the module runs at its top level -> the top-level statement holding it."""
        self._bind_module_level()

    def _bind_module_level(self) -> None:
        module = self.tree
        for unit in module.body:
            for statement, _ in module_level_statements([unit]):
                self._unit_of[id(statement)] = unit
                self.scope[id(statement)] = module
                if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                    self._bind(module, statement.name, statement)
                elif isinstance(statement, ast.Import | ast.ImportFrom):
                    self.imports.append(statement)
                    for alias in statement.names:
                        if alias.name != "*":
                            self._bind(module, alias.asname or alias.name.partition(".")[0], statement)
                else:
                    for target in assigned_targets(statement):
                        for name in ast.walk(target):
                            if isinstance(name, ast.Name):
                                self._bind(module, name.id, name)

    def walk_mentioning(self, words: set[str]) -> list[ast.stmt]:
        """Walk the top-level statements on whose lines one of `words` stands; those walked now."""
        words = words - self._searched
        if not words:
            return []
        self._searched |= words
        text = self._text
        # A bare carriage return ends a line for Python, which counting line feeds would miss.
        if not spelled_as_read(text) or text.count("\r") != text.count("\r\n"):
            return [unit for unit in self.tree.body if self._walk_unit(unit)]
        # The line of each place a word stands, counted from the place before it.
        starts = sorted(start for word in words for start in word_starts(text, word))
        found, line, counted = set(), 1, 0
        for start in starts:
            line += text.count("\n", counted, start)
            counted = start
            found.add(bisect.bisect_right(self._first_lines, line) - 1)
        units = [self.tree.body[index] for index in sorted(found) if index >= 0]
        return [unit for unit in units if self._walk_unit(unit)]

    def walk_unit_of(self, node: ast.AST) -> bool:
        """Walk the top-level statement holding a statement the module runs at its top level."""
        unit = self._unit_of.get(id(node))
        return unit is not None and self._walk_unit(unit)

    def _walk_unit(self, unit: ast.stmt) -> bool:
        if id(unit) in self._walked:
            return False
        self._walked.add(id(unit))
        pending: list[tuple[ast.AST, ScopeNode, ast.AST]] = [(unit, self.tree, self.tree)]
        while pending:
            node, scope, parent = pending.pop()
            self.parent[id(node)] = parent
            self.scope[id(node)] = scope
            pending.extend(self._children(node, scope))
        return True

    def _open(self, node: ScopeNode, outer: ScopeNode) -> None:
        self.outer[id(node)] = outer
        self.stored.setdefault(id(node), set())

    def _bind(self, scope: ScopeNode, name: str, by: ast.AST) -> None:
        self.stored.setdefault(id(scope), set()).add(name)
        definitions = self.definitions.setdefault((id(scope), name), [])
        if not any(known is by for known in definitions):  # the module's own were bound before its walk
            definitions.append(by)

    def _children(self, node: ast.AST, scope: ScopeNode) -> Iterator[tuple[ast.AST, ScopeNode, ast.AST]]:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            self._open(node, scope)
            if not isinstance(node, ast.Lambda):
                self._bind(scope, node.name, node)
                yield from ((d, scope, node) for d in node.decorator_list)
                if node.returns is not None:
                    self._annotation(node.returns)
                    yield node.returns, scope, node
            arguments = node.args
            self.parent[id(arguments)] = node
            self.scope[id(arguments)] = node
            for default in [*arguments.defaults, *arguments.kw_defaults]:
                if default is not None:
                    yield default, scope, arguments
            for argument in _parameters(arguments):
                self.parent[id(argument)] = arguments
                self.scope[id(argument)] = node
                self._bind(node, argument.arg, argument)
                if argument.annotation is not None:
                    self.annotated.append(argument)
                    self._annotation(argument.annotation)
                    yield argument.annotation, scope, argument
            body = node.body if isinstance(node.body, list) else [node.body]
            yield from ((statement, node, node) for statement in body)
            return
        if isinstance(node, ast.ClassDef):
            self._open(node, scope)
            self._bind(scope, node.name, node)
            for outside in [*node.decorator_list, *node.bases, *node.keywords]:
                yield outside, scope, node
            yield from ((statement, node, node) for statement in node.body)
            return
        if isinstance(node, _COMPREHENSIONS):
            # The first iterable is evaluated outside; the rest has a scope of its own.
            own = node.generators[0]
            self._open(own, scope)
            for index, generator in enumerate(node.generators):
                self.parent[id(generator)] = node
                self.scope[id(generator)] = own
                yield generator.iter, (scope if index == 0 else own), generator
                yield generator.target, own, generator
                yield from ((condition, own, generator) for condition in generator.ifs)
            elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
            yield from ((element, own, node) for element in elements)
            return
        self._note(node, scope)
        for child in child_nodes(node):
            yield child, scope, node

    def _note(self, node: ast.AST, scope: ScopeNode) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load):
                self.reads.append(node)
            else:
                target_scope = scope
                if isinstance(self.parent.get(id(node)), ast.NamedExpr):
                    while isinstance(target_scope, ast.comprehension):  # `:=` binds outside
                        target_scope = self.outer[id(target_scope)]  # type: ignore[assignment]
                    self.scope[id(node)] = target_scope
                self._bind(target_scope, node.id, node)
                if isinstance(self.parent.get(id(node)), ast.AugAssign):
                    self.reads.append(node)  # `x += y` reads `x` too
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if scope is not self.tree:  # the module's own were found before its walk
                self.imports.append(node)
            for alias in node.names:
                if alias.name != "*":
                    self._bind(scope, alias.asname or alias.name.partition(".")[0], node)
        elif isinstance(node, ast.Global):
            self.declared_global.setdefault(id(scope), set()).update(node.names)
        elif isinstance(node, ast.Nonlocal):
            self.declared_nonlocal.setdefault(id(scope), set()).update(node.names)
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            self._bind(scope, node.name, node)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            self._bind(scope, node.rest, node)
        elif isinstance(node, ast.AnnAssign):
            self._annotation(node.annotation)
            if isinstance(node.target, ast.Name):
                self.annotated.append(node)

    def _annotation(self, annotation: ast.expr) -> None:
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            self.written_annotations.append(annotation)

    def key(self, node: ast.Name | ast.arg, name: str | None = None) -> tuple[int, str]:
        """The binding a name means: (id of its scope, name)."""
        name = name if name is not None else (node.id if isinstance(node, ast.Name) else node.arg)
        scope: ScopeNode | None = self.scope[id(node)]
        innermost = True
        while scope is not None:
            if isinstance(scope, ast.ClassDef) and not innermost:
                scope = self.outer[id(scope)]
                continue  # a class body's names are not seen from the functions in it
            if name in self.declared_global.get(id(scope), ()):
                break
            if name in self.stored[id(scope)] and name not in self.declared_nonlocal.get(id(scope), ()):
                return id(scope), name
            innermost = False
            scope = self.outer[id(scope)]
        return id(self.tree), name

    def enclosing_function(self, node: ast.AST) -> ScopeNode:
        """The function, lambda or module whose code `node` is (comprehensions and class bodies are looked through)."""
        scope: ScopeNode | None = self.scope[id(node)]
        while isinstance(scope, ast.comprehension | ast.ClassDef):
            scope = self.outer[id(scope)]
        assert scope is not None
        return scope

    def inside(self, node: ast.AST, container: ScopeNode) -> bool:
        scope: ScopeNode | None = self.scope.get(id(node))
        while scope is not None:
            if scope is container:
                return True
            scope = self.outer.get(id(scope))
        return False


def _parameters(arguments: ast.arguments) -> list[ast.arg]:
    return [
        *arguments.posonlyargs,
        *arguments.args,
        *([arguments.vararg] if arguments.vararg else []),
        *arguments.kwonlyargs,
        *([arguments.kwarg] if arguments.kwarg else []),
    ]


def _decorator_name(decorator: ast.expr) -> str | None:
    """`dataclass` for `@dataclass`, `@dataclasses.dataclass` and `@dataclass(frozen=True)`."""
    while isinstance(decorator, ast.Call):
        decorator = decorator.func
    return last_name(decorator)


# --------------------------------------------------------------------------- one module


class ModuleFlow:
    """The values of one class followed through one module."""

    def __init__(
        self,
        tree: ast.Module,
        text: str,
        shape: ClassShape,
        judge: Judge,
        reach: Reach | None = None,
        parts: tuple[str, ...] = (),
        is_package: bool = False,
    ) -> None:
        self.tree = tree
        self.shape = shape
        self.defining = reach is None
        """Whether this is the class's own module (which is followed before any other)."""
        self._judge = judge
        self._reach = reach
        self._parts = parts
        self._is_package = is_package
        self.scopes = _Scopes(tree, text)
        self._reads: dict[tuple[int, str], list[ast.Name]] = {}
        self._indexed = 0
        """How many of `scopes.reads` are in `_reads`."""
        self._walked = False
        self.bindings: dict[tuple[int, str], set[Value]] = {}
        self.notes: list[tuple[ast.AST, object]] = []
        self._queue: deque[tuple[ast.expr, Value]] = deque()

    # -- results ----------------------------------------------------------------

    @property
    def exports(self) -> dict[str, set[Value]]:
        """Names the module binds at its top level to a followed value (a module is not one)."""
        module = id(self.tree)
        return {
            name: kept
            for (scope, name), values in self.bindings.items()
            if scope == module and (kept := {v for v in values if v.kind is not Kind.MODULE})
        }

    @property
    def all_names(self) -> frozenset[str] | None:
        """The module's `__all__` when it is spelt out as strings; None otherwise."""
        names: set[str] = set()
        found = False
        for statement in self.tree.body:
            target, value = None, None
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target, value = statement.targets[0], statement.value
            elif isinstance(statement, ast.AugAssign | ast.AnnAssign):
                target, value = statement.target, statement.value
            if not (isinstance(target, ast.Name) and target.id == "__all__"):
                continue
            if not isinstance(value, ast.List | ast.Tuple) or not all(
                isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts
            ):
                return None
            found = True
            names.update(e.value for e in value.elts)  # type: ignore[attr-defined]
        return frozenset(names) if found else None

    # -- following ----------------------------------------------------------------

    def run(self) -> ModuleFlow:
        """Follow every value until nothing new is learnt; `notes` then hold the judge's notes."""
        while True:
            self.notes = []
            self._walk_mentioning()
            self._walked = False  # what was walked before following is followed this round
            self._seed()
            known = self._facts()
            done: set[tuple[int, Value]] = set()
            while self._queue:
                node, value = self._queue.popleft()
                if (id(node), value) not in done:
                    done.add((id(node), value))
                    self._follow(node, value)
            # What the judge was told depends on what was known, and walked, when it was asked.
            if self._facts() == known and not self._walked:
                return self

    def _facts(self) -> int:
        return sum(map(len, self.bindings.values())) + len(self.shape.returning)

    def _walk_mentioning(self) -> None:
        """Walk the top-level statements that spell a name holding a value at the top level."""
        module = id(self.tree)
        words = {name for scope, name in self.bindings if scope == module} | {self.shape.name}
        if self._reach is not None:
            words |= self._reach.words()
        if self.scopes.walk_mentioning(words):
            self._index_reads()

    def _walk_unit_of(self, node: ast.AST) -> None:
        if self.scopes.walk_unit_of(node):
            self._index_reads()

    def _index_reads(self) -> None:
        self._walked = True
        for name in self.scopes.reads[self._indexed :]:
            self._reads.setdefault(self.scopes.key(name), []).append(name)
        self._indexed = len(self.scopes.reads)

    def _seed(self) -> None:
        if self.defining:
            self._give((id(self.scopes.scope[id(self.shape.node)]), self.shape.name), CLASS)
            for method in self.shape.methods.values():
                decorators = self.shape.decorators(method.name)
                parameters = [*method.args.posonlyargs, *method.args.args]
                if parameters and "staticmethod" not in decorators:
                    first = CLASS if "classmethod" in decorators else INSTANCE
                    self._give((id(method), parameters[0].arg), first)
        else:
            for statement in self.scopes.imports:
                for name, value in self._imported(statement):
                    self._give((id(self.scopes.scope[id(statement)]), name), value)
        followed: dict[FunctionNode, set[str]] = {}
        for annotated in self.scopes.annotated:
            if self._annotates_class(annotated.annotation):
                if isinstance(annotated, ast.arg):
                    self._give(self.scopes.key(annotated), INSTANCE)
                    function = self.scopes.scope[id(annotated)]
                    if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                        followed.setdefault(function, set()).add(annotated.arg)
                elif isinstance(annotated.target, ast.Name):
                    self._give(self.scopes.key(annotated.target), INSTANCE)
        for function, parameters in followed.items():
            outer = self.scopes.outer[id(function)]
            if outer is self.shape.node:
                self.shape.followed[function.name] = frozenset(parameters)
            elif outer is self.tree and not function.decorator_list:
                receiver = Value(Kind.RECEIVER, function=function, parameters=frozenset(parameters))
                self._give((id(self.tree), function.name), receiver)
        for key, values in list(self.bindings.items()):
            for read in self._reads.get(key, []):
                self._queue.extend((read, value) for value in values)
        module = id(self.tree)
        types = {
            name
            for (scope, name), values in self.bindings.items()
            if scope == module and (CLASS in values or TYPE in values)
        }
        for annotation in self.scopes.written_annotations:
            if any(next(word_starts(annotation.value, name), None) is not None for name in types):
                self._queue.append((annotation, CLASS))

    def _give(self, key: tuple[int, str], value: Value) -> None:
        values = self.bindings.setdefault(key, set())
        if value not in values:
            values.add(value)
            self._queue.extend((read, value) for read in self._reads.get(key, []))

    def _imported(self, statement: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, Value]]:
        assert self._reach is not None
        if isinstance(statement, ast.Import):
            for alias in statement.names:
                dotted = tuple(alias.name.split("."))
                module = ModuleRef(dotted if alias.asname else dotted[:1], exact=False)
                if any(module.leads_to(parts) for parts in self._reach.modules):
                    yield alias.asname or dotted[0], Value(Kind.MODULE, module)
            return
        module = self._from_module(statement)
        if module is None:
            return
        for alias in statement.names:
            if alias.name == "*":
                yield from self._reach.star(module)
            else:
                for value in self._reach.lookup(module, alias.name):
                    yield alias.asname or alias.name, value

    def _from_module(self, statement: ast.ImportFrom) -> ModuleRef | None:
        return imported_module(statement, self._parts, self._is_package)

    def _annotates_class(self, annotation: ast.expr | None) -> bool:
        """Whether an annotation says: the class, or the class or None."""
        if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
            try:
                annotation = ast.parse(annotation.value, mode="eval").body
            except SyntaxError:
                return False
            return isinstance(annotation, ast.Name) and CLASS in self.bindings.get((id(self.tree), annotation.id), ())
        if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
            sides = [annotation.left, annotation.right]
            return any(is_none(side) for side in sides) and any(self._annotates_class(side) for side in sides)
        if isinstance(annotation, ast.Subscript) and last_name(annotation.value) == "Optional":
            return self._annotates_class(annotation.slice)
        return annotation is not None and Kind.CLASS in self.value_of(annotation)

    def _follow(self, node: ast.expr, value: Value) -> None:
        parent = self.scopes.parent.get(id(node))
        if parent is None:
            return
        kind = value.kind
        if kind is Kind.RECEIVER:
            return  # a function: where it goes matters not
        if kind is Kind.MODULE:
            if isinstance(parent, ast.Attribute) and parent.value is node and self._reach is not None:
                assert value.module is not None
                for found in self._reach.lookup(value.module, parent.attr):
                    self._queue.append((parent, found))
            return
        if isinstance(parent, ast.Call) and parent.func is node and kind in (Kind.CLASS, Kind.FACTORY):
            self._queue.append((parent, INSTANCE))
            return
        if self._into_parameter(node, parent, value):
            return
        if self._into_names(node, parent, value):
            return
        if isinstance(parent, ast.Return) and self._returned(parent, value):
            return
        if (
            isinstance(parent, ast.Attribute)
            and parent.value is node
            and kind in (Kind.INSTANCE, Kind.CLASS)
            and parent.attr in self.shape.returning
        ):
            call = self.scopes.parent.get(id(parent))
            if "property" in self.shape.decorators(parent.attr):
                if kind is Kind.INSTANCE:
                    self._queue.append((parent, INSTANCE))
                    return
            elif isinstance(call, ast.Call) and call.func is parent:
                self._queue.append((call, INSTANCE))
                return
        verdict = self._judge(Use(value, node, parent, self))
        if isinstance(verdict, Derived):
            self._queue.append((verdict.node, verdict.value))
            verdict = verdict.note
        if verdict is not None:
            self.notes.append((node, verdict))

    def _into_names(self, node: ast.expr, parent: ast.AST, value: Value) -> bool:
        if isinstance(parent, ast.NamedExpr) and parent.value is node:
            self._give(self.scopes.key(parent.target), value)
            self._queue.append((parent, value))
            return True
        if isinstance(parent, ast.Assign) and parent.value is node:
            targets = parent.targets
        elif isinstance(parent, ast.AnnAssign) and parent.value is node:
            targets = [parent.target]
        else:
            return False
        if not all(isinstance(t, ast.Name) for t in targets) or isinstance(self.scopes.scope[id(parent)], ast.ClassDef):
            return False
        for target in targets:
            self._give(self.scopes.key(target), value)  # type: ignore[arg-type]
        return True

    def _returned(self, statement: ast.Return, value: Value) -> bool:
        function = self.scopes.enclosing_function(statement)
        if not isinstance(function, ast.FunctionDef) or value.kind is not Kind.INSTANCE:
            return False
        outer = self.scopes.outer[id(function)]
        if outer is self.tree and not function.decorator_list:
            self._give((id(self.tree), function.name), FACTORY)
            return True
        if outer is self.shape.node and self.defining:
            if not self.shape.decorators(function.name) <= _METHOD_DECORATORS:
                return False
            self.shape.returning.add(function.name)
            return True
        return False

    def _into_parameter(self, node: ast.expr, parent: ast.AST, value: Value) -> bool:
        """An argument of a call of a function that is followed: its parameter takes the value."""
        if isinstance(parent, ast.keyword):
            call, keyword, position = self.scopes.parent.get(id(parent)), parent.arg, None
        elif isinstance(parent, ast.Call) and node in parent.args:
            call, keyword, position = parent, None, parent.args.index(node)
            if any(isinstance(a, ast.Starred) for a in parent.args[: position + 1]):
                return False
        else:
            return False
        if not isinstance(call, ast.Call) or (keyword is None and position is None):
            return False
        callee = self._callee(call)
        if callee is None:
            return False
        function, skipped, followed = callee
        parameters = [*function.args.posonlyargs, *function.args.args]
        if keyword is not None:
            names = {a.arg for a in [*function.args.args, *function.args.kwonlyargs]}
            name = keyword if keyword in names else None
        else:
            assert position is not None
            index = position + skipped
            name = parameters[index].arg if index < len(parameters) else None
        if name is None:
            return False
        if followed is not None:  # a function of another module, which follows these there
            return name in followed
        self._walk_unit_of(function)
        self._give((id(function), name), value)
        return True

    def _callee(self, call: ast.Call) -> tuple[FunctionNode, int, frozenset[str] | None] | None:
        """The function a call runs, when it is followed: a function of this module, a
        receiver, or a method of the class. With it, how many parameters the call fills
        before its arguments (a bound `self`), and, for a function of another module, the
        parameters followed there."""
        func = call.func
        if isinstance(func, ast.Name):
            definitions = self.scopes.definitions.get(self.scopes.key(func), [])
            if len(definitions) == 1 and isinstance(definitions[0], ast.FunctionDef | ast.AsyncFunctionDef):
                function = definitions[0]
                return (function, 0, None) if not function.decorator_list else None
        receivers = [value for value in self._values_of(func) if value.kind is Kind.RECEIVER]
        if len(receivers) == 1 and receivers[0].function is not None:
            return receivers[0].function, 0, receivers[0].parameters
        if isinstance(func, ast.Attribute) and func.attr in self.shape.methods:
            receiver = self.value_of(func.value) & {Kind.CLASS, Kind.INSTANCE}
            method = self.shape.methods[func.attr]
            decorators = self.shape.decorators(func.attr)
            followed = None if self.defining else self.shape.followed.get(func.attr, frozenset())
            if not receiver:
                return None
            if "staticmethod" in decorators:
                return method, 0, followed
            if "classmethod" in decorators or Kind.INSTANCE in receiver:
                return method, 1, followed
            return method, 0, followed
        return None

    def value_of(self, expression: ast.expr) -> set[Kind]:
        """What an expression may hold, as far as is known now."""
        if isinstance(expression, ast.Call):
            return {Kind.INSTANCE} if self.value_of(expression.func) & {Kind.CLASS, Kind.FACTORY} else set()
        return {value.kind for value in self._values_of(expression)}

    def _values_of(self, expression: ast.expr) -> set[Value]:
        if isinstance(expression, ast.Name):
            return self.bindings.get(self.scopes.key(expression), set())
        if isinstance(expression, ast.Attribute) and isinstance(expression.value, ast.Name) and self._reach is not None:
            found: set[Value] = set()
            for value in self.bindings.get(self.scopes.key(expression.value), ()):
                if value.kind is Kind.MODULE and value.module is not None:
                    found.update(self._reach.lookup(value.module, expression.attr))
            return found
        return set()

    def in_class(self, node: ast.AST) -> bool:
        """Whether `node` is code of the class's own body (of its defining module)."""
        return self.defining and self.scopes.inside(node, self.shape.node)


# --------------------------------------------------------------------------- the project


class ClassFlow:
    """Where the values of a class go in its project."""

    __slots__ = ("exports", "notes", "unreadable")

    notes: list[tuple[str, ast.AST, object]]
    """(module path, where, the judge's note), for the modules other than the class's own."""
    exports: list[tuple[str, str]]
    """(module path, name): every name a module binds at its top level to a value."""
    unreadable: list[str]
    """Modules that spell a followed name but cannot be read or parsed."""

    def __init__(
        self, notes: list[tuple[str, ast.AST, object]], exports: list[tuple[str, str]], unreadable: list[str]
    ) -> None:
        self.notes = notes
        self.exports = exports
        self.unreadable = unreadable


def follow_class(own: ModuleFlow, judge: Judge, project: Project, path: str) -> ClassFlow:
    """Follow a class from its own module, `own` (already followed, at `path`), through
    the modules of `project` that import what it exports."""
    reach = Reach()
    reach.add(project.parts(path), path, own)
    mentions: dict[str, None] = {}  # in the order found
    searched: set[str] = set()
    while True:
        words = reach.words() - searched
        if words:
            mentions.update(dict.fromkeys(project.mentioning(words, excluding=path, star_imports=not searched)))
            searched |= words
        news = False
        notes: list[tuple[str, ast.AST, object]] = []
        unreadable = []
        for module in mentions:
            parsed = project.parse(module)
            if parsed is None:
                unreadable.append(module)
                continue
            parts, is_package = project.parts(module), module.endswith("__init__.py")
            other = ModuleFlow(*parsed, own.shape, judge, reach, parts, is_package)
            try:
                other.run()
            except RecursionError:
                unreadable.append(module)
                continue
            notes.extend((module, where, note) for where, note in other.notes)
            if other.exports:
                news |= reach.add(project.parts(module), module, other)
        if not news and not reach.words() - searched:
            break
    exports = [(reach.paths[parts], name) for parts, names in reach.modules.items() for name in names]
    return ClassFlow(notes, exports, unreadable)
