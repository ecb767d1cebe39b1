"""Real HTTP on 127.0.0.1: `showcal serve` and gunicorn in subprocesses, each started once per module."""

from __future__ import annotations

import gzip
import http.client
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from conftest import EVENTS, parse
from needs import missing
from test_web import SEVERANCE_UIDS, Elements

STARTUP = 20.0
"""Seconds a server may take to answer /healthz before the test fails."""


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path
    data: Path

    def request(self, path: str, method: str = "GET", headers: dict[str, str] | None = None):
        """One request on a fresh connection; the path is sent exactly as given, escapes and all."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def require(module: str) -> None:
    """Missing tools fail in CI, where they must be installed, and skip only on a developer's machine."""
    if importlib.util.find_spec(module) is None:
        missing(f"{module} is not installed (pip install -e '.[test]')")


def start(command: list[str], port: int, data: Path, log: Path, env: dict[str, str] | None = None) -> Server:
    handle = log.open("wb")
    process = subprocess.Popen(
        command, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}, cwd=data.parent
    )
    handle.close()
    server = Server(process, port, log, data)
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if server.request("/healthz")[0] == 200:
                return server
        except OSError:
            time.sleep(0.1)
    stop(server)
    pytest.fail(f"server did not answer within {STARTUP}s:\n{log.read_text(errors='replace')}")


def stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=10)


def data_copy(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "events.yaml"
    shutil.copyfile(EVENTS, target)
    return target


def serve_command(data: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "showcal", "serve", str(data), "--host", "127.0.0.1", "--port", str(port)]


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("serve")
    data = data_copy(folder / "data")
    port = free_port()
    server = start(serve_command(data, port), port, data, folder / "serve.log")
    yield server
    stop(server)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """`showcal build` of the same data into an empty folder."""
    folder = tmp_path_factory.mktemp("build")
    data = data_copy(folder / "data")
    out = folder / "site"
    command = [sys.executable, "-m", "showcal", "build", str(data), "--out", str(out), "--quiet"]
    subprocess.run(command, check=True, timeout=60, capture_output=True)
    return out


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory) -> Iterator[Server]:
    require("gunicorn")
    folder = tmp_path_factory.mktemp("gunicorn")
    data = data_copy(folder / "data")
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "showcal.web:create_app()"]
    env = {"SHOWCAL_DATA": str(data), "SHOWCAL_RELOAD_INTERVAL": "0.2"}
    server = start(command, port, data, folder / "gunicorn.log", env)
    yield server
    stop(server)


def check_feed_http(server: Server, built: Path) -> None:
    """The battery every server passes: headers, 304 both ways, HEAD, gzip, parsers, bytes of the build."""
    status, headers, body = server.request("/shows/severance.ics")
    assert status == 200
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["etag"].startswith('"') and headers["etag"].endswith('"')
    assert headers["last-modified"] and headers["cache-control"] == "public, max-age=300"
    assert body == (built / "shows/severance.ics").read_bytes()
    parsed = parse(body)
    assert set(parsed.starts) == SEVERANCE_UIDS
    assert parsed.starts["s02e01.severance@showcal"] == date(2025, 1, 17)

    for condition in ({"If-None-Match": headers["etag"]}, {"If-Modified-Since": headers["last-modified"]}):
        status, _, empty = server.request("/shows/severance.ics", headers=condition)
        assert (status, empty) == (304, b"")

    status, head_headers, empty = server.request("/shows/severance.ics", method="HEAD")
    assert (status, empty) == (200, b"")
    assert head_headers["etag"] == headers["etag"] and head_headers["content-length"] == str(len(body))

    status, zipped_headers, zipped = server.request("/shows/severance.ics", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and zipped_headers["content-encoding"] == "gzip"
    assert gzip.decompress(zipped) == body

    status, _, everything = server.request("/all.ics")
    assert status == 200 and everything == (built / "all.ics").read_bytes()


def test_serve_feed_http(served, built):
    check_feed_http(served, built)


def test_gunicorn_feed_http(gunicorn, built):
    check_feed_http(gunicorn, built)
    etags = {gunicorn.request("/shows/severance.ics")[1]["etag"] for _ in range(8)}
    assert len(etags) == 1  # every worker renders the same bytes


def test_serve_unknown_show_and_path_tricks(served):
    status, headers, body = served.request("/shows/no-such-show")
    assert status == 404 and headers["content-type"].startswith("text/html")
    assert b"Traceback" not in body and str(served.data.parent).encode() not in body
    for path in (
        "/shows/%2e%2e/%2e%2e/etc/passwd",
        "/shows/..%2f..%2fevents.yaml",
        "/static/..%2f..%2fevents.yaml",
        "/static/%2e%2e/%2e%2e/pyproject.toml",
        "/..%2fevents.yaml",
        "/shows/severance/..%2f..%2f..%2fevents.yaml",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    ):
        status, _, body = served.request(path)
        assert 400 <= status < 500, path
        assert b"shows:" not in body and b"root:" not in body and b"Traceback" not in body, path


def test_serve_show_page(served, built):
    status, headers, body = served.request("/shows/severance")
    assert status == 200
    page = Elements(body.decode())
    host = f"127.0.0.1:{served.port}"
    assert page.by_id("subscribe-apple")["href"] == f"webcal://{host}/shows/severance.ics"
    google = urlsplit(page.by_id("subscribe-google")["href"])
    assert google.netloc == "calendar.google.com"
    assert parse_qs(google.query)["cid"] == [f"webcal://{host}/shows/severance.ics"]
    assert urlsplit(page.by_id("subscribe-outlook")["href"]).netloc == "outlook.live.com"
    assert page.by_id("qr")["data-qr-label"] == "QR code for subscribing to Severance", "drawn by qr.js"
    loaded = [a.get("src") or a.get("href") for t, a in page.tags if t in ("script", "link", "img", "iframe", "source")]
    assert loaded and all(not urlsplit(url).netloc for url in loaded)
    assert "default-src 'none'" in headers["content-security-policy"]
    for url in loaded:
        path = "/" + url.replace("../", "")
        status, _, asset = served.request(path)
        assert status == 200 and asset == (built / path.lstrip("/")).read_bytes()


def wait_for(condition, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"not within {seconds}s")


def test_serve_follows_edits_and_survives_bad_ones(editable):
    good = editable.data.read_text(encoding="utf-8")
    _, _, original = editable.request("/shows/severance.ics")

    editable.data.write_text(good.replace("date: 2024-12-17", "date: 2024-12-18"), encoding="utf-8")
    edited = wait_for(lambda: (body := editable.request("/shows/severance.ics")[2]) != original and body)
    assert parse(edited).starts["s1-blu-ray.severance@showcal"] == date(2024, 12, 18)

    editable.data.write_text(good.replace("date: 2024-12-17", "date: 2024-13-01"), encoding="utf-8")
    status, _, health = wait_for(lambda: (r := editable.request("/healthz"))[0] != 200 and r)
    assert status == 503
    assert b"events.yaml:" in health and str(editable.data.parent).encode() not in health
    assert editable.request("/shows/severance.ics")[2] == edited
    log = editable.log.read_text(errors="replace")
    assert f"{editable.data}:" in log and "2024-13-01" in log

    editable.data.write_text(good.replace("date: 2024-12-17", "date: 2024-12-20"), encoding="utf-8")
    wait_for(lambda: editable.request("/healthz")[0] == 200)
    fixed = parse(editable.request("/shows/severance.ics")[2])
    assert fixed.starts["s1-blu-ray.severance@showcal"] == date(2024, 12, 20)


def test_gunicorn_workers_all_follow_an_edit(gunicorn):
    good = gunicorn.data.read_text(encoding="utf-8")
    gunicorn.data.write_text(good.replace("date: 2024-12-17", "date: 2024-12-21"), encoding="utf-8")
    try:

        def all_moved() -> bool:
            bodies = [gunicorn.request("/shows/severance.ics")[2] for _ in range(6)]
            return all(parse(b).starts["s1-blu-ray.severance@showcal"] == date(2024, 12, 21) for b in bodies)

        wait_for(all_moved)
    finally:
        gunicorn.data.write_text(good, encoding="utf-8")


def sequences(body: bytes) -> dict[str, int]:
    return {str(e["UID"]): int(e.get("SEQUENCE", 0)) for e in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def agreed(server: Server, path: str, day: date, seconds: float = 15.0) -> list:
    """Twenty answers in a row with one ETag and the edit in them: every worker has reloaded, and all agree."""
    deadline = time.monotonic() + seconds
    while True:
        answers = [server.request(path) for _ in range(20)]
        etags = {headers["etag"] for _, headers, _ in answers}
        if len(etags) == 1 and parse(answers[0][2]).starts["s1-blu-ray.severance@showcal"] == day:
            return answers
        assert time.monotonic() < deadline, f"the workers still send {len(etags)} revisions after {seconds:.0f} s"
        time.sleep(0.2)


def test_four_gunicorn_workers_send_one_revision_before_and_after_a_restart(tmp_path):
    """Revisions are a function of the data and the committed record: every worker, every restart, same bytes."""
    require("gunicorn")
    data = data_copy(tmp_path / "data")
    subprocess.run([sys.executable, "-m", "showcal", "build", str(data), "--quiet"], check=True, timeout=60)
    published = sequences((data.parent / "feeds/shows/severance.ics").read_bytes())
    good = data.read_text(encoding="utf-8")
    command = [sys.executable, "-m", "gunicorn", "-w", "4", "-b", "127.0.0.1:{port}", "showcal.web:create_app()"]
    env = {"SHOWCAL_DATA": str(data), "SHOWCAL_RELOAD_INTERVAL": "0.2"}

    def run() -> Server:
        port = free_port()
        return start([c.format(port=port) for c in command], port, data, tmp_path / "gunicorn.log", env)

    server = run()
    try:
        for day, then in (("2024-12-18", 1_800_000_000), ("2024-12-19", 1_800_000_100)):
            data.write_text(good.replace("date: 2024-12-17", f"date: {day}"), encoding="utf-8")
            os.utime(data, (then, then))
            answers = agreed(server, "/shows/severance.ics", date.fromisoformat(day))
            body = answers[0][2]
            now = sequences(body)
            assert all(now[uid] >= published[uid] for uid in published), "no SEQUENCE goes down"
            assert now["s1-blu-ray.severance@showcal"] == published["s1-blu-ray.severance@showcal"] + 1
    finally:
        stop(server)
    server = run()
    try:
        assert server.request("/shows/severance.ics")[2] == body, "a restart sends the same bytes"
    finally:
        stop(server)


def test_slow_clients_block_nothing_under_the_production_command(tmp_path):
    """Clients that send a header line a second (slowloris) hold a thread each, not the server.

    With gunicorn's default sync workers, two such clients stop `/healthz` from answering at all.
    """
    require("gunicorn")
    data = data_copy(tmp_path / "data")
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8",
               "-b", f"127.0.0.1:{port}", "showcal.web:create_app()"]  # fmt: skip
    server = start(command, port, data, tmp_path / "gunicorn.log", {"SHOWCAL_DATA": str(data)})
    slow = []
    try:
        for _ in range(4):
            sock = socket.create_connection(("127.0.0.1", port), timeout=10)
            sock.sendall(b"GET /shows/severance.ics HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(sock)
        deadline = time.monotonic() + 6
        worst = 0.0
        while time.monotonic() < deadline:
            for sock in slow:
                sock.sendall(b"X-Slow: 1\r\n")
            asked = time.monotonic()
            status, _, _ = server.request("/healthz")
            worst = max(worst, time.monotonic() - asked)
            assert status == 200
            time.sleep(1)
        assert worst < 2.0, f"/healthz took {worst:.1f}s while slow clients were connected"
    finally:
        for sock in slow:
            sock.close()
        stop(server)
