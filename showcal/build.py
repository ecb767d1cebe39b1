"""The static build: every URL the server answers, as files in one folder, made only where the data changed.

A build reads the data files, cuts them into one piece per show, and works
out from what the last build left (`.showcal/cache/state.pickle` in the
output) which pieces changed: only those are parsed, checked, revised and
rendered, on every core, each show on its own (output.py). The site-wide
files (the combined feed, the index and browse pages, the search index, the
JSON list, the change feed) are then made from small per-show summaries,
and everything moves into place in one ordered commit (folder.py). Nothing
is published before every problem of the data is known: a build with
problems publishes nothing and raises DataError.

An unchanged rebuild reads no data file (their sizes and modification times
are those recorded) and renders nothing. A new version of the program, its
templates or its libraries, or new site settings, render everything again.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from . import catalogue, changes, folder, pages, parallel
from .errors import DataError
from .feeds import COMBINED_LIMIT, RECENT, Entry, combined_feed, combined_window, with_bytes
from .files import data_files
from .listing import Listing, Summary
from .model import EPOCH, Site
from .output import Published, record_file, retire_show, show_file_count, show_paths
from .plan import (
    STATE,
    ShowState,
    State,
    by_piece_of,
    plan,
    program_fingerprint,
    read_state,
    render,
    settle,
    shows_of,
    stage,
    unchanged,
)
from .revisions import (
    RECORD_DIR,
    SITE_CHANGES_KEPT,
    Change,
    SiteRevision,
    data_time,
    read_changes,
    read_show,
    show_record_path,
    site_changes_text,
)

MANAGED = (".ics", ".atom", ".html", ".json", ".svg", ".css", ".js", ".png", ".ico")
"""Files of these kinds in the output belong to showcal; anything else there is kept."""
SITE_LOG = f"{RECORD_DIR}/changes.jsonl"


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    rendered: int = 0
    """Shows parsed, checked and rendered this time; the others were known to be unchanged."""
    site: Site | None = None
    """The site settings built with, for what the curator should hear about them."""

    @property
    def total(self) -> int:
        return len(self.written) + self.unchanged


def default_out(data: Path) -> Path:
    """Where a build goes and where a server finds the record: the feeds folder beside the data."""
    return data.parent / "feeds"


def data_time_of(data: Path) -> datetime:
    """The time of the data: its newest file's modification, in whole seconds."""
    mtimes = []
    for file in data_files(data):
        with contextlib.suppress(OSError):
            mtimes.append(file.stat().st_mtime)
    return data_time(mtimes)


def build(
    data: str | Path,
    out: str | Path | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
    waiting: Callable[[], None] | None = None,
    force: bool = False,
    today: date | None = None,
) -> BuildResult:
    """Build `data` into `out` (default: feeds/ beside the data); raise DataError if the data has problems.

    `progress(done, total)` hears of shows rendered; `waiting()` is called
    if another build holds the folder (this one then waits for it); `force`
    renders everything, whatever the last build left.
    """
    data = Path(data)
    out = folder.output_folder(Path(out) if out else default_out(data), data)
    created = not out.exists()
    out.mkdir(parents=True, exist_ok=True)
    try:
        return _locked_build(data, out, progress, waiting, force, today)
    except BaseException:
        if created:  # a first build that failed leaves nothing behind, not even its folder
            shutil.rmtree(out, ignore_errors=True)
        raise


def _locked_build(data, out, progress, waiting, force, today) -> BuildResult:
    with folder.locked(out, waiting):
        collecting = gc.isenabled()
        gc.disable()  # nodes and results hold no cycles; collecting while they pile up costs more than the work
        try:
            day = today or datetime.now(UTC).date()
            program = program_fingerprint()
            try:
                return _Build(data, out, day, None if force else read_state(out, program), program, progress).run()
            except _Again:
                return _Build(data, out, day, None, program, progress).run()
        finally:
            if collecting:
                gc.enable()


class _Again(Exception):
    """The last build's state cannot make this one (see `_Build.run`): build everything."""


class _Build:
    def __init__(self, data: Path, out: Path, today: date, state: State | None, program: str, progress):
        self.data, self.out, self.today, self.state, self.program = data, out, today, state, program
        self.progress = progress
        self.result = BuildResult()

    def run(self) -> BuildResult:
        work = plan(self.data, self.state, pool=True)
        self.state = state = work.state  # its file names spelled as this build names the data
        if state is not None and unchanged(state, work.infos, self.today):
            self.result.site = state.site
            self.result.unchanged = _file_count(state.shows, state.site_files)
            return self.result
        self.result.site = work.site
        recorded = recorded_slugs(self.out)
        announce = bool(recorded)
        at = data_time(catalogue.data_mtimes(work.infos)) if announce else EPOCH
        staging = folder.fresh_staging(self.out)
        work.raw.clear()  # workers read their pieces from the files; the whole catalogue need not stay in memory
        parallel.give_back_memory()
        done = render(work, at, announce=announce, out=self.out, staging=staging, progress=self._tick(len(work.dirty)))
        shows = shows_of(work, done)
        if state is not None and not state.complete and sum(s.summary.dated for s in shows.values()) <= COMBINED_LIMIT:
            raise _Again  # a window cut entries away earlier and the catalogue is small again: render it all
        problems = settle(work, done)
        if problems:
            raise DataError(problems)
        for piece in done:
            self.result.written += piece.staged.written
            self.result.unchanged += piece.staged.unchanged
            self.result.removed += piece.staged.removed
            self.result.rendered += len(piece.published)
        by_piece = by_piece_of(state)
        kept = {slug for piece in work.kept for slug in by_piece.get(piece.digest, ())}
        self.result.unchanged += _file_count({slug: shows[slug] for slug in kept if slug in shows}, ())
        published = [pub for piece in done for pub in piece.published]
        retired = self._retire(work.site, shows, recorded, at, announce, staging)
        self._commit(work.site, work.site_digest, work.infos, shows, [*published, *retired], staging)
        return self.result

    def _tick(self, total: int) -> Callable[[int], None]:
        finished = 0

        def tick(count: int) -> None:
            nonlocal finished
            finished += count
            if self.progress is not None:
                self.progress(finished, total)

        return tick

    # -- shows that are gone -------------------------------------------------------------------------

    def _retire(self, site: Site, shows: Mapping[str, ShowState], recorded, at, announce, staging) -> list[Published]:
        gone = []
        for slug in sorted(set(recorded) - shows.keys()):
            old = read_show(show_record_path(self.out, slug))
            if old is None or old.removed:
                continue
            pub = retire_show(old, site, at, announce=announce)
            staged = stage(self.out, staging, pub, ())
            self.result.written += staged.written
            self.result.unchanged += staged.unchanged
            before = self.state.shows[slug].event_ids if self.state is not None and slug in self.state.shows else ()
            leftover = show_paths(slug, before) - pub.files.keys()
            if self.state is None:
                leftover |= {f"shows/{slug}/{name}" for name in _event_files(self.out / "shows" / slug)}
            self.result.removed += sorted(path for path in leftover if (self.out / path).exists())
            gone.append(pub)
        return gone

    # -- publishing ------------------------------------------------------------------------------------

    def _commit(self, site: Site, site_digest: str, infos, shows, published: list[Published], staging) -> None:
        folder.commit(staging, self.out, self.result.written)
        entries = sorted((e for show in shows.values() for e in show.entries), key=lambda e: e.key)
        news = sorted((c for pub in published for c in pub.news), key=lambda c: (c.at, c.show, c.uid))
        log = (read_changes(self.out / SITE_LOG) + news)[-SITE_CHANGES_KEPT:]
        summaries = [show.summary for show in shows.values()]
        window = with_bytes(combined_window(entries, self.today), self._event_file)
        earlier = self.state.browse if self.state is not None else {}
        files, browse = site_wide_files(site, summaries, window, log, earlier=earlier, kept=self._kept_file)
        written = [rel for rel, data in files.items() if folder.stage_if_changed(self.out, staging, rel, data)]
        folder.commit(staging, self.out, written)
        self.result.written += written
        self.result.unchanged += len(files) - len(written)
        self.result.removed = sorted(set(self.result.removed) | set(self._stale(shows, files)))
        folder.remove(self.out, self.result.removed)
        records = [record_file(pub.slug) for pub in published]
        log_text = site_changes_text(SiteRevision({}, tuple(log))).encode("utf-8")
        records += [SITE_LOG] if folder.stage_if_changed(self.out, staging, SITE_LOG, log_text) else []
        folder.commit(staging, self.out, [rel for rel in records if (staging / rel).exists()])
        windowed = sum(summary.dated for summary in summaries) > COMBINED_LIMIT
        kept = {slug: _windowed(show, self.today) for slug, show in shows.items()} if windowed else dict(shows)
        files_by_name = {info.name: info for info in infos}
        state = State(self.program, site, site_digest, files_by_name, kept, set(files),
                      self.today if windowed else None, not windowed, str(self.data), browse)  # fmt: skip
        write_state(self.out, state)
        folder.fresh_staging(self.out)

    def _kept_file(self, rel: str) -> bytes | None:
        """A file as the last build left it, if it is still there."""
        try:
            return (self.out / rel).read_bytes()
        except OSError:
            return None

    def _event_file(self, entry: Entry) -> bytes:
        """A published event's own file: every show's files are in place before the site-wide ones are made."""
        return (self.out / pages.event_path(entry.show, entry.id)).read_bytes()

    def _stale(self, shows: Mapping[str, ShowState], files: Mapping[str, bytes]) -> list[str]:
        """Files earlier builds wrote and this one does not: old browse pages; anything, without a state."""
        if self.state is not None:
            return sorted(self.state.site_files - files.keys())
        wanted = set(files) | {path for slug, show in shows.items() for path in show_paths(slug, show.event_ids)}
        wanted |= {f"shows/{slug}.{kind}" for slug in recorded_slugs(self.out) for kind in ("ics", "atom")}
        return sorted(folder.published_files(self.out, MANAGED) - wanted)


def _file_count(shows: Mapping[str, ShowState], site_files: Iterable[str]) -> int:
    return len(list(site_files)) + sum(show_file_count(show.event_ids) for show in shows.values())


def _event_files(path: Path) -> list[str]:
    try:
        return [name for name in os.listdir(path) if name.endswith(".ics")]
    except OSError:
        return []


def _windowed(show: ShowState, today: date) -> ShowState:
    """Only the entries a combined feed from `today` on can still need: its window only moves forward."""
    since = today - RECENT
    return ShowState(show.piece, show.summary, tuple(e for e in show.entries if e.last >= since), show.event_ids)


# -- site-wide files --------------------------------------------------------------------------------


def site_wide_files(
    site: Site,
    summaries: Sequence[Summary],
    entries: Sequence[Entry],
    log: Sequence[Change],
    *,
    earlier: Mapping[str, str] = {},
    kept: Callable[[str], bytes | None] = lambda rel: None,
) -> tuple[dict[str, bytes], dict[str, str]]:
    """The files made from every show: the combined feed, the index and browse pages, the lists, the assets.

    Also the digest of what each browse page shows: a page whose digest is
    in `earlier` is taken as `kept` gives it instead of being rendered again,
    so an edit of one show renders one of a catalogue's hundred browse pages.
    """
    base = site.url
    found = Listing(summaries)
    files = {"all.ics": combined_feed(site, entries)}
    files[pages.page_file("/")] = pages.catalogue_index(site, found, base=base)
    browse = {}
    shared = (site, found.pages, len(found.rows), found.letters, found.networks)
    for number in range(1, found.pages + 1):
        rel = pages.page_file(pages.browse_path(number))
        shown = pickle.dumps((shared, number, found.page(number)))
        browse[rel] = hashlib.sha1(shown, usedforsecurity=False).hexdigest()
        data = kept(rel) if earlier.get(rel) == browse[rel] else None
        files[rel] = data if data is not None else pages.catalogue_page(site, found, number, base=base)
    files[pages.SEARCH_FILE] = pages.search_index(found)
    files[pages.api_path()] = pages.api_list(site, summaries)
    files[pages.changes_path()] = changes.site_changes(log, site.title, base=base)
    for name in pages.ASSETS:
        files[f"static/{name}"] = pages.asset(name)
    for name in pages.ROOT_ASSETS:
        files[name] = pages.asset(name)
    return files, browse


# -- what earlier builds left -----------------------------------------------------------------------


def recorded_slugs(out: Path) -> set[str]:
    """The shows the folder's revision record has ever published."""
    try:
        names = os.listdir(out / RECORD_DIR / "revisions")
    except OSError:
        return set()
    return {name.removesuffix(".jsonl") for name in names if name.endswith(".jsonl")}


def write_state(out: Path, state: State) -> None:
    path = out / STATE
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
