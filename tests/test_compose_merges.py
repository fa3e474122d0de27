"""Compose rules where Compose merges a service from more than what one file says: an
override file beside it, another document, `extends`."""

from __future__ import annotations

from pathlib import Path

import pytest

from hardenfix import runner
from hardenfix.config import Settings
from hardenfix.engine import Engine
from hardenfix.runner import Mode, run

GPU_STACK = (
    "services:\n  llm:\n    image: vllm/vllm-openai:v0.6.3\n    runtime: nvidia\n"
    "    environment:\n      NVIDIA_VISIBLE_DEVICES: all\n"
)


def hf150_fix(root: Path) -> tuple[str, str]:
    [result] = run([root / "compose.yaml"], Engine(Settings(select=("HF150",)).rules()), Mode.CHECK, root, jobs=1)
    [finding] = result.findings
    assert finding.fix is not None
    return str(finding.fix.applicability), finding.message


def test_hf150_is_safe_in_a_stack_that_one_file_says_all_of(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(GPU_STACK)
    (tmp_path / "mkdocs.yml").write_text("site_name: NVIDIA_VISIBLE_DEVICES\n")  # not a Compose file
    assert hf150_fix(tmp_path)[0] == "safe"


def test_hf150_is_unsafe_where_an_override_file_may_name_fewer_gpus(tmp_path: Path) -> None:
    """For `count: all` the daemon appends `NVIDIA_VISIBLE_DEVICES=all` after the container's
    own variables, and the toolkit takes the last: a pin to one GPU would be lost."""
    (tmp_path / "compose.yaml").write_text(GPU_STACK)
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  llm:\n    environment:\n      NVIDIA_VISIBLE_DEVICES: '1'\n"
    )
    applicability, message = hf150_fix(tmp_path)
    assert applicability == "unsafe"
    assert message.endswith(
        "(unsafe fix: `compose.override.yaml` in its folder sets `NVIDIA_VISIBLE_DEVICES` too, and Compose may merge"
        " the two files (an override file, `-f`): the GPUs it names there may be fewer than the reservation gives)"
    )


def test_hf150_is_unsafe_where_another_document_defines_the_service(tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text(
        GPU_STACK + "---\nservices:\n  llm:\n    environment:\n      NVIDIA_VISIBLE_DEVICES: '1'\n"
    )
    [result] = run(
        [tmp_path / "compose.yaml"], Engine(Settings(select=("HF150",)).rules()), Mode.CHECK, tmp_path, jobs=1
    )
    assert {str(finding.fix.applicability) for finding in result.findings if finding.fix} == {"unsafe"}


def test_hf204_a_shorter_timeout_is_unsafe_where_a_compose_healthcheck_takes_the_images(tmp_path: Path) -> None:
    """The engine fills what a Compose healthcheck leaves out from the image's HEALTHCHECK:
    `--timeout=10s`, chosen for the image's `curl -m 5`, would bound the service's own probe."""
    (tmp_path / "Dockerfile").write_text(
        'FROM python:3.12\nHEALTHCHECK CMD curl -f -m 5 http://localhost:8000/healthz || exit 1\nCMD ["app"]\n'
    )
    healthcheck = "    healthcheck:\n      test: [CMD, python, manage.py, check_db]\n"
    compose = "services:\n  web:\n    build: .\n" + healthcheck

    def hf204(stack: str) -> tuple[str, str]:
        (tmp_path / "compose.yaml").write_text(stack)
        results = run(
            [tmp_path / "compose.yaml", tmp_path / "Dockerfile"],
            Engine(Settings(select=("HF204",)).rules()),
            Mode.CHECK,
            tmp_path,
            jobs=1,
        )
        [finding] = [finding for result in results for finding in result.findings]
        assert finding.fix is not None
        return str(finding.fix.applicability), finding.message

    applicability, message = hf204(compose)
    assert applicability == "unsafe"
    assert message.endswith(
        "(unsafe fix: service `web` of `compose.yaml` runs a probe of its own with no `timeout`, which would take"
        " `--timeout=10s` in place of the engine's 30s)"
    )
    assert hf204(compose + "      timeout: 20s\n")[0] == "safe"


def test_hf106_is_unsafe_where_an_include_merges_an_override_over_the_service(tmp_path: Path) -> None:
    """`include: [{path: [commons/compose.yaml, commons-override.yaml]}]`: the override's
    `redis-server --port 6380` would leave `redis-cli ping` asking 6379, never healthy."""
    (tmp_path / "commons").mkdir()
    (tmp_path / "commons" / "compose.yaml").write_text("services:\n  cache:\n    image: redis:7.2\n")
    (tmp_path / "compose.yaml").write_text(
        "include:\n  - path:\n      - commons/compose.yaml\n      - commons-override.yaml\n"
    )
    (tmp_path / "commons-override.yaml").write_text("services:\n  cache:\n    command: redis-server --port 6380\n")
    [result] = run(
        [tmp_path / "commons" / "compose.yaml"],
        Engine(Settings(select=("HF106",)).rules()),
        Mode.CHECK,
        tmp_path,
        jobs=1,
    )
    [finding] = result.findings
    assert finding.fix is not None and str(finding.fix.applicability) == "unsafe"
    assert "`../commons-override.yaml` defines service `cache` too" in finding.message


def test_hf106_sees_an_override_file_define_the_service_after_a_list_item(tmp_path: Path) -> None:
    """`networks: [backend]` written as a block list right before the override's `cache:`:
    the service is still defined there, and its `redis-server --port 6380` would leave
    `redis-cli ping` asking 6379, never healthy."""
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: nginx:1.27\n  cache:\n    image: redis:7.2\n")
    (tmp_path / "compose.override.yaml").write_text(
        "services:\n  web:\n    networks:\n      - backend\n  cache:\n    command: redis-server --port 6380\n"
    )
    [result] = run(
        [tmp_path / "compose.yaml"], Engine(Settings(select=("HF106",)).rules()), Mode.CHECK, tmp_path, jobs=1
    )
    [finding] = result.findings
    assert finding.fix is not None and str(finding.fix.applicability) == "unsafe"
    assert "`compose.override.yaml` defines service `cache` too" in finding.message


@pytest.mark.parametrize("jobs", [1, 2])
def test_hf106_is_unsafe_where_an_include_of_a_neighbouring_folder_merges_an_override_over_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    """Compose's own example: `app/compose.yaml` has `include: [{path: [../commons/compose.yaml,
    ./commons-override.yaml]}]`, whose `redis-server --port 6380` would leave `redis-cli ping`
    asking 6379, never healthy; with workers too, which learn it from this process. The
    service a plain include brings in is the one this file writes."""
    monkeypatch.setattr(runner, "POOL_FROM_BYTES", 1)
    (tmp_path / "commons").mkdir()
    (tmp_path / "commons" / "compose.yaml").write_text("services:\n  cache:\n    image: redis:7.2\n")
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "compose.yaml").write_text("include:\n  - ../commons/compose.yaml\n")
    engine = Engine(Settings(select=("HF106",)).rules())
    [result] = [r for r in run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=jobs) if r.findings]
    assert str(result.findings[0].fix.applicability) == "safe"
    (tmp_path / "app" / "compose.yaml").write_text(
        "include:\n  - path:\n      - ../commons/compose.yaml\n      - ./commons-override.yaml\n"
    )
    (tmp_path / "app" / "commons-override.yaml").write_text(
        "services:\n  cache:\n    command: redis-server --port 6380\n"
    )
    [result] = [r for r in run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=jobs) if r.findings]
    [finding] = result.findings
    assert finding.fix is not None and str(finding.fix.applicability) == "unsafe"
    assert "`../app/commons-override.yaml` defines service `cache` too" in finding.message


def test_a_folder_of_hundreds_of_compose_files_parses_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """coolify's templates/compose holds 368 Compose files: each reads every other file of the
    folder, in the same order, and a cache of the last 256 texts parsed all of them again for
    each (80 s for the folder)."""
    from hardenfix.sources import compose

    count = 270  # more than the 256 texts the cache held
    for number in range(count):
        (tmp_path / f"app{number}.yaml").write_text(f"services:\n  app{number}:\n    image: app:{number}\n")
    parsed = []
    parse = compose.ComposeDocument.parse.__func__  # type: ignore[attr-defined]

    def counted(cls: type[compose.ComposeDocument], text: str, empty_allowed: bool = False) -> compose.ComposeDocument:
        parsed.append(text)
        assert len(parsed) <= 3 * count, "the folder's files are parsed again for each file"
        return parse(cls, text, empty_allowed)

    monkeypatch.setattr(compose.ComposeDocument, "parse", classmethod(counted))
    for path in sorted(tmp_path.iterdir()):
        assert compose.parse(path.read_text(), path).files_merged_over() == []


def test_a_yaml_file_beside_a_compose_file_is_parsed_only_where_it_may_hold_services(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """coolify's 480 KB `openapi.yaml` beside its Compose files was parsed for each, for
    services it cannot hold (its `/services:` path is no such key), longer than the Compose
    file took to check; a `services` key written any other way YAML allows is still found."""
    from hardenfix.sources import compose

    neighbours = {
        "flow.yaml": "{services: {web: {environment: {A: '1'}}}}\n",
        "quoted.yaml": '"services" :\n  web:\n    environment: {B: "1"}\n',
        "explicit.yaml": "? services\n:\n  web:\n    environment: {C: '1'}\n",
        "alias.yaml": "x-key: &key services\n*key :\n  web:\n    environment: {D: '1'}\n",
        "openapi.yaml": "openapi: 3.1.0\npaths:\n  /services:\n    get:\n      summary: List the services\n",
    }
    for name, text in neighbours.items():
        (tmp_path / name).write_text(text)
    path = tmp_path / "compose.yaml"
    path.write_text("services:\n  web:\n    image: nginx:1.27\n")
    parsed = []
    parse = compose.ComposeDocument.parse.__func__  # type: ignore[attr-defined]

    def counted(cls: type[compose.ComposeDocument], text: str, empty_allowed: bool = False) -> compose.ComposeDocument:
        parsed.append(text)
        return parse(cls, text, empty_allowed)

    monkeypatch.setattr(compose.ComposeDocument, "parse", classmethod(counted))
    merged = compose.parse(path.read_text(), path).files_merged_over()
    assert sorted(name for name, _ in merged) == ["alias.yaml", "explicit.yaml", "flow.yaml", "quoted.yaml"]
    assert neighbours["openapi.yaml"] not in parsed


def hf106_findings(root: Path) -> dict[str, tuple[str | None, str]]:
    [result] = run([root / "compose.yaml"], Engine(Settings(select=("HF106",)).rules()), Mode.CHECK, root, jobs=1)
    return {
        finding.message.split("`")[1]: (str(finding.fix.applicability) if finding.fix else None, finding.message)
        for finding in result.findings
    }


def test_hf106_a_probe_that_a_service_of_another_file_takes_through_extends_is_unsafe(tmp_path: Path) -> None:
    """compose-go: `extends: {file: compose.yaml, service: cache}` takes the whole of cache,
    its healthcheck too, whatever that service runs."""
    (tmp_path / "compose.yaml").write_text("services:\n  cache:\n    image: redis:7.4.1\n")
    (tmp_path / "compose.tools.yaml").write_text(
        "services:\n  shell:\n    extends:\n      file: compose.yaml\n      service: cache\n"
        "    command: sleep infinity\n"
    )
    applicability, message = hf106_findings(tmp_path)["cache"]
    assert applicability == "unsafe"
    assert message.endswith(
        "(unsafe fix: `compose.tools.yaml` extends `cache`, whose healthcheck would take what is written here)"
    )


def test_hf106_a_service_that_extends_one_merging_the_mapping_takes_the_probe_too(tmp_path: Path) -> None:
    """`admin` extends `copy`, which merges cache's mapping: what is written into cache's
    mapping (or copy's) is admin's healthcheck too, and admin runs another program."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  cache: &cache\n    image: redis:7.4.1\n  copy:\n    <<: *cache\n"
        "    environment:\n      MODE: copy\n  admin:\n    extends: copy\n"
        "    image: example/admin:1.0\n    command: admin serve\n"
    )
    findings = hf106_findings(tmp_path)
    assert findings["cache"] == (
        None,
        "data service `cache` has no healthcheck; `redis` has a standard probe (not fixed: service `admin` extends"
        " `copy`, which merges its mapping and would take this probe, which is not one for what it runs: give it a"
        " healthcheck of its own first (`disable: true` for none))",
    )
    assert findings["copy"][0] is None
    assert "service `admin` extends it and would take this probe" in findings["copy"][1]


def test_a_service_that_extends_its_own_file_by_name_extends_the_service_beside_it(tmp_path: Path) -> None:
    """compose-go loads `file: compose.yaml` written in compose.yaml as the file itself: the
    worker takes what web's mapping says, and what is written there."""
    (tmp_path / "compose.yaml").write_text(
        "services:\n  cache:\n    image: redis:7.4.1\n  shell:\n    extends:\n      file: ./compose.yaml\n"
        "      service: cache\n    image: example/shell:1.0\n    command: sleep infinity\n"
    )
    findings = hf106_findings(tmp_path)
    assert findings["cache"][0] is None
    assert "service `shell` extends it and would take this probe" in findings["cache"][1]


def test_a_dockerfile_built_from_several_contexts_gets_no_safe_fix_read_in_one(tmp_path: Path) -> None:
    """Two services build docker/Dockerfile from their own folders: HF202 reads what it copies
    in the last one's context, which says nothing of the other's."""
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text(
        "FROM python:3.12-slim\nWORKDIR /srv\nCOPY app/ /srv/app/\nCOPY common/ /srv/app/common/\n"
        'CMD ["python", "/srv/app/main.py"]\n'
    )
    for service, main in (("other", 'print("other")\n'), ("svc", "from app.common import util\n")):
        for path, text in (("app/__init__.py", ""), ("app/main.py", main), ("common/__init__.py", "")):
            (tmp_path / service / path).parent.mkdir(parents=True, exist_ok=True)
            (tmp_path / service / path).write_text(text)
    (tmp_path / "compose.yaml").write_text(
        "services:\n  other:\n    build:\n      context: ./other\n      dockerfile: ../docker/Dockerfile\n"
        "  svc:\n    build:\n      context: ./svc\n      dockerfile: ../docker/Dockerfile\n"
    )
    results = run([tmp_path], Engine(Settings(select=("HF202",)).rules()), Mode.CHECK, tmp_path, jobs=1)
    [finding] = [finding for result in results for finding in result.findings]
    assert finding.fix is not None and str(finding.fix.applicability) == "unsafe"
    assert finding.message.endswith(
        "(unsafe fix: services build the Dockerfile from more than one context (`../other`, `../svc`), and what it"
        " copies is read in `../svc` alone)"
    )


def test_a_context_that_lacks_what_the_dockerfile_copies_builds_nothing_to_doubt(tmp_path: Path) -> None:
    """PMOVES.AI's archon Dockerfile is built from `pmoves/` and, by a stale Compose file,
    from the folder above, which holds none of what it copies: that build fails, and no
    working deployment makes it."""
    (tmp_path / "docker").mkdir()
    (tmp_path / "docker" / "Dockerfile").write_text(
        "FROM python:3.12-slim\nWORKDIR /srv\nCOPY app/ /srv/app/\nCOPY common/ /srv/app/common/\n"
        'CMD ["python", "/srv/app/main.py"]\n'
    )
    for path, text in (("app/__init__.py", ""), ("app/main.py", "from app.common import util\n"), ("common/x.py", "")):
        (tmp_path / "svc" / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "svc" / path).write_text(text)
    (tmp_path / "stale").mkdir()
    (tmp_path / "compose.yaml").write_text(
        "services:\n  stale:\n    build:\n      context: ./stale\n      dockerfile: ../docker/Dockerfile\n"
        "  svc:\n    build:\n      context: ./svc\n      dockerfile: ../docker/Dockerfile\n"
    )
    results = run([tmp_path], Engine(Settings(select=("HF202",)).rules()), Mode.CHECK, tmp_path, jobs=1)
    [finding] = [finding for result in results for finding in result.findings]
    assert finding.fix is not None and str(finding.fix.applicability) == "safe", finding.message
