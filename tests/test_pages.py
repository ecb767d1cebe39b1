"""Pages and their files through the Flask test client and the renderer: identity, links, data, cost."""

from __future__ import annotations

import json
import struct
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_web import Elements

from showcal import pages
from showcal.build import build
from showcal.feeds import Feeds
from showcal.listing import encode_events, listing, next_event
from showcal.validate import load_catalog
from showcal.web import create_app

EXAMPLE = Path(__file__).parent / "data" / "pages-example.yaml"


@pytest.fixture
def pages_client(tmp_path):
    data = tmp_path / "events.yaml"
    data.write_bytes(EXAMPLE.read_bytes())
    return create_app({"TESTING": True, "DATA": str(data), "RELOAD_INTERVAL": 0}).test_client()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """A static build of the example: the folder a static host would serve."""
    out = tmp_path_factory.mktemp("built") / "feeds"
    build(EXAMPLE, out)
    return out


@pytest.fixture(scope="module")
def feeds() -> Feeds:
    return Feeds(load_catalog(EXAMPLE))


class Head(HTMLParser):
    """The <head>'s meta properties and links, and the document title."""

    def __init__(self, html: str):
        super().__init__()
        self.meta: dict[str, str] = {}
        self.links: list[dict[str, str]] = []
        self.title, self._in_title, self._body = "", False, False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        found = {k: v or "" for k, v in attrs}
        if tag == "meta" and ("property" in found or "name" in found):
            self.meta[found.get("property") or found["name"]] = found.get("content", "")
        elif tag == "link":
            self.links.append(found)
        self._in_title = tag == "title" and not self._body
        self._body = self._body or tag == "body"

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def test_link_previews_name_the_show(pages_client):
    head = Head(pages_client.get("/shows/the-example-show", headers={"Host": "tv.example.test"}).get_data(as_text=True))
    assert head.title == "The Example Show: dates and calendar · Example TV"
    assert head.meta["og:title"] == head.title
    assert head.meta["og:description"] == "An invented show whose trailer drops late at night in Los Angeles."
    assert head.meta["description"] == head.meta["og:description"]
    assert head.meta["og:url"] == "http://tv.example.test/shows/the-example-show"
    assert head.meta["og:image"] == "http://tv.example.test/apple-touch-icon.png"
    rels = {link["rel"]: link["href"] for link in head.links}
    assert rels["apple-touch-icon"] == "../apple-touch-icon.png"
    assert rels["alternate"] == "../shows/the-example-show.atom"
    other = Head(pages_client.get("/shows/another-example").get_data(as_text=True))
    assert other.meta["og:description"] == "Dates of Another Example on Beispiel TV."


def test_a_static_page_without_an_address_gives_no_og_url(feeds):
    head = Head(pages.show_page(feeds, feeds.catalog.show("the-example-show"), base="", today=None).decode())
    assert "og:url" not in head.meta and "og:image" not in head.meta
    assert head.meta["og:title"].startswith("The Example Show")


def alternates(html: str) -> list[dict[str, str]]:
    return [link for link in Head(html).links if link.get("rel") == "alternate"]


@pytest.mark.parametrize(
    ("page", "feed", "title"),
    [
        ("/", "changes.atom", "Example TV: what changed"),
        ("/shows/the-example-show", "../shows/the-example-show.atom", "The Example Show: what changed"),
    ],
)
def test_pages_link_the_atom_feed_of_their_changes(pages_client, built, page, feed, title):
    served = pages_client.get(page).get_data(as_text=True)
    assert alternates(served) == [{"rel": "alternate", "type": "application/atom+xml", "href": feed, "title": title}]
    written = (built / pages.page_file(page)).read_text(encoding="utf-8")
    assert alternates(written) == alternates(served)
    target = "/" + feed.removeprefix("../")
    atom = pages_client.get(target)
    assert atom.status_code == 200 and atom.headers["Content-Type"].startswith("application/atom+xml")
    assert (built / target.lstrip("/")).read_bytes() == atom.data
    assert f'href="{feed}"' in served.split("<footer", 1)[1], "a visible link too, for readers without a feed reader"


def test_an_error_page_links_no_feed(pages_client):
    assert alternates(pages_client.get("/shows/nothing-here").get_data(as_text=True)) == []


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_icons_are_served_at_the_root_and_written_by_the_build(pages_client, built):
    icon = pages_client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["Content-Type"] == "image/x-icon"
    reserved, kind, count = struct.unpack("<HHH", icon.data[:6])
    assert (reserved, kind) == (0, 1) and count >= 2
    sizes = {struct.unpack("<B", icon.data[6 + 16 * i : 7 + 16 * i])[0] for i in range(count)}
    assert {16, 32} <= sizes
    touch = pages_client.get("/apple-touch-icon.png")
    assert touch.status_code == 200 and touch.headers["Content-Type"] == "image/png"
    assert png_size(touch.data) == (180, 180)
    assert (built / "favicon.ico").read_bytes() == icon.data
    assert (built / "apple-touch-icon.png").read_bytes() == touch.data


def test_the_api_is_public_and_describes_events(pages_client):
    for path in ("/api/shows.json", "/api/shows/the-example-show.json", "/search.json"):
        response = pages_client.get(path)
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*", path
    events = {e["id"]: e for e in pages_client.get("/api/shows/another-example.json").json["events"]}
    assert events["premiere-moved"]["status"] == "cancelled"
    assert events["con-panel"]["description"] is None
    assert "Access-Control-Allow-Origin" not in pages_client.get("/shows/the-example-show").headers


def test_api_event_descriptions(client):
    events = client.get("/api/shows/severance.json").json["events"]
    described = {e["id"]: e["description"] for e in events}
    assert described["ccxp24-panel"].startswith("Announced by Ben Stiller")


def test_api_lists_every_episode_of_a_drop(client):
    events = client.get("/api/shows/andor.json").json["events"]
    assert [len(e["episodes"]) for e in events] == [3, 3, 3, 3]
    first = events[0]
    assert (first["start"], first["timezone"]) == ("2025-04-22T18:00:00-07:00", "America/Los_Angeles")
    assert first["episodes"] == [
        {"episode": 1, "title": "One Year Later"},
        {"episode": 2, "title": "Sagrona Teeth"},
        {"episode": 3, "title": "Harvest"},
    ]
    assert events[-1]["episodes"][-1] == {"episode": 12, "title": "Jedha, Kyber, Erso"}
    one = client.get("/api/shows/severance.json").json["events"]
    assert not any("episodes" in e for e in one), "a single episode needs no list"


def event_links(html: str, ident: str) -> dict[str, list[str]]:
    """Visible text of each link inside one event item, by class."""

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth, self.current, self.found = 0, None, {}

        def handle_starttag(self, tag, attrs):
            found = dict(attrs)
            if tag == "li" and found.get("id") == f"event-{ident}":
                self.depth = 1
            elif self.depth and tag == "li":
                self.depth += 1
            if self.depth and tag == "a":
                self.current = (found.get("class", ""), found.get("href", ""))
                self.found.setdefault(self.current[0], []).append(self.current[1])

        def handle_endtag(self, tag):
            if self.depth and tag == "li":
                self.depth -= 1

    parser = Links()
    parser.feed(html)
    return parser.found


def test_source_links_only_where_the_curator_named_one(pages_client):
    html = pages_client.get("/shows/the-example-show").get_data(as_text=True)
    assert event_links(html, "s1-trailer")["event-source"] == ["https://news.example.org/trailer"]
    assert "event-source" not in event_links(html, "s01e01"), "an event without a source has no Source link"
    assert "https://tv.example.org/the-example-show" not in str(event_links(html, "s01e01"))
    # A cancelled date keeps its source, and offers nothing to add.
    assert event_links(html, "launch-party") == {"event-source": ["https://news.example.org/launch-party-off"]}
    assert set(event_links(html, "tokyo-special")) == set()


def test_next_skips_what_no_longer_holds(feeds):
    events = feeds.by_show["the-example-show"]
    assert next_event(events, date(2030, 6, 1)).id == "s1-trailer"  # not the cancelled party that day
    assert next_event(events, date(2030, 6, 4)).id == "s01e01"  # not the postponed special on the 5th
    assert next_event(events, date(2030, 6, 22)) is None
    encoded = encode_events(events)
    assert len(encoded.split()) == len(events) - 2, "cancelled and postponed dates are not in the search index"


def test_search_index_matches_the_catalogue(pages_client, feeds):
    body = pages_client.get("/search.json").data
    assert body == pages.search_index(feeds)
    data = json.loads(body)
    assert [show[:3] for show in data["shows"]] == [
        ["another-example", "Another Example", 0],
        ["the-example-show", "The Example Show", 1],
    ]
    assert data["networks"] == ["Beispiel TV", "Example+"]


def test_encoded_dates_round_trip(feeds):
    """The tokens say kind, start and length; read back here as the page script reads them."""
    kinds = json.loads(pages.search_index(feeds))["kinds"]
    tokens = encode_events(feeds.by_show["another-example"]).split()
    decoded, start = [], 0
    for token in tokens:
        timed = token[0].isupper()
        delta, _, length = token[1:].partition("~")
        start += int(delta, 36)
        minutes = int(length, 36) if length else (60 if timed else 1440)
        decoded.append((kinds[ord(token[0].lower()) - 97], timed, start, minutes))
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    assert [(k, t, epoch + timedelta(minutes=s), m) for k, t, s, m in decoded] == [
        ("special", False, datetime(2001, 1, 1, tzinfo=UTC), 1440),
        ("digital-release", True, datetime(2030, 6, 9, 22, 30, tzinfo=UTC), 60),  # 00:30 in Berlin, summer time
        ("panel", False, datetime(2030, 7, 24, tzinfo=UTC), 3 * 1440),
    ]


def test_browse_pages_are_written_and_served(pages_client, built):
    assert sorted(p.name for p in (built / "browse").iterdir()) == ["1.html"]
    assert pages_client.get("/browse/1").status_code == 200
    assert pages_client.get("/browse/2").status_code == 404
    assert pages_client.get("/browse/0").status_code == 404
    rows = Elements((built / "browse" / "1.html").read_text(encoding="utf-8")).with_class("show-row")
    assert [r["data-slug"] for r in rows] == ["another-example", "the-example-show"]


def test_browse_pages_cover_every_show_once(tmp_path):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from benchmarks.generate import generate

    generate(tmp_path / "data", shows=250, events=250, seed=5)
    feeds = Feeds(load_catalog(tmp_path / "data"))
    found = listing(feeds)
    assert found.pages == 3 and found.letters == {"e": 1}
    seen = []
    for number in pages.browse_numbers(feeds):
        page = Elements(pages.browse_page(feeds, number, base="", today=None).decode())
        seen += [r["data-slug"] for r in page.with_class("show-row")]
    assert seen == sorted(s.slug for s in feeds.catalog.shows)


def test_rendering_reuses_compiled_templates(feeds, monkeypatch):
    """At catalogue scale a build renders 10,000 show pages: templates are read and compiled once."""
    loads = []
    original = jinja2.FileSystemLoader.get_source

    def counting(self, environment, template):
        loads.append(template)
        return original(self, environment, template)

    monkeypatch.setattr(jinja2.FileSystemLoader, "get_source", counting)
    show = feeds.catalog.show("the-example-show")
    pages.show_page(feeds, show, base="", today=None)
    pages.index_page(feeds, base="", today=None)
    loads.clear()
    for _ in range(20):
        pages.show_page(feeds, show, base="", today=None)
        pages.index_page(feeds, base="", today=None)
    assert loads == []


@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_text_is_quoted_in_links_as_the_standard_library_quotes_it(text):
    assert pages.url_quote(text) == quote(text, safe="")


def test_a_google_calendar_link_carries_the_event_whole(tmp_path):
    data = tmp_path / "events.yaml"
    data.write_text(
        "site: {title: Example, timezone: Europe/Berlin}\n"
        "shows:\n"
        "  - slug: odd\n"
        "    title: 'Odd & Ends = 100% ünïcödé 🎬'\n"
        "    network: 'A/B+C'\n"
        "    events:\n"
        "      - id: one\n"
        "        title: 'Part #1? ä/ö; x=y&z'\n"
        "        start: 2025-03-01T20:15\n"
        "        duration: 45m\n"
        "        location: 'Hall 5, Köln'\n"
        "        description: |-\n"
        "          Line one, with %20 and +plus+.\n"
        "          Line two: 😀\n",
        encoding="utf-8",
    )
    catalog = load_catalog(data)
    show = catalog.shows[0]
    event = show.events[0]
    link = urlsplit(pages.google_event_link(event, show))
    fields = parse_qs(link.query, keep_blank_values=True)
    assert fields["text"] == ["Odd & Ends = 100% ünïcödé 🎬: Part #1? ä/ö; x=y&z"]
    assert fields["dates"] == ["20250301T191500Z/20250301T200000Z"]
    assert fields["location"] == ["Hall 5, Köln"]
    assert fields["details"][0].startswith("Line one, with %20 and +plus+.\nLine two: 😀\n\n")
    assert set(link.query) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~%&=")
