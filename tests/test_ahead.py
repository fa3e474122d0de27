"""A stack's code read in two processes (`hardenfix.facts.ahead`).

The helper is a forked process: each case that forks one runs in a process of its own,
where no other thread runs (pytest-xdist's workers run some, and no helper is forked there).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from hardenfix.facts import ahead

SERVICES = 6


def _services(root: Path) -> None:
    """`SERVICES` build contexts, each an image of a FastAPI application with its own health route."""
    for number in range(SERVICES):
        context = root / f"svc{number}"
        context.mkdir(parents=True)
        (context / "main.py").write_text(
            "from fastapi import FastAPI\n"
            "import uvicorn\n"
            "app = FastAPI()\n"
            f"@app.get('/v{number}/healthz')\n"
            "def health(): ...\n"
            "if __name__ == '__main__':\n"
            f"    uvicorn.run(app, port={8000 + number})\n"
        )
        (context / "Dockerfile").write_text("FROM python:3.12-slim\nCOPY . /app\nWORKDIR /app\n")


def _run(program: str, root: Path) -> dict:
    """What `program` prints, as JSON, run in a process of its own, given `root`, the
    contexts' folder, `shared(tasks)`, which reads ahead with a helper that has run at least
    one task when this process runs its first (without that, this process could take every
    task before the helper is scheduled), `contexts()`, the `_services`' build contexts,
    `read_code(context)`, their code facts, `read`, the contexts this process read, and
    `a_child_left()`, whether a child process is left unreaped."""
    prelude = textwrap.dedent(
        f"""
        import json, os, sys, time
        from pathlib import Path
        from hardenfix.facts import ahead, code
        from hardenfix.sources.dockerfile import BuildContext

        root = Path({str(root)!r})
        parent = os.getpid()
        ran = root / "ran"

        def taken(task):
            def run():
                with open(ran, "a") as record:
                    record.write(f"{{os.getpid()}}\\n")
                if os.getpid() == parent:
                    deadline = time.monotonic() + 30
                    while all(pid == str(parent) for pid in ran.read_text().split()):
                        assert time.monotonic() < deadline, "the helper ran no task"
                        time.sleep(0.01)
                return task()
            return run

        def shared(tasks):
            ahead.allowed = True
            ahead.ALONE_SECONDS = 0
            ahead.read_ahead([taken(task) for task in tasks])

        read = []
        real_read = code._read
        code._read = lambda context, *rest: read.append(context.root.name) or real_read(context, *rest)

        def contexts():
            return [BuildContext(root / f"svc{{number}}") for number in range({SERVICES})]

        def read_code(context):
            return code.code_facts(context, (".",), (".py",))

        def a_child_left():
            try:
                os.waitpid(-1, os.WNOHANG)
                return True
            except ChildProcessError:
                return False
        """
    )
    completed = subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(program)], capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    (printed,) = completed.stdout.splitlines()  # the helper never goes on with the program
    return json.loads(printed)


def test_what_the_helper_reads_is_read_here_once(tmp_path: Path) -> None:
    _services(tmp_path)
    outcome = _run(
        """
        shared([lambda context=context: read_code(context) for context in contexts()])
        read_here = sorted(read)
        adopted = [read_code(context).to_cache() for context in contexts()]
        code._READ.clear()
        fresh = [read_code(context).to_cache() for context in contexts()]
        print(json.dumps({"read here": read_here, "read again": len(read) - len(read_here),
                          "same": adopted == fresh, "ran": sorted(set(ran.read_text().split()) - {str(parent)})}))
        """,
        tmp_path,
    )
    assert 0 < len(outcome["read here"]) < SERVICES  # the helper read the others
    assert outcome["read again"] == SERVICES  # only once the memo was cleared
    assert outcome["same"]
    assert len(outcome["ran"]) == 1  # one helper


def test_the_cache_learns_what_the_helper_read(tmp_path: Path) -> None:
    _services(tmp_path)
    outcome = _run(
        """
        from hardenfix import remembered
        remembered.recall_from({}, time.time_ns() + 10**9)
        shared([lambda context=context: read_code(context) for context in contexts()])
        learnt = remembered.take_learnt() or {}
        print(json.dumps(sorted(json.loads(key)[1].rpartition("/")[2] for key in learnt)))
        """,
        tmp_path,
    )
    assert outcome == [f"svc{number}" for number in range(SERVICES)]


def test_a_task_that_fails_in_the_helper_is_read_here(tmp_path: Path) -> None:
    _services(tmp_path)
    outcome = _run(
        """
        def task(context):
            if os.getpid() != parent:
                raise RuntimeError("the helper fails")
            return read_code(context)
        try:
            shared([lambda context=context: task(context) for context in contexts()])
        except RuntimeError as error:
            print(json.dumps(f"raised in {'this process' if os.getpid() == parent else 'the helper'}: {error}"))
            sys.exit(0)
        routes = [read_code(context).health_route().path for context in contexts()]
        print(json.dumps(routes))
        """,
        tmp_path,
    )
    assert outcome == [f"/v{number}/healthz" for number in range(SERVICES)]


def test_a_task_that_fails_here_stops_the_helper_and_raises(tmp_path: Path) -> None:
    outcome = _run(
        """
        def task():
            if os.getpid() == parent:
                raise RuntimeError("fails here")
            time.sleep(60)  # the helper is killed, not waited for
        started = time.monotonic()
        try:
            shared([task] * 6)
        except RuntimeError as error:
            raised = str(error)
        print(json.dumps({"raised": raised, "zombie": a_child_left(), "quick": time.monotonic() - started < 30}))
        """,
        tmp_path,
    )
    assert outcome == {"raised": "fails here", "zombie": False, "quick": True}


@pytest.mark.parametrize("why", ["not allowed", "quick tasks", "one task left", "another thread"])
def test_no_helper_is_forked_where_it_may_not_pay_or_be_safe(monkeypatch: pytest.MonkeyPatch, why: str) -> None:
    """Where no helper may be forked at all, nothing runs ahead: each fact is read when
    asked; where none pays or is safe now, the tasks run here."""
    import threading

    ran: list[int] = []
    tasks = [lambda: ran.append(1)] * (1 if why == "one task left" else 4)
    monkeypatch.setattr(ahead, "allowed", why != "not allowed")
    monkeypatch.setattr(ahead, "ALONE_SECONDS", 60 if why == "quick tasks" else 0)
    monkeypatch.setattr(ahead.os, "fork", lambda: pytest.fail("forked"))
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    if why == "another thread":
        other.start()
    else:
        monkeypatch.setattr(ahead, "_other_threads", lambda: False)
    try:
        ahead.read_ahead(tasks)
    finally:
        stop.set()
        if other.is_alive():
            other.join()
    assert len(ran) == (0 if why == "not allowed" else len(tasks))


@pytest.mark.parametrize("given", ["by path", "on stdin"])
def test_a_stack_checked_with_a_helper_reports_as_without(tmp_path: Path, given: str) -> None:
    """HF106 reads the code of the services it plans probes for with a helper where the run
    has a core to spare (`--jobs 2`), the file named or given on stdin (an editor's): the
    report is the one a run of one process gives."""
    _services(tmp_path)
    services = "".join(
        f"  svc{number}:\n    build: ./svc{number}\n    command: python main.py\n" for number in range(SERVICES)
    )
    (tmp_path / "compose.yaml").write_text(f"services:\n{services}")
    program = textwrap.dedent(
        """
        import os, sys
        from hardenfix.entry import main
        from hardenfix.facts import ahead
        ahead.ALONE_SECONDS = 0  # the code of these services reads in less
        fork, forks = os.fork, []
        os.fork = lambda: forks.append(1) or fork()
        try:
            main()
        except SystemExit as exit:
            print(f"\\n{len(forks)} {exit.code}", file=sys.stderr)
        """
    )
    reports, forks = {}, {}
    named = ["compose.yaml"] if given == "by path" else ["--stdin-filename", "compose.yaml", "-"]
    for jobs in ("1", "2"):
        arguments = ["check", "--no-cache", "--jobs", jobs, "--output-format", "json", *named]
        completed = subprocess.run(
            [sys.executable, "-c", program, *arguments],
            cwd=tmp_path,
            input=(tmp_path / "compose.yaml").read_text(),
            capture_output=True,
            text=True,
            check=False,
        )
        forks[jobs], code = completed.stderr.split()[-2:]
        assert code == "1", completed.stderr
        reports[jobs] = completed.stdout
    assert forks == {"1": "0", "2": "1"}
    assert reports["1"] == reports["2"]
    routes = [finding["facts"]["route"].split()[0] for finding in json.loads(reports["2"])]
    assert routes == [f"/v{number}/healthz" for number in range(SERVICES)]


def test_a_worker_of_the_pool_forks_no_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    """Its siblings use the other cores."""
    from hardenfix import runner

    monkeypatch.setattr(runner, "_end_with", lambda parent: None)
    monkeypatch.setattr(runner, "_worker_job", None)
    monkeypatch.setattr(ahead, "allowed", True)
    runner._start_worker(None, 0)  # type: ignore[arg-type]
    assert ahead.allowed is False


def _tasks(root: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> list[list[object]]:
    """The services of the stack `text` (its file in `root`) as `plan_probes_ahead` hands
    them to `read_ahead`: one list of facts a task."""
    from hardenfix.facts import service as service_module
    from hardenfix.knowledge import builtin
    from hardenfix.sources import compose

    (root / "compose.yaml").write_text(text)
    document = compose.parse(text, root / "compose.yaml")
    tasks: list = []
    monkeypatch.setattr(ahead, "read_ahead", tasks.extend)
    service_module.plan_probes_ahead(
        [service_module.service_facts(document, service, builtin()) for service in document.services()]
    )
    return [task.args[0] for task in tasks]


def test_services_that_launch_the_same_code_are_one_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`api` and `api-gpu` run the same code: one process reads it, once; a worker built
    from the same place runs another module, which the other process may read meanwhile."""
    _services(tmp_path)
    (tmp_path / "svc0/worker.py").write_text("import uvicorn\nuvicorn.run('main:app', port=8100)\n")
    built = "    build: ./svc{}\n    command: python {}.py\n"
    services = (("svc0", 0, "main"), ("svc0-gpu", 0, "main"), ("svc0-worker", 0, "worker"), ("svc1", 1, "main"))
    text = "services:\n" + "".join(f"  {name}:\n" + built.format(number, module) for name, number, module in services)
    assert [[facts.name for facts in task] for task in _tasks(tmp_path, text, monkeypatch)] == [
        ["svc0", "svc0-gpu"],
        ["svc0-worker"],
        ["svc1"],
    ]


def test_services_that_serve_the_same_file_are_one_task(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two Dockerfiles of one context that copy different files besides the module both
    serve, and two contexts that hold the same module: the module is parsed once, by one
    process."""
    _services(tmp_path)
    (tmp_path / "svc0/requirements.txt").write_text("fastapi\n")
    (tmp_path / "svc0/Dockerfile.gpu").write_text(
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY main.py requirements.txt ./\n"
    )
    (tmp_path / "svc1/Dockerfile.root").write_text("FROM python:3.12-slim\nCOPY svc1/ /app/\nWORKDIR /app\n")
    text = (
        "services:\n"
        "  svc0:\n    build: ./svc0\n    command: python main.py\n"
        "  svc0-gpu:\n    build: {context: ./svc0, dockerfile: Dockerfile.gpu}\n    command: python main.py\n"
        "  svc1:\n    build: ./svc1\n    command: python main.py\n"
        "  svc1-from-the-root:\n    build: {context: ., dockerfile: svc1/Dockerfile.root}\n"
        "    command: python main.py\n"
        "  svc2:\n    build: ./svc2\n    command: python main.py\n"
    )
    tasks = _tasks(tmp_path, text, monkeypatch)
    assert [[facts.name for facts in task] for task in tasks] == [
        ["svc0", "svc0-gpu"],
        ["svc1", "svc1-from-the-root"],
        ["svc2"],
    ]
    assert {facts.name: facts._code_place[1] for facts in tasks[0]} == {
        "svc0": (".",),
        "svc0-gpu": ("main.py", "requirements.txt"),
    }


def test_a_reading_started_ahead_goes_on_while_this_process_works(tmp_path: Path) -> None:
    """`start` forks the helper before any task (`at_once`) and returns; `finish` takes the
    tasks left, waits for the helper and adopts what it read: each context read once."""
    _services(tmp_path)
    outcome = _run(
        """
        ahead.allowed = True
        ahead.start([taken(lambda context=context: read_code(context)) for context in contexts()], at_once=True)
        returned_before_any_task_here = read == []
        deadline = time.monotonic() + 30
        while not ran.exists() and time.monotonic() < deadline:  # other work, while the helper reads
            time.sleep(0.01)
        finished, again = ahead.finish(), ahead.finish()
        adopted = [read_code(context).health_route().path for context in contexts()]
        print(json.dumps({"returned": returned_before_any_task_here, "finished": finished, "again": again,
                          "read here": len(read), "routes": adopted,
                          "helpers": len(set(ran.read_text().split()) - {str(parent)})}))
        """,
        tmp_path,
    )
    assert outcome["returned"] and outcome["finished"] and not outcome["again"]
    assert outcome["read here"] < SERVICES  # the helper read the others
    assert outcome["routes"] == [f"/v{number}/healthz" for number in range(SERVICES)]
    assert outcome["helpers"] == 1


def test_a_reading_left_pending_where_the_work_fails_is_killed_and_reaped(tmp_path: Path) -> None:
    outcome = _run(
        """
        ahead.allowed = True
        started = time.monotonic()
        try:
            with ahead.finished():
                ahead.start([lambda: time.sleep(60)] * 6, at_once=True)
                raise RuntimeError("a rule fails")
        except RuntimeError as error:
            raised = str(error)
        print(json.dumps({"raised": raised, "zombie": a_child_left(), "quick": time.monotonic() - started < 30,
                          "pending": ahead._pending is not None}))
        """,
        tmp_path,
    )
    assert outcome == {"raised": "a rule fails", "zombie": False, "quick": True, "pending": False}


def test_the_engine_checks_a_rule_reading_ahead_after_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """HF106 starts reading its services' code, HF101 and HF110 run meanwhile, then HF106
    checks: on a file's first reading only (a fix's later passes find it read), and never
    for a file of several YAML documents (a reading is one document's)."""
    from hardenfix.config import Settings
    from hardenfix.engine import Engine, SourceFile
    from hardenfix.model import FileKind
    from hardenfix.rules.compose.hf106_healthcheck_missing import HealthcheckMissing

    _services(tmp_path)
    text = (
        "services:\n  svc0:\n    build: ./svc0\n    command: python main.py\n    healthcheck:\n      test: [CMD, x]\n"
    )
    text += "  svc1:\n    build: ./svc1\n    command: python main.py\n"
    text += "  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-pw}\n"
    rules = Settings(select=("HF101", "HF106", "HF110")).rules()
    happened: list[str] = []
    read_ahead = HealthcheckMissing.read_ahead
    monkeypatch.setattr(
        HealthcheckMissing, "read_ahead", lambda rule, part: happened.append("read ahead") or read_ahead(rule, part)
    )
    for rule in rules:
        monkeypatch.setattr(
            rule, "check", lambda part, check=rule.check, code=rule.code: happened.append(code) or check(part)
        )
    engine = Engine(rules)
    source = SourceFile(tmp_path / "compose.yaml")
    engine.check(FileKind.COMPOSE, text, "compose.yaml", source)
    assert happened == ["read ahead", "HF101", "HF110", "HF106"]
    happened.clear()
    outcome = engine.fix(FileKind.COMPOSE, text, "compose.yaml", source)
    assert outcome.fixed and happened.count("read ahead") == 1
    happened.clear()
    engine.check(FileKind.COMPOSE, text + "---\n" + text, "compose.yaml", source)
    assert "read ahead" not in happened


@pytest.mark.parametrize("served", [2_000, 70_000])
def test_a_reading_ahead_of_other_work_forks_at_once_where_the_services_serve_much(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, served: int
) -> None:
    """Services whose modules hold 64 KB or more (`READ_AT_ONCE_FROM_BYTES`) take long to
    read: the helper is forked before any task; six small ones read in less than a helper
    costs, and it is forked only once the tasks took `ALONE_SECONDS`."""
    from hardenfix.facts import service as service_module
    from hardenfix.knowledge import builtin
    from hardenfix.sources import compose

    _services(tmp_path)
    for number in range(SERVICES):
        main = tmp_path / f"svc{number}" / "main.py"
        main.write_text(main.read_text() + "#" * (served // SERVICES) + "\n")
    text = "services:\n" + "".join(
        f"  svc{number}:\n    build: ./svc{number}\n    command: python main.py\n" for number in range(SERVICES)
    )
    (tmp_path / "compose.yaml").write_text(text)
    document = compose.parse(text, tmp_path / "compose.yaml")
    started: list[bool] = []
    monkeypatch.setattr(ahead, "allowed", True)
    monkeypatch.setattr(ahead, "start", lambda tasks, at_once=False: started.append(at_once))
    service_module.plan_probes_ahead(
        [service_module.service_facts(document, service, builtin()) for service in document.services()],
        other_work_first=True,
    )
    assert started == [served >= service_module.READ_AT_ONCE_FROM_BYTES]
