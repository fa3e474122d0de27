"""Reading a stack's code in two processes at once.

A monorepo's stack runs dozens of services built from the repository, and the code each
serves is read for its health route and its port (`hardenfix.facts.code`): HF106's probes,
which read it, are most of a single Compose file's check (PMOVES.AI's 53-service stack:
300 of 437 ms, most of it parsing 28 modules, two of them 100 KB). Where this process has
a core to spare (`allowed`), `read_ahead` forks a helper that shares the work: each
process takes the next task while one is left, so that two long ones do not fall to one,
and the helper sends back the code facts it read, as the cache keeps them
(`code.readings_since`); this process adopts them (`code.adopt`) and finds them read when
it asks. Nothing else the helper works out comes back: what this process asks again costs
little once the code is read.

A reading may be started and finished apart (`start`, `finish`): the engine checks a file's
other rules while HF106's helper reads (`Rule.read_ahead`), and this process takes the
tasks left once they are done; a block that may leave a reading pending (`finished`) kills
and reaps its helper where it stops early.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from typing import NamedTuple

# The runner imports this module to allow a helper: what reading needs is imported when one is forked.

allowed = False
"""Whether this process may fork a helper: the runner allows it while it processes files
itself with a core to spare, never in a worker of its pool, whose siblings use the others."""

ALONE_SECONDS = 0.01
"""How long this process runs the tasks alone before it forks a helper for the rest: a
helper costs about 15 ms (forking, copying the pages it touches, its first reads), and a
stack of six small services took 96 -> 112 ms with one. What the first tasks loaded (the
knowledge of images, the rules' patterns) the helper is forked with."""

_CLAIMS = 256
"""Claims that the processes take tasks by, one byte each, read from a pipe: a read of one
byte hands it to one process alone. Claim `i` is the tasks `i`, `i + 256`, ..."""


def read_ahead(tasks: Sequence[Callable[[], object]]) -> None:
    """Run `tasks` here, and once they took `ALONE_SECONDS`, the rest shared with a forked
    helper whose code facts this process adopts; where no helper may be forked, nothing is
    run, and each fact is read when asked. A task that fails here raises (it would have when
    asked); one that fails in the helper sends back what was read before it."""
    start(tasks)
    finish()


def start(tasks: Sequence[Callable[[], object]], at_once: bool = False) -> None:
    """`read_ahead` up to the helper's fork: the helper reads on while this process goes on,
    until `finish`. `at_once`, the helper is forked before any task, where the tasks are
    known to take long (what this process's first task would load, the helper loads too). A
    reading still pending is finished first."""
    finish()
    if not allowed or not hasattr(os, "fork"):
        return
    alone_seconds = 0 if at_once else ALONE_SECONDS
    started = time.perf_counter()
    for done, task in enumerate(tasks):
        if len(tasks) - done > 1 and time.perf_counter() - started >= alone_seconds and not _other_threads():
            _fork_helper(tasks[done:])
            return
        task()


def finish() -> bool:
    """Take the pending reading's tasks left with the helper, wait for it, and adopt what it
    read; nothing where none is pending. A task that fails here kills the helper, reaps it,
    and raises. True when a reading was pending."""
    global _pending
    if _pending is None:
        return False
    helper, claims, readings, tasks = _pending
    _pending = None
    with _closing(claims), _reaped(helper) as ended, _closing(readings):
        _run_claimed(claims, tasks)
        sent = _read_all(readings)
    if ended == [0]:  # all it read is sent
        import pickle

        from hardenfix.facts import code

        code.adopt(pickle.loads(sent))
    return True


@contextlib.contextmanager
def finished() -> Iterator[None]:
    """A block that may `start` a reading: it is finished by the block's end, or, where the
    block stops early, its helper killed and reaped."""
    try:
        yield
    except BaseException:
        _abandon()
        raise
    finish()


class _Pending(NamedTuple):
    helper: int
    claims: int
    readings: int
    tasks: Sequence[Callable[[], object]]


_pending: _Pending | None = None
"""The reading started and not finished: its helper, the pipes of its claims and of what it
sends back, and its tasks."""


def _fork_helper(tasks: Sequence[Callable[[], object]]) -> None:
    global _pending
    claims, to_claims = os.pipe()
    try:
        try:
            os.write(to_claims, bytes(range(min(len(tasks), _CLAIMS))))
        finally:
            os.close(to_claims)  # once the claims are taken, a read finds the end of the pipe
        readings, to_parent = os.pipe()
    except OSError:
        os.close(claims)
        raise
    try:
        helper = os.fork()
    except OSError:  # no process to spare (`EAGAIN`, `ENOMEM`): each fact is read when asked
        for descriptor in (claims, readings, to_parent):
            os.close(descriptor)
        return
    if helper == 0:
        _help(claims, tasks, readings, to_parent)
    os.close(to_parent)
    _pending = _Pending(helper, claims, readings, tasks)


def _abandon() -> None:
    """The pending reading's helper killed and reaped, what it read left."""
    global _pending
    if _pending is None:
        return
    helper, claims, readings, _ = _pending
    _pending = None
    _kill(helper)
    os.waitpid(helper, 0)
    os.close(claims)
    os.close(readings)


def _other_threads() -> bool:
    """Whether threads other than this one run: fork copies none of them, and would leave
    the locks they hold held for good. None runs where `threading` was never imported."""
    threading = sys.modules.get("threading")
    return threading is not None and threading.active_count() > 1


def _help(claims: int, tasks: Sequence[Callable[[], object]], readings: int, to_parent: int) -> None:
    """The helper's life: its share of the tasks, then what it read, to the parent, and its
    end, without unwinding (`os._exit`): the buffers, exit handlers and cache it was forked
    with are the parent's. It ends with 0 once all it read is sent."""
    import pickle

    from hardenfix.facts import code

    ended = 1
    try:
        os.close(readings)
        since = code.readings_since()
        with contextlib.suppress(Exception):
            _run_claimed(claims, tasks)
        with open(to_parent, "wb") as parent:
            parent.write(pickle.dumps(since()))
        ended = 0
    finally:
        os._exit(ended)


def _run_claimed(claims: int, tasks: Sequence[Callable[[], object]]) -> None:
    while claim := os.read(claims, 1):
        for task in tasks[claim[0] :: _CLAIMS]:
            task()


def _read_all(descriptor: int) -> bytes:
    """Everything written to the pipe until its writer closes it (or ends)."""
    parts = []
    while part := os.read(descriptor, 1 << 16):
        parts.append(part)
    return b"".join(parts)


@contextlib.contextmanager
def _closing(descriptor: int) -> Iterator[None]:
    try:
        yield
    finally:
        os.close(descriptor)


@contextlib.contextmanager
def _reaped(helper: int) -> Iterator[list[int]]:
    """The helper waited for at the end, killed first where this process stops early; its
    exit code, once it ended, in the list given."""
    ended: list[int] = []
    try:
        yield ended
    except BaseException:
        _kill(helper)
        raise
    finally:
        ended.append(os.waitstatus_to_exitcode(os.waitpid(helper, 0)[1]))


def _kill(helper: int) -> None:
    import signal

    with contextlib.suppress(ProcessLookupError):
        os.kill(helper, signal.SIGKILL)
