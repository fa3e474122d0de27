from __future__ import annotations

from collections.abc import Iterator
from itertools import pairwise
from typing import NamedTuple

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from hardenfix import hosts, regexes
from hardenfix.model import Category, FileKind, Finding, ValueChange
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service, entries, iter_scalars, lookup, variable_syntax

_URL_FIELDS = ("environment", "command", "entrypoint", "healthcheck")
# `extra_hosts` entries: `name:address` or `name=address`.
_EXTRA_HOST_NAME = regexes.lazy(r"[^:=]*")

_IDENTITY = (
    "a container's host name is its identity: RabbitMQ names its node and its data folder after it, "
    "and clustered services compare it as a string, so a new spelling can orphan data"
)
_HOSTS_FILE = (
    "`extra_hosts` names go to the container's /etc/hosts, which musl-based images (Alpine) "
    "search case-sensitively, so a lookup of the name as written elsewhere would stop matching"
)

_HOST_NETWORK_HOSTS_FILE = (
    "with `network_mode: host` the container's /etc/hosts is a copy of the host machine's (moby"
    " `buildSandboxOptions`, `OptionOriginHostsPath`), which musl-based images (Alpine) search"
    " case-sensitively: a name it lists as written today would stop matching"
)
_MOUNTED_HOSTS_FILE = (
    "a bind mount puts a hosts file of its own at /etc/hosts, which musl-based images (Alpine)"
    " search case-sensitively: a name it lists as written today would stop matching"
)

_LINKED = (
    "on the default bridge network Docker writes a link's alias to the container's /etc/hosts as written"
    " (moby `buildSandboxOptions`), which musl-based images (Alpine) search case-sensitively"
)


_LABELS = {
    "hostname": "`hostname`",
    "domainname": "`domainname`",
    "aliases": "network alias",
    "extra_hosts": "`extra_hosts` name",
}


class _HostField(NamedTuple):
    """A scalar whose value is a host name, or starts with one (`extra_hosts`)."""

    node: ScalarNode
    field: str
    unsafe_because: str | None

    @property
    def name_end(self) -> int:
        value = str(self.node.value)
        match = _EXTRA_HOST_NAME.match(value)
        return match.end() if self.field == "extra_hosts" and match else len(value)

    @property
    def name(self) -> str:
        return str(self.node.value)[: self.name_end]


class HostnameCase(Rule):
    """
    ## What it does
    Finds upper-case letters in host names: the host part of URLs in
    environment values, healthcheck tests, commands and entrypoints
    (`http://supabase_kong_PMOVES.AI:8000`), and in `hostname`, `domainname`,
    network `aliases` and `extra_hosts` names. It lowercases only the host's
    letters: the scheme, credentials, port, path, query and every variable
    name stay as written.

    Only what is clearly a DNS host name counts:
    - the host of a URL whose scheme names DNS hosts (`http`, `https`, `ws`,
      `postgres`, `mysql`, `mongodb`, `mongodb+srv`, `redis`, `amqp`, `nats`,
      `kafka`, `grpc`, `ftp`, `ssh`, ...: an allow-list). `s3://Bucket`,
      `gs://...`, `file://`, `unix://` and schemes hardenfix does not know
      name buckets, paths or anything else, and are left alone;
    - made of letters, digits, `.`, `-`, `_` and variables: IPv6 literals
      and `%`-encoded names are left alone;
    - in a URL with at most one `@`, before the first `/`, `?` or `#`.
      Clients disagree about where other credentials end: in
      `postgresql://Reporting:#Tr0ub4dor@db/app` libpq and SQLAlchemy read
      user `Reporting` and host `db`, RFC 3986 parsers (urllib, Go, curl,
      browsers) host `Reporting`, and a role name is case-sensitive. Such a
      URL is left alone, and so is one with an `@` in its path or query
      (`https://Mastodon.Social/@Gargron`);
    - in a URL that lists several servers (`mongodb://a,B,C:27017/`), every
      host is lowercased, in one fix.

    Variables are read as Compose reads them, in the value YAML gives (quotes,
    escapes and folded lines resolved): a variable name (`${MONGO_HOST}`,
    `$MONGO_HOST`, `$${SHELL_VAR}`) is never changed; inside a default or
    alternate value (`${URL:-http://Mongo:27017}`, `http://${HOST:-Api}`),
    only the part that is a host is. A value whose interpolation Compose
    rejects is left alone.

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
    Decided per field:
    - URL hosts and network `aliases`: safe. Names are resolved by DNS,
      which is case-insensitive (RFC 4343), and Docker's embedded DNS stores
      and looks up names in lower case (moby/libnetwork#2394, 2019), as does
      Podman's aardvark-dns (containers/aardvark-dns#146, 2022). Only text
      that every client reads as the host is changed, never a user name. A
      URL host that is also an upper-case `extra_hosts` or `hostname` name in the file
      is resolved through /etc/hosts instead: unsafe, as below.
    - a URL host that is a legacy `links` or `external_links` alias with
      upper-case letters: unsafe. On the default bridge network Docker writes
      the alias to /etc/hosts as written, as below.
    - a URL host of a service whose /etc/hosts is not Docker's own: unsafe.
      With `network_mode: host` it is a copy of the host machine's (a home
      server's `192.168.1.20 NAS`), and a bind mount may replace it; names
      listed there are matched as below.
    - `extra_hosts` names: unsafe. They are written to the container's
      /etc/hosts, and musl (Alpine) matches names there case-sensitively
      (`name_from_hosts` uses `strstr`), so a program that looks up the name
      as spelled elsewhere would stop finding it.
    - `hostname` and `domainname`: unsafe. They are the container's identity,
      not only a name to reach it by: RabbitMQ derives its node name and its
      data folder from the host name, and clustered services compare it as a
      string, so a new spelling can start with empty data.
    - a URL also compared as text: unsafe. An environment variable or a
      command option named as an OAuth redirect URI or callback, or an OpenID
      issuer or audience, or the public URL such URLs are built from
      (`OAUTH_REDIRECT_URI`, `OIDC_ISSUER`, oauth2-proxy's
      `--oidc-issuer-url=...` and `--redirect-url ...`, Keycloak's
      `--hostname=...`), or a URL that is another URL's query value
      (`?redirect_uri=https://App.Example.com/cb`): an authorisation server
      matches a redirect URI against the registered one as a string, and a
      client the issuer letter for letter (go-oidc refuses a provider whose
      issuer differs, and oauth2-proxy does not start).
    A host written with a YAML escape (`\\x41`) is reported without a fix.
    """

    code = "HF130"
    slug = "hostname-case"
    kind = FileKind.COMPOSE
    category = Category.CORRECTNESS
    summary = "Upper-case letters in a host name"
    fix_safety = FixSafety.SOMETIMES
    prefilter = regexes.lazy(rb"://[^\s/]*[A-Z]|hostname|domainname|aliases|extra_hosts")
    changes = (
        "services.*.environment.**",
        "services.*.command.**",
        "services.*.entrypoint.**",
        "**.test.**",
        "services.*.hostname",
        "services.*.domainname",
        "services.*.networks.*.aliases.**",
        "services.*.extra_hosts.**",
        "x-*.**",  # values services take from an anchored extension field
    )
    value_change = ValueChange.HOST_CASE

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        fields = [field for service in document.services() for field in _host_fields(service)]
        hosts_file_names = {
            field.name.lower(): (f"`{field.field}`", _HOSTS_FILE)
            for field in fields
            if field.field in ("extra_hosts", "hostname") and field.name != field.name.lower()
        }
        hosts_file_names.update(
            (alias.lower(), (f"the `{key}` alias", _LINKED))
            for service in document.services()
            for key, alias in _link_aliases(service)
            if alias != alias.lower()
        )
        # A scalar shared through an anchor is read for every service that uses it.
        own_hosts_files = {
            id(scalar): reason
            for service in document.services()
            if (reason := _own_hosts_file(service)) is not None
            for scalar in _url_scalars(service)
        }
        seen: set[int] = set()
        for service in document.services():
            names = {id(variable.node): name for name, variable in service.environment().items()}
            names.update(_option_values(service))
            for scalar in _url_scalars(service):
                if id(scalar) not in seen:
                    seen.add(id(scalar))
                    yield from self._urls(
                        document, scalar, hosts_file_names, names.get(id(scalar)), own_hosts_files.get(id(scalar))
                    )
        for field in fields:
            if id(field.node) not in seen:
                seen.add(id(field.node))
                yield from self._host_field(document, field)

    def _urls(
        self,
        document: ComposeDocument,
        scalar: ScalarNode,
        hosts_file_names: dict[str, tuple[str, str]],
        variable: str | None,
        own_hosts_file: str | None,
    ) -> Iterator[Finding]:
        value = scalar.value
        syntax = variable_syntax(value) if isinstance(value, str) and "://" in value else None
        if syntax is None:
            return
        masked = hosts.mask(value, syntax)
        for url in hosts.url_hosts(masked):
            changes = {
                position: masked[position].lower()
                for start, end in url.spans
                for position in range(start, end)
                if masked[position] != masked[position].lower()
            }
            if not changes:
                continue
            declared = [
                hosts_file_names[value[s:e].lower()] for s, e in url.spans if value[s:e].lower() in hosts_file_names
            ]
            unsafe_because = f"{declared[0][0]} names the same host: {declared[0][1]}" if declared else own_hosts_file
            unsafe_because = hosts.compared_as_text(masked, url.spans[0][0], variable) or unsafe_because
            what = "URL hosts" if len(url.spans) > 1 else "URL host"
            yield self._finding(document, scalar, url.spans, changes, what, unsafe_because)

    def _host_field(self, document: ComposeDocument, field: _HostField) -> Iterator[Finding]:
        value = field.node.value
        syntax = variable_syntax(value) if isinstance(value, str) and field.node.tag.endswith(":str") else None
        if syntax is None:
            return
        masked = hosts.mask(value, syntax)[: field.name_end]
        if not hosts.is_host_name(masked):
            return
        changes = {i: char.lower() for i, char in enumerate(masked) if char != char.lower()}
        if changes:
            spans = ((0, field.name_end),)
            yield self._finding(document, field.node, spans, changes, _LABELS[field.field], field.unsafe_because)

    def _finding(
        self,
        document: ComposeDocument,
        scalar: ScalarNode,
        spans: tuple[tuple[int, int], ...],
        changes: dict[int, str],
        what: str,
        unsafe_because: str | None,
    ) -> Finding:
        """A finding on the hosts at `spans` of the scalar's value, fixed by `changes`."""
        value = str(scalar.value)
        origins = document.value_origins(scalar)
        written = [origins[i] for s, e in spans for i in range(s, e)] if origins else []
        offsets = [offset for offset in written if offset is not None]
        start, end = (min(offsets), max(offsets) + 1) if offsets else document.span(scalar)
        shown = ", ".join(value[s:e] for s, e in spans)
        verb = "have" if len(spans) > 1 else "has"
        message = f"{what} `{shown}` {verb} upper-case letters; {hosts.WHY_LOWERCASE}"
        edit = document.value_edit(origins, changes) if origins else None
        if edit is None:
            return self.finding(document, start, end, f"{message} (written with a YAML escape: no fix)")
        lowered = ", ".join("".join(changes.get(i, value[i]) for i in range(s, e)) for s, e in spans)
        fix = self.fix(f"Lowercase to `{lowered}`", edit)
        return self.finding(document, start, end, message, fix, doubts=[unsafe_because])


def _url_scalars(service: Service) -> Iterator[ScalarNode]:
    for field in _URL_FIELDS:
        entry = service.get(field)
        if entry is None:
            continue
        value: Node | None = entry.value
        if field == "healthcheck" and isinstance(value, MappingNode):
            test = lookup(value, "test")
            value = test.value if test is not None else None
        if value is not None:
            yield from iter_scalars(value)


def _own_hosts_file(service: Service) -> str | None:
    """Why the container's /etc/hosts may list names hardenfix cannot see: it shares the host
    machine's network, or a bind mount replaces the file."""
    network = service.get("network_mode")
    if network is not None and isinstance(network.value, ScalarNode) and network.value.value == "host":
        return _HOST_NETWORK_HOSTS_FILE
    if any(mount.target == "/etc/hosts" for mount in service.bind_mounts()):
        return _MOUNTED_HOSTS_FILE
    return None


def _option_values(service: Service) -> Iterator[tuple[int, str]]:
    """The items of a list-form command or entrypoint that are the value of the option
    before them (`["--oidc-issuer-url", "https://..."]`), by `id`, with that option."""
    for field in ("command", "entrypoint"):
        entry = service.get(field)
        if entry is None or not isinstance(entry.value, SequenceNode):
            continue
        items = entry.value.value
        for option, value in pairwise(items):
            if isinstance(option, ScalarNode) and str(option.value).startswith("-") and "=" not in str(option.value):
                yield id(value), str(option.value)


def _link_aliases(service: Service) -> Iterator[tuple[str, str]]:
    """The names legacy `links` and `external_links` give other containers (`db:MainDB`
    names `MainDB`, `db` names `db`), with their key."""
    for key in ("links", "external_links"):
        entry = service.get(key)
        if entry is not None and isinstance(entry.value, SequenceNode):
            for link in entry.value.value:
                if isinstance(link, ScalarNode) and isinstance(link.value, str):
                    yield key, link.value.rpartition(":")[2]


def _host_fields(service: Service) -> Iterator[_HostField]:
    """The scalars of a service that are, or start with, a host name."""
    for field in ("hostname", "domainname"):
        entry = service.get(field)
        if entry is not None and isinstance(entry.value, ScalarNode):
            yield _HostField(entry.value, field, _IDENTITY)
    networks = service.get("networks")
    if networks is not None and isinstance(networks.value, MappingNode):
        for network in entries(networks.value):
            aliases = lookup(network.value, "aliases") if isinstance(network.value, MappingNode) else None
            if aliases is not None and isinstance(aliases.value, SequenceNode):
                for alias in aliases.value.value:
                    if isinstance(alias, ScalarNode):
                        yield _HostField(alias, "aliases", None)
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
            yield _HostField(name, "extra_hosts", _HOSTS_FILE)
