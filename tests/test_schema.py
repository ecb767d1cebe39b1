"""The editor's JSON Schema and the checker, side by side: one table, the same verdicts on structure."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from yaml12 import load

from showcal.errors import DataError
from showcal.rules import SHAPES
from showcal.schema import render, schema
from showcal.validate import load_catalog

ROOT = Path(__file__).parent.parent
COMMITTED = ROOT / "showcal.schema.json"
FIXTURES = [ROOT / "events.yaml", *sorted((Path(__file__).parent / "data").glob("*.yaml"))]
VALIDATOR = jsonschema.Draft7Validator(schema())


def header_example() -> str:
    """The format example in events.yaml's header comment, uncommented."""
    lines = (ROOT / "events.yaml").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("#   site:"))
    block = []
    for line in lines[start:]:
        if not (line.startswith("#   ") or line == "#"):
            break
        block.append(line[4:])
    return "\n".join(block) + "\n"


def schema_errors(text: str) -> list[str]:
    return [e.message for e in VALIDATOR.iter_errors(load(text))]


def checker_accepts(tmp_path: Path, text: str) -> bool:
    (tmp_path / "events.yaml").write_text(text, encoding="utf-8")
    try:
        load_catalog(tmp_path / "events.yaml")
    except DataError:
        return False
    return True


def test_the_committed_schema_is_what_the_rules_say_now():
    assert COMMITTED.read_text(encoding="utf-8") == render(), "run: python -m showcal.schema > showcal.schema.json"


def test_the_schema_is_a_valid_draft_07_schema():
    jsonschema.Draft7Validator.check_schema(json.loads(COMMITTED.read_text(encoding="utf-8")))


def test_events_yaml_points_editors_at_the_schema():
    first, second = (ROOT / "events.yaml").read_text(encoding="utf-8").splitlines()[:2]
    assert first == "# yaml-language-server: $schema=./showcal.schema.json"
    assert second == "# $schema: ./showcal.schema.json"


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: p.name)
def test_every_fixture_passes_both(path):
    load_catalog(path)
    assert schema_errors(path.read_text(encoding="utf-8")) == []


def test_the_header_example_passes_both_and_shows_every_key(tmp_path):
    text = header_example()
    assert checker_accepts(tmp_path, text)
    assert schema_errors(text) == []
    used: set[str] = set()

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                used.add(key.value)
                walk(value)
        elif isinstance(node, yaml.SequenceNode):
            for item in node.value:
                walk(item)

    walk(yaml.compose(text, Loader=yaml.CSafeLoader))
    assert {k.name for shape in SHAPES for k in shape.keys} - used == set()


GOOD = """\
site: {title: Example listings, timezone: America/New_York, refresh: 6h}
shows:
  - slug: example-show
    title: Example Show
    homepage: https://example.org/show
    events:
      - {id: panel, title: Panel, kind: panel, date: 2025-07-24, until: 2025-07-26, status: tentative}
      - {id: trailer, title: Trailer, kind: trailer, start: 2025-06-01T18:00, timezone: Europe/London, end: 2025-06-01T18:30}
      - run: s01
        season: 1
        count: 6
        per_release: 2
        start: 2025-09-04T21:00
        every: weekly
        titles: [One, Two]
        premiere: true
      - run: s02
        count: 3
        dates: [2026-01-01, {start: 2026-01-08T20:00, episodes: 2}]
      - {id: next, title: Next season, tba: 2027}
"""

MISTAKES = {
    "unknown key in the file": ("shows:", "showz: []\nshows:"),
    "unknown key in site": ("refresh: 6h}", "refresh: 6h, colour: red}"),
    "unknown key in a show": ("    homepage:", "    homepag: https://example.org/\n    homepage:"),
    "unknown key in an event": ("status: tentative}", "status: tentative, venue: Hall H}"),
    "unknown key in a run": ("        premiere: true", "        premiere: true\n        premeire: true"),
    "unknown key in a release": ("episodes: 2}", "episodes: 2, eps: 2}"),
    "unknown kind": ("kind: panel,", "kind: convention,"),
    "unknown status": ("status: tentative", "status: maybe"),
    "missing slug": ("  - slug: example-show\n    title", "  - title"),
    "missing show title": ("    title: Example Show\n", ""),
    "missing event id": ("{id: panel, title", "{title"),
    "missing event title": ("title: Panel, ", ""),
    "missing run count": ("        count: 6\n", ""),
    "no date at all": (", start: 2025-06-01T18:00, timezone: Europe/London, end: 2025-06-01T18:30", ""),
    "two dates": ("tba: 2027}", "tba: 2027, date: 2027-01-01}"),
    "until without date": ("end: 2025-06-01T18:30}", "end: 2025-06-01T18:30, until: 2025-06-02}"),
    "end and duration": ("end: 2025-06-01T18:30}", "end: 2025-06-01T18:30, duration: 1h}"),
    "title is a list": ("title: Panel,", "title: [Panel],"),
    "events is a mapping": ("    events:\n", "    events:\n      x: 1\n    eventz:\n"),
    "count is text": ("count: 6", "count: six"),
    "count is quoted": ("count: 6", 'count: "6"'),
    "premiere is yes": ("premiere: true", "premiere: yes"),
    "date is a list": ("date: 2025-07-24,", "date: [2025-07-24],"),
    "date is a number": ("date: 2025-07-24,", "date: 20250724,"),
    "sources is a mapping": ("status: tentative}", "status: tentative, sources: {a: b}}"),
    "a show is a list": ("  - slug: example-show", "  - [x]\n  - slug: example-show"),
    "a run without its date": ("        start: 2025-09-04T21:00\n", ""),
}


def test_the_example_is_good(tmp_path):
    assert checker_accepts(tmp_path, GOOD)
    assert schema_errors(GOOD) == []


@pytest.mark.parametrize("mistake", MISTAKES)
def test_structural_mistakes_are_refused_by_both(tmp_path, mistake):
    old, new = MISTAKES[mistake]
    assert GOOD.count(old) == 1, f"the mistake {mistake!r} must edit one place"
    text = GOOD.replace(old, new)
    assert not checker_accepts(tmp_path, text)
    assert schema_errors(text), f"the schema accepts {mistake}"


def test_a_settings_only_file_passes_both_in_a_folder(tmp_path):
    (tmp_path / "site.yaml").write_text("site:\n  title: Example listings\n")
    (tmp_path / "shows.yaml").write_text("shows: []\n")
    load_catalog(tmp_path)
    assert schema_errors((tmp_path / "site.yaml").read_text()) == []
