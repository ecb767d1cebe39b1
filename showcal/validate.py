"""From YAML nodes to a Catalog, collecting every problem on the way.

Each check records a Problem and carries on with a placeholder, so a
curator sees every mistake of a run at once instead of one per run.
"""

from __future__ import annotations

import difflib
import gc
import re
import zoneinfo
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from .errors import DataError, Problem
from .load import Source, read_sources
from .model import KINDS, STATUSES, AllDay, Catalog, Event, Show, Site, Timed, Undated

SITE_KEYS = ("title", "description", "url", "timezone", "refresh")
SHOW_KEYS = ("slug", "title", "network", "homepage", "description", "events")
COMMON_EVENT_KEYS = (
    "kind",
    "date",
    "until",
    "start",
    "end",
    "duration",
    "timezone",
    "tba",
    "status",
    "location",
    "description",
    "sources",
    "url",
    "season",
)
EVENT_KEYS = ("id", "title", "episode", *COMMON_EVENT_KEYS)
RUN_KEYS = ("run", "first_episode", "count", "every", "dates", "titles", "premiere", "finale", *COMMON_EVENT_KEYS)

DEFAULT_DURATION = timedelta(hours=1)
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?\Z")
SPAN = re.compile(r"(?:(\d+)\s*d)?\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m(?:in)?)?\Z")
EVERY = re.compile(r"(?:(daily|weekly)|(\d+)\s*(day|week)s?)\Z")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
LINE_BREAK = re.compile(r"[\r\n\t\u2028\u2029]")
TRUE_FALSE = {"true": True, "false": False, "yes": True, "no": False}

STR = "tag:yaml.org,2002:str"
NULL = "tag:yaml.org,2002:null"


def load_catalog(path: str | Path) -> Catalog:
    """Read, check and build the catalogue, or raise DataError with every problem.

    The collector is paused meanwhile: YAML node graphs hold no cycles, and
    rescanning millions of live nodes made a catalogue-sized load 3x slower.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        sources, problems = read_sources(Path(path))
        checker = Checker()
        catalog = checker.catalog(sources)
        problems += checker.problems
    finally:
        if collecting:
            gc.enable()
    if problems:
        raise DataError(problems)
    return catalog


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _suggest(word: str, choices: Any) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class Checker:
    """Walks the nodes of one run; `problems` holds what it found."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.file = ""
        self.misspelt: dict[int, set[str]] = {}  # node id -> keys an unknown key was taken for

    # -- reporting -----------------------------------------------------------

    def problem(self, node: yaml.Node, path: str, message: str) -> None:
        mark = node.start_mark
        self.problems.append(Problem(self.file, mark.line + 1, mark.column + 1, path, message))

    # -- structure -----------------------------------------------------------

    def mapping(self, node: yaml.Node, path: str, allowed: tuple[str, ...], what: str) -> dict:
        """Keys to (key node, value node); unknown and repeated keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, path, f"{what} must be a mapping of keys to values, not {_kind(node)}")
            return {}
        fields: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for key, value in node.value:
            name = key.value if isinstance(key, yaml.ScalarNode) else None
            if not isinstance(name, str) or key.tag not in (STR, NULL) and not name:
                self.problem(key, path, "keys must be plain words")
            elif name in fields:
                first = fields[name][0].start_mark.line + 1
                self.problem(key, _join(path, name), f"duplicate key (first given on line {first}); keep one")
            elif name not in allowed:
                hint = _suggest(name, allowed) or f"; allowed keys: {', '.join(allowed)}"
                if "did you mean" in hint:
                    self.misspelt.setdefault(id(node), set()).add(hint.split("'")[1])
                self.problem(key, _join(path, name), f"unknown key '{name}'{hint}")
            else:
                fields[name] = (key, value)
        return fields

    def sequence(self, node: yaml.Node, path: str, what: str) -> list[yaml.Node]:
        if isinstance(node, yaml.SequenceNode):
            return list(node.value)
        self.problem(node, path, f"{what} must be a list (lines starting with '- '), not {_kind(node)}")
        return []

    def required(self, fields: dict, name: str, owner: yaml.Node, path: str, what: str) -> bool:
        if name in fields:
            return True
        if name not in self.misspelt.get(id(owner), ()):  # the unknown key's message says it already
            self.problem(owner, path, f"{what} needs '{name}:'")
        return False

    # -- scalars -------------------------------------------------------------

    def scalar(self, node: yaml.Node, path: str, what: str) -> str | None:
        if isinstance(node, yaml.ScalarNode) and node.tag != NULL:
            return node.value
        if isinstance(node, yaml.ScalarNode):
            self.problem(node, path, f"{what} is empty; give a value or remove the key")
        else:
            self.problem(node, path, f"{what} must be a single value, not {_kind(node)}")
        return None

    def text(self, node: yaml.Node, path: str, what: str, *, one_line: bool = True) -> str:
        value = self.scalar(node, path, what)
        if value is None:
            return ""
        bad = CONTROL.search(value) or (LINE_BREAK.search(value) if one_line else None)
        if bad:
            where = "a line break or tab" if bad.group() in "\r\n\t\u2028\u2029" else "a control character"
            code = f"U+{ord(bad.group()):04X}"
            self.problem(node, path, f"{what} contains {where} ({code}); remove it")
        return value.strip()

    def integer(self, node: yaml.Node, path: str, what: str, minimum: int = 0) -> int | None:
        value = self.scalar(node, path, what)
        if value is None:
            return None
        if not re.fullmatch(r"[+]?\d+", value):
            self.problem(node, path, f"{what} must be a whole number, not '{value}'")
            return None
        number = int(value)
        if number < minimum:
            self.problem(node, path, f"{what} must be at least {minimum}, not {number}")
            return None
        return number

    def boolean(self, node: yaml.Node, path: str, what: str) -> bool:
        value = self.scalar(node, path, what)
        if value is None or value.lower() not in TRUE_FALSE:
            if value is not None:
                self.problem(node, path, f"{what} must be true or false, not '{value}'")
            return False
        return TRUE_FALSE[value.lower()]

    def slug(self, node: yaml.Node, path: str, what: str) -> str:
        value = self.scalar(node, path, what) or ""
        if value and not SLUG.match(value):
            fixed = re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")
            hint = f"; for example '{fixed}'" if fixed else ""
            self.problem(node, path, f"{what} '{value}' may use only a-z, 0-9 and single hyphens{hint}")
        return value

    def url(self, node: yaml.Node, path: str, what: str) -> str:
        value = self.text(node, path, what)
        parts = urlsplit(value) if value else None
        if parts is not None and (parts.scheme not in ("http", "https") or not parts.netloc or " " in value):
            self.problem(node, path, f"{what} '{value}' is not a web address; write it as https://host/path")
        return value

    def date(self, node: yaml.Node, path: str, what: str) -> date | None:
        value = self.scalar(node, path, what)
        if value is None:
            return None
        if not DATE.match(value):
            self.problem(node, path, f"{what} '{value}' is not a date; write it as YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            self.problem(node, path, f"{what} {value} does not exist ({exc})")
            return None

    def local_datetime(self, node: yaml.Node, path: str, what: str) -> datetime | None:
        value = self.scalar(node, path, what)
        if value is None:
            return None
        if not DATETIME.match(value):
            self.problem(
                node,
                path,
                f"{what} '{value}' is not a date and time; write it as YYYY-MM-DDTHH:MM"
                " and give the zone with 'timezone:'",
            )
            return None
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            self.problem(node, path, f"{what} {value} does not exist ({exc})")
            return None

    def zone(self, node: yaml.Node, path: str) -> str | None:
        value = self.scalar(node, path, "timezone")
        if value is None:
            return None
        if value not in _zones():
            hint = _suggest(value, _zones()) or "; use an IANA name such as 'America/New_York'"
            self.problem(node, path, f"unknown time zone '{value}'{hint}")
            return None
        return value

    def span(self, node: yaml.Node, path: str, what: str) -> timedelta | None:
        value = self.scalar(node, path, what)
        if value is None:
            return None
        match = SPAN.match(value.strip())
        if not value.strip() or not match:
            self.problem(node, path, f"{what} '{value}' is not a length of time; write it like 45m, 2h or 1h30m")
            return None
        days, hours, minutes = (int(g or 0) for g in match.groups())
        span = timedelta(days=days, hours=hours, minutes=minutes)
        if not span:
            self.problem(node, path, f"{what} must be longer than zero")
            return None
        return span

    # -- the document --------------------------------------------------------

    def catalog(self, sources: list[Source]) -> Catalog:
        """Site settings first, from whichever file holds them, since shows' times depend on them."""
        documents = []
        for source in sources:
            self.file = source.name
            documents.append((source, self.mapping(source.node, "", ("site", "shows"), "a data file")))
        site: Site | None = None
        for source, fields in documents:
            self.file = source.name
            if "site" in fields and site is not None:
                self.problem(fields["site"][0], "site", "site settings are given in another file already")
            elif "site" in fields:
                site = self.site(fields["site"][1])
        site = site or Site()
        shows: list[Show] = []
        seen: dict[str, tuple[str, int]] = {}
        for source, fields in documents:
            self.file = source.name
            if "shows" not in fields:
                if isinstance(source.node, yaml.MappingNode):
                    self.problem(source.node, "", "a data file needs a 'shows:' list")
                continue
            for index, node in enumerate(self.sequence(fields["shows"][1], "shows", "shows")):
                show = self.show(node, f"shows[{index}]", site)
                if show is None:
                    continue
                slug_node = _value_of(node, "slug")
                if show.slug in seen:
                    file, line = seen[show.slug]
                    self.problem(
                        slug_node,
                        f"shows[{index}].slug",
                        f"duplicate show slug '{show.slug}' (also at {file}:{line}); slugs must be unique",
                    )
                else:
                    seen[show.slug] = (self.file, slug_node.start_mark.line + 1)
                    shows.append(show)
        return Catalog(site=site, shows=tuple(shows))

    def site(self, node: yaml.Node) -> Site:
        fields = self.mapping(node, "site", SITE_KEYS, "site")
        values: dict[str, Any] = {}
        readers: dict[str, Callable] = {
            "title": self.text,
            "description": self.text,
            "url": self.url,
            "refresh": self.span,
        }
        for name, (_, value) in fields.items():
            if name == "timezone":
                values[name] = self.zone(value, "site.timezone")
            else:
                values[name] = readers[name](value, f"site.{name}", name)
        return Site(**{k: v for k, v in values.items() if v is not None and v != ""})

    def show(self, node: yaml.Node, path: str, site: Site) -> Show | None:
        fields = self.mapping(node, path, SHOW_KEYS, "a show")
        if not fields:
            return None
        self.required(fields, "slug", node, path, "a show")
        self.required(fields, "title", node, path, "a show")
        slug = self.slug(fields["slug"][1], f"{path}.slug", "slug") if "slug" in fields else ""
        title = self.text(fields["title"][1], f"{path}.title", "title") if "title" in fields else ""
        extras = {
            name: reader(fields[name][1], f"{path}.{name}", name, **kwargs)
            for name, reader, kwargs in (
                ("network", self.text, {}),
                ("homepage", self.url, {}),
                ("description", self.text, {"one_line": False}),
            )
            if name in fields
        }
        events: list[Event] = []
        if "events" in fields:
            items = self.sequence(fields["events"][1], f"{path}.events", "events")
            events = self.events(items, f"{path}.events", slug, title, site)
        return Show(slug=slug, title=title, events=tuple(events), **extras)

    def events(self, items: list[yaml.Node], path: str, slug: str, show_title: str, site: Site) -> list[Event]:
        events: list[Event] = []
        seen: dict[str, int] = {}
        for index, node in enumerate(items):
            here = f"{path}[{index}]"
            is_run = isinstance(node, yaml.MappingNode) and any(k.value == "run" for k, _ in node.value)
            made = self.run(node, here, slug, site) if is_run else self.event(node, here, slug, site)
            id_node = _value_of(node, "run" if is_run else "id") if made else node
            for event in made:
                if event.id in seen:
                    self.problem(
                        id_node,
                        f"{here}.{'run' if is_run else 'id'}",
                        f"duplicate event id '{event.id}' in this show "
                        f"(first on line {seen[event.id]}); ids must be unique within a show",
                    )
                    continue
                seen[event.id] = id_node.start_mark.line + 1
                events.append(event)
        return events

    def event(self, node: yaml.Node, path: str, slug: str, site: Site) -> list[Event]:
        fields = self.mapping(node, path, EVENT_KEYS, "an event")
        if not fields:
            return []
        ok = self.required(fields, "id", node, path, "an event")
        ok = self.required(fields, "title", node, path, "an event") and ok
        event_id = self.slug(fields["id"][1], f"{path}.id", "id") if "id" in fields else ""
        title = self.text(fields["title"][1], f"{path}.title", "title") if "title" in fields else ""
        episode = self.integer(fields["episode"][1], f"{path}.episode", "episode", 0) if "episode" in fields else None
        when = self.when(fields, node, path, site)
        common = self.common(fields, path)
        if not ok or when is None or common is None:
            return []
        safe = _episode_label(common.get("season"), episode) or title
        return [Event(show=slug, id=event_id, title=title, safe_title=safe, when=when, episode=episode, **common)]

    def common(self, fields: dict, path: str) -> dict[str, Any] | None:
        """The keys an event and an episode run share, besides the date."""
        values: dict[str, Any] = {}
        before = len(self.problems)
        if "kind" in fields:
            kind = self.scalar(fields["kind"][1], f"{path}.kind", "kind")
            if kind is not None and kind not in KINDS:
                hint = _suggest(kind, KINDS) or f"; use one of: {', '.join(KINDS)}"
                self.problem(fields["kind"][1], f"{path}.kind", f"unknown kind '{kind}'{hint}")
            values["kind"] = kind
        if "status" in fields:
            status = self.scalar(fields["status"][1], f"{path}.status", "status")
            if status is not None and status not in STATUSES:
                hint = _suggest(status, STATUSES) or f"; use one of: {', '.join(STATUSES)}"
                self.problem(fields["status"][1], f"{path}.status", f"unknown status '{status}'{hint}")
            values["status"] = status
        for name, one_line in (("location", True), ("description", False)):
            if name in fields:
                values[name] = self.text(fields[name][1], f"{path}.{name}", name, one_line=one_line)
        if "url" in fields:
            values["url"] = self.url(fields["url"][1], f"{path}.url", "url")
        if "season" in fields:
            values["season"] = self.integer(fields["season"][1], f"{path}.season", "season", 0)
        if "sources" in fields:
            node = fields["sources"][1]
            items = node.value if isinstance(node, yaml.SequenceNode) else [node]
            values["sources"] = tuple(
                self.url(item, f"{path}.sources" + (f"[{i}]" if node is not item else ""), "source")
                for i, item in enumerate(items)
            )
        values.setdefault("kind", "other")
        return None if len(self.problems) > before else values

    def when(self, fields: dict, owner: yaml.Node, path: str, site: Site) -> AllDay | Timed | Undated | None:
        """Exactly one of date (with until), start (with end or duration) and tba."""
        given = [k for k in ("date", "start", "tba") if k in fields]
        if len(given) != 1:
            node = fields[given[1]][0] if given else owner
            message = (
                "give only one of 'date:', 'start:' and 'tba:'"
                if given
                else "needs a date: 'date: YYYY-MM-DD', 'start: YYYY-MM-DDTHH:MM' or 'tba: <hint>'"
            )
            self.problem(node, path, message)
            return None
        for loose, belongs in (("until", "date"), ("end", "start"), ("duration", "start"), ("timezone", "start")):
            if loose in fields and belongs not in fields:
                self.problem(fields[loose][0], f"{path}.{loose}", f"'{loose}:' goes with '{belongs}:'")
                return None
        if "tba" in fields:
            node = fields["tba"][1]
            hint = (
                "TBA" if node.tag != STR and node.value.lower() in TRUE_FALSE else self.text(node, f"{path}.tba", "tba")
            )
            return Undated(hint or "TBA")
        if "date" in fields:
            return self.all_day(fields, path)
        return self.timed(fields, path, site)

    def all_day(self, fields: dict, path: str) -> AllDay | None:
        first = self.date(fields["date"][1], f"{path}.date", "date")
        last = first
        if "until" in fields:
            last = self.date(fields["until"][1], f"{path}.until", "until")
            if first and last and last < first:
                self.problem(
                    fields["until"][1],
                    f"{path}.until",
                    f"until {last} is before the date {first}; 'until' is the last day",
                )
                return None
        return AllDay(first, last) if first and last else None

    def timed(self, fields: dict, path: str, site: Site) -> Timed | None:
        zone_name = self.zone(fields["timezone"][1], f"{path}.timezone") if "timezone" in fields else site.timezone
        local = self.local_datetime(fields["start"][1], f"{path}.start", "start")
        if zone_name is None or local is None:
            return None
        start = self.in_zone(local, zone_name, fields["start"][1], f"{path}.start", "start")
        if start is None:
            return None
        if "end" in fields and "duration" in fields:
            self.problem(fields["duration"][0], f"{path}.duration", "give 'end:' or 'duration:', not both")
            return None
        end = (start.astimezone(UTC) + DEFAULT_DURATION).astimezone(start.tzinfo)
        if "duration" in fields:
            span = self.span(fields["duration"][1], f"{path}.duration", "duration")
            if span is None:
                return None
            end = (start.astimezone(UTC) + span).astimezone(start.tzinfo)
        elif "end" in fields:
            node = fields["end"][1]
            local_end = self.local_datetime(node, f"{path}.end", "end")
            end = local_end and self.in_zone(local_end, zone_name, node, f"{path}.end", "end")
            if end is None:
                return None
            if end <= start:
                self.problem(
                    node, f"{path}.end", f"end {local_end:%Y-%m-%dT%H:%M} is not after start {local:%Y-%m-%dT%H:%M}"
                )
                return None
        return Timed(start=start, end=end, timezone=zone_name)

    def in_zone(self, local: datetime, zone_name: str, node: yaml.Node, path: str, what: str) -> datetime | None:
        """Attach the zone; a wall time the clocks skip is an error, a repeated one means its first occurrence."""
        aware = local.replace(tzinfo=zoneinfo.ZoneInfo(zone_name), fold=0)
        if _skipped(aware):
            self.problem(
                node,
                path,
                f"{what} {local:%Y-%m-%dT%H:%M} does not exist in {zone_name} "
                "(the clocks skip it); give a time outside the change",
            )
            return None
        return aware

    # -- episode runs --------------------------------------------------------

    def run(self, node: yaml.Node, path: str, slug: str, site: Site) -> list[Event]:
        """An episode run: one stable event per episode, ids `<run>e<NN>`."""
        fields = self.mapping(node, path, RUN_KEYS, "an episode run")
        before = len(self.problems)
        prefix = self.slug(fields["run"][1], f"{path}.run", "run")
        first = (
            self.integer(fields["first_episode"][1], f"{path}.first_episode", "first_episode", 0)
            if "first_episode" in fields
            else 1
        )
        count = None
        if self.required(fields, "count", node, path, "an episode run"):
            count = self.integer(fields["count"][1], f"{path}.count", "count", 1)
        titles = (
            [
                self.text(n, f"{path}.titles[{i}]", "title")
                for i, n in enumerate(self.sequence(fields["titles"][1], f"{path}.titles", "titles"))
            ]
            if "titles" in fields
            else []
        )
        if count is not None and len(titles) > count:
            self.problem(
                fields["titles"][1],
                f"{path}.titles",
                f"{len(titles)} titles for {count} episodes; give at most one title per episode",
            )
        dates = self.run_dates(fields, node, path, count, site)
        common = self.common(fields, path)
        if "kind" not in fields and common is not None:
            common["kind"] = "episode"
        flags = {k: self.boolean(fields[k][1], f"{path}.{k}", k) for k in ("premiere", "finale") if k in fields}
        if len(self.problems) > before or common is None or dates is None or first is None:
            return []
        season = common.get("season")
        events = []
        width = max(2, len(str(first + len(dates) - 1)))
        for offset, when in enumerate(dates):
            number = first + offset
            kind = common["kind"]
            if flags.get("premiere") and offset == 0:
                kind = "premiere"
            if flags.get("finale") and offset == len(dates) - 1:
                kind = "finale"
            label = _episode_label(season, number)
            name = titles[offset] if offset < len(titles) and titles[offset] else ""
            suffix = {"premiere": " (season premiere)", "finale": " (season finale)"}.get(kind, "")
            events.append(
                Event(
                    show=slug,
                    id=f"{prefix}e{number:0{width}d}",
                    episode=number,
                    when=when,
                    title=(f"{label}: {name}" if name else label) + suffix,
                    safe_title=label + suffix,
                    **{**common, "kind": kind},
                )
            )
        return events

    def run_dates(self, fields: dict, owner: yaml.Node, path: str, count: int | None, site: Site) -> list | None:
        if "dates" in fields:
            if "every" in fields or "date" in fields or "start" in fields:
                self.problem(
                    fields["dates"][0],
                    f"{path}.dates",
                    "give 'dates:' alone, or a first 'date:'/'start:' with 'every:'",
                )
                return None
            nodes = self.sequence(fields["dates"][1], f"{path}.dates", "dates")
            days = [self.date(n, f"{path}.dates[{i}]", "date") for i, n in enumerate(nodes)]
            if count is not None and len(days) != count:
                self.problem(
                    fields["dates"][1],
                    f"{path}.dates",
                    f"{len(days)} date{'s' * (len(days) != 1)} for {count} episodes; give one date per episode",
                )
                return None
            return None if None in days else [AllDay(d, d) for d in days]  # type: ignore[arg-type]
        if not self.required(fields, "every", owner, path, "an episode run"):
            return None
        every = self.scalar(fields["every"][1], f"{path}.every", "every")
        match = EVERY.match((every or "").strip().lower())
        if not match:
            if every is not None:
                self.problem(
                    fields["every"][1],
                    f"{path}.every",
                    f"every '{every}' is not a cadence; use weekly, daily, or 'N days' / 'N weeks'",
                )
            return None
        named, number, unit = match.groups()
        step = (
            timedelta(days=1 if named == "daily" else 7)
            if named
            else timedelta(days=int(number) * (7 if unit == "week" else 1))
        )
        if not step:
            self.problem(fields["every"][1], f"{path}.every", "every must be at least one day")
            return None
        first = self.when(
            {k: v for k, v in fields.items() if k in ("date", "start", "end", "duration", "timezone")},
            owner,
            path,
            site,
        )
        if first is None or count is None:
            return None
        if isinstance(first, Undated) or isinstance(first, AllDay) and first.first != first.last:
            self.problem(owner, path, "an episode run starts on one 'date:' or 'start:'")
            return None
        dates = [_shifted(first, step * i) for i in range(count)]
        for number, when in enumerate(dates, 1):
            if isinstance(when, Timed) and _skipped(when.start):
                node = fields["start"][1]
                self.problem(node, f"{path}.start", f"episode {number} of this run would start at "
                             f"{when.start:%Y-%m-%dT%H:%M}, which does not exist in {when.timezone} "
                             "(the clocks skip it); choose a start time outside the change")  # fmt: skip
                return None
        return dates


def _shifted(when: AllDay | Timed, by: timedelta) -> AllDay | Timed:
    """The same wall-clock time `by` days later, as broadcasters schedule."""
    if isinstance(when, AllDay):
        return AllDay(when.first + by, when.last + by)
    zone = zoneinfo.ZoneInfo(when.timezone)
    length = when.end.astimezone(UTC) - when.start.astimezone(UTC)
    start = (when.start.replace(tzinfo=None) + by).replace(tzinfo=zone)
    end = (start.astimezone(UTC) + length).astimezone(zone)
    return Timed(start=start, end=end, timezone=when.timezone)


def _skipped(moment: datetime) -> bool:
    """A wall time the clocks jump over, such as 02:30 on a spring-forward night."""
    return moment.astimezone(UTC).astimezone(moment.tzinfo).replace(tzinfo=None) != moment.replace(tzinfo=None)


def _episode_label(season: int | None, episode: int | None) -> str:
    if episode is None:
        return ""
    return f"S{season} E{episode}" if season is not None else f"Episode {episode}"


def _value_of(node: yaml.MappingNode, key: str) -> yaml.Node:
    return next((v for k, v in node.value if k.value == key), node)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(node: yaml.Node) -> str:
    if isinstance(node, yaml.MappingNode):
        return "a mapping"
    if isinstance(node, yaml.SequenceNode):
        return "a list"
    return f"'{node.value}'"
