"""Docker Compose files: locate nodes with ruamel.yaml, edit the original text.

ruamel.yaml *composes* the document into nodes that carry their start and end
offsets; nothing is ever dumped back out. A file of several YAML documents is read
as Compose reads it (compose-go loads each document as a file of its own and merges
it over the ones before, as `-f a.yaml -f b.yaml` would): it gives one
`ComposeDocument` per YAML document, whose offsets are into the whole file. Aliases compose to the very node they
refer to, so a node reached through `*name` reports the offsets of its anchor:
the helpers here tell the two apart by position, because an alias always comes
after its anchor.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, StreamMark, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver

from hardenfix import probes, regexes
from hardenfix.discovery import may_name_compose_file
from hardenfix.model import Edit, MergedByInclude, may_name_one_image
from hardenfix.sources import ParseError
from hardenfix.sources.envfile import EnvEntry, EnvFileError, env_file_entries
from hardenfix.sources.text import SourceText, cached_by_text, line_number
from hardenfix.sources.yaml_scalar import value_origins

if TYPE_CHECKING:
    from hardenfix.sources.dockerfile import DockerfileDocument

MERGE_KEY = "<<"
T = TypeVar("T")
_ALIAS = regexes.lazy(r"\*[^\s,\[\]{}]+")
_TRUE = frozenset({"true", "yes", "on"})
_FLOW_SEPARATOR = regexes.lazy(r"[ \t]*,[ \t\r\n]*")
_COMMENTED_LINE_END = regexes.lazy(r"[ \t]*(,?)[ \t]+#[^\r\n]*")
"""What follows a flow collection's last entry on its line when a comment ends that line: the
comma after the entry, if any, then the comment."""
_STYLE_NEUTRAL = regexes.lazy(r"[A-Za-z0-9 -]*")


YamlValue = str | Sequence["YamlValue"] | Mapping[str, "YamlValue"]
"""A value to insert: a scalar already written as YAML, or a list or mapping of them."""


def render_flow(value: YamlValue) -> str:
    if isinstance(value, str):
        return _flow_scalar(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{key}: {render_flow(item)}" for key, item in value.items()) + "}"
    return "[" + ", ".join(render_flow(item) for item in value) + "]"


def _flow_scalar(value: str) -> str:
    """A scalar as it may stand inside `[...]` or `{...}`, where `,[]{}` end a plain scalar."""
    if value[:1] in ("'", '"') or not any(char in value for char in ",[]{}"):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_block_entry(key: str, value: YamlValue, indent: str, step: int) -> list[str]:
    """Lines of `key: value` in block style; lists of scalars stay in flow style (`[gpu]`)."""
    if isinstance(value, str):
        return [f"{indent}{key}: {value}"]
    if not isinstance(value, Mapping) and all(isinstance(item, str) for item in value):
        return [f"{indent}{key}: {render_flow(value)}"]
    deeper = indent + " " * step
    lines = [f"{indent}{key}:"]
    if isinstance(value, Mapping):
        for child_key, child in value.items():
            lines.extend(render_block_entry(child_key, child, deeper, step))
        return lines
    for item in value:
        lines.extend(render_block_item(item, deeper, step))
    return lines


def render_block_item(item: YamlValue, indent: str, step: int) -> list[str]:
    """Lines of one `- item` of a block sequence whose dashes stand at `indent`."""
    if not isinstance(item, Mapping):
        return [f"{indent}- {item if isinstance(item, str) else render_flow(item)}"]
    lines = [line for key, child in item.items() for line in render_block_entry(key, child, indent + "  ", step)]
    lines[0] = f"{indent}- {lines[0].lstrip()}"
    return lines


class Entry(NamedTuple):
    """A mapping entry as written: its key node, its value node, and the mapping holding it."""

    key: ScalarNode
    value: Node
    owner: MappingNode


class Variable(NamedTuple):
    """One entry of a service's `environment`: `NAME: value` or `- NAME=value`."""

    name: str
    value: str | None
    """As written after the name, before interpolation; None when the container takes the
    value from the shell that runs Compose (`- NAME` alone, or `NAME:` with no value)."""
    node: ScalarNode
    """The scalar holding the value: the mapping's value, or the whole `NAME=value` item."""


class Mount(NamedTuple):
    """A path of a service's container that its `volumes` bind to the host."""

    target: str
    """The path in the container, normalised (`/app`)."""
    source: str | None
    """The file or folder of this checkout bound there, as written, relative to the Compose
    file's folder (`./src`, `..`, `src` in the long syntax); None for a path of the host
    that runs it (absolute, in a home folder) or one interpolated: not known here."""
    written: str = ""
    """The source as written, variables and all (`${CONFIG_PATH:-./config.yml}`)."""


def _command_words(node: Node) -> list[str] | None:
    """A `command`'s words: list items, or a string split as Compose splits it (shell
    quoting, no expansion); None when it has none."""
    if is_null(node):
        return None
    if isinstance(node, SequenceNode):
        return [str(item.value) for item in node.value if isinstance(item, ScalarNode)]
    if not isinstance(node, ScalarNode):
        return None
    return [word.value for word in probes.shell_words(str(node.value)) if isinstance(word, probes.ShellWord)]


_WHAT_RUNS = ("image", "build", "provider")
"""The keys that say what a service runs, one of which Compose requires of each service it starts."""


class Service:
    name: str
    key: ScalarNode
    node: MappingNode
    base: Service | None
    """The service this one `extends` in the same file."""
    extends_other_file: bool
    """It `extends` a service in another file, which hardenfix does not read."""
    in_other_documents: bool
    """Another document of the file defines it too: Compose merges the two."""

    _found: dict[str, Entry | None]
    """What `get` found, by key: rules ask for the same keys of every service, again and again."""

    def __init__(self, name: str, key: ScalarNode, node: MappingNode) -> None:
        self.name = name
        self.key = key
        self.node = node
        self.base = None
        self.extends_other_file = False
        self.in_other_documents = False
        self._found = {}

    def get(self, key: str) -> Entry | None:
        """The entry Compose would use: written here, merged with `<<`, or inherited through `extends`."""
        if key not in self._found:
            self._found[key] = next(
                (found for service in self.lineage() if (found := lookup(service.node, key)) is not None), None
            )
        return self._found[key]

    def lineage(self) -> list[Service]:
        """This service, then those it `extends` in the same file, nearest first."""
        chain: list[Service] = []
        service: Service | None = self
        while service is not None and len(chain) < 32:  # an extends cycle is Compose's to report
            chain.append(service)
            service = service.base
        return chain

    @cached_property
    def profiles(self) -> tuple[str, ...]:
        """The profiles that enable the service, as written; none when it always runs. The
        empty name is the profile Compose chooses when none is: graphiti's `profiles: [""]`
        starts with `docker compose up` but not with `--profile falkordb`, and dify's default
        vector store (`profiles: ["", weaviate]`) not when `COMPOSE_PROFILES` picks another
        (compose-go's `HasProfile`: no profile, or one of those chosen)."""
        entry = self.get("profiles")
        if entry is None or not isinstance(entry.value, SequenceNode):
            return ()
        return tuple(str(item.value) for item in entry.value.value if isinstance(item, ScalarNode))

    @property
    def starts_without_a_profile(self) -> bool:
        """`docker compose up` starts it: it names no profile, or the empty one."""
        return not self.profiles or "" in self.profiles

    @property
    def is_fragment(self) -> bool:
        """It names neither an image, a build nor a provider, here or in what it extends in the
        file, none of which extends another file's service, and no other document of the file
        adds to it: Compose refuses it alone ("has neither an image nor a build context
        specified"), so its file is merged over another that defines the service (`-f
        base.yaml -f this.yaml`). A `provider:` service (Docker Model Runner's `provider:
        {type: model}`) runs no container, and Compose accepts it alone."""
        if self.in_other_documents or any(service.extends_other_file for service in self.lineage()):
            return False
        return all(self.get(key) is None for key in _WHAT_RUNS)

    @property
    def is_complete(self) -> bool:
        """It says what runs (`image` or `build`), and all of it is here, as opposed to a
        fragment an override file (or another document of the file) adds to."""
        if self.extends_other_file or self.in_other_documents:
            return False
        return self.get("image") is not None or self.get("build") is not None

    def extended_file(self) -> str | None:
        """The other file whose service this one, or one it extends in this file, extends, as
        written (`extends: {file: common/base.yaml, service: worker}`)."""
        for service in self.lineage():
            extends = lookup(service.node, "extends") if service.extends_other_file else None
            if extends is not None and isinstance(extends.value, MappingNode):
                file = lookup(extends.value, "file")
                if file is not None and isinstance(file.value, ScalarNode):
                    return str(file.value.value)
        return None

    def image(self) -> str | None:
        entry = self.get("image")
        return str(entry.value.value) if entry is not None and isinstance(entry.value, ScalarNode) else None

    def environment(self) -> dict[str, Variable]:
        """The variables its `environment` sets, by name, as Compose merges them
        (a mapping's own entries win over those it merges with `<<`)."""
        return dict(self._environment)

    @cached_property
    def _environment(self) -> dict[str, Variable]:
        """Read once: the facts and three rules ask for every service's."""
        entry = self.get("environment")
        return variables_of(entry.value) if entry is not None else {}

    def bind_mounts(self) -> list[Mount]:
        """Its `volumes` that bind a host path (`./src:/app:ro`, or `type: bind` with `source`
        and `target`), one per target: through `extends`, Compose merges the lists by target,
        the extending service's entry winning. Named and anonymous volumes are left out:
        Docker fills them with what the image holds there."""
        by_target: dict[str, Mount | None] = {}
        for service in reversed(self.lineage()):
            entry = lookup(service.node, "volumes")
            if entry is not None and isinstance(entry.value, SequenceNode):
                for item in entry.value.value:
                    target, mount, _ = _mount(item)
                    if target is not None:
                        by_target[target] = mount
        return [mount for mount in by_target.values() if mount is not None]

    def foreign_paths(self, named_volumes: bool = True) -> list[str]:
        """The container paths that may hold files the image does not: its bind mounts, its
        `configs` and `secrets`, and with `named_volumes` its named volumes (an init service
        or an operator may have filled one; Docker copies the image's files only into an
        empty one, and most hold data). Anonymous volumes start with the image's files;
        another service's volumes (`volumes_from`) are its own to tell."""
        paths: dict[str, None] = {}
        for service in reversed(self.lineage()):
            for key, folder in (("volumes", None), ("configs", "/"), ("secrets", "/run/secrets/")):
                entry = lookup(service.node, key)
                if entry is None or not isinstance(entry.value, SequenceNode):
                    continue
                for item in entry.value.value:
                    target = _mount_target(item, named_volumes) if folder is None else _file_target(item, folder)
                    if target is not None:
                        paths[target] = None
        return list(paths)

    def command_words(self, key: str = "command") -> list[str] | None:
        """The words of its `command` (or `entrypoint`): list items, or a string split as
        Compose splits it (shell quoting, no expansion); None when it has none."""
        entry = self.get(key)
        return None if entry is None else _command_words(entry.value)

    def hook_commands(self) -> list[list[str]]:
        """The words of each command its `post_start` hooks run in the container once it
        starts (Compose 2.30's lifecycle hooks), as `command_words` splits them."""
        entry = self.get("post_start")
        if entry is None or not isinstance(entry.value, SequenceNode):
            return []
        hooks = [lookup(hook, "command") for hook in entry.value.value if isinstance(hook, MappingNode)]
        return [words for hook in hooks if hook is not None and (words := _command_words(hook.value)) is not None]

    def command_line(self) -> list[str] | None:
        """What the service's container runs: its `entrypoint` and `command` words; None
        when it overrides neither, so the image's own command runs."""
        entrypoint, command = self.command_words("entrypoint"), self.command_words("command")
        if entrypoint is None and command is None:
            return None
        return [*(entrypoint or ()), *(command or ())]

    @cached_property
    def healthcheck_keys(self) -> frozenset[str]:
        """Every key of its healthcheck as Compose resolves it: written or merged with `<<`,
        and inherited from the healthchecks of the services it `extends` in the same file,
        which Compose merges into its own key by key."""
        keys: set[str] = set()
        for service in self.lineage():
            entry = lookup(service.node, "healthcheck")
            if entry is not None and isinstance(entry.value, MappingNode):
                keys |= effective_keys(entry.value)
        return frozenset(keys)

    def active_healthcheck(self) -> Entry | None:
        """The `healthcheck` entry when it is a mapping that runs a probe
        (has a `test`, is not `disable: true`, is not `test: ["NONE"]`)."""
        return self._active_healthcheck

    @cached_property
    def _active_healthcheck(self) -> Entry | None:
        entry = self.get("healthcheck")
        if entry is None or not isinstance(entry.value, MappingNode):
            return None
        disable = lookup(entry.value, "disable")
        if disable is not None and is_true(disable.value):
            return None
        test = lookup(entry.value, "test")
        if test is None:
            return None
        probe = test.value
        if isinstance(probe, SequenceNode):
            if not probe.value or (isinstance(probe.value[0], ScalarNode) and probe.value[0].value == "NONE"):
                return None
        elif not (isinstance(probe, ScalarNode) and str(probe.value).strip()):
            return None
        return entry


_SETS_AN_IMAGE = regexes.lazy(r"(?m)^[ \t]+image:")
_INDENTED_KEY = regexes.lazy(r"(?m)^[ \t]+['\"]?([^\s'\":#][^'\":#\r\n]*?)['\"]?[ \t]*:(?:[ \t]|$)")
"""A key written indented, on one line: a list item before it (`- backend`) is none of it."""
_NODE_PROPERTIES = regexes.lazy(r"(?:[&!][^\s,\[\]{}]*\s+)+")
"""A node's anchor and tag (`&url `, `!!str `, `!reset &a `), and the blanks after them."""
_LEGACY_FORMAT_VERSION = regexes.lazy(r"([23])(?:\.(\d+))?")
GPU_RESERVATION_KEY = "deploy.resources.reservations.devices"
_LEGACY_FORMAT_KEYS_SINCE: dict[str, dict[int, int]] = {
    "healthcheck": {2: 1, 3: 0},
    "start_period": {2: 3, 3: 4},
    GPU_RESERVATION_KEY: {},
}
"""The first minor version of each legacy file format (2.x, 3.x) whose schema has a key; a
format missing from a key's table has it in no version. docker-compose 1.16.0's release notes
add `start_period` in 2.3 and 3.4, and its file format reference gives `healthcheck` to 2.1
and 3.0. No legacy schema has device reservations: docker/compose 1.29's
config_schema_v2.4.json has no `deploy` at all, and its config_schema_v3.9.json, like
docker/cli's config_schema_v3.14.json (`docker stack deploy`), reserves only `cpus`,
`memory` and `generic_resources`, refusing any other key."""


OVERRIDE_MERGES = "this override file's keys are merged into the base file's service, which may set it"
"""Why a key written into an override file may replace a value the base file sets."""


def merged_from_elsewhere(document: ComposeDocument, service: Service) -> str | None:
    """Why a key written into the service may replace a value Compose merges into it from
    elsewhere: it is in an override file, or it is a fragment of a service defined in
    another file (it extends one, or names neither an image nor a build: Compose refuses
    it alone, "service has neither an image nor a build context", so `-f` merges it over
    a file that defines it) or in another document of the file, or its file holds such a
    fragment, and is merged over another whole. None when the service is all here."""
    if document.is_named_override:
        return OVERRIDE_MERGES
    if service.extends_other_file:
        return (
            f"service `{service.name}` extends another file's service, whose keys Compose merges with its own "
            "and which may set it"
        )
    if service.in_other_documents:
        return (
            f"another document of the file defines service `{service.name}` too, and Compose merges the two: "
            "that one may set it"
        )
    if not service.is_complete:
        return (
            f"service `{service.name}` names neither an image nor a build: Compose merges its keys into another "
            "file's service (`-f base.yaml -f this.yaml`), which may set it"
        )
    if document.fragment_held is not None:
        return (
            f"service `{document.fragment_held}` of this file names neither an image nor a build: Compose merges "
            f"the file over another (`-f base.yaml -f this.yaml`), whose service `{service.name}` may set it"
        )
    return None


class _OtherService(NamedTuple):
    """A service of another Compose file of the folder, as the rules that read those files need it."""

    name: str
    complete: bool
    """It names an image, a build or `extends`: Compose accepts it alone."""
    extends: tuple[str, str] | None
    """The file and service of its `extends: {file: ..., service: ...}`, as written."""


_MAY_HOLD_SERVICES = regexes.lazy(
    r"""(?<![^\s{\[,"'])services["']?\s*:"""  # `services:`, `"services" :`, `{services: ...}`
    r"""|(?<![^\s{\[,])\?\s+(?:!\S*\s+)?["']?services\b"""  # `? services` (an explicit key)
    r"""|&\S+\s+["']?services\b"""  # `&name services`, an anchor an alias key (`*name :`) repeats
)
"""Every way YAML text may write a `services` key; a text where none is found holds none,
and is not parsed: an OpenAPI description beside the Compose files (coolify's 480 KB
`openapi.yaml`, whose `/services:` path is no such key) took longer to parse than the
Compose file took to check."""


@cached_by_text
def _other_services(text: str) -> tuple[_OtherService, ...]:
    """The services of another Compose file's text, parsed once for every rule that reads
    it; none in a text that is no Compose file."""
    if not _MAY_HOLD_SERVICES.search(text):
        return ()
    try:
        document = ComposeDocument.parse(text, empty_allowed=True)
    except ParseError:
        return ()
    found = []
    for part in document.documents:
        for service in part.services():
            extends = lookup(service.node, "extends")
            file = target = None
            if extends is not None and isinstance(extends.value, MappingNode):
                file, target = lookup(extends.value, "file"), lookup(extends.value, "service")
            named = (
                (str(file.value.value), str(target.value.value))
                if file is not None
                and target is not None
                and isinstance(file.value, ScalarNode)
                and isinstance(target.value, ScalarNode)
                else None
            )
            complete = any(lookup(service.node, key) is not None for key in (*_WHAT_RUNS, "extends"))
            found.append(_OtherService(service.name, complete, named))
    return tuple(found)


def _fragments(text: str) -> set[str]:
    """The services a Compose file's text defines with neither an image, a build nor `extends`,
    which Compose accepts only merged over a file that defines them."""
    services = _other_services(text)
    return {service.name for service in services} - {service.name for service in services if service.complete}


def _services_extended_from(text: str, folder: Path, extended: Path) -> frozenset[str]:
    """The services of `extended` that the Compose file of `folder` whose text this is
    extends; none when it is no Compose file."""
    if "extends" not in text:
        return frozenset()
    return frozenset(
        service.extends[1]
        for service in _other_services(text)
        if service.extends is not None and os.path.normpath(folder / service.extends[0]) == os.path.normpath(extended)
    )


def _include_entries(root: MappingNode) -> Iterator[list[str]]:
    """The paths each entry of a document's `include:` lists, as written: one file, or one
    and the files merged over it (`path: [base.yaml, override.yaml]`)."""
    entry = lookup(root, "include")
    items = entry.value.value if entry is not None and isinstance(entry.value, SequenceNode) else []
    for item in items:
        paths = lookup(item, "path") if isinstance(item, MappingNode) else None
        node = paths.value if paths is not None else item
        # Compose refuses a path that is no string
        yield [
            str(path.value)
            for path in (node.value if isinstance(node, SequenceNode) else [node])
            if isinstance(path, ScalarNode)
        ]


@cached_by_text
def _include_path_lists(text: str) -> tuple[tuple[str, ...], ...]:
    """The `include:` entries of a Compose file's text that merge files over the one they
    include, each as the paths it lists; none in a text that is no Compose file."""
    try:
        document = ComposeDocument.parse(text, empty_allowed=True)
    except ParseError:
        return ()
    return tuple(tuple(paths) for part in document.documents for paths in _include_entries(part.root) if len(paths) > 1)


def _merged_by_entry(paths: Sequence[str], folder: Path) -> Iterator[tuple[str, tuple[str, ...]]]:
    """Each file an `include:` entry of a Compose file in `folder` lists with the files it
    lists after it, which Compose merges over it, as normal absolute paths; a remote or
    interpolated path is not on this disk."""
    local = [os.path.normpath(folder / path) for path in paths if "://" not in path and "$" not in path]
    for index, included in enumerate(local[:-1]):
        yield included, tuple(local[index + 1 :])


def names_an_override(name: str) -> bool:
    """Whether a file name is an override file's (`compose.override.yaml`,
    `docker-compose.override.integration_tests.yml`), merged over a base file."""
    return ".override." in name


def legacy_format_reason(version: str, key: str) -> str:
    """Why writing `key` into a file of a legacy format without it may break the file."""
    return (
        f"the file declares `version: {version}`, whose schema has no `{key}`: "
        "Compose v1 and `docker stack deploy` would refuse it"
    )


class ComposeDocument(SourceText):
    """One YAML document of a Compose file; `parse` gives the first, and `documents` all."""

    merged_by_include: tuple[MergedByInclude, ...] = ()
    """What the `include:`s of the run's other Compose files merge over this one, as the run
    learnt it from them (see `runner._Schedule`); `_included_with_overrides` reads it."""

    def __init__(self, text: str, root: MappingNode) -> None:
        super().__init__(text)
        self.root = root
        self._documents: list[ComposeDocument] = [self]
        self._made_of_other_files: dict[tuple[object, ...], Any] = {}
        """See `made_of_other_files`. Every document of the file shares it, and so does each
        fixpoint pass (`follows`)."""

    @property
    def documents(self) -> list[ComposeDocument]:
        """Every document of the file, in order. They share the text, which their offsets
        point into, the location and the dependencies; rules check them one at a time."""
        return self._documents

    @classmethod
    def parse(cls, text: str, empty_allowed: bool = False) -> ComposeDocument:
        """The file's documents; one without any (comments alone) is refused unless
        `empty_allowed`, and then has an empty mapping for its root."""
        try:
            roots = _compose_all(text)
        except MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            line, column = (mark.line + 1, mark.column + 1) if mark else (None, None)
            raise ParseError(_yaml_error(error, text), line, column) from None
        except YAMLError as error:
            raise ParseError(f"invalid YAML: {_one_line(error)}") from None
        except RecursionError:
            raise ParseError("invalid YAML: nesting is too deep to process") from None
        if not roots or (len(roots) == 1 and _is_empty(roots[0])):
            if not empty_allowed:
                raise ParseError("empty Compose file: no services")
            roots = [MappingNode("tag:yaml.org,2002:map", [], StreamMark(None, 0, 0, 0), StreamMark(None, 0, 0, 0))]
        if len(roots) == 1 and not isinstance(roots[0], MappingNode):
            raise ParseError("not a Compose file: the top level is not a mapping")
        documents = []
        for number, root in enumerate(roots, start=1):
            if not isinstance(root, MappingNode):
                line = line_number(text, root.start_mark.index)
                what = "is empty" if _is_empty(root) else "is not a mapping"
                raise ParseError(f"document {number} (line {line}) {what}, which Compose refuses")
            documents.append(cls(text, root))
        first = documents[0]
        for document in documents:
            document._documents = documents
            document.dependencies = first.dependencies
            document._made_of_other_files = first._made_of_other_files
            document._reject_duplicate_keys()
        return first

    def follows(self, previous: SourceText) -> None:
        assert isinstance(previous, ComposeDocument)
        for document in self.documents:
            document._made_of_other_files = previous._made_of_other_files

    def made_of_other_files(self, key: tuple[object, ...], make: Callable[[], T]) -> T:
        """What `make` makes of files other than this one (a Dockerfile a service builds,
        facts read in a build context), made once for every document of the file and
        every fixpoint pass: `key` says what it is made from."""
        if key not in self._made_of_other_files:
            self._made_of_other_files[key] = make()
        return self._made_of_other_files[key]

    def services(self) -> list[Service]:
        return self._services

    @cached_property
    def merge_sources(self) -> frozenset[int]:
        """The ids of the mappings that another merges with `<<`, anywhere in the document."""
        mappings = (node for node in iter_nodes(self.root) if isinstance(node, MappingNode))
        return frozenset(id(source) for node in mappings for source in merged_mappings(node))

    @cached_property
    def _services(self) -> list[Service]:
        services = {
            str(item.key.value): Service(str(item.key.value), item.key, item.value)
            for item in self._service_entries()
            if isinstance(item.value, MappingNode)
        }
        if len(self.documents) > 1:
            others = [document for document in self.documents if document is not self]
            elsewhere = {str(item.key.value) for other in others for item in other._service_entries()}
            for service in services.values():
                service.in_other_documents = service.name in elsewhere
        for service in services.values():
            extends = lookup(service.node, "extends")
            if extends is None:
                continue
            if isinstance(extends.value, ScalarNode):
                service.base = services.get(str(extends.value.value))
            elif isinstance(extends.value, MappingNode):
                target = lookup(extends.value, "service")
                named = str(target.value.value) if target is not None and isinstance(target.value, ScalarNode) else None
                file = lookup(extends.value, "file")
                if file is not None and not (self._names_this_file(file.value) and named in services):
                    service.extends_other_file = True
                elif named is not None:
                    service.base = services.get(named)
        return list(services.values())

    def _names_this_file(self, file: Node) -> bool:
        """`extends: {file: compose.yaml, service: web}` written in compose.yaml: Compose
        loads the file itself, and the service extends one beside it."""
        if self.location is None or not isinstance(file, ScalarNode) or "$" in str(file.value):
            return False
        return os.path.normpath(self.location.parent / str(file.value)) == os.path.normpath(self.location)

    @cached_property
    def run_to_completion(self) -> frozenset[str]:
        """The services another one waits for to exit (`depends_on` with `condition:
        service_completed_successfully`): jobs such as a migration or a model download,
        which finish rather than serve."""
        awaited = set()
        for service in self.services():
            depends_on = service.get("depends_on")
            if depends_on is None or not isinstance(depends_on.value, MappingNode):
                continue  # a list waits for its services to start
            for dependency in entries(depends_on.value):
                condition = lookup(dependency.value, "condition") if isinstance(dependency.value, MappingNode) else None
                if condition is not None and condition.value.value == "service_completed_successfully":
                    awaited.add(str(dependency.key.value))
        return frozenset(awaited)

    def other_files_of_folder(self) -> list[tuple[str, str]]:
        """The other YAML files of the file's folder, by name, with their text: override files
        merged over it, and files whose services extend its own. What rules find depends on
        the folder and on each of them."""
        location = self.location
        if location is None:
            return []
        return [(path.name, text) for path, text in self._yaml_files_in(location.parent) if path != location]

    def _yaml_files_in(self, folder: Path) -> list[tuple[Path, str]]:
        """The YAML files of a folder with their text, read once for every rule and document
        of the file; this file's own is listed too, and its status is no dependency."""

        def read() -> list[tuple[Path, str]]:
            self.depends_on(folder)
            found = []
            for path in sorted(folder.glob("*.y*ml")):
                if path != self.location:
                    self.depends_on(path)
                try:
                    found.append((path, path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    continue
            return found

        return self.made_of_other_files(("YAML files of the folder", str(folder)), read)

    def run_in_other_images(self) -> str | None:
        """Why this file's services may run in images it does not name: another YAML file of
        the folder extends them (`extends: {file: this file}`) with images of its own, or an
        override file merged over this one sets an `image:`."""
        if self.location is None:
            return None
        naming = re.compile(rf"(?m)^[ \t]*file:[ \t]*['\"]?(?:\./)?{re.escape(self.location.name)}['\"]?[ \t]*$")
        for name, text in self.other_files_of_folder():
            if naming.search(text):
                return f"services of `{name}` extend this file's"
            if names_an_override(name) and _SETS_AN_IMAGE.search(text):
                return f"`{name}`, an override file, sets an image"
        return None

    def override_defining(self, service: Service) -> str | None:
        """The name of a file of the folder that `docker compose` merges over this one unasked
        and that defines the service too, which may set its command, environment or ports: an
        override file (`compose.override.yaml`), or one the folder's `.env` names in
        `COMPOSE_FILE` (`compose.yaml:compose.prod.yaml`)."""
        return next((name for name, keys in self._merged_unasked() if service.name in keys), None)

    def _merged_unasked(self) -> list[tuple[str, frozenset[str]]]:
        """The files `override_defining` looks in, each with the keys it writes indented (its
        services' names among them): those of the folder, and those an `include:` merges over
        this file."""

        def read() -> list[tuple[str, frozenset[str]]]:
            listed = self._compose_file_variable()
            of_folder = [
                (name, text) for name, text in self.other_files_of_folder() if names_an_override(name) or name in listed
            ]
            return [
                (name, frozenset(_INDENTED_KEY.findall(text)))
                for name, text in (*of_folder, *self._included_with_overrides())
            ]

        return self.made_of_other_files(("files merged over it unasked",), read)

    def _included_with_overrides(self) -> list[tuple[str, str]]:
        """The files an `include:` merges over this one, by their path from this file's folder,
        with their text: those its `path` lists after this file (Compose's own example:
        `app/compose.yaml` includes `path: [../commons/compose.yaml, ./commons-override.yaml]`).
        A stack deployed from the including file runs this file's services with what they set.

        The including file is seen when it is one of the run's Compose files, anywhere (the
        run learns what every one of them includes before it checks the files they include:
        `merged_by_include`), or when it is in this file's folder or the folder above, where
        `extended_by` looks: a check of this file alone sees those. One in another folder and
        outside the run's paths (`hardenfix check commons/compose.yaml`, a pre-commit run
        given only the staged file) is not: looking in every neighbouring folder would make
        every Compose file depend on them all, and be read again whenever any changed. What
        is found depends on the overrides the including files list, each read; the including
        files are in the run's cache key (see `runner._keyed_location`), not among the
        dependencies, so a change to them that lists the same overrides reads nothing again."""
        location = self.location
        if location is None:
            return []

        def read() -> list[tuple[str, str]]:
            folder = location.parent
            overrides = [override for merge in self.merged_by_include for override in merge.overrides]
            candidates = list(self._yaml_files_in(folder))
            if not (folder / ".git").exists():  # the folder above a checkout is none of its own
                candidates += self._yaml_files_in(folder.parent)
            for path, text in candidates:
                if path == location or "include" not in text or location.name not in text:
                    continue
                for paths in _include_path_lists(text):
                    for included, merged in _merged_by_entry(paths, path.parent):
                        if included == os.path.normpath(location):
                            overrides += merged
            found: dict[str, str] = {}
            for override in dict.fromkeys(overrides):
                self.depends_on(override)
                try:
                    override_text = Path(override).read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                found.setdefault(os.path.relpath(override, folder).replace(os.sep, "/"), override_text)
            return list(found.items())

        return self.made_of_other_files(("files an include merges over it",), read)

    def extended_by(self) -> list[tuple[str, frozenset[str]]]:
        """The Compose files of this file's folder and of the folder above it (in the same
        checkout) whose services extend this file's (`extends: {file: docker/common-services.yml, service: cache}`),
        each by its path from this file's folder, with the names of the services it extends.
        Compose loads and interpolates all of an extended file, whichever of its services a
        file extends."""
        location = self.location
        if location is None:
            return []

        def read() -> list[tuple[str, frozenset[str]]]:
            found = []
            folders = [location.parent]
            if not (location.parent / ".git").exists():  # the folder above a checkout is none of its own
                folders.append(location.parent.parent)
            for folder in dict.fromkeys(folders):
                for path, text in self._yaml_files_in(folder):
                    extended = _services_extended_from(text, folder, location) if path != location else None
                    if extended:
                        found.append((os.path.relpath(path, location.parent).replace(os.sep, "/"), extended))
            return found

        return self.made_of_other_files(("files extending it",), read)

    def files_merged_over(self) -> list[tuple[str, str]]:
        """The other YAML files of the folder merged over this one, by name, with their text:
        those `docker compose` merges unasked (see `override_defining`), and fragments of this
        file's services, which define one of them with neither an image, a build nor `extends`:
        Compose refuses such a service alone, so `-f` merges the file over one that defines it
        (`-f docker-compose.yml -f docker-compose.prod.yml`); and, by their path from this
        file's folder, those an `include:` merges over it (see `_included_with_overrides`)."""
        own = {service.name for service in self.services()}

        def read() -> list[tuple[str, str]]:
            unasked = {name for name, _ in self._merged_unasked()}
            found = []
            for name, text in self.other_files_of_folder():
                if name in unasked or own & _fragments(text):
                    found.append((name, text))
            return found + self._included_with_overrides()

        return self.made_of_other_files(("files merged over it", *sorted(own)), read)

    def _compose_file_variable(self) -> frozenset[str]:
        """The names of the files the folder's `.env` lists in `COMPOSE_FILE`."""
        location = self.location
        if location is None:
            return frozenset()

        def read() -> frozenset[str]:
            listed = self.project_environment().get("COMPOSE_FILE") or ""
            # COMPOSE_PATH_SEPARATOR: `:` on Linux and macOS, `;` on Windows
            return frozenset(Path(item.strip()).name for item in re.split(r"[:;]", listed) if item.strip())

        return self.made_of_other_files(("the folder's COMPOSE_FILE",), read)

    def resolutions(self, text: str) -> list[str]:
        """Each value Compose may give `text`: with its variables unset (their defaults), and
        as each env file of the folder sets them: its `.env`, which Compose reads, and those
        written to be copied to it (libretime's `.env.dev`, which its `make dev` copies,
        `.env.example`). Values that need a variable none of them sets are left out."""
        found: dict[str, None] = {}
        for settings in ({}, *self._folder_env_files().values()):
            try:
                found[interpolate(text, settings)] = None
            except InterpolationError:
                continue
        return list(found)

    def project_environment(self) -> dict[str, str]:
        """What the folder's `.env` sets: the project's environment, which Compose reads after
        the deploying shell's variables (not known here) to interpolate the file and the
        services' `env_file`s."""
        return self._folder_env_files().get(".env", {})

    def _folder_env_files(self) -> dict[str, dict[str, str]]:
        """What each env file of the folder (`.env`, `.env.dev`, `.env.example`) sets, by its
        name, its values interpolated (see `_settings_of`)."""
        location = self.location
        if location is None:
            return {}

        def read() -> dict[str, dict[str, str]]:
            folder = location.parent
            self.depends_on(folder)
            found = {}
            for path in sorted(folder.glob(".env*")):
                if path.name != ".env" and not path.name.startswith(".env."):
                    continue
                self.depends_on(path)
                try:
                    found[path.name] = _settings_of(env_file_entries(path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError, EnvFileError):
                    continue
            return found

        return self.made_of_other_files(("the folder's env files",), read)

    def other_file_naming(self, word: str) -> str | None:
        """The name of another Compose file of the folder that spells `word`, which it may
        set for this file's services: an override file, or one `-f` merges with this one."""
        return next(
            (name for name, text in self.other_files_of_folder() if may_name_compose_file(name) and word in text),
            None,
        )

    def legacy_format_without(self, key: str) -> str | None:
        """The `version:` this file declares, as written, when the schema of that legacy file
        format has no `key` (`start_period` in `version: "3.3"`). Compose v2 ignores
        `version:`, but Compose v1 and `docker stack deploy` still validate the file against
        that schema and refuse it; None for a Compose Specification file, or a format that has
        the key."""
        entry = lookup(self.root, "version")
        if entry is None or not isinstance(entry.value, ScalarNode) or key not in _LEGACY_FORMAT_KEYS_SINCE:
            return None
        found = _LEGACY_FORMAT_VERSION.fullmatch(str(entry.value.value).strip())
        if found is None:
            return None
        major, minor = int(found.group(1)), int(found.group(2) or 0)
        since = _LEGACY_FORMAT_KEYS_SINCE[key].get(major)
        return self.source_of(entry.value) if since is None or minor < since else None

    def legacy_format_doubt(self, key: str) -> str | None:
        """Why writing `key` may make the file invalid: its declared legacy format has no such key."""
        version = self.legacy_format_without(key)
        return legacy_format_reason(version, key) if version is not None else None

    def _service_entries(self) -> list[Entry]:
        entry = lookup(self.root, "services")
        return entries(entry.value) if entry is not None and isinstance(entry.value, MappingNode) else []

    @property
    def is_override(self) -> bool:
        """An override file adds to another file's services rather than defining complete
        ones: one named so (`docker-compose.override.yml`, `compose.override.yaml`), or one
        holding a fragment of a service (see `fragment_held`)."""
        return self.is_named_override or self.fragment_held is not None

    @property
    def is_named_override(self) -> bool:
        """A file named as an override file (`docker-compose.override.yml`, `compose.override.yaml`)."""
        return self.location is not None and names_an_override(self.location.name)

    @cached_property
    def fragment_held(self) -> str | None:
        """The first service of the file that is a fragment (see `Service.is_fragment`): Compose
        refuses the file alone, so it is only ever merged over another, whose services of the
        same names its complete ones add to too (conductor's `docker-compose-port-override.yaml`
        gives the server ports alone, beside a `conductor-postgres` that the base file gives a
        healthcheck). None when every one is complete."""
        return next(
            (service.name for document in self.documents for service in document.services() if service.is_fragment),
            None,
        )

    def span(self, node: Node) -> tuple[int, int]:
        return node.start_mark.index, node.end_mark.index

    def build_of(self, service: Service) -> tuple[Path, Path] | None:
        """The build context and Dockerfile of a service that builds from local files; None
        for a Dockerfile written inline (`dockerfile_inline`), which no file holds."""
        build = service.get("build")
        if build is None or self.location is None:
            return None
        context, dockerfile = ".", "Dockerfile"
        if isinstance(build.value, ScalarNode):
            context = str(build.value.value)
        elif isinstance(build.value, MappingNode):
            if lookup(build.value, "dockerfile_inline") is not None:
                return None
            context_entry, file_entry = lookup(build.value, "context"), lookup(build.value, "dockerfile")
            if context_entry is not None and isinstance(context_entry.value, ScalarNode):
                context = str(context_entry.value.value)
            if file_entry is not None and isinstance(file_entry.value, ScalarNode):
                dockerfile = str(file_entry.value.value)
        else:
            return None
        if "://" in context or "$" in context or "$" in dockerfile:
            return None  # a remote or interpolated context is not on this disk
        root = self.location.parent / context
        return root, root / dockerfile

    def builds(self) -> dict[str, Build]:
        """Real path of each Dockerfile the services of the file's documents build -> how.
        A service that builds an image and names it (`image: myapp:dev`) shares it with the
        services that run that image: Compose builds it for them all."""
        services = [service for document in self.documents for service in document.services()]
        included = self.included_files()
        found: dict[str, Build] = {}
        for document in self.documents:
            for service in document.services():
                build = document.build_of(service)
                if build is None:
                    continue
                dockerfile = os.path.realpath(build[1])
                image = service.image()
                running = [
                    service,
                    *(other for other in services if image is not None and may_name_one_image(other.image(), image)),
                ]
                bypassing = [bypass for other in running if (bypass := self._bypass(other)) is not None]
                inheriting = [
                    self._label(other)
                    for other in running
                    if other.active_healthcheck() is not None and "timeout" not in other.healthcheck_keys
                ]
                known = found.get(dockerfile) or Build(build[0], (), (), (), included)
                contexts = _unique(known.other_contexts, [os.path.normpath(known.context)])
                found[dockerfile] = Build(
                    build[0],
                    _unique(known.bypassing, bypassing),
                    _unique(known.images, [image] if image is not None else []),
                    _unique(known.services, [other.name for other in running]),
                    included,
                    _unique(known.inheriting_timeout, inheriting),
                    tuple(context for context in contexts if context != os.path.normpath(build[0])),
                )
        return found

    def entrypoints_set(self) -> list[EntrypointSet]:
        """The services that set their own `entrypoint:`, or may take one from another file's
        service they extend, and build no Dockerfile here (those that do are in `builds`):
        each runs an image past its `ENTRYPOINT`, built by another Compose file of the run
        when it runs that image by its name, or when Compose merges it over another file's
        service (see `merged_from_elsewhere`)."""
        found = []
        for document in self.documents:
            for service in document.services():
                bypass = self._bypass(service)
                if bypass is None or document.build_of(service) is not None:
                    continue
                merged = merged_from_elsewhere(document, service) is not None
                found.append(EntrypointSet(bypass, service.name, None if merged else service.image()))
        return found

    def _label(self, service: Service) -> str:
        return f"service `{service.name}` of `{self.location.name if self.location else ''}`"

    def _bypass(self, service: Service) -> str | None:
        """How the service may run its image past the `ENTRYPOINT`: it sets its own
        `entrypoint:`, or extends another file's service (not read), which may set one."""
        label = self._label(service)
        if service.get("entrypoint") is not None:
            return f"{label} sets its own"
        extended = service.extended_file()
        if extended is not None:
            return f"{label} extends a service of `{extended}`, which may set its"
        return None

    def merges_by_include(self) -> list[tuple[str, tuple[str, ...]]]:
        """Each file its `include:`s list with files after it, which Compose merges over that
        one, with those files, as normal absolute paths: what the run learns of this file for
        the files it includes (see `merged_by_include`)."""
        if self.location is None:
            return []
        return [
            merge
            for document in self.documents
            for paths in _include_entries(document.root)
            for merge in _merged_by_entry(paths, self.location.parent)
        ]

    def included_files(self) -> tuple[str, ...]:
        """The files its `include:` merges into it, as absolute paths; as written where they
        are not on this disk (a remote or interpolated path)."""
        found: list[str] = []
        for document in self.documents:
            for paths in _include_entries(document.root):
                for written in paths:
                    if self.location is None or "://" in written or "$" in written:
                        found.append(written)
                    else:
                        found.append(str(self.location.parent / written))
        return tuple(found)

    def base_image_of(self, service: Service) -> str | None:
        """The image whose contents the service runs: the `FROM` the stage it builds
        (its `build.target`, else the last) starts from, else its `image`."""
        if service.get("build") is None:
            return service.image()
        built = self.dockerfile_of(service)
        stage = built.built_stage(self.build_target(service)) if built is not None else None
        if built is None or stage is None:
            return None
        return built.base_image(stage, self.build_arguments(service))

    def build_arguments(self, service: Service) -> dict[str, str | None]:
        """The service's `build.args`, each value None where it is not known here: taken
        from the environment (`NAME` alone, a null) or interpolated."""
        build = service.get("build")
        entry = lookup(build.value, "args") if build is not None and isinstance(build.value, MappingNode) else None
        if entry is None:
            return {}
        return {
            name: variable.value if variable.value is not None and "$" not in variable.value else None
            for name, variable in variables_of(entry.value).items()
        }

    def build_target(self, service: Service) -> str | None:
        build = service.get("build")
        target = lookup(build.value, "target") if build is not None and isinstance(build.value, MappingNode) else None
        return str(target.value.value) if target is not None and isinstance(target.value, ScalarNode) else None

    def dockerfile_of(self, service: Service) -> DockerfileDocument | None:
        """The Dockerfile the service builds, parsed once; whatever is read through its build
        context counts among this file's dependencies."""
        build = self.build_of(service)
        if build is None:
            return None
        return self.made_of_other_files(("dockerfile", *build), lambda: self._parse_dockerfile(*build))

    def _parse_dockerfile(self, context: Path, dockerfile: Path) -> DockerfileDocument | None:
        from hardenfix.sources import dockerfile as dockerfile_source

        self.depends_on(dockerfile)
        try:
            document = dockerfile_source.parse(dockerfile.read_text(encoding="utf-8"), dockerfile, context)
        except (OSError, UnicodeDecodeError, ParseError):
            return None
        document.build_context = dockerfile_source.BuildContext(context, self, dockerfile)
        return document

    def suppression_scope_end(self, line: int) -> int:
        """A suppression on a key's (or an item's) line covers that node and all below it."""
        return self._node_ends.get(line, line)

    @cached_property
    def _node_ends(self) -> dict[int, int]:
        """1-based line of each mapping key and sequence item -> the last line of its node."""
        ends: dict[int, int] = {}

        def note(start: int, end: int) -> None:
            first, last = self.line_index(start) + 1, self.line_index(end) + 1
            ends[first] = max(ends.get(first, first), last)

        seen: set[int] = set()
        stack: list[Node] = [document.root for document in self.documents]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, MappingNode):
                for key, value in node.value:
                    note(key.start_mark.index, self.content_end(value, key.end_mark.index))
                    stack.append(value)
            elif isinstance(node, SequenceNode):
                previous = node.start_mark.index
                for item in node.value:
                    if not is_reference(item, previous):
                        note(item.start_mark.index, self.content_end(item))
                        stack.append(item)
                    previous = item.end_mark.index
        return ends

    def value_origins(self, node: ScalarNode) -> list[int | None] | None:
        """For each character of a string scalar's value, the offset in the text it was
        copied from, or None where an escape, a folded line break or a doubled quote made
        it; None when that cannot be told (see `hardenfix.sources.yaml_scalar`)."""
        if not isinstance(node.value, str):
            return None
        start, end = self.span(node)
        # A scalar's span starts at its anchor or tag (`&url http://...`), if it has one.
        properties = _NODE_PROPERTIES.match(self.text, start, end)
        return value_origins(self.text, properties.end() if properties else start, end, node.style, node.value)

    def value_edit(self, origins: Sequence[int | None], changes: Mapping[int, str]) -> Edit | None:
        """One edit making each change `{position in the value: new character}` where that
        character was written, all other bytes kept; None when one of them was not written
        as itself (an escape, a fold)."""
        offsets = {origins[position]: character for position, character in changes.items()}
        if not offsets or None in offsets:
            return None
        written = {offset: character for offset, character in offsets.items() if offset is not None}
        start, end = min(written), max(written) + 1
        return Edit.replace(start, end, "".join(written.get(i, self.text[i]) for i in range(start, end)))

    def source_of(self, node: Node) -> str:
        """The node's text exactly as written, quotes and escapes included."""
        return self.text[node.start_mark.index : node.end_mark.index]

    def content_end(self, node: Node, written_after: int | None = None) -> int:
        """Where the node's own text ends, before trailing blank lines and comments.

        `written_after` is where the node is referenced from (a key's end), so that
        an alias is measured where the alias is written, not at its anchor.
        """
        while True:  # iterative: a deeply nested document must not exhaust the stack
            if written_after is not None and is_reference(node, written_after):
                match = _ALIAS.search(self.text, written_after)
                return match.end() if match else written_after
            if isinstance(node, ScalarNode):
                start, end = self.span(node)
                return start + len(self.text[start:end].rstrip())
            if node.flow_style or not node.value:
                return node.end_mark.index
            if isinstance(node, MappingNode):
                key, node = node.value[-1]
                written_after = key.end_mark.index
            else:
                written_after = node.value[-2].end_mark.index if len(node.value) > 1 else node.start_mark.index
                node = node.value[-1]

    @cached_property
    def indent_step(self) -> int:
        """How far this file indents a nested block mapping (2 when it has none)."""
        stack = [self.root]
        while stack:
            mapping = stack.pop()
            for key, value in mapping.value:
                if isinstance(value, MappingNode) and not value.flow_style and value.value:
                    if value.start_mark.index > key.end_mark.index:
                        step = self.column(value.value[0][0].start_mark.index) - self.column(key.start_mark.index)
                        if step > 0:
                            return step
                    stack.append(value)
        return 2

    def insert_entries(self, mapping: MappingNode, entries: Sequence[tuple[str, YamlValue]]) -> Edit:
        """An edit adding `entries` after the mapping's last entry, in the mapping's own style.

        Block style: new lines after the last entry's content (and any comment on
        that line), indented like the first key, with the neighbouring line ending.
        A comment on the lines below belongs to whatever follows, so it stays below.
        Nested values are written in block style, one `indent_step` deeper.
        Flow style: `, key: value` before the closing brace.
        """
        if mapping.flow_style or not mapping.value:
            return self._insert_flow(mapping, [f"{key}: {render_flow(value)}" for key, value in entries])
        last_key, last_value = mapping.value[-1]
        anchor = self.line_end(self.content_end(last_value, last_key.end_mark.index))
        indent = " " * self.column(mapping.value[0][0].start_mark.index)
        lines = [line for key, value in entries for line in render_block_entry(key, value, indent, self.indent_step)]
        newline = self.newline_for_insertion(anchor)
        return Edit.insert(anchor, "".join(newline + line for line in lines))

    def insert_entry(self, mapping: MappingNode, key: str, value: YamlValue) -> Edit:
        return self.insert_entries(mapping, [(key, value)])

    def append_items(self, sequence: SequenceNode, items: Sequence[YamlValue]) -> Edit:
        """An edit adding `items` after the sequence's last item, in the sequence's own style."""
        if sequence.flow_style or not sequence.value:
            return self._insert_flow(sequence, [render_flow(item) for item in items])
        previous_end = sequence.value[-2].end_mark.index if len(sequence.value) > 1 else sequence.start_mark.index
        anchor = self.line_end(self.content_end(sequence.value[-1], previous_end))
        first_item = sequence.value[0].start_mark.index
        dash = self.text.rfind("-", self.line_start(first_item), first_item)
        indent = " " * self.column(dash)
        newline = self.newline_for_insertion(anchor)
        lines = [line for item in items for line in render_block_item(item, indent, self.indent_step)]
        return Edit.insert(anchor, "".join(newline + line for line in lines))

    def _insert_flow(self, collection: MappingNode | SequenceNode, entries: list[str]) -> Edit:
        closing = collection.end_mark.index - 1
        if not collection.value:
            return Edit.insert(closing, ", ".join(entries))
        if isinstance(collection, MappingNode):
            first = collection.value[0][0]
            last_start, last_key_end = collection.value[-1][0].start_mark.index, collection.value[-1][0].end_mark.index
            after_last = self.content_end(collection.value[-1][1], last_key_end)
        else:
            first = collection.value[0]
            previous_end = (
                collection.value[-2].end_mark.index if len(collection.value) > 1 else collection.start_mark.index
            )
            last_start = max(collection.value[-1].start_mark.index, previous_end)
            after_last = self.content_end(collection.value[-1], previous_end)
        between = self.text[after_last:closing]
        if self.line_index(first.start_mark.index) != self.line_index(collection.start_mark.index):
            # One entry per line: each new entry gets a line of its own, like the others, after
            # the comment the last one ends with, which stays on its line.
            separator = f"{self.newline_for_insertion(after_last)}{self.indentation(last_start)}"
            commented = _COMMENTED_LINE_END.match(between)
            if commented is not None:
                line_end = after_last + commented.end()
                if commented.group(1):
                    return Edit.insert(line_end, "".join(f"{separator}{entry}," for entry in entries))
                rest = self.text[after_last:line_end]
                return Edit.replace(
                    after_last, line_end, "," + rest + "".join(f"{separator}{entry}" for entry in entries)
                )
        else:
            separator = " "
        if between.lstrip().startswith(","):
            comma = after_last + between.index(",") + 1
            return Edit.insert(comma, "".join(f"{separator}{entry}," for entry in entries))
        return Edit.insert(after_last, "".join(f",{separator}{entry}" for entry in entries))

    def replace_scalar(self, node: ScalarNode, value: str, in_flow: bool) -> Edit | None:
        """An edit writing `value` in place of the scalar, in its quoting style where the value
        allows (a plain scalar that can no longer be plain becomes double-quoted); None for
        block scalars (`|`, `>`), whose layout a new value would have to re-wrap."""
        style = node.style or ""
        if style in ("|", ">"):
            return None
        if style == "'":
            written = "'" + value.replace("'", "''") + "'"
        elif style == "" and is_plain_safe(value, in_flow):
            written = value
        else:
            written = json.dumps(value, ensure_ascii=False)
        start, end = self.span(node)
        return Edit.replace(start, end, written)

    def insert_item(self, sequence: SequenceNode, index: int, value: str) -> Edit:
        """An edit adding the string `value` as item `index` (after item `index - 1`, at least
        1) of a sequence of scalars, written like that item, in the sequence's own style."""
        previous = sequence.value[index - 1]
        written = self._written_like(previous, value, bool(sequence.flow_style))
        if sequence.flow_style:
            separator = ", "
            if len(sequence.value) > 1:
                between = self.text[sequence.value[0].end_mark.index : sequence.value[1].start_mark.index]
                separator = between if _FLOW_SEPARATOR.fullmatch(between) else separator
            return Edit.insert(previous.end_mark.index, separator + written)
        anchor = self.line_end(self.content_end(previous))
        dash = self.text.rfind("-", self.line_start(previous.start_mark.index), previous.start_mark.index)
        return Edit.insert(anchor, f"{self.newline_for_insertion(anchor)}{' ' * self.column(dash)}- {written}")

    def remove_item(self, sequence: SequenceNode, index: int) -> Edit:
        """An edit removing item `index` (at least 1) of a sequence of scalars: with the
        separator before it in flow style, with its own line in block style."""
        item = sequence.value[index]
        if sequence.flow_style:
            return Edit.delete(sequence.value[index - 1].end_mark.index, item.end_mark.index)
        start = self.line_start(item.start_mark.index)
        end = self.line_end(self.content_end(item))
        return Edit.delete(start, end + len(self.line_ending(end)))

    def _written_like(self, neighbour: ScalarNode, value: str, in_flow: bool) -> str:
        if neighbour.style == "'" and "'" not in value:
            return f"'{value}'"
        if neighbour.style in ("", None) and is_plain_safe(value, in_flow):
            return value
        return json.dumps(value, ensure_ascii=False)

    def value_range_edit(self, origins: Sequence[int | None], start: int, end: int, content: str) -> Edit | None:
        """An edit writing `content` (letters, digits, blanks and `-` only: the same in every
        scalar style) in place of `value[start:end]` of a scalar whose value has these
        `origins`; None unless the characters just before and at the end of the range were
        written as themselves."""
        if start == 0 or not _STYLE_NEUTRAL.fullmatch(content):
            return None
        before = origins[start - 1]
        last = origins[end - 1] if end > start else before
        if before is None or last is None:
            return None
        return Edit.replace(before + 1, last + 1 if end > start else before + 1, content)

    def replace_items(self, sequence: SequenceNode, items: Sequence[str]) -> Edit:
        """An edit writing string `items` in place of the sequence's items, in its style:
        flow (`["CMD", "curl"]`) or block (one `- item` per line at the same indentation).
        Items are double-quoted when the sequence quoted its first item, or when they must be."""
        first = sequence.value[0] if sequence.value else None
        quoted = isinstance(first, ScalarNode) and first.style == '"'
        in_flow = bool(sequence.flow_style)
        written = [
            json.dumps(item, ensure_ascii=False) if quoted or not is_plain_safe(item, in_flow) else item
            for item in items
        ]
        start = sequence.start_mark.index
        if in_flow or first is None:
            return Edit.replace(start, sequence.end_mark.index, "[" + ", ".join(written) + "]")
        end = self.content_end(sequence)
        dash = self.text.rfind("-", self.line_start(first.start_mark.index), first.start_mark.index)
        separator = self.newline_for_insertion(dash) + " " * self.column(dash)
        return Edit.replace(dash, end, separator.join(f"- {item}" for item in written))

    def _reject_duplicate_keys(self) -> None:
        duplicate = first_duplicate_key(self.root)
        if duplicate is not None:
            key, earlier = duplicate
            at = self.position(key.start_mark.index)
            raise ParseError(
                f"duplicate key {key.value!r} at line {at.line}"
                f" (first at line {self.position(earlier.start_mark.index).line});"
                " refusing to guess which one Compose would use",
                at.line,
                at.column,
            )


def first_duplicate_key(root: Node) -> tuple[ScalarNode, ScalarNode] | None:
    """The duplicate key written first in the document, and the key it repeats.

    Every mapping is looked at (once, however many aliases reach it), so that the
    error names the first duplicate a reader meets, not the first one a traversal
    happens to reach.
    """
    found: tuple[ScalarNode, ScalarNode] | None = None
    seen_nodes: set[int] = set()
    stack: list[Node] = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            continue
        seen_nodes.add(id(node))
        if isinstance(node, MappingNode):
            first_seen: dict[object, ScalarNode] = {}
            for key, value in node.value:
                if isinstance(key, ScalarNode) and key.value != MERGE_KEY:
                    earlier = first_seen.setdefault(key.value, key)
                    if earlier is not key and (found is None or key.start_mark.index < found[0].start_mark.index):
                        found = key, earlier
                stack.append(value)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return found


_NOT_A_STRING = regexes.lazy(
    r"(?:~|null|Null|NULL|true|True|TRUE|false|False|FALSE|[-+]?(?:\d[\d_]*(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+|0x[0-9a-fA-F_]+|0o[0-7_]+|\.inf|\.nan))"
)


def is_plain_safe(value: str, in_flow: bool) -> bool:
    """Whether `value` can be written as a plain scalar and still read back as this string."""
    if not value or value != value.strip() or "\n" in value or _NOT_A_STRING.fullmatch(value):
        return False
    if value[0] in "-?:,[]{}#&*!|>'\"%@`" and not (value[0] in "-?:" and len(value) > 1 and value[1] not in " \t"):
        return False
    if ": " in value or " #" in value or value.endswith(":"):
        return False
    return not (in_flow and any(char in value for char in ",[]{}"))


def is_reference(node: Node, written_after: int) -> bool:
    """True when `node` is reached through an alias written at or after `written_after`."""
    return node.start_mark.index < written_after


def entries(mapping: MappingNode) -> list[Entry]:
    """The entries written in this mapping (merge keys excluded)."""
    return [
        Entry(key, value, mapping)
        for key, value in mapping.value
        if not (isinstance(key, ScalarNode) and key.value == MERGE_KEY)
    ]


def variables_of(node: Node) -> dict[str, Variable]:
    """The variables an `environment` or `build.args` sets, by name: a list of `NAME=value`
    (`NAME` alone: its value comes from the environment, None here), or a mapping, its own
    entries winning over those it merges with `<<`."""
    variables: dict[str, Variable] = {}
    if isinstance(node, SequenceNode):
        for item in node.value:
            if isinstance(item, ScalarNode) and str(item.value):
                name, equals, value = str(item.value).partition("=")
                variables[name] = Variable(name, value if equals else None, item)
        return variables
    stack = [node] if isinstance(node, MappingNode) else []
    layers: list[MappingNode] = []
    while stack and len(layers) < 64:  # a merge cycle is the YAML's problem, not a hang
        mapping = stack.pop()
        layers.append(mapping)
        stack.extend(reversed(merged_mappings(mapping)))
    for mapping in reversed(layers):
        for item in entries(mapping):
            if isinstance(item.key, ScalarNode) and isinstance(item.value, ScalarNode):
                value = None if is_null(item.value) else str(item.value.value)
                variables[str(item.key.value)] = Variable(str(item.key.value), value, item.value)
    return variables


def merged_mappings(mapping: MappingNode) -> list[MappingNode]:
    """The mappings merged into this one with `<<`, in precedence order."""
    merged: list[MappingNode] = []
    for key, value in mapping.value:
        if isinstance(key, ScalarNode) and key.value == MERGE_KEY:
            if isinstance(value, MappingNode):
                merged.append(value)
            elif isinstance(value, SequenceNode):
                merged.extend(item for item in value.value if isinstance(item, MappingNode))
    return merged


def lookup(mapping: MappingNode, key: str, _depth: int = 0) -> Entry | None:
    """The entry for `key` as Compose sees it: written here, else inherited through `<<`."""
    if key != MERGE_KEY:
        for written, value in mapping.value:
            if isinstance(written, ScalarNode) and written.value == key:
                return Entry(written, value, mapping)
    if _depth < 32:
        for source in merged_mappings(mapping):
            found = lookup(source, key, _depth + 1)
            if found is not None:
                return found
    return None


def insertion_target(mapping: MappingNode) -> MappingNode:
    """Where a key missing from `mapping` goes: into the anchored defaults it merges
    (`<<: *defaults`), if any, so that one insertion serves every mapping sharing them."""
    merged = merged_mappings(mapping)
    return merged[0] if merged else mapping


def replaces_merged(target: MappingNode, key: str, mapping: MappingNode) -> bool:
    """Whether writing `key` into `target`, which `mapping` merges, would change what
    `mapping` resolves `key` to: in a merge list the first source that has a key gives it
    (`<<: [*defaults, *slow-probe]`), and `target` comes before the one that now does."""
    return reaches_before_setting(target, key, mapping) and lookup(mapping, key) is not None


def reaches_before_setting(target: MappingNode, key: str, mapping: MappingNode) -> bool:
    """Whether `mapping`'s lookup of `key` (itself, then each `<<` source in turn) comes to
    `target` before any mapping that sets the key: `key` written into `target` is then
    what `mapping` resolves it to."""
    order, index = [mapping], 0
    while index < len(order) and len(order) < 64:  # `lookup`'s order: itself, then each source's
        current = order[index]
        if current is target:
            return True
        if any(str(entry.key.value) == key for entry in entries(current)):
            return False
        order[index + 1 : index + 1] = merged_mappings(current)
        index += 1
    return False


class Taker(NamedTuple):
    """Another service of the file that takes what is written into a service's own mapping."""

    service: Service
    how: str
    """How it takes it, as a message says: "merges its mapping", "extends it", or "extends
    `api`, which merges its mapping"."""
    kept: frozenset[str]
    """The keys of the written mapping the taker, or a service it extends nearer than the
    one reached, sets itself: Compose merges what a service extends key by key (none when
    it takes the mapping whole)."""


def services_taking(document: ComposeDocument, owner: Service, key: str) -> Iterator[Taker]:
    """The other services of the file that a mapping under `key` written into `owner`'s own
    reaches: each one whose mapping, or a service's it `extends` in the file, merges
    `owner`'s (`<<: *web`) before any source of the key, or that extends `owner`. Fixes
    for one service written into an anchored service mapping serve every such service
    (compose-go: a worker `<<: *web` with `command: celery ...` takes web's probe)."""
    services = document.services()
    if id(owner.node) not in document.merge_sources and not any(service.base is owner for service in services):
        return
    for service in services:
        if service is owner:
            continue
        kept: set[str] = set()
        for depth, base in enumerate(service.lineage()):
            if reaches_before_setting(owner.node, key, base.node):
                if depth == 0:
                    how = "merges its mapping"
                elif base is owner:
                    how = "extends it"
                else:
                    how = f"extends `{base.name}`, which merges its mapping"
                yield Taker(service, how, frozenset(kept))
                break
            entry = lookup(base.node, key)
            if entry is not None:
                if not isinstance(entry.value, MappingNode):
                    break  # nothing merges into it (Compose refuses such a value)
                kept.update(effective_keys(entry.value))


def is_true(node: Node) -> bool:
    return isinstance(node, ScalarNode) and str(node.value).lower() in _TRUE


def is_null(node: Node) -> bool:
    """`~`, `null` or nothing at all: Compose reads the key as unset."""
    return isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def effective_keys(mapping: MappingNode) -> set[str]:
    """Every key the mapping has, written or merged."""
    keys: set[str] = set()
    stack, seen = [mapping], set()
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        keys.update(str(entry.key.value) for entry in entries(current))
        stack.extend(merged_mappings(current))
    return keys


def iter_nodes(node: Node) -> Iterator[Node]:
    """`node` and every value node below it once, however many aliases reach it (keys excluded)."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, MappingNode):
            stack.extend(value for _, value in reversed(current.value))
        elif isinstance(current, SequenceNode):
            stack.extend(reversed(current.value))


def iter_scalars(node: Node) -> Iterator[ScalarNode]:
    """Every value scalar below `node` once, however many aliases reach it (keys excluded)."""
    return (found for found in iter_nodes(node) if isinstance(found, ScalarNode))


class Build(NamedTuple):
    """How a Compose file's services build one Dockerfile."""

    context: Path
    bypassing: tuple[str, ...]
    """The services that run the image past its `ENTRYPOINT`, with one of their own
    (`entrypoint: []`) or one they may inherit, each as `service `worker` of `compose.yaml`
    sets its own` (see `ComposeDocument._bypass`)."""
    images: tuple[str, ...]
    """The names they give the image (`image: myapp:dev`)."""
    services: tuple[str, ...]
    """The services that build it or run it by its name."""
    included_files: tuple[str, ...]
    """The files the Compose file includes (see `ComposeDocument.included_files`)."""
    inheriting_timeout: tuple[str, ...] = ()
    """Those of `services` whose healthcheck sets no `timeout`, as `service `web` of
    `compose.yaml``: the engine gives it the image's `HEALTHCHECK --timeout`."""
    other_contexts: tuple[str, ...] = ()
    """The build contexts other services of the file give the same Dockerfile (`context` is
    the last service's): what its `COPY` instructions take differs from one to the next."""


def _unique(known: Sequence[str], new: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*known, *new)))


class EntrypointSet(NamedTuple):
    """A service that sets its own `entrypoint:`, or may inherit one, and builds no image of its file."""

    label: str
    """As `service `worker` of `compose.yaml` sets its own` (see `ComposeDocument._bypass`)."""
    name: str
    image: str | None
    """The image it runs; None where Compose merges it over another file's service, whose
    image it runs (a fragment, a service of an override file)."""


class Interpolation(NamedTuple):
    """`${NAME<operator><argument>}` at `[start, end)` of the text it was found in."""

    start: int
    end: int
    name: str
    operator: str
    """'' (no operator), ':-', '-', ':?', '?', ':+' or '+'."""
    argument: str


_INTERPOLATION_BODY = regexes.lazy(r"([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])(.*))?", re.DOTALL)


def iter_interpolations(text: str) -> Iterator[Interpolation]:
    """Braced Compose interpolations in `text`, skipping `$$` escapes.

    Nested interpolations inside a default (`${A:-${B}}`) belong to the outer one.
    """
    index = text.find("$")
    while index != -1:
        if text.startswith("$$", index):
            index = text.find("$", index + 2)
            continue
        if text.startswith("${", index):
            closing = _compose_go_closing_brace(text, index, len(text))
            if closing is None:
                return
            match = _INTERPOLATION_BODY.fullmatch(text, index + 2, closing)
            if match:
                name, operator, argument = match.groups()
                yield Interpolation(index, closing + 1, name, operator or "", argument or "")
            index = text.find("$", closing + 1)
        else:
            index = text.find("$", index + 1)


_NAME = regexes.lazy(r"[A-Za-z_][A-Za-z0-9_]*")
_OPERATOR = regexes.lazy(r":?[-+?]")
Span = tuple[int, int]


def variable_syntax(value: str) -> list[Span] | None:
    """Spans of a scalar's value that are variable syntax, as Compose interpolates it
    (compose-go's `template` package): `$NAME`, `${NAME}`, the `${NAME:-` and `}` around
    a default or alternate value (`-`, `:-`, `+`, `:+`), whose text is a value and not
    syntax (references nested in it are), a whole `${NAME:?message}`, and the references
    escaped for the container's shell (`$${NAME}`, `$$NAME`). A `$` that starts none of
    these is a literal character. None when Compose rejects the value (a `${` that is not
    a valid reference): nothing in it can be told apart."""
    spans: list[Span] = []
    return spans if _variable_syntax(value, 0, len(value), spans) else None


def _variable_syntax(value: str, start: int, end: int, spans: list[Span]) -> bool:
    index = value.find("$", start, end)
    while index != -1:
        after = index + 1
        if value.startswith("$$", index):
            after = _shell_reference_end(value, index + 2, end)
            if after > index + 2:
                spans.append((index, after))
        elif value.startswith("${", index):
            name = _NAME.match(value, index + 2, end)
            if name is None:
                return False
            if value.startswith("}", name.end()):
                after = name.end() + 1
                spans.append((index, after))
            else:
                operator = _OPERATOR.match(value, name.end(), end)
                closing = _compose_go_closing_brace(value, index, end)
                if operator is None or closing is None or "\n" in value[index:closing]:
                    return False
                after = closing + 1
                if "?" in operator.group():
                    spans.append((index, after))
                else:
                    spans.extend([(index, operator.end()), (closing, after)])
                    if not _variable_syntax(value, operator.end(), closing, spans):
                        return False
        else:
            name = _NAME.match(value, index + 1, end)
            if name is not None:
                after = name.end()
                spans.append((index, after))
        index = value.find("$", after, end)
    return True


def shell_references(resolved: str) -> list[Span]:
    """Spans of a resolved value that are references for the container's shell or program:
    `$NAME` and `${NAME}`, what `$$NAME` and `$${NAME}` become once Compose has interpolated
    the value, and those escapes as they are, which `docker compose config` prints."""
    spans: list[Span] = []
    index = resolved.find("$")
    while index != -1:
        name_start = index + 2 if resolved.startswith("$$", index) else index + 1
        after = _shell_reference_end(resolved, name_start, len(resolved))
        if after > name_start:
            spans.append((index, after))
        index = resolved.find("$", max(after, index + 1))
    return spans


def _shell_reference_end(value: str, index: int, end: int) -> int:
    """Where the shell reference after a `$$` ends (`{NAME}`, `NAME`); `index` when none."""
    if value.startswith("{", index):
        closing = value.find("}", index, end)
        return end if closing == -1 else closing + 1
    name = _NAME.match(value, index, end)
    return name.end() if name else index


def _compose_go_closing_brace(value: str, dollar: int, end: int) -> int | None:
    """The `}` closing the reference whose `$` is at `dollar`, found as compose-go does:
    every `{` opens a level (and the character after it is skipped), every `}` closes one."""
    depth = 0
    index = dollar
    while index < end:
        if value[index] == "}":
            depth -= 1
            if depth == 0:
                return index
        elif value[index] == "{":
            depth += 1
            index += 1
        index += 1
    return None


_BARE_NAME = regexes.lazy(r"[A-Za-z_][A-Za-z0-9_]*")


def _settings_of(entries: list[EnvEntry]) -> dict[str, str]:
    """What the folder's env file of `entries` sets, as Compose reads it: the last of a
    name's settings wins, and a value (but one in single quotes) is interpolated with what
    the file set before it and the deploying shell's variables, taken as unset (ragflow's
    `STACK_VERSION=${STACK_VERSION:-8.11.3}` sets 8.11.3). A value that needs a variable
    (`${NAME:?}`) sets what the shell that deploys the stack makes of it: nothing known."""
    settings: dict[str, str] = {}
    for entry in entries:
        if entry.value is None:
            continue
        try:
            settings[entry.name] = interpolate(entry.value, settings) if entry.interpolated else entry.value
        except InterpolationError:
            settings.pop(entry.name, None)
    return settings


class InterpolationError(ValueError):
    """Compose refuses the value: a required variable is unset, or a `${` is malformed."""


def interpolate(text: str, environment: Mapping[str, str]) -> str:
    """`text` as Docker Compose interpolates it; a name missing from `environment` is unset.

    `$NAME` and `${NAME}` give the value or nothing; `:-`/`-` give a default when
    unset (with `:`, also when empty), `:?`/`?` refuse, `:+`/`+` give a replacement
    when set. Defaults and replacements are interpolated in turn.
    """
    return "".join(piece if isinstance(piece, str) else _substitute(piece, environment) for piece in _references(text))


def variable_names(text: str) -> set[str]:
    """Every variable Compose reads when it interpolates `text`, in defaults too."""
    names: set[str] = set()
    for piece in _references(text):
        if isinstance(piece, Interpolation):
            names.add(piece.name)
            names |= variable_names(piece.argument)
    return names


def _references(text: str) -> Iterator[str | Interpolation]:
    """`text` as literal pieces (`$$` read as `$`) and the variable references between them."""
    index = 0
    while (dollar := text.find("$", index)) != -1:
        yield text[index:dollar]
        if text.startswith("$$", dollar):
            yield "$"
            index = dollar + 2
        elif text.startswith("${", dollar):
            closing = _compose_go_closing_brace(text, dollar, len(text))
            body = _INTERPOLATION_BODY.fullmatch(text, dollar + 2, closing) if closing is not None else None
            if closing is None or body is None:
                raise InterpolationError(f"invalid interpolation format in {text[dollar:]!r}")
            name, operator, argument = body.groups()
            yield Interpolation(dollar, closing + 1, name, operator or "", argument or "")
            index = closing + 1
        elif bare := _BARE_NAME.match(text, dollar + 1):
            yield Interpolation(dollar, bare.end(), bare.group(), "", "")
            index = bare.end()
        else:
            yield "$"
            index = dollar + 1
    yield text[index:]


def _mount_target(item: Node, named_volumes: bool) -> str | None:
    """The container path an entry of `volumes` fills from elsewhere than the image: a bind,
    or (`named_volumes`) a named volume; None for an anonymous volume or an entry that names
    no path."""
    target, mount, named = _mount(item)
    return target if mount is not None or (named and named_volumes) else None


def _file_target(item: Node, folder: str) -> str | None:
    """The container path an entry of `configs` (`folder` `/`) or `secrets` (`/run/secrets/`)
    puts its file at: its `target` (a relative one inside `folder`), else its name there."""
    if isinstance(item, ScalarNode):
        name, target = str(item.value), ""
    elif isinstance(item, MappingNode):
        fields = {str(e.key.value): str(e.value.value) for e in entries(item) if isinstance(e.value, ScalarNode)}
        name, target = fields.get("source", ""), fields.get("target", "")
    else:
        return None
    path = posixpath.join(folder, target or name)
    return posixpath.normpath(path) if name and "$" not in path else None


def _mount(item: Node) -> tuple[str | None, Mount | None, bool]:
    """The container path an entry of `volumes` takes, the bind it puts there (None for a
    volume), and whether it is a named volume; no path for an entry that does not name one."""
    if isinstance(item, ScalarNode):
        # `${CODE:-.}:/app`: Compose interpolates before it splits, so a braced
        # variable's own `:` splits nothing.
        written = str(item.value)
        cut = _first_colon_outside_variables(written)
        # A short-syntax source that is not a path (`./`, `../`, `/`, `~`) names a volume; an
        # interpolated one may be a path.
        if cut is None:
            target, source = written, ""
        else:
            target, source = written[cut + 1 :].partition(":")[0], written[:cut]
        bound = source.startswith((".", "/", "~", "$"))
        relative = source.startswith(".")
    elif isinstance(item, MappingNode):
        fields = {str(e.key.value): str(e.value.value) for e in entries(item) if isinstance(e.value, ScalarNode)}
        target, source = fields.get("target", ""), fields.get("source", "")
        bound = fields.get("type") == "bind"
        relative = bool(source) and not source.startswith(("/", "~"))
    else:
        return None, None, False
    if not target.startswith("/") or "$" in target:
        return None, None, False
    target = posixpath.normpath(target)
    if not bound:
        return target, None, bool(source)
    return target, Mount(target, source if relative and "$" not in source else None, source), False


def _first_colon_outside_variables(written: str) -> int | None:
    """Where a short-syntax `volumes` entry splits its source from its target: its first `:`
    outside a braced variable (Compose interpolates before it splits, so the `:` of
    `${CONFIG:-./config.yml}:/etc/app.yml:ro` splits nothing)."""
    spans = [(found.start, found.end) for found in iter_interpolations(written)]
    return next(
        (
            index
            for index, character in enumerate(written)
            if character == ":" and not any(start <= index < end for start, end in spans)
        ),
        None,
    )


def _substitute(reference: Interpolation, environment: Mapping[str, str]) -> str:
    value = environment.get(reference.name)
    operator = reference.operator
    is_set = bool(value) if operator.startswith(":") else value is not None
    if operator in (":-", "-"):
        return value if is_set and value is not None else interpolate(reference.argument, environment)
    if operator in (":?", "?"):
        if not is_set or value is None:
            raise InterpolationError(f"required variable {reference.name} is missing a value")
        return value
    if operator in (":+", "+"):
        return interpolate(reference.argument, environment) if is_set else ""
    return value or ""


def _one_line(error: Exception) -> str:
    return " ".join(str(error).split())


class _OneVersionResolver(VersionedResolver):
    """ruamel.yaml's resolver, asked the YAML version once per stream rather than for every
    scalar: with libyaml's parser, which keeps directives to itself, the answer cannot
    change, and ruamel.yaml finds it through two failed attribute lookups (a twentieth of
    the time a large Compose file takes to compose).

    A plain scalar's tag is resolved once per value: without path resolvers it depends on
    the value alone, and Compose files repeat theirs (`image`, `condition`, `service_healthy`):
    composing the bench's 1,155-line stack took 9.7 ms, and takes 7.7."""

    @cached_property
    def processing_version(self) -> Any:
        return super().processing_version

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        tags: dict[str, Any] = self.__dict__.setdefault("_plain_tags", {})
        tag = tags.get(value)
        if tag is None:
            if len(tags) >= _PLAIN_TAGS_KEPT:  # a process that reads many files keeps a bounded few
                tags.clear()
            tag = tags[value] = super().resolve(kind, value, implicit)
        return tag


_PLAIN_TAGS_KEPT = 20_000


_FAST_YAML = YAML(typ="safe")
_FAST_YAML.Resolver = _OneVersionResolver
_COMPLETE_YAML = YAML(typ="safe", pure=True)


def _compose_all(text: str) -> list[Node]:
    """The root node of each document, composed with libyaml (fast) or, where it refuses
    valid YAML 1.2, the pure-Python parser.

    libyaml keeps a YAML 1.1 rule that rejects `:` inside a plain scalar in a flow
    collection (`{image: ollama/ollama:latest}`); Compose itself accepts it.
    """
    try:
        return list(_FAST_YAML.compose_all(text))
    except MarkedYAMLError as fast_error:
        try:
            return list(_COMPLETE_YAML.compose_all(text))
        except YAMLError:
            raise fast_error from None


def _is_empty(root: Node) -> bool:
    return is_null(root) and root.value == ""


def _yaml_error(error: MarkedYAMLError, text: str) -> str:
    mark = error.problem_mark or error.context_mark
    problem = error.problem
    if problem == "found undefined alias" and mark is not None:
        alias = _ALIAS.match(text, mark.index)
        if alias is not None:
            name = alias.group()[1:]
            anchor = re.search(rf"(?:^|(?<=[\s\[{{,]))&{re.escape(name)}(?![^\s,\[\]{{}}])", text[: mark.index])
            if anchor is not None:
                # YAML scopes an anchor to its document; Docker Compose's parser lets a later
                # document refer to it, which ruamel.yaml cannot follow.
                line = line_number(text, anchor.start())
                return f"an alias to an anchor of an earlier document ({name!r}, line {line}) is not supported"
            problem += f" {name!r}"
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    context = f" {error.context}:" if error.context else ""
    marks = [m for m in (error.context_mark, error.problem_mark) if m is not None]
    lines = text.splitlines()[min(m.line for m in marks) : max(m.line for m in marks) + 1] if marks else []
    if any(_TEMPLATE_TAG.search(line) for line in lines):
        where += " (a Go or Jinja template tag: render the template and check what it makes, or `exclude` it)"
    return f"invalid YAML:{context} {problem}{where}"


_TEMPLATE_TAG = regexes.lazy(r"\{\{.*\}\}|\{%.*%\}")
"""A tag of a Go template (`{{ if .Env.DEV }}`) or a Jinja one (`{% if dev %}`), which a
file rendered into a Compose file holds, and YAML cannot read."""


DEFAULT_FILE_NAMES = frozenset({"compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"})
"""The files Compose reads when it is given none (`-f`)."""


def parse(
    text: str, location: Path | None = None, merged_by_include: tuple[MergedByInclude, ...] = ()
) -> ComposeDocument:
    """A file Compose reads only when it is named (`-f compose.prod.yaml`, the override
    files) may be empty, a template of comments: merged over the files named before it, it
    changes nothing, which Compose accepts. A file Compose reads by default holds services.
    `merged_by_include` is what the run's other Compose files merge over it by `include:`."""
    empty_allowed = location is not None and location.name not in DEFAULT_FILE_NAMES
    document = ComposeDocument.parse(text, empty_allowed=empty_allowed)
    for part in document.documents:
        part.location = location
        part.merged_by_include = merged_by_include
    return document


class TooLarge(Exception):
    """The document expands to more values than hardenfix will build in memory."""


_SCALAR_TYPES = {
    "tag:yaml.org,2002:null": lambda value: None,
    "tag:yaml.org,2002:bool": lambda value: value.lower() == "true",
    "tag:yaml.org,2002:int": lambda value: int(value.replace("_", ""), 0) if value[1:2] in "xob" else int(value),
    "tag:yaml.org,2002:float": lambda value: float(value.replace(".inf", "inf").replace(".nan", "nan")),
}


def to_data(root: Node, limit: int = 1_000_000) -> object:
    """The document as plain data (dicts, lists, scalars), merge keys resolved.

    Custom tags (`!reset`, `!override`) keep their plain value. A node reached
    through several aliases is one shared object, and the expanded size is
    counted: an alias bomb raises TooLarge instead of exhausting memory.
    """
    built: dict[int, object] = {}
    sizes: dict[int, int] = {}

    def size(node: Node) -> int:
        if id(node) not in sizes:
            sizes[id(node)] = 0  # a cycle is counted once
            children = (
                [child for pair in node.value for child in pair]
                if isinstance(node, MappingNode)
                else node.value
                if isinstance(node, SequenceNode)
                else []
            )
            sizes[id(node)] = 1 + sum(size(child) for child in children)
            if sizes[id(node)] > limit:
                raise TooLarge(f"expands to more than {limit:,} values through aliases")
        return sizes[id(node)]

    def build(node: Node) -> object:
        if id(node) in built:
            return built[id(node)]
        if isinstance(node, ScalarNode):
            convert = _SCALAR_TYPES.get(node.tag)
            try:
                value = convert(str(node.value)) if convert else node.value
            except ValueError:
                value = node.value
        elif isinstance(node, SequenceNode):
            value = []
            built[id(node)] = value
            value.extend(build(item) for item in node.value)
        else:
            value = {}
            built[id(node)] = value
            for source in reversed(merged_mappings(node)):
                merged = build(source)
                if isinstance(merged, dict):
                    value.update(merged)
            for entry in entries(node):
                # Compose reads every key as a string: `true:` names a service "true".
                key = entry.key.value if isinstance(entry.key, ScalarNode) else repr(build(entry.key))
                value[str(key)] = build(entry.value)
        built[id(node)] = value
        return value

    size(root)
    return build(root)
