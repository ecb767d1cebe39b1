"""Reading YAML into nodes that still know their line and column.

Validation needs positions for every message, so files are composed into
PyYAML's node graph rather than constructed into Python objects. Whatever
bytes a data file holds, reading it ends quickly in a node graph that is
safe to walk or in located problems: the limits below bound the time and
memory any file can cost, and what YAML allows but showcal data never needs
(tags, aliases that multiply the data) is refused here, before anything
walks the graph.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import Problem
from .files import MAX_FILE_BYTES, YAML_SUFFIXES, data_entries, data_files, read_data
from .syntax import UNUSUAL_BREAKS, explain, line_and_column

try:
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - libyaml is in every wheel we install
    from yaml import SafeLoader as _Base  # type: ignore[assignment]


class Loader(_Base):  # type: ignore[misc,valid-type]
    """libyaml's safe loader, resolving the tags of short plain scalars from a memo.

    libyaml composes in C but asks Python for every scalar's tag; keys,
    kinds, statuses and dates repeat thousands of times in a catalogue, and
    a memo of them takes a tenth off a parse. The answer is the resolver's
    own, only remembered.
    """

    _memo: dict[tuple[str, tuple[bool, bool]], str] = {}

    def resolve(self, kind, value, implicit):  # noqa: ANN001 - PyYAML's signature
        if kind is not yaml.ScalarNode or len(value) > 24:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._memo.get(key)
        if tag is None:
            tag = self._memo[key] = super().resolve(kind, value, implicit)
            if len(self._memo) > 50_000:
                self._memo.clear()
        return tag


__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_FILE_BYTES",
    "MAX_LINE_CHARS",
    "YAML_SUFFIXES",
    "Source",
    "compose_data",
    "compose_file",
    "data_files",
    "load_file",
    "read_sources",
]

# The longest line, in characters. A hand-written line, even a long synopsis,
# is a few thousand; the limit keeps every message that quotes a line, and the
# work of explaining a mistake on it, small.
MAX_LINE_CHARS = 10_000

# Aliases (`*name`, repeating what `&name` marks) are allowed, e.g. to share a
# description, but every later walk expands them: 20,000 aliases to one big
# show in a 100 KB file make minutes and gigabytes of work. So the nodes that
# aliases add, counted as the file expands, may be at most as many as the file
# itself holds, or this many in a small file.
MAX_ALIAS_NODES = 100_000

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_TOKEN_START = frozenset(" \t\n\r[{,\ufeff\x85\u2028\u2029")
_NODE_EVENTS = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
_END_EVENTS = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


@dataclass(frozen=True)
class Source:
    """One data file: the name to show in messages and its top node."""

    name: str
    node: yaml.Node


def read_sources(path: Path) -> tuple[list[Source], list[Problem]]:
    """Every data file below `path` composed, and every problem that stops one from being read."""
    sources: list[Source] = []
    problems: list[Problem] = []
    entries = data_entries(path)
    if not entries:
        problems.append(Problem(str(path), 1, 1, "", "no .yaml or .yml files in this directory"))
    for entry in entries:
        if entry.problem is not None:
            problems.append(entry.problem)
            continue
        node, found = load_file(entry.path)
        problems += found
        if node is not None:
            sources.append(Source(str(entry.path), node))
    return sources, problems


def compose_file(file: Path) -> tuple[yaml.Node | None, Problem | None]:
    """One file's top node, or the first problem that stops it (see `load_file` for all of them)."""
    node, problems = load_file(file)
    return (None, problems[0]) if problems else (node, None)


def load_file(file: Path) -> tuple[yaml.Node | None, list[Problem]]:
    """One file's top node, or every problem that stops it from being read."""
    raw = read_data(file)
    if isinstance(raw, Problem):
        return None, [raw]
    return compose_data(str(file), raw)


def compose_data(name: str, raw: bytes) -> tuple[yaml.Node | None, list[Problem]]:
    """The top node of a data file's bytes, or located problems; never an exception.

    `name` is the file name messages show.
    """
    text = _decode(name, raw)
    if isinstance(text, Problem):
        return None, [text]
    refused = _unusual_line_break(name, text) or _overlong_line(name, text)
    if refused:
        return None, [refused]
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        line, column, message = explain(exc, text)
        return None, [Problem(name, line, column, "", message)]
    except yaml.YAMLError as exc:
        return None, [_reader_problem(name, text, exc)]
    if node is None:
        return None, [Problem(name, 1, 1, "", "the file is empty; it needs a 'shows:' list")]
    if _may_hold_tags_or_aliases(text):
        problems = _tags_and_aliases(name, text)
        if problems:
            return None, problems
    return node, []


def _decode(name: str, raw: bytes) -> str | Problem:
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return Problem(name, 1, 1, "", f"the file is saved as {encoding}; save it as UTF-8")
    body = raw[len(codecs.BOM_UTF8) :] if raw.startswith(codecs.BOM_UTF8) else raw
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = body[: exc.start].decode("utf-8")
        line, column = line_and_column(before, len(before))
        return Problem(name, line, column, "", f"not UTF-8 (byte 0x{body[exc.start]:02x}); save the file as UTF-8")


def _unusual_line_break(name: str, text: str) -> Problem | None:
    """A line break YAML counts but editors do not show, which would put every later line number off.

    YAML also breaks lines at a lone CR, NEL, U+2028 and U+2029; editors,
    grep and git show none of them as a new line. Refusing them keeps every
    FILE:LINE:COL a curator reads the line their editor shows.
    """
    found = [text.find(char) for char in UNUSUAL_BREAKS if char in text]
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        found.append(re.search("\r(?!\n)", text).start())
    if not found:
        return None
    index = min(found)
    line, column = line_and_column(text, index)
    char = text[index]
    what = {"\r": "a lone carriage return (CR, an old Mac line break)"}.get(char, f"U+{ord(char):04X}")
    return Problem(
        name,
        line,
        column,
        "",
        f"this line ends in an unusual line break, {what}, which editors do not show as one; "
        "replace it with an ordinary line break (LF or CR LF), or a space",
    )


def _overlong_line(name: str, text: str) -> Problem | None:
    """The first line longer than MAX_LINE_CHARS, looked for in steps of half the limit.

    A line longer than the limit covers a whole step, so only a step with no
    line break in it needs a closer look: a few thousand `find` calls for a
    catalogue rather than a pass over every line.
    """
    step = MAX_LINE_CHARS // 2
    for start in range(0, len(text), step) if len(text) > MAX_LINE_CHARS else ():
        if text.find("\n", start, start + step) >= 0:
            continue
        begin = text.rfind("\n", max(0, start - MAX_LINE_CHARS), start) + 1
        end = text.find("\n", start + step, start + step + MAX_LINE_CHARS + 1)
        end = len(text) if end < 0 else end
        if end - begin - text.endswith("\r", 0, end) > MAX_LINE_CHARS:
            begin = text.rfind("\n", 0, start) + 1
            end = text.find("\n", begin)
            end = len(text) if end < 0 else end
            line, _ = line_and_column(text, begin)
            return Problem(
                name,
                line,
                MAX_LINE_CHARS + 1,
                "",
                f"this line is {end - begin:,} characters long, more than the {MAX_LINE_CHARS:,} a line may "
                "hold; break it into several lines (a long value may go on in the lines below, indented)",
            )
    return None


def _reader_problem(name: str, text: str, exc: yaml.YAMLError) -> Problem:
    """libyaml's reader errors carry an offset in the UTF-8 bytes rather than a mark."""
    position = getattr(exc, "position", 0) or 0
    index = len(text.encode("utf-8")[:position].decode("utf-8", "ignore"))
    line, column = line_and_column(text, index)
    code = ord(text[index]) if index < len(text) else 0
    if code == 0:
        return Problem(
            name,
            line,
            column,
            "",
            "the file holds NUL bytes (U+0000), so it is not a text file; save it as UTF-8 text",
        )
    return Problem(name, line, column, "", f"control character U+{code:04X} is not allowed in YAML; remove it")


def _may_hold_tags_or_aliases(text: str) -> bool:
    """A `!` or `*` where a YAML token may start; "Wow!" or "5*" in a title do not count.

    Past a thousand of them in text, the events are simply read: the cost of
    looking stays a small share of composing whatever the file holds.
    """
    for char in "!*":
        index = text.find(char)
        for _ in range(1000):
            if index < 0:
                break
            if index == 0 or text[index - 1] in _TOKEN_START:
                return True
            index = text.find(char, index + 1)
        else:
            return True
    return False


def _tags_and_aliases(name: str, text: str) -> list[Problem]:
    """Explicit tags, and aliases that expand the file past MAX_ALIAS_NODES, from the parser's events.

    The composed graph no longer says which tags were written nor where an
    alias stood, so the events are read once more. Each anchor's expanded
    size is counted once, when its node ends, so the count costs one pass
    however far the aliases would expand.
    """
    problems: list[Problem] = []
    sizes: dict[str, int | None] = {}  # anchor -> nodes its node expands to; None while still open
    open_nodes: list[tuple[str | None, int]] = []  # (anchor, count when it started) per open collection
    count = written = added = 0
    crossings: list[tuple[int, yaml.Mark, str]] = []  # nodes added so far, after each alias
    for event in yaml.parse(text, Loader=Loader):
        if isinstance(event, yaml.AliasEvent):
            size = sizes.get(event.anchor)
            if size is None:
                problems.append(_at(name, event.start_mark, _alias_loop(event.anchor)))
                continue
            count += size
            added += size
            crossings.append((added, event.start_mark, event.anchor))
        elif isinstance(event, _NODE_EVENTS):
            count += 1
            written += 1
            if event.tag is not None:
                problems.append(_at(name, event.start_mark, _tag_message(event.tag)))
            if isinstance(event, yaml.ScalarEvent):
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            else:
                if event.anchor is not None:
                    sizes[event.anchor] = None
                open_nodes.append((event.anchor, count - 1))
        elif isinstance(event, _END_EVENTS):
            anchor, started = open_nodes.pop()
            if anchor is not None:
                sizes[anchor] = count - started
    limit = max(MAX_ALIAS_NODES, written)
    for total, mark, anchor in crossings:
        if total > limit:
            problems.append(
                _at(
                    name,
                    mark,
                    f"the aliases up to this '*{anchor}' repeat {total:,} items, more than the {limit:,} this file "
                    "may expand to; write the data out rather than repeating it with '*' aliases",
                )
            )
            break
    return sorted(problems, key=lambda p: (p.line, p.column))


def _at(name: str, mark: yaml.Mark, message: str) -> Problem:
    return Problem(name, mark.line + 1, mark.column + 1, "", message)


def _alias_loop(anchor: str) -> str:
    return f"'*{anchor}' stands inside the very item '&{anchor}' marks, which would repeat it forever; remove it"


def _tag_message(tag: str) -> str:
    written = "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org,2002:") else tag
    if not written.startswith("!"):
        written = f"!<{written}>"
    return f"YAML tags are not used in showcal data; remove '{written}' (quote the value if the '!' is part of it)"
