"""The data format as a table: what each mapping may hold, and the rules between its keys.

One table drives both the checker (`validate.py` walks YAML nodes with it)
and the JSON Schema editors use (`schema.py` writes it out), so what the
editor suggests and what `showcal validate` accepts cannot drift apart.
Each key says its kind of value, whether it is required, what it means and
an example; each shape lists the few rules that tie its keys together.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from .limits import (
    MAX_EPISODE,
    MAX_EVERY,
    MAX_LENGTH,
    MAX_REFRESH,
    MAX_RUN_EPISODES,
    MAX_SEASON,
    MAX_SHOW_EVENTS,
    MAX_SOURCES,
    MAX_TEXT,
)
from .model import KINDS, STATUSES
from .values import (
    Boolean,
    Cadence,
    Choice,
    Date,
    DateOrTime,
    DateTime,
    Hint,
    Integer,
    ListOf,
    Report,
    Slug,
    Span,
    Text,
    Url,
    Value,
    Zone,
)

KIND_MEANINGS = {
    "premiere": "the first episode of a season or series",
    "episode": "a regular episode",
    "finale": "the last episode of a season or series",
    "special": "a special, a holiday episode, a one-off",
    "panel": "a convention panel or a live event",
    "physical-release": "a disc release: DVD, Blu-ray, 4K",
    "digital-release": "a release to buy or rent digitally",
    "theatrical-release": "a release in cinemas",
    "trailer": "a trailer or teaser",
    "other": "anything else (the default)",
}
STATUS_MEANINGS = {
    "confirmed": "announced and expected to hold (the default)",
    "tentative": "reported but not confirmed",
    "cancelled": "will not happen; calendars drop it",
    "postponed": "this date no longer holds; a new one will follow",
}
assert tuple(KIND_MEANINGS) == KINDS and tuple(STATUS_MEANINGS) == STATUSES


@dataclass(frozen=True)
class Nested(Value):
    """A mapping of another shape; the engine walks it, the schema refers to its definition."""

    shape: str

    def schema(self) -> dict[str, Any]:
        return {"$ref": f"#/definitions/{self.shape}"}


@dataclass(frozen=True)
class Shows(Value):
    def schema(self) -> dict[str, Any]:
        return {"type": "array", "items": {"$ref": "#/definitions/show"}}


@dataclass(frozen=True)
class Events(Value):
    """A show's events: each is an event, or an episode run when it has 'run:'."""

    def schema(self) -> dict[str, Any]:
        item = {
            "if": {"type": "object", "required": ["run"]},
            "then": {"$ref": "#/definitions/run"},
            "else": {"$ref": "#/definitions/event"},
        }
        return {"type": "array", "items": item, "maxItems": MAX_SHOW_EVENTS}


@dataclass(frozen=True)
class Releases(Value):
    """A run's `dates:`: each a date, a date and time, or a mapping that also says how many episodes."""

    def schema(self) -> dict[str, Any]:
        item = {"anyOf": [DateOrTime().schema(), {"$ref": "#/definitions/release"}]}
        return {"type": "array", "items": item, "maxItems": MAX_RUN_EPISODES}


@dataclass(frozen=True)
class Key:
    name: str
    value: Value
    about: str
    example: Any = None
    required: bool = False


@dataclass(frozen=True)
class ExactlyOne:
    """Exactly one of `keys` is given."""

    keys: tuple[str, ...]
    none: str
    many: str

    def check(self, given: dict, report: Report, node: yaml.Node, path: str) -> bool:
        present = [k for k in self.keys if k in given]
        if len(present) == 1:
            return True
        if present:
            report.add(given[present[1]], f"{path}.{present[1]}", self.many)
        else:
            report.add(node, path, self.none)
        return False

    def schema(self) -> dict[str, Any]:
        return {"oneOf": [{"required": [k]} for k in self.keys]}


@dataclass(frozen=True)
class Requires:
    """`key` only goes with one of `others`."""

    key: str
    others: tuple[str, ...]
    message: str = ""

    def check(self, given: dict, report: Report, node: yaml.Node, path: str) -> bool:
        if self.key not in given or any(k in given for k in self.others):
            return True
        partners = " or ".join(f"'{k}:'" for k in self.others)
        report.add(given[self.key], f"{path}.{self.key}", self.message or f"'{self.key}:' goes with {partners}")
        return False

    def schema(self) -> dict[str, Any]:
        if len(self.others) == 1:
            return {"dependencies": {self.key: list(self.others)}}
        return {"dependencies": {self.key: {"anyOf": [{"required": [k]} for k in self.others]}}}


@dataclass(frozen=True)
class Excludes:
    """`first` and `second` are never given together."""

    first: str
    second: str
    message: str

    def check(self, given: dict, report: Report, node: yaml.Node, path: str) -> bool:
        if self.first in given and self.second in given:
            report.add(given[self.second], f"{path}.{self.second}", self.message)
            return False
        return True

    def schema(self) -> dict[str, Any]:
        return {"not": {"required": [self.first, self.second]}}


Rule = ExactlyOne | Requires | Excludes


@dataclass(frozen=True)
class Shape:
    """What one mapping may hold."""

    name: str
    what: str
    about: str
    keys: tuple[Key, ...]
    rules: tuple[Rule, ...] = ()
    refused: dict[str, str] = field(default_factory=dict)
    """Keys that belong elsewhere, with what to write instead of them here."""
    by_name: dict[str, Key] = field(init=False, repr=False, compare=False)
    names: tuple[str, ...] = field(init=False, repr=False, compare=False)
    required: tuple[str, ...] = field(init=False, repr=False, compare=False)
    walked: frozenset[str] = field(init=False, repr=False, compare=False)
    """Keys whose values the engine's callers walk themselves (nested mappings and lists of them)."""
    readers: dict[str, Any] = field(init=False, repr=False, compare=False)
    """Key name -> its value's read method, or None for a walked key."""

    def __post_init__(self) -> None:
        walked = frozenset(k.name for k in self.keys if isinstance(k.value, (Nested, Shows, Events, Releases)))
        derived = {
            "by_name": {k.name: k for k in self.keys},
            "names": tuple(k.name for k in self.keys),
            "required": tuple(k.name for k in self.keys if k.required),
            "walked": walked,
            "readers": {k.name: None if k.name in walked else k.value.read for k in self.keys},
        }
        for name, value in derived.items():
            object.__setattr__(self, name, value)


# -- keys shared by events and runs -----------------------------------------------

KIND = Key("kind", Choice(tuple(KIND_MEANINGS.items())), "What sort of date this is.", "premiere")
STATUS = Key("status", Choice(tuple(STATUS_MEANINGS.items())), "Whether the date holds.", "confirmed")
LOCATION = Key("location", Text(), "Where it happens, for panels and screenings.", "Hall H, San Diego")
DESCRIPTION = Key(
    "description", Text(MAX_TEXT, one_line=False), "More about it; several lines allowed.", "Streaming on Example+."
)
SOURCES = Key(
    "sources",
    ListOf(Url(), MAX_SOURCES, "source", one_or_many=True),
    "Where the date was read: one web address or a list of them.",
    "https://www.example.org/news/season-2-date",
)
URL_KEY = Key("url", Url(), "A page about the event (default: the first source, else the show's homepage).")
SEASON = Key("season", Integer(0, MAX_SEASON), "The season number.", 2)
DATE = Key("date", Date(), "An all-day event: the day, YYYY-MM-DD.", "2026-09-04")
START = Key(
    "start",
    DateTime(),
    "A timed event: the local date and time, YYYY-MM-DDTHH:MM, in 'timezone:' or the site's time zone.",
    "2026-09-04T21:00",
)
END = Key("end", DateTime(), "When a timed event ends, local time; or give 'duration:'.", "2026-09-04T22:00")
DURATION = Key("duration", Span(MAX_LENGTH), "How long a timed event lasts, in d, h and m (default 1h).", "1h30m")
TIMEZONE = Key(
    "timezone", Zone(), "The IANA time zone of 'start:' (default: the site's 'timezone:').", "America/New_York"
)

EVENT = Shape(
    "event",
    "an event",
    "One dated or announced event: a premiere, a panel, a release.",
    (
        Key(
            "id", Slug(), "Unique within the show and never changed: it is part of the calendar UID.", "s1-panel", True
        ),
        Key("title", Text(), "What the event is, without the show's name.", "Panel at Example Con", True),
        KIND,
        DATE,
        Key("until", Date(), "The last day of an all-day event that lasts several days.", "2026-07-26"),
        START,
        END,
        DURATION,
        TIMEZONE,
        Key("tba", Hint(), "No date yet: true, or a hint such as 2027 or 'late 2026'. Never written to a feed.", 2027),
        STATUS,
        LOCATION,
        DESCRIPTION,
        SOURCES,
        URL_KEY,
        SEASON,
        Key("episode", Integer(0, MAX_EPISODE), "The episode number.", 1),
    ),
    rules=(
        ExactlyOne(
            ("date", "start", "tba"),
            none="needs a date: 'date: YYYY-MM-DD', 'start: YYYY-MM-DDTHH:MM' or 'tba: <hint>'",
            many="give only one of 'date:', 'start:' and 'tba:'",
        ),
        Requires("until", ("date",)),
        Requires("end", ("start",)),
        Requires("duration", ("start",)),
        Requires("timezone", ("start",)),
        Excludes("end", "duration", "give 'end:' or 'duration:', not both"),
    ),
)

RUN = Shape(
    "run",
    "an episode run",
    "A season's episodes in one entry: one event per release, ids <run>e01, <run>e02, ...",
    (
        Key("run", Slug(), "The id prefix of the run's events: 's01' gives s01e01, s01e02, ...", "s01", True),
        Key("count", Integer(1, MAX_RUN_EPISODES), "How many episodes the run has.", 10, True),
        Key("first_episode", Integer(0, MAX_EPISODE), "The number of the first episode (default 1).", 1),
        SEASON,
        KIND,
        Key("date", Date(), "The day of the first release; with 'binge: true', of every episode.", "2026-09-04"),
        Key(
            "start",
            DateTime(),
            "The local date and time of the first release, in 'timezone:' or the site's time zone.",
            "2026-09-04T21:00",
        ),
        Key("end", DateTime(), "When the first release ends, local time; or give 'duration:'.", "2026-09-04T22:00"),
        Key("duration", Span(MAX_LENGTH), "How long each timed release lasts, in d, h and m (default 1h).", "1h"),
        Key("timezone", Zone(), "The IANA time zone of the run's times (default: the site's).", "America/New_York"),
        Key(
            "every",
            Cadence(MAX_EVERY),
            "The time between releases: daily, weekly, 'N days' or 'N weeks'.",
            "weekly",
        ),
        Key(
            "per_release",
            Integer(1, MAX_RUN_EPISODES),
            "Episodes released together each time (default 1); the last release takes what is left.",
            3,
        ),
        Key("binge", Boolean(), "true: every episode comes out at once, on 'date:' or 'start:'.", True),
        Key(
            "dates",
            Releases(),
            "Instead of 'every:': each release's date or date and time, or {date: ..., episodes: N}.",
            ["2026-09-04", "2026-09-11"],
        ),
        Key(
            "titles",
            ListOf(Text(), MAX_RUN_EPISODES, "title"),
            "The episodes' titles, in order; at most 'count'.",
            ["Pilot", "The Second One"],
        ),
        Key("premiere", Boolean(), "true: the first release is the season premiere.", True),
        Key("finale", Boolean(), "true: the last release is the season finale.", True),
        STATUS,
        LOCATION,
        DESCRIPTION,
        SOURCES,
        URL_KEY,
    ),
    rules=(
        ExactlyOne(
            ("date", "start", "dates"),
            none="an episode run needs its dates: a first 'date:' or 'start:' with 'every:', or a list of 'dates:'",
            many="give 'dates:' alone, or a first 'date:'/'start:' with 'every:'",
        ),
        Requires("every", ("date", "start"), "give 'dates:' alone, or a first 'date:'/'start:' with 'every:'"),
        Requires("binge", ("date", "start"), "'binge:' releases the whole run on one 'date:' or 'start:'"),
        Excludes("every", "binge", "'binge: true' releases the whole run at once; remove 'every:'"),
        Excludes("per_release", "binge", "'binge: true' releases every episode at once; remove 'per_release:'"),
        Requires("end", ("start",)),
        Excludes("end", "duration", "give 'end:' or 'duration:', not both"),
        Requires("duration", ("start", "dates")),
        Requires("timezone", ("start", "dates")),
    ),
    refused={
        "tba": "an episode run needs dates; for a season with no date yet, write one event with 'id:', 'title:'"
        " and 'tba:'",
        "until": "an episode run starts on one 'date:' or 'start:'; 'until:' is for an all-day event of several days",
        "id": "an episode run's ids come from 'run:' (s01 gives s01e01, s01e02, ...); remove 'id:'",
        "episode": "an episode run numbers its episodes from 'first_episode:'; remove 'episode:'",
    },
)

RELEASE = Shape(
    "release",
    "a release",
    "One release of a run: its date or date and time, and how many episodes come out then.",
    (
        Key("date", Date(), "The day of the release.", "2026-09-04"),
        Key("start", DateTime(), "The local date and time of the release.", "2026-09-04T21:00"),
        Key("episodes", Integer(1, MAX_RUN_EPISODES), "Episodes released then (default: 'per_release:' or 1).", 3),
    ),
    rules=(
        ExactlyOne(
            ("date", "start"),
            none="a release needs 'date:' or 'start:'",
            many="give 'date:' or 'start:', not both",
        ),
    ),
)

SHOW = Shape(
    "show",
    "a show",
    "One show and its events.",
    (
        Key("slug", Slug(), "a-z, 0-9 and hyphens: the show's address; never change it.", "the-example-show", True),
        Key("title", Text(), "The show's name.", "The Example Show", True),
        Key("network", Text(), "The network or platform.", "Example+"),
        Key("homepage", Url(), "The show's official page.", "https://www.example.org/the-example-show"),
        Key("description", Text(MAX_TEXT, one_line=False), "What the show is about; several lines allowed."),
        Key("events", Events(), "The show's events and episode runs."),
    ),
)

SITE = Shape(
    "site",
    "site",
    "Settings for the whole site; given once, in any one file.",
    (
        Key("title", Text(), "The site's name, and the combined feed's.", "showcal"),
        Key("description", Text(MAX_TEXT, one_line=False), "The combined feed's description."),
        Key("url", Url(), "The public address; feeds then carry SOURCE and URL.", "https://tv.example.org/"),
        Key("timezone", Zone(), "The time zone of every 'start:' that names none.", "America/New_York"),
        Key("refresh", Span(MAX_REFRESH), "How often calendar apps should poll the feeds (d, h, m).", "12h"),
    ),
)

FILE = Shape(
    "file",
    "a data file",
    "A showcal data file: site settings, shows, or both.",
    (
        Key("site", Nested("site"), "Settings for the whole site."),
        Key("shows", Shows(), "The shows."),
    ),
)

SHAPES = (FILE, SITE, SHOW, EVENT, RUN, RELEASE)
