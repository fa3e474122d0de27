from __future__ import annotations

from collections.abc import Iterator

from hardenfix import probes
from hardenfix.model import Category, Edit, FileKind, Finding, ValueChange
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service
from hardenfix.sources.healthcheck import Probe, service_probes


class HealthcheckCurlFlags(Rule):
    """
    ## What it does
    Checks every `curl` a Compose healthcheck runs (in all three `test` forms:
    a string, `["CMD-SHELL", "..."]` and `["CMD", "curl", ...]`; in a shell
    chain such as `curl A && curl B || exit 1`, each curl on its own) and
    reports two things:

    - a curl with none of `-f`, `--fail` or `--fail-with-body` (also inside
      a cluster: `-fsSL` has one), whose exit status is what the probe
      reports. Not reported when something else judges the response: the
      output is piped to another command (`curl ... | grep ok`), written to
      a file (`-o FILE`, `-O`, `-D FILE`, `> FILE`; `/dev/null` does not
      count) or read by the shell (`[ $(curl -s -w '%{http_code}' URL) =
      200 ]`), or `!` inverts the status;
    - a curl with both `-f`/`--fail` and `--fail-with-body`, which curl refuses.

    Flags that already fail on HTTP errors, however spelled (`-fsS`,
    `--silent --fail`, `-f -s`), are fine and left as written. A fix changes
    only flag words; the rest of the command keeps every byte.

    ## Why is this bad?
    Without `-f`, curl exits 0 on any HTTP answer: a service answering
    `500 Internal Server Error` or `503 Service Unavailable` passes its
    healthcheck, and dependants start against it. With both `-f` and
    `--fail-with-body`, curl stops with "You must select either --fail or
    --fail-with-body, not both" (exit 2, measured with curl 7.88): the probe
    never passes and the container is never healthy.

    ## Example
    ```yaml
    healthcheck:
      test: ["CMD-SHELL", "curl -sS --fail-with-body -f http://localhost:8000/ready && curl http://localhost:8000/healthz"]
    ```

    ## Use instead
    ```yaml
    healthcheck:
      test: ["CMD-SHELL", "curl -sS --fail-with-body http://localhost:8000/ready && curl -f http://localhost:8000/healthz"]
    ```

    ## Fix safety
    Removing `-f` beside `--fail-with-body` is safe: `--fail-with-body` alone
    fails on the same statuses, and the pair never ran on a current curl.
    Adding `-f` (after the program, nothing else changed) is unsafe: a probe
    of a path that answers 4xx while the service works (`/` answering 404,
    an endpoint behind authentication answering 401) passes today and would
    fail, so the container would never become healthy. Check that the URL
    answers 2xx or 3xx, then apply it with `--unsafe-fixes`. A flag written
    in quotes or with a YAML escape is reported without a fix.
    """

    code = "HF103"
    slug = "healthcheck-curl-flags"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "curl probe that passes on HTTP errors, or with both `-f` and `--fail-with-body`"
    fix_safety = FixSafety.SOMETIMES
    prefilter = b"curl"
    changes = ("**.test",)
    value_change = ValueChange.CURL_FAIL_FLAGS

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for service, probe in service_probes(document):
            if probe.argv is not None:
                http = probes.http_probe_from_argv(probe.argv)
                curls = [http] if http is not None else []
            else:
                curls = list(probes.find_http_probes(probe.command or ""))
            for http in curls:
                problem = probes.curl_flag_problem(http) if http.tool == "curl" else None
                if problem is not None:
                    yield self._finding(document, service, probe, http, problem)

    def _finding(
        self,
        document: ComposeDocument,
        service: Service,
        probe: Probe,
        http: probes.HttpProbe,
        problem: probes.CurlFlagProblem,
    ) -> Finding:
        if probe.argv is not None:
            edits = _exec_form_edits(document, probe, problem)
            start, end = document.span(probe.test.value.value[1])
        else:
            origins = document.value_origins(probe.command_node) if probe.command_node is not None else None
            edits = _shell_edits(document, http, problem, origins)
            start, end = _written_span(origins, http.start, http.end) or document.span(probe.test.key)
        url = f" `{http.url}`" if http.url else ""
        message = f"curl{url} in the healthcheck of service `{service.name}` {problem.message}"
        if edits is None:
            return self.finding(document, start, end, f"{message} (a flag is quoted or escaped: no fix)")
        return self.finding(
            document, start, end, message, self.fix(problem.title, *edits), doubts=[problem.unsafe_because]
        )


def _exec_form_edits(document: ComposeDocument, probe: Probe, problem: probes.CurlFlagProblem) -> list[Edit] | None:
    """`["CMD", program, ...]`: argument `i` is item `i + 1`."""
    sequence = probe.test.value
    edits = []
    for edit in problem.edits:
        item = edit.index + 1
        if edit.insert:
            edits.append(document.insert_item(sequence, item, edit.replacement or ""))
        elif edit.replacement is None:
            edits.append(document.remove_item(sequence, item))
        else:
            replaced = document.replace_scalar(sequence.value[item], edit.replacement, bool(sequence.flow_style))
            if replaced is None:
                return None
            edits.append(replaced)
    return edits


def _shell_edits(
    document: ComposeDocument,
    http: probes.HttpProbe,
    problem: probes.CurlFlagProblem,
    origins: list[int | None] | None,
) -> list[Edit] | None:
    changes = probes.shell_edits(http, problem.edits)
    if changes is None or origins is None:
        return None
    edits = [document.value_range_edit(origins, start, end, content) for start, end, content in changes]
    return None if None in edits else [edit for edit in edits if edit is not None]


def _written_span(origins: list[int | None] | None, start: int, end: int) -> tuple[int, int] | None:
    """Where the command's characters `[start, end)` were written, when both ends were."""
    if origins is None or origins[start] is None or origins[end - 1] is None:
        return None
    return origins[start], origins[end - 1] + 1  # type: ignore[operator]
