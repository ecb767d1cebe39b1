"""The outside programs the harness times or drives, found or installed on first use.

Nothing here is imported by showcal: psutil (peak memory of a process tree)
goes into a private folder, yaml2ics into a virtual environment of its own
(its pins may clash with the project's), wrk and nginx come from Debian.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "showcal-bench"


class Missing(RuntimeError):
    """A tool the chosen sections need could not be found or installed."""


def _pip(*args: str) -> None:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise Missing(f"pip install {' '.join(args)} failed:\n{done.stderr[-2000:]}")


def psutil_module(cache: Path = DEFAULT_CACHE):
    """psutil, installed into cache/site if this Python lacks it (the project's venv stays as it is)."""
    try:
        return importlib.import_module("psutil")
    except ImportError:
        pass
    target = cache / f"site-py{sys.version_info.major}{sys.version_info.minor}"
    if not (target / "psutil").is_dir():
        target.mkdir(parents=True, exist_ok=True)
        _pip("--target", str(target), "psutil>=5.9")
    sys.path.insert(0, str(target))
    return importlib.import_module("psutil")


def yaml2ics_python(cache: Path = DEFAULT_CACHE) -> Path:
    """The interpreter of a virtual environment holding yaml2ics from PyPI."""
    venv = cache / "yaml2ics-venv"
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", "import yaml2ics"], capture_output=True).returncode == 0:
        return python
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True)
    done = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "yaml2ics"],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    if done.returncode != 0:
        raise Missing(f"pip install yaml2ics failed:\n{done.stderr[-2000:]}")
    return python


def yaml2ics_version(python: Path) -> str:
    code = "from importlib.metadata import version as v; print('yaml2ics', v('yaml2ics'), 'ics', v('ics'))"
    return subprocess.run([python, "-c", code], capture_output=True, text=True).stdout.strip()


def debian_binary(name: str, package: str, *, install: bool = True) -> str:
    """A program from Debian, installed with apt-get (as root, or through sudo -n) when missing."""
    found = shutil.which(name) or next(
        (f"{d}/{name}" for d in ("/usr/sbin", "/sbin") if os.access(f"{d}/{name}", os.X_OK)), None
    )
    if found or not install:
        if found:
            return found
        raise Missing(f"{name} is not installed (apt-get install {package})")
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], capture_output=True, env=env, timeout=600)
    done = subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", "--no-install-recommends", package],
                          capture_output=True, text=True, env=env, timeout=600)  # fmt: skip
    found = shutil.which(name) or (f"/usr/sbin/{name}" if os.access(f"/usr/sbin/{name}", os.X_OK) else None)
    if done.returncode != 0 or not found:
        raise Missing(f"could not install {package} with apt-get: {done.stderr[-1000:]}")
    return found


def project_command(name: str) -> list[str]:
    """A console script of this Python's environment (showcal, gunicorn), else `python -m name`."""
    script = Path(sys.executable).parent / name
    return [str(script)] if script.exists() else [sys.executable, "-m", name]
