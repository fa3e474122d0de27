"""What hardenfix knows of a Compose service, and where each piece of knowledge comes from.

Rules do not dig through Dockerfiles and application code themselves: they ask
`service.service_facts` once per service and read the facts, each a `Fact` with its
source, so that every finding can show its evidence and every fix can say whether it
rests on files alone (safe) or on a guess (unsafe, and the message names the guess).

    build.py    the final stage of the Dockerfile a service builds: base image, tools
                installed or copied in, EXPOSE, USER, ENV, ENTRYPOINT/CMD, HEALTHCHECK
    process.py  the program a command starts (uvicorn, gunicorn, flask, node, ...) and
                the port it listens on
    routes.py   health routes in the build context's code, read with `ast` (never run)
    registry.py online: what an image's registry says it is (a Distribution-API client)
    online.py   online: the run's questions to registries, asked once in the parent, and
                the answers every worker reads
    service.py  ServiceFacts: the merge of the above with the image knowledge base and
                the Compose service itself
    describe.py what is known of one image, and where from (`hardenfix images`)

Precedence, strongest first: the Compose file, the Dockerfile, the image itself as its
registry lists it (online), the project's configuration, the built-in image knowledge.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Generic, NamedTuple, TypeVar

T = TypeVar("T")


class Fact(NamedTuple, Generic[T]):
    """A value, where it was read, and, when it is assumed rather than read, why."""

    value: T
    source: str
    """Where it was read and what it said there: `services/api/Dockerfile:7: CMD [...]`,
    `docker-library/python@a29b7ef1:3.12/slim-bookworm/Dockerfile`."""
    guess: str | None = None
    """Why the value is assumed (a tag that names no version, a port seen only in
    `EXPOSE`): a fix that rests on it is unsafe, and its message says this."""

    @property
    def known(self) -> bool:
        return self.guess is None

    def __str__(self) -> str:
        return self.source if self.guess is None else f"{self.source} (assumed: {self.guess})"


class Environment(dict[str, Fact[str]]):
    """A container's environment; the `env_file`s that could not be read, which may set
    any variable: Compose refuses to start without them, so a stack that works has them; an
    optional one (`required: false`) the deployment may have all the same (a local
    `override.env`), and one named through a variable (`${ENV_FILE:-./.env}`) is whichever
    file the deployment's variables name; and the variables passed from the shell that
    deploys the stack (`environment: [PORT]`, a bare `PORT` in an `env_file`), whose value
    is not known here, nor whether the shell sets them."""

    def __init__(self, variables: Mapping[str, Fact[str]] | None = None, unread: tuple[str, ...] = ()) -> None:
        self.from_shell: dict[str, str] = {}
        """Variable -> where the Compose file or an `env_file` passes it from the shell."""
        super().__init__(variables or {})
        self.unread = unread
        """The `env_file`s, as the Compose file names them, that are not in the checkout or
        are named through interpolation."""

    def __setitem__(self, name: str, fact: Fact[str]) -> None:
        super().__setitem__(name, fact)
        self.from_shell.pop(name, None)

    def add_unread(self, env_file: str) -> None:
        """Record an `env_file` not read, which Compose reads after the image's `ENV` and the
        files listed before it: any variable they set, it may set again."""
        self.unread += (env_file,)
        for name, fact in self.items():
            if fact.known:
                self[name] = fact._replace(guess=_may_set(env_file, name))

    def without(self, names: Collection[str]) -> Environment:
        """This environment with `names` not set at all (a script sets them as it runs)."""
        left = Environment({name: fact for name, fact in self.items() if name not in names}, self.unread)
        left.from_shell = {name: where for name, where in self.from_shell.items() if name not in names}
        return left

    def pass_from_shell(self, name: str, where: str) -> None:
        """Record a variable whose value the deploying shell gives: what was set before is
        replaced, or kept where the shell does not set it, which is not known either."""
        self.pop(name, None)
        self.from_shell[name] = where


REACHED_FROM_INSIDE = frozenset({"0.0.0.0", "::", "127.0.0.1", "localhost", "::0", "0"})
"""Addresses a server may listen on that a probe of 127.0.0.1 inside the container reaches
(all of them, or loopback)."""
ANY_IPV6 = frozenset({"::", "::0"})
"""Every IPv6 address, which takes IPv4 connections too unless the socket is IPv6 alone."""


def written_port(port: Fact[str]) -> Fact[str] | None:
    """A port as a probe can write it, else None: decimal, or a Compose interpolation
    (`${PORT:-8000}`), which Compose fills in the probe as it does where it was read; not
    one whose value is assumed (set before an `env_file` not read, a Dockerfile's `${APP_PORT}`
    from a build argument not known)."""
    value = port.value
    if value.isdigit() or (port.known and value.startswith("${") and value.endswith("}")):
        return port
    return None


def unread_may_set(environment: Mapping[str, Fact[str]], variables: Iterable[str]) -> str | None:
    """Why `variables`, which `environment` does not hold, may be set all the same (the
    guess of a fact that takes them as unset): one passed from the deploying shell, or an
    `env_file` not read."""
    if not isinstance(environment, Environment):
        return None
    variables = list(variables)
    passed = next((name for name in variables if name in environment.from_shell), None)
    if passed is not None:
        return f"`{environment.from_shell[passed]}` passes ${passed} from the shell that deploys the stack"
    if not variables or not environment.unread:
        return None
    return _may_set(environment.unread[0], variables[0])


def _may_set(env_file: str, variable: str) -> str:
    where = "is chosen at deploy time" if "$" in env_file else "is not in the checkout"
    return f"`{env_file}` {where} and may set ${variable}"
