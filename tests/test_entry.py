"""The entry point runs `check` and `apply` without typer, and reads their arguments exactly
as the typer app does; whatever it is not sure of, typer reads."""

from __future__ import annotations

import inspect
import subprocess
import sys
import typing
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from hardenfix import cli, commands, entry
from hardenfix.colour import ColourChoice
from hardenfix.commands import Format

DIRECT = ["check", "apply"]


def _typer_command(name: str):
    return typer.main.get_command(cli.app).commands[name]


def _value_kind(annotation: Any) -> entry._Value:
    """How a value option of this type is read."""
    types = {argument for argument in typing.get_args(annotation) or (annotation,) if argument is not type(None)}
    [kind] = types
    return {
        str: entry._Value.TEXT,
        Path: entry._Value.PATH,
        int: entry._Value.COUNT,
        Format: entry._Value.FORMAT,
        ColourChoice: entry._Value.COLOUR,
    }[kind]


@pytest.mark.parametrize("name", DIRECT)
def test_the_direct_options_are_those_typer_declares(name: str) -> None:
    hints = typing.get_type_hints(getattr(commands, name))
    declared: dict[str, entry._Option] = {}
    for parameter in _typer_command(name).params:
        if parameter.param_type_name != "option":
            continue
        if parameter.is_flag:
            declared.update((spelling, (parameter.name, True)) for spelling in parameter.opts)
            declared.update((spelling, (parameter.name, False)) for spelling in parameter.secondary_opts)
        else:
            kind = _value_kind(hints[parameter.name])
            declared.update((spelling, (parameter.name, kind)) for spelling in parameter.opts)
            if kind is entry._Value.COUNT:
                assert parameter.type_descriptor.parameter_info.min == 1
    assert entry._OPTIONS[name] == declared


@pytest.mark.parametrize("name", ["check", "apply", "show_config", "rules", "explain"])
def test_the_bodies_take_what_typer_gives(name: str) -> None:
    """Same parameters, same defaults: a direct call leaves out what typer would fill in."""
    declared = inspect.signature(getattr(cli, name)).parameters
    body = inspect.signature(getattr(commands, name)).parameters
    assert [(p.name, p.default) for p in declared.values()] == [(p.name, p.default) for p in body.values()]


def _typer_reads(arguments: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    captured: dict[str, Any] = {}
    monkeypatch.setattr(commands, arguments[0], lambda **values: captured.update(values))
    result = CliRunner().invoke(cli.app, arguments)
    assert result.exit_code == 0, result.output
    return captured


READ_ALIKE = [
    ["check"],
    ["check", "."],
    ["check", "-"],
    ["check", "a.py", "b/compose.yaml", "--no-cache"],
    ["check", "--fix", "--no-fix", "--diff", "-q", "-v", "-e", "--statistics"],
    ["check", "--unsafe-fixes", "--show-fixes", "--exit-non-zero-on-fix", "--isolated"],
    ["check", "--no-unsafe-fixes", "--no-show-fixes"],
    ["check", "--output-format", "json", "--format=sarif", "-o", "report.sarif", "--output-file=x"],
    ["check", "--select", "HF1,HF2", "--extend-select=HF001", "--ignore", "-x"],
    ["check", "--config", "hardenfix.toml", "--color", "never", "--color=always"],
    ["check", "--stdin-filename", "deploy/compose.yaml", "-"],
    ["check", "--changed=", "--shard", "1/3", "--jobs", "4", "-j", "2"],
    ["check", "-j1", "-oreport.sarif", "-o=x"],
    ["check", "--changed", "main", "x"],
    ["apply"],
    ["apply", "--dry-run", "--unsafe-fixes", "--validate", "--format", "markdown", "src"],
    ["apply", "--commit", "--branch", "fixes/all", "--no-verify", "--pr-body", "body.md"],
    ["apply", "--output-format", "full", "--color", "auto", "-q", "--no-cache", "--jobs=1"],
]


@pytest.mark.parametrize("arguments", READ_ALIKE, ids=" ".join)
def test_direct_and_typer_read_arguments_alike(
    arguments: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    call = entry.direct_call(arguments)
    assert call is not None
    name, values = call
    defaults = {p.name: p.default for p in inspect.signature(getattr(commands, name)).parameters.values()}
    assert {**defaults, **values} == _typer_reads(arguments, monkeypatch)


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["--version", "check"],
        ["--help"],
        ["check", "--help"],
        ["check", "-h"],
        ["check", "-qv"],
        ["check", "--fix=yes"],
        ["check", "--", "x"],
        ["check", "--select"],
        ["check", "--jobs", "0"],
        ["check", "--jobs", "two"],
        ["check", "-j=3"],
        ["check", "--format", "JSON"],
        ["check", "--color", "sometimes"],
        ["check", "--config", ""],
        ["check", "--dry-run"],
        ["apply", "--fix"],
        ["rules"],
        ["explain", "HF101"],
        ["config", "."],
    ],
    ids=lambda arguments: " ".join(arguments) or "nothing",
)
def test_typer_reads_what_the_direct_path_is_not_sure_of(arguments: list[str]) -> None:
    assert entry.direct_call(arguments) is None


def _console(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hardenfix", *arguments], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_a_usage_error_found_by_a_command_is_said_in_typers_words(tmp_path: Path, hardenfix) -> None:
    arguments = ["check", "--exit-zero", "--exit-non-zero-on-fix", "."]
    direct = _console(tmp_path, *arguments)
    in_typer = hardenfix(tmp_path, *arguments)
    assert (direct.returncode, direct.stdout, direct.stderr) == (in_typer.code, in_typer.text, in_typer.stderr)
    assert direct.stderr == (
        "hardenfix: error: --exit-zero and --exit-non-zero-on-fix exclude each other; see `hardenfix check --help`\n"
    )


def test_a_run_said_the_same_either_way(tmp_path: Path, hardenfix) -> None:
    (tmp_path / "compose.yaml").write_text(
        'services:\n  db:\n    image: postgres:16\n    healthcheck:\n      test: ["CMD", "pg_isready"]\n'
    )
    for arguments in (["check", "--no-cache", "compose.yaml"], ["apply", "--dry-run", "--no-cache", "."]):
        direct = _console(tmp_path, *arguments)
        in_typer = hardenfix(tmp_path, *arguments)
        assert (direct.returncode, direct.stdout, direct.stderr) == (in_typer.code, in_typer.text, in_typer.stderr)
        assert direct.returncode == 1


def test_a_reader_that_goes_away_ends_the_run_quietly(tmp_path: Path) -> None:
    for index in range(200):
        (tmp_path / f"s{index}").mkdir()
        (tmp_path / f"s{index}" / "compose.yaml").write_text("services:\n  db:\n    image: postgres:latest\n")
    reader = subprocess.Popen(
        [sys.executable, "-m", "hardenfix", "check", "--no-cache", "--output-format", "concise", "."],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.readline()
    reader.stdout.close()
    assert reader.wait(timeout=120) == 1
    assert b"Traceback" not in reader.stderr.read()


def test_the_console_script_flushes_its_whole_output_before_it_exits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It ends with `os._exit`, which would drop whatever the streams still buffer."""
    monkeypatch.delenv("PYTHONUNBUFFERED", raising=False)
    assert _console(tmp_path, "--version").stdout.startswith("hardenfix ")
    for index in range(300):
        (tmp_path / f"s{index}").mkdir()
        (tmp_path / f"s{index}" / "compose.yaml").write_text("services:\n  db:\n    image: postgres:latest\n")
    found = _console(tmp_path, "check", "--no-cache", "--select", "HF120", "--output-format", "concise", "-e", ".")
    assert found.returncode == 0
    assert len(found.stdout.splitlines()) == 300
    assert found.stderr == "Found 300 findings; 300 more with `--unsafe-fixes`.\n"
    clean = _console(tmp_path, "check", "--no-cache", "--select", "HF101", ".")
    assert (clean.returncode, clean.stdout + clean.stderr) == (0, "No findings in 300 files.\n")


def test_the_console_script_exits_as_python_would(monkeypatch: pytest.MonkeyPatch, capfd) -> None:
    exits = []
    monkeypatch.setattr(entry.os, "_exit", exits.append)
    for code in (None, 0, 2, "no such thing"):
        monkeypatch.setattr(entry, "main", lambda code=code: sys.exit(code))
        entry.console_main()
    assert exits == [0, 0, 2, 1]
    assert capfd.readouterr().err == "no such thing\n"


def test_a_check_of_every_kind_builds_no_dataclass(tmp_path: Path) -> None:
    # Python 3.11 builds a dataclass at import by compiling generated source: 0.5 to 4 ms a
    # class, a tenth of a one-file check when 25 stood on its path (scripts/bench-results.md).
    # `inspect` costs 5 ms more: `ast.get_docstring` imports it to clean the docstring that
    # HF303 reads in `fetch`.
    # A Compose file, a Dockerfile and a Python module, each with findings, with the cache on.
    (tmp_path / "compose.yaml").write_text(
        "services:\n  api:\n    build: .\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:-secret}\n"
    )
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.12-slim\nCOPY app.py .\nHEALTHCHECK CMD curl -f http://localhost:8000/ || exit 1\nCMD ["python", "app.py"]\n'
    )
    (tmp_path / "app.py").write_text(
        "import prometheus_client\n\nREQUESTS = prometheus_client.Counter('requests', 'Requests')\n"
        '\n\ndef fetch():\n    """Fetch the row.\n\n    Loads it.\n    """\n    try:\n        return load()\n    except Exception:\n        pass\n'
    )
    program = (
        "import sys\n"
        "from hardenfix.entry import main\n"
        f"sys.argv = ['hardenfix', 'check', '--jobs', '1', {str(tmp_path)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 1, exit.code\n"
        "print(sorted(name for name in ('dataclasses', 'inspect') if name in sys.modules))\n"
    )
    for run in ("cold", "warm"):
        completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
        assert completed.stdout.splitlines()[-1] == "[]", run


def test_a_check_of_a_compose_file_alone_imports_no_tokenizer_nor_threads(tmp_path: Path) -> None:
    # `tokenize` reads a Python file's suppressions, `threading` watches a worker's parent
    # where Linux's signal is missing: 2 ms of a one-file check that needs neither.
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text("services:\n  api:\n    image: nginx:latest\n")
    program = (
        "import sys\n"
        "from hardenfix.entry import main\n"
        f"sys.argv = ['hardenfix', 'check', '--no-cache', {str(compose_file)!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    assert exit.code == 1, exit.code\n"
        "print(sorted(name for name in ('tokenize', 'threading') if name in sys.modules))\n"
    )
    completed = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert completed.stdout.splitlines()[-1] == "[]"
