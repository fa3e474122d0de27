"""Where a Dockerfile stage's Python installs write: the environment (a prefix such as
`/usr/local` or a virtualenv, or a `--target` folder) into which a `pip install`, `uv pip
install`, `uv sync`, `poetry install` or `pdm install` of a `RUN` puts what it installs,
and the virtualenvs a stage creates or names. A later stage that copies such a folder
(`COPY --from=builder /opt/venv /opt/venv`, `COPY --from=builder /install /usr/local`)
gets what was installed there.

Nothing is run: commands are read as words. Where the words leave it open (a bare `pip`
after `python -m venv` but no sign of the virtualenv being active), every environment the
command may write to is given.
"""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Iterator, Mapping
from typing import NamedTuple

from hardenfix import regexes
from hardenfix.probes import innermost, is_python, positional_arguments
from hardenfix.sources.dockerfile import Instruction, Stage
from hardenfix.sources.python_dependencies import option_values

SYSTEM_PREFIXES = ("/usr/local", "/usr")
"""Where a system Python's pip installs: `/usr/local` for the official `python` images
(and Debian's or Fedora's pip), `/usr` for Alpine's."""
_PACKAGES_BELOW_PREFIX = (("lib", "lib64"), ("python*",), ("site-packages", "dist-packages"))
"""The folders from a prefix down to its installed packages, as patterns:
`lib/python3.14/site-packages`, Debian's `lib/python3/dist-packages`, Fedora's `lib64`."""
_PIP = regexes.lazy(r"pip[\d.]*")
"""pip's commands: `pip`, `pip3`, `pip3.12`."""
_PIP_GENERAL_OPTIONS_WITH_VALUE = frozenset(
    {
        *("--python", "--log", "--log-file", "--local-log", "--keyring-provider", "--proxy", "--retries"),
        *("--resume-retries", "--timeout", "--exists-action", "--trusted-host", "--cert", "--client-cert"),
        *("--cache-dir", "--use-feature", "--use-deprecated"),
    }
)
"""pip's general options that take the next word as their value (pip/_internal/cli/cmdoptions.py,
`general_group`): they may come before its command (`pip3 --timeout 60 install .`)."""
_ENVIRONMENT_OPTIONS_WITH_VALUE = frozenset(
    {"-p", "--python", "--prompt", "--seed", "--index-url", "--extra-index-url"}
)
_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


class Environment(NamedTuple):
    """A folder an install writes packages to."""

    folder: str
    """Absolute: a prefix (`/usr/local`, `/opt/venv`), whose `lib/pythonX.Y/site-packages`
    holds the packages; or, when `packages`, the folder of packages itself (`pip install
    --target /deps`), or one holding whole environments (Poetry's cache of virtualenvs)."""
    packages: bool = False

    def brought_by(self, path: str) -> bool:
        """Whether copying `path` of the stage brings what was installed here: a folder at
        or above the folder of packages (`/usr/local`, `/usr/local/lib`,
        `/usr/local/lib/python3.14/site-packages`), or inside it; not another folder of the
        prefix (`/usr/local/bin/uvicorn`)."""
        path = posixpath.normpath(path)
        folder = self.folder
        if path == "/" or path == folder or folder.startswith(path + "/"):
            return True
        if not path.startswith(folder + "/"):
            return False
        if self.packages:
            return True
        below = path[len(folder) + 1 :].split("/")
        return all(
            any(fnmatch.fnmatchcase(part, pattern) for pattern in patterns)
            for part, patterns in zip(below, _PACKAGES_BELOW_PREFIX, strict=False)  # deeper: inside the packages
        )


def switched_on(variables: Mapping[str, str], name: str) -> bool:
    """Whether a boolean setting of pip, uv, Poetry or PDM is on in `variables` (`PIP_USER=1`,
    `UV_NO_EDITABLE=true`)."""
    return variables.get(name, "").lower() in _TRUE


def pip_install_arguments(values: list[str]) -> list[str] | None:
    """What follows `install` in `pip install`, `python -m pip install` or `uv pip install`
    (any version of pip or python, `pip3.12`; past wrappers, `env PIP_NO_CACHE_DIR=1 pip`);
    None for another command."""
    values = innermost(values)
    if values and is_python(values[0]) and values[1:3] == ["-m", "pip"]:
        values = values[2:]
    program = posixpath.basename(values[0]) if values else ""
    if program == "uv" and values[1:3] == ["pip", "install"]:
        return values[3:]
    if _PIP.fullmatch(program):
        command = _pip_command(values)
        if values[command : command + 1] == ["install"]:
            return values[command + 1 :]
    return None


def _pip_command(values: list[str]) -> int:
    """Where pip's command is in `values`, past the general options before it
    (`pip3 --no-cache-dir install`, moto's image) and their values."""
    index = 1
    while index < len(values) and values[index].startswith("-"):
        index += 2 if values[index] in _PIP_GENERAL_OPTIONS_WITH_VALUE else 1
    return index


def created_environment(values: list[str]) -> str | None:
    """The folder a command creates a virtualenv in, as written: `python -m venv DIR`,
    `uv venv DIR` (`.venv` without one), `virtualenv DIR`."""
    program = posixpath.basename(values[0]) if values else ""
    if program.startswith("python") and values[1:3] == ["-m", "venv"]:
        arguments = values[3:]
    elif program == "uv" and values[1:2] == ["venv"]:
        return next(positional_arguments(values[2:], _ENVIRONMENT_OPTIONS_WITH_VALUE), ".venv")
    elif program == "virtualenv":
        arguments = values[1:]
    else:
        return None
    return next(positional_arguments(arguments, _ENVIRONMENT_OPTIONS_WITH_VALUE), None)


def environments_written(
    stage: Stage, run: Instruction, workdir: str, command: list[str], project: str
) -> tuple[Environment, ...]:
    """The environments an install command of a `RUN` of `stage` may write to: `command`
    past its wrappers, its variables expanded, run in `workdir`, installing `project` (the
    folder whose `.venv` `uv sync`, Poetry and PDM use). Empty for another command.

    - `pip install`, `python -m pip install`: the environment of the `pip` or `python`
      named by its path (`/opt/venv/bin/pip`); else the system's, and the virtualenvs the
      stage may have made active (`ENV VIRTUAL_ENV`, a created one, `ENV PATH=/opt/venv/bin:$PATH`);
      `--prefix`, `--target`, `--user` (or `PIP_PREFIX`, `PIP_TARGET`, `PIP_USER`) and
      `--root` as pip reads them;
    - `uv pip install`: `--system` (or `UV_SYSTEM_PYTHON`) the system's, `--python` the
      environment of that interpreter, else `VIRTUAL_ENV`, else a `.venv` in the working
      directory or above it; `--prefix` and `--target` too;
    - `uv sync`: `UV_PROJECT_ENVIRONMENT`, else the project's `.venv` (`--active`: `VIRTUAL_ENV`);
    - `poetry install`: the active environment or the system's under
      `POETRY_VIRTUALENVS_CREATE=false`, the project's `.venv` under
      `POETRY_VIRTUALENVS_IN_PROJECT=true`, else `VIRTUAL_ENV` or Poetry's cache of
      virtualenvs;
    - `pdm install`/`sync`: the project's `.venv` or `__pypackages__`, `VIRTUAL_ENV`, or the system's."""
    variables = stage.variables(run)
    values = innermost(command)
    program = posixpath.basename(values[0]) if values else ""
    installing = pip_install_arguments(values)
    if installing is not None:
        if program == "uv":
            return _uv_pip_environments(stage, run, workdir, installing, variables)
        return _pip_environments(stage, run, workdir, values, installing, variables)
    arguments = values[1:]
    active = variables.get("VIRTUAL_ENV")
    if program == "uv" and arguments[:1] == ["sync"]:
        if "--active" in arguments and active:
            return (Environment(_absolute(active, workdir)),)
        return (Environment(_absolute(variables.get("UV_PROJECT_ENVIRONMENT") or ".venv", project)),)
    if program == "poetry" and arguments[:1] == ["install"]:
        return _poetry_environments(project, workdir, variables)
    if program == "pdm" and arguments[:1] in (["install"], ["sync"]):
        in_project = (
            Environment(posixpath.join(project, ".venv")),
            Environment(posixpath.join(project, "__pypackages__"), True),
        )
        return (*in_project, *([Environment(_absolute(active, workdir))] if active else []), *_system())
    return ()


def _pip_environments(
    stage: Stage, run: Instruction, workdir: str, values: list[str], installing: list[str], variables: dict[str, str]
) -> tuple[Environment, ...]:
    target = _last(installing, "-t", "--target") or variables.get("PIP_TARGET")
    if target:
        return (Environment(_absolute(target, workdir), True),)
    prefix = _last(installing, "--prefix") or variables.get("PIP_PREFIX")
    if prefix:
        found: tuple[Environment, ...] = (Environment(_absolute(prefix, workdir)),)
    elif "--user" in installing or switched_on(variables, "PIP_USER"):
        found = (Environment(posixpath.join(variables.get("HOME") or "/root", ".local")),)
    elif (python := _last(values[: len(values) - len(installing)], "--python")) is not None:
        found = (_environment_of_program(python, workdir) or Environment(_absolute(python, workdir)),)
    elif (named := _environment_of_program(values[0], workdir)) is not None:
        found = (named,)
    else:
        found = (*_system(), *_active_environments(stage, run, workdir))
    root = _last(installing, "--root")
    if root:
        top = _absolute(root, workdir)
        return tuple(e._replace(folder=posixpath.join(top, e.folder.lstrip("/"))) for e in found)
    return found


def _uv_pip_environments(
    stage: Stage, run: Instruction, workdir: str, installing: list[str], variables: dict[str, str]
) -> tuple[Environment, ...]:
    target = _last(installing, "-t", "--target")
    if target:
        return (Environment(_absolute(target, workdir), True),)
    prefix = _last(installing, "--prefix")
    if prefix:
        return (Environment(_absolute(prefix, workdir)),)
    python = _last(installing, "-p", "--python") or variables.get("UV_PYTHON")
    if python and "/" in python:
        return (_environment_of_program(python, workdir) or Environment(_absolute(python, workdir)),)
    if "--system" in installing or switched_on(variables, "UV_SYSTEM_PYTHON"):
        return _system()
    active = variables.get("VIRTUAL_ENV")
    if active:
        return (Environment(_absolute(active, workdir)),)
    return tuple(Environment(posixpath.join(folder, ".venv")) for folder in _folder_and_parents(workdir))


def _poetry_environments(project: str, workdir: str, variables: dict[str, str]) -> tuple[Environment, ...]:
    active = variables.get("VIRTUAL_ENV")
    if variables.get("POETRY_VIRTUALENVS_CREATE", "").lower() in _FALSE:
        return (Environment(_absolute(active, workdir)),) if active else _system()
    if switched_on(variables, "POETRY_VIRTUALENVS_IN_PROJECT"):
        return (Environment(posixpath.join(project, ".venv")),)
    if active:
        return (Environment(_absolute(active, workdir)),)
    cache = variables.get("POETRY_CACHE_DIR") or posixpath.join(variables.get("HOME") or "/root", ".cache/pypoetry")
    holding = variables.get("POETRY_VIRTUALENVS_PATH") or posixpath.join(cache, "virtualenvs")
    return (Environment(posixpath.join(project, ".venv")), Environment(_absolute(holding, workdir), True))


def _active_environments(stage: Stage, run: Instruction, workdir: str) -> Iterator[Environment]:
    """The virtualenvs a bare `pip` of `run` may belong to: `VIRTUAL_ENV`, one a `RUN` of
    the stage or of one it is built from creates (and may activate, `. /opt/venv/bin/activate`),
    and the folder above a `bin` that an `ENV PATH` puts first."""
    active = stage.variables(run).get("VIRTUAL_ENV")
    if active:
        yield Environment(_absolute(active, workdir))
    for owner in stage.lineage():
        for instruction in owner.instructions:
            if instruction.name == "RUN":
                for words in instruction.commands():
                    created = created_environment(innermost(words))
                    if created is not None:
                        directory = owner.working_directory(instruction)
                        yield Environment(_absolute(owner.expanded(created, instruction), directory))
            elif instruction.name == "ENV":
                for name, value in instruction.assignments():
                    if name != "PATH":
                        continue
                    for written in value.split(":"):
                        entry = owner.expanded(written, instruction)
                        folder, bin_ = posixpath.split(posixpath.normpath(entry)) if entry.startswith("/") else ("", "")
                        if bin_ == "bin" and folder not in ("", "/", *SYSTEM_PREFIXES) and "$" not in folder:
                            yield Environment(folder)


def _environment_of_program(program: str, workdir: str) -> Environment | None:
    """The environment a `pip` or `python` named by its path belongs to (`/opt/venv/bin/pip`:
    `/opt/venv`); None for one named alone, found on the `PATH`."""
    if "/" not in program:
        return None
    folder, bin_ = posixpath.split(posixpath.dirname(_absolute(program, workdir)))
    return Environment(folder) if bin_ == "bin" else None


def _system() -> tuple[Environment, ...]:
    return tuple(Environment(prefix) for prefix in SYSTEM_PREFIXES)


def _absolute(path: str, workdir: str) -> str:
    return posixpath.normpath(posixpath.join(workdir, path))


def _folder_and_parents(folder: str) -> Iterator[str]:
    while True:
        yield folder
        if folder == "/":
            return
        folder = posixpath.dirname(folder)


def _last(arguments: list[str], *names: str) -> str | None:
    """The value of the last of the options `names` given (`--prefix /install`, `--prefix=/install`)."""
    return next(reversed(list(option_values(arguments, names))), None)
