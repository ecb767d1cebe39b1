"""HTML pages and the JSON API, rendered the same way for the server and the static build.

The server knows its own address and today's date; a static build knows
neither (its bytes must not change from one day or host to the next). So
every function here takes `base` (the site's absolute address, or "" when
unknown) and `today` (or None): with "" the subscribe links are relative and
`static/showcal.js` makes them absolute from the page's own location; with
None the page lists every date as upcoming and the same script moves the
past ones, by the reader's own calendar.
"""

from __future__ import annotations

import calendar as calendar_module
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote, urlencode

import jinja2
import segno

from .feeds import Feeds, description, event_url, summary
from .model import KIND_GROUPS, KIND_LABELS, KINDS, AllDay, Event, Show, Timed
from .options import PARAMETERS, FeedOptions
from .site import event_path

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ASSETS = {
    "showcal.css": "text/css; charset=utf-8",
    "showcal.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
"""Files under templates/static/, served at /static/<name> and written by the build."""

REMINDERS = (("30m", "30 minutes before"), ("2h", "2 hours before"), ("1d", "1 day before"), ("1w", "1 week before"))


def page_file(url_path: str) -> str:
    """The build's file for a page URL: `/` is index.html, `/shows/x` is shows/x.html."""
    return "index.html" if url_path in ("", "/") else f"{url_path.strip('/')}.html"


def show_path(slug: str) -> str:
    return f"shows/{slug}"


def feed_path(slug: str) -> str:
    return f"shows/{slug}.ics"


def api_path(slug: str | None = None) -> str:
    return "api/shows.json" if slug is None else f"api/shows/{slug}.json"


@dataclass(frozen=True)
class Subscribe:
    """Every way to add one feed: relative `href` always, absolute forms when the address is known."""

    href: str
    name: str
    url: str = ""

    @property
    def webcal(self) -> str:
        return "webcal://" + self.url.split("://", 1)[1] if self.url else ""

    @property
    def google(self) -> str:
        return "https://calendar.google.com/calendar/render?" + urlencode({"cid": self.webcal}) if self.url else ""

    @property
    def outlook(self) -> str:
        query = urlencode({"url": self.url, "name": self.name}, quote_via=quote)
        return f"https://outlook.live.com/calendar/0/addfromweb?{query}" if self.url else ""

    @property
    def download(self) -> str:
        return self.href + ("&" if "?" in self.href else "?") + "download=1"


def subscribe(base: str, root: str, path: str, name: str, query: Mapping[str, str] | None = None) -> Subscribe:
    suffix = "?" + urlencode(query) if query else ""
    url = f"{base.rstrip('/')}/{path}{suffix}" if base else ""
    return Subscribe(root + path + suffix, name, url)


@lru_cache(maxsize=256)
def qr_svg(data: str, label: str) -> str:
    """An inline SVG QR code, dark on light in any colour scheme, named for screen readers."""
    code = segno.make(data, error="m")
    svg = code.svg_inline(scale=4, omitsize=True, dark="#000", light="#fff", title=label, svgclass="qr-code")
    return svg.replace("<svg ", '<svg role="img" ', 1)


def google_event_link(event: Event, show: Show) -> str:
    """Google Calendar's "create event" form, filled in; nothing is fetched until someone clicks."""
    when = event.when
    if isinstance(when, AllDay):
        dates = f"{when.first:%Y%m%d}/{when.last + timedelta(days=1):%Y%m%d}"
    else:
        assert isinstance(when, Timed)
        start, end = (t.astimezone(UTC) for t in (when.start, when.end))
        dates = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
    fields = {"action": "TEMPLATE", "text": summary(event, show), "dates": dates}
    details = description(event, show)
    if details:
        fields["details"] = details
    if event.location:
        fields["location"] = event.location
    return "https://calendar.google.com/calendar/render?" + urlencode(fields, quote_via=quote)


def when_text(event: Event) -> str:
    when = event.when
    if isinstance(when, AllDay):
        if when.first == when.last:
            return _day(when.first)
        return f"{_day(when.first)} to {_day(when.last)}"
    if isinstance(when, Timed):
        return f"{_day(when.start.date())}, {when.start:%H:%M} {when.start.tzname()} ({when.timezone})"
    return when.hint


def _day(day: date) -> str:
    return f"{day:%a} {day.day} {day:%B %Y}"


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
    def when(self) -> str:
        return when_text(self.event)

    @property
    def datetime(self) -> str:
        when = self.event.when
        if isinstance(when, Timed):
            return when.start.isoformat()
        return self.event.first_day.isoformat() if self.event.first_day else ""

    @property
    def ics(self) -> str:
        return self.root + event_path(self.event.show, self.event.id)

    @property
    def google(self) -> str:
        return google_event_link(self.event, self.show)

    @property
    def source(self) -> str:
        return event_url(self.event, self.show)


@dataclass(frozen=True)
class Month:
    year: int
    month: int
    weeks: list[list[tuple[date, list[EventView]]]]

    @property
    def name(self) -> str:
        return f"{calendar_module.month_name[self.month]} {self.year}"

    @property
    def anchor(self) -> str:
        return f"month-{self.year}-{self.month:02d}"


def months(views: list[EventView]) -> list[Month]:
    """A grid for every month with at least one date; multi-day events appear on each day."""
    by_day: dict[date, list[EventView]] = {}
    for view in views:
        first, last = view.event.first_day, view.event.last_day
        if isinstance(view.event.when, Timed):
            last = first
        day = first
        while day <= last:
            by_day.setdefault(day, []).append(view)
            day += timedelta(days=1)
    grid = calendar_module.Calendar(firstweekday=0)
    out = []
    for year, month in sorted({(d.year, d.month) for d in by_day}):
        weeks = [
            [(d, by_day.get(d, []) if d.month == month else []) for d in week]
            for week in grid.monthdatescalendar(year, month)
        ]
        out.append(Month(year, month, weeks))
    return out


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(kinds=KINDS, kind_labels=KIND_LABELS, reminders=REMINDERS, parameters=PARAMETERS)
    return env


def render(template: str, **context) -> bytes:
    return environment().get_template(template).render(**context).encode("utf-8")


def asset(name: str) -> bytes:
    return (TEMPLATES / "static" / name).read_bytes()


def index_page(feeds: Feeds, *, base: str, today: date | None) -> bytes:
    site = feeds.catalog.site
    shows = []
    for show in feeds.catalog.shows:
        events = feeds.by_show[show.slug]
        upcoming = next((e for e in events if today is not None and e.last_day >= today), None)
        shows.append(
            {
                "show": show,
                "page": show_path(show.slug),
                "next": EventView(upcoming, show, "") if upcoming else None,
                "dates": " ".join(f"{e.first_day}:{e.last_day}" for e in events) if today is None else "",
                "count": len(events),
                "tba": len(show.undated_events),
                "subscribe": subscribe(base, "", feed_path(show.slug), show.title),
            }
        )
    return render(
        "index.html",
        site=site,
        root="",
        shows=shows,
        all=subscribe(base, "", "all.ics", site.title),
        dynamic=today is not None,
        today=today,
        refresh=refresh_text(site.refresh),
        site_title=site.title,
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
) -> bytes:
    """A show's page; `options` is the feed the builder form last built (server only)."""
    root = "../"
    views = [EventView(e, show, root) for e in feeds.by_show[show.slug]]
    past = [v for v in views if today is not None and v.event.last_day < today]
    upcoming = [v for v in views if v not in past]
    feed = subscribe(base, root, feed_path(show.slug), show.title)
    query = options.query() if options is not None else {}
    built = subscribe(base, root, feed_path(show.slug), f"{show.title} (filtered)", query)
    return render(
        "show.html",
        site=feeds.catalog.site,
        root=root,
        show=show,
        upcoming=upcoming,
        past=past,
        tba=show.undated_events,
        months=months(views),
        feed=feed,
        qr=qr_svg(feed.webcal, f"QR code for subscribing to {show.title}") if feed.url else "",
        built=built,
        built_shown=bool(query),
        form=form or {},
        form_error=form_error,
        kind_choices=[k for k in (*KINDS, *KIND_GROUPS) if k in KIND_GROUPS or any(e.kind == k for e in show.events)],
        dynamic=today is not None,
        today=today,
        refresh=refresh_text(feeds.catalog.site.refresh),
        site_title=feeds.catalog.site.title,
    )


def error_page(status: int, title: str, message: str, *, site_title: str = "showcal") -> bytes:
    return render("error.html", root="/", status=status, title=title, message=message, site_title=site_title)


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
    out.update(sources=list(event.sources))
    if event.dated:
        out["ics"] = _link(base, event_path(event.show, event.id))
    return out


def _show_json(show: Show, feeds: Feeds, base: str) -> dict:
    events = feeds.by_show[show.slug]
    return {
        "slug": show.slug,
        "title": show.title,
        "network": show.network or None,
        "homepage": show.homepage or None,
        "description": show.description or None,
        "first": events[0].first_day.isoformat() if events else None,
        "last": max(e.last_day for e in events).isoformat() if events else None,
        "dated": len(events),
        "tba": len(show.undated_events),
        "page": _link(base, show_path(show.slug)),
        "feed": _link(base, feed_path(show.slug)),
        "api": _link(base, api_path(show.slug)),
    }


def _link(base: str, path: str) -> str:
    """Site-relative ("/shows/x.ics") unless the site's address is configured, so the bytes never depend on a host."""
    return f"{base.rstrip('/')}/{path}" if base else f"/{path}"


def api_shows(feeds: Feeds) -> bytes:
    base = feeds.catalog.site.url
    body = {"shows": [_show_json(show, feeds, base) for show in feeds.catalog.shows], "all": _link(base, "all.ics")}
    return _json(body)


def api_show(feeds: Feeds, show: Show) -> bytes:
    base = feeds.catalog.site.url
    body = _show_json(show, feeds, base)
    body["events"] = [_event_json(e, base) for e in (*feeds.by_show[show.slug], *show.undated_events)]
    return _json(body)


def _json(body: dict) -> bytes:
    return (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
