"""Probe-command mechanics: exact results on shell strings and argument vectors."""

from __future__ import annotations

import pytest

from hardenfix.probes import (
    curl_fails_on_http_errors,
    find_http_probe,
    http_probe_from_argv,
    normalised_curl_arguments,
    replacement_probe,
    shell_join,
    shell_words,
)


def test_finds_the_probe_and_its_span_without_redirections() -> None:
    command = "A=1 exec wget -qO- http://localhost:80/ >/dev/null 2>&1 || exit 1"
    probe = find_http_probe(command)
    assert probe is not None
    assert (probe.tool, probe.arguments, probe.url) == (
        "wget",
        ("-qO-", "http://localhost:80/"),
        "http://localhost:80/",
    )
    assert command[probe.start : probe.end] == "wget -qO- http://localhost:80/"


def test_finds_a_probe_after_other_commands() -> None:
    command = "test -f /ready; /usr/bin/curl --fail -H 'Host: api' \"http://localhost:8000/x\""
    probe = find_http_probe(command)
    assert probe is not None
    assert (probe.program, probe.url) == ("/usr/bin/curl", "http://localhost:8000/x")
    assert command[probe.start : probe.end] == "/usr/bin/curl --fail -H 'Host: api' \"http://localhost:8000/x\""


@pytest.mark.parametrize("command", ["pg_isready -U postgres", "echo curl", "# curl http://x"])
def test_no_http_probe(command: str) -> None:
    assert find_http_probe(command) is None


def test_redirection_ampersands_are_not_operators() -> None:
    tokens = [t if isinstance(t, str) else t.text for t in shell_words("a 2>&1 &>/dev/null && b &")]
    assert tokens == ["a", "2>&1", "&>/dev/null", "&&", "b", "&"]


def test_probe_from_argv() -> None:
    probe = http_probe_from_argv(["curl", "-m", "5", "--url", "http://x/"])
    assert probe is not None and probe.url == "http://x/"
    assert http_probe_from_argv(["python3", "-c", "pass"]) is None


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (["http://x"], ["-sf", "http://x"]),
        (["--fail", "--silent", "http://x"], ["-sf", "http://x"]),
        (["-f", "-s", "http://x"], ["-sf", "http://x"]),
        (["-fs", "http://x"], ["-sf", "http://x"]),
        (["-fsSL", "-m", "5", "http://x"], ["-sf", "-SL", "-m", "5", "http://x"]),
        (["-H", "-f", "http://x"], ["-sf", "-H", "-f", "http://x"]),
        (["-fo", "/dev/null", "http://x"], ["-sf", "-o", "/dev/null", "http://x"]),
        (["-sf", "http://x"], None),
    ],
)
def test_normalised_curl_arguments(arguments: list[str], expected: list[str] | None) -> None:
    assert normalised_curl_arguments(arguments) == expected


@pytest.mark.parametrize(
    ("arguments", "fails"),
    [(["-fsS", "u"], True), (["--fail-with-body", "u"], True), (["-s", "u"], False), (["-H", "-f", "u"], False)],
)
def test_curl_fails_on_http_errors(arguments: list[str], fails: bool) -> None:
    assert curl_fails_on_http_errors(arguments) is fails


def test_replacement_prefers_curl_then_wget_then_python_then_node() -> None:
    url = "http://localhost:8000/healthz"
    assert replacement_probe(url, {"curl", "wget", "python3", "node"}) == ["curl", "-sf", url]
    assert replacement_probe(url, {"sh", "wget", "python3"}) == ["wget", "-q", "-O", "/dev/null", url]
    assert replacement_probe(url, {"python3", "node"}) == [
        "python3",
        "-c",
        "import urllib.request; urllib.request.urlopen('http://localhost:8000/healthz')",
    ]
    assert replacement_probe("https://x/", {"node"}) == [
        "node",
        "-e",
        (
            "require('https').get('https://x/', r => process.exit(r.statusCode < 400 ? 0 : 1))"
            ".on('error', () => process.exit(1))"
        ),
    ]
    assert replacement_probe("https://x/", {"sh", "wget"}) is None  # busybox's wget may have no TLS
    assert replacement_probe(url, {"sh", "bash"}) is None
    assert replacement_probe("http://x/'); import os; ('", {"python3"}) is None


def test_shell_join_quotes_only_what_needs_it() -> None:
    assert shell_join(["curl", "-sf", "http://localhost:8000/x"]) == "curl -sf http://localhost:8000/x"
    assert shell_join(["python3", "-c", "print('${PORT}')"]) == "python3 -c \"print('${PORT}')\""
    assert shell_join(["echo", 'say "hi"']) == "echo 'say \"hi\"'"
