"""Reading and checking a catalogue one show at a time: on every core, and only where the data changed.

The data files are cut into one piece per show (chunks.py); a file that
cannot be cut is one piece holding all its shows. The site settings come
first, from the files' heads, because shows' times depend on them; then every
piece is parsed and checked on its own, in parallel; then what spans pieces
(two shows with one slug) is checked over the results. A piece that does not
read as YAML on its own sends its file to be read whole, so every file ends in
shows or in problems located in it, whichever way it was cut.

`FileInfo` carries what an earlier run learned about each file (size,
modification time, digests, pieces): an unchanged file is not read again.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

import yaml

from . import parallel
from .chunks import Chunk, digest, split
from .errors import DataError, Problem
from .files import data_entries, data_files, read_data
from .limits import MAX_EVENTS
from .load import compose_data
from .model import Catalog, Show, Site
from .validate import check_heads, check_show, claimed_slug, show_items

__all__ = ["data_files"]

WHOLE = -1
"""The index of a piece that is a whole file."""
BARE_HEAD = b"shows: []"
"""The head of a file that holds shows and nothing else, as chunks.split leaves it."""


@dataclass(frozen=True)
class FileInfo:
    """One data file as last read: enough to tell, from a stat, that it has not changed."""

    name: str
    size: int
    mtime_ns: int
    digest: str
    head: str
    """Digest of the file less its shows: its site settings and top-level keys."""
    pieces: tuple[Chunk, ...]
    bare: bool = False
    """The file holds shows and nothing else: its head needs no parsing."""

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9

    @property
    def cut(self) -> bool:
        return not (len(self.pieces) == 1 and self.pieces[0].index == WHOLE)


class Claim(NamedTuple):
    """A show's slug and where its `slug:` is: line (1-based, counted in the piece until settled), column, path."""

    slug: str
    line: int
    column: int
    path: str


@dataclass
class Checked:
    """What checking one piece gave: its shows, or its problems."""

    piece: Chunk
    shows: list[Show] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    slugs: list[Claim] = field(default_factory=list)
    """Each show's `slug:`, in order, a repeated one too."""
    events: int = 0
    dated: int = 0
    unparsed: bool = False
    """The piece did not read as YAML on its own: its file is read whole instead."""
    settled: bool = False
    """Its line numbers are the file's (see `settle`)."""

    @property
    def file(self) -> str:
        return self.piece.file

    def light(self) -> Checked:
        """The same result without its shows: what a worker sends back when only problems and counts matter."""
        return replace(self, shows=[])


@dataclass
class Settings:
    """The site settings of the data, and what reading the files' heads found wrong."""

    site: Site
    digest: str
    problems: list[Problem]


# -- the files ----------------------------------------------------------------------------


def read_files(
    path: Path, known: Mapping[str, FileInfo] | None = None, *, pool: bool = False
) -> tuple[list[FileInfo], dict[str, bytes], list[Problem]]:
    """Every data file's info, and the bytes of those read: the ones that changed (or all, without `known`).

    With `pool`, many files are read and cut on every core; their bytes are
    then not kept (whoever needs them reads them again, from the page cache).
    """
    known = known or {}
    found: list[FileInfo | tuple[str, os.stat_result | None]] = []
    problems: list[Problem] = []
    entries = data_entries(path)
    if not entries:
        problems.append(Problem(str(path), 1, 1, "", "no .yaml or .yml files in this directory"))
    for entry in entries:
        if entry.problem is not None:
            problems.append(entry.problem)
            continue
        stat = entry.stat
        if stat is None:
            try:
                stat = entry.path.stat()
            except OSError:
                stat = None
        before = known.get(str(entry.path))
        if stat is not None and before is not None and _same_stat(before, stat):
            found.append(before)
        else:
            found.append((str(entry.path), stat))
    unread = [item for item in found if isinstance(item, tuple)]
    data: dict[str, bytes] = {}
    if pool and len(unread) >= parallel.SMALL:
        read = dict(zip((name for name, _ in unread), parallel.run(_read_batch, unread), strict=True))
    else:
        read = {}
        for name, stat in unread:
            raw = read_data(Path(name))
            read[name] = raw if isinstance(raw, Problem) else _info(name, raw, stat)
            if not isinstance(raw, Problem):
                data[name] = raw
    infos: list[FileInfo] = []
    for item in found:
        done = read[item[0]] if isinstance(item, tuple) else item
        (problems if isinstance(done, Problem) else infos).append(done)
    return infos, data, problems


def _read_batch(batch: Sequence[tuple[str, os.stat_result | None]]) -> list[FileInfo | Problem]:
    out: list[FileInfo | Problem] = []
    for name, stat in batch:
        raw = read_data(Path(name))
        out.append(raw if isinstance(raw, Problem) else _info(name, raw, stat))
    return out


def _info(name: str, raw: bytes, stat: os.stat_result | None) -> FileInfo:
    size, mtime = (stat.st_size, stat.st_mtime_ns) if stat is not None else (len(raw), 0)
    return file_info(name, raw, size, mtime)


def _same_stat(info: FileInfo, stat) -> bool:
    """Same size and modification time: the file is taken as unchanged, as make and rsync take it."""
    return info.size == stat.st_size and info.mtime_ns == stat.st_mtime_ns


def file_info(name: str, raw: bytes, size: int, mtime_ns: int) -> FileInfo:
    cut = split(name, raw)
    whole = digest(raw)
    if cut is None or not cut.chunks:
        return FileInfo(name, size, mtime_ns, whole, whole, (Chunk(name, WHOLE, 0, len(raw), whole),))
    bare = cut.head.strip() == BARE_HEAD
    return FileInfo(name, size, mtime_ns, whole, digest(cut.head), cut.chunks, bare)


def file_bytes(info: FileInfo, data: dict[str, bytes]) -> bytes | None:
    """The file's bytes, read this run or now; kept in `data` for whoever needs them next."""
    if info.name not in data:
        raw = read_data(Path(info.name))
        if isinstance(raw, Problem):
            return None
        data[info.name] = raw
    return data[info.name]


# -- the site settings ------------------------------------------------------------------------


def settings(infos: Sequence[FileInfo], data: dict[str, bytes]) -> Settings:
    """The one `site:` section of the data set, whichever file holds it; every file's top-level keys checked."""
    problems: list[Problem] = []
    documents: list[tuple[str, yaml.Node]] = []
    for info in infos:
        if info.bare:  # most files of a folder: nothing but their shows
            documents.append((info.name, _bare_head()))
            continue
        raw = file_bytes(info, data)
        if raw is None:
            problems.append(Problem(info.name, 1, 1, "", "cannot read the file any more; try again"))
            continue
        head = split(info.name, raw).head if info.cut else raw  # type: ignore[union-attr]
        if head.strip() == BARE_HEAD:
            documents.append((info.name, _bare_head()))
            continue
        node, found = compose_data(info.name, head)
        if found and info.cut:  # the head alone does not parse: the whole file's problems say why
            node, found = compose_data(info.name, raw)
        problems += found
        if node is not None and not found:
            documents.append((info.name, node))
    site, found, _ = check_heads(documents)
    return Settings(site, digest(repr(site).encode()), problems + found)


@lru_cache(maxsize=1)
def _bare_head() -> yaml.Node:
    """The head of a file that holds shows and nothing else, parsed once for all such files."""
    node, _ = compose_data("", BARE_HEAD + b"\n")
    assert node is not None
    return node


# -- one piece at a time -------------------------------------------------------------------------


def piece_bytes(piece: Chunk, data: Mapping[str, bytes]) -> bytes:
    """A piece's bytes: from the file's bytes if in hand, else read from the file (just that stretch).

    A stretch read from the file is checked against the digest it had when
    the file was cut, so a file saved again meanwhile is a problem, not a
    piece of two versions.
    """
    raw = data.get(piece.file)
    if raw is not None:
        return raw if piece.index == WHOLE else raw[piece.start : piece.end]
    descriptor = os.open(piece.file, os.O_RDONLY)
    try:
        found = os.pread(descriptor, piece.end - piece.start, piece.start)
    finally:
        os.close(descriptor)
    if digest(found) != piece.digest:
        where = Problem(piece.file, 1, 1, "", "the file changed while it was being read; run again")
        raise DataError([where])
    return found


def check_piece(piece: Chunk, data: Mapping[str, bytes], site: Site) -> Checked:
    """One piece's shows, or its problems (lines counted from the piece's first line until `settle`)."""
    result = Checked(piece)
    node, found = compose_data(piece.file, piece_bytes(piece, data))
    if found or node is None:
        result.problems = found
        result.unparsed = piece.index != WHOLE
        return result
    if piece.index == WHOLE:
        shows = _shows_of(node)
        items = show_items(piece.file, shows, result.problems) if shows is not None else []
    else:
        values = node.value if isinstance(node, yaml.SequenceNode) else [node]
        items = [(piece.path, item) for item in values]
    for path, item in items:
        show, found = check_show(item, file=piece.file, path=path, site=site)
        result.problems += found
        slug = claimed_slug(item)
        if slug is not None:
            result.slugs.append(Claim(slug.value, slug.start_mark.line + 1, slug.start_mark.column + 1, f"{path}.slug"))
        if show is not None:
            result.shows.append(show)
            result.events += len(show.events)
            result.dated += len(show.dated_events)
    return result


def _shows_of(node: yaml.Node) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value == "shows"), None)


_SHARED: dict[str, object] = {}
"""What forked workers need beside their batch: the files' bytes and the site settings."""


def check_pieces(
    data: Mapping[str, bytes],
    site: Site,
    pieces: Sequence[Chunk],
    progress: Callable[[int], None] | None = None,
    *,
    models: bool = True,
) -> list[Checked]:
    """Every given piece parsed and checked against the site settings, on every core.

    Without `models`, only problems, slugs and counts come back: sending
    200,000 events between processes costs more than checking them.
    """
    _SHARED.update(data=data, site=site, models=models)
    try:
        return list(parallel.run(_check_batch, pieces, progress=progress))
    finally:
        _SHARED.clear()


def _check_batch(batch: Sequence[Chunk]) -> list[Checked]:
    data: Mapping[str, bytes] = _SHARED["data"]  # type: ignore[assignment]
    site: Site = _SHARED["site"]  # type: ignore[assignment]
    results = [check_piece(piece, data, site) for piece in batch]
    return results if _SHARED["models"] else [r.light() for r in results]


# -- across pieces ---------------------------------------------------------------------------------


def settle(infos: Sequence[FileInfo], data: dict[str, bytes], site: Site, checked: list[Checked]) -> list[Checked]:
    """Pieces that did not parse replaced by their file checked whole; lines made the file's; duplicates found."""
    broken = {c.file for c in checked if c.unparsed}
    if broken:
        checked = [c for c in checked if c.file not in broken]
        for info in infos:
            if info.name in broken:
                raw = file_bytes(info, data) or b""
                checked.append(check_piece(Chunk(info.name, WHOLE, 0, len(raw), info.digest), data, site))
    _file_lines(checked)
    duplicate_slugs(infos, checked)
    _too_many_events(infos, checked)
    return checked


def _file_lines(checked: list[Checked]) -> None:
    """Lines counted from a piece's first line made the file's, once (a result may be settled again)."""
    for result in checked:
        line = result.piece.line
        if line and not result.settled:
            result.problems = [replace(p, line=p.line + line) for p in result.problems]
            result.slugs = [claim._replace(line=claim.line + line) for claim in result.slugs]
        result.settled = True


def duplicate_slugs(infos: Sequence[FileInfo], checked: list[Checked]) -> None:
    """A slug taken twice is a problem at the second, in the same piece or another; only the first show is kept."""
    seen: dict[str, tuple[str, int, int]] = {}
    for number, result in enumerate(ordered(infos, checked)):
        for slug, line, column, path in result.slugs:
            if slug in seen:
                file, first, _ = seen[slug]
                message = f"duplicate show slug '{slug}' (also at {file}:{first}); slugs must be unique"
                result.problems.append(Problem(result.file, line, column, path, message))
            else:
                seen[slug] = (result.file, line, number)
        kept, here = [], set()
        for show in result.shows:
            owner = seen.get(show.slug)
            if (owner is None or owner[2] == number) and show.slug not in here:  # not an earlier piece's
                here.add(show.slug)
                kept.append(show)
        result.shows = kept


def _too_many_events(infos: Sequence[FileInfo], checked: list[Checked]) -> None:
    total = 0
    for result in ordered(infos, checked):
        before, total = total, total + result.events
        if before <= MAX_EVENTS < total:
            _, line, column, path = next(iter(result.slugs), Claim("", 1, 1, ""))
            message = (
                f"with this show the catalogue holds more than {MAX_EVENTS:,} events, the limit;"
                " split the data into several sites"
            )
            result.problems.append(Problem(result.file, line, column, path.removesuffix(".slug"), message))


def ordered(infos: Sequence[FileInfo], checked: Iterable[Checked]) -> list[Checked]:
    """Results in the order of the data: files in order, pieces in the order of each file."""
    rank = {info.name: n for n, info in enumerate(infos)}
    return sorted(checked, key=lambda c: (rank.get(c.file, len(rank)), c.piece.start))


# -- the whole catalogue -------------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    shows: int
    dated: int
    undated: int


def check(path: str | Path, progress: Callable[[int], None] | None = None) -> Counts:
    """Check the whole catalogue on every core; raise DataError with every problem, else say what it holds."""
    _, checked = _check_all(Path(path), progress, models=False)
    events = sum(c.events for c in checked)
    dated = sum(c.dated for c in checked)
    return Counts(sum(len(c.slugs) for c in checked), dated, events - dated)


def load(path: str | Path, progress: Callable[[int], None] | None = None) -> Catalog:
    """Read and check the whole catalogue, or raise DataError with every problem."""
    found, checked = _check_all(Path(path), progress, models=True)
    return Catalog(site=found.site, shows=tuple(show for c in checked for show in c.shows))


def _check_all(path: Path, progress: Callable[[int], None] | None, *, models: bool) -> tuple[Settings, list[Checked]]:
    """The collector is paused meanwhile: node graphs hold no cycles, and
    rescanning millions of live nodes made a catalogue-sized load 3x slower.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        infos, data, problems = read_files(path, pool=True)
        found = settings(infos, data)
        problems += found.problems
        checked: list[Checked] = []
        if not problems:
            pieces = [piece for info in infos for piece in info.pieces]
            checked = check_pieces(data, found.site, pieces, progress, models=models)
            checked = ordered(infos, settle(infos, data, found.site, checked))
    finally:
        if collecting:
            gc.enable()
    problems += [p for c in checked for p in c.problems]
    if problems:
        raise DataError(problems)
    return found, checked


def data_mtimes(infos: Iterable[FileInfo]) -> list[float]:
    """The files' modification times: the newest is the time of the data (see revisions.data_time)."""
    return [info.mtime for info in infos]
