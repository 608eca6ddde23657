// The network drawn as columns of units: the inputs as their grid (12 x 12) or as named units,
// each hidden layer as a block of narrow columns, the outputs named. Of each unit's incoming
// connections only the strongest few are drawn: blue positive, orange negative, width and
// opacity by magnitude. The recognizer's network card and the lab's small networks use it.

import { fitCanvas, mix, palette, rgba } from "./canvas.js";
import { topCount, topUnits } from "./units.js";

/**
 * A layer's weights, row-major (rows: its inputs, cols: its units), and its biases if shown.
 * @typedef {{rows: number, cols: number, W: ArrayLike<number>, bias?: number[] | null}} Layer
 * A network to draw: `names` of the outputs; `inputs` names the input units (else a square
 * input is drawn as its grid); `titles` of the columns (else "inputs 12×12", "hidden 64"...).
 * @typedef {{sizes: number[], layers: Layer[], names: string[], inputs?: string[], titles?: string[]}} Net
 */

const TOP = 18; // room for the column titles

/** The `k` sources of unit `j` with the largest |w| (W row-major, rows x cols). */
export function strongest(W, rows, cols, j, k) {
  const best = []; // [index, weight], largest |w| first
  for (let i = 0; i < rows; i += 1) {
    const w = W[i * cols + j];
    const a = Math.abs(w);
    if (best.length === k && a <= Math.abs(best[k - 1][1])) continue;
    let at = best.length;
    while (at > 0 && Math.abs(best[at - 1][1]) < a) at -= 1;
    best.splice(at, 0, [i, w]);
    if (best.length > k) best.pop();
  }
  return best;
}

/** Units of one layer as a block of up to 8 columns centred on x, filling the height `h`
 * from `y0`, about 11 px apart (at most `maxStep`), each of radius `radius` at most. */
function block(n, x, y0, h, maxStep, radius = 6) {
  let cols = Math.ceil(n / Math.min(n, Math.max(1, Math.floor(h / 11))));
  cols = Math.min(cols, 8);
  const perCol = Math.ceil(n / cols);
  const dy = Math.min(h / perCol, maxStep);
  const dx = Math.min(Math.max(dy, 8), 12);
  const top = y0 + (h - dy * perCol) / 2 + dy / 2;
  const left = x - ((cols - 1) * dx) / 2;
  const at = [];
  for (let u = 0; u < n; u += 1) at.push([left + Math.floor(u / perCol) * dx, top + (u % perCol) * dy]);
  return { at, r: Math.max(1.6, Math.min(dy * 0.34, radius)), width: (cols - 1) * dx, cols };
}

/** Where every unit goes: [{at: [[x, y]], r, kind}] per layer. `inputWidth`: room for the
 * input names; `step`/`radius`: the largest spacing and radius of a unit. */
function layout(net, width, height, labelWidth, inputWidth, step, radius) {
  const { sizes } = net;
  const pad = 8;
  const h = height - TOP - pad;
  const layers = [];
  const g = Math.round(Math.sqrt(sizes[0]));
  let inputRight;
  if (!net.inputs && g * g === sizes[0] && g > 1) {
    const side = Math.min(h, width * (width < 500 ? 0.3 : 0.24));
    const cell = side / g;
    const top = TOP + (h - side) / 2;
    const at = [];
    for (let i = 0; i < sizes[0]; i += 1) at.push([pad + ((i % g) + 0.5) * cell, top + (Math.floor(i / g) + 0.5) * cell]);
    layers.push({ at, r: cell / 2, kind: "grid", cell, x: pad + side / 2 });
    inputRight = pad + side;
  } else {
    const x = pad + (inputWidth ? inputWidth + 6 : 0) + 12;
    const b = block(sizes[0], x, TOP, h, step, radius);
    layers.push({ ...b, kind: "units", x });
    inputRight = x + b.width / 2;
  }
  const out = block(sizes[sizes.length - 1], 0, TOP, h, Math.max(step, 30), radius);
  const outX = width - pad - labelWidth - out.r - 6 - out.width / 2;
  const n = sizes.length - 1;
  for (let l = 1; l < n; l += 1) {
    const x = inputRight + ((outX - inputRight) * l) / n;
    layers.push({ ...block(sizes[l], x, TOP, h, step, radius), kind: "units", x });
  }
  layers.push({ ...out, at: out.at.map(([x, y]) => [x + outX, y]), kind: "outputs", x: outX });
  return layers;
}

/** How strongly each unit lit up on a Check, as 0..1 (null: no path to show). */
function lit(path, net) {
  if (!path) return null;
  const scaled = (values) => {
    const top = Math.max(1e-9, ...values.map((v) => Math.abs(v)));
    return values.map((v) => Math.abs(v) / top);
  };
  return [path.grid, ...path.layers.map(scaled), path.outputs].map((v, i) =>
    v && v.length === net.sizes[i] ? v : null);
}

/** Connections, weakest first so the strongest lie on top; returns how many were drawn. */
function drawEdges(ctx, net, layers, k, css) {
  let drawn = 0;
  ctx.lineCap = "round";
  net.layers.forEach((layer, l) => {
    const edges = [];
    for (let j = 0; j < layer.cols; j += 1) {
      for (const [i, w] of strongest(layer.W, layer.rows, layer.cols, j, k)) edges.push([i, j, w]);
    }
    const top = Math.max(1e-9, ...edges.map(([, , w]) => Math.abs(w)));
    edges.sort((a, b) => Math.abs(a[2]) - Math.abs(b[2]));
    // Hundreds of lines into one layer stay thin and see-through; a dozen may be bold.
    const dense = Math.min(1, edges.length / 400);
    for (const [i, j, w] of edges) {
      if (!Number.isFinite(w)) continue;
      const t = Math.abs(w) / top;
      const [x0, y0] = layers[l].at[i];
      const [x1, y1] = layers[l + 1].at[j];
      ctx.globalAlpha = 0.06 + (0.84 - 0.4 * dense) * t * t;
      ctx.strokeStyle = w >= 0 ? css.pos : css.neg;
      ctx.lineWidth = 0.4 + (2.6 - 1.2 * dense) * t;
      ctx.beginPath();
      ctx.moveTo(x0, y0);
      ctx.lineTo(x1, y1);
      ctx.stroke();
      drawn += 1;
    }
  });
  ctx.globalAlpha = 1;
  return drawn;
}

/** Units on top of the lines: shaded by a Check (`glow`) or by their bias, when the net has one. */
function drawUnits(ctx, net, layers, glow, path, colors) {
  const { css, rgb } = colors;
  const biases = net.layers.flatMap((layer) => layer.bias || []);
  const maxBias = Math.max(0, ...biases.map((b) => Math.abs(b)).filter(Number.isFinite));
  layers.forEach((layer, l) => {
    const shade = glow ? glow[l] : null;
    const bias = l > 0 && maxBias > 0 ? net.layers[l - 1].bias : null;
    layer.at.forEach(([x, y], u) => {
      const v = shade ? Math.max(0, Math.min(1, shade[u])) : 0;
      const fill = bias ? rgba(mix(rgb.surface, bias[u] >= 0 ? rgb.pos : rgb.neg, Math.abs(bias[u]) / maxBias)) : css.surface;
      ctx.beginPath();
      if (layer.kind === "grid") {
        const s = layer.cell;
        ctx.rect(x - s / 2 + 0.5, y - s / 2 + 0.5, s - 1, s - 1);
      } else ctx.arc(x, y, layer.r, 0, 2 * Math.PI);
      ctx.fillStyle = fill;
      ctx.fill();
      if (v > 0) {
        ctx.globalAlpha = v;
        ctx.fillStyle = css.ink;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = layer.kind === "grid" ? css.border : css.muted;
      ctx.lineWidth = layer.kind === "grid" ? 1 : layer.r > 3 ? 1.2 : 0.8;
      ctx.stroke();
    });
    // The hidden units that fired most on the Check, ringed as in its path below.
    if (glow && layer.kind === "units" && l > 0 && path.layers[l - 1]) {
      ctx.strokeStyle = css.fired;
      ctx.lineWidth = 2;
      for (const u of topUnits(path.layers[l - 1], topCount(layer.at.length))) {
        ctx.beginPath();
        ctx.arc(layer.at[u][0], layer.at[u][1], layer.r + 2, 0, 2 * Math.PI);
        ctx.stroke();
      }
    }
  });
}

/** The names of the inputs and the outputs beside their units, and a title over each column. */
function drawNames(ctx, net, layers, names, inputs, colors, width) {
  const { css, font } = colors;
  const out = layers[layers.length - 1];
  ctx.fillStyle = css.text;
  ctx.textBaseline = "middle";
  if (out.cols === 1) {
    ctx.textAlign = "left";
    out.at.forEach(([x, y], u) => ctx.fillText(names[u], x + out.r + 6, y));
  }
  if (inputs) {
    ctx.textAlign = "right";
    layers[0].at.forEach(([x, y], u) => ctx.fillText(inputs[u] ?? "", x - layers[0].r - 6, y));
  }
  ctx.font = `11px ${font}`;
  ctx.fillStyle = css.muted;
  ctx.textBaseline = "top";
  const g = Math.round(Math.sqrt(net.sizes[0]));
  layers.forEach((layer, l) => {
    const n = net.sizes[l];
    let title = `hidden ${n}`;
    if (l === 0) title = g * g === n && layer.kind === "grid" ? `inputs ${g}×${g}` : `inputs ${n}`;
    else if (l === layers.length - 1) title = `outputs ${n}`;
    ctx.textAlign = l === 0 ? "left" : l === layers.length - 1 ? "right" : "center";
    const x = l === 0 ? 8 : l === layers.length - 1 ? width - 8 : layer.x;
    ctx.fillText(net.titles ? net.titles[l] : title, x, 2);
  });
}

/**
 * Paint `net` on `canvas`: the `k` strongest incoming connections of each unit (Infinity: all);
 * `path` (a Check's activations) colours the units; `step` and `radius` are the largest
 * spacing and radius of a unit (small networks may be drawn larger). Returns the number of
 * connections drawn.
 * @param {HTMLCanvasElement} canvas
 * @param {Net} net
 */
export function drawNetwork(canvas, net, { k = 4, path = null, step = 14, radius = 6 } = {}) {
  const fit = fitCanvas(canvas);
  if (!fit) return 0;
  const { ctx } = fit;
  const colors = palette(canvas);
  ctx.font = `12px ${colors.font}`;
  const width = (list) => Math.max(0, ...list.map((n) => ctx.measureText(n).width));
  // The names' column: as wide as the longest, up to a share of the canvas; a longer name is
  // cut to fit, and all of them are said whole in the canvas's description.
  const labelWidth = Math.min(Math.max(90, fit.width * 0.22), Math.max(16, width(net.names)));
  const names = net.names.map((n) => fitText(ctx, n, labelWidth));
  const inputWidth = net.inputs ? Math.min(90, width(net.inputs)) : 0;
  const inputs = net.inputs ? net.inputs.map((n) => fitText(ctx, n, inputWidth)) : null;
  const described = `Outputs: ${net.names.join(", ")}`;
  if (canvas.getAttribute("aria-description") !== described) canvas.setAttribute("aria-description", described);
  const layers = layout(net, fit.width, fit.height, labelWidth, inputWidth, step, radius);
  const glow = lit(path, net);
  const drawn = drawEdges(ctx, net, layers, k, colors.css);
  drawUnits(ctx, net, layers, glow, path, colors);
  drawNames(ctx, net, layers, names, inputs, colors, fit.width);
  return drawn;
}

/** `text` as drawn by `ctx`, cut with an ellipsis to at most `room` px wide. */
export function fitText(ctx, text, room) {
  if (ctx.measureText(text).width <= room) return text;
  const chars = [...text]; // whole characters, never half a surrogate pair
  let lo = 0;
  let hi = chars.length - 1; // the longest start that fits with its ellipsis, by halving
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ctx.measureText(`${chars.slice(0, mid).join("")}…`).width <= room) lo = mid;
    else hi = mid - 1;
  }
  return `${chars.slice(0, lo).join("").trimEnd()}…`;
}
