"""No text in the data can add a line, a property or a component to a feed, or an element to a page or an Atom feed.

Two catalogues of the same shape are built: one whose every text field is
plain, one whose every text field holds something that means structure to
one of the formats (iCalendar's delimiters and line breaks, HTML tags and
entities, XML's CDATA end, folding at a character boundary, a line break
followed by a space, which unfolds). Every file of the hostile build must have
exactly the structure of the plain one: the same components and properties,
as every client parser reads them; the same elements in every page and Atom
feed; and the hostile text must come back whole, as text.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import client_parsers
import feedparser
import icalendar
import pytest
import yaml
from client_parsers import differences, read_many
from test_clients import require_tools

from showcal.build import build
from showcal.feeds import Feeds, summary
from showcal.validate import load_catalog
from showcal.web import create_app

LINES = [
    # Not a backslash before n or N: icalendar writes a written "\\N" as a line break, and node-ical, ics
    # and Ruby's icalendar read an escaped backslash before an n as one; neither adds structure.
    "Semi;colon, comma: colon \\ backslash \\, \\; \\\\ \\t",
    "BEGIN:VEVENT END:VEVENT UID:evil@example X-WR-CALNAME:evil",
    '<script>alert("x")</script> <b>bold</b> &amp; &lt; &#x3c; <!-- c -->',
    "]]> <![CDATA[ x ]]> 'single' \"double\" `back`",
    "zero\u200bwidth \u200e\u202e right-to-left \ufeff marks",  # line separators are refused in one-line fields
    "é" * 37 + "👩‍👩‍👧" * 9 + "日本語のタイトル" * 6,  # folds fall inside multi-byte characters
    "{{ 7*7 }} {% if 1 %}x{% endif %} ${7*7} %s %(x)s",
]
TEXTS = [
    "line one\r\nBEGIN:VEVENT\r\nUID:evil@example\r\nEND:VEVENT",
    "lone CR\rEND:VCALENDAR\rBEGIN:VCALENDAR",
    "fold\n continues\n\tlike a folded line\n END:VEVENT",
    "</p></li></ul></main><h1>injected</h1><script>alert(1)</script>",
    "]]></content><entry><title>injected</title></entry>",
    "\\n\\r\\\\ ; , : \"\" ''",
    "x\u2028y\u2029z\n\n\n",
]


def catalogue(line: callable, text: callable) -> dict:
    """Every text field the format has, given by `line(n)` (one-line fields) and `text(n)` (descriptions)."""
    shows = []
    for n in range(len(LINES)):
        events = [
            {"id": "single", "title": line(n), "date": "2031-03-0" + str(1 + n % 9), "location": line(n + 1),
             "description": text(n), "sources": ["https://example.org/a?b=1&c=<2>"]},
            {"id": "timed", "title": line(n + 2), "start": "2031-04-01T20:00", "timezone": "America/New_York",
             "duration": "1h", "description": text(n + 1), "status": "postponed" if n % 2 else "confirmed"},
            {"id": "later", "title": line(n + 3), "tba": line(n + 4), "description": text(n + 2)},
            {"run": "s01", "season": 1, "count": 3, "start": "2031-05-01T21:00", "timezone": "Europe/London",
             "every": "weekly", "titles": [line(n), line(n + 5), line(n + 6)], "description": text(n + 3)},
        ]  # fmt: skip
        shows.append({"slug": f"show-{n}", "title": line(n), "network": line(n + 1), "description": text(n),
                      "events": events})  # fmt: skip
    site = {"title": line(3), "description": text(4), "url": "https://tv.example.org/"}
    return {"site": site, "shows": shows}


def plain_line(n: int) -> str:
    """Plain, but starting as the hostile line does: the catalogues sort and group by letter alike."""
    return f"{hostile_line(n)[0]}lain title {n}"


def plain_text(n: int) -> str:
    return f"Plain description {n}."


def hostile_line(n: int) -> str:
    return LINES[n % len(LINES)]


def hostile_text(n: int) -> str:
    return TEXTS[n % len(TEXTS)]


def write(folder: Path, data: dict) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "events.yaml"
    # Escaped: U+2028 raw in a data file is refused (editors do not show it), as a value it is text.
    path.write_text(yaml.safe_dump(data, allow_unicode=False, sort_keys=False, width=10**6), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def builds(tmp_path_factory) -> dict[str, Path]:
    """Each catalogue built twice: as published, then after every event and show was retitled (the Atom feeds)."""
    root = tmp_path_factory.mktemp("injection")
    out = {}
    for name, line, text in (("plain", plain_line, plain_text), ("hostile", hostile_line, hostile_text)):
        data = write(root / name, catalogue(line, text))
        build(data, root / name / "feeds")
        write(root / name, catalogue(lambda n, line=line: line(n + 1), text))  # every title changes: news
        build(data, root / name / "feeds")
        out[name] = root / name
    return out


def files(build_folder: Path, suffix: str) -> dict[str, bytes]:
    feeds = build_folder / "feeds"
    return {p.relative_to(feeds).as_posix(): p.read_bytes() for p in sorted(feeds.rglob(f"*{suffix}"))}


def test_the_hostile_catalogue_is_valid_data(builds):
    catalog = load_catalog(builds["hostile"] / "events.yaml")
    assert [s.title for s in catalog.shows] == [hostile_line(n + 1) for n in range(len(LINES))]
    assert catalog.shows[0].description == hostile_text(0)


# --- calendars ---------------------------------------------------------------------------------------------


def structure(data: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """Each component in order, with the names of its properties in order."""
    return [(c.name, tuple(name for name, _ in c.property_items(recursive=False))) for c in icalendar.Calendar.from_ical(data).walk()]  # fmt: skip


@pytest.fixture(scope="module")
def calendars(builds) -> dict[str, tuple[bytes, bytes]]:
    """Every calendar of both builds and the server's variants of them: (plain, hostile) by path."""
    plain, hostile = files(builds["plain"], ".ics"), files(builds["hostile"], ".ics")
    assert plain.keys() == hostile.keys()
    found = {path: (plain[path], hostile[path]) for path in plain}
    clients = {
        name: create_app({"TESTING": True, "DATA": str(builds[name] / "events.yaml"), "RELOAD_INTERVAL": 0}).test_client()
        for name in ("plain", "hostile")
    }  # fmt: skip
    for query in ("reminder=1d&spoiler_free=1", "all_day=1", "utc=1", "kinds=release,episode"):
        for path in ("/shows/show-0.ics", "/all.ics", "/bundles/show-1+show-2.ics", "/shows/show-3/single.ics"):
            if "kinds" in query and path.count("/") == 3:
                continue  # a single event has no kinds to choose from
            bodies = tuple(clients[name].get(f"{path}?{query}").data for name in ("plain", "hostile"))
            found[f"{path}?{query}"] = bodies
    return found


def test_every_calendar_has_the_plain_catalogues_structure(calendars):
    wrong = [path for path, (plain, hostile) in calendars.items() if structure(plain) != structure(hostile)]
    assert wrong == []
    assert sum(hostile.count(b"BEGIN:VEVENT") for _, hostile in calendars.values()) > 100


def test_every_client_parser_reads_the_same_events_and_the_text_whole(builds, calendars):
    require_tools(client_parsers.missing())
    paths = list(calendars)
    readings = read_many([calendars[p][1] for p in paths] + [calendars[p][0] for p in paths])
    hostile, plain = readings[: len(paths)], readings[len(paths) :]
    feeds = Feeds(load_catalog(builds["hostile"] / "events.yaml"))
    shows = {s.slug: s for s in feeds.catalog.shows}
    titles = {e.uid: summary(e, shows[e.show]) for events in feeds.by_show.values() for e in events}
    wrong = []
    for path, seen, before in zip(paths, hostile, plain, strict=True):
        wrong += [f"{path}: {line}" for line in differences(seen, ("start", "end", "summary", "status"))]
        for parser, reading in seen.items():
            if reading.error:
                continue
            if (reading.vevents, reading.vtimezones) != (before[parser].vevents, before[parser].vtimezones):
                wrong.append(f"{path}: {parser} counts {reading.vevents} events and {reading.vtimezones} zones, "
                             f"{before[parser].vevents} and {before[parser].vtimezones} in the plain feed")  # fmt: skip
            if "spoiler_free" in path:
                continue
            for event in reading.events:
                if event.summary is not None and event.summary != titles[event.uid]:
                    wrong.append(f"{path}: {parser} reads {event.uid}'s title as {event.summary!r}")
    assert wrong == [], "\n".join(wrong[:40])


def test_calendar_names_come_back_whole(builds, calendars):
    require_tools(client_parsers.missing())
    paths = [p for p in calendars if p.count("/") == 1 and "?" not in p]  # shows/<slug>.ics and all.ics
    catalog = load_catalog(builds["hostile"] / "events.yaml")
    names = {"all.ics": catalog.site.title} | {f"shows/{s.slug}.ics": s.title for s in catalog.shows}
    readings = read_many([calendars[p][1] for p in paths])
    wrong = [
        f"{path}: {parser} reads {reading.calname!r}"
        for path, seen in zip(paths, readings, strict=True)
        for parser, reading in seen.items()
        if reading.calname is not None and reading.calname != names[path]
    ]
    assert wrong == []


# --- pages, Atom and JSON ------------------------------------------------------------------------


class Tags(HTMLParser):
    """The sequence of start and end tags, with attribute names: a page's structure without its text."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(f"<{tag} {' '.join(sorted(k for k, _ in attrs))}>")

    def handle_endtag(self, tag):
        self.tags.append(f"</{tag}>")

    def handle_data(self, data):
        self.text.append(data)

    def handle_comment(self, data):
        self.tags.append("<!-- -->")


def test_every_page_has_the_plain_catalogues_elements(builds):
    plain, hostile = files(builds["plain"], ".html"), files(builds["hostile"], ".html")
    assert plain.keys() == hostile.keys() and len(plain) >= len(LINES) + 2
    wrong = [path for path in plain if Tags(plain[path].decode()).tags != Tags(hostile[path].decode()).tags]
    assert wrong == []
    page = " ".join(Tags(hostile["shows/show-2.html"].decode()).text)
    assert hostile_line(2) in page, "the hostile title is shown, as text"


def test_server_pages_have_the_plain_catalogues_elements(builds):
    clients = {
        name: create_app({"TESTING": True, "DATA": str(builds[name] / "events.yaml"), "RELOAD_INTERVAL": 0}).test_client()
        for name in ("plain", "hostile")
    }  # fmt: skip
    for path in ("/", "/shows/show-2", "/shows/show-3?reminder=1d", "/browse/1", "/bundles?show=show-1&show=show-4"):
        plain, hostile = (clients[name].get(path).get_data(as_text=True) for name in ("plain", "hostile"))
        assert Tags(plain).tags == Tags(hostile).tags, path


def elements(data: bytes) -> list[str]:
    return [element.tag for element in ElementTree.fromstring(data).iter()]


def test_every_atom_feed_has_the_plain_catalogues_elements_and_parses(builds):
    plain, hostile = files(builds["plain"], ".atom"), files(builds["hostile"], ".atom")
    assert plain.keys() == hostile.keys()
    assert [path for path in plain if elements(plain[path]) != elements(hostile[path])] == []
    news = feedparser.parse(hostile["changes.atom"])
    assert not news.bozo and len(news.entries) >= 4 * len(LINES)
    show = feedparser.parse(hostile["shows/show-2.atom"])
    assert any(hostile_line(3) in entry.title for entry in show.entries), "the new title, as text"


def test_the_json_api_gives_the_text_back_whole(builds):
    shows = json.loads((builds["hostile"] / "feeds" / "api" / "shows" / "show-5.json").read_bytes())
    assert shows["title"] == hostile_line(6)
    assert [e["title"] for e in shows["events"]][:1] == [hostile_line(6)]
    assert Counter(type(v).__name__ for v in shows.values()) == Counter(
        type(v).__name__ for v in json.loads((builds["plain"] / "feeds" / "api" / "shows" / "show-5.json").read_bytes()).values()
    )  # fmt: skip
