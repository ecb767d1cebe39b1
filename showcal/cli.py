"""The `showcal` command: thin wrappers that turn the library's errors into messages and exit codes."""

from __future__ import annotations

import sys
import time
from importlib.metadata import version
from pathlib import Path

import click

from .build import build as build_site
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
        for problem in error.problems:
            click.echo(str(problem), err=True)
        count = len(error.problems)
        click.echo(f"{count} problem{'s' * (count != 1)} found; nothing was written.", err=True)
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
    default="feeds",
    show_default=True,
    type=click.Path(path_type=Path),
    help="Folder to write the site into; its last build is what change tracking compares with.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but problems.")
def build(path: Path, out: Path, quiet: bool) -> None:
    """Write every feed, event file and page into a folder for any static host.

    \b
    Example:
        showcal build events.yaml --out feeds

    Files whose bytes did not change are left alone; files of removed shows
    are removed; a failed build leaves the previous one untouched.
    """
    started = time.perf_counter()
    catalog = load_or_exit(path)
    dated = sum(e.dated for e in catalog.events)
    show_progress = not quiet and dated >= 5000 and sys.stderr.isatty()
    try:
        if show_progress:
            with click.progressbar(length=dated, label="Rendering events", file=sys.stderr) as bar:
                result = build_site(catalog, out, progress=bar.update)
        else:
            result = build_site(catalog, out)
    except OSError as error:
        click.echo(f"{out}: cannot write the build: {error.strerror or error}", err=True)
        sys.exit(1)
    if not quiet:
        seconds = time.perf_counter() - started
        click.echo(
            f"{out}: {result.total} files ({len(result.written)} written, {len(result.unchanged)} unchanged, "
            f"{len(result.removed)} removed) for {describe(catalog)} in {seconds:.2f}s"
        )
