"""The battery of independent iCalendar parsers every feed must pass.

Each parser's view of the events is reduced to the same plain values, so a
test can assert that icalendar, `ical` and vobject all read the same dates,
times, UIDs and statuses, and then assert on those values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import icalendar
import vobject
from ical.calendar_stream import IcsCalendarStream


@dataclass(frozen=True)
class Seen:
    uid: str
    summary: str
    start: date | datetime  # a date for all-day events, an aware UTC datetime otherwise
    end: date | datetime
    status: str
    sequence: int


def _plain(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime):
        assert value.tzinfo is not None, f"floating time {value}"
        return value.astimezone(UTC)
    return value


def with_icalendar(data: bytes) -> list[Seen]:
    cal = icalendar.Calendar.from_ical(data)
    return [
        Seen(
            uid=str(e["UID"]),
            summary=str(e["SUMMARY"]),
            start=_plain(e.decoded("DTSTART")),
            end=_plain(e.decoded("DTEND")),
            status=str(e.get("STATUS", "CONFIRMED")),
            sequence=int(e.get("SEQUENCE", 0)),
        )
        for e in cal.walk("VEVENT")
    ]


def with_ical(data: bytes) -> list[Seen]:
    cal = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return [
        Seen(
            uid=e.uid,
            summary=e.summary,
            start=_plain(e.dtstart),
            end=_plain(e.dtend),
            status=str(e.status.value if e.status else "CONFIRMED"),
            sequence=int(e.sequence or 0),
        )
        for e in cal.events
    ]


def forget_vobject_zones() -> None:
    """vobject keeps the first VTIMEZONE it meets per TZID for the whole process; each feed brings its own."""
    registry = vars(vobject.icalendar)["__tzidMap"]
    for tzid in [t for t in registry if t != "UTC"]:
        del registry[tzid]


def with_vobject(data: bytes) -> list[Seen]:
    forget_vobject_zones()
    cal = vobject.readOne(data.decode("utf-8"))
    return [
        Seen(
            uid=e.uid.value,
            summary=e.summary.value,
            start=_plain(e.dtstart.value),
            end=_plain(e.dtend.value),
            status=e.status.value if hasattr(e, "status") else "CONFIRMED",
            sequence=int(e.sequence.value) if hasattr(e, "sequence") else 0,
        )
        for e in getattr(cal, "vevent_list", [])
    ]


def text_value(raw: object) -> str:
    """A TEXT value as RFC 5545 section 3.3.11 unescapes it (icalendar leaves NAME and X-WR- names raw)."""
    return re.sub(r"\\([\\,;:nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), str(raw))


PARSERS = {"icalendar": with_icalendar, "ical": with_ical, "vobject": with_vobject}


def check_structure(data: bytes) -> None:
    """What RFC 5545 demands of the bytes themselves, which parsers forgive."""
    assert data.endswith(b"\r\n"), "the file must end with CRLF"
    lines = data.split(b"\r\n")[:-1]
    for number, line in enumerate(lines, 1):
        assert b"\n" not in line and b"\r" not in line, f"line {number} has a bare line break"
        assert len(line) <= 75, f"line {number} is {len(line)} octets: {line[:40]!r}"
        line.decode("utf-8")  # folding never splits a character
    unfolded = data.replace(b"\r\n ", b"")
    used = set(re.findall(rb";TZID=([^;:]+)[;:]", unfolded))
    defined = set(re.findall(rb"\r\nTZID:([^\r\n]+)", unfolded))
    assert used <= defined, f"TZIDs without a VTIMEZONE: {used - defined}"


def read_feed(data: bytes) -> list[Seen]:
    """Every parser's events, checked to agree; returns them in file order."""
    check_structure(data)
    views = {name: parse(data) for name, parse in PARSERS.items()}
    reference = views["icalendar"]
    for name, seen in views.items():
        assert seen == reference, f"{name} reads the feed differently from icalendar"
    return reference
