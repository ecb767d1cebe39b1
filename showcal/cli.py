"""The `showcal` command: thin wrappers that turn the library's errors into messages and exit codes.

Each command imports what it needs when it runs: `showcal validate` never
loads the calendar or web libraries, and a build that finds nothing to do
is over before they would have loaded.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import NoReturn

import click

from .errors import DataError

CONTEXT = {"help_option_names": ["-h", "--help"]}
DATA = click.argument("path", default="events.yaml", type=click.Path(path_type=Path))


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="showcal", prog_name="showcal")
def main() -> None:
    """Calendar feeds of TV premieres, episodes, panels and releases, from YAML.

    PATH is a YAML file or a folder of them; it defaults to events.yaml.
    """


def exit_with(error: DataError, outcome: str = "nothing was written") -> NoReturn:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    count = len(error.problems)
    click.echo(f"{count} problem{'s' * (count != 1)} found; {outcome}.", err=True)
    sys.exit(1)


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'s' * (count != 1)}"


@main.command(context_settings=CONTEXT)
@DATA
@click.option(
    "--check-links",
    is_flag=True,
    help="Then ask every source, url and homepage address whether it still answers (needs the network).",
)
@click.option("--timeout", type=click.FloatRange(0.1, 120), metavar="SECONDS",
              help="With --check-links: how long a request may wait for an answer (default 10).")  # fmt: skip
def validate(path: Path, check_links: bool, timeout: float | None) -> None:
    """Check the data and report every problem as FILE:LINE:COL: path: message.

    \b
    Example:
        showcal validate events.yaml
        showcal validate events.yaml --check-links

    Exits 1 if anything is wrong; writes nothing. Large catalogues are
    checked on every core, one show at a time.

    With --check-links, each distinct address is asked once (HEAD, or GET
    where a server refuses HEAD; 8 at a time, 2 per host), and every place
    citing a dead one is a problem. An answer that may pass (429, 5xx) or
    may only keep programs out (401, 403) is a warning and does not fail
    the run.
    """
    from . import catalogue

    if timeout is not None and not check_links:
        raise click.UsageError("--timeout goes with --check-links")
    try:
        counts = catalogue.check(path)
    except DataError as error:
        exit_with(error)
    click.echo(f"{path}: OK, {plural(counts.shows, 'show')}, {plural(counts.dated, 'dated event')}, "
               f"{counts.undated:,} to be announced")  # fmt: skip
    if check_links:
        _check_links(path, timeout)


def _check_links(path: Path, timeout: float | None) -> None:
    from . import links

    found, problems = links.find_links(path)
    if problems:
        exit_with(DataError(problems), "the links were not checked")
    bar = _ProgressBar("Checking links", shown_from=1) if sys.stderr.isatty() else None
    try:
        verdicts = links.check_links(
            [link.url for link in found], timeout=timeout or links.TIMEOUT, progress=bar.update if bar else None
        )
    finally:
        if bar is not None:
            bar.close()
    reported = links.problems(found, verdicts)
    for problem in reported:
        click.echo(str(problem), err=True)
    summary = links.summary(verdicts)
    failures = sum(1 for p in reported if not p.message.startswith(links.WARNING))
    if failures:
        click.echo(f"{summary}; {plural(failures, 'problem')} found.", err=True)
        sys.exit(1)
    click.echo(f"{path}: {summary}")


@main.command(context_settings=CONTEXT)
@DATA
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    help="Folder to write the site into (default: feeds/ beside the data); it keeps the revision record.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but problems.")
@click.option("--force", is_flag=True, help="Render every show, not only those whose data changed.")
def build(path: Path, out: Path | None, quiet: bool, force: bool) -> None:
    """Write every feed, event file and page into a folder for any static host.

    \b
    Example:
        showcal build events.yaml --out feeds

    Only shows whose data changed are rendered again, and only files whose
    bytes changed are written; files of removed shows and dates are removed.
    A build with problems in the data writes nothing.
    """
    from .build import build as build_site
    from .build import default_out
    from .folder import FolderError

    started = time.perf_counter()
    target = out or default_out(path)
    bar = _ProgressBar() if not quiet and sys.stderr.isatty() else None

    def waiting() -> None:
        click.echo(f"{target}: another build of this folder is running; waiting for it to finish", err=True)

    try:
        result = build_site(path, out, progress=bar.update if bar else None, waiting=waiting, force=force)
    except DataError as error:
        exit_with(error)
    except FolderError as error:
        click.echo(str(error), err=True)
        sys.exit(1)
    except OSError as error:
        click.echo(f"{target}: cannot write the build: {error.strerror or error}", err=True)
        sys.exit(1)
    finally:
        if bar is not None:
            bar.close()
    if not quiet:
        seconds = time.perf_counter() - started
        shows = result.rendered
        click.echo(
            f"{target}: {result.total:,} files ({len(result.written):,} written, {result.unchanged:,} unchanged, "
            f"{len(result.removed):,} removed); {shows:,} show{'s' * (shows != 1)} rendered in {seconds:.2f}s"
        )
        if result.site is not None and not result.site.url:
            click.echo(NO_ADDRESS, err=True)


NO_ADDRESS = (
    "note: site.url is not set, so link previews and the Atom feeds carry no address and the pages work\n"
    "      theirs out in the browser; add your public address under site: (url: https://...) once it is known"
)


class _ProgressBar:
    """click's progress bar, shown once there is enough work for it to matter (200 shows to render, 1 link)."""

    def __init__(self, label: str = "Rendering shows", shown_from: int = 200) -> None:
        self.bar = None
        self.label = label
        self.shown_from = shown_from

    def update(self, done: int, total: int) -> None:
        if self.bar is None and total >= self.shown_from:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        if self.bar is not None:
            self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@main.command("list", context_settings=CONTEXT)
@DATA
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of shows for scripts (see README).")
def list_shows(path: Path, as_json: bool) -> None:
    """List every show in title order: its next date and how many dates it has.

    \b
    Example:
        showcal list events.yaml
        showcal list --json | jq -r '.[] | select(.next == null) | .slug'

    NEXT is the first date that still holds (not cancelled or postponed) and
    has not ended by today's date on this machine, in the event's own time
    zone; DATED counts every dated event, UPCOMING those still to come, TBA
    those with no date yet.
    """
    import json
    from datetime import date

    from . import catalogue, overview

    try:
        catalog = catalogue.load(path)
    except DataError as error:
        exit_with(error, "nothing to list")
    today = date.today()
    rows = overview.overview(catalog, today)
    if as_json:
        click.echo(json.dumps(overview.as_json(rows), indent=2))
    else:
        click.echo(overview.table(rows, today))


@main.command(context_settings=CONTEXT)
@DATA
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=5000, show_default=True, type=click.IntRange(0, 65535), help="Port to listen on.")
@click.option("--state", type=click.Path(path_type=Path, file_okay=False),
              help="Build folder holding the revision record (default: feeds/ beside the data).")  # fmt: skip
@click.option("--get", "get_path", metavar="URL_PATH",
              help="Answer one request (e.g. /shows/severance.ics), print the body and exit.")  # fmt: skip
def serve(path: Path, host: str, port: int, state: Path | None, get_path: str | None) -> None:
    """Serve the feeds and pages, reloading the data when a file changes.

    \b
    Example:
        showcal serve events.yaml --port 8000

    For development: while a saved edit is invalid, the last valid data
    keeps serving and every page lists the problems at its top. In
    production, build, then run gunicorn against the same app:

    \b
        showcal build events.yaml
        SHOWCAL_DATA=events.yaml gunicorn -w 2 -k gthread --threads 8 \\
            -b 127.0.0.1:8000 'showcal.web:create_app()'
    """
    import logging

    from .web import create_app

    try:
        app = create_app({"DATA": str(path), "STATE_DIR": str(state) if state else None, "SHOW_PROBLEMS": True})
    except DataError as error:
        exit_with(error, "not serving")
    if get_path is not None:
        response = app.test_client().get(get_path)
        click.echo(response.get_data(as_text=True), nl=False)
        sys.exit(0 if response.status_code < 400 else 1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    click.echo(f"Serving {path} at http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)
