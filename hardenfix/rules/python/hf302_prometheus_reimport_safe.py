from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from hardenfix import regexes
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule, RuleOptions
from hardenfix.sources.python import (
    PythonDocument,
    docstring_of,
    is_main_test,
    is_none,
    is_test_file,
    last_name,
    merge_insertions,
)
from hardenfix.sources.python_project import Project

if TYPE_CHECKING:
    import libcst

_METRIC_CLASSES = frozenset({"Counter", "Gauge", "Histogram", "Summary", "Info", "Enum"})
_PROMETHEUS_MODULES = frozenset({"prometheus_client", "prometheus_client.metrics", "prometheus_client.core"})
# The metric classes' parameters, in order (prometheus_client.metrics.MetricWrapperBase).
_PARAMETERS = ("name", "documentation", "labelnames", "namespace", "subsystem", "unit", "registry")
_NAME_PARTS = ("name", "namespace", "subsystem", "unit")
# What a handler must catch to keep a duplicate registration from escaping.
_CATCHES_DUPLICATES = frozenset({"ValueError", "Exception", "BaseException", "DuplicateTimeseries"})
_CACHING_DECORATORS = frozenset({"functools.cache", "functools.lru_cache", "cache", "lru_cache"})
_IDENTIFIER = regexes.lazy(r"[A-Za-z_]\w*")
_MODULE_PATH = regexes.lazy(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_REGISTRY_CLASS = regexes.lazy(r"_*(?:[A-Z]\w*)?Registry")
"""A class named as a registry (CapWords): a call makes a new one, as a function's may not."""
_Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda

# The helper's names: the first of each pair the module leaves unbound.
_HELPER_NAMES = ("_get_or_create_metric", "_hardenfix_get_or_create_metric")
_TYPE_VARIABLE_NAMES = ("_Metric", "_HardenfixMetric")
_TYPING_NAMES = ("Any", "TypeVar")
_HELPER_NAMES_TAKEN = "the names the helper needs (`_get_or_create_metric`, `Any`, ...) all mean something else here"
_HELPER_NEEDS_PYTHON = (3, 6)
"""The helper's variable annotations (`created: Any = ...`) are Python 3.6 syntax."""
_HELPER_SUMMARY = "Create the Prometheus metric `cls(*args, **kwargs)`, or return the same"
_HELPER = f'''\
{{metric}} = {{TypeVar}}("{{metric}}")


def {{helper}}(
    cls: {{cls_annotation}},
    *args: {{Any}},
    **kwargs: {{Any}},
) -> {{return_annotation}}:
    """{_HELPER_SUMMARY}
    metric when another import of this module registered it already.

    A module imported twice (`python -m worker` runs it as `__main__`, and a
    later `import worker` runs it again) creates its metrics twice, and
    prometheus_client refuses the second: "Duplicated timeseries in
    CollectorRegistry". Inserted by hardenfix: `hardenfix explain HF302`.
    """
    try:
        return cls(*args, **kwargs)
    except ValueError as error:
        if "Duplicated timeseries" not in str(error):
            raise
        import inspect

        arguments = inspect.signature(cls).bind(*args, **kwargs)
        arguments.apply_defaults()
        registry = arguments.arguments["registry"]
        # Created again unregistered, to learn the names it registers under.
        arguments.arguments["registry"] = None
        created: {{Any}} = cls(*arguments.args, **arguments.kwargs)
        # The registry's private name map, under the names it files the metric
        # under: the one way to look a metric up. (Older prometheus_client files a
        # counter `x` only as `x_total` and `x_created`, not as `x`.)
        collectors = registry._names_to_collectors
        names = [name for name in registry._get_names(created) if name in collectors]
        existing: {{Any}} = collectors[names[0]] if names else None
        if (
            type(existing) is type(created)
            and existing.describe() == created.describe()
            and existing._labelnames == created._labelnames
        ):
            metric: {{metric}} = existing
            return metric
        raise'''


class Options(RuleOptions):
    metrics_helper: str = ""
    """`module:function` of the project's own get-or-create helper, imported instead of
    inserting one into every module: `services.common.metrics:get_or_create_metric`."""

    def validate(self) -> None:
        if not self.metrics_helper:
            return
        module, colon, function = self.metrics_helper.partition(":")
        if not (colon and _MODULE_PATH.fullmatch(module) and _IDENTIFIER.fullmatch(function)):
            raise ValueError(
                f"metrics-helper must be `module:function`, such as"
                f" `services.common.metrics:get_or_create_metric`, not {self.metrics_helper!r}"
            )


class PrometheusReimportSafe(Rule):
    """
    ## What it does
    Finds Prometheus metrics (`Counter`, `Gauge`, `Histogram`, `Summary`,
    `Info`, `Enum` from `prometheus_client`, `prometheus_client.core` or
    `prometheus_client.metrics`, however imported) that are registered when
    their module is imported, and routes each one through a get-or-create
    helper. The helper is inserted once after the module's imports, or
    imported from the module named by the `metrics-helper` option.

    Also reports, without a fix, a metric with a fixed name that a function
    registers each time it runs.

    ## Why is this bad?
    A metric registers itself in its registry when it is created, and a
    registry refuses a second metric of the same name. When the module runs
    twice in one process (`python -m worker` runs it as `__main__`, and a
    later `import worker` runs it again), the second registration raises
    `ValueError: Duplicated timeseries in CollectorRegistry` and the service
    does not start. A function that creates such a metric fails the same way
    the second time it is called.

    Not reported, because the second registration cannot happen or is
    handled: a metric created under `try`/`except ValueError`, behind a test
    such as `if name not in cache:` (at the module's top level, only a test
    of the registry, since a module-level cache is new at each import), in a
    `functools.cache` function, in the `__init__` of a singleton (a class
    the module only instantiates behind such a test, or whose base or
    metaclass is named like one), under `if __name__ == "__main__":`; a
    metric with `registry=None`, on a `CollectorRegistry()` (or an instance
    of a class named as a registry, such as a subclass of it:
    `DynamicCollectorRegistry()`) created in the same module or function, or
    on a registry the function is given; and, in a function, a metric whose
    name is not a constant (a factory). Nor is test code: a test file
    (`test_*.py`, `*_test.py`, `conftest.py`, any file under a folder named
    `tests` or `test`, as HF303 tells one) is never a service's module run
    twice, and a test that registers a metric each time it runs fails in the
    suite itself (prometheus-async's `tests/test_aio.py` creates a `Counter` in
    test methods; its `tests/typing/api.py`, whose metrics a type checker reads,
    would check the helper's types instead of the metric's).

    ## Example
    ```python
    from prometheus_client import Histogram

    LATENCY = Histogram("svc_latency_seconds", "Latency", ["route"])
    ```

    ## Use instead
    ```python
    from typing import Any, TypeVar

    from prometheus_client import Histogram

    _Metric = TypeVar("_Metric")


    def _get_or_create_metric(cls: "type[_Metric]", *args: Any, **kwargs: Any) -> "_Metric":
        ...  # the metric another import registered under the same name, or a new one


    LATENCY = _get_or_create_metric(Histogram, "svc_latency_seconds", "Latency", ["route"])
    ```

    The helper first creates the metric exactly as the code did, with the
    same arguments. Only when that raises `Duplicated timeseries` does it
    bind the arguments to the metric class's own signature (so positional
    label names, `registry=` and every other argument count), create the
    metric again unregistered and ask the registry the names it files it
    under (built from namespace, subsystem, name and unit, as the installed
    prometheus_client builds them: older versions file a counter `x` only as
    `x_total` and `x_created`); when the registry passed (the default one
    unless `registry=` says otherwise) holds a metric of the same class, name,
    help, unit and label names under one of them, it returns that one, and
    otherwise it raises the error it caught.
    The helper is typed, so `LATENCY` is a `Histogram`, and its names are
    ones the module does not use (`_hardenfix_get_or_create_metric` when
    `_get_or_create_metric` is taken).

    A helper, rather than the `try:`/`except ValueError:` that projects
    write around each metric (prometheus-fastapi-instrumentator does): that
    handler must find the metric by the name it registered under, spelt out
    again at every site, and it also swallows errors that are not
    duplicates, such as an invalid name. One helper per module, rather than
    a shared one, because a fix must not make a module depend on a module
    it did not import; projects with many such modules can keep one helper
    and name it in `metrics-helper`.

    ## Fix safety
    Safe: every creation is the call the code made before, with the same
    arguments (a test that patches the class with `autospec=True` and asserts
    how it was called still sees that call), and a creation that clashes
    with a different metric raises the same `Duplicated timeseries` error.
    Only a second creation of the very same metric changes: it returns the
    metric already registered instead of raising, so both imports count in
    one time series. The helper reads private parts of prometheus_client (the
    registry's name map and the names it files a metric under, and the
    metric's label names), as there is no public way to look a metric up.
    The fix adds `from typing import Any, TypeVar` (or uses `typing.Any`
    when those names are taken) and imports
    nothing from prometheus_client, so a module that imports it optionally
    still imports without it, and a stand-in the module falls back on then
    (`Counter = lambda *args, **kwargs: NoOpMetric()`) is called as before.

    A metric created inside a function is reported without a fix: whether
    every call should share one metric, or the function should run once, is
    a design decision. So is a module-level metric whose helper names the
    module has all taken, and one in a module its project may run on a
    Python older than 3.6, which cannot parse the helper's variable
    annotations: its packaging admits one (`requires-python`, Poetry's
    `python = "^2.7 || ^3.5"`, `python_requires`), or a Dockerfile in a
    folder that holds the module builds a stage on the official `python` or
    `pypy` image of an older line (lovoo/jenkins_exporter runs its module on
    `python:2-slim`), or installs a distribution's Python 2 or a package
    that brings it (`apt-get install python`, `python-minimal`, CentOS 7's
    `python-devel`, Alpine's `py2-pip`), or its Python 3 on a release whose
    Python 3 is older (`apt-get install python3-pip` on `ubuntu:16.04` or
    `debian:stretch`, both 3.5; `apk add python3` on `alpine:3.5`); not the bare interpreter on the
    official `node` image, where it is node-gyp's (`apk add python2 make
    g++`), but its pip there (`python-pip`) all the same. A module whose own
    syntax needs Python 3.6 (an f-string, an annotated assignment) gets the
    helper whatever its project says: no older Python parses it already.

    ## Options
    - `metrics-helper` (default: insert the helper): `module:function` of the
      project's own helper, with the signature `(cls, *args, **kwargs)`,
      imported instead: `"services.common.metrics:get_or_create_metric"`.
    """

    code = "HF302"
    slug = "prometheus-reimport-safe"
    kind = FileKind.PYTHON
    category = Category.RELIABILITY
    summary = "Prometheus metric that fails when its module is imported twice"
    fix_safety = FixSafety.SAFE
    Options = Options
    prefilter = b"prometheus_client"

    @classmethod
    def applies_to(cls, location: Path) -> bool:
        return not is_test_file(location)

    def check(self, document: PythonDocument) -> Iterator[Finding]:
        # A metric is created through a name imported from prometheus_client.
        imported = [
            binding.name
            for binding in document.bindings.values()
            if binding.qualified_name.partition(".")[0] == "prometheus_client" and not binding.type_checking_only
        ]
        calls = [node for node in document.nodes_mentioning(imported, ast.Call) if _metric_class(document, node)]
        functions_of = {
            id(call): [scope for scope in document.enclosing_scopes(call) if isinstance(scope, _Function)]
            for call in calls
        }
        run_on_import = [call for call in calls if not functions_of[id(call)]]
        helper = None if self.options.metrics_helper or not calls else _Helper.for_module(document, run_on_import)
        for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
            start, end = document.span(call.func)
            metric = _metric_class(document, call)
            functions = functions_of[id(call)]
            if functions:
                message = _per_call_problem(document, call, functions[-1], metric)
                if message is not None:
                    no_fix = "whether every call should share one metric is a design decision"
                    yield self.finding(document, start, end, f"{message} (no fix: {no_fix})")
                continue
            if _guarded(document, call, at_module_level=True) or _fresh_registry(document, call, None):
                continue
            message = (
                f"`{metric}` is registered when the module is imported: importing it twice"
                " (`python -m` and `import`) raises `Duplicated timeseries`"
            )
            if not isinstance(helper, _Helper) and not self.options.metrics_helper:
                no_fix = helper or _HELPER_NAMES_TAKEN
                yield self.finding(document, start, end, f"{message} (no fix: {no_fix})")
                continue
            fix = self.deferred_fix(
                "Create it through a get-or-create helper", functools.partial(self._edits, document, call, helper)
            )
            yield self.finding(document, start, end, message, fix)

    def _edits(self, document: PythonDocument, call: ast.Call, helper: _Helper | None) -> list[Edit]:
        if helper is None:
            module, _, function = self.options.metrics_helper.partition(":")
            name, import_edit = document.add_import(module, function)
            return [document.rewrite(*_wrapped(document, call, name)), *([import_edit] if import_edit else [])]
        return [document.rewrite(*_wrapped(document, call, helper.name)), *helper.edits(document)]


def _wrapped(document: PythonDocument, call: ast.Call, helper: str) -> tuple[libcst.Call, libcst.Call]:
    """The libcst call, and the same call through `helper` with the metric class as its first argument."""
    import libcst

    node = document.cst_node(call, libcst.Call)
    # On the line of the opening parenthesis when the arguments start there,
    # on a line of its own when they start on the next one.
    before_args = node.whitespace_before_args
    if isinstance(before_args, libcst.ParenthesizedWhitespace):
        # What stood between the parenthesis and the first argument is not repeated: a
        # comment after the parenthesis (`Gauge(  # type: ignore[...]`) stays there, and
        # the lines above the first argument stay above it. Repeated, a `type: ignore`
        # after the class would ignore nothing, which mypy's warn_unused_ignores reports.
        after_class = before_args.with_changes(
            first_line=libcst.TrailingWhitespace(newline=before_args.first_line.newline)
        )
        before_args = before_args.with_changes(empty_lines=[])
    else:
        after_class = libcst.SimpleWhitespace(" ")
    metric_class = libcst.Arg(node.func, comma=libcst.Comma(whitespace_after=after_class))
    wrapped = node.with_changes(
        func=libcst.parse_expression(helper), whitespace_before_args=before_args, args=[metric_class, *node.args]
    )
    return node, wrapped


def _runs_on_python_before(document: PythonDocument, version: tuple[int, int]) -> str | None:
    """Why the module may run on a Python older than `version`: its project's packaging admits
    one, or a Dockerfile in whose folder it lies builds on one (lovoo/jenkins_exporter's
    `FROM python:2-slim`, beside the module it runs). None when the module's own syntax needs
    that Python already (an f-string): wherever it runs, the code added parses too."""
    if document.syntax_needs_python >= version:
        return None
    project = Project.of(document)
    if project is None or document.location is None:
        return None
    declared = project.declares_python_before(version)
    if declared is not None:
        return declared
    for path in project.dockerfiles_holding(document.location):
        text = project.text(path)
        if text is None:
            continue
        from hardenfix.facts.python_version import older_python

        built = older_python(text, Path(path), version)
        if built is not None:
            return f"{project.display(path)} {built}"
    return None


class _Helper(NamedTuple):
    """The get-or-create helper of one module: its names, and whether it is there already."""

    name: str
    type_variable: str = ""
    typing_names: tuple[str, ...] = ()
    """How the module writes `typing.Any` and `typing.TypeVar` once the fix imports them."""
    present: bool = False
    at: int = 0
    """Where it goes: after every import a linter allows at the top of the module, unless
    a metric is created before that (in an `if` or `try` block among the imports), which
    it must then precede."""

    @classmethod
    def for_module(cls, document: PythonDocument, run_on_import: list[ast.Call]) -> _Helper | str | None:
        """The module's helper, the one to insert, or None when its names are all taken, or
        why it cannot be defined before the metrics created when the module is imported
        (`run_on_import`)."""
        for statement in document.tree.body:
            if (
                isinstance(statement, ast.FunctionDef)
                and statement.name in _HELPER_NAMES
                and (docstring_of(statement) or "").lstrip().startswith(_HELPER_SUMMARY)
            ):
                return cls(statement.name, present=True)
        older = _runs_on_python_before(document, _HELPER_NEEDS_PYTHON)
        if older is not None:
            return f"the helper needs Python {'.'.join(map(str, _HELPER_NEEDS_PYTHON))}, and {older}"
        typing_names = document.names_from("typing", _TYPING_NAMES)
        if typing_names is None:
            return None
        at = min([document.after_opening_imports()[0], *map(document.before_top_level, run_on_import)])
        # An import added ends before the opening imports do: only a metric created among
        # them can come before it (and only then is the edit, which may need libcst, made).
        typing_import = None if document.imports_end() <= at else document.import_names("typing", _TYPING_NAMES)
        bound = [document.bindings.get(name.partition(".")[0]) for name in typing_names]
        if (typing_import is not None and typing_import.start > at) or any(
            binding is not None and document.span(binding.statement)[0] >= at for binding in bound
        ):
            return "a metric is created before the module imports `typing`, which the helper needs"
        for name, type_variable in zip(_HELPER_NAMES, _TYPE_VARIABLE_NAMES, strict=True):
            if document.is_unbound(name) and document.is_unbound(type_variable):
                return cls(name, type_variable, tuple(typing_names), at=at)
        return None

    def source(self, postponed_annotations: bool) -> str:
        """The helper's code, its annotations quoted unless the module postpones them."""
        any_, type_var = self.typing_names
        cls_annotation, return_annotation = f"type[{self.type_variable}]", self.type_variable
        if not postponed_annotations:
            cls_annotation, return_annotation = f'"{cls_annotation}"', f'"{return_annotation}"'
        return _HELPER.format(
            metric=self.type_variable,
            TypeVar=type_var,
            Any=any_,
            helper=self.name,
            cls_annotation=cls_annotation,
            return_annotation=return_annotation,
        )

    def edits(self, document: PythonDocument) -> list[Edit]:
        """The helper and its imports, the same for every call the module fixes (so made once)."""
        if self.present:
            return []
        # Without `from __future__ import annotations`, `type[...]` is evaluated when the
        # helper is defined, which Python 3.8 cannot do.
        postponed = any(
            isinstance(s, ast.ImportFrom) and s.module == "__future__" and any(a.name == "annotations" for a in s.names)
            for s in document.tree.body
        )
        lines = self.source(postponed).split("\n")
        helper_edit = document.insert_lines(self.at, lines, blank_before=1, blank_after=2)
        return merge_insertions(document.import_names("typing", _TYPING_NAMES), helper_edit)


def _metric_class(document: PythonDocument, call: ast.Call) -> str | None:
    """`Counter` when `call` creates a prometheus_client Counter, and so on."""
    module, _, name = (document.qualified_name(call.func) or "").rpartition(".")
    return name if module in _PROMETHEUS_MODULES and name in _METRIC_CLASSES else None


def _argument(call: ast.Call, parameter: str) -> ast.expr | None:
    """The expression passed for `parameter` (one of `_PARAMETERS`), if the call spells it out."""
    for keyword in call.keywords:
        if keyword.arg == parameter:
            return keyword.value
    position = _PARAMETERS.index(parameter)
    before = call.args[: position + 1]
    if len(call.args) > position and not any(isinstance(arg, ast.Starred) for arg in before):
        return call.args[position]
    return None


def _per_call_problem(document: PythonDocument, call: ast.Call, function: _Function, metric: str | None) -> str | None:
    """The message for a metric created each time `function` runs, or None when that cannot fail."""
    if _guarded(document, call, at_module_level=False) or _fresh_registry(document, call, function):
        return None
    if not all(_constant(document, _argument(call, part)) for part in _NAME_PARTS):
        return None  # a factory: each call may ask for a metric of its own name
    if isinstance(function, ast.Lambda):
        return f"`{metric}` is registered each time a lambda runs, so calling it twice raises `Duplicated timeseries`"
    if _is_cached(document, function) or _is_singleton_init(document, function):
        return None
    names = [s.name for s in document.enclosing_scopes(call) if not isinstance(s, ast.Lambda)]
    if function.name == "__init__" and len(names) > 1:
        consequence = f"creating a second `{names[-2]}` raises"
    else:
        consequence = "calling it twice raises"
    return f"`{metric}` is registered each time `{'.'.join(names)}` runs, so {consequence} `Duplicated timeseries`"


def _constant(document: PythonDocument, expression: ast.expr | None) -> bool:
    """Whether an argument is the same at every call: absent, a literal, or a module-level name."""
    if expression is None or isinstance(expression, ast.Constant):
        return True
    if isinstance(expression, ast.JoinedStr):
        return all(isinstance(value, ast.Constant) for value in expression.values)
    return isinstance(expression, ast.Name) and expression.id in document.module_level_names


def _guarded(document: PythonDocument, call: ast.Call, at_module_level: bool) -> bool:
    """Whether a duplicate registration is caught, or tested for, around `call` (within its function)."""
    outer = document.enclosing(call, ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)
    inner = [
        node
        for node in document.enclosing(call, ast.Try, ast.TryStar, ast.If, ast.IfExp, ast.With, ast.AsyncWith)
        if not outer or _inside(node, outer[-1])
    ]
    for node in inner:
        if isinstance(node, ast.Try | ast.TryStar):
            if _inside(call, *node.body) and any(_catches_duplicates(document, h.type) for h in node.handlers):
                return True
        elif isinstance(node, ast.With | ast.AsyncWith):
            if any(_suppresses_duplicates(document, item.context_expr) for item in node.items):
                return True
        elif _guard_test(document, node.test, at_module_level):
            return True
    return bool(outer) and _returns_early(document, call, outer[-1])


def _returns_early(document: PythonDocument, call: ast.Call, function: ast.AST) -> bool:
    """Whether the function returns (or raises) under a test of whether the metric exists
    before the statement that creates it: `if NAME in REGISTRY: return REGISTRY[NAME]`."""
    body = function.body if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef) else []
    for statement in body:
        if _inside(call, statement):
            return False
        if (
            isinstance(statement, ast.If)
            and _guard_test(document, statement.test, at_module_level=True)  # a test of the registry
            and isinstance(statement.body[-1], ast.Return | ast.Raise)
        ):
            return True
    return False


def _inside(node: ast.AST, *within: ast.AST) -> bool:
    """Whether `node` lies within the source range of the nodes `within` (from the first to the last)."""
    first, last = within[0], within[-1]
    start = (node.lineno, node.col_offset)  # type: ignore[attr-defined]
    end = (node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
    return (first.lineno, first.col_offset) <= start and end <= (last.end_lineno, last.end_col_offset)  # type: ignore[attr-defined]


def _catches_duplicates(document: PythonDocument, caught: ast.expr | None) -> bool:
    if caught is None:
        return True
    if isinstance(caught, ast.Tuple):
        return any(_catches_duplicates(document, element) for element in caught.elts)
    name = document.qualified_name(caught) or getattr(caught, "id", "")
    return name.rpartition(".")[2] in _CATCHES_DUPLICATES


def _suppresses_duplicates(document: PythonDocument, context: ast.expr) -> bool:
    """`contextlib.suppress(ValueError)` and the like."""
    return (
        isinstance(context, ast.Call)
        and (document.qualified_name(context.func) or getattr(context.func, "id", None))
        in ("contextlib.suppress", "suppress")
        and any(_catches_duplicates(document, argument) for argument in context.args)
    )


def _guard_test(document: PythonDocument, test: ast.expr, at_module_level: bool) -> bool:
    """Whether an `if` around a metric tests whether it exists (or runs once).

    At the top level only a test of the registry counts: anything else the module
    defines is new at each import. `if __name__ == "__main__":` runs once per process.
    """
    if at_module_level:
        if is_main_test(test):
            return True
        return any(
            (isinstance(n, ast.Attribute) and n.attr == "_names_to_collectors")
            or (isinstance(n, ast.Name | ast.Attribute) and (document.qualified_name(n) or "").endswith("REGISTRY"))
            for n in ast.walk(test)
        )
    for node in ast.walk(test):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, ast.In | ast.NotIn | ast.Is | ast.IsNot) for op in node.ops
        ):
            return True
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return True
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "hasattr":
            return True
    return False


def _fresh_registry(document: PythonDocument, call: ast.Call, function: _Function | None) -> bool:
    """Whether the metric goes to no registry, or to one created anew with its module (or
    its function call), or to a registry the function is given by its caller."""
    registry = _argument(call, "registry")
    if registry is None:
        return False
    if is_none(registry):
        return True
    if _creates_registry(document, registry):
        return True
    if _instance_registry(document, registry, call):
        return True
    if not isinstance(registry, ast.Name):
        return False
    if function is not None:
        parameters = function.args
        names = [*parameters.posonlyargs, *parameters.args, *parameters.kwonlyargs]
        if registry.id in {a.arg for a in names}:
            return True
        body = function.body if isinstance(function.body, list) else []
        return any(_assigns_registry(document, node, registry.id) for s in body for node in ast.walk(s))
    return any(_assigns_registry(document, statement, registry.id) for statement in document.tree.body)


def _instance_registry(document: PythonDocument, registry: ast.expr, call: ast.Call) -> bool:
    """Whether the registry is `self.<name>`, which the class sets to one it creates, or to one
    its caller gives (`self.registry = registry or CollectorRegistry()`): each instance
    registers on its own."""
    if not (isinstance(registry, ast.Attribute) and isinstance(registry.value, ast.Name)):
        return False
    classes = document.enclosing(call, ast.ClassDef)
    if not classes:
        return False
    owner = registry.value.id
    return any(
        isinstance(node, ast.Assign | ast.AnnAssign)
        and node.value is not None
        and any(
            isinstance(target, ast.Attribute)
            and target.attr == registry.attr
            and isinstance(target.value, ast.Name)
            and target.value.id == owner
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
        and any(_creates_registry(document, part) for part in ast.walk(node.value) if isinstance(part, ast.expr))
        for node in ast.walk(classes[-1])
    )


def _assigns_registry(document: PythonDocument, statement: ast.AST, name: str) -> bool:
    return (
        isinstance(statement, ast.Assign)
        and any(isinstance(target, ast.Name) and target.id == name for target in statement.targets)
        and _creates_registry(document, statement.value)
    ) or (
        isinstance(statement, ast.AnnAssign)
        and isinstance(statement.target, ast.Name)
        and statement.target.id == name
        and statement.value is not None
        and _creates_registry(document, statement.value)
    )


def _creates_registry(document: PythonDocument, expression: ast.expr) -> bool:
    """Whether `expression` makes a new registry: prometheus_client's `CollectorRegistry()`,
    or an instance of a class named as a registry, which a project or a library derives
    from it (synapse's `DynamicCollectorRegistry()`, imported from a module of its own)."""
    if not isinstance(expression, ast.Call):
        return False
    module, _, name = (document.qualified_name(expression.func) or "").rpartition(".")
    if name == "CollectorRegistry" and module in {*_PROMETHEUS_MODULES, "prometheus_client.registry"}:
        return True
    return _REGISTRY_CLASS.fullmatch(last_name(expression.func) or "") is not None


def _is_cached(document: PythonDocument, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A `functools.cache` or `lru_cache` function runs once per argument."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (document.qualified_name(target) or getattr(target, "id", None)) in _CACHING_DECORATORS:
            return True
    return False


def _is_singleton_init(document: PythonDocument, function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether `function` is the `__init__` of a singleton: a module-level class the module
    instantiates only behind a test (`if INSTANCE is None:`), or whose metaclass or base is
    a singleton by name."""
    if function.name != "__init__":
        return False
    owner = next(
        (
            statement
            for statement in document.tree.body
            if isinstance(statement, ast.ClassDef) and function in statement.body
        ),
        None,
    )
    if owner is None:
        return False
    bases = [*owner.bases, *(keyword.value for keyword in owner.keywords)]
    if any("singleton" in ast.unparse(base).lower() for base in bases):
        return True
    instantiations = [
        node
        for node in document.nodes_mentioning([owner.name], ast.Call)
        if isinstance(node.func, ast.Name) and node.func.id == owner.name
    ]
    return bool(instantiations) and all(
        _guarded(
            document, node, at_module_level=not any(isinstance(s, _Function) for s in document.enclosing_scopes(node))
        )
        for node in instantiations
    )
