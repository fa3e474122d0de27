"""Facts about images, kept as data: default pins and what each image ships.

`images.toml` says, for ranges of each image's versions and for each variant, which
programs it ships and lacks, its service class and its standard healthchecks, each
fact with the file it was read from (`images.py` reads them for a tag, `versions.py`
orders tags). `pins.toml` lists the releases a pin may write, with the date they were
read (`pins.py` chooses one). Projects add their own images and pins in their
configuration. `dependency_closures.toml` lists what widely used Python distributions
install with them (`dependency_closures.py` reads it), as resolved by
`scripts/dependency-closures`.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import re
import sys
from collections import ChainMap
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

from hardenfix import probes, regexes
from hardenfix.knowledge.images import ImageFacts, load_image, project_image
from hardenfix.knowledge.pins import Evidence, Pin, PinChoice, choose_pin, load_pin

if TYPE_CHECKING:
    from hardenfix.facts.online import RegistryAnswers, SameImagePin

DEFAULT_REGISTRY = "docker.io"


class ImageReference(NamedTuple):
    """A parsed `[registry/]repository[:tag][@digest]` reference."""

    text: str
    registry: str | None
    repository: str
    """Normalised: `docker.io/library/postgres` and `postgres` are both `postgres`."""
    tag: str | None
    digest: str | None
    tag_span: tuple[int, int] | None
    """Where the tag is written in `text` (after the colon), or None without a tag."""

    @property
    def name_end(self) -> int:
        """Where the repository name ends in `text`: a tag or digest would go here."""
        end = len(self.text)
        if self.digest is not None:
            end = self.text.rindex("@")
        if self.tag_span is not None:
            end = self.tag_span[0] - 1
        return end

    @property
    def is_pinned(self) -> bool:
        return self.digest is not None or (self.tag is not None and self.tag != "latest")


_REFERENCE_CHARACTERS = regexes.lazy(r"[\w.:/@+-]+", re.ASCII)
"""What an image reference may be written with (distribution's reference grammar: names,
tags and digests); not a template's tag (`FROM {{ base_image }}`)."""


def parse_reference(text: str) -> ImageReference | None:
    """Parse an image reference; None when it is not one (empty, spaces, `${...}` anywhere:
    interpolated references are for the caller to resolve; or characters no reference has,
    such as a Jinja or Go template's `{{`)."""
    if not _REFERENCE_CHARACTERS.fullmatch(text):
        return None
    digest = None
    rest = text
    if "@" in rest:
        rest, _, digest = rest.partition("@")
        if not digest:
            return None
    first, slash, remainder = rest.partition("/")
    registry = None
    if slash and ("." in first or ":" in first or first == "localhost"):
        registry, rest = first, remainder
    tag = None
    tag_span = None
    last_slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > last_slash:
        tag = rest[colon + 1 :]
        offset = (len(registry) + 1 if registry is not None else 0) + colon + 1
        tag_span = (offset, offset + len(tag))
        rest = rest[:colon]
    if not rest or tag == "":
        return None
    repository = rest
    if registry in (None, DEFAULT_REGISTRY, "index.docker.io", "registry-1.docker.io"):
        repository = repository.removeprefix("library/")
        registry_name = None if registry in (None, DEFAULT_REGISTRY) else registry
    else:
        registry_name = registry
    return ImageReference(text, registry_name, repository, tag, digest, tag_span)


_INTERPOLATED_LATEST = regexes.lazy(r":(\$\{[A-Za-z_][A-Za-z0-9_]*:?-latest\})$")


def interpolated_latest(value: str) -> re.Match[str] | None:
    """`repo:${TAG:-latest}`: a tag that is an interpolation whose default is `latest`;
    group 1 is the interpolation."""
    return _INTERPOLATED_LATEST.search(value)


def floating_name(value: str) -> str | None:
    """The image name of `repo:${TAG:-latest}` (`repo`), which runs `latest` unless TAG is set."""
    match = interpolated_latest(value)
    return value[: match.start()] if match is not None else None


class KnowledgeBase(NamedTuple):
    pins: Mapping[str, Pin]
    images: Mapping[str, ImageFacts]
    registry: RegistryAnswers | None = None
    """What registries said of the run's images (`--online`); None offline."""
    pin_digests: bool = False
    """A pin to the same image also writes its digest (`pin-digests`)."""

    def pin_for(self, reference: ImageReference) -> Pin | None:
        """The pin for exactly this image: a Docker Hub pin is no promise that a
        mirror or another registry carries the same tag."""
        return self.pins.get(_full_name(reference))

    def choose_pin(
        self, reference: ImageReference, texts: Iterable[str], volumes: Iterable[str] = ()
    ) -> PinChoice | None:
        """The pin for a floating reference, given the text of what uses the image (a
        build's instructions, a service's command) and of its volumes; None when the
        pins table has no entry for the image."""
        pin = self.pin_for(reference)
        if pin is None:
            return None
        evidence = Evidence()
        for text in texts:
            evidence.read(pin, text)
        for text in volumes:
            evidence.read(pin, text, volume=True)
        facts = self.facts_for(reference)
        distro = facts.distro if facts is not None else None
        return choose_pin(pin, distro, evidence, data_store=facts is not None and facts.service_class == "data")

    def same_image_pin(self, reference: ImageReference, digest_allowed: bool = True) -> SameImagePin | None:
        """Online, the version tag with the digest a floating reference has today: a pin that
        changes nothing that runs (with the digest too under `pin-digests`, where allowed)."""
        if self.registry is None:
            return None
        return self.registry.same_image_pin(reference, self.pin_digests and digest_allowed)

    def facts_for(self, reference: ImageReference) -> ImageFacts | None:
        """Facts for the image, also when pulled through a mirror or another registry."""
        return self.images.get(_full_name(reference)) or self.images.get(_docker_hub_name(reference))

    def taken_from_elsewhere(self, reference: ImageReference) -> str | None:
        """Why facts for an image of another registry are a guess: they are those of the image
        of the same name on Docker Hub (`registry.example:5000/python` read as `python`),
        which a mirror serves, but a private image of that name need not be; None when they
        are the image's own (its full name, or an alias the knowledge base lists)."""
        if reference.registry is None or reference.registry in _DOCKER_HUB_HOSTS:
            return None
        hub_name = _docker_hub_name(reference)
        if _full_name(reference) in self.images or hub_name not in self.images:
            return None
        return f"`{_full_name(reference)}` is taken to be `{hub_name}` as Docker Hub has it (a mirror)"

    def extended(
        self, pins: dict[str, str] | None = None, images: dict[str, ImageFacts] | None = None
    ) -> KnowledgeBase:
        """With a project's pins (repository -> tag) and image descriptions added."""
        project_pins = {repository: load_pin(repository, tag) for repository, tag in (pins or {}).items()}
        return self._replace(pins=ChainMap(project_pins, self.pins), images=ChainMap(images or {}, self.images))

    def online(self, registry: RegistryAnswers | None, pin_digests: bool) -> KnowledgeBase:
        """With what registries answered; answers that say nothing leave it as it is offline."""
        return self._replace(registry=registry or None, pin_digests=pin_digests)


_DOCKER_HUB_HOSTS = frozenset({"index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"})


def _full_name(reference: ImageReference) -> str:
    return f"{reference.registry}/{reference.repository}" if reference.registry else reference.repository


def _docker_hub_name(reference: ImageReference) -> str:
    """The name on Docker Hub of the image a mirror serves: an official image keeps its
    `library/` there (`mirror.gcr.io/library/redis`), and ECR Public's copies of them are
    `docker/library/` (`public.ecr.aws/docker/library/mongo`)."""
    return reference.repository.removeprefix("docker/library/").removeprefix("library/")


def facts_from_table(repository: str, table: dict) -> ImageFacts:
    """Facts from a project's `[images."repo"]` table."""
    return project_image(repository, table)


_Made = TypeVar("_Made")


class _OnDemand(Mapping[str, _Made], Generic[_Made]):
    """A table's entries, each made from its part of the table the first time it is asked
    for: a run meets a few of the images the tables know, and making them all took a
    tenth of a one-file check."""

    def __init__(self, parts: dict[str, tuple[str, Any]], make: Callable[[str, Any], _Made]) -> None:
        self._parts = parts
        """Key -> the name its entry is made by, and its part of the table (an alias and its
        repository share one entry)."""
        self._make = make
        self._made: dict[str, _Made] = {}

    def __getitem__(self, key: str) -> _Made:
        name, part = self._parts[key]
        if name not in self._made:
            self._made[name] = self._make(name, part)
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._parts)

    def __len__(self) -> int:
        return len(self._parts)


@cache
def builtin() -> KnowledgeBase:
    pins = {repository: (repository, table) for repository, table in read_table("pins.toml").items()}
    images: dict[str, tuple[str, Any]] = {}
    for repository, table in read_table("images.toml").items():
        images.update(dict.fromkeys((repository, *table.get("aliases", ())), (repository, table)))
    return KnowledgeBase(_OnDemand(pins, load_pin), _OnDemand(images, load_image))


def read_table(name: str, folder: Path = Path(__file__).parent) -> dict:
    """A TOML table of this folder, parsed.

    Python's TOML parser takes a sixth of a one-file check to read `images.toml`, so the
    parsed table is kept as Python keeps a module's bytecode: marshalled, in `__pycache__`
    beside it, with the size and modification time of the file it was read from, and read
    from there while they match. Where that folder cannot be written, the file is parsed
    every time."""
    source = folder / name
    status = source.stat()
    key = [status.st_size, status.st_mtime_ns]
    snapshot = source.parent / "__pycache__" / f"{name}.{sys.implementation.cache_tag}.marshal"
    try:
        with open(snapshot, "rb") as stored:
            known, table = marshal.load(stored)
        if known == key:
            return table
    except (OSError, EOFError, ValueError, TypeError):
        pass
    import tomllib

    table = tomllib.loads(source.read_text(encoding="utf-8"))
    temporary = snapshot.with_name(f"{snapshot.name}.{os.getpid()}")
    try:
        data = marshal.dumps([key, table])
        snapshot.parent.mkdir(exist_ok=True)
        temporary.write_bytes(data)
        os.replace(temporary, snapshot)  # whole or not at all, whoever else writes it
    except (OSError, ValueError):  # a read-only installation; a value marshal cannot hold
        with contextlib.suppress(OSError):
            temporary.unlink()
    return table


_DURATION = regexes.lazy(r"(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+")


def check_duration(option: str, value: str) -> None:
    """Raise ValueError unless `value` is a duration as Compose and Docker write them (`30s`, `1m30s`)."""
    if not _DURATION.fullmatch(value):
        raise ValueError(f"{option} must be a duration such as '30s' or '1m30s', not {value!r}")


_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_DURATION_PART = regexes.lazy(r"(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)")


def duration_seconds(value: str) -> float:
    """Seconds in a duration `check_duration` accepts (`1m30s`: 90)."""
    return sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _DURATION_PART.findall(value))


ENGINE_TIMEOUT = "30s"
"""How long Docker lets a probe run when its healthcheck says nothing."""


def probe_timeout(wanted: str, argv: Sequence[str] | None, command: str | None) -> str:
    """The timeout to write for a probe that has none: `wanted`, unless it is shorter than the
    engine's and the probe may run that long (it does not bound its own run, `curl -m 5`):
    then the engine's own, which the probe has today. A probe that takes 20 seconds passes
    now, and would fail under 10."""
    seconds = duration_seconds(wanted)
    if seconds >= duration_seconds(ENGINE_TIMEOUT):
        return wanted
    longest = probes.longest_run(argv, command)
    return wanted if longest is not None and longest < seconds else ENGINE_TIMEOUT


ENGINE_INTERVAL = "30s"
"""How long Docker waits before a probe's first run, and between runs, when its healthcheck says nothing."""


def start_period_doubt(argv: Sequence[str] | None, command: str | None) -> str | None:
    """Why adding a start period could break a working healthcheck: its probe keeps state
    between runs, and the start period moves its first run earlier. During a start period,
    Docker Engine 25 and later probe every `start_interval`, 5 s unless set, instead of every
    `interval` (moby/moby daemon/health.go, `defaultStartInterval`; the Dockerfile reference's
    `--start-interval`); a start period shorter than the interval ends in a probe, which
    today's moby runs then, still before the interval. gristlabs/grist-core's Keycloak probe
    checks only on its first run, which the 30 s interval let come once Keycloak listened:
    at 5 s it fails, the next run passes on the file it left, and dependants start before
    Keycloak is up. None when the probe keeps no state."""
    written = probes.state_written(argv, command)
    if written is None:
        return None
    return (
        f"the probe keeps state between runs (`{written}`), and a start period makes Docker Engine 25 and later "
        "run it sooner after the start than it was written for (every `start_interval`, 5s unless set)"
    )


def interval_doubt(interval: str, argv: Sequence[str] | None, command: str | None) -> str | None:
    """Why writing `interval` into a healthcheck that sets none could break it: its probe keeps
    state between runs (see `start_period_doubt`) and the interval is not the engine's own,
    so its runs would come at other times than it was written for. None otherwise."""
    if duration_seconds(interval) == duration_seconds(ENGINE_INTERVAL):
        return None
    written = probes.state_written(argv, command)
    if written is None:
        return None
    return (
        f"the probe keeps state between runs (`{written}`), and an interval of {interval} instead of the "
        f"engine's {ENGINE_INTERVAL} runs it at other times than it was written for"
    )


UNBOUNDED_PROBE = "the probe does not bound its own run, as `curl -m 5` would, and a shorter one could fail it"
"""Why a timeout written is the engine's own."""


class HealthcheckTiming(NamedTuple):
    """The healthcheck timing hardenfix writes wherever one is missing, in Compose and Dockerfiles."""

    interval: str = "30s"
    timeout: str = "10s"
    retries: int = 3
    start_period: str = "30s"


DEFAULT_TIMING = HealthcheckTiming()
