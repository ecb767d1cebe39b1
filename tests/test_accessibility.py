"""axe-core on every kind of page: no serious or critical finding, light or dark, desktop or phone.

axe-core comes from the npm registry (tests/browser/package.json and its lock file; ./scripts/test runs
`npm ci` there) and is injected into each page under test as it stands after its script ran, with the
"Other calendar apps" menu open so that its links are checked too.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browser_harness import (
    DESKTOP,
    FAILED_400,
    FAILED_404,
    PHONE,
    axe_violations,
    browser,
    chromium,
    open_page,
    serve_app,
    serve_folder,
)

from showcal.build import build
from showcal.web import create_app

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks.generate import generate  # noqa: E402

__all__ = ["browser", "chromium", "open_page"]  # fixtures this module uses

EXAMPLE = Path(__file__).parent / "data" / "pages-example.yaml"
NOW = datetime(2030, 6, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> Iterator[dict[str, str]]:
    """The example shows served and built, and a catalogue large enough for search, letters and pages."""
    folder = tmp_path_factory.mktemp("a11y")
    data = folder / "example" / "events.yaml"
    data.parent.mkdir()
    shutil.copyfile(EXAMPLE, data)
    generate(folder / "catalogue", shows=250, events=500, seed=3)
    build(data, folder / "site")
    running = [
        serve_app(create_app({"DATA": str(data), "RELOAD_INTERVAL": 3600})),
        serve_app(create_app({"DATA": str(folder / "catalogue"), "RELOAD_INTERVAL": 3600})),
        serve_folder(folder / "site"),
    ]
    yield {"served": running[0].url, "catalogue": running[1].url, "static": running[2].url}
    for server in running:
        server.stop()


PAGES = [
    ("served", "/", "index"),
    ("served", "/shows/the-example-show", "show page"),
    ("served", "/shows/another-example", "show page, past and multi-day dates"),
    ("served", "/shows/the-example-show?kinds=premiere&reminder=1d", "show page with options"),
    ("served", "/shows/the-example-show?reminder=3y", "show page with a refused option"),
    ("served", "/bundles?show=the-example-show&show=another-example", "bundle page"),
    ("served", "/shows/no-such-show", "error page"),
    ("catalogue", "/", "catalogue index with search"),
    ("catalogue", "/browse/2", "browse page"),
    ("static", "/", "static index"),
    ("static", "/shows/the-example-show", "static show page"),
]


@pytest.mark.parametrize(("site", "path", "kind"), PAGES, ids=[p[2] for p in PAGES])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_serious_accessibility_finding(open_page, sites, site, path, kind, scheme):
    watched = open_page(**DESKTOP, color_scheme=scheme, locale="en-GB", timezone_id="Europe/London")
    watched.allowed += [FAILED_400, FAILED_404]  # the browser logs the status of the refused and unknown pages
    page = watched.page
    page.clock.set_fixed_time(NOW)
    page.goto(sites[site] + path)
    for summary in page.locator("details > summary").all():
        if summary.is_visible():
            summary.click()
    search = page.locator("#show-search")
    if search.count() and search.is_visible():
        page.get_by_label("Search by title").fill("example show 01")  # rows drawn by the script, too
        page.locator("#search-status").filter(has_text="match").wait_for()
    assert axe_violations(page) == [], kind


@pytest.mark.parametrize("path", ["/", "/shows/the-example-show"])
def test_no_serious_accessibility_finding_on_a_phone(open_page, sites, path):
    page = open_page(**PHONE, locale="de-DE", timezone_id="Europe/Berlin").page
    page.clock.set_fixed_time(NOW)
    page.goto(sites["served"] + path)
    assert axe_violations(page) == []


def test_the_check_sees_a_broken_page(open_page, sites):
    """The same check on a page given a link whose name drops its visible text: it must be reported."""
    page = open_page(**DESKTOP).page
    page.goto(sites["served"] + "/shows/the-example-show")
    page.locator("#event-s1-trailer .event-ics").evaluate("a => a.setAttribute('aria-label', 'Save the date')")
    page.locator("#subscribe-primary").evaluate("a => { a.textContent = ''; }")
    found = axe_violations(page)
    assert any(line.startswith("serious label-content-name-mismatch") for line in found), found
    assert any(" link-name: " in line for line in found), found
