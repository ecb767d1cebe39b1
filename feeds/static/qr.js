// showcal's QR codes, drawn in the browser: text -> module matrix -> SVG.
//
// The show pages draw a QR code of the subscribe address so that a phone can
// pick up a subscription seen on a desktop. The address is only known in the
// browser (a static build does not know where it will be hosted), so the code
// is drawn here, from this file alone: nothing is fetched, nothing is eval'd,
// no markup is parsed, and it runs under `script-src 'self'`.
//
// What it implements (ISO/IEC 18004:2015): byte mode with the text as UTF-8,
// error correction L, M (default), Q or H, the smallest of versions 1-40 that
// holds the text, Reed-Solomon blocks interleaved as the standard lays them
// out, and the data mask with the lowest penalty score.
//
// Loading: as a classic script (<script src="qr.js">) it defines one global,
// `window.showcalQR`; under Node, `require("./qr.js")` (or `import qr from`)
// returns the same object. The wrapper below picks one by whether a CommonJS
// `module` exists, which is the whole of the "module system".
//
//   showcalQR.encode(text, {level, version, mask})
//       -> {version, level, mask, modules}; modules is an array of rows of
//          booleans, true for dark, without the quiet zone.
//   showcalQR.toSvg(modules, title) -> an SVG document as a string.
//   showcalQR.render(element, text, {title, level, version, mask})
//       -> replaces element's children with the SVG (built with DOM calls)
//          and returns the <svg> element.
"use strict";

(function (exportTo) {
  // --- Tables of ISO/IEC 18004:2015 ------------------------------------------------------------

  // Codewords (data and error correction together) in a symbol, by version 1-40 (Table 1).
  const TOTAL_CODEWORDS = [
    26, 44, 70, 100, 134, 172, 196, 242, 292, 346, 404, 466, 532, 581, 655, 733, 815, 901, 991, 1085,
    1156, 1258, 1364, 1474, 1588, 1706, 1828, 1921, 2051, 2185, 2323, 2465, 2611, 2761, 2876, 3034, 3196,
    3362, 3532, 3706,
  ];

  // Error correction codewords per block, by level and version 1-40 (Table 9).
  const EC_PER_BLOCK = {
    L: [7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
      28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    M: [10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
      26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],
    Q: [13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
      28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
    H: [17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
      30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],
  };

  // Number of error correction blocks, by level and version 1-40 (Table 9).
  const BLOCKS = {
    L: [1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
      8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],
    M: [1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
      17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],
    Q: [1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
      23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],
    H: [1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
      25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],
  };

  // The two error correction bits of the format information (Table 12).
  const LEVEL_BITS = { L: 1, M: 0, Q: 3, H: 2 };

  // Data mask patterns, by mask number; true where a data module is inverted (Table 10).
  const MASKS = [
    (i, j) => (i + j) % 2 === 0,
    (i) => i % 2 === 0,
    (i, j) => j % 3 === 0,
    (i, j) => (i + j) % 3 === 0,
    (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
    (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
    (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
    (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
  ];

  const BYTE_MODE = 0b0100;
  const QUIET_ZONE = 4;
  const SVG_NS = "http://www.w3.org/2000/svg";

  // --- From text to codewords ------------------------------------------------------------------

  function dataCodewords(version, level) {
    return TOTAL_CODEWORDS[version - 1] - EC_PER_BLOCK[level][version - 1] * BLOCKS[level][version - 1];
  }

  function countBits(version) {
    return version < 10 ? 8 : 16;
  }

  function fits(byteCount, version, level) {
    return 4 + countBits(version) + 8 * byteCount <= 8 * dataCodewords(version, level);
  }

  function chooseVersion(byteCount, level, forced) {
    if (forced !== undefined) {
      if (!fits(byteCount, forced, level)) {
        throw new RangeError(`${byteCount} bytes do not fit in a version ${forced} QR code at level ${level}`);
      }
      return forced;
    }
    for (let version = 1; version <= 40; version++) {
      if (fits(byteCount, version, level)) return version;
    }
    throw new RangeError(`${byteCount} bytes are more than a QR code holds at level ${level}`);
  }

  // Mode, count, data, terminator and padding, as the data codewords (7.4). Zero bits pad only
  // up to the next codeword boundary, then the pad codewords EC and 11 alternate. (segno 1.6
  // writes a whole zero codeword first, heuer/segno#148; decoders stop at the terminator.)
  function dataStream(bytes, version, level) {
    const capacity = dataCodewords(version, level);
    const out = [];
    let buffer = 0;
    let buffered = 0;
    const put = (value, length) => {
      for (let k = length - 1; k >= 0; k--) {
        buffer = (buffer << 1) | ((value >>> k) & 1);
        if (++buffered === 8) {
          out.push(buffer);
          buffer = 0;
          buffered = 0;
        }
      }
    };
    put(BYTE_MODE, 4);
    put(bytes.length, countBits(version));
    bytes.forEach((b) => put(b, 8));
    put(0, Math.min(4, capacity * 8 - (out.length * 8 + buffered))); // terminator, if there is room
    if (buffered > 0) put(0, 8 - buffered);
    for (let pad = 0xec; out.length < capacity; pad ^= 0xec ^ 0x11) out.push(pad);
    return out;
  }

  // GF(256) with the polynomial x^8 + x^4 + x^3 + x^2 + 1, for Reed-Solomon (7.5.2).
  const EXP = new Uint8Array(512);
  const LOG = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++, x = (x << 1) ^ (x & 0x80 ? 0x11d : 0)) {
    EXP[i] = x;
    EXP[i + 255] = x;
    LOG[x] = i;
  }
  const multiply = (a, b) => (a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]]);

  // Coefficients of (x - a^0)(x - a^1)...(x - a^(degree-1)), highest power first, the leading 1 left out.
  function generator(degree) {
    let poly = [1];
    for (let i = 0; i < degree; i++) {
      const next = new Array(poly.length + 1).fill(0);
      poly.forEach((c, k) => {
        next[k] ^= c;
        next[k + 1] ^= multiply(c, EXP[i]);
      });
      poly = next;
    }
    return poly.slice(1);
  }

  // The remainder of data(x) * x^degree divided by the generator: the error correction codewords.
  function errorCodewords(data, gen) {
    const rest = new Array(gen.length).fill(0);
    data.forEach((d) => {
      const factor = d ^ rest.shift();
      rest.push(0);
      gen.forEach((g, k) => {
        rest[k] ^= multiply(g, factor);
      });
    });
    return rest;
  }

  // Split into blocks (the short ones first), add each block's error correction, then
  // interleave: the first codeword of every block, then the second, ... (7.6).
  function finalMessage(data, version, level) {
    const blockCount = BLOCKS[level][version - 1];
    const ecLength = EC_PER_BLOCK[level][version - 1];
    const shortLength = Math.floor(data.length / blockCount);
    const longBlocks = data.length % blockCount;
    const gen = generator(ecLength);
    const blocks = [];
    for (let b = 0, start = 0; b < blockCount; b++) {
      const length = shortLength + (b >= blockCount - longBlocks ? 1 : 0);
      const block = data.slice(start, start + length);
      blocks.push({ data: block, ec: errorCodewords(block, gen) });
      start += length;
    }
    const out = [];
    for (let k = 0; k <= shortLength; k++) {
      blocks.forEach((block) => k < block.data.length && out.push(block.data[k]));
    }
    for (let k = 0; k < ecLength; k++) {
      blocks.forEach((block) => out.push(block.ec[k]));
    }
    return out;
  }

  // --- The matrix ------------------------------------------------------------------------------

  // Alignment pattern centres on each axis (Annex E): 6, then evenly spaced back from size - 7
  // with an even step; this step is the one the table in the standard uses, for every version.
  function alignmentCentres(version) {
    if (version === 1) return [];
    const count = Math.floor(version / 7) + 2;
    const step = Math.floor((version * 8 + count * 3 + 5) / (count * 4 - 4)) * 2;
    const centres = [6];
    for (let k = count - 2; k >= 0; k--) centres.push(4 * version + 10 - k * step);
    return centres;
  }

  // A square of modules, dark or light, and which of them are function patterns (not data).
  class Grid {
    constructor(size) {
      this.size = size;
      this.dark = new Uint8Array(size * size);
      this.reserved = new Uint8Array(size * size);
    }

    set(i, j, dark) {
      this.dark[i * this.size + j] = dark ? 1 : 0;
      this.reserved[i * this.size + j] = 1;
    }

    rows() {
      const rows = [];
      for (let i = 0; i < this.size; i++) {
        rows.push(Array.from(this.dark.subarray(i * this.size, (i + 1) * this.size), Boolean));
      }
      return rows;
    }
  }

  // Finder patterns with their separators, timing patterns, alignment patterns, and the
  // (still light) places of the format and version information and of the dark module (6.3).
  function functionPatterns(version) {
    const size = 4 * version + 17;
    const grid = new Grid(size);
    for (const [top, left] of [[0, 0], [0, size - 7], [size - 7, 0]]) {
      for (let i = -1; i <= 7; i++) {
        for (let j = -1; j <= 7; j++) {
          if (top + i < 0 || top + i >= size || left + j < 0 || left + j >= size) continue;
          const ring = Math.max(Math.abs(i - 3), Math.abs(j - 3)); // 0-1 centre, 3 border, 4 separator
          grid.set(top + i, left + j, ring !== 2 && ring !== 4);
        }
      }
    }
    for (let k = 8; k < size - 8; k++) {
      grid.set(6, k, k % 2 === 0);
      grid.set(k, 6, k % 2 === 0);
    }
    const centres = alignmentCentres(version);
    const last = centres.length - 1;
    centres.forEach((ci, a) => {
      centres.forEach((cj, b) => {
        if ((a === 0 && b === 0) || (a === 0 && b === last) || (a === last && b === 0)) return; // finders
        for (let i = -2; i <= 2; i++) {
          for (let j = -2; j <= 2; j++) grid.set(ci + i, cj + j, Math.max(Math.abs(i), Math.abs(j)) !== 1);
        }
      });
    });
    for (let k = 0; k <= 8; k++) {
      if (k !== 6) {
        grid.set(8, k, false); // row 8 and column 8 next to the top left finder, except the timing patterns
        grid.set(k, 8, false);
      }
      if (k < 8) {
        grid.set(8, size - 1 - k, false);
        grid.set(size - 1 - k, 8, false); // ends with the dark module's place
      }
    }
    if (version >= 7) {
      for (let k = 0; k < 18; k++) {
        grid.set(size - 11 + (k % 3), Math.floor(k / 3), false);
        grid.set(Math.floor(k / 3), size - 11 + (k % 3), false);
      }
    }
    return grid;
  }

  // Codeword bits, most significant first, into the free modules: two-module-wide columns
  // from the right, alternately upwards and downwards, stepping over the vertical timing
  // pattern; the few remainder bits left at the end are 0 (light, until masked) (7.7.3).
  function placeCodewords(grid, codewords) {
    const size = grid.size;
    let bit = 0;
    let upwards = true;
    for (let right = size - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      for (let step = 0; step < size; step++) {
        const i = upwards ? size - 1 - step : step;
        for (const j of [right, right - 1]) {
          if (grid.reserved[i * size + j]) continue;
          const byte = codewords[bit >>> 3];
          grid.dark[i * size + j] = byte === undefined ? 0 : (byte >>> (7 - (bit & 7))) & 1;
          bit++;
        }
      }
      upwards = !upwards;
    }
  }

  function applyMask(grid, mask) {
    const size = grid.size;
    const inverts = MASKS[mask];
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        if (!grid.reserved[i * size + j] && inverts(i, j)) grid.dark[i * size + j] ^= 1;
      }
    }
  }

  // --- Choosing the mask (7.8.3) ---------------------------------------------------------------

  // Penalty points of a row or a column: runs of five or more alike (N1 = 3, plus one per
  // module beyond five), and dark-light-dark-dark-dark-light-dark with four light modules on
  // either side, outside the symbol counting as light (N3 = 40). A pattern counts once even
  // with light on both sides, and the search resumes after it.
  function linePenalty(line) {
    let score = 0;
    let run = 0;
    for (let k = 0; k < line.length; k++) {
      run = k > 0 && line[k] === line[k - 1] ? run + 1 : 1;
      if (run >= 5 && (k === line.length - 1 || line[k + 1] !== line[k])) score += run - 2;
    }
    const light = (from, to) => {
      for (let k = Math.max(from, 0); k < Math.min(to, line.length); k++) if (line[k]) return false;
      return true;
    };
    for (let k = 0; k + 7 <= line.length; k++) {
      const finderLike =
        line[k] && !line[k + 1] && line[k + 2] && line[k + 3] && line[k + 4] && !line[k + 5] && line[k + 6];
      if (!finderLike) continue;
      if (light(k - 4, k) || light(k + 7, k + 11)) {
        score += 40;
        k += 6;
      } else {
        k += 3;
      }
    }
    return score;
  }

  // The whole symbol's penalty: N1 and N3 on every row and column, 3 points (N2) for every
  // 2x2 block of one colour, and 10 points (N4) for every full 5% the dark share is off 50%.
  function penalty(grid) {
    const size = grid.size;
    const dark = grid.dark;
    let score = 0;
    const column = new Uint8Array(size);
    for (let k = 0; k < size; k++) {
      for (let i = 0; i < size; i++) column[i] = dark[i * size + k];
      score += linePenalty(dark.subarray(k * size, (k + 1) * size)) + linePenalty(column);
    }
    let darkCount = 0;
    for (let i = 0; i < size; i++) {
      for (let j = 0; j < size; j++) {
        const here = dark[i * size + j];
        darkCount += here;
        if (
          i + 1 < size && j + 1 < size &&
          here === dark[i * size + j + 1] && here === dark[(i + 1) * size + j] && here === dark[(i + 1) * size + j + 1]
        ) {
          score += 3;
        }
      }
    }
    const total = size * size;
    return score + 10 * Math.floor(Math.abs(darkCount * 20 - total * 10) / total);
  }

  // The mask with the fewest penalty points, the lower number on a tie. Like segno (the
  // reference the tests compare with), masks are scored before the format and version
  // information are drawn, with those modules light: the standard draws them in a later step.
  function bestMask(grid) {
    let best = 0;
    let bestScore = Infinity;
    MASKS.forEach((_, mask) => {
      const trial = new Grid(grid.size);
      trial.dark.set(grid.dark);
      trial.reserved = grid.reserved;
      applyMask(trial, mask);
      const score = penalty(trial);
      if (score < bestScore) {
        best = mask;
        bestScore = score;
      }
    });
    return best;
  }

  // --- Format and version information (7.9, 7.10) ----------------------------------------------

  // `value` followed by its BCH check bits: the remainder of value * x^checkBits divided by
  // `poly` (of degree checkBits), by long division one bit at a time from the top.
  function bch(value, checkBits, poly) {
    let rest = value << checkBits;
    for (let k = 30; k >= checkBits; k--) {
      if ((rest >>> k) & 1) rest ^= poly << (k - checkBits);
    }
    return (value << checkBits) | rest;
  }

  function drawFormat(grid, level, mask) {
    const size = grid.size;
    const bits = bch((LEVEL_BITS[level] << 3) | mask, 10, 0x537) ^ 0x5412;
    const bit = (k) => ((bits >>> k) & 1) === 1;
    for (let k = 0; k < 8; k++) {
      grid.set(k < 6 ? k : k + 1, 8, bit(k)); // down the left, skipping the timing pattern
      grid.set(8, size - 1 - k, bit(k)); // along the top right
      grid.set(8, k < 6 ? k : k + 1, bit(14 - k)); // along the top left
      grid.set(size - 1 - k, 8, bit(14 - k)); // up the bottom left
    }
    grid.set(size - 8, 8, true); // the dark module
  }

  function drawVersion(grid, version) {
    if (version < 7) return;
    const size = grid.size;
    const bits = bch(version, 12, 0x1f25);
    for (let k = 0; k < 18; k++) {
      const dark = ((bits >>> k) & 1) === 1;
      grid.set(size - 11 + (k % 3), Math.floor(k / 3), dark);
      grid.set(Math.floor(k / 3), size - 11 + (k % 3), dark);
    }
  }

  // --- Public API ------------------------------------------------------------------------------

  function checkedOption(name, value, allowed) {
    if (value === undefined || value === null) return undefined;
    if (!allowed(value)) throw new RangeError(`bad QR code ${name}: ${value}`);
    return value;
  }

  // `text` as a QR code: {version, level, mask, modules}, modules being rows of booleans
  // (true = dark), the quiet zone not included. `options.version` and `options.mask` force
  // those choices (for tests); a text too long for the version or for any QR code throws a
  // RangeError.
  function encode(text, options) {
    const opts = options || {};
    const level = String(checkedOption("level", opts.level, (v) => /^[LMQH]$/i.test(v)) || "M").toUpperCase();
    const forcedVersion = checkedOption("version", opts.version, (v) => Number.isInteger(v) && v >= 1 && v <= 40);
    const forcedMask = checkedOption("mask", opts.mask, (v) => Number.isInteger(v) && v >= 0 && v <= 7);
    const bytes = new TextEncoder().encode(String(text));
    const version = chooseVersion(bytes.length, level, forcedVersion);
    const grid = functionPatterns(version);
    placeCodewords(grid, finalMessage(dataStream(bytes, version, level), version, level));
    const mask = forcedMask === undefined ? bestMask(grid) : forcedMask;
    applyMask(grid, mask);
    drawFormat(grid, level, mask);
    drawVersion(grid, version);
    return { version, level, mask, modules: grid.rows() };
  }

  // The dark modules as one path, each row's runs as rectangles, offset by the quiet zone.
  function pathData(modules) {
    const parts = [];
    modules.forEach((row, i) => {
      for (let j = 0; j < row.length; j++) {
        if (!row[j]) continue;
        let end = j;
        while (end < row.length && row[end]) end++;
        parts.push(`M${j + QUIET_ZONE} ${i + QUIET_ZONE}h${end - j}v1h-${end - j}z`);
        j = end;
      }
    });
    return parts.join("");
  }

  // The <svg> element's attributes, for a symbol `side` modules across with its quiet zone.
  function svgAttributes(side) {
    return { viewBox: `0 0 ${side} ${side}`, role: "img", "shape-rendering": "crispEdges" };
  }

  // What screen readers announce: the caller's title, or "QR code" when it gave none.
  function accessibleName(title) {
    return title === undefined || title === null ? "QR code" : String(title);
  }

  function escapeXml(text) {
    const entities = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
    return String(text).replace(/[&<>"']/g, (c) => entities[c]);
  }

  // An SVG document of `modules` (from encode) named `title` for screen readers (escaped;
  // "QR code" if none is given): dark #000 on a light #fff square that includes the
  // four-module quiet zone. No width or height: the page's CSS sizes it, the viewBox keeps
  // it square. Colours are attributes, not style, so inserting it needs no style-src.
  function toSvg(modules, title) {
    const side = modules.length + 2 * QUIET_ZONE;
    const svg = svgAttributes(side);
    const attributes = Object.keys(svg).map((name) => ` ${name}="${svg[name]}"`).join("");
    return (
      `<svg xmlns="${SVG_NS}"${attributes}>` +
      `<title>${escapeXml(accessibleName(title))}</title>` +
      `<rect width="${side}" height="${side}" fill="#fff"/>` +
      `<path fill="#000" d="${pathData(modules)}"/>` +
      "</svg>"
    );
  }

  // Draws `text` as a QR code into `element`, replacing what it held, and returns the
  // <svg> element: the same SVG as toSvg, built node by node, so the title is only ever text.
  // Options: title (the accessible name, "QR code" by default), and encode's level, version and mask.
  function render(element, text, options) {
    const opts = options || {};
    const modules = encode(text, opts).modules;
    const side = modules.length + 2 * QUIET_ZONE;
    const doc = element.ownerDocument;
    const make = (name, attrs) => {
      const node = doc.createElementNS(SVG_NS, name);
      Object.keys(attrs).forEach((key) => node.setAttribute(key, String(attrs[key])));
      return node;
    };
    const svg = make("svg", svgAttributes(side));
    const title = make("title", {});
    title.textContent = accessibleName(opts.title);
    svg.appendChild(title);
    svg.appendChild(make("rect", { width: side, height: side, fill: "#fff" }));
    svg.appendChild(make("path", { fill: "#000", d: pathData(modules) }));
    while (element.firstChild) element.removeChild(element.firstChild);
    element.appendChild(svg);
    return svg;
  }

  exportTo(Object.freeze({ encode, toSvg, render }));
})(function (api) {
  if (typeof module === "object" && module && module.exports) {
    module.exports = api;
  } else {
    window.showcalQR = api;
  }
});
