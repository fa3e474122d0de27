from __future__ import annotations

import posixpath
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from hardenfix import probes
from hardenfix.discovery import SKIPPED_DIRECTORIES
from hardenfix.knowledge import parse_reference
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.dockerfile import BuildContext, ContextError, Copy, DockerfileDocument, Instruction, Stage
from hardenfix.sources.python import has_main_block

_SETS_PYTHONPATH = re.compile(r"(?:^|\s)PYTHONPATH(?:=|\s|$)")
_PIP_INSTALL = re.compile(r"\bpip3?\s+install\b")
_MAIN_GUARD = re.compile(r"""^if\s+__name__\s*==\s*["']__main__["']""", re.MULTILINE)
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
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Imports are found from the keyword: a pattern that starts with a literal is searched
# for in C, seven times faster than one anchored at each line start.
_IMPORT_KEYWORD = re.compile(r"import\b")
_FROM_CLAUSE = re.compile(r"[ \t]*from[ \t]+([\w.]+)[ \t]+")
_IMPORTED_NAMES = re.compile(r"[ \t]+([\w., \t]+)")
_UV_SKIPS_THE_PROJECT = frozenset({"--no-install-project", "--only-dev"})


@dataclass(frozen=True, slots=True)
class _SharedPackage:
    copy: Copy
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
    root is not the working directory.) Folders that are not the project's own code
    (virtualenvs' `site-packages`, `node_modules`, caches) are left out, as
    discovery leaves them out. A stage that only builds what a later stage copies
    (`COPY --from=builder`) runs no service: it is not checked; what the later stage
    copies of its files from the build context counts as copied by the `COPY --from`
    (unless the builder installs a project, whose packages its environment then
    holds). A package that a later `RUN` installs with the project holding it (`pip
    install .`, `uv sync`, `poetry install`, `pdm install`, from a folder at or
    above it) is imported from the environment wherever the process starts: not a
    finding. A Dockerfile that builds a Windows image (`WORKDIR C:\\app`, a
    PowerShell `SHELL`) is left alone: its paths are not POSIX paths.

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
    Safe: the app root joins the front of the module search path, where the
    copied packages already expect to be found; any `PYTHONPATH` the base image
    sets is kept after it. Where none is set, nothing else is added:
    `<app root>:$PYTHONPATH` would end in an empty entry, which Python reads as
    the working directory, ahead of the standard library.
    """

    code = "HF202"
    slug = "pythonpath-shared-modules"
    kind = FileKind.DOCKERFILE
    category = Category.CORRECTNESS
    summary = "Shared Python package copied into the app tree without `PYTHONPATH`"
    fix_safety = FixSafety.SAFE
    prefilter = re.compile(rb"(?i)\b(?:COPY|ADD)\b")
    changes = ("ENV",)

    def check(self, document: DockerfileDocument) -> Iterator[Finding]:
        context = document.build_context
        if context is None or document.builds_for_windows:
            return
        build_only = _build_only_stages(document)
        for stage in document.stages:
            if stage.index in build_only or not _runs_python(document, stage) or _sets_pythonpath(stage):
                continue
            packages = _shared_packages(document, stage, context)
            shared = next((package for package in packages if not _installed(stage, package)), None)
            if shared is not None:
                yield self._finding(document, stage, shared)

    def _finding(self, document: DockerfileDocument, stage: Stage, shared: _SharedPackage) -> Finding:
        own_workdirs = [i for i in stage.instructions_named("WORKDIR") if i.start < shared.copy.instruction.start]
        anchor = own_workdirs[-1] if own_workdirs else stage.from_instruction
        # Not `<root>:$PYTHONPATH`: unset, that leaves an empty entry, which Python reads as
        # the working directory, put before the standard library for every process.
        line = f"ENV PYTHONPATH={shared.app_root}${{PYTHONPATH:+:$PYTHONPATH}}"
        insertion = document.newline_for_insertion(anchor.end) + document.indentation(anchor.start) + line
        copy = shared.copy.instruction
        return self.finding(
            document,
            copy.start,
            copy.end,
            f"`{copy.line.strip()}` puts the package `{shared.import_name}`, which the service imports, under "
            f"`{shared.app_root}`, and `PYTHONPATH` is never set: the import fails unless the process happens "
            f"to start in `{shared.app_root}`",
            self.fix(f"Add `{line}`", Edit.insert(anchor.end, insertion)),
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
    return any(_PIP_INSTALL.search(run.line) for owner in stage.lineage() for run in owner.instructions_named("RUN"))


def _sets_pythonpath(stage: Stage) -> bool:
    return any(
        _SETS_PYTHONPATH.search(env.arguments) for owner in stage.lineage() for env in owner.instructions_named("ENV")
    )


def _installed(stage: Stage, shared: _SharedPackage) -> bool:
    """Whether a `RUN` after the package is copied installs a project from a folder at or
    above it (`pip install .`, `uv sync`, `poetry install`): the package is then imported
    from the environment, wherever the process starts."""
    package = posixpath.join(shared.app_root, *shared.import_name.split("."))
    copied = False
    for instruction in stage.instructions:
        copied = copied or instruction is shared.copy.instruction
        if (
            copied
            and instruction.name == "RUN"
            and any(_inside(package, project) for project in _projects_installed(stage, instruction))
        ):
            return True
    return False


def _projects_installed(stage: Stage, run: Instruction) -> Iterator[str]:
    """The folders whose project a `RUN` of `stage` installs into the environment, its
    words' variables expanded as the stage sets them (`pip install "$CODE_DIR"`)."""
    workdir = stage.working_directory(run)
    for words in probes.simple_commands(run.arguments):
        values = [stage.expanded(word.value, run) for word in words]
        if posixpath.basename(values[0]) == "cd" and len(values) == 2:  # `cd /src && pip install .`
            workdir = posixpath.normpath(posixpath.join(workdir, values[1]))
            continue
        if posixpath.basename(values[0]) in ("python", "python3") and values[1:3] == ["-m", "pip"]:
            values = values[2:]
        program = posixpath.basename(values[0])
        arguments = values[1:]
        if program == "uv" and arguments[:2] == ["pip", "install"]:
            program, arguments = "pip", arguments[1:]
        if program in ("pip", "pip3") and arguments[:1] == ["install"]:
            folders = (word.partition("[")[0] for word in _pip_requirements(arguments[1:]))  # `.[graph]`
            yield from (
                posixpath.normpath(posixpath.join(workdir, folder))
                for folder in folders
                if folder in (".", "..") or folder.startswith(("/", "./", "../"))
            )
        elif program == "uv" and arguments[:1] == ["sync"] and not _UV_SKIPS_THE_PROJECT & set(arguments):
            yield posixpath.normpath(posixpath.join(workdir, _option(arguments, "--project", "--directory") or "."))
        elif program == "poetry" and arguments[:1] == ["install"] and "--no-root" not in arguments:
            yield posixpath.normpath(posixpath.join(workdir, _option(arguments, "-C", "--directory") or "."))
        elif program == "pdm" and arguments[:1] in (["install"], ["sync"]) and "--no-self" not in arguments:
            yield posixpath.normpath(posixpath.join(workdir, _option(arguments, "-p", "--project") or "."))


def _pip_requirements(arguments: list[str]) -> Iterator[str]:
    """What `pip install` (or `uv pip install`) installs: its words that are not options,
    nor the values of options (`-r requirements.txt`, `--target /deps`); `-e` marks one."""
    skip = False
    for argument in arguments:
        if skip:
            skip = False
        elif argument in _PIP_OPTIONS_WITH_VALUE:
            skip = True
        elif not argument.startswith("-"):
            yield argument


def _option(arguments: list[str], *names: str) -> str | None:
    """The value of the first of `names` given (`--project dir` or `--project=dir`)."""
    for index, argument in enumerate(arguments):
        name, equals, value = argument.partition("=")
        if name in names:
            return value if equals else (arguments[index + 1] if index + 1 < len(arguments) else None)
    return None


def _shared_packages(document: DockerfileDocument, stage: Stage, context: BuildContext) -> Iterator[_SharedPackage]:
    """Folders of Python code the stage copies under the app tree, from the build context
    or from what an earlier stage copied from it, that other copied Python files import by
    the dotted name of their place there."""
    copies = [copy for copy in stage.copies() if copy.from_stage is None]
    copies += _copied_through_stages(document, stage, context)
    copied = [(copy, folder) for copy in copies for source in copy.sources for folder in context.expand(source)]
    # Every (folder, the dotted name it would be imported by from each possible root),
    # in order of preference: the names decide which files are worth reading.
    candidates = []
    working_directories = {id(copy): stage.working_directory(copy.instruction) for copy, _ in copied}
    for copy, folder, image_folder in _python_folders(copied, context):
        if "$" in image_folder:
            continue  # a variable without a known value: where it lands is not known
        for root in _import_roots(image_folder, working_directories[id(copy)]):
            parts = image_folder[len(root) :].lstrip("/").split("/")  # root is a parent
            # `import types` is the standard library's, whatever folder is named so: put
            # first on the path, that folder would shadow it for every process.
            if all(_IDENTIFIER.fullmatch(part) for part in parts) and parts[0] not in sys.stdlib_module_names:
                candidates.append((copy, folder, root, ".".join(parts)))
    if not candidates:
        return
    wanted = {name for *_, name in candidates}
    # Each wanted dotted name a copied file imports, with its parent packages (`a.b.c`
    # imports `a.b` and `a`) -> the files that import it, and where each lands in the image:
    # built once, for every candidate.
    importers_of: dict[str, list[_Importer]] = {}
    for copy, source in copied:
        for path in context.files_under(source, ".py", skip=_not_the_projects):
            text = _read_module(context, path)
            names = {prefix for module in _imported_modules(text) for prefix in _packages(module)} & wanted
            if names:
                # The pattern finds a candidate cheaply; parsing rules out one inside a string.
                guarded = _MAIN_GUARD.search(text) is not None and has_main_block(text)
                importer = _Importer(path, _landing(copy, source, path), guarded)
                for name in names:
                    importers_of.setdefault(name, []).append(importer)
    started_in = stage.working_directory()
    scripts, moves = _started(stage)
    named: set[tuple[int, str]] = set()
    for copy, folder, root, name in candidates:
        if (id(copy), folder) in named:
            continue  # a nearer import root gave this folder the name it is imported by
        importers = [importer for importer in importers_of.get(name, ()) if not _inside(importer.path, folder)]
        if not importers:
            continue
        # Imported by this name, the folder is not imported by one a farther root gives it
        # (`app.redis` is not the installed `redis`), whether or not this import needs help.
        named.add((id(copy), folder))
        # Only where the process runs from the root, and no script below it, whose own
        # folder would come first on `sys.path`, nor a server that moves elsewhere.
        from_root = root == started_in and not moves and all(posixpath.dirname(path) == root for path in scripts)
        if not all(from_root and _found_through_root(context, importer, root) for importer in importers):
            yield _SharedPackage(copy, name, root)


class _Importer(NamedTuple):
    """A copied module that imports a candidate shared package."""

    path: str
    """In the build context."""
    landed: str
    """Where it lands in the image."""
    guarded: bool
    """It has an `if __name__ == "__main__":` block: it may be run as a script."""


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
        argv = instruction.exec_form or ["/bin/sh", "-c", instruction.arguments]  # the shell form's shell
        commands += probes.script_commands(argv) or [argv]
    words = [word for command in commands for word in command]
    scripts = {posixpath.normpath(posixpath.join(workdir, word)) for word in words if word.endswith(".py")}
    moves = any(word.partition("=")[0] in ("--chdir", "--app-dir") for word in words)
    return scripts, moves


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
        if source_stage is None or _installs_a_project(source_stage):
            continue
        for path in copy.sources:
            taken = posixpath.normpath("/" + path.lstrip("/"))  # a path from the root of the stage copied from
            for original in (c for owner in source_stage.lineage() for c in owner.copies() if c.from_stage is None):
                for item in (i for source in original.sources for i in context.expand(source)):
                    is_folder = context.is_dir(item)
                    landed = original.destination.rstrip("/") if is_folder else original.landing(item)
                    if _inside(landed, taken):
                        destination = posixpath.normpath(
                            posixpath.join(copy.destination, posixpath.relpath(landed, taken))
                        )
                        found.append(copy._replace(sources=(item,), destination=destination, from_stage=None))
                    elif is_folder and _inside(taken, landed):
                        below = posixpath.join(item, posixpath.relpath(taken, landed))
                        found.append(copy._replace(sources=(below,), from_stage=None))
    return found


def _installs_a_project(stage: Stage) -> bool:
    """Whether a `RUN` of the stage, or of a stage it is built from, installs a project."""
    return any(
        next(_projects_installed(owner, run), None) is not None
        for owner in stage.lineage()
        for run in owner.instructions_named("RUN")
    )


def _python_folders(copied: list[tuple[Copy, str]], context: BuildContext) -> Iterator[tuple[Copy, str, str]]:
    """Each copied folder holding Python files, and each of its sub-folders that does:
    (the copy, the folder in the build context, where it lands in the image)."""
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
            yield copy, folder, posixpath.normpath(posixpath.join(copy.destination, inside))


def _not_the_projects(folder: str) -> bool:
    """A folder of installed packages or caches: a `COPY . .` takes a committed virtualenv
    along, whose thousands of modules neither are a shared package of the service nor
    import one."""
    return folder in SKIPPED_DIRECTORIES


def _ancestors(folder: str, top: str) -> Iterator[str]:
    """`folder` and its parents, down to `top`."""
    while _inside(folder, top):
        yield folder
        if folder == top or folder in (".", ""):
            return
        folder = posixpath.dirname(folder) or "."


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


def _read_module(context: BuildContext, path: str) -> str:
    """A copied module's text; empty when it cannot be read."""
    try:
        return context.read_text(path)
    except ContextError:
        return ""


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
