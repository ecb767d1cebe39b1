"""Reading data files: every file that cannot be read stops the run, and no input costs unbounded time or memory."""

from __future__ import annotations

import dataclasses
import errno
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from showcal import files, load
from showcal.errors import DataError, Problem
from showcal.load import compose_data, data_files, read_sources
from showcal.validate import load_catalog

SHOW = "shows:\n  - slug: {slug}\n    title: {title}\n"


def show(slug: str, title: str = "Example") -> str:
    return SHOW.format(slug=slug, title=title)


def messages(path: Path | str) -> list[str]:
    _, problems = read_sources(Path(path))
    return [str(p) for p in problems]


def finishes(function, seconds: float = 10.0):
    """Run `function` in a thread and fail, rather than hang the suite, if it does not return in time."""
    result: list = []
    thread = threading.Thread(target=lambda: result.append(function()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s"
    return result[0]


@pytest.fixture
def data(tmp_path, monkeypatch) -> Path:
    """An empty data folder, `data/`, with the working directory beside it so names stay short."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "data"
    folder.mkdir()
    return folder


# -- folders -----------------------------------------------------------------


def test_a_dangling_link_stops_the_run(data):
    (data / "a.yaml").write_text(show("a"))
    (data / "b.yaml").symlink_to("gone.yaml")
    with pytest.raises(DataError) as caught:
        load_catalog("data")
    assert (
        str(caught.value)
        == "data/b.yaml:1:1: this link points to a file that does not exist; fix the link or remove it"
    )


def test_a_loop_of_links_is_a_problem(data):
    (data / "a.yaml").symlink_to("b.yaml")
    (data / "b.yaml").symlink_to("a.yaml")
    assert finishes(lambda: messages("data")) == [
        "data/a.yaml:1:1: this link leads round in a loop of links and never to a file; remove or fix the link",
        "data/b.yaml:1:1: this link leads round in a loop of links and never to a file; remove or fix the link",
    ]


def test_a_link_back_to_a_containing_folder_is_not_followed_forever(data):
    (data / "shows").mkdir()
    (data / "shows" / "a.yaml").write_text(show("a"))
    (data / "shows" / "up").symlink_to("..")
    (data / "shows" / "self").symlink_to(".")
    assert finishes(lambda: messages("data")) == [
        "data/shows/self:1:1: this link leads back to a folder that contains it (a loop); remove the link",
        "data/shows/up:1:1: this link leads back to a folder that contains it (a loop); remove the link",
    ]


def test_links_inside_the_folder_are_followed(data):
    (data / "real").mkdir()
    (data / "real" / "a.txt").write_text(show("a"))
    (data / "hidden-away").mkdir()
    (data / ".drafts").mkdir()
    (data / ".drafts" / "b.yaml").write_text(show("b"))
    (data / "a.yaml").symlink_to("real/a.txt")
    (data / "drafts").symlink_to(".drafts")
    catalog = load_catalog("data")
    assert [s.slug for s in catalog.shows] == ["a", "b"]
    assert data_files(Path("data")) == [Path("data/a.yaml"), Path("data/drafts/b.yaml")]


def test_a_link_to_something_read_already_is_a_problem(data):
    (data / "a").mkdir()
    (data / "a" / "shows.yaml").write_text(show("a"))
    (data / "b").symlink_to("a")
    (data / "copy.yaml").symlink_to("a/shows.yaml")
    assert messages("data") == [
        "data/b:1:1: this link leads to data/a, which is read already; remove the link",
        "data/copy.yaml:1:1: this link leads to data/a/shows.yaml, which is read already; remove the link",
    ]


def test_links_out_of_the_data_folder_are_refused(data, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "secret.yaml").write_text(show("secret"))
    (data / "a.yaml").write_text(show("a"))
    (data / "outside.yaml").symlink_to(elsewhere / "secret.yaml")
    (data / "more").symlink_to(elsewhere)
    (data / "null.yaml").symlink_to("/dev/null")
    assert messages("data") == [
        "data/more:1:1: this link leads to a folder outside the data folder; showcal reads only what is inside it: "
        "move or copy the folder in instead",
        "data/null.yaml:1:1: this link leads to a file outside the data folder; showcal reads only what is inside it: "
        "move or copy the file in instead",
        "data/outside.yaml:1:1: this link leads to a file outside the data folder; showcal reads only what is inside "
        "it: move or copy the file in instead",
    ]


def test_a_data_folder_reached_through_a_link_is_read(data, tmp_path):
    (data / "a.yaml").write_text(show("a"))
    (tmp_path / "current").symlink_to(data)
    assert [s.slug for s in load_catalog(tmp_path / "current").shows] == ["a"]


def test_a_named_pipe_is_never_opened(data):
    (data / "a.yaml").write_text(show("a"))
    os.mkfifo(data / "b.yaml")
    os.mkfifo(data / "pipe.yaml.txt")  # not named as data: not even looked at
    assert finishes(lambda: messages("data")) == [
        "data/b.yaml:1:1: this is a named pipe, not a file; showcal reads only regular files: "
        "remove it or give it another name"
    ]
    assert finishes(lambda: messages("data/b.yaml")) == [
        "data/b.yaml:1:1: this is a named pipe, not a file; showcal reads only regular files: "
        "remove it or give it another name"
    ]


def test_a_socket_and_a_device_are_refused(data):
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(data / "s.yaml"))
        assert messages("data") == [
            "data/s.yaml:1:1: this is a socket, not a file; showcal reads only regular files: "
            "remove it or give it another name"
        ]
    finally:
        server.close()
    assert messages("/dev/null") == [
        "/dev/null:1:1: this is a character device, not a file; showcal reads only regular files: "
        "remove it or give it another name"
    ]


def test_a_folder_named_like_a_data_file(data):
    (data / "a.yaml").write_text(show("a"))
    (data / "b.yaml").mkdir()
    (data / "b.yaml" / "c.yaml").write_text(show("c"))
    assert messages("data") == [
        "data/b.yaml:1:1: this is a folder, not a file; rename it so that its name does not end in .yaml"
    ]


def test_a_file_showcal_may_not_read(data, monkeypatch):
    """Tests run as root, whom file modes do not stop, so the refusal is made by a stand-in for os.open."""
    (data / "a.yaml").write_text(show("a"))
    (data / "b.yaml").write_text(show("b"))
    real_open = os.open

    def refusing_open(path, *args, **kwargs):
        if Path(path).name == "b.yaml":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(files.os, "open", refusing_open)
    with pytest.raises(DataError) as caught:
        load_catalog("data")
    assert str(caught.value) == "data/b.yaml:1:1: cannot read this file (permission denied)"


def test_a_folder_showcal_may_not_list(data, monkeypatch):
    (data / "a.yaml").write_text(show("a"))
    (data / "locked").mkdir()
    real_scandir = os.scandir

    def refusing_scandir(path):
        if Path(path).name == "locked":
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(files.os, "scandir", refusing_scandir)
    assert messages("data") == [
        "data/locked:1:1: cannot read this folder (permission denied); its data files would be left out"
    ]


def test_folders_nested_too_deep(data):
    deep = data.joinpath(*["d"] * 40)
    deep.mkdir(parents=True)
    (deep / "a.yaml").write_text(show("a"))
    (data / "b.yaml").write_text(show("b"))
    assert messages("data") == [
        f"data/{'d/' * 32}d:1:1: folders are nested more than 32 deep here; showcal reads no deeper"
    ]


def test_dot_files_and_folders_are_not_data(data):
    (data / "a.yaml").write_text(show("a"))
    (data / ".#a.yaml").symlink_to("curator@host.1234:1700000000")  # what Emacs leaves while a file is edited
    (data / ".github" / "workflows").mkdir(parents=True)
    (data / ".github" / "workflows" / "ci.yml").write_text("on: push\n")
    assert messages("data") == []
    assert data_files(Path("data")) == [Path("data/a.yaml")]


def test_data_files_lists_the_broken_entries_too(data):
    """The server's watcher stats every path data_files gives, so a fixed link must be among them."""
    (data / "a.yaml").write_text(show("a"))
    (data / "b.yaml").symlink_to("gone.yaml")
    assert data_files(Path("data")) == [Path("data/a.yaml"), Path("data/b.yaml")]


# -- sizes -------------------------------------------------------------------


def test_a_file_past_the_size_limit_is_refused_before_it_is_read(data):
    big = data / "big.yaml"
    with big.open("wb") as handle:
        handle.truncate(files.MAX_FILE_BYTES + 1)  # sparse: costs no disk
    started = time.perf_counter()
    found = messages("data")
    assert time.perf_counter() - started < 1
    assert found == [
        "data/big.yaml:1:1: this file is larger than the 256 MB a data file may hold; "
        "split it into several files in a folder"
    ]


def test_reading_stops_at_the_limit_whatever_stat_said(data, monkeypatch):
    """A file that grows between stat and read (or a /proc-like file that says 0) is still read no further."""
    monkeypatch.setattr(files, "MAX_FILE_BYTES", 1024 * 1024)
    path = data / "a.yaml"
    path.write_bytes(b"# x\n" * 300_000)
    with path.open("rb", buffering=0) as handle:
        assert files._read_at_most(handle, expected=10) is None
    with path.open("rb", buffering=0) as handle:
        assert files._read_at_most(handle, expected=0) is None
    path.write_bytes(b"# x\n" * 1000)
    with path.open("rb", buffering=0) as handle:
        assert files._read_at_most(handle, expected=10) == b"# x\n" * 1000


def test_an_overlong_line(data):
    (data / "a.yaml").write_text(show("a", "x" * 12_345))
    assert messages("data") == [
        "data/a.yaml:3:10001: this line is 12,356 characters long, more than the 10,000 a line may hold; "
        "break it into several lines (a long value may go on in the lines below, indented)"
    ]


def test_long_lines_under_the_limit_are_fine(data):
    (data / "a.yaml").write_text(show("a", "x" * 9_000))
    (data / "c.yaml").write_bytes((show("c") + "    description: " + "z " * 3000 + "\n").replace("\n", "\r\n").encode())
    assert messages("data") == []


def test_a_mistake_at_the_end_of_a_large_file_is_explained_quickly():
    events = "".join(f"      - {{id: e{i}, title: 'Episode {i}', date: 2025-01-01}}\n" for i in range(10_000))
    text = show("a") + "    events:\n" + events + "      - id: last\n        title: 'Woe's Hollow'\n"
    started = time.perf_counter()
    _, problems = compose_data("events.yaml", text.encode())
    assert time.perf_counter() - started < 5
    assert [str(p) for p in problems] == [
        "events.yaml:10006:20: this apostrophe ends the quoted value early; inside '...' write it twice "
        "(title: 'Woe''s Hollow'), or use double quotes (title: \"Woe's Hollow\")"
    ]


# -- encodings and characters ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("shows: []\n".encode("utf-16"), "events.yaml:1:1: the file is saved as UTF-16; save it as UTF-8"),
        ("shows: []\n".encode("utf-32"), "events.yaml:1:1: the file is saved as UTF-32; save it as UTF-8"),
        ("shows: []\n".encode("utf-16-le"),
         "events.yaml:1:2: the file holds NUL bytes (U+0000), so it is not a text file; save it as UTF-8 text"),
        (b"shows:\n  - slug: a\n    title: A\x00B\n",
         "events.yaml:3:13: the file holds NUL bytes (U+0000), so it is not a text file; save it as UTF-8 text"),
        ("shows:\n  - slug: é\n    title: Ça \x1b[2J\n".encode(),
         "events.yaml:3:15: control character U+001B is not allowed in YAML; remove it"),
        (b"\xef\xbb\xbfshows:\n  - slug: a\n    title: Caf\xe9\n",
         "events.yaml:3:15: not UTF-8 (byte 0xe9); save the file as UTF-8"),
        ("shows:\n  - slug: a\n    title: 東京".encode() + b"\xe9\n",
         "events.yaml:3:14: not UTF-8 (byte 0xe9); save the file as UTF-8"),
        ("shows: []\n# a\u0085x: 1\n".encode(),
         "events.yaml:2:4: this line ends in an unusual line break, U+0085, which editors do not show as one; "
         "replace it with an ordinary line break (LF or CR LF), or a space"),
        (b"shows: []\r# a\r",
         "events.yaml:1:10: this line ends in an unusual line break, a lone carriage return (CR, an old Mac line "
         "break), which editors do not show as one; replace it with an ordinary line break (LF or CR LF), or a space"),
    ],
)  # fmt: skip
def test_encodings_and_characters(raw, expected):
    node, problems = compose_data("events.yaml", raw)
    assert node is None
    assert [str(p) for p in problems] == [expected]


def test_a_byte_order_mark_in_utf8_is_fine():
    node, problems = compose_data("events.yaml", "\ufeffshows: []\n".encode())
    assert problems == []
    assert node.value[0][0].value == "shows"


# -- what YAML allows and showcal data never needs ---------------------------


def test_every_tag_is_a_problem_at_its_node():
    text = (
        "shows:\n"
        "  - slug: !!python/object/apply:os.system ['echo hi']\n"
        "    title: !foo Example\n"
        "    network: !!binary aGk=\n"
        "    description: !!str 2024\n"
        "    events: !!set {a, b}\n"
    )
    _, problems = compose_data("events.yaml", text.encode())
    assert [str(p) for p in problems] == [
        "events.yaml:2:11: YAML tags are not used in showcal data; remove '!!python/object/apply:os.system' "
        "(quote the value if the '!' is part of it)",
        "events.yaml:3:12: YAML tags are not used in showcal data; remove '!foo' (quote the value if the '!' is part of it)",
        "events.yaml:4:14: YAML tags are not used in showcal data; remove '!!binary' (quote the value if the '!' is part of it)",
        "events.yaml:5:18: YAML tags are not used in showcal data; remove '!!str' (quote the value if the '!' is part of it)",
        "events.yaml:6:13: YAML tags are not used in showcal data; remove '!!set' (quote the value if the '!' is part of it)",
    ]


def test_exclamation_marks_and_stars_in_text_are_fine():
    text = show("a", "Wow! Five* stars! 'Yes !' \"* !\"")
    node, problems = compose_data("events.yaml", text.encode())
    assert problems == []
    assert node.value[0][1].value[0].value[1][1].value == "Wow! Five* stars! 'Yes !' \"* !\""


def test_many_exclamation_marks_in_text_are_fine():
    """Past a thousand '!' the events are read to make sure; there are still no tags to find."""
    text = show("a", "Wow!" * 1500)
    assert compose_data("events.yaml", text.encode())[1] == []


def test_small_aliases_are_allowed(tmp_path):
    (tmp_path / "a.yaml").write_text(
        "shows:\n"
        "  - slug: a\n"
        "    title: A\n"
        "    events:\n"
        "      - {id: one, title: One, date: 2025-01-01, description: &blurb Streams on Example+ every Friday.}\n"
        "      - {id: two, title: Two, date: 2025-01-08, description: *blurb}\n"
    )
    assert [e.description for e in load_catalog(tmp_path).events] == ["Streams on Example+ every Friday."] * 2


def alias_bomb(copies: int, events: int) -> str:
    """A show with `events` events, then `copies` aliases to it: 5 bytes an alias."""
    lines = ["x: &s", "  slug: a", "  title: A", "  events:"]
    lines += [f"    - {{id: e{i}, title: E, date: 2025-01-01}}" for i in range(events)]
    lines += ["shows:"] + ["- *s"] * copies
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused_at_the_alias_that_crosses_the_limit():
    text = alias_bomb(copies=20_000, events=50)
    assert len(text) < 110_000
    started = time.perf_counter()
    node, problems = compose_data("events.yaml", text.encode())
    assert time.perf_counter() - started < 5
    assert node is None
    # The show is 7 nodes and 7 a event: each alias repeats 357, so the 281st passes 100,000 (on line 55 + 281).
    assert [str(p) for p in problems] == [
        "events.yaml:336:3: the aliases up to this '*s' repeat 100,317 items, more than the 100,000 this file "
        "may expand to; write the data out rather than repeating it with '*' aliases"
    ]


def test_nested_aliases_are_counted_without_expanding_them():
    """A billion laughs: each line repeats the one above ten times, 10 ** 10 items by the last."""
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 10)}]" for i in range(9)]
    node, problems = finishes(lambda: compose_data("events.yaml", ("\n".join(lines) + "\n").encode()), 5)
    # 'd' is 11,111 items and the lines above add 12,330 together: the 8th '*d' on line 5 passes 100,000.
    assert [str(p) for p in problems] == [
        "events.yaml:5:36: the aliases up to this '*d' repeat 101,218 items, more than the 100,000 this file "
        "may expand to; write the data out rather than repeating it with '*' aliases"
    ]


def test_an_alias_inside_its_own_anchor_is_a_problem():
    _, problems = compose_data("events.yaml", b"shows: &loop\n  - *loop\n")
    assert [str(p) for p in problems] == [
        "events.yaml:2:5: '*loop' stands inside the very item '&loop' marks, which would repeat it forever; remove it"
    ]


def test_the_alias_limit_grows_with_the_file(monkeypatch):
    monkeypatch.setattr(load, "MAX_ALIAS_NODES", 10)
    text = show("a") + "    description: &d Shared\n    network: *d\n" + "\n".join(f"# {i}" for i in range(3))
    assert compose_data("events.yaml", text.encode())[1] == []


# -- what a terminal shows ---------------------------------------------------


def test_problem_text_never_carries_control_characters():
    problem = Problem("bad\x1b]0;owned\x07.yaml", 1, 2, "shows[0].\u202eevil", "unknown key '\x1b[2J\r\x00\x9b'")
    assert str(problem) == (
        "bad\\x1b]0;owned\\x07.yaml:1:2: shows[0].\\u202eevil: unknown key '\\x1b[2J\\x0d\\x00\\x9b'"
    )
    assert dataclasses.replace(problem, file="x.yaml").message == problem.message


def test_a_hostile_key_reaches_the_terminal_escaped(tmp_path):
    (tmp_path / "a.yaml").write_text('shows:\n  - slug: a\n    title: A\n    "\\e]0;pwned\\a\\u202e": x\n')
    with pytest.raises(DataError) as caught:
        load_catalog(tmp_path)
    shown = str(caught.value)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert "\\x1b]0;pwned\\x07\\u202e" in shown


def test_a_hostile_file_name_reaches_the_terminal_escaped(data):
    (data / "evil\x1b[2J\udcff.yaml").write_bytes(b"shows: [\n")
    assert messages("data") == ["data/evil\\x1b[2J\\udcff.yaml:1:8: this '[' is never closed; end the list with ']'"]
    messages("data")[0].encode("utf-8")  # lone surrogates from an undecodable name would not even print
