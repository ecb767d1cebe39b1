"""Revisions across builds, with the previous build's feed as the only state.

An event keeps its SEQUENCE and LAST-MODIFIED while its rendered bytes stay
the same; when they change it gets the next SEQUENCE, stamped with the time
of the build. No state file is needed and none can drift from what
subscribers actually received.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime

from .feeds import EPOCH, Stamp, render_event
from .model import Event, Show

VEVENT = re.compile(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", re.DOTALL)
FIELD = re.compile(rb"^(UID|SEQUENCE|LAST-MODIFIED)(?:;[^:\r\n]*)?:([^\r\n]*)", re.MULTILINE)


def previous_events(feed: bytes) -> dict[str, bytes]:
    """UID to VEVENT bytes of a feed showcal wrote.

    Only our own output is read here, so the framing icalendar wrote can be
    split on directly; a full parse of a catalogue-sized feed would cost a
    minute.
    """
    events = {}
    for match in VEVENT.finditer(feed):
        fields = _fields(match.group())
        if b"UID" in fields:
            events[fields[b"UID"].decode("utf-8", "replace")] = match.group()
    return events


def _fields(chunk: bytes) -> dict[bytes, bytes]:
    unfolded = chunk.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
    return {name: value for name, value in FIELD.findall(unfolded)}


def stamp_of(chunk: bytes) -> Stamp | None:
    fields = _fields(chunk)
    try:
        sequence = int(fields.get(b"SEQUENCE", b"0"))
        modified = datetime.strptime(fields[b"LAST-MODIFIED"].decode(), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except (KeyError, ValueError):
        return None
    return Stamp(sequence, modified)


RenderKey = tuple
"""What an event's default bytes depend on: the event, its show's text fields and its stamp."""


def render_key(event: Event, show: Show, stamp: Stamp) -> RenderKey:
    return (event, show.title, show.network, show.homepage, stamp)


def revise(
    events: Sequence[Event],
    shows: Mapping[str, Show],
    previous: Mapping[str, bytes],
    now: datetime,
    progress: Callable[[int], None] | None = None,
    known: Mapping[RenderKey, bytes] | None = None,
) -> tuple[dict[str, Stamp], dict[RenderKey, bytes]]:
    """Each event's stamp, and its default bytes keyed by what they depend on.

    `known` holds the bytes of the data version being replaced: a server
    reloading after one edit looks the other events up instead of rendering
    them all again.
    """
    now = now.astimezone(UTC).replace(microsecond=0)
    fresh = Stamp(0, now if previous else EPOCH)
    known = known or {}
    stamps: dict[str, Stamp] = {}
    rendered: dict[RenderKey, bytes] = {}

    def render(event: Event, show: Show, stamp: Stamp) -> bytes:
        key = render_key(event, show, stamp)
        data = known.get(key)
        rendered[key] = data if data is not None else render_event(event, show, stamp)
        return rendered[key]

    for done, event in enumerate(events, 1):
        if progress is not None and done % 1000 == 0:
            progress(1000)
        show = shows[event.show]
        old_bytes = previous.get(event.uid)
        old = stamp_of(old_bytes) if old_bytes else None
        stamp = old or fresh
        data = render(event, show, stamp)
        if old is not None and data != old_bytes:
            del rendered[render_key(event, show, stamp)]
            stamp = Stamp(old.sequence + 1, max(now, old.modified))
            render(event, show, stamp)
        stamps[event.uid] = stamp
    return stamps, rendered
