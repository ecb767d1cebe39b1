"""Odd and hostile requests: every one gets an answer in the 2xx, 3xx or 4xx range, never a traceback."""

from __future__ import annotations

import socket

import pytest
from test_http import gunicorn, served  # noqa: F401 - fixtures

BAD_HOSTS = ["a/b", "a b", "user@evil.example", "[::1", "", "host:port", "a" * 300, "exa\x00mple.org", "ex ample:80"]
GOOD_HOSTS = ["localhost:5000", "tv.example.org", "[::1]:8000", "127.0.0.1", "TV.Example.ORG."]


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_a_host_header_that_is_no_host_name_is_a_400(client, host):
    for path in ("/", "/shows/severance", "/shows/severance.ics", "/bundles?show=severance&show=andor"):
        response = client.get(path, headers={"Host": host})
        assert response.status_code == 400, (host, path)


@pytest.mark.parametrize("host", GOOD_HOSTS)
def test_host_names_and_addresses_are_served(client, host):
    assert client.get("/shows/severance", headers={"Host": host}).status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "reminder=99999999999999999999w",
        "past=" + "9" * 5000,
        "future=" + "9" * 5000,
        "reminder=" + "1" * 5000 + "d",
        "kinds=" + "x," * 3000,
        "k" * 5000 + "=1",
        "utc=" + "1" * 5000,
        "past=-1",
        "future=%00",
        "reminder=%0d%0a",
        "download=2",
        "kinds=premiere&kinds=" + "x" * 100,
    ],
)
def test_option_values_that_overflow_or_inject_are_a_short_400(client, query):
    response = client.get("/shows/severance.ics?" + query)
    assert response.status_code == 400
    assert len(response.data) < 2000, "the message does not repeat a huge value"
    assert b"\r" not in response.data and b"\x00" not in response.data


@pytest.mark.parametrize("show", ["severance%0d%0aSet-Cookie:%20x=1", "severance%0a", "%00", "a" * 5000, "../etc"])
def test_the_bundle_form_with_junk_is_a_4xx(client, show):
    response = client.get(f"/bundles?show={show}&show=andor")
    assert 400 <= response.status_code < 500
    assert "Set-Cookie" not in response.headers


def raw_request(port: int, lines: list[bytes]) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"\r\n".join(lines) + b"\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("server_name", ["served", "gunicorn"])
def test_real_servers_answer_bad_hosts_with_400_and_send_one_date(request, server_name):
    server = request.getfixturevalue(server_name)
    for host in (b"a/b", b"[::1", b"user@evil.example"):
        answer = raw_request(server.port, [b"GET / HTTP/1.1", b"Host: " + host, b"Connection: close"])
        assert answer.split(b"\r\n", 1)[0].split()[1] == b"400", (server_name, host)
    two = raw_request(server.port, [b"GET /shows/severance HTTP/1.1", b"Host: a", b"Host: b", b"Connection: close"])
    assert two.split(b"\r\n", 1)[0].split()[1] in (b"200", b"400")
    answer = raw_request(server.port, [b"GET /shows/severance.ics HTTP/1.1", b"Host: 127.0.0.1", b"Connection: close"])
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.count(b"\r\ndate:") == 1, f"{server_name} sends one Date header"


def test_an_edit_that_passes_the_checks_but_cannot_be_rendered_keeps_the_last_good_data(app, client, events_copy,
                                                                                          monkeypatch):  # fmt: skip
    """Were a bug to let such data through, the server would keep serving and say so in /healthz."""
    from showcal import plan as plan_module

    good = client.get("/shows/severance.ics").data
    real = plan_module.publish_show

    def broken(show, *args, **kwargs):
        if show.title == "Severance, broken":
            raise OverflowError("date value out of range")
        return real(show, *args, **kwargs)

    monkeypatch.setattr(plan_module, "publish_show", broken)
    text = events_copy.read_text(encoding="utf-8").replace("title: Severance\n", "title: Severance, broken\n")
    events_copy.write_text(text, encoding="utf-8")
    assert client.get("/shows/severance.ics").data == good
    health = client.get("/healthz")
    assert health.status_code == 503
    assert "could not be rendered (OverflowError)" in health.json["problems"][0]
