"""The curator's preview: while the data on disk is invalid, every page of `showcal serve` says so at its top.

The banner lists the problems as `showcal validate` prints them and says the pages are the last valid data;
it comes and goes with the file, is never kept by a cache, and never reaches feeds, JSON, Atom, a production
server that was not asked for it, or a static build.
"""

from __future__ import annotations

import json
import os
from html.parser import HTMLParser
from pathlib import Path

import icalendar
import pytest
from browser_harness import DESKTOP, PHONE, axe_violations, browser, chromium, open_page, screenshot
from click.testing import CliRunner
from test_http import Server, wait_for
from test_web import touch_later

from showcal.cli import main
from showcal.web import create_app

__all__ = ["browser", "chromium", "open_page"]  # fixtures this module uses

BROKEN = {"count: 10": "count: ten", "date: 2024-12-17": "date: 2024-12-32"}
"""An edit with two mistakes on two lines."""
FIXED = {"title: Season 1 on Blu-ray": "title: Season 1 on Blu-ray and DVD"}
"""A valid edit that shows on the show page."""
HOSTILE_KEYS = '"</code><script>alert(1)</script>\u202e": 1\n        "<img src=x onerror=alert(2)>": 2'
"""Keys a message echoes: markup that must stay text, and a bidi override that must show as an escape."""
PAGES = {
    "/": 200,
    "/shows/severance": 200,
    "/browse/1": 200,
    "/bundles?show=severance&show=andor": 200,
    "/shows/severance?reminder=3y": 400,
    "/shows/no-such-show": 404,
    "/nowhere/at/all": 404,
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Page(HTMLParser):
    """A page as a browser's parser reads it: the banner, where it stands among the page's parts, and its items."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.order: list[str] = []
        """Each start tag after <body>, as tag#id.class."""
        self.banner: dict[str, str] | None = None
        self.inside: list[str] = []
        """Every tag inside the banner."""
        self.items: list[str] = []
        self.text: list[str] = []
        self.scripts = 0
        self._body = False
        self._depth = 0
        self._item: list[str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        self.scripts += tag == "script"
        if self._body:
            self.order.append(f"{tag}#{found.get('id', '')}.{found.get('class', '')}")
        self._body = self._body or tag == "body"
        if self._depth:
            self.inside.append(tag)
            self._depth += tag not in VOID
            if tag == "li":
                self._item = []
        elif found.get("id") == "data-problems":
            self.banner, self._depth = found, 1

    def handle_endtag(self, tag: str) -> None:
        if self._depth:
            if tag == "li" and self._item is not None:
                self.items.append("".join(self._item))
                self._item = None
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth:
            self.text.append(data)
            if self._item is not None:
                self._item.append(data)


def page(response) -> Page:
    assert response.content_type == "text/html; charset=utf-8"
    return Page(response.get_data(as_text=True))


def edit(text: str, changes: dict[str, str]) -> str:
    for old, new in changes.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


def validate_lines(data: Path, monkeypatch) -> list[str]:
    """What `showcal validate` prints for the data, run from its folder as a curator would, summary aside."""
    monkeypatch.chdir(data.parent)
    result = CliRunner().invoke(main, ["validate", data.name])
    assert result.exit_code == 1
    return result.output.splitlines()[:-1]


def assert_banner(found: Page, problems: list[str]) -> None:
    """At the top of the page, an alert listing exactly these problems and saying the page is the last valid data."""
    assert found.banner is not None, "no banner"
    assert found.banner.get("role") == "alert"
    assert found.order[0] == "a#.skip-link" and found.order[1] == "div#data-problems.data-problems", found.order[:3]
    parts = [entry.split("#")[0] for entry in found.order]
    assert parts.index("div") < parts.index("header") < parts.index("main")
    assert found.items == problems
    intro = " ".join("".join(found.text).split())
    assert f"The data on disk has {len(problems)} problem" in intro
    assert "these pages show the last valid version of the data" in intro
    assert set(found.inside) == {"p", "ul", "li", "code"}, found.inside


@pytest.fixture
def preview(events_copy: Path):
    """The app as `showcal serve` makes it, with reloads checked on every request."""
    return create_app({"TESTING": True, "DATA": str(events_copy), "RELOAD_INTERVAL": 0, "SHOW_PROBLEMS": True})


@pytest.mark.parametrize("path", PAGES)
def test_every_page_lists_the_problems_while_the_file_is_invalid(preview, events_copy, monkeypatch, path):
    client = preview.test_client()
    good = events_copy.read_text(encoding="utf-8")
    before = client.get(path)
    assert before.status_code == PAGES[path]
    assert page(before).banner is None

    touch_later(events_copy, edit(good, BROKEN))
    problems = validate_lines(events_copy, monkeypatch)
    assert len(problems) == 2 and all(line.startswith("events.yaml:") for line in problems)
    broken = client.get(path)
    assert broken.status_code == PAGES[path], "the last valid data answers as before"
    assert_banner(page(broken), problems)
    assert broken.headers["Cache-Control"] == ("no-store" if PAGES[path] == 404 else "no-cache")

    touch_later(events_copy, edit(good, FIXED))
    fixed = client.get(path)
    assert fixed.status_code == PAGES[path]
    assert page(fixed).banner is None


def test_the_page_under_the_banner_is_the_last_valid_data(preview, events_copy):
    client = preview.test_client()
    valid = edit(events_copy.read_text(encoding="utf-8"), FIXED)
    touch_later(events_copy, valid)
    assert "Season 1 on Blu-ray and DVD" in client.get("/shows/severance").get_data(as_text=True)
    touch_later(events_copy, edit(valid, {"and DVD": "in 4K", "count: 10": "count: ten"}))
    shown = client.get("/shows/severance").get_data(as_text=True)
    assert Page(shown).banner is not None
    assert "Season 1 on Blu-ray and DVD" in shown and "in 4K" not in shown


def test_no_page_is_served_stale_from_a_cache(preview, events_copy):
    """The same URL before, during and after a bad edit: the ETag moves each time, and an old one gets no 304."""
    client = preview.test_client()
    good = events_copy.read_text(encoding="utf-8")
    first = client.get("/shows/severance")
    assert first.headers["Cache-Control"] == "no-cache"
    assert client.get("/shows/severance", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304

    touch_later(events_copy, edit(good, BROKEN))
    broken = client.get("/shows/severance", headers={"If-None-Match": first.headers["ETag"]})
    assert broken.status_code == 200 and page(broken).banner is not None
    assert broken.headers["ETag"] != first.headers["ETag"]
    again = client.get("/shows/severance", headers={"If-None-Match": broken.headers["ETag"]})
    assert again.status_code == 304, "while nothing changes, a check costs a 304"

    touch_later(events_copy, edit(good, FIXED))
    fixed = client.get("/shows/severance", headers={"If-None-Match": broken.headers["ETag"]})
    assert fixed.status_code == 200 and page(fixed).banner is None
    assert "Season 1 on Blu-ray and DVD" in fixed.get_data(as_text=True)

    touch_later(events_copy, edit(good, {"count: 10": "count: eleven"}))
    assert page(client.get("/shows/severance")).banner is not None, "a second bad edit shows again"


def test_the_banner_goes_when_the_file_comes_back_as_it_was(preview, events_copy):
    """A file moved away and back keeps its time and size: the data served is the data on disk again."""
    client = preview.test_client()
    client.get("/")
    aside = events_copy.with_name("aside.yaml")
    os.replace(events_copy, aside)
    gone = page(client.get("/"))
    assert gone.items == ["events.yaml:1:1: no such file; give the path of a YAML file or folder"]
    assert client.get("/healthz").status_code == 503
    os.replace(aside, events_copy)
    assert page(client.get("/")).banner is None
    assert client.get("/healthz").status_code == 200


def test_hostile_text_in_a_problem_is_shown_as_text(preview, events_copy, monkeypatch):
    client = preview.test_client()
    good = events_copy.read_text(encoding="utf-8")
    scripts = Page(client.get("/shows/severance").get_data(as_text=True)).scripts
    touch_later(
        events_copy, edit(good, {"        location: CCXP24": f"        location: CCXP24\n        {HOSTILE_KEYS}"})
    )
    problems = validate_lines(events_copy, monkeypatch)
    assert len(problems) == 2 and "<script>alert(1)</script>\\u202e" in problems[0] and "<img src" in problems[1]
    shown = page(client.get("/shows/severance"))
    assert_banner(shown, problems)
    assert shown.scripts == scripts, "the page's own scripts and no other"


def test_feeds_json_and_atom_never_carry_it(preview, events_copy):
    """Every answer that is not a page is the last valid data's, byte for byte, while the file is invalid."""
    client = preview.test_client()
    paths = ["/shows/severance.ics", "/all.ics", "/shows/severance.ics?reminder=1d", "/shows/severance/s1-blu-ray.ics",
             "/bundles/severance+andor.ics", "/api/shows.json", "/api/shows/severance.json", "/search.json",
             "/changes.atom", "/shows/severance.atom"]  # fmt: skip
    before = {path: client.get(path).data for path in paths}
    touch_later(events_copy, edit(events_copy.read_text(encoding="utf-8"), BROKEN))
    assert client.get("/healthz").status_code == 503
    for path in paths:
        response = client.get(path)
        assert (response.status_code, response.data) == (200, before[path]), path
    assert len(icalendar.Calendar.from_ical(before["/all.ics"]).walk("VEVENT")) == 16
    assert json.loads(before["/api/shows.json"])["shows"][0]["slug"] == "severance"
    for path, kind in (("/shows/nope.ics", "text/plain; charset=utf-8"), ("/api/shows/nope.json", "application/json")):
        response = client.get(path)
        assert (response.status_code, response.content_type) == (404, kind)
        assert b"count must be a whole number" not in response.data


def test_off_by_default_the_pages_say_nothing(client, events_copy):
    """A production server (SHOW_PROBLEMS off): pages are the last valid data, unchanged; /healthz tells."""
    before = client.get("/shows/severance")
    assert before.headers["Cache-Control"] == "public, max-age=60"
    touch_later(events_copy, edit(events_copy.read_text(encoding="utf-8"), BROKEN))
    assert client.get("/healthz").status_code == 503
    after = client.get("/shows/severance")
    assert after.data == before.data and page(after).banner is None
    assert after.headers["Cache-Control"] == "public, max-age=60"
    assert page(client.get("/shows/no-such-show")).banner is None


@pytest.mark.parametrize(("value", "shown"), [("1", True), ("0", False), ("true", True)])
def test_the_environment_turns_it_on(events_copy, monkeypatch, value, shown):
    monkeypatch.setenv("SHOWCAL_SHOW_PROBLEMS", value)
    client = create_app({"TESTING": True, "DATA": str(events_copy), "RELOAD_INTERVAL": 0}).test_client()
    touch_later(events_copy, edit(events_copy.read_text(encoding="utf-8"), BROKEN))
    assert (page(client.get("/")).banner is not None) is shown


def test_a_value_that_is_not_1_or_0_is_refused(events_copy, monkeypatch):
    monkeypatch.setenv("SHOWCAL_SHOW_PROBLEMS", "yes")
    with pytest.raises(ValueError, match="SHOW_PROBLEMS is 1 or 0, not 'yes'"):
        create_app({"DATA": str(events_copy)})


# --- `showcal serve`, for real ---------------------------------------------------------------------------


def banner_of(server: Server, path: str = "/shows/severance") -> Page:
    status, headers, body = server.request(path)
    assert status == 200 and headers["cache-control"] == "no-cache"
    return Page(body.decode("utf-8"))


def test_showcal_serve_shows_the_problems_and_forgets_them(editable, monkeypatch):
    good = editable.data.read_text(encoding="utf-8")
    assert banner_of(editable).banner is None
    editable.data.write_text(edit(good, BROKEN), encoding="utf-8")
    problems = validate_lines(editable.data, monkeypatch)
    shown = wait_for(lambda: (found := banner_of(editable)).banner is not None and found)
    assert_banner(shown, problems)
    editable.data.write_text(edit(good, FIXED), encoding="utf-8")
    wait_for(lambda: banner_of(editable).banner is None)


def test_the_banner_in_a_browser(editable, open_page, monkeypatch):  # pages close before the server stops
    """Chromium shows it first on the page, styled by the site's stylesheet under its CSP, readable on a phone."""
    good = editable.data.read_text(encoding="utf-8")
    editable.data.write_text(edit(good, BROKEN), encoding="utf-8")
    problems = validate_lines(editable.data, monkeypatch)
    wait_for(lambda: editable.request("/healthz")[0] == 503)
    url = f"http://127.0.0.1:{editable.port}/shows/severance"

    for scheme in ("light", "dark"):
        shown = open_page(**DESKTOP, color_scheme=scheme).page
        shown.goto(url)
        alert = shown.get_by_role("alert")
        assert alert.is_visible()
        assert alert.locator("li").all_inner_texts() == problems
        box, header = alert.bounding_box(), shown.locator(".site-header").bounding_box()
        assert box is not None and header is not None
        assert box["y"] < header["y"] and box["y"] + box["height"] <= DESKTOP["viewport"]["height"]
        topmost = shown.evaluate("([x, y]) => document.elementFromPoint(x, y).closest('#data-problems') !== null",
                                 [box["x"] + box["width"] / 2, box["y"] + 4])  # fmt: skip
        assert topmost, "nothing covers the banner"
        assert alert.evaluate("e => getComputedStyle(e).borderLeftWidth") == "4px", "the stylesheet applies"
        assert axe_violations(shown) == [], scheme
        if scheme == "light":
            screenshot(shown, "preview-problems.png", full_page=False)

    phone = open_page(**PHONE).page
    phone.goto(url)
    assert phone.get_by_role("alert").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scrolling"

    editable.data.write_text(edit(good, FIXED), encoding="utf-8")
    wait_for(lambda: editable.request("/healthz")[0] == 200)
    fixed = open_page(**DESKTOP).page
    fixed.goto(url)
    assert fixed.get_by_role("alert").count() == 0
    assert fixed.get_by_text("Season 1 on Blu-ray and DVD").count() > 0
