"""scripts/ecosystem's report and baseline diff, without its corpus (the run itself is not a test)."""

from __future__ import annotations

import argparse
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "ecosystem"


@pytest.fixture(scope="module")
def ecosystem():
    loader = importlib.machinery.SourceFileLoader("ecosystem", str(SCRIPT))
    spec = importlib.util.spec_from_loader("ecosystem", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["ecosystem"] = module  # its dataclasses look their module up
    loader.exec_module(module)
    yield module
    del sys.modules["ecosystem"]


def _run(ecosystem, findings: list) -> str:
    project = ecosystem.Project(
        name="demo",
        version="1.0",
        original=Path("original"),
        fixed={"safe": Path("safe"), "unsafe": Path("unsafe")},
        findings=findings,
        changed={"safe": ["demo/metrics.py"], "unsafe": ["demo/metrics.py", "demo/io.py"]},
        notes={"own tests": "original: 10 passed, 0 failed; unsafe: ok (10 passed)"},
    )
    return ecosystem.write_report(ecosystem.MODES["python"], [project], seconds=1.0)


def _finding(ecosystem, line: int, rule: str = "HF302", fix: str = "safe", **verdicts: str):
    return ecosystem.Finding(
        project="demo",
        path="demo/metrics.py",
        line=line,
        rule=rule,
        fix=fix,
        title="Create it through a get-or-create helper" if fix != "none" else "",
        message="`Counter` | is registered when the module is imported",
        verdicts={"compiles": "ok", "imports": "ok", **verdicts},
    )


def test_the_report_reads_back_with_every_cell(ecosystem) -> None:
    text = _run(ecosystem, [_finding(ecosystem, 5, **{"double import": "ok: 1 metrics shared"})])
    entries = ecosystem.read_report(text)
    assert entries == {
        ("demo", "demo/metrics.py:5 HF302"): {
            "project": "demo",
            "file:line": "demo/metrics.py:5",
            "rule": "HF302",
            "fix": "safe",
            "title": "Create it through a get-or-create helper",
            "message": "`Counter` | is registered when the module is imported",
            "compiles": "ok",
            "imports": "ok",
            "double import": "ok: 1 metrics shared",
        }
    }
    assert "| HF302 | 1 | 1 | 0 | 1 ok | 1 ok | 1 ok |" in text


def test_the_baseline_diff_names_what_a_change_adds_removes_and_changes(ecosystem) -> None:
    old = _run(
        ecosystem,
        [
            _finding(ecosystem, 5, **{"double import": "FAIL: the first import raised TypeError"}),
            _finding(ecosystem, 9),
            _finding(ecosystem, 20, rule="HF303", fix="none"),
        ],
    )
    new = _run(
        ecosystem,
        [
            _finding(ecosystem, 5, **{"double import": "ok: 1 metrics shared"}),
            _finding(ecosystem, 12, rule="HF303", fix="unsafe"),
        ],
    )
    assert ecosystem.compare(old, new) == [
        "+ demo demo/metrics.py:12 HF303: unsafe fix, `Counter` | is registered when the module is imported,"
        " compiles ok, imports ok",
        "- demo demo/metrics.py:9 HF302: safe fix, `Counter` | is registered when the module is imported,"
        " compiles ok, imports ok",
        "- demo demo/metrics.py:20 HF303: no fix, `Counter` | is registered when the module is imported",
        "~ demo demo/metrics.py:5 HF302: double import: 'FAIL: the first import raised TypeError'"
        " -> 'ok: 1 metrics shared'",
    ]
    assert ecosystem.compare(new, new) == []


SECRET = (
    "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}\n"
    "    healthcheck:\n      test: [CMD, pg_isready]\n      interval: 30s\n      timeout: 10s\n      retries: 3\n"
    "      start_period: 30s\n"
)
REQUIRED = SECRET.replace(":-pmoves}", ":?POSTGRES_PASSWORD is required}")


@pytest.mark.parametrize(
    ("fixed", "verdict"),
    [
        (REQUIRED, "ok"),
        (
            REQUIRED.replace("${POSTGRES_PASSWORD:?", "${POSTGRES_PASS:?"),
            "FAIL: a fix dropped the variable `POSTGRES_PASSWORD`",
        ),
    ],
)
def test_a_compose_fix_is_judged_by_composes_own_model(ecosystem, tmp_path: Path, fixed: str, verdict: str) -> None:
    trees = {name: tmp_path / name for name in ("original", "safe", "unsafe")}
    for name, tree in trees.items():
        tree.mkdir()
        (tree / "compose.yaml").write_text(fixed if name != "original" else SECRET, encoding="utf-8")
    finding = ecosystem.Finding("demo", "compose.yaml", 5, "HF110", "safe", "Require `POSTGRES_PASSWORD`", "falls back")
    project = ecosystem.Project(
        "demo", "as is", trees["original"], {"safe": trees["safe"], "unsafe": trees["unsafe"]}, [finding],
        {"safe": ["compose.yaml"], "unsafe": []},
    )  # fmt: skip
    ecosystem.judge_compose(argparse.Namespace(jobs=1), [project], None)
    assert finding.verdicts["compose model"].startswith(verdict)
    assert finding.verdicts["fixpoint"] == "ok"
