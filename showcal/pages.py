"""HTML pages and the JSON API, rendered the same way for the server and the static build.

The server knows its own address and today's date; a static build knows
neither (its bytes must not change from one day or host to the next). So
every function here takes `base` (the site's absolute address, or "" when
unknown) and `today` (or None): with "" the subscribe links are relative and
`static/showcal.js` makes them absolute from the page's own location; with
None the page lists every date and the same script sorts them into upcoming
and past by the reader's own calendar.

Times are written in the event's own zone and in English, which is what a
reader without JavaScript sees; the script rewrites them in the reader's
zone and language and keeps the event's zone as a note.
"""

from __future__ import annotations

import calendar as calendar_module
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

import jinja2

from .errors import Problem
from .feeds import Feeds, description, summary
from .listing import INDEX_ROWS, Listing, Summary, active, listing, next_event, summarize
from .model import KIND_GROUPS, KIND_LABELS, KINDS, AllDay, Event, Show, Site, Timed
from .options import PARAMETERS, FeedOptions

PACKAGE = Path(__file__).resolve().parent
TEMPLATES = PACKAGE / "templates" if (PACKAGE / "templates").is_dir() else PACKAGE.parent / "templates"
"""Beside the package in a checkout; inside it once installed from a wheel (see pyproject.toml)."""
ASSETS = {
    "showcal.css": "text/css; charset=utf-8",
    "showcal.js": "text/javascript; charset=utf-8",
    "qr.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
"""Files under templates/static/, served at /static/<name> and written by the build."""
ROOT_ASSETS = {
    "favicon.ico": "image/x-icon",
    "apple-touch-icon.png": "image/png",
}
"""Files under templates/static/ that browsers ask for at the site's root, served and written there."""
SEARCH_FILE = "search.json"
"""The catalogue as the index page's script searches it, beside index.html."""

REMINDERS = (("30m", "30 minutes before"), ("2h", "2 hours before"), ("1d", "1 day before"), ("1w", "1 week before"))


def page_file(url_path: str) -> str:
    """The build's file for a page URL: `/` is index.html, `/shows/x` is shows/x.html."""
    return "index.html" if url_path in ("", "/") else f"{url_path.strip('/')}.html"


def show_path(slug: str) -> str:
    return f"shows/{slug}"


def feed_path(slug: str) -> str:
    return f"shows/{slug}.ics"


def event_folder(slug: str) -> str:
    """Where a show's single-event files are."""
    return f"shows/{slug}"


def event_path(slug: str, event_id: str) -> str:
    return f"{event_folder(slug)}/{event_id}.ics"


def changes_path(slug: str | None = None) -> str:
    """The Atom feed of what changed: the site's, or one show's."""
    return "changes.atom" if slug is None else f"shows/{slug}.atom"


def api_path(slug: str | None = None) -> str:
    return "api/shows.json" if slug is None else f"api/shows/{slug}.json"


def browse_path(number: int) -> str:
    return f"browse/{number}"


def bundle_feed_path(slugs: Sequence[str]) -> str:
    return f"bundles/{'+'.join(slugs)}.ics"


@dataclass(frozen=True)
class Subscribe:
    """Every way to add one feed: relative `href` always, absolute forms when the address is known."""

    href: str
    name: str
    url: str = ""

    @property
    def webcal(self) -> str:
        return "webcal://" + self.url.split("://", 1)[1] if "://" in self.url else ""

    @property
    def google(self) -> str:
        return "https://calendar.google.com/calendar/render?" + urlencode({"cid": self.webcal}) if self.url else ""

    @property
    def outlook(self) -> str:
        """Outlook on the web for personal Microsoft accounts (Outlook.com)."""
        return self._add_from_web("outlook.live.com")

    @property
    def office(self) -> str:
        """Outlook on the web for work and school accounts (Microsoft 365): the same form on another host."""
        return self._add_from_web("outlook.office.com")

    def _add_from_web(self, host: str) -> str:
        query = urlencode({"url": self.url, "name": self.name}, quote_via=quote)
        return f"https://{host}/calendar/0/addfromweb?{query}" if self.url else ""

    @property
    def download(self) -> str:
        return self.href + ("&" if "?" in self.href else "?") + "download=1"


def subscribe(base: str, root: str, path: str, name: str, query: Mapping[str, str] | None = None) -> Subscribe:
    suffix = "?" + urlencode(query) if query else ""
    url = f"{base.rstrip('/')}/{path}{suffix}" if base else ""
    return Subscribe(root + path + suffix, name, url)


GOOGLE_FORM = "https://calendar.google.com/calendar/render?action=TEMPLATE"
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_PERCENT = tuple(chr(byte) if byte in _UNRESERVED else f"%{byte:02X}" for byte in range(256))


def url_quote(text: str) -> str:
    """What `urllib.parse.quote(text, safe="")` gives, a byte at a time from a table, in two thirds of its time.

    Every event's Google Calendar link carries its description: quoting them
    was a twentieth of a build.
    """
    return "".join(map(_PERCENT.__getitem__, text.encode("utf-8")))


def google_event_link(event: Event, show: Show) -> str:
    """Google Calendar's "create event" form, filled in; nothing is fetched until someone clicks."""
    when = event.when
    if isinstance(when, AllDay):
        dates = f"{when.first:%Y%m%d}/{when.last + timedelta(days=1):%Y%m%d}"
    else:
        assert isinstance(when, Timed)
        start, end = (t.astimezone(UTC) for t in (when.start, when.end))
        dates = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
    link = [GOOGLE_FORM, "&text=", url_quote(summary(event, show)), "&dates=", url_quote(dates)]
    details = description(event, show)
    if details:
        link += ("&details=", url_quote(details))
    if event.location:
        link += ("&location=", url_quote(event.location))
    return "".join(link)


def when_text(event: Event, *, short: bool = False) -> str:
    """The date in English and in the event's own zone: what a reader without JavaScript sees."""
    when = event.when
    if isinstance(when, AllDay):
        if when.first == when.last:
            return _day(when.first, short)
        return f"{_day(when.first, short)} to {_day(when.last, short)}"
    if isinstance(when, Timed):
        zone = "" if short else f" ({when.timezone})"
        return f"{_day(when.start.date(), short)}, {when.start:%H:%M} {when.start.tzname()}{zone}"
    return when.hint


def _day(day: date, short: bool = False) -> str:
    return f"{day:%a} {day.day} {day:%b %Y}" if short else f"{day:%a} {day.day} {day:%B %Y}"


@dataclass(frozen=True)
class EventView:
    event: Event
    show: Show
    root: str

    @property
    def anchor(self) -> str:
        return f"event-{self.event.id}"

    @property
    def kind(self) -> str:
        return KIND_LABELS[self.event.kind]

    @property
    def active(self) -> bool:
        """False for a cancelled or postponed date: shown struck through, never offered to add."""
        return active(self.event)

    @property
    def timed(self) -> bool:
        return isinstance(self.event.when, Timed)

    @property
    def when(self) -> str:
        return when_text(self.event)

    @property
    def short_when(self) -> str:
        return when_text(self.event, short=True)

    @property
    def datetime(self) -> str:
        when = self.event.when
        if isinstance(when, Timed):
            return when.start.isoformat()
        return self.event.first_day.isoformat() if self.event.first_day else ""

    @property
    def end(self) -> str:
        when = self.event.when
        return when.end.isoformat() if isinstance(when, Timed) else ""

    @property
    def zone(self) -> str:
        when = self.event.when
        return when.timezone if isinstance(when, Timed) else ""

    @property
    def until(self) -> str:
        """The last day of an all-day event of several days, else ""."""
        when = self.event.when
        return when.last.isoformat() if isinstance(when, AllDay) and when.last != when.first else ""

    @property
    def ics(self) -> str:
        return self.root + event_path(self.event.show, self.event.id)

    @property
    def google(self) -> str:
        return google_event_link(self.event, self.show)

    @property
    def sources(self) -> tuple[str, ...]:
        """Where the curator read the date; the show's homepage is not a source."""
        return self.event.sources

    @property
    def page(self) -> str:
        """The event's own page, when the data names one that is not also its source."""
        return self.event.url if self.event.url and self.event.url not in self.event.sources else ""


@dataclass(frozen=True)
class Month:
    """One month's dates, day by day: the month view as a list, for readers without JavaScript."""

    year: int
    month: int
    days: list[tuple[date, EventView]]

    @property
    def name(self) -> str:
        return f"{calendar_module.month_name[self.month]} {self.year}"

    @property
    def anchor(self) -> str:
        return f"month-{self.year}-{self.month:02d}"


def months(views: list[EventView]) -> list[Month]:
    """Every month with at least one date, in order; an event of several days is listed on each of its days.

    The page script draws the grid itself, in the reader's zone and with the reader's first day of the
    week, so the server writes only what a reader without it needs.
    """
    by_day: list[tuple[date, int, EventView]] = []
    for order, view in enumerate(views):
        first, last = view.event.first_day, view.event.last_day
        if isinstance(view.event.when, Timed):
            last = first
        day = first
        while day <= last:
            by_day.append((day, order, view))
            day += timedelta(days=1)
    by_day.sort(key=lambda item: (item[0], item[1]))
    out: list[Month] = []
    for day, _, view in by_day:
        if not out or (out[-1].year, out[-1].month) != (day.year, day.month):
            out.append(Month(day.year, day.month, []))
        out[-1].days.append((day, view))
    return out


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """One environment per process: Jinja compiles each template once and keeps it."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        auto_reload=False,
    )
    env.globals.update(
        kinds=KINDS,
        kind_labels=KIND_LABELS,
        reminders=REMINDERS,
        parameters=PARAMETERS,
        atom_feed=None,
        atom_title="",
        canonical="",
        description_meta="",
        bundles=False,
        problems=(),
    )
    return env


def render(template: str, **context) -> bytes:
    return environment().get_template(template).render(**context).encode("utf-8")


def asset(name: str) -> bytes:
    return (TEMPLATES / "static" / name).read_bytes()


def _absolute(base: str, path: str) -> str:
    return f"{base.rstrip('/')}/{path}" if base else ""


def _site_context(site: Site, base: str, today: date | None, path: str) -> dict:
    """What every page's head and frame need."""
    return {
        "site": site,
        "site_title": site.title,
        "canonical": _absolute(base, path),
        "image": _absolute(base, "apple-touch-icon.png"),
        "dynamic": today is not None,
        "today": today,
        "refresh": refresh_text(site.refresh),
    }


Upcoming = Callable[[str, date], "EventView | None"]
"""A show's next date by slug, for a page that knows today (the server); a static build has none."""


@dataclass(frozen=True)
class RowView:
    """A catalogue row as a page prints it."""

    row: Summary
    root: str
    base: str
    next: EventView | None

    @property
    def show(self) -> Summary:
        return self.row

    @property
    def page(self) -> str:
        return self.root + show_path(self.row.slug)

    @property
    def subscribe(self) -> Subscribe:
        return subscribe(self.base, self.root, feed_path(self.row.slug), self.row.title)

    @property
    def span(self) -> str:
        """Without a date to count from (a static build read without JavaScript): how many dates, from when to when."""
        if not self.row.dated:
            return ""
        count = self.row.dated
        first, last = self.row.first, self.row.last
        assert first is not None and last is not None
        dates = f"{count} date" + ("s" if count != 1 else "")
        if (first.year, first.month) == (last.year, last.month):
            return f"{dates}, {first:%b} {first.year}"
        return f"{dates}, {first:%b} {first.year} to {last:%b} {last.year}"


def _rows(
    rows: Sequence[Summary], root: str, base: str, today: date | None, upcoming: Upcoming | None
) -> list[RowView]:
    def coming(row: Summary) -> EventView | None:
        return upcoming(row.slug, today) if upcoming is not None and today is not None else None

    return [RowView(row, root, base, coming(row)) for row in rows]


def upcoming_of(feeds: Feeds, root: str = "") -> Upcoming:
    """Each show's next date as the server, which knows today, prints it."""

    def find(slug: str, today: date) -> EventView | None:
        show = feeds.catalog.show(slug)
        found = next_event(feeds.by_show[slug], today) if show is not None else None
        return EventView(found, show, root) if found is not None and show is not None else None

    return find


def index_page(feeds: Feeds, *, base: str, today: date | None) -> bytes:
    """The index of a data version the server holds (see `catalogue_index`)."""
    return catalogue_index(feeds.catalog.site, listing(feeds), base=base, today=today, upcoming=upcoming_of(feeds))


def catalogue_index(
    site: Site,
    found: Listing,
    *,
    base: str,
    today: date | None = None,
    upcoming: Upcoming | None = None,
    problems: Sequence[Problem] = (),
) -> bytes:
    """The first rows of the catalogue, a search over the rest, and the whole catalogue as one calendar.

    `problems` (every page takes them) are the data's on disk, for a server that shows them above the page.
    """
    return render(
        "index.html",
        problems=problems,
        root="",
        rows=_rows(found.rows[:INDEX_ROWS], "", base, today, upcoming),
        total=len(found.rows),
        listing=found,
        networks=found.networks,
        all=subscribe(base, "", "all.ics", site.title),
        bundles=today is not None and len(found.rows) > 1,
        description_meta=site.description,
        atom_feed=changes_path(),
        atom_title=f"{site.title}: what changed",
        **_site_context(site, base, today, ""),
    )


def browse_numbers(feeds: Feeds) -> range:
    """The browse pages of this catalogue, from 1."""
    return range(1, listing(feeds).pages + 1)


def browse_page(feeds: Feeds, number: int, *, base: str, today: date | None) -> bytes:
    """A browse page of a data version the server holds (see `catalogue_page`)."""
    site = feeds.catalog.site
    return catalogue_page(site, listing(feeds), number, base=base, today=today, upcoming=upcoming_of(feeds, "../"))


def catalogue_page(
    site: Site,
    found: Listing,
    number: int,
    *,
    base: str,
    today: date | None = None,
    upcoming: Upcoming | None = None,
    problems: Sequence[Problem] = (),
) -> bytes:
    """One page of the catalogue in title order, for reading without JavaScript; IndexError past the last."""
    rows = found.page(number)
    groups: list[tuple[str, list[RowView]]] = []
    for view in _rows(rows, "../", base, today, upcoming):
        if not groups or groups[-1][0] != view.row.letter:
            groups.append((view.row.letter, []))
        groups[-1][1].append(view)
    first, last = rows[0].title if rows else "", rows[-1].title if rows else ""
    return render(
        "browse.html",
        root="../",
        problems=problems,
        number=number,
        pages=found.pages,
        groups=groups,
        listing=found,
        first_title=first,
        last_title=last,
        total=len(found.rows),
        bundles=today is not None and len(found.rows) > 1,
        description_meta=f"Shows {first} to {last}, with their next dates, as calendars to subscribe to.",
        **_site_context(site, base, today, browse_path(number)),
    )


def search_index(found: Listing | Feeds) -> bytes:
    """The catalogue for the index page's search: compact JSON, the same bytes from the server and the build."""
    found = listing(found) if isinstance(found, Feeds) else found
    return _json(found.search_index())


def bundle_page(
    feeds: Feeds, shows: Sequence[Show], *, base: str, today: date | None, problems: Sequence[Problem] = ()
) -> bytes:
    """Where the bundle form lands: the shows chosen, and one calendar of them all to subscribe to."""
    slugs = [s.slug for s in shows]
    titles = ", ".join(s.title for s in shows)
    feed = subscribe(base, "", bundle_feed_path(slugs), titles)
    return render(
        "bundle.html",
        root="",
        problems=problems,
        shows=shows,
        feed=feed,
        description_meta=f"One calendar of {titles}.",
        **_site_context(feeds.catalog.site, base, today, ""),
    )


def refresh_text(span: timedelta) -> str:
    hours = span.total_seconds() / 3600
    if hours >= 1 and hours == int(hours):
        return "hour" if hours == 1 else f"{int(hours)} hours"
    minutes = round(span.total_seconds() / 60)
    return f"{minutes} minutes"


def show_page(
    feeds: Feeds,
    show: Show,
    *,
    base: str,
    today: date | None,
    options: FeedOptions | None = None,
    form: Mapping[str, str] | None = None,
    form_error: str = "",
    problems: Sequence[Problem] = (),
) -> bytes:
    """A show's page; `options` is the feed its options form asked for (server only), which the Subscribe offers."""
    root = "../"
    events = feeds.by_show[show.slug]
    views = [EventView(e, show, root) for e in events]
    past = [v for v in views if today is not None and v.event.last_day < today]
    upcoming = [v for v in views if today is None or v.event.last_day >= today]
    coming = next_event(events, today) if today is not None else None
    query = options.query() if options is not None else {}
    feed = subscribe(base, root, feed_path(show.slug), show.title, query)
    about = show.description or f"Dates of {show.title}" + (f" on {show.network}" if show.network else "") + "."
    return render(
        "show.html",
        root=root,
        problems=problems,
        show=show,
        upcoming=upcoming,
        past=past,
        tba=show.undated_events,
        next=EventView(coming, show, root) if coming else None,
        months=months(views),
        feed=feed,
        feed_base=root + feed_path(show.slug),
        filtered=bool(query),
        form=form or {},
        form_error=form_error,
        kind_choices=[k for k in (*KINDS, *KIND_GROUPS) if k in KIND_GROUPS or any(e.kind == k for e in show.events)],
        description_meta=about,
        atom_feed=root + changes_path(show.slug),
        atom_title=f"{show.title}: what changed",
        **_site_context(feeds.catalog.site, base, today, show_path(show.slug)),
    )


def error_page(
    status: int, title: str, message: str, *, site_title: str = "showcal", problems: Sequence[Problem] = ()
) -> bytes:
    return render(
        "error.html",
        problems=problems,
        root="/",
        status=status,
        title=title,
        message=message,
        site_title=site_title,
        image="",
        dynamic=True,
    )


def _event_json(event: Event, base: str) -> dict:
    when = event.when
    out: dict = {"id": event.id, "uid": event.uid if event.dated else None, "kind": event.kind, "title": event.title}
    if isinstance(when, AllDay):
        out.update(all_day=True, date=when.first.isoformat(), until=when.last.isoformat())
    elif isinstance(when, Timed):
        out.update(all_day=False, start=when.start.isoformat(), end=when.end.isoformat(), timezone=when.timezone)
    else:
        out.update(tba=when.hint)
    out.update(status=event.status, season=event.season, episode=event.episode, location=event.location or None)
    if len(event.episodes) > 1:  # a drop: every episode it releases, titled where the run titles them
        titles = (*event.episode_titles, *[""] * len(event.episodes))  # a run may title none of them
        out["episodes"] = [{"episode": n, "title": titles[i] or None} for i, n in enumerate(event.episodes)]
    out.update(description=event.description or None, sources=list(event.sources))
    if event.dated:
        out["ics"] = _link(base, event_path(event.show, event.id))
    return out


def _show_json(show: Summary, base: str) -> dict:
    return {
        "slug": show.slug,
        "title": show.title,
        "network": show.network or None,
        "homepage": show.homepage or None,
        "description": show.description or None,
        "first": show.first.isoformat() if show.first else None,
        "last": show.last.isoformat() if show.last else None,
        "dated": show.dated,
        "tba": show.undated,
        "page": _link(base, show_path(show.slug)),
        "feed": _link(base, feed_path(show.slug)),
        "api": _link(base, api_path(show.slug)),
    }


def _link(base: str, path: str) -> str:
    """Site-relative ("/shows/x.ics") unless the site's address is configured, so the bytes never depend on a host."""
    return f"{base.rstrip('/')}/{path}" if base else f"/{path}"


def api_shows(feeds: Feeds) -> bytes:
    """The JSON list of a data version the server holds."""
    return api_list(feeds.catalog.site, [summarize(s, feeds.by_show[s.slug]) for s in feeds.catalog.shows])


def api_list(site: Site, summaries: Sequence[Summary]) -> bytes:
    """Every show, in the data's order, with links to its page, feed and JSON."""
    base = site.url
    return _json({"shows": [_show_json(show, base) for show in summaries], "all": _link(base, "all.ics")})


def api_show(feeds: Feeds, show: Show) -> bytes:
    base = feeds.catalog.site.url
    body = _show_json(summarize(show, feeds.by_show[show.slug]), base)
    body["events"] = [_event_json(e, base) for e in (*feeds.by_show[show.slug], *show.undated_events)]
    return _json(body)


def _json(body: object) -> bytes:
    """Compact JSON: written by the json module's C encoder, which an indent would turn off."""
    return (json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
