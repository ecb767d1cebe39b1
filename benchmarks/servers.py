"""Servers on 127.0.0.1 for the harness: gunicorn (showcal or the bare Flask app), nginx, and wrk against them.

Every server is a child process listening on a free loopback port, stopped
by its own process id; every client call has a timeout.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.tools import project_command

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float


def get(port: int, path: str, headers: Mapping[str, str] | None = None, timeout: float = 30) -> Answer:
    """One request on a fresh connection, as a subscriber's calendar app makes it."""
    start = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers=dict(headers or {}))
        response = connection.getresponse()
        body = response.read()
        return Answer(response.status, dict(response.getheaders()), body, time.perf_counter() - start)
    finally:
        connection.close()


def wait_for(
    port: int,
    path: str,
    deadline: float,
    process: subprocess.Popen | None = None,
    hopeless: Callable[[], str | None] | None = None,
) -> float:
    """Poll until `path` answers 200; the moment it did (time.perf_counter()).

    `hopeless` may say why waiting longer is pointless (a server that keeps
    killing its own workers), which ends the wait with that message.
    """
    while True:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode} before {path} answered")
        why = hopeless() if hopeless else None
        if why:
            raise RuntimeError(why)
        try:
            if get(port, path, timeout=max(0.5, min(30, deadline - time.perf_counter()))).status == 200:
                return time.perf_counter()
        except OSError:
            pass
        if time.perf_counter() > deadline:
            raise TimeoutError(f"{path} did not answer 200 in time")
        time.sleep(0.02)


@dataclass
class Server:
    """A server process group and the port it listens on."""

    process: subprocess.Popen
    port: int
    log: Path
    started: float
    extra: dict = field(default_factory=dict)

    def worker_timeouts(self) -> str | None:
        """gunicorn kills a worker silent for 30 s (its --timeout), loading included: a few kills mean no start."""
        count = self.log.read_text(errors="replace").count("WORKER TIMEOUT") if self.log.exists() else 0
        if count >= 4:
            return f"gunicorn killed its workers {count} times (WORKER TIMEOUT, 30 s default) before they answered"
        return None

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def spawn(
    command: Sequence[str], port: int, log: Path, env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Server:
    """Start a server in its own process group, so stopping it stops its workers too."""
    handle = log.open("ab")
    started = time.perf_counter()
    process = subprocess.Popen(list(command), stdout=handle, stderr=subprocess.STDOUT, env=dict(env or os.environ),
                               cwd=cwd, start_new_session=True)  # fmt: skip
    handle.close()
    return Server(process, port, log, started)


GUNICORN_OPTIONS = ["-w", "2", "-k", "gthread", "--threads", "8"]
"""The README's production options: two worker processes of eight threads, so a few slow clients block nothing."""


def gunicorn(app: str, port: int, log: Path, env: Mapping[str, str], cwd: Path) -> Server:
    """The production command: gunicorn -w 2 -k gthread --threads 8 -b 127.0.0.1:PORT APP."""
    command = [*project_command("gunicorn"), *GUNICORN_OPTIONS, "-b", f"127.0.0.1:{port}", app]
    return spawn(command, port, log, env, cwd)


def showcal_server(data: Path, port: int, log: Path, cwd: Path, state: Path | None = None) -> Server:
    """`SHOWCAL_DATA=DATA gunicorn ...`; with `state`, SHOWCAL_STATE_DIR too (the default is feeds/ beside the data)."""
    env = {**os.environ, "SHOWCAL_DATA": str(data)}
    if state is not None:
        env["SHOWCAL_STATE_DIR"] = str(state)
    return gunicorn("showcal.web:create_app()", port, log, env, cwd)


def bare_server(body: Path, headers: Path, port: int, log: Path) -> Server:
    pythonpath = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")]))
    env = {**os.environ, "BARE_BODY": str(body), "BARE_HEADERS": str(headers), "PYTHONPATH": pythonpath}
    return gunicorn("benchmarks.bare_app:create_app()", port, log, env, ROOT)


def nginx(binary: str, site: Path, base: Path) -> Server:
    """nginx with the project's deploy/nginx.conf, rooted at the build, on a loopback port, 2 workers."""
    port = free_port()
    base.mkdir(parents=True, exist_ok=True)
    server = (ROOT / "deploy" / "nginx.conf").read_text()
    server = server.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace("/srv/showcal/site", str(site))
    (base / "showcal.conf").write_text(server)
    temp = " ".join(f"{name}_temp_path {base}/{name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""
    (base / "nginx.conf").write_text(
        f"daemon off; worker_processes 2; {user} pid {base}/nginx.pid; error_log {base}/error.log;\n"
        f"events {{ worker_connections 1024; }}\n"
        f"http {{ access_log off; {temp} include {base}/showcal.conf; }}\n"
    )
    return spawn([binary, "-p", str(base), "-c", str(base / "nginx.conf")], port, base / "stdout.log")


@dataclass(frozen=True)
class Load:
    requests_per_second: float
    requests: int
    bad: int
    """Responses that were not 2xx or 3xx, plus socket errors."""
    raw: str
    seen: object = None
    """What `during` returned, a second into the run."""


def wrk(
    binary: str,
    port: int,
    path: str,
    *,
    seconds: float,
    connections: int,
    headers: Mapping[str, str] = {},
    during: Callable[[], object] | None = None,
) -> Load:
    """One wrk run against 127.0.0.1, bounded by its duration (and a hard timeout); `during` looks at it once."""
    command = [binary, "-t", "1", "-c", str(connections), "-d", f"{seconds:g}s", "--timeout", "10s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://127.0.0.1:{port}{path}")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = None
    if during is not None:
        time.sleep(min(1.0, seconds / 2))
        seen = during()
    try:
        text, errors_text = process.communicate(timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {errors_text}")
    rate = float(re.search(r"Requests/sec:\s*([\d.]+)", text).group(1))  # type: ignore[union-attr]
    count = int(re.search(r"(\d+) requests in", text).group(1))  # type: ignore[union-attr]
    bad = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", text))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return Load(rate, count, bad, text, seen)


def poller(port: int, path: str, interval: float, seconds: float, out: Path) -> subprocess.Popen:
    """A client in its own process asking for `path` every `interval` s, each answer's latency to `out`."""
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("poll.py")), str(port), path,
                             str(interval), str(seconds), str(out)])  # fmt: skip
