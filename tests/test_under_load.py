"""Thirty seconds of load on the production set-up while its data is rewritten with good and bad edits."""

from __future__ import annotations

import sys

import load_client
import pytest
from parsers import read_feed
from test_http import data_copy, free_port, require, start, stop

from showcal.feeds import Feeds
from showcal.validate import load_catalog

SECONDS = 30.0


@pytest.mark.parametrize("seconds", [SECONDS])
def test_no_5xx_no_torn_body_and_the_last_valid_data_at_the_end(tmp_path, seconds):
    require("gunicorn")
    data = data_copy(tmp_path / "data")
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "gthread", "--threads", "8",
               "-b", f"127.0.0.1:{port}", "showcal.web:create_app()"]  # fmt: skip
    env = {"SHOWCAL_DATA": str(data), "SHOWCAL_RELOAD_INTERVAL": "0.5"}
    server = start(command, port, data, tmp_path / "gunicorn.log", env)
    try:
        seen, written, last_valid, final = load_client.run(port, data, seconds)
    finally:
        stop(server)
    print(load_client.report(seen, seconds))
    assert seen.wrong == [], "\n".join(seen.wrong[:20])
    assert not any(code >= 400 for code in seen.statuses)
    assert sum(seen.statuses.values()) > 1000
    assert any(not valid for _, valid in written) and any(valid for _, valid in written)
    assert seen.statuses[304] > 0, "conditional answers"
    assert seen.health[503] > 0 and seen.health[200] > 0, "/healthz says when the data on disk cannot be used"
    for bodies in seen.bodies.values():
        for body in bodies:
            read_feed(body)  # every calendar ever sent is whole and reads alike in three parsers
    (tmp_path / "last.yaml").write_text(last_valid, encoding="utf-8")
    expected = Feeds(load_catalog(tmp_path / "last.yaml"))
    wanted = read_feed(expected.show_feed(expected.catalog.show("severance")))
    shown = read_feed(final)
    assert [(e.uid, e.start, e.end, e.summary, e.status) for e in shown] == [
        (e.uid, e.start, e.end, e.summary, e.status) for e in wanted
    ], "the server ends on the last valid data"
    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert "Traceback" not in log
