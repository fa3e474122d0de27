from __future__ import annotations

import re
from collections.abc import Iterator

from ruamel.yaml.nodes import ScalarNode, SequenceNode

from hardenfix.knowledge import parse_reference
from hardenfix.model import Applicability, Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service

_NATS_IMAGES = {"nats", "nats-streaming"}
_JETSTREAM = {"-js", "--jetstream"}
_MONITORING = {"-m", "--http_port", "-ms", "--https_port"}
# A config file may enable monitoring where hardenfix cannot see it.
_CONFIG = {"-c", "--config"}
MONITORING_PORT = "8222"


def _flag(token: str) -> str:
    return token.split("=", 1)[0]


class NatsMonitoring(Rule):
    """
    ## What it does
    Finds NATS services (image `nats` or `nats-streaming`, or a command that
    runs `nats-server`) whose command enables JetStream (`-js`,
    `--jetstream`) but not the monitoring endpoint (`-m`, `--http_port`), and
    appends `-m 8222` in the command's own style: list items or words.

    ## Why is this bad?
    Without the monitoring port the server has no `/healthz`, so there is
    nothing for a healthcheck to probe: a JetStream server that lost its
    storage or its cluster quorum keeps reporting healthy, and `/jsz`, the
    only view of stream and consumer state, is unreachable when it is needed.

    ## Example
    ```yaml
    services:
      nats:
        image: nats:2.10-alpine
        command: ["-js", "-sd", "/data"]
    ```

    ## Use instead
    ```yaml
    services:
      nats:
        image: nats:2.10-alpine
        command: ["-js", "-sd", "/data", "-m", "8222"]
    ```

    ## Fix safety
    Safe: the endpoint is read-only and listens inside the container's network;
    no port is published. A command that loads a config file (`-c`) may enable
    monitoring there, so it is left alone. Unsafe for a service that shares
    another network namespace (`network_mode: host`, `service:...`,
    `container:...`): port 8222 may be taken there (two such servers on one
    host), and NATS exits when it cannot listen; on the host's network the
    endpoint is also open on every interface.
    """

    code = "HF140"
    slug = "nats-monitoring"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "NATS with JetStream but no monitoring port"
    fix_safety = FixSafety.SOMETIMES
    prefilter = re.compile(rb"-js|--jetstream")
    changes = ("services.*.command",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for service in document.services():
            command, words = service.get("command"), service.command_words()
            if command is None or words is None:
                continue
            node = command.value
            assert isinstance(node, SequenceNode | ScalarNode)
            flags = {_flag(word) for word in words}
            if not self._is_nats(service, words) or not flags & _JETSTREAM or flags & (_MONITORING | _CONFIG):
                continue
            edit = self._append_flag(document, node, command.key.end_mark.index)
            message = (
                f"NATS service `{service.name}` runs JetStream without the monitoring port: "
                "nothing can probe its health"
            )
            applicability = Applicability.SAFE
            shared = service.get("network_mode")
            network = str(shared.value.value) if shared is not None and isinstance(shared.value, ScalarNode) else ""
            if network == "host" or network.startswith(("service:", "container:")):
                applicability = Applicability.UNSAFE
                message += (
                    f" (unsafe fix: it shares another network namespace, `network_mode: {network}`, where port"
                    f" {MONITORING_PORT} may be taken, and NATS exits when it cannot listen there)"
                )
            yield self.finding(
                document,
                *document.span(command.key),
                message,
                self.fix(f"Add `-m {MONITORING_PORT}`", edit, applicability=applicability),
            )

    @staticmethod
    def _is_nats(service: Service, words: list[str]) -> bool:
        image = service.image()
        reference = parse_reference(image) if image else None
        return (reference is not None and reference.repository in _NATS_IMAGES) or any(
            word.rsplit("/", 1)[-1] == "nats-server" for word in words
        )

    @staticmethod
    def _append_flag(document: ComposeDocument, node: SequenceNode | ScalarNode, key_end: int) -> Edit:
        if isinstance(node, SequenceNode):
            first = node.value[0] if node.value else None
            quote = first.style if isinstance(first, ScalarNode) and first.style in ("'", '"') else ""
            # The port is quoted even among plain items: Compose rejects a number in a command list.
            port_quote = quote or '"'
            return document.append_items(node, [f"{quote}-m{quote}", f"{port_quote}{MONITORING_PORT}{port_quote}"])
        end = document.content_end(node, key_end)
        if node.style in ("'", '"'):
            end -= 1
        return Edit.insert(end, f" -m {MONITORING_PORT}")
