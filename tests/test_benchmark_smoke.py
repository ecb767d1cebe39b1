"""The benchmark harness runs end to end on a tiny catalogue, and its parts do what the figures assume."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from icalendar import Calendar

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import baseline, catalogue  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from benchmarks.run import main  # noqa: E402
from benchmarks.tools import project_command  # noqa: E402
from benchmarks.yaml2ics_input import convert  # noqa: E402


def validate(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([*project_command("showcal"), "validate", str(path)], capture_output=True, text=True)


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_both_styles_and_layouts_are_valid_and_deterministic(tmp_path):
    for style, layout in (("explicit", "folder"), ("explicit", "file"), ("runs", "folder")):
        a, b = tmp_path / f"{style}-{layout}-a", tmp_path / f"{style}-{layout}-b"
        counts = generate(a, shows=4, events=83, seed=7, layout=layout, style=style)
        assert generate(b, shows=4, events=83, seed=7, layout=layout, style=style) == counts
        assert tree(a) == tree(b)
        checked = validate(a if layout == "folder" else a / "catalogue.yaml")
        assert checked.returncode == 0, checked.stderr
        assert f"4 shows, {counts.dated} dated events, {counts.undated} to be announced" in checked.stdout
    generate(tmp_path / "other-seed", shows=4, events=83, seed=8, style="runs")
    assert tree(tmp_path / "other-seed") != tree(tmp_path / "runs-folder-a")


def test_explicit_catalogue_spells_out_every_event_at_about_950_bytes(tmp_path):
    counts = generate(tmp_path, shows=30, seed=1, style="explicit")
    site, shows = baseline.read_catalogue(tmp_path)
    events = [e for show in shows for e in show["events"]]
    assert len(events) == counts.events == 600
    assert all("id" in e and "run" not in e for e in events)
    assert sum(1 for _ in baseline.dated_events(site, shows)) == counts.dated
    assert 850 <= catalogue.yaml_bytes(tmp_path) / counts.events <= 1050
    assert len(catalogue.data_files(tmp_path)) == 30


def test_baselines_write_every_dated_event_into_parseable_feeds(tmp_path):
    data = tmp_path / "data"
    counts = generate(data, shows=3, events=60, seed=3, style="explicit")
    uids = {}
    for how in ("floor", "icalendar"):
        out = tmp_path / how
        baseline.main([how, str(data), str(out)])
        combined = Calendar.from_ical((out / "all.ics").read_bytes())
        uids[how] = sorted(str(e["UID"]) for e in combined.walk("VEVENT"))
        assert len(uids[how]) == counts.dated
        show_events = sum(len(Calendar.from_ical(p.read_bytes()).events) for p in (out / "shows").glob("*.ics"))
        assert show_events == counts.dated
        zones = {e.zone for e in baseline.dated_events(*baseline.read_catalogue(data)) if e.zone}
        assert {tz.tz_name for tz in combined.timezones} == zones
    assert uids["floor"] == uids["icalendar"]
    files, dated = convert(data, tmp_path / "y2", shows=2)
    documents = [yaml.safe_load(p.read_text()) for p in sorted((tmp_path / "y2").glob("*.yaml"))]
    assert files == len(documents) == 2 and dated == sum(len(d["events"]) for d in documents) > 0


def test_a_title_edit_changes_one_line_and_keeps_the_data_valid(tmp_path):
    generate(tmp_path, shows=3, events=60, seed=5, style="runs")
    slug = catalogue.slugs(tmp_path)[1]
    edit = catalogue.title_edit(tmp_path, slug)
    before = edit.file.read_text().split("\n")
    edit.apply(" edited")
    after = edit.file.read_text().split("\n")
    assert [i for i, (x, y) in enumerate(zip(before, after, strict=True)) if x != y] == [edit.line]
    assert after[edit.line].endswith(' edited"') and validate(tmp_path).returncode == 0
    edit.undo()
    assert edit.file.read_text().split("\n") == before


def test_harness_measures_builds_and_the_server_from_outside(tmp_path):
    (report,) = main(["--shows", "4", "--repeats", "1", "--sections", "validate,build,server,reload,sizes",
                      "--workdir", str(tmp_path), "--reload-timeout", "60"])  # fmt: skip
    assert report.facts["failures"] == {}
    rows = {row.measurement: row for row in report.rows}
    assert report.facts["catalogue"]["shows"] == 4 and report.facts["catalogue"]["dated"] == 76
    assert report.facts["build"]["files_rewritten_unchanged"] == [0]
    assert report.facts["build"]["files_changed_by_edit"][0] > 0
    beside = [row for row in report.rows if row.measurement.strip().endswith("beside")]
    assert len(beside) == 3 * 2 and all(float(row.ratio) > 0 for row in beside)
    assert float(rows["`showcal validate`, wall time"].ratio) > 0
    assert rows["server start until a show feed answers 200"].values["seconds"][0] > 0
    assert rows["reload after a one-line edit: until the feed shows it"].values["first_s"][0] > 0
    assert rows["the build"].values["files"] > 1 + 4 + 76
