"""The pages in a real headless Chromium, against `showcal serve` and a static build, both on 127.0.0.1.

One browser per module (Playwright's sync API, Debian's chromium; see browser_harness). Screenshots of the
index and the show page (desktop and phone) are left in tests/artifacts/.
"""

from __future__ import annotations

import functools
import re
import struct
import subprocess
import sys
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from browser_harness import (
    ALL_REQUESTS,
    DESKTOP,
    FAILED_400,
    attribute,
    browser,
    chromium,
    devices,
    local,
    open_page,
    screenshot,
    serve_folder,
)
from test_http import Server, data_copy, free_port, require, serve_command, start, stop
from test_web import SEVERANCE_UIDS

__all__ = ["browser", "chromium", "devices", "open_page"]  # fixtures this module uses


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("browser-serve")
    data = data_copy(folder / "data")
    port = free_port()
    running = start(serve_command(data, port), port, data, folder / "serve.log")
    yield running
    stop(running)


def origin(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}"


def feed_links(base: str, path: str, name: str) -> dict[str, str]:
    """What a subscribe block's links must point at for the feed at base + path."""
    url = f"{base}{path}"
    return {"url": url, "webcal": "webcal://" + url.split("://", 1)[1], "name": name}


def assert_subscribe_block(page, prefix: str, expected: dict[str, str]) -> None:
    """Every app's link, the copy button and the address field of one block, exactly."""
    href = functools.partial(attribute, page, "href")
    assert href(f"#{prefix}-apple") == expected["webcal"]

    google = urlsplit(href(f"#{prefix}-google"))
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    assert parse_qs(google.query, strict_parsing=True) == {"cid": [expected["webcal"]]}

    for suffix, host in (("outlook", "outlook.live.com"), ("office", "outlook.office.com")):
        outlook = urlsplit(href(f"#{prefix}-{suffix}"))
        assert (outlook.scheme, outlook.netloc, outlook.path) == ("https", host, "/calendar/0/addfromweb")
        assert parse_qs(outlook.query, strict_parsing=True) == {"url": [expected["url"]], "name": [expected["name"]]}

    assert attribute(page, "data-copy", f"#{prefix}-copy") == expected["url"]
    assert page.input_value(f"#{prefix}-url") == expected["url"]
    # Headless Chromium on Linux is no device with an app of its own: the one Subscribe is the webcal address.
    assert href(f"#{prefix}-primary") == expected["webcal"]


def parse_calendar(body: bytes) -> icalendar.Calendar:
    calendar = icalendar.Calendar.from_ical(body)
    assert calendar.name == "VCALENDAR"
    return calendar


# --- the served site ---------------------------------------------------------------------------


def test_index_to_show_page_by_clicking(open_page, server):
    watched = open_page(**DESKTOP)
    page = watched.page
    response = page.goto(origin(server) + "/")
    assert response.status == 200
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "showcal"
    screenshot(page, "index-desktop.png")

    page.get_by_role("link", name="Severance", exact=True).click()
    page.wait_for_url(origin(server) + "/shows/severance")
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "Severance"
    assert page.title().startswith("Severance")

    page.get_by_role("link", name="All shows").click()
    page.wait_for_url(origin(server) + "/")


def test_show_page_subscribe_links(open_page, server):
    base = origin(server)
    watched = open_page(**DESKTOP, accept_downloads=True)
    page = watched.page
    page.goto(base + "/shows/severance")
    assert_subscribe_block(page, "subscribe", feed_links(base, "/shows/severance.ics", "Severance"))
    screenshot(page, "show-desktop.png")

    # Download: a real click, as a user would; the file is the feed, as an attachment.
    assert attribute(page, "href", "#subscribe-download") == "../shows/severance.ics?download=1"
    with page.expect_download() as info:
        page.click("#subscribe-download")
    download = info.value
    assert download.url == base + "/shows/severance.ics?download=1"
    assert download.suggested_filename == "severance.ics"
    downloaded = Path(download.path()).read_bytes()
    response = page.request.get(download.url)
    assert response.status == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="severance.ics"'
    assert response.body() == downloaded
    uids = {str(e["UID"]) for e in parse_calendar(downloaded).walk("VEVENT")}
    assert uids == SEVERANCE_UIDS


def test_copy_the_address(open_page, server):
    base = origin(server)
    watched = open_page(**DESKTOP)
    page = watched.page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    page.goto(base + "/shows/severance")
    status = page.locator("#subscribe-status")
    copy = page.get_by_role("button", name="Copy the address")
    assert not copy.is_visible(), "the other apps are one click away, not on the first screen"

    page.locator("#subscribe-more-summary").click()
    assert status.inner_text() == "" and not status.is_visible()
    copy.click()
    page.wait_for_function("document.getElementById('subscribe-status').textContent !== ''")
    assert status.inner_text() == "Copied the address."
    assert status.is_visible() and status.get_attribute("role") == "status"
    assert page.evaluate("navigator.clipboard.readText()") == base + "/shows/severance.ics"


def test_qr_code(open_page, server):
    """The rendered QR code, read back from a screenshot, is the webcal address of the feed."""
    webcal = f"webcal://127.0.0.1:{server.port}/shows/severance.ics"
    watched = open_page(**DESKTOP)
    page = watched.page
    page.goto(origin(server) + "/shows/severance")
    qr = page.get_by_role("img", name="QR code for subscribing to Severance")
    assert qr.count() == 1
    assert qr.evaluate("e => e.tagName.toLowerCase()") == "svg"
    assert qr.is_visible()
    box = qr.bounding_box()
    assert box["width"] >= 120 and abs(box["width"] - box["height"]) < 1

    width, height, pixels = png_gray(qr.screenshot(scale="css"))

    # Module by module: the centre of every module on screen against the encoder's matrix for the address
    # (tests/test_qr.py checks that matrix against segno's), with its quiet zone of four light modules.
    modules = page.evaluate("text => window.showcalQR.encode(text).modules", webcal)
    light = [0] * (len(modules) + 8)
    expected = [light] * 4 + [[0] * 4 + [int(m) for m in row] + [0] * 4 for row in modules] + [light] * 4
    size = len(expected)
    seen = [
        [int(pixels[int((y + 0.5) * height / size)][int((x + 0.5) * width / size)] < 128) for x in range(size)]
        for y in range(size)
    ]
    assert seen == expected


def test_qr_code_decodes(open_page, server):
    """A real decoder reads the screenshot (zxing-cpp, a wheel with no system libraries)."""
    require("zxingcpp")
    import zxingcpp

    watched = open_page(**DESKTOP)
    page = watched.page
    page.goto(origin(server) + "/shows/severance")
    width, height, pixels = png_gray(page.locator("#qr-code svg").screenshot(scale="css"))
    image = memoryview(b"".join(bytes(row) for row in pixels)).cast("B", (height, width))
    found = zxingcpp.read_barcodes(image)
    assert [(code.format, code.text) for code in found] == [
        (zxingcpp.BarcodeFormat.QRCode, f"webcal://127.0.0.1:{server.port}/shows/severance.ics")
    ]


def test_feed_options_change_the_one_subscribe(open_page, server):
    base = origin(server)
    watched = open_page(**DESKTOP)
    page = watched.page
    page.goto(base + "/shows/severance")
    applied = page.locator("#options-applied")
    assert applied.is_hidden()

    # The options sit right under the Subscribe they change, above every list of dates.
    form = page.locator("#feed-options")
    subscribe_box, form_box = page.locator("#subscribe").bounding_box(), form.bounding_box()
    assert 0 <= form_box["y"] - (subscribe_box["y"] + subscribe_box["height"]) < 60
    assert form_box["y"] < page.locator("#upcoming").bounding_box()["y"]

    form.get_by_role("checkbox", name="Premiere", exact=True).check()
    form.get_by_role("checkbox", name="Finale", exact=True).check()
    form.get_by_label("Reminder").select_option(label="1 day before")
    form.get_by_role("checkbox", name=re.compile(r"^Spoiler-free titles")).check()

    # The script changes the Subscribe as the form changes, before any submit.
    query = "kinds=premiere%2Cfinale&spoiler_free=1&reminder=1d"
    expected = feed_links(base, "/shows/severance.ics?" + query, "Severance")
    assert applied.is_visible()
    assert_subscribe_block(page, "subscribe", expected)
    assert attribute(page, "href", "#subscribe-download") == f"../shows/severance.ics?{query}&download=1"
    assert page.url == f"{base}/shows/severance?{query}"
    # The QR code follows: it is the filtered calendar's address now.
    assert decoded_qr(page) == expected["webcal"]

    # Submitting lands on the server's own rendering of the same address, at the Subscribe.
    page.get_by_role("button", name="Use these options").click()
    page.wait_for_url(re.compile(r"/shows/severance\?.*#subscribe-section$"))
    assert applied.is_visible()
    assert_subscribe_block(page, "subscribe", expected)
    assert form.get_by_role("checkbox", name="Premiere", exact=True).is_checked()
    assert form.get_by_label("Reminder").input_value() == "1d"
    assert page.locator("#qr svg").is_visible(), "the server draws the code of the address it built"

    response = page.request.get(expected["url"])
    assert response.status == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    events = parse_calendar(response.body()).walk("VEVENT")
    assert {str(e["UID"]): str(e["SUMMARY"]) for e in events} == {
        "s02e01.severance@showcal": "Severance: S2 E1 (season premiere)",
        "s02e10.severance@showcal": "Severance: S2 E10 (season finale)",
    }
    for event in events:
        assert [str(c) for c in event["CATEGORIES"].cats][0] in ("Premiere", "Finale")
        alarms = event.walk("VALARM")
        assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == timedelta(days=-1)
        assert "Hello, Ms. Cobel" not in event.to_ical().decode() and "Cold Harbor" not in event.to_ical().decode()


def test_reminder_says_google_ignores_it(open_page, server):
    watched = open_page(**DESKTOP)
    page = watched.page
    page.goto(origin(server) + "/shows/severance")
    reminder = page.get_by_label("Reminder", exact=True)
    note = page.locator("#" + attribute(page, "aria-describedby", "#fo-reminder"))
    assert note.is_visible()
    assert "Google Calendar ignores reminders" in note.inner_text()
    assert abs(note.bounding_box()["y"] - reminder.bounding_box()["y"]) < 80


def test_feed_options_bad_value_shows_the_error(open_page, server):
    base = origin(server)
    watched = open_page(**DESKTOP)
    watched.allowed.append(FAILED_400)  # the browser logs the page's own 400 status
    page = watched.page
    response = page.goto(base + "/shows/severance?kinds=premiere&reminder=3y")
    assert response.status == 400
    error = page.get_by_role("alert")
    assert error.is_visible()
    assert error.inner_text() == (
        "'reminder': '3y' is not a lead time such as 30m, 2h, 1d or 1w (up to 4 weeks); adds an alert"
    )
    assert page.locator("h1").inner_text() == "Severance"
    assert page.locator("#feed-options").get_by_role("checkbox", name="Premiere", exact=True).is_checked()
    # The Subscribe offers the complete calendar, never the refused one.
    assert page.input_value("#subscribe-url") == base + "/shows/severance.ics"

    feed = page.request.get(base + "/shows/severance.ics?reminder=3y")
    assert feed.status == 400 and "'reminder'" in feed.text()

    # An out-of-range number never leaves the browser: the address stays the last good one and the form will not submit.
    page.goto(base + "/shows/severance")
    page.locator("#more-options summary").click()
    page.fill("#fo-past", "99999")
    assert page.input_value("#subscribe-url") == base + "/shows/severance.ics"
    page.get_by_role("button", name="Use these options").click()
    assert page.url == base + "/shows/severance"
    assert page.eval_on_selector("#fo-past", "e => !e.validity.valid && e.validationMessage !== ''")
    page.fill("#fo-past", "30")
    assert page.input_value("#subscribe-url") == base + "/shows/severance.ics?past=30"
    assert page.request.get(base + "/shows/severance.ics?past=30").status == 200


def focus_walk(page, until: str, limit: int = 300) -> list[dict]:
    """Press Tab until `until` has focus; what had focus after each press."""
    steps = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        step = page.evaluate(
            """() => {
                const e = document.activeElement, style = getComputedStyle(e), r = e.getBoundingClientRect();
                return {
                    key: e.id || `${e.tagName.toLowerCase()}[${e.name || ""}=${e.value || ""}]`,
                    visible: e.matches(":focus-visible") && style.outlineStyle !== "none"
                        && parseFloat(style.outlineWidth) >= 2,
                    onscreen: r.width > 0 && r.height > 0 && r.top >= 0 && r.bottom <= innerHeight
                        && r.left >= 0 && r.right <= innerWidth,
                };
            }"""
        )
        steps.append(step)
        if step["key"] == until:
            return steps
    pytest.fail(f"{until} not reached in {limit} presses of Tab: {[s['key'] for s in steps]}")


def test_keyboard_order_and_visible_focus(open_page, server):
    watched = open_page(**DESKTOP)
    page = watched.page
    page.goto(origin(server) + "/shows/severance")
    steps = focus_walk(page, "subscribe-more-summary")
    page.keyboard.press("Enter")  # the other apps open from the keyboard as well
    steps += focus_walk(page, "feed-options-submit")
    keys = [s["key"] for s in steps]

    wanted = [
        "subscribe-primary",
        "subscribe-more-summary",
        "subscribe-apple",
        "subscribe-google",
        "subscribe-outlook",
        "subscribe-office",
        "subscribe-copy",
        "subscribe-url",
        "subscribe-download",
        "input[kinds=premiere]",
        "input[kinds=finale]",
        "input[all_day=1]",
        "input[spoiler_free=1]",
        "fo-reminder",
        "feed-options-submit",
    ]
    missing = [k for k in wanted if k not in keys]
    assert not missing, f"never focused: {missing}"
    positions = [keys.index(k) for k in wanted]
    assert positions == sorted(positions), [keys[p] for p in sorted(positions)]
    assert positions[:9] == list(range(positions[0], positions[0] + 9)), "the subscribe controls are one run"
    for step in steps:
        if step["key"] in wanted:
            assert step["visible"], f"{step['key']} has no visible focus outline"
            assert step["onscreen"], f"{step['key']} is focused off screen"


def test_skip_link_and_headings(open_page, server):
    watched = open_page(**DESKTOP)
    page = watched.page
    page.goto(origin(server) + "/shows/severance")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to the content")
    assert skip.evaluate("e => e === document.activeElement")
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link is on screen"
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")

    for path in ("/", "/shows/severance"):
        page.goto(origin(server) + path)
        levels = page.eval_on_selector_all(
            "h1, h2, h3, h4, h5, h6", "hs => hs.filter(h => h.offsetParent).map(h => +h.tagName[1])"
        )
        assert levels.count(1) == 1 and levels[0] == 1, (path, levels)
        assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (path, levels)


def unnamed_controls(page, at_least: int = 10) -> list[str]:
    """Controls whose accessible name, as Chromium computes it, is empty."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    roles = {"button", "checkbox", "combobox", "textbox", "spinbutton", "link", "radio", "img", "listbox"}
    out, counted = [], 0
    for node in nodes:
        role = node.get("role", {}).get("value")
        if node.get("ignored") or role not in roles:
            continue
        counted += 1
        if not str(node.get("name", {}).get("value", "")).strip():
            out.append(f"{role} {node.get('backendDOMNodeId')}")
    assert counted >= at_least
    return out


def test_every_control_has_an_accessible_name(open_page, server):
    watched = open_page(**DESKTOP)
    page = watched.page
    for path, at_least in (("/", 5), ("/shows/severance", 10), ("/browse/1", 5)):
        page.goto(origin(server) + path)
        assert unnamed_controls(page, at_least) == [], path
    # The labels a user reads, tied to their fields.
    page.goto(origin(server) + "/shows/severance")
    form = page.locator("#feed-options")
    for label in (
        "Leave out dates that ended more than this many days ago",
        "Leave out dates more than this many days ahead",
        "Reminder",
    ):
        assert form.get_by_label(label, exact=True).count() == 1, label
    assert page.get_by_label("Calendar address").first.input_value().endswith("/shows/severance.ics")


def test_phone_layout(open_page, server, devices):
    iphone = {k: v for k, v in devices["iPhone 13"].items() if k != "default_browser_type"}
    watched = open_page(**iphone)
    page = watched.page
    width = iphone["viewport"]["width"]
    for path, name in (("/", "index-phone.png"), ("/shows/severance", "show-phone.png")):
        page.goto(origin(server) + path)
        widths = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
        assert widths[0] <= widths[1], f"{path} scrolls sideways: {widths}"
        screenshot(page, name)
    screenshot(page, "show-phone-first-screen.png", full_page=False)
    # The first screen holds the one Subscribe, big enough to touch, and no QR code to scan with the same phone.
    primary = page.locator("#subscribe-primary")
    box = primary.bounding_box()
    assert primary.inner_text() == "Subscribe in Apple Calendar"
    assert box["y"] + box["height"] <= iphone["viewport"]["height"], "Subscribe is below the first screen"
    assert box["x"] >= 0 and box["x"] + box["width"] <= width and box["height"] >= 44
    assert page.locator("#qr").is_hidden()
    download = page.locator("#subscribe-download").bounding_box()
    assert download["height"] >= 44, f"the download link is a small touch target: {download['height']}px"


# --- the static build --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def static_site(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-build")
    data = data_copy(folder / "data")
    out = folder / "site"
    command = [sys.executable, "-m", "showcal", "build", str(data), "--out", str(out), "--quiet"]
    subprocess.run(command, check=True, timeout=60, capture_output=True)
    running = serve_folder(out)
    yield running.url
    running.stop()


def test_static_build_pages_fill_absolute_links(open_page, static_site, server):
    watched = open_page(**DESKTOP, timezone_id="UTC")
    page = watched.page
    page.goto(static_site + "/")
    assert page.locator("h1").count() == 1
    assert_subscribe_block(page, "subscribe-all", feed_links(static_site, "/all.ics", "showcal"))
    row = page.locator("#show-severance .subscribe-row")
    assert row.get_attribute("href") == f"webcal://{static_site.split('://')[1]}/shows/severance.ics"

    page.get_by_role("link", name="Severance", exact=True).click()
    page.wait_for_url(static_site + "/shows/severance")
    assert_subscribe_block(page, "subscribe", feed_links(static_site, "/shows/severance.ics", "Severance"))
    # No server for options: the page leaves them out and says nothing of it; the QR code is drawn from the
    # page's own address (see the test below).
    assert page.locator("#qr").is_visible()
    assert page.locator("#feed-options").count() == 0
    text = page.locator("main").inner_text()
    assert "site.url" not in text and "server" not in text
    feed = page.request.get(static_site + "/shows/severance.ics")
    assert feed.status == 200
    assert {str(e["UID"]) for e in parse_calendar(feed.body()).walk("VEVENT")} == SEVERANCE_UIDS

    # The script sorts past and upcoming by the reader's date as the server does by its own (both UTC here).
    static_past = page.eval_on_selector_all("#past-events > li", "ls => ls.map(l => l.id)")
    assert page.locator("#upcoming-heading").inner_text() == "Upcoming"
    page.goto(origin(server) + "/shows/severance")
    assert static_past == page.eval_on_selector_all("#past-events > li", "ls => ls.map(l => l.id)")


def test_no_request_left_127_0_0_1():
    """Across the whole module: pages loaded only from 127.0.0.1 (the outside links are never followed)."""
    if not ALL_REQUESTS:
        pytest.skip("no page was opened: this test sums up the others of the session so far")
    assert len(ALL_REQUESTS) > 20
    assert [url for url in ALL_REQUESTS if not local(url)] == []


# --- PNG, enough to read a screenshot -------------------------------------------------------------


def png_gray(data: bytes) -> tuple[int, int, list[bytearray]]:
    """Width, height and rows of grey levels of an 8-bit, non-interlaced PNG (as Chromium writes them)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks, header = 8, [], None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        pos += 12 + length
    assert header is not None
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and interlace == 0 and colour in (0, 2, 4, 6), header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}[colour]
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    previous = bytearray(stride)
    rows = []
    for y in range(height):
        start_at = y * (stride + 1)
        kind, line = raw[start_at], bytearray(raw[start_at + 1 : start_at + 1 + stride])
        for x in range(stride):
            left = line[x - channels] if x >= channels else 0
            up = previous[x]
            corner = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                line[x] = (line[x] + (left if pa <= pb and pa <= pc else up if pb <= pc else corner)) & 255
        rows.append(line)
        previous = line
    grey = 1 if channels <= 2 else 3  # the colour channels to average
    levels = [bytearray(sum(line[x : x + grey]) // grey for x in range(0, stride, channels)) for line in rows]
    return width, height, levels


def test_a_static_build_without_an_address_draws_the_qr_code_from_its_own(open_page, static_site):
    """No site.url: the page script computes the webcal address from where it is served and draws its code."""
    page = open_page(**DESKTOP).page
    page.goto(static_site + "/shows/severance")
    assert decoded_qr(page) == static_site.replace("http://", "webcal://") + "/shows/severance.ics"


def decoded_qr(page) -> str:
    """The page's QR code as zxing-cpp reads it from a screenshot."""
    require("zxingcpp")
    import zxingcpp

    svg = page.locator("#qr-code svg")
    assert svg.is_visible()
    width, height, pixels = png_gray(svg.screenshot(scale="css"))
    image = memoryview(b"".join(bytes(row) for row in pixels)).cast("B", (height, width))
    [code] = zxingcpp.read_barcodes(image)
    return code.text
