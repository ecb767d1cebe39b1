"""The catalogue as plain values.

Everything downstream (feeds, pages, the web app) reads these and nothing
else, so they carry no YAML, Flask or icalendar types: only the standard
library's dates, times and zones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from typing import Literal

KINDS = (
    "premiere",
    "episode",
    "finale",
    "special",
    "panel",
    "physical-release",
    "digital-release",
    "theatrical-release",
    "trailer",
    "other",
)
"""Every event kind, in the order pages and forms list them."""

KIND_GROUPS = {"release": ("physical-release", "digital-release", "theatrical-release")}
"""Names a filter may use for several kinds at once."""

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

Status = Literal["confirmed", "tentative", "cancelled", "postponed"]
STATUSES = ("confirmed", "tentative", "cancelled", "postponed")


@dataclass(frozen=True)
class AllDay:
    """One or more whole days; `last` is inclusive, as curators think of it."""

    first: date
    last: date

    @property
    def sort_key(self) -> tuple[date, int]:
        return (self.first, 0)


@dataclass(frozen=True)
class Timed:
    """A moment in a named IANA zone; `end` is always known (a default applies)."""

    start: datetime
    end: datetime
    timezone: str

    @property
    def sort_key(self) -> tuple[date, int]:
        return (self.start.date(), 1)


@dataclass(frozen=True)
class Undated:
    """Announced but not scheduled: kept for pages, never written to a feed."""

    hint: str


When = AllDay | Timed | Undated


def event_uid(slug: str, event_id: str) -> str:
    """Derived from the slug and id alone, so edits never duplicate an event."""
    return f"{event_id}.{slug}@showcal"


@dataclass(frozen=True)
class Event:
    show: str
    id: str
    kind: str
    title: str
    when: When
    safe_title: str = ""
    status: Status = "confirmed"
    location: str = ""
    description: str = ""
    sources: tuple[str, ...] = ()
    url: str = ""
    season: int | None = None
    episode: int | None = None
    """The (first) episode number: an event of several episodes (a drop) carries its first here."""
    episodes: tuple[int, ...] = ()
    """Every episode the event releases, in order: one for a weekly episode, several for a drop."""
    episode_titles: tuple[str, ...] = ()
    """The title of each of `episodes` as the run's `titles:` give it, "" where none was given."""

    @property
    def dated(self) -> bool:
        return not isinstance(self.when, Undated)

    @property
    def uid(self) -> str:
        return event_uid(self.show, self.id)

    @property
    def first_day(self) -> date | None:
        if isinstance(self.when, AllDay):
            return self.when.first
        if isinstance(self.when, Timed):
            return self.when.start.date()
        return None

    @property
    def last_day(self) -> date | None:
        """The last day the event touches; one that ends at midnight does not touch the next day."""
        if isinstance(self.when, AllDay):
            return self.when.last
        if isinstance(self.when, Timed):
            return (self.when.end - timedelta(microseconds=1)).date()
        return None


@dataclass(frozen=True)
class Show:
    slug: str
    title: str
    network: str = ""
    homepage: str = ""
    description: str = ""
    events: tuple[Event, ...] = ()

    @property
    def dated_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if e.dated)

    @property
    def undated_events(self) -> tuple[Event, ...]:
        return tuple(e for e in self.events if not e.dated)


@dataclass(frozen=True)
class Site:
    title: str = "showcal"
    description: str = "Release dates of TV shows, as calendars you can subscribe to."
    url: str = ""
    timezone: str | None = None
    """The zone of a `start:` that names none; without it such a start is an error, never a silent UTC."""
    refresh: timedelta = timedelta(hours=12)


@dataclass(frozen=True)
class Catalog:
    site: Site
    shows: tuple[Show, ...] = field(default_factory=tuple)

    def show(self, slug: str) -> Show | None:
        return self._by_slug.get(slug)

    @cached_property
    def _by_slug(self) -> dict[str, Show]:
        return {s.slug: s for s in self.shows}

    @property
    def events(self) -> tuple[Event, ...]:
        return tuple(e for s in self.shows for e in s.events)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Stamp:
    """An event's revision: SEQUENCE, and the LAST-MODIFIED/DTSTAMP of that revision (see revisions.py)."""

    sequence: int = 0
    modified: datetime = EPOCH
