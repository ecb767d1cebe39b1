"""What changed since the last build, and the shows that changed, checked and rendered.

The build writes what this finds into its folder; the server keeps it in
memory beside the last build's files. Both start from what the last build
of the folder remembered (`State`, in `.showcal/cache/state.pickle`): the
data files as they were (sizes, times, digests, pieces), the site settings,
and for each show the piece it came from and what site-wide files need of
it. A piece whose digest the last build rendered, with the same settings and
the same program, is "kept": its files stand. Every other piece is parsed,
checked and rendered again, each show on its own, on every core.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import pickle
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from . import catalogue, folder, parallel
from .catalogue import Checked, FileInfo
from .chunks import Chunk
from .errors import DataError, Problem
from .feeds import Entry, sort_key
from .listing import Summary, summarize
from .model import Event, Show, Site
from .output import Published, publish_show, show_paths
from .pages import TEMPLATES, event_folder
from .revisions import RECORD_DIR, read_show, show_record_path

STATE = f"{folder.CACHE}/state.pickle"
PACKAGE = Path(__file__).resolve().parent


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
    root: str = ""
    """The data path as the build was given it: file names start with it."""
    browse: dict[str, str] = field(default_factory=dict)
    """Each browse page's file to a digest of what it shows (build.site_wide_files)."""


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


def read_state(out: Path, program: str | None = None) -> State | None:
    """What the last build of `out` knew, if it was made by this very program."""
    try:
        with open(out / STATE, "rb") as handle:
            state = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None
    if not isinstance(state, State):
        return None
    return state if state.program == (program or program_fingerprint()) else None


# -- what changed -----------------------------------------------------------------------------


@dataclass
class Plan:
    """The data as read now, measured against what the last build knew."""

    infos: list[FileInfo]
    raw: dict[str, bytes]
    site: Site
    site_digest: str
    pieces: list[Chunk]
    dirty: list[Chunk]
    """Pieces to check and render."""
    kept: list[Chunk]
    """Pieces whose shows' files stand as the last build left them."""
    state: State | None


def plan(data: Path, state: State | None, known: Mapping[str, FileInfo] | None = None, *, pool: bool = False) -> Plan:
    """Read what changed (unchanged files by their size and time, not their bytes); raise DataError on problems.

    `pool` reads many changed files on every core (see `render` for when a process may fork).
    """
    if state is not None and state.root and state.root != str(data):
        state = rebased(state, str(data))
    earlier = known if known is not None else state.files if state else None
    infos, raw, problems = catalogue.read_files(data, earlier, pool=pool)
    if problems:
        raise DataError(problems)
    if state is not None and same_heads(state, infos):
        site, site_digest = state.site, state.site_digest
    else:
        found = catalogue.settings(infos, raw)
        if found.problems:
            raise DataError(found.problems)
        site, site_digest = found.site, found.digest
    pieces = [piece for info in infos for piece in info.pieces]
    clean = {show.piece for show in state.shows.values()} if state and state.site_digest == site_digest else set()
    seen: Counter[str] = Counter()
    dirty, kept = [], []
    for piece in pieces:  # a piece seen twice is rendered, to catch its slug twice
        seen[piece.digest] += 1
        (kept if piece.digest in clean and seen[piece.digest] == 1 else dirty).append(piece)
    return Plan(infos, raw, site, site_digest, pieces, dirty, kept, state)


def rebased(state: State, root: str) -> State:
    """The last build's state, its file names spelled from `root`: a server may name the data as
    `/srv/site/events` where the build was given `events`, and must still find every file unchanged."""

    def name(old: str) -> str:
        return root + old[len(state.root) :] if old == state.root or old.startswith(state.root + os.sep) else old

    files = {}
    for info in state.files.values():
        pieces = tuple(replace(piece, file=name(piece.file)) for piece in info.pieces)
        files[name(info.name)] = replace(info, name=name(info.name), pieces=pieces)
    return replace(state, files=files, root=root)


def same_heads(state: State, infos: Sequence[FileInfo]) -> bool:
    """No file's site settings or top-level keys changed, and no file came or went."""
    return list(state.files) == [i.name for i in infos] and all(state.files[i.name].head == i.head for i in infos)


def unchanged(state: State, infos: Sequence[FileInfo], today: date) -> bool:
    """The data is what the last build read, and its combined feed's window has not moved."""
    same = [i.name for i in infos] == list(state.files) and all(state.files[i.name] is i for i in infos)
    return same and (state.window is None or state.window == today)


# -- the shows that changed, on every core -----------------------------------------------------


@dataclass
class Staged:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)


@dataclass
class Done:
    """One piece rendered: what checking it found, its shows' output, and what was staged of it."""

    checked: Checked
    published: list[Published]
    staged: Staged
    summaries: list[Summary] = field(default_factory=list)
    """Without rendering (`survey`): what lists need of its shows."""


_SHARED: dict[str, object] = {}
"""What forked workers need beside their batch; set by the parent before it forks them."""


def render(
    work: Plan,
    at: datetime,
    *,
    announce: bool,
    out: Path,
    staging: Path | None,
    progress: Callable[[int], None] | None = None,
    pool: bool = True,
) -> list[Done]:
    """Check and render the plan's changed pieces; the records of earlier revisions are read from `out`.

    With `staging`, files that differ from those in `out` are written there
    and dropped from the results; without, the results keep every file (the
    server serves them from memory). `pool` false keeps the work in this
    process, as a thread that is not alone in its process must.
    """
    old = work.state.shows if work.state is not None else {}
    _SHARED.update(data=work.raw, site=work.site, out=out, staging=staging, at=at, announce=announce,
                   old_ids={slug: show.event_ids for slug, show in old.items()})  # fmt: skip
    try:
        if pool:
            return list(parallel.run(_render_batch, work.dirty, progress=progress))
        return _render_batch(work.dirty)
    finally:
        _SHARED.clear()


def _render_batch(batch: Sequence[Chunk]) -> list[Done]:
    data: Mapping[str, bytes] = _SHARED["data"]  # type: ignore[assignment]
    site: Site = _SHARED["site"]  # type: ignore[assignment]
    out: Path = _SHARED["out"]  # type: ignore[assignment]
    staging: Path | None = _SHARED["staging"]  # type: ignore[assignment]
    at: datetime = _SHARED["at"]  # type: ignore[assignment]
    old_ids: Mapping[str, tuple[str, ...]] = _SHARED["old_ids"]  # type: ignore[assignment]
    done = []
    for piece in batch:
        checked = catalogue.check_piece(piece, data, site)
        result = Done(checked, [], Staged())
        if not checked.problems:
            for show in checked.shows:
                old = read_show(show_record_path(out, show.slug))
                pub = publish_show(show, site, old, at, announce=bool(_SHARED["announce"]))
                if staging is not None:
                    staged = stage(out, staging, pub, old_ids.get(show.slug, ()))
                    result.staged.written += staged.written
                    result.staged.unchanged += staged.unchanged
                    result.staged.removed += staged.removed
                    pub.files, pub.record = {}, None  # staged already; the parent needs the rest
                    pub.entries = [replace(entry, data=b"") for entry in pub.entries]  # read back if needed
                result.published.append(pub)
        checked.shows = []
        done.append(result)
    return done


def survey(work: Plan, *, pool: bool = True) -> list[Done]:
    """Check the plan's changed pieces and summarize their shows, rendering nothing (a server's first start)."""
    _SHARED.update(data=work.raw, site=work.site)
    try:
        return list(parallel.run(_survey_batch, work.dirty)) if pool else _survey_batch(work.dirty)
    finally:
        _SHARED.clear()


def _survey_batch(batch: Sequence[Chunk]) -> list[Done]:
    data: Mapping[str, bytes] = _SHARED["data"]  # type: ignore[assignment]
    site: Site = _SHARED["site"]  # type: ignore[assignment]
    done = []
    for piece in batch:
        checked = catalogue.check_piece(piece, data, site)
        found = [] if checked.problems else [summarize(show, dated_in_order(show)) for show in checked.shows]
        checked.shows = []
        done.append(Done(checked, [], Staged(), found))
    return done


def stage(out: Path, staging: Path, pub: Published, old_ids: Iterable[str]) -> Staged:
    """A show's files into staging where they differ from what is published; its record waits for the commit."""
    staged = Staged()
    events = event_folder(pub.slug)
    fresh = f"{events}/" if not os.path.isdir(f"{out}/{events}") else None  # a new show: none of its events' files
    for rel, data in pub.files.items():
        published = fresh is None or not rel.startswith(fresh)
        changed = folder.stage_if_changed(out, staging, rel, data, published=published)
        if rel.startswith(RECORD_DIR):
            continue
        if changed:
            staged.written.append(rel)
        else:
            staged.unchanged += 1
    staged.removed = sorted(show_paths(pub.slug, tuple(old_ids)) - show_paths(pub.slug, pub.event_ids))
    return staged


def dated_in_order(show: Show) -> list[Event]:
    """A show's dated events in the order its feed lists them."""
    return sorted(show.dated_events, key=sort_key)


# -- putting it together --------------------------------------------------------------------


def settle(work: Plan, done: Sequence[Done]) -> list[Problem]:
    """Every problem: the changed pieces' own, and slugs taken twice, unchanged shows included."""
    checked = catalogue.settle(work.infos, work.raw, work.site, [d.checked for d in done])
    return [p for c in checked for p in c.problems] + _clashes(work, checked)


def shows_of(work: Plan, done: Sequence[Done]) -> dict[str, ShowState]:
    """Every show of the data, in its order: from `done` where its piece changed, else as the last build left it."""
    fresh: dict[tuple[str, int], list[ShowState]] = {}
    for piece in done:
        where = (piece.checked.piece.file, piece.checked.piece.start)
        fresh[where] = [
            ShowState(piece.checked.piece.digest, pub.summary, tuple(pub.entries), pub.event_ids)  # type: ignore[arg-type]
            for pub in piece.published
        ]
    state = work.state
    by_piece = by_piece_of(state)
    standing = {(piece.file, piece.start) for piece in work.kept}
    shows: dict[str, ShowState] = {}
    for piece in work.pieces:
        if (piece.file, piece.start) in standing and state is not None:
            for slug in by_piece.get(piece.digest, ()):
                shows[slug] = state.shows[slug]
        else:
            for show in fresh.get((piece.file, piece.start), ()):
                shows.setdefault(show.summary.slug, show)
    return shows


def by_piece_of(state: State | None) -> dict[str, list[str]]:
    """Piece digest to the slugs of the shows it held, as the last build knew them."""
    found: dict[str, list[str]] = {}
    for slug, show in (state.shows if state is not None else {}).items():
        found.setdefault(show.piece, []).append(slug)
    return found


def _clashes(work: Plan, checked: list[Checked]) -> list[Problem]:
    """A slug a changed show took that an unchanged one holds: a problem at whichever comes second in the data."""
    if work.state is None or not work.kept:
        return []
    by_piece = by_piece_of(work.state)
    standing = {slug: piece for piece in work.kept for slug in by_piece.get(piece.digest, ())}
    taken = {claim.slug for c in checked for claim in c.slugs} & standing.keys()
    if not taken:
        return []
    again = []
    for piece in {standing[slug] for slug in taken}:
        again.append(catalogue.check_piece(piece, work.raw, work.site))
    before = {id(p) for c in checked for p in c.problems}
    settled = catalogue.settle(work.infos, work.raw, work.site, [*checked, *again])
    return [p for c in settled for p in c.problems if id(p) not in before]
