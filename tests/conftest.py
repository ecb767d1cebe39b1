"""The harness: an app over a private copy of the data, its test client, and a CLI runner."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import icalendar
import pytest
import vobject
from click.testing import CliRunner
from ical.calendar_stream import IcsCalendarStream
from parsers import forget_vobject_zones

from showcal.web import create_app

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events.yaml"
EXAMPLE = Path(__file__).parent / "data" / "web-example.yaml"


@pytest.fixture
def events_copy(tmp_path: Path) -> Path:
    """The shipped events.yaml copied into tmp_path, free to edit."""
    target = tmp_path / "data" / "events.yaml"
    target.parent.mkdir()
    shutil.copyfile(EVENTS, target)
    return target


@pytest.fixture
def example_copy(tmp_path: Path) -> Path:
    """Two invented example shows (timed events, several days, a bundle to make)."""
    target = tmp_path / "example" / "events.yaml"
    target.parent.mkdir()
    shutil.copyfile(EXAMPLE, target)
    return target


@pytest.fixture
def app(events_copy: Path):
    return create_app({"TESTING": True, "DATA": str(events_copy), "RELOAD_INTERVAL": 0})


@pytest.fixture
def example_app(example_copy: Path):
    return create_app({"TESTING": True, "DATA": str(example_copy), "RELOAD_INTERVAL": 0})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def example_client(example_app):
    return example_app.test_client()


@pytest.fixture
def editable(tmp_path: Path):
    """`showcal serve` over real HTTP on a copy of the data, its watcher looking every second, as a curator runs it."""
    from test_http import data_copy, free_port, serve_command, start, stop

    data = data_copy(tmp_path / "data")
    port = free_port()
    server = start(serve_command(data, port), port, data, tmp_path / "serve.log")
    yield server
    stop(server)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@dataclass(frozen=True)
class Parsed:
    """One feed as three independent parsers read it: UID to start, per parser."""

    icalendar: dict[str, date | datetime]
    ical: dict[str, date | datetime]
    vobject: dict[str, date | datetime]
    calendar: icalendar.Calendar

    @property
    def starts(self) -> dict[str, date | datetime]:
        assert self.icalendar == self.ical == self.vobject, "the parsers disagree"
        return self.icalendar


def parse(body: bytes) -> Parsed:
    forget_vobject_zones()
    text = body.decode("utf-8")
    cal = icalendar.Calendar.from_ical(body)
    by_icalendar = {str(e["UID"]): e.decoded("DTSTART") for e in cal.walk("VEVENT")}
    by_ical = {e.uid: e.dtstart for e in IcsCalendarStream.calendar_from_ics(text).events}
    by_vobject = {e.uid.value: e.dtstart.value for e in getattr(vobject.readOne(text), "vevent_list", [])}
    return Parsed(by_icalendar, by_ical, by_vobject, cal)


@pytest.fixture
def parse_feed() -> Callable[[bytes], Parsed]:
    """Parse a feed with icalendar, ical and vobject; `.starts` asserts they agree."""
    return parse
