from __future__ import annotations

import glob
import posixpath
import re
import sys
import weakref
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import NamedTuple

from hardenfix import regexes
from hardenfix.discovery import SKIPPED_DIRECTORIES
from hardenfix.facts.process import launch_of
from hardenfix.knowledge import parse_reference
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.probes import innermost, positional_arguments, simple_commands
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.dockerfile import (
    BuildContext,
    ContextError,
    Copy,
    DockerfileDocument,
    Instruction,
    NotLocated,
    Stage,
    locate,
)
from hardenfix.sources.makefile import recipe_lines
from hardenfix.sources.python import has_main_block
from hardenfix.sources.python_dependencies import (
    INCLUDED_REQUIREMENTS,
    REQUIREMENT_FILES,
    FolderDeclarations,
    Unpinned,
    brings,
    editable,
    folder_declarations,
    local_path,
    option_values,
    provides,
    read_text,
    requirement_lines,
    requirement_name,
    requirements_file,
    unpinned,
    written,
)
from hardenfix.sources.python_environments import (
    Environment,
    environments_written,
    pip_install_arguments,
    switched_on,
)
from hardenfix.sources.python_project import PACKAGING_FILES, synced_into_environment

_SETS_PYTHONPATH = regexes.lazy(r"(?:^|\s)PYTHONPATH(?:=|\s|$)")
_PIP_INSTALL = regexes.lazy(r"\bpip[\d.]*(?:\s+-\S+)*\s+install\b")
"""`pip install`, also past general options written as one word (`pip3 --no-cache-dir install`)."""
_MAIN_GUARD = regexes.lazy(r"""^if\s+__name__\s*==\s*["']__main__["']""", re.MULTILINE)
_PIP_OPTIONS_WITH_VALUE = frozenset(
    {
        *("-r", "--requirement", "-c", "--constraint", "--build-constraint", "-t", "--target", "--prefix", "--root"),
        *("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--src", "--cache-dir", "--python"),
        *("--platform", "--python-version", "--implementation", "--abi", "--trusted-host", "--proxy", "--cert"),
        *("--client-cert", "--exists-action", "--upgrade-strategy", "--progress-bar", "--log", "--report"),
        *("-C", "--config-settings", "--global-option", "--no-binary", "--only-binary", "-p", "--group"),
    }
)
"""Options of `pip install` and `uv pip install` that take the next word as their value."""
_MAKE = frozenset({"make", "gmake"})
_MAKEFILE_NAMES = ("GNUmakefile", "makefile", "Makefile")
"""The names GNU make looks for, in its order."""
_MAKE_OPTIONS_WITH_VALUE = frozenset(
    {"-C", "--directory", "-f", "--file", "--makefile", "-I", "--include-dir", "-o", "--old-file", "-W", "--what-if"}
)
_IDENTIFIER = regexes.lazy(r"[A-Za-z_][A-Za-z0-9_]*")
# Imports are found from the keyword: a pattern that starts with a literal is searched
# for in C, seven times faster than one anchored at each line start.
_IMPORT_KEYWORD = regexes.lazy(r"import\b")
_FROM_CLAUSE = regexes.lazy(r"[ \t]*from[ \t]+([\w.]+)[ \t]+")
_IMPORTED_NAMES = regexes.lazy(r"[ \t]+([\w., \t]+)")
_UV_SKIPS_THE_PROJECT = frozenset({"--no-install-project", "--only-dev"})
_ARCHIVES = (".whl", ".tar.gz", ".tgz", ".tar.bz2", ".zip")
_STANDARD_LIBRARY = frozenset(
    {
        *sys.stdlib_module_names,
        # Those of the other Python versions an image may run (3.10 to 3.14), whichever runs hardenfix.
        *("asynchat", "asyncore", "binhex", "distutils", "imp", "smtpd", "tomllib", "annotationlib", "compression"),
        *("aifc", "audioop", "cgi", "cgitb", "chunk", "crypt", "imghdr", "lib2to3", "mailcap", "msilib", "nis"),
        *("nntplib", "ossaudiodev", "pipes", "sndhdr", "spwd", "sunau", "telnetlib", "uu", "xdrlib"),
        *("_android_support", "_bootsubprocess", "_colorize", "_crypt", "_interpchannels", "_interpqueues"),
        *("_interpreters", "_ios_support", "_msi", "_opcode_metadata", "_pydatetime", "_pylong", "_pyrepl"),
        *("_sha2", "_sha256", "_sha512", "_suggestions", "_sysconfig", "_tokenize", "_typing", "_wmi"),
    }
)


class _SharedPackage(NamedTuple):
    copy: Copy
    folder: str
    """In the build context."""
    import_name: str
    """How the service imports it: `services.common`."""
    app_root: str
    """The folder that must be on `sys.path` for that import: the `WORKDIR`."""


class PythonpathSharedModules(Rule):
    """
    ## What it does
    Finds a Python image stage that copies a shared package into the app tree
    (`COPY services/common /app/services/common`, `COPY common/ ./services/common/`)
    which the service's own code imports (`from services.common import db`),
    and never sets `PYTHONPATH`. It adds
    `ENV PYTHONPATH=<app root>${PYTHONPATH:+:$PYTHONPATH}`,
    the app root being the `WORKDIR` in effect, right after that `WORKDIR` (or
    after `FROM` when the stage has none).

    The build context is the Dockerfile's folder: the copied folder must hold Python
    files there, and some other Python file the stage copies, below the app root,
    must import it by the name its place under the app root gives it. When the
    process starts in the app root (`WORKDIR /app`), a module that lands there
    (`main.py` for `uvicorn main:app`) finds the packages beside it through the
    folder that holds it, run as a script or imported by its own name, whenever it
    can be found at all; so does a module of a regular package there
    (`plane/app/views.py`, imported as `plane.app.views`), unless it is a script
    (the stage's command names it, or it has an `if __name__ == "__main__":` block),
    whose own folder would come first: their imports are no finding. (Imported as
    `app.main` from the folder above, a module would not find them: there the app
    root is not the working directory.) Nor are those of a main script the stage's
    command runs (`python FileInfo/fileinfo_analyzer.py`, Cortex-Analyzers), wherever
    the process starts: Python puts the script's own folder first on the path, and
    finds the packages beside it there. Folders that are not the project's own code
    (virtualenvs' `site-packages`, `node_modules`, caches) are left out, as
    discovery leaves them out. A stage that only builds what a later stage copies
    (`COPY --from=builder`) runs no service: it is not checked; what the later stage
    copies of its files from the build context counts as copied by the `COPY --from`
    (unless the builder installs a project, whose packages its environment then
    holds). A package that a `RUN` (in shell or exec form, `RUN ["pip",
    "install", "."]`, or in a heredoc it runs, `RUN <<EOT`; through a wrapper,
    `env PIP_NO_CACHE_DIR=1 pip`, `pyenv exec python3.12 -m pip`, with any pip,
    `pip3.12`, past pip's general options, `pip3 --no-cache-dir install`; or through
    `make`, in the recipes of its targets and their prerequisites in the Makefile the
    stage copied, `RUN make install`, its own variables expanded) installs with the
    project holding it (`pip install .`,
    `uv sync`, `poetry install`, `pdm install`, from a folder at or above it,
    once a `COPY` has brought the package there; or listed by path in a
    requirements file pip reads, `pip install -r requirements.txt` holding
    `-e ./libs/common`, `file:./libs/common` or `common @ file:///app/libs/common`,
    there or in a file it includes with `-r`: pip, and `uv pip install` alike, read
    such a path against the directory they run in, not the file's folder, and a
    nested `-r` beside the file that includes it; a `-c` constraints file installs
    nothing), or may install from an
    archive (`pip install /wheels/*.whl`, before or after the copy, when the package
    belongs to a project of the build context), is imported from the environment
    wherever the process starts: not a finding (unless the tool installs only the
    project's dependencies: `uv sync` of a `pyproject.toml` without `[build-system]`,
    as `uv init` writes an application, or with `package = false`; Poetry's
    `package-mode = false`, PDM's `distribution = false`). Nor is one whose project another stage
    installs so, as a copy (not `pip install -e .`, nor `uv sync`, `pdm install` without
    `--no-editable`, nor `poetry install`, whose environment only points at that stage's
    source tree), into an environment the stage copies from it: its `site-packages` or a
    folder above it (papermerge-core: `uv pip install --system .` in `python_build`, then
    `COPY --from=python_build /usr/local/lib/python3.14/site-packages ...`), a
    virtualenv (`python -m venv /opt/venv`, `ENV VIRTUAL_ENV`, uv's `/app/.venv`; `COPY
    --from=builder /opt/venv /opt/venv`), a prefix, `--target` or `--user` folder
    (`pip install --prefix=/install .`, then `COPY --from=builder /install /usr/local`).
    What else the stage copies from there (`COPY --from=builder /app/static ...`,
    `/usr/local/bin/app`) installs nothing. A Dockerfile that builds a Windows
    image (`WORKDIR C:\\app`, a PowerShell `SHELL`) is left alone: its paths are not
    POSIX paths.

    An import is not taken for a folder of the name it imports when something else
    may be what it means: a module of the standard library (of any Python from 3.10
    to 3.14); a distribution the Dockerfile's `pip install` names or the project
    declares (`pyproject.toml`, `requirements*.txt`, `setup.cfg`, `setup.py`,
    `Pipfile`, the lock files of uv, Poetry and PDM), whose import names are guessed
    from its name (`graphql-core`: `graphql`; `django-environ`: `environ`; `pyyaml`:
    `yaml`) or known (`beautifulsoup4`: `bs4`); a module the folder does not hold
    (`from mcp.shared.memory import ...` and a folder `mcp` without `shared`); or,
    when the folder's import root is itself a regular package (DefectDojo's
    `dojo/tools`, whose modules import `blackduck` from PyPI and name the package's own
    `dojo/tools/blackduck` relatively), anything.

    ## Why is this bad?
    Python finds `services.common` only when the app root is on `sys.path`.
    That holds by accident when the process starts in the app root through a
    runner that adds the working directory, and fails with
    `ModuleNotFoundError` as soon as the service is started as a script
    (`python services/api/main.py`), from a console script (`celery`,
    `gunicorn --chdir`), from another working directory, or in a test runner.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    COPY services/common /app/services/common
    COPY services/api /app/services/api
    CMD ["python", "services/api/main.py"]
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    WORKDIR /app
    ENV PYTHONPATH=/app${PYTHONPATH:+:$PYTHONPATH}
    COPY services/common /app/services/common
    COPY services/api /app/services/api
    CMD ["python", "services/api/main.py"]
    ```

    ## Fix safety
    Safe when nothing else the app root holds can take another module's place: the
    app root joins the front of the module search path, where the copied packages
    already expect to be found; any `PYTHONPATH` the base image sets is kept after
    it. Where none is set, nothing else is added: `<app root>:$PYTHONPATH` would end
    in an empty entry, which Python reads as the working directory, ahead of the
    standard library.

    Unsafe when a module or regular package the stage copies straight into the app
    root has the name of a module of the standard library (`calendar/`) or one a
    dependency may install (`celery.py` beside `celery` in `requirements.txt`): the
    path's entries come before the standard library and `site-packages`, so every
    process of the image would import the app's file instead. A dependency installs
    what it requires too: where no file pins that (no lock file of uv, Poetry, PDM or
    Pipenv in the folder or above it, for the project files; a requirements file that
    pip-compile, `uv pip compile` or `uv export` did not write, with `# via` lines, nor
    with `--hash`; not `pip install --no-deps`), what those requirements are imported
    by comes from what uv resolves for 138 widely used distributions, alone and with
    each extra (`hardenfix/knowledge/dependency_closures.toml`): `redis.py` beside
    `celery[redis]`, `jwt.py` beside `djangorestframework-simplejwt`, `werkzeug/`
    beside `flask`. One the table does not know brings nothing. A folder without an
    `__init__.py` hides nothing: a module found further down the path comes first. The
    stages built from the stage inherit its `ENV`: unsafe too when one of them copies such
    a module there, or installs the package (`pip install .`), whose copied source tree
    Python would then import instead, without what the build made (ethyca/fides builds
    its admin UI into the installed package, then deletes it from the source tree).
    Unsafe too where no Compose file of the run builds the image and its build context
    is taken to be a folder above the Dockerfile's, the nearest that holds every file
    its `COPY` instructions name (`docker build -f images/app/Dockerfile .`): what
    that folder holds is a guess at what the build copies. So is one context where
    the run's Compose files build the Dockerfile from several that each hold what it
    copies (`context: ./svc` and `context: ./other`, `dockerfile: ../docker/Dockerfile`):
    the last one read is checked, and the fix goes into the image of each.
    """

    code = "HF202"
    slug = "pythonpath-shared-modules"
    kind = FileKind.DOCKERFILE
    category = Category.CORRECTNESS
    summary = "Shared Python package copied into the app tree without `PYTHONPATH`"
    fix_safety = FixSafety.SOMETIMES
    prefilter = regexes.lazy(rb"(?i)\b(?:COPY|ADD)\b")
    changes = ("ENV",)

    def check(self, document: DockerfileDocument) -> Iterator[Finding]:
        context = document.build_context
        if context is None or document.builds_for_windows:
            return
        build_only = _build_only_stages(document)
        for stage in document.stages:
            if stage.index in build_only or not _runs_python(document, stage) or _sets_pythonpath(stage):
                continue
            copied = _copied(document, stage, context)
            distributions = _Distributions(document, context, copied)
            packages = _shared_packages(stage, context, copied, distributions)
            shared = next((package for package in packages if not _installed(document, stage, package, copied)), None)
            if shared is not None:
                yield self._finding(document, stage, shared, _doubts(document, stage, shared, context, copied))

    def _finding(
        self, document: DockerfileDocument, stage: Stage, shared: _SharedPackage, hidden: list[str]
    ) -> Finding:
        own_workdirs = [i for i in stage.instructions_named("WORKDIR") if i.start < shared.copy.instruction.start]
        anchor = own_workdirs[-1] if own_workdirs else stage.from_instruction
        # Not `<root>:$PYTHONPATH`: unset, that leaves an empty entry, which Python reads as
        # the working directory, put before the standard library for every process.
        line = f"ENV PYTHONPATH={shared.app_root}${{PYTHONPATH:+:$PYTHONPATH}}"
        insertion = document.newline_for_insertion(anchor.end) + document.indentation(anchor.start) + line
        copy = shared.copy.instruction
        message = (
            f"`{copy.line.strip()}` puts the package `{shared.import_name}`, which the service imports, under "
            f"`{shared.app_root}`, and `PYTHONPATH` is never set: the import fails unless the process happens "
            f"to start in `{shared.app_root}`"
        )
        if any(character.isspace() or character in "\"'$`\\" for character in shared.app_root):
            # `ENV PYTHONPATH=/srv/my app` is two words, and BuildKit refuses the line.
            return self.finding(
                document, copy.start, copy.end, f"{message} (no fix: its path needs quoting in an `ENV` line)"
            )
        return self.finding(
            document,
            copy.start,
            copy.end,
            message,
            self.fix(f"Add `{line}`", Edit.insert(anchor.end, insertion)),
            doubts=[
                f"first on the module search path, {'; '.join(hidden)}" if hidden else None,
                document.build_context.guess if document.build_context is not None else None,
            ],
        )


def _build_only_stages(document: DockerfileDocument) -> set[int]:
    """Stages that only build what a later stage copies (`COPY --from=builder`) or mounts
    (`RUN --mount=type=bind,from=builder,...`), outside the final stage's lineage: no
    container runs them, and an `ENV` there reaches no image that runs."""
    final = document.final_stage
    runs = {stage.index for stage in final.lineage()} if final is not None else set()
    sources = [(stage, copy.from_stage) for stage in document.stages for copy in stage.copies()]
    sources += [
        (stage, option[len("from=") :])
        for stage in document.stages
        for run in stage.instructions_named("RUN")
        for word in run.flags
        if word.text.startswith("--mount=")
        for option in word.text[len("--mount=") :].split(",")
        if option.startswith("from=")
    ]
    used = {
        found.index
        for stage, source in sources
        if source is not None and (found := document.stage_named(source, document.stages[: stage.index])) is not None
    }
    return used - runs


def _runs_python(document: DockerfileDocument, stage: Stage) -> bool:
    """A stage built from a Python image, or one that installs with pip."""
    base = document.base_image(stage)
    reference = parse_reference(base) if base else None
    if reference is not None and "python" in posixpath.basename(reference.repository):
        return True
    return any(
        _PIP_INSTALL.search(" ".join(word for command in run.commands() for word in command))
        for owner in stage.lineage()
        for run in owner.instructions_named("RUN")
    )


def _sets_pythonpath(stage: Stage) -> bool:
    return any(
        _SETS_PYTHONPATH.search(env.arguments) for owner in stage.lineage() for env in owner.instructions_named("ENV")
    )


def _installed(
    document: DockerfileDocument, stage: Stage, shared: _SharedPackage, copied: list[tuple[Copy, str]]
) -> bool:
    """Whether a `RUN` of the stage, or of one it is built from, installs the package into
    the environment, where it is imported from wherever the process starts: a project from
    a folder at or above it (`pip install .`, `uv sync`, `poetry install`) once a `COPY` has
    brought the package's files there (a `pip install .` after copying `pyproject.toml`
    alone installs none of them); or an archive (`pip install /wheels/*.whl`), which may be
    built from the project that holds the package, before or after it is copied; or a copy
    of the project installed from where a stage it is built from brought the package (`COPY
    . /app`, `pip install .`, then `COPY shop/core/ ./shop/core/` in the stage built from
    it). Or whether the stage copies such an environment from another stage
    (`_environment_copied`). The
    copied source tree would then hide the installed package, and what its build made
    (a setuptools-scm `_version.py`), were its root put first on the path."""
    package = posixpath.join(shared.app_root, *shared.import_name.split("."))
    bringing = {
        id(copy.instruction)
        for copy, source in copied
        if _inside(shared.folder, source) or _inside(source, shared.folder)
    }
    brought = False
    landings = _Landings(document.build_context)
    for owner in reversed(list(stage.lineage())):
        copies = {id(copy.instruction): copy for copy in owner.copies() if copy.from_stage is None}
        for instruction in owner.instructions:
            brought = brought or id(instruction) in bringing
            if id(instruction) in copies:
                landings.add(copies[id(instruction)])
            if instruction.name != "RUN":
                continue
            for install in _projects_installed(document, owner, instruction):
                if not landings.installs_itself(install):
                    continue
                if _archive(install.path):
                    if _packaged(document.build_context, shared.folder):
                        return True
                elif brought and _inside(package, install.path):
                    return True
    # A copy of the project installed where an earlier `COPY`, of this stage or of one it is
    # built from, brought it: the package copied again elsewhere would hide it.
    return bool(_environments_holding(document, stage, shared.folder)) or _environment_copied(
        document, stage, shared.folder
    )


def _environment_copied(document: DockerfileDocument, stage: Stage, folder: str) -> bool:
    """Whether the stage, or one it is built from, copies from another stage the environment
    into which that stage installs a copy of the project holding `folder` of the build
    context (`_environments_holding`): its `site-packages` or a folder above it
    (papermerge-core: `COPY --from=python_build /usr/local/lib/python3.14/site-packages ...`
    after `uv pip install --system .`), a virtualenv (`COPY --from=builder /opt/venv
    /opt/venv`), a prefix (`COPY --from=builder /install /usr/local` after `pip install
    --prefix=/install .`). Not another of its folders (`/app/static`, `/usr/local/bin/app`)."""
    environments_of: dict[int, list[Environment]] = {}
    for owner in stage.lineage():
        earlier = document.stages[: owner.index]
        for copy in owner.copies():
            builder = document.stage_named(copy.from_stage, earlier) if copy.from_stage is not None else None
            if builder is None:
                continue
            if builder.index not in environments_of:
                environments_of[builder.index] = _environments_holding(document, builder, folder)
            environments = environments_of[builder.index]
            taken = (posixpath.normpath("/" + source.lstrip("/")) for source in copy.sources)
            if any(environment.brought_by(path) for path in taken for environment in environments):
                return True
    return False


def _environments_holding(document: DockerfileDocument, stage: Stage, folder: str) -> list[Environment]:
    """The environments into which a `RUN` of the stage, or of one it is built from, installs
    a copy of the project holding `folder` of the build context: from a folder at or above
    where a `COPY` of the build context brought it (or part of it) before; or from an
    archive, which may be built from it. Not an editable install (`pip install -e .`, `uv
    sync`, `poetry install`), which leaves the package in the stage's source tree, where
    another stage's copy of the environment does not find it."""
    context = document.build_context
    places: list[str] = []
    found: list[Environment] = []
    landings = _Landings(context)
    for owner in reversed(list(stage.lineage())):
        copies = {id(copy.instruction): copy for copy in owner.copies() if copy.from_stage is None}
        for instruction in owner.instructions:
            copy = copies.get(id(instruction))
            if copy is not None:
                landings.add(copy)
                items = (item for source in copy.sources for item in context.expand(source))
                places += filter(None, (_brought_to(context, copy, item, folder) for item in items))
            elif instruction.name == "RUN":
                for install in _projects_installed(document, owner, instruction):
                    if install.editable or not landings.installs_itself(install):
                        continue
                    if _archive(install.path):
                        holding = _packaged(context, folder)
                    else:
                        holding = any(_inside(place, install.path) for place in places)
                    if holding:
                        found += environments_written(
                            owner, instruction, install.workdir, install.command, install.path
                        )
    return found


class _Landings:
    """Where the `COPY`s of the build context read so far put its files, to tell which of
    its files a path of the image is."""

    def __init__(self, context: BuildContext) -> None:
        self._context = context
        self._landed: list[tuple[str, str, bool]] = []
        """Each item copied: where it landed, what it is in the build context, whether a folder."""

    def add(self, copy: Copy) -> None:
        for source in copy.sources:
            for item in self._context.expand(source):
                folder = self._context.is_dir(item)
                self._landed.append((posixpath.normpath(copy.lands_at(item, folder)), item, folder))

    def source_of(self, path: str) -> str | None:
        """The file of the build context the last `COPY` that wrote `path` put there; None
        when none did (or it came from another stage)."""
        for landed, item, folder in reversed(self._landed):
            if path == landed:
                return item
            if folder and _inside(path, landed):
                return posixpath.normpath(posixpath.join(item, posixpath.relpath(path, landed)))
        return None

    def installs_itself(self, install: _Install) -> bool:
        """Whether `install` puts its project into the environment, not only the project's
        dependencies: a `uv sync` of a `pyproject.toml` without `[build-system]` (what `uv
        init` writes for an application) or one with uv's `package = false`, a `poetry
        install` of `package-mode = false`, do not. True when the `pyproject.toml` is not
        known to come from the build context."""
        tool = posixpath.basename(install.command[0]) if install.command else ""
        if tool not in ("uv", "poetry", "pdm") or pip_install_arguments(install.command) is not None:
            return True
        pyproject = self.source_of(posixpath.join(install.path, "pyproject.toml"))
        if pyproject is None or self._context.status(pyproject) is None:
            return True
        return synced_into_environment(read_text(self._context, pyproject), tool)


def _brought_to(context: BuildContext, copy: Copy, item: str, folder: str) -> str | None:
    """Where a `COPY` taking `item` of the build context puts `folder`, or the part of it
    that `item` is; None when `item` holds none of it."""
    landed = copy.lands_at(item, context.is_dir(item))
    if _inside(folder, item):
        return posixpath.normpath(posixpath.join(landed, posixpath.relpath(folder, item)))
    return landed if _inside(item, folder) else None


def _archive(installed: str) -> bool:
    """Whether what `pip install` is given is a built archive, or files a glob matches."""
    return glob.has_magic(installed) or posixpath.basename(installed).endswith(_ARCHIVES)


def _archive_named(requirement: str, globs: bool = True) -> str | None:
    """The requirement, when it names a built archive (`app-1.0-py3-none-any.whl`), or files
    a glob matches (`/wheels/*.whl`; pip expands none on a requirements file's line)."""
    return requirement if (globs and glob.has_magic(requirement)) or requirement.endswith(_ARCHIVES) else None


def _packaged(context: BuildContext, folder: str) -> bool:
    """Whether a folder of the build context belongs to a project that can be built into a
    wheel: it, or a folder above it, holds `pyproject.toml`, `setup.py` or `setup.cfg`."""
    return any(
        context.status(posixpath.join(ancestor, name)) is not None
        for ancestor in _ancestors(posixpath.normpath(folder), ".")
        for name in PACKAGING_FILES
    )


class _Install(NamedTuple):
    """What a command of a `RUN` installs into the environment."""

    path: str
    """The project's folder, or the archive."""
    editable: bool
    """Installed as a link to the folder (`pip install -e .`, `uv sync`), not a copy of it."""
    workdir: str
    """Where the command runs."""
    command: list[str]
    """Its words, past its wrappers, their variables expanded."""


def _projects_installed(document: DockerfileDocument, stage: Stage, run: Instruction) -> tuple[_Install, ...]:
    """`_installs` of the `RUN`, read once: each of the packages a stage copies asks it of every
    `RUN` before it (mealie's 61 packages: 318 readings of its 5 commands and their
    requirements files, two thirds of HF202's time)."""
    known = _INSTALLS_READ.setdefault(document, {})
    key = (id(stage), id(run))
    if key not in known:
        known[key] = tuple(_installs(document, stage, run))
    return known[key]


_INSTALLS_READ: weakref.WeakKeyDictionary[DockerfileDocument, dict[tuple[int, int], tuple[_Install, ...]]] = (
    weakref.WeakKeyDictionary()
)
"""A document -> (its stage, a `RUN` of it) -> what the `RUN` installs: kept while the document
is, which its stages and instructions belong to. A cache that held the documents kept each
one's build context alive, and the Compose document that gave it: `apply --dry-run` of the
bench's synthetic tree peaked at 272 MB (PSS of its processes) rather than 233."""


def _installs(document: DockerfileDocument, stage: Stage, run: Instruction) -> Iterator[_Install]:
    """The folders whose project a `RUN` of `stage` installs into the environment, and the
    archives it installs, its words' variables expanded as the stage sets them (`pip
    install "$CODE_DIR"`): named to pip, or on a line of a requirements file pip reads
    (`-r requirements.txt` holding `./libs/common`, `-e ./libs/common`, `file:./libs/common`
    or `common @ file:///app/libs/common`, in it or in a file it includes with `-r`), whose
    relative paths pip reads against its working directory, not the file's folder. uv,
    Poetry and PDM install the project editable unless told not to (`uv sync
    --no-editable`, `pdm install --no-editable`; Poetry always does)."""
    for workdir, values in _commands(document, stage, run):
        program = posixpath.basename(values[0])
        arguments = values[1:]
        installing = pip_install_arguments(values)
        if installing is not None:
            linked = set(option_values(installing, ("-e", "--editable")))
            named = [
                (local_path(word) or _archive_named(word.partition("[")[0]), word in linked)
                for word in _pip_requirements(installing)
            ]
            read: set[str] = set()
            listed = [
                (local_path(" ".join(words)) or _archive_named(words[0], globs=False), editable(" ".join(words)))
                for located in _requirements_files(document, stage, workdir, installing, REQUIREMENT_FILES)
                for words in requirement_lines(document.build_context, located, read, REQUIREMENT_FILES)
            ]
            for path, is_editable in named + listed:
                if path:
                    yield _Install(posixpath.normpath(posixpath.join(workdir, path)), is_editable, workdir, values)
            continue
        if program == "uv" and arguments[:1] == ["sync"] and not _UV_SKIPS_THE_PROJECT & set(arguments):
            project = _option(arguments, "--project", "--directory")
            is_editable = "--no-editable" not in arguments and not switched_on(stage.variables(run), "UV_NO_EDITABLE")
        elif program == "poetry" and arguments[:1] == ["install"] and "--no-root" not in arguments:
            project = _option(arguments, "-C", "--directory")
            is_editable = True
        elif program == "pdm" and arguments[:1] in (["install"], ["sync"]) and "--no-self" not in arguments:
            project = _option(arguments, "-p", "--project")
            is_editable = "--no-editable" not in arguments and not switched_on(stage.variables(run), "PDM_NO_EDITABLE")
        else:
            continue
        yield _Install(posixpath.normpath(posixpath.join(workdir, project or ".")), is_editable, workdir, values)


def _commands(document: DockerfileDocument, stage: Stage, run: Instruction) -> Iterator[tuple[str, list[str]]]:
    """Each command of a `RUN` of `stage`, past its wrappers (`env PIP_NO_CACHE_DIR=1 pip
    install .`) and its words' variables expanded as the stage sets them, with the
    directory it runs in (`cd /src && pip install .`); for a `make`, the commands of the
    recipes it runs from the Makefile the stage copied (`RUN make install`)."""
    return _commands_in(document, stage, run, stage.working_directory(run), run.commands(), follow_make=True)


def _commands_in(
    document: DockerfileDocument,
    stage: Stage,
    run: Instruction,
    workdir: str,
    commands: Iterable[list[str]],
    follow_make: bool,
) -> Iterator[tuple[str, list[str]]]:
    for command in commands:
        values = [stage.expanded(value, run) for value in command]
        if posixpath.basename(values[0]) == "cd" and len(values) == 2:
            workdir = posixpath.normpath(posixpath.join(workdir, values[1]))
            continue
        values = _past_pyenv_exec(innermost(values))
        if not values:
            continue
        if follow_make and posixpath.basename(values[0]) in _MAKE:
            # A recipe's own `make` (`$(MAKE) -C docs`) is not followed: one recursion
            # tells what an install target runs, and a Makefile may run itself.
            for directory, line in _make_recipes(document, stage, workdir, values[1:]):
                recipe = ([word.value for word in words] for words in simple_commands(line))
                yield from _commands_in(document, stage, run, directory, recipe, follow_make=False)
        else:
            yield workdir, values


def _make_recipes(
    document: DockerfileDocument, stage: Stage, workdir: str, arguments: list[str]
) -> Iterator[tuple[str, str]]:
    """The recipe lines a `make` run in `workdir` with `arguments` runs, from the Makefile
    the stage copied from the build context, each with the directory make runs it in."""
    directory = posixpath.normpath(posixpath.join(workdir, _option(arguments, "-C", "--directory") or "."))
    named = _option(arguments, "-f", "--file", "--makefile")
    for name in [named] if named else _MAKEFILE_NAMES:
        try:
            located = locate(document, stage, posixpath.join(directory, name)).context_path
        except (NotLocated, ContextError):
            continue
        # A `COPY .` locates any name: the Makefile is the first name the context holds.
        if located is not None and document.build_context.status(located) is not None:
            targets = [word for word in positional_arguments(arguments, _MAKE_OPTIONS_WITH_VALUE) if "=" not in word]
            text = read_text(document.build_context, located)
            yield from ((directory, line) for line in recipe_lines(text, targets))
            return


def _past_pyenv_exec(values: list[str]) -> list[str]:
    """The command `pyenv exec` runs with the interpreter pyenv selects (`pyenv exec
    python3.12 -m pip install -e .`, celery's development image): the install is the
    environment's like any other."""
    while len(values) > 2 and posixpath.basename(values[0]) == "pyenv" and values[1] == "exec":
        values = innermost(values[2:])
    return values


def _requirements_files(
    document: DockerfileDocument, stage: Stage, workdir: str, installing: list[str], options: tuple[str, ...]
) -> Iterator[str]:
    """Where, in the build context, the requirements files that `pip install` run in
    `workdir` is given by `options` (`-r requirements.txt`) come from, through the stage's
    `COPY` instructions; those that come from elsewhere are left out."""
    for given in option_values(installing, options):
        try:
            located = locate(document, stage, posixpath.join(workdir, given)).context_path
        except (NotLocated, ContextError):
            continue
        if located is not None:
            yield located


def _pip_requirements(arguments: list[str]) -> Iterator[str]:
    """What `pip install` (or `uv pip install`) installs: its words that are not options,
    nor the values of options (`-r requirements.txt`, `--target /deps`); `-e` marks one."""
    return positional_arguments(arguments, _PIP_OPTIONS_WITH_VALUE)


def _option(arguments: list[str], *names: str) -> str | None:
    """The value of the first of `names` given (`--project dir` or `--project=dir`)."""
    for index, argument in enumerate(arguments):
        name, equals, value = argument.partition("=")
        if name in names:
            return value if equals else (arguments[index + 1] if index + 1 < len(arguments) else None)
    return None


def _copied(document: DockerfileDocument, stage: Stage, context: BuildContext) -> list[tuple[Copy, str]]:
    """What the stage copies of the build context, directly or from what an earlier stage
    copied from it: each copy with each file or folder of the context it takes."""
    copies = [copy for copy in stage.copies() if copy.from_stage is None]
    copies += _copied_through_stages(document, stage, context)
    return [(copy, item) for copy in copies for source in copy.sources for item in context.expand(source)]


def _shared_packages(
    stage: Stage, context: BuildContext, copied: list[tuple[Copy, str]], distributions: _Distributions
) -> Iterator[_SharedPackage]:
    """Folders of Python code the stage copies under the app tree, from the build context
    or from what an earlier stage copied from it, that other copied Python files import by
    the dotted name of their place there."""
    # Every (folder, the dotted name it would be imported by from each possible root),
    # in order of preference: the names decide which files are worth reading.
    candidates = []
    working_directories = {id(copy): stage.working_directory(copy.instruction) for copy, _ in copied}
    for copy, source, folder, image_folder in _python_folders(copied, context):
        if "$" in image_folder:
            continue  # a variable without a known value: where it lands is not known
        for root in _import_roots(image_folder, working_directories[id(copy)]):
            parts = image_folder[len(root) :].lstrip("/").split("/")  # root is a parent
            # `import types` is the standard library's, whatever folder is named so: put
            # first on the path, that folder would shadow it for every process.
            if all(_IDENTIFIER.fullmatch(part) for part in parts) and parts[0] not in _STANDARD_LIBRARY:
                candidates.append((copy, source, folder, root, ".".join(parts)))
    if not candidates:
        return
    wanted = {name for *_, name in candidates}
    # Each wanted dotted name a copied file imports, with its parent packages (`a.b.c`
    # imports `a.b` and `a`) -> the files that import it, and where each lands in the image:
    # built once, for every candidate.
    importers_of: dict[str, list[_Importer]] = {}
    # Each wanted name -> the names of its modules the imports name (`mcp.shared.memory`: `shared`).
    submodules_of: dict[str, set[str]] = {}
    for copy, source in copied:
        for path in context.files_under(source, ".py", skip=_not_the_projects):
            text = read_text(context, path)
            modules = _imported_modules(text)
            names = {prefix for module in modules for prefix in _packages(module)} & wanted
            if names:
                importer = _Importer(path, _landing(copy, source, path), text)
                for name in names:
                    importers_of.setdefault(name, []).append(importer)
                    submodules_of.setdefault(name, set()).update(
                        module[len(name) + 1 :].partition(".")[0] for module in modules if module.startswith(name + ".")
                    )
    started_in = stage.working_directory()
    scripts, moves = _started(stage)
    main_scripts = _main_scripts(stage)
    named: set[tuple[int, str]] = set()
    for copy, source, folder, root, name in candidates:
        if (id(copy), folder) in named:
            continue  # a nearer import root gave this folder the name it is imported by
        importers = [importer for importer in importers_of.get(name, ()) if not _inside(importer.path, folder)]
        if not importers:
            continue
        # `from graphql import ...` (saleor) is the graphql-core library the project depends
        # on, not its folder `saleor/graphql`. And in a regular package, whose modules name
        # each other relatively or by its dotted name, `import redis` is an installed module,
        # never the package's own `redis` folder (DefectDojo's `dojo/tools/blackduck`).
        # And `from mcp.shared.memory import ...` (baserow's tests) means some other `mcp`
        # than a folder `mcp` without a `shared` module.
        if (
            distributions.providing(name.partition(".")[0]) is not None
            or _regular_package(context, source, folder, name)
            or not all(_holds(context, folder, module) for module in submodules_of[name])
        ):
            continue
        # Imported by this name, the folder is not imported by one a farther root gives it
        # (`app.redis` is not the installed `redis`), whether or not this import needs help.
        named.add((id(copy), folder))
        # Only where the process runs from the root, and no script below it, whose own
        # folder would come first on `sys.path`, nor a server that moves elsewhere.
        from_root = root == started_in and not moves and all(posixpath.dirname(path) == root for path in scripts)
        # A main script in the root finds the packages beside it through its own folder,
        # wherever the process starts (Cortex-Analyzers' `python FileInfo/fileinfo_analyzer.py`).
        if not all(
            (importer.landed in main_scripts and posixpath.dirname(importer.landed) == root)
            or (from_root and _found_through_root(context, importer, root))
            for importer in importers
        ):
            yield _SharedPackage(copy, folder, name, root)


class _Importer(NamedTuple):
    """A copied module that imports a candidate shared package."""

    path: str
    """In the build context."""
    landed: str
    """Where it lands in the image."""
    text: str

    @property
    def guarded(self) -> bool:
        """It has an `if __name__ == "__main__":` block: it may be run as a script. The
        pattern finds a candidate cheaply; parsing rules out one inside a string, and is done
        only for an importer that the question is asked of (PMOVES.AI's Dockerfiles parsed
        13 modules for it, and need none)."""
        return _MAIN_GUARD.search(self.text) is not None and has_main_block(self.text)


def _found_through_root(context: BuildContext, importer: _Importer, root: str) -> bool:
    """Whether the importer, in a process started from `root`, can only be loaded through
    `root`, and so finds the packages there as it finds itself: it sits in `root` (run as a
    script or imported by its own name, as `uvicorn main:app` imports it); or in a regular
    package of `root` (`plane/app/views.py`, imported as `plane.app.views`), and may not be
    run as a script (it has no `if __name__ == "__main__":` block)."""
    below = posixpath.relpath(posixpath.dirname(importer.landed), root)
    if below == ".":
        return True
    if below.startswith("..") or importer.guarded:
        return False
    package = posixpath.dirname(importer.path)
    for _ in range(below.count("/")):
        package = posixpath.dirname(package)
    try:
        context.read_bytes(posixpath.join(package, "__init__.py"))
    except ContextError:
        return False  # a folder of scripts, whose own folder comes first on `sys.path`
    return True


def _started(stage: Stage) -> tuple[set[str], bool]:
    """The image paths of the Python files the stage's `ENTRYPOINT` and `CMD` run (in a
    `sh -c` string too), and whether the server they start moves away from the working
    directory (`gunicorn --chdir`, `uvicorn --app-dir`)."""
    workdir = stage.working_directory()
    commands: list[list[str]] = []
    for name in ("ENTRYPOINT", "CMD"):
        instruction = stage.effective(name)
        if instruction is None:
            continue
        commands += instruction.commands()
    words = [word for command in commands for word in command]
    scripts = {posixpath.normpath(posixpath.join(workdir, word)) for word in words if word.endswith(".py")}
    moves = any(word.partition("=")[0] in ("--chdir", "--app-dir") for word in words)
    return scripts, moves


def _main_scripts(stage: Stage) -> set[str]:
    """The image paths of the files the stage's `ENTRYPOINT` and `CMD` run as Python's main
    script (`python FileInfo/fileinfo_analyzer.py`, past wrappers and runners; or the file
    itself, `./main.py`), whose own folder Python puts first on the module search path. Not
    a module run with `-m`, nor code given with `-c`."""
    workdir = stage.working_directory()
    found: set[str] = set()
    for name in ("ENTRYPOINT", "CMD"):
        instruction = stage.effective(name)
        for command in instruction.commands() if instruction is not None else []:
            launch = launch_of(command, name, {})
            if launch is not None and launch.program == "python":
                script = launch.target
            else:
                script = next(iter(innermost(command)), None)
            if script is not None and script.endswith(".py"):
                found.add(posixpath.normpath(posixpath.join(workdir, script)))
    return found


def _landing(copy: Copy, source: str, path: str) -> str:
    """Where a file at `path` of the build context, copied by `copy` from `source` (a folder
    holding it, or the file itself), lands in the image."""
    if path == posixpath.normpath(source):
        return copy.landing(source)
    return posixpath.normpath(posixpath.join(copy.destination, posixpath.relpath(path, source)))


def _copied_through_stages(document: DockerfileDocument, stage: Stage, context: BuildContext) -> list[Copy]:
    """What each `COPY --from=<stage>` of `stage` brings of the build context, as copies of
    the context's files and folders made by that instruction (`COPY --from=builder /app
    /app` after the builder's `COPY . /app`: the context's `.` at `/app`). A stage that
    installs a project is left out: what it copies may be imported from its environment."""
    found: list[Copy] = []
    earlier = document.stages[: stage.index]
    for copy in stage.copies():
        source_stage = document.stage_named(copy.from_stage, earlier) if copy.from_stage is not None else None
        if source_stage is None or _installs_a_project(document, source_stage):
            continue
        for path in copy.sources:
            taken = posixpath.normpath("/" + path.lstrip("/"))  # a path from the root of the stage copied from
            for original in (c for owner in source_stage.lineage() for c in owner.copies() if c.from_stage is None):
                for item in (i for source in original.sources for i in context.expand(source)):
                    is_folder = context.is_dir(item)
                    landed = original.lands_at(item, is_folder)
                    if _inside(landed, taken):
                        destination = posixpath.normpath(
                            posixpath.join(copy.destination, posixpath.relpath(landed, taken))
                        )
                        found.append(copy._replace(sources=(item,), destination=destination, from_stage=None))
                    elif is_folder and _inside(taken, landed):
                        below = posixpath.join(item, posixpath.relpath(taken, landed))
                        found.append(copy._replace(sources=(below,), from_stage=None))
    return found


def _installs_a_project(document: DockerfileDocument, stage: Stage) -> bool:
    """Whether a `RUN` of the stage, or of a stage it is built from, installs a project."""
    return any(
        _projects_installed(document, owner, run)
        for owner in stage.lineage()
        for run in owner.instructions_named("RUN")
    )


def _python_folders(copied: list[tuple[Copy, str]], context: BuildContext) -> Iterator[tuple[Copy, str, str, str]]:
    """Each copied folder holding Python files, and each of its sub-folders that does:
    (the copy, the folder it copies, the folder in the build context, where it lands in
    the image)."""
    for copy, source in copied:
        if not context.is_dir(source):
            continue
        source = posixpath.normpath(source)
        folders: set[str] = set()
        for parent in {posixpath.dirname(path) for path in context.files_under(source, ".py", skip=_not_the_projects)}:
            for ancestor in _ancestors(parent, source):
                if ancestor in folders:
                    break  # and so are the ones above it
                folders.add(ancestor)
        for folder in sorted(folders):
            inside = "" if folder == source else folder.removeprefix("" if source == "." else source + "/")
            yield copy, source, folder, posixpath.normpath(posixpath.join(copy.destination, inside))


def _holds(context: BuildContext, folder: str, module: str) -> bool:
    """Whether a folder of the build context holds the module or package `module`."""
    path = posixpath.join(folder, module)
    return context.is_dir(path) or context.status(path + ".py") is not None


def _regular_package(context: BuildContext, source: str, folder: str, name: str) -> bool:
    """Whether the import root that gives `folder` the dotted `name` is itself a regular
    package (holds an `__init__.py`) of what a copy of `source` brings."""
    root = folder
    for _ in range(name.count(".") + 1):
        root = posixpath.dirname(root) or "."
    return _inside(root, source) and context.status(posixpath.join(root, "__init__.py")) is not None


def _doubts(
    document: DockerfileDocument,
    stage: Stage,
    shared: _SharedPackage,
    context: BuildContext,
    copied: list[tuple[Copy, str]],
) -> list[str]:
    """What the app root, first on the module search path, would hide in the stage and in
    the stages built from it, which inherit its `ENV`: what they copy straight into the app
    root, and the package itself where a later stage installs it (ethyca/fides: its `prod`
    stage installs the project built from the `backend` stage's source tree, then deletes
    part of that tree, which the path would have Python import instead)."""
    later = [s for s in document.stages[stage.index + 1 :] if any(owner is stage for owner in s.lineage())]
    every_copy = copied + [item for s in later for item in _copied(document, s, context)]
    found = _hidden(shared.app_root, context, every_copy, _Distributions(document, context, every_copy))
    installers = [
        f"`{installer.name or installer.index}`"
        for installer in later
        if _installed(
            document,
            installer,
            shared,
            [item for owner in installer.lineage() for item in _copied(document, owner, context)],
        )
    ]
    if installers:
        package = posixpath.join(shared.app_root, *shared.import_name.split("."))
        stages = (
            f"stage {installers[0]}, built from this one, installs"
            if len(installers) == 1
            else f"stages {', '.join(installers)}, built from this one, install"
        )
        found.append(f"`{package}` would hide the `{shared.import_name}` that the {stages}")
    return found


def _hidden(
    root: str, context: BuildContext, copied: list[tuple[Copy, str]], distributions: _Distributions
) -> list[str]:
    """What the modules and regular packages the stage copies straight into `root` would
    hide, `root` first on the module search path, before the standard library and the
    installed distributions: a folder without an `__init__.py` does not hide a module that
    another entry of the path holds."""
    prefix = root.rstrip("/") + "/"
    found: dict[str, str] = {}
    for copy, source in copied:
        if not (_inside(root, copy.destination) or _inside(copy.destination, root)):
            continue
        for path in context.files_under(source, ".py", skip=_not_the_projects):
            landed = _landing(copy, source, path)
            first, slash, rest = landed.removeprefix(prefix).partition("/")
            if not landed.startswith(prefix) or (slash and rest != "__init__.py"):
                continue
            name = first if slash else first.removesuffix(".py")
            if _IDENTIFIER.fullmatch(name):
                found.setdefault(name, prefix + first)
    hidden = []
    for name, path in sorted(found.items()):
        if name in _STANDARD_LIBRARY:
            hidden.append(f"`{path}` would hide the standard library's `{name}`")
        elif (distribution := distributions.providing(name) or distributions.bringing(name)) is not None:
            hidden.append(f"`{path}` would hide `{name}`, which the dependency `{distribution}` may install")
    return hidden


class _Distributions:
    """The distributions the image's environment may hold, by the top-level names they may
    be imported by: what the Dockerfile's `pip install` commands name (and the requirements
    files they read), and what the project's dependency files in the build context declare
    (`pyproject.toml`, `requirements*.txt`, `setup.cfg`, `setup.py`, `Pipfile` and the lock
    files of uv, Poetry and PDM), in the context's root, the folders the stage copies and
    the folders above them. Read once asked."""

    def __init__(self, document: DockerfileDocument, context: BuildContext, copied: list[tuple[Copy, str]]) -> None:
        self._document = document
        self._context = context
        self._copied = copied

    def providing(self, name: str) -> str | None:
        """A distribution that may install the top-level module or package `name`."""
        name = name.lower()
        folders = self._folders.values()
        groups = [self._installed, *(folder.distributions for folder in folders if folder.may_name(name))]
        return next((d for group in groups for d, written_name in group if provides(name, d, written_name)), None)

    def bringing(self, name: str) -> Unpinned | None:
        """An unpinned requirement (`celery[redis]` in a requirements file no tool compiled)
        that may install the top-level module or package `name` with a distribution it
        requires (`redis`), as widely used distributions' resolved requirements say."""
        name = name.lower()
        return next((requirement for requirement in self._unpinned if brings(name, requirement)), None)

    @cached_property
    def _installed(self) -> tuple[tuple[str, str], ...]:
        """What the Dockerfile installs, each with its name written without separators."""
        return written(filter(None, map(requirement_name, self._installed_by_pip(unpinned_only=False))))

    @cached_property
    def _unpinned(self) -> tuple[Unpinned, ...]:
        """What the Dockerfile installs and the folders declare without pinning what it
        requires in turn: not what a lock file pins (`uv.lock` in the folder or one above
        it pins the project files' dependencies), nor what a compiled requirements file
        lists, nor what `pip install --no-deps` installs."""
        folders = self._folders
        located = [(folder, declarations.locks) for folder, declarations in folders.items()]
        return tuple(unpinned(self._installed_by_pip(unpinned_only=True))) + tuple(
            requirement
            for folder, declarations in folders.items()
            for requirement in declarations.unpinned(any(locks and _inside(folder, above) for above, locks in located))
        )

    @cached_property
    def _folders(self) -> dict[str, FolderDeclarations]:
        """What each folder declares, kept for every Dockerfile of the context while its
        dependency files stay as they are."""
        folders = {"."}
        for _, source in self._copied:
            folders.update(_ancestors(posixpath.dirname(posixpath.normpath(source)) or ".", "."))
            if self._context.is_dir(source):
                folders.add(posixpath.normpath(source))
        return {folder: folder_declarations(self._context, folder) for folder in sorted(folders)}

    def _installed_by_pip(self, unpinned_only: bool) -> Iterator[str]:
        """The requirements the Dockerfile's `pip install` commands name and read from the
        requirements files they are given; `unpinned_only`, those that pip resolves the
        requirements of: not what `--no-deps` installs, nor what a constraints file or a
        compiled requirements file lists."""
        read: set[str] = set()
        for stage in self._document.stages:
            for run in stage.instructions_named("RUN"):
                for workdir, values in _commands(self._document, stage, run):
                    installing = pip_install_arguments(values)
                    if installing is None or (unpinned_only and "--no-deps" in installing):
                        continue
                    yield from _pip_requirements(installing)
                    options = REQUIREMENT_FILES if unpinned_only else INCLUDED_REQUIREMENTS
                    for located in _requirements_files(self._document, stage, workdir, installing, options):
                        yield from requirements_file(self._context, located, read, unpinned_only)


def _not_the_projects(folder: str) -> bool:
    """A folder of installed packages or caches: a `COPY . .` takes a committed virtualenv
    along, whose thousands of modules neither are a shared package of the service nor
    import one."""
    return folder in SKIPPED_DIRECTORIES


def _ancestors(folder: str, top: str) -> Iterator[str]:
    """`folder` and its parents, down to `top`."""
    while _inside(folder, top):
        yield folder
        parent = posixpath.dirname(folder) or "."
        if folder == top or parent == folder:  # `/` is its own parent
            return
        folder = parent


def _import_roots(image_folder: str, working_directory: str) -> Iterator[str]:
    """Folders that could be the import root of `image_folder`: the working directory
    first, then its other parents, nearest first (never `/`)."""
    parents = []
    parent = posixpath.dirname(image_folder)
    while parent != "/":
        parents.append(parent)
        parent = posixpath.dirname(parent)
    if working_directory in parents:
        parents.remove(working_directory)
        parents.insert(0, working_directory)
    return iter(parents)


def _inside(path: str, folder: str) -> bool:
    folder = posixpath.normpath(folder)
    return folder == "." or path == folder or path.startswith(folder + "/")


def _imported_modules(source: str) -> frozenset[str]:
    """The modules a module's text imports, found by line without parsing it."""
    modules = set()
    for keyword in _IMPORT_KEYWORD.finditer(source):
        line_start = source.rfind("\n", 0, keyword.start()) + 1
        before = source[line_start : keyword.start()]
        if not before.strip(" \t"):  # `import a.b, c as d`
            names = _IMPORTED_NAMES.match(source, keyword.end())
            if names is not None:
                modules.update(name.split()[0] for name in names.group(1).split(",") if name.strip())
        elif clause := _FROM_CLAUSE.fullmatch(before):  # `from a.b import c`
            modules.add(clause.group(1))
    return frozenset(modules)


def _packages(module: str) -> Iterator[str]:
    """The names an import of `module` counts as importing: itself and each prefix ending
    before a dot (`a.b.c`, `a`, `a.b`)."""
    yield module
    dot = module.find(".")
    while dot != -1:
        yield module[:dot]
        dot = module.find(".", dot + 1)
