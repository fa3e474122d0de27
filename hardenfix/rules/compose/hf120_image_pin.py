from __future__ import annotations

from collections.abc import Iterator

from ruamel.yaml.nodes import MappingNode, Node, ScalarNode

from hardenfix.knowledge import ImageReference, interpolated_latest, parse_reference
from hardenfix.model import Applicability, Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service, iter_scalars


class ImagePin(Rule):
    """
    ## What it does
    Finds Compose services whose `image` is `:latest` or has no tag (which
    means `latest`), including a tag that defaults to it (`app:${TAG:-latest}`),
    and pins it to a release from the pins table: the newest one of the
    image's default variant (the one `latest` names) that the service's own
    files allow. Online (`--online`), it pins it to the version tag that
    names the same image today, and a tag that names no version (`alpine`)
    counts as floating too.

    ## Why is this bad?
    `latest` is whatever was pushed last: two machines running the same file
    run different software, a routine `docker compose pull` ships a major
    upgrade nobody reviewed, and a rollback has nothing to roll back to.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:latest
    ```

    ## Use instead
    ```yaml
    services:
      db:
        image: postgres:17.2
    ```

    ## Fix safety
    Online (`--online`): safe. The image's registry says which digest
    `latest` (or the tag, or no tag) points at today, and the pin is the most
    specific version tag that points at the same digest (`17.2` before `17`,
    plain `17.2` before `17.2-bookworm`), keeping the variant the reference
    names (`postgres:alpine` -> `postgres:17.2-alpine`): the same image
    runs, and the message says so with the digest. A tag that names no
    version (`alpine`, `lts`) floats as `latest` does and is pinned the same
    way. `pin-digests = true` also writes the digest
    (`postgres:17.2@sha256:...`; the index's for a multi-platform image),
    but not into `${TAG:-latest}`, where it would outrank `TAG`. The output
    guard checks each such change against the registry's answers: a safe fix
    that changes an image to another digest is never written. Where the
    registry cannot answer, the pin is the table's, as offline.

    Offline, unsafe: the pinned tag may be older or newer than what `latest`
    pulls on a given machine today, and a data store pinned below the major
    version that created its volume will not start; the message says the date of the pins
    table and, for a data store, warns about its volume. Review the pin before
    applying it.

    A pin is never one the files rule out. It keeps the default variant, and
    is refused when the service's command runs another distribution's package
    manager (`apt-get` needs Debian or Ubuntu, `apk` Alpine) than that
    variant is built on; it keeps the release line the service names
    (`PG_MAJOR=16`, a volume named `pg16-data`), and is refused when the table
    has no release of it. A service that also builds names its own image: it
    gets no pin, and no finding when its `pull_policy` (`never`, `build`) says the
    name is only ever a local tag. Without a known pin the finding is reported with no fix:
    hardenfix never invents a tag that might not exist. An image that is
    entirely interpolated (`${IMAGE}`) is left to whoever sets it; a digest
    (`@sha256:...`) counts as pinned.

    The pins table is hardenfix's built-in one (`postgres` -> `17.2`, `nats`
    -> `2.10.24`, ..., read in December 2024) plus the project's `[pins]`
    configuration.
    """

    code = "HF120"
    slug = "image-pin"
    kind = FileKind.COMPOSE
    category = Category.SUPPLY_CHAIN
    summary = "Image without a pinned tag"
    fix_safety = FixSafety.SOMETIMES
    prefilter = b"image"
    changes = ("services.*.image",)
    keeps_image_digest = True

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        seen: set[int] = set()
        for service in document.services():
            entry = service.get("image")
            if entry is None or not isinstance(entry.value, ScalarNode) or id(entry.value) in seen:
                continue
            seen.add(id(entry.value))
            finding = self._check_image(document, entry.value, service)
            if finding is not None:
                yield finding

    def _check_image(self, document: ComposeDocument, node: ScalarNode, service: Service) -> Finding | None:
        start, end = document.span(node)
        written = document.text[start:end]
        quote = written[0] if written[:1] in ("'", '"') else ""
        value_start, value = start + len(quote), str(node.value)
        if written[len(quote) : len(written) - len(quote)] != value:
            return None  # escapes in a quoted scalar: offsets in the value are not offsets in the file
        interpolated = interpolated_latest(value)
        if interpolated is not None:
            latest = value_start + interpolated.start(1) + interpolated.group(1).rindex("latest")
            edit = Edit.replace(latest, latest + len("latest"), "")
            reference = parse_reference(value[: interpolated.start()])
        else:
            reference = parse_reference(value)
            if reference is None or (reference.is_pinned and not self._pinned_online(reference, service)):
                return None
            if reference.tag_span is not None:
                edit = Edit.replace(value_start + reference.tag_span[0], value_start + reference.tag_span[1], "")
            else:
                edit = Edit.insert(value_start + reference.name_end, ":")
        floating = reference.tag if reference is not None and reference.tag else "latest"
        message = f"service `{service.name}` runs `{value}`, which floats with every push to `{floating}`"
        if service.get("build") is not None:
            if _never_pulled(service):
                return None
            return self.finding(document, start, end, message + "; it names what the service builds: tag the build")
        # A digest would outrank `${TAG:-...}`: a deployment that sets TAG would run the pin.
        same = self.knowledge.same_image_pin(reference, interpolated is None) if reference is not None else None
        if same is not None:
            pinned = same.written
            fix = self.fix(f"Pin to `{pinned}`", Edit(edit.start, edit.end, edit.content + pinned))
            return self.finding(document, start, end, f"{message}; {same.explanation}", fix)
        choice = self.knowledge.choose_pin(reference, *_evidence(service)) if reference is not None else None
        if choice is None:
            return self.finding(document, start, end, message + "; no pin is known for it: pin a tested version")
        if choice.tag is None:
            return self.finding(document, start, end, f"{message}; {choice.explanation}")
        fix = self.fix(
            f"Pin to `{choice.tag}`",
            Edit(edit.start, edit.end, edit.content + choice.tag),
            applicability=Applicability.UNSAFE,
        )
        return self.finding(document, start, end, message, fix, doubts=[choice.explanation])

    def _pinned_online(self, reference: ImageReference, service: Service) -> bool:
        """Online, a tag that names no version (`alpine`) floats too, and is pinned when the
        registry knows the version tag with its digest."""
        return service.get("build") is None and self.knowledge.same_image_pin(reference) is not None


def _never_pulled(service: Service) -> bool:
    """Whether Compose only builds the service's image, never pulling it: its name is a
    local tag (sentry's `sentry-self-hosted-local` with `pull_policy: never`)."""
    policy = service.get("pull_policy")
    return policy is not None and isinstance(policy.value, ScalarNode) and str(policy.value.value) in ("never", "build")


def _evidence(service: Service) -> tuple[list[str], list[str]]:
    """What the service says of the image it needs: the text of what it runs and of its
    environment, and, as weaker evidence, of its volumes."""
    texts = [
        document_text
        for key in ("entrypoint", "command", "environment", "healthcheck")
        if (entry := service.get(key)) is not None
        for document_text in _scalars(entry.value)
    ]
    volumes = service.get("volumes")
    return texts, list(_scalars(volumes.value)) if volumes is not None else []


def _scalars(node: Node) -> Iterator[str]:
    """The values under a node as text, a mapping's scalar values as `KEY=value`, the way
    a list of the same entries would write them."""
    if isinstance(node, MappingNode):
        for key, value in node.value:
            if isinstance(value, ScalarNode):
                yield f"{key.value}={value.value}"
    for scalar in iter_scalars(node):
        yield str(scalar.value)
