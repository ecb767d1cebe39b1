"""Feeds of what changed (Atom): each added, moved, retitled, cancelled and removed date.

They are read from the revision record's change log, so a build and a
server give the same entries for the same data and record. A calendar app
shows the new dates silently; this is where a fan (or a feed reader) sees
that the finale moved a week, and from when to when.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import UTC, date, datetime

from .revisions import EPOCH, Change, ShowRevision, Snapshot

ATOM = "http://www.w3.org/2005/Atom"
ENTRIES = 50
"""Entries per feed: feed readers keep what they have seen, so a feed needs only the recent ones."""


def change_feed(
    changes: Sequence[Change],
    *,
    title: str,
    subtitle: str,
    self_path: str,
    page_path: str,
    base: str = "",
    show_page: str = "shows/{slug}",
) -> bytes:
    """An Atom feed of the newest changes, newest first.

    Paths are site-relative; with `base` (the site's public address) every
    link is absolute, otherwise relative to the feed's own address, which
    feed readers resolve.
    """
    newest = sorted(changes, key=lambda c: (c.at, c.key), reverse=True)[:ENTRIES]
    depth = self_path.count("/")

    def link(path: str) -> str:
        return f"{base.rstrip('/')}/{path}" if base else "../" * depth + (path or "./")

    feed = ET.Element("feed", {"xmlns": ATOM})
    _text(feed, "id", _urn(f"feed:{base or title}:{self_path}"))
    _text(feed, "title", title)
    _text(feed, "subtitle", subtitle)
    _text(feed, "updated", _time(newest[0].at if newest else EPOCH))
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": link(self_path)})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": link(page_path)})
    author = ET.SubElement(feed, "author")
    _text(author, "name", title.split(":")[0])
    _text(feed, "generator", "showcal")
    for change in newest:
        entry = ET.SubElement(feed, "entry")
        _text(entry, "id", _urn(change.key))
        _text(entry, "title", headline(change))
        _text(entry, "updated", _time(change.at))
        href = link(show_page.format(slug=change.show))
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": href})
        for what in change.what:
            ET.SubElement(entry, "category", {"term": what})
        _text(entry, "summary", details(change))
    ET.indent(feed, space=" ")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8") + b"\n"


def headline(change: Change) -> str:
    """One line, naming the show and what happened to which date."""
    show = change.show_title or change.show
    after, before = change.after, change.before
    if change.what == ("show-added",):
        return f"New show: {show} ({change.sequence} date{'s' * (change.sequence != 1)})"
    if change.what == ("show-removed",):
        return f"Removed: {show} is no longer listed"
    if change.what == ("show-renamed",):
        return f"Renamed: {before.title if before else show} is now {after.title if after else show}"
    shot = after or before
    assert shot is not None
    verbs = {
        "added": "New date",
        "moved": "Moved",
        "retitled": "Retitled",
        "cancelled": "Cancelled",
        "postponed": "Postponed",
        "reinstated": "Back on",
        "removed": "Removed",
    }
    what = " and ".join(verbs[w].lower() if i else verbs[w] for i, w in enumerate(change.what))
    return f"{what}: {show}: {shot.title}, {when(shot)}"


def details(change: Change) -> str:
    """The old and new values, in sentences."""
    before, after = change.before, change.after
    lines = []
    for what in change.what:
        if what == "added" and after is not None:
            lines.append(f"{after.title}: {when(after)}.")
        elif what == "moved" and before is not None and after is not None:
            lines.append(f"Moved from {when(before)} to {when(after)}.")
        elif what == "retitled" and before is not None and after is not None:
            lines.append(f"Was “{before.title}”, now “{after.title}”.")
        elif what in ("cancelled", "postponed") and after is not None:
            lines.append(f"{after.title} on {when(after)} is {what}.")
        elif what == "reinstated" and after is not None:
            lines.append(f"{after.title} on {when(after)} is back on (it was {before.status if before else 'off'}).")
        elif what == "removed" and before is not None:
            lines.append(f"{before.title} on {when(before)} is no longer listed.")
        elif what == "show-added":
            lines.append(f"{change.show_title} is now listed, with {change.sequence} dates.")
        elif what == "show-removed":
            lines.append(f"{change.show_title} is no longer listed; subscribed calendars drop its dates.")
        elif what == "show-renamed" and before is not None and after is not None:
            lines.append(f"Was “{before.title}”, now “{after.title}”.")
    return " ".join(lines)


def when(shot: Snapshot) -> str:
    """A snapshot's date in words: "Fri 17 January 2025", or with its time and zone."""
    if shot.all_day:
        first, last = date.fromisoformat(shot.start), date.fromisoformat(shot.end)
        return _day(first) if first == last else f"{_day(first)} to {_day(last)}"
    start = datetime.fromisoformat(shot.start)
    return f"{_day(start.date())}, {start:%H:%M} ({shot.timezone or 'UTC'})"


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%B %Y}"


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = value
    return element


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _urn(key: str) -> str:
    """A stable id: the same change keeps the same id in every build and on every server."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"showcal:{key}").urn


def show_changes(rev: ShowRevision, *, base: str = "") -> bytes:
    """What changed in one show's dates: `shows/<slug>.atom`."""
    return change_feed(
        rev.changes,
        title=f"{rev.title}: changed dates",
        subtitle=f"Dates of {rev.title} that were added, moved, retitled, cancelled or removed.",
        self_path=f"shows/{rev.slug}.atom",
        page_path=f"shows/{rev.slug}",
        base=base,
    )


def site_changes(news: Sequence[Change], site_title: str, *, base: str = "") -> bytes:
    """What changed across the site: `changes.atom`."""
    return change_feed(
        news,
        title=f"{site_title}: changed dates",
        subtitle="Dates that were added, moved, retitled, cancelled or removed, for every show.",
        self_path="changes.atom",
        page_path="",
        base=base,
    )
