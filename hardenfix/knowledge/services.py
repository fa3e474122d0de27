"""What is known of the image a Compose service runs or a Dockerfile stage builds on.

The image's facts for its tag (`images.toml` and the project's `[images]`), plus what
the build adds: programs a `RUN` installs with a package manager are there; programs
the build's instructions otherwise name (a `COPY` of a binary, a script) may be, so
their absence is no longer known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from hardenfix.knowledge import KnowledgeBase, parse_reference
from hardenfix.knowledge.images import ImageFacts, TagFacts

if TYPE_CHECKING:
    from hardenfix.sources.compose import ComposeDocument, Service
    from hardenfix.sources.dockerfile import DockerfileDocument, Instruction, Stage

# Package-manager installs in `RUN`, and the probe tools their packages provide.
_INSTALL = re.compile(r"\b(?:apt-get|apt|apk|yum|dnf|microdnf|zypper)\b[^;&|\n]*?\b(?:install|add)\b([^;&|\n]*)")
_PACKAGE_TOOLS = {"curl": "curl", "wget": "wget", "python3": "python3", "nodejs": "node"}
_WORD = re.compile(r"[\w.+-]+")
_BUILD_INSTRUCTIONS = ("RUN", "COPY", "ADD")
UNKNOWN = "not in hardenfix's image knowledge"


def service_image(knowledge: KnowledgeBase, document: ComposeDocument, service: Service) -> TagFacts | None:
    """The facts of what the service runs: its `image`, or the final stage of the
    Dockerfile it builds; None when it is not known what it runs."""
    if service.get("build") is None:
        return image_facts(knowledge, service.image())
    built = document.dockerfile_of(service)
    if built is None:
        return None
    target = document.build_target(service)
    stage = (built.stage_named(target, built.stages) if target else None) or built.final_stage
    return stage_image(knowledge, built, stage) if stage is not None else None


def stage_image(knowledge: KnowledgeBase, document: DockerfileDocument, stage: Stage) -> TagFacts:
    """The facts of the image a build stage makes: its base image's, plus what the
    stage and the stages it is built from add."""
    base = list(stage.lineage())[-1].image  # `scratch`, or a `FROM ${BASE}` hardenfix cannot resolve
    facts = image_facts(knowledge, document.base_image(stage)) or ImageFacts(base, "api", UNKNOWN).for_tag(None)
    installed: set[str] = set()
    mentioned: set[str] = set()
    for text in _build_texts(document, stage):
        for match in _INSTALL.finditer(text):
            installed.update(_PACKAGE_TOOLS[word] for word in match.group(1).split() if word in _PACKAGE_TOOLS)
        mentioned.update(_WORD.findall(text))
    return facts.with_build(frozenset(installed), frozenset(mentioned))


def image_facts(knowledge: KnowledgeBase, image: str | None) -> TagFacts | None:
    """The facts of an image reference for its tag; for an image hardenfix does not know,
    facts that state nothing. None when `image` is no reference."""
    reference = parse_reference(image) if image else None
    if reference is None:
        return None
    facts = knowledge.facts_for(reference) or ImageFacts(reference.repository, "api", UNKNOWN)
    return facts.for_tag(reference.tag)


def _build_texts(document: DockerfileDocument, stage: Stage) -> Iterator[str]:
    for owner in stage.lineage():
        for instruction in owner.instructions:
            if instruction.name in _BUILD_INSTRUCTIONS:
                yield instruction_text(document, instruction)


def instruction_text(document: DockerfileDocument, instruction: Instruction) -> str:
    """An instruction's logical line and the bodies of its heredocs."""
    return instruction.line + "".join(document.text[h.body_start : h.body_end] for h in instruction.heredocs)
