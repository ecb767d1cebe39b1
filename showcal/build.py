"""The static build: every URL the server answers, as files in one folder.

All files are made in memory first, so a data or rendering problem stops
the build before anything is written. The new tree is assembled beside the
old one (unchanged files hard-linked, so their bytes and mtimes stay put)
and swapped in with one rename: a reader sees the old build or the new one,
never a mix.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .feeds import Feeds
from .load import data_files
from .model import Catalog
from .revisions import EPOCH, SiteRevision, data_time, read_site, record_files, revise

MANAGED = (".ics", ".atom", ".html", ".json", ".jsonl", ".svg", ".css", ".js")
"""Files of these kinds in the output belong to showcal; anything else there is kept."""


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.written) + len(self.unchanged)


def site_files(feeds: Feeds, record: SiteRevision) -> dict[str, bytes]:
    """Relative path to bytes for the whole static site."""
    from .site import static_site

    return static_site(feeds, record)


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


def publish(catalog: Catalog, record: SiteRevision, at: datetime) -> tuple[SiteRevision, Feeds]:
    """The next revision record and the feeds it stamps: what a build writes and a server sends."""
    revised = revise(record, catalog, at)
    removed = {slug: rev.title for slug, rev in revised.removed.items()}
    return revised, Feeds(catalog, revised.stamps(), removed=removed)


def build(
    catalog: Catalog,
    out: Path,
    *,
    at: datetime = EPOCH,
    progress: Callable[[int], None] | None = None,
) -> BuildResult:
    """Render and write the site and its revision record.

    `at` is the time of the data (its newest file's modification): events
    that changed since the record was last written are stamped with it.
    `progress` is told of every thousand events rendered.
    """
    revised, feeds = publish(catalog, read_site(out), at)
    feeds.render_all(progress)
    files = site_files(feeds, revised)
    files.update(record_files(revised))
    return write_tree(out, files)


def write_tree(out: Path, files: dict[str, bytes]) -> BuildResult:
    result = BuildResult()
    out = out.absolute()
    staging = out.with_name(f".{out.name}.showcal-new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        old_files = _existing(out)
        for rel, data in sorted(files.items()):
            target, old = staging / rel, out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if rel in old_files and _same(old, data):
                _link_or_copy(old, target)
                result.unchanged.append(rel)
            else:
                target.write_bytes(data)
                result.written.append(rel)
        for rel in sorted(old_files - files.keys()):
            if rel.endswith(MANAGED):
                result.removed.append(rel)
            else:
                (staging / rel).parent.mkdir(parents=True, exist_ok=True)
                _link_or_copy(out / rel, staging / rel)
        if result.written or result.removed or not out.exists():
            _swap(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return result


def _existing(out: Path) -> set[str]:
    if not out.is_dir():
        return set()
    return {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and not p.is_symlink()}


def _same(path: Path, data: bytes) -> bool:
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def _link_or_copy(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _swap(staging: Path, out: Path) -> None:
    """Exchange the folders atomically where Linux allows, else in two quick renames."""
    if not out.exists():
        staging.rename(out)
        return
    if _exchange(staging, out):
        return
    retired = out.with_name(f".{out.name}.showcal-old")
    shutil.rmtree(retired, ignore_errors=True)
    out.rename(retired)
    staging.rename(out)
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """renameat2(RENAME_EXCHANGE): both names stay valid throughout."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError, TypeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0
