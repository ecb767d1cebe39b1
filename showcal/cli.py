"""The `showcal` command: thin wrappers that turn the library's errors into messages and exit codes."""

from __future__ import annotations

import sys
import time
from importlib.metadata import version
from pathlib import Path
from typing import NoReturn

import click

from .build import build as build_site
from .build import data_time_of, default_out
from .errors import DataError
from .model import Catalog
from .validate import load_catalog

CONTEXT = {"help_option_names": ["-h", "--help"]}
DATA = click.argument("path", default="events.yaml", type=click.Path(path_type=Path))


@click.group(context_settings=CONTEXT)
@click.version_option(version("showcal"), prog_name="showcal")
def main() -> None:
    """Calendar feeds of TV premieres, episodes, panels and releases, from YAML.

    PATH is a YAML file or a folder of them; it defaults to events.yaml.
    """


def load_or_exit(path: Path) -> Catalog:
    try:
        return load_catalog(path)
    except DataError as error:
        exit_with(error)


def exit_with(error: DataError, outcome: str = "nothing was written") -> NoReturn:
    for problem in error.problems:
        click.echo(str(problem), err=True)
    count = len(error.problems)
    click.echo(f"{count} problem{'s' * (count != 1)} found; {outcome}.", err=True)
    sys.exit(1)


def describe(catalog: Catalog) -> str:
    dated = sum(e.dated for e in catalog.events)
    undated = len(catalog.events) - dated
    shows = len(catalog.shows)
    return f"{shows} show{'s' * (shows != 1)}, {dated} dated event{'s' * (dated != 1)}, {undated} to be announced"


@main.command(context_settings=CONTEXT)
@DATA
def validate(path: Path) -> None:
    """Check the data and report every problem as FILE:LINE:COL: path: message.

    \b
    Example:
        showcal validate events.yaml

    Exits 1 if anything is wrong; writes nothing.
    """
    catalog = load_or_exit(path)
    click.echo(f"{path}: OK, {describe(catalog)}")


@main.command(context_settings=CONTEXT)
@DATA
@click.option(
    "--out",
    "-o",
    type=click.Path(path_type=Path),
    help="Folder to write the site into (default: feeds/ beside the data); it keeps the revision record.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but problems.")
def build(path: Path, out: Path | None, quiet: bool) -> None:
    """Write every feed, event file and page into a folder for any static host.

    \b
    Example:
        showcal build events.yaml --out feeds

    Files whose bytes did not change are left alone; files of removed shows
    are removed; a failed build leaves the previous one untouched.
    """
    started = time.perf_counter()
    out = out or default_out(path)
    catalog = load_or_exit(path)
    at = data_time_of(path)
    dated = sum(e.dated for e in catalog.events)
    show_progress = not quiet and dated >= 5000 and sys.stderr.isatty()
    try:
        if show_progress:
            with click.progressbar(length=dated, label="Rendering events", file=sys.stderr) as bar:
                result = build_site(catalog, out, at=at, progress=bar.update)
        else:
            result = build_site(catalog, out, at=at)
    except OSError as error:
        click.echo(f"{out}: cannot write the build: {error.strerror or error}", err=True)
        sys.exit(1)
    if not quiet:
        seconds = time.perf_counter() - started
        click.echo(
            f"{out}: {result.total} files ({len(result.written)} written, {len(result.unchanged)} unchanged, "
            f"{len(result.removed)} removed) for {describe(catalog)} in {seconds:.2f}s"
        )


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

    For development; in production run gunicorn against the same app:
        SHOWCAL_DATA=events.yaml gunicorn -w 2 'showcal.web:create_app()'
    """
    import logging

    from .web import create_app

    try:
        app = create_app({"DATA": str(path), "STATE_DIR": str(state) if state else None})
    except DataError as error:
        exit_with(error, "not serving")
    if get_path is not None:
        response = app.test_client().get(get_path)
        click.echo(response.get_data(as_text=True), nl=False)
        sys.exit(0 if response.status_code < 400 else 1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    click.echo(f"Serving {path} at http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    app.run(host=host, port=port, threaded=True, use_reloader=False)
