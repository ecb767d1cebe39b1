"""A bounded load on a server on 127.0.0.1 while its data file is rewritten: what it answered, and how fast.

    python tests/load_client.py PORT DATA_FILE [SECONDS]

Threads poll a mix of feeds (plain and conditional), pages, the API and
`/healthz` with keep-alive connections, for a fixed time, and stop by
themselves; meanwhile the data file is rewritten in turn with valid edits,
invalid ones and edits that once crashed the renderer. Every answer is
checked as it comes: no 5xx, every 304 only for the ETag that was sent, and
every 200 of a feed a whole calendar whose ETag is the digest of its bytes.
`tests/test_under_load.py` runs it in the suite; run alone, it prints what it saw.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import statistics
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

PATHS = (
    "/shows/severance.ics",
    "/shows/severance.ics",
    "/shows/andor.ics",
    "/all.ics",
    "/shows/severance.ics?reminder=1d",
    "/shows/severance",
    "/api/shows.json",
    "/healthz",
    "/shows/severance/s02e01.ics",
)


def edits(good: str) -> list[tuple[str, str, bool]]:
    """Versions of the data, in the order they are written: (name, text, valid)."""
    return [
        ("retitled", good.replace("title: Panel at CCXP24", "title: Severance panel at CCXP24"), True),
        ("broken YAML", good.replace("    title: Severance\n", "    title: Severance\n   network: x\n"), False),
        ("moved", good.replace("date: 2024-12-17", "date: 2024-12-20"), True),
        ("a date past the supported range", good.replace("date: 2024-12-17", "date: 9999-12-31"), False),
        ("unknown key", good.replace("    title: Severance\n", "    title: Severance\n    titel: x\n"), False),
        (
            "cancelled",
            good.replace("        date: 2024-12-07\n", "        date: 2024-12-07\n        status: cancelled\n"),
            True,
        ),  # fmt: skip
        ("an episode count of a billion", good.replace("count: 10", "count: 1000000000"), False),
        ("original", good, True),
    ]


@dataclass
class Seen:
    """What every thread saw, merged."""

    statuses: Counter = field(default_factory=Counter)
    health: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    bodies: dict[str, set[bytes]] = field(default_factory=dict)
    wrong: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, status: int, seconds: float, body: bytes) -> None:
        with self.lock:
            (self.health if path == "/healthz" else self.statuses)[status] += 1
            self.latencies.append(seconds)
            if status == 200 and path.endswith(".ics"):
                self.bodies.setdefault(path, set()).add(body)

    def fault(self, message: str) -> None:
        with self.lock:
            self.wrong.append(message)

    @property
    def p99(self) -> float:
        return statistics.quantiles(self.latencies, n=100)[98] if len(self.latencies) >= 100 else max(self.latencies)


def poll(port: int, until: float, offset: int, seen: Seen) -> None:
    etags: dict[str, str] = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n = offset
    while time.monotonic() < until:
        path = PATHS[n % len(PATHS)]
        n += 1
        headers = {"Accept-Encoding": "gzip"} if n % 3 else {}
        sent = etags.get(path) if n % 2 else None
        if sent:
            headers["If-None-Match"] = sent
        started = time.monotonic()
        try:
            connection.request("GET", path, headers=headers)
            response = connection.getresponse()
            body = response.read()
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            continue
        seconds = time.monotonic() - started
        status = response.status
        if response.getheader("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        check(path, status, response, body, sent, seen)
        seen.record(path, status, seconds, body)
        if status == 200 and response.getheader("ETag"):
            etags[path] = response.getheader("ETag")
        if response.will_close:
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.close()


def check(path: str, status: int, response, body: bytes, sent: str | None, seen: Seen) -> None:
    if path == "/healthz":  # 503 while the data on disk cannot be used: that is its job
        if status not in (200, 503):
            seen.fault(f"{path}: {status}")
    elif status >= 400:
        seen.fault(f"{path}: {status}")
    if status == 304 and response.getheader("ETag") != sent:
        seen.fault(f"{path}: 304 for {sent!r}, but the answer's ETag is {response.getheader('ETag')!r}")
    if status == 200 and path.endswith(".ics"):
        if not (body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")):
            seen.fault(f"{path}: a torn calendar of {len(body)} bytes")
        etag = (response.getheader("ETag") or "").strip('"').removesuffix("-gzip")
        if etag != hashlib.sha256(body).hexdigest()[:32]:
            seen.fault(f"{path}: the ETag is not that of the bytes sent")


def settled(port: int, path: str, attempts: int = 60) -> bytes:
    """The bytes every worker sends for `path`, once they agree (ten answers in a row)."""
    for _ in range(attempts):
        bodies = set()
        for _ in range(10):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path)
            bodies.add(connection.getresponse().read())
            connection.close()
        if len(bodies) == 1:
            return bodies.pop()
        time.sleep(0.5)
    raise AssertionError(f"{path}: the workers did not agree")


def run(
    port: int, data: Path, seconds: float = 30.0, threads: int = 8, every: float = 2.0
) -> tuple[Seen, list, str, bytes]:
    """Load the server while rewriting `data`: what was seen, the versions written, and the last valid
    version's text with the Severance feed the server settles on for it."""
    good = data.read_text(encoding="utf-8")
    seen = Seen()
    until = time.monotonic() + seconds
    pollers = [threading.Thread(target=poll, args=(port, until, i, seen)) for i in range(threads)]
    for thread in pollers:
        thread.start()
    written = []
    versions = edits(good)
    step = 0
    while time.monotonic() < until - every:
        name, text, valid = versions[step % len(versions)]
        data.write_text(text, encoding="utf-8")
        written.append((name, valid))
        step += 1
        time.sleep(every)
    for thread in pollers:
        thread.join()
    last_valid = next(text for name, text, valid in reversed(versions[: (step - 1) % len(versions) + 1]) if valid)
    data.write_text(last_valid, encoding="utf-8")
    final = settled(port, "/shows/severance.ics")
    return seen, written, last_valid, final


def report(seen: Seen, seconds: float) -> str:
    total = sum(seen.statuses.values()) + sum(seen.health.values())
    statuses = ", ".join(f"{code}: {count}" for code, count in sorted(seen.statuses.items()))
    statuses += "; /healthz " + ", ".join(f"{code}: {count}" for code, count in sorted(seen.health.items()))
    return (
        f"{total} requests in {seconds:.0f}s ({total / seconds:.0f}/s); {statuses}; "
        f"p50 {statistics.median(seen.latencies) * 1000:.1f} ms, p99 {seen.p99 * 1000:.1f} ms; "
        f"faults: {len(seen.wrong)}"
    )


if __name__ == "__main__":
    port, data = int(sys.argv[1]), Path(sys.argv[2])
    seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 30.0
    found, written, _, _ = run(port, data, seconds)
    print(report(found, seconds))
    print("versions written:", ", ".join(f"{name}{'' if valid else ' (refused)'}" for name, valid in written))
    for fault in found.wrong[:20]:
        print("fault:", fault)
