"""The Flask app through its test client: URLs, feed options, HTTP caching, pages, live reload."""

from __future__ import annotations

import gzip
import json
import os
import time
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.http import http_date

from showcal.cli import main
from showcal.feeds import Feeds
from showcal.web import create_app

SEVERANCE_UIDS = {"ccxp24-panel.severance@showcal", "s1-blu-ray.severance@showcal"} | {
    f"s02e{n:02d}.severance@showcal" for n in range(1, 11)
}
ANDOR_UIDS = {f"s02e{n:02d}.andor@showcal" for n in (1, 4, 7, 10)}


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of the document."""

    def __init__(self, html: str):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def by_id(self, ident: str) -> dict[str, str]:
        found = [attrs for _, attrs in self.tags if attrs.get("id") == ident]
        assert len(found) == 1, f"expected one element with id {ident!r}, found {len(found)}"
        return found[0]

    def with_class(self, name: str) -> list[dict[str, str]]:
        return [attrs for _, attrs in self.tags if name in attrs.get("class", "").split()]


def touch_later(path: Path, text: str) -> None:
    """Write and move the mtime forward, so a reload notices even within one clock tick."""
    before = path.stat().st_mtime
    path.write_text(text, encoding="utf-8")
    os.utime(path, (before + 2, before + 2))


# Feeds and their HTTP headers


def test_show_feed_headers_and_parsed_events(client, parse_feed):
    response = client.get("/shows/severance.ics")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"') and not etag.startswith("W/")
    assert response.last_modified is not None
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert "Content-Disposition" not in response.headers
    starts = parse_feed(response.data).starts
    assert set(starts) == SEVERANCE_UIDS
    assert starts["s02e01.severance@showcal"] == date(2025, 1, 17)
    assert starts["s02e10.severance@showcal"] == date(2025, 3, 21)
    assert starts["ccxp24-panel.severance@showcal"] == date(2024, 12, 7)


def test_conditional_requests_answer_304_without_body(client):
    first = client.get("/shows/severance.ics")
    by_etag = client.get("/shows/severance.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert by_etag.status_code == 304
    assert by_etag.data == b""
    assert by_etag.headers["ETag"] == first.headers["ETag"]
    by_date = client.get("/shows/severance.ics", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert by_date.status_code == 304
    assert by_date.data == b""
    stale = client.get("/shows/severance.ics", headers={"If-None-Match": '"not-this-one"'})
    assert stale.status_code == 200
    older = http_date(first.last_modified - timedelta(days=1))
    assert client.get("/shows/severance.ics", headers={"If-Modified-Since": older}).status_code == 200


def test_head_has_the_headers_and_no_body(client):
    get = client.get("/shows/severance.ics")
    head = client.head("/shows/severance.ics")
    assert head.status_code == 200
    assert head.data == b""
    for name in ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Content-Length"):
        assert head.headers[name] == get.headers[name]


def test_gzip_when_accepted_equals_the_plain_body(client):
    plain = client.get("/shows/severance.ics")
    zipped = client.get("/shows/severance.ics", headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert zipped.headers["ETag"] != plain.headers["ETag"]
    again = client.get(
        "/shows/severance.ics", headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]}
    )
    assert again.status_code == 304
    assert "Content-Encoding" not in client.get("/shows/severance.ics", headers={"Accept-Encoding": "br"}).headers


def test_download_link_alone_adds_an_attachment(client):
    response = client.get("/shows/severance.ics?download=1")
    assert response.headers["Content-Disposition"] == 'attachment; filename="severance.ics"'
    assert response.data == client.get("/shows/severance.ics").data


def test_combined_feed_and_single_event_share_uids(client, parse_feed):
    combined = parse_feed(client.get("/all.ics").data).starts
    assert set(combined) == SEVERANCE_UIDS | ANDOR_UIDS
    single = client.get("/shows/severance/s02e05.ics")
    assert single.status_code == 200
    assert single.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert parse_feed(single.data).starts == {"s02e05.severance@showcal": date(2025, 2, 14)}
    assert client.get("/shows/severance/s03-premiere.ics").status_code == 404  # undated: no fake date
    assert client.get("/shows/severance/s02e05.ics?kinds=premiere").status_code == 400


def test_bundle_feed_holds_both_shows(example_client, parse_feed):
    response = example_client.get("/bundles/another-example+the-example-show.ics")
    assert response.status_code == 200
    uids = set(parse_feed(response.data).starts)
    assert {u.split(".", 1)[1] for u in uids} == {"the-example-show@showcal", "another-example@showcal"}
    assert len(uids) == 6
    assert example_client.get("/bundles/the-example-show+nope.ics").status_code == 404
    assert example_client.get("/bundles/the-example-show+the-example-show.ics").status_code == 400
    landing = example_client.get(
        "/bundles?show=the-example-show&show=another-example", headers={"Host": "tv.example.test"}
    )
    assert landing.status_code == 200
    page = Elements(landing.get_data(as_text=True))
    assert page.by_id("subscribe-url")["value"] == "http://tv.example.test/bundles/the-example-show+another-example.ics"
    assert (
        page.by_id("subscribe-apple")["href"] == "webcal://tv.example.test/bundles/the-example-show+another-example.ics"
    )
    assert [a["href"] for t, a in page.tags if t == "a" and a.get("href", "").startswith("shows/")] == [
        "shows/the-example-show",
        "shows/another-example",
    ]
    assert example_client.get("/bundles?show=the-example-show").status_code == 400
    assert example_client.get("/bundles?show=the-example-show&show=nope").status_code == 404


# Feed options


def test_kinds_filter(client, parse_feed):
    starts = parse_feed(client.get("/shows/severance.ics?kinds=premiere,finale").data).starts
    assert set(starts) == {"s02e01.severance@showcal", "s02e10.severance@showcal"}
    releases = parse_feed(client.get("/shows/severance.ics?kinds=release").data).starts
    assert set(releases) == {"s1-blu-ray.severance@showcal"}


def test_all_day_takes_the_date_in_the_events_own_zone(example_client, parse_feed):
    uid = "s1-trailer.the-example-show@showcal"
    timed = parse_feed(example_client.get("/shows/the-example-show.ics").data).starts[uid]
    assert timed.astimezone(UTC) == datetime(2030, 6, 2, 6, 30, tzinfo=UTC)
    all_day = parse_feed(example_client.get("/shows/the-example-show.ics?all_day=1").data).starts[uid]
    assert all_day == date(2030, 6, 1)  # 23:30 in Los Angeles, already 2 June in UTC


def test_utc_writes_no_time_zones(example_client, parse_feed):
    parsed = parse_feed(example_client.get("/shows/the-example-show.ics?utc=1").data)
    start = parsed.starts["s1-trailer.the-example-show@showcal"]
    assert start == datetime(2030, 6, 2, 6, 30, tzinfo=UTC)
    assert start.utcoffset() == timedelta(0)
    assert parsed.calendar.walk("VTIMEZONE") == []
    assert parse_feed(example_client.get("/shows/the-example-show.ics").data).calendar.walk("VTIMEZONE")


def test_spoiler_free_and_reminder(example_client, parse_feed):
    normal = parse_feed(example_client.get("/shows/the-example-show.ics").data).calendar
    safe = parse_feed(example_client.get("/shows/the-example-show.ics?spoiler_free=1&reminder=1d").data).calendar
    titles = {str(e["UID"]): str(e["SUMMARY"]) for e in normal.walk("VEVENT")}
    safe_titles = {str(e["UID"]): str(e["SUMMARY"]) for e in safe.walk("VEVENT")}
    assert "Pilot" in titles["s01e01.the-example-show@showcal"]
    assert not any("Pilot" in t or "The Middle" in t for t in safe_titles.values())
    alarms = [a for e in safe.walk("VEVENT") for a in e.walk("VALARM")]
    assert len(alarms) == 4
    assert {a.decoded("TRIGGER") for a in alarms} == {timedelta(days=-1)}
    assert normal.walk("VALARM") == []


def test_window_leaves_out_old_and_far_events(example_client, parse_feed):
    everything = set(parse_feed(example_client.get("/shows/another-example.ics").data).starts)
    assert everything == {"con-panel.another-example@showcal", "old-special.another-example@showcal"}
    recent = set(parse_feed(example_client.get("/shows/another-example.ics?past=365").data).starts)
    assert recent == {"con-panel.another-example@showcal"}
    near = set(parse_feed(example_client.get("/shows/another-example.ics?future=30").data).starts)
    assert near == {"old-special.another-example@showcal"}


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("kinds=premieres", "kinds"),
        ("past=-3", "past"),
        ("future=soon", "future"),
        ("all_day=maybe", "all_day"),
        ("reminder=5y", "reminder"),
        ("colour=red", "colour"),
        ("past=1&past=2", "past"),
        ("download=yes", "download"),
    ],
)
def test_bad_options_get_a_400_naming_the_parameter(client, query, parameter):
    response = client.get(f"/shows/severance.ics?{query}")
    assert response.status_code == 400
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert f"'{parameter}'" in response.get_data(as_text=True)


def test_equal_options_share_one_rendering(client, monkeypatch):
    calls = []
    original = Feeds.show_feed

    def counting(self, *args, **kwargs):
        calls.append(args)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Feeds, "show_feed", counting)
    first = client.get("/shows/severance.ics?kinds=finale,premiere&utc=1")
    second = client.get("/shows/severance.ics?utc=true&kinds=premiere,finale")
    client.get("/shows/severance.ics?kinds=finale,premiere&utc=1", headers={"Accept-Encoding": "gzip"})
    assert first.data == second.data
    assert len(calls) == 1


# Errors and path tricks


def test_unknown_show_is_a_404_in_the_right_form(client, events_copy):
    feed = client.get("/shows/no-such-show.ics")
    assert feed.status_code == 404
    assert feed.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert "no-such-show" in feed.get_data(as_text=True)
    page = client.get("/shows/no-such-show")
    assert page.status_code == 404
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    api = client.get("/api/shows/no-such-show.json")
    assert api.status_code == 404
    assert api.json["status"] == 404
    for response in (feed, page, api):
        body = response.get_data(as_text=True)
        assert "Traceback" not in body
        assert str(events_copy.parent) not in body


@pytest.mark.parametrize(
    "path",
    [
        "/shows/%2e%2e/%2e%2e/pyproject.toml",
        "/shows/..%2f..%2fpyproject.toml",
        "/shows/%2E%2E%2Fevents.yaml",
        "/static/..%2fweb.py",
        "/static/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/static/../../events.yaml",
        "/shows/severance/..%2f..%2fevents.yaml",
        "/api/shows/..%2f..%2fevents.yaml.json",
        "/%2e%2e/events.yaml",
        "/events.yaml",
        "/templates/show.html",
    ],
)
def test_path_tricks_reach_no_file(client, path):
    response = client.get(path)
    assert response.status_code == 404
    body = response.get_data(as_text=True)
    assert "shows:" not in body and "[project]" not in body and "import " not in body
    assert "Traceback" not in body


def test_an_unexpected_error_says_nothing_of_the_server(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("/secret/path/in/a/message")

    monkeypatch.setattr("showcal.pages.catalogue_index", broken)
    response = client.get("/")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "/secret/path" not in body and "RuntimeError" not in body and "Traceback" not in body


# Pages


def test_show_page_subscribe_links(client):
    response = client.get("/shows/severance", headers={"Host": "tv.example.test"})
    assert response.status_code == 200
    page = Elements(response.get_data(as_text=True))
    feed = "http://tv.example.test/shows/severance.ics"
    assert page.by_id("subscribe-apple")["href"] == "webcal://tv.example.test/shows/severance.ics"
    google = urlsplit(page.by_id("subscribe-google")["href"])
    assert (google.scheme, google.netloc, google.path) == ("https", "calendar.google.com", "/calendar/render")
    assert parse_qs(google.query) == {"cid": ["webcal://tv.example.test/shows/severance.ics"]}
    outlook = urlsplit(page.by_id("subscribe-outlook")["href"])
    assert outlook.netloc == "outlook.live.com" and outlook.path == "/calendar/0/addfromweb"
    assert parse_qs(outlook.query) == {"url": [feed], "name": ["Severance"]}
    office = urlsplit(page.by_id("subscribe-office")["href"])
    assert office.netloc == "outlook.office.com" and office.path == "/calendar/0/addfromweb"
    assert parse_qs(office.query) == {"url": [feed], "name": ["Severance"]}
    # Without the script, the one Subscribe is the webcal address every calendar app on the device can open.
    assert page.by_id("subscribe-primary")["href"] == "webcal://tv.example.test/shows/severance.ics"
    assert page.by_id("subscribe-copy")["data-copy"] == feed
    assert page.by_id("subscribe-url")["value"] == feed
    assert page.by_id("subscribe-download")["href"] == "../shows/severance.ics?download=1"
    qr = page.by_id("qr")
    assert qr["data-qr-label"] == "QR code for subscribing to Severance" and "hidden" in qr, "the script draws it"
    for ident in ("upcoming", "past", "tba", "months", "feed-options", "help"):
        assert page.by_id(ident) is not None
    assert page.by_id("month-2025-01")
    events = page.with_class("event")
    assert {e["data-uid"] for e in events if "data-uid" in e} == SEVERANCE_UIDS
    google_event = urlsplit(page.with_class("event-google")[0]["href"])
    assert parse_qs(google_event.query)["action"] == ["TEMPLATE"]


def test_pages_load_nothing_from_another_host(client):
    for path in ("/", "/shows/severance"):
        response = client.get(path)
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        page = Elements(response.get_data(as_text=True))
        loaded = [a.get("src") or a.get("href") for t, a in page.tags if t in ("script", "link", "img", "iframe")]
        assert loaded and all(not urlsplit(u).netloc and not urlsplit(u).scheme for u in loaded)
        for url in loaded:
            assert client.get(urlsplit(url).path.replace("../", "/")).status_code == 200


def test_index_lists_every_show_by_title_with_next_date_and_one_subscribe(example_client):
    page = Elements(example_client.get("/", headers={"Host": "tv.example.test"}).get_data(as_text=True))
    rows = page.with_class("show-row")
    assert [a["data-slug"] for a in rows] == ["another-example", "the-example-show"]
    subscribes = page.with_class("subscribe-row")
    assert [a["href"] for a in subscribes] == [
        "webcal://tv.example.test/shows/another-example.ics",
        "webcal://tv.example.test/shows/the-example-show.ics",
    ]
    assert page.by_id("subscribe-all-primary")["href"] == "webcal://tv.example.test/all.ics"
    times = [a["datetime"] for t, a in page.tags if t == "time"]
    assert times == ["2030-07-24", "2030-06-01T23:30:00-07:00"]
    assert page.by_id("bundle-form")["action"] == "bundles"
    assert len([a for t, a in page.tags if t == "input" and a.get("form") == "bundle-form"]) == 2


def test_feed_options_form_without_script_lands_on_the_subscribe_it_built(client):
    response = client.get("/shows/severance?kinds=premiere&kinds=finale&past=&future=&reminder=2h")
    assert response.status_code == 200
    page = Elements(response.get_data(as_text=True))
    url = urlsplit(page.by_id("subscribe-url")["value"])
    assert url.path == "/shows/severance.ics"
    assert parse_qs(url.query) == {"kinds": ["premiere,finale"], "reminder": ["2h"]}
    assert urlsplit(page.by_id("subscribe-primary")["href"]).scheme == "webcal"
    assert parse_qs(urlsplit(page.by_id("subscribe-primary")["href"]).query) == parse_qs(url.query)
    assert page.by_id("feed-options")["action"] == "severance#subscribe-section"
    assert "hidden" not in page.by_id("options-applied")
    bad = client.get("/shows/severance?reminder=soon")
    assert bad.status_code == 400
    assert "'reminder'" in Elements(bad.get_data(as_text=True)).text.__str__()


def test_api(client):
    shows = client.get("/api/shows.json")
    assert shows.headers["Content-Type"] == "application/json"
    assert [s["slug"] for s in shows.json["shows"]] == ["severance", "andor"]
    detail = client.get("/api/shows/severance.json").json
    dated = {e["uid"]: e["date"] for e in detail["events"] if e.get("uid")}
    assert dated["s02e01.severance@showcal"] == "2025-01-17"
    assert [e["tba"] for e in detail["events"] if "tba" in e] == ["Season 3 is expected; no date announced yet"]
    assert client.get(detail["feed"]).status_code == 200
    assert all(client.get(e["ics"]).status_code == 200 for e in detail["events"] if "ics" in e)


# The static build serves the same bytes


def test_build_writes_the_served_bytes(client, runner, events_copy, tmp_path):
    out = tmp_path / "site"
    result = runner.invoke(main, ["build", str(events_copy), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and ".showcal" not in p.parts}
    assert {"index.html", "shows/severance.html", "shows/severance.ics", "all.ics", "api/shows.json"} <= files
    for rel in sorted(files):
        if rel.endswith(".html"):
            url = "/" if rel == "index.html" else "/" + rel.removesuffix(".html")
            assert client.get(url).status_code == 200
            continue
        served = client.get("/" + rel)
        assert served.status_code == 200, rel
        assert served.data == (out / rel).read_bytes(), rel


def test_static_pages_use_relative_links_and_show_no_curator_notes(runner, events_copy, tmp_path):
    out = tmp_path / "site"
    runner.invoke(main, ["build", str(events_copy), "--out", str(out), "--quiet"])
    html = (out / "shows/severance.html").read_text(encoding="utf-8")
    page = Elements(html)
    assert page.by_id("subscribe")["data-feed"] == "../shows/severance.ics"
    # The QR code is drawn by the page's script from the page's own address; no server for options, and
    # nothing is said to visitors about either.
    assert "hidden" in page.by_id("qr")
    assert [a for t, a in page.tags if t == "form" and a.get("id") == "feed-options"] == []
    assert "site.url" not in html and "showcal server" not in html
    first = (out / "index.html").read_bytes()
    runner.invoke(main, ["build", str(events_copy), "--out", str(out), "--quiet"])
    assert (out / "index.html").read_bytes() == first


# Live data


def test_edit_is_served_and_advances_sequence(runner, events_copy, parse_feed):
    """With a published build beside the data, an edit served live continues the record's revisions."""
    assert runner.invoke(main, ["build", str(events_copy), "--quiet"]).exit_code == 0
    client = create_app({"TESTING": True, "DATA": str(events_copy), "RELOAD_INTERVAL": 0}).test_client()
    before = parse_feed(client.get("/shows/severance.ics").data).calendar
    assert client.get("/shows/severance.ics").data == (events_copy.parent / "feeds/shows/severance.ics").read_bytes()
    touch_later(events_copy, events_copy.read_text().replace("date: 2024-12-17", "date: 2024-12-18"))
    after = parse_feed(client.get("/shows/severance.ics").data).calendar
    old = {str(e["UID"]): e for e in before.walk("VEVENT")}
    new = {str(e["UID"]): e for e in after.walk("VEVENT")}
    moved = "s1-blu-ray.severance@showcal"
    assert new[moved].decoded("DTSTART") == date(2024, 12, 18)
    assert new[moved].decoded("SEQUENCE") == old[moved].decoded("SEQUENCE") + 1
    kept = "s02e01.severance@showcal"
    assert new[kept].to_ical() == old[kept].to_ical()


def test_invalid_edit_keeps_serving_and_fails_healthz(client, events_copy, caplog):
    good_text = events_copy.read_text()
    feed = client.get("/shows/severance.ics").data
    assert client.get("/healthz").status_code == 200
    touch_later(events_copy, good_text.replace("date: 2024-12-17", "date: 2024-12-32"))
    health = client.get("/healthz")
    assert health.status_code == 503
    problems = health.json["problems"]
    assert len(problems) == 1 and problems[0].startswith("events.yaml:")
    line, column = problems[0].split(":")[1:3]
    assert int(line) > 0 and int(column) > 0
    assert str(events_copy.parent) not in health.get_data(as_text=True)
    assert any("2024-12-32" in r.getMessage() for r in caplog.records)
    assert client.get("/shows/severance.ics").data == feed
    touch_later(events_copy, good_text.replace("date: 2024-12-17", "date: 2024-12-19"))
    assert client.get("/healthz").status_code == 200
    assert client.get("/shows/severance.ics").data != feed


def test_reload_is_throttled(events_copy):
    from showcal.web import create_app

    app = create_app({"DATA": str(events_copy), "RELOAD_INTERVAL": 60})
    client = app.test_client()
    feed = client.get("/shows/severance.ics").data
    touch_later(events_copy, events_copy.read_text().replace("date: 2024-12-17", "date: 2024-12-18"))
    started = time.monotonic()
    assert client.get("/shows/severance.ics").data == feed
    assert time.monotonic() - started < 1


# Configuration and the command line


def test_config_from_environment(monkeypatch, example_copy):
    from showcal.web import create_app

    monkeypatch.setenv("SHOWCAL_DATA", str(example_copy))
    monkeypatch.setenv("SHOWCAL_MAX_AGE", "60")
    client = create_app().test_client()
    response = client.get("/shows/the-example-show.ics")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=60"


def test_serve_help_and_get(runner, events_copy):
    help_text = runner.invoke(main, ["serve", "--help"])
    assert help_text.exit_code == 0
    assert "--port" in help_text.output and "gunicorn" in help_text.output
    got = runner.invoke(main, ["serve", str(events_copy), "--get", "/api/shows.json"])
    assert got.exit_code == 0
    assert json.loads(got.output)["shows"][0]["slug"] == "severance"


def test_serve_refuses_invalid_data(runner, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("shows:\n  - slug: Bad Slug\n    title: x\n", encoding="utf-8")
    result = runner.invoke(main, ["serve", str(bad), "--get", "/"])
    assert result.exit_code == 1
    assert f"{bad}:2:" in result.output


def test_a_refused_form_is_shown_back_as_typed_each_time(client):
    """Two requests refused for the same reason must not share one cached page."""

    def ticked(query: str) -> set[str]:
        page = Elements(client.get(f"/shows/severance?{query}").get_data(as_text=True))
        return {a["value"] for t, a in page.tags if t == "input" and a.get("name") == "kinds" and "checked" in a}

    assert ticked("kinds=premiere&reminder=soon") == {"premiere"}
    assert ticked("kinds=finale&reminder=soon") == {"finale"}


def test_polls_answered_before_flask_are_the_answers_flask_gives(tmp_path, events_copy):
    """The fast path for unchanged feeds (answers.CachedPolls) sends exactly what the views would."""
    config = {"TESTING": True, "DATA": str(events_copy), "RELOAD_INTERVAL": 3600}
    for path in ("/shows/severance.ics", "/all.ics", "/shows/severance/s02e01.ics"):
        for headers in ({}, {"Accept-Encoding": "gzip, deflate"}, {"Accept-Encoding": "gzip;q=0"}):
            client = create_app(config).test_client()
            by_flask = client.get(path, headers=headers)  # the first answer is made by the view...
            fast = client.get(path, headers=headers)  # ...and cached: the second comes from the fast path
            assert (fast.status_code, fast.data) == (by_flask.status_code, by_flask.data)
            assert sorted(fast.headers.items()) == sorted(by_flask.headers.items())
            condition = {**headers, "If-None-Match": by_flask.headers["ETag"]}
            fresh = create_app(config).test_client()
            flask_304 = fresh.get(path, headers=condition)
            fresh.get(path, headers=headers)
            fast_304 = fresh.get(path, headers=condition)
            assert flask_304.status_code == fast_304.status_code == 304
            assert sorted(fast_304.headers.items()) == sorted(flask_304.headers.items())
            assert client.head(path, headers=headers).data == b""
