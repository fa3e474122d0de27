"""HF302 against the real prometheus_client: fixed modules survive a double import.

Each module runs twice in a fresh interpreter (`reimport.double_import`), its
metrics are used from both copies and read back from the registry.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from reimport import double_import

from golden import Case, cases
from hardenfix.rules.python.hf302_prometheus_reimport_safe import _Helper

pytest.importorskip("prometheus_client")

HF302_CASES = [case for case in cases() if case.id.startswith("python/HF302-")]


def _project_for(case: Case, tmp_path: Path) -> list[Path]:
    """The project modules a case imports: the `metrics-helper` case names a helper of the project's."""
    if case.folder.name != "metrics-helper-option":
        return []
    common = tmp_path / "services" / "common"
    common.mkdir(parents=True)
    (tmp_path / "services" / "__init__.py").write_text("")
    (common / "__init__.py").write_text("")
    (common / "settings.py").write_text('NAMESPACE = "svc"\n')
    helper = _Helper("get_or_create_metric", "_Metric", ("Any", "TypeVar")).source(postponed_annotations=False)
    (common / "metrics.py").write_text(f"from typing import Any, TypeVar\n\n{helper}\n")
    return [tmp_path]


@pytest.mark.parametrize("case", HF302_CASES, ids=lambda case: case.id)
def test_golden_after_survives_a_double_import(case: Case, tmp_path: Path) -> None:
    sys_path = _project_for(case, tmp_path)
    before = double_import(case.before, sys_path=sys_path)
    if case.after.read_bytes() == case.before.read_bytes():
        findings = json.loads(case.findings_file.read_text())
        if any("(no fix: the helper needs Python" in finding["message"] for finding in findings):
            # The Python that runs the module cannot run the helper: it fails as it did.
            assert not before.ok, before.problems
            return
        # Nothing to fix: the module survives as it is (its guards work), or its
        # metrics are created only when a function runs.
        assert before.ok, before.problems
        return
    assert not before.ok and "Duplicated timeseries" in before.problems[0], before.problems
    after = double_import(case.after, sys_path=sys_path, original=case.before, original_sys_path=sys_path)
    assert after.ok, after.problems
    fixed = [finding for finding in json.loads(case.findings_file.read_text()) if finding["fix"]]
    assert after.metrics >= len(fixed)


def test_a_registry_from_another_module_is_the_one_searched(hardenfix, tmp_path: Path) -> None:
    (tmp_path / "shared.py").write_text(
        "from prometheus_client import CollectorRegistry\n\nREGISTRY = CollectorRegistry()\n"
    )
    metrics = tmp_path / "metrics.py"
    original = tmp_path / "original" / "metrics.py"
    original.parent.mkdir()
    source = (
        "from prometheus_client import Counter\n\nfrom shared import REGISTRY as SHARED\n\n"
        'JOBS = Counter("jobs_total", "Jobs", ["queue"], registry=SHARED)\n'
    )
    metrics.write_text(source)
    original.write_text(source)
    (original.parent / "shared.py").write_text((tmp_path / "shared.py").read_text())
    assert "Duplicated timeseries" in double_import(metrics, module="metrics", sys_path=[tmp_path]).problems[0]
    assert hardenfix(tmp_path, "apply", "--isolated", "--select", "HF302", "metrics.py").code == 0
    outcome = double_import(
        metrics, module="metrics", sys_path=[tmp_path], original=original, original_sys_path=[original.parent]
    )
    assert outcome.ok, outcome.problems
    assert outcome.metrics == 1


def test_a_registry_of_a_class_of_another_module_is_new_at_each_import(hardenfix, tmp_path: Path) -> None:
    """synapse's caches register on `CACHE_METRIC_REGISTRY = DynamicCollectorRegistry()`, a
    subclass of `CollectorRegistry` from `synapse.util.metrics`: each import makes its own."""
    (tmp_path / "registries.py").write_text(
        "from prometheus_client import CollectorRegistry\n\n\nclass DynamicCollectorRegistry(CollectorRegistry):\n"
        "    pass\n"
    )
    metrics = tmp_path / "metrics.py"
    metrics.write_text(
        "from prometheus_client import Gauge\n\nfrom registries import DynamicCollectorRegistry\n\n"
        "CACHE_REGISTRY = DynamicCollectorRegistry()\n"
        'CACHE_SIZE = Gauge("cache_size", "Size", ["name"], registry=CACHE_REGISTRY)\n'
    )
    assert double_import(metrics, module="metrics", sys_path=[tmp_path]).ok
    assert hardenfix(tmp_path, "check", "--isolated", "--select", "HF302", "metrics.py").code == 0


def test_typing_names_the_module_uses_are_read_from_typing(hardenfix, tmp_path: Path) -> None:
    module = tmp_path / "metrics.py"
    module.write_text(
        "from prometheus_client import Gauge\n\nAny = 'every'\n\n"
        "def TypeVar():\n    return Any\n\nDEPTH = Gauge('depth', 'Depth')\n"
    )
    original = module.read_text()
    assert hardenfix(tmp_path, "apply", "--isolated", "--select", "HF302", "metrics.py").code == 0
    fixed = module.read_text()
    assert fixed.startswith("import typing\n\nfrom prometheus_client import Gauge\n\n_Metric = typing.TypeVar(")
    assert "*args: typing.Any" in fixed
    (tmp_path / "original.py").write_text(original)
    outcome = double_import(module, original=tmp_path / "original.py")
    assert outcome.ok, outcome.problems


# -- the harness can fail -------------------------------------------------------


def _harness(tmp_path: Path, source: str, original: str | None = None):
    module = tmp_path / "module.py"
    module.write_text(source)
    if original is None:
        return double_import(module)
    (tmp_path / "original.py").write_text(original)
    return double_import(module, original=tmp_path / "original.py")


def test_the_harness_reports_a_second_import_that_raises(tmp_path: Path) -> None:
    outcome = _harness(tmp_path, "from prometheus_client import Counter\n\nC = Counter('c', 'C')\n")
    [problem] = outcome.problems
    assert problem.startswith(
        "the second import raised DuplicateTimeseries: Duplicated timeseries in CollectorRegistry"
    )


def test_the_harness_reports_metrics_that_count_apart(tmp_path: Path) -> None:
    # Each import replaces the collector: the registry reports only what the second copy counts.
    source = (
        "from prometheus_client import REGISTRY, Counter\n\n"
        "if 'c' in REGISTRY._names_to_collectors:\n"
        "    REGISTRY.unregister(REGISTRY._names_to_collectors['c'])\n"
        "C = Counter('c', 'C')\n"
    )
    assert _harness(tmp_path, source).problems == [
        "`C`: the first copy's metric is in no registry: what it counts is never reported",
    ]


def test_the_harness_reports_a_global_the_fix_lost(tmp_path: Path) -> None:
    original = "_metrics = {'a': 1}\n"
    outcome = _harness(tmp_path, "_metrics = {}\n", original)
    assert outcome.problems == [
        "the first copy's `_metrics` is keys [], not keys [\"'a'\"]",
        "the second copy's `_metrics` is keys [], not keys [\"'a'\"]",
    ]


def test_the_harness_child_runs_alone(tmp_path: Path) -> None:
    """The child is a script of its own, so `scripts/ecosystem` can run it with another interpreter."""
    module = tmp_path / "module.py"
    module.write_text("from prometheus_client import Gauge\n\nG = Gauge('g', 'G')\n")
    request = {"path": str(module), "module": None, "sys_path": [], "root": str(tmp_path)}
    child = Path(__file__).with_name("reimport.py")
    process = subprocess.run([sys.executable, child, json.dumps(request)], capture_output=True, text=True, check=True)
    assert "Duplicated timeseries" in json.loads(process.stdout.strip())["problems"][0]


def test_the_harness_reports_metrics_each_copy_registered_under_a_name_of_its_own(tmp_path: Path) -> None:
    source = "from prometheus_client import Counter\n\nC = Counter(f'{__name__}_calls', 'Calls')\n"
    assert _harness(tmp_path, source).problems == ["`C`: the two imports registered two collectors in one registry"]


def test_a_module_fixed_before_reuses_its_helper(hardenfix, tmp_path: Path) -> None:
    fixed = Path(__file__).parent.parent / "golden/python/HF302-prometheus-reimport-safe/from-import/after.py"
    module = tmp_path / "metrics.py"
    module.write_text(fixed.read_text() + '\nERRORS = Counter("svc_errors_total", "Errors", ["kind"])\n')
    assert hardenfix(tmp_path, "apply", "--isolated", "--select", "HF302", "metrics.py").code == 0
    text = module.read_text()
    assert (
        text
        == fixed.read_text() + '\nERRORS = _get_or_create_metric(Counter, "svc_errors_total", "Errors", ["kind"])\n'
    )
    outcome = double_import(module)
    assert outcome.ok, outcome.problems


def test_a_module_whose_names_are_all_taken_gets_no_fix(hardenfix, tmp_path: Path) -> None:
    (tmp_path / "metrics.py").write_text(
        "from os.path import *\nfrom prometheus_client import Counter\n\nC = Counter('c', 'C')\n"
    )
    [finding] = json.loads(hardenfix(tmp_path, "check", "--isolated", "--select", "HF302", "--format", "json").stdout)
    assert finding["fix"] is None
    assert finding["message"].endswith(
        "(no fix: the names the helper needs (`_get_or_create_metric`, `Any`, ...) all mean something else here)"
    )


def test_a_stand_in_for_a_missing_prometheus_client_is_called_as_before() -> None:
    """A module that falls back on stand-ins without prometheus_client still imports, fixed."""
    [case] = [case for case in HF302_CASES if case.folder.name == "optional-import"]
    without_prometheus = (
        "import runpy, sys; sys.modules['prometheus_client'] = None; "
        "module = runpy.run_path(sys.argv[1]); module['REQUESTS'].labels('GET').inc(); print('imported')"
    )
    for module in (case.before, case.after):
        result = subprocess.run(
            [sys.executable, "-c", without_prometheus, str(module)], capture_output=True, text=True, check=False
        )
        assert result.stdout == "imported\n", (module.name, result.stderr)


def test_a_class_patched_with_autospec_is_called_as_the_code_called_it(hardenfix, tmp_path: Path) -> None:
    """A test that patches the metric class with `autospec=True` (which gives it the class's
    signature) and asserts how the module called it passes on the fixed module: the helper
    makes the call as written, not one with every default spelled out and `registry=None`."""
    (tmp_path / "metrics.py").write_text(
        'from prometheus_client import Counter\n\nREQUESTS = Counter("app_requests", "Requests", ["route"])\n'
    )
    (tmp_path / "test_metrics.py").write_text(
        "from unittest import mock\n\n\n"
        "def test_created_as_written():\n"
        '    with mock.patch("prometheus_client.Counter", autospec=True) as counter:\n'
        "        import metrics\n"
        '    counter.assert_called_once_with("app_requests", "Requests", ["route"])\n'
        "    assert metrics.REQUESTS is counter.return_value\n"
    )
    assert hardenfix(tmp_path, "apply", "--isolated", "--select", "HF302", "metrics.py").code == 0
    assert "_get_or_create_metric(Counter," in (tmp_path / "metrics.py").read_text()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_metrics.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout
    outcome = double_import(tmp_path / "metrics.py")
    assert outcome.ok, outcome.problems


def test_the_helper_finds_a_metric_filed_only_under_its_suffixed_names(hardenfix, tmp_path: Path) -> None:
    """prometheus_client 0.7 (which matrix's sygnal pins) files a counter `jobs` as `jobs_total`
    and `jobs_created` only, not as `jobs`: the helper asks the registry for the names it files
    the metric under, where looking up `jobs` alone found nothing and the second import raised."""
    module = tmp_path / "metrics.py"
    module.write_text('from prometheus_client import Counter\n\nJOBS = Counter("jobs", "Jobs", ["queue"])\n')
    assert hardenfix(tmp_path, "apply", "--isolated", "--select", "HF302", "metrics.py").code == 0
    import_twice_as_0_7_files = (
        "import importlib.util, sys\n"
        "from prometheus_client import REGISTRY\n"
        "def load(name):\n"
        "    spec = importlib.util.spec_from_file_location(name, sys.argv[1])\n"
        "    module = importlib.util.module_from_spec(spec)\n"
        "    spec.loader.exec_module(module)\n"
        "    return module\n"
        "first = load('first')\n"
        "del REGISTRY._names_to_collectors['jobs']\n"
        "assert load('second').JOBS is first.JOBS\n"
        "print('one metric')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", import_twice_as_0_7_files, str(module)], capture_output=True, text=True, check=False
    )
    assert result.stdout == "one metric\n", result.stderr


def test_test_code_is_left_alone(hardenfix, tmp_path: Path) -> None:
    """prometheus-async's `tests/test_aio.py` creates a `Counter` in test methods, and
    `tests/typing/api.py` checks the metrics' types at its top level: neither is imported
    twice by a service, and a test that registers a metric twice fails in the suite itself.
    The same code in the package is a finding."""
    source = (
        "from prometheus_client import Counter\n\n"
        'TYPED = Counter("typed_total", "Typed")\n\n\n'
        "class TestWeb:\n"
        "    def test_server_stats(self):\n"
        '        Counter("test_server_stats", "Stats").inc()\n'
    )
    for path in ("tests/test_aio.py", "tests/typing/api.py", "conftest.py", "pkg/stats_test.py", "pkg/stats.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(source)
    run = hardenfix(tmp_path, "check", "--isolated", "--select", "HF302", "--format", "json", ".")
    flagged = sorted({finding["path"] for finding in json.loads(run.stdout)})
    assert flagged == ["pkg/stats.py"]


@pytest.mark.parametrize(
    ("file", "text", "fixed"),
    [
        # lovoo/jenkins_exporter: the module runs on `python:2-slim`, which cannot parse the helper.
        ("Dockerfile", "FROM python:2-slim\nCOPY metrics.py .\n", False),
        ("Dockerfile", "ARG PYTHON=3.5\nFROM python:${PYTHON}-alpine AS base\nFROM base\n", False),
        ("pyproject.toml", '[project]\nname = "svc"\nrequires-python = ">=3.5"\n', False),
        ("setup.cfg", "[options]\npython_requires = >=2.7, !=3.0.*, !=3.1.*\n", False),
        ("setup.py", "from setuptools import setup\n\nsetup(name='svc', python_requires='>=3.4')\n", False),
        # Poetry's own constraint syntax; a setup.py naming its constant; PyPy's Python 2;
        # a distribution's Python 2 (ubuntu:16.04's `python`).
        (
            "pyproject.toml",
            '[tool.poetry]\nname = "svc"\n\n[tool.poetry.dependencies]\npython = "^2.7 || ^3.5"\n',
            False,
        ),
        ("setup.py", "from setuptools import setup\n\nREQUIRES = '>=2.7'\n\nsetup(python_requires=REQUIRES)\n", False),
        ("Dockerfile", "FROM pypy:2\nCOPY . /app\n", False),
        (
            "Dockerfile",
            "FROM ubuntu:16.04\nRUN apt-get update \\\n && apt-get install -y \\\n    python \\\n    curl\n",
            False,
        ),
        # Packages that bring a distribution's Python 2 along: CentOS 7's headers, Ubuntu
        # 18.04's bare interpreter, Alpine 3.8's pip.
        ("Dockerfile", "FROM centos:7\nRUN yum install -y epel-release && yum install -y python-devel gcc\n", False),
        ("Dockerfile", "FROM ubuntu:18.04\nRUN apt-get install -y --no-install-recommends python-minimal\n", False),
        ("Dockerfile", "FROM alpine:3.8\nRUN apk add --no-cache py2-pip\nCMD python metrics.py\n", False),
        ("pyproject.toml", '[tool.poetry]\nname = "svc"\n\n[tool.poetry.dependencies]\npython = "^3.8"\n', True),
        # A distribution's Python 3 older than 3.6: old exporters' `apt-get install python3
        # python3-pip` on Ubuntu 16.04 (3.5), Debian 9's packaged client (3.5), Alpine 3.5's.
        (
            "Dockerfile",
            "FROM ubuntu:16.04\nRUN apt-get update && apt-get install -y python3 python3-pip\n"
            'CMD ["python3", "metrics.py"]\n',
            False,
        ),
        ("Dockerfile", "FROM debian:stretch-slim\nRUN apt-get install -y python3-prometheus-client\n", False),
        ("Dockerfile", "FROM alpine:3.5\nRUN apk add --no-cache python3 py3-pip\n", False),
        # Newer releases' Python 3 (Ubuntu 18.04's and Alpine 3.6's are 3.6), and a line of its
        # own (deadsnakes' `python3.6` on Ubuntu 16.04), parse the helper.
        ("Dockerfile", "FROM ubuntu:18.04\nRUN apt-get install -y python3 python3-pip\n", True),
        ("Dockerfile", "FROM alpine:3.6\nRUN apk add --no-cache python3\n", True),
        ("Dockerfile", "FROM ubuntu:xenial\nRUN apt-get install -y python3.6\n", True),
        # A front end's root Dockerfile: node-gyp's Python 2, which runs no module of the tree.
        ("Dockerfile", "FROM node:14-alpine\nRUN apk add --no-cache python2 make g++\nRUN npm ci\n", True),
        ("Dockerfile", "FROM node:20\nRUN apt-get install -y python3 python-is-python3\nCMD python3 app.py\n", True),
        # Python 2's pip on the node image is for a module of the image's own, run beside node.
        (
            "Dockerfile",
            "FROM node:14-buster-slim\nRUN apt-get install -y python python-pip && pip install prometheus_client\n"
            'CMD ["sh", "-c", "python metrics.py & node server.js"]\n',
            False,
        ),
        # A major line alone floats to its newest release; a newer line runs the helper.
        ("Dockerfile", "FROM python:3\nFROM docker.io/library/python:3.6-slim\n", True),
        ("Dockerfile", "FROM registry.example.com/python:2.7\n", True),
        # A Dockerfile of another folder builds something else (a monorepo's legacy tool).
        ("tools/legacy/Dockerfile", "FROM python:2.7\n", True),
        ("pyproject.toml", '[project]\nname = "svc"\nrequires-python = ">=3.6"\n', True),
        ("setup.py", "from setuptools import setup\n\nsetup(name='svc', python_requires='~=3.8')\n", True),
    ],
)
def test_a_module_that_runs_on_a_python_older_than_3_6_gets_no_helper(
    hardenfix, tmp_path: Path, file: str, text: str, fixed: bool
) -> None:
    """The helper's variable annotations are Python 3.6 syntax: a module its project runs
    on an older Python (its Dockerfile's base image, its declared versions) would no longer
    parse there."""
    (tmp_path / "metrics.py").write_text("from prometheus_client import Counter\n\nC = Counter('c', 'C')\n")
    (tmp_path / file).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / file).write_text(text)
    run = hardenfix(tmp_path, "check", "--isolated", "--select", "HF302", "--format", "json", "metrics.py")
    [finding] = json.loads(run.stdout)
    assert (finding["fix"] is not None) is fixed, finding["message"]
    if not fixed:
        assert "(no fix: the helper needs Python 3.6, and " in finding["message"]


def test_a_dockerfile_added_beside_a_module_checks_it_again(hardenfix, tmp_path: Path) -> None:
    """The answer depends on the folders from the project's root down to the module, which
    the cache watches: a Dockerfile added in one of them, building on Python 2, takes the
    helper off the module the cache had answered for; removed, the helper comes back."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "svc" / "app").mkdir(parents=True)
    (tmp_path / "svc" / "pyproject.toml").write_text('[project]\nname = "svc"\n')
    (tmp_path / "svc" / "app" / "metrics.py").write_text(
        "from prometheus_client import Counter\n\nC = Counter('c', 'C')\n"
    )

    def fixed() -> bool:
        run = hardenfix(tmp_path, "check", "--select", "HF302", "--format", "json", ".")
        [finding] = json.loads(run.stdout)
        return finding["fix"] is not None

    assert fixed()
    (tmp_path / "svc" / "Dockerfile").write_text("FROM python:2-slim\nCOPY . .\n")
    assert not fixed()
    (tmp_path / "svc" / "Dockerfile").unlink()
    assert fixed()


def test_a_module_whose_own_syntax_needs_python_3_6_gets_the_helper(hardenfix, tmp_path: Path) -> None:
    """A setup.py that still says `>=3.5` while the module formats its metric's name with an
    f-string: no older Python parses the module, so none is kept from parsing the helper."""
    (tmp_path / "setup.py").write_text("from setuptools import setup\n\nsetup(name='svc', python_requires='>=3.5')\n")
    (tmp_path / "metrics.py").write_text(
        "import os\n\nfrom prometheus_client import Counter\n\n"
        "PREFIX = os.environ.get('PREFIX', 'app')\nC = Counter(f'{PREFIX}_requests_total', 'C')\n"
    )
    run = hardenfix(tmp_path, "check", "--isolated", "--select", "HF302", "--format", "json", "metrics.py")
    [finding] = json.loads(run.stdout)
    assert finding["fix"] is not None, finding["message"]
