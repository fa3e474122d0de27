from __future__ import annotations

import json
import posixpath
from collections.abc import Iterator
from typing import NamedTuple

from hardenfix import probes, regexes
from hardenfix.facts import Fact
from hardenfix.facts.build import argument_package_list, stage_image
from hardenfix.knowledge import (
    DEFAULT_TIMING,
    ENGINE_TIMEOUT,
    UNBOUNDED_PROBE,
    check_duration,
    duration_seconds,
    interval_doubt,
    probe_timeout,
    start_period_doubt,
)
from hardenfix.knowledge.images import TagFacts
from hardenfix.model import Category, Edit, FileKind, Finding
from hardenfix.rule import FixSafety, Rule, RuleOptions
from hardenfix.sources.dockerfile import (
    ContextError,
    DockerfileDocument,
    Instruction,
    NotLocated,
    Stage,
    exec_form_spans,
    locate_program,
    parse_exec_form,
    program_run_by,
    read_image_file,
)


class Options(RuleOptions):
    interval: str = DEFAULT_TIMING.interval
    timeout: str = DEFAULT_TIMING.timeout
    start_period: str = DEFAULT_TIMING.start_period
    retries: int = DEFAULT_TIMING.retries

    def validate(self) -> None:
        check_duration("interval", self.interval)
        check_duration("timeout", self.timeout)
        check_duration("start-period", self.start_period)
        if self.retries < 1:
            raise ValueError(f"retries must be at least 1, not {self.retries}")

    def flags(self) -> dict[str, str]:
        """`HEALTHCHECK` flag -> value, in the order Docker documents them."""
        return {
            "interval": self.interval,
            "timeout": self.timeout,
            "start-period": self.start_period,
            "retries": str(self.retries),
        }


class _Probe(NamedTuple):
    """A `HEALTHCHECK CMD`: where its command starts in the logical line, and its form."""

    instruction: Instruction
    command_start: int
    argv: list[str] | None
    """The exec form's arguments; None for the shell form."""

    @property
    def command(self) -> str:
        return self.instruction.line[self.command_start :].rstrip()


class DockerfileHealthcheck(Rule):
    """
    ## What it does
    Holds `HEALTHCHECK` instructions to the same standards as Compose
    healthchecks (`HF101`-`HF104`):

    - missing `--interval`, `--timeout`, `--start-period` or `--retries` flags
      are added (`30s`, `10s`, `30s`, `3`);
    - each `curl` of the probe (every one of a shell chain) is checked as
      Compose's `HF103 healthcheck-curl-flags` checks it: one without `-f`,
      `--fail` or `--fail-with-body` whose status the probe reports gets
      `-f` (without it, a 500 response passes the probe), and one with both
      `-f` and `--fail-with-body`, which curl refuses, loses its `-f`. Flags
      that already fail on HTTP errors, however spelled (`-fsS`, `--silent
      --fail`), are left as written;
    - an HTTP probe whose tool (`curl`, `wget`) the base image lacks for the
      tag in use, and the stage does not add, is rewritten to `curl -sf URL`
      when the image has curl, else to `wget -q -O /dev/null URL` for an
      `http:` URL (busybox's wget, which Alpine and busybox images have, may
      lack TLS; it tries only the first address of `localhost`, `::1` on
      Alpine, so `localhost` is requested at `127.0.0.1` with the `Host`
      header curl sent), else to a `python3 -c` urllib one-liner, else to a
      `node -e` one.

    ## Why is this bad?
    Docker's defaults are a 30 second interval, a 30 second timeout and no start
    period: failed probes while the service boots count toward its retries, and
    the timing is invisible to reviewers. A probe that cannot fail on an HTTP
    error proves only that something answered; a probe whose tool is missing
    fails forever, and the container is never healthy.

    ## Example
    ```dockerfile
    FROM python:3.12-slim
    HEALTHCHECK CMD wget -q --spider http://localhost:8000/healthz || exit 1
    ```

    ## Use instead
    ```dockerfile
    FROM python:3.12-slim
    HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \\
        CMD python3 -c "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz')" || exit 1
    ```

    ## Fix safety
    Safe, except adding `-f`: flags only make Docker's timing explicit and
    tolerate a slow start (a `--timeout` shorter than Docker's 30 seconds is
    added only for a probe that bounds its own run, `curl -m 5`; any other
    gets `--timeout=30s`, Docker's own). A shorter `--timeout` is unsafe where a
    Compose file of the run builds or runs the image with a healthcheck of its
    own that sets no `timeout`: the engine gives it the image's, and that probe
    need not be bounded. Adding flags is unsafe for a probe
    that keeps state between runs, one that writes a file (`touch`, `mkdir`,
    `cp`, `tee`, `sed -i`, `dd of=`, `find -delete`, output redirected to a
    file other than /dev/null or a descriptor), also behind a wrapper
    (`timeout 10 bash -c '...'`, `nice`, `sudo`, `xargs`), or in a shell
    script the build copies in and the probe runs (`HEALTHCHECK CMD
    /healthcheck.sh`; what an interpreter's code writes, `python3 -c
    "open(...)"` or a Python script, is not read), when
    they change when it runs: a `--start-period` makes
    Docker Engine 25 and later run it every `--start-interval` (5 seconds
    unless set) while the container starts, instead of every `--interval`, and
    an `--interval` other than Docker's 30 seconds moves every run. What such a
    probe reports depends on its earlier runs: gristlabs/grist-core's Keycloak
    probe checks only on its first run, which the 30 second interval lets
    come once Keycloak listens; run at 5 seconds, it fails, and the next run
    passes on the file it left without checking anything. Removing `-f` beside
    `--fail-with-body` leaves a probe that fails on the same statuses and can
    run at all; a replacement
    probe requests the same URL with a tool the image ships. Adding `-f` is
    unsafe: a probed path that answers 4xx while the service works (404 at
    `/`, 401 behind authentication) passes today and would fail. A
    replacement is unsafe when a fact it relies on is assumed rather than
    known for the base image's tag (`latest`, or a release newer than the
    knowledge base), and the message says so; when it replaces a curl
    without `-f`, which passes on an HTTP error status; when a build argument
    may name another base image or variant, one that ships the tool (`FROM
    ${BASE_IMAGE}`, `FROM python:3.12-${VARIANT}`; not `python:${VERSION}-slim`),
    or a list of packages the build installs (`ARG EXTRA_PACKAGES=""`, `apt-get
    install ${EXTRA_PACKAGES}`);
    and when a later stage built from the probe's inherits it and may install
    the tool. A probe whose options
    decide what is sent or what passes (`-H`, `-k`, `-X`), whose URL curl
    expands to several (`/{health,ready}`, `[0-1]`, without `-g`), or whose output
    the shell reads, gets no replacement. A probe that follows redirects (wget,
    `curl -L`) is replaced by `curl -sfL`, wget or urllib, which follow them too,
    never by node, which passes on the 3xx itself. A curl without `-L`, which
    passes on any 3xx, is replaced by `curl -sf`, node, or urllib told not to
    follow (as HF104 does); wget cannot be told so, and fails where a
    redirect leads to a failure or on a 304, which that curl passed. When the knowledge base does
    not know whether the base image's tag ships the probe's tool, or a `RUN`
    or `COPY` of the stage names it, or the stage installs packages from a
    list or a script hardenfix does not read, or package files (`apt-get
    install ./vendor.deb`, whose dependencies come too; `dpkg -i`), or copies
    a tree into a folder that its `ENV PATH` adds (busybox's applets in
    `/busybox`; a virtualenv's
    `bin` or `node_modules/.bin` holds packages' scripts, never curl or wget),
    the probe is reported with no fix: a probe never run against the image is
    how these bugs start.
    `HEALTHCHECK NONE` is left alone.

    ## Options
    - `interval` (default `"30s"`), `timeout` (default `"10s"`),
      `start-period` (default `"30s"`), `retries` (default `3`): the flags added.
    """

    code = "HF204"
    slug = "dockerfile-healthcheck"
    kind = FileKind.DOCKERFILE
    category = Category.RELIABILITY
    summary = "`HEALTHCHECK` without timing flags, with a curl that passes on errors, or a tool the image lacks"
    fix_safety = FixSafety.SOMETIMES
    Options = Options
    prefilter = regexes.lazy(rb"(?i)healthcheck")
    changes = ("HEALTHCHECK",)

    def check(self, document: DockerfileDocument) -> Iterator[Finding]:
        for stage in document.stages:
            # Only a stage's last HEALTHCHECK takes effect.
            healthchecks = stage.instructions_named("HEALTHCHECK")
            probe = _probe(healthchecks[-1]) if healthchecks else None
            if probe is None:
                continue
            finding = self._missing_flags(document, stage, probe)
            if finding is not None:
                yield finding
            yield from self._check_probe(document, stage, probe, stage_image(self.knowledge, document, stage))

    def _missing_flags(self, document: DockerfileDocument, stage: Stage, probe: _Probe) -> Finding | None:
        instruction = probe.instruction
        present = {word.text[2:].partition("=")[0] for word in instruction.flags}
        missing = {name: value for name, value in self.options.flags().items() if name not in present}
        if not missing:
            return None
        note = ""
        shell_command = None if probe.argv is not None else probe.command
        if "timeout" in missing:
            timeout = probe_timeout(self.options.timeout, probe.argv, shell_command)
            if timeout != missing["timeout"]:
                missing["timeout"] = timeout
                note = f"; `--timeout` is written as Docker's own {timeout}: {UNBOUNDED_PROBE}"
        reasons = []
        if "start-period" in missing:
            reasons.append("no `--start-period`: failed probes while the container starts count toward its retries")
        timing = [f"`--{name}`" for name in missing if name != "start-period"]
        if timing:
            listed = ", ".join(timing[:-1]) + " or " + timing[-1] if len(timing) > 1 else timing[0]
            reasons.append(f"no {listed}: Docker's hidden defaults apply (30s interval, 30s timeout)")
        anchor = (instruction.flags or instruction.words)[-1 if instruction.flags else 0]
        at = instruction.source_offset(anchor.end - 1) + 1
        added = " ".join(f"--{name}={value}" for name, value in missing.items())
        doubt = _timing_doubt(missing, probe.argv, shell_command)
        script = _script_of(document, stage, probe) if doubt is None and missing.keys() & _TIMING else None
        if script is not None:
            program, text = script
            doubt = _timing_doubt(missing, None, text)
            doubt = doubt and f"`{program}`, which it runs: {doubt}"
        inheriting = document.compose.timeout_inherited_by if document.compose is not None else ()
        if inheriting and duration_seconds(missing.get("timeout", ENGINE_TIMEOUT)) < duration_seconds(ENGINE_TIMEOUT):
            # The engine fills what a Compose healthcheck leaves out from the image's HEALTHCHECK.
            doubt = doubt or (
                f"{inheriting[0]} runs a probe of its own with no `timeout`, which would take"
                f" `--timeout={missing['timeout']}` in place of the engine's {ENGINE_TIMEOUT}"
            )
        return self.finding(
            document,
            instruction.start,
            instruction.start + len(instruction.keyword),
            f"`HEALTHCHECK` has {'; '.join(reasons)}{note}",
            self.fix(f"Add `{added}`", Edit.insert(at, f" {added}")),
            doubts=[doubt],
        )

    def _check_probe(
        self, document: DockerfileDocument, stage: Stage, probe: _Probe, facts: TagFacts
    ) -> Iterator[Finding]:
        if probe.argv is None:
            http = probes.find_http_probe(probe.command)
            span = http and probe.instruction.source_span(
                probe.command_start + http.start, probe.command_start + http.end
            )
        else:
            http = probes.http_probe_from_argv(probe.argv)
            span = probe.instruction.source_span(probe.command_start, probe.command_start + len(probe.command))
        if http is None:
            return
        tool = facts.tool(http.tool)
        if tool is None or not tool.value:
            if span is None:
                return
            start, end = span
            if tool is None:
                yield self.finding(
                    document,
                    start,
                    end,
                    f"probe uses `{http.tool}`, and hardenfix does not know whether the image it builds ships it: "
                    "check that it does (or describe the image in the configuration)",
                )
                return
            elsewhere = self._may_ship_elsewhere(document, stage, http.tool)
            yield self._missing_tool(document, probe, http, facts, tool, start, end, elsewhere)
            return
        curls = [http] if probe.argv is not None else probes.find_http_probes(probe.command)
        for curl in curls:
            problem = probes.curl_flag_problem(curl) if curl.tool == "curl" else None
            if problem is not None:
                yield self._curl_flags(document, probe, curl, problem)

    def _missing_tool(
        self,
        document: DockerfileDocument,
        probe: _Probe,
        http: probes.HttpProbe,
        facts: TagFacts,
        absent: Fact[bool],
        start: int,
        end: int,
        elsewhere: str | None,
    ) -> Finding:
        message = f"probe uses `{http.tool}`, which `{facts.name}` does not ship and no `RUN` installs"
        if not absent.known:
            message = f"probe uses `{http.tool}`, which `{facts.name}` most likely does not ship and no `RUN` installs"
        blocker = probes.same_check_blocker(http) if http.url else None
        tools = facts.present(probes.REPLACEMENT_TOOLS)
        follows = probes.follows_redirects(http)
        replacement = probes.replacement_probe(http.url, tools, follows) if http.url and blocker is None else None
        if replacement is None:
            reason = (
                probes.unfollowed_redirects(http, tools)
                or (probes.wget_left_out(http.url, tools) if http.url else None)
                or "it has none of curl, wget, python3 or node"
            )
            if blocker is not None:
                reason = f"another tool's request of its URL would not be the same check: {blocker}"
            if not http.url:
                reason = probes.URL_NOT_TOLD
            return self.finding(document, start, end, f"{message}; no replacement: {reason}")
        used = facts.tool(replacement[0])
        stricter = probes.stricter_replacement(http, replacement[0])
        guesses = [absent.guess, used.guess if used else None, stricter, elsewhere]
        if not any(guesses):
            message += f" ({absent.source}): the container can never become healthy"
        fix = self.fix(f"Probe with `{replacement[0]}`", Edit.replace(start, end, _render(probe, replacement)))
        return self.finding(document, start, end, message, fix, doubts=guesses)

    def _may_ship_elsewhere(self, document: DockerfileDocument, stage: Stage, tool: str) -> str | None:
        """Why an image that runs the probe may ship its tool after all: its base image comes
        from a build argument (`FROM ${BASE_IMAGE}`, `FROM python:3.12-${VARIANT}`), which a
        build may set to another, or it installs a package list one holds (`apt-get install
        ${EXTRA_PACKAGES}`); or a later stage built from this one inherits the probe and
        may install the tool (curl's `-f` passes on a redirect, which the replacement would
        follow, so the two differ)."""
        image = stage.root.image
        repository, colon, tag = image.rpartition(":")
        if not colon or "/" in tag:  # no tag, or a registry's port: `registry:5000/app`
            repository, tag = image, ""
        # A variable that ends the tag may name any variant (`3.12-${VARIANT}` as `3.12-bookworm`);
        # one before a variant's name (`${VERSION}-slim`) changes only the release.
        if "$" in repository or _ENDS_WITH_VARIABLE.search(tag):
            return f"its base image comes from a build argument (`FROM {image}`), which a build may set"
        listed = argument_package_list(document, stage)
        if listed is not None:
            return f"the build installs the packages that build argument `{listed}` lists, which a build may set"
        for later in document.stages[stage.index + 1 :]:
            if later.instructions_named("HEALTHCHECK") or all(ancestor is not stage for ancestor in later.lineage()):
                continue
            shipped = stage_image(self.knowledge, document, later).tool(tool)
            if shipped is None or shipped.value or argument_package_list(document, later) is not None:
                return f"stage `{later.name or later.index}`, built from this one, runs the probe and may ship `{tool}`"
        return None

    def _curl_flags(
        self, document: DockerfileDocument, probe: _Probe, http: probes.HttpProbe, problem: probes.CurlFlagProblem
    ) -> Finding:
        instruction, base = probe.instruction, probe.command_start
        if probe.argv is None:
            changes = probes.shell_edits(http, problem.edits)
            location = instruction.source_span(base + http.start, base + http.end)
        else:
            changes = _exec_form_changes(probe, problem.edits)
            location = instruction.source_span(base, base + len(probe.command))
        start, end = location or (instruction.start, instruction.start + len(instruction.keyword))
        spans = [_source_span(instruction, base + first, base + last) for first, last, _ in changes or ()]
        url = f" `{http.url}`" if http.url else ""
        message = f"curl{url} in `HEALTHCHECK` {problem.message}"
        if changes is None or None in spans:
            return self.finding(document, start, end, f"{message} (a flag is quoted or escaped: no fix)")
        edits = [Edit.replace(*span, content) for span, (_, _, content) in zip(spans, changes, strict=True)]
        return self.finding(
            document, start, end, message, self.fix(problem.title, *edits), doubts=[problem.unsafe_because]
        )


_ENDS_WITH_VARIABLE = regexes.lazy(r"\$(?:\w+|\{[^}]*\})$")

_TIMING = frozenset({"start-period", "interval"})
"""The flags that change when a probe runs."""


def _timing_doubt(missing: dict[str, str], argv: list[str] | None, shell_command: str | None) -> str | None:
    """Why adding the `missing` flags changes what a probe that keeps state reports."""
    return (start_period_doubt(argv, shell_command) if "start-period" in missing else None) or (
        interval_doubt(missing["interval"], argv, shell_command) if "interval" in missing else None
    )


def _script_of(document: DockerfileDocument, stage: Stage, probe: _Probe) -> tuple[str, str] | None:
    """The shell script the probe runs (`HEALTHCHECK CMD /healthcheck.sh`), as its program is
    written and its text, when the build copies it from the build context or a heredoc into
    the stage, or into a later stage built from it, which inherits the probe; None otherwise,
    or for a script of another language (a `#!` that is no shell)."""
    program = program_run_by(probe.argv if probe.argv is not None else ["/bin/sh", "-c", probe.command])
    if program is None or posixpath.basename(program) in probes.HTTP_TOOLS:
        return None
    inheriting = (later for later in document.stages[stage.index :] if any(s is stage for s in later.lineage()))
    text = next(filter(None, (_read_program(document, member, program) for member in inheriting)), None)
    if text is None:
        return None
    interpreter = text.partition("\n")[0].removeprefix("#!").split() if text.startswith("#!") else ["sh"]
    if interpreter and posixpath.basename(interpreter[0]) == "env":
        interpreter = interpreter[1:]
    return (program, text) if interpreter and posixpath.basename(interpreter[0]) in probes.SHELLS else None


def _read_program(document: DockerfileDocument, stage: Stage, program: str) -> str | None:
    try:
        return read_image_file(document, locate_program(document, stage, program))
    except (NotLocated, ContextError):
        return None


def _source_span(instruction: Instruction, start: int, end: int) -> tuple[int, int] | None:
    """The text span of the logical line's `[start, end)`; an insertion goes right after
    the character before it."""
    if end > start:
        return instruction.source_span(start, end)
    at = instruction.source_offset(start - 1) + 1
    return at, at


def _exec_form_changes(probe: _Probe, edits: tuple[probes.ArgumentEdit, ...]) -> list[tuple[int, int, str]] | None:
    """Argument edits of an exec-form probe as `(start, end, replacement)` of its command:
    the JSON array keeps its layout, only the flag strings change."""
    spans = exec_form_spans(probe.command)
    if spans is None:
        return None
    separator = probe.command[spans[0][1] : spans[1][0]] if len(spans) > 1 else ", "
    changes = []
    for edit in edits:
        if edit.insert:
            at = spans[edit.index - 1][1]
            changes.append((at, at, separator + json.dumps(edit.replacement, ensure_ascii=False)))
        elif edit.replacement is None:
            changes.append((spans[edit.index - 1][1], spans[edit.index][1], ""))
        else:
            changes.append((*spans[edit.index], json.dumps(edit.replacement, ensure_ascii=False)))
    return changes


def _probe(instruction: Instruction) -> _Probe | None:
    """The probe of a `HEALTHCHECK CMD ...`; None for `HEALTHCHECK NONE` or an empty one."""
    words = instruction.argument_words
    if len(words) < 2 or words[0].text.upper() != "CMD":
        return None
    return _Probe(instruction, words[1].start, parse_exec_form(instruction.line[words[1].start :]))


def _render(probe: _Probe, argv: list[str]) -> str:
    """A probe command in the form it was written in."""
    if probe.argv is None:
        return probes.shell_join(argv)
    compact = ", " not in probe.command and '","' in probe.command
    return json.dumps(argv, ensure_ascii=False, separators=(",", ":") if compact else (", ", ": "))
