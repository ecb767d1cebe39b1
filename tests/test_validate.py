"""Every kind of mistake a curator makes, pinned to its exact message, line and column."""

from __future__ import annotations

import textwrap

import pytest

from showcal.errors import DataError
from showcal.validate import load_catalog

EVENT = """\
shows:
  - slug: example-show
    title: Example Show
    events:
      - id: pilot
        title: Pilot
"""


def problems(tmp_path, monkeypatch, text: str | bytes) -> list[str]:
    monkeypatch.chdir(tmp_path)
    data = text if isinstance(text, bytes) else textwrap.dedent(text).encode("utf-8")
    (tmp_path / "events.yaml").write_bytes(data)
    with pytest.raises(DataError) as caught:
        load_catalog("events.yaml")
    return [str(p) for p in caught.value.problems]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("        titel: x\n        date: 2025-01-01\n",
         "events.yaml:7:9: shows[0].events[0].titel: unknown key 'titel'; did you mean 'title'?"),
        ("        date: 2025-02-30\n",
         "events.yaml:7:15: shows[0].events[0].date: date 2025-02-30 does not exist (day is out of range for month)"),
        ("        date: 17/01/2025\n",
         "events.yaml:7:15: shows[0].events[0].date: date '17/01/2025' is not a date; write it as YYYY-MM-DD"),
        ("        date: 2025-01-01\n        kind: premier\n",
         "events.yaml:8:15: shows[0].events[0].kind: unknown kind 'premier'; did you mean 'premiere'?"),
        ("        date: 2025-01-01\n        status: canceled\n",
         "events.yaml:8:17: shows[0].events[0].status: unknown status 'canceled'; did you mean 'cancelled'?"),
        ("        start: 2025-01-01T21:00\n        timezone: Europe/Londn\n",
         "events.yaml:8:19: shows[0].events[0].timezone: unknown time zone 'Europe/Londn'; did you mean 'Europe/London'?"),
        ("        start: 2025-01-01T21:00\n        end: 2025-01-01T20:00\n        timezone: UTC\n",
         "events.yaml:8:14: shows[0].events[0].end: end 2025-01-01T20:00 is not after start 2025-01-01T21:00"),
        ("        date: 2025-01-10\n        until: 2025-01-01\n",
         "events.yaml:8:16: shows[0].events[0].until: until 2025-01-01 is before the date 2025-01-10; "
         "'until' is the last day"),
        ("        start: 2025-03-09T02:30\n        timezone: America/New_York\n",
         "events.yaml:7:16: shows[0].events[0].start: start 2025-03-09T02:30 does not exist in America/New_York "
         "(the clocks skip it); give a time outside the change"),
        ("        start: 2025-01-01T21:00+01:00\n",
         "events.yaml:7:16: shows[0].events[0].start: start '2025-01-01T21:00+01:00' is not a date and time; "
         "write it as YYYY-MM-DDTHH:MM and give the zone with 'timezone:'"),
        ("        duration: 1h\n        date: 2025-01-01\n",
         "events.yaml:7:9: shows[0].events[0].duration: 'duration:' goes with 'start:'"),
        ("        start: 2025-01-01T21:00\n        duration: a while\n        timezone: UTC\n",
         "events.yaml:8:19: shows[0].events[0].duration: duration 'a while' is not a length of time; "
         "write it like 45m, 2h or 1h30m"),
        ("        date: 2025-01-01\n        sources: [ftp://example.org/x]\n",
         "events.yaml:8:19: shows[0].events[0].sources[0]: source 'ftp://example.org/x' is not a web address; "
         "write it as https://host/path"),
        ("        date: 2025-01-01\n        url: example.org\n",
         "events.yaml:8:14: shows[0].events[0].url: url 'example.org' is not a web address; "
         "write it as https://host/path"),
        ("        date: 2025-01-01\n        location: \"Hall\\u0007 H\"\n",
         "events.yaml:8:19: shows[0].events[0].location: location contains a control character (U+0007); remove it"),
        ("        date: 2025-01-01\n        location: \"Hall\\nH\"\n",
         "events.yaml:8:19: shows[0].events[0].location: location contains a line break or tab (U+000A); remove it"),
        ("        date: 2025-01-01\n        season: two\n",
         "events.yaml:8:17: shows[0].events[0].season: season must be a whole number, not 'two'"),
        ("        date: [2025-01-01]\n",
         "events.yaml:7:15: shows[0].events[0].date: date must be a single value, not a list"),
        ("        date:\n",
         "events.yaml:7:14: shows[0].events[0].date: date is empty; give a value or remove the key"),
        ("        kind: panel\n",
         "events.yaml:5:9: shows[0].events[0]: needs a date: 'date: YYYY-MM-DD', 'start: YYYY-MM-DDTHH:MM' "
         "or 'tba: <hint>'"),
        ("        date: 2025-01-01\n        tba: 2026\n",
         "events.yaml:8:9: shows[0].events[0].tba: give only one of 'date:', 'start:' and 'tba:'"),
        ("        date: 2025-01-01\n        title: Again\n",
         "events.yaml:8:9: shows[0].events[0].title: duplicate key (first given on line 6); keep one"),
    ],
)  # fmt: skip
def test_event_mistakes(tmp_path, monkeypatch, lines, expected):
    assert problems(tmp_path, monkeypatch, EVENT + lines) == [expected]


def test_every_problem_of_a_file_in_one_run(tmp_path, monkeypatch):
    found = problems(
        tmp_path,
        monkeypatch,
        """\
        site:
          timezone: Mars/Olympus
        shows:
          - slug: Example Show
            title: Example Show
            homepage: example.org
            events:
              - id: a
                title: A
                date: 2025-13-01
              - id: b
                title: B
                kind: premier
                date: 2025-01-01
          - slug: other-example
            title: Other
            events:
              - id: a
                title: A
                date: 2025-01-01
              - id: a
                title: A again
                date: 2025-01-02
        """,
    )
    assert found == [
        "events.yaml:2:13: site.timezone: unknown time zone 'Mars/Olympus'; use an IANA name such as "
        "'America/New_York'",
        "events.yaml:4:11: shows[0].slug: slug 'Example Show' may use only a-z, 0-9 and single hyphens; "
        "for example 'example-show'",
        "events.yaml:6:15: shows[0].homepage: homepage 'example.org' is not a web address; write it as https://host/path",
        "events.yaml:10:15: shows[0].events[0].date: date 2025-13-01 does not exist (month must be in 1..12)",
        "events.yaml:13:15: shows[0].events[1].kind: unknown kind 'premier'; did you mean 'premiere'?",
        "events.yaml:21:13: shows[1].events[1].id: duplicate event id 'a' in this show (first on line 18); "
        "ids must be unique within a show",
    ]


def test_duplicate_show_slugs(tmp_path, monkeypatch):
    found = problems(tmp_path, monkeypatch, "shows:\n  - {slug: a, title: A}\n  - {slug: a, title: B}\n")
    assert found == [
        "events.yaml:3:12: shows[1].slug: duplicate show slug 'a' (also at events.yaml:2); slugs must be unique"
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("shows:\n  - slug: a\n    title: [A\n    events: []\n",
         "events.yaml:3:12: this '[' is not closed on its line; end the list with ']', or, if the '[' is part of the text, quote the value (title: \"[A\")"),
        ("shows:\n  - slug: a\n    title: 'A\n    events: []\n",
         "events.yaml:3:12: this ' is never closed, so the value of 'title:' runs on to the end of the file; close it on this line"),
        ("shows:\n  - slug: a\n    title: A\n   events: []\n",
         "events.yaml:4:4: this key is indented less than the other keys of this show; indent it by 1 space"),
        ("shows:\n\t- slug: a\n",
         "events.yaml:2:1: this line is indented with a tab; YAML indents with spaces only: replace the tab with spaces"),
        ("shows:\n  - slug: a\n    title: A\x07b\n",
         "events.yaml:3:13: control character U+0007 is not allowed in YAML; remove it"),
        (b"shows:\n  - slug: a\n    title: Caf\xe9\n",
         "events.yaml:3:15: not UTF-8 (byte 0xe9); save the file as UTF-8"),
        ("# only a comment\n", "events.yaml:1:1: the file is empty; it needs a 'shows:' list"),
        ("- a\n- b\n", "events.yaml:1:1: a data file must be a mapping of keys to values, not a list"),
        ("site:\n  title: x\n", "events.yaml:1:1: a data file needs a 'shows:' list"),
        ("shows:\n  - slug: a\n    title: A\n---\nshows: []\n",
         "events.yaml:4:1: '---' starts a second YAML document here, and a data file holds one; remove this line (or move what follows into a file of its own)"),
    ],
)  # fmt: skip
def test_file_mistakes(tmp_path, monkeypatch, text, expected):
    assert problems(tmp_path, monkeypatch, text) == [expected]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        ("        every: fortnightly\n",
         ["events.yaml:8:16: shows[0].events[0].every: every 'fortnightly' is not a cadence; "
          "use weekly, daily, or 'N days' / 'N weeks'"]),
        ("        every: weekly\n        titles: [a, b, c, d]\n",
         ["events.yaml:9:17: shows[0].events[0].titles: 4 titles for 3 episodes; give at most one title per episode"]),
        ("        dates: [2025-01-01]\n",
         ["events.yaml:8:9: shows[0].events[0].dates: give 'dates:' alone, or a first 'date:'/'start:' with 'every:'"]),
    ],
)  # fmt: skip
def test_episode_runs_that_do_not_add_up(tmp_path, monkeypatch, lines, expected):
    run = "shows:\n  - slug: a\n    title: A\n    events:\n      - run: s01\n        count: 3\n"
    text = run + "        date: 2025-01-01\n" + lines
    assert problems(tmp_path, monkeypatch, text) == expected


def test_run_with_a_list_of_dates_needs_one_per_episode(tmp_path, monkeypatch):
    text = "shows:\n  - slug: a\n    title: A\n    events:\n      - run: s01\n        count: 3\n"
    found = problems(tmp_path, monkeypatch, text + "        dates: [2025-01-01, 2025-01-03]\n")
    assert found == ["events.yaml:7:16: shows[0].events[0].dates: 2 dates for 3 episodes; give one date per episode"]


def test_a_folder_of_files_names_the_file_of_each_problem(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.yaml").write_text("shows:\n  - {slug: a, title: A}\n")
    (tmp_path / "data" / "b.yml").write_text("shows:\n  - {slug: a, title: B, network: [x]}\n")
    with pytest.raises(DataError) as caught:
        load_catalog("data")
    assert [str(p) for p in caught.value.problems] == [
        "data/b.yml:2:12: shows[0].slug: duplicate show slug 'a' (also at data/a.yaml:2); slugs must be unique",
        "data/b.yml:2:34: shows[0].network: network must be a single value, not a list",
    ]


def test_a_folder_merges_its_shows(tmp_path):
    (tmp_path / "a.yaml").write_text("site: {title: Example site}\nshows:\n  - {slug: a, title: A}\n")
    (tmp_path / "b.yaml").write_text("shows:\n  - {slug: b, title: B}\n")
    catalog = load_catalog(tmp_path)
    assert [s.slug for s in catalog.shows] == ["a", "b"]
    assert catalog.site.title == "Example site"


def test_a_missing_file_is_a_problem_not_a_traceback(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataError) as caught:
        load_catalog("nothing.yaml")
    assert str(caught.value) == "nothing.yaml:1:1: no such file; give the path of a YAML file or folder"


def test_an_unclosed_quote_is_reported_where_it_opened(tmp_path, monkeypatch):
    text = "shows:\n  - slug: a\n    title: 'Pilot\n    events:\n      - {id: b, title: Woe's Hollow, tba: true}\n"
    assert problems(tmp_path, monkeypatch, text) == [
        "events.yaml:3:12: this quote is not closed on its line, so the value of 'title:' runs on to the next quote, "
        "on line 5, and YAML gives up there; close the quote on this line"
    ]


def test_site_settings_apply_to_every_file_of_a_folder(tmp_path):
    (tmp_path / "a-shows.yaml").write_text(
        "shows:\n  - {slug: a, title: A, events: [{id: x, title: X, start: 2025-07-01T21:00}]}\n"
    )
    (tmp_path / "z-site.yaml").write_text("site: {timezone: Asia/Tokyo}\nshows: []\n")
    (event,) = load_catalog(tmp_path).events
    assert event.when.timezone == "Asia/Tokyo"


def test_site_settings_may_be_given_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.yaml").write_text("site: {title: A}\nshows: []\n")
    (tmp_path / "data" / "b.yaml").write_text("shows: []\nsite: {title: B}\n")
    with pytest.raises(DataError) as caught:
        load_catalog("data")
    assert str(caught.value) == "data/b.yaml:2:1: site: site settings are given in another file already"


def test_a_weekly_run_that_lands_in_a_skipped_hour(tmp_path, monkeypatch):
    text = (
        "shows:\n  - slug: a\n    title: A\n    events:\n      - run: s01\n        count: 3\n"
        "        start: 2025-02-23T02:30\n        timezone: America/New_York\n        every: weekly\n"
    )
    assert problems(tmp_path, monkeypatch, text) == [
        "events.yaml:7:16: shows[0].events[0].start: episode 3 of this run would start at 2025-03-09T02:30, "
        "which does not exist in America/New_York (the clocks skip it); choose a start time outside the change"
    ]


# Zones: no silent UTC, no legacy names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("EST", "time zone 'EST' is fixed at UTC-05:00 all year, so times in summer would come out an hour off; "
                "did you mean 'America/New_York'?"),
        ("PST8PDT", "time zone 'PST8PDT' is a legacy name kept for old systems; did you mean 'America/Los_Angeles'?"),
        ("CST6CDT", "time zone 'CST6CDT' is a legacy name kept for old systems; did you mean 'America/Chicago'?"),
        ("MST", "time zone 'MST' is fixed at UTC-07:00 all year, so times in summer would come out an hour off "
                "(America/Phoenix keeps UTC-07:00 all year); did you mean 'America/Denver'?"),
        ("HST", "time zone 'HST' is a legacy name kept for old systems; did you mean 'Pacific/Honolulu'?"),
        ("Etc/GMT+5", "time zone 'Etc/GMT+5' is a fixed UTC-05:00 with no summer time (its sign is the reverse of "
                      "the offset), not a place; did you mean 'America/New_York'?"),
        ("GMT", "time zone 'GMT' is fixed at UTC+00:00 all year, so times in summer would come out an hour off; "
                "for UTC itself write 'UTC'; did you mean 'Europe/London'?"),
    ],
)  # fmt: skip
def test_legacy_zone_names_are_refused_with_the_place_meant(tmp_path, monkeypatch, name, expected):
    text = EVENT + f"        start: 2025-07-01T21:00\n        timezone: {name}\n"
    assert problems(tmp_path, monkeypatch, text) == [f"events.yaml:8:19: shows[0].events[0].timezone: {expected}"]


def test_a_start_with_no_zone_anywhere_is_a_problem_not_utc(tmp_path, monkeypatch):
    assert problems(tmp_path, monkeypatch, EVENT + "        start: 2025-07-01T21:00\n") == [
        "events.yaml:7:16: shows[0].events[0].start: start has no time zone; add 'timezone:' (such as "
        "America/New_York) here, or under 'site:' for every event"
    ]


def test_utc_may_be_named(tmp_path):
    (tmp_path / "events.yaml").write_text(EVENT + "        start: 2025-07-01T21:00\n        timezone: UTC\n")
    (event,) = load_catalog(tmp_path / "events.yaml").events
    assert event.when.start.utcoffset().total_seconds() == 0


# Every problem in one run


def test_duplicate_ids_are_reported_with_everything_else(tmp_path, monkeypatch):
    found = problems(
        tmp_path,
        monkeypatch,
        """\
        shows:
          - slug: example-show
            title: Example Show
            events:
              - {id: pilot, title: Pilot, date: 2025-02-30}
              - {id: pilot, title: Pilot again, date: 2025-03-01, kind: premier}
              - {run: s01, count: 2, date: 2025-01-01, every: weekly, status: maybe}
              - {id: s01e02, title: Clash, date: 2025-01-01}
          - {slug: example-show, title: Again, homepage: nowhere}
        """,
    )
    assert found == [
        "events.yaml:5:41: shows[0].events[0].date: date 2025-02-30 does not exist (day is out of range for month)",
        "events.yaml:6:14: shows[0].events[1].id: duplicate event id 'pilot' in this show (first on line 5); "
        "ids must be unique within a show",
        "events.yaml:6:65: shows[0].events[1].kind: unknown kind 'premier'; did you mean 'premiere'?",
        "events.yaml:7:71: shows[0].events[2].status: unknown status 'maybe'; use one of: confirmed, tentative, "
        "cancelled, postponed",
        "events.yaml:8:14: shows[0].events[3].id: duplicate event id 's01e02' in this show (first on line 7); "
        "ids must be unique within a show",
        "events.yaml:9:12: shows[1].slug: duplicate show slug 'example-show' (also at events.yaml:2); "
        "slugs must be unique",
        "events.yaml:9:50: shows[1].homepage: homepage 'nowhere' is not a web address; write it as https://host/path",
    ]


def test_a_settings_file_in_a_folder_is_accepted(tmp_path):
    (tmp_path / "site.yaml").write_text("site:\n  title: Example listings\n  timezone: Europe/Paris\n")
    (tmp_path / "shows.yaml").write_text(
        "shows:\n  - {slug: a, title: A, events: [{id: x, title: X, start: 2025-07-01T21:00}]}\n"
    )
    catalog = load_catalog(tmp_path)
    assert catalog.site.title == "Example listings"
    assert catalog.events[0].when.timezone == "Europe/Paris"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("yes", "premiere must be true or false, not 'yes'"),
        ('"true"', "premiere must be true or false, not 'true'"),
    ],
)
def test_booleans_are_what_a_yaml_1_2_editor_calls_booleans(tmp_path, monkeypatch, value, expected):
    text = (
        "shows:\n  - slug: a\n    title: A\n    events:\n      - {run: s01, count: 1, date: 2025-01-01, every: weekly, "
    )
    found = problems(tmp_path, monkeypatch, text + f"premiere: {value}}}\n")
    assert [p.split(": ", 2)[2] for p in found] == [expected]


def test_a_quoted_number_is_text(tmp_path, monkeypatch):
    found = problems(tmp_path, monkeypatch, EVENT + '        date: 2025-01-01\n        season: "2"\n')
    assert found == [
        "events.yaml:8:17: shows[0].events[0].season: season must be a whole number, not '2'; write it without quotes"
    ]


def test_a_show_is_checked_alone_as_a_worker_process_would(tmp_path):
    """check_show needs only the node and the site settings, and both its input and output survive pickling."""
    import pickle

    import yaml

    from showcal.validate import check_show, check_site

    (tmp_path / "events.yaml").write_text(EVENT + "        start: 2025-07-01T21:00\nsite: {timezone: Asia/Tokyo}\n")
    whole = load_catalog(tmp_path / "events.yaml")
    root = yaml.compose((tmp_path / "events.yaml").read_text(), Loader=yaml.CSafeLoader)
    fields = {k.value: v for k, v in root.value}
    site, site_problems = check_site(fields["site"], file="events.yaml")
    node = pickle.loads(pickle.dumps(fields["shows"].value[0]))
    show, found = check_show(node, file="events.yaml", path="shows[0]", site=site)
    assert site_problems == found == []
    assert pickle.loads(pickle.dumps(show)) == whole.shows[0]
