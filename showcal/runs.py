"""Episode runs, from their releases to calendar events.

A run is checked here (its releases: `every:`, `per_release:`, `binge:`
or a list of `dates:`) and then expanded. A release is one date on which
one or more episodes come out. A weekly show has one episode per release;
a streaming "drop" has several (three each Tuesday), a binge release has
the whole season. Each release is one
calendar event: a subscriber wants one entry "S2 E1–E3" on the evening
the episodes come out, not three stacked copies of it. Its id is the id
its first episode would have, so a run of one episode per release keeps
exactly the ids, titles and descriptions it always had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import yaml

from .engine import Fields, read_mapping
from .limits import LAST_DAY, MAX_EPISODE, RANGE, in_range
from .model import AllDay, Event, Site, Timed
from .rules import RELEASE, RUN
from .values import DateOrTime, Report, sequence
from .when import DEFAULT_DURATION, fits_range, in_zone, read_timed, zone_of
from .zones import zone

COMMON = frozenset({"kind", "status", "location", "description", "sources", "url", "season"})
"""The keys an event and a run share, besides the date, stored on every Event as they are."""


@dataclass(frozen=True)
class Release:
    when: AllDay | Timed
    episodes: int


def episode_ids(prefix: str, first: int, sizes: Sequence[int]) -> list[str]:
    """The id of each release: its first episode's, `<prefix>e<NN>`, zero-padded to the run's last number."""
    width = max(2, len(str(first + sum(sizes) - 1)))
    ids, number = [], first
    for size in sizes:
        ids.append(f"{prefix}e{number:0{width}d}")
        number += size
    return ids


def episode_label(season: int | None, episode: int | None) -> str:
    if episode is None:
        return ""
    return f"S{season} E{episode}" if season is not None else f"Episode {episode}"


def range_label(season: int | None, first: int, last: int) -> str:
    if first == last:
        return episode_label(season, first)
    return f"S{season} E{first}–E{last}" if season is not None else f"Episodes {first}–{last}"


def run_events(
    *,
    show: str,
    ids: Sequence[str],
    first: int,
    releases: Sequence[Release],
    titles: Sequence[str],
    season: int | None,
    premiere: bool,
    finale: bool,
    common: dict[str, Any],
) -> list[Event]:
    """One event per release, with the `ids` of `episode_ids`; `common` holds what they share (kind, status, ...)."""
    about = common.get("description", "")
    events = []
    number = first
    last = len(releases) - 1
    for index, (release, event_id) in enumerate(zip(releases, ids, strict=True)):
        if release.episodes == 1:
            numbers: tuple[int, ...] = (number,)
            names: tuple[str, ...] = (titles[number - first] if number - first < len(titles) else "",)
        else:
            numbers = tuple(range(number, number + release.episodes))
            names = tuple(titles[n - first] if n - first < len(titles) else "" for n in numbers)
        number += release.episodes
        kind = common["kind"]
        if premiere and index == 0:
            kind = "premiere"
        if finale and index == last:
            kind = "finale"
        suffix = {"premiere": " (season premiere)", "finale": " (season finale)"}.get(kind, "")
        label = range_label(season, numbers[0], numbers[-1])
        fields = {**common, "kind": kind}
        if len(numbers) == 1:
            title = f"{label}: {names[0]}" if names[0] else label
        else:
            title = label
            if any(names):
                listing = "\n".join(
                    f"{episode_label(season, n)}: {name}" if name else episode_label(season, n)
                    for n, name in zip(numbers, names, strict=True)
                )
                fields["description"] = f"{listing}\n\n{about}" if about else listing
        events.append(
            Event(
                show=show,
                id=event_id,
                when=release.when,
                title=title + suffix,
                safe_title=label + suffix,
                episode=numbers[0],
                episodes=numbers,
                episode_titles=names,
                **fields,
            )
        )
    return events


def common(fields: Fields, default_kind: str) -> dict[str, Any]:
    common = {k: v for k, v in fields.values.items() if k in COMMON and v is not None}
    common.setdefault("kind", default_kind)
    return common


def check_run(
    report: Report, node: yaml.Node, path: str, slug: str, site: Site, room: int
) -> tuple[list[Event], list[str], bool]:
    """One run, checked and expanded: its events, the ids it claims, and whether it would take more than `room`.

    A run that would not fit is never expanded; the caller, who knows the
    limit, says so.
    """
    before = len(report.problems)
    fields = read_mapping(report, node, RUN, path)
    if fields is None:
        return [], [], False
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

    full = releases is not None and len(releases) > room
    if len(report.problems) > before or not releases or full:
        return [], claimed, full
    events = run_events(
        show=slug,
        ids=claimed,
        first=first,
        releases=releases,
        titles=titles or (),
        season=values.get("season"),
        premiere=bool(values.get("premiere")),
        finale=bool(values.get("finale")),
        common=common(fields, "episode"),
    )
    return events, claimed, False


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
        first = read_timed(report, fields, site)
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
    if not fits_range(report, releases[-1].when, node, where, what):  # the first fits already; times only grow
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
            tz = zone_of(report, fields, site, node, here, "date")
            start = in_zone(report, moment, tz, node, here, "date") if tz else None
            if start is None:
                return None
            when = Timed(start=start, end=(start.astimezone(UTC) + span).astimezone(start.tzinfo), timezone=tz)
            if not fits_range(report, when, node, here, "date"):
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
