"""HF202 on running code: each golden case's image is laid out on disk from its `COPY`
instructions, and its process started there as the container starts it. Before the fix
the shared package is not found; after it, the process runs, and `PYTHONPATH` brings in
nothing but the app root."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from golden import ROOT
from hardenfix.rules.dockerfile.hf202_pythonpath_shared_modules import _ancestors
from hardenfix.sources import dockerfile
from hardenfix.sources.dockerfile import DockerfileDocument, expand_variables

CASES = ROOT / "dockerfile" / "HF202-pythonpath-shared-modules"


def _cases_fixed(applicability: str) -> list[str]:
    return sorted(
        case.name
        for case in CASES.iterdir()
        if any(f["fix"] and f["fix"]["applicability"] == applicability for f in _findings(case.name))
    )


def _findings(case: str) -> list[dict]:
    return json.loads((CASES / case / "findings.json").read_text())


FIXED = _cases_fixed("safe")
HIDING_THE_STANDARD_LIBRARY = [
    case for case in _cases_fixed("unsafe") if "the standard library's" in _findings(case)[0]["message"]
]


def _lay_out(document: DockerfileDocument, root: Path) -> None:
    """Build the final stage's files under `root` as BuildKit would, stage by stage: a stage
    starts from the files of the stage it is built from, and each `COPY` adds the files
    it names, from the build context or, `--from`, from an earlier stage's files. Only
    what the golden cases use: no globs, no `ADD` archives."""
    context = document.build_context
    assert context is not None and document.final_stage is not None
    built: dict[int, Path] = {}
    for stage in document.stages:
        files = root if stage is document.final_stage else root.parent / f"{root.name}-stage-{stage.index}"
        if stage.parent is not None:
            shutil.copytree(built[stage.parent.index], files, dirs_exist_ok=True)
        files.mkdir(parents=True, exist_ok=True)
        built[stage.index] = files
        for copy in stage.copies():
            earlier = document.stage_named(copy.from_stage, document.stages[: stage.index]) if copy.from_stage else None
            for source in copy.sources:
                origin = (
                    built[earlier.index] / source.lstrip("/")
                    if earlier is not None
                    else context.root / source.lstrip("/")
                )
                if origin.is_dir():
                    shutil.copytree(origin, files / copy.destination.lstrip("/"), dirs_exist_ok=True)
                elif origin.is_file():
                    target = files / copy.landing(source).lstrip("/")
                    target.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(origin, target)


def _pythonpath(document: DockerfileDocument, inherited: dict[str, str]) -> str | None:
    """`PYTHONPATH` as the final stage's `ENV` sets it, over what the base image sets."""
    assert document.final_stage is not None
    value = inherited.get("PYTHONPATH")
    for stage in reversed(list(document.final_stage.lineage())):
        for env in stage.instructions_named("ENV"):
            name, _, written = env.arguments.partition("=")
            if name == "PYTHONPATH":
                # Unset, it expands to nothing (the fix's `${PYTHONPATH:+...}` reads "" as unset).
                value = expand_variables(written, {"PYTHONPATH": value or ""})
    return value


def _start(
    case: str,
    dockerfile_name: str,
    root: Path,
    code: str | None = None,
    inherited: dict[str, str] | None = None,
    elsewhere: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Lay the image out under `root` and start its process (its `CMD`, else the module
    that imports the shared package as a script; `code` instead, with `python -c`) in its
    working directory (or, `elsewhere`, in a folder of its own), image paths mapped
    under `root`."""
    document = dockerfile.parse((CASES / case / dockerfile_name).read_text(), CASES / case / dockerfile_name)
    _lay_out(document, root)
    stage = document.final_stage
    assert stage is not None
    command = stage.effective("CMD")
    argv = command.exec_form if command is not None else None
    if argv is None:
        [script] = [p for p in root.rglob("*.py") if "import" in p.read_text() and "common" in p.read_text()]
        argv = ["python", "/" + str(script.relative_to(root))]
    if code is not None:
        argv = ["python", "-c", code]
    mapped = [str(root) + word if word.startswith("/") else word for word in argv[1:]]
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    pythonpath = _pythonpath(document, inherited or {})
    if pythonpath is not None:
        environment["PYTHONPATH"] = ":".join(
            str(root) + entry if entry.startswith("/") else entry for entry in pythonpath.split(":")
        )
    workdir = root / ("elsewhere" if elsewhere else stage.working_directory().lstrip("/"))
    workdir.mkdir(parents=True, exist_ok=True)
    return subprocess.run(
        [sys.executable, *mapped], cwd=workdir, env=environment, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize("case", FIXED)
def test_the_process_finds_the_shared_package_once_fixed(case: str, tmp_path: Path) -> None:
    before = _start(case, "before.Dockerfile", tmp_path / "before")
    after = _start(case, "after.Dockerfile", tmp_path / "after")
    assert after.returncode == 0, after.stderr
    if '"-m"' in (CASES / case / "before.Dockerfile").read_text():
        return  # `python -m` puts its working directory, the app root, on sys.path: it ran by accident
    assert before.returncode != 0 and "ModuleNotFoundError" in before.stderr


@pytest.mark.parametrize("case", FIXED)
@pytest.mark.parametrize("inherited", [{}, {"PYTHONPATH": "/opt/base"}], ids=["unset", "set-by-the-base-image"])
def test_pythonpath_brings_in_the_app_root_and_what_the_base_image_set(
    case: str, inherited: dict[str, str], tmp_path: Path
) -> None:
    """No empty entry, which Python would read as the working directory, wherever that is."""
    code = "import os, sys; print(sys.path.count(os.getcwd()))"
    shown = _start(case, "after.Dockerfile", tmp_path, code, inherited, elsewhere=True)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "0"
    document = dockerfile.parse((CASES / case / "after.Dockerfile").read_text())
    entries = (_pythonpath(document, inherited) or "").split(":")
    assert entries[1:] == (["/opt/base"] if inherited else []) and entries[0].startswith("/")


@pytest.mark.parametrize(
    ("case", "elsewhere"),
    [("module-in-the-root", False), ("module-in-the-root", True), ("package-modules", False)],
    ids=["module-in-the-root", "module-in-the-root-run-from-elsewhere", "package-modules"],
)
def test_what_hf202_leaves_alone_runs_without_the_fix(tmp_path: Path, case: str, elsewhere: bool) -> None:
    """The cases HF202 leaves alone: started where its command starts it (or, a script, from
    another folder), the process finds the package beside the module that imports it."""
    assert case not in FIXED
    started = _start(case, "before.Dockerfile", tmp_path / "image", elsewhere=elsewhere)
    assert (started.returncode, started.stdout) == (0, "['/healthz']\n"), started.stderr


@pytest.mark.parametrize("case", HIDING_THE_STANDARD_LIBRARY)
def test_the_unsafe_fix_would_hide_what_its_message_names(case: str, tmp_path: Path) -> None:
    """With the app root first on the path, a module of the standard library the message
    names is the app's folder of that name, for every process."""
    [finding] = _findings(case)
    root = re.search(r"PYTHONPATH=([^$]+)\$", finding["fix"]["title"]).group(1)
    hidden = re.findall(r"`([^`]+)` would hide the standard library's `(\w+)`", finding["message"])
    assert hidden
    document = dockerfile.parse((CASES / case / "before.Dockerfile").read_text(), CASES / case / "before.Dockerfile")
    _lay_out(document, tmp_path)
    for path, module in hidden:
        environment = {**os.environ, "PYTHONPATH": str(tmp_path) + root}
        shown = subprocess.run(
            [sys.executable, "-c", f"import {module}; print({module}.__file__)"],
            cwd=tmp_path,
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        )
        assert shown.stdout.strip().startswith(str(tmp_path) + path)


def test_the_unsafe_fix_would_hide_the_package_a_later_stage_installs(tmp_path: Path) -> None:
    """The stage `prod`, built from the one the fix changes, runs `pip install /srv && rm -r
    /srv/src/webapp/static` (as ethyca/fides installs its package, then deletes the admin UI
    from the source tree): with the fix's `PYTHONPATH` first, `python -m webapp` imports the
    source tree, whose files are gone, not the installed package."""
    case = "installed-by-a-later-stage"
    [finding] = _findings(case)
    assert "that the stage `prod`, built from this one, installs" in finding["message"]
    root = re.search(r"PYTHONPATH=([^$]+)\$", finding["fix"]["title"]).group(1)
    document = dockerfile.parse((CASES / case / "before.Dockerfile").read_text(), CASES / case / "before.Dockerfile")
    image = tmp_path / "image"
    _lay_out(document, image)
    # What the wheel puts into `site-packages`: the package with its package data (`static/*`).
    site_packages = tmp_path / "site-packages"
    shutil.copytree(image / "srv/src/webapp", site_packages / "webapp")
    shutil.rmtree(image / "srv/src/webapp/static")

    def start(pythonpath: list[Path]) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "PYTHONPATH": ":".join(map(str, pythonpath))}
        return subprocess.run(
            [sys.executable, "-m", "webapp"], cwd=image / "srv", env=environment, capture_output=True, text=True
        )

    unfixed = start([site_packages])
    assert (unfixed.returncode, unfixed.stdout) == (0, "<h1>built UI</h1>\n\n"), unfixed.stderr
    fixed = start([Path(str(image) + root), site_packages])
    assert fixed.returncode != 0 and "FileNotFoundError" in fixed.stderr


def test_a_source_written_from_the_root_is_the_contexts_own(tmp_path: Path) -> None:
    """`COPY /requirements /requirements` (celery's docs image) copies the context's
    `requirements`: read as `/requirements`, the folders above it never reached the
    context's root and the rule looped for ever."""
    context = dockerfile.BuildContext(tmp_path)
    assert context.expand("/requirements") == ["requirements"]
    assert context.expand("/") == ["."]
    assert list(itertools.islice(_ancestors("/", "."), 3)) == ["/"]
