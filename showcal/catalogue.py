"""Reading and checking a catalogue one show at a time: on every core, and only where the data changed.

The data files are cut into one piece per show (chunks.py). The site
settings come first, from the files' heads, because shows' times depend on
them; then every piece is parsed and checked on its own, in parallel; then
what spans shows (two shows with one slug) is checked over the results.
A file that cannot be cut is parsed and checked whole, so every file ends
in shows or in problems located in it, whichever way it was read.

`Known` carries what an earlier run learned about each file (size,
modification time, digests): an unchanged file is not even read again.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from . import parallel
from .chunks import Chunk, digest, split
from .errors import DataError, Problem
from .files import data_entries, read_data
from .load import compose_data
from .model import Catalog, Show, Site
from .validate import Checker

STR = "tag:yaml.org,2002:str"


@dataclass(frozen=True)
class FileInfo:
    """One data file as last read: enough to tell, from a stat, that it has not changed."""

    name: str
    size: int
    mtime_ns: int
    digest: str
    head: str
    """Digest of the file less its shows: the site settings and top-level keys."""
    chunks: tuple[Chunk, ...] | None
    """The file's shows as pieces; None where the file is read whole."""

    @property
    def mtime(self) -> float:
        return self.mtime_ns / 1e9


@dataclass
class Checked:
    """What checking one piece gave: its shows, or its problems."""

    file: str
    chunk: Chunk | None
    shows: list[Show] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    slugs: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    """Each show's slug, and the line (1-based, in the piece until settled), column and path of its `slug:`."""
    events: int = 0
    dated: int = 0
    unparsed: bool = False
    """The piece did not read as YAML on its own: its file is read whole instead."""

    def light(self) -> Checked:
        """The same result without its shows: what a worker sends back when only problems and counts matter."""
        return replace(self, shows=[])


@dataclass
class Reading:
    """The data path as read this time: files, their bytes where read, the site settings."""

    files: list[FileInfo]
    data: dict[str, bytes]
    site: Site
    site_digest: str
    problems: list[Problem]
    whole: list[Checked]
    """Files that could not be cut, checked whole already."""


# -- the files ----------------------------------------------------------------------------


def read_files(
    path: Path, known: Mapping[str, FileInfo] | None = None
) -> tuple[list[FileInfo], dict[str, bytes], list[Problem]]:
    """Every data file's info; the bytes of those that changed (or all, without `known`)."""
    known = known or {}
    infos: list[FileInfo] = []
    data: dict[str, bytes] = {}
    problems: list[Problem] = []
    entries = data_entries(path)
    if not entries:
        problems.append(Problem(str(path), 1, 1, "", "no .yaml or .yml files in this directory"))
    for entry in entries:
        if entry.problem is not None:
            problems.append(entry.problem)
            continue
        name = str(entry.path)
        try:
            stat = entry.path.stat()
        except OSError:
            stat = None
        before = known.get(name)
        if (
            stat is not None
            and before is not None
            and (before.size, before.mtime_ns) == (stat.st_size, stat.st_mtime_ns)
        ):
            infos.append(before)
            continue
        raw = read_data(entry.path)
        if isinstance(raw, Problem):
            problems.append(raw)
            continue
        cut = split(name, raw)
        head = cut.head if cut is not None else raw
        size, mtime = (stat.st_size, stat.st_mtime_ns) if stat is not None else (len(raw), 0)
        infos.append(FileInfo(name, size, mtime, digest(raw), digest(head), cut.chunks if cut else None))
        data[name] = raw
    return infos, data, problems


def file_bytes(info: FileInfo, data: Mapping[str, bytes]) -> bytes | None:
    """The file's bytes: read this run, or read again now (its size and time are those it had)."""
    if info.name in data:
        return data[info.name]
    raw = read_data(Path(info.name))
    return None if isinstance(raw, Problem) else raw


# -- the site settings, and files that cannot be cut ----------------------------------------


def read_catalogue(path: Path, known: Mapping[str, FileInfo] | None = None) -> Reading:
    """The files, the site settings from their heads, and the files that could not be cut, checked whole."""
    infos, data, problems = read_files(path, known)
    documents: list[tuple[FileInfo, yaml.Node]] = []
    for info in infos:
        raw = file_bytes(info, data)
        if raw is None:
            problems.append(Problem(info.name, 1, 1, "", "cannot read the file any more"))
            continue
        data[info.name] = raw
        source = split(info.name, raw).head if info.chunks is not None else raw  # type: ignore[union-attr]
        node, found = compose_data(info.name, source)
        if found and info.chunks is not None:  # the head alone does not parse: read the whole file for the message
            node, found = compose_data(info.name, raw)
        problems += found
        if node is not None and not found:
            documents.append((info, node))
    site, site_problems = check_site(documents)
    problems += site_problems
    whole = [check_whole(info.name, node, site) for info, node in documents if info.chunks is None]
    return Reading(infos, data, site, digest(repr(site).encode()), problems, whole)


def check_site(documents: Sequence[tuple[FileInfo, yaml.Node]]) -> tuple[Site, list[Problem]]:
    """The one `site:` section of the data set, whichever file holds it; every file's top-level keys checked."""
    checker = Checker()
    site: Site | None = None
    for info, node in documents:
        checker.file = info.name
        fields = checker.mapping(node, "", ("site", "shows"), "a data file")
        if "site" in fields and site is not None:
            checker.problem(fields["site"][0], "site", "site settings are given in another file already")
        elif "site" in fields:
            site = checker.site(fields["site"][1])
        if "shows" not in fields and isinstance(node, yaml.MappingNode) and "site" not in fields:
            checker.problem(node, "", "a data file needs a 'shows:' list")
    return site or Site(), checker.problems


def check_whole(file: str, node: yaml.Node, site: Site) -> Checked:
    """A file that could not be cut into shows: its `shows:` list checked here, in one piece."""
    checker = Checker()
    checker.file = file
    result = Checked(file, None)
    if not isinstance(node, yaml.MappingNode):
        return result
    fields = {k.value: v for k, v in node.value if isinstance(k, yaml.ScalarNode)}
    if "shows" in fields:
        for index, item in enumerate(checker.sequence(fields["shows"], "shows", "shows")):
            _check_item(checker, item, f"shows[{index}]", site, result)
    result.problems = checker.problems
    return result


def _check_item(checker: Checker, node: yaml.Node, path: str, site: Site, result: Checked) -> None:
    before = len(checker.problems)
    show = checker.show(node, path, site)
    if show is None or len(checker.problems) > before:
        return
    result.shows.append(show)
    result.events += len(show.events)
    result.dated += sum(e.dated for e in show.events)
    slug = next((v for k, v in node.value if k.value == "slug"), node) if isinstance(node, yaml.MappingNode) else node
    result.slugs[show.slug] = (slug.start_mark.line + 1, slug.start_mark.column + 1, f"{path}.slug")


# -- one piece per show, in parallel ----------------------------------------------------------

_SHARED: dict[str, object] = {}
"""What forked workers need beside their batch: the files' bytes and the site settings."""


def check_pieces(
    reading: Reading,
    chunks: Sequence[Chunk],
    progress: Callable[[int], None] | None = None,
    *,
    models: bool = True,
) -> list[Checked]:
    """Every given piece parsed and checked against the site settings, on every core.

    Without `models`, only problems, slugs and counts come back: sending
    200,000 events between processes costs more than checking them.
    """
    _SHARED.update(data=reading.data, site=reading.site, models=models)
    try:
        return list(parallel.run(_check_batch, chunks, progress=progress))
    finally:
        _SHARED.clear()


def _check_batch(batch: Sequence[Chunk]) -> list[Checked]:
    data: Mapping[str, bytes] = _SHARED["data"]  # type: ignore[assignment]
    site: Site = _SHARED["site"]  # type: ignore[assignment]
    results = [check_piece(chunk, data[chunk.file], site) for chunk in batch]
    return results if _SHARED["models"] else [r.light() for r in results]


def check_piece(chunk: Chunk, raw: bytes, site: Site) -> Checked:
    """One show's piece: its show, or its problems with lines counted from the piece's first line."""
    result = Checked(chunk.file, chunk)
    node, found = compose_data(chunk.file, raw[chunk.start : chunk.end])
    if found or node is None:
        result.problems = found or [Problem(chunk.file, 1, 1, chunk.path, "empty")]
        result.unparsed = True
        return result
    checker = Checker()
    checker.file = chunk.file
    items = node.value if isinstance(node, yaml.SequenceNode) else [node]
    for item in items:
        _check_item(checker, item, chunk.path, site, result)
    result.problems = checker.problems
    return result


# -- the whole catalogue ----------------------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    shows: int
    dated: int
    undated: int


def check(path: str | Path, progress: Callable[[int], None] | None = None) -> Counts:
    """Check the whole catalogue on every core; raise DataError with every problem, else say what it holds."""
    reading, checked = _check_all(Path(path), progress, models=False)
    events = sum(c.events for c in checked)
    dated = sum(c.dated for c in checked)
    return Counts(sum(len(c.slugs) for c in checked), dated, events - dated)


def load(path: str | Path, progress: Callable[[int], None] | None = None) -> Catalog:
    """Read and check the whole catalogue, or raise DataError with every problem."""
    reading, checked = _check_all(Path(path), progress, models=True)
    shows = tuple(show for c in ordered(reading, checked) for show in c.shows)
    return Catalog(site=reading.site, shows=shows)


def _check_all(path: Path, progress: Callable[[int], None] | None, *, models: bool) -> tuple[Reading, list[Checked]]:
    """The collector is paused meanwhile: node graphs hold no cycles, and
    rescanning millions of live nodes made a catalogue-sized load 3x slower.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        reading = read_catalogue(path)
        chunks = [chunk for info in reading.files if info.chunks for chunk in info.chunks]
        checked = settle(reading, [*reading.whole, *check_pieces(reading, chunks, progress, models=models)])
    finally:
        if collecting:
            gc.enable()
    problems = reading.problems + [p for c in checked for p in c.problems]
    if problems:
        raise DataError(problems)
    return reading, checked


def settle(reading: Reading, checked: list[Checked]) -> list[Checked]:
    """Pieces that failed to parse replaced by their file checked whole; lines made the file's; duplicates found."""
    broken = {c.file for c in checked if c.unparsed}
    if broken:
        checked = [c for c in checked if c.file not in broken]
        for name in sorted(broken):
            node, found = compose_data(name, reading.data[name])
            if found or node is None:
                checked.append(Checked(name, None, problems=found))
            else:
                checked.append(check_whole(name, node, reading.site))
    _file_lines(reading, checked)
    _duplicate_slugs(reading, checked)
    return checked


def _file_lines(reading: Reading, checked: list[Checked]) -> None:
    """Problems' lines, counted so far from their piece's first line, made the file's: one count per file."""
    pending = sorted((c for c in checked if c.chunk is not None and (c.problems or c.slugs)),
                     key=lambda c: (c.file, c.chunk.start))  # type: ignore[union-attr]  # fmt: skip
    file, line, offset = None, 0, 0
    for result in pending:
        assert result.chunk is not None
        raw = reading.data[result.file]
        if result.file != file:
            file, line, offset = result.file, 0, 0
        line += raw.count(b"\n", offset, result.chunk.start)
        offset = result.chunk.start
        result.problems = [replace(p, line=p.line + line) for p in result.problems]
        result.slugs = {slug: (number + line, column, path) for slug, (number, column, path) in result.slugs.items()}


def _duplicate_slugs(reading: Reading, checked: list[Checked]) -> None:
    seen: dict[str, tuple[str, int]] = {}
    for result in ordered(reading, checked):
        repeated = set()
        for slug, (line, column, path) in result.slugs.items():
            if slug in seen:
                file, first = seen[slug]
                message = f"duplicate show slug '{slug}' (also at {file}:{first}); slugs must be unique"
                result.problems.append(Problem(result.file, line, column, path, message))
                repeated.add(slug)
            else:
                seen[slug] = (result.file, line)
        result.shows = [show for show in result.shows if show.slug not in repeated]


def ordered(reading: Reading, checked: Iterable[Checked]) -> list[Checked]:
    """Results in the order of the data: files in order, pieces in the order of each file."""
    rank = {info.name: n for n, info in enumerate(reading.files)}
    return sorted(checked, key=lambda c: (rank.get(c.file, len(rank)), c.chunk.start if c.chunk else -1))


def data_mtimes(infos: Iterable[FileInfo]) -> list[float]:
    return [info.mtime for info in infos]
