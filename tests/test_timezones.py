"""VTIMEZONEs as readers use them: parsed back, expanded, and compared with the zone database.

The zone's real transitions are found here independently of showcal: UTC
instants walked at a fixed step (an hour for short ranges), then hour by
hour, minute by minute and second by second where something changed. The
VTIMEZONE is read back with icalendar (whose definitions go through
dateutil) and with libical, the library Evolution uses.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import zoneinfo
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr
from needs import missing

from showcal.feeds import Feeds
from showcal.model import Timed
from showcal.timezones import vtimezone
from showcal.validate import load_catalog

HERE = Path(__file__).parent
SYSTEM_PYTHON = "/usr/bin/python3"

ZONES = [
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Lord_Howe",  # daylight saving of 30 minutes
    "Pacific/Chatham",  # +12:45, changing at 02:45 local
    "America/St_Johns",  # -03:30
    "Asia/Kathmandu",  # +05:45, no change since 1986
    "Asia/Kolkata",  # no change since 1945
    "Asia/Tokyo",  # no change since 1951
    "Australia/Sydney",  # southern hemisphere
    "America/Sao_Paulo",  # daylight saving abolished in 2019
]
ONE_YEAR = (date(2026, 1, 1), date(2026, 12, 31))
DECADE = (date(2015, 1, 1), date(2024, 12, 31))
CENTURIES = (date(1900, 1, 1), date(2200, 12, 31))
CASES = [(zone, *span, timedelta(hours=1)) for zone in ZONES for span in (ONE_YEAR, DECADE)] + [
    (zone, *CENTURIES, timedelta(hours=12))
    for zone in ("America/Los_Angeles", "Europe/London", "Australia/Lord_Howe", "America/Sao_Paulo")
]

ALLOWED = {
    "VTIMEZONE": {"TZID", "LAST-MODIFIED", "TZURL"},
    "STANDARD": {"DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "RRULE", "RDATE", "TZNAME", "COMMENT"},
    "DAYLIGHT": {"DTSTART", "TZOFFSETFROM", "TZOFFSETTO", "RRULE", "RDATE", "TZNAME", "COMMENT"},
}
Onset = tuple[datetime, timedelta, timedelta, str, bool]
"""A transition: UTC instant, offset before and after, abbreviation after, daylight saving after."""


def observed(zone: ZoneInfo, at: datetime) -> tuple[timedelta, timedelta, str]:
    local = at.astimezone(zone)
    return local.utcoffset(), local.dst(), local.tzname()


@cache
def zone_transitions(tzid: str, start: datetime, stop: datetime, step: timedelta) -> list[Onset]:
    """Every transition in [start, stop): walk at `step`, then narrow down unit by unit."""
    zone = ZoneInfo(tzid)
    found = []
    at, state = start, observed(zone, start)
    while at < stop:
        if observed(zone, at + step) == state:
            at += step
            continue
        for unit in (timedelta(hours=1), timedelta(minutes=1), timedelta(seconds=1)):
            while observed(zone, at + unit) == state:
                at += unit
        at += timedelta(seconds=1)
        after = observed(zone, at)
        found.append((at, state[0], after[0], after[2], bool(after[1])))
        state = after
    return found


def wrap(component: bytes) -> bytes:
    """A calendar holding one VTIMEZONE, to hand to parsers."""
    head = icalendar.Calendar.new(prodid="-//showcal//tests//EN").to_ical()
    return head.replace(b"END:VCALENDAR\r\n", component + b"END:VCALENDAR\r\n")


def parsed(data: bytes) -> icalendar.Timezone:
    [vtz] = icalendar.Calendar.from_ical(wrap(data)).walk("VTIMEZONE")
    return vtz


def onsets(vtz: icalendar.Timezone, until: datetime) -> list[Onset]:
    """Every onset the VTIMEZONE defines up to `until`: DTSTART, RRULE and RDATE read with TZOFFSETFROM."""
    found = []
    for observance in vtz.subcomponents:
        before, after = observance.TZOFFSETFROM, observance.TZOFFSETTO
        fixed = timezone(before)
        start = observance.DTSTART
        assert start.tzinfo is None, "an onset is a local time"
        locals_ = [start]
        for rrule in observance.rrules:
            expanded = rrulestr(rrule.to_ical().decode(), dtstart=start.replace(tzinfo=fixed))
            locals_ += [
                occurrence.replace(tzinfo=None)
                for occurrence in expanded.between(start.replace(tzinfo=fixed), until, inc=True)
            ]
        locals_ += [rdate.replace(tzinfo=None) for rdate, _ in observance.rdates]
        for local in set(locals_):
            instant = local.replace(tzinfo=fixed).astimezone(UTC)
            if instant <= until:
                found.append((instant, before, after, str(observance["TZNAME"]), observance.name == "DAYLIGHT"))
    return sorted(found)


def unambiguous(zone: ZoneInfo, local: datetime) -> bool:
    """Neither in a skipped hour (showcal refuses those) nor a repeated one (showcal writes those in UTC)."""
    return local.replace(tzinfo=zone, fold=0).utcoffset() == local.replace(tzinfo=zone, fold=1).utcoffset()


def samples(tzid: str, first: date, last: date, transitions: list[Onset]) -> list[datetime]:
    """Local times on both sides of every transition, and one a week (a month over centuries)."""
    zone = ZoneInfo(tzid)
    near = [
        (at + delta).astimezone(zone).replace(tzinfo=None)
        for at, *_ in transitions
        for delta in (
            timedelta(seconds=-1),
            timedelta(0),
            timedelta(minutes=1),
            timedelta(minutes=-90),
            timedelta(minutes=90),
            timedelta(days=-1),
            timedelta(days=1),
        )  # fmt: skip
    ]
    step = timedelta(days=7 if last.year - first.year < 20 else 30)
    regular, day = [], datetime(first.year, first.month, first.day, 12)
    while day.date() <= last:
        regular.append(day)
        day += step
    return sorted(t for t in set(near + regular) if first <= t.date() <= last and unambiguous(zone, t))


def span(tzid: str, first: date, last: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tzid)
    start = datetime(first.year, first.month, first.day, tzinfo=zone).astimezone(UTC)
    next_day = last + timedelta(days=1)
    return start, datetime(next_day.year, next_day.month, next_day.day, tzinfo=zone).astimezone(UTC)


@pytest.mark.parametrize(("tzid", "first", "last", "step"), CASES)
def test_every_onset_is_a_transition_and_every_transition_an_onset(tzid, first, last, step):
    vtz = parsed(vtimezone(tzid, first, last))
    start, stop = span(tzid, first, last)
    expected = zone_transitions(tzid, start, stop, step)
    defined = onsets(vtz, stop + timedelta(days=2 * 366))
    assert [o for o in defined if start <= o[0] < stop] == expected

    earlier = [o for o in defined if o[0] <= start]
    assert earlier, "no observance in force at the start of the range"
    zone = ZoneInfo(tzid)
    initial = earlier[-1]
    if initial[1] == initial[2]:  # a zone unchanged since before 1800: no onset to misread
        offset, dst, name = observed(zone, start)
        assert initial[2:] == (offset, name, bool(dst)) and not zone_transitions(tzid, initial[0], start, step)
        earlier = []
    for at, before, after, name, daylight in earlier[-1:] + [o for o in defined if o[0] >= start]:
        was, now = observed(zone, at - timedelta(seconds=1)), observed(zone, at)
        assert (was[0], now[0], now[2], bool(now[1])) == (before, after, name, daylight), f"{at} is no transition"
        assert was != now, f"nothing changes at {at}"


def test_every_zone_of_the_database_has_its_onsets_at_its_transitions():
    # Any zone a curator names ends up in a feed: check all of them over the years feeds mostly span.
    # A week's step finds every change of these years (no zone changes twice within a week).
    first, last = date(2024, 1, 1), date(2028, 12, 31)
    wrong = []
    for tzid in sorted(zoneinfo.available_timezones() - {"Factory", "localtime"}):
        start, stop = span(tzid, first, last)
        expected = zone_transitions(tzid, start, stop, timedelta(days=7))
        defined = onsets(parsed(vtimezone(tzid, first, last)), stop + timedelta(days=2 * 366))
        if [o for o in defined if start <= o[0] < stop] != expected:
            wrong.append(tzid)
    assert not wrong, f"{len(wrong)} zones with onsets off their transitions: {wrong[:10]}"


@pytest.mark.parametrize(("tzid", "first", "last", "step"), CASES)
def test_local_times_convert_through_the_definition_as_through_the_zone_database(tzid, first, last, step):
    data = vtimezone(tzid, first, last)
    definition = parsed(data).to_tz(lookup_tzid=False)  # the VTIMEZONE itself, not icalendar's own zone
    zone = ZoneInfo(tzid)
    expected = zone_transitions(tzid, *span(tzid, first, last), step)
    times = samples(tzid, first, last, expected)
    assert len(times) > 50
    wrong = [t for t in times if t.replace(tzinfo=definition).astimezone(UTC) != t.replace(tzinfo=zone).astimezone(UTC)]
    assert not wrong, f"{len(wrong)} local times convert wrongly, first {wrong[:3]}"
    # dateutil reads a zone as alternating standard and daylight time: it misplaces changes around the 1940s'
    # double summer time and 1968-71's British Standard Time (libical, below, reads those right too).
    modelled = [at for at, *_ in expected if at.year >= 1972]
    edges = [at + delta for at in modelled for delta in (timedelta(seconds=-1), timedelta(0))]
    shown = [at.astimezone(definition).utcoffset() for at in edges]
    assert shown == [observed(zone, at)[0] for at in edges], "the definition puts a change at another instant"


def test_the_vtimezone_holds_only_what_rfc_5545_allows():
    for tzid in ZONES:
        for first, last in (ONE_YEAR, DECADE, CENTURIES):
            vtz = parsed(vtimezone(tzid, first, last))
            assert set(vtz) <= ALLOWED["VTIMEZONE"] and str(vtz["TZID"]) == tzid
            assert vtz.subcomponents
            for observance in vtz.subcomponents:
                assert observance.name in ("STANDARD", "DAYLIGHT")
                assert {"DTSTART", "TZOFFSETFROM", "TZOFFSETTO"} <= set(observance) <= ALLOWED[observance.name]
                assert "COMMENT" not in observance
                for rrule in observance.rrules:
                    assert rrule["FREQ"] == ["YEARLY"] and len(rrule["BYMONTH"]) == 1
                    assert len(rrule.get("BYDAY", [])) + len(rrule.get("BYMONTHDAY", [])) == 1, "Outlook's shape"
                    assert all(u.tzinfo is not None and u.utcoffset() == timedelta(0) for u in rrule.get("UNTIL", []))
                    start = observance.DTSTART.replace(tzinfo=timezone(observance.TZOFFSETFROM))
                    assert rrulestr(rrule.to_ical().decode(), dtstart=start)[0] == start, "DTSTART is the first onset"


@pytest.mark.parametrize("tzid", ["Asia/Kolkata", "Asia/Tokyo", "Asia/Kathmandu"])
def test_a_zone_with_no_change_in_range_has_a_single_observance(tzid):
    vtz = parsed(vtimezone(tzid, *DECADE))
    [observance] = vtz.subcomponents
    assert "RRULE" not in observance
    offset = observance.TZOFFSETTO
    assert offset == ZoneInfo(tzid).utcoffset(datetime(2020, 1, 1))


def test_a_zone_that_never_changed_has_one_observance_with_nothing_to_misread():
    [observance] = parsed(vtimezone("Etc/GMT-14", *ONE_YEAR)).subcomponents
    assert observance.TZOFFSETFROM == observance.TZOFFSETTO == timedelta(hours=14)
    assert observance.DTSTART.date() <= ONE_YEAR[0]


def test_rules_in_force_are_open_ended_and_abolished_ones_end():
    berlin = parsed(vtimezone("Europe/Berlin", *ONE_YEAR))
    assert len(berlin.subcomponents) == 2, "one yearly rule each way"
    assert all("UNTIL" not in o["RRULE"] for o in berlin.subcomponents)

    sao_paulo = parsed(vtimezone("America/Sao_Paulo", *DECADE))
    last_daylight = max(o.DTSTART for o in sao_paulo.subcomponents if o.name == "DAYLIGHT")
    assert last_daylight == datetime(2018, 11, 4, 0, 0)
    assert all("UNTIL" in o["RRULE"] for o in sao_paulo.subcomponents if "RRULE" in o), "no rule outlives 2019"


def test_onsets_are_written_in_the_local_time_before_the_change():
    # RFC 5545's own example has America/New_York's daylight saving start at 02:00 with TZOFFSETFROM -0500.
    for tzid, daylight, standard in (
        ("America/New_York", datetime(2026, 3, 8, 2), datetime(2026, 11, 1, 2)),
        ("America/Los_Angeles", datetime(2026, 3, 8, 2), datetime(2026, 11, 1, 2)),
        ("Europe/London", datetime(2026, 3, 29, 1), datetime(2026, 10, 25, 2)),
        ("Australia/Lord_Howe", datetime(2026, 10, 4, 2), datetime(2026, 4, 5, 2)),
        ("Pacific/Chatham", datetime(2026, 9, 27, 2, 45), datetime(2026, 4, 5, 3, 45)),
    ):
        defined = onsets(parsed(vtimezone(tzid, *ONE_YEAR)), datetime(2027, 1, 1, tzinfo=UTC))
        written = {(is_daylight, (at + before).replace(tzinfo=None)) for at, before, _, _, is_daylight in defined}
        assert {(True, daylight), (False, standard)} <= written, tzid


def test_feeds_embed_these_definitions_and_their_events_read_right_through_them():
    feeds = Feeds(load_catalog(HERE / "data" / "examples.yaml"))
    cal = icalendar.Calendar.from_ical(feeds.combined())
    definitions = {str(vtz["TZID"]): vtz for vtz in cal.walk("VTIMEZONE")}
    assert definitions
    timed = [e for e in feeds.dated if isinstance(e.when, Timed)]
    for tzid, vtz in definitions.items():
        years = [t.year for e in timed if e.when.timezone == tzid for t in (e.when.start, e.when.end)]
        assert vtz.to_ical() == vtimezone(tzid, date(min(years), 1, 1), date(max(years), 12, 31)), (
            "the feed's own years"
        )
    assert timed
    for event in timed:
        [vevent] = [v for v in cal.walk("VEVENT") if str(v["UID"]) == event.uid]
        written = vevent["DTSTART"]
        if "TZID" not in written.params:
            continue  # a time in a repeated hour goes in UTC
        local = written.dt.replace(tzinfo=None)
        through_definition = local.replace(tzinfo=definitions[written.params["TZID"]].to_tz(lookup_tzid=False))
        assert through_definition.astimezone(UTC) == event.when.start.astimezone(UTC), event.uid


# libical, as Evolution reads the same definitions.


@cache
def libical_available() -> bool:
    if not shutil.which(SYSTEM_PYTHON):
        return False
    probe = "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"
    return subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True, timeout=60).returncode == 0


def libical(*jobs: tuple[bytes, list[datetime], list[datetime]]) -> list[dict]:
    """libical's reading of each (calendar, local times, instants), in one run of the system Python."""
    if not libical_available():
        missing("libical is not installed (apt-get install python3-gi gir1.2-ical-3.0)")
    asked = [
        {
            "ics": ics.decode(),
            "locals": [t.strftime("%Y%m%dT%H%M%S") for t in locals_],
            "instants": [int(t.timestamp()) for t in instants],
        }
        for ics, locals_, instants in jobs
    ]
    done = subprocess.run(
        [SYSTEM_PYTHON, str(HERE / "libical_probe.py")],
        input=json.dumps(asked),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def libical_job(tzid: str, first: date, last: date, step: timedelta):
    expected = zone_transitions(tzid, *span(tzid, first, last), step)
    edges = [at + delta for at, *_ in expected for delta in (timedelta(seconds=-1), timedelta(0))]
    return wrap(vtimezone(tzid, first, last)), samples(tzid, first, last, expected), edges


@cache
def libical_readings() -> dict[tuple, dict]:
    """Every case read in one run: starting libical costs more than reading a zone."""
    return dict(zip(CASES, libical(*(libical_job(*case) for case in CASES)), strict=True))


@pytest.mark.parametrize(("tzid", "first", "last", "step"), CASES)
def test_libical_accepts_the_definition_and_reads_every_time_as_the_zone_database(tzid, first, last, step):
    zone = ZoneInfo(tzid)
    _, times, edges = libical_job(tzid, first, last, step)
    seen = libical_readings()[(tzid, first, last, step)]

    assert seen["valid"] and not seen["errors"], seen["errors"]
    wrong = [
        (t, datetime.fromtimestamp(got, UTC))
        for t, got in zip(times, seen["utc"], strict=True)
        if got != int(t.replace(tzinfo=zone).timestamp())
    ]
    assert not wrong, f"{len(wrong)} of {len(times)} local times convert wrongly, first {wrong[:3]}"
    offsets = [int(observed(zone, at)[0].total_seconds()) for at in edges]
    assert seen["offsets"] == offsets, "libical sees a change at another instant"


def test_libical_rejects_what_icalendar_from_tzid_writes():
    """The bug this module exists for: the check is real, and it would fail on the old output."""
    old = icalendar.Timezone.from_tzid("America/Los_Angeles", first_date=ONE_YEAR[0], last_date=date(2027, 1, 1))
    change = datetime(2026, 3, 8, 10, tzinfo=UTC)  # 02:00 PST
    [seen] = libical((wrap(old.to_ical()), [], [change]))
    assert not seen["valid"] and any("COMMENT" in error for error in seen["errors"])
    assert seen["offsets"] != [-7 * 3600], "icalendar 7.3 writes the onset an hour late; if fixed, drop this module"
