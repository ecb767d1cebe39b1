"""Episode runs in every way shows come out: weekly, several at once, irregular drops, a whole season at once."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest
from parsers import read_feed

from showcal.errors import DataError
from showcal.feeds import Feeds
from showcal.model import AllDay, Timed
from showcal.validate import load_catalog

ROOT = Path(__file__).parent.parent
ANDOR_TITLES = (
    "One Year Later",
    "Sagrona Teeth",
    "Harvest",
    "Ever Been to Ghorman?",
    "I Have Friends Everywhere",
    "What a Festive Evening",
    "Messenger",
    "Who Are You?",
    "Welcome to the Rebellion",
    "Make It Stop",
    "Who Else Knows?",
    "Jedha, Kyber, Erso",
)


def run(tmp_path, body: str, site: str = "site: {timezone: America/New_York}\n"):
    """The events of one show holding `body` (the lines of one run, indented as an event)."""
    text = site + "shows:\n  - slug: example-show\n    title: Example Show\n    events:\n"
    (tmp_path / "events.yaml").write_text(text + textwrap.indent(textwrap.dedent(body), "      "), encoding="utf-8")
    return load_catalog(tmp_path / "events.yaml").show("example-show").events


def problems(tmp_path, body: str) -> list[str]:
    with pytest.raises(DataError) as caught:
        run(tmp_path, body)
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


@pytest.fixture(scope="module")
def andor():
    catalog = load_catalog(ROOT / "events.yaml")
    return catalog, catalog.show("andor")


def test_andor_comes_out_in_four_drops_of_three(andor):
    _, show = andor
    assert (show.title, show.network) == ("Andor", "Disney+")
    starts = [e.when.start.astimezone(UTC) for e in show.events]
    assert starts == [
        datetime(2025, 4, 23, 1, tzinfo=UTC),
        datetime(2025, 4, 30, 1, tzinfo=UTC),
        datetime(2025, 5, 7, 1, tzinfo=UTC),
        datetime(2025, 5, 14, 1, tzinfo=UTC),
    ]
    assert [e.episodes for e in show.events] == [(1, 2, 3), (4, 5, 6), (7, 8, 9), (10, 11, 12)]
    assert [e.episode for e in show.events] == [1, 4, 7, 10]
    assert [e.id for e in show.events] == ["s02e01", "s02e04", "s02e07", "s02e10"]
    assert [t for e in show.events for t in e.episode_titles] == list(ANDOR_TITLES)
    assert [e.kind for e in show.events] == ["premiere", "episode", "episode", "finale"]
    assert {e.when.timezone for e in show.events} == {"America/Los_Angeles"}


def test_a_subscriber_sees_one_entry_per_drop_naming_its_episodes(andor):
    catalog, show = andor
    body = Feeds(catalog).show_feed(show)
    seen = read_feed(body)
    assert [(s.summary, s.start) for s in seen] == [
        ("Andor: S2 E1–E3 (season premiere)", datetime(2025, 4, 23, 1, tzinfo=UTC)),
        ("Andor: S2 E4–E6", datetime(2025, 4, 30, 1, tzinfo=UTC)),
        ("Andor: S2 E7–E9", datetime(2025, 5, 7, 1, tzinfo=UTC)),
        ("Andor: S2 E10–E12 (season finale)", datetime(2025, 5, 14, 1, tzinfo=UTC)),
    ]
    first = icalendar.Calendar.from_ical(body).walk("VEVENT")[0]
    lines = str(first["DESCRIPTION"]).splitlines()
    assert lines[:3] == ["S2 E1: One Year Later", "S2 E2: Sagrona Teeth", "S2 E3: Harvest"]


def test_spoiler_free_drops_name_only_the_episode_range(andor):
    from showcal.options import Variant

    catalog, show = andor
    body = Feeds(catalog).show_feed(show, options=_options(Variant(spoiler_free=True)))
    calendar = icalendar.Calendar.from_ical(body)
    texts = [str(e.get("DESCRIPTION", "")) + str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert not any(title in text for title in ANDOR_TITLES for text in texts)
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")][1] == "Andor: S2 E4–E6"


def _options(variant):
    from showcal.options import FeedOptions

    return FeedOptions(variant=variant)


def test_one_episode_per_release_is_what_it_always_was(tmp_path):
    plain = run(tmp_path, "- {run: s01, season: 1, count: 3, date: 2025-01-03, every: weekly, titles: [A, B]}\n")
    explicit = run(
        tmp_path, "- {run: s01, season: 1, count: 3, date: 2025-01-03, every: weekly, per_release: 1, titles: [A, B]}\n"
    )
    assert plain == explicit
    assert [(e.id, e.title, e.safe_title, e.episodes) for e in plain] == [
        ("s01e01", "S1 E1: A", "S1 E1", (1,)),
        ("s01e02", "S1 E2: B", "S1 E2", (2,)),
        ("s01e03", "S1 E3", "S1 E3", (3,)),
    ]


def test_the_last_release_takes_what_is_left(tmp_path):
    events = run(tmp_path, "- {run: s01, count: 10, per_release: 3, date: 2025-01-03, every: weekly}\n")
    assert [e.id for e in events] == ["s01e01", "s01e04", "s01e07", "s01e10"]
    assert [e.title for e in events] == ["Episodes 1–3", "Episodes 4–6", "Episodes 7–9", "Episode 10"]


def test_irregular_drops_on_listed_dates(tmp_path):
    events = run(
        tmp_path,
        """\
        - run: s01
          season: 1
          count: 9
          dates: [{date: 2025-06-04, episodes: 7}, {date: 2025-06-11, episodes: 2}]
          finale: true
        """,
    )
    assert [(e.id, e.when, e.episodes, e.title) for e in events] == [
        ("s01e01", AllDay(date(2025, 6, 4), date(2025, 6, 4)), (1, 2, 3, 4, 5, 6, 7), "S1 E1–E7"),
        ("s01e08", AllDay(date(2025, 6, 11), date(2025, 6, 11)), (8, 9), "S1 E8–E9 (season finale)"),
    ]


def test_a_whole_season_on_one_date(tmp_path):
    (event,) = run(tmp_path, "- {run: s01, season: 1, count: 10, binge: true, start: 2025-07-04T03:00, premiere: true}")
    assert (event.id, event.title, event.episodes) == ("s01e01", "S1 E1–E10 (season premiere)", tuple(range(1, 11)))
    assert event.when.start.astimezone(UTC) == datetime(2025, 7, 4, 7, tzinfo=UTC)


def test_times_in_dates_take_the_run_zone_and_length(tmp_path):
    events = run(
        tmp_path,
        """\
        - run: s01
          count: 4
          timezone: Europe/London
          duration: 45m
          dates: [2025-03-28T21:00, {start: 2025-04-04T21:00, episodes: 2}, 2025-04-11]
        """,
    )
    first, second, third = (e.when for e in events)
    assert isinstance(first, Timed) and first.start.astimezone(UTC) == datetime(2025, 3, 28, 21, tzinfo=UTC)
    assert second.start.astimezone(UTC) == datetime(2025, 4, 4, 20, tzinfo=UTC)  # summer time began on 30 March
    assert second.end - second.start == first.end - first.start == timedelta(minutes=45)
    assert third == AllDay(date(2025, 4, 11), date(2025, 4, 11))
    assert [e.episodes for e in events] == [(1,), (2, 3), (4,)]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("- {run: s01, count: 3, date: 2025-01-01, every: 0 days}",
         "events[0].every: every must be at least one day; for several episodes at once give 'per_release: N',"
         " or 'binge: true' for the whole run on one date"),
        ("- {run: s01, count: 3, date: 2025-01-01, every: weekly, per_release: 4}",
         "events[0].per_release: per_release 4 is more than the 3 episodes of 'count:'"),
        ("- {run: s01, count: 3, dates: [{date: 2025-01-01, episodes: 2}, {date: 2025-01-08, episodes: 2}]}",
         "events[0].dates: the dates release 4 episodes, not the 3 of 'count:'; make them add up"),
        ("- {run: s01, count: 3, date: 2025-01-01, every: weekly, binge: true}",
         "events[0].binge: 'binge: true' releases the whole run at once; remove 'every:'"),
        ("- {run: s01, count: 3, dates: [2025-01-01, 2025-01-02, 2025-01-03], binge: true}",
         "events[0].binge: 'binge:' releases the whole run on one 'date:' or 'start:'"),
        ("- {run: s01, count: 3, date: 2025-01-01}",
         "events[0]: an episode run needs 'every:' after its first date (or a list of 'dates:', or 'binge: true'"
         " for every episode at once)"),
        ("- {run: s01, count: 3, tba: 2026}",
         "events[0].tba: an episode run needs dates; for a season with no date yet, write one event with 'id:',"
         " 'title:' and 'tba:'"),
        ("- {run: s01, count: 2, timezone: Europe/Paris, dates: [2025-01-01, 2025-01-02]}",
         "events[0].timezone: 'timezone:' goes with times, and these dates have none"),
        ("- {run: s01, count: 2, dates: [{start: 2025-01-01T20:00, date: 2025-01-01}, 2025-01-02]}",
         "events[0].dates[0].start: give 'date:' or 'start:', not both"),
        ("- {run: s01, count: 2, dates: [2025-03-09T02:30, 2025-03-10]}",
         "events[0].dates[0]: date 2025-03-09T02:30 does not exist in America/New_York (the clocks skip it);"
         " give a time outside the change"),
    ],
)  # fmt: skip
def test_runs_that_make_no_sense(tmp_path, body, expected):
    assert problems(tmp_path, body) == [f"shows[0].{expected}"]


def test_every_release_pattern_in_one_fixture_renders_for_subscribers():
    catalog = load_catalog(ROOT / "tests" / "data" / "releases.yaml")
    feeds = Feeds(catalog)
    summaries = {s.summary for s in read_feed(feeds.combined())}
    assert {
        "Example Weekly: S1 E1: Arrival (season premiere)",
        "Example Weekly: S1 E4 (season finale)",
        "Example Drops: S1 E1–E3 (season premiere)",
        "Example Drops: S1 E7–E8 (season finale)",
        "Example Binge: S2 E1–E10 (season premiere)",
        "Example Irregular: S3 E1–E7",
        "Example Irregular: S3 E8–E9 (season finale)",
    } <= summaries
    assert len(summaries) == 4 + 3 + 1 + 2
