"""How far the data may go: the calendar range and the size of every field and list.

Everything the checker accepts must render and serve without a traceback,
so each number here is checked before anything is built from it: a 50 MB
description or a run of a billion episodes is refused as a located problem,
not discovered as an overflow or an out-of-memory later. A catalogue of
every show on television (10,000 shows, 200,000 events) stays far below
each of them. README's "Limits" section lists them in the same words.
"""

from __future__ import annotations

from datetime import date, timedelta

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2200, 12, 31)
"""Every day an event touches, in its own zone and in UTC, lies in this range; ends included."""

MAX_LINE = 500
"""Characters in a one-line text: a title, a network, a location, a 'tba' hint."""
MAX_TEXT = 20_000
"""Characters in a description."""
MAX_URL = 2_000
"""Characters in a web address."""
MAX_SLUG = 100
"""Characters in a slug, an event id or a run's id prefix (they become file names)."""
MAX_SOURCES = 20
"""Source addresses of one event."""

MAX_RUN_EPISODES = 1_000
"""Episodes in one episode run (its 'count:')."""
MAX_SHOW_EVENTS = 10_000
"""Events of one show, with every run expanded."""
MAX_EVENTS = 1_000_000
"""Events of the whole catalogue, with every run expanded."""
MAX_EPISODE = 99_999
"""The highest episode number."""
MAX_SEASON = 9_999
"""The highest season number (some shows number seasons by year)."""

MAX_LENGTH = timedelta(days=366)
"""The longest event: a timed event's duration, or an all-day event's days from 'date' to 'until'."""
MAX_EVERY = timedelta(days=366)
"""The longest gap between two releases of a run ('every:')."""
MAX_REFRESH = timedelta(days=31)
"""The longest polling interval a feed may suggest ('refresh:')."""

SHOWN_CHARACTERS = 60
"""How much of a value a message quotes; longer values are cut, so a message stays a line."""


def shown(value: str) -> str:
    """A value as a message quotes it: whole if short, cut with an ellipsis if not."""
    return value if len(value) <= SHOWN_CHARACTERS else value[: SHOWN_CHARACTERS - 1] + "…"


def in_range(day: date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY


RANGE = f"{FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}"
"""The supported range as messages say it."""
