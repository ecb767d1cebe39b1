"""Benchmarks at catalogue scale: loading, rendering, an unchanged rebuild, peak memory.

    python benchmarks/bench.py                      # 10,000 shows, 200,000 events
    python benchmarks/bench.py --shows 500          # a quick run
    python benchmarks/bench.py --sections load,render --json results.json

Every figure is a median over --repeats runs and is compared with a baseline
measured in the same run; see benchmarks/README.md for what each row means.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import baseline  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from showcal.build import build, site_files  # noqa: E402
from showcal.feeds import Feeds  # noqa: E402
from showcal.load import data_files  # noqa: E402
from showcal.model import Catalog  # noqa: E402
from showcal.revisions import SiteRevision  # noqa: E402
from showcal.validate import load_catalog  # noqa: E402

SECTIONS = ("load", "render", "rebuild", "reload", "memory")


def median_time(run: Callable[[], Any], repeats: int) -> tuple[float, list[float], Any]:
    """Median wall time of `repeats` calls, every time, and the last call's result."""
    times, result = [], None
    for _ in range(repeats):
        result = None
        gc.collect()
        start = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times, result


def subset_size(total: int, fraction: float) -> int:
    return max(1, min(total, math.ceil(total * fraction)))


class Report:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.facts: dict[str, Any] = {}

    def row(self, section: str, name: str, seconds: float | None, times: list[float] = (), **extra: Any) -> None:
        self.rows.append({"section": section, "name": name, "median_s": seconds, "times_s": list(times), **extra})

    def table(self) -> str:
        lines = [f"{'section':8} {'measurement':74} {'median':>10} {'ratio':>8}  note", "-" * 122]
        for r in self.rows:
            seconds = "" if r["median_s"] is None else f"{r['median_s']:.3f} s"
            ratio = f"{r['ratio']:.2f}x" if r.get("ratio") is not None else ""
            lines.append(f"{r['section']:8} {r['name']:74} {seconds:>10} {ratio:>8}  {r.get('note', '')}")
        return "\n".join(lines)


def bench_load(data: Path, repeats: int, fraction: float, report: Report) -> None:
    files = data_files(data)
    texts = [f.read_bytes().decode("utf-8-sig") for f in files]
    size = sum(len(t.encode()) for t in texts)
    k = subset_size(len(texts), fraction)
    part = texts[:k]
    part_size = sum(len(t.encode()) for t in part)
    report.facts["yaml"] = {"files": len(files), "bytes": size, "baseline_files": k, "baseline_bytes": part_size}

    def compose(loader: type, chosen: list[str]) -> Callable[[], None]:
        return lambda: [yaml.compose(t, Loader=loader) for t in chosen]

    ours, times, _ = median_time(compose(yaml.CSafeLoader, texts), repeats)
    report.row("load", f"yaml.compose CSafeLoader, all {len(files)} files ({size / 1e6:.1f} MB)", ours, times)
    if k < len(texts):
        ours_part, times, _ = median_time(compose(yaml.CSafeLoader, part), repeats)
        report.row("load", f"yaml.compose CSafeLoader, subset {k} files", ours_part, times)
    else:
        ours_part = ours
    base_part, times, _ = median_time(compose(yaml.SafeLoader, part), repeats)
    label = "all" if k == len(texts) else f"subset {k}"
    report.row(
        "load",
        f"yaml.compose SafeLoader (baseline), {label} files",
        base_part,
        times,
        ratio=base_part / ours_part,
        note="ratio: baseline / ours, same files, measured",
    )
    if k < len(texts):
        estimate = base_part * size / part_size
        report.row(
            "load",
            "yaml.compose SafeLoader (baseline), all files, EXTRAPOLATED",
            estimate,
            ratio=estimate / ours,
            note=f"subset time x {size / part_size:.1f} (bytes); not measured",
        )
    seconds, times, catalog = median_time(lambda: load_catalog(data), repeats)
    report.row("load", "load_catalog (compose + validate), all files", seconds, times)
    report.facts["catalog"] = {"shows": len(catalog.shows), "events": len(catalog.events)}


def ours_feeds(catalog: Catalog) -> tuple[dict[str, float], dict[str, bytes]]:
    """showcal's path, in its three phases; the files are those site.feed_files makes."""
    phases: dict[str, float] = {}
    start = time.perf_counter()
    feeds = Feeds(catalog)
    feeds.render_all()
    phases["init"] = time.perf_counter() - start
    start = time.perf_counter()
    files = {"all.ics": feeds.combined()}
    for show in catalog.shows:
        files[f"shows/{show.slug}.ics"] = feeds.show_feed(show)
    phases["feeds"] = time.perf_counter() - start
    start = time.perf_counter()
    singles = 0
    for show in catalog.shows:
        for event in feeds.by_show[show.slug]:
            feeds.single(event)
            singles += 1
    phases["singles"] = time.perf_counter() - start
    phases["single_files"] = singles
    return phases, files


def bench_render(catalog: Catalog, repeats: int, fraction: float, report: Report) -> None:
    dated = sum(1 for e in catalog.events if e.dated)
    runs = []
    for _ in range(repeats):
        gc.collect()
        phases, files = ours_feeds(catalog)
        runs.append(phases)
    init = statistics.median(r["init"] for r in runs)
    feeds_s = statistics.median(r["feeds"] for r in runs)
    both = statistics.median(r["init"] + r["feeds"] for r in runs)
    singles = statistics.median(r["singles"] for r in runs)
    report.facts["render"] = {"dated_events": dated, "feeds": len(files), "single_files": runs[-1]["single_files"]}
    report.row("render", f"ours: Feeds() renders each of {dated} events once", init, [r["init"] for r in runs])
    report.row("render", f"ours: splice {len(files)} feeds (shows + combined)", feeds_s, [r["feeds"] for r in runs])
    report.row("render", "ours: Feeds() + all feeds (compared below)", both, [r["init"] + r["feeds"] for r in runs])
    report.row(
        "render",
        f"ours: {runs[-1]['single_files']} single-event files (not in baseline)",
        singles,
        [r["singles"] for r in runs],
    )
    del files
    k = subset_size(len(catalog.shows), fraction)
    part = Catalog(catalog.site, catalog.shows[:k]) if k < len(catalog.shows) else catalog
    part_dated = sum(1 for e in part.events if e.dated)
    if part is not catalog:
        sub = []
        for _ in range(repeats):
            gc.collect()
            sub.append(ours_feeds(part)[0])
        ours_part = statistics.median(r["init"] + r["feeds"] for r in sub)
        report.row("render", f"ours: Feeds() + feeds, subset {k} shows / {part_dated} events", ours_part)
    else:
        ours_part = both
    base, times, _ = median_time(lambda: baseline.render_feeds(part), repeats)
    label = "all" if part is catalog else f"subset {k} shows / {part_dated} events"
    report.row(
        "render",
        f"baseline: graph per feed + add_missing_timezones, {label}",
        base,
        times,
        ratio=base / ours_part,
        note="ratio: baseline / ours, same shows, measured",
    )
    if part is not catalog:
        estimate = base * dated / part_dated
        report.row(
            "render",
            "baseline: all feeds, EXTRAPOLATED",
            estimate,
            ratio=estimate / both,
            note=f"subset time x {dated / part_dated:.1f} (dated events); not measured",
        )
    report.facts["render"]["baseline_shows"] = k


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(out)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*") if p.is_file()}


def bench_rebuild(catalog: Catalog, work: Path, repeats: int, report: Report) -> None:
    out = work / "site"
    shutil.rmtree(out, ignore_errors=True)
    start = time.perf_counter()
    first = build(catalog, out)
    report.row("rebuild", f"first build into an empty folder ({len(first.written)} files written)", _since(start))
    before = snapshot(out)
    results = []

    def again() -> None:
        results.append(build(catalog, out))

    seconds, times, _ = median_time(again, repeats)
    rewritten = sorted({f for r in results for f in r.written + r.removed})
    touched = [f for f, meta in snapshot(out).items() if before.get(f) != meta]
    ok = not rewritten and not touched and len(before) == len(first.written)
    report.row(
        "rebuild",
        "unchanged rebuild (build again into the same folder)",
        seconds,
        times,
        note=f"{'OK' if ok else 'FAIL'}: {len(rewritten)} files rewritten, {len(touched)} inode/mtime changes",
    )
    report.facts["rebuild"] = {
        "files": len(before),
        "ics_files": sum(1 for f in before if f.endswith(".ics")),
        "rewritten": rewritten[:20],
        "touched": touched[:20],
        "unchanged_ok": ok,
    }


def one_retitled(catalog: Catalog) -> Catalog:
    """The catalogue after a curator retitles one event of the middle show."""
    shows = list(catalog.shows)
    middle = len(shows) // 2
    show = shows[middle]
    events = list(show.events)
    which = next(i for i, e in enumerate(events) if e.dated)
    events[which] = dataclasses.replace(events[which], title=events[which].title + " (retitled)")
    shows[middle] = dataclasses.replace(show, events=tuple(events))
    return dataclasses.replace(catalog, shows=tuple(shows))


def bench_reload(catalog: Catalog, data: Path, repeats: int, report: Report) -> None:
    """What a server does when a data file changes: load again, then render against the serving version."""
    seconds, times, _ = median_time(lambda: load_catalog(data), repeats)
    paused = gc.disable
    gc.disable = lambda: None  # the baseline: load_catalog with the collector left running
    try:
        base, base_times, _ = median_time(lambda: load_catalog(data), repeats)
    finally:
        gc.disable = paused
    report.row("reload", "load_catalog, collector paused (ours)", seconds, times)
    report.row("reload", "load_catalog, collector running (baseline)", base, base_times, ratio=base / seconds,
               note="ratio: baseline / ours, measured")  # fmt: skip


def _since(start: float) -> float:
    return time.perf_counter() - start


def _status_kb(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return None


def memory_child(data: Path) -> dict[str, Any]:
    """Run in a fresh process: the peak RSS of Feeds() and every file of the site, after loading."""
    catalog = load_catalog(data)
    gc.collect()
    reset = False
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM (peak RSS) on Linux
        reset = True
    except OSError:
        pass
    rss_before = _status_kb("VmRSS")
    start = time.perf_counter()
    feeds = Feeds(catalog)
    files = site_files(feeds, SiteRevision({}))
    seconds = _since(start)
    import resource

    return {
        "rss_before_kb": rss_before,
        "peak_kb": _status_kb("VmHWM") if reset else None,
        "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "peak_reset": reset,
        "files": len(files),
        "bytes": sum(len(b) for b in files.values()),
        "events": sum(1 for e in catalog.events if e.dated),
        "seconds": seconds,
    }


def traced_peak(run: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        result = run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak


def bench_memory(catalog: Catalog, data: Path, fraction: float, report: Report) -> None:
    command = [sys.executable, str(Path(__file__).resolve()), "--memory-child", str(data)]
    child = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    report.facts["memory"] = child
    events = child["events"]
    if child["peak_kb"] is not None:
        grown = (child["peak_kb"] - child["rss_before_kb"]) * 1024
        report.row(
            "memory",
            f"ours: peak RSS of Feeds() + all {child['files']} files: {child['peak_kb'] / 1024:.0f} MiB",
            None,
            note=f"{grown / 2**20:.0f} MiB over the loaded catalogue, {grown / events / 1024:.1f} KiB/event; "
            f"output {child['bytes'] / 2**20:.0f} MiB",
        )
    else:
        report.row(
            "memory",
            f"ours: maxrss of load + Feeds() + files: {child['maxrss_kb'] / 1024:.0f} MiB",
            None,
            note="VmHWM could not be reset; includes loading",
        )
    k = subset_size(len(catalog.shows), fraction)
    part = Catalog(catalog.site, catalog.shows[:k])
    part_events = [e for e in part.events if e.dated]
    ours = traced_peak(lambda: Feeds(part).combined())
    shows = {s.slug: s for s in part.shows}
    base = traced_peak(
        lambda: baseline.feed("all", "all", "all@showcal", part.site.refresh, part_events, shows),
    )
    n = len(part_events)
    report.row(
        "memory",
        f"ours: traced peak, Feeds() + combined feed, {n} events: {ours / n / 1024:.1f} KiB/event",
        None,
    )
    report.row(
        "memory",
        f"baseline: traced peak, one graph for the combined feed: {base / n / 1024:.1f} KiB/event",
        None,
        ratio=base / ours,
        note="ratio: baseline / ours, tracemalloc, same subset",
    )


def main(argv: list[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shows", type=int, default=10_000, help="number of shows (default 10,000)")
    parser.add_argument("--events", type=int, default=None, help="number of events (default 20 per show)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeats", type=int, default=3, help="runs per measurement; the median is reported")
    parser.add_argument(
        "--baseline-fraction",
        type=float,
        default=None,
        help="share of the catalogue the slow baselines run on, then extrapolated "
        "(default 1 up to 1,000 shows, else 0.1)",
    )
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)}")
    parser.add_argument("--data", type=Path, help="use this YAML file or folder instead of generating one")
    parser.add_argument("--workdir", type=Path, help="where to generate and build (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--memory-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memory_child:
        print(json.dumps(memory_child(args.memory_child)))
        sys.exit(0)
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    fraction = args.baseline_fraction or (1.0 if args.shows <= 1000 else 0.1)

    work = args.workdir or Path(tempfile.mkdtemp(prefix="showcal-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    report = Report()
    try:
        data = args.data
        if data is None:
            data = work / "data"
            shutil.rmtree(data, ignore_errors=True)
            start = time.perf_counter()
            counts = generate(data, args.shows, args.events, args.seed)
            report.facts["generated"] = {**counts.__dict__, "seconds": _since(start)}
        report.facts["setup"] = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "cpus": os.cpu_count(),
            "repeats": args.repeats,
            "baseline_fraction": fraction,
            "data": str(data),
        }
        print(f"data: {data} {report.facts.get('generated', '')}", file=sys.stderr)
        if "load" in sections:
            bench_load(data, args.repeats, fraction, report)
            print(report.table(), file=sys.stderr)
        catalog = load_catalog(data) if set(sections) - {"load"} else None
        if "render" in sections:
            bench_render(catalog, args.repeats, fraction, report)
            print(report.table(), file=sys.stderr)
        if "rebuild" in sections:
            bench_rebuild(catalog, work, args.repeats, report)
            print(report.table(), file=sys.stderr)
        if "reload" in sections:
            bench_reload(catalog, data, args.repeats, report)
            print(report.table(), file=sys.stderr)
        if "memory" in sections:
            bench_memory(catalog, data, fraction, report)
    finally:
        if not args.keep and args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print(report.table())
    if args.json:
        args.json.write_text(json.dumps({"facts": report.facts, "rows": report.rows}, indent=2) + "\n")
    return report


if __name__ == "__main__":
    main()
