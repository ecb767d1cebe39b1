"""From YAML nodes to a Catalog, collecting every problem on the way.

The engine walks each mapping with its shape from `rules.py` (which keys it
may hold, what each holds, the rules between them); the functions below add
what a table cannot say: when an event happens, and how a run's releases
fall. Each check records a Problem and carries on, so a curator sees every
mistake of a run at once instead of one per run.

Entry points, each usable on its own:

- `check_site(node, file=...)`: the site settings.
- `check_show(node, file=..., path=..., site=...)`: one show, alone. Shows
  depend on nothing but the site settings, so they can be checked in
  worker processes, or again alone after an edit.
- `check_catalog(site, entries)`: what spans shows: duplicate slugs across
  files, the limit on events in the whole catalogue.
- `check_sources(sources)` and `load_catalog(path)`: all of it, built from
  the three above.
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from .errors import DataError, Problem
from .limits import LAST_DAY, MAX_EPISODE, MAX_EVENTS, MAX_LENGTH, MAX_SHOW_EVENTS, RANGE, in_range, shown
from .load import Source, read_sources
from .model import AllDay, Catalog, Event, Show, Site, Timed, Undated
from .rules import EVENT, FILE, RELEASE, RUN, SHOW, SITE, Shape
from .runs import Release, episode_ids, run_events
from .values import NULL, SLUG, STR, DateOrTime, Report, node_kind, sequence, suggest
from .zones import skipped, zone

DEFAULT_DURATION = timedelta(hours=1)
COMMON = frozenset({"kind", "status", "location", "description", "sources", "url", "season"})
"""The keys an event and a run share, besides the date, stored on every Event as they are."""


def load_catalog(path: str | Path) -> Catalog:
    """Read, check and build the catalogue, or raise DataError with every problem.

    The collector is paused meanwhile: YAML node graphs hold no cycles, and
    rescanning millions of live nodes made a catalogue-sized load 3x slower.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        sources, problems = read_sources(Path(path))
        catalog, found = check_sources(sources)
        problems += found
    finally:
        if collecting:
            gc.enable()
    if problems or catalog is None:
        raise DataError(problems)
    return catalog


@dataclass(frozen=True)
class ShowEntry:
    """One show as a file holds it, and what `check_show` made of it (None if it has problems)."""

    file: str
    path: str
    node: yaml.Node
    show: Show | None


def check_sources(sources: Sequence[Source]) -> tuple[Catalog | None, list[Problem]]:
    """Every file: site settings first, from whichever file holds them, since shows' times depend on them."""
    problems: list[Problem] = []
    files: list[tuple[Source, Fields | None]] = []
    for source in sources:
        report = Report(source.name)
        files.append((source, read_mapping(report, source.node, FILE, "")))
        problems += report.problems
    site: Site | None = None
    for source, fields in files:
        if fields is None or "site" not in fields.nodes:
            continue
        if site is not None:
            mark = fields.keys["site"].start_mark
            problems.append(
                Problem(
                    source.name,
                    mark.line + 1,
                    mark.column + 1,
                    "site",
                    "site settings are given in another file already",
                )
            )
            continue
        site, found = check_site(fields.nodes["site"], file=source.name)
        problems += found
    site = site or Site()
    entries: list[ShowEntry] = []
    holding = [(source, fields) for source, fields in files if fields is not None and "shows" in fields.nodes]
    for source, fields in holding:
        report = Report(source.name)
        items = sequence(fields.nodes["shows"], report, "shows", "shows", limit=MAX_EVENTS)
        problems += report.problems
        for index, node in enumerate(items or ()):
            path = f"shows[{index}]"
            show, found = check_show(node, file=source.name, path=path, site=site)
            problems += found
            entries.append(ShowEntry(source.name, path, node, show))
    if not holding:
        for source, fields in files:
            if fields is not None and "shows" not in fields.suggested:
                problems.append(Problem(source.name, 1, 1, "", "a data file needs a 'shows:' list"))
    catalog, found = check_catalog(site, entries)
    return catalog, problems + found


def check_site(node: yaml.Node, *, file: str, path: str = "site") -> tuple[Site, list[Problem]]:
    """The site settings, and their problems. A setting with a problem is left at its default."""
    report = Report(file)
    fields = read_mapping(report, node, SITE, path)
    values = {k: v for k, v in fields.values.items() if v is not None and v != ""} if fields else {}
    if fields and "timezone" in fields.nodes and "timezone" not in values:
        values["timezone"] = "UTC"  # reported already; spares every start a second "no time zone" problem
    return Site(**values), report.problems


def check_show(node: yaml.Node, *, file: str, path: str, site: Site) -> tuple[Show | None, list[Problem]]:
    """One show and every problem in it; the Show only when there are none."""
    report = Report(file)
    show = _show(report, node, path, site)
    return (show if not report.problems else None), report.problems


def check_catalog(site: Site, entries: Sequence[ShowEntry]) -> tuple[Catalog | None, list[Problem]]:
    """What no show can see alone: a slug taken twice, and the events of all shows together."""
    problems: list[Problem] = []
    seen: dict[str, tuple[str, int]] = {}
    total = 0
    for entry in entries:
        slug_node = _value_of(entry.node, "slug")
        if slug_node is not None and slug_node.tag != NULL and SLUG.fullmatch(slug_node.value):
            slug = slug_node.value
            mark = slug_node.start_mark
            if slug in seen:
                file, line = seen[slug]
                problems.append(
                    Problem(
                        entry.file,
                        mark.line + 1,
                        mark.column + 1,
                        f"{entry.path}.slug",
                        f"duplicate show slug '{slug}' (also at {file}:{line}); slugs must be unique",
                    )
                )
            else:
                seen[slug] = (entry.file, mark.line + 1)
        if entry.show is not None:
            before, total = total, total + len(entry.show.events)
            if before <= MAX_EVENTS < total:
                mark = entry.node.start_mark
                problems.append(
                    Problem(
                        entry.file,
                        mark.line + 1,
                        mark.column + 1,
                        entry.path,
                        f"with this show the catalogue holds more than {MAX_EVENTS:,} events, the limit;"
                        " split the data into several sites",
                    )
                )
    if problems or any(e.show is None for e in entries):
        return None, problems
    return Catalog(site=site, shows=tuple(e.show for e in entries)), problems  # type: ignore[misc]


# -- the engine ---------------------------------------------------------------------------


class Fields:
    """A mapping as read with its shape: key nodes, value nodes and the values that read well."""

    __slots__ = ("node", "path", "keys", "nodes", "values", "suggested", "refused", "rules_hold")

    def __init__(self, node: yaml.MappingNode, path: str) -> None:
        self.node = node
        self.path = path
        self.keys: dict[str, yaml.Node] = {}
        self.nodes: dict[str, yaml.Node] = {}
        self.values: dict[str, Any] = {}
        self.suggested: set[str] = set()
        self.refused = False
        self.rules_hold = True

    def __contains__(self, name: str) -> bool:
        return name in self.nodes

    def bad(self, name: str) -> bool:
        """Given, but with a problem already reported."""
        return name in self.nodes and self.values.get(name) is None


def read_mapping(report: Report, node: yaml.Node, shape: Shape, path: str) -> Fields | None:
    """Walk one mapping with its shape: unknown, repeated and missing keys, each value, then the rules."""
    if not isinstance(node, yaml.MappingNode):
        report.add(node, path, f"{shape.what} must be a mapping of keys to values, not {node_kind(node)}")
        return None
    fields = Fields(node, path)
    readers = shape.readers  # type: ignore[attr-defined]
    keys, nodes, values = fields.keys, fields.nodes, fields.values
    prefix = f"{path}." if path else ""
    for key, value in node.value:
        name = key.value if type(key) is yaml.ScalarNode else None
        if name in readers and name not in keys:
            keys[name] = key
            nodes[name] = value
            read = readers[name]
            if read is not None:
                values[name] = read(value, report, prefix + name, name)
        elif not isinstance(name, str) or key.tag not in (STR, NULL) and not name:
            report.add(key, path, "keys must be plain words")
        elif name in keys:
            first = keys[name].start_mark.line + 1
            report.add(key, prefix + name, f"duplicate key (first given on line {first}); keep one")
        else:
            _unknown(report, fields, shape, key, prefix + shown(name), name)
    for name in shape.required:  # type: ignore[attr-defined]
        if name not in keys and name not in fields.suggested:  # the unknown key's message says it already
            report.add(node, path, f"{shape.what} needs '{name}:'")
    given = {**dict.fromkeys(fields.suggested, node), **keys} if fields.suggested else keys
    if fields.refused:
        fields.rules_hold = False  # the refused key's message says what to write instead
    for rule in shape.rules if fields.rules_hold else ():
        if not rule.check(given, report, node, path):
            fields.rules_hold = False
            break
    return fields


def _unknown(report: Report, fields: Fields, shape: Shape, key: yaml.Node, path: str, name: str) -> None:
    if name in shape.refused:
        report.add(key, path, shape.refused[name])
        fields.refused = True
        return
    hint = suggest(name, shape.names)  # type: ignore[attr-defined]
    if hint:
        fields.suggested.add(hint.split("'")[1])
    else:
        hint = f"; allowed keys: {', '.join(shape.names)}"  # type: ignore[attr-defined]
    report.add(key, path, f"unknown key '{shown(name)}'{hint}")


def _value_of(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    return next((v for k, v in node.value if k.value == key and type(v) is yaml.ScalarNode), None)


# -- shows and events -------------------------------------------------------------------------


def _show(report: Report, node: yaml.Node, path: str, site: Site) -> Show | None:
    fields = read_mapping(report, node, SHOW, path)
    if fields is None:
        return None
    values = fields.values
    slug = values.get("slug") or ""
    events: list[Event] = []
    if "events" in fields:
        items = sequence(fields.nodes["events"], report, f"{path}.events", "events", MAX_SHOW_EVENTS)
        events = _events(report, items or [], f"{path}.events", slug, site)
    extras = {k: values[k] for k in ("network", "homepage", "description") if values.get(k) is not None}
    return Show(slug=slug, title=values.get("title") or "", events=tuple(events), **extras)


def _events(report: Report, items: list[yaml.Node], path: str, slug: str, site: Site) -> list[Event]:
    """Every entry, then ids: an entry with problems still claims its ids, so a duplicate shows up at once."""
    events: list[Event] = []
    seen: dict[str, int] = {}
    room = MAX_SHOW_EVENTS
    for index, node in enumerate(items):
        here = f"{path}[{index}]"
        is_run = False
        if type(node) is yaml.MappingNode:
            for key, _ in node.value:
                if key.value == "run":
                    is_run = True
                    break
        if is_run:
            made, claimed, room = _run(report, node, here, slug, site, room)
        else:
            made, claimed = _event(report, node, here, slug, site)
            room -= len(made)
        if not claimed:
            events += made
            continue
        id_key = "run" if is_run else "id"
        id_node = _value_of(node, id_key) or node
        for event_id in claimed:
            if event_id in seen:
                report.add(
                    id_node,
                    f"{here}.{id_key}",
                    f"duplicate event id '{event_id}' in this show "
                    f"(first on line {seen[event_id]}); ids must be unique within a show",
                )
                break
        line = id_node.start_mark.line + 1
        for event_id in claimed:
            seen.setdefault(event_id, line)
        events += made
    return events


def _common(fields: Fields, default_kind: str) -> dict[str, Any]:
    common = {k: v for k, v in fields.values.items() if k in COMMON and v is not None}
    common.setdefault("kind", default_kind)
    return common


def _event(report: Report, node: yaml.Node, path: str, slug: str, site: Site) -> tuple[list[Event], list[str]]:
    before = len(report.problems)
    fields = read_mapping(report, node, EVENT, path)
    if fields is None:
        return [], []
    values = fields.values
    claimed = [values["id"]] if values.get("id") else []
    when = _when(report, fields, site) if fields.rules_hold else None
    if len(report.problems) > before or when is None:
        return [], claimed
    episode = values.get("episode")
    common = _common(fields, "other")
    label = f"S{common['season']} E{episode}" if episode is not None and "season" in common else f"Episode {episode}"
    return [
        Event(
            show=slug,
            id=values["id"],
            title=values["title"],
            safe_title=label if episode is not None else values["title"],
            when=when,
            episode=episode,
            episodes=(episode,) if episode is not None else (),
            **common,
        )
    ], claimed


def _when(report: Report, fields: Fields, site: Site) -> AllDay | Timed | Undated | None:
    """The rules have made sure exactly one of date, start and tba is given, with only its own partners."""
    values = fields.values
    if "tba" in fields:
        return Undated(values["tba"]) if values.get("tba") else None
    if "date" in fields:
        return _all_day(report, fields)
    return _timed(report, fields, site)


def _all_day(report: Report, fields: Fields) -> AllDay | None:
    first = fields.values.get("date")
    last = fields.values.get("until", first)
    if first is None or last is None:
        return None
    if last < first:
        report.add(
            fields.nodes["until"],
            f"{fields.path}.until",
            f"until {last} is before the date {first}; 'until' is the last day",
        )
        return None
    if last - first >= MAX_LENGTH:
        report.add(
            fields.nodes["until"],
            f"{fields.path}.until",
            f"from {first} until {last} is {(last - first).days + 1} days; the limit is {MAX_LENGTH.days} days",
        )
        return None
    return AllDay(first, last)


def _zone_of(report: Report, fields: Fields, site: Site, node: yaml.Node, path: str, what: str) -> str | None:
    """The zone of a local time: the entry's own, else the site's; never a silent UTC."""
    if "timezone" in fields:
        return fields.values.get("timezone")
    if site.timezone is None:
        report.add(
            node,
            path,
            f"{what} has no time zone; add 'timezone:' (such as America/New_York) here,"
            " or under 'site:' for every event",
        )
    return site.timezone


def _timed(report: Report, fields: Fields, site: Site) -> Timed | None:
    values, nodes, path = fields.values, fields.nodes, fields.path
    local = values.get("start")
    if local is None or fields.bad("duration") or fields.bad("end"):
        return None
    tz = _zone_of(report, fields, site, nodes["start"], f"{path}.start", "start")
    if tz is None:
        return None
    start = _in_zone(report, local, tz, nodes["start"], f"{path}.start", "start")
    if start is None:
        return None
    if "end" in fields:
        local_end = values["end"]
        end = _in_zone(report, local_end, tz, nodes["end"], f"{path}.end", "end")
        if end is None:
            return None
        if end <= start:
            report.add(
                nodes["end"],
                f"{path}.end",
                f"end {local_end:%Y-%m-%dT%H:%M} is not after start {local:%Y-%m-%dT%H:%M}",
            )
            return None
        if end.astimezone(UTC) - start.astimezone(UTC) > MAX_LENGTH:
            report.add(nodes["end"], f"{path}.end", f"end is more than {MAX_LENGTH.days} days after start, the limit")
            return None
    else:
        span = values.get("duration", DEFAULT_DURATION)
        end = (start.astimezone(UTC) + span).astimezone(start.tzinfo)
    timed = Timed(start=start, end=end, timezone=tz)
    return timed if _fits(report, timed, nodes["start"], f"{path}.start", "start") else None


def _in_zone(report: Report, local: datetime, tz: str, node: yaml.Node, path: str, what: str) -> datetime | None:
    """Attach the zone; a wall time the clocks skip is an error, a repeated one means its first occurrence."""
    aware = local.replace(tzinfo=zone(tz), fold=0)
    if skipped(aware):
        report.add(
            node,
            path,
            f"{what} {local:%Y-%m-%dT%H:%M} does not exist in {tz} (the clocks skip it);"
            " give a time outside the change",
        )
        return None
    return aware


def _fits(report: Report, timed: Timed, node: yaml.Node, path: str, what: str) -> bool:
    """Every day the event touches, in its zone and in UTC, lies in the supported range, so it always renders."""
    for moment, said in (
        (timed.start.astimezone(UTC), "is in UTC"),
        (timed.end, "ends"),
        (timed.end.astimezone(UTC), "ends in UTC"),
    ):
        if not in_range(moment.date()):
            report.add(
                node,
                path,
                f"{what} {timed.start:%Y-%m-%dT%H:%M} ({timed.timezone}) {said} {moment:%Y-%m-%dT%H:%M},"
                f" outside the supported range, {RANGE}",
            )
            return False
    return True


# -- episode runs -------------------------------------------------------------------------------


def _run(
    report: Report, node: yaml.Node, path: str, slug: str, site: Site, room: int
) -> tuple[list[Event], list[str], int]:
    """An episode run: one stable event per release. Returns the events, the ids it claims, and the room left."""
    before = len(report.problems)
    fields = read_mapping(report, node, RUN, path)
    if fields is None:
        return [], [], room
    values, nodes = fields.values, fields.nodes
    prefix, count = values.get("run"), values.get("count")
    first = values.get("first_episode", 1)
    if first is not None and count is not None and first + count - 1 > MAX_EPISODE:
        report.add(
            nodes["count"],
            f"{path}.count",
            f"first_episode {first} and count {count} reach episode {first + count - 1};"
            f" the highest episode number is {MAX_EPISODE:,}",
        )
        count = None
    titles = values.get("titles")
    if titles is not None and count is not None and len(titles) > count:
        report.add(
            nodes["titles"],
            f"{path}.titles",
            f"{len(titles)} titles for {count} episodes; give at most one title per episode",
        )
    releases = _releases(report, fields, count, site) if fields.rules_hold and count is not None else None
    sizes = [r.episodes for r in releases] if releases else None
    claimed = episode_ids(prefix, first, sizes) if prefix and first is not None and sizes else []

    if releases and len(releases) > room:
        report.add(
            nodes["count"],
            f"{path}.count",
            f"this run takes the show past {MAX_SHOW_EVENTS:,} events, the limit for one show",
        )
    if len(report.problems) > before or not releases:
        return [], claimed, room
    events = run_events(
        show=slug,
        ids=claimed,
        first=first,
        releases=releases,
        titles=titles or (),
        season=values.get("season"),
        premiere=bool(values.get("premiere")),
        finale=bool(values.get("finale")),
        common=_common(fields, "episode"),
    )
    return events, claimed, room - len(events)


def _releases(report: Report, fields: Fields, count: int, site: Site) -> list[Release] | None:
    """When each release happens and how many episodes it brings; None after a problem."""
    values, nodes, path = fields.values, fields.nodes, fields.path
    if "dates" in fields:
        return _listed(report, fields, count, site)
    if values.get("binge"):
        sizes = [count]
    elif "every" not in fields:
        report.add(
            fields.node,
            path,
            "an episode run needs 'every:' after its first date (or a list of 'dates:', or 'binge: true'"
            " for every episode at once)",
        )
        return None
    else:
        per = values.get("per_release", 1)
        if per is None or values.get("every") is None:
            return None
        if per > count:
            report.add(
                nodes["per_release"],
                f"{path}.per_release",
                f"per_release {per} is more than the {count} episodes of 'count:'",
            )
            return None
        sizes = [per] * (count // per) + ([count % per] if count % per else [])
    if "date" in fields:
        day = values.get("date")
        first: AllDay | Timed | None = AllDay(day, day) if day else None
        node, where, what = nodes["date"], f"{path}.date", "date"
    else:
        first = _timed(report, fields, site)
        node, where, what = nodes["start"], f"{path}.start", "start"
    if first is None:
        return None
    step = values.get("every", timedelta(0))
    unit = "episode" if sizes[0] == 1 else "release"
    if isinstance(first, AllDay):
        last_day = first.first + step * (len(sizes) - 1)
        if last_day > LAST_DAY:
            report.add(node, where, f"{unit} {len(sizes)} of this run would fall on {last_day},"
                       f" outside the supported range, {RANGE}")  # fmt: skip
            return None
        return [Release(AllDay(first.first + step * i, first.first + step * i), size) for i, size in enumerate(sizes)]
    return _timed_releases(report, first, step, sizes, node, where, what, unit)


def _timed_releases(
    report: Report, first: Timed, step: timedelta, sizes: list[int], node: yaml.Node, where: str, what: str, unit: str
) -> list[Release] | None:
    """The same wall-clock time every `step`, as broadcasters schedule; each start must exist in the zone."""
    tz = zone(first.timezone)
    local = first.start.replace(tzinfo=None)
    length = first.end.astimezone(UTC) - first.start.astimezone(UTC)
    last_local = local + step * (len(sizes) - 1)
    if not in_range(last_local.date()):
        report.add(node, where, f"{unit} {len(sizes)} of this run would start on {last_local.date()},"
                   f" outside the supported range, {RANGE}")  # fmt: skip
        return None
    releases = []
    for index, size in enumerate(sizes):
        wall = local + step * index
        start = wall.replace(tzinfo=tz)
        utc = start.astimezone(UTC)
        if utc.astimezone(tz).replace(tzinfo=None) != wall:
            report.add(node, where, f"{unit} {index + 1} of this run would start at "
                       f"{wall:%Y-%m-%dT%H:%M}, which does not exist in {first.timezone} "
                       "(the clocks skip it); choose a start time outside the change")  # fmt: skip
            return None
        releases.append(Release(Timed(start=start, end=(utc + length).astimezone(tz), timezone=first.timezone), size))
    if not _fits(report, releases[-1].when, node, where, what):  # the first fits already; times only grow
        return None
    return releases


def _listed(report: Report, fields: Fields, count: int, site: Site) -> list[Release] | None:
    """A run's `dates:` list: each entry a day, a local date and time, or a mapping with its episodes."""
    values, nodes, path = fields.values, fields.nodes, fields.path
    per = values.get("per_release", 1)
    dates = nodes["dates"]
    if isinstance(dates, yaml.SequenceNode) and len(dates.value) > count:  # each entry brings one episode or more
        _count_mismatch(report, fields, len(dates.value), count, plain=True)
        return None
    entries = sequence(dates, report, f"{path}.dates", "dates", limit=count)
    if entries is None or per is None:
        return None
    moments: list[tuple[date | datetime, int, yaml.Node, str]] = []
    ok = True
    for index, entry in enumerate(entries):
        here = f"{path}.dates[{index}]"
        if isinstance(entry, yaml.MappingNode):
            release = read_mapping(report, entry, RELEASE, here)
            if release is None or not release.rules_hold:
                ok = False
                continue
            key = "date" if "date" in release else "start"
            moment, size = release.values.get(key), release.values.get("episodes", per)
            if moment is None or size is None:
                ok = False
                continue
            moments.append((moment, size, release.nodes[key], f"{here}.{key}"))
        else:
            moment = DateOrTime().read(entry, report, here, "date")
            if moment is None:
                ok = False
                continue
            moments.append((moment, per, entry, here))
    if not ok:
        return None
    total = sum(size for _, size, _, _ in moments)
    if total != count:
        plain = per == 1 and all(not isinstance(e, yaml.MappingNode) for e in entries)
        _count_mismatch(report, fields, len(moments) if plain else total, count, plain=plain)
        return None
    timed = [m for m, _, _, _ in moments if isinstance(m, datetime)]
    for key in ("timezone", "duration"):
        if key in fields and not timed:
            report.add(fields.keys[key], f"{path}.{key}", f"'{key}:' goes with times, and these dates have none")
            return None
    if fields.bad("timezone") or fields.bad("duration"):
        return None
    span = values.get("duration", DEFAULT_DURATION)
    releases = []
    for moment, size, node, here in moments:
        if isinstance(moment, datetime):
            tz = _zone_of(report, fields, site, node, here, "date")
            start = _in_zone(report, moment, tz, node, here, "date") if tz else None
            if start is None:
                return None
            when = Timed(start=start, end=(start.astimezone(UTC) + span).astimezone(start.tzinfo), timezone=tz)
            if not _fits(report, when, node, here, "date"):
                return None
            releases.append(Release(when, size))
        else:
            releases.append(Release(AllDay(moment, moment), size))
    return releases


def _count_mismatch(report: Report, fields: Fields, found: int, count: int, *, plain: bool) -> None:
    node, path = fields.nodes["dates"], f"{fields.path}.dates"
    if plain:
        message = f"{found:,} date{'s' * (found != 1)} for {count} episodes; give one date per episode"
    else:
        message = f"the dates release {found} episodes, not the {count} of 'count:'; make them add up"
    report.add(node, path, message)
