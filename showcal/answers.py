"""HTTP answers made of bytes a data version holds already: validators, 304s, gzip, security headers.

Subscribed calendars poll their feeds all day, most of them to hear "not
modified". So the answer to a feed already in memory is made here, from what
`Rendered` computed once, and `CachedPolls` gives it before Flask is even
asked: the same answer the Flask view would give (it uses the same function),
for a fraction of the work. Anything else goes on to Flask.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from werkzeug.http import parse_date, parse_etags

from .live import LiveData, Rendered

HTML = "text/html; charset=utf-8"
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
PAGE_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
"""Pages may load only from this site: the policy enforces what the templates promise."""
HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?")
"""A host name or address, with a port: what subscribe links may be built on when site.url is not set."""

Headers = list[tuple[str, str]]


def answer(entry: Rendered, environ: dict, *, max_age: int, download: str = "") -> tuple[int, Headers, bytes]:
    """Status, headers and body for `entry`: 304 for a matching If-None-Match or If-Modified-Since, gzip if
    the client takes it."""
    gzip = len(entry.body) > 200 and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
    etag = f'"{entry.etag}-gzip"' if gzip else f'"{entry.etag}"'
    headers = [
        ("ETag", etag),
        ("Cache-Control", f"public, max-age={max_age}"),
        ("Vary", "Accept-Encoding"),
        *SECURITY_HEADERS.items(),
    ]
    if entry.mimetype == HTML:
        headers.append(("Content-Security-Policy", PAGE_POLICY))
    if not_modified(environ, entry, etag):
        return 304, headers, b""  # RFC 9110 15.4.5: the validators and caching headers, no content headers
    headers += [("Last-Modified", entry.last_modified), ("Content-Type", entry.mimetype)]
    if gzip:
        headers.append(("Content-Encoding", "gzip"))
    if download:
        headers.append(("Content-Disposition", f'attachment; filename="{download}"'))
    return 200, headers, entry.gzipped if gzip else entry.body


def accepts_gzip(header: str) -> bool:
    """Accept-Encoding names gzip with a weight above zero (`gzip;q=0` refuses it)."""
    if "gzip" not in header:
        return False
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name.strip().lower() in ("gzip", "x-gzip"):
            weight = params.strip().lower().removeprefix("q=") if params.strip().lower().startswith("q=") else "1"
            try:
                return float(weight) > 0
            except ValueError:
                return False
    return False


def not_modified(environ: dict, entry: Rendered, etag: str) -> bool:
    """RFC 9110: If-None-Match decides when given; otherwise If-Modified-Since against Last-Modified."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
        return False
    match = environ.get("HTTP_IF_NONE_MATCH")
    if match is not None:
        if match.strip() == etag:
            return True
        return parse_etags(match).contains_weak(etag.strip('"'))
    since = environ.get("HTTP_IF_MODIFIED_SINCE")
    if since is not None:
        when = parse_date(since)
        return when is not None and entry.modified.replace(microsecond=0) <= when
    return False


REASONS = {200: "200 OK", 304: "304 Not Modified"}


class CachedPolls:
    """WSGI: a feed polled with no options, already in memory, answered without Flask; all else passes on."""

    def __init__(self, app: Callable, live: LiveData, max_age: int):
        self.app, self.live, self.max_age = app, live, max_age

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        entry = self._cached(environ)
        if entry is None:
            return self.app(environ, start_response)
        status, headers, body = answer(entry, environ, max_age=self.max_age)
        if status == 200:
            headers.append(("Content-Length", str(len(body))))
        start_response(REASONS[status], headers)
        return [] if status == 304 or environ["REQUEST_METHOD"] == "HEAD" else [body]

    def _cached(self, environ: dict) -> Rendered | None:
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("QUERY_STRING"):
            return None
        path = environ.get("PATH_INFO", "")
        if not path.endswith(".ics") or "//" in path or ".." in path:
            return None
        host = environ.get("HTTP_HOST")
        if host is not None and not HOST.fullmatch(host):
            return None
        version = self.live.current()
        if path == "/all.ics":
            return version.cached(("feed", "all", (), datetime.now(UTC).date()))
        return version.cached(("file", path[1:]))
