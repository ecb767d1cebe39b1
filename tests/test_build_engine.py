"""The build as an engine: work only where the data changed, on every core, in a folder always whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import icalendar
import pytest
from test_build import published

from showcal import build as build_module
from showcal import folder, parallel
from showcal.build import build
from showcal.errors import DataError
from showcal.folder import FolderError

ROOT = Path(__file__).parent.parent


def show_text(number: int, title: str = "") -> str:
    return (
        f"  - slug: example-{number:03d}\n"
        f"    title: {title or f'Example {number:03d}'}\n"
        "    events:\n"
        f"      - {{id: a, kind: premiere, title: First, date: 2025-0{1 + number % 9}-10}}\n"
        f"      - {{id: b, title: Second, start: 2025-06-0{1 + number % 9}T20:00, timezone: Europe/Berlin}}\n"
        "      - run: s01\n        count: 3\n        date: 2025-09-05\n        every: weekly\n"
    )


def catalogue(folder_: Path, shows: int = 12, files: int = 3, site: str = "Example site") -> Path:
    """An invented catalogue in `files` files: one holds the site settings."""
    folder_.mkdir(parents=True, exist_ok=True)
    per_file = -(-shows // files)
    for index in range(files):
        head = f"site:\n  title: {site}\n  timezone: UTC\n" if index == 0 else ""
        body = "".join(show_text(n) for n in range(index * per_file, min(shows, (index + 1) * per_file)))
        (folder_ / f"shows-{index}.yaml").write_text(head + "shows:\n" + body, encoding="utf-8")
    return folder_


def touch(path: Path, text: str, seconds: int) -> None:
    """Write a data file with a later modification time: the time of the data moves on."""
    path.write_text(text, encoding="utf-8")
    os.utime(path, (1_800_000_000 + seconds, 1_800_000_000 + seconds))


def test_an_unchanged_rebuild_renders_nothing_and_writes_nothing(tmp_path):
    data = catalogue(tmp_path / "data")
    first = build(data, tmp_path / "out")
    assert first.rendered == 12 and first.written
    again = build(data, tmp_path / "out")
    assert (again.rendered, again.written, again.removed) == (0, [], [])
    assert again.unchanged == first.total


def test_the_data_named_another_way_is_still_the_same_data(tmp_path, monkeypatch):
    """A build given `data` and a server (or build) given `/srv/site/data` find every file unchanged."""
    from showcal import catalogue as catalogue_module
    from showcal.live import load_version

    catalogue(tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    first = build(Path("data"), tmp_path / "out")
    reads = []
    real = catalogue_module.read_data
    monkeypatch.setattr(catalogue_module, "read_data", lambda path: reads.append(path) or real(path))
    again = build(tmp_path / "data", tmp_path / "out")
    assert (again.rendered, again.written, reads) == (0, [], [])
    assert again.unchanged == first.total
    version = load_version(tmp_path / "data", tmp_path / "out", pool=False)
    assert all(served.state is not None for served in version.shows.values()), "served from the build's files"


def test_a_server_reloading_after_one_edit_reads_that_file_and_renders_that_show(tmp_path, monkeypatch):
    from showcal import catalogue as catalogue_module
    from showcal.live import load_version

    data = catalogue(tmp_path / "data")
    build(data, tmp_path / "out")
    before = load_version(data, tmp_path / "out", pool=False)
    edited = data / "shows-1.yaml"
    touch(edited, edited.read_text(encoding="utf-8").replace("title: Example 005", "title: Retitled"), 10)
    reads = []
    real = catalogue_module.read_data
    monkeypatch.setattr(catalogue_module, "read_data", lambda path: reads.append(path) or real(path))
    after = load_version(data, tmp_path / "out", before, pool=False)
    assert reads == [edited]
    rendered = sorted(slug for slug, served in after.shows.items() if served.state is None)
    assert rendered == ["example-005"], "the show that changed, no other"
    assert after.summary("example-005").title == "Retitled"


def test_one_edit_renders_one_show_and_leaves_what_a_full_build_would(tmp_path):
    data, out = catalogue(tmp_path / "data"), tmp_path / "out"
    build(data, out)
    file = data / "shows-1.yaml"
    touch(file, file.read_text().replace("title: Example 005", "title: Example 005, retitled"), 100)
    edited = build(data, out)
    assert edited.rendered == 1
    changed = {p for p in edited.written if p.startswith("shows/")}
    assert changed == {"shows/example-005.ics", "shows/example-005.html", "shows/example-005.atom"} | {
        f"shows/example-005/{i}.ics" for i in ("a", "b", "s01e01", "s01e02", "s01e03")
    }
    everything = published(out)
    forced = build(data, out, force=True)
    assert forced.rendered == 12 and forced.written == [], "rendering everything again changes no byte"
    assert published(out) == everything


def browse_pages(out: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in published(out).items() if rel.startswith("browse/")}


def test_an_edit_renders_the_browse_pages_it_changes_and_they_are_what_a_full_build_makes(tmp_path, monkeypatch):
    data, out = catalogue(tmp_path / "data", shows=150), tmp_path / "out"
    build(data, out)
    rendered = []
    catalogue_page = build_module.pages.catalogue_page
    monkeypatch.setattr(
        build_module.pages, "catalogue_page", lambda *a, **k: rendered.append(a[2]) or catalogue_page(*a, **k)
    )
    file = data / "shows-2.yaml"  # shows 100 to 149: the second browse page
    touch(file, file.read_text().replace("date: 2025-05-10", "date: 2025-05-11", 1), 100)
    build(data, out)
    assert rendered == [2], "a show's new date is on its own browse page alone"
    assert "2025-05-11" not in (out / "browse/1.html").read_text()

    touch(file, file.read_text().replace("title: Example 120", "title: AAA, first of all"), 200)
    rendered.clear()
    build(data, out)
    assert rendered == [1, 2], "a show moving to the first page moves every row after it"
    assert "AAA, first of all" in (out / "browse/1.html").read_text()
    build(data, tmp_path / "fresh")
    assert browse_pages(out) == browse_pages(tmp_path / "fresh") and len(browse_pages(out)) == 2


def test_new_site_settings_render_every_show(tmp_path):
    data, out = catalogue(tmp_path / "data"), tmp_path / "out"
    build(data, out)
    head = data / "shows-0.yaml"
    touch(head, head.read_text().replace("title: Example site", "title: Example site, renamed"), 100)
    assert build(data, out).rendered == 12


def test_a_slug_an_edited_show_takes_from_an_unchanged_one_is_a_problem(tmp_path):
    data, out = catalogue(tmp_path / "data"), tmp_path / "out"
    build(data, out)
    before = published(out)
    last = data / "shows-2.yaml"
    touch(last, last.read_text().replace("slug: example-009", "slug: example-002"), 100)
    with pytest.raises(DataError) as error:
        build(data, out)
    [problem] = error.value.problems
    assert problem.file == str(last) and problem.path == "shows[1].slug"
    assert "duplicate show slug 'example-002' (also at " in problem.message and "shows-0.yaml:" in problem.message
    assert published(out) == before


def test_files_that_cannot_be_cut_at_their_shows_build_the_same(tmp_path):
    """A flow-style list, or an alias from one show to another, is read whole: same files as cut ones."""
    cut, whole = tmp_path / "cut.yaml", tmp_path / "whole" / "events.yaml"
    cut.write_text("shows:\n" + show_text(1) + show_text(2).replace("title: Example 002", "title: Shared"))
    whole.parent.mkdir()
    whole.write_text("shows:\n" + show_text(1).replace("title: Example 001", "title: &name Example 001")
                     + show_text(2).replace("title: Example 002", "title: Shared"))  # fmt: skip
    first = build(cut, tmp_path / "a")
    second = build(whole, tmp_path / "b")
    assert first.rendered == second.rendered == 2
    assert published(tmp_path / "a") == published(tmp_path / "b")


def test_shows_are_rendered_in_worker_processes_with_the_same_bytes(tmp_path, monkeypatch):
    data = catalogue(tmp_path / "data", shows=30)
    build(data, tmp_path / "alone")
    monkeypatch.setattr(parallel, "SMALL", 1)
    monkeypatch.setattr(parallel, "workers", lambda: 2)
    calls = []
    real = parallel.ProcessPoolExecutor
    monkeypatch.setattr(parallel, "ProcessPoolExecutor", lambda **kw: calls.append(kw) or real(**kw))
    result = build(data, tmp_path / "pooled")
    assert len(calls) == 2 and calls[0]["max_workers"] == 2, "files read and shows rendered in pools of processes"
    assert result.rendered == 30
    assert published(tmp_path / "pooled") == published(tmp_path / "alone")


def test_a_removed_show_and_a_removed_date_leave_no_file_behind(tmp_path):
    data, out = catalogue(tmp_path / "data"), tmp_path / "out"
    build(data, out)
    last = data / "shows-2.yaml"
    text = last.read_text()
    ten, eleven = text.index("  - slug: example-010"), text.index("  - slug: example-011")
    first_date = "      - {id: a, kind: premiere, title: First, date: 2025-02-10}\n"
    assert first_date in text[ten:eleven]
    touch(last, text[:ten] + text[ten:eleven].replace(first_date, ""), 100)
    result = build(data, out)
    assert "shows/example-011.html" in result.removed and "shows/example-011/a.ics" in result.removed
    assert "shows/example-010/a.ics" in result.removed
    assert not (out / "shows/example-011").exists() and (out / "shows/example-011.ics").exists()
    assert "shows/example-010/b.ics" not in result.removed


def test_the_combined_feed_past_its_limit_holds_the_next_dates_from_a_week_ago(tmp_path, monkeypatch):
    monkeypatch.setattr(build_module, "COMBINED_LIMIT", 10)
    monkeypatch.setattr("showcal.feeds.COMBINED_LIMIT", 10)
    data, out = catalogue(tmp_path / "data"), tmp_path / "out"
    build(data, out, today=date(2025, 9, 10))
    cal = icalendar.Calendar.from_ical((out / "all.ics").read_bytes())
    starts = sorted(e.decoded("DTSTART") for e in cal.walk("VEVENT"))
    assert len(starts) == 10
    assert all(str(s) >= "2025-09-03" for s in starts), "nothing that ended more than a week ago"
    assert str(starts[0])[:10] == "2025-09-05" and str(starts[-1])[:10] <= "2025-09-12"


def test_builds_of_one_folder_take_turns(tmp_path):
    data, out = catalogue(tmp_path / "data"), tmp_path / "out"
    build(data, out)
    said = []
    with folder.locked(out):
        runner = threading.Thread(target=lambda: said.append(build(data, out, waiting=lambda: said.append("waiting"))))
        runner.start()
        time.sleep(0.5)
        assert said == ["waiting"], "the second build waits while the first holds the folder"
    runner.join(timeout=30)
    assert said[0] == "waiting" and said[1].rendered == 0


def test_out_must_be_a_folder_of_its_own(tmp_path):
    data = catalogue(tmp_path / "data")
    with pytest.raises(FolderError, match="is a file, not a folder"):
        build(data, data / "shows-0.yaml")
    with pytest.raises(FolderError, match="is the data folder"):
        build(data, data)
    with pytest.raises(FolderError, match="holds the data"):
        build(data, tmp_path)
    single = tmp_path / "events.yaml"
    single.write_text("shows:\n" + show_text(1))
    with pytest.raises(FolderError, match="is a file"):
        build(single, single)
    assert single.read_text().startswith("shows:")


def test_out_a_link_is_written_where_it_points_and_stays_a_link(tmp_path):
    data = catalogue(tmp_path / "data")
    target = tmp_path / "volume"
    target.mkdir()
    link = tmp_path / "site"
    link.symlink_to(target)
    inode = target.stat().st_ino
    build(data, link)
    build(data, link)
    assert link.is_symlink() and (target / "all.ics").exists()
    assert target.stat().st_ino == inode, "the folder itself is never replaced (a mount point cannot be)"


def test_a_killed_build_leaves_a_whole_folder_and_the_next_build_finishes_it(tmp_path):
    """SIGKILL at many points of a rebuild of every show: every file is whole, old or new, and all.ics is there."""
    data, out = catalogue(tmp_path / "data", shows=60), tmp_path / "out"
    build(data, out)
    old = published(out)
    head = data / "shows-0.yaml"
    touch(head, head.read_text().replace("title: Example site", "title: Example site, renamed"), 100)
    command = [sys.executable, "-m", "showcal", "build", str(data), "--out", str(out), "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, timeout=120)
    took = time.perf_counter() - started
    new = published(out)
    assert new != old
    for attempt in range(12):
        restore(out, old)
        process = subprocess.Popen(command, env=env)
        time.sleep(took * attempt / 10)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        seen = published(out)
        assert "all.ics" in seen and "index.html" in seen
        for rel, body in seen.items():
            assert body in (old.get(rel), new.get(rel)), f"{rel} is neither the old nor the new file"
        subprocess.run(command, check=True, env=env, timeout=120)
        assert published(out) == new, f"the build after a kill at {attempt / 10:.0%} finishes the job"


def restore(out: Path, files: dict[str, bytes]) -> None:
    """Put the folder back as the earlier build left it (record included, cache dropped)."""
    import shutil

    shutil.rmtree(out)
    for rel, body in files.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(body)
