"""Feed options: one set of names and meanings for URLs, pages and builds.

A subscriber writes these into a calendar URL once and never sees them
again, so a mistake is refused with a message rather than half-honoured.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from .errors import printable
from .model import KIND_GROUPS, KINDS, Event

MAX_DAYS = 36_600
MAX_REMINDER = timedelta(days=28)
SPAN = re.compile(r"(\d{1,6})([mhdw])\Z")
"""At most six digits: a longer number is no lead time up to four weeks anyway, and is never parsed."""
UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
FLAGS = ("all_day", "utc", "spoiler_free")
PARAMETERS = {
    "kinds": f"a comma-separated list of kinds: {', '.join((*KINDS, *KIND_GROUPS))}",
    "past": "a whole number of days (0 to 36600): leave out events that ended longer ago",
    "future": "a whole number of days (0 to 36600): leave out events that start later",
    "all_day": "1 or 0: show timed events as all-day events on their own date",
    "utc": "1 or 0: write times in UTC instead of with a time zone",
    "spoiler_free": "1 or 0: no episode titles or synopses",
    "reminder": "a lead time such as 30m, 2h, 1d or 1w (up to 4 weeks); adds an alert",
}
"""Each query parameter and what it accepts, in the words the 400 page uses."""


class OptionError(ValueError):
    """A query parameter a subscriber got wrong, named so the page can say which."""

    def __init__(self, parameter: str, message: str):
        self.parameter = parameter
        super().__init__(f"'{parameter}': {message}")


@dataclass(frozen=True)
class Variant:
    """What changes an event's bytes; events are rendered once per variant."""

    all_day: bool = False
    utc: bool = False
    spoiler_free: bool = False
    reminder: timedelta | None = None


@dataclass(frozen=True)
class FeedOptions:
    kinds: frozenset[str] | None = None
    past: int | None = None
    future: int | None = None
    variant: Variant = Variant()

    @property
    def is_default(self) -> bool:
        return self == FeedOptions()

    def selects(self, event: Event, today: date) -> bool:
        if self.kinds is not None and event.kind not in self.kinds:
            return False
        first, last = event.first_day, event.last_day
        if first is None or last is None:
            return False
        if self.past is not None and last < today - timedelta(days=self.past):
            return False
        return not (self.future is not None and first > today + timedelta(days=self.future))

    def query(self) -> dict[str, str]:
        """The canonical query string, so equal options share one URL and cache entry."""
        out: dict[str, str] = {}
        if self.kinds is not None:
            out["kinds"] = ",".join(k for k in KINDS if k in self.kinds)
        if self.past is not None:
            out["past"] = str(self.past)
        if self.future is not None:
            out["future"] = str(self.future)
        for flag in FLAGS:
            if getattr(self.variant, flag):
                out[flag] = "1"
        if self.variant.reminder is not None:
            out["reminder"] = format_span(self.variant.reminder)
        return out


def parse_options(args: Mapping[str, str]) -> FeedOptions:
    """Read query parameters; the first unknown or malformed one raises OptionError."""
    for name in args:
        if name not in PARAMETERS:
            raise OptionError(_shown(name), f"unknown parameter; known ones: {', '.join(PARAMETERS)}")
    kinds = _kinds(args["kinds"]) if "kinds" in args else None
    flags = {flag: _flag(flag, args[flag]) for flag in FLAGS if flag in args}
    reminder = _reminder(args["reminder"]) if "reminder" in args else None
    return FeedOptions(
        kinds=kinds,
        past=_days("past", args["past"]) if "past" in args else None,
        future=_days("future", args["future"]) if "future" in args else None,
        variant=Variant(reminder=reminder, **flags),
    )


def _kinds(value: str) -> frozenset[str]:
    chosen: set[str] = set()
    for word in filter(None, (w.strip() for w in value.split(","))):
        if word in KIND_GROUPS:
            chosen.update(KIND_GROUPS[word])
        elif word in KINDS:
            chosen.add(word)
        else:
            raise OptionError("kinds", f"unknown kind '{_shown(word)}'; expected {PARAMETERS['kinds']}")
    if not chosen:
        raise OptionError("kinds", f"is empty; expected {PARAMETERS['kinds']}")
    return frozenset(chosen)


def _days(name: str, value: str) -> int:
    if not (value.isascii() and value.isdigit() and len(value) <= 6) or int(value) > MAX_DAYS:
        raise OptionError(name, f"'{_shown(value)}' is not {PARAMETERS[name]}")
    return int(value)


def _shown(value: str) -> str:
    """A value as a message repeats it: cut short (a 5,000-digit number makes no 5,000-digit page), and
    with control characters written as escapes, never raw."""
    return printable(value if len(value) <= 40 else value[:40] + "…")


def _flag(name: str, value: str) -> bool:
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise OptionError(name, f"'{_shown(value)}' is not {PARAMETERS[name]}")


def _reminder(value: str) -> timedelta:
    match = SPAN.match(value.strip().lower())
    span = timedelta(**{UNITS[match.group(2)]: int(match.group(1))}) if match else None
    if span is None or not span or span > MAX_REMINDER:
        raise OptionError("reminder", f"'{_shown(value)}' is not {PARAMETERS['reminder']}")
    return span


def format_span(span: timedelta) -> str:
    minutes = int(span.total_seconds()) // 60
    for unit, size in (("w", 10080), ("d", 1440), ("h", 60)):
        if minutes % size == 0:
            return f"{minutes // size}{unit}"
    return f"{minutes}m"
