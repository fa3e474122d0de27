"""Host names and the variable syntax around them: which characters a host-case fix may change.

Exact results on strings, plus a property test of `value_origins` against ruamel.yaml's
own decoding of generated scalars in every style.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    FoldedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)

from hardenfix import hosts
from hardenfix.sources import compose, dockerfile
from hardenfix.sources.yaml_scalar import value_origins


def _shown(text: str, syntax: list[tuple[int, int]] | None) -> str | None:
    """`text` with variable syntax shown as `_`."""
    return None if syntax is None else hosts.mask(text, syntax).replace(hosts.MASK, "_")


def _hosts(masked_text: str) -> list[list[str]]:
    return [[masked_text[start:end] for start, end in url.spans] for url in hosts.url_hosts(masked_text)]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("http://${A}:${B:-8080}/x", "http://____:_____8080_/x"),
        ("${URL:-mongodb://${MONGO_HOST:-Mongo}:27017/db}", "_______mongodb://______________Mongo_:27017/db_"),
        ("${URL:- mongodb://${MONGO_HOST:-Mongo}/db}", "_______ mongodb://______________Mongo_/db_"),
        ("$HOST_NAME.Example $${SHELL_VAR} $$NAME $$ $1 $", "__________.Example _____________ ______ $$ $1 $"),
        ("${A:?need http://Foo}", "_____________________"),
        ("${A:+http://Alt}", "_____http://Alt_"),
        ("${A:-{x}}", "_____{x}_"),  # compose-go counts every brace
        ("${A:-${B:+C}}D", "__________C__D"),
    ],
)
def test_compose_variable_syntax(value: str, shown: str) -> None:
    assert _shown(value, compose.variable_syntax(value)) == shown


@pytest.mark.parametrize(
    "value",
    [
        "${URL: -mongodb://${MONGO_HOST:-mongodb}:27017/db}",  # a folded `${URL:\n -...}`: Compose rejects it
        "${}",
        "${1A}",
        "${A:-x",
        "${A:-x\ny}",
        "${A!}",
    ],
)
def test_compose_rejects_these_values_so_nothing_in_them_is_touched(value: str) -> None:
    assert compose.variable_syntax(value) is None


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("A=http://${HOST:-Api}.Example:$PORT/x", "A=http://________Api_.Example:_____/x"),
        ("B='$X' \\$Y $1 $ ", "B='$X' \\$Y __ $ "),
        ("C=${A:?need http://Foo} ${A%%x} ${A/a/b}", "C=_____________________ _______ ________"),
        ('D="${A:-"}"}" x', 'D="_____"}"_" x'),
    ],
)
def test_dockerfile_variable_syntax(line: str, shown: str) -> None:
    assert _shown(line, dockerfile.variable_syntax(line)) == shown


@pytest.mark.parametrize("line", ["A=${}", "A=${X:#y}", "A=${X", "A=${X=y}"])
def test_buildkit_rejects_these_lines(line: str) -> None:
    assert dockerfile.variable_syntax(line) is None


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("mongodb://a,B,C:27017/db", [["a", "B", "C"]]),
        ("mongodb+srv://user:Pw@Cluster0.Ab1.MongoDB.net/db", [["Cluster0.Ab1.MongoDB.net"]]),
        ("postgresql+asyncpg://U:P@DB:5432/x", [["DB"]]),
        ("jdbc:postgresql://Host/db", [["Host"]]),
        ("redis://:Pass@Redis:6379/0", [["Redis"]]),
        ("CORS=http://Foo.COM,https://Bar", [["Foo.COM"], ["Bar"]]),
        ("curl -f http://API:8000/x||exit 1", [["API"]]),
        ("HTTP://Upper", [["Upper"]]),
        ("http://\0\0\0Foo\0:\0\0/x", [["\0\0\0Foo\0"]]),
        ("mongodb://\0\0\0,Foo", [["\0\0\0", "Foo"]]),
        ("s3://Bucket/Key", []),
        ("gs://Bucket/Key", []),
        ("file://Server/Share", []),
        ("unix:///Var/Run/docker.sock", []),
        ("vault://Secret/Path", []),
        ("http://[::1]:80/", []),
        ("http://[FE80::1]/", []),
        ("http://Foo%41/", []),
        ("http://u:p@ss@Host/", []),
        ("postgres://user:Pa/ss@Host/db", []),  # an unencoded `/` in a password: where is the host?
        # An `@` past the first `/`, `?` or `#`: RFC 3986 parsers end the authority there, libpq
        # and SQLAlchemy read a password on to the `@`, so one's host is the other's user name.
        ("postgresql+psycopg://Reporting:8/Jx3qL@db:5432/app", []),
        ("postgresql://Reporting:#Tr0ub4dor@db:5432/app", []),
        ("mysql://Admin:2024?Winter@mysql:3306/shop", []),
        ("postgresql://Host?user=a@b", []),  # libpq: user `Host?user=a`, host `b`
        ("postgresql://u:p@Host:5432/db?application_name=a@b", []),
        ("https://Medium.com/@User", []),
        ("mongodb://a:1,B:2/db?x=y@z", []),
        ("http://a,u:p@B/", []),  # a URL of one host: RFC 3986 reads `a,u:p` as credentials
        ("postgres://u:\0\0\0\0\0\0\0\0a/b\0@Host/db", []),  # `${PW:-a/b}`: unset, the password holds `/`
        ("postgres://u:\0\0\0\0\0\0\0\0p@ss\0@Host/db", []),  # `${PW:-p@ss}`
        ("postgres://Reporting:p%2F8%40x@DB:5432/app", [["DB"]]),  # percent-encoded: one `@`
        ("postgres://\0\0\0\0\0\0\0:\0\0\0\0\0\0\0@DB/app", [["DB"]]),  # `${USER}:${PASS}@`
        ("mongodb://u:p@a:1,B:2/db?authSource=admin", [["a", "B"]]),
        ("CORS=http://Foo,https://u:p@Bar/", [["Foo"], ["Bar"]]),
        ("curl -f http://Api/x && echo a@b", [["Api"]]),
        ("http://u:p@[::1]:80/", []),
        ("jdbc:postgresql://Host:5432/db?user=Fred@Corp", []),
        ("http://Host:abc/", []),
        ("http://$Host/", []),
        ("mongodb://[::1]:27017,Mongo2:27017/", []),
    ],
)
def test_url_hosts(text: str, found: list[list[str]]) -> None:
    assert _hosts(text) == found


def test_lowercased_keeps_masked_characters() -> None:
    assert hosts.lowercased("Kong_${STACK}.AI", "Kong_\0\0\0\0\0\0\0\0.AI") == "kong_${STACK}.ai"
    assert hosts.lowercased("api", "api") is None


def _scalar(text: str):
    root = compose.ComposeDocument.parse(text).root
    return root.value[0][1]


@pytest.mark.parametrize(
    "text",
    [
        'k: "x \\\n  y"\n',
        "k: plain\n  multi\n\n  line  # c\n",
        "k: |\n  lit\n   more\n\n",
        "k: >-\n  fold\n  ed\n\n   indented\n  back\n",
        "k: 'it''s\n  x'\n",
        'k: "esc \\x41\\u00e9 \\t tab  \n   next\\\n   \\ lead"\n',
        "k: |+\n  keep\n\n",
        'k: "${URL:\n  -mongodb://${MONGO_HOST:-mongodb}:27017/db}"\n',
    ],
)
def test_value_origins_point_at_each_character_written_as_itself(text: str) -> None:
    node = _scalar(text)
    origins = value_origins(text, node.start_mark.index, node.end_mark.index, node.style, node.value)
    assert origins is not None and len(origins) == len(node.value)
    assert all(origin is None or text[origin] == char for char, origin in zip(node.value, origins, strict=True))
    assert [o for o in origins if o is not None] == sorted({o for o in origins if o is not None})


def test_value_origins_of_an_escape_and_a_fold_are_none() -> None:
    text = 'k: "A\\x42\n  C"\n'
    node = _scalar(text)
    assert node.value == "AB C"
    origins = value_origins(text, node.start_mark.index, node.end_mark.index, node.style, node.value)
    assert origins == [text.index("A"), None, None, text.index("C")]


_STYLES = {
    "plain": str,
    "single": SingleQuotedScalarString,
    "double": DoubleQuotedScalarString,
    "literal": LiteralScalarString,
    "folded": FoldedScalarString,
}


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(
    value=st.text(alphabet="ab c:/${}-\\'\"\t\n#é", max_size=40),
    style=st.sampled_from(sorted(_STYLES)),
    width=st.integers(5, 30),
)
def test_value_origins_agree_with_ruamel(value: str, style: str, width: int) -> None:
    """Every scalar ruamel.yaml writes decodes to its value with origins that point at
    the very characters, or there is no answer; and no answer only where expected."""
    yaml = YAML()
    yaml.width = width
    out = io.StringIO()
    yaml.dump({"k": _STYLES[style](value)}, out)
    text = out.getvalue()
    node = _scalar(text)
    origins = value_origins(text, node.start_mark.index, node.end_mark.index, node.style, node.value)
    if origins is None:
        # Left undecoded: an explicit indentation indicator, an empty block scalar,
        # or blanks beyond the indentation on a line of their own.
        header = text[node.start_mark.index : text.index("\n", node.start_mark.index)]
        assert node.style in ("|", ">")
        assert (
            any(c.isdigit() for c in header) or not node.value.strip("\n") or "\n " in node.value or " \n" in node.value
        )
        return
    assert all(origin is None or text[origin] == char for char, origin in zip(node.value, origins, strict=True))


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        ("http://Api.Example:80/Path", "http://api.example:80/Path", True),
        ("mongodb://u:P@A,B:1/db", "mongodb://u:P@a,b:1/db", True),
        ("http://Api/Path", "http://Api/path", False),
        ("mongodb://U:p@a/db", "mongodb://u:p@a/db", False),
        ("s3://Bucket/key", "s3://bucket/key", False),
        ("hf1a2b3c4d", "hf1a2b3c4e", False),
    ],
)
def test_only_url_host_case_changed(before: str, after: str, allowed: bool) -> None:
    assert hosts.only_url_host_case_changed(before, after) is allowed


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        # `$${NODE}` and `$$HOSTNAME`, resolved: references the container's shell expands.
        ("curl http://${NODE}.Cluster.Local/", "curl http://${NODE}.cluster.local/", True),
        ("http://$HOSTNAME.Svc:80/", "http://$HOSTNAME.svc:80/", True),
        ("http://$HOSTNAME.Svc:80/", "http://$hostname.Svc:80/", False),
        ("http://${Node}/", "http://${node}/", False),
        # As `docker compose config` prints them, escapes kept.
        ("curl http://$${NODE}.Cluster.Local/", "curl http://$${NODE}.cluster.local/", True),
        ("http://$$Node.Svc/", "http://$$node.svc/", False),
    ],
)
def test_only_url_host_case_changed_around_references_left_to_the_container(
    before: str, after: str, allowed: bool
) -> None:
    from hardenfix.sources.compose import shell_references

    assert hosts.only_url_host_case_changed(before, after, shell_references(after)) is allowed


@pytest.mark.parametrize(
    ("text", "compared"),
    [
        ("--oidc-issuer-url=https://Auth.Example.com/realms/main", True),  # oauth2-proxy
        ("--redirect-url https://App.Example.com/oauth2/callback", True),
        ("start --hostname=https://Auth.Example.com", True),  # Keycloak's KC_HOSTNAME
        ("cfg:server.root_url=https://Grafana.Example.com/", True),
        ("OIDC_ISSUER=https://Auth.Example.com", True),
        ("--upstream=http://Backend:8080/", False),
        ("curl -f https://Api.Example.com/health", False),
    ],
)
def test_compared_as_text_reads_options_as_variables(text: str, compared: bool) -> None:
    host_start = text.index("://") + 3
    assert (hosts.compared_as_text(text, host_start) is not None) is compared
