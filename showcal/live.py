"""The data a server is serving right now, and how an edit replaces it.

A server starts from the last build of its state folder (feeds/ beside the
data, by default): the shows whose data has not changed since are served
from that build's files, and only the shows that changed are parsed,
checked and rendered (plan.py). So a catalogue of every show on television
is served a second after start, from files on disk, in bounded memory; a
show's events are parsed only when a page or a feed option asks for them.

One `Version` holds one validated state of the data and a bounded cache of
finished responses. An edit builds a whole new Version beside it, in a
background thread, and swaps the reference in one assignment: a request
sees the old data or the new, never a mix, and never waits for a reload.
An invalid edit builds nothing: the last good Version keeps serving, and
the problems are kept for `/healthz` and the log.
"""

from __future__ import annotations

import gc
import gzip
import hashlib
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from pathlib import Path

from werkzeug.http import http_date

from . import catalogue, pages
from .chunks import Chunk
from .errors import DataError, Problem
from .feeds import Entry, Feeds, combined_feed, combined_window, with_bytes
from .files import Entry as FileEntry
from .files import data_entries
from .listing import Listing, Summary
from .model import EPOCH, Catalog, Show, Stamp
from .options import FeedOptions, Variant
from .output import Published, publish_show, retire_show
from .plan import STATE, Plan, ShowState, by_piece_of, plan, read_state, render, settle, survey
from .revisions import RECORD_DIR, Change, ShowRevision, data_time, read_changes, read_show, show_record_path

log = logging.getLogger("showcal")

Signature = tuple[tuple[str, int, int], ...]
SHOWS_KEPT = 256
"""Shows kept parsed at once for pages and feed options; the rest are read again when asked for."""
EAGER = 200
"""Up to this many changed shows are rendered when a version is made; more (a first start without a
build) are rendered when first asked for."""


@dataclass(frozen=True)
class Rendered:
    """Finished response bytes with their validators, all made once: gzip, ETags, Last-Modified."""

    body: bytes
    mimetype: str
    modified: datetime
    etag: str = ""
    gzipped: bytes = b""
    last_modified: str = ""
    """The HTTP date of `modified`."""

    @classmethod
    def of(cls, body: bytes, mimetype: str, modified: datetime) -> Rendered:
        digest = hashlib.sha256(body).hexdigest()[:32]
        # mtime=0 keeps the compressed bytes, and so their ETag, the same in every worker.
        packed = gzip.compress(body, compresslevel=6, mtime=0)
        return cls(body, mimetype, modified, digest, packed, http_date(modified))


@dataclass
class Served:
    """One show as a version serves it: from the last build's files, or from what this version rendered."""

    slug: str
    piece: Chunk
    state: ShowState | None
    """As the last build left it, if it is unchanged since; else None."""
    published: Published | None = None
    """Rendered for this version (a show changed since the build), with its files."""
    summary: Summary | None = None

    @property
    def kept(self) -> bool:
        return self.state is not None


class Version:
    """One validated state of the data; replaced whole, never edited."""

    def __init__(
        self,
        work: Plan,
        shows: dict[str, Served],
        retired: dict[str, Published],
        *,
        state_dir: Path | None,
        at: datetime,
        announce: bool,
        log_: Sequence[Change],
        modified: datetime,
        signature: Signature,
        max_entries: int = 512,
    ):
        self.work, self.site = work, work.site
        self.shows, self.retired = shows, retired
        self.state_dir, self.at, self.announce = state_dir, at, announce
        self.changes = list(log_)
        self.modified, self.signature = modified, signature
        self.max_entries = max_entries
        self._cache: OrderedDict = OrderedDict()
        self._models: OrderedDict[str, tuple[Show, Feeds]] = OrderedDict()
        self._lock = threading.RLock()
        self._listing: Listing | None = None

    # -- responses -------------------------------------------------------------------------------

    def cached(self, key: Hashable) -> Rendered | None:
        """A response made already, without making it: the fast path of every cached request."""
        return self._cache.get(key)

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

    # -- what every page and list needs ---------------------------------------------------------

    @property
    def summaries(self) -> list[Summary]:
        return [self.summary(slug) for slug in self.shows]

    def summary(self, slug: str) -> Summary:
        served = self.shows[slug]
        if served.state is not None:
            return served.state.summary
        if served.summary is None:
            served.summary = self.published(slug).summary
        return served.summary  # type: ignore[return-value]

    @property
    def listing(self) -> Listing:
        if self._listing is None:
            self._listing = Listing(self.summaries)
        return self._listing

    @property
    def dated(self) -> int:
        return sum(summary.dated for summary in self.summaries)

    def entries(self) -> list[Entry]:
        """Every dated event's default bytes, in date order, for the combined feed."""
        found: list[Entry] = []
        for slug, served in self.shows.items():
            found += served.state.entries if served.state is not None else self.published(slug).entries
        return sorted(found, key=lambda e: e.key)

    def combined_feed(self, options: FeedOptions, today: date) -> bytes:
        """The combined feed: from every show's default bytes, or, for other variants, from their events."""
        entries = self.entries()
        if options.is_default:
            return combined_feed(self.site, with_bytes(combined_window(entries, today), self._event_file))
        if options.variant == Variant():  # kinds and dates only: pick from the default bytes
            picked = [e for e in entries if _selects(options, e, today)]
            if options.past is None and options.future is None:
                picked = combined_window(picked, today)
            return combined_feed(self.site, with_bytes(picked, self._event_file), query=options.query())
        slugs = {e.uid.split(".", 1)[1].split("@")[0] for e in entries if _selects(options, e, today)}
        return self.feeds_of([slug for slug in self.shows if slug in slugs]).combined(options, today=today)

    def _event_file(self, entry: Entry) -> bytes:
        found = self.file(pages.event_path(entry.show, entry.id))
        assert found is not None, f"{entry.uid} has no file"
        return found

    def retired_feed(self, slug: str, options: FeedOptions) -> bytes:
        """A removed show's empty calendar (see output.retire_show)."""
        if options.is_default:
            return self.retired[slug].files[f"shows/{slug}.ics"]
        feeds = Feeds(Catalog(site=self.site), removed={slug: self.retired[slug].record.title})
        return feeds.removed_feed(slug, options)

    # -- one show -----------------------------------------------------------------------------------

    def published(self, slug: str) -> Published:
        """A changed show's output, rendered now if this version did not render it yet."""
        served = self.shows[slug]
        if served.published is None:
            show = self._parse(served)
            old = read_show(show_record_path(self.state_dir, slug)) if self.state_dir else None
            served.published = publish_show(show, self.site, old, self.at, announce=self.announce)
        return served.published

    def file(self, rel: str) -> bytes | None:
        """A file of the site as the default options give it: from the build where it stands, else rendered."""
        slug = _slug_of(rel)
        if slug in self.retired:
            return self.retired[slug].files.get(rel)
        served = self.shows.get(slug) if slug else None
        if served is None:
            return None
        if served.state is not None and self.state_dir is not None:
            try:
                return (self.state_dir / rel).read_bytes()
            except OSError:
                served.state = None  # the build lost it: render this show here
        return self.published(slug).files.get(rel)

    def model(self, slug: str) -> tuple[Show, Feeds] | None:
        """A show and its feeds with its revisions, parsed when first asked for, kept while often asked for."""
        if slug not in self.shows:
            return None
        with self._lock:
            hit = self._models.get(slug)
            if hit is not None:
                self._models.move_to_end(slug)
                return hit
        show = self._parse(self.shows[slug])
        found = (show, Feeds(Catalog(site=self.site, shows=(show,)), self.stamps(slug)))
        with self._lock:
            self._models[slug] = found
            while len(self._models) > SHOWS_KEPT:
                self._models.popitem(last=False)
        return found

    def feeds_of(self, slugs: Iterable[str]) -> Feeds:
        """One set of feeds over several shows, each with its own revisions."""
        shows, stamps = [], {}
        for slug in slugs:
            found = self.model(slug)
            if found is not None:
                shows.append(found[0])
                stamps.update(found[1].stamps)
        return Feeds(Catalog(site=self.site, shows=tuple(shows)), stamps)

    def stamps(self, slug: str) -> dict[str, Stamp]:
        record = self.record(slug)
        return record.stamps() if record is not None else {}

    def record(self, slug: str) -> ShowRevision | None:
        """The show's revision record as this version publishes it."""
        if slug in self.retired:
            return self.retired[slug].record
        served = self.shows.get(slug)
        if served is None:
            return read_show(show_record_path(self.state_dir, slug)) if self.state_dir else None
        if served.state is None:
            return self.published(slug).record
        return read_show(show_record_path(self.state_dir, slug)) if self.state_dir else None

    def upcoming(self, root: str = "") -> pages.Upcoming:
        """Each show's next date, for pages that know today."""

        def find(slug: str, today: date) -> pages.EventView | None:
            found = self.model(slug)
            return pages.upcoming_of(found[1], root)(slug, today) if found is not None else None

        return find

    def _parse(self, served: Served) -> Show:
        checked = catalogue.check_piece(served.piece, self.work.raw, self.site)
        show = next((s for s in checked.shows if s.slug == served.slug), None)
        if show is None:
            raise RuntimeError(f"the data of {served.slug} changed under the server; it reloads at once")
        return show


def _selects(options: FeedOptions, entry: Entry, today: date) -> bool:
    """`FeedOptions.selects`, on what an entry knows of its event."""
    if options.kinds is not None and entry.kind not in options.kinds:
        return False
    if options.past is not None and entry.last < today - timedelta(days=options.past):
        return False
    return not (options.future is not None and entry.first > today + timedelta(days=options.future))


def _slug_of(rel: str) -> str:
    """The show a file belongs to: `shows/<slug>...` or `api/shows/<slug>.json`."""
    parts = rel.split("/")
    if parts[0] == "shows" and len(parts) >= 2:
        return parts[1].split(".")[0]
    if parts[:2] == ["api", "shows"] and len(parts) == 3:
        return parts[2].removesuffix(".json")
    return ""


# -- making a version ---------------------------------------------------------------------------


def load_version(
    path: Path,
    state_dir: Path | None,
    previous: Version | None = None,
    *,
    max_entries: int = 512,
    pool: bool = True,
) -> Version:
    """A version of the data at `path`, on the last build in `state_dir`; DataError if the data has problems."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _load(path, state_dir, previous, max_entries, pool)
    finally:
        if collecting:
            gc.enable()


def _load(path: Path, state_dir: Path | None, previous: Version | None, max_entries: int, pool: bool) -> Version:
    sig = signature(path, state_dir)
    state = read_state(state_dir) if state_dir is not None else None
    known = previous.work.infos if previous is not None else None
    work = plan(path, state, {i.name: i for i in known} if known else None)
    # Every file's bytes in hand: pieces parsed later come from this version's data, even if a file is being
    # saved again meanwhile. Unchanged files share the bytes of the version being replaced.
    before = {i.name: i for i in previous.work.infos} if previous is not None else {}
    for info in work.infos:
        if info.name not in work.raw and before.get(info.name) == info:
            work.raw[info.name] = previous.work.raw.get(info.name) or catalogue.file_bytes(info, work.raw) or b""  # type: ignore[union-attr]
        catalogue.file_bytes(info, work.raw)
    recorded = _recorded(state_dir)
    announce = bool(recorded)
    modified = data_time(catalogue.data_mtimes(work.infos))
    at = modified if announce else EPOCH
    reused = _reusable(previous, work)
    todo = [piece for piece in work.dirty if (piece.digest, piece.file) not in reused]
    work_now = replace(work, dirty=todo)
    if len(todo) <= EAGER:  # render now: a version is served only once all it changed renders
        done = render(work_now, at, announce=announce, out=state_dir or Path("/nonexistent"), staging=None, pool=pool)
    else:  # a first start without a build: check everything now, render each show when first asked for
        done = survey(work_now, pool=pool)
    problems = settle(work_now, done)
    if problems:
        raise DataError(problems)
    shows: dict[str, Served] = {}
    for piece in work.pieces:
        for served in reused.get((piece.digest, piece.file), ()):
            shows[served.slug] = replace(served, piece=piece)
    for result in done:
        piece = result.checked.piece
        for pub in result.published:
            shows.setdefault(pub.slug, Served(pub.slug, piece, None, pub, pub.summary))
        for summary in result.summaries:
            shows.setdefault(summary.slug, Served(summary.slug, piece, None, None, summary))
    by_piece = by_piece_of(work.state)
    for piece in work.kept:
        for slug in by_piece.get(piece.digest, ()):
            shows.setdefault(slug, Served(slug, piece, work.state.shows[slug]))  # type: ignore[union-attr]
    shows = {slug: shows[slug] for slug in _data_order(work, shows)}
    retired = {}
    for slug in sorted(recorded - shows.keys()):
        old = read_show(show_record_path(state_dir, slug)) if state_dir else None
        if old is not None:
            retired[slug] = retire_show(old, work.site, at, announce=announce)
    news = [c for s in shows.values() if s.published is not None for c in s.published.news]
    news += [c for pub in retired.values() for c in pub.news]
    history = read_changes(state_dir / RECORD_DIR / "changes.jsonl") if state_dir else []
    log_ = history + sorted(news, key=lambda c: (c.at, c.show, c.uid))
    return Version(work, shows, retired, state_dir=state_dir, at=at, announce=announce, log_=log_,
                   modified=modified, signature=sig, max_entries=max_entries)  # fmt: skip


def _reusable(previous: Version | None, work: Plan) -> dict[tuple[str, str], list[Served]]:
    """Shows the version being replaced rendered from pieces still in the data: no need to render them again."""
    if previous is None or previous.work.site_digest != work.site_digest:
        return {}
    found: dict[tuple[str, str], list[Served]] = {}
    for served in previous.shows.values():
        if served.state is None and served.published is not None:
            found.setdefault((served.piece.digest, served.piece.file), []).append(served)
    return found


def _data_order(work: Plan, shows: dict[str, Served]) -> list[str]:
    rank = {(piece.file, piece.start): n for n, piece in enumerate(work.pieces)}
    return sorted(shows, key=lambda slug: rank.get((shows[slug].piece.file, shows[slug].piece.start), len(rank)))


def _recorded(state_dir: Path | None) -> set[str]:
    if state_dir is None:
        return set()
    try:
        names = os.listdir(state_dir / RECORD_DIR / "revisions")
    except OSError:
        return set()
    return {name.removesuffix(".jsonl") for name in names if name.endswith(".jsonl")}


def signature(path: Path, state: Path | None = None) -> Signature:
    """What changes when a curator saves a data file or a build lands: names, sizes and mtimes."""
    out = []
    entries = data_entries(path)
    if state is not None:
        entries = [*entries, FileEntry(state / STATE), FileEntry(state / RECORD_DIR / "changes.jsonl")]
    for entry in entries:
        stat = entry.stat
        if stat is None:
            try:
                stat = os.stat(entry.path)
            except OSError:
                out.append((str(entry.path), -1, -1))
                continue
        out.append((str(entry.path), stat.st_mtime_ns, stat.st_size))
    return tuple(out)


# -- keeping it current ----------------------------------------------------------------------------


def hold_still() -> None:
    """Move what is alive now out of the garbage collector's way, after freeing what is garbage.

    A version of a catalogue of every show on television is millions of
    objects that live until the next reload. In the collector's oldest
    generation, every full collection walks them all: at 10,000 shows about
    0.1 s, every few seconds under load, with every thread of the worker
    waiting (a p99 latency of 90 ms instead of 15). Frozen, they are skipped.
    Unfreezing and collecting at each reload first still frees the cycles of
    the version replaced.
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class LiveData:
    """The current Version of one data path, replaced when its files change.

    With an interval, a thread of each process (each gunicorn worker) looks
    at the files every `interval` seconds and makes the next version beside
    the serving one; requests never wait for it. With interval 0 (tests,
    `showcal serve --get`), each request looks, and an edit is served at once.
    """

    def __init__(self, path: Path, *, state: Path | None = None, interval: float = 1.0, max_entries: int = 512):
        self.path = Path(path)
        self.state = state
        self.interval = interval
        self.max_entries = max_entries
        self.problems: tuple[Problem, ...] = ()
        self._failed: Signature | None = None
        self._reloading = threading.Lock()
        self._watcher: tuple[int, threading.Thread] | None = None
        self.version = load_version(self.path, state, max_entries=max_entries)
        if interval > 0:
            hold_still()
            self._start_watcher()

    def current(self) -> Version:
        """What to serve now.

        A process asked for the first time (a worker forked after the data
        was loaded, as gunicorn's --preload does) looks at the files before it
        answers, then leaves the looking to its watcher thread.
        """
        if self.interval <= 0:
            self.check()
        elif self._watcher is None or self._watcher[0] != os.getpid():
            self.check()
            self._start_watcher()
        return self.version

    def check(self) -> Version:
        """Reload now if the data files changed since the serving version was made."""
        if not self._reloading.acquire(blocking=False):
            return self.version
        try:
            current = self.version
            sig = signature(self.path, self.state)
            if sig == current.signature:
                self._forget_problems()  # the files are back as the serving version read them
            elif sig != self._failed:
                self._reload(current, sig)
        finally:
            self._reloading.release()
        return self.version

    def _start_watcher(self) -> None:
        thread = threading.Thread(target=self._watch, name="showcal-reload", daemon=True)
        self._watcher = (os.getpid(), thread)  # a forked worker starts its own
        thread.start()

    def _watch(self) -> None:
        pid = os.getpid()
        while self._watcher is not None and self._watcher[0] == pid:
            time.sleep(self.interval)
            try:
                self.check()
            except Exception:  # noqa: BLE001 - the watcher must outlive any one bad reload
                log.exception("data reload failed unexpectedly; still serving the data of %s",
                              self.version.modified.isoformat())  # fmt: skip

    def _reload(self, current: Version, sig: Signature) -> None:
        started = time.perf_counter()
        try:
            version = load_version(self.path, self.state, current, max_entries=self.max_entries, pool=False)
        except DataError as error:
            self._refuse(sig, current, error.problems)
            return
        except Exception as error:  # noqa: BLE001 - data that passed every check and still broke: keep serving
            log.exception("the data could not be made into a version")
            where = Problem(str(self.path), 1, 1, "", f"the data could not be rendered ({type(error).__name__}); "
                            "this is a bug in showcal, please report it with the data")  # fmt: skip
            self._refuse(sig, current, [where])
            return
        self._forget_problems()
        self.version = version
        if self.interval > 0:
            hold_still()
        seconds = time.perf_counter() - started
        log.info("data reloaded in %.2fs: %d shows, %d dated events", seconds, len(version.shows), version.dated)

    def _forget_problems(self) -> None:
        if self.problems:
            log.info("the data on disk is valid again")
        self._failed = None
        self.problems = ()

    def _refuse(self, sig: Signature, current: Version, problems: Sequence[Problem]) -> None:
        self._failed = sig
        self.problems = tuple(self.shown(p) for p in problems)
        log.error("data reload failed; still serving the data of %s", current.modified.isoformat())
        for problem in problems:
            log.error("%s", problem)

    def shown(self, problem: Problem) -> Problem:
        """A problem as a web client may see it: file named relative to the data, never absolute."""
        file = Path(problem.file)
        root = self.path if self.path.is_dir() else self.path.parent
        try:
            name = file.relative_to(root).as_posix()
        except ValueError:
            name = file.name
        return replace(problem, file=name)
