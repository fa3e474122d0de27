"""Discovery to disk: every file's outcome, one file's failure never stopping the rest.

Files are processed in a pool of worker processes, in batches, with results
yielded in discovery order; a small run (one pre-commit file) stays in this
process, where starting workers would cost more than it saves.

Workers start on the files the walk finds while it goes on (`_Schedule`); Compose
files report the build contexts they give, which go with the Dockerfiles to the
workers once every Compose file is in, and what their `include:`s merge over the
files they include, which go with those (a file the walk found first is checked
again then: rare). Each Compose file is parsed once, but for those.

Online (`--online`), the walk ends first: this process reads the Compose files and
Dockerfiles for the images they name and asks the registries about all of them
(`hardenfix.facts.online`) before any worker starts, and the workers are forked with
the answers.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import os
import sys
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hardenfix import remembered
from hardenfix.collector import collecting_less_often
from hardenfix.config import LISTED_NAMES, Configuration, Settings
from hardenfix.discovery import Candidate, FolderListed, classify_explicit, classify_name, discover, has_services_key
from hardenfix.engine import Engine, FixError, FixOutcome, SourceFile
from hardenfix.facts import ahead
from hardenfix.files import (
    BinaryFile,
    UnreadableFile,
    WriteRefused,
    absolute_path,
    atomic_write,
    decode,
    read_accepted,
    read_bytes,
    regular_file_status,
    remove_if_stale,
)
from hardenfix.model import (
    ComposeBuild,
    FileKind,
    FileResult,
    Finding,
    MergedByInclude,
    Outcome,
    Position,
    Record,
    Status,
    may_name_one_image,
    status_of,
)
from hardenfix.rules.meta.hf002_parse_error import Unparseable
from hardenfix.rules.meta.hf003_unreadable_file import Unreadable
from hardenfix.sources import ParseError

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

    from hardenfix.cache import Cache, Remembered
    from hardenfix.facts.online import OnlineRun, RegistryAnswers
    from hardenfix.rule import Rule
    from hardenfix.sources.compose import ComposeDocument

T = TypeVar("T")

BATCH_SIZE = 64
"""Files per task sent to a worker: enough to amortise the round trip."""
COMPOSE_BATCH_SIZE = 16
"""Compose files per task: Dockerfiles wait for the build contexts they report."""
COMPOSE_BATCH_BYTES = 4 * 1024
"""A batch of Compose files goes as soon as it holds this much: a large file (a monorepo's
stack of fifty services, its services' code read) starts at once, not with the walk's end,
and the workers inherit the Compose rules loaded for it. The bench's 1,155-line stack is
31 KB: at 32 KB it waited for the walk to find more, and its build contexts were read again
here for the Dockerfiles (the monorepo tree's cold check: 60 ms less CPU at 4 KB)."""
COMPOSE_FOLDER_BYTES = 256 * 1024
"""A batch of Compose files is sent once the walk leaves their folder, up to this much: the
files of one folder mostly build the same contexts (onyx's fifteen `docker-compose.*.yml` all
build `../../backend`, 353 modules), whose code a worker reads once for all the files it is
sent, and each worker once more (`-j 2` took 6.4 CPU-seconds there, `-j 1` 3.5)."""
DOCKERFILE_PARTS_PER_WORKER = 2
"""The run's last files, its Dockerfiles, go in this many parts for each worker: which of
them take long is not known, and two that do should not share a part. DefectDojo's two
Django images take 150 and 190 ms each (HF202 reads the modules they copy), its other two
5: in one part a worker, the first pair went to one worker, which ran 330 ms after the other
was done. Interleaved, medians: that tree 749 -> 621 ms wall (747 -> 599 at 4 parts a
worker); the bench's monorepo tree, 40 Dockerfiles, 399 -> 403 ms (394 -> 398 at 4), within
its noise."""
IN_HAND_PER_WORKER = 2
"""Batches the pool holds for each worker, running or next; the others wait in this process
(`_Feed`). Dockerfiles, the run's last files, are sent at once, ahead of those waiting, so
that the workers end together: which of them take long is not known, and a long one that
waited behind the last modules ran on alone (polar: 662 -> 572 ms, saleor 513 -> 476).

Compose files are not sent at once, though a batch of them reads its services' build
contexts and may be a run's longest: sent at once, the batches of a monorepo's stack and of
its services' own files went to both workers together, each reading the same contexts (the
bench's monorepo tree's `apply --dry-run` took 60 ms more, and its parent 12 MB more). Those
still waiting when the walk ends go ahead of the modules, unless one is at a worker already
(`_Schedule.results`): onyx's fifteen, 1.3 s, had waited behind 50 batches of modules."""
HELD_BATCHES = 128
"""Batches processed ahead of the next result to report, at most: the results wait while a
Dockerfile before them waits for the walk to end."""
POOL_FROM_BYTES = 4 * 1024 * 1024
"""Worker processes start once the files sent to be processed hold this much; until then,
and in a run that never gets there, files are processed in this process, where starting
workers (forking, copying the pages they touch, sending results back) would cost more than
it saves. Measured in paired runs with a core to spare: a 2.3 MB tree of Python modules
took 1.2 times as long pooled, a 4 MB one as long, 7 MB and 15 MB ones 0.87 and 0.81
times; on a machine whose other work keeps the second core busy, the pool never pays."""


class Mode(enum.Enum):
    CHECK = "check"
    """Report findings on the files as they are."""
    DIFF = "diff"
    """Compute fixes, write nothing."""
    WRITE = "write"
    """Compute fixes and write them."""


class Job:
    """Everything a worker needs to process files the way this run does."""

    rules: Engine | Configuration
    """One engine for every file, or the configuration that gives each file its own."""
    mode: Mode
    cwd: Path
    cached: Remembered | None
    """What the cache remembers; None without a cache."""
    build_contexts: dict[str, ComposeBuild]
    """Real path of a Dockerfile -> how the Compose files in this run build it (its context,
    and the files), complete before any Dockerfile is processed."""
    compose_model_check: bool
    """`--validate`: engines built for files also run Docker Compose's model check."""
    fix_edits: bool
    """Whether reports show each fix's edits (SARIF does), which `check` would not make."""
    seen: dict[str, list[int]]
    """Absolute path -> [mtime in ns, size] of the files and folders this run looked at
    in the parent."""
    registry: RegistryAnswers | None
    """What registries answered for the run's images (`--online`), before any file was processed."""
    force_exclude: bool
    """`--force-exclude`: `exclude` holds for files named on the command line (as pre-commit
    names every staged file) and for the name given to standard input, not only for those a
    walk finds."""
    _entrypoints_set: list[tuple[str, str, str | None]]
    """The services of the Compose files learnt so far that set their own `entrypoint:`, or
    may inherit one, and build no image of theirs (see `ComposeDocument.entrypoints_set`)."""
    _merged_by_include: dict[str, dict[str, tuple[str, ...]]]
    """Real path of a Compose file another one of the run includes -> the including file ->
    the files its `include:` merges over it (see `learn_includes`)."""

    def __init__(
        self,
        rules: Engine | Configuration,
        mode: Mode,
        cwd: Path,
        cached: Remembered | None = None,
        *,
        compose_model_check: bool = False,
        fix_edits: bool = False,
        force_exclude: bool = False,
    ) -> None:
        self.rules = rules
        self.mode = mode
        self.cwd = cwd
        self.cached = cached
        self.build_contexts = {}
        self.compose_model_check = compose_model_check
        self.fix_edits = fix_edits
        self.seen = {}
        self.registry = None
        self.force_exclude = force_exclude
        self._engines: dict[tuple[int, tuple[str, ...], FileKind], Engine] = {}
        self._fingerprints: dict[tuple[int, tuple[str, ...], FileKind], str | None] = {}
        self._entrypoints_set = []
        self._merged_by_include = {}

    def learn_includes(self, compose_file: str, merges: list[list[Any]]) -> None:
        """Take in what a Compose file of the run merges over the files it includes, as
        [included file, [files merged over it]] (`ComposeDocument.merges_by_include`), in any
        order, as often as it is learnt."""
        for included, overrides in merges:
            known = self._merged_by_include.setdefault(os.path.realpath(included), {})
            known[compose_file] = tuple(dict.fromkeys((*known.get(compose_file, ()), *overrides)))

    def merged_over(self, path: Path) -> tuple[MergedByInclude, ...]:
        """What the Compose files learnt so far merge over this one by `include:`."""
        if not self._merged_by_include:
            return ()
        known = self._merged_by_include.get(os.path.realpath(path), {})
        return tuple(MergedByInclude(including, overrides) for including, overrides in sorted(known.items()))

    def learn_builds(self, compose_file: str, learned: Mapping[str, Any]) -> None:
        """Take in what a Compose file of the run says of the Dockerfiles it builds and of the
        services that run an image past its entrypoint (see `_contexts_of`), in any order: a
        service of any of the run's Compose files runs a built image so when it runs it by its
        name, shares the name of a service that builds or runs it (Compose merges the two), or
        is merged over another file's service. The last file's context holds where several
        build one, and the others are kept beside it. A name Compose interpolates
        (`${APP_IMAGE:-myapp:dev}`) may be any."""
        for dockerfile, (context, bypassing, images, services, included, inheriting, others) in learned[
            "builds"
        ].items():
            known = self.build_contexts.get(dockerfile) or ComposeBuild(Path(context))
            contexts = (*known.other_contexts, os.path.normpath(known.context), *others)
            self.build_contexts[dockerfile] = ComposeBuild(
                Path(context),
                (*known.compose_files, compose_file),
                (*known.entrypoint_bypassed_by, *bypassing),
                (*known.images, *images),
                (*known.services, *services),
                (*known.included_files, *included),
                (*known.timeout_inherited_by, *inheriting),
                tuple(dict.fromkeys(other for other in contexts if other != os.path.normpath(context))),
            )
        entrypoints = [(label, name, image) for label, name, image in learned["entrypoints"]]
        self._entrypoints_set.extend(entrypoints)
        for dockerfile in self.build_contexts if entrypoints else learned["builds"]:
            build = self.build_contexts[dockerfile]
            running = self._entrypoints_set if dockerfile in learned["builds"] else entrypoints
            bypassing = (
                label
                for label, name, image in running
                if image is None
                or name in build.services
                or any(may_name_one_image(image, built) for built in build.images)
            )
            self.build_contexts[dockerfile] = build._replace(
                entrypoint_bypassed_by=tuple(dict.fromkeys((*build.entrypoint_bypassed_by, *bypassing)))
            )

    def settings_for(self, path: Path | str) -> Settings | None:
        return self.rules.for_path(path) if isinstance(self.rules, Configuration) else None

    def excluded(self, path: Path | str, settings: Settings | None, explicit: bool = False) -> bool:
        """Whether the configuration's `exclude` leaves the file out of this run: a file named
        on the command line (`explicit`) only with `--force-exclude`."""
        return (not explicit or self.force_exclude) and settings is not None and settings.excluded(path)

    def engine_for(self, path: Path, settings: Settings | None, kind: FileKind) -> Engine:
        """The engine for a file of `kind` with these settings (`settings_for`): one per
        distinct set of settings, rules and kind, built once, with the rules of that kind
        alone (the others' modules are not even imported)."""
        if settings is None:
            assert isinstance(self.rules, Engine)
            return self.rules
        key = _settings_key(path, settings, kind)
        if key not in self._engines:
            self._engines[key] = Engine(
                settings.rules(path, self.registry, (kind,)),
                settings.unsafe_fixes,
                fingerprint=self.fingerprint_for(path, settings, kind) or "",
                compose_model_check=self.compose_model_check,
            )
        return self._engines[key]

    def fingerprint_for(self, path: Path | str, settings: Settings | None, kind: FileKind) -> str | None:
        """What the cache keys the findings on a file of `kind` by (empty without a cache),
        told without importing a rule; None when no selected rule checks files of that kind,
        which have no findings then."""
        if settings is None:
            assert isinstance(self.rules, Engine)
            return self.rules.fingerprint if kind in self.rules.kinds() else None
        key = _settings_key(path, settings, kind)
        if key not in self._fingerprints:
            fingerprint = None
            if any(listed.kind is kind for listed in settings.listed_rules(path, (kind,))):
                fingerprint = settings.fingerprint(path, (kind,)) if self.cached is not None else ""
                if fingerprint and self.registry:  # answers that say nothing change nothing
                    fingerprint += f"+registry:{self.registry.fingerprint}:{settings.pin_digests}"
            self._fingerprints[key] = fingerprint
        return self._fingerprints[key]


def _settings_key(path: Path | str, settings: Settings, kind: FileKind) -> tuple[int, tuple[str, ...], FileKind]:
    """Files with the same key have the same rules: settings, the rules `per-file-ignores`
    turns off, and kind."""
    return (id(settings), settings.ignored_for(path) if settings.per_file_ignores else (), kind)


def display_path(path: Path | str, cwd: Path) -> str:
    """The path relative to the working directory, as diff headers and reports show it."""
    absolute, folder = absolute_path(path), str(cwd)
    if absolute.startswith(folder + os.sep):
        return absolute[len(folder) + 1 :].replace(os.sep, "/")
    return os.path.relpath(absolute, folder).replace(os.sep, "/")


def allow_processes(jobs: int | None) -> int:
    """The worker processes a run may start (`--jobs`, else one per core); with more than
    one, a file this process checks itself may fork a helper (`facts.ahead`), as a worker
    never does (`_start_worker`)."""
    workers = min(jobs or os.cpu_count() or 1, 61)
    ahead.allowed = workers > 1
    return workers


def run(
    paths: list[Path],
    rules: Engine | Configuration,
    mode: Mode,
    cwd: Path | None = None,
    jobs: int | None = None,
    cache: Cache | None = None,
    select_files: Callable[[list[Candidate]], list[Candidate]] | None = None,
    compose_model_check: bool = False,
    fix_edits: bool = False,
    online: OnlineRun | None = None,
    force_exclude: bool = False,
) -> Iterator[FileResult]:
    """Process every discovered file; results come in discovery order, from the end of
    the walk on (see `_Schedule`).

    Every file's configuration is loaded before the first result comes, and before the
    first file is written, so an invalid one stops the run (ConfigError) first.
    `select_files` narrows the discovered files (`--changed`, `--shard`); `fix_edits`
    makes the edits of fixes that are not applied, for a report that shows them;
    `online` asks registries about the images the files name (see the module's documentation);
    `force_exclude` applies `exclude` to the files named in `paths` too.
    """
    temporaries: list[Path] = []
    cached = cache.remembered if cache is not None else None
    job = Job(
        rules,
        mode,
        cwd or Path.cwd(),
        cached,
        compose_model_check=compose_model_check,
        fix_edits=fix_edits,
        force_exclude=force_exclude,
    )
    workers = allow_processes(jobs)
    if cache is not None:  # before workers fork
        remembered.recall_from(cache.remembered.facts, cache.settled_before_ns)
    else:
        remembered.recall_from(None)
    with collecting_less_often(), contextlib.ExitStack() as stack:
        schedule = _Schedule(job, _Processing(stack, job, workers), cache)
        # Where files are placed in the order found, the cache's answers may be placed as the
        # walk is recalled, before the files are made candidates.
        placed_as_found = select_files is None and mode is not Mode.WRITE and online is None
        found = discover(
            paths,
            temporaries,
            _folder_listener(rules),
            cache,
            LISTED_NAMES,
            job.seen,
            schedule.place_recalled if cache is not None and placed_as_found else None,
        )
        if select_files is not None:
            found = iter(select_files(list(found)))
        elif mode is Mode.WRITE or online is not None:
            # Every configuration is loaded, and may stop the run, before a file is written.
            found = iter(list(found))
        if online is not None:
            from hardenfix.facts.online import resolve

            candidates = list(found)
            job.registry = resolve(_image_references(candidates, job), online)
            found = iter(candidates)
        for result in schedule.results(found):
            if cache is not None and result.facts_read is not None:
                cache.add_facts(absolute_path(result.path), result.facts_read)
            if cache is not None and result.cache_entry is not None:
                cache.add(result.cache_entry)
                if result.build_contexts is not None:
                    record = result.cache_entry
                    cache.add_build_contexts(record.path, record.status, result.build_contexts)
            yield result
    if cache is not None:
        cache.save()
    if mode is Mode.WRITE:
        for temporary in temporaries:
            remove_if_stale(temporary)


def _image_references(candidates: list[Candidate], job: Job) -> Iterator[str]:
    """The image references the run's Compose files and Dockerfiles name; a file that cannot
    be read or parsed names none (its worker reports why)."""
    from hardenfix.facts.online import image_references

    for candidate in candidates:
        if candidate.skip_reason is not None:
            continue
        kind = candidate.kind if candidate.kind is not None else classify_explicit(candidate.path)
        if kind not in (FileKind.COMPOSE, FileKind.DOCKERFILE) or job.excluded(
            candidate.path, job.settings_for(candidate.path), candidate.explicit
        ):
            continue
        try:
            yield from image_references(kind, decode(read_bytes(candidate.path), kind).text, candidate.path)
        except (UnreadableFile, BinaryFile, ParseError, RecursionError):
            continue


def _folder_listener(rules: Engine | Configuration) -> FolderListed | None:
    return rules.folder_listed if isinstance(rules, Configuration) else None


class _Batch(Protocol):
    """A batch's results, once they are in (a pool's `Future`)."""

    def result(self) -> list[FileResult]: ...

    def done(self) -> bool: ...

    def running(self) -> bool: ...


class _InProcess:
    """A batch processed in this process, when its results are first asked for: after the
    walk, which goes on meanwhile, as it does while workers process. Workers that start
    before then take it over (`send_to`)."""

    def __init__(self, job: Job, batch: list[Candidate], build_contexts: dict[str, ComposeBuild]) -> None:
        self._job = job
        self._batch = batch
        self._build_contexts = build_contexts
        self._results: list[FileResult] | None = None
        self.future: _Batch | None = None
        """Where the workers process it, once they took it over."""

    def send_to(self, feed: _Feed) -> None:
        """Let the workers process it, unless its results are already in."""
        if self._results is None:
            self.future = feed.send((self._batch, self._build_contexts, None), first=_goes_first(self._batch))

    def done(self) -> bool:
        """Whether its results are in, made here or by the workers."""
        return self._results is not None or (self.future is not None and self.future.done())

    def running(self) -> bool:
        """Whether a worker has taken it up."""
        return self.future is not None and self.future.running()

    def result(self) -> list[FileResult]:
        if self.future is not None:
            return self.future.result()
        if self._results is None:
            self._job.build_contexts.update(self._build_contexts)
            self._results = [process(candidate, self._job) for candidate in self._batch]
        return self._results


class _Processing:
    """Where batches of files go: held for this process until the files sent hold
    `POOL_FROM_BYTES`; from then on, those held and all later ones go to a pool of
    `workers` processes (none when `workers` is 1)."""

    def __init__(self, stack: contextlib.ExitStack, job: Job, workers: int) -> None:
        self._stack = stack
        self._job = job
        self.workers = workers
        self._feed: _Feed | None = None
        self._sent = 0
        """Bytes of the files sent so far, until the pool starts."""
        self._kinds: dict[FileKind, Path] = {}
        """A file of each kind sent so far, until the pool starts."""
        self._held: list[_InProcess] = []
        """The batches sent so far, until the pool starts."""

    def __call__(self, batch: list[Candidate], build_contexts: dict[str, ComposeBuild]) -> _Batch:
        """Hand a batch of files, and the build contexts of its Dockerfiles, to be processed."""
        if self._feed is None and self.workers > 1:
            self._sent += sum(map(_file_size, batch))
            self._kinds.update((candidate.kind, candidate.path) for candidate in batch if candidate.kind is not None)
            if self._sent >= POOL_FROM_BYTES:
                self._feed = _Feed(self._start_pool(), self.workers)
                self._stack.callback(self._feed.close)
                # The batches held for this process go to the workers too: it has the walk
                # to finish, and would otherwise process the first POOL_FROM_BYTES alone.
                for held in self._held:
                    held.send_to(self._feed)
                self._held.clear()
        if self._feed is None:
            held = _InProcess(self._job, batch, build_contexts)
            self._held.append(held)
            return held
        notes = None
        if isinstance(self._job.rules, Configuration):
            # What discovery told this process of the batch's folders since the workers started.
            notes = self._job.rules.notes_on({os.path.dirname(absolute_path(candidate.path)) for candidate in batch})
        return self._feed.send((batch, build_contexts, notes), first=_goes_first(batch))

    def compose_files_first(self) -> None:
        """Once the walk is over: the batches of Compose files waiting go ahead of the others."""
        if self._feed is not None:
            self._feed.put_first(_holds_compose_files)

    def done_while_all_busy(self, batch: _Batch) -> bool:
        """See `_Feed.done_while_all_busy`; a batch no worker holds is this process's to do."""
        return self._feed is None or self._feed.done_while_all_busy(batch)

    def _start_pool(self):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        # The rules of the kinds of files seen so far are loaded here, once, for the workers
        # to inherit: each would load them on its own (a tenth of a second) before its first batch.
        for kind, path in self._kinds.items():
            self._job.engine_for(path, self._job.settings_for(path), kind)
        gc.freeze()  # what was loaded since the run began, too: the workers' collector leaves it alone
        ahead.allowed = False  # the workers use the cores: what this process still checks forks no helper

        # fork shares the parent's loaded modules and settings with the workers for free.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        context = multiprocessing.get_context(method)
        pool = ProcessPoolExecutor(self.workers, context, _start_worker, (self._job, os.getpid()))
        self._stack.enter_context(pool)
        # A run stopped early (an invalid configuration found by the walk) waits for no batch.
        self._stack.callback(pool.shutdown, cancel_futures=True)
        return pool


class _Sent:
    """A batch sent to the workers: what `_process_batch` is given, until `_Feed` hands it to
    the pool, and then its future."""

    def __init__(self, arguments: tuple[Any, ...]) -> None:
        import threading

        self.arguments = arguments
        self.future: Future[list[FileResult]] | None = None
        self.handed = threading.Event()

    def done(self) -> bool:
        return self.future is not None and self.future.done()

    def running(self) -> bool:
        return self.future is not None and self.future.running()

    def result(self) -> list[FileResult]:
        self.handed.wait()
        assert self.future is not None
        return self.future.result()


class _Feed:
    """Hands batches to the pool, `IN_HAND_PER_WORKER` for each worker at a time, those sent
    `first` at once: a thread hands on those waiting as the pool gets done with others,
    whatever this process is doing meanwhile (walking, waiting for a result, reporting). The
    pool forks its workers for its first batch, which the main thread hands to it: a worker's
    parent-death signal follows the thread that forked it."""

    def __init__(self, pool: ProcessPoolExecutor, workers: int) -> None:
        import threading

        self._pool = pool
        self._workers = workers
        self._limit = workers * IN_HAND_PER_WORKER
        self._waiting: deque[_Sent] = deque()
        self._in_hand: set[Future[list[FileResult]]] = set()
        self._lock = threading.Lock()
        self._handing_on = False
        """Whether a thread hands on those waiting."""

    def send(self, arguments: tuple[Any, ...], first: bool) -> _Sent:
        sent = _Sent(arguments)
        with self._lock:
            if first or self._room():
                self._hand(sent)
                return sent
            self._waiting.append(sent)
            if self._handing_on:
                return sent
            self._handing_on = True
        import threading

        threading.Thread(target=self._hand_on, name="hardenfix-feed", daemon=True).start()
        return sent

    def put_first(self, first: Callable[[list[Candidate]], bool]) -> None:
        """Move the batches waiting to be handed on that `first` chooses ahead of the others."""
        with self._lock:
            chosen = [sent for sent in self._waiting if first(sent.arguments[0])]
            if chosen:
                self._waiting = deque([*chosen, *(sent for sent in self._waiting if not first(sent.arguments[0]))])

    def done_while_all_busy(self, batch: _Batch) -> bool:
        """Wait for `batch` while every worker has a batch to do, and say whether it is done:
        False once a worker has nothing left, and nothing waits to be handed to the pool."""
        from concurrent.futures import FIRST_COMPLETED, wait

        while not batch.done():
            with self._lock:
                if self._held() < self._workers and not self._waiting:
                    return False
                in_hand = list(self._in_hand)
            wait(in_hand, return_when=FIRST_COMPLETED)
        return True

    def close(self) -> None:
        """Hand nothing more to the pool, which is shutting down; what waited is cancelled."""
        from concurrent.futures import Future

        with self._lock:
            while self._waiting:
                sent = self._waiting.popleft()
                sent.future = Future()
                sent.future.cancel()
                sent.handed.set()

    def _hand_on(self) -> None:
        from concurrent.futures import FIRST_COMPLETED, wait

        while True:
            with self._lock:
                while self._waiting and self._room():
                    self._hand(self._waiting.popleft())
                if not self._waiting:
                    self._handing_on = False
                    return
                in_hand = list(self._in_hand)
            wait(in_hand, return_when=FIRST_COMPLETED)

    def _room(self) -> bool:
        """Whether the pool holds fewer batches than the limit."""
        return self._held() < self._limit

    def _held(self) -> int:
        """The batches the pool holds, running or next, forgetting those done."""
        self._in_hand = {future for future in self._in_hand if not future.done()}
        return len(self._in_hand)

    def _hand(self, sent: _Sent) -> None:
        from concurrent.futures import Future

        try:
            sent.future = self._pool.submit(_process_batch, *sent.arguments)
        except RuntimeError as error:  # the pool broke, or shuts down: the batch's result says so
            sent.future = Future()
            sent.future.set_exception(error)
        sent.arguments = ()  # the pool holds them until a worker has them
        self._in_hand.add(sent.future)
        sent.handed.set()


def _holds_compose_files(batch: list[Candidate]) -> bool:
    return any(candidate.kind is FileKind.COMPOSE for candidate in batch)


def _goes_first(batch: list[Candidate]) -> bool:
    return any(candidate.kind is FileKind.DOCKERFILE for candidate in batch)


def _file_size(candidate: Candidate) -> int:
    """A candidate's size in bytes; 0 when it cannot be told (it is reported when processed)."""
    try:
        return os.stat(candidate.path).st_size
    except OSError:
        return 0


class _Slot:
    """A file's place in discovery order: its result, or the batch that gives it."""

    __slots__ = ("batch", "position", "result", "submitted")

    def __init__(self) -> None:
        self.result: FileResult | None = None
        self.batch: _Batch | None = None
        self.position = 0
        self.submitted = False

    def queued_for_a_worker(self) -> bool:
        """Whether `take` would wait for workers to reach the batch, behind others."""
        if self.result is not None or self.batch is None or self.batch.done() or self.batch.running():
            return False
        return not isinstance(self.batch, _InProcess) or self.batch.future is not None

    def take(self) -> FileResult:
        """The result, waiting for its batch if need be."""
        if self.result is None:
            assert self.batch is not None
            self.result = self.batch.result()[self.position]
            self.batch = None
        return self.result


class _Schedule:
    """Discovered files to results, in discovery order, while the walk goes on.

    A file the cache answers for is answered here; the others are processed in batches
    as the walk finds them, so that workers need not wait for the walk. A Dockerfile's
    findings depend on the build context a Compose file of the run gives it, anywhere
    in the tree: Dockerfiles wait until the walk is over and every Compose file's result
    (each reports its build contexts) is in.

    Results are reported once the walk is over, so that an invalid configuration it
    finds stops the run before any output. Until then they are held, up to
    `HELD_BATCHES` batches besides Compose files and Dockerfiles; past that the walk
    goes on alone and the rest waits its turn.
    """

    def __init__(self, job: Job, submit: _Processing, cache: Cache | None) -> None:
        self.job = job
        self.submit = submit
        self.cache = cache
        self.slots: deque[_Slot] = deque()
        """From the next result to report to the last file found."""
        self.batch: list[tuple[Candidate, _Slot]] = []
        self.compose_batch: list[tuple[Candidate, _Slot]] = []
        self.compose_batch_bytes = 0
        self.compose_slots: list[tuple[Candidate, _Slot, Settings | None]] = []
        """Each Compose file placed, as it was answered or sent to be processed."""
        self.dockerfiles: list[tuple[Candidate, _Slot, Settings | None]] = []
        self.unsubmitted: deque[tuple[Candidate, _Slot]] = deque()
        """Files found while `HELD_BATCHES` batches of results were waiting."""
        self.held = 0
        """Files submitted whose results are not reported yet."""

    def results(self, found: Iterator[Candidate]) -> Iterator[FileResult]:
        if self.job.mode is Mode.WRITE:
            # A fix written cannot be taken back: every Compose file is told what includes
            # merge over it before any is processed. The walk is over already (see `run`).
            found = iter(self._learn_includes_first(list(found)))
        for candidate in found:
            self._place(candidate)
        self._flush(spread=True)
        # Unless a Compose file is at a worker already: a stack and its services' own Compose
        # files build the same contexts, and a worker's caches are its own; sent at once, they
        # would have both workers read the same code at the same time.
        if not any(slot.batch is not None and slot.batch.running() for _, slot, _ in self.compose_slots):
            self.submit.compose_files_first()
        self._learn_from_compose_files()
        self._check_again_what_includes_merge_over()
        for candidate, slot, settings in self.dockerfiles:
            self._answer_or_queue(candidate, slot, settings, self.batch, may_wait=False)
        self._flush(spread=True, parts_per_worker=DOCKERFILE_PARTS_PER_WORKER)
        while self.slots:
            self._submit_unsubmitted()
            yield self._report(self.slots.popleft())

    def place_recalled(self, absolute: str, kind: FileKind) -> bool:
        """Place a Python module that a remembered walk lists, before discovery makes it a
        candidate, where the cache answers it: most files of a warm run, their results made
        without a `Path` (see `FileResult.path`). True when it is placed, or when the
        configuration leaves it out; any other file is placed when found (`_place`), a Compose
        file or Dockerfile with what the run learns of the others."""
        if kind is not FileKind.PYTHON:
            return False
        settings = self.job.settings_for(absolute)
        if self.job.excluded(absolute, settings):
            return True
        result = _remembered(absolute, kind, self.job, settings)
        if result is None:
            return False
        self._leave_folder(os.path.dirname(absolute))
        slot = _Slot()
        slot.result = result
        self.slots.append(slot)
        return True

    def _leave_folder(self, folder: str) -> None:
        """A full batch of Compose files goes once the walk leaves their folder for `folder`."""
        batch = self.compose_batch
        if (
            batch
            and (len(batch) >= COMPOSE_BATCH_SIZE or self.compose_batch_bytes >= COMPOSE_BATCH_BYTES)
            and os.path.dirname(str(batch[-1][0].path)) != folder
        ):
            self._submit_compose_batch()

    def _place(self, candidate: Candidate) -> None:
        self._leave_folder(os.path.dirname(str(candidate.path)))
        settings = self.job.settings_for(candidate.path)
        if self.job.excluded(candidate.path, settings, candidate.explicit):
            return
        slot = _Slot()
        self.slots.append(slot)
        if candidate.kind is FileKind.DOCKERFILE:
            self.dockerfiles.append((candidate, slot, settings))
        elif candidate.kind is FileKind.COMPOSE:
            merged = self.job.merged_over(candidate.path)
            if merged:
                candidate = candidate._replace(merged_by_include=merged)
            self.compose_slots.append((candidate, slot, settings))
            self._answer_or_queue(candidate, slot, settings, self.compose_batch, may_wait=False)
            if slot.result is not None and slot.result.build_contexts is not None:
                # From the cache, read nothing: the files placed after it are told.
                self.job.learn_includes(str(candidate.path), slot.result.build_contexts["includes"])
        else:
            self._answer_or_queue(candidate, slot, settings, self.batch)

    def _answer_or_queue(
        self,
        candidate: Candidate,
        slot: _Slot,
        settings: Settings | None,
        batch: list[tuple[Candidate, _Slot]],
        may_wait: bool = True,
    ) -> None:
        """Answer from the cache, or add to `batch`; or, when `may_wait` (neither a Compose
        file nor a Dockerfile, which the others wait for) and enough results are held, keep
        for later."""
        cached = self.job.cached
        if cached is not None and cached.digests and candidate.skip_reason is None and candidate.kind is not None:
            slot.result = _remembered(candidate.path, candidate.kind, self.job, settings, candidate.merged_by_include)
            if slot.result is not None:
                return
        if may_wait and (self.unsubmitted or self.held >= HELD_BATCHES * BATCH_SIZE):
            self.unsubmitted.append((candidate, slot))
            return
        batch.append((candidate, slot))
        if batch is self.compose_batch:
            self.compose_batch_bytes += _file_size(candidate)
            if self.compose_batch_bytes >= COMPOSE_FOLDER_BYTES:
                self._submit_compose_batch()
        elif len(batch) >= BATCH_SIZE:
            self._submit(batch)

    def _submit(self, batch: list[tuple[Candidate, _Slot]]) -> None:
        if not batch:
            return
        candidates = [candidate for candidate, _ in batch]
        future = self.submit(candidates, _build_contexts_for(candidates, self.job))
        for position, (_, slot) in enumerate(batch):
            slot.batch, slot.position, slot.submitted = future, position, True
        self.held += len(batch)
        batch.clear()

    def _submit_compose_batch(self) -> None:
        self.compose_batch_bytes = 0
        self._submit(self.compose_batch)

    def _flush(self, spread: bool = False, parts_per_worker: int = 1) -> None:
        """Submit what the batches hold; with `spread` (the walk is over, and these are the
        last files the workers get before the Dockerfiles, or the Dockerfiles themselves), in
        `parts_per_worker` parts for each worker, so that the run does not end with one worker
        alone at a batch: Compose files in parts of whole folders (see `COMPOSE_FOLDER_BYTES`)."""
        parts = self.submit.workers * parts_per_worker if spread else 1
        for part in _in_parts(self.compose_batch, parts, lambda entry: entry[0].path.parent):
            self._submit(part)
        self.compose_batch_bytes = 0
        for part in _in_parts(self.batch, parts):
            self._submit(part)

    def _submit_unsubmitted(self) -> None:
        """Submit files that waited, in order, while fewer results than the limit are held,
        and the next to report whatever is held: Compose files and Dockerfiles after it
        count towards the limit, and may fill it."""
        while self.unsubmitted and (self.held < HELD_BATCHES * BATCH_SIZE or self.unsubmitted[0][1] is self.slots[0]):
            self.batch.extend(self.unsubmitted.popleft() for _ in range(min(BATCH_SIZE, len(self.unsubmitted))))
            self._submit(self.batch)

    def _learn_includes_first(self, candidates: list[Candidate]) -> list[Candidate]:
        """Learn what every Compose file among `candidates` merges over the files it includes,
        from the cache or else read here (parsed only when it says `include`)."""
        for candidate in candidates:
            if (
                candidate.kind is FileKind.COMPOSE
                and candidate.skip_reason is None
                and not self.job.excluded(candidate.path, self.job.settings_for(candidate.path), candidate.explicit)
            ):
                self.job.learn_includes(str(candidate.path), _includes_of(candidate.path, self.cache))
        return candidates

    def _learn_from_compose_files(self) -> None:
        """What the Dockerfiles wait for: every Compose file's build contexts; and what the
        Compose files another one includes wait for: what its `include:` merges over them.
        When Dockerfiles wait, a Compose file the workers have yet to finish may be parsed
        here for them alone, so that they start at once (see `_read_here`)."""
        if not self.dockerfiles and len(self.compose_slots) < 2:
            return
        for candidate, slot, _ in self.compose_slots:
            path = candidate.path
            if self.dockerfiles and self._read_here(slot):
                contexts = _build_contexts_of(path, self.cache)
            else:
                result = slot.take()
                if result.build_contexts is None:  # answered from the cache, or no rule parsed it
                    result.build_contexts = _build_contexts_of(result.path, self.cache)
                contexts = result.build_contexts
            if self.dockerfiles:
                self.job.learn_builds(str(path), contexts)
            self.job.learn_includes(str(path), contexts["includes"])

    def _read_here(self, slot: _Slot) -> bool:
        """Whether the Dockerfiles should not wait for a Compose file's result, and its build
        contexts are read here: it is queued behind other batches, or a worker is at it while
        another has nothing left to do (PMOVES.AI's 18 Compose files of one folder, 800 ms for
        a worker; their build contexts, 30 ms here). While every worker has a batch, the wait
        costs nothing, where reading here takes a core from them (the bench's 1,155-line
        stack: `apply --dry-run` 53 ms longer)."""
        if slot.result is not None or slot.batch is None or slot.batch.done():
            return False
        return slot.queued_for_a_worker() or not self.submit.done_while_all_busy(slot.batch)

    def _check_again_what_includes_merge_over(self) -> None:
        """Answer again, or process again, each Compose file that was answered or processed
        before the run learnt all an `include:` of another merges over it (the including file
        came later in the walk, or was processed meanwhile): rare, and never when writing,
        where the run learnt it all first. What it was answered before stands for a check of
        the file alone, and is remembered for that."""
        if self.job.mode is Mode.WRITE:
            return
        for index, (candidate, slot, settings) in enumerate(self.compose_slots):
            merged = self.job.merged_over(candidate.path)
            if merged == candidate.merged_by_include:
                continue
            superseded = slot.take()
            if self.cache is not None and superseded.cache_entry is not None:
                self.cache.add(superseded.cache_entry)
            if slot.submitted:
                self.held -= 1
            slot.result, slot.batch, slot.submitted = None, None, False
            candidate = candidate._replace(merged_by_include=merged)
            self.compose_slots[index] = (candidate, slot, settings)
            self._answer_or_queue(candidate, slot, settings, self.compose_batch, may_wait=False)

    def _report(self, slot: _Slot) -> FileResult:
        if slot.submitted:
            self.held -= 1
        return slot.take()


def _in_parts(batch: list[T], parts: int, group: Callable[[T], object] | None = None) -> list[list[T]]:
    """`batch` emptied into at most `parts` parts of about the same length, in order; with
    `group`, a part ends only where the group of its entries changes."""
    size = -(-len(batch) // parts) if batch else 0
    split: list[list[T]] = []
    for entry in batch:
        if split and (len(split[-1]) < size or (group is not None and group(split[-1][-1]) == group(entry))):
            split[-1].append(entry)
        else:
            split.append([entry])
    batch.clear()
    return split


def _build_contexts_of(path: Path, cache: Cache | None) -> dict[str, Any]:
    """What a Compose file says of the Dockerfiles it builds and the entrypoints it sets (see
    `_contexts_of`), from the cache while its status is unchanged, else read and parsed for
    them alone; nothing if it cannot be."""
    try:
        absolute, status = absolute_path(path), status_of(regular_file_status(path))
        remembered = cache.remembered.contexts(absolute, status) if cache is not None else None
        if remembered is not None:
            return remembered
        from hardenfix.sources import compose

        data = read_accepted(path)  # its status was checked above
        says_any = any(word in data for word in (b"build", b"entrypoint", b"extends", b"include"))
        contexts = _contexts_of(compose.parse(decode(data).text, path)) if says_any else _nothing_learnt()
    except ParseError:
        contexts = _nothing_learnt()  # its own text does not parse: reported when the file itself is processed
    except (UnreadableFile, BinaryFile):
        return _nothing_learnt()
    if cache is not None:
        cache.add_build_contexts(absolute, status, contexts)
    return contexts


def _contexts_of(document: ComposeDocument) -> dict[str, Any]:
    """What a Compose file says of the Dockerfiles it builds: "builds", each one's [build
    context, services that run its image past its entrypoint, names of the image, services
    that build or run it, files the Compose file includes, those services whose healthcheck
    takes the image's timeout, other build contexts its services give it]; "entrypoints", its services
    that set their own `entrypoint:` and build none, as [label, name, image or None]; and
    "includes", what its `include:`s merge over the files they include, as [included file,
    [files merged over it]]."""
    builds = {
        dockerfile: [
            str(build.context),
            list(build.bypassing),
            list(build.images),
            list(build.services),
            list(build.included_files),
            list(build.inheriting_timeout),
            list(build.other_contexts),
        ]
        for dockerfile, build in document.builds().items()
    }
    return {
        "builds": builds,
        "entrypoints": [list(entrypoint) for entrypoint in document.entrypoints_set()],
        "includes": _merges_by_include(document),
    }


def _merges_by_include(document: ComposeDocument) -> list[list[Any]]:
    return [[included, list(overrides)] for included, overrides in document.merges_by_include()]


def _nothing_learnt() -> dict[str, Any]:
    return {"builds": {}, "entrypoints": [], "includes": []}


def _includes_of(path: Path, cache: Cache | None) -> list[list[Any]]:
    """What a Compose file's `include:`s merge over the files they include (see
    `_contexts_of`), from the cache while its status is unchanged, else read and parsed for
    that alone when it says `include`; nothing if it cannot be."""
    try:
        absolute, status = absolute_path(path), status_of(regular_file_status(path))
        remembered = cache.remembered.contexts(absolute, status) if cache is not None else None
        if remembered is not None:
            return remembered["includes"]
        data = read_accepted(path)  # its status was checked above
        if b"include" not in data:
            return []
        from hardenfix.sources import compose

        return _merges_by_include(compose.parse(decode(data).text, path))
    except (UnreadableFile, BinaryFile, ParseError):
        return []  # reported when the file itself is processed


def _build_contexts_for(batch: list[Candidate], job: Job) -> dict[str, ComposeBuild]:
    """What a worker needs of `job.build_contexts`, complete only after it started."""
    contexts = {}
    for candidate in batch:
        if candidate.kind is FileKind.DOCKERFILE:
            real = os.path.realpath(candidate.path)
            if real in job.build_contexts:
                contexts[real] = job.build_contexts[real]
    return contexts


_worker_job: Job | None = None


def _start_worker(job: Job, parent: int) -> None:
    global _worker_job
    _worker_job = job
    ahead.allowed = False
    _end_with(parent)


PARENT_WATCH_SECONDS = 0.5
"""How often a worker that cannot ask for a parent-death signal looks for its parent."""


def _end_with(parent: int) -> None:
    """Make this worker end when the run that started it does, however the run ended.

    A run killed outright (`kill -9`, the OOM killer, a CI timeout) tells nobody: its
    workers would finish their batch and then wait for more forever. Linux kills the
    worker when its parent goes (a parent-death signal, asked for here; the parent is
    the thread that forked, and the pool forks its workers from the main thread);
    elsewhere a thread watches for the worker being handed to another parent.
    """
    if not _ask_for_parent_death_signal():
        import threading  # where Linux's parent-death signal is missing: a run without workers needs none

        threading.Thread(target=_watch_parent, args=(parent,), name="hardenfix-parent", daemon=True).start()
    if os.getppid() != parent:  # the run ended before the signal was asked for
        os._exit(1)


def _ask_for_parent_death_signal() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


PR_SET_PDEATHSIG = 1
"""From Linux's <sys/prctl.h>."""


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_WATCH_SECONDS)
    os._exit(1)


def _process_batch(
    batch: list[Candidate], build_contexts: dict[str, ComposeBuild], notes: dict[str, tuple[bool | None, bool]] | None
) -> list[FileResult]:
    assert _worker_job is not None
    _worker_job.build_contexts.update(build_contexts)
    if notes is not None:
        assert isinstance(_worker_job.rules, Configuration)
        _worker_job.rules.take_notes(notes)
    return [process(candidate, _worker_job) for candidate in batch]


def process(candidate: Candidate, job: Job) -> FileResult:
    path = candidate.path
    result = FileResult(path=path, display_path=display_path(path, job.cwd), outcome=Outcome.UNCHANGED)
    if candidate.skip_reason is not None:
        return _skipped(result, candidate.skip_reason)
    try:
        status = status_of(regular_file_status(path))
    except BinaryFile as reason:
        return _skipped(result, str(reason))
    except UnreadableFile as reason:
        return _invalid(result, Unreadable, str(reason))
    kind = candidate.kind if candidate.kind is not None else classify_explicit(path)
    if kind is None:
        return _skipped(result, "is not a Compose file, Dockerfile or Python file")
    result.kind = kind
    settings = job.settings_for(path)
    fingerprint = job.fingerprint_for(path, settings, kind)
    if fingerprint is None:
        return result
    build_context = _build_context(job, path, kind)
    absolute = absolute_path(path)
    try:
        data = read_accepted(path)  # its status was checked above
    except UnreadableFile as reason:
        return _invalid(result, Unreadable, str(reason))
    digest = _content_key(data) if job.cached is not None else ""
    key = _cache_key(fingerprint, digest, _keyed_location(path, kind, build_context, candidate.merged_by_include))
    if job.cached is not None:
        # Bytes the cache knows (a file touched, copied, or changed back): remembered with
        # the file's status now, so that the next run need not read them; and no rule is
        # imported for them.
        cached = _from_cache(result, job, key, settings, data)
        if cached is not None:
            entry = job.cached.entries[key]
            cached.cache_entry = Record(key, entry.findings, entry.dependencies, absolute, status, digest, entry.error)
            if kind is FileKind.COMPOSE:
                cached.build_contexts = job.cached.contexts_of_bytes(absolute, digest)
            return cached
    engine = job.engine_for(path, settings, kind)
    if not engine.needs_parse(kind, data, path):
        if job.cached is not None:
            result.cache_entry = Record(key, [], [], absolute, status, digest)
        return result
    try:
        decoded = decode(data, kind)
    except BinaryFile as reason:
        return _skipped(result, str(reason))
    except UnreadableFile as reason:
        return _kept_invalid(unparseable(result, str(reason)), job, key, absolute, status, digest)
    try:
        source = SourceFile(path, build_context, decoded.encoding, candidate.merged_by_include)
        outcome = analyse(engine, kind, decoded.text, result.display_path, source, job.mode)
        for finding in outcome.remaining:
            if finding.fix is not None:
                finding.fix.settle(make_edits=job.fix_edits)
    except ParseError as error:
        invalid = unparseable(result, str(error), error.line, error.column)
        return _kept_invalid(invalid, job, key, absolute, status, digest)
    except Exception as crash:  # noqa: BLE001 - one rule's bug must not end a sweep
        return _failed(result, f"internal error ({type(crash).__name__}: {crash}); please report this")
    result.facts_read = remembered.take_learnt()
    if kind is FileKind.COMPOSE:
        result.build_contexts = _contexts_of(outcome.document)
    result.findings = outcome.remaining
    result.fixed = outcome.fixed
    result.notes = outcome.dropped
    result.failing = _failing(result.findings, settings)
    if not outcome.fixed and job.cached is not None:  # the findings are those of the file as it is on disk
        findings = [finding.to_cache() for finding in outcome.remaining]
        from hardenfix.cache import signature

        result.cache_entry = Record(key, findings, signature(outcome.dependencies), absolute, status, digest)
    # The bytes go back to the parent only where a report needs them: the diff of a
    # changed file, the text that findings' offsets point into (SARIF regions).
    if result.findings or outcome.fixed:
        result.original = data
    if not outcome.fixed:
        return result
    result.fixed_bytes = decoded.encode(outcome.text)
    if not result.changed:
        result.fixed_bytes = None
        return result
    result.outcome = Outcome.CHANGED
    if job.mode is Mode.WRITE:
        try:
            atomic_write(path, result.fixed_bytes, expected=data)
        except WriteRefused as reason:
            result.fixed_bytes = None
            return _failed(result, str(reason))
        result.written = True
    return result


def process_stdin(data: bytes, name: str | None, job: Job) -> FileResult:
    """`check -`: the text on standard input, as the file `name` would be (its kind, its
    configuration, how reports name it). Without a name, it must be a Compose file."""
    path = Path(name or "-")
    result = FileResult(path, display_path(path, job.cwd) if name else "-", Outcome.UNCHANGED, original=data)
    result.kind = classify_name(path.name) or (FileKind.COMPOSE if has_services_key(data) else None)
    if result.kind is None:
        return _skipped(result, "is not a Compose file, Dockerfile or Python file: name it with --stdin-filename")
    settings = job.settings_for(path)
    if name is not None and job.excluded(path, settings, explicit=True):
        return result  # as the file is: `--fix` gives back what it read
    engine = job.engine_for(path, settings, result.kind)
    if result.kind not in engine.kinds():
        return result
    try:
        decoded = decode(data, result.kind)
        source = SourceFile(path, encoding=decoded.encoding)
        outcome = analyse(engine, result.kind, decoded.text, result.display_path, source, job.mode)
    except UnreadableFile as reason:
        return unparseable(result, str(reason))
    except ParseError as error:
        return unparseable(result, str(error), error.line, error.column)
    result.findings, result.fixed, result.notes = outcome.remaining, outcome.fixed, outcome.dropped
    result.failing = _failing(result.findings, settings)
    fixed = decoded.encode(outcome.text)
    if fixed != data:
        result.outcome, result.fixed_bytes, result.written = Outcome.CHANGED, fixed, job.mode is Mode.WRITE
    return result


def analyse(engine: Engine, kind: FileKind, text: str, display_path: str, source: SourceFile, mode: Mode) -> FixOutcome:
    """What `mode` asks of the engine. A file whose fixes cannot be made (their output
    could not be verified) keeps its findings, unfixed, with the reason as a note.
    Raises ParseError for a text that cannot be parsed."""
    try:
        if mode is Mode.CHECK:
            return engine.check(kind, text, display_path, source)
        try:
            return engine.fix(kind, text, display_path, source, written=mode is Mode.WRITE)
        except FixError as reason:
            outcome = engine.check(kind, text, display_path, source)
            outcome.dropped.append(str(reason))
            return outcome
    except RecursionError:
        raise ParseError("nesting is too deep to process") from None


def _remembered(
    path: Path | str, kind: FileKind, job: Job, settings: Settings | None, merged: tuple[MergedByInclude, ...] = ()
) -> FileResult | None:
    """The result the cache gives a file (with these settings) whose status is as it
    remembers, without reading it; None when the file must be processed. `path` is
    absolute and normal (a candidate's, or a file a remembered walk lists); `merged`, what
    the run's `include:`s merge over a Compose file."""
    assert job.cached is not None
    absolute = str(path)
    try:
        stat_result = os.stat(absolute)
    except OSError:
        return None
    job.seen[absolute] = [stat_result.st_mtime_ns, stat_result.st_size]
    status = status_of(stat_result)
    digest = job.cached.digest(absolute, status)
    if digest is None:
        return None
    fingerprint = job.fingerprint_for(path, settings, kind)
    if fingerprint is None:
        return None
    result = FileResult(path=path, display_path=display_path(path, job.cwd), outcome=Outcome.UNCHANGED, kind=kind)
    location = _keyed_location(path, kind, _build_context(job, path, kind), merged)
    known = _from_cache(result, job, _cache_key(fingerprint, digest, location), settings)
    if known is not None and kind is FileKind.COMPOSE:
        known.build_contexts = job.cached.contexts(absolute, status)
    return known


def _content_key(data: bytes) -> str:
    from hardenfix.cache import content_key

    return content_key(data)


def _build_context(job: Job, path: Path | str, kind: FileKind) -> ComposeBuild | None:
    return job.build_contexts.get(os.path.realpath(path)) if kind is FileKind.DOCKERFILE else None


def _keyed_location(
    path: Path | str, kind: FileKind, build: ComposeBuild | None, merged: tuple[MergedByInclude, ...] = ()
) -> str:
    """Where a file is, as far as its findings depend on it: a Dockerfile's build context,
    the Compose files that build it, the services of the run that run its image past its
    entrypoint, and the files those Compose files include; a Compose file's own path,
    since its build contexts and env files are relative to it, and the files of the run that
    include it with others merged over it, with those (read, they are its dependencies; the
    including files are not, so a change to one that merges the same files over it keeps the
    entry); a Python module's own path, since HF301 reads the project around it and HF303
    tells a test file and a module's name from it. Two copies of a file in two places are
    two different cases."""
    if kind is not FileKind.DOCKERFILE:
        if not merged:
            return str(path)
        return "|".join((str(path), *(">".join((merge.including_file, *merge.overrides)) for merge in merged)))
    if build is None:
        return ""
    return "|".join(
        (
            str(build.context),
            *build.other_contexts,
            *build.compose_files,
            *build.entrypoint_bypassed_by,
            *build.included_files,
        )
    )


def _cache_key(fingerprint: str, digest: str, location: str) -> str:
    return f"{fingerprint}:{digest}:{location}"


def _from_cache(
    result: FileResult, job: Job, key: str, settings: Settings | None, data: bytes | None = None
) -> FileResult | None:
    """The result the cache remembers under `key`, if it can stand for processing the file.

    `check` takes remembered findings; `apply` only a file with none. `data` is the
    file's bytes when they were read; without them, a file with findings is read now
    for the report only if the report needs its text.
    """
    assert job.cached is not None
    entry = job.cached.entries.get(key)
    if (
        entry is None
        or (entry.findings and job.mode is not Mode.CHECK)
        or (job.fix_edits and not entry.has_fix_edits())
        or not entry.is_current(job.seen)
    ):
        return None
    findings = [Finding.from_cache(finding, result.display_path) for finding in entry.findings]
    if entry.error is not None:
        return _as_invalid(result, entry.error, findings)
    if findings and job.fix_edits:
        try:
            result.original = data if data is not None else read_bytes(result.path)
        except (BinaryFile, UnreadableFile):
            return None
    result.findings = findings
    result.failing = _failing(result.findings, settings)
    return result


def _failing(findings: list[Finding], settings: Settings | None) -> int:
    if not findings or settings is None:
        return len(findings)
    return sum(1 for finding in findings if settings.fails(finding))


def _skipped(result: FileResult, reason: str) -> FileResult:
    result.outcome = Outcome.SKIPPED
    result.error = reason
    return result


def unparseable(result: FileResult, reason: str, line: int | None = None, column: int | None = None) -> FileResult:
    return _invalid(result, Unparseable, reason, Position(line, column or 1) if line is not None else None)


def _invalid(result: FileResult, rule: type[Rule], reason: str, at: Position | None = None) -> FileResult:
    """A file no rule could look into: one finding (HF002 or HF003) says why."""
    return _as_invalid(result, reason, [rule.file_finding(result.display_path, reason, at)])


def _as_invalid(result: FileResult, reason: str, findings: list[Finding]) -> FileResult:
    result.outcome = Outcome.INVALID
    result.error = reason
    result.findings = findings
    result.failing = 1
    return result


def _kept_invalid(result: FileResult, job: Job, key: str, absolute: str, status: Status, digest: str) -> FileResult:
    """A file that does not parse, for the cache to remember: why depends on its own bytes
    alone (a file it includes or reads is another's error, or none), and a warm run then
    neither parses it nor imports its kind's rules."""
    if job.cached is not None:
        findings = [finding.to_cache() for finding in result.findings]
        result.cache_entry = Record(key, findings, [], absolute, status, digest, result.error)
    return result


def _failed(result: FileResult, reason: str) -> FileResult:
    result.outcome = Outcome.FAILED
    result.error = reason
    return result
