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
from datetime import datetime
from pathlib import Path

from .errors import DataError, Problem
from .feeds import Feeds
from .load import data_files
from .revisions import SiteRevision, data_time, read_site, record_dir, revise
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
    record: SiteRevision
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


def signature(path: Path, state: Path | None = None) -> Signature:
    """What changes when a curator saves a data file or a build writes a new record: names, sizes and mtimes."""
    out = []
    files = data_files(path)
    if state is not None:
        files = [*files, record_dir(state) / "revisions", record_dir(state) / "changes.jsonl"]
    for file in files:
        try:
            stat = file.stat()
        except OSError:
            out.append((str(file), -1, -1))
        else:
            out.append((str(file), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


def modified_at(sig: Signature, data: int) -> datetime:
    """The newest data file's mtime, whole seconds: the same in every worker that loads it."""
    return data_time(mtime / 1e9 for _, mtime, _ in sig[:data] if mtime >= 0)


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
        state: Path | None = None,
        interval: float = 1.0,
        max_entries: int = 512,
    ):
        self.path = Path(path)
        self.state = state
        self.interval = interval
        self.max_entries = max_entries
        self.problems: tuple[Problem, ...] = ()
        self._checked = 0.0
        self._failed: Signature | None = None
        self._reloading = threading.Lock()
        self.version = self._load()

    def _load(self) -> Version:
        """A version from the data and the record alone, so every worker and restart makes the same bytes."""
        data = len(data_files(self.path))
        sig = signature(self.path, self.state)
        catalog = load_catalog(self.path)
        modified = modified_at(sig, data)
        record = read_site(self.state) if self.state is not None else SiteRevision({})
        revised = revise(record, catalog, modified)
        feeds = Feeds(catalog, revised.stamps(), removed={slug: rev.title for slug, rev in revised.removed.items()})
        return Version(feeds, revised, modified, sig, self.max_entries)

    def check(self) -> Version:
        """Reload if the data files changed since the last look; return what to serve."""
        now = time.monotonic()
        if now - self._checked < self.interval or not self._reloading.acquire(blocking=False):
            return self.version
        try:
            self._checked = now
            current = self.version
            sig = signature(self.path, self.state)
            if sig != current.signature and sig != self._failed:
                self._reload(current, sig)
        finally:
            self._reloading.release()
        return self.version

    def _reload(self, current: Version, sig: Signature) -> None:
        try:
            version = self._load()
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
