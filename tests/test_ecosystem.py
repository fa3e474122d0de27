"""Configuration discovery, output formats, git-aware runs, shards and bot commits, through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import tomllib
from pathlib import Path

import pytest
from test_cli import FIXED, NEEDS_FIX, write

SECRET_ONLY = "services:\n  db:\n    image: example/db:1\n    environment:\n      DB_PASSWORD: ${DB_PASSWORD:-x}\n"


def codes(result) -> list[str]:
    return [finding["code"] for finding in json.loads(result.stdout)]


def test_config_is_found_upward_and_nearer_files_win(hardenfix, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    write(tmp_path / "pyproject.toml", '[tool.hardenfix]\nselect = ["HF101"]\n')
    write(tmp_path / "services" / "hardenfix.toml", 'extend-select = ["HF110"]\n')
    write(tmp_path / "services" / "api" / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "infra" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--format", "json")
    findings = {(f["path"], f["code"]) for f in json.loads(result.stdout)}
    assert findings == {
        ("infra/compose.yaml", "HF101"),
        ("services/api/compose.yaml", "HF101"),
        ("services/api/compose.yaml", "HF110"),
    }


def test_root_true_stops_the_search(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "hardenfix.toml", 'select = ["HF110"]\n')
    write(tmp_path / "team" / ".hardenfix.toml", 'root = true\nselect = ["HF101"]\n')
    write(tmp_path / "team" / "compose.yaml", NEEDS_FIX)
    assert codes(hardenfix(tmp_path, "check", "--format", "json")) == ["HF101"]


def test_isolated_ignores_configuration(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "hardenfix.toml", 'select = ["HF101"]\n')
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    assert codes(hardenfix(tmp_path, "check", "--format", "json", "--isolated")) == ["HF110", "HF101"]


def test_invalid_config_deep_in_the_tree_stops_the_run_before_any_write(hardenfix, tmp_path: Path) -> None:
    first = write(tmp_path / "a" / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "z" / "hardenfix.toml", 'selct = ["HF1"]\n')
    write(tmp_path / "z" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "apply")
    assert result.code == 2
    assert result.stderr.startswith(f"hardenfix: error: {tmp_path / 'z' / 'hardenfix.toml'}: unknown key 'selct'")
    assert first.read_text() == NEEDS_FIX


def test_invalid_config_deep_in_the_tree_stops_a_check_before_any_output(hardenfix, tmp_path: Path) -> None:
    for n in range(300):  # enough for a pool, busy with them while the walk goes on
        write(tmp_path / "a" / f"s{n:03d}" / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "z" / "hardenfix.toml", 'selct = ["HF1"]\n')
    write(tmp_path / "z" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--jobs", "2")
    assert result.code == 2
    assert not result.stdout
    assert result.stderr.startswith(f"hardenfix: error: {tmp_path / 'z' / 'hardenfix.toml'}: unknown key 'selct'")


def test_exclude_per_file_ignores_and_fail_on(hardenfix, tmp_path: Path) -> None:
    write(
        tmp_path / "hardenfix.toml",
        'exclude = ["generated/"]\nfail-on = ["HF110"]\n[per-file-ignores]\n"legacy/*.yaml" = ["secret-required"]\n',
    )
    write(tmp_path / "generated" / "compose.yaml", NEEDS_FIX)
    write(tmp_path / "legacy" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--format", "json")
    assert {(f["path"], f["code"]) for f in json.loads(result.stdout)} == {("legacy/compose.yaml", "HF101")}
    assert result.code == 0, "HF101 is reported but not in fail-on"
    write(tmp_path / "app" / "compose.yaml", SECRET_ONLY)
    assert hardenfix(tmp_path, "check").code == 1
    assert hardenfix(tmp_path, "check", "generated/compose.yaml").code == 1, "a named file is never excluded"


def test_config_command_prints_toml_with_each_values_origin(hardenfix, tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.hardenfix]\nselect = ["HF1"]\nexclude = ["generated/"]\n[tool.hardenfix.rules.HF101]\nstart-period = "1m"\n'
        '[tool.hardenfix.per-file-ignores]\n"legacy/*.yaml" = ["HF120"]\n[tool.hardenfix.pins]\n"example/api" = "1.4.2"\n'
        '[tool.hardenfix.images."example/api"]\ntools = ["sh", "curl"]\nclass = "api"\n',
    )
    result = hardenfix(tmp_path, "config")
    assert result.code == 0, result.stderr
    lines = result.text.splitlines()
    assert 'select = ["HF1"]  # pyproject.toml' in lines
    assert "unsafe-fixes = false  # default" in lines
    assert "[rules.HF101]  # pyproject.toml" in lines
    assert 'start-period = "1m"' in lines
    assert "[rules.HF102]  # default" in lines, "every option of every rule in effect, defaults too"
    parsed = tomllib.loads(result.text)
    assert parsed["select"] == ["HF1"]
    assert parsed["rules"]["HF101"] == {"start-period": "1m"}
    assert parsed["rules"]["HF110"]["message"] == "{name} is required"
    assert parsed["per-file-ignores"] == {"legacy/*.yaml": ["HF120"]}
    assert parsed["images"]["example/api"]["tools"] == ["curl", "sh"]

    # Pasted into a project's configuration, it means what it says.
    (tmp_path / "pyproject.toml").unlink()
    write(tmp_path / "hardenfix.toml", result.text)
    again = hardenfix(tmp_path, "config")
    assert again.code == 0, again.stderr
    assert tomllib.loads(again.text) == parsed


@pytest.mark.parametrize("output_format", ["sarif", "github", "markdown", "json"])
def test_every_format_on_check_and_apply(hardenfix, tmp_path: Path, output_format: str) -> None:
    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    checked = hardenfix(tmp_path, "check", "--format", output_format)
    assert checked.code == 1
    if output_format == "sarif":
        run = json.loads(checked.stdout)["runs"][0]
        assert [r["ruleId"] for r in run["results"]] == ["HF110", "HF101"]
    elif output_format == "github":
        assert checked.text.startswith("::warning file=compose.yaml,line=5,col=26,")
    elif output_format == "markdown":
        assert "HF101" in checked.text and "HF110" in checked.text
    applied = hardenfix(tmp_path, "apply", "--format", output_format)
    assert applied.code == 0
    assert target.read_text() == FIXED


def test_dry_run_colours_only_when_asked_or_on_a_terminal(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    plain = hardenfix(tmp_path, "apply", "--dry-run")
    coloured = hardenfix(tmp_path, "apply", "--dry-run", "--color", "always")
    assert b"\x1b[" not in plain.stdout
    assert b"\x1b[32m+      start_period: 30s\x1b[0m\n" in coloured.stdout


def git(cwd: Path, *arguments: str) -> str:
    return subprocess.run(["git", *arguments], cwd=cwd, check=True, capture_output=True, text=True).stdout


def repository(root: Path) -> Path:
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "config", "user.email", "dev@example.com")
    git(root, "config", "user.name", "Dev")
    write(root / "old" / "compose.yaml", NEEDS_FIX)
    git(root, "add", ".")
    git(root, "commit", "--quiet", "-m", "initial")
    return root


def test_changed_processes_only_files_changed_since_a_revision(hardenfix, tmp_path: Path) -> None:
    repository(tmp_path)
    write(tmp_path / "new" / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "check", "--format", "json", "--changed", "HEAD")
    assert {f["path"] for f in json.loads(result.stdout)} == {"new/compose.yaml"}
    default_base = hardenfix(tmp_path, "check", "--format", "json", "--changed")
    assert {f["path"] for f in json.loads(default_base.stdout)} == {"new/compose.yaml"}


def test_shards_split_the_files_without_overlap(hardenfix, tmp_path: Path) -> None:
    for index in range(12):
        write(tmp_path / f"s{index}" / "compose.yaml", NEEDS_FIX)
    shards = [
        {f["path"] for f in json.loads(hardenfix(tmp_path, "check", "--format", "json", "--shard", f"{k}/3").stdout)}
        for k in (1, 2, 3)
    ]
    assert set.union(*shards) == {f"s{index}/compose.yaml" for index in range(12)}
    assert sum(len(shard) for shard in shards) == 12
    assert all(shards), "a dozen files spread over three shards"
    assert hardenfix(tmp_path, "check", "--shard", "4/3").code == 2


def test_commit_puts_the_fixes_on_a_branch_and_writes_a_pr_body(hardenfix, tmp_path: Path) -> None:
    repository(tmp_path)
    body = tmp_path.parent / f"{tmp_path.name}-body.md"
    result = hardenfix(tmp_path, "apply", "--commit", "--branch", "bot/hardening", "--pr-body", str(body))
    assert result.code == 0, result.stderr
    assert git(tmp_path, "rev-parse", "--abbrev-ref", "HEAD").strip() == "bot/hardening"
    assert git(tmp_path, "status", "--porcelain") == ""
    message = git(tmp_path, "log", "-1", "--format=%B")
    assert message.startswith("hardenfix: apply 2 production-hardening fixes\n")
    assert "- HF101 healthcheck-start-period: 1" in message and "- HF110 secret-required: 1" in message
    assert (tmp_path / "old" / "compose.yaml").read_text() == FIXED
    assert "HF110" in body.read_text()
    again = hardenfix(tmp_path, "apply", "--commit", "--branch", "bot/hardening")
    assert again.code == 0
    assert git(tmp_path, "rev-list", "--count", "HEAD").strip() == "2", "nothing left to fix: no new commit"


def test_commit_outside_a_repository_is_an_error(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = hardenfix(tmp_path, "apply", "--commit")
    assert result.code == 2
    assert result.stderr.startswith("hardenfix: error: --commit: `git rev-parse` failed: fatal: not a git repository")


def test_sweep_recipe_is_non_interactive_and_exits_0_with_changes_on_disk(tmp_path: Path) -> None:
    """multi-gitter and Batch Changes run a step and commit whatever it left on disk."""
    from conftest import run_console_script

    target = write(tmp_path / "compose.yaml", NEEDS_FIX)
    result = run_console_script(tmp_path, "apply")
    assert result.returncode == 0
    assert target.read_text() == FIXED


def test_a_worker_told_what_discovery_noted_asks_the_file_system_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hardenfix.config import LISTED_NAMES, Configuration
    from hardenfix.discovery import discover

    write(tmp_path / ".git" / "HEAD", "ref: refs/heads/main\n")
    write(tmp_path / "hardenfix.toml", 'ignore = ["HF101"]\n')
    path = write(tmp_path / "a" / "b" / "compose.yaml", NEEDS_FIX)
    parent = Configuration()
    list(discover([tmp_path], [], parent.folder_listed, None, LISTED_NAMES, {}))
    expected = parent.for_path(path)
    worker = Configuration()  # started before discovery listed anything
    worker.for_folder(str(tmp_path))  # the configuration file is read, as a worker would
    worker.take_notes(parent.notes_on([str(path.parent)]))
    asked: list[str] = []
    monkeypatch.setattr(os.path, "isfile", lambda p: asked.append(p) or False)
    monkeypatch.setattr(os.path, "isdir", lambda p: asked.append(p) or False)
    assert worker.for_path(path).ignore == expected.ignore
    assert asked == []
