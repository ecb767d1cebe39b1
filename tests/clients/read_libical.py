"""Read iCalendar files with libical, the parser of Evolution and GNOME Calendar, and print JSON.

Run by Debian's /usr/bin/python3, which has GObject introspection (python3-gi and
gir1.2-ical-3.0); the project's virtual environment has neither. For each file
given on the command line it prints the same plain view as tests/clients/read.mjs,
with libical's own reading of the embedded VTIMEZONEs, plus `violations`: the
X-LIC-ERROR texts that libical's parser and its restriction check
(`i_cal_component_check_restrictions`) leave in the tree.
"""

from __future__ import annotations

import json
import os
import sys

import gi

gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib  # noqa: E402

Kind = ICalGLib.ComponentKind
Prop = ICalGLib.PropertyKind
UTC = ICalGLib.Timezone.get_utc_timezone()


def children(component: ICalGLib.Component, kind: ICalGLib.ComponentKind = Kind.ANY_COMPONENT):
    child = component.get_first_component(kind)
    while child is not None:
        yield child
        child = component.get_next_component(kind)


def properties(component: ICalGLib.Component, kind: ICalGLib.PropertyKind = Prop.ANY_PROPERTY):
    prop = component.get_first_property(kind)
    while prop is not None:
        yield prop
        prop = component.get_next_property(kind)


def plain_time(value: ICalGLib.Time | None) -> dict | None:
    if value is None or value.is_null_time():
        return None
    if value.is_date():
        return {"date": f"{value.get_year():04}-{value.get_month():02}-{value.get_day():02}"}
    zone = value.get_timezone()
    if zone is None:
        return {"floating": value.as_ical_string()}
    utc = value.convert_to_zone(UTC)
    return {
        "utc": f"{utc.get_year():04}-{utc.get_month():02}-{utc.get_day():02}T"
        f"{utc.get_hour():02}:{utc.get_minute():02}:{utc.get_second():02}Z"
    }


def text_of(component: ICalGLib.Component, kind: ICalGLib.PropertyKind) -> str | None:
    prop = component.get_first_property(kind)
    return None if prop is None else prop.get_value_as_string()


def x_text(calendar: ICalGLib.Component, name: str) -> str | None:
    for prop in properties(calendar, Prop.X_PROPERTY):
        if prop.get_x_name() == name:
            return prop.get_x()  # the decoded text; get_value_as_string() gives it escaped again
    return None


def event(vevent: ICalGLib.Component) -> dict:
    sequence = vevent.get_first_property(Prop.SEQUENCE_PROPERTY)
    return {
        "uid": vevent.get_uid(),
        "summary": vevent.get_summary(),
        "start": plain_time(vevent.get_dtstart()),
        "end": plain_time(vevent.get_dtend()),
        "status": text_of(vevent, Prop.STATUS_PROPERTY),
        "sequence": None if sequence is None else sequence.get_sequence(),
    }


def errors(component: ICalGLib.Component, where: str) -> list[str]:
    found = [f"{where}: {prop.get_value_as_string()}" for prop in properties(component, Prop.XLICERROR_PROPERTY)]
    for child in children(component):
        found += errors(child, f"{where} {ICalGLib.Component.kind_to_string(child.isa())}")
    return found


def label(component: ICalGLib.Component) -> str:
    kind = ICalGLib.Component.kind_to_string(component.isa())
    name = text_of(component, Prop.UID_PROPERTY) or text_of(component, Prop.TZID_PROPERTY)
    return f"{kind} {name}" if name else kind


def restriction_violations(calendar: ICalGLib.Component) -> list[str]:
    """libical's restriction check, once per component so that every violation is named.

    `icalrestriction_check` stops at the first component that fails, so each
    component is checked in a calendar of its own with the file's calendar
    properties; and twice: under the file's METHOD (RFC 5546's iTIP tables)
    and without one (RFC 5545's tables), which is where VTIMEZONE rules live.
    """
    header = calendar.clone()
    for child in list(children(header)):
        header.remove_component(child)
    method = text_of(calendar, Prop.METHOD_PROPERTY)
    rules = [("RFC 5545", False)] + ([(f"RFC 5546 {method}", True)] if method else [])
    found = []
    for name, keep_method in rules:
        for child in children(calendar):
            alone = header.clone()
            if not keep_method:
                for prop in list(properties(alone, Prop.METHOD_PROPERTY)):
                    alone.remove_property(prop)
            copy = child.clone()
            alone.add_component(copy)
            if not alone.check_restrictions():
                found += [f"{name}: {error}" for error in errors(copy, label(child))]
    return found


def offsets(calendar: ICalGLib.Component, probes: list[int]) -> dict[str, list[int]]:
    """Each VTIMEZONE's UTC offset, in seconds, at each probe instant (Unix seconds), as libical computes it."""
    found = {}
    for vtimezone in children(calendar, Kind.VTIMEZONE_COMPONENT):
        zone = ICalGLib.Timezone.new()
        zone.set_component(vtimezone.clone())
        found[zone.get_tzid()] = [
            zone.get_utc_offset_of_utc_time(ICalGLib.Time.new_from_timet_with_zone(probe, False, UTC))[0]
            for probe in probes
        ]
    return found


def read(text: str, probes: list[int]) -> dict:
    calendar = ICalGLib.Parser.parse_string(text)
    if calendar is None or calendar.isa() != Kind.VCALENDAR_COMPONENT:
        return {"error": "libical found no VCALENDAR"}
    vevents = list(children(calendar, Kind.VEVENT_COMPONENT))
    return {
        "events": [event(vevent) for vevent in vevents],
        "vevents": len(vevents),
        "vtimezones": len(list(children(calendar, Kind.VTIMEZONE_COMPONENT))),
        "name": name.get_value().get_text() if (name := calendar.get_first_property(Prop.NAME_PROPERTY)) else None,
        "calname": x_text(calendar, "X-WR-CALNAME"),
        "caldesc": x_text(calendar, "X-WR-CALDESC"),
        "violations": errors(calendar, "VCALENDAR") + restriction_violations(calendar),
        "offsets": offsets(calendar, probes),
    }


def main(paths: list[str]) -> None:
    probes = json.loads(os.environ.get("SHOWCAL_PROBES", "[]"))
    results = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as handle:
            text = handle.read()
        try:
            results.append({"libical": read(text, probes)})
        except Exception as error:  # reported per file, so one bad file does not hide the rest
            results.append({"libical": {"error": f"{type(error).__name__}: {error}"}})
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])
