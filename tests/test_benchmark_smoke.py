"""The benchmark harness runs end to end at a tiny size and counts what it should."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.bench import main  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from showcal.validate import load_catalog  # noqa: E402


def test_generated_catalogue_is_valid_and_deterministic(tmp_path):
    counts = generate(tmp_path / "a", shows=5, events=103, seed=7)
    again = generate(tmp_path / "b", shows=5, events=103, seed=7)
    assert counts == again
    assert (tmp_path / "a" / "shows-0000.yaml").read_bytes() == (tmp_path / "b" / "shows-0000.yaml").read_bytes()
    catalog = load_catalog(tmp_path / "a")
    assert len(catalog.shows) == 5
    assert len(catalog.events) == 103
    assert sum(not e.dated for e in catalog.events) == counts.undated > 0
    assert {s.title for s in catalog.shows} == {f"Example Show {n:04d}" for n in range(5)}


def test_harness_counts_events_and_feeds(tmp_path):
    report = main(
        ["--shows", "5", "--repeats", "1", "--sections", "load,render,rebuild,reload", "--workdir", str(tmp_path)]
    )
    generated = report.facts["generated"]
    dated = generated["events"] - generated["undated"]
    assert report.facts["catalog"] == {"shows": 5, "events": 100}
    assert report.facts["render"]["dated_events"] == dated
    assert report.facts["render"]["feeds"] == 1 + 5
    assert report.facts["render"]["single_files"] == dated
    assert report.facts["rebuild"]["ics_files"] == 1 + 5 + dated
    assert report.facts["rebuild"]["unchanged_ok"]
    ratios = [r["ratio"] for r in report.rows if r.get("ratio")]
    assert len(ratios) == 3 and all(r > 0 for r in ratios)
