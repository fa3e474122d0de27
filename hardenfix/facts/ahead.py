"""Reading a stack's code in two processes at once.

A monorepo's stack runs dozens of services built from the repository, and the code each
serves is read for its health route and its port (`hardenfix.facts.code`): HF106's probes,
which read it, are most of a single Compose file's check (PMOVES.AI's 53-service stack:
300 of 437 ms, most of it parsing 28 modules, two of them 100 KB). Where this process has a core to spare (`allowed`),
`read_ahead` forks a helper that shares the work: each process takes the next task while
one is left, so that two long ones do not fall to one, and the helper sends back the code
facts it read, as the cache keeps them (`code.readings_since`); this process adopts them
(`code.adopt`) and finds them read when it asks. Nothing else the helper works out comes
back: what this process asks again costs little once the code is read.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence

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
    if not allowed or not hasattr(os, "fork"):
        return
    started = time.perf_counter()
    for done, task in enumerate(tasks):
        if len(tasks) - done > 1 and time.perf_counter() - started >= ALONE_SECONDS and not _other_threads():
            _share(tasks[done:])
            return
        task()


def _share(tasks: Sequence[Callable[[], object]]) -> None:
    import pickle

    from hardenfix.facts import code

    claims, to_claims = os.pipe()
    with _closing(claims):
        try:
            os.write(to_claims, bytes(range(min(len(tasks), _CLAIMS))))
        finally:
            os.close(to_claims)  # once the claims are taken, a read finds the end of the pipe
        readings, to_parent = os.pipe()
        try:
            helper = os.fork()
        except OSError:  # no process to spare (`EAGAIN`, `ENOMEM`): each fact is read when asked
            os.close(readings)
            os.close(to_parent)
            return
        if helper == 0:
            _help(claims, tasks, readings, to_parent)
        os.close(to_parent)
        with _reaped(helper) as ended, _closing(readings):
            _run_claimed(claims, tasks)
            sent = _read_all(readings)
    if ended == [0]:  # all it read is sent
        code.adopt(pickle.loads(sent))


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
        import signal

        with contextlib.suppress(ProcessLookupError):
            os.kill(helper, signal.SIGKILL)
        raise
    finally:
        ended.append(os.waitstatus_to_exitcode(os.waitpid(helper, 0)[1]))
