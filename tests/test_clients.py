"""Every feed as the parsers of real calendar clients read it, and as a vdirsyncer + khal subscription shows it.

The feeds are the committed build (feeds/) and the example catalogue's
(tests/data/examples.yaml), which holds the hard cases: time zones, a weekly run
across a clock change, the repeated hour, non-ASCII text. All of them are read
once, by every parser, in one batch (`client_parsers.read_many`).

Tests marked xfail fail today because of known bugs in showcal's output, named
in each reason; each has a companion test that fixes a copy of the feed by hand,
in that one respect, and shows the same check then passes.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import client_parsers
import icalendar
import pytest
import subscription
from client_parsers import Reading, Seen, assert_same_instants, differences, read_many, zone_differences, zone_probes
from test_http import free_port, serve_command, start, stop

from showcal.feeds import Feeds
from showcal.validate import load_catalog

ROOT = Path(__file__).parent.parent
EXAMPLES = Path(__file__).parent / "data" / "examples.yaml"
COMMITTED = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "feeds").rglob("*.ics"))
EXAMPLE_SHOWS = [show.slug for show in load_catalog(EXAMPLES).shows]
BUILT = ["examples/all.ics", *(f"examples/shows/{slug}.ics" for slug in EXAMPLE_SHOWS)]
FEEDS = COMMITTED + BUILT

# The known bugs, each as the reason of the tests it breaks.
REPEATED_HOUR = (
    "known bug: a local time in the hour that repeats when clocks go back (fall-back, 2025-11-02T01:30 "
    "America/New_York) is written with its TZID; ical.js, node-ical, libical and Perl's DateTime read the "
    "second occurrence (06:30Z), icalendar, ical, vobject, ics, Ruby and PHP the first (05:30Z)"
)
VTIMEZONE_COMMENT = "known bug: every VTIMEZONE carries a COMMENT, which RFC 5545 does not allow there (libical: 'Expected 0 instances of the property and got 1')"
ONSETS = "known bug: VTIMEZONE DAYLIGHT onsets are written in the new local time (03:00 in New York, 02:00 in London), an hour after the real transition"
CALENDAR_UID = "known bug: the calendar-level UID line, which vdirsyncer takes as every item's UID, so the feed collapses to its last event"
CALENDAR_TEXT = (
    "found here: X-WR-CALDESC is written without TEXT escaping, so vobject stops at the first comma, "
    "Ruby's icalendar splits at ';' and libical drops the 's' after a backslash"
)
PUBLISH_ORGANIZER = (
    "found here: the feeds say METHOD:PUBLISH, and RFC 5546 (3.2.1) requires ORGANIZER in every VEVENT of a "
    "PUBLISH; libical's iTIP check reports each one"
)

WITH_REPEATED_HOUR = {"examples/all.ics", "examples/shows/example-nights.ics"}
WITH_ZONES = set(BUILT)
WITH_SPECIAL_CALDESC = {"feeds/all.ics", "examples/all.ics", "examples/shows/example-pokemon.ics"}


def marked(feeds: list[str], reason: str, broken: set[str]) -> list:
    return [pytest.param(f, marks=pytest.mark.xfail(strict=True, reason=reason)) if f in broken else f for f in feeds]


def require_tools(absent: list[str]) -> None:
    """A missing parser or tool fails in CI, where scripts/test installs it, and skips only on a developer's machine."""
    if absent:
        message = "missing: " + "; ".join(absent) + " (scripts/test installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(scope="module")
def examples() -> Feeds:
    return Feeds(load_catalog(EXAMPLES))


@pytest.fixture(scope="module")
def feeds(examples) -> dict[str, bytes]:
    built = {"examples/all.ics": examples.combined()}
    built |= {f"examples/shows/{show.slug}.ics": examples.show_feed(show) for show in examples.catalog.shows}
    return {path: (ROOT / path).read_bytes() for path in COMMITTED} | built


@pytest.fixture(scope="module")
def probes(feeds) -> list[int]:
    return zone_probes(list(feeds.values()))


@pytest.fixture(scope="module")
def readings(feeds, probes) -> dict[str, dict[str, Reading]]:
    """Every feed as every parser reads it: one run of each runtime for all of them."""
    require_tools(client_parsers.missing())
    return dict(zip(feeds, read_many(list(feeds.values()), probes), strict=True))


def expected_names(feeds: dict[str, bytes], examples: Feeds) -> dict[str, str | None]:
    """The calendar's name as the catalogue gives it; None for a single-event file, which has none."""
    shipped = load_catalog(ROOT / "events.yaml")
    names = {"feeds/all.ics": shipped.site.title, "examples/all.ics": examples.catalog.site.title}
    names |= {f"feeds/shows/{s.slug}.ics": s.title for s in shipped.shows}
    names |= {f"examples/shows/{s.slug}.ics": s.title for s in examples.catalog.shows}
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


@pytest.mark.parametrize("feed", marked(FEEDS, REPEATED_HOUR, WITH_REPEATED_HOUR))
def test_every_parser_reads_every_event_at_the_same_instants(readings, feed):
    assert_same_instants(readings[feed], feed)


@pytest.mark.parametrize("feed", FEEDS)
def test_every_parser_reads_the_same_summary_status_and_sequence(readings, feed):
    found = differences(readings[feed], fields=("summary", "status", "sequence"))
    assert not found, f"{feed}:\n" + "\n".join(found)


@pytest.mark.xfail(strict=True, reason=REPEATED_HOUR)
def test_every_parser_reads_the_repeated_hour_as_its_first_occurrence(readings):
    # RFC 5545 (3.3.5): a local time that occurs twice means its first occurrence, 01:30 EDT.
    for feed in sorted(WITH_REPEATED_HOUR):
        for name, reading in readings[feed].items():
            (seen,) = [e for e in reading.events if e.uid == "fall-back.example-nights@showcal"]
            assert seen.start == datetime(2025, 11, 2, 5, 30, tzinfo=UTC), f"{feed}: {name} reads {seen.start}"


@pytest.mark.parametrize("feed", marked(FEEDS, CALENDAR_TEXT, WITH_SPECIAL_CALDESC))
def test_every_parser_reads_the_calendar_name_and_description(readings, feeds, examples, feed):
    name, about = expected_names(feeds, examples)[feed], described(feeds[feed])
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


@pytest.mark.parametrize("feed", marked(FEEDS, VTIMEZONE_COMMENT, WITH_ZONES))
def test_libical_finds_no_rfc_5545_violation(readings, feed):
    found = [v for v in readings[feed]["libical"].violations if not v.startswith("RFC 5546")]
    assert not found, f"{feed}:\n" + "\n".join(found)


@pytest.mark.xfail(strict=True, reason=PUBLISH_ORGANIZER)
def test_libical_finds_no_itip_violation(readings):
    found = [
        f"{feed}: {v}"
        for feed, seen in readings.items()
        for v in seen["libical"].violations
        if v.startswith("RFC 5546")
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("feed", marked(sorted(WITH_ZONES), ONSETS, WITH_ZONES))
def test_vtimezones_change_offset_when_the_zone_database_does(readings, feeds, probes, feed):
    # libical (Evolution) and vobject (dateutil) build the zone from the VTIMEZONE itself.
    assert [n for n, r in readings[feed].items() if r.offsets is not None] == ["vobject", "libical"]
    found = zone_differences(readings[feed], feeds[feed], probes)
    assert not found, f"{feed}:\n" + "\n".join(found)


# --- the same checks on copies fixed by hand, one bug each ---------------------------------------


def _recompose(data: bytes, change: Callable[[icalendar.Calendar], None]) -> bytes:
    cal = icalendar.Calendar.from_ical(data)
    change(cal)
    return cal.to_ical()


def repeated_hour_in_utc(data: bytes) -> bytes:
    """Every DTSTART and DTEND that falls in a repeated hour written in UTC, as its first occurrence."""

    def change(cal: icalendar.Calendar) -> None:
        for event in cal.walk("VEVENT"):
            for key in ("DTSTART", "DTEND"):
                value = event.decoded(key)
                if isinstance(value, datetime) and value.tzinfo is not None:
                    first, second = value.replace(fold=0), value.replace(fold=1)
                    if first.utcoffset() != second.utcoffset():
                        del event[key]
                        event.add(key, first.astimezone(UTC))

    return _recompose(data, change)


def vtimezones_without_comment(data: bytes) -> bytes:
    def change(cal: icalendar.Calendar) -> None:
        for vtimezone in cal.walk("VTIMEZONE"):
            vtimezone.pop("COMMENT", None)

    return _recompose(data, change)


def onsets_at_the_real_transitions(data: bytes) -> bytes:
    """Each observance's DTSTART moved to the zone database's transition nearest it, in the offset before it."""

    def change(cal: icalendar.Calendar) -> None:
        for vtimezone in cal.walk("VTIMEZONE"):
            zone = str(vtimezone["TZID"])
            for observance in vtimezone.walk():
                if observance.name not in ("STANDARD", "DAYLIGHT"):
                    continue
                before, local = observance["TZOFFSETFROM"].td, observance.decoded("DTSTART").replace(tzinfo=None)
                written = (local - before).replace(tzinfo=UTC)
                real = [
                    datetime.fromtimestamp(t, UTC)
                    for t in client_parsers._transitions(zone, local.year, local.year)  # noqa: SLF001
                    if abs(datetime.fromtimestamp(t, UTC) - written) <= timedelta(hours=3)
                ]
                if real:
                    del observance["DTSTART"]
                    observance.add("DTSTART", (real[0] + before).replace(tzinfo=None))

    return _recompose(data, change)


def without_calendar_uid(data: bytes) -> bytes:
    return _recompose(data, lambda cal: cal.pop("UID", None))


def calendar_text_escaped(data: bytes) -> bytes:
    """X-WR-CALDESC as TEXT, escaped, saying what DESCRIPTION says."""

    def change(cal: icalendar.Calendar) -> None:
        if "X-WR-CALDESC" in cal:
            cal["X-WR-CALDESC"] = icalendar.vText(str(cal["DESCRIPTION"]))

    return _recompose(data, change)


FIXES = {
    "repeated hour": repeated_hour_in_utc,
    "comment": vtimezones_without_comment,
    "onsets": onsets_at_the_real_transitions,
    "calendar uid": without_calendar_uid,
    "calendar text": calendar_text_escaped,
}


@pytest.fixture(scope="module")
def fixed(feeds, probes) -> dict[tuple[str, str], tuple[bytes, dict[str, Reading]]]:
    """Each fix applied alone to a copy of each feed, all read in one batch."""
    require_tools(client_parsers.missing())
    copies = {(fix, path): repair(data) for fix, repair in FIXES.items() for path, data in feeds.items()}
    seen = read_many(list(copies.values()), probes)
    return {key: (copies[key], reading) for key, reading in zip(copies, seen, strict=True)}


def test_the_fixes_change_only_what_they_fix(feeds, fixed):
    fall_back = datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    for (fix, path), (data, reading) in fixed.items():
        original = {e.uid: e for e in client_parsers.with_icalendar(feeds[path]).events}
        assert {e.uid: e for e in reading["icalendar"].events} == original, f"{fix} changed the events of {path}"
        text = data.decode()
        if fix == "repeated hour" and path in WITH_REPEATED_HOUR:
            assert "DTSTART:20251102T053000Z" in text.replace("\r\n", "\n")
        if fix == "comment":
            assert "COMMENT" not in text
        if fix == "calendar uid":
            assert "\nUID:" + path not in text and not icalendar.Calendar.from_ical(data).get("UID")
    assert fall_back == datetime(2025, 11, 2, 1, 30, tzinfo=ZoneInfo("America/New_York")).astimezone(UTC)


def test_every_parser_agrees_once_the_repeated_hour_is_written_in_utc(fixed):
    for path in sorted(WITH_REPEATED_HOUR):
        data, reading = fixed["repeated hour", path]
        assert_same_instants(reading, f"{path} with the repeated hour in UTC")
        for name, seen in reading.items():
            (event,) = [e for e in seen.events if e.uid == "fall-back.example-nights@showcal"]
            assert event.start == datetime(2025, 11, 2, 5, 30, tzinfo=UTC), name


def test_libical_finds_no_rfc_5545_violation_once_vtimezones_have_no_comment(fixed):
    for path in sorted(WITH_ZONES):
        found = [v for v in fixed["comment", path][1]["libical"].violations if not v.startswith("RFC 5546")]
        assert not found, f"{path}:\n" + "\n".join(found)


def test_vtimezones_change_offset_with_the_zone_database_once_onsets_are_real(fixed, probes):
    for path in sorted(WITH_ZONES):
        data, reading = fixed["onsets", path]
        assert not zone_differences(reading, data, probes), path
        assert_same_instants(reading, path) if path not in WITH_REPEATED_HOUR else None


def test_every_parser_reads_the_calendar_description_once_it_is_escaped(fixed):
    for path in sorted(WITH_SPECIAL_CALDESC):
        data, reading = fixed["calendar text", path]
        about = described(data)
        wrong = {n: r.caldesc for n, r in reading.items() if r.caldesc is not None and r.caldesc != about}
        assert not wrong, f"{path}: {wrong}"


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


@pytest.fixture
def static(tmp_path) -> Iterator[tuple[Path, int]]:
    """A plain file server on 127.0.0.1 for hand-fixed copies of a feed."""
    folder = tmp_path / "www"
    folder.mkdir()
    handler = partial(QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, server.server_address[1]
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the name is the base class's
        pass


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


@pytest.mark.parametrize(
    "slug",
    [
        pytest.param("example-pokemon", marks=pytest.mark.xfail(strict=True, reason=CALENDAR_UID)),
        pytest.param("example-nights", marks=pytest.mark.xfail(strict=True, reason=f"{CALENDAR_UID}; {REPEATED_HOUR}; khal refuses that event: 'DTEND is older than DTSTART'")),
    ],
)  # fmt: skip
def test_a_vdirsyncer_subscription_shown_by_khal_holds_exactly_the_feeds_events(served, slug, tmp_path):
    body = fetch(served, f"/shows/{slug}.ics")
    check_subscription(f"http://127.0.0.1:{served.port}/shows/{slug}.ics", body, tmp_path)


@pytest.mark.parametrize("slug", EXAMPLE_SHOWS)
def test_a_subscription_holds_the_feeds_events_once_the_known_bugs_are_fixed(served, static, slug, tmp_path):
    fixed = repeated_hour_in_utc(without_calendar_uid(fetch(served, f"/shows/{slug}.ics")))
    folder, port = static
    (folder / f"{slug}.ics").write_bytes(fixed)
    check_subscription(f"http://127.0.0.1:{port}/{slug}.ics", fixed, tmp_path / "sub")
