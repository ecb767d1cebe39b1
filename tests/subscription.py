"""A real subscription on Linux: vdirsyncer syncs a feed's URL into a vdir, khal shows it.

This is the path the vdir tools take, with their own readers at each step:
vdirsyncer's `http` storage splits the file into one item per event (by the
UID lines it finds) and writes them into a `filesystem` vdir; khal reads the
vdir into its cache and lists it. Both run as the commands a person runs, with
configuration files written here, against a URL on 127.0.0.1.

vdirsyncer's `http` storage replaces every event's UID with a hash of the item
(its `_ignore_uids`), so what khal lists carries no UID of the feed: events
are compared by what a person sees, their title, times and status.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from client_parsers import Seen

TOOLS = Path(sys.executable).parent
TIMEOUT = 60.0
"""Seconds vdirsyncer or khal may take for one command before the test fails."""

FORMAT = "\t".join(["{start-long}", "{end-long}", "{all-day}", "{status}", "{title}"])
DATE, DATETIME = "%Y-%m-%d", "%Y-%m-%d %H:%M"


@dataclass(frozen=True)
class Subscription:
    """What a subscription left: the vdir's items and khal's list of them, with khal's complaints."""

    items: int
    events: list[Seen]  # uid and sequence are None: see the module's docstring
    warnings: str


def missing() -> list[str]:
    return [
        f"{tool} is not installed (pip install -e '.[test]')"
        for tool in ("vdirsyncer", "khal")
        if not (TOOLS / tool).exists()
    ]


def _run(command: list[str]) -> subprocess.CompletedProcess:
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def _seen(line: str) -> Seen:
    start, end, all_day, status, title = line.split("\t", 4)
    if all_day == "True":  # khal shows an all-day event's last day; iCalendar's end is the day after
        first, last = (datetime.strptime(value, DATE).date() for value in (start, end))
        return Seen(None, title, first, last + timedelta(days=1), status.strip() or None, None)
    begins, ends = (datetime.strptime(value, DATETIME).replace(tzinfo=UTC) for value in (start, end))
    return Seen(None, title, begins, ends, status.strip() or None, None)


class Subscriber:
    """One subscription kept across refreshes: a vdir that vdirsyncer syncs `url` into, listed by khal.

    khal runs in UTC, so timed events come back as UTC instants, comparable
    with `client_parsers.Seen`.
    """

    def __init__(self, url: str, folder: Path):
        self.vdir, status = folder / "calendar", folder / "status"
        self.vdir.mkdir(parents=True)
        status.mkdir()
        self.config = folder / "vdirsyncer.conf"
        self.config.write_text(
            f'[general]\nstatus_path = "{status}/"\n\n'
            '[pair feed]\na = "feed_remote"\nb = "feed_local"\ncollections = null\n'
            'conflict_resolution = "a wins"\n\n'
            f'[storage feed_remote]\ntype = "http"\nurl = "{url}"\n\n'
            f'[storage feed_local]\ntype = "filesystem"\npath = "{self.vdir}/"\nfileext = ".ics"\n'
        )
        self.khal = folder / "khal.conf"
        self.khal.write_text(
            f"[calendars]\n[[feed]]\npath = {self.vdir}/\ntype = calendar\n"
            f"[locale]\ntimeformat = %H:%M\ndateformat = {DATE}\nlongdateformat = {DATE}\n"
            f"datetimeformat = {DATETIME}\nlongdatetimeformat = {DATETIME}\n"
            "local_timezone = UTC\ndefault_timezone = UTC\n"
            f"[sqlite]\npath = {folder / 'khal.db'}\n"
        )
        _run([str(TOOLS / "vdirsyncer"), "-c", str(self.config), "discover"])

    def sync(self) -> dict[str, bytes]:
        """Refresh as a subscribed client does; the vdir's items afterwards, by file name."""
        _run([str(TOOLS / "vdirsyncer"), "-c", str(self.config), "sync"])
        return {p.name: p.read_bytes() for p in sorted(self.vdir.glob("*.ics"))}

    def listed(self, first: date, last: date) -> Subscription:
        listed = _run(
            [str(TOOLS / "khal"), "-c", str(self.khal), "list", "--once", "--format", FORMAT, "--day-format", "",
             first.isoformat(), (last + timedelta(days=1)).isoformat()]
        )  # fmt: skip
        lines = [line for line in listed.stdout.splitlines() if line.strip()]
        return Subscription(len(list(self.vdir.glob("*.ics"))), [_seen(line) for line in lines], listed.stderr)


def subscribe(url: str, folder: Path, first: date, last: date) -> Subscription:
    """Sync `url` once into a new vdir under `folder`, and list it with khal from `first` to `last`."""
    subscriber = Subscriber(url, folder)
    subscriber.sync()
    return subscriber.listed(first, last)
