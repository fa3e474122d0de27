"""Facts about images, kept as data: default pins and what each image ships.

`pins.toml` maps an image repository to the tag a pin writes; `images.toml`
says which probe tools an image ships, its service class and its standard
healthcheck, each with the documentation it comes from. Users extend both from
their configuration.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

DEFAULT_REGISTRY = "docker.io"


@dataclass(frozen=True, slots=True)
class ImageReference:
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


def parse_reference(text: str) -> ImageReference | None:
    """Parse an image reference; None when it is not one (empty, spaces, or `${...}` anywhere:
    interpolated references are for the caller to resolve)."""
    if not text or "$" in text or any(c.isspace() for c in text):
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


@dataclass(frozen=True)
class ImageFacts:
    repository: str
    tools: frozenset[str]
    """Probe tools on the image's PATH: curl, wget, python3, node, sh, and image-specific ones."""
    service_class: str
    """data, api, worker or diagnostic."""
    healthcheck: tuple[str, ...] | None
    """A standard Compose healthcheck `test`, when one is well known."""
    source: str
    variants: dict[str, frozenset[str]] = field(default_factory=dict)
    """Tag substring (`alpine`, `slim`) -> the tools of that variant, replacing `tools`."""

    def tools_for(self, tag: str | None) -> frozenset[str]:
        for marker, tools in self.variants.items():
            if tag and marker in tag:
                return tools
        return self.tools


@dataclass(frozen=True)
class KnowledgeBase:
    pins: dict[str, str]
    images: dict[str, ImageFacts]

    def pin_for(self, reference: ImageReference) -> str | None:
        """The pin for exactly this image: a Docker Hub pin is no promise that a
        mirror or another registry carries the same tag."""
        return self.pins.get(_full_name(reference))

    def facts_for(self, reference: ImageReference) -> ImageFacts | None:
        """Facts for the image, also when pulled through a mirror or another registry."""
        return self.images.get(_full_name(reference)) or self.images.get(reference.repository)

    def extended(
        self, pins: dict[str, str] | None = None, images: dict[str, ImageFacts] | None = None
    ) -> KnowledgeBase:
        return KnowledgeBase({**self.pins, **(pins or {})}, {**self.images, **(images or {})})


def _full_name(reference: ImageReference) -> str:
    return f"{reference.registry}/{reference.repository}" if reference.registry else reference.repository


def facts_from_table(repository: str, table: dict) -> ImageFacts:
    """Build facts from one `[images."repo"]` table (built-in data or user config)."""
    healthcheck = table.get("healthcheck")
    return ImageFacts(
        repository=repository,
        tools=frozenset(table.get("tools", ())),
        service_class=table.get("class", "api"),
        healthcheck=tuple(healthcheck) if healthcheck else None,
        source=table.get("source", "project configuration"),
        variants={marker: frozenset(tools) for marker, tools in table.get("variants", {}).items()},
    )


@cache
def builtin() -> KnowledgeBase:
    package = resources.files(__name__)
    pins = tomllib.loads(package.joinpath("pins.toml").read_text(encoding="utf-8"))
    images_path = package.joinpath("images.toml")
    images_table = tomllib.loads(images_path.read_text(encoding="utf-8")) if images_path.is_file() else {}
    images = {repository: facts_from_table(repository, table) for repository, table in images_table.items()}
    return KnowledgeBase(pins=pins, images=images)


_DURATION = re.compile(r"(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+")


def check_duration(option: str, value: str) -> None:
    """Raise ValueError unless `value` is a duration as Compose and Docker write them (`30s`, `1m30s`)."""
    if not _DURATION.fullmatch(value):
        raise ValueError(f"{option} must be a duration such as '30s' or '1m30s', not {value!r}")


@dataclass(frozen=True)
class HealthcheckTiming:
    """The healthcheck timing hardenfix writes wherever one is missing, in Compose and Dockerfiles."""

    interval: str = "30s"
    timeout: str = "10s"
    retries: int = 3
    start_period: str = "30s"


DEFAULT_TIMING = HealthcheckTiming()
