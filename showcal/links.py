"""Whether the web addresses the data cites still answer: `showcal validate --check-links`.

Only on request, and only after the data validates: links rot on their own
time, not on the curator's edit, so a plain validate or build never touches
the network. Each distinct address is asked once, however many events cite
it, and every place that cites a dead one is reported at its FILE:LINE:COL,
found again in the composed YAML (the model keeps values, not positions).

Politeness and bounds: HEAD first, GET only when a server refuses HEAD; at
most PARALLEL requests at once and PER_HOST to any one host; each request
gives up after `timeout` seconds without a byte, each address after
BUDGET times that in all (however slowly a server trickles its answer),
and the whole check after `limit` seconds. Nothing but the status line and
headers is read.
"""

from __future__ import annotations

import http.client
import importlib.metadata
import queue
import socket
import ssl
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Literal
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

import yaml

from . import catalogue, parallel
from .chunks import Chunk
from .errors import Problem
from .load import compose_data
from .rules import FILE, RUN, SHAPES, Events, ListOf, Nested, Shape, Shows
from .values import NULL, Url

TIMEOUT = 10.0
"""Seconds a request may wait for any byte of an answer."""
BUDGET = 3
"""An address gets this many times `timeout` in all: redirects, a second request with GET, a slow answer."""
LIMIT = 20 * 60.0
"""Seconds the whole check may take; what is not checked by then is said to be so."""
PARALLEL = 8
PER_HOST = 2
MAX_REDIRECTS = 10
TRUSTED_HEAD = frozenset({404, 410, 429})
REFUSED = frozenset({401, 403})
"""Answers that may only mean "not to a program": reported as warnings, to be looked at in a browser."""
"""Answers to HEAD believed as they are; any other failure is asked again with GET (many servers refuse HEAD)."""

SHAPE = {shape.name: shape for shape in SHAPES}
State = Literal["alive", "dead", "unsure", "unchecked"]


@dataclass(frozen=True)
class Place:
    """Where the data cites an address."""

    file: str
    line: int
    column: int
    path: str


@dataclass(frozen=True)
class Link:
    url: str
    places: tuple[Place, ...]


@dataclass(frozen=True)
class Verdict:
    """What asking for one address gave.

    `unsure` is an answer that says nothing sure about the page: the server
    is busy or failing (429, 5xx), or will not show it to a program (401,
    403, which sites that keep out robots answer to anything but a browser).
    """

    state: State
    what: str
    """What happened, to follow the address in a sentence: "answered 404 Not Found"."""
    advice: str = ""
    """What to do about it, where the state's own advice (ADVICE) does not fit."""


# -- finding the links ----------------------------------------------------------------------


def find_links(path: str | Path) -> tuple[list[Link], list[Problem]]:
    """Every distinct address in shows' `homepage:` and events' `sources:` and `url:`, with each place citing it.

    The site's own `url:` is left out: it is where the build is published,
    which need not be up before it is. Problems are those of reading the
    files, should one have changed since it was validated. The files are
    cut into one piece per show and read on every core, as the validator
    reads them (catalogue.py): a catalogue of every show is 200 MB of YAML.
    """
    infos, data, problems = catalogue.read_files(Path(path))
    pieces = [piece for info in infos for piece in info.pieces]
    _SHARED["data"] = data
    try:
        results = list(parallel.run(_read_batch, pieces))
    finally:
        _SHARED.clear()
    broken = {piece.file for piece, found in results if found is None}
    for name in broken:  # a piece that does not read on its own: its file is read whole instead
        node, trouble = compose_data(name, data.get(name, b""))
        problems += trouble
        results.append((Chunk(name, catalogue.WHOLE, 0, 0, ""), _found(_urls(node, FILE, "")) if node else []))
    places: dict[str, list[Place]] = {}
    lines = _Lines(data)
    for piece, found in results:
        if found is None or (piece.file in broken and piece.index != catalogue.WHOLE):
            continue
        offset = lines.before(piece) if piece.index != catalogue.WHOLE else 0
        for where, url, line, column in found:
            places.setdefault(url, []).append(Place(piece.file, offset + line, column, where))
    return [Link(url, tuple(found)) for url, found in places.items()], problems


_SHARED: dict[str, Mapping[str, bytes]] = {}
"""The files' bytes, for forked workers."""


Found = list[tuple[str, str, int, int]]
"""Each address of a piece: its path, the address, and its line (in the piece) and column, from 1."""


def _read_batch(pieces: Sequence[Chunk]) -> list[tuple[Chunk, Found | None]]:
    """Each piece's addresses, or None for a piece that does not read on its own."""
    data = _SHARED["data"]
    results: list[tuple[Chunk, Found | None]] = []
    for piece in pieces:
        node, trouble = compose_data(piece.file, catalogue.piece_bytes(piece, data))
        if trouble or node is None:
            results.append((piece, None))
        elif piece.index == catalogue.WHOLE:
            results.append((piece, _found(_urls(node, FILE, ""))))
        else:
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            results.append((piece, _found(f for item in items for f in _urls(item, SHAPE["show"], piece.path))))
    return results


def _found(nodes: Iterable[tuple[str, yaml.ScalarNode]]) -> Found:
    return [(path, node.value.strip(), node.start_mark.line + 1, node.start_mark.column + 1) for path, node in nodes]


class _Lines:
    """Lines before each piece, counted in one pass over each file, the pieces coming in the file's order."""

    def __init__(self, data: Mapping[str, bytes]) -> None:
        self.data = data
        self.file, self.offset, self.count = "", 0, 0

    def before(self, piece: Chunk) -> int:
        if piece.file != self.file or piece.start < self.offset:
            self.file, self.offset, self.count = piece.file, 0, 0
        self.count += self.data.get(piece.file, b"").count(b"\n", self.offset, piece.start)
        self.offset = piece.start
        return self.count


def _urls(node: yaml.Node, shape: Shape, path: str) -> Iterator[tuple[str, yaml.ScalarNode]]:
    """The address nodes below a mapping, walked with the same table of shapes the validator uses."""
    if not isinstance(node, yaml.MappingNode):
        return
    prefix = f"{path}." if path else ""
    for key, value in node.value:
        spec = shape.by_name.get(key.value) if isinstance(key, yaml.ScalarNode) else None
        kind = spec.value if spec is not None else None
        here = prefix + key.value if spec is not None else ""
        if isinstance(kind, Url):
            yield from _scalar(here, value)
        elif isinstance(kind, ListOf) and isinstance(kind.item, Url):
            if isinstance(value, yaml.SequenceNode):
                for index, item in enumerate(value.value):
                    yield from _scalar(f"{here}[{index}]", item)
            else:
                yield from _scalar(here, value)
        elif isinstance(kind, (Shows, Events)) and isinstance(value, yaml.SequenceNode):
            for index, item in enumerate(value.value):
                yield from _urls(item, _item_shape(kind, item), f"{here}[{index}]")
        elif isinstance(kind, Nested) and kind.shape != "site":
            yield from _urls(value, SHAPE[kind.shape], here)


def _item_shape(kind: Shows | Events, item: yaml.Node) -> Shape:
    if isinstance(kind, Shows):
        return SHAPE["show"]
    is_run = isinstance(item, yaml.MappingNode) and any(k.value == "run" for k, _ in item.value)
    return RUN if is_run else SHAPE["event"]


def _scalar(path: str, node: yaml.Node) -> Iterator[tuple[str, yaml.ScalarNode]]:
    if isinstance(node, yaml.ScalarNode) and node.tag != NULL and node.value.strip():
        yield path, node


# -- asking one address ---------------------------------------------------------------------------


def user_agent() -> str:
    return f"showcal/{importlib.metadata.version('showcal')} (link check)"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Redirects come back as answers: `ask` follows them itself, counting hops and spotting loops."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001 - urllib's signature
        return None


def ask(url: str, timeout: float = TIMEOUT) -> Verdict:
    """One address's verdict: HEAD, then GET if the server refuses HEAD; redirects followed, to MAX_REDIRECTS."""
    verdict, retry = _follow(url, "HEAD", timeout)
    if retry:
        verdict, _ = _follow(url, "GET", timeout)
    return verdict


def _follow(url: str, method: str, timeout: float) -> tuple[Verdict, bool]:
    """The verdict of one method, and whether it is worth asking again with GET."""
    seen = {url}
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        answer = _request(current, method, timeout)
        if isinstance(answer, _Silence):
            return answer.verdict, method == "HEAD" and answer.retry
        status, said = answer.status, _status(answer.status, answer.reason)
        where = f"redirects to {current}, which " if current != url else ""
        if 300 <= status < 400 and status != 304:
            if not answer.location:
                return Verdict("dead", f"{where}answered {said} without saying where to"), False
            target = urljoin(current, answer.location)
            if urlsplit(target).scheme.lower() not in ("http", "https"):
                return Verdict("dead", f"redirects to {target}, which is not a web address"), False
            if target in seen:
                return Verdict("dead", f"redirects in a loop (back to {target})"), False
            seen.add(target)
            current = target
            continue
        said = f"{where}answered {said}"
        if 200 <= status < 300:
            return Verdict("alive", said), False
        again = method == "HEAD" and status not in TRUSTED_HEAD
        if status == 429 or status >= 500:
            return Verdict("unsure", said), again
        if status in REFUSED:
            return Verdict("unsure", said, "open it in a browser to see whether it still holds"), again
        return Verdict("dead", said), again
    return Verdict("dead", f"redirects more than {MAX_REDIRECTS} times"), False


def _status(code: int, reason: str) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} {reason}".strip()


@dataclass(frozen=True)
class _Answer:
    status: int
    reason: str
    location: str


@dataclass(frozen=True)
class _Silence:
    """No answer: why, and whether GET might fare better (a server that drops HEAD)."""

    verdict: Verdict
    retry: bool = False


def _request(url: str, method: str, timeout: float) -> _Answer | _Silence:
    """The status line and Location of one request; the body, if any, is never read."""
    try:
        target = as_uri(url)
    except (ValueError, UnicodeError) as error:
        return _Silence(Verdict("dead", f"cannot be requested ({error})"))
    request = urllib.request.Request(target, method=method, headers={"User-Agent": user_agent(), "Accept": "*/*"})
    try:
        opener = urllib.request.build_opener(_NoRedirects())  # per request: the proxy settings of the moment
        with opener.open(request, timeout=timeout) as response:
            return _Answer(response.status, response.reason, response.headers.get("Location", ""))
    except urllib.error.HTTPError as error:
        error.close()
        return _Answer(error.code, error.reason or "", error.headers.get("Location", ""))
    except urllib.error.URLError as error:
        return _silence(error.reason, url, timeout)
    except (OSError, http.client.HTTPException) as error:
        return _silence(error, url, timeout)


def _silence(error: object, url: str, timeout: float) -> _Silence:
    if isinstance(error, TimeoutError):
        return _Silence(timed_out(timeout))
    if isinstance(error, http.client.RemoteDisconnected):
        return _Silence(Verdict("dead", "closed the connection without answering"), retry=True)
    if isinstance(error, ssl.SSLCertVerificationError):
        return _Silence(Verdict("dead", f"failed the TLS check ({error.verify_message})"))
    if isinstance(error, ssl.SSLError):
        return _Silence(Verdict("dead", f"failed the TLS handshake ({error.reason or error})"))
    if isinstance(error, socket.gaierror):
        host = urlsplit(url).hostname or ""
        if error.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", None)):
            return _Silence(Verdict("dead", f"could not be reached (no such host '{host}')"))
        return _Silence(Verdict("dead", f"could not be reached (looking up '{host}' failed: {error.strerror})"))
    if isinstance(error, ConnectionRefusedError):
        return _Silence(Verdict("dead", "could not be reached (connection refused)"))
    if isinstance(error, http.client.HTTPException):
        return _Silence(Verdict("dead", f"answered with something that is not HTTP ({type(error).__name__})"))
    if isinstance(error, OSError):
        return _Silence(Verdict("dead", f"could not be reached ({(error.strerror or str(error)).lower()})"), True)
    return _Silence(Verdict("dead", f"could not be reached ({error})"))


def timed_out(seconds: float) -> Verdict:
    return Verdict("dead", f"timed out after {seconds:g} s")


def as_uri(url: str) -> str:
    """The address as a request line needs it: an IDNA host and percent-encoded path, for addresses in Unicode."""
    if url.isascii():
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").encode("idna").decode("ascii")
    host = f"[{host}]" if ":" in host else host  # an IPv6 address
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    if parts.username is not None:
        netloc = f"{quote(parts.username)}{':' + quote(parts.password) if parts.password else ''}@{netloc}"
    safe = "!#$%&'()*+,/:;=?@[]~"
    return urlunsplit((parts.scheme, netloc, quote(parts.path, safe), quote(parts.query, safe), ""))


def host_of(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    return parts.scheme.lower(), (parts.hostname or "").lower(), port


# -- asking them all --------------------------------------------------------------------------------


def check_links(
    urls: Sequence[str],
    *,
    timeout: float = TIMEOUT,
    limit: float = LIMIT,
    parallel: int = PARALLEL,
    per_host: int = PER_HOST,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Verdict]:
    """Each address's verdict, asked in parallel within the bounds above; `progress(done, total)` as they come.

    Requests run in daemon threads that the loop here watches: one that
    outlives its address's budget is given up (its verdict: timed out) and
    replaced, so no server, however slow, holds the check past its bounds.
    """
    started = time.monotonic()
    budget = timeout * BUDGET
    waiting: dict[tuple, deque[str]] = {}
    for url in dict.fromkeys(urls):
        waiting.setdefault(host_of(url), deque()).append(url)
    total = sum(len(q) for q in waiting.values())
    tasks: queue.SimpleQueue[str | None] = queue.SimpleQueue()
    answers: queue.SimpleQueue[tuple[str, Verdict]] = queue.SimpleQueue()

    def work() -> None:
        while (url := tasks.get()) is not None:
            try:
                verdict = ask(url, timeout)
            except Exception as error:  # noqa: BLE001 - one odd address must not stall the check
                verdict = Verdict("dead", f"could not be checked ({type(error).__name__}: {error})")
            answers.put((url, verdict))

    threads = 0

    def spawn() -> None:
        nonlocal threads
        threading.Thread(target=work, name="showcal-link-check", daemon=True).start()
        threads += 1

    for _ in range(min(parallel, total)):
        spawn()
    running: dict[str, tuple[tuple, float]] = {}
    busy: Counter[tuple] = Counter()
    verdicts: dict[str, Verdict] = {}

    def finish(url: str, verdict: Verdict) -> None:
        host, _ = running.pop(url)
        busy[host] -= 1
        verdicts[url] = verdict
        if progress is not None:
            progress(len(verdicts), total)

    try:
        while waiting or running:
            now = time.monotonic()
            if now - started >= limit:
                break
            _dispatch(waiting, running, busy, tasks, now + budget, parallel, per_host)
            due = min(deadline for _, deadline in running.values())
            try:
                url, verdict = answers.get(timeout=max(0.0, min(due, started + limit) - now))
            except queue.Empty:
                now = time.monotonic()
                for url in [u for u, (_, deadline) in running.items() if deadline <= now]:
                    finish(url, timed_out(budget))
                    spawn()  # the stuck thread keeps its request; another takes its place
                continue
            if url in running:  # else: the late answer of a request already given up
                finish(url, verdict)
    finally:
        for _ in range(threads):
            tasks.put(None)
    minutes = f"{limit / 60:g} minutes" if limit >= 60 else f"{limit:g} s"
    left = [url for q in waiting.values() for url in q] + list(running)
    for url in left:
        verdicts[url] = Verdict("unchecked", f"not checked (the check stops after {minutes})")
    return verdicts


def _dispatch(
    waiting: dict[tuple, deque[str]],
    running: dict[str, tuple[tuple, float]],
    busy: Counter[tuple],
    tasks: queue.SimpleQueue[str | None],
    deadline: float,
    parallel: int,
    per_host: int,
) -> None:
    """Start what the bounds allow, one address per host in turn, so one big host never starves the rest."""
    sent = True
    while sent and len(running) < parallel:
        sent = False
        for host in list(waiting):
            if len(running) >= parallel:
                return
            if busy[host] >= per_host:
                continue
            url = waiting[host].popleft()
            if not waiting[host]:
                del waiting[host]
            running[url] = (host, deadline)
            busy[host] += 1
            tasks.put(url)
            sent = True


# -- what the curator reads -----------------------------------------------------------------------


WARNING = "warning: "
ADVICE: dict[State, str] = {
    "dead": "fix or remove the link",
    "unsure": "it may pass; check it again later",
}


def problems(links: Sequence[Link], verdicts: dict[str, Verdict]) -> list[Problem]:
    """A located problem per place citing a dead address; a warning per place citing one that may come back."""
    found: list[Problem] = []
    for link in links:
        verdict = verdicts.get(link.url)
        if verdict is None or verdict.state not in ADVICE:
            continue
        warning = WARNING if verdict.state == "unsure" else ""
        message = f"{warning}{link.url} {verdict.what}; {verdict.advice or ADVICE[verdict.state]}"
        found += [Problem(p.file, p.line, p.column, p.path, message) for p in link.places]
    return sorted(found, key=lambda p: (p.file, p.line, p.column))


def summary(verdicts: dict[str, Verdict]) -> str:
    """One line: "7 links checked: 5 answered, 1 with a warning, 1 dead"."""
    states = Counter(verdict.state for verdict in verdicts.values())
    said = [f"{states['alive']:,} answered"]
    if states["unsure"]:
        said.append(f"{states['unsure']:,} with a warning")
    if states["dead"]:
        said.append(f"{states['dead']:,} dead")
    if states["unchecked"]:
        left = next(v for v in verdicts.values() if v.state == "unchecked")
        said.append(f"{states['unchecked']:,} {left.what}")
    total = len(verdicts)
    return f"{total:,} link{'s' * (total != 1)} checked: " + ", ".join(said)
