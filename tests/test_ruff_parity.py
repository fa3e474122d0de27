"""`check`'s flags do what ruff's do: the same exit code and the same effect on disk, for
the same situation, with ruff (installed with the tests) run on a Python file and
hardenfix on a Compose file.

The situations: nothing to report; findings that all have a safe fix; findings that
have none (or an unsafe one) next to fixable ones; a file that cannot be parsed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli import CLEAN, NEEDS_FIX

SITUATIONS = {
    "clean": ("x = 1\n", CLEAN),
    "fixable": ("import os\n", NEEDS_FIX),
    "mixed": (
        "import os\n\n\ndef f():\n    l = 1\n    return l\n\n\ndef g():\n    x = 1\n",
        NEEDS_FIX + "  api:\n    image: registry.example.com/api:latest\n    profiles: [tools]\n"
        "    environment:\n      API_TOKEN: ${API_TOKEN:-}\n",
    ),
    "unparseable": ("def f(:\n", "services:\n  db: [\n"),
}
"""Python for ruff (F401 safe fix, E741 no fix, F841 unsafe fix), Compose for hardenfix
(HF101 and HF110 safe fixes; HF120 with no fix known; HF110 with an unsafe one)."""

FLAGS = [
    [],
    ["--exit-zero"],
    ["--fix"],
    ["--fix", "--exit-non-zero-on-fix"],
    ["--fix", "--exit-zero"],
    ["--exit-non-zero-on-fix"],
    ["--diff"],
    ["--diff", "--exit-zero"],
    ["--diff", "--exit-non-zero-on-fix"],
    ["--unsafe-fixes"],
    ["--fix", "--unsafe-fixes"],
    ["--diff", "--unsafe-fixes"],
    ["--statistics"],
    ["--show-fixes"],
    ["--fix", "--show-fixes"],
    ["-q"],
    ["--output-format", "concise"],
    ["--exit-zero", "--exit-non-zero-on-fix"],
    ["--diff", "--statistics"],
]
RUFF_SELECTION = ["--isolated", "--no-cache", "--select", "F401,E741,F841"]


def ruff() -> str:
    found = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    assert found, "ruff is installed with the test extra"
    return found


def run_ruff(arguments: list[str], cwd: Path, stdin: str | None = None) -> tuple[int, bool, str]:
    """Exit code, whether the file changed on disk, and stdout."""
    target = cwd / "module.py"
    before = target.read_bytes()
    command = [ruff(), "check", *RUFF_SELECTION, *arguments]
    completed = subprocess.run(command, cwd=cwd, input=stdin, capture_output=True, text=True, check=False)
    return completed.returncode, target.read_bytes() != before, completed.stdout


def run_hardenfix(hardenfix, arguments: list[str], cwd: Path, stdin: str | None = None) -> tuple[int, bool, str]:
    target = cwd / "compose.yaml"
    before = target.read_bytes()
    result = hardenfix(cwd, "check", "--isolated", "--no-cache", *arguments, stdin=stdin and stdin.encode())
    return result.code, target.read_bytes() != before, result.text


@pytest.mark.parametrize("flags", FLAGS, ids=lambda flags: " ".join(flags) or "no flags")
@pytest.mark.parametrize("situation", SITUATIONS)
def test_same_exit_code_and_effect_as_ruff(hardenfix, tmp_path: Path, situation: str, flags: list[str]) -> None:
    python, compose = SITUATIONS[situation]
    (tmp_path / "module.py").write_text(python)
    (tmp_path / "compose.yaml").write_text(compose)
    ruff_code, ruff_wrote, _ = run_ruff([*flags, "module.py"], tmp_path)
    assert run_hardenfix(hardenfix, [*flags, "compose.yaml"], tmp_path)[:2] == (ruff_code, ruff_wrote)


@pytest.mark.parametrize("flags", [[], ["--fix"], ["--diff"], ["--fix", "--exit-non-zero-on-fix"]], ids=str)
@pytest.mark.parametrize("situation", SITUATIONS)
def test_stdin_as_ruff_reads_it(hardenfix, tmp_path: Path, situation: str, flags: list[str]) -> None:
    """`check --stdin-filename NAME -`: the same exit code as ruff's; with --fix, stdout is
    the fixed text exactly when ruff's is, and the input as it is otherwise."""
    python, compose = SITUATIONS[situation]
    (tmp_path / "module.py").write_text(python)
    (tmp_path / "compose.yaml").write_text(compose)
    ruff_code, _, ruff_out = run_ruff([*flags, "--stdin-filename", "module.py", "-"], tmp_path, stdin=python)
    code, wrote, out = run_hardenfix(hardenfix, [*flags, "--stdin-filename", "compose.yaml", "-"], tmp_path, compose)
    assert code == ruff_code
    assert not wrote, "standard input is never written back"
    if "--fix" not in flags:
        return
    assert (out == compose) == (ruff_out == python)
    if situation in ("fixable", "mixed"):
        assert hardenfix(tmp_path, "apply", "--isolated", "--no-cache", "compose.yaml").code == 0
        assert out == (tmp_path / "compose.yaml").read_text(), "the fixed text is what apply writes"
