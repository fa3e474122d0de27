"""The code passes the project's own lint and format settings (pyproject.toml [tool.ruff])."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CHECKED = ["hardenfix", "tests", "scripts/regen-golden", "scripts/update-readme", "scripts/bench", "scripts/ecosystem"]


def ruff(*arguments: str) -> subprocess.CompletedProcess[str]:
    program = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert program is not None, "ruff is a test dependency"
    return subprocess.run([program, *arguments, *CHECKED], cwd=REPO, capture_output=True, text=True)


@pytest.mark.parametrize("command", [("check",), ("format", "--check")], ids=["lint", "format"])
def test_ruff(command: tuple[str, ...]) -> None:
    result = ruff(*command)
    assert result.returncode == 0, result.stdout + result.stderr
