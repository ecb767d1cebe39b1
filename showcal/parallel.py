"""Running one function over many pieces of work on every core, or in this process when the work is small.

Workers are forked, so they share what the parent had read (the data files'
bytes) without copying it; each gets a batch of pieces and sends back only
small results. Below `SMALL` pieces the fork costs more than it saves.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

SMALL = 400
"""Fewer pieces than this are done in this process."""
BATCHES_PER_WORKER = 32
"""Smaller batches even out the load across workers and let progress be shown as they finish."""


def give_back_memory() -> None:
    """Hand memory freed in this process back to the system, before forking workers.

    A build reads every data file to see what changed, then drops the bytes;
    glibc keeps the freed heap, and forked workers would start out counting it
    as their own resident memory (200 MB each at 10,000 shows).
    """
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to give back this way
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def workers() -> int:
    """The cores this process may use (its CPU affinity, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def run(
    work: Callable[[Sequence[Job]], list[Result]],
    jobs: Sequence[Job],
    *,
    jobs_count: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[Result]:
    """`work` over `jobs` in batches, results in the order of the jobs.

    `work` must be a module-level function (workers find it by name) and
    take a batch; everything it needs beyond its batch it must find in module
    state set before this call, which forked workers inherit.
    """
    count = jobs_count or workers()
    if count == 1 or len(jobs) < SMALL or not _can_fork():
        for start in range(0, len(jobs), 100):
            batch = jobs[start : start + 100]
            yield from work(batch)
            if progress is not None:
                progress(len(batch))
        return
    size = max(1, -(-len(jobs) // (count * BATCHES_PER_WORKER)))
    batches = [jobs[start : start + size] for start in range(0, len(jobs), size)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=count, mp_context=context) as pool:
        for batch, results in zip(batches, pool.map(work, batches), strict=True):
            yield from results
            if progress is not None:
                progress(len(batch))


def _can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()
