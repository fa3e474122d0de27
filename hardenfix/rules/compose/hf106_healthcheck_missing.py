from __future__ import annotations

import json
from collections.abc import Iterator

from ruamel.yaml.nodes import MappingNode

from hardenfix.facts.service import PlannedProbe, ServiceFacts, plan_probes_ahead, planned_probe, service_facts
from hardenfix.knowledge import DEFAULT_TIMING
from hardenfix.knowledge.images import SERVICE_CLASSES, CommandOption, ProbeChoice, TagFacts
from hardenfix.model import Category, FileKind, Finding
from hardenfix.rule import FixSafety, Rule
from hardenfix.sources.compose import (
    ComposeDocument,
    Service,
    YamlValue,
    is_true,
    legacy_format_reason,
    lookup,
    services_taking,
)
from hardenfix.sources.healthcheck import proxied


class HealthcheckMissing(Rule):
    """
    ## What it does
    Finds Compose services with no healthcheck whose image has a well-known
    probe in hardenfix's image knowledge base (`pg_isready` for `postgres`,
    `redis-cli ping` for `redis`, `mc ready local` for MinIO, NATS's
    `/healthz`, ...), and adds that healthcheck with `interval`, `timeout`,
    `retries` and `start_period`. The probe is the first the image's tag
    can run: `mariadb` images built since February 2022 have
    `healthcheck.sh`, older ones `mariadb-admin` or `mysqladmin`, and 11.0
    dropped `mysqladmin`.

    A service built from the repository, or running code of it bound into a
    stock image, gets a probe of its own, from what its files say
    (`hardenfix.facts`): the health route its code defines
    (`@app.get("/healthz")`, an `APIRouter` prefix, a Flask blueprint, a
    Litestar handler in `route_handlers=[...]` below its `Router` and
    `Controller` paths, Falcon's `app.add_route("/healthz", Resource())` with
    an `on_get`, Bottle's `@app.route(...)` or `@route(...)`, Tornado's
    `Application([(r"/healthz/?", Handler)])` with a `get`, an Express route:
    `/healthz` before `/health`, `/healthcheck` (CTFd's), `/readyz`, `/ready`,
    `/livez`, `/ping`, `/status`), in the module its server imports (uvicorn's and litestar's
    `--app-dir`, gunicorn's `--chdir` and `--pythonpath`), or the route its
    server answers itself (Celery's Flower: `/healthcheck`, below its
    `--url_prefix`; Streamlit: `/_stcore/health` from 1.18.0, `/healthz`
    before, below its `--server.baseUrlPath`), the port its process listens on (`uvicorn --port`,
    `gunicorn --bind`, `litestar run -p`, a script's `--port` option, `PORT`
    read by node, the container side of `ports:`; an image's `EXPOSE` only
    where the Compose file runs the image's own command), and a tool its image
    has: `curl -sf`, else `wget`, else a `python3` urllib one-liner, else a
    `node` one. It requests `127.0.0.1` (Alpine resolves `localhost` to IPv6
    first). A worker that listens on no port, an image with no tool to probe
    with (distroless), or a health route behind authentication is reported
    without a fix, with what to do instead, as is a service whose code holds
    no Python or JavaScript (Go, Java, PHP), whose routes and ports are not
    read here (nor is it called a worker for listening on no port hardenfix
    sees); an image with a `HEALTHCHECK` of its own (its Dockerfile's, or one
    the knowledge base knows the image declares for the tag: cAdvisor, Kong,
    Vaultwarden, Pi-hole, Jellyfin, Open WebUI, Mailpit, Weblate, Kafka
    Connect, Immich's database) reports its health already and is left alone.
    Each finding lists the facts it rests on and where each was read (`facts`
    in `--format json`).

    Its code is the code its container runs: what its image holds of the build
    context (the paths its stages `COPY` and `ADD`), or a local folder its
    `volumes` bind over the module it serves or over its working directory
    (`./src:/app`; Compose's `working_dir` before the Dockerfile's `WORKDIR`),
    or a local file bound over that module (`./dev/main.py:/app/main.py`):
    either hides the image's copy there. Where that module creates an
    application, the routes of another application beside it are not its own,
    and its code is what the process runs: that module, what it imports (by
    any import statement, or by a dotted name written in a string, as
    `app.config.from_object("config.Production")`), and any module that
    imports it, however that one is loaded. Where it loads Flask settings by a
    name not written out, or runs more than 100 modules, all of the code is.
    A module that names no framework but imports an application or a router
    of the code (an entry point: `from app.server import app`) is read too:
    what it runs before each request of that application
    (`app.add_middleware(RequireKey)`, `app.before_request(check_key)`) or
    wraps around it is the application's.
    Code bound from a folder of the host that runs the stack (`/srv/app:/app`)
    cannot be read here: the finding says so, without a fix.

    A service that another waits for to exit (`depends_on` with `condition:
    service_completed_successfully`) is a job, such as a migration or a model
    download: it has no health to report, and is left alone.

    Findings say the service's class, and data stores matter most: they come
    first in the order data, api, worker, diagnostic (a service started only
    under a profile).

    ## Why is this bad?
    Without a healthcheck a container is "running" as soon as its process
    starts: `depends_on: condition: service_healthy` cannot wait for it,
    restarts never happen for a hung server, and dependants connect to a
    database that is still recovering.

    ## Example
    ```yaml
    services:
      cache:
        image: redis:7
    ```

    ## Use instead
    ```yaml
    services:
      cache:
        image: redis:7
        healthcheck:
          test: ["CMD", "redis-cli", "ping"]
          interval: 30s
          timeout: 10s
          retries: 3
          start_period: 30s
    ```

    ## Fix safety
    Safe when the probe is the image's documented one and the knowledge base
    knows that the tag in use ships every program it runs (for the tag's
    variant and release: `nats` is built from scratch, `nats:*-alpine` has
    `wget`). Unsafe when that is assumed: a tag that names no version
    (`latest`, `lts`) or a release newer than the knowledge base is taken to
    be like the newest release it knows, and an image of another registry
    (`registry.example:5000/python`) to be Docker Hub's of the same name, and
    an image named through variables (`postgres:${PG_TAG:-17.2}`, onyx's
    `${BASE_IMAGE_REGISTRY:-docker.io}/library/redis:7.4-alpine`) to be the one
    reference its defaults and the folder's env files give (the deploying
    shell may set others); the message says so.

    An image's probe checks its server, so it is added where the service
    starts that server: with the image's own command, a command naming it
    (`postgres -c fsync=off`), options the image's entrypoint passes to it
    (`-c fsync=off`; a `.conf` file for `redis`), or a shell script that starts
    it (`sh -c "mkdir -p /data && minio server /data"`), as the knowledge base
    says each image starts its server. A service that runs another of the
    image's programs (`psql -f seed.sql`, `redis-cli monitor`) is left alone:
    the probe would fail there. A command that cannot be placed (a script
    file, an image whose start the knowledge base does not describe) makes the
    fix unsafe, and the message says so. So does an option or a variable that
    moves what the probe checks off its default (`postgres -p 5433`,
    `redis-server --port 6380`, MeiliSearch's `MEILI_HTTP_ADDR`, and
    `postgres -c unix_socket_directories=/tmp`, whose socket `pg_isready`
    looks for; Bitnami's `POSTGRESQL_PORT_NUMBER`, Grafana's
    `GF_SERVER_HTTP_PORT` and `GF_SERVER_PROTOCOL`, Neo4j's
    `NEO4J_server_http_listen__address`, Alertmanager's
    `--web.listen-address` and `--web.external-url`, Loki's and Tempo's
    `-server.http-listen-port`, MariaDB's `--skip-networking`, which
    `healthcheck.sh --connect` cannot pass), or a configuration file the
    server loads, which may (`redis.conf`, `-c config_file=...`,
    `mongod --config`, a `-config.file` other than the image's own), or a
    file mounted where it reads its settings (Elasticsearch's `config`
    folder, where docker-elk's 7.x branch turns security on; MinIO's
    certificates, which make it serve HTTPS alone; `grafana.ini`, ClickHouse's
    `config.d`, Neo4j's `/conf`; mounted by a bind, a named volume another
    service or an operator may have filled, a `config` or a `secret`, or
    the volumes of another service, `volumes_from`), or TLS required
    (`mongod --tlsMode`): the
    standard probes ask the default port and socket, in plain text. An
    `env_file` hardenfix cannot read may set such a variable: one not in the
    checkout (a gitignored `.env`, which the deployment has: Compose refuses
    to start without it; or an optional one, `required: false`, which it may
    have), or one named through a variable (`${ENV_FILE:-./.env}`), which
    the deployment picks. So may the shell that deploys the stack, for a
    variable passed from it (`environment: [MEILI_HTTP_ADDR]`, or a bare
    `MEILI_HTTP_ADDR` line in an `env_file`, read as Compose reads it,
    `NAME: value` lines too). The probe of a server that reads any such
    variable is then unsafe, and the message names the file or the line. For an
    image whose options, variables and settings files the knowledge base
    does not describe, any option its command passes the server, and any file
    or folder mounted into it, makes the fix unsafe: which of them move what
    the probe checks is not known.

    A probe that needs a command-line option is added only once the
    service's command has it: NATS serves `/healthz` on its monitoring port
    alone, which its image's own command enables, but a `command:` of its own
    must pass `-m 8222`. Until it does the finding has no fix; `HF140` adds
    the option to JetStream servers, and when both rules run, the probe is
    added in the same run, right after. Services whose image is unknown,
    built from an unreadable Dockerfile or one written inline
    (`dockerfile_inline`), or defined in an override file, in
    more than one document of the file, or as a fragment without
    `image`/`build` are left alone: their healthcheck may
    live elsewhere. So are the services of a file that holds such a
    fragment: Compose refuses it alone and merges it over another file whole
    (conductor's `docker-compose-port-override.yaml`, whose `postgres:16`
    beside the server's ports adds to a base file's that has a probe). A
    service is no fragment when it extends, directly or through another of the
    file, another file's service, or names a `provider:` (Docker Model
    Runner's `provider: {type: model}`): Compose accepts those alone.

    A probe from a service's files is safe when every fact it rests on was
    read from a file: the route from its code, the port from its command (or
    the server's documented default, where no configuration file in its
    working directory may set another: gunicorn's on an image it builds from
    one hardenfix does not know is no fact), the tool from the knowledge base for
    the tag in use or the Dockerfile's install. A command that runs a shell
    script of the checkout (CTFd's `docker-entrypoint.sh`) starts the one
    command the script may leave running (`exec gunicorn ...` at its end),
    unless the script dispatches on arguments it is given; what the script sets
    itself (`WORKERS=${WORKERS:-1}`) is not known. An `env_file`'s values are
    read as Compose reads them, interpolated (`format: raw`: as written), and
    one that reads what an earlier line sets (`PORT=${BASE}`) is filled in,
    never copied into the probe. It is unsafe when one is a
    guess, and the message says which: a port seen only in `EXPOSE` or
    `ports:`, a script that sets the server's variables (`GUNICORN_CMD_ARGS`),
    changes its folder or reads another file before it starts the server,
    a default port or one a variable sets (`PORT`) where an
    `env_file` read after it (a `.env` not in the checkout, a path with a
    variable) may set that variable, or the deploying shell passes it
    (`environment: [PORT]`), as they may a variable the server reads its
    address or more options from (`UVICORN_HOST` where the command gives no
    `--host`, gunicorn's `GUNICORN_CMD_ARGS`, which may carry
    `--bind=0.0.0.0:8080` or `--certfile`), a `.flaskenv` or `.env` in the
    working directory of `flask run` or a folder above it, or a file its
    `--env-file` names, which it loads and may read `FLASK_RUN_PORT` or
    `FLASK_RUN_CERT` from (one the `.dockerignore` leaves out of the image is
    not), a script's port variable that a `.env` may set where its code loads
    one (python-dotenv's `load_dotenv()` or `dotenv_values()`, environs'
    `read_env()`, node's `dotenv`, in any module), its interpreter does
    (`node --env-file=.env`, `node -r dotenv/config`) or its runner does
    (`pipenv run`, which may set a server's options too), gunicorn with
    `SCRIPT_NAME` in its environment (a path that does not start with it
    gets 400), a port variable (gunicorn's `PORT`, `FLOWER_PORT`) beside a
    configuration file the server loads (in its working directory, or named
    by an option or a variable: flower's `FLOWER_CONF`), whose settings win
    over the variable's, Streamlit whose version its build's dependency files
    do not tell (`pip install streamlit`, an image not built here: 1.18.0
    changed the route; a pin, a lowest bound, a lock's pin, an `ARG` with the
    value Compose's `build.args` give it tell it) or whose build or volumes
    name `.streamlit` outside its working directory (a
    `~/.streamlit/config.toml` may set its port or prefix), or whose script's
    folder holds a `.streamlit/config.toml` (`streamlit run src/app.py`, read
    from 1.46.0), a server told to listen on one address
    (`--host 172.20.0.5`, `-b [::1]:8000`) that a probe of 127.0.0.1 may not
    reach, or on `::` where it binds IPv6 alone (uvicorn, litestar, waitress,
    flower's and streamlit's tornado), a route on a router that is not seen mounted, a tool assumed for
    a tag that names no version, or what the application runs before every
    request and may refuse the probe with (`FastAPI(dependencies=[...])`, a
    router included with dependencies, `TrustedHostMiddleware`,
    `HTTPSRedirectMiddleware`, flask-talisman's `Talisman(app)` or
    `talisman.init_app(app)`, whose `force_https` is on by default, Flask-SSLify's
    `SSLify(app)`, Flask's `@app.before_request`, Express's
    `app.use((req, res, next) => ...)`), or, for a Django route, settings that
    are not seen to allow the host `127.0.0.1` (`ALLOWED_HOSTS` read from the
    environment answers 400 to a probe of it) or that turn on
    `SECURE_SSL_REDIRECT` or `PREPEND_WWW`, wherever they set it (under `if not DEBUG:`,
    in a django-configurations class): the probe speaks plain http, and python3's urllib
    and wget follow a redirect to https, to a port that speaks no TLS, or to
    `www.127.0.0.1`, a host that does not resolve, and fail.
    So does what the deployment may change beyond the file: a file `docker
    compose` merges over it unasked that defines the service too (an override
    file, one the folder's `.env` names in `COMPOSE_FILE`, one an `include:`
    lists after this file, as in Compose's own example, where `app/compose.yaml`
    includes `path: [../commons/compose.yaml, ./commons-override.yaml]`; the
    including file is seen anywhere among the run's Compose files, and in this
    folder or the folder above, but not in a neighbouring folder the run does not
    cover: `hardenfix check commons/compose.yaml`, a pre-commit run given only
    the file), an HTTP proxy in
    the service's environment (python3's urllib, curl and wget would ask it for
    127.0.0.1 unless `no_proxy` lists that address), an image entrypoint script
    that runs before a command giving no port (it may export
    `GUNICORN_CMD_ARGS`), a server on `::` that binds it for IPv6 alone
    (uvicorn, `fastapi run`, aiohttp's `run_app`, waitress: `--listen=[::]:8080`;
    not `--listen=*:8080`, unless with `--no-ipv4`), hypercorn's `--server-name`, which
    answers 404 to a request for another host, a root path given to hypercorn, daphne or granian
    (`--root-path /api`, `--url-path-prefix`, `GRANIAN_URL_PATH_PREFIX`), which pass
    the path on as sent, and Quart answers 404 to one that does not begin with
    it (uvicorn puts it first, and is probed), a script's server on a host
    its code computes (`socket.gethostname()`), and a route served to one host
    alone (Flask's `host=` or `subdomain=`, on the route, its blueprint or the
    blueprint's registration; Sanic's `host=`). A socket set in the environment
    (`UVICORN_UDS`) or TLS (`GRANIAN_SSL_CERTIFICATE`) gives no probe, and a
    bind written before the application (`gunicorn -b 0.0.0.0:8000 main:app`)
    is not taken for it.
    The same goes for code wrapped around the application the process serves
    (`app = HTTPSRedirectMiddleware(api)`, `app = VersionedFastAPI(app)`,
    werkzeug's `app.wsgi_app = DispatcherMiddleware(...)`; not `ProxyFix`),
    host names set in code (Flask's `SERVER_NAME`, before 3.1, `TRUSTED_HOSTS` and
    `Flask(__name__, host_matching=True)`; Starlette's `Host(...)`), Django REST framework's
    `DEFAULT_PERMISSION_CLASSES` other than `AllowAny`, Django `MIDDLEWARE`
    other than Django's own (but `LoginRequiredMiddleware`) and harmless ones,
    Django settings that import a module of the project the code does not hold
    (`try: from .local_settings import *`, a file the deployment writes),
    aiohttp's `middlewares=`, Flask's `before_request_funcs` appended to,
    Sanic's `@app.on_request`, Litestar's `guards=`, `middleware=`,
    `before_request=`, `on_app_init=` or `allowed_hosts=` on the application,
    a router, a controller or the handler (not `dependencies=`, which Litestar
    runs only for a handler that asks for one) and a handler parameter a
    dependency or the request fills, Falcon's `App(middleware=[...])`,
    `add_middleware` and `@falcon.before` hooks, Bottle's `before_request`
    hooks and plugins (`app.install(...)`, `bottle.install(...)`, a route's
    `apply=`, `run(plugins=...)`), Tornado's `prepare()` on the handler or a
    base class, a base class of a Falcon or Tornado view not read, a Tornado
    route added for one host pattern (`add_handlers("api.example.com", ...)`),
    Flask-BasicAuth's `BASIC_AUTH_FORCE`, Flask-Limiter bound to the application
    (`Limiter(..., app=app)`, `limiter.init_app(app)`), whose default limits apply to every
    route but those `@limiter.exempt` and answer a probe every 30 seconds 429 once exceeded
    (`default_limits=["50 per hour"]`, its documentation's example, within 25 minutes), a
    decorator below the route's that wraps the view (`@limiter.limit("1/minute")`, a
    `@require_key` of the code's own; not `@limiter.exempt`, `@cross_origin()`, a cache's or
    documentation's), settings
    Flask reads at run time from a file (`app.config.from_file(...)`,
    `from_pyfile`, `from_envvar`) or from an
    environment that sets, or may set, `FLASK_SERVER_NAME` or
    `FLASK_TRUSTED_HOSTS` (`from_prefixed_env()`), a mount at the root
    before the route (`app.mount("/", StaticFiles(html=True))`), a FastAPI handler that
    needs a parameter no probe sends (`token: str`, `Header()`: 422), a handler
    that reads one itself (`request.args["token"]`: Flask answers 400), and a
    process that runs a module creating no application hardenfix reads (a
    factory's `wsgi.py`) where the code has several applications.
    A route registered only under a condition (`if settings.ENABLE_HEALTH:`,
    Django's `if settings.DEBUG: urlpatterns += [...]`, an `except` handler, a
    loop), or by a function that no module calls (`def add_health(): @app.get(...)`),
    may not be served, and is a guess too; one registered inside an application
    factory, on the application it makes, is not.
    A program that serves no application of the code (`python -m http.server`'s
    files, a streamlit script's page) serves none of its routes, and gets no
    probe of them. Django joins an include's route and its patterns' as they are
    written: `path("healthz", include(...))` over `path("", view)` is probed at
    `/healthz`.
    A view a route names is read where the code defines it: one that answers
    other methods alone (Django's `@require_POST`, a `MethodView` or
    `HTTPEndpoint` with `post` and no `get`, a Falcon resource without the
    `on_get` or `on_get_<suffix>` its route names, a Tornado handler without
    `get`, Bottle's `method="POST"`) serves no probe, and one that asks
    for credentials (`LoginRequiredMixin`, DRF's `permission_classes`, or in its
    body: `abort(401)`, `raise PermissionDenied`) gets none.
    A sub-application mounted under a
    prefix (`app.mount("/internal", sub)`, Starlette's `Mount("/api", app=sub)`,
    aiohttp's `app.add_subapp("/api/", api)` and `sub.add_routes(...)`) serves
    its routes there; one mounted from a call (`add_subapp("/api/",
    create_api())`, `Mount("/v1", app=WSGIMiddleware(flask_app))`; not static
    files or metrics) makes every route of the code a guess. A
    Sanic route's `version=1` serves it below `/v1`. A route below a prefix
    not written out (`include_router(router, prefix=settings.API_V1_STR)`,
    Django's `path(settings.API_PREFIX, include(...))` or `i18n_patterns(...)`,
    which puts the language code first) gets no probe: the path it is served
    at is not known. A route read from JavaScript is always a guess: Express,
    Fastify, Koa and Hono are read with patterns, which miss a prefix a plugin
    or sub-application adds, code commented out, and TLS or a redirect to
    https set up in other ways. One made of the module's string constants, `f"/api/{VERSION}"`,
    is known, unless the module sets one again, as from the environment
    (`API_PREFIX = os.environ.get("API_PREFIX", API_PREFIX)`).

    A script's port is read only from a call that starts its framework's
    server (`app.run("0.0.0.0", 8080)` of a Flask, Quart, Sanic or Bottle
    application, `bottle.run(...)`, Bottle's defaults being 8080 and its
    `server=` any HTTP one (not flup's FastCGI), `SocketIO.run`, waitress's
    `serve`, aiohttp's `web.run_app`, `uvicorn.run`, Tornado's
    `app.listen(options.port)` with `define("port", default=8888)`, which
    `--port=9000` sets where the script calls `parse_command_line()`,
    node's `listen(...)`), by position or keyword: another
    `run` (`asyncio.run`, `subprocess.run`) says nothing, a port passed in a
    way not read (`app.run(**settings)`) gives no probe, and a script that
    starts more than one server makes the fix unsafe. A server started with
    TLS (`uvicorn.run(..., ssl_certfile=...)`, `app.run(ssl_context=...)`,
    Sanic's `ssl=`, Tornado's `ssl_options=`, `uvicorn --ssl-certfile` or `UVICORN_SSL_CERTFILE` in its
    environment, `flask run --cert` or `FLASK_RUN_CERT`, node's
    `https.createServer(...)`) gets no probe: it answers none in plain http,
    on whatever port. Nor does a server told to speak another protocol there
    (gunicorn's `--protocol uwsgi`, for nginx's `uwsgi_pass`; granian's `--http 2`
    or `GRANIAN_HTTP=2`, HTTP/2 alone), or to listen on a socket or
    endpoint (daphne's `-e`, uvicorn's `--uds`), which replaces its port. A Dockerfile's
    `${APP_PORT}` is the build's, expanded from its `ARG`s, never written into
    the probe; a variable passed from the deploying shell (`--port
    ${PORT:-8000}` with `environment: [PORT]`) is, as `${PORT:-8000}`, which
    Compose fills in from the same shell.

    The healthcheck goes into the service's own mapping, and every service of
    the file that takes that mapping runs it too: one that merges it
    (`worker: {<<: *web, command: celery ...}`) or extends the service
    (`extends: web`), as compose-go resolves them. Where such a service would
    get another probe than this one, or none (a worker beside the web server
    whose mapping it reuses), the finding has no fix until that service has a
    healthcheck of its own (`disable: true` for none). Where it would get the
    same probe, its doubts are the fix's too; one that extends the service
    with a probe of its own takes the timing keys it lacks, and one another
    file extends (`extends: {file: ..., service: web}`) takes what is written
    here: the fix is then unsafe.

    Any fix is unsafe in a file that declares a legacy format without the
    keys it writes (`version: "3.3"` has no `start_period`, `"2.0"` no
    `healthcheck`): Compose v1 and `docker stack deploy` would refuse it.

    Projects describe their own images, or correct the built-in facts, in the
    `[images."repository"]` configuration (`tools`, `class`, `healthcheck`).

    Online (`--online`), the registry reads the image itself: the programs on
    its `PATH` are known for the digest its tag points at (a probe is safe
    for `postgres:latest` when `pg_isready` is in its layers), an image whose
    config has a `HEALTHCHECK` is left alone, and the image's `Cmd`,
    `Entrypoint` and `ExposedPorts` count where the Compose file and the
    Dockerfile set none (a Dockerfile built `FROM` a base whose `CMD` starts
    uvicorn on port 8080 is probed there).
    """

    code = "HF106"
    slug = "healthcheck-missing"
    kind = FileKind.COMPOSE
    category = Category.RELIABILITY
    summary = "Service without a healthcheck that its image or its own code can give it"
    fix_safety = FixSafety.SOMETIMES
    prefilter = b"services"
    changes = ("services.*.healthcheck",)

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        if document.is_override:
            return
        standard: list[tuple[int, Service, TagFacts, ProbeChoice]] = []
        from_facts: list[tuple[int, Service, ServiceFacts]] = []
        format_doubts = _legacy_format_doubts(document)
        for place, service, facts, image, choice in self._unprobed(document):
            if image is not None and choice is not None:
                doubts = facts.image_server_doubts()
                if doubts is None:
                    continue  # it runs another of the image's programs (`psql`), not the server probed
                through_proxy = proxied(service) if any("://" in word for word in choice.probe.test) else None
                merged = _merged_over(document, service)
                extra = tuple(filter(None, [through_proxy, merged]))
                choice = choice._replace(guesses=(*choice.guesses, *doubts, *format_doubts, *extra))
                standard.append((place, service, image, choice))
            elif _probed_by_its_code(facts):
                from_facts.append((place, service, facts))
        plan_probes_ahead([facts for _, _, facts in from_facts])
        planned = {service.name: planned_probe(facts) for _, service, facts in from_facts}
        probes = _Probes(document)
        for _, service, _, choice in standard:
            if not choice.unmet:
                probes.add(service, choice.probe.test, choice.guesses)
        for _, service, _ in from_facts:
            plan = planned[service.name]
            if plan.test is not None:
                probes.add(service, plan.test, _code_probe_doubts(document, service, plan, format_doubts))
        found: list[tuple[int, int, Finding]] = []
        for place, service, image, choice in standard:
            rank = _class_rank(image.image.service_class)
            found.append((rank, place, self._standard(document, service, image, choice, probes)))
        for place, service, facts in from_facts:
            finding, service_class = self._from_facts(document, service, facts, planned[service.name], probes)
            found.append((_class_rank(service_class), place, finding))
        for _, _, finding in sorted(found, key=lambda item: item[:2]):
            yield finding

    def read_ahead(self, document: ComposeDocument) -> bool:
        """The code of the services whose probes their code tells, read while the other rules
        check the file (PMOVES.AI's stack: 353 -> 312 ms)."""
        if document.is_override:
            return False
        reading = [
            facts
            for _, _, facts, _, choice in self._unprobed(document)
            if choice is None and _probed_by_its_code(facts)
        ]
        plan_probes_ahead(reading, other_work_first=True)
        return bool(reading)

    def _unprobed(
        self, document: ComposeDocument
    ) -> Iterator[tuple[int, Service, ServiceFacts, TagFacts | None, ProbeChoice | None]]:
        """The services without a healthcheck whose image reports none either, each with its
        place, its facts, its image's facts and the image's standard probe (None for none)."""
        for place, service in enumerate(document.services()):
            if not service.is_complete or service.get("healthcheck") is not None:
                continue
            if service.name in document.run_to_completion:
                continue  # a job: it exits, and has no health to report meanwhile
            facts = service_facts(document, service, self.knowledge)
            if facts.image_healthcheck is not None:
                continue  # its image reports its health without Compose's help
            image = facts.image
            choice = image.standard_probe(service.command_line()) if image is not None else None
            yield place, service, facts, image, choice

    def _standard(
        self, document: ComposeDocument, service: Service, facts: TagFacts, choice: ProbeChoice, probes: _Probes
    ) -> Finding:
        message = (
            f"{facts.image.service_class} service `{service.name}` has no healthcheck; "
            f"`{facts.image.repository}` has a standard probe"
        )
        span = document.span(service.key)
        if choice.unmet:
            return self.finding(document, *span, f"{message}, which {_unmet(choice.unmet, service)}")
        refusal, shared = probes.sharing(service)
        if refusal is not None:
            return self.finding(document, *span, f"{message} (not fixed: {refusal})")
        fix = self.fix(
            "Add the image's standard healthcheck",
            document.insert_entry(service.node, "healthcheck", _healthcheck(choice.probe.test)),
        )
        return self.finding(
            document, *span, message, fix, {"probe": f"{choice.probe.source}"}, (*choice.guesses, *shared)
        )

    def _from_facts(
        self, document: ComposeDocument, service: Service, facts: ServiceFacts, planned: PlannedProbe, probes: _Probes
    ) -> tuple[Finding, str]:
        """A probe of the health route the service's code defines, on the port its process
        listens on, with a tool its image has: safe when every fact is read from files."""
        span = document.span(service.key)
        # A port mentioned, or a server its script starts, is served, though which port the process
        # listens on may not be known; code in a language hardenfix does not read, or another
        # command than the one the image exposes its ports for, may serve on one it does not
        # see: no class is told.
        serves = (
            facts.port is not None
            or bool(facts.container_ports)
            or facts.starts_a_server
            or facts.speaks_tls is not None
            or facts.speaks_another_protocol is not None
            or facts.listens_on_a_socket is not None
        )
        may_serve = facts.code_unread or (facts.replaces_image_command and bool(facts.image_ports))
        service_class = "api" if serves else "" if may_serve else "worker"
        if not service.starts_without_a_profile:
            service_class = "diagnostic"  # started only on request
        evidence = facts.evidence()
        if planned.test is None:
            message = f"{service_class} service `{service.name}` has no healthcheck; {planned.reason}".lstrip()
            return self.finding(document, *span, message, facts=evidence), service_class
        assert facts.port is not None and facts.route is not None
        server = f"`{facts.launch.program}`" if facts.launch is not None and facts.launch.own_route else "its code"
        message = (
            f"{service_class} service `{service.name}` has no healthcheck; {server} serves "
            f"`{facts.route.path}` on port {facts.port.value}"
        )
        tool = facts.image.tool(planned.test[1]) if facts.image is not None else None
        if tool is not None:
            evidence["probe tool"] = f"{planned.test[1]} ({tool})"
        refusal, shared = probes.sharing(service)
        if refusal is not None:
            return self.finding(document, *span, f"{message} (not fixed: {refusal})", facts=evidence), service_class
        fix = self.fix(
            f"Add a healthcheck that requests `{facts.route.path}` with {planned.test[1]}",
            document.insert_entry(service.node, "healthcheck", _healthcheck(planned.test)),
        )
        doubts = (*probes.doubts_of(service), *shared)
        return self.finding(document, *span, message, fix, evidence, doubts), service_class


def _code_probe_doubts(
    document: ComposeDocument, service: Service, planned: PlannedProbe, format_doubts: tuple[str, ...]
) -> tuple[str | None, ...]:
    """What may make a probe of the service's own code fail where the service works."""
    return (*planned.guesses, *format_doubts, proxied(service), _merged_over(document, service))


class _Probes:
    """The probe planned for each service of the file that gets one, with its doubts, and
    what writing one into a service's own mapping does to the other services that take
    what is written there (`services_taking`)."""

    def __init__(self, document: ComposeDocument) -> None:
        self._document = document
        self._planned: dict[str, tuple[tuple[str, ...], tuple[str | None, ...]]] = {}

    def add(self, service: Service, test: tuple[str, ...], doubts: tuple[str | None, ...]) -> None:
        self._planned[service.name] = (test, doubts)

    def doubts_of(self, service: Service) -> tuple[str | None, ...]:
        return self._planned[service.name][1]

    def sharing(self, service: Service) -> tuple[str | None, list[str]]:
        """Why the service's probe must not be written into its mapping (another service
        takes it there and would run a probe that is not its own: a worker `<<: *web` with
        `command: celery ...`), or else the doubts of the other services that take it: the
        same probe, planned for each of them, or timing keys their own healthcheck lacks."""
        test, own = self._planned[service.name]
        takers = list(services_taking(self._document, service, "healthcheck"))
        shared: list[str] = []
        for taker in takers:
            other = taker.service
            if "disable" in taker.kept and _disabled(other):
                continue  # it keeps no healthcheck, whatever it takes
            if "test" in taker.kept:
                taken = [f"`{key}`" for key in _healthcheck(test) if key not in taker.kept]
                if taken:
                    shared.append(
                        f"service `{other.name}` {taker.how}, and its healthcheck would take the"
                        f" {', '.join(taken)} written here"
                    )
                continue
            planned = self._planned.get(other.name)
            if planned is None or planned[0] != test:
                return (
                    f"service `{other.name}` {taker.how} and would take this probe, which is not one for what it"
                    " runs: give it a healthcheck of its own first (`disable: true` for none)"
                ), []
            shared.extend(
                f"service `{other.name}` {taker.how} and takes the probe too: {doubt}"
                for doubt in planned[1]
                if doubt and doubt not in own
            )
        reached = {service.name, *(taker.service.name for taker in takers)}
        for file, extended in self._document.extended_by():
            if extended & reached:
                name = sorted(extended & reached)[0]
                shared.append(f"`{file}` extends `{name}`, whose healthcheck would take what is written here")
        return None, shared


def _disabled(service: Service) -> bool:
    """Its healthcheck says `disable: true`: Compose runs none, whatever else it merges."""
    entry = service.get("healthcheck")
    disable = lookup(entry.value, "disable") if entry is not None and isinstance(entry.value, MappingNode) else None
    return disable is not None and is_true(disable.value)


def _probed_by_its_code(facts: ServiceFacts) -> bool:
    """Whether a service without a standard probe gets one its code tells: it runs this
    checkout's code by a command hardenfix knows."""
    return facts.runs_code_of_this_checkout and facts.runs_a_known_command


def _healthcheck(test: tuple[str, ...]) -> dict[str, YamlValue]:
    return {
        "test": [json.dumps(word) for word in test],
        "interval": DEFAULT_TIMING.interval,
        "timeout": DEFAULT_TIMING.timeout,
        "retries": str(DEFAULT_TIMING.retries),
        "start_period": DEFAULT_TIMING.start_period,
    }


def _legacy_format_doubts(document: ComposeDocument) -> tuple[str, ...]:
    """Why the healthcheck written may make the file invalid: its declared legacy format
    has no `healthcheck` (2.0), or no `start_period` (2.1 to 2.2, 3.0 to 3.3)."""
    for key in ("healthcheck", "start_period"):
        version = document.legacy_format_without(key)
        if version is not None:
            return (legacy_format_reason(version, key),)
    return ()


def _merged_over(document: ComposeDocument, service: Service) -> str | None:
    override = document.override_defining(service)
    if override is None:
        return None
    return (
        f"`{override}` defines service `{service.name}` too, and `docker compose` merges it over this file:"
        " it may set another command, environment or port"
    )


def _unmet(needs: tuple[CommandOption, ...], service: Service) -> str:
    """Why the probe cannot be added yet: what it needs that the command lacks."""
    command = service.command_line()
    reasons = []
    for need in needs:
        if command is not None and need.set_in(command) is None:
            reasons.append(f"needs `{need}`, and its command loads a configuration file that may set it")
        else:
            reasons.append(f"needs `{need}` in its command: {need.why}")
    return "; ".join(reasons)


def _class_rank(service_class: str) -> int:
    order = SERVICE_CLASSES
    return order.index(service_class) if service_class in order else len(order)
