"""The data a server is serving right now, and how an edit replaces it.

One `Version` holds a validated catalogue, its `Feeds` and a bounded cache
of finished responses. Requests only look bytes up in it; an edit builds a
whole new Version beside it and swaps the reference in one assignment, so a
request sees the old data or the new, never a mix. An invalid edit builds
nothing: the last good Version keeps serving and the problems are kept for
`/healthz`.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from .errors import DataError, Problem
from .feeds import Feeds
from .load import data_files
from .validate import load_catalog

log = logging.getLogger("showcal")

Signature = tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Rendered:
    """Finished response bytes with their validators; gzip is made once, here."""

    body: bytes
    mimetype: str
    modified: datetime
    etag: str = ""
    gzipped: bytes = b""

    @classmethod
    def of(cls, body: bytes, mimetype: str, modified: datetime) -> Rendered:
        digest = hashlib.sha256(body).hexdigest()[:32]
        # mtime=0 keeps the compressed bytes, and so their ETag, the same in every worker.
        return cls(body, mimetype, modified, digest, gzip.compress(body, compresslevel=6, mtime=0))


@dataclass
class Version:
    """One validated state of the data; replaced whole, never edited."""

    feeds: Feeds
    modified: datetime
    signature: Signature
    max_entries: int = 512
    _cache: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def catalog(self):
        return self.feeds.catalog

    def rendered(self, key: Hashable, make: Callable[[], tuple[bytes, str]]) -> Rendered:
        """The cached response for `key`, made at most once per version while it stays cached."""
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        body, mimetype = make()
        entry = Rendered.of(body, mimetype, self.modified)
        with self._lock:
            self._cache[key] = entry
            while len(self._cache) > self.max_entries:
                self._cache.popitem(last=False)
        return entry


def sent_events(feeds: Feeds) -> dict[str, bytes]:
    """UID to the default VEVENT bytes subscribers have seen: the next version's change-tracking state."""
    return {event.uid: feeds.event_bytes(event) for event in feeds.dated}


def signature(path: Path) -> Signature:
    """What changes when a curator saves a data file: names, sizes and mtimes."""
    out = []
    for file in data_files(path):
        try:
            stat = file.stat()
        except OSError:
            out.append((str(file), -1, -1))
        else:
            out.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def modified_at(sig: Signature) -> datetime:
    """The newest data file's mtime, whole seconds: the same in every worker that loads it."""
    newest = max((mtime for _, mtime, _ in sig if mtime >= 0), default=0)
    return datetime.fromtimestamp(newest // 1_000_000_000, UTC)


class LiveData:
    """The current Version of one data path, reloaded when its files change.

    `check()` is cheap and throttled, so every request may call it; only one
    thread reloads at a time while the others keep serving the current
    Version. Each gunicorn worker holds its own LiveData and notices edits by
    itself.
    """

    def __init__(
        self,
        path: Path,
        *,
        previous: dict[str, bytes] | None = None,
        interval: float = 1.0,
        max_entries: int = 512,
    ):
        self.path = Path(path)
        self.interval = interval
        self.max_entries = max_entries
        self.problems: tuple[Problem, ...] = ()
        self._checked = 0.0
        self._failed: Signature | None = None
        self._reloading = threading.Lock()
        self.version = self._load(previous or {})

    def _load(self, previous: dict[str, bytes], current: Version | None = None) -> Version:
        sig = signature(self.path)
        catalog = load_catalog(self.path)
        modified = modified_at(sig)
        feeds = Feeds(catalog, previous, now=modified, reuse=current.feeds if current else None)
        return Version(feeds, modified, sig, self.max_entries)

    def check(self) -> Version:
        """Reload if the data files changed since the last look; return what to serve."""
        now = time.monotonic()
        if now - self._checked < self.interval or not self._reloading.acquire(blocking=False):
            return self.version
        try:
            self._checked = now
            current = self.version
            sig = signature(self.path)
            if sig != current.signature and sig != self._failed:
                self._reload(current, sig)
        finally:
            self._reloading.release()
        return self.version

    def _reload(self, current: Version, sig: Signature) -> None:
        try:
            version = self._load(sent_events(current.feeds), current)
        except DataError as error:
            self._failed = sig
            self.problems = tuple(self.shown(p) for p in error.problems)
            log.error("data reload failed; still serving the data of %s", current.modified.isoformat())
            for problem in error.problems:
                log.error("%s", problem)
            return
        self._failed = None
        self.problems = ()
        self.version = version
        log.info("data reloaded: %d shows, %d dated events", len(version.catalog.shows), len(version.feeds.dated))

    def shown(self, problem: Problem) -> Problem:
        """A problem as a web client may see it: file named relative to the data, never absolute."""
        file = Path(problem.file)
        root = self.path if self.path.is_dir() else self.path.parent
        try:
            name = file.relative_to(root).as_posix()
        except ValueError:
            name = file.name
        return replace(problem, file=name)
