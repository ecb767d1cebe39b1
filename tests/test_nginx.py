"""The shipped nginx configuration serves the static build as the app would: same URLs, same bytes."""

from __future__ import annotations

import gzip
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from needs import missing
from parsers import read_feed

from showcal.build import build
from showcal.web import create_app

ROOT = Path(__file__).parent.parent


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if found is None:
        missing("nginx is not installed (./scripts/test installs it with apt-get)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def nginx(tmp_path_factory):
    binary = nginx_binary()
    base = tmp_path_factory.mktemp("nginx")
    site = base / "site"
    build(ROOT / "events.yaml", site)
    port = free_port()
    server = (ROOT / "deploy" / "nginx.conf").read_text()
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace("/srv/showcal/site", str(site))
    (base / "showcal.conf").write_text(server)
    temp = " ".join(f"{name}_temp_path {base}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (base / "nginx.conf").write_text(
        f"daemon off; master_process off; worker_processes 1; pid {base}/nginx.pid; error_log {base}/error.log;\n"
        f"events {{ worker_connections 64; }}\n"
        f"http {{ access_log off; {temp} include {base}/showcal.conf; }}\n"
    )
    process = subprocess.Popen([binary, "-p", str(base), "-c", str(base / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                log = base / "error.log"
                pytest.fail(f"nginx did not start: {log.read_text() if log.exists() else 'no log'}")
            time.sleep(0.1)
    yield url, site
    process.terminate()
    process.wait(timeout=10)


def get(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_feeds_are_served_byte_for_byte_as_calendars(nginx):
    url, site = nginx
    for path in ("all.ics", "shows/severance.ics", "shows/severance/s02e01.ics"):
        status, headers, body = get(f"{url}/{path}")
        assert status == 200
        assert headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert body == (site / path).read_bytes()
        assert read_feed(body)


def test_conditional_requests_and_gzip(nginx):
    url, site = nginx
    status, headers, body = get(f"{url}/shows/severance.ics")
    assert headers["ETag"] and headers["Last-Modified"] and "max-age=" in headers["Cache-Control"]
    assert get(f"{url}/shows/severance.ics", {"If-None-Match": headers["ETag"]})[0] == 304
    assert get(f"{url}/shows/severance.ics", {"If-Modified-Since": headers["Last-Modified"]})[0] == 304
    status, zipped_headers, zipped = get(f"{url}/shows/severance.ics", {"Accept-Encoding": "gzip"})
    assert zipped_headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped) == body


def test_pages_answer_at_the_apps_paths(nginx):
    url, site = nginx
    status, headers, body = get(f"{url}/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert body == (site / "index.html").read_bytes()
    status, headers, body = get(f"{url}/shows/severance")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"Severance" in body


def test_unknown_paths_and_path_tricks_are_404(nginx):
    url, _ = nginx
    assert get(f"{url}/shows/no-such-show.ics")[0] == 404
    for trick in ("/shows/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd", "/shows/..%2F..%2Fnginx.conf"):
        status, _, body = get(url + trick)
        assert status in (400, 404), trick
        assert b"root:" not in body and b"daemon off" not in body


def test_every_other_kind_of_file_has_the_apps_type(nginx):
    url, site = nginx
    app = create_app({"TESTING": True, "DATA": str(Path(__file__).parent.parent / "events.yaml")}).test_client()
    for path in ("changes.atom", "shows/severance.atom", "favicon.ico", "apple-touch-icon.png", "static/icon.svg",
                 "static/showcal.css", "static/showcal.js", "api/shows.json", "search.json"):  # fmt: skip
        status, headers, body = get(f"{url}/{path}")
        assert status == 200 and body == (site / path).read_bytes(), path
        assert headers["Content-Type"] == app.get(f"/{path}").headers["Content-Type"], path


def test_the_builds_record_is_not_served(nginx):
    url, site = nginx
    assert (site / ".showcal" / "changes.jsonl").exists()
    for path in ("/.showcal/changes.jsonl", "/.showcal/revisions/severance.jsonl", "/.showcal/cache/state.pickle"):
        assert get(url + path)[0] == 404, path
