"""iCalendar feeds, built with icalendar and assembled from per-event bytes.

Each event is rendered once per data version (and per variant a subscriber
asks for) and the same bytes are reused in its show feed, the combined feed,
every bundle and its single-event file. A calendar is icalendar's own
serialisation of the calendar properties with those components spliced in
before its closing line; each VTIMEZONE is built once per zone and span of
years, the years of the feed's own events, so a feed's bytes depend on its
events alone and never on the rest of the catalogue.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from urllib.parse import urlencode

from icalendar import Alarm, Calendar, vDuration, vText
from icalendar import Event as VEvent

from .model import KIND_LABELS, AllDay, Catalog, Event, Show, Site, Stamp, Timed
from .options import FeedOptions, Variant
from .timezones import vtimezone

PRODID = "-//showcal//showcal//EN"
END_CALENDAR = b"END:VCALENDAR\r\n"
COMBINED_LIMIT = 5000
"""Dates the combined feed holds at most: a catalogue of every show has 200,000, more than any client takes."""
RECENT = timedelta(days=7)
"""How far back the combined feed reaches once it is limited."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One event as the combined feed needs it: where it sorts, when it is, and (where held) its bytes.

    A build holds no event's bytes in memory: 200,000 of them would be most
    of its memory. It reads back the few thousand the combined feed takes
    from the events' own files (`event_in`).
    """

    key: tuple
    uid: str
    kind: str
    first: date
    last: date
    timezone: str
    """The event's zone if its bytes name one (a timed event), else ""."""
    years: tuple[int, int]
    data: bytes = b""
    """The event's default bytes; empty where they are to be read from its single-event file."""

    @property
    def show(self) -> str:
        return self.key[3]

    @property
    def id(self) -> str:
        return self.key[4]


def with_bytes(entries: Iterable[Entry], single: Callable[[Entry], bytes]) -> list[Entry]:
    """The entries with their bytes: held, or cut from the event's single-event file, which `single` reads."""
    return [entry if entry.data else replace(entry, data=event_in(single(entry))) for entry in entries]


def event_in(single: bytes) -> bytes:
    """An event's bytes, as they were spliced into its single-event file (see `Feeds.single`)."""
    return single[single.index(b"BEGIN:VEVENT\r\n") : len(single) - len(END_CALENDAR)]


def entry_of(event: Event, data: bytes) -> Entry:
    when = event.when
    timed = isinstance(when, Timed)
    years = (when.start.year, when.end.year) if timed else (0, 0)  # type: ignore[union-attr]
    zone = when.timezone if timed else ""  # type: ignore[union-attr]
    return Entry(sort_key(event), event.uid, event.kind, event.first_day, event.last_day, zone, years, data)  # type: ignore[arg-type]


def combined_window(entries: Sequence[Entry], today: date) -> list[Entry]:
    """The combined feed's dates: all of them, or, past COMBINED_LIMIT, the next ones from a week ago.

    The rule is the same for the server and the static build; a feed URL
    with `past` or `future` sets its own window instead.
    """
    if len(entries) <= COMBINED_LIMIT:
        return list(entries)
    since = today - RECENT
    return [e for e in entries if e.last >= since][:COMBINED_LIMIT]


def combined_feed(site: Site, entries: Sequence[Entry], *, query: Mapping[str, str] | None = None) -> bytes:
    """The combined feed from its events' bytes, in the order given; `query`, its options, goes into SOURCE."""
    spans: dict[str, tuple[int, int]] = {}
    for entry in entries:
        if entry.timezone:
            low, high = spans.get(entry.timezone, entry.years)
            spans[entry.timezone] = (min(low, entry.years[0]), max(high, entry.years[1]))
    blocks = [timezone_block(tzid, *spans[tzid]) for tzid in sorted(spans)]
    return calendar(
        name=site.title,
        description=site.description,
        refresh=site.refresh,
        components=[*blocks, *(e.data for e in entries)],
        source=_absolute(site.url, "all.ics" + ("?" + urlencode(query) if query else "")),
        url=_absolute(site.url, ""),
    )


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
    return _unambiguous(when.start), _unambiguous(when.end)


def _unambiguous(moment: datetime) -> datetime:
    """A local time every client reads as the same instant; a time in a repeated hour goes in UTC.

    When clocks go back, a wall time such as 01:30 happens twice. RFC 5545
    says a TZID time means the first; ical.js (Thunderbird), libical
    (Evolution) and node-ical take the second. Written in UTC, it is one
    instant for all of them.
    """
    if moment.replace(fold=0).utcoffset() != moment.replace(fold=1).utcoffset():
        return moment.astimezone(UTC)
    return moment


def event_fields(event: Event, show: Show, variant: Variant = Variant()) -> dict:
    """Everything an event's calendar entry says, bar its revision: what its bytes depend on."""
    start, end = _times(event, variant)
    return {
        "uid": event.uid,
        "summary": summary(event, show, variant),
        "start": start,
        "end": end,
        "status": "CANCELLED" if event.status in ("cancelled", "postponed") else event.status.upper(),
        "categories": [KIND_LABELS[event.kind], show.title],
        "description": description(event, show, variant) or None,
        "url": event_url(event, show) or None,
        "location": event.location or None,
        "reminder": variant.reminder,
    }


def content_digest(event: Event, show: Show) -> str:
    """A fingerprint of what the event's default entry says: it changes exactly when a subscriber's copy would."""
    fields = event_fields(event, show)
    text = "\x1f".join(f"{name}={_canonical(value)}" for name, value in fields.items())
    return hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()


def _canonical(value: object) -> str:
    if isinstance(value, datetime):
        return f"{value.isoformat()}[{value.tzinfo}]"
    return repr(value)


def render_event(event: Event, show: Show, stamp: Stamp, variant: Variant = Variant()) -> bytes:
    """One VEVENT; nothing in it depends on the clock, the host or other events."""
    fields = event_fields(event, show, variant)
    # Event() and add() rather than Event.new(): the same bytes, without
    # setting and clearing the thirty properties new() knows of.
    vevent = VEvent()
    for name, value in (
        ("uid", fields["uid"]),
        ("dtstamp", stamp.modified),
        ("last-modified", stamp.modified),
        ("sequence", stamp.sequence),
        ("summary", fields["summary"]),
        ("dtstart", fields["start"]),
        ("dtend", fields["end"]),
        ("status", fields["status"]),
        ("transp", "TRANSPARENT"),
        ("categories", fields["categories"]),
        ("description", fields["description"]),
        ("url", fields["url"]),
        ("location", fields["location"]),
    ):
        if value is not None:
            vevent.add(name, value)
    if variant.reminder is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", fields["summary"])
        alarm.add("trigger", -variant.reminder)
        vevent.add_component(alarm)
    return vevent.to_ical()


@lru_cache(maxsize=512)
def timezone_block(tzid: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE covering the given years, computed once per zone and span."""
    return vtimezone(tzid, date(first_year, 1, 1), date(last_year, 12, 31))


def timezones_for(events: Iterable[Event]) -> list[bytes]:
    """One VTIMEZONE per zone the timed events use, each spanning the years those events touch."""
    spans: dict[str, tuple[int, int]] = {}
    for event in events:
        when = event.when
        assert isinstance(when, Timed)
        first, last = when.start.year, when.end.year
        low, high = spans.get(when.timezone, (first, last))
        spans[when.timezone] = (min(low, first), max(high, last))
    return [timezone_block(tzid, *spans[tzid]) for tzid in sorted(spans)]


def calendar(
    *,
    name: str,
    description: str,
    refresh: timedelta,
    components: Iterable[bytes],
    source: str = "",
    url: str = "",
) -> bytes:
    """A subscribable calendar around already-rendered components.

    No calendar-level UID (RFC 7986 allows one, but vdirsyncer takes the
    first UID line of the file for every event's UID, collapsing the feed to
    one item) and no METHOD: a subscription is not an iTIP message (RFC 5546),
    Outlook reads a calendar without METHOD as PUBLISH, and without it the
    Content-Type needs no matching method parameter (RFC 5545 section 8.1).
    """
    cal = Calendar.new(
        description=description, prodid=PRODID, refresh_interval=refresh,
        source=source or None, url=url or None, calscale="GREGORIAN",
    )  # fmt: skip
    del cal["UID"]  # Calendar.new invents a random one
    # RFC 7986's NAME and the X-WR- names clients read are TEXT: icalendar would
    # otherwise write them raw, so a comma, semicolon, backslash or line break
    # would be misread or break the file.
    for key, value in (("NAME", name), ("X-WR-CALNAME", name), ("X-WR-CALDESC", description)):
        cal.pop(key, None)
        cal.add(key, vText(value))
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
    """Every feed of one data version; each event is rendered once per variant and its bytes reused.

    `stamps` are the events' revisions (see revisions.py); `removed` names the
    shows that were published once and are gone from the data, by slug: their
    feeds stay, empty, so subscribed calendars clear them.
    """

    def __init__(
        self,
        catalog: Catalog,
        stamps: Mapping[str, Stamp] | None = None,
        *,
        removed: Mapping[str, str] | None = None,
    ):
        self.catalog = catalog
        self.stamps = stamps or {}
        self.removed = {slug: title for slug, title in (removed or {}).items() if catalog.show(slug) is None}
        self._shows = {s.slug: s for s in catalog.shows}
        dated = sorted((e for e in catalog.events if e.dated), key=sort_key)
        self.dated: tuple[Event, ...] = tuple(dated)
        grouped: dict[str, list[Event]] = {s.slug: [] for s in catalog.shows}
        for event in dated:
            grouped[event.show].append(event)
        self.by_show: dict[str, tuple[Event, ...]] = {slug: tuple(events) for slug, events in grouped.items()}
        self.by_uid = {e.uid: e for e in dated}
        self._bytes: dict[Variant, dict[str, bytes]] = {}
        self._single_head: bytes | None = None

    def stamp(self, event: Event) -> Stamp:
        return self.stamps.get(event.uid, Stamp())

    def event_bytes(self, event: Event, variant: Variant = Variant()) -> bytes:
        cache = self._bytes.setdefault(variant, {})
        data = cache.get(event.uid)
        if data is None:
            data = cache[event.uid] = render_event(event, self._shows[event.show], self.stamp(event), variant)
        return data

    def render_all(self, progress: Callable[[int], None] | None = None) -> None:
        """Render every event's default bytes now; `progress` hears of every thousand."""
        for done, event in enumerate(self.dated, 1):
            self.event_bytes(event)
            if progress is not None and done % 1000 == 0:
                progress(1000)

    def components(self, events: Sequence[Event], variant: Variant) -> list[bytes]:
        zoned = () if variant.utc or variant.all_day else [e for e in events if isinstance(e.when, Timed)]
        return timezones_for(zoned) + [self.event_bytes(e, variant) for e in events]

    def show_feed(self, show: Show, options: FeedOptions = FeedOptions(), *, today: date | None = None) -> bytes:
        about = show.description or f"Dates for {show.title}."
        events = self.by_show[show.slug]
        return self._feed(events, options, show.title, about, f"shows/{show.slug}.ics", today)

    def removed_feed(self, slug: str, options: FeedOptions = FeedOptions()) -> bytes:
        """The feed of a show that is gone: valid and empty, so subscribed calendars drop its events."""
        title = self.removed[slug]
        about = f"{title} is no longer listed on {self.catalog.site.title}; its dates have been removed."
        return self._feed((), options, f"{title} (removed)", about, f"shows/{slug}.ics", None)

    def combined(self, options: FeedOptions = FeedOptions(), *, today: date | None = None) -> bytes:
        """Every show's dates, within the combined feed's window unless the options set their own."""
        site = self.catalog.site
        day = today or datetime.now(UTC).date()
        if options.is_default:
            entries = [entry_of(e, self.event_bytes(e)) for e in self.dated]
            return combined_feed(site, combined_window(entries, day))
        events = [e for e in self.dated if options.selects(e, day)]
        if options.past is None and options.future is None and len(events) > COMBINED_LIMIT:
            since = day - RECENT
            events = [e for e in events if e.last_day >= since][:COMBINED_LIMIT]  # type: ignore[operator]
        return self._feed(events, FeedOptions(variant=options.variant), site.title, site.description, "all.ics",
                          today, query=options.query())  # fmt: skip

    def bundle(
        self, shows: Sequence[Show], options: FeedOptions = FeedOptions(), *, path: str, today: date | None = None
    ) -> bytes:
        """Several shows in one calendar, in the order the subscriber named them."""
        if len(shows) == 1:
            return self.show_feed(shows[0], options, today=today)
        wanted = {s.slug for s in shows}
        events = tuple(e for e in self.dated if e.show in wanted)
        titles = ", ".join(s.title for s in shows)
        return self._feed(events, options, titles, f"Dates for {titles}.", path, today)

    def _feed(
        self,
        events: Sequence[Event],
        options: FeedOptions,
        name: str,
        about: str,
        path: str,
        today: date | None,
        *,
        query: Mapping[str, str] | None = None,
    ) -> bytes:
        site = self.catalog.site
        if not options.is_default:
            day = today or datetime.now(UTC).date()
            events = tuple(e for e in events if options.selects(e, day))
        query = options.query() if query is None else query
        return calendar(
            name=name,
            description=about,
            refresh=site.refresh,
            components=self.components(events, options.variant),
            # Where to refresh from (RFC 7986): this very feed, options included.
            source=_absolute(site.url, path + ("?" + urlencode(query) if query else "")),
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
            head = Calendar.new(prodid=PRODID, calscale="GREGORIAN")
            del head["UID"]  # Calendar.new invents a random one; these files are not calendars to keep
            self._single_head = _open(head)
        return b"".join((self._single_head, *self.components([event], variant), END_CALENDAR))


def _absolute(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path}" if base else ""
