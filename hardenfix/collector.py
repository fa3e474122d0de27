"""When Python's cyclic garbage collector runs during a run.

The collector scans every container object of the generations it collects. A run builds
large structures that hold no reference cycle, which reference counting frees: a module's
syntax tree, the code read from a build context and kept for the run, a loaded cache.
Collecting while they are alive scans them and frees nothing; scanned again at every later
collection, the ones kept for the run cost the most (`scripts/bench-results.md`).
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

GC_THRESHOLD = 20_000
"""Allocations between young-generation collections: discovery builds an object or two
per file, `ast` hundreds of thousands per large module, and the default (700) collects
over and over while they do (a fifth of all parsing time); neither holds reference
cycles, which reference counting could not free. Ten times higher (200,000) was no
faster on the bench tree and held a quarter more memory: libcst's trees do leave cycles."""


@contextlib.contextmanager
def collecting_less_often() -> Iterator[None]:
    """The collector at `GC_THRESHOLD`, everything loaded so far out of its sight (frozen,
    which also keeps forked workers from copying the pages a collection would touch)."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


@contextlib.contextmanager
def not_collecting(then_freeze: bool = False) -> Iterator[None]:
    """No collection while the block builds what holds no reference cycle; the collector is
    left on, or off, as it was. With `then_freeze`, what is alive at the block's end is
    frozen (`gc.freeze`) for what the run keeps: no later collection scans it, reference
    counting still frees it, and only a reference cycle alive then is never collected."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if then_freeze:
            gc.freeze()
        if collecting:
            gc.enable()
