"""The other modules of a Python module's project: found, searched and read on demand.

A rule that must know how the rest of a project uses what a module defines (HF301:
can any module use a class's instances as tuples?), or which Python may run it (HF302:
can it parse a variable annotation?), reads the project here.

**The tree.** A project is the tree under the nearest folder above the module that
holds `pyproject.toml`, `setup.py`, `setup.cfg` or `.git` (where hardenfix's own
configuration lookup stops at the latest); a `setup.py` beside an `__init__.py` is a
module of a package, not a project's setup script, and a `pyproject.toml` that holds
only tools' settings (`[tool.ruff]`) declares no project. Without one, it is the folder a Python
process imports the module's top-level package from (the first folder above it
without an `__init__.py`; the folder above that when it is a `src` folder). The tree is
walked as `hardenfix check` walks a folder: `.gitignore` honoured, virtualenvs,
`site-packages`, `node_modules` and version-control folders skipped.

**The cost.** The walk is kept for the process while no folder of the tree changed
(a folder's modification time changes when an entry is added, removed or renamed). A
search for names reads each module of the tree once (reading runs at 100+ MB/s) and
parses only those that spell one of the names as a whole word; parsed modules are
kept while their modification time and size hold. A tree of more than
`MAX_MODULES` modules is not searched.

**What a finding depends on.** Each search records, on the document it is made for
(`SourceText.depends_on`), the tree's folders, the packaging files and every module it
parsed, so that the cache recomputes the finding when one of them changes. A module
edited in place (not replaced, as editors and git do) to mention a name for the first
time is not among them: `check` may report from the cache until the module or a
folder changes; `apply` always recomputes a file that has findings.
"""

from __future__ import annotations

import ast
import functools
import os
import sys
from collections.abc import Iterable
from functools import cached_property
from pathlib import Path

from hardenfix import regexes
from hardenfix.discovery import discover, discover_along
from hardenfix.files import MAX_FILE_BYTES, FileTooLarge, UnreadableFile, decode, read_whole
from hardenfix.model import FileKind
from hardenfix.sources.python_nodes import parsed_or_none
from hardenfix.sources.text import SourceText, word_starts

PROJECT_MARKERS = ("pyproject.toml", "setup.py", "setup.cfg", ".git")
PACKAGING_FILES = ("pyproject.toml", "setup.py", "setup.cfg")
MAX_MODULES = 50_000
"""A larger tree is not searched: a rule must then assume the worst of it."""
NOT_DISTRIBUTED = frozenset({"tests", "test", "testing", "docs", "doc", "examples", "example", "benchmarks"})
"""Top-level packages that live in a distribution's repository but are not installed."""
NOT_DISTRIBUTED_MODULES = frozenset({"setup", "conftest", "noxfile"})
_STAR_IMPORT = regexes.lazy(rb"import[ \t]*\*")


def project_root(module: Path) -> Path:
    """The folder whose tree holds every module that can import `module` (see the module's documentation)."""
    folder = Path(os.path.abspath(module)).parent
    for ancestor in (folder, *folder.parents):
        if _holds_marker(str(ancestor)):
            return ancestor
    top = folder
    while os.path.isfile(os.path.join(top, "__init__.py")) and top.parent != top:
        top = top.parent
    return top.parent if top.name == "src" else top


def required_python(module: Path) -> str | None:
    """The Python versions the project of `module` says it runs on (see `_declared_python`),
    when the interpreter running hardenfix is not one of them; None when it is, or the
    project does not say."""
    declared = _declared_python(str(project_root(module)))
    if declared is None:
        return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        versions = SpecifierSet(declared[1])
    except InvalidSpecifier:
        return None
    running = "{}.{}.{}".format(*sys.version_info[:3])
    return None if versions.contains(running, prereleases=True) else declared[1]


@functools.lru_cache(maxsize=4096)
def _holds_marker(folder: str) -> bool:
    """Whether a folder holds a project marker; asked once per folder and process, as a
    run's modules share their folders' ancestors. A `setup.py` in a regular package is one
    of its modules (polarsource/polar's `organization_review/collectors/setup.py`): its
    folder is no project's root."""
    return any(
        os.path.exists(os.path.join(folder, marker))
        and not (marker == "setup.py" and os.path.isfile(os.path.join(folder, "__init__.py")))
        and not (marker == "pyproject.toml" and not _declares_a_project(os.path.join(folder, marker)))
        for marker in PROJECT_MARKERS
    )


_PROJECT_TABLE = regexes.lazy(rb"(?m)^[ \t]*\[[ \t]*(?:project|build-system|tool\.poetry)[ \t]*\]")


def _declares_a_project(pyproject: str) -> bool:
    """Whether a `pyproject.toml` declares a project or its build (`[project]`,
    `[build-system]`, Poetry's `[tool.poetry]`), rather than only settings of tools
    (`[tool.ruff]`): a library's folder in a monorepo whose services import it from
    beside it is no project of its own."""
    try:
        with open(pyproject, "rb") as file:
            return _PROJECT_TABLE.search(file.read(MAX_FILE_BYTES)) is not None
    except OSError:
        return True


class _Tree:
    """What one walk of a project found, shared by the documents of a process."""

    __slots__ = ("folders", "modules", "others", "parsed", "root", "too_large")

    root: str
    modules: list[str]
    others: list[str]
    """Code the walk takes for no module that may use a module's names all the same: modules
    `.gitignore` leaves out (a deployed `local_settings.py`), scripts without `.py` that
    start with a Python `#!` line (`bin/manage`), notebooks."""
    folders: list[tuple[str, int]]
    """Each folder walked, with its modification time when it was listed."""
    too_large: bool
    parsed: dict[str, tuple[int, int, tuple[ast.Module, str] | None]]
    """path -> (mtime in ns, size, its tree and text, or None when it cannot be read or parsed)."""

    def __init__(
        self,
        root: str,
        modules: list[str],
        others: list[str],
        folders: list[tuple[str, int]],
        too_large: bool,
    ) -> None:
        self.root = root
        self.modules = modules
        self.others = others
        self.folders = folders
        self.too_large = too_large
        self.parsed = {}

    def is_current(self) -> bool:
        try:
            return all(os.stat(folder).st_mtime_ns == mtime for folder, mtime in self.folders)
        except OSError:
            return False


_TREES: dict[str, _Tree] = {}


def _walk(root: str) -> _Tree:
    listed: list[str] = []
    entries: list[str] = []
    modules: list[str] = []
    too_large = False

    def on_folder(folder: str, names: set[str]) -> None:
        listed.append(folder)
        entries.extend(os.path.join(folder, name) for name in sorted(names) if _may_be_code(name))

    for candidate in discover([Path(root)], on_folder=on_folder):
        if candidate.kind is FileKind.PYTHON and candidate.skip_reason is None:
            if len(modules) == MAX_MODULES:
                too_large = True
                break
            modules.append(str(candidate.path))
    folders = []
    for folder in listed:
        try:
            folders.append((folder, os.stat(folder).st_mtime_ns))
        except OSError:
            continue
    walked = set(modules)
    others = [path for path in entries if path not in walked and _is_other_code(path)]
    return _Tree(root, modules, others, folders, too_large)


def _may_be_code(name: str) -> bool:
    return name.endswith((".py", ".ipynb")) or ("." not in name and not name.isupper())


def _is_other_code(path: str) -> bool:
    """A file of `_Tree.others`: a module or a notebook, or a script whose `#!` line runs Python."""
    if path.endswith((".py", ".ipynb")):
        return os.path.isfile(path)
    try:
        with open(path, "rb") as file:
            first = file.readline(128)
    except OSError:
        return False
    return first.startswith(b"#!") and b"python" in first


_NOT_A_PACKAGE = (("uv", "package"), ("poetry", "package-mode"), ("pdm", "distribution"))
"""`[tool.X] key = false`: the project is an application whose dependencies the tool
installs, never built or installed itself (uv's `package`, Poetry's `package-mode`, PDM's
`distribution`)."""


@functools.lru_cache(maxsize=64)
def synced_into_environment(pyproject: str, tool: str) -> bool:
    """Whether `uv sync`, `poetry install` or `pdm install` (`tool`: "uv", "poetry", "pdm")
    of the project this `pyproject.toml` text describes installs the project itself, beside
    its dependencies: not when its tool says it is no package (see `_NOT_A_PACKAGE`), nor,
    for uv, when it declares no `[build-system]` and no `package = true` (what `uv init`
    writes for an application: uv then installs only the dependencies). True when the text
    cannot be read as TOML: unknown."""
    import tomllib

    try:
        table = tomllib.loads(pyproject)
    except tomllib.TOMLDecodeError:
        return True
    tools = table.get("tool", {})
    settings = tools.get(tool, {}) if isinstance(tools, dict) else {}
    key = dict(_NOT_A_PACKAGE).get(tool)
    choice = settings.get(key) if isinstance(settings, dict) and key else None
    if isinstance(choice, bool):
        return choice
    return tool != "uv" or "build-system" in table


class Project:
    """The project of one document, read on its behalf: what it reads, it depends on."""

    def __init__(self, root: Path, reader: SourceText) -> None:
        self._reader = reader
        self.root = str(root)
        for name in PACKAGING_FILES:
            reader.depends_on(os.path.join(self.root, name))

    @cached_property
    def _tree(self) -> _Tree:
        """The project walked, when a question needs its modules: once in a process while its
        folders stay as they were."""
        tree = _TREES.get(self.root)
        if tree is None or not tree.is_current():
            tree = _TREES[self.root] = _walk(self.root)
        for folder, _ in tree.folders:
            self._reader.depends_on(folder)
        return tree

    @classmethod
    def of(cls, document: SourceText) -> Project | None:
        """The project of a document read from disk; None for a text from elsewhere."""
        if document.location is None:
            return None
        return cls(project_root(document.location), document)

    @property
    def too_large(self) -> bool:
        return self._tree.too_large

    @cached_property
    def _modules(self) -> frozenset[str]:
        return frozenset(self._tree.modules)

    # -- searching and reading ----------------------------------------------------

    def mentioning(self, words: Iterable[str], excluding: str | None = None, star_imports: bool = False) -> list[str]:
        """The modules (absolute paths) that spell one of `words` as a whole word, or make a
        star import (which binds names it does not spell), in walk order, then the other
        code that does (`_Tree.others`: a notebook is no module, and cannot be parsed); and
        those that cannot be read, whose words are unknown."""
        spelt = [word.encode() for word in sorted(words)]
        found = []
        for path in (*self._tree.modules, *self._tree.others):
            if path == excluding:
                continue
            try:
                data = read_whole(path, MAX_FILE_BYTES)
            except (OSError, FileTooLarge):
                found.append(path)
                continue
            if any(next(word_starts(data, word), None) is not None for word in spelt) or (
                star_imports and _STAR_IMPORT.search(data)
            ):
                found.append(path)
        return found

    def text(self, path: str) -> str | None:
        """The text of a module of the tree (or of other code), as decoded for a check; None
        when it cannot be read."""
        self._reader.depends_on(path)
        try:
            return decode(read_whole(path, MAX_FILE_BYTES), FileKind.PYTHON).text
        except (OSError, FileTooLarge, UnreadableFile):
            return None

    def parse(self, path: str) -> tuple[ast.Module, str] | None:
        """The module's tree and text, or None when it cannot be read or is not valid Python."""
        self._reader.depends_on(path)
        try:
            status = os.stat(path)
        except OSError:
            return None
        known = self._tree.parsed.get(path)
        if known is not None and known[:2] == (status.st_mtime_ns, status.st_size):
            return known[2]
        parsed = None
        if (text := self.text(path)) is not None and (tree := parsed_or_none(text)) is not None:
            parsed = tree, text
        self._tree.parsed[path] = (status.st_mtime_ns, status.st_size, parsed)
        return parsed

    # -- names ----------------------------------------------------------------------

    def parts(self, path: str) -> tuple[str, ...]:
        """The module's folders and name below the root: ("pkg", "models") for
        pkg/models.py, ("pkg",) for pkg/__init__.py."""
        relative = os.path.relpath(path, self.root).replace(os.sep, "/").removesuffix(".py")
        parts = tuple(relative.split("/"))
        return parts[:-1] if parts[-1] == "__init__" else parts

    def display(self, path: str) -> str:
        """The module's path relative to the root, as a message shows it."""
        return os.path.relpath(path, self.root).replace(os.sep, "/")

    @cached_property
    def distributable(self) -> bool:
        """Whether the root describes a package to build and install elsewhere: not an
        application its tool says it never builds (see `_NOT_A_PACKAGE`)."""
        if any(os.path.isfile(os.path.join(self.root, name)) for name in ("setup.py", "setup.cfg")):
            return True
        import tomllib  # asked only of a module with something to fix

        try:
            with open(os.path.join(self.root, "pyproject.toml"), "rb") as handle:
                table = tomllib.load(handle)
        except FileNotFoundError:
            return False
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            return True  # unknown: assume the worst
        tools = table.get("tool", {})
        if any(
            isinstance(settings := tools.get(tool), dict) and settings.get(key) is False for tool, key in _NOT_A_PACKAGE
        ):
            return False
        return "project" in table or "build-system" in table or "poetry" in tools

    @cached_property
    def _declared_python(self) -> tuple[str, str] | None:
        return _declared_python(self.root)

    def declares_python_before(self, version: tuple[int, int]) -> str | None:
        """Why the project may run on a Python older than `version`, which code a fix adds may
        need (variable annotations need 3.6): the Python versions its packaging declares
        (`requires-python`, Poetry's `python`, `python_requires`) admit one. None when they
        do not, or it declares none."""
        declared = self._declared_python
        if declared is None:
            return None
        where, required = declared
        if where == _POETRY_PYTHON:
            from hardenfix.sources.python_dependencies import poetry_constraint

            alternatives = poetry_constraint(required)
        else:
            alternatives = [required]
        older = next(filter(None, (_admitted_before(one, version) for one in alternatives)), None)
        return f"its {where} `{required}` admits Python {older}" if older is not None else None

    def dockerfiles_holding(self, module: Path) -> list[str]:
        """The Dockerfiles of the tree in whose folder (the build context each gets by
        default) `module` lies: those that may build an image running it. A Dockerfile of
        another folder builds something else, as a monorepo's legacy tool may."""
        # The folders on the way, not the whole project (onyx's backend walked is 170 ms); the
        # answer depends on each one listed.
        return [
            str(candidate.path)
            for candidate in discover_along(
                Path(self.root), Path(module).parent, lambda folder, _: self._reader.depends_on(folder)
            )
            if candidate.kind is FileKind.DOCKERFILE and candidate.skip_reason is None
        ]

    def public_name(self, path: str, name: str) -> str | None:
        """The dotted name under which an installed distribution of the project offers
        `name` of the module at `path` to its users; None when it does not (the project
        is not distributable, the module is not installed with it, or a part of the name
        is private)."""
        if not self.distributable:
            return None
        folder, file_name = os.path.split(path)
        dotted = [] if file_name == "__init__.py" else [file_name.removesuffix(".py")]
        packaged = False
        while os.path.join(folder, "__init__.py") in self._modules:
            packaged = True
            dotted.insert(0, os.path.basename(folder))
            folder = os.path.dirname(folder)
        if not dotted:
            return None
        if packaged and dotted[0] in NOT_DISTRIBUTED:
            return None
        if not packaged and (
            folder not in (self.root, os.path.join(self.root, "src")) or dotted[0] in NOT_DISTRIBUTED_MODULES
        ):
            return None
        dotted.append(name)
        if any(part.startswith("_") for part in dotted):
            return None
        return ".".join(dotted)


def _declared_python(root: str) -> tuple[str, str] | None:
    """The Python versions the project at `root` declares it runs on, and where:
    `pyproject.toml`'s `requires-python` or Poetry's `python` dependency (`^2.7 || ^3.5`),
    else `python_requires` in `setup.cfg` or in `setup.py` (a string, or the name of a
    module-level one). A file is parsed only where its text names the key."""
    pyproject = _text_naming(os.path.join(root, "pyproject.toml"), "requires-python", "tool.poetry")
    if pyproject is not None:
        import tomllib  # a twentieth of a one-file check: only for a file that names the key

        try:
            table = tomllib.loads(pyproject)
            required = table.get("project", {}).get("requires-python")
            if isinstance(required, str):
                return "requires-python", required
            required = table.get("tool", {}).get("poetry", {}).get("dependencies", {}).get("python")
            if isinstance(required, str):
                return _POETRY_PYTHON, required
        except (tomllib.TOMLDecodeError, AttributeError):
            pass
    setup_cfg = _text_naming(os.path.join(root, "setup.cfg"), "python_requires")
    if setup_cfg is not None:
        import configparser

        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(setup_cfg)
            required = parser.get("options", "python_requires", fallback=None)
        except configparser.Error:
            required = None
        if required:
            return "python_requires", required.strip()
    setup_py = _text_naming(os.path.join(root, "setup.py"), "python_requires")
    setup = parsed_or_none(setup_py) if setup_py is not None else None
    strings = {
        target.id: statement.value.value
        for statement in (setup.body if setup is not None else ())
        if isinstance(statement, ast.Assign)
        and isinstance(statement.value, ast.Constant)
        and isinstance(statement.value.value, str)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    for node in ast.walk(setup) if setup is not None else ():
        if isinstance(node, ast.keyword) and node.arg == "python_requires":
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return "python_requires", node.value.value
            if isinstance(node.value, ast.Name) and node.value.id in strings:  # `python_requires=PYTHON_REQUIRES`
                return "python_requires", strings[node.value.id]
    return None


def _text_naming(path: str, *keys: str) -> str | None:
    """The text of the file at `path` when it names one of `keys`; None otherwise, or when it cannot be read."""
    try:
        text = read_whole(path, MAX_FILE_BYTES).decode("utf-8")
    except (OSError, FileTooLarge, UnicodeDecodeError):
        return None
    return text if any(key in text for key in keys) else None


_POETRY_PYTHON = "Poetry `python` dependency"


_LOWER_BOUND = regexes.lazy(r"\s*(?:>=|~=|==)\s*(\d+)\.(\d+)(?:\.[\d*]+)*\s*")


def _admitted_before(required: str, version: tuple[int, int]) -> str | None:
    """The first Python line older than `version` that the specifiers `required` admit
    (`2.7`, `3.5`), by its first and last releases; None when they admit none, or cannot
    be read."""
    # A bound at or above `version` leaves out every older line, whatever the other clauses
    # say: told without importing packaging, whose specifiers cost a one-file check a tenth.
    for clause in required.split(","):
        bound = _LOWER_BOUND.fullmatch(clause)
        if bound is not None and (int(bound.group(1)), int(bound.group(2))) >= version:
            return None
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        versions = SpecifierSet(required)
    except InvalidSpecifier:
        return None
    lines = [(2, 7), *((3, minor) for minor in range(version[1]))] if version[0] == 3 else []
    for major, minor in lines:
        if any(versions.contains(f"{major}.{minor}.{patch}", prereleases=True) for patch in (0, 99)):
            return f"{major}.{minor}"
    return None
