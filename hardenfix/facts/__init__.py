"""What hardenfix knows of a Compose service, and where each piece of knowledge comes from.

Rules do not dig through Dockerfiles and application code themselves: they ask
`service.service_facts` once per service and read the facts, each with its `Source`,
so that every finding can show its evidence and every fix can say whether it rests
on files alone (safe) or on a guess (unsafe, and the message names the guess).

    build.py    the final stage of the Dockerfile a service builds: base image, tools
                installed or copied in, EXPOSE, USER, ENV, ENTRYPOINT/CMD, HEALTHCHECK
    process.py  the program a command starts (uvicorn, gunicorn, flask, node, ...) and
                the port it listens on
    routes.py   health routes in the build context's code, read with `ast` (never run)
    service.py  ServiceFacts: the merge of the above with the image knowledge base and
                the Compose service itself

Precedence, strongest first: the Compose file, the project's configuration, the
Dockerfile, the built-in image knowledge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact was read: a file and line, or the knowledge base, and what it said there."""

    where: str
    """`Dockerfile:4`, `compose.yaml:12`, `app/main.py:20`, or `image knowledge: python`."""
    says: str
    """The evidence, short: `EXPOSE 8000`, `uvicorn --port 8080`, `@app.get("/healthz")`."""
    guess: bool = False
    """True when the fact is inferred rather than read (a framework's default route, a port
    seen only in EXPOSE): a fix that rests on it is unsafe."""

    def __str__(self) -> str:
        return f"{self.where}: {self.says}" + (" (a guess)" if self.guess else "")


@dataclass(frozen=True, slots=True)
class Fact(Generic[T]):
    value: T
    source: Source

    @property
    def guess(self) -> bool:
        return self.source.guess
