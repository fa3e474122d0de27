"""ServiceFacts: everything known of one Compose service, each fact with its source.

Computed once per service and document (`service_facts`), from, strongest first:

1. the Compose service itself: `command`/`entrypoint` (which replace the image's),
   `environment` and local `env_file`s, the container side of `ports` and `expose`;
2. the Dockerfile it builds (`build.context`, `build.dockerfile`, `build.target`):
   tools installed or removed, `ENV`, `EXPOSE`, `ENTRYPOINT`/`CMD`, `HEALTHCHECK`;
3. its build context's code: health routes, and the port a script listens on;
4. the image knowledge base, for the image the service runs or its build starts from.

Files read on the way are recorded as the Compose document's dependencies, so a cached
finding is dropped when one of them changes.
"""

from __future__ import annotations

import os
import posixpath
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from hardenfix import probes
from hardenfix.facts import Fact, Source
from hardenfix.facts.build import PROBE_TOOLS, BuildFacts, build_facts
from hardenfix.facts.code import CodeFacts, Route, code_facts
from hardenfix.facts.process import Launch, launch_of
from hardenfix.knowledge import KnowledgeBase, parse_reference
from hardenfix.sources.compose import ComposeDocument, Service, entries
from hardenfix.sources.dockerfile import ContextError, NotLocated, locate


@dataclass
class ServiceFacts:
    name: str
    image: Fact[str] | None = None
    """The image the service runs (`image:`), or the one its build starts from."""
    build: BuildFacts | None = None
    tools: dict[str, Source] = field(default_factory=dict)
    """Probe tools known to be on the PATH, and what says so."""
    tools_complete: bool = False
    """Whether `tools` is every probe tool there is: the image is known and nothing unknown
    was added. Only then may a rule say a tool is missing."""
    launch: Launch | None = None
    port: Fact[str] | None = None
    route: Route | None = None
    image_healthcheck: Fact[str] | None = None
    """A HEALTHCHECK the image itself has: it reports its health without Compose's help."""
    container_ports: list[Fact[str]] = field(default_factory=list)
    """Ports the Compose file or Dockerfile mention (`ports` container side, `expose`, `EXPOSE`)."""

    def evidence(self) -> dict[str, str]:
        """The facts a probe rests on, by name, as `where: what` lines for a reviewer."""
        shown: dict[str, str] = {}
        if self.image is not None:
            shown["image"] = f"{self.image.value} ({self.image.source})"
        if self.launch is not None:
            shown["process"] = f"{self.launch.program} ({self.launch.source})"
        if self.port is not None:
            shown["port"] = f"{self.port.value} ({self.port.source})"
        if self.route is not None:
            shown["route"] = f"{self.route.path} ({self.route.source})"
        if self.tools:
            shown["tools"] = ", ".join(f"{tool} ({source})" for tool, source in sorted(self.tools.items()))
        return shown


@dataclass(frozen=True)
class PlannedProbe:
    """An HTTP probe the facts support, or why there is none."""

    test: tuple[str, ...] | None
    """A Compose healthcheck `test` (exec form), or None when the facts do not support one."""
    guesses: tuple[str, ...] = ()
    """The facts it rests on that are guesses: a fix that writes it is unsafe."""
    reason: str = ""
    """Why there is no probe, when there is none."""


def planned_probe(facts: ServiceFacts) -> PlannedProbe:
    """The probe a service's facts support: a GET of its health route on the port its process
    listens on, from inside the container (`127.0.0.1`: alpine resolves `localhost` to IPv6
    first), with the first of curl, wget, python3 and node the image has."""
    if facts.port is None:
        if facts.launch is None and not facts.container_ports:
            return PlannedProbe(
                None,
                reason="it listens on no port hardenfix can see (a worker?): check its process "
                "(`pgrep -f ...`) or have it touch a heartbeat file the probe checks",
            )
        return PlannedProbe(None, reason="the port its process listens on is not known")
    if facts.route is None:
        return PlannedProbe(None, reason="its code defines no health route hardenfix can see")
    if facts.route.needs_auth:
        return PlannedProbe(None, reason=f"its health route `{facts.route.path}` asks for authentication")
    url = f"http://127.0.0.1:{facts.port.value}{facts.route.path}"
    argv = probes.replacement_probe(url, frozenset(facts.tools))
    if argv is None:
        what = (
            "the image has no curl, wget, python3 or node"
            if facts.tools_complete
            else "no HTTP client is known in the image"
        )
        return PlannedProbe(None, reason=what)
    guesses = tuple(
        f"{name} ({fact.source})" for name, fact in (("port", facts.port), ("route", facts.route)) if fact.source.guess
    )
    return PlannedProbe(("CMD", *argv), guesses)


_COMPUTED: weakref.WeakKeyDictionary[ComposeDocument, dict[str, ServiceFacts]] = weakref.WeakKeyDictionary()


def service_facts(document: ComposeDocument, service: Service, knowledge: KnowledgeBase) -> ServiceFacts:
    computed = _COMPUTED.setdefault(document, {})
    if service.name not in computed:
        computed[service.name] = _compute(document, service, knowledge)
    return computed[service.name]


def _compute(document: ComposeDocument, service: Service, knowledge: KnowledgeBase) -> ServiceFacts:
    facts = ServiceFacts(service.name)
    compose = _compose_name(document)
    built = document.dockerfile_of(service) if service.get("build") is not None else None
    if built is not None and built.location is not None:
        shown = _relative(document, built.location)
        facts.build = build_facts(built, shown, document.build_target(service))
    if service.get("build") is None:
        image = service.image()
        entry = service.get("image")
        if image is not None and entry is not None:
            facts.image = Fact(
                image, Source(f"{compose}:{document.position(entry.key.start_mark.index).line}", f"image: {image}")
            )
    elif facts.build is not None:
        facts.image = facts.build.base_image
    _tools(facts, knowledge)
    environment = _environment(document, service, facts.build, compose)
    _container_ports(document, service, facts, compose)
    facts.launch = _launch(document, service, facts.build, environment, compose)
    code = None
    if built is not None and built.build_context is not None:
        shown = _relative(document, built.build_context.root)
        code = code_facts(built.build_context, environment, "" if shown == "." else shown + "/")
    _port(facts, code, built)
    if code is not None:
        prefer = _target_file(built, facts) if facts.launch is not None else None
        facts.route = code.health_route(prefer)
    if facts.build is not None and facts.build.healthcheck is not None:
        facts.image_healthcheck = facts.build.healthcheck
    return facts


def _compose_name(document: ComposeDocument) -> str:
    return document.location.name if document.location is not None else "compose file"


def _relative(document: ComposeDocument, path: Path) -> str:
    if document.location is None:
        return path.name
    return os.path.relpath(path, document.location.parent).replace(os.sep, "/")


def _tools(facts: ServiceFacts, knowledge: KnowledgeBase) -> None:
    reference = parse_reference(facts.image.value) if facts.image is not None else None
    known = knowledge.facts_for(reference) if reference is not None else None
    if known is not None and reference is not None:
        tag = known.for_tag(reference.tag)
        for tool in PROBE_TOOLS:
            fact = tag.tool(tool)
            if fact is not None and fact.value:
                facts.tools[tool] = Source(f"image knowledge: {known.repository}", fact.source, fact.guess is not None)
        facts.tools_complete = all(tag.tool(tool) is not None for tool in PROBE_TOOLS)
    if facts.build is not None:
        for tool in facts.build.tools_removed:
            facts.tools.pop(tool, None)
        facts.tools.update(facts.build.tools_added)
        if facts.build.base_image is None and not facts.build.stage.parent:
            facts.tools_complete = True  # FROM scratch: only what the Dockerfile adds


def _environment(
    document: ComposeDocument, service: Service, build: BuildFacts | None, compose: str
) -> dict[str, Fact[str]]:
    """The container's environment: the image's `ENV`, then `env_file`s, then `environment`."""
    environment = dict(build.environment) if build is not None else {}
    for path in _env_files(document, service):
        document.depends_on(path)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for number, line in enumerate(lines, 1):
            key, equals, value = line.strip().removeprefix("export ").partition("=")
            if equals and key and not key.startswith("#"):
                shown = _relative(document, path)
                environment[key.strip()] = Fact(value.strip().strip("'\""), Source(f"{shown}:{number}", line.strip()))
    entry = service.get("environment")
    if entry is not None:
        for key, value, node in _environment_entries(entry.value):
            line = document.position(node.start_mark.index).line
            environment[key] = Fact(value, Source(f"{compose}:{line}", f"{key}={value}"))
    return environment


def _env_files(document: ComposeDocument, service: Service) -> list[Path]:
    entry = service.get("env_file")
    if entry is None or document.location is None:
        return []
    values = entry.value.value if isinstance(entry.value, SequenceNode) else [entry.value]
    paths = []
    for value in values:
        if isinstance(value, MappingNode):
            path_entry = next((e for e in entries(value) if e.key.value == "path"), None)
            value = path_entry.value if path_entry is not None else None
        if isinstance(value, ScalarNode) and "$" not in str(value.value):
            paths.append(document.location.parent / str(value.value))
    return paths


def _environment_entries(node: object):
    if isinstance(node, MappingNode):
        for item in entries(node):
            if isinstance(item.value, ScalarNode) and item.value.value is not None:
                yield str(item.key.value), str(item.value.value), item.key
    elif isinstance(node, SequenceNode):
        for item in node.value:
            if isinstance(item, ScalarNode):
                key, equals, value = str(item.value).partition("=")
                if equals:
                    yield key, value, item


def _argv(document: ComposeDocument, service: Service, key: str, compose: str) -> tuple[list[str], Source] | None:
    entry = service.get(key)
    if entry is None:
        return None
    node = entry.value
    line = document.position(entry.key.start_mark.index).line
    if isinstance(node, SequenceNode):
        words = [str(item.value) for item in node.value if isinstance(item, ScalarNode)]
    elif isinstance(node, ScalarNode) and isinstance(node.value, str):
        words = [word.value for word in probes.shell_words(node.value) if isinstance(word, probes.ShellWord)]
    else:
        return None
    return words, Source(f"{compose}:{line}", f"{key}: {' '.join(words)}"[:80])


def _launch(
    document: ComposeDocument,
    service: Service,
    build: BuildFacts | None,
    environment: dict[str, Fact[str]],
    compose: str,
) -> Launch | None:
    """What the container starts: Compose's `entrypoint` and `command` replace the image's
    (a Compose `entrypoint` also drops the image's `CMD`, as Docker does)."""
    entrypoint = _argv(document, service, "entrypoint", compose)
    command = _argv(document, service, "command", compose)
    config_files = _workdir_files(document.dockerfile_of(service), build)
    candidates: list[tuple[list[str], Source, bool]] = []
    image_entrypoint = build.entrypoint if build is not None else None
    image_command = build.command if build is not None else None
    if entrypoint is not None:
        candidates.append((entrypoint[0] + (command[0] if command else []), entrypoint[1], True))
    else:
        head = image_entrypoint.value if image_entrypoint is not None else []
        if command is not None:
            candidates += [(head + command[0], command[1], True), (command[0], command[1], True)]
        elif image_command is not None:
            candidates += [(head + image_command.value, image_command.source, False)]
            candidates += [(image_command.value, image_command.source, False)]
        elif image_entrypoint is not None:
            candidates.append((image_entrypoint.value, image_entrypoint.source, False))
    for argv, source, from_compose in candidates:
        launch = launch_of(argv, source, environment, config_files, from_compose)
        if launch is not None:
            return launch
    return None


def _workdir_files(built, build: BuildFacts | None) -> frozenset[str]:
    """Names of the files `COPY` puts into the working directory, where gunicorn and
    hypercorn look for their configuration file."""
    if build is None or built is None or built.build_context is None:
        return frozenset()
    workdir = build.workdir.rstrip("/")
    names: set[str] = set()
    for copy in build.stage.copies():
        for item in copy.sources:
            if copy.into_directory and copy.destination.rstrip("/") == workdir and built.build_context.is_dir(item):
                names.update(name.rsplit("/", 1)[-1] for name in built.build_context.files_under(item, ".py", 200))
            elif posixpath.dirname(copy.landing(item)) == workdir:
                names.add(posixpath.basename(copy.landing(item)))
    return frozenset(names)


def _target_file(built, facts: ServiceFacts) -> str | None:
    """The context file of the module or script the launch serves, when `COPY` says where it is."""
    launch, build = facts.launch, facts.build
    if launch is None or launch.target is None or build is None:
        return None
    target = launch.target
    if ":" in target or not target.endswith((".py", ".js")):
        target = target.split(":", 1)[0].replace(".", "/") + ".py"
    image_path = target if target.startswith("/") else f"{build.workdir.rstrip('/')}/{target}"
    try:
        located = locate(built, build.stage, image_path)
    except (NotLocated, ContextError):
        return None
    return located.context_path


def _port(facts: ServiceFacts, code: CodeFacts | None, built) -> None:
    """The launcher's port; else, for a script, the port its code gives its server; else,
    as a guess, the only port the Compose file and the Dockerfile mention."""
    launch = facts.launch
    if launch is not None and launch.port is not None:
        facts.port = launch.port
        return
    if launch is not None and code is not None and launch.program in ("python", "node"):
        script = _target_file(built, facts)
        scripted = code.script_ports.get(script) if script is not None else None
        if scripted is not None:
            given = launch.option(scripted.option) if scripted.option else None
            facts.port = Fact(given, launch.source) if given and given.isdigit() else scripted.port
            if facts.port is not None:
                return
    if (
        {fact.value for fact in facts.container_ports} == {facts.container_ports[0].value}
        if facts.container_ports
        else False
    ):
        only = facts.container_ports[0]
        facts.port = Fact(only.value, Source(only.source.where, f"{only.source.says}, the only port mentioned", True))


def _container_ports(document: ComposeDocument, service: Service, facts: ServiceFacts, compose: str) -> None:
    for key in ("ports", "expose"):
        entry = service.get(key)
        if entry is None or not isinstance(entry.value, SequenceNode):
            continue
        for item in entry.value.value:
            port = _container_side(item, key)
            if port is not None:
                line = document.position(item.start_mark.index).line
                facts.container_ports.append(Fact(port, Source(f"{compose}:{line}", f"{key}: {port}")))
    if facts.build is not None:
        facts.container_ports += [Fact(str(fact.value), fact.source) for fact in facts.build.exposed]


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
