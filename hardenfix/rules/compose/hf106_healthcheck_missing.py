from __future__ import annotations

import json
import re
from collections.abc import Iterator

from hardenfix.facts.service import service_facts
from hardenfix.knowledge import DEFAULT_TIMING
from hardenfix.knowledge.images import SERVICE_CLASSES, CommandOption
from hardenfix.model import Applicability, Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service


class HealthcheckMissing(Rule):
    """
    ## What it does
    Finds Compose services with no healthcheck whose image has a well-known
    probe in hardenfix's image knowledge base (`pg_isready` for `postgres`,
    `redis-cli ping` for `redis`, `mc ready local` for MinIO, NATS's
    `/healthz`, ...), and adds that healthcheck with `interval`, `timeout`,
    `retries` and `start_period`. The probe is the first the image's tag
    can run: `mariadb` images built since February 2022 have
    `healthcheck.sh`, older ones `mariadb-admin` or `mysqladmin`, and 11.0
    dropped `mysqladmin`. Findings say the service's class, and data stores
    matter most: they come first in the order data, api, worker, diagnostic.

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
    Safe when the probe is the image's documented one and the knowledge base
    knows that the tag in use ships every program it runs (for the tag's
    variant and release: `nats` is built from scratch, `nats:*-alpine` has
    `wget`). Unsafe when that is assumed: a tag that names no version
    (`latest`, `lts`) or a release newer than the knowledge base is taken to
    be like the newest release it knows, and the message says so.

    A probe that needs a command-line option is added only once the
    service's command has it: NATS serves `/healthz` on its monitoring port
    alone, which its image's own command enables, but a `command:` of its own
    must pass `-m 8222`. Until it does the finding has no fix; `HF140` adds
    the option to JetStream servers, and when both rules run, the probe is
    added in the same run, right after. Services whose image is unknown,
    built from an unreadable Dockerfile, or defined in an override file, in
    more than one document of the file, or as a fragment without
    `image`/`build` are left alone: their healthcheck may
    live elsewhere.

    Projects describe their own images, or correct the built-in facts, in the
    `[images."repository"]` configuration (`tools`, `class`, `healthcheck`).
    """

    code = "HF106"
    slug = "healthcheck-missing"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Service without a healthcheck whose image has a standard probe"
    fix_safety = FixSafety.SOMETIMES
    prefilter = re.compile(rb"services")
    changes = ("services.*.healthcheck",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        if document.is_override:
            return
        candidates = []
        for service in document.services():
            if not service.is_complete or service.get("healthcheck") is not None:
                continue
            facts = service_facts(document, service, self.knowledge).image
            choice = facts.standard_probe(service.command_line()) if facts is not None else None
            if facts is not None and choice is not None:
                candidates.append((service, facts, choice))
        for service, facts, choice in sorted(candidates, key=lambda c: _class_rank(c[1].image.service_class)):
            message = (
                f"{facts.image.service_class} service `{service.name}` has no healthcheck; "
                f"`{facts.image.repository}` has a standard probe"
            )
            span = document.span(service.key)
            if choice.unmet:
                yield self.finding(document, *span, f"{message}, which {_unmet(choice.unmet, service)}")
                continue
            healthcheck = {
                "test": [json.dumps(word) for word in choice.probe.test],
                "interval": DEFAULT_TIMING.interval,
                "timeout": DEFAULT_TIMING.timeout,
                "retries": str(DEFAULT_TIMING.retries),
                "start_period": DEFAULT_TIMING.start_period,
            }
            applicability = Applicability.UNSAFE if choice.guesses else Applicability.SAFE
            if choice.guesses:
                message += f" (unsafe fix: {'; '.join(choice.guesses)})"
            fix = self.fix(
                "Add the image's standard healthcheck",
                document.insert_entry(service.node, "healthcheck", healthcheck),
                applicability=applicability,
            )
            yield self.finding(document, *span, message, fix)


def _unmet(needs: tuple[CommandOption, ...], service: Service) -> str:
    """Why the probe cannot be added yet: what it needs that the command lacks."""
    command = service.command_line()
    reasons = []
    for need in needs:
        if command is not None and need.set_in(command) is None:
            reasons.append(f"needs `{need}`, and its command loads a configuration file that may set it")
        else:
            reasons.append(f"needs `{need}` in its command: {need.why}")
    return "; ".join(reasons)


def _class_rank(service_class: str) -> int:
    order = SERVICE_CLASSES
    return order.index(service_class) if service_class in order else len(order)
