"""The double-import harness: does a module with Prometheus metrics survive being imported twice?

`python -m worker` runs worker.py as `__main__`, and a later `import worker` runs it
again under its own name; both copies register their metrics in one process. This
harness does the same in a fresh interpreter, with the real prometheus_client:

1. it executes the file under two module names (its real dotted name when given,
   so that its package and relative imports resolve, then a sibling name);
2. it finds the metrics each copy holds (module globals, their dict, list and tuple
   items, class attributes), and for each one that both copies hold, uses it from
   both: `inc()`, `observe()`, `set()`, `info()`, `state()`, on a child when it has
   labels;
3. it reads the values back from the registry: a metric registered in one registry
   by both copies must be one shared collector that counted both uses;
4. given the module's unfixed source, it checks that every global the original
   module defines is still there, of the same type (and the same value, for plain
   constants).

Used by the tests (every HF302 golden `after`) and by `scripts/ecosystem`. Run as a
script, it is the child that does the work: `python reimport.py REQUEST_JSON`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

SECOND = "__hardenfix_second"
"""Suffix of the second copy's module name: a sibling in the same package."""


@dataclass
class Outcome:
    problems: list[str] = field(default_factory=list)
    """Empty when the module passed."""
    metrics: int = 0
    """Metrics used from both copies."""

    @property
    def ok(self) -> bool:
        return not self.problems


def double_import(
    path: Path,
    *,
    module: str | None = None,
    sys_path: Sequence[Path] = (),
    original: Path | None = None,
    original_sys_path: Sequence[Path] = (),
    python: str = sys.executable,
    timeout: float = 60,
) -> Outcome:
    """Import `path` twice in a fresh `python` and use its metrics from both copies.

    `module` is its dotted name, importable with `sys_path` in front; without one it
    is loaded from its file alone. `original` is the unfixed source of the same
    module (importable with `original_sys_path`), whose globals the fixed one must
    keep; it is imported once, in an interpreter of its own.
    """

    def request(file: Path, paths: Sequence[Path], **more: object) -> dict[str, object]:
        file, paths = file.resolve(), [p.resolve() for p in paths]
        root = paths[0] if paths else file.parent
        return {"path": str(file), "module": module, "sys_path": [str(p) for p in paths], "root": str(root), **more}

    expected = None
    if original is not None:
        snapshot = _child(python, request(original, original_sys_path, snapshot=True), timeout)
        if snapshot.get("problems"):
            return Outcome([f"the original module does not import once: {snapshot['problems'][0]}"])
        expected = snapshot["globals"]
    result = _child(python, request(path, sys_path), timeout)
    outcome = Outcome(list(result.get("problems", [])), result.get("metrics", 0))
    if expected is not None and not outcome.problems:
        for copy in ("first", "second"):
            outcome.problems.extend(_changed_globals(expected, result["globals"][copy], copy))
    return outcome


def _child(python: str, request: dict[str, object], timeout: float) -> dict:
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    environment.pop("PROMETHEUS_MULTIPROC_DIR", None)
    environment.pop("prometheus_multiproc_dir", None)
    try:
        process = subprocess.run(
            [python, str(Path(__file__).resolve()), json.dumps(request)],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
            stdin=subprocess.DEVNULL,
            cwd=Path(str(request["path"])).parent,
        )
    except subprocess.TimeoutExpired:
        return {"problems": [f"timed out after {timeout:.0f} s"]}
    last = process.stdout.strip().rpartition("\n")[2]
    if not last.startswith("{"):
        return {"problems": [f"exit {process.returncode}: {_last_line(process.stderr)}"]}
    return json.loads(last)


def _changed_globals(expected: dict[str, list], actual: dict[str, list], copy: str) -> list[str]:
    problems = []
    for name, (kind, value) in expected.items():
        if name not in actual:
            problems.append(f"the {copy} copy lost the global `{name}`")
        elif actual[name][0] != kind:
            problems.append(f"the {copy} copy's `{name}` is a {actual[name][0]}, not a {kind}")
        elif actual[name][1] != value:
            problems.append(f"the {copy} copy's `{name}` is {actual[name][1]}, not {value}")
    return problems


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else "no output"


# -- the child ------------------------------------------------------------------

_PLAIN = (int, float, str, bytes, bool, type(None))


def _run(request: dict) -> dict:
    import importlib
    import importlib.util
    import traceback

    sys.path[:0] = request["sys_path"]
    path, module_name = request["path"], request["module"]
    import prometheus_client  # noqa: F401  (the real one, before the module's own imports)

    def load(name: str):
        if request["module"] and name == module_name:
            return importlib.import_module(name)
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        loaded = importlib.util.module_from_spec(spec)
        sys.modules[name] = loaded
        spec.loader.exec_module(loaded)
        return loaded

    first_name = module_name or "hardenfix_first"
    copies = {}
    for copy, name in (("first", first_name), ("second", first_name + SECOND)):
        try:
            copies[copy] = load(name)
        except BaseException as error:  # noqa: BLE001  (anything the module raises is the finding)
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            return {"problems": [f"the {copy} import raised {type(error).__name__}: {error} ({where})"]}
        if request.get("snapshot"):
            return {"globals": _globals(copies[copy], request["root"])}
    problems: list[str] = []
    metrics = {copy: dict(_metrics(module)) for copy, module in copies.items()}
    registries = _registries()
    used = 0
    for place, first in metrics["first"].items():
        second = metrics["second"].get(place)
        if second is None:
            continue
        used += 1
        try:
            problems.extend(f"`{place}`: {problem}" for problem in _use_both(first, second, registries))
        except Exception as error:  # noqa: BLE001  (a metric the harness cannot use is a finding too)
            problems.append(f"`{place}`: using it raised {type(error).__name__}: {error}")
    return {
        "problems": problems,
        "metrics": used,
        "globals": {copy: _globals(module, request["root"]) for copy, module in copies.items()},
    }


def _globals(module, root: str) -> dict[str, list]:
    """Each global the module defines itself: its type, and a fingerprint of its value (a
    constant's value, a dict's keys, a function's signature), with `root` spelt ROOT.

    Values are looked at through their type only: a lazy proxy (Django's settings)
    would run code on any other access.
    """
    import inspect
    import types

    found = {}
    for name, value in vars(module).items():
        kind = type(value)
        function = issubclass(kind, types.FunctionType)
        defined_in = value.__module__ if issubclass(kind, type) or function else kind.__module__
        if name.startswith("__") or defined_in not in (module.__name__, "builtins"):
            continue
        if kind in _PLAIN or (kind is tuple and all(type(v) in _PLAIN for v in value)):
            fingerprint = repr(value)
        elif kind is dict:
            fingerprint = f"keys {sorted(map(repr, value))}"
        elif function:
            fingerprint = f"signature {inspect.signature(value)}"
        else:
            fingerprint = None
        found[name] = [kind.__name__, fingerprint and fingerprint.replace(root, "ROOT")]
    return found


def _metrics(module):
    """(place, metric) for every metric the module holds where a caller would find it."""
    from prometheus_client.metrics import MetricWrapperBase

    def within(place: str, value, depth: int):
        kind = type(value)
        if issubclass(kind, MetricWrapperBase):
            yield place, value
        elif depth == 0:
            return
        elif kind is dict:
            for key, item in list(value.items()):
                yield from within(f"{place}[{key!r}]", item, depth - 1)
        elif kind in (list, tuple):
            for index, item in enumerate(value):
                yield from within(f"{place}[{index}]", item, depth - 1)
        elif issubclass(kind, type) and value.__module__ == module.__name__:
            for attribute, item in list(vars(value).items()):
                yield from within(f"{place}.{attribute}", item, depth - 1)

    for name, value in list(vars(module).items()):
        if not name.startswith("__"):
            yield from within(name, value, 2)


def _registries() -> list:
    """Every registry in the process: the default one, and any other a module made."""
    import gc

    from prometheus_client import CollectorRegistry

    # type(), not isinstance(): a lazy proxy (Django's settings) runs code when asked its class.
    return [o for o in gc.get_objects() if issubclass(type(o), CollectorRegistry)]


def _registry_of(metric, registries):
    return next((r for r in registries if metric in r._collector_to_names), None)


def _use_both(first, second, registries) -> list[str]:
    """Use the metric from both copies and read what the registry reports."""
    registry = _registry_of(first, registries)
    others = {"first": registry, "second": _registry_of(second, registries)}
    if None in others.values() and registry is not others["second"]:
        lost = next(copy for copy, found in others.items() if found is None)
        return [f"the {lost} copy's metric is in no registry: what it counts is never reported"]
    if registry is not others["second"] or registry is None:
        # Never registered, or each copy has a registry of its own: nothing can clash.
        _use(first, "first")
        _use(second, "second")
        return []
    if first is not second:
        return ["the two imports registered two collectors in one registry"]
    before = _value(first, registry)
    _use(first, "first")
    _use(second, "second")
    after = _value(first, registry)
    if first._type in ("counter", "gauge", "histogram", "summary"):
        if "_child_samples" in vars(first):  # a gauge with set_function: its own value
            return []
        if after != before + 2:
            return [f"counted {after - before} of 2 uses in the registry"]
    elif after != 1:
        return [f"the registry reports {after} for the state both copies set"]
    return []


def _labels(metric) -> dict[str, str]:
    return dict.fromkeys(metric._labelnames, "hardenfix")


def _use(metric, copy: str) -> None:
    child = metric.labels(**_labels(metric)) if metric._labelnames else metric
    kind = metric._type
    if kind == "counter" or kind == "gauge":
        child.inc()
    elif kind in ("histogram", "summary"):
        child.observe(1.0)
    elif kind == "info":
        child.info({"hardenfix_copy": copy})
    elif kind == "stateset":
        child.state(metric._states[-1] if copy == "second" else metric._states[0])


def _value(metric, registry) -> float:
    """What the registry reports for the metric's child with the harness's labels."""
    name = metric.describe()[0].name
    sample, labels = {
        "counter": (f"{name}_total", {}),
        "gauge": (name, {}),
        "histogram": (f"{name}_count", {}),
        "summary": (f"{name}_count", {}),
        "info": (f"{name}_info", {"hardenfix_copy": "second"}),
        "stateset": (name, {name: metric._states[-1]} if hasattr(metric, "_states") else {}),
    }[metric._type]
    value = registry.get_sample_value(sample, {**_labels(metric), **labels})
    return 0.0 if value is None else value


if __name__ == "__main__":
    try:
        outcome = _run(json.loads(sys.argv[1]))
    except Exception as error:  # noqa: BLE001  (reported, with the harness's own failure named)
        outcome = {"problems": [f"the harness failed: {type(error).__name__}: {error}"]}
    sys.stdout.flush()
    print("\n" + json.dumps(outcome, default=str))
