"""ServiceFacts: everything known of one Compose service, each fact with its source.

Computed once per service and document (`service_facts`), and each part only when a
rule asks for it, from, strongest first:

1. the Compose service itself: `command`/`entrypoint` (which replace the image's),
   `environment` and local `env_file`s, the container side of `ports` and `expose`;
2. the Dockerfile it builds (`build.context`, `build.dockerfile`, `build.target`):
   tools installed or removed, `ENV`, `EXPOSE`, `ENTRYPOINT`/`CMD`, `HEALTHCHECK`;
3. its build context's code: health routes, and the port a script listens on;
4. online, what the registry read from the image the service runs or its build starts
   from: the programs on its PATH, its `HEALTHCHECK`, `ExposedPorts`, `Entrypoint` and
   `Cmd`, where the Compose file and the Dockerfile set none;
5. the image knowledge base, for the image the service runs or its build starts from.

Files read on the way are recorded as the Compose document's dependencies, so a cached
finding is dropped when one of them changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import posixpath
import re
import shlex
import weakref
from collections.abc import Sequence
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from hardenfix import probes, regexes
from hardenfix.facts import Environment, Fact, ahead, unread_may_set
from hardenfix.facts.build import UNKNOWN_IMAGE, BuildFacts, build_facts, declared_versions, image_facts
from hardenfix.facts.code import (
    CODE_SUFFIXES,
    CodeFacts,
    Route,
    ScriptPort,
    code_facts,
    holds_readable_code,
    may_start_a_server,
    served_modules,
)
from hardenfix.facts.process import (
    CONFIG_FILES,
    FLASK_DOTENV_FILES,
    HOME_CONFIG_FOLDERS,
    LAUNCHERS,
    OWN_HEALTH_ROUTES,
    SCRIPT_CONFIG_FILES,
    SCRIPT_NAME_REFUSES,
    Launch,
    launch_of,
    with_guess,
)
from hardenfix.files import FileTooLarge, read_whole
from hardenfix.knowledge import KnowledgeBase, parse_reference
from hardenfix.knowledge.images import TagFacts
from hardenfix.sources.compose import (
    ComposeDocument,
    InterpolationError,
    Service,
    entries,
    insertion_target,
    interpolate,
    lookup,
    variable_names,
)
from hardenfix.sources.dockerfile import (
    MAX_CONTEXT_FILE,
    BuildContext,
    ContextError,
    DockerfileDocument,
    NotLocated,
    context_sources,
    locate,
    program_run_by,
)
from hardenfix.sources.envfile import EnvEntry, EnvFileError, env_file_entries, raw_env_file_entries
from hardenfix.sources.python_dependencies import version_at_least
from hardenfix.sources.text import abridged, line_number

if TYPE_CHECKING:
    from hardenfix.facts.registry import RemoteImage


class EnvFile(NamedTuple):
    """An `env_file` of a service."""

    written: str
    """Its path as the Compose file writes it."""
    path: Path | None
    """Its path in the checkout; None for one named through interpolation
    (`${ENV_FILE:-./.env}`), which the deployment's variables choose."""
    raw: bool = False
    """Whether it is read as written (`format: raw`), not as a `.env` file."""


class _CodeMount(NamedTuple):
    """What a bind mount puts over the code a container runs."""

    context: BuildContext | None
    """Its files; None for a path of the host that runs the stack, not known here."""
    target: str
    sources: tuple[str, ...] = (".",)
    """What of `context` is bound: all of the folder, or one file."""


HEALTHCHECK_TIMING_KEYS = frozenset({"interval", "timeout", "retries", "start_period", "start_interval"})
_HEALTHCHECK_FLAG = regexes.lazy(r"--([a-z-]+)=")


class ServiceFacts:
    def __init__(self, document: ComposeDocument, service: Service, knowledge: KnowledgeBase) -> None:
        self.document = document
        self.service = service
        self.name = service.name
        self._knowledge = knowledge
        self._compose = document.location.name if document.location is not None else "compose file"

    # -- what it runs -------------------------------------------------------------------

    @cached_property
    def _built(self) -> DockerfileDocument | None:
        """The Dockerfile it builds; None for none, or one for a Windows image, whose paths
        are not read here."""
        built = self.document.dockerfile_of(self.service) if self.service.get("build") is not None else None
        return None if built is None or built.builds_for_windows else built

    @cached_property
    def build(self) -> BuildFacts | None:
        """The stage of the Dockerfile the service builds (its `build.target`, else the last)."""
        built = self._built
        if built is None or built.location is None:
            return None
        target, shown = self.document.build_target(self.service), self._relative(built.location)
        arguments = self.document.build_arguments(self.service)
        root = built.build_context and built.build_context.root
        key = ("build", built.location, root, target, tuple(sorted(arguments.items())))
        return self.document.made_of_other_files(
            key, lambda: build_facts(built, shown, target, build_arguments=arguments)
        )

    @cached_property
    def image(self) -> TagFacts | None:
        """What the service runs ships: its `image`'s facts for its tag, or those of the image
        its build starts from with what the build adds and removes; None when not known."""
        if self.service.get("build") is None:
            written = self.service.image()
            return image_facts(self._knowledge, written) or self._interpolated_image(written)
        return self.build.image(self._knowledge) if self.build is not None else None

    def _interpolated_image(self, written: str | None) -> TagFacts | None:
        """The facts of an image named through variables (ragflow's
        `elasticsearch:${STACK_VERSION}`, onyx's `${BASE_IMAGE_REGISTRY:-docker.io}/library/nginx:1.25.5-alpine`)
        where the defaults and the folder's env files give it one reference (with the
        variable unset, `elasticsearch:` is none, and Compose refuses it): the knowledge
        base's facts, assumed, as the deploying shell's variables could name another image
        (a registry's, online, are facts of the one image, taken as sure)."""
        if not written or "$" not in written:
            return None
        references = {text for text in self.document.resolutions(written) if parse_reference(text) is not None}
        if len(references) != 1:
            return None
        [reference] = references
        facts = image_facts(self._knowledge._replace(registry=None), reference)
        assert facts is not None
        return facts.assuming(
            f"`{written}` is read as `{reference}`, as the defaults and the folder's env files give it"
        )

    @cached_property
    def _remote(self) -> tuple[RemoteImage, str] | None:
        """What the registry read from the image it runs, or its build starts from, and how
        facts from it name their source; None offline or where the registry did not answer."""
        registry = self._knowledge.registry
        if registry is None:
            return None
        image = self.document.base_image_of(self.service)
        reference = parse_reference(image) if image else None
        remote = registry.image(reference) if reference is not None else None
        return (remote, registry.source(reference)) if remote is not None and reference is not None else None

    @cached_property
    def image_healthcheck(self) -> Fact[str] | None:
        """A `HEALTHCHECK` its image has (the Dockerfile's, else its base image's, as the
        registry read it or, offline, as the knowledge base knows it): it reports its health
        without Compose's help."""
        build = self.build
        if build is not None and build.sets_healthcheck:
            return build.healthcheck
        remote = self._remote
        if remote is None:
            return self.image.own_healthcheck() if self.image is not None else None
        if not remote[0].healthcheck or remote[0].healthcheck[0] == "NONE":
            return None
        return Fact(" ".join(remote[0].healthcheck), f"{remote[1]}: HEALTHCHECK {json.dumps(remote[0].healthcheck)}")

    @cached_property
    def image_healthcheck_timing(self) -> frozenset[str]:
        """The keys of a Compose healthcheck (`start_period`, `timeout`, ...) that its image's
        own `HEALTHCHECK` sets: a Compose healthcheck that leaves one out keeps the image's
        (the engine takes each unset value from the image). Every key when the registry says
        the image has one, whose timing it does not keep."""
        healthcheck = self.image_healthcheck
        if healthcheck is None:
            return frozenset()
        if self.build is not None and self.build.sets_healthcheck:
            flags = self.build.healthcheck_flags
        elif self._remote is not None:
            return HEALTHCHECK_TIMING_KEYS
        else:  # the knowledge base's `instruction`, as the image's Dockerfile writes it
            flags = frozenset(_HEALTHCHECK_FLAG.findall(re.split(r"\s(?:CMD|cmd)\s", healthcheck.value, maxsplit=1)[0]))
        return frozenset(name.replace("-", "_") for name in flags) & HEALTHCHECK_TIMING_KEYS

    @cached_property
    def _image_process(self) -> tuple[Fact[list[str]] | None, Fact[list[str]] | None]:
        """The `ENTRYPOINT` and `CMD` of its image: the Dockerfile's, and what it inherits
        from its base image as the registry read it (an `ENTRYPOINT` resets the base's `CMD`)."""
        build = self.build
        entrypoint = build.entrypoint if build is not None else None
        command = build.command if build is not None else None
        remote = self._remote
        if entrypoint is None and remote is not None:
            image, source = remote
            if image.entrypoint:
                entrypoint = Fact(list(image.entrypoint), f"{source}: ENTRYPOINT {json.dumps(image.entrypoint)}")
            if command is None and image.command:
                command = Fact(list(image.command), f"{source}: CMD {json.dumps(image.command)}")
        return entrypoint, command

    # -- its process --------------------------------------------------------------------

    @cached_property
    def environment(self) -> Environment:
        """The container's environment: the image's `ENV`, then `env_file`s, then `environment`;
        with the `env_file`s that could not be read (a `.env` kept out of the checkout), which
        make what is set before them a guess, and the variables passed from the deploying
        shell (a bare name in either), whose value is not known."""
        environment = Environment(self.build.environment if self.build is not None else None)
        set_before: dict[str, str] = {}
        for written, path, raw in self.env_files():
            if path is None:
                environment.add_unread(written)
                continue
            self.document.depends_on(path)
            shown = self._relative(path)
            try:
                text = path.read_text(encoding="utf-8")
                entries = raw_env_file_entries(text) if raw else env_file_entries(text)
            except (OSError, UnicodeDecodeError, EnvFileError):
                environment.add_unread(shown)
                continue
            for entry in entries:
                where = f"{shown}:{entry.line}"
                fact = self._env_file_value(entry, where, environment, set_before)
                if fact is None:
                    environment.pass_from_shell(entry.name, where)
                else:
                    environment[entry.name] = fact
        for variable in self.service.environment().values():
            line = self.document.position(variable.node.start_mark.index).line
            if variable.value is None:
                environment.pass_from_shell(variable.name, f"{self._compose}:{line}")
            else:
                environment[variable.name] = Fact(
                    variable.value, f"{self._compose}:{line}: {variable.name}={variable.value}"
                )
        return environment

    def _env_file_value(
        self, entry: EnvEntry, where: str, environment: Environment, set_before: dict[str, str]
    ) -> Fact[str] | None:
        """An `env_file` line's value, written as the Compose file would write it for the
        container to get it (the convention of `environment`'s values, which a probe may
        copy); None where the deploying shell gives it (a bare name, or one Compose refuses
        without a variable the shell must set). `set_before` is what the service's env files
        set before the line, as the container gets it.

        Compose interpolates the line looking a name up in the project's environment first
        (the shell, the folder's `.env`), then in `set_before`. A value that reads only the
        project's names is copied as written: Compose fills it in the Compose file as it does
        there. One that reads what an earlier line sets (`PORT=${BASE}`) would read nothing
        there, and is filled in, taking the shell to leave those names unset: a guess. A value
        in single quotes is taken as written: its `$` is escaped."""
        source = f"{where}: {entry.statement}"
        if entry.value is None:
            return None
        if not entry.interpolated or "$" not in entry.value:
            set_before[entry.name] = entry.value
            return Fact(entry.value.replace("$", "$$"), source)
        project = self.document.project_environment()
        read = variable_names(entry.value)
        try:
            value = interpolate(entry.value, {**set_before, **project})
        except InterpolationError:
            set_before.pop(entry.name, None)
            return None
        read_before = sorted(read & set_before.keys() - project.keys())
        set_before[entry.name] = value
        if not read_before:
            # Unless an env file not read may set a name the value reads, before the line.
            from_files = sorted(name for name in read - project.keys() if name not in environment.from_shell)
            return Fact(entry.value, source, unread_may_set(environment, from_files))
        names = ", ".join(f"${name}" for name in read_before)
        guess = f"the shell that deploys the stack leaves {names} unset, which the env files set before `{where}`"
        return Fact(value.replace("$", "$$"), source, guess)

    @cached_property
    def launch(self) -> Launch | None:
        """What the container starts: Compose's `entrypoint` and `command` replace the image's
        (a Compose `entrypoint` also drops the image's `CMD`, as Docker does). An entrypoint
        script that ends in `exec "$@"` runs the command: the command is tried on its own too."""
        entrypoint, command = self._compose_argv("entrypoint"), self._compose_argv("command")
        image_entrypoint, image_command = self._image_process
        prefix = image_entrypoint.value if image_entrypoint is not None else []
        candidates: list[tuple[list[str], str, bool]] = []
        if entrypoint is not None:
            candidates.append((entrypoint[0] + (command[0] if command else []), entrypoint[1], True))
        elif command is not None:
            candidates += [(prefix + command[0], command[1], True), (*command, True)]
        elif image_command is not None:
            candidates += [(prefix + image_command.value, image_command.source, False)]
            candidates += [(image_command.value, image_command.source, False)]
        elif image_entrypoint is not None:
            candidates.append((image_entrypoint.value, image_entrypoint.source, False))
        config_files = self._workdir_files()
        for argv, source, from_compose in candidates:
            launch = launch_of(argv, source, self.environment, config_files, from_compose)
            if launch is not None:
                skipped = prefix if entrypoint is None and argv[: len(prefix)] != prefix else []
                return with_guess(_after_entrypoint(launch, argv, skipped), self._script_config_doubt(launch))
        for argv, _, from_compose in candidates[:1]:
            launch = self._launch_by_script(argv, from_compose, config_files)
            if launch is not None:
                return with_guess(launch, self._script_config_doubt(launch))
        return None

    def _launch_by_script(
        self, argv: list[str], from_compose: bool, config_files: frozenset[str] | None
    ) -> Launch | None:
        """The server a shell script that the command runs leaves running, where the command
        names none itself: the one command the script may leave running (`exec gunicorn ...`
        at its end, CTFd's `docker-entrypoint.sh`), read from the checkout. What the script
        sets is not known (`--workers $WORKERS` after `WORKERS=${WORKERS:-1}`); where it sets
        what the server reads, changes its folder, or reads another file, the launch is a
        guess. None where the script is not in the checkout, may leave another command running
        (each branch's `exec`), or reads the arguments it is given."""
        words = [word.replace("$$", "$") for word in argv] if from_compose else argv
        script = program_run_by(list(words))
        if script is None or "$" in script or "/" not in script or script not in words:
            return None  # a script found on the PATH is the image's to place
        found = self._image_text(self._in_working_directory(script))
        if found is None:
            return None
        text, shown = found
        if not probes.runs_in_a_shell(text):
            return None
        if words[words.index(script) + 1 :] and probes.reads_arguments(text):
            return None
        lasting = probes.lasting_commands(text)
        if len(lasting) != 1:
            return None
        command = lasting[0]
        assigned = probes.assigned_variables(text)
        environment = self.environment.without(assigned)
        source = f"{shown}:{line_number(text, command.start)}: {abridged(command.text, 80)}"
        launch = launch_of(command.argv, source, environment, config_files)
        if launch is None:
            return None
        prefix = launch.program.upper().replace("-", "_") + "_"
        read = (*LAUNCHERS[launch.program].port_variables, "PORT", "HOST") if launch.program in LAUNCHERS else ()
        sets = sorted(name for name in assigned if name in read or name.startswith(prefix))
        if sets:
            return with_guess(launch, f"`{shown}` sets ${sets[0]} before it starts the server")
        elsewhere = probes.runs_first(text, ("cd", "pushd", ".", "source", "eval"))
        if elsewhere is not None:
            return with_guess(launch, f"`{shown}` runs `{elsewhere}` before it starts the server")
        return launch

    def _image_text(self, image_path: str | None) -> tuple[str, str] | None:
        """The text of a file of the container (`_checkout_file`), and its path from the
        Compose file's folder; None where the checkout does not hold it, or it is no UTF-8
        text."""
        path = self._checkout_file(image_path) if image_path is not None else None
        if path is None:
            return None
        self.document.depends_on(path)
        try:
            return read_whole(path, MAX_CONTEXT_FILE).decode("utf-8"), self._relative(path)
        except (OSError, FileTooLarge, UnicodeDecodeError):
            return None

    def _script_config_doubt(self, launch: Launch) -> str | None:
        """Why a configuration file beside the script a server runs may set its port or prefix:
        streamlit reads `.streamlit/config.toml` in the script's folder too, over the working
        directory's, from 1.46.0 (config.py `get_config_files`: `streamlit run src/app.py`
        loads `src/.streamlit/config.toml`)."""
        name = SCRIPT_CONFIG_FILES.get(launch.program)
        workdir = self.working_directory
        if name is None or launch.target is None or workdir is None or "://" in launch.target:
            return None
        folder = posixpath.normpath(posixpath.join(workdir, posixpath.dirname(launch.target)))
        if folder == workdir:
            return None
        files = self._files_in(folder)
        if files is not None and name not in files:
            return None
        holds = "may hold" if files is None else "holds"
        program = launch.program
        return f"the folder of its script, `{folder}`, {holds} `{name}`, which {program} loads: it may set its port"

    @property
    def runs_code_of_this_checkout(self) -> bool:
        """Whether it runs code of the repository: built from it, or bound over its code."""
        return self.build is not None or self._code_mount is not None

    @property
    def runs_a_known_command(self) -> bool:
        """Whether the Compose file, the Dockerfile or (online) the image's config says what
        the container runs (an image hardenfix does not know may bring its own command)."""
        return self.replaces_image_command or any(fact is not None for fact in self._image_process)

    @cached_property
    def container_ports(self) -> list[Fact[str]]:
        """Ports mentioned for the process the container runs: the container side of
        `ports` and `expose`; and, unless the Compose file replaces the image's command
        (`command`, `entrypoint`), the Dockerfile's `EXPOSE`, else the ports the image's
        config exposes (online). An image's ports are those of its own command: Redash's
        image exposes 5000 for its server, which its `worker` service does not run."""
        found = []
        for key in ("ports", "expose"):
            entry = self.service.get(key)
            if entry is None or not isinstance(entry.value, SequenceNode):
                continue
            for item in entry.value.value:
                port = _container_side(item, key)
                if port is not None:
                    line = self.document.position(item.start_mark.index).line
                    found.append(Fact(port, f"{self._compose}:{line}: {key}: {port}"))
        if self.replaces_image_command:
            return found
        if self.build is not None and self.build.exposed:
            return found + self.image_ports
        return found or self.image_ports

    @cached_property
    def image_ports(self) -> list[Fact[str]]:
        """The ports its image exposes for its own command: the Dockerfile's `EXPOSE`, else
        (online) those of the image's config."""
        if self.build is not None and self.build.exposed:
            return [Fact(str(fact.value), fact.source) for fact in self.build.exposed]
        if self._remote is None:
            return []
        image, source = self._remote
        exposed = [(entry.split("/")[0], entry) for entry in image.exposed_ports]
        return [Fact(port, f"{source}: EXPOSE {entry}") for port, entry in exposed if port.isdigit()]

    @cached_property
    def _server_command(self) -> tuple[list[str] | None, list[str] | None]:
        """The entrypoint and command words that replace the base image's: Compose's first,
        then the Dockerfile's; None for each that nothing replaces."""
        entrypoint, command = self.service.command_words("entrypoint"), self.service.command_words("command")
        if entrypoint is None and self.build is not None:
            if self.build.entrypoint is not None:
                entrypoint = self.build.entrypoint.value
            if command is None and self.build.command is not None:
                command = self.build.command.value
        return entrypoint, command

    def runs_image_server(self) -> bool | None:
        """Whether the container runs its base image's server (`TagFacts.runs_server`): False
        when it runs another program the image ships (`pg_dump`), None when that is not known."""
        assert self.image is not None
        return self.image.runs_server(*self._server_command)

    def image_server_doubts(self) -> list[str] | None:
        """Why a standard probe of its base image may not reach the server it checks: None
        when the container runs another program the image ships (`psql`), which no such
        probe fits; else what is not known (empty when nothing is): whether its command
        starts the server (`TagFacts.runs_server`), and whether an option, a variable or a
        file mounted where it reads its settings moves the server off what the probe asks
        (`postgres -p 5433`), or secures it, or an `env_file` not read or the deploying shell may
        set such a variable;
        where the knowledge base does not describe the server, any option passed to it and any
        mount (`_undescribed_server_doubts`). Compose's `entrypoint` and `command` count first,
        then the Dockerfile's, which replace the base image's."""
        assert self.image is not None
        entrypoint, command = self._server_command
        runs = self.runs_image_server()
        if runs is False:
            return None
        doubts = []
        repository = self.image.image.repository
        if runs is None:
            started = (entrypoint or command or [None])[0]
            what = f"its command runs `{started}`" if started else "it clears its image's entrypoint"
            doubts.append(f"{what}, not known to start `{repository}`'s server")
        server = self.image.image.server
        words = [*(entrypoint or ()), *(command or ())]
        if server is None:
            return doubts + self._undescribed_server_doubts(repository, words if runs else [])
        moved = server.moved(words, self.environment)
        unread = unread_may_set(self.environment, server.moved_by_variables)
        if moved is not None:
            what = f"loads `{moved}`, whose settings" if server.loads_configuration(moved) else f"sets `{moved}`, which"
            doubts.append(f"it {what} may move what the probe checks off its default")
        elif unread is not None:
            doubts.append(f"{unread}, which may move what the probe checks off its default")
        mounted = None
        if server.configuration:
            mounted = next((path for path in self._foreign_paths if server.configured_by(path)), None)
        if mounted is not None:
            doubts.append(
                f"it mounts `{mounted}`, where the server reads settings that may move or secure what the probe checks"
            )
        return doubts

    def _undescribed_server_doubts(self, repository: str, options: list[str]) -> list[str]:
        """Why the probe of an image whose server the knowledge base does not describe (no
        `[server]` table: which options, variables and files move what its probe checks) may
        not reach it: the options its command passes the server (`--web.listen-address=:9094`),
        and any file or folder mounted into it, which may hold its settings (a `grafana.ini`)."""
        doubts = []
        if options:
            doubts.append(
                f"it passes `{shlex.join(options)}` to the server, and which of `{repository}`'s options move "
                "what the probe checks is not known"
            )
        # A named volume here most likely holds the server's data: where it reads its
        # settings is not known, so only what is placed on purpose counts.
        mounted = next(iter(self.service.foreign_paths(named_volumes=False)), None)
        if mounted is not None:
            doubts.append(
                f"it mounts `{mounted}`, and where `{repository}`'s server reads settings that may move what the "
                "probe checks is not known"
            )
        return doubts

    @cached_property
    def _foreign_paths(self) -> list[str]:
        """The container paths that may hold files the image does not (`Service.foreign_paths`),
        with those of the services whose volumes it takes (`volumes_from`): a service that
        fills a named volume, or binds a `grafana.ini`, for another to mount."""
        paths = dict.fromkeys(self.service.foreign_paths())
        entry = self.service.get("volumes_from")
        if entry is not None and isinstance(entry.value, SequenceNode):
            services = {service.name: service for service in self.document.services()}
            for item in entry.value.value:
                source = services.get(str(item.value).partition(":")[0]) if isinstance(item, ScalarNode) else None
                if source is not None:
                    paths.update(dict.fromkeys(source.foreign_paths()))
        return list(paths)

    @property
    def replaces_image_command(self) -> bool:
        """Whether the Compose file runs another command than the image's own."""
        return self.service.command_line() is not None

    @cached_property
    def port(self) -> Fact[str] | None:
        """The launcher's port; else, for a script, the port its code gives its server; else,
        as a guess, the only port the Compose file and the Dockerfile mention."""
        launch = self.launch
        if launch is not None and launch.port is not None:
            return launch.port
        if self.speaks_tls is not None or self.speaks_another_protocol is not None:
            return None  # the port it listens on answers no plain http probe
        scripted = self._script_port
        if launch is not None and scripted is not None:
            port = scripted.port(self.environment, launch.options(), launch.source)
            if port is not None:
                return port
        ports = self.container_ports
        if len({fact.value for fact in ports}) == 1:
            return Fact(ports[0].value, ports[0].source, "it is the only port mentioned, not read from the process")
        return None

    @property
    def listens_on_a_socket(self) -> str | None:
        """The option of its command that makes its server listen on a socket or endpoint it
        names rather than on a port (`daphne -e tcp:port=8001`, `uvicorn --uds`)."""
        return self.launch.socket if self.launch is not None else None

    @property
    def speaks_tls(self) -> str | None:
        """What makes its server speak TLS alone, which a plain http probe gets no answer from:
        an option of its command (`uvicorn --ssl-certfile`), a keyword its script passes its
        server (`uvicorn.run(..., ssl_certfile=...)`)."""
        if self.launch is not None and self.launch.tls is not None:
            return self.launch.tls
        return self._script_port.tls if self._script_port is not None else None

    @property
    def speaks_another_protocol(self) -> str | None:
        """What makes its server speak another protocol than HTTP/1.1 on its port, which a plain
        http probe gets no answer from (`gunicorn --protocol uwsgi`, `granian --http 2`)."""
        return self.launch.protocol if self.launch is not None else None

    @cached_property
    def _script_port(self) -> ScriptPort | None:
        """How the script its launch runs (`python app.py`, `node server.js`) starts its server,
        read from the script's code; None when it starts none hardenfix sees."""
        launch = self.launch
        if launch is None or launch.program not in ("python", "node"):
            return None  # before its code is read: a large context takes seconds
        script = self._target_file
        if script is None or (launch.program == "python" and not self._may_start_a_server(script)):
            return None
        code = self._code
        port = code.script_ports.get(script) if code is not None else None
        if port is not None and launch.loads_env is not None and port.variable is not None and port.dotenv is None:
            port = port._replace(dotenv=launch.loads_env)
        return port

    def _may_start_a_server(self, script: str) -> bool:
        """Whether the Python script may start a server, told from its text alone (see
        `code.may_start_a_server`): most scripts a service runs start none (`manage.py
        migrate`), and learning the port of one that does reads the whole context."""
        if self._code_place is None:
            return False
        try:
            data = self._code_place[0].read_bytes(script)
        except (ContextError, OSError):  # a file `code_facts` skips, or a folder, has no port
            return False
        return may_start_a_server(script, data)

    @property
    def starts_a_server(self) -> bool:
        """Whether its command starts a server program hardenfix knows (`gunicorn`, `celery
        flower`), or a script that starts one (`app.run(**settings)`): it listens on a port,
        read or not (a configuration file may set it)."""
        launch = self.launch
        return (launch is not None and launch.program in LAUNCHERS) or self._script_port is not None

    # -- its code -----------------------------------------------------------------------

    @cached_property
    def working_directory(self) -> str | None:
        """Where its process starts: Compose's `working_dir`, else its Dockerfile's `WORKDIR`;
        None when neither tells (an interpolated `working_dir`, an image's own)."""
        entry = self.service.get("working_dir")
        if entry is not None:
            value = str(entry.value.value) if isinstance(entry.value, ScalarNode) else ""
            return posixpath.normpath(value) if value.startswith("/") and "$" not in value else None
        return posixpath.normpath(self.build.workdir) if self.build is not None else None

    def _mounted(self, image_path: str) -> tuple[Path | None, str] | None:
        """The host path a bind mount puts at `image_path` (the deepest bind that holds it,
        which hides the others and the image's own files there), None when that is not a
        path of this checkout; and the mount's target. None when no bind holds it."""
        if self.document.location is None:
            return None
        holding = [
            mount
            for mount in self.service.bind_mounts()
            if image_path == mount.target or image_path.startswith(mount.target.rstrip("/") + "/")
        ]
        if not holding:
            return None
        deepest = max(holding, key=lambda mount: len(mount.target))
        local = self.document.location.parent / deepest.source if deepest.source is not None else None
        return local, deepest.target

    @cached_property
    def _code_mount(self) -> _CodeMount | None:
        """What is bound over the code the container runs (the launch's module or script,
        else its working directory): that code, not what the image holds there, is what
        runs. A folder; or a file bound over the module served, unless it is the very file
        the image holds there (whose neighbours the image's code still gives). None when
        nothing is bound over it."""
        where = self._target_image_path() or self.working_directory
        mounted = self._mounted(where) if where is not None else None
        if mounted is None:
            return None
        local, target = mounted
        if local is None:
            return _CodeMount(None, target)
        self.document.depends_on(local)
        if local.is_dir():
            return _CodeMount(BuildContext(local, self.document, built=False), target)
        if where != target or not local.is_file() or self._image_holds(local, where):
            return None
        return _CodeMount(BuildContext(local.parent, self.document, built=False), target, (local.name,))

    def _image_holds(self, local: Path, image_path: str) -> bool:
        """Whether the image's file at `image_path` is copied from `local`."""
        copied, context = self._copied_from(image_path), self._context
        if copied is None or context is None:
            return False
        try:
            return context.path(copied) == local.resolve()
        except ContextError:
            return False

    @property
    def _context(self) -> BuildContext | None:
        """The build context of the image it builds."""
        return self._built.build_context if self._built is not None else None

    def _copied_from(self, image_path: str) -> str | None:
        """The build-context path the image's file at `image_path` is copied from; None when
        no `COPY` of the context writes it (or it builds no image)."""
        build, built = self.build, self._built
        if build is None or built is None:
            return None
        try:
            return locate(built, build.stage, image_path).context_path
        except (NotLocated, ContextError):
            return None

    @property
    def code_on_the_host(self) -> str | None:
        """Where in the container a bind of the host's own folder hides the code it runs;
        None where the code is known or nothing hides it."""
        mount = self._code_mount
        return mount.target if mount is not None and mount.context is None else None

    @cached_property
    def _code_place(self) -> tuple[BuildContext, tuple[str, ...]] | None:
        """Where the code the container runs is: a folder bound over it, else what its image
        holds of its build context (the context, and its files and folders the image holds)."""
        mount = self._code_mount
        if mount is not None:
            return (mount.context, mount.sources) if mount.context is not None else None
        built, build = self._built, self.build
        if built is None or built.build_context is None or build is None:
            return None
        return built.build_context, context_sources(built, build.stage)

    @cached_property
    def _code(self) -> CodeFacts | None:
        """The code the container runs (`_code_place`), read once for every service that runs
        the same. Another service's code in a shared context (`context: .`) would give it
        routes it does not serve. Where the module its launch serves creates an application,
        the modules that one runs alone (`served_modules`): another application's router, or
        its `mount('/')`, is not its own; and a monorepo's services read a tenth of the code."""
        if self._code_place is None:
            return None
        context, sources = self._code_place
        suffixes = self._code_languages
        shown = self._relative(context.root)
        prefix = "" if shown == "." else shown + "/"

        def read(files: tuple[str, ...]) -> CodeFacts:
            return self.document.made_of_other_files(
                ("code", context.identity, files, suffixes),
                lambda: code_facts(context, files, suffixes).named_from(prefix),
            )

        served, imported_as = self._target_file, self._imported_as()
        if served is not None and imported_as is not None and suffixes == (".py",):
            modules = served_modules(context, sources, served, imported_as)
            if modules is not None:
                facts = read(modules)
                if served in facts.applications:
                    return facts
        return read(sources)

    def _imported_as(self) -> str | None:
        """The dotted name the launch imports the module it serves by (`api.main` of
        `uvicorn api.main:app`); a script's, by its file's name (its folder is the first
        its imports look in)."""
        launch = self.launch
        if launch is None or launch.target is None:
            return None
        target = launch.target
        if target.endswith(".py") and ":" not in target:
            return posixpath.basename(target).removesuffix(".py")
        return target.split(":", 1)[0]

    @property
    def _code_languages(self) -> tuple[str, ...]:
        """The languages whose code its process may serve routes from and start its server
        in: a node process serves none that Python code defines, and a Python server none of
        JavaScript's (a shared context, `context: .`, holds both); either, where the program
        is not known."""
        launch = self.launch
        if launch is not None and launch.program == "node":
            return (".js",)
        if launch is not None and (launch.program == "python" or launch.program in LAUNCHERS):
            return (".py",)
        return CODE_SUFFIXES

    @property
    def code_unread(self) -> bool:
        """Whether it runs code of a language whose routes and ports hardenfix does not read:
        a program it does not know, its code looked at and holding no Python or JavaScript."""
        return self.launch is None and self._code_place is not None and not holds_readable_code(*self._code_place)

    @property
    def serves_no_code(self) -> str | None:
        """What its server serves where that is no application of its code, whose routes are
        then not its own: `python -m http.server` serves files, streamlit a script's page."""
        launch = self.launch
        return LAUNCHERS[launch.program].serves if launch is not None and launch.program in LAUNCHERS else None

    @cached_property
    def route(self) -> Route | None:
        """The route its server answers for its own health (flower's `/healthcheck`), else the
        best health route its code defines (see `CodeFacts.health_route`)."""
        launch = self.launch
        if launch is not None and launch.own_route is not None:
            return self._own_route(launch.program, launch.own_route, launch.source)
        code = self._code
        if code is None or self.serves_no_code is not None:
            return None
        variable = launch.target.partition(":")[2] if launch is not None and launch.target is not None else ""
        route = code.health_route(self._target_file, variable if variable.isidentifier() else None)
        if route is not None and code.prefixed_env is not None:
            refused = self._host_settings(*code.prefixed_env)
            route = route._replace(guess="; ".join(filter(None, (route.guess, refused))))
        script_name = self.environment.get("SCRIPT_NAME")
        if route is None or launch is None or launch.program != "gunicorn" or not script_name or not script_name.value:
            return route
        mounted = f"its environment sets SCRIPT_NAME ({script_name.source}), and {SCRIPT_NAME_REFUSES}"
        return route._replace(guess="; ".join(filter(None, (route.guess, mounted))))

    def _own_route(self, program: str, path: str, source: str) -> Route:
        """The route its server answers itself (`OWN_HEALTH_ROUTES`): where the path changed
        with the server's version, the one the version its build declares answers; the newer
        one, a guess, where no version is read (an image's own, a requirement without one)."""
        own = OWN_HEALTH_ROUTES[program]
        documentation = LAUNCHERS[program].documentation
        guesses = [self._home_config_doubt(program)]
        if own.distribution is not None and own.since is not None and own.before is not None:
            built, build = self._built, self.build
            arguments = self.document.build_arguments(self.service)
            declared = declared_versions(built, build, own.distribution, arguments) if built and build else ()
            newer = version_at_least(declared, own.since)
            read = "; ".join(found.source for found in declared)
            if newer is False:
                path = path.removesuffix(own.path) + own.before
                documentation = f"before {own.since}; {read}"
            elif newer:
                documentation = f"from {own.since} on; {read}"
            else:
                guesses.append(
                    f"the version of {own.distribution} it runs is not read from its files: {program} answers"
                    f" `{own.path}` from {own.since} on, `{own.before}` before"
                )
        answers = f"{program} answers `{path}` itself ({documentation})"
        return Route(path, f"{source}: {answers}", "; ".join(filter(None, guesses)) or None, False, "")

    def _home_config_doubt(self, program: str) -> str | None:
        """Why a configuration file in the user's home may set the server's port or prefix:
        the build or a bind mount names its folder (`RUN mkdir ~/.streamlit`)."""
        folder = HOME_CONFIG_FOLDERS.get(program)
        if folder is None:
            return None
        build = self.build
        if build is not None and folder in build.mentioned:
            return f"{build.dockerfile} names `{folder}`, where {program} reads a configuration that may set its port"
        mount = next((mount for mount in self.service.bind_mounts() if folder in mount.target.split("/")), None)
        if mount is not None:
            return f"a volume binds `{mount.target}`, where {program} reads a configuration that may set its port"
        return None

    def _host_settings(self, where: str, prefix: str) -> str | None:
        """Why Flask may refuse a probe of 127.0.0.1 with the settings `from_prefixed_env()`
        reads at `where`: the environment sets `FLASK_SERVER_NAME` or `FLASK_TRUSTED_HOSTS`
        (404 before Flask 3.1, 400), or may."""
        variables = [f"{prefix}_SERVER_NAME", f"{prefix}_TRUSTED_HOSTS"]
        set_here = next((name for name in variables if name in self.environment), None)
        if set_here is not None:
            return (
                f"{where} reads its settings from the environment, which sets ${set_here}"
                f" ({self.environment[set_here].source}): Flask answers a request for another host with 404 or 400"
            )
        may = unread_may_set(self.environment, variables)
        return f"{where} reads its settings from the environment, and {may}" if may is not None else None

    def _target_image_path(self) -> str | None:
        """Where in the container the module or script the launch serves is: where its server
        imports it from (`Launch.import_folders`), the first folder that holds it where the
        server looks in several. A module is a package's `__init__.py` where the folder holds
        one, as Python's import finds it first (CTFd's `gunicorn 'CTFd:create_app()'`); what
        `python -m` runs of a package is its `__main__.py`."""
        launch = self.launch
        if launch is None or launch.target is None or launch.import_folders is None:
            return None
        target = launch.target
        names = [target]
        if ":" in target or not target.endswith((".py", ".js")):
            module = target.split(":", 1)[0].replace(".", "/")
            run = "__main__.py" if launch.program == "python" else "__init__.py"
            names = [posixpath.join(module, run), module + ".py"]
        if names[-1].startswith("/"):
            return posixpath.normpath(names[-1])
        paths = [
            self._in_working_directory(posixpath.join(folder, name))
            for folder in launch.import_folders
            for name in names
        ]
        held = next((path for path in paths if path is not None and self._holds(path)), None)
        return held if held is not None or len(launch.import_folders) > 1 else paths[-1]

    def _in_working_directory(self, path: str) -> str | None:
        """`path` as the container's process reads it, from its working directory; None when
        that is not known and `path` is relative."""
        if path.startswith("/"):
            return posixpath.normpath(path)
        workdir = self.working_directory
        return posixpath.normpath(f"{workdir}/{path}") if workdir is not None else None

    def _holds(self, image_path: str) -> bool:
        """Whether the container has a file of this checkout at `image_path`."""
        path = self._checkout_file(image_path)
        return path is not None and path.is_file()

    def _checkout_file(self, image_path: str) -> Path | None:
        """The file of this checkout the container has at `image_path`: bound over it from the
        host, else copied from its build context and sent to the builder (not left out by its
        `.dockerignore`); None when neither is known."""
        mounted = self._mounted(image_path)
        if mounted is not None:
            local, target = mounted
            return local / posixpath.relpath(image_path, target) if local is not None else None
        copied, context = self._copied_from(image_path), self._context
        if copied is None or context is None:
            return None
        try:
            return context.path(copied)
        except ContextError:
            return None

    @cached_property
    def _target_file(self) -> str | None:
        """The module or script the launch serves, as its code's facts name it: its path in
        the folder bound over it, else in the build context, where `COPY` says."""
        image_path = self._target_image_path()
        if image_path is None:
            return None
        mount = self._code_mount
        if mount is not None:
            if mount.sources != (".",):
                return mount.sources[0]
            below = posixpath.relpath(image_path, mount.target)
            return None if below.startswith("..") else below
        return self._copied_from(image_path)

    # -- helpers ------------------------------------------------------------------------

    def _relative(self, path: Path) -> str:
        if self.document.location is None:
            return path.name
        return os.path.relpath(path, self.document.location.parent).replace(os.sep, "/")

    def _compose_argv(self, key: str) -> tuple[list[str], str] | None:
        words = self.service.command_words(key)
        entry = self.service.get(key)
        if words is None or entry is None:
            return None
        line = self.document.position(entry.key.start_mark.index).line
        return words, f"{self._compose}:{line}: " + abridged(f"{key}: {' '.join(words)}", 80)

    def env_files(self) -> list[EnvFile]:
        """Its `env_file`s in the order Compose reads them. An optional one (`required: false`)
        is listed too: absent from the checkout, it may still be in the deployment."""
        entry = self.service.get("env_file")
        if entry is None or self.document.location is None:
            return []
        values = entry.value.value if isinstance(entry.value, SequenceNode) else [entry.value]
        files: list[EnvFile] = []
        for value in values:
            raw = False
            if isinstance(value, MappingNode):
                keys = {str(item.key.value): item.value for item in entries(value)}
                value = keys.get("path")
                written_format = keys.get("format")
                raw = isinstance(written_format, ScalarNode) and str(written_format.value) == "raw"
            if not isinstance(value, ScalarNode):
                continue
            written = str(value.value)
            files.append(EnvFile(written, None if "$" in written else self.document.location.parent / written, raw))
        return files

    def _config_targets(self) -> list[str]:
        """Where Compose puts the service's `configs` and `secrets` in the container: the long
        syntax's `target` (a relative one under `/` for configs, `/run/secrets` for secrets),
        or the short syntax's `/NAME` and `/run/secrets/NAME`."""
        found = []
        for key, folder in (("configs", "/"), ("secrets", "/run/secrets")):
            entry = self.service.get(key)
            for item in entry.value.value if entry is not None and isinstance(entry.value, SequenceNode) else ():
                if isinstance(item, ScalarNode):
                    found.append(posixpath.join(folder, str(item.value)))
                elif isinstance(item, MappingNode):
                    target, source = lookup(item, "target"), lookup(item, "source")
                    named = target if target is not None else source
                    if named is not None and isinstance(named.value, ScalarNode):
                        found.append(posixpath.normpath(posixpath.join(folder, str(named.value.value))))
        return found

    def _workdir_files(self) -> frozenset[str] | None:
        """Names of the files in its working directory, where gunicorn and hypercorn look for
        their configuration file (streamlit in its `.streamlit` folder), and `flask run` for its
        `.flaskenv` (python-dotenv's `find_dotenv` looks in the folders above it too: those
        count as here): those a folder
        bound over it holds (None when that is a folder of the host that runs it), else those
        `COPY` puts there, into it or a folder above it; and files bound into it one by one."""
        return self._files_in(self.working_directory)

    def _files_in(self, workdir: str | None) -> frozenset[str] | None:
        """`_workdir_files` for the folder `workdir` of the container."""
        if workdir is None:
            return frozenset()
        above = [workdir]
        while above[-1] != "/":
            above.append(posixpath.dirname(above[-1]))
        targets = [mount.target for mount in self.service.bind_mounts()] + self._config_targets()
        names = {posixpath.basename(target) for target in targets if posixpath.dirname(target) == workdir}
        mounted = self._mounted(workdir)
        if mounted is not None:
            if mounted[0] is None:
                return None
            folder = mounted[0] / posixpath.relpath(workdir, mounted[1])
            self.document.depends_on(folder)
            with contextlib.suppress(OSError):
                names.update(entry.name for entry in os.scandir(folder) if entry.is_file())
            for name in (name for name in CONFIG_FILES if "/" in name):  # `.streamlit/config.toml`
                self.document.depends_on(folder / posixpath.dirname(name))
                if (folder / name).is_file():
                    names.add(name)
            for parent in above[1:]:
                if parent == mounted[1] or parent.startswith(mounted[1].rstrip("/") + "/"):
                    host = mounted[0] / posixpath.relpath(parent, mounted[1])
                    names.update(name for name in FLASK_DOTENV_FILES if (host / name).is_file())
            return frozenset(names)
        build, built = self.build, self._built
        if build is None or built is None or built.build_context is None:
            return frozenset(names)
        if not self._base_image_known:
            return None  # the image it starts from may keep a configuration file there
        context = built.build_context
        for copy in build.stage.copies():
            for item in copy.sources:
                destination = posixpath.normpath(copy.destination)  # a folder's contents land in it, `/` or not
                if destination in above and context.is_dir(item):
                    if copy.into_directory:
                        below = posixpath.normpath(posixpath.join(item, posixpath.relpath(workdir, destination)))
                        names.update(name for name in CONFIG_FILES if _sent(context, f"{below}/{name}"))
                    for parent in above[: above.index(destination) + 1]:
                        folder = posixpath.normpath(posixpath.join(item, posixpath.relpath(parent, destination)))
                        names.update(name for name in FLASK_DOTENV_FILES if _sent(context, f"{folder}/{name}"))
                else:
                    folder, name = posixpath.split(copy.landing(item))
                    if folder == workdir or (folder in above and name in FLASK_DOTENV_FILES):
                        names.add(name)
        return frozenset(names)

    @property
    def _base_image_known(self) -> bool:
        """Whether what the image its build starts from holds is known: `scratch`, or an
        image the knowledge base describes (none keeps an application's files)."""
        build = self.build
        if build is None or build.base_image is None:
            return build is None or build.stage.root.image.lower() == "scratch"
        return self.image is not None and self.image.image.source != UNKNOWN_IMAGE

    def evidence(self) -> dict[str, str]:
        """The facts a probe rests on, by name, for a reviewer."""
        shown = {}
        if self.launch is not None:
            shown["process"] = f"{self.launch.program} ({self.launch.source})"
        for name, fact in (("port", self.port), ("image healthcheck", self.image_healthcheck)):
            if fact is not None:
                shown[name] = f"{fact.value} ({fact})"
        if self.port is not None and self.route is not None:  # the port first: the route may read the code
            shown["route"] = f"{self.route.path} ({self.route.source})"
        return shown


_COMPUTED: weakref.WeakKeyDictionary[ComposeDocument, dict[str, ServiceFacts]] = weakref.WeakKeyDictionary()


def timing_left_to_images(document: ComposeDocument, knowledge: KnowledgeBase) -> dict[int, frozenset[str]]:
    """For each mapping that a key missing from a healthcheck is written into (by the `id` of
    its `insertion_target`: shared anchored defaults serve several), the keys that some
    healthcheck writing there leaves to its image's own `HEALTHCHECK`: writing one would
    replace the image's value."""
    left: dict[int, frozenset[str]] = {}
    for service in document.services():
        healthcheck = service.active_healthcheck()
        if healthcheck is None:
            continue
        timing = service_facts(document, service, knowledge).image_healthcheck_timing
        if timing:
            target = id(insertion_target(healthcheck.value))
            left[target] = left.get(target, frozenset()) | (timing - service.healthcheck_keys)
    return left


def service_facts(document: ComposeDocument, service: Service, knowledge: KnowledgeBase) -> ServiceFacts:
    """The facts of a service, made once per document and service."""
    computed = _COMPUTED.setdefault(document, {})
    if service.name not in computed:
        computed[service.name] = ServiceFacts(document, service, knowledge)
    return computed[service.name]


class PlannedProbe(NamedTuple):
    """An HTTP probe the facts support, or why there is none."""

    test: tuple[str, ...] | None
    """A Compose healthcheck `test` (exec form), or None when the facts do not support one."""
    guesses: tuple[str, ...] = ()
    """Why facts it rests on are assumed: a fix that writes it is unsafe."""
    reason: str = ""
    """Why there is no probe, when there is none."""


def _sent(context: BuildContext, relative: str) -> bool:
    """Whether a file of the context is sent to the builder: there, and not left out by its
    `.dockerignore`."""
    try:
        return context.path(relative).is_file()
    except ContextError:
        return False


def _after_entrypoint(launch: Launch, argv: list[str], skipped: list[str]) -> Launch:
    """The launch of a command read past the image's entrypoint script (`skipped`), which runs
    first (`exec "$@"`) and may set what the server reads its port from where the command
    gives none: `export GUNICORN_CMD_ARGS="--bind=0.0.0.0:8080"`, `export PORT=...`."""
    if not skipped or launch.port is None or launch.program not in LAUNCHERS:
        return launch
    launcher = LAUNCHERS[launch.program]
    if any(word.partition("=")[0] in (*launcher.port_options, *launcher.bind_options) for word in argv):
        return launch
    return with_guess(
        launch,
        f"its image's entrypoint `{shlex.join(skipped)}` runs first and may set the options the server reads"
        " (`GUNICORN_CMD_ARGS`, `PORT`)",
    )


def planned_probe(facts: ServiceFacts) -> PlannedProbe:
    """The probe a service's facts support: a GET of its health route on the port its process
    listens on, from inside the container (`127.0.0.1`: alpine resolves `localhost` to IPv6
    first), with the first of curl, wget, python3 and node the image has."""
    image = facts.image
    if image is not None and all(
        (fact := image.tool(tool)) is not None and not fact.value for tool in probes.REPLACEMENT_TOOLS
    ):
        return PlannedProbe(
            None,
            reason="its image has no curl, wget, python3 or node to probe with: give the image a HEALTHCHECK "
            "binary of its own, or probe it from another container",
        )
    if facts.speaks_tls is not None:
        return PlannedProbe(
            None,
            reason=f"its server speaks TLS alone ({facts.speaks_tls}), which a plain http probe gets no answer from",
        )
    if facts.speaks_another_protocol is not None:
        return PlannedProbe(
            None,
            reason=f"its server speaks another protocol than HTTP/1.1 ({facts.speaks_another_protocol}), which a "
            "plain http probe gets no answer from",
        )
    if facts.listens_on_a_socket is not None:
        return PlannedProbe(
            None,
            reason=f"its server listens on the socket or endpoint `{facts.listens_on_a_socket}` names, not on a "
            "port hardenfix reads: probe that endpoint",
        )
    if facts.port is None:
        if not facts.container_ports and facts.replaces_image_command and facts.image_ports:
            exposed = ", ".join(fact.value for fact in facts.image_ports)
            return PlannedProbe(
                None,
                reason=f"its image exposes {exposed} for its own command, which the Compose file replaces: the port "
                "this one listens on, if any, is not known",
            )
        if not facts.container_ports and facts.code_unread:
            return PlannedProbe(
                None,
                reason="hardenfix finds no Python or JavaScript in the code it runs, and no port is mentioned: "
                "probe the port it serves, if any, else check its process (`pgrep -f ...`)",
            )
        if not facts.container_ports and not facts.starts_a_server:
            return PlannedProbe(
                None,
                reason="it listens on no port hardenfix can see: check its process (`pgrep -f ...`), or have it "
                "touch a heartbeat file and check the file's age",
            )
        return PlannedProbe(None, reason="the port its process listens on is not known")
    route = facts.route
    if route is None and facts.serves_no_code is not None:
        return PlannedProbe(None, reason=facts.serves_no_code)
    if route is None and facts.code_on_the_host is not None:
        return PlannedProbe(
            None,
            reason=f"its code at `{facts.code_on_the_host}` is bound from the host that runs it, which hardenfix "
            "does not read",
        )
    if route is None and facts.code_unread:
        return PlannedProbe(
            None,
            reason="hardenfix finds no Python or JavaScript in the code it runs to read a route from: probe one it "
            "serves",
        )
    if route is None:
        return PlannedProbe(None, reason="its code defines no health route hardenfix can see")
    if route.needs_auth:
        return PlannedProbe(None, reason=f"its health route `{route.path}` asks for authentication")
    if route.below_unknown_prefix:
        return PlannedProbe(
            None,
            reason=f"its health route `{route.path}` is mounted below a prefix its code does not write out, "
            "so the path it is served at is not known",
        )
    url = f"http://127.0.0.1:{facts.port.value}{route.path}"
    argv = probes.replacement_probe(url, image.present(probes.REPLACEMENT_TOOLS)) if image is not None else None
    if argv is None:
        return PlannedProbe(None, reason="no HTTP client is known to be in its image")
    tool = image.tool(argv[0]) if image is not None else None
    guesses = tuple(
        guess for guess in (facts.port.guess, route.guess, tool.guess if tool is not None else None) if guess
    )
    return PlannedProbe(("CMD", *argv), guesses)


def plan_probes_ahead(services: Sequence[ServiceFacts], other_work_first: bool = False) -> None:
    """`planned_probe` of each of `services` worked out ahead, where a helper process can share
    the reading of their code (see `ahead.read_ahead`). With `other_work_first`, the reading
    is only started (`ahead.start`), the helper reading on while this process does that
    work; the next call, without, finishes it. Services whose code one process should read
    are one task (`_read_together`); services built from one context that serve different
    modules are not."""
    if not other_work_first and ahead.finish():
        return
    by_code: dict[object, list[ServiceFacts]] = {}
    for facts in services:
        by_code.setdefault(_read_together(facts), []).append(facts)
    tasks = [partial(_plan_probes, together) for together in by_code.values()]
    if other_work_first:
        ahead.start(tasks, at_once=ahead.allowed and _served_bytes(services) >= READ_AT_ONCE_FROM_BYTES)
    else:
        ahead.read_ahead(tasks)


READ_AT_ONCE_FROM_BYTES = 64 * 1024
"""Bytes of the modules that services serve from which their code's reading, started ahead
of other work, forks its helper before any task, rather than once the tasks took
`ahead.ALONE_SECONDS`: PMOVES.AI's stack serves 500 KB, whose reading takes 0.26 s of work
(its first task alone, 17 ms: the check 328 -> 309 ms with the helper forked at once); six
services serving 2 KB read it in 8 ms, and a helper forked at once made their check 10 ms
slower."""


def _served_bytes(services: Sequence[ServiceFacts]) -> int:
    """The size of the modules the services' launches serve, each once, where told: most of
    what reading their code takes."""
    total = 0
    for served in {_served_file(facts) for facts in services} - {None}:
        with contextlib.suppress(OSError):
            total += os.stat(served).st_size
    return total


def _read_together(facts: ServiceFacts) -> object:
    """What services share whose code is best read by one process: the file their launch
    serves, wherever the contexts that hold it are (its text is parsed once in a process,
    and most of their code is that); else the place their code is in and their launch's
    target. PMOVES.AI's `hi-rag-gateway-v2` and `hi-rag-gateway-v2-gpu`, built from one
    context by two Dockerfiles that copy different files, serve one 86 KB `app.py`: as two
    tasks, each process parsed it (37 ms)."""
    served = _served_file(facts)
    if served is not None:
        return served
    place, launch = facts._code_place, facts.launch
    if place is None:
        return id(facts)
    return place[0].identity, place[1], launch.target if launch is not None else None


def _served_file(facts: ServiceFacts) -> str | None:
    """The host's path of the file a service's launch serves, where told."""
    place, served = facts._code_place, facts._target_file
    return os.path.join(place[0].root, served) if place is not None and served is not None else None


def _plan_probes(services: list[ServiceFacts]) -> None:
    for facts in services:
        planned_probe(facts)


def _container_side(item: object, key: str) -> str | None:
    """`"8088:8080"` -> `8080`, `127.0.0.1:8088:8080/tcp` -> `8080`, `{target: 8080}` -> `8080`;
    ranges are left out."""
    if isinstance(item, MappingNode):
        target = next((e for e in entries(item) if e.key.value == "target"), None)
        value = str(target.value.value) if target is not None and isinstance(target.value, ScalarNode) else ""
    elif isinstance(item, ScalarNode):
        value = str(item.value).split("/")[0].rsplit(":", 1)[-1] if key == "ports" else str(item.value)
    else:
        return None
    return value if value.isdigit() else None
