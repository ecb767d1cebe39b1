"""The Flask app: `create_app()` for `showcal serve`, gunicorn and tests.

Configuration is defaults in code, then SHOWCAL_* environment variables,
then the dict a caller passes:

    DATA            the YAML file or folder to serve (default events.yaml)
    STATE_DIR       the `showcal build` folder whose revision record the
                    events' SEQUENCE and LAST-MODIFIED continue from
                    (default: feeds/ beside the data, if it has one)
    RELOAD_INTERVAL seconds between looks at the data files' mtimes (1.0)
    MAX_AGE         Cache-Control max-age of feeds, API and assets (300)
    PAGE_MAX_AGE    Cache-Control max-age of pages (60)
    CACHE_ENTRIES   rendered responses kept per data version (512)
    PROXY_FIX       number of proxies in front whose X-Forwarded-* to trust (0)
    SHOW_PROBLEMS   while the data on disk is invalid, list its problems at the top of every page, which are
                    then sent with Cache-Control: no-cache (off; `showcal serve` turns it on)

Production, after `showcal build events.yaml`:
    SHOWCAL_DATA=events.yaml gunicorn -w 2 -k gthread --threads 8 -b 127.0.0.1:8000 'showcal.web:create_app()'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.middleware.proxy_fix import ProxyFix

from . import pages
from .answers import HOST, PAGE_POLICY, SECURITY_HEADERS, CachedPolls
from .build import default_out
from .live import LiveData
from .views import BundleConverter, SlugConverter, bp, shown_problems

DEFAULTS: dict[str, Any] = {
    "DATA": "events.yaml",
    "STATE_DIR": None,
    "RELOAD_INTERVAL": 1.0,
    "MAX_AGE": 300,
    "PAGE_MAX_AGE": 60,
    "CACHE_ENTRIES": 512,
    "PROXY_FIX": 0,
    "SHOW_PROBLEMS": False,
}


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; raises errors.DataError if the data is invalid at start."""
    here = Path(__file__).parent
    # Named "showcal" so app.logger is the logger the whole package writes to.
    app = Flask("showcal", root_path=str(here), instance_path=str(here.parent / "instance"), static_folder=None)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("SHOWCAL")
    if test_config:
        app.config.from_mapping(test_config)
    if app.config["SHOW_PROBLEMS"] not in (True, False):  # 1 and 0 included
        raise ValueError(f"SHOW_PROBLEMS is 1 or 0, not {app.config['SHOW_PROBLEMS']!r}")
    app.config["SHOW_PROBLEMS"] = bool(app.config["SHOW_PROBLEMS"])
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)

    data = Path(app.config["DATA"])
    state = Path(app.config["STATE_DIR"]) if app.config["STATE_DIR"] else default_out(data)
    app.extensions["showcal"] = LiveData(
        data,
        state=state,
        interval=float(app.config["RELOAD_INTERVAL"]),
        max_entries=int(app.config["CACHE_ENTRIES"]),
    )

    app.url_map.converters["slug"] = SlugConverter
    app.url_map.converters["bundle"] = BundleConverter
    app.url_map.strict_slashes = True
    app.register_blueprint(bp)
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(Exception, unexpected_error)
    app.before_request(check_host)
    app.after_request(security_headers)

    # Calendar apps' polls of unchanged feeds are answered before Flask (see answers.py).
    app.wsgi_app = CachedPolls(app.wsgi_app, app.extensions["showcal"], int(app.config["MAX_AGE"]))
    if int(app.config["PROXY_FIX"]):
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    return app


def http_error(error: HTTPException) -> Response:
    """The same status in the form the client asked for: text for feeds, JSON for the API, else a page."""
    code, description = error.code or 500, error.description or ""
    path = request.path
    if path.endswith(".ics"):
        response = Response(f"{code} {error.name}: {description}\n", content_type="text/plain; charset=utf-8")
    elif path.startswith("/api/") or path == "/healthz":
        response = jsonify({"status": code, "error": error.name, "message": description})
    else:
        body = pages.error_page(code, f"{code} {error.name}", description, problems=shown_problems())
        response = Response(body, content_type="text/html; charset=utf-8")
    response.status_code = code
    response.cache_control.no_store = True
    if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def unexpected_error(error: Exception) -> Response:
    """Logged in full for the operator; the client learns only that it failed."""
    if isinstance(error, HTTPException):
        return http_error(error)
    logging.getLogger("showcal").exception("error while answering %s", request.path)
    return http_error(InternalServerError("Something went wrong on our side; please try again later."))


def check_host() -> None:
    """A request whose Host header is no host name gets a 400, not links built on it."""
    host = request.environ.get("HTTP_HOST")
    if host is not None and not HOST.fullmatch(host):
        abort(400, "The Host header is not a host name.")


def security_headers(response: Response) -> Response:
    """On every answer; those `views.send` made carry them already."""
    if "X-Content-Type-Options" not in response.headers:
        response.headers.update(SECURITY_HEADERS)
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = PAGE_POLICY
    return response
