"""The straightforward way to make the same feeds, to compare showcal's with.

One icalendar object graph per feed: every event of the feed becomes a fresh
VEVENT component, the calendar gets `add_missing_timezones()` (each zone
computed from 1970 to 2038) and `to_ical()` serialises the whole graph. An
event therefore is built and serialised once in its show feed and once more
in the combined feed. The properties are the ones showcal writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from icalendar import Calendar, vDuration
from icalendar import Event as VEvent

from showcal.feeds import PRODID, description, event_url, sort_key, summary
from showcal.model import KIND_LABELS, AllDay, Catalog, Event, Show, Timed

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def vevent(event: Event, show: Show) -> VEvent:
    when = event.when
    if isinstance(when, AllDay):
        start, end = when.first, when.last + timedelta(days=1)
    else:
        assert isinstance(when, Timed)
        start, end = when.start, when.end
    component = VEvent.new(
        uid=event.uid,
        stamp=EPOCH,
        last_modified=EPOCH,
        sequence=0,
        summary=summary(event, show),
        start=start,
        end=end,
        status="CANCELLED" if event.status in ("cancelled", "postponed") else event.status.upper(),
        transparency="TRANSPARENT",
        categories=[KIND_LABELS[event.kind], show.title],
        description=description(event, show) or None,
        url=event_url(event, show) or None,
    )
    if event.location:
        component.add("location", event.location)
    return component


def feed(name: str, about: str, uid: str, refresh: timedelta, events: Sequence[Event], shows: dict[str, Show]) -> bytes:
    cal = Calendar.new(
        name=name,
        description=about,
        prodid=PRODID,
        uid=uid,
        refresh_interval=refresh,
        calscale="GREGORIAN",
        method="PUBLISH",
    )
    cal["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"
    cal.add("x-published-ttl", vDuration(refresh))
    for event in events:
        cal.add_component(vevent(event, shows[event.show]))
    cal.add_missing_timezones()
    return cal.to_ical()


def render_feeds(catalog: Catalog) -> dict[str, bytes]:
    """The combined feed and every show feed, each from its own object graph."""
    shows = {s.slug: s for s in catalog.shows}
    dated = sorted((e for e in catalog.events if e.dated), key=sort_key)
    by_show: dict[str, list[Event]] = {s.slug: [] for s in catalog.shows}
    for event in dated:
        by_show[event.show].append(event)
    site = catalog.site
    files = {"all.ics": feed(site.title, site.description, "all@showcal", site.refresh, dated, shows)}
    for show in catalog.shows:
        about = show.description or f"Dates for {show.title}."
        uid = f"{show.slug}@showcal"
        files[f"shows/{show.slug}.ics"] = feed(show.title, about, uid, site.refresh, by_show[show.slug], shows)
    return files
