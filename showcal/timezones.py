"""VTIMEZONEs made from the zone database's own transitions, in the form every client reads.

Why not `icalendar.Timezone.from_tzid` (7.3), which feeds used before:

- it writes a COMMENT at the VTIMEZONE level, which RFC 5545 does not allow
  there; libical's restriction check (Evolution) rejects the whole zone;
- it writes each onset in the *new* local time (America/Los_Angeles'
  daylight onset as 03:00 with TZOFFSETFROM -0800), so every reader that
  follows RFC 5545 puts the change an hour (or 30 or 45 minutes) late;
- its first observance is a made-up onset at the start of the range, and it
  groups onsets as a DTSTART plus one RDATE list: once a component has an
  RDATE, ical.js (Thunderbird's library, and Nextcloud's) counts neither
  DTSTART nor any but the first date of each RDATE, so over three years
  two summers come out an hour wrong there; Outlook and Exchange read
  RDATE poorly or not at all.

What is written instead (RFC 5545 section 3.6.5, and what Google, Apple and
Outlook themselves export):

- Every onset is a real transition of the zone (found with `zoneinfo`, to
  the second): DTSTART is its local time read with TZOFFSETFROM, so
  DTSTART - TZOFFSETFROM is the transition instant; TZOFFSETTO, TZNAME and
  STANDARD/DAYLIGHT are the zone's own.
- Transitions that recur on the same yearly rule (the 2nd Sunday of March
  at 02:00, the last Sunday of October...) for consecutive years become one
  observance with `RRULE:FREQ=YEARLY;BYMONTH=m;BYDAY=nDD` (or BYMONTHDAY),
  the only shape Outlook imports (MS-OXCICAL 2.1.3.1.1.19.2.2: yearly, one
  BYDAY occurrence or a BYMONTHDAY). DTSTART is the rule's first onset
  (libical skips a DTSTART its RRULE does not produce). A rule that ended
  gets an UNTIL in UTC, as RFC 5545 requires, a day after its last onset:
  the same onsets, and dateutil, which compares a UTC UNTIL as if it were
  local time, keeps the last one east of Greenwich too. The rules still in
  force at the end of the range get none, as Google's and Apple's exports,
  and Outlook, which reads the STANDARD and the DAYLIGHT with the latest
  DTSTART, reads the current rule.
- Any other transition (one-off changes, rules with no yearly pattern)
  is an observance of its own, with no RDATE, which Outlook and Exchange
  read poorly and ical.js reads without the DTSTART.
- The first observance is the one in force at the start of the range, so
  no event written with the TZID falls before the first onset (ical.js
  gives offset 0 to such times). A zone with no transition at all (UTC,
  Etc/GMT+5) gets one observance whose TZOFFSETFROM equals TZOFFSETTO.
- Nothing but TZID in the VTIMEZONE, and DTSTART, TZOFFSETFROM,
  TZOFFSETTO, TZNAME and RRULE in its observances.

Google, Apple and Thunderbird mostly resolve an IANA TZID with their own
database; Outlook, Evolution (libical), ical.js and the Python parsers read
the definition, which is why it has to be right.
"""

from __future__ import annotations

from calendar import monthrange
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from itertools import accumulate, repeat
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

DAY = 86400
FLOOR = int(datetime(1800, 1, 1, tzinfo=UTC).timestamp())
"""How far back the search for the observance in force goes; the zone database's first change is in 1835."""
EPOCH = datetime(1970, 1, 1)
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

State = tuple[timedelta, timedelta, str]
"""Offset from UTC, daylight-saving offset, abbreviation: what changes at a transition."""


@dataclass(frozen=True)
class Transition:
    """One change of a zone's offset, abbreviation or daylight flag."""

    at: int  # the instant, in seconds since the epoch
    before: timedelta
    after: timedelta
    name: str
    daylight: bool

    @property
    def onset(self) -> datetime:
        """The local time of the change read with the offset before it, as RFC 5545 writes DTSTART."""
        return EPOCH + timedelta(seconds=self.at) + self.before

    @property
    def instant(self) -> datetime:
        return datetime.fromtimestamp(self.at, UTC)


@dataclass
class _Run:
    """Transitions of one kind in consecutive years that one yearly rule describes."""

    transitions: list[Transition]
    rules: set[tuple[int, str, int | str]] = field(default_factory=set)

    @property
    def last_year(self) -> int:
        return self.transitions[-1].onset.year


def _state(zone: ZoneInfo, at: int) -> State:
    moment = datetime.fromtimestamp(at, zone)
    return moment.utcoffset(), moment.dst(), moment.tzname()


def _noon_states(zone: ZoneInfo, first: date, count: int) -> list[State]:
    """The state at local noon of `count` days from `first`: cheap, to see which days have a change."""
    noons = list(
        accumulate(repeat(timedelta(days=1), count - 1), initial=datetime(first.year, first.month, first.day, 12))
    )
    return list(zip(map(zone.utcoffset, noons), map(zone.dst, noons), map(zone.tzname, noons), strict=True))


def _change(zone: ZoneInfo, low: int, high: int, before: State) -> int:
    """The first second after `low` whose state differs from `before`, given that `high`'s does."""
    while high - low > 1:
        middle = (low + high) // 2
        if _state(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high


def _scan(zone: ZoneInfo, start: int, stop: int) -> Iterator[Transition]:
    """Every transition in [start, stop), a day at a time and then to the second."""
    before = _state(zone, start)
    at = start
    while at < stop:
        step = min(at + DAY, stop)
        state = _state(zone, step)
        if state != before:
            at = _change(zone, at, step, before)
            offset, dst, name = state = _state(zone, at)
            yield Transition(at, before[0], offset, name, bool(dst))
            before = state
        else:
            at = step


def _seconds(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _window(day: date) -> tuple[int, int]:
    """The instants within which a change first seen at local noon of `day` can have happened."""
    return _seconds(day) - 2 * DAY, _seconds(day) + 2 * DAY


def transitions(zone: ZoneInfo, start: int, stop: int) -> list[Transition]:
    """Every transition in [start, stop), in order.

    Days whose local noon differs from the day before's are found in bulk;
    only around those is the zone read instant by instant. A day is well
    under the shortest time between two transitions anywhere in the zone
    database (about four days), so none is stepped over.
    """
    first = datetime.fromtimestamp(start, UTC).date() - timedelta(days=2)
    count = (datetime.fromtimestamp(stop, UTC).date() - first).days + 3
    states = _noon_states(zone, first, count)
    windows = [_window(first + timedelta(days=i)) for i in range(1, count) if states[i] != states[i - 1]]
    found: list[Transition] = []
    for low, high in windows:
        low = max(low, start, found[-1].at + 1 if found else start)
        found.extend(_scan(zone, low, min(high, stop)))
    return found


def in_force(zone: ZoneInfo, at: int) -> Transition | None:
    """The latest transition at or before `at`, or None if the zone has none since 1800."""
    high = datetime.fromtimestamp(at, UTC).date() + timedelta(days=2)
    while _seconds(high) > FLOOR:
        low = max(high - timedelta(days=3650), date(1800, 1, 1))
        states = _noon_states(zone, low, (high - low).days + 1)
        for i in range(len(states) - 1, 0, -1):
            if states[i] != states[i - 1]:
                window = _window(low + timedelta(days=i))
                earlier = [t for t in _scan(zone, window[0], min(window[1], at + 1)) if t.at <= at]
                if earlier:
                    return earlier[-1]
        high = low
    return None


def _rules(onset: datetime) -> set[tuple[int, str, int | str]]:
    """The yearly rules this onset fits, best first when sorted: last weekday, nth weekday, day of month."""
    weekday = WEEKDAYS[onset.weekday()]
    rules: set[tuple[int, str, int | str]] = {(2, "BYMONTHDAY", onset.day)}
    nth = (onset.day - 1) // 7 + 1
    if nth <= 4:
        rules.add((1, "BYDAY", f"{nth}{weekday}"))
    if onset.day + 7 > monthrange(onset.year, onset.month)[1]:
        rules.add((0, "BYDAY", f"-1{weekday}"))
    return rules


def _runs(found: list[Transition]) -> list[_Run]:
    """Group transitions into runs of consecutive years on one yearly rule, in order of their first onset."""
    runs: list[_Run] = []
    open_runs: dict[tuple, _Run] = {}
    for transition in found:
        onset = transition.onset
        key = (transition.daylight, transition.before, transition.after, transition.name, onset.month, onset.time())
        rules = _rules(onset)
        run = open_runs.get(key)
        if run is not None and run.last_year == onset.year - 1 and run.rules & rules:
            run.transitions.append(transition)
            run.rules &= rules
        else:
            run = _Run([transition], rules)
            open_runs[key] = run
            runs.append(run)
    return runs


def _observance(run: _Run, ongoing: bool) -> TimezoneStandard | TimezoneDaylight:
    first = run.transitions[0]
    observance = TimezoneDaylight() if first.daylight else TimezoneStandard()
    observance.DTSTART = first.onset
    observance.TZOFFSETFROM = first.before
    observance.TZOFFSETTO = first.after
    observance.add("TZNAME", first.name)
    if len(run.transitions) > 1:
        _, part, value = min(run.rules)
        rule = vRecur(FREQ="YEARLY", BYMONTH=first.onset.month, **{part: value})
        if not ongoing:
            rule["UNTIL"] = run.transitions[-1].instant + timedelta(days=1)
        observance.add("RRULE", rule)
    return observance


def _fixed(zone: ZoneInfo, at: int, first: date) -> TimezoneStandard | TimezoneDaylight:
    """The observance of a zone unchanged since 1800: its offsets are equal, so there is no onset to get wrong."""
    offset, dst, name = _state(zone, at)
    observance = TimezoneDaylight() if dst else TimezoneStandard()
    observance.DTSTART = EPOCH if first > EPOCH.date() else datetime(first.year - 1, 1, 1)
    observance.TZOFFSETFROM = offset
    observance.TZOFFSETTO = offset
    observance.add("TZNAME", name)
    return observance


def timezone_component(tzid: str, first: date, last: date) -> Timezone:
    """The VTIMEZONE for every local time from `first` through `last` (both whole days) in zone `tzid`.

    Onsets after `last` are included where they are the zone's ongoing yearly
    rules, so a reader that looks only at the latest rule (Outlook) sees
    the one in force.
    """
    zone = ZoneInfo(tzid)
    # A day's margin either side covers every offset a local day can have.
    start = _seconds(first) - DAY
    end = _seconds(last + timedelta(days=1)) + DAY
    # Two more years to tell a rule still in force from one that ended with the range.
    horizon_year = last.year + 2
    horizon = int(datetime(horizon_year + 1, 1, 1, tzinfo=UTC).timestamp())

    initial = in_force(zone, start)
    found = ([initial] if initial else []) + transitions(zone, start, horizon)
    tz = Timezone()
    tz.add("TZID", tzid)
    if initial is None:
        tz.add_component(_fixed(zone, start, first))
    for run in _runs(found):
        ongoing = run.last_year == horizon_year
        if run.transitions[0].at < end or (ongoing and len(run.transitions) > 1):
            tz.add_component(_observance(run, ongoing))
    return tz


@lru_cache(maxsize=1024)
def vtimezone(tzid: str, first: date, last: date) -> bytes:
    """The serialised VTIMEZONE of `timezone_component`, made once per zone and range."""
    return timezone_component(tzid, first, last).to_ical()
