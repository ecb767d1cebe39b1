"""The least a Flask app can do to serve a feed: the same bytes and headers, from memory.

Run under the same gunicorn command as showcal, it is the baseline for the
cached-feed and 304 rates: whatever showcal spends beyond it is showcal's own.

    BARE_BODY=feed.ics BARE_HEADERS=headers.json gunicorn -w 2 -b 127.0.0.1:PORT 'benchmarks.bare_app:create_app()'

headers.json holds {"200": {...}, "304": {...}}: the headers showcal sent with
each answer (less those gunicorn adds itself).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from flask import Flask, Response, request


def create_app() -> Flask:
    body = Path(os.environ["BARE_BODY"]).read_bytes()
    headers = json.loads(Path(os.environ["BARE_HEADERS"]).read_text())
    full, not_modified = headers["200"], headers["304"]
    etag = full.get("ETag")
    app = Flask(__name__)

    @app.get("/<path:anything>")
    def feed(anything: str) -> Response:
        if etag and request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=not_modified)
        return Response(body, headers=full)

    return app
