"""Python sources are read as the interpreter reads them (PEP 263) and written back in their
own encoding; the dry-run diff carries their own bytes."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import apply_diff
from test_cli import write

from hardenfix.engine import Engine, SourceFile
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule

LATIN_1_MODULE = (
    "# -*- coding: latin-1 -*-\n"
    '"""Métriques du service de facturation."""\n'
    "from prometheus_client import Counter\n"
    "\n"
    'ÉTAT = "reçu"; ERRORS = Counter("svc_errors_total", "Erreurs reçues")\n'
).encode("latin-1")


def test_a_latin1_module_is_checked_with_positions_in_characters(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "metrics.py", LATIN_1_MODULE)
    result = hardenfix(tmp_path, "check", "--no-cache", "--select", "HF302", "--output-format", "concise")
    assert result.code == 1, result.stderr
    assert result.text.startswith("metrics.py:5:25: HF302 ")  # 27 in UTF-8 bytes


def test_a_latin1_module_is_fixed_and_written_in_latin1(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "metrics.py", LATIN_1_MODULE)
    result = hardenfix(tmp_path, "apply", "--no-cache")
    assert result.code == 0, result.stderr
    written = target.read_bytes()
    assert written.startswith(LATIN_1_MODULE[:60])
    assert b'"Erreurs re\xe7ues")' in written and "_get_or_create_metric(" in written.decode("latin-1")
    compile(written, "metrics.py", "exec")  # the interpreter reads it by its coding line


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_the_diff_of_a_latin1_module_applies_to_exactly_what_apply_writes(hardenfix, tmp_path: Path, tool: str) -> None:
    patched, applied = tmp_path / "patched", tmp_path / "applied"
    write(patched / "metrics.py", LATIN_1_MODULE)
    write(patched / "app.py", "# coding: utf-8\nfrom prometheus_client import Counter\nÉ = Counter('é', 'é')\n")
    shutil.copytree(patched, applied)
    diff = hardenfix(patched, "apply", "--dry-run", "--no-cache").stdout
    assert b"re\xe7ues" in diff, "the diff carries the module's own bytes"
    apply_diff(tool, diff, patched)
    assert hardenfix(applied, "apply", "--no-cache").code == 0
    for written in applied.iterdir():
        assert (patched / written.name).read_bytes() == written.read_bytes()
    assert (applied / "metrics.py").read_bytes() != LATIN_1_MODULE


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"x = '\xe9'\n", "is not valid UTF-8 (byte 0xe9 at offset 5)"),
        (b"# coding: klingon\nx = 1\n", "has an encoding declaration Python cannot use: unknown encoding: klingon"),
        (
            b"\xef\xbb\xbf# coding: latin-1\nx = 1\n",
            "starts with a UTF-8 byte-order mark but declares another encoding",
        ),
        (b"# coding: ascii\nx = '\xe9'\n", "is not valid ascii (byte 0xe9 at offset 21)"),
    ],
    ids=["no-declaration", "unknown", "bom-and-latin-1", "not-what-it-declares"],
)
def test_a_module_python_cannot_decode_is_an_error(hardenfix, tmp_path: Path, content: bytes, error: str) -> None:
    write(tmp_path / "mod.py", content + b"from prometheus_client import Counter\n")
    result = hardenfix(tmp_path, "check", "--no-cache", "--output-format", "concise")
    assert result.code == 1
    assert result.text.splitlines() == [f"mod.py:1:1: HF002 {error}"]


def test_a_utf8_module_with_a_bom_and_a_coding_line_keeps_its_bom(hardenfix, tmp_path: Path) -> None:
    target = write(
        tmp_path / "metrics.py",
        b"\xef\xbb\xbf# coding: utf-8\n" + LATIN_1_MODULE.decode("latin-1").split("\n", 1)[1].encode(),
    )
    assert hardenfix(tmp_path, "apply", "--no-cache").code == 0
    written = target.read_bytes()
    assert written.startswith(b"\xef\xbb\xbf# coding: utf-8\n") and "_get_or_create_metric(" in written.decode(
        "utf-8-sig"
    )


class InsertComment(Rule):
    """Writes a comment above the first `NAME`, once."""

    code = "HF399"
    slug = "test-insert-comment"
    kind = FileKind.PYTHON
    category = Category.CORRECTNESS
    summary = "test rule"
    fix_safety = FixSafety.SAFE
    prefilter = re.compile(rb"")

    def __init__(self, code: str, name: str, comment: str) -> None:
        super().__init__()
        self.code, self.name, self.comment = code, name, comment

    def check(self, document) -> Iterator[Finding]:
        if self.comment not in document.text:
            start = document.text.index(self.name)
            edit = Edit.insert(start, self.comment + "\n")
            yield self.finding(document, start, start + len(self.name), "x", self.fix("x", edit))


def test_a_fix_the_file_encoding_cannot_hold_is_dropped_with_a_note() -> None:
    text = "# coding: latin-1\nPRICE = 5\nCOST = 4\n"
    rules = [InsertComment("HF399", "PRICE", "# 5 €"), InsertComment("HF398", "COST", "# 5 £")]  # no € in Latin-1
    outcome = Engine(rules).fix(
        FileKind.PYTHON, text, "prices.py", SourceFile(Path("prices.py"), encoding="iso-8859-1")
    )
    assert outcome.text == "# coding: latin-1\nPRICE = 5\n# 5 £\nCOST = 4\n"
    assert [finding.code for finding in outcome.fixed] == ["HF398"]
    assert outcome.dropped == [
        "HF399 fix at line 2 dropped: its text cannot be written in the file's encoding (iso-8859-1)"
    ]


@pytest.mark.parametrize("flag", ["--fix", "--diff"])
def test_a_latin1_module_on_standard_input_is_read_and_written_as_apply_does(
    hardenfix, tmp_path: Path, flag: str
) -> None:
    """An editor that fixes on save pipes the buffer's bytes: a module is decoded by its
    coding line there too, and comes back in its own encoding."""
    target = write(tmp_path / "metrics.py", LATIN_1_MODULE)
    piped = hardenfix(
        tmp_path, "check", flag, "--no-cache", "--stdin-filename", "metrics.py", "-", stdin=LATIN_1_MODULE
    )
    assert "HF002" not in piped.stderr and "HF002" not in piped.stdout.decode("latin-1")
    assert hardenfix(tmp_path, "apply", "--no-cache").code == 0
    if flag == "--fix":
        assert piped.code == 0, piped.stderr
        assert piped.stdout == target.read_bytes() != LATIN_1_MODULE
    else:
        assert piped.code == 1, piped.stderr
        patched = write(tmp_path / "patched" / "metrics.py", LATIN_1_MODULE)
        apply_diff("git", piped.stdout, patched.parent)
        assert patched.read_bytes() == target.read_bytes()
