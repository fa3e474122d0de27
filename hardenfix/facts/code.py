"""What a service's own code says: its health routes, and the port a script listens on.

The build context's Python and JavaScript files are read, never run, and a file is
parsed only when its bytes name a web framework, or it imports an application or a router
of a file that does (an entry point that adds middleware to it). Python is read with `ast`:

- FastAPI and Starlette: `@app.get("/healthz")`, `@router.api_route(...)`, an
  `APIRouter(prefix=...)` mounted with `include_router(router, prefix=...)` in the same
  or another module, `add_api_route(...)`, `Route("/healthz", ...)` and `Mount(...)`;
- Flask and Quart: `@app.route(...)`, `@app.get(...)`, blueprints with their
  `url_prefix`, `add_url_rule(...)`;
- aiohttp: `app.router.add_get(...)`, `@routes.get(...)` on a `RouteTableDef`, `web.get(...)`,
  added with `add_routes(...)` to an application that `add_subapp` may mount below a prefix;
- Django: `path("healthz/", ...)` and `re_path(...)`, under the prefix of an
  `include("app.urls")` or `include(urls)` that names their module, or an `include()` of
  the pattern list they are written in; one in `i18n_patterns(...)` is below a language
  code, a prefix not written out;
- Litestar: `@get("/healthz")` handlers and `Controller`s (their `path`), listed in
  `Litestar(route_handlers=[...])` or `Router(path=..., route_handlers=[...])`, or
  `app.register(...)`; `guards=`, `middleware=`, `before_request=`, `on_app_init=` and
  `allowed_hosts=` on any of them, and a handler parameter a dependency or the request fills;
- Falcon: `app.add_route("/healthz", Resource())`, answered by the resource class's `on_get`
  (405 without one), under `App(middleware=[...])`, `add_middleware` and `@falcon.before` hooks;
- Bottle: `@app.route(...)` (`method=`), `@app.get(...)`, `@route(...)` of its default
  application, `app.mount(...)`; `before_request` hooks and plugins (`install`, `apply=`);
- Tornado: `tornado.web.Application([(r"/healthz/?", Handler)])` (a pattern that matches one
  path), `add_handlers(host_pattern, ...)`, answered by the handler class's `get`, under a
  `prepare()` of it or a base class, and `@tornado.web.authenticated`.

JavaScript (Express, Fastify, Koa, Hono) is matched with patterns: `app.get('/healthz'`.

A route is under the prefixes of every mount above it, followed from router to router
(`app.include_router(api_router, prefix="/api")`, `api_router.include_router(utils.router)`)
up to an application. One on a router that is never seen mounted, at the end of that
chain, may live under a prefix hardenfix did not find: it counts as a guess, as does one
below a prefix not written out in the module (`prefix=settings.API_V1_STR`; a `Mount` of
such a prefix gives no route), or below a chain too long or round in a cycle. A route whose
handler asks for authentication is noted, since a probe without credentials gets 401.

What may refuse a probe or serve it elsewhere makes a route a guess too: code run before
each request (middleware, request hooks, https redirects), code wrapped around the served
application, host names the application answers alone (Flask's `SERVER_NAME`, Django's
`ALLOWED_HOSTS`), a parameter the handler needs, an application mounted by a call not read,
a view class of the code whose base is not read.

A script's port is read from the call that starts its server: `app.run(...)` of Flask, Quart,
Sanic, Bottle (and `bottle.run(...)`, but for a `server=` that speaks no HTTP: flup's FastCGI),
`listen(...)` of a Tornado application or `HTTPServer` (a `define("port")` option it reads from
`--port=`), waitress's `serve`, aiohttp's `run_app`, `uvicorn.run`.
"""

from __future__ import annotations

import ast
import json
import posixpath
import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from hardenfix import regexes, remembered
from hardenfix.collector import not_collecting
from hardenfix.facts import ANY_IPV6, REACHED_FROM_INSIDE, Fact, unread_may_set, written_port
from hardenfix.model import Status
from hardenfix.sources.dockerfile import BuildContext, ContextError
from hardenfix.sources.python_nodes import breadth_first, import_origin, keep_tree, parsed_or_none
from hardenfix.sources.text import continues_line_above, line_number, word_starts

HEALTH_NAMES = (
    "healthz", "health", "healthcheck", "health-check", "health_check", "readyz", "ready", "livez", "ping", "status"
)  # fmt: skip
"""Health routes by their last path segment, most preferred first."""

MAX_FILES = 2000
_SKIPPED_FOLDERS = frozenset({"node_modules", "venv", "site-packages", "__pycache__", "tests", "test", "dist", "build"})
_PYTHON_FRAMEWORKS = tuple(
    b"fastapi starlette flask quart aiohttp django rest_framework litestar sanic uvicorn waitress".split()
    + b"falcon bottle tornado".split()
    + b"SECURE_SSL_REDIRECT PREPEND_WWW ALLOWED_HOSTS MIDDLEWARE REST_FRAMEWORK".split()
    + b"SERVER_NAME TRUSTED_HOSTS dotenv read_env".split()
)
"""What the modules read here name; the Django settings read here, which a settings module
split by environment (`from .base import *`) may set without naming Django: every one is
read, since any may be the one `DJANGO_SETTINGS_MODULE` names; and what loads a `.env`
file (`_LOADS_DOTENV`), which sets the whole process's environment from wherever it is called."""
_LOADS_DOTENV = frozenset({"load_dotenv", "dotenv_values", "read_env"})
"""Calls that load a `.env` file into the environment: python-dotenv's `load_dotenv()`, its
`dotenv_values()` (as in `os.environ.update(dotenv_values())`), environs' `Env().read_env()`
(environs/__init__.py `read_env` calls `load_dotenv`)."""
_NODE_FRAMEWORKS = tuple(b"express fastify koa createServer hono dotenv".split())
_NODE_FRAMEWORK_WORD = regexes.lazy(rb"\b(?:express|fastify|koa|createServer|hono|dotenvx?)\b")
"""The same names as words: a minified bundle (mage-ai's 40 MB of `frontend_dist` chunks)
holds `expression` and `phone` everywhere, and reading it for routes costs seconds a file."""
_AUTH_WORDS = regexes.lazy(
    r"auth|login|token|current_?user|verify|permission|secur|jwt|api_?key|required|admin|role|staff|bearer|oauth",
    re.IGNORECASE,
)
"""Words of what asks a request for credentials: `@login_required`, `@admin_required`,
`Depends(get_current_user)`, `CurrentUser` (an alias of `Annotated[User, Depends(...)]`),
`Depends(HTTPBearer())`, `Depends(oauth2_scheme)`."""
_APPLICATIONS = frozenset(
    {"FastAPI", "Flask", "Quart", "Starlette", "Application", "Sanic", "Litestar", "RouteTableDef", "Bottle"}
    | {"default_app"}
)
_FALCON_APPLICATIONS = frozenset(
    {"falcon.App", "falcon.API", "falcon.asgi.App", "falcon.app.App", "falcon.asgi.app.App"}
)
"""Falcon's applications, by the dotted name they are imported from: `App` alone names too many
classes of other libraries."""
_ROUTERS = {"APIRouter": "prefix", "Blueprint": "url_prefix"}
_HTTPS_EXTENSIONS = frozenset({"Talisman", "SSLify"})
"""Flask extensions that redirect each plain http request to https: flask-talisman (unless
`force_https=False`), Flask-SSLify (flask_sslify.py:28, 51-65, a 302)."""
_REQUEST_HOOKS = frozenset({"before_request", "before_app_request", "middleware", "on_request"})
"""Decorators of functions an application runs before each request (Flask, Quart, FastAPI;
Sanic's `on_request`, its `middleware("request")`)."""
_HARMLESS_MIDDLEWARE = regexes.lazy(
    r"\b(?:CORSMiddleware|GZipMiddleware|ProxyHeadersMiddleware|ProxyFix|WhiteNoise"
    r"|Sentry(?:Asgi|Wsgi)Middleware|OpenTelemetryMiddleware)\b"
)
"""Middleware that refuses no request a probe makes, and wrappers that hand every request on
as it came (werkzeug's `ProxyFix` reads `X-Forwarded-*`, WhiteNoise serves its own folder
and passes the rest, Sentry's and OpenTelemetry's record it)."""
_REFUSING_SETTINGS = {
    "SERVER_NAME": "Flask before 3.1 answers 404 to a request for another host, as a probe of 127.0.0.1 is",
    "TRUSTED_HOSTS": "Flask answers 400 to a request for a host it does not list, as a probe of 127.0.0.1 may be",
    "BASIC_AUTH_FORCE": "Flask-BasicAuth then asks every request for credentials",
    "host_matching": "Flask then serves each route to the host its rule names alone (none: no host), which a probe"
    " of 127.0.0.1 is not",
}
"""Flask settings that make an application refuse a probe: host names (flask/app.py
`create_url_adapter`, Flask 3.1's `TRUSTED_HOSTS`, `Flask(__name__, host_matching=True)`, whose
routes without `host=` match no host), Flask-BasicAuth's on every route; set in code
(`app.config["SERVER_NAME"] = ...`, a config class's `SERVER_NAME = ...`,
`config.update(SERVER_NAME=...)`)."""
_CONFIG_LOADERS = frozenset({"from_envvar", "from_file", "from_pyfile"})
"""Flask's and Quart's `app.config` methods that read settings at run time from a file the
deployment may hold (`from_prefixed_env`, which reads the environment, is `CodeFacts.prefixed_env`)."""
_REFUSAL_WORDS = ("Host(", *_REFUSING_SETTINGS, *_CONFIG_LOADERS)
"""What a module that `_setting_that_refuses` finds anything in spells."""
_DJANGO_REDIRECTS = {
    "SECURE_SSL_REDIRECT": "Django redirects the probe to https",
    "PREPEND_WWW": "Django redirects the probe to `www.127.0.0.1`, a host that does not resolve",
}
"""Django settings that redirect every request (SecurityMiddleware; CommonMiddleware, django 5.2
middleware/common.py), which python3's urllib and wget follow: to a port that speaks no TLS, or
to a host name no resolver knows, and fail."""
_DJANGO_SETTINGS = ("ALLOWED_HOSTS", "MIDDLEWARE", "REST_FRAMEWORK", *_DJANGO_REDIRECTS)
"""The Django settings `_read_python` reads where a module assigns them: a module that
spells none has no assignment to look at."""
_DJANGO_HARMLESS_MIDDLEWARE = regexes.lazy(
    r"(?:django\.(?!contrib\.auth\.middleware\.(?:LoginRequired|RemoteUser))|corsheaders\.|whitenoise\."
    r"|debug_toolbar\.|django_prometheus\.|csp\.|simple_history\.|allauth\.account\.middleware\."
    r"|django_htmx\.|django_browser_reload\.)"
)
"""Django middleware that refuses no request a probe makes: Django's own (but
`LoginRequiredMiddleware`, 5.1, and `RemoteUserMiddleware`), CORS, static files, metrics."""
_LEAF_APPLICATIONS = frozenset({"StaticFiles", "make_asgi_app", "make_wsgi_app"})
"""Applications mounted by a call that serve none of the context's routes: Starlette's static
files, prometheus_client's metrics."""
_REQUEST_DATA = frozenset({"Query", "Header", "Cookie", "Body", "Form", "File"})
"""FastAPI's markers of a parameter read from the request (fastapi/param_functions.py)."""
_SCALARS = frozenset({"str", "int", "float", "bool", "bytes", "UUID", "date", "datetime", "Decimal"})
"""Annotations that make FastAPI read a parameter from the query string."""
_GET_DECORATORS = frozenset({"get", "api_route", "route"})
_REGISTRATIONS = {"add_api_route": 0, "add_get": 0, "add_url_rule": 0}


class _ServerMethod(NamedTuple):
    """How a method of an application or server object starts a server."""

    methods: frozenset[str]
    port_position: int | None
    """Where its port argument is, when it may be given by position."""
    default: str | None
    """Its port when none is given; None where one must be."""
    host_position: int | None = None
    host_keyword: str = "host"
    ipv6_alone: bool = False
    """Whether it listens on `::` for IPv6 alone (`IPV6_V6ONLY`)."""


_RUN = frozenset({"run"})
_LISTEN = frozenset({"listen", "bind"})
_RUN_METHODS = {
    "Flask": _ServerMethod(_RUN, 1, "5000", 0),
    "Quart": _ServerMethod(_RUN, 1, "5000", 0),
    "Sanic": _ServerMethod(_RUN, 1, "8000", 0),
    "SocketIO": _ServerMethod(_RUN, 2, "5000"),
    "Bottle": _ServerMethod(_RUN, None, "8080", ipv6_alone=True),
    "default_app": _ServerMethod(_RUN, None, "8080", ipv6_alone=True),
    "Application": _ServerMethod(_LISTEN, 0, None, 1, "address", ipv6_alone=True),
    "HTTPServer": _ServerMethod(_LISTEN, 0, None, 1, "address", ipv6_alone=True),
}
"""Classes whose methods start a server, with where their port and host arguments are: `Flask.run(host,
port)`, quart/app.py:849, sanic/mixins/startup.py:904, flask_socketio's `SocketIO.run(app, host,
port)`; Bottle's `run(**kwargs)` (bottle.py 0.13: 127.0.0.1:8080 by default; its `server=` may be
waitress, which binds `::` for IPv6 alone); Tornado's `Application.listen(port, address)` and
`HTTPServer.listen`/`bind` (tornado/netutil.py `bind_sockets` sets `IPV6_V6ONLY`, and listens on
every address by default). A `run` of anything else (`asyncio.run`, `subprocess.run`) starts no
server of theirs; aiohttp's `Application` has no `listen`."""
_SERVER_FUNCTIONS = {
    "aiohttp.web.run_app": ("8080", None, None),
    "waitress.serve": ("8080", None, None),
    "uvicorn.run": ("8000", None, None),
    "bottle.run": ("8080", 3, 2),
    "wsgiref.simple_server.make_server": (None, 1, 0),
}
"""Functions that start a server, by the dotted name they are imported from, with their
default port and where their port and host may be given by position (else as keywords); each
listens on `::` for IPv6 alone (`IPV6_V6ONLY`: asyncio's `create_server`, waitress server.py,
and waitress among Bottle's servers: `run(app=None, server="wsgiref", host="127.0.0.1",
port=8080)`). The standard library's `make_server(host, port, app)`, as Falcon's tutorial
starts its application, listens on IPv4 alone."""
_SERVER_CLASS_WORDS = tuple(name.encode() for name in _RUN_METHODS)
_SERVER_PACKAGE_WORDS = tuple(sorted({dotted.partition(".")[0].encode() for dotted in _SERVER_FUNCTIONS}))
_SERVER_CALL_NAMES = frozenset(
    {name for method in _RUN_METHODS.values() for name in method.methods}
    | {dotted.rpartition(".")[2] for dotted in _SERVER_FUNCTIONS}
)
_LISTENS_ELSEWHERE = frozenset(
    {"listen", "uds", "fd", "unix_socket", "sock", "path", "unix", "auto_tls", "version", "family"}
)
"""Keywords that make those servers listen on another address or socket, or Sanic on 8443
(waitress's `listen="*:8080"`, uvicorn's `uds=`, aiohttp's `path=`, Sanic's `auto_tls=`,
Tornado's `family=socket.AF_INET6`)."""
_SPEAKS_TLS = frozenset({"ssl_keyfile", "ssl_certfile", "ssl_context", "ssl", "certfile", "keyfile", "ssl_options"})
"""Keywords that make those servers speak TLS alone, which a plain http probe gets no answer
from: uvicorn's `ssl_certfile=`, Flask's and aiohttp's `ssl_context=` (aiohttp then listens
on 8443 by default), Sanic's `ssl=`, Quart's and flask_socketio's `certfile=`, Tornado's `ssl_options=`."""
_READ_BY_PATTERNS = (
    "its route is read from JavaScript with patterns, which miss prefixes that plugins and sub-applications "
    "add, code commented out, and TLS or redirects to https set up in other ways"
)
"""Why a route read from JavaScript is a guess, wherever it is: Express, Fastify, Koa and
Hono compose an application at run time in more ways than patterns over its text can follow."""
_NODE_ROUTE = regexes.lazy(r"\b(\w+)\s*\.\s*(?:get|all)\s*\(\s*(['\"`])(/[^'\"`]*)\2")
_NODE_APP = regexes.lazy(
    r"\b(\w+)\s*=\s*(?:express|fastify|Fastify|new\s+Koa|new\s+Hono"
    r"|require\s*\(\s*['\"](?:express|fastify)['\"]\s*\))\s*\("
)
_NODE_GUARD = regexes.lazy(
    r"\b(\w+)\s*\.\s*use\s*\(\s*((?:async\s+)?(?:function\b|\([^)]*\)\s*=>|\w+\s*=>)"
    r"|[\w.]*(?:auth|jwt|token|passport|basic)\w*)",
    re.IGNORECASE,
)
"""`app.use((req, res, next) => ...)` or `app.use(authenticate)`: middleware run before each
route, which may refuse a request (not `express.json()` or `cors()`)."""
_NODE_LISTEN = regexes.lazy(r"\.listen\s*\(\s*(\{[^}]*\}|[^,)]*)")
"""`server.listen(port, ...)`, and Fastify's `app.listen({ port: 3000, host })`: the port's expression."""
_NODE_TLS = regexes.lazy(
    r"\b(?:https|http2|tls|spdy)\s*\.\s*(?:createServer|createSecureServer)\s*\("
    r"|\b(?:fastify|Fastify)\s*\(\s*\{[^)]*?\bhttps\s*:"
)
"""A server that speaks TLS alone, which a plain http probe gets no answer from:
`https.createServer(options, app)`, `http2.createSecureServer(...)`, `fastify({ https: ... })`."""
_NODE_DOTENV = regexes.lazy(
    r"""(?:require\s*\(\s*|\bfrom\s+|\bimport\s+)['"]((?:@dotenvx/)?dotenvx?)(?:/config)?['"]"""
)
"""`require("dotenv").config()`, `import "dotenv/config"`, `import dotenv from "dotenv"`, and
dotenvx: each loads a `.env` file into `process.env`."""
_NODE_DECLARATION = regexes.lazy(r"\b(?:const|let|var)\s+(\w+)\s*=\s*([^;\n]+)")
_NODE_ASSIGNMENT = regexes.lazy(r"(?<![\w.$])(\w+)\s*(?:\+\+|--|(?:\*\*|<<|>>>?|\|\||&&|\?\?|[-+*/%&|^])?=(?![=>]))")
"""`port = 8080`, `port += 1`, `port ??= 80`, `port++`, and the `port =` of a declaration;
not `port === 3000`, `config.port = 80` or an arrow `=>`."""
_NODE_OBJECT_PORT = regexes.lazy(r"\bport\b\s*(?::\s*([^,}]+))?")
_NODE_VARIABLE = regexes.lazy(
    r"(?:(?:Number|parseInt)\s*\(\s*)?process\.env(?:\.(\w+)|\[\s*['\"](\w+)['\"]\s*\])(?:\s*,\s*10)?\s*\)?"
)
"""`process.env.PORT`, `process.env['PORT']`, `Number(process.env.PORT)`, `parseInt(process.env.PORT, 10)`."""


class Route(NamedTuple):
    path: str
    source: str
    guess: str | None
    """Why the path is not certain: the router it is on is not seen mounted."""
    needs_auth: bool
    module: str
    """The context file that defines it."""
    application: str | None = None
    """The context file of the application that serves it, at the top of its mounts; None
    for a route of a router never seen mounted into one, which any application may mount."""
    server: str | None = None
    """The variable of the application at the top of its mounts, in `application`."""
    alone: bool = False
    """Whether it is the route of an application mounted into another, as that application
    serves it when a process runs it alone (`uvicorn app.api:api_app`)."""
    below_unknown_prefix: bool = False
    """Whether a mount above it has a prefix not written out (`prefix=settings.API_V1_STR`):
    its path lacks that prefix, and a probe of it would miss."""


class ScriptPort(NamedTuple):
    """How a script tells its server which port to listen on: a number written in its code,
    an environment variable it reads, or a command-line option it parses, with a default."""

    source: str
    default: str | None
    """The port when nothing else says otherwise: a literal, a `.get(..., default)`, the
    option's default, or the server's own default."""
    variable: str | None = None
    """The environment variable it reads (`PORT`)."""
    option: str | None = None
    """The command-line option that sets it (`--port`)."""
    option_aliases: tuple[str, ...] = ()
    """Other spellings of that option (`-p`)."""
    doubt: str | None = None
    """Why the port may be another: the script starts another server too."""
    tls: str | None = None
    """What makes its server speak TLS alone (`ssl_certfile=...`): no port is read then."""
    dotenv: str | None = None
    """What loads a `.env` file into its environment, which may set `variable` where the
    container does not, as in "main.py:7 calls `load_dotenv()`" (python-dotenv looks for the
    file from the script's folder up): its code, a module it imports, node's `--env-file`."""

    @property
    def read_from(self) -> tuple[str | None, str | None, str | None]:
        """What its port is read from: its default, variable and option."""
        return self.default, self.variable, self.option

    def port(
        self, environment: Mapping[str, Fact[str]], arguments: Mapping[str, str], started_by: str
    ) -> Fact[str] | None:
        """The port for a container with this environment, whose script was started with these
        options by the command `started_by` says."""
        found = self._port(environment, arguments, started_by)
        if found is None or self.doubt is None:
            return found
        return found._replace(guess=found.guess or self.doubt)

    def _port(
        self, environment: Mapping[str, Fact[str]], arguments: Mapping[str, str], started_by: str
    ) -> Fact[str] | None:
        given = next(
            (flag for flag in (self.option, *self.option_aliases) if flag and arguments.get(flag, "").isdigit()), None
        )
        if given is not None:
            return Fact(arguments[given], f"{started_by} ({self.source} reads {given})")
        if self.variable is not None and self.variable in environment:
            value = environment[self.variable]
            return written_port(
                Fact(value.value, f"{self.source}: reads ${self.variable}, set at {value.source}", value.guess)
            )
        if self.default is None:
            return None
        unset = f"; ${self.variable} is not set" if self.variable else ""
        guess = unread_may_set(environment, [self.variable] if self.variable else [])
        if self.variable and self.dotenv:
            guess = guess or f"{self.dotenv}, which may set ${self.variable} from a `.env` file"
        return Fact(self.default, f"{self.source}: {self.default} by default{unset}", guess)


class CodeFacts:
    __slots__ = ("applications", "imports", "prefixed_env", "routes", "script_ports", "wrapped")

    routes: list[Route]
    script_ports: dict[str, ScriptPort]
    """Context file of a script -> the port it makes its server listen on."""
    applications: set[str]
    """Context files that create an application (`FastAPI()`, `Flask(__name__)`, `express()`)."""
    wrapped: dict[str, dict[str, str]]
    """Context file -> its variables that hold code wrapped around an application -> that code
    (`app` -> `HTTPSRedirectMiddleware(api)`)."""
    imports: dict[str, frozenset[str]]
    """Python context file read -> the top-level packages it imports from (`app`, `django`)."""
    prefixed_env: tuple[str, str] | None
    """Where Flask's `app.config.from_prefixed_env()` reads settings from the environment, and
    the prefix of the variables it reads (`FLASK`): `FLASK_SERVER_NAME` may set one."""

    def __init__(
        self,
        routes: list[Route] | None = None,
        script_ports: dict[str, ScriptPort] | None = None,
        applications: set[str] | None = None,
        wrapped: dict[str, dict[str, str]] | None = None,
        imports: dict[str, frozenset[str]] | None = None,
        prefixed_env: tuple[str, str] | None = None,
    ) -> None:
        self.routes = [] if routes is None else routes
        self.script_ports = {} if script_ports is None else script_ports
        self.applications = set() if applications is None else applications
        self.wrapped = {} if wrapped is None else wrapped
        self.imports = {} if imports is None else imports
        self.prefixed_env = prefixed_env

    def to_cache(self) -> dict[str, Any]:
        """The facts as JSON holds them (see `from_cache`)."""
        return {
            "routes": [list(route) for route in self.routes],
            "script_ports": {
                path: [list(value) if isinstance(value, tuple) else value for value in port]
                for path, port in self.script_ports.items()
            },
            "applications": sorted(self.applications),
            "wrapped": self.wrapped,
            "imports": {path: sorted(packages) for path, packages in self.imports.items()},
            "prefixed_env": list(self.prefixed_env) if self.prefixed_env is not None else None,
        }

    @classmethod
    def from_cache(cls, stored: Any) -> CodeFacts | None:
        """The facts `to_cache` gave; None for anything else (a cache file sits in the
        project, where anything can edit it)."""
        try:
            if not (
                all(_written_as(Route, route) for route in stored["routes"])
                and all(_written_as(ScriptPort, port) for port in stored["script_ports"].values())
                and (stored["prefixed_env"] is None or [type(part) for part in stored["prefixed_env"]] == [str, str])
            ):
                return None
            facts = cls(
                [Route(*route) for route in stored["routes"]],
                {
                    path: ScriptPort(*(tuple(value) if isinstance(value, list) else value for value in port))
                    for path, port in stored["script_ports"].items()
                },
                set(stored["applications"]),
                {path: dict(variables) for path, variables in stored["wrapped"].items()},
                {path: frozenset(packages) for path, packages in stored["imports"].items()},
                tuple(stored["prefixed_env"]) if stored["prefixed_env"] is not None else None,
            )
        except (TypeError, ValueError, KeyError, IndexError, AttributeError):
            return None
        return facts if facts.to_cache() == stored else None

    def named_from(self, prefix: str) -> CodeFacts:
        """The same facts, their sources naming each file as `prefix` + its path in the
        context (`../services/api/`: the context as the Compose file's folder sees it)."""
        if not prefix:
            return self
        return CodeFacts(
            [route._replace(source=prefix + route.source) for route in self.routes],
            {
                path: port._replace(source=prefix + port.source, tls=port.tls and prefix + port.tls)
                for path, port in self.script_ports.items()
            },
            self.applications,
            self.wrapped,
            self.imports,
            self.prefixed_env,
        )

    def health_route(self, served: str | None = None, variable: str | None = None) -> Route | None:
        """The best health route of the module or script `served`, the one the process
        runs (with the application `variable` in it, as in `main:app`): where it creates an
        application, another application's routes are not its own, nor, where it names one,
        those of another application of the module, or of one its application is mounted
        into. Then one read rather than guessed (a router never seen mounted may sit under a
        prefix, and its probe fail), then by `HEALTH_NAMES` order, then one without
        authentication, then one in `served`, then the shortest.

        A Python process serves no JavaScript route, nor a Node process a Python one. The route
        is a guess where `variable` holds code wrapped around an application, which may
        redirect or refuse the probe; and where the process runs a module that creates no
        application read here (a factory's `wsgi.py`), or one not known, and it may serve
        another than the route's: the code has several, or the module is read and imports
        nothing from the route's package (a Django `wsgi.py` beside a Flask stub)."""
        doubts = []
        wrapper = self.wrapped.get(served, {}).get(variable) if served is not None and variable else None
        if wrapper is not None:
            doubts.append(
                f"the process serves `{variable} = {wrapper}`, code around its application that may refuse it"
            )
        own = served if served in self.applications else None
        if own is None or not any(route.application == own and route.server == variable for route in self.routes):
            variable = None  # a factory (`main:create_app`), or no application of its own
        python = served.endswith(".py") if served is not None else None
        candidates = [
            route
            for route in self.routes
            if _health_rank(route.path) is not None
            and (python is None or route.module.endswith(".py") == python)
            and (own is None or route.application in (None, own))
            and (route.server in (None, variable) if variable is not None else not route.alone)
        ]
        best = min(
            candidates,
            key=lambda route: (
                route.guess is not None,
                _health_rank(route.path),
                route.needs_auth,
                route.module != served,
                len(route.path),
                route.path,
            ),
            default=None,
        )
        if best is None:
            return None
        if own is None and best.application is not None and best.application != served:
            packages = set(best.application.removesuffix(".py").split("/"))  # `src/app/main.py` is `app.main`
            runs = (
                f"the process runs {served}, which creates no application hardenfix reads,"
                if served
                else ("which module the process runs is not known,")
            )
            if served in self.imports and not packages & self.imports[served]:
                doubts.append(f"{runs} and imports nothing from the package of {best.application}")
            elif len(self.applications) > 1:
                doubts.append(
                    f"{runs} and of the code's {len(self.applications)} applications it may serve another than"
                    f" {best.application}"
                )
        return best._replace(guess=_either(best.guess, *doubts)) if doubts else best


_JSON_TYPES: dict[str, type | tuple[type, ...]] = {
    "str": str,
    "str | None": (str, type(None)),
    "bool": bool,
    "tuple[str, ...]": list,
}
"""What JSON holds a field of a record in `CodeFacts` as, by its annotation."""


def _written_as(record: type[Route] | type[ScriptPort], values: Any) -> bool:
    """Whether `values` are the fields of `record` as `CodeFacts.to_cache` writes them."""
    return (
        isinstance(values, list)
        and len(values) == len(record._fields)
        and all(
            isinstance(value, _JSON_TYPES[_annotation(record, field)])
            for field, value in zip(record._fields, values, strict=True)
        )
    )


def _annotation(record: type, field: str) -> str:
    """A field's annotation as written (`typing.NamedTuple` keeps it as a forward reference)."""
    annotation = record.__annotations__[field]
    return getattr(annotation, "__forward_arg__", annotation)


def _health_rank(path: str) -> int | None:
    if any(marker in path for marker in "{<:*"):
        return None
    last = path.rstrip("/").rsplit("/", 1)[-1].lower()
    return HEALTH_NAMES.index(last) if last in HEALTH_NAMES else None


CODE_SUFFIXES = (".py", ".js")
"""The code read for routes and ports: Python and JavaScript."""


def code_facts(
    context: BuildContext, sources: tuple[str, ...] = (".",), suffixes: tuple[str, ...] = CODE_SUFFIXES
) -> CodeFacts:
    """Routes and script ports in the code under `sources`, the context's files and folders
    an image holds (see `dockerfile.context_sources`; tests, virtualenvs and `node_modules`
    skipped). Sources name files by their path in the context (see `named_from`), as routes
    and script ports are keyed. `suffixes` are the languages read: a process's own where it is
    known, as a node process serves no route that Python code defines.

    A run reads a context once while its files stay as they were: a monorepo checks the
    same context through its stack's Compose file and the service's own; and a later run
    takes what it read from the cache while they still do (see `remembered`)."""
    listed = {
        suffix: list(
            dict.fromkeys(
                relative for source in sources for relative in context.files_under(source, suffix, MAX_FILES, _skipped)
            )
        )
        if suffix in suffixes
        else []
        for suffix in CODE_SUFFIXES
    }
    statuses = [(relative, context.status(relative)) for found in listed.values() for relative in found]

    def read() -> CodeFacts:
        # Reading builds a syntax tree of every module that names a framework, and keeps what
        # it learns, the definitions' trees with it, for the run's other readings (`_KEPT`):
        # hundreds of thousands of objects without a reference cycle, which a collection
        # while they are built, or any later one, scans and does not free (a sixth of
        # plane's check).
        with not_collecting(then_freeze=True):
            return _read(context, listed, _Reader(context.identity, dict(statuses)))

    return _kept_or_read("code", (context.identity, sources, suffixes), statuses, read)


_Fact = TypeVar("_Fact", bound=remembered.Keepable)


def _kept_or_read(
    kind: str, key: tuple[Any, ...], statuses: list[tuple[str, Status | None]], read: Callable[[], _Fact]
) -> _Fact:
    """A fact of `kind` about a context's code (`key`: the context's identity, then what else
    it is read from): as this process read it while the files stay as they were
    (`statuses`), else as the cache remembers it from a run when they were the same, else
    read now; kept for later runs only where every file's versions can be told apart."""
    memo, from_cache = _memos()[kind]
    kept = memo.get(key)
    if kept is not None and kept[0] == statuses:
        return kept[1]
    told = _told(statuses)
    fact = from_cache(remembered.recalled(_remembered_as(kind, key), told)) if told is not None else None
    if fact is None:
        fact = read()
        _learn(kind, key, told, fact)
    memo[key] = (statuses, fact)
    return fact


def _remembered_as(kind: str, key: tuple[Any, ...]) -> str:
    identity, *rest = key
    return json.dumps([kind, str(identity[0]), str(identity[1]), *rest])


def _learn(kind: str, key: tuple[Any, ...], told: list[list[Any]] | None, fact: remembered.Keepable) -> None:
    if told is not None:
        remembered.learn(_remembered_as(kind, key), told, fact)


_Reading = tuple[str, tuple[Any, ...], list[tuple[str, Status | None]], dict[str, Any]]
"""A fact another process read (see `readings_since`): its kind (`"code"`, `"served"`), its
key, the statuses of the files it was read from, and the fact as the cache keeps it."""


def readings_since() -> Callable[[], list[_Reading]]:
    """What this process reads from now on, for another process to `adopt` (see
    `hardenfix.facts.ahead`)."""
    before = {kind: dict(memo) for kind, (memo, _) in _memos().items()}

    def since() -> list[_Reading]:
        return [
            (kind, key, statuses, fact.to_cache())
            for kind, (memo, _) in _memos().items()
            for key, (statuses, fact) in memo.items()
            if before[kind].get(key, (None, None))[1] is not fact
        ]

    return since


def adopt(readings: list[_Reading]) -> None:
    """Take what another process read (`readings_since`) as read here, and tell the cache of
    it; what this process read itself meanwhile stays."""
    memos = _memos()
    for kind, key, statuses, stored in readings:
        memo, from_cache = memos[kind]
        fact = from_cache(stored)
        if fact is not None and key not in memo:
            memo[key] = (statuses, fact)
            _learn(kind, key, _told(statuses), fact)


def _read(context: BuildContext, listed: dict[str, list[str]], reader: _Reader) -> CodeFacts:
    facts = CodeFacts()
    modules: list[_Module] = []
    unread: list[tuple[str, bytes]] = []
    for relative, text in _sources(context, listed[".py"], _PYTHON_FRAMEWORKS, unread):
        _add_module(modules, facts, reader.module(relative, text, facts))
    for module in _importers_of_applications(modules, unread, facts, reader):
        _add_module(modules, facts, module)
    _uncalled_registrations(modules, context, listed[".py"])
    _settings_from_elsewhere(modules, listed[".py"])
    _resolve_python_routes(modules, facts)
    _environment_loaded(facts, ".py", next((module.loads_dotenv for module in modules if module.loads_dotenv), None))
    node_dotenv = None
    for relative, text in _sources(context, listed[".js"], _NODE_FRAMEWORKS, as_word=_NODE_FRAMEWORK_WORD):
        _read_javascript(relative, text, facts)
        if node_dotenv is None and (loads := _NODE_DOTENV.search(text)) is not None:
            node_dotenv = f"{relative}:{line_number(text, loads.start())} loads `{loads.group(1)}`"
    _environment_loaded(facts, ".js", node_dotenv)
    return facts


def holds_readable_code(context: BuildContext, sources: tuple[str, ...] = (".",)) -> bool:
    """Whether the code under `sources` holds Python or JavaScript, as `code_facts` lists it:
    told from the listing, no module read (a Django project's nginx image, built from the
    whole repository, asks it of 885 modules)."""
    return any(
        context.files_under(source, suffix, MAX_FILES, _skipped) for suffix in CODE_SUFFIXES for source in sources
    )


def served_modules(
    context: BuildContext, sources: tuple[str, ...], served: str, imported_as: str
) -> tuple[str, ...] | None:
    """The Python files under `sources` that a process serving the module `served` runs: it,
    and what it imports, and what those import, each package's `__init__.py` with it.
    `imported_as` is the dotted name the process imports it by (`services.api.main` of
    `uvicorn services.api.main:app`; a script's by its file's name), which tells where its
    absolute imports are looked for; one not found there is looked for in any folder
    (`PYTHONPATH` may name it). A module a string names is counted as imported
    (`app.config.from_object("config.Production")`), and so is a module that imports
    `served`, with what it runs. None when `served` is not listed, its path does not end as
    `imported_as` does, one of them loads settings by a name not written out
    (`_LOADS_SETTINGS_BY_NAME`), or they are more than `MAX_SERVED_MODULES`. Found once for
    every Compose file that runs them, and kept for a later run while every file listed
    stays as it was."""
    listed = dict.fromkeys(
        relative for source in sources for relative in context.files_under(source, ".py", MAX_FILES, _skipped)
    )
    statuses = [(relative, context.status(relative)) for relative in listed]
    return _kept_or_read(
        "served",
        (context.identity, sources, served, imported_as),
        statuses,
        lambda: _ServedModules(_served_modules(context, dict(statuses), served, imported_as)),
    ).modules


def _told(statuses: list[tuple[str, Status | None]]) -> list[list[Any]] | None:
    """The files' statuses as `remembered` is told them; None where a file's versions cannot
    be told apart, and what was read from it is not kept for later runs."""
    told: list[list[Any]] = []
    for relative, status in statuses:
        if status is None:
            return None
        told.append([relative, *status])
    return told


MAX_SERVED_MODULES = 100
"""Modules past which the code a process runs is read as the whole of its code: an
application that imports so many imports most of its context, and finding them costs more
than reading the rest. PMOVES.AI's services run 1 to 11 modules each; onyx's API server
imports 1,097 of the 2,000 its context lists, which took 0.39 s to find."""


class _ServedModules(NamedTuple):
    """What `served_modules` found, as the cache keeps it for a later run."""

    modules: tuple[str, ...] | None

    def to_cache(self) -> dict[str, Any]:
        return {"modules": list(self.modules) if self.modules is not None else None}

    @classmethod
    def from_cache(cls, stored: Any) -> _ServedModules | None:
        """What `to_cache` gave; None for anything else."""
        modules = stored.get("modules", ()) if isinstance(stored, dict) else ()
        if modules is None:
            return cls(None)
        if isinstance(modules, list) and modules and all(isinstance(module, str) for module in modules):
            return cls(tuple(modules))
        return None


_SERVED: dict[
    tuple[tuple[Path, str | None], tuple[str, ...], str, str], tuple[list[tuple[str, Status | None]], _ServedModules]
] = {}
"""(The context's identity, the sources, the module served, the name it is imported by) ->
the status of each file listed, and the modules it runs: a monorepo's Compose files run
the same services' code."""


def _served_modules(
    context: BuildContext, listed: dict[str, Status | None], served: str, imported_as: str
) -> tuple[str, ...] | None:
    """See `served_modules`; `listed` holds each file's status."""
    in_context = _dotted_name(served)
    common = _common_dotted_end(in_context, imported_as)
    if served not in listed or not common:
        return None
    importable = _Importable(listed, in_context.removesuffix(common), imported_as.removesuffix(common))
    reached: dict[str, None] = {}

    def follow(start: str) -> bool:
        """Add what `start` runs; False where one of them loads settings by a name not written
        out, or they are more than `MAX_SERVED_MODULES`."""
        reached[start] = None
        pending = [start]
        while pending:
            relative = pending.pop()
            try:
                data = context.read_bytes(relative)
            except ContextError:
                continue
            if _LOADS_SETTINGS_BY_NAME.search(data):
                return False
            named = ((name.partition(b":")[0].decode(), False) for name in _NAMED_IN_A_STRING.findall(data))
            for target, is_relative in (*_imports_of(context, relative, listed.get(relative), data), *named):
                for file in importable.files(target, is_relative):
                    if file not in reached:
                        reached[file] = None
                        pending.append(file)
            if len(reached) > MAX_SERVED_MODULES:
                return False
        return True

    if not follow(served):
        return None
    # A module that imports the served one may change its application (`from main import app`,
    # then `app.add_middleware(...)`), however the process comes to load it: a plugin loaded by
    # `importlib.import_module(name)`, a module of a package loaded by `__getattr__`.
    leaf = in_context.rpartition(".")[2]
    for relative, status in listed.items():
        if relative in reached:
            continue
        imports_served = any(
            leaf in target.split(".") and served in importable.files(target, is_relative)
            for target, is_relative in _imports_of(context, relative, status)
        )
        if imports_served and not follow(relative):
            return None
    return tuple(reached)


_IMPORTS: dict[tuple[tuple[Path, str | None], str], tuple[Status, list[tuple[str, bool]]]] = {}
"""(The context's identity, a module's path in it) -> its status, and what its import
statements may import (`_imported_targets`): each served module of a context looks at
every other module's imports for one of itself, and a monorepo's stack serves dozens."""
IMPORTS_KEPT = 10_000
"""Modules whose imports `_IMPORTS` keeps, about 3 KB each (PMOVES.AI's stack: 371 modules,
2.7 KB each); past it, those of other contexts are forgotten (a sweep of many
repositories in one run meets thousands of contexts)."""


def _imports_of(
    context: BuildContext, relative: str, status: Status | None, data: bytes | None = None
) -> list[tuple[str, bool]]:
    """`_imported_targets` of the module at `relative` (its bytes, when read already), worked
    out once while its status stays."""
    key = (context.identity, relative)
    kept = _IMPORTS.get(key)
    if kept is not None and status is not None and kept[0] == status:
        return kept[1]
    try:
        targets = _imported_targets(relative, data if data is not None else context.read_bytes(relative))
    except ContextError:
        return []
    if status is not None:
        if len(_IMPORTS) >= IMPORTS_KEPT:
            for other in [other for other in _IMPORTS if other[0] != context.identity]:
                del _IMPORTS[other]
        if len(_IMPORTS) < IMPORTS_KEPT:
            _IMPORTS[key] = (status, targets)
    return targets


class _Importable:
    """The Python files of a listing by the dotted names a process imports them by: an
    absolute import of `import_prefix` + a name is of the file the context's dotted
    `context_prefix` + the name names, else of any file whose dotted name ends in it."""

    def __init__(self, listed: Iterable[str], context_prefix: str, import_prefix: str) -> None:
        self._context_prefix = context_prefix
        self._import_prefix = import_prefix
        self._by_dotted: dict[str, list[str]] = {}
        self._by_last_name: dict[str, list[str]] = {}
        for relative in listed:
            dotted = _dotted_name(relative)
            self._by_dotted.setdefault(dotted, []).append(relative)
            self._by_last_name.setdefault(dotted.rpartition(".")[2], []).append(dotted)

    def files(self, target: str, is_relative: bool) -> list[str]:
        """The files an import of `target` runs, each package's `__init__.py` above it too;
        a relative import's `target` is named from the context's top."""
        if is_relative:
            return self._packages_of(target)
        if target.startswith(self._import_prefix):
            inside = self._context_prefix + target.removeprefix(self._import_prefix)
            found = self._packages_of(inside, self._context_prefix.count("."))
            if found:
                return found
        return [
            file
            for name in (target, target.rpartition(".")[0])
            if "." in name
            for dotted in self._by_last_name.get(name.rpartition(".")[2], ())
            if dotted == name or dotted.endswith("." + name)
            for file in self._packages_of(dotted, dotted.count(".") - name.count("."))
        ]

    def _packages_of(self, dotted: str, stop: int = 0) -> list[str]:
        """The files of `dotted` and of each package above it, down to `stop` dots."""
        found: list[str] = []
        while dotted.count(".") >= stop:
            found.extend(self._by_dotted.get(dotted, ()))
            if "." not in dotted:
                break
            dotted = dotted.rpartition(".")[0]
        return found


_LOADS_SETTINGS_BY_NAME = regexes.lazy(rb"from_(?:object|pyfile|envvar|file)\s*\(\s*(?![rbuRBU]{0,2}[\"'])")
"""Flask's configuration loaded from a module or file named other than by a string written
out (`app.config.from_object(os.environ["SETTINGS"])`): any module of the context may set
what refuses a probe (`SERVER_NAME`)."""
_NAMED_IN_A_STRING = regexes.lazy(rb"[\"']([A-Za-z_]\w*(?:(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*)?|:[A-Za-z_]\w*))[\"']")
"""A string that may name a module to load, dotted or with the object after a colon
(`from_object("config.Production")`, `include("polls.urls")`, `uvicorn.run("main:app")`);
not a word alone, which most strings are (`"id"`)."""


_FROM_CLAUSE = regexes.lazy(rb"[ \t]*from[ \t]+(\.*)[ \t]*([\w.]*)[ \t]+")
"""What stands before `import` on the line of a `from` statement."""
_IMPORTED = regexes.lazy(rb"[ \t]*(\([^)]*\)|(?:[^\r\n\\#;]|\\\r?\n)*)")
"""What an import statement lists: to the end of its line (a backslash goes on), or its brackets'."""
_COMMENT = regexes.lazy(rb"#[^\r\n]*")
_CONTINUATION = regexes.lazy(rb"\\\r?\n")
"""A backslash that joins a line to the next."""
_ONE_LINE_BLOCK = regexes.lazy(
    rb"[ \t]*(?:(?:try|else|finally)|(?:if|elif|while|for|with|except)\b"
    rb"""(?:\[[^]\r\n]*\]|\([^)\r\n]*\)|\{[^}\r\n]*\}|"[^"\r\n]*"|'[^'\r\n]*'|[^:\r\n[({"'])*):[ \t]*"""
)
"""The header of a block whose one statement follows it on its line; a colon inside its
condition's brackets or strings is not its end (`if argv[1:]: import readline`)."""


def _imported_targets(relative: str, data: bytes) -> list[tuple[str, bool]]:
    """What the import statements of the module at `relative` may import, as dotted names,
    each with whether it is a relative import's (named from the context's top): a statement
    that starts its line (`    from .api import (router,  # v1`), or follows another or a
    block's header on it (`try: import ujson as json`), read from its text, as parsing
    every module a large application imports would take longer than reading the few that
    name a framework. `from a import b` may import the module `a.b`, or a name of `a`:
    both are given."""
    parts, is_package = _place_of(relative)
    found: list[tuple[str, bool]] = []
    for start in word_starts(data, b"import"):
        line_start = data.rfind(b"\n", 0, start) + 1
        while continues_line_above(data, line_start):  # `from .\` then `api import router`
            line_start = data.rfind(b"\n", 0, line_start - 1) + 1
        names = _IMPORTED.match(data, start + len(b"import"))
        if names is None:
            continue
        # What stands before it on its line, past a statement it follows (`import os; import
        # sys`) and a block's header (`try: import ujson as json`).
        before = _CONTINUATION.sub(b" ", data[line_start:start]).rpartition(b";")[2]
        header = _ONE_LINE_BLOCK.match(before)
        before = before[header.end() :] if header is not None else before
        if not before.strip(b" \t"):  # `import a.b, c as d`
            found.extend((name, False) for name in _imported_names(names.group(1)))
            continue
        clause = _FROM_CLAUSE.fullmatch(before)  # `from a.b import c`
        if clause is None:
            continue
        dots, module = clause.groups()
        written = module.decode("utf-8", "replace") or None
        origin = import_origin(ast.ImportFrom(module=written, names=[], level=len(dots)), parts, is_package)
        if not origin:
            continue  # relative above the context's top
        dotted = ".".join(origin)
        found.append((dotted, bool(dots)))
        found.extend((f"{dotted}.{name}", bool(dots)) for name in _imported_names(names.group(1)))
    return found


def _imported_names(names: bytes) -> Iterator[str]:
    """The names an import statement lists (`(a as b,  # old\n c)`: `a`, `c`)."""
    for name in _COMMENT.sub(b"", names).replace(b"\\", b" ").strip().strip(b"()").split(b","):
        words = name.split()
        if words and words[0] != b"*":
            yield words[0].decode("utf-8", "replace")


def _common_dotted_end(first: str, second: str) -> str:
    """The last names two dotted names share (`app.main` of `src.app.main` and `app.main`)."""
    return ".".join(reversed(posixpath.commonprefix([first.split(".")[::-1], second.split(".")[::-1]])))


_READ: dict[
    tuple[tuple[Path, str | None], tuple[str, ...], tuple[str, ...]], tuple[list[tuple[str, Status | None]], CodeFacts]
] = {}
"""(The context's identity, the sources read, the languages) -> the status of each file the
code facts were read from, and the facts."""


def _memos() -> dict[str, tuple[dict[Any, Any], Callable[[Any], remembered.Keepable | None]]]:
    """The facts about a context's code that this process keeps, by the kind the cache keeps
    them as (see `_kept_or_read`), with how each is told from what the cache keeps."""
    return {"code": (_READ, CodeFacts.from_cache), "served": (_SERVED, _ServedModules.from_cache)}


MODULE_CACHE_BUDGET = 4 * 1024 * 1024
"""Characters of Python source whose modules, read whole, a process keeps for the code
facts of the same context over other sources. A kept module holds its definitions' syntax
trees, about 27 bytes a character: 4 M characters is a hundred MB, which the reading of so
large a context holds at once anyway; past it, the modules of other contexts are forgotten
first, and then no more are kept (a cache that forgot the oldest would forget each module
just before a reading in the same order asks for it)."""


class _Kept(NamedTuple):
    """What reading one module of a context whole gave, while its status stays the same."""

    status: Status | None
    size: int
    module: _Module | None
    """None when it does not parse."""
    port: ScriptPort | None
    """The port of the servers it starts (see `_script_port`)."""


_KEPT: dict[tuple[tuple[Path, str | None], str], _Kept] = {}
"""(The context's identity, a file's path in it) -> what reading the file gave."""
_kept_size = 0
"""Characters of the modules in `_KEPT`."""


class _Reader:
    """Reads a context's Python modules for one code facts, each once for every code facts of
    the context while it stays as it was: a service's image copies some of the folders of a
    context that another's copies whole (makeplane's apps/api, mage-ai's root), and each
    reading of the same module gave the same."""

    def __init__(self, identity: tuple[Path, str | None], statuses: dict[str, Status | None]) -> None:
        self._identity = identity
        self._statuses = statuses

    def module(self, relative: str, text: str, facts: CodeFacts) -> _Module | None:
        """The module read whole (a copy of it the code facts may change); the port its
        servers start on goes to `facts`, which holds no other for its path."""
        kept = self._kept(relative)
        if kept is None:
            found = CodeFacts()
            module = _read_python(relative, text, found)
            kept = self._keep(relative, len(text), module, found.script_ports.get(relative))
        if kept.port is not None:
            facts.script_ports[relative] = kept.port
        return kept.module.copy() if kept.module is not None else None

    def _kept(self, relative: str) -> _Kept | None:
        kept = _KEPT.get((self._identity, relative))
        return kept if kept is not None and kept.status == self._statuses.get(relative) else None

    def _keep(self, relative: str, size: int, module: _Module | None, port: ScriptPort | None) -> _Kept:
        global _kept_size
        status = self._statuses.get(relative)
        kept = _Kept(status, size, module, port)
        if status is None:
            return kept  # a file whose versions cannot be told apart
        key = (self._identity, relative)
        previous = _KEPT.pop(key, None)
        if previous is not None:
            _kept_size -= previous.size
        if _kept_size + size > MODULE_CACHE_BUDGET:
            for other in [other for other in _KEPT if other[0] != self._identity]:
                _kept_size -= _KEPT.pop(other).size
        if _kept_size + size <= MODULE_CACHE_BUDGET:
            _KEPT[key] = kept
            _kept_size += size
        return kept


def _uncalled_registrations(modules: list[_Module], context: BuildContext, listed: list[str]) -> None:
    """Refuse the routes a function registers (see `_Written.registered_by`) where no module
    of the context names that function but to define it: nothing calls it, and the route is
    never served. Any mention counts as a call, a comment too."""
    wanted = {route.registered_by for module in modules for route in module.routes if route.registered_by}
    if not wanted:
        return
    named = set()
    for relative in listed:
        try:
            data = context.read_bytes(relative)
        except ContextError:
            continue
        named.update(name for name in wanted - named if re.search(_MENTIONED.format(re.escape(name)).encode(), data))
    for module in modules:
        module.routes = [
            route._replace(
                refused=_either(route.refused, f"it is registered by `{route.registered_by}()`, which no module calls")
            )
            if route.registered_by is not None and route.registered_by not in named
            else route
            for route in module.routes
        ]


_MENTIONED = r"(?<!\w)(?<!def )(?<!def\t){}\b"
"""A function's name anywhere but where `def` defines it."""


def _settings_from_elsewhere(modules: list[_Module], listed: list[str]) -> None:
    """Note the modules that take every name (or `ALLOWED_HOSTS`) of a module of the project
    the code does not hold: Django's `try: from .local_settings import *` of a file kept out
    of the repository, which the deployment writes, and which may set any setting."""
    held = {path.removesuffix(".py").removesuffix("/__init__").replace("/", ".") for path in listed}
    parts = {part for dotted in held for part in dotted.split(".")}
    for module in modules:
        sets_django = module.allowed_hosts is not None or module.redirect is not None or module.django_middleware
        if not (sets_django or "settings" in module.path.rpartition("/")[2]):
            continue  # not Django's settings: `from .service_pb2 import *` of generated code
        for line, origin, relative in module.settings_imports:
            if not relative and origin.split(".")[0] not in parts:
                continue  # another distribution's module
            if not any(dotted == origin or dotted.endswith(f".{origin}") for dotted in held):
                module.settings_unseen = f"{module.path}:{line} imports `{origin}`, which the code does not hold"
                break


def _skipped(folder: str) -> bool:
    """Tests, dependencies, build output and hidden folders (`.git`, `.venv`, caches)."""
    return folder in _SKIPPED_FOLDERS or folder.startswith(".")


def _sources(
    context: BuildContext,
    listed: list[str],
    frameworks: tuple[bytes, ...],
    unread: list[tuple[str, bytes]] | None = None,
    as_word: re.Pattern[bytes] | None = None,
):
    """The files that name one of `frameworks` (as a word that `as_word` finds, when given),
    decoded; the others' bytes go to `unread`."""
    for relative in listed:
        try:
            data = context.read_bytes(relative)
            # The substrings first: twice as fast as a regex, and most files name none.
            if any(framework in data for framework in frameworks) and (as_word is None or as_word.search(data)):
                yield relative, data.decode("utf-8")
            elif unread is not None:
                unread.append((relative, data))
        except (ContextError, UnicodeDecodeError):
            continue


def _add_module(modules: list[_Module], facts: CodeFacts, module: _Module | None) -> None:
    if module is None:
        return
    modules.append(module)
    facts.imports[module.path] = frozenset(name.partition(".")[0] for name in module.imports.values())
    facts.prefixed_env = facts.prefixed_env or module.prefixed_env
    if module.servers:
        facts.applications.add(module.path)


def _importers_of_applications(
    modules: list[_Module], unread: list[tuple[str, bytes]], facts: CodeFacts, reader: _Reader
) -> Iterator[_Module]:
    """The modules that name no framework but import an application or a router of the code:
    an entry point that serves one (`main.py`: `from app.server import app`) may guard or wrap
    it on the way (`app.add_middleware(RequireKey)`, `app = require_key(api)`)."""
    held = [module.dotted for module in modules if module.applications or module.routers]
    if not held:
        return
    known = frozenset(module.dotted for module in modules)
    leaves = sorted({re.escape(dotted.rpartition(".")[2]) for dotted in held})
    naming = re.compile(rf"\b(?:{'|'.join(leaves)})\b".encode())
    named = _NamedAmong(known, held)

    def names_one(targets: Iterable[str]) -> bool:
        return any(named.by(target) or named.by(target.rpartition(".")[0]) for target in targets)

    for relative, data in unread:
        # An import that may name one writes its last name, but for a relative import of
        # a package's own names (`from . import app` in `app/server/main.py`), which names
        # it by the module's place. Those statements alone are parsed: the word is in the
        # name of a package (`from app.server.models import ...`) far more often than of
        # an application, and a module is read whole only where one of its imports names
        # one, or where it may start a server, whose port counts whether or not it is kept.
        statements = [
            statement
            for pattern in _IMPORT_STATEMENTS
            for statement in pattern.findall(data)
            if naming.search(statement) or _PACKAGE_IMPORT.match(statement)
        ]
        if not statements:
            continue
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        imports = [
            (statement, node)
            for statement in statements
            for node in getattr(parsed_or_none(statement.decode("utf-8")), "body", ())
            if isinstance(node, ast.Import | ast.ImportFrom)
        ]
        if not (
            names_one(target for _, node in imports for _, target in _bindings(relative, node))
            or (any(naming.search(statement) for statement, _ in imports) and may_start_a_server(relative, data))
        ):
            continue
        module = reader.module(relative, text, facts)
        if module is not None and names_one(module.imports.values()):
            yield module


_STATEMENT_END = rb"(?:[^\r\n\\#;(]|\\(?:\r\n?|\n))*(?:\((?:[^)#]|#[^\r\n]*(?![^\r\n]))*\))?"
_IMPORT_STATEMENTS = (regexes.lazy(rb"from\b" + _STATEMENT_END), regexes.lazy(rb"import\b" + _STATEMENT_END))
"""Import statements as written, up to their end (a newline, `;` or a comment): their names
may stand in brackets over several lines, or go on after a backslash. Each pattern starts
with a word the regex engine finds quickly, where one pattern for both words is tried at
every byte (twice as long over onyx's 10 MB). Any other text they find does not parse
(`raise Error from error`, `import (` after `from x`), or imports what a statement or a
comment may (`import y` of `from x import y`, `# from app import server`): a module is read
whole only where its own imports name an application."""
_PACKAGE_IMPORT = regexes.lazy(rb"from[\s\\]*\.+[\s\\]*import\b")
"""A relative import of a package's own names (`from . import app`)."""


SYNTAX_CACHE_BUDGET = 1024 * 1024
"""Characters of Python source whose syntax trees a process keeps for reading the same text
again under another path: a monorepo's images copy the same folders from several build
contexts (PMOVES.AI's `services/` from the repository's root, from `pmoves/`, and as a
context of its own), and a module is read anew in each, under its path there, which its
dotted name and what it says depend on. A tree and its listing take about 42 bytes a
character: 1 M characters is about 42 MB. Past it, no more are kept."""


class _Syntax(NamedTuple):
    """What a module's text says whatever its path: nothing changes it."""

    tree: ast.Module
    nodes: list[ast.AST]
    """Every node, in `breadth_first` order."""
    calls: list[ast.Call]
    """Its calls, in the same order: most passes of `_read_python` look at calls or
    assignments alone."""
    assignments: list[ast.Assign]
    constants: dict[str, str]
    """`_string_constants`."""
    called: dict[str, list[ast.Call]]
    """Its calls by the last name of what they call (`_callee`), each name's in their order:
    a pass that looks for `Mount(...)` or `include(...)` looks at those alone."""
    read_in_order: list[ast.AST]
    """The nodes `_read_python` reads in one pass, in their order (see `_read_in_order`):
    imports, assignments of a call's result, decorated functions, and the calls `_call` may
    read something from, a tenth of a module's calls."""
    answers: dict[tuple[Callable[[Any], Any], int], Any]
    """The answers to questions about its nodes that the module's path does not change, by
    question and node (`_answered`): a reading of the text under another path asks them again."""


_Node = TypeVar("_Node", bound=ast.AST)
_Answer = TypeVar("_Answer")


def _answered(answers: dict[Any, Any], question: Callable[[_Node], _Answer], node: _Node) -> _Answer:
    """`question(node)`, asked once of a node of a `_Syntax` that keeps its `answers`."""
    key = (question, id(node))
    if key not in answers:
        answers[key] = question(node)
    return answers[key]


_SYNTAX: dict[str, _Syntax | None] = {}
"""A module's text -> its syntax; None where it does not parse."""
_syntax_size = 0
"""Characters of the texts in `_SYNTAX`."""


def _syntax(text: str) -> _Syntax | None:
    global _syntax_size
    if text in _SYNTAX:
        return _SYNTAX[text]
    tree = parsed_or_none(text)
    syntax = None
    if tree is not None:
        nodes = breadth_first(tree)
        calls = [node for node in nodes if node.__class__ is ast.Call]
        called: dict[str, list[ast.Call]] = {}
        for call in calls:
            called.setdefault(_callee(call), []).append(call)
        syntax = _Syntax(
            tree,
            nodes,
            calls,
            [node for node in nodes if node.__class__ is ast.Assign],
            _string_constants(tree, nodes),
            called,
            [node for node in nodes if node.__class__ in _READ_IN_ORDER and _read_in_order(node)],
            answers={},
        )
    if _syntax_size + len(text) <= SYNTAX_CACHE_BUDGET:
        _SYNTAX[text] = syntax
        _syntax_size += len(text)
        if syntax is not None:
            keep_tree(text, syntax.tree)
    return syntax


def may_start_a_server(relative: str, data: bytes) -> bool:
    """Whether `_script_port` may find a server call in a module: one makes an instance of a
    class of `_RUN_METHODS`, named in its text, or calls one of `_SERVER_FUNCTIONS`, whose
    package its text or its path names (`from . import run` in `uvicorn/`)."""
    return any(word in data for word in _SERVER_CLASS_WORDS) or any(
        word in data or word.decode() in relative for word in _SERVER_PACKAGE_WORDS
    )


def _place_of(relative: str) -> tuple[tuple[str, ...], bool]:
    """The module at `relative` as `import_origin` places a relative import of it: its dotted
    name's parts, and whether it is a package's `__init__.py`."""
    return tuple(_dotted_name(relative).split(".")), relative.rpartition("/")[2] == "__init__.py"


def _dotted_name(relative: str) -> str:
    """A module's dotted name from its path in the context (`app/api/__init__.py`: `app.api`)."""
    return relative.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


# --------------------------------------------------------------------------------- Python


class _Written(NamedTuple):
    """A route as a module writes it."""

    owner: str
    """The variable it is on; '' for a module-level route list."""
    path: str
    line: int
    needs_auth: bool
    refused: str | None = None
    """Why its handler may refuse a probe otherwise."""
    view: str | None = None
    """The dotted name of its view where the route names one (`path("ping/", views.ping)`,
    `add_url_rule(..., view_func=Ping.as_view("ping"))`, `Route("/ping", Ping)`)."""
    responder: str | None = None
    """The method its view, a class, must define to answer a GET, where a missing one answers
    405: Falcon's `on_get` (`on_get_status` for `suffix="status"`), Tornado's `get`."""
    registered_by: str | None = None
    """The function whose call registers it, on a router or an application the function is
    given or finds (`def add_health(app): @app.get(...)`); None where the module registers it
    as it runs, or a function registers it on what it makes itself (an application factory)."""
    exempt_from: tuple[str, ...] = ()
    """The dotted names of what its view is exempted from (`@limiter.exempt`, `@csrf.exempt`)."""


class _View(NamedTuple):
    """What a function or class a route names does with a probe's request."""

    serves_get: bool
    """False for one that answers other methods alone: Django's `@require_POST`, a class
    view (Flask's `MethodView`, Starlette's `HTTPEndpoint`) with `post` and no `get`."""
    needs_auth: bool
    """`@login_required`, a `LoginRequiredMixin` base, DRF `permission_classes`."""
    refused: str | None = None
    """Why it may refuse a probe otherwise: a decorator that wraps it (see `_wrapped_by`)."""


class _Mount(NamedTuple):
    target: str
    """The dotted name of what is mounted."""
    prefix: str | None
    """None when the mount gives none, `_UNKNOWN` when it is not written out."""
    mounter: str
    """The dotted name of what it is mounted into: a router, an application, a Django URLconf."""


class _Module:
    """What one Python module defines and mounts; names are resolved across modules later."""

    __slots__ = (
        "allowed_hosts",
        "applications",
        "constants",
        "definitions",
        "django_middleware",
        "dotted",
        "drf_permissions",
        "extensions_bound",
        "guards",
        "hosts",
        "https_extensions",
        "imports",
        "instances",
        "loads_dotenv",
        "mounts",
        "options",
        "path",
        "prefixed_env",
        "rate_limited",
        "rate_limiters",
        "redirect",
        "root_mounts",
        "route_doubt",
        "routers",
        "routes",
        "runnable",
        "server_tls",
        "servers",
        "settings_imports",
        "settings_unseen",
        "wrappers",
    )

    path: str
    """Its path in the context, which sources name it by."""
    dotted: str
    constants: dict[str, str]
    imports: dict[str, str]
    """Local name -> the dotted name it stands for (`health` -> `app.routers.health`)."""
    applications: set[str]
    """Variables whose routes need no mount to be served: applications, aiohttp's route tables."""
    servers: set[str]
    """Variables holding an application itself, which a server runs (not a route table)."""
    runnable: dict[str, str]
    """Variables holding an object whose `run` starts a server -> its class (`_RUN_METHODS`)."""
    instances: dict[str, ast.expr]
    """Variables -> the class or function whose call the module assigns them (`health =
    HealthResource()`), which a Falcon route may name."""
    server_tls: dict[str, str]
    """Those of them made to speak TLS alone -> where: `HTTPServer(app, ssl_options=...)`."""
    routers: dict[str, tuple[str, bool]]
    """Router variable -> (its own prefix, `_UNKNOWN` when not written out; whether a mount's
    prefix replaces it: blueprints)."""
    mounts: list[_Mount]
    """`include_router`, `register_blueprint`, `mount`, Django's `include`."""
    routes: list[_Written]
    definitions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]
    """The dotted names of its module-level functions and classes, which a route may name as
    its view (see `_view`)."""
    options: dict[str, tuple[str | None, str | None, tuple[str, ...]]]
    """argparse destination -> (its option, its default, its other spellings): `port` ->
    (`--port`, `9000`, (`-p`,)); Tornado's `define("port", default=8888)` the same, with no
    option where the module never calls `parse_command_line()`."""
    allowed_hosts: list[str] | None
    """Django's `ALLOWED_HOSTS`, when the module sets it to a list of strings it writes out;
    `["?"]` when it sets it some other way (from the environment). Where it sets it more than
    once, one that does not let a probe of 127.0.0.1 in."""
    settings_imports: list[tuple[int, str, bool]]
    """Where it imports every name of a module (`from .local_settings import *`) or
    `ALLOWED_HOSTS` from one: (the line, the module's dotted name, whether relative)."""
    settings_unseen: str | None
    """Where it takes settings from a module the code does not hold (see `_settings_from_elsewhere`)."""
    redirect: str | None
    """The Django setting it sets, unless to a false constant, that redirects every request
    (`_DJANGO_REDIRECTS`), as written: "`SECURE_SSL_REDIRECT = True`"."""
    guards: dict[str, str]
    """Application or router variable (or the dotted name of a router mounted with its own
    dependencies) -> what runs before each of its routes and may refuse a request."""
    hosts: dict[str, str]
    """Router variable (or the dotted name of a router mounted so) that serves its routes to one
    host alone -> why: `Blueprint("ops", __name__, subdomain="ops")`, `register_blueprint(bp,
    subdomain="ops")`, Sanic's `Blueprint("ops", host="ops.example.com")`."""
    https_extensions: dict[str, str]
    """Dotted names of the extensions that redirect to https it creates unbound (`Talisman()`,
    `Talisman(app=None)`) -> their class."""
    loads_dotenv: str | None
    """Where it loads a `.env` file (`_LOADS_DOTENV`), as in "main.py:7 calls `load_dotenv()`"."""
    route_doubt: str | None
    """Why any route of its context may be served elsewhere than its path says, or refuse a
    request for 127.0.0.1: an application mounted by a call, host names set in code."""
    wrappers: list[tuple[str, list[str], ast.Call]]
    """`app = HTTPSRedirectMiddleware(api)`: (the variable; the dotted names of what the call
    is given, one of which may be an application; the call, written out only where it wraps
    one: a Django project assigns the result of a call thousands of times)."""
    drf_permissions: str | None
    """What it sets Django REST framework's `DEFAULT_PERMISSION_CLASSES` to, unless `AllowAny`."""
    django_middleware: str | None
    """The first middleware of Django's `MIDDLEWARE` it sets that may refuse a request."""
    prefixed_env: tuple[str, str] | None
    """Where it calls `app.config.from_prefixed_env()`, and the prefix (see `CodeFacts`)."""
    root_mounts: list[tuple[int, str]]
    """Mounts at the root (`app.mount("/", StaticFiles(html=True))`), by line, as written:
    Starlette tries routes in the order they are added, and such a mount answers every path
    before the routes added after it."""
    extensions_bound: list[tuple[str, str, str]]
    """`ext.init_app(app)` calls that leave flask-talisman's `force_https` on, were `ext` one:
    (the dotted name of `ext`, `ext` and `app` as written)."""
    rate_limiters: set[str]
    """Dotted names of the Flask-Limiter instances it creates (`limiter = Limiter(...)`)."""
    rate_limited: str | None
    """A Flask-Limiter it binds to an application as it is made, as written: its default
    limits (or the `RATELIMIT_DEFAULT` a configuration sets) apply to every route."""

    def __init__(self, path: str, dotted: str) -> None:
        self.path = path
        self.dotted = dotted
        self.constants = {}
        self.imports = {}
        self.applications = set()
        self.servers = set()
        self.runnable = {}
        self.instances = {}
        self.server_tls = {}
        self.routers = {}
        self.mounts = []
        self.routes = []
        self.definitions = {}
        self.options = {}
        self.allowed_hosts = None
        self.settings_imports = []
        self.settings_unseen = None
        self.redirect = None
        self.guards = {}
        self.hosts = {}
        self.https_extensions = {}
        self.rate_limiters = set()
        self.rate_limited = None
        self.loads_dotenv = None
        self.route_doubt = None
        self.wrappers = []
        self.drf_permissions = None
        self.django_middleware = None
        self.prefixed_env = None
        self.root_mounts = []
        self.extensions_bound = []

    def copy(self) -> _Module:
        """A copy whose collections the code facts may change (`routes`, `guards`) while this
        one's stay as they were."""
        copied = _Module.__new__(_Module)
        for name in _Module.__slots__:
            value = getattr(self, name)
            setattr(copied, name, type(value)(value) if isinstance(value, list | dict | set) else value)
        return copied

    def named(self, owner: str) -> str:
        """The dotted name of what a variable of the module, or a dotted name, stands for: one it
        imports (`from app.server import app`) is that module's (`app.server.app`)."""
        if "." in owner:
            return owner
        return self.imports.get(owner, f"{self.dotted}.{owner}")


def _read_python(relative: str, text: str, facts: CodeFacts) -> _Module | None:
    """What a module defines and mounts; the ports of the servers it starts go to `facts`."""
    syntax = _syntax(text)
    if syntax is None:
        return None
    tree, nodes, calls, assignments, module_constants, called, read_in_order, answers = syntax
    dotted = _dotted_name(relative)
    module = _Module(relative, dotted)
    module.constants = module_constants  # shared by every reading of the text: read, never changed
    # Django's settings, wherever the module sets them: under `if not DEBUG:`, in a class of
    # django-configurations; any one setting may be the one that runs.
    for node in assignments if any(word in text for word in _DJANGO_SETTINGS) else ():
        names = {target.id for target in node.targets if isinstance(target, ast.Name)}
        if "ALLOWED_HOSTS" in names and not (
            module.allowed_hosts and not _REACHES_LOOPBACK & set(module.allowed_hosts)
        ):
            hosts = node.value.elts if isinstance(node.value, ast.List | ast.Tuple) else None
            written = [
                item.value for item in hosts or () if isinstance(item, ast.Constant) and isinstance(item.value, str)
            ]
            module.allowed_hosts = written if hosts is not None and len(written) == len(hosts) else ["?"]
        redirecting = next((name for name in _DJANGO_REDIRECTS if name in names), None)
        if redirecting and not (isinstance(node.value, ast.Constant) and not node.value.value):
            # `env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)`
            module.redirect = module.redirect or f"`{redirecting} = {ast.unparse(node.value)}`"
        if "REST_FRAMEWORK" in names and isinstance(node.value, ast.Dict):
            module.drf_permissions = _drf_permissions(node.value) or module.drf_permissions
        if "MIDDLEWARE" in names and isinstance(node.value, ast.List | ast.Tuple):
            module.django_middleware = next(
                (
                    item.value
                    for item in node.value.elts
                    if isinstance(item, ast.Constant)
                    and isinstance(item.value, str)
                    and not _DJANGO_HARMLESS_MIDDLEWARE.match(item.value)
                ),
                module.django_middleware,
            )
    if any(word in text for word in _REFUSAL_WORDS):
        refusing = _answered(answers, _setting_that_refuses, tree)
        module.route_doubt = f"{relative}:{refusing}" if refusing is not None else None
    mount_prefixes = _starlette_mounts(called.get("Mount", []), module)
    route_owners = _aiohttp_route_owners(tree, nodes) if "web.get" in text else {}
    module.definitions = {
        f"{dotted}.{node.name}": node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }
    pattern_lists = _django_pattern_lists(tree, called, module)
    for node in calls if "add_argument" in text or "from_prefixed_env" in text else ():
        if _callee(node) == "add_argument":
            _argparse_option(module, node)
        elif _callee(node) == "from_prefixed_env" and module.prefixed_env is None:
            prefix = _string(module, _argument(node, 0, "prefix")) or "FLASK"
            module.prefixed_env = (f"{relative}:{node.lineno}", prefix)
    factories = _factories(tree) if "tornado" in text or "bottle" in text else {}
    for node in read_in_order:
        if isinstance(node, ast.Import | ast.ImportFrom):
            _imports(module, node)
        elif isinstance(node, ast.Assign):
            _owner(module, node, factories)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            _decorated_routes(module, node, answers)
        else:
            _call(module, node, mount_prefixes, pattern_lists, route_owners)
    if "litestar" in text:
        _litestar(module, nodes)
    if "tornado" in text:
        _tornado(module, nodes, "parse_command_line" in text)
    if module.routes:
        module.routes = _placed(tree, module.routes)
    loads = min((called[name][0] for name in _LOADS_DOTENV if name in called), key=calls.index, default=None)
    module.loads_dotenv = f"{relative}:{loads.lineno} calls `{_callee(loads)}()`" if loads is not None else None
    # Once every import and application is known: a server call may come before them in `nodes`.
    # What a call is a call of, by the name an import gives it, is told by the module's path:
    # the names of the calls that may start a server are not.
    may_serve = {id(call) for name in (*_SERVER_CALL_NAMES, *module.imports) for call in called.get(name, ())}
    for node in calls:
        if id(node) in may_serve:
            _script_port(module, node, facts, syntax)
    for node in assignments:
        if isinstance(node.value, ast.Call):
            _wrapper(module, node, answers)
    return module


_READ_IN_ORDER = frozenset({ast.Import, ast.ImportFrom, ast.Assign, ast.FunctionDef, ast.AsyncFunctionDef, ast.Call})
"""The kinds of node `_read_in_order` tells of: the others are not read in that pass."""


def _read_in_order(node: ast.AST) -> bool:
    """Whether `_read_python` reads the node in its one pass over the nodes, in the order
    `breadth_first` lists them: a module's top-level imports come before any call they name.
    A function without decorators, an assignment of anything but a call's result, and a call
    `_call` reads nothing from are not."""
    kind = node.__class__
    if kind is ast.Call:
        return node.func.__class__ is ast.Call or _callee(node) in _CALLEES_READ
    if kind is ast.Assign:
        return node.value.__class__ is ast.Call
    if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
        return bool(node.decorator_list)
    return kind is ast.Import or kind is ast.ImportFrom


class _Block(NamedTuple):
    """Lines of a module that run only under a condition, or only when a function is called."""

    first: int
    last: int
    condition: ast.AST | None
    """What the lines run under: an `if` (`orelse` its `else`), a loop, an `except`, a `case`."""
    orelse: bool = False
    function: ast.FunctionDef | ast.AsyncFunctionDef | None = None

    def said(self) -> str:
        condition = self.condition
        if isinstance(condition, ast.If):
            written = f"`if {ast.unparse(condition.test)}` (line {condition.lineno})"
            return f"the `else` of {written}" if self.orelse else written
        if isinstance(condition, ast.ExceptHandler):
            return f"the `except` at line {condition.lineno} runs"
        if isinstance(condition, ast.match_case):
            return f"the `case` at line {condition.pattern.lineno} matches"
        return f"the loop at line {getattr(condition, 'lineno', 0)} runs"


def _placed(tree: ast.Module, routes: list[_Written]) -> list[_Written]:
    """The routes, each refused where the module registers it only under a condition (`if
    settings.ENABLE_HEALTH:`, an `except` handler, a loop), which a probe cannot tell holds,
    and told the function that registers it where that function is given or finds the
    router or application it registers it on (see `_uncalled_registrations`)."""
    blocks = list(_blocks(tree.body, sorted(route.line for route in routes)))
    placed = []
    for route in routes:
        around = [block for block in blocks if block.first <= route.line <= block.last]
        condition = next((block for block in around if block.condition is not None), None)
        refused = _either(route.refused, f"it is registered only when {condition.said()} holds" if condition else None)
        function = max((block.function for block in around if block.function), key=_first_line, default=None)
        registered_by = None
        # A method Python calls itself (`__init__`) runs whenever its class is used.
        if function is not None and not function.name.startswith("__") and route.owner:
            registered_by = None if _makes(function, route.owner) else function.name
        placed.append(route._replace(refused=refused, registered_by=registered_by))
    return placed


def _blocks(body: list[ast.stmt], lines: list[int]) -> Iterator[_Block]:
    """The blocks of `body` that hold one of `lines` (sorted): a large module has thousands
    of blocks, and a route or two."""
    for statement in body:
        if bisect_right(lines, _last_line(statement)) == bisect_left(lines, _first_line(statement)):
            continue
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef):
            # Its body alone: a route decorating the function itself is not registered by it.
            yield _Block(_first_line(statement.body[0]), _last_line(statement), None, function=statement)
            yield from _blocks(statement.body, lines)
            continue
        if isinstance(statement, ast.If):
            parts = [(statement.body, statement, False), (statement.orelse, statement, True)]
        elif isinstance(statement, ast.For | ast.AsyncFor | ast.While):
            parts = [(statement.body, statement, False), (statement.orelse, statement, False)]
        elif isinstance(statement, ast.Try | ast.TryStar):
            parts = [(statement.body, None, False), (statement.orelse, None, False), (statement.finalbody, None, False)]
            parts += [(handler.body, handler, False) for handler in statement.handlers]
        elif isinstance(statement, ast.Match):
            parts = [(case.body, case, False) for case in statement.cases]
        elif isinstance(statement, ast.With | ast.AsyncWith | ast.ClassDef):
            parts = [(statement.body, None, False)]
        else:
            continue
        for part, condition, orelse in parts:
            if part and condition is not None:
                yield _Block(_first_line(part[0]), _last_line(part[-1]), condition, orelse)
            yield from _blocks(part, lines)


def _makes(function: ast.FunctionDef | ast.AsyncFunctionDef, owner: str) -> bool:
    """Whether a function assigns a route's owner (`app`, `self.app`), or what it is an
    attribute of (`app` of `app.router`): an application factory."""
    parts = owner.split(".")
    owners = {".".join(parts[:length]) for length in range(1, len(parts) + 1)}
    return any(
        isinstance(target, ast.Name | ast.Attribute) and ast.unparse(target) in owners
        for statement in _own_statements(function.body)
        for target in (statement.targets if isinstance(statement, ast.Assign) else [getattr(statement, "target", None)])
    )


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a function's body at any depth, but those of the functions and
    classes it defines."""
    for statement in body:
        yield statement
        if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            continue
        for part in ("body", "orelse", "finalbody"):
            yield from _own_statements(getattr(statement, part, []))
        for clause in [*getattr(statement, "handlers", []), *getattr(statement, "cases", [])]:
            yield from _own_statements(clause.body)


def _first_line(statement: ast.stmt) -> int:
    """Where a statement begins: a decorated definition at its first decorator."""
    return min([statement.lineno, *(decorator.lineno for decorator in getattr(statement, "decorator_list", ()))])


def _last_line(statement: ast.stmt) -> int:
    return statement.end_lineno or statement.lineno


def _drf_permissions(settings: ast.Dict) -> str | None:
    """`REST_FRAMEWORK = {"DEFAULT_PERMISSION_CLASSES": [...]}` as written, unless it lets
    every request in (`AllowAny`): every view of Django REST framework that sets none of its
    own then refuses a request without credentials."""
    for key, value in zip(settings.keys, settings.values, strict=True):
        if isinstance(key, ast.Constant) and key.value == "DEFAULT_PERMISSION_CLASSES" and _restricts(value):
            return ast.unparse(value)
    return None


def _restricts(permission_classes: ast.AST) -> bool:
    """Whether Django REST framework's permission classes (a list, or one written as dotted
    strings in settings) hold one other than `AllowAny`, which refuses a request without
    credentials."""
    items = permission_classes.elts if isinstance(permission_classes, ast.List | ast.Tuple) else [permission_classes]
    return not all(ast.unparse(item).strip("'\"").endswith("AllowAny") for item in items)


def _setting_that_refuses(tree: ast.Module) -> str | None:
    """Where the module sets what makes its application refuse a probe of 127.0.0.1: Flask's
    `_REFUSING_SETTINGS` (a string, a keyword or a name), or settings read at run time
    (`_CONFIG_LOADERS`), which may set them; Starlette's `Host(...)`. Said from the line on:
    "12 sets `SERVER_NAME`: ...", for the module's path to go before it."""
    for node in breadth_first(tree):
        kind = node.__class__  # the four kinds of node looked at, told apart once
        if kind is ast.Call:
            if isinstance(node.func, ast.Name) and node.func.id == "Host" and node.args:
                host = ast.unparse(node.args[0])
                return f"{node.lineno}: `Host({host}, ...)` serves its routes to requests for that host alone"
            if (
                isinstance(node.func, ast.Attribute)
                and node.func.attr in _CONFIG_LOADERS
                and ast.unparse(node.func.value).endswith("config")
            ):
                return (
                    f"{node.lineno} reads its settings at run time (`{ast.unparse(node.func)}(...)`),"
                    " which may set `SERVER_NAME` or `TRUSTED_HOSTS`: Flask answers 404 or 400 to a request for"
                    " another host, as a probe of 127.0.0.1 is"
                )
            continue
        if kind is ast.keyword:
            if isinstance(node.value, ast.Constant) and not node.value.value:
                continue  # `host_matching=False`, `SERVER_NAME=None`: Flask's defaults
            named = node.arg
        elif kind is ast.Constant:
            named = node.value if isinstance(node.value, str) else None
        elif kind is ast.Name:
            named = node.id if node.ctx.__class__ is ast.Store else None
        else:
            continue
        if named in _REFUSING_SETTINGS:
            return f"{node.lineno} sets `{named}`: {_REFUSING_SETTINGS[named]}"
    return None


def _wrapper(module: _Module, node: ast.Assign, answers: dict[Any, Any]) -> None:
    """Code wrapped around an application, which may redirect, refuse or route elsewhere any
    request: `app = HTTPSRedirectMiddleware(api)`, `app = VersionedFastAPI(app)`, werkzeug's
    `app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {...})`. Not a harmless one
    (`ProxyFix`), nor what binds an extension to it (`db = SQLAlchemy(app)`): that is served
    by no process, and a variable's wrapping matters only where a process serves it."""
    call = node.value
    callee = _callee(call)
    if (
        callee in _APPLICATIONS
        or callee in _ROUTERS
        or callee in _HTTPS_EXTENSIONS
        or callee in _RUN_METHODS
        or _HARMLESS_MIDDLEWARE.fullmatch(callee)
    ):
        return
    given = [
        dotted for part in _answered(answers, _names_given, call) if (dotted := _named_by(module, part)) is not None
    ]
    if not given:
        return
    for target in node.targets:
        if isinstance(target, ast.Attribute) and target.attr in ("wsgi_app", "asgi_app"):
            module.guards.setdefault(ast.unparse(target.value), f"`{ast.unparse(call)}`")
        elif isinstance(target, ast.Name):
            module.wrappers.append((target.id, given, call))


def _names_given(call: ast.Call) -> list[ast.Name | ast.Attribute]:
    """The names, and attributes of a name, anywhere in a call's arguments."""
    return [
        part
        for argument in (*call.args, *(keyword.value for keyword in call.keywords))
        for part in breadth_first(argument)
        if part.__class__ is ast.Name or part.__class__ is ast.Attribute
    ]


def _named_by(module: _Module, node: ast.AST) -> str | None:
    """The dotted name that a name, or an attribute of one, stands for: `server.api`, in a
    module that imports `from svc import server`, is `svc.server.api`."""
    attributes = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    return ".".join([module.named(node.id), *reversed(attributes)])


def _environment_loaded(facts: CodeFacts, suffix: str, loaded_by: str | None) -> None:
    """dotenv called anywhere in one language's code (a `settings.py` the script imports)
    sets the variables each of its scripts may read a port from: `loaded_by` says where."""
    if loaded_by is None:
        return
    for path, port in facts.script_ports.items():
        if path.endswith(suffix) and port.variable is not None and port.dotenv is None:
            facts.script_ports[path] = port._replace(dotenv=loaded_by)


def _string_constants(tree: ast.Module, nodes: list[ast.AST]) -> dict[str, str]:
    """The module's names set to one string at its top level and to nothing else anywhere in
    it: `API_PREFIX = os.environ.get("API_PREFIX", API_PREFIX)` after `API_PREFIX = "/api"`
    makes it a value only the deployment knows."""
    values: dict[str, set[str]] = {}
    set_to_a_string: Counter[str] = Counter()
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values.setdefault(target.id, set()).add(node.value.value)
                    set_to_a_string[target.id] += 1
    if not values:
        return {}
    stores = Counter(
        node.id
        for node in nodes
        if node.__class__ is ast.Name and node.id in values and node.ctx.__class__ is ast.Store
    )
    return {
        name: written.pop()
        for name, written in values.items()
        if len(written) == 1 and stores[name] == set_to_a_string[name]
    }


def _application_base(module: _Module, name: str) -> str | None:
    """The application class (`Flask`) that a class the module defines at its top level
    subclasses directly, by the name it calls it; None for any other name."""
    definition = module.definitions.get(f"{module.dotted}.{name}")
    if not isinstance(definition, ast.ClassDef):
        return None
    return next((base.id for base in definition.bases if isinstance(base, ast.Name) and base.id in _APPLICATIONS), None)


def _imports(module: _Module, node: ast.Import | ast.ImportFrom) -> None:
    module.imports.update(_bindings(module.path, node))
    if isinstance(node, ast.ImportFrom) and any(alias.name in ("*", "ALLOWED_HOSTS") for alias in node.names):
        module.settings_imports.append((node.lineno, _origin(module.path, node), node.level > 0))


def _bindings(relative: str, node: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """The names an import in the module at `relative` binds, each with the dotted name it
    stands for."""
    if isinstance(node, ast.Import):
        for alias in node.names:
            yield alias.asname or alias.name.split(".")[0], alias.name if alias.asname else alias.name.split(".")[0]
        return
    origin = _origin(relative, node)
    for alias in node.names:
        yield alias.asname or alias.name, f"{origin}.{alias.name}" if origin else alias.name


def _origin(relative: str, node: ast.ImportFrom) -> str:
    """The module an import in the module at `relative` takes names from; one above the
    context's top folder, by its name alone."""
    origin = import_origin(node, *_place_of(relative))
    return ".".join(origin if origin is not None else (node.module.split(".") if node.module else ()))


def _appended_to(node: ast.AST) -> ast.AST:
    """The list a call appends to, through the mapping that holds it: `app.before_request_funcs`
    for `app.before_request_funcs.setdefault(None, [])` and `app.before_request_funcs[None]`."""
    while True:
        if isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "setdefault":
            node = node.func.value
        else:
            return node


def _dotted(module: _Module, node: ast.AST) -> str:
    """The dotted name an expression stands for, through the module's imports: a name or an
    attribute of one as `_named_by` tells it; any other expression as written."""
    named = _named_by(module, node)
    if named is not None:
        return named
    written = ast.unparse(node)
    head, _, rest = written.partition(".")
    if head in module.imports:
        return module.imports[head] + (f".{rest}" if rest else "")
    return f"{module.dotted}.{written}"


def _string(module: _Module, node: ast.AST | None) -> str | None:
    """The string an expression writes out, through the module's constants (`API_PREFIX`,
    `f"/api/{VERSION}"`); None for any other (`settings.API_V1_STR`)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Name):
        return module.constants.get(node.id)
    if isinstance(node, ast.JoinedStr):
        parts = [
            _string(module, part.value if isinstance(part, ast.FormattedValue) and part.format_spec is None else part)
            for part in node.values
        ]
        return None if None in parts else "".join(parts)
    return None


def _callee(call: ast.Call) -> str:
    function = call.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def _keyword(call: ast.Call, name: str) -> ast.AST | None:
    return next((keyword.value for keyword in call.keywords if keyword.arg == name), None)


def _argument(call: ast.Call, index: int, name: str) -> ast.AST | None:
    return call.args[index] if len(call.args) > index else _keyword(call, name)


def _owner(module: _Module, node: ast.Assign, factories: Mapping[str, str]) -> None:
    callee = _callee(node.value)
    names = [target.id for target in node.targets if isinstance(target, ast.Name)]
    base = _application_base(module, callee)
    if base is not None:
        # CTFd's `CTFdFlask(Flask)`, which sets a request class and a session interface of its own.
        module.guards.update(dict.fromkeys(names, f"the request handling of `{callee}`, a `{base}` of the code's own,"))
        callee = base
    if callee in ("App", "API") and _dotted(module, node.value.func) in _FALCON_APPLICATIONS:
        callee = "Falcon"
        module.applications.update(names)
        module.servers.update(names)
    if callee in _APPLICATIONS or callee in _ROUTERS or callee == "Falcon":
        guard = _constructor_guard(node.value)
        if guard is not None:
            module.guards.update(dict.fromkeys(names, guard))
    if isinstance(node.value.func, ast.Name | ast.Attribute):
        module.instances.update(dict.fromkeys(names, node.value.func))
    if callee in _RUN_METHODS or callee in factories:
        module.runnable.update(dict.fromkeys(names, factories.get(callee, callee)))
        tls = next(_tls_keywords(node.value), None)
        if tls is not None:  # Tornado's `HTTPServer(app, ssl_options=...)`
            module.server_tls.update(dict.fromkeys(names, f"{module.path}:{node.lineno}: `{ast.unparse(tls)}`"))
    if callee in _HTTPS_EXTENSIONS and _bound_application(node.value) is None:
        module.https_extensions.update(dict.fromkeys((f"{module.dotted}.{name}" for name in names), callee))
    if _is_flask_limiter(module, node.value):
        module.rate_limiters.update(f"{module.dotted}.{name}" for name in names)
        if _limited_application(module, node.value) is not None:
            module.rate_limited = module.rate_limited or f"`{ast.unparse(node.value)}`"
    if callee in _APPLICATIONS:
        module.applications.update(names)
        if callee != "RouteTableDef":
            module.servers.update(names)
    elif callee in _ROUTERS:
        hosted = _served_to_one_host(node.value)
        if hosted is not None:
            module.hosts.update(dict.fromkeys(names, hosted))
        prefix = _prefix(module, _keyword(node.value, _ROUTERS[callee])) or ""
        if _keyword(node.value, "version") is not None:  # Sanic's blueprints put `/v1` before it
            prefix = _UNKNOWN
        for name in names:
            module.routers[name] = (prefix, callee == "Blueprint")
    elif isinstance(node.value, ast.Call) and (
        keyword := next((k for k in node.value.keywords if k.arg in _ROUTERS.values()), None)
    ):
        # A router of another class (`class AppRouter(APIRouter)`, APIFlask's `APIBlueprint`, an
        # alias) that takes a prefix: its routes are below it.
        for name in names:
            module.routers[name] = (_prefix(module, keyword.value) or "", keyword.arg == "url_prefix")


def _prefix(module: _Module, node: ast.AST | None) -> str | None:
    """A prefix as written, None when none is given, `_UNKNOWN` when it is not written out
    (`prefix=settings.API_V1_STR`): the routes below it are not where their path says."""
    if node is None:
        return None
    prefix = _string(module, node)
    return _UNKNOWN if prefix is None else prefix


def _constructor_guard(call: ast.Call) -> str | None:
    """What an application or router runs before each route: `FastAPI(dependencies=[...])`,
    `APIRouter(dependencies=[...])`, `Starlette(middleware=[...])`, aiohttp's
    `web.Application(middlewares=[...])`, Falcon's `App(middleware=[...])`. Litestar's are read
    by `_litestar`: its dependencies run only for a handler that asks for them."""
    if _callee(call) == "Litestar":
        return None
    for keyword in ("dependencies", "middleware", "middlewares"):
        value = _keyword(call, keyword)
        if value is not None and not _only_harmless_middleware(value):
            return f"`{keyword}=` on its `{_callee(call)}`"
    return None


def _only_harmless_middleware(value: ast.AST) -> bool:
    """Whether a middleware list holds only middleware that refuses no request (CORS, gzip)."""
    items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
    return all(_HARMLESS_MIDDLEWARE.search(ast.unparse(item)) for item in items)


def _decorated_routes(
    module: _Module, function: ast.FunctionDef | ast.AsyncFunctionDef, answers: dict[Any, Any]
) -> None:
    """The routes a function's decorators add (`@app.get("/health")`), and the request hooks
    they register (`answers`: see `_Syntax.answers`)."""
    needs_auth = None  # read once the function is seen to be a route
    for index, decorator in enumerate(function.decorator_list):
        hook = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(hook, ast.Attribute) and hook.attr in _REQUEST_HOOKS:
            module.guards[ast.unparse(hook.value)] = f"`@{ast.unparse(hook)}` `{function.name}`"
        if not isinstance(decorator, ast.Call):
            continue
        if _callee(decorator) == "hook":
            _bottle_hook(module, decorator, f"`@{ast.unparse(decorator)}` `{function.name}`")
        if isinstance(hook, ast.Name) and module.imports.get(hook.id) in _BOTTLE_ROUTES:
            owner = ""  # `@route("/health")` of Bottle's default application
        elif isinstance(hook, ast.Attribute) and hook.attr in _GET_DECORATORS:
            owner = ast.unparse(hook.value)
            imported = module.imports.get(owner, "")
            if imported.startswith("litestar"):
                continue  # `@litestar.get(...)`: read by `_litestar`
            owner = "" if imported == "bottle" else owner
        else:
            continue
        if not _serves_get(decorator):
            continue
        path = _string(module, _argument(decorator, 0, "path") or _keyword(decorator, "rule"))
        version = _keyword(decorator, "version")
        if path is not None and version is not None:  # Sanic serves it below `/v1` (sanic/router.py)
            written = version.value if isinstance(version, ast.Constant) else None
            path = f"/v{written}/{path.lstrip('/')}" if isinstance(written, int | str) and written != "" else None
        if path is not None:
            if needs_auth is None:
                needs_auth = _answered(answers, _asks_for_authentication, function)
            needs = needs_auth or _answered(answers, _depends_on_auth, decorator)
            applied = _keyword(decorator, "apply")  # Bottle's plugins for this route alone
            plugins = (
                applied and f"it applies `apply={ast.unparse(applied)}` to its handler, which may refuse the probe"
            )
            refused = _either(
                _answered(answers, _served_to_one_host, decorator),
                _answered(answers, _needs_parameters, function),
                plugins,
                _wrapped_by(function, function.decorator_list[index + 1 :]),
            )
            exempt = tuple(
                _dotted(module, wrapper.value)
                for wrapper in function.decorator_list
                if isinstance(wrapper, ast.Attribute) and wrapper.attr == "exempt"
            )
            module.routes.append(_Written(owner, path, decorator.lineno, needs, refused, exempt_from=exempt))


_ROUTE_METHODS = frozenset({"get", "head", "post", "put", "patch", "delete", "options", "route", "api_route"})
"""Decorators that register a function as a route (stacked, `@app.get("/health")` over
`@app.head("/health")`), rather than wrap it."""
_HARMLESS_WRAPPERS = frozenset(
    {
        "exempt",  # Flask-Limiter's and slowapi's `@limiter.exempt`, Flask-WTF's `@csrf.exempt`
        "csrf_exempt",
        "cross_origin",  # flask-cors: headers only
        "cached",  # Flask-Caching, cachetools: the same answer again
        "memoize",
        "cache",
        "lru_cache",
        "never_cache",  # Django: headers only
        "do_not_track",  # prometheus_flask_exporter
        "doc",  # flask-restx, apispec, flasgger: documentation only
        "swag_from",
        "marshal_with",
        "require_GET",  # Django (django/views/decorators): GET passes, or only headers change
        "require_safe",
        "require_http_methods",  # its methods are read (`_view`)
        "require_POST",
        "cache_page",
        "cache_control",
        "vary_on_headers",
        "vary_on_cookie",
        "gzip_page",
        "xframe_options_exempt",
        "xframe_options_deny",
        "xframe_options_sameorigin",
        "sensitive_variables",
        "sensitive_post_parameters",
        "api_view",  # Django REST framework: its default permissions are read (`DEFAULT_PERMISSION_CLASSES`)
    }
)
"""Decorators of a view that refuse no request (the last name of what is called)."""


def _wrapped_by(function: ast.FunctionDef | ast.AsyncFunctionDef, wrappers: list[ast.expr]) -> str | None:
    """Why a view registered as a route may refuse a probe: a decorator below the one that
    registers it wraps what is registered (`@limiter.limit("1/minute")`, a `@require_key` of
    the code's own that answers 401), and what it does is not read. Those that only
    register it again, or are known to refuse nothing (`@limiter.exempt`, `@cross_origin()`),
    do not; nor do those above it, which wrap the function the registration returns."""
    for wrapper in wrappers:
        called = wrapper.func if isinstance(wrapper, ast.Call) else wrapper
        name = called.attr if isinstance(called, ast.Attribute) else called.id if isinstance(called, ast.Name) else ""
        if name not in _ROUTE_METHODS and name not in _HARMLESS_WRAPPERS:
            return f"`@{ast.unparse(wrapper)}` wraps its view `{function.name}`, and may refuse the probe"
    return None


_BOTTLE_ROUTES = frozenset({"bottle.route", "bottle.get"})
"""Bottle's decorators that add a GET route to its default application, imported by name."""


def _bottle_hook(module: _Module, call: ast.Call, said: str) -> None:
    """Bottle's `@app.hook("before_request")`, `app.add_hook("before_request", check)`: run before
    each request of the application, or of Bottle's default one (`@hook(...)`), which any route
    of the code may be on."""
    if _string(module, _argument(call, 0, "name")) != "before_request":
        return
    _bottle_guard(module, call.func, said)


def _bottle_guard(module: _Module, function: ast.AST, said: str) -> None:
    """Note what a Bottle hook or plugin (`function`, the method or function that adds it) runs
    before each request of the application it is added to: one named, else the default one."""
    receiver = ast.unparse(function.value) if isinstance(function, ast.Attribute) else None
    if receiver is not None and module.imports.get(receiver) != "bottle":
        module.guards.setdefault(receiver, said)
    else:
        default = f"{said} runs before each request of Bottle's default application, which may refuse the probe"
        module.route_doubt = _either(module.route_doubt, default)


def _served_to_one_host(call: ast.Call) -> str | None:
    """Flask's `@app.route("/health", host="api.example.com")` (with `host_matching`) and
    `subdomain=`, on a route, a blueprint or its registration (flask 3.1 blueprints.py: the
    registration's over the blueprint's), Sanic's `host=`: served to requests for that host
    alone, which a probe of 127.0.0.1 is not (Flask matches a subdomain only with
    `subdomain_matching` and `SERVER_NAME`: without them, never)."""
    keyword = next((keyword for keyword in call.keywords if keyword.arg in ("host", "subdomain")), None)
    if keyword is None or (isinstance(keyword.value, ast.Constant) and keyword.value.value is None):
        return None
    return f"it is served to requests for one host alone (`{ast.unparse(keyword)}`), which a probe of 127.0.0.1 is not"


def _needs_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """Why a request without parameters gets 422 from a FastAPI handler: one it reads from the
    query string, a header or the body with no default (`token: str`, `x_key: str = Header()`,
    `Annotated[str, Query()]`; fastapi/param_functions.py: a marker without a default makes
    a required parameter). Not one it fills itself (`request: Request`), nor one without an
    annotation (aiohttp's and Sanic's `request`)."""
    required = [argument.arg for argument, default in _parameters(function) if _required(argument.annotation, default)]
    # `request.args["token"]`: Flask answers 400 to a request without it, Django and Starlette 500.
    required += [
        f"{ast.unparse(node.value)}[{ast.unparse(node.slice)}]"
        for node in breadth_first(function)
        if isinstance(node, ast.Subscript)
        and isinstance(node.ctx, ast.Load)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr in _REQUEST_DATA_READ
        and ast.unparse(node.value.value) in ("request", "req", "self.request")
    ]
    if not required:
        return None
    return f"its handler `{function.name}` needs {', '.join(f'`{name}`' for name in required)} in the request"


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[ast.arg, ast.expr | None]]:
    """A function's named parameters, each with its default (None: it has none)."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    return [*zip(positional, defaults, strict=True), *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)]


_REQUEST_DATA_READ = frozenset(
    {"args", "headers", "GET", "POST", "query_params", "query", "cookies", "COOKIES", "form"}
)
"""What a request carries from its sender (not its path: aiohttp's `match_info`)."""


def _required(annotation: ast.AST | None, default: ast.AST | None) -> bool:
    if default is not None:
        return isinstance(default, ast.Call) and _callee(default) in _REQUEST_DATA and _without_default(default)
    if isinstance(annotation, ast.Subscript) and ast.unparse(annotation.value).endswith("Annotated"):
        kinds = annotation.slice.elts if isinstance(annotation.slice, ast.Tuple) else [annotation.slice]
        markers = [kind for kind in kinds[1:] if isinstance(kind, ast.Call)]
        if any(_callee(marker) not in _REQUEST_DATA for marker in markers):
            return False  # `Annotated[str, Depends(oauth2_scheme)]`: filled by the dependency
        return all(_without_default(marker) for marker in markers) and (bool(markers) or _required(kinds[0], None))
    return annotation is not None and any(
        getattr(name, "id", None) in _SCALARS or getattr(name, "attr", None) in _SCALARS
        for name in ast.walk(annotation)
    )


def _without_default(marker: ast.Call) -> bool:
    """`Query()`, `Header(...)`: FastAPI's marker of a parameter the request must carry."""
    default = _argument(marker, 0, "default")
    return default is None or (isinstance(default, ast.Constant) and default.value is Ellipsis)


def _starlette_mounts(mounts: list[ast.Call], module: _Module) -> dict[int, str]:
    """`Mount("/api", routes=[Route(...), ...])`: the prefix of each route call inside a mount
    (`mounts` are the module's calls of `Mount`, in `ast.walk` order)."""
    prefixes: dict[int, str] = {}
    for node in mounts:
        prefix = _prefix(module, _argument(node, 0, "path")) or ""
        for inner in ast.walk(node):
            if inner is not node and isinstance(inner, ast.Call):
                prefixes[id(inner)] = prefix + prefixes.get(id(inner), "")
    return prefixes


def _django_pattern_lists(tree: ast.Module, called: dict[str, list[ast.Call]], module: _Module) -> dict[int, str]:
    """The pattern list each node of a Django URLconf is written in, where that is not its
    `urlpatterns`: a module-level list (`api_patterns = [path(...)]`) or one inside an
    `include([...])`. `include()` takes a list as well as a module (django/urls/conf.py), and
    the routes of a list are below the path that includes it, not root routes."""
    lists = {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Tuple)
        for target in node.targets
        if isinstance(target, ast.Name) and target.id != "urlpatterns"
    }
    owners: dict[int, str] = {}
    for name, written in lists.items():
        owners.update(dict.fromkeys(map(id, ast.walk(written)), name))
    for node in called.get("i18n_patterns", []):
        if _prefixes_every_language(node):
            # Served below the language code (`/en/health/`), which the settings and the request decide.
            name = _inline_list(node)
            owners.update(dict.fromkeys(map(id, ast.walk(node)), name))
            module.mounts.append(_Mount(f"{module.dotted}.{name}", _UNKNOWN, module.dotted))
    # Outer includes first, so a node is in the innermost list it is written in.
    for node in called.get("include", []):
        if node.args:
            included = _included(node)
            if isinstance(included, ast.List):
                owners.update(dict.fromkeys(map(id, ast.walk(included)), _inline_list(node)))
    # `urlpatterns = [...] + api_patterns`, `urlpatterns += debug_patterns`: served at the root.
    for node in tree.body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AugAssign) else []
        )
        if any(isinstance(target, ast.Name) and target.id == "urlpatterns" for target in targets):
            for name in _joined_lists(node.value):
                if name in lists:
                    module.mounts.append(_Mount(f"{module.dotted}.{name}", None, module.dotted))
    return owners


def _joined_lists(value: ast.AST) -> list[str]:
    """The variables a list expression joins in as they are (`[...] + extra`, `[*base, ...]`),
    not those it passes to a call (`include(api_patterns)`)."""
    if isinstance(value, ast.Name):
        return [value.id]
    if isinstance(value, ast.BinOp):
        return _joined_lists(value.left) + _joined_lists(value.right)
    if isinstance(value, ast.List | ast.Tuple):
        return [name for item in value.elts if isinstance(item, ast.Starred) for name in _joined_lists(item.value)]
    return []


def _included(include: ast.Call) -> ast.AST:
    """What a Django `include()` names: `include((patterns, "app_name"))` names `patterns`."""
    argument = include.args[0]
    return argument.elts[0] if isinstance(argument, ast.Tuple) and argument.elts else argument


def _inline_list(call: ast.Call) -> str:
    """The name a list written inside an `include([...])` or `i18n_patterns(...)` is known
    by, unlike any variable's."""
    return f"{_callee(call)}@{call.lineno}:{call.col_offset}"


def _prefixes_every_language(i18n_patterns: ast.Call) -> bool:
    """Whether `i18n_patterns(...)` serves the default language's routes below its code too,
    as it does unless `prefix_default_language=False` (django/conf/urls/i18n.py)."""
    keyword = _keyword(i18n_patterns, "prefix_default_language")
    return not (isinstance(keyword, ast.Constant) and keyword.value is False)


_CALLEES_READ = frozenset(
    {"add_hook", "install", "append", "extend", "insert", "include_router", "register_blueprint", "add_middleware"}
    | {"init_app", "mount", "add_subapp", "Mount", "add_routes", "path", "re_path", "Route", "get", "add_route"}
    | _HTTPS_EXTENSIONS
    | _REGISTRATIONS.keys()
    | _REQUEST_HOOKS
)
"""The last names of what the calls `_call` reads are calls of; it reads a call of a call's
result too (`app.middleware("http")(check)`)."""


def _call(
    module: _Module,
    call: ast.Call,
    mount_prefixes: dict[int, str],
    pattern_lists: dict[int, str],
    route_owners: dict[int, str],
) -> None:
    """What a call registers, mounts or runs before each request: `_read_in_order` hands it
    the calls of `_CALLEES_READ` alone."""
    callee = _callee(call)
    is_method = isinstance(call.func, ast.Attribute)
    # A request hook registered by a call, not as a decorator: `app.before_request(force_https)`,
    # `app.middleware("http")(force_https)`.
    hook = call.func.func if isinstance(call.func, ast.Call) else call.func
    if isinstance(hook, ast.Attribute) and hook.attr in _REQUEST_HOOKS and call.args:
        module.guards.setdefault(ast.unparse(hook.value), f"`{ast.unparse(call)}`")
    if isinstance(call.func, ast.Call) and _callee(call.func) == "hook":  # Bottle's `app.hook("before_request")(check)`
        _bottle_hook(module, call.func, f"`{ast.unparse(call)}`")
    elif callee == "add_hook":
        _bottle_hook(module, call, f"`{ast.unparse(call)}`")
    elif callee == "install" and call.args and _installs_bottle_plugin(module, call.func):
        _bottle_guard(module, call.func, f"`{ast.unparse(call)}`, a plugin wrapped around every route,")
    if callee in ("append", "extend", "insert") and isinstance(call.func, ast.Attribute):
        # aiohttp's `app.middlewares.append(auth)`; Flask's `app.before_request_funcs.setdefault(None,
        # []).append(auth)` and `app.before_request_funcs[None].append(auth)`.
        hooks = _appended_to(call.func.value)
        if isinstance(hooks, ast.Attribute) and hooks.attr in ("middlewares", "before_request_funcs"):
            module.guards.setdefault(ast.unparse(hooks.value), f"`{ast.unparse(call)}`")
    if callee in ("include_router", "register_blueprint") and (
        mounted := _argument(call, 0, "router" if callee == "include_router" else "blueprint")
    ):
        prefix_name = "prefix" if callee == "include_router" else "url_prefix"
        mounter = _dotted(module, call.func.value) if is_method else module.dotted
        module.mounts.append(_Mount(_dotted(module, mounted), _prefix(module, _keyword(call, prefix_name)), mounter))
        if _keyword(call, "dependencies") is not None:
            module.guards[_dotted(module, mounted)] = f"`dependencies=` on its `{callee}`"
        hosted = _served_to_one_host(call)
        if hosted is not None:
            module.hosts[_dotted(module, mounted)] = hosted
    elif callee == "add_middleware" and is_method and call.args and not _only_harmless_middleware(call.args[0]):
        module.guards[ast.unparse(call.func.value)] = f"`{ast.unparse(call.args[0])}`"
    elif _is_flask_limiter(module, call) and _limited_application(module, call) is not None:
        module.rate_limited = module.rate_limited or f"`{ast.unparse(call)}`"
    elif callee in _HTTPS_EXTENSIONS and (application := _bound_application(call)) is not None:
        if _forces_https(call):
            written = f"{callee}({ast.unparse(application)})"
            module.guards[ast.unparse(application)] = f"`{written}`, {_redirects_to_https(callee)}"
    elif callee == "init_app" and is_method and (application := _argument(call, 0, "app")) is not None:
        if _forces_https(call):  # flask-talisman's init_app(app, force_https=True, ...)
            extension = call.func.value
            written = f"{ast.unparse(extension)}.init_app({ast.unparse(application)})"
            if (
                isinstance(extension, ast.Call) and _callee(extension) in _HTTPS_EXTENSIONS
            ):  # `Talisman().init_app(app)`
                module.guards[ast.unparse(application)] = f"`{written}`, {_redirects_to_https(_callee(extension))}"
            else:
                module.extensions_bound.append((_dotted(module, extension), written, ast.unparse(application)))
    elif callee in ("mount", "add_subapp") and is_method and len(call.args) >= 2:
        # Starlette and FastAPI: `app.mount("/internal", sub)`; aiohttp: `app.add_subapp("/api/", sub)`
        _mount(module, call, call.args[0], call.args[1], _dotted(module, call.func.value))
    elif callee == "Mount" and not is_method and (application := _argument(call, 1, "app")) is not None:
        _mount(module, call, _argument(call, 0, "path"), application, module.dotted)  # `Mount("/api", app=api)`
    elif callee == "add_routes" and is_method and call.args and isinstance(call.args[0], ast.Name | ast.Attribute):
        # aiohttp: `sub.add_routes(routes)`, a `RouteTableDef` or a list of `web.get(...)`
        module.mounts.append(_Mount(_dotted(module, call.args[0]), None, _dotted(module, call.func.value)))
    elif callee in ("path", "re_path") and not is_method and len(call.args) >= 2:
        route = _string(module, call.args[0])
        view = call.args[1]
        includes = isinstance(view, ast.Call) and _callee(view) == "include" and bool(view.args)
        if route is None and not includes:
            return
        # An include below a path not written out (`path(settings.API_PREFIX, include(...))`)
        # serves its routes below a prefix not known.
        # Kept as written after the `/` every path here starts with: Django joins an include's
        # route and its patterns' as they are (`_django_join`).
        path = "/" + route.lstrip("^").rstrip("$").replace("/?", "/") if route is not None else _UNKNOWN
        pattern_list = pattern_lists.get(id(call))
        if includes:  # its routes go below
            included = _included(view)
            if isinstance(included, ast.List):
                target = f"{module.dotted}.{_inline_list(view)}"
            else:  # a dotted string, a module object, a list variable of this module or another
                target = _string(module, included) or _dotted(module, included).removesuffix(".urlpatterns")
            mounter = f"{module.dotted}.{pattern_list}" if pattern_list else module.dotted
            module.mounts.append(_Mount(target, path, mounter))
            return
        owner = _DJANGO + (pattern_list or "")
        module.routes.append(_Written(owner, path, call.lineno, False, None, _view_name(module, view)))
    elif callee == "Route" and not is_method and _serves_get(call):
        path = _string(module, _argument(call, 0, "path"))
        prefix = mount_prefixes.get(id(call), "")
        if path is not None and _UNKNOWN not in prefix:
            view = _view_name(module, _argument(call, 1, "endpoint"))
            module.routes.append(_Written("", prefix + path, call.lineno, False, None, view))
    elif (
        callee == "get"
        and is_method
        and isinstance(call.func.value, ast.Name)
        and call.func.value.id == "web"
        and call.args
    ):
        path = _string(module, call.args[0])
        if path is not None:
            module.routes.append(_Written(route_owners.get(id(call), ""), path, call.lineno, False))
    elif callee == "add_route" and is_method and call.args and _uses(module, "falcon"):
        _falcon_route(module, call)
    elif callee in _REGISTRATIONS and is_method and _serves_get(call):
        path = _string(module, _argument(call, _REGISTRATIONS[callee], "path"))
        owner = call.func.value
        if isinstance(owner, ast.Attribute) and owner.attr == "router":  # aiohttp: app.router.add_get
            owner = owner.value
        if path is not None:
            view = _view_name(module, _argument(call, 2, "view_func")) if callee == "add_url_rule" else None
            refused = _served_to_one_host(call)
            module.routes.append(_Written(ast.unparse(owner), path, call.lineno, False, refused, view))


def _uses(module: _Module, package: str) -> bool:
    """Whether the module imports from `package`."""
    return any(imported.partition(".")[0] == package for imported in module.imports.values())


def _installs_bottle_plugin(module: _Module, function: ast.AST) -> bool:
    """Whether `function` is Bottle's `install`: of an application of the module, of the `bottle`
    module, or imported from it."""
    if isinstance(function, ast.Attribute):
        receiver = ast.unparse(function.value)
        return receiver in module.applications or module.imports.get(receiver) == "bottle"
    return isinstance(function, ast.Name) and module.imports.get(function.id) == "bottle.install"


def _falcon_route(module: _Module, call: ast.Call) -> None:
    """Falcon's `app.add_route("/health", HealthResource())`: served by the resource's `on_get`
    (`on_get_status` with `suffix="status"`), read where the code defines its class."""
    path = _string(module, call.args[0])
    if path is None or not path.startswith("/"):
        return
    resource = _argument(call, 1, "resource")
    if isinstance(resource, ast.Name) and resource.id in module.instances:
        resource = module.instances[resource.id]  # `health = HealthResource()` made before
    elif isinstance(resource, ast.Call):
        resource = resource.func
    suffix = _string(module, _keyword(call, "suffix"))
    responder = f"on_get_{suffix}" if suffix else "on_get"
    view = _view_name(module, resource)
    module.routes.append(_Written(ast.unparse(call.func.value), path, call.lineno, False, None, view, responder))


_METHOD_HANDLERS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
_NOT_GET = frozenset({"require_POST"})
"""Django's decorators of views that answer POST alone (django/views/decorators/http.py)."""


def _view(node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> _View:
    """What a function or class does as a view: the methods it answers, its authentication."""
    if isinstance(node, ast.ClassDef):
        methods = {item.name for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)}
        handlers = methods & _METHOD_HANDLERS
        serves_get = not handlers or "get" in handlers or bool(methods & {"dispatch", "dispatch_request"})
        bases = " ".join(ast.unparse(base) for base in node.bases)
        permissions = next(
            (
                item.value
                for item in node.body
                if isinstance(item, ast.Assign)
                and any(isinstance(target, ast.Name) and target.id == "permission_classes" for target in item.targets)
            ),
            None,
        )
        refuses = permissions is not None and _restricts(permissions)
        return _View(serves_get, bool(_AUTH_WORDS.search(bases)) or refuses)
    serves_get = True
    for decorator in node.decorator_list:
        name = _callee(decorator) if isinstance(decorator, ast.Call) else ast.unparse(decorator).rpartition(".")[2]
        if name in _NOT_GET:
            serves_get = False
        elif name == "require_http_methods" and isinstance(decorator, ast.Call) and decorator.args:
            allowed = decorator.args[0]
            items = allowed.elts if isinstance(allowed, ast.List | ast.Tuple | ast.Set) else []
            serves_get = any(isinstance(item, ast.Constant) and str(item.value).upper() == "GET" for item in items)
    return _View(serves_get, _asks_for_authentication(node), _wrapped_by(node, node.decorator_list))


def _view_name(module: _Module, view: ast.AST | None) -> str | None:
    """The dotted name of the function or class a route names: `views.ping`,
    `Ping.as_view("ping")`; None for anything else."""
    if isinstance(view, ast.Call) and isinstance(view.func, ast.Attribute) and view.func.attr == "as_view":
        view = view.func.value
    return _dotted(module, view) if isinstance(view, ast.Name | ast.Attribute) else None


def _mount(module: _Module, call: ast.Call, prefix: ast.AST, application: ast.AST, mounter: str) -> None:
    """An application mounted below a prefix: `app.mount("/internal", sub)`, `Mount("/api",
    app=sub)`, aiohttp's `app.add_subapp("/api/", sub)`. One made by the call there
    (`add_subapp("/api/", create_api())`, `Mount("/v1", app=WSGIMiddleware(flask_app))`) is
    not followed: any route of the context may be below its prefix. Static files and
    metrics (`_LEAF_APPLICATIONS`) serve none of them."""
    if _string(module, prefix) in ("", "/"):
        module.root_mounts.append((call.lineno, ast.unparse(call)))
    if not isinstance(application, ast.Call):
        module.mounts.append(_Mount(_dotted(module, application), _prefix(module, prefix), mounter))
    elif _callee(application) not in _LEAF_APPLICATIONS:
        mounted = f"`{ast.unparse(call)}` mounts an application of its own below a prefix"
        module.route_doubt = _either(module.route_doubt, mounted)


def _aiohttp_route_owners(tree: ast.Module, nodes: list[ast.AST]) -> dict[int, str]:
    """The owner of each aiohttp `web.get(...)` written in a list: the variable of a module-level
    list, served where it is added (`routes = [web.get(...)]`), or the application a list is
    added to (`sub.add_routes([web.get(...)])`), which may be mounted below a prefix."""
    owners: dict[int, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.List | ast.Tuple):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    owners.update(dict.fromkeys(map(id, ast.walk(node.value)), target.id))
    for node in nodes:
        if (
            isinstance(node, ast.Call)
            and _callee(node) == "add_routes"
            and isinstance(node.func, ast.Attribute)
            and node.args
            and isinstance(node.args[0], ast.List | ast.Tuple)
        ):
            owners.update(dict.fromkeys(map(id, ast.walk(node.args[0])), ast.unparse(node.func.value)))
    return owners


def _bound_application(call: ast.Call) -> ast.AST | None:
    """The application an extension's constructor binds it to: none for `Talisman()` or
    `Talisman(app=None)`, which flask-talisman binds only `if app is not None` (talisman.py:67)."""
    application = _argument(call, 0, "app")
    return None if isinstance(application, ast.Constant) and application.value is None else application


def _is_flask_limiter(module: _Module, call: ast.AST) -> bool:
    """`Limiter(...)` of Flask-Limiter (`flask_limiter.Limiter`), by the name an import gives it."""
    if not isinstance(call, ast.Call) or _callee(call) != "Limiter":
        return False
    return _dotted(module, call.func).startswith("flask_limiter.")


def _limited_application(module: _Module, call: ast.Call) -> ast.AST | None:
    """The application a Flask-Limiter constructor binds itself to: its `app=`, or a first
    argument that is an application of the module (`Limiter(app, key_func=...)` before 3.0,
    whose first parameter was `app`; from 3.0 it is `key_func`)."""
    application = _keyword(call, "app")
    if application is None and call.args and isinstance(call.args[0], ast.Name):
        application = call.args[0] if call.args[0].id in module.applications else None
    return None if isinstance(application, ast.Constant) and application.value is None else application


def _redirects_to_https(extension: str) -> str:
    return "which redirects http to https" + (" (`force_https`)," if extension == "Talisman" else ",")


def _forces_https(call: ast.Call) -> bool:
    """Whether a flask-talisman call leaves `force_https` on, as it is by default."""
    force_https = _keyword(call, "force_https")
    return not (isinstance(force_https, ast.Constant) and not force_https.value)


def _serves_get(call: ast.Call) -> bool:
    """Whether a route's methods, as written, hold GET: Flask's and Sanic's `methods=[...]`
    (Sanic's second argument), Bottle's `method="POST"` (its `route(path, method)`), Litestar's
    `http_method=[HttpMethod.GET]`."""
    methods = next((keyword.value for keyword in call.keywords if keyword.arg in _METHOD_KEYWORDS), None)
    if methods is None and _callee(call) == "route" and len(call.args) > 1:
        methods = call.args[1]
    if isinstance(methods, ast.Constant | ast.Attribute):
        methods = ast.List([methods])
    if not isinstance(methods, ast.List | ast.Tuple | ast.Set):
        return True
    return any(
        (isinstance(item, ast.Constant) and str(item.value).upper() == "GET")
        or (isinstance(item, ast.Attribute) and item.attr == "GET")
        for item in methods.elts
    )


_METHOD_KEYWORDS = frozenset({"methods", "method", "http_method"})


def _asks_for_authentication(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A decorator such as `@login_required`, or a parameter `= Depends(get_current_user)`."""
    for decorator in function.decorator_list:
        plain = decorator.func if isinstance(decorator, ast.Call) else decorator
        is_route = (
            isinstance(decorator, ast.Call) and isinstance(plain, ast.Attribute) and plain.attr in _GET_DECORATORS
        )
        if not is_route and _AUTH_WORDS.search(ast.unparse(plain)):
            return True
    defaults = [*function.args.defaults, *function.args.kw_defaults]
    if any(default is not None and _depends_on_auth(default) for default in defaults):
        return True
    if any(_refuses_without_credentials(node) for node in breadth_first(function)):
        return True
    # `user: Annotated[User, Depends(get_current_user)]`, or an alias of one: `user: CurrentUser`.
    arguments = [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]
    return any(
        argument.annotation is not None
        and (_depends_on_auth(argument.annotation) or bool(_AUTH_WORDS.search(ast.unparse(argument.annotation))))
        for argument in arguments
    )


def _refuses_without_credentials(node: ast.AST) -> bool:
    """Where a handler checks credentials itself: `abort(401)`, `raise HTTPException(status_code=403)`,
    `return jsonify(error="denied"), 401`, `status.HTTP_401_UNAUTHORIZED`, `raise PermissionDenied`."""
    if isinstance(node, ast.Call):
        given = [*node.args, *(keyword.value for keyword in node.keywords)]
        return any(isinstance(value, ast.Constant) and value.value in _REFUSALS for value in given)
    if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
        return any(isinstance(value, ast.Constant) and value.value in _REFUSALS for value in node.value.elts[1:])
    if isinstance(node, ast.Attribute):
        return node.attr.startswith(("HTTP_401", "HTTP_403"))
    if isinstance(node, ast.Raise) and node.exc is not None:
        raised = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
        return bool(_REFUSING_EXCEPTIONS.fullmatch(ast.unparse(raised).rpartition(".")[2]))
    return False


_REFUSALS = frozenset({401, 403})
_REFUSING_EXCEPTIONS = regexes.lazy(
    r"(?:HTTP)?(?:Unauthori[sz]ed|Forbidden)\w*|PermissionDenied|NotAuthenticated|AuthenticationFailed"
)
"""Werkzeug's, aiohttp's, Django's and Django REST framework's exceptions that answer 401 or 403."""


def _depends_on_auth(node: ast.AST) -> bool:
    """`Depends(get_current_user)`, `Security(...)`, `dependencies=[Depends(verify_token)]`."""
    return any(
        isinstance(call, ast.Call)
        and _callee(call) in ("Depends", "Security")
        and bool(call.args)
        and bool(_AUTH_WORDS.search(ast.unparse(call.args[0])))
        for call in ast.walk(node)
    )


_LITESTAR_GUARDS = ("guards", "middleware", "before_request", "on_app_init", "allowed_hosts")
"""What a Litestar layer (the application, a router, a controller, a handler) runs before the
handlers it serves and may refuse a request with: guards, middleware, a `before_request` hook
(which may answer itself), `on_app_init` hooks, which may add either (`JWTAuth.on_app_init`), and
allowed hosts (litestar 2 app.py). Not `dependencies`: Litestar runs one only for a handler whose
parameters ask for it (litestar/_kwargs/kwargs_model.py)."""
_LITESTAR_RESERVED = frozenset({"self", "cls", "request", "headers", "cookies", "query", "scope", "state"})
"""Parameters Litestar fills from the request itself, whatever it carries (litestar/constants.py
`RESERVED_KWARGS`, but `data`, `body` and `socket`)."""


def _assignments(nodes: list[ast.AST]) -> tuple[dict[int, str], dict[str, ast.List | ast.Tuple]]:
    """The names calls are assigned to (by the call's `id`), and the lists and tuples assigned
    to names: where a framework's layers and route tables are written out of line."""
    assigned: dict[int, str] = {}
    lists: dict[str, ast.List | ast.Tuple] = {}
    for node in nodes:
        if not isinstance(node, ast.Assign):
            continue
        for target in node.targets:
            if not isinstance(target, ast.Name):
                continue
            if isinstance(node.value, ast.Call):
                assigned[id(node.value)] = target.id
            elif isinstance(node.value, ast.List | ast.Tuple):
                lists[target.id] = node.value
    return assigned, lists


def _litestar(module: _Module, nodes: list[ast.AST]) -> None:
    """Litestar's handlers (`@get("/health")`, the methods of a `Controller`, whose `path` is
    their prefix) and the layers that serve them (`Litestar(route_handlers=[...])`,
    `Router(path="/api", route_handlers=[...])`, `app.register(handler)`). Each handler and
    controller is a router of its own, mounted where a layer lists it: one no layer lists is
    not seen mounted."""
    classes = {id(item): node for node in nodes if isinstance(node, ast.ClassDef) for item in node.body}
    assigned, lists = _assignments(nodes)
    layers = set()
    for node in nodes:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            _litestar_handler(module, node, classes.get(id(node)))
        elif isinstance(node, ast.Call) and _callee(node) in ("Litestar", "Router") and _in_package(module, node.func):
            name = assigned.get(id(node))
            if name is None:  # `return Litestar(...)` in a factory
                name = _inline_list(node)
                module.applications.add(name)
                module.servers.add(name)
            layers.add(name)
            if _callee(node) == "Router":
                module.routers[name] = (_prefix(module, _argument(node, 0, "path")) or "", False)
            handlers = _keyword(node, "route_handlers")
            if handlers is None and _callee(node) == "Litestar" and node.args:
                handlers = node.args[0]
            _litestar_mounts(module, lists.get(handlers.id) if isinstance(handlers, ast.Name) else handlers, name)
            guard = _litestar_guard(node)
            if guard is not None:
                module.guards[name] = f"{guard} on its `{_callee(node)}`"
    for node in nodes:  # `app.register(health)`, once every layer is known
        if (
            isinstance(node, ast.Call)
            and _callee(node) == "register"
            and isinstance(node.func, ast.Attribute)
            and ast.unparse(node.func.value) in layers
        ):
            _litestar_mounts(module, ast.List(node.args), ast.unparse(node.func.value))


def _in_package(module: _Module, function: ast.AST, package: str = "litestar") -> bool:
    """Whether a callable the module names is imported from `package` (`litestar.get`)."""
    return _dotted(module, function).partition(".")[0] == package


def _litestar_mounts(module: _Module, handlers: ast.AST | None, layer: str) -> None:
    """The handlers, controllers and routers a Litestar layer lists, as written out."""
    for item in handlers.elts if isinstance(handlers, ast.List | ast.Tuple) else ():
        if isinstance(item, ast.Name | ast.Attribute):
            module.mounts.append(_Mount(_dotted(module, item), None, f"{module.dotted}.{layer}"))


def _litestar_guard(layer: ast.Call | ast.ClassDef) -> str | None:
    """What of `_LITESTAR_GUARDS` a layer's call or a controller's class sets, as written."""
    if isinstance(layer, ast.Call):
        given = [(keyword.arg, keyword.value) for keyword in layer.keywords]
    else:
        given = [
            (target.id, statement.value)
            for statement in layer.body
            if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None
            for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
            if isinstance(target, ast.Name)
        ]
    for name, value in given:
        unset = isinstance(value, ast.Constant) and value.value is None
        harmless = name == "middleware" and _only_harmless_middleware(value)
        if name in _LITESTAR_GUARDS and not unset and not harmless:
            return f"`{name}=`"
    return None


def _litestar_handler(
    module: _Module, function: ast.FunctionDef | ast.AsyncFunctionDef, controller: ast.ClassDef | None
) -> None:
    """The routes of a function decorated as a Litestar handler (`@get(["/health", "/healthz"])`,
    `@route("/health", http_method=[HttpMethod.GET])`), on itself or on its controller."""
    for decorator in function.decorator_list:
        if not (isinstance(decorator, ast.Call) and _callee(decorator) in ("get", "route")):
            continue
        if not _in_package(module, decorator.func) or not _serves_get(decorator):
            continue
        owner = controller.name if controller is not None else function.name
        if controller is not None and owner not in module.routers:
            path = next(
                (
                    statement.value
                    for statement in controller.body
                    if isinstance(statement, ast.Assign | ast.AnnAssign)
                    and any(
                        isinstance(target, ast.Name) and target.id == "path"
                        for target in (statement.targets if isinstance(statement, ast.Assign) else [statement.target])
                    )
                ),
                None,
            )
            module.routers[owner] = (_prefix(module, path) or "", False)
            guard = _litestar_guard(controller)
            bases = [ast.unparse(base) for base in controller.bases if not _in_package(module, base)]
            if guard is not None:
                module.guards[owner] = f"{guard} on its controller `{owner}`"
            elif bases:
                module.guards[owner] = f"its controller's base `{bases[0]}`, which may set `guards`,"
        module.routers.setdefault(owner, ("", False))
        written = _argument(decorator, 0, "path")
        guard = _litestar_guard(decorator)
        refused = _either(
            f"its handler sets {guard}, which may refuse the probe" if guard else None, _litestar_parameters(function)
        )
        needs_auth = _asks_for_authentication(function)
        for item in written.elts if isinstance(written, ast.List | ast.Tuple) else [written]:
            path = "/" if item is None else _string(module, item)
            if path is not None:
                module.routes.append(_Written(owner, path, decorator.lineno, needs_auth, refused))


def _litestar_parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """Why a Litestar handler may refuse a request without parameters: it asks for one it does
    not fill from the request itself, and has no default for (a query parameter: 400; a
    dependency, which may refuse it; `Parameter(header=...)`)."""
    needed = [
        argument.arg
        for argument, default in _parameters(function)
        if argument.arg not in _LITESTAR_RESERVED
        and (default is None or (isinstance(default, ast.Call) and _callee(default) in ("Parameter", "Dependency")))
    ]
    if not needed:
        return None
    named = ", ".join(f"`{name}`" for name in needed)
    return f"its handler `{function.name}` needs {named}, from the request or a dependency that may refuse it"


_TORNADO_ANY_HOST = frozenset({".*", ".*$", "^.*$"})


def _tornado(module: _Module, nodes: list[ast.AST], parses_command_line: bool) -> None:
    """Tornado's routes (`tornado.web.Application([(r"/health", HealthHandler)])`, `url(...)`,
    `app.add_handlers(r".*", [...])`) and its `define("port", default=8888)` options, which
    `options.parse_command_line()` reads from `--port=...`."""
    assigned, lists = _assignments(nodes)
    for node in nodes:
        if not isinstance(node, ast.Call):
            continue
        callee = _callee(node)
        if callee == "Application" and _dotted(module, node.func) == "tornado.web.Application":
            owner = assigned.get(id(node))
            if owner is None:  # `return tornado.web.Application([...])` in a factory
                owner = _inline_list(node)
                module.applications.add(owner)
                module.servers.add(owner)
            _tornado_handlers(module, _argument(node, 0, "handlers"), owner, None, lists)
        elif callee == "add_handlers" and isinstance(node.func, ast.Attribute) and len(node.args) >= 2:
            hosts = _string(module, node.args[0])
            one_host = (
                f"it is served to requests for the hosts `{ast.unparse(node.args[0])}` matches alone, which a probe"
                " of 127.0.0.1 may not be"
            )
            refused = None if hosts in _TORNADO_ANY_HOST else one_host
            _tornado_handlers(module, node.args[1], ast.unparse(node.func.value), refused, lists)
        elif callee == "define" and node.args and _in_package(module, node.func, "tornado"):
            name = _string(module, node.args[0])
            default = _argument(node, 1, "default")
            written = str(default.value) if isinstance(default, ast.Constant) and default.value is not None else None
            if name is not None:
                module.options[name] = (f"--{name}" if parses_command_line else None, written, ())


def _tornado_handlers(
    module: _Module, handlers: ast.AST | None, owner: str, refused: str | None, lists: Mapping[str, ast.AST]
) -> None:
    """The routes of a Tornado handler list: `(pattern, Handler[, kwargs])`, `url(pattern, Handler)`."""
    if isinstance(handlers, ast.Name):
        handlers = lists.get(handlers.id)
    for item in handlers.elts if isinstance(handlers, ast.List | ast.Tuple) else ():
        if isinstance(item, ast.Tuple) and len(item.elts) >= 2:
            pattern, handler = item.elts[:2]
        elif isinstance(item, ast.Call) and _callee(item) in ("url", "URLSpec") and len(item.args) >= 2:
            pattern, handler = item.args[:2]
        else:
            continue
        path = _tornado_path(_string(module, pattern))
        if path is not None:
            view = _view_name(module, handler)
            module.routes.append(_Written(owner, path, item.lineno, False, refused, view, "get"))


def _tornado_path(pattern: str | None) -> str | None:
    """The one path a Tornado route's pattern matches: `r"/health/?"` matches `/health`
    (tornado/routing.py `PathMatches` matches from the start, and adds a `$`); None for a
    pattern that matches more than one."""
    if pattern is None:
        return None
    path = pattern.removeprefix("^").removesuffix("$")
    for optional_slash in ("\\/?", "/?"):
        if path.endswith(optional_slash):
            path = path.removesuffix(optional_slash) or "/"
            break
    if re.search(r"(?<!\\)[.^$*+?{}\[\]|()]|\\[^./-]|\\$", path) or not path.startswith("/"):
        return None
    return re.sub(r"\\(.)", r"\1", path)


def _factories(tree: ast.Module) -> dict[str, str]:
    """Module-level functions that return a new Tornado or Bottle application, by the class they
    make (`def make_app(): return tornado.web.Application([...])`): the variable a call of one is
    assigned to holds that application, whose `listen` or `run` starts a server."""
    found = {}
    for statement in tree.body:
        if not isinstance(statement, ast.FunctionDef):
            continue
        made = {}
        for inner in _own_statements(statement.body):
            if isinstance(inner, ast.Assign) and isinstance(inner.value, ast.Call):
                made.update(
                    (target.id, _callee(inner.value)) for target in inner.targets if isinstance(target, ast.Name)
                )
            elif isinstance(inner, ast.Return) and inner.value is not None:
                returned = inner.value
                made_here = _callee(returned) if isinstance(returned, ast.Call) else None
                if isinstance(returned, ast.Name):
                    made_here = made.get(returned.id)
                if made_here in _FACTORY_MADE:
                    found[statement.name] = made_here
    return found


_FACTORY_MADE = frozenset({"Application", "Bottle", "default_app"})


_FRAMEWORK_BASES = frozenset({"RequestHandler", "object"})
"""Base classes of a view class that answer no GET and refuse nothing: Tornado's own
`RequestHandler` (405 for a method its subclass does not define; `prepare()` does nothing)."""
_ARGUMENT_READERS = frozenset({"get_argument", "get_query_argument", "get_body_argument"})
"""Tornado's methods that answer 400 where the request lacks the argument they read, unless
given a default (tornado/web.py `_get_argument`)."""
_PARAMETER_READERS = frozenset(
    {"get_param", "get_param_as_int", "get_param_as_bool", "get_header", "get_param_as_list"}
)
"""Falcon's methods that answer 400 where the request lacks what they read, with `required=True`."""


def _class_view(
    node: ast.ClassDef, responder: str, defined: Callable[[str], ast.ClassDef | None], depth: int = 0
) -> tuple[bool | None, bool, list[str]]:
    """What a view class (a Falcon resource, a Tornado handler) does with a GET: whether it
    defines `responder`, itself or through a base class of the code (None: a base not read may),
    whether that asks for credentials, and why it may refuse the probe otherwise (Tornado's
    `prepare()`, run before every method, Falcon's `@falcon.before` hooks, a base class not read)."""
    doubts = []
    methods = {item.name: item for item in node.body if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)}
    if "prepare" in methods:
        doubts.append(f"`{node.name}.prepare()` runs before each request and may refuse the probe")
    doubts += [
        f"`@{ast.unparse(hook)}` on `{node.name}` runs around its responders and may refuse the probe"
        for hook in node.decorator_list
        if _is_hook(hook)
    ]
    found = methods.get(responder)
    needs_auth = False
    if found is not None:
        needs_auth = _asks_for_authentication(found)
        doubts += [
            f"`@{ast.unparse(hook)}` runs around `{node.name}.{responder}` and may refuse the probe"
            for hook in found.decorator_list
            if _is_hook(hook)
        ]
        doubts += filter(None, [_needs_parameters(found), _reads_required_arguments(found)])
    inherited: list[bool | None] = []
    for base in node.bases:
        name = ast.unparse(base).rpartition(".")[2]
        if name in _FRAMEWORK_BASES:
            continue
        base_class = defined(name) if depth < _MAX_MOUNTS else None
        if base_class is None:
            doubts.append(f"its base class `{ast.unparse(base)}` is not read, and may refuse the probe")
            inherited.append(None)
            continue
        answers, base_auth, base_doubts = _class_view(base_class, responder, defined, depth + 1)
        doubts += base_doubts
        inherited.append(answers)
        if found is None and answers:
            needs_auth = needs_auth or base_auth
    answers = True if found is not None or True in inherited else None if None in inherited else False
    return answers, needs_auth, doubts


def _is_hook(decorator: ast.AST) -> bool:
    """Falcon's `@falcon.before(check)` and `@falcon.after(...)`."""
    plain = decorator.func if isinstance(decorator, ast.Call) else decorator
    return ast.unparse(plain).rpartition(".")[2] in ("before", "after")


def _reads_required_arguments(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """Where a responder reads what a probe does not send, answering 400 without it: Tornado's
    `self.get_argument("token")` with no default, Falcon's `req.get_param("token", required=True)`."""
    for node in breadth_first(function):
        if not isinstance(node, ast.Call):
            continue
        callee = _callee(node)
        required = _keyword(node, "required")
        if (callee in _ARGUMENT_READERS and len(node.args) == 1 and _keyword(node, "default") is None) or (
            callee in _PARAMETER_READERS and isinstance(required, ast.Constant) and required.value
        ):
            return f"its handler reads `{ast.unparse(node)}`, which a probe does not send"
    return None


def _resolve_python_routes(modules: list[_Module], facts: CodeFacts) -> None:
    """Each route with the prefixes of every mount above it, wherever that is written."""
    dotted_modules = frozenset(module.dotted for module in modules)
    unbound = {name: kind for module in modules for name, kind in module.https_extensions.items()}
    limiters = {name for module in modules for name in module.rate_limiters}
    limited = next((module.rate_limited for module in modules if module.rate_limited), None)
    for module in modules:
        for extension, written, application in module.extensions_bound:
            kind = next((kind for name, kind in unbound.items() if _names_one(dotted_modules, name, extension)), None)
            if kind is not None:
                module.guards[application] = f"`{written}`, {_redirects_to_https(kind)}"
            elif limited is None and any(_names_one(dotted_modules, name, extension) for name in limiters):
                limited = f"`{written}`"

    def rate_limit(exempt_from: tuple[str, ...]) -> str | None:
        """Why Flask-Limiter may answer 429 to a probe of a route not exempted from it."""
        if limited is None or any(
            _names_one(dotted_modules, name, exempt) for exempt in exempt_from for name in limiters
        ):
            return None
        return (
            f"{limited} binds Flask-Limiter, whose default limits (or the `RATELIMIT_DEFAULT` a configuration sets)"
            " apply to every route not `@limiter.exempt`, and may answer the probe 429"
        )

    tree = _MountTree.of(modules)
    # What an application runs before every request guards the routers mounted into it too.
    application_guard = next(
        (guard for module in modules for owner, guard in module.guards.items() if owner in module.applications), None
    )
    django_hosts = _django_hosts_guess(modules)
    django_redirect = next(
        (
            f"its settings set {module.redirect}: {_DJANGO_REDIRECTS[module.redirect[1:].partition(' ')[0]]}"
            for module in modules
            if module.redirect is not None
        ),
        None,
    )
    drf_permissions = next(
        (
            f"its settings set Django REST framework's `DEFAULT_PERMISSION_CLASSES` to {module.drf_permissions},"
            " which may refuse a probe without credentials"
            for module in modules
            if module.drf_permissions is not None
        ),
        None,
    )
    django_middleware = next(
        (
            f"its settings run `{module.django_middleware}` before each request (`MIDDLEWARE`), which may refuse"
            " the probe"
            for module in modules
            if module.django_middleware is not None
        ),
        None,
    )
    django_unseen = next(
        (
            f"{module.settings_unseen}: it may set what refuses a probe (`ALLOWED_HOSTS`, `SECURE_SSL_REDIRECT`)"
            for module in modules
            if module.settings_unseen is not None
        ),
        None,
    )
    context_doubt = _either(*(module.route_doubt for module in modules))
    root_mounts = [(module.path, line, written) for module in modules for line, written in module.root_mounts]
    servers = {f"{module.dotted}.{name}": (module.path, name) for module in modules for name in module.servers}
    named_server = _NamedAmong(dotted_modules, servers).by
    for module in modules:
        for variable, given, call in module.wrappers:
            if any(map(named_server, given)):
                facts.wrapped.setdefault(module.path, {})[variable] = ast.unparse(call)
    definitions: dict[str, list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]]] = {}
    for module in modules:  # by the last part of their name
        for name, node in module.definitions.items():
            definitions.setdefault(name.rpartition(".")[2], []).append((name, node))

    def classes(name: str) -> ast.ClassDef | None:
        """The one class of the code named so, where there is one."""
        found = [node for _, node in definitions.get(name, []) if isinstance(node, ast.ClassDef)]
        return found[0] if len(found) == 1 else None

    for module in modules:
        for owner, path, line, needs_auth, refused, view_name, responder, _, exempt_from in module.routes:
            refused = _either(refused, rate_limit(exempt_from))
            named = definitions.get(view_name.rpartition(".")[2], []) if view_name is not None else []
            defined = next((node for name, node in named if _names_one(dotted_modules, name, view_name)), None)
            view = _view(defined) if defined is not None and responder is None else None
            if responder is not None:
                if not isinstance(defined, ast.ClassDef):
                    unread = f"its view `{view_name or '?'}` is not read: it may not answer a GET, or refuse it"
                    refused = _either(refused, unread)
                else:
                    answers, view_auth, doubts = _class_view(defined, responder, classes)
                    if answers is False:
                        continue  # 405: it defines no responder for GET
                    needs_auth = needs_auth or view_auth
                    refused = _either(refused, *doubts)
            if view is not None:
                if not view.serves_get:
                    continue  # it answers other methods alone
                needs_auth = needs_auth or view.needs_auth
                refused = _either(refused, view.refused)
            where = f"{module.path}:{line}"
            dotted = f"{module.dotted}.{owner}"
            if owner in ("", _DJANGO):
                names, own = (module.dotted,), None
            elif owner.startswith(_DJANGO):  # a pattern list, served where it is included
                names, own = (f"{module.dotted}.{owner.removeprefix(_DJANGO)}",), ("", False)
            elif owner in module.applications:
                names, own = (module.dotted, dotted), None
            else:  # a router, or a variable whose routes any application may mount
                names, own = (dotted,), module.routers.get(owner, ("", False))
            chains = tree.chains(names, own)
            if owner in module.servers and all(chain.mounted for chain in chains):
                chains.append(_Chain((), (), tree.guard(names), mounted=False, served_by=dotted, alone=True))
            join = _django_join if owner.startswith(_DJANGO) else _join
            for chain in chains:
                full = join(*(prefix for prefix in chain.prefixes if prefix != _UNKNOWN), path)
                guard = chain.guard or application_guard
                guarded = (
                    f"its application runs {guard} before each request, which may refuse the probe" if guard else None
                )
                if owner.startswith(_DJANGO):
                    guarded = _either(
                        guarded, django_hosts, django_redirect, drf_permissions, django_middleware, django_unseen
                    )
                application, server = servers.get(chain.served_by, (None, None)) if chain.served_by else (None, None)
                hidden = next(
                    (
                        f"`{written}` answers every path it matches, before the routes added after it"
                        for path_of, mounted_at, written in root_mounts
                        if path_of != module.path or mounted_at < line
                    ),
                    None,
                )
                guess = _either(*chain.guesses, guarded, refused, context_doubt, hidden)
                said = f"{where}: route {full}"
                route = Route(
                    full,
                    said,
                    guess,
                    needs_auth,
                    module.path,
                    application,
                    server,
                    chain.alone,
                    _UNKNOWN in chain.prefixes,
                )
                facts.routes.append(route)


class _Chain(NamedTuple):
    """One way a router or an application is served: through the mounts above it, up to an
    application or to a router never seen mounted."""

    prefixes: tuple[str, ...]
    """Outermost first, its own last; `_UNKNOWN` where not written out."""
    guesses: tuple[str, ...]
    """Why its routes may not be where the prefixes say."""
    guard: str | None
    """What runs before each of its routes, set on it or on a mount above it."""
    mounted: bool
    served_by: str | None = None
    """The dotted name of the object at its top, never seen mounted; None where it ends at a
    router never seen mounted, or is not followed to its end."""
    alone: bool = False
    """An application mounted into another, served by itself (see `Route.alone`)."""


_MAX_MOUNTS = 8
"""How many mounts a chain is followed through; a longer one, or a cycle, makes a guess."""


class _MountTree:
    """Every mount, router and guard of the modules read, by dotted name."""

    __slots__ = ("guards", "hosts", "modules", "mounts", "routers")

    modules: frozenset[str]
    mounts: list[_Mount]
    routers: dict[str, tuple[str, bool]]
    guards: dict[str, str]
    hosts: dict[str, str]

    def __init__(
        self,
        modules: frozenset[str],
        mounts: list[_Mount],
        routers: dict[str, tuple[str, bool]],
        guards: dict[str, str],
        hosts: dict[str, str],
    ) -> None:
        self.modules = modules
        self.mounts = mounts
        self.routers = routers
        self.guards = guards
        self.hosts = hosts

    @classmethod
    def of(cls, modules: list[_Module]) -> _MountTree:
        # A name a module imports is an attribute of it: a package's `__init__.py` that imports
        # `router` from its `views` makes `api.monitoring.router` that router (the FastAPI
        # template AgentGPT's platform is built on mounts it so).
        reexported = {
            f"{module.dotted}.{name}": target
            for module in modules
            for name, target in module.imports.items()
            if module.path.endswith("__init__.py")
        }
        return cls(
            frozenset(module.dotted for module in modules),
            [
                mount._replace(target=_through(reexported, mount.target))
                for module in modules
                for mount in module.mounts
            ],
            {f"{module.dotted}.{name}": own for module in modules for name, own in module.routers.items()},
            {module.named(owner): guard for module in modules for owner, guard in module.guards.items()},
            {module.named(owner): hosted for module in modules for owner, hosted in module.hosts.items()},
        )

    def chains(self, names: tuple[str, ...], own: tuple[str, bool] | None, seen: tuple[str, ...] = ()) -> list[_Chain]:
        """Each chain of mounts above the object `names` stand for (a module, or a variable of
        it), whose own prefix is `own` (None: it is no router)."""
        name = names[-1]
        label = name.rsplit(".", 1)[-1]
        guard = self.guard(names)
        hosted = tuple(hosted for target, hosted in self.hosts.items() if any(self._same(n, target) for n in names))
        unknown_own = (f"`{label}` has a prefix not known",) if own is not None and own[0] == _UNKNOWN else ()
        mounts = [mount for mount in self.mounts if any(self._same(n, mount.target) for n in names)]
        if not mounts:
            if own is None:
                return [_Chain((), hosted, guard, mounted=False, served_by=name)]
            unmounted = f"`{label}` is not seen mounted, so its routes may have a prefix"
            return [_Chain((own[0],), (unmounted, *unknown_own, *hosted), guard, mounted=False)]
        chains = []
        for mount in mounts:
            given = () if mount.prefix is None else (mount.prefix,)
            replaced = own is not None and own[1] and mount.prefix is not None  # a blueprint's url_prefix
            step = given if own is None or replaced else (*given, own[0])
            guesses = ((_MOUNTED_UNKNOWN,) if mount.prefix == _UNKNOWN else ()) + (() if replaced else unknown_own)
            guesses += hosted
            if len(seen) >= _MAX_MOUNTS or mount.mounter in (*seen, *names):
                unfollowed = "it is mounted through a chain of mounts not followed to its end"
                chains.append(_Chain(step, (*guesses, unfollowed), guard, mounted=True))
                continue
            mounter = (mount.mounter,)
            for outer in self.chains(mounter, self._router(mount.mounter), (*seen, *names)):
                prefixes, outer_guesses = (*outer.prefixes, *step), (*outer.guesses, *guesses)
                chains.append(_Chain(prefixes, outer_guesses, guard or outer.guard, True, outer.served_by))
        return chains

    def guard(self, names: tuple[str, ...]) -> str | None:
        """What the object `names` stand for runs before each of its routes, set on it itself."""
        return next((guard for target, guard in self.guards.items() if any(self._same(n, target) for n in names)), None)

    def _router(self, dotted: str) -> tuple[str, bool] | None:
        return next((own for target, own in self.routers.items() if self._same(dotted, target)), None)

    def _same(self, dotted: str, target: str) -> bool:
        return _names_one(self.modules, dotted, target)


def _through(reexported: Mapping[str, str], dotted: str) -> str:
    """`dotted` past the packages that import it under another name, a few at most."""
    for _ in range(_MAX_MOUNTS):
        if dotted not in reexported:
            break
        dotted = reexported[dotted]
    return dotted


def _names_one(modules: frozenset[str], dotted: str, target: str) -> bool:
    """Whether the object `dotted` of the context is the one `target` names: on a dotted
    suffix, since the context's root need not be where imports start (`src/app/...`); but
    exactly where `target` spells one of the context's `modules`, or a variable of one
    (`api.urls` is `api/urls.py`, not the root `urls.py`)."""
    if target in modules or target.rpartition(".")[0] in modules:
        return dotted == target
    return dotted == target or dotted.endswith("." + target) or target.endswith("." + dotted)


class _NamedAmong:
    """Whether a target names one of many objects of the context, as `_names_one` tells of
    each, without asking each: each module imports dozens of names, and polar's application
    holds hundreds of routers, for each of hundreds of modules (a million questions)."""

    def __init__(self, modules: frozenset[str], among: Iterable[str]) -> None:
        self._modules = modules
        self._among = frozenset(among)
        self._suffixes = frozenset(
            dotted.split(".", cut)[cut] for dotted in self._among for cut in range(1, dotted.count(".") + 1)
        )
        """The dotted suffixes of their names (`b.c` and `c` of `a.b.c`)."""

    def by(self, target: str) -> bool:
        if target in self._among:
            return True
        if target in self._modules or target.rpartition(".")[0] in self._modules:
            return False
        return target in self._suffixes or any(
            target.split(".", cut)[cut] in self._among for cut in range(1, target.count(".") + 1)
        )


_UNKNOWN = "\0"
"""A prefix not written out (`prefix=settings.API_V1_STR`)."""
_MOUNTED_UNKNOWN = "it is mounted under a prefix not known"
_DJANGO = "\0django"
"""The owner of a route of a Django URLconf (`path("health/", view)`)."""
_REACHES_LOOPBACK = frozenset({"*", "127.0.0.1"})


def _django_hosts_guess(modules: list[_Module]) -> str | None:
    """Why a Django route's probe of 127.0.0.1 may get 400: no settings module is seen to
    allow that host (`ALLOWED_HOSTS` from the environment, or naming the public domain)."""
    settings = [module.allowed_hosts for module in modules if module.allowed_hosts is not None]
    if settings and all(_REACHES_LOOPBACK & set(hosts) for hosts in settings):
        return None
    return "Django answers 400 to a host its `ALLOWED_HOSTS` does not list, and no settings are seen to list 127.0.0.1"


def _either(*guesses: str | None) -> str | None:
    """Why a route is a guess, for every reason there is."""
    return "; ".join(guess for guess in guesses if guess) or None


def _join(*parts: str) -> str:
    joined = "/".join(part.strip("/") for part in parts if part.strip("/"))
    trailing = "/" if parts and parts[-1].endswith("/") and joined else ""
    return "/" + joined + trailing


def _django_join(*parts: str) -> str:
    """A Django route below the includes above it: their routes joined as written, each past
    the `/` it is kept with (`path("healthz", include(...))` and `path("", view)` serve
    `/healthz`, not `/healthz/`; django/urls/resolvers.py matches each part against what the
    one before leaves of the path)."""
    return "/" + "".join(part.removeprefix("/") for part in parts)


def _argparse_option(module: _Module, call: ast.Call) -> None:
    """`parser.add_argument("--port", type=int, default=9000)`."""
    flags = [_string(module, argument) for argument in call.args]
    long = next((flag for flag in flags if flag and flag.startswith("--")), None)
    if long is None:
        return
    dest = _string(module, _keyword(call, "dest")) or long[2:].replace("-", "_")
    default = _keyword(call, "default")
    written = str(default.value) if isinstance(default, ast.Constant) and default.value is not None else None
    module.options[dest] = (long, written, tuple(flag for flag in flags if flag and flag != long))


def _script_port(module: _Module, call: ast.Call, facts: CodeFacts, syntax: _Syntax) -> None:
    """The port a server call starts its server on: `app.run("0.0.0.0", 8080)` of a Flask
    app, `web.run_app(app, port=...)`, `uvicorn.run(app, port=PORT)` after `PORT =
    int(os.environ.get("PORT", "8096"))`; unresolved (no default) where its arguments are not
    read (`app.run(**settings)`, `port=settings.PORT`)."""
    if not _may_call_a_server(module, call.func):
        return
    receiver = ast.unparse(call.func.value) if isinstance(call.func, ast.Attribute) else None
    method = _RUN_METHODS[module.runnable[receiver]] if receiver in module.runnable else None
    dotted = None
    if method is not None and _callee(call) in method.methods:
        default, ipv6_alone = method.default, method.ipv6_alone
        port_node = _argument(call, method.port_position, "port") if method.port_position is not None else None
        port_node = port_node or _keyword(call, "port")
        host = _argument(call, method.host_position, "") if method.host_position is not None else None
        host = host or _keyword(call, method.host_keyword)
        tls = module.server_tls.get(receiver or "")
    elif (dotted := _dotted(module, call.func)) in _SERVER_FUNCTIONS:
        default, port_position, host_position = _SERVER_FUNCTIONS[dotted]
        port_node = _argument(call, port_position, "port") if port_position is not None else _keyword(call, "port")
        host = _argument(call, host_position, "host") if host_position is not None else _keyword(call, "host")
        ipv6_alone, tls = True, None
    else:
        return
    bottle = dotted == "bottle.run" if method is None else module.runnable[receiver] in ("Bottle", "default_app")
    where = f"{module.path}:{call.lineno}"
    server = ast.unparse(call.func)
    unpacked = any(isinstance(argument, ast.Starred) for argument in call.args)
    tls = tls or next((f"{where}: `{ast.unparse(keyword)}`" for keyword in _tls_keywords(call)), None)
    if tls is not None:
        _add_script_port(facts, module.path, ScriptPort(f"{where}: {ast.unparse(call)}", None, tls=tls))
        return
    if unpacked or any(keyword.arg is None or keyword.arg in _LISTENS_ELSEWHERE for keyword in call.keywords):
        _add_script_port(facts, module.path, ScriptPort(f"{where}: {ast.unparse(call)}", None))
        return
    if bottle and not _bottle_serves_http(call, positional=method is None):
        _add_script_port(facts, module.path, ScriptPort(f"{where}: {ast.unparse(call)}", None))
        return
    elsewhere = _listens_elsewhere(host, ipv6_alone)
    if bottle and (plugins := _keyword(call, "plugins")) is not None:
        installed = f"it installs `plugins={ast.unparse(plugins)}` on every route, which may refuse the probe"
        elsewhere = _either(elsewhere, installed)
    if port_node is None:
        found = ScriptPort(f"{where}: {server}() without a port", default, doubt=elsewhere)
        _add_script_port(facts, module.path, found)
        return
    named = port_node.id if isinstance(port_node, ast.Name) and port_node.id not in module.imports else None
    assignment = _set_once_at_top_level(syntax, named) if named is not None else None
    if assignment is not None:
        port_node = assignment.value
    if isinstance(port_node, ast.Call) and _callee(port_node) == "int" and port_node.args:
        port_node = port_node.args[0]
    said = f"{where}: {server}(port={named if assignment is not None else ast.unparse(port_node)})"
    if assignment is not None:
        said += f", {module.path}:{assignment.lineno}: {ast.unparse(assignment)}"
    read, default = _read_or_default(port_node)
    found = ScriptPort(said, None)
    if isinstance(read, ast.Constant) and str(read.value).isdigit():
        found = ScriptPort(said, str(read.value))
    elif isinstance(read, ast.Attribute) and read.attr in module.options:
        option, default_option, aliases = module.options[read.attr]
        found = ScriptPort(said, default_option, option=option, option_aliases=aliases)
    elif isinstance(read, ast.Call) and _callee(read) in ("get", "getenv") and read.args:
        variable = _string(module, read.args[0])
        default = read.args[1] if len(read.args) > 1 else default
        written = str(default.value) if isinstance(default, ast.Constant) and str(default.value).isdigit() else None
        if variable is not None:
            found = ScriptPort(said, written, variable=variable, dotenv=module.loads_dotenv)
    _add_script_port(facts, module.path, found._replace(doubt=elsewhere))


def _read_or_default(node: ast.AST) -> tuple[ast.AST, ast.AST | None]:
    """`os.environ.get("PORT") or "9000"` -> the read and its default (onyx's
    `MODEL_SERVER_PORT`); anything else -> itself and no default."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or) and len(node.values) == 2:
        read, default = node.values
        if isinstance(read, ast.Call) and len(read.args) == 1 and isinstance(default, ast.Constant):
            return read, default
    return node, None


def _set_once_at_top_level(syntax: _Syntax, name: str) -> ast.Assign | ast.AnnAssign | None:
    """The statement that sets `name` at the module's top level, where it is the one place
    the module sets it (no other assignment, loop or `global` rebinds it); else None."""
    assignments = [
        node
        for node in syntax.tree.body
        if (isinstance(node, ast.Assign) and any(_is_name(target, name) for target in node.targets))
        or (isinstance(node, ast.AnnAssign) and node.value is not None and _is_name(node.target, name))
    ]
    if len(assignments) != 1:
        return None
    stores = sum(
        1 for node in syntax.nodes if node.__class__ is ast.Name and node.id == name and node.ctx.__class__ is ast.Store
    )
    return assignments[0] if stores == 1 else None


def _is_name(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


_BOTTLE_HTTP_SERVERS = frozenset(
    {"wsgiref", "waitress", "cherrypy", "cheroot", "paste", "fapws3", "tornado", "twisted", "diesel", "meinheld"}
    | {"gunicorn", "eventlet", "gevent", "bjoern", "aiohttp", "uvloop", "auto"}
)
"""Bottle's server adapters that listen for HTTP on its `host` and `port` (bottle.py 0.13
`server_names`): not `cgi`, `flup` (FastCGI) or `gae`, nor an adapter of the code's own."""


def _may_call_a_server(module: _Module, function: ast.expr) -> bool:
    """Whether a call's function may be one `_script_port` reads, told by its last name
    without writing it out (`ast.unparse`, for each of a module's thousands of calls): a
    method of `_RUN_METHODS`, or a function of `_SERVER_FUNCTIONS` by the name it is called,
    or by the one an import gives it (`from waitress import serve as start`)."""
    if isinstance(function, ast.Attribute):
        return function.attr in _SERVER_CALL_NAMES
    if isinstance(function, ast.Name):
        return module.imports.get(function.id, function.id).rpartition(".")[2] in _SERVER_CALL_NAMES
    return False  # a call's result, a subscript: no dotted name


def _bottle_serves_http(call: ast.Call, positional: bool) -> bool:
    """Whether a Bottle `run(...)` starts an HTTP server on its port: its `server=` is one of
    `_BOTTLE_HTTP_SERVERS`, by name, or none (wsgiref)."""
    server = _argument(call, 1, "server") if positional else _keyword(call, "server")
    return server is None or (isinstance(server, ast.Constant) and server.value in _BOTTLE_HTTP_SERVERS)


def _tls_keywords(call: ast.Call) -> Iterator[ast.keyword]:
    """The keywords of a server call that make it speak TLS alone, unless set false."""
    for keyword in call.keywords:
        if keyword.arg in _SPEAKS_TLS and not (isinstance(keyword.value, ast.Constant) and not keyword.value.value):
            yield keyword


def _listens_elsewhere(host: ast.AST | None, ipv6_alone: bool) -> str | None:
    """Why a server call's `host` may not be reached by a probe of 127.0.0.1: an address of
    its own (`socket.gethostname()` resolves to the container's eth0 address), `::` where
    the server sets `IPV6_V6ONLY` (`ipv6_alone`: uvicorn and aiohttp through asyncio,
    waitress's `serve`), or one its code computes."""
    if host is None or (isinstance(host, ast.Constant) and host.value is None):
        return None
    if isinstance(host, ast.Constant) and isinstance(host.value, str):
        written = host.value.strip("[]")
        if not written or (written in REACHED_FROM_INSIDE and not (ipv6_alone and written in ANY_IPV6)):
            return None
        return f"it listens on `{host.value}`, which a probe of 127.0.0.1 may not reach"
    computed = ast.unparse(host)
    return f"it listens on `{computed}`, an address its code computes, which a probe of 127.0.0.1 may not reach"


def _add_script_port(facts: CodeFacts, path: str, found: ScriptPort) -> None:
    """Record the port a server call in `path` gives; where another call there gives
    another, which one runs is not known: the one read is a guess."""
    known = facts.script_ports.get(path)
    if known is None:
        facts.script_ports[path] = found
    elif known.read_from != found.read_from:
        kept = known if known.read_from != (None, None, None) else found
        facts.script_ports[path] = kept._replace(
            doubt="its code starts more than one server, and which one serves the route is not known"
        )


# ----------------------------------------------------------------------------- JavaScript


def _read_javascript(relative: str, text: str, facts: CodeFacts) -> None:
    applications = {match.group(1) for match in _NODE_APP.finditer(text)}
    if applications:
        facts.applications.add(relative)
    guards = {match.group(1): match.group(2) for match in _NODE_GUARD.finditer(text)}
    for match in _NODE_ROUTE.finditer(text):
        owner, path = match.group(1), match.group(3)
        where = f"{relative}:{line_number(text, match.start())}"
        guard = guards.get(owner)
        guarded = f"its application runs `{guard}` before each request, which may refuse the probe" if guard else None
        if owner in applications:
            guess = _either(_READ_BY_PATTERNS, guarded)
            facts.routes.append(Route(path, f"{where}: route {path}", guess, False, relative, relative))
        else:
            unmounted = f"`{owner}` is not seen mounted, so its routes may have a prefix"
            guess = _either(_READ_BY_PATTERNS, unmounted, guarded)
            facts.routes.append(Route(path, f"{where}: route {path}", guess, False, relative))
    declarations: dict[str, str | None] = {}
    for match in _NODE_DECLARATION.finditer(text):
        name, value = match.group(1), match.group(2).strip()
        declarations[name] = value if declarations.get(name, value) == value else None  # set twice: not known
    # A variable set again after its declaration (`if (production) { port = 8080; }`) is not known either.
    assigned = Counter(match.group(1) for match in _NODE_ASSIGNMENT.finditer(text))
    declared = Counter(match.group(1) for match in _NODE_DECLARATION.finditer(text))
    for name in declarations:
        if assigned[name] > declared[name]:
            declarations[name] = None
    tls = _NODE_TLS.search(text)
    for match in _NODE_LISTEN.finditer(text):
        where = f"{relative}:{line_number(text, match.start())}"
        argument = match.group(1).strip()
        source = f"{where}: listen({argument})"
        if tls is not None:
            said = f"{relative}:{line_number(text, tls.start())}: `{tls.group().rstrip('( ')}`"
            _add_script_port(facts, relative, ScriptPort(source, None, tls=said))
            continue
        if declarations.get(argument) is not None:
            source += f", {argument} = {declarations[argument]}"
        terms = _node_port_terms(match.group(1), declarations)
        found = ScriptPort(source, None)
        if terms is not None and len(terms) == 1:
            found = ScriptPort(source, None, variable=terms[0][1]) if terms[0][0] else ScriptPort(source, terms[0][1])
        elif terms is not None and len(terms) == 2 and terms[0][0] and not terms[1][0]:
            found = ScriptPort(source, terms[1][1], variable=terms[0][1])
        _add_script_port(facts, relative, found)


def _node_port_terms(
    expression: str, declarations: Mapping[str, str | None], depth: int = 0
) -> list[tuple[bool, str]] | None:
    """The terms of a port expression joined by `||` or `??`, through the variables it names:
    (True, variable) for one read from the environment, (False, port) for a number; None
    when a term is neither."""
    expression = expression.strip()
    if expression.startswith("{"):
        port = _NODE_OBJECT_PORT.search(expression)
        if port is None:
            return None
        expression = port.group(1) or "port"  # `{ port }`
    terms: list[tuple[bool, str]] = []
    for term in re.split(r"\|\||\?\?", expression):
        term = term.strip()
        variable = _NODE_VARIABLE.fullmatch(term)
        declared = declarations.get(term)
        if variable is not None:
            terms.append((True, variable.group(1) or variable.group(2)))
        elif term.strip("'\"`").isdigit():
            terms.append((False, term.strip("'\"`")))
        elif declared is not None and depth < 2:
            inner = _node_port_terms(declared, declarations, depth + 1)
            if inner is None:
                return None
            terms += inner
        else:
            return None
    return terms
