"""From YAML nodes to a Catalog, collecting every problem on the way.

The engine (`engine.py`) walks each mapping with its shape from `rules.py`
(which keys it may hold, what each holds, the rules between them); what a
table cannot say is checked by `when.py` (when an event happens) and
`runs.py` (how a run's releases fall). Each check records a Problem and
carries on, so a curator sees every mistake of a run at once instead of
one per run.

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
from pathlib import Path

import yaml

from .engine import Fields, read_mapping, value_of
from .errors import DataError, Problem
from .limits import MAX_EVENTS, MAX_SHOW_EVENTS
from .load import Source, read_sources
from .model import Catalog, Event, Show, Site
from .rules import EVENT, FILE, SHOW, SITE
from .runs import check_run, common, episode_label
from .values import NULL, SLUG, Report, sequence
from .when import event_when


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
    site, problems, holding = check_heads([(source.name, source.node) for source in sources])
    entries: list[ShowEntry] = []
    for name, shows in holding:
        for path, node in show_items(name, shows, problems):
            show, found = check_show(node, file=name, path=path, site=site)
            problems += found
            entries.append(ShowEntry(name, path, node, show))
    catalog, found = check_catalog(site, entries)
    return catalog, problems + found


def check_heads(documents: Sequence[tuple[str, yaml.Node]]) -> tuple[Site, list[Problem], list[tuple[str, yaml.Node]]]:
    """Each file's top-level keys and the one `site:` section; the `shows:` lists the files hold, by file."""
    problems: list[Problem] = []
    files: list[tuple[str, Fields | None]] = []
    for name, node in documents:
        report = Report(name)
        files.append((name, read_mapping(report, node, FILE, "")))
        problems += report.problems
    site: Site | None = None
    for name, fields in files:
        if fields is None or "site" not in fields.nodes:
            continue
        if site is not None:
            mark = fields.keys["site"].start_mark
            problems.append(
                Problem(name, mark.line + 1, mark.column + 1, "site", "site settings are given in another file already")
            )
            continue
        site, found = check_site(fields.nodes["site"], file=name)
        problems += found
    holding = [
        (name, fields.nodes["shows"]) for name, fields in files if fields is not None and "shows" in fields.nodes
    ]
    if not holding:
        for name, fields in files:
            if fields is not None and "shows" not in fields.suggested:
                problems.append(Problem(name, 1, 1, "", "a data file needs a 'shows:' list"))
    return site or Site(), problems, holding


def show_items(name: str, shows: yaml.Node, problems: list[Problem]) -> list[tuple[str, yaml.Node]]:
    """A `shows:` list's items with their paths; what is wrong with the list itself goes into `problems`."""
    report = Report(name)
    items = sequence(shows, report, "shows", "shows", limit=MAX_EVENTS)
    problems += report.problems
    return [(f"shows[{index}]", node) for index, node in enumerate(items or ())]


def claimed_slug(node: yaml.Node) -> yaml.Node | None:
    """The node of the slug a show's entry claims, even if the show has problems: a duplicate shows up at once."""
    slug_node = value_of(node, "slug")
    if slug_node is not None and slug_node.tag != NULL and SLUG.fullmatch(slug_node.value):
        return slug_node
    return None


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
        slug_node = claimed_slug(entry.node)
        if slug_node is not None:
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
            made, claimed, full = check_run(report, node, here, slug, site, room)
            if full:
                report.add(
                    value_of(node, "count") or node,
                    f"{here}.count",
                    f"this run takes the show past {MAX_SHOW_EVENTS:,} events, the limit for one show",
                )
        else:
            made, claimed = _event(report, node, here, slug, site)
        room -= len(made)
        if not claimed:
            events += made
            continue
        id_key = "run" if is_run else "id"
        id_node = value_of(node, id_key) or node
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


def _event(report: Report, node: yaml.Node, path: str, slug: str, site: Site) -> tuple[list[Event], list[str]]:
    before = len(report.problems)
    fields = read_mapping(report, node, EVENT, path)
    if fields is None:
        return [], []
    values = fields.values
    claimed = [values["id"]] if values.get("id") else []
    when = event_when(report, fields, site) if fields.rules_hold else None
    if len(report.problems) > before or when is None:
        return [], claimed
    episode = values.get("episode")
    shared = common(fields, "other")
    return [
        Event(
            show=slug,
            id=values["id"],
            title=values["title"],
            safe_title=episode_label(shared.get("season"), episode) or values["title"],
            when=when,
            episode=episode,
            episodes=(episode,) if episode is not None else (),
            **shared,
        )
    ], claimed
