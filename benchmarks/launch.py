"""Run one command and write its wall time and peak memory, measured by a process too small to blur them.

    python -I -S benchmarks/launch.py REPORT COMMAND [ARGS...]

Linux counts a process's peak resident set (ru_maxrss) from before its exec,
so a command started by a large process reports at least that process's
size: started straight from the benchmark runner, which holds hundreds of
megabytes, `/usr/bin/true` reported 513 MB. Started from here (stdlib
only, about 10 MB), a command's figure is its own. REPORT gets JSON:
{"seconds": wall time from spawn to exit, "max_rss": bytes}; the exit
status is the command's.
"""

import json
import os
import sys
import time


def main(argv: list[str]) -> int:
    report, command = argv[1], argv[2:]
    start = time.perf_counter()
    pid = os.posix_spawnp(command[0], command, os.environ)
    _, status, usage = os.wait4(pid, 0)
    seconds = time.perf_counter() - start
    with open(report, "w", encoding="utf-8") as handle:
        json.dump({"seconds": seconds, "max_rss": usage.ru_maxrss * 1024}, handle)
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    code = main(sys.argv)
    sys.exit(code if code >= 0 else 128 - code)
