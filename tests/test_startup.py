"""Start-up stays light: what pre-commit and `--version` pay for is the imports.

Each command runs in a fresh interpreter (a subprocess), through the package's
`__main__` as `python -m hardenfix` would, and reports which modules it ended
up importing. These assert behaviour (what is imported), never timings.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HEAVY_AT_IMPORT = ("libcst", "ruamel", "jsonschema", "rich")

RUN_CLI = r"""
import atexit, json, runpy, sys
sys.argv = ["hardenfix", *json.loads(sys.argv[1])]
# The command ends in os._exit, after the exit handlers: this one reports its modules.
atexit.register(lambda: sys.stderr.write("\n" + json.dumps(sorted(sys.modules)) + "\n"))
runpy.run_module("hardenfix", run_name="__main__", alter_sys=True)
"""

COMPOSE = """\
services:
  db:
    image: postgres:latest
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-secret}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 10s
"""


def run_cli(*args: str, cwd: Path) -> tuple[int, set[str], str]:
    """Run `hardenfix ARGS` in a fresh interpreter: its exit code, its modules, its stdout."""
    completed = subprocess.run(
        [sys.executable, "-c", RUN_CLI, json.dumps(list(args))],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    modules = json.loads(completed.stderr.rstrip().splitlines()[-1])
    return completed.returncode, set(modules), completed.stdout


def imported(modules: set[str], package: str) -> bool:
    return any(name == package or name.startswith(package + ".") for name in modules)


def test_version_imports_no_libcst(tmp_path: Path) -> None:
    code, modules, out = run_cli("--version", cwd=tmp_path)
    assert code == 0
    assert out.startswith("hardenfix ")
    assert not imported(modules, "libcst")


def test_rules_imports_no_libcst(tmp_path: Path) -> None:
    code, modules, out = run_cli("rules", cwd=tmp_path)
    assert code == 0
    assert "HF301" in out  # the Python rules are listed without their parser
    assert not imported(modules, "libcst")


@pytest.mark.parametrize("no_cache", [False, True], ids=["cache", "no-cache"])
def test_checking_a_compose_file_imports_no_libcst(tmp_path: Path, no_cache: bool) -> None:
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    args = ["check", *(["--no-cache"] if no_cache else []), "compose.yaml"]
    code, modules, out = run_cli(*args, cwd=tmp_path)
    assert code == 1, out  # findings: the file really went through the Compose rules
    assert "HF120" in out
    assert imported(modules, "ruamel")
    assert not imported(modules, "libcst")
    # Rules are loaded by the kind of file checked: no Python rule, nor its parsers.
    assert imported(modules, "hardenfix.rules.compose")
    assert not imported(modules, "hardenfix.rules.python")
    assert not imported(modules, "hardenfix.sources.python")


def test_a_warm_check_imports_no_rule_and_no_parser(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run the cache answers for every file knows what it keys them by without the
    rules: their modules, and the parsers and facts they bring, stay unloaded."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "project"
    project.mkdir()
    # A service built from a Dockerfile of the run: the warm run learns the Compose file's
    # build contexts from the cache, and tells the Dockerfile which services run its image.
    (project / "compose.yaml").write_text(COMPOSE + "  app:\n    build: ./app\n    image: example/app:1\n")
    (project / "app").mkdir()
    (project / "app" / "Dockerfile").write_text('FROM python:3.12-slim\nCMD ["python", "-m", "http.server"]\n')
    (project / "metrics.py").write_text(
        "from prometheus_client import Counter\n\nREQUESTS = Counter('r', 'requests')\n"
    )
    (project / "broken").mkdir()  # files that do not parse: the cache remembers why
    (project / "broken" / "compose.yaml").write_text("services:\n  web:\n    image: [unclosed\n")
    (project / "broken" / "app.py").write_text("from prometheus_client import Counter\n\ndef broken(:\n    pass\n")
    an_hour_ago = time.time() - 3600  # settled: the cache keeps what it read of them
    for path in [*project.rglob("*.*"), project / "app" / "Dockerfile"]:
        os.utime(path, (an_hour_ago, an_hour_ago))
    cold_code, cold_modules, cold_out = run_cli("check", ".", cwd=project)
    assert imported(cold_modules, "hardenfix.rules.compose") and imported(cold_modules, "hardenfix.rules.python")
    code, modules, out = run_cli("check", ".", cwd=project)
    assert (code, out) == (cold_code, cold_out) and "HF302" in out and "HF120" in out
    for loaded_only_to_check in (
        "hardenfix.rules.compose",
        "hardenfix.rules.dockerfile",
        "hardenfix.rules.python",
        "hardenfix.sources.compose",
        "hardenfix.sources.dockerfile",
    ):
        assert not imported(modules, loaded_only_to_check)
    assert not imported(modules, "ruamel") and not imported(modules, "hardenfix.sources.python")


@pytest.mark.parametrize("command", [["check", "--no-cache"], ["apply", "--dry-run", "--no-cache"]], ids=" ".join)
def test_a_plain_run_imports_neither_typer_nor_pydantic(tmp_path: Path, command: list[str]) -> None:
    """typer reads every option through pydantic, a third of a one-file check's time: the
    entry point runs `check` and `apply` with plain options without either."""
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    code, modules, out = run_cli(*command, "compose.yaml", cwd=tmp_path)
    assert code == 1 and out
    assert not imported(modules, "typer")
    assert not imported(modules, "pydantic")
    code, modules, _ = run_cli(*command, "--help", cwd=tmp_path)
    assert code == 0
    assert imported(modules, "typer"), "the probe sees typer where the app reads the arguments"


def test_checking_into_a_pipe_imports_no_rich(tmp_path: Path) -> None:
    """Colour is rich's decision, but where no terminal could show it (pre-commit, CI) rich
    is not even imported: it costs about 50 ms of a one-file check."""
    (tmp_path / "compose.yaml").write_text(COMPOSE)
    code, modules, out = run_cli("check", "--no-cache", "compose.yaml", cwd=tmp_path)
    assert code == 1 and "HF120" in out
    assert not imported(modules, "rich")
    code, modules, _ = run_cli("check", "--no-cache", "--color", "always", "compose.yaml", cwd=tmp_path)
    assert imported(modules, "rich"), "the probe sees rich where colour is asked for"


def test_a_yaml_only_tree_imports_no_libcst(tmp_path: Path) -> None:
    for index in range(3):
        service = tmp_path / f"svc{index}"
        service.mkdir()
        (service / "docker-compose.yml").write_text(COMPOSE)
    code, modules, _ = run_cli("check", "--no-cache", ".", cwd=tmp_path)
    assert code == 1
    assert not imported(modules, "libcst")


def test_a_python_file_without_fixes_imports_no_libcst(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def f():\n    try:\n        return 1\n    except ValueError:\n        return 0\n")
    code, modules, _ = run_cli("check", "--no-cache", "app.py", cwd=tmp_path)
    assert code == 0
    assert not imported(modules, "libcst")


def test_checking_a_fixable_metric_imports_no_libcst(tmp_path: Path) -> None:
    """Whether HF302's helper can go above the metric is told without making its edits:
    the module's `from typing import` would be rewritten by libcst."""
    (tmp_path / "app.py").write_text(
        'from typing import Optional\n\nfrom prometheus_client import Counter\n\nREQUESTS = Counter("r_total", "R")\n'
    )
    code, modules, _ = run_cli("check", "--no-cache", "app.py", cwd=tmp_path)
    assert code == 1
    assert not imported(modules, "libcst")


def test_the_cli_module_imports_nothing_heavy() -> None:
    probe = "import json, sys\nimport hardenfix.cli\nprint(json.dumps(sorted(sys.modules)))\n"
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    modules = set(json.loads(completed.stdout))
    assert "hardenfix.cli" in modules
    heavy = [package for package in HEAVY_AT_IMPORT if imported(modules, package)]
    assert heavy == [], f"importing hardenfix.cli imports {heavy}"


def test_the_probe_sees_libcst_when_a_python_fix_needs_it(tmp_path: Path) -> None:
    """The other tests' `not imported` means something: a Python fix does import libcst."""
    (tmp_path / "app.py").write_text(
        "def f(x):\n    try:\n        return int(x)\n    except Exception:\n        return 0\n"
    )
    code, modules, diff = run_cli("apply", "--dry-run", "--no-cache", "--unsafe-fixes", "app.py", cwd=tmp_path)
    assert (code, diff.splitlines()[0]) == (1, "--- a/app.py")
    assert imported(modules, "libcst")
