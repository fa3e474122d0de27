from __future__ import annotations

import re
from collections.abc import Iterator

from hardenfix import probes
from hardenfix.knowledge import ImageFacts, parse_reference
from hardenfix.model import Applicability, Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service
from hardenfix.sources.healthcheck import SHELL_BUILTINS, Probe, rewrite_command, rewrite_probe, service_probes


class HealthcheckMissingTool(Rule):
    """
    ## What it does
    Finds Compose healthchecks whose probe runs a program the service's image
    does not ship — `wget --spider` in an image without wget, `curl` in
    `minio/minio`, any shell-form probe in an image without a shell — using
    hardenfix's image knowledge base (for a service that builds, the `FROM` of
    its Dockerfile's final stage). An HTTP probe is rewritten to request the
    same URL with a tool the image has: `curl -sf URL`, else a `python3 -c`
    urllib one-liner, else a `node -e` one-liner. Another probe is replaced by
    the image's standard probe when one is known and can run. The probe keeps
    the form it was written in.

    ## Why is this bad?
    The probe fails with "executable file not found" on every run, so the
    container never becomes healthy: it is restarted in a loop, and everything
    that waits for `service_healthy` never starts. Such probes are usually
    copied from another image's documentation and never run against this one.

    ## Example
    ```yaml
    services:
      olap:
        image: clickhouse/clickhouse-server:24.8
        healthcheck:
          test: ["CMD", "wget", "--spider", "-q", "http://localhost:8123/ping"]
    ```

    ## Use instead
    ```yaml
    services:
      olap:
        image: clickhouse/clickhouse-server:24.8
        healthcheck:
          test: ["CMD", "curl", "-sf", "http://localhost:8123/ping"]
    ```

    ## Fix safety
    Safe when the same URL is requested with another tool: the probe checks
    what it meant to check, and can now run. Unsafe when the probe is replaced
    by the image's standard probe, which checks something else. When the image
    is not in the knowledge base, an HTTP probe is reported without a fix: a
    probe that was never run against the image is how these bugs start.
    Describe your own images in the `[images."repository"]` configuration.
    """

    code = "HF104"
    slug = "healthcheck-missing-tool"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Healthcheck probe uses a tool the image does not ship"
    fix_safety = FixSafety.SOMETIMES
    prefilter = re.compile(rb"healthcheck")
    changes = ("**.test",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for service, probe in service_probes(document):
            finding = self._check_probe(document, service, probe)
            if finding is not None:
                yield finding

    def _check_probe(self, document: ComposeDocument, service: Service, probe: Probe) -> Finding | None:
        image = document.base_image_of(service)
        reference = parse_reference(image) if image else None
        facts = self.knowledge.facts_for(reference) if reference is not None else None
        http = probe.http_probe()
        span = document.span(probe.test.key)
        if facts is None:
            if http is None:
                return None
            return self.finding(
                document,
                *span,
                f"probe of service `{service.name}` runs `{http.tool}`, and hardenfix does not know whether "
                f"`{image or 'its image'}` ships it: check that it does, or describe the image in [images]",
            )
        tools = facts.tools_for(reference.tag)
        missing = next((tool for tool in _needed_tools(probe) if tool not in tools), None)
        if missing is None:
            return None
        message = (
            f"probe of service `{service.name}` runs `{missing}`, which `{image}` does not ship: it can never pass"
        )
        fix = self._same_url_with_another_tool(document, probe, http, tools) or self._standard_probe(
            document, probe, facts, tools
        )
        if fix is None:
            return self.finding(document, *span, message + "; no replacement can run in this image")
        edit, applicability, title = fix
        if applicability is Applicability.UNSAFE:
            message += " (unsafe fix: the image's standard probe checks something else)"
        return self.finding(document, *span, message, self.fix(title, edit, applicability=applicability))

    @staticmethod
    def _same_url_with_another_tool(
        document: ComposeDocument, probe: Probe, http: probes.HttpProbe | None, tools: frozenset[str]
    ) -> tuple[Edit, Applicability, str] | None:
        if http is None or not http.url or "$" in http.url:
            return None
        replacement = probes.replacement_probe(http.url, tools)
        if replacement is None or (probe.uses_shell and "sh" not in tools):
            return None
        if probe.argv is not None:
            edit = rewrite_probe(document, probe, replacement)
        else:
            edit = rewrite_command(document, probe, http.start, http.end, probes.shell_join(replacement))
        return (edit, Applicability.SAFE, f"Probe with `{replacement[0]}`") if edit is not None else None

    @staticmethod
    def _standard_probe(
        document: ComposeDocument, probe: Probe, facts: ImageFacts, tools: frozenset[str]
    ) -> tuple[Edit, Applicability, str] | None:
        standard = facts.healthcheck
        if not standard or len(standard) < 2:
            return None
        if standard[0] == "CMD" and standard[1] in tools:
            edit = rewrite_probe(document, probe, standard[1:])
        elif standard[0] == "CMD-SHELL" and probe.uses_shell and "sh" in tools:
            assert probe.command is not None
            edit = rewrite_command(document, probe, 0, len(probe.command), standard[1])
        else:
            return None
        return (edit, Applicability.UNSAFE, "Use the image's standard probe") if edit is not None else None


def _needed_tools(probe: Probe) -> list[str]:
    """What must be on the image's PATH for the probe to run: its program (a shell
    builtin needs nothing more), and a shell for the shell forms."""
    program = probe.program
    needed = [program] if program and not (probe.uses_shell and program in SHELL_BUILTINS) else []
    return [*needed, "sh"] if probe.uses_shell else needed
