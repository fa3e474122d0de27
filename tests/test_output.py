"""What a person sees: colour decided by rich (`--color`, NO_COLOR, FORCE_COLOR), the
report in a file, quiet and verbose runs, statistics, help, and one style for every error."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from conftest import run_console_script
from test_cli import NEEDS_FIX, write

from hardenfix.colour import ColourChoice, could_be_terminal, painter_for

ESCAPE = b"\x1b["


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch):
    """Set the colour variables for an in-process run, the others removed."""

    def set_to(variables: dict[str, str]) -> None:
        for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in variables.items():
            monkeypatch.setenv(name, value)

    return set_to


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        ([], {}, False),
        ([], {"FORCE_COLOR": "1"}, True),
        ([], {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (["--color", "never"], {"FORCE_COLOR": "1"}, False),
        (["--color=never"], {"FORCE_COLOR": "1"}, False),
        (["--color", "always"], {}, True),
        (["--color", "always"], {"NO_COLOR": "1"}, True),
        (["--color", "auto"], {"FORCE_COLOR": "1"}, True),
    ],
    ids=["pipe", "force-color", "no-color-wins", "never", "never-equals", "always", "always-over-no-color", "auto"],
)
def test_colour_follows_the_flag_and_the_environment(
    hardenfix, environment, tmp_path: Path, args: list[str], env, coloured: bool
) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    environment(env)
    for command in (["check"], ["apply", "--dry-run"]):
        result = hardenfix(tmp_path, *command, *args)
        assert result.code == 1, result.stderr
        assert (ESCAPE in result.stdout) is coloured, (command, result.stdout[:200])
        assert result.stdout.replace(b"\x1b[", b"").strip(), "never a path named `never`"


def test_coloured_output_is_the_plain_output_painted(hardenfix, tmp_path: Path) -> None:
    import re

    write(tmp_path / "compose.yaml", NEEDS_FIX.replace("\n", "\r\n"))
    for command in (["check"], ["check", "--output-format", "concise"], ["apply", "--dry-run"]):
        plain = hardenfix(tmp_path, *command, "--color", "never").stdout
        coloured = hardenfix(tmp_path, *command, "--color", "always").stdout
        assert re.sub(rb"\x1b\[[0-9;]*m", b"", coloured) == plain, command
    assert b"\r" in plain, "a CRLF file's diff keeps its carriage returns, coloured or not"


@pytest.mark.parametrize("tty", [False, True])
@pytest.mark.parametrize(
    "env",
    [
        {},
        {"FORCE_COLOR": "1"},
        {"FORCE_COLOR": ""},
        {"NO_COLOR": "1"},
        {"TTY_COMPATIBLE": "1"},
        {"TTY_COMPATIBLE": "0"},
    ],
    ids=str,
)
def test_the_shortcut_agrees_with_rich(monkeypatch: pytest.MonkeyPatch, tty: bool, env: dict[str, str]) -> None:
    """Where `could_be_terminal` spares importing rich, rich would have found no terminal."""
    from rich.console import Console

    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("TERM", "xterm-256color")
    stream = io.StringIO()
    stream.isatty = lambda: tty  # type: ignore[method-assign]
    rich_colours = Console(file=stream).color_system is not None and not Console(file=stream).no_color
    if not could_be_terminal(stream):
        assert not rich_colours
    assert painter_for(ColourChoice.AUTO, stream).colour is rich_colours


def test_output_file_holds_the_report_and_stdout_stays_empty(hardenfix, environment, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    environment({"FORCE_COLOR": "1"})
    result = hardenfix(tmp_path, "check", "--output-format", "json", "--output-file", "report.json")
    assert result.code == 1
    assert result.stdout == b""
    assert [f["code"] for f in json.loads((tmp_path / "report.json").read_text())] == ["HF110", "HF101"]
    text = hardenfix(tmp_path, "check", "-o", "report.txt")
    assert text.stdout == b""
    assert "\x1b[" not in (tmp_path / "report.txt").read_text(), "a file is never coloured"
    assert "HF101 [*] healthcheck of service `db`" in (tmp_path / "report.txt").read_text()
    assert "Found 2 findings" in text.stderr


def test_output_format_and_format_are_the_same_flag(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    assert (
        hardenfix(tmp_path, "check", "--format", "sarif").stdout
        == hardenfix(tmp_path, "check", "--output-format", "sarif").stdout
    )


def test_quiet_prints_the_report_only(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    loud, quiet = hardenfix(tmp_path, "check"), hardenfix(tmp_path, "check", "-q")
    assert quiet.stdout == loud.stdout
    assert (loud.stderr != "", quiet.stderr) == (True, "")
    assert hardenfix(tmp_path, "apply", "--quiet").stderr == ""


def test_verbose_names_each_file(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "a" / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "b" / "compose.yaml", "services:\n  web:\n    image: example/web:1.0\n")
    lines = hardenfix(tmp_path, "check", "-v", "--no-cache").stderr.splitlines()
    assert "hardenfix: a/compose.yaml: unchanged, 2 findings" in lines
    assert "hardenfix: b/compose.yaml: unchanged" in lines
    assert any(line.startswith("hardenfix: 2 files in ") for line in lines)


def test_statistics(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "a" / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "b" / "compose.yaml", NEEDS_FIX + "  api:\n    image: registry.example.com/api:latest\n")
    result = hardenfix(tmp_path, "check", "--statistics")
    assert result.code == 1
    assert (
        result.text
        == "2\tHF101\t[*] healthcheck-start-period\n2\tHF110\t[*] secret-required\n1\tHF120\t[ ] image-pin\n"
    )
    rows = json.loads(hardenfix(tmp_path, "check", "--statistics", "--output-format", "json").stdout)
    assert rows[2] == {"code": "HF120", "name": "image-pin", "count": 1, "fixable": False, "fixable_count": 0}
    after_fix = hardenfix(tmp_path, "check", "--statistics", "--fix")
    assert after_fix.text == "1\tHF120\timage-pin\n", "what is left, without fix markers, as ruff prints it"


def test_extend_select_adds_to_the_configured_selection(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "hardenfix.toml", 'select = ["HF101"]\n')

    def codes(*args: str) -> list[str]:
        return [f["code"] for f in json.loads(hardenfix(tmp_path, "check", "--format", "json", *args).stdout)]

    assert codes() == ["HF101"]
    assert codes("--extend-select", "HF110") == ["HF110", "HF101"]
    assert codes("--extend-select", "HF110", "--ignore", "HF101") == ["HF110"]


def test_show_fixes_lists_what_was_fixed(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--diff", "--show-fixes")
    assert result.text.endswith(
        "\nWould fix 2 findings:\n- compose.yaml:\n    1 × HF101 (healthcheck-start-period)\n    1 × HF110 (secret-required)\n"
    )
    as_json = hardenfix(tmp_path, "apply", "--dry-run", "--show-fixes", "--output-format", "json")
    assert json.loads(as_json.stdout) == [], "the listing goes to stderr, the document stays one"
    assert "Would fix 2 findings:\n- compose.yaml:\n" in as_json.stderr
    fixed = hardenfix(tmp_path, "check", "--fix", "--show-fixes")
    assert "Fixed 2 findings:\n- compose.yaml:\n" in fixed.text


def test_unsafe_fixes_on_check_marks_the_findings_an_unsafe_fix_resolves(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", "services:\n  db:\n    image: postgres:latest\n")
    without = hardenfix(tmp_path, "check", "--select", "HF120", "--output-format", "concise")
    with_unsafe = hardenfix(tmp_path, "check", "--select", "HF120", "--output-format", "concise", "--unsafe-fixes")
    assert " HF120 service" in without.text and " HF120 [*] service" in with_unsafe.text
    assert "0 fixable" not in without.stderr and "1 more with `--unsafe-fixes`" in without.stderr
    assert "1 fixable with `--fix`" in with_unsafe.stderr


@pytest.mark.parametrize("command", [[], ["check"], ["apply"], ["config"], ["rules"], ["explain"]])
def test_dash_h_is_help(tmp_path: Path, command: list[str]) -> None:
    result = run_console_script(tmp_path, *command, "-h")
    assert result.returncode == 0
    assert result.stdout.startswith(b"Usage: hardenfix")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "--bogus"], "hardenfix: error: no such option: --bogus"),
        (["check", "--color", "sometimes"], "hardenfix: error: invalid value for '--color': 'sometimes' is not one of"),
        (
            ["check", "--exit-zero", "--exit-non-zero-on-fix"],
            "hardenfix: error: --exit-zero and --exit-non-zero-on-fix",
        ),
        (["frobnicate"], "hardenfix: error: no such command 'frobnicate'"),
        (["check", "nowhere.yaml"], "hardenfix: error: nowhere.yaml: does not exist"),
        (["explain", "HF999"], "hardenfix: error: unknown rule 'HF999'"),
    ],
)
def test_every_error_is_one_line_in_one_style(tmp_path: Path, args: list[str], message: str) -> None:
    result = run_console_script(tmp_path, *args)
    assert result.returncode == 2
    assert result.stdout == b""
    [line] = result.stderr.decode().splitlines()
    assert line.startswith(message), line


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_a_safe_fix_the_output_guard_refuses_is_not_sent_to_unsafe_fixes(
    hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dry_run: list[str]
) -> None:
    """The findings a refused fix leaves are not ones `--unsafe-fixes` would fix."""
    from hardenfix import validate

    def refuse(*arguments: object) -> None:
        raise validate.GuardError("a fix changed `x`, which no applied rule declares; nothing written")

    monkeypatch.setattr(validate, "check_output", refuse)
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "apply", *dry_run, "--no-cache")
    assert result.code == 0
    assert result.stderr.splitlines()[-1] == "Nothing to fix; 2 findings left."
