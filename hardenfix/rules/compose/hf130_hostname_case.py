from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hardenfix.hosts import WHY_LOWERCASE, lowercased, url_hosts
from hardenfix.model import Category, Edit, FileKind, Finding, ValueChange
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import (
    ComposeDocument,
    Service,
    entries,
    iter_scalars,
    lookup,
    mask_interpolations,
)

# `extra_hosts` entries: `name:address` or `name=address`.
_EXTRA_HOST_NAME = re.compile(r"[^:=\s]+")
_URL_FIELDS = ("environment", "command", "entrypoint", "healthcheck")
_HOST_FIELDS = ("hostname", "domainname")


class HostnameCase(Rule):
    """
    ## What it does
    Finds upper-case letters in host names: the host part of URLs in
    environment values, healthcheck tests, commands and entrypoints
    (`http://supabase_kong_PMOVES.AI:8000`), and in `hostname`, `domainname`,
    network `aliases` and `extra_hosts` names. It lowercases only the host:
    the scheme, user info, port, path, query and any `${...}` stay as written.

    ## Why is this bad?
    DNS ignores case, but much of what sits around it does not: reverse
    proxies and API gateways route on the `Host` header as a string, TLS
    certificate and cookie-domain checks compare names, and two spellings of
    one service end up as two keys in caches, allow-lists and metrics. A
    mixed-case host works in one path and fails in the next.

    ## Example
    ```yaml
    services:
      api:
        environment:
          SUPABASE_URL: http://supabase_kong_PMOVES.AI:8000/rest/v1
    ```

    ## Use instead
    ```yaml
    services:
      api:
        environment:
          SUPABASE_URL: http://supabase_kong_pmoves.ai:8000/rest/v1
    ```

    ## Fix safety
    Safe: host names are case-insensitive by definition, so the lowercase name
    reaches the same host.
    """

    code = "HF130"
    slug = "hostname-case"
    kind = FileKind.COMPOSE
    category = Category.CORRECTNESS
    summary = "Upper-case letters in a host name"
    fix_safety = FixSafety.SAFE
    prefilter = re.compile(rb"://[^\s/]*[A-Z]|hostname|domainname|aliases|extra_hosts")
    changes = (
        "services.*.environment.**",
        "services.*.command.**",
        "services.*.entrypoint.**",
        "**.test.**",
        "services.*.hostname",
        "services.*.domainname",
        "services.*.networks.*.aliases.**",
        "services.*.extra_hosts.**",
    )
    value_change = ValueChange.LETTER_CASE

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        seen: set[int] = set()
        for service in document.services():
            for scalar in self._url_scalars(service):
                if id(scalar) in seen:
                    continue
                seen.add(id(scalar))
                start = scalar.start_mark.index
                masked = mask_interpolations(document.source_of(scalar))
                for first, last in url_hosts(masked):
                    yield from self._host(document, start + first, masked[first:last], "URL host")
            for scalar, locate in self._host_scalars(service):
                if id(scalar) in seen:
                    continue
                seen.add(id(scalar))
                source = document.source_of(scalar)
                first, last = locate(source)
                host = mask_interpolations(source)[first:last]
                yield from self._host(document, scalar.start_mark.index + first, host, "host name")

    @staticmethod
    def _url_scalars(service: Service) -> Iterator[ScalarNode]:
        for field in _URL_FIELDS:
            entry = service.get(field)
            if entry is None:
                continue
            value = entry.value
            if field == "healthcheck" and isinstance(value, MappingNode):
                test = lookup(value, "test")
                value = test.value if test is not None else None
            if value is not None:
                yield from iter_scalars(value)

    @staticmethod
    def _host_scalars(service: Service) -> Iterator[tuple[ScalarNode, Callable[[str], tuple[int, int]]]]:
        """Scalars that are (or start with) a host name, with where in the scalar's source the name is."""
        for field in _HOST_FIELDS:
            entry = service.get(field)
            if entry is not None and isinstance(entry.value, ScalarNode):
                yield entry.value, _whole_value
        networks = service.get("networks")
        if networks is not None and isinstance(networks.value, MappingNode):
            for network in entries(networks.value):
                aliases = lookup(network.value, "aliases") if isinstance(network.value, MappingNode) else None
                if aliases is not None and isinstance(aliases.value, SequenceNode):
                    for alias in aliases.value.value:
                        if isinstance(alias, ScalarNode):
                            yield alias, _whole_value
        extra_hosts = service.get("extra_hosts")
        if extra_hosts is None:
            return
        if isinstance(extra_hosts.value, MappingNode):
            names: list[Node] = [entry.key for entry in entries(extra_hosts.value)]
        elif isinstance(extra_hosts.value, SequenceNode):
            names = list(extra_hosts.value.value)
        else:
            names = []
        for name in names:
            if isinstance(name, ScalarNode):
                yield name, _extra_host_name

    def _host(self, document: ComposeDocument, start: int, masked_host: str, what: str) -> Iterator[Finding]:
        """A finding when the host at `start` (interpolations masked) has upper-case letters."""
        end = start + len(masked_host)
        original = document.text[start:end]
        lowered = lowercased(original, masked_host)
        if lowered is not None:
            yield self.finding(
                document,
                start,
                end,
                f"{what} `{original}` has upper-case letters; {WHY_LOWERCASE}",
                self.fix(f"Lowercase to `{lowered}`", Edit.replace(start, end, lowered)),
            )


def _unquoted(source: str) -> tuple[int, int]:
    quote = 1 if source[:1] in ("'", '"') else 0
    return quote, len(source) - quote


def _whole_value(source: str) -> tuple[int, int]:
    return _unquoted(source)


def _extra_host_name(source: str) -> tuple[int, int]:
    first, last = _unquoted(source)
    match = _EXTRA_HOST_NAME.match(source, first, last)
    return first, match.end() if match else first
