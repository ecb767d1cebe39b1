"""Two ways of writing the same feeds without showcal, to time a build against.

Both read the explicit-style catalogue (every event written out; see
generate.py) with libyaml's CSafeLoader and write shows/<slug>.ics and
all.ics into OUT. Neither validates anything: they are what the work costs
when nothing but the work is done.

- floor: a careful pure-Python serializer. Each event's bytes are made once
  and reused in its show feed and in all.ics; TEXT escaping and folding at 75
  octets (never inside a UTF-8 sequence) are written out by hand; each zone's
  VTIMEZONE is made once by icalendar over the catalogue's date range.
- icalendar: the straightforward way with the well-kept library. One
  Calendar object graph per feed (a fresh VEVENT per event per feed, so every
  event is built twice), add_missing_timezones() and to_ical() on each.

    python benchmarks/baseline.py floor|icalendar DATA OUT

Runs as a script of its own (no showcal import), so a build is timed against
it as one whole process each.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml

PRODID = "-//showcal benchmarks//baseline//EN"
KIND_LABELS = {
    "premiere": "Premiere",
    "episode": "Episode",
    "finale": "Finale",
    "special": "Special",
    "panel": "Panel",
    "physical-release": "Physical release",
    "digital-release": "Digital release",
    "theatrical-release": "Theatrical release",
    "trailer": "Trailer",
    "other": "Other",
}
DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Dated:
    """One dated event, as far as a feed needs it."""

    slug: str
    show_title: str
    homepage: str
    raw: dict[str, Any]
    start: date | datetime
    end: date | datetime
    zone: str | None

    @property
    def all_day(self) -> bool:
        return self.zone is None

    @property
    def sort_key(self) -> tuple[datetime, str]:
        if isinstance(self.start, datetime):
            moment = self.start
        else:
            moment = datetime(self.start.year, self.start.month, self.start.day, tzinfo=UTC)
        return moment, f"{self.slug}/{self.raw['id']}"


def data_files(data: Path) -> list[Path]:
    if data.is_dir():
        return sorted(p for p in data.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [data]


def read_catalogue(data: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Site settings and the shows, as plain Python values."""
    site: dict[str, Any] = {}
    shows: list[dict[str, Any]] = []
    for file in data_files(data):
        document = yaml.load(file.read_bytes(), Loader=yaml.CSafeLoader) or {}
        site.update(document.get("site") or {})
        shows.extend(document.get("shows") or [])
    return site, shows


def duration(text: str) -> timedelta:
    found = DURATION.match(str(text))
    if not found or not any(found.groups()):
        raise ValueError(f"not a duration: {text!r}")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)


def dated_events(site: dict[str, Any], shows: list[dict[str, Any]]) -> Iterator[Dated]:
    """Every event that has a date, with its start and (exclusive) end."""
    default_zone = site.get("timezone", "UTC")
    for show in shows:
        for raw in show.get("events") or []:
            if "run" in raw:
                raise ValueError("the baselines read the explicit style only (generate.py --style explicit)")
            if "date" in raw:
                first = raw["date"]
                last = raw.get("until", first)
                yield Dated(
                    show["slug"], show["title"], show.get("homepage", ""), raw, first, last + timedelta(1), None
                )
            elif "start" in raw:
                zone = raw.get("timezone", default_zone)
                start = datetime.fromisoformat(str(raw["start"])).replace(tzinfo=ZoneInfo(zone))
                if "end" in raw:
                    end = datetime.fromisoformat(str(raw["end"])).replace(tzinfo=ZoneInfo(zone))
                else:
                    end = start + duration(raw.get("duration", "1h"))
                yield Dated(show["slug"], show["title"], show.get("homepage", ""), raw, start, end, zone)


def sources(raw: dict[str, Any]) -> list[str]:
    found = raw.get("sources") or []
    return [found] if isinstance(found, str) else list(found)


def status(raw: dict[str, Any]) -> str:
    value = raw.get("status", "confirmed")
    return "CANCELLED" if value in ("cancelled", "postponed") else value.upper()


def about(event: Dated) -> str:
    parts = [event.raw.get("description", "").strip()]
    parts += [f"Source: {url}" for url in sources(event.raw)]
    return "\n\n".join(p for p in parts if p)


def date_range(events: Iterable[Dated]) -> tuple[date, date]:
    days = [e.start.date() if isinstance(e.start, datetime) else e.start for e in events]
    return min(days) - timedelta(days=1), max(days) + timedelta(days=2)


def grouped(shows: list[dict[str, Any]], events: list[Dated]) -> dict[str, list[Dated]]:
    by_show: dict[str, list[Dated]] = {show["slug"]: [] for show in shows}
    for event in events:
        by_show[event.slug].append(event)
    return by_show


def write(out: Path, files: Iterable[tuple[str, bytes]]) -> int:
    count = 0
    (out / "shows").mkdir(parents=True, exist_ok=True)
    for rel, data in files:
        (out / rel).write_bytes(data)
        count += 1
    return count


# -- the hand-written floor --------------------------------------------------


def escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets without splitting a UTF-8 sequence."""
    raw = line.encode("utf-8")
    if len(raw) <= 75:
        return raw + b"\r\n"
    pieces, start, limit = [], 0, 75
    while start < len(raw):
        end = min(start + limit, len(raw))
        while end < len(raw) and raw[end] & 0xC0 == 0x80:
            end -= 1
        pieces.append(raw[start:end])
        start, limit = end, 74
    return b"\r\n ".join(pieces) + b"\r\n"


def stamp(moment: date | datetime, zone: str | None) -> str:
    if zone is None:
        return f";VALUE=DATE:{moment:%Y%m%d}"
    return f";TZID={zone}:{moment:%Y%m%dT%H%M%S}"


def floor_event(event: Dated) -> bytes:
    raw = event.raw
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.slug}-{raw['id']}@showcal",
        "DTSTAMP:19700101T000000Z",
        "LAST-MODIFIED:19700101T000000Z",
        "SEQUENCE:0",
        f"SUMMARY:{escape(event.show_title + ': ' + raw['title'])}",
        f"DTSTART{stamp(event.start, event.zone)}",
        f"DTEND{stamp(event.end, event.zone)}",
        f"STATUS:{status(raw)}",
        "TRANSP:TRANSPARENT",
        f"CATEGORIES:{escape(KIND_LABELS[raw['kind']])},{escape(event.show_title)}",
    ]
    text = about(event)
    if text:
        lines.append(f"DESCRIPTION:{escape(text)}")
    url = next(iter(sources(raw)), event.homepage)
    if url:
        lines.append(f"URL;VALUE=URI:{url}")
    if raw.get("location"):
        lines.append(f"LOCATION:{escape(raw['location'])}")
    lines.append("END:VEVENT")
    return b"".join(fold(line) for line in lines)


def floor_calendar(name: str, description: str, events: list[Dated], rendered: dict[int, bytes], zones: dict) -> bytes:
    head = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{escape(name)}",
        f"X-WR-CALNAME:{escape(name)}",
        f"DESCRIPTION:{escape(description)}",
        f"X-WR-CALDESC:{escape(description)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
        "X-PUBLISHED-TTL:PT12H",
    ]
    used = sorted({e.zone for e in events if e.zone})
    parts = [fold(line) for line in head] + [zones[z] for z in used]
    parts += [rendered[id(e)] for e in events]
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)


def floor(data: Path, out: Path) -> int:
    from icalendar import Timezone

    site, shows = read_catalogue(data)
    events = sorted(dated_events(site, shows), key=lambda e: e.sort_key)
    first, last = date_range(events)
    zones = {
        z: Timezone.from_tzinfo(ZoneInfo(z), first_date=first, last_date=last).to_ical()
        for z in sorted({e.zone for e in events if e.zone})
    }
    rendered = {id(e): floor_event(e) for e in events}
    by_show = grouped(shows, events)

    def files() -> Iterator[tuple[str, bytes]]:
        for show in shows:
            text = show.get("description", "").strip() or f"Dates for {show['title']}."
            yield (
                f"shows/{show['slug']}.ics",
                floor_calendar(show["title"], text, by_show[show["slug"]], rendered, zones),
            )
        yield "all.ics", floor_calendar(site.get("title", "All"), site.get("description", ""), events, rendered, zones)

    return write(out, files())


# -- icalendar, one object graph per feed ------------------------------------


def icalendar_calendar(name: str, description: str, events: list[Dated]) -> bytes:
    from icalendar import Calendar, vDuration
    from icalendar import Event as VEvent

    refresh = timedelta(hours=12)
    cal = Calendar.new(
        name=name,
        description=description,
        prodid=PRODID,
        refresh_interval=refresh,
        calscale="GREGORIAN",
        method="PUBLISH",
    )
    cal["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    cal.add("x-published-ttl", vDuration(refresh))
    for event in events:
        raw = event.raw
        component = VEvent.new(
            uid=f"{event.slug}-{raw['id']}@showcal",
            stamp=EPOCH,
            last_modified=EPOCH,
            sequence=0,
            summary=f"{event.show_title}: {raw['title']}",
            start=event.start,
            end=event.end,
            status=status(raw),
            transparency="TRANSPARENT",
            categories=[KIND_LABELS[raw["kind"]], event.show_title],
            description=about(event) or None,
            url=next(iter(sources(raw)), event.homepage) or None,
        )
        if raw.get("location"):
            component.add("location", raw["location"])
        cal.add_component(component)
    cal.add_missing_timezones()
    return cal.to_ical()


def with_icalendar(data: Path, out: Path) -> int:
    site, shows = read_catalogue(data)
    events = sorted(dated_events(site, shows), key=lambda e: e.sort_key)
    by_show = grouped(shows, events)

    def files() -> Iterator[tuple[str, bytes]]:
        for show in shows:
            text = show.get("description", "").strip() or f"Dates for {show['title']}."
            yield f"shows/{show['slug']}.ics", icalendar_calendar(show["title"], text, by_show[show["slug"]])
        yield "all.ics", icalendar_calendar(site.get("title", "All"), site.get("description", ""), events)

    return write(out, files())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("how", choices=("floor", "icalendar"))
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args(argv)
    written = (floor if args.how == "floor" else with_icalendar)(args.data, args.out)
    print(f"{args.out}: {written} files")


if __name__ == "__main__":
    main()
