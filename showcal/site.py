"""The site as files: the same bytes `showcal build` writes and the server sends."""

from __future__ import annotations

from .feeds import Feeds


def feed_files(feeds: Feeds) -> dict[str, bytes]:
    files = {"all.ics": feeds.combined()}
    for show in feeds.catalog.shows:
        files[f"shows/{show.slug}.ics"] = feeds.show_feed(show)
        for event in feeds.by_show[show.slug]:
            path = event_path(event.show, event.id)
            files[path] = feeds.single(event, path=path)
    return files


def event_path(slug: str, event_id: str) -> str:
    return f"shows/{slug}/{event_id}.ics"


def static_site(feeds: Feeds) -> dict[str, bytes]:
    return feed_files(feeds)
