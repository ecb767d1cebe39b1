"""Finding the data files of a folder and reading their bytes, whatever the folder holds.

A data file that cannot be read must stop the run rather than vanish: a
show missing from one build is a show whose events every subscriber's
calendar deletes. So every YAML name that is not a readable regular file
(a dangling or looping link, a named pipe, a device, a folder called
`x.yaml`, a file showcal may not read) is a located problem, and nothing
but a regular file is ever opened, so no pipe or device can hang a run.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .errors import Problem

YAML_SUFFIXES = (".yaml", ".yml")

# The largest data file read, checked with stat before a byte is read. A
# catalogue of every show on television is about 200 MB of YAML, and it may
# come as one file; past this size a file is refused, never read into memory.
MAX_FILE_BYTES = 256 * 1024 * 1024

# How deep folders may nest below the data folder; real data uses two or three.
MAX_DEPTH = 32

_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


@dataclass(frozen=True)
class Entry:
    """One path of the data: a file to read, or what stops it from being read."""

    path: Path
    problem: Problem | None = None
    stat: os.stat_result | None = None
    """The file's status as the walk found it, so that watching a folder costs one stat per file, not three."""


def data_entries(path: Path) -> list[Entry]:
    """A file, or every YAML file below a folder in a stable order, with what is wrong with each.

    Names starting with a dot are skipped, files and folders alike: version
    control (`.git/`, `.github/workflows/*.yml`) and editors' lock and
    backup files (`.#events.yaml`, a dangling link while Emacs edits) live
    there, and none of them is data. Symbolic links are followed inside the
    folder (to a file or a folder); one that leads outside it is a problem,
    since what it points at is neither reviewed with the data nor safe to
    echo in messages, and one that leads back to a folder already read is a
    problem rather than a loop.
    """
    try:
        is_folder = stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        is_folder = False
    if not is_folder:
        return [Entry(path)]
    walk = _Walk(Path(os.path.realpath(path)))
    walk.run(path)
    return sorted(walk.entries, key=lambda e: e.path)


def data_files(path: Path) -> list[Path]:
    """Every path the data is made of, readable or not, so that a watcher also sees a broken one fixed."""
    return [entry.path for entry in data_entries(path)]


Key = tuple[int, int]  # (device, inode)


class _Walk:
    """The real folders first, then the links, so a link is what gets blamed for reaching something twice."""

    def __init__(self, root: Path):
        self.root = root
        self.entries: list[Entry] = []
        self.seen: dict[Key, Path] = {}
        self.folders: list[tuple[Path, frozenset[Key]]] = []
        self.links: list[tuple[Path, frozenset[Key]]] = []

    def run(self, folder: Path) -> None:
        self.folders.append((folder, frozenset()))
        while self.folders or self.links:  # both grow while folders are read
            if self.folders:
                self.folder(*self.folders.pop())
            else:
                self.link(*self.links.pop(0))

    def problem(self, path: Path, message: str) -> None:
        self.entries.append(Entry(path, Problem(str(path), 1, 1, "", message)))

    def folder(self, folder: Path, above: frozenset[Key]) -> None:
        try:
            with os.scandir(folder) as listing:
                children = sorted(
                    (entry.name, entry.is_symlink(), entry.is_dir(follow_symlinks=False)) for entry in listing
                )
            here = os.stat(folder)
        except OSError as exc:
            self.problem(folder, f"cannot read this folder ({_reason(exc)}); its data files would be left out")
            return
        key = (here.st_dev, here.st_ino)
        if key in above:  # a folder mounted inside itself
            self.problem(folder, "this folder contains itself (a loop); remove it from the data folder")
            return
        if len(above) > MAX_DEPTH:
            self.problem(folder, f"folders are nested more than {MAX_DEPTH} deep here; showcal reads no deeper")
            return
        self.seen.setdefault(key, folder)
        above = above | {key}
        for name, is_link, is_dir in reversed(children):
            path = folder / name
            if name.startswith("."):
                continue
            if is_link:
                self.links.append((path, above))
            elif path.suffix in YAML_SUFFIXES:
                self.file(path, is_dir)
            elif is_dir:
                self.folders.append((path, above))

    def file(self, path: Path, is_dir: bool) -> None:
        try:
            info = os.stat(path)
        except OSError as exc:
            self.problem(path, _unreadable(path, exc))
            return
        if stat.S_ISDIR(info.st_mode):
            self.problem(path, "this is a folder, not a file; rename it so that its name does not end in .yaml")
        elif not stat.S_ISREG(info.st_mode):
            self.problem(path, _not_regular(info.st_mode))
        else:
            self.seen.setdefault((info.st_dev, info.st_ino), path)
            self.entries.append(Entry(path, stat=info))

    def link(self, path: Path, above: frozenset[Key]) -> None:
        is_yaml = path.suffix in YAML_SUFFIXES
        try:
            info = os.stat(path)
        except OSError as exc:
            if is_yaml:  # a broken link not named as data may be anything: an editor's lock, a stale link
                self.problem(path, _unreadable(path, exc))
            return
        is_dir = stat.S_ISDIR(info.st_mode)
        if not is_dir and not is_yaml:
            return
        what = "folder" if is_dir else "file"
        key = (info.st_dev, info.st_ino)
        if not _inside(self.root, Path(os.path.realpath(path))):
            self.problem(
                path,
                f"this link leads to a {what} outside the data folder; showcal reads only what is inside it: "
                f"move or copy the {what} in instead",
            )
        elif key in above:
            self.problem(path, "this link leads back to a folder that contains it (a loop); remove the link")
        elif key in self.seen:
            self.problem(path, f"this link leads to {self.seen[key]}, which is read already; remove the link")
        elif is_dir and is_yaml:
            self.problem(path, "this link leads to a folder; rename it so that its name does not end in .yaml")
        elif is_dir:
            self.folders.append((path, above))
        elif stat.S_ISREG(info.st_mode):
            self.seen[key] = path
            self.entries.append(Entry(path, stat=info))
        else:
            self.problem(path, _not_regular(info.st_mode))


def read_data(path: Path, name: str | None = None) -> bytes | Problem:
    """The bytes of one regular file of at most MAX_FILE_BYTES, or why not.

    The type and size are checked on the open descriptor as well, and it is
    opened without blocking, so a file swapped for a pipe after the check
    still cannot hang the run.
    """
    name = str(path) if name is None else name
    try:
        info = os.stat(path)
    except OSError as exc:
        return Problem(name, 1, 1, "", _unreadable(path, exc))
    if stat.S_ISDIR(info.st_mode):
        return Problem(name, 1, 1, "", "this is a folder, not a file; give a YAML file or a folder holding them")
    if not stat.S_ISREG(info.st_mode):
        return Problem(name, 1, 1, "", _not_regular(info.st_mode))
    if info.st_size > MAX_FILE_BYTES:
        return _too_big(name)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        return Problem(name, 1, 1, "", _unreadable(path, exc))
    with open(fd, "rb", buffering=0, closefd=True) as file:
        try:
            opened = os.fstat(fd)
            if not stat.S_ISREG(opened.st_mode):
                return Problem(name, 1, 1, "", _not_regular(opened.st_mode))
            return _read_at_most(file, opened.st_size) or _too_big(name)
        except OSError as exc:
            return Problem(name, 1, 1, "", _unreadable(path, exc))


def _read_at_most(file, expected: int) -> bytes | None:
    """Everything, or None past the limit, even for a file that grows while it is read."""
    chunks = []
    total = 0
    want = min(expected, MAX_FILE_BYTES) + 1
    while total <= MAX_FILE_BYTES:
        chunk = file.read(want)
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        want = min(1 << 20, MAX_FILE_BYTES + 1 - total)
    return b"".join(chunks) if total <= MAX_FILE_BYTES else None


def _too_big(name: str) -> Problem:
    limit = MAX_FILE_BYTES / (1024 * 1024)
    return Problem(
        name,
        1,
        1,
        "",
        f"this file is larger than the {limit:,.0f} MB a data file may hold; split it into several files in a folder",
    )


def _inside(root: Path, target: Path) -> bool:
    return target == root or root in target.parents


def _not_regular(mode: int) -> str:
    what = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return f"this is {what}, not a file; showcal reads only regular files: remove it or give it another name"


def _unreadable(path: Path, exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "this link leads round in a loop of links and never to a file; remove or fix the link"
    if exc.errno == errno.ENOENT and path.is_symlink():
        return "this link points to a file that does not exist; fix the link or remove it"
    if exc.errno == errno.ENOENT:
        return "no such file; give the path of a YAML file or folder"
    return f"cannot read this file ({_reason(exc)})"


def _reason(exc: OSError) -> str:
    return (exc.strerror or type(exc).__name__).lower()
