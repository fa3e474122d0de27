"""A Compose healthcheck's `test` as a probe, and rewrites that keep the form it was written in.

Compose accepts three forms, and a fix writes back the one it found:

- a string, run by the container's shell (`test: curl -f http://localhost/ || exit 1`);
- `["CMD-SHELL", "<shell command>"]`, the same as a list;
- `["CMD", "<program>", "<argument>", ...]`, executed without a shell.

The shell command is handled as the value YAML gives (quotes resolved); Compose's
`$$` escapes stay doubled throughout, as the probe functions in `hardenfix.probes`
treat `$` as an ordinary character.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import NamedTuple

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from hardenfix import probes
from hardenfix.model import Edit
from hardenfix.sources.compose import ComposeDocument, Entry, Service, insertion_target, lookup, replaces_merged

SHELL_BUILTINS = frozenset(
    {"exit", "true", "false", "test", "[", "echo", "printf", ":", "cd", "kill", "command", "type"}
)


class Probe(NamedTuple):
    form: str
    """`CMD`, `CMD-SHELL` or `string`."""
    test: Entry
    """The `test` entry of the healthcheck."""
    argv: tuple[str, ...] | None
    """The program and arguments of a `CMD` probe."""
    command: str | None
    """The shell command of a `CMD-SHELL` or string probe."""
    command_node: ScalarNode | None
    in_flow: bool
    """Whether the command scalar stands inside a flow collection."""

    @property
    def uses_shell(self) -> bool:
        return self.command is not None

    @property
    def programs(self) -> list[str]:
        """The programs the probe runs that must succeed for it to pass: a `CMD` probe's,
        or the simple commands its shell command starts with, joined by `&&` (`test -f
        /tmp/ready && curl -f ...`), each minus `exec`."""
        if self.argv is not None:
            return [posixpath.basename(self.argv[0])] if self.argv else []
        return [posixpath.basename(words[0].value) for words in probes.leading_commands(self.command or "")]

    def http_probe(self) -> probes.HttpProbe | None:
        if self.argv is not None:
            return probes.http_probe_from_argv(self.argv)
        return probes.find_http_probe(self.command or "")


def probe_of(healthcheck: Entry) -> Probe | None:
    """The probe of a healthcheck entry whose value is a mapping with a `test`."""
    if not isinstance(healthcheck.value, MappingNode):
        return None
    test = lookup(healthcheck.value, "test")
    if test is None:
        return None
    node = test.value
    if isinstance(node, ScalarNode) and isinstance(node.value, str) and node.value.strip():
        return Probe("string", test, None, node.value, node, bool(test.owner.flow_style))
    if not isinstance(node, SequenceNode) or not node.value:
        return None
    items = node.value
    if not all(isinstance(item, ScalarNode) for item in items):
        return None
    words = [str(item.value) for item in items]
    if words[0] == "CMD-SHELL" and len(words) == 2:
        return Probe("CMD-SHELL", test, None, words[1], items[1], bool(node.flow_style))
    if words[0] == "CMD" and len(words) > 1:
        return Probe("CMD", test, tuple(words[1:]), None, None, bool(node.flow_style))
    return None


def probe_parts(healthcheck: Entry) -> tuple[tuple[str, ...] | None, str | None]:
    """A healthcheck's probe as `probes` reads one: its argument vector and its shell
    command (either may be None; both are when it has no probe)."""
    probe = probe_of(healthcheck)
    return (probe.argv, probe.command) if probe else (None, None)


class ProbeDoubts:
    """What a `doubt` raises about the probes (argument vector, shell command) of the
    healthchecks a missing `key` would be written into, by where it goes: anchored defaults
    serve every healthcheck merging them, and the healthcheck of a service that another
    `extends` in the same file serves that one's too (Compose merges the two key by key), so a
    doubt about one probe holds for them all."""

    def __init__(
        self,
        document: ComposeDocument,
        key: str,
        doubt: Callable[[Sequence[str] | None, str | None], str | None],
    ) -> None:
        self._by_target: dict[int, dict[str, str]] = {}
        for service in document.services():
            healthcheck = service.active_healthcheck()
            if healthcheck is None or key in service.healthcheck_keys:
                continue
            reason = doubt(*probe_parts(healthcheck))
            if reason is None:
                continue
            targets = [insertion_target(healthcheck.value)]
            for base in service.lineage()[1:]:
                inherited = lookup(base.node, "healthcheck")
                if inherited is not None and isinstance(inherited.value, MappingNode):
                    targets.append(insertion_target(inherited.value))
            for target in targets:
                self._by_target.setdefault(id(target), {}).setdefault(service.name, reason)

    def about(self, service: Service, target: MappingNode) -> str | None:
        """The doubt about writing the key into `target` for `service`: about its own probe
        first, else about another probe that merges the same defaults."""
        reasons = self._by_target.get(id(target), {})
        if service.name in reasons:
            return reasons[service.name]
        other = next(iter(reasons), None)
        return None if other is None else f"it goes into defaults that service `{other}` merges too: {reasons[other]}"


def replaced_elsewhere(document: ComposeDocument, target: MappingNode, keys: Iterable[str]) -> str | None:
    """Why writing `keys` into `target` may change another service's healthcheck: it merges
    `target` before another source that sets one of them (see `replaces_merged`)."""
    if id(target) not in document.merge_sources:
        return None
    for service in document.services():
        entry = lookup(service.node, "healthcheck")
        if entry is None or not isinstance(entry.value, MappingNode) or entry.value is target:
            continue
        for key in keys:
            if replaces_merged(target, key, entry.value):
                return (
                    f"it goes into defaults that service `{service.name}`'s healthcheck merges before another"
                    f" source of `{key}`, whose value it would replace"
                )
    return None


def service_probes(document: ComposeDocument) -> Iterator[tuple[Service, Probe]]:
    """Each service's active probe, once per probe as written: services that share an
    anchored healthcheck share its probe, which is reported and fixed once."""
    for services, probe in shared_probes(document):
        yield services[0], probe


def shared_probes(document: ComposeDocument) -> Iterator[tuple[list[Service], Probe]]:
    """Each active probe as written, with every service that runs it, in file order (more
    than one where services share an anchored healthcheck): a rule whose fix depends on the
    service's image must hold for each of them."""
    sharing: dict[int, tuple[list[Service], Probe]] = {}
    for service in document.services():
        healthcheck = service.active_healthcheck()
        probe = probe_of(healthcheck) if healthcheck is not None else None
        if probe is not None:
            sharing.setdefault(id(probe.test.value), ([], probe))[0].append(service)
    yield from sharing.values()


def rewrite_command(document: ComposeDocument, probe: Probe, start: int, end: int, replacement: str) -> Edit | None:
    """Replace `command[start:end]` of a shell-form probe, leaving the rest of the command as written."""
    return rewrite_command_spans(document, probe, [(start, end, replacement)])


def rewrite_command_spans(
    document: ComposeDocument, probe: Probe, spans: Sequence[tuple[int, int, str]]
) -> Edit | None:
    """Replace each `(start, end, replacement)` span of a shell-form probe's command (spans
    that do not overlap), leaving the rest of the command as written."""
    assert probe.command is not None and probe.command_node is not None
    command = probe.command
    for start, end, replacement in sorted(spans, reverse=True):
        command = command[:start] + replacement + command[end:]
    return document.replace_scalar(probe.command_node, command, probe.in_flow)


def rewrite_probe(document: ComposeDocument, probe: Probe, argv: Sequence[str]) -> Edit | None:
    """Replace the whole probe with `argv`, in the probe's own form."""
    if probe.argv is not None:
        return document.replace_items(probe.test.value, ["CMD", *argv])
    assert probe.command is not None
    return rewrite_command(document, probe, 0, len(probe.command), probes.shell_join(argv))


_PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY")


def proxied(service: Service, host: str = "127.0.0.1") -> str | None:
    """Why an HTTP probe of `host` may go to a proxy instead of the server: the service's
    environment names one, and python3's urllib, curl and wget send every request through
    it unless `no_proxy` lists the host as written (urllib compares names: `localhost` does
    not match 127.0.0.1)."""
    environment = service.environment()
    proxy = next((name for name in _PROXY_VARIABLES if name in environment), None)
    if proxy is None:
        return None
    reached_directly = re.compile(rf"(?:^|,)\s*(?:{re.escape(host)}|\*)\s*(?:,|$)")
    bypass = [variable.value or "" for name, variable in environment.items() if name.lower() == "no_proxy"]
    if any(reached_directly.search(value) for value in bypass):
        return None
    return f"its environment sets `{proxy}`, and the probe's HTTP client would ask the proxy for {host}"
