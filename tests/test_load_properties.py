"""Whatever a data file holds, loading ends quickly in nodes or in located problems a terminal can show."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from showcal.load import compose_data, read_sources

BASE = (Path(__file__).parent / "data" / "severance.yaml").read_text(encoding="utf-8")
# What a terminal must never receive raw: C0, DEL, C1, bidi controls, line separators, lone surrogates.
RAW_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff]")
# Characters that mean something to YAML, and a few that often cause trouble, to break a file with.
YAML_CHARS = " \t\n\r-:'\"[]{},#&*!|>%@`?\\.\x00\x07\x1b\x85\u2028\u202e\ufeffaé東🎉"

FUZZ = settings(
    max_examples=300,
    deadline=timedelta(seconds=2),  # each example is a few KB: anything near this is a hang
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def lines_of(raw: bytes) -> list[str]:
    """The file's lines as an editor shows them: split at LF, a CR before it dropped."""
    text = raw.decode("utf-8", "replace").removeprefix("\ufeff")
    return [line.removesuffix("\r") for line in text.split("\n")]


def check(raw: bytes) -> None:
    node, problems = compose_data("events.yaml", raw)
    assert (node is None) == bool(problems), "nodes or problems, never both nor neither"
    if node is not None:
        assert isinstance(node, yaml.Node)
    lines = lines_of(raw)
    for problem in problems:
        shown = str(problem)
        assert shown.startswith(f"events.yaml:{problem.line}:{problem.column}: ")
        assert problem.message
        assert not RAW_CONTROL.search(shown), shown
        assert 1 <= problem.line <= len(lines), (shown, len(lines))
        assert 1 <= problem.column <= len(lines[problem.line - 1]) + 1, (shown, lines[problem.line - 1])


@st.composite
def broken_catalogue(draw) -> bytes:
    """The shipped data with a few spans deleted or replaced by YAML's special characters."""
    text = BASE
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 6))
        text = text[:at] + draw(st.text(alphabet=YAML_CHARS, max_size=6)) + text[at + cut :]
    return text.encode("utf-8", "surrogatepass")


@FUZZ
@given(st.binary(max_size=4000))
def test_any_bytes(raw):
    check(raw)


@FUZZ
@given(st.text(max_size=2000))
def test_any_text(text):
    check(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.text(alphabet=YAML_CHARS, max_size=400))
def test_any_text_made_of_yaml_syntax(text):
    check(text.encode("utf-8", "surrogatepass"))


@FUZZ
@given(broken_catalogue())
def test_the_shipped_data_broken_anywhere(raw):
    check(raw)


@settings(max_examples=50, deadline=timedelta(seconds=2), database=None)
@given(st.binary(max_size=2000))
def test_any_bytes_in_a_folder(raw):
    """Through read_sources as well: names, walking and reading add no way to fail."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "shows.yaml").write_bytes(raw)
        sources, problems = read_sources(Path(folder))
        assert len(sources) + len(problems) >= 1
        assert all(not RAW_CONTROL.search(str(p)) for p in problems)
