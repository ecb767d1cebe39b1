"""A synthetic catalogue at any size, the same for the same seed.

Every show is invented and named as an example ("Example Show 0042"). The mix
per show: one or more episode runs (all-day weekly, timed weekly in an IANA
zone, timed daily, or an explicit list of dates), a multi-day panel, an
all-day release, a timed trailer or special, and an undated ("TBA") event,
with some non-ASCII titles, long descriptions, locations and statuses.

    python benchmarks/generate.py OUT_DIR [--shows N] [--events N] [--seed N] [--layout folder|file]
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

ZONES = (
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/Sao_Paulo",
    "Asia/Kolkata",
)
NETWORKS = ("Example+", "Example Network", "Beispiel TV", "Exemplo Play", "例 Channel")
WORDS = (
    "Pilot",
    "The Long Night",
    "Café Society",
    "Ünder the Ice",
    "São Paulo Nights",
    "東京の夜",
    "Сибирь",
    "Smörgåsbord",
    "Ἀρχή",
    "Naïve Questions",
    "Déjà Vu",
    "The Ferry",
    "Crossroads",
    "Homecoming",
    "Ça va",
)
LOCATIONS = ("Hall H, Example Con, San Diego", "Example Expo, São Paulo", "Example Messe, Köln", "幕張メッセ, Chiba")
STATUSES = ("confirmed", "confirmed", "confirmed", "confirmed", "tentative", "cancelled", "postponed")
SHOWS_PER_FILE = 100
FIRST_DAY = date(2024, 1, 1)


@dataclass(frozen=True)
class Counts:
    """What the generated catalogue holds, for checking a run against."""

    shows: int
    events: int
    undated: int
    files: int

    @property
    def dated(self) -> int:
        return self.events - self.undated

    @property
    def feed_files(self) -> int:
        """all.ics, one feed per show and one single-event file per dated event."""
        return 1 + self.shows + self.dated


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def _day(rng: random.Random) -> date:
    return FIRST_DAY + timedelta(days=rng.randrange(0, 3 * 365))


def _extras(rng: random.Random, lines: list[str], ind: str, show_no: int) -> None:
    """Optional keys an event or a run may carry."""
    if rng.random() < 0.15:
        lines.append(f"{ind}status: {rng.choice(STATUSES[4:])}")
    if rng.random() < 0.5:
        lines.append(f"{ind}sources: https://news.example.org/example-show-{show_no}/{rng.randrange(10**6)}")
    if rng.random() < 0.3:
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(8, 40)))
        lines.append(f"{ind}description: {q(words + '.')}")


def _run(rng: random.Random, lines: list[str], number: int, count: int, show_no: int) -> None:
    lines.append(f"      - run: s{number:02d}")
    ind = "        "
    lines.append(f"{ind}season: {number}")
    lines.append(f"{ind}count: {count}")
    style = rng.randrange(4)
    first = _day(rng)
    if style == 0:
        lines.append(f"{ind}date: {first.isoformat()}")
        lines.append(f"{ind}every: weekly")
    elif style == 1:
        lines.append(f"{ind}start: {first.isoformat()}T{rng.choice((18, 20, 21, 22))}:00")
        lines.append(f"{ind}timezone: {rng.choice(ZONES)}")
        lines.append(f"{ind}duration: {rng.choice(('30m', '45m', '1h', '1h30m'))}")
        lines.append(f"{ind}every: weekly")
    elif style == 2:
        lines.append(f"{ind}start: {first.isoformat()}T{rng.choice((19, 21))}:30")
        lines.append(f"{ind}timezone: {rng.choice(ZONES)}")
        lines.append(f"{ind}every: {rng.choice(('daily', '2 days'))}")
    else:
        days, day = [], first
        for _ in range(count):
            days.append(day.isoformat())
            day += timedelta(days=rng.choice((1, 2, 7, 7, 14)))
        lines.append(f"{ind}dates: [{', '.join(days)}]")
    if rng.random() < 0.6:
        titles = [f"{rng.choice(WORDS)} {i + 1}" for i in range(rng.randrange(1, count + 1))]
        lines.append(f"{ind}titles: [{', '.join(q(t) for t in titles)}]")
    lines.append(f"{ind}premiere: true")
    lines.append(f"{ind}finale: {'true' if rng.random() < 0.7 else 'false'}")
    _extras(rng, lines, ind, show_no)


def show_lines(rng: random.Random, show_no: int, width: int, events: int) -> tuple[list[str], int]:
    """The YAML lines of one show with exactly `events` events, and how many are undated."""
    slug = f"example-show-{show_no:0{width}d}"
    lines = [
        f"  - slug: {slug}",
        f"    title: {q(f'Example Show {show_no:0{width}d}')}",
        f"    network: {q(rng.choice(NETWORKS))}",
        f"    homepage: https://tv.example.org/{slug}",
    ]
    if rng.random() < 0.5:
        lines.append(f"    description: {q('An invented show for load testing. ' * rng.randrange(1, 6))}")
    lines.append("    events:")
    left, undated = events, 0
    if left >= 5:
        lines += ["      - id: next-season", "        kind: premiere", '        title: "Next season"']
        lines.append(f"        tba: {rng.choice(('2027', 'late 2026', 'TBA'))}")
        left, undated = left - 1, 1
    if left >= 4:
        first = _day(rng)
        lines += ["      - id: con-panel", "        kind: panel", f"        title: {q('Panel at Example Con')}"]
        lines.append(f"        date: {first.isoformat()}")
        lines.append(f"        until: {(first + timedelta(days=rng.randrange(1, 4))).isoformat()}")
        lines.append(f"        location: {q(rng.choice(LOCATIONS))}")
        _extras(rng, lines, "        ", show_no)
        left -= 1
    if left >= 3:
        lines += ["      - id: disc-release", "        kind: physical-release"]
        lines.append(f"        title: {q('Season 1 on Blu-ray — Édition collector')}")
        lines.append(f"        date: {_day(rng).isoformat()}")
        _extras(rng, lines, "        ", show_no)
        left -= 1
    if left >= 2 or events == 1:
        lines += ["      - id: trailer", f"        kind: {rng.choice(('trailer', 'special'))}"]
        lines.append(f"        title: {q(rng.choice(('Official trailer', 'Bande-annonce', '予告編')))}")
        lines.append(f"        start: {_day(rng).isoformat()}T{rng.choice((9, 12, 17)):02d}:00")
        lines.append(f"        timezone: {rng.choice(ZONES)}")
        if rng.random() < 0.5:
            lines.append(f"        duration: {rng.choice(('5m', '2h'))}")
        _extras(rng, lines, "        ", show_no)
        left -= 1
    season = 1
    while left > 0:
        count = min(left, rng.randrange(6, 14)) if left > 13 else left
        _run(rng, lines, season, count, show_no)
        left -= count
        season += 1
    return lines, undated


def generate(
    out: Path, shows: int = 10_000, events: int | None = None, seed: int = 42, layout: str = "folder"
) -> Counts:
    """Write the catalogue below `out` (a folder of files, or out/catalogue.yaml) and say what it holds."""
    events = shows * 20 if events is None else events
    if shows < 1 or events < shows:
        raise ValueError("need at least one show and at least one event per show")
    rng = random.Random(seed)
    width = max(4, len(str(shows - 1)))
    out.mkdir(parents=True, exist_ok=True)
    site = [
        "site:",
        '  title: "Example catalogue"',
        '  description: "A synthetic catalogue of invented example shows, for benchmarks."',
        "  url: https://tv.example.org/",
        "  timezone: America/New_York",
        "  refresh: 12h",
    ]
    chunks: list[list[str]] = []
    undated = 0
    per_file = shows if layout == "file" else SHOWS_PER_FILE
    for show_no in range(shows):
        if show_no % per_file == 0:
            chunks.append((site if show_no == 0 else []) + ["shows:"])
        count = events // shows + (1 if show_no < events % shows else 0)
        lines, none = show_lines(rng, show_no, width, count)
        chunks[-1] += lines
        undated += none
    for index, chunk in enumerate(chunks):
        name = "catalogue.yaml" if layout == "file" else f"shows-{index:04d}.yaml"
        (out / name).write_text("\n".join(chunk) + "\n", encoding="utf-8")
    return Counts(shows=shows, events=events, undated=undated, files=len(chunks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--shows", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=None, help="default: 20 per show")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--layout", choices=("folder", "file"), default="folder")
    args = parser.parse_args()
    print(generate(args.out, args.shows, args.events, args.seed, args.layout))


if __name__ == "__main__":
    main()
