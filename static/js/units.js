// What the hidden units look for: each first-layer unit's incoming weights as a picture of the
// input grid (one tile per unit, diverging colours, each tile scaled to its own largest weight);
// and the path of one drawing through the network (input grid, activations, outputs).

import { paintGrid } from "./grid.js";
import { diverging, fitCanvas, palette, pixel } from "./canvas.js";
import { el } from "./ui.js";

/** Tiles per row for `n` units: 12 for 144. */
export const tileColumns = (n) => Math.max(1, Math.ceil(Math.sqrt(n)));

/**
 * Paint the maps of layer `layer` ({W, rows, cols}: rows = g*g inputs) onto `canvas`, one tile
 * per unit; `marked` (a Set of units) are outlined, and the `selected` unit in the text colour.
 * DPR-crisp: written pixel by pixel.
 */
export function drawUnitMaps(canvas, layer, marked = null, selected = null) {
  const g = Math.round(Math.sqrt(layer.rows));
  const n = layer.cols;
  const cols = tileColumns(n);
  const rows = Math.ceil(n / cols);
  canvas.style.aspectRatio = `${cols} / ${rows}`;
  const fit = fitCanvas(canvas);
  if (!fit || g * g !== layer.rows) return false;
  const { rgb, css } = palette(canvas);
  const W = canvas.width;
  const H = canvas.height;
  const gap = Math.max(1, Math.round(2 * fit.ratio));
  const pitchX = (W + gap) / cols;
  const pitchY = (H + gap) / rows;
  const image = new ImageData(W, H);
  const px = new Uint32Array(image.data.buffer); // transparent between the tiles
  const cellEdge = (start, size, c) => Math.round(start + (size * c) / g);
  for (let u = 0; u < n; u += 1) {
    const x0 = Math.round((u % cols) * pitchX);
    const y0 = Math.round(Math.floor(u / cols) * pitchY);
    const size = Math.min(Math.round(pitchX - gap), Math.round(pitchY - gap));
    let top = 1e-12;
    for (let i = 0; i < layer.rows; i += 1) top = Math.max(top, Math.abs(layer.W[i * n + u]));
    for (let i = 0; i < layer.rows; i += 1) {
      const colour = pixel(diverging(rgb, layer.W[i * n + u] / top));
      const cx = i % g;
      const cy = Math.floor(i / g);
      const xa = cellEdge(x0, size, cx);
      const xb = Math.min(W, cellEdge(x0, size, cx + 1));
      const ya = cellEdge(y0, size, cy);
      const yb = Math.min(H, cellEdge(y0, size, cy + 1));
      for (let y = ya; y < yb; y += 1) px.fill(colour, y * W + xa, y * W + xb);
    }
  }
  const ctx = fit.ctx;
  ctx.setTransform(1, 0, 0, 1, 0, 0); // the tiles are laid out in backing-store pixels
  ctx.putImageData(image, 0, 0);
  canvas.dataset.tiles = String(n);
  const outline = (units, colour) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = Math.max(1.5, 2 * fit.ratio);
    for (const u of units) {
      if (u >= n) continue;
      const x0 = Math.round((u % cols) * pitchX);
      const y0 = Math.round(Math.floor(u / cols) * pitchY);
      const size = Math.min(Math.round(pitchX - gap), Math.round(pitchY - gap));
      ctx.strokeRect(x0 + ctx.lineWidth / 2, y0 + ctx.lineWidth / 2, size - ctx.lineWidth, size - ctx.lineWidth);
    }
  };
  if (marked && marked.size) outline(marked, css.fired);
  if (selected !== null && selected < n) outline([selected], css.text);
  return true;
}

/** The unit whose tile is at (`x`, `y`), CSS pixels from the maps' top left; null between. */
export function unitAt(canvas, n, x, y) {
  const rect = canvas.getBoundingClientRect();
  const cols = tileColumns(n);
  const rows = Math.ceil(n / cols);
  if (!rect.width || !rect.height) return null;
  const col = Math.floor((x / rect.width) * cols);
  const row = Math.floor((y / rect.height) * rows);
  const u = row * cols + col;
  return col >= 0 && col < cols && row >= 0 && row < rows && u < n ? u : null;
}

/** The units that fired most: indices of the `k` largest activations. */
export function topUnits(values, k) {
  return values
    .map((v, i) => [v, i])
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}

/** How many units count as "fired most" in a layer of `n`. */
export const topCount = (n) => Math.max(1, Math.min(8, Math.floor(n / 4)));

function formatValue(v) {
  return Math.abs(v) >= 0.01 || v === 0 ? v.toFixed(2) : v.toExponential(0);
}

/** One hidden layer's activations as tiles; the ones that fired most carry class "top". */
function activationTiles(values, l) {
  const top = new Set(topUnits(values, topCount(values.length)));
  const peak = Math.max(1e-9, ...values.map((v) => Math.abs(v)));
  const grid = el("div", { class: "act-grid", "data-layer": l, role: "img",
    "aria-label": `Hidden layer ${l + 1}: ${values.length} activations; the ${top.size} highest outlined` });
  grid.style.setProperty("--cols", String(tileColumns(values.length)));
  grid.append(...values.map((v, u) => {
    const tile = el("span", { class: top.has(u) ? "act-tile top" : "act-tile", "data-unit": u,
      "data-value": v, title: `unit ${u + 1}: ${formatValue(v)}` });
    tile.style.setProperty("--v", String(Math.min(1, Math.abs(v) / peak)));
    return tile;
  }));
  return grid;
}

function step(content, caption) {
  return el("figure", { class: "path-step" }, content, el("figcaption", {}, caption));
}

/**
 * Show a Check's path in `box`: `result.grid` and `result.activations` ({member, layers,
 * outputs}); `names` are the output units' names (labels, then "none"). Returns the set of
 * first-layer units that fired most (for the maps), or null when there is nothing to show.
 */
export function renderPath(box, result, names, members, gridSize) {
  const acts = result && result.activations;
  box.hidden = !acts;
  if (!acts) {
    box.replaceChildren();
    return null;
  }
  const input = el("canvas", { class: "path-input", role: "img", "aria-label": "The grid the network saw" });
  const flow = [step(input, `Input ${gridSize} × ${gridSize}`)];
  acts.layers.forEach((values, l) => {
    const k = topCount(values.length);
    flow.push(el("span", { class: "path-arrow", "aria-hidden": "true" }, "→"));
    flow.push(step(activationTiles(values, l),
      `Hidden layer ${acts.layers.length > 1 ? `${l + 1} ` : ""}(${values.length} units): the ${k} that fired most outlined`));
  });
  const best = acts.outputs.reduce((b, v, i) => (v > acts.outputs[b] ? i : b), 0);
  const outputs = el("ol", { class: "path-outputs" }, ...acts.outputs.map((v, i) => {
    const fill = el("span", { class: "bar-fill" });
    fill.style.width = `${Math.round(Math.max(0, Math.min(1, v)) * 100)}%`;
    const name = names[i] === undefined ? `output ${i + 1}` : names[i];
    return el("li", { class: i === best ? "bar top" : "bar", "data-value": v },
      el("span", { class: "bar-label", title: name }, name),
      el("span", { class: "bar-track", "aria-hidden": "true" }, fill),
      el("span", { class: "bar-value" }, `${Math.round(v * 100)}%`));
  }));
  flow.push(el("span", { class: "path-arrow", "aria-hidden": "true" }, "→"));
  flow.push(step(outputs, "Outputs of this network alone"));
  const which = members === 1 ? "the network"
    : `network ${acts.member + 1}${members ? ` of ${members}` : ""}`;
  box.replaceChildren(
    el("div", { class: "path-head" }, el("h3", { class: "path-title" }, `This drawing through ${which}`)),
    el("div", { class: "path-flow" }, ...flow),
  );
  box.dataset.member = String(acts.member);
  paintGrid(input, result.grid, gridSize, true);
  const first = acts.layers[0];
  return first ? new Set(topUnits(first, topCount(first.length))) : null;
}
