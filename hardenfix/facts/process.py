"""The program a container starts, and the port it listens on, read from its command.

A command is an argument vector (Compose's `command`/`entrypoint`, a Dockerfile's
`ENTRYPOINT`/`CMD`). A shell wrapper (`sh -c "alembic upgrade head && exec uvicorn
..."`) is looked into: the last simple command is the long-running one. Wrappers that
start another program (`python -m`, `poetry run`, `tini --`, `gosu app`, `dumb-init`,
`opentelemetry-instrument`) are skipped.

A port comes, strongest first, from the launcher's own option (`--port 8080`, `-b
:8080`), from an environment variable the launcher reads (`UVICORN_PORT`, gunicorn's
`PORT`, `FLASK_RUN_PORT`), or from the launcher's documented default (uvicorn's 8000).
A variable in the command is resolved only where something expands it: Compose's
`${VAR:-default}` stays as written (a probe that writes the same expression resolves
the same way), a shell's `$VAR` is looked up in the container's environment.
"""

from __future__ import annotations

import contextlib
import posixpath
import re
import shlex
from collections.abc import Mapping, Sequence
from typing import NamedTuple

from hardenfix import probes, regexes
from hardenfix.facts import ANY_IPV6, REACHED_FROM_INSIDE, Environment, Fact, unread_may_set, written_port

_RUNNERS = {("poetry", "run"), ("uv", "run"), ("pipenv", "run"), ("pdm", "run"), ("hatch", "run"), ("rye", "run")}
_RUNNERS_LOADING_DOTENV = frozenset({("pipenv", "run")})
"""Runners that load the project's `.env` into the command's environment, over the
container's own (pipenv's cli/command.py `run` calls `load_dot_env`, with `override=True`)."""
_SHELL_VARIABLE = regexes.lazy(r"\$(?:\{(\w+)(?::?-([^}]*))?\}|(\w+))")
# In a Compose value, `$$` escapes a `$` for the container's shell; a single `$` is Compose's own.
_COMPOSE_ESCAPED_VARIABLE = regexes.lazy(r"\$\$(?:\{(\w+)(?::?-([^}]*))?\}|(\w+))")


class Launcher(NamedTuple):
    """How one server program is told its port."""

    port_options: tuple[str, ...]
    """Options whose value is a port."""
    bind_options: tuple[str, ...]
    """Options whose value is an address: `host:port`, `:port`, or `unix:/path` (no port)."""
    port_variables: tuple[str, ...]
    """Environment variables the program reads for its port, in precedence order."""
    default_port: str
    """The documented default."""
    documentation: str
    socket_options: tuple[str, ...] = ()
    """Options that make it listen on a Unix socket, an inherited descriptor or endpoints of its own
instead (daphne 4.1 cli.py:237-260 adds its default host and port only without `-e`)."""
    serves: str | None = None
    """What it serves where that is not an application of the code (whose routes are then none
of its own): `python -m http.server` serves the files of a folder, streamlit a script's page."""
    root_path_options: tuple[str, ...] = ()
    """Options giving the path it is mounted below behind a proxy, which it passes on without
putting it before the request's path (see `_ROOT_PATH_REFUSES`)."""


LAUNCHERS = {
    "uvicorn": Launcher(
        ("--port",), (), ("UVICORN_PORT",), "8000", "https://www.uvicorn.org/settings/", ("--uds", "--fd")
    ),
    "gunicorn": Launcher(
        (), ("-b", "--bind"), ("PORT",), "8000", "https://docs.gunicorn.org/en/stable/settings.html#bind"
    ),
    "hypercorn": Launcher(
        (), ("-b", "--bind"), (), "8000", "https://hypercorn.readthedocs.io/en/latest/how_to_guides/configuring.html",
        root_path_options=("--root-path",),
    ),
    "daphne": Launcher(
        ("-p", "--port"), (), (), "8000", "https://github.com/django/daphne#readme",
        ("-u", "--unix-socket", "--fd", "-e", "--endpoint"), root_path_options=("--root-path",),
    ),
    "granian": Launcher(
        ("--port",), (), ("GRANIAN_PORT",), "8000", "https://github.com/emmett-framework/granian#options", ("--uds",),
        root_path_options=("--url-path-prefix",),
    ),
    "flask": Launcher(("-p", "--port"), (), ("FLASK_RUN_PORT",), "5000", "https://flask.palletsprojects.com/en/stable/cli/"),
    "fastapi": Launcher(("--port",), (), ("PORT",), "8000", "https://fastapi.tiangolo.com/fastapi-cli/"),
    "litestar": Launcher(
        ("-p", "--port"), (), ("LITESTAR_PORT",), "8000", "https://docs.litestar.dev/latest/usage/cli.html",
        ("-U", "--uds", "--unix-domain-socket", "-F", "--fd", "--file-descriptor"),
    ),
    "waitress-serve": Launcher(
        ("--port",), ("--listen",), (), "8080", "https://docs.pylonsproject.org/projects/waitress/en/stable/runner.html",
        ("--unix-socket",),
    ),
    "streamlit": Launcher(
        ("--server.port",), (), ("STREAMLIT_SERVER_PORT",), "8501",
        "https://docs.streamlit.io/develop/api-reference/configuration/config.toml",
        serves="streamlit serves its script's page, not the code's routes: probe its own `/_stcore/health`",
    ),
    "flower": Launcher(
        ("--port",), (), ("FLOWER_PORT",), "5555", "https://flower.readthedocs.io/en/latest/config.html",
        ("--unix_socket", "--unix-socket"),
    ),
    "http.server": Launcher(
        (), (), (), "8000", "https://docs.python.org/3/library/http.server.html",
        serves="`python -m http.server` serves the files of a folder, not the code's routes",
    ),
}  # fmt: skip
"""Server programs by the name they are started as (`python -m NAME` or the script NAME)."""

_TLS_OPTIONS = frozenset(
    {"--ssl-keyfile", "--ssl-certfile", "--keyfile", "--certfile", "--cert", "--server.sslCertFile"}
)
"""Options of uvicorn, gunicorn, hypercorn, `flask run` and streamlit that make them speak TLS
alone: a plain HTTP probe gets no answer (uvicorn --ssl-certfile, gunicorn --certfile, flask
--cert)."""
_PROTOCOL_OPTIONS = {
    "gunicorn": ("--protocol", None, frozenset({"http"})),
    "granian": ("--http", "GRANIAN_HTTP", frozenset({"auto", "1"})),
}
"""Options (and the variable that gives one) choosing the protocol a server speaks on its port,
with the values that keep HTTP/1.1: gunicorn's `--protocol uwsgi` speaks uWSGI's binary protocol
to nginx's `uwsgi_pass` (gunicorn 27 config.py `Protocol`: a plain request gets 500), granian's
`--http 2` speaks HTTP/2 alone (2.8: it resets an HTTP/1.1 connection)."""
_REFUSING_OPTIONS = {
    "hypercorn": {
        "--server-name": "hypercorn answers 404 to a request for another host (hypercorn 0.18 utils.py"
        " `valid_server_name`), as a probe of 127.0.0.1 is",
    },
    "waitress-serve": {
        "--no-ipv4": "waitress then listens for IPv6 alone (adjustments.py), which a probe of 127.0.0.1 does not reach",
    },
}
"""Options that make a server refuse a probe of 127.0.0.1 on the port it was told."""
_TLS_VARIABLES = {
    "uvicorn": ("UVICORN_SSL_CERTFILE", "UVICORN_SSL_KEYFILE"),
    "flask": ("FLASK_RUN_CERT",),
    "granian": ("GRANIAN_SSL_CERTIFICATE", "GRANIAN_SSL_KEYFILE"),
    "litestar": ("LITESTAR_SSL_CERT_PATH", "LITESTAR_SSL_KEY_PATH"),
    "flower": ("FLOWER_CERTFILE",),
    "streamlit": ("STREAMLIT_SERVER_SSL_CERT_FILE",),
}
"""Variables that give those options, through click's `auto_envvar_prefix` (uvicorn 0.30
main.py:61 "UVICORN", flask 3.1 cli.py:585 "FLASK" and its `run` command's `--cert`, granian
cli.py "GRANIAN") or its options' own `envvar` (litestar 2.25 cli/commands/core.py), or
flower's `FLOWER_` variables (2.2 command.py `apply_env_options`), or streamlit's `STREAMLIT_`
ones (config.py: each option's name in capitals, words split by `_`); click ignores one set empty."""
SCRIPT_NAME_REFUSES = "gunicorn answers 400 to a path that does not start with it"
"""What gunicorn does where SCRIPT_NAME is set (gunicorn 23 http/wsgi.py:118, 185-190)."""
_SOCKET_VARIABLES = {
    "uvicorn": ("UVICORN_UDS", "UVICORN_FD"),
    "granian": ("GRANIAN_UDS",),
    "litestar": ("LITESTAR_UNIX_DOMAIN_SOCKET", "LITESTAR_FILE_DESCRIPTOR"),
    "flower": ("FLOWER_UNIX_SOCKET",),
}
"""Variables that give the socket options (`--uds`, `--fd`) the same way."""
FLASK_DOTENV_FILES = (".flaskenv", ".env")
"""Files `flask run` loads from its working directory where python-dotenv is installed
(flask 3.1 cli.py `load_dotenv`), whose `FLASK_RUN_PORT` and `FLASK_RUN_CERT` set its options."""
_OPTIONS_VARIABLES = {"gunicorn": "GUNICORN_CMD_ARGS"}
"""Environment variables holding more options, which the command line overrides."""
_SUBCOMMANDS = {"flask": "run", "fastapi": ("run", "dev"), "streamlit": "run", "litestar": "run"}
_SUBCOMMAND_SERVERS = {("celery", "flower"): "flower"}
"""Servers started as another program's subcommand (`celery -A proj flower --port=5555`)."""
_GLOBAL_VALUED_OPTIONS = {
    "celery": {"-A", "--app", "-b", "--broker", "--result-backend", "--loader", "--config", "--workdir"}
}
"""The options a program takes before its subcommand that are followed by a value (celery 5.x
bin/celery.py), which is then no subcommand: `celery -A flower worker` runs a worker."""


class OwnRoute(NamedTuple):
    """A route a server answers for its own health whatever code it runs, without credentials."""

    path: str
    prefix_options: tuple[str, ...]
    """The options that put its routes below a prefix."""
    prefix_variable: str
    """The variable that does."""
    keeps_a_slash_prefix: bool = False
    """Whether a prefix `/` is put before the path as given (`//healthcheck`), not dropped."""
    distribution: str | None = None
    """The distribution whose version decides the path, where it changed."""
    since: str | None = None
    """The first version of `distribution` that answers `path`."""
    before: str | None = None
    """The path the versions before `since` answer."""


OWN_HEALTH_ROUTES = {
    "flower": OwnRoute("/healthcheck", ("--url_prefix", "--url-prefix"), "FLOWER_URL_PREFIX", True),
    "streamlit": OwnRoute(
        "/_stcore/health", ("--server.baseUrlPath",), "STREAMLIT_SERVER_BASE_URL_PATH", False,
        "streamlit", "1.18.0", "/healthz",
    ),
}  # fmt: skip
"""flower's `/healthcheck` (urls.py from 0.9.7 to 2.2; views/monitor.py `Healthcheck` asks for
no login), below its `--url_prefix` (app.py `rewrite_handler`, which puts even `/` before each
route); streamlit's `/_stcore/health` from 1.18.0 (web/server/server.py `HEALTH_ENDPOINT`, beside
`/healthz` until 1.55's tornado server; 1.60's starlette server answers `/_stcore/health` alone),
`/healthz` before (0.60 to 1.17), below its `server.baseUrlPath` without the slashes around it
(server_util.py `make_url_path_regex`)."""
_CONFIG_FILE_LAUNCHERS = {
    "gunicorn": (("-c", "--config"), (), "gunicorn.conf.py"),
    "hypercorn": (("-c", "--config"), (), "hypercorn.conf.py"),
    "flower": (("--conf",), ("FLOWER_CONF",), "flowerconfig.py"),
    "streamlit": ((), (), ".streamlit/config.toml"),
}
"""Servers that load a configuration file: the options and variables naming it, and the one
they load from their working directory unless told another (flower 2.2 options.py
`DEFAULT_CONFIG_FILE`; command.py `apply_env_options` reads `FLOWER_CONF` as `--conf`;
streamlit 1.x config.py `_get_config_files`, beside one in the user's home). What
the file sets wins over the environment's variables (gunicorn's `bind` over `PORT`, flower's
`port` and `url_prefix` over `FLOWER_PORT`: command.py `apply_options` reads it after them)."""
CONFIG_FILES = tuple(default for *_, default in _CONFIG_FILE_LAUNCHERS.values())
SCRIPT_CONFIG_FILES = {"streamlit": ".streamlit/config.toml"}
"""The configuration file a server reads from the folder of the script it runs, over the one of
its working directory (streamlit from 1.46.0: config.py `get_config_files`)."""
HOME_CONFIG_FOLDERS = {"streamlit": ".streamlit"}
"""The folders of the user's home a server reads a configuration from, under the one of its
working directory (streamlit's `~/.streamlit/config.toml`: config.py `CONFIG_FILENAMES`)."""
_INTERPRETER_VALUED_OPTIONS = {
    "python": frozenset({"-W", "-X", "--check-hash-based-pycs"}),
    "node": frozenset(
        {"-r", "--require", "--import", "--loader", "--experimental-loader", "-C", "--conditions", "--title"}
        | {"--input-type", "--env-file", "--env-file-if-exists"}
    ),
}
"""The interpreters' options that take the next word as their value, which is not the script."""
_INLINE_CODE_OPTIONS = frozenset({"-c", "-e", "--eval", "-p", "--print"})
"""`python -c CODE` and `node -e CODE`: code on the command line, and no script."""
_NODE_ENV_FILE = regexes.lazy(
    r"--env-file(?:-if-exists)?(?:[= ].*)?|(?:-r|--require|--import)[= ](?:@dotenvx/)?dotenvx?/config"
)
"""node's options that load a `.env` file into `process.env`: `--env-file=.env`, `-r dotenv/config`."""


class Launch(NamedTuple):
    """What a command starts: a known server program, or a script whose code decides."""

    program: str
    """`uvicorn`, `gunicorn`, ..., or the interpreter of a script: `python`, `node`."""
    port: Fact[str] | None
    """A decimal port, or a Compose interpolation (`${PORT:-8000}`) to be written as is."""
    target: str | None
    """What it serves: `main:app` for an ASGI/WSGI server; for a script, its file (`app.py`)
    or, run with `python -m`, its module (`events.server`)."""
    source: str
    """The command it was read from: `compose.yaml:12: command: uvicorn main:app --port 8080`."""
    arguments: tuple[str, ...] = ()
    """A script's own arguments, where its code may read its port (`--port 9100`)."""
    tls: str | None = None
    """The option that makes the server speak TLS alone (`--ssl-certfile`), which a plain http
    probe gets no answer from."""
    protocol: str | None = None
    """The option that makes the server speak another protocol than HTTP/1.1 on its port
    (`--protocol uwsgi`), which a plain http probe gets no answer from either."""
    socket: str | None = None
    """The option that makes the server listen on a socket or endpoint it names, not on a
    port, as written: uvicorn's `--uds /tmp/app.sock`, daphne's `-e tcp:port=8001`."""
    loads_env: str | None = None
    """What loads a `.env` file into the script's environment: an option of its interpreter
    ("node's `--env-file=.env`"), a runner ("`pipenv run`")."""
    own_route: str | None = None
    """The route the server answers for its own health, whatever code it runs (flower's
    `/healthcheck`, below its `--url_prefix`); see `OWN_HEALTH_ROUTES`."""
    import_folders: tuple[str, ...] | None = (".",)
    """Where a server imports its target from, first first, each relative to the folder it is
    started in (or absolute): uvicorn's `--app-dir`, gunicorn's `--pythonpath` then `--chdir`,
    granian's folder then its `--working-dir` (see `_import_folders`). None when an option
    names a folder not known here (`--app-dir $SRC`)."""

    def options(self) -> dict[str, str]:
        """The options the script's arguments give (`--port 9100`, `--port=9100`)."""
        return _options(list(self.arguments))


def launch_of(
    argv: Sequence[str],
    source: str,
    environment: Mapping[str, Fact[str]],
    config_files: frozenset[str] | None = frozenset(),
    from_compose: bool = False,
) -> Launch | None:
    """The server a command starts, or None when it starts nothing hardenfix recognises.

    `environment` is the container's (Dockerfile `ENV` under Compose `environment`);
    `config_files` names the files in the working directory, where gunicorn and
    hypercorn look for a configuration that may set the port (None: not known, the host
    binds it). `from_compose` says the
    words are Compose values, where `$$` is the shell's `$` and a single `$` is Compose's.
    """
    words, runner = _unwrap(list(argv), environment, from_compose)
    if not words:
        return None
    program, arguments = _program(words)
    if program in LAUNCHERS:
        launch = _server(program, arguments, source, environment, config_files)
        if program == "flask":
            launch = _dotenv_loaded(launch, config_files, _options(arguments))
        options = _server_options(program, arguments, environment)
        launch = _bound_elsewhere(launch, options, environment)
        launch = with_guess(launch, _root_path_doubt(program, options, environment))
        launch = with_guess(launch, _refusing_option_doubt(program, options))
        launch = launch._replace(
            import_folders=_import_folders(program, options, environment),
            own_route=_own_route(program, options, environment),
        )
        if runner is not None:
            launch = with_guess(launch, f"{runner} loads a `.env` file, which may set its port or options")
        return launch
    interpreter = posixpath.basename(words[0])
    if probes.is_python(interpreter) and words[1:2] == ["-m"] and len(words) > 2:
        return Launch("python", None, words[2], source, tuple(words[3:]))
    if probes.is_python(interpreter) or interpreter == "node":
        program = "node" if interpreter == "node" else "python"
        options, script = _interpreter_options(words, _INTERPRETER_VALUED_OPTIONS[program])
        if script is not None:
            env_files = [option for option in options if program == "node" and _NODE_ENV_FILE.fullmatch(option)]
            loads_env = f"node's `{env_files[0]}`" if env_files else runner
            return Launch(program, None, words[script], source, tuple(words[script + 1 :]), loads_env=loads_env)
    return None


def _interpreter_options(words: Sequence[str], valued: frozenset[str]) -> tuple[list[str], int | None]:
    """The options an interpreter (`words[0]`) is given before its script, each with its value
    (`-r dotenv/config`), and the script's index in `words`; None when it runs none."""
    options: list[str] = []
    index = 1
    while index < len(words):
        word = words[index]
        if not word.startswith("-"):
            return options, index
        if word in _INLINE_CODE_OPTIONS:
            return options, None
        if word in valued and index + 1 < len(words):
            options.append(f"{word} {words[index + 1]}")
            index += 2
        else:
            options.append(word)
            index += 1
    return options, None


def _unwrap(words: list[str], environment: Mapping[str, Fact[str]], from_compose: bool) -> tuple[list[str], str | None]:
    """The words of the long-running command: inside `sh -c`, past wrappers and runners;
    and a runner passed that loads a `.env` file (`pipenv run`)."""
    runner = None
    for _ in range(8):
        if not words:
            return words, runner
        name = posixpath.basename(words[0])
        commands = probes.script_commands(words)
        if commands is not None:
            if not commands:
                return [], runner
            words = [_expand(word, environment, from_compose) for word in commands[-1]]
        elif (unwrapped := probes.past_wrapper(words)) is not None:
            words = unwrapped
        elif (passed := (name, words[1] if len(words) > 1 else "")) in _RUNNERS:
            runner = f"`{' '.join(passed)}`" if passed in _RUNNERS_LOADING_DOTENV else runner
            words = words[2:]
        else:
            return words, runner
    return words, runner


def _program(words: list[str]) -> tuple[str, list[str]]:
    """The program's name and its arguments: `python -m uvicorn x` is `uvicorn`, `x`."""
    name = posixpath.basename(words[0])
    arguments = words[1:]
    if probes.is_python(name) and len(arguments) >= 2 and arguments[0] == "-m":
        name, arguments = arguments[1], arguments[2:]
    # The subcommand is the first word past the program's own options and their values.
    at = len(arguments) - len(probes.skip_options(arguments, _GLOBAL_VALUED_OPTIONS.get(name, set())))
    if at < len(arguments) and (name, arguments[at]) in _SUBCOMMAND_SERVERS:
        return _SUBCOMMAND_SERVERS[name, arguments[at]], arguments[at + 1 :] + arguments[:at]
    subcommand = _SUBCOMMANDS.get(name)
    if subcommand is not None:
        wanted = (subcommand,) if isinstance(subcommand, str) else subcommand
        # Global options may come first: `flask --app hello run -p 5001`.
        at = next((index for index, argument in enumerate(arguments) if argument in wanted), None)
        if at is None:
            return "", []
        arguments = arguments[at + 1 :] + arguments[:at]
    return name, arguments


def _bound_elsewhere(launch: Launch, options: Mapping[str, str], environment: Mapping[str, Fact[str]]) -> Launch:
    """The launch, its port a guess when the server is told to listen on an address a probe
    of 127.0.0.1 inside the container does not reach (`--host 172.20.0.5`, `::1`), by its
    options or the variable it reads the address from (`UVICORN_HOST`); or when a variable it
    reads its address or more options from may hold what was not read here (an `env_file`
    kept out of the checkout, the deploying shell)."""
    if launch.port is None:
        return launch
    host = _bound_host(launch.program, options)
    variables = [_OPTIONS_VARIABLES[launch.program]] if launch.program in _OPTIONS_VARIABLES else []
    if host is None and launch.program in _HOST_VARIABLES:
        variables.append(_HOST_VARIABLES[launch.program])
        if _HOST_VARIABLES[launch.program] in environment:
            host = environment[_HOST_VARIABLES[launch.program]].value
    if host is not None and host.strip("[]") not in REACHED_FROM_INSIDE:
        guess = f"it listens on `{host}` alone, which a probe of 127.0.0.1 may not reach"
    elif host is not None and host.strip("[]") in ANY_IPV6 and launch.program in _IPV6_ALONE_ON_ANY:
        guess = (
            f"it listens on `{host}`, which {launch.program} binds for IPv6 alone (`IPV6_V6ONLY`): a probe of"
            " 127.0.0.1 may not reach it"
        )
    else:
        guess = _may_hold_other(environment, variables)
    return with_guess(launch, guess)


_ROOT_PATH_VARIABLES = {"granian": "GRANIAN_URL_PATH_PREFIX"}
"""Variables that give the root path options (granian cli.py: click's `auto_envvar_prefix`)."""
_ROOT_PATH_REFUSES = (
    "passes a request's path on as sent, and an application that expects it to begin with the root path answers a"
    " probe of the route 404 (Quart; granian's WSGI cuts the root path's length off any path)"
)
"""What hypercorn, daphne and granian do with a root path: the ASGI `root_path` beside a `path`
that does not begin with it, which Quart's routing (0.22) strips from the path as ASGI says
it begins with it (hypercorn 0.18, daphne 4.2, granian 2.8: 404); granian's WSGI takes the
prefix's length off `PATH_INFO` whatever it holds. uvicorn (0.55) puts the root path before
the path, and Starlette and Quart answer a probe of the route."""


def _root_path_doubt(program: str, options: Mapping[str, str], environment: Mapping[str, Fact[str]]) -> str | None:
    """Why a route's probe may get 404 from a server mounted below a root path behind a proxy
    (`hypercorn --root-path /api`, `GRANIAN_URL_PATH_PREFIX=/api`)."""
    given = next(
        (
            f"its command gives `{option} {options[option]}`"
            for option in LAUNCHERS[program].root_path_options
            if option in options
        ),
        None,
    )
    variable = _ROOT_PATH_VARIABLES.get(program)
    if given is None and variable in environment and environment[variable].value:
        given = f"its environment sets `{variable}` ({environment[variable].source})"
    return f"{given}: {program} {_ROOT_PATH_REFUSES}" if given else None


def _refusing_option_doubt(program: str, options: Mapping[str, str]) -> str | None:
    """Why a probe of the route may fail on a server an option makes refuse it (see
    `_REFUSING_OPTIONS`): `hypercorn --server-name api.example.com`, `waitress-serve --no-ipv4`."""
    refusing = _REFUSING_OPTIONS.get(program, {})
    return next((f"its command gives `{option}`: {why}" for option, why in refusing.items() if option in options), None)


def _may_hold_other(environment: Mapping[str, Fact[str]], variables: list[str]) -> str | None:
    """Why `variables` may hold other values than those read here: one read but assumed (set
    before an `env_file` not read), or one unset here that the deployment may set."""
    assumed = (environment[name].guess for name in variables if name in environment)
    return next(filter(None, assumed), None) or unread_may_set(
        environment, [name for name in variables if name not in environment]
    )


_HOST_OPTIONS = {
    "uvicorn": ("--host",), "fastapi": ("--host",), "flask": ("-h", "--host"), "granian": ("--host",),
    "waitress-serve": ("--host",), "daphne": ("-b", "--bind"), "streamlit": ("--server.address",),
    "http.server": ("-b", "--bind"), "litestar": ("-H", "--host"), "flower": ("--address",),
}  # fmt: skip
"""Options whose value is the address a server listens on (gunicorn's and hypercorn's
`--bind` give it before the port)."""
_HOST_VARIABLES = {
    "uvicorn": "UVICORN_HOST", "flask": "FLASK_RUN_HOST", "granian": "GRANIAN_HOST", "litestar": "LITESTAR_HOST",
    "flower": "FLOWER_ADDRESS", "streamlit": "STREAMLIT_SERVER_ADDRESS",
}  # fmt: skip
"""Variables a server reads its address from (uvicorn and flask through click's envvars)."""
_IPV6_ALONE_ON_ANY = frozenset({"uvicorn", "fastapi", "litestar", "waitress-serve", "flower", "streamlit"})
"""Servers that set `IPV6_V6ONLY` on an IPv6 socket: those that listen through asyncio's
`create_server` (asyncio/base_events.py), waitress (server.py, 3.0), and tornado's
`bind_sockets` (netutil.py, 6.x), which flower and streamlit's tornado server listen through
(`--server.address=::`: 127.0.0.1 refused with streamlit 1.17 and 1.40, reached with 1.67's
starlette server). On `::` they take no IPv4 connection, as a probe of 127.0.0.1 makes
(uvicorn binds its own dual-stack socket only with `--workers` or `--reload`)."""
_EVERY_ADDRESS = {"waitress-serve": "*"}
"""How a server's bind says every address, IPv4 and IPv6 (waitress adjustments.py: `*:8080`)."""


def _bound_host(program: str, options: Mapping[str, str]) -> str | None:
    """The address a server is told to listen on, when its command says one."""
    for option in _HOST_OPTIONS.get(program, ()):
        if option in options:
            return options[option]
    for option in LAUNCHERS[program].bind_options:
        address = options.get(option)
        if address is not None and not address.startswith(("unix:", "fd:")):
            host = address.rpartition(":")[0] if ":" in address else address
            return host if host and host != _EVERY_ADDRESS.get(program) else None
    return None


def _dotenv_loaded(launch: Launch, config_files: frozenset[str] | None, options: Mapping[str, str]) -> Launch:
    """`flask run` with the files it loads: one in its working directory or a folder above it
    (or perhaps there, for a folder of the host), or the one its `--env-file` names, may set its
    port, or make it speak TLS."""
    loaded = [name for name in FLASK_DOTENV_FILES if config_files is None or name in config_files]
    named = next((options[option] for option in ("-e", "--env-file") if option in options), None)
    if launch.port is None or not (loaded or named):
        return launch
    holds = "may hold" if config_files is None else "holds"
    files = []
    if loaded:
        files.append(f"its working directory or a folder above it {holds} {' and '.join(f'`{n}`' for n in loaded)}")
    if named is not None:
        files.append(f"its command names `--env-file {named}`")
    doubt = (
        f"{' and '.join(files)}, which `flask` loads (with python-dotenv) and which may set FLASK_RUN_PORT or "
        "FLASK_RUN_CERT"
    )
    guess = "; ".join(reason for reason in (launch.port.guess, doubt) if reason)
    return launch._replace(port=launch.port._replace(guess=guess))


def _server(
    program: str,
    arguments: list[str],
    source: str,
    environment: Mapping[str, Fact[str]],
    config_files: frozenset[str] | None,
) -> Launch:
    launcher = LAUNCHERS[program]
    options = _server_options(program, arguments, environment)
    target = next((argument for argument in _positionals(arguments) if ":" in argument or "." in argument), None)
    if program in ("streamlit", "fastapi"):
        target = next(iter(_positionals(arguments)), None)
    elif program == "litestar":
        target = _option_or_variable(options, environment, ("--app",), "LITESTAR_APP")
    tls = next((f"`{option}` in {source}" for option in options if option in _TLS_OPTIONS), None)
    tls = tls or next(
        (
            f"`{variable}` in its environment ({environment[variable].source})"
            for variable in _TLS_VARIABLES.get(program, ())
            if variable in environment and environment[variable].value != ""
        ),
        None,
    )
    if tls is not None:
        return Launch(program, None, target, source, tls=tls)
    protocol = _other_protocol(program, arguments, environment, source)
    if protocol is not None:
        return Launch(program, None, target, source, protocol=protocol)
    socket = next((option for option in launcher.socket_options if option in options), None)
    if socket is not None:
        written = f"{socket} {options[socket]}".strip()
        return Launch(program, None, target, source, socket=written)
    socket_variable = next(
        (
            variable
            for variable in _SOCKET_VARIABLES.get(program, ())
            if variable in environment and environment[variable].value != ""
        ),
        None,
    )
    if socket_variable is not None:
        written = f"{socket_variable}={environment[socket_variable].value}"
        return Launch(program, None, target, source, socket=written)
    # A configuration file the server loads (`gunicorn.conf.py` from its working directory,
    # `-c python:conf.settings`) may set what the command does not: TLS, `raw_env`'s SCRIPT_NAME.
    config_options, config_variables, default_config = _CONFIG_FILE_LAUNCHERS.get(program, ((), (), None))
    configured = next((f"`{option} {options[option]}`" for option in config_options if option in options), None)
    configured = configured or next(
        (
            f"`{variable}={environment[variable].value}` in its environment ({environment[variable].source})"
            for variable in config_variables
            if variable in environment and environment[variable].value
        ),
        None,
    )
    if configured is None and default_config in (config_files or ()):
        configured = f"`{default_config}` in its working directory"
    elif configured is None and default_config is not None and config_files is None:
        configured = f"a `{default_config}` its working directory may hold"
    doubt = f"{configured}, which {program} loads, may set TLS or more" if configured else None
    if program == "gunicorn" and _sets_script_name(arguments):
        doubt = f"its command sets SCRIPT_NAME (`--env`), and {SCRIPT_NAME_REFUSES}"
    for option in launcher.port_options:
        if option in options:
            return with_guess(Launch(program, _port(options[option], source), target, source), doubt)
    for option in launcher.bind_options:
        if option in options:
            port = _port(_port_of_address(options[option]), source)
            return with_guess(Launch(program, port, target, source), doubt)
    if program == "http.server" and _positionals(arguments):
        return Launch(program, _port(_positionals(arguments)[0], source), target, source)
    for variable in launcher.port_variables:
        if variable in environment:
            return with_guess(Launch(program, written_port(environment[variable]), target, source), doubt)
    if configured is not None:
        return Launch(program, None, target, source)  # its configuration file may bind elsewhere
    default = f"{launcher.documentation}: {program} listens on {launcher.default_port} by default"
    guess = unread_may_set(environment, launcher.port_variables)
    return Launch(program, Fact(launcher.default_port, default, guess), target, source)


def _other_protocol(
    program: str, arguments: list[str], environment: Mapping[str, Fact[str]], source: str
) -> str | None:
    """What makes a server speak another protocol than HTTP/1.1 on its port (`_PROTOCOL_OPTIONS`):
    its command's option, or one `GUNICORN_CMD_ARGS` gives it, else the variable that gives it."""
    if program not in _PROTOCOL_OPTIONS:
        return None
    options = _server_options(program, arguments, environment)
    option, variable, plain = _PROTOCOL_OPTIONS[program]
    if option in options:
        value = options[option]
        if value.lower() in plain:
            return None
        more = _OPTIONS_VARIABLES.get(program)
        if option not in _options(arguments) and more in environment:
            return f"`{option} {value}` in its environment's {more} ({environment[more].source})"
        return f"`{option} {value}` in {source}"
    fact = environment.get(variable) if variable is not None else None
    if fact is not None and fact.value and fact.value.lower() not in plain:
        return f"`{variable}={fact.value}` in its environment ({fact.source})"
    return None


def _import_folders(
    program: str, options: Mapping[str, str], environment: Mapping[str, Fact[str]]
) -> tuple[str, ...] | None:
    """Where a server imports its target from, first first (see `Launch.import_folders`).

    uvicorn puts its `--app-dir` (default: the folder it starts in) first on `sys.path`
    (uvicorn 0.55 main.py:570); litestar adds its `--app-dir` (the same default) to it (2.25
    cli/_utils.py `LitestarEnv.from_env`); gunicorn changes to its `--chdir` and puts it first, then
    puts each `--pythonpath` folder, read from there, before it, the last one first
    (gunicorn 27 app/base.py:84-91, 229-234), having read its configuration file in the
    folder it started in (app/base.py:155-200: the first `chdir()` is to the default);
    granian puts its `--working-dir` first, then the folder it starts in before that
    (granian 2.8 _internal.py:12-13, 20-42); the others import from the folder they start in."""
    if program == "uvicorn":
        folders = [_option_or_variable(options, environment, ("--app-dir",), "UVICORN_APP_DIR") or "."]
    elif program == "litestar":
        folders = [options.get("--app-dir", ".")]
    elif program == "granian":
        folders = [".", _option_or_variable(options, environment, ("--working-dir",), "GRANIAN_WORKING_DIR") or "."]
    elif program == "gunicorn":
        changed_to = options.get("--chdir", ".")
        python_path = [folder for folder in options.get("--pythonpath", "").split(",") if folder]
        folders = [posixpath.join(changed_to, folder) for folder in reversed(python_path)] + [changed_to]
    else:
        return (".",)
    if any("$" in folder for folder in folders):
        return None
    return tuple(dict.fromkeys(posixpath.normpath(folder) for folder in folders))


def _own_route(program: str, options: Mapping[str, str], environment: Mapping[str, Fact[str]]) -> str | None:
    """The route a server answers for its own health (`OWN_HEALTH_ROUTES`), below the prefix
    its option or variable gives; None for one without, or a prefix not known here."""
    if program not in OWN_HEALTH_ROUTES:
        return None
    own = OWN_HEALTH_ROUTES[program]
    given = _option_or_variable(options, environment, own.prefix_options, own.prefix_variable)
    if given is not None and "$" in given:
        return None
    prefix = given.strip("/") if given else ""
    return f"/{prefix}{own.path}" if prefix or (given and own.keeps_a_slash_prefix) else own.path


def _option_or_variable(
    options: Mapping[str, str], environment: Mapping[str, Fact[str]], names: tuple[str, ...], variable: str
) -> str | None:
    """An option's value, by any of its `names`: the command's, else the environment variable
    the server reads for it."""
    given = next((options[name] for name in names if name in options), None)
    if given is None and variable in environment:
        return environment[variable].value
    return given


def _sets_script_name(arguments: list[str]) -> bool:
    """Whether gunicorn's `--env SCRIPT_NAME=/api` (`-e`, `--env=`) is among its arguments."""
    for index, word in enumerate(arguments):
        value = None
        if word in ("-e", "--env") and index + 1 < len(arguments):
            value = arguments[index + 1]
        elif word.startswith("--env="):
            value = word.removeprefix("--env=")
        elif word.startswith("-e") and not word.startswith("--"):
            value = word[2:]
        if value is not None and value.startswith("SCRIPT_NAME="):
            return True
    return False


def with_guess(launch: Launch, guess: str | None) -> Launch:
    """The launch, its port a guess for `guess` unless it is one already (the first reason
    found is the one said)."""
    if launch.port is None or guess is None:
        return launch
    return launch._replace(port=launch.port._replace(guess=launch.port.guess or guess))


def _server_options(program: str, arguments: list[str], environment: Mapping[str, Fact[str]]) -> dict[str, str]:
    """A server's options: its command's, over those of the variable it reads more from
    (`GUNICORN_CMD_ARGS`)."""
    options = _options(arguments)
    if program in _OPTIONS_VARIABLES and _OPTIONS_VARIABLES[program] in environment:
        with contextlib.suppress(ValueError):  # unbalanced quotes: gunicorn refuses them too
            options = {**_options(shlex.split(environment[_OPTIONS_VARIABLES[program]].value)), **options}
    return options


def _options(arguments: list[str]) -> dict[str, str]:
    """`--name value`, `--name=value` and `-x value` options before a `--`; the last one wins."""
    options: dict[str, str] = {}
    for index, argument in enumerate(arguments):
        if argument == "--":  # what follows is the script's (`streamlit run app.py -- --server.port 8502`)
            break
        if not argument.startswith("-"):
            continue
        name, equals, value = argument.partition("=")
        if equals:
            options[name] = value
        elif not argument.startswith("--") and len(argument) > 2:
            options[argument[:2]] = argument[2:]  # a value attached to a short option: `-b0.0.0.0:8000`
        elif index + 1 < len(arguments) and not arguments[index + 1].startswith("-"):
            options[name] = arguments[index + 1]
    return options


_APPLICATION_TARGET = regexes.lazy(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*(?:\(.*\))?\Z", re.DOTALL)
"""`main:app`, `app.wsgi:application`, `app:create_app()`; not an address (`0.0.0.0:8000`,
`localhost:8000`, `unix:/run/app.sock`)."""


def _positionals(arguments: list[str]) -> list[str]:
    """Arguments that are neither options nor an option's value (a guess for unknown options:
    a word after `--flag` is its value unless it looks like an application, `main:app`, as
    after a flag that takes none, `--reload main:app`; `-b 0.0.0.0:8000` is a value)."""
    found = []
    skip = False
    for argument in arguments:
        if skip:
            skip = False
            if not _APPLICATION_TARGET.match(argument):
                continue
        if argument.startswith("-"):
            skip = "=" not in argument
            continue
        found.append(argument)
    return found


def _port(value: str | None, source: str) -> Fact[str] | None:
    """A port as a fact (see `written_port`); anything else (an unset shell variable) is not known."""
    return written_port(Fact(value, source)) if value is not None else None


def _port_of_address(address: str) -> str | None:
    """`0.0.0.0:8000` -> `8000`, `:8000` -> `8000`, `[::]:8000` -> `8000`; None for `unix:...`
    and `fd://`."""
    if address.startswith(("unix:", "fd://")):
        return None
    _, colon, port = address.rpartition(":")
    if not colon:
        return None
    return port if port.isdigit() or port.startswith("${") else None


def _expand(word: str, environment: Mapping[str, Fact[str]], from_compose: bool) -> str:
    """A shell word with `$VAR`, `${VAR}` and `${VAR:-default}` replaced from the container's
    environment. One passed from the deploying shell (`environment: [PORT]`) becomes Compose's
    `${PORT:-8000}`, which a probe fills in from the same shell; one whose value is not known
    (assumed, or maybe set by an `env_file` not read), or unset without a default, stays a
    shell's `$PORT`, which no port is read from. In a Compose value only `$$`-escaped
    variables are the shell's: Compose's own stay as written."""
    from_shell = environment.from_shell if isinstance(environment, Environment) else {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(3)
        fact = environment.get(name)
        if fact is not None and fact.known:
            return fact.value
        if name in from_shell:
            return "${" + match.group().lstrip("$").strip("{}") + "}"
        default = match.group(2)
        if fact is None and default is not None and unread_may_set(environment, [name]) is None:
            return default
        return f"${name}"

    return (_COMPOSE_ESCAPED_VARIABLE if from_compose else _SHELL_VARIABLE).sub(value, word)
