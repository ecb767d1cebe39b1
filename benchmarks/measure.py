"""Wall time and peak memory of a whole process tree, from outside.

A build may fork workers, so the peak that matters is the sum of every
process's resident set at the same moment: psutil samples the tree every
`interval` seconds. The kernel's own figure, ru_maxrss from wait4 (the
largest single process of the tree), is kept beside it as a check that
sampling missed no short peak of one process.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.tools import psutil_module


@dataclass(frozen=True)
class Finished:
    seconds: float
    peak_tree_rss: int
    """Bytes: the largest sum of the tree's resident sets seen by sampling."""
    max_rss: int
    """Bytes: ru_maxrss of the largest single process of the tree (kernel's count)."""
    returncode: int
    stdout: str
    stderr: str

    def check(self, what: str) -> Finished:
        if self.returncode != 0:
            raise RuntimeError(f"{what} exited {self.returncode}:\n{self.stderr[-3000:]}{self.stdout[-1000:]}")
        return self


def tree_rss(psutil, root) -> int:
    """Sum of the resident sets of a process and all its descendants, now."""
    total = 0
    try:
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0
    for process in processes:
        with contextlib.suppress(psutil.Error):
            total += process.memory_info().rss
    return total


def run(
    command: Sequence[str | os.PathLike],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    interval: float = 0.1,
    timeout: float = 7200,
) -> Finished:
    """Run a command to its end; its output goes to temporary files so no pipe can fill.

    Dirty pages are written out first: a build writes a quarter of a million
    files, and the kernel flushing the previous command's (or removing its
    folder) inside the next one's timing made full builds vary from 60 s to 94 s.
    """
    psutil = psutil_module()
    os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        process = subprocess.Popen(list(map(str, command)), stdout=out, stderr=err, env=env, cwd=cwd)
        ended: dict[str, object] = {}

        def reap() -> None:
            _, status, usage = os.wait4(process.pid, 0)
            ended["at"] = time.perf_counter()
            ended["status"], ended["usage"] = status, usage

        waiter = threading.Thread(target=reap, daemon=True)
        waiter.start()
        root = psutil.Process(process.pid)
        peak = 0
        while waiter.is_alive():
            peak = max(peak, tree_rss(psutil, root))
            waiter.join(interval)
            if time.perf_counter() - start > timeout:
                process.kill()
                waiter.join()
                break
        process.returncode = os.waitstatus_to_exitcode(ended["status"])  # type: ignore[arg-type]
        usage = ended["usage"]
        out.seek(0)
        err.seek(0)
        return Finished(
            seconds=ended["at"] - start,  # type: ignore[operator]
            peak_tree_rss=max(peak, usage.ru_maxrss * 1024),  # type: ignore[attr-defined]
            max_rss=usage.ru_maxrss * 1024,  # type: ignore[attr-defined]
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
