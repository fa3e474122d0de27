from __future__ import annotations

import re
from collections.abc import Iterator

from hardenfix import probes
from hardenfix.model import Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument
from hardenfix.sources.healthcheck import rewrite_command, service_probes


class HealthcheckCurlFlags(Rule):
    """
    ## What it does
    Finds Compose healthchecks that probe with `curl` but without `-f`/`--fail`,
    or with the flags spelled some other way (`--silent --fail`, `-f -s`,
    `-fsSL`), and normalises them to `curl -sf`, keeping every other option,
    the URL and the rest of the command as written. All three `test` forms are
    handled: a string, `["CMD-SHELL", "..."]` and `["CMD", "curl", ...]`.

    ## Why is this bad?
    Without `-f`, curl exits 0 on any HTTP answer: a service answering
    `500 Internal Server Error` or `503 Service Unavailable` passes its
    healthcheck, and dependants start against it. One spelling everywhere also
    makes probes easy to review and grep.

    ## Example
    ```yaml
    healthcheck:
      test: ["CMD", "curl", "http://localhost:8000/healthz"]
    ```

    ## Use instead
    ```yaml
    healthcheck:
      test: ["CMD", "curl", "-sf", "http://localhost:8000/healthz"]
    ```

    ## Fix safety
    Safe: a probe that passed only because curl ignored an HTTP error status was
    reporting a failing service as healthy; `-s` only silences progress output.
    """

    code = "HF103"
    slug = "healthcheck-curl-flags"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "curl probe without `-f`, or with non-standard flags"
    fix_safety = FixSafety.SAFE
    prefilter = re.compile(rb"curl")
    changes = ("**.test",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for service, probe in service_probes(document):
            http = probe.http_probe()
            if http is None or http.tool != "curl":
                continue
            normalised = probes.normalised_curl_arguments(http.arguments)
            if normalised is None:
                continue
            if probe.argv is not None:
                edit = document.replace_items(probe.test.value, ["CMD", http.program, *normalised])
            else:
                edit = rewrite_command(document, probe, http.start, http.end, " ".join([http.program, *normalised]))
            if probes.curl_fails_on_http_errors(http.arguments):
                message = f"curl probe of service `{service.name}` spells its flags differently from the standard `-sf`"
            else:
                message = (
                    f"curl probe of service `{service.name}` has no `-f`: "
                    "it exits 0 on an HTTP error, so a failing service passes"
                )
            yield self.finding(
                document,
                *document.span(probe.test.key),
                message,
                self.fix("Use `curl -sf`", edit) if edit is not None else None,
            )
