"""Online mode end to end, through the CLI, against a real registry: Debian's
docker-registry on 127.0.0.1 (tests/registry_server.py) holding `postgres` (debian and
alpine variants, several tags), a multi-platform third-party image, an image without
tools, and images with their own HEALTHCHECK and CMD. hardenfix reaches it as a Docker
Hub mirror (`registry-mirrors`, which stores `library/postgres`) and by references
written as `127.0.0.1:PORT/acme/server`."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_server import LocalRegistry, Pushed, busybox_base, debian_base, layer, require_registry, unreachable_url

from hardenfix.facts.online import OnlineRun, RegistryAnswers, resolve
from hardenfix.knowledge import builtin
from hardenfix.model import Applicability
from hardenfix.rules.compose.hf120_image_pin import ImagePin
from hardenfix.validate import GuardError, check_model_change


class Stocked:
    """The registry and the digests of what it holds."""

    def __init__(self, server: LocalRegistry) -> None:
        self.server = server
        self.host = server.url.removeprefix("http://")
        self.digests: dict[str, str] = {}

    def push(self, name: str, pushed: Pushed) -> None:
        self.digests[name] = pushed.digest


def stock(server: LocalRegistry) -> Stocked:
    stocked = Stocked(server)
    postgres = layer(
        {"usr/lib/postgresql/17/bin/": None, "usr/lib/postgresql/17/bin/pg_isready": "elf"},
        {"usr/bin/pg_isready": "../lib/postgresql/17/bin/pg_isready"},
    )
    stocked.push(
        "postgres",
        server.push_image(
            "library/postgres", ["17.2", "17", "17.2-bookworm", "17-bookworm", "latest"], [debian_base(), postgres]
        ),
    )
    server.push_image("library/postgres", ["16.6", "16"], [debian_base(), layer({"usr/bin/pg_isready": "16"})])
    stocked.push(
        "postgres-alpine",
        server.push_image(
            "library/postgres",
            ["17.2-alpine", "17-alpine", "alpine"],
            [busybox_base(), layer({"usr/local/bin/": None, "usr/local/bin/pg_isready": "elf"})],
        ),
    )
    amd64 = server.push_image("acme/server", [], [debian_base(), layer({"usr/bin/curl": "elf"})], oci=True)
    arm64 = server.push_image("acme/server", [], [debian_base()], oci=True, architecture="arm64")
    stocked.push(
        "server",
        server.push_index("acme/server", ["2.4.1", "2.4", "latest"], [(amd64, "linux/amd64"), (arm64, "linux/arm64")]),
    )
    stocked.push(
        "tiny",
        server.push_image(
            "acme/tiny",
            ["1.0"],
            [layer({"server": "elf"})],
            env_path="/usr/bin",
            config={"ExposedPorts": {"8080/tcp": {}}},
        ),
    )
    server.push_image(
        "library/redis",
        ["7.4.1", "7.4", "latest"],
        [debian_base(), layer({"usr/local/bin/": None, "usr/local/bin/redis-cli": "elf"})],
        config={"Healthcheck": {"Test": ["CMD", "redis-cli", "ping"]}},
    )
    python = layer({"usr/local/bin/": None, "usr/local/bin/python3": "elf", "usr/bin/wget": "elf"})
    server.push_image(
        "acme/api-base",
        ["1.0"],
        [debian_base(), python],
        env_path="/usr/local/bin:/usr/bin:/bin",
        config={
            "ExposedPorts": {"8080/tcp": {}},
            "Cmd": ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8080"],
        },
    )
    return stocked


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stocked]:
    require_registry()
    server = LocalRegistry(tmp_path_factory.mktemp("registry")).start()
    try:
        yield stock(server)
    finally:
        server.stop()


def project(
    root: Path, mirror: str, compose: str = "", files: dict[str, str] | None = None, settings: str = ""
) -> Path:
    """A project whose configuration reaches Docker Hub through `mirror`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ".git").mkdir()
    (root / "hardenfix.toml").write_text(f'root = true\n{settings}[registry-mirrors]\n"docker.io" = "{mirror}"\n')
    if compose:
        (root / "compose.yaml").write_text(compose)
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def hardenfix(cwd: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The installed program, as users run it."""
    return subprocess.run(
        [sys.executable, "-m", "hardenfix", *arguments], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def findings(cwd: Path, *arguments: str) -> list[dict]:
    result = hardenfix(cwd, "check", "--format", "json", *arguments)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


STACK = """\
services:
  db:
    image: postgres:latest
  replica:
    image: "postgres:alpine"
  api:
    image: {host}/acme/server
  legacy:
    image: postgres:${{PG_TAG:-latest}}
"""


def test_floating_references_are_pinned_to_the_version_tag_with_the_same_digest_as_safe_fixes(
    registry: Stocked, tmp_path: Path
) -> None:
    root = project(tmp_path, registry.server.url, STACK.format(host=registry.host))
    reported = {f["line"]: f for f in findings(root, "--online", "--select", "HF120")}
    postgres, server = registry.digests["postgres"], registry.digests["server"]
    assert reported[3]["message"] == (
        "service `db` runs `postgres:latest`, which floats with every push to `latest`; "
        f"`postgres:17.2` is the same image today ({postgres})"
    )
    assert reported[7]["message"].endswith(f"`{registry.host}/acme/server:2.4.1` is the same image today ({server})")
    assert all(f["fix"]["applicability"] == "safe" for f in reported.values())
    applied = hardenfix(root, "apply", "--online", "--validate", "--select", "HF120")
    assert applied.returncode == 0, applied.stderr
    assert (root / "compose.yaml").read_text() == (
        'services:\n  db:\n    image: postgres:17.2\n  replica:\n    image: "postgres:17.2-alpine"\n'
        f"  api:\n    image: {registry.host}/acme/server:2.4.1\n  legacy:\n    image: postgres:${{PG_TAG:-17.2}}\n"
    )
    # A fixpoint after one run: the pins name the same images, and nothing is left to do.
    again = hardenfix(root, "apply", "--online", "--dry-run", "--select", "HF120")
    assert (again.returncode, again.stdout) == (0, "")


def test_one_run_reaches_a_fixpoint(registry: Stocked, tmp_path: Path) -> None:
    stack = STACK.format(host=registry.host) + PROBES_ONLY.format(host=registry.host)
    root = project(tmp_path, registry.server.url, stack, settings="online = true\n")
    applied = hardenfix(root, "apply", "--validate")
    assert applied.returncode == 0, applied.stderr
    # `legacy`, pinned to `postgres:${PG_TAG:-17.2}`, gets postgres's probe only as an unsafe
    # fix: the shell that deploys the stack may set PG_TAG.
    assert applied.stderr == (
        "Fixed 14 findings in 1 file (HF101 ×3, HF102 ×3, HF104 ×2, HF106 ×2, HF120 ×4);"
        " 2 findings left (1 with an unsafe fix: --unsafe-fixes applies them).\n"
    )
    for arguments in (("apply", "--dry-run"), ("apply", "--dry-run", "--no-cache")):
        again = hardenfix(root, *arguments)
        assert (again.returncode, again.stdout) == (0, ""), again.stdout
    cache = root / ".hardenfix_cache"
    assert (cache / ".gitignore").is_file() and (cache / "registry" / "tags.json").is_file()
    images = list((cache / "registry" / "images").glob("*.json"))
    assert len(images) == 4  # one per digest: postgres, postgres:alpine, acme/server (latest is 2.4), acme/tiny


def test_offline_the_pins_stay_the_tables_unsafe_ones(registry: Stocked, tmp_path: Path) -> None:
    root = project(tmp_path, registry.server.url, STACK.format(host=registry.host))
    reported = findings(root, "--select", "HF120")
    assert [(f["line"], f["fix"] and f["fix"]["applicability"]) for f in reported] == [
        (3, "unsafe"),
        (7, None),
        (9, "unsafe"),
    ]
    assert not (root / ".hardenfix_cache" / "registry").exists()


def test_pin_digests_writes_the_tag_and_the_digest(registry: Stocked, tmp_path: Path) -> None:
    stack = STACK.format(host=registry.host)
    root = project(tmp_path, registry.server.url, stack, settings="online = true\npin-digests = true\n")
    applied = hardenfix(root, "apply", "--validate", "--select", "HF120")
    assert applied.returncode == 0, applied.stderr
    postgres, alpine, server = (registry.digests[name] for name in ("postgres", "postgres-alpine", "server"))
    assert (root / "compose.yaml").read_text() == (
        f"services:\n  db:\n    image: postgres:17.2@{postgres}\n"
        f'  replica:\n    image: "postgres:17.2-alpine@{alpine}"\n'
        f"  api:\n    image: {registry.host}/acme/server:2.4.1@{server}\n"
        # A digest would outrank PG_TAG: a deployment that sets it would run the pin.
        "  legacy:\n    image: postgres:${PG_TAG:-17.2}\n"
    )
    again = hardenfix(root, "apply", "--dry-run", "--select", "HF120")
    assert (again.returncode, again.stdout) == (0, "")


PROBES_ONLY = """\
  probed:
    image: {host}/acme/server:2.4
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://localhost:8080/health"]
  small:
    image: postgres:17.2-alpine
    healthcheck:
      test: curl -f http://localhost:5432/ || exit 1
  tiny:
    image: {host}/acme/tiny:1.0
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost:8080/"]
"""
PROBES = "services:\n" + PROBES_ONLY


def test_hf104_learns_from_the_layers_what_an_image_ships(registry: Stocked, tmp_path: Path) -> None:
    root = project(tmp_path, registry.server.url, PROBES.format(host=registry.host))
    offline = {f["line"]: f["message"] for f in findings(root, "--select", "HF104")}
    server, tiny = (f"{registry.host}/acme/{name}" for name in ("server:2.4", "tiny:1.0"))
    assert offline[5].startswith(
        f"probe of service `probed` runs `wget`, and hardenfix does not know whether `{server}`"
    )
    assert offline[13].startswith(f"probe of service `tiny` runs `curl`, and hardenfix does not know whether `{tiny}`")
    assert "(docker-library/postgres@17818f21:17/alpine3.21/Dockerfile)" in offline[9]
    online = {f["line"]: f for f in findings(root, "--online", "--select", "HF104")}
    assert online[5]["message"].startswith(
        f"probe of service `probed` runs `wget`, which `{server}` does not ship (registry: {server}@sha256:"
    )
    assert online[5]["fix"] == {"applicability": "safe", "title": "Probe with `curl`"}
    alpine = registry.digests["postgres-alpine"]
    assert f"(registry: postgres:17.2-alpine@{alpine}): it can never pass" in online[9]["message"]
    assert online[9]["fix"] == {"applicability": "safe", "title": "Probe with `wget`"}
    assert online[13]["message"] == (
        f"probe of service `tiny` runs `curl`, which `{tiny}` does not ship (registry: {tiny}@"
        f"{registry.digests['tiny']}): it can never pass; no replacement can run in this image"
    )
    assert online[13]["fix"] is None
    applied = hardenfix(root, "apply", "--online", "--select", "HF104")
    assert applied.returncode == 0, applied.stderr
    fixed = (root / "compose.yaml").read_text()
    assert 'test: ["CMD", "curl", "-sfL", "http://localhost:8080/health"]' in fixed
    # busybox's wget, in the table too, asking 127.0.0.1 for localhost
    assert r'test: "wget -q -O /dev/null --header \"Host: localhost:5432\" http://127.0.0.1:5432/ || exit 1"' in fixed
    assert 'test: ["CMD", "curl", "-f", "http://localhost:8080/"]' in fixed  # nothing to replace it with


def test_an_images_own_healthcheck_and_command_reach_the_service_facts(registry: Stocked, tmp_path: Path) -> None:
    code = 'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("/healthz")\ndef healthz():\n    return {}\n'
    files = {
        "api/Dockerfile": f"FROM {registry.host}/acme/api-base:1.0\nWORKDIR /srv\nCOPY app ./app\n",
        "api/app/__init__.py": "",
        "api/app/main.py": code,
    }
    compose = "services:\n  cache:\n    image: redis:7.4.1\n  api:\n    build: ./api\n"
    root = project(tmp_path, registry.server.url, compose, files)
    offline = findings(root, "--select", "HF106")
    assert [f["message"] for f in offline] == [
        "data service `cache` has no healthcheck; `redis` has a standard probe",
    ]
    online = findings(root, "--online", "--select", "HF106")
    assert len(online) == 1, "redis's image has a HEALTHCHECK of its own"
    api = online[0]
    assert api["message"] == "api service `api` has no healthcheck; its code serves `/healthz` on port 8080"
    assert api["fix"]["applicability"] == "safe"
    assert api["facts"]["port"].startswith(f"8080 (registry: {registry.host}/acme/api-base:1.0@sha256:")
    assert api["facts"]["probe tool"].startswith(f"wget (registry: {registry.host}/acme/api-base:1.0@")


def test_hf203_pins_a_base_image_to_the_same_digest(registry: Stocked, tmp_path: Path) -> None:
    root = project(tmp_path, registry.server.url, files={"Dockerfile": "FROM postgres AS db\nFROM postgres:alpine\n"})
    applied = hardenfix(root, "apply", "--online", "--select", "HF203")
    assert applied.returncode == 0, applied.stderr
    assert (root / "Dockerfile").read_text() == "FROM postgres:17.2 AS db\nFROM postgres:17.2-alpine\n"


def test_the_same_answers_come_from_the_cache_with_the_registry_stopped(tmp_path: Path) -> None:
    require_registry()
    server = LocalRegistry(tmp_path / "registry").start()
    try:
        stocked = stock(server)
        root = project(
            tmp_path / "project", server.url, STACK.format(host=stocked.host) + PROBES_ONLY.format(host=stocked.host)
        )
        first = hardenfix(root, "check", "--online", "--format", "json")
    finally:
        server.stop()
    assert first.returncode == 1 and "warning" not in first.stderr, first.stderr
    assert "registry: " in first.stdout and "same image today" in first.stdout
    offline = hardenfix(root, "check", "--no-cache", "--format", "json")
    assert offline.stdout != first.stdout
    for findings_cache in (root / ".hardenfix_cache").glob("cache-*.json"):
        findings_cache.unlink()  # the findings from scratch: only the registry's answers are cached
    stopped = hardenfix(root, "check", "--online", "--format", "json")
    assert (stopped.returncode, stopped.stdout, stopped.stderr) == (first.returncode, first.stdout, first.stderr)
    refreshed = hardenfix(root, "check", "--online", "--refresh", "--format", "json")
    assert refreshed.stdout == offline.stdout and refreshed.stderr.count("hardenfix: warning: registry:") == 1


def test_an_unreachable_registry_gives_one_warning_and_the_offline_answers(tmp_path: Path) -> None:
    host = unreachable_url().removeprefix("http://")
    root = project(tmp_path, f"http://{host}", STACK.format(host=host) + PROBES_ONLY.format(host=host))
    offline = hardenfix(root, "check", "--no-cache")
    started = time.monotonic()
    online = hardenfix(root, "check", "--online", "--no-cache")
    assert time.monotonic() - started < 15
    assert online.stdout == offline.stdout and online.returncode == offline.returncode == 1
    warnings = [line for line in online.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "cannot be reached" in warnings[0], online.stderr
    assert "Traceback" not in online.stderr
    assert not (root / ".hardenfix_cache").exists(), "--no-cache writes nothing"
    assert online.stderr.replace(warnings[0] + "\n", "") == offline.stderr


def test_workers_are_forked_with_the_answers(registry: Stocked, tmp_path: Path) -> None:
    files = {f"pkg/m{n}.py": "x = 1\n" for n in range(140)}  # enough files for a pool of workers
    root = project(tmp_path, registry.server.url, "services:\n  db:\n    image: postgres\n", files)
    applied = hardenfix(root, "apply", "--online", "--jobs", "2", "--select", "HF120")
    assert applied.returncode == 0, applied.stderr
    assert (root / "compose.yaml").read_text() == "services:\n  db:\n    image: postgres:17.2\n"


def test_the_images_command_says_where_each_fact_comes_from(registry: Stocked, tmp_path: Path) -> None:
    root = project(tmp_path, registry.server.url)
    offline = hardenfix(root, "images", "postgres:latest")
    assert offline.returncode == 0, offline.stderr
    assert offline.stdout.splitlines()[:5] == [
        "postgres:latest",
        "  image        postgres (data)  (table: https://github.com/docker-library/postgres)",
        "  release      17.2  (assumed: `postgres:latest` names no version: assumed to be 17.2, the newest one known)",
        "  ships        bash, pg_isready, psql, sh  (table: docker-library/postgres@0b87a9bb:17/bookworm/Dockerfile;"
        " since 9.4; for the assumed release)",
        "  lacks        curl, wget  (table: docker-library/postgres@0b87a9bb:17/bookworm/Dockerfile; since 9.4;"
        " for the assumed release)",
    ]
    online = hardenfix(root, "images", "--online", "postgres:latest").stdout.splitlines()
    digest = registry.digests["postgres"]
    source = f"registry: postgres:latest@{digest}"
    assert online[2:6] == [
        f"  digest       {digest}  (registry)",
        "  release      17.2  (registry: `postgres:17.2` has the same digest)",
        f"  ships        bash, pg_isready, sh  ({source})",
        f"  lacks        curl, nc, node, psql, python, python3, wget  ({source})",
    ]
    assert online[-1] == f"  pin          17.2  (registry: `postgres:17.2` is the same image today ({digest}))"
    configured = project(tmp_path / "configured", registry.server.url)
    with (configured / "hardenfix.toml").open("a") as handle:
        handle.write('[images."acme/app"]\ntools = ["sh", "curl"]\n')
    described = hardenfix(configured, "images", "acme/app:1").stdout.splitlines()
    where = f"configuration: {configured / 'hardenfix.toml'}"
    assert described[1] == f"  image        acme/app (api)  ({where})"
    assert f"  ships        curl, sh  ({where})" in described
    # Offline, the table says which images declare a HEALTHCHECK of their own.
    kong = hardenfix(root, "images", "kong:3.9.1").stdout.splitlines()
    assert (
        "  healthcheck  HEALTHCHECK --interval=10s --timeout=10s --retries=10 CMD kong health  (table: "
        "Kong/docker-kong@d1ed165b:ubuntu/Dockerfile (3.9.3; the same since the 3.0.0 tag, @5a2610d9))"
    ) in kong


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            '[registry-mirrors]\n"docker.io" = "http://mirror.example"\n',
            "use https://, or http:// on a loopback address",
        ),
        ('platform = "amd64"\n', "'platform' must be os/architecture[/variant]"),
        ("online = 1\n", "'online' must be true or false"),
    ],
)
def test_invalid_online_settings_are_one_clear_error(tmp_path: Path, setting: str, message: str) -> None:
    (tmp_path / "hardenfix.toml").write_text(setting)
    (tmp_path / "compose.yaml").write_text("services:\n  db:\n    image: postgres\n")
    result = hardenfix(tmp_path, "check", "--online")
    assert result.returncode == 2 and message in result.stderr


def test_the_guard_lets_a_safe_image_change_through_only_with_the_same_digest() -> None:
    answers = RegistryAnswers(
        digests={
            "docker.io/postgres:latest": "sha256:a",
            "docker.io/postgres:17.2": "sha256:a",
            "docker.io/postgres:16": "sha256:b",
        }
    )
    rule = ImagePin(knowledge=builtin().online(answers, pin_digests=False))
    safe = {rule: {Applicability.SAFE}}

    def model(image: str) -> dict:
        return {"services": {"db": {"image": image}}}

    check_model_change(model("postgres:latest"), model("postgres:17.2"), safe)
    check_model_change(model("postgres"), model("postgres:17.2@sha256:a"), safe)
    for other in ("postgres:16", "postgres:17.2@sha256:b", "mysql:17.2", "postgres:18"):
        with pytest.raises(GuardError, match="a safe fix changed the image of service `db`"):
            check_model_change(model("postgres:latest"), model(other), safe)
    offline = ImagePin()
    with pytest.raises(GuardError):
        check_model_change(model("postgres:latest"), model("postgres:17.2"), {offline: {Applicability.SAFE}})


def test_resolving_waits_no_longer_than_the_budget(tmp_path: Path) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()  # accepts connections, never answers
    warnings: list[str] = []
    online = OnlineRun(
        {"docker.io": f"http://127.0.0.1:{listener.getsockname()[1]}"}, "linux/amd64", None, False, warnings.append
    )
    started = time.monotonic()
    try:
        answers = resolve(["postgres:latest", "redis"], online, budget=1.0)
    finally:
        listener.close()
    assert time.monotonic() - started < 4
    assert not answers and len(warnings) == 1


HANGING_LOOKUP = """
import socket, sys, time
socket.getaddrinfo = lambda *arguments, **options: time.sleep(60)  # a resolver that never answers
from hardenfix.facts.online import OnlineRun, resolve
warnings = []
online = OnlineRun({"docker.io": "http://localhost:1"}, "linux/amd64", None, False, warnings.append)
answers = resolve(["postgres:latest", "redis", "nats"], online, budget=1.0)
print(bool(answers), warnings)
"""


def test_a_name_lookup_that_hangs_holds_the_run_no_longer_than_the_budget() -> None:
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", HANGING_LOOKUP], capture_output=True, text=True, timeout=60)
    assert time.monotonic() - started < 10, "the process waited for the lookup at exit"
    assert result.stdout == "False ['registry: no answer within 1 s; using the built-in image knowledge']\n"
