"""Make every show feed with yaml2ics: run inside yaml2ics's own virtual environment.

    VENV/bin/python benchmarks/yaml2ics_run.py IN_DIR OUT_DIR
    VENV/bin/python benchmarks/yaml2ics_run.py --commands IN_DIR OUT_DIR

Each input file (see yaml2ics_input.py) becomes OUT_DIR/<name>.ics. By
default through yaml2ics.files_to_calendar(), what its command line does for
one file, in one process, so that the interpreter's start is paid once and
not per show: the least yaml2ics can take. With --commands, the way its
README runs it: its `yaml2ics FILE` command once per show, writing standard
output to the feed, as many at a time as there are cores.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml2ics


def in_process(source: Path, out: Path) -> int:
    count = 0
    for path in sorted(source.glob("*.yaml")):
        calendar = yaml2ics.files_to_calendar([str(path)])
        (out / f"{path.stem}.ics").write_text(calendar.serialize(), encoding="utf-8")
        count += 1
    return count


def by_commands(source: Path, out: Path) -> int:
    command = Path(sys.executable).with_name("yaml2ics")

    def one(path: Path) -> None:
        with open(out / f"{path.stem}.ics", "wb") as feed:
            subprocess.run([command, path], stdout=feed, check=True)

    paths = sorted(source.glob("*.yaml"))
    with ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0))) as pool:
        list(pool.map(one, paths))
    return len(paths)


def main(argv: list[str]) -> None:
    commands = "--commands" in argv
    source, out = (Path(arg) for arg in argv[1:] if arg != "--commands")
    out.mkdir(parents=True, exist_ok=True)
    count = by_commands(source, out) if commands else in_process(source, out)
    print(f"{out}: {count} files")


if __name__ == "__main__":
    main(sys.argv)
