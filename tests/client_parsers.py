"""Every feed as the parsers real calendar clients are built on read it.

tests/parsers.py runs three Python parsers that happen to read ambiguous local
times alike; the clients people subscribe with do not: Thunderbird is ical.js,
Evolution and GNOME Calendar are libical, MagicMirror and many web apps
node-ical, Rails apps Ruby's icalendar gem, Roundcube and Nextcloud
sabre/vobject. Each of them converts the file's times to instants with its own
time-zone code, so each is run for real and its view reduced to the same plain
values (`Seen`, `Reading`); `assert_same_instants` then names the parser and
the event where they part.

The parsers outside this interpreter run in one subprocess per parser for a
whole batch of files (`read_many`), printing JSON; see tests/clients/.
"""

from __future__ import annotations

import glob
import json
import os
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import ics
import vobject
from ical.calendar_stream import IcsCalendarStream

CLIENTS = Path(__file__).parent / "clients"
SYSTEM_PYTHON = "/usr/bin/python3"
NODE = "/usr/bin/node"
TIMEOUT = 120.0
"""Seconds one parser may take over a whole batch before the test fails."""

HOST_ZONE = "Pacific/Auckland"
"""The zone the external parsers run in: far from UTC, so a parser that reads the host's zone shows it."""


@dataclass(frozen=True)
class Seen:
    """One VEVENT as one parser reads it; None where the parser does not give that value."""

    uid: str | None
    summary: str | None
    start: date | datetime | None  # a date for all-day events, an aware UTC datetime otherwise (naive: floating)
    end: date | datetime | None
    status: str | None
    sequence: int | None


@dataclass(frozen=True)
class Reading:
    """One file as one parser reads it: its events and what it makes of the calendar itself."""

    events: tuple[Seen, ...] = ()
    vevents: int | None = None
    vtimezones: int | None = None
    name: str | None = None
    calname: str | None = None
    caldesc: str | None = None
    error: str | None = None  # the parser could not read the file; the rest is empty
    violations: tuple[str, ...] = field(default=())  # libical's X-LIC-ERRORs, parser and restriction check
    offsets: dict[str, tuple[int, ...]] | None = None  # per VTIMEZONE, its UTC offset (s) at each probe instant


# --- the parsers in this interpreter -----------------------------------------------------------


def _instant(value: date | datetime | None) -> date | datetime | None:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC)
    return value


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def with_icalendar(data: bytes) -> Reading:
    cal = icalendar.Calendar.from_ical(data)
    events = cal.walk("VEVENT")
    return Reading(
        events=tuple(
            Seen(
                uid=_text(e.get("UID")),
                summary=_text(e.get("SUMMARY")),
                start=_instant(e.decoded("DTSTART")) if "DTSTART" in e else None,
                end=_instant(e.decoded("DTEND")) if "DTEND" in e else None,
                status=_text(e.get("STATUS")),
                sequence=int(e["SEQUENCE"]) if "SEQUENCE" in e else None,
            )
            for e in events
        ),
        vevents=len(events),
        vtimezones=len(cal.walk("VTIMEZONE")),
        # icalendar keeps NAME and X-WR-* as vUnknown, the TEXT escapes left in: not the text a person reads.
    )


def with_ical(data: bytes) -> Reading:
    cal = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return Reading(
        events=tuple(
            Seen(
                uid=e.uid,
                summary=e.summary,
                start=_instant(e.dtstart),
                end=_instant(e.dtend),
                status=e.status.value if e.status else None,
                sequence=e.sequence,
            )
            for e in cal.events
        ),
        vevents=len(cal.events),
        vtimezones=len(cal.timezones),
        name=cal.name[0] if cal.name else None,  # RFC 7986 allows one NAME per language
        # X-WR-* are `extras`, kept as written with their escapes: not compared.
    )


def with_vobject(data: bytes) -> Reading:
    cal = vobject.readOne(data.decode("utf-8"))

    def value(component, name: str) -> str | None:
        lines = component.contents.get(name)
        return lines[0].value if lines else None

    events = cal.contents.get("vevent", [])
    return Reading(
        events=tuple(
            Seen(
                uid=value(e, "uid"),
                summary=value(e, "summary"),
                start=_instant(value(e, "dtstart")),
                end=_instant(value(e, "dtend")),
                status=value(e, "status"),
                sequence=int(value(e, "sequence")) if "sequence" in e.contents else None,
            )
            for e in events
        ),
        vevents=len(events),
        vtimezones=len(cal.contents.get("vtimezone", [])),
        name=value(cal, "name"),
        calname=value(cal, "x-wr-calname"),
        caldesc=value(cal, "x-wr-caldesc"),
    )


def vobject_offsets(data: bytes, probes: Sequence[int]) -> dict[str, tuple[int, ...]]:
    """Each VTIMEZONE's UTC offset at each probe instant (Unix seconds), as vobject (dateutil's tzical) builds it."""
    cal = vobject.readOne(data.decode("utf-8"))
    found = {}
    for vtimezone in cal.contents.get("vtimezone", []):
        zone = vtimezone.gettzinfo()
        found[vtimezone.tzid.value] = tuple(
            int(datetime.fromtimestamp(probe, zone).utcoffset().total_seconds()) for probe in probes
        )
    return found


def with_ics(data: bytes) -> Reading:
    cal = ics.Calendar(data.decode("utf-8"))

    def when(value, all_day: bool) -> date | datetime | None:
        if value is None:
            return None
        return value.date() if all_day else _instant(value.datetime)

    # ics holds events in a set: put them back in file order, which is the order of their UIDs' first lines.
    order = {uid: n for n, uid in enumerate(_uids_in_order(data))}
    events = sorted(cal.events, key=lambda e: order.get(e.uid, len(order)))
    return Reading(
        events=tuple(
            Seen(
                uid=e.uid,
                summary=e.name,
                start=when(e.begin, e.all_day),
                end=when(e.end, e.all_day),
                status=e.status,
                sequence=None,  # ics 0.7 keeps no SEQUENCE
            )
            for e in events
        ),
        vevents=len(cal.events),
        vtimezones=len(cal._timezones),  # noqa: SLF001 - ics keeps the parsed VTIMEZONEs only there
        # calendar-level NAME and X-WR-* stay raw content lines in `extra`: not compared.
    )


def _uids_in_order(data: bytes) -> list[str]:
    cal = icalendar.Calendar.from_ical(data)
    return [str(e["UID"]) for e in cal.walk("VEVENT") if "UID" in e]


IN_PROCESS: dict[str, Callable[[bytes], Reading]] = {
    "icalendar": with_icalendar,
    "ical": with_ical,
    "vobject": with_vobject,
    "ics": with_ics,
}


# --- the parsers in other runtimes ---------------------------------------------------------------


@dataclass(frozen=True)
class External:
    """A script that reads many files in one run and prints a JSON list, one {parser: view} per file."""

    parsers: tuple[str, ...]
    command: tuple[str, ...]
    needs: tuple[str, ...]  # files (glob patterns) that must exist for the command to run
    install: str  # what a developer runs when one is missing

    def missing(self) -> str | None:
        for path in self.needs:
            if not glob.glob(path):
                return f"{', '.join(self.parsers)}: {path} is missing ({self.install})"
        return None


EXTERNAL = (
    External(
        ("ical.js", "node-ical"),
        (NODE, str(CLIENTS / "read.mjs")),
        (NODE, str(CLIENTS / "node_modules" / "ical.js"), str(CLIENTS / "node_modules" / "node-ical")),
        "npm ci in tests/clients, or scripts/test",
    ),
    External(
        ("libical",),
        (SYSTEM_PYTHON, str(CLIENTS / "read_libical.py")),
        (
            SYSTEM_PYTHON,
            "/usr/lib/python3/dist-packages/gi",
            "/usr/lib/*/girepository-1.0/ICalGLib-3.0.typelib",
        ),
        "apt-get install python3-gi gir1.2-ical-3.0",
    ),
    External(
        ("ruby-icalendar",),
        ("/usr/bin/ruby", str(CLIENTS / "read.rb")),
        ("/usr/bin/ruby", "/usr/share/rubygems-integration/all/specifications/icalendar-*.gemspec"),
        "apt-get install ruby ruby-icalendar ruby-activesupport",
    ),
    External(
        ("perl-data-ical",),
        ("/usr/bin/perl", str(CLIENTS / "read.pl")),
        ("/usr/bin/perl", "/usr/share/perl5/Data/ICal.pm", "/usr/share/perl5/DateTime/Format/ICal.pm"),
        "apt-get install libdata-ical-perl libdatetime-format-ical-perl",
    ),
    External(
        ("php-sabre-vobject",),
        ("/usr/bin/php", "-d", "include_path=/usr/share/php", "-d", "display_errors=stderr", str(CLIENTS / "read.php")),
        ("/usr/bin/php", "/usr/share/php/Sabre/VObject/Reader.php"),
        "apt-get install php-cli php-sabre-vobject",
    ),
)

PARSERS: tuple[str, ...] = (*IN_PROCESS, *(name for external in EXTERNAL for name in external.parsers))
"""Every parser's name, the reference (icalendar) first."""


def missing() -> list[str]:
    """What is not installed, one line per runtime; empty when every parser can run."""
    return [reason for external in EXTERNAL if (reason := external.missing())]


def _when(value: dict | None) -> date | datetime | None:
    if value is None:
        return None
    if "date" in value:
        return date.fromisoformat(value["date"])
    if "utc" in value:
        return datetime.fromisoformat(value["utc"]).astimezone(UTC)
    return datetime.fromisoformat(value["floating"].replace("Z", ""))  # naive: the parser found no zone


def _reading(view: dict) -> Reading:
    if "error" in view:
        return Reading(error=view["error"])
    return Reading(
        events=tuple(
            Seen(
                uid=e["uid"],
                summary=e["summary"],
                start=_when(e["start"]),
                end=_when(e["end"]),
                status=e["status"],
                sequence=e["sequence"],
            )
            for e in view["events"]
        ),
        vevents=view["vevents"],
        vtimezones=view["vtimezones"],
        name=view["name"],
        calname=view["calname"],
        caldesc=view["caldesc"],
        violations=tuple(view.get("violations", ())),
        offsets={tzid: tuple(seconds) for tzid, seconds in view["offsets"].items()} if "offsets" in view else None,
    )


def _attempt(parse: Callable[[bytes], Reading], data: bytes) -> Reading:
    try:
        return parse(data)
    except Exception as error:  # one parser failing on one file is a finding, reported like any other
        return Reading(error=f"{type(error).__name__}: {error}")


def read_many(files: Sequence[bytes], probes: Sequence[int] = ()) -> list[dict[str, Reading]]:
    """Each file as every parser reads it, in the order given: one subprocess per runtime for the whole batch.

    `probes` are instants (Unix seconds) at which the parsers that build a
    time zone from a VTIMEZONE (libical, vobject) report its UTC offset.

    Raises RuntimeError naming what is missing when a parser cannot run, and
    when a runtime crashes or prints something other than its JSON.
    """
    if absent := missing():
        raise RuntimeError("parsers missing: " + "; ".join(absent))
    results: list[dict[str, Reading]] = [{} for _ in files]
    with tempfile.TemporaryDirectory(prefix="showcal-clients-") as folder:
        paths = []
        for number, data in enumerate(files):
            path = Path(folder) / f"{number}.ics"
            path.write_bytes(data)
            paths.append(str(path))
        env = {**os.environ, "TZ": HOST_ZONE, "LC_ALL": "C.UTF-8", "SHOWCAL_PROBES": json.dumps(list(probes))}
        running = [
            (
                external,
                subprocess.Popen([*external.command, *paths], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env),
            )
            for external in EXTERNAL
        ]
        for number, data in enumerate(files):  # the Python parsers meanwhile
            results[number] = {name: _attempt(parse, data) for name, parse in IN_PROCESS.items()}
            if not results[number]["vobject"].error:
                results[number]["vobject"] = replace(results[number]["vobject"], offsets=vobject_offsets(data, probes))
        for external, process in running:
            try:
                out, err = process.communicate(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
                raise RuntimeError(f"{', '.join(external.parsers)} took over {TIMEOUT:.0f} s") from None
            if process.returncode != 0:
                raise RuntimeError(
                    f"{' '.join(external.command)} exited {process.returncode}:\n{err.decode(errors='replace')}"
                )
            views = json.loads(out)
            assert len(views) == len(files), f"{external.parsers} read {len(views)} of {len(files)} files"
            for number, view in enumerate(views):
                results[number].update({name: _reading(view[name]) for name in external.parsers})
    return [{name: result[name] for name in PARSERS} for result in results]


def read_everywhere(data: bytes) -> dict[str, Reading]:
    """One file as every parser reads it (for many files, `read_many` starts each runtime once)."""
    return read_many([data])[0]


def restriction_violations(data: bytes) -> list[str]:
    """What libical's parser and restriction check report about a file (see tests/clients/read_libical.py)."""
    reading = read_everywhere(data)["libical"]
    assert reading.error is None, f"libical could not read the file: {reading.error}"
    return list(reading.violations)


# --- agreement ---------------------------------------------------------------------------------


def _show(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z") if value.tzinfo else f"{value.isoformat()} (floating)"
    return repr(value) if not isinstance(value, date) else value.isoformat()


def differences(
    readings: dict[str, Reading], fields: Sequence[str] = ("start", "end"), reference: str = "icalendar"
) -> list[str]:
    """Where each parser's view differs from the reference's, one line per parser, event and field.

    Every parser must read the file, and read the same VEVENT and VTIMEZONE
    counts and the same UIDs; `fields` are then compared event by event,
    skipping a value a parser does not give (None).
    """
    base = readings[reference]
    if base.error:
        return [f"{reference} could not read it: {base.error}"]
    by_uid = {e.uid: e for e in base.events}
    found = []
    for name, reading in readings.items():
        if reading.error:
            found.append(f"{name} could not read it: {reading.error}")
            continue
        for count in ("vevents", "vtimezones"):
            mine, theirs = getattr(reading, count), getattr(base, count)
            if mine != theirs:
                found.append(f"{name} counts {mine} {count}, {reference} {theirs}")
        uids = [e.uid for e in reading.events]
        if sorted(uids, key=str) != sorted(by_uid, key=str):
            found.append(f"{name} reads the UIDs {sorted(uids, key=str)}, {reference} {sorted(by_uid, key=str)}")
            continue
        for event in reading.events:
            for attribute in fields:
                mine, theirs = getattr(event, attribute), getattr(by_uid[event.uid], attribute)
                if mine is not None and theirs is not None and mine != theirs:
                    found.append(f"{event.uid}: {attribute}: {name} reads {_show(mine)}, {reference} {_show(theirs)}")
    return found


def assert_same_instants(readings: dict[str, Reading], where: str = "the feed") -> None:
    """Every parser reads every event of the file, by UID, at the same start and end instant."""
    found = differences(readings, ("start", "end"))
    assert not found, f"the parsers disagree on {where}:\n" + "\n".join(found)


# --- the VTIMEZONEs ----------------------------------------------------------------------------


def _transitions(tzid: str, first_year: int, last_year: int) -> list[int]:
    """The zone database's changes of UTC offset in those years, as Unix seconds."""
    zone = ZoneInfo(tzid)
    start = int(datetime(first_year, 1, 1, tzinfo=UTC).timestamp())
    stop = int(datetime(last_year + 1, 1, 1, tzinfo=UTC).timestamp())

    def offset(moment: int) -> timedelta | None:
        return datetime.fromtimestamp(moment, UTC).astimezone(zone).utcoffset()

    found = []
    for hour in range(start, stop, 3600):
        if offset(hour) != offset(hour + 3600):
            low, high = hour, hour + 3600  # the offset changes in (low, high]: find the second
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == offset(low) else (low, middle)
            found.append(high)
    return found


def _coverage(vtimezone: icalendar.Timezone) -> tuple[int, int]:
    """From the first onset the VTIMEZONE defines to the end of its last onset's year, as Unix seconds."""
    onsets = []
    for observance in vtimezone.walk():
        if observance.name in ("STANDARD", "DAYLIGHT"):
            local = observance.decoded("DTSTART").replace(tzinfo=None)
            onsets.append(local - observance["TZOFFSETFROM"].td)
    first, last = min(onsets), max(onsets)
    return int(first.replace(tzinfo=UTC).timestamp()), int(datetime(last.year + 1, 1, 1, tzinfo=UTC).timestamp())


def zone_probes(files: Sequence[bytes]) -> list[int]:
    """Instants half an hour either side of every real offset change within the files' VTIMEZONEs."""
    probes = set()
    for data in files:
        for vtimezone in icalendar.Calendar.from_ical(data).walk("VTIMEZONE"):
            first, last = _coverage(vtimezone)
            years = datetime.fromtimestamp(first, UTC).year, datetime.fromtimestamp(last - 1, UTC).year
            for moment in _transitions(str(vtimezone["TZID"]), *years):
                probes.update(p for p in (moment - 1800, moment, moment + 1800) if first <= p < last)
    return sorted(probes)


def zone_differences(readings: dict[str, Reading], data: bytes, probes: Sequence[int]) -> list[str]:
    """Where a parser's reading of a VTIMEZONE gives another UTC offset than the zone database, per probe."""
    found = []
    zones = {str(v["TZID"]): _coverage(v) for v in icalendar.Calendar.from_ical(data).walk("VTIMEZONE")}
    for name, reading in readings.items():
        if reading.offsets is None:
            continue
        assert set(reading.offsets) == set(zones), f"{name} reads the VTIMEZONEs {sorted(reading.offsets)}"
        for tzid, (first, last) in zones.items():
            for probe, seconds in zip(probes, reading.offsets[tzid], strict=True):
                expected = datetime.fromtimestamp(probe, ZoneInfo(tzid)).utcoffset()
                if first <= probe < last and timedelta(seconds=seconds) != expected:
                    moment = datetime.fromtimestamp(probe, UTC).isoformat().replace("+00:00", "Z")
                    found.append(
                        f"{tzid} at {moment}: {name} gives UTC{seconds / 3600:+g}h, the zone database UTC{expected.total_seconds() / 3600:+g}h"
                    )
    return found
