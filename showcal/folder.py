"""The build folder: one build at a time, files replaced whole, never a folder missing a file.

A build writes what changed into a staging folder inside `.showcal/`, then
moves it into place with renames (one per new folder, one per changed
file), site-wide files after the shows' files, removals after that, and the
revision record last. A reader, a static host or a CDN sees each file
either old or new, never half-written, and never a build without its
`all.ics`; a build killed part-way leaves such a folder, and the next build
finishes the job (the record is written last, so it redoes what was not
recorded, and gets the same bytes). Unchanged files are never rewritten, so
their modification times, and the ETags static hosts derive from them, stay.

It works the same in a plain folder, through a symbolic link (written where
it points; the link stays) and in a mount point (a Docker volume), which
cannot be renamed: nothing here renames the folder itself.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import shutil
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from .revisions import RECORD_DIR

CACHE = f"{RECORD_DIR}/cache"
"""The folder's machine-local part: the lock, the staging area, what the last build knew. Never committed."""
STAGING = f"{CACHE}/staging"
LOCK = f"{CACHE}/lock"


class FolderError(Exception):
    """An output folder showcal must not or cannot write; the message says which and why."""


def output_folder(out: Path, data: Path) -> Path:
    """The folder to write: where a symbolic link points; never a file, never the data or a folder holding it."""
    target = Path(os.path.realpath(out))
    if target.exists() and not target.is_dir():
        raise FolderError(f"{out}: is a file, not a folder; give --out a folder (it is created if missing)")
    data_real = Path(os.path.realpath(data))
    if data_real == target or target in data_real.parents:
        what = "is the data folder" if data_real == target else "holds the data"
        raise FolderError(f"{out}: {what}; write the build into a folder of its own, such as feeds/")
    if data_real.is_dir() and data_real in target.parents:
        raise FolderError(f"{out}: is inside the data folder, whose YAML files would mix with the build's")
    return target


@contextlib.contextmanager
def locked(out: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the folder for one build; a second build waits for the first to finish."""
    lock = out / LOCK
    if not lock.parent.is_dir():
        lock.parent.mkdir(parents=True)
        (lock.parent / ".gitignore").write_text("# A build's lock and cache, made again when missing.\n*\n")
    with open(lock, "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.EACCES):
                raise
            if waiting is not None:
                waiting()
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def fresh_staging(out: Path) -> Path:
    """An empty staging folder; what a killed build left there is discarded."""
    staging = out / STAGING
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    return staging


def stage_if_changed(out: Path, staging: Path, rel: str, data: bytes, *, published: bool = True) -> bool:
    """Put `data` in staging if the published file differs (or is missing); True if staged.

    `published` false says `out` has no such file (its folder is missing), so
    there is nothing to compare. Plain system calls rather than file objects:
    a build of every show writes a quarter of a million small files, and the
    file objects cost a quarter of each write.
    """
    if published and _holds(f"{out}/{rel}", data):
        return False
    target = f"{staging}/{rel}"
    try:
        descriptor = os.open(target, _WRITE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        descriptor = os.open(target, _WRITE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view) :]
    finally:
        os.close(descriptor)
    return True


_WRITE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC


def _holds(path: str, data: bytes) -> bool:
    """Whether the file at `path` holds exactly `data`."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        if os.fstat(descriptor).st_size != len(data):
            return False
        chunks, left = [], len(data)
        while left > 0 and (chunk := os.read(descriptor, left)):
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks) == data
    finally:
        os.close(descriptor)


def commit(staging: Path, out: Path, rels: Iterable[str]) -> None:
    """Move the staged files `rels` into place: a folder new to `out` moves whole, a file replaces its old self."""
    moved: set[str] = set()
    for rel in sorted(rels):
        if any(rel.startswith(folder) for folder in _prefixes(rel, moved)):
            continue
        parts = rel.split("/")
        for depth in range(1, len(parts)):
            folder = "/".join(parts[:depth])
            if not (out / folder).exists():
                (out / folder).parent.mkdir(parents=True, exist_ok=True)
                os.rename(staging / folder, out / folder)
                moved.add(folder + "/")
                break
        else:
            os.replace(staging / rel, out / rel)


def _prefixes(rel: str, moved: set[str]) -> list[str]:
    parts = rel.split("/")
    return [prefix for depth in range(1, len(parts)) if (prefix := "/".join(parts[:depth]) + "/") in moved]


def remove(out: Path, rels: Iterable[str]) -> None:
    """Delete published files; folders left empty go too."""
    folders = set()
    for rel in rels:
        with contextlib.suppress(FileNotFoundError):
            (out / rel).unlink()
        folders.add((out / rel).parent)
    for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        with contextlib.suppress(OSError):
            if folder != out and not any(folder.iterdir()):
                folder.rmdir()


def published_files(out: Path, suffixes: tuple[str, ...]) -> set[str]:
    """Every file of earlier builds in the folder (showcal's kinds only; its own `.showcal/` aside)."""
    found = set()
    for root, dirs, files in os.walk(out):
        dirs[:] = [d for d in dirs if not (root == str(out) and d == RECORD_DIR)]
        for name in files:
            if name.endswith(suffixes):
                found.add(os.path.relpath(os.path.join(root, name), out).replace(os.sep, "/"))
    return found


def sync_folder(out: Path) -> None:
    """Flush the folder's entries to disk where the platform allows (best effort)."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            descriptor = os.open(out, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
