"""Wall time and peak memory of a whole process tree, from outside.

A build may fork workers, so the peak that matters is the sum of every
process's resident set at the same moment: psutil samples the tree every
`interval` seconds. The kernel's own figure, ru_maxrss from wait4 (the
largest single process of the tree), is kept beside it as a check that
sampling missed no short peak of one process. Each command is started by
launch.py, a small process of its own, so that neither figure counts this
one's memory (see there).
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.tools import psutil_module

LAUNCH = Path(__file__).resolve().parent / "launch.py"


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
    """Sum of the resident sets of a process's descendants (the launched command's tree), now."""
    total = 0
    try:
        processes = root.children(recursive=True)
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
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        launched = [sys.executable, "-I", "-S", LAUNCH, report, *command]
        start = time.perf_counter()
        process = subprocess.Popen(list(map(str, launched)), stdout=out, stderr=err, env=env, cwd=cwd)
        root = psutil.Process(process.pid)
        peak = 0
        while process.poll() is None:
            peak = max(peak, tree_rss(psutil, root))
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(interval)
            if time.perf_counter() - start > timeout:
                for child in [*root.children(recursive=True), root]:
                    with contextlib.suppress(psutil.Error):
                        child.kill()
                process.wait()
                break
        outside = time.perf_counter() - start
        measured = json.loads(report.read_text()) if report.exists() else {"seconds": outside, "max_rss": 0}
        out.seek(0)
        err.seek(0)
        return Finished(
            seconds=measured["seconds"],
            peak_tree_rss=max(peak, measured["max_rss"]),
            max_rss=measured["max_rss"],
            returncode=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
        )


def median(values: Sequence[float]) -> float:
    return statistics.median(values)
