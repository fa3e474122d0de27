from __future__ import annotations

import re
from collections.abc import Iterator

from ruamel.yaml.nodes import ScalarNode

from hardenfix.knowledge import parse_reference
from hardenfix.model import Applicability, Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument

# `repo:${TAG:-latest}`: the tag is an interpolation whose default is `latest`.
_INTERPOLATED_TAG = re.compile(r":(\$\{[A-Za-z_][A-Za-z0-9_]*:?-latest\})$")


class ImagePin(Rule):
    """
    ## What it does
    Finds Compose services whose `image` is `:latest` or has no tag (which
    means `latest`), including a tag that defaults to it (`app:${TAG:-latest}`),
    and pins it to the tag in the pins table.

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
        image: postgres:15-alpine
    ```

    ## Fix safety
    Unsafe: the pinned tag may be older or newer than what `latest` pulls on a
    given machine today, and a data store's on-disk format can depend on its
    major version. Review the pin before applying it. Without a known pin the
    finding is reported with no fix: hardenfix never invents a tag that might
    not exist. An image that is entirely interpolated (`${IMAGE}`) is left to
    whoever sets it; a digest (`@sha256:...`) counts as pinned.

    The pins table is hardenfix's built-in one (`postgres` -> `15-alpine`,
    `nats` -> `2.10-alpine`, ...) plus the project's `[pins]` configuration.
    """

    code = "HF120"
    slug = "image-pin"
    kind = FileKind.COMPOSE
    category = Category.SUPPLY_CHAIN
    summary = "Image without a pinned tag"
    fix_safety = FixSafety.UNSAFE
    prefilter = re.compile(rb"image")
    changes = ("services.*.image",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        seen: set[int] = set()
        for service in document.services():
            entry = service.get("image")
            if entry is None or not isinstance(entry.value, ScalarNode) or id(entry.value) in seen:
                continue
            seen.add(id(entry.value))
            finding = self._check_image(document, entry.value, service.name)
            if finding is not None:
                yield finding

    def _check_image(self, document: ComposeDocument, node: ScalarNode, service: str) -> Finding | None:
        start, end = document.span(node)
        written = document.text[start:end]
        quote = written[0] if written[:1] in ("'", '"') else ""
        value_start, value = start + len(quote), str(node.value)
        if written[len(quote) : len(written) - len(quote)] != value:
            return None  # escapes in a quoted scalar: offsets in the value are not offsets in the file
        interpolated = _INTERPOLATED_TAG.search(value)
        if interpolated is not None:
            latest = value_start + interpolated.start(1) + interpolated.group(1).rindex("latest")
            edit = Edit.replace(latest, latest + len("latest"), "")
            reference = parse_reference(value[: interpolated.start()])
        else:
            reference = parse_reference(value)
            if reference is None or reference.is_pinned:
                return None
            if reference.tag_span is not None:
                edit = Edit.replace(value_start + reference.tag_span[0], value_start + reference.tag_span[1], "")
            else:
                edit = Edit.insert(value_start + reference.name_end, ":")
        message = f"service `{service}` runs `{value}`, which floats with every push to `latest`"
        pin = self.knowledge.pin_for(reference) if reference is not None else None
        if pin is None:
            return self.finding(document, start, end, message + "; no pin is known for it: pin a tested version")
        fix = self.fix(
            f"Pin to `{pin}`", Edit(edit.start, edit.end, edit.content + pin), applicability=Applicability.UNSAFE
        )
        return self.finding(document, start, end, message + f" (unsafe fix: pin to `{pin}` after checking it)", fix)
