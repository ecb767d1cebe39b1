"""Generated catalogues: whatever the data, a Catalog or a DataError; whatever is accepted renders; schema agrees.

Values are drawn from pools that mix the ordinary with the edges: the
first and last supported days and beyond, far-off zones, legacy zone
names, skipped hours, zero and enormous lengths, counts past the limits,
text with control characters.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import jsonschema
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yaml12 import load

from showcal import catalogue as catalogue_module
from showcal.errors import DataError
from showcal.feeds import Feeds
from showcal.model import KINDS, STATUSES
from showcal.options import FeedOptions, Variant
from showcal.schema import schema
from showcal.validate import load_catalog

VALIDATOR = jsonschema.Draft7Validator(schema())
VARIANTS = (
    Variant(),
    Variant(all_day=True),
    Variant(utc=True),
    Variant(spoiler_free=True),
    Variant(reminder=timedelta(weeks=4)),
)
PROPERTY = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

ZONES = ["UTC", "America/New_York", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Kathmandu", "Europe/London",
         "Australia/Lord_Howe", "America/Santiago", "Africa/Casablanca"]  # fmt: skip
ODD_ZONES = ["EST", "Etc/GMT+5", "PST8PDT", "Mars/Olympus", "localtime", "utc"]
YEARS = [1899, 1900, 1901, 1970, 2025, 2037, 2038, 2199, 2200, 2201, 9999]
TIMES = ["00:00", "00:30", "02:30", "12:00", "21:00", "23:59"]


def sometimes(ordinary: st.SearchStrategy, odd: st.SearchStrategy) -> st.SearchStrategy:
    """Mostly ordinary values, an odd one in about one draw of five: most catalogues stay acceptable."""
    return st.sampled_from([False, False, False, False, True]).flatmap(lambda pick: odd if pick else ordinary)


def dates(edge: bool) -> st.SearchStrategy[str]:
    ordinary = st.dates(date(1950, 1, 1), date(2150, 12, 31)).map(date.isoformat)
    if not edge:
        return ordinary
    day = st.tuples(st.sampled_from(YEARS), st.integers(1, 12), st.integers(1, 31))
    odd = day.map(lambda d: f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}")
    boundary = st.sampled_from(["1900-01-01", "2200-12-31", "2200-12-30", "1900-01-02"])
    return sometimes(ordinary, st.one_of(odd, boundary, st.sampled_from(["2025-02-30", "0001-01-01", "17/01/2025"])))


def times(edge: bool) -> st.SearchStrategy[str]:
    ordinary = st.sampled_from(["12:00", "18:30", "20:00"])
    clock = sometimes(ordinary, st.sampled_from(TIMES)) if edge else ordinary
    return st.tuples(dates(edge), clock).map(lambda p: f"{p[0]}T{p[1]}")


def spans(edge: bool) -> st.SearchStrategy[str]:
    good = st.sampled_from(["30m", "45m", "1h", "1h30m", "2h", "1d"])
    odd = st.sampled_from(["0m", "366d", "367d", "99999999999d", "8784h", "a while"])
    return sometimes(good, odd) if edge else good


def texts(edge: bool) -> st.SearchStrategy[str]:
    plain = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Zl", "Zp"]), min_size=1, max_size=20)
    plain = plain.filter(lambda t: t.strip())
    return sometimes(plain, st.one_of(st.text(max_size=8), st.just("x" * 501))) if edge else plain


def zones(edge: bool) -> st.SearchStrategy[str]:
    return sometimes(st.sampled_from(ZONES), st.sampled_from(ODD_ZONES)) if edge else st.sampled_from(ZONES)


@st.composite
def event(draw, index: int, edge: bool) -> dict:
    out = {"id": f"e{index}", "title": draw(texts(edge)), "kind": draw(st.sampled_from(KINDS))}
    which = draw(st.sampled_from(["date", "start", "tba"]))
    if which == "date":
        out["date"] = draw(dates(edge))
        if edge:
            if draw(st.booleans()):
                out["until"] = draw(dates(edge))
        elif draw(st.booleans()):
            last = date.fromisoformat(out["date"]) + timedelta(days=draw(st.integers(0, 30)))
            out["until"] = last.isoformat()
    elif which == "start":
        out["start"] = draw(times(edge))
        out["timezone"] = draw(zones(edge))
        if draw(st.booleans()):
            out["duration"] = draw(spans(edge))
    else:
        out["tba"] = draw(st.one_of(st.just(True), texts(edge)))
    if draw(st.booleans()):
        out["status"] = draw(st.sampled_from(STATUSES))
    if draw(st.booleans()):
        out["season"], out["episode"] = draw(st.integers(0, 30)), draw(st.integers(0, 10**6 if edge else 99))
    return out


@st.composite
def run(draw, index: int, edge: bool) -> dict:
    count = draw(sometimes(st.integers(1, 30), st.sampled_from([1000, 1001])) if edge else st.integers(1, 30))
    out = {"run": f"r{index}", "count": count, "season": draw(st.integers(1, 9))}
    style = draw(st.sampled_from(["every", "binge", "dates"]))
    timed = draw(st.booleans())
    if style == "dates":
        size = min(count, 12)
        entries = draw(st.lists(st.one_of(dates(edge), times(edge)), min_size=size, max_size=size))
        out["count"] = len(entries) if not edge else count
        out["dates"] = entries
        if any("T" in e for e in entries) or edge:
            out["timezone"] = draw(st.sampled_from(ZONES))
    else:
        out["start" if timed else "date"] = draw(times(edge) if timed else dates(edge))
        if timed:
            out["timezone"] = draw(zones(edge))
        if style == "binge":
            out["binge"] = True
        else:
            every = st.sampled_from(["weekly", "daily", "2 weeks", "3 days"])
            odd = st.sampled_from(["0 days", "52 weeks", "53 weeks"])
            out["every"] = draw(sometimes(every, odd) if edge else every)
            out["per_release"] = draw(st.integers(1, max(1, count + (1 if edge else 0))))
    if draw(st.booleans()):
        out["titles"] = draw(st.lists(texts(edge), max_size=min(out["count"], 15)))
    out["premiere"], out["finale"] = draw(st.booleans()), draw(st.booleans())
    return out


@st.composite
def catalogue(draw, edge: bool) -> dict:
    shows = []
    for number in range(draw(st.integers(1, 3))):
        entries = [
            draw(run(i, edge)) if draw(st.booleans()) else draw(event(i, edge)) for i in range(draw(st.integers(0, 5)))
        ]
        shows.append({"slug": f"show-{number}", "title": draw(texts(edge)), "events": entries})
    data = {"shows": shows}
    if draw(st.booleans()):
        data["site"] = {"title": "Example listings", "timezone": draw(st.sampled_from(ZONES))}
    return data


def write(tmp_path, data: dict) -> str:
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)
    (tmp_path / "events.yaml").write_text(text, encoding="utf-8")
    return text


def renders(catalog) -> None:
    feeds = Feeds(catalog)
    for variant in VARIANTS:
        options = FeedOptions(variant=variant)
        feeds.combined(options)
        for show in catalog.shows:
            feeds.show_feed(show, options)


@PROPERTY
@given(data=catalogue(edge=True))
def test_any_catalogue_ends_in_a_catalog_or_a_data_error_and_renders(tmp_path, data):
    text = write(tmp_path, data)
    try:
        catalog = load_catalog(tmp_path / "events.yaml")
    except DataError as error:
        assert error.problems, "a DataError always says what is wrong"
        return
    renders(catalog)
    assert list(VALIDATOR.iter_errors(load(text))) == [], "the schema refuses what the checker accepts"


@PROPERTY
@given(data=catalogue(edge=False))
def test_ordinary_catalogues_are_accepted_render_and_pass_the_schema(tmp_path, data):
    text = write(tmp_path, data)
    renders(load_catalog(tmp_path / "events.yaml"))
    assert list(VALIDATOR.iter_errors(load(text))) == []


def _mappings(data: dict) -> list[tuple[dict, str]]:
    """Every mapping of a catalogue with its shape's name."""
    found = [(data, "file")]
    if "site" in data:
        found.append((data["site"], "site"))
    for show in data["shows"]:
        found.append((show, "show"))
        for entry in show["events"]:
            found.append((entry, "run" if "run" in entry else "event"))
    return found


REQUIRED = {"show": ("slug", "title"), "event": ("id", "title"), "run": ("run", "count")}


@PROPERTY
@given(data=catalogue(edge=False), mistake=st.sampled_from(["unknown key", "unknown kind", "missing", "wrong type"]),
       seed=st.integers(0, 2**32))  # fmt: skip
def test_structural_mistakes_are_refused_by_checker_and_schema(tmp_path, data, mistake, seed):
    chosen = random.Random(seed)
    mappings = _mappings(data)
    target, shape = chosen.choice(mappings)
    if mistake == "unknown key":
        target["zzz_unknown"] = 1
    elif mistake == "unknown kind" and any(s in ("event", "run") for _, s in mappings):
        target = chosen.choice([m for m, s in mappings if s in ("event", "run")])
        target["kind"] = "not-a-kind"
    elif mistake == "missing" and any(s in REQUIRED for _, s in mappings):
        target, shape = chosen.choice([(m, s) for m, s in mappings if s in REQUIRED])
        del target[chosen.choice(REQUIRED[shape])]
    else:
        key = chosen.choice(sorted(target))
        target[key] = {"a": [1]} if isinstance(target[key], list) else [target[key]]
    text = write(tmp_path, data)
    try:
        load_catalog(tmp_path / "events.yaml")
        raise AssertionError(f"the checker accepts a {mistake}")
    except DataError:
        pass
    assert list(VALIDATOR.iter_errors(load(text))), f"the schema accepts a {mistake}"


def write_folder(folder, data: dict, split: int, flow: bool) -> None:
    """The catalogue as a folder of two files, the site settings in the first, shows split at `split`."""
    folder.mkdir(exist_ok=True)
    head = {k: v for k, v in data.items() if k != "shows"}
    parts = [{**head, "shows": data["shows"][:split]}, {"shows": data["shows"][split:]}]
    for number, part in enumerate(parts):
        text = yaml.safe_dump(part, allow_unicode=True, sort_keys=False, width=10**6, default_flow_style=flow)
        (folder / f"{number}.yaml").write_text(text, encoding="utf-8")


def outcome(load_with, folder) -> tuple:
    try:
        return ("catalog", load_with(folder))
    except DataError as error:
        return ("problems", sorted(str(p) for p in error.problems))


@PROPERTY
@given(data=st.booleans().flatmap(lambda edge: catalogue(edge=edge)), split=st.integers(0, 3),
       flow=st.sampled_from([False, False, True]),
       twice=st.booleans())  # fmt: skip
def test_checking_show_by_show_finds_what_checking_whole_files_finds(tmp_path, data, split, flow, twice):
    """`showcal validate` and `build` cut files into shows and check each apart (on every core); a curator
    must get the same catalogue, or the same problems at the same places, as from reading each file whole."""
    if twice and data["shows"]:
        data["shows"].append(dict(data["shows"][0]))  # the same slug in the second file
    write_folder(tmp_path / "data", data, split, flow)
    whole = outcome(load_catalog, tmp_path / "data")
    pieces = outcome(catalogue_module.load, tmp_path / "data")
    assert pieces == whole
    if whole[0] == "catalog":
        counts = catalogue_module.check(tmp_path / "data")
        assert (counts.shows, counts.dated) == (len(whole[1].shows), sum(len(s.dated_events) for s in whole[1].shows))
