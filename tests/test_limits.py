"""The edges: of the calendar, of numbers, of sizes. Each is a located problem, found fast, never a traceback later."""

from __future__ import annotations

import textwrap
import time

import pytest
import yaml

import showcal.validate
from showcal.errors import DataError
from showcal.feeds import Feeds
from showcal.model import Site
from showcal.validate import check_show, load_catalog

SHOW = "site: {timezone: America/New_York}\nshows:\n  - slug: example-show\n    title: Example Show\n    events:\n"


def problems(tmp_path, events: str, *, before: str = "") -> list[str]:
    text = SHOW.replace("shows:\n", before + "shows:\n") + textwrap.indent(textwrap.dedent(events), "      ")
    (tmp_path / "events.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_catalog(tmp_path / "events.yaml")
    return [f"{p.path}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        ("- {id: a, title: A, date: 9999-12-31}",
         "events[0].date: date 9999-12-31 is outside the supported range, 1900-01-01 to 2200-12-31"),
        ("- {id: a, title: A, date: 1899-12-31}",
         "events[0].date: date 1899-12-31 is outside the supported range, 1900-01-01 to 2200-12-31"),
        ("- {id: a, title: A, start: 2200-12-31T23:30, timezone: Pacific/Honolulu}",
         "events[0].start: start 2200-12-31T23:30 (Pacific/Honolulu) is in UTC 2201-01-01T09:30, outside the"
         " supported range, 1900-01-01 to 2200-12-31"),
        ("- {id: a, title: A, start: 1900-01-01T00:30, timezone: Asia/Tokyo}",
         "events[0].start: start 1900-01-01T00:30 (Asia/Tokyo) is in UTC 1899-12-31T15:30, outside the"
         " supported range, 1900-01-01 to 2200-12-31"),
        ("- {id: a, title: A, start: 2200-12-31T23:00, timezone: UTC}",
         "events[0].start: start 2200-12-31T23:00 (UTC) ends 2201-01-01T00:00, outside the supported range,"
         " 1900-01-01 to 2200-12-31"),
        ("- {run: s01, count: 100, date: 2200-06-01, every: weekly}",
         "events[0].date: episode 100 of this run would fall on 2202-04-25, outside the supported range,"
         " 1900-01-01 to 2200-12-31"),
        ("- {run: s01, count: 3, start: 2200-12-20T21:00, every: 2 weeks, per_release: 2}",
         "events[0].start: release 2 of this run would start on 2201-01-03, outside the supported range,"
         " 1900-01-01 to 2200-12-31"),
        ("- {run: s01, count: 3, date: 2025-01-01, every: 99999999999 weeks}",
         "events[0].every: every '99999999999 weeks' is longer than 366 days, the most allowed"),
        ("- {id: a, title: A, start: 2025-01-01T20:00, duration: 99999999999d}",
         "events[0].duration: duration 99999999999d is longer than 366 days, the most allowed"),
        ("- {id: a, title: A, date: 2025-01-01, until: 2026-01-02}",
         "events[0].until: from 2025-01-01 until 2026-01-02 is 367 days; the limit is 366 days"),
        ("- {id: a, title: A, start: 2025-01-01T20:00, end: 2026-01-03T20:00}",
         "events[0].end: end is more than 366 days after start, the limit"),
        (f"- {{id: a, title: A, date: 2025-01-01, episode: {'9' * 5000}}}",
         f"events[0].episode: episode must be at most 99,999, not {'9' * 59}…"),
        (f"- {{id: a, title: A, start: 2025-01-01T20:00, duration: {'0' * 5000}99999999999m}}",
         f"events[0].duration: duration {'0' * 59}… is longer than 366 days, the most allowed"),
        ("- {run: s01, count: 2000000, date: 2025-01-01, every: daily}",
         "events[0].count: count must be at most 1,000, not 2000000"),
        ("- {run: s01, first_episode: 99990, count: 20, date: 2025-01-01, every: daily}",
         "events[0].count: first_episode 99990 and count 20 reach episode 100009; the highest episode number"
         " is 99,999"),
        (f"- {{id: a, title: A, date: 2025-01-01, sources: [{', '.join(['https://example.org/'] * 21)}]}}",
         "events[0].sources: sources has 21 entries; the limit is 20"),
        (f"- {{id: a, title: A, date: 2025-01-01, url: https://example.org/{'x' * 2000}}}",
         "events[0].url: url is 2,020 characters long; the limit is 2,000"),
        (f"- {{id: a, title: {'T' * 501}, date: 2025-01-01}}",
         "events[0].title: title is 501 characters long; the limit is 500"),
    ],
)  # fmt: skip
def test_edges_are_located_problems(tmp_path, event, expected):
    assert problems(tmp_path, event) == [f"shows[0].{expected}"]


def test_refresh_is_bounded(tmp_path):
    found = problems(tmp_path, "- {id: a, title: A, tba: true}", before="site2: x\n")
    assert found[0].startswith("site2: unknown key 'site2'")
    (tmp_path / "events.yaml").write_text("site: {refresh: 99999999999d}\nshows: []\n")
    with pytest.raises(DataError) as caught:
        load_catalog(tmp_path / "events.yaml")
    assert [p.message for p in caught.value.problems] == [
        "refresh 99999999999d is longer than 31 days, the most allowed"
    ]


def _show_node(events: str) -> yaml.Node:
    text = "slug: example-show\ntitle: Example Show\nevents:\n" + textwrap.indent(textwrap.dedent(events), "  ")
    return yaml.compose(text, Loader=yaml.CSafeLoader)


def test_a_huge_run_is_refused_before_anything_is_expanded():
    node = _show_node(f"- {{run: s01, count: {10**9}, date: 2025-01-01, every: daily}}")
    started = time.process_time()
    show, found = check_show(node, file="events.yaml", path="shows[0]", site=Site())
    assert time.process_time() - started < 0.5
    assert show is None and [p.message for p in found] == ["count must be at most 1,000, not 1000000000"]


def test_a_50_mb_description_is_refused_quickly():
    node = _show_node("- {id: a, title: A, date: 2025-01-01, description: placeholder}")
    description = next(v for k, v in node.value[2][1].value[0].value if k.value == "description")
    description.value = "x" * 50_000_000
    started = time.process_time()
    show, found = check_show(node, file="events.yaml", path="shows[0]", site=Site())
    assert time.process_time() - started < 0.5
    assert [str(p) for p in found] == [
        "events.yaml:4:54: shows[0].events[0].description: description is 50,000,000 characters long; "
        "the limit is 20,000"
    ]


def test_a_huge_list_of_dates_is_refused_unread():
    node = _show_node("- {run: s01, count: 3, dates: [2025-01-01]}")
    dates = next(v for k, v in node.value[2][1].value[0].value if k.value == "dates")
    dates.value = dates.value * 2_000_000
    started = time.process_time()
    _, found = check_show(node, file="events.yaml", path="shows[0]", site=Site())
    assert time.process_time() - started < 0.5
    assert [p.message for p in found] == ["2,000,000 dates for 3 episodes; give one date per episode"]


def test_events_per_show_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(showcal.validate, "MAX_SHOW_EVENTS", 5)
    found = problems(tmp_path, "- {run: s01, count: 3, date: 2025-01-01, every: daily}\n"
                               "- {run: s02, count: 3, date: 2026-01-01, every: daily}\n")  # fmt: skip
    assert found == ["shows[0].events[1].count: this run takes the show past 5 events, the limit for one show"]


def test_events_per_catalogue_are_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(showcal.validate, "MAX_EVENTS", 5)
    (tmp_path / "events.yaml").write_text(
        "shows:\n"
        "  - {slug: a, title: A, events: [{run: s01, count: 3, date: 2025-01-01, every: daily}]}\n"
        "  - {slug: b, title: B, events: [{run: s01, count: 3, date: 2025-01-01, every: daily}]}\n"
    )
    with pytest.raises(DataError) as caught:
        load_catalog(tmp_path / "events.yaml")
    assert [str(p) for p in caught.value.problems] == [
        f"{tmp_path / 'events.yaml'}:3:5: shows[1]: with this show the catalogue holds more than 5 events, the limit;"
        " split the data into several sites"
    ]


def test_the_edges_that_pass_render(tmp_path):
    """The first and last days and times the range allows, in zones far from UTC, in every feed variant."""
    (tmp_path / "events.yaml").write_text(
        textwrap.dedent(
            """\
            shows:
              - slug: edges
                title: Edges
                events:
                  - {id: first, title: First, date: 1900-01-01}
                  - {id: last, title: Last, date: 2200-12-31, until: 2200-12-31}
                  - {id: east, title: East, start: 2200-12-31T22:00, timezone: Pacific/Kiritimati, duration: 1h}
                  - {id: west, title: West, start: 1900-01-01T12:00, timezone: Pacific/Pago_Pago}
                  - {run: s01, count: 3, start: 2200-12-17T10:00, timezone: Asia/Tokyo, every: weekly}
            """
        )
    )
    from datetime import timedelta

    from showcal.options import FeedOptions, Variant

    feeds = Feeds(load_catalog(tmp_path / "events.yaml"))
    for variant in (Variant(), Variant(all_day=True), Variant(utc=True), Variant(reminder=timedelta(weeks=4))):
        body = feeds.show_feed(feeds.catalog.shows[0], FeedOptions(variant=variant))
        assert body.count(b"BEGIN:VEVENT") == 7


def test_the_readme_states_every_limit():
    from pathlib import Path

    from showcal import limits

    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("**Of the data.**") :].split("\n## ", 1)[0]
    numbers = [limits.MAX_LINE, limits.MAX_TEXT, limits.MAX_URL, limits.MAX_SLUG, limits.MAX_SOURCES,
               limits.MAX_RUN_EPISODES, limits.MAX_EPISODE, limits.MAX_SEASON, limits.MAX_SHOW_EVENTS,
               limits.MAX_EVENTS, limits.MAX_LENGTH.days, limits.MAX_EVERY.days, limits.MAX_REFRESH.days]  # fmt: skip
    assert [n for n in numbers if f"{n:,}" not in section] == []
    assert f"between {limits.FIRST_DAY} and {limits.LAST_DAY}" in " ".join(section.split())


def test_leading_zeros_of_any_length_read_as_the_number(tmp_path):
    zeros = "0" * 3000  # each on its own line: a line may hold at most 10,000 characters
    (tmp_path / "events.yaml").write_text(
        SHOW + f"      - {{id: a, title: A, date: 2025-01-01, episode: {zeros}7}}\n"
        "      - run: s01\n        count: 2\n        start: 2025-01-01T20:00\n"
        f"        duration: {zeros}45m\n        every: {zeros}1 weeks\n"
    )
    first, second, third = load_catalog(tmp_path / "events.yaml").events
    assert first.episode == 7
    assert (third.when.start - second.when.start).days == 7
    assert (second.when.end - second.when.start).seconds == 45 * 60
