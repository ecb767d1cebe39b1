"""Continuous integration for curators, for real: the README's pre-commit entry and CI job on a git repository of data.

The pre-commit test installs this checkout's hooks as pre-commit installs any hook repository (a clone, and
showcal pip-installed into an environment of its own, from the package index), then commits good and bad
edits through `git commit`. The CI test runs the README's workflow steps in a clone of the data, with the
virtual environment running these tests standing in for `./scripts/setup`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import icalendar
import pytest
import yaml
from click.testing import CliRunner
from needs import missing
from test_http import require

from showcal.cli import main

ROOT = Path(__file__).resolve().parent.parent
BROKEN = {"count: 10": "count: ten", "date: 2024-12-17": "date: 2024-12-32"}
RETITLED = {"title: Season 1 on Blu-ray": "title: Season 1 on Blu-ray and DVD"}
INSTALL = 300
"""Seconds the first commit may take: pre-commit makes its environment and installs showcal into it."""


def readme_blocks() -> list[str]:
    """The YAML blocks of the README's "Continuous integration" section: the pre-commit entry, the CI workflow."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("### Continuous integration\n")
    section = text[start : text.index("\n## ", start)]
    return re.findall(r"^```yaml\n(.*?)^```", section, re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict[str, str]:
    """git with no user or system configuration (no hooks path, no signing), and pre-commit's cache in tmp."""
    if shutil.which("git") is None:
        missing("git is not installed")
    home = tmp_path_factory.mktemp("ci-home")
    (home / "gitconfig").write_text(
        "[user]\n\tname = Curator\n\temail = curator@example.org\n[init]\n\tdefaultBranch = main\n"
    )
    return {
        **os.environ,
        "GIT_CONFIG_GLOBAL": str(home / "gitconfig"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "PRE_COMMIT_HOME": str(home / "pre-commit"),
    }


def run(env: dict[str, str], folder: Path, *command: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=timeout)


def git(env: dict[str, str], folder: Path, *args: str) -> str:
    done = run(env, folder, "git", *args)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def data_repo(env: dict[str, str], folder: Path, extra: dict[str, str] | None = None) -> Path:
    """A curator's repository: the shipped data and its committed build, one commit."""
    folder.mkdir()
    shutil.copyfile(ROOT / "events.yaml", folder / "events.yaml")
    shutil.copytree(ROOT / "feeds", folder / "feeds", ignore=shutil.ignore_patterns("cache"))
    for name, text in (extra or {}).items():
        (folder / name).write_text(text, encoding="utf-8")
    git(env, folder, "init", "-q")
    git(env, folder, "add", "-A")
    git(env, folder, "commit", "-q", "-m", "The data and its build")
    return folder


def edit(path: Path, changes: dict[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in changes.items():
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def validate_lines(folder: Path, monkeypatch) -> list[str]:
    """The problems `showcal validate` prints for the data of `folder`, run from there."""
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    return result.output.splitlines()[:-1]


def summaries(feed: bytes) -> set[str]:
    return {str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")}


# --- pre-commit --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hook_repo(env, tmp_path_factory) -> tuple[Path, str]:
    """This checkout as a hook repository pre-commit can clone: its files, uncommitted edits included, committed."""
    listed = run(env, ROOT, "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    if listed.returncode != 0:
        pytest.fail(f"the project is not a git checkout: {listed.stderr}")
    copy = tmp_path_factory.mktemp("showcal-hooks")
    for name in filter(None, listed.stdout.split("\0")):
        source = ROOT / name
        if source.is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    git(env, copy, "init", "-q")
    git(env, copy, "add", "-A")
    git(env, copy, "commit", "-q", "-m", "showcal")
    return copy, git(env, copy, "rev-parse", "HEAD").strip()


@pytest.fixture
def curator(env, hook_repo, tmp_path) -> Path:
    """A repository of data whose .pre-commit-config.yaml is the README's, pointed at this checkout; hooks on."""
    require("pre_commit")
    config = yaml.safe_load(readme_blocks()[0])
    [entry] = config["repos"]
    assert [hook["id"] for hook in entry["hooks"]] == ["showcal-validate", "showcal-build"]
    published = {hook["id"] for hook in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert {hook["id"] for hook in entry["hooks"]} <= published
    entry["repo"], entry["rev"] = str(hook_repo[0]), hook_repo[1]
    folder = data_repo(env, tmp_path / "data", {".pre-commit-config.yaml": yaml.safe_dump(config)})
    done = run(env, folder, sys.executable, "-m", "pre_commit", "install")
    assert done.returncode == 0, done.stdout + done.stderr
    return folder


def commit(env: dict[str, str], folder: Path, *args: str) -> subprocess.CompletedProcess:
    return run(env, folder, "git", "commit", "-m", "An edit", *args, timeout=INSTALL)


def test_pre_commit_refuses_a_bad_edit_and_lists_its_problems(env, curator, monkeypatch):
    head = git(env, curator, "rev-parse", "HEAD")
    edit(curator / "events.yaml", BROKEN)
    problems = validate_lines(curator, monkeypatch)
    assert len(problems) == 2
    git(env, curator, "add", "events.yaml")
    done = commit(env, curator)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    for hook in ("showcal validate", "showcal build"):
        assert re.search(rf"^{hook}\.+Failed$", output, re.MULTILINE), output
    lines = output.splitlines()
    assert all(lines.count(problem) == 2 for problem in problems), output  # once by each hook
    assert git(env, curator, "rev-parse", "HEAD") == head, "nothing was committed"
    assert git(env, curator, "status", "--porcelain", "--", "feeds/") == "", "nothing was built"


def test_pre_commit_builds_the_feeds_and_takes_them_on_the_second_commit(env, curator):
    head = git(env, curator, "rev-parse", "HEAD")
    edit(curator / "events.yaml", RETITLED)
    git(env, curator, "add", "events.yaml")
    done = commit(env, curator)
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert re.search(r"^showcal validate\.+Passed$", output, re.MULTILINE), output
    assert re.search(r"^showcal build\.+Failed$", output, re.MULTILINE), output
    assert "files were modified by this hook" in output
    assert git(env, curator, "rev-parse", "HEAD") == head
    changed = git(env, curator, "status", "--porcelain", "--", "feeds/").splitlines()
    assert " M feeds/shows/severance.ics" in changed and " M feeds/all.ics" in changed
    assert "Severance: Season 1 on Blu-ray and DVD" in summaries((curator / "feeds/shows/severance.ics").read_bytes())

    git(env, curator, "add", "feeds/")
    done = commit(env, curator)
    assert done.returncode == 0, done.stdout + done.stderr
    assert git(env, curator, "rev-parse", "HEAD") != head
    assert git(env, curator, "status", "--porcelain") == ""
    committed = git(env, curator, "show", "HEAD:feeds/shows/severance.ics").encode()
    assert "Severance: Season 1 on Blu-ray and DVD" in summaries(committed)


# --- the CI job --------------------------------------------------------------------------------------------


def ci_steps() -> list[dict]:
    """The README workflow's steps after checkout and set-up: what the job runs on the data."""
    workflow = yaml.safe_load(readme_blocks()[1])
    [job] = workflow["jobs"].values()
    steps = job["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@")
    assert steps[1]["run"] == "./scripts/setup"
    return steps[2:]


def run_job(env: dict[str, str], folder: Path, steps: list[dict]) -> tuple[str | None, str]:
    """Each step in bash -e, as GitHub Actions runs `run:`, up to the first that fails: its command, and the output."""
    output = ""
    for step in steps:
        done = run(env, folder, "bash", "-e", "-c", step["run"], timeout=120)
        output += done.stdout + done.stderr
        if done.returncode != 0:
            return step["run"], output
    return None, output


def test_the_ci_job_passes_only_valid_data_committed_with_its_build(env, tmp_path, monkeypatch):
    steps = ci_steps()
    repo = data_repo(env, tmp_path / "data")
    (repo / ".venv").symlink_to(Path(sys.prefix))  # what ./scripts/setup leaves: a venv with showcal in it
    failed, output = run_job(env, repo, steps)
    assert failed is None, output

    edit(repo / "events.yaml", BROKEN)
    git(env, repo, "commit", "-q", "-am", "A bad edit")
    failed, output = run_job(env, repo, steps)
    assert failed == ".venv/bin/showcal validate events.yaml", output
    assert all(problem in output.splitlines() for problem in validate_lines(repo, monkeypatch))
    git(env, repo, "reset", "-q", "--hard", "HEAD~1")

    edit(repo / "events.yaml", RETITLED)
    git(env, repo, "commit", "-q", "-am", "An edit without its build")
    failed, output = run_job(env, repo, steps)
    assert failed is not None and "git status --porcelain -- feeds/" in failed, output
    assert " M feeds/shows/severance.ics" in output.splitlines()

    git(env, repo, "add", "feeds/")
    git(env, repo, "commit", "-q", "-m", "Its build")
    failed, output = run_job(env, repo, steps)
    assert failed is None, output
