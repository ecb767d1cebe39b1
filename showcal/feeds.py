"""iCalendar feeds, built with icalendar and assembled from per-event bytes.

Each event is rendered once per data version (and per variant a subscriber
asks for) and the same bytes are reused in its show feed, the combined feed,
every bundle and its single-event file. A calendar is icalendar's own
serialisation of the calendar properties with those components spliced in
before its closing line; VTIMEZONEs are built once per zone over the
catalogue's years.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from icalendar import Alarm, Calendar, vDuration
from icalendar import Event as VEvent

from .model import KIND_LABELS, AllDay, Catalog, Event, Show, Timed
from .options import FeedOptions, Variant
from .timezones import vtimezone

PRODID = "-//showcal//showcal//EN"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
"""DTSTAMP of an event first seen with no earlier build to compare with.

A first build has no honest "created" time to give, and using the clock
would make two builds of the same data differ.
"""
END_CALENDAR = b"END:VCALENDAR\r\n"


@dataclass(frozen=True)
class Stamp:
    """An event's revision: SEQUENCE, and LAST-MODIFIED/DTSTAMP of that revision."""

    sequence: int = 0
    modified: datetime = EPOCH


def summary(event: Event, show: Show, variant: Variant = Variant()) -> str:
    """The line a calendar shows: always names the show, and says when it is off."""
    title = event.safe_title if variant.spoiler_free else event.title
    suffix = {"cancelled": " (cancelled)", "postponed": " (postponed)"}.get(event.status, "")
    return f"{show.title}: {title}{suffix}"


def event_url(event: Event, show: Show) -> str:
    return event.url or (event.sources[0] if event.sources else show.homepage)


def description(event: Event, show: Show, variant: Variant = Variant()) -> str:
    parts = []
    if event.status == "postponed":
        parts.append("Postponed: this date no longer holds; a new one will follow.")
    if event.description and not variant.spoiler_free:
        parts.append(event.description)
    if show.network:
        parts.append(f"{show.title} on {show.network}.")
    if event.sources:
        parts.append("Source: " + "\n".join(event.sources))
    return "\n\n".join(parts)


def _times(event: Event, variant: Variant) -> tuple[date | datetime, date | datetime]:
    when = event.when
    if isinstance(when, AllDay):
        return when.first, when.last + timedelta(days=1)
    assert isinstance(when, Timed)
    if variant.all_day:
        return when.start.date(), event.last_day + timedelta(days=1)
    if variant.utc:
        return when.start.astimezone(UTC), when.end.astimezone(UTC)
    return when.start, _unambiguous(when.end)


def _unambiguous(moment: datetime) -> datetime:
    """A local time a TZID can express; the second pass of a repeated hour goes in UTC.

    Clients read a repeated wall time as its first occurrence (RFC 5545), so
    an end in the repeated hour after clocks go back would land before the
    start.
    """
    if moment.fold and moment.replace(fold=0).utcoffset() != moment.utcoffset():
        return moment.astimezone(UTC)
    return moment


def render_event(event: Event, show: Show, stamp: Stamp, variant: Variant = Variant()) -> bytes:
    """One VEVENT; nothing in it depends on the clock, the host or other events."""
    start, end = _times(event, variant)
    text = summary(event, show, variant)
    vevent = VEvent.new(
        uid=event.uid,
        stamp=stamp.modified,
        last_modified=stamp.modified,
        sequence=stamp.sequence,
        summary=text,
        start=start,
        end=end,
        status="CANCELLED" if event.status in ("cancelled", "postponed") else event.status.upper(),
        transparency="TRANSPARENT",
        categories=[KIND_LABELS[event.kind], show.title],
        description=description(event, show, variant) or None,
        url=event_url(event, show) or None,
    )
    if event.location:
        vevent.add("location", event.location)
    if variant.reminder is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", text)
        alarm.add("trigger", -variant.reminder)
        vevent.add_component(alarm)
    return vevent.to_ical()


@lru_cache(maxsize=512)
def timezone_block(tzid: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE covering the catalogue's years, computed once per zone and range."""
    return vtimezone(tzid, date(first_year, 1, 1), date(last_year, 12, 31))


def calendar(
    *,
    name: str,
    description: str,
    uid: str,
    refresh: timedelta,
    components: Iterable[bytes],
    source: str = "",
    url: str = "",
) -> bytes:
    cal = Calendar.new(
        name=name,
        description=description,
        prodid=PRODID,
        uid=uid,
        refresh_interval=refresh,
        source=source or None,
        url=url or None,
        calscale="GREGORIAN",
        method="PUBLISH",
    )
    cal["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"  # RFC 7986 requires it; icalendar leaves it out
    cal.add("x-published-ttl", vDuration(refresh))
    return b"".join((_open(cal), *components, END_CALENDAR))


def _open(cal: Calendar) -> bytes:
    """icalendar's serialisation of the calendar, without its closing line, to splice components into."""
    head = cal.to_ical()
    assert head.endswith(END_CALENDAR)
    return head[: -len(END_CALENDAR)]


def sort_key(event: Event) -> tuple:
    when = event.when
    moment = when.start.astimezone(UTC).time() if isinstance(when, Timed) else None
    return (event.first_day, moment is not None, moment, event.show, event.id)


class Feeds:
    """Every feed of one data version; bytes are made once and reused.

    `previous` maps UIDs to the VEVENT bytes of the last build (see
    `history.py`): an event whose bytes come out the same keeps its
    revision, one that changed gets the next SEQUENCE stamped `now`.
    `reuse` is the Feeds being replaced: events whose inputs did not change
    take their bytes from it instead of being rendered again.
    """

    def __init__(
        self,
        catalog: Catalog,
        previous: Mapping[str, bytes] | None = None,
        now: datetime | None = None,
        progress: Callable[[int], None] | None = None,
        reuse: Feeds | None = None,
    ):
        from .history import render_key, revise

        self.catalog = catalog
        self._shows = {s.slug: s for s in catalog.shows}
        dated = sorted((e for e in catalog.events if e.dated), key=sort_key)
        self.dated: tuple[Event, ...] = tuple(dated)
        grouped: dict[str, list[Event]] = {s.slug: [] for s in catalog.shows}
        for event in dated:
            grouped[event.show].append(event)
        self.by_show: dict[str, tuple[Event, ...]] = {slug: tuple(events) for slug, events in grouped.items()}
        self.by_uid = {e.uid: e for e in dated}
        years = [d.year for e in dated if isinstance(e.when, Timed) for d in (e.first_day, e.last_day)]
        self.years = (min(years), max(years)) if years else (0, 0)
        self.stamps, self.rendered = revise(
            dated, self._shows, previous or {}, now or datetime.now(UTC), progress, reuse.rendered if reuse else None
        )
        default = {e.uid: self.rendered[render_key(e, self._shows[e.show], self.stamps[e.uid])] for e in dated}
        self._bytes: dict[Variant, dict[str, bytes]] = {Variant(): default}
        self._single_head: bytes | None = None

    def event_bytes(self, event: Event, variant: Variant = Variant()) -> bytes:
        cache = self._bytes.setdefault(variant, {})
        if event.uid not in cache:
            cache[event.uid] = render_event(event, self._shows[event.show], self.stamps[event.uid], variant)
        return cache[event.uid]

    def components(self, events: Sequence[Event], variant: Variant) -> list[bytes]:
        zones = (
            set() if variant.utc or variant.all_day else {e.when.timezone for e in events if isinstance(e.when, Timed)}
        )
        blocks = [timezone_block(tzid, *self.years) for tzid in sorted(zones)]
        return blocks + [self.event_bytes(e, variant) for e in events]

    def show_feed(self, show: Show, options: FeedOptions = FeedOptions(), *, today: date | None = None) -> bytes:
        about = show.description or f"Dates for {show.title}."
        events = self.by_show[show.slug]
        return self._feed(events, options, show.title, about, show.slug, f"shows/{show.slug}.ics", today)

    def combined(self, options: FeedOptions = FeedOptions(), *, today: date | None = None) -> bytes:
        site = self.catalog.site
        return self._feed(self.dated, options, site.title, site.description, "all", "all.ics", today)

    def bundle(
        self, shows: Sequence[Show], options: FeedOptions = FeedOptions(), *, path: str, today: date | None = None
    ) -> bytes:
        """Several shows in one calendar, in the order the subscriber named them."""
        if len(shows) == 1:
            return self.show_feed(shows[0], options, today=today)
        wanted = {s.slug for s in shows}
        events = tuple(e for e in self.dated if e.show in wanted)
        titles = ", ".join(s.title for s in shows)
        key = "+".join(s.slug for s in shows)
        return self._feed(events, options, titles, f"Dates for {titles}.", key, path, today)

    def _feed(
        self,
        events: Sequence[Event],
        options: FeedOptions,
        name: str,
        about: str,
        key: str,
        path: str,
        today: date | None,
    ) -> bytes:
        site = self.catalog.site
        if not options.is_default:
            day = today or datetime.now(UTC).date()
            events = tuple(e for e in events if options.selects(e, day))
        return calendar(
            name=name,
            description=about,
            uid=f"{key}@{_host(site.url)}",
            refresh=site.refresh,
            components=self.components(events, options.variant),
            source=_absolute(site.url, path),
            url=_absolute(site.url, ""),
        )

    def single(self, event: Event, variant: Variant = Variant()) -> bytes:
        """A one-event calendar to import, with the same UID as in every feed, so it never duplicates.

        It is for importing, not subscribing, so it carries no name or refresh
        interval of its own, and every such file shares one header made once
        per data version: at catalogue scale the header, not the event, was
        most of the cost.
        """
        if self._single_head is None:
            head = Calendar.new(prodid=PRODID, calscale="GREGORIAN", method="PUBLISH")
            del head["UID"]  # Calendar.new invents a random one; these files are not calendars to keep
            self._single_head = _open(head)
        return b"".join((self._single_head, *self.components([event], variant), END_CALENDAR))


def _absolute(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path}" if base else ""


def _host(base: str) -> str:
    return re.sub(r"^https?://|/.*$", "", base) or "showcal"
