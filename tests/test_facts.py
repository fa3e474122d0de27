"""Service facts: what a service runs, on which port, with which tools and health route,
each with where it was read. The monorepo fixture is HF106's golden case."""

from __future__ import annotations

import ast
import gc
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import compose_binary

from hardenfix.engine import Engine, SourceFile
from hardenfix.facts import Fact
from hardenfix.facts import code as code_module
from hardenfix.facts import service as service_module
from hardenfix.facts.build import build_facts
from hardenfix.facts.code import CodeFacts, ScriptPort, code_facts, served_modules
from hardenfix.facts.process import launch_of
from hardenfix.facts.service import service_facts
from hardenfix.knowledge import builtin, facts_from_table
from hardenfix.model import FileKind
from hardenfix.registry import rules_of_kind
from hardenfix.sources import compose, dockerfile
from hardenfix.sources import python as python_source
from hardenfix.sources.dockerfile import BuildContext
from hardenfix.sources.envfile import env_file_entries
from hardenfix.sources.python_dependencies import folder_declarations, version_at_least, versions_declared

MONOREPO = Path(__file__).resolve().parent.parent / "golden" / "compose" / "HF106-healthcheck-missing" / "monorepo"
KNOWLEDGE = builtin().extended(
    images={"gcr.io/distroless/static-debian12": facts_from_table("gcr.io/distroless/static-debian12", {"tools": []})}
)
HERE = "test: command"
_POETRY = '[tool.poetry.dependencies]\npython = "^3.12"\n{}\n'
_LOCKED = '[[package]]\nname = "streamlit"\nversion = "1.40.0"\n'


@pytest.fixture(scope="module")
def monorepo() -> dict[str, object]:
    document = compose.parse((MONOREPO / "before.yaml").read_text(encoding="utf-8"), MONOREPO / "before.yaml")
    return {service.name: service_facts(document, service, KNOWLEDGE) for service in document.services()}


def shown(fact) -> tuple[str, str] | None:
    return None if fact is None else (fact.value, str(fact))


def test_fastapi_on_python_slim_with_a_router_mounted_from_another_module(monorepo) -> None:
    api = monorepo["api"]
    assert api.build.base_image.source == "services/api/Dockerfile:1: FROM python:3.11-slim"
    assert api.launch.program == "uvicorn" and api.launch.target == "app.main:app"
    assert api.port.value == "8000" and api.port.source.startswith("services/api/Dockerfile:7: CMD")
    assert api.route.path == "/ops/healthz"
    assert api.route.source == "services/api/app/routers/status.py:6: route /ops/healthz"
    assert api.image.present(["sh", "bash", "python", "python3", "curl", "wget", "node"]) == {
        "sh",
        "bash",
        "python",
        "python3",
    }
    assert api.image.tool("curl").value is False and api.image.tool("curl").known


def test_a_compose_command_changes_the_port_of_the_same_build(monorepo) -> None:
    admin = monorepo["admin"]
    assert shown(admin.port) == ("8001", "before.yaml:40: command: uvicorn app.main:app --host 0.0.0.0 --port 8001")
    assert admin.route.path == "/ops/healthz"


def test_flask_with_curl_installed_by_apt_behind_a_published_port(monorepo) -> None:
    web = monorepo["web"]
    assert web.launch.program == "gunicorn" and web.port.value == "8080"  # the container side of "8088:8080"
    assert web.route.path == "/health" and web.route.source.startswith("services/web/wsgi.py:6:")
    assert web.image.tool("curl").source.startswith("services/web/Dockerfile:2: RUN apt-get update")


def test_aiohttp_script_whose_port_comes_from_the_command(monorepo) -> None:
    events = monorepo["events"]
    assert events.launch.program == "python" and events.launch.target == "events.server"
    assert shown(events.port) == (
        "9100",
        "before.yaml:18: command: python -m events.server --port 9100"
        " (services/events/events/server.py:16: web.run_app(port=arguments.port) reads --port)",
    )
    assert events.route.path == "/health"
    assert events.image.tool("wget").value  # alpine: busybox


def test_express_on_node_slim_reads_port_from_the_environment(monorepo) -> None:
    frontend = monorepo["frontend"]
    assert frontend.launch.program == "node"
    assert shown(frontend.port) == (
        "3000",
        "services/frontend/server.js:9: listen(port), port = process.env.PORT || 8080: reads $PORT, set at "
        "before.yaml:23: PORT=3000",
    )
    assert frontend.route.path == "/healthz"
    assert frontend.image.present(["curl", "wget", "node", "python3"]) == {"node"}


def test_a_worker_has_no_port_and_no_route(monorepo) -> None:
    worker = monorepo["worker"]
    assert worker.launch is None and worker.port is None and worker.route is None


def test_distroless_ships_no_tools_and_an_exposed_port_is_a_guess(monorepo) -> None:
    gateway = monorepo["gateway"]
    assert gateway.image.present(["sh", "curl", "wget", "node", "python3"]) == set()
    assert gateway.port.value == "8443" and not gateway.port.known


def test_a_dockerfile_healthcheck_is_the_images_own(monorepo) -> None:
    ml = monorepo["ml"]
    assert ml.image_healthcheck is not None and ml.image_healthcheck.source.startswith("services/ml/Dockerfile:6:")
    assert ml.port.value == "7000" and ml.route.path == "/healthz"


# -- Commands -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "environment", "program", "port"),
    [
        (["uvicorn", "main:app", "--port=9000"], {}, "uvicorn", "9000"),
        (["python", "-m", "uvicorn", "main:app"], {}, "uvicorn", "8000"),
        (["uvicorn", "main:app"], {"UVICORN_PORT": "7001"}, "uvicorn", "7001"),
        (["uvicorn", "main:app", "--uds", "/tmp/s.sock"], {}, "uvicorn", None),
        (["gunicorn", "-b", ":8081", "app:app"], {}, "gunicorn", "8081"),
        (["gunicorn", "--bind", "unix:/run/g.sock", "app:app"], {}, "gunicorn", None),
        (["gunicorn", "app:app"], {"PORT": "5005"}, "gunicorn", "5005"),
        (["gunicorn", "-c", "conf.py", "app:app"], {}, "gunicorn", None),
        (["hypercorn", "--bind", "[::]:8443", "app:app"], {}, "hypercorn", "8443"),
        (["daphne", "-b", "0.0.0.0", "-p", "8002", "proj.asgi:application"], {}, "daphne", "8002"),
        (["granian", "--interface", "asgi", "main:app"], {}, "granian", "8000"),
        (["flask", "run", "--host", "0.0.0.0"], {"FLASK_RUN_PORT": "5050"}, "flask", "5050"),
        (["flask", "--app", "hello", "run", "-p", "5001"], {}, "flask", "5001"),
        (["flask", "routes"], {}, None, None),
        (["python3", "-m", "http.server", "8080"], {}, "http.server", "8080"),
        (
            ["sh", "-c", "alembic upgrade head && exec uvicorn main:app --port $PORT"],
            {"PORT": "8123"},
            "uvicorn",
            "8123",
        ),
        (["/bin/sh", "-c", "uvicorn main:app --port ${PORT:-8124}"], {}, "uvicorn", "8124"),
        (["sh", "-c", "uvicorn main:app --port $PORT"], {}, "uvicorn", None),
        (["sh", "-ec", "exec uvicorn main:app --port 8126"], {}, "uvicorn", "8126"),
        (["env", "TZ=UTC", "uvicorn", "main:app", "--port", "8127"], {}, "uvicorn", "8127"),
        (
            ["tini", "--", "gosu", "app", "poetry", "run", "uvicorn", "main:app", "--port", "8125"],
            {},
            "uvicorn",
            "8125",
        ),
        (["gunicorn", "app:app"], {"GUNICORN_CMD_ARGS": "--bind=0.0.0.0:9000 --workers 2"}, "gunicorn", "9000"),
        (["gunicorn", "-b", ":8082", "app:app"], {"GUNICORN_CMD_ARGS": "--bind=:9000"}, "gunicorn", "8082"),
        # TLS alone: a plain probe gets no answer on that port.
        (
            ["uvicorn", "main:app", "--port", "8443", "--ssl-keyfile", "k.pem", "--ssl-certfile", "c.pem"],
            {},
            "uvicorn",
            None,
        ),
        (["gunicorn", "--certfile", "c.pem", "--keyfile", "k.pem", "-b", ":443", "app:app"], {}, "gunicorn", None),
        (["flask", "run", "--host", "0.0.0.0", "--cert", "adhoc"], {}, "flask", None),
        # ... or by the variables that give those options (click's auto_envvar_prefix)
        (
            ["uvicorn", "main:app", "--host", "0.0.0.0"],
            {"UVICORN_SSL_CERTFILE": "/certs/c.pem", "UVICORN_SSL_KEYFILE": "/certs/k.pem"},
            "uvicorn",
            None,
        ),
        (["flask", "run", "--host", "0.0.0.0"], {"FLASK_RUN_CERT": "adhoc"}, "flask", None),
        (["uvicorn", "main:app"], {"UVICORN_SSL_CERTFILE": ""}, "uvicorn", "8000"),
        (["daphne", "-e", "tcp:port=8001:interface=0.0.0.0", "main:app"], {}, "daphne", None),
        (["celery", "-A", "tasks", "worker"], {}, None, None),
        (["node", "--enable-source-maps", "dist/server.js"], {}, "node", None),
        # fastapi-cli reads $PORT (cli.py `envvar="PORT"`, since 0.0.12)
        (["fastapi", "run", "main.py"], {"PORT": "8080"}, "fastapi", "8080"),
        # litestar 2.25 cli/commands/core.py (each checked with the real server)
        (["litestar", "--app", "app:app", "run", "--host", "0.0.0.0", "-p", "8080"], {}, "litestar", "8080"),
        (["litestar", "run"], {"LITESTAR_PORT": "9000"}, "litestar", "9000"),
        (["litestar", "run", "--ssl-certfile", "c.pem", "--ssl-keyfile", "k.pem"], {}, "litestar", None),
        (
            ["litestar", "run"],
            {"LITESTAR_SSL_CERT_PATH": "/c.pem", "LITESTAR_SSL_KEY_PATH": "/k.pem"},
            "litestar",
            None,
        ),
        (["litestar", "run", "--uds", "/tmp/app.sock"], {}, "litestar", None),
        (["litestar", "run"], {"LITESTAR_UNIX_DOMAIN_SOCKET": "/tmp/app.sock"}, "litestar", None),
        (["litestar", "routes"], {}, None, None),
        # flower 2.2 (options.py, command.py's FLOWER_ variables): run with each
        (["celery", "-A", "tasks", "flower", "--port=5566"], {}, "flower", "5566"),
        (["celery", "flower"], {"FLOWER_PORT": "5600"}, "flower", "5600"),
        (["celery", "-A", "t", "flower", "--certfile=c.pem", "--keyfile=k.pem"], {}, "flower", None),
        (["celery", "-A", "t", "flower", "--unix_socket=/tmp/flower.sock"], {}, "flower", None),
        # a word `flower` that is no subcommand: a queue's name, the app's
        (["celery", "-A", "tasks", "worker", "-Q", "flower"], {}, None, None),
        (["celery", "-A", "flower", "worker"], {}, None, None),
        (["celery", "--app", "tasks", "-b", "redis://redis", "flower", "--port=5566"], {}, "flower", "5566"),
    ],
)
def test_what_a_command_starts_and_where_it_listens(argv, environment, program, port) -> None:
    launch = launch_of(argv, HERE, {key: Fact(value, HERE) for key, value in environment.items()})
    assert (launch.program if launch else None) == program
    assert (launch.port.value if launch and launch.port else None) == port


@pytest.mark.parametrize(
    ("argv", "environment", "route"),
    [
        (["celery", "-A", "tasks", "flower"], {}, "/healthcheck"),
        (["celery", "-A", "tasks", "flower", "--url_prefix=flower"], {}, "/flower/healthcheck"),
        (["celery", "flower", "--url-prefix=/ops/"], {}, "/ops/healthcheck"),
        (["celery", "flower"], {"FLOWER_URL_PREFIX": "ops"}, "/ops/healthcheck"),
        (["celery", "flower", "--url_prefix=$PREFIX"], {}, None),
        # a prefix of `/` alone comes before each route too (run: 200 at `//healthcheck`, 404 at `/healthcheck`)
        (["celery", "flower", "--url_prefix=/"], {}, "//healthcheck"),
        (["celery", "flower"], {"FLOWER_URL_PREFIX": ""}, "/healthcheck"),
        (["uvicorn", "main:app"], {}, None),
        (["streamlit", "run", "app.py"], {}, "/_stcore/health"),
        (["streamlit", "run", "app.py", "--server.baseUrlPath", "/dash/"], {}, "/dash/_stcore/health"),
        (["streamlit", "run", "app.py", "--server.baseUrlPath=/"], {}, "/_stcore/health"),
        (["streamlit", "run", "app.py"], {"STREAMLIT_SERVER_BASE_URL_PATH": "tools"}, "/tools/_stcore/health"),
    ],
)
def test_a_server_that_answers_its_own_health_route(argv, environment, route) -> None:
    """flower answers `/healthcheck` without a login, below its `--url_prefix` (run: 200 at
    `/flower/healthcheck` with `--basic_auth`, 404 at `/healthcheck`); streamlit 1.67 answers
    `/_stcore/health` below its base path, without the slashes around it (run: 200 at
    `/dash/_stcore/health`, 404 at `/_stcore/health`)."""
    launch = launch_of(argv, HERE, {key: Fact(value, HERE) for key, value in environment.items()})
    assert launch is not None and launch.own_route == route


@pytest.mark.parametrize(
    ("argv", "script", "loads_env"),
    [
        (["node", "-r", "dotenv/config", "server.js", "--port", "3000"], "server.js", "node's `-r dotenv/config`"),
        (["node", "--env-file=.env", "server.js"], "server.js", "node's `--env-file=.env`"),
        (["pipenv", "run", "python", "main.py"], "main.py", "`pipenv run`"),
        (["poetry", "run", "python", "main.py"], "main.py", None),
        (["node", "--import", "tsx", "server.ts"], "server.ts", None),
        (["python", "-W", "ignore", "-X", "dev", "main.py"], "main.py", None),
        (["node", "-e", "console.log(1)"], None, None),
    ],
)
def test_the_script_an_interpreter_runs_past_its_options(argv, script, loads_env) -> None:
    """An option's value (`-r dotenv/config`) is not the script; some options load a `.env`."""
    launch = launch_of(argv, HERE, {})
    assert (launch.target if launch else None) == script
    assert (launch.loads_env if launch else None) == loads_env


@pytest.mark.parametrize(
    ("argv", "target"),
    [
        (["gunicorn", "-b", "0.0.0.0:8000", "main:app"], "main:app"),
        (["gunicorn", "--bind", "localhost:8000", "-w", "2", "app.wsgi:application"], "app.wsgi:application"),
        (["hypercorn", "--bind", "0.0.0.0:8000", "main:app"], "main:app"),
        (["gunicorn", "-b", "unix:/run/app.sock", "app:create_app()"], "app:create_app()"),
        (["uvicorn", "--reload", "main:app"], "main:app"),
        (["gunicorn", "-b", "0.0.0.0:8000", "myproject.wsgi"], "myproject.wsgi"),
        (["litestar", "--app=app.main:app", "run", "-p", "8000"], "app.main:app"),
        (["litestar", "run", "--port", "8000"], None),
    ],
)
def test_an_address_given_before_the_application_is_not_the_application(argv, target) -> None:
    assert launch_of(argv, HERE, {}).target == target


@pytest.mark.parametrize(
    ("argv", "socket"),
    [
        (["uvicorn", "main:app", "--uds", "/tmp/app.sock"], "--uds /tmp/app.sock"),
        (["daphne", "-e", "tcp:port=8001:interface=0.0.0.0", "main:app"], "-e tcp:port=8001:interface=0.0.0.0"),
        (["daphne", "-p", "8001", "main:app"], None),
        (["waitress-serve", "--unix-socket=/tmp/app.sock", "app:app"], "--unix-socket /tmp/app.sock"),
        (["granian", "--interface", "asgi", "--uds", "/tmp/g.sock", "main:app"], "--uds /tmp/g.sock"),
    ],
)
def test_a_server_told_to_listen_on_a_socket_says_which(argv, socket) -> None:
    assert launch_of(argv, HERE, {}).socket == socket


@pytest.mark.parametrize(
    ("argv", "environment", "config_files"),
    [
        # flower 2.2 loads the file FLOWER_CONF names (run: its `url_prefix` made `/healthcheck` 404)
        (["celery", "-A", "tasks", "flower", "--port=5555"], {"FLOWER_CONF": "conf/flower.py"}, frozenset()),
        # what a configuration file sets wins over the port variable (run: flowerconfig.py's
        # `url_prefix` over FLOWER_PORT's probe; gunicorn.conf.py's `bind = "0.0.0.0:9011"` over PORT=9010)
        (["celery", "-A", "tasks", "flower"], {"FLOWER_PORT": "5555"}, frozenset({"flowerconfig.py"})),
        (["gunicorn", "app:app"], {"PORT": "8000"}, frozenset({"gunicorn.conf.py"})),
        # tornado binds `::` for IPv6 alone (run: 127.0.0.1 refused)
        (["celery", "-A", "tasks", "flower", "--port=5555", "--address=::"], {}, frozenset()),
        (["celery", "-A", "tasks", "flower"], {"FLOWER_ADDRESS": "::"}, frozenset()),
    ],
)
def test_a_probe_a_servers_configuration_or_address_may_refuse_is_a_guess(argv, environment, config_files) -> None:
    launch = launch_of(argv, HERE, {key: Fact(value, HERE) for key, value in environment.items()}, config_files)
    assert launch.port is None or launch.port.guess is not None
    unconfigured = launch_of(["celery", "-A", "tasks", "flower"], HERE, {"FLOWER_PORT": Fact("5555", HERE)})
    assert unconfigured.port.guess is None


def test_granians_interface_is_its_protocol_not_its_address() -> None:
    launch = launch_of(["granian", "--interface", "asgi", "--port", "8000", "main:app"], HERE, {})
    assert (launch.port.value, launch.port.guess) == ("8000", None)


def test_pipenv_run_loads_a_dotenv_file_that_may_set_a_servers_port() -> None:
    launch = launch_of(["pipenv", "run", "gunicorn", "-b", "0.0.0.0:8000", "app:app"], HERE, {})
    assert launch.port.value == "8000"
    assert launch.port.guess == "`pipenv run` loads a `.env` file, which may set its port or options"
    assert launch_of(["poetry", "run", "gunicorn", "-b", "0.0.0.0:8000", "app:app"], HERE, {}).port.guess is None


def test_compose_keeps_its_own_variables_and_expands_only_the_escaped_ones() -> None:
    environment = {"PORT": Fact("8200", HERE)}
    launch = launch_of(["uvicorn", "main:app", "--port", "${API_PORT:-8000}"], HERE, environment, from_compose=True)
    assert launch.port.value == "${API_PORT:-8000}"
    shell = launch_of(["sh", "-c", "uvicorn main:app --port $$PORT"], HERE, environment, from_compose=True)
    assert shell.port.value == "8200"


def test_a_config_file_in_the_working_directory_may_bind_gunicorn_elsewhere() -> None:
    assert launch_of(["gunicorn", "app:app"], HERE, {}, frozenset({"gunicorn.conf.py"})).port is None


# -- Dockerfiles ----------------------------------------------------------------------------


def stage_facts(text: str, target: str | None = None):
    return build_facts(dockerfile.parse(text), "Dockerfile", target)


def test_tools_installed_removed_and_copied_in_the_order_written() -> None:
    facts = stage_facts(
        "FROM debian:12\n"
        "RUN apt-get update && apt-get install -y --no-install-recommends curl=7.88.1-10 wget \\\n"
        "    && apt-get purge -y wget\n"
        "RUN apk add --no-cache --virtual .deps netcat-openbsd && apk del .deps\n"
        "COPY --from=busybox:1.36 /bin/wget /usr/local/bin/wget\n"
    )
    assert sorted(facts.tools_added) == ["curl", "wget"]
    assert facts.tools_added["wget"].startswith("Dockerfile:5: COPY --from=busybox")
    assert "nc" in facts.tools_removed


@pytest.mark.parametrize(
    ("run", "unread"),
    [
        ("RUN xargs -a /tmp/apt-packages.txt apt-get install -y", True),  # the names come from a file
        ("RUN apt-get install -y $(cat /tmp/packages)", True),
        ("RUN apt-get install -y ${EXTRA_PACKAGES}", True),  # an argument nobody declared
        ("RUN sh -e /tmp/install.sh", True),
        ("RUN ./docker/install.sh --minimal", True),
        ("RUN python3 /tmp/install_deps.py", True),
        ("RUN . /tmp/setup-env && make", True),
        ("RUN install-system-deps", True),  # copied below the FROM
        ("RUN apt-get install -y /tmp/google-chrome-stable_current_amd64.deb", True),  # and its dependencies
        ("RUN apt-get install -y ./vendor/app.deb", True),
        ("RUN dnf install -y https://example.com/tool-1.0.x86_64.rpm", True),
        ("RUN apk add --allow-untrusted /tmp/pkgs/tool.apk", True),
        ("RUN dpkg -i /tmp/debs/*.deb", True),
        ("RUN rpm -ivh /tmp/rpms/*.rpm", True),
        ("RUN rpm -qa", False),
        ("RUN apk add --repository http://dl-cdn.alpinelinux.org/alpine/edge/community gosu", False),
        ("RUN apt-get update && apt-get install -y curl && python3 -m pip install -r requirements.txt", False),
        ('RUN sh -c "apt-get update"', False),
    ],
)
def test_builds_that_install_what_hardenfix_cannot_read(run: str, unread: bool) -> None:
    facts = stage_facts(f"FROM debian:12\nCOPY install-system-deps /usr/local/bin/\n{run}\n")
    assert (facts.installs_unread is not None) is unread


@pytest.mark.parametrize(
    ("text", "unread"),
    [
        ("COPY --from=busybox:1.36 /bin /busybox\nENV PATH=/busybox:$PATH", True),
        ('COPY --from=tools /opt /opt\nENV PATH="${PATH}:/opt/tools/bin"', True),  # a tree holding it
        ("ENV TOOLS=/opt/tools\nCOPY --from=tools /opt/tools $TOOLS\nENV PATH=$TOOLS/bin:$PATH", True),
        ("COPY --from=tools /opt/tools /opt/tools\nENV PATH=/opt/other/bin:$PATH", False),
        ("COPY --from=builder /app/.venv /app/.venv\nENV PATH=/app/.venv/bin:$PATH", False),
        ("COPY --from=builder /app /app\nENV PATH=/app/.venv/bin:$PATH", False),
        ("ENV VIRTUAL_ENV=/opt/app\nCOPY --from=builder /opt/app /opt/app\nENV PATH=$VIRTUAL_ENV/bin:$PATH", False),
        ("RUN uv venv --python 3.12 /opt/env\nCOPY --from=builder /opt/env /opt/env\nENV PATH=/opt/env/bin:$PATH", False),
        ("COPY --from=builder /root/.local /root/.local\nENV PATH=/root/.local/bin:$PATH", False),
        ("COPY --from=deps /app/node_modules /app/node_modules\nENV PATH=/app/node_modules/.bin:$PATH", False),
    ],
    ids=[
        "busybox-applets", "tree-above-the-folder", "through-a-variable", "another-folder", "uv-venv",
        "tree-holding-a-venv", "virtual-env", "created-venv", "user-site", "node-modules",
    ],
)  # fmt: skip
def test_a_tree_copied_into_a_folder_the_stage_puts_on_the_path(text: str, unread: bool) -> None:
    """A folder `ENV PATH` adds may hold any program a copied tree brings, but a Python
    environment's or node_modules' `bin`, which holds packages' scripts."""
    facts = stage_facts(f"FROM python:3.12-slim\n{text}\n")
    assert (facts.installs_unread is not None) is unread


PACKAGES = 'ARG PACKAGES="ca-certificates \\\n    curl"\nRUN apt-get update && apt-get install -y --no-install-recommends ${PACKAGES}\n'


@pytest.mark.parametrize(
    ("text", "build_arguments", "tools"),
    [
        (f"FROM debian:12-slim\n{PACKAGES}", {}, ["curl"]),
        (f"FROM debian:12-slim\n{PACKAGES}", {"PACKAGES": "wget"}, ["wget"]),
        (f"FROM debian:12-slim\n{PACKAGES}", {"PACKAGES": None}, []),
        ("FROM alpine:3.20\nENV TOOLS=wget\nRUN apk add --no-cache $TOOLS\n", {}, ["wget"]),
        ("ARG TOOLS=curl\nFROM alpine:3.20\nARG TOOLS\nRUN apk add $TOOLS\n", {}, ["curl"]),
        ("ARG TOOLS=curl\nFROM alpine:3.20\nRUN apk add $TOOLS\n", {}, []),
        ("FROM alpine:3.20 AS base\nARG TOOLS=curl\nFROM base\nRUN apk add $TOOLS\n", {}, []),
        ("FROM alpine:3.20\nRUN apk add ${UNKNOWN}\n", {}, []),
        ("FROM alpine:3.20\nARG DEPS=curl\nRUN apk add $DEPS && make && apk del $DEPS\n", {}, []),
    ],
    ids=[
        "arg-default", "build-argument", "build-argument-not-known", "env", "global-arg-declared-again",
        "global-arg-not-declared-in-the-stage", "arg-of-the-stage-built-from", "unknown", "removed-again",
    ],
)  # fmt: skip
def test_packages_kept_in_a_variable_are_installed(
    text: str, build_arguments: dict[str, str | None], tools: list[str]
) -> None:
    """`apt-get install ${PACKAGES}`: the words of the variable's value in that `RUN`, as
    the shell splits it; an `ARG` is known in the stage that declares it and no further."""
    document = dockerfile.parse(text)
    facts = build_facts(document, "Dockerfile", build_arguments=build_arguments)
    assert sorted(facts.tools_added) == tools


def test_an_exposed_port_set_by_a_variable() -> None:
    facts = stage_facts("FROM python:3.12-slim\nENV APP_PORT=9000\nEXPOSE ${APP_PORT} $UNSET/udp 8080/tcp\n")
    assert [fact.value for fact in facts.exposed] == [9000, 8080]


def test_the_target_stage_and_what_it_inherits() -> None:
    text = (
        'FROM python:3.12-slim AS base\nRUN apt-get install -y curl\nENV PORT=9000\nCMD ["python", "app.py"]\n'
        'FROM base AS dev\nCMD ["python", "dev.py"]\n'
        "FROM gcr.io/distroless/python3 AS prod\nCOPY --from=base /app /app\n"
    )
    dev = stage_facts(text, "dev")
    assert dev.base_image.value == "python:3.12-slim" and "curl" in dev.tools_added
    assert dev.command.value == ["python", "dev.py"] and dev.environment["PORT"].value == "9000"
    prod = stage_facts(text)
    assert prod.base_image.value == "gcr.io/distroless/python3" and prod.tools_added == {}
    assert prod.command is None


def test_an_entrypoint_resets_the_inherited_command_and_healthcheck_none_removes_one() -> None:
    facts = stage_facts(
        'FROM nginx:1.27\nCMD ["a"]\nHEALTHCHECK CMD curl -f http://localhost/\nENTRYPOINT ["/run.sh"]\nHEALTHCHECK NONE\n'
    )
    assert facts.entrypoint.value == ["/run.sh"] and facts.command is None and facts.healthcheck is None


# -- Code -----------------------------------------------------------------------------------


def routes_of(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    return code_facts(BuildContext(tmp_path))


FLASK_SCRIPT = """\
import argparse

from flask import Flask

app = Flask(__name__)
app.config.from_prefixed_env()


@app.get("/healthz")
def healthz():
    return "ok"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", "-p", default="5000")
    app.run(host="0.0.0.0", port=parser.parse_args().port)
"""


def test_code_facts_come_back_from_the_cache_as_they_were_read(tmp_path: Path) -> None:
    import json

    facts = routes_of(tmp_path, {"app.py": FLASK_SCRIPT})
    assert facts.script_ports["app.py"].option_aliases == ("-p",)
    kept = CodeFacts.from_cache(json.loads(json.dumps(facts.to_cache())))
    assert kept is not None
    assert [getattr(kept, name) for name in CodeFacts.__slots__] == [
        getattr(facts, name) for name in CodeFacts.__slots__
    ]


@pytest.mark.parametrize(
    "spoil",
    [
        lambda stored: stored["routes"][0].pop(),  # a field missing
        lambda stored: stored["routes"][0].__setitem__(0, 8000),  # a path that is not a string
        lambda stored: stored["routes"][0].__setitem__(3, "no"),  # `needs_auth` not a bool
        lambda stored: stored["script_ports"]["app.py"].__setitem__(4, "-p"),  # aliases not a list
        lambda stored: stored.pop("imports"),
        lambda stored: stored.__setitem__("prefixed_env", ["app.py:6"]),
        lambda stored: stored.__setitem__("applications", [["app.py"]]),
    ],
)
def test_code_facts_the_cache_holds_in_another_shape_are_refused(tmp_path: Path, spoil) -> None:
    stored = routes_of(tmp_path, {"app.py": FLASK_SCRIPT}).to_cache()
    spoil(stored)
    assert CodeFacts.from_cache(stored) is None


def test_fastapi_prefixes_add_up_and_authenticated_routes_are_noted(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "svc/main.py": (
                "from fastapi import FastAPI\nfrom svc.api import v1 as api_v1\n"
                "app = FastAPI()\napp.include_router(api_v1.router, prefix='/api')\n"
            ),
            "svc/api/v1.py": (
                "from fastapi import APIRouter, Depends\nfrom svc.auth import get_current_user\n"
                "router = APIRouter(prefix='/v1')\n"
                "@router.get('/health')\nasync def health(user=Depends(get_current_user)):\n    return {}\n"
                "@router.get('/ping')\nasync def ping():\n    return {}\n"
            ),
        },
    )
    paths = {route.path: route.needs_auth for route in facts.routes}
    assert paths == {"/api/v1/health": True, "/api/v1/ping": False}
    assert facts.health_route().path == "/api/v1/health"  # /health before /ping, though noted


def test_a_router_never_seen_mounted_is_a_guess(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path, {"r.py": "from fastapi import APIRouter\nr = APIRouter()\n@r.get('/healthz')\ndef h(): ...\n"}
    )
    assert facts.health_route().guess == "`r` is not seen mounted, so its routes may have a prefix"


def test_a_route_read_is_preferred_to_a_better_named_guess(tmp_path: Path) -> None:
    """A shared library's router nobody mounts serves `/health` nowhere for sure; the app's
    own `/livez` is certain, and its probe a safe fix."""
    facts = routes_of(
        tmp_path,
        {
            "common/probe.py": "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/health')\ndef h(): ...\n",
            "main.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/livez')\ndef live(): ...\n",
        },
    )
    assert facts.health_route().path == "/livez" and facts.health_route().guess is None


def test_the_served_application_has_its_own_routes_and_those_it_mounts(tmp_path: Path) -> None:
    """Where the process runs a module that creates an application, another application's
    routes are not its own: probing `/healthz` of the tool beside it would fail. Routers,
    and applications mounted into another, may be anyone's."""
    facts = routes_of(
        tmp_path,
        {
            "app/main.py": (
                "from fastapi import FastAPI\nfrom app import status\napp = FastAPI()\n"
                "app.include_router(status.router)\n@app.get('/ping')\ndef ping(): ...\n"
            ),
            "app/status.py": "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/readyz')\ndef r(): ...\n",
            "tools/debug.py": "from flask import Flask\napp = Flask(__name__)\n@app.get('/healthz')\ndef h(): ...\n",
        },
    )
    assert facts.applications == {"app/main.py", "tools/debug.py"}
    assert facts.health_route("app/main.py").path == "/readyz"
    assert facts.health_route("tools/debug.py").path == "/healthz"
    # A module that creates no application of its own may serve any of them.
    assert facts.health_route("app/run.py").path == "/healthz"
    assert facts.health_route().path == "/healthz"


def test_flask_blueprints_django_includes_starlette_mounts_and_aiohttp(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "f.py": (
                "from flask import Flask, Blueprint\napp = Flask(__name__)\nbp = Blueprint('ops', __name__, url_prefix='/x')\n"
                "@bp.route('/livez', methods=['GET'])\ndef livez(): ...\napp.register_blueprint(bp, url_prefix='/ops')\n"
                "@app.route('/readyz', methods=['POST'])\ndef readyz(): ...\n"
            ),
            "site/urls.py": "from django.urls import include, path\nurlpatterns = [path('internal/', include('probes.urls'))]\n",
            "probes/urls.py": "from django.urls import path\nurlpatterns = [path('healthz/', view)]\n",
            "s.py": "from starlette.routing import Mount, Route\nroutes = [Mount('/m', routes=[Route('/ready', r)])]\n",
            "a.py": "from aiohttp import web\napp = web.Application()\napp.router.add_get('/status', s)\n",
        },
    )
    assert {route.path for route in facts.routes} == {"/ops/livez", "/internal/healthz/", "/m/ready", "/status"}


ROUTER_HEALTH = "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/health')\ndef h(): ...\n"
BLUEPRINT_HEALTH = "bp = Blueprint('ops', __name__)\n@bp.get('/health')\ndef h(): ...\n"


@pytest.mark.parametrize(
    "files",
    [
        {  # full-stack-fastapi-template
            "app/main.py": "from fastapi import FastAPI\nfrom app.config import settings\nfrom app.health import router\n"
            "app = FastAPI()\napp.include_router(router, prefix=settings.API_V1_STR)\n",
            "app/health.py": ROUTER_HEALTH,
        },
        {
            "app/main.py": "from fastapi import FastAPI\nfrom app.health import router\nimport os\n"
            "app = FastAPI()\napp.include_router(router, prefix=f'/api/{os.environ[\"V\"]}')\n",
            "app/health.py": ROUTER_HEALTH,
        },
        {
            "app.py": "from flask import Blueprint, Flask\nimport config\n"
            + BLUEPRINT_HEALTH
            + "app = Flask(__name__)\n"
            "app.register_blueprint(bp, url_prefix=config.PREFIX)\n",
        },
        {
            "app/main.py": "from fastapi import FastAPI\nfrom app.health import router\napp = FastAPI()\napp.include_router(router)\n",
            "app/health.py": ROUTER_HEALTH.replace("APIRouter()", "APIRouter(prefix=settings.PREFIX)"),
        },
        {
            "app.py": "from flask import Blueprint, Flask\nimport config\n"
            + BLUEPRINT_HEALTH.replace("__name__)", "__name__, url_prefix=config.PREFIX)")
            + "app = Flask(__name__)\napp.register_blueprint(bp)\n",
        },
        {
            "app/main.py": "from fastapi import FastAPI\nfrom app.health import router\nimport os\nAPI_PREFIX = '/api'\n"
            "API_PREFIX = os.environ.get('API_PREFIX', API_PREFIX)\n"
            "app = FastAPI()\napp.include_router(router, prefix=API_PREFIX)\n",
            "app/health.py": ROUTER_HEALTH,
        },
        {
            "app/main.py": "from fastapi import FastAPI\nfrom app.health import router\nimport os\nVERSION = 'v1'\n"
            "def configure():\n    global VERSION\n    VERSION = os.getenv('API_VERSION', VERSION)\n"
            "app = FastAPI()\napp.include_router(router, prefix=f'/api/{VERSION}')\n",
            "app/health.py": ROUTER_HEALTH,
        },
    ],
    ids=[
        "include-router-attribute",
        "include-router-f-string",
        "blueprint-attribute",
        "router-own",
        "blueprint-own",
        "constant-set-again-from-the-environment",
        "f-string-constant-set-again-in-a-function",
    ],
)
def test_a_route_under_a_prefix_not_written_out_is_a_guess(tmp_path: Path, files: dict[str, str]) -> None:
    """The prefix comes from settings or the environment: `/health` is somewhere below it."""
    [route] = routes_of(tmp_path, files).routes
    assert route.path == "/health" and route.guess is not None and "prefix not known" in route.guess


NESTED_UTILS = (
    "from fastapi import APIRouter\nrouter = APIRouter(prefix='/utils')\n@router.get('/health')\ndef h(): ...\n"
)


@pytest.mark.parametrize(
    ("main", "api", "expected"),
    [
        ("app.include_router(api_router, prefix='/api/v1')\n", "APIRouter()", {("/api/v1/utils/health", None)}),
        ("app.include_router(api_router)\n", "APIRouter(prefix='/api')", {("/api/utils/health", None)}),
        (  # full-stack-fastapi-template
            "app.include_router(api_router, prefix=settings.API_V1_STR)\n",
            "APIRouter()",
            {("/utils/health", "it is mounted under a prefix not known")},
        ),
        (
            "",
            "APIRouter()",
            {("/utils/health", "`api_router` is not seen mounted, so its routes may have a prefix")},
        ),
        (
            "app.include_router(api_router, prefix='/v1', dependencies=[Depends(verify_token)])\n",
            "APIRouter()",
            {("/v1/utils/health", "its application runs `dependencies=` on its `include_router` before each request")},
        ),
    ],
    ids=["outer-prefix", "outer-routers-own-prefix", "outer-prefix-not-known", "outer-not-mounted", "outer-guard"],
)
def test_a_router_mounted_into_a_router_is_under_the_prefixes_of_every_mount_above_it(
    tmp_path: Path, main: str, api: str, expected: set[tuple[str, str | None]]
) -> None:
    facts = routes_of(
        tmp_path,
        {
            "app/main.py": "from fastapi import FastAPI\nfrom app.api.main import api_router\n"
            "from app.core.config import settings\napp = FastAPI()\n" + main,
            "app/api/main.py": "from fastapi import APIRouter\nfrom app.api.routes import utils\n"
            f"api_router = {api}\napi_router.include_router(utils.router)\n",
            "app/api/routes/utils.py": NESTED_UTILS,
        },
    )
    assert {(route.path, route.guess and route.guess.partition(", which may")[0]) for route in facts.routes} == expected


def test_mounts_that_form_a_cycle_are_followed_once(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "app/a.py": "from fastapi import APIRouter\nfrom app import b\na = APIRouter()\na.include_router(b.b)\n",
            "app/b.py": "from fastapi import APIRouter\nfrom app import a\nb = APIRouter(prefix='/b')\n"
            "b.include_router(a.a)\n@b.get('/health')\ndef h(): ...\n",
        },
    )
    [route] = facts.routes
    assert route.guess is not None


def test_nested_django_includes_add_up(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "site/urls.py": "from django.urls import include, path\nurlpatterns = [path('api/', include('api.urls'))]\n",
            "api/urls.py": "from django.urls import include, path\nurlpatterns = [path('v1/', include('probes.urls'))]\n",
            "probes/urls.py": "from django.urls import path\nurlpatterns = [path('healthz/', view)]\n",
        },
    )
    assert [route.path for route in facts.routes] == ["/api/v1/healthz/"]


@pytest.mark.parametrize(
    "urls",
    [
        "urlpatterns = [path('api/', include([path('health/', h)]))]\n",
        "api_patterns = [path('health/', h)]\nurlpatterns = [path('api/', include(api_patterns))]\n",
        "urlpatterns = [path('api/', include(([path('health/', h)], 'api')))]\n",
        "urlpatterns = [path('api/', include([path('v1/', include([path('health/', h)]))]))]\n",
    ],
    ids=["inline", "list-variable", "tuple", "nested-inline"],
)
def test_a_django_include_of_a_pattern_list_puts_its_routes_below_it(tmp_path: Path, urls: str) -> None:
    """`include()` takes a pattern list too (django/urls/conf.py): its routes are not root routes."""
    facts = routes_of(tmp_path, {"urls.py": "from django.urls import include, path\n" + urls})
    assert [route.path for route in facts.routes] in (["/api/health/"], ["/api/v1/health/"])
    assert all(route.path != "/health/" for route in facts.routes)


def test_a_django_include_of_a_module_object_puts_its_routes_below_it(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "site/urls.py": "from django.urls import include, path\nfrom api import urls as api_urls\n"
            "urlpatterns = [path('api/', include(api_urls))]\n",
            "api/urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
        },
    )
    assert [route.path for route in facts.routes] == ["/api/health/"]


def test_a_mount_names_the_module_of_the_context_it_spells_exactly(tmp_path: Path) -> None:
    """`include('api.urls')` is `api/urls.py`, not the root URLconf `urls.py`, though the
    context's root need not be where imports start."""
    facts = routes_of(
        tmp_path,
        {
            "settings.py": "INSTALLED_APPS = ['django.contrib.admin']\nALLOWED_HOSTS = ['*']\n",
            "urls.py": "from django.urls import include, path\n"
            "urlpatterns = [path('health/', h), path('api/', include('api.urls'))]\n",
            "api/urls.py": "from django.urls import path\nurlpatterns = [path('ping/', p)]\n",
        },
    )
    assert {(route.path, route.guess) for route in facts.routes} == {("/health/", None), ("/api/ping/", None)}


def test_a_mount_under_a_prefix_not_written_out_serves_no_route_known(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "s.py": "from starlette.routing import Mount, Route\nroutes = [Mount(settings.P, routes=[Route('/ready', r)])]\n"
        },
    )
    assert facts.routes == []


def test_a_prefix_written_with_the_modules_constants_is_known(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "app/main.py": "from fastapi import FastAPI\nfrom app.health import router\nVERSION = 'v1'\n"
            "app = FastAPI()\napp.include_router(router, prefix=f'/api/{VERSION}')\n",
            "app/health.py": ROUTER_HEALTH,
            "app.py": "from flask import Blueprint, Flask\nPREFIX = '/ops'\n"
            + BLUEPRINT_HEALTH.replace("health", "livez")
            + "app = Flask(__name__)\napp.register_blueprint(bp, url_prefix=PREFIX)\n",
        },
    )
    assert {(route.path, route.guess) for route in facts.routes} == {("/api/v1/health", None), ("/ops/livez", None)}


@pytest.mark.parametrize(
    ("files", "guess"),
    [
        (
            {
                "app.py": "from flask import Flask\nfrom flask_talisman import Talisman\napp = Flask(__name__)\n"
                "Talisman(app, content_security_policy=None)\n@app.get('/health')\ndef h(): ...\n"
            },
            "its application runs `Talisman(app)`, which redirects http to https (`force_https`), before each request",
        ),
        (
            {
                "app.py": "from flask import Flask\nfrom flask_talisman import Talisman\napp = Flask(__name__)\n"
                "Talisman(app, force_https=False)\n@app.get('/health')\ndef h(): ...\n"
            },
            None,
        ),
        (  # cookiecutter-django's production settings
            {
                "config/settings/production.py": "SECURE_SSL_REDIRECT = env.bool('DJANGO_SECURE_SSL_REDIRECT', default=True)\n"
                "ALLOWED_HOSTS = ['*']\n",
                "config/urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
            },
            "its settings set `SECURE_SSL_REDIRECT = env.bool('DJANGO_SECURE_SSL_REDIRECT', default=True)`: "
            "Django redirects the probe to https",
        ),
        (
            {
                "settings.py": "SECURE_SSL_REDIRECT = False\nALLOWED_HOSTS = ['*']\n",
                "urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
            },
            None,
        ),
        (  # the extension created first, bound to the application in its factory
            {
                "app.py": "from flask import Flask\nfrom flask_talisman import Talisman\ntalisman = Talisman()\n"
                "def create_app():\n    app = Flask(__name__)\n    talisman.init_app(app, content_security_policy=None)\n"
                "    @app.get('/health')\n    def h(): ...\n    return app\n"
            },
            "its application runs `talisman.init_app(app)`, which redirects http to https (`force_https`),"
            " before each request",
        ),
        (
            {
                "app/extensions.py": "from flask_talisman import Talisman\ntalisman = Talisman()\n",
                "app/__init__.py": "from flask import Flask\nfrom app.extensions import talisman\n"
                "app = Flask(__name__)\ntalisman.init_app(app)\n@app.get('/health')\ndef h(): ...\n",
            },
            "its application runs `talisman.init_app(app)`, which redirects http to https (`force_https`),"
            " before each request",
        ),
        (
            {
                "app.py": "from flask import Flask\nfrom flask_talisman import Talisman\ntalisman = Talisman()\n"
                "app = Flask(__name__)\ntalisman.init_app(app, force_https=False)\n@app.get('/health')\ndef h(): ...\n"
            },
            None,
        ),
        (
            {
                "settings.py": "DEBUG = False\nALLOWED_HOSTS = ['*']\nif not DEBUG:\n    SECURE_SSL_REDIRECT = True\n",
                "urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
            },
            "its settings set `SECURE_SSL_REDIRECT = True`: Django redirects the probe to https",
        ),
        (  # django-configurations
            {
                "settings.py": "from configurations import Configuration\nclass Prod(Configuration):\n"
                "    ALLOWED_HOSTS = ['*']\n    SECURE_SSL_REDIRECT = True\n",
                "urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
            },
            "its settings set `SECURE_SSL_REDIRECT = True`: Django redirects the probe to https",
        ),
        (
            {
                "settings.py": "INSTALLED_APPS = ['django.contrib.admin']\nALLOWED_HOSTS = ['*']\n"
                "if not DEBUG:\n    ALLOWED_HOSTS = ['example.com']\n",
                "urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
            },
            "Django answers 400 to a host its `ALLOWED_HOSTS` does not list, and no settings are seen to list "
            "127.0.0.1",
        ),
        (  # settings split by environment: production.py never names Django
            {
                "site/settings/base.py": "INSTALLED_APPS = ['django.contrib.admin']\n"
                "ALLOWED_HOSTS = ['localhost', '127.0.0.1']\n",
                "site/settings/production.py": "from .base import *\nALLOWED_HOSTS = ['www.example.com']\n",
                "site/urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
            },
            "Django answers 400 to a host its `ALLOWED_HOSTS` does not list, and no settings are seen to list "
            "127.0.0.1",
        ),
        (  # flask-talisman binds itself only `if app is not None` (talisman.py:67-69)
            {
                "app.py": "from flask import Flask\nfrom flask_talisman import Talisman\ntalisman = Talisman(app=None)\n"
                "app = Flask(__name__)\ntalisman.init_app(app)\n@app.get('/health')\ndef h(): ...\n"
            },
            "its application runs `talisman.init_app(app)`, which redirects http to https (`force_https`),"
            " before each request",
        ),
        (
            {
                "app.py": "from flask import Flask\nfrom flask_talisman import Talisman\n"
                "app = Flask(__name__)\nTalisman().init_app(app)\n@app.get('/health')\ndef h(): ...\n"
            },
            "its application runs `Talisman().init_app(app)`, which redirects http to https (`force_https`),"
            " before each request",
        ),
        (  # Flask-SSLify 0.1.5 flask_sslify.py:28, 51-65: a 302 to https
            {
                "app.py": "from flask import Flask\nfrom flask_sslify import SSLify\n"
                "app = Flask(__name__)\nSSLify(app)\n@app.get('/health')\ndef h(): ...\n"
            },
            "its application runs `SSLify(app)`, which redirects http to https, before each request",
        ),
    ],
    ids=[
        "talisman",
        "talisman-without-https",
        "django-ssl-redirect",
        "django-without-ssl-redirect",
        "talisman-init-app",
        "talisman-init-app-from-extensions",
        "talisman-init-app-without-https",
        "django-ssl-redirect-in-if",
        "django-ssl-redirect-in-class",
        "django-allowed-hosts-in-if",
        "django-split-settings",
        "talisman-app-none",
        "talisman-init-app-without-variable",
        "sslify",
    ],
)
def test_a_redirect_to_https_the_code_turns_on_makes_the_route_a_guess(
    tmp_path: Path, files: dict[str, str], guess: str | None
) -> None:
    """The probe speaks plain http: python3's urllib and wget follow the redirect to https,
    on a port that speaks no TLS, and fail."""
    route = routes_of(tmp_path, files).health_route()
    assert route is not None and (route.guess and route.guess.partition(", which may refuse")[0]) == guess


def test_a_router_a_package_imports_is_mounted_by_the_name_the_package_gives_it(tmp_path: Path) -> None:
    """The FastAPI template AgentGPT's platform is built on: `monitoring/__init__.py` imports
    `router` from its `views`, `api_router.include_router(monitoring.router, prefix=
    "/monitoring")`, and the application mounts it with `include_router(router=api_router,
    prefix="/api")`: the route is `/api/monitoring/health`, not `/health`."""
    facts = routes_of(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": (
                "from fastapi import FastAPI\nfrom app.api.router import api_router\n\napp = FastAPI()\n"
                "app.include_router(router=api_router, prefix='/api')\n"
            ),
            "app/api/__init__.py": "",
            "app/api/router.py": (
                "from fastapi.routing import APIRouter\nfrom app.api import monitoring\n\napi_router = APIRouter()\n"
                "api_router.include_router(monitoring.router, prefix='/monitoring')\n"
            ),
            "app/api/monitoring/__init__.py": "from app.api.monitoring.views import router\n\n__all__ = ['router']\n",
            "app/api/monitoring/views.py": (
                "from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get('/health')\ndef health(): ...\n"
            ),
        },
    )
    route = facts.health_route("app/main.py", "app")
    assert (route.path, route.guess, route.application) == ("/api/monitoring/health", None, "app/main.py")


def test_an_application_of_a_class_the_code_derives_serves_its_routes_as_a_guess(tmp_path: Path) -> None:
    """CTFd's `app = CTFdFlask(__name__)` in its `create_app()`, a `Flask` subclass that sets a
    request class and a session interface of its own, and its blueprint's `/healthcheck`: the
    application's route, which its own request handling may answer otherwise."""
    facts = routes_of(
        tmp_path,
        {
            "ctf/__init__.py": (
                "from flask import Flask\n\n\nclass CTFdFlask(Flask):\n    pass\n\n\n"
                "def create_app():\n    app = CTFdFlask(__name__)\n    from ctf.views import views\n"
                "    app.register_blueprint(views)\n    return app\n"
            ),
            "ctf/views.py": (
                "from flask import Blueprint\n\nviews = Blueprint('views', __name__)\n\n\n"
                "@views.route('/healthcheck')\ndef healthcheck():\n    return 'OK'\n"
            ),
        },
    )
    route = facts.health_route("ctf/__init__.py")
    assert (route.path, route.application) == ("/healthcheck", "ctf/__init__.py")
    assert "the request handling of `CTFdFlask`, a `Flask` of the code's own," in route.guess


def test_script_ports_from_code_resolve_with_each_containers_environment_and_arguments(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "app.py": "import os\nimport uvicorn\nuvicorn.run('app:app', port=int(os.environ.get('PORT', 8080)))\n",
            "flask_app.py": "from flask import Flask\napp = Flask(__name__)\napp.run(host='0.0.0.0')\n",
            "server.js": "const app = require('express')();\napp.listen(4000);\n",
            "cli.py": (
                "import argparse\nfrom aiohttp import web\np = argparse.ArgumentParser()\n"
                "p.add_argument('-l', '--listen-port', type=int, default=9000)\na = p.parse_args()\n"
                "web.run_app(web.Application(), port=a.listen_port)\n"
            ),
        },
    )
    set_port = {"PORT": Fact("8090", "compose.yaml:5: PORT=8090")}
    app = facts.script_ports["app.py"]
    assert (
        str(app.port(set_port, {}, "x"))
        == "app.py:3: uvicorn.run(port=os.environ.get('PORT', 8080)): reads $PORT, set at compose.yaml:5: PORT=8090"
    )
    assert app.port({}, {}, "x").value == "8080"
    assert facts.script_ports["flask_app.py"].port(set_port, {}, "x").value == "5000"
    assert facts.script_ports["server.js"].port(set_port, {}, "x").value == "4000"
    command = "compose.yaml:9: command: python cli.py --listen-port 9300"
    assert str(facts.script_ports["cli.py"].port({}, {"--listen-port": "9300"}, command)) == (
        f"{command} (cli.py:6: web.run_app(port=a.listen_port) reads --listen-port)"
    )
    assert facts.script_ports["cli.py"].port({}, {}, command).value == "9000"
    assert facts.script_ports["cli.py"].port({}, {"-l": "9400"}, command).value == "9400"  # its short form


def test_a_script_port_is_read_through_the_name_the_module_sets_it_to(tmp_path: Path) -> None:
    """`PORT = int(os.environ.get("PORT", "8096"))` at the top level, then `uvicorn.run(app,
    port=PORT)` (PMOVES.AI's services); onyx's `os.environ.get(...) or "9000"`. A name set
    elsewhere too, or imported, is not read."""
    run = "import os\nimport uvicorn\n{}\nuvicorn.run(app, host='0.0.0.0', port=PORT)\n"
    facts = routes_of(
        tmp_path,
        {
            "name.py": run.format("PORT = int(os.environ.get('PORT', '8096'))"),
            "annotated.py": run.format("PORT: int = 8097"),
            "either.py": run.format("PORT = int(os.environ.get('MODEL_SERVER_PORT') or '9000')"),
            "rebound.py": run.format("PORT = 8000\ndef configure():\n    global PORT\n    PORT = 9000"),
            "twice.py": run.format("PORT = 8000\nif os.environ.get('TLS'):\n    PORT = 8443"),
            "imported.py": run.format("from settings import PORT"),
        },
    )
    name = facts.script_ports["name.py"]
    assert (name.variable, name.default) == ("PORT", "8096")
    assert name.source == "name.py:4: uvicorn.run(port=PORT), name.py:3: PORT = int(os.environ.get('PORT', '8096'))"
    assert facts.script_ports["annotated.py"].port({}, {}, "x").value == "8097"
    either = facts.script_ports["either.py"]
    assert (either.variable, either.default) == ("MODEL_SERVER_PORT", "9000")
    for unread in ("rebound.py", "twice.py", "imported.py"):
        assert facts.script_ports[unread].port({}, {}, "x") is None, unread


def test_a_script_port_is_read_only_from_a_server_of_known_receiver(tmp_path: Path) -> None:
    """`serve` of the project's own, waitress bound with `listen=`, and a second `app.run` on
    another port: the port is not read, or is a guess."""
    facts = routes_of(
        tmp_path,
        {
            "own.py": "from flask import Flask\nfrom reports.app import serve\nserve(port=9000)\n",
            "listen.py": "import waitress\nwaitress.serve(app, listen='*:9000')\n",
            "two.py": "from flask import Flask\napp = Flask(__name__)\napp.run(port=8080)\napp.run(port=5001)\n",
        },
    )
    assert "own.py" not in facts.script_ports
    assert facts.script_ports["listen.py"].port({}, {}, "x") is None
    assert facts.script_ports["two.py"].port({}, {}, "x").guess == (
        "its code starts more than one server, and which one serves the route is not known"
    )


def test_the_standard_librarys_wsgi_server_listens_where_make_server_says(tmp_path: Path) -> None:
    """Falcon's tutorial serves its application with `wsgiref.simple_server.make_server(host,
    port, app)`; the script, run with the probe written, answered it."""
    facts = routes_of(
        tmp_path,
        {
            "app.py": (
                "from wsgiref.simple_server import make_server\nimport falcon\napp = falcon.App()\n"
                "with make_server('', 8000, app) as httpd:\n    httpd.serve_forever()\n"
            ),
            "local.py": "import falcon\nfrom wsgiref import simple_server\nsimple_server.make_server('172.20.0.5', 8000, app)\n",
        },
    )
    assert facts.script_ports["app.py"].port({}, {}, "x").value == "8000"
    assert facts.script_ports["local.py"].port({}, {}, "x").guess is not None


def test_a_server_function_is_known_by_the_name_an_import_gives_it_and_other_calls_are_not_written_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call is looked at as a server's only where its last name may be one's: makeplane's
    Django models made thousands of calls whose functions were written out (`ast.unparse`)
    each, a third of the time their code took to read; a function imported under another
    name is still the server's."""
    written = []
    unparse = ast.unparse
    monkeypatch.setattr(ast, "unparse", lambda node: written.append(node) or unparse(node))
    facts = routes_of(
        tmp_path,
        {
            "alias.py": "from waitress import serve as start\nstart(app, port=8081)\n",
            "module.py": "import uvicorn as u\nu.run('m:app', port=8082)\n",
            "models.py": "from django.db import models\n" + "print(models.Field(max_length=3))\n" * 50,
        },
    )
    assert facts.script_ports["alias.py"].default == "8081"
    assert facts.script_ports["module.py"].default == "8082"
    assert len(written) < 10, "each call of models.py is written out"


def test_a_server_started_with_tls_has_no_port_a_plain_probe_reaches(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "tls.py": "import uvicorn\nuvicorn.run(app, port=8443, ssl_certfile='/certs/cert.pem')\n",
            "plain.py": "from flask import Flask\napp = Flask(__name__)\napp.run(port=5001, ssl_context=None)\n",
        },
    )
    assert facts.script_ports["tls.py"].port({}, {}, "x") is None
    assert facts.script_ports["tls.py"].tls == "tls.py:2: `ssl_certfile='/certs/cert.pem'`"
    assert facts.script_ports["plain.py"].port({}, {}, "x").value == "5001"


@pytest.mark.parametrize(
    ("code", "port"),
    [
        ("let port = 3000;\nif (process.env.NODE_ENV === 'production') {\n  port = 8080;\n}\n", None),
        ("let port = 3000;\nport += 1;\n", None),
        ("let port = 3000;\nport++;\n", None),
        ("const port = 3000;\nif (port === 3000 || port >= 1024) console.log(port == 3000);\n", "3000"),
        ("const port = 3000;\nconst handler = (req, res) => res.send('ok');\nconfig.port = 9000;\n", "3000"),
    ],
    ids=["set-again", "added-to", "incremented", "compared", "property-of-another"],
)
def test_a_node_port_variable_set_again_is_not_known(tmp_path: Path, code: str, port: str | None) -> None:
    facts = routes_of(tmp_path, {"server.js": "const app = require('express')();\n" + code + "app.listen(port);\n"})
    found = facts.script_ports["server.js"].port({}, {}, "x")
    assert (found and found.value) == port


def test_a_shell_variable_is_expanded_only_where_its_value_is_known(tmp_path: Path) -> None:
    """A Dockerfile's `ENV APP_PORT=${APP_PORT}` is the build's; `${PORT:-8000}` with PORT
    perhaps set by an `env_file` not read gives no port."""
    facts = bound_service(
        tmp_path,
        {"svc/Dockerfile": "FROM python:3.12\nARG APP_PORT\nARG BUILT=9000\nENV APP_PORT=${APP_PORT} BUILT=$BUILT\n"},
        "services:\n  api:\n    build: ./svc\n    env_file: ./missing.env\n",
    )
    environment = facts.environment
    assert environment["BUILT"].value == "9000"
    assert launch_of(["sh", "-c", "uvicorn m:app --port ${APP_PORT}"], HERE, environment).port is None
    assert launch_of(["sh", "-c", "uvicorn m:app --port ${PORT:-8000}"], HERE, environment).port is None


def test_a_fixpoint_pass_reads_the_other_files_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A pass's document follows the one before it: fixes change the Compose file alone,
    so the Dockerfiles its services build and their code are not read again; a service
    whose build a fix changed reads its own."""
    path = MONOREPO / "before.yaml"
    text = path.read_text(encoding="utf-8")
    first = compose.parse(text, path)
    before = {service.name: service_facts(first, service, KNOWLEDGE) for service in first.services()}
    assert before["api"].route is not None and before["api"].build is not None

    read: list[str] = []
    parse_dockerfile, read_code = dockerfile.parse, code_facts

    def parse_and_note(text: str, location: Path, context: Path) -> dockerfile.DockerfileDocument:
        read.append(str(location))
        return parse_dockerfile(text, location, context)

    def read_and_note(context: BuildContext, sources: tuple[str, ...]) -> object:
        read.append(str(context.root))
        return read_code(context, sources)

    monkeypatch.setattr(dockerfile, "parse", parse_and_note)
    monkeypatch.setattr("hardenfix.facts.service.code_facts", read_and_note)
    fixed = compose.parse(text.replace('"8000:8000"', '"8000:8000"\n    restart: always'), path)
    fixed.follows(first)
    after = {service.name: service_facts(fixed, service, KNOWLEDGE) for service in fixed.services()}
    assert after["api"].route == before["api"].route and after["api"].build is before["api"].build
    assert read == []

    moved = compose.parse(text.replace("build: ./services/api\n", "build: ./services/web\n", 1), path)
    moved.follows(first)
    api = next(service for service in moved.services() if service.name == "api")
    assert service_facts(moved, api, KNOWLEDGE).build.dockerfile == "services/web/Dockerfile"
    assert read == [str(MONOREPO / "services" / "web" / "Dockerfile")]


def test_fixing_a_stack_in_several_passes_parses_each_dockerfile_once(monkeypatch: pytest.MonkeyPatch) -> None:
    path = MONOREPO / "before.yaml"
    parsed: list[str] = []
    parse_dockerfile = dockerfile.parse

    def parse_and_note(text: str, location: Path, context: Path) -> dockerfile.DockerfileDocument:
        parsed.append(location.name if location.parent == MONOREPO else str(location.relative_to(MONOREPO)))
        return parse_dockerfile(text, location, context)

    monkeypatch.setattr(dockerfile, "parse", parse_and_note)
    engine = Engine([rule() for rule in rules_of_kind(FileKind.COMPOSE)], unsafe_fixes=True)
    outcome = engine.fix(FileKind.COMPOSE, path.read_text(encoding="utf-8"), "before.yaml", SourceFile(path))
    assert outcome.fixed
    assert sorted(parsed) == sorted(set(parsed)) and "services/api/Dockerfile" in parsed


def test_a_context_is_read_once_per_run_while_its_files_stay_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stack's Compose file and the service's own read the same context: the second
    takes what the first read, its sources named from its own folder, and records the
    files as its dependencies too; a file changed since is read again."""
    from hardenfix.facts import code

    service = tmp_path / "services" / "api"
    (service / "app").mkdir(parents=True)
    main = service / "app" / "main.py"
    main.write_text("from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('/healthz')\ndef health(): ...\n")
    (service / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY app/ app/\nCMD uvicorn app.main:app\n")
    (tmp_path / "compose.yaml").write_text("services:\n  api:\n    build: services/api\n")
    (service / "compose.yaml").write_text("services:\n  api:\n    build: .\n")
    read: list[str] = []
    read_python = code._read_python
    monkeypatch.setattr(
        code, "_read_python", lambda relative, *rest: read.append(relative) or read_python(relative, *rest)
    )

    def health_route(compose_file: Path):
        document = compose.parse(compose_file.read_text(), compose_file)
        [api] = document.services()
        return service_facts(document, api, KNOWLEDGE).route, document.dependencies

    stack_route, _ = health_route(tmp_path / "compose.yaml")
    own_route, dependencies = health_route(service / "compose.yaml")
    assert read == ["app/main.py"]
    assert stack_route.source == "services/api/app/main.py:6: route /healthz"
    assert own_route.source == "app/main.py:6: route /healthz"
    assert str(main) in dependencies
    main.write_text(main.read_text().replace("/healthz", "/livez"))
    changed_route, _ = health_route(service / "compose.yaml")
    assert read == ["app/main.py", "app/main.py"] and changed_route.path == "/livez"


def test_a_module_is_read_once_for_every_part_of_its_context_an_image_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """makeplane's apps/api is read for a service whose image copies it whole and for one
    that copies some of its folders, mage-ai's root likewise: each module is read once, and
    what one reading learns from the others (an extension of another module that guards its
    application) is not carried to a reading without them; a module changed is read again."""
    from hardenfix.facts import code

    files = {
        "web/__init__.py": "from flask import Flask\nfrom ext.talisman import talisman\n"
        "app = Flask(__name__)\ntalisman.init_app(app)\n@app.get('/health')\ndef h(): ...\n",
        "ext/talisman.py": "from flask_talisman import Talisman\ntalisman = Talisman()\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    read: list[str] = []
    read_python = code._read_python
    monkeypatch.setattr(
        code, "_read_python", lambda relative, *rest: read.append(relative) or read_python(relative, *rest)
    )
    context = BuildContext(tmp_path)
    whole = code_facts(context, (".",)).health_route()
    alone = code_facts(context, ("web",)).health_route()
    assert sorted(read) == ["ext/talisman.py", "web/__init__.py"]
    assert whole.path == alone.path == "/health"
    assert whole.guess is not None and "talisman.init_app(app)" in whole.guess
    assert alone.guess is None
    (tmp_path / "web/__init__.py").write_text(files["web/__init__.py"].replace("/health", "/livez"))
    assert code_facts(context, ("web",)).health_route().path == "/livez"
    assert sorted(read) == ["ext/talisman.py", "web/__init__.py", "web/__init__.py"]


def test_a_module_read_in_two_build_contexts_is_parsed_once_and_named_by_each(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A monorepo's images copy the same folder from several build contexts (PMOVES.AI's
    `services/` from the repository's root and as a context of its own): each module is
    parsed once, and each context's facts name it by its own path, as its dotted name and
    what it says of itself depend on it."""
    from hardenfix.facts import code

    (tmp_path / "services/api").mkdir(parents=True)
    (tmp_path / "services/api/main.py").write_text(
        "import uvicorn\nfrom fastapi import FastAPI\nfrom .routes import router\n"
        "app = FastAPI()\napp.include_router(router, prefix='/api')\n"
        "if __name__ == '__main__':\n    uvicorn.run(app, port=8040)\n"
    )
    (tmp_path / "services/api/routes.py").write_text(
        "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/healthz')\ndef h(): ...\n"
    )
    parsed: list[str] = []
    parse = code.parsed_or_none
    monkeypatch.setattr(code, "parsed_or_none", lambda text: parsed.append(text) or parse(text))
    from_root = code_facts(BuildContext(tmp_path), ("services",))
    own = code_facts(BuildContext(tmp_path / "services"), (".",))
    assert len(parsed) == 2
    assert from_root.applications == {"services/api/main.py"}
    assert own.applications == {"api/main.py"}
    assert from_root.script_ports.keys() == {"services/api/main.py"}
    assert own.script_ports.keys() == {"api/main.py"}
    assert from_root.health_route().path == own.health_route().path == "/api/healthz"


def test_what_a_module_says_whatever_its_path_is_asked_once_and_told_by_each_contexts_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read in two build contexts, a module's text answers once what no path changes (whether
    a handler asks for authentication, what setting refuses a probe: `_Syntax.answers`), and
    each context's facts say it under the module's own path there."""
    from hardenfix.facts import code

    (tmp_path / "services/api").mkdir(parents=True)
    (tmp_path / "services/api/main.py").write_text(
        "from fastapi import Depends, FastAPI\napp = FastAPI()\napp.config = {}\n"
        "app.config['SERVER_NAME'] = 'api.example.com'\n"
        "@app.get('/healthz')\ndef h(user=Depends(get_current_user)): ...\n"
    )
    asked: list[str] = []
    for question in ("_asks_for_authentication", "_setting_that_refuses"):
        answer = getattr(code, question)
        monkeypatch.setattr(
            code, question, lambda node, answer=answer, question=question: asked.append(question) or answer(node)
        )
    from_root = code_facts(BuildContext(tmp_path), ("services",)).health_route()
    own = code_facts(BuildContext(tmp_path / "services"), (".",)).health_route()
    assert sorted(asked) == ["_asks_for_authentication", "_setting_that_refuses"]
    assert from_root.needs_auth and own.needs_auth
    assert from_root.guess.startswith("services/api/main.py:4 sets `SERVER_NAME`")
    assert own.guess.startswith("api/main.py:4 sets `SERVER_NAME`")


def test_every_call_name_call_reads_is_one_the_ordered_pass_hands_it() -> None:
    """`_read_in_order` hands `_call` only the calls `_CALLEES_READ` names: a name `_call`
    compares its callee with, and that set leaves out, would be read nowhere."""
    source = Path(code_module.__file__).read_text(encoding="utf-8")
    function = next(
        node for node in ast.parse(source).body if isinstance(node, ast.FunctionDef) and node.name == "_call"
    )
    compared: set[str] = set()
    for node in ast.walk(function):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name) and node.left.id == "callee"):
            continue
        for operand in node.comparators:
            if isinstance(operand, ast.Constant):
                compared.add(operand.value)
            elif isinstance(operand, ast.Tuple):
                compared.update(item.value for item in operand.elts)
            else:
                compared.update(getattr(code_module, operand.id))
    assert {"add_hook", "Mount", "get", "add_url_rule", "Talisman"} <= compared
    assert compared <= code_module._CALLEES_READ


def test_reading_a_context_runs_no_collection_and_freezes_what_it_keeps(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A collection while a context's code is read scans every syntax tree the reading builds
    and frees nothing (see `hardenfix.collector`): none runs, at any threshold;
    what the reading keeps is frozen, out of later collections' sight; and the collector is
    left on, or off, as it was."""
    from hardenfix.facts import code

    (tmp_path / "app.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get('/health')\ndef h(): ...\n"
    )
    context = BuildContext(tmp_path)
    collections: list[int] = []

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    during: list[int] = []
    read_python = code._read_python

    def watched(*arguments):
        before = len(collections)
        module = read_python(*arguments)
        during.append(len(collections) - before)
        return module

    monkeypatch.setattr(code, "_read_python", watched)

    threshold = gc.get_threshold()
    frozen = gc.get_freeze_count()
    gc.callbacks.append(record)
    gc.set_threshold(1)  # a collection at every allocation, unless none may run
    try:
        assert code_facts(context).health_route().path == "/health"
        assert during == [0]
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen
        gc.disable()
        (tmp_path / "app.py").write_text((tmp_path / "app.py").read_text().replace("/health", "/livez"))
        assert code_facts(context).health_route().path == "/livez"
        assert during == [0, 0]
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.set_threshold(*threshold)
        gc.callbacks.remove(record)
        gc.unfreeze()


def test_a_name_is_told_among_many_as_each_one_tells_it() -> None:
    """`_NamedAmong` answers for hundreds of routers at once what `_names_one` answers for each."""
    import itertools

    from hardenfix.facts import code

    parts = ("app", "api", "src", "server")
    names = [".".join(chosen) for length in (1, 2, 3) for chosen in itertools.product(parts, repeat=length)]
    for among in (names[::7], names[1::5], names[:4], ["src.app.server", "api"]):
        for modules in (frozenset(), frozenset(names[::3]), frozenset({"app", "src.app"})):
            named = code._NamedAmong(modules, among)
            for target in [*names, ""]:
                expected = any(code._names_one(modules, dotted, target) for dotted in among)
                assert named.by(target) == expected, (among, sorted(modules), target)


def test_what_of_the_context_an_image_holds(tmp_path: Path) -> None:
    """Its stage's copies, those of the stages it is built from and copies from, globs
    expanded; not a heredoc, a URL, or another image's files."""
    for name in ("services/api/main.py", "libs/shared/db.py", "config/a.toml", "config/b.toml", "docs/x.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("", encoding="utf-8")
    text = (
        "FROM python:3.12-slim AS base\nCOPY libs/shared/ /app/shared/\n"
        "FROM base AS build\nCOPY ./config/*.toml /etc/app/\n"
        "FROM python:3.12-slim AS unrelated\nCOPY docs/ /docs/\n"
        "FROM build\nWORKDIR /app\nCOPY services/api/ .\nCOPY --from=build /etc/app /etc/app\n"
        "COPY --from=nginx:1.27 /etc/nginx /etc/nginx\nADD https://example.com/x.tar.gz /x\n"
        "COPY <<EOF /app/run.sh\necho hi\nEOF\n"
    )
    built = dockerfile.parse(text, tmp_path / "Dockerfile", tmp_path)
    assert dockerfile.context_sources(built, built.final_stage) == (
        "config/a.toml",
        "config/b.toml",
        "libs/shared",
        "services/api",
    )
    whole = dockerfile.parse("FROM python:3.12-slim\nCOPY . /app\n", tmp_path / "Dockerfile", tmp_path)
    assert dockerfile.context_sources(whole, whole.final_stage) == (".",)


def test_services_sharing_a_context_have_the_routes_of_the_code_their_images_hold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`context: .` for every service: each image copies its own folder, and only that
    code gives its health route (another service's `/healthz` would be probed and fail),
    and only that code is read."""
    from hardenfix.facts import code

    for name, route in (("api", "/livez"), ("admin", "/healthz")):
        folder = tmp_path / "services" / name
        folder.mkdir(parents=True)
        (folder / "main.py").write_text(
            f"from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('{route}')\ndef health(): ...\n"
        )
        (folder / "Dockerfile").write_text(
            f"FROM python:3.12-slim\nWORKDIR /app\nCOPY services/{name}/ /app/\nCMD uvicorn main:app\n"
        )
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "serve.py").write_text("from flask import Flask\n")
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text(
        "services:\n"
        "  api:\n    build: {context: ., dockerfile: services/api/Dockerfile}\n"
        "  admin:\n    build: {context: ., dockerfile: services/admin/Dockerfile}\n"
    )
    read: list[str] = []
    read_python = code._read_python
    monkeypatch.setattr(
        code, "_read_python", lambda relative, *rest: read.append(relative) or read_python(relative, *rest)
    )
    document = compose.parse(compose_file.read_text(), compose_file)
    routes = {service.name: service_facts(document, service, KNOWLEDGE).route for service in document.services()}
    assert {name: route.source for name, route in routes.items()} == {
        "api": "services/api/main.py:6: route /livez",
        "admin": "services/admin/main.py:6: route /healthz",
    }
    assert sorted(read) == ["services/admin/main.py", "services/api/main.py"]


def _write(folder: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)


def _recording_readings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The paths `_read_python` reads from now on."""
    read: list[str] = []
    read_python = code_module._read_python
    monkeypatch.setattr(
        code_module, "_read_python", lambda relative, *rest: read.append(relative) or read_python(relative, *rest)
    )
    return read


_STATUS_ROUTER = "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/readyz')\ndef r(): ...\n"
_UNIMPORTED_TOOL = (
    "from fastapi import APIRouter, FastAPI\nrouter = APIRouter()\n@router.get('/healthz')\ndef h(): ...\n"
    "admin = FastAPI()\nadmin.mount('/', object())\n"
)


def test_the_code_a_served_application_runs_is_what_it_imports(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A process that serves an application runs its module and what that imports, by any
    kind of import, and nothing else of its image: a router in a module it never imports
    is never mounted (probing its `/healthz` would fail), nor does another application's
    `mount('/')` stand before its routes. Those modules are not read: PMOVES.AI's stack
    read its 112 modules of `services/` for each of three services (0.6 s to 0.44 s)."""
    _write(
        tmp_path,
        {
            "api/__init__.py": "",
            "api/main.py": "import api.setup\nfrom fastapi import FastAPI\nfrom .routes import status\napp = FastAPI()\n"
            "app.include_router(status.router)\n",
            "api/setup.py": "from api import (  # the package's own names\n    settings,\n)\n",
            "api/settings.py": "DEBUG = False\n",
            "api/routes/__init__.py": "",
            "api/routes/status.py": _STATUS_ROUTER,
            "tools/debug.py": _UNIMPORTED_TOOL,
        },
    )
    read = _recording_readings(monkeypatch)
    facts = _built_service(tmp_path, "WORKDIR /app\nCOPY . .\nCMD uvicorn api.main:app")
    assert facts.route is not None
    assert (facts.route.path, facts.route.source, facts.route.guess) == (
        "/readyz",
        "api/routes/status.py:3: route /readyz",
        None,
    )
    assert sorted(read) == ["api/main.py", "api/routes/status.py"]  # the others name no framework
    served = served_modules(BuildContext(tmp_path), (".",), "api/main.py", "api.main")
    assert served is not None and sorted(served) == [
        "api/__init__.py",
        "api/main.py",
        "api/routes/__init__.py",
        "api/routes/status.py",
        "api/settings.py",
        "api/setup.py",
    ]


def test_a_module_a_service_serves_is_parsed_once_for_facts_and_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The facts keep the syntax of the modules a stack's services serve, read when the
    stack is checked; the same process checking one of those modules' rules afterwards
    takes that tree, not a parse of its own: on PMOVES.AI's tree, one process parsed 60 ms
    of its 0.8 s twice."""
    served = f"from fastapi import FastAPI\napp = FastAPI()  # {tmp_path.name}\n@app.get('/livez')\ndef live(): ...\n"
    _write(tmp_path, {"api/main.py": served})
    assert _built_service(tmp_path, "WORKDIR /app\nCOPY . .\nCMD uvicorn api.main:app").route is not None
    parsed: list[str] = []
    parse = ast.parse
    monkeypatch.setattr(
        ast, "parse", lambda text, *rest, **options: parsed.append(text) or parse(text, *rest, **options)
    )
    document = python_source.parse(served)
    assert (parsed, document.tree) == ([], code_module._SYNTAX[served].tree)
    other = python_source.parse(served + "\n")
    assert (parsed, ast.dump(other.tree)) == ([served + "\n"], ast.dump(document.tree))


def test_a_served_application_without_a_health_route_has_none_of_code_it_does_not_run(tmp_path: Path) -> None:
    _write(
        tmp_path,
        {
            "api/main.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/items')\ndef items(): ...\n",
            "tools/debug.py": _UNIMPORTED_TOOL,
        },
    )
    facts = _built_service(tmp_path, "WORKDIR /app\nCOPY . .\nCMD uvicorn api.main:app")
    assert facts.route is None


def test_an_import_of_a_folder_the_image_puts_on_the_path_is_followed(tmp_path: Path) -> None:
    """The build context is `services/`, copied to `/app/services` with `PYTHONPATH=/app`:
    the code imports `services.common.health`, which is `common/health.py` of the context."""
    _write(
        tmp_path,
        {
            "api/app.py": "from fastapi import FastAPI\nfrom services.common.health import router\napp = FastAPI()\n"
            "app.include_router(router)\n",
            "common/__init__.py": "",
            "common/health.py": _STATUS_ROUTER,
        },
    )
    facts = _built_service(tmp_path, "WORKDIR /app\nCOPY . /app/services\nCMD uvicorn services.api.app:app")
    assert facts.route is not None
    assert (facts.route.path, facts.route.guess) == ("/readyz", None)
    assert sorted(served_modules(BuildContext(tmp_path), (".",), "api/app.py", "services.api.app") or ()) == [
        "api/app.py",
        "common/__init__.py",
        "common/health.py",
    ]


@pytest.mark.parametrize(
    "loads",
    [
        "importlib.import_module(os.environ['PLUGIN'])",
        "__import__(f'plugins.{os.environ[\"PLUGIN\"]}')",
        "",  # a plugin loaded some other way: `python -m plugins.auth` runs it too
    ],
)
def test_a_module_that_imports_the_served_one_runs_with_it(tmp_path: Path, loads: str) -> None:
    """However a plugin comes to be loaded, it changes the application it imports: its
    guard may refuse the probe."""
    _write(
        tmp_path,
        {
            "main.py": "import importlib, os\nfrom fastapi import FastAPI\napp = FastAPI()\n"
            f"@app.get('/healthz')\ndef h(): ...\n{loads}\n",
            "plugins/auth.py": "from main import app\nfrom .keys import RequireKey\napp.add_middleware(RequireKey)\n",
            "plugins/keys.py": "class RequireKey: ...\n",
            "tools/other.py": "import main as served_elsewhere\n",
        },
    )
    facts = _built_service(tmp_path, "WORKDIR /app\nCOPY . .\nCMD uvicorn main:app")
    assert facts.route is not None and facts.route.path == "/healthz"
    assert facts.route.guess == "its application runs `RequireKey` before each request, which may refuse the probe"
    served = served_modules(BuildContext(tmp_path), (".",), "main.py", "main")
    assert served is not None and sorted(served) == ["main.py", "plugins/auth.py", "plugins/keys.py", "tools/other.py"]


def test_settings_loaded_by_a_name_not_written_out_may_come_from_any_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(
        tmp_path,
        {
            "main.py": "import os\nfrom flask import Flask\napp = Flask(__name__)\n"
            "app.config.from_object(os.environ['SETTINGS'])\n@app.get('/healthz')\ndef h(): ...\n",
            "settings/production.py": "class Production:\n    SERVER_NAME = 'app.example.org'\n",
        },
    )
    assert served_modules(BuildContext(tmp_path), (".",), "main.py", "main") is None
    read = _recording_readings(monkeypatch)
    facts = _built_service(tmp_path, "WORKDIR /app\nCOPY . .\nCMD gunicorn main:app")
    assert facts.route is not None and (facts.route.guess or "").startswith(
        "settings/production.py:2 sets `SERVER_NAME`"
    )
    assert sorted(read) == ["main.py", "settings/production.py"]


def test_an_application_that_imports_most_of_its_code_is_read_with_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, {"main.py": "import a\nimport b\n", "a.py": "", "b.py": "", "c.py": ""})
    context = BuildContext(tmp_path)
    monkeypatch.setattr(code_module, "MAX_SERVED_MODULES", 3)
    assert served_modules(context, (".",), "main.py", "main") == ("main.py", "a.py", "b.py")
    monkeypatch.setattr(code_module, "MAX_SERVED_MODULES", 2)
    monkeypatch.setattr(code_module, "_SERVED", {})
    assert served_modules(context, (".",), "main.py", "main") is None


@pytest.mark.parametrize(
    ("stored", "recalled"),
    [
        ({"modules": ["main.py", "app/__init__.py"]}, ("main.py", "app/__init__.py")),
        ({"modules": None}, None),
        ({"modules": []}, "refused"),
        ({"modules": ["main.py", 3]}, "refused"),
        ({"modules": "main.py"}, "refused"),
        ({}, "refused"),
        (["main.py"], "refused"),
    ],
)
def test_the_modules_a_process_runs_come_back_from_the_cache_as_they_were_found(stored, recalled) -> None:
    kept = code_module._ServedModules.from_cache(stored)
    assert (kept.modules if kept is not None else "refused") == recalled
    if kept is not None:
        assert kept.to_cache() == stored


def test_each_module_of_a_context_is_scanned_once_for_every_module_served_from_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each served module looks at every other module's imports for one of itself: a
    monorepo's stack serves dozens from one context, whose modules are scanned once (30
    services over 918 modules took 0.86 s, and take 0.32)."""
    _write(tmp_path, {"api/main.py": "", "admin/main.py": "", "lib/db.py": "import os\n"})
    scanned: list[str] = []
    scan = code_module._imported_targets
    monkeypatch.setattr(
        code_module, "_imported_targets", lambda relative, data: scanned.append(relative) or scan(relative, data)
    )
    context = BuildContext(tmp_path)
    assert served_modules(context, (".",), "api/main.py", "api.main") == ("api/main.py",)
    assert served_modules(context, (".",), "admin/main.py", "admin.main") == ("admin/main.py",)
    assert sorted(scanned) == ["admin/main.py", "api/main.py", "lib/db.py"]


def test_the_imports_kept_are_bounded_and_the_other_contexts_go_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(code_module, "_IMPORTS", {})
    monkeypatch.setattr(code_module, "IMPORTS_KEPT", 3)
    for name in ("one", "two"):
        _write(tmp_path / name, {"main.py": "", "a.py": "", "b.py": ""})
    one, two = BuildContext(tmp_path / "one"), BuildContext(tmp_path / "two")
    served_modules(one, (".",), "main.py", "main")
    assert {relative for _, relative in code_module._IMPORTS} == {"main.py", "a.py", "b.py"}
    served_modules(two, (".",), "main.py", "main")
    assert set(code_module._IMPORTS) == {(two.identity, "main.py"), (two.identity, "a.py"), (two.identity, "b.py")}


def test_the_names_an_import_statement_may_import() -> None:
    text = (
        b"import os, a.x as y\n"
        b"from . import (q,  # a comment\n   r as s)\n"
        b"from ..z import *\n"
        b"    from m.n import o\n"
        b"from .... import above_the_top\n"
        b"reimport(x)\n"
        b"try: import fast_json as json\n"
        b"if TYPE_CHECKING: from .types import T\n"
        b"x = 1; import sys\n"
        b"from .\\\n    w import v\n"
        b"if sys.argv[1:]: import readline\n"
        b"if {'a': 1}.get('a:b'): from .x import y\n"
    )
    assert code_module._imported_targets("a/b/c.py", text) == [
        ("os", False),
        ("a.x", False),
        ("a.b", True),
        ("a.b.q", True),
        ("a.b.r", True),
        ("a.z", True),
        ("m.n", False),
        ("m.n.o", False),
        ("fast_json", False),
        ("a.b.types", True),
        ("a.b.types.T", True),
        ("sys", False),
        ("a.b.w", True),
        ("a.b.w.v", True),
        ("readline", False),
        ("a.b.x", True),
        ("a.b.x.y", True),
    ]


@pytest.mark.parametrize(
    ("command", "route"),
    [
        ("uvicorn main:app", "/healthz"),
        ("uvicorn --app-dir src main:app", "/ping"),
        ("uvicorn --app-dir=/app/src main:app", "/ping"),
        ("gunicorn --chdir src main:app", "/ping"),
        ("gunicorn --chdir src --pythonpath a,b main:app", "/status"),
        ("gunicorn --chdir src --pythonpath b,a main:app", "/ping"),
        ("gunicorn --chdir src --pythonpath missing main:app", "/ping"),
        ("granian --interface asgi --working-dir src main:app", "/healthz"),
    ],
)
def test_the_module_a_server_serves_is_found_where_it_imports_it_from(tmp_path: Path, command: str, route: str) -> None:
    """A server imports its target from the folders it puts first on `sys.path` (uvicorn's
    `--app-dir`, gunicorn's `--pythonpath`, last first, then `--chdir`; granian the folder
    it starts in before its `--working-dir`), each checked with the real server: another
    `main.py`'s route would be probed and answer 404."""
    for folder, path in (("", "/healthz"), ("src/", "/ping"), ("src/a/", "/ping"), ("src/b/", "/status")):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "main.py").write_text(
            f"from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get('{path}')\ndef health(): ...\n"
        )
    facts = _built_service(tmp_path, f"WORKDIR /app\nCOPY . .\nCMD {command}")
    assert facts.route is not None
    assert (facts.route.path, facts.route.guess) == (route, None)


@pytest.mark.parametrize(
    ("dockerfile", "port"),
    [
        ("WORKDIR /app\nCOPY . .\nCMD gunicorn main:app", "8000"),
        ("WORKDIR /app/src\nCOPY . /app\nCMD gunicorn main:app", None),
        ("WORKDIR /app\nCOPY . .\nCMD gunicorn --chdir src main:app", "8000"),
    ],
)
def test_gunicorn_reads_the_configuration_file_of_the_folder_it_starts_in(
    tmp_path: Path, dockerfile: str, port: str | None
) -> None:
    """`src/gunicorn.conf.py` binds another port where the process starts in `src`, copied
    there with the folder above it; not where `--chdir src` moves there, which gunicorn 27
    does after reading its configuration (app/base.py:155-200; run: it listened on 8000)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "main.py").write_text("from flask import Flask\n\napp = Flask(__name__)\n")
    (tmp_path / "src" / "gunicorn.conf.py").write_text("bind = '0.0.0.0:9000'\n")
    launch = _built_service(tmp_path, dockerfile).launch
    assert launch is not None
    assert (launch.port.value if launch.port is not None else None) == port


def test_a_script_that_starts_no_server_is_told_so_without_reading_the_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`python manage.py migrate` starts no server, as its text shows: the service's facts
    say so without reading the code around it, which in a large Django project took seconds.
    A script that may start one is read: what it runs first, then, as it creates no
    application, the rest."""
    (tmp_path / "manage.py").write_text("import sys\nfrom django.core.management import execute_from_command_line\n")
    (tmp_path / "serve.py").write_text("import uvicorn\nuvicorn.run('app:app', port=8001)\n")
    (tmp_path / "views.py").write_text("from django.http import JsonResponse\n")
    read = []
    monkeypatch.setattr(service_module, "code_facts", lambda *arguments: read.append(arguments) or CodeFacts())
    migrating = _built_service(tmp_path, 'COPY . /app\nWORKDIR /app\nCMD ["python", "manage.py", "migrate"]')
    assert (migrating.starts_a_server, migrating.speaks_tls, read) == (False, None, [])
    serving = _built_service(tmp_path, 'COPY . /app\nWORKDIR /app\nCMD ["python", "serve.py"]')
    assert not serving.starts_a_server  # the stand-in code facts hold no port
    assert [sources for _, sources, _ in read] == [("serve.py",), (".",)]


def test_a_process_reads_the_code_of_its_own_language_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A context two services share (`context: .`) holds a Flask application and an Express
    server: the node process serves none of Flask's routes, so its facts read no Python (in
    plane's repository, 466 Django modules), nor gunicorn's any JavaScript."""
    (tmp_path / "api.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get('/healthz')\ndef health(): ...\n"
    )
    (tmp_path / "server.js").write_text("const app = require('express')();\napp.get('/ping', f);\napp.listen(3000);\n")
    read = []
    monkeypatch.setattr(code_module, "_read_python", lambda relative, *rest: read.append(relative))
    monkeypatch.setattr(code_module, "_read_javascript", lambda relative, *rest: read.append(relative))
    node = _built_service(tmp_path, 'COPY . /app\nWORKDIR /app\nCMD ["node", "server.js"]')
    assert (node.route, read) == (None, ["server.js"])  # the stand-in readers find no route
    gunicorn = _built_service(tmp_path, 'COPY . /app\nWORKDIR /app\nCMD ["gunicorn", "-b", ":8000", "api:app"]')
    assert (gunicorn.route, read) == (None, ["server.js", "api.py"])


def _built_service(folder: Path, dockerfile: str):
    """The facts of the one service of a Compose file in `folder` that builds it from
    `FROM python:3.12-slim` and then `dockerfile`."""
    (folder / "Dockerfile").write_text(f"FROM python:3.12-slim\n{dockerfile}\n")
    compose_file = folder / "compose.yaml"
    compose_file.write_text("services:\n  api:\n    build: .\n")
    document = compose.parse(compose_file.read_text(), compose_file)
    [service] = document.services()
    return service_facts(document, service, KNOWLEDGE)


def test_the_volumes_that_bind_files_of_the_repository() -> None:
    """Paths of this checkout, and binds of the host's own paths, whose files are not known
    here; volumes, which Docker fills with what the image holds there, are left out."""
    document = compose.parse(
        "services:\n  app:\n    image: python:3.12-slim\n    volumes:\n"
        "      - ./src:/app:ro\n      - ../shared/:/app/shared/\n      - data:/var/lib/app\n      - /cache\n"
        "      - /srv/host:/mnt/host\n      - ~/.aws:/root/.aws\n      - ${CODE:-${SRC:-.}}:/code\n"
        "      - {type: bind, source: ., target: /workspace, read_only: true}\n"
        "      - {type: bind, source: docs, target: /docs}\n      - {type: bind, source: /etc/ssl, target: /ssl}\n"
        "      - {type: volume, source: data, target: /data}\n"
    )
    # compose-go resolves the long syntax's `docs` in the project folder; `data:` is a volume.
    # Each keeps its source as written: an interpolated one, whose `:` splits nothing, whole.
    assert document.services()[0].bind_mounts() == [
        compose.Mount("/app", "./src", "./src"),
        compose.Mount("/app/shared", "../shared/", "../shared/"),
        compose.Mount("/mnt/host", None, "/srv/host"),
        compose.Mount("/root/.aws", None, "~/.aws"),
        compose.Mount("/code", None, "${CODE:-${SRC:-.}}"),
        compose.Mount("/workspace", ".", "."),
        compose.Mount("/docs", "docs", "docs"),
        compose.Mount("/ssl", None, "/etc/ssl"),
    ]


def test_extends_merges_the_volumes_by_target() -> None:
    """As `docker compose config` shows: the extending service's entry wins, a volume hiding
    the bind it replaces."""
    document = compose.parse(
        "services:\n  base:\n    image: alpine\n    volumes: [./a:/app, ./b:/data, ./d:/logs]\n"
        "  child:\n    extends: base\n    volumes: [./c:/app, logs:/logs]\n"
    )
    child = next(service for service in document.services() if service.name == "child")
    assert child.bind_mounts() == [compose.Mount("/app", "./c", "./c"), compose.Mount("/data", "./b", "./b")]


def bound_service(tmp_path: Path, files: dict[str, str], service: str) -> object:
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text(service, encoding="utf-8")
    document = compose.parse(compose_file.read_text(), compose_file)
    return service_facts(document, document.services()[0], KNOWLEDGE)


APP = "from fastapi import FastAPI\napp = FastAPI()\n@app.get('{}')\ndef h(): ...\n"


@pytest.mark.parametrize(
    ("arguments", "base"),
    [
        ("{BASE_IMAGE: 'clickhouse/clickhouse-server:24.8'}", "clickhouse/clickhouse-server:24.8"),
        ("['BASE_IMAGE=clickhouse/clickhouse-server:24.8']", "clickhouse/clickhouse-server:24.8"),
        ("{BASE_IMAGE: '${CLICKHOUSE_IMAGE}'}", None),
        ("[BASE_IMAGE]", None),
        ("{BASE_IMAGE: }", None),
    ],
    ids=["mapping", "list", "interpolated", "from-the-environment", "null"],
)
def test_a_build_from_an_argument_starts_from_the_image_compose_gives(
    tmp_path: Path, arguments: str, base: str | None
) -> None:
    """`FROM ${BASE_IMAGE}` with the service's `build.args`: a value interpolated, or taken
    from the environment, is not known here, and the Dockerfile's default does not stand
    in for it."""
    facts = bound_service(
        tmp_path,
        {"clickhouse/Dockerfile": "ARG BASE_IMAGE=clickhouse/clickhouse-server:23.3\nFROM ${BASE_IMAGE}\n"},
        f"services:\n  clickhouse:\n    build:\n      context: ./clickhouse\n      args: {arguments}\n",
    )
    assert (facts.build.base_image.value if facts.build.base_image else None) == base
    assert facts.document.base_image_of(facts.service) == base
    if base is not None:
        assert facts.image.tool("wget").value


def test_a_dockerfile_written_inline_is_not_the_one_beside_it(tmp_path: Path) -> None:
    """`dockerfile_inline` replaces the context's `Dockerfile`: the file beside it, which
    installs curl and serves another port, says nothing of the image built."""
    facts = bound_service(
        tmp_path,
        {
            "Dockerfile": 'FROM python:3.12\nRUN apt-get install -y curl\nCOPY app/ /app/\nCMD ["uvicorn", "main:app"]\n',
            "app/main.py": APP.format("/healthz"),
        },
        "services:\n  api:\n    build:\n      context: .\n      dockerfile_inline: |\n"
        "        FROM python:3.12-slim\n        COPY app/ /app/\n"
        '        CMD ["uvicorn", "main:app", "--port", "9000"]\n',
    )
    assert facts.build is None and facts.image is None and facts.route is None
    assert facts.document.builds() == {}


def test_code_bound_over_the_working_directory_is_the_code_that_runs(tmp_path: Path) -> None:
    """The image holds an old copy of the code; the folder bound over Compose's
    `working_dir` hides it, and gives the route and the module served."""
    facts = bound_service(
        tmp_path,
        {
            "svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n",
            "svc/app/main.py": APP.format("/healthz"),
            "src/app/main.py": APP.format("/livez"),
        },
        "services:\n  api:\n    build: ./svc\n    working_dir: /code\n"
        "    command: uvicorn app.main:app --port 8000\n    volumes: ['./src:/code', './svc/app:/app/app']\n",
    )
    assert facts.working_directory == "/code"
    assert facts.route.source == "src/app/main.py:3: route /livez"
    assert facts._target_file == "app/main.py"


ROUTER_APP = "from fastapi import FastAPI\nfrom app.health import router\napp = FastAPI()\napp.include_router(router)\n"
ROUTER = "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/livez')\ndef h(): ...\n"


@pytest.mark.parametrize(
    ("bound", "route", "served"),
    [
        ("./dev/main.py", "dev/main.py:3: route /readyz", "main.py"),
        ("./svc/app/main.py", "svc/app/health.py:3: route /livez", "app/main.py"),
    ],
    ids=["another-file", "the-images-own"],
)
def test_a_file_bound_over_the_module_served_is_the_module_that_runs(
    tmp_path: Path, bound: str, route: str, served: str
) -> None:
    """The image's copy is hidden: another file is the module served, its routes the ones
    it defines. The very file the image copied changes nothing, and the router the image
    holds beside it still counts."""
    facts = bound_service(
        tmp_path,
        {
            "svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\n",
            "svc/app/main.py": ROUTER_APP,
            "svc/app/health.py": ROUTER,
            "dev/main.py": APP.format("/readyz"),
        },
        "services:\n  api:\n    build: ./svc\n    command: uvicorn app.main:app --port 8000\n"
        f"    volumes: ['{bound}:/srv/app/main.py:ro']\n",
    )
    assert facts.route.source == route
    assert facts._target_file == served


def test_a_stock_image_runs_a_file_bound_over_its_module(tmp_path: Path) -> None:
    facts = bound_service(
        tmp_path,
        {"site/server.py": APP.format("/healthz")},
        "services:\n  docs:\n    image: python:3.12-slim\n    command: uvicorn server:app --port 8080\n"
        "    working_dir: /srv\n    volumes: [./site/server.py:/srv/server.py]\n",
    )
    assert facts.runs_code_of_this_checkout and facts.route.source == "site/server.py:3: route /healthz"


def test_a_folder_bound_elsewhere_leaves_the_images_code(tmp_path: Path) -> None:
    facts = bound_service(
        tmp_path,
        {
            "svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY app/ app/\n",
            "svc/app/main.py": APP.format("/healthz"),
            "svc/config/app.py": APP.format("/livez"),
        },
        "services:\n  api:\n    build: ./svc\n    command: uvicorn app.main:app --port 8000\n"
        "    volumes: ['./svc/config:/etc/app']\n",
    )
    assert facts.route.source == "svc/app/main.py:3: route /healthz"


def test_an_image_without_the_code_and_no_folder_bound_over_it_has_no_route(tmp_path: Path) -> None:
    facts = bound_service(
        tmp_path,
        {"svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\n", "svc/app/main.py": APP.format("/healthz")},
        "services:\n  api:\n    build: ./svc\n    command: uvicorn app.main:app --port 8000\n",
    )
    assert facts.route is None


@pytest.mark.parametrize(
    "volumes",
    [["./svc:/app"], ["./svc/gunicorn.conf.py:/app/gunicorn.conf.py"]],
    ids=["in-a-folder-bound-over-it", "bound-on-its-own"],
)
def test_a_gunicorn_configuration_bound_into_the_working_directory_may_bind_elsewhere(
    tmp_path: Path, volumes: list[str]
) -> None:
    """gunicorn reads `gunicorn.conf.py` from its working directory, which may `bind` any
    port: 8000, its default, is then no fact."""
    facts = bound_service(
        tmp_path,
        {
            "svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY app/ app/\n",
            "svc/app/main.py": APP.format("/healthz"),
            "svc/gunicorn.conf.py": "bind = '0.0.0.0:9000'\n",
        },
        f"services:\n  api:\n    build: ./svc\n    command: gunicorn app.main:app\n    volumes: {volumes}\n",
    )
    assert facts.launch.program == "gunicorn" and facts.launch.port is None


ENTRYPOINT_DOCKERFILE = (
    'FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCOPY start.sh /start.sh\nENTRYPOINT ["/start.sh"]\n'
)


@pytest.mark.parametrize(
    ("script", "command", "port", "guess"),
    [
        # CTFd's docker-entrypoint.sh: what it sets is not known, and the server's own option is read.
        (
            "#!/bin/bash\nset -euo pipefail\nWORKERS=${WORKERS:-1}\npython ping.py\n"
            "exec gunicorn 'main:app' \\\n    --bind '0.0.0.0:8001' \\\n    --workers $WORKERS\n",
            None,
            "8001",
            None,
        ),
        # It reads the arguments it is given, and is given none.
        ('#!/bin/sh\nif [ "$1" = shell ]; then sh; fi\nexec uvicorn main:app --port 8002\n', None, "8002", None),
        # It sets what gunicorn reads; it moves to another folder first.
        ("#!/bin/sh\nexport GUNICORN_CMD_ARGS=--bind=:9000\nexec gunicorn main:app\n", None, "8000", "GUNICORN_CMD"),
        ("#!/bin/sh\ncd /srv/app\nexec gunicorn main:app -b :8003\n", None, "8003", "cd /srv/app"),
        # A port the script sets itself is not the container's: no port is read.
        ("#!/bin/sh\nPORT=9000\nexec uvicorn main:app --port $PORT\n", None, None, None),
        # Given a command it dispatches on; a branch that runs another server; not a shell script.
        ('#!/bin/sh\n[ "$1" = web ] && exec gunicorn main:app\nexec "$@"\n', "[web]", None, None),
        (
            '#!/bin/sh\nif [ -n "$WORKER" ]; then exec celery -A main worker; fi\nexec gunicorn main:app\n',
            None,
            None,
            None,
        ),
        ("#!/usr/bin/env python3\nimport os\nos.execvp('gunicorn', ['gunicorn', 'main:app'])\n", None, None, None),
    ],
)
def test_an_entrypoint_script_starts_the_server_it_leaves_running(
    tmp_path: Path, script: str, command: str | None, port: str | None, guess: str | None
) -> None:
    files = {"svc/Dockerfile": ENTRYPOINT_DOCKERFILE, "svc/start.sh": script, "svc/main.py": APP.format("/healthz")}
    facts = bound_service(
        tmp_path, files, "services:\n  api:\n    build: ./svc\n" + (f"    command: {command}\n" if command else "")
    )
    launch = facts.launch
    if launch is None or launch.port is None:
        assert port is None
        return
    assert launch.source.startswith("svc/start.sh:") and launch.port.value == port
    assert (launch.port.guess is None) is (guess is None)
    assert guess is None or guess in launch.port.guess
    if guess is None:
        assert facts.route is not None and facts.route.path == "/healthz"


def test_an_entrypoint_script_bound_over_the_image_is_read_from_the_host(tmp_path: Path) -> None:
    """CTFd binds its checkout over the image's copy (`.:/opt/CTFd:ro`): the script that
    runs is the checkout's."""
    files = {
        "svc/Dockerfile": ENTRYPOINT_DOCKERFILE,
        "svc/start.sh": "#!/bin/sh\nexec gunicorn main:app -b :8000\n",
        "svc/main.py": APP.format("/healthz"),
        "live/start.sh": "#!/bin/sh\nexec gunicorn main:app -b :8004\n",
    }
    facts = bound_service(
        tmp_path, files, "services:\n  api:\n    build: ./svc\n    volumes: ['./live/start.sh:/start.sh:ro']\n"
    )
    assert facts.launch.port == Fact("8004", "live/start.sh:2: exec gunicorn main:app -b :8004")


def test_a_module_served_is_the_file_python_runs_of_its_package(tmp_path: Path) -> None:
    """`uvicorn app:app` imports the package `app/` where the folder holds one, as Python does,
    before an `app.py` beside it: its routes are the application's (CTFd's `gunicorn
    'CTFd:create_app()'`), not the module's, which never runs."""
    facts = bound_service(
        tmp_path,
        {
            "svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD uvicorn app:app --port 8000\n",
            "svc/app/__init__.py": APP.format("/healthz"),
            "svc/app.py": APP.format("/livez"),
        },
        "services:\n  api:\n    build: ./svc\n",
    )
    assert facts.route is not None and facts.route.source == "svc/app/__init__.py:3: route /healthz"
    assert facts.route.application == "app/__init__.py"
    # `python -m app` runs the package's `__main__.py`, which starts the server.
    facts = bound_service(
        tmp_path,
        {
            "svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /srv\nCOPY . .\nCMD python -m app\n",
            "svc/app/__main__.py": "import uvicorn\n\nfrom app import app\n\nuvicorn.run(app, port=8123)\n",
        },
        "services:\n  api:\n    build: ./svc\n",
    )
    assert facts.port is not None and facts.port.value == "8123"


def test_a_stock_image_runs_code_of_this_checkout_only_where_it_is_bound_over_its_code(tmp_path: Path) -> None:
    """HF106 probes such a service from its code; a stock image running its own code, or
    code bound somewhere it does not run from, has none of this checkout's."""
    files = {"site/server.py": APP.format("/healthz")}
    command = "    image: python:3.12-slim\n    command: uvicorn server:app --port 8080\n"
    bound = bound_service(
        tmp_path, files, f"services:\n  docs:\n{command}    working_dir: /srv\n    volumes: [./site:/srv]\n"
    )
    assert bound.runs_code_of_this_checkout and bound.route.source == "site/server.py:3: route /healthz"
    for elsewhere in ("    volumes: [./site:/srv]\n", "    working_dir: /app\n    volumes: [./site:/srv]\n", ""):
        facts = bound_service(tmp_path, files, f"services:\n  docs:\n{command}{elsewhere}")
        assert not facts.runs_code_of_this_checkout and facts.route is None


@pytest.mark.parametrize(
    ("dockerfile", "inherited"),
    [
        ("FROM kong:3.9.3\nCOPY kong.yml /etc/kong/\n", True),
        ("FROM kong:3.9.3\nHEALTHCHECK NONE\n", False),
        ("FROM kong:2.4.1\n", False),
    ],
)
def test_a_build_inherits_the_healthcheck_its_base_image_declares(
    tmp_path: Path, dockerfile: str, inherited: bool
) -> None:
    facts = bound_service(
        tmp_path,
        {"gateway/Dockerfile": dockerfile, "gateway/kong.yml": ""},
        "services:\n  gateway:\n    build: ./gateway\n",
    )
    assert (facts.image_healthcheck is not None) is inherited
    if inherited:
        assert facts.image_healthcheck.source.startswith("Kong/docker-kong@d1ed165b:ubuntu/Dockerfile")


def test_code_the_host_binds_over_the_working_directory_is_not_known(tmp_path: Path) -> None:
    """An absolute path is the host's that runs the stack: the route and gunicorn's
    configuration there are not known, and the image's older copy is hidden."""
    facts = bound_service(
        tmp_path,
        {
            "svc/Dockerfile": "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\n",
            "svc/app/main.py": APP.format("/healthz"),
        },
        "services:\n  api:\n    build: ./svc\n    command: gunicorn app.main:app\n    volumes: [/srv/api:/app]\n",
    )
    assert facts.route is None and facts.launch.program == "gunicorn" and facts.launch.port is None
    assert facts.code_on_the_host == "/app"


@pytest.mark.parametrize(
    ("base", "port"),
    [("python:3.12-slim", "8000"), ("registry.example.com/platform/python-base:3.12", None)],
)
def test_gunicorns_default_port_needs_the_image_it_starts_from_known(
    tmp_path: Path, base: str, port: str | None
) -> None:
    """A base image hardenfix does not know may set a `WORKDIR` of its own and keep a
    `gunicorn.conf.py` there that binds another port: 8000 is then no fact."""
    facts = bound_service(
        tmp_path,
        {
            "svc/Dockerfile": f"FROM {base}\nRUN apt-get install -y curl\nCOPY app/ /srv/app/\nCMD gunicorn app.main:app\n"
        },
        "services:\n  api:\n    build: ./svc\n",
    )
    assert facts.launch.program == "gunicorn"
    assert (facts.launch.port.value if facts.launch.port is not None else None) == port


def test_the_empty_profile_starts_without_a_profile_and_gates_under_another() -> None:
    """graphiti's `profiles: [""]`: `docker compose up` starts the service (so HF106 does not
    call it diagnostic), and `docker compose --profile falkordb up` does not (so HF110 may not
    require its password): `docker-compose --profile x config --services` leaves it out, as
    it does dify's default vector store, `profiles: ["", weaviate]`."""
    document = compose.parse(
        'services:\n  db:\n    image: postgres:16\n    profiles: [""]\n  tools:\n    image: x\n'
        '    profiles: ["", debug]\n  trace:\n    image: y\n    profiles: [debug]\n  app:\n    image: z\n'
    )
    services = list(document.services())
    assert [service.profiles for service in services] == [("",), ("", "debug"), ("debug",), ()]
    assert [service.starts_without_a_profile for service in services] == [True, True, False, True]


def test_a_default_port_is_a_guess_where_an_env_file_is_not_in_the_checkout() -> None:
    """Compose refuses to start without a listed `env_file`: a stack that works has it, and
    it may set the port the launcher reads."""
    from hardenfix.facts import Environment

    launch = launch_of(["uvicorn", "main:app"], HERE, Environment(unread=(".env",)))
    assert launch.port.value == "8000"
    assert launch.port.guess == "`.env` is not in the checkout and may set $UVICORN_PORT"
    assert launch_of(["uvicorn", "main:app"], HERE, Environment()).port.guess is None


def test_a_launch_is_a_guess_where_its_address_or_options_variable_may_be_set() -> None:
    """An `env_file` not read, or the deploying shell, may set GUNICORN_CMD_ARGS
    (`--bind=0.0.0.0:8080`, `--certfile`) or UVICORN_HOST, which move what a probe of
    127.0.0.1:8000 reaches; an option on the command line wins over the variable."""
    from hardenfix.facts import Environment, Fact

    unread = Environment(unread=(".env",))
    launch = launch_of(["gunicorn", "-b", "0.0.0.0:8000", "app:app"], HERE, unread)
    assert launch.port.guess == "`.env` is not in the checkout and may set $GUNICORN_CMD_ARGS"
    shell = Environment()
    shell.pass_from_shell("GUNICORN_CMD_ARGS", "compose.yaml:7")
    launch = launch_of(["gunicorn", "-b", "0.0.0.0:8000", "app:app"], HERE, shell)
    assert launch.port.guess == "`compose.yaml:7` passes $GUNICORN_CMD_ARGS from the shell that deploys the stack"
    launch = launch_of(["uvicorn", "main:app", "--port", "8000"], HERE, unread)
    assert launch.port.guess == "`.env` is not in the checkout and may set $UVICORN_HOST"
    assumed = Environment({"UVICORN_HOST": Fact("0.0.0.0", "Dockerfile:3")})
    assumed.add_unread(".env")
    assert launch_of(["uvicorn", "main:app", "--port", "8000"], HERE, assumed).port.guess is not None
    assert launch_of(["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8000"], HERE, unread).port.guess is None
    set_here = Environment({"GUNICORN_CMD_ARGS": Fact("--workers 2", "compose.yaml:9")}, unread=(".env",))
    assert launch_of(["gunicorn", "-b", "0.0.0.0:8000", "app:app"], HERE, set_here).port.guess is None


def test_env_files_not_read_are_those_the_deployment_picks(tmp_path: Path) -> None:
    """An `env_file` named through a variable (agenta's `${ENV_FILE:-./.env.oss.gh}`) is the
    file the deployment's variables name, whatever its default holds; an optional one
    (`required: false`) absent here may be in the deployment: either may set any variable."""
    facts = bound_service(
        tmp_path,
        {"app.env": "A=1\n", "b.env": "B=2\n"},
        "services:\n  api:\n    image: python:3.12-slim\n    env_file:\n      - ./app.env\n"
        "      - ${ENV_FILE:-./b.env}\n      - {path: ./local.env, required: false}\n"
        "      - {path: ./b.env, required: false}\n",
    )
    assert {name: fact.value for name, fact in facts.environment.items()} == {"A": "1", "B": "2"}
    assert facts.environment.unread == ("${ENV_FILE:-./b.env}", "local.env")
    launch = launch_of(["uvicorn", "main:app"], HERE, facts.environment)
    assert launch.port.guess == "`${ENV_FILE:-./b.env}` is chosen at deploy time and may set $UVICORN_PORT"


def test_an_env_file_not_read_may_set_again_what_is_set_before_it(tmp_path: Path) -> None:
    """Compose reads the `env_file`s in order, over the image's `ENV`, and `environment` last:
    a `.env` not in the checkout may set again the port an earlier file or the Dockerfile sets
    (the probe of 8001 fails where it sets 9000), but not one set after it."""
    facts = bound_service(
        tmp_path,
        {
            "a.env": "UVICORN_PORT=8001\nPORT=3000\n",
            "b.env": "PORT=3001\n",
            "svc/Dockerfile": "FROM python:3.12\nENV HOST_PORT=80 APP_PORT=80\n",
        },
        "services:\n  api:\n    build: ./svc\n    env_file: [./a.env, .env, ./b.env]\n"
        "    environment:\n      HOST_PORT: 8080\n",
    )
    environment = facts.environment
    assert environment["UVICORN_PORT"].guess == "`.env` is not in the checkout and may set $UVICORN_PORT"
    assert environment["APP_PORT"].guess == "`.env` is not in the checkout and may set $APP_PORT"
    assert environment["PORT"].known and environment["HOST_PORT"].known
    launch = launch_of(["uvicorn", "main:app"], HERE, environment)
    assert (launch.port.value, launch.port.guess) == ("8001", environment["UVICORN_PORT"].guess)
    scripted = ScriptPort("app.py:3: int(os.environ.get('UVICORN_PORT', 8000))", "8000", variable="UVICORN_PORT")
    assert scripted.port(environment, {}, "cmd").guess == environment["UVICORN_PORT"].guess


@pytest.mark.parametrize(
    "text",
    [
        "MEILI_HTTP_ADDR: 0.0.0.0:7701\n",  # YAML style, as compose-go's `locateKeyName` allows
        "MEILI_ENV=production\nFROM_SHELL\n",  # a bare name: the deploying shell's value
        "export A='x\\'y' # c\nB=\"a\\nb\\\\c\" \n  C  =  3 #c\n#D=4\nE=a#b\n",
        'LEVEL="over\nPORT=7701\ntwo lines"\nNAME=x\n',  # a quoted value spans lines
        "A=1\nUNSET_IN_SHELL\nFROM_SHELL",  # a bare name on the last line, without a line break
    ],
)
def test_env_files_are_read_as_compose_reads_them(text: str, tmp_path: Path) -> None:
    """Docker Compose's own model of the service's environment, with `FROM_SHELL` exported,
    is what the `env_file` sets, and the shell's value where it passes a bare name."""
    (tmp_path / "app.env").write_text(text, encoding="utf-8")
    (tmp_path / "compose.yaml").write_text("services:\n  app:\n    image: x\n    env_file: app.env\n")
    shell = {**os.environ, "FROM_SHELL": "from the shell"}
    shell.pop("UNSET_IN_SHELL", None)
    command = [str(compose_binary()), "config", "--format", "json"]
    model = subprocess.run(command, cwd=tmp_path, env=shell, capture_output=True, text=True, check=True)
    environment = json.loads(model.stdout)["services"]["app"]["environment"]
    expected = {
        entry.name: entry.value if entry.value is not None else shell.get(entry.name)
        for entry in env_file_entries(text)
    }
    environment.pop("", None)  # compose-go's reading of a bare name on the last line
    assert environment == {name: value for name, value in expected.items() if value is not None}


@pytest.mark.parametrize(
    ("env_files", "dotenv"),
    [
        (["PORT=${APP_PORT:-8000}\n"], "APP_PORT=9000\n"),  # the project's variable: copied as written
        (["BASE=8000\nPORT=${BASE}\n"], ""),  # an earlier line's: filled in, a guess
        (['A=1\nB=${A}-x\nC="${A:+set}"\n'], "A=5\n"),  # the project's comes first
        (["D='${A}'\nDOL=a$$b\nE=${UNSET:-dflt}\n"], ""),  # quoted as written; an escape; a default
        (["A1=1\n", "B=${A1}-x\nREFUSED=${NEEDED:?}\n"], ""),  # what an earlier file sets
        # `format: raw`, as `docker run --env-file` reads it: every value as written.
        (['raw:\ufeff  A=1\n# c\n\nB=${A}-x\r\nC="q" # not a comment\nM= sp\t\nK=\nFROM_SHELL\nD=x=y\n'], ""),
        (["raw:A=1\n", "B=${A}-x\n"], ""),  # what a raw file sets, a later one reads
    ],
)
def test_env_file_values_are_interpolated_as_compose_interpolates_them(
    env_files: list[str], dotenv: str, tmp_path: Path
) -> None:
    """Each value, filled in as the Compose file would fill it (the convention of
    `environment`'s values, which a probe copies), is Docker Compose's own model of the
    container's environment; where the value reads what an earlier line sets, which the
    Compose file cannot read, it is filled in here and assumed (the deploying shell may set
    that name too): the model in a shell that sets none of them, and `FROM_SHELL`."""
    listed = []
    for index, text in enumerate(env_files):
        (tmp_path / f"f{index}.env").write_text(text.removeprefix("raw:"), encoding="utf-8", newline="")
        listed.append(f"{{path: f{index}.env, format: raw}}" if text.startswith("raw:") else f"f{index}.env")
    (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text(f"services:\n  app:\n    image: x\n    env_file: [{', '.join(listed)}]\n")
    unset = ("APP_PORT", "BASE", "A", "A1", "NEEDED")
    shell = {**{name: value for name, value in os.environ.items() if name not in unset}, "FROM_SHELL": "shell"}
    command = [str(compose_binary()), "config", "--format", "json"]
    model = subprocess.run(command, cwd=tmp_path, env=shell, capture_output=True, text=True)
    document = compose.parse(compose_file.read_text(), compose_file)
    environment = service_facts(document, document.services()[0], KNOWLEDGE).environment
    if "REFUSED" in env_files[-1]:
        assert model.returncode != 0 and "NEEDED" in model.stderr
        assert "REFUSED" not in environment and "REFUSED" in environment.from_shell
        return
    expected = json.loads(model.stdout)["services"]["app"]["environment"]
    project = document.project_environment()
    assert {
        **{name: compose.interpolate(fact.value, project).replace("$", "$$") for name, fact in environment.items()},
        **{name: shell[name] for name in environment.from_shell},
    } == expected
    assumed = {name for name, fact in environment.items() if not fact.known}
    assert assumed == ({"PORT"} if "BASE=8000" in env_files[0] else {"B"} if env_files[-1] == "B=${A}-x\n" else set())


def test_a_raw_env_file_compose_refuses_sets_nothing_known(tmp_path: Path) -> None:
    """`export A=1` in an `env_file` of `format: raw`: the name holds a blank, and Compose
    refuses the file, which a stack that works does not have as it is here."""
    (tmp_path / "a.env").write_text("PORT=8000\nexport A=1\n", encoding="utf-8")
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text("services:\n  app:\n    image: x\n    env_file: [{path: a.env, format: raw}]\n")
    model = subprocess.run([str(compose_binary()), "config"], cwd=tmp_path, capture_output=True, text=True)
    assert model.returncode != 0 and "contains whitespaces" in model.stderr
    document = compose.parse(compose_file.read_text(), compose_file)
    environment = service_facts(document, document.services()[0], KNOWLEDGE).environment
    assert environment.unread == ("a.env",) and "PORT" not in environment


def test_a_probe_never_copies_a_variable_only_an_env_file_sets(tmp_path: Path) -> None:
    """`PORT=${BASE}` after `BASE=8000` in an `env_file`: the container listens on 8000, and a
    probe of `${BASE}` in the Compose file would ask port 0 (Compose leaves `BASE` empty
    there). A port the project's variable gives is copied, and Compose fills it in alike."""
    files = {"app/Dockerfile": "FROM python:3.12-slim\nCOPY main.py .\n", "app/main.py": APP.format("/healthz")}
    service = (
        "services:\n  api:\n    build: ./app\n    env_file: app.env\n"
        '    command: ["sh", "-c", "uvicorn main:app --host 0.0.0.0 --port $$PORT"]\n'
    )
    facts = bound_service(tmp_path, {**files, "app.env": "BASE=8000\nPORT=${BASE}\n"}, service)
    assert facts.launch.program == "uvicorn" and facts.launch.port is None
    facts = bound_service(tmp_path, {**files, "app.env": "PORT=${APP_PORT:-8000}\n"}, service)
    assert facts.launch.port == Fact("${APP_PORT:-8000}", facts.launch.source)


@pytest.mark.parametrize(
    "dotenv",
    [
        "STACK_VERSION=${STACK_VERSION:-8.11.3}\n",  # ragflow's docker/.env
        "MAJOR=8\nSTACK_VERSION=${MAJOR}.11.3\n",
        'MAJOR=8\nSTACK_VERSION="${MAJOR:-7}.11.${MINOR-3}"\n',
        "STACK_VERSION=8.11.3\nSTACK_VERSION=${STACK_VERSION}-amd64\n",
        "MAJOR=8\nLITERAL='${MAJOR}'\nSTACK_VERSION=8.11.3\n",
    ],
)
def test_the_folders_env_file_is_interpolated_as_compose_interpolates_it(dotenv: str, tmp_path: Path) -> None:
    """The image Docker Compose's own model runs, in a shell that sets none of the
    variables, is the one reference the defaults and the `.env` give: its facts are the
    image's, assumed."""
    (tmp_path / ".env").write_text(dotenv, encoding="utf-8")
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text(
        "services:\n  es:\n    image: elasticsearch:${STACK_VERSION}\n    environment:\n      - L=${LITERAL-}\n"
    )
    shell = {
        name: value for name, value in os.environ.items() if name not in ("STACK_VERSION", "MAJOR", "MINOR", "LITERAL")
    }
    command = [str(compose_binary()), "config", "--format", "json"]
    model = json.loads(
        subprocess.run(command, cwd=tmp_path, env=shell, capture_output=True, text=True, check=True).stdout
    )
    document = compose.parse(compose_file.read_text(), compose_file)
    [service] = document.services()
    image = service_facts(document, service, KNOWLEDGE).image
    assert image is not None and model["services"]["es"]["image"] == f"elasticsearch:{image.tag}"
    assert image.guess == (
        f"`elasticsearch:${{STACK_VERSION}}` is read as `{model['services']['es']['image']}`,"
        " as the defaults and the folder's env files give it"
    )
    assert document.resolutions("${LITERAL-}")[-1] == model["services"]["es"]["environment"]["L"].replace("$$", "$")


@pytest.mark.parametrize(
    ("image", "dotenvs", "known"),
    [
        # onyx's nginx: no env file sets the registry, its default names the image.
        ("${BASE_IMAGE_REGISTRY:-docker.io}/library/nginx:1.25.5-alpine", {}, True),
        # Set in `.env` and `.env.example` to its default.
        ("postgres:${PG:-16}", {".env": "PG=16\n", ".env.example": "PG=16\n"}, True),
        # Two references (the shell's default, `.env`'s): which one a deployment runs is not known.
        ("postgres:${PG:-15}", {".env": "PG=16\n"}, False),
        ("postgres:${PG:?set PG}", {}, False),  # none at all
        ("${IMAGE}", {".env": "IMAGE=${REGISTRY:?}/postgres:16\n"}, False),
    ],
)
def test_an_image_named_through_variables_has_facts_where_it_names_one_image(
    image: str, dotenvs: dict[str, str], known: bool, tmp_path: Path
) -> None:
    for name, text in dotenvs.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    compose_file = tmp_path / "compose.yaml"
    compose_file.write_text(f"services:\n  db:\n    image: {image}\n")
    document = compose.parse(compose_file.read_text(), compose_file)
    [service] = document.services()
    facts = service_facts(document, service, KNOWLEDGE).image
    assert (facts is not None) is known
    assert facts is None or (facts.guess or "").startswith(f"`{image}` is read as ")


def test_a_variable_passed_from_the_shell_makes_what_rests_on_it_a_guess(tmp_path: Path) -> None:
    """`environment: [PORT]`, `PORT:` with no value and a bare `PORT` in an `env_file` take
    the deploying shell's value, which may be any port: the launcher's default, and the
    default a script gives its port, are guesses; a value set after it is known again."""
    facts = bound_service(
        tmp_path,
        {"a.env": "UVICORN_PORT\nAPP_PORT\nHOST_PORT: 80\n", "svc/Dockerfile": "FROM python:3.12\nENV PORT=80\n"},
        "services:\n  api:\n    build: ./svc\n    env_file: ./a.env\n"
        "    environment:\n      - PORT\n      - APP_PORT=8001\n",
    )
    environment = facts.environment
    assert "UVICORN_PORT" not in environment and "PORT" not in environment
    assert environment["APP_PORT"].known and environment["HOST_PORT"].value == "80"
    launch = launch_of(["uvicorn", "main:app"], HERE, environment)
    assert (launch.port.value, launch.port.guess) == (
        "8000",
        "`a.env:1` passes $UVICORN_PORT from the shell that deploys the stack",
    )
    scripted = ScriptPort("app.py:3: int(os.environ.get('PORT', 8000))", "8000", variable="PORT")
    assert (
        scripted.port(environment, {}, "cmd").guess
        == "`compose.yaml:6` passes $PORT from the shell that deploys the stack"
    )


@pytest.mark.parametrize(
    ("run", "removed"),
    [
        ("RUN apt-get install -y curl && apt autoremove -y curl", True),  # NVIDIA's chain-server image
        ("RUN apt-get install -y curl && dpkg -r curl", True),
        ("RUN apt-get install -y curl && dpkg --purge curl", True),
        ("RUN zypper install -y curl && zypper rm -y curl", True),
        ("RUN apt-get install -y curl && apt-get autoremove -y", False),  # only what nothing needs
    ],
)
def test_every_package_manager_removal_counts(run: str, removed: bool) -> None:
    facts = stage_facts(f"FROM debian:12\n{run}\n")
    assert ("curl" in facts.tools_removed) is removed


def test_debian_busybox_links_no_applets() -> None:
    """Debian's busybox package ships /bin/busybox alone: `wget` is no program of the image."""
    assert "wget" not in stage_facts("FROM debian:12\nRUN apt-get install -y busybox\n").tools_added
    assert "wget" in stage_facts("FROM alpine:3.20\nRUN apk add busybox\n").tools_added


@pytest.mark.parametrize(
    ("argv", "guessed"),
    [
        (["uvicorn", "main:app", "--host", "0.0.0.0", "--port", "8081"], False),
        (["uvicorn", "main:app", "--host", "172.20.0.5", "--port", "8081"], True),  # a static ipv4_address
        (["uvicorn", "main:app", "--host", "::1"], True),  # loopback, but not 127.0.0.1
        (["gunicorn", "-b", "[::]:8082", "main:app"], False),
        (["gunicorn", "-b", "172.20.0.6:8082", "main:app"], True),
        (["flask", "run", "-h", "localhost"], False),
        (["gunicorn", "-b172.20.0.7:8000", "main:app"], True),  # a value attached to its option
        (["uvicorn", "main:app", "--port", "8080", "UVICORN_HOST=172.20.0.5"], True),
        (["gunicorn", "main:app", "GUNICORN_CMD_ARGS=--bind 172.20.0.6:8080"], True),
        (["litestar", "run", "-H", "0.0.0.0"], False),
        (["litestar", "run", "-H", "::"], True),  # asyncio's IPV6_V6ONLY: run, 127.0.0.1 refused
        (["litestar", "run", "LITESTAR_HOST=172.20.0.5"], True),
    ],
)
def test_a_server_bound_to_another_address_is_a_guess(argv: list[str], guessed: bool) -> None:
    from hardenfix.facts import Environment, Fact

    variables = dict(word.split("=", 1) for word in argv if "=" in word and not word.startswith("-"))
    argv = [word for word in argv if word.split("=", 1)[0] not in variables]
    launch = launch_of(
        argv, HERE, Environment({name: Fact(value, "compose.yaml") for name, value in variables.items()})
    )
    assert launch.port is not None and (launch.port.guess is not None) is guessed


def test_a_django_pattern_list_joined_into_urlpatterns_is_served_at_the_root(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "settings.py": "INSTALLED_APPS = ['django.contrib.admin']\nALLOWED_HOSTS = ['*']\n",
            "urls.py": "from django.urls import include, path\nextra = [path('health/', h)]\n"
            "urlpatterns = [path('admin/', a)] + extra\n",
        },
    )
    assert ("/health/", None) in {(route.path, route.guess) for route in facts.routes}


def test_an_application_mounted_into_another_and_served_alone_has_its_own_routes_at_the_root(
    tmp_path: Path,
) -> None:
    """`uvicorn app.api:api_app` serves the sub-application alone, though app.main mounts it at /api."""
    facts = routes_of(
        tmp_path,
        {
            "app/main.py": "from fastapi import FastAPI\nfrom app.api import api_app\napp = FastAPI()\n"
            "app.mount('/api', api_app)\n",
            "app/api.py": "from fastapi import FastAPI\napi_app = FastAPI()\n@api_app.get('/health')\ndef h(): ...\n",
        },
    )
    served_alone, mounted = facts.health_route("app/api.py", "api_app"), facts.health_route("app/main.py", "app")
    assert [served_alone.path, mounted.path] == ["/health", "/api/health"]


@pytest.mark.parametrize(
    ("files", "served", "guess"),
    [
        (  # Starlette's HTTPSRedirectMiddleware answers 307 to https, which a probe cannot follow
            {
                "main.py": "from fastapi import FastAPI\nfrom starlette.middleware.httpsredirect import"
                " HTTPSRedirectMiddleware\napi = FastAPI()\n@api.get('/health')\ndef h(): ...\n"
                "app = HTTPSRedirectMiddleware(api)\n"
            },
            ("main.py", "app"),
            "the process serves `app = HTTPSRedirectMiddleware(api)`, code around its application that may refuse it",
        ),
        (  # the same module, the application itself served
            {
                "main.py": "from fastapi import FastAPI\nfrom starlette.middleware.httpsredirect import"
                " HTTPSRedirectMiddleware\napi = FastAPI()\n@api.get('/health')\ndef h(): ...\n"
                "app = HTTPSRedirectMiddleware(api)\n"
            },
            ("main.py", "api"),
            None,
        ),
        (  # fastapi-versioning serves every route below /v1 (its versioning.py)
            {
                "main.py": "from fastapi import FastAPI\nfrom fastapi_versioning import VersionedFastAPI\n"
                "app = FastAPI()\n@app.get('/health')\ndef h(): ...\napp = VersionedFastAPI(app)\n"
            },
            ("main.py", "app"),
            "the process serves `app = VersionedFastAPI(app)`, code around its application that may refuse it",
        ),
        (  # the wrapped application imported from the module that makes it
            {
                "api.py": "from fastapi import FastAPI\napi = FastAPI()\n@api.get('/health')\ndef h(): ...\n",
                "asgi.py": "from api import api\nfrom starlette_secure import Wrap\napp = Wrap(api, strict=True)\n",
            },
            ("asgi.py", "app"),
            "the process serves `app = Wrap(api, strict=True)`, code around its application that may refuse it",
        ),
        (  # an attribute of the module that makes it
            {
                "svc/__init__.py": "",
                "svc/server.py": "from fastapi import FastAPI\napi = FastAPI()\n@api.get('/health')\ndef h(): ...\n",
                "asgi.py": "from svc import server\nfrom secure import Wrap\napp = Wrap(server.api)\n",
            },
            ("asgi.py", "app"),
            "the process serves `app = Wrap(server.api)`, code around its application that may refuse it",
        ),
        (  # the application imported from its package, which the import names by its place
            {
                "svc/__init__.py": "from fastapi import FastAPI\napi = FastAPI()\n@api.get('/health')\ndef h(): ...\n",
                "svc/asgi.py": "from . import api\nfrom secure import Wrap\napp = Wrap(api)\n",
            },
            ("svc/asgi.py", "app"),
            "the process serves `app = Wrap(api)`, code around its application that may refuse it",
        ),
        (  # werkzeug's DispatcherMiddleware routes by prefix before the application sees the request
            {
                "app.py": "from flask import Flask\nfrom werkzeug.middleware.dispatcher import DispatcherMiddleware\n"
                "app = Flask(__name__)\n@app.get('/health')\ndef h(): ...\n"
                "app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {'/metrics': metrics_app})\n"
            },
            ("app.py", "app"),
            "its application runs `DispatcherMiddleware(app.wsgi_app, {'/metrics': metrics_app})` before each"
            " request, which may refuse the probe",
        ),
        (  # ProxyFix hands every request on; an extension bound to the application serves nothing
            {
                "app.py": "from flask import Flask\nfrom werkzeug.middleware.proxy_fix import ProxyFix\n"
                "app = Flask(__name__)\ndb = SQLAlchemy(app)\napp.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)\n"
                "@app.get('/health')\ndef h(): ...\n"
            },
            ("app.py", "app"),
            None,
        ),
    ],
    ids=[
        "https-redirect",
        "inner-served",
        "versioned",
        "imported",
        "an-attribute-of-its-module",
        "imported-from-its-package",
        "dispatcher",
        "proxy-fix",
    ],
)
def test_code_wrapped_around_the_served_application_makes_its_route_a_guess(
    tmp_path: Path, files: dict[str, str], served: tuple[str, str], guess: str | None
) -> None:
    route = routes_of(tmp_path, files).health_route(*served)
    assert route.path == "/health" and route.guess == guess


def test_only_the_modules_that_import_an_application_are_read_for_what_wraps_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The modules that name no framework are looked at for one that imports an application
    (an entry point that wraps it): on a package named as the application's module
    (`app.server` and `app/server/models.py`, mage-ai's hundred modules importing from
    `mage_ai.server`) only the import statements that may name it are parsed, unless one
    may start a server itself, whose port counts wherever it is."""
    from hardenfix.facts import code

    read: list[str] = []
    read_python = code._read_python
    monkeypatch.setattr(
        code, "_read_python", lambda relative, *rest: read.append(relative) or read_python(relative, *rest)
    )
    parsed: list[str] = []
    parse = code.parsed_or_none
    monkeypatch.setattr(code, "parsed_or_none", lambda text: parsed.append(text) or parse(text))
    worker = "from lib.server.models import Model\n\nMODELS = [Model]\n"
    facts = routes_of(
        tmp_path,
        {
            "app/server.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/health')\ndef h(): ...\n",
            "asgi.py": "from app.server import app\nfrom secure import Wrap\nwrapped = Wrap(app)\n",
            "lib/server/models.py": "class Model: ...\n",
            "lib/worker.py": worker,
            "lib/serve.py": (
                "from lib.server.models import Model\nfrom wsgiref.simple_server import make_server\n"
                "make_server('', 8081, Model)\n"
            ),
        },
    )
    assert sorted(read) == ["app/server.py", "asgi.py", "lib/serve.py"]
    assert "from lib.server.models import Model" in parsed and worker not in parsed
    assert facts.wrapped == {"asgi.py": {"wrapped": "Wrap(app)"}}
    assert facts.script_ports["lib/serve.py"].default == "8081"


def test_a_relative_import_in_a_packages_init_is_from_the_package(tmp_path: Path) -> None:
    """`from .routes import router` in `svc/__init__.py` imports `svc.routes`: read as
    `routes`, the application was said to serve the router of the context's own `routes.py`,
    and a probe of `/api/healthz` would have answered 404."""
    facts = routes_of(
        tmp_path,
        {
            "svc/__init__.py": "from fastapi import FastAPI\nfrom .routes import router\napp = FastAPI()\n"
            "app.include_router(router, prefix='/api')\n",
            "svc/routes.py": "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/health')\ndef h(): ...\n",
            "routes.py": "from fastapi import APIRouter\nrouter = APIRouter()\n@router.get('/healthz')\ndef h(): ...\n",
        },
    )
    route = facts.health_route("svc/__init__.py", "app")
    assert (route.path, route.module, route.guess) == ("/api/health", "svc/routes.py", None)


def test_an_import_of_the_application_counts_however_it_is_written(tmp_path: Path) -> None:
    """The names an import statement takes may stand in brackets over several lines, or go on
    after a backslash: the module is read whole all the same, and the port it serves on
    counts."""
    facts = routes_of(
        tmp_path,
        {
            "svc/__init__.py": "",
            "svc/server.py": "from fastapi import FastAPI\napi = FastAPI()\n@api.get('/health')\ndef h(): ...\n",
            "bracketed.py": "from svc import (  # (the API)\n    server,\n)\n"
            "from wsgiref.simple_server import make_server\nmake_server('', 8081, server.api)\n",
            "continued.py": "from svc import \\\n    server\n"
            "from wsgiref.simple_server import make_server\nmake_server('', 8082, server.api)\n",
        },
    )
    assert {path: port.default for path, port in facts.script_ports.items()} == {
        "bracketed.py": "8081",
        "continued.py": "8082",
    }


@pytest.mark.parametrize(
    ("files", "guess"),
    [
        (
            {"app.py": "from flask import Flask\napp = Flask(__name__)\napp.config['SERVER_NAME'] = 'example.org'\n"},
            "app.py:3 sets `SERVER_NAME`: Flask before 3.1 answers 404 to a request for another host, as a probe of"
            " 127.0.0.1 is",
        ),
        (
            {
                "config.py": "import os\nclass Production:\n    SERVER_NAME = os.environ['DOMAIN']\n",
                "app.py": "from flask import Flask\napp = Flask(__name__)\napp.config.from_object('config.Production')\n",
            },
            "config.py:3 sets `SERVER_NAME`: Flask before 3.1 answers 404 to a request for another host, as a probe"
            " of 127.0.0.1 is",
        ),
        (
            {
                "app.py": "from flask import Flask\napp = Flask(__name__)\napp.config.update(TRUSTED_HOSTS=['example.org'])\n"
            },
            "app.py:3 sets `TRUSTED_HOSTS`: Flask answers 400 to a request for a host it does not list, as a probe"
            " of 127.0.0.1 may be",
        ),
    ],
    ids=["server-name", "config-class", "trusted-hosts"],
)
def test_host_names_set_in_code_make_every_route_a_guess(tmp_path: Path, files: dict[str, str], guess: str) -> None:
    files["app.py"] += "@app.get('/health')\ndef h(): ...\n"
    assert [(route.path, route.guess) for route in routes_of(tmp_path, files).routes] == [("/health", guess)]


def test_a_starlette_host_route_makes_every_route_a_guess(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "app.py": "from starlette.applications import Starlette\nfrom starlette.routing import Host, Route\n"
            "app = Starlette(routes=[Route('/health', h), Host('api.example.org', app=api)])\n"
        },
    )
    assert [(route.path, route.guess) for route in facts.routes] == [
        ("/health", "app.py:3: `Host('api.example.org', ...)` serves its routes to requests for that host alone")
    ]


@pytest.mark.parametrize(
    ("files", "found"),
    [
        (  # Starlette: an application mounted by `Mount(prefix, app=...)`
            {
                "app.py": "from starlette.applications import Starlette\nfrom starlette.routing import Mount\n"
                "from api import api\napp = Starlette(routes=[Mount('/api', app=api)])\n",
                "api.py": "from fastapi import FastAPI\napi = FastAPI()\n@api.get('/health')\ndef h(): ...\n",
            },
            [("/api/health", None)],
        ),
        (  # aiohttp: routes added to a sub-application mounted below a prefix
            {
                "app.py": "from aiohttp import web\nsub = web.Application()\n"
                "sub.add_routes([web.get('/health', h)])\napp = web.Application()\napp.add_subapp('/api/', sub)\n"
            },
            [("/api/health", None)],
        ),
        (  # aiohttp: a route table added to a sub-application
            {
                "app.py": "from aiohttp import web\nroutes = web.RouteTableDef()\n@routes.get('/health')\n"
                "async def h(request): ...\nsub = web.Application()\nsub.add_routes(routes)\n"
                "app = web.Application()\napp.add_subapp('/api/', sub)\n"
            },
            [("/api/health", None)],
        ),
        (  # aiohttp: a list of routes never seen added
            {"app.py": "from aiohttp import web\nroutes = [web.get('/health', h)]\n"},
            [("/health", "`routes` is not seen mounted, so its routes may have a prefix")],
        ),
        (  # an application made by the call that mounts it is not followed
            {
                "app.py": "from fastapi import FastAPI\nfrom fastapi.middleware.wsgi import WSGIMiddleware\n"
                "from legacy import flask_app\napp = FastAPI()\napp.mount('/v1', WSGIMiddleware(flask_app))\n",
                "legacy.py": "from flask import Flask\nflask_app = Flask(__name__)\n@flask_app.get('/health')\ndef h(): ...\n",
            },
            [
                (
                    "/health",
                    "`app.mount('/v1', WSGIMiddleware(flask_app))` mounts an application of its own below a prefix",
                )
            ],
        ),
        (  # static files serve none of the context's routes
            {
                "app.py": "from fastapi import FastAPI\nfrom fastapi.staticfiles import StaticFiles\napp = FastAPI()\n"
                "app.mount('/static', StaticFiles(directory='static'))\n@app.get('/health')\ndef h(): ...\n"
            },
            [("/health", None)],
        ),
    ],
    ids=["starlette-mount-app", "aiohttp-list", "aiohttp-table", "aiohttp-unadded", "mounted-by-call", "static"],
)
def test_applications_mounted_below_a_prefix_serve_their_routes_below_it(
    tmp_path: Path, files: dict[str, str], found: list[tuple[str, str | None]]
) -> None:
    routes = routes_of(tmp_path, files).routes
    assert [(route.path, route.guess) for route in routes if not route.alone] == found


@pytest.mark.parametrize(
    ("handler", "guess"),
    [
        ("def h(token: str): ...", "its handler `h` needs `token` in the request"),
        ("def h(x_key: str = Header()): ...", "its handler `h` needs `x_key` in the request"),
        ("def h(q: Annotated[str, Query()]): ...", "its handler `h` needs `q` in the request"),
        ("def h(limit: Optional[int], verbose: bool = False): ...", "its handler `h` needs `limit` in the request"),
        ("def h(request: Request, q: str = Query('all')): ...", None),
        ("def h(db: Session = Depends(get_db)): ...", None),
        ("def h(user: Annotated[str, Depends(current)]): ...", None),
        ("async def h(request): ...", None),
    ],
)
def test_a_handler_that_needs_request_parameters_makes_its_route_a_guess(
    tmp_path: Path, handler: str, guess: str | None
) -> None:
    """FastAPI answers 422 to a request without a parameter the handler requires."""
    facts = routes_of(
        tmp_path, {"main.py": f"from fastapi import FastAPI\napp = FastAPI()\n@app.get('/health')\n{handler}\n"}
    )
    assert [(route.path, route.guess) for route in facts.routes] == [("/health", guess)]


def test_drf_default_permissions_make_django_routes_a_guess(tmp_path: Path) -> None:
    files = {
        "settings.py": "ALLOWED_HOSTS = ['*']\nREST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': "
        "['rest_framework.permissions.IsAuthenticated']}\n",
        "urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
    }
    assert [(route.path, route.guess) for route in routes_of(tmp_path, files).routes] == [
        (
            "/health/",
            "its settings set Django REST framework's `DEFAULT_PERMISSION_CLASSES` to"
            " ['rest_framework.permissions.IsAuthenticated'], which may refuse a probe without credentials",
        )
    ]
    files["settings.py"] = files["settings.py"].replace("IsAuthenticated", "AllowAny")
    (tmp_path / "settings.py").unlink()
    assert [(route.path, route.guess) for route in routes_of(tmp_path, files).routes] == [("/health/", None)]


def test_a_module_that_creates_no_application_may_serve_any_of_several(tmp_path: Path) -> None:
    files = {
        "api.py": "from fastapi import FastAPI\napi = FastAPI()\n@api.get('/health')\ndef h(): ...\n",
        "wsgi.py": "from factory import make\napp = make()\n",
    }
    facts = routes_of(tmp_path, files)
    assert facts.health_route("wsgi.py", "app").guess is None  # one application: the one it serves
    (tmp_path / "admin.py").write_text("from flask import Flask\nadmin = Flask(__name__)\n", encoding="utf-8")
    facts = routes_of(tmp_path, files)
    assert facts.health_route("wsgi.py", "app").guess == (
        "the process runs wsgi.py, which creates no application hardenfix reads, and of the code's 2 applications"
        " it may serve another than api.py"
    )
    assert facts.health_route("api.py", "api").guess is None


def test_a_module_read_that_imports_nothing_from_the_applications_package_may_serve_another(tmp_path: Path) -> None:
    """A Django project beside a Flask stub: its `wsgi.py` serves Django, not the stub's route."""
    files = {
        "proj/wsgi.py": "import os\nfrom django.core.wsgi import get_wsgi_application\n"
        "application = get_wsgi_application()\n",
        "devserver/fake_sso.py": "from flask import Flask\nsso = Flask(__name__)\n@sso.get('/healthz')\ndef h(): ...\n",
    }
    route = routes_of(tmp_path, files).health_route("proj/wsgi.py", "application")
    assert route.path == "/healthz" and route.guess == (
        "the process runs proj/wsgi.py, which creates no application hardenfix reads, and imports nothing from"
        " the package of devserver/fake_sso.py"
    )
    files["proj/wsgi.py"] = "from devserver.fake_sso import sso as application  # flask\n"
    assert routes_of(tmp_path, files).health_route("proj/wsgi.py", "application").guess is None


def test_a_bundle_that_names_no_framework_as_a_word_is_not_read(tmp_path: Path) -> None:
    """mage-ai's minified `frontend_dist` chunks hold `expression` and `phone` (not express
    nor hono): read for routes, 40 MB of them took 15 seconds. A server names its framework."""
    bundle = 'var t={expression:1,phone:2};t.get("/health",r);t.listen(8080);\n'
    server = 'import express from "express";\nconst app = express();\napp.get("/health", h);\napp.listen(3000);\n'
    facts = routes_of(tmp_path, {"static/chunks/1.js": bundle, "server.js": server})
    assert {route.module for route in facts.routes} == {"server.js"}
    assert set(facts.script_ports) == {"server.js"}


def test_a_node_process_serves_no_python_route(tmp_path: Path) -> None:
    files = {
        "server.js": "const app = require('express')();\napp.get('/', (req, res) => res.send('ok'));\napp.listen(3000);\n",
        "scripts/mock_api.py": "from fastapi import FastAPI\napp = FastAPI()\n@app.get('/health')\ndef h(): ...\n",
    }
    facts = routes_of(tmp_path, files)
    assert facts.health_route("server.js") is None
    assert "server.js" in facts.applications


@pytest.mark.parametrize(
    ("files", "guess"),
    [
        (
            {
                "app.py": "from aiohttp import web\napp = web.Application(middlewares=[auth])\n"
                "app.router.add_get('/health', h)\n"
            },
            "its application runs `middlewares=` on its `Application` before each request, which may refuse the probe",
        ),
        (
            {
                "app.py": "from aiohttp import web\napp = web.Application()\napp.middlewares.append(auth)\n"
                "app.router.add_get('/health', h)\n"
            },
            "its application runs `app.middlewares.append(auth)` before each request, which may refuse the probe",
        ),
        (
            {
                "app.py": "from sanic import Sanic\napp = Sanic('x')\n@app.on_request\nasync def key(request): ...\n"
                "@app.get('/health')\nasync def h(request): ...\n"
            },
            "its application runs `@app.on_request` `key` before each request, which may refuse the probe",
        ),
        (
            {
                "settings.py": "ALLOWED_HOSTS = ['*']\nMIDDLEWARE = ['django.middleware.common.CommonMiddleware',"
                " 'proj.middleware.ApiKeyMiddleware']\n",
                "urls.py": "from django.urls import path\nurlpatterns = [path('health/', h)]\n",
            },
            "its settings run `proj.middleware.ApiKeyMiddleware` before each request (`MIDDLEWARE`), which may"
            " refuse the probe",
        ),
        (
            {
                "app.py": "from flask import Flask\napp = Flask(__name__)\napp.config['BASIC_AUTH_FORCE'] = True\n"
                "@app.get('/health')\ndef h(): ...\n"
            },
            "app.py:3 sets `BASIC_AUTH_FORCE`: Flask-BasicAuth then asks every request for credentials",
        ),
        (
            {
                "app.py": "from flask import Flask\napp = Flask(__name__)\napp.config.from_file('config.json', json.load)\n"
                "@app.get('/health')\ndef h(): ...\n"
            },
            "app.py:3 reads its settings at run time (`app.config.from_file(...)`), which may set"
            " `SERVER_NAME` or `TRUSTED_HOSTS`: Flask answers 404 or 400 to a request for another host, as a probe"
            " of 127.0.0.1 is",
        ),
        (
            {
                "app.py": "from fastapi import FastAPI\nfrom fastapi.staticfiles import StaticFiles\napp = FastAPI()\n"
                "app.mount('/', StaticFiles(directory='static', html=True))\n@app.get('/healthz')\ndef h(): ...\n"
            },
            "`app.mount('/', StaticFiles(directory='static', html=True))` answers every path it matches, before the"
            " routes added after it",
        ),
    ],
    ids=[
        "aiohttp-middlewares",
        "aiohttp-append",
        "sanic-on-request",
        "django-middleware",
        "basic-auth-force",
        "settings-file",
        "root-mount",
    ],
)
def test_what_runs_before_every_request_in_other_spellings_makes_a_route_a_guess(
    tmp_path: Path, files: dict[str, str], guess: str
) -> None:
    routes = [route for route in routes_of(tmp_path, files).routes if not route.alone]
    assert [route.guess for route in routes] == [guess]


@pytest.mark.parametrize(
    "handler",
    [
        "def h(_: Annotated[None, Depends(verify_key)]): ...",
        "def h(user: CurrentUser): ...",
        "def h(credentials=Depends(bearer)): ...",
        "def h(user=Depends(require_admin)): ...",
    ],
)
def test_authentication_in_other_spellings_is_noted(tmp_path: Path, handler: str) -> None:
    facts = routes_of(
        tmp_path, {"main.py": f"from fastapi import FastAPI\napp = FastAPI()\n@app.get('/health')\n{handler}\n"}
    )
    assert [route.needs_auth for route in facts.routes] == [True]


@pytest.mark.parametrize(
    ("files", "found"),
    [
        (  # a GitHub-style webhook: Django answers 405 to a GET
            {
                "urls.py": "from django.urls import path\nfrom . import views\n"
                "urlpatterns = [path('webhooks/ping/', views.ping), path('health/', views.health)]\n",
                "views.py": "from django.views.decorators.http import require_POST, require_http_methods\n"
                "@require_POST\ndef ping(request): ...\n"
                "@require_http_methods(['GET', 'HEAD'])\ndef health(request): ...\n",
            },
            [("/health/", False)],
        ),
        (  # a class view with a login mixin redirects to the login page
            {
                "urls.py": "from django.urls import path\nfrom app.views import StatusView\n"
                "urlpatterns = [path('status/', StatusView.as_view())]\n",
                "app/views.py": "from django.contrib.auth.mixins import LoginRequiredMixin\nfrom django.views import View\n"
                "class StatusView(LoginRequiredMixin, View):\n    def get(self, request): ...\n",
            },
            [("/status/", True)],
        ),
        (  # Flask takes a MethodView's methods from the class: 405 to a GET
            {
                "app.py": "from flask import Flask\nfrom flask.views import MethodView\napp = Flask(__name__)\n"
                "class Ping(MethodView):\n    def post(self): ...\n"
                "app.add_url_rule('/ping', view_func=Ping.as_view('ping'))\n"
            },
            [],
        ),
        (
            {
                "app.py": "from starlette.applications import Starlette\nfrom starlette.endpoints import HTTPEndpoint\n"
                "from starlette.routing import Route\nclass Ping(HTTPEndpoint):\n    async def post(self, request): ...\n"
                "class Health(HTTPEndpoint):\n    async def get(self, request): ...\n"
                "app = Starlette(routes=[Route('/ping', Ping), Route('/health', Health)])\n"
            },
            [("/health", False)],
        ),
        (  # Django REST framework's permission classes on the view
            {
                "urls.py": "from django.urls import path\nfrom api.views import Health\n"
                "urlpatterns = [path('health/', Health.as_view())]\n",
                "api/views.py": "from rest_framework.permissions import IsAuthenticated\n"
                "from rest_framework.views import APIView\nclass Health(APIView):\n"
                "    permission_classes = [IsAuthenticated]\n    def get(self, request): ...\n",
            },
            [("/health/", True)],
        ),
    ],
    ids=["require-post", "login-mixin", "method-view", "http-endpoint", "drf-permission-classes"],
)
def test_a_view_named_by_a_route_says_which_methods_it_answers_and_whether_it_asks_for_credentials(
    tmp_path: Path, files: dict[str, str], found: list[tuple[str, bool]]
) -> None:
    files.setdefault("settings.py", "ALLOWED_HOSTS = ['*']\n")
    assert [(route.path, route.needs_auth) for route in routes_of(tmp_path, files).routes] == found


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(  # a handler of another module, listed by the application: mounted there
            {
                "ops.py": "import litestar\n@litestar.get('/health')\nasync def health() -> str: ...\n",
                "main.py": "from litestar import Litestar\nfrom ops import health\napp = Litestar([health])\n",
            },
            {"/health": None},
            id="litestar-handler-of-another-module",
        ),
        pytest.param(  # listed by no layer: Litestar serves it nowhere
            {"main.py": "from litestar import get\n@get('/health')\nasync def health() -> str: ...\n"},
            {"/health": "`health` is not seen mounted, so its routes may have a prefix"},
            id="litestar-handler-never-listed",
        ),
        pytest.param(
            {
                "main.py": (
                    "from litestar import Controller, Litestar, get\n"
                    "class Ops(Controller):\n    path = '/ops'\n    guards = [check]\n"
                    "    @get('/health')\n    async def health(self) -> str: ...\n"
                    "app = Litestar(route_handlers=[Ops])\n"
                )
            },
            {
                "/ops/health": "its application runs `guards=` on its controller `Ops` before each request, which may"
                " refuse the probe"
            },
            id="litestar-controller-guards",
        ),
        pytest.param(  # Bottle's `route(path, method)`
            {"main.py": "from bottle import Bottle\napp = Bottle()\n@app.route('/health', 'POST')\ndef h(): ...\n"},
            {},
            id="bottle-method-by-position",
        ),
        pytest.param(
            {
                "main.py": (
                    "import tornado.web\nfrom base import Base\n"
                    "class Health(Base):\n    def get(self): ...\n"
                    "app = tornado.web.Application([(r'/health', Health), (r'/status/(.*)', Health)])\n"
                )
            },
            {"/health": "its base class `Base` is not read, and may refuse the probe"},
            id="tornado-base-not-read",
        ),
        pytest.param(
            {
                "main.py": (
                    "import tornado.web\nclass Health(tornado.web.RequestHandler):\n    def get(self): ...\n"
                    "app = tornado.web.Application()\n"
                    "app.add_handlers(r'api\\.example\\.com', [(r'/health', Health)])\n"
                    "app.add_handlers(r'.*', [tornado.web.url(r'/ready\\/?', Health)])\n"
                )
            },
            {
                "/health": "it is served to requests for the hosts `'api\\\\.example\\\\.com'` matches alone, which a"
                " probe of 127.0.0.1 may not be",
                "/ready": None,
            },
            id="tornado-host-patterns",
        ),
    ],
)
def test_litestar_bottle_and_tornado_routes(tmp_path: Path, files: dict[str, str], expected: dict) -> None:
    facts = routes_of(tmp_path, files)
    assert {route.path: route.guess for route in facts.routes} == expected


def test_a_tornado_server_made_with_tls_answers_no_plain_probe(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "main.py": (
                "import tornado.web\nfrom tornado.httpserver import HTTPServer\n"
                "app = tornado.web.Application([])\n"
                "server = HTTPServer(app, ssl_options={'certfile': 'c.pem'})\nserver.listen(8443)\n"
            )
        },
    )
    assert facts.script_ports["main.py"].tls == "main.py:4: `ssl_options={'certfile': 'c.pem'}`"


def test_a_tornado_port_option_is_read_from_the_command_only_where_the_script_parses_it(tmp_path: Path) -> None:
    facts = routes_of(
        tmp_path,
        {
            "parsed.py": (
                "from tornado.options import define, options\nimport tornado.web\ndefine('port', default=8888)\n"
                "options.parse_command_line()\ntornado.web.Application([]).listen(1)\n"
                "app = tornado.web.Application([])\napp.listen(options.port)\n"
            ),
            "fixed.py": (
                "from tornado.options import define, options\nimport tornado.web\ndefine('port', default=8888)\n"
                "app = tornado.web.Application([])\napp.listen(options.port)\n"
            ),
        },
    )
    parsed, fixed = facts.script_ports["parsed.py"], facts.script_ports["fixed.py"]
    assert parsed.read_from == ("8888", None, "--port") and fixed.read_from == ("8888", None, None)


@pytest.mark.parametrize(
    ("requirements", "at_least"),
    [
        (["streamlit==1.40.0", "pandas>=2"], True),
        (["Streamlit[snowflake] ~= 1.20"], True),
        (["streamlit>=1.30,<2"], True),
        (["streamlit==1.40.0 --hash=sha256:00"], True),
        (["streamlit==1.12.0"], False),
        (["streamlit==1.12.0", "streamlit==1.17"], False),
        (["streamlit"], None),
        (["streamlit>1.17"], None),  # 1.17.1 too
        (["streamlit>=1.12"], None),
        (["streamlit==1.40.0", "streamlit"], None),
        (["streamlit @ https://example.com/streamlit.whl"], None),
        (["streamlit-aggrid==1.0"], None),
        ([], None),
    ],
)
def test_the_version_a_requirement_allows(requirements, at_least) -> None:
    """Whether requirements tell that streamlit is 1.18.0 or later, where its health route
    moved (`/healthz` before): all of them, or each a pin before it, else nothing is told."""
    assert version_at_least(versions_declared(requirements, "streamlit", "test"), "1.18.0") is at_least


@pytest.mark.parametrize(
    ("files", "lowest"),
    [
        ({"pyproject.toml": _POETRY.format('streamlit = "^1.30"')}, [("1.30", False)]),
        ({"pyproject.toml": _POETRY.format('streamlit = "~1.30"')}, [("1.30", False)]),
        ({"pyproject.toml": _POETRY.format('streamlit = "1.12.0"')}, [("1.12.0", True)]),
        ({"pyproject.toml": _POETRY.format('streamlit = ">=1.30,<2"')}, [("1.30", False)]),
        ({"pyproject.toml": _POETRY.format('streamlit = "*"')}, [(None, False)]),
        ({"pyproject.toml": _POETRY.format('streamlit = { version = "^1.30", extras = ["pdf"] }')}, [("1.30", False)]),
        ({"pyproject.toml": _POETRY.format('streamlit = { git = "https://example.com/s.git" }')}, [(None, False)]),
        # a lock's pin stands for the project's requirement, not for a requirements file's
        ({"pyproject.toml": _POETRY.format('streamlit = "*"'), "poetry.lock": _LOCKED}, [("1.40.0", True)]),
        ({"requirements.txt": "streamlit\n", "uv.lock": _LOCKED}, [("1.40.0", True), (None, False)]),
        ({"Pipfile.lock": '{"default": {"streamlit": {"version": "==1.40.0"}}}'}, [("1.40.0", True)]),
    ],
)
def test_the_versions_a_folder_declares(tmp_path: Path, files, lowest) -> None:
    """Poetry's `^` and `~` allow the version written and up; a bare version, that one alone."""
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    declared = folder_declarations(BuildContext(tmp_path), ".").versions("streamlit")
    assert [(found.lowest, found.pinned) for found in declared] == lowest
