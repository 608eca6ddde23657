// The lab's own drawing: the output heatmap over the input square, a run's network through the
// page's network drawing, small number formats, and one draw per animation frame. Canvases,
// colours and loss curves are the main page's (canvas.js, chart.js, netdraw.js).

import { mix } from "../canvas.js";
import { drawNetwork } from "../netdraw.js";

/** A loss (or any positive number) for people: 3 significant digits, exponent when small. */
export function formatLoss(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value === 0) return "0";
  if (Math.abs(value) < 0.001 || Math.abs(value) >= 100000) {
    return value.toExponential(2).replace("e-", "e−").replace("e+", "e");
  }
  return value.toPrecision(3).replace(/\.?0+$/, (m) => (m.includes(".") ? "" : m));
}

export function formatRate(value) {
  if (!Number.isFinite(value)) return "—";
  if (value >= 10) return value.toFixed(0);
  if (value >= 1) return value.toFixed(1).replace(/\.0$/, "");
  return String(Number(value.toPrecision(2)));
}

/**
 * The boundary: the first output over an n x n grid (row-major, top row first, y up) drawn into
 * `box` ({x, y, w, h} in CSS px), each grid point at the centre of its cell; `lo`..`hi` maps onto
 * zero-colour..one-colour through the surface. Returns {toX, toY}: input coordinates -> px.
 */
export function heatmap(ctx, box, boundary, colors, { lo = 0, hi = 1 } = {}) {
  const n = boundary.size;
  const [x0, x1, y0, y1] = boundary.extent;
  const image = new ImageData(n, n);
  const data = image.data;
  const { zero, one, surface } = colors.rgb;
  for (let i = 0; i < n * n; i += 1) {
    const v = boundary.values[i];
    let c = surface;
    if (v !== null && Number.isFinite(v)) {
      const t = Math.min(1, Math.max(0, (v - lo) / (hi - lo || 1)));
      c = t >= 0.5 ? mix(surface, one, (t - 0.5) * 2 * 0.8) : mix(surface, zero, (0.5 - t) * 2 * 0.8);
    }
    data[i * 4] = c[0];
    data[i * 4 + 1] = c[1];
    data[i * 4 + 2] = c[2];
    data[i * 4 + 3] = 255;
  }
  const small = document.createElement("canvas");
  small.width = n;
  small.height = n;
  small.getContext("2d").putImageData(image, 0, 0);
  ctx.save();
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(small, box.x, box.y, box.w, box.h);
  ctx.restore();
  const cell = box.w / n;
  return {
    toX: (x) => box.x + cell / 2 + ((x - x0) / (x1 - x0 || 1)) * (box.w - cell),
    toY: (y) => box.y + cell / 2 + ((y1 - y) / (y1 - y0 || 1)) * (box.h - cell),
  };
}

/**
 * A run's network ({network: {sizes, activations}, layers: [{weights, bias}]}) drawn whole:
 * every weight, each unit shaded by its bias, inputs and outputs named by `labels`.
 * @param {HTMLCanvasElement} canvas
 * @param {{inputs: string[], outputs: string[]}} labels
 */
export function drawRun(canvas, run, labels) {
  if (!run) return;
  const { sizes, activations } = run.network;
  const last = sizes.length - 1;
  drawNetwork(canvas, {
    sizes,
    layers: run.layers.map((layer) => ({
      rows: layer.weights.length,
      cols: layer.weights.length ? layer.weights[0].length : 0,
      W: layer.weights.flat().map((w) => (w === null ? NaN : w)),
      bias: layer.bias,
    })),
    names: labels.outputs,
    inputs: labels.inputs,
    titles: sizes.map((_, i) => (i === 0 ? "input" : `${i === last ? "output" : "hidden"} · ${activations[i - 1]}`)),
  }, { k: Infinity, step: 40, radius: 9 });
}

/** Run `draw` at the next animation frame, once however often it is asked for before then. */
export function scheduler(draw) {
  let pending = 0;
  return () => {
    if (pending) return;
    pending = requestAnimationFrame(() => {
      pending = 0;
      draw();
    });
  };
}
