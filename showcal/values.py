"""The kinds of value a key may hold: how each is read from a YAML node, and how the JSON Schema says it.

Both halves live in one class so the checker and the editor's schema cannot
drift apart. A value is judged as a YAML 1.2 editor sees it: `2025-01-01`
is text with a date's pattern, only `true`/`false` are booleans, a quoted
`"2"` is text rather than a number. Every reader bounds a value's size
before it does anything costly with it, and quotes at most a short cut of
it in a message.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import yaml

from .errors import Problem
from .limits import FIRST_DAY, LAST_DAY, MAX_LINE, MAX_SLUG, MAX_URL, RANGE, shown
from .zones import LEGACY_ZONES, known_zones

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"
TRUE = frozenset({"true", "True", "TRUE"})
FALSE = frozenset({"false", "False", "FALSE"})

DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2})?")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SPAN = re.compile(r" *(?:([0-9]+) *d)? *(?:([0-9]+) *h)? *(?:([0-9]+) *m(?:in)?)? *")
EVERY = re.compile(r" *(?:(daily|weekly)|([0-9]+) *(day|week)s?) *")
ZONE = re.compile(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)*")
URL = re.compile(r"https?://[^\s/?#]+(?:[/?#]\S*)?")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""What a one-line text may not hold: control characters, line breaks and tabs."""
DIGITS = 9
"""Longest run of digits read as a number; anything longer is over every limit anyway."""

# The same rules in the JSON Schema's (ECMA 262) regular expressions.
ONE_LINE_PATTERN = "^[^\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029]*$"
MULTI_LINE_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]*$"


class Report:
    """Where the problems of one file go, in the order they are found."""

    __slots__ = ("file", "problems", "suggested")

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.suggested: dict[int, set[str]] = {}  # mapping node id -> keys an unknown key was taken for

    def add(self, node: yaml.Node, path: str, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.file, mark.line + 1, mark.column + 1, path, message))


def node_kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{shown(node.value)}'"


def suggest(word: str, choices: Iterable[str]) -> str:
    """'; did you mean ...?' for a near miss; long words are never near anything worth the time."""
    if len(word) > 64:
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def scalar(node: yaml.Node, report: Report, path: str, what: str) -> str | None:
    if type(node) is yaml.ScalarNode and node.tag != NULL:
        return node.value
    if isinstance(node, yaml.ScalarNode):
        report.add(node, path, f"{what} is empty; give a value or remove the key")
    else:
        report.add(node, path, f"{what} must be a single value, not {node_kind(node)}")
    return None


def plain(node: yaml.ScalarNode) -> bool:
    """Written without quotes, so YAML may read it as a number or a boolean (libyaml says '' where PyYAML says None)."""
    return not node.style


class Value:
    """One kind of value. `read` returns the value, or None after reporting why not."""

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> Any:
        raise NotImplementedError

    def schema(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True)
class Text(Value):
    limit: int = MAX_LINE
    one_line: bool = True

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> str | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if len(value) > self.limit:
            report.add(node, path, f"{what} is {len(value):,} characters long; the limit is {self.limit:,}")
            return None
        bad = (ONE_LINE if self.one_line else CONTROL).search(value)
        if bad:
            where = "a line break or tab" if bad.group() in "\r\n\t\u2028\u2029" else "a control character"
            report.add(node, path, f"{what} contains {where} (U+{ord(bad.group()):04X}); remove it")
            return None
        return value.strip()

    def schema(self) -> dict[str, Any]:
        pattern = ONE_LINE_PATTERN if self.one_line else MULTI_LINE_PATTERN
        return {"type": ["string", "number", "boolean"], "maxLength": self.limit, "pattern": pattern}


@dataclass(frozen=True)
class Slug(Value):
    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> str | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if len(value) > MAX_SLUG:
            report.add(node, path, f"{what} is {len(value):,} characters long; the limit is {MAX_SLUG}")
            return None
        if not SLUG.fullmatch(value):
            fixed = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
            hint = f"; for example '{fixed}'" if fixed else ""
            report.add(node, path, f"{what} '{value}' may use only a-z, 0-9 and single hyphens{hint}")
            return None
        return value

    def schema(self) -> dict[str, Any]:
        # A plain 1984 or true is a number or boolean to an editor, and the same word to the checker.
        return {
            "type": ["string", "integer", "boolean"],
            "minimum": 0,
            "pattern": f"^{SLUG.pattern}$",
            "maxLength": MAX_SLUG,
        }


@dataclass(frozen=True)
class Url(Value):
    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> str | None:
        value = Text(MAX_URL).read(node, report, path, what)
        if value is None:
            return None
        if not URL.fullmatch(value) or not _splits(value):
            report.add(node, path, f"{what} '{shown(value)}' is not a web address; write it as https://host/path")
            return None
        return value

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{URL.pattern}$", "maxLength": MAX_URL}


def _splits(value: str) -> bool:
    if value.isascii() and "[" not in value and "]" not in value:
        return True  # the pattern has made sure of a host; urlsplit refuses only brackets and odd Unicode
    try:
        return bool(urlsplit(value).netloc)
    except ValueError:  # such as an unclosed IPv6 bracket
        return False


@dataclass(frozen=True)
class Integer(Value):
    minimum: int
    maximum: int

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> int | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        digits = value[1:] if value.startswith("+") else value
        if not (digits.isascii() and digits.isdigit()) or not plain(node):
            quoted = "" if plain(node) else "; write it without quotes"
            report.add(node, path, f"{what} must be a whole number, not '{shown(value)}'{quoted}")
            return None
        significant = digits.lstrip("0") or "0"
        number = int(significant) if len(significant) <= DIGITS else None
        if number is not None and number < self.minimum:
            report.add(node, path, f"{what} must be at least {self.minimum}, not {number}")
            return None
        if number is None or number > self.maximum:
            report.add(node, path, f"{what} must be at most {self.maximum:,}, not {shown(digits)}")
            return None
        return number

    def schema(self) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Boolean(Value):
    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> bool | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if plain(node) and value in TRUE:
            return True
        if plain(node) and value in FALSE:
            return False
        report.add(node, path, f"{what} must be true or false, not '{shown(value)}'")
        return None

    def schema(self) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass(frozen=True)
class Choice(Value):
    """One of a fixed set of words, each with what it means (for the editor's completion list)."""

    options: tuple[tuple[str, str], ...]

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.options)

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> str | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if value not in self.names:
            hint = suggest(value, self.names) or f"; use one of: {', '.join(self.names)}"
            report.add(node, path, f"unknown {what} '{shown(value)}'{hint}")
            return None
        return value

    def schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "enum": list(self.names),
            "enumDescriptions": [about for _, about in self.options],
        }


def _date(value: str, node: yaml.Node, report: Report, path: str, what: str) -> date | None:
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        report.add(node, path, f"{what} {value} does not exist ({exc})")
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        report.add(node, path, f"{what} {value} is outside the supported range, {RANGE}")
        return None
    return day


@dataclass(frozen=True)
class Date(Value):
    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> date | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if not DATE.fullmatch(value):
            report.add(node, path, f"{what} '{shown(value)}' is not a date; write it as YYYY-MM-DD")
            return None
        return _date(value, node, report, path, what)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{DATE.pattern}$"}


@dataclass(frozen=True)
class DateTime(Value):
    """A wall-clock date and time; its zone is given beside it, never inside it."""

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> datetime | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if not DATETIME.fullmatch(value):
            report.add(
                node,
                path,
                f"{what} '{shown(value)}' is not a date and time; write it as YYYY-MM-DDTHH:MM"
                " and give the zone with 'timezone:'",
            )
            return None
        return _datetime(value, node, report, path, what)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{DATETIME.pattern}$"}


def _datetime(value: str, node: yaml.Node, report: Report, path: str, what: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        report.add(node, path, f"{what} {value} does not exist ({exc})")
        return None
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        report.add(node, path, f"{what} {value} is outside the supported range, {RANGE}")
        return None
    return moment


@dataclass(frozen=True)
class DateOrTime(Value):
    """An entry of a run's `dates:`: a day, or a day and a time."""

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> date | datetime | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if DATE.fullmatch(value):
            return _date(value, node, report, path, what)
        if DATETIME.fullmatch(value):
            return _datetime(value, node, report, path, what)
        report.add(node, path, f"{what} '{shown(value)}' is not a date; write it as YYYY-MM-DD or YYYY-MM-DDTHH:MM")
        return None

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [Date().schema(), DateTime().schema()]}


@dataclass(frozen=True)
class Zone(Value):
    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> str | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if value in LEGACY_ZONES:
            place, why = LEGACY_ZONES[value]
            hint = f"did you mean '{place}'?" if place else "use the IANA name of a place, such as 'Europe/Paris'"
            report.add(node, path, f"time zone '{value}' {why}; {hint}")
            return None
        if value not in known_zones():
            hint = suggest(value, known_zones()) or "; use an IANA name such as 'America/New_York'"
            report.add(node, path, f"unknown time zone '{shown(value)}'{hint}")
            return None
        return value

    def schema(self) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": f"^{ZONE.pattern}$",
            "not": {"enum": sorted(LEGACY_ZONES)},
            "examples": ["America/New_York", "America/Los_Angeles", "Europe/London", "Asia/Tokyo", "UTC"],
        }


@dataclass(frozen=True)
class Span(Value):
    """A length of time such as 45m, 2h, 1h30m or 1d."""

    maximum: timedelta

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> timedelta | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        match = SPAN.fullmatch(value)
        if not value.strip() or not match:
            report.add(node, path, f"{what} '{shown(value)}' is not a length of time; write it like 45m, 2h or 1h30m")
            return None
        groups = [(g or "0").lstrip("0") or "0" for g in match.groups()]
        if any(len(g) > DIGITS for g in groups):
            report.add(node, path, f"{what} {shown(value)} is longer than {_days(self.maximum)}")
            return None
        days, hours, minutes = (int(g) for g in groups)
        span = timedelta(days=days, hours=hours, minutes=minutes)
        if not span:
            report.add(node, path, f"{what} must be longer than zero")
            return None
        if span > self.maximum:
            report.add(node, path, f"{what} {shown(value)} is longer than {_days(self.maximum)}")
            return None
        return span

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^(?=.*[0-9]){SPAN.pattern}$"}


def _days(span: timedelta) -> str:
    return f"{span.days} days, the most allowed"


@dataclass(frozen=True)
class Cadence(Value):
    """The gap between two releases of a run."""

    maximum: timedelta

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> timedelta | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        match = EVERY.fullmatch(value)
        if not match:
            report.add(
                node, path, f"{what} '{shown(value)}' is not a cadence; use weekly, daily, or 'N days' / 'N weeks'"
            )
            return None
        named, number, unit = match.groups()
        if named:
            return timedelta(days=1 if named == "daily" else 7)
        size = 7 if unit == "week" else 1
        number = number.lstrip("0") or "0"
        if len(number) > DIGITS or int(number) * size > self.maximum.days:
            report.add(node, path, f"{what} '{shown(value)}' is longer than {_days(self.maximum)}")
            return None
        if int(number) == 0:
            report.add(
                node,
                path,
                f"{what} must be at least one day; for several episodes at once give 'per_release: N',"
                " or 'binge: true' for the whole run on one date",
            )
            return None
        return timedelta(days=int(number) * size)

    def schema(self) -> dict[str, Any]:
        return {"type": "string", "pattern": f"^{EVERY.pattern}$", "examples": ["weekly", "daily", "2 weeks"]}


@dataclass(frozen=True)
class Hint(Value):
    """`tba:`: true, or a hint such as 2027 or 'late 2026'."""

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> str | None:
        value = scalar(node, report, path, what)
        if value is None:
            return None
        if plain(node) and value in TRUE | {"yes", "Yes", "YES"}:
            return "TBA"
        if plain(node) and value in FALSE | {"no", "No", "NO"}:
            report.add(node, path, f"tba {value} says the date is known; give it with 'date:' or 'start:' instead")
            return None
        return Text().read(node, report, path, what) or "TBA"

    def schema(self) -> dict[str, Any]:
        return {"anyOf": [{"const": True}, Text().schema() | {"type": ["string", "number"]}]}


@dataclass(frozen=True)
class ListOf(Value):
    """A list; `one_or_many` also takes a single item written without the list."""

    item: Value
    limit: int
    item_what: str
    one_or_many: bool = False

    def read(self, node: yaml.Node, report: Report, path: str, what: str) -> tuple | None:
        if self.one_or_many and isinstance(node, yaml.ScalarNode):
            value = self.item.read(node, report, path, self.item_what)
            return None if value is None else (value,)
        items = sequence(node, report, path, what, self.limit)
        if items is None:
            return None
        values = tuple(self.item.read(n, report, f"{path}[{i}]", self.item_what) for i, n in enumerate(items))
        return None if None in values else values

    def schema(self) -> dict[str, Any]:
        many = {"type": "array", "items": self.item.schema(), "maxItems": self.limit}
        return {"anyOf": [self.item.schema(), many]} if self.one_or_many else many


def sequence(node: yaml.Node, report: Report, path: str, what: str, limit: int) -> list[yaml.Node] | None:
    """The items of a list, refused unread past `limit`."""
    if not isinstance(node, yaml.SequenceNode):
        report.add(node, path, f"{what} must be a list (lines starting with '- '), not {node_kind(node)}")
        return None
    if len(node.value) > limit:
        report.add(node, path, f"{what} has {len(node.value):,} entries; the limit is {limit:,}")
        return None
    return node.value
