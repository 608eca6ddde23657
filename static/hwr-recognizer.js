// hwr-recognizer.js: a trained hwr recognizer in the browser, with no library and no server.
//
//   import { load } from "./hwr-recognizer.js";
//   const r = await load(modelDocument); // the JSON of GET /api/recognizers/{r}/model
//   r.check(strokes); // {label, confidences, unknown, unknown_signal, unknown_reason, grid}
//
// It computes what the server's Check computes, with the same floating-point operations in the
// same order (app/ink.py, app/recognition.py): the grids are the server's to the bit; the
// network's sums run in another order than numpy's BLAS, so confidences agree to ~1e-15.
// Needs ES2022 and DecompressionStream (the training grids that "unknown" compares against are
// zlib-packed in the document), so load() is async. docs/anywhere.md shows how to use it.

/**
 * @typedef {number[][][]} Strokes  strokes of points [x, y] or [x, y, t], in canvas pixels
 * @typedef {"background" | "distance" | "confidence"} UnknownSignal
 * @typedef {{label: string, confidence: number}} Confidence
 * @typedef {{label: string, confidences: Confidence[], unknown: boolean,
 *   unknown_signal: UnknownSignal | null, unknown_reason: string | null, grid: number[]}} Answer
 * @typedef {{labels: string[], gridSize: number, antialias: boolean,
 *   check: (strokes: Strokes) => Answer, rasterize: (strokes: Strokes) => number[]}} Recognizer
 * @typedef {{weights: Float64Array, bias: Float64Array | null, activation: string | null,
 *   inputs: number, outputs: number}} Layer  one layer: activation(input @ weights + bias)
 */

const FORMAT = "hwr-model/1";
const VERSIONS = [1, 2, 3]; // of the document's layout; absent: 1 (app/documents.py)
const PEN_RADIUS = 0.5; // app/ink.py: full ink within half a cell of the path...
const PEN_EDGE = 1.0; // ...then fading to 0 over one more cell
const EPS = 1e-9; // path pieces shorter than this are rounding noise at a cell corner
const POINT = "a point is [x, y] or [x, y, t]";

// How Check's unknown_reason says each test (app/open_set.py's UNKNOWN_REASONS; a test compares).
/** @type {Record<UnknownSignal, string>} */
const REASONS = {
  background: "it looks like a scribble, not like any of the labels",
  distance: "it is unlike every sample the model was trained on",
  confidence: "the model is not confident about any label",
};

/** @type {Record<string, (z: Float64Array) => void>} hidden layers' activations, in place */
const ACTIVATIONS = {
  sigmoid: (z) => z.forEach((v, i) => (z[i] = 1 / (1 + Math.exp(-v)))),
  tanh: (z) => z.forEach((v, i) => (z[i] = Math.tanh(v))),
  relu: (z) => z.forEach((v, i) => (z[i] = Math.max(v, 0))),
  linear: () => {},
};
const OUTPUTS = ["sigmoid", "tanh", "relu", "linear", "softmax"]; // Check reads the logits

// --- strokes -> grid (app/ink.py) ------------------------------------------------------------

/**
 * The grid (gridSize * gridSize numbers in [0, 1], row-major, top row first) of a drawing, as a
 * recognizer with these settings draws it. Throws Error for a drawing without points or with a
 * point that is not 2 or 3 finite numbers.
 * @param {Strokes} strokes
 * @param {{gridSize?: number, antialias?: boolean}} [options]
 * @returns {number[]}
 */
export function rasterize(strokes, { gridSize = 12, antialias = true } = {}) {
  return Array.from(draw(strokes, gridSize, antialias));
}

/**
 * @param {Strokes} strokes
 * @param {number} g the grid size
 * @param {boolean} antialias
 */
function draw(strokes, g, antialias) {
  const { x, y, ends } = parse(strokes, g);
  fit(x, y, g);
  const grid = new Float32Array(g * g); // float32, as numpy's: every store rounds like astype
  /** @param {number} u */
  const cell = (u) => Math.min(Math.max(Math.floor(u), 0), g - 1);
  /** @param {number} px @param {number} py */
  const mark = (px, py) => (grid[cell(py) * g + cell(px)] = 1);
  x.forEach((px, i) => mark(px, y[i]));
  let start = 0;
  for (const end of ends) {
    for (let i = start; i + 1 < end; i++) {
      passThrough(x[i], y[i], x[i + 1], y[i + 1], cell, mark);
    }
    start = end;
  }
  if (antialias) soften(x, y, ends, g, cell, grid);
  return grid;
}

/**
 * Validated points: x, y of all points and the end (exclusive) of each non-empty stroke.
 * @param {Strokes} strokes
 * @param {number} g
 */
function parse(strokes, g) {
  if (!Number.isInteger(g) || g < 2) throw new Error(`gridSize must be an integer >= 2, got ${g}`);
  if (!Array.isArray(strokes) || !strokes.every(Array.isArray)) {
    throw new Error(`strokes must be a list of strokes, each a list of points; ${POINT}`);
  }
  /** @type {number[]} */ const xs = [];
  /** @type {number[]} */ const ys = [];
  /** @type {number[]} */ const ends = [];
  strokes.forEach((stroke, s) => {
    stroke.forEach((point, p) => {
      if (!Array.isArray(point)) throw new Error(`stroke ${s}: strokes are lists of points; ${POINT}`);
      if (point.length !== 2 && point.length !== 3) {
        throw new Error(`stroke ${s}, point ${p}: ${POINT}, got ${point.length} numbers`);
      }
      if (!point.every((v) => typeof v === "number" && Number.isFinite(v))) {
        throw new Error(`stroke ${s}, point ${p}: coordinates must be finite numbers`);
      }
      xs.push(point[0]);
      ys.push(point[1]);
    });
    if (stroke.length) ends.push(xs.length);
  });
  if (!xs.length) throw new Error("strokes contain no points");
  return { x: Float64Array.from(xs), y: Float64Array.from(ys), ends };
}

/**
 * Into grid coordinates, in place: the bounding box's longer side spans the centres of the first
 * and last cells (a half-cell margin), the shorter one is centred; a zero-size box sits at g / 2.
 * @param {Float64Array} x
 * @param {Float64Array} y
 * @param {number} g
 */
function fit(x, y, g) {
  const [x0, x1] = extent(x);
  const [y0, y1] = extent(y);
  const half = Math.max(x1 / 2 - x0 / 2, y1 / 2 - y0 / 2); // halves first: no overflow
  if (half === 0) {
    x.fill(g / 2);
    y.fill(g / 2);
    return;
  }
  /** @param {Float64Array} v @param {number} centre */
  const scale = (v, centre) =>
    v.forEach((u, i) => {
      // Divide before scaling: the ratio is within [-1, 1] even when half is subnormal.
      v[i] = Math.min(Math.max(g / 2 + ((u - centre) / half) * ((g - 1) / 2), 0.5), g - 0.5);
    });
  scale(x, x0 / 2 + x1 / 2);
  scale(y, y0 / 2 + y1 / 2);
}

/** [min, max] of the values (a loop: spreading thousands of arguments can overflow the stack).
 * @param {Float64Array} v */
function extent(v) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const u of v) {
    lo = Math.min(lo, u);
    hi = Math.max(hi, u);
  }
  return [lo, hi];
}

/**
 * Mark every cell the segment a -> b passes through: it is cut where it crosses a grid line, and
 * the middle of each piece longer than EPS lies in such a cell.
 * @param {number} ax @param {number} ay @param {number} bx @param {number} by
 * @param {(u: number) => number} cell
 * @param {(x: number, y: number) => void} mark
 */
function passThrough(ax, ay, bx, by, cell, mark) {
  const [cax, cay, cbx, cby] = [cell(ax), cell(ay), cell(bx), cell(by)];
  if (cax === cbx && cay === cby) return; // the points' own cells are marked already
  const ts = [0, 1];
  for (const [a, b, ca, cb] of [[ax, bx, cax, cbx], [ay, by, cay, cby]]) {
    const step = cb - ca; // moving up, the lines crossed are ca + 1, ca + 2, ...; down ca, ca - 1
    for (let j = 0; j < Math.abs(step); j++) {
      ts.push(((step > 0 ? ca + 1 + j : ca - j) - a) / (b - a));
    }
  }
  ts.sort((s, t) => s - t);
  const [dx, dy] = [bx - ax, by - ay];
  const length = Math.hypot(dx, dy);
  for (let k = 0; k + 1 < ts.length; k++) {
    if ((ts[k + 1] - ts[k]) * length <= EPS) continue;
    const tm = (ts[k] + ts[k + 1]) / 2;
    mark(ax + tm * dx, ay + tm * dy);
  }
}

/**
 * The anti-aliased pen: each cell's ink from its centre's distance d to the path, full within
 * PEN_RADIUS, fading to 0 over PEN_EDGE; the max with the cells the path passes through (1).
 * @param {Float64Array} x @param {Float64Array} y @param {number[]} ends @param {number} g
 * @param {(u: number) => number} cell
 * @param {Float32Array} grid
 */
function soften(x, y, ends, g, cell, grid) {
  const reach = PEN_RADIUS + PEN_EDGE;
  const margin = reach - 0.5; // cell c's centre c + 0.5 is within reach of [lo, hi] along an axis
  const d2 = new Float64Array(g * g).fill(Infinity); // squared distance of each cell to the path
  /** @param {number} a @param {number} b the segment from point a to point b (a dot: a = b) */
  const measure = (a, b) => {
    const [ax, ay, dx, dy] = [x[a], y[a], x[b] - x[a], y[b] - y[a]];
    const dd = dx * dx + dy * dy;
    const inv = dd > 0 ? 1 / dd : 0; // a dot: the nearest point is its start
    const c0 = cell(Math.min(ax, x[b]) - margin);
    const c1 = cell(Math.max(ax, x[b]) + margin);
    const r1 = cell(Math.max(ay, y[b]) + margin);
    for (let row = cell(Math.min(ay, y[b]) - margin); row <= r1; row++) {
      for (let col = c0; col <= c1; col++) {
        let px = col + (0.5 - ax); // the cell's centre, from the segment's start
        let py = row + (0.5 - ay);
        const t = Math.min(Math.max((px * dx + py * dy) * inv, 0), 1); // nearest point on it
        px -= t * dx;
        py -= t * dy;
        d2[row * g + col] = Math.min(d2[row * g + col], px * px + py * py);
      }
    }
  };
  let start = 0;
  for (const end of ends) {
    if (end - start === 1) measure(start, start);
    for (let i = start; i + 1 < end; i++) measure(i, i + 1);
    start = end;
  }
  d2.forEach((d, i) => {
    const ink = Math.fround(Math.min(Math.max((reach - Math.sqrt(d)) / PEN_EDGE, 0), 1));
    grid[i] = Math.max(grid[i], ink);
  });
}

// --- the model document (app/documents.py) and the answer (app/recognition.py) ----------------

/**
 * A recognizer from a model document (hwr-model/1 of any version: an object, or its JSON text).
 * Rejects with an Error that says what is wrong for a document it cannot use.
 * @param {object | string} document
 * @returns {Promise<Recognizer>}
 */
export async function load(document) {
  let doc = document;
  if (typeof doc === "string") {
    try {
      doc = JSON.parse(doc);
    } catch (error) {
      throw new Error(`the model is not JSON (${error})`);
    }
  }
  const model = read(doc);
  const cells = model.gridSize ** 2;
  const reference = model.reference === null ? null : await unpack(model.reference, cells);
  const { labels, gridSize, antialias, layers, temperature, background, distance, minConfidence } = model;
  const n = labels.length; // the outputs of the labels; the background's, if any, is the last
  return Object.freeze(/** @type {Recognizer} */ ({
    labels: [...labels],
    gridSize,
    antialias,
    rasterize: (strokes) => Array.from(draw(strokes, gridSize, antialias)),
    check(strokes) {
      const grid = draw(strokes, gridSize, antialias);
      const scaled = forward(layers, grid).map((z) => z / temperature);
      const top = Math.max(...scaled.subarray(0, n));
      const e = scaled.subarray(0, n).map((z) => Math.exp(z - top)); // softmax over the labels
      const sum = e.reduce((s, v) => s + v, 0);
      const p = e.map((v) => v / sum);
      const order = [...p.keys()].sort((i, j) => p[j] - p[i]); // stable: ties keep label order
      /** @type {UnknownSignal | null} */
      let signal = null;
      if (background && scaled.indexOf(Math.max(...scaled)) === n) signal = "background";
      else if (reference !== null && distance !== null && nearest(reference, grid) > distance) {
        signal = "distance";
      }
      if (signal === null && p[order[0]] < minConfidence) signal = "confidence";
      return {
        label: labels[order[0]],
        confidences: order.map((i) => ({ label: labels[i], confidence: p[i] })),
        unknown: signal !== null,
        unknown_signal: signal,
        unknown_reason: signal === null ? null : REASONS[signal],
        grid: Array.from(grid),
      };
    },
  }));
}

/**
 * The output layer's pre-activations (logits) of one grid.
 * @param {Layer[]} layers
 * @param {Float32Array} grid
 */
function forward(layers, grid) {
  let a = Float64Array.from(grid);
  for (const { weights, bias, activation, inputs, outputs } of layers) {
    const z = new Float64Array(outputs);
    for (let i = 0; i < inputs; i++) {
      const v = a[i];
      if (v === 0) continue; // most cells of a grid are empty
      for (let j = 0, w = i * outputs; j < outputs; j++) z[j] += v * weights[w + j];
    }
    if (bias) z.forEach((v, j) => (z[j] = v + bias[j]));
    if (activation) ACTIVATIONS[activation](z);
    a = z;
  }
  return a;
}

/**
 * The distance from a grid to the nearest reference grid (rows of `cells`), in float64.
 * @param {Float64Array} reference
 * @param {Float32Array} grid
 */
function nearest(reference, grid) {
  const cells = grid.length;
  let best = Infinity;
  for (let r = 0; r < reference.length; r += cells) {
    let s = 0;
    for (let c = 0; c < cells && s <= best; c++) {
      const d = reference[r + c] - grid[c];
      s += d * d; // a sum of squares only grows: past the best so far, this row cannot win
    }
    best = Math.min(best, s);
  }
  return Math.sqrt(best);
}

/**
 * A checked model document, upgraded from older versions as app/documents.py's `upgrade` does:
 * a document without `version` is version 1, whose absent parts mean what hwr 1.0 did.
 * @param {any} doc
 */
function read(doc) {
  if (!isObject(doc)) throw new Error("a model document is a JSON object");
  if (doc.format !== FORMAT) {
    const what = doc.format === "hwr-dataset/1" ? "a dataset" : `format ${JSON.stringify(doc.format)}`;
    throw new Error(`this is not an hwr model (${FORMAT}) but ${what}`);
  }
  const version = doc.version ?? 1;
  if (!VERSIONS.includes(version)) {
    throw new Error(`a model document of version ${version}: this module reads ${VERSIONS.join(", ")}`);
  }
  if (version === 1) doc = fromVersion1(doc);
  /** @param {boolean} ok @param {string} message */
  const need = (ok, message) => {
    if (!ok) throw new Error(`bad model document: ${message}`);
  };
  const { labels, grid_size: gridSize, network, grid, calibration, background } = doc;
  const strings = Array.isArray(labels) && labels.every((l) => typeof l === "string");
  need(strings && labels.length >= 2, "labels must be a list of 2 or more strings");
  need(Number.isInteger(gridSize) && gridSize >= 2, "grid_size must be an integer >= 2");
  need(typeof grid?.antialias === "boolean", "grid.antialias must be true or false");
  const temperature = calibration?.temperature;
  need(inRange(temperature, 0, Infinity) && temperature > 0, "calibration.temperature must be > 0");
  need(typeof background === "boolean", "background must be true or false");
  need(doc.open_set === null || isObject(doc.open_set), "open_set must be an object or null");
  const { reference = null, distance = null, min_confidence: minConfidence = 0 } = doc.open_set ?? {};
  need(reference === null || typeof reference === "string", "open_set.reference must be a string or null");
  need(distance === null || inRange(distance, 0, Infinity), "open_set.distance must be >= 0 or null");
  need(inRange(minConfidence, 0, 1), "open_set.min_confidence must be in [0, 1]");

  const { sizes, activations } = network ?? {};
  const counts = Array.isArray(sizes) && sizes.every((n) => Number.isInteger(n) && n >= 1);
  need(counts && sizes.length >= 2, "network.sizes must be 2 or more positive integers");
  need(sizes[0] === gridSize ** 2, `the first layer needs ${gridSize ** 2} inputs`);
  const outputs = labels.length + (background ? 1 : 0); // the hidden "none of these" class last
  need(sizes.at(-1) === outputs, `${outputs} outputs expected, the network has ${sizes.at(-1)}`);
  need(Array.isArray(activations) && activations.length === sizes.length - 1, "network.activations");
  /** @type {string[]} */
  const hidden = activations.slice(0, -1);
  need(hidden.every((a) => Object.hasOwn(ACTIVATIONS, a)), `unknown hidden activation in ${hidden}`);
  need(OUTPUTS.includes(activations.at(-1)), `unknown output activation ${activations.at(-1)}`);
  need(typeof network.bias === "boolean", "network.bias must be true or false");
  const depth = sizes.length - 1;
  need(Array.isArray(doc.layers) && doc.layers.length === depth, `layers must be ${depth} layers`);
  /** @type {Layer[]} */
  const layers = doc.layers.map((/** @type {any} */ layer, /** @type {number} */ i) => {
    const [n, m] = [sizes[i], sizes[i + 1]];
    const rows = layer?.weights;
    const shaped = Array.isArray(rows) && rows.every((row) => Array.isArray(row) && row.length === m);
    need(shaped && rows.length === n, `layers[${i}].weights must be ${n} rows of ${m} numbers`);
    const weights = numbers(rows.flat(), `layers[${i}].weights`);
    const bias = network.bias ? numbers(layer.bias, `layers[${i}].bias`) : null;
    const what = network.bias ? `${m} numbers` : "null (network.bias is false)";
    need(bias === null ? layer.bias == null : bias.length === m, `layers[${i}].bias must be ${what}`);
    const activation = i < hidden.length ? hidden[i] : null; // the output layer: its logits
    return { weights, bias, activation, inputs: n, outputs: m };
  });
  const { antialias } = grid;
  return { labels, gridSize, antialias, layers, temperature, background, reference, distance, minConfidence };
}

/**
 * A version-1 document (hwr 1.0 to 1.2) as a current one: its absent parts as hwr 1.0 meant them
 * (binary grids, no calibration, no "unknown" test, no background class).
 * @param {any} doc
 */
function fromVersion1(doc) {
  const out = { grid: {}, calibration: {}, open_set: null, background: false, ...doc };
  /** @type {Record<string, object>} what a part of hwr 1.1 lacks when 1.0 wrote it */
  const defaults = {
    grid: { antialias: false },
    calibration: { temperature: 1 },
    open_set: { reference: null, distance: null, min_confidence: 0 },
  };
  for (const key of Object.keys(defaults)) {
    if (isObject(out[key])) out[key] = { ...defaults[key], ...out[key] };
  }
  return out;
}

/** @param {unknown} v @param {number} lo @param {number} hi a finite number in [lo, hi] */
function inRange(v, lo, hi) {
  return typeof v === "number" && Number.isFinite(v) && v >= lo && v <= hi;
}

/** @param {unknown} value */
function isObject(value) {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/**
 * @param {unknown} values
 * @param {string} where
 */
function numbers(values, where) {
  if (!Array.isArray(values) || !values.every((v) => typeof v === "number" && Number.isFinite(v))) {
    throw new Error(`bad model document: ${where} must be finite numbers`);
  }
  return Float64Array.from(values);
}

/**
 * The training grids of open_set.reference (base64 of zlib of 4-bit cells, high nibble first,
 * value / 15 as float32: app/open_set.py's unpack_grids), rows of `cells`.
 * @param {string} text
 * @param {number} cells
 */
async function unpack(text, cells) {
  let raw;
  try {
    const packed = Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
    const stream = new Blob([packed]).stream().pipeThrough(new DecompressionStream("deflate"));
    raw = new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new Error(`bad model document: open_set.reference is not packed grids (${error})`);
  }
  const rows = Math.floor((raw.length * 2) / cells);
  if (rows === 0 || raw.length !== Math.ceil((rows * cells) / 2)) {
    throw new Error("bad model document: open_set.reference does not hold whole grids");
  }
  const levels = Array.from({ length: 16 }, (_, q) => Math.fround(q / 15));
  const out = new Float64Array(rows * cells);
  for (let i = 0; i < out.length; i++) out[i] = levels[i % 2 ? raw[i >> 1] & 15 : raw[i >> 1] >> 4];
  return out;
}
