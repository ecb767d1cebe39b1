"""When an event happens: one day or several, or a time in a zone, always inside the supported range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import yaml

from .engine import Fields
from .limits import MAX_LENGTH, RANGE, in_range
from .model import AllDay, Site, Timed, Undated
from .values import Report
from .zones import skipped, zone

DEFAULT_DURATION = timedelta(hours=1)


def event_when(report: Report, fields: Fields, site: Site) -> AllDay | Timed | Undated | None:
    """The rules have made sure exactly one of date, start and tba is given, with only its own partners."""
    values = fields.values
    if "tba" in fields:
        return Undated(values["tba"]) if values.get("tba") else None
    if "date" in fields:
        return read_all_day(report, fields)
    return read_timed(report, fields, site)


def read_all_day(report: Report, fields: Fields) -> AllDay | None:
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


def zone_of(report: Report, fields: Fields, site: Site, node: yaml.Node, path: str, what: str) -> str | None:
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


def read_timed(report: Report, fields: Fields, site: Site) -> Timed | None:
    values, nodes, path = fields.values, fields.nodes, fields.path
    local = values.get("start")
    if local is None or fields.bad("duration") or fields.bad("end"):
        return None
    tz = zone_of(report, fields, site, nodes["start"], f"{path}.start", "start")
    if tz is None:
        return None
    start = in_zone(report, local, tz, nodes["start"], f"{path}.start", "start")
    if start is None:
        return None
    if "end" in fields:
        local_end = values["end"]
        end = in_zone(report, local_end, tz, nodes["end"], f"{path}.end", "end")
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
    return timed if fits_range(report, timed, nodes["start"], f"{path}.start", "start") else None


def in_zone(report: Report, local: datetime, tz: str, node: yaml.Node, path: str, what: str) -> datetime | None:
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


def fits_range(report: Report, timed: Timed, node: yaml.Node, path: str, what: str) -> bool:
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
