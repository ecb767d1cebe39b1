"""Every performance figure of showcal beside its baseline, measured from outside, as one markdown table.

    python benchmarks/run.py                          # 1,000 then 10,000 shows x 20 events
    python benchmarks/run.py --shows 1000             # one size
    python benchmarks/run.py --shows 200 --sections build,validate --repeats 5 --json out.json

showcal is timed only through its command line (`showcal validate`,
`showcal build --quiet`) and the production server command (`SHOWCAL_DATA=...
gunicorn -w 2 -k gthread --threads 8 -b 127.0.0.1:PORT 'showcal.web:create_app()'`), each as a
whole process, so the harness holds whatever changes inside showcal. Each
figure is the median of --repeats runs, its baseline measured in the same
run, alternating with it; read the ratios. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import catalogue, servers, tools  # noqa: E402
from benchmarks.baseline import dated_events, read_catalogue  # noqa: E402
from benchmarks.generate import generate  # noqa: E402
from benchmarks.measure import Finished, median, run  # noqa: E402
from benchmarks.report import Report, kilobytes, megabytes, ratio, seconds, share, write_json  # noqa: E402
from benchmarks.yaml2ics_input import convert  # noqa: E402

HERE = Path(__file__).resolve().parent
SECTIONS = ("validate", "build", "yaml2ics", "server", "throughput", "reload", "nginx", "sizes")
LOAD_CODE = """
import sys, yaml
from pathlib import Path
p = Path(sys.argv[1])
files = sorted(f for f in p.rglob('*') if f.suffix in ('.yaml', '.yml') and f.is_file()) if p.is_dir() else [p]
for f in files:
    yaml.load(f.read_bytes(), Loader=yaml.CSafeLoader)
"""
DROPPED_HEADERS = {"date", "server", "connection", "content-length", "transfer-encoding", "keep-alive"}


def environment() -> dict[str, Any]:
    try:
        installed = f"showcal {metadata.version('showcal')}"
    except metadata.PackageNotFoundError:
        installed = "showcal (not installed)"
    return {
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "showcal": installed,
        "load_average_at_start": round(os.getloadavg()[0], 1),
        "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"),
    }


def snapshot(folder: Path) -> dict[str, tuple[int, int, int]]:
    """Every file's inode, mtime and size: a rewritten or replaced file changes one of them."""
    found = {}
    for root, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            st = os.stat(path)
            found[os.path.relpath(path, folder)] = (st.st_ino, st.st_mtime_ns, st.st_size)
    return found


def changed(before: dict, after: dict) -> int:
    return sum(1 for k in before.keys() | after.keys() if before.get(k) != after.get(k))


class Bench:
    """One catalogue size: its data, its work folder, its running servers and its report."""

    def __init__(self, args: argparse.Namespace, shows: int, work: Path) -> None:
        self.args, self.work = args, work
        self.report = Report(shows)
        self.report.facts["repeats"] = args.repeats
        self.showcal = tools.project_command("showcal")
        self.server: servers.Server | None = None
        self.site: Path | None = None
        self.published = False
        if args.data:
            self.data = Path(args.data).resolve()
            site, all_shows = read_catalogue(self.data)
            dated = sum(1 for _ in dated_events(site, all_shows))
            events = sum(len(s.get("events") or []) for s in all_shows)
            counts = {"shows": len(all_shows), "events": events, "dated": dated, "undated": events - dated}
            style = "given"
        else:
            self.data = work / "catalogue"
            made = generate(self.data, shows, shows * args.events, args.seed, args.layout, args.style)
            counts = {"shows": made.shows, "events": made.events, "dated": made.dated, "undated": made.undated}
            style = args.style
        files = catalogue.data_files(self.data)
        self.report.facts["catalogue"] = {
            **counts,
            "files": len(files),
            "bytes": catalogue.yaml_bytes(self.data),
            "style": style,
            "seed": args.seed,
        }
        self.slugs = catalogue.slugs(self.data)
        self.dated = counts["dated"]

    def pick(self, fraction: float) -> str:
        return self.slugs[min(len(self.slugs) - 1, int(len(self.slugs) * fraction))]

    # -- validate ------------------------------------------------------------

    def validate(self) -> None:
        ours, theirs = [], []
        for _ in range(self.args.repeats):
            ours.append(run([*self.showcal, "validate", self.data]).check("showcal validate").seconds)
            theirs.append(run([sys.executable, "-c", LOAD_CODE, self.data]).check("yaml.load").seconds)
        a, b = median(ours), median(theirs)
        self.report.add(
            "`showcal validate`, wall time",
            seconds(a),
            f"yaml.load CSafeLoader, fresh process: {seconds(b)}",
            ratio(ours, theirs),
            "",
            showcal_s=ours,
            baseline_s=theirs,
        )

    # -- build ---------------------------------------------------------------

    def build_into(self, out: Path) -> Finished:
        return run([*self.showcal, "build", self.data, "--out", out, "--quiet"]).check("showcal build")

    def build(self, with_yaml2ics: bool) -> None:
        args, root = self.args, self.work / "builds"
        edit = catalogue.title_edit(self.data, self.pick(0.5))
        baselines: dict[str, list[Finished]] = {"floor": [], "icalendar": []}
        commands: dict[str, Callable[[Path], list]] = {
            "floor": lambda out: [sys.executable, HERE / "baseline.py", "floor", self.data, out],
            "icalendar": lambda out: [sys.executable, HERE / "baseline.py", "icalendar", self.data, out],
        }
        y2 = self.prepare_yaml2ics() if with_yaml2ics else None
        if y2:
            baselines["yaml2ics"], baselines["yaml2ics commands"] = [], []
            commands["yaml2ics"] = lambda out: [y2["python"], HERE / "yaml2ics_run.py", y2["input"], out]
            commands["yaml2ics commands"] = lambda out: [*commands["yaml2ics"](out), "--commands"]
        full, edited, unchanged, rewritten, by_edit = [], [], [], [], []
        for r in range(args.repeats):
            out = root / f"showcal-{r}"
            shutil.rmtree(out, ignore_errors=True)
            full.append(self.build_into(out))
            if self.site is None:
                self.site = root / "site"
                shutil.rmtree(self.site, ignore_errors=True)
                shutil.copytree(out, self.site, copy_function=os.link)
            before = snapshot(out)
            edit.apply(f" edit{r}x")
            try:
                edited.append(self.build_into(out))
                middle = snapshot(out)
                by_edit.append(changed(before, middle))
                unchanged.append(self.build_into(out))
                rewritten.append(changed(middle, snapshot(out)))
            finally:
                edit.undo()
            shutil.rmtree(out)
            for name, command in commands.items():
                out = root / f"{name}-{r}"
                shutil.rmtree(out, ignore_errors=True)
                baselines[name].append(run(command(out)).check(f"baseline {name}"))
                shutil.rmtree(out)
        self.report_build(full, edited, unchanged, rewritten, by_edit, baselines, y2)

    def prepare_yaml2ics(self) -> dict[str, Any]:
        python = tools.yaml2ics_python(self.args.cache)
        shows = len(self.slugs)
        part = shows if self.args.yaml2ics_fraction >= 1 else max(1, round(shows * self.args.yaml2ics_fraction))
        files, dated = convert(self.data, self.work / "yaml2ics-input", part)
        self.report.facts["yaml2ics"] = {"version": tools.yaml2ics_version(python), "shows": files, "dated": dated}
        return {"python": python, "input": self.work / "yaml2ics-input", "shows": files, "dated": dated}

    def report_build(self, full, edited, unchanged, rewritten, by_edit, baselines, y2) -> None:
        add, dated = self.report.add, self.dated
        wall = median([f.seconds for f in full])
        peak = median([f.peak_tree_rss for f in full])
        names = {
            "floor": "hand-written floor (CSafeLoader + pure-Python serializer)",
            "icalendar": "icalendar + CSafeLoader, one Calendar graph per feed",
            "yaml2ics": "yaml2ics (PyPI) in one process, show feeds",
            "yaml2ics commands": "yaml2ics (PyPI), its command once per show, one per core",
        }
        walls, peaks = [f.seconds for f in full], [f.peak_tree_rss for f in full]
        scaled: dict[str, tuple[list[float], list[float], str]] = {}
        for name, runs in baselines.items():
            times, mems = [f.seconds for f in runs], [f.peak_tree_rss for f in runs]
            if name.startswith("yaml2ics") and y2["shows"] < len(self.slugs):
                measured = f"{seconds(median(times))} on {y2['shows']:,} shows ({y2['dated']:,} events)"
                note = f"EXTRAPOLATED: measured {measured}, scaled by events"
                times = [t * dated / max(1, y2["dated"]) for t in times]
            elif name.startswith("yaml2ics"):
                note = "show feeds only (no all.ics, pages or event files)"
            else:
                note = "show feeds + all.ics"
            scaled[name] = (times, mems, note)
            self.report.facts[f"build_{name}"] = {
                "seconds": [f.seconds for f in runs],
                "peak_tree_rss": [f.peak_tree_rss for f in runs],
            }
        what = "every feed, event file, page and API file"
        add(
            "full build into an empty folder, wall time", seconds(wall), "", "", what, seconds=[f.seconds for f in full]
        )
        for name, (times, _, note) in scaled.items():
            add("  ↳ beside", "", f"{names[name]}: {seconds(median(times))}", ratio(walls, times), note)
        us = wall / dated * 1e6
        add("full build, µs per dated event", f"{us:,.0f} µs", "", "", f"{dated:,} dated events")
        for name, (times, _, note) in scaled.items():
            add(
                "  ↳ beside",
                "",
                f"{names[name]}: {median(times) / dated * 1e6:,.0f} µs",
                ratio(walls, times),
                "EXTRAPOLATED" if "EXTRA" in note else "",
            )
        add(
            "full build, peak RSS of the process tree",
            megabytes(peak),
            "",
            "",
            f"ru_maxrss of the largest process: {megabytes(median([f.max_rss for f in full]))}",
            peak_tree_rss=[f.peak_tree_rss for f in full],
        )
        for name, (_, mems, note) in scaled.items():
            subset = (
                f"measured on {y2['shows']:,} shows, not scaled: no ratio"
                if name.startswith("yaml2ics") and "EXTRA" in note
                else ""
            )
            add(
                "  ↳ beside",
                "",
                f"{names[name]}: {megabytes(median(mems))}",
                "" if subset else ratio(peaks, mems),
                subset,
            )
        e, u = median([f.seconds for f in edited]), median([f.seconds for f in unchanged])
        add(
            "rebuild after editing one event's title in one file",
            seconds(e),
            f"full build: {seconds(wall)}",
            share([f.seconds for f in edited], walls),
            f"files changed by the edit: {median(by_edit):,.0f}",
            seconds=[f.seconds for f in edited],
        )
        add(
            "unchanged rebuild (same data again)",
            seconds(u),
            f"full build: {seconds(wall)}",
            share([f.seconds for f in unchanged], walls),
            f"files rewritten: {max(rewritten)} (max over runs)",
            seconds=[f.seconds for f in unchanged],
            rewritten=rewritten,
        )
        self.report.facts["build"] = {"files_rewritten_unchanged": rewritten, "files_changed_by_edit": by_edit}

    def ensure_site(self) -> Path:
        if self.site is None:
            self.site = self.work / "builds" / "site"
            shutil.rmtree(self.site, ignore_errors=True)
            self.build_into(self.site)
        return self.site

    # -- server --------------------------------------------------------------

    def publish(self) -> None:
        """The README's production recipe: `showcal build DATA` (into feeds/ beside the data), then gunicorn."""
        if not self.published:
            run([*self.showcal, "build", self.data, "--quiet"]).check("showcal build (the published site)")
            self.published = True

    def start_server(self, state: Path | None = None) -> tuple[servers.Server, float, float]:
        self.publish()
        port = servers.free_port()
        log = self.work / f"gunicorn-{port}.log"
        server = servers.showcal_server(self.data, port, log, self.work, state)
        deadline = server.started + self.args.start_timeout
        feed_path = f"/shows/{self.pick(0.25)}.ics"
        try:
            health = servers.wait_for(port, "/healthz", deadline, server.process, server.worker_timeouts)
            feed = servers.wait_for(port, feed_path, deadline, server.process, server.worker_timeouts)
            health, feed = health - server.started, feed - server.started
        except Exception:
            server.stop()
            raise
        return server, health, feed

    def worker_rss(self, server: servers.Server) -> list[int]:
        psutil = tools.psutil_module(self.args.cache)
        master = psutil.Process(server.process.pid)
        return [child.memory_info().rss for child in master.children()]

    def connections_per_worker(self, master_pid: int, port: int) -> list[int]:
        """How many client connections each gunicorn worker holds on `port` now."""
        psutil = tools.psutil_module(self.args.cache)
        counts = []
        for child in psutil.Process(master_pid).children():
            try:
                listed = child.net_connections("tcp") if hasattr(child, "net_connections") else child.connections("tcp")
            except psutil.Error:
                listed = []
            counts.append(sum(1 for c in listed if c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port))
        return counts

    def server_start(self) -> None:
        healths, feeds, rss = [], [], []
        for r in range(self.args.repeats):
            server, health, feed = self.start_server()
            healths.append(health)
            feeds.append(feed)
            for _ in range(10):
                servers.get(server.port, f"/shows/{self.pick(0.25)}.ics")
            rss.append(self.worker_rss(server))
            if r < self.args.repeats - 1:
                server.stop()
            else:
                self.server = server
        add = self.report.add
        add(
            "server start until `/healthz` answers 200",
            seconds(median(healths)),
            "",
            "",
            "production gunicorn command, 2 workers",
            seconds=healths,
        )
        add("server start until a show feed answers 200", seconds(median(feeds)), "", "", "", seconds=feeds)
        empty = self.work / "no-build"
        empty.mkdir(exist_ok=True)
        cold, cold_health, _ = self.start_server(state=empty)
        cold.stop()
        add("server start without a build: until `/healthz` answers 200", seconds(cold_health), "", "",
            "SHOWCAL_STATE_DIR of an empty folder: every show is checked before the first answer")  # fmt: skip
        per_worker = [v for run_ in rss for v in run_]
        add(
            "resident memory per worker after start",
            megabytes(median(per_worker)),
            "",
            "",
            f"max {megabytes(max(per_worker))}; each run: {', '.join('+'.join(megabytes(v) for v in r) for r in rss)}",
            rss=rss,
        )

    def running_server(self) -> servers.Server:
        if self.server is None or self.server.process.poll() is not None:
            self.server, _, _ = self.start_server()
        return self.server

    # -- throughput ----------------------------------------------------------

    def throughput(self) -> None:
        args = self.args
        wrk = tools.debian_binary("wrk", "wrk")
        server = self.running_server()
        path = f"/shows/{self.pick(0.25)}.ics"
        full = servers.get(server.port, path)
        etag = full.headers.get("ETag", "")
        not_modified = servers.get(server.port, path, {"If-None-Match": etag})
        if full.status != 200 or not_modified.status != 304:
            raise RuntimeError(f"showcal answered {full.status} and {not_modified.status} to {path}")
        keep = {
            "200": {k: v for k, v in full.headers.items() if k.lower() not in DROPPED_HEADERS},
            "304": {k: v for k, v in not_modified.headers.items() if k.lower() not in DROPPED_HEADERS},
        }
        (self.work / "bare-body.ics").write_bytes(full.body)
        (self.work / "bare-headers.json").write_text(json.dumps(keep))
        port = servers.free_port()
        bare = servers.bare_server(
            self.work / "bare-body.ics", self.work / "bare-headers.json", port, self.work / "bare.log"
        )
        try:
            servers.wait_for(port, path, time.perf_counter() + 60, bare.process)
            same = servers.get(port, path)
            if (
                same.body != full.body
                or {k: v for k, v in same.headers.items() if k.lower() not in DROPPED_HEADERS} != keep["200"]
            ):
                raise RuntimeError("the bare Flask app does not answer with showcal's bytes and headers")
            rates: dict[str, list[float]] = {"showcal 200": [], "bare 200": [], "showcal 304": [], "bare 304": []}
            spread: dict[str, list[bool]] = {name: [] for name in rates}
            bad: dict[str, int] = dict.fromkeys(rates, 0)
            masters = {server.port: server.process.pid, port: bare.process.pid}
            for p in (server.port, port):  # warm both up: first connections, imports, caches
                servers.wrk(wrk, p, path, seconds=1, connections=args.connections)
            for r in range(args.load_repeats):
                order = [("showcal", server.port), ("bare", port)]
                for kind, headers in (("200", {}), ("304", {"If-None-Match": etag})):
                    for name, p in order if r % 2 == 0 else order[::-1]:
                        load = servers.wrk(
                            wrk,
                            p,
                            path,
                            seconds=args.load_seconds,
                            connections=args.connections,
                            headers=headers,
                            during=lambda p=p: self.connections_per_worker(masters[p], p),
                        )
                        rates[f"{name} {kind}"].append(load.requests_per_second)
                        spread[f"{name} {kind}"].append(min(load.seen or [0]) > 0)  # type: ignore[arg-type]
                        bad[f"{name} {kind}"] += load.bad
        finally:
            bare.stop()
        for kind, label in (("200", "cached show feed (200)"), ("304", "conditional request (If-None-Match, 304)")):
            ours, theirs = rates[f"showcal {kind}"], rates[f"bare {kind}"]
            ours_spread, theirs_spread = spread[f"showcal {kind}"], spread[f"bare {kind}"]
            # A run where one worker took every connection measures one worker: compare runs that used both.
            # If either server never spread its connections, all runs are compared instead.
            both = any(ours_spread) and any(theirs_spread)
            even_ours = [rate for rate, even in zip(ours, ours_spread, strict=True) if even or not both]
            even_theirs = [rate for rate, even in zip(theirs, theirs_spread, strict=True) if even or not both]
            self.report.add(
                f"{label}, requests/s",
                f"{median(even_ours):,.0f}/s",
                f"bare Flask app, same bytes + headers: {median(even_theirs):,.0f}/s",
                f"{median(even_ours) / median(even_theirs):.2f}",
                f"wrk -t1 -c{args.connections} -d{args.load_seconds:g}s; runs with connections on every worker: "
                f"showcal {sum(ours_spread)}/{len(ours)}, bare {sum(theirs_spread)}/{len(theirs)}; "
                f"all runs: showcal {median(ours):,.0f}/s, bare {median(theirs):,.0f}/s, paired ratio "
                f"{ratio(ours, theirs)}; not 2xx/3xx or errors: showcal {bad[f'showcal {kind}']}, "
                f"bare {bad[f'bare {kind}']}",
                showcal_rps=ours,
                baseline_rps=theirs,
                showcal_spread=ours_spread,
                baseline_spread=theirs_spread,
            )
        self.report.facts["feed_bytes"] = len(full.body)
        self.report.facts["wrk"] = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.split("\n")[0]

    # -- reload --------------------------------------------------------------

    def reload(self) -> None:
        args = self.args
        server = self.running_server()
        edited_slug = self.pick(0.75)
        other = self.pick(0.1) if self.pick(0.1) != edited_slug else self.pick(0.0)
        edit = catalogue.title_edit(self.data, edited_slug)
        log = self.work / "poll.log"
        client = servers.poller(
            server.port, f"/shows/{other}.ics", 0.05, args.repeats * 2 * args.reload_timeout + 5, log
        )
        windows, first, all_seen = [], [], []
        try:
            time.sleep(0.5)
            for r in range(args.repeats):
                marker = f" reload{r}x".encode()
                start = time.monotonic()
                edit.apply(marker.decode())
                try:
                    seen = self.wait_feed(server.port, edited_slug, marker, True, start)
                finally:
                    edit.undo()
                windows.append((start, start + seen[1]))
                first.append(seen[0])
                all_seen.append(seen[1])
                if r < args.repeats - 1:
                    self.wait_feed(server.port, edited_slug, marker, False, time.monotonic())
        finally:
            edit.undo()
            client.terminate()
            client.wait(timeout=30)
        samples = [tuple(map(float, line.split())) for line in log.read_text().splitlines() if line.strip()]
        worst, failures = [], 0
        for a, b in windows:
            inside = [s for s in samples if s[0] <= b and s[0] + s[1] >= a]
            worst.append(max((s[1] for s in inside), default=0.0))
            failures += sum(1 for s in inside if s[2] != 200)
        calm = [s[1] for s in samples if not any(s[0] <= b and s[0] + s[1] >= a for a, b in windows)]
        add = self.report.add
        add(
            "reload after a one-line edit: until the feed shows it",
            seconds(median(first)),
            "",
            "",
            f"first answer with the edit; every answer (10 in a row): {seconds(median(all_seen))}",
            first_s=first,
            all_s=all_seen,
        )
        add(
            "  worst latency of a client polling another show every 50 ms, during the reload",
            seconds(median(worst)),
            "",
            "",
            f"max over runs {seconds(max(worst))}; failed requests: {failures}; "
            f"median latency outside reloads: {seconds(median(calm)) if calm else 'n/a'}",
            worst_s=worst,
        )

    def wait_feed(self, port: int, slug: str, marker: bytes, present: bool, start: float) -> tuple[float, float]:
        """Seconds from `start` until the feed first (and then 10 times in a row) does or does not hold `marker`."""
        first, streak = None, 0
        deadline = start + self.args.reload_timeout
        while time.monotonic() < deadline:
            try:
                answer = servers.get(port, f"/shows/{slug}.ics", timeout=60)
                holds = answer.status == 200 and (marker in catalogue.unfold(answer.body)) == present
            except OSError:
                holds = False
            if holds:
                first = first if first is not None else time.monotonic() - start
                streak += 1
                if streak >= 10:
                    return first, time.monotonic() - start
            else:
                streak = 0
            time.sleep(0.02)
        raise TimeoutError(f"the feed of {slug} did not {'show' if present else 'drop'} the edit in time")

    def memory_after(self) -> None:
        if self.server is not None and self.server.process.poll() is None:
            rss = self.worker_rss(self.server)
            self.report.add(
                "resident memory per worker at the end",
                ", ".join(megabytes(v) for v in rss),
                "",
                "",
                "after the load and reload runs",
                rss=rss,
            )

    # -- nginx and sizes -----------------------------------------------------

    def nginx(self) -> None:
        site = self.ensure_site()
        wrk = tools.debian_binary("wrk", "wrk")
        binary = tools.debian_binary("nginx", "nginx")
        server = servers.nginx(binary, site, self.work / "nginx")
        path = f"/shows/{self.pick(0.25)}.ics"
        rates, bad = [], 0
        try:
            servers.wait_for(server.port, "/healthz", time.perf_counter() + 30, server.process)
            for _ in range(self.args.repeats):
                load = servers.wrk(
                    wrk, server.port, path, seconds=self.args.load_seconds, connections=self.args.connections
                )
                rates.append(load.requests_per_second)
                bad += load.bad
        finally:
            server.stop()
        self.report.add(
            "static build served by nginx (deploy/nginx.conf), show feed requests/s",
            f"{median(rates):,.0f}/s",
            "",
            "",
            f"for reference; 2 nginx workers; errors: {bad}",
            rates=rates,
        )

    def sizes(self) -> None:
        site = self.ensure_site()
        combined = (site / "all.ics").read_bytes()
        files = [p for p in site.rglob("*") if p.is_file()]
        total = sum(p.stat().st_size for p in files)
        index = site / "index.html"
        add = self.report.add
        add(
            "all.ics size",
            megabytes(len(combined)),
            "",
            "",
            f"gzip -6: {megabytes(len(gzip.compress(combined, 6)))}",
            plain=len(combined),
        )
        add("index.html size", kilobytes(index.stat().st_size) if index.exists() else "missing", "", "", "")
        add("the build", f"{len(files):,} files", "", "", f"{megabytes(total)}", files=len(files), bytes=total)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def run_size(args: argparse.Namespace, shows: int, work: Path, log: Callable[[str], None]) -> Report:
    bench = Bench(args, shows, work)
    chosen = args.sections
    steps: list[tuple[str, Callable[[], None]]] = [
        ("validate", bench.validate),
        ("build", lambda: bench.build("yaml2ics" in chosen)),
        ("server", bench.server_start),
        ("throughput", bench.throughput),
        ("reload", bench.reload),
        ("nginx", bench.nginx),
        ("sizes", bench.sizes),
    ]
    bench.report.facts["failures"] = failures = {}
    try:
        for name, step in steps:
            if name in chosen:
                started = time.perf_counter()
                log(f"[{shows} shows] {name} ...")
                try:
                    step()
                except Exception as error:  # one section's failure is a figure too; the others still run
                    failures[name] = f"{type(error).__name__}: {error}"
                    log(traceback.format_exc())
                    bench.report.add(f"{name}: did not finish", "failed", note=failures[name][:400].replace("\n", " "))
                log(f"[{shows} shows] {name} done in {time.perf_counter() - started:.0f}s")
        if {"server", "throughput", "reload"} & set(chosen):
            bench.memory_after()
    finally:
        bench.close()
    return bench.report


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shows", default="1000,10000", help="catalogue sizes, comma-separated (default 1000,10000)")
    parser.add_argument("--events", type=int, default=20, help="events per show (default 20)")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, from: {', '.join(SECTIONS)}")
    parser.add_argument("--repeats", type=int, default=3, help="runs per figure; the median is reported (default 3)")
    parser.add_argument("--json", type=Path, help="also write every figure and every run to this file")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--style", choices=("explicit", "runs"), default="explicit")
    parser.add_argument("--layout", choices=("folder", "file"), default="folder")
    parser.add_argument("--data", help="time this explicit-style catalogue instead of generating one")
    parser.add_argument(
        "--yaml2ics-fraction",
        type=float,
        default=0.1,
        help="share of the shows yaml2ics runs on, scaled up by events (default 0.1; 1: in full)",
    )
    parser.add_argument("--load-seconds", type=float, default=5, help="length of each wrk run (default 5)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (default 16)")
    parser.add_argument("--load-repeats", type=int, default=7, help="wrk runs per server and request kind (default 7)")
    parser.add_argument("--start-timeout", type=float, default=1800, help="seconds a server may take to start")
    parser.add_argument("--reload-timeout", type=float, default=900, help="seconds a reload may take")
    parser.add_argument("--workdir", type=Path, help="where catalogues and builds go (default: a temporary folder)")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--cache", type=Path, default=tools.DEFAULT_CACHE, help="where yaml2ics's venv and psutil go")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    args.sizes = [int(s) for s in str(args.shows).split(",") if s.strip()]
    if args.data and args.style == "runs":
        parser.error("--data takes an explicit-style catalogue")
    if args.style == "runs" and {"build", "yaml2ics"} & set(args.sections):
        parser.error("the build baselines read the explicit style only; use --style explicit or drop build")
    return args


def main(argv: list[str] | None = None) -> list[Report]:
    args = parse_args(argv)
    tools.psutil_module(args.cache)
    base = args.workdir or Path(tempfile.mkdtemp(prefix="showcal-bench-"))
    base.mkdir(parents=True, exist_ok=True)
    env = environment()

    def log(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    reports = []
    try:
        for shows in args.sizes if not args.data else args.sizes[:1]:
            work = base / f"shows-{shows}"
            shutil.rmtree(work, ignore_errors=True)
            work.mkdir(parents=True)
            reports.append(run_size(args, shows, work, log))
            if args.json:
                write_json(args.json, env, reports)
    finally:
        if not args.keep and not args.workdir:
            shutil.rmtree(base, ignore_errors=True)
    load = f"load average {env['load_average_at_start']} at the start, {os.getloadavg()[0]:.1f} at the end"
    machine = f"Python {env['python']}, {env['cores']} cores, {env['started']}"
    print(f"## showcal benchmarks\n\n{env['showcal']}, {machine}; {load}.")
    for report in reports:
        print()
        print(report.markdown())
        extra = {k: v for k, v in report.facts.items() if k in ("yaml2ics", "wrk")}
        if extra:
            print()
            print("Tools: " + "; ".join(v["version"] if isinstance(v, dict) else str(v) for v in extra.values()))
    return reports


if __name__ == "__main__":
    main()
