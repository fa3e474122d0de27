"""What a Python project declares it depends on, read from its files: `pyproject.toml`
(`[project]` dependencies and extras, dependency groups, uv's, PDM's and Poetry's tables),
`requirements*.txt` and the files they include, `setup.cfg`, `setup.py`, `Pipfile`, and the
lock files of uv, Poetry, PDM and Pipenv; the top-level names a distribution may be imported
by; and, for a requirement no lock pins, what it may install with it (`brings`).

HF202 asks it whether a folder copied into an image could hide an installed distribution;
HF106 which version of a server a project declares (`versions_declared`), where the version
decides the route it answers.
A folder's files are read once per version of them, and parsed only for a name their text
may give.
"""

from __future__ import annotations

import fnmatch
import posixpath
import re
import urllib.parse
from collections.abc import Iterable, Iterator
from functools import cached_property, lru_cache
from typing import NamedTuple

from hardenfix import regexes
from hardenfix.sources.dockerfile import BuildContext, ContextError


def folder_declarations(context: BuildContext, folder: str) -> FolderDeclarations:
    """What a folder of the build context declares, kept for every Dockerfile of the context
    while its dependency files stay as they are."""
    files = sorted(_dependency_files(context.names_in(folder)))
    versions = (tuple(context.status(posixpath.join(folder, name)) or ()) for name in files)
    key = (context.root, folder, *zip(files, versions, strict=True))
    if key not in _FOLDER_DISTRIBUTIONS:
        _FOLDER_DISTRIBUTIONS[key] = FolderDeclarations(context, folder, files)
    return _FOLDER_DISTRIBUTIONS[key]


def provides(name: str, distribution: str, written_name: str) -> bool:
    """Whether `distribution` (its name written without separators: `written`) may install
    the top-level module or package `name` (lowercase)."""
    # Every name guessed from a distribution's is in its name, written without separators.
    squashed = name.replace("_", "")
    return (squashed in written_name or written_name in _IRREGULAR_WRITTEN) and name in _import_names(distribution)


_IRREGULAR_IMPORT_NAMES = {
    "attrs": ("attr",),
    "beautifulsoup4": ("bs4",),
    "django-filter": ("django_filters",),
    "djangorestframework": ("rest_framework",),
    "djangorestframework-simplejwt": ("rest_framework_simplejwt",),
    "future": ("past", "libfuturize", "libpasteurize"),
    "gdal": ("osgeo",),
    "google-api-python-client": ("googleapiclient",),
    "googleapis-common-protos": ("google",),
    "grpcio": ("grpc",),
    "grpcio-health-checking": ("grpc_health",),
    "grpcio-reflection": ("grpc_reflection",),
    "grpcio-status": ("grpc_status",),
    "grpcio-tools": ("grpc_tools",),
    "matplotlib": ("mpl_toolkits", "pylab"),
    "mysqlclient": ("mysqldb",),
    "opencv-contrib-python": ("cv2",),
    "opencv-contrib-python-headless": ("cv2",),
    "opencv-python": ("cv2",),
    "opencv-python-headless": ("cv2",),
    "phonenumberslite": ("phonenumbers",),
    "pillow": ("pil",),
    "protobuf": ("google",),
    "pycryptodome": ("crypto",),
    "pycryptodomex": ("cryptodome",),
    "pygobject": ("gi",),
    "pymongo": ("bson", "gridfs"),
    "pymupdf": ("fitz",),
    "pytest": ("_pytest",),
    "pywavelets": ("pywt",),
    "pywin32": ("win32", "win32api", "win32con", "win32com", "pythoncom", "pywintypes"),
    "scikit-image": ("skimage",),
    "scikit-learn": ("sklearn",),
    "setuptools": ("pkg_resources", "_distutils_hack"),
}
"""Distributions (names normalised) imported by names `_import_names` cannot guess from theirs."""


_EXACT_IMPORT_NAMES = {
    "annotated-types": ("annotated_types",),
    "charset-normalizer": ("charset_normalizer",),
    "db-dtypes": ("db_dtypes",),
    "more-itertools": ("more_itertools",),
    "prompt-toolkit": ("prompt_toolkit",),
    "pydata-google-auth": ("pydata_google_auth",),
    "service-identity": ("service_identity",),
}
"""Distributions (names normalised) imported by their name alone, whose first word an app's
own module is often named (`service.py`, `db.py`): scrapy requires service-identity, and
pandas' `gcp` extra db-dtypes, neither of which installs a `service` or a `db`."""


_IRREGULAR_WRITTEN = frozenset(name.replace("-", "") for name in _IRREGULAR_IMPORT_NAMES)


_IRREGULAR_FOR = {
    name: tuple(other.replace("-", "") for other, names in _IRREGULAR_IMPORT_NAMES.items() if name in names)
    for imported in _IRREGULAR_IMPORT_NAMES.values()
    for name in imported
}
"""An import name -> the distributions (written without separators) it is known to come from."""


_FAMILY_WORDS = frozenset({"python", "py", "django", "dj", "apache", "unicode", "awesome", "docker"})
"""Words that start the names of distributions imported by the words after them."""


_NAME_SEPARATORS = regexes.lazy(r"[-_.]+")
_WITHOUT_SEPARATORS = str.maketrans("", "", "-_.")
"""The same separators deleted by `str.translate`: a lock file's text in a tenth of the time."""


_REQUIREMENT_NAME = regexes.lazy(r"[ \t]*([A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*(?:$|[\[(<>=!~;@,\s])")


_EGG_NAME = regexes.lazy(r"#egg=([A-Za-z0-9][A-Za-z0-9._-]*)")


_LOCKED_NAME = regexes.lazy(r'^name = "([^"]+)"', re.MULTILINE)


_LOCKED_VERSION = regexes.lazy(r'^version = "([^"]+)"', re.MULTILINE)


_THE_PROJECT_ITSELF = regexes.lazy(r'^source = \{ (?:editable|virtual) = "\." \}', re.MULTILINE)


_SETUP_PY_REQUIREMENTS = regexes.lazy(r"install_requires\s*=\s*\[([^\]]*)\]")


_QUOTED = regexes.lazy(r"""["']([^"']+)["']""")


REQUIREMENT_FILES = ("-r", "--requirement")
"""Options naming a requirements file whose requirements pip installs."""


INCLUDED_REQUIREMENTS = (*REQUIREMENT_FILES, "-c", "--constraint")


_TOML_LOCK_FILES = ("uv.lock", "poetry.lock", "pdm.lock")


_LOCK_FILES = (*_TOML_LOCK_FILES, "Pipfile.lock")


_PROJECT_FILES = ("pyproject.toml", "Pipfile", "setup.cfg", "setup.py")
"""The files that declare a project's dependencies, whose closure a lock file pins."""


_EXTRAS = regexes.lazy(r"[ \t]*[A-Za-z0-9][A-Za-z0-9._-]*[ \t]*\[([^\]]*)\]")


class FolderDeclarations:
    """The distributions a folder's dependency files declare, parsed only for a name their
    text may give: most Dockerfiles ask for a name no distribution of a lock file has."""

    def __init__(self, context: BuildContext, folder: str, files: list[str]) -> None:
        self._context = context
        self._folder = folder
        self._files = files
        self._unpinned: dict[bool, tuple[Unpinned, ...]] = {}

    def may_name(self, name: str) -> bool:
        """Whether a distribution the files declare may be imported as `name` (lowercase)."""
        text = self._text
        if text is None:
            return True
        return name.replace("_", "") in text or any(written in text for written in _IRREGULAR_FOR.get(name, ()))

    @cached_property
    def _text(self) -> str | None:
        """The files' text, lowercase and without separators; None when a requirements file
        includes another (`-r ../base.txt`), whose names it does not hold."""
        texts = []
        for name in self._files:
            path = posixpath.join(self._folder, name)
            paths = self._context.expand(posixpath.join(path, "*.txt")) if name == "requirements" else [path]
            for found in paths:
                text = read_text(self._context, found)
                if name.startswith("requirements") and _INCLUDES.search(text):
                    return None
                texts.append(text)
        return "\n".join(texts).lower().translate(_WITHOUT_SEPARATORS)

    @cached_property
    def _requirements(self) -> tuple[str, ...]:
        return tuple(_declared_in(self._context, self._folder, self._files))

    @cached_property
    def distributions(self) -> tuple[tuple[str, str], ...]:
        return written(filter(None, map(requirement_name, self._requirements)))

    def versions(self, distribution: str) -> tuple[DeclaredVersion, ...]:
        """The versions of `distribution` the folder's files allow, one per requirement: where
        a lock file pins it, the lock's pin stands for the project files' requirements."""
        where = f"the dependency files of `{self._folder}`"
        locks = [name for name in self._files if name in _LOCK_FILES]
        pinned = versions_declared(_declared_in(self._context, self._folder, locks), distribution, where)
        if not pinned:
            return versions_declared(self._requirements, distribution, where)
        others = [name for name in self._files if name not in _LOCK_FILES and name not in _PROJECT_FILES]
        return pinned + versions_declared(_declared_in(self._context, self._folder, others), distribution, where)

    @cached_property
    def locks(self) -> bool:
        """Whether the folder holds a lock file, which pins what its project's dependencies
        bring with them (and what those of the projects below it do, in a workspace)."""
        return any(name in _LOCK_FILES for name in self._files)

    def unpinned(self, locked: bool) -> tuple[Unpinned, ...]:
        """The requirements whose own dependencies no file of the folder lists: those of
        its requirements files that are not compiled (see `pins_its_closure`), and, unless
        `locked` (a lock file here or above pins them), those of its project files."""
        if locked not in self._unpinned:
            files = [
                name for name in self._files if name not in _LOCK_FILES and not (locked and name in _PROJECT_FILES)
            ]
            requirements = _declared_in(self._context, self._folder, files, unpinned_only=True)
            self._unpinned[locked] = tuple(unpinned(requirements))
        return self._unpinned[locked]


_INCLUDES = regexes.lazy(r"(?m)(?:^|[ \t])(?:-[rc]|--requirement|--constraint)")
"""A requirements line that includes another file (`-r base.txt`, `-rbase.txt`,
`--requirement=...`), wherever on the line: pip reads options anywhere (`--pre -r base.txt`)."""


_FOLDER_DISTRIBUTIONS: dict[tuple[object, ...], FolderDeclarations] = {}
"""`_declared_in`'s distributions (see `written`), per build context, folder and version of
its dependency files: read once for every Dockerfile of a monorepo."""


def _dependency_files(names: Iterable[str]) -> Iterator[str]:
    """Which of a folder's entries declare distributions: its dependency files, its
    `requirements*.txt` and its `requirements` folder."""
    for name in names:
        if name in _DEPENDENCY_READERS or name == "requirements" or fnmatch.fnmatch(name, "requirements*.txt"):
            yield name


def _declared_in(
    context: BuildContext, folder: str, files: Iterable[str], unpinned_only: bool = False
) -> Iterator[str]:
    """The requirements that a folder's dependency files (`_dependency_files`) declare (a
    lock file's: the names it pins); `unpinned_only`, not those of compiled requirements
    files (`requirements_file`)."""
    read: set[str] = set()
    for name in files:
        path = posixpath.join(folder, name)
        if name in _DEPENDENCY_READERS:
            yield from _DEPENDENCY_READERS[name](read_text(context, path))
        elif name == "requirements":
            for included in context.expand(posixpath.join(path, "*.txt")):
                yield from requirements_file(context, included, read, unpinned_only)
        else:
            yield from requirements_file(context, path, read, unpinned_only)


def _setup_py(text: str) -> Iterator[str]:
    """The distributions a `setup.py` lists in `install_requires`, written as a list."""
    requirements = _SETUP_PY_REQUIREMENTS.search(text)
    if requirements is not None:
        yield from _QUOTED.findall(requirements.group(1))


def written(distributions: Iterable[str]) -> tuple[tuple[str, str], ...]:
    return tuple((distribution, distribution.lower().translate(_WITHOUT_SEPARATORS)) for distribution in distributions)


class Unpinned(NamedTuple):
    """A requirement whose own requirements no file of the project pins (`celery[redis]` in
    a requirements file pip-compile did not write): pip chooses them when it installs."""

    distribution: str
    extras: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.distribution}[{','.join(self.extras)}]" if self.extras else self.distribution


def unpinned(requirements: Iterable[str]) -> Iterator[Unpinned]:
    """Each requirement's distribution and extras (`celery[redis]>=5`: `celery`, `redis`)."""
    for requirement in requirements:
        name = requirement_name(requirement)
        if name is not None:
            extras = _EXTRAS.match(requirement)
            listed = extras.group(1).split(",") if extras is not None else ()
            yield Unpinned(name, tuple(extra.strip() for extra in listed if extra.strip()))


def brings(name: str, requirement: Unpinned) -> bool:
    """Whether `requirement` may install the top-level module or package `name` (lowercase)
    with a distribution it requires (`celery[redis]`: `redis`; `celery`: `kombu`, `click`,
    `six`), as the resolved requirements of widely used distributions say
    (`hardenfix/knowledge/dependency_closures.toml`): read from there when first asked."""
    return any(
        provides(name, distribution, written_name)
        for distribution, written_name in _brought(requirement.distribution, requirement.extras)
    )


@lru_cache(maxsize=1024)
def _brought(distribution: str, extras: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    from hardenfix.knowledge.dependency_closures import installed_with

    return written(installed_with(distribution, extras))


@lru_cache(maxsize=4096)
def _import_names(distribution: str) -> tuple[str, ...]:
    """See `_guessed_import_names`; kept for the Dockerfiles of a monorepo, whose services
    declare many of the same distributions."""
    return tuple(_guessed_import_names(distribution))


def _guessed_import_names(distribution: str) -> Iterator[str]:
    """The top-level names a distribution may be imported by, lowercase: its name, a run of
    its words from the first (`graphql-core`: `graphql`), or after a word that families of
    distributions start with (`django-environ`: `environ`; `django-cors-headers`:
    `corsheaders`; `python-dateutil`: `dateutil`), joined or not, less a `py` or `python`
    prefix or suffix (`pyyaml`: `yaml`; `dnspython`: `dns`); and the names of those known
    to differ (`beautifulsoup4`: `bs4`). Not any last word: `pydantic-core` installs
    `pydantic_core`, never a `core` that would rule out every app's own `core` package;
    nor the first for those known to be imported by their whole name (`service-identity`)."""
    words = _NAME_SEPARATORS.split(distribution.lower())
    if "-".join(words) in _EXACT_IMPORT_NAMES:
        yield from _EXACT_IMPORT_NAMES["-".join(words)]
        return
    yield from _IRREGULAR_IMPORT_NAMES.get("-".join(words), ())
    # Not `python` alone: `python-dateutil` installs no module of that name.
    runs = [
        words[:end] for end in range(1, len(words) + 1) if end == len(words) or words[:end] not in (["python"], ["py"])
    ]
    runs += [words[start:] for start in range(1, len(words)) if words[start - 1] in _FAMILY_WORDS]
    for run in runs:
        for joined in ("_".join(run), "".join(run)):
            yield joined
            for stripped in (
                joined.removeprefix("python").removeprefix("py").lstrip("_"),
                joined.removesuffix("python").removesuffix("py").rstrip("_"),
            ):
                if stripped:
                    yield stripped


def _locked(text: str) -> Iterator[str]:
    """The distributions a lock file pins (`streamlit==1.40.0`), but the project it locks (uv's
    `[[package]]` whose source is `.`): another check tells whether that one is installed."""
    for package in text.split("[[package]]")[1:]:
        name = _LOCKED_NAME.search(package)
        if name is not None and _THE_PROJECT_ITSELF.search(package) is None:
            version = _LOCKED_VERSION.search(package)
            yield name.group(1) + (f"=={version.group(1)}" if version is not None else "")


def requirement_name(requirement: str) -> str | None:
    """The distribution a requirement names (`graphql-core>=3`, `uvicorn[standard]`,
    `pkg @ https://...`, a VCS URL's `#egg=pkg`); None for a path, a URL, an option."""
    egg = _EGG_NAME.search(requirement)
    if egg is not None:
        return egg.group(1)
    match = _REQUIREMENT_NAME.match(requirement)
    return match.group(1) if match is not None else None


def requirements_file(context: BuildContext, path: str, read: set[str], unpinned_only: bool = False) -> Iterator[str]:
    """The requirements of a distribution a requirements file holds (`celery[redis]>=5`), and
    those the files it includes do (`-r base.txt`, `-c constraints.txt`, relative to it);
    `unpinned_only`, not those of the files that pin their closure (`pins_its_closure`)."""
    for words in requirement_lines(context, path, read, unpinned_only=unpinned_only):
        requirement = " ".join(words)
        if requirement_name(requirement) is not None:
            yield requirement


def pins_its_closure(text: str) -> bool:
    """Whether a requirements file lists what its requirements install with them: one
    compiled by pip-tools, `uv pip compile` or `uv export` (`# via celery`), or one pip
    installs in hash-checking mode (`--hash=`), which refuses any distribution it lacks."""
    return "# via" in text or "--hash" in text


def requirement_lines(
    context: BuildContext,
    path: str,
    read: set[str],
    following: Iterable[str] = INCLUDED_REQUIREMENTS,
    unpinned_only: bool = False,
) -> Iterator[list[str]]:
    """The words of each line of a requirements file of the build context that is neither
    blank nor an include, then those of each file it includes by one of the options
    `following` (`-r base.txt`), read where pip (and `uv pip`) reads it: relative to the
    including file. The other includes (`-c constraints.txt`, whose requirements pip does
    not install, when only `REQUIREMENT_FILES` are followed) are skipped. `unpinned_only`,
    the lines of a file that pins its closure (`pins_its_closure`) are skipped too, not
    its includes. Each file is read once."""
    path = posixpath.normpath(path)
    if path in read:
        return
    read.add(path)
    text = read_text(context, path)
    pinned = unpinned_only and pins_its_closure(text)
    for line in text.splitlines():
        words = line.partition(" #")[0].split()
        if not words:
            continue
        if next(option_values(words, INCLUDED_REQUIREMENTS), None) is None:
            if not pinned:
                yield words
        elif (included := next(option_values(words, following), None)) is not None:
            yield from requirement_lines(
                context, posixpath.join(posixpath.dirname(path), included), read, following, unpinned_only
            )


_EDITABLE = regexes.lazy(r"(?:-e|--editable)(?:[ \t=]+|(?=[./]))")
"""The editable option before a requirement (`-e ./x`, `--editable=./x`, `-e./x`)."""


def editable(requirement: str) -> bool:
    """Whether a requirement's line installs it editable (`-e ./libs/common`)."""
    return _EDITABLE.match(requirement.strip()) is not None


_DIRECT_REFERENCE = regexes.lazy(r"[A-Za-z0-9][A-Za-z0-9._-]*[ \t]*(?:\[[^\]]*\])?[ \t]*@[ \t]*(\S+)")
"""A PEP 508 direct reference, `common[db] @ file:///app/libs/common`: its URL."""


def local_path(requirement: str) -> str | None:
    """The local folder or archive a requirement installs from, as written: a path
    (`./libs/common`, `../sdk[extra]`, `-e ./libs/common`, `/wheels/app.whl`; anything
    with a slash or a leading dot, which pip reads as a path), or a `file:` URL
    (`file:./libs/common`, `common @ file:///app/libs/common`; `#subdirectory=sdk` names
    its folder `sdk`, `#egg=` nothing). None for a distribution's name, a remote URL
    (`git+https://...`), or an option.

    pip reads a relative path or `file:` URL on a requirements file's line against the
    directory it runs in, not the file's folder (only a nested `-r`/`-c` is relative to the
    including file): pypa/pip#8765 and #6112, both open; checked with pip 23.2 and 26.3.
    `uv pip install -r` reads them the same way (astral-sh/uv#1421; checked with uv 0.13.9)."""
    requirement = requirement.strip()
    editable = _EDITABLE.match(requirement)
    if editable is not None:
        requirement = requirement[editable.end() :]
    reference = _DIRECT_REFERENCE.match(requirement)
    target = reference.group(1) if reference is not None else (requirement.split() or [""])[0]
    target = target.partition(";")[0]
    if target.startswith("file:"):
        url, _, fragment = target[len("file:") :].partition("#")
        target = urllib.parse.unquote(url.partition("?")[0])
        if target.startswith("//"):  # `file:///app/x`, `file://localhost/app/x`
            host, slash, rest = target[2:].partition("/")
            if host not in ("", "localhost"):
                return None
            target = slash + rest
        subdirectory = urllib.parse.parse_qs(fragment).get("subdirectory")
        if subdirectory:  # the project is that folder of the one the URL names
            target = posixpath.join(target, subdirectory[0])
    elif "://" in target or target.startswith("-"):
        return None
    path = target.partition("[")[0]
    return path if path.startswith(".") or "/" in path else None


def option_values(arguments: list[str], names: Iterable[str]) -> Iterator[str]:
    """The values of every option among `names` (`-r a.txt`, `--requirement=a.txt`, `-ra.txt`)."""
    for index, argument in enumerate(arguments):
        for name in names:
            if argument == name:
                if index + 1 < len(arguments):
                    yield arguments[index + 1]
            elif argument.startswith(name + "=") or (not name.startswith("--") and argument.startswith(name)):
                yield argument[len(name) :].removeprefix("=")
            else:
                continue
            break


def _pyproject(text: str) -> Iterator[str]:
    """The distributions a `pyproject.toml` declares: `[project]` dependencies and extras,
    `[dependency-groups]`, the development dependencies of uv and PDM, Poetry's tables."""
    data = _toml(text)
    project = _table(data, "project")
    tool = _table(data, "tool")
    lists = [
        project.get("dependencies"),
        *_table(project, "optional-dependencies").values(),
        *_table(data, "dependency-groups").values(),
        _table(tool, "uv").get("dev-dependencies"),
        *_table(_table(tool, "pdm"), "dev-dependencies").values(),
    ]
    for requirements in lists:
        if isinstance(requirements, list):
            yield from (r for r in requirements if isinstance(r, str))
    poetry = _table(tool, "poetry")
    groups = _table(poetry, "group").values()
    tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
    tables += [group.get("dependencies") for group in groups if isinstance(group, dict)]
    yield from _tabled(table for table in tables if isinstance(table, dict))


def _pipfile(text: str) -> Iterator[str]:
    data = _toml(text)
    yield from _tabled([_table(data, "packages"), _table(data, "dev-packages")])


def _tabled(tables: Iterable[dict]) -> Iterator[str]:
    """The requirements of Poetry's and Pipenv's tables, which name a distribution by key
    and its extras and version in its value (`celery = { version = "^5", extras = ["redis"] }`:
    `celery[redis]>=5`)."""
    for table in tables:
        for name, value in table.items():
            if name == "python":  # Poetry's Python version
                continue
            extras = value.get("extras") if isinstance(value, dict) else None
            version = value.get("version") if isinstance(value, dict) else value
            requirement = name
            if isinstance(extras, list) and all(isinstance(extra, str) for extra in extras):
                requirement += f"[{','.join(extras)}]"
            yield requirement + (_tabled_specifier(version) if isinstance(version, str) else "")


def _tabled_specifier(version: str) -> str:
    """A Poetry or Pipenv version constraint as one PEP 440 specifier set (see
    `poetry_constraint`); nothing for `*`, for alternatives, and for what is no version."""
    alternatives = poetry_constraint(version)
    return alternatives[0] if len(alternatives) == 1 and _SPECIFIER.fullmatch(alternatives[0]) else ""


def poetry_constraint(constraint: str) -> list[str]:
    """A Poetry (or Pipenv) version constraint as PEP 440 specifier sets, one for each
    alternative of `||`: `^2.7` is `>=2.7,<3`, `~3.5` is `>=3.5,<3.6`, a bare `3.5` is
    `==3.5`, `>=1.2,<2` stays as it is; `*` allows any version, and gives no set."""
    alternatives = []
    for alternative in re.split(r"\|\|?", constraint):
        clauses = []
        for match in _POETRY_CLAUSE.finditer(alternative):
            operator, release, wildcard = match.groups()
            if release is None:
                continue  # `*`
            parts = [int(part) for part in release.split(".")]
            if operator == "^" or (operator == "~" and len(parts) == 1):
                upper = [parts[0] + 1] if parts[0] or len(parts) == 1 else [0, parts[1] + 1]
                clauses += [f">={release}", f"<{'.'.join(map(str, upper))}"]
            elif operator == "~":
                clauses += [f">={release}", f"<{parts[0]}.{parts[1] + 1}"]
            else:
                clauses.append(f"{'==' if operator in (None, '=') else operator}{release}{wildcard or ''}")
        if clauses:
            alternatives.append(",".join(clauses))
    return alternatives


_POETRY_CLAUSE = regexes.lazy(r"(\^|~(?!=)|[<>!=~]=|[<>=])?\s*(\d+(?:\.\d+)*)(\.\*)?|\*")
_SPECIFIER = regexes.lazy(r"(?:[<>=!~]=?=?[ \t]*[\w.*+!-]+[ \t]*,?[ \t]*)+")


def _pipfile_lock(text: str) -> Iterator[str]:
    """The distributions a `Pipfile.lock` pins."""
    import json

    try:
        data = json.loads(text) if text else {}
    except ValueError:
        return
    for section in (_table(data, "default"), _table(data, "develop")):
        for name, pin in section.items():
            version = pin.get("version") if isinstance(pin, dict) else None
            yield name + (version if isinstance(version, str) and _SPECIFIER.fullmatch(version) else "")


def _toml(text: str) -> dict[str, object]:
    """A TOML file's tables; empty when it is empty or not TOML."""
    if not text:
        return {}
    import tomllib  # a project's dependencies are read for a Dockerfile with a shared package alone

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}


def _setup_cfg(text: str) -> Iterator[str]:
    """The distributions `install_requires` and `extras_require` of a `setup.cfg` name."""
    if not text:
        return
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    values = [parser.get("options", "install_requires", fallback="")]
    if parser.has_section("options.extras_require"):
        values += [value for _, value in parser.items("options.extras_require")]
    yield from (line for value in values for line in value.splitlines() if line.strip())


_DEPENDENCY_READERS = {
    "pyproject.toml": _pyproject,
    "Pipfile": _pipfile,
    "setup.cfg": _setup_cfg,
    "setup.py": _setup_py,
    **dict.fromkeys(_TOML_LOCK_FILES, _locked),
    "Pipfile.lock": _pipfile_lock,
}
"""The dependency files of a folder by name, with what reads the requirements they declare."""


def _table(data: object, key: str) -> dict:
    value = data.get(key) if isinstance(data, dict) else None
    return value if isinstance(value, dict) else {}


def read_text(context: BuildContext, path: str) -> str:
    """A file's text; empty when it cannot be read (or is not there)."""
    try:
        return context.read_text(path)
    except ContextError:
        return ""


class DeclaredVersion(NamedTuple):
    """The versions one requirement of a distribution allows."""

    lowest: str | None
    """The lowest version it allows (`>=1.30`, `~=1.30`, `==1.30.*`, a pin); None for none."""
    pinned: bool
    """Whether it allows `lowest` alone (`==1.40.0`, a lock file's pin)."""
    source: str
    """Where it is written, with the requirement: `app/requirements.txt: streamlit>=1.30`."""


def versions_declared(requirements: Iterable[str], distribution: str, where: str) -> tuple[DeclaredVersion, ...]:
    """What each of `requirements` that names `distribution` allows (see `DeclaredVersion`);
    one whose specifier does not parse allows any version."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    wanted = _normalised(distribution)
    found = []
    for requirement in requirements:
        requirement = " ".join(word for word in requirement.split() if not word.startswith("--"))  # `--hash=`
        name = requirement_name(requirement)
        if name is None or _normalised(name) != wanted:
            continue
        written = requirement.partition(";")[0][len(name) :].strip()
        written = re.sub(r"^\[[^\]]*\]", "", written).strip().strip("()")
        try:
            specifiers = SpecifierSet(written) if "@" not in written else SpecifierSet()
        except InvalidSpecifier:
            specifiers = SpecifierSet()
        lowest, pinned = _lowest(specifiers)
        found.append(DeclaredVersion(lowest, pinned, f"{where}: {requirement}"))
    return tuple(found)


def version_at_least(declared: Iterable[DeclaredVersion], version: str) -> bool | None:
    """Whether every requirement `declared` allows `version` or later alone (True), or a version
    before it alone, each pinned (False); None when none is declared, or they leave it open."""
    from packaging.version import Version

    declared = list(declared)
    if declared and all(found.lowest is not None and Version(found.lowest) >= Version(version) for found in declared):
        return True
    if declared and all(found.pinned and Version(found.lowest) < Version(version) for found in declared):
        return False
    return None


def _lowest(specifiers: object) -> tuple[str | None, bool]:
    """The lowest version a `SpecifierSet` allows, and whether it allows that one alone."""
    from packaging.version import InvalidVersion, Version

    lowest: Version | None = None
    pinned = False
    for specifier in specifiers:  # type: ignore[attr-defined]
        if specifier.operator not in ("==", "===", "~=", ">=", ">"):
            continue
        try:
            version = Version(specifier.version.removesuffix(".*"))
        except InvalidVersion:
            continue
        if lowest is None or version > lowest:
            lowest = version
        pinned = pinned or (specifier.operator in ("==", "===") and not specifier.version.endswith(".*"))
    return (str(lowest) if lowest is not None else None), pinned


def _normalised(name: str) -> str:
    """A distribution's name as PEP 503 compares it: `Streamlit_Aggrid` is `streamlit-aggrid`."""
    return _NAME_SEPARATORS.sub("-", name).lower()
