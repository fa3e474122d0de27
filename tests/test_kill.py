"""SIGKILL an `apply` over a tree of 150 files at each moment of a write that matters.

An atomic write goes through four states: a temporary file is created (empty), the
new content is written into it, it is flushed to disk, and it is renamed over the
original. A run killed between two of them must leave every file byte-identical
either to its original or to its fully fixed version (never half-written), and the
next `apply` must leave no `.hardenfix-*.tmp` temporary behind and finish the job.
Every moment between two writes is one of these states of the write before or after
it, so a kill in each of them, at a write well into the run (part of the tree written,
part not), covers what killing at every instant would; the earlier version of this
test killed at 15 random instants to much the same end, and took minutes. The kill is
made from inside the run, at the exact moment (`KILL_AT`): the whole process group,
the workers with the parent, dies at once, as it does to `kill -9` from outside.

The killed run's worker processes are reaped by this test (it makes itself their
subreaper), as an init process reaps them on a real machine: a dead writer that
nobody reaped lingers as a zombie, which is the subject of the last test.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from hardenfix import files
from hardenfix.files import TEMP_PREFIX, TEMP_SUFFIX

pytestmark = [
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses Linux process control"),
    pytest.mark.xdist_group("kill"),  # one reference run for every round
]
PR_SET_CHILD_SUBREAPER = 36

MOMENTS = ("created", "written", "synced", "renamed")
"""After the temporary is created, after the content is written into it (not yet
flushed), after it is flushed and takes the original's mode (not yet renamed), after
the rename."""
NTH_WRITE = 30
"""The write, in one worker, at which the run is killed: by then the workers have
written dozens of files, and dozens are left."""

KILL_AT = r"""
import os, signal, sys, tempfile
from hardenfix import files

moment, nth = sys.argv[1], int(sys.argv[2])
writes = 0


def kill_the_run():
    os.killpg(0, signal.SIGKILL)  # this process, its parent or workers: the whole run


def count(when):
    global writes
    if when == moment:
        writes += 1
        if writes == nth:
            kill_the_run()


real_mkstemp, real_fsync, real_replace = tempfile.mkstemp, os.fsync, os.replace


def mkstemp(*args, **kwargs):
    made = real_mkstemp(*args, **kwargs)
    if kwargs.get("prefix") == files.TEMP_PREFIX:
        count("created")
    return made


def fsync(descriptor):
    count("written")
    real_fsync(descriptor)


def replace(source, target):
    ours = os.path.basename(source).startswith(files.TEMP_PREFIX)
    if ours:
        count("synced")
    real_replace(source, target)
    if ours:
        count("renamed")


tempfile.mkstemp, os.fsync, os.replace = mkstemp, fsync, replace
sys.argv = ["hardenfix", *sys.argv[3:]]
from hardenfix.cli import main

main()
"""

COMPOSE = """\
services:
  db{i}:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:-secret{i}}}
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 10s
      timeout: 5s
      retries: 5
  web{i}:
    image: example/web:1.{i}
    # the API answers on /healthz
    healthcheck:
      test: curl http://localhost:{port}/healthz
"""
COMPOSE_CRLF = (
    "services:\r\n  cache:\r\n    image: redis:7\r\n    healthcheck:\r\n      test: [CMD, redis-cli, ping]\r\n"
)
DOCKERFILE = """\
FROM python:3.12
ENV API_URL=http://Api.Internal:{port}/
HEALTHCHECK CMD curl -fs http://localhost:{port}/healthz || exit 1
"""
PYTHON = """\
from typing import NamedTuple


class Window{i}(NamedTuple):
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError("end before start")
"""
CLEAN_PYTHON = "def add(a, b):\n    return a + b\n"


def build_tree(root: Path) -> dict[str, bytes]:
    files: dict[str, str] = {}
    for i in range(120):
        files[f"svc{i:03}/compose.yaml"] = COMPOSE.format(i=i, port=8000 + i) if i % 10 else COMPOSE_CRLF
    for i in range(20):
        files[f"svc{i:03}/Dockerfile"] = DOCKERFILE.format(port=9000 + i)
    for i in range(12):
        files[f"lib/mod{i:02}.py"] = PYTHON.format(i=i) if i % 4 else CLEAN_PYTHON
    contents = {}
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        contents[relative] = text.encode("utf-8")
    return contents


def apply(tree: Path, kill_at: tuple[str, int] | None = None) -> subprocess.Popen[bytes]:
    """`hardenfix apply` over `tree`; with `kill_at` (moment, nth write), killed at it."""
    arguments = ["apply", "--no-cache", str(tree)]
    command = [sys.executable, "-m", "hardenfix", *arguments]
    if kill_at is not None:
        command = [sys.executable, "-c", KILL_AT, kill_at[0], str(kill_at[1]), *arguments]
    return subprocess.Popen(
        command,
        cwd=tree.parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its worker processes share its process group: all are killed
    )


def snapshot(tree: Path) -> dict[str, bytes]:
    return {path.relative_to(tree).as_posix(): path.read_bytes() for path in tree.rglob("*") if path.is_file()}


def temporaries(tree: Path) -> list[str]:
    return sorted(path.relative_to(tree).as_posix() for path in tree.rglob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"))


@pytest.fixture
def subreaper():
    """Orphans of processes this test starts become its children, to be reaped by `kill_group`."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        pytest.skip("cannot become a child subreaper")
    yield
    libc.prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the run and its workers, and reap them all."""
    with contextlib.suppress(ProcessLookupError):  # it had finished, workers and all
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    while True:
        try:
            os.waitid(os.P_PGID, process.pid, os.WEXITED)
        except ChildProcessError:
            return


@dataclass
class Reference:
    originals: dict[str, bytes]
    fixed: dict[str, bytes]


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    """The tree before and after a run that is not killed."""
    tree = tmp_path_factory.mktemp("reference") / "tree"
    originals = build_tree(tree)
    full = apply(tree)
    _, stderr = full.communicate(timeout=300)
    assert full.returncode == 0, stderr.decode()
    fixed = snapshot(tree)
    assert fixed.keys() == originals.keys()
    changed = sum(fixed[name] != originals[name] for name in originals)
    assert changed >= 120, "the tree should give apply plenty to write, in worker processes"
    return Reference(originals, fixed)


@pytest.mark.parametrize("moment", MOMENTS)
def test_sigkill_leaves_every_file_whole_and_the_next_run_cleans_up(
    tmp_path: Path, subreaper: None, reference: Reference, moment: str
) -> None:
    tree = tmp_path / "tree"
    originals, fixed = reference.originals, reference.fixed
    build_tree(tree)
    process = apply(tree, kill_at=(moment, NTH_WRITE))
    _, stderr = process.communicate(timeout=300)
    assert process.returncode == -signal.SIGKILL, f"the run was not killed when {moment}: {stderr.decode()}"
    kill_group(process)
    after = snapshot(tree)
    leftovers = temporaries(tree)
    assert [name for name in originals if after.get(name) not in (originals[name], fixed[name])] == []
    assert set(after) - set(originals) - set(leftovers) == set(), "no file but the tree and temporaries"
    written = sum(after[name] == fixed[name] != originals[name] for name in originals)
    assert NTH_WRITE - 1 <= written < len(originals) - 20, "killed with part of the tree written, part not"
    if moment != "renamed":
        assert leftovers, "the killed write's temporary is there"
    if moment == "synced":
        assert {after[name] for name in leftovers} & set(fixed.values()), "a whole fixed file, about to be renamed"

    cleanup = apply(tree)
    _, stderr = cleanup.communicate(timeout=300)
    assert cleanup.returncode == 0, stderr.decode()
    assert temporaries(tree) == [], "the next run removes what the killed one left"
    assert snapshot(tree) == fixed, "the next run finishes the job"


def test_a_temporary_of_a_dead_but_unreaped_writer_is_removed(hardenfix, tmp_path: Path) -> None:
    (tmp_path / "compose.yaml").write_text("services:\n  web:\n    image: example/web:1.0\n")
    writer = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        while Path(f"/proc/{writer.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
            time.sleep(0.01)  # waiting for the child to exit, not an assertion
        stale = tmp_path / f"{files.TEMP_PREFIX}{writer.pid}-abc{files.TEMP_SUFFIX}"
        stale.write_text("partial")
        assert hardenfix(tmp_path, "apply", "--no-cache").code == 0
        assert not stale.exists()
    finally:
        writer.wait()


def children_of(pid: int) -> list[int]:
    """The live (not zombie) processes whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # it ended meanwhile
            if int(fields[1]) == pid and fields[0] != "Z":
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_workers_end_within_two_seconds_of_their_run_being_killed(tmp_path: Path, subreaper: None) -> None:
    """`kill -9` of `apply` alone (an OOM killer, a CI timeout): nothing would tell its busy
    workers, which would then wait for work forever."""
    tree = tmp_path / "tree"
    build_tree(tree)
    for copy in range(1, 4):  # enough work for the workers to be busy when the run is killed
        shutil.copytree(tree / "lib", tree / f"lib{copy}")
        for service in sorted(tree.glob("svc*")):
            shutil.copytree(service, tree / f"copy{copy}" / service.name)
    run = subprocess.Popen(
        [sys.executable, "-c", POOLED, "apply", "--no-cache", "--jobs", "2", str(tree)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while len(workers := children_of(run.pid)) < 2 and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # waiting for the pool, not an assertion
        assert len(workers) == 2, "the run should start two workers"
        time.sleep(0.3)  # into the first batches
        assert run.poll() is None, "the run ended before it could be killed: give it more files"
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        killed = time.monotonic()
        while any(alive(worker) for worker in workers) and time.monotonic() - killed < 2:
            time.sleep(0.02)
        survivors = [worker for worker in workers if alive(worker)]
        assert survivors == [], f"workers still alive 2 s after their run was killed: {survivors}"
    finally:
        kill_group(run)


POOLED = """
import sys
from hardenfix import runner
from hardenfix.entry import main

runner.POOL_FROM_BYTES = 0  # workers at once: this tree is far smaller than what makes them pay
sys.argv = ["hardenfix", *sys.argv[1:]]
main()
"""


WORKER_WITHOUT_PARENT_DEATH_SIGNAL = """
import os, sys
from hardenfix import runner

runner._ask_for_parent_death_signal = lambda: False  # as on a system without prctl
parent = os.getpid()
worker = os.fork()
if worker == 0:
    runner._end_with(parent)
    while True:
        sum(range(100_000))  # busy, as a worker parsing a file is
print(worker, flush=True)
sys.stdin.read()
"""


def test_where_no_parent_death_signal_exists_a_thread_ends_the_orphaned_worker(subreaper: None) -> None:
    run = subprocess.Popen(
        [sys.executable, "-c", WORKER_WITHOUT_PARENT_DEATH_SIGNAL],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    assert run.stdout is not None
    try:
        worker = int(run.stdout.readline())
        assert alive(worker)
        os.kill(run.pid, signal.SIGKILL)
        run.wait(timeout=10)
        killed = time.monotonic()
        while alive(worker) and time.monotonic() - killed < 2:
            time.sleep(0.02)
        assert not alive(worker), "the worker outlived its parent by 2 s"
    finally:
        kill_group(run)
