"""HF303 on running code: a fixed handler returns or assigns exactly what it did and logs
the traceback; where the rule looks, and where its fix may import `logging`."""

from __future__ import annotations

import importlib.util
import json
import logging
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from golden import ROOT, Case
from hardenfix import config
from hardenfix.cache import Cache
from hardenfix.engine import Engine
from hardenfix.model import FileKind, Outcome
from hardenfix.runner import Mode, run

CASES = ROOT / "python" / "HF303-broad-except-silent-default"
RUFF = Path(sys.executable).with_name("ruff")


class Boom:
    """Fails at whatever is asked of it: an attribute, an item, a call."""

    def __getattr__(self, name: str) -> Any:
        raise RuntimeError(f"no {name} today")

    def __getitem__(self, key: object) -> Any:
        raise RuntimeError(f"no {key} today")

    def __call__(self, *args: object) -> Any:
        raise RuntimeError("no call today")


def _raise(*args: object) -> Any:
    raise RuntimeError("compute failed")


# For each golden case with fixes: calls that take each fixed handler down its failure
# path, and the name of the logger the fix must log to (None: the module's own).
FailurePath = tuple[Callable[[ModuleType], object], str | None]
FAILURE_PATHS: dict[str, list[FailurePath]] = {
    "adds-logger": [
        (lambda m: m.upload_report(Boom(), "/nonexistent/report.json"), None),
        (lambda m: m.load_orders(Boom()), None),
        (lambda m: m.take_out_of_group(_raise, "ann", "wheel"), None),
    ],
    "assigned-default": [
        (lambda m: m.Quote(Boom()).price, None),
        (lambda m: m.parse_address("no-port"), None),
    ],
    "class-logger": [
        (lambda m: m.Spawner().port(Boom()), "Spawner"),
        (lambda m: m.Proxy().routes(Boom()), "proxy"),
        (lambda m: m.Proxy.ping(Boom()), None),
        (lambda m: m.Hub().user_count(Boom()), "hub"),
    ],
    "docstring-future": [(lambda m: m.price("sku-1", Boom()), None)],
    "existing-logger": [(lambda m: m.fetch_rate(Boom(), "EUR"), None)],
    "kept-default": [
        (lambda m: m.max_connections({}), None),
        (lambda m: m.cached_rate(Boom(), "EUR"), None),
        (lambda m: m.first_line("/nonexistent/file"), None),
        (lambda m: m.load_flag(Boom(), "beta"), None),
    ],
    "logger-alias": [
        (lambda m: m.Billing().compute(), "billing"),
        (lambda m: type("Failing", (m.Billing,), {"compute": _raise})().total(), "billing"),
    ],
    "named-logger": [
        (lambda m: m.fetch_price(Boom(), "sku-1"), "shop.application"),
        (lambda m: m.parse_quantity("many"), "shop.general"),
    ],
    "no-imports": [(lambda m: m.parse_port("http"), None)],
    "one-line-handlers": [(lambda m: m.size(Boom()), None), (lambda m: m.name(Boom()), None)],
    "suppress": [(lambda m: m.timeout({}), None), (lambda m: m.version(Boom()), None)],
    # Importing the module is the failure path: LEVEL is not set.
    "import-time": [(lambda m: (m.WORKERS, m.LEVEL), None)],
}


def _load(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fixable_findings(case: str) -> int:
    findings = json.loads((CASES / case / "findings.json").read_text())
    return sum(1 for finding in findings if finding["fix"] is not None)


def test_every_fixed_golden_handler_is_run_down_its_failure_path() -> None:
    with_fixes = {folder.name for folder in CASES.iterdir() if _fixable_findings(folder.name)}
    assert set(FAILURE_PATHS) == with_fixes
    for case, paths in FAILURE_PATHS.items():
        assert len(paths) == _fixable_findings(case), case


@pytest.mark.parametrize(
    ("case", "index"), [(case, index) for case, paths in FAILURE_PATHS.items() for index in range(len(paths))]
)
def test_a_fixed_handler_gives_what_it_gave_and_logs_the_traceback(
    case: str, index: int, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    call, logger_name = FAILURE_PATHS[case][index]
    monkeypatch.delenv("WORKERS", raising=False)
    monkeypatch.delenv("LEVEL", raising=False)
    monkeypatch.setattr(sys, "path", list(sys.path))  # a module may change it
    module_name = f"hf303_{case.replace('-', '_')}"
    with caplog.at_level(logging.DEBUG):
        before = call(_load(CASES / case / "before.py", module_name))
        assert caplog.records == []  # the failure was silent
        after = call(_load(CASES / case / "after.py", module_name))
    assert after == before
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.name == (logger_name or module_name)
    assert record.exc_info is not None and record.exc_info[0] is not None
    assert "Traceback (most recent call last)" in caplog.text


def test_fixes_keep_module_imports_at_the_top() -> None:
    """No fixed file has an import after code that its original did not have (ruff's E402)."""

    def e402(path: Path) -> int:
        completed = subprocess.run(
            [RUFF, "check", "--isolated", "--no-cache", "--select", "E402", "--output-format", "json", path],
            capture_output=True,
            text=True,
        )
        return len(json.loads(completed.stdout))

    for folder in sorted(CASES.iterdir()):
        case = Case(folder, FileKind.PYTHON)
        assert e402(case.after) == e402(case.before), folder.name


# -- where the rule looks ------------------------------------------------------------

RETURNED_DEFAULT = (
    "def rate(client):\n    try:\n        return client.rate()\n    except Exception:\n        return 0.0\n"
)


def _findings(tree: Path, tmp_path: Path, cache: bool = False) -> dict[str, list[str]]:
    engine = Engine(config.Settings(select=("HF303",)).rules(), unsafe_fixes=True)
    results = run([tree], engine, Mode.CHECK, tree, cache=Cache.open(tmp_path) if cache else None)
    return {
        result.display_path: [finding.message for finding in result.findings]
        for result in results
        if result.kind is FileKind.PYTHON
    }


@pytest.mark.parametrize(
    "path", ["tests/rates.py", "app/test/rates.py", "test_rates.py", "app/rates_test.py", "app/conftest.py"]
)
def test_test_files_are_not_checked(tmp_path: Path, path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "project"
    for relative in (path, "app/rates.py"):
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_text(RETURNED_DEFAULT)
    monkeypatch.chdir(tree)
    found = _findings(tree, tmp_path)
    assert found[path] == []
    assert len(found["app/rates.py"]) == 1


def test_a_test_file_is_not_even_parsed() -> None:
    engine = Engine(config.Settings(select=("HF303",)).rules())
    data = RETURNED_DEFAULT.encode()
    assert engine.needs_parse(FileKind.PYTHON, data, Path("app/rates.py"))
    assert not engine.needs_parse(FileKind.PYTHON, data, Path("tests/rates.py"))


def test_a_tests_folder_above_the_working_directory_does_not_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tests" / "project"
    (tree / "app").mkdir(parents=True)
    (tree / "app" / "rates.py").write_text(RETURNED_DEFAULT)
    monkeypatch.chdir(tree)
    assert len(_findings(tree, tmp_path)["app/rates.py"]) == 1


def test_the_cache_keeps_a_test_file_and_its_copy_apart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "project"
    for relative in ("tests/rates.py", "app/rates.py"):
        (tree / relative).parent.mkdir(parents=True, exist_ok=True)
        (tree / relative).write_text(RETURNED_DEFAULT)
    monkeypatch.chdir(tree)
    cold = _findings(tree, tmp_path, cache=True)
    warm = _findings(tree, tmp_path, cache=True)
    assert cold == warm
    assert (len(warm["tests/rates.py"]), len(warm["app/rates.py"])) == (0, 1)


# -- where the fix may import logging -----------------------------------------------


@pytest.mark.parametrize(
    ("path", "fixable"),
    [
        ("traceback.py", False),  # importing logging imports traceback
        ("re/_parser.py", False),  # ... and re._parser, in the `re` package
        ("logging/handlers.py", False),  # a logging package
        ("app/logging.py", False),
        ("app/traceback.py", True),  # a module of the app's own, not the standard library's
        ("json/decoder.py", True),  # logging does not import json
    ],
)
def test_logging_is_never_imported_into_a_module_it_imports(
    tmp_path: Path, path: str, fixable: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / path
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.parent != tmp_path:
        (target.parent / "__init__.py").write_text("")
    target.write_text(RETURNED_DEFAULT)
    monkeypatch.chdir(tmp_path)
    [message] = _findings(tmp_path, tmp_path / "cache")[path]
    assert ("(unsafe fix:" in message) is fixable, message
    if not fixable:
        assert "logging" in message


def test_a_fixed_stdlib_named_module_still_imports_first(tmp_path: Path) -> None:
    """`import logging` placed at the top of a module that logging does not import: a fresh
    interpreter imports the fixed module, then logging, without a circular import."""
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    module = package / "traceback.py"
    module.write_text("import os\n\n\n" + RETURNED_DEFAULT)
    engine = Engine(config.Settings(select=("HF303",)).rules(), unsafe_fixes=True)
    [result] = run([module], engine, Mode.WRITE, tmp_path)
    assert result.outcome is Outcome.CHANGED
    assert "logger.exception(" in module.read_text()
    program = "import app.traceback, logging; print(app.traceback.rate(None))"
    completed = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True, text=True)
    assert completed.stdout.strip() == "0.0", completed.stderr
    assert "rate failed; using a default" in completed.stderr
    assert "AttributeError: 'NoneType' object has no attribute 'rate'" in completed.stderr


def _wrapped(clause: str, handler: str = "return 0") -> str:
    return f"def rate(client):\n    try:\n        return client.rate()\n    {clause}\n        {handler}\n"


_ELSEWHERE = "".join(f"\n\ndef helper_{number}(value):\n    return value + {number}\n" for number in range(40))
"""The rest of a module, where a `try` is a small part of it (see `_TriesAlone`)."""

ADMITTED = {
    "bare": _wrapped("except:"),
    "Exception": _wrapped("except Exception:"),
    "BaseException": _wrapped("except BaseException:"),
    "builtins": "import builtins\n\n\n" + _wrapped("except builtins.BaseException as error:"),
    "tuple": _wrapped("except (KeyError, BaseException):"),
    "tuple over lines": _wrapped("except (\n        KeyError,  # missing: fine\n        Exception,\n    ):"),
    "comment, string and pass first": _wrapped(
        "except Exception:  # why", '# because\n        "fine"\n        pass\n        return ()'
    ),
    "bare return": _wrapped("except Exception:", "return\n    return 1"),
    "bare return after comments": (
        "def load(name, registry):\n    try:\n        module = registry.load(name)\n"
        "    except Exception:\n        # not loaded\n        return\n    return module.VALUE\n"
    ),
    "negative number": _wrapped("except Exception:", "return - 1"),
    "empty constructor": _wrapped("except Exception:", "return dict( )"),
    "chained assignment": (
        "def rate(client):\n    try:\n        a = b = client.rate()\n    except Exception:\n        a = b = ''\n    return a\n"
    ),
    "tuple assignment": (
        "def rate(client):\n    try:\n        a, b = client.rate()\n    except Exception:\n        (a, b) = (1, 2)\n    return a\n"
    ),
    "annotated assignment": (
        "def rate(client):\n    try:\n        a: float = client.rate()\n    except Exception:\n        a: float = 0.0\n    return a\n"
    ),
    "one line": "def rate(client):\n    try: return client.rate()\n    except Exception: return 0",
    "kept after a constant": (
        "def rate(client):\n    rate = None\n    try:\n        rate = client.rate()\n    except Exception:\n"
        "        pass\n    return rate\n"
    ),
    "kept after a constant over lines": (
        "def rates(client):\n    rates = {\n        'eur': 1.0,\n    }\n    try:  # refreshed\n"
        "        rates = client.rates()\n    except Exception:\n        ...\n    return rates\n"
    ),
    "kept after a constant, statements between": (
        "import logging\n\n\ndef rate(client):\n    rate = None\n    if client.slow:\n        client.wait()\n"
        "    logging.info('asking')\n    try:\n        rate = client.rate()\n    except Exception:\n        pass\n"
        "    return rate\n"
    ),
    "kept after a constant over a line break": (
        "def rate(client):\n    rate = \\\n        None\n    try:\n        rate = client.rate()\n    except Exception:\n"
        "        pass\n    return rate\n"
    ),
    "kept after a constant above a string": (
        'def rate(client):\n    rate = None\n    query = """\nSELECT rate:\n    """\n    try:\n'
        "        rate = client.rate(query)\n    except Exception:\n        pass\n    return rate\n"
    ),
    "kept after an earlier handler": (
        "def rate(client):\n    rate = 0\n    try:\n        rate = client.rate()\n    except KeyError:\n"
        "        raise\n    except Exception:\n        pass\n    return rate\n"
    ),
    "returned after": _wrapped("except Exception:", "pass\n    return 0.0"),
    "kept at module level": "import client\n\nRATE = 1.0\ntry:\n    RATE = client.rate()\nexcept Exception:\n    pass\n",
    "suppress": (
        "from contextlib import suppress\n\n\ndef rate(client):\n"
        "    with suppress(\n        BaseException,\n    ):\n        return client.rate()\n    return 0\n"
    ),
    "a string in the handler below its block": (
        "def rate(client):\n    try:\n        rate = client.rate()\n    except Exception:\n"
        "        rate = '''\nnone'''\n    return rate\n"
    ),
    "a bracket in the handler below its block": (
        "def rate(client):\n    try:\n        rate = client.rate()\n    except Exception:\n"
        "        rate = [\n    0.0]\n    return rate\n"
    ),
    # Parsed from the `try:` in the string, the lines would be a `try` whose last handler
    # gives a default to nothing its block assigns.
    "a try, an earlier handler and a comment in a string of the block": (
        "def rate(client):\n    try:\n        rate = client.rate('''\n    try:\n        pass\n"
        "    except Exception:\n        raise  # ''')\n    except Exception:\n        rate = None\n    return rate\n"
        + _ELSEWHERE
    ),
}


@pytest.mark.parametrize("text", ADMITTED.values(), ids=ADMITTED.keys())
def test_every_finding_passes_the_byte_filter(text: str) -> None:
    from hardenfix.rules.python.hf303_broad_except_silent_default import BroadExceptSilentDefault
    from hardenfix.sources.python import parse

    assert list(BroadExceptSilentDefault().check(parse(text)))
    assert BroadExceptSilentDefault.might_apply(text.encode())


KEPT_OUT = {
    "pass after a block that only acts": "import os\n\n\ndef drop(path):\n    try:\n        os.remove(path)\n    except Exception:\n        pass\n",
    "pass after a computed value": (
        "def rate(client):\n    rate = client.cached()\n    try:\n        rate = client.rate()\n    except Exception:\n"
        "        pass\n    return rate\n"
    ),
    "pass, the try opening its block": "def refresh(client):\n    try:\n        client.refresh()\n    except BaseException:\n        pass\n",
}
"""Handlers the lines around show keep no default, and the file is not parsed for them."""

KEPT_OUT_BY_THE_TRY = {
    "a constant, then a raise": (
        "def wait(scope, process):\n    scope.shield = False\n    try:\n        process.wait()\n"
        "    except BaseException:\n        scope.shield = True\n        process.kill()\n        raise\n"
    ),
    "a block that imports": (
        "try:\n    import torch\n\n    DEVICE = torch.device('cuda')\nexcept Exception:  # no torch\n    DEVICE = 'cpu'\n"
    ),
    "an import in a block of the block": (
        "def device():\n    try:\n        if True:\n            import torch\n        device = torch.device('cuda')\n"
        "    except Exception:\n        device = 'cpu'\n    return device\n"
    ),
    "a flag the block does not assign": (
        "def run(client):\n    failed = False\n    try:\n        client.run()\n    except Exception:\n"
        "        failed = True\n    return failed\n"
    ),
    "a value computed in the handler": (
        "def fetch(client):\n    try:\n        playback = client.playback()\n    except Exception as error:\n"
        "        playback = {'error': str(error)}\n    return playback\n"
    ),
    "a constant after a block that computes nothing": (
        "def refresh(client):\n    try:\n        client.refresh()\n    except Exception:\n        return False\n    return True\n"
    ),
    "pass after a block that returns a constant": (
        "def refresh(client):\n    rate = None\n    try:\n        client.refresh()\n        return None\n"
        "    except Exception:\n        pass\n    return rate\n"
    ),
    "pass, a constant before the try the block does not assign": (
        "def refresh(client):\n    count = 0\n    try:\n        client.refresh()\n    except Exception:\n"
        "        pass\n    return count\n"
    ),
    "a later handler of the same try": (
        "def fetch(client):\n    try:\n        rate = client.rate()\n    except KeyError:\n        return None\n"
        "    except Exception:\n        rate = 0\n        raise\n    return rate\n"
    ),
}
"""Handlers only their `try` statement, parsed alone, shows keep no default."""


@pytest.mark.parametrize("text", KEPT_OUT.values(), ids=KEPT_OUT.keys())
def test_a_handler_that_only_passes_where_no_default_is_kept_is_not_parsed_for(text: str) -> None:
    """`except Exception: pass` keeps a default only after a `try` that returns or after a
    constant assigned before it in its block: elsewhere the file is not parsed for it,
    and parsed, it would have no finding."""
    from hardenfix.rules.python.hf303_broad_except_silent_default import BroadExceptSilentDefault
    from hardenfix.sources.python import parse

    assert not list(BroadExceptSilentDefault().check(parse(text)))
    assert not BroadExceptSilentDefault.might_apply(text.encode())


@pytest.mark.parametrize("text", KEPT_OUT_BY_THE_TRY.values(), ids=KEPT_OUT_BY_THE_TRY.keys())
def test_a_handler_its_try_shows_keeps_no_default_is_not_parsed_for(text: str) -> None:
    """A handler that does more than give a default, one after a block that imports or that
    computes nothing, one giving a default to nothing its block assigns: the `try`
    statement, parsed alone from its lines, says so, and the file is not parsed; parsed, it
    would have no finding."""
    from hardenfix.rules.python.hf303_broad_except_silent_default import BroadExceptSilentDefault
    from hardenfix.sources.python import parse

    text += _ELSEWHERE
    assert not list(BroadExceptSilentDefault().check(parse(text)))
    assert not BroadExceptSilentDefault.might_apply(text.encode())


def test_a_try_longer_than_half_the_file_is_not_parsed_alone() -> None:
    """Parsing the `try` statements alone costs at most half a parse of the file, each with
    what starting the parser costs: past that, the file is parsed, though its handlers keep
    no default."""
    from hardenfix.rules.python.hf303_broad_except_silent_default import BroadExceptSilentDefault

    def waiting(steps: int) -> bytes:
        block = "".join(f"        process.step({step})\n" for step in range(steps))
        return (
            f"def wait(scope, process):\n    try:\n{block}    except BaseException:\n"
            f"        scope.shield = True\n        raise\n{_ELSEWHERE}"
        ).encode()

    assert not BroadExceptSilentDefault.might_apply(waiting(2))
    assert BroadExceptSilentDefault.might_apply(waiting(80))


_STATEMENTS = (
    "rate = None",
    "rate = 0",
    "rate = client.cached()",
    "other = None",
    "client.log('asking')",
    "rate = (\n    None\n)",
    "rate = {\n    'eur': 1.0,\n}",
    "rate = \\\n    0.0",
    "# a comment",
    'query = """\nSELECT rate:\n"""',
    'query = """\n    SELECT rate:\n    """',
    '"""a string"""',
    "if client.slow:\n    client.wait()",
    "if client.slow:\n    rate = None",
    "for _ in range(3):\n    client.poke()",
)
_TRY_BODIES = (
    "rate = client.rate()",
    "return client.rate()",
    "client.refresh()",
    "other = client.rate()",
    "if client.ready:\n    return client.rate()",
    "rate, other = client.pair()",
    "import client\nrate = client.rate()",
)
_HANDLERS = (
    "pass",
    "...",
    "# no rate\npass",
    '"fine"\npass',
    "return None",
    "rate = None",
    "pass\nclient.log('x')",
    "rate = None\nraise",
    "other = None",
)
_AFTER = ("", "return rate", "return None", "return 0", "client.log(rate)")


def _indented(code: str, level: int) -> str:
    return "".join(" " * level + line + "\n" for line in code.splitlines())


@st.composite
def _kept_default_shapes(draw: st.DrawFn) -> str:
    """A function (or a module) around `try: ... except Exception: <handler>`, the
    statements before the `try`, the handler and what follows each drawn from shapes
    that keep a default and shapes that do not."""
    clause = draw(st.sampled_from(("except Exception:", "except:", "except (ValueError, Exception):")))
    lines = [
        *draw(st.lists(st.sampled_from(_STATEMENTS), max_size=3)),
        "try:",
        _indented(draw(st.sampled_from(_TRY_BODIES)), 4).rstrip("\n"),
        clause,
        _indented(draw(st.sampled_from(_HANDLERS)), 4).rstrip("\n"),
        draw(st.sampled_from(_AFTER)),
    ]
    body = "\n".join(lines)
    where = draw(st.sampled_from(("function", "nested", "module")))
    if where == "module":
        return "import client\n\n" + body.replace("return ", "RESULT = ") + "\n"
    if where == "nested":
        return "def rate(client, flag):\n    if flag:\n" + _indented(body, 8) + "    return 1\n"
    return "def rate(client):\n" + _indented(body, 4)


@given(_kept_default_shapes())
@settings(deadline=None, derandomize=True, database=None, max_examples=400)
def test_the_byte_filter_lets_every_finding_through(text: str) -> None:
    """Whatever the shape of the lines around a handler, a module with a finding passes
    the filter (which may let through modules without one)."""
    from hardenfix.rules.python.hf303_broad_except_silent_default import BroadExceptSilentDefault
    from hardenfix.sources import ParseError
    from hardenfix.sources.python import parse

    try:
        document = parse(text)
    except ParseError:
        assume(False)
    if list(BroadExceptSilentDefault().check(document)):
        assert BroadExceptSilentDefault.might_apply(text.encode())


def test_a_module_named_test_is_not_a_test_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "test.py").write_text(RETURNED_DEFAULT)  # `test` is also a standard-library package
    monkeypatch.chdir(tmp_path)
    [message] = _findings(tmp_path, tmp_path / "cache")["test.py"]
    assert "(unsafe fix:" in message


def _hf303_messages(text: str) -> list[str]:
    engine = Engine(config.Settings(select=("HF303",)).rules())
    return [finding.message for finding in engine.check(FileKind.PYTHON, text, "module.py").remaining]


@pytest.mark.parametrize(
    ("block", "default", "found"),
    [
        # distributed's `convert_args_to_str`: any object's `__repr__` may raise.
        pytest.param("text = repr(value)", 'text = "< could not convert arg to str >"', False, id="repr"),
        # textual's worker description, built from the arguments' reprs.
        pytest.param(
            'args = ", ".join(repr(a) for a in value)\n        text = f"work({args})"',
            'text = "<worker>"',
            False,
            id="f-string of reprs",
        ),
        pytest.param('return f"<{value!r}>"', 'return "<unrepresentable>"', False, id="returned"),
        # A value, not a text for reading: the placeholder stands in for a result.
        pytest.param("text = str(value.name)", 'text = "unknown"', True, id="str of a value"),
        pytest.param("text = lookup(repr(value))", 'text = "unknown"', True, id="a result found by a repr"),
        pytest.param("text = repr(value)", 'text = ""', True, id="an empty text"),
    ],
)
def test_a_placeholder_for_a_repr_is_not_a_hidden_default(block: str, default: str, found: bool) -> None:
    text = f"def describe(value):\n    try:\n        {block}\n    except Exception:\n        {default}\n" + (
        "" if "return" in block else "    return text\n"
    )
    assert bool(_hf303_messages(text)) is found


def test_the_handlers_of_one_try_each_look_above_as_far_as_the_one_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """A handler looks above for its `try`; the handlers of one `try` each stop at the one
    before, whose answer is known: the lines are read about once, not once for each handler."""
    from hardenfix.rules.python import hf303_broad_except_silent_default as rule

    handlers = "".join("    except Exception:\n        pass\n" for _ in range(200))
    module = f"def refresh(client):\n    try:\n        client.refresh()\n{handlers}"
    read: list[bytes] = []
    lines_before = rule._lines_before
    monkeypatch.setattr(
        rule, "_lines_before", lambda data, end: (read.append(line[1]) or line for line in lines_before(data, end))
    )
    assert not rule.BroadExceptSilentDefault.might_apply(module.encode()), "no handler keeps a default"
    assert len(read) < 2 * module.count("\n")


def test_many_small_tries_are_not_each_parsed_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each `try` parsed alone costs what starting the parser does besides its bytes: in a
    module of 300 small functions, each a `try` whose handler re-raises, far fewer than the
    150 that half the module's bytes would hold are parsed alone before the module is."""
    from hardenfix.rules.python import hf303_broad_except_silent_default as rule

    module = "".join(
        f"def step_{number}(process):\n    try:\n        process.step()\n    except Exception:\n"
        "        process.failed = True\n        raise\n\n\n"
        for number in range(300)
    )
    parsed: list[bytes] = []
    parse = rule.parsed_or_none
    monkeypatch.setattr(rule, "parsed_or_none", lambda text: parsed.append(text) or parse(text))
    assert rule.BroadExceptSilentDefault.might_apply(module.encode())
    assert 0 < len(parsed) < 75


@pytest.mark.parametrize(
    ("block", "found"),
    [
        pytest.param("import yaml\n        loader = yaml.safe_load", False, id="a statement"),
        # django's `AppConfig.create`, sympy's optional ANTLR parser.
        pytest.param("loader = importlib.import_module(name).load", False, id="importlib.import_module"),
        pytest.param("loader = import_module(name).load", False, id="import_module"),
        pytest.param("loader = __import__(name).load", False, id="__import__"),
        pytest.param("loader = registry.load_module(name)", True, id="another call"),
    ],
)
def test_a_catch_around_an_import_detects_a_feature(block: str, found: bool) -> None:
    from hardenfix.rules.python.hf303_broad_except_silent_default import BroadExceptSilentDefault

    text = (
        "import importlib\nfrom importlib import import_module\n\n\ndef loader_for(name, registry):\n"
        f"    try:\n        {block}\n    except Exception:\n        loader = None\n    return loader\n{_ELSEWHERE}"
    )
    assert bool(_hf303_messages(text)) is found
    assert BroadExceptSilentDefault.might_apply(text.encode()) is found


@pytest.mark.parametrize(
    ("clause", "found"),
    [
        # setuptools' `version.py`
        pytest.param("except Exception:  # noqa: BLE001 # intentional broad fallback", False, id="BLE001"),
        pytest.param("except Exception:  # noqa: PERF203, S110", False, id="S110 among others"),
        pytest.param("except Exception:  # noqa:S112", False, id="S112"),
        pytest.param("except Exception:  # NOQA", False, id="bare noqa"),
        pytest.param("except (\n        KeyError,\n        Exception,  # noqa: BLE001\n    ):", False, id="over lines"),
        pytest.param("except Exception:  # noqa: E722", True, id="another code"),
        # salt disables pylint's check on every broad catch, logged or not.
        pytest.param("except Exception:  # pylint: disable=broad-except", True, id="pylint"),
        pytest.param("except Exception:\n        # noqa: BLE001", True, id="in the handler"),
    ],
)
def test_a_catch_ruff_is_told_is_silent_on_purpose_is_not_hidden(clause: str, found: bool) -> None:
    text = f"def fetch(client):\n    try:\n        return client.fetch()\n    {clause}\n        return None\n"
    assert bool(_hf303_messages(text)) is found


@pytest.mark.parametrize(
    ("name", "found"),
    [
        ("__repr__", False),
        ("fallback_repr", False),  # werkzeug's debugger: `info = "?"` where the traceback will not format
        ("_short_repr", False),
        ("repr_of", True),
        ("reprice", True),
    ],
)
def test_a_function_that_only_shows_a_value_hides_nothing(name: str, found: bool) -> None:
    text = f"def {name}(value):\n    try:\n        info = describe(value)\n    except Exception:\n        info = '?'\n    return info\n"
    assert bool(_hf303_messages(text)) is found


_ERROR_BODY = "try:\n    message = response.json()['message']\nexcept Exception:\n    message = None\n"
"""A handler giving the message of an error response a default (ragflow's `_fetch_datasets_page`)."""


@pytest.mark.parametrize(
    ("after", "found"),
    [
        pytest.param("raise RequestError(message)\n", False, id="raised next"),
        pytest.param("log(message)\nraise RequestError(message)\n", False, id="raised after a statement"),
        pytest.param("if message:\n    return message\nraise RequestError(message)\n", True, id="a return before"),
        pytest.param("if message is None:\n    raise RequestError(response.text)\n", True, id="raised on one branch"),
        pytest.param("", True, id="the function ends"),
    ],
)
def test_a_default_that_only_shapes_the_error_raised_next_hides_nothing(after: str, found: bool) -> None:
    """The failure a handler there catches is the response's body, read to tell why the
    request failed: the function raises whatever it gives."""
    body = textwrap.indent(_ERROR_BODY + after, "    ")
    text = f"def request(response):\n    if response.status_code >= 400:\n{textwrap.indent(body, '    ')}"
    text += "    return response.json()\n"
    assert bool(_hf303_messages(text)) is found


@pytest.mark.parametrize(
    ("shape", "found"),
    [
        # onyx's `claim_license`: a kept default, the `raise` in the block holding the `try`.
        pytest.param(
            "detail = 'failed'\ntry:\n    detail = error.response.json()['detail']\nexcept Exception:\n    pass\n"
            "raise ApiError(detail)\n",
            False,
            id="kept default, raised next",
        ),
        # Two levels up: out of an `if`, then a `with`.
        pytest.param(
            "with lock:\n    if response is not None:\n"
            + textwrap.indent(_ERROR_BODY, "        ")
            + "    raise RequestError(message)\n",
            False,
            id="out of an if and into a with",
        ),
        # Each item's default feeds the next round, not the raise after the loop.
        pytest.param(
            "for response in responses:\n" + textwrap.indent(_ERROR_BODY, "    ") + "raise RequestError('none')\n",
            True,
            id="in a loop",
        ),
        # The `try` holding it returns from its `finally` before the raise is reached.
        pytest.param(
            "try:\n" + textwrap.indent(_ERROR_BODY, "    ") + "finally:\n    return None\nraise RequestError('x')\n",
            True,
            id="a finally that returns",
        ),
        pytest.param(
            "try:\n" + textwrap.indent(_ERROR_BODY, "    ") + "except KeyError:\n    pass\n"
            "else:\n    return message\nraise RequestError('x')\n",
            True,
            id="an else that returns",
        ),
    ],
)
def test_the_raise_next_is_found_through_the_blocks_holding_the_try(shape: str, found: bool) -> None:
    text = f"def request(error, response, responses, lock):\n{textwrap.indent(shape, '    ')}"
    assert bool(_hf303_messages(text)) is found


@pytest.mark.parametrize(
    ("docstring", "default", "found"),
    [
        # sentry-sdk's `try_convert`, mlflow's `_is_localhost_uri` and `_parse_prompt_uri`.
        pytest.param("Return None if the conversion fails.", "None", False, id="None on failure"),
        pytest.param("True if local, or None if the URI cannot be parsed.", "None", False, id="cannot"),
        pytest.param("Returns empty strings if parsing fails.", '"", ""', False, id="empty texts"),
        pytest.param("The count, or 0 on error.", "0", False, id="zero on error"),
        pytest.param("Returns False when the call raises.", "False", False, id="False when it raises"),
        # ragflow's `thumbnail_img`: the failure named before the value, and "instead of raising" after.
        pytest.param(
            "Catches corrupt files and returns None instead of raising.", "None", False, id="None instead of raising"
        ),
        pytest.param("Gives an empty list rather than throwing.", "[]", False, id="empty rather than throwing"),
        # mlflow's `get_or_create_installation_id`: a promise never to raise.
        pytest.param("This function MUST NOT raise an exception.", "None", False, id="must not raise"),
        pytest.param("Never raises: gives None instead.", "None", False, id="never raises"),
        # mlflow's `get_git_commit`: None for a case, not for every failure.
        pytest.param("Returns None if the path is not a git repository.", "None", True, id="None for a case"),
        # The failure said of something else, in another clause.
        pytest.param("Returns None if absent; raises KeyError if corrupt.", "None", True, id="another clause"),
        pytest.param("Raises ValueError if invalid, else None.", "None", True, id="failure before the value"),
        pytest.param("Returns 0 if the conversion fails.", "None", True, id="another value"),
        pytest.param("Fetch the rate.", "0.0", True, id="no word of it"),
        pytest.param("The encoding, or 'ascii' if it cannot be told.", '"ascii"', False, id="a text on failure"),
        pytest.param("The encoding: 'ascii' on a plain terminal.", '"ascii"', True, id="a text for a case"),
    ],
)
def test_a_default_documented_as_the_answer_on_failure_is_not_hidden(docstring: str, default: str, found: bool) -> None:
    text = (
        f'def fetch(client):\n    """{docstring}"""\n    try:\n        return client.fetch()\n'
        f"    except Exception:\n        return {default}\n"
    )
    assert bool(_hf303_messages(text)) is found


@pytest.mark.parametrize(
    ("docstring", "found"),
    [
        # django's `get_system_encoding`
        pytest.param(
            "Fallback to 'ascii' if the encoding is unsupported by Python or could not be determined.",
            False,
            id="the fallback on failure",
        ),
        pytest.param("The encoding: 'ascii' on a plain terminal.", True, id="the value for a case"),
        pytest.param("Return the encoding.", True, id="no word of it"),
    ],
)
def test_an_assigned_default_documented_as_the_answer_on_failure_is_not_hidden(docstring: str, found: bool) -> None:
    text = (
        f'def encoding(locale):\n    """{docstring}"""\n    try:\n        encoding = locale.current()\n'
        '    except Exception:\n        encoding = "ascii"\n    return encoding\n'
    )
    assert bool(_hf303_messages(text)) is found


@pytest.mark.parametrize(
    ("header", "result", "found"),
    [
        # redis's `_is_pubsub_connected`; mlflow's `is_in_databricks_*`.
        pytest.param("is_connected(conn)", "conn.is_connected", False, id="a flag"),
        pytest.param("is_local(path)", 'path.startswith("/") if path else False', False, id="a choice"),
        pytest.param("is_local(path)", 'path is not None and path.startswith("/")', False, id="and of a call"),
        # Annotated as a predicate: mem0's `_stdin_is_piped() -> bool`.
        pytest.param("piped(mode) -> bool", "S_ISFIFO(mode) or S_ISREG(mode)", False, id="annotated bool"),
        pytest.param('piped(mode) -> "bool"', "S_ISFIFO(mode) or S_ISREG(mode)", False, id="bool in a string"),
        pytest.param("piped(mode) -> int", "S_ISFIFO(mode) or S_ISREG(mode)", True, id="another type"),
        # Neither: its results must be True or False by their shape.
        pytest.param("piped(mode)", "S_ISFIFO(mode) or S_ISREG(mode)", True, id="calls"),
        pytest.param("connected(conn)", "conn.is_connected", False, id="a flag named as a predicate"),
        pytest.param("local(conn, ready)", "conn.state if ready else False", True, id="a choice of a value"),
        pytest.param("connected(conn)", "conn.connection", True, id="an attribute"),
        # Named or annotated as a predicate, but answering with an item, not a call's or an attribute's answer.
        pytest.param("is_cached(cache, key)", "cache[key]", True, id="an item"),
        pytest.param("cached(cache, key) -> bool", "cache[key]", True, id="an item, annotated"),
    ],
)
def test_false_from_a_predicate_answering_with_a_flag_or_choice(header: str, result: str, found: bool) -> None:
    text = f"def {header}:\n    try:\n        return {result}\n    except Exception:\n        return False\n"
    assert bool(_hf303_messages(text)) is found


def test_a_class_is_searched_for_its_logger_once_for_all_its_handlers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each handler of a method logs with its class's logger, which any method may bind: the
    methods are read once for the class, not once for each handler (a client class of
    PMOVES.AI's services, with a broad `except` in each of its dozens of methods)."""
    from hardenfix.rules.python import hf303_broad_except_silent_default as hf303

    methods = "".join(
        f"\n    def rate_{n}(self, pair):\n        try:\n            return self.fetch(pair)\n"
        "        except Exception:\n            return 0.0\n"
        for n in range(3)
    )
    tree = tmp_path / "project"
    (tree / "app").mkdir(parents=True)
    (tree / "app" / "client.py").write_text(
        "import logging\n\n\nclass Client:\n    def __init__(self):\n"
        "        self.log = logging.getLogger('client')\n" + methods
    )
    read: list[str] = []
    self_loggers = hf303._self_loggers
    monkeypatch.setattr(
        hf303, "_self_loggers", lambda method, name: read.append(method.name) or self_loggers(method, name)
    )
    monkeypatch.chdir(tree)
    engine = Engine(config.Settings(select=("HF303",)).rules(), unsafe_fixes=True)
    [result] = run([tree], engine, Mode.DIFF, tree)
    assert sorted(read) == ["__init__", "rate_0", "rate_1", "rate_2"]
    assert result.fixed_bytes.count(b"self.log.exception(") == 3


def test_a_function_with_several_handlers_is_walked_once_for_its_local_names_and_results(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each finding asks whether the function around it binds the names it catches (a local
    `class Exception`) and whether it returns values, each of which walks the whole function:
    asked for three handlers of one function, it is walked once for each, and the three are
    still found."""
    from hardenfix.rules.python import hf303_broad_except_silent_default as hf303

    tree = tmp_path / "project"
    (tree / "app").mkdir(parents=True)
    handler = "    try:\n        {0} = client.{0}()\n    except Exception:\n        {0} = 0.0\n"
    (tree / "app" / "rates.py").write_text(
        "def rates(client):\n"
        + "".join(handler.format(name) for name in ("low", "high", "mean"))
        + "    return low, high, mean\n"
    )
    monkeypatch.chdir(tree)
    hf303._local_names.cache_clear()
    hf303._returns_values.cache_clear()
    assert len(_findings(tree, tmp_path)["app/rates.py"]) == 3
    for walk in (hf303._local_names, hf303._returns_values):
        asked = walk.cache_info()
        assert (asked.misses, asked.hits) == (1, 2), walk.__name__
