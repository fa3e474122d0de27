"""What hardenfix knows of an image, and where each fact comes from (`hardenfix images`).

Each row is a fact, its value, and its origin: the registry (the image itself, by its
digest), the project's configuration (the file that says it), or the built-in table
(the file it was read from, and the versions it holds for). The rules read the same
facts (`image_facts`), so this is what they rest on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from hardenfix.config import Settings
from hardenfix.facts import Fact
from hardenfix.facts.build import PROBE_TOOLS, image_facts
from hardenfix.facts.online import RegistryAnswers
from hardenfix.knowledge import ImageReference, KnowledgeBase, parse_reference
from hardenfix.knowledge.images import PROJECT_CONFIGURATION, TagFacts

if TYPE_CHECKING:
    from hardenfix.facts.registry import RemoteImage

Row = tuple[str, str, str]
"""(fact, value, where it comes from)."""


def describe_image(text: str, settings: Settings, registry: RegistryAnswers | None) -> list[Row]:
    """The facts of an image reference, as the rules of a file with `settings` see them."""
    reference = parse_reference(text)
    if reference is None:
        return [("reference", text, "not an image reference")]
    knowledge = settings.knowledge(registry)
    facts = image_facts(knowledge, text)
    assert facts is not None
    origin = _Origins(settings, knowledge, reference)
    registry = knowledge.registry
    remote = registry.image(reference) if registry is not None else None
    version = registry.version_tag(reference) if registry is not None else None
    image = facts.image
    rows: list[Row] = [("image", f"{image.repository} ({image.service_class})", origin.of_image())]
    if registry is not None and remote is not None:
        where = (
            "registry"
            if remote.platform_digest == remote.digest
            else f"registry; {remote.platform}: {remote.platform_digest}"
        )
        rows.append(("digest", remote.digest, where))
    if version is not None:
        name = reference.text[: reference.name_end]
        rows.append(("release", version, f"registry: `{name}:{version}` has the same digest"))
    elif facts.version is not None:
        rows.append(("release", str(facts.version), f"assumed: {facts.guess}" if facts.guess else "its tag"))
    rows += _tools(facts, origin)
    if remote is not None:
        rows += _config(remote)
    elif (own := facts.own_healthcheck()) is not None:
        rows.append(("healthcheck", own.value, _where(own, facts, origin)))
    rows += [("probe", " ".join(probe.test), origin.of(probe.source)) for probe in facts.probes()]
    rows += _pin(knowledge, reference, origin)
    return rows


class _Origins:
    """How a row names where its fact comes from."""

    def __init__(self, settings: Settings, knowledge: KnowledgeBase, reference: ImageReference) -> None:
        self.settings = settings
        self.reference = reference
        facts = knowledge.facts_for(reference)
        configured = next((name for name, value in settings.images.items() if value is facts), None)
        self.configuration = settings.origins.get(f"images.{configured}") if configured is not None else None
        self.facts = facts

    def of_image(self) -> str:
        if self.facts is None:
            return "not in the table or the configuration"
        if self.configuration is not None:
            return f"configuration: {self.configuration}"
        return f"table: {self.facts.source}"

    def of(self, source: str, versions: str | None = None) -> str:
        if source.startswith("registry: "):
            return source
        if self.configuration is not None and source == PROJECT_CONFIGURATION:
            return f"configuration: {self.configuration}"
        return f"table: {source}" + (f"; {versions}" if versions else "")


def _tools(facts: TagFacts, origin: _Origins) -> Iterator[Row]:
    """Which probe tools and clients the image ships and lacks, grouped by origin."""
    named = set(PROBE_TOOLS)
    for entry in facts.image.tools:
        named |= entry.ships | entry.lacks
    for probe in facts.image.probes:
        named |= set(probe.tools)
    grouped: dict[tuple[str, str], list[str]] = {}
    for name in sorted(named):
        fact = facts.tool(name)
        if fact is None:
            grouped.setdefault(("not known", ""), []).append(name)
        else:
            key = "ships" if fact.value else "lacks"
            grouped.setdefault((key, _where(fact, facts, origin)), []).append(name)
    order = {"ships": 0, "lacks": 1, "not known": 2}
    for (key, where), names in sorted(grouped.items(), key=lambda item: order[item[0][0]]):
        yield key, ", ".join(names), where or "neither the registry, the configuration nor the table says"


def _where(fact: Fact[Any], facts: TagFacts, origin: _Origins) -> str:
    """Where a fact was read, with the versions of the table's entry that says it."""
    versions = next((str(e.versions) for e in facts.entries() if e.source == fact.source), None)
    shown = origin.of(fact.source, versions)
    return f"{shown}; for the assumed release" if fact.guess else shown


def _config(remote: RemoteImage) -> Iterator[Row]:
    """What the image's config says (the digest row says which image)."""
    yield "ports", ", ".join(remote.exposed_ports) or "none exposed", "registry"
    healthcheck = remote.healthcheck
    yield "healthcheck", json.dumps(list(healthcheck)) if healthcheck else "none", "registry"
    yield "user", remote.user or "root (not set)", "registry"
    yield "entrypoint", json.dumps(list(remote.entrypoint)) if remote.entrypoint else "none", "registry"
    yield "command", json.dumps(list(remote.command)) if remote.command else "none", "registry"


def _pin(knowledge: KnowledgeBase, reference: ImageReference, origin: _Origins) -> Iterator[Row]:
    same = knowledge.same_image_pin(reference)
    if same is not None:
        yield "pin", same.written, f"registry: {same.explanation}"
        return
    if reference.is_pinned:
        return
    choice = knowledge.choose_pin(reference, ())
    pin = knowledge.pin_for(reference)
    if choice is None or choice.tag is None or pin is None:
        yield "pin", "none", "no pin is known for it"
        return
    where = f"configuration: {origin.settings.origins.get(f'pins.{pin.repository}', '')}" if pin.date is None else ""
    yield "pin", choice.tag, where or f"table: {pin.source}, read {pin.date}"
