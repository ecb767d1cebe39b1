"""`showcal validate --check-links` against web servers on 127.0.0.1 that answer as real ones do, good and bad."""

from __future__ import annotations

import importlib.metadata
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from needs import missing

from showcal import links
from showcal.cli import main

ROOT = Path(__file__).resolve().parent.parent


class Site:
    """What one test server saw: every request, the user agents, and the most /pause requests it held at once."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.agents: set[str] = set()
        self.lock = threading.Lock()
        self.active = 0
        self.most = 0
        self.release = threading.Event()
        """Set when the test ends: slow answers stop waiting."""

    def seen(self) -> Counter[tuple[str, str]]:
        with self.lock:
            return Counter(self.requests)


SHARED = {"active": 0, "most": 0, "lock": threading.Lock()}
"""Requests held at once across every server, for the test of the per-host bound."""


class Handler(BaseHTTPRequestHandler):
    site: Site

    def do_HEAD(self) -> None:
        self.answer()

    def do_GET(self) -> None:
        self.answer()

    def answer(self) -> None:
        with self.site.lock:
            self.site.requests.append((self.command, self.path))
            self.site.agents.add(self.headers.get("User-Agent", ""))
        self.route()

    def hold(self, seconds: float) -> None:
        """Keep the request open a while, counted as held until just before the answer goes out."""
        site = self.site
        with site.lock:
            site.active += 1
            site.most = max(site.most, site.active)
        with SHARED["lock"]:
            SHARED["active"] += 1
            SHARED["most"] = max(SHARED["most"], SHARED["active"])
        time.sleep(seconds)
        with site.lock:
            site.active -= 1
        with SHARED["lock"]:
            SHARED["active"] -= 1

    def route(self) -> None:
        path = self.path
        if path.startswith("/ok"):
            self.send(200)
        elif path == "/missing":
            self.send(404)
        elif path == "/moved":
            self.send(301, location="/ok/moved-here")
        elif path == "/moved-away":
            self.send(302, location="/missing")
        elif path == "/loop-a":
            self.send(302, location="/loop-b")
        elif path == "/loop-b":
            self.send(302, location="/loop-a")
        elif path == "/no-head":
            self.send(405 if self.command == "HEAD" else 200)
        elif path == "/busy":
            self.send(503)
        elif path == "/robots-kept-out":
            self.send(403)
        elif path == "/hangs-up-on-head":
            if self.command == "GET":
                self.send(200)  # to HEAD: not a byte, the connection closed
        elif path == "/to-ftp":
            self.send(302, location="ftp://127.0.0.1/file")
        elif path == "/nowhere":
            self.send(302)
        elif path.startswith("/chain/"):
            self.send(302, location=f"/chain/{int(path.rsplit('/', 1)[1]) + 1}")
        elif path == "/slow":
            self.site.release.wait(5)
            self.send(200)
        elif path == "/trickle":
            self.trickle()
        elif path.startswith("/pause"):
            self.hold(0.3)
            self.send(200)
        else:
            self.send(404)

    def send(self, status: int, location: str = "") -> None:
        body = b"<!doctype html><title>x</title>"
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET":
            self.wfile.write(body)

    def trickle(self) -> None:
        """A status line, then a header one byte every 0.1 s: no pause ever long enough for a socket timeout."""
        self.wfile.write(b"HTTP/1.0 200 OK\r\nX-Slow: ")
        for _ in range(100):
            if self.site.release.wait(0.1):
                break
            self.wfile.write(b"z")
            self.wfile.flush()
        self.wfile.write(b"\r\n\r\n")

    def log_message(self, format: str, *args) -> None:
        pass


def serve(tls: ssl.SSLContext | None = None) -> tuple[str, Site, ThreadingHTTPServer, threading.Thread]:
    site = Site()
    handler = type("SiteHandler", (Handler,), {"site": site})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    httpd.daemon_threads = True
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    scheme = "https" if tls else "http"
    return f"{scheme}://127.0.0.1:{httpd.server_address[1]}", site, httpd, thread


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch):
    """Requests go straight to 127.0.0.1, whatever proxy the machine running the tests is set up with."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture
def servers() -> Iterator[list[tuple[str, Site]]]:
    """Two servers on 127.0.0.1 (two hosts, to the checker): their base URLs and what each saw."""
    started = [serve() for _ in range(2)]
    SHARED.update(active=0, most=0)
    yield [(base, site) for base, site, _, _ in started]
    for _, site, httpd, thread in started:
        site.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=10)


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening: connections to it are refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


DATA = """\
shows:
  - slug: example-show
    title: Example Show
    homepage: {base}/ok
    events:
      - id: e1
        title: One
        date: 2030-01-01
        sources: {base}/missing
      - id: e2
        title: Two
        date: 2030-01-02
        sources:
          - {base}/moved
          - {base}/loop-a
          - {base}/no-head
        url: {base}/slow
      - run: s01
        count: 2
        date: 2030-02-01
        every: weekly
        sources: [{base}/busy, {base}/missing]
  - slug: another-example
    title: Another Example
    homepage: {base}/ok
    events:
      - id: e1
        title: One
        tba: 2031
        sources: "{base}/moved-away"
        url: http://127.0.0.1:{closed}/nothing-here
      - id: e2
        title: Two
        tba: true
        sources: {base}/robots-kept-out
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "events.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_dead_link_is_a_located_problem_and_each_address_is_asked_once(tmp_path, servers, closed_port):
    (base, site), _ = servers
    path = write(tmp_path, DATA.format(base=base, closed=closed_port))
    started = time.monotonic()
    result = CliRunner().invoke(main, ["validate", str(path), "--check-links", "--timeout", "0.5"])
    took = time.monotonic() - started
    assert result.exit_code == 1, result.output
    assert result.stdout == f"{path}: OK, 2 shows, 4 dated events, 2 to be announced\n"
    fix = "fix or remove the link"
    assert result.stderr.splitlines() == [
        f"{path}:9:18: shows[0].events[0].sources: {base}/missing answered 404 Not Found; {fix}",
        f"{path}:15:13: shows[0].events[1].sources[1]: {base}/loop-a redirects in a loop (back to {base}/loop-a); {fix}",
        f"{path}:17:14: shows[0].events[1].url: {base}/slow timed out after 0.5 s; {fix}",
        f"{path}:22:19: shows[0].events[2].sources[0]: warning: {base}/busy answered 503 Service Unavailable; "
        "it may pass; check it again later",
        f"{path}:22:{26 + len(base)}: shows[0].events[2].sources[1]: {base}/missing answered 404 Not Found; {fix}",
        f"{path}:30:18: shows[1].events[0].sources: {base}/moved-away redirects to {base}/missing, "
        f"which answered 404 Not Found; {fix}",
        f"{path}:31:14: shows[1].events[0].url: http://127.0.0.1:{closed_port}/nothing-here could not be reached "
        f"(connection refused); {fix}",
        f"{path}:35:18: shows[1].events[1].sources: warning: {base}/robots-kept-out answered 403 Forbidden; "
        "open it in a browser to see whether it still holds",
        "10 links checked: 3 answered, 2 with a warning, 5 dead; 6 problems found.",
    ]
    assert site.seen() == Counter({
        ("HEAD", "/ok"): 1,  # the homepage of both shows
        ("HEAD", "/missing"): 2,  # cited twice, and the end of /moved-away: a 404 to HEAD is believed
        ("HEAD", "/moved"): 1,
        ("HEAD", "/ok/moved-here"): 1,
        ("HEAD", "/loop-a"): 1,
        ("HEAD", "/loop-b"): 1,
        ("HEAD", "/no-head"): 1,
        ("GET", "/no-head"): 1,  # refused HEAD: asked again with GET, which answers
        ("HEAD", "/slow"): 1,  # no second try after a time-out
        ("HEAD", "/busy"): 1,
        ("GET", "/busy"): 1,
        ("HEAD", "/moved-away"): 1,
        ("HEAD", "/robots-kept-out"): 1,
        ("GET", "/robots-kept-out"): 1,
    })  # fmt: skip
    assert site.agents == {f"showcal/{importlib.metadata.version('showcal')} (link check)"}
    assert took < 5, "the slow answer held the check past its time-out"


def test_links_that_all_answer(tmp_path, servers):
    (base, site), _ = servers
    path = write(tmp_path, DATA.split("      - id: e1")[0].format(base=base) + f"      - id: e1\n        title: One\n"
                 f"        date: 2030-01-01\n        sources: [{base}/moved, {base}/no-head, '{base}/ok/caf\u00e9']\n")  # fmt: skip
    result = CliRunner().invoke(main, ["validate", str(path), "--check-links"])
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout.splitlines() == [
        f"{path}: OK, 1 show, 1 dated event, 0 to be announced",
        f"{path}: 4 links checked: 4 answered",
    ]
    assert ("HEAD", "/ok/caf%C3%A9") in site.seen(), "an address in Unicode is sent percent-encoded"


def test_an_answer_that_may_pass_is_a_warning_not_a_failure(tmp_path, servers):
    (base, _), _ = servers
    path = write(tmp_path, f"shows:\n  - slug: a\n    title: A\n    homepage: {base}/busy\n")
    result = CliRunner().invoke(main, ["validate", str(path), "--check-links"])
    assert result.exit_code == 0
    assert result.stderr == (
        f"{path}:4:15: shows[0].homepage: warning: {base}/busy answered 503 Service Unavailable; "
        "it may pass; check it again later\n"
    )
    assert result.stdout.splitlines()[-1] == f"{path}: 1 link checked: 0 answered, 1 with a warning"


def test_links_are_never_asked_unless_asked_for(tmp_path, servers, closed_port):
    (base, site), _ = servers
    path = write(tmp_path, DATA.format(base=base, closed=closed_port))
    runner = CliRunner()
    assert runner.invoke(main, ["validate", str(path)]).exit_code == 0
    assert runner.invoke(main, ["build", str(path), "--out", str(tmp_path / "site"), "-q"]).exit_code == 0
    assert site.seen() == Counter()


def test_invalid_data_is_reported_and_no_link_is_asked(tmp_path, servers):
    (base, site), _ = servers
    path = write(tmp_path, f"shows:\n  - slug: a\n    title: A\n    homepage: {base}/ok\n    network: [x]\n")
    result = CliRunner().invoke(main, ["validate", str(path), "--check-links"])
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr.splitlines() == [
        f"{path}:5:14: shows[0].network: network must be a single value, not a list",
        "1 problem found; nothing was written.",
    ]
    assert site.seen() == Counter()


def test_timeout_goes_with_check_links(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(write(tmp_path, "shows: []\n")), "--timeout", "3"])
    assert result.exit_code == 2
    assert "--timeout goes with --check-links" in result.stderr


def test_no_more_than_two_requests_at_once_to_one_host(servers):
    (first, one), (second, two) = servers
    urls = [f"{base}/pause/{n}" for n in range(5) for base in (first, second)]
    verdicts = links.check_links(urls)
    assert {v.state for v in verdicts.values()} == {"alive"}
    assert (one.most, two.most) == (2, 2)
    assert SHARED["most"] == 4, "both hosts were asked at the same time"


def test_an_answer_trickled_slowly_is_given_up_after_the_budget(servers):
    (base, site), _ = servers
    started = time.monotonic()
    verdicts = links.check_links([f"{base}/trickle", f"{base}/ok"], timeout=0.5)
    took = time.monotonic() - started
    assert verdicts == {
        f"{base}/trickle": links.Verdict("dead", "timed out after 1.5 s"),
        f"{base}/ok": links.Verdict("alive", "answered 200 OK"),
    }
    assert 1.5 <= took < 3


def test_the_whole_check_stops_at_its_limit(servers):
    (base, _), _ = servers
    seen: list[tuple[int, int]] = []
    started = time.monotonic()
    verdicts = links.check_links(
        [f"{base}/ok", f"{base}/slow"], timeout=5, limit=0.5, progress=lambda d, t: seen.append((d, t))
    )
    assert time.monotonic() - started < 1.5
    assert verdicts[f"{base}/ok"].state == "alive"
    assert verdicts[f"{base}/slow"] == links.Verdict("unchecked", "not checked (the check stops after 0.5 s)")
    assert seen == [(1, 2)]
    assert links.summary(verdicts) == "2 links checked: 1 answered, 1 not checked (the check stops after 0.5 s)"


def test_addresses_are_found_at_their_lines_in_every_file_of_a_folder(tmp_path):
    """Not the site's own address; an alias is found where its text is (the anchor), under each path using it.

    The alias keeps a.yaml from being cut into one piece per show, so it is read whole; b.yaml is cut.
    """
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "site:\n  url: https://tv.example.org/\nshows:\n  - slug: a\n    title: A\n"
        "    homepage: &home https://www.example.org/a\n  - slug: b\n    title: B\n    homepage: *home\n"
        "    events:\n      - id: e\n        title: E\n        tba: true\n"
        "        sources: [' https://www.example.org/a ']\n"
    )
    (folder / "b.yaml").write_text(
        "shows:\n  - slug: c\n    title: C\n\n  - slug: d\n    title: D\n    homepage: https://www.example.org/d\n"
    )
    assert CliRunner().invoke(main, ["validate", str(folder)]).exit_code == 0
    found, problems = links.find_links(folder)
    assert problems == []
    a, b = str(folder / "a.yaml"), str(folder / "b.yaml")
    assert sorted(found, key=lambda link: link.url) == [
        links.Link(
            "https://www.example.org/a",
            (
                links.Place(a, 6, 15, "shows[0].homepage"),
                links.Place(a, 6, 15, "shows[1].homepage"),
                links.Place(a, 14, 19, "shows[1].events[0].sources[0]"),
            ),
        ),
        links.Link("https://www.example.org/d", (links.Place(b, 7, 15, "shows[1].homepage"),)),
    ]


def test_the_shipped_data_cites_its_sources_where_the_model_has_them():
    """Every address the model holds is found in the YAML, and nothing else: the walk and the model agree."""
    from showcal.catalogue import load

    catalog = load(ROOT / "events.yaml")
    cited = {s.homepage for s in catalog.shows if s.homepage}
    cited |= {u for e in catalog.events for u in (*e.sources, e.url) if u}
    found, _ = links.find_links(ROOT / "events.yaml")
    assert {link.url for link in found} == cited


def test_addresses_in_unicode_are_sent_as_the_web_sends_them():
    assert links.as_uri("https://b\u00fccher.example/caf\u00e9?q=\u00e9t\u00e9#top") == (
        "https://xn--bcher-kva.example/caf%C3%A9?q=%C3%A9t%C3%A9"
    )
    assert links.as_uri("https://example.org/a%20b?x=1") == "https://example.org/a%20b?x=1"


def test_validate_with_links_loads_neither_the_calendar_nor_the_web_library(tmp_path, servers):
    (base, site), _ = servers
    path = write(tmp_path, f"shows:\n  - slug: a\n    title: A\n    homepage: {base}/ok\n")
    script = (
        "import sys\nfrom showcal.cli import main\n"
        f"try:\n    main(['validate', {str(path)!r}, '--check-links'])\nexcept SystemExit as done:\n"
        "    print(done.code, sorted({m.split('.')[0] for m in sys.modules} & {'icalendar', 'flask', 'jinja2'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.stdout.splitlines()[-1] == "0 []", done.stderr
    assert site.seen() == Counter({("HEAD", "/ok"): 1})


@pytest.fixture
def tls_server(tmp_path) -> Iterator[str]:
    """A server on 127.0.0.1 speaking TLS with a self-signed certificate, which no client trusts."""
    openssl = shutil.which("openssl")
    if openssl is None:
        missing("openssl is not installed (Debian: apt-get install openssl)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1"], check=True, capture_output=True, timeout=60)  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    base, site, httpd, thread = serve(context)
    yield base
    site.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


def test_a_certificate_no_one_trusts_is_a_dead_link(tls_server):
    verdicts = links.check_links([f"{tls_server}/ok"], timeout=5)
    assert verdicts == {f"{tls_server}/ok": links.Verdict("dead", "failed the TLS check (self-signed certificate)")}


def test_odd_answers(servers):
    (base, site), _ = servers
    urls = ["/hangs-up-on-head", "/to-ftp", "/nowhere", "/chain/0"]
    verdicts = links.check_links([base + url for url in urls], timeout=5)
    assert [verdicts[base + url] for url in urls] == [
        links.Verdict("alive", "answered 200 OK"),
        links.Verdict("dead", "redirects to ftp://127.0.0.1/file, which is not a web address"),
        links.Verdict("dead", "answered 302 Found without saying where to"),
        links.Verdict("dead", "redirects more than 10 times"),
    ]
    seen = site.seen()
    assert seen[("HEAD", "/hangs-up-on-head")] == seen[("GET", "/hangs-up-on-head")] == 1
    assert Counter(path for method, path in seen.elements() if path.startswith("/chain/")) == Counter(
        f"/chain/{n}" for n in range(11)
    ), "the first address and ten redirects, each asked once"
