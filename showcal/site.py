"""The site as files: the same bytes `showcal build` writes and the server sends.

URL to file: `/` is index.html, `/shows/<slug>` is shows/<slug>.html (a
static host maps one to the other, e.g. nginx `try_files $uri $uri.html`);
every other URL is its own path. Feeds, event files, the JSON API and the
static assets are byte-identical to the server's; pages are rendered without
a host or a date, and the page script fills those in.
"""

from __future__ import annotations

from .changes import show_changes, site_changes
from .feeds import Feeds
from .revisions import SiteRevision


def feed_files(feeds: Feeds) -> dict[str, bytes]:
    files = {"all.ics": feeds.combined()}
    for slug in feeds.removed:
        files[f"shows/{slug}.ics"] = feeds.removed_feed(slug)
    for show in feeds.catalog.shows:
        files[f"shows/{show.slug}.ics"] = feeds.show_feed(show)
        for event in feeds.by_show[show.slug]:
            path = event_path(event.show, event.id)
            files[path] = feeds.single(event)
    return files


def event_path(slug: str, event_id: str) -> str:
    return f"shows/{slug}/{event_id}.ics"


def page_files(feeds: Feeds) -> dict[str, bytes]:
    """Pages, the JSON API and the assets the pages load."""
    from . import pages

    base = feeds.catalog.site.url
    files = {pages.page_file("/"): pages.index_page(feeds, base=base, today=None)}
    files[pages.api_path()] = pages.api_shows(feeds)
    for show in feeds.catalog.shows:
        files[pages.page_file(pages.show_path(show.slug))] = pages.show_page(feeds, show, base=base, today=None)
        files[pages.api_path(show.slug)] = pages.api_show(feeds, show)
    for name in pages.ASSETS:
        files[f"static/{name}"] = pages.asset(name)
    files[pages.SEARCH_FILE] = pages.search_index(feeds)
    for number in pages.browse_numbers(feeds):
        files[pages.page_file(pages.browse_path(number))] = pages.browse_page(feeds, number, base=base, today=None)
    for name in pages.ROOT_ASSETS:
        files[name] = pages.asset(name)
    return files


def change_files(feeds: Feeds, record: SiteRevision) -> dict[str, bytes]:
    """The Atom feeds of what changed: one for the site, one per show ever published."""
    base = feeds.catalog.site.url
    files = {"changes.atom": site_changes(record.changes, feeds.catalog.site.title, base=base)}
    for rev in record.shows.values():
        files[f"shows/{rev.slug}.atom"] = show_changes(rev, base=base)
    return files


def static_site(feeds: Feeds, record: SiteRevision) -> dict[str, bytes]:
    files = feed_files(feeds)
    files.update(change_files(feeds, record))
    for path, data in page_files(feeds).items():
        if path in files:
            raise ValueError(f"two outputs for {path}")
        files[path] = data
    return files
