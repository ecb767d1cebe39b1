"""A synthetic catalogue at any size, the same bytes for the same seed.

Every show is invented and named as an example ("Example Show 0042"). Two
styles of writing the same kind of catalogue:

- explicit (what an independent curated catalogue looks like): every event
  written out on its own, with a season and episode number, a realistic
  multi-sentence description and its sources; about 950 bytes of YAML per
  event. One file per show below shows/ (--layout folder), or
  everything in one file (--layout file).
- runs (the compact style): episode runs expanded by showcal (all-day weekly,
  timed weekly in an IANA zone, timed daily, or an explicit list of dates),
  100 shows per file.

Each show has an undated ("TBA") event, a multi-day panel, an all-day release,
a timed trailer or special, and episodes; some non-ASCII titles, locations and
statuses are sprinkled in.

    python benchmarks/generate.py OUT_DIR [--shows N] [--events N] [--seed N]
                                  [--style explicit|runs] [--layout folder|file]
"""

from __future__ import annotations

import argparse
import json
import random
import textwrap
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


# -- the explicit style ------------------------------------------------------

CHARACTERS = (
    "Mara",
    "Jonas",
    "Inès",
    "Kenji",
    "Oluwaseun",
    "Björn",
    "Priya",
    "Zoë",
    "Mateus",
    "Aleksandr",
    "Hana",
    "Siobhan",
    "Léa",
    "Dmitri",
    "Amara",
    "Tomás",
    "Yuki",
    "Fatima",
    "Rafael",
    "Ingrid",
)
PLACES = (
    "the lighthouse",
    "Café Lumière",
    "the São Paulo office",
    "a ferry off Hokkaidō",
    "the abandoned mine",
    "the night market",
    "the family vineyard",
    "the station at Kraków Główny",
    "a motel outside Tucson",
    "the archive beneath the museum",
    "the research base",
    "the old cinema on Rua Augusta",
)
DEEDS = (
    "uncovers a ledger that should not exist",
    "makes a deal she may regret",
    "is forced to choose a side",
    "finally tells the truth about the fire",
    "follows a stranger into the storm",
    "loses the only copy of the tape",
    "races to stop the auction",
    "learns who sent the letters",
    "takes the blame to protect a friend",
    "breaks into the records office",
    "returns with an unexpected guest",
    "walks away from the investigation",
)
AFTERMATHS = (
    "the consequences reach further than anyone expected",
    "an old alliance begins to crack",
    "the town council calls an emergency meeting",
    "a long-buried secret comes back to the surface",
    "the power goes out across the whole district",
    "the rival crew closes in",
)
SURNAMES = ("Okafor", "Lindqvist", "Moreau", "Tanaka", "Costa", "Nakamura", "Ferreira", "Novák", "Brennan")
CREDITS = ("Written by", "Teleplay by", "Story by")
GUEST_ROLES = ("a retired detective", "the harbour master", "a disgraced chef", "the mayor's sister", "a young pilot")
SEASON_WORDS = ("The Long Night", "Crossroads", "Homecoming", "The Ferry", "Undertow", "Ashes", "Salt", "Échappée")


def _sentence(rng: random.Random) -> str:
    who, other = rng.sample(CHARACTERS, 2)
    pick = rng.randrange(6)
    if pick == 0:
        return f"{who} returns to {rng.choice(PLACES)} and {rng.choice(DEEDS)}."
    if pick == 1:
        return f"Meanwhile, {other} {rng.choice(DEEDS)}, and {rng.choice(AFTERMATHS)}."
    if pick == 2:
        return f"When {who} {rng.choice(DEEDS)}, {rng.choice(AFTERMATHS)}."
    if pick == 3:
        return f"{rng.choice(CREDITS)} {who} {rng.choice(SURNAMES)}."
    if pick == 4:
        return f"Guest starring {other} {rng.choice(SURNAMES)} as {rng.choice(GUEST_ROLES)}."
    return (
        f"Filmed on location near {rng.choice(PLACES)}, {rng.choice(('in winter', 'over nine nights', 'in one take'))}."
    )


def _description(rng: random.Random, ind: str, sentences: int) -> list[str]:
    """A folded block scalar of a few sentences, wrapped as a person's editor would."""
    text = " ".join(_sentence(rng) for _ in range(sentences))
    return [f"{ind}description: >-"] + [f"{ind}  {line}" for line in textwrap.wrap(text, 76)]


def _sources(rng: random.Random, ind: str, slug: str, event_id: str) -> list[str]:
    lines = [f"{ind}sources:", f"{ind}  - https://news.example.org/{slug}/{rng.randrange(10**7)}"]
    if rng.random() < 0.6:
        lines.append(f"{ind}  - https://tv.example.org/{slug}/{event_id}")
    return lines


def _status(rng: random.Random, ind: str) -> list[str]:
    return [f"{ind}status: {rng.choice(STATUSES)}"]


def explicit_show(rng: random.Random, show_no: int, width: int, events: int) -> tuple[list[str], int]:
    """One show with exactly `events` events, each written out; and how many are undated."""
    slug = f"example-show-{show_no:0{width}d}"
    ind = "        "
    lines = [
        f"  - slug: {slug}",
        f"    title: {q(f'Example Show {show_no:0{width}d}')}",
        f"    network: {q(rng.choice(NETWORKS))}",
        f"    homepage: https://tv.example.org/{slug}",
        *_description(rng, "    ", rng.randrange(2, 5)),
        "    events:",
    ]
    left, undated = events, 0
    if left >= 5:
        lines += ["      - id: next-season", "        kind: premiere", '        title: "Next season"']
        lines.append(f"{ind}tba: {rng.choice(('2027', 'late 2026', 'TBA'))}")
        lines += _description(rng, ind, 2)
        left, undated = left - 1, 1
    if left >= 4:
        first = _day(rng)
        lines += ["      - id: con-panel", "        kind: panel", f"{ind}title: {q('Panel at Example Con')}"]
        lines.append(f"{ind}date: {first.isoformat()}")
        lines.append(f"{ind}until: {(first + timedelta(days=rng.randrange(1, 4))).isoformat()}")
        lines.append(f"{ind}location: {q(rng.choice(LOCATIONS))}")
        lines += _status(rng, ind) + _sources(rng, ind, slug, "con-panel") + _description(rng, ind, 5)
        left -= 1
    if left >= 3:
        lines += ["      - id: disc-release", "        kind: physical-release"]
        lines.append(f"{ind}title: {q('Season 1 on Blu-ray — Édition collector')}")
        lines.append(f"{ind}date: {_day(rng).isoformat()}")
        lines += _status(rng, ind) + _sources(rng, ind, slug, "disc-release") + _description(rng, ind, 5)
        left -= 1
    if left >= 2 or events == 1:
        lines += ["      - id: trailer", f"        kind: {rng.choice(('trailer', 'special'))}"]
        lines.append(f"{ind}title: {q(rng.choice(('Official trailer', 'Bande-annonce', '予告編')))}")
        lines.append(f"{ind}start: {_day(rng).isoformat()}T{rng.choice((9, 12, 17)):02d}:00")
        lines.append(f"{ind}timezone: {rng.choice(ZONES)}")
        lines.append(f"{ind}duration: {rng.choice(('5m', '2h'))}")
        lines += _status(rng, ind) + _sources(rng, ind, slug, "trailer") + _description(rng, ind, 5)
        left -= 1
    season = 1
    while left > 0:
        count = min(left, rng.randrange(6, 14)) if left > 13 else left
        lines += _explicit_season(rng, season, count, slug)
        left -= count
        season += 1
    return lines, undated


def _explicit_season(rng: random.Random, season: int, count: int, slug: str) -> list[str]:
    """A season's episodes one by one: weekly all-day, or timed weekly in a zone."""
    ind = "        "
    timed = rng.random() < 0.7
    zone, hour, length = rng.choice(ZONES), rng.choice((18, 20, 21, 22)), rng.choice(("30m", "45m", "55m", "1h"))
    day = _day(rng)
    lines = []
    for episode in range(1, count + 1):
        event_id = f"s{season:02d}e{episode:02d}"
        kind = "premiere" if episode == 1 else "finale" if episode == count else "episode"
        title = f"{rng.choice(SEASON_WORDS)}, Part {episode}" if rng.random() < 0.3 else rng.choice(WORDS)
        lines += [f"      - id: {event_id}", f"{ind}kind: {kind}", f"{ind}title: {q(title)}"]
        lines += [f"{ind}season: {season}", f"{ind}episode: {episode}"]
        if timed:
            lines += [f"{ind}start: {day.isoformat()}T{hour}:00", f"{ind}timezone: {zone}", f"{ind}duration: {length}"]
        else:
            lines.append(f"{ind}date: {day.isoformat()}")
        lines += _status(rng, ind) + _sources(rng, ind, slug, event_id) + _description(rng, ind, 9)
        day += timedelta(days=7)
    return lines


SITE = [
    "site:",
    '  title: "Example catalogue"',
    '  description: "A synthetic catalogue of invented example shows, for benchmarks."',
    "  url: https://tv.example.org/",
    "  timezone: America/New_York",
    "  refresh: 12h",
]


def generate(
    out: Path,
    shows: int = 10_000,
    events: int | None = None,
    seed: int = 42,
    layout: str = "folder",
    style: str = "explicit",
) -> Counts:
    """Write the catalogue below `out` and say what it holds.

    Folder layout: explicit style writes shows/<slug>.yaml, one show a file
    (the first also holds the site settings), as curators keeping a catalogue
    in git would; runs style writes shows-NNNN.yaml, 100 shows a file. File
    layout: out/catalogue.yaml.
    """
    events = shows * 20 if events is None else events
    if shows < 1 or events < shows:
        raise ValueError("need at least one show and at least one event per show")
    if style not in ("explicit", "runs") or layout not in ("folder", "file"):
        raise ValueError("style is explicit or runs; layout is folder or file")
    rng = random.Random(seed)
    width = max(4, len(str(shows - 1)))
    out.mkdir(parents=True, exist_ok=True)
    make = explicit_show if style == "explicit" else show_lines
    undated, files = 0, 0
    single = layout == "file"
    per_file = shows if single else (1 if style == "explicit" else SHOWS_PER_FILE)
    one_per_show = style == "explicit" and not single
    if one_per_show:
        (out / "shows").mkdir(exist_ok=True)
    chunk: list[str] = []
    for show_no in range(shows):
        if show_no % per_file == 0:
            chunk = (SITE if show_no == 0 else []) + ["shows:"]
        count = events // shows + (1 if show_no < events % shows else 0)
        lines, none = make(rng, show_no, width, count)
        chunk += lines
        undated += none
        if show_no % per_file == per_file - 1 or show_no == shows - 1:
            if single:
                name = "catalogue.yaml"
            elif one_per_show:
                name = f"shows/example-show-{show_no:0{width}d}.yaml"
            else:
                name = f"shows-{show_no // per_file:04d}.yaml"
            (out / name).write_text("\n".join(chunk) + "\n", encoding="utf-8")
            files += 1
    return Counts(shows=shows, events=events, undated=undated, files=files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--shows", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=None, help="default: 20 per show")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--style", choices=("explicit", "runs"), default="explicit")
    parser.add_argument("--layout", choices=("folder", "file"), default="folder")
    args = parser.parse_args()
    print(generate(args.out, args.shows, args.events, args.seed, args.layout, args.style))


if __name__ == "__main__":
    main()
