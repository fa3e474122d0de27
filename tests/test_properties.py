"""Property-based tests: generated Compose files, Dockerfiles and Python modules through the engine.

Every generated input is valid for its kind by construction. For each one, with every
rule selected and unsafe fixes on:

- fixing never raises (no ParseError, no guard failure, no crash) and drops no fix;
- the output parses (and, for Python, compiles when the input did);
- a second run changes nothing;
- no line outside a fix changes (`noise_lines`, the corpus test's measure).

Runs are derandomized, so CI sees the same examples every time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import hypothesmith
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from test_corpus import lines_touched_by_fixes, noise_lines

from hardenfix.config import Settings
from hardenfix.diff import split_lines
from hardenfix.engine import MAX_PASSES, Engine, FixOutcome, SourceFile, apply_fixes
from hardenfix.model import FileKind, Finding
from hardenfix.sources import ParseError, parser_for

# Generated Python is full of `1()` and the like: compile() warns, which is not news.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")

ENGINE = Engine(Settings(unsafe_fixes=True).rules(), unsafe_fixes=True)

SETTINGS = dict(
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=False,
    # No explain phase: on a failure it re-runs hypothesmith's slow strategies for minutes.
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


def unexplained_changes(before: str, after: str, findings: list[Finding]) -> int:
    """Lines outside every fix that changed: `noise_lines`, with its alignment arbitrated.

    difflib may pair identical lines (blank ones, above all) differently from the
    edits that made the output, and then counts an untouched blank line as replaced.
    So when `noise_lines` counts any, the untouched lines are also matched in order
    against the output, alignment-free: those that cannot be matched are the noise.
    """
    noise = noise_lines(before, after, findings)
    if noise == 0:
        return 0
    touched = lines_touched_by_fixes(before, findings)
    untouched = [line for index, line in enumerate(split_lines(before)) if index not in touched]
    remaining = iter(split_lines(after))
    return sum(1 for line in untouched if not any(line == candidate for candidate in remaining))


def noise_by_pass(engine: Engine, kind: FileKind, text: str, source: SourceFile | None = None) -> tuple[int, str]:
    """Unexplained changed lines summed over the engine's passes, and the final text.

    A fix may only become possible after another one (an image pinned to a variant
    that ships `wget` lets the probe be rewritten), so the lines it edits are not
    among the first pass's fixes. Each pass is therefore replayed as the engine
    runs it: its changes must lie on the lines its applied fixes edit.
    """
    total = 0
    for _ in range(MAX_PASSES):
        findings = engine.check(kind, text, "generated", source).remaining
        candidates = [f for f in findings if f.fix is not None and f.fix.is_applicable(engine.unsafe_fixes)]
        new_text, applied = apply_fixes(text, candidates)
        if not applied:
            break
        total += unexplained_changes(text, new_text, applied)
        text = new_text
    return total, text


@dataclass
class Run:
    before: str
    after: str
    outcome: FixOutcome


def fix_and_verify(kind: FileKind, text: str) -> Run:
    """The engine's fix of `text`, after checking every property that must hold for it."""
    outcome = ENGINE.fix(kind, text, "generated")
    assert outcome.dropped == [], f"a fix was dropped for invalid output:\n{outcome.dropped}\n--- input:\n{text}"
    after = outcome.text
    parser_for(kind)(after, None)  # the output parses
    again = ENGINE.fix(kind, after, "generated")
    assert again.text == after, (
        f"a second run still changes it:\n--- input:\n{text}\n--- first:\n{after}\n--- second:\n{again.text}"
    )
    assert again.fixed == [], "a second run still applies fixes"
    noise, replayed = noise_by_pass(ENGINE, kind, text)
    assert replayed == after, "replaying the engine's passes gave another text"
    assert noise == 0, f"{noise} lines changed outside any fix:\n--- input:\n{text}\n--- output:\n{after}"
    # Lines keep their endings: a CRLF file gets CRLF lines, a LF file no CR.
    if "\r\n" in text and "\n" not in text.replace("\r\n", ""):
        assert "\n" not in after.replace("\r\n", ""), f"a LF line was inserted into a CRLF file:\n{after!r}"
    elif "\r" not in text:
        assert "\r" not in after
    if not text.endswith(("\n", "\r")):
        assert not after.endswith(("\n", "\r")) or after.count("\n") > text.count("\n"), "final newline added"
    return Run(text, after, outcome)


# --------------------------------------------------------------------------- Compose
# A small block/flow YAML model, rendered with a chosen style. Values that are strings
# are written as they stand (already valid YAML in their position).


@dataclass
class Seq:
    items: list[object]
    comments_between: bool = False


@dataclass
class Block:
    """A block scalar (`>` or `|`): its lines go below the key, one level deeper."""

    indicator: str
    lines: list[str]


@dataclass
class Map:
    entries: list[Entry]
    anchor: str | None = None


@dataclass
class Entry:
    key: str
    value: object  # str (inline YAML), Seq or Map
    comment_before: bool = False
    trailing_comment: bool = False
    blank_before: bool = False


@dataclass(frozen=True)
class Style:
    steps: tuple[int, ...]
    """Indentation step of each nesting level (2 or 4; one file may mix them)."""
    indent_sequences: bool
    newline: str
    final_newline: bool
    comment_column_zero: bool


def render_map(mapping: Map, indent: int, style: Style, depth: int = 0, first_prefix: str | None = None) -> list[str]:
    """Lines of a block mapping whose keys stand at column `indent`, `depth` levels down.

    With `first_prefix`, the first key follows it on its line (`- key: value`).
    """
    lines: list[str] = []
    for index, entry in enumerate(mapping.entries):
        pad = " " * indent
        if index == 0 and first_prefix is not None:
            pad = first_prefix
        else:
            if entry.blank_before and lines:
                lines.append("")
            if entry.comment_before:
                lines.append(("" if style.comment_column_zero else pad) + f"# about {entry.key.strip(chr(34))}")
        lines.extend(render_entry(entry, pad, indent, style, depth))
    return lines


def render_entry(entry: Entry, pad: str, indent: int, style: Style, depth: int) -> list[str]:
    trailing = "  # note" if entry.trailing_comment else ""
    value = entry.value
    if isinstance(value, str):
        return [f"{pad}{entry.key}: {value}{trailing}"]
    step = style.steps[depth % len(style.steps)]
    if isinstance(value, Block):
        return [
            f"{pad}{entry.key}: {value.indicator}{trailing}",
            *(" " * (indent + step) + line for line in value.lines),
        ]
    if isinstance(value, Map):
        anchor = f" &{value.anchor}" if value.anchor else ""
        return [f"{pad}{entry.key}:{anchor}{trailing}", *render_map(value, indent + step, style, depth + 1)]
    assert isinstance(value, Seq)
    dash = indent + step if style.indent_sequences else indent
    lines = [f"{pad}{entry.key}:{trailing}"]
    for position, item in enumerate(value.items):
        if position and value.comments_between:
            lines.append(f"{' ' * dash}# item {position}")
        if isinstance(item, Map):
            lines.extend(render_map(item, dash + 2, style, depth + 1, first_prefix=" " * dash + "- "))
        else:
            lines.append(f"{' ' * dash}- {item}")
    return lines


def render_document(top: Map, style: Style, head: list[str], tail: list[str]) -> str:
    text = style.newline.join([*head, *render_map(top, 0, style), *tail])
    return text + style.newline if style.final_newline else text


styles = st.builds(
    Style,
    steps=st.one_of(
        st.sampled_from([(2,), (4,)]), st.lists(st.sampled_from([2, 4]), min_size=4, max_size=4).map(tuple)
    ),
    indent_sequences=st.booleans(),
    newline=st.sampled_from(["\n", "\r\n"]),
    final_newline=st.booleans(),
    comment_column_zero=st.booleans(),
)

IMAGES = [
    "postgres:16",
    "postgres",
    "postgres:latest",
    '"redis:7-alpine"',
    "redis",
    "nats:2.10-alpine",
    "nats",
    "python:3.12-slim",
    "nginx:1.27",
    "nginx:latest",
    "minio/minio:latest",
    "example/web:1.0",
    "ollama/ollama",
    "'neo4j:5'",
    "${REGISTRY:-docker.io}/team/app:1.2",
]
DURATIONS = ["10s", "5s", "1m30s", '"30s"', "2m"]
SHELL_PROBES = [
    "curl http://localhost:8080/health",
    "curl -s http://localhost/ || exit 1",
    "curl --fail http://localhost:3000/",
    "pg_isready -U postgres",
    "wget -q --spider http://localhost:8222/healthz",
    "redis-cli ping",
    "curl -f http://Web.Local:8000/ready",
]
EXEC_PROBES = [
    ["CMD", "curl", "http://localhost:8080/health"],
    ["CMD", "curl", "-s", "http://localhost/"],
    ["CMD", "pg_isready", "-U", "postgres"],
    ["CMD", "wget", "-q", "--spider", "http://localhost/"],
    ["CMD", "redis-cli", "ping"],
]
SECRET_NAMES = ["POSTGRES_PASSWORD", "API_TOKEN", "SECRET_KEY", "MINIO_ROOT_PASSWORD", "DB_PASSWORD", "JWT_SECRET"]
PLAIN_NAMES = ["LOG_LEVEL", "WORKERS", "TZ", "APP_ENV", "CONFIG_FILE"]
DEFAULTS = ["pmoves", "changeme", "", "dev-secret", "s3cr3t"]


def quote(value: str, how: str) -> str:
    if how == "double":
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if how == "single":
        return "'" + value.replace("'", "''") + "'"
    return value


def flow_list(items: list[str], quoting: str) -> str:
    return "[" + ", ".join(quote(item, quoting) for item in items) + "]"


@st.composite
def healthcheck_tests(draw: st.DrawFn) -> object:
    form = draw(st.sampled_from(["string", "cmd-shell", "cmd", "block-cmd", "block-shell", "folded", "none"]))
    quoting = draw(st.sampled_from(["double", "single", "plain"]))
    if form == "string":
        probe = draw(st.sampled_from(SHELL_PROBES))
        return (
            quote(probe, draw(st.sampled_from(["double", "single"])))
            if "|" in probe or ": " in probe
            else quote(probe, quoting)
        )
    if form == "cmd-shell":
        return flow_list(
            ["CMD-SHELL", draw(st.sampled_from(SHELL_PROBES))], draw(st.sampled_from(["double", "single"]))
        )
    if form == "cmd":
        return flow_list(draw(st.sampled_from(EXEC_PROBES)), quoting)
    if form == "block-cmd":
        return Seq([quote(item, quoting) for item in draw(st.sampled_from(EXEC_PROBES))], draw(st.booleans()))
    if form == "folded":
        return Block(draw(st.sampled_from([">", "|", ">-"])), [draw(st.sampled_from(SHELL_PROBES))])
    if form == "block-shell":
        return Seq(["CMD-SHELL", quote(draw(st.sampled_from(SHELL_PROBES)), "double")])
    return '["NONE"]'


@st.composite
def healthchecks(draw: st.DrawFn, anchors: list[str]) -> object:
    form = draw(
        st.sampled_from(
            ["block", "block", "flow", "disable", "alias", "merge"]
            if anchors
            else ["block", "block", "flow", "disable"]
        )
    )
    timing = {
        key: draw(st.sampled_from(DURATIONS)) for key in ("interval", "timeout", "start_period") if draw(st.booleans())
    }
    if draw(st.booleans()):
        timing["retries"] = draw(st.sampled_from(["3", "5"]))
    if form == "disable":
        return Map([Entry("disable", "true")])
    if form == "alias":
        return f"*{draw(st.sampled_from(anchors))}"
    test = draw(healthcheck_tests())
    if form == "flow":
        if isinstance(test, Seq):
            test = flow_list(test.items, "plain")
        elif isinstance(test, Block):
            test = quote(test.lines[0], "double")
        parts = [f"test: {test}", *(f"{key}: {value}" for key, value in timing.items())]
        return "{" + ", ".join(parts) + ("," if draw(st.booleans()) and len(parts) > 1 else "") + "}"
    entries = [
        Entry(key, value, comment_before=draw(st.booleans()), trailing_comment=draw(st.booleans()))
        for key, value in [("test", test), *timing.items()]
    ]
    if form == "merge":
        entries.insert(draw(st.integers(0, len(entries))), Entry("<<", f"*{draw(st.sampled_from(anchors))}"))
    order = draw(st.permutations(range(len(entries))))
    return Map([entries[i] for i in order])


@st.composite
def environments(draw: st.DrawFn, env_anchor: str | None) -> object:
    names = draw(st.lists(st.sampled_from(SECRET_NAMES + PLAIN_NAMES), min_size=1, max_size=4, unique=True))
    values = {}
    for name in names:
        if name in SECRET_NAMES:
            default = draw(st.sampled_from(DEFAULTS))
            operator = draw(st.sampled_from([":-", ":-", "-"]))
            value = f"${{{name}{operator}{default}}}"
            if name == "DB_PASSWORD" and draw(st.booleans()):
                value = f"postgres://app:{value}@Db:5432/app"
        else:
            value = draw(st.sampled_from(["info", "4", "UTC", "production", "/etc/app.conf", "${LOG_LEVEL:-info}"]))
        values[name] = value
    form = draw(st.sampled_from(["map", "list", "flow-list", "flow-map"] + (["merge"] if env_anchor else [])))
    quoting = draw(st.sampled_from(["double", "single", "plain"]))
    if form == "list":
        return Seq([quote(f"{name}={value}", quoting) for name, value in values.items()])
    if form == "flow-list":
        return "[" + ", ".join(quote(f"{name}={value}", "double") for name, value in values.items()) + "]"
    if form == "flow-map":
        return "{" + ", ".join(f"{name}: {quote(value, 'double')}" for name, value in values.items()) + "}"
    entries = [Entry(name, quote(value, quoting), comment_before=draw(st.booleans())) for name, value in values.items()]
    if form == "merge":
        entries.insert(0, Entry("<<", f"*{env_anchor}"))
    return Map(entries)


@st.composite
def services(draw: st.DrawFn, name: str, anchors: list[str], env_anchor: str | None, common: str | None) -> Map | str:
    image = draw(st.sampled_from(IMAGES))
    entries: dict[str, object] = {}
    if common is not None and draw(st.booleans()):
        entries["<<"] = f"*{common}"
    if draw(st.integers(0, 9)) == 0:
        entries["build"] = "./app"
    else:
        entries["image"] = image
    if image.startswith("nats") and draw(st.booleans()):
        entries["command"] = draw(
            st.sampled_from(['["-js", "-sd", "/data"]', "-js -sd /data", Seq(["--jetstream", "--store_dir", "/data"])])
        )
    elif draw(st.integers(0, 4)) == 0:
        entries["command"] = draw(st.sampled_from(['["python", "-m", "app"]', "serve --port 8000"]))
    if draw(st.integers(0, 4)):
        entries["healthcheck"] = draw(healthchecks(anchors))
    if draw(st.booleans()):
        entries["environment"] = draw(environments(env_anchor))
    if draw(st.integers(0, 3)) == 0:
        entries["hostname"] = draw(st.sampled_from(["Db-Primary", "api", "Cache.Local"]))
    if draw(st.integers(0, 5)) == 0:
        entries["runtime"] = "nvidia"
    elif draw(st.integers(0, 5)) == 0:
        entries["gpus"] = "all"
    if draw(st.integers(0, 3)) == 0:
        entries["ports"] = Seq(['"8080:80"'] + (["9000:9000"] if draw(st.booleans()) else []))
    if draw(st.integers(0, 4)) == 0:
        entries["profiles"] = "[debug]"
    if draw(st.integers(0, 3)) == 0:
        entries["restart"] = "unless-stopped"
    keys = list(entries)
    order = draw(st.permutations(range(len(keys))))
    if draw(st.integers(0, 5)) == 0 and all(isinstance(entries[key], str) for key in keys):
        values = {key: quote(value, "double") if value.startswith("${") else value for key, value in entries.items()}
        return "{" + ", ".join(f"{keys[i]}: {values[keys[i]]}" for i in order) + "}"  # the whole service in flow style
    return Map(
        [
            Entry(
                keys[i],
                entries[keys[i]],
                comment_before=draw(st.booleans()),
                trailing_comment=draw(st.integers(0, 3)) == 0,
            )
            for i in order
        ]
    )


@st.composite
def compose_documents(draw: st.DrawFn) -> str:
    style = draw(styles)
    top: list[Entry] = []
    if draw(st.booleans()):
        top.append(Entry("version", '"3.9"'))
    anchors: list[str] = []
    env_anchor = common = None
    if draw(st.booleans()):
        timing = [
            Entry(key, draw(st.sampled_from(DURATIONS))) for key in ("interval", "timeout") if draw(st.booleans())
        ]
        if draw(st.booleans()):
            timing.append(Entry("test", draw(healthcheck_tests())))
        if timing:
            top.append(Entry("x-healthcheck", Map(timing, anchor="hc"), comment_before=draw(st.booleans())))
            anchors.append("hc")
    if draw(st.booleans()):
        top.append(Entry("x-env", Map([Entry("TZ", "UTC"), Entry("SECRET_KEY", "${SECRET_KEY:-dev}")], anchor="env")))
        env_anchor = "env"
    if draw(st.booleans()):
        top.append(Entry("x-common", Map([Entry("restart", "unless-stopped")], anchor="common")))
        common = "common"
    names = draw(
        st.lists(
            st.sampled_from(["db", "cache", "api", "web", "queue", "worker", "gpu", "proxy"]),
            min_size=1,
            max_size=4,
            unique=True,
        )
    )
    service_entries = [
        Entry(
            name,
            draw(services(name, anchors, env_anchor, common)),
            comment_before=draw(st.booleans()),
            blank_before=draw(st.booleans()),
        )
        for name in names
    ]
    top.append(Entry("services", Map(service_entries), comment_before=draw(st.booleans()), blank_before=bool(top)))
    if draw(st.booleans()):
        top.append(Entry("volumes", Map([Entry("data", "{}")]), blank_before=True))
    head = draw(st.sampled_from([[], [], ["---"], ["# Stack for tests", ""], ["%YAML 1.2", "---"]]))
    tail = draw(st.sampled_from([[], [], ["# end of file"], ["", "# x-unused:", "#   image: nginx"], [""]]))
    return render_document(Map(top), style, head, tail)


@settings(max_examples=400, **SETTINGS)
@given(compose_documents())
def test_generated_compose_files(text: str) -> None:
    try:
        parser_for(FileKind.COMPOSE)(text, None)
    except ParseError as error:  # pragma: no cover - a generator bug, not hardenfix's
        pytest.fail(f"the generator made invalid YAML ({error}):\n{text}")
    fix_and_verify(FileKind.COMPOSE, text)


def test_compose_generator_exercises_the_rules() -> None:
    """The strategy is worth running: most documents get fixes, from many rules, in every style."""
    seen_codes: set[str] = set()
    changed = crlf = 0
    total = 0

    @settings(max_examples=80, **SETTINGS)
    @given(compose_documents())
    def collect(text: str) -> None:
        nonlocal changed, crlf, total
        total += 1
        outcome = ENGINE.fix(FileKind.COMPOSE, text, "generated")
        seen_codes.update(finding.code for finding in outcome.fixed)
        changed += outcome.text != text
        crlf += "\r\n" in text

    collect()
    assert changed >= total // 2, (changed, total)
    assert 0 < crlf < total
    assert {"HF101", "HF102", "HF103", "HF106", "HF110", "HF120"} <= seen_codes, seen_codes


# --------------------------------------------------------------------------- Dockerfile

BASES = [
    "python:3.12-slim",
    "postgres",
    "nginx:latest",
    "node:20-alpine",
    "alpine:3.20",
    "ubuntu",
    "nats",
    "--platform=$BUILDPLATFORM golang:1.22",
    "${BASE}",
    "debian:bookworm-slim",
]


@st.composite
def dockerfile_instructions(draw: st.DrawFn, stage_names: list[str]) -> list[str]:
    """One instruction (possibly several physical lines), or a comment or blank line."""
    kind = draw(
        st.sampled_from(
            [
                "run",
                "run-continued",
                "env",
                "env-continued",
                "env-legacy",
                "arg",
                "user",
                "copy",
                "copy-shared",
                "workdir",
                "healthcheck",
                "expose",
                "comment",
                "blank",
                "heredoc",
                "label",
            ]
        )
    )
    if kind == "run":
        return [
            draw(
                st.sampled_from(
                    [
                        "RUN pip install --no-cache-dir -r requirements.txt",
                        "RUN apk add --no-cache curl",
                        "RUN useradd --system app",
                        "RUN echo http://Example.COM/",
                    ]
                )
            )
        ]
    if kind == "run-continued":
        lines = ["RUN apt-get update \\"]
        if draw(st.booleans()):
            lines.append("    # only what the probe needs")
        if draw(st.booleans()):
            lines.append("")
        lines.append(
            "    && apt-get install -y --no-install-recommends "
            + draw(st.sampled_from(["curl", "wget", "gosu"]))
            + " \\"
        )
        lines.append("    && rm -rf /var/lib/apt/lists/*")
        return lines
    if kind == "env":
        value = draw(
            st.sampled_from(
                [
                    "NATS_URL=nats://NATS:4222",
                    "API=http://Api.Internal:8080/Path",
                    "MODE=prod",
                    'URL="http://Quoted.Host/x"',
                ]
            )
        )
        return [f"ENV {value}"]
    if kind == "env-continued":
        lines = ["ENV PYTHONUNBUFFERED=1 \\"]
        if draw(st.booleans()):
            lines.append("    # the broker")
        lines.append("    NATS_URL=nats://user:PassWord@NATS:4222 \\")
        lines.append("    SUPABASE_URL=http://supabase_kong_PMOVES.AI:8000")
        return lines
    if kind == "env-legacy":
        return ["ENV LEGACY_URL http://Legacy.Example.com/X"]
    if kind == "arg":
        return [
            draw(
                st.sampled_from(
                    [
                        'ARG API_BASE="http://API.internal:8080/Path?Q=Upper"',
                        "ARG VERSION=1.0",
                        "ARG REGISTRY=https://Registry.Example.COM/v2/",
                    ]
                )
            )
        ]
    if kind == "user":
        return [draw(st.sampled_from(["USER app", "USER 1000:1000", "user app:app", "USER root"]))]
    if kind == "copy":
        return [
            draw(
                st.sampled_from(
                    ["COPY entrypoint.sh /entrypoint.sh", "COPY . /app", "COPY --chown=app:app src/ /app/"]
                    + [f"COPY --from={name} /out /out" for name in stage_names]
                )
            )
        ]
    if kind == "copy-shared":
        return ["COPY services/common /app/services/common", "COPY services/api /app/services/api"]
    if kind == "workdir":
        return [draw(st.sampled_from(["WORKDIR /app", "WORKDIR /srv/app"]))]
    if kind == "healthcheck":
        flags = draw(
            st.sampled_from(
                ["", "--interval=30s ", "--interval=30s --timeout=10s --start-period=30s --retries=3 ", "--retries=3 "]
            )
        )
        probe = draw(
            st.sampled_from(
                [
                    "CMD curl http://localhost:8000/",
                    "CMD curl -fs http://localhost:8000/healthz || exit 1",
                    "CMD wget -q --spider http://localhost:8000/ || exit 1",
                    'CMD ["curl", "http://localhost/"]',
                    'CMD ["wget","-qO-","http://localhost:3000/health"]',
                    "CMD curl --silent http://Web.Local/ >/dev/null || exit 1",
                ]
            )
        )
        if draw(st.integers(0, 5)) == 0:
            return ["HEALTHCHECK NONE"]
        if draw(st.booleans()):
            return [f"HEALTHCHECK {flags}\\", f"  {probe}"]
        return [f"HEALTHCHECK {flags}{probe}"]
    if kind == "expose":
        return ["EXPOSE 8000"]
    if kind == "comment":
        return [draw(st.sampled_from(["# a comment", "#USER app", "# HEALTHCHECK is below"]))]
    if kind == "blank":
        return [""]
    if kind == "heredoc":
        return ["RUN <<EOF", "useradd --system app", 'echo "USER app" > /etc/motd', "EOF"]
    return ["LABEL homepage=https://GitHub.com/example"]


@st.composite
def dockerfiles(draw: st.DrawFn) -> str:
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append("# syntax=docker/dockerfile:1")
    if draw(st.booleans()):
        lines.append("ARG BASE=python:3.12-slim")
    stage_names: list[str] = []
    for stage in range(draw(st.integers(1, 3))):
        if stage and draw(st.booleans()):
            lines.append("")
        base = draw(st.sampled_from(BASES + stage_names))
        name = f"stage{stage}" if draw(st.booleans()) else None
        keyword = draw(st.sampled_from(["FROM", "FROM", "from"]))
        lines.append(f"{keyword} {base}" + (f" AS {name}" if name else ""))
        for _ in range(draw(st.integers(0, 8))):
            lines.extend(draw(dockerfile_instructions(stage_names)))
        if draw(st.booleans()):
            lines.append(
                draw(
                    st.sampled_from(
                        ['ENTRYPOINT ["/entrypoint.sh"]', "ENTRYPOINT /entrypoint.sh", 'CMD ["python", "app.py"]']
                    )
                )
            )
        if name:
            stage_names.append(name)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + (newline if draw(st.booleans()) else "")


@settings(max_examples=300, **SETTINGS)
@given(dockerfiles())
def test_generated_dockerfiles(text: str) -> None:
    fix_and_verify(FileKind.DOCKERFILE, text)


def test_dockerfile_generator_exercises_the_rules() -> None:
    seen_codes: set[str] = set()

    @settings(max_examples=80, **SETTINGS)
    @given(dockerfiles())
    def collect(text: str) -> None:
        outcome = ENGINE.fix(FileKind.DOCKERFILE, text, "generated")
        seen_codes.update(finding.code for finding in outcome.fixed)

    collect()
    assert {"HF203", "HF204", "HF205"} <= seen_codes, seen_codes


# --------------------------------------------------------------------------- Python

# Arbitrary modules: from CPython's grammar, and from libcst's node types. Built once:
# building hypothesmith's grammar strategy compiles the grammar, which takes a while.
_ARBITRARY_PYTHON = st.one_of(hypothesmith.from_grammar(), hypothesmith.from_node())

# Code the Python rules act on, to be mixed with hypothesmith's arbitrary modules.
PYTHON_TRIGGERS = [
    "from typing import NamedTuple\n\n\nclass Pause(NamedTuple):\n    seconds: float = 1.0\n\n"
    "    def __post_init__(self) -> None:\n        if self.seconds < 0:\n            raise ValueError('negative')\n",
    "from prometheus_client import Counter\n\nREQUESTS = Counter('requests_total', 'Requests served')\n",
    "import prometheus_client\n\nLATENCY = prometheus_client.Histogram('latency_seconds', 'Latency', ['route'])\n",
    "def load(path):\n    try:\n        return open(path).read()\n    except Exception:\n        return None\n",
    "def parse(value):\n    try:\n        return int(value)\n    except:  # noqa\n        return 0\n",
]


@st.composite
def python_modules(draw: st.DrawFn) -> str:
    generated = draw(_ARBITRARY_PYTHON)
    triggers = draw(st.lists(st.sampled_from(PYTHON_TRIGGERS), min_size=1, max_size=3, unique=True))
    # A lone CR ends a line for Python but not for `noise_lines`, which would then
    # compare the wrong lines; CRLF and LF are kept. (Mixed CRLF/LF: see the last test.)
    generated = re.sub(r"\r(?!\n)", "\n", generated)
    if generated and not generated.endswith("\n"):
        generated += "\n"
    pieces = [*triggers]
    pieces.insert(draw(st.integers(0, len(pieces))), generated)
    return "\n".join(pieces)


@settings(max_examples=200, **SETTINGS)
@given(python_modules())
def test_generated_python_modules(text: str) -> None:
    try:
        compile(text, "<generated>", "exec", dont_inherit=True)
        compiles = True
    except (SyntaxError, ValueError):
        compiles = False
    try:
        parser_for(FileKind.PYTHON)(text, None)
    except ParseError:
        assume(False)  # libcst and CPython disagree on a few corner cases; not ours to fix
    run = fix_and_verify(FileKind.PYTHON, text)
    if compiles:
        compile(run.after, "<fixed>", "exec", dont_inherit=True)


def test_python_generator_exercises_the_rules() -> None:
    seen_codes: set[str] = set()

    @settings(max_examples=40, **SETTINGS)
    @given(python_modules())
    def collect(text: str) -> None:
        try:
            outcome = ENGINE.fix(FileKind.PYTHON, text, "generated")
        except ParseError:
            return
        seen_codes.update(finding.code for finding in outcome.fixed)

    collect()
    assert {"HF301", "HF302", "HF303"} <= seen_codes, seen_codes


MIXED_ENDINGS = (
    "import os\r\n"
    "\n"
    "from typing import NamedTuple\n"
    "\n"
    "\n"
    "class Pause(NamedTuple):\n"
    "    seconds: float = 1.0\n"
    "\n"
    "    def __post_init__(self) -> None:\n"
    "        if self.seconds < 0:\n"
    "            raise ValueError('negative')\n"
)


def test_python_fix_uses_the_line_endings_of_the_lines_it_touches() -> None:
    """A rewritten statement keeps its own line ending, not the file's first one (CRLF here)."""
    outcome = ENGINE.fix(FileKind.PYTHON, MIXED_ENDINGS, "mixed.py")
    assert "@dataclass(frozen=True)\nclass Pause:\n" in outcome.text
    assert outcome.text.count("\r\n") == 1
