// Drawing for the lab, on canvases whose backing store follows devicePixelRatio (crisp on any
// screen): colours from the page's CSS variables (both themes), the output heatmap, loss curves
// on a log scale, the network with its weights, and small number formats.

const VARS = {
  one: "--lab-one",
  zero: "--lab-zero",
  surface: "--surface",
  surface2: "--surface-2",
  text: "--text",
  muted: "--muted",
  border: "--border",
  faint: "--faint",
  accent: "--accent",
  linear: "--lab-linear",
  tanh: "--lab-tanh",
  target: "--lab-target",
  pos: "--weight-pos",
  neg: "--weight-neg",
};
const FALLBACK = "#808080";

function rgbOf(text) {
  const m = /^#([0-9a-f]{6})$/i.exec(String(text).trim());
  if (!m) return [128, 128, 128];
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The page's colours: `css.name` as CSS text, `rgb.name` as [r, g, b]. Read on every draw, so
 * a change of theme shows at the next frame. */
export function palette(node = document.body) {
  const style = getComputedStyle(node);
  const css = {};
  const rgb = {};
  for (const [key, name] of Object.entries(VARS)) {
    let value = style.getPropertyValue(name).trim();
    if (value.startsWith("var(")) value = style.getPropertyValue(value.slice(4, -1).trim()).trim();
    css[key] = /^#[0-9a-f]{6}$/i.test(value) ? value : FALLBACK;
    rgb[key] = rgbOf(css[key]);
  }
  return { css, rgb, font: style.fontFamily };
}

export function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

export function rgba([r, g, b], alpha = 1) {
  return `rgba(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)}, ${alpha})`;
}

/** Size the canvas's backing store to its CSS box times devicePixelRatio; a context drawing in
 * CSS pixels, and the size; null while it is not laid out. */
export function fit(canvas) {
  const rect = canvas.getBoundingClientRect();
  if (!rect.width || !rect.height) return null;
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(rect.width * ratio);
  const h = Math.round(rect.height * ratio);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, rect.width, rect.height);
  return { ctx, width: rect.width, height: rect.height, ratio };
}

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

function niceDecade(exp) {
  if (exp >= 0 && exp <= 4) return String(10 ** exp);
  if (exp < 0 && exp >= -3) return (10 ** exp).toFixed(-exp);
  return `1e${exp}`.replace("-", "−");
}

/**
 * Loss curves on a log scale: `series` = [{points: [[iteration, loss], ...], color, width?}].
 * The y range spans the decades the data touches; x runs from 0 to the largest iteration.
 */
export function lossChart(canvas, series, colors, { note = "" } = {}) {
  const f = fit(canvas);
  if (!f) return;
  const { ctx, width, height } = f;
  const pad = { l: 44, r: 10, t: 8, b: 22 };
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  ctx.font = `11px ${colors.font}`;
  const positive = series.flatMap((s) => s.points.map((p) => p[1]).filter((v) => v > 0 && Number.isFinite(v)));
  const maxIt = Math.max(1, ...series.flatMap((s) => s.points.map((p) => p[0])));
  if (!positive.length) {
    ctx.fillStyle = colors.css.muted;
    ctx.textAlign = "center";
    ctx.fillText(note || "The loss appears here as it trains", pad.l + w / 2, pad.t + h / 2);
    return;
  }
  // Decades from the largest value down to the smallest, at most 10, none below 1e-9 (a loss
  // down there is rounding noise: the curve rests on the bottom line).
  let top = Math.max(Math.ceil(Math.log10(Math.max(...positive))), -8);
  const bottom = Math.max(Math.floor(Math.log10(Math.min(...positive))), top - 10, -9);
  if (top <= bottom) top = bottom + 1;
  const toX = (it) => pad.l + (it / maxIt) * w;
  const toY = (v) => {
    const e = Math.log10(Math.max(v, 10 ** bottom));
    return pad.t + ((top - e) / (top - bottom)) * h;
  };
  const every = Math.max(1, Math.ceil((top - bottom) / 5));
  ctx.strokeStyle = colors.css.border;
  ctx.fillStyle = colors.css.muted;
  ctx.lineWidth = 1;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  for (let e = bottom; e <= top; e += 1) {
    if ((top - e) % every) continue;
    const y = Math.round(toY(10 ** e)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(pad.l, y);
    ctx.lineTo(pad.l + w, y);
    ctx.stroke();
    ctx.fillText(niceDecade(e), pad.l - 6, y);
  }
  ctx.textBaseline = "top";
  ctx.textAlign = "left";
  ctx.fillText("0", pad.l, pad.t + h + 6);
  ctx.textAlign = "right";
  ctx.fillText(`${maxIt.toLocaleString("en")} passes`, pad.l + w, pad.t + h + 6);
  ctx.lineJoin = "round";
  for (const s of series) {
    const pts = s.points.filter((p) => Number.isFinite(p[1]));
    if (!pts.length) continue;
    ctx.strokeStyle = s.color;
    ctx.lineWidth = s.width || 2;
    ctx.beginPath();
    pts.forEach(([it, v], i) => (i ? ctx.lineTo(toX(it), toY(v)) : ctx.moveTo(toX(it), toY(v))));
    ctx.stroke();
    const [lastIt, lastV] = pts[pts.length - 1];
    ctx.fillStyle = s.color;
    ctx.beginPath();
    ctx.arc(toX(lastIt), toY(lastV), 3, 0, Math.PI * 2);
    ctx.fill();
  }
}

/**
 * The network: units in columns, every weight a line (colour: sign; width and opacity: size,
 * against the largest weight of its layer), every unit shaded by its bias. `labels`:
 * {inputs: [...], outputs: [...]}.
 */
export function network(canvas, run, colors, labels) {
  const f = fit(canvas);
  if (!f || !run) return;
  const { ctx, width, height } = f;
  const sizes = run.network.sizes;
  const acts = run.network.activations;
  const top = 24;
  const bottom = 8;
  ctx.font = `12px ${colors.font}`;
  const widest = (names) => Math.max(0, ...(names || []).map((t) => ctx.measureText(t).width));
  const left = Math.max(40, widest(labels.inputs) + 26);
  const right = Math.max(40, widest(labels.outputs) + 26);
  const colX = (i) => left + (i / (sizes.length - 1)) * (width - left - right);
  const radius = Math.max(3, Math.min(9, (height - top - bottom) / (2.6 * Math.max(...sizes))));
  const rowY = (i, j) => {
    const n = sizes[i];
    const gap = Math.min((height - top - bottom) / n, radius * 4.2);
    return top + (height - top - bottom) / 2 + (j - (n - 1) / 2) * gap;
  };
  ctx.lineCap = "round";
  run.layers.forEach((layer, i) => {
    const W = layer.weights;
    let max = 0;
    for (const row of W) for (const w of row) if (Number.isFinite(w)) max = Math.max(max, Math.abs(w));
    for (let a = 0; a < W.length; a += 1) {
      for (let b = 0; b < W[a].length; b += 1) {
        const w = W[a][b];
        if (!Number.isFinite(w) || max === 0) continue;
        const t = Math.abs(w) / max;
        ctx.strokeStyle = rgba(w >= 0 ? colors.rgb.pos : colors.rgb.neg, 0.18 + 0.82 * t);
        ctx.lineWidth = 0.6 + 4.4 * t;
        ctx.beginPath();
        ctx.moveTo(colX(i), rowY(i, a));
        ctx.lineTo(colX(i + 1), rowY(i + 1, b));
        ctx.stroke();
      }
    }
  });
  let maxBias = 0;
  for (const layer of run.layers) for (const b of layer.bias || []) maxBias = Math.max(maxBias, Math.abs(b));
  ctx.font = `12px ${colors.font}`;
  ctx.textBaseline = "middle";
  sizes.forEach((n, i) => {
    for (let j = 0; j < n; j += 1) {
      let fill = colors.rgb.surface;
      const bias = i > 0 && run.layers[i - 1].bias ? run.layers[i - 1].bias[j] : 0;
      if (i > 0 && maxBias > 0) {
        fill = mix(colors.rgb.surface, bias >= 0 ? colors.rgb.pos : colors.rgb.neg, Math.abs(bias) / maxBias);
      }
      ctx.fillStyle = rgba(fill);
      ctx.strokeStyle = colors.css.text;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      ctx.arc(colX(i), rowY(i, j), radius, 0, Math.PI * 2);
      ctx.fill();
      ctx.stroke();
      const names = i === 0 ? labels.inputs : i === sizes.length - 1 ? labels.outputs : null;
      if (names && names[j] !== undefined) {
        ctx.fillStyle = colors.css.text;
        ctx.textAlign = i === 0 ? "right" : "left";
        ctx.fillText(names[j], colX(i) + (i === 0 ? -radius - 6 : radius + 6), rowY(i, j));
      }
    }
    ctx.fillStyle = colors.css.muted;
    ctx.textAlign = "center";
    ctx.font = `11px ${colors.font}`;
    const caption = i === 0 ? "input" : `${i === sizes.length - 1 ? "output" : "hidden"} · ${acts[i - 1]}`;
    ctx.fillText(caption, colX(i), 10);
    ctx.font = `12px ${colors.font}`;
  });
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
