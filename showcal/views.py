"""Every URL the server answers, as a lookup of bytes the current data version already holds.

A view parses what the subscriber asked for, names a cache key, and hands
back a `Rendered`: rendering happens the first time a key is asked for in a
data version, never again until the data changes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import UTC, date, datetime

from flask import Blueprint, Response, abort, current_app, jsonify, request
from werkzeug.datastructures import MultiDict
from werkzeug.routing import BaseConverter

from . import changes, pages
from .answers import HTML, answer
from .errors import Problem, printable
from .feeds import Feeds
from .live import LiveData, Rendered, Version
from .model import Show, event_uid
from .options import FeedOptions, OptionError, parse_options

bp = Blueprint("views", __name__)

CALENDAR = "text/calendar; charset=utf-8"
JSON = "application/json"
SLUG = r"[a-z0-9]+(?:-[a-z0-9]+)*"


class SlugConverter(BaseConverter):
    """Only what validation allows in a slug or id: no dots, slashes or escapes ever reach a view."""

    regex = SLUG


class BundleConverter(BaseConverter):
    """Two or more slugs joined by '+', in the subscriber's order."""

    regex = rf"{SLUG}(?:\+{SLUG})+"

    def to_python(self, value: str) -> list[str]:
        return value.split("+")

    def to_url(self, value: list[str]) -> str:
        return "+".join(value)


def live() -> LiveData:
    return current_app.extensions["showcal"]


def version() -> Version:
    return live().current()


def today() -> date:
    return datetime.now(UTC).date()


def base_url(ver: Version) -> str:
    """The site's configured address, else the one this request came in on."""
    return ver.site.url or request.url_root


def send(entry: Rendered, *, max_age: int | None = None, download: str = "") -> Response:
    """Bytes with their validators (see answers.py); werkzeug drops the body of a HEAD."""
    age = current_app.config["MAX_AGE"] if max_age is None else max_age
    status, headers, body = answer(entry, request.environ, max_age=age, download=download)
    return Response(body if status == 200 else None, status=status, headers=headers)


def query_args(args: MultiDict, *, form: bool = False) -> tuple[dict[str, str], bool]:
    """Query parameters as one value each, and whether a download was asked for.

    `kinds` may be repeated (a form's checkboxes) and is joined; any other
    repeat is refused. A form leaves unfilled fields empty; only then is an
    empty value the same as a missing one.
    """
    out: dict[str, str] = {}
    for name in args:
        values = [v for v in args.getlist(name) if v or not form]
        if not values:
            continue
        if name == "kinds":
            out[name] = ",".join(values)
        elif len(values) > 1:
            raise OptionError(printable(name[:40]), "is given more than once")
        else:
            out[name] = values[0]
    download = out.pop("download", "0")
    if download not in ("0", "1"):
        raise OptionError("download", f"'{printable(download[:40])}' is not 1 or 0")
    return out, download == "1"


def feed_options() -> tuple[FeedOptions, bool]:
    try:
        args, download = query_args(request.args)
        return parse_options(args), download
    except OptionError as error:
        abort(400, str(error))


def send_feed(ver: Version, scope: Hashable, make: Callable[[FeedOptions, date], bytes], filename: str) -> Response:
    """A feed for the options asked: equal options share one cached body per data version and day."""
    options, download = feed_options()
    day = today()
    key = ("feed", scope, tuple(sorted(options.query().items())), day)
    entry = ver.rendered(key, lambda: (make(options, day), CALENDAR))
    return send(entry, download=filename if download else "")


def find_model(ver: Version, slug: str) -> tuple[Show, Feeds]:
    found = ver.model(slug)
    if found is None:
        abort(404, f"No show called '{slug}'.")
    return found


def shown_problems() -> tuple[Problem, ...]:
    """The problems of the data on disk, if this server shows them on its pages (SHOW_PROBLEMS)."""
    if not current_app.config["SHOW_PROBLEMS"]:
        return ()
    data = live()
    data.current()  # an error page may be the first to ask
    return data.problems


def send_page(ver: Version, key: tuple, make: Callable[[tuple[Problem, ...]], bytes]) -> Response:
    """A page, cached per data version and per problems shown above it.

    A server that shows the problems of the data on disk asks browsers and proxies to check every page again
    (`no-cache`; an unchanged one costs a 304), so that the banner comes and goes with the file.
    """
    problems = shown_problems()
    entry = ver.rendered((*key, problems), lambda: (make(problems), HTML))
    response = send(entry, max_age=current_app.config["PAGE_MAX_AGE"])
    if current_app.config["SHOW_PROBLEMS"]:
        response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/")
def index() -> Response:
    ver = version()
    base, day = base_url(ver), today()

    def make(problems: tuple[Problem, ...]) -> bytes:
        upcoming = ver.upcoming()
        return pages.catalogue_index(ver.site, ver.listing, base=base, today=day, upcoming=upcoming, problems=problems)

    return send_page(ver, ("index", base, day), make)


@bp.get("/browse/<int:number>")
def browse_page(number: int) -> Response:
    ver = version()
    if not 1 <= number <= ver.listing.pages:
        abort(404, f"No page {number} of shows.")
    base, day = base_url(ver), today()

    def make(problems: tuple[Problem, ...]) -> bytes:
        upcoming = ver.upcoming("../")
        return pages.catalogue_page(
            ver.site, ver.listing, number, base=base, today=day, upcoming=upcoming, problems=problems
        )

    return send_page(ver, ("browse", number, base, day), make)


@bp.get("/search.json")
def search_index() -> Response:
    """The catalogue the index page's script searches; public, like the API."""
    ver = version()
    return public(send(ver.rendered(("search",), lambda: (pages.search_index(ver.listing), JSON))))


@bp.get("/shows/<slug:slug>")
def show_page(slug: str) -> Response:
    ver = version()
    show, feeds = find_model(ver, slug)
    base, day = base_url(ver), today()
    try:
        form, _ = query_args(request.args, form=True)
        options, error = parse_options(form), ""
    except OptionError as problem:
        form, options, error = dict(request.args), None, str(problem)
    # A refused form is shown back as typed, so what was typed is part of the key.
    canonical = tuple(sorted(options.query().items())) if options else ("error", error, tuple(sorted(form.items())))
    key = ("show", slug, base, day, canonical)
    form_values = dict(options.query()) if options else form

    def make(problems: tuple[Problem, ...]) -> bytes:
        return pages.show_page(
            feeds, show, base=base, today=day, options=options, form=form_values, form_error=error, problems=problems
        )

    response = send_page(ver, key, make)
    if error and response.status_code == 200:
        response.status_code = 400
    return response


def default_file(ver: Version, rel: str, mimetype: str) -> Rendered | None:
    """A file as a build writes it (the default options): from memory, else from the build where it stands."""
    if request.args:
        return None
    hit = ver.cached(("file", rel))
    if hit is not None:
        return hit
    data = ver.file(rel)
    return ver.rendered(("file", rel), lambda: (data, mimetype)) if data is not None else None


@bp.get("/shows/<slug:slug>.ics")
def show_feed(slug: str) -> Response:
    ver = version()
    if slug in ver.retired:
        # Published once, gone now: an empty calendar, so subscribed calendars clear its events.
        return send_feed(ver, slug, lambda o, d: ver.retired_feed(slug, o), f"{slug}.ics")
    if slug not in ver.shows:
        abort(404, f"No show called '{slug}'.")
    plain = default_file(ver, f"shows/{slug}.ics", CALENDAR)
    if plain is not None:
        return send(plain)
    show, feeds = find_model(ver, slug)
    return send_feed(ver, slug, lambda o, d: feeds.show_feed(show, o, today=d), f"{slug}.ics")


@bp.get("/all.ics")
def all_feed() -> Response:
    ver = version()
    return send_feed(ver, "all", lambda o, d: ver.combined_feed(o, d), "all.ics")


@bp.get("/bundles/<bundle:slugs>.ics")
def bundle_feed(slugs: list[str]) -> Response:
    ver = version()
    if len(set(slugs)) != len(slugs):
        abort(400, "A bundle names each show once.")
    shows = [find_model(ver, slug)[0] for slug in slugs]
    feeds = ver.feeds_of(slugs)
    path = f"bundles/{'+'.join(slugs)}.ics"
    return send_feed(ver, tuple(slugs), lambda o, d: feeds.bundle(shows, o, path=path, today=d), "bundle.ics")


@bp.get("/bundles")
def bundle_page() -> Response:
    """Where the bundle form lands, with or without its script: the chosen shows and one Subscribe for them all."""
    slugs = list(dict.fromkeys(s for s in request.args.getlist("show") if s))
    if len(slugs) < 2:
        abort(400, "Choose two or more shows for a bundle.")
    ver = version()
    shows = [find_model(ver, slug)[0] for slug in slugs]
    base, day = base_url(ver), today()

    def make(problems: tuple[Problem, ...]) -> bytes:
        return pages.bundle_page(ver.feeds_of(slugs), shows, base=base, today=day, problems=problems)

    return send_page(ver, ("bundle", tuple(slugs), base, day), make)


@bp.get("/shows/<slug:slug>/<slug:event_id>.ics")
def event_feed(slug: str, event_id: str) -> Response:
    ver = version()
    if slug not in ver.shows:
        abort(404, f"No show called '{slug}'.")
    options, download = feed_options()
    for name in ("kinds", "past", "future"):
        if getattr(options, name) is not None:
            abort(400, f"'{name}': applies to feeds, not to a single event")
    rel = f"shows/{slug}/{event_id}.ics"
    plain = default_file(ver, rel, CALENDAR) if not download else None
    if plain is None:
        _, feeds = find_model(ver, slug)
        event = feeds.by_uid.get(event_uid(slug, event_id))
        if event is None:
            abort(404, f"No dated event '{event_id}' in '{slug}'.")
        key = ("event", event.uid, tuple(sorted(options.query().items())))
        plain = ver.rendered(key, lambda: (feeds.single(event, options.variant), CALENDAR))
    return send(plain, download=f"{event_id}.ics" if download else "")


ATOM = "application/atom+xml; charset=utf-8"


@bp.get("/changes.atom")
def site_changes() -> Response:
    ver = version()
    site = ver.site
    entry = ver.rendered(("changes",), lambda: (changes.site_changes(ver.changes, site.title, base=site.url), ATOM))
    return send(entry)


@bp.get("/shows/<slug:slug>.atom")
def show_changes(slug: str) -> Response:
    ver = version()
    record = ver.record(slug)
    if record is None:
        abort(404, f"No show called '{slug}'.")
    base = ver.site.url
    return send(ver.rendered(("changes", slug), lambda: (changes.show_changes(record, base=base), ATOM)))


def public(response: Response) -> Response:
    """Public, read-only data: any site's script may read it."""
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/api/shows.json")
def api_shows() -> Response:
    ver = version()
    return public(send(ver.rendered(("api",), lambda: (pages.api_list(ver.site, ver.summaries), JSON))))


@bp.get("/api/shows/<slug:slug>.json")
def api_show(slug: str) -> Response:
    ver = version()
    if slug not in ver.shows:
        abort(404, f"No show called '{slug}'.")
    plain = default_file(ver, pages.api_path(slug), JSON)
    if plain is None:
        show, feeds = find_model(ver, slug)
        plain = ver.rendered(("api", slug), lambda: (pages.api_show(feeds, show), JSON))
    return public(send(plain))


@bp.get("/static/<name>")
def asset(name: str) -> Response:
    if name not in pages.ASSETS:
        abort(404, "No such file.")
    ver = version()
    entry = ver.rendered(("static", name), lambda: (pages.asset(name), pages.ASSETS[name]))
    return send(entry)


@bp.get("/favicon.ico")
@bp.get("/apple-touch-icon.png")
def root_asset() -> Response:
    """The icons browsers and phones ask the site's root for, whatever the page says."""
    name = request.path.lstrip("/")
    ver = version()
    return send(ver.rendered(("static", name), lambda: (pages.asset(name), pages.ROOT_ASSETS[name])))


@bp.get("/healthz")
def healthz() -> Response:
    """200 while the data on disk is what is served; 503 with the problems while an edit is invalid."""
    data = live()
    ver = data.current()
    body = {
        "status": "error" if data.problems else "ok",
        "data_modified": ver.modified.isoformat(),
        "shows": len(ver.shows),
        "dated_events": ver.dated,
    }
    if data.problems:
        body["problems"] = [str(p) for p in data.problems]
        body["serving"] = "the last valid data"
    response = jsonify(body)
    response.status_code = 503 if data.problems else 200
    response.cache_control.no_store = True
    return response
