from __future__ import annotations

import re
from collections.abc import Iterator

from ruamel.yaml.nodes import ScalarNode, SequenceNode

from hardenfix import probes, regexes
from hardenfix.knowledge import parse_reference
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service

_NATS_IMAGES = {"nats", "nats-streaming"}
# nats-server's flags, as its Go `flag` set names them (nats-io/nats-server@1d6f7eaf,
# v2.10.24:server/opts.go ConfigureOptions); `probes.go_flags` reads any spelling.
_JETSTREAM = {"js", "jetstream"}
_MONITORING = {"m", "http_port", "ms", "https_port"}
# A config file may enable monitoring where hardenfix cannot see it.
_CONFIG = {"c", "config"}
# What Go's strconv.ParseBool reads as false, in a boolean flag's `-js=false`.
_FALSE = {"0", "f", "F", "false", "FALSE", "False"}
MONITORING_PORT = "8222"


class NatsMonitoring(Rule):
    """
    ## What it does
    Finds NATS services (image `nats` or `nats-streaming`, or a command that
    runs `nats-server`) whose command enables JetStream (`-js`,
    `-jetstream`) but not the monitoring endpoint (`-m`, `-http_port`, or
    HTTPS's `-ms`, `-https_port`), and appends `-m 8222` in the command's own
    style: list items or words. Flags are read as nats-server reads them, with
    Go's `flag` package: one dash or two (`--http_port`), the value after `=`
    or in the next word, and the last one given wins (`-js=false` turns
    JetStream off again).

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
    no port is published. A command that sets the monitoring port already, in
    any spelling and in its `entrypoint` too, is left alone: appended,
    `-m 8222` would win over it and move the endpoint its probes ask. So is a
    command that loads a config file (`-c`, `-config`), which may enable
    monitoring there. Unsafe for a service that shares another network
    namespace (`network_mode: host`, `service:...`, `container:...`): port
    8222 may be taken there (two such servers on one host), and NATS exits
    when it cannot listen; on the host's network the endpoint is also open
    on every interface. Unsafe too for a command that names port 8222 for a
    listener of its own (`-p 8222`, `--cluster nats://0.0.0.0:8222`). A
    command that services share (`command: *nats`, or through `extends`)
    gets the flag in each: unsafe when it is for one of them, or when one of
    them is left alone as above (it sets the port already, or runs no
    JetStream server).
    """

    code = "HF140"
    slug = "nats-monitoring"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "NATS with JetStream but no monitoring port"
    fix_safety = FixSafety.SOMETIMES
    prefilter = regexes.lazy(rb"-js|--jetstream")
    changes = ("services.*.command",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        commands = {}
        for service in document.services():
            command, words = service.get("command"), service.command_line()
            if command is not None and words is not None and service.command_words() is not None:
                commands[service.name] = (command, self._left_alone(service, words), self._doubts(service, words))
        for service in document.services():
            if service.name not in commands:
                continue
            command, left_alone, own_doubts = commands[service.name]
            if left_alone is not None:
                continue
            node = command.value
            assert isinstance(node, SequenceNode | ScalarNode)
            # An alias (`command: *nats`) or `extends` shares the node: the flag goes to each.
            doubts = list(own_doubts)
            for other, (shared, its_reason, its_doubts) in commands.items():
                if other != service.name and shared.value is node:
                    reasons = [its_reason] if its_reason is not None else [d for d in its_doubts if d is not None]
                    doubts += [
                        f"service `{other}` runs the same command (a YAML alias or `extends`), and gets the flag too:"
                        f" {reason}"
                        for reason in reasons
                    ]
            edit = self._append_flag(document, node, command.key.end_mark.index)
            message = (
                f"NATS service `{service.name}` runs JetStream without the monitoring port: "
                "nothing can probe its health"
            )
            yield self.finding(
                document,
                *document.span(command.key),
                message,
                self.fix(f"Add `-m {MONITORING_PORT}`", edit),
                doubts=doubts,
            )

    def _left_alone(self, service: Service, words: list[str]) -> str | None:
        """Why the service gets no `-m`: it runs no JetStream NATS server, or sets the monitoring
        port or loads a config file already; None when it should get one."""
        # The server reads its entrypoint's words and then its command's, and the last
        # time a flag is given wins: an `-m` appended after `-http_port 8080` moves it.
        flags = probes.go_flags(words)
        jetstream = [value for name, value in flags if name in _JETSTREAM]
        if not self._is_nats(service, words) or not jetstream or jetstream[-1] in _FALSE:
            return "it runs no NATS server with JetStream"
        if any(name in _MONITORING | _CONFIG for name, _ in flags):
            return f"it sets the monitoring port, or loads a config file, already: `-m {MONITORING_PORT}` would win"
        return None

    @staticmethod
    def _doubts(service: Service, words: list[str]) -> list[str | None]:
        """Why appending `-m 8222` to the service's command may stop it from starting."""
        shared = service.get("network_mode")
        network = str(shared.value.value) if shared is not None and isinstance(shared.value, ScalarNode) else ""
        shares_a_namespace = network == "host" or network.startswith(("service:", "container:"))
        # `-p 8222`, `--cluster nats://0.0.0.0:8222`: another listener of its own on the port.
        taken = next((word for word in words if re.search(rf"(?<![\w.]){MONITORING_PORT}(?!\w)", word)), None)
        return [
            f"it shares another network namespace, `network_mode: {network}`, where port"
            f" {MONITORING_PORT} may be taken, and NATS exits when it cannot listen there"
            if shares_a_namespace
            else None,
            f"its command names port {MONITORING_PORT} already (`{taken}`), for a listener of its own:"
            " NATS exits when the monitoring port cannot listen"
            if taken is not None
            else None,
        ]

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
