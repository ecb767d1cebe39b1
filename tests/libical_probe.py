"""Read a calendar's first VTIMEZONE with libical, as Evolution does, and report what it makes of it.

Run with the system Python (Debian's python3-gi and gir1.2-ical-3.0), not the
project's: JSON in on stdin, a list of {"ics", "locals": ["YYYYMMDDTHHMMSS",
...], "instants": [seconds, ...]}; JSON out, a list of: whether libical's
RFC 5545 restriction check passes and the errors it wrote, the UTC instant
of each local time, and the UTC offset in force at each instant.
"""

import json
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402


def main() -> None:
    json.dump([read(asked) for asked in json.load(sys.stdin)], sys.stdout)


def read(asked: dict) -> dict:
    calendar = ICalGLib.Component.new_from_string(asked["ics"])
    valid = bool(calendar.check_restrictions())
    errors = []
    for kind in (ICalGLib.ComponentKind.VCALENDAR_COMPONENT, ICalGLib.ComponentKind.ANY_COMPONENT):
        components = [calendar] if kind == ICalGLib.ComponentKind.VCALENDAR_COMPONENT else _all(calendar)
        for component in components:
            prop = component.get_first_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
            while prop is not None:
                errors.append(prop.get_xlicerror())
                prop = component.get_next_property(ICalGLib.PropertyKind.XLICERROR_PROPERTY)
    vtimezone = calendar.get_first_component(ICalGLib.ComponentKind.VTIMEZONE_COMPONENT)
    zone = ICalGLib.Timezone.new()
    zone.set_component(vtimezone.clone())
    utc = ICalGLib.Timezone.get_utc_timezone()
    instants = [ICalGLib.Time.new_from_string(local).as_timet_with_zone(zone) for local in asked["locals"]]
    offsets = [
        zone.get_utc_offset_of_utc_time(ICalGLib.Time.new_from_timet_with_zone(at, 0, utc))[0]
        for at in asked["instants"]
    ]
    return {"valid": valid, "errors": errors, "utc": instants, "offsets": offsets}


def _all(component):
    child = component.get_first_component(ICalGLib.ComponentKind.ANY_COMPONENT)
    while child is not None:
        yield child
        yield from _all(child)
        child = component.get_next_component(ICalGLib.ComponentKind.ANY_COMPONENT)


if __name__ == "__main__":
    main()
