"""A subscriber's client, as its own process: GET a path every INTERVAL seconds for at most SECONDS.

    python benchmarks/poll.py PORT PATH INTERVAL SECONDS OUT

Each request goes to 127.0.0.1 on a fresh connection; OUT gets one line per
request: the time it was sent (time.monotonic(), comparable across processes
on one machine), its latency in seconds and its status (0 for a failure).
Stops by itself after SECONDS, or when terminated.
"""

from __future__ import annotations

import http.client
import signal
import sys
import time


def main(argv: list[str]) -> None:
    port, path, interval, seconds, out = int(argv[1]), argv[2], float(argv[3]), float(argv[4]), argv[5]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    deadline = time.monotonic() + seconds
    with open(out, "w", buffering=1) as log:
        while time.monotonic() < deadline:
            sent = time.monotonic()
            status = 0
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                connection.request("GET", path)
                response = connection.getresponse()
                response.read()
                status = response.status
                connection.close()
            except OSError:
                pass
            latency = time.monotonic() - sent
            log.write(f"{sent:.6f} {latency:.6f} {status}\n")
            time.sleep(max(0.0, interval - latency))


if __name__ == "__main__":
    main(sys.argv)
