"""Every feed as the parsers of real calendar clients read it, and as a vdirsyncer + khal subscription shows it.

The feeds are the committed build (feeds/) and those of two example catalogues
(tests/data/examples.yaml and clocks.yaml), which hold the hard cases: time
zones with 30- and 45-minute offsets, weekly runs across clock changes, times in
the repeated hour, escaped calendar-level text, non-ASCII text. All of them are
read once, by every parser, in one batch (`client_parsers.read_many`).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import client_parsers
import icalendar
import pytest
import subscription
from client_parsers import Reading, Seen, assert_same_instants, differences, read_many, zone_differences, zone_probes
from needs import missing
from test_http import free_port, serve_command, start, stop

from showcal.feeds import Feeds
from showcal.validate import load_catalog

ROOT = Path(__file__).parent.parent
EXAMPLES = Path(__file__).parent / "data" / "examples.yaml"
CLOCKS = Path(__file__).parent / "data" / "clocks.yaml"
COMMITTED = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "feeds").rglob("*.ics"))
EXAMPLE_SHOWS = [show.slug for show in load_catalog(EXAMPLES).shows]
CLOCK_SHOWS = [show.slug for show in load_catalog(CLOCKS).shows]
BUILT = ["examples/all.ics", *(f"examples/shows/{slug}.ics" for slug in EXAMPLE_SHOWS)]
BUILT += ["clocks/all.ics", *(f"clocks/shows/{slug}.ics" for slug in CLOCK_SHOWS)]
FEEDS = COMMITTED + BUILT

WITH_REPEATED_HOUR = {
    # feed: {uid: the first occurrence of its start, as RFC 5545 reads a repeated local time}
    "examples/all.ics": {"fall-back.example-nights@showcal": datetime(2025, 11, 2, 5, 30, tzinfo=UTC)},
    "examples/shows/example-nights.ics": {"fall-back.example-nights@showcal": datetime(2025, 11, 2, 5, 30, tzinfo=UTC)},
    "clocks/all.ics": {
        "lord-howe-back.example-clocks@showcal": datetime(2025, 4, 5, 14, 45, tzinfo=UTC),
        "chatham-back.example-clocks@showcal": datetime(2025, 4, 5, 13, 15, tzinfo=UTC),
        "st-johns-back.example-clocks@showcal": datetime(2025, 11, 2, 4, 0, tzinfo=UTC),
        "london-back.example-clocks@showcal": datetime(2025, 10, 26, 0, 30, tzinfo=UTC),
    },
}
WITH_ZONES = set(BUILT)


def require_tools(absent: list[str]) -> None:
    """A missing parser or tool fails in CI, where scripts/test installs it, and skips only on a developer's machine."""
    if absent:
        missing("missing: " + "; ".join(absent) + " (scripts/test installs them)")


@pytest.fixture(scope="module")
def examples() -> Feeds:
    return Feeds(load_catalog(EXAMPLES))


@pytest.fixture(scope="module")
def clocks() -> Feeds:
    return Feeds(load_catalog(CLOCKS))


@pytest.fixture(scope="module")
def feeds(examples, clocks) -> dict[str, bytes]:
    built = {}
    for name, catalogue in (("examples", examples), ("clocks", clocks)):
        built[f"{name}/all.ics"] = catalogue.combined()
        built |= {f"{name}/shows/{show.slug}.ics": catalogue.show_feed(show) for show in catalogue.catalog.shows}
    return {path: (ROOT / path).read_bytes() for path in COMMITTED} | built


@pytest.fixture(scope="module")
def probes(feeds) -> list[int]:
    return zone_probes(list(feeds.values()))


@pytest.fixture(scope="module")
def readings(feeds, probes) -> dict[str, dict[str, Reading]]:
    """Every feed as every parser reads it: one run of each runtime for all of them."""
    require_tools(client_parsers.missing())
    return dict(zip(feeds, read_many(list(feeds.values()), probes), strict=True))


def expected_names(feeds: dict[str, bytes], *built: tuple[str, Feeds]) -> dict[str, str | None]:
    """The calendar's name as the catalogue gives it; None for a single-event file, which has none."""
    shipped = load_catalog(ROOT / "events.yaml")
    names = {"feeds/all.ics": shipped.site.title} | {f"feeds/shows/{s.slug}.ics": s.title for s in shipped.shows}
    for name, catalogue in built:
        names[f"{name}/all.ics"] = catalogue.catalog.site.title
        names |= {f"{name}/shows/{s.slug}.ics": s.title for s in catalogue.catalog.shows}
    return {path: names.get(path) for path in feeds}


def described(data: bytes) -> str | None:
    """The calendar's DESCRIPTION, a TEXT property icalendar unescapes: what X-WR-CALDESC must say too."""
    cal = icalendar.Calendar.from_ical(data)
    return str(cal["DESCRIPTION"]) if "DESCRIPTION" in cal else None


# --- every parser ------------------------------------------------------------------------------


def test_the_battery_runs_every_parser_it_names(readings):
    assert len(client_parsers.PARSERS) >= 10
    for path, seen in readings.items():
        assert list(seen) == list(client_parsers.PARSERS), path


@pytest.mark.parametrize("feed", FEEDS)
def test_every_parser_reads_the_feed_and_the_same_events(readings, feed):
    reading = readings[feed]
    found = differences(reading, fields=())  # errors, VEVENT and VTIMEZONE counts, UIDs
    assert not found, f"{feed}:\n" + "\n".join(found)
    assert reading["icalendar"].events, f"{feed} has no events"


@pytest.mark.parametrize("feed", FEEDS)
def test_every_parser_reads_every_event_at_the_same_instants(readings, feed):
    assert_same_instants(readings[feed], feed)


@pytest.mark.parametrize("feed", FEEDS)
def test_every_parser_reads_the_same_summary_status_and_sequence(readings, feed):
    found = differences(readings[feed], fields=("summary", "status", "sequence"))
    assert not found, f"{feed}:\n" + "\n".join(found)


def test_every_parser_reads_the_repeated_hour_as_its_first_occurrence(readings):
    # RFC 5545 (3.3.5): a local time that occurs twice means its first occurrence. ical.js, node-ical,
    # libical and Perl's DateTime read the second, so showcal writes such times in UTC.
    for feed, starts in sorted(WITH_REPEATED_HOUR.items()):
        for name, reading in readings[feed].items():
            for uid, first in starts.items():
                (seen,) = [e for e in reading.events if e.uid == uid]
                assert seen.start == first, f"{feed}: {name} reads {uid} at {seen.start}"


@pytest.mark.parametrize("feed", FEEDS)
def test_every_parser_reads_the_calendar_name_and_description(readings, feeds, examples, clocks, feed):
    names = expected_names(feeds, ("examples", examples), ("clocks", clocks))
    name, about = names[feed], described(feeds[feed])
    wrong = []
    for parser, reading in readings[feed].items():
        for attribute, expected in (("name", name), ("calname", name), ("caldesc", about)):
            value = getattr(reading, attribute)
            if value is not None and value != expected:  # None: the parser does not give it
                wrong.append(f"{parser} reads {attribute} {value!r}, not {expected!r}")
    assert not wrong, f"{feed}:\n" + "\n".join(wrong)
    shown = [r.calname for r in readings[feed].values() if r.calname is not None]
    assert len(shown) >= 5 if name else not shown, f"{feed}: {len(shown)} parsers read X-WR-CALNAME"


# --- libical's checks ---------------------------------------------------------------------------


@pytest.mark.parametrize("feed", FEEDS)
def test_libical_finds_no_rfc_5545_violation(readings, feed):
    found = [v for v in readings[feed]["libical"].violations if not v.startswith("RFC 5546")]
    assert not found, f"{feed}:\n" + "\n".join(found)


def test_libical_finds_no_itip_violation(readings):
    """Feeds carry no METHOD (they are subscriptions, not iTIP messages), so no RFC 5546 rule applies."""
    found = [
        f"{feed}: {v}"
        for feed, seen in readings.items()
        for v in seen["libical"].violations
        if v.startswith("RFC 5546")
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("feed", sorted(WITH_ZONES))
def test_vtimezones_change_offset_when_the_zone_database_does(readings, feeds, probes, feed):
    # libical (Evolution) and vobject (dateutil) build the zone from the VTIMEZONE itself.
    assert [n for n, r in readings[feed].items() if r.offsets is not None] == ["vobject", "libical"]
    found = zone_differences(readings[feed], feeds[feed], probes)
    assert not found, f"{feed}:\n" + "\n".join(found)


# --- a subscription: vdirsyncer syncs the URL, khal shows it ------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator:
    """`showcal serve` of the example catalogue on 127.0.0.1."""
    require_tools(subscription.missing())
    folder = tmp_path_factory.mktemp("subscribe")
    data = folder / "data" / "events.yaml"
    data.parent.mkdir()
    data.write_bytes(EXAMPLES.read_bytes())
    port = free_port()
    server = start(serve_command(data, port), port, data, folder / "serve.log")
    yield server
    stop(server)


def as_shown(data: bytes) -> list[Seen]:
    """The feed's events as a subscriber's list shows them: no UID (see subscription.py), no SEQUENCE."""
    events = client_parsers.with_icalendar(data).events
    return sorted((Seen(None, e.summary, e.start, e.end, e.status, None) for e in events), key=repr)


def fetch(server, path: str) -> bytes:
    status, _, body = server.request(path)
    assert status == 200 and server.process.poll() is None, server.log.read_text(errors="replace")
    return body


def check_subscription(url: str, data: bytes, folder: Path) -> None:
    expected = as_shown(data)
    days = [d.date() if isinstance(d, datetime) else d for e in expected for d in (e.start, e.end)]
    result = subscription.subscribe(url, folder, min(days) - timedelta(days=1), max(days) + timedelta(days=1))
    assert result.items == len(expected), f"vdirsyncer wrote {result.items} items for {len(expected)} events"
    assert sorted(result.events, key=repr) == expected, f"khal lists other events; it said:\n{result.warnings}"


@pytest.mark.parametrize("slug", EXAMPLE_SHOWS)
def test_a_vdirsyncer_subscription_shown_by_khal_holds_exactly_the_feeds_events(served, slug, tmp_path):
    body = fetch(served, f"/shows/{slug}.ics")
    check_subscription(f"http://127.0.0.1:{served.port}/shows/{slug}.ics", body, tmp_path)


# --- refreshing a subscription after edits ---------------------------------------------------------


@pytest.fixture
def published(tmp_path) -> Iterator:
    """The shipped data, built (so the revision record is beside it) and served live on 127.0.0.1."""
    require_tools(subscription.missing())
    data = tmp_path / "data" / "events.yaml"
    data.parent.mkdir()
    data.write_bytes((ROOT / "events.yaml").read_bytes())
    assert runner_build(data) == 0
    port = free_port()
    server = start(serve_command(data, port), port, data, tmp_path / "serve.log")
    yield server
    stop(server)


def runner_build(data: Path) -> int:
    command = [sys.executable, "-m", "showcal", "build", str(data), "--quiet"]
    return subprocess.run(command, timeout=120, capture_output=True).returncode


def delete_blu_ray(text: str) -> str:
    start, end = text.index("      - id: s1-blu-ray"), text.index("      - run: s02")
    return text[:start] + text[end:]


EDITS = (
    # (what a curator does, the edit, how many items the refresh must add and remove)
    ("retitle", lambda t: t.replace("title: Panel at CCXP24", "title: Severance panel at CCXP24"), 1, 1),
    ("move", lambda t: t.replace("date: 2024-12-17", "date: 2024-12-20"), 1, 1),
    ("cancel", lambda t: t.replace("        date: 2024-12-07\n", "        date: 2024-12-07\n        status: cancelled\n"), 1, 1),
    ("delete", delete_blu_ray, 0, 1),
)  # fmt: skip


@pytest.mark.parametrize("path", ["/shows/severance.ics", "/all.ics"])
def test_a_subscription_follows_a_retitle_a_move_a_cancel_and_a_delete(published, path, tmp_path):
    """Each refresh replaces exactly the edited event (vdirsyncer keys items by content) or removes it."""
    subscriber = subscription.Subscriber(f"http://127.0.0.1:{published.port}{path}", tmp_path / "sub")
    items = subscriber.sync()
    body = fetch(published, path)
    assert len(items) == len(as_shown(body)) >= 12
    text = published.data.read_text(encoding="utf-8")
    for step, (what, edit, added, removed) in enumerate(EDITS, 1):
        text = edit(text)
        then = 1_800_000_000 + 100 * step  # a later modification time each time: the data's time
        published.data.write_text(text, encoding="utf-8")
        os.utime(published.data, (then, then))
        deadline = datetime.now(UTC) + timedelta(seconds=15)
        while fetch(published, path) == body and datetime.now(UTC) < deadline:
            time.sleep(0.2)
        body = fetch(published, path)
        before, items = items, subscriber.sync()
        gone, came = before.keys() - items.keys(), items.keys() - before.keys()
        assert (len(came), len(gone)) == (added, removed), f"after the {what}: +{len(came)} -{len(gone)} items"
        expected = as_shown(body)
        days = [d.date() if isinstance(d, datetime) else d for e in expected for d in (e.start, e.end)]
        listed = subscriber.listed(min(days) - timedelta(days=1), max(days) + timedelta(days=1))
        assert sorted(listed.events, key=repr) == expected, f"after the {what}, khal lists:\n{listed.events}"
