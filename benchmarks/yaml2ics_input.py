"""The catalogue in yaml2ics's input format, one file per show, for timing yaml2ics against.

yaml2ics (PyPI, scientific-python/yaml2ics) reads YAML like

    name: Example Show 0042
    events:
      - summary: "Example Show 0042: Pilot"
        uid: example-show-0042-s01e01@showcal
        begin: 2025-01-17 21:00:00
        timezone: America/New_York
        duration: {minutes: 55}
        description: ...
        location: ...
        url: https://...
        status: CONFIRMED
        categories: [Premiere, Example Show 0042]

with the keys of ics.py's Event; an event with neither `duration` nor `end`
is all-day. A multi-day all-day event has no form there: it is written with
`end:` the day after its last, which yaml2ics turns into a timed event from
midnight UTC (the same work, a different meaning). Undated events have no
form either and are left out, as they are of every feed.

`yaml2ics_run.py` then runs inside yaml2ics's own virtual environment.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml

from benchmarks.baseline import KIND_LABELS, about, dated_events, read_catalogue, sources, status


def convert(data: Path, out: Path, shows: int | None = None) -> tuple[int, int]:
    """Write one yaml2ics file per show (the first `shows` shows); return (files, dated events)."""
    site, all_shows = read_catalogue(data)
    chosen = all_shows if shows is None else all_shows[:shows]
    out.mkdir(parents=True, exist_ok=True)
    by_show: dict[str, list[dict]] = {show["slug"]: [] for show in chosen}
    total = 0
    for event in dated_events(site, chosen):
        raw = event.raw
        entry: dict = {"summary": f"{event.show_title}: {raw['title']}", "uid": f"{event.slug}-{raw['id']}@showcal"}
        if event.all_day:
            entry["begin"] = event.start
            if (event.end - event.start).days > 1:
                entry["end"] = event.end
        else:
            assert isinstance(event.start, datetime) and isinstance(event.end, datetime)
            entry["begin"] = event.start.replace(tzinfo=None)
            entry["timezone"] = event.zone
            entry["duration"] = {"minutes": int((event.end - event.start).total_seconds() // 60)}
        text = about(event)
        if text:
            entry["description"] = text
        if raw.get("location"):
            entry["location"] = raw["location"]
        url = next(iter(sources(raw)), event.homepage)
        if url:
            entry["url"] = url
        entry["status"] = status(raw)
        entry["categories"] = [KIND_LABELS[raw["kind"]], event.show_title]
        by_show[event.slug].append(entry)
        total += 1
    for number, show in enumerate(chosen):
        document = {"name": show["title"], "events": by_show[show["slug"]]}
        text = yaml.dump(document, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=False)
        (out / f"{number:05d}-{show['slug']}.yaml").write_text(text, encoding="utf-8")
    return len(chosen), total
