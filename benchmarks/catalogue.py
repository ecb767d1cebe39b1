"""What the harness needs to know of a catalogue, read from the YAML text alone.

The harness never imports showcal: it finds shows and edits titles in the
files as a curator would, with a text editor's view of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

SLUG = re.compile(r"^\s*- slug:\s*([a-z0-9-]+)\s*$")
EVENT = re.compile(r"^\s+- (id|run):")
DATED = re.compile(r"^\s+(date|start|dates):")
TITLE = re.compile(r"^(\s+title:\s*)(.*?)\s*$")


def data_files(data: Path) -> list[Path]:
    if data.is_dir():
        return sorted(p for p in data.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [data]


def yaml_bytes(data: Path) -> int:
    return sum(f.stat().st_size for f in data_files(data))


def slugs(data: Path) -> list[str]:
    found = []
    for file in data_files(data):
        with file.open(encoding="utf-8") as lines:
            found += [m.group(1) for m in map(SLUG.match, lines) if m]
    return found


@dataclass(frozen=True)
class Edit:
    """One event title of one show, changed in place and put back."""

    file: Path
    line: int
    slug: str
    original: str

    def apply(self, marker: str) -> None:
        """Append `marker` to the title, the one-line edit a curator makes."""
        lines = self.original.split("\n")
        prefix, value = TITLE.match(lines[self.line]).groups()  # type: ignore[union-attr]
        if value[:1] in "\"'":
            value = value[:-1] + marker + value[-1]
        else:
            value += marker
        lines[self.line] = prefix + value
        self.file.write_text("\n".join(lines), encoding="utf-8")

    def undo(self) -> None:
        self.file.write_text(self.original, encoding="utf-8")


def title_edit(data: Path, slug: str) -> Edit:
    """The title line of the first dated event of show `slug`."""
    for file in data_files(data):
        text = file.read_text(encoding="utf-8")
        lines = text.split("\n")
        start = next((i for i, line in enumerate(lines) if (m := SLUG.match(line)) and m.group(1) == slug), None)
        if start is None:
            continue
        title, dated = None, False
        for i in range(start + 1, len(lines) + 1):
            line = lines[i] if i < len(lines) else "- slug: end"
            if EVENT.match(line) or SLUG.match(line):
                if title is not None and dated:
                    return Edit(file, title, slug, text)
                title, dated = None, False
                if SLUG.match(line):
                    break
            elif TITLE.match(line) and title is None and i > start + 1 and _deeper(line, lines[start]):
                title = i
            elif DATED.match(line):
                dated = True
    raise LookupError(f"no dated event with a title for show {slug}")


def _deeper(line: str, show_line: str) -> bool:
    """A title of an event, not the show's own (which sits two columns in from its '- slug')."""
    indent = len(line) - len(line.lstrip())
    return indent > len(show_line) - len(show_line.lstrip()) + 2


def unfold(feed: bytes) -> bytes:
    """An iCalendar file with its folded lines joined, so a search cannot miss text split by a fold."""
    return feed.replace(b"\r\n ", b"").replace(b"\r\n\t", b"")
