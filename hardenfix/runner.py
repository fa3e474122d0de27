"""Discovery to disk: every file's outcome, one file's failure never stopping the rest.

Files are processed in a pool of worker processes, in batches, with results
yielded in discovery order; a small run (one pre-commit file) stays in this
process, where starting workers would cost more than it saves.

A Dockerfile's findings depend on the build context a Compose file of the run gives
it. Compose files whose contexts the cache does not know are processed before the
rest, their results held until their turn comes; the contexts they report go with the
Dockerfiles to the workers. Each Compose file is parsed once.
"""

from __future__ import annotations

import contextlib
import enum
import gc
import itertools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hardenfix.cache import Cache, Record, Remembered, content_key, signature, status_of
from hardenfix.config import LISTED_NAMES, Configuration, Settings
from hardenfix.discovery import Candidate, FolderListed, classify_explicit, discover
from hardenfix.engine import Engine, FixError, SourceFile
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
from hardenfix.model import FileKind, FileResult, Finding, Outcome
from hardenfix.sources import ParseError

if TYPE_CHECKING:
    from hardenfix.sources.compose import ComposeDocument

GC_THRESHOLD = 20_000
"""Allocations between young-generation collections: discovery builds an object or two
per file, `ast` hundreds of thousands per large module, and the default (700) collects
over and over while they do (a fifth of all parsing time); neither holds reference
cycles, which reference counting could not free. Ten times higher (200,000) was no
faster on the bench tree and held a quarter more memory: libcst's trees do leave cycles."""
BATCH_SIZE = 64
"""Files per task sent to a worker: enough to amortise the round trip."""
FIRST_BATCH_SIZE = 16
"""Compose files per task when Dockerfiles wait for them (see `Job.learns_contexts_from`)."""
IN_PROCESS_BELOW = 2 * BATCH_SIZE
"""Runs with fewer files than this stay in-process."""


class Mode(enum.Enum):
    CHECK = "check"
    """Report findings on the files as they are."""
    DIFF = "diff"
    """Compute fixes, write nothing."""
    WRITE = "write"
    """Compute fixes and write them."""


@dataclass
class Job:
    """Everything a worker needs to process files the way this run does."""

    rules: Engine | Configuration
    """One engine for every file, or the configuration that gives each file its own."""
    mode: Mode
    cwd: Path
    cached: Remembered | None = None
    """What the cache remembers; None without a cache."""
    build_contexts: dict[str, Path] = field(default_factory=dict)
    """Real path of a Dockerfile -> the build context a Compose file in this run gives it."""
    learns_contexts_from: set[str] = field(default_factory=set)
    """Absolute paths of the Compose files whose build contexts the cache does not know:
    they are processed first, and their results (`FileResult.build_contexts`) complete
    `build_contexts` before any Dockerfile is processed."""
    compose_model_check: bool = False
    """`--validate`: engines built for files also run Docker Compose's model check."""
    fix_edits: bool = False
    """Whether reports show each fix's edits (SARIF does), which `check` would not make."""
    seen: dict[str, list[int]] = field(default_factory=dict)
    """Absolute path -> [mtime in ns, size] of the files and folders this run looked at
    in the parent."""
    _engines: dict[tuple[int, tuple[str, ...]], Engine] = field(default_factory=dict, repr=False)

    def settings_for(self, path: Path) -> Settings | None:
        return self.rules.for_path(path) if isinstance(self.rules, Configuration) else None

    def engine_for(self, path: Path, settings: Settings | None) -> Engine:
        """The engine for a file with these settings (`settings_for`): one per distinct
        set of settings and rules, built once."""
        if settings is None:
            assert isinstance(self.rules, Engine)
            return self.rules
        key = (id(settings), settings.ignored_for(path) if settings.per_file_ignores else ())
        if key not in self._engines:
            self._engines[key] = Engine(
                settings.rules(path),
                settings.unsafe_fixes,
                fingerprint=settings.fingerprint(path),
                compose_model_check=self.compose_model_check,
            )
        return self._engines[key]


def display_path(path: Path, cwd: Path) -> str:
    """The path relative to the working directory, as diff headers and reports show it."""
    absolute, folder = absolute_path(path), str(cwd)
    if absolute.startswith(folder + os.sep):
        return absolute[len(folder) + 1 :].replace(os.sep, "/")
    return os.path.relpath(absolute, folder).replace(os.sep, "/")


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
) -> Iterator[FileResult]:
    """Process every discovered file; results come in discovery order, as they finish.

    Every file's configuration is loaded before the first file is processed, so an
    invalid one stops the run (ConfigError) before anything is written.
    `select_files` narrows the discovered files (`--changed`, `--shard`); `fix_edits`
    makes the edits of fixes that are not applied, for a report that shows them.
    """
    temporaries: list[Path] = []
    cached = cache.remembered if cache is not None else None
    job = Job(rules, mode, cwd or Path.cwd(), cached, compose_model_check=compose_model_check, fix_edits=fix_edits)
    workers = min(jobs or os.cpu_count() or 1, 61)
    with _collecting_less_often():
        candidates = [
            candidate
            for candidate in discover(paths, temporaries, _folder_listener(rules), cache, LISTED_NAMES, job.seen)
            if candidate.explicit or not _excluded(job, candidate.path)
        ]
        if select_files is not None:
            candidates = select_files(candidates)
        if any(candidate.kind is FileKind.DOCKERFILE for candidate in candidates):
            job.build_contexts, job.learns_contexts_from = _remembered_build_contexts(candidates, cache)
        # What the cache answers for without reading is answered here: a warm run over
        # an unchanged tree starts no worker.
        remembered = _answered_from_cache(candidates, job) if cached else []
        if remembered:
            candidates = [candidate for candidate, known in zip(candidates, remembered, strict=True) if known is None]
        if workers == 1 or len(candidates) < IN_PROCESS_BELOW:
            processed = _in_process(candidates, job)
        else:
            processed = _in_pool(candidates, job, workers)
        for result in _in_order(remembered, processed):
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


def _in_order(remembered: list[FileResult | None], processed: Iterable[FileResult]) -> Iterator[FileResult]:
    """Discovery order again: each file the cache answered for where it was found, the
    processed ones (in their order) in the gaps."""
    processed = iter(processed)
    for known in remembered:
        yield known if known is not None else next(processed)
    yield from processed


@contextlib.contextmanager
def _collecting_less_often() -> Iterator[None]:
    """The garbage collector at `GC_THRESHOLD`, everything loaded so far out of its sight."""
    threshold = gc.get_threshold()
    gc.freeze()  # also keeps forked workers from copying the pages it would touch
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _folder_listener(rules: Engine | Configuration) -> FolderListed | None:
    return rules.folder_listed if isinstance(rules, Configuration) else None


def _excluded(job: Job, path: Path) -> bool:
    settings = job.settings_for(path)
    return settings is not None and settings.excluded(path)


def _remembered_build_contexts(candidates: list[Candidate], cache: Cache | None) -> tuple[dict[str, Path], set[str]]:
    """The build contexts that the run's Compose files give Dockerfiles (`build.context`),
    as far as the cache knows them while the files are unchanged; and the Compose files
    (absolute paths) it does not know them for."""
    contexts: dict[str, Path] = {}
    unknown: set[str] = set()
    for candidate in candidates:
        if candidate.kind is FileKind.COMPOSE and candidate.skip_reason is None:
            absolute = absolute_path(candidate.path)
            try:
                status = status_of(regular_file_status(candidate.path))
            except (UnreadableFile, BinaryFile):
                continue  # reported when the file itself is processed
            remembered = cache.remembered.contexts(absolute, status) if cache is not None else None
            if remembered is None:
                unknown.add(absolute)
            else:
                contexts.update((dockerfile, Path(context)) for dockerfile, context in remembered.items())
    return contexts, unknown


def _first_compose_files(candidates: list[Candidate], job: Job) -> list[int]:
    """Where the Compose files are that must be processed before any Dockerfile."""
    return [
        index
        for index, candidate in enumerate(candidates)
        if candidate.kind is FileKind.COMPOSE and absolute_path(candidate.path) in job.learns_contexts_from
    ]


def _learn_build_contexts(job: Job, results: Iterable[FileResult]) -> None:
    for result in results:
        if result.build_contexts:
            job.build_contexts.update(
                (dockerfile, Path(context)) for dockerfile, context in result.build_contexts.items()
            )


def _in_process(candidates: list[Candidate], job: Job) -> Iterator[FileResult]:
    first = {index: process(candidates[index], job) for index in _first_compose_files(candidates, job)}
    _learn_build_contexts(job, first.values())
    rest = (process(candidate, job) for index, candidate in enumerate(candidates) if index not in first)
    return _in_order([first.get(index) for index in range(len(candidates))], rest)


def _in_pool(candidates: list[Candidate], job: Job, workers: int) -> Iterator[FileResult]:
    # fork shares the parent's loaded modules and settings with the workers for free.
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
    with ProcessPoolExecutor(workers, multiprocessing.get_context(method), _start_worker, (job,)) as pool:
        # The Compose files that Dockerfiles wait for go first, in small batches, so that
        # no worker waits long for the last of them.
        first = _first_compose_files(candidates, job)
        chunks = [first[start : start + FIRST_BATCH_SIZE] for start in range(0, len(first), FIRST_BATCH_SIZE)]
        early = [(chunk, pool.submit(_process_batch, [candidates[index] for index in chunk], {})) for chunk in chunks]
        learnt: dict[int, FileResult] | None = None

        def learn() -> dict[int, FileResult]:
            results = {
                index: result for chunk, future in early for index, result in zip(chunk, future.result(), strict=True)
            }
            _learn_build_contexts(job, results.values())
            return results

        def submit(batch: list[Candidate]) -> Future[list[FileResult]]:
            nonlocal learnt
            if learnt is None and any(candidate.kind is FileKind.DOCKERFILE for candidate in batch):
                learnt = learn()
            return pool.submit(_process_batch, batch, _build_contexts_for(batch, job))

        firsts = set(first)
        remaining = (candidate for index, candidate in enumerate(candidates) if index not in firsts)
        batches = iter(lambda: list(itertools.islice(remaining, BATCH_SIZE)), [])
        # Submitted a few batches ahead at a time: memory stays bounded on any tree size.
        pending = [submit(batch) for batch in itertools.islice(batches, 8 * workers)]

        def processed() -> Iterator[FileResult]:
            while pending:
                batch_results = pending.pop(0).result()
                pending.extend(submit(batch) for batch in itertools.islice(batches, 1))
                yield from batch_results

        if learnt is None:
            learnt = learn()
        yield from _in_order([learnt.get(index) for index in range(len(candidates))], processed())


def _build_contexts_for(batch: list[Candidate], job: Job) -> dict[str, Path]:
    """What a worker needs of `job.build_contexts`, learnt after it started, for a batch."""
    contexts = {}
    for candidate in batch:
        if candidate.kind is FileKind.DOCKERFILE:
            real = os.path.realpath(candidate.path)
            if real in job.build_contexts:
                contexts[real] = job.build_contexts[real]
    return contexts


_worker_job: Job | None = None


def _start_worker(job: Job) -> None:
    global _worker_job
    _worker_job = job


def _process_batch(batch: list[Candidate], build_contexts: dict[str, Path]) -> list[FileResult]:
    assert _worker_job is not None
    _worker_job.build_contexts.update(build_contexts)
    return [process(candidate, _worker_job) for candidate in batch]


def process(candidate: Candidate, job: Job) -> FileResult:
    if job.cached is not None and candidate.kind is FileKind.DOCKERFILE and job.learns_contexts_from:
        # Not answered before its build context was known: perhaps it can be now.
        known = _remembered(candidate, job)
        if known is not None:
            return known
    result = _processed(candidate, job)
    if result.build_contexts is None and absolute_path(candidate.path) in job.learns_contexts_from:
        result.build_contexts = _build_contexts_in(candidate.path)  # no rule parsed it
    return result


def _build_contexts_in(path: Path) -> dict[str, str]:
    """A Compose file's build contexts, read and parsed for them alone; none if it cannot be."""
    from hardenfix.sources import compose

    try:
        data = read_bytes(path)
        if b"build" not in data:  # builds nothing: no need to parse it
            return {}
        return _contexts_of(compose.parse(decode(data).text, path))
    except (UnreadableFile, BinaryFile, ParseError):
        return {}


def _contexts_of(document: ComposeDocument) -> dict[str, str]:
    return {dockerfile: str(context) for dockerfile, context in document.build_contexts().items()}


def _processed(candidate: Candidate, job: Job) -> FileResult:
    path = candidate.path
    result = FileResult(path=path, display_path=display_path(path, job.cwd), outcome=Outcome.UNCHANGED)
    if candidate.skip_reason is not None:
        return _skipped(result, candidate.skip_reason)
    try:
        status = status_of(regular_file_status(path))
    except BinaryFile as reason:
        return _skipped(result, str(reason))
    except UnreadableFile as reason:
        return _failed(result, str(reason))
    kind = candidate.kind if candidate.kind is not None else classify_explicit(path)
    if kind is None:
        return _skipped(result, "is not a Compose file, Dockerfile or Python file")
    result.kind = kind
    settings = job.settings_for(path)
    engine = job.engine_for(path, settings)
    if kind not in engine.kinds():
        return result
    build_context = _build_context(job, path, kind)
    absolute = absolute_path(path)
    try:
        data = read_accepted(path)  # its status was checked above
    except UnreadableFile as reason:
        return _failed(result, str(reason))
    digest = content_key(data) if job.cached is not None else ""
    key = _cache_key(engine, digest, build_context)
    if not engine.needs_parse(kind, data):
        if job.cached is not None:
            result.cache_entry = Record(key, [], [], absolute, status, digest)
        return result
    learns_contexts = absolute in job.learns_contexts_from
    if job.cached is not None and not learns_contexts:
        cached = _from_cache(result, job, key, settings, data)
        if cached is not None:
            return cached
    try:
        decoded = decode(data)
    except BinaryFile as reason:
        return _skipped(result, str(reason))
    except UnreadableFile as reason:
        return _failed(result, str(reason))
    try:
        source = SourceFile(path, build_context)
        if job.mode is Mode.CHECK:
            outcome = engine.check(kind, decoded.text, result.display_path, source)
        else:
            outcome = engine.fix(kind, decoded.text, result.display_path, source)
        for finding in outcome.remaining:
            if finding.fix is not None:
                finding.fix.settle(make_edits=job.fix_edits)
    except (ParseError, FixError) as reason:
        return _failed(result, str(reason))
    except RecursionError:
        return _failed(result, "nesting is too deep to process")
    except Exception as crash:  # noqa: BLE001 - one rule's bug must not end a sweep
        return _failed(result, f"internal error ({type(crash).__name__}: {crash}); please report this")
    if learns_contexts:
        result.build_contexts = _contexts_of(outcome.document)
    result.findings = outcome.remaining
    result.fixed = outcome.fixed
    result.notes = outcome.dropped
    result.failing = _failing(result.findings, settings)
    if not outcome.fixed and job.cached is not None:  # the findings are those of the file as it is on disk
        findings = [finding.to_cache() for finding in outcome.remaining]
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
    return result


def _answered_from_cache(candidates: list[Candidate], job: Job) -> list[FileResult | None]:
    """Each file's result from the cache, or None. Dockerfiles come last: their findings
    depend on the files their rules read, mostly files of this run whose status is then
    known without asking the file system again."""
    answers: list[FileResult | None] = [None] * len(candidates)
    for index in sorted(range(len(candidates)), key=lambda i: candidates[i].kind is FileKind.DOCKERFILE):
        candidate = candidates[index]
        if candidate.kind is FileKind.DOCKERFILE and job.learns_contexts_from:
            continue  # its build context, part of its key, is known once the Compose files are processed
        if absolute_path(candidate.path) not in job.learns_contexts_from:
            answers[index] = _remembered(candidate, job)
    return answers


def _remembered(candidate: Candidate, job: Job) -> FileResult | None:
    """The result the cache gives a file whose status is as it remembers, without
    reading it; None when the file must be processed."""
    assert job.cached is not None
    path, kind = candidate.path, candidate.kind
    if candidate.skip_reason is not None or kind is None:
        return None
    absolute = str(path)  # a candidate's path is absolute
    try:
        status = os.stat(absolute)
    except OSError:
        return None
    job.seen[absolute] = [status.st_mtime_ns, status.st_size]
    digest = job.cached.digest(absolute, status_of(status))
    if digest is None:
        return None
    settings = job.settings_for(path)
    engine = job.engine_for(path, settings)
    if kind not in engine.kinds():
        return None
    result = FileResult(path=path, display_path=display_path(path, job.cwd), outcome=Outcome.UNCHANGED, kind=kind)
    return _from_cache(result, job, _cache_key(engine, digest, _build_context(job, path, kind)), settings)


def _build_context(job: Job, path: Path, kind: FileKind) -> Path | None:
    return job.build_contexts.get(os.path.realpath(path)) if kind is FileKind.DOCKERFILE else None


def _cache_key(engine: Engine, digest: str, build_context: Path | None) -> str:
    return f"{engine.fingerprint}:{digest}:{build_context or ''}"


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
    if entry.findings and job.fix_edits:
        try:
            result.original = data if data is not None else read_bytes(result.path)
        except (BinaryFile, UnreadableFile):
            return None
    result.findings = [Finding.from_cache(finding, result.display_path) for finding in entry.findings]
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


def _failed(result: FileResult, reason: str) -> FileResult:
    result.outcome = Outcome.FAILED
    result.error = reason
    return result
