"""Host names written in configuration: which parts of a URL are DNS host names.

Text is searched with its variable syntax masked (`mask`, given the spans a source
module found: Compose's `variable_syntax`, the Dockerfile's), so that a host can be
found around `${STACK}` and lowercased without touching a variable name: a masked
character is never changed, and a default value's text (`${HOST:-Api}`) is not masked,
because it is what the host becomes when the variable is unset.

A host is only one that is clearly a DNS name:

- the URL's scheme is one whose authority names DNS hosts (`DNS_SCHEMES`); an allow-list
  and not a deny-list, because a scheme hardenfix does not know may put anything there,
  and lowercasing a name it does not understand is how a fix breaks a stack: `s3://Bucket`
  and `gs://` name buckets, `file://` and `unix://` paths, `docker://` images, and an
  application's own scheme (`vault://Secret/Path`) whatever it likes;
- every host of the authority is made of letters, digits, `.`, `-` and `_` (and masked
  variables): an IPv6 literal (`[::1]`), a `%`-encoded name or anything else leaves the
  whole URL alone;
- the URL has at most one `@`, and it lies in the authority: clients disagree about where
  credentials that hold `@`, `/`, `?` or `#` end. RFC 3986 parsers (Python's urllib, Go's
  net/url, browsers, curl) end the authority at the first `/`, `?` or `#`, and the host
  follows an `@` inside it; libpq (`conninfo_uri_parse_options`) reads credentials up to the first `@` before any `/`
  (`postgresql://Reporting:#Tr0ub4dor@db/app` is user `Reporting`, host `db`, and
  `postgresql://Host?user=a@b` user `Host?user=a`), SQLAlchemy a password up to the first
  `@` wherever it is (`Reporting:8/Jx3qL@db`). Where they disagree, one client's host is
  another's user name, which is case-sensitive, and no spelling is safe to change; so an
  `@` in a path or query (`https://Medium.com/@User`) leaves the URL alone too;
- each host's port, if any, is a number;
- no host is written as a variable's name is, all upper case with an underscore
  (`http://NEXT_PUBLIC_WEBAPP_URL_PLACEHOLDER`): that is a token a script replaces by
  its exact text, not a host;
- where a scheme's clients accept a list of servers (`mongodb://a,B,C:27017/`), every
  host of the list is a host, and they are lowercased together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from hardenfix import regexes

MASK = "\0"
"""Stands, in masked text, for a character of variable syntax."""

DNS_SCHEMES = frozenset(
    {
        "http", "https", "ws", "wss", "ftp", "ftps", "sftp", "ssh", "git",
        "postgres", "postgresql", "mysql", "mariadb", "mssql", "sqlserver", "oracle", "cockroachdb",
        "clickhouse", "mongodb", "redis", "rediss", "memcached", "cassandra", "neo4j", "bolt",
        "amqp", "amqps", "mqtt", "mqtts", "nats", "tls", "kafka", "grpc", "grpcs", "tcp", "udp",
        "ldap", "ldaps", "smtp", "smtps", "imap", "imaps", "pop3", "pop3s",
    }
)  # fmt: skip
"""Schemes whose authority names DNS hosts (or IP addresses), and `<scheme>+<variant>` of
them: `mongodb+srv`, `postgresql+asyncpg`, `redis+sentinel` name the same servers."""

_HOST_LIST_SCHEMES = frozenset({"mongodb", "postgres", "postgresql", "mysql", "mariadb", "redis", "kafka", "cassandra"})
"""Schemes whose clients accept several servers in one authority (`host1:p1,host2:p2`)."""

_URL_START = regexes.lazy(r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*)://")
# The authority ends at the path, query or fragment, at blanks and quotes, and at what
# ends a word in a shell command.
_AUTHORITY_END = regexes.lazy(r"[/?#\s'\"`;|&()<>]|,(?=[A-Za-z][A-Za-z0-9+.-]*://)")
# Where a URL ends for the question whether an `@` beyond its authority makes it ambiguous:
# only what a URL cannot hold, since a query may hold `&`, `;` or `,`.
_URL_END = regexes.lazy(r"[\s'\"`]|,(?=[A-Za-z][A-Za-z0-9+.-]*://)")
_HOST_CHARACTER = regexes.lazy(rf"[A-Za-z0-9._{MASK}-]")
_PORT = regexes.lazy(rf"[0-9{MASK}]*")

WHY_LOWERCASE = "proxies, certificates and caches compare hosts as strings"


class UrlHosts(NamedTuple):
    """The hosts of one URL, as spans of the text searched."""

    spans: tuple[tuple[int, int], ...]


def mask(text: str, syntax: Iterable[tuple[int, int]]) -> str:
    """`text` with the characters of the spans `syntax` replaced by MASK, at unchanged offsets."""
    characters = list(text)
    for start, end in syntax:
        characters[start:end] = MASK * (end - start)
    return "".join(characters)


def is_dns_scheme(scheme: str) -> bool:
    return scheme.lower().split("+", 1)[0] in DNS_SCHEMES


def url_hosts(masked: str, start: int = 0) -> Iterator[UrlHosts]:
    """The hosts of each URL in `masked` (text with its variable syntax masked) from
    `start`, for URLs whose scheme names DNS hosts and whose hosts are all clearly DNS
    names (see the module's documentation)."""
    for url in _URL_START.finditer(masked, start):
        scheme = url.group(1).lower()
        if not is_dns_scheme(scheme):
            continue
        authority_start = url.end()
        stop = _AUTHORITY_END.search(masked, authority_start)
        authority_end = stop.start() if stop else len(masked)
        if scheme.split("+", 1)[0] not in _HOST_LIST_SCHEMES:
            comma = masked.find(",", authority_start, authority_end)
            authority_end = authority_end if comma == -1 else comma
        url_end = _URL_END.search(masked, authority_start)
        at_signs = masked.count("@", authority_start, url_end.start() if url_end else len(masked))
        if at_signs > 1 or (at_signs == 1 and "@" not in masked[authority_start:authority_end]):
            continue  # clients disagree where the host is (see the module's documentation)
        hosts = _hosts(masked, authority_start, authority_end)
        if hosts:
            yield UrlHosts(hosts)


def _hosts(masked: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The host spans of the authority `masked[start:end]`; () unless all are DNS names."""
    at_sign = masked.find("@", start, end)
    server_start = start if at_sign == -1 else at_sign + 1  # after the credentials, if any
    spans = []
    for server in masked[server_start:end].split(","):
        host, _, port = server.partition(":")
        if not is_host_name(host) or not _PORT.fullmatch(port) or _is_token(host):
            return ()
        spans.append((server_start, server_start + len(host)))
        server_start += len(server) + 1
    return tuple(spans)


def _is_token(host: str) -> bool:
    """A token that a script replaces, written as a variable's name is, rather than a host
    (cal.com's `http://NEXT_PUBLIC_WEBAPP_URL_PLACEHOLDER`, which `sed` later swaps for the
    real URL, case and all): its letters all upper case, with an underscore."""
    letters = [char for char in host if char.isalpha()]
    return "_" in host and bool(letters) and all(char.isupper() for char in letters)


def only_url_host_case_changed(before: str, after: str, syntax: Iterable[tuple[int, int]] = ()) -> bool:
    """Whether `after` is `before` with letters of its URLs' hosts lowercased, and nothing
    else changed (both resolved; `syntax`, the spans of `after` that are variable syntax
    left for the container to expand, `$HOSTNAME`, is read as `url_hosts` reads it masked,
    and never changes)."""
    if before == after:
        return True
    if len(before) != len(after):
        return False
    masked = mask(after, syntax)
    hosts = {index for url in url_hosts(masked) for start, end in url.spans for index in range(start, end)}
    return all(
        index in hosts and masked[index] != MASK and new == old.lower()
        for index, (old, new) in enumerate(zip(before, after, strict=True))
        if old != new
    )


def is_host_name(masked: str) -> bool:
    """Whether `masked` (with variable syntax masked) is clearly a DNS name."""
    return bool(masked) and all(_HOST_CHARACTER.fullmatch(char) for char in masked)


def lowercased(original: str, masked: str) -> str | None:
    """`original` with its letters lowercased except where `masked` holds MASK; None when
    nothing outside the mask is upper case."""
    if masked == masked.lower():
        return None
    return "".join(char.lower() if mask != MASK else char for char, mask in zip(original, masked, strict=True))


_COMPARED_AS_TEXT = regexes.lazy(
    r"REDIRECT|CALLBACK|ISSUER|AUDIENCE|RETURN_?(?:URL|URI|TO)|(?:^|_)(?:ISS|AUD)(?:_|$)|ENTITY_?ID"
    r"|(?:ROOT|PUBLIC|EXTERNAL|SITE|FRONTEND|HOSTNAME)_?URL|NEXTAUTH_URL|^(?:KC_)?HOSTNAME(?:_|$)"
)
"""Variables and options (dashes read as underscores) whose URL another party compares with
what it has registered, letter for letter, or that an application builds such URLs from
(Grafana's `GF_SERVER_ROOT_URL` makes its OAuth redirect URI, Keycloak's `KC_HOSTNAME`, or its
option `--hostname`, the issuer it publishes; a SAML entity ID is compared as it is written)."""
_IN_A_QUERY = regexes.lazy(r"[?&][^\s'\"`=]*=[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#\s'\"`]*@)?$")
"""Text before the host of a URL that is the value of another URL's query parameter."""
_ASSIGNED_TO = regexes.lazy(r"([A-Za-z_][A-Za-z0-9_.-]*)(?:=|\s+)[\"']?[A-Za-z][A-Za-z0-9+.-]*://(?:[^/?#\s'\"`]*@)?$")
"""Text before the host of a URL assigned to a variable or given to an option (`ENV KEY=https://`,
`ENV KEY https://`, `--oidc-issuer-url=https://`, `cfg:server.root_url=https://`)."""
_EXACT_MATCH = (
    "an OAuth server matches a redirect URI against the registered one as a string (RFC 6749 3.1.2.2),"
    " and an OpenID client the issuer letter for letter (OpenID Connect Core 3.1.3.7)"
)


def compared_as_text(masked: str, host_start: int, variable: str | None = None) -> str | None:
    """Why a URL whose host starts at `host_start` of `masked` is compared as text, so that
    another spelling of its host stops matching: it is assigned to a variable, or given to
    an option, named as an OAuth redirect URI or an OpenID issuer (`variable`, else the name
    it is assigned to in `masked`; oauth2-proxy's `--oidc-issuer-url` is its
    `OAUTH2_PROXY_OIDC_ISSUER_URL`), or it is the value of another URL's query parameter
    (`?redirect_uri=...`); None when neither holds."""
    if variable is None:
        assigned = _ASSIGNED_TO.search(masked, 0, host_start)
        variable = assigned.group(1) if assigned else None
    if variable is not None and _COMPARED_AS_TEXT.search(re.sub(r"[-.]", "_", variable.lstrip("-")).upper()):
        return f"`{variable}` names a URL that is compared as text, or that such URLs are built from: {_EXACT_MATCH}"
    if _IN_A_QUERY.search(masked, 0, host_start):
        return f"the URL is a value in another URL's query: {_EXACT_MATCH}"
    return None
