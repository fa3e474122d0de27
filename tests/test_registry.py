"""Image facts from a real registry: Debian's docker-registry on 127.0.0.1, holding small
real images pushed through its HTTP API."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from registry_server import (
    LocalRegistry,
    busybox_base,
    debian_base,
    layer,
    require_registry,
    unreachable_url,
)

from hardenfix.facts.registry import Registries, check_mirror, docker_credentials, endpoint, version_candidates
from hardenfix.knowledge import parse_reference


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalRegistry]:
    require_registry()
    server = LocalRegistry(tmp_path_factory.mktemp("registry")).start()
    postgres_bits = layer(
        {"usr/lib/postgresql/17/bin/": None, "usr/lib/postgresql/17/bin/pg_isready": "elf"},
        {"usr/bin/pg_isready": "../lib/postgresql/17/bin/pg_isready"},
    )
    server.push_image(
        "library/postgres", ["17.2", "17", "17.2-bookworm", "17-bookworm", "latest"], [debian_base(), postgres_bits]
    )
    server.push_image("library/postgres", ["16.6", "16"], [debian_base(), layer({"usr/bin/pg_isready": "16"})])
    alpine = layer({"usr/local/bin/": None, "usr/local/bin/pg_isready": "elf"})
    server.push_image(
        "library/postgres", ["17.2-alpine", "17-alpine", "alpine"], [busybox_base(), alpine],
        env_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    )  # fmt: skip
    amd64 = server.push_image("acme/server", [], [debian_base(), layer({"usr/bin/curl": "elf"})], oci=True)
    arm64 = server.push_image("acme/server", [], [debian_base()], oci=True, architecture="arm64")
    server.push_index("acme/server", ["2.4.1", "2.4", "latest"], [(amd64, "linux/amd64"), (arm64, "linux/arm64")])
    server.push_image(
        "acme/tiny", ["1.0"], [layer({"server": "elf"})], env_path="/usr/bin", config={"ExposedPorts": {"8080/tcp": {}}}
    )
    removed = layer({"usr/bin/.wh.curl": ""})
    server.push_image("acme/no-curl", ["1"], [debian_base(), layer({"usr/bin/curl": "elf"}), removed])
    opaque = layer({"usr/local/bin/.wh..wh..opq": "", "usr/local/bin/app": "elf"})
    server.push_image("acme/opaque", ["1"], [debian_base(), layer({"usr/local/bin/wget": "elf"}), opaque])
    yield server
    server.stop()


def registries(registry: LocalRegistry, tmp_path: Path, **settings) -> Registries:
    mirrors = {"docker.io": registry.url, "example.com": registry.url}
    return Registries(tmp_path / "cache", mirrors=mirrors, **settings)


def ref(text: str):
    return parse_reference(text)


def test_a_tag_and_latest_point_at_the_same_digest(registry, tmp_path: Path) -> None:
    with registries(registry, tmp_path) as client:
        assert client.digest(ref("postgres:latest")) == client.digest(ref("postgres:17.2"))
        assert client.digest(ref("postgres")) == client.digest(ref("postgres:17.2"))
        assert client.digest(ref("postgres:16")) != client.digest(ref("postgres:17"))


def test_the_tools_on_the_path_are_read_from_the_layers(registry, tmp_path: Path) -> None:
    with registries(registry, tmp_path) as client:
        debian = client.image(ref("postgres:17.2"))
        alpine = client.image(ref("postgres:17.2-alpine"))
        tiny = client.image(ref("example.com/acme/tiny:1.0"))
    assert {"sh", "bash", "dash", "pg_isready"} <= set(debian.tools) and "curl" not in debian.tools
    assert {"sh", "wget", "pg_isready", "busybox"} <= set(alpine.tools)
    assert tiny.tools == () and tiny.exposed_ports == ("8080/tcp",) and tiny.path == ("/usr/bin",)


def test_whiteouts_remove_what_lower_layers_added(registry, tmp_path: Path) -> None:
    with registries(registry, tmp_path) as client:
        assert "curl" not in client.image(ref("example.com/acme/no-curl:1")).tools
        opaque = client.image(ref("example.com/acme/opaque:1")).tools
    assert "wget" not in opaque and "app" in opaque


def test_a_multi_platform_index_gives_the_platforms_image(registry, tmp_path: Path) -> None:
    with registries(registry, tmp_path) as client:
        amd64 = client.image(ref("example.com/acme/server:latest"))
    with registries(registry, tmp_path, platform="linux/arm64") as client:
        arm64 = client.image(ref("example.com/acme/server:latest"))
    assert "curl" in amd64.tools and "curl" not in arm64.tools
    assert amd64.digest == arm64.digest != amd64.platform_digest != arm64.platform_digest


def test_latest_is_pinned_to_the_most_specific_plain_version_with_its_digest(registry, tmp_path: Path) -> None:
    with registries(registry, tmp_path) as client:
        assert client.version_tag(ref("postgres:latest")) == "17.2"
        assert client.version_tag(ref("postgres")) == "17.2"
        assert client.version_tag(ref("postgres:alpine")) == "17.2-alpine"
        assert client.version_tag(ref("example.com/acme/server")) == "2.4.1"


def test_version_candidates_prefer_the_variant_then_the_most_specific_version() -> None:
    tags = ["latest", "16", "17", "17.2", "17.2-bookworm", "17.2-alpine", "alpine", "16.6", "v18.0-rc"]
    assert version_candidates(tags, None) == ["17.2", "17", "16.6", "16", "v18.0-rc", "17.2-bookworm", "17.2-alpine"]
    assert version_candidates(tags, "alpine") == ["17.2-alpine"]


def test_a_channel_tag_is_pinned_among_the_versions_of_its_variant() -> None:
    """`lts` and `mainline` name no variant the version tags use: the default one's versions
    are the candidates; `lts-alpine` keeps `-alpine`, and a variant of several words stays whole."""
    tags = ["lts", "lts-alpine", "22", "22.11.0", "22.11.0-alpine", "22-alpine", "3.12-slim-bookworm", "3.12-slim"]
    assert version_candidates(tags, "lts") == ["22.11.0", "22"]
    assert version_candidates(tags, "lts-alpine") == ["22.11.0-alpine", "22-alpine"]
    assert version_candidates(tags, "slim-bookworm") == ["3.12-slim-bookworm"]
    assert version_candidates(tags, "3.11-slim") == ["3.12-slim"]


def test_docker_hub_names_and_mirrors() -> None:
    assert (
        endpoint(ref("postgres:17"), {}).url("manifests/17")
        == "https://registry-1.docker.io/v2/library/postgres/manifests/17"
    )
    assert (
        endpoint(ref("grafana/grafana"), {"docker.io": "https://m.example"}).url("x")
        == "https://m.example/v2/grafana/grafana/x"
    )
    assert endpoint(ref("localhost:5000/app"), {}).url("x") == "http://localhost:5000/v2/app/x"
    assert endpoint(ref("ghcr.io/o/app"), {}).base == "https://ghcr.io"
    check_mirror("docker.io", "http://127.0.0.1:5000")
    with pytest.raises(ValueError, match="use https://, or http:// on a loopback address"):
        check_mirror("docker.io", "http://mirror.example")


def test_an_unreachable_registry_gives_one_warning_quickly(tmp_path: Path) -> None:
    warnings: list[str] = []
    started = time.monotonic()
    with Registries(tmp_path, mirrors={"docker.io": unreachable_url()}, warn=warnings.append) as client:
        assert client.image(ref("postgres:17")) is None
        assert client.version_tag(ref("redis")) is None
    assert time.monotonic() - started < 5
    assert len(warnings) == 1 and "cannot be reached" in warnings[0] and "built-in image knowledge" in warnings[0]


class _Front(http.server.BaseHTTPRequestHandler):
    """A registry front that asks for a Bearer token (and, with `user`, Basic credentials for
    the token), or answers slowly; anything else it passes on to the real registry."""

    upstream: ClassVar[str] = ""
    user: ClassVar[tuple[str, str] | None] = None
    delay: ClassVar[float] = 0.0
    seen_tokens: ClassVar[list[str]] = []

    def log_message(self, *arguments: object) -> None:
        pass

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        time.sleep(self.delay)
        port = self.server.server_address[1]
        if self.path.startswith("/token"):
            expected = self.user and "Basic " + base64.b64encode(":".join(self.user).encode()).decode()
            if expected and self.headers.get("Authorization") != expected:
                return self._reply(401, b"{}")
            return self._reply(200, json.dumps({"token": "good"}).encode())
        if self.headers.get("Authorization") != "Bearer good":
            challenge = f'Bearer realm="http://127.0.0.1:{port}/token",service="front",scope="repository:x:pull"'
            return self._reply(401, b"{}", {"WWW-Authenticate": challenge})
        self.seen_tokens.append(self.headers["Authorization"])
        request = urllib.request.Request(self.upstream + self.path, method=self.command)
        request.add_header("Accept", self.headers.get("Accept", "*/*"))
        with urllib.request.urlopen(request, timeout=10) as response:
            headers = {k: v for k, v in response.headers.items() if k in ("Content-Type", "Docker-Content-Digest")}
            self._reply(response.status, response.read(), headers)

    def _reply(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@pytest.fixture
def front(registry) -> Iterator[type[_Front]]:
    handler = type("Front", (_Front,), {"upstream": registry.url, "seen_tokens": []})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield handler
    server.shutdown()


def test_a_bearer_challenge_is_answered_with_an_anonymous_token(front, tmp_path: Path) -> None:
    with Registries(tmp_path, mirrors={"docker.io": front.url}) as client:
        assert "pg_isready" in client.image(ref("postgres:17")).tools
    assert front.seen_tokens


def test_credentials_come_from_dockers_configuration_and_are_never_cached(front, tmp_path: Path, monkeypatch) -> None:
    front.user = ("robot", "s3cret-value")
    config = tmp_path / "docker"
    config.mkdir()
    auth = base64.b64encode(b"robot:s3cret-value").decode()
    host = front.url.removeprefix("http://")
    (config / "config.json").write_text(json.dumps({"auths": {host: {"auth": auth}}}), encoding="utf-8")
    monkeypatch.setenv("DOCKER_CONFIG", str(config))
    assert docker_credentials(host) == ("robot", "s3cret-value")
    reference = parse_reference(f"{host}/library/postgres:17")
    with Registries(tmp_path / "cache", mirrors={host: front.url}) as client:
        assert "pg_isready" in client.image(reference).tools
    cached = "".join(path.read_text(encoding="utf-8") for path in (tmp_path / "cache").rglob("*.json"))
    assert cached and "s3cret" not in cached and auth not in cached


def test_a_credential_helper_is_asked(tmp_path: Path, monkeypatch) -> None:
    helper = tmp_path / "bin" / "docker-credential-acme"
    helper.parent.mkdir()
    helper.write_text('#!/bin/sh\nread server\necho "{\\"Username\\": \\"u\\", \\"Secret\\": \\"for $server\\"}"\n')
    helper.chmod(0o755)
    (tmp_path / "config.json").write_text(json.dumps({"credHelpers": {"ghcr.io": "acme"}}), encoding="utf-8")
    monkeypatch.setenv("PATH", f"{helper.parent}:/usr/bin:/bin")
    assert docker_credentials("ghcr.io", tmp_path) == ("u", "for ghcr.io")
    assert docker_credentials("quay.io", tmp_path) is None


def test_an_image_over_the_byte_cap_has_unknown_tools(registry, tmp_path: Path) -> None:
    with registries(registry, tmp_path, max_image_bytes=64) as client:
        image = client.image(ref("postgres:17"))
    assert image is not None and image.tools is None


def test_a_slow_registry_is_given_up_within_the_budget(front, tmp_path: Path) -> None:
    front.delay = 3.0
    warnings: list[str] = []
    started = time.monotonic()
    with Registries(tmp_path, mirrors={"docker.io": front.url}, budget=1.0, warn=warnings.append) as client:
        assert client.image(ref("postgres:17")) is None
    assert time.monotonic() - started < 3
    assert len(warnings) == 1


def test_the_same_answers_come_from_the_cache_with_the_registry_stopped(tmp_path: Path) -> None:
    require_registry()
    server = LocalRegistry(tmp_path).start()
    server.push_image("library/redis", ["7.4", "latest"], [debian_base(), layer({"usr/bin/redis-cli": "elf"})])
    try:
        with Registries(tmp_path / "cache", mirrors={"docker.io": server.url}) as client:
            before = client.image(ref("redis:latest"))
    finally:
        server.stop()
    warnings: list[str] = []
    with Registries(tmp_path / "cache", mirrors={"docker.io": server.url}, warn=warnings.append) as client:
        assert client.image(ref("redis:latest")) == before and "redis-cli" in before.tools
    assert warnings == []
    with Registries(
        tmp_path / "cache", mirrors={"docker.io": server.url}, refresh=True, warn=warnings.append
    ) as client:
        assert client.image(ref("redis:latest")) is None
    assert len(warnings) == 1
