"""Compose files of several YAML documents, read the way Compose reads them: each
document is a Compose file of its own, merged over the ones before it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import apply_diff, compose_binary, compose_config_errors
from test_cli import write

TWO_DOCUMENTS = """\
# the database
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
      interval: 10s
      timeout: 5s
      retries: 5
---
# the cache, from another file that `compose publish` packed into this one
services:
  cache:
    image: redis:7
    healthcheck:
      test: [CMD, redis-cli, ping]
      interval: 10s
      timeout: 5s
      retries: 5
...
"""


def compose_model(path: Path) -> dict:
    completed = subprocess.run(
        [str(compose_binary()), "-f", str(path), "config", "--format", "json", "--no-interpolate"],
        capture_output=True,
        text=True,
        cwd=path.parent,
        check=True,
    )
    return json.loads(completed.stdout)


def test_each_document_is_checked_with_lines_in_the_whole_file(hardenfix, tmp_path: Path) -> None:
    write(tmp_path / "compose.yaml", TWO_DOCUMENTS)
    result = hardenfix(tmp_path, "check", "--no-cache", "--select", "HF101,HF110", "--output-format", "concise")
    assert result.code == 1, result.stderr
    assert [line.split(" ", 2)[:2] for line in result.text.splitlines()] == [
        ["compose.yaml:6:26:", "HF110"],
        ["compose.yaml:7:5:", "HF101"],
        ["compose.yaml:17:5:", "HF101"],
    ]


def test_every_document_is_fixed_and_compose_reads_the_fixes(hardenfix, tmp_path: Path) -> None:
    target = write(tmp_path / "compose.yaml", TWO_DOCUMENTS)
    assert compose_config_errors(target) is None, "Docker Compose accepts the file"
    result = hardenfix(tmp_path, "apply", "--no-cache", "--validate")
    assert result.code == 0, result.stderr
    assert "Fixed 3 findings in 1 file" in result.stderr
    fixed = target.read_text()
    assert fixed.count("start_period: 30s\n") == 2 and "\n---\n# the cache" in fixed and fixed.endswith("...\n")
    services = compose_model(target)["services"]
    assert services["db"]["healthcheck"]["start_period"] == services["cache"]["healthcheck"]["start_period"] == "30s"
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}"


@pytest.mark.parametrize("tool", ["git", "patch"])
def test_the_diff_of_a_file_of_several_documents_applies(hardenfix, tmp_path: Path, tool: str) -> None:
    patched, applied = tmp_path / "patched", tmp_path / "applied"
    write(patched / "compose.yaml", TWO_DOCUMENTS)
    shutil.copytree(patched, applied)
    result = hardenfix(patched, "apply", "--dry-run", "--no-cache")
    assert result.code == 1, result.stderr
    apply_diff(tool, result.stdout, patched)
    assert hardenfix(applied, "apply", "--no-cache").code == 0
    assert (patched / "compose.yaml").read_bytes() == (applied / "compose.yaml").read_bytes()


def test_a_service_a_later_document_completes_is_not_given_what_that_document_gives(hardenfix, tmp_path: Path) -> None:
    """As with override files: Compose merges the documents, and the merged service has a
    healthcheck, so none is added to the first document's part of it."""
    write(
        tmp_path / "compose.yaml",
        "services:\n  db:\n    image: postgres:16\n---\nservices:\n  db:\n    healthcheck:\n"
        '      test: ["CMD-SHELL", "pg_isready -U app"]\n'
        "---\nservices:\n  search:\n    image: postgres:16\n",
    )
    result = hardenfix(tmp_path, "check", "--no-cache", "--select", "HF106", "--output-format", "concise")
    assert result.code == 1, result.stderr
    assert [line.split(" ", 2)[:2] for line in result.text.splitlines()] == [["compose.yaml:11:3:", "HF106"]]


def test_a_duplicate_key_is_named_in_its_own_document(hardenfix, tmp_path: Path) -> None:
    write(
        tmp_path / "compose.yaml",
        "services:\n  a:\n    image: x:1\n---\nservices:\n  a:\n    image: x:1\n    image: x:2\n",
    )
    result = hardenfix(tmp_path, "check", "--no-cache", "--output-format", "concise")
    assert result.code == 1
    assert result.text.splitlines() == [
        "compose.yaml:8:5: HF002 duplicate key 'image' at line 8 (first at line 7);"
        " refusing to guess which one Compose would use"
    ]


@pytest.mark.parametrize(
    ("version", "key", "declared"),
    [
        ('"3.3"', "start_period", '"3.3"'),
        ("'3'", "start_period", "'3'"),  # Compose v1 reads "3" as 3.0
        ("2.2", "start_period", "2.2"),
        ('"2"', "healthcheck", '"2"'),
        ('"3.4"', "start_period", None),
        ('"3.10"', "start_period", None),
        ('"2.3"', "start_period", None),
        ('"2.1"', "healthcheck", None),
        ('"3.0"', "healthcheck", None),
        ('"1"', "start_period", None),  # no legacy format of this number has a schema hardenfix knows
        (None, "start_period", None),  # the Compose Specification: every key
        ('"2.4"', "deploy.resources.reservations.devices", '"2.4"'),  # no `deploy` in 2.x
        ('"3.9"', "deploy.resources.reservations.devices", '"3.9"'),  # cpus, memory, generic_resources only
        (None, "deploy.resources.reservations.devices", None),
    ],
)
def test_legacy_format_without_names_versions_whose_schema_lacks_the_key(version, key, declared) -> None:
    from hardenfix.sources.compose import ComposeDocument

    text = ("" if version is None else f"version: {version}\n") + "services:\n  db:\n    image: postgres:16\n"
    assert ComposeDocument.parse(text).legacy_format_without(key) == declared
