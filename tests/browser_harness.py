"""What every browser test module shares: Debian's Chromium under Playwright, watched pages, screenshots, axe-core.

A module imports the fixtures it uses (`from browser_harness import browser, open_page`); each module starts
its own browser. Every page a test opens is watched: a console error, an uncaught exception or a request to
any host but 127.0.0.1 fails the test that caused it. A missing part (Playwright, Chromium, axe-core) fails
the test when CI=true and skips it only on a developer's machine.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from needs import missing
from test_http import require

ARTIFACTS = Path(__file__).parent / "artifacts"
AXE = Path(__file__).parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
FAILED_400 = re.compile(r"^Failed to load resource: the server responded with a status of 400\b")
FAILED_404 = re.compile(r"^Failed to load resource: the server responded with a status of 404\b")

ALL_REQUESTS: list[str] = []
"""Every URL any watched page asked for, across the session."""


def chromium_path() -> str:
    found = shutil.which("chromium") or ("/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None)
    if found is None:
        missing("chromium is not installed (./scripts/test installs Debian's chromium)")
    return found


@dataclass
class Chromium:
    browser: object
    devices: dict


@pytest.fixture(scope="module")
def chromium() -> Iterator[Chromium]:
    require("playwright")
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield Chromium(browser, dict(playwright.devices))
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture(scope="module")
def browser(chromium: Chromium):
    return chromium.browser


@pytest.fixture(scope="module")
def devices(chromium: Chromium) -> dict:
    """Playwright's device descriptors (user agent, viewport, touch) by name, e.g. "iPhone 13"."""
    return chromium.devices


@dataclass
class Watched:
    """A page in its own browser context, with what it logged and asked for."""

    page: object
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    allowed: list[re.Pattern] = field(default_factory=list)

    def problems(self) -> list[str]:
        out = [f"console: {m}" for m in self.console_errors if not any(p.search(m) for p in self.allowed)]
        out += [f"page error: {m}" for m in self.page_errors]
        out += [f"request off 127.0.0.1: {u}" for u in self.requests if not local(u)]
        return out


def local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme == "http" and parts.hostname == "127.0.0.1"


@pytest.fixture
def open_page(browser) -> Iterator[Callable[..., Watched]]:
    """`open_page(**context_options)`: a fresh context and page; its problems fail the test at teardown."""
    opened: list[tuple[object, Watched]] = []

    def make(**options) -> Watched:
        context = browser.new_context(**options)
        page = context.new_page()
        watched = Watched(page)

        def on_request(request) -> None:
            watched.requests.append(request.url)
            ALL_REQUESTS.append(request.url)

        page.on("console", lambda m: m.type == "error" and watched.console_errors.append(m.text))
        page.on("pageerror", lambda e: watched.page_errors.append(str(e)))
        page.on("request", on_request)
        opened.append((context, watched))
        return watched

    yield make
    for context, _ in opened:
        context.close()  # after the last events of its pages have come in
    problems = [p for _, w in opened for p in w.problems()]
    assert not problems, "\n".join(problems)


def screenshot(page, name: str, *, full_page: bool = True) -> None:
    """Left in tests/artifacts/ for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page)


def attribute(page, name: str, selector: str) -> str:
    value = page.get_attribute(selector, name)
    assert value is not None, f"{selector} has no {name}"
    return value


def axe_violations(page, *, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    """axe-core's findings of these impacts on the page as it stands, one line per rule and element."""
    if not AXE.is_file():
        missing("axe-core is not installed (./scripts/test runs `npm ci` in tests/browser)")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, so the page's own script-src policy does not refuse it.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;true")
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']} {v['id']}: {node['target']} {node['html'][:120]}"
        for v in result["violations"]
        if v["impact"] in impacts
        for node in v["nodes"]
    ]


class StaticSite(SimpleHTTPRequestHandler):
    """A build as a static host serves it: /shows/x is shows/x.html, as nginx's try_files does."""

    def translate_path(self, path: str) -> str:
        found = super().translate_path(path)
        if not os.path.isfile(found) and os.path.isfile(found + ".html"):
            return found + ".html"
        return found

    def log_message(self, format: str, *args) -> None:
        pass


@dataclass
class Running:
    url: str
    stop: Callable[[], None]


def serve_folder(folder: Path) -> Running:
    """A static file server for `folder` on 127.0.0.1, in a thread."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StaticSite, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)

    return Running(f"http://127.0.0.1:{httpd.server_address[1]}", stop)


def serve_app(app) -> Running:
    """A Flask app on 127.0.0.1 in a thread (werkzeug's threaded server), for data too large to start twice."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    return Running(f"http://127.0.0.1:{server.server_port}", stop)
