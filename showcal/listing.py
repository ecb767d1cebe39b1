"""The catalogue as visitors browse it: sorted by title, grouped by letter, paged, and compact enough to search.

At catalogue scale (10,000 shows) no single page may list everything, so the
index shows the first rows, `/browse/<n>` pages hold the rest, and the page
script searches a small JSON file instead of the HTML. Every row carries its
show's dates in a compact text (`encode_events`) from which the script
finds the next date by the reader's own clock; a static build knows no
"today", and the same bytes must serve every day.
"""

from __future__ import annotations

import unicodedata
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from .feeds import Feeds
from .model import KINDS, AllDay, Event, Show, Timed

PAGE_SIZE = 100
"""Shows per browse page."""
INDEX_ROWS = 50
"""Shows on the index before the reader searches or browses."""
INACTIVE = ("cancelled", "postponed")
"""Statuses whose date no longer holds: never a show's next date, never offered to add."""
EPOCH = date(1970, 1, 1)
DAY_MINUTES = 1440


def active(event: Event) -> bool:
    return event.status not in INACTIVE


def sort_key(title: str) -> str:
    """Titles sort as readers look them up: case and accents ignored ("Ça va" beside "Cabaret")."""
    decomposed = unicodedata.normalize("NFKD", title.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).strip()


def letter(key: str) -> str:
    return key[:1] if "a" <= key[:1] <= "z" else "#"


def next_event(events: Iterable[Event], today: date) -> Event | None:
    """The first date that still holds and has not ended by `today`."""
    return next((e for e in events if active(e) and e.last_day is not None and e.last_day >= today), None)


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    sign, number = ("-", -number) if number < 0 else ("", number)
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return sign + out


def encode_events(events: Iterable[Event]) -> str:
    """A show's dates that still hold, as short tokens the page script decodes (`decodeEvents` in showcal.js).

    One token per event, separated by spaces: a letter for the kind (its
    place in KINDS; lower case for an all-day event, upper case for a timed
    one), then the start in minutes as a base-36 difference from the
    previous token's start, then `~` and the length in minutes when it is
    not the default (one day, or one hour). A timed start counts minutes
    since 1970 in UTC; an all-day start is its date at 00:00 UTC, a label
    that the script never moves to another zone.
    """
    tokens, previous = [], 0
    for event in events:
        when = event.when
        if not active(event):
            continue
        if isinstance(when, AllDay):
            start = (when.first - EPOCH).days * DAY_MINUTES
            length, default, kind = ((when.last - when.first).days + 1) * DAY_MINUTES, DAY_MINUTES, "a"
        elif isinstance(when, Timed):
            start = int(when.start.timestamp()) // 60
            length, default, kind = int(when.end.timestamp()) // 60 - start, 60, "A"
        else:
            continue
        token = chr(ord(kind) + KINDS.index(event.kind)) + _base36(start - previous)
        tokens.append(token + (f"~{_base36(length)}" if length != default else ""))
        previous = start
    return " ".join(tokens)


@dataclass(frozen=True)
class Summary:
    """A show as the catalogue lists it: what the index, the browse pages, the search and the JSON list need.

    Small and made from the show alone, so a build keeps one per show
    between runs and lists 10,000 shows without reading any of them again.
    """

    slug: str
    title: str
    network: str
    homepage: str
    description: str
    key: str
    encoded: str
    dated: int
    undated: int
    first: date | None
    last: date | None

    @property
    def letter(self) -> str:
        return letter(self.key)


def summarize(show: Show, dated: Sequence[Event]) -> Summary:
    """The show's summary; `dated` are its dated events in date order."""
    return Summary(
        show.slug,
        show.title,
        show.network,
        show.homepage,
        show.description,
        sort_key(show.title),
        encode_events(dated),
        len(dated),
        len(show.undated_events),
        dated[0].first_day if dated else None,
        max(e.last_day for e in dated) if dated else None,  # type: ignore[type-var]
    )


class Listing:
    """Every show in title order, cut into browse pages; made once per data version."""

    def __init__(self, summaries: Iterable[Summary]):
        self.rows: tuple[Summary, ...] = tuple(sorted(summaries, key=lambda s: (s.key, s.slug)))

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.rows) // PAGE_SIZE))

    def page(self, number: int) -> Sequence[Summary]:
        """Rows of browse page `number` (from 1); IndexError past the last."""
        if not 1 <= number <= self.pages:
            raise IndexError(number)
        return self.rows[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]

    @cached_property
    def letters(self) -> dict[str, int]:
        """Each first letter to the browse page where its shows begin."""
        out: dict[str, int] = {}
        for position, row in enumerate(self.rows):
            out.setdefault(row.letter, position // PAGE_SIZE + 1)
        return out

    @cached_property
    def networks(self) -> list[str]:
        return sorted({r.network for r in self.rows if r.network}, key=sort_key)

    def search_index(self) -> dict:
        """What the page script searches: per show its slug, title, network and encoded dates, in title order."""
        network_index = {name: i for i, name in enumerate(self.networks)}
        return {
            "kinds": list(KINDS),
            "networks": self.networks,
            "shows": [[r.slug, r.title, network_index.get(r.network, -1), r.encoded] for r in self.rows],
        }


_listings: weakref.WeakKeyDictionary[Feeds, Listing] = weakref.WeakKeyDictionary()


def listing(feeds: Feeds) -> Listing:
    """The Listing of this data version, made the first time a page asks for it."""
    found = _listings.get(feeds)
    if found is None:
        found = _listings[feeds] = Listing(summarize(s, feeds.by_show[s.slug]) for s in feeds.catalog.shows)
    return found
