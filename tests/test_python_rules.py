"""The Python rules on real code: outputs compile, add no undefined or unused names, settle in one run."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import warnings
from collections import Counter
from pathlib import Path

import pytest

from golden import Case, cases
from hardenfix import config
from hardenfix.engine import Engine
from hardenfix.model import FileKind, Outcome
from hardenfix.registry import rules_of_kind
from hardenfix.runner import Mode, run

PYTHON_CASES = [case for case in cases() if case.kind is FileKind.PYTHON]
RUFF = Path(sys.executable).with_name("ruff")
# Enough standard-library modules to meet every rule several times; the
# prefilters keep the run to seconds.
CORPUS_SIZE = 300


def _compiles(source: bytes) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in stdlib sources are not ours to report
        compile(source, "<after>", "exec", dont_inherit=True)


@pytest.mark.parametrize("case", PYTHON_CASES, ids=[case.id for case in PYTHON_CASES])
def test_golden_after_compiles(case: Case) -> None:
    _compiles(case.after.read_bytes())


def _pyflakes_problems(path: Path) -> Counter[tuple[str, str]]:
    """`ruff check --select F` findings as (code, message): positions move when a fix adds lines."""
    completed = subprocess.run(
        [RUFF, "check", "--select", "F", "--output-format", "json", "--no-cache", "--isolated", path],
        capture_output=True,
        text=True,
    )
    assert completed.returncode in (0, 1), completed.stderr
    return Counter((item["code"], item["message"]) for item in json.loads(completed.stdout))


@pytest.mark.parametrize("case", PYTHON_CASES, ids=[case.id for case in PYTHON_CASES])
def test_fixes_add_no_undefined_or_unused_names(case: Case) -> None:
    new = _pyflakes_problems(case.after) - _pyflakes_problems(case.before)
    assert not new


def test_golden_cases_cover_every_python_rule() -> None:
    codes = {case.folder.parent.name.split("-")[0] for case in PYTHON_CASES}
    assert codes >= {rule.code for rule in rules_of_kind(FileKind.PYTHON)}


def _stdlib_sample(destination: Path) -> list[Path]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    sources = sorted(
        path
        for path in stdlib.rglob("*.py")
        if not {"test", "tests", "lib2to3", "site-packages", "idle_test"} & set(path.relative_to(stdlib).parts)
    )
    # Every file a Python rule's prefilter admits, so the rules meet all the library holds
    # for them; the rest of the sample spread over the whole library, not only its first folders.
    rules = rules_of_kind(FileKind.PYTHON)
    admitted = [path for path in sources if any(rule.might_apply(path.read_bytes()) for rule in rules)]
    others = [path for path in sources if path not in set(admitted)]
    step = max(1, len(others) // (CORPUS_SIZE - len(admitted)))
    copies = []
    for index, source in enumerate([*admitted, *others[::step]][:CORPUS_SIZE]):
        copy = destination / f"{index:03d}_{source.name}"
        shutil.copyfile(source, copy)
        copies.append(copy)
    return copies


def test_standard_library_corpus(tmp_path: Path) -> None:
    files = _stdlib_sample(tmp_path)
    settings = config.Settings(select=("HF3",), unsafe_fixes=True)
    engine = Engine(settings.rules(), unsafe_fixes=True)

    first = list(run([tmp_path], engine, Mode.WRITE, tmp_path))
    assert len(first) == CORPUS_SIZE
    assert [r.display_path for r in first if r.outcome in (Outcome.FAILED, Outcome.INVALID)] == []
    changed = [result for result in first if result.outcome is Outcome.CHANGED]
    # The sample meets every rule that the standard library can meet (it uses no Prometheus).
    assert {finding.code for result in changed for finding in result.fixed} == {"HF303"}
    assert len(changed) >= 10
    for path in files:
        _compiles(path.read_bytes())

    second = list(run([tmp_path], engine, Mode.WRITE, tmp_path))
    assert [r.display_path for r in second if r.outcome is not Outcome.UNCHANGED] == []


def _libcst_modules_after_check(tree: Path, expected_exit: int, *options: str) -> list[str]:
    program = (
        "import json, sys\n"
        "from hardenfix.cli import main\n"
        f"sys.argv = ['hardenfix', 'check', '--no-cache', *{list(options)!r}, {str(tree)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        f"    assert exit.code == {expected_exit}, exit.code\n"
        "print(json.dumps(sorted(name for name in sys.modules if name.split('.')[0] == 'libcst')))\n"
    )
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    return json.loads(completed.stdout.splitlines()[-1])


def test_a_compose_only_run_never_imports_libcst(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        "services:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: [CMD, pg_isready]\n"
    )
    assert _libcst_modules_after_check(tmp_path, expected_exit=1) == []


def test_python_is_checked_without_libcst_unless_edits_are_shown(tmp_path: Path) -> None:
    # Both files pass a prefilter; `ast` alone tells that neither has a finding.
    (tmp_path / "fallback.py").write_text(
        "def rate():\n    try:\n        return fetch()\n    except Exception:\n        return fetch_cached()\n"
    )
    (tmp_path / "metrics.py").write_text("import prometheus_client\n\nprometheus_client.start_http_server(9100)\n")
    assert _libcst_modules_after_check(tmp_path, expected_exit=0) == []
    # A fixable finding: `check` says a fix exists without making its edits...
    (tmp_path / "silent.py").write_text(
        "def rate():\n    try:\n        return fetch()\n    except Exception:\n        pass\n"
    )
    assert _libcst_modules_after_check(tmp_path, expected_exit=1) == []
    # ...which SARIF shows, so they are made for it.
    assert "libcst" in _libcst_modules_after_check(tmp_path, 1, "--format", "sarif")


# A NamedTuple whose `__post_init__` never runs, written in ways a byte-level filter
# could mistake for the body of some other class.
_TUPLE_HEADER = "from typing import NamedTuple\n\n\nclass Point(NamedTuple):\n    x: int\n"
_POST_INIT = "    def __post_init__(self) -> None:\n        assert self.x >= 0\n"
FLAGGED_BY_HF301 = {
    "plain": _TUPLE_HEADER + _POST_INIT,
    "async": _TUPLE_HEADER + _POST_INIT.replace("def", "async def"),
    "crlf": (_TUPLE_HEADER + _POST_INIT).replace("\n", "\r\n"),
    "comment at column 0": _TUPLE_HEADER + "# class Fake:\n" + _POST_INIT,
    "dedented string": _TUPLE_HEADER + '    doc = """\nclass Fake:\n    """\n' + _POST_INIT,
    "string closed at column 0": _TUPLE_HEADER + '    doc = """\nclass Fake:\n"""\n' + _POST_INIT,
    "backslash in a string": _TUPLE_HEADER + '    doc = "a\\\nclass Fake:\\\n"\n' + _POST_INIT,
    "bracket at column 0": _TUPLE_HEADER + "    y: int = max(\n0, 1)\n" + _POST_INIT,
    "def continued": _TUPLE_HEADER + "    def \\\n__post_init__(self) -> None:\n        pass\n",
    "tabs": _TUPLE_HEADER.replace("    ", "\t") + _POST_INIT.replace("    ", "\t"),
    "bare carriage return": "from typing import NamedTuple\n\n\nclass Window:\n    pass\n# note\r"
    + _TUPLE_HEADER.partition("\n\n\n")[2]
    + _POST_INIT,
    "beside a nested class": _TUPLE_HEADER + "    class Meta:\n" + _POST_INIT.replace("    ", "        ") + _POST_INIT,
}
# What a parse would find nothing in: the `__post_init__` of a class without bases.
_DATACLASS = (
    "@dataclass\nclass Window:\n    width: int\n\n    def __post_init__(self) -> None:\n        assert self.width\n"
)
NOT_FLAGGED_BY_HF301 = {
    "dataclass beside a NamedTuple": _TUPLE_HEADER + "\n\n" + _DATACLASS,
    "crlf": (_TUPLE_HEADER + "\n\n" + _DATACLASS).replace("\n", "\r\n"),
    "only called": _TUPLE_HEADER + "    def check(self) -> None:\n        self.__post_init__()\n",
    "module level": _TUPLE_HEADER + "\n\ndef __post_init__(self) -> None:\n    pass\n",
}


def _hf301_findings(text: str) -> list[str]:
    from hardenfix.rules.python.hf301_namedtuple_post_init import NamedTuplePostInit
    from hardenfix.sources.python import parse

    return [finding.message for finding in NamedTuplePostInit().check(parse(text))]


@pytest.mark.parametrize("text", FLAGGED_BY_HF301.values(), ids=FLAGGED_BY_HF301.keys())
def test_hf301_filter_lets_through_every_flagged_module(text: str) -> None:
    from hardenfix.rules.python.hf301_namedtuple_post_init import NamedTuplePostInit

    assert _hf301_findings(text)
    assert NamedTuplePostInit.might_apply(text.encode())


@pytest.mark.parametrize("text", NOT_FLAGGED_BY_HF301.values(), ids=NOT_FLAGGED_BY_HF301.keys())
def test_hf301_filter_rejects_a_post_init_outside_a_namedtuple(text: str) -> None:
    from hardenfix.rules.python.hf301_namedtuple_post_init import NamedTuplePostInit

    assert not _hf301_findings(text)
    assert NamedTuplePostInit.prefilter is not None and NamedTuplePostInit.prefilter.search(text.encode())
    assert not NamedTuplePostInit.might_apply(text.encode())


def test_hf301_names_only_the_tuple_attributes_a_module_uses() -> None:
    text = _TUPLE_HEADER + _POST_INIT + "\n\ndef moved(point, limits):\n    return point._replace(x=limits.low)\n"
    [message] = _hf301_findings(text)
    assert "(unsafe fix: an instance of `Point` may be used as a tuple: `point._replace` used on a value" in message
    assert "`low`" not in message


def _job_defaulting_to(default: str, before: str = "", indent: str = "") -> str:
    job = f"class Job(NamedTuple):\n    tags: list = {default}\n\n" + _POST_INIT.replace("x >= 0", "tags")
    return "from typing import NamedTuple\n" + before + "\n\n" + "".join(indent + line for line in job.splitlines(True))


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param(
            _job_defaulting_to("TAGS", "import dataclasses\nfrom app import *\n"),
            "defaults to `TAGS`, which",
            id="a star import's",
        ),
        pytest.param(
            _job_defaulting_to("TAGS", "\nTAGS = ('a',)\nTAGS = TAGS + extra()\n"),
            "defaults to `TAGS + extra()`, which",
            id="rebound with what is not known",
        ),
        pytest.param(
            _job_defaulting_to("TAGS", "\nfor TAGS in ([], ()):\n    pass\n"),
            "defaults to `TAGS`, which",
            id="a loop's target",
        ),
        pytest.param(
            "from typing import NamedTuple\n\n\ndef make(tags):\n    class Job(NamedTuple):\n        tags: list = tags\n\n"
            + _POST_INIT.replace("    ", "        ").replace("x >= 0", "tags"),
            "defaults to `tags`, a local of `make`, which",
            id="a parameter of the function around the class",
        ),
        pytest.param(
            _job_defaulting_to("TAGS", "\nTAGS = OTHER\nOTHER = TAGS\n"), "defaults to `TAGS`, which", id="a cycle"
        ),
    ],
)
def test_hf301_a_default_not_known_here_makes_the_fix_unsafe(text: str, said: str) -> None:
    [message] = _hf301_findings(text)
    assert f"(unsafe fix: field `tags` {said} a dataclass refuses if it is unhashable)" in message


def test_hf301_a_default_named_in_the_class_body_is_what_the_body_bound_before() -> None:
    """The class body is looked in first, as Python does; a name it binds later is the module's."""
    body = "    DEFAULT = ()\n    tags: list = DEFAULT\n    late: list = LATE\n    LATE = 1\n"
    text = _TUPLE_HEADER.replace("    x: int\n", body) + _POST_INIT + "\n\nDEFAULT = []\nLATE = []\n"
    [message] = _hf301_findings(text)
    assert message.endswith("(no fix: field `late` has an unhashable default, which a dataclass refuses)")


def test_hf302_leaves_a_metric_unfixed_when_typing_would_come_after_the_helper() -> None:
    """A metric created among the opening imports puts the helper above it; an import of
    `typing` below it would then come too late for the helper's `TypeVar`."""
    text = (
        "from prometheus_client import Counter\n\nif True:\n"
        '    REQUESTS = Counter("requests_total", "Requests")\n\nfrom typing import Optional\n'
    )
    engine = Engine(config.Settings(select=("HF302",)).rules())
    [finding] = engine.check(FileKind.PYTHON, text, "metrics.py").remaining
    assert finding.fix is None
    assert "(no fix: a metric is created before the module imports `typing`, which the helper needs)" in finding.message


def test_hf302s_helper_goes_after_every_import_a_linter_allows_at_the_top(tmp_path: Path) -> None:
    """A `sys.path` change stands among the opening imports (E402 allows it there): the helper
    comes after the imports below it too, so that ruff's E402 has no import below code to report."""
    module = tmp_path / "metrics.py"
    module.write_text(
        '"""Metrics."""\nimport sys\n\nsys.path.insert(0, "lib")\n\n'
        'from prometheus_client import Counter\n\nREQUESTS = Counter("requests", "Requests")\n'
    )
    engine = Engine(config.Settings(select=("HF302",)).rules())
    fixed = engine.fix(FileKind.PYTHON, module.read_text(), "metrics.py").text
    assert fixed.index("from prometheus_client import Counter") < fixed.index("def _get_or_create_metric(")
    assert fixed.index("def _get_or_create_metric(") < fixed.index("REQUESTS =")
    lint = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "E402,F", "--stdin-filename", "m.py", "-"],
        input=fixed, capture_output=True, text=True,
    )  # fmt: skip
    assert lint.returncode == 0, lint.stdout


@pytest.mark.parametrize(
    ("after", "said"),
    [
        pytest.param(
            "\n\nKINDS = (tuple, list)\n\n\ndef is_sequence(point: Point) -> bool:\n    return isinstance(point, KINDS)\n",
            "checked with `isinstance(..., KINDS)`, which may name `tuple`",
            id="a name bound to types",
        ),
        pytest.param(
            "\n\ndef is_a(point: Point, kinds) -> bool:\n    return isinstance(point, kinds)\n",
            "checked with `isinstance(..., kinds)`, which may name `tuple`",
            id="a parameter",
        ),
        pytest.param(
            "\n\ndef fields(point: Point) -> dict:\n    return point.__dict__ if hasattr(point, '__dict__') else {}\n",
            "`.__dict__` used",
            id="__dict__, which a NamedTuple lacks",
        ),
    ],
)
def test_hf301_what_a_tuple_and_a_dataclass_answer_differently_makes_the_fix_unsafe(after: str, said: str) -> None:
    [message] = _hf301_findings(_TUPLE_HEADER + _POST_INIT + after)
    assert f"(unsafe fix: an instance of `Point` may be used as a tuple: {said} (line" in message


def test_hf301_isinstance_with_classes_known_here_leaves_the_fix_safe() -> None:
    after = (
        "\n\nclass Other:\n    pass\n\n\nKNOWN = (Other, dict)\n\n\n"
        "def kind(point: Point) -> bool:\n    return isinstance(point, (KNOWN, int, collections.abc.Mapping))\n"
    )
    [message] = _hf301_findings("import collections.abc\n" + _TUPLE_HEADER + _POST_INIT + after)
    assert "unsafe" not in message and "no fix" not in message


def test_hf301_no_fix_where_an_instance_made_on_import_reads_a_name_bound_later() -> None:
    """The dataclass would run `__post_init__` while the module is imported, before `LIMIT`
    exists: the module would fail to import with NameError."""
    post_init = _POST_INIT.replace("self.x >= 0", "self.x <= LIMIT")
    text = _TUPLE_HEADER + post_init + "\n\nORIGIN = Point(0)\nLIMIT = 10\n"
    [message] = _hf301_findings(text)
    assert message.endswith(
        "(no fix: `Point(0)` (line 10) runs `__post_init__` as the module is imported, before `LIMIT` is bound"
        " (line 11))"
    )
    # Made later, or in a function that runs later, it reads the name once it is bound.
    for after in ("\n\nLIMIT = 10\nORIGIN = Point(0)\n", "\n\ndef origin():\n    return Point(0)\n\n\nLIMIT = 10\n"):
        [message] = _hf301_findings(_TUPLE_HEADER + post_init + after)
        assert "no fix" not in message


@pytest.mark.parametrize(
    ("after", "said"),
    [
        pytest.param(
            "\n\ndef moves(path):\n    count, last = 0, None\n    last = (0, 0)\n    for x in path:\n"
            "        current = Point(x)\n        if current != last:\n            count += 1\n        last = current\n"
            "    return count\n",
            "compared with `!=` to `last`, which may be a tuple",
            id="a name also bound to a tuple",
        ),
        pytest.param(
            "\n\nORIGIN = Point(0)\n\n\ndef is_origin(point: Point) -> bool:\n    return point == ORIGIN\n",
            "compared with `==` to `point`, which may be a tuple",
            id="a parameter a caller may give a tuple",
        ),
        pytest.param(
            "\n\ndef same(a, b):\n    return (a or Point(0)) == (b or (0,))\n",
            "which may be a tuple",
            id="a fallback",
        ),
        pytest.param(
            "\n\ndef move(to: Point) -> int:\n    return to.x\n\n\nchecked = validate_call(move)\n",
            "annotates `move`, which `validate_call(...)` is given and may read",
            id="a function handed to a framework",
        ),
    ],
)
def test_hf301_values_that_may_be_plain_tuples_or_annotations_read_by_a_call_make_the_fix_unsafe(
    after: str, said: str
) -> None:
    [message] = _hf301_findings(_TUPLE_HEADER + _POST_INIT + after)
    assert "(unsafe fix: an instance of `Point` may be used as a tuple: " in message and said in message


def test_hf301_instances_compared_with_instances_alone_keep_the_fix_safe() -> None:
    after = (
        "\n\nORIGIN = Point(0)\n\n\ndef at_origin(x: int) -> bool:\n    here = Point(x)\n    return here == ORIGIN\n"
    )
    [message] = _hf301_findings(_TUPLE_HEADER + _POST_INIT + after)
    assert "unsafe" not in message
