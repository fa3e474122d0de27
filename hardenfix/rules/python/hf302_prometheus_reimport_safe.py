from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.python import PythonDocument, Scope

_METRIC_CLASSES = frozenset({"Counter", "Gauge", "Histogram", "Summary", "Info", "Enum"})
_METRIC_MODULES = ("prometheus_client", "prometheus_client.metrics")
_DEFAULT_REGISTRY = frozenset({"prometheus_client.REGISTRY", "prometheus_client.registry.REGISTRY"})
_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")
_MODULE_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")

_HELPER_NAME = "_get_or_create_metric"
_HELPER = '''\
_metrics = {}


def _get_or_create_metric(cls, name, documentation, **kwargs):
    """Return the metric `name`, creating and registering it only once.

    Importing a module twice (`python -m worker` runs it as `__main__`, and a
    later `import worker` runs it again) registers its metrics twice, and
    prometheus_client raises "Duplicated timeseries in CollectorRegistry".
    """
    key = "_".join(part for part in (kwargs.get("namespace"), kwargs.get("subsystem"), name) if part)
    if key not in _metrics:
        try:
            _metrics[key] = cls(name, documentation, **kwargs)
        except ValueError:
            from prometheus_client import REGISTRY

            registry = kwargs.get("registry") or REGISTRY
            # The registry's private name map: read only to recover the metric
            # the other import of this module registered.
            existing = registry._names_to_collectors.get(key)
            if not isinstance(existing, cls):
                raise
            _metrics[key] = existing
    return _metrics[key]'''


@dataclass(frozen=True)
class Options:
    metrics_helper: str = ""
    """`module:function` of the project's own get-or-create helper, imported instead of
    inserting one into every module: `services.common.metrics:get_or_create_metric`."""

    def __post_init__(self) -> None:
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
    `Info`, `Enum` from `prometheus_client`, however imported) created when a
    module is imported, and routes each one through a get-or-create helper
    keyed by the metric's name. The helper, a small cache and function, is
    inserted once after the module's imports, or imported from the module
    named by the `metrics-helper` option.

    ## Why is this bad?
    A metric registers itself in the default registry when it is created.
    When the module runs twice in one process (`python -m worker` runs it as
    `__main__`, and a later `import worker` runs it again), the second
    registration raises `ValueError: Duplicated timeseries in
    CollectorRegistry` and the service does not start.

    ## Example
    ```python
    from prometheus_client import Counter

    REQUEST_COUNTER = Counter("svc_requests_total", "Total", labelnames=("status",))
    ```

    ## Use instead
    ```python
    from prometheus_client import Counter

    _metrics = {}


    def _get_or_create_metric(cls, name, documentation, **kwargs):
        ...  # returns the cached metric, creates it, or finds it in the registry


    REQUEST_COUNTER = _get_or_create_metric(Counter, "svc_requests_total", "Total", labelnames=("status",))
    ```

    ## Fix safety
    Safe: every argument is passed on unchanged, and a metric that was never
    registered before is created exactly as before. Only a second creation
    under the same name changes: it returns the existing metric instead of
    raising. The helper reads the registry's private name map only for that
    fallback, and raises the original error when it finds no metric of the
    same class there.

    Metrics created inside functions or classes, or with `registry=None` or a
    registry other than the default, are reported without a fix: whether one
    instance should be shared there is a design decision.

    ## Options
    - `metrics-helper` (default: insert the helper): `module:function` of the
      project's own helper, with the signature `(cls, name, documentation, **kwargs)`,
      imported instead: `"services.common.metrics:get_or_create_metric"`.
    """

    code = "HF302"
    slug = "prometheus-reimport-safe"
    kind = FileKind.PYTHON
    category = Category.RELIABILITY
    summary = "Prometheus metric that fails when its module is imported twice"
    fix_safety = FixSafety.SAFE
    Options = Options
    prefilter = re.compile(rb"prometheus_client")

    def check(self, document: PythonDocument) -> Iterator[Finding]:
        # A metric is created through a name imported from prometheus_client.
        imported = [
            binding.name
            for binding in document.bindings.values()
            if binding.qualified_name.partition(".")[0] == "prometheus_client" and not binding.type_checking_only
        ]
        calls = [node for node in document.nodes_mentioning(imported, ast.Call) if self._metric(document, node)]
        for call in sorted(calls, key=lambda node: (node.lineno, node.col_offset)):
            start, end = document.span(call.func)
            problem = _problem(document, call, document.enclosing_scopes(call), self._metric(document, call))
            if problem.no_fix is not None:
                yield self.finding(document, start, end, f"{problem.message} (no fix: {problem.no_fix})")
            else:
                fix = self.deferred_fix(
                    "Create it through a get-or-create helper", functools.partial(self._edits, document, call)
                )
                yield self.finding(document, start, end, problem.message, fix)

    @staticmethod
    def _metric(document: PythonDocument, call: ast.Call) -> str | None:
        """`Counter` when `call` creates a prometheus_client Counter, and so on."""
        module, _, name = (document.qualified_name(call.func) or "").rpartition(".")
        return name if module in _METRIC_MODULES and name in _METRIC_CLASSES else None

    def _edits(self, document: PythonDocument, call: ast.Call) -> list[Edit]:
        import libcst

        if self.options.metrics_helper:
            module, _, function = self.options.metrics_helper.partition(":")
            helper, helper_edit = document.add_import(module, function)
        else:
            helper, helper_edit = _HELPER_NAME, None
            if _HELPER_NAME not in document.module_level_names:
                helper_edit = document.insert_lines(
                    document.after_imports(), _HELPER.split("\n"), blank_before=2, blank_after=2
                )
        node = document.cst_node(call, libcst.Call)
        # On the line of the opening parenthesis when the arguments start there,
        # on a line of its own when they start on the next one.
        after_class = node.whitespace_before_args
        if not isinstance(after_class, libcst.ParenthesizedWhitespace):
            after_class = libcst.SimpleWhitespace(" ")
        metric_class = libcst.Arg(node.func, comma=libcst.Comma(whitespace_after=after_class))
        wrapped = node.with_changes(func=libcst.parse_expression(helper), args=[metric_class, *node.args])
        edits = [document.rewrite(node, wrapped)]
        if helper_edit is not None:
            edits.append(helper_edit)
        return edits


@dataclass(frozen=True, slots=True)
class _Problem:
    message: str
    no_fix: str | None = None


def _problem(document: PythonDocument, call: ast.Call, scopes: list[Scope], metric: str | None) -> _Problem:
    if scopes:
        inner = scopes[-1]
        if isinstance(inner, ast.Lambda):
            where = "a lambda"
        else:
            where = f"{'class' if isinstance(inner, ast.ClassDef) else 'function'} `{inner.name}`"
        return _Problem(
            f"`{metric}` is created and registered inside {where}: running it twice raises `Duplicated timeseries`",
            "whether every run should share one metric is a design decision",
        )
    registry = next((keyword.value for keyword in call.keywords if keyword.arg == "registry"), None)
    if isinstance(registry, ast.Constant) and registry.value is None:
        return _Problem(
            f"`{metric}` is created with `registry=None` when the module is imported",
            "it is never registered, and sharing one instance between imports would change behaviour",
        )
    if registry is not None and document.qualified_name(registry) not in _DEFAULT_REGISTRY:
        return _Problem(
            f"`{metric}` is registered in a custom registry when the module is imported:"
            " importing the module twice raises `Duplicated timeseries` if the registry outlives the first import",
            "whether that registry is shared between imports needs a person to check",
        )
    return _Problem(
        f"`{metric}` is registered when the module is imported: importing it twice"
        " (`python -m` and `import`) raises `Duplicated timeseries`"
    )
