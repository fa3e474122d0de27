"""What an image ships, for the tag in use: versioned facts, each with its source.

An image's entry in `images.toml` is a list of facts, each true for a range of the
image's versions and for one variant (`alpine`, `slim`, the default one), and each
naming where it was read (the image's own Dockerfile, at a commit). Reading the
facts for a tag gives each one as a `Fact`: its value, its source, and, when the tag
names no version hardenfix can place (`latest`, `lts`, a release newer than the
table), the guess it rests on. A fact the table does not state is unknown (None):
a tool that is neither listed as shipped nor as missing may be either.

Rules make a safe fix only from facts that are known, never from a guess, and say
"it can never pass" only of a tool known to be missing.
"""

from __future__ import annotations

import posixpath
import shlex
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, NamedTuple, TypeVar

from hardenfix import probes
from hardenfix.facts import Fact
from hardenfix.knowledge.versions import Version, VersionRange, after, parse_tag, parse_version

SERVICE_CLASSES = ("data", "api", "worker", "diagnostic")
"""The order in which services matter most: data stores first."""

PROJECT_CONFIGURATION = "project configuration"


class ToolsEntry(NamedTuple):
    """Programs on the image's PATH (`ships`) and programs known to be absent
    (`lacks`), for a range of versions and one variant."""

    ships: frozenset[str]
    lacks: frozenset[str]
    variant: tuple[str, ...]
    versions: VersionRange
    source: str
    closed: bool = False
    """Every program not in `ships` is absent: the project described its whole image."""

    def says(self, tool: str) -> bool | None:
        if tool in self.ships:
            return True
        if tool in self.lacks or self.closed:
            return False
        return None


class OwnHealthcheck(NamedTuple):
    """A `HEALTHCHECK` the image itself declares, for a range of versions and one variant:
    a service running it reports its health without Compose's help."""

    instruction: str
    """The instruction as the image's Dockerfile writes it."""
    variant: tuple[str, ...]
    versions: VersionRange
    source: str


class CommandOption(NamedTuple):
    """A command-line option a probe needs the service's server to run with, such as
    NATS's monitoring port (`-m 8222`): without it the probed endpoint does not exist."""

    names: tuple[str, ...]
    value: str
    by_default: bool
    """The image's own command sets it: a service that overrides neither `command` nor
    `entrypoint` has it."""
    config_options: tuple[str, ...]
    """Options that load a configuration file, which may set it where hardenfix cannot see."""
    why: str
    go_flags: bool = False
    """The server reads its options with Go's `flag` package: `-http_port`, `--http_port`
    and `--http_port=8222` are one option (`probes.go_flags`)."""

    def set_in(self, words: Sequence[str] | None) -> bool | None:
        """Whether a server started with `words` (its entrypoint and command; None when
        the service overrides neither) runs with the option, as the last time its command
        gives it says: None when a configuration file it loads may decide."""
        if words is None:
            return self.by_default
        options = probes.go_flags(words) if self.go_flags else _options(words)
        names, config_options = self._spelled(self.names), self._spelled(self.config_options)
        given = [value for name, value in options if name in names]
        if given and given[-1] == self.value:
            return True
        if any(name in config_options for name, _ in options):
            return None
        return False

    def _spelled(self, names: Sequence[str]) -> set[str]:
        """`names` as `set_in` reads options from a command."""
        return {probes.go_flag_name(name) or name for name in names} if self.go_flags else set(names)

    def __str__(self) -> str:
        return f"{self.names[0]} {self.value}"


def _options(words: Sequence[str]) -> list[tuple[str, str]]:
    """Each word of `words` as an option's name and its value: joined by `=`, else the next word."""
    options = []
    for index, word in enumerate(words):
        name, equals, value = word.partition("=")
        options.append((name, value if equals else (words[index + 1] if index + 1 < len(words) else "")))
    return options


def _joined_short_option(word: str, moved_by: frozenset[str]) -> bool:
    """Whether a word is a one-letter option of `moved_by` with its value attached (`-p5433`,
    `-k/tmp`), or one whose attached value names a setting of `moved_by` (`-cport=5433`,
    postgres's `-c port=5433` written as one word)."""
    if len(word) <= 2 or not word.startswith("-") or word.startswith("--"):
        return False
    return (word[:2] in moved_by and not word[2].isalpha()) or word[2:].partition("=")[0] in moved_by


class ServerCommand(NamedTuple):
    """How a container of the image comes to run its server, the process its standard
    probes check (`[image.server]` in `images.toml`)."""

    programs: frozenset[str]
    """Programs that are the server (the image's `CMD`: `postgres`)."""
    entrypoint: frozenset[str]
    """The image's own entrypoint script, as its `ENTRYPOINT` names it and where it lies
    (`docker-entrypoint.sh`, `/usr/local/bin/docker-entrypoint.sh`)."""
    options: str | None
    """A first argument starting with this (`-`) is passed to the server by the image's
    entrypoint (`set -- postgres "$@"`); None when it is not."""
    config_suffix: str | None
    """A first argument ending in this (`.conf`) is too."""
    source: str
    moved_by: frozenset[str] = frozenset()
    """Options that move what the image's probes check (`-p`, `--port`; `port` of
    `-c port=5433`): the probes ask the default."""
    moved_by_variables: tuple[str, ...] = ()
    """Environment variables that do (`MEILI_HTTP_ADDR`), the one that moves the port first:
    an `env_file` hardenfix cannot read may set any of them."""
    configuration: frozenset[str] = frozenset()
    """Folders and files the server reads its settings from at every start
    (`/usr/share/elasticsearch/config`): one mounted there, or over the folder that holds
    them, may move what the probes check, or secure it (MinIO serves HTTPS alone once
    `/root/.minio/certs` holds a certificate)."""
    config_options: frozenset[str] = frozenset()
    """Options that load a configuration file (`-config.file`): one outside `configuration`
    (the image's own files, unless a mount replaces them) may move what the probes check."""

    def moved(self, words: Sequence[str], environment: Iterable[str]) -> str | None:
        """The option among `words` (a shell's script read for its commands' words), the
        configuration file (`redis.conf`, `-config.file=/etc/tempo.yaml`), or the variable
        among `environment`, that moves or may move what the probes check; None when none does.
        An `env_file` not read may set a variable all the same: see `moved_by_variables`."""
        commands = probes.script_commands(words)
        flat = [word for command in commands for word in command] if commands is not None else list(words)
        for word, (name, path) in zip(flat, _options(flat), strict=True):
            if name in self.config_options:
                if not self.configured_by(posixpath.normpath(path)):
                    return f"{name}={path}"
            elif name in self.moved_by:
                return name
            elif _joined_short_option(word, self.moved_by):
                return word  # `-p5433`, `-k/tmp`, `-cport=5433`: a short option with its value attached
            elif self.config_suffix is not None and word.endswith(self.config_suffix):
                return word
        return next((name for name in environment if name in self.moved_by_variables), None)

    def configured_by(self, target: str) -> bool:
        """Whether a mount at `target` (normalised) puts files where the server reads its
        settings, or hides those the image keeps there (a mount of the folder that holds them)."""
        return any(
            target == path or target.startswith(path.rstrip("/") + "/") or path.startswith(target.rstrip("/") + "/")
            for path in self.configuration
        )

    def loads_configuration(self, moved: str) -> bool:
        """Whether `moved` (as `moved` gives it) is a configuration file the server loads, whose
        settings (a port, a socket, an address to bind) are not read here."""
        return moved.partition("=")[0] in self.config_options or (
            self.config_suffix is not None and moved.endswith(self.config_suffix)
        )

    def runs(
        self, entrypoint: Sequence[str] | None, command: Sequence[str] | None, ships: Callable[[str], bool]
    ) -> bool | None:
        """Whether a container started with `entrypoint` (None: the image's own) and
        `command` (None: the image's own) runs the server, past wrappers (`tini --`,
        `gosu postgres`, `env A=b`): False when it runs another program the image ships
        instead (`psql`, as `ships` tells); None when that cannot be told (another program,
        a script file, a shell script in which no command starts it)."""
        if entrypoint is None and not command:
            return True
        words = probes.innermost([*entrypoint, *(command or ())] if entrypoint is not None else list(command or ()))
        if not words:
            return None
        program = posixpath.basename(words[0])
        if program in self.programs or (entrypoint is None and self._passed_on(words[0])):
            return True
        if words[0] in self.entrypoint:  # the image's entrypoint, named again
            return self.runs(None, words[1:], ships)
        commands = probes.script_commands(words)
        if commands is not None:  # a shell: one of its script's commands may start the server
            return True if any(self.runs([], command, ships) for command in commands) else None
        if program in probes.SHELLS:
            return None  # a script file, which is not read here
        return False if ships(program) else None

    def _passed_on(self, argument: str) -> bool:
        """Whether the image's entrypoint passes a command starting with `argument` to the server."""
        return (self.options is not None and argument.startswith(self.options)) or (
            self.config_suffix is not None and argument.endswith(self.config_suffix)
        )


class StandardProbe(NamedTuple):
    """A healthcheck `test` known to work for the image, and what it needs."""

    test: tuple[str, ...]
    versions: VersionRange
    needs: tuple[CommandOption, ...]
    source: str

    @property
    def tools(self) -> tuple[str, ...]:
        """Programs the probe runs: its program, and a shell for `CMD-SHELL`."""
        if self.test[0] == "CMD-SHELL":
            words = shlex.split(self.test[1]) if len(self.test) > 1 else []
            return ("sh", posixpath.basename(words[0])) if words else ("sh",)
        return (posixpath.basename(self.test[1]),) if len(self.test) > 1 else ()


class ImageFacts(NamedTuple):
    repository: str
    service_class: str
    """data, api, worker or diagnostic."""
    source: str
    tools: tuple[ToolsEntry, ...] = ()
    probes: tuple[StandardProbe, ...] = ()
    """Standard probes, preferred first."""
    own_healthchecks: tuple[OwnHealthcheck, ...] = ()
    distro: str | None = None
    """The distribution the default variant is built on (debian, ubuntu, alpine, oracle,
    scratch): a tag word naming it (`bookworm`, `focal`) leaves the variant unchanged."""
    release_parts: int = 3
    """How many numbers a release's version has (`10.6.4`: 3); a tag with fewer floats."""
    checked: Version | None = None
    """The newest release whose files the facts were read from; None for facts that hold
    for every tag (a project's description of its own image)."""
    neutral: frozenset[str] = frozenset()
    """Variant words that change none of these facts (`perl`, `management`); one ending in
    `*` stands for every word it begins (`vectorchord*`: `vectorchord0.4.3`)."""
    server: ServerCommand | None = None
    """How a container comes to run its server; None when the table does not say."""
    strict_variants: bool = True
    """A tag with a variant word the facts do not name has no facts; otherwise (a
    project's own image) the entry with most of the tag's words applies."""
    leading_variants: frozenset[str] = frozenset()
    """Variant words the image's tags write before the version (`alpine` of Zabbix's
    `alpine-7.0-latest`)."""

    def for_tag(self, tag: str | None) -> TagFacts:
        parsed = parse_tag(tag or "latest", self.leading_variants)
        version = parsed.version(self.release_parts)
        guess = None
        name = _name(self.repository, tag)
        if self.checked is not None:
            if version is None:
                guess = f"`{name}` names no version: assumed to be {self.checked}, the newest one known"
                version = self.checked
            elif after(version, self.checked):
                guess = f"`{name}` is newer than the releases hardenfix knows: assumed to be like {self.checked}"
                version = self.checked
        words = tuple(sorted(word for word in parsed.variant if not self._neutral(word) and word != self.distro))
        return TagFacts(self, tag, version, guess, words)

    def _neutral(self, word: str) -> bool:
        return word in self.neutral or any(
            neutral.endswith("*") and word.startswith(neutral[:-1]) for neutral in self.neutral
        )


_Entry = TypeVar("_Entry", ToolsEntry, OwnHealthcheck)


class TagFacts:
    """An image's facts for one tag."""

    __slots__ = ("_entries", "built", "guess", "image", "listed", "tag", "variant", "version")

    image: ImageFacts
    tag: str | None
    version: Version | None
    """The version facts are read for (the assumed one when `guess` says so)."""
    guess: str | None
    variant: tuple[str, ...]
    built: BuiltTools | None
    """What the build of a Dockerfile stage adds to and removes from the image, if any."""
    listed: Listing | None
    """Every program on the image's PATH, as its registry lists it (`--online`): it beats
    the table's entries."""
    _entries: tuple[ToolsEntry, ...]

    def __init__(
        self,
        image: ImageFacts,
        tag: str | None,
        version: Version | None,
        guess: str | None,
        variant: tuple[str, ...],
        built: BuiltTools | None = None,
        listed: Listing | None = None,
    ) -> None:
        self.image = image
        self.tag = tag
        self.version = version
        self.guess = guess
        self.variant = variant
        self.built = built
        self.listed = listed
        self._entries = tuple(self._matching(image.tools))

    def _matching(self, entries: Sequence[_Entry]) -> Iterator[_Entry]:
        """The entries for this tag's version and variant."""
        in_range = [entry for entry in entries if self._in_range(entry.versions)]
        if self.image.strict_variants:
            yield from (entry for entry in in_range if entry.variant == self.variant)
            return
        fitting = [entry for entry in in_range if set(entry.variant) <= set(self.variant)]
        best = max((len(entry.variant) for entry in fitting), default=0)
        yield from (entry for entry in fitting if len(entry.variant) == best)

    def _in_range(self, versions: VersionRange) -> bool:
        if versions.since is None and versions.until is None:
            return True
        return self.version is not None and versions.holds(self.version)

    @property
    def name(self) -> str:
        return _name(self.image.repository, self.tag)

    def tool(self, name: str) -> Fact[bool] | None:
        """Whether the program is on the image's PATH; None when that is not known."""
        built = self.built
        if built is not None and name in built.installed:
            return Fact(True, built.installed[name])
        if built is not None and name in built.removed:
            return Fact(False, built.removed[name])
        if self.listed is not None:
            if name in self.listed.names:
                return Fact(True, self.listed.source)
            return None if built is not None and built.may_add(name) else Fact(False, self.listed.source)
        stated = [(value, entry.source) for entry in self._entries if (value := entry.says(name)) is not None]
        if len({value for value, _ in stated}) != 1:
            return None  # not stated, or stated both ways
        value, source = stated[0]
        if not value and built is not None and built.may_add(name):
            return None
        return Fact(value, source, self.guess)

    def _ships(self, name: str) -> bool:
        fact = self.tool(name)
        return fact is not None and fact.value

    def present(self, names: Sequence[str]) -> frozenset[str]:
        """The programs among `names` that are on the image's PATH, known or assumed."""
        return frozenset(name for name in names if (fact := self.tool(name)) is not None and fact.value)

    def own_healthcheck(self) -> Fact[str] | None:
        """The `HEALTHCHECK` the image declares itself, for this tag; None when none is known."""
        declared = next(self._matching(self.image.own_healthchecks), None)
        return Fact(declared.instruction, declared.source, self.guess) if declared is not None else None

    def probes(self) -> Iterator[StandardProbe]:
        """The standard probes for this version, preferred first."""
        return (probe for probe in self.image.probes if self._in_range(probe.versions))

    def runs_server(self, entrypoint: Sequence[str] | None, command: Sequence[str] | None) -> bool | None:
        """Whether a container started with `entrypoint` and `command` (None: the image's
        own) runs the image's server, which its standard probes check: None when the table
        does not say how the image starts it, and the command is neither the image's own
        nor (through its entrypoint) options, which such entrypoints pass to the server."""
        if self.image.server is not None:
            return self.image.server.runs(entrypoint, command, self._ships)
        if entrypoint is None and (not command or command[0].startswith("-")):
            return True
        return None

    def standard_probe(self, command: Sequence[str] | None) -> ProbeChoice | None:
        """The preferred standard probe whose programs the image ships, for a service whose
        server runs with `command` (its entrypoint and command words; None when it sets
        neither): one whose needs the command meets, else the first one, with what it lacks."""
        usable = []
        for probe in self.probes():
            facts = [self.tool(tool) for tool in probe.tools]
            if not all(fact is not None and fact.value for fact in facts):
                continue
            guesses = tuple(dict.fromkeys(fact.guess for fact in facts if fact is not None and fact.guess))
            needs = {need: need.set_in(command) for need in probe.needs}
            choice = ProbeChoice(probe, guesses, tuple(need for need, met in needs.items() if met is not True))
            if not choice.unmet:
                return choice
            usable.append(choice)
        return usable[0] if usable else None

    def assuming(self, guess: str | None) -> TagFacts:
        """With `guess` added to what its facts assume (None: as it is)."""
        if guess is None:
            return self
        assumed = f"{self.guess}; {guess}" if self.guess else guess
        return TagFacts(self.image, self.tag, self.version, assumed, self.variant, self.built, self.listed)

    def with_build(self, built: BuiltTools) -> TagFacts:
        return TagFacts(self.image, self.tag, self.version, self.guess, self.variant, built, self.listed)

    def with_listing(self, listed: Listing) -> TagFacts:
        return TagFacts(self.image, self.tag, self.version, self.guess, self.variant, self.built, listed)

    def entries(self) -> tuple[ToolsEntry, ...]:
        """The table's entries for this tag's version and variant."""
        return self._entries


class Listing(NamedTuple):
    """The names on an image's PATH, read from its layers, and where they were read."""

    names: frozenset[str]
    source: str
    """`registry: postgres:latest@sha256:...`."""


class BuiltTools:
    """What a Dockerfile stage's build does to the programs of its base image."""

    __slots__ = ("installed", "installs_unread", "mentioned", "removed")

    installed: Mapping[str, str]
    """Programs it adds (`RUN apt-get install curl`, a `COPY --from` onto the PATH), and where."""
    removed: Mapping[str, str]
    """Programs it removes again (`apt-get purge curl`, `apk del .build-deps`), and where."""
    mentioned: frozenset[str]
    """Words its `RUN`, `COPY` and `ADD` instructions name: it may add a program in ways
    hardenfix does not read (a `COPY` of a binary, a script), so the absence of one of
    these is not known."""
    installs_unread: str | None
    """Where it installs packages hardenfix cannot name (a list `xargs` reads from a file, a
    script it runs): then the absence of any program is not known."""

    def __init__(
        self,
        installed: Mapping[str, str],
        removed: Mapping[str, str],
        mentioned: frozenset[str],
        installs_unread: str | None = None,
    ) -> None:
        self.installed = installed
        self.removed = removed
        self.mentioned = mentioned
        self.installs_unread = installs_unread

    def may_add(self, name: str) -> bool:
        """Whether the build may put `name` on the PATH in a way hardenfix does not read."""
        return name in self.mentioned or self.installs_unread is not None


def _name(repository: str, tag: str | None) -> str:
    return f"{repository}:{tag}" if tag else repository


class ProbeChoice(NamedTuple):
    probe: StandardProbe
    guesses: tuple[str, ...]
    """What is assumed, not known, about the programs it runs."""
    unmet: tuple[CommandOption, ...]
    """What it needs that the service's command does not set (or may not: a configuration
    file it loads decides)."""


def load_image(repository: str, table: dict[str, Any]) -> ImageFacts:
    """Facts from one entry of the built-in `images.toml` (see its header)."""
    _check_keys(repository, table, _IMAGE_KEYS)
    tools = []
    for entry in table.get("tools", ()):
        _check_keys(repository, entry, _TOOLS_KEYS)
        tools.append(
            ToolsEntry(
                ships=frozenset(entry.get("ships", ())),
                lacks=frozenset(entry.get("lacks", ())),
                variant=_variant(entry),
                versions=VersionRange.parse(entry),
                source=entry["source"],
            )
        )
    probes = []
    for entry in table.get("probes", ()):
        _check_keys(repository, entry, _PROBE_KEYS)
        needs = tuple(
            CommandOption(
                names=tuple(need["option"]),
                value=need["value"],
                by_default=need.get("by-default", False),
                config_options=tuple(need.get("config-options", ())),
                why=need["why"],
                go_flags=need.get("go-flags", False),
            )
            for need in entry.get("needs", ())
        )
        probes.append(StandardProbe(tuple(entry["test"]), VersionRange.parse(entry), needs, entry["source"]))
    server = None
    if "server" in table:
        entry = table["server"]
        _check_keys(repository, entry, _SERVER_KEYS)
        server = ServerCommand(
            frozenset(entry["programs"]),
            frozenset(entry.get("entrypoint", ())),
            entry.get("options"),
            entry.get("config-suffix"),
            entry["source"],
            frozenset(entry.get("moved-by", ())),
            tuple(entry.get("moved-by-variables", ())),
            frozenset(entry.get("configuration", ())),
            frozenset(entry.get("config-options", ())),
        )
    own_healthchecks = []
    for entry in table.get("own-healthcheck", ()):
        _check_keys(repository, entry, _OWN_HEALTHCHECK_KEYS)
        own_healthchecks.append(
            OwnHealthcheck(entry["instruction"], _variant(entry), VersionRange.parse(entry), entry["source"])
        )
    return ImageFacts(
        repository=repository,
        service_class=table["class"],
        source=table["source"],
        tools=tuple(tools),
        probes=tuple(probes),
        own_healthchecks=tuple(own_healthchecks),
        server=server,
        distro=table.get("distro"),
        release_parts=table.get("release-parts", 3),
        checked=parse_version(table["checked"]) if "checked" in table else None,
        neutral=frozenset(table.get("neutral-variants", ())),
        leading_variants=frozenset(table.get("leading-variants", ())),
    )


def project_image(repository: str, table: dict[str, Any]) -> ImageFacts:
    """Facts from a project's `[images."repository"]` table: the whole list of probe tools
    its image ships (any other is missing), for every tag, and its standard probe."""
    source = table.get("source", PROJECT_CONFIGURATION)
    everywhere = VersionRange()
    tools = [ToolsEntry(frozenset(table.get("tools", ())), frozenset(), (), everywhere, source, closed=True)]
    tools += [
        ToolsEntry(frozenset(names), frozenset(), (marker,), everywhere, source, closed=True)
        for marker, names in table.get("variants", {}).items()
    ]
    healthcheck = table.get("healthcheck")
    probes = (StandardProbe(tuple(healthcheck), everywhere, (), source),) if healthcheck else ()
    return ImageFacts(
        repository=repository,
        service_class=table.get("class", "api"),
        source=source,
        tools=tuple(tools),
        probes=probes,
        strict_variants=False,
    )


_IMAGE_KEYS = {
    *("class", "source", "distro", "release-parts", "checked", "neutral-variants", "aliases", "tools", "probes"),
    *("own-healthcheck", "server", "leading-variants"),
}
_SERVER_KEYS = {
    *("programs", "entrypoint", "options", "config-suffix", "moved-by", "moved-by-variables", "configuration"),
    *("config-options", "source", "why"),
}
_TOOLS_KEYS = {"ships", "lacks", "variant", "since", "until", "source", "why"}
_PROBE_KEYS = {"test", "since", "until", "needs", "source"}
_OWN_HEALTHCHECK_KEYS = {"instruction", "variant", "since", "until", "source"}


def _variant(entry: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(entry["variant"].split("-"))) if entry.get("variant") else ()


def _check_keys(repository: str, table: dict[str, Any], allowed: set[str]) -> None:
    unknown = set(table) - allowed
    if unknown:
        raise ValueError(f"images.toml [{repository!r}]: unknown keys {sorted(unknown)}")
