"""Facts from the Dockerfile a service builds: what its final stage runs and ships.

The stage a service builds (its `build.target`, else the last) is followed through the
stages it is built `FROM` down to an image the knowledge base may know. Along the way:

- probe tools installed by a package manager (`apt-get install curl`, `apk add wget`,
  `dnf install ...`) or copied in (`COPY --from=... /usr/bin/curl /usr/local/bin/`), and
  removed again (`apt-get purge curl`, `apk del .build-deps`), in the order written;
- `EXPOSE`, `USER`, `ENV`, `ENTRYPOINT`, `CMD` and `HEALTHCHECK`, the last of each that
  is in effect.

Nothing is run: commands are read as words (`hardenfix.probes`), and a package name
held in a variable is not guessed at. `stage_image` joins this with what the knowledge
base says of the base image for its tag, or, online, what its registry read from it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Mapping

from hardenfix import probes, regexes
from hardenfix.facts import Fact
from hardenfix.knowledge import KnowledgeBase, parse_reference
from hardenfix.knowledge.images import BuiltTools, ImageFacts, Listing, TagFacts
from hardenfix.sources.dockerfile import (
    PATH_FOLDERS,
    Copy,
    DockerfileDocument,
    Instruction,
    Stage,
    expand_variables,
    parse_exec_form,
)
from hardenfix.sources.python_dependencies import DeclaredVersion, folder_declarations, versions_declared
from hardenfix.sources.python_environments import created_environment, pip_install_arguments
from hardenfix.sources.text import abridged

PROBE_TOOLS = frozenset({"curl", "wget", "python3", "python", "node", "nc", "sh", "bash"})
"""The programs a healthcheck probe can be written with."""

_PACKAGE_TOOLS = {
    "curl": ("curl",),
    "wget": ("wget",),
    "busybox": ("sh", "wget"),
    "python3": ("python3",),
    "python3-minimal": ("python3",),
    "python-is-python3": ("python",),
    "nodejs": ("node",),
    "netcat": ("nc",),
    "netcat-openbsd": ("nc",),
    "netcat-traditional": ("nc",),
    "bash": ("bash",),
}
"""Distribution package -> the probe tools it puts on the PATH (Debian, Alpine and Fedora names)."""

# Options of the package managers that take a value in the next word.
_VALUED_OPTIONS = frozenset({"-o", "--option", "-t", "--target-release", "--virtual", "-X", "--repository", "-c"})
_INTERPRETERS = frozenset({"python", "python3", "perl", "ruby", "node"})
_PACKAGE_MANAGERS = frozenset(program for program, _ in probes.PACKAGE_INSTALLS)
_REMOVALS = {
    ("apt-get", "purge"), ("apt-get", "remove"), ("apt", "purge"), ("apt", "remove"), ("apk", "del"),
    ("apt-get", "autoremove"), ("apt", "autoremove"), ("aptitude", "remove"), ("aptitude", "purge"),
    ("dnf", "remove"), ("dnf", "erase"), ("yum", "remove"), ("yum", "erase"), ("microdnf", "remove"),
    ("zypper", "remove"), ("zypper", "rm"), ("tdnf", "remove"), ("tdnf", "erase"),
}  # fmt: skip
"""`apt autoremove curl` removes curl too (NVIDIA's chain-server image does, after installing it)."""
_DPKG_REMOVALS = frozenset({"-r", "--remove", "-P", "--purge"})
_VIRTUAL = ("--virtual", "-t")
_VERSION = regexes.lazy(r"[=<>~].*$")
_BUILD_INSTRUCTIONS = ("RUN", "COPY", "ADD")
_PACKAGE_FILE = regexes.lazy(r"/|\.(?:deb|rpm|apk)$")
"""A package manager's argument that is a package file or URL, not a package's name."""
_WORD = regexes.lazy(r"[\w.+-]+")
UNKNOWN_IMAGE = "not in hardenfix's image knowledge"


class BuildFacts:
    """What the final (or target) stage of a Dockerfile says about the image it builds."""

    __slots__ = (
        "base_image",
        "command",
        "copied_names",
        "dockerfile",
        "entrypoint",
        "environment",
        "exposed",
        "healthcheck",
        "healthcheck_flags",
        "installs_unread",
        "mentioned",
        "sets_healthcheck",
        "stage",
        "tools_added",
        "tools_removed",
        "user",
        "workdir",
    )

    dockerfile: str
    """How findings name the Dockerfile: its path relative to the Compose file."""
    stage: Stage
    base_image: Fact[str] | None
    """The image the stage chain starts from; None for `scratch` or an unresolvable `FROM`."""
    tools_added: dict[str, str]
    """Probe tools the Dockerfile puts on the PATH, and where."""
    tools_removed: dict[str, str]
    """Probe tools it removes again after installing them, or removes from its base."""
    mentioned: set[str]
    """Words its `RUN`, `COPY` and `ADD` instructions name (see `BuiltTools.mentioned`)."""
    installs_unread: str | None
    """See `BuiltTools.installs_unread`."""
    copied_names: set[str]
    """The names of the files its `COPY` and `ADD` instructions put in the image."""
    exposed: list[Fact[int]]
    environment: dict[str, Fact[str]]
    user: Fact[str] | None
    workdir: str
    entrypoint: Fact[list[str]] | None
    command: Fact[list[str]] | None
    healthcheck: Fact[str] | None
    """The `HEALTHCHECK` in effect (`HEALTHCHECK NONE` leaves none)."""
    sets_healthcheck: bool
    """A `HEALTHCHECK` instruction (`NONE` too) replaces the base image's."""
    healthcheck_flags: frozenset[str]
    """The flags of that `HEALTHCHECK`, by name (`start-period`)."""

    def __init__(self, dockerfile: str, stage: Stage, base_image: Fact[str] | None, workdir: str = "/") -> None:
        self.dockerfile = dockerfile
        self.stage = stage
        self.base_image = base_image
        self.tools_added = {}
        self.tools_removed = {}
        self.mentioned = set()
        self.installs_unread = None
        self.copied_names = set()
        self.exposed = []
        self.environment = {}
        self.user = None
        self.workdir = workdir
        self.entrypoint = None
        self.command = None
        self.healthcheck = None
        self.sets_healthcheck = False
        self.healthcheck_flags = frozenset()

    def built_tools(self) -> BuiltTools:
        return BuiltTools(
            dict(self.tools_added), dict(self.tools_removed), frozenset(self.mentioned), self.installs_unread
        )

    def image(self, knowledge: KnowledgeBase) -> TagFacts:
        """What the image this stage makes ships: its base image's facts for its tag (facts
        that state nothing for `scratch` or an image hardenfix does not know), with what the
        build adds and removes."""
        written = self.stage.root.image  # `scratch`, or a `FROM ${BASE}` not resolved
        base = image_facts(knowledge, self.base_image.value if self.base_image else None)
        return (base or ImageFacts(written, "api", UNKNOWN_IMAGE).for_tag(None)).with_build(self.built_tools())


def build_facts(
    document: DockerfileDocument,
    dockerfile: str,
    target: str | None = None,
    stage: Stage | None = None,
    build_arguments: Mapping[str, str | None] | None = None,
) -> BuildFacts | None:
    """The facts of `stage`, or of the stage `target` names, else of the last stage, built
    with `build_arguments` (see `DockerfileDocument.base_image`); None when there is none.
    `dockerfile` is how sources name the file."""
    if stage is None:
        stage = document.built_stage(target)
    if stage is None:
        return None
    image = document.base_image(stage, build_arguments)
    base = Fact(image, _source(document, dockerfile, stage.root.from_instruction)) if image else None
    facts = BuildFacts(dockerfile, stage, base, workdir=stage.working_directory())
    path_folders = _added_path_folders(document, stage, build_arguments)
    for member in reversed(list(stage.lineage())):
        for instruction in member.instructions:
            _read(document, dockerfile, member, instruction, facts, build_arguments, path_folders)
    return facts


def _added_path_folders(
    document: DockerfileDocument, stage: Stage, build_arguments: Mapping[str, str | None] | None
) -> frozenset[str]:
    """The folders an `ENV PATH` of the stage, or of one it is built from, puts on the PATH
    besides the default ones (`ENV PATH=/busybox:$PATH`), where a copied tree may bring any
    program; but a Python environment's `bin` (`/app/.venv/bin`, `$VIRTUAL_ENV/bin`,
    `/root/.local/bin`) or `node_modules/.bin`, which hold the console scripts of packages,
    never curl or wget. A folder named by a variable without a known value is left out."""
    folders: set[str] = set()
    for member in stage.lineage():
        for instruction in member.instructions_named("ENV"):
            variables: dict[str, str] | None = None
            for key, value in instruction.assignments():
                if key != "PATH":
                    continue
                for entry in value.split(":"):
                    if "$" in entry:
                        if variables is None:
                            variables = member.variables(instruction, build_arguments, document.global_arguments)
                        entry = "" if re.fullmatch(r"\$\{?PATH\}?", entry) else expand_variables(entry, variables) or ""
                    folders.add(posixpath.normpath(entry) if entry.startswith("/") else "")
    folders -= {"", *PATH_FOLDERS}
    if not folders:
        return frozenset()
    environments = _python_environments(document, stage, build_arguments)
    return frozenset(folder for folder in folders if not _holds_package_scripts(folder, environments))


def _python_environments(
    document: DockerfileDocument, stage: Stage, build_arguments: Mapping[str, str | None] | None
) -> set[str]:
    """The virtualenvs the stage names (`ENV VIRTUAL_ENV=/opt/app`, `UV_PROJECT_ENVIRONMENT`),
    and those a `RUN` of any stage creates (`python -m venv /opt/env`, `uv venv /opt/env`,
    `virtualenv /opt/env`), which a `COPY --from` may bring."""
    found = set()
    for member in stage.lineage():
        for instruction in member.instructions_named("ENV"):
            variables = member.variables(instruction, build_arguments, document.global_arguments)
            for key, value in instruction.assignments():
                if key in ("VIRTUAL_ENV", "UV_PROJECT_ENVIRONMENT"):
                    expanded = expand_variables(value, variables) if "$" in value else value
                    if expanded and expanded.startswith("/"):
                        found.add(posixpath.normpath(expanded))
    for member in document.stages:
        for run in member.instructions_named("RUN"):
            for command in run.commands():
                values = probes.innermost(command)
                created = created_environment(values)
                if created is not None:
                    found.add(
                        posixpath.normpath(posixpath.join(member.working_directory(run), member.expanded(created, run)))
                    )
    return found


def _holds_package_scripts(folder: str, environments: set[str]) -> bool:
    """Whether a PATH folder is the `bin` of a Python environment or `node_modules/.bin`."""
    parent, name = posixpath.split(folder)
    if posixpath.basename(parent) == "node_modules" and name == ".bin":
        return True
    return name == "bin" and (
        parent in environments
        or re.search(r"venv|virtualenv", posixpath.basename(parent)) is not None
        or posixpath.basename(parent) == ".local"
    )


def _read(
    document: DockerfileDocument,
    dockerfile: str,
    stage: Stage,
    instruction: Instruction,
    facts: BuildFacts,
    build_arguments: Mapping[str, str | None] | None,
    path_folders: frozenset[str],
) -> None:
    source = _source(document, dockerfile, instruction)
    name = instruction.name
    if name in _BUILD_INSTRUCTIONS:
        facts.mentioned.update(_WORD.findall(document.instruction_text(instruction)))
    if name == "RUN":
        uses_variables = "$" in document.instruction_text(instruction)
        variables = stage.variables(instruction, build_arguments, document.global_arguments) if uses_variables else {}
        for command in _shell_commands(document, instruction):
            _packages(command, source, facts, variables)
    elif name in ("COPY", "ADD"):
        _copied_tools(stage, instruction, source, facts, path_folders)
    elif name == "EXPOSE":
        for word in instruction.argument_words:
            port = stage.expanded(word.text, instruction).split("/")[0]  # `EXPOSE ${APP_PORT}`
            if port.isdigit():
                facts.exposed.append(Fact(int(port), source))
    elif name == "ENV":
        # The build expands `ENV PORT=${APP_PORT}` from its ARGs: Compose never sees `${APP_PORT}`.
        variables = stage.variables(instruction, build_arguments, document.global_arguments)
        for key, value in instruction.assignments():
            expanded = expand_variables(value, variables) if "$" in value else value
            unknown = "the build sets it from a variable whose value is not known here"
            facts.environment[key] = Fact(value, source, unknown) if expanded is None else Fact(expanded, source)
    elif name == "USER":
        facts.user = Fact(instruction.arguments.strip(), source)
    elif name == "ENTRYPOINT":
        facts.entrypoint = Fact(_argv(instruction), source)
        facts.command = None  # an ENTRYPOINT resets the CMD inherited from the base
    elif name == "CMD":
        facts.command = Fact(_argv(instruction), source)
    elif name == "HEALTHCHECK":
        arguments = instruction.arguments.strip()
        facts.healthcheck = None if arguments.upper() == "NONE" else Fact(arguments, source)
        facts.healthcheck_flags = frozenset(word.text[2:].partition("=")[0] for word in instruction.flags)
        facts.sets_healthcheck = True


def declared_versions(
    document: DockerfileDocument,
    build: BuildFacts,
    distribution: str,
    build_arguments: Mapping[str, str | None] | None = None,
) -> tuple[DeclaredVersion, ...]:
    """The versions of `distribution` a build may install: those its stages' `pip install`
    commands name (`pip install streamlit==1.40.0`; `streamlit==${VERSION}` with the value
    `build_arguments` give its `ARG`, as Compose's `build.args` do, over the default), and those
    the dependency files declare (`requirements.txt`, `pyproject.toml`, a lock file's pin) in the
    build context's root and in the folders its stages copy from."""
    found: list[DeclaredVersion] = []
    context = document.build_context
    folders = {"."}
    for stage in build.stage.lineage():
        for run in stage.instructions_named("RUN"):
            for command in run.commands():
                words = [stage.expanded(word, run, build_arguments, document.global_arguments) for word in command]
                installing = pip_install_arguments(words)
                if installing is not None:
                    found += versions_declared(installing, distribution, _source(document, build.dockerfile, run))
        for copy in stage.copies():
            if copy.from_stage is None and context is not None:
                for source in copy.sources:
                    source = posixpath.normpath(source)
                    folders.add(source if context.is_dir(source) else posixpath.dirname(source) or ".")
    if context is not None:
        for folder in sorted(folders):
            found += folder_declarations(context, folder).versions(distribution)
    return tuple(found)


def _source(document: DockerfileDocument, dockerfile: str, instruction: Instruction) -> str:
    line = document.position(instruction.start).line
    return f"{dockerfile}:{line}: {abridged(instruction.line, 80)}"


def _argv(instruction: Instruction) -> list[str]:
    """An ENTRYPOINT or CMD as the argument vector it runs: the exec form as written, the
    shell form under `/bin/sh -c`."""
    exec_form = parse_exec_form(instruction.arguments)
    return exec_form if exec_form is not None else ["/bin/sh", "-c", instruction.arguments]


def stage_image(knowledge: KnowledgeBase, document: DockerfileDocument, stage: Stage) -> TagFacts:
    """What the image a build stage makes ships: its base image's facts for its tag, with
    what the stage and the stages it is built from add and remove."""
    built = build_facts(document, document.location.name if document.location else "Dockerfile", stage=stage)
    assert built is not None
    return built.image(knowledge)


def image_facts(knowledge: KnowledgeBase, image: str | None) -> TagFacts | None:
    """The facts of an image reference for its tag; for an image hardenfix does not know,
    facts that state nothing. None when `image` is no reference.

    Online, what the registry read from the image beats the table: the programs on its
    PATH are its layers' (every other one is missing), and a tag that names no version is
    read as the version tag with the same digest (`latest` as `17.2`)."""
    reference = parse_reference(image) if image else None
    if reference is None:
        return None
    facts = knowledge.facts_for(reference) or ImageFacts(reference.repository, "api", UNKNOWN_IMAGE)
    elsewhere = knowledge.taken_from_elsewhere(reference)
    registry = knowledge.registry
    remote = registry.image(reference) if registry is not None else None
    if registry is None or remote is None:
        return facts.for_tag(reference.tag).assuming(elsewhere)
    read = facts.for_tag(registry.version_tag(reference) or reference.tag)
    if remote.tools is None:  # its layers could not all be read
        return read.assuming(elsewhere)
    return read.with_listing(Listing(frozenset(remote.tools), registry.source(reference)))


def _shell_commands(document: DockerfileDocument, instruction: Instruction) -> Iterator[str]:
    exec_form = instruction.exec_form
    if exec_form is not None:
        yield probes.shell_join(exec_form)
        return
    yield instruction.arguments
    for heredoc in instruction.heredocs:
        yield document.text[heredoc.body_start : heredoc.body_end]


def _packages(command: str, source: str, facts: BuildFacts, variables: Mapping[str, str]) -> None:
    virtual: dict[str, list[str]] = {}
    for words in probes.simple_commands(command):
        values = [words[0].value, *_expanded([word.value for word in words[1:]], variables)]
        program = posixpath.basename(values[0])
        action = next((value for value in values[1:] if not value.startswith("-")), None)
        if facts.installs_unread is None and _may_install_unread(program, action, values, facts.copied_names):
            facts.installs_unread = source
        if (program, action) in probes.PACKAGE_INSTALLS:
            packages, group = _package_arguments(values[1:], action)
            if group:
                virtual[group] = packages
            for tool in _tools_of(packages, program):
                facts.tools_added[tool] = source
                facts.tools_removed.pop(tool, None)
        elif (program, action) in _REMOVALS or (program == "dpkg" and _DPKG_REMOVALS & set(values[1:])):
            if program == "dpkg":
                packages = [value for value in values[1:] if not value.startswith("-")]
            else:
                packages, _ = _package_arguments(values[1:], action)
            packages = [member for package in packages for member in virtual.get(package, [package])]
            for tool in _tools_of(packages, program):
                facts.tools_removed[tool] = source
                facts.tools_added.pop(tool, None)


def _may_install_unread(program: str, action: str | None, values: list[str], copied: set[str]) -> bool:
    """Whether a build command may install packages whose names hardenfix cannot read: a
    package manager run by `xargs` (the names come from its input), an install naming a
    variable it cannot resolve, one of a package file (`apt-get install ./vendor-agent.deb`,
    which installs the dependencies it declares too, curl or wget among them), `dpkg -i` or
    `rpm -i` of files, or a script the build runs (a file it copied, a `.sh`, a file given
    to a shell or an interpreter, one sourced with `.`)."""
    if program == "xargs":
        return any(posixpath.basename(value) in _PACKAGE_MANAGERS for value in values[1:])
    if (program, action) in probes.PACKAGE_INSTALLS:
        packages, _ = _package_arguments(values[1:], action)
        return any("$" in value for value in values[2:]) or any(_PACKAGE_FILE.search(name) for name in packages)
    if program == "dpkg":
        return any(value in ("-i", "--install") for value in values[1:])
    if program == "rpm":
        return any(
            value in ("--install", "--upgrade", "--freshen") or re.match(r"-[iUF]", value) for value in values[1:]
        )
    if program in probes.SHELLS:
        return probes.shell_script(values[1:]) is None and any(not value.startswith("-") for value in values[1:])
    if program in _INTERPRETERS:
        operand = next((value for value in values[1:] if not value.startswith("-")), None)
        return operand is not None and not any(value in ("-c", "-m", "-e") for value in values[1:])
    return program in (".", "source") or program.endswith(".sh") or program in copied


def installed_packages(document: DockerfileDocument, stage: Stage) -> Iterator[tuple[str, Instruction]]:
    """The distribution packages the `RUN`s of a stage install, as named (`apt-get install -y
    python-pip`: `python-pip`), with the instruction that installs each."""
    for instruction in stage.instructions_named("RUN"):
        for command in _shell_commands(document, instruction):
            for words in probes.simple_commands(command):
                values = [word.value for word in words]
                action = next((value for value in values[1:] if not value.startswith("-")), None)
                if (posixpath.basename(values[0]), action) in probes.PACKAGE_INSTALLS:
                    yield from ((package, instruction) for package in _package_arguments(values[1:], action)[0])


def argument_package_list(document: DockerfileDocument, stage: Stage) -> str | None:
    """A build argument whose value a `RUN` of the stage, or of one it is built from,
    installs as packages (`ARG EXTRA_PACKAGES=""` then `apt-get install ${EXTRA_PACKAGES}`),
    by name: a build may set it to any list (`--build-arg`, Compose's `args`), whatever
    its default. None when there is none."""
    for member in stage.lineage():
        declared: set[str] = set()
        for instruction in member.instructions:
            if instruction.name == "ARG":
                declared.update(name for name, _ in instruction.declared_arguments())
            elif instruction.name == "RUN" and declared and "$" in document.instruction_text(instruction):
                for command in _shell_commands(document, instruction):
                    for words in probes.simple_commands(command):
                        values = [word.value for word in words]
                        action = next((value for value in values[1:] if not value.startswith("-")), None)
                        if (posixpath.basename(values[0]), action) not in probes.PACKAGE_INSTALLS:
                            continue
                        for value in values[1:]:
                            match = _WHOLE_REFERENCE.fullmatch(value)
                            if match is not None and (name := match.group(1) or match.group(2)) in declared:
                                return name
    return None


_WHOLE_REFERENCE = regexes.lazy(r"\$(?:(\w+)|\{(\w+)(?:[:?+#%/-][^}]*)?\})")
"""A word that is one variable's value alone: `$PACKAGES`, `${PACKAGES}`, `${PACKAGES:-curl}`."""


def _expanded(words: list[str], variables: Mapping[str, str]) -> list[str]:
    """Package lists kept in a variable (`apt-get install ${RUNTIME_PACKAGES}`), split into
    their words as the shell splits an unquoted expansion; a word with a variable not
    known stays as it is."""
    expanded: list[str] = []
    for word in words:
        value = expand_variables(word, variables) if "$" in word else None
        expanded += value.split() if value is not None else [word]
    return expanded


def _package_arguments(arguments: list[str], action: str) -> tuple[list[str], str | None]:
    """The package names after the action word, options skipped; and a virtual group's name."""
    packages: list[str] = []
    group = None
    seen_action = False
    skip = False
    for index, argument in enumerate(arguments):
        if skip:
            skip = False
        elif not seen_action and argument == action:
            seen_action = True
        elif argument.startswith("-"):
            skip = argument in _VALUED_OPTIONS
            if argument in _VIRTUAL and index + 1 < len(arguments):
                group = arguments[index + 1]
        elif seen_action and "$" not in argument:
            packages.append(_VERSION.sub("", argument))
    return packages, group


def _tools_of(packages: list[str], manager: str | None = None) -> Iterator[str]:
    for package in packages:
        if package == "busybox" and manager != "apk":
            continue  # Debian's and Fedora's busybox ship /bin/busybox alone, no applet links
        yield from _PACKAGE_TOOLS.get(package, ())


def _copied_tools(
    stage: Stage, instruction: Instruction, source: str, facts: BuildFacts, path_folders: frozenset[str]
) -> None:
    """`COPY --from=... /usr/bin/curl /usr/local/bin/curl`: a probe tool copied onto the PATH;
    and the names of the files copied, which a later `RUN` may run. `path_folders`: those
    the stage adds to the default PATH (`_added_path_folders`)."""
    copy = Copy.of(stage, instruction)
    if copy is None:
        return
    for item in copy.sources:
        landing = copy.landing(item)
        tool = posixpath.basename(landing)
        facts.copied_names.add(tool)
        if copy.from_stage is not None and tool in PROBE_TOOLS and posixpath.dirname(landing) in PATH_FOLDERS:
            facts.tools_added[tool] = source
            facts.tools_removed.pop(tool, None)
        elif facts.installs_unread is None and _fills_path_folder(item, landing, path_folders):
            facts.installs_unread = source


def _fills_path_folder(item: str, landing: str, path_folders: frozenset[str]) -> bool:
    """Whether a copy may put programs on the PATH that hardenfix does not name: a tree
    holding a PATH folder (`COPY --from=deps /install/usr /usr`, Synapse's way to install
    curl; `COPY --from=busybox /bin /busybox` beside `ENV PATH=/busybox:$PATH`), a PATH
    folder itself, or a folder's contents copied into one (`COPY bin/ /usr/local/bin/`)."""
    landing = posixpath.normpath(landing)
    folders = (*PATH_FOLDERS, *path_folders)
    if any(folder == landing or folder.startswith(landing.rstrip("/") + "/") for folder in folders):
        return True
    return item.endswith("/") and posixpath.dirname(landing) in folders
