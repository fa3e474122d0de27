from __future__ import annotations

import ast
from collections.abc import Iterator

from hardenfix import probes
from hardenfix.facts.service import planned_probe, service_facts
from hardenfix.model import Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument
from hardenfix.sources.healthcheck import Probe, rewrite_probe, shared_probes
from hardenfix.sources.python_nodes import parsed_or_none


class HealthcheckWeak(Rule):
    """
    ## What it does
    Finds Compose healthchecks whose probe proves nothing about the service:
    `true`, `exit 0`, `echo ok`, `:`, or a Python one-liner that only imports
    modules or exits (`python3 -c "import sys; sys.exit(0)"`,
    `python -c "import app"`). Where the service's facts establish the
    health route its code defines, the port its process listens on and a tool
    its image has (see `HF106`), it offers an HTTP probe of that route.

    ## Why is this bad?
    Such a probe passes as long as the container runs at all: a server that
    never bound its port, deadlocked, or lost its database is reported healthy,
    so restarts never happen and `depends_on: condition: service_healthy`
    waits for nothing.

    ## Example
    ```yaml
    services:
      api:
        build: ./api
        command: uvicorn app:app --host 0.0.0.0 --port 8000
        healthcheck:
          test: ["CMD", "python3", "-c", "import sys; sys.exit(0)"]
    ```

    ## Use instead
    ```yaml
    services:
      api:
        build: ./api
        command: uvicorn app:app --host 0.0.0.0 --port 8000
        healthcheck:
          test: ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz')"]
    ```

    ## Fix safety
    Unsafe: a probe that checks something makes a service unhealthy when that
    something fails, which the weak probe never did; the finding names the
    facts the new probe rests on (its route, port and tool, each with the
    file it was read from) so they can be checked first. The probe keeps its
    form (`CMD`, `CMD-SHELL` or a string). Where a fact is missing, the
    finding says which and has no fix. A probe that services share (an
    anchored healthcheck) gets a fix only when the probe each one's facts call
    for is the same: one service's port written into the shared probe would
    be probed in the others' containers too.
    """

    code = "HF105"
    slug = "healthcheck-weak"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Healthcheck probe that proves nothing"
    fix_safety = FixSafety.UNSAFE
    prefilter = b"healthcheck"
    changes = ("**.test",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for services, probe in shared_probes(document):
            if not _is_weak(probe):
                continue
            service = services[0]
            message = (
                f"healthcheck of service `{service.name}` proves nothing: "
                "it passes whenever the container runs, serving or not"
            )
            span = document.span(probe.test.key)
            facts = service_facts(document, service, self.knowledge)
            planned = planned_probe(facts)
            if planned.test is None:
                yield self.finding(document, *span, f"{message}; no fix: {planned.reason}", facts=facts.evidence())
                continue
            others = [planned_probe(service_facts(document, other, self.knowledge)).test for other in services[1:]]
            if any(test != planned.test for test in others):
                names = ", ".join(f"`{other.name}`" for other in services)
                reason = (
                    f"services {names} share this probe, and their code calls for different ones: give each one its own"
                )
                yield self.finding(document, *span, f"{message}; no fix: {reason}", facts=facts.evidence())
                continue
            assert facts.route is not None and facts.port is not None
            edit = rewrite_probe(document, probe, planned.test[1:])
            checked = f"`{facts.route.path}` on port {facts.port.value}"
            yield self.finding(
                document,
                *span,
                message,
                self.fix(f"Probe {checked}", edit) if edit else None,
                facts.evidence(),
                (f"probe {checked}, as its code serves it", *planned.guesses),
            )


def _is_weak(probe: Probe) -> bool:
    if probe.argv is not None:
        return _weak_command(list(probe.argv))
    commands = [[word.value for word in words] for words in probes.simple_commands(probe.command or "")]
    return bool(commands) and all(_weak_command(words) for words in commands)


def _weak_command(words: list[str]) -> bool:
    if not words:
        return False
    program = words[0].rsplit("/", 1)[-1]
    if program in ("true", ":", "echo", "printf"):
        return True
    if program == "exit":
        return words[1:] in ([], ["0"])
    if probes.is_python(program) and len(words) == 3 and words[1] == "-c":
        return _trivial_python(words[2])
    return False


def _trivial_python(code: str) -> bool:
    """Code that only imports, passes or exits successfully."""
    tree = parsed_or_none(code)
    if tree is None:
        return False
    return all(isinstance(s, ast.Import | ast.ImportFrom | ast.Pass) or _exits_zero(s) for s in tree.body)


def _exits_zero(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    call = statement.value
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    zero = not call.args or (isinstance(call.args[0], ast.Constant) and call.args[0].value in (0, None))
    return name in ("exit", "_exit") and zero
