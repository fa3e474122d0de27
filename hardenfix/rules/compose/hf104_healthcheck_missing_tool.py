from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator

from hardenfix import probes
from hardenfix.facts.service import service_facts
from hardenfix.knowledge.images import TagFacts
from hardenfix.model import Applicability, Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service
from hardenfix.sources.healthcheck import (
    SHELL_BUILTINS,
    Probe,
    proxied,
    rewrite_command,
    rewrite_command_spans,
    rewrite_probe,
    shared_probes,
)


class HealthcheckMissingTool(Rule):
    """
    ## What it does
    Finds Compose healthchecks whose probe runs a program the service's image
    does not ship for the tag in use (its first program, and each one a shell
    chain of `&&` runs after it: `test -f /tmp/ready && curl ...` needs `curl`)
    — `curl` in `python:3.12-slim`, `wget`
    in `postgres:16`, `healthcheck.sh` in `mariadb:10.6.4` (built before the
    script was added), any shell-form probe in an image without a shell —
    using hardenfix's image knowledge base, where each fact holds for a range
    of the image's versions and for one variant and names the file it was
    read from (for a service that builds, the `FROM` of its Dockerfile's final
    stage, plus what its `RUN`s install). An HTTP probe is rewritten to
    request the same URL (each one a shell chain requests with the missing
    tool: `curl A && curl B`) with a tool the image has: `curl -sf URL`, else
    `wget -q -O /dev/null URL` for an `http:` URL (busybox's wget, which
    Alpine and busybox images have, may lack TLS; it tries only the first
    address of `localhost`, `::1` on Alpine, so `localhost` is requested at
    `127.0.0.1`, with the `Host: localhost:PORT` header curl sent), else a
    `python3 -c` urllib one-liner, else a `node -e` one-liner. A URL written
    without a scheme (`localhost:8000/`) is requested as curl and wget request
    it, with `http://`, which urllib and
    node need written; urllib does not send the credentials of a URL
    (`http://user:pass@host/`), so it does not replace a probe of one. Another probe
    is replaced by the image's standard probe when one is known and can run.
    The probe keeps the form it was written in.

    ## Why is this bad?
    The probe fails with "executable file not found" on every run, so the
    container never becomes healthy: it is restarted in a loop, and everything
    that waits for `service_healthy` never starts. Such probes are usually
    copied from another image's documentation, or from another release of the
    same image, and never run against this one.

    ## Example
    ```yaml
    services:
      api:
        image: python:3.12-alpine
        healthcheck:
          test: ["CMD", "curl", "-f", "http://localhost:8000/healthz"]
    ```

    ## Use instead
    ```yaml
    services:
      api:
        image: python:3.12-alpine
        healthcheck:
          test: ["CMD", "wget", "-q", "-O", "/dev/null", "--header", "Host: localhost:8000", "http://127.0.0.1:8000/healthz"]
    ```

    ## Fix safety
    Safe when the same URL is requested with another tool and every fact
    this relies on is known for the tag: the probe checks what it meant to
    check, and can now run. Only options that quiet the tool, bound or retry
    its run, follow redirects or discard the body carry over; a probe whose
    options decide what is sent or what passes (`-H`, `-k`, `-u`, `-X`), whose
    URL curl expands to several (`/{health,ready}`, `:800[0-1]`, unless `-g`),
    or whose output or status the shell judges (`| grep ok`, `!`), gets no
    rewrite. A probe that follows a redirect and judges where it lands (wget,
    `curl -L`) is rewritten to `curl -sfL`, wget or urllib, which do the same,
    never to node, whose request passes on the 3xx itself: behind `/health`
    answering 301 to a page answering 503, the old probe fails and node's
    would pass. A curl without `-L` passes on any 3xx: it is rewritten to
    `curl -sf`, node, or a urllib one-liner that does not follow (its error
    processor returns each response, and it exits 1 from 400 on, as `curl -f`
    does); wget cannot be told so (GNU's `--max-redirect=0` exits 8 on every
    redirect, busybox's has no such option) and follows: where the redirect
    leads to a failure (a 503, an `https:` URL nothing answers, a host it
    cannot reach), or on a 304, it fails where that curl passed (GNU wget
    1.21 and busybox 1.35, run against a server answering each 3xx). A
    health route rarely redirects, and images with wget alone (Alpine,
    busybox) are most of this rule's rewrites: that rewrite stays safe. A
    curl without `-f` passes on an HTTP error status and every
    replacement fails on one, so its rewrite is unsafe. A probe that services
    share (an anchored healthcheck) is rewritten only when the rewrite holds
    for each of their images; in a file whose services another file of the
    folder extends (`extends: {file: ...}`), or over which an override file
    sets an `image:`, the rewrite is unsafe, since the probe may run in other
    images. Unsafe too where the container may hold the tool all the same:
    its command or a `post_start` hook installs it at start (`apt-get install
    -y curl && ...`), or a bind mount puts it, or a folder of programs, on the PATH; the probe then
    passes as it is, and a replacement is another check (curl's `-f` passes on
    a redirect, which wget follows). Unsafe too where the service's
    environment sets a proxy (`HTTP_PROXY`, `ALL_PROXY`) that `no_proxy` does
    not bypass for the probe's host: urllib sends the rewritten probe's request
    there. A build that installs packages hardenfix cannot
    name (a list `xargs` reads, a script it runs) may install the tool, which
    is then not called missing. Unsafe when the probe is replaced by the image's
    standard probe, which checks something else, and when a fact is assumed:
    a tag that names no version (`latest`, `lts`) or a release newer than the
    knowledge base is taken to be like the newest release it knows, and an
    image of another registry (`registry.example:5000/python`) to be Docker
    Hub's of the same name, and the message says so. A program is only
    called missing when the knowledge base says so for that tag: for an
    image, a variant or a release it does not
    cover, an HTTP probe is reported without a fix, and other probes are left
    alone. Describe your own images in the `[images."repository"]`
    configuration.

    Online (`--online`), the image's registry says what it ships, and beats
    the knowledge base: the programs on the image's `PATH` are read from its
    layers, for the digest its tag points at today, so a probe tool that is
    not there is known to be missing and a replacement that is there known
    to run, whatever the tag (`latest` included). The rewrite is then safe,
    and the message names the image by its digest (`registry:
    postgres:latest@sha256:...`). Where the registry cannot be reached, or an
    image's layers cannot all be read, the knowledge base answers as offline.
    """

    code = "HF104"
    slug = "healthcheck-missing-tool"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Healthcheck probe uses a tool the image does not ship"
    fix_safety = FixSafety.SOMETIMES
    prefilter = b"healthcheck"
    changes = ("**.test",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for services, probe in shared_probes(document):
            findings = [self._check_probe(document, service, probe) for service in services]
            found = [finding for finding in findings if finding is not None]
            if not found:
                continue
            fixes = {finding.fix.edits if finding is not None and finding.fix else None for finding in findings}
            if len(fixes) == 1:
                unsafe = (f for f in found if f.fix is not None and f.fix.applicability == Applicability.UNSAFE)
                yield next(unsafe, found[0])
                continue
            names = ", ".join(f"`{service.name}`" for service in services)
            message = f"{found[0].message}; no fix: services {names} share this probe, and their images differ"
            yield found[0].replace(message=message + " in what it needs: give each its own", fix=None)

    def _check_probe(self, document: ComposeDocument, service: Service, probe: Probe) -> Finding | None:
        facts = service_facts(document, service, self.knowledge).image
        http = probe.http_probe()
        span = document.span(probe.test.key)
        base = document.base_image_of(service)
        image = f"`{base}`" if base else "the image it builds" if service.get("build") is not None else "its image"
        needed = _needed_tools(probe)
        answers = {tool: facts.tool(tool) if facts is not None else None for tool in needed}
        missing = next((tool for tool in needed if (fact := answers[tool]) is not None and not fact.value), None)
        if missing is None:
            if http is None or answers.get(http.tool) is not None:
                return None
            return self.finding(
                document,
                *span,
                f"probe of service `{service.name}` runs `{http.tool}`, and hardenfix does not know whether "
                f"{image} ships it: check that it does, or describe the image in [images]",
            )
        assert facts is not None
        absent = answers[missing]
        assert absent is not None
        provided = _provided_when_run(service, missing)
        if absent.known:
            message = (
                f"probe of service `{service.name}` runs `{missing}`, which {image} does not ship "
                f"({absent.source})" + ("" if provided else ": it can never pass")
            )
        else:
            message = f"probe of service `{service.name}` runs `{missing}`, which {image} most likely does not ship"
        fix = self._same_url_with_another_tool(document, service, probe, http, facts) or self._standard_probe(
            document, service, probe, facts
        )
        if fix is None:
            message += f": {absent.guess}" if absent.guess else ""
            return self.finding(document, *span, f"{message}; {_why_no_replacement(probe, http, facts)}")
        edit, guesses, title, standard = fix
        elsewhere = document.run_in_other_images()
        if elsewhere is not None:
            guesses += (f"{elsewhere}, so this probe may run in other images",)
        doubts = [
            "the image's standard probe checks something else" if standard else None,
            absent.guess,
            *guesses,
            provided,
        ]
        return self.finding(document, *span, message, self.fix(title, edit), doubts=doubts)

    @staticmethod
    def _same_url_with_another_tool(
        document: ComposeDocument, service: Service, probe: Probe, http: probes.HttpProbe | None, facts: TagFacts
    ) -> tuple[Edit, tuple[str, ...], str, bool] | None:
        """Each request the probe makes with the missing tool (every one of a shell chain,
        `curl A && curl B`: one left as it was could still never run), made with another; a
        guess where a proxy of the service's environment may take the first one's request."""
        if http is None:
            return None
        replacements = []
        present = facts.present(probes.REPLACEMENT_TOOLS)
        for request in _requests_with(probe, http):
            if not request.url or "$" in request.url or probes.same_check_blocker(request) is not None:
                return None
            replacement = probes.replacement_probe(request.url, present, probes.follows_redirects(request))
            if replacement is None:
                return None
            replacements.append((request, replacement))
        needed = [*dict.fromkeys(replacement[0] for _, replacement in replacements)]
        tools = [facts.tool(tool) for tool in [*needed, *(["sh"] if probe.uses_shell else [])]]
        if not all(fact is not None and fact.value for fact in tools):
            return None
        if probe.argv is not None:
            edit = rewrite_probe(document, probe, replacements[0][1])
        else:
            spans = [(request.start, request.end, probes.shell_join(argv)) for request, argv in replacements]
            edit = rewrite_command_spans(document, probe, spans)
        guesses = tuple(fact.guess for fact in tools if fact is not None and fact.guess)
        guesses += tuple(
            f"`{argv[0]}` fails on an HTTP error status, which this curl, without `-f`, passes"
            for request, argv in replacements
            if request.tool == "curl" and not probes.curl_fails_on_http_errors(request.argument_values)
        )[:1]
        first, argv = replacements[0]
        host = probes.connected_host(first.url or "", argv[0])
        proxy = proxied(service, host) if host else None
        guesses += (proxy,) if proxy else ()
        title = f"Probe with {' and '.join(f'`{tool}`' for tool in needed)}"
        return (edit, guesses, title, False) if edit is not None else None

    @staticmethod
    def _standard_probe(
        document: ComposeDocument, service: Service, probe: Probe, facts: TagFacts
    ) -> tuple[Edit, tuple[str, ...], str, bool] | None:
        choice = facts.standard_probe(service.command_line())
        if choice is None or choice.unmet:
            return None
        standard = choice.probe.test
        if standard[0] == "CMD":
            edit = rewrite_probe(document, probe, standard[1:])
        elif standard[0] == "CMD-SHELL" and probe.uses_shell:
            assert probe.command is not None
            edit = rewrite_command(document, probe, 0, len(probe.command), standard[1])
        else:
            return None
        return (edit, choice.guesses, "Use the image's standard probe", True) if edit is not None else None


_PATH_FOLDERS = frozenset({"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"})


def _provided_when_run(service: Service, tool: str) -> str | None:
    """Why the container may hold the tool its image lacks, so that the probe passes as it
    is and a replacement would be another check (curl `-f` passes on a redirect, which
    wget follows): its command or a `post_start` hook installs it at start, or
    a bind mount puts it, or a folder of programs, on the PATH."""
    installs = re.compile(
        rf"\b(?:apt-get|apt|apk|yum|dnf|microdnf|zypper)\b[^;&|]*\b(?:install|add)\b[^;&|]*\b{re.escape(tool)}\b"
    )
    if installs.search(" ".join(service.command_line() or [])):
        return f"its command installs `{tool}` when the container starts"
    if any(installs.search(" ".join(words)) for words in service.hook_commands()):
        return f"a `post_start` hook installs `{tool}` when the container starts"
    for mount in service.bind_mounts():
        if posixpath.basename(mount.target) == tool or mount.target.rstrip("/") in _PATH_FOLDERS:
            return f"a bind mount puts `{mount.target}` in the container, which may provide `{tool}`"
    return None


def _requests_with(probe: Probe, http: probes.HttpProbe) -> list[probes.HttpProbe]:
    """Each request the probe makes with the tool of `http`, its first: every one of a shell chain."""
    requests = [http] if probe.command is None else probes.find_http_probes(probe.command)
    return [request for request in requests if request.tool == http.tool]


def _why_no_replacement(probe: Probe, http: probes.HttpProbe | None, facts: TagFacts) -> str:
    for request in _requests_with(probe, http) if http is not None else []:
        if request.url is None:
            return probes.URL_NOT_TOLD
        blocker = probes.same_check_blocker(request)
        if blocker is not None:
            return f"another tool's request of its URL would not be the same check: {blocker}"
        if probes.url_has_credentials(request.url):
            return "no replacement that sends the credentials in its URL can run in this image (urllib does not)"
        tools = facts.present(probes.REPLACEMENT_TOOLS)
        redirects = probes.unfollowed_redirects(request, tools)
        if redirects is not None:
            return f"no replacement can make the same check in this image: {redirects}"
        wget = probes.wget_left_out(request.url, tools)
        if wget is not None:
            return f"no replacement can run in this image: {wget}"
    return "no replacement can run in this image"


def _needed_tools(probe: Probe) -> list[str]:
    """What must be on the image's PATH for the probe to run: the programs it must run
    (a shell builtin needs nothing more), and a shell for the shell forms."""
    needed = [program for program in probe.programs if not (probe.uses_shell and program in SHELL_BUILTINS)]
    return list(dict.fromkeys([*needed, "sh"] if probe.uses_shell else needed))
