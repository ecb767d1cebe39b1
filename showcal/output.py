"""Everything one show publishes, made from that show alone.

A show's feed, its single-event files, its page, its JSON, its change feed
and its revision record depend on the show, the site settings and the show's
own record, and on nothing else in the catalogue. So a build renders shows
independently (on every core), renders only the shows whose data changed,
and keeps, for the site-wide files (the combined feed, the index, the JSON
list), a small summary of each show instead of the show itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from . import changes, pages
from .feeds import Feeds, sort_key
from .model import Catalog, Show, Site, Timed
from .revisions import RECORD_DIR, Change, ShowRevision, retire, revise_show, show_record_text
from .site import event_path

RECORD_PREFIX = f"{RECORD_DIR}/revisions/"


@dataclass(frozen=True)
class Entry:
    """One event of a show as the combined feed needs it: where it sorts, when it is, its bytes."""

    key: tuple
    uid: str
    kind: str
    first: date
    last: date
    timezone: str
    """The event's zone if its bytes name one (a timed event), else ""."""
    start_year: int
    end_year: int
    data: bytes


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
    removed: bool = False


@dataclass
class Published:
    """One show's files (relative path to bytes), its new record, the news it makes and its summary."""

    slug: str
    files: dict[str, bytes]
    record: ShowRevision
    news: list[Change]
    summary: Summary
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
    entries = [
        Entry(
            sort_key(event),
            event.uid,
            event.kind,
            event.first_day,  # type: ignore[arg-type]
            event.last_day,  # type: ignore[arg-type]
            event.when.timezone if isinstance(event.when, Timed) else "",
            event.when.start.year if isinstance(event.when, Timed) else 0,
            event.when.end.year if isinstance(event.when, Timed) else 0,
            feeds.event_bytes(event),
        )
        for event in feeds.by_show[show.slug]
    ]
    summary = Summary(show.slug, show.title, show.network, show.homepage, show.description,
                      len(show.dated_events), len(show.undated_events))  # fmt: skip
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
    summary = Summary(old.slug, old.title, "", "", "", 0, 0, removed=True)
    return Published(old.slug, files, record, news, summary, [], ())
