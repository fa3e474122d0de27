"""scripts/ecosystem: its report lists every fix with a verdict, and `--baseline` shows what a
change adds and removes."""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

from conftest import REPO

NEEDS_FIXES = (
    "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}\n"
    "    healthcheck:\n      test: [CMD-SHELL, pg_isready]\n      interval: 10s\n      timeout: 5s\n      retries: 5\n"
)


def load_script():
    loader = importlib.machinery.SourceFileLoader("ecosystem", str(REPO / "scripts" / "ecosystem"))
    spec = importlib.util.spec_from_loader("ecosystem", loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules["ecosystem"] = module  # its dataclasses look their module up by name
    loader.exec_module(module)
    return module


def test_the_report_lists_every_fix_with_its_verdict_and_reads_back(tmp_path: Path) -> None:
    ecosystem = load_script()
    corpus = tmp_path / "stacks"
    (corpus / "app").mkdir(parents=True)
    (corpus / "app" / "compose.yaml").write_text(NEEDS_FIXES, encoding="utf-8")
    lines = ecosystem.run([corpus], mutations=True)
    report = ecosystem.render(lines, [corpus], mutations=True)
    assert "| HF101 | 1 | 1 / 0 | 0 |" in report
    assert (
        "- [safe] `stacks/app/compose.yaml:5` HF110 safe: Require `POSTGRES_PASSWORD` — writes"
        " `${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}` — in 5 variants — ok"
    ) in report.splitlines()
    assert sorted(ecosystem.parse_report(report)) == lines


def test_the_baseline_comparison_names_what_was_added_removed_and_judged_otherwise() -> None:
    ecosystem = load_script()
    line = ecosystem.FixLine("safe", "HF101", "a/compose.yaml:3", "safe", "Add x", "x", 0, "ok")
    other = ecosystem.FixLine("safe", "HF110", "a/compose.yaml:9", "safe", "Require X", "y", 0, "ok")
    judged = ecosystem.FixLine("safe", "HF101", "a/compose.yaml:3", "safe", "Add x", "x", 0, "ORACLE: no")
    comparison = ecosystem.compare([line], [other])
    assert comparison.startswith("1 fixes added, 1 removed, 0 with another verdict")
    assert f"### added\n{other.render()}" in comparison and f"### removed\n{line.render()}" in comparison
    assert ecosystem.compare([line], [judged]).startswith("0 fixes added, 0 removed, 1 with another verdict")
