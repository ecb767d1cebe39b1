"""Make every show feed with yaml2ics: run inside yaml2ics's own virtual environment.

    VENV/bin/python benchmarks/yaml2ics_run.py IN_DIR OUT_DIR

Each input file (see yaml2ics_input.py) becomes OUT_DIR/<name>.ics through
yaml2ics.files_to_calendar(), what its command line does for one file, in
one process so that the interpreter's start is paid once and not per show.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml2ics


def main(argv: list[str]) -> None:
    source, out = Path(argv[1]), Path(argv[2])
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(source.glob("*.yaml")):
        calendar = yaml2ics.files_to_calendar([str(path)])
        (out / f"{path.stem}.ics").write_text(calendar.serialize(), encoding="utf-8")
        count += 1
    print(f"{out}: {count} files")


if __name__ == "__main__":
    main(sys.argv)
