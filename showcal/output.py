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
from datetime import datetime

from . import changes, pages
from .feeds import Entry, Feeds, entry_of
from .listing import Summary, summarize
from .model import Catalog, Show, Site
from .revisions import RECORD_DIR, Change, ShowRevision, retire, revise_show, show_record_text

RECORDS = f"{RECORD_DIR}/revisions/"


def record_file(slug: str) -> str:
    return f"{RECORDS}{slug}.jsonl"


@dataclass
class Published:
    """One show's files (relative path to bytes), its new record, the news it makes, and what lists need of it."""

    slug: str
    files: dict[str, bytes]
    record: ShowRevision | None
    """None once its file is staged (a build needs no more of it)."""
    news: list[Change]
    summary: Summary | None
    """None for a removed show: no list names it any more."""
    entries: list[Entry]
    event_ids: tuple[str, ...]


def publish_show(show: Show, site: Site, old: ShowRevision | None, at: datetime, *, announce: bool) -> Published:
    """Revise and render one show: the same bytes in whichever process, and beside whichever shows, it runs."""
    record, news = revise_show(old, show, at, announce=announce)
    feeds = Feeds(Catalog(site=site, shows=(show,)), record.stamps())
    dated = feeds.by_show[show.slug]
    files: dict[str, bytes] = {pages.feed_path(show.slug): feeds.show_feed(show)}
    for event in dated:
        files[pages.event_path(show.slug, event.id)] = feeds.single(event)
    files[pages.page_file(pages.show_path(show.slug))] = pages.show_page(feeds, show, base=site.url, today=None)
    files[pages.api_path(show.slug)] = pages.api_show(feeds, show)
    files[pages.changes_path(show.slug)] = changes.show_changes(record, base=site.url)
    files[record_file(show.slug)] = show_record_text(record).encode("utf-8")
    entries = [entry_of(event, feeds.event_bytes(event)) for event in dated]
    ids = tuple(event.id for event in dated)
    return Published(show.slug, files, record, news, summarize(show, dated), entries, ids)


def retire_show(old: ShowRevision, site: Site, at: datetime, *, announce: bool) -> Published:
    """A published show gone from the data: its feed kept, empty, so calendars clear it; its other files go."""
    record, news = retire(old, at, announce=announce)
    feeds = Feeds(Catalog(site=site), removed={old.slug: old.title})
    files = {
        pages.feed_path(old.slug): feeds.removed_feed(old.slug),
        pages.changes_path(old.slug): changes.show_changes(record, base=site.url),
        record_file(old.slug): show_record_text(record).encode("utf-8"),
    }
    return Published(old.slug, files, record, news, None, [], ())


def _show_files(slug: str) -> tuple[str, ...]:
    """A published show's files besides its events': feed, change feed, page, JSON."""
    return pages.feed_path(slug), pages.changes_path(slug), pages.page_file(pages.show_path(slug)), pages.api_path(slug)


def show_paths(slug: str, event_ids: tuple[str, ...]) -> set[str]:
    """Every file a published show has in a build."""
    return {*_show_files(slug), *(pages.event_path(slug, event_id) for event_id in event_ids)}


def show_file_count(event_ids: tuple[str, ...]) -> int:
    """How many files `show_paths` names, without naming them (a show's event ids are unique)."""
    return len(_show_files("")) + len(event_ids)
