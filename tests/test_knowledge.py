"""The image knowledge base: tags as versions, facts for the tag in use, pins the files allow."""

from __future__ import annotations

import itertools
import os
import sys
from pathlib import Path

import pytest

from hardenfix import knowledge
from hardenfix.facts import Fact
from hardenfix.knowledge import builtin, parse_reference, read_table
from hardenfix.knowledge.images import BuiltTools, CommandOption, project_image
from hardenfix.knowledge.pins import Evidence, choose_pin
from hardenfix.knowledge.versions import Bounds, Version, VersionRange, after, parse_tag, parse_version


def test_a_table_is_parsed_once_per_version_of_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parsed table is kept beside the file, as bytecode is, while its size and
    modification time are those it was read with."""
    table = tmp_path / "images.toml"
    table.write_text('["postgres"]\nclass = "data"\n')
    assert read_table("images.toml", tmp_path) == {"postgres": {"class": "data"}}
    snapshot = tmp_path / "__pycache__" / f"images.toml.{sys.implementation.cache_tag}.marshal"
    assert snapshot.exists()
    parsed: list[str] = []
    import tomllib

    monkeypatch.setattr(tomllib, "loads", lambda text: parsed.append(text) or {})
    assert read_table("images.toml", tmp_path) == {"postgres": {"class": "data"}}
    assert parsed == []  # read from the snapshot
    table.write_text('["postgres"]\nclass = "api"\n')  # the same size, another time
    os.utime(table, ns=(1, 1))
    assert read_table("images.toml", tmp_path) == {}
    assert len(parsed) == 1


def test_a_table_is_parsed_where_no_snapshot_can_be_kept(tmp_path: Path) -> None:
    (tmp_path / "pins.toml").write_text('["redis"]\nreleases = ["7.4.1"]\n')
    (tmp_path / "__pycache__").write_text("not a folder")
    for _ in range(2):
        assert read_table("pins.toml", tmp_path) == {"redis": {"releases": ["7.4.1"]}}
    assert sorted(os.listdir(tmp_path)) == ["__pycache__", "pins.toml"]  # no temporary left behind


def test_the_built_in_tables_are_their_files() -> None:
    import tomllib

    folder = Path(knowledge.__file__).parent
    for name in ("images.toml", "pins.toml"):
        assert read_table(name) == tomllib.loads((folder / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    ("tag", "numbers", "variant"),
    [
        ("10.6.4-focal", (10, 6, 4), ("ubuntu",)),
        ("11", (11,), ()),
        ("17.2-bookworm", (17, 2), ("debian",)),
        ("24.3.1.2672-alpine", (24, 3, 1, 2672), ("alpine",)),
        ("RELEASE.2023-11-01T01-57-10Z", (2023, 11, 1, 1, 57, 10), ()),
        ("RELEASE.2024-06-13T22-53-53Z-cpuv1", (2024, 6, 13, 22, 53, 53), ("cpuv1",)),
        ("v1.11.3", (1, 11, 3), ()),
        ("3.12-slim-bookworm", (3, 12), ("slim", "debian")),
        ("16-alpine3.20", (16,), ("alpine",)),
        ("16.4.0-debian-12-r3", (16, 4, 0), ("debian",)),
        ("2.10-windowsservercore-1809", (2, 10), ("windowsservercore",)),
        ("8.0-oraclelinux9", (8, 0), ("oracle",)),
        ("2025.01.0", (2025, 1, 0), ()),
        ("latest", None, ()),
        ("lts-alpine", None, ("alpine",)),
        ("noble", None, ("ubuntu",)),
        ("11.7.1-rc", None, ()),
        ("3.14.0a3-slim", None, ("slim",)),
        ("8.0-M02-alpine", None, ("alpine",)),
        ("9" * 5000, None, ()),
        # A build id after the version is one build of it (plexinc/pms-docker), no variant ...
        ("1.41.3.9314-a0bfb8370", (1, 41, 3, 9314), ()),
        ("0.14.1-abc1234-tensorrt", (0, 14, 1), ("tensorrt",)),
        ("1.2.3-b1234567", (1, 2, 3), ()),
        # ... but a word with a letter past `f`, or of letters or digits alone, or too short, is none.
        ("12.4.1-cuda12", (12, 4, 1), ("cuda12",)),
        ("3.12-bookworm", (3, 12), ("debian",)),
        ("1.2.3-deadbeef", (1, 2, 3), ("deadbeef",)),
        ("1.2.3-abc123", (1, 2, 3), ("abc123",)),
        ("1.2.3-20240101", (1, 2, 3), ()),
        ("a0bfb8370", None, ("a0bfb8370",)),
        ("1.41.3.9314-ls250-a0bfb8370", (1, 41, 3, 9314), ("ls250", "a0bfb8370")),
        # A word before the version is a variant word, unless the image's entry says otherwise.
        ("alpine-7.0-latest", None, ("alpine", "7.0")),
    ],
)
def test_tags_are_read_as_version_and_variant(tag: str, numbers: tuple[int, ...] | None, variant: tuple) -> None:
    parsed = parse_tag(tag)
    assert (parsed.numbers, parsed.variant) == (numbers, variant)


@pytest.mark.parametrize(
    ("tag", "numbers", "variant"),
    [
        ("alpine-7.0-latest", (7, 0), ("alpine",)),
        ("ubuntu-6.4.10", (6, 4, 10), ("ubuntu",)),
        ("ol-7.0.5", (7, 0, 5), ("ol",)),
        ("alpine-trunk", None, ("alpine", "trunk")),
        ("alpine-latest", None, ("alpine",)),
        ("7.0-ubuntu-latest", (7, 0), ("ubuntu",)),
        ("7.0.5-alpine", (7, 0, 5), ("alpine",)),
        ("latest", None, ()),
        ("trunk-alpine", None, ("trunk", "alpine")),
    ],
)
def test_a_leading_variant_word_is_read_after_the_version(
    tag: str, numbers: tuple[int, ...] | None, variant: tuple
) -> None:
    """Zabbix's tags put the OS first (zabbix/zabbix-docker's images_build.yml)."""
    parsed = parse_tag(tag, leading={"alpine", "ubuntu", "ol", "centos"})
    assert (parsed.text, parsed.numbers, parsed.variant) == (tag, numbers, variant)


def test_a_floating_tag_is_the_newest_release_of_its_line() -> None:
    line = parse_tag("10.6").version(release_parts=3)
    assert line is not None and line.floating
    assert VersionRange(since=Bounds.parse("10.6.7")).holds(line)
    assert not VersionRange(until=Bounds.parse("10.6.7")).holds(line)
    assert VersionRange(until=Bounds.parse("10.7")).holds(line)
    release = parse_tag("10.6.4").version(release_parts=3)
    assert release is not None and not release.floating
    assert VersionRange(until=Bounds.parse("10.6.7")).holds(release)


def test_a_bound_list_bounds_each_release_line() -> None:
    since = VersionRange(since=Bounds.parse(["10.3.34", "10.4.24", "10.5.15", "10.6.7"]))
    until = VersionRange(until=Bounds.parse(["10.3.34", "10.4.24", "10.5.15", "10.6.7"]))
    cases = {"10.2.44": False, "10.3.33": False, "10.3.34": True, "10.5.14": False, "10.6.7": True, "10.11.2": True}
    for text, reached in cases.items():
        version = parse_version(text)
        assert (since.holds(version), until.holds(version)) == (reached, not reached), text
    assert since.holds(Version((10,), floating=True))  # `mariadb:10` is 10.11.x
    assert since.holds(Version((11, 4, 2)))


def test_a_version_after_the_table_is_told() -> None:
    checked = parse_version("11.6.2")
    assert not after(Version((11,), floating=True), checked)
    assert after(parse_version("11.7.1"), checked)
    assert after(Version((12,), floating=True), checked)
    assert not after(parse_version("10.6.4"), checked)


def _fact(image: str, tool: str) -> Fact[bool] | None:
    reference = parse_reference(image)
    assert reference is not None
    facts = builtin().facts_for(reference)
    assert facts is not None
    return facts.for_tag(reference.tag).tool(tool)


def _tool(image: str, tool: str) -> bool | None:
    fact = _fact(image, tool)
    return None if fact is None else fact.value


@pytest.mark.parametrize(
    ("image", "tool", "ships"),
    [
        ("clickhouse/clickhouse-server:23.8", "wget", True),
        ("clickhouse/clickhouse-server:23.8", "curl", False),
        ("clickhouse/clickhouse-server:24.3.1.2672-alpine", "wget", True),
        ("clickhouse/clickhouse-server:24.3.1.2672-alpine", "curl", False),
        ("clickhouse:24.10-focal", "curl", False),
        ("clickhouse/clickhouse-server:18.14", "curl", None),
        ("mariadb:10.6.4-focal", "healthcheck.sh", False),
        ("mariadb:10.6.4-focal", "mysqladmin", True),
        ("mariadb:10.6.7", "healthcheck.sh", True),
        ("mariadb:10.6.6", "healthcheck.sh", False),
        ("mariadb:10.3", "healthcheck.sh", True),
        ("mariadb:10.1", "healthcheck.sh", False),
        ("mariadb:11", "mysqladmin", False),
        ("mariadb:10", "mysqladmin", True),
        ("mariadb:11.4-ubi", "mysqladmin", None),
        ("python:3.12-slim", "python", True),
        ("python:3.10-slim-bullseye", "python", True),
        ("python:3.12-slim", "curl", False),
        ("python:3.12-alpine3.20", "wget", True),
        ("node:20-slim", "curl", False),
        ("node:12-slim", "curl", None),
        ("minio/minio:RELEASE.2023-10-25T06-33-25Z", "curl", True),
        ("minio/minio:RELEASE.2024-01-16T16-07-38Z", "curl", False),
        ("minio/minio:RELEASE.2024-06-13T22-53-53Z", "curl", None),
        ("quay.io/minio/minio:RELEASE.2024-12-18T13-15-44Z", "curl", True),
        ("nats:2.10", "sh", False),
        ("nats:2.10-scratch", "sh", False),
        ("nats:2.10-alpine", "wget", True),
        ("nginx:1.27-alpine-perl", "curl", True),
        ("nginx:1.27-alpine-slim", "curl", False),
        ("rabbitmq:3.13-management", "curl", False),
        ("rabbitmq:3.13", "nc", None),
        ("grafana/loki:3.1.1", "wget", True),
        ("grafana/loki:3.4.2", "wget", True),
        ("grafana/loki:3.6.2", "sh", False),
        ("grafana/promtail:3.0.0", "wget", False),
        ("grafana/promtail:3.2.1", "wget", True),
        ("grafana/promtail:3.2.2", "wget", False),
        ("grafana/promtail:3.3.0", "wget", True),
        ("grafana/promtail:3.3.1", "wget", False),
        ("grafana/tempo:2.9.2", "wget", True),
        ("grafana/tempo:2.9.3", "wget", False),
        ("grafana/tempo:2.10.1", "wget", False),
        ("prom/node-exporter:v1.8.2", "wget", True),
        ("prom/node-exporter:v1.11.0-distroless", "wget", False),
        ("jaegertracing/all-in-one:1.20.0", "sh", False),
        ("chromadb/chroma:0.6.3", "curl", True),
        ("chromadb/chroma:1.0.0", "curl", False),
        ("caddy:2.8-alpine", "curl", False),
        ("caddy:2.10.0", "curl", None),
        ("caddy:2.11.1", "curl", True),
        ("traefik:v1.7", "sh", False),
        ("traefik:v1.7-alpine", "wget", True),
        ("traefik:v3.1", "curl", False),
        ("apache/tika:2.9.2.1-full", "wget", True),
        ("apache/tika:2.9.2.1", "wget", False),
        ("portainer/portainer-ce:2.21.4-alpine", "wget", True),
        ("portainer/portainer-ce:2.21.4", "wget", None),
        ("quay.io/keycloak/keycloak:20.0.5", "curl", True),
        ("quay.io/keycloak/keycloak:21.0", "curl", False),
        ("quay.io/keycloak/keycloak:26.0.5", "bash", True),
        ("quay.io/keycloak/keycloak:17.0.1-legacy", "curl", None),  # the WildFly image
        ("gotenberg/gotenberg:8.29.1", "curl", True),
        ("gotenberg/gotenberg:8.30.0", "curl", False),
        ("gotenberg/gotenberg:8.30.1", "curl", True),
        ("gotenberg/gotenberg:8.36.0-cloudrun", "curl", None),  # a variant that was not read
        ("influxdb:1.8", "wget", True),  # buildpack-deps' curl variant
        ("influxdb:1.8-alpine", "curl", False),
        ("influxdb:2.1-alpine", "curl", False),
        ("influxdb:2.4-alpine", "curl", None),  # a rebuild of the release added it
        ("influxdb:2.7-alpine", "curl", True),
        ("influxdb:2.7", "wget", False),
        ("influxdb:3-core", "curl", None),  # InfluxDB 3: another server, not read
        ("adminer:4.8.1", "curl", True),
        ("adminer:5-standalone", "curl", True),
        ("adminer:4.8.1-fastcgi", "curl", None),  # php-fpm's image: not read
        ("ghost:5.96.0", "curl", False),  # node slim purges it
        ("ghost:5-alpine", "wget", True),
        ("haproxy:2.8.5", "wget", False),  # purged with the build dependencies
        ("haproxy:2.8-alpine", "wget", True),
        ("wordpress:6.5-php8.2-apache", "curl", True),  # php's persistent dependencies
        ("wordpress:6-fpm-alpine", "curl", True),
        ("nextcloud:29-fpm-alpine", "curl", True),
        ("zookeeper:3.9.2-jre-17", "nc", True),
        ("eclipse-mosquitto:2.0-openssl", "curl", False),
        ("jenkins/jenkins:2.479.3-lts-jdk17", "curl", True),
        ("timescale/timescaledb:2.17.2-pg17", "curl", False),
        ("pgvector/pgvector:0.8.0-pg17", "pg_isready", True),
        ("sonarqube:9.9.8-community", "curl", False),  # removed after the download until 10.3
        ("sonarqube:10.2.1-community", "curl", False),
        ("sonarqube:10.3.0-community", "curl", True),
        ("sonarqube:2025.1-developer", "curl", None),  # the commercial editions were not read
        ("nodered/node-red:4.0.9-22-minimal", "curl", True),
        ("localstack/localstack:3.8", "curl", True),
        ("vault:1.13.3", "curl", False),  # removed to limit the image's surface (docker-vault#168)
        ("hashicorp/vault:1.12.1", "wget", True),  # built from the official image's files
        ("consul:1.15.4", "curl", True),
        ("hashicorp/consul:1.10.0", "curl", True),
        ("cassandra:5.0.8", "wget", False),  # purged after the download, on Debian since 2026-01
        ("cassandra:4.1.10", "curl", None),  # FROM eclipse-temurin's Ubuntu JRE then: not read
        ("cassandra:4.1.11", "python3", True),
        ("couchdb:3.3.3", "curl", True),  # the couchdb package depends on it again
        ("couchdb:3.5.0-nouveau", "curl", None),  # the Nouveau server's Dockerfile: not read
        ("mongo-express:1.0.2-20-alpine3.19", "curl", False),
        ("mongo-express:1.0.2-18-alpine3.18", "wget", True),
        ("redis/redis-stack:7.2.0-v10", "redis-cli", True),  # linked into /usr/bin by the package
        ("redis/redis-stack-server:6.2.6-v9", "redis-cli", True),
        ("chrislusf/seaweedfs:3.80", "curl", False),  # added in 4.03
        ("chrislusf/seaweedfs:4.03", "curl", True),
        ("chrislusf/seaweedfs:4.05_large_disk", "curl", True),
        ("chrislusf/seaweedfs:3.80_large_disk_rocksdb", "curl", None),  # another Dockerfile
        ("opensearchproject/opensearch:2.11.0", "curl", True),  # Amazon Linux 2023's curl-minimal
        ("opensearchproject/opensearch:2.9.0", "curl", None),  # Amazon Linux 2: the base decides, not read
        ("public.ecr.aws/opensearchproject/opensearch-dashboards:2.17.1", "curl", True),
        ("confluentinc/cp-kafka:7.5.0", "curl", True),
        ("confluentinc/cp-kafka:7.2.1", "curl", None),  # cp-base-new installs it from 7.2.2
        ("confluentinc/cp-kafka:7.2.2", "curl", True),
        ("confluentinc/cp-kafka:7.4.0-1-ubi8", "wget", True),
        ("confluentinc/cp-kafka:8.0.0", "curl", None),  # the UBI 9 cp-base-new installs none
        ("confluentinc/cp-kafka:8.1.0", "wget", None),  # cp-base-java: not installed, not known absent
        ("confluentinc/cp-kafka:8.1.0", "kafka-topics", True),
        ("confluentinc/cp-kafka-connect:7.6.1", "python3", True),
        ("confluentinc/cp-zookeeper:7.3.0", "curl", True),
        ("confluentinc/cp-schema-registry:7.5.0", "curl", True),
        ("apache/kafka:3.7.0", "curl", False),
        ("apache/kafka:3.7.0", "wget", None),  # GNU wget deleted; busybox's link not read
        ("bitnami/kafka:3.6.1-debian-12-r12", "curl", True),
        ("temporalio/auto-setup:1.22.4", "curl", True),
        ("temporalio/ui:2.49.1", "curl", True),
        ("temporalio/ui:2.50.0", "curl", False),  # removed from the runtime image (temporalio/ui#3409)
        ("temporalio/ui:2.50.0", "wget", True),
        ("homeassistant/home-assistant:2024.12", "curl", True),
        ("ghcr.io/home-assistant/home-assistant:2025.1.4", "python3", True),
        ("mcr.microsoft.com/azure-storage/azurite:3.33.0", "curl", False),  # node's Alpine image deletes it
        ("mcr.microsoft.com/azure-storage/azurite:3.4.0", "wget", True),
        ("quay.io/coreos/etcd:v3.5.6", "curl", None),  # Debian bullseye until v3.5.7: not read
        ("quay.io/coreos/etcd:v3.5.7", "sh", False),  # distroless static from v3.5.7 and v3.4.24
        ("gcr.io/etcd-development/etcd:v3.4.23", "curl", False),  # distroless base with busybox's sh
        ("gcr.io/etcd-development/etcd:v3.4.23", "sh", None),
        ("quay.io/coreos/etcd:v3.4.24", "sh", False),
        ("quay.io/coreos/etcd:v3.3.27", "sh", None),
        ("quay.io/coreos/etcd:v3.6.4", "etcdctl", True),
        ("quay.io/coreos/etcd:v3.4.30", "etcdutl", None),  # added in v3.5.0
        ("mailserver/docker-mailserver:13.3.1", "curl", True),
        ("ghcr.io/docker-mailserver/docker-mailserver:15", "ss", True),
        ("weblate/weblate:5.8.4.1", "curl", True),  # weblate/base installs it
        ("weblate/weblate:4.14.2-1", "curl", True),
        ("temporalio/server:1.24.2", "curl", True),
        ("certbot/certbot:v2.11.0", "curl", False),
        ("nginxproxy/nginx-proxy:1.6", "curl", True),  # the official nginx image's
        ("nginxproxy/nginx-proxy:1.6-alpine", "wget", True),
        ("jwilder/nginx-proxy:0.7.0", "curl", None),  # FROM nginx 1.13, before nginx added curl
        ("nginxproxy/nginx-proxy:1.11-dockergen", "curl", None),  # docker-gen alone: not read
        ("jrcs/letsencrypt-nginx-proxy-companion:v1.13.1", "curl", True),
        ("traefik/whoami:v1.10.1", "wget", False),  # FROM scratch
        ("ghcr.io/mccutchen/go-httpbin:2.18.0", "sh", False),  # distroless
        ("pypiserver/pypiserver:v2.3.2", "curl", False),
        ("pypiserver/pypiserver:v1.4.1", "bash", None),  # `apk add bash` since v1.4.2
        ("debian:bookworm-slim", "curl", False),  # minbase, every suite
        ("debian:12", "bash", True),
        ("debian:bullseye", "wget", False),
        ("debian:sid-slim", "python3", False),
        ("ubuntu:22.04", "curl", False),
        ("ubuntu:20.04", "bash", True),
        ("ubuntu:14.04", "python3", None),  # trusty shipped python3 and netcat
        ("alpine:3.20", "wget", True),  # busybox's
        ("alpine:3.6", "nc", True),
        ("alpine:3.19", "curl", False),
        ("alpine:3.5", "wget", None),  # older than the branches read
        ("busybox:1.36.1-uclibc", "wget", True),
        ("busybox:1.36-musl", "curl", False),
        ("busybox:1.37-glibc", "sh", True),
        ("busybox:1.21", "wget", None),  # before the builder of 1.24.1
        ("zabbix/zabbix-agent2:alpine-7.0-latest", "curl", False),
        ("zabbix/zabbix-agent2:alpine-7.0-latest", "wget", True),
        ("zabbix/zabbix-server-pgsql:7.0.5-alpine", "bash", True),
        ("zabbix/zabbix-proxy-sqlite3:alpine-6.0.30", "curl", False),
        ("zabbix/zabbix-web-nginx-pgsql:alpine-6.4.10", "curl", True),
        ("zabbix/zabbix-web-nginx-pgsql:ubuntu-6.4.10", "curl", True),
        ("zabbix/zabbix-web-apache-mysql:ol-7.0.5", "curl", True),
        ("zabbix/zabbix-agent:ubuntu-7.0.5", "curl", None),  # the Ubuntu base of 7.0 (noble) was not read
        ("zabbix/zabbix-server-pgsql:alpine-5.2.7", "curl", None),  # its Dockerfiles were elsewhere
        ("zabbix/zabbix-web-service:alpine-5.4.4", "wget", None),
        ("lscr.io/linuxserver/nextcloud:latest", "curl", True),  # every linuxserver base installs it
        ("lscr.io/linuxserver/nextcloud:29.0.4-ls345", "wget", True),  # always on Alpine: busybox's
        ("ghcr.io/linuxserver/bookstack:version-v24.10", "curl", True),
        ("linuxserver/plex:1.41.0.8992-9ea4e6cbe-ls250", "curl", True),
        ("linuxserver/plex:latest", "wget", None),  # Ubuntu's base installs none
        ("lscr.io/linuxserver/radarr:5.14.0", "wget", None),  # earlier tags were built on Ubuntu
        ("lscr.io/linuxserver/snapdrop:version-b8b78cc2", "curl", None),  # a commit names no version
    ],
)
def test_facts_hold_for_the_tag_in_use(image: str, tool: str, ships: bool | None) -> None:
    assert _tool(image, tool) is ships


def test_a_base_image_tag_without_a_release_read_is_a_guess() -> None:
    """The tags of base images float: `latest`, a codename, a release after those read."""
    for image in ("alpine:latest", "alpine:3.21", "alpine:edge", "ubuntu:jammy", "ubuntu:24.04", "busybox:musl"):
        fact = _fact(image, "curl")
        assert fact is not None and not fact.value and fact.guess is not None, image
    for image in (
        "zabbix/zabbix-agent:latest",
        "zabbix/zabbix-agent:alpine-trunk",
        "zabbix/zabbix-agent:alpine-7.2-latest",
    ):
        fact = _fact(image, "wget")
        assert fact is not None and fact.value and fact.guess is not None, image


def test_a_tag_without_a_version_is_assumed_to_be_the_newest_release_and_says_so() -> None:
    facts = builtin().images["mariadb"]
    for tag in (None, "latest", "lts", "12.1.1"):
        fact = facts.for_tag(tag).tool("mysqladmin")
        assert fact is not None and not fact.value and fact.guess is not None
    known = facts.for_tag("11.4.2").tool("mysqladmin")
    assert known is not None and known.known
    assert "mariadb:lts" in (facts.for_tag("lts").guess or "")


def test_what_a_build_adds_is_there_and_what_it_names_may_be() -> None:
    facts = builtin().images["python"].for_tag("3.12-slim")
    built = facts.with_build(
        BuiltTools(
            installed={"curl": "Dockerfile:2: RUN apt-get install -y curl"},
            removed={"bash": "Dockerfile:3: RUN apt-get purge -y bash"},
            mentioned=frozenset({"curl", "wget", "bash"}),
        )
    )
    curl, wget, bash = built.tool("curl"), built.tool("wget"), built.tool("bash")
    assert curl is not None and curl.value and curl.known and curl.source == "Dockerfile:2: RUN apt-get install -y curl"
    assert wget is None  # absent from the base, but a COPY or script may bring it
    assert bash is not None and not bash.value and bash.source == "Dockerfile:3: RUN apt-get purge -y bash"


def test_standard_probes_follow_the_release() -> None:
    mariadb = builtin().images["mariadb"]
    tests = {tag: mariadb.for_tag(tag).standard_probe(None) for tag in ("10.3.27", "10.6.4-focal", "10.11", "11")}
    assert {tag: choice.probe.test[1] for tag, choice in tests.items() if choice} == {
        "10.3.27": "mysqladmin",
        "10.6.4-focal": "mariadb-admin",
        "10.11": "healthcheck.sh",
        "11": "healthcheck.sh",
    }
    assert builtin().images["elasticsearch"].for_tag("8.11.1").standard_probe(None) is None


@pytest.mark.parametrize(
    ("image", "tag", "program"),
    [
        ("grafana/loki", "3.5.0", "wget"),
        ("grafana/loki", "3.6.4", None),  # distroless, and `loki -health` comes in 3.6.5
        ("grafana/loki", "3.6.5", "/usr/bin/loki"),
        ("grafana/tempo", "2.7.0", None),  # the HTTP port is 80 before 2.8.0
        ("grafana/tempo", "2.8.1", "wget"),
        ("grafana/tempo", "3.0.0", "/tempo"),
        ("gcr.io/cadvisor/cadvisor", "v0.55.1", "wget"),
        ("gcr.io/cadvisor/cadvisor", "v0.56.0", "healthcheck.sh"),
        ("pihole/pihole", "2025.02.0", "CMD-SHELL"),
        ("kong", "2.3.3", None),
        ("kong", "2.4.0", "kong"),
        ("axllent/mailpit", "v1.15.0", None),  # no `mailpit readyz` yet
        ("axllent/mailpit", "v1.15.1", "/mailpit"),
        ("influxdb", "1.8.10", None),  # the 2.x probe: /health on 8086
        ("influxdb", "2.1.1-alpine", None),  # no curl
        ("influxdb", "2.7.12", "curl"),
        ("influxdb", "3.11.1-core", None),
    ],
)
def test_a_new_release_may_change_the_probe(image: str, tag: str, program: str | None) -> None:
    choice = builtin().images[image].for_tag(tag).standard_probe(None)
    if program is None:
        assert choice is None
    else:
        assert choice is not None and not choice.guesses
        kind, first = choice.probe.test[:2]
        assert (first if kind == "CMD" else kind) == program


@pytest.mark.parametrize(
    ("image", "tag", "instruction"),
    [
        ("kong", "2.4.1", None),  # the 2.4 tags' Dockerfiles declare none
        ("kong", "2.5.0", "kong health"),
        ("kong", "2.8.5", "--interval=60s"),  # the 2.8.4 and 2.8.5 tags only
        ("kong", "2.8", "--interval=60s"),
        ("kong", "2.8.1-alpine", "--interval=10s"),
        ("kong", "3.0.1-alpine", None),  # no alpine/Dockerfile after 3.0.0
        ("jellyfin/jellyfin", "10.10.3", "--noproxy 'localhost'"),
        ("bitwardenrs/server", "1.17.0", "/healthcheck.sh"),
        ("gitlab/gitlab-ce", "17.5.1-ce.0", "--retries=5"),
        ("gcr.io/cadvisor/cadvisor", "v0.32.0", None),
        ("gcr.io/cadvisor/cadvisor", "v0.33.0", "curl -f"),
        ("gcr.io/cadvisor/cadvisor", "v0.49.1", "wget --quiet"),
        ("gcr.io/cadvisor/cadvisor", "v0.56.2", "healthcheck.sh"),
        ("vaultwarden/server", "1.32.0-alpine", "/healthcheck.sh"),
        ("pihole/pihole", "2025.02.0", "dig +short"),
        ("pihole/pihole", "2025.04.0", "dig -p"),
        ("axllent/mailpit", "v1.15.0", None),  # `mailpit readyz` comes in v1.15.1
        ("axllent/mailpit", "v1.21", "--interval=15s CMD /mailpit readyz"),
        ("axllent/mailpit", "v1.30.5", '--start-interval=1s CMD ["/mailpit", "readyz"]'),
        ("postgres", "16", None),
        ("syncthing/syncthing", "1.6.1", None),  # v1.6.0 removed it, v1.7.0 put it back
        ("syncthing/syncthing", "1.7.0", "nc -z 127.0.0.1"),
        ("ghcr.io/blakeblackshear/frigate", "0.15.2-tensorrt", "--start-period=600s"),
        ("ghcr.io/blakeblackshear/frigate", "0.16.0-tensorrt", "--start-period=300s"),
        ("ghcr.io/blakeblackshear/frigate", "0.16.0-tensorrt-jp6", None),  # the Jetson images were not read
        ("itzg/minecraft-server", "2024.10.2-java17-alpine", "--start-period=2m"),
        ("sissbruecker/linkding", "1.22.3-alpine", None),  # the first Alpine image is v1.23.0
        ("plexinc/pms-docker", "1.41.3.9314-a0bfb8370", "--interval=5s --timeout=2s --retries=20"),
        ("plexinc/pms-docker", "public", "--retries=20"),
        ("plexinc/pms-docker", "latest", "--retries=20"),
        ("plexinc/pms-docker", "1.41.3.9314-a0bfb8370-ls250", None),  # a variant no fact names
        ("localstack/localstack", "0.14.3", None),  # the first is 0.14.4's
        ("localstack/localstack", "3.8.1", "--retries=5 --timeout=5s CMD .venv/bin/localstack"),
        ("localstack/localstack", "4.3.0", "--timeout=10s CMD /opt/code/localstack"),
        ("nodered/node-red", "4.0.9-22", "HEALTHCHECK CMD node /healthcheck.js"),
        ("nodered/node-red", "3.1.0-debian", "HEALTHCHECK CMD node /healthcheck.js"),
        ("haproxy", "2.8", None),
        ("confluentinc/cp-kafka-connect", "7.5.0", "--start-period=120s --interval=5s --timeout=10s --retries=96"),
        ("confluentinc/cp-kafka-connect-base", "8.0.0-ubi9", "CMD /etc/confluent/docker/healthcheck.sh"),
        ("confluentinc/cp-kafka", "7.5.0", None),  # the broker's image declares none
        ("weblate/weblate", "4.2.1-2", None),  # the first is 4.2.2-2's
        ("weblate/weblate", "4.3.1-1", "--interval=5m --timeout=3s CMD /app/bin/health_check"),
        ("weblate/weblate", "4.16.4-2", "--interval=30s --timeout=3s CMD /app/bin/health_check"),
        ("weblate/weblate", "5.8.4.1", "--interval=30s --timeout=3s --start-period=5m"),
        ("weblate/weblate", "2026.8", '--start-period=5m CMD ["/app/bin/health_check"]'),
        ("ghcr.io/docker-mailserver/docker-mailserver", "15.1.0", None),  # dms-healthcheck is unreleased
        ("ghcr.io/immich-app/postgres", "14-vectorchord0.3.0-pgvectors0.2.0", "--start-period=5m"),
        ("ghcr.io/immich-app/postgres", "16-vectorchord0.4.3-pgvector0.8.0", "--start-period=5m"),
    ],
)
def test_an_image_that_declares_its_own_healthcheck(image: str, tag: str, instruction: str | None) -> None:
    """Read in the image's own Dockerfile for the release: HF106 leaves such a service alone."""
    own = builtin().images[image].for_tag(tag).own_healthcheck()
    assert (own is None) == (instruction is None)
    if own is not None:
        assert own.value.startswith("HEALTHCHECK") and instruction in own.value and own.guess is None


def test_an_own_healthcheck_of_a_tag_without_a_version_is_assumed() -> None:
    own = builtin().images["kong"].for_tag("latest").own_healthcheck()
    assert own is not None and own.guess == "`kong:latest` names no version: assumed to be 3.9.3, the newest one known"


def test_a_probe_needing_an_option_waits_for_the_command_to_set_it() -> None:
    nats = builtin().images["nats"].for_tag("2.10-alpine")
    assert not nats.standard_probe(None).unmet  # the image's own command loads monitor_port: 8222
    assert nats.standard_probe(["-js", "-m", "8222"]).unmet == ()
    assert nats.standard_probe(["nats-server", "--http_port=8222", "-js"]).unmet == ()
    assert nats.standard_probe(["-js"]).unmet
    assert nats.standard_probe(["-js", "-m", "8223"]).unmet
    assert nats.standard_probe(["-js", "-http_port", "8222"]).unmet == ()  # Go: one dash or two
    assert nats.standard_probe(["-js", "--m=8222"]).unmet == ()
    assert nats.standard_probe(["-js", "-m", "8222", "-http_port", "8080"]).unmet  # the last one wins
    assert nats.standard_probe(["-js", "--config=/etc/nats.conf"]).unmet
    assert builtin().images["nats"].for_tag("2.10").standard_probe(None) is None  # scratch: no wget


def test_a_command_option_is_read_as_the_server_reads_it() -> None:
    monitoring = CommandOption(("-m", "--http_port"), "8222", True, ("-c",), "why")
    assert monitoring.set_in(None) is True
    assert monitoring.set_in(["-js", "-m", "8222"]) is True
    assert monitoring.set_in(["--http_port=8222"]) is True
    assert monitoring.set_in(["-m"]) is False
    assert monitoring.set_in(["-c", "/etc/nats.conf"]) is None
    assert monitoring.set_in(["-m", "8222", "-m", "8080"]) is False  # the last one wins
    assert monitoring.set_in(["-m", "8080", "-m", "8222"]) is True
    assert monitoring.set_in(["-http_port", "8222"]) is False  # not a Go program's: one dash is another option
    go = CommandOption(("-m", "-http_port"), "8222", True, ("-c", "-config"), "why", go_flags=True)
    assert go.set_in(["-http_port", "8222"]) is True
    assert go.set_in(["--http_port=8222"]) is True
    assert go.set_in(["--m", "8222"]) is True
    assert go.set_in(["-m", "8222", "--http_port=8080"]) is False
    assert go.set_in(["-config=/etc/nats.conf"]) is None
    assert go.set_in(["--c", "/etc/nats.conf"]) is None


@pytest.mark.parametrize(
    ("image", "entrypoint", "command", "runs"),
    [
        ("postgres:16", None, None, True),
        ("postgres:16", None, ["postgres", "-c", "fsync=off"], True),
        ("postgres:16", None, ["-c", "fsync=off"], True),  # the entrypoint prepends `postgres`
        ("postgres:16", None, ["/usr/lib/postgresql/16/bin/postgres"], True),
        ("postgres:16", None, ["psql", "-h", "db"], False),
        ("postgres:16", ["-c"], None, None),  # an entrypoint of its own passes nothing on
        ("postgres:16", ["docker-entrypoint.sh"], ["postgres"], True),  # the image's, named again
        ("postgres:16", ["docker-entrypoint.sh"], ["-c", "fsync=off"], True),
        ("postgres:16", ["docker-entrypoint.sh"], ["psql"], False),
        ("postgres:16", ["tini", "--", "/usr/local/bin/docker-entrypoint.sh"], ["postgres"], True),
        ("postgres:16", None, ["gosu", "postgres", "postgres", "-c", "fsync=off"], True),
        ("postgres:16", None, ["env", "TZ=UTC", "postgres"], True),
        ("postgres:16", None, ["/wait-for-it.sh", "postgres"], None),  # a script of its own
        ("postgres:16", None, ["pg_dump", "-h", "db"], None),  # not known to ship it
        ("redis:7.4.1", ["./entrypoint.sh"], None, None),  # a script of the project's, not the image's
        ("postgres:16", ["sh", "-c"], ["exec postgres -c fsync=off"], True),
        ("postgres:16", ["sh", "-c"], ["pg_dump -h db app > /backup/app.sql"], None),
        ("postgres:16", ["/bin/bash", "/scripts/start.sh"], None, None),  # a script file: not read
        ("redis:7.4.1", None, ["/usr/local/etc/redis/redis.conf"], True),
        ("redis:7.4.1", None, ["sh", "-euc", 'docker-entrypoint.sh --requirepass "$$PASSWORD"'], True),
        ("redis:7.4.1", None, ["redis-cli", "monitor"], False),
        ("clickhouse/clickhouse-server:25.4.4.25", None, ["--listen_host=0.0.0.0"], True),
        ("clickhouse/clickhouse-server:25.4.4.25", None, ["-h"], None),  # only `--` is passed on
        ("minio/minio:RELEASE.2024-12-18T13-15-44Z", None, ["server", "/data"], True),
        ("rabbitmq:4.0.5", None, ["--help"], None),  # its entrypoint passes no option on
        ("ollama/ollama:0.5.4", None, ["serve"], None),  # not known how the image starts its server
        ("ollama/ollama:0.5.4", None, ["--verbose"], True),  # an option, to what the image runs
    ],
)
def test_whether_a_command_runs_the_images_server(image: str, entrypoint, command, runs: bool | None) -> None:
    repository, tag = image.split(":")
    assert builtin().images[repository].for_tag(tag).runs_server(entrypoint, command) is runs


def test_a_projects_image_ships_only_what_it_lists() -> None:
    facts = project_image("example/api", {"tools": ["sh", "curl"], "variants": {"slim": ["sh"]}})
    wget = facts.for_tag("1.4").tool("wget")
    assert wget is not None and not wget.value and wget.known
    slim_curl = facts.for_tag("1.4-slim-bookworm").tool("curl")
    assert slim_curl is not None and not slim_curl.value


def _sample_versions(image) -> list[Version]:
    bounds = [
        bound
        for entry in image.tools
        for edge in (entry.versions.since, entry.versions.until)
        if edge is not None
        for bound in edge.versions
    ]
    return [*bounds, *([image.checked] if image.checked else [])]


@pytest.mark.parametrize("repository", sorted(builtin().images))
def test_the_built_in_facts_never_contradict_themselves(repository: str) -> None:
    image = builtin().images[repository]
    assert image.source and all(entry.source for entry in image.tools)
    variants = {entry.variant for entry in image.tools}
    for version, variant in itertools.product(_sample_versions(image), variants):
        holding = [e for e in image.tools if e.variant == variant and e.versions.holds(version)]
        shipped = set().union(*(e.ships for e in holding))
        lacking = set().union(*(e.lacks for e in holding))
        assert not shipped & lacking, (repository, str(version), variant)
    if image.checked is not None:
        assert all(not after(version, image.checked) for version in _sample_versions(image)), repository
    shipped_anywhere = set().union(*(entry.ships for entry in image.tools))
    for probe in image.probes:
        assert set(probe.tools) <= shipped_anywhere, (repository, probe.test)


@pytest.mark.parametrize("repository", sorted(builtin().pins))
def test_built_in_pins_are_dated_releases_of_the_default_variant(repository: str) -> None:
    pin = builtin().pins[repository]
    assert pin.date and pin.source
    for tag in pin.releases:
        parsed = parse_tag(tag)
        assert parsed.numbers is not None and parsed.variant == (), tag
    reference = parse_reference(repository)
    assert reference is not None and builtin().facts_for(reference) is not None


@pytest.mark.parametrize(
    ("image", "as_on_docker_hub"),
    [
        ("public.ecr.aws/docker/library/redis:7.4.1", "redis"),
        ("mirror.gcr.io/library/postgres:17", "postgres"),
        ("registry.example:5000/grafana/loki:3.6.5", "grafana/loki"),
        ("ghcr.io/library/unknown:1", None),
    ],
)
def test_a_mirror_of_a_docker_hub_image_has_its_facts_as_a_guess(image: str, as_on_docker_hub: str | None) -> None:
    reference = parse_reference(image)
    assert reference is not None
    facts = builtin().facts_for(reference)
    assert (facts.repository if facts is not None else None) == as_on_docker_hub
    doubt = builtin().taken_from_elsewhere(reference)
    assert doubt == (
        as_on_docker_hub
        and f"`{image.rsplit(':', 1)[0]}` is taken to be `{as_on_docker_hub}` as Docker Hub has it (a mirror)"
    )


def _evidence(*texts: str, volumes: tuple[str, ...] = ()) -> Evidence:
    evidence = Evidence()
    pin = builtin().pins["postgres"]
    for text in texts:
        evidence.read(pin, text)
    for text in volumes:
        evidence.read(pin, text, volume=True)
    return evidence


@pytest.mark.parametrize(
    ("texts", "volumes", "tag"),
    [
        ((), (), "17.2"),
        (("apt-get update && apt-get install -y postgresql-16-pgvector",), (), "16.6"),
        (("dpkg -i /tmp/extension.deb",), (), "17.2"),
        (("COPY lib/ /usr/lib/postgresql/13/lib/",), (), "13.18"),
        (("ENV PG_MAJOR 14",), (), "14.15"),
        (("apt-get install -y postgresql-$PG_MAJOR-postgis-3",), (), "17.2"),
        ((), ("pgdata15:/var/lib/postgresql/data",), "15.10"),
        (("apk add --no-cache postgresql16-contrib",), (), None),
        (("yum install -y pgvector",), (), None),
        (("apt-get install -y postgresql-server-dev-11",), (), None),
        (("apt-get install -y postgresql-15-cron postgresql-16-cron",), (), None),
        (("ENV PG_MAJOR=16",), ("pg14:/var/lib/postgresql/data",), None),
    ],
)
def test_a_pin_keeps_the_distribution_and_release_line_the_files_need(
    texts: tuple[str, ...], volumes: tuple[str, ...], tag: str | None
) -> None:
    choice = choose_pin(builtin().pins["postgres"], "debian", _evidence(*texts, volumes=volumes), data_store=True)
    assert choice.tag == tag, choice.explanation
    if tag is not None:
        assert "pin table of 2024-12: check the current release" in choice.explanation
        assert "a data store pinned below the major that created its volume will not start" in choice.explanation


def test_a_pin_for_an_image_built_on_alpine_accepts_apk_only() -> None:
    pin = builtin().pins["postgres"]
    assert choose_pin(pin, "alpine", _evidence("apk add curl"), data_store=False).tag == "17.2"
    refused = choose_pin(pin, "alpine", _evidence("apt-get install curl"), data_store=False)
    assert refused.tag is None and "Debian or Ubuntu" in refused.explanation
    unknown = choose_pin(pin, None, _evidence("apt-get install curl"), data_store=False)
    assert unknown.tag is None


@pytest.mark.parametrize(
    ("image", "command", "environment", "moved"),
    [
        ("postgres", ["postgres", "-p", "5433"], [], "-p"),
        ("postgres", ["-c", "port=5434"], [], "port"),
        ("postgres", ["postgres", "-c", "max_connections=200"], ["PGPORT"], None),  # pg_isready reads it too
        ("postgres", [], ["port"], None),  # `-c port=5433`, no variable
        ("redis", ["redis-server", "--port=6380"], [], "--port"),
        ("redis", ["redis-server", "--sentinel", "--sentinel", "monitor", "m", "db", "6379", "2"], [], "--sentinel"),
        ("valkey/valkey", ["valkey-server", "--sentinel"], [], "--sentinel"),  # 26379, as Redis's
        ("redis", ["redis-server", "--save", "60", "1", "--loglevel", "warning"], [], None),
        ("getmeili/meilisearch", [], ["MEILI_HTTP_ADDR"], "MEILI_HTTP_ADDR"),
        ("mariadb", ["--port", "3307"], ["MYSQL_TCP_PORT"], "--port"),
        (
            "prom/prometheus",
            ["--config.file=/etc/p.yml", "--web.external-url=http://x/prometheus/"],
            [],
            "--web.external-url",
        ),
        ("prom/prometheus", ["--config.file=/etc/p.yml", "--storage.tsdb.retention.time=15d"], [], None),
        ("mariadb", ["--skip-networking"], [], "--skip-networking"),  # healthcheck.sh --connect needs TCP
        ("bitnami/postgresql", [], ["POSTGRESQL_PORT_NUMBER"], "POSTGRESQL_PORT_NUMBER"),
        ("grafana/grafana", [], ["GF_SERVER_PROTOCOL"], "GF_SERVER_PROTOCOL"),
        ("grafana/grafana", [], ["GF_SECURITY_ADMIN_PASSWORD"], None),
        ("neo4j", [], ["NEO4J_server_http_enabled"], "NEO4J_server_http_enabled"),
        ("prom/alertmanager", ["--config.file=/etc/a.yml", "--web.route-prefix=/am"], [], "--web.route-prefix"),
        ("grafana/tempo", ["-config.file", "/etc/tempo.yaml"], [], "-config.file=/etc/tempo.yaml"),
        ("grafana/loki", ["-config.file=/etc/loki/local-config.yaml"], [], None),  # the image's own file
        ("grafana/loki", ["--config.file=/mnt/loki.yaml"], [], "--config.file=/mnt/loki.yaml"),
        ("grafana/loki", ["-server.http-listen-port=3101"], [], "-server.http-listen-port"),
        ("axllent/mailpit", ["--smtp-auth-accept-any"], ["MP_UI_BIND_ADDR"], None),  # `readyz` reads it too
        ("axllent/mailpit", ["--listen", "0.0.0.0:8080"], [], "--listen"),
        ("gotenberg/gotenberg", ["gotenberg", "--api-timeout=60s"], ["API_PORT"], "API_PORT"),
        ("gotenberg/gotenberg", ["gotenberg", "--api-root-path=/pdf/"], [], "--api-root-path"),
        ("influxdb", ["--reporting-disabled"], ["INFLUXD_HTTP_BIND_ADDRESS"], "INFLUXD_HTTP_BIND_ADDRESS"),
        ("influxdb", ["influxd", "--http-bind-address=:8087"], [], "--http-bind-address"),
        ("influxdb", [], ["DOCKER_INFLUXDB_INIT_MODE", "INFLUXD_REPORTING_DISABLED"], None),
    ],
)
def test_what_moves_the_port_a_standard_probe_asks(image: str, command, environment, moved: str | None) -> None:
    server = builtin().images[image].server
    assert server is not None and server.moved(command, environment) == moved


@pytest.mark.parametrize(
    ("image", "target", "configured"),
    [
        ("grafana/grafana", "/etc/grafana/grafana.ini", True),
        ("grafana/grafana", "/etc/grafana", True),  # hides the image's grafana.ini
        ("grafana/grafana", "/etc/grafana/provisioning", False),
        ("clickhouse/clickhouse-server", "/etc/clickhouse-server/config.d/ports.xml", True),
        ("clickhouse/clickhouse-server", "/etc/clickhouse-server/users.d/users.xml", False),
        ("neo4j", "/conf", True),
        ("neo4j", "/data", False),
    ],
)
def test_mounts_where_a_server_reads_its_settings(image: str, target: str, configured: bool) -> None:
    server = builtin().images[image].server
    assert server is not None and server.configured_by(target) is configured


@pytest.mark.parametrize(
    ("interval", "command", "doubted"),
    [
        ("10s", "[ -f /tmp/ran ] || { touch /tmp/ran; exit 1; }", True),
        ("1m", "[ -f /tmp/ran ] || { touch /tmp/ran; exit 1; }", True),
        ("30s", "[ -f /tmp/ran ] || { touch /tmp/ran; exit 1; }", False),  # the engine's own: nothing moves
        ("10s", "curl -f http://localhost/ >/dev/null 2>&1", False),
    ],
)
def test_an_interval_is_doubted_only_when_it_moves_a_probe_that_keeps_state(interval, command, doubted) -> None:
    assert (knowledge.interval_doubt(interval, None, command) is not None) is doubted


def test_a_start_period_is_doubted_only_for_a_probe_that_keeps_state() -> None:
    assert knowledge.start_period_doubt(["sh", "-c", "test -f /tmp/ran || touch /tmp/ran"], None) is not None
    assert knowledge.start_period_doubt(["curl", "-f", "http://localhost/"], None) is None
