from __future__ import annotations

import json
import re
from collections.abc import Iterator

from hardenfix.knowledge import DEFAULT_TIMING, ImageFacts, parse_reference
from hardenfix.model import Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service

SERVICE_CLASS_ORDER = ("data", "api", "worker", "diagnostic")


def probe_tool(test: tuple[str, ...]) -> str | None:
    """The program a Compose healthcheck `test` runs first."""
    if not test:
        return None
    if test[0] == "CMD-SHELL":
        return test[1].split()[0] if len(test) > 1 and test[1].split() else None
    if test[0] == "CMD":
        return test[1] if len(test) > 1 else None
    return test[0].split()[0] if test[0].split() else None


class HealthcheckMissing(Rule):
    """
    ## What it does
    Finds Compose services with no healthcheck whose image has a well-known
    probe in hardenfix's image knowledge base (`pg_isready` for `postgres`,
    `redis-cli ping` for `redis`, `mc ready local` for MinIO, NATS's
    `/healthz`, ...), and adds that healthcheck with `interval`, `timeout`,
    `retries` and `start_period`. Findings say the service's class, and data
    stores matter most: they come first in the order data, api, worker,
    diagnostic.

    ## Why is this bad?
    Without a healthcheck a container is "running" as soon as its process
    starts: `depends_on: condition: service_healthy` cannot wait for it,
    restarts never happen for a hung server, and dependants connect to a
    database that is still recovering.

    ## Example
    ```yaml
    services:
      cache:
        image: redis:7
    ```

    ## Use instead
    ```yaml
    services:
      cache:
        image: redis:7
        healthcheck:
          test: ["CMD", "redis-cli", "ping"]
          interval: 30s
          timeout: 10s
          retries: 3
          start_period: 30s
    ```

    ## Fix safety
    Safe: the probe is the image's documented one and uses a tool the image
    ships (for the tag's variant: `nats` is built from scratch, `nats:*-alpine`
    has `wget`). Services whose image is unknown, built from an unreadable
    Dockerfile, or defined in an override file, in more than one document of
    the file, or as a fragment without `image`/`build` are left alone: their
    healthcheck may live elsewhere.

    Projects describe their own images, or correct the built-in facts, in the
    `[images."repository"]` configuration (`tools`, `class`, `healthcheck`).
    """

    code = "HF106"
    slug = "healthcheck-missing"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Service without a healthcheck whose image has a standard probe"
    fix_safety = FixSafety.SAFE
    prefilter = re.compile(rb"services")
    changes = ("services.*.healthcheck",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        if document.is_override:
            return
        candidates = []
        for service in document.services():
            if not service.is_complete or service.get("healthcheck") is not None:
                continue
            facts_and_tag = self._facts(document, service)
            if facts_and_tag is None:
                continue
            facts, tag = facts_and_tag
            if facts.healthcheck is None or probe_tool(facts.healthcheck) not in facts.tools_for(tag):
                continue
            candidates.append((service, facts))
        for service, facts in sorted(candidates, key=lambda c: _class_rank(c[1])):
            healthcheck = {
                "test": [json.dumps(word) for word in facts.healthcheck],
                "interval": DEFAULT_TIMING.interval,
                "timeout": DEFAULT_TIMING.timeout,
                "retries": str(DEFAULT_TIMING.retries),
                "start_period": DEFAULT_TIMING.start_period,
            }
            yield self.finding(
                document,
                *document.span(service.key),
                f"{facts.service_class} service `{service.name}` has no healthcheck; "
                f"`{facts.repository}` has a standard probe",
                self.fix(
                    "Add the image's standard healthcheck",
                    document.insert_entry(service.node, "healthcheck", healthcheck),
                ),
            )

    def _facts(self, document: ComposeDocument, service: Service) -> tuple[ImageFacts, str | None] | None:
        image = document.base_image_of(service)
        reference = parse_reference(image) if image else None
        if reference is None:
            return None
        facts = self.knowledge.facts_for(reference)
        return (facts, reference.tag) if facts is not None else None


def _class_rank(facts: ImageFacts) -> int:
    order = SERVICE_CLASS_ORDER
    return order.index(facts.service_class) if facts.service_class in order else len(order)
