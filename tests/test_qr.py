"""templates/static/qr.js, the pages' QR encoder: segno's matrices module for module, and what Chromium draws decodes.

The reference is segno, with one correction: segno writes eight zero bits where
the standard writes none when the data already ends on a codeword boundary
(heuer/segno#148, open), so its first pad codeword is 00 instead of EC. Decoders
stop at the terminator, so both read the same, but the matrices differ. The
`reference` fixture applies the fix proposed in that issue while a test runs;
`test_segno_unpatched_agrees_when_no_padding_is_needed` shows it changes nothing else.

The browser half loads qr.js as a classic script from a page on 127.0.0.1 served
under showcal's own Content-Security-Policy, draws codes at a few sizes, and
reads the screenshots back with zxing-cpp.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import threading
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import segno
import segno.encoder
from browser_harness import CHROMIUM_ARGS, chromium_path
from needs import missing
from test_browser import png_gray
from test_http import require

from showcal.web import PAGE_POLICY

QR_JS = Path(__file__).resolve().parent.parent / "templates" / "static" / "qr.js"
SVG = "{http://www.w3.org/2000/svg}"

NON_ASCII = "webcal://tv.example.org/shows/pokémon-東京.ics"
URL_60 = "webcal://tv.example.org/shows/the-great-british-bake-off.ics"
LONG = "webcal://tv.example.org/feed.ics?" + "&".join(f"show={n:03d}-a-long-running-series" for n in range(26))


def url_of_length(n: int) -> str:
    base = "webcal://tv.example.org/shows/" if n >= 40 else "webcal://t.tv/"
    return (base + "abcdefghijklmnopqrstuvwxyz-0123456789" * 10)[: n - 4] + ".ics"


TEXTS = [url_of_length(n) for n in (14, 24, 40, 60, 80, 100, 120, 150, 175, 210, 240)] + [
    NON_ASCII,
    "Ça marche? Grüße, 東京 🎬 & <b>",
    LONG,
]
"""ASCII URLs that land in versions 1 to 11 at level M, non-ASCII text (2-, 3- and 4-byte UTF-8), one in version 20+."""

MASK_RULE_CASES = [
    ("M", "webcal://tv.example.org/shows/13555ydg4d2z._gcjpxcn.ics"),
    ("H", "webcal://tv.example.org/shows/qpd/c_.ics"),
    ("M", "webcal://tv.example.org/shows/t4h9sxw3.ics"),
]
"""Texts on which one misreading of the penalty rules picks another mask, found by trying each misreading on
random URLs: two masks tie for the lowest score (the lower number wins); a finder-like pattern starts four
modules after a counted one (the search resumes after the counted pattern); the dark share's distance from
half falls in the upper half of a 5% step (N4 counts whole steps, rounding down)."""


def segno_fixed_padding(buff, version, length) -> None:
    """segno's write_padding_bits as heuer/segno#148 proposes: pad to the next codeword boundary, not past it."""
    buff.extend([0] * (-length % 8))


@pytest.fixture
def reference(monkeypatch) -> Callable[..., segno.QRCode]:
    """`reference(text, level, version=None, mask=None)`: segno's QR code of text as UTF-8 bytes, padding fixed."""
    monkeypatch.setattr(segno.encoder, "write_padding_bits", segno_fixed_padding)
    return segno_code


def segno_code(text: str, level: str = "M", version: int | None = None, mask: int | None = None) -> segno.QRCode:
    return segno.make(
        text,
        error=level,
        version=version,
        mask=mask,
        mode="byte",
        encoding="utf-8",
        boost_error=False,
        micro=False,
    )


def as_rows(modules: list[list[bool]]) -> list[str]:
    """A matrix as rows of "0" (light) and "1" (dark): compared quickly, and a failure shows where."""
    return ["".join("1" if module else "0" for module in row) for row in modules]


def segno_rows(code: segno.QRCode) -> list[str]:
    return as_rows(code.matrix)


def filling(level: str, version: int, short_by: int) -> str:
    """A text of `short_by` bytes less than `version` holds at `level` in byte mode."""
    bits = segno.consts.SYMBOL_CAPACITY[version][segno.consts.ERROR_MAPPING[level]]
    capacity = (bits - 4 - (16 if version >= 10 else 8)) // 8  # less the mode and the count indicator
    text = "webcal://tv.example.org/" + "".join(chr(33 + (k * 7) % 94) for k in range(capacity))
    return text[: capacity - short_by]


# --- the page ------------------------------------------------------------------------------------

TEST_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>qr.js</title><link rel="icon" href="data:,">{script}</head>
<body><div id="out"></div></body></html>
"""


class QRSite(BaseHTTPRequestHandler):
    """`/` loads qr.js the way the pages will, `/blank` does not; both under the pages' policy."""

    def do_GET(self) -> None:
        pages = {
            "/": ("text/html; charset=utf-8", TEST_PAGE.format(script='<script src="/qr.js"></script>').encode()),
            "/blank": ("text/html; charset=utf-8", TEST_PAGE.format(script="").encode()),
            "/qr.js": ("text/javascript; charset=utf-8", QR_JS.read_bytes()),
        }
        if self.path not in pages:
            self.send_error(404)
            return
        kind, body = pages[self.path]
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Content-Security-Policy", PAGE_POLICY)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), QRSite)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    require("playwright")
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    """The test page with qr.js loaded; any console error, page error or request off 127.0.0.1 fails the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.on("request", lambda r: r.url.startswith(site + "/") or problems.append(f"request: {r.url}"))
    page.goto(site + "/")
    page.wait_for_function("typeof window.showcalQR === 'object'", timeout=5000)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


def encode_all(page, cases: list[dict]) -> list[dict]:
    """qr.js's encode of each {text, options} case, in the page, with `rows` as strings of 0 and 1 in place of `modules`.

    Strings because Playwright takes seconds to hand over a million booleans; test_modules_are_rows_of_booleans
    checks the form encode really returns.
    """
    return page.evaluate(
        """cases => cases.map(c => {
             const {modules, ...code} = showcalQR.encode(c.text, c.options);
             return {...code, rows: modules.map(row => row.map(Number).join(""))};
           })""",
        cases,
    )


# --- the matrix, against segno -------------------------------------------------------------------


def test_matrix_equals_segno_with_version_and_mask_forced(page, reference):
    codes = [reference(text, "M") for text in TEXTS]
    assert {c.version for c in codes} >= set(range(1, 11)), "the texts should cover versions 1 to 10"
    assert max(c.version for c in codes) >= 20
    cases = [{"text": t, "options": {"version": c.version, "mask": c.mask}} for t, c in zip(TEXTS, codes, strict=True)]
    for text, code, ours in zip(TEXTS, codes, encode_all(page, cases), strict=True):
        assert (ours["version"], ours["level"], ours["mask"]) == (code.version, "M", code.mask), text
        assert ours["rows"] == segno_rows(code), text


def test_every_version_and_level_equals_segno(page, reference):
    """All 160 combinations of version and level, each text just filling it, each mask in turn: the tables of the standard."""
    combos = [(level, version) for level in "LMQH" for version in range(1, 41)]
    cases = [
        {
            "text": filling(level, version, version % 3),
            "options": {"level": level.lower(), "version": version, "mask": version % 8},
        }
        for level, version in combos
    ]
    for case, ours in zip(cases, encode_all(page, cases), strict=True):
        level, version, mask = case["options"]["level"].upper(), case["options"]["version"], case["options"]["mask"]
        code = reference(case["text"], level, version=version, mask=mask)
        assert (ours["version"], ours["level"], ours["mask"]) == (version, level, mask)
        assert ours["rows"] == segno_rows(code), f"version {version}, level {level}"


def test_automatic_choices_equal_segno(page, reference):
    """Nothing forced: the smallest version and the mask with the lowest penalty, as segno picks them."""
    cases = [{"text": t, "options": {"level": level}} for t in TEXTS for level in "LMQH"]
    cases += [{"text": t, "options": {"level": level}} for level, t in MASK_RULE_CASES]
    for case, ours in zip(cases, encode_all(page, cases), strict=True):
        code = reference(case["text"], case["options"]["level"])
        assert (ours["version"], ours["mask"]) == (code.version, code.mask), case
        assert ours["rows"] == segno_rows(code), case


def test_modules_are_rows_of_booleans_at_level_m_by_default(page, reference):
    ours = page.evaluate("text => showcalQR.encode(text)", URL_60)
    code = reference(URL_60, "M")
    assert (ours["level"], ours["version"], ours["mask"]) == ("M", code.version, code.mask)
    assert {type(module) for row in ours["modules"] for module in row} == {bool}
    assert as_rows(ours["modules"]) == segno_rows(code)


def test_segno_unpatched_agrees_when_no_padding_is_needed(page):
    """Texts that fill their version exactly leave no room for padding: there, segno as released is the reference."""
    cases = [
        {"text": filling(level, version, 0), "options": {"level": level}}
        for level, version in [("M", 3), ("L", 12), ("H", 21)]
    ]
    for case, ours in zip(cases, encode_all(page, cases), strict=True):
        code = segno_code(case["text"], case["options"]["level"])
        assert (ours["version"], ours["mask"]) == (code.version, code.mask)
        assert ours["rows"] == segno_rows(code)


def test_too_long_or_bad_options_are_errors(page):
    outcomes = page.evaluate(
        """cases => cases.map(([text, options]) => {
             try { return ["ok", showcalQR.encode(text, options).version]; }
             catch (e) { return [e.name, e.message]; }
           })""",
        [
            ["x" * 2332, {}],
            ["x" * 2331, {}],
            ["x" * 15, {"version": 1}],
            ["x", {"level": "X"}],
            ["x", {"mask": 8}],
            ["x", {"version": 41}],
        ],
    )
    assert outcomes == [
        ["RangeError", "2332 bytes are more than a QR code holds at level M"],
        ["ok", 40],
        ["RangeError", "15 bytes do not fit in a version 1 QR code at level M"],
        ["RangeError", "bad QR code level: X"],
        ["RangeError", "bad QR code mask: 8"],
        ["RangeError", "bad QR code version: 41"],
    ]


# --- drawn in Chromium, read by zxing-cpp --------------------------------------------------------


def screenshot_gray(locator) -> tuple[int, int, list[bytearray]]:
    return png_gray(locator.screenshot(scale="css"))


def decode(width: int, height: int, rows: list[bytearray]) -> list:
    import zxingcpp

    image = memoryview(b"".join(bytes(row) for row in rows)).cast("B", (height, width))
    return zxingcpp.read_barcodes(image)


def draw_with_render(page, text: str, pixels: int, title: str | None = None):
    """qr.js's render() into #out, `pixels` CSS pixels square; the <svg> element's locator. No title: the default."""
    page.evaluate(
        """([text, pixels, title]) => {
             const out = document.getElementById("out");
             const svg = showcalQR.render(out, text, {title});
             svg.style.width = pixels + "px";
             svg.style.height = pixels + "px";
             svg.style.display = "block";
           }""",
        [text, pixels, title],
    )
    return page.locator("#out > svg")


def draw_as_image(page, text: str, pixels: int):
    """toSvg()'s string as an <img> (a data: URL, which the pages' policy allows): a standalone SVG document."""
    page.evaluate(
        """async ([text, pixels]) => {
             const img = document.createElement("img");
             const svg = showcalQR.toSvg(showcalQR.encode(text).modules, "QR code");
             img.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
             img.alt = "QR code";
             img.style.width = pixels + "px";
             img.style.height = pixels + "px";
             img.style.display = "block";
             const out = document.getElementById("out");
             out.replaceChildren(img);
             await img.decode();
           }""",
        [text, pixels],
    )
    return page.locator("#out > img")


DRAWINGS = {"render": draw_with_render, "toSvg": draw_as_image}


@pytest.mark.parametrize("how", DRAWINGS)
@pytest.mark.parametrize("text", [URL_60, NON_ASCII, LONG, "a"], ids=["url-60", "non-ascii", "version-20+", "one-byte"])
def test_drawn_code_decodes(page, text, how):
    require("zxingcpp")
    import zxingcpp

    (code,) = encode_all(page, [{"text": text, "options": {}}])
    side = len(code["rows"]) + 8
    for per_module in (2, 3.5, 6):
        pixels = round(side * per_module)
        width, height, rows = screenshot_gray(DRAWINGS[how](page, text, pixels))
        assert (width, height) == (pixels, pixels)
        found = decode(width, height, rows)
        assert [(c.format, c.bytes, c.text) for c in found] == [(zxingcpp.BarcodeFormat.QRCode, text.encode(), text)], (
            per_module
        )
        extra = found[0].extra
        assert (extra["Version"], extra["ECLevel"], extra["DataMask"]) == (str(code["version"]), "M", code["mask"])


@pytest.mark.parametrize("how", DRAWINGS)
def test_drawn_modules_are_the_matrix(page, how):
    """At 4 px a module, the centre of every module on screen, quiet zone included, is the matrix's."""
    (code,) = encode_all(page, [{"text": NON_ASCII, "options": {}}])
    side = len(code["rows"]) + 8
    expected = ["0" * side] * 4 + ["0000" + row + "0000" for row in code["rows"]] + ["0" * side] * 4
    width, height, rows = screenshot_gray(DRAWINGS[how](page, NON_ASCII, side * 4))
    seen = ["".join("1" if rows[4 * y + 2][4 * x + 2] < 128 else "0" for x in range(side)) for y in range(side)]
    assert seen == expected
    assert {level for row in rows for level in row} == {0, 255}, "dark #000 on light #fff, edges crisp"


# --- the SVG as markup, and as an accessible image -----------------------------------------------

TRICKY_TITLE = "Subscribe to \"Tom & Jerry\" <script>alert(1)</script> 'now'"


def test_svg_string_is_well_formed_and_named(page):
    svg_text, untitled, modules = page.evaluate(
        """([text, title]) => {
             const m = showcalQR.encode(text).modules;
             return [showcalQR.toSvg(m, title), showcalQR.toSvg(m), m];
           }""",
        [URL_60, TRICKY_TITLE],
    )
    assert ET.fromstring(untitled).find(SVG + "title").text == "QR code"
    root = ET.fromstring(svg_text)
    side = len(modules) + 8
    assert root.tag == SVG + "svg"
    assert root.attrib == {"viewBox": f"0 0 {side} {side}", "role": "img", "shape-rendering": "crispEdges"}
    assert [child.tag for child in root] == [SVG + "title", SVG + "rect", SVG + "path"]
    title, rect, path = root
    assert title.text == TRICKY_TITLE and len(title) == 0
    assert rect.attrib == {"width": str(side), "height": str(side), "fill": "#fff"}
    assert path.get("fill") == "#000"


def test_svg_string_title_is_the_accessible_name(page):
    """The string parsed as SVG (no HTML parser, nothing run): one image, named by the title, no element from it."""
    page.evaluate(
        """([text, title]) => {
             const svg = showcalQR.toSvg(showcalQR.encode(text).modules, title);
             const parsed = new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
             document.getElementById("out").replaceChildren(document.importNode(parsed, true));
           }""",
        [URL_60, TRICKY_TITLE],
    )
    assert_named_image(page)


def test_render_title_is_the_accessible_name(page):
    draw_with_render(page, URL_60, 200, TRICKY_TITLE)
    assert_named_image(page)
    assert page.locator("#out > svg").get_attribute("role") == "img"


def assert_named_image(page) -> None:
    image = page.get_by_role("img", name=TRICKY_TITLE, exact=True)
    assert image.count() == 1
    assert image.evaluate("e => e.tagName.toLowerCase()") == "svg"
    assert page.evaluate("[...document.querySelectorAll('#out svg *')].map(e => e.localName)") == [
        "title",
        "rect",
        "path",
    ]
    assert page.evaluate("document.scripts.length") == 1, "only qr.js's own <script>"


def test_render_replaces_what_the_element_held_and_names_it_by_default(page):
    draw_with_render(page, URL_60, 200)
    draw_with_render(page, NON_ASCII, 200)
    assert page.locator("#out > *").count() == 1
    assert page.locator("#out > svg title").text_content() == "QR code"


def test_one_global_under_the_pages_policy(page, site):
    """As a classic script under script-src 'self' it adds window.showcalQR and nothing else."""
    with_script = set(page.evaluate("Object.getOwnPropertyNames(window)"))
    page.goto(site + "/blank")
    without = set(page.evaluate("Object.getOwnPropertyNames(window)"))
    assert with_script - without == {"showcalQR"}


# --- Node ----------------------------------------------------------------------------------------


def node_path() -> str:
    found = shutil.which("node")
    if found is None:
        missing("node is not installed (./scripts/test installs Debian's nodejs)")
    return found


@pytest.mark.parametrize(
    "load",
    [
        "const qr = require(process.argv[1]);",
        "const qr = (await import(require('url').pathToFileURL(process.argv[1]))).default;",
    ],
    ids=["require", "import"],
)
def test_node_loads_it(load, reference):
    """Node can require() or import the same file, for tests and tools; it defines no global there."""
    script = f"""(async () => {{
        {load}
        const code = qr.encode(process.argv[2]);
        process.stdout.write(JSON.stringify({{ keys: Object.keys(qr), global: typeof showcalQR, code }}));
    }})();"""
    run = functools.partial(subprocess.run, capture_output=True, text=True, timeout=30, check=True)
    result = json.loads(run([node_path(), "-e", script, str(QR_JS), NON_ASCII]).stdout)
    code = reference(NON_ASCII, "M")
    assert result["keys"] == ["encode", "toSvg", "render"]
    assert result["global"] == "undefined"
    assert (result["code"]["version"], result["code"]["mask"]) == (code.version, code.mask)
    assert as_rows(result["code"]["modules"]) == segno_rows(code)
