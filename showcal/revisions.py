"""The revision record: what every event looked like when it was last published.

Subscribers' calendars trust SEQUENCE and LAST-MODIFIED to tell a newer
version of an event from an older one, so those must be a function of the
data and of this record alone: every server worker, every restart and every
machine then sends the same bytes for the same data, and no SEQUENCE ever
goes down.

The record keeps, per show, one entry per event ever published (removed ones
too, so an event that comes back continues its revisions), with a digest of
everything the event's calendar bytes depend on, its stamp, and a snapshot of
what a subscriber sees of it (title, dates, status), from which the change
log says "moved from ... to ..." without keeping old data around.

Stamps of events that changed since the record are derived, not remembered:
the next SEQUENCE, stamped with the time of the data (the newest data file's
modification time), never earlier than a second after the recorded stamp.
`showcal build` writes the new record beside the feeds it publishes; the
server only reads it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from .feeds import content_digest
from .model import EPOCH, AllDay, Catalog, Event, Show, Stamp, Timed

ONE_SECOND = timedelta(seconds=1)
FORMAT = 1
CHANGES_KEPT = 50
"""Changes remembered per show: the change feeds list the newest ones."""
SITE_CHANGES_KEPT = 200
RECORD_DIR = ".showcal"
"""Beside the published files: the record travels (and is committed) with the build it describes."""


@dataclass(frozen=True)
class Snapshot:
    """What a subscriber sees of a date: enough to say how it changed."""

    title: str
    start: str
    end: str
    timezone: str = ""
    status: str = "confirmed"

    @property
    def all_day(self) -> bool:
        return "T" not in self.start

    @property
    def off(self) -> bool:
        return self.status in ("cancelled", "postponed")


@dataclass(frozen=True)
class EventRevision:
    uid: str
    stamp: Stamp
    digest: str
    snapshot: Snapshot
    removed: bool = False


@dataclass(frozen=True)
class Change:
    """One entry of a change feed: a date added, moved, retitled, cancelled or removed, or a show's own news."""

    at: datetime
    show: str
    uid: str  # "" for a change to the show itself
    sequence: int
    what: tuple[str, ...]
    before: Snapshot | None = None
    after: Snapshot | None = None
    show_title: str = ""

    @property
    def key(self) -> str:
        """Stable identity of this entry, for Atom ids and de-duplication."""
        return f"{self.show}/{self.uid or '-'}/{self.sequence}/{'+'.join(self.what)}/{stamp_text(self.at)}"


@dataclass(frozen=True)
class ShowRevision:
    """The record of one show: its published title, its events, its recent changes."""

    slug: str
    title: str
    modified: datetime = EPOCH
    removed: bool = False
    events: Mapping[str, EventRevision] = field(default_factory=dict)
    changes: tuple[Change, ...] = ()

    def stamps(self) -> dict[str, Stamp]:
        return {uid: rev.stamp for uid, rev in self.events.items() if not rev.removed}


# -- what an event's bytes depend on ---------------------------------------------


def digest(event: Event, show: Show) -> str:
    """A fingerprint of what the event's calendar entry says (its revision aside), as the feeds render it.

    Taken over the values the renderer writes rather than the model's
    fields, so a field added to the model, or a change of how it is stored,
    changes no digest (and no SEQUENCE) unless subscribers' copies change.
    """
    return content_digest(event, show)


def snapshot(event: Event) -> Snapshot:
    when = event.when
    if isinstance(when, AllDay):
        return Snapshot(event.title, when.first.isoformat(), when.last.isoformat(), "", event.status)
    assert isinstance(when, Timed)
    return Snapshot(
        event.title,
        when.start.isoformat(timespec="minutes"),
        when.end.isoformat(timespec="minutes"),
        when.timezone,
        event.status,
    )


# -- deriving the next record from the data -------------------------------------------


def revise_show(
    old: ShowRevision | None, show: Show, at: datetime, *, announce: bool = True
) -> tuple[ShowRevision, list[Change]]:
    """The record after publishing `show` at data time `at`, and the changes that makes news.

    A pure function of its arguments, so that a server deriving revisions of
    unpublished edits and the build that later publishes them agree. With
    `announce` false (the site's first publication) nothing is news: there
    was nothing before to change from.
    """
    at = _second(at)
    previous = old.events if old is not None else {}
    listed = old is not None and not old.removed
    events: dict[str, EventRevision] = {}
    changes: list[Change] = []
    for event in show.dated_events:
        rev, change = _revise_event(previous.get(event.uid), event, show, at)
        events[event.uid] = rev
        if change is not None and listed:
            changes.append(change)
    for uid, rev in previous.items():
        if uid in events:
            continue
        events[uid] = rev if rev.removed else replace(rev, removed=True)
        if not rev.removed and listed:
            changes.append(Change(at, show.slug, uid, rev.stamp.sequence, ("removed",), rev.snapshot, None, show.title))
    changes = _show_news(old, show, events, at) + changes
    if not announce:
        changes = []
    newest = max((r.stamp.modified for r in events.values() if not r.removed), default=EPOCH)
    modified = max(newest, old.modified if old is not None else EPOCH, at if changes else EPOCH)
    logged = ((old.changes if old is not None else ()) + tuple(changes))[-CHANGES_KEPT:]
    return ShowRevision(show.slug, show.title, modified, False, dict(sorted(events.items())), logged), changes


def retire(old: ShowRevision, at: datetime, *, announce: bool = True) -> tuple[ShowRevision, list[Change]]:
    """The record of a published show that is gone from the data: its events removed, its feed kept, empty."""
    if old.removed:
        return old, []
    at = _second(at)
    events = {uid: replace(rev, removed=True) for uid, rev in old.events.items()}
    news = [Change(at, old.slug, "", 0, ("show-removed",), None, None, old.title)] if announce else []
    logged = (old.changes + tuple(news))[-CHANGES_KEPT:]
    return ShowRevision(old.slug, old.title, max(at, old.modified), True, events, logged), news


def _revise_event(
    old: EventRevision | None, event: Event, show: Show, at: datetime
) -> tuple[EventRevision, Change | None]:
    new_digest, shot = digest(event, show), snapshot(event)
    if old is None:
        rev = EventRevision(event.uid, Stamp(0, at), new_digest, shot)
        return rev, Change(at, show.slug, event.uid, 0, ("added",), None, shot, show.title)
    if old.digest == new_digest and not old.removed:
        return old, None
    stamp = Stamp(old.stamp.sequence + 1, max(at, old.stamp.modified + ONE_SECOND))
    rev = EventRevision(event.uid, stamp, new_digest, shot)
    what = ("added",) if old.removed else _what_changed(old.snapshot, shot)
    change = Change(stamp.modified, show.slug, event.uid, stamp.sequence, what, old.snapshot, shot, show.title)
    return rev, change if what else None


def _what_changed(before: Snapshot, after: Snapshot) -> tuple[str, ...]:
    """The changes a subscriber would notice; other edits still raise SEQUENCE but make no news."""
    what = []
    if (before.start, before.end, before.timezone) != (after.start, after.end, after.timezone):
        what.append("moved")
    if before.title != after.title:
        what.append("retitled")
    if after.off and not before.off:
        what.append(after.status)
    elif before.off and not after.off:
        what.append("reinstated")
    elif before.off and after.off and before.status != after.status:
        what.append(after.status)
    return tuple(what)


def _show_news(old: ShowRevision | None, show: Show, events: Mapping[str, EventRevision], at: datetime) -> list[Change]:
    if old is None or old.removed:
        dated = sum(not r.removed for r in events.values())
        return [Change(at, show.slug, "", dated, ("show-added",), None, None, show.title)]
    if old.title != show.title:
        before, after = Snapshot(old.title, "", ""), Snapshot(show.title, "", "")
        return [Change(at, show.slug, "", 0, ("show-renamed",), before, after, show.title)]
    return []


def _second(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(microsecond=0)


# -- the record of a whole site ----------------------------------------------------


@dataclass(frozen=True)
class SiteRevision:
    """Every show ever published, and the newest changes across the site."""

    shows: Mapping[str, ShowRevision]
    changes: tuple[Change, ...] = ()

    @property
    def published(self) -> bool:
        return bool(self.shows)

    @property
    def removed(self) -> dict[str, ShowRevision]:
        return {slug: rev for slug, rev in self.shows.items() if rev.removed}

    def stamps(self) -> dict[str, Stamp]:
        out: dict[str, Stamp] = {}
        for rev in self.shows.values():
            out.update(rev.stamps())
        return out


def revise(old: SiteRevision, catalog: Catalog, at: datetime) -> SiteRevision:
    """The whole site's record after publishing `catalog` with data time `at`.

    The site's first publication makes no news, and stamps its events with
    the epoch rather than the data's time: with no record to continue, that
    keeps the bytes the same for the same data on every machine, whatever the
    files' modification times. Later, every added, moved, retitled, cancelled
    or removed date is news, and so is a show that appears, is renamed or goes.
    """
    announce = old.published
    at = at if announce else EPOCH
    shows: dict[str, ShowRevision] = {}
    news: list[Change] = []
    for show in catalog.shows:
        shows[show.slug], changes = revise_show(old.shows.get(show.slug), show, at, announce=announce)
        news += changes
    for slug, before in old.shows.items():
        if slug not in shows:
            shows[slug], changes = retire(before, at, announce=announce)
            news += changes
    news.sort(key=lambda c: (c.at, c.show, c.uid))
    return SiteRevision(dict(sorted(shows.items())), (old.changes + tuple(news))[-SITE_CHANGES_KEPT:])


# -- reading and writing the record -------------------------------------------------
#
# One JSON object per line, keys in a fixed order, one file per show: an edit changes
# the lines of the events it touched and appends its changes, so the record
# diffs cleanly in review.


def record_dir(out: Path) -> Path:
    return out / RECORD_DIR


def show_record_path(out: Path, slug: str) -> Path:
    return record_dir(out) / "revisions" / f"{slug}.jsonl"


def read_site(out: Path) -> SiteRevision:
    """The record of a build folder; an empty one where none was published."""
    folder = record_dir(out) / "revisions"
    try:
        names = sorted(p for p in os.listdir(folder) if p.endswith(".jsonl"))
    except OSError:
        return SiteRevision({})
    shows = {}
    for name in names:
        rev = read_show(folder / name)
        if rev is not None:
            shows[rev.slug] = rev
    return SiteRevision(shows, tuple(read_changes(record_dir(out) / "changes.jsonl")))


def read_show(path: Path) -> ShowRevision | None:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    if not lines:
        return None
    head = json.loads(lines[0])
    events: dict[str, EventRevision] = {}
    changes: list[Change] = []
    for line in lines[1:]:
        item = json.loads(line)
        if "uid" in item and "change" not in item:
            events[item["uid"]] = _event_from(item)
        else:
            changes.append(_change_from(item, head["show"], head["title"]))
    return ShowRevision(head["show"], head["title"], parse_stamp(head["modified"]), head.get("removed", False),
                        events, tuple(changes))  # fmt: skip


def show_record_text(rev: ShowRevision) -> str:
    head = {"show": rev.slug, "title": rev.title, "modified": stamp_text(rev.modified), "format": FORMAT}
    if rev.removed:
        head["removed"] = True
    lines = [_line(head)]
    lines += [_line(_event_to(r)) for r in rev.events.values()]
    lines += [_line(_change_to(c, with_show=False)) for c in rev.changes]
    return "\n".join(lines) + "\n"


def site_changes_text(site: SiteRevision) -> str:
    return "".join(_line(_change_to(c, with_show=True)) + "\n" for c in site.changes)


def record_files(site: SiteRevision) -> Iterable[tuple[str, bytes]]:
    """Relative path to bytes of every file of the record, for the build to write."""
    for slug, rev in site.shows.items():
        yield f"{RECORD_DIR}/revisions/{slug}.jsonl", show_record_text(rev).encode("utf-8")
    yield f"{RECORD_DIR}/changes.jsonl", site_changes_text(site).encode("utf-8")


def read_changes(path: Path) -> list[Change]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []
    return [_change_from(json.loads(line), "", "") for line in lines if line.strip()]


def _line(item: dict) -> str:
    return json.dumps(item, ensure_ascii=False, separators=(", ", ": "))


def stamp_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)


def _snapshot_to(shot: Snapshot) -> dict:
    out = {"title": shot.title, "start": shot.start, "end": shot.end}
    if shot.timezone:
        out["timezone"] = shot.timezone
    if shot.status != "confirmed":
        out["status"] = shot.status
    return out


def _snapshot_from(item: dict) -> Snapshot:
    return Snapshot(
        item["title"], item["start"], item["end"], item.get("timezone", ""), item.get("status", "confirmed")
    )


def _event_to(rev: EventRevision) -> dict:
    out = {"uid": rev.uid, "sequence": rev.stamp.sequence, "modified": stamp_text(rev.stamp.modified)}
    out.update(_snapshot_to(rev.snapshot))
    out["digest"] = rev.digest
    if rev.removed:
        out["removed"] = True
    return out


def _event_from(item: dict) -> EventRevision:
    stamp = Stamp(int(item["sequence"]), parse_stamp(item["modified"]))
    return EventRevision(item["uid"], stamp, item["digest"], _snapshot_from(item), bool(item.get("removed", False)))


def _change_to(change: Change, *, with_show: bool) -> dict:
    out: dict = {"change": list(change.what), "at": stamp_text(change.at)}
    if with_show:
        out["show"] = change.show
        out["show_title"] = change.show_title
    if change.uid:
        out["uid"] = change.uid
    out["sequence"] = change.sequence
    if change.before is not None:
        out["before"] = _snapshot_to(change.before)
    if change.after is not None:
        out["after"] = _snapshot_to(change.after)
    return out


def _change_from(item: dict, show: str, title: str) -> Change:
    return Change(
        at=parse_stamp(item["at"]),
        show=item.get("show", show),
        uid=item.get("uid", ""),
        sequence=int(item.get("sequence", 0)),
        what=tuple(item["change"]),
        before=_snapshot_from(item["before"]) if "before" in item else None,
        after=_snapshot_from(item["after"]) if "after" in item else None,
        show_title=item.get("show_title", title),
    )


def data_time(mtimes: Iterable[float]) -> datetime:
    """The time of the data: its newest file's modification, in whole seconds."""
    newest = max(mtimes, default=0.0)
    return datetime.fromtimestamp(int(newest), UTC) if newest > 0 else EPOCH


def day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date()
