"""The table the harness prints: one row per figure, showcal's beside its baseline, and the JSON of every run."""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def seconds(value: float) -> str:
    return f"{value * 1000:.0f} ms" if value < 1 else f"{value:.2f} s"


def megabytes(value: float) -> str:
    return f"{value / 1e6:,.1f} MB"


def kilobytes(value: float) -> str:
    return f"{value / 1e3:,.1f} kB"


def ratio(ours: list[float], theirs: list[float]) -> str:
    """The median of the runs' own ratios: each pair ran back to back, so a busy minute on a shared machine
    weighs on both sides of one ratio instead of on one side of the medians."""
    pairs = [a / b for a, b in zip(ours, theirs, strict=True) if b]
    return f"{statistics.median(pairs):.2f}" if pairs else ""


def share(part: list[float], whole: list[float]) -> str:
    """Like ratio, as a percentage."""
    pairs = [a / b for a, b in zip(part, whole, strict=True) if b]
    return f"{statistics.median(pairs):.1%}" if pairs else ""


@dataclass
class Row:
    measurement: str
    showcal: str
    baseline: str = ""
    ratio: str = ""
    note: str = ""
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class Report:
    shows: int
    facts: dict[str, Any] = field(default_factory=dict)
    rows: list[Row] = field(default_factory=list)

    def add(
        self, measurement: str, showcal: str, baseline: str = "", ratio: str = "", note: str = "", **values: Any
    ) -> None:
        self.rows.append(Row(measurement, showcal, baseline, ratio, note, values))

    def markdown(self) -> str:
        facts = self.facts
        lines = [f"### {self.shows:,} shows", ""]
        if "catalogue" in facts:
            c = facts["catalogue"]
            lines.append(
                f"Catalogue: {c['shows']:,} shows, {c['dated']:,} dated + {c['undated']:,} undated events, "
                f"{c['files']:,} YAML files, {megabytes(c['bytes'])} ({c['bytes'] / max(1, c['events']):.0f} B/event); "
                f"{c['style']} style, seed {c['seed']}."
            )
        lines.append(
            f"Medians of {facts['repeats']} runs. Ratio: showcal / baseline, the median of the runs' own ratios "
            "(each baseline run right after or before showcal's)."
        )
        lines.append("")
        lines.append("| measurement | showcal | baseline | ratio | notes |")
        lines.append("| --- | ---: | --- | ---: | --- |")
        for r in self.rows:
            lines.append(f"| {r.measurement} | {r.showcal} | {r.baseline} | {r.ratio} | {r.note} |")
        return "\n".join(lines)


def write_json(path: Path, env: dict[str, Any], reports: list[Report]) -> None:
    document = {
        "environment": env,
        "sizes": [{"shows": r.shows, "facts": r.facts, "rows": [vars(row) for row in r.rows]} for r in reports],
    }
    path.write_text(json.dumps(document, indent=2, default=str))
