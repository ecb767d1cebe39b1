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
import importlib.metadata
import os
import pickle
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from . import catalogue, changes, folder, pages, parallel
from .catalogue import Checked, FileInfo
from .chunks import Chunk
from .errors import DataError, Problem
from .feeds import COMBINED_LIMIT, RECENT, Entry, combined_feed, combined_window
from .files import data_files
from .listing import Listing, Summary
from .model import EPOCH, Site
from .output import Published, publish_show, record_file, retire_show, show_paths
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
STATE = f"{folder.CACHE}/state.pickle"
SITE_LOG = f"{RECORD_DIR}/changes.jsonl"
PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE.parent / "templates"


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    rendered: int = 0
    """Shows parsed, checked and rendered this time; the others were known to be unchanged."""

    @property
    def total(self) -> int:
        return len(self.written) + self.unchanged


@dataclass(frozen=True)
class ShowState:
    """What a build remembers of a show: the piece of data it came from, and what site-wide files need of it."""

    piece: str
    summary: Summary
    entries: tuple[Entry, ...]
    event_ids: tuple[str, ...]


@dataclass
class State:
    """What the last build of a folder knew; good only for the same program, templates and libraries."""

    program: str
    site: Site
    site_digest: str
    files: dict[str, FileInfo]
    shows: dict[str, ShowState]
    site_files: set[str]
    window: date | None
    """The day the combined feed's window was cut on, when it has one."""
    complete: bool
    """Every show's entries are kept (no window cut any away), so the combined feed can be made from them."""


def program_fingerprint() -> str:
    """Everything besides the data that a file's bytes depend on: code, templates, libraries, zone data."""
    digest = hashlib.sha1(usedforsecurity=False)
    for root in (PACKAGE, TEMPLATES):
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(path.relative_to(root.parent).as_posix().encode() + b"\0" + path.read_bytes())
    for name in ("icalendar", "jinja2", "pyyaml", "tzdata", "markupsafe"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            digest.update(f"{name}={importlib.metadata.version(name)}".encode())
    return digest.hexdigest()


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
    data: Path,
    out: Path | None = None,
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
    out = folder.output_folder(out or default_out(data), data)
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
            try:
                return _Build(data, out, day, None if force else read_state(out), progress).run()
            except _Again:
                return _Build(data, out, day, None, progress).run()
        finally:
            if collecting:
                gc.enable()


class _Again(Exception):
    """The last build's state cannot make this one (see `_Build.run`): build everything."""


class _Build:
    def __init__(self, data: Path, out: Path, today: date, state: State | None, progress):
        self.data, self.out, self.today, self.progress = data, out, today, progress
        self.program = program_fingerprint()
        self.state = state if state is not None and state.program == self.program else None
        self.result = BuildResult()

    def run(self) -> BuildResult:
        state = self.state
        infos, raw, problems = catalogue.read_files(self.data, state.files if state else None)
        if problems:
            raise DataError(problems)
        if state is not None and self._unchanged(state, infos):
            self.result.unchanged = _file_count(state.shows, state.site_files)
            return self.result
        if state is not None and _same_heads(state, infos):
            site, site_digest = state.site, state.site_digest
        else:
            found = catalogue.settings(infos, raw)
            if found.problems:
                raise DataError(found.problems)
            site, site_digest = found.site, found.digest
        pieces = [piece for info in infos for piece in info.pieces]
        dirty, kept = _dirty(pieces, _clean_pieces(state, site_digest))
        for info in infos:
            if any(piece.file == info.name for piece in dirty):
                catalogue.file_bytes(info, raw)
        recorded = recorded_slugs(self.out)
        announce = bool(recorded)
        at = data_time(catalogue.data_mtimes(infos)) if announce else EPOCH
        staging = folder.fresh_staging(self.out)
        done = self._render(raw, site, dirty, at, announce, staging)
        checked = catalogue.settle(infos, raw, site, [d.checked for d in done])
        shows = self._shows(pieces, kept, done)
        if state is not None and not state.complete and sum(s.summary.dated for s in shows.values()) <= COMBINED_LIMIT:
            raise _Again  # a window cut entries away earlier and the catalogue is small again: render it all
        problems = [p for c in checked for p in c.problems] + _clashes(infos, raw, site, checked, kept, state)
        if problems:
            raise DataError(problems)
        self.result.unchanged += _file_count({s: shows[s] for s in shows if shows[s] is _kept(state, s)}, ())
        published = [pub for d in done for pub in d.published]
        retired = self._retire(site, shows, recorded, at, announce, staging)
        self._commit(site, site_digest, infos, shows, [*published, *retired], staging)
        return self.result

    def _unchanged(self, state: State, infos: Sequence[FileInfo]) -> bool:
        same = [i.name for i in infos] == list(state.files) and all(state.files[i.name] is i for i in infos)
        return same and (state.window is None or state.window == self.today)

    # -- the shows that changed, on every core -------------------------------------------------------

    def _render(self, raw, site: Site, dirty: Sequence[Chunk], at: datetime, announce: bool, staging) -> list[_Done]:
        old = self.state.shows if self.state is not None else {}
        _SHARED.update(data=raw, site=site, out=self.out, staging=staging, at=at, announce=announce,
                       old_ids={slug: show.event_ids for slug, show in old.items()})  # fmt: skip
        finished = 0

        def tick(count: int) -> None:
            nonlocal finished
            finished += count
            if self.progress is not None:
                self.progress(finished, len(dirty))

        try:
            done = list(parallel.run(_render_batch, dirty, progress=tick))
        finally:
            _SHARED.clear()
        for piece in done:
            self.result.written += piece.staged.written
            self.result.unchanged += piece.staged.unchanged
            self.result.removed += piece.staged.removed
            self.result.rendered += len(piece.published)
        return done

    def _shows(self, pieces: Sequence[Chunk], kept: Sequence[Chunk], done: Sequence[_Done]) -> dict[str, ShowState]:
        """Every show of the data, in its order: from this build where its piece changed, else as last built."""
        fresh: dict[tuple[str, int], list[ShowState]] = {}
        for piece in done:
            where = (piece.checked.piece.file, piece.checked.piece.start)
            fresh[where] = [
                ShowState(piece.checked.piece.digest, pub.summary, tuple(pub.entries), pub.event_ids)  # type: ignore[arg-type]
                for pub in piece.published
            ]
        by_piece: dict[str, list[str]] = {}
        for slug, show in (self.state.shows if self.state is not None else {}).items():
            by_piece.setdefault(show.piece, []).append(slug)
        standing = {(piece.file, piece.start) for piece in kept}
        shows: dict[str, ShowState] = {}
        for piece in pieces:
            if (piece.file, piece.start) in standing and self.state is not None:
                for slug in by_piece.get(piece.digest, ()):
                    shows[slug] = self.state.shows[slug]
            else:
                for show in fresh.get((piece.file, piece.start), ()):
                    shows.setdefault(show.summary.slug, show)
        return shows

    # -- shows that are gone -------------------------------------------------------------------------

    def _retire(self, site: Site, shows: Mapping[str, ShowState], recorded, at, announce, staging) -> list[Published]:
        gone = []
        for slug in sorted(set(recorded) - shows.keys()):
            old = read_show(show_record_path(self.out, slug))
            if old is None or old.removed:
                continue
            pub = retire_show(old, site, at, announce=announce)
            staged = _stage(self.out, staging, pub, ())
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
        files = site_wide_files(site, summaries, combined_window(entries, self.today), log)
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
                      self.today if windowed else None, not windowed)  # fmt: skip
        write_state(self.out, state)
        folder.fresh_staging(self.out)

    def _stale(self, shows: Mapping[str, ShowState], files: Mapping[str, bytes]) -> list[str]:
        """Files earlier builds wrote and this one does not: old browse pages; anything, without a state."""
        if self.state is not None:
            return sorted(self.state.site_files - files.keys())
        wanted = set(files) | {path for slug, show in shows.items() for path in show_paths(slug, show.event_ids)}
        wanted |= {f"shows/{slug}.{kind}" for slug in recorded_slugs(self.out) for kind in ("ics", "atom")}
        return sorted(folder.published_files(self.out, MANAGED) - wanted)


def _kept(state: State | None, slug: str) -> ShowState | None:
    return state.shows.get(slug) if state is not None else None


def _file_count(shows: Mapping[str, ShowState], site_files: Iterable[str]) -> int:
    return len(list(site_files)) + sum(len(show_paths(slug, show.event_ids)) for slug, show in shows.items())


def _event_files(path: Path) -> list[str]:
    try:
        return [name for name in os.listdir(path) if name.endswith(".ics")]
    except OSError:
        return []


def _windowed(show: ShowState, today: date) -> ShowState:
    """Only the entries a combined feed from `today` on can still need: its window only moves forward."""
    since = today - RECENT
    return ShowState(show.piece, show.summary, tuple(e for e in show.entries if e.last >= since), show.event_ids)


def _same_heads(state: State, infos: Sequence[FileInfo]) -> bool:
    """No file's site settings or top-level keys changed, and no file came or went."""
    return list(state.files) == [i.name for i in infos] and all(state.files[i.name].head == i.head for i in infos)


def _clean_pieces(state: State | None, site_digest: str) -> set[str]:
    """Pieces (by digest) the last build rendered with these site settings: their files stand."""
    if state is None or state.site_digest != site_digest:
        return set()
    return {show.piece for show in state.shows.values()}


def _dirty(pieces: Sequence[Chunk], clean: set[str]) -> tuple[list[Chunk], list[Chunk]]:
    """Pieces to render, and pieces whose files stand; a piece seen twice is rendered, to catch its slug twice."""
    seen: Counter[str] = Counter()
    dirty, kept = [], []
    for piece in pieces:
        seen[piece.digest] += 1
        (kept if piece.digest in clean and seen[piece.digest] == 1 else dirty).append(piece)
    return dirty, kept


def _clashes(
    infos, raw, site: Site, checked: list[Checked], kept: Sequence[Chunk], state: State | None
) -> list[Problem]:
    """A slug a changed show took that an unchanged one holds: a problem at whichever comes second in the data."""
    if state is None or not kept:
        return []
    by_piece: dict[str, list[str]] = {}
    for slug, show in state.shows.items():
        by_piece.setdefault(show.piece, []).append(slug)
    standing = {slug: piece for piece in kept for slug in by_piece.get(piece.digest, ())}
    taken = {slug for c in checked for slug in c.slugs} & standing.keys()
    if not taken:
        return []
    again = []
    for piece in {standing[slug] for slug in taken}:
        info = next(i for i in infos if i.name == piece.file)
        again.append(catalogue.check_piece(piece, catalogue.file_bytes(info, raw) or b"", site))
    before = {id(p) for c in checked for p in c.problems}
    settled = catalogue.settle(infos, raw, site, [*checked, *again])
    return [p for c in settled for p in c.problems if id(p) not in before]


# -- in the workers --------------------------------------------------------------------------------

_SHARED: dict[str, object] = {}
"""What forked workers need beside their batch; set by the parent before it forks them."""


@dataclass
class _Staged:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass
class _Done:
    """One piece rendered: what checking it found, its shows as the parent needs them, what was staged."""

    checked: Checked
    published: list[Published]
    staged: _Staged


def _render_batch(batch: Sequence[Chunk]) -> list[_Done]:
    data: Mapping[str, bytes] = _SHARED["data"]  # type: ignore[assignment]
    site: Site = _SHARED["site"]  # type: ignore[assignment]
    out: Path = _SHARED["out"]  # type: ignore[assignment]
    staging: Path = _SHARED["staging"]  # type: ignore[assignment]
    at: datetime = _SHARED["at"]  # type: ignore[assignment]
    old_ids: Mapping[str, tuple[str, ...]] = _SHARED["old_ids"]  # type: ignore[assignment]
    done = []
    for piece in batch:
        checked = catalogue.check_piece(piece, data[piece.file], site)
        result = _Done(checked, [], _Staged())
        if not checked.problems:
            for show in checked.shows:
                old = read_show(show_record_path(out, show.slug))
                pub = publish_show(show, site, old, at, announce=bool(_SHARED["announce"]))
                staged = _stage(out, staging, pub, old_ids.get(show.slug, ()))
                result.staged.written += staged.written
                result.staged.unchanged += staged.unchanged
                result.staged.removed += staged.removed
                pub.files = {}  # staged already; the parent needs the rest
                result.published.append(pub)
        checked.shows = []
        done.append(result)
    return done


def _stage(out: Path, staging: Path, pub: Published, old_ids: Iterable[str]) -> _Staged:
    """A show's files into staging where they differ from what is published; its record waits for the commit."""
    staged = _Staged()
    for rel, data in pub.files.items():
        changed = folder.stage_if_changed(out, staging, rel, data)
        if rel.startswith(RECORD_DIR):
            continue
        if changed:
            staged.written.append(rel)
        else:
            staged.unchanged += 1
    staged.removed = sorted(show_paths(pub.slug, tuple(old_ids)) - show_paths(pub.slug, pub.event_ids))
    return staged


# -- site-wide files --------------------------------------------------------------------------------


def site_wide_files(
    site: Site, summaries: Sequence[Summary], entries: Sequence[Entry], log: Sequence[Change]
) -> dict[str, bytes]:
    """The files made from every show: the combined feed, the index and browse pages, the lists, the assets."""
    base = site.url
    found = Listing(summaries)
    files = {"all.ics": combined_feed(site, entries)}
    files[pages.page_file("/")] = pages.catalogue_index(site, found, base=base)
    for number in range(1, found.pages + 1):
        files[pages.page_file(pages.browse_path(number))] = pages.catalogue_page(site, found, number, base=base)
    files[pages.SEARCH_FILE] = pages.search_index(found)
    files[pages.api_path()] = pages.api_list(site, summaries)
    files["changes.atom"] = changes.site_changes(log, site.title, base=base)
    for name in pages.ASSETS:
        files[f"static/{name}"] = pages.asset(name)
    for name in pages.ROOT_ASSETS:
        files[name] = pages.asset(name)
    return files


# -- what earlier builds left -----------------------------------------------------------------------


def recorded_slugs(out: Path) -> set[str]:
    """The shows the folder's revision record has ever published."""
    try:
        names = os.listdir(out / RECORD_DIR / "revisions")
    except OSError:
        return set()
    return {name.removesuffix(".jsonl") for name in names if name.endswith(".jsonl")}


def read_state(out: Path) -> State | None:
    try:
        with open(out / STATE, "rb") as handle:
            state = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    return state if isinstance(state, State) else None


def write_state(out: Path, state: State) -> None:
    path = out / STATE
    temporary = path.with_suffix(".tmp")
    with open(temporary, "wb") as handle:
        pickle.dump(state, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, path)
