"""Builds across edits: what subscribers' calendars see change, and what must not."""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import icalendar
import pytest
from parsers import read_feed, text_value

from showcal import folder
from showcal.build import build
from showcal.errors import DataError
from showcal.revisions import read_site

ROOT = Path(__file__).parent.parent
FIRST = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
LATER = datetime(2026, 2, 1, 8, 30, tzinfo=UTC)


def tree(folder: Path) -> dict[str, bytes]:
    """Every file of a build, its machine-local cache aside."""
    files = (p for p in sorted(folder.rglob("*")) if p.is_file() and ".showcal/cache" not in p.as_posix())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def make(tmp_path: Path, text: str, out: Path, now: datetime = FIRST):
    """Write the data and build it, `now` being the time of the data (the file's modification time)."""
    data = tmp_path / "events.yaml"
    data.write_text(text, encoding="utf-8")
    os.utime(data, (now.timestamp(), now.timestamp()))
    return build(data, out)


def vevents(out: Path, feed: str = "all.ics") -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical((out / feed).read_bytes())
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def previous_events(out: Path) -> dict[str, bytes]:
    """UID to each event as icalendar serialises it again: equal bytes mean an unchanged event."""
    return {uid: event.to_ical() for uid, event in vevents(out).items()}


@pytest.fixture
def shipped_text() -> str:
    return (ROOT / "events.yaml").read_text(encoding="utf-8")


def test_two_builds_into_empty_folders_are_identical(tmp_path, shipped_text):
    make(tmp_path, shipped_text, tmp_path / "a", now=FIRST)
    make(tmp_path, shipped_text, tmp_path / "b", now=FIRST)
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert {"all.ics", "shows/severance.ics", "shows/severance/s02e01.ics"} <= tree(tmp_path / "a").keys()


def test_the_committed_build_is_current(tmp_path):
    """feeds/ is the build of events.yaml: building over a copy of it changes nothing."""
    copy = tmp_path / "feeds"
    shutil.copytree(ROOT / "feeds", copy)
    result = build(ROOT / "events.yaml", copy)
    assert tree(copy) == tree(ROOT / "feeds"), "run `showcal build` and commit feeds/"
    assert result.written == [] and result.removed == []


def test_an_unchanged_rebuild_rewrites_nothing(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.ics")}
    result = make(tmp_path, shipped_text, out, now=LATER)
    assert result.written == [] and result.removed == []
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*.ics")} == before


def test_retitling_one_event_raises_its_sequence_and_leaves_the_rest_alone(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    old = previous_events(out)
    make(tmp_path, shipped_text.replace("title: Panel at CCXP24", "title: Severance panel at CCXP24"), out, now=LATER)
    new = previous_events(out)
    uid = "ccxp24-panel.severance@showcal"
    assert new.keys() == old.keys()
    assert {u: b for u, b in new.items() if u != uid} == {u: b for u, b in old.items() if u != uid}
    event = vevents(out)[uid]
    assert str(event["SUMMARY"]) == "Severance: Severance panel at CCXP24"
    assert event["SEQUENCE"] == 1
    assert event.decoded("LAST-MODIFIED") == event.decoded("DTSTAMP") == LATER
    single = icalendar.Calendar.from_ical((out / "shows/severance/ccxp24-panel.ics").read_bytes())
    assert [(str(e["UID"]), e["SEQUENCE"]) for e in single.walk("VEVENT")] == [(uid, 1)]


def test_a_second_edit_raises_the_sequence_again(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    make(tmp_path, shipped_text.replace("date: 2024-12-17", "date: 2024-12-18"), out, now=LATER)
    third = datetime(2026, 3, 1, tzinfo=UTC)
    make(tmp_path, shipped_text.replace("date: 2024-12-17", "date: 2024-12-19"), out, now=third)
    event = vevents(out)["s1-blu-ray.severance@showcal"]
    assert event["SEQUENCE"] == 2
    assert event.decoded("DTSTART").isoformat() == "2024-12-19"
    assert event.decoded("LAST-MODIFIED") == third


def test_rescheduling_moves_the_event_under_the_same_uid(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    make(tmp_path, shipped_text.replace("date: 2025-01-17", "date: 2025-01-24"), out, now=LATER)
    seen = {e.uid: e for e in read_feed((out / "shows/severance.ics").read_bytes())}
    assert len(seen) == 12
    assert seen["s02e01.severance@showcal"].start.isoformat() == "2025-01-24"
    assert seen["s02e10.severance@showcal"].start.isoformat() == "2025-03-28"
    assert {u: e.sequence for u, e in seen.items() if u.startswith("s02")} == {
        f"s02e{n:02d}.severance@showcal": 1 for n in range(1, 11)
    }
    assert seen["ccxp24-panel.severance@showcal"].sequence == 0


def test_reordering_the_data_changes_no_byte(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    before = tree(out)
    panel_start = shipped_text.index("      - id: ccxp24-panel")
    bluray_start = shipped_text.index("      - id: s1-blu-ray")
    run_start = shipped_text.index("      - run: s02")
    panel, bluray = shipped_text[panel_start:bluray_start], shipped_text[bluray_start:run_start]
    swapped = shipped_text[:panel_start] + bluray + panel + shipped_text[run_start:]
    assert swapped != shipped_text
    result = make(tmp_path, swapped, out, now=LATER)
    assert tree(out) == before and result.written == []


def test_cancelling_keeps_the_event_with_status_cancelled(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    edited = shipped_text.replace("        date: 2024-12-07\n", "        date: 2024-12-07\n        status: cancelled\n")
    make(tmp_path, edited, out, now=LATER)
    event = vevents(out)["ccxp24-panel.severance@showcal"]
    assert (event["STATUS"], event["SEQUENCE"]) == ("CANCELLED", 1)


def test_deleting_an_event_removes_it_and_its_file_and_nothing_else(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    old = previous_events(out)
    start = shipped_text.index("      - id: s1-blu-ray")
    end = shipped_text.index("      - run: s02")
    result = make(tmp_path, shipped_text[:start] + shipped_text[end:], out, now=LATER)
    new = previous_events(out)
    gone = "s1-blu-ray.severance@showcal"
    assert new == {u: b for u, b in old.items() if u != gone}
    assert result.removed == ["shows/severance/s1-blu-ray.ics"]
    assert not (out / "shows/severance/s1-blu-ray.ics").exists()


TWO_SHOWS = (
    "shows:\n  - {slug: example-a, title: A, events: [{id: x, title: X, date: 2025-01-01}]}\n"
    "  - {slug: example-b, title: 'B, the sequel', events: [{id: y, title: Y, date: 2025-01-02}]}\n"
)


def test_a_removed_show_keeps_an_empty_feed_so_calendars_clear_it(tmp_path):
    out = tmp_path / "out"
    make(tmp_path, TWO_SHOWS, out)
    (out / "README.txt").write_text("published by hand")
    make(tmp_path, TWO_SHOWS.split("  - {slug: example-b")[0], out, now=LATER)
    files = tree(out)
    assert "shows/example-b/y.ics" not in files and "shows/example-b.html" not in files
    assert "shows/example-a.ics" in files
    assert files["README.txt"] == b"published by hand"
    gone = read_feed(files["shows/example-b.ics"])
    assert gone == [], "the feed stays, with no events, so subscribed calendars delete them"
    cal = icalendar.Calendar.from_ical(files["shows/example-b.ics"])
    names = {text_value(cal[key]) for key in ("NAME", "X-WR-CALNAME")}
    assert names == {"B, the sequel (removed)"}
    assert "y.example-b@showcal" not in vevents(out)


def test_a_show_that_comes_back_continues_its_revisions(tmp_path):
    out = tmp_path / "out"
    make(tmp_path, TWO_SHOWS, out)
    make(tmp_path, TWO_SHOWS.split("  - {slug: example-b")[0], out, now=LATER)
    third = datetime(2026, 3, 1, tzinfo=UTC)
    make(tmp_path, TWO_SHOWS, out, now=third)
    event = vevents(out, "shows/example-b.ics")["y.example-b@showcal"]
    assert event["SEQUENCE"] == 1, "it left every feed once, so its comeback is a new revision"
    assert event.decoded("LAST-MODIFIED") == third


def test_an_event_made_undated_and_dated_again_never_goes_back_in_sequence(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text.replace("date: 2024-12-17", "date: 2024-12-18"), out)
    make(tmp_path, shipped_text.replace("date: 2024-12-17", "date: 2024-12-19"), out, now=LATER)
    assert vevents(out)["s1-blu-ray.severance@showcal"]["SEQUENCE"] == 1
    make(tmp_path, shipped_text.replace("date: 2024-12-17", "tba: soon"), out, now=datetime(2026, 3, 1, tzinfo=UTC))
    assert "s1-blu-ray.severance@showcal" not in vevents(out)
    make(
        tmp_path,
        shipped_text.replace("date: 2024-12-17", "date: 2024-12-19"),
        out,
        now=datetime(2026, 4, 1, tzinfo=UTC),
    )
    event = vevents(out)["s1-blu-ray.severance@showcal"]
    assert event["SEQUENCE"] == 2


def test_the_record_is_committed_with_the_build_and_read_back(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    make(tmp_path, shipped_text.replace("title: Panel at CCXP24", "title: Severance panel at CCXP24"), out, now=LATER)
    lines = (out / ".showcal/revisions/severance.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1 + 12 + 1, "a head line, one line per dated event, one change"
    site = read_site(out)
    rev = site.shows["severance"].events["ccxp24-panel.severance@showcal"]
    assert (rev.stamp.sequence, rev.stamp.modified, rev.snapshot.title) == (1, LATER, "Severance panel at CCXP24")
    [change] = site.changes
    assert change.what == ("retitled",)
    assert (change.before.title, change.after.title) == ("Panel at CCXP24", "Severance panel at CCXP24")


def test_a_build_that_fails_while_staging_leaves_the_published_build_whole(tmp_path, shipped_text, monkeypatch):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    before = published(out)
    writes = 0
    real = folder.stage_if_changed

    def failing(out_, staging, rel, data, **how):
        nonlocal writes
        writes += 1
        if writes == 3:
            raise OSError(28, "No space left on device")
        return real(out_, staging, rel, data, **how)

    monkeypatch.setattr(folder, "stage_if_changed", failing)
    with pytest.raises(OSError):
        make(tmp_path, shipped_text.replace("Season 1 on Blu-ray", "Season 1 on 4K Blu-ray"), out, now=LATER)
    monkeypatch.undo()
    assert published(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.yaml", "out"], "nothing left beside the build"


def published(out: Path) -> dict[str, bytes]:
    """The files a reader of the folder sees: everything but showcal's own `.showcal/`."""
    return {rel: data for rel, data in tree(out).items() if not rel.startswith(".showcal/")}


def test_a_build_with_problems_publishes_nothing(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    before = tree(out)
    broken = shipped_text.replace("date: 2024-12-17", "date: 2024-12-32").replace("title: Panel", "titel: Panel")
    with pytest.raises(DataError) as error:
        make(tmp_path, broken, out, now=LATER)
    assert len(error.value.problems) == 2
    assert published(out) == published_before(before)


def published_before(files: dict[str, bytes]) -> dict[str, bytes]:
    return {rel: data for rel, data in files.items() if not rel.startswith(".showcal/")}


def test_the_change_feed_lists_exactly_a_retitle_a_move_and_a_cancel(tmp_path, shipped_text):
    out = tmp_path / "out"
    make(tmp_path, shipped_text, out)
    retitled = shipped_text.replace("title: Panel at CCXP24", "title: Severance panel at CCXP24")
    make(tmp_path, retitled, out, now=datetime(2026, 2, 1, tzinfo=UTC))
    moved = retitled.replace("date: 2024-12-17", "date: 2024-12-20")
    make(tmp_path, moved, out, now=datetime(2026, 2, 2, tzinfo=UTC))
    cancelled = moved.replace("        date: 2024-12-07\n", "        date: 2024-12-07\n        status: cancelled\n")
    make(tmp_path, cancelled, out, now=datetime(2026, 2, 3, tzinfo=UTC))

    feed = feedparser.parse((out / "shows/severance.atom").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    entries = feed.entries
    assert [[t.term for t in e.tags] for e in entries] == [["cancelled"], ["moved"], ["retitled"]], "newest first"
    assert [e.updated for e in entries] == ["2026-02-03T00:00:00Z", "2026-02-02T00:00:00Z", "2026-02-01T00:00:00Z"]
    cancel, move, retitle = entries
    assert "Severance panel at CCXP24" in cancel.title and "is cancelled" in cancel.summary
    assert move.summary == "Moved from Tue 17 December 2024 to Fri 20 December 2024."
    assert retitle.summary == "Was “Panel at CCXP24”, now “Severance panel at CCXP24”."
    assert len({e.id for e in entries}) == 3
    site = feedparser.parse((out / "changes.atom").read_bytes())
    assert [e.id for e in site.entries] == [e.id for e in entries]
    assert entries[0].link.endswith("shows/severance") and feed.feed.link
