"""`showcal list`: every show at a glance for its curators, as a table to read or as JSON for scripts.

The rows come from what the pages use (listing.py): the same title order,
the same counts, and the same next date, one that still holds (never a
cancelled or postponed one) and has not ended. A date is shown in the
event's own time zone, as the curator wrote it, with its UTC offset.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .errors import printable
from .feeds import Feeds
from .listing import Listing, Summary, active, next_event, summarize
from .model import Catalog, Event, Timed

WIDTH = 100
"""The table fits this many columns; titles give way first, cut with an ellipsis."""
CAPS = {0: 28, 2: 16}
"""The widest the slug and network columns grow before they are cut too."""
FLOORS = ((2, 8), (0, 16))
"""What the network, then the slug column, may shrink to so that a title keeps TITLE_ROOM columns."""
TITLE_ROOM = 24
GAP = "  "
NONE = "-"


@dataclass(frozen=True)
class Row:
    summary: Summary
    next: Event | None
    upcoming: int
    """Dated events that still hold and have not ended."""


def overview(catalog: Catalog, today: date) -> list[Row]:
    """One row per show in title order (case and accents ignored), as of `today`."""
    by_show = Feeds(catalog).by_show  # each show's dated events in date order, as the pages have them
    rows = []
    for summary in Listing(summarize(show, by_show[show.slug]) for show in catalog.shows).rows:
        dated = by_show[summary.slug]
        upcoming = sum(1 for e in dated if active(e) and e.last_day is not None and e.last_day >= today)
        rows.append(Row(summary, next_event(dated, today), upcoming))
    return rows


# -- for scripts -----------------------------------------------------------------------------


def as_json(rows: Sequence[Row]) -> list[dict]:
    """The rows as plain values; README's "The command line" documents every key, and they only ever grow."""
    return [
        {
            "slug": row.summary.slug,
            "title": row.summary.title,
            "network": row.summary.network or None,
            "next": _next_json(row.next),
            "dated": row.summary.dated,
            "upcoming": row.upcoming,
            "tba": row.summary.undated,
            "first": _iso(row.summary.first),
            "last": _iso(row.summary.last),
        }
        for row in rows
    ]


def _next_json(event: Event | None) -> dict | None:
    if event is None:
        return None
    when = event.when
    timed = isinstance(when, Timed)
    return {
        "id": event.id,
        "kind": event.kind,
        "title": event.title,
        "status": event.status,
        "date": _iso(event.first_day),
        "start": when.start.isoformat() if timed else None,  # type: ignore[union-attr]
        "timezone": when.timezone if timed else None,  # type: ignore[union-attr]
    }


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None


# -- for people ----------------------------------------------------------------------------------


def next_date(event: Event | None) -> str:
    """`2025-04-22 18:00 -07:00` for a time (in the event's zone, with its offset), `2025-01-17` for a day."""
    if event is None:
        return NONE
    when = event.when
    if isinstance(when, Timed):
        offset = when.start.strftime("%z")
        return f"{when.start:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:]}"
    return _iso(event.first_day) or NONE


def table(rows: Sequence[Row], today: date) -> str:
    """An aligned table that fits WIDTH columns, and a line saying as of when and in which zones."""
    header = ("SLUG", "TITLE", "NETWORK", "NEXT", "DATED", "UPCOMING", "TBA")
    cells = [
        (
            row.summary.slug,
            printable(row.summary.title),
            printable(row.summary.network) or NONE,
            next_date(row.next),
            f"{row.summary.dated:,}",
            f"{row.upcoming:,}",
            f"{row.summary.undated:,}",
        )
        for row in rows
    ]
    widths = [max([width(text) for text in column]) for column in zip(header, *cells, strict=True)]
    for index, cap in CAPS.items():
        widths[index] = min(widths[index], cap)
    gaps = len(GAP) * (len(header) - 1)
    short = min(widths[1], TITLE_ROOM) - (WIDTH - gaps - (sum(widths) - widths[1]))
    for index, floor in FLOORS:
        given = max(0, min(short, widths[index] - floor))
        widths[index] -= given
        short -= given
    widths[1] = max(len(header[1]), min(widths[1], WIDTH - gaps - (sum(widths) - widths[1])))
    lines = [_line(header, widths)] + [_line(row, widths) for row in cells]
    shows = len(rows)
    lines.append(
        f"{shows:,} show{'s' * (shows != 1)}; next dates as of {today.isoformat()}, "
        "each in its event's own time zone (UTC offset shown)"
    )
    return "\n".join(lines)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    numbers = len(cells) - 3  # the counts, right-aligned
    out = []
    for index, (text, room) in enumerate(zip(cells, widths, strict=True)):
        text = fit(text, room)
        padding = " " * (room - width(text))
        out.append(padding + text if index >= numbers else text + padding)
    return GAP.join(out).rstrip()


def width(text: str) -> int:
    """Columns a terminal gives the text: two for wide (East Asian) characters, none for combining marks."""
    if text.isascii():
        return len(text)
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def fit(text: str, room: int) -> str:
    """The text, or as much of it as fits `room` columns with an ellipsis after it."""
    if width(text) <= room:
        return text
    used = end = 0
    for end, char in enumerate(text):  # noqa: B007 - `end` is where the room runs out
        used += width(char)
        if used > room - 1:
            break
    return text[:end].rstrip() + "…"
