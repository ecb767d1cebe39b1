"""Episode runs, from their releases to calendar events.

A release is one date on which one or more episodes come out. A weekly
show has one episode per release; a streaming "drop" has several (three
each Tuesday), a binge release has the whole season. Each release is one
calendar event: a subscriber wants one entry "S2 E1–E3" on the evening
the episodes come out, not three stacked copies of it. Its id is the id
its first episode would have, so a run of one episode per release keeps
exactly the ids, titles and descriptions it always had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from .model import AllDay, Event, Timed
from .zones import zone


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


def shifted(when: AllDay | Timed, by: timedelta) -> AllDay | Timed:
    """The same wall-clock time `by` days later, as broadcasters schedule."""
    if isinstance(when, AllDay):
        return AllDay(when.first + by, when.last + by)
    tz = zone(when.timezone)
    length = when.end.astimezone(UTC) - when.start.astimezone(UTC)
    start = (when.start.replace(tzinfo=None) + by).replace(tzinfo=tz)
    return Timed(start=start, end=(start.astimezone(UTC) + length).astimezone(tz), timezone=when.timezone)


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
