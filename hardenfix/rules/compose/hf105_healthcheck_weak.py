from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from hardenfix import probes
from hardenfix.facts.service import service_facts
from hardenfix.model import Applicability, Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import ComposeDocument, Service, lookup
from hardenfix.sources.healthcheck import Probe, rewrite_probe, service_probes

HEALTH_PATH = "/healthz"
_PYTHON = re.compile(r"python(?:3(?:\.\d+)?)?")
_PORT_FLAG = re.compile(r"--(?:port|http-port|listen-port)(?:=|$)|-p$")
_BIND = re.compile(r"(?:^|[\s=])(?:0\.0\.0\.0|\[::\]|localhost|127\.0\.0\.1)?:(\d{2,5})\b")
_CONTAINER_PORT = re.compile(r"(?:.*:)?(\d+)(?:-\d+)?(?:/tcp)?$")


class HealthcheckWeak(Rule):
    """
    ## What it does
    Finds Compose healthchecks whose probe proves nothing about the service:
    `true`, `exit 0`, `echo ok`, `:`, or a Python one-liner that only imports
    modules or exits (`python3 -c "import sys; sys.exit(0)"`,
    `python -c "import app"`). When the service's port is known — from
    `ports`, `expose` or a `--port`/`--bind` in its command — it offers an
    HTTP probe of `/healthz` on that port, with a tool the image ships.

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
          test: ["CMD", "python3", "-c", "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz')"]
    ```

    ## Fix safety
    Unsafe: hardenfix cannot know that the service serves `/healthz`; check the
    path before applying. The probe keeps its form (`CMD`, `CMD-SHELL` or a
    string). Without a known port, or without a probe tool the image is known
    to ship, the finding has no fix.
    """

    code = "HF105"
    slug = "healthcheck-weak"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Healthcheck probe that proves nothing"
    fix_safety = FixSafety.UNSAFE
    prefilter = re.compile(rb"healthcheck")
    changes = ("**.test",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        for service, probe in service_probes(document):
            if not _is_weak(probe):
                continue
            message = (
                f"healthcheck of service `{service.name}` proves nothing: "
                "it passes whenever the container runs, serving or not"
            )
            span = document.span(probe.test.key)
            port = service_port(service)
            facts = service_facts(document, service, self.knowledge).image if port else None
            url = f"http://localhost:{port}{HEALTH_PATH}"
            replacement = probes.replacement_probe(url, facts.present(probes.REPLACEMENT_TOOLS)) if facts else None
            if replacement is None:
                reason = "its port is unknown" if port is None else "no probe tool of its image is known"
                yield self.finding(document, *span, f"{message}; no fix: {reason}")
                continue
            assert facts is not None
            tool = facts.tool(replacement[0])
            guess = f"; {tool.guess}" if tool is not None and tool.guess else ""
            edit = rewrite_probe(document, probe, replacement)
            yield self.finding(
                document,
                *span,
                f"{message} (unsafe fix: probe {url}; check that the service serves it{guess})",
                self.fix(f"Probe `{url}`", edit, applicability=Applicability.UNSAFE) if edit else None,
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
    if _PYTHON.fullmatch(program) and len(words) == 3 and words[1] == "-c":
        return _trivial_python(words[2])
    return False


def _trivial_python(code: str) -> bool:
    """Code that only imports, passes or exits successfully."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    return all(isinstance(s, ast.Import | ast.ImportFrom | ast.Pass) or _exits_zero(s) for s in tree.body)


def _exits_zero(statement: ast.stmt) -> bool:
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    call = statement.value
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
    zero = not call.args or (isinstance(call.args[0], ast.Constant) and call.args[0].value in (0, None))
    return name in ("exit", "_exit") and zero


def service_port(service: Service) -> str | None:
    """The port the service listens on: the container side of its first `ports` entry,
    else its first `expose`, else a `--port`/`-p`/`:PORT` bind in its command."""
    for key in ("ports", "expose"):
        entry = service.get(key)
        if entry is not None and isinstance(entry.value, SequenceNode):
            for item in entry.value.value:
                port = _container_port(item)
                if port is not None:
                    return port
    words = service.command_words()
    if words is None:
        return None
    for index, word in enumerate(words):
        if _PORT_FLAG.match(word):
            value = word.split("=", 1)[1] if "=" in word else (words[index + 1] if index + 1 < len(words) else "")
            if value.isdigit():
                return value
        bind = _BIND.search(word)
        if bind:
            return bind.group(1)
    return None


def _container_port(item: object) -> str | None:
    if isinstance(item, ScalarNode):
        match = _CONTAINER_PORT.fullmatch(str(item.value).strip())
        return match.group(1) if match else None
    if isinstance(item, MappingNode):
        target = lookup(item, "target")
        if target is not None and isinstance(target.value, ScalarNode) and str(target.value.value).isdigit():
            return str(target.value.value)
    return None
