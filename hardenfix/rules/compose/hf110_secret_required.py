from __future__ import annotations

import enum
import functools
import os
import re
from collections import Counter
from collections.abc import Iterator
from functools import cached_property
from typing import NamedTuple

from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

from hardenfix import regexes
from hardenfix.facts.service import service_facts
from hardenfix.hosts import url_hosts
from hardenfix.knowledge import KnowledgeBase, parse_reference
from hardenfix.model import Category, Edit, FileKind, Finding, ValueChange
from hardenfix.rule import FixSafety, Rule, RuleOptions
from hardenfix.sources.compose import (
    ComposeDocument,
    Interpolation,
    InterpolationError,
    Service,
    Variable,
    entries,
    interpolate,
    iter_interpolations,
    iter_scalars,
    lookup,
)
from hardenfix.sources.text import line_around, line_number

_DEFAULTING = (":-", "-")
# The message sits inside `${NAME:?...}` in any YAML scalar style, so it must not
# close the interpolation, start another, end a quoted scalar, open a comment or
# split a flow collection.
_UNSAFE_MESSAGE_CHARACTERS = regexes.lazy(r"[}$\"'\\#,\[\]{}\r\n]|: ")
_WORDS = regexes.lazy(r"[A-Z0-9]+(?:_[A-Z0-9]+)*")
_NAME = regexes.lazy(r"[A-Z_][A-Z0-9_]*")
_COMPOUND_MINIMUM = 5
"""A secret word this long is also recognised at the end of a longer word (`PGPASSWORD`)."""


class Options(RuleOptions):
    secret_words: tuple[str, ...] = (
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PASSPHRASE",
        "SECRET",
        "TOKEN",
        "CREDENTIAL",
        "CREDENTIALS",
        "SALT",
        "APIKEY",
        "API_KEY",
        "ACCESS_KEY",
        "SECRET_KEY",
        "SECRET_KEY_BASE",
        "PRIVATE_KEY",
        "MASTER_KEY",
        "ENCRYPTION_KEY",
        "SIGNING_KEY",
        "LICENSE_KEY",
        "MINIO_ROOT_USER",
    )
    """What the name of a variable that holds a secret ends with (words joined by `_`).
    `MINIO_ROOT_USER` is MinIO's root access key, not only a user name."""
    setting_words: tuple[str, ...] = (
        "ALLOW",
        "DISABLE",
        "DISABLED",
        "ENABLE",
        "ENABLED",
        "REQUIRE",
        "REQUIRED",
        "USE",
        "SKIP",
        "IGNORE",
        "NO",
        "EMPTY",
        "RANDOM",
        "GENERATE",
        "MIN",
        "MAX",
    )
    """Words that, before the secret word, make the name a setting about the secret
    (`ALLOW_EMPTY_PASSWORD`, `MYSQL_RANDOM_ROOT_PASSWORD`, `MAX_TOKEN`)."""
    not_secrets: tuple[str, ...] = ("GOOGLE_APPLICATION_CREDENTIALS",)
    """Names that end like a secret but, by a well-known convention, hold something else
    (`GOOGLE_APPLICATION_CREDENTIALS` is the path of a key file)."""
    data_store_credentials: tuple[str, ...] = (
        # What data-store images document as the credentials they are started with, and
        # read at every start (each image's Docker Hub page and entrypoint), and libpq's client
        # variable. A client reads them too (lago-api's REDIS_PASSWORD), where an empty one may
        # mean a store that takes none: only a data store holding it makes its empty default a
        # safe fix.
        "POSTGRESQL_PASSWORD",  # bitnami/postgresql
        "PGPASSWORD",  # libpq: psql, pg_isready, pg_dump
        "MONGODB_ROOT_PASSWORD",  # bitnami/mongodb
        "MONGODB_PASSWORD",
        "REDIS_PASSWORD",  # bitnami/redis
        "VALKEY_PASSWORD",  # bitnami/valkey
        "RABBITMQ_PASSWORD",  # bitnami/rabbitmq
        "MINIO_ROOT_USER",  # minio/minio: the root access key
        "MINIO_ROOT_PASSWORD",
        "MINIO_ACCESS_KEY",  # minio/minio before RELEASE.2021-01-30
        "MINIO_SECRET_KEY",
        "CLICKHOUSE_PASSWORD",  # clickhouse/clickhouse-server
        "COUCHDB_PASSWORD",  # couchdb
        "INFLUXDB_ADMIN_PASSWORD",  # influxdb 1
        "MSSQL_SA_PASSWORD",  # mcr.microsoft.com/mssql/server
        "SA_PASSWORD",
        "ARANGO_ROOT_PASSWORD",  # arangodb
        "MEILI_MASTER_KEY",  # getmeili/meilisearch
        "QDRANT__SERVICE__API_KEY",  # qdrant/qdrant
    )
    """The variables through which data-store images take their own credentials, and clients
    of a store theirs."""
    initialisation_credentials: tuple[str, ...] = (
        # Read only to initialise the store's data, as each image's entrypoint does it:
        # docker-library/postgres 17/bookworm/docker-entrypoint.sh checks POSTGRES_PASSWORD
        # only `if [ -z "$DATABASE_ALREADY_EXISTS" ]`, as mysql's, mariadb's and mongo's do.
        "POSTGRES_PASSWORD",  # postgres, and images built on it (pgvector, timescaledb, postgis)
        "MYSQL_ROOT_PASSWORD",  # mysql, and mariadb's MYSQL_* equivalents
        "MYSQL_PASSWORD",
        "MARIADB_ROOT_PASSWORD",  # mariadb
        "MARIADB_PASSWORD",
        "MONGO_INITDB_ROOT_PASSWORD",  # mongo
        "RABBITMQ_DEFAULT_PASS",  # rabbitmq: the user created on a node's first boot
        "ELASTIC_PASSWORD",  # elasticsearch: the bootstrap password (deviantony/docker-elk README)
        "OPENSEARCH_INITIAL_ADMIN_PASSWORD",  # opensearchproject/opensearch
        "DOCKER_INFLUXDB_INIT_PASSWORD",  # influxdb 2
    )
    """Data-store credentials that images read only when they initialise their data: once it
    is, a stack may leave them unset."""
    message: str = "{name} is required"
    """The error Compose prints when the variable is unset; `{name}` is the variable."""

    def validate(self) -> None:
        for option, pattern, what in (
            ("secret_words", _WORDS, "words joined by `_`"),
            ("setting_words", _WORDS, "a word"),
            ("not_secrets", _NAME, "a variable name"),
            ("data_store_credentials", _NAME, "a variable name"),
            ("initialisation_credentials", _NAME, "a variable name"),
        ):
            for name in getattr(self, option):
                if not pattern.fullmatch(name.upper()) or (option == "setting_words" and "_" in name):
                    raise ValueError(f"{option.replace('_', '-')}: {name!r} is not {what}")
        if "{name}" not in self.message:
            raise ValueError("message must contain {name}")
        bad = _UNSAFE_MESSAGE_CHARACTERS.search(self.message.replace("{name}", "NAME"))
        if bad:
            raise ValueError(f"message cannot contain {bad.group()!r}: it is written inside ${{NAME:?...}}")

    @cached_property
    def _secret_phrases(self) -> tuple[tuple[str, ...], ...]:
        """Longest first, so that `SECRET_KEY_BASE` is preferred to `SECRET`."""
        return tuple(sorted((tuple(w.upper().split("_")) for w in self.secret_words), key=len, reverse=True))

    @cached_property
    def _compound_words(self) -> tuple[str, ...]:
        return tuple(p[0] for p in self._secret_phrases if len(p) == 1 and len(p[0]) >= _COMPOUND_MINIMUM)

    @cached_property
    def _upper(self) -> dict[str, frozenset[str]]:
        return {
            option: frozenset(word.upper() for word in getattr(self, option))
            for option in ("setting_words", "not_secrets", "data_store_credentials", "initialisation_credentials")
        }

    def secret(self, name: str) -> SecretName | None:
        """What the name says about the variable, when it names a secret (see the rule's docs)."""
        if name.upper() in self._upper["not_secrets"]:
            return None
        words = list(_words(name))
        while words and words[-1].isdigit():
            words.pop()  # `API_KEY_2` is a second key
        if words:
            last = words[-1]
            for word in self._compound_words:
                if last.endswith(word) and last != word:
                    words[-1:] = [last[: -len(word)], word]  # `PGPASSWORD` is `PG` + `PASSWORD`
                    break
        for phrase in self._secret_phrases:
            if tuple(words[-len(phrase) :]) == phrase:
                if self._upper["setting_words"] & set(words[: -len(phrase)]):
                    return None
                return SecretName(name, self._store(name.upper()), tuple(words[: -len(phrase)]))
        return None

    def _store(self, name: str) -> Store | None:
        if name in self._upper["data_store_credentials"]:
            return Store.EVERY_START
        return Store.INITIALISATION if name in self._upper["initialisation_credentials"] else None


class Store(enum.Enum):
    """When a data-store image reads a variable as its own credential."""

    EVERY_START = "every start"
    INITIALISATION = "initialisation"
    """Only to initialise its data (`POSTGRES_PASSWORD`)."""


class SecretName(NamedTuple):
    name: str
    store: Store | None
    """Whether, and when, a data-store image takes its own credential through the variable."""
    feature: tuple[str, ...] = ()
    """The words before the secret word: what the secret is for (`SMTP` in `SMTP_PASSWORD`)."""


class Default(enum.Enum):
    """What a default value written after `:-` is, by its shape."""

    CREDENTIAL = "a credential"
    EMPTY = "empty"
    PLACEHOLDER = "a placeholder"
    """`your-secret-key`, `<api key>`, `xxx`: a value to fill in, which no deployment uses."""
    FALLBACK = "another variable"
    NUMBER = "a number"
    DATA = "data"
    """A boolean, a duration, a URL, a path or a header name: never a credential."""


_NUMBER = regexes.lazy(r"[-+]?\d{1,10}(?:\.\d+)?")
"""A setting's number; a longer run of digits is a key (`ENCRYPTION_KEY:-000…000`)."""
_DATA = regexes.lazy(
    r"(?i:yes|no|true|false|on|off)"  # a boolean
    r"|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h|d|w))+"  # a duration
    r"|[A-Za-z][A-Za-z0-9+.-]*://.*"  # a URL
    r"|(?:/|\./|\.\./|~/).*"  # a path
    r"|(?:[\w-][\w.-]*/)+(?:[\w-][\w.-]*\.[A-Za-z0-9]{1,8})?"  # a relative path: `certs/jwt.pem`, `keys/`
    r"|[\w-][\w.-]*\.(?i:pem|key|crt|cer|cert|der|p12|pfx|jks|json|ya?ml|toml|ini|conf|txt|env|pub|asc|gpg)"  # a file
    r"|(?i:x-[a-z0-9]+(?:-[a-z0-9]+)*|authorization)",  # a header name
    re.DOTALL,
)
_UNSET_WORDS = frozenset(
    {
        *("none", "null", "nil", "unset", "not-set", "notset", "undefined", "disabled", "invalid", "unused"),
        *("n/a", "-", '""', "''", "user_provided", "user-provided"),
    }
)
"""Defaults that stand for "no value", as an empty one does: mailcow's `API_KEY:-invalid`
turns its API off; LibreChat's `user_provided` (its `.env.example`) has each user enter
their own key; kuma's `OIDC_RP_CLIENT_SECRET:-undefined` keeps Django's check for an empty
OIDC secret quiet in a development stack that does not use OIDC."""
_PLACEHOLDER = regexes.lazy(
    r"(?i)your[-_ ]?[a-z]|<[^>]*>|x{3,}|placeholder|replace[-_ ]?(?:me|with)|fill[-_ ]?(?:me|in)"
    r"|set[-_ ]?me\b|insert[-_ ]|\btodo\b|\.\.\."
)
"""A value to be replaced (`<your key>`, `REPLACE_WITH_KEY`, `insert-token-here`, `sk-...`);
not an insecure default a stack uses as it is (`changeme`), which the rule is for."""
_DUMMY_VALUES = frozenset(
    {
        *("ollama", "empty", "dummy", "fake", "mock", "lm-studio", "sk-no-key-required"),
        *("not-needed", "not_needed", "notneeded", "no-key", "nokey", "no_key"),
    }
)
"""Keys a local service takes and ignores, for a client that refuses none: an OpenAI-compatible
server's (Ollama's docs: `api_key='ollama',  # required but ignored`; vLLM's `EMPTY`;
llama.cpp's `sk-no-key-required`). A stack as documented never sets them."""


_VALUE_WORDS = regexes.lazy(r"[-_. ]+")


def _names_no_key(value: str) -> bool:
    """Whether a default says in words that it is no key: it starts with a word that stands
    for none (dd-trace-py's `DD_API_KEY-invalid_but_this_is_fine`), or it names an API key
    instead of being one (NVIDIA's `NVIDIA_API_KEY:-nvidiaapikey`, `openai-api-key`), which no
    provider issues."""
    words = [word for word in _VALUE_WORDS.split(value.lower()) if word]
    if len(words) > 1 and (words[0] in _UNSET_WORDS or words[0] in _DUMMY_VALUES):
        return True
    return "".join(words).endswith("apikey")


_SELF_VERIFIED_WORDS = frozenset({"JWT", "SESSION", "COOKIE", "CSRF", "NEXTAUTH", "ENCRYPTION", "SALT"})
"""Words that name a secret the stack signs, checks or encrypts with itself, which no provider
issues: a default the stack runs with is its key, whatever its words say (`JWT_SECRET:-dummy_jwt_secret`
signs every token with it, trigger.dev's `ENCRYPTION_KEY:-dummy-encryption-keeeey-32-bytes`
encrypts its stored secrets), unlike a provider's key a stack may run without (`DD_API_KEY`)."""
_SELF_VERIFIED_NAMES = frozenset(
    {
        *(("SECRET", "KEY"), ("SECRET", "KEY", "BASE"), ("APP", "SECRET"), ("APP", "SECRET", "KEY")),
        *(("AUTH", "SECRET"), ("BETTER", "AUTH", "SECRET"), ("SIGNING", "KEY"), ("HMAC", "SECRET"), ("HMAC", "KEY")),
        *((framework, "SECRET", "KEY") for framework in ("DJANGO", "FLASK", "QUART", "SENTRY", "SUPERSET")),
        ("AIRFLOW", "WEBSERVER", "SECRET", "KEY"),
    }
)
"""An application's own key, by the name its framework reads: Django's and Flask's `SECRET_KEY`
(and the `DJANGO_SECRET_KEY` a settings module passes on), Rails' `SECRET_KEY_BASE`, Symfony's
`APP_SECRET`, Auth.js' `AUTH_SECRET`, Better Auth's `BETTER_AUTH_SECRET`; not a provider's
`STRIPE_SECRET_KEY` or Slack's `SLACK_SIGNING_SECRET`, which the provider issues."""


_KEY_ISSUERS = frozenset({"FLW", "FLUTTERWAVE", "RAVE", "PAYU", "PAYUMONEY", "EASEBUZZ", "INSTAMOJO"})
"""Payment gateways that issue a merchant an encryption key or a salt beside its secret key
(Flutterwave's `FLW_ENCRYPTION_KEY`, PayU's `PAYU_MERCHANT_SALT` and PayUmoney's
`PAYUMONEY_SALT`, Instamojo's `INSTAMOJO_PRIVATE_SALT`): a stack may run without them,
payments off, as without `STRIPE_SECRET_KEY`."""


def _self_verified(name: str) -> bool:
    """Whether a secret's name says the stack itself signs or encrypts with it
    (`_SELF_VERIFIED_WORDS`, `_SELF_VERIFIED_NAMES`), rather than a provider that issues it
    (`_KEY_ISSUERS`)."""
    words = _words(name)
    if words and words[0] in _KEY_ISSUERS:
        return False
    return bool(_SELF_VERIFIED_WORDS & set(words)) or words in _SELF_VERIFIED_NAMES


_VARIABLE = regexes.lazy(r"\$[{A-Za-z_]")
_DEVELOPMENT_WORDS = (
    r"dev|devel|develop|development|debug|local|test|tests|testing|ci|e2e"
    r"|integration|cypress|playwright|sandbox|playground"
)
"""Words that name a stack for development or tests, or one to try things in: a Cypress or
Playwright suite's (`docker-compose.cypress.yml`), an integration test's, a sandbox's."""
_DEVELOPMENT_NAME = regexes.lazy(rf"(?i)(?:^|[._-])(?:{_DEVELOPMENT_WORDS})(?=[._-]|$)")


_DEVELOPMENT_FOLDER = regexes.lazy(
    rf"(?i)\.devcontainer|\.github|\.gitlab|\.circleci|(?:{_DEVELOPMENT_WORDS})(?:[-_]?(?:data|fixtures?))?"
)
"""A folder a development or test stack is kept in: its whole name, as a project's own
folder may be named anything (`dev-tools/compose.yaml` is a project's stack), or such a word
with the data or fixtures of the tests (NeMo-Agent-Toolkit's `test_data/`, Go's `testdata/`);
a CI service's folder (`.github/docker-compose.yml`) holds what its jobs start."""


def _development_stack(document: ComposeDocument) -> str | None:
    """What names the file a development or test stack, as the message shows it: its name
    (`docker-compose.dev.yml`, `compose.local.yaml`, `docker-compose.test.yml`,
    `docker-compose.cypress.yml`, `compose.sandbox.yaml`), its folder
    (`development/docker-compose.yml`, any file of a `.devcontainer` folder, which an editor
    starts for development, or of a CI service's `.github` folder) or the project `name:` it
    gives (lobe-chat's
    `lobe-chat-development`); else None."""
    location = document.location
    if location is not None:
        if _DEVELOPMENT_NAME.search(location.name.rsplit(".", 1)[0]):
            return location.name
        if _DEVELOPMENT_FOLDER.fullmatch(location.parent.name):
            return f"{location.parent.name}/{location.name}"
    project = lookup(document.root, "name") if isinstance(document.root, MappingNode) else None
    if project is not None and isinstance(project.value, ScalarNode) and "$" not in str(project.value.value):
        name = str(project.value.value)
        return f"name: {name}" if _DEVELOPMENT_NAME.search(name) else None
    return None


_RESERVED_HOST = regexes.lazy(
    r"(?i)(?<![a-z0-9-])(?:[a-z0-9-]+\.)*(?:example\.(?:com|net|org)|[a-z0-9-]+\.(?:example|test|invalid))(?![a-z0-9.-])"
    r"|[a-z0-9]-here(?:\.|$)"
)
"""A host kept for examples (RFC 2606: `example.com`, `*.test`, `*.invalid`), or one to fill in
(`my-smtp-server-here.com`)."""
_ADDRESS_WORDS = ("HOST", "HOSTNAME", "SERVER", "ADDRESS", "ADDR", "ENDPOINT", "URL", "URI")


def _is_placeholder_address(default: str) -> bool:
    """A host or URL default that reaches nothing: a reserved name (`smtp.example.com`), or
    none at all (`SMTP_HOST:-`)."""
    return _VARIABLE.search(default) is None and (
        not default.strip() or _RESERVED_HOST.search(default.strip()) is not None
    )


def _address_of(secret: str, placeholder_addresses: dict[str, str]) -> str | None:
    """The variable giving the address of what `secret` is the credential for (`SMTP_HOST` for
    `SMTP_PASSWORD`, `EMAIL_HOST` for `EMAIL_HOST_PASSWORD`), if its default is a placeholder."""
    words = secret.upper().split("_")
    for end in range(len(words) - 1, 0, -1):
        prefix = "_".join(words[:end])
        candidates = [prefix] if words[end - 1] in _ADDRESS_WORDS else []
        candidates += [f"{prefix}_{word}" for word in _ADDRESS_WORDS]
        found = next((name for name in candidates if name in placeholder_addresses), None)
        if found is not None:
            return found
    return None


_AWS_APIS = ("AWS", "S3", "SQS", "SNS", "SES", "DYNAMODB", "KINESIS")
_MAIL_APIS = ("SMTP", "MAIL", "EMAIL", "MAILER")
_EMULATORS: dict[str, tuple[str, ...]] = {
    # LocalStack's docs ("Credentials"): any access key is accepted, `test` by convention.
    "localstack/localstack": _AWS_APIS,
    "localstack/localstack-pro": _AWS_APIS,
    "motoserver/moto": _AWS_APIS,
    "amazon/dynamodb-local": _AWS_APIS,
    "adobe/s3mock": _AWS_APIS,
    "softwaremill/elasticmq": _AWS_APIS,
    "softwaremill/elasticmq-native": _AWS_APIS,
    # stripe/stripe-mock's README: any `sk_test_` key is accepted.
    "stripe/stripe-mock": ("STRIPE",),
    # Azurite and the Cosmos DB emulator take the one key Microsoft publishes for them.
    "mcr.microsoft.com/azure-storage/azurite": ("AZURE", "AZURITE"),
    "mcr.microsoft.com/cosmosdb/linux/azure-cosmos-emulator": ("AZURE", "COSMOS", "COSMOSDB"),
    "fsouza/fake-gcs-server": ("GCS", "GCP", "GOOGLE"),
    # Mail catchers: they keep every message, and take any SMTP login or none.
    "mailhog/mailhog": _MAIL_APIS,
    "axllent/mailpit": _MAIL_APIS,
    "maildev/maildev": _MAIL_APIS,
    "rnwood/smtp4dev": _MAIL_APIS,
    "schickling/mailcatcher": _MAIL_APIS,
}
"""Images of local emulators of a third party's service, with the words that name that service
in a variable: they take any credential, or one they publish, so a secret for what they emulate
has no value a stack that uses them keeps secret, and such a stack never sets it."""


class _Emulator(NamedTuple):
    service: str
    image: str
    apis: tuple[str, ...]


_BARE_HOST = regexes.lazy(r"([A-Za-z0-9][A-Za-z0-9._-]*)(?::\d+)?")


@functools.lru_cache(maxsize=4096)
def _hosts_named(value: str | None) -> frozenset[str]:
    """The hosts, lower case, a value names when its variables are unset: its URLs' hosts
    (`http://localstack:4566`), or all of it (`mailhog`, `mailhog:1025`). Asked of every
    value of every service using each secret, which repeat."""
    try:
        text = interpolate(value or "", {})
    except InterpolationError:
        return frozenset()
    hosts = {text[start:end].lower() for url in url_hosts(text) for start, end in url.spans}
    bare = _BARE_HOST.fullmatch(text.strip())
    return frozenset(hosts | {bare.group(1).lower()} if bare is not None else hosts)


def _emulators(document: ComposeDocument) -> dict[str, _Emulator]:
    """The emulators the file runs (`_EMULATORS`), by each name their service answers to on
    the network: its own, its `container_name`, its `hostname`."""
    found: dict[str, _Emulator] = {}
    for service in document.services():
        reference = parse_reference(service.image() or "")
        if reference is None:
            continue
        image = f"{reference.registry}/{reference.repository}" if reference.registry else reference.repository
        apis = _EMULATORS.get(image)
        if apis is None:
            continue
        emulator = _Emulator(service.name, image, apis)
        names = [service.name]
        for key in ("container_name", "hostname"):
            entry = service.get(key)
            if entry is not None and isinstance(entry.value, ScalarNode):
                names.append(str(entry.value.value))
        found.update((name.lower(), emulator) for name in names)
    return found


def _emulator_for(
    secret: SecretName, services: tuple[Service, ...], emulators: dict[str, _Emulator]
) -> _Emulator | None:
    """The emulator a secret is the credential of, as a service using it reaches one: through
    the secret's own address (`SMTP_HOST: ${SMTP_HOST:-mailhog}` for `SMTP_PASSWORD`,
    `AWS_ENDPOINT_URL` for `AWS_SECRET_ACCESS_KEY`), or, where it has none, through any value or
    `depends_on` of an emulator of what the secret's name says it is for (`STRIPE_SECRET_KEY`
    beside `STRIPE_API_BASE: http://stripe-mock:12111`). A secret whose own address names
    another host is that host's."""
    words = set(_words(secret.name))
    for service in services:
        own_address: set[str] = set()
        reached = {service.name.lower()}  # the emulator's own settings
        for name, variable in service.environment().items():
            hosts = _hosts_named(variable.value)
            reached |= hosts
            if name.upper() != secret.name.upper() and _is_address_of(_words(name), secret.feature):
                own_address |= hosts
        depends_on = service.get("depends_on")
        if depends_on is not None and isinstance(depends_on.value, (MappingNode, SequenceNode)):
            reached |= {str(node.value).lower() for node in _keys_or_items(depends_on.value)}
        candidates = [emulators.get(host) for host in sorted(own_address or reached)]
        found = next(
            (
                emulator
                for emulator in candidates
                if emulator is not None and (own_address or words & set(emulator.apis))
            ),
            None,
        )
        if found is not None:
            return found
    return None


def _is_address_of(words: tuple[str, ...], feature: tuple[str, ...]) -> bool:
    """Whether a variable of these words is the address of the feature (`SMTP_HOST` of `SMTP`,
    `AWS_ENDPOINT_URL` of `AWS`, `EMAIL_HOST` of `EMAIL_HOST`)."""
    if not feature or words[: len(feature)] != feature:
        return False
    rest = words[len(feature) :]
    return bool(set(rest) & set(_ADDRESS_WORDS)) or (not rest and feature[-1] in _ADDRESS_WORDS)


def _keys_or_items(collection: MappingNode | SequenceNode) -> list[ScalarNode]:
    if isinstance(collection, MappingNode):
        return [entry.key for entry in entries(collection)]
    return [item for item in collection.value if isinstance(item, ScalarNode)]


_COOLIFY_MAGIC = regexes.lazy(r"\bSERVICE_(?:FQDN|URL|USER|PASSWORD|PASSWORDWITHSYMBOLS|BASE64|REALBASE64|HEX)(?=_)")
"""The variables Coolify generates for a Compose file it deploys (`SERVICE_PASSWORD_DB`,
`SERVICE_FQDN_APP_3000`; coollabsio/coolify bootstrap/helpers/shared.php, `generateEnvValue`)."""


def classify_default(default: str) -> Default:
    if _VARIABLE.search(default.replace("$$", "")):
        return Default.FALLBACK
    value = default.strip()
    if not value or value.lower() in _UNSET_WORDS:
        return Default.EMPTY
    if _PLACEHOLDER.search(value) or value.lower() in _DUMMY_VALUES:
        return Default.PLACEHOLDER
    if _NUMBER.fullmatch(value):
        return Default.NUMBER
    if _DATA.fullmatch(value):
        return Default.DATA
    return Default.CREDENTIAL


def _resource_names(document: ComposeDocument) -> set[int]:
    """The scalars that name a volume, network, config or secret of the file (`name:
    ${VOLUME_API_KEY:-app_key}`): a name, never a secret, and another name is another
    resource, empty, where the data was."""
    names = set()
    for kind in ("volumes", "networks", "configs", "secrets"):
        section = lookup(document.root, kind) if isinstance(document.root, MappingNode) else None
        if section is None or not isinstance(section.value, MappingNode):
            continue
        for resource in entries(section.value):
            name = lookup(resource.value, "name") if isinstance(resource.value, MappingNode) else None
            if name is not None and isinstance(name.value, ScalarNode):
                names.add(id(name.value))
    return names


class _Use(NamedTuple):
    """How the services use one scalar."""

    variable: Variable | None
    """The environment variable the scalar is the value of."""
    profiles: tuple[str, ...] | None
    """The profiles gating every service that uses it; None when one always runs."""
    allows_empty: bool
    """A service using it says an empty credential is allowed."""
    services: tuple[Service, ...] = ()
    """The services whose definitions hold it."""


_UNUSED = _Use(None, (), False)
"""How the services use a scalar of an extension field none of them merges: not at all."""


def _never_runs(service: Service) -> bool:
    """Whether Compose starts no container of the service: `scale: 0`, `deploy.replicas: 0`."""
    scale = service.get("scale")
    deploy = service.get("deploy")
    replicas = (
        lookup(deploy.value, "replicas") if deploy is not None and isinstance(deploy.value, MappingNode) else None
    )
    return any(
        entry is not None and isinstance(entry.value, ScalarNode) and str(entry.value.value).strip() == "0"
        for entry in (scale, replicas)
    )


def _extension_scalars(document: ComposeDocument) -> set[int]:
    """The scalars under the file's extension fields (`x-backup-env:`), which Compose
    interpolates whether or not a service merges them."""
    return {
        id(scalar)
        for entry in entries(document.root)
        if str(entry.key.value).startswith("x-")
        for scalar in iter_scalars(entry.value)
    }


class SecretRequired(Rule):
    """
    ## What it does
    Finds interpolations of secret-like variables that fall back to a default
    (`${POSTGRES_PASSWORD:-pmoves}`, `${MINIO_ROOT_USER:-}`, `${API_TOKEN-x}`) and
    makes them required: `${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}`.
    `${API_TOKEN-x}` defaults only an unset variable, and becomes
    `${API_TOKEN?API_TOKEN is required}`: one set to an empty value keeps it.

    It looks wherever Compose interpolates: environment lists and maps,
    healthcheck tests, commands, URLs such as
    `postgres://app:${DB_PASSWORD:-x}@db/app`. A `$${VAR:-x}` is escaped for the
    container's shell and left alone; `${VAR:?...}` is already required. The
    `name` of a volume, network, config or secret is a name, never a secret
    (`${VOLUME_API_KEY:-app_key}`): another one would be another resource, and
    it is left alone.

    **Which names are secrets.** A name is split into words at `_`. It names a
    secret when it *ends* with a secret word (`secret-words`: `PASSWORD`, `PASS`,
    `SECRET`, `TOKEN`, `API_KEY`, `SECRET_KEY`, `MINIO_ROOT_USER`, …): then the secret
    is what the variable holds. A word after the secret word qualifies it, and the
    variable holds something else: `PASSWORD_MIN_LENGTH`, `TOKEN_TTL`,
    `JWT_SECRET_EXPIRY`, `SECRET_MANAGER_URL`, `DB_PASSWORD_PORT`, `API_KEY_HEADER`,
    `POSTGRES_PASSWORD_FILE` are not secrets. Trailing numbers do not count
    (`API_KEY_2`), and a long secret word may close a longer word (`PGPASSWORD`,
    `NGROK_AUTHTOKEN`). A setting word before the secret word (`setting-words`:
    `ALLOW`, `DISABLE`, `ENABLE`, `REQUIRE`, `USE`, `RANDOM`, `MAX`, …) makes the
    name a setting about the secret: `ALLOW_EMPTY_PASSWORD`,
    `MYSQL_RANDOM_ROOT_PASSWORD`. Names in `not-secrets` hold something else by
    convention: `GOOGLE_APPLICATION_CREDENTIALS` is a file's path. A variable that
    is the whole value of an environment variable named as a secret is a secret
    too: `DB_PASSWORD: ${APP_DB_CRED:-x}`.

    **Which defaults are credentials.** A default that is a boolean (`yes`,
    `false`), a duration (`30s`, `1h`), a URL, a path or a header name
    (`X-Api-Key`) is data, not a credential: not a finding. A number is reported
    without a fix, unless the variable is a data store's credential: a number is
    more often a setting than a password. A default that is another variable
    (`${API_KEY:-${OPENAI_API_KEY}}`) is reported without a fix: requiring the
    variable drops the fallback, which a deployment may be setting instead, and
    no `${...:?...}` keeps it (compose-go resolves a nested default even when the
    outer variable is set). A placeholder (`your-secret-key`,
    `<api key>`, `xxx`, `REPLACE_WITH_KEY`, `insert-token-here`, `sk-...`) and
    `none`, `null`, `unset`, `undefined`, `disabled` or `invalid` (mailcow's
    `API_KEY:-invalid` turns its API off), `user_provided` (LibreChat's word
    for a key each user enters), or a key a local OpenAI-compatible server
    takes and ignores (Ollama's `ollama`, vLLM's `EMPTY`, llama.cpp's
    `sk-no-key-required`, `not-needed`, `dummy`), are treated as an empty
    default: no deployment uses them as a credential; so, for a secret no data
    store of the file uses, are a value that starts with one of those words
    (dd-trace-py's `DD_API_KEY-invalid_but_this_is_fine`) and one that names an
    API key instead of being one (NVIDIA's `NVIDIA_API_KEY:-nvidiaapikey`,
    `openai-api-key`), but for a secret the stack signs or encrypts with itself
    (a `JWT`, `SESSION`, `COOKIE`, `CSRF`, `NEXTAUTH`, `ENCRYPTION` or `SALT`
    secret, the application's own `SECRET_KEY`, `DJANGO_SECRET_KEY`,
    `SECRET_KEY_BASE`, `APP_SECRET`, `AUTH_SECRET`, `BETTER_AUTH_SECRET`,
    `SIGNING_KEY` or `HMAC_SECRET`; not a payment gateway's encryption key or
    salt, Flutterwave's `FLW_ENCRYPTION_KEY`, PayU's `PAYU_MERCHANT_SALT`,
    Instamojo's `INSTAMOJO_PRIVATE_SALT`). A store's `dummy_password` is the
    password it runs with, a `dummy_jwt_secret` the key every token is signed
    with, and a `dummy-encryption-key` the key its data is encrypted with. An
    insecure default a stack uses as it is (`changeme`) is the rule's fix.

    **A data store's own credential** is a variable through which a data-store
    image takes the credential it is started with (`data-store-credentials`:
    `POSTGRES_PASSWORD`, `MYSQL_ROOT_PASSWORD`, `MARIADB_PASSWORD`,
    `MONGO_INITDB_ROOT_PASSWORD`, `RABBITMQ_DEFAULT_PASS`, `MINIO_ROOT_USER`,
    `MINIO_ROOT_PASSWORD`, `REDIS_PASSWORD`, `CLICKHOUSE_PASSWORD`,
    `ELASTIC_PASSWORD`, …, as each image documents them, and libpq's
    `PGPASSWORD`): the variable is named so, or is the whole value of an
    environment variable named so (`POSTGRES_PASSWORD: ${APP_DB_PASSWORD:-}`).
    Names that merely mention a store are not enough: `REDIS_SENTINEL_PASSWORD`
    and `MILVUS_PASSWORD` usually configure an optional alternative. Some images
    read their credential only to initialise their data
    (`initialisation-credentials`: `POSTGRES_PASSWORD`, `MYSQL_ROOT_PASSWORD`,
    `MARIADB_PASSWORD`, `MONGO_INITDB_ROOT_PASSWORD`, `RABBITMQ_DEFAULT_PASS`,
    `ELASTIC_PASSWORD`, …); others at every start (`MINIO_ROOT_PASSWORD`,
    `REDIS_PASSWORD`, `PGPASSWORD`, …). A data store holds such a credential when
    the variable is interpolated in the environment or the command of a service
    that runs a data store's server: an image the knowledge base classes as a data
    store, whose command it knows to start the server (not a `pg_dump` job on the
    postgres image, nor a shell script it cannot read), or one of Bitnami's data
    stores (`bitnami/postgresql`, `mongodb`, `redis`, `valkey`, `rabbitmq`) with
    no `entrypoint` and no command but its `run.sh`; clients of a store read the
    same names, also where they run in a store's image.

    ## Why is this bad?
    A default secret is a known secret: every deployment where the variable was
    forgotten runs with the password from the repository, and an empty default
    runs with no credential at all. Nothing warns anyone. With `:?` Compose
    refuses to start and names the missing variable.

    ## Example
    ```yaml
    services:
      db:
        image: postgres:16
        environment:
          POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pmoves}
    ```

    ## Use instead
    ```yaml
    services:
      db:
        image: postgres:16
        environment:
          POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}
    ```

    ## Fix safety
    Failing fast on a missing real secret is the intended hardening, and it is
    why the fix is safe: a deployment that sets the secret resolves it to exactly
    the value it had, and one that does not is running with a credential anyone
    can read (or none), which is what the fix exists to stop.

    Safe for a default that is a credential, and for an empty default of a data
    store's own credential read at every start, where a data store of the file
    holds it: the store is unprotected without it, or refuses to start. Unsafe:
    - an empty default (or a placeholder) of any other secret, such as a third
      party's API key in an application service: it usually marks an optional
      setting (one stack offered twelve alternative LLM providers, each
      `${X_API_KEY:-}`), and requiring it stops the stack for everyone who does
      not use it;
    - an empty default of a data store's credential that only services running no
      data store use (lago's `REDIS_PASSWORD: ${REDIS_PASSWORD:-}` in its API,
      beside a Redis without `requirepass`; `PGPASSWORD` in a client of a Postgres
      that trusts its clients, even a `pg_dump` job on the postgres image; a
      service whose command is not known to start its image's server counts as
      a client): a client may read an empty value as no credential,
      for a store that takes none, and requiring it stops a stack that works
      without one;
    - an empty default of a credential read only to initialise the store's data:
      once it is, the variable may be left unset (docker-elk's README says to
      remove `ELASTIC_PASSWORD` after the first start), and requiring it stops a
      working stack;
    - a default that is a credential, of a key pair's public half beside its
      secret half (`MINIO_ROOT_USER` beside `MINIO_ROOT_PASSWORD`, `S3_ACCESS_KEY`
      beside `S3_SECRET_KEY`): it names a user or a key ID, which a deployment may
      keep at its default once it sets the secret half (langfuse's stack marks only
      `MINIO_ROOT_PASSWORD` "CHANGEME"), and requiring it stops that stack. A key
      with no secret beside it is the whole credential, and an empty root user is
      no working deployment's (MinIO refuses to start with one): both stay safe;
    - an empty default where a service using it says an empty or random
      credential is wanted (`ALLOW_EMPTY_PASSWORD`,
      `MARIADB_RANDOM_ROOT_PASSWORD`, `POSTGRES_HOST_AUTH_METHOD: trust`);
    - any default used only by services gated by `profiles:`, or by a volume,
      config, secret or network that only such services use (a backup job's
      CIFS password): Compose interpolates the whole file, enabled or not, so
      requiring the variable would stop the stack for everyone who never
      enables that optional service. The empty profile gates too: Compose
      chooses it only when no other is chosen, so graphiti's Neo4j services
      (`profiles: [""]`) do not run under `docker compose --profile falkordb up`,
      which needs no `NEO4J_PASSWORD`;
    - any default in a file named as a development or test stack, or one to
      try things in (`docker-compose.dev.yml`, `docker-compose.develop.yml`,
      `compose.local.yaml`, `docker-compose.debug.yml`, `docker-compose.test.yml`,
      `docker-compose.integration.yml`, `docker-compose.cypress.yml`,
      `docker-compose.playwright.yml`, `compose.sandbox.yaml`,
      `docker-compose.playground.yml`),
      kept in a folder so named (`development/docker-compose.yml`, `e2e/compose.yaml`,
      one of the tests' data or fixtures, `test_data/` or `testdata/`: NeMo-Agent-Toolkit
      documents `docker compose -f test_data/docker-compose.services.yml up` with no
      `.env`; any file of a `.devcontainer` folder, or of a CI service's `.github`,
      `.gitlab` or `.circleci` folder) or giving such a project name (lobe-chat's
      `name: lobe-chat-development`):
      such a stack is made to start with the defaults it writes, even without
      an `.env` (karakeep's development stack says so), and requiring the
      secret stops it for everyone who has not set it;
    - a default in a setting that another YAML file of the folder resets or
      overrides (`MYSQL_ROOT_PASSWORD: !reset null`), or that a file merged over
      this one sets itself: an override file (`compose.override.yaml`), one the
      folder's `.env` lists in `COMPOSE_FILE`, a fragment of this file's
      services (a `docker-compose.prod.yml` whose `db` names no image, deployed
      with `-f docker-compose.yml -f docker-compose.prod.yml`), or one that an
      `include:` lists after this file (Compose's own example: `app/compose.yaml`
      includes `path: [../commons/compose.yaml, ./commons-override.yaml]`; the
      including file is seen anywhere among the run's Compose files, and in this
      folder or the folder above, but not in a neighbouring folder the run does
      not cover: `hardenfix check commons/compose.yaml`, a pre-commit run given
      only the file). A stack deployed
      with that file gives it another way (frappe_docker's secrets override reads
      the password from a file; DefectDojo's integration tests set their own
      key; a production overlay's `POSTGRES_PASSWORD: ${PROD_DB_PASSWORD}`),
      and Compose, which interpolates each file before it merges them, would
      stop it for want of the variable. One that takes the same variable with no
      default of its own (`${POSTGRES_PASSWORD}`, `${POSTGRES_PASSWORD:?...}`) gives
      it no other way, and the fix stays safe;
    - a default also written out where the same value is needed (baserow's
      `DATABASE_URL=postgresql://baserow:baserow@db` beside
      `${DATABASE_PASSWORD:-baserow}`, or an option of a command:
      `redis-server --requirepass redispass`), or written as a credential in a
      file the services are given (an `env_file`, or what a bind mount binds:
      a file, or the files directly in a folder of at most 20): an initdb
      script's `CREATE USER app PASSWORD 'apppass'`, a mounted `redis.conf`'s
      `requirepass`, an `env_file`'s `MARIADB_PASSWORD=`. A bind mount whose source
      is a variable binds the file its default names, or the one an env file of the
      folder sets it to (`.env`, or one made to be copied to it: libretime's
      `${LIBRETIME_CONFIG_FILEPATH:-./config.yml}`, which its `.env.dev` sets to
      `./dev/config.yml`, holding Icecast's `source_password: hackme`). So is one such
      a file fixes as a password hash (`name:$2a$...`: an htpasswd file, Elasticsearch's
      file realm `users`, Mosquitto's password file) for the user a service using the
      secret logs in as, which a variable of its environment ending in `USER`,
      `USERNAME` or `LOGIN` names (elastic/apm-server's system-test stack:
      `ELASTICSEARCH_USERNAME: ${KIBANA_ES_USER:-kibana_system_user}` beside a bcrypt
      hash of `changeme` for that user). A secret set in its place would not match it,
      and the stack works with the default alone;
    - a secret named for a service that runs only under a profile
      (`QDRANT_API_KEY` beside a `qdrant` service under `profiles: [qdrant]`,
      `WEAVIATE_API_KEY` beside the default store's `profiles: ["", weaviate]`):
      a stack that chooses another (dify's `VECTOR_STORE`) works without it;
    - the secret of a feature whose switch defaults to off
      (`LANGFUSE_S3_BATCH_EXPORT_ENABLED: ${...:-false}` beside
      `LANGFUSE_S3_BATCH_EXPORT_SECRET_ACCESS_KEY`), is set off in a service's
      environment (`S3_ENABLED: "false"`, `- DISABLE_SMTP=true`), or is set there
      by the deployment, whatever its default (`S3_ENABLED: ${S3_ENABLED:-true}`,
      `${S3_ENABLED}`), which may set it off: a stack that leaves it off works
      without the secret. A switch is a name with one of the words `ENABLE`,
      `ENABLED` or `USE`, off when false or empty, or `DISABLE` or `DISABLED`,
      off when true; its feature is the name without that word
      (`LAGO_USE_AWS_S3` is `LAGO_AWS_S3`, `ENABLE_S3` is `S3`), and the
      feature's secrets are those whose names start with its words
      (`LAGO_AWS_S3_SECRET_ACCESS_KEY`);
    - the secret of a remote implementation that a selector in a service using
      it leaves unchosen: a variable ending in `MODE`, `BACKEND`, `DRIVER`,
      `PROVIDER`, `TYPE`, `MAILER`, ... whose value when unset is a local choice
      (`local`, `none`, `log`, `console`, `file`, `memory`, ...), of storage
      (`STORAGE_BACKEND:-local` beside `S3_SECRET_ACCESS_KEY`), authentication
      (`AUTH_MODE:-none` beside `OIDC_CLIENT_SECRET`) or mail (Laravel's
      `MAIL_MAILER:-log` beside `MAIL_PASSWORD`). A secret named for the feature
      itself (`SESSION_SECRET` beside `SESSION_DRIVER: file`) may serve the local
      choice too, and keeps its safe fix;
    - a secret that no service that runs uses: one in an extension field no
      service merges, or in a service scaled to 0 (`scale: 0`,
      `deploy.replicas: 0`), which Compose interpolates all the same;
    - the secret of a service whose address defaults to none (`SMTP_HOST:-`)
      or to one kept for examples
      (`SMTP_PASSWORD:-test` beside `SMTP_HOST:-smtp.example.com`, RFC 2606's
      `example.com`, `*.test`, `*.invalid`, or `my-smtp-server-here.com`): what
      it configures is off until the address is set, and a stack that leaves
      it off works without the secret;
    - a secret of a library of services other files extend, where a Compose
      file of its folder or of the folder above extends only services that do
      not use it (`extends: {file: docker/common-services.yml, service: cache}`):
      Compose loads and interpolates all of an extended file, so requiring the
      secret stops that stack, which never runs what uses it;
    - the credential of an emulator the file runs (LocalStack, moto,
      DynamoDB Local, stripe-mock, Azurite, fake-gcs-server, MailHog,
      Mailpit, MailDev, ...), which takes any credential or one it publishes
      (LocalStack's `test`): a secret whose own address names the emulator
      (`AWS_ENDPOINT_URL: ${AWS_ENDPOINT_URL:-http://localstack:4566}` for
      `AWS_SECRET_ACCESS_KEY`, `SMTP_HOST: ${SMTP_HOST:-mailhog}`), or, with no
      address of its own, one named for what the emulator stands in for
      (`STRIPE_SECRET_KEY`) in a service that names the emulator in a value or
      waits for it (`depends_on`). A stack that uses the emulator never sets
      the secret. One whose own address names another host (`S3_ENDPOINT` on
      MinIO) is that host's, and keeps its safe fix.

    Whether a variable is a data store's credential, allowed empty, used only
    under profiles, left unchosen by a selector of a service using it, or has a
    default written out elsewhere is decided for the variable, from all its uses
    and defaults: fixing one use makes it required for all.

    No fix in a file deployed by Coolify, as its variables (`SERVICE_PASSWORD_DB`,
    `SERVICE_FQDN_APP`) show: Coolify reads `${X:?text}` as a required variable
    whose value is `text` (its `bootstrap/helpers/parsers.php`), so the fix would
    set the secret to the message.

    ## Options
    - `secret-words`: the words a secret's name ends with.
    - `setting-words`: words that, before the secret word, make a name a setting.
    - `not-secrets` (default `["GOOGLE_APPLICATION_CREDENTIALS"]`): names that are never secrets.
    - `data-store-credentials`: the variables through which data-store images take their credentials at every start
      (and clients of a store theirs: an empty default is a safe fix only where a data store of the file holds it).
    - `initialisation-credentials`: those through which they take them only to initialise their data.
    - `message` (default `"{name} is required"`): the error text written after `:?`.
    """

    code = "HF110"
    slug = "secret-required"
    kind = FileKind.COMPOSE
    category = Category.SECURITY
    summary = "Secret variable with an insecure default"
    fix_safety = FixSafety.SOMETIMES
    Options = Options
    prefilter = regexes.lazy(rb"\$\{[A-Za-z_][A-Za-z0-9_]*:?-")
    changes = ("**",)  # any interpolated string
    value_change = ValueChange.NONE

    def check(self, document: ComposeDocument) -> Iterator[Finding]:
        uses = self._uses(document)
        names = _resource_names(document)
        extension_scalars = _extension_scalars(document)
        found: list[tuple[int, int, Interpolation, _Use, Store | None]] = []
        placeholder_addresses: dict[str, str] = {}
        switched_off: dict[tuple[str, ...], str] = {}
        """The words of what a switch that is off, or may be, turns on (`LAGO_AWS_S3`) -> how."""
        for scalar in iter_scalars(document.root):
            if id(scalar) in names:
                continue
            use = uses.get(id(scalar)) or (_UNUSED if id(scalar) in extension_scalars else _Use(None, None, False))
            for start, interpolation in self._interpolations(document, scalar):
                if interpolation.operator in _DEFAULTING and _is_placeholder_address(interpolation.argument):
                    placeholder_addresses.setdefault(interpolation.name.upper(), interpolation.argument.strip())
                if interpolation.operator in _DEFAULTING:
                    feature = _feature_switched_off(interpolation.name, interpolation.argument)
                    if feature is not None:
                        switched_off.setdefault(
                            feature,
                            f"is off by default (`${{{interpolation.name}{interpolation.operator}"
                            f"{interpolation.argument}}}`)",
                        )
                secret = self.options.secret(interpolation.name)
                held_by = (
                    self.options.secret(use.variable.name)
                    if use.variable is not None and _is_whole_value(use.variable, interpolation)
                    else None
                )
                if secret is not None or held_by is not None:
                    stores = {name.store for name in (secret, held_by) if name is not None}
                    store = Store.EVERY_START if Store.EVERY_START in stores else next(iter(stores - {None}), None)
                    end = start + interpolation.end
                    found.append((start + interpolation.start, end, interpolation, use, store))
        # Only a file with secrets needs its services' switches (read from their facts).
        for feature, how in (_switched_off_by_values(document, self.knowledge) if found else {}).items():
            switched_off.setdefault(feature, how)
        # What one occurrence says of a variable holds for all: a fix at one of them makes it required everywhere.
        coolify = _COOLIFY_MAGIC.search(document.text)
        development = _development_stack(document)
        always_used = {interpolation.name for _, _, interpolation, use, _ in found if use.profiles is None}
        # A variable is a data store's credential if one use makes it one; one read only to
        # initialise the data may be left unset only if no other use (a client's URL) needs it.
        uses_by_store: dict[str, set[Store | None]] = {}
        for *_, interpolation, _, store in found:
            uses_by_store.setdefault(interpolation.name, set()).add(store)
        stores = {
            name: Store.INITIALISATION if kinds == {Store.INITIALISATION} else Store.EVERY_START
            for name, kinds in uses_by_store.items()
            if kinds - {None}
        }
        allowed_empty = {interpolation.name for _, _, interpolation, use, _ in found if use.allows_empty}
        secret_halves = {
            name
            for _, _, interpolation, use, _ in found
            for name in (interpolation.name, use.variable.name if use.variable is not None else None)
            if name is not None and _key_pair_prefix(name) is None and self.options.secret(name) is not None
        }
        held_by_stores = self._held_by_stores(document) if Store.EVERY_START in stores.values() else set()
        profiled_services = _profiled_services(document) if found else {}
        defaults = Counter(interpolation.argument for _, _, interpolation, _, _ in found)
        # A key another file of the folder resets (`KEY: !reset null`) is set some other way there.
        resets = _reset_in_other_files(document) if found else {}
        reset_in = {
            interpolation.name: setting[0]
            for _, _, interpolation, use, _ in found
            if use.variable is not None
            and (setting := resets.get(use.variable.name) or resets.get("environment")) is not None
            and not _takes_as_it_is(setting[1], interpolation.name)
        }
        emulated = self._emulated(document, found) if found else {}
        given_files = functools.cache(lambda: self._given_files(document))  # read once asked, for every default
        users: dict[str, tuple[Service, ...]] = {}
        defaults_of: dict[str, list[str]] = {}
        for _, _, interpolation, use, _ in found:
            users[interpolation.name] = (*users.get(interpolation.name, ()), *use.services)
            if interpolation.operator in _DEFAULTING:
                defaults_of.setdefault(interpolation.name, []).append(interpolation.argument)

        @functools.cache
        def decided_for(name: str) -> tuple[str | None, str | None, str | None]:
            """What the variable's uses decide together, once for all of them: a selector that
            leaves it unchosen, a default written out elsewhere, a library extended without it."""
            services = tuple(dict.fromkeys(users[name]))
            written_out = next(
                (
                    where
                    for default in dict.fromkeys(defaults_of[name])
                    if (where := self._written_out(document.text, default, defaults[default]))
                    or (where := _written_in_given_files(given_files(), default))
                ),
                None,
            ) or (_hashed_in_given_files(given_files(), _user_names(document, services)) if given_files() else None)
            return _not_selected(_words(name), services), written_out, _extended_without(document, services)

        for start, end, interpolation, use, _ in found:
            if interpolation.operator not in _DEFAULTING:
                continue
            name = interpolation.name
            profiles = None if name in always_used else use.profiles
            address = _address_of(name, placeholder_addresses)
            placeholder = (address, placeholder_addresses[address]) if address is not None else None
            words = _words(name)
            not_selected, written_out, extended_elsewhere = decided_for(name)
            switch = (
                next(
                    (
                        flag
                        for feature, flag in switched_off.items()
                        if len(words) > len(feature) and words[: len(feature)] == feature
                    ),
                    None,
                )
                or not_selected
            )
            unset_on_purpose = _unset_on_purpose(
                profiles=profiles,
                placeholder_address=placeholder,
                development=development,
                reset_in=reset_in.get(name),
                switched_off_by=switch,
                written_out=written_out,
                profiled_owner=_profiled_owner(name, profiled_services) if profiles is None else None,
                unused=profiles == (),
                emulator=emulated.get(name),
                extended_elsewhere=extended_elsewhere,
            )
            finding = self._finding(
                document,
                start,
                end,
                interpolation,
                stores.get(name),
                profiles,
                name in allowed_empty,
                name in held_by_stores,
                unset_on_purpose,
                _secret_half(name, secret_halves),
            )
            if finding is not None and coolify is not None and finding.fix is not None:
                finding = self.finding(
                    document,
                    start,
                    end,
                    f"{finding.message.partition(' (unsafe fix:')[0]} (no fix: this file uses Coolify's"
                    f" `{coolify.group()}_*` variables, and Coolify reads `${{{name}:?text}}` as a required"
                    " variable whose value is `text`, not as an error)",
                )
            if finding is not None:
                yield finding

    def _emulated(
        self, document: ComposeDocument, found: list[tuple[int, int, Interpolation, _Use, Store | None]]
    ) -> dict[str, _Emulator]:
        """The secrets that are the credentials of an emulator the file runs, by name, with it:
        one use that reaches it makes it one."""
        emulators = _emulators(document)
        emulated: dict[str, _Emulator] = {}
        for _, _, interpolation, use, _ in found:
            if not emulators or interpolation.name in emulated:
                continue
            secret = self.options.secret(interpolation.name)
            if secret is None and use.variable is not None:
                secret = self.options.secret(use.variable.name)
            emulator = _emulator_for(secret, use.services, emulators) if secret is not None else None
            if emulator is not None:
                emulated[interpolation.name] = emulator
        return emulated

    @staticmethod
    def _interpolations(document: ComposeDocument, scalar: ScalarNode) -> Iterator[tuple[int, Interpolation]]:
        start, end = document.span(scalar)
        source = document.text[start:end]
        if "${" in source:
            for interpolation in iter_interpolations(source):
                if "\n" not in source[interpolation.start : interpolation.end]:
                    yield start, interpolation

    def _finding(
        self,
        document: ComposeDocument,
        start: int,
        end: int,
        interpolation: Interpolation,
        store: Store | None,
        profiles: tuple[str, ...] | None,
        allows_empty: bool,
        held_by_a_store: bool,
        unset_on_purpose: str | None = None,
        secret_half: str | None = None,
    ) -> Finding | None:
        name, default = interpolation.name, interpolation.argument
        kind = classify_default(default)
        if kind is Default.NUMBER and store is not None:
            kind = Default.CREDENTIAL  # `MYSQL_ROOT_PASSWORD:-123456` is a weak password
        if kind is Default.CREDENTIAL and store is None and not _self_verified(name) and _names_no_key(default.strip()):
            # A data store's `dummy_password` is the password it runs with, a `dummy_jwt_secret` the key.
            kind = Default.PLACEHOLDER
        if kind is Default.DATA:
            return None
        if kind is Default.FALLBACK:
            message = (
                f"`{name}` falls back to another variable when unset (not fixed: requiring it drops that"
                " fallback, which a deployment may set instead; require one of them by hand)"
            )
            return self.finding(document, start, end, message)
        if kind is Default.NUMBER:
            message = (
                f"`{name}` falls back to the number `{default.strip()}`, which is more often a setting than a"
                " credential (not fixed: if it is a secret, it is a weak one; require it by hand)"
            )
            return self.finding(document, start, end, message)
        # `-` defaults only an unset variable: `?` then fails only on one, and a variable set
        # to an empty value keeps it, as it did.
        required_operator = ":?" if interpolation.operator == ":-" else "?"
        required = f"${{{name}{required_operator}{self.options.message.format(name=name)}}}"
        doubt = None
        if kind is Default.CREDENTIAL and secret_half is not None:
            message = (
                f"`{name}` falls back to a default written in this file: the public half of a key pair, beside"
                f" `{secret_half}`"
            )
            doubt = unset_on_purpose or (
                f"it names the pair's user or key ID, not its secret: a deployment may set `{secret_half}` alone"
                " and keep this default, and requiring it stops that stack"
            )
        elif kind is Default.CREDENTIAL:
            message = f"`{name}` falls back to a default written in this file: anyone who reads it knows the secret"
        else:
            if kind is Default.PLACEHOLDER:
                shown = f"a placeholder (`{default.strip()}`)"
            else:
                shown = f"`{default.strip()}`, which stands for no value" if default.strip() else "an empty value"
            message = f"`{name}` falls back to {shown}: the stack starts without the credential"
            if store is None:
                doubt = (
                    "such a default usually marks an optional setting, such as one of several"
                    " alternative providers, and requiring it stops the stack for everyone who leaves it unset"
                )
            elif allows_empty:
                doubt = "a service using it says an empty credential is allowed, so it may be left unset on purpose"
            elif store is Store.INITIALISATION and not profiles:  # else profiles say why
                doubt = "a data store reads it only to initialise its data, and once it has, a stack may leave it unset"
            elif store is Store.EVERY_START and kind is Default.EMPTY and not held_by_a_store and not profiles:
                doubt = (
                    "only services that run no data store use it, and an empty value may mean"
                    " no credential: a client of a store that takes none, such as a Redis without"
                    " `requirepass` or a Postgres that trusts its clients, and requiring it stops a stack"
                    " that works without one"
                )
        fix = self.fix(f"Require `{name}`", Edit.replace(start, end, required))
        return self.finding(document, start, end, message, fix, doubts=[doubt or unset_on_purpose])

    def _written_out(self, text: str, default: str, as_defaults: int) -> str | None:
        """Where a secret's default is written out as it is, as a URL's password
        (`postgresql://baserow:baserow@db`), a secret's value (`REDIS_PASSWORD=baserow`) or an
        option's in a command (`--requirepass redispass`, a healthcheck's `redis-cli -a redispass`):
        what needs the same value, and would keep the default. `as_defaults` says how often
        the file writes it as a secret's default, which the text holds anyway."""
        default = default.strip()
        if len(default) < 3 or any(character in default for character in "${}") or text.count(default) <= as_defaults:
            return None
        argument = None
        at = text.find(default)
        while at != -1:
            line_start, line_end = line_around(text, at, at)
            line = text[line_start:line_end]
            if f":{default}@" in line and (url := _URL_PASSWORD.search(line)) and url.group(1) == default:
                return f"a URL's password (`{url.group()}`)"
            assignment = _ASSIGNED_VALUE.match(line)
            if assignment and assignment.group(2) == default and self.options.secret(assignment.group(1)):
                return f"the value of `{assignment.group(1)}`"
            # `redis-server --requirepass redispass`, `redis-cli -a redispass ping`: said only if
            # nothing above is, as an option's value may be a user's name (`pg_isready -U acme`).
            after = at + len(default)
            if argument is None and not (after < len(text) and (text[after].isalnum() or text[after] in "_-")):
                argument = _OPTION_BEFORE.search(text, line_start, at)
            at = text.find(default, after)
        return f"an argument of a command (`{argument.group(1)} {default}`)" if argument is not None else None

    def _given_files(self, document: ComposeDocument) -> list[tuple[str, str]]:
        """The files of the checkout the file's services are given, with their text, by their path
        from the Compose file's folder: their `env_file`s, and what their bind mounts bind (a file,
        or the files directly in a folder of at most `_GIVEN_FOLDER_FILES`)."""
        location = document.location
        if location is None:
            return []
        folder = location.parent
        mounts = [mount for service in document.services() for mount in service.bind_mounts()]
        env_files = [
            env_file.path
            for service in document.services()
            if service.get("env_file") is not None
            for env_file in service_facts(document, service, self.knowledge).env_files()
            if env_file.path is not None
        ]
        sources = [folder / mount.source for mount in mounts if mount.source is not None]
        # A source written with a variable (`${CONFIG_PATH:-./config.yml}`) binds the file its
        # default names, or the one the folder's env files set it to (libretime's `.env.dev`
        # names `./dev/config.yml`): a path of the checkout when it starts with `.`.
        sources += [
            folder / source
            for mount in mounts
            if mount.source is None and "$" in mount.written
            for source in document.resolutions(mount.written)
            if source.startswith(".")
        ]

        def read() -> list[tuple[str, str]]:
            paths = dict.fromkeys(env_files)
            for source in sources:
                document.depends_on(source)
                if source.is_dir():
                    files = sorted(path for path in source.iterdir() if path.is_file())
                    if len(files) <= _GIVEN_FOLDER_FILES:
                        paths.update(dict.fromkeys(files))
                else:
                    paths[source] = None
            found = []
            for path in paths:
                document.depends_on(path)
                try:
                    if path.resolve() == location.resolve() or path.stat().st_size > _GIVEN_FILE_SIZE:
                        continue
                    text = path.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    continue
                found.append((os.path.relpath(path, folder).replace(os.sep, "/"), text))
            return found

        key = ("files given to the services", *map(str, env_files), *map(str, sources))
        return document.made_of_other_files(key, read)

    def _held_by_stores(self, document: ComposeDocument) -> set[str]:
        """The variables interpolated in the environment or the command of a service that runs a
        data store: that store takes its credential through them."""
        held: set[str] = set()
        for service in document.services():
            if not self._runs_a_data_store(document, service):
                continue
            command = service.get("command")
            scalars = [variable.node for variable in service.environment().values()]
            scalars += iter_scalars(command.value) if command is not None else ()
            for scalar in scalars:
                held.update(interpolation.name for _, interpolation in self._interpolations(document, scalar))
        return held

    def _runs_a_data_store(self, document: ComposeDocument, service: Service) -> bool:
        """Whether the service runs a data store's server: that of an image the knowledge base
        classes as a data store, as it knows the server to run (`pg_dump` on the postgres image
        is a client), or that of one of Bitnami's data stores, whose entrypoint sets the server
        up only for its own `run.sh`. Not when that is not known."""
        facts = service_facts(document, service, self.knowledge)
        if facts.image is not None and facts.image.image.service_class == "data":
            return facts.runs_image_server() is True
        image = document.base_image_of(service)
        reference = parse_reference(image) if image else None
        if reference is None or reference.repository not in _BITNAMI_DATA_STORES or service.get("build") is not None:
            return False
        command = service.command_words("command")
        return service.get("entrypoint") is None and (not command or command[0].endswith("/run.sh"))

    def _uses(self, document: ComposeDocument) -> dict[int, _Use]:
        """For each scalar node under `services`: how the services use it."""
        uses: dict[int, _Use] = {}
        for service in document.services():
            environment = {id(variable.node): variable for variable in service.environment().values()}
            allows_empty = _allows_empty_credential(service)
            service_profiles = () if _never_runs(service) else service.profiles or None
            for scalar in iter_scalars(service.node):
                key = id(scalar)
                earlier = uses.get(key)
                if earlier is None:
                    uses[key] = _Use(environment.get(key), service_profiles, allows_empty, (service,))
                    continue
                # A node another service shares (a merged `x-` mapping, an alias): used by both.
                if earlier.profiles is None or service_profiles is None:
                    profiles = None
                else:
                    profiles = tuple(dict.fromkeys((*earlier.profiles, *service_profiles)))
                uses[key] = _Use(
                    environment.get(key),
                    profiles,
                    allows_empty or earlier.allows_empty,
                    (*earlier.services, service),
                )
        for section in _RESOURCE_SECTIONS:
            resources = lookup(document.root, section)
            if resources is None or not isinstance(resources.value, MappingNode):
                continue
            for resource in entries(resources.value):
                users = [
                    service for service in document.services() if resource.key.value in _referenced(service, section)
                ]
                if not users or any(not service.profiles for service in users):
                    continue  # always interpolated and used, as a service without profiles is
                profiles = tuple(dict.fromkeys(profile for service in users for profile in service.profiles))
                for scalar in iter_scalars(resource.value):
                    uses[id(scalar)] = _Use(None, profiles, False)
        return uses


def _written_in_given_files(given_files: list[tuple[str, str]], default: str) -> str | None:
    """Where a file the services are given (an `env_file`, or one a bind mount binds, such as
    an initdb script or a `redis.conf`) writes a secret's default as a credential: after a
    word that names one (`PASSWORD 'ledger_pw'`, `requirepass s3cr3t`, `DB_PASSWORD=...`), or
    as a URL's password. What reads it there needs the same value, and keeps the default."""
    default = default.strip()
    if len(default) < 3 or any(character in default for character in "${}"):
        return None
    for shown, text in given_files:
        for start in _whole_word_places(text, default):
            line_start, line_end = line_around(text, start, start + len(default))
            url = _URL_PASSWORD.search(text, line_start, line_end)
            if _CREDENTIAL_WORD.search(text, line_start, start) or (url is not None and url.group(1) == default):
                return f"a credential in `{shown}` (line {line_number(text, line_start)})"
    return None


def _hashed_in_given_files(given_files: list[tuple[str, str]], users: set[str]) -> str | None:
    """Where a file the services are given holds the password hash of a user they log in as
    (Elasticsearch's file realm `users`, an htpasswd file, Mosquitto's `password_file`): the
    password is fixed there, whichever it is, and only the one it hashes logs in."""
    if not users:
        return None
    for shown, text in given_files:
        for entry in _PASSWORD_HASH_ENTRY.finditer(text):
            if entry.group(1) in users:
                return (
                    f"a password hash in `{shown}` (line {line_number(text, entry.start())}) for"
                    f" `{entry.group(1)}`, the user a service using it logs in as"
                )
    return None


def _user_names(document: ComposeDocument, services: tuple[Service, ...]) -> set[str]:
    """The values the services' environments give their user-name variables (`ELASTICSEARCH_USERNAME:
    ${KIBANA_ES_USER:-kibana_system_user}`), as Compose may resolve them."""
    return {
        value
        for service in services
        for variable in service.environment().values()
        if variable.value is not None and _USER_NAME_VARIABLE.search(variable.name)
        for value in document.resolutions(variable.value)
        if value
    }


_PASSWORD_HASH_ENTRY = regexes.lazy(r"(?m)^([\w.@-]+):(?:\$(?:2[abxy]?|apr1|1|5|6|7|argon2(?:id|i|d))\$|\{SHA\})\S+$")
"""`name:hash`, as htpasswd, Elasticsearch's file realm and Mosquitto write a user's password:
bcrypt (`$2a$`), Apache's MD5 (`$apr1$`), crypt's MD5 and SHA (`$1$`, `$5$`, `$6$`),
Mosquitto's PBKDF2 (`$7$`), Argon2, `{SHA}`."""
_USER_NAME_VARIABLE = regexes.lazy(r"(?i)(?:^|_)(?:USER|USERNAME|USER_NAME|LOGIN)$")


def _whole_word_places(text: str, word: str) -> Iterator[int]:
    """Where `word` stands in `text` with no letter, digit, `_` or `-` on either side: found
    with `str.find`, as a pattern would be compiled for each secret's default."""
    start = text.find(word)
    while start != -1:
        end = start + len(word)
        if not (start and _is_word_character(text[start - 1])) and not (
            end < len(text) and _is_word_character(text[end])
        ):
            yield start
        start = text.find(word, start + 1)


def _is_word_character(character: str) -> bool:
    return character.isalnum() or character in "_-"


_CREDENTIAL_WORD = regexes.lazy(
    r"(?i)pass(?:word|wd|phrase)?|secret|token|credential|(?:api|access|private|master|secret)[-_ ]?key"
    r"|requirepass|masterauth|identified[ \t]+by"
)
"""A word after which a file writes a credential (SQL's `PASSWORD '...'` and `IDENTIFIED BY`,
Redis's `requirepass`, `DB_PASSWORD=`, `"password": `)."""
_GIVEN_FOLDER_FILES = 20
"""A bound folder with more files is an application's tree, not its settings or initdb scripts."""
_GIVEN_FILE_SIZE = 256 * 1024
_URL_PASSWORD = regexes.lazy(r"://[^/\s:@]*:([^/\s@]*)@")
_OPTION_BEFORE = regexes.lazy(r"(?m)(?:^|(?<=[\s\"'\[,]))(--?[A-Za-z][\w-]*)[ =][\"']?\Z")
"""An option right before a value (`--requirepass `, `-a `, `--password="`), searched in a
line up to the value."""
_ASSIGNED_VALUE = regexes.lazy(
    r"[ \t]*(?:-[ \t]*)?[\"']?([A-Za-z_][A-Za-z0-9_]*)[ \t]*[=:][ \t]*[\"']?(.*?)[\"']?[ \t]*$"
)
"""A line setting a variable (`KEY: value`, `- KEY=value`): its name and its value."""
_SET_VARIABLE = regexes.lazy(r"(?m)^[ \t]*(?:-[ \t]*)?[\"']?([A-Z_][A-Z0-9_]*)[\"']?[ \t]*(?::[ \t]|:$|=)(.*)$")
"""An environment variable set in a mapping (`KEY: value`) or a list (`- KEY=value`)."""
_SWITCH_WORDS = {"ENABLE": True, "ENABLED": True, "USE": True, "DISABLE": False, "DISABLED": False}
"""Words that make a variable a switch (`LANGFUSE_S3_BATCH_EXPORT_ENABLED`, `LAGO_USE_AWS_S3`,
`DISABLE_SMTP`), each with whether a true value switches the feature on."""
_TRUE = frozenset({"1", "yes", "true", "on"})
_RESET = regexes.lazy(r"(?m)^[ \t]*([A-Za-z_][A-Za-z0-9_.-]*)[ \t]*:[ \t]*!(?:reset|override)\b")


@functools.lru_cache(maxsize=4096)
def _words(name: str) -> tuple[str, ...]:
    """A variable's words, upper case: `lago_use_aws_s3` is LAGO, USE, AWS, S3. Asked of each
    variable of a service for each secret it uses."""
    return tuple(word for word in name.upper().split("_") if word)


_KEY_IDENTIFIERS = (("USER",), ("ACCESS", "KEY"))
"""How the public half of a key pair ends: MinIO's `MINIO_ROOT_USER` (beside
`MINIO_ROOT_PASSWORD`), an access key ID (`S3_ACCESS_KEY` beside `S3_SECRET_KEY`)."""


def _key_pair_prefix(name: str) -> tuple[str, ...] | None:
    """The words both halves of a key pair start with, when `name` is its public half
    (`MINIO_ROOT_USER`: MINIO, ROOT); None for any other name, and for the secret half
    (`AWS_SECRET_ACCESS_KEY`)."""
    words = _words(name)
    for identifier in _KEY_IDENTIFIERS:
        prefix = words[: -len(identifier)]
        if words[-len(identifier) :] == identifier and prefix and prefix[-1] != "SECRET":
            return prefix
    return None


def _secret_half(name: str, secret_halves: set[str]) -> str | None:
    """The secret beside which `name` is the public half of a key pair, if the file uses one."""
    prefix = _key_pair_prefix(name)
    if prefix is None:
        return None
    return next(
        (
            other
            for other in sorted(secret_halves)
            if len(words := _words(other)) > len(prefix) and words[: len(prefix)] == prefix
        ),
        None,
    )


def _switch(name: str) -> tuple[tuple[str, ...], bool] | None:
    """The words of the feature a switch turns on, and whether a true value turns it on: the
    switch's name without its switch word (`LAGO_USE_AWS_S3`: `LAGO_AWS_S3`, `ENABLE_S3`:
    `S3`, `DISABLE_SMTP`: `SMTP`, off when true); None for any other variable, and for a
    switch that names no feature (a bare `ENABLED`), which would otherwise switch off every
    secret."""
    words = _words(name)
    switch_words = [word for word in words if word in _SWITCH_WORDS]
    feature = tuple(word for word in words if word not in _SWITCH_WORDS)
    if len(switch_words) != 1 or not feature:
        return None
    return feature, _SWITCH_WORDS[switch_words[0]]


def _feature_switched_off(switch: str, value: str) -> tuple[str, ...] | None:
    """The words of the feature a switch turns on (see `_switch`), when `value` (its default,
    or the value it is set to) is off (`LAGO_USE_AWS_S3:-false`, `DISABLE_SMTP:-true`)."""
    found = _switch(switch)
    if found is None:
        return None
    feature, on_when_true = found
    return feature if value.strip().lower() in (_FALSE if on_when_true else _TRUE) else None


def _switched_off_by_values(document: ComposeDocument, knowledge: KnowledgeBase) -> dict[tuple[str, ...], str]:
    """The features a service's environment switches off, or lets the deployment switch off,
    each with how: the words of the feature -> the setting. A plain value says (`S3_ENABLED:
    "false"`, `- DISABLE_SMTP=true`, or one in an `env_file`); one the deployment gives is
    its to set, whatever its default (`S3_ENABLED: ${S3_ENABLED:-true}`, `${S3_ENABLED}`, a
    bare `- S3_ENABLED` passed from its shell), and a stack that sets it off works without
    the feature's secrets."""
    switched_off: dict[tuple[str, ...], str] = {}
    for service in document.services():
        for name, value in _environment_values(document, service, knowledge).items():
            if value is not None and "$" not in value:
                feature = _feature_switched_off(name, value)
                how = f"is off (`{name}` is `{value.strip()}`)"
            else:
                switch = _switch(name)
                feature = switch[0] if switch is not None else None
                given = f"`{value.strip()}`" if value is not None else "from its shell"
                how = f"may be off: the deployment sets `{name}` ({given})"
            if feature is not None:
                switched_off.setdefault(feature, how)
    return switched_off


_SELECTOR_WORDS = frozenset(
    {"MODE", "BACKEND", "DRIVER", "PROVIDER", "TYPE", "MAILER", "ADAPTER", "TRANSPORT", "METHOD", "STRATEGY"}
)
"""Words that end the name of a variable choosing among a feature's implementations
(`STORAGE_BACKEND`, `MAIL_MAILER`, `AUTH_MODE`)."""
_LOCAL_CHOICES = frozenset(
    {"none", "off", "disabled", "local", "log", "console", "file", "files", "filesystem", "fs", "disk"}
    | {"memory", "inmemory", "in-memory", "noop", "null", "array"}
)
"""Choices that use no remote service, and so none of its credentials: Laravel's `MAIL_MAILER=log`,
Django's console e-mail backend, local file storage, no authentication."""
_REMOTE_PROVIDERS = {
    frozenset({"STORAGE", "FILE", "FILES", "UPLOAD", "UPLOADS", "MEDIA", "BLOB"}): frozenset(
        {"S3", "AWS", "GCS", "AZURE", "MINIO", "R2", "B2", "SWIFT", "SPACES"}
    ),
    frozenset({"AUTH", "LOGIN", "SSO"}): frozenset(
        {"OIDC", "OAUTH", "OAUTH2", "OPENID", "LDAP", "SAML", "KEYCLOAK", "AUTH0", "OKTA", "AUTHENTIK"}
    ),
    frozenset({"MAIL", "EMAIL", "SMTP"}): frozenset(
        {"SMTP", "MAIL", "EMAIL", "MAILGUN", "SENDGRID", "POSTMARK", "SES", "MAILJET", "RESEND", "BREVO"}
    ),
}
"""The remote implementations a selector of a feature so named may choose, by the word their
secrets' names start with (`S3_SECRET_ACCESS_KEY` for a `STORAGE_BACKEND`; `MAIL_PASSWORD`, the
SMTP server's, for Laravel's `MAIL_MAILER`). A secret named for the feature itself may serve a
local choice too (`SESSION_SECRET` for `SESSION_DRIVER=file`, `AUTH_SECRET` for local accounts)."""


def _not_selected(secret_words: tuple[str, ...], services: tuple[Service, ...]) -> str | None:
    """How a selector of a service using the secret leaves what it is for unchosen: one whose
    value when unset is a local choice (`STORAGE_BACKEND: ${STORAGE_BACKEND:-local}` beside
    `S3_SECRET_ACCESS_KEY`, `MAIL_MAILER: log` beside `MAIL_PASSWORD`), of a feature whose
    remote implementation the secret's name starts with (`_REMOTE_PROVIDERS`)."""
    for service in services:
        for name, variable in service.environment().items():
            words = _words(name)
            if len(words) < 2 or words[-1] not in _SELECTOR_WORDS:
                continue
            choice = _default_value(variable.value).strip()
            if choice.lower() not in _LOCAL_CHOICES or "$" in choice:
                continue
            feature = set(words[:-1])
            remote = {word for kinds, providers in _REMOTE_PROVIDERS.items() if kinds & feature for word in providers}
            if secret_words[0] in remote:
                shown = f"`{variable.value.strip()}`" if variable.value else "unset"
                return f"is not chosen (`{name}` is {shown}, a local choice)"
    return None


def _environment_values(document: ComposeDocument, service: Service, knowledge: KnowledgeBase) -> dict[str, str | None]:
    """The service's environment as written, with what its `env_file`s and the Dockerfile it
    builds (`ENV`) set, where it has either; None for a variable passed from the deploying
    shell."""
    if service.get("env_file") is None and service.get("build") is None:
        return {name: variable.value for name, variable in service.environment().items()}
    environment = service_facts(document, service, knowledge).environment
    return {**{name: fact.value for name, fact in environment.items()}, **dict.fromkeys(environment.from_shell)}


def _unset_on_purpose(
    *,
    profiles: tuple[str, ...] | None,
    placeholder_address: tuple[str, str] | None,
    development: str | None,
    reset_in: str | None,
    switched_off_by: str | None,
    written_out: str | None,
    profiled_owner: tuple[str, tuple[str, ...]] | None,
    unused: bool = False,
    emulator: _Emulator | None = None,
    extended_elsewhere: tuple[str, frozenset[str]] | None = None,
) -> str | None:
    """Why a stack that works may leave the variable unset, the first that holds: what makes
    requiring it an unsafe fix."""
    reasons = [
        profiles
        and (
            f"only services under profile {_profile_names(profiles)} use it, but Compose"
            " interpolates every service, so requiring it stops the stack for everyone who does not"
            " enable that profile"
        ),
        placeholder_address
        and (
            f"`{placeholder_address[0]}` defaults to "
            + (f"`{placeholder_address[1]}`, a placeholder address" if placeholder_address[1] else "no address")
            + ", so what it configures is off until it is set, and requiring the secret stops the stack for"
            " everyone who leaves it off"
        ),
        development
        and (
            f"`{development}` names a development or test stack, which is made to start with the"
            " defaults it writes; requiring the secret stops it for everyone who has not set it"
        ),
        reset_in
        and (
            f"`{reset_in}` sets or resets the setting that uses it, so a stack deployed with that file"
            " merged over this one gives it another way, and Compose, which interpolates each file"
            " before it merges them, would stop it for want of a variable it no longer needs"
        ),
        switched_off_by
        and (
            f"what the secret is for {switched_off_by}: requiring the secret stops the stack for"
            " everyone who leaves it off"
        ),
        written_out
        and (
            f"its default is also written out as {written_out}, which a secret set in its place would no"
            " longer match: the stack works with the default alone"
        ),
        profiled_owner
        and (
            f"it is named as the secret of `{profiled_owner[0]}`, which runs only under profile"
            f" {_profile_names(profiled_owner[1])}: a stack that uses another (dify's"
            " `VECTOR_STORE`) works without it"
        ),
        unused
        and (
            "no service that runs uses it, but Compose interpolates the whole file, an extension field no service"
            " merges and a service scaled to 0 alike: requiring it stops the stack for a secret nothing reads"
        ),
        emulator
        and (
            f"it is the credential of `{emulator.service}`, an emulator (`{emulator.image}`) that takes any"
            " credential or one it publishes: a stack that uses it never sets the secret, and requiring it"
            " stops that stack"
        ),
        extended_elsewhere
        and (
            f"`{extended_elsewhere[0]}` extends only {', '.join(f'`{s}`' for s in sorted(extended_elsewhere[1]))}"
            " from this file, none of which uses it, but Compose interpolates all of an extended file:"
            " requiring the secret stops that stack for a secret it never uses"
        ),
    ]
    return next((reason for reason in reasons if reason), None)


def _extended_without(document: ComposeDocument, users: tuple[Service, ...]) -> tuple[str, frozenset[str]] | None:
    """A file that extends services of this one, none of which is, or extends in this file, one
    of `users`, with those it extends: a stack that runs none of them."""
    if not users:
        return None
    services = {service.name: service for service in document.services()}
    using = {service.name for service in users}
    for file, extended in document.extended_by():
        lineages = {base.name for name in extended if name in services for base in services[name].lineage()}
        if not lineages & using:
            return file, extended
    return None


def _profile_names(profiles: tuple[str, ...]) -> str:
    """`a`, `b`; the empty name as what it means: the profile chosen when none is."""
    return ", ".join(
        '`""` (chosen when no profile is given)' if profile == "" else f"`{profile}`" for profile in profiles
    )


def _profiled_services(document: ComposeDocument) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The services that run only under profiles, by their name written as a variable's
    words are (`pgvecto-rs` as `PGVECTO_RS`), with their profiles; none whose name a
    service that always runs shares."""
    profiled: dict[str, tuple[str, tuple[str, ...]]] = {}
    always: set[str] = set()
    for service in document.services():
        written = re.sub(r"[^A-Z0-9]+", "_", service.name.upper())
        if service.profiles:
            profiled.setdefault(written, (service.name, service.profiles))
        else:
            always.add(written)
    return {written: owner for written, owner in profiled.items() if written not in always}


def _profiled_owner(
    secret: str, profiled: dict[str, tuple[str, tuple[str, ...]]]
) -> tuple[str, tuple[str, ...]] | None:
    """The profiled service a secret is named for (`QDRANT_API_KEY`: `qdrant`), the longest
    match of its leading words."""
    words = secret.upper().split("_")
    return next(
        (profiled[prefix] for end in range(len(words) - 1, 0, -1) if (prefix := "_".join(words[:end])) in profiled),
        None,
    )


def _reset_in_other_files(document: ComposeDocument) -> dict[str, tuple[str, str]]:
    """The keys that another YAML file of the file's folder resets or overrides (`KEY: !reset
    null`, `environment: !override`), or that a file merged over this one sets itself (an
    override file, `compose.override.yaml`, a fragment of its services: a
    `docker-compose.prod.yml` deployed with `-f`, or one an `include:` of the run's Compose
    files, or of one in its folder or the folder above, merges over it), each
    with the file's name and what it writes after the key: a file merged over this one, which
    then sets what they configured another way (frappe_docker's `compose.mariadb-secrets.yaml`
    gives the database password as a secret file; DefectDojo's integration-test override sets
    its own `DD_SECRET_KEY`; a production overlay `POSTGRES_PASSWORD: ${PROD_DB_PASSWORD}`)."""
    reset: dict[str, tuple[str, str]] = {}
    for name, text in document.other_files_of_folder():
        # the words first: a folder of hundreds of Compose files scans each for every other
        if "!reset" not in text and "!override" not in text:
            continue
        for match in _RESET.finditer(text):
            reset.setdefault(match.group(1), (name, ""))
    for name, text in document.files_merged_over():
        for match in _SET_VARIABLE.finditer(text):
            reset.setdefault(match.group(1), (name, match.group(2)))
    return reset


def _takes_as_it_is(value: str, name: str) -> bool:
    """Whether a value takes the variable with no default of its own (`${NAME}`,
    `${NAME:?...}`): a file merged over another that sets a setting so gives it no other way,
    and a deployment of it that leaves the variable unset has no value to lose."""
    return any(
        interpolation.name == name and interpolation.operator in ("", ":?", "?")
        for interpolation in iter_interpolations(value)
    )


_BITNAMI_DATA_STORES = frozenset(
    {"bitnami/postgresql", "bitnami/mongodb", "bitnami/redis", "bitnami/valkey", "bitnami/rabbitmq"}
)
"""Bitnami's data stores that take a credential `data-store-credentials` lists (each image's
README): their entrypoint (bitnami/containers bitnami/redis/7.0/debian-11/rootfs/opt/bitnami/
scripts/redis/entrypoint.sh) sets the server up, with it, only when the command names its
`run.sh`, then runs the command as given."""


_RESOURCE_SECTIONS = ("volumes", "configs", "secrets", "networks")
"""Top-level sections whose entries services name: a variable in one (a CIFS volume's
password) is needed as much as the services that use it are."""


def _referenced(service: Service, section: str) -> set[str]:
    """The names of the top-level `section` entries a service uses: `- name:/path` and
    `source: name` for volumes, configs and secrets, the names listed or keyed for networks."""
    entry = service.get(section)
    if entry is None:
        return set()
    if isinstance(entry.value, MappingNode):
        return {str(item.key.value) for item in entries(entry.value)}
    if not isinstance(entry.value, SequenceNode):
        return set()
    names = set()
    for item in entry.value.value:
        if isinstance(item, ScalarNode):
            names.add(str(item.value).split(":", 1)[0])
        elif isinstance(item, MappingNode) and (source := lookup(item, "source")) is not None:
            names.add(str(source.value.value))
    return names


def _is_whole_value(variable: Variable, interpolation: Interpolation) -> bool:
    """Whether the interpolation is all of the variable's value (`KEY: ${X:-}`, `- KEY=${X:-}`)."""
    whole = _whole_interpolation(variable.value)
    return whole is not None and whole.name == interpolation.name


_ALLOWS_EMPTY = regexes.lazy(r"(?:^|_)(?:ALLOW_EMPTY|RANDOM_ROOT_PASSWORD)(?:_|$)")
_FALSE = frozenset({"", "0", "no", "false", "off"})


def _allows_empty_credential(service: Service) -> bool:
    """Whether the service's environment says an empty credential is deliberate: switches that
    are on for an empty or a random root password (`ALLOW_EMPTY_PASSWORD`,
    `MARIADB_RANDOM_ROOT_PASSWORD`), or Postgres trusting every client."""
    for name, variable in service.environment().items():
        value = _default_value(variable.value)
        if _ALLOWS_EMPTY.search(name.upper()) and value.lower() not in _FALSE:
            return True
        if name == "POSTGRES_HOST_AUTH_METHOD" and value == "trust":
            return True
    return False


def _default_value(value: str | None) -> str:
    """What a value is when no variable is set: `${X:-yes}` is `yes`."""
    whole = _whole_interpolation(value)
    if whole is not None:
        return whole.argument if whole.operator in _DEFAULTING else ""
    return value or ""


def _whole_interpolation(value: str | None) -> Interpolation | None:
    """The interpolation that is all of `value`, if it is one."""
    found = list(iter_interpolations(value or ""))
    if len(found) == 1 and found[0].start == 0 and found[0].end == len(value or ""):
        return found[0]
    return None
