"""The catalogue at the scale the project designs for: 10,000 shows, searched, filtered, paged and bundled.

One synthetic catalogue per module (benchmarks/generate.py, one event per show so that loading it stays a
matter of seconds), served by the Flask app in a thread on 127.0.0.1. Playwright's clock fixes "now".
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
from browser_harness import DESKTOP, PHONE, browser, chromium, open_page, screenshot, serve_app
from playwright.sync_api import expect

from showcal import pages
from showcal.feeds import Feeds
from showcal.listing import active
from showcal.validate import load_catalog
from showcal.web import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.generate import generate  # noqa: E402

__all__ = ["browser", "chromium", "open_page"]  # fixtures this module uses

SHOWS = 10_000
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
INDEX_LIMIT = 200_000


@dataclass
class Catalogue:
    url: str
    feeds: Feeds


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> Iterator[Catalogue]:
    folder = tmp_path_factory.mktemp("catalogue")
    generate(folder / "data", shows=SHOWS, events=SHOWS, seed=7)
    app = create_app({"DATA": str(folder / "data"), "RELOAD_INTERVAL": 3600})
    running = serve_app(app)
    yield Catalogue(running.url, Feeds(load_catalog(folder / "data")))
    running.stop()


def upcoming(feeds: Feeds, kind: str = "", network: str = "") -> list[str]:
    """Titles of the shows with a date that holds and has not ended at NOW, worked out from the model."""
    out = []
    for show in feeds.catalog.shows:
        if network and show.network != network:
            continue
        events = [e for e in feeds.by_show[show.slug] if active(e) and (not kind or e.kind == kind)]
        if any(e.when.end > NOW for e in events):
            out.append(show.title)
    return sorted(out)


def test_the_index_stays_small_and_no_page_embeds_the_catalogue(catalogue):
    feeds = catalogue.feeds
    assert len(feeds.catalog.shows) == SHOWS
    static = pages.index_page(feeds, base="", today=None)
    served = pages.index_page(feeds, base=feeds.catalog.site.url, today=NOW.date())
    assert len(static) < INDEX_LIMIT and len(served) < INDEX_LIMIT, (len(static), len(served))
    show = feeds.catalog.show("example-show-0042")
    page = pages.show_page(feeds, show, base="", today=None)
    assert len(page) < 30_000
    assert b"example-show-0043" not in page and b"search.json" not in page
    # The search index is what grows: a few dozen bytes a show.
    search = pages.search_index(feeds)
    assert len(search) / SHOWS < 80


def visit(open_page, url: str, **context):
    page = open_page(**context).page
    page.clock.set_fixed_time(NOW)
    page.goto(url)
    return page


def titles(page) -> list[str]:
    return page.locator("#show-rows .show-title").all_inner_texts()


def test_search_filter_and_page_through_10000_shows(open_page, catalogue):
    page = visit(open_page, catalogue.url + "/", **DESKTOP, locale="en-US", timezone_id="UTC")
    assert page.locator("#search-status").inner_text() == "The first 50 of 10,000 shows, by title."
    assert len(titles(page)) == 50

    page.get_by_label("Search by title").fill("example show 004")
    expect(page.locator("#search-status")).to_have_text("10 shows match.")
    assert titles(page) == [f"Example Show {n:04d}" for n in range(40, 50)]

    page.get_by_label("Search by title").fill("")
    page.get_by_label("Network").select_option(label="Beispiel TV")
    wanted = sorted(s.title for s in catalogue.feeds.catalog.shows if s.network == "Beispiel TV")
    assert page.locator("#search-status").inner_text() == f"{len(wanted):,} shows match."
    assert titles(page) == wanted[:50]
    page.get_by_role("button", name="Show 50 more").click()
    assert titles(page) == wanted[:100]
    assert page.evaluate("document.activeElement.textContent") == wanted[50], "focus moves to the first new row"

    # "With an upcoming special": the next date shown is that special's, never a past or cancelled one.
    page.get_by_label("With an upcoming").select_option(label="Special")
    expected = upcoming(catalogue.feeds, "special", "Beispiel TV")
    assert page.locator("#search-status").inner_text() == f"{len(expected):,} shows match."
    assert titles(page) == expected[:50]
    assert all(t.startswith("Next: Special · ") for t in page.locator("#show-rows .show-next").all_inner_texts())
    screenshot(page, "catalogue-search-desktop.png", full_page=False)

    # Back to no filter: the first rows again.
    page.get_by_label("With an upcoming").select_option(label="Any date")
    page.get_by_label("Network").select_option(label="Any network")
    assert page.locator("#search-status").inner_text() == "The first 50 of 10,000 shows, by title."
    assert titles(page)[0] == "Example Show 0000"


def test_browse_every_show_without_javascript(open_page, catalogue):
    page = open_page(**PHONE, java_script_enabled=False).page
    page.goto(catalogue.url + "/")
    assert page.locator("#show-search").is_hidden()
    assert len(titles(page)) == 50
    screenshot(page, "catalogue-index-phone-nojs.png")
    nav = page.get_by_role("navigation", name="All shows by title")
    nav.get_by_role("link", name=re.compile(r"^E \(titles beginning with E\)")).click()
    page.wait_for_url(catalogue.url + "/browse/1#letter-e")
    nav = page.get_by_role("navigation", name="All shows by title")
    nav.get_by_role("link", name="2 (page)").click()
    page.wait_for_url(catalogue.url + "/browse/2")
    assert page.locator("h1").inner_text() == "Shows, page 2 of 100"
    rows = page.locator(".show-row .show-title").all_inner_texts()
    assert rows == [f"Example Show {n:04d}" for n in range(100, 200)]
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url(catalogue.url + "/browse/3")
    assert page.locator(".show-row .show-title").first.inner_text() == "Example Show 0200"
    widths = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], widths
    assert page.request.get(catalogue.url + "/browse/101").status == 404


def test_bundle_by_search_and_pick(open_page, catalogue):
    page = visit(open_page, catalogue.url + "/", **DESKTOP)
    search = page.get_by_label("Search by title")
    for number in ("0042", "9999"):
        search.fill(f"Example Show {number}")
        expect(page.locator("#show-rows .show-title")).to_have_text([f"Example Show {number}"])
        page.get_by_role("checkbox", name=f"Bundle (Example Show {number})").check()
    picks = page.locator("#bundle-picks li")
    assert [t.split("Remove")[0].strip() for t in picks.all_inner_texts()] == ["Example Show 0042", "Example Show 9999"]
    page.get_by_role("button", name="Make one calendar of the ticked shows").click()
    page.wait_for_url(re.compile(r"/bundles\?show=example-show-0042&show=example-show-9999$"))
    assert page.locator("h1").inner_text() == "One calendar of 2 shows"
    address = page.input_value("#subscribe-url")
    assert address.endswith("/bundles/example-show-0042+example-show-9999.ics")
    feed = page.request.get(catalogue.url + "/bundles/example-show-0042+example-show-9999.ics")
    assert feed.status == 200
    uids = {str(e["UID"]).split(".", 1)[1] for e in icalendar.Calendar.from_ical(feed.body()).walk("VEVENT")}
    assert uids == {"example-show-0042@showcal", "example-show-9999@showcal"}
