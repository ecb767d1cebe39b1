"""`showcal list`: the table a curator reads and the JSON a script reads, on data whose dates never move.

tests/data/list-example.yaml holds dates far in the past and far in the
future only, so what is next is the same on any day these tests run.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from showcal.cli import main

DATA = Path(__file__).parent / "data"
EXAMPLE = DATA / "list-example.yaml"
ROOT = Path(__file__).resolve().parent.parent


def columns(text: str) -> int:
    """Terminal columns, by the Unicode database: two for wide characters."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def run(*args: str):
    before = date.today()
    result = CliRunner().invoke(main, ["list", *args])
    return result, {before, date.today()}


def test_the_table(tmp_path):
    result, days = run(str(EXAMPLE))
    assert (result.exit_code, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[:-1] == [
        "SLUG               TITLE                     NETWORK   NEXT                     DATED  UPCOMING  TBA",
        "an-example-with-…  An Example Show Whose T…  The Exa…  -                            1         0    0",
        "ca-va-example      Ça va, Example            例のテ…   -                            0         0    2",
        "zebra-example      Zebra Example             Example+  2199-03-04 21:00 +09:00      7         4    1",
    ]
    assert lines[-1] in {
        f"3 shows; next dates as of {day}, each in its event's own time zone (UTC offset shown)" for day in days
    }
    assert max(columns(line) for line in lines) <= 100


def test_columns_line_up_and_fit_whatever_the_titles(tmp_path):
    """Wide characters and long names: every row's NEXT starts in the same terminal column."""
    shows = "".join(
        f"  - slug: show-{n}\n    title: {title}\n    network: {network}\n"
        f"    events:\n      - id: e\n        title: E\n        date: 2199-0{n + 1}-01\n"
        for n, (title, network) in enumerate([
            ("孤独のグルメ", "テレビ東京"),
            ("Crème brûlée", "N"),
            ("A" * 120, "B" * 40),
        ])
    )  # fmt: skip
    path = tmp_path / "events.yaml"
    path.write_text(f"shows:\n{shows}", encoding="utf-8")
    result, _ = run(str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()[:4]
    starts = {columns(line[: line.index(" 2199-" if "2199-" in line else " NEXT")]) for line in lines}
    assert len(starts) == 1, lines
    assert all(columns(line) <= 100 for line in lines)
    # slug 6 + network 16 (its cap) + next 10 + counts 5, 8 and 3 + six gaps of 2 leave the title 40 columns
    assert lines[1].split()[1:3] == ["A" * 39 + "…", "B" * 15 + "…"]
    assert columns(lines[1]) == 100
    assert lines[2].split()[1:4] == ["Crème", "brûlée", "N"]
    assert lines[3].split()[1:3] == ["孤独のグルメ", "テレビ東京"], "sorted after the Latin titles, whole"


def test_json_for_scripts():
    result, _ = run(str(EXAMPLE), "--json")
    assert (result.exit_code, result.stderr) == (0, "")
    assert json.loads(result.stdout) == [
        {
            "slug": "an-example-with-a-title-far-too-long",
            "title": "An Example Show Whose Title Is Far Too Long for Any Column of a Table Meant for a Terminal Window",
            "network": "The Example Broadcasting Corporation",
            "next": None,
            "dated": 1,
            "upcoming": 0,
            "tba": 0,
            "first": "1990-05-05",
            "last": "1990-05-05",
        },
        {
            "slug": "ca-va-example",
            "title": "Ça va, Example",
            "network": "例のテレビ",
            "next": None,
            "dated": 0,
            "upcoming": 0,
            "tba": 2,
            "first": None,
            "last": None,
        },
        {
            "slug": "zebra-example",
            "title": "Zebra Example",
            "network": "Example+",
            "next": {  # the cancelled and the postponed dates before it are skipped
                "id": "tokyo-screening",
                "kind": "special",
                "title": "Screening in Tokyo",
                "status": "tentative",
                "date": "2199-03-04",
                "start": "2199-03-04T21:00:00+09:00",
                "timezone": "Asia/Tokyo",
            },
            "dated": 7,
            "upcoming": 4,
            "tba": 1,
            "first": "1999-01-01",
            "last": "2199-06-15",
        },
    ]


def test_the_shipped_data(tmp_path):
    result, _ = run(str(ROOT / "events.yaml"), "--json")
    shows = json.loads(result.stdout)
    assert [(s["slug"], s["title"], s["network"], s["dated"], s["tba"]) for s in shows] == [
        ("andor", "Andor", "Disney+", 4, 0),
        ("severance", "Severance", "Apple TV+", 12, 1),
    ]
    assert (shows[0]["first"], shows[0]["last"]) == ("2025-04-22", "2025-05-13")


@pytest.mark.parametrize("flag", [(), ("--json",)])
def test_invalid_data_is_reported_like_validate(tmp_path, flag):
    path = tmp_path / "events.yaml"
    path.write_text("shows:\n  - slug: a\n    title: A\n    events:\n      - id: x\n        title: X\n"
                    "        date: 2025-02-30\n", encoding="utf-8")  # fmt: skip
    result = CliRunner().invoke(main, ["list", str(path), *flag])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"{path}:7:15: shows[0].events[0].date: date 2025-02-30 does not exist (day is out of range for month)",
        "1 problem found; nothing to list.",
    ]
