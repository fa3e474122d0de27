"""Online mode (`--online`): what registries say of the images a run's files name.

The parent process asks, once, before any file is checked: it reads the run's Compose
files and Dockerfiles for the image references their rules look up
(`image_references`), asks the registries about all of them together (`resolve`), and
hands the answers (`RegistryAnswers`) to every worker, which never talks to a
registry itself. So a run asks about each image once, spends one time budget, warns
at most once, and every worker and every pass of the fixpoint sees the same answers.
A reference that floats (`latest`, no tag, a tag that names no version) is also asked
for the version tag with the same digest, and that tag is answered for too: the
reference a pin writes has the facts of the one it replaced.

The answers are part of the findings cache's fingerprint: a tag that moves to another
digest re-checks the files. Answers that say nothing (every registry unreachable)
leave the run as it is offline, down to its fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hardenfix.knowledge import DEFAULT_REGISTRY, ImageReference, floating_name, parse_reference
from hardenfix.knowledge.versions import parse_tag
from hardenfix.model import FileKind

if TYPE_CHECKING:
    from hardenfix.facts.registry import Registries, RemoteImage

DEFAULT_PLATFORM = "linux/amd64"
GRACE = 2.0
"""Seconds past the registries' own budget that the run waits for their answers: a name
lookup that hangs is not bounded by the connection timeout."""
VERSION_TAG_SEARCHES = 2
"""Version-tag searches at a time; each asks up to `CONCURRENT_REQUESTS` tags at once."""


def reference_key(reference: ImageReference) -> str:
    """A reference's repository and tag, as every spelling of it names them
    (`docker.io/library/postgres` and `postgres` alike)."""
    return f"{reference.registry or DEFAULT_REGISTRY}/{reference.repository}:{reference.tag or 'latest'}"


def floats(reference: ImageReference) -> bool:
    """Whether the reference names no version: no digest, and no tag, `latest`, or a tag
    without a version number (`alpine`, `lts`, `bookworm`)."""
    return reference.digest is None and (reference.tag is None or parse_tag(reference.tag).numbers is None)


@dataclass(frozen=True)
class SameImagePin:
    """A version tag that names the image a floating reference names today."""

    tag: str
    digest: str
    """The digest both tags point at: an index's for a multi-platform image."""
    with_digest: bool
    """The pin writes the digest too (`pin-digests`)."""
    explanation: str

    @property
    def written(self) -> str:
        """What replaces the floating tag: `17.2`, or `17.2@sha256:...`."""
        return f"{self.tag}@{self.digest}" if self.with_digest else self.tag


@dataclass(frozen=True)
class RegistryAnswers:
    """What the registries said of a run's image references; each lookup is None where
    they said nothing."""

    platform: str = DEFAULT_PLATFORM
    digests: dict[str, str] = field(default_factory=dict)
    """`reference_key` -> the digest its tag points at."""
    images: dict[str, RemoteImage] = field(default_factory=dict)
    """Digest -> the image's facts for `platform`."""
    versions: dict[str, str] = field(default_factory=dict)
    """`reference_key` of a floating reference -> the version tag with the same digest."""

    def digest(self, reference: ImageReference) -> str | None:
        return reference.digest or self.digests.get(reference_key(reference))

    def image(self, reference: ImageReference) -> RemoteImage | None:
        digest = self.digest(reference)
        return self.images.get(digest) if digest is not None else None

    def version_tag(self, reference: ImageReference) -> str | None:
        return self.versions.get(reference_key(reference)) if reference.digest is None else None

    def source(self, reference: ImageReference) -> str:
        """How facts read from the image name where they come from."""
        digest = self.digest(reference)
        written = reference.text if reference.digest is not None else f"{reference.text}@{digest}"
        return f"registry: {written}"

    def same_image_pin(self, reference: ImageReference, with_digest: bool = False) -> SameImagePin | None:
        """The version tag a floating reference can be pinned to without changing what runs."""
        if not floats(reference):
            return None
        tag, digest = self.version_tag(reference), self.digest(reference)
        if tag is None or digest is None:
            return None
        name = reference.text[: reference.name_end]
        explanation = f"`{name}:{tag}` is the same image today ({digest})"
        return SameImagePin(tag, digest, with_digest, explanation)

    def same_image(self, before: str, after: str) -> bool:
        """Whether two references (as Compose resolves them) name the same repository and,
        by the registries' answers, the same digest: a tag written with a digest must point
        at that digest too."""
        old, new = parse_reference(before), parse_reference(after)
        if old is None or new is None or (old.registry, old.repository) != (new.registry, new.repository):
            return False
        digest = self.digest(old)
        if digest is None or self.digest(new) != digest:
            return False
        return new.tag is None or new.digest is None or self.digests.get(reference_key(new)) == digest

    def __bool__(self) -> bool:
        return bool(self.digests)

    @property
    def fingerprint(self) -> str:
        """Changes whenever an answer does."""
        known = {digest: image.tools is not None for digest, image in self.images.items()}
        data = json.dumps([self.platform, self.digests, self.versions, known], sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class OnlineRun:
    """How a run asks registries: from the configuration and the command line."""

    mirrors: dict[str, str]
    platform: str
    cache_dir: Path | None
    """`.hardenfix_cache/registry/` of the project; None keeps answers in memory (`--no-cache`)."""
    refresh: bool
    warn: Callable[[str], None]


def image_references(kind: FileKind, text: str, location: Path) -> Iterator[str]:
    """The image references a file's rules look up: each service's `image` (and, for
    `repo:${TAG:-latest}`, `repo`), the base image a service builds from, each `FROM`."""
    from hardenfix.sources import compose, dockerfile

    if kind is FileKind.COMPOSE:
        document = compose.parse(text, location)
        for part in document.documents:
            for service in part.services():
                image = service.image()
                if image is not None:
                    yield floating_name(image) or image
                if service.get("build") is not None:
                    base = part.base_image_of(service)
                    if base is not None:
                        yield base
    elif kind is FileKind.DOCKERFILE:
        built = dockerfile.parse(text, location)
        for stage in built.stages:
            if stage.parent is None:
                yield stage.image
            base = built.base_image(stage)
            if base is not None:
                yield base


def resolve(texts: Iterable[str], online: OnlineRun, budget: float | None = None) -> RegistryAnswers:
    """Ask the registries about every reference (see the module's documentation), within
    the time budget: past it, the answers gathered so far."""
    from hardenfix.facts.registry import RUN_BUDGET

    references = {reference_key(r): r for text in texts if (r := parse_reference(text)) is not None}
    allowed = RUN_BUDGET if budget is None else budget
    questions = _Questions(online, allowed)
    if not references:
        return questions.answers
    # A daemon thread: a lookup that outlives the budget is abandoned, never waited for.
    asking = threading.Thread(target=questions.ask, args=(list(references.values()),), daemon=True)
    asking.start()
    asking.join(allowed + GRACE)
    if asking.is_alive():
        questions.warn(f"registry: no answer within {allowed:.0f} s; using the built-in image knowledge")
        return questions.so_far()
    return questions.answers


class _Questions:
    """A run's questions to the registries, asked from several threads at once."""

    def __init__(self, online: OnlineRun, budget: float) -> None:
        self.online = online
        self.budget = budget
        self.answers = RegistryAnswers(online.platform)
        self._writing = threading.Lock()
        self._warned = threading.Event()

    def warn(self, message: str) -> None:
        """The run's one warning."""
        if not self._warned.is_set():
            self._warned.set()
            self.online.warn(message)

    def so_far(self) -> RegistryAnswers:
        with self._writing:
            answers = self.answers
            return RegistryAnswers(
                answers.platform, dict(answers.digests), dict(answers.images), dict(answers.versions)
            )

    def ask(self, references: list[ImageReference]) -> None:
        """Every reference's digest and image; then, for those that float, the version tag."""
        from hardenfix.facts.registry import CONCURRENT_REQUESTS, Registries

        online = self.online
        with Registries(
            online.cache_dir, online.mirrors, online.platform, online.refresh, self.budget, self.warn
        ) as client:
            _in_threads(lambda reference: self._read(self._image, client, reference), references, CONCURRENT_REQUESTS)
            floating = [r for r in references if reference_key(r) in self.answers.digests and floats(r)]
            _in_threads(lambda r: self._read(self._version_tag, client, r), floating, VERSION_TAG_SEARCHES)

    def _read(
        self, question: Callable[[Registries, ImageReference], None], client: Registries, reference: ImageReference
    ) -> None:
        try:
            question(client, reference)
        except (ValueError, KeyError, TypeError, AttributeError) as error:  # a malformed answer is none
            self.warn(
                f"registry: the answer for {reference.text} cannot be read ({type(error).__name__});"
                " using the built-in image knowledge"
            )

    def _image(self, client: Registries, reference: ImageReference) -> None:
        digest = client.digest(reference)
        if digest is None:
            return
        image = client.image(reference)
        with self._writing:
            self.answers.digests[reference_key(reference)] = digest
            if image is not None:
                self.answers.images[digest] = image

    def _version_tag(self, client: Registries, reference: ImageReference) -> None:
        tag = client.version_tag(reference)
        if tag is None:
            return
        with self._writing:
            self.answers.versions[reference_key(reference)] = tag
            pinned = reference_key(_with_tag(reference, tag))
            self.answers.digests[pinned] = self.answers.digests[reference_key(reference)]


def _in_threads(work: Callable[[ImageReference], None], items: list[ImageReference], count: int) -> None:
    """`work` on every item, `count` at a time, in daemon threads: a name lookup that hangs
    past the budget must not hold the process at exit, as a thread pool's threads would."""
    pending: queue.SimpleQueue[ImageReference] = queue.SimpleQueue()
    for item in items:
        pending.put(item)

    def drain() -> None:
        while True:
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            work(item)

    threads = [threading.Thread(target=drain, daemon=True) for _ in range(min(count, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _with_tag(reference: ImageReference, tag: str) -> ImageReference:
    pinned = parse_reference(f"{reference.text[: reference.name_end]}:{tag}")
    assert pinned is not None
    return pinned
