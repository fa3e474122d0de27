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
- the authority has at most one `@` (credentials that contain one make it ambiguous where
  the host starts) and each host's port, if any, is a number;
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

_URL_START = re.compile(r"(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*)://")
# The authority ends at the path, query or fragment, at blanks and quotes, and at what
# ends a word in a shell command.
_AUTHORITY_END = re.compile(r"[/?#\s'\"`;|&()<>]|,(?=[A-Za-z][A-Za-z0-9+.-]*://)")
_HOST_CHARACTER = re.compile(rf"[A-Za-z0-9._{MASK}-]")
_PORT = re.compile(rf"[0-9{MASK}]*")

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
        hosts = _hosts(masked, authority_start, authority_end)
        if hosts:
            yield UrlHosts(hosts)


def _hosts(masked: str, start: int, end: int) -> tuple[tuple[int, int], ...]:
    """The host spans of the authority `masked[start:end]`; () unless all are DNS names."""
    authority = masked[start:end]
    if authority.count("@") > 1:
        return ()
    server_start = start + authority.find("@") + 1  # after the credentials, if any
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


def only_url_host_case_changed(before: str, after: str) -> bool:
    """Whether `after` is `before` with letters of its URLs' hosts lowercased, and nothing
    else changed (both resolved: no variable syntax left)."""
    if before == after:
        return True
    if len(before) != len(after):
        return False
    hosts = {index for url in url_hosts(after) for start, end in url.spans for index in range(start, end)}
    return all(
        index in hosts and new == old.lower()
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
