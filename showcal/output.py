"""Everything one show publishes, made from that show alone.

A show's feed, its single-event files, its page, its JSON, its change feed
and its revision record depend on the show, the site settings and the show's
own record, and on nothing else in the catalogue. So a build renders shows
independently (on every core), renders only the shows whose data changed,
and keeps, for the site-wide files (the combined feed, the index, the JSON
list), a small summary of each show instead of the show itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from . import changes, pages
from .feeds import Entry, Feeds, entry_of
from .model import Catalog, Event, Show, Site
from .revisions import RECORD_DIR, Change, ShowRevision, retire, revise_show, show_record_text
from .site import event_path

RECORD_PREFIX = f"{RECORD_DIR}/revisions/"


@dataclass(frozen=True)
class Summary:
    """What the site-wide pages and lists need of a show, without its events."""

    slug: str
    title: str
    network: str
    homepage: str
    description: str
    dated: int
    undated: int
    first: date | None
    last: date | None
    days: str
    """Each dated event's first and last day, `first:last` separated by spaces, for the index page's script."""


def summarize(show: Show, dated: Sequence[Event]) -> Summary:
    return Summary(
        show.slug,
        show.title,
        show.network,
        show.homepage,
        show.description,
        len(dated),
        len(show.undated_events),
        dated[0].first_day if dated else None,
        max(e.last_day for e in dated) if dated else None,  # type: ignore[type-var]
        " ".join(f"{e.first_day}:{e.last_day}" for e in dated),
    )


@dataclass
class Published:
    """One show's files (relative path to bytes), its new record, the news it makes and its summary."""

    slug: str
    files: dict[str, bytes]
    record: ShowRevision
    news: list[Change]
    summary: Summary | None
    """None for a removed show: it is listed nowhere."""
    entries: list[Entry]
    event_ids: tuple[str, ...]


def publish_show(show: Show, site: Site, old: ShowRevision | None, at: datetime, *, announce: bool) -> Published:
    """Revise and render one show: the same bytes whichever process, and with whichever other shows, it runs."""
    record, news = revise_show(old, show, at, announce=announce)
    feeds = Feeds(Catalog(site=site, shows=(show,)), record.stamps())
    files: dict[str, bytes] = {f"shows/{show.slug}.ics": feeds.show_feed(show)}
    for event in feeds.by_show[show.slug]:
        files[event_path(show.slug, event.id)] = feeds.single(event)
    files[pages.page_file(pages.show_path(show.slug))] = pages.show_page(feeds, show, base=site.url, today=None)
    files[pages.api_path(show.slug)] = pages.api_show(feeds, show)
    files[f"shows/{show.slug}.atom"] = changes.show_changes(record, base=site.url)
    files[f"{RECORD_PREFIX}{show.slug}.jsonl"] = show_record_text(record).encode("utf-8")
    entries = [entry_of(event, feeds.event_bytes(event)) for event in feeds.by_show[show.slug]]
    summary = summarize(show, feeds.by_show[show.slug])
    ids = tuple(e.id for e in feeds.by_show[show.slug])
    return Published(show.slug, files, record, news, summary, entries, ids)


def retire_show(old: ShowRevision, site: Site, at: datetime, *, announce: bool) -> Published:
    """A published show gone from the data: its feed kept, empty, so calendars clear it; its page and files gone."""
    record, news = retire(old, at, announce=announce)
    feeds = Feeds(Catalog(site=site), removed={old.slug: old.title})
    files = {
        f"shows/{old.slug}.ics": feeds.removed_feed(old.slug),
        f"shows/{old.slug}.atom": changes.show_changes(record, base=site.url),
        f"{RECORD_PREFIX}{old.slug}.jsonl": show_record_text(record).encode("utf-8"),
    }
    return Published(old.slug, files, record, news, None, [], ())
