"""Data files cut into one piece per show, so shows are parsed, checked and cached one by one.

A catalogue of every show on television is hundreds of megabytes of YAML.
Parsing it whole takes one core most of a minute and gigabytes of nodes;
cut at the items of its `shows:` list, the pieces parse in parallel, each
in bounded memory, and after an edit only the piece that changed is parsed
again.

The cut is made on the bytes, at lines that start an item of the top-level
`shows:` list. That is safe because each piece must then parse on its own:
a quote or bracket left open across a cut, or an alias to an anchor in
another piece, makes a piece fail, and the caller parses the file whole
instead (and reports its problems from there, with their real context).
The rest of the file (site settings, with `shows: []`) is the "head", its
shows' lines left blank so that line numbers stay those of the file.

Everything here works on bytes: finding, counting and hashing bytes runs at
memory speed, where decoding a large file to text alone takes a second.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

SHOWS_KEY = re.compile(rb"shows[ \t]*:[ \t]*(?:#[^\n]*)?(?=\r?\n|\Z)")
"""The top-level `shows:` key, tried at the start of the data and after each newline followed by `shows`."""
TOP_LEVEL = re.compile(rb"\n(?=[^\s#-])")
"""A line starting at column 0 with something other than a comment or a list item: the next top-level key."""
FIRST_ITEM = re.compile(rb"(?:\A|(?<=\n))( *)- ")


def digest(data: bytes | memoryview) -> str:
    """A fingerprint for telling changed pieces from unchanged ones (not a security boundary)."""
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class Chunk:
    """One item of a file's `shows:` list: where its bytes are and what they hash to."""

    file: str
    index: int
    start: int
    end: int
    digest: str
    line: int = 0
    """0-based line of the file the piece starts on: add it to the piece's own line numbers. Counted when the
    file is cut (one pass of memchr, a fraction of hashing it), so no message ever reads the file again."""

    @property
    def path(self) -> str:
        return f"shows[{self.index}]"

    def text(self, data: bytes) -> str:
        return data[self.start : self.end].decode("utf-8")


@dataclass(frozen=True)
class Split:
    """A file as its head (everything but the shows) and its shows' pieces."""

    file: str
    head: bytes
    chunks: tuple[Chunk, ...]


def split(file: str, data: bytes) -> Split | None:
    """The file cut at its shows, or None where it cannot be cut on the bytes alone (then parse it whole).

    Only the stretch after the last item is searched for a further top-level
    key: one between two items would leave a piece that does not parse on
    its own, which sends the file to be parsed whole anyway.
    """
    keys = _top_level_keys(data)
    if len(keys) != 1:
        return None
    key_start, key_end = keys[0]
    body_start = data.find(b"\n", key_end) + 1 or len(data)
    first = FIRST_ITEM.search(data, body_start)
    if first is None or _has_content(data[body_start : first.start()]):
        return None
    marker = b"\n" + first.group(1) + b"- "
    starts = [first.start()]
    found = data.find(marker, first.start())
    while found >= 0:
        starts.append(found + 1)
        found = data.find(marker, found + 1)
    following = TOP_LEVEL.search(data, starts[-1])
    body_end = following.start() + 1 if following else len(data)
    view = memoryview(data)
    lines = [data.count(b"\n", 0, starts[0])]
    for before, after in zip(starts, starts[1:], strict=False):
        lines.append(lines[-1] + data.count(b"\n", before, after))
    chunks = tuple(
        Chunk(file, number, start, end, digest(view[start:end]), line)
        for number, (start, end, line) in enumerate(zip(starts, [*starts[1:], body_end], lines, strict=True))
    )
    blank = b"\n" * data.count(b"\n", body_start, body_end)
    head = data[:key_start] + b"shows: []" + data[key_end:body_start] + blank + data[body_end:]
    return Split(file, head, chunks)


def _top_level_keys(data: bytes) -> list[tuple[int, int]]:
    """Where `shows:` keys (with nothing after the colon) start and end at column 0."""
    candidates = [0] if data.startswith(b"shows") else []
    position = data.find(b"\nshows")
    while position >= 0:
        candidates.append(position + 1)
        position = data.find(b"\nshows", position + 1)
    matches = (SHOWS_KEY.match(data, start) for start in candidates)
    return [(m.start(), m.end()) for m in matches if m]


def _has_content(data: bytes) -> bool:
    """Anything but blank and comment lines."""
    return any(line.strip() and not line.lstrip().startswith(b"#") for line in data.splitlines())
