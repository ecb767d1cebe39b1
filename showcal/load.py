"""Reading YAML into nodes that still know their line and column.

Validation needs positions for every message, so files are composed into
PyYAML's node graph rather than constructed into Python objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import Problem

try:
    from yaml import CSafeLoader as Loader
except ImportError:  # pragma: no cover - libyaml is in every wheel we install
    from yaml import SafeLoader as Loader  # type: ignore[assignment]

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class Source:
    """One data file: the name to show in messages and its top node."""

    name: str
    node: yaml.Node


def data_files(path: Path) -> list[Path]:
    """A file, or every YAML file below a directory in a stable order."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())
    return [path]


def read_sources(path: Path) -> tuple[list[Source], list[Problem]]:
    sources: list[Source] = []
    problems: list[Problem] = []
    files = data_files(path)
    if not files:
        problems.append(Problem(str(path), 1, 1, "", "no .yaml or .yml files in this directory"))
    for file in files:
        node, problem = compose_file(file)
        if problem:
            problems.append(problem)
        elif node is not None:
            sources.append(Source(str(file), node))
    return sources, problems


def compose_file(file: Path) -> tuple[yaml.Node | None, Problem | None]:
    raw, problem = read_file(file)
    if raw is None:
        return None, problem
    return compose_bytes(str(file), raw)


def read_file(file: Path) -> tuple[bytes | None, Problem | None]:
    name = str(file)
    try:
        return file.read_bytes(), None
    except FileNotFoundError:
        return None, Problem(name, 1, 1, "", "no such file; give the path of a YAML file or folder")
    except OSError as exc:
        return None, Problem(name, 1, 1, "", f"cannot read: {exc.strerror}")


def compose_bytes(name: str, raw: bytes) -> tuple[yaml.Node | None, Problem | None]:
    """The node graph of one YAML document, or the problem that stops it, located in `name`."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(raw, exc.start)
        return None, Problem(name, line, column, "", f"not UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8")
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.MarkedYAMLError as exc:
        return None, _syntax_problem(name, text, exc)
    except yaml.YAMLError as exc:
        return None, _reader_problem(name, text, exc)
    if node is None:
        return None, Problem(name, 1, 1, "", "the file is empty; it needs a 'shows:' list")
    return node, None


def _position(raw: bytes, offset: int) -> tuple[int, int]:
    before = raw[:offset]
    line = before.count(b"\n") + 1
    column = len(before.rsplit(b"\n", 1)[-1].decode("utf-8", "replace")) + 1
    return line, column


def _syntax_problem(name: str, text: str, exc: yaml.MarkedYAMLError) -> Problem:
    """Point at the line the curator broke, which is not always where the parser gave up.

    An unclosed quote or bracket is only noticed lines later, at the end of
    the file; the line to fix is where it opened.
    """
    mark = exc.problem_mark
    opened = exc.context_mark and exc.context and ("flow" in exc.context or "quoted" in exc.context)
    if mark is None or (opened and mark.line > exc.context_mark.line):
        mark = exc.context_mark or mark
    message = exc.problem or "invalid YAML"
    if exc.context and mark is exc.context_mark:
        message = f"{message} ({exc.context} that starts here)"
    if mark is not None and text[mark.index : mark.index + 1] == "\t":
        message += "; YAML is indented with spaces, not tabs"
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    runaway = _runaway_quote(text, line)
    if runaway is not None:
        return runaway_problem(name, runaway, line, message)
    return Problem(name, line, column, "", f"YAML syntax: {message}")


def _runaway_quote(text: str, error_line: int) -> yaml.ScalarToken | None:
    """A quoted value that swallowed the lines after it, where a quote was left open.

    YAML lets quoted values span lines, so `title: 'Pilot` runs on to the
    next apostrophe and the parser complains far below the real mistake.
    """
    found = None
    try:
        for token in yaml.scan(text, Loader=Loader):
            if token.start_mark.line + 1 >= error_line:
                break
            spans = token.end_mark.line > token.start_mark.line
            if isinstance(token, yaml.ScalarToken) and token.style in ("'", '"') and spans:
                found = token
    except yaml.YAMLError:
        pass
    return found


def runaway_problem(name: str, token: yaml.ScalarToken, error_line: int, message: str) -> Problem:
    start, end = token.start_mark, token.end_mark
    return Problem(
        name,
        start.line + 1,
        start.column + 1,
        "",
        f"YAML syntax: this quote is not closed on its line, so the value runs on to line {end.line + 1} "
        f"and YAML gives up on line {error_line} ({message}); close the quote on this line",
    )


def _reader_problem(name: str, text: str, exc: yaml.YAMLError) -> Problem:
    """libyaml's reader errors carry an offset rather than a mark."""
    position = getattr(exc, "position", 0) or 0
    line, column = _position(text.encode("utf-8"), len(text[:position].encode("utf-8")))
    code = ord(text[position]) if position < len(text) else 0
    return Problem(name, line, column, "", f"control character U+{code:04X} is not allowed in YAML; remove it")
