"""The runner: worker pool results equal in-process ones, in order; the cache skips only clean files."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from hardenfix import cache as cache_module
from hardenfix import runner
from hardenfix.cache import Cache
from hardenfix.config import Configuration, Settings
from hardenfix.engine import Engine
from hardenfix.model import Applicability, FileKind, Outcome
from hardenfix.registry import rule_by_code
from hardenfix.runner import Mode, run

MANY = 128
"""Files for two workers to share: two batches and then some."""


@pytest.fixture(autouse=True)
def pool_from_the_first_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A run with two jobs starts its workers at once: these trees are far smaller than
    what makes workers pay, and the pool is what is tested."""
    monkeypatch.setattr(runner, "POOL_FROM_BYTES", 1)


SECRET = "services:\n  db:\n    image: example/db:1\n    environment:\n      DB_PASSWORD: ${{DB_PASSWORD:-pw{n}}}\n"
CLEAN = "services:\n  web:\n    image: example/web:{n}\n"


def tree(root: Path, files: int) -> Path:
    for n in range(files):
        folder = root / f"s{n:04d}"
        folder.mkdir(parents=True)
        (folder / "compose.yaml").write_text((SECRET if n % 3 == 0 else CLEAN).format(n=n))
    return root


def summary(results) -> list[tuple[str, str, list[str]]]:
    return [(r.display_path, r.outcome.value, [f.code for f in r.findings]) for r in results]


@pytest.mark.parametrize("mode", [Mode.CHECK, Mode.DIFF])
def test_pool_gives_the_in_process_results_in_the_same_order(tmp_path: Path, mode: Mode) -> None:
    root = tree(tmp_path, MANY + 70)
    engine = Engine(Settings().rules())
    in_process = list(run([root], engine, mode, cwd=tmp_path, jobs=1))
    pooled = list(run([root], engine, mode, cwd=tmp_path, jobs=2))
    assert summary(pooled) == summary(in_process)
    assert [r.fixed_bytes for r in pooled] == [r.fixed_bytes for r in in_process]
    assert len(pooled) == MANY + 70


def count_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from hardenfix.sources import compose

    parsed: list[str] = []
    real_parse = compose.parse

    def counting_parse(text, location=None, **told):
        parsed.append(str(location))
        return real_parse(text, location, **told)

    monkeypatch.setattr(compose, "parse", counting_parse)
    return parsed


def test_workers_start_once_the_files_sent_make_them_pay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    start_pool = runner._Processing._start_pool
    monkeypatch.setattr(runner._Processing, "_start_pool", lambda self: started.append(self._sent) or start_pool(self))
    root = tree(tmp_path / "tree", MANY)
    size = sum(path.stat().st_size for path in root.rglob("compose.yaml"))
    engine = Engine(Settings().rules())
    monkeypatch.setattr(runner, "POOL_FROM_BYTES", size + 1)
    in_process = list(run([root], engine, Mode.CHECK, tmp_path, jobs=2))
    assert started == []
    monkeypatch.setattr(runner, "POOL_FROM_BYTES", size // 2)
    processed_here: list[Path] = []
    process = runner.process
    monkeypatch.setattr(
        runner, "process", lambda candidate, job: processed_here.append(candidate.path) or process(candidate, job)
    )
    pooled = list(run([root], engine, Mode.CHECK, tmp_path, jobs=2))
    [sent] = started
    assert size // 2 <= sent < size
    assert summary(pooled) == summary(in_process)
    assert processed_here == []  # the files sent before the workers started went to them too


@pytest.mark.parametrize("pooled", [False, True])
def test_this_process_may_fork_a_helper_until_the_workers_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pooled: bool
) -> None:
    """A file checked here may have its services' code read by a helper (`facts.ahead`)
    while this process has a core to spare: not once the workers use them."""
    from hardenfix.facts import ahead

    monkeypatch.setattr(ahead, "allowed", False)
    if not pooled:
        monkeypatch.setattr(runner, "POOL_FROM_BYTES", 1 << 30)
    list(run([tree(tmp_path / "tree", 4)], Engine(Settings().rules()), Mode.CHECK, tmp_path, jobs=2))
    assert ahead.allowed is not pooled


def test_warm_check_parses_nothing_and_reports_the_same(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "tree", 9)
    engine = Engine(Settings().rules())
    parsed = count_parses(monkeypatch)
    cold = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert len(parsed) == 9
    parsed.clear()
    warm = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert parsed == []
    assert [r.findings for r in warm] == [r.findings for r in cold]
    assert sum(len(r.findings) for r in warm) == 3
    assert (tmp_path / cache_module.DIRECTORY_NAME / ".gitignore").read_text() == "# Created by hardenfix.\n*\n"


def test_a_cache_is_loaded_without_collecting_and_left_out_of_later_collections(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A loaded cache holds no reference cycles and lasts the run: no collection runs while
    its entries are read and made, at any threshold, and what it holds is frozen, so that
    none scans it again; the collector is left on."""
    import gc
    import json

    root = tree(tmp_path / "tree", 9)
    list(run([root], Engine(Settings().rules()), Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    collections: list[int] = []
    seen_at: list[int] = []  # collections so far, when the JSON is read and when its entries are checked

    def record(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            collections.append(info["generation"])

    loads, well_formed = json.loads, cache_module._well_formed
    monkeypatch.setattr(cache_module.json, "loads", lambda text: seen_at.append(len(collections)) or loads(text))
    monkeypatch.setattr(
        cache_module, "_well_formed", lambda remembered: seen_at.append(len(collections)) or well_formed(remembered)
    )
    threshold = gc.get_threshold()
    gc.unfreeze()
    gc.callbacks.append(record)
    gc.set_threshold(1)  # a collection at every allocation, unless none may run
    try:
        store = cache_module._Store(str(tmp_path), tmp_path / cache_module.DIRECTORY_NAME)
        store.load()
        assert len(seen_at) == 2 and seen_at[0] == seen_at[1]
        assert gc.isenabled()
        assert store.remembered.entries
        assert gc.get_freeze_count() > 0
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(record)
        gc.unfreeze()


def test_apply_still_fixes_files_the_cache_remembers_findings_for(tmp_path: Path) -> None:
    root = tree(tmp_path / "tree", 3)
    engine = Engine(Settings().rules())
    list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    applied = list(run([root], engine, Mode.DIFF, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert [r.changed for r in applied] == [True, False, False]


SILENT = "def rate():\n    try:\n        return fetch()\n    except Exception:\n        pass\n"


@pytest.mark.parametrize("jobs", [1, 2])
def test_check_reports_a_fix_without_making_its_edits_unless_asked(tmp_path: Path, jobs: int) -> None:
    root = tmp_path / "tree"
    for n in range(MANY if jobs > 1 else 1):
        (root / f"m{n:03d}.py").parent.mkdir(exist_ok=True)
        (root / f"m{n:03d}.py").write_text(SILENT)
    engine = Engine(Settings(select=("HF303",)).rules())
    [first, *_] = run([root], engine, Mode.CHECK, tmp_path, jobs=jobs, cache=Cache.open(tmp_path))
    [finding] = first.findings
    assert finding.fixable and not finding.fix.has_edits
    with pytest.raises(LookupError, match="were not made"):
        finding.fix.edits  # noqa: B018
    # The cache remembers the fix without edits: a run that shows edits makes them anew.
    [first, *_] = run([root], engine, Mode.CHECK, tmp_path, jobs=jobs, cache=Cache.open(tmp_path), fix_edits=True)
    [finding] = first.findings
    assert finding.fix.edits[0].content.startswith("import logging")
    [first, *_] = run([root], engine, Mode.CHECK, tmp_path, jobs=jobs, cache=Cache.open(tmp_path), fix_edits=True)
    assert first.findings == [finding]


def age(root: Path, seconds: int = 3600) -> None:
    """Every file under `root` last modified `seconds` ago: long settled."""
    past = time.time() - seconds
    for path in root.rglob("*"):
        os.utime(path, (past, past))


def settle(*paths: Path) -> None:
    """Each file last modified ten minutes ago: its status stands for its bytes."""
    past = time.time() - 600
    for path in paths:
        os.utime(path, (past, past))


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from hardenfix import runner

    read: list[str] = []

    def counting(real_read):
        def read_and_count(path: Path) -> bytes:
            read.append(Path(path).name)
            return real_read(path)

        return read_and_count

    for name in ("read_bytes", "read_accepted"):
        monkeypatch.setattr(runner, name, counting(getattr(runner, name)))
    return read


def test_a_warm_run_reads_no_file_whose_status_is_unchanged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "tree", 6)
    (root / "s0000" / "Dockerfile").write_text("FROM python:latest\n")
    (root / "s0000" / "compose.yaml").write_text("services:\n  app:\n    build: .\n")
    (root / "s0001" / "app.py").write_text("import os\n")
    age(root)
    engine = Engine(Settings().rules())
    cold = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    read = count_reads(monkeypatch)
    parsed = count_parses(monkeypatch)
    warm = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert (read, parsed) == ([], [])  # the build context included
    assert summary(warm) == summary(cold)
    assert [r.display_path for r in warm if r.findings] == ["tree/s0000/Dockerfile", "tree/s0003/compose.yaml"]
    (root / "s0001" / "compose.yaml").write_text(SECRET.format(n=1))
    again = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert read == ["compose.yaml"]  # once, for its findings and its build contexts
    assert [r.display_path for r in again if r.findings][1:] == ["tree/s0001/compose.yaml", "tree/s0003/compose.yaml"]


def test_a_warm_run_parses_no_file_that_does_not_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Why a file does not parse depends on its own bytes: the cache remembers it, and a
    warm run reads it no more, for its finding or for the build contexts Dockerfiles wait for."""
    root = tree(tmp_path / "tree", 2)
    (root / "broken").mkdir()
    (root / "broken" / "compose.yaml").write_text("services:\n  web:\n    image: [unclosed\n")
    (root / "broken" / "app.py").write_text("from prometheus_client import Counter\n\ndef broken(:\n    pass\n")
    (root / "s0001" / "Dockerfile").write_text("FROM python:3.12-slim\n")
    age(root)
    engine = Engine(Settings().rules())

    def outcomes() -> list[tuple[str, str, str | None, list[str], int]]:
        results = run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
        return [(r.display_path, r.outcome.value, r.error, [f.code for f in r.findings], r.failing) for r in results]

    cold = outcomes()
    assert [(path, outcome, codes) for path, outcome, _, codes, _ in cold if outcome == "invalid"] == [
        ("tree/broken/app.py", "invalid", ["HF002"]),
        ("tree/broken/compose.yaml", "invalid", ["HF002"]),
    ]
    read, parsed = count_reads(monkeypatch), count_parses(monkeypatch)
    assert outcomes() == cold
    assert (read, parsed) == ([], [])


@pytest.mark.parametrize(("included", "including"), [("commons", "app"), ("base", "stack")])
def test_a_file_an_include_merges_over_is_read_again_only_when_what_is_merged_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, included: str, including: str
) -> None:
    """What the including file (found before or after it) merges over the included one is
    learnt from the cache too; a change to another Compose file, or one to the including
    file that merges the same files over it, reads the included one no more; one to what is
    merged over it does."""
    root = tmp_path / "tree"
    for folder in (included, including, "other"):
        (root / folder).mkdir(parents=True)
    (root / included / "compose.yaml").write_text(SECRET.format(n=0))
    including_file = root / including / "compose.yaml"
    including_file.write_text(f"include:\n  - path: [../{included}/compose.yaml, ./override.yaml]\n")
    override = root / including / "override.yaml"
    override.write_text("services:\n  db:\n    environment:\n      DB_PASSWORD: !reset null\n")
    (root / "other" / "compose.yaml").write_text(CLEAN.format(n=1))
    age(root)
    engine = Engine(Settings(select=("HF110",)).rules())

    def applicability() -> str:
        results = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
        [result] = [r for r in results if r.findings]
        return str(result.findings[0].fix.applicability)

    assert applicability() == "unsafe"
    read, parsed = count_reads(monkeypatch), count_parses(monkeypatch)
    assert applicability() == "unsafe"
    assert (read, parsed) == ([], [])
    (root / "other" / "compose.yaml").write_text(CLEAN.format(n=2))
    including_file.write_text(including_file.read_text() + "services:\n  web:\n    image: nginx:1.27\n")
    settle(root / "other" / "compose.yaml", including_file)
    assert applicability() == "unsafe"
    assert sorted(parsed) == sorted([str(including_file), str(root / "other" / "compose.yaml")])
    read.clear()
    parsed.clear()
    override.write_text("services:\n  db:\n    environment:\n      OTHER: value\n")
    settle(override)
    assert applicability() == "safe"
    assert (read, parsed) == (["compose.yaml"], [str(root / included / "compose.yaml")])


def test_a_touched_file_is_read_once_and_its_new_status_remembered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes the cache knows under a new status (a `touch`, a checkout that rewrote the
    file) are answered without parsing, and the next run need not read them."""
    root = tree(tmp_path / "tree", 3)
    age(root)
    engine = Engine(Settings().rules())
    cold = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    touched = root / "s0000" / "compose.yaml"
    os.utime(touched, (time.time() - 600, time.time() - 600))
    read, parsed = count_reads(monkeypatch), count_parses(monkeypatch)
    after_touch = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert (read, parsed) == (["compose.yaml"], [])
    assert summary(after_touch) == summary(cold) and [f.code for f in after_touch[0].findings] == ["HF110"]
    read.clear()
    list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert read == []


def test_a_file_modified_just_before_the_run_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "tree", 1)
    compose = root / "s0000" / "compose.yaml"
    engine = Engine(Settings().rules())
    [first] = run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
    # Rewritten within the same clock tick, at the same size: the status cannot tell.
    status = compose.stat()
    compose.write_text(compose.read_text().replace("DB_PASSWORD:-pw0", "DB_PASSWORD:?pw0"))
    os.utime(compose, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert compose.stat().st_size == status.st_size
    read = count_reads(monkeypatch)
    [second] = run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
    assert read == ["compose.yaml"]
    assert [f.code for f in first.findings] == ["HF110"]
    assert second.findings == []


def test_changed_content_or_settings_miss_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tree(tmp_path / "tree", 2)
    settings = Settings()
    engine = Engine(settings.rules())
    list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    parsed = count_parses(monkeypatch)
    (root / "s0001" / "compose.yaml").write_text(CLEAN.format(n="changed"))
    list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert [Path(p).parent.name for p in parsed] == ["s0001"]
    other = Settings(select=("HF110",))
    assert other.fingerprint() != settings.fingerprint()
    start_period = rule_by_code("HF101").Options(start_period="45s")
    configured = Settings(rule_options={"HF101": start_period})
    assert configured.fingerprint() != settings.fingerprint()
    assert configured.fingerprint(kinds=(FileKind.PYTHON,)) == settings.fingerprint(kinds=(FileKind.PYTHON,))


def test_rules_reach_spawned_workers_pickled(tmp_path: Path) -> None:
    """Where workers cannot be forked (Windows), the job goes to them pickled, with its
    rules and the knowledge base they share, made or not yet."""
    import pickle

    made_late, made = Settings().rules(), Settings().rules()
    assert made[0].knowledge is made[-1].knowledge  # made once, shared
    for rules in (made_late, made):
        received = pickle.loads(pickle.dumps(rules))
        assert received[0].knowledge is received[-1].knowledge
        assert received[0].knowledge.images["postgres"].repository == "postgres"


def test_a_cache_made_under_another_python_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Which files `ast` parses depends on the interpreter: Python 3.11 refuses what 3.12
    allows in f-strings, and a cache of 3.11's parse errors would hide 3.12's findings."""
    module = tmp_path / "app.py"
    module.write_text(
        "def total(parts):\n    try:\n        return sum(parts)\n    except Exception:\n        return 0\n"
    )
    engine = Engine(Settings(select=("HF303",)).rules())
    [first] = run([module], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
    assert [finding.code for finding in first.findings] == ["HF303"]
    current = "py{}{}".format(*sys.version_info[:2])
    monkeypatch.setattr(cache_module.sys, "version_info", (3, 99, 0, "final", 0))
    parsed = []
    monkeypatch.setattr(
        runner, "process", lambda candidate, job, process=runner.process: parsed.append(1) or process(candidate, job)
    )
    [second] = run([module], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
    assert parsed == [1]
    assert [(finding.code, finding.start.line) for finding in second.findings] == [("HF303", 4)]
    assert sorted(path.name for path in (tmp_path / ".hardenfix_cache").glob("cache-*.json")) == [
        f"cache-{cache_module.__version__}-{python}-{cache_module.FORMAT}.json" for python in (current, "py399")
    ]


def test_a_changed_dependency_misses_the_cache(tmp_path: Path) -> None:
    dockerfile = tmp_path / "app" / "Dockerfile"
    dockerfile.parent.mkdir()
    dockerfile.write_text("FROM example/base:1\n")
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  app:\n    build: ./app\n")
    engine = Engine(Settings(select=("HF106",)).rules())

    def findings() -> list[str]:
        [result] = run([compose], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
        return [finding.code for finding in result.findings]

    assert findings() == []
    dockerfile.write_text("FROM postgres:16\n")  # the built image now has a standard probe
    assert findings() == ["HF106"]
    assert findings() == ["HF106"]


def test_a_dependency_written_within_the_clock_tick_is_not_trusted(tmp_path: Path) -> None:
    """A file system that keeps whole seconds (FAT, HFS+, some network mounts) gives a file
    written twice within one second, at the same size, the same status: an entry made while
    a dependency was that fresh is not kept, as git treats a racily clean file."""
    dockerfile = tmp_path / "app" / "Dockerfile"
    dockerfile.parent.mkdir()
    dockerfile.write_text("FROM example/base:16\n")
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  app:\n    build: ./app\n")
    engine = Engine(Settings(select=("HF106",)).rules())
    second = time.time_ns() // 1_000_000_000 * 1_000_000_000  # as such a file system keeps it
    os.utime(dockerfile, ns=(second, second))
    written = dockerfile.stat()

    def findings() -> list[str]:
        [result] = run([compose], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
        return [finding.code for finding in result.findings]

    assert findings() == []
    dockerfile.write_text("FROM postgres:16.1.0\n")  # the same size, and below, the same time
    assert dockerfile.stat().st_size == written.st_size
    os.utime(dockerfile, ns=(written.st_atime_ns, written.st_mtime_ns))
    assert findings() == ["HF106"]


def test_code_read_through_a_build_context_is_a_dependency(tmp_path: Path) -> None:
    """HF106 reads the service's code for its health route: a changed module, a module
    added to a folder it listed, and a `.dockerignore` written since, make the Compose
    file's findings anew."""
    app = tmp_path / "api" / "app"
    app.mkdir(parents=True)
    (tmp_path / "api" / "Dockerfile").write_text(
        "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y curl\nWORKDIR /srv\nCOPY app/ ./app/\n"
        'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]\n'
    )
    main = app / "main.py"
    main.write_text(
        "from fastapi import FastAPI\n\nfrom app import health\n\napp = FastAPI()\napp.include_router(health.router)\n\n\n"
        '@app.get("/healthz")\ndef up():\n    return {}\n'
    )
    compose = tmp_path / "compose.yaml"
    compose.write_text("services:\n  api:\n    build: ./api\n")
    engine = Engine(Settings(select=("HF106",)).rules())

    def message() -> str:
        [result] = run([compose], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
        [finding] = result.findings
        return finding.message

    assert "serves `/healthz` on port 8000" in message()
    assert "serves `/healthz` on port 8000" in message()  # from the cache
    main.write_text(main.read_text().replace("/healthz", "/ready"))
    assert "serves `/ready` on port 8000" in message()
    (app / "health.py").write_text(
        'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get("/healthz")\ndef live():\n    return {}\n'
    )
    assert "serves `/healthz` on port 8000" in message()  # found in a module added since
    (tmp_path / "api" / ".dockerignore").write_text("app/health.py\n")
    assert "serves `/ready` on port 8000" in message()  # the build leaves it out since


REALISTIC = (
    Path(__file__).resolve().parent.parent
    / "golden"
    / "dockerfile"
    / "HF201-user-before-privdrop-entrypoint"
    / "realistic-service"
)


def repository_with_compose(root: Path) -> Path:
    """The realistic service laid out as in its repository: the Dockerfile under
    services/pmoves-api/, built by Compose from the repository root."""
    shutil.copytree(REALISTIC / "services", root / "services")
    dockerfile = root / "services" / "pmoves-api" / "Dockerfile"
    shutil.copyfile(REALISTIC / "before.Dockerfile", dockerfile)
    (root / "compose.yaml").write_text(
        "services:\n  pmoves-api:\n    build:\n      context: .\n      dockerfile: services/pmoves-api/Dockerfile\n"
    )
    return dockerfile


@pytest.mark.parametrize("jobs", [1, 2])
def test_compose_build_context_reaches_the_dockerfile_rules(tmp_path: Path, jobs: int) -> None:
    dockerfile = repository_with_compose(tmp_path)
    tree(tmp_path / "filler", MANY)  # files for the workers to share
    # No Compose rule is selected: the Compose file is still read for its build contexts.
    engine = Engine(Settings(select=("HF201",)).rules())
    [with_compose] = [r for r in run([tmp_path], engine, Mode.DIFF, tmp_path, jobs=jobs) if r.path == dockerfile]
    assert [f.code for f in with_compose.fixed] == ["HF201"]
    assert b"# NOTE: Do NOT set USER here - entrypoint drops to pmoves via su" in with_compose.fixed_bytes
    [alone] = list(run([dockerfile], engine, Mode.CHECK, tmp_path, jobs=1))
    # Alone, it is taken to be built from the folder above that holds its entrypoint: a guess.
    [finding] = alone.findings
    assert finding.fix is not None and finding.fix.applicability is Applicability.UNSAFE
    assert "the build context is taken to be `../..`, the nearest folder above" in finding.message


def wait_for(flag: Path, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not flag.exists() and time.monotonic() < deadline:
        time.sleep(0.01)


def walk_pausing_before(path: Path, flag: Path):
    """`discover`, waiting before it yields `path` until `flag` exists (a worker is at the
    Compose file), or ten seconds."""
    discover = runner.discover

    def walk(*arguments, **options):
        for candidate in discover(*arguments, **options):
            if candidate.path == path:
                wait_for(flag)
            yield candidate

    return walk


def assert_the_context_reached_the_dockerfile(tmp_path: Path, dockerfile: Path) -> None:
    """A run with two workers (whose `analyse` a test replaced before they fork): the
    Dockerfile is fixed with the build context its Compose file gives it."""
    engine = Engine(Settings(select=("HF201", "HF101", "HF302")).rules())
    results = list(run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=2))
    [with_compose] = [r for r in results if r.path == dockerfile]
    assert with_compose.findings[0].fix is not None


def test_dockerfiles_do_not_wait_for_a_compose_file_queued_behind_other_batches(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parent reads its build contexts itself; the workers stay at the batches before
    it until the parent has them (or ten seconds, had it waited for the workers)."""
    dockerfile = repository_with_compose(tmp_path)
    # Two at the workers and three in the pool's call queue (a future there already counts as
    # running), one more still pending: the Compose file, behind them, cannot reach the queue.
    for n in range(6):
        (tmp_path / f"a{n}").mkdir()
        (tmp_path / f"a{n}" / "metrics.py").write_text("from prometheus_client import Counter\n")
    released = tmp_path / "contexts-learned"
    analyse, build_contexts_of = runner.analyse, runner._build_contexts_of

    def blocking(engine, kind, text, display_path, *arguments):
        if display_path != "compose.yaml":
            wait_for(released)
        return analyse(engine, kind, text, display_path, *arguments)

    def learned_here(path: Path, cache: Cache | None) -> dict[str, str]:
        released.touch()
        return build_contexts_of(path, cache)

    monkeypatch.setattr(runner, "BATCH_SIZE", 1)
    monkeypatch.setattr(runner, "analyse", blocking)  # in the workers, which fork from here
    monkeypatch.setattr(runner, "_build_contexts_of", learned_here)
    assert_the_context_reached_the_dockerfile(tmp_path, dockerfile)
    assert released.exists()


def test_dockerfiles_do_not_wait_for_a_compose_file_a_worker_is_at(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker may be at a long batch of Compose files when the walk ends (PMOVES.AI's
    folder of 18, 800 ms): the parent reads their build contexts itself, and the Dockerfile
    goes to the other worker meanwhile. The Compose file's check waits until the
    Dockerfile's has begun, or ten seconds, had the parent waited for it."""
    dockerfile = repository_with_compose(tmp_path)
    compose_started, dockerfile_started = tmp_path / "compose-started", tmp_path / "dockerfile-started"
    seen_meanwhile = tmp_path / "dockerfile-checked-meanwhile"
    analyse = runner.analyse

    def slow_compose(engine, kind, *arguments):
        if kind is FileKind.COMPOSE:
            compose_started.touch()
            wait_for(dockerfile_started)
            if dockerfile_started.exists():
                seen_meanwhile.touch()
        elif kind is FileKind.DOCKERFILE:
            dockerfile_started.touch()
        return analyse(engine, kind, *arguments)

    monkeypatch.setattr(runner, "COMPOSE_BATCH_BYTES", 1)  # sent as the walk leaves its folder
    monkeypatch.setattr(runner, "analyse", slow_compose)  # in the workers, which fork from here
    monkeypatch.setattr(runner, "discover", walk_pausing_before(dockerfile, compose_started))
    assert_the_context_reached_the_dockerfile(tmp_path, dockerfile)
    assert seen_meanwhile.exists()


def test_a_compose_file_a_worker_is_at_is_waited_for_while_the_others_are_busy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While every worker has a batch, waiting for the Compose file costs nothing, where
    parsing it here would take a core from them: its build contexts come from its worker's
    result, and it is parsed once, there. The other worker is busy until the build contexts
    are learnt."""
    from hardenfix.sources import compose

    dockerfile = repository_with_compose(tmp_path)
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "metrics.py").write_text("from prometheus_client import Counter\n")
    compose_started, learnt, parses = tmp_path / "compose-started", tmp_path / "learnt", tmp_path / "parses"
    analyse, compose_all, learn = runner.analyse, compose._compose_all, runner._Schedule._learn_from_compose_files

    def slow(engine, kind, text, display_path, *arguments):
        if kind is FileKind.COMPOSE:
            compose_started.touch()
            time.sleep(0.5)
        elif display_path == "busy/metrics.py":
            wait_for(learnt)
        return analyse(engine, kind, text, display_path, *arguments)

    def counted(text: str):
        with parses.open("a") as log:
            log.write(f"{os.getpid()}\n")
        return compose_all(text)

    def learn_then_say_so(schedule: runner._Schedule) -> None:
        learn(schedule)
        learnt.touch()

    monkeypatch.setattr(runner, "BATCH_SIZE", 1)
    monkeypatch.setattr(runner, "COMPOSE_BATCH_BYTES", 1)
    monkeypatch.setattr(runner, "analyse", slow)  # in the workers, which fork from here
    monkeypatch.setattr(compose, "_compose_all", counted)
    monkeypatch.setattr(runner._Schedule, "_learn_from_compose_files", learn_then_say_so)
    monkeypatch.setattr(runner, "discover", walk_pausing_before(dockerfile, compose_started))
    assert_the_context_reached_the_dockerfile(tmp_path, dockerfile)
    [parsed_by] = parses.read_text().split()
    assert parsed_by != str(os.getpid())  # a worker's, not this process's


def test_a_cold_run_parses_each_compose_file_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hardenfix.sources import compose

    repository_with_compose(tmp_path)
    composed: list[str] = []
    real_compose = compose._compose_all
    monkeypatch.setattr(compose, "_compose_all", lambda text: composed.append(text) or real_compose(text))
    results = list(run([tmp_path], Engine(Settings().rules()), Mode.CHECK, tmp_path, jobs=1))
    assert composed == [(tmp_path / "compose.yaml").read_text()]  # for its findings and the Dockerfile's context
    assert "HF201" in [f.code for r in results for f in r.findings]


def test_a_warm_run_gives_a_dockerfile_the_build_context_a_changed_compose_file_gives_it(tmp_path: Path) -> None:
    dockerfile = repository_with_compose(tmp_path)
    compose = tmp_path / "compose.yaml"
    built, not_built = compose.read_text(), "services:\n  pmoves-api:\n    image: example/api:1\n"
    compose.write_text(not_built)
    age(tmp_path)
    engine = Engine(Settings(select=("HF201",)).rules())

    def hf201_fixes() -> list[str | None]:
        results = run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
        return [f.fix and f.fix.applicability.value for r in results if r.path == dockerfile for f in r.findings]

    # Built by no Compose file, its context is taken to be the folder above that holds its
    # entrypoint, a guess, and what runs the image is not seen: the fix is unsafe.
    assert hf201_fixes() == ["unsafe"]
    assert hf201_fixes() == ["unsafe"]
    compose.write_text(built)
    assert hf201_fixes() == ["safe"]
    compose.write_text(not_built)
    assert hf201_fixes() == ["unsafe"]


def service_built_from_code(root: Path, route: str) -> Path:
    """A Compose file whose service runs a FastAPI application with a health route."""
    (root / "app").mkdir(parents=True, exist_ok=True)
    (root / "app" / "Dockerfile").write_text(
        'FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nCMD ["uvicorn", "main:app", "--port", "8000"]\n'
    )
    (root / "app" / "main.py").write_text(
        f'from fastapi import FastAPI\n\napp = FastAPI()\n\n\n@app.get("{route}")\ndef health():\n    return {{}}\n'
    )
    compose = root / "compose.yaml"
    compose.write_text("services:\n  api:\n    build: ./app\n")
    return compose


def count_code_read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules read from now on, and for each module served, `modules run by` it when
    the modules it runs are looked for."""
    from hardenfix.facts import code

    read: list[str] = []
    real_read, real_served = code._read_python, code._served_modules
    monkeypatch.setattr(
        code, "_read_python", lambda relative, *told: read.append(relative) or real_read(relative, *told)
    )
    monkeypatch.setattr(
        code,
        "_served_modules",
        lambda context, listed, served, *told: (
            read.append(f"modules run by {served}") or real_served(context, listed, served, *told)
        ),
    )
    for memo, empty in (("_READ", {}), ("_KEPT", {}), ("_kept_size", 0), ("_SERVED", {})):  # a new process
        monkeypatch.setattr(code, memo, empty)
    return read


@pytest.mark.parametrize("first_jobs", [1, 2])
def test_a_changed_compose_file_reads_its_services_code_again_only_when_it_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first_jobs: int
) -> None:
    """Pre-commit checks the one Compose file staged: what its services' code says comes
    from the cache while every file it was read from keeps its status, whether this
    process or a worker read it first."""
    compose = service_built_from_code(tmp_path, "/healthz")
    age(tmp_path)
    engine = Engine(Settings(select=("HF106",)).rules())

    def probe_fix(jobs: int = 1, cache: bool = True) -> list[str]:
        opened = Cache.open(tmp_path) if cache else None
        [result] = run([compose], engine, Mode.CHECK, tmp_path, jobs=jobs, cache=opened)
        return [finding.fix.title for finding in result.findings if finding.fix is not None]

    read = count_code_read(monkeypatch)
    assert probe_fix(jobs=first_jobs) == ["Add a healthcheck that requests `/healthz` with python3"]
    assert read == (["modules run by main.py", "main.py"] if first_jobs == 1 else [])  # else a worker read it
    compose.write_text(compose.read_text() + "    restart: unless-stopped\n")
    settle(compose)
    read = count_code_read(monkeypatch)
    assert probe_fix() == ["Add a healthcheck that requests `/healthz` with python3"]
    assert read == []
    main = tmp_path / "app" / "main.py"
    main.write_text(main.read_text().replace("/healthz", "/ready"))
    settle(main)
    assert probe_fix() == ["Add a healthcheck that requests `/ready` with python3"]
    assert read == ["modules run by main.py", "main.py"]
    read = count_code_read(monkeypatch)
    assert probe_fix(cache=False) == ["Add a healthcheck that requests `/ready` with python3"]
    assert read == ["modules run by main.py", "main.py"]


def test_a_warm_run_sees_the_port_an_entrypoint_script_changed(tmp_path: Path) -> None:
    """The port read from the script the image's entrypoint runs (`exec gunicorn ... --bind
    :8080` at its end) comes from the cache until the script changes."""
    compose = service_built_from_code(tmp_path, "/healthz")
    dockerfile = tmp_path / "app" / "Dockerfile"
    dockerfile.write_text(
        'FROM python:3.12-slim\nWORKDIR /app\nCOPY . /app\nENTRYPOINT ["/app/start.sh"]\n', encoding="utf-8"
    )
    script = tmp_path / "app" / "start.sh"
    script.write_text("#!/bin/sh\nexec gunicorn main:app -k uvicorn.workers.UvicornWorker --bind :8080\n")
    age(tmp_path)
    engine = Engine(Settings(select=("HF106",)).rules())

    def messages() -> list[str]:
        [result] = run([compose], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
        return [finding.message for finding in result.findings]

    assert messages() == ["api service `api` has no healthcheck; its code serves `/healthz` on port 8080"]
    assert messages() == ["api service `api` has no healthcheck; its code serves `/healthz` on port 8080"]
    script.write_text(script.read_text().replace(":8080", ":8090"))
    settle(script)
    assert messages() == ["api service `api` has no healthcheck; its code serves `/healthz` on port 8090"]


def test_code_read_from_a_file_modified_just_before_the_run_is_not_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rewritten within the same clock tick at the same size, the module's status would
    not tell: what it said is read again."""
    compose = service_built_from_code(tmp_path, "/healthz")
    age(tmp_path)
    os.utime(tmp_path / "app" / "main.py")
    engine = Engine(Settings(select=("HF106",)).rules())
    list(run([compose], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert Cache.open(tmp_path).remembered.facts == {}
    settle(tmp_path / "app" / "main.py")
    list(run([compose], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    kept = {json.loads(key)[0]: facts for key, (_, facts) in Cache.open(tmp_path).remembered.facts.items()}
    assert (kept["served"], kept["code"]["applications"]) == ({"modules": ["main.py"]}, ["main.py"])


@pytest.mark.parametrize(
    "kept",
    [
        {"routes": [["/healthz"]]},  # a route of one field
        {"routes": [], "script_ports": {}, "applications": [], "wrapped": {}, "imports": {}},
    ],
)
def test_code_facts_the_cache_holds_malformed_are_read_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: dict[str, object]
) -> None:
    compose = service_built_from_code(tmp_path, "/healthz")
    age(tmp_path)
    engine = Engine(Settings(select=("HF106",)).rules())
    list(run([compose], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    cache = Cache.open(tmp_path)
    [key] = [key for key in cache.remembered.facts if json.loads(key)[0] == "code"]
    cache.remembered.facts[key][1] = kept
    cache.file.write_text(json.dumps({**json.loads(cache.file.read_text()), "facts": cache.remembered.facts}))
    compose.write_text(compose.read_text() + "    restart: unless-stopped\n")
    settle(compose)
    read = count_code_read(monkeypatch)
    [result] = run([compose], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))
    assert read == ["main.py"]
    assert [f.fix.title for f in result.findings] == ["Add a healthcheck that requests `/healthz` with python3"]


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Batches of two files: more than the workers' window of batches is in flight."""
    from hardenfix import runner

    monkeypatch.setattr(runner, "BATCH_SIZE", 2)


@pytest.mark.usefixtures("small_batches")
def test_the_pool_gives_a_dockerfile_the_context_of_a_compose_file_found_after_it(tmp_path: Path) -> None:
    shutil.copytree(REALISTIC / "services", tmp_path / "services")
    dockerfile = tmp_path / "services" / "pmoves-api" / "Dockerfile"
    shutil.copyfile(REALISTIC / "before.Dockerfile", dockerfile)
    filler = tree(tmp_path / "filler", MANY + 70)
    for folder in sorted(filler.iterdir())[::5]:  # more Dockerfiles than batches in flight
        (folder / "Dockerfile").write_text("FROM python:latest\n")
    (tmp_path / "zz-deploy").mkdir()
    (tmp_path / "zz-deploy" / "compose.yaml").write_text(
        "services:\n  pmoves-api:\n    build:\n      context: ..\n      dockerfile: services/pmoves-api/Dockerfile\n"
    )
    engine = Engine(Settings().rules())
    in_process = list(run([tmp_path], engine, Mode.DIFF, tmp_path, jobs=1))
    pooled = list(run([tmp_path], engine, Mode.DIFF, tmp_path, jobs=2))
    assert summary(pooled) == summary(in_process)
    assert [r.fixed_bytes for r in pooled] == [r.fixed_bytes for r in in_process]
    [with_context] = [r for r in pooled if r.path == dockerfile]
    assert "HF201" in [f.code for f in with_context.fixed]
    assert pooled[-1].display_path == "zz-deploy/compose.yaml"


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.usefixtures("small_batches")
def test_files_found_while_results_wait_for_a_dockerfile_keep_their_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    from hardenfix import runner

    dockerfile = repository_with_compose(tmp_path / "a")  # every file after it waits for the walk's end
    tree(tmp_path / "b", MANY + 70)
    expected = list(run([tmp_path], Engine(Settings().rules()), Mode.DIFF, tmp_path, jobs=1))
    monkeypatch.setattr(runner, "HELD_BATCHES", 3)  # most files wait for their turn to be submitted
    results = list(run([tmp_path], Engine(Settings().rules()), Mode.DIFF, tmp_path, jobs=jobs))
    assert summary(results) == summary(expected)
    assert [r.fixed_bytes for r in results] == [r.fixed_bytes for r in expected]
    assert len(results) > MANY + 70
    [with_context] = [r for r in results if r.path == dockerfile]
    assert "HF201" in [f.code for f in with_context.fixed]


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.usefixtures("small_batches")
def test_more_compose_files_than_results_held_never_stall_the_files_before_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, jobs: int
) -> None:
    from hardenfix import runner

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "Dockerfile").write_text("FROM python:latest\n")
    for n in range(10):  # more than are held: these wait for their turn
        (tmp_path / "a" / f"m{n}.py").write_text("import os\n")
    tree(tmp_path / "b", MANY + 10)  # Compose files, never held back
    expected = list(run([tmp_path], Engine(Settings().rules()), Mode.CHECK, tmp_path, jobs=1))
    monkeypatch.setattr(runner, "HELD_BATCHES", 2)
    results = list(run([tmp_path], Engine(Settings().rules()), Mode.CHECK, tmp_path, jobs=jobs))
    assert summary(results) == summary(expected)


@pytest.mark.usefixtures("small_batches")
def test_a_partly_warm_pool_run_keeps_discovery_order(tmp_path: Path) -> None:
    root = tree(tmp_path / "tree", MANY + 70)
    age(root)
    engine = Engine(Settings().rules())
    cold = list(run([root], engine, Mode.CHECK, tmp_path, jobs=2, cache=Cache.open(tmp_path)))
    for n in range(0, MANY + 70, 7):  # every seventh file changes
        (root / f"s{n:04d}" / "compose.yaml").write_text(SECRET.format(n=n))
    warm = list(run([root], engine, Mode.CHECK, tmp_path, jobs=2, cache=Cache.open(tmp_path)))
    fresh = list(run([root], engine, Mode.CHECK, tmp_path, jobs=2))
    assert summary(warm) == summary(fresh) != summary(cold)
    assert len(warm) == MANY + 70


BROAD_EXCEPT = (
    "import json\n\n\ndef load(text):\n    try:\n        return json.loads(text)\n    except Exception:\n        pass\n"
)
QUIET_MODULE = "VALUE = {n}\n"


def mixed_tree(root: Path) -> Path:
    """Python modules, some with a finding, in folders beside Compose files and a
    Dockerfile, a package below another: the order of a walk interleaves them."""
    for n in range(12):
        folder = root / f"p{n % 4}" / ("sub" if n % 3 == 0 else "")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"m{n:02d}.py").write_text(BROAD_EXCEPT if n % 5 == 0 else QUIET_MODULE.format(n=n))
    (root / "p1" / "compose.yaml").write_text(SECRET.format(n=1))
    (root / "p2" / "Dockerfile").write_text("FROM python:latest\n")
    age(root.parent)  # the tree's own folder too: a walk is remembered once all it listed is settled
    return root


def results_in_full(results) -> list[tuple[object, ...]]:
    return [(r.path, r.display_path, r.outcome, r.kind, [f.code for f in r.findings], r.failing) for r in results]


def test_a_warm_run_places_the_modules_it_recalls_without_making_them_candidates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The modules the cache answers, with findings or none, are placed as the walk is
    recalled, in its order: the results are the cold run's, each with its `Path`; only the
    Compose file and the Dockerfile are placed as candidates."""
    root = mixed_tree(tmp_path / "tree")
    engine = Engine(Settings().rules())
    cold = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    placed: list[Path] = []
    place = runner._Schedule._place
    monkeypatch.setattr(
        runner._Schedule, "_place", lambda self, candidate: placed.append(candidate.path) or place(self, candidate)
    )
    warm = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert results_in_full(warm) == results_in_full(cold)
    assert sum(len(r.findings) for r in warm) == 5  # three modules, the Compose file, the Dockerfile
    assert all(isinstance(r.path, Path) for r in warm)
    assert sorted(path.name for path in placed) == ["Dockerfile", "compose.yaml"]


def test_a_warm_run_processes_a_recalled_module_that_changed(tmp_path: Path) -> None:
    root = mixed_tree(tmp_path / "tree")
    engine = Engine(Settings().rules())
    list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    changed = root / "p1" / "m01.py"
    changed.write_text(BROAD_EXCEPT + "\n")
    settle(changed)
    warm = list(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert results_in_full(warm) == results_in_full(run([root], engine, Mode.CHECK, tmp_path, jobs=1))
    assert [r.findings[0].code for r in warm if r.path == changed] == ["HF303"]


def test_a_warm_run_reports_a_module_reached_from_two_paths_given_once(tmp_path: Path) -> None:
    root = mixed_tree(tmp_path / "tree")
    engine = Engine(Settings().rules())
    paths = [root, root / "p0", root / "p0" / "sub" / "m00.py"]
    cold = list(run(paths, engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    warm = list(run(paths, engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    assert results_in_full(warm) == results_in_full(cold)
    assert len(warm) == 14


def test_a_warm_run_leaves_out_and_ignores_in_modules_what_the_configuration_says(tmp_path: Path) -> None:
    """A configuration written since the walk was remembered (above the tree, which stays
    as it was) counts for the modules the cache answers."""
    from hardenfix.config import Configuration

    root = mixed_tree(tmp_path / "tree")

    def results(cache: Cache | None) -> list[tuple[object, ...]]:
        return results_in_full(run([root], Configuration(), Mode.CHECK, tmp_path, jobs=1, cache=cache))

    results(Cache.open(tmp_path))
    (tmp_path / "hardenfix.toml").write_text(
        'exclude = ["tree/p3/"]\n[per-file-ignores]\n"tree/p0/sub/*.py" = ["HF303"]\n'
    )
    warm = results(Cache.open(tmp_path))
    assert warm == results(None)
    assert not any("p3/" in display for _, display, *_ in warm)
    assert [(display, codes) for _, display, _, _, codes, _ in warm if "p0/" in display] == [
        ("tree/p0/m04.py", []),
        ("tree/p0/m08.py", []),
        ("tree/p0/sub/m00.py", []),
    ]


def test_a_remembered_walk_still_finds_each_folders_configuration(tmp_path: Path) -> None:
    from hardenfix.config import Configuration

    root = tree(tmp_path / "tree", 3)
    (root / "s0000" / "hardenfix.toml").write_text('ignore = ["HF110"]\n')
    age(root)

    def findings() -> list[tuple[str, str, list[str]]]:
        return summary(run([root], Configuration(), Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))

    cold = findings()
    assert findings() == findings() == cold
    assert [codes for path, _, codes in cold if path.startswith("tree/s0000")] == [[]]


@pytest.mark.parametrize(
    "stored",
    [
        "{",
        "[]",
        '{"entries": {}}',
        '{"entries": {"k": 5}, "digests": {}, "build_contexts": {}, "walks": {}}',
        '{"entries": {}, "digests": {"/x": 5}, "build_contexts": {}, "walks": {}}',
        '{"entries": {}, "digests": {}, "build_contexts": {"/x": [1, 2, 3, []]}, "walks": {}}',
        '{"entries": {}, "digests": {}, "build_contexts": {}, "walks": {"/x": {"folders": 1, "extra": 2}}}',
        '{"entries": {}, "digests": {}, "build_contexts": {}, "walks": {"/x": {"folders": [5]}}}',
        '{"entries": {"k": [[["HF110"]], []]}, "digests": {}, "build_contexts": {}, "walks": {}}',
        '{"entries": {"k": [[], [], 5]}, "digests": {}, "build_contexts": {}, "walks": {}, "facts": {}}',
        '{"entries": {}, "digests": {}, "build_contexts": {}, "walks": {}, "facts": {"k": [[["a.py", 1, 2, 3]], {}]}}',
        *(  # a finding whose types are not those `Finding.to_cache` writes
            json.dumps(
                {"entries": {"k": [[finding], []]}, "digests": {}, "build_contexts": {}, "walks": {}, "facts": {}}
            )
            for finding in (
                ["HF110", "s", "two", 1, 2, 3, "m", 4, [], None],
                ["HF110", "s", 2, 1, 2, 3, "m", 4, [["port"]], None],
                ["HF110", "s", 2, 1, 2, 3, "m", 4, [], ["t", "maybe", None]],
                ["HF110", "s", 2, 1, 2, 3, "m", 4, [], ["t", "safe", [["1", 2, "x"]]]],
            )
        ),
    ],
)
def test_a_malformed_cache_file_counts_as_empty(tmp_path: Path, stored: str) -> None:
    cache = Cache.open(tmp_path)
    cache.file.parent.mkdir(parents=True, exist_ok=True)  # opening makes it
    cache.file.write_text(stored)
    reopened = Cache.open(tmp_path)
    remembered = reopened.remembered
    assert [getattr(remembered, name) for name in remembered.__slots__] == [{}] * len(remembered.__slots__)
    root = tree(tmp_path / "tree", 3)
    assert (
        sum(len(r.findings) for r in run([root], Engine(Settings().rules()), Mode.CHECK, tmp_path, cache=reopened)) == 1
    )


@pytest.mark.parametrize(
    "edit",
    [
        lambda walk: walk["files"][0].__setitem__(1, "bogus"),
        lambda walk: walk["files"][0].__setitem__(1, []),
        lambda walk: walk["files"][0].__setitem__(0, 5),
        lambda walk: walk["folders"][0].__setitem__(0, None),
        lambda walk: walk["folders"][0].__setitem__(3, [["a"]]),
        lambda walk: walk["folders"][0].__setitem__(3, "ab"),
        lambda walk: walk["ignore_files"].append([5, 1, 2, 3]),
        lambda walk: walk.__setitem__("temporaries", [7]),
        lambda walk: walk.__setitem__("noted_names", 3),
    ],
    ids=[
        "kind",
        "unhashable kind",
        "file path",
        "folder path",
        "folder names",
        "names string",
        "ignore file",
        "temporary",
        "noted names",
    ],
)
def test_a_remembered_walk_edited_by_hand_counts_as_none(tmp_path: Path, edit) -> None:
    """A cache file sits in the project: a walk whose paths, names or kinds are not what a
    run joins, hashes and classifies is dropped with the rest, and the tree walked again."""
    root = mixed_tree(tmp_path / "tree")
    engine = Engine(Settings().rules())
    cold = results_in_full(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)))
    stored = json.loads(Cache.open(tmp_path).file.read_text())
    (walk,) = stored["walks"].values()
    edit(walk)
    Cache.open(tmp_path).file.write_text(json.dumps(stored))
    assert Cache.open(tmp_path).remembered.walks == {}
    assert results_in_full(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path))) == cold


def _leaves(value: object, path: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Where each value that holds no other sits in `value`, as a path of keys and indexes."""
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list) and value:
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, (*path, index))]
    return [path]


def _of_another_type(value: object) -> object:
    return 5 if isinstance(value, str | list | dict) else [] if value is None else "x"


def test_a_cache_file_with_any_value_of_another_type_reports_what_no_cache_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each value of a cache file that remembers findings, fixes, dependencies, build
    contexts, a walk and a service's code, replaced in turn by one of another type: the
    run neither fails nor reports anything a run without the cache does not."""
    from hardenfix.facts import code

    root = mixed_tree(tmp_path / "tree")
    service = root / "p3"
    (service / "app.py").write_text(
        "from fastapi import FastAPI\nimport uvicorn\napp = FastAPI()\n@app.get('/healthz')\n"
        "def health(): ...\nuvicorn.run(app, port=8000)\n"
    )
    (service / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\nCMD python app.py\n")
    (service / "compose.yaml").write_text("services:\n  api:\n    build: .\n")
    age(root.parent)
    engine = Engine(Settings().rules())

    def results(cache: Cache | None) -> list[tuple[object, ...]]:
        # What this process read of the service's code is forgotten: the cache tells it.
        monkeypatch.setattr(code, "_READ", {})
        monkeypatch.setattr(code, "_SERVED", {})
        return results_in_full(run([root], engine, Mode.CHECK, tmp_path, jobs=1, cache=cache))

    without = results(None)
    results(Cache.open(tmp_path))
    results(Cache.open(tmp_path))  # remembers the walk: the first run made the cache's folder
    file = Cache.open(tmp_path).file
    stored = json.loads(file.read_text())
    assert all(stored[part] for part in ("entries", "digests", "build_contexts", "walks", "facts"))
    for leaf in _leaves(stored):
        edited = json.loads(json.dumps(stored))
        *above, last = leaf
        holder = edited
        for key in above:
            holder = holder[key]
        holder[last] = _of_another_type(holder[last])
        file.write_text(json.dumps(edited))
        assert results(Cache.open(tmp_path)) == without, leaf
        file.write_text(json.dumps(stored))


def test_the_pool_processes_a_file_reached_through_symlinks_once(tmp_path: Path) -> None:
    """Two workers fixing one file through two paths: the second found it changed on disk."""
    for index in range(150):
        real = tmp_path / "real" / f"s{index:03}" / "compose.yaml"
        real.parent.mkdir(parents=True)
        real.write_text(SECRET.format(n=index))
        link = tmp_path / "links" / f"s{index:03}" / "docker-compose.yml"
        link.parent.mkdir(parents=True)
        link.symlink_to(real)
    results = list(run([tmp_path], Configuration(), Mode.WRITE, cwd=tmp_path, jobs=2))
    assert [r.error for r in results if r.error] == []
    assert sorted(r.display_path for r in results) == [f"real/s{index:03}/compose.yaml" for index in range(150)]
    assert all(r.outcome is Outcome.CHANGED for r in results)


def test_identical_compose_files_in_two_folders_are_two_cases_for_the_cache(tmp_path: Path) -> None:
    """Build contexts are relative to the Compose file: the same bytes elsewhere build something else."""
    for folder, base in (("a", "postgres:16"), ("b", "example/base:1")):
        (tmp_path / folder / "app").mkdir(parents=True)
        (tmp_path / folder / "app" / "Dockerfile").write_text(f"FROM {base}\n")
        (tmp_path / folder / "compose.yaml").write_text("services:\n  app:\n    build: ./app\n")
    engine = Engine(Settings(select=("HF106",)).rules())

    def codes(folder: str) -> list[str]:
        [result] = run(
            [tmp_path / folder / "compose.yaml"], engine, Mode.CHECK, tmp_path, jobs=1, cache=Cache.open(tmp_path)
        )
        return [finding.code for finding in result.findings]

    assert codes("a") == ["HF106"]
    assert codes("b") == []
    assert codes("a") == ["HF106"]


def test_the_pool_holds_two_batches_a_worker_and_dockerfiles_go_first() -> None:
    """Dockerfiles come last, and a long one waited behind every batch of modules before it
    (polar, saleor), while the other worker went on alone. The others are handed on as the
    pool gets done with some, by a thread, whatever the run does meanwhile."""
    from concurrent.futures import Future

    handed: list[tuple[str, Future[list[object]]]] = []

    class Pool:
        def submit(self, function: object, batch: str, *rest: object) -> Future[list[object]]:
            future: Future[list[object]] = Future()
            handed.append((batch, future))
            return future

    feed = runner._Feed(Pool(), workers=1)  # type: ignore[arg-type]
    batches = ["modules 1", "modules 2", "modules 3", "modules 4", "dockerfiles 1", "modules 5", "dockerfiles 2"]
    sent = {batch: feed.send((batch, {}, None), first=not batch.startswith("modules")) for batch in batches}
    assert [batch for batch, _ in handed] == ["modules 1", "modules 2", "dockerfiles 1", "dockerfiles 2"]
    for done in ("modules 1", "dockerfiles 1", "dockerfiles 2"):
        sent[done].future.set_result([])  # type: ignore[union-attr]
    assert sent["modules 3"].handed.wait(timeout=10)
    time.sleep(0.05)
    assert not sent["modules 4"].handed.is_set()  # two in hand: modules 2 and 3
    sent["modules 2"].future.set_result([])  # type: ignore[union-attr]
    assert sent["modules 4"].handed.wait(timeout=10)
    sent["modules 3"].future.set_result([])  # type: ignore[union-attr]
    assert sent["modules 5"].handed.wait(timeout=10)
    assert [batch for batch, _ in handed][4:] == ["modules 3", "modules 4", "modules 5"]
    assert sent["dockerfiles 1"].result() == []


@pytest.mark.parametrize("compose_at_a_worker", [False, True])
def test_compose_files_waiting_when_the_walk_ends_go_ahead_of_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, compose_at_a_worker: bool
) -> None:
    """onyx's Compose files are found at the walk's end, and one of them reads its backend's
    code (1.3 s): it waited behind fifty batches of modules while the other worker ran out
    of them. Once the walk is over, they go ahead, unless a Compose file is at a worker:
    the stack of the bench's monorepo reads the contexts its services' own Compose files
    build, and a worker's caches are its own. The modules are held at the workers until
    the walk is over, so that the pool holds four batches then and the others wait."""
    for n in range(8):
        (tmp_path / f"a{n}").mkdir()
        (tmp_path / f"a{n}" / "metrics.py").write_text("from prometheus_client import Counter\n")
    (tmp_path / "zz").mkdir()
    (tmp_path / "zz" / "compose.yaml").write_text("services:\n  web:\n    image: example/web:1\n")
    if compose_at_a_worker:
        (tmp_path / "0").mkdir()
        (tmp_path / "0" / "compose.yaml").write_text("services:\n  db:\n    image: example/db:1\n")
    released = tmp_path / "released"
    analyse, learn, hand = runner.analyse, runner._Schedule._learn_from_compose_files, runner._Feed._hand
    handed: list[str] = []

    def held(engine, kind, text, display_path, *arguments):
        if display_path != "zz/compose.yaml":
            wait_for(released)
        return analyse(engine, kind, text, display_path, *arguments)

    def released_then_learn(schedule: runner._Schedule) -> None:
        released.touch()
        learn(schedule)

    def logged(feed: runner._Feed, sent: runner._Sent) -> None:
        handed.extend(candidate.path.relative_to(tmp_path).as_posix() for candidate in sent.arguments[0])
        hand(feed, sent)

    monkeypatch.setattr(runner, "BATCH_SIZE", 1)
    monkeypatch.setattr(runner, "COMPOSE_BATCH_BYTES", 1)
    monkeypatch.setattr(runner, "analyse", held)  # in the workers, which fork from here
    monkeypatch.setattr(runner._Schedule, "_learn_from_compose_files", released_then_learn)
    monkeypatch.setattr(runner._Feed, "_hand", logged)
    engine = Engine(Settings(select=("HF101", "HF302")).rules())
    list(run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=2))
    modules = [f"a{n}/metrics.py" for n in range(8)]
    if compose_at_a_worker:
        assert handed == ["0/compose.yaml", *modules, "zz/compose.yaml"]
    else:  # behind the four batches the pool held when the walk ended
        assert handed == [*modules[:4], "zz/compose.yaml", *modules[4:]]


def test_what_waits_for_the_pool_when_the_run_ends_is_cancelled() -> None:
    from concurrent.futures import CancelledError, Future

    class Pool:
        def submit(self, *arguments: object) -> Future[list[object]]:
            return Future()

    feed = runner._Feed(Pool(), workers=1)  # type: ignore[arg-type]
    sent = [feed.send((str(n), {}, None), first=False) for n in range(3)]
    feed.close()
    assert [one.handed.is_set() for one in sent] == [True, True, True]
    with pytest.raises(CancelledError):
        sent[2].result()


def test_the_feed_puts_the_batches_chosen_ahead_of_those_waiting() -> None:
    from concurrent.futures import Future

    handed: list[str] = []
    futures: dict[str, Future[list[object]]] = {}

    class Pool:
        def submit(self, function: object, batch: str, *rest: object) -> Future[list[object]]:
            handed.append(batch)
            futures[batch] = Future()
            return futures[batch]

    feed = runner._Feed(Pool(), workers=1)  # type: ignore[arg-type]
    sent = {batch: feed.send((batch, {}, None), first=False) for batch in ("m1", "m2", "m3", "c1", "m4", "c2")}
    feed.put_first(lambda batch: batch.startswith("c"))
    for done, next_handed in (("m1", "c1"), ("m2", "c2"), ("c1", "m3"), ("c2", "m4")):
        futures[done].set_result([])
        assert sent[next_handed].handed.wait(timeout=10)
    assert handed == ["m1", "m2", "c1", "c2", "m3", "m4"]


def test_the_dockerfiles_are_shared_out_in_two_parts_for_each_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which of them take long is not known: DefectDojo's two Django images, side by side in
    the walk, went to one worker in one part, while the other worker had the two quick ones."""
    for name in ("Dockerfile.a", "Dockerfile.b", "Dockerfile.c", "Dockerfile.d"):
        (tmp_path / name).write_text("FROM python:3.12-slim\nUSER app\n")
    monkeypatch.setattr(runner, "POOL_FROM_BYTES", 1)
    batches: list[list[str]] = []
    call = runner._Processing.__call__

    def recorded(self, batch, build_contexts):
        batches.append([candidate.path.name for candidate in batch])
        return call(self, batch, build_contexts)

    monkeypatch.setattr(runner._Processing, "__call__", recorded)
    engine = Engine(Settings(select=("HF203",)).rules())
    assert len(list(run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=2))) == 4
    assert batches == [["Dockerfile.a"], ["Dockerfile.b"], ["Dockerfile.c"], ["Dockerfile.d"]]


def test_the_compose_files_of_a_folder_go_to_one_worker_together(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """They mostly build the same contexts, whose code each worker would read again; a
    folder that holds more than `COMPOSE_FOLDER_BYTES` of them is still shared out."""
    padding = "# " + "x" * 2000 + "\n"  # past COMPOSE_BATCH_BYTES every two files
    for folder, files in (("deploy", 6), ("other", 3)):
        (tmp_path / folder).mkdir()
        for n in range(files):
            (tmp_path / folder / f"docker-compose.{n}.yml").write_text(padding + CLEAN.format(n=n))
    batches: list[list[str]] = []
    call = runner._Processing.__call__

    def recorded(self, batch, build_contexts):
        batches.append(sorted(candidate.path.parent.name for candidate in batch))
        return call(self, batch, build_contexts)

    monkeypatch.setattr(runner._Processing, "__call__", recorded)
    engine = Engine(Settings(select=("HF120",)).rules())
    assert len(list(run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=2))) == 9
    assert sorted(batches) == [["deploy"] * 6, ["other"] * 3]
    batches.clear()
    monkeypatch.setattr(runner, "COMPOSE_FOLDER_BYTES", 3 * len(padding))
    list(run([tmp_path], engine, Mode.CHECK, tmp_path, jobs=2))
    assert sorted(batches) == [["deploy"] * 3, ["deploy"] * 3, ["other"] * 3]
