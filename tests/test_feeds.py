"""Feeds as subscribers' calendars read them: parsed by three independent parsers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from parsers import read_feed, text_value

from showcal.feeds import Feeds
from showcal.options import FeedOptions, Variant, parse_options
from showcal.validate import load_catalog

ROOT = Path(__file__).parent.parent
EXAMPLES = Path(__file__).parent / "data" / "examples.yaml"


@pytest.fixture(scope="module")
def shipped() -> Feeds:
    return Feeds(load_catalog(ROOT / "events.yaml"))


@pytest.fixture(scope="module")
def examples() -> Feeds:
    return Feeds(load_catalog(EXAMPLES))


def by_uid(data: bytes) -> dict:
    return {e.uid: e for e in read_feed(data)}


def vevents(data: bytes) -> dict[str, icalendar.Event]:
    return {str(e["UID"]): e for e in icalendar.Calendar.from_ical(data).walk("VEVENT")}


@pytest.mark.parametrize("path", sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "feeds").rglob("*.ics")))
def test_every_committed_feed_passes_the_parser_battery(path):
    events = read_feed((ROOT / path).read_bytes())
    assert events, f"{path} has no events"


def test_severance_feed_has_the_seed_dates_and_ten_fridays(shipped):
    events = read_feed(shipped.show_feed(shipped.catalog.show("severance")))
    days = sorted(e.start for e in events)
    fridays = [date(2025, 1, 17) + timedelta(weeks=n) for n in range(10)]
    assert days == [date(2024, 12, 7), date(2024, 12, 17), *fridays]
    assert all(d.weekday() == 4 for d in fridays) and fridays[-1] == date(2025, 3, 21)
    assert all(e.end == e.start + timedelta(days=1) for e in events), "all-day events end the next day, exclusive"
    assert all(e.summary.startswith("Severance: ") for e in events)
    premiere = next(e for e in events if e.start == date(2025, 1, 17))
    assert premiere.uid == "s02e01.severance@showcal"
    assert "premiere" in premiere.summary


def test_undated_events_never_reach_a_feed(shipped, examples):
    for feeds, undated in ((shipped, {"s03-premiere.severance@showcal"}),
                           (examples, {"movie.example-pokemon@showcal", "s03.example-nights@showcal"})):  # fmt: skip
        assert undated == {e.uid for e in feeds.catalog.events if not e.dated}
        assert not undated & by_uid(feeds.combined()).keys()
        for show in feeds.catalog.shows:
            assert not undated & by_uid(feeds.show_feed(show)).keys()


def test_timed_events_name_their_zone_and_each_zone_is_defined_once(examples):
    data = examples.combined()
    cal = icalendar.Calendar.from_ical(data)
    zones = [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")]
    assert sorted(zones) == ["America/New_York", "Asia/Tokyo", "Europe/London"]
    premiere = vevents(data)["tokyo-premiere.example-pokemon@showcal"]
    assert premiere["DTSTART"].params["TZID"] == "Asia/Tokyo"
    seen = by_uid(data)["tokyo-premiere.example-pokemon@showcal"]
    assert seen.start == datetime(2025, 5, 31, 15, 30, tzinfo=UTC)
    assert seen.end == datetime(2025, 5, 31, 17, 0, tzinfo=UTC)


def test_a_show_feed_carries_only_the_zones_it_uses(examples):
    data = examples.show_feed(examples.catalog.show("example-pokemon"))
    zones = [str(tz["TZID"]) for tz in icalendar.Calendar.from_ical(data).walk("VTIMEZONE")]
    assert sorted(zones) == ["America/New_York", "Asia/Tokyo"]


def test_a_repeated_hour_means_its_first_occurrence(examples):
    # 01:30 on 2025-11-02 happens twice in New York; RFC 5545 and showcal take the first (EDT).
    seen = by_uid(examples.combined())["fall-back.example-nights@showcal"]
    assert seen.start == datetime(2025, 11, 2, 5, 30, tzinfo=UTC)
    assert seen.end == datetime(2025, 11, 2, 6, 0, tzinfo=UTC), "30 minutes later, in the repeated hour"


def test_a_weekly_run_keeps_its_wall_clock_time_across_a_clock_change(examples):
    seen = by_uid(examples.combined())
    starts = [seen[f"s01e0{n}.example-pokemon@showcal"].start for n in range(1, 5)]
    assert starts == [
        datetime(2025, 10, 20, 1, 0, tzinfo=UTC),  # 21:00 EDT
        datetime(2025, 10, 27, 1, 0, tzinfo=UTC),
        datetime(2025, 11, 3, 2, 0, tzinfo=UTC),  # 21:00 EST, after the clocks went back
        datetime(2025, 11, 10, 2, 0, tzinfo=UTC),
    ]


def test_multi_day_events_end_the_day_after_their_last_day(examples):
    seen = by_uid(examples.combined())["fan-expo.example-pokemon@showcal"]
    assert (seen.start, seen.end) == (date(2025, 8, 21), date(2025, 8, 25))


def test_text_with_non_ascii_and_special_characters_survives_every_parser(examples):
    data = examples.combined()  # read_feed also checks 75-octet lines that never split a character
    show = examples.catalog.show("example-pokemon")
    seen = by_uid(data)["tokyo-premiere.example-pokemon@showcal"]
    assert seen.summary == f"{show.title}: Premiere in 東京, with fireworks; 🎆 and a \\ backslash"
    event = vevents(data)["tokyo-premiere.example-pokemon@showcal"]
    assert str(event["LOCATION"]) == "Shibuya, 東京; Japan \\ Hall 1"
    assert "ポケモン 🎉🎉🎉🎉🎉🎉" in str(event["DESCRIPTION"])
    assert "Example Net; Tokyo, Japan \\ Kantō" in str(event["DESCRIPTION"])
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Premiere", show.title]
    assert max(len(line) for line in data.split(b"\r\n")) == 75, "long lines were folded, not left long"


def test_every_event_is_transparent_categorised_and_sourced(shipped):
    for event in vevents(shipped.combined()).values():
        assert event["TRANSP"] == "TRANSPARENT"
        assert event["DTSTAMP"] and event["SEQUENCE"] == 0
        assert str(event["URL"]).startswith("https://")
        assert "Source: https://" in str(event["DESCRIPTION"])


def test_statuses(examples):
    seen = by_uid(examples.combined())
    assert seen["london-panel.example-nights@showcal"].status == "TENTATIVE"
    assert seen["cancelled-screening.example-nights@showcal"].status == "CANCELLED"
    assert seen["postponed-panel.example-nights@showcal"].status == "CANCELLED"
    assert seen["postponed-panel.example-nights@showcal"].summary.endswith("(postponed)")
    assert seen["fan-expo.example-pokemon@showcal"].status == "CONFIRMED"


def test_calendar_properties(examples):
    cal = icalendar.Calendar.from_ical(examples.combined())
    assert (cal["VERSION"], cal["PRODID"]) == ("2.0", "-//showcal//showcal//EN")
    assert "METHOD" not in cal, "a subscription is not an iTIP message; Outlook reads no METHOD as PUBLISH"
    assert "UID" not in cal, "vdirsyncer would take a calendar UID for every event's"
    # icalendar reads NAME and the X-WR- names raw; they are TEXT, so decode them as such.
    assert text(cal["NAME"]) == text(cal["X-WR-CALNAME"]) == "Example listings"
    assert cal["DESCRIPTION"] == text(cal["X-WR-CALDESC"]) == "Example shows for the test suite; none of them is real."
    assert cal.decoded("REFRESH-INTERVAL") == timedelta(hours=6)
    assert cal["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert icalendar.vDuration.from_ical(str(cal["X-PUBLISHED-TTL"])) == timedelta(hours=6)
    assert "SOURCE" not in cal, "no public address configured, so no SOURCE"
    show = icalendar.Calendar.from_ical(examples.show_feed(examples.catalog.show("example-nights")))
    assert text(show["X-WR-CALNAME"]) == "Example Nights"


def text(value) -> str:
    return text_value(value)


def test_source_and_url_when_the_site_has_a_public_address(tmp_path):
    text = EXAMPLES.read_text().replace("  refresh: 6h\n", "  refresh: 6h\n  url: https://tv.example.org/\n")
    (tmp_path / "events.yaml").write_text(text)
    feeds = Feeds(load_catalog(tmp_path / "events.yaml"))
    cal = icalendar.Calendar.from_ical(feeds.show_feed(feeds.catalog.show("example-nights")))
    assert cal["SOURCE"] == "https://tv.example.org/shows/example-nights.ics"
    assert cal["URL"] == "https://tv.example.org/"


def test_single_event_file_has_the_same_uid_and_times_as_the_feeds(examples):
    event = examples.by_uid["tokyo-premiere.example-pokemon@showcal"]
    single = read_feed(examples.single(event))
    assert single == [by_uid(examples.combined())[event.uid]]


def test_all_day_option_uses_the_date_in_the_events_own_zone(examples):
    options = parse_options({"all_day": "1"})
    seen = by_uid(examples.combined(options))
    # 00:30 in Tokyo is still May 31 in UTC (and in New York, the site's zone): the date is Tokyo's.
    assert (seen["tokyo-premiere.example-pokemon@showcal"].start,
            seen["tokyo-premiere.example-pokemon@showcal"].end) == (date(2025, 6, 1), date(2025, 6, 2))  # fmt: skip
    assert all(not isinstance(e.start, datetime) for e in seen.values())
    assert not icalendar.Calendar.from_ical(examples.combined(options)).walk("VTIMEZONE")


def test_utc_option_writes_utc_times_and_no_zones(examples):
    data = examples.combined(parse_options({"utc": "1"}))
    cal = icalendar.Calendar.from_ical(data)
    assert not cal.walk("VTIMEZONE")
    premiere = vevents(data)["tokyo-premiere.example-pokemon@showcal"]
    assert "TZID" not in premiere["DTSTART"].params
    assert premiere.decoded("DTSTART") == datetime(2025, 5, 31, 15, 30, tzinfo=UTC)
    assert by_uid(data) == by_uid(examples.combined()), "the same moments, only written differently"


def test_spoiler_free_option_drops_episode_titles_and_synopses(examples):
    data = examples.combined(parse_options({"spoiler_free": "yes"}))
    seen = by_uid(data)
    assert seen["s01e01.example-pokemon@showcal"].summary.endswith(": S1 E1 (season premiere)")
    assert seen["s01e03.example-pokemon@showcal"].summary.endswith(": S1 E3")
    assert "ポケモン" not in str(vevents(data)["tokyo-premiere.example-pokemon@showcal"]["DESCRIPTION"])


def test_reminder_option_adds_an_alarm_with_the_lead_time(examples):
    data = examples.combined(parse_options({"reminder": "2h"}))
    for event in vevents(data).values():
        (alarm,) = event.walk("VALARM")
        assert alarm["ACTION"] == "DISPLAY"
        assert alarm.decoded("TRIGGER") == timedelta(hours=-2)
    assert not vevents(examples.combined())["fan-expo.example-pokemon@showcal"].walk("VALARM")


def test_kinds_option_keeps_only_those_kinds(examples):
    seen = by_uid(examples.combined(parse_options({"kinds": "premiere,finale"})))
    assert sorted(seen) == ["s01e01.example-pokemon@showcal", "s01e04.example-pokemon@showcal",
                            "tokyo-premiere.example-pokemon@showcal"]  # fmt: skip


def test_past_and_future_window_counts_days_from_today(examples):
    options = parse_options({"past": "1", "future": "7"})
    seen = by_uid(examples.combined(options, today=date(2025, 9, 2)))
    assert sorted(seen) == ["s02e01.example-nights@showcal", "s02e02.example-nights@showcal"]


def test_an_event_is_rendered_once_and_reused_everywhere(examples):
    event = examples.by_uid["fan-expo.example-pokemon@showcal"]
    once = examples.event_bytes(event)
    assert once in examples.combined()
    assert once in examples.show_feed(examples.catalog.show("example-pokemon"))
    assert once in examples.single(event)
    assert examples.event_bytes(event) is once


def test_bundle_holds_exactly_the_shows_named(examples):
    shows = [examples.catalog.show("example-nights"), examples.catalog.show("example-pokemon")]
    bundle = by_uid(examples.bundle(shows, FeedOptions(), path="bundles/x.ics"))
    assert bundle == by_uid(examples.combined())
    cal = icalendar.Calendar.from_ical(examples.bundle(shows[:1], FeedOptions(), path="x.ics"))
    assert cal["X-WR-CALNAME"] == "Example Nights"


def test_variants_are_values(examples):
    assert parse_options({"utc": "1"}).variant == Variant(utc=True)


CLOCKS = Path(__file__).parent / "data" / "clocks.yaml"


@pytest.fixture(scope="module")
def clocks() -> Feeds:
    return Feeds(load_catalog(CLOCKS))


def test_times_in_a_repeated_hour_are_written_in_utc_and_mean_the_first_occurrence(clocks):
    """Thunderbird, Evolution and node-ical read a repeated local time as its second occurrence, RFC 5545 as its first."""
    data = clocks.combined()
    events = vevents(data)
    seen = by_uid(data)
    expected = {
        "lord-howe-back": datetime(2025, 4, 5, 14, 45, tzinfo=UTC),  # 01:45 +11:00, before clocks go back
        "chatham-back": datetime(2025, 4, 5, 13, 15, tzinfo=UTC),  # 03:00 +13:45
        "st-johns-back": datetime(2025, 11, 2, 4, 0, tzinfo=UTC),  # 01:30 -02:30
        "london-back": datetime(2025, 10, 26, 0, 30, tzinfo=UTC),  # 01:30 BST
    }
    for event_id, start in expected.items():
        uid = f"{event_id}.example-clocks@showcal"
        assert seen[uid].start == start
        assert "TZID" not in events[uid]["DTSTART"].params, f"{event_id}: an ambiguous local time must be UTC"
    ends_in_repeat = events["london-ends-in-repeat.example-clocks@showcal"]
    assert ends_in_repeat["DTSTART"].params["TZID"] == "Europe/London", "00:30 is not ambiguous: keep the zone"
    assert "TZID" not in ends_in_repeat["DTEND"].params
    assert seen["london-ends-in-repeat.example-clocks@showcal"].end == datetime(2025, 10, 26, 0, 15, tzinfo=UTC)
    for uid, event in events.items():
        for key in ("DTSTART", "DTEND"):
            tzid = event[key].params.get("TZID")
            if tzid:
                local = event.decoded(key).replace(tzinfo=None)
                zone = ZoneInfo(tzid)
                folds = {local.replace(tzinfo=zone, fold=f).utcoffset() for f in (0, 1)}
                assert len(folds) == 1, f"{uid} {key} {local} is ambiguous in {tzid}"


def test_a_weekly_run_keeps_its_wall_time_across_the_clock_change(clocks):
    seen = by_uid(clocks.show_feed(clocks.catalog.show("example-clocks")))
    zone = ZoneInfo("America/St_Johns")
    starts = [seen[f"s01e0{n}.example-clocks@showcal"].start.astimezone(zone) for n in range(1, 5)]
    assert [s.strftime("%Y-%m-%d %H:%M") for s in starts] == [
        "2025-10-19 21:00", "2025-10-26 21:00", "2025-11-02 21:00", "2025-11-09 21:00",
    ]  # fmt: skip
    assert starts[1].utcoffset() != starts[2].utcoffset()


def test_calendar_level_text_is_escaped_so_every_field_reads_back_whole(clocks):
    show = clocks.catalog.show("example-clocks")
    site = clocks.catalog.site
    for data, name, about in (
        (clocks.show_feed(show), show.title, show.description),
        (clocks.combined(), site.title, site.description),
        (
            clocks.bundle([show, show], path="bundles/x.ics"),
            f"{show.title}, {show.title}",
            f"Dates for {show.title}, {show.title}.",
        ),  # fmt: skip
    ):
        cal = icalendar.Calendar.from_ical(data)
        assert text_value(cal["NAME"]) == text_value(cal["X-WR-CALNAME"]) == name
        assert str(cal["DESCRIPTION"]) == text_value(cal["X-WR-CALDESC"]) == about
        read_feed(data)
    assert "\n" in show.description and "\\" in show.description


def test_source_is_the_feed_itself_with_its_options(tmp_path):
    text = CLOCKS.read_text().replace("  refresh: 1d\n", "  refresh: 1d\n  url: https://tv.example.org/\n")
    (tmp_path / "events.yaml").write_text(text)
    feeds = Feeds(load_catalog(tmp_path / "events.yaml"))
    options = parse_options({"utc": "1", "kinds": "premiere"})
    cal = icalendar.Calendar.from_ical(feeds.combined(options))
    assert cal["SOURCE"] == "https://tv.example.org/all.ics?kinds=premiere&utc=1"
    plain = icalendar.Calendar.from_ical(feeds.combined())
    assert plain["SOURCE"] == "https://tv.example.org/all.ics"
