"""The one error a curator reads: where the problem is, and how to fix it."""

from __future__ import annotations

import re
from dataclasses import dataclass

# What must never reach a terminal or a log raw: C0 and C1 controls and DEL (ESC
# sequences retitle or clear a terminal, CR overwrites the line), the bidi
# controls that reorder what is shown (a "Trojan Source" override), the line
# and paragraph separators, and lone surrogates (undecodable file names), which
# cannot even be written to a UTF-8 stream.
UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")


def printable(text: str) -> str:
    r"""Text with every unsafe character written as an escape, `\x1b` or `\u202e`."""
    if not UNSAFE.search(text):
        return text
    return UNSAFE.sub(lambda m: f"\\x{ord(m.group()):02x}" if m.group() <= "\xff" else f"\\u{ord(m.group()):04x}", text)


@dataclass(frozen=True)
class Problem:
    """One mistake in the data, printed compiler-style so editors can jump to it.

    File, path and message are made printable here, once, so that a hostile
    key or file name echoed in a message can never drive the terminal or
    the log it is shown in, whoever builds or prints the problem.
    """

    file: str
    line: int
    column: int
    path: str
    message: str

    def __post_init__(self) -> None:
        for name in ("file", "path", "message"):
            object.__setattr__(self, name, printable(getattr(self, name)))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class DataError(Exception):
    """Raised with every problem found, so one run reports them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column))
        super().__init__("\n".join(str(p) for p in self.problems))
