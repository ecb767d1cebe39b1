"""What a visitor sees, by where they are, what they hold and what day it is.

`showcal serve` on tests/data/pages-example.yaml; each browser context sets a time zone, a language and a
device, and Playwright's clock fixes "now" at 2030-06-01 12:00 UTC unless a test says otherwise. The
expected local times are worked out by hand from the data, in each test's comments.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from browser_harness import ARTIFACTS, DESKTOP, PHONE, browser, chromium, devices, open_page, screenshot
from test_http import Server, free_port, serve_command, start, stop

__all__ = ["browser", "chromium", "devices", "open_page"]  # fixtures this module uses

DATA = Path(__file__).parent / "data" / "pages-example.yaml"
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)
WINDOWS = {
    "viewport": {"width": 1280, "height": 900},
    "user_agent": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Safari/537.36"
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("visitor")
    data = folder / "data" / "events.yaml"
    data.parent.mkdir()
    shutil.copyfile(DATA, data)
    port = free_port()
    server: Server = start(serve_command(data, port), port, data, folder / "serve.log")
    yield f"http://127.0.0.1:{port}"
    stop(server)


def device(devices: dict, name: str) -> dict:
    return {k: v for k, v in devices[name].items() if k != "default_browser_type"}


def visit(open_page, url: str, *, now: datetime = NOW, **context):
    page = open_page(**context).page
    page.clock.set_fixed_time(now)
    page.goto(url)
    return page


# --- Times in the visitor's zone and language -------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "locale", "trailer", "there", "episode", "next_row"),
    [
        # The trailer starts 2030-06-01 23:30 in Los Angeles (UTC-7): 2 June 06:30 UTC, 08:30 in Berlin (UTC+2).
        ("Europe/Berlin", "de-DE", ("2. Juni 2030", "08:30"), "23:30", "7. Juni 2030", "08:30"),
        # 15:30 in Tokyo (UTC+9), the same day.
        ("Asia/Tokyo", "ja-JP", ("2030年6月2日", "15:30"), "23:30", "2030年6月7日", "15:30"),
        # 20:30 on 1 June in Honolulu (UTC-10): the day before. The all-day episode stays on 7 June.
        ("Pacific/Honolulu", "en-US", ("June 1, 2030", "08:30 PM"), "11:30 PM", "June 7, 2030", "08:30 PM"),
    ],
)
def test_times_in_the_visitors_zone_and_language(open_page, site, zone, locale, trailer, there, episode, next_row):
    page = visit(open_page, site + "/shows/the-example-show", **DESKTOP, timezone_id=zone, locale=locale)
    when = page.locator("#event-s1-trailer time.when")
    text = when.inner_text()
    assert all(part in text for part in trailer), (text, trailer)
    assert when.get_attribute("lang") == locale
    # The event's own zone stays beside it, as a note.
    note = page.locator("#event-s1-trailer .zone-note").inner_text()
    assert there in note and "Los Angeles" in note, note
    assert all(part in page.locator("#next-up time").inner_text() for part in trailer)
    assert page.locator("#next-up .zone-note").count() == 0, "the summary line stays short"
    # A date is a date everywhere: the all-day episode never moves, east or west of UTC.
    assert episode in page.locator("#event-s01e01 time.when").inner_text()

    page.goto(site + "/")
    row = page.locator("#show-the-example-show .show-next").inner_text()
    assert row.startswith("Next: Trailer · ") and next_row in row, row


def test_the_events_zone_without_javascript(open_page, site):
    page = open_page(**DESKTOP, java_script_enabled=False, timezone_id="Asia/Tokyo", locale="ja-JP").page
    page.goto(site + "/shows/the-example-show")
    assert page.locator("#event-s1-trailer time.when").inner_text() == (
        "Sat 1 June 2030, 23:30 PDT (America/Los_Angeles)"
    )
    assert page.locator("#event-s01e01 time.when").inner_text() == "Fri 7 June 2030"
    assert page.locator("#event-s1-trailer .zone-note").count() == 0


def test_a_visitor_in_the_events_own_zone_gets_no_note(open_page, site):
    page = visit(open_page, site + "/shows/the-example-show", **DESKTOP, timezone_id="America/Los_Angeles")
    assert "June 1, 2030" in page.locator("#event-s1-trailer time.when").inner_text()
    assert page.locator("#event-s1-trailer .zone-note").count() == 0


# --- Cancelled and postponed dates ----------------------------------------------------------------------


def test_cancelled_and_postponed_are_never_next(open_page, site):
    page = visit(open_page, site + "/shows/the-example-show", **DESKTOP, timezone_id="UTC")
    # The cancelled launch party is today and the postponed special sits between the episodes: neither is next.
    assert page.locator("#next-up").inner_text().startswith("Next: Trailer · ")
    assert "Season 1 trailer" in page.locator("#next-up").inner_text()

    for ident, status in (("launch-party", "cancelled"), ("tokyo-special", "postponed")):
        item = page.locator(f"#event-{ident}")
        assert item.locator(".status-label").inner_text() == f"({status})"
        decoration = item.locator(".title-text").evaluate("e => getComputedStyle(e).textDecorationLine")
        assert decoration == "line-through", (ident, decoration)
        assert item.locator("time.when").evaluate("e => getComputedStyle(e).textDecorationLine") == "line-through"
        assert item.locator(".event-google, .event-ics").count() == 0, (
            f"{ident} offers to add a date that does not hold"
        )
    assert page.locator("#event-s1-trailer .event-google").count() == 1
    assert page.locator("#event-s1-trailer .event-ics").count() == 1

    page.goto(site + "/shows/another-example")
    assert page.locator("#next-up").inner_text().startswith("Next: Digital release · ")
    page.goto(site + "/")
    assert page.locator("#show-another-example .show-next").inner_text().startswith("Next: Digital release · ")


def test_cancelled_is_never_next_without_javascript(open_page, site):
    """The server picks the next date itself (by today's real date, before all of the data's)."""
    page = open_page(**DESKTOP, java_script_enabled=False).page
    page.goto(site + "/")
    assert page.locator("#show-another-example .show-next").inner_text().startswith("Next: Digital release · ")
    assert page.locator("#show-the-example-show .show-next").inner_text().startswith("Next: Trailer · ")
    page.goto(site + "/shows/another-example")
    assert page.locator("#next-up").inner_text().startswith("Next: Digital release · ")


# --- One Subscribe, chosen for the device -------------------------------------------------------------------


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query, strict_parsing=True)


def test_iphone_subscribes_in_apple_calendar(open_page, site, devices):
    page = visit(open_page, site + "/shows/the-example-show", **device(devices, "iPhone 13"))
    primary = page.locator("#subscribe-primary")
    assert primary.inner_text() == "Subscribe in Apple Calendar"
    assert primary.get_attribute("href") == f"webcal://{site.split('://')[1]}/shows/the-example-show.ics"
    assert page.locator("#qr").is_hidden()
    screenshot(page, "visitor-iphone-first-screen.png", full_page=False)
    page.goto(site + "/")
    row = page.locator("#show-the-example-show .subscribe-row")
    assert row.get_attribute("href") == f"webcal://{site.split('://')[1]}/shows/the-example-show.ics"


def test_android_subscribes_in_google_and_is_told_it_needs_a_computer(open_page, site, devices):
    page = visit(open_page, site + "/shows/the-example-show", **device(devices, "Pixel 7"))
    primary = page.locator("#subscribe-primary")
    assert primary.inner_text() == "Subscribe in Google Calendar"
    google = urlsplit(primary.get_attribute("href"))
    assert (google.netloc, google.path) == ("calendar.google.com", "/calendar/render")
    assert query(primary.get_attribute("href")) == {
        "cid": [f"webcal://{site.split('://')[1]}/shows/the-example-show.ics"]
    }
    hint = page.locator(".subscribe-hint:visible")
    assert hint.count() == 1 and "only on a computer" in hint.inner_text()
    assert page.locator("#qr").is_hidden()
    screenshot(page, "visitor-android-first-screen.png", full_page=False)
    # From the catalogue an Android visitor goes to the show's Subscribe, where the limits are explained.
    page.goto(site + "/")
    row = page.locator("#show-the-example-show .subscribe-row")
    assert row.get_attribute("href") == "shows/the-example-show#subscribe-section"


def test_windows_subscribes_in_outlook_with_microsoft_365_beside_it(open_page, site):
    page = visit(open_page, site + "/shows/the-example-show", **WINDOWS)
    feed = f"{site}/shows/the-example-show.ics"
    primary = page.locator("#subscribe-primary")
    assert primary.inner_text() == "Subscribe in Outlook"
    outlook = urlsplit(primary.get_attribute("href"))
    assert (outlook.netloc, outlook.path) == ("outlook.live.com", "/calendar/0/addfromweb")
    assert query(primary.get_attribute("href")) == {"url": [feed], "name": ["The Example Show"]}
    assert "Microsoft 365" in page.locator(".subscribe-hint:visible").inner_text()

    # Work and school accounts: one click away, in the other apps.
    office = page.get_by_role("link", name="Outlook for Microsoft 365")
    assert not office.is_visible()
    page.locator("#subscribe-more-summary").click()
    assert office.is_visible()
    link = urlsplit(office.get_attribute("href"))
    assert (link.scheme, link.netloc, link.path) == ("https", "outlook.office.com", "/calendar/0/addfromweb")
    assert query(office.get_attribute("href")) == {"url": [feed], "name": ["The Example Show"]}
    assert page.locator("#qr svg").is_visible(), "a large screen shows the code for handing over to a phone"
    screenshot(page, "visitor-windows-desktop.png")


def test_download_is_secondary_and_says_it_will_not_follow_changes(open_page, site):
    page = visit(open_page, site + "/shows/the-example-show", **DESKTOP)
    style = "e => [getComputedStyle(e).backgroundColor, parseFloat(getComputedStyle(e).fontSize)]"
    primary_background, primary_size = page.locator("#subscribe-primary").evaluate(style)
    download_background, download_size = page.locator("#subscribe-download").evaluate(style)
    assert download_background != primary_background and download_size < primary_size
    assert "will not follow changes" in page.locator("#subscribe-download-note").inner_text()


# --- The month view ---------------------------------------------------------------------------------------


def month(page) -> dict:
    return page.evaluate(
        """() => ({
            title: document.getElementById("month-title").textContent,
            head: [...document.querySelectorAll("#month-grid thead th")].map(th => th.textContent),
            today: [...document.querySelectorAll("#month-grid td[aria-current=date] .day")].map(d => d.textContent),
            days: Object.fromEntries([...document.querySelectorAll("#month-grid td.has-events")].map(
                td => [td.querySelector(".day").textContent, [...td.querySelectorAll("a")].map(a => a.textContent)])),
        })"""
    )


def test_month_view_starts_at_the_visitors_month_and_moves(open_page, site):
    page = visit(open_page, site + "/shows/the-example-show", **DESKTOP, timezone_id="Europe/Berlin", locale="de-DE")
    assert page.locator("#month-tables").is_hidden()
    shown = month(page)
    assert shown["title"] == "Juni 2030"
    assert shown["head"][0] == "Mo"  # German weeks start on Monday
    assert shown["today"] == ["1"]
    # The trailer is on 2 June in Berlin; the cancelled party stays on its date, struck through.
    assert shown["days"] == {
        "1": ["Launch party"],
        "2": ["Season 1 trailer"],
        "5": ["A special from Tokyo"],
        "7": ["S1 E1: Pilot (season premiere)"],
        "14": ["S1 E2: The Middle"],
        "21": ["S1 E3: The End (season finale)"],
    }
    assert page.locator("#month-grid a.inactive").all_inner_texts() == ["Launch party", "A special from Tokyo"]

    page.get_by_role("button", name="Juli 2030 ›", exact=True).click()
    assert month(page)["title"] == "Juli 2030" and month(page)["today"] == []
    page.get_by_role("button", name="‹ Juni 2030", exact=True).click()
    page.get_by_role("button", name="‹ Mai 2030", exact=True).click()
    assert month(page)["days"] == {}
    assert page.locator("#month-empty").inner_text() == "No dates in Mai 2030. Next dates: Juni 2030"
    page.get_by_role("button", name="Next dates: Juni 2030").click()
    assert month(page)["title"] == "Juni 2030"


def test_month_view_of_a_visitor_still_in_may(open_page, site):
    # 2030-06-01 05:00 UTC is still 31 May, 19:00 in Honolulu, and already 1 June, 14:00 in Tokyo.
    early = datetime(2030, 6, 1, 5, 0, tzinfo=UTC)
    url = site + "/shows/the-example-show"
    page = visit(open_page, url, now=early, **DESKTOP, timezone_id="Pacific/Honolulu", locale="en-US")
    shown = month(page)
    assert (shown["title"], shown["head"][0], shown["today"]) == ("May 2030", "Sun", ["31"])
    page.get_by_role("button", name="Jun 2030 ›", exact=True).click()
    assert month(page)["days"]["1"] == ["Launch party", "Season 1 trailer"]  # 20:30 on 1 June in Honolulu

    page = visit(open_page, url, now=early, **DESKTOP, timezone_id="Asia/Tokyo", locale="ja-JP")
    shown = month(page)
    assert (shown["title"], shown["today"]) == ("2030年6月", ["1"])
    assert shown["days"]["2"] == ["Season 1 trailer"]


BROKEN_WORDS = """() => {
    // Every word of the month view's visible text must sit on one line: a word drawn as two boxes was broken.
    const broken = [];
    const walker = document.createTreeWalker(document.getElementById("months"), NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode;
        if (!node.parentElement.offsetParent) continue;
        for (const match of node.textContent.matchAll(/\\S+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            if (lines.size > 1) broken.push(match[0]);
        }
    }
    return broken;
}"""


@pytest.mark.parametrize("javascript", [True, False])
def test_month_view_never_breaks_a_word_on_a_phone(open_page, site, javascript):
    page = open_page(**PHONE, java_script_enabled=javascript, timezone_id="Europe/Berlin", locale="de-DE").page
    page.clock.set_fixed_time(NOW)
    page.goto(site + "/shows/the-example-show")
    assert page.evaluate(BROKEN_WORDS) == []
    widths = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], widths
    # The titles are in the list under the grid, each a link to its date.
    agenda = page.locator("#month-agenda a" if javascript else "#month-2030-06 + .month-list a")
    assert "S1 E1: Pilot (season premiere)" in agenda.all_inner_texts()
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#months").screenshot(
        path=str(ARTIFACTS / f"visitor-month-phone-{'js' if javascript else 'nojs'}.png")
    )


# --- Without JavaScript -----------------------------------------------------------------------------------


def test_the_pages_work_without_javascript(open_page, site):
    page = open_page(**DESKTOP, java_script_enabled=False).page
    page.goto(site + "/")
    assert page.locator(".show-row").count() == 2
    page.get_by_role("link", name="The Example Show", exact=True).click()
    assert page.locator("#subscribe-primary").inner_text() == "Subscribe"
    assert page.locator("#subscribe-primary").get_attribute("href").startswith("webcal://")
    page.locator("#subscribe-more-summary").click()
    assert page.get_by_role("link", name="Outlook for Microsoft 365").is_visible()
    assert page.locator("#month-2030-06").is_visible()
    # The options form lands on the server's page for the address it built, at the Subscribe.
    page.locator("#feed-options").get_by_role("checkbox", name="Premiere", exact=True).check()
    page.get_by_role("button", name="Use these options").click()
    page.wait_for_url(re.compile(r"/shows/the-example-show\?kinds=premiere&.*#subscribe-section$"))
    assert page.input_value("#subscribe-url") == f"{site}/shows/the-example-show.ics?kinds=premiere"
    assert page.locator("#options-applied").is_visible()
    screenshot(page, "visitor-nojs-show-desktop.png")


def test_screenshots_for_review(open_page, site, devices):
    """Not a check: the pages as a Berlin and a Tokyo visitor see them, left in tests/artifacts/ to look at."""
    page = visit(open_page, site + "/shows/the-example-show", **DESKTOP, timezone_id="Europe/Berlin", locale="de-DE")
    screenshot(page, "visitor-berlin-show-desktop.png")
    page.goto(site + "/")
    screenshot(page, "visitor-berlin-index-desktop.png")
    tokyo = {**device(devices, "Pixel 7"), "timezone_id": "Asia/Tokyo", "locale": "ja-JP"}
    page = visit(open_page, site + "/shows/the-example-show", **tokyo)
    screenshot(page, "visitor-tokyo-show-phone.png")
    assert (ARTIFACTS / "visitor-tokyo-show-phone.png").stat().st_size > 10_000
