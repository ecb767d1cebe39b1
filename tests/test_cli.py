"""The command line as a curator uses it: messages, exit codes, and nothing lost on a bad edit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from showcal.cli import main

ROOT = Path(__file__).parent.parent
SHIPPED = (ROOT / "events.yaml").read_text(encoding="utf-8")


@pytest.fixture
def cli():
    return CliRunner()


@pytest.fixture
def workdir(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "events.yaml").write_text(SHIPPED, encoding="utf-8")
    return tmp_path


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_validate_the_shipped_data(cli, workdir):
    result = cli.invoke(main, ["validate"])
    assert (result.exit_code, result.output) == (0, "events.yaml: OK, 2 shows, 16 dated events, 1 to be announced\n")


def test_build_prints_one_summary_line(cli, workdir):
    result = cli.invoke(main, ["build", "events.yaml", "--out", "site"])
    assert result.exit_code == 0
    files = len([rel for rel in tree(workdir / "site") if not rel.startswith(".showcal/")])
    assert result.stdout.startswith(
        f"site: {files} files ({files} written, 0 unchanged, 0 removed); 2 shows rendered in "
    )
    assert result.stdout.count("\n") == 1
    assert result.stderr.startswith("note: site.url is not set"), "the curator hears it, not the visitors"
    again = cli.invoke(main, ["build", "events.yaml", "--out", "site", "--quiet"])
    assert (again.exit_code, again.output) == (0, "")


def test_a_site_with_an_address_builds_without_a_note(cli, workdir):
    (workdir / "events.yaml").write_text(SHIPPED.replace("site:\n", "site:\n  url: https://tv.example.org/\n", 1))
    result = cli.invoke(main, ["build", "events.yaml", "--out", "site"])
    assert (result.exit_code, result.stderr) == (0, "")


def line_of(text: str, needle: str) -> int:
    """The line of the last occurrence: an edit that duplicates something breaks the second copy."""
    return text[: text.rindex(needle)].count("\n") + 1


BROKEN_EDITS = {
    "impossible date": ("date: 2024-12-17", "date: 2024-12-32"),
    "misspelt key": ("        location: CCXP24", "        locaton: CCXP24"),
    "wrong type": ("count: 10", "count: ten"),
    "unknown kind": ("kind: physical-release", "kind: bluray"),
    "unclosed quote": ("title: Season 1 on Blu-ray", "title: 'Season 1 on Blu-ray"),
    "bad indentation": ("        title: Panel at CCXP24", "       title: Panel at CCXP24"),
    "control character": ("title: Season 3 premiere", 'title: "Season 3\\x07 premiere"'),
    "bad url": ("sources: https://www.dexerto.com/tv-movies/ben-stiller-major-severance-season-2-milestone-two-months-from-release-2983653/\n\n      - id: s1",
                "sources: www.dexerto.com/x\n\n      - id: s1"),
    "duplicate id": ("id: s1-blu-ray", "id: ccxp24-panel"),
}  # fmt: skip


@pytest.mark.parametrize("name", BROKEN_EDITS)
def test_a_broken_edit_names_its_line_and_loses_nothing(cli, workdir, name):
    assert cli.invoke(main, ["build", "--out", "site"]).exit_code == 0
    before = tree(workdir / "site")
    old, new = BROKEN_EDITS[name]
    assert SHIPPED.count(old) == 1
    broken = SHIPPED.replace(old, new)
    (workdir / "events.yaml").write_text(broken, encoding="utf-8")
    line = line_of(broken, new)
    for command in (["validate"], ["build", "--out", "site"]):
        result = cli.invoke(main, command)
        assert result.exit_code == 1, result.output
        first = result.output.splitlines()[0]
        assert first.startswith(f"events.yaml:{line}:"), first
        assert result.output.splitlines()[-1].endswith("found; nothing was written.")
    assert tree(workdir / "site") == before


def test_a_file_that_is_not_utf8(cli, workdir):
    (workdir / "events.yaml").write_bytes(SHIPPED.replace("São", "S\u00e3o").encode("latin-1"))
    result = cli.invoke(main, ["validate"])
    assert result.exit_code == 1
    line = line_of(SHIPPED, "São")
    assert result.output.startswith(f"events.yaml:{line}:")
    assert "not UTF-8 (byte 0xe3); save the file as UTF-8" in result.output


def test_every_problem_is_reported_in_one_run(cli, workdir):
    broken = SHIPPED.replace("date: 2024-12-17", "date: 2024-12-32").replace("count: 10", "count: ten")
    (workdir / "events.yaml").write_text(broken.replace("kind: panel", "kind: pannel"), encoding="utf-8")
    result = cli.invoke(main, ["validate"])
    lines = result.output.splitlines()
    assert result.exit_code == 1
    assert [line.split(": ", 2)[1] for line in lines[:-1]] == [
        "shows[0].events[0].kind",
        "shows[0].events[1].date",
        "shows[0].events[2].count",
    ]
    assert lines[-1] == "3 problems found; nothing was written."


def test_bad_data_is_a_message_not_a_traceback(workdir):
    (workdir / "events.yaml").write_text(SHIPPED.replace("count: 10", "count: [10"), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "showcal", "build", "--out", "site"],
                          capture_output=True, text=True, env=env, timeout=60)  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("events.yaml:")
    assert not (workdir / "site").exists()


def test_a_missing_data_file(cli, workdir):
    result = cli.invoke(main, ["validate", "nowhere.yaml"])
    assert (result.exit_code, result.output) == (
        1,
        "nowhere.yaml:1:1: no such file; give the path of a YAML file or folder\n1 problem found; nothing was written.\n",
    )


def test_every_command_has_help_with_an_example_and_is_in_the_readme(cli):
    readme = (ROOT / "README.md").read_text()
    for name, command in main.commands.items():
        for flag in ("--help", "-h"):
            result = cli.invoke(main, [name, flag])
            assert result.exit_code == 0
            assert "Example" in result.output, f"showcal {name} --help has no example"
        assert f"showcal {name}" in readme, f"README does not show `showcal {name}`"
        assert command.help


def test_version(cli):
    result = cli.invoke(main, ["--version"])
    assert result.exit_code == 0 and result.output.startswith("showcal, version ")


def test_unknown_command_is_a_usage_error(cli):
    assert cli.invoke(main, ["publish"]).exit_code == 2


def test_serve_refuses_invalid_data_with_the_problems(cli, workdir):
    (workdir / "events.yaml").write_text(SHIPPED.replace("count: 10", "count: x"), encoding="utf-8")
    result = cli.invoke(main, ["serve", "--port", "1"])
    line = line_of(SHIPPED, "count: 10")
    assert (result.exit_code, result.output) == (
        1,
        f"events.yaml:{line}:16: shows[0].events[2].count: count must be a whole number, not 'x'\n"
        "1 problem found; not serving.\n",
    )


def test_a_slug_repeated_in_a_file_that_is_checked_whole_is_a_problem(cli, tmp_path):
    (tmp_path / "events.yaml").write_text(
        "shows: [{slug: twice, title: One, events: []},\n        {slug: twice, title: Two, events: []}]\n"
    )
    for command in ("validate", "build"):
        result = cli.invoke(main, [command, str(tmp_path / "events.yaml")])
        assert result.exit_code == 1
        assert f"{tmp_path / 'events.yaml'}:2:16: shows[1].slug: duplicate show slug 'twice' (also at " in result.output
