"""Probe-command mechanics: exact results on shell strings and argument vectors."""

from __future__ import annotations

import pytest

from hardenfix.probes import (
    ArgumentEdit,
    assigned_variables,
    curl_fails_on_http_errors,
    curl_flag_problem,
    find_http_probe,
    find_http_probes,
    follows_redirects,
    go_flags,
    http_probe_from_argv,
    is_python,
    lasting_commands,
    longest_run,
    options_without_equivalent,
    past_wrapper,
    reads_arguments,
    replacement_probe,
    requested_url,
    runs_in_a_shell,
    shell_edits,
    shell_join,
    shell_script,
    shell_words,
    simple_commands,
    state_written,
    unfollowed_redirects,
    without_fail_flags,
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
    ("arguments", "fails"),
    [
        (["-fsS", "u"], True),
        (["-sSLf", "u"], True),
        (["--silent", "--fail", "u"], True),
        (["--fail-with-body", "u"], True),
        (["-s", "u"], False),
        (["-H", "-f", "u"], False),  # `-f` is the value of -H
        (["-Hf", "u"], False),  # the rest of a cluster after -H is its value
        (["-fo", "/dev/null", "u"], True),
        (["-f", "--no-fail", "u"], False),
        (["--no-fail", "-f", "u"], True),
    ],
)
def test_curl_fails_on_http_errors(arguments: list[str], fails: bool) -> None:
    assert curl_fails_on_http_errors(arguments) is fails


def _shell_fix(command: str) -> list[str | None]:
    """Each curl of a shell command, rewritten by its problem's edits (None: no problem)."""
    fixed = []
    for probe in find_http_probes(command):
        problem = curl_flag_problem(probe)
        changes = shell_edits(probe, problem.edits) if problem else None
        if problem is None or changes is None:
            fixed.append(None)
            continue
        text = command
        for start, end, replacement in sorted(changes, reverse=True):
            text = text[:start] + replacement + text[end:]
        fixed.append(text)
    return fixed


@pytest.mark.parametrize(
    "command",
    [
        "curl -fsS http://x/",
        "curl --silent --fail http://x/",
        "curl -f -s http://x/",
        "curl -sf http://x/",
        "curl -fs http://x/",
        "curl --fail http://x/ || exit 1",
        "curl -sSLf --max-time 3 http://x/",
        "curl --fail-with-body -sS http://x/",
        "curl -s http://x/ | grep -q ok",  # the pipe's last command judges the response
        "curl -s -o /tmp/page http://x/ && grep ok /tmp/page",
        "curl -s http://x/ > /tmp/page; grep ok /tmp/page",
        "! curl -s http://x/",
    ],
)
def test_curls_that_need_no_change(command: str) -> None:
    assert _shell_fix(command) == [None]


@pytest.mark.parametrize(
    ("command", "fixed"),
    [
        ("curl http://x/", "curl -f http://x/"),
        ("curl -s -o /dev/null http://x/ || exit 1", "curl -f -s -o /dev/null http://x/ || exit 1"),
        ("curl -sS http://x/ >/dev/null 2>&1", "curl -f -sS http://x/ >/dev/null 2>&1"),
        ("curl -fsS --fail-with-body http://x/", "curl -sS --fail-with-body http://x/"),
        ("curl --fail --fail-with-body  http://x/", "curl --fail-with-body  http://x/"),
        ("curl -f --fail-with-body -s http://x/", "curl --fail-with-body -s http://x/"),
        ("if curl -s http://x/; then exit 0; fi", "if curl -f -s http://x/; then exit 0; fi"),
    ],
)
def test_curl_fixes_change_only_flag_words(command: str, fixed: str) -> None:
    assert _shell_fix(command) == [fixed]


def test_every_curl_of_a_chain_is_checked_on_its_own() -> None:
    command = "curl -s http://a/ && curl -fsS http://b/ && (curl http://c/) ; curl --fail -f --fail-with-body http://d/"
    assert _shell_fix(command) == [
        "curl -f -s http://a/ && curl -fsS http://b/ && (curl http://c/) ; curl --fail -f --fail-with-body http://d/",
        None,
        "curl -s http://a/ && curl -fsS http://b/ && (curl -f http://c/) ; curl --fail -f --fail-with-body http://d/",
        "curl -s http://a/ && curl -fsS http://b/ && (curl http://c/) ; curl --fail-with-body http://d/",
    ]


def test_fail_beside_fail_with_body_is_a_safe_fix_and_a_missing_fail_an_unsafe_one() -> None:
    both = curl_flag_problem(http_probe_from_argv(["curl", "-fsS", "--fail-with-body", "http://x/"]))
    assert both is not None and both.unsafe_because is None
    assert both.edits == (ArgumentEdit(1, "-sS"),)
    missing = curl_flag_problem(http_probe_from_argv(["curl", "-s", "http://x/"]))
    assert missing is not None and missing.unsafe_because is not None
    assert missing.edits == (ArgumentEdit(1, "-f", insert=True),)
    assert curl_flag_problem(http_probe_from_argv(["curl", "-o", "/tmp/x", "http://x/"])) is None


def test_a_quoted_flag_is_not_rewritten() -> None:
    probe = find_http_probe("curl '-fs' --fail-with-body http://x/")
    problem = curl_flag_problem(probe)
    assert problem is not None and shell_edits(probe, problem.edits) is None


@pytest.mark.parametrize(
    ("program", "is_one"),
    [
        ("python", True),
        ("python3", True),
        ("python2", True),
        ("/usr/local/bin/python3.12", True),
        ("/opt/venv/bin/python3.13", True),
        ("pythonw", False),
        ("python3-config", False),
        ("ipython", False),
        ("python3.", False),
    ],
)
def test_is_python_names_an_interpreter_by_its_file_name(program: str, is_one: bool) -> None:
    assert is_python(program) is is_one


def test_reserved_words_do_not_hide_the_command() -> None:
    commands = [[w.text for w in words] for words in simple_commands("if ! curl -s x; then exit 1; fi")]
    assert commands[0] == ["curl", "-s", "x"]


@pytest.mark.parametrize(
    ("script", "lasting"),
    [
        ('exec 2>&1\nchown app /data\nexec gosu app "$@"\n', ['exec gosu app "$@"']),
        ('if [ "$1" = x ]; then\n  exec gosu app x\nfi\nexec tini -- "$@"\n', ["exec gosu app x", 'exec tini -- "$@"']),
        ("chown app /data\ngunicorn app:app || exit 1\n", ["gunicorn app:app"]),
        (
            "case $1 in\n  a) exec su-exec app a ;;\n  *) exec >/log 2>&1 su-exec app b ;;\nesac\n",
            [
                "exec su-exec app a",
                "exec >/log 2>&1 su-exec app b",
            ],
        ),
        ("gosu app server &\nwait\n", ["gosu app server"]),
    ],
)
def test_lasting_commands_are_those_a_script_execs_or_ends_with(script: str, lasting: list[str]) -> None:
    assert [command.text for command in lasting_commands(script)] == lasting


def test_assigned_variables_are_those_a_script_sets() -> None:
    script = (
        "#!/bin/sh\nset -e\nWORKERS=${WORKERS:-1}\nexport GUNICORN_CMD_ARGS='--bind=:9000'\nA=1 B=2 run x\n"
        'if true; then C=3; fi\nread -r D\nfor E in a b; do :; done\n: "${F:=x}"\nlocal G=1\n'
        "echo H=1\nenv I=1 app\n"
    )
    assert assigned_variables(script) == {"WORKERS", "GUNICORN_CMD_ARGS", "A", "B", "C", "D", "E", "F", "G"}


@pytest.mark.parametrize(
    ("script", "reads"),
    [
        ('exec gosu app "$@"\n', True),
        ("case $1 in\n  web) exec gunicorn ;;\nesac\n", True),
        ('[ $# -gt 0 ] && exec "${@}"\n', True),
        ("while getopts p: o; do :; done\n", True),
        ("shift\nexec app\n", True),
        ("PORT=${PORT:-8000}\nexec gunicorn --bind 0.0.0.0:$PORT app:app\n", False),
        ("exec uvicorn main:app --port 8000 --no-shift\n", False),
    ],
)
def test_reads_arguments_tells_a_script_that_dispatches_on_them(script: str, reads: bool) -> None:
    assert reads_arguments(script) is reads


@pytest.mark.parametrize(
    ("first_line", "shell"),
    [
        ("#!/bin/sh", True),
        ("#!/usr/bin/env bash", True),
        ("#!/usr/bin/env -S bash -e", True),
        ("#!/bin/bash -e", True),
        ("#!/usr/bin/env python3", False),
        ("set -e", False),
    ],
)
def test_runs_in_a_shell_reads_the_scripts_interpreter_line(first_line: str, shell: bool) -> None:
    assert runs_in_a_shell(first_line + "\nexec app\n") is shell


def test_replacement_prefers_curl_then_wget_then_python_then_node() -> None:
    url = "http://localhost:8000/healthz"
    assert replacement_probe(url, {"curl", "wget", "python3", "node"}) == ["curl", "-sf", url]
    assert replacement_probe("http://web:8000/healthz", {"sh", "wget", "python3"}) == [
        "wget",
        "-q",
        "-O",
        "/dev/null",
        "http://web:8000/healthz",
    ]
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


@pytest.mark.parametrize(
    ("url", "host", "address"),
    [
        ("http://localhost:8000/healthz", "localhost:8000", "http://127.0.0.1:8000/healthz"),
        ("localhost/health", "localhost", "http://127.0.0.1/health"),
        # curl sends `Host: localhost` for http's own port written out (curl 7.88, checked).
        ("http://localhost:80/", "localhost", "http://127.0.0.1:80/"),
        ("http://admin:pw@localhost:81/x?y=1", "localhost:81", "http://admin:pw@127.0.0.1:81/x?y=1"),
    ],
)
def test_wget_requests_localhost_at_127_0_0_1_with_its_host_header(url, host, address) -> None:
    """busybox's wget tries only the first address of `localhost`, `::1` on Alpine: against a
    server bound to 0.0.0.0, `wget -q -O /dev/null http://localhost:8621/health` was refused
    where `curl -sf` of the same URL passed (busybox 1.35 with `::1 localhost` first in
    /etc/hosts); the request of 127.0.0.1 with the Host header passed."""
    assert replacement_probe(url, {"sh", "wget"}) == [
        "wget",
        "-q",
        "-O",
        "/dev/null",
        "--header",
        f"Host: {host}",
        address,
    ]


def test_replacement_requests_the_url_as_curl_and_wget_do() -> None:
    # Both take a URL without a scheme for http://, which urllib and node refuse.
    assert replacement_probe("localhost:8000/health", {"python3"}) == [
        "python3",
        "-c",
        "import urllib.request; urllib.request.urlopen('http://localhost:8000/health')",
    ]
    assert replacement_probe("127.0.0.1:8000/", {"wget"}) == ["wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8000/"]
    assert replacement_probe("ftp.example.com/", {"python3"}) is None  # curl guesses ftp://
    # urllib takes a URL's credentials for part of its host name; node sends them.
    with_credentials = "http://guest:guest@localhost:15672/api/aliveness-test/%2F"
    assert replacement_probe(with_credentials, {"python3"}) is None
    assert replacement_probe(with_credentials, {"python3", "node"})[0] == "node"  # type: ignore[index]
    assert replacement_probe("http://localhost:8000/?next=a@b", {"python3"})[0] == "python3"  # type: ignore[index]


def test_shell_join_quotes_only_what_needs_it() -> None:
    assert shell_join(["curl", "-sf", "http://localhost:8000/x"]) == "curl -sf http://localhost:8000/x"
    assert shell_join(["python3", "-c", "print('${PORT}')"]) == "python3 -c \"print('${PORT}')\""
    assert shell_join(["echo", 'say "hi"']) == "echo 'say \"hi\"'"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("curl -f http://x || exit 1", "curl http://x || exit 1"),
        ("curl -fsS http://x", "curl -sS http://x"),
        ("curl --fail --silent http://x", "curl --silent http://x"),
        ("curl --fail-with-body -f http://x", "curl --fail-with-body http://x"),
        ("curl -s http://x/f", "curl -s http://x/f"),
        ("-fsS", "-sS"),
        ("-f", ""),
    ],
)
def test_without_fail_flags_takes_out_only_curls_fail_words(command: str, expected: str) -> None:
    assert without_fail_flags(command) == expected


@pytest.mark.parametrize(
    ("argv", "command", "seconds"),
    [
        (["curl", "-fsS", "-m", "5", "http://localhost/"], None, 5.0),
        (None, "curl -f --max-time=3 http://localhost/ | grep -q ok", 3.0),
        (None, "curl -m2 http://a/ && curl -m 2 http://b/", 4.0),
        (["sh", "-c", "timeout 5s python /healthcheck.py || exit 1"], None, 5.0),
        (["pg_isready", "-U", "postgres"], None, 3.0),  # its own 3-second connection timeout
        (["pg_isready", "-t", "8"], None, 8.0),
        (None, "nice -n 5 curl -fsS -m 5 http://localhost/", 5.0),  # past a wrapper that runs it once
        # Unbounded: no limit of their own, none given, or one that lets the command run on.
        (None, "curl -f http://localhost/ || exit 1", None),
        (["redis-cli", "ping"], None, None),
        (["pg_isready", "-t", "0"], None, None),
        (None, "timeout -k 5 10 python /healthcheck.py", None),
        (["curl", "-fsS", "-m", "5", "--retry", "3", "http://localhost/"], None, None),
        # `-m` bounds each transfer: several URLs, or a glob that expands to several.
        (["curl", "-fs", "-m", "5", "http://localhost/a", "http://localhost/b"], None, None),
        (None, "curl -fs -m 5 'http://localhost/{live,ready}'", None),
        (["curl", "-fs", "-m", "5", "http://[::1]:8000/health"], None, 5.0),
        (["sh", "/healthcheck.sh"], None, None),
        (None, "echo a b | xargs -n 1 curl -m 5", None),  # once for each word it reads
        # A command substitution runs a command too, wherever it stands (immich's database probe).
        (None, 'pg_isready -q || exit 1; sum="$(psql -tAc \'select 1\')"; [ "$sum" = 1 ]', None),
        (None, "[ \"$$(psql -tAc 'select 1')\" = 1 ]", None),
        (None, "test \"`psql -tAc 'select 1'`\" = 1", None),
        (["sh", "-c", "pg_isready && echo \"$(psql -c 'select 1')\""], None, None),
    ],
)
def test_longest_run_is_known_only_for_probes_that_bound_themselves(argv, command, seconds) -> None:
    assert longest_run(argv, command) == seconds


GRIST_KEYCLOAK_PROBE = (
    "if [ ! -f /tmp/health.txt ]; then touch /tmp/health.txt && exec 3<>/dev/tcp/127.0.0.1/9000;"
    "echo -e 'GET /health/ready HTTP/1.1\\r\\nhost: http://localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3;"
    "if [ $? -eq 0 ]; then echo 'Healthcheck Successful';exit 0;else echo 'Healthcheck Failed';exit 1;fi; "
    'else echo "Healthcheck already executed"; fi'
)
"""gristlabs/grist-core's Keycloak probe (docker-compose-examples/grist-with-keycloak-postgres-redis-minio)."""


@pytest.mark.parametrize(
    ("argv", "command", "written"),
    [
        (None, GRIST_KEYCLOAK_PROBE, "touch /tmp/health.txt"),
        (["/bin/sh", "-c", "[ -f /tmp/ran ] || { date > /tmp/ran; exit 1; }"], None, "date > /tmp/ran"),
        (None, "echo ok>/tmp/ran", "echo ok>/tmp/ran"),  # a redirection needs no space before it
        (None, "curl -fsS http://localhost/ | tee -a /var/log/probe.log", "tee -a /var/log/probe.log"),
        (None, "test -d /tmp/seen || mkdir /tmp/seen", "mkdir /tmp/seen"),
        (None, "gosu app cp /etc/ready /tmp/ready", "gosu app cp /etc/ready /tmp/ready"),
        (None, "bash -c 'rm -f /tmp/ready'", "rm -f /tmp/ready"),
        # Wrappers run the command that writes: bounded with `timeout`, as such probes often are.
        (None, f"timeout 10 bash -c '{GRIST_KEYCLOAK_PROBE.replace(chr(39), chr(34))}'", "touch /tmp/health.txt"),
        (
            ["timeout", "-s", "KILL", "--kill-after=2", "5s", "touch", "/tmp/alive"],
            None,
            "timeout -s KILL --kill-after=2 5s touch /tmp/alive",
        ),
        (None, "nice -n 5 touch /tmp/alive", "nice -n 5 touch /tmp/alive"),
        (None, "command -p mkdir /tmp/seen", "command -p mkdir /tmp/seen"),
        (None, "busybox touch /tmp/alive", "busybox touch /tmp/alive"),
        (None, "sudo -u app -E touch /tmp/alive", "sudo -u app -E touch /tmp/alive"),
        (None, "echo /tmp/alive | xargs -n 1 touch", "xargs -n 1 touch"),
        (["sh", "-c", "-e", "touch /tmp/alive"], None, "touch /tmp/alive"),
        (["bash", "-euo", "pipefail", "-c", "touch /tmp/alive"], None, "touch /tmp/alive"),
        # Programs that change a file when told to.
        (None, "sed -i 's/0/1/' /tmp/count", "sed -i 's/0/1/' /tmp/count"),
        (None, "sed -E --in-place=.bak 's/0/1/' /tmp/count", "sed -E --in-place=.bak 's/0/1/' /tmp/count"),
        (None, "dd if=/dev/zero of=/tmp/ran count=1", "dd if=/dev/zero of=/tmp/ran count=1"),
        (None, "find /tmp -name ran -delete", "find /tmp -name ran -delete"),
        (None, "find /tmp -name ran -exec rm {} +", "find /tmp -name ran -exec rm {} +"),
        (["touch", "/tmp/alive"], None, "touch /tmp/alive"),
        (None, "curl -f http://localhost/ >&/tmp/out", "curl -f http://localhost/ >&/tmp/out"),
        # Output to /dev/null, a descriptor or a socket is kept nowhere.
        (None, "exec 3<>/dev/tcp/127.0.0.1/9000; echo -e 'GET / HTTP/1.1\\r\\n' >&3 2>/dev/null", None),
        (None, "curl -f http://localhost/ >/dev/null 2>&1 || exit 1", None),
        (None, "wget -q -O /dev/null http://localhost/ &>/dev/null", None),
        (None, "curl -s http://localhost/ | tee /dev/stderr | grep -q ok", None),
        (None, "echo '>' /tmp/quoted && echo \\> escaped", None),
        (None, "cat <<EOF", None),
        (["pg_isready", "-U", "postgres"], None, None),
        (["curl", "-f", "-o", "/tmp/page", "http://localhost/"], None, None),  # each run fetches it anew
        (None, "sed -n 's/0/1/p' /tmp/count", None),
        (None, "dd if=/proc/loadavg of=/dev/null", None),
        (None, "find /tmp -name ran -exec cat {} ';'", None),
        (None, "command -v touch", None),  # prints where `touch` is, runs nothing
        (None, "timeout 5 curl -f http://localhost/", None),
    ],
)
def test_a_probe_keeps_state_when_it_writes_a_file(argv, command, written) -> None:
    assert state_written(argv, command) == written


@pytest.mark.parametrize(
    ("words", "command"),
    [
        (["timeout", "10", "bash", "-c", "x"], ["bash", "-c", "x"]),
        (["timeout", "--preserve-status", "-k", "2", "-s", "TERM", "5m", "curl"], ["curl"]),
        (["nice", "-n", "5", "curl"], ["curl"]),
        (["nice", "-5", "curl"], ["curl"]),
        (["command", "-p", "curl"], ["curl"]),
        (["command", "-v", "curl"], []),  # prints where it is, runs nothing
        (["busybox", "wget", "-q"], ["wget", "-q"]),
        (["sudo", "-u", "app", "-E", "HOME=/app", "curl"], ["curl"]),
        (["xargs", "-n", "1", "-I", "{}", "touch", "{}"], ["touch", "{}"]),
        (["gosu", "app", "curl"], ["curl"]),
        (["env", "-u", "X", "A=b", "curl"], ["curl"]),
        (["curl", "-f"], None),
    ],
)
def test_past_wrapper_gives_the_command_a_wrapper_runs(words, command) -> None:
    assert past_wrapper(words) == command


@pytest.mark.parametrize(
    ("arguments", "script"),
    [
        (["-c", "x"], "x"),
        (["-euc", "x"], "x"),
        (["-c", "-e", "x"], "x"),  # the script is the first argument that is no option
        (["-euo", "pipefail", "-c", "x"], "x"),
        (["-c", "--", "x"], "x"),
        (["-c"], ""),
        (["-e", "/entrypoint.sh"], None),
        (["/entrypoint.sh", "-c", "x"], None),
    ],
)
def test_shell_script_is_the_first_operand_after_c(arguments, script) -> None:
    assert shell_script(arguments) == script


@pytest.mark.parametrize(
    ("argv", "flags"),
    [
        (["-js", "-sd", "/data", "-http_port", "8080"], [("js", None), ("sd", "/data"), ("http_port", "8080")]),
        (["nats-server", "--m=8222", "-config", "/etc/nats.conf"], [("m", "8222"), ("config", "/etc/nats.conf")]),
        (["-js=false", "--jetstream"], [("js", "false"), ("jetstream", None)]),
        (["-m", "8222", "-m", "8080"], [("m", "8222"), ("m", "8080")]),  # each in turn: the last one wins
        (["-", "--", "---m", "-=x", "8222"], []),  # Go's `flag` takes none of these for a flag
    ],
)
def test_go_flags_are_read_as_gos_flag_package_reads_them(argv, flags) -> None:
    assert go_flags(argv) == flags


def test_a_replacement_follows_redirects_where_the_probe_did() -> None:
    url = "http://localhost:3000/health"
    wget = http_probe_from_argv(["wget", "-q", "--spider", url])
    assert follows_redirects(wget)
    assert follows_redirects(http_probe_from_argv(["curl", "-fsSL", url]))
    assert not follows_redirects(http_probe_from_argv(["curl", "-fsS", url]))
    assert not follows_redirects(http_probe_from_argv(["curl", "-L", "--no-location", url]))
    assert replacement_probe(url, {"curl"}, follow_redirects=True) == ["curl", "-sfL", url]
    # node's request passes on a 301 to a page answering 503, which wget and `curl -L` fail on.
    assert replacement_probe(url, {"node"}, follow_redirects=True) is None
    assert unfollowed_redirects(wget, {"node"}) is not None
    assert unfollowed_redirects(wget, {"node", "python3"}) is None


def test_a_url_curl_expands_to_several_has_no_equivalent() -> None:
    assert options_without_equivalent(http_probe_from_argv(["curl", "-f", "http://x/{health,ready}"])) == [
        "http://x/{health,ready}"
    ]
    assert options_without_equivalent(http_probe_from_argv(["curl", "-f", "http://x:800[0-1]/"])) != []
    assert options_without_equivalent(http_probe_from_argv(["curl", "-fg", "http://x/{health}"])) == []
    assert options_without_equivalent(http_probe_from_argv(["curl", "-f", "http://[::1]:8000/"])) == []
    assert requested_url("localhost:800[0-1]/health") is None  # urllib refuses it: no crash


@pytest.mark.parametrize(
    ("command", "url"),
    [
        ("curl -f http://localhost:$PORT/health || exit 1", "http://localhost:$PORT/health"),
        ('curl -f "http://$(hostname):8000/health"', "http://$(hostname):8000/health"),
        ("curl -f http://$(hostname):8000/health || exit 1", None),
        ("curl -f http://`hostname`:8000/health", None),
        ("curl -f -H X-Host:$(hostname) http://localhost:8000/health", None),
    ],
)
def test_a_url_a_command_substitution_builds_is_not_told(command: str, url: str | None) -> None:
    """A rewrite of the request would cut an unquoted `$(...)`, which ends the word where
    it is read (HF204 wrote `urlopen('http://$')"(hostname):8000/health`), or quote a
    backquoted one so that it is no longer run; a variable, or `$(...)` in double quotes,
    stays in double quotes and is expanded as before."""
    [probe] = find_http_probes(command)
    assert probe.url == url


@pytest.fixture(scope="module")
def redirecting_server():
    """A server on 127.0.0.1 answering `/STATUS` with that status, a 3xx with a `Location`
    to `/503`, and `/503` with 503."""
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status = int(self.path.strip("/"))
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/503")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(("status", "passes"), [(200, True), (301, True), (302, True), (303, True), (304, True),
                                               (307, True), (308, True), (300, True), (399, True), (404, False),
                                               (503, False)])  # fmt: skip
def test_urllib_replacing_a_curl_without_location_passes_on_a_redirect_as_it_does(
    redirecting_server, status, passes
) -> None:
    """`curl -sf` passes on any status below 400, a 301 to a page answering 503 too; urllib
    follows it, and fails on a 300 or 304 with no redirect it knows: a replacement of such a
    curl is told not to follow."""
    import subprocess
    import sys

    url = f"{redirecting_server}/{status}"
    argv = replacement_probe(url, {"python3"}, follow_redirects=False)
    assert argv is not None and argv[0] == "python3"
    run = subprocess.run([sys.executable, *argv[1:]], capture_output=True, timeout=30)
    assert (run.returncode == 0) is passes, run.stderr
    followed = subprocess.run([sys.executable, *replacement_probe(url, {"python3"})[1:]], capture_output=True)  # type: ignore[index]
    assert followed.returncode != 0 or status == 200  # the default one-liner follows to the 503
