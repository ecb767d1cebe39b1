"""IANA time zone names: which are known, and which look right but give wrong times.

`EST` is a fixed UTC-05:00: a summer episode in it comes out an hour off
from what New York sees. Such legacy and fixed-offset names are refused
with the place name the curator most likely meant.
"""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime
from functools import lru_cache

_FIXED = "is fixed at UTC{offset} all year, so times in summer would come out an hour off"
_LEGACY = "is a legacy name kept for old systems"
_ETC = "is a fixed UTC{offset} with no summer time (its sign is the reverse of the offset), not a place"

LEGACY_ZONES: dict[str, tuple[str, str]] = {
    "EST": ("America/New_York", _FIXED.format(offset="-05:00")),
    "MST": ("America/Denver", _FIXED.format(offset="-07:00") + " (America/Phoenix keeps UTC-07:00 all year)"),
    "HST": ("Pacific/Honolulu", _LEGACY),
    "EST5EDT": ("America/New_York", _LEGACY),
    "CST6CDT": ("America/Chicago", _LEGACY),
    "MST7MDT": ("America/Denver", _LEGACY),
    "PST8PDT": ("America/Los_Angeles", _LEGACY),
    "CET": ("Europe/Paris", _LEGACY),
    "MET": ("Europe/Paris", _LEGACY),
    "EET": ("Europe/Athens", _LEGACY),
    "WET": ("Europe/Lisbon", _LEGACY),
    **{
        name: ("Europe/London", _FIXED.format(offset="+00:00") + "; for UTC itself write 'UTC'")
        for name in (
            "GMT",
            "GMT0",
            "GMT+0",
            "GMT-0",
            "Greenwich",
            "Etc/GMT",
            "Etc/GMT0",
            "Etc/GMT+0",
            "Etc/GMT-0",
            "Etc/Greenwich",
        )
    },
}
"""Name -> (the zone to suggest, or "" where no place keeps that offset; why the name is refused)."""

# Etc/GMT+N is UTC-N (the sign is the POSIX one, inverted): the place most often meant at each offset.
_AT_OFFSET = {
    -12: "Pacific/Auckland",
    -11: "Pacific/Noumea",
    -10: "Australia/Sydney",
    -9: "Asia/Tokyo",
    -8: "Asia/Shanghai",
    -7: "Asia/Bangkok",
    -6: "Asia/Dhaka",
    -5: "Asia/Karachi",
    -4: "Asia/Dubai",
    -3: "Europe/Moscow",
    -2: "Europe/Athens",
    -1: "Europe/Paris",
    1: "Atlantic/Azores",
    2: "America/Noronha",
    3: "America/Sao_Paulo",
    4: "America/Halifax",
    5: "America/New_York",
    6: "America/Chicago",
    7: "America/Denver",
    8: "America/Los_Angeles",
    9: "America/Anchorage",
    10: "Pacific/Honolulu",
    11: "Pacific/Pago_Pago",
    12: "",
}
for _hours, _place in _AT_OFFSET.items():
    _offset = f"{'-' if _hours > 0 else '+'}{abs(_hours):02d}:00"
    LEGACY_ZONES[f"Etc/GMT{_hours:+d}"] = (_place, _ETC.format(offset=_offset))
LEGACY_ZONES["localtime"] = (
    "",
    "is whatever zone the machine running showcal is set to, which differs between machines",
)
LEGACY_ZONES["Factory"] = ("", "is a placeholder with no real offset")
for _hours in range(13, 15):
    LEGACY_ZONES[f"Etc/GMT-{_hours}"] = ("Pacific/Kiritimati", _ETC.format(offset=f"+{_hours}:00"))


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


@lru_cache(maxsize=1024)
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name)


def skipped(moment: datetime) -> bool:
    """A wall time the clocks jump over, such as 02:30 on a spring-forward night."""
    return moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None) != moment.replace(tzinfo=None)
