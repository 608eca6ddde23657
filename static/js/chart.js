// The learning curve: MSE against iterations (log-scale y on the left) and, when there is a
// validation set, validation accuracy (0-100% on the right), painted at screen resolution.
// The run's target MSE is a dashed, named line; every point of the history is drawn. The lab
// draws its runs' losses with it too, one line per run (setLines).

import { fitCanvas } from "./canvas.js";

const PAD = { right: 12, top: 10, bottom: 22 };
const RIGHT_AXIS = 40; // room for "100%" when the accuracy line is drawn
const MAX_POINTS = 2000;
const MINUS = "\u2212";

/** A tick label for `value` on an axis whose ticks are `step` apart: as many significant
 * digits as the step needs, plain decimals from 0.001 to 99,999, else "3.2e−5". */
export function formatTick(value, step = value, scientific = null, minDigits = 0) {
  if (!Number.isFinite(value)) return "";
  if (value === 0) return "0";
  const mag = Math.floor(Math.log10(Math.abs(value)) + 1e-9);
  const stepMag = Math.floor(Math.log10(Math.abs(step || value)) + 1e-9);
  if (scientific === false || (scientific === null && mag >= -3 && mag <= 4)) {
    const text = value.toFixed(Math.max(0, -stepMag));
    return text.replace("-", MINUS);
  }
  const digits = Math.min(6, Math.max(minDigits, mag - stepMag));
  const mantissa = value / 10 ** mag;
  return `${mantissa.toFixed(digits)}e${mag}`.replace(/-/g, MINUS);
}

/** A 1, 2 or 5 times a power of ten, about `raw`. */
function niceStep(raw) {
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/** Ticks `[value, label]` for a log axis from `lo` to `hi` (both > 0), at most `max` of them:
 * powers of ten over several decades, 1-2-5 steps over one or two, even steps within one. */
export function logTicks(lo, hi, max = 6) {
  max = Math.max(2, max);
  const out = (values, step) => values.map((v) => [v, formatTick(v, step === undefined ? v : step)]);
  // Evenly spaced values share one notation: "8.0e−4, 1.0e−3", never "8e−4, 0.0010".
  const even = (values, step) => {
    const sci = values.some((v) => v < 1e-3 || v >= 1e5);
    const stepMag = Math.floor(Math.log10(step) + 1e-9);
    const digits = Math.max(0, ...values.map((v) => Math.floor(Math.log10(v) + 1e-9) - stepMag));
    return values.map((v) => [v, formatTick(v, step, sci, digits)]);
  };
  const e0 = Math.ceil(Math.log10(lo) - 1e-9);
  const e1 = Math.floor(Math.log10(hi) + 1e-9);
  if (e1 - e0 + 1 >= 2) {
    const stride = Math.ceil((e1 - e0 + 1) / max);
    const powers = [];
    for (let e = Math.ceil(e0 / stride) * stride; e <= e1; e += stride) powers.push(10 ** e);
    if (powers.length >= 3 || stride > 1) return out(powers);
  }
  const fives = [];
  for (let e = e0 - 1; e <= e1; e += 1) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9)) fives.push(v);
    }
  }
  if (fives.length >= 3 && fives.length <= max) return out(fives);
  if (fives.length > max) return out(fives.filter((v) => Math.abs(Math.log10(v) % 1) < 1e-6));
  // Within a factor of a few: evenly spaced values, labelled with the digits that tell them apart.
  const step = niceStep((hi - lo) / (max - 1));
  const values = [];
  for (let i = Math.ceil(lo / step - 1e-9); i * step <= hi * (1 + 1e-9); i += 1) values.push(i * step);
  return even(values, step);
}

function colour(style, name, fallback) {
  return style.getPropertyValue(name).trim() || fallback;
}

/** A loss line: [[iteration, loss], ...] in the colour of a CSS variable ("--accent").
 * @typedef {{points: number[][], color: string}} Line */

export class LossChart {
  /** `legend` (optional) is shown while the accuracy line is drawn; `unit` names the x axis's
   * steps ("iterations", "passes").
   * @param {HTMLCanvasElement} canvas
   * @param {HTMLElement | null} legend */
  constructor(canvas, legend = null, { unit = "iterations" } = {}) {
    this.canvas = canvas;
    this.legend = legend;
    this.unit = unit;
    this.points = []; // [iteration, mse, validation accuracy or null]
    /** @type {Line[] | null} */
    this.lines = null; // set by setLines: these instead of the points' MSE
    this.target = null; // the run's target MSE (a dashed line), or null
    this.marker = null; // an iteration marked by a vertical line (the replay's frame), or null
    this.frame = 0;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  reset() {
    this.points = [];
    this.target = null;
    this.marker = null;
    this.schedule();
  }

  /** Mark `iteration` with a vertical line (the replay's frame); null removes the mark. */
  setMarker(iteration) {
    const value = Number.isFinite(iteration) ? iteration : null;
    if (value !== this.marker) (this.marker = value), this.schedule();
  }

  /** The run's target MSE, drawn as a dashed line when it is above 0. */
  setTarget(target) {
    const value = Number.isFinite(target) && target > 0 ? target : null;
    if (value !== this.target) (this.target = value), this.schedule();
  }

  /** The whole curve from a training status: `[{iteration, mse, validation_accuracy}]`. */
  setHistory(history) {
    this.points = history
      .filter((p) => Number.isFinite(p.iteration))
      .map((p) => [p.iteration, p.mse, Number.isFinite(p.validation_accuracy) ? p.validation_accuracy : null]);
    this.schedule();
  }

  /** Loss lines of their own (the lab's runs), drawn instead of an MSE history. */
  setLines(lines) {
    this.lines = lines;
    this.schedule();
  }

  /** One more point, for a status without history. */
  add(iteration, mse, accuracy = null) {
    if (mse === null || mse === undefined || !Number.isFinite(mse)) return;
    const acc = Number.isFinite(accuracy) ? accuracy : null;
    const last = this.points[this.points.length - 1];
    if (last && last[0] === iteration) (last[1] = mse), (last[2] = acc);
    else if (!last || iteration > last[0]) this.points.push([iteration, mse, acc]);
    if (this.points.length > MAX_POINTS) {
      // Keep the first point and every other one after it: the shape stays, the cost does not.
      this.points = this.points.filter((_, i) => i === 0 || i % 2 === 1);
    }
    this.schedule();
  }

  schedule() {
    if (!this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }
  }

  draw() {
    const canvas = this.canvas;
    const lines = (this.lines || [{ points: this.points, color: "--accent" }]).map((line) => ({
      ...line,
      points: line.points.filter(([, m]) => m > 0 && Number.isFinite(m)),
    }));
    const loss = lines.filter((line) => line.points.length > 1);
    const accuracy = this.points.filter(([, , a]) => a !== null && a !== undefined);
    const series = loss.length + (accuracy.length > 1 ? 1 : 0);
    const first = loss.length ? loss[0].points : [];
    canvas.classList.toggle("has-data", series > 0);
    canvas.dataset.series = String(series);
    canvas.dataset.points = String(first.length);
    const all = [...this.points, ...loss.flatMap((line) => line.points)].sort((a, b) => a[0] - b[0]);
    canvas.dataset.from = all.length ? String(all[0][0]) : "";
    canvas.dataset.to = all.length ? String(all[all.length - 1][0]) : "";
    if (this.legend) this.legend.hidden = accuracy.length < 2;
    canvas.dataset.marker = this.marker === null ? "" : String(this.marker);
    delete canvas.dataset.markerX;
    const fit = fitCanvas(canvas);
    if (!fit) return;
    const { ctx, width, height } = fit;
    if (!series) {
      canvas.dataset.yLabels = "";
      return;
    }

    const style = getComputedStyle(canvas);
    const muted = colour(style, "--muted", "#888");
    const line = colour(style, "--border", "#ddd");
    const second = colour(style, "--chart-accuracy", "#177245");
    const goal = colour(style, "--chart-target", "#8f5208");
    ctx.font = `11px ${style.fontFamily}`;
    ctx.lineWidth = 1;
    const h = height - PAD.top - PAD.bottom;

    // The loss axis first: its labels decide how much room the left margin needs.
    let ticks = [];
    let y = null;
    if (loss.length) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const l of loss) for (const [, m] of l.points) (lo = Math.min(lo, m)), (hi = Math.max(hi, m));
      if (this.target) (lo = Math.min(lo, this.target)), (hi = Math.max(hi, this.target));
      // The curve fills the height, with a little air; at least a factor of 1.5 is shown.
      const span = Math.max(Math.log10(hi) - Math.log10(lo), 0.18);
      const mid = (Math.log10(hi) + Math.log10(lo)) / 2;
      const top = mid + span * 0.56;
      const bottom = mid - span * 0.56;
      y = (m) => PAD.top + ((top - Math.log10(m)) / (top - bottom)) * h;
      ticks = logTicks(10 ** bottom, 10 ** top, Math.max(2, Math.min(6, Math.floor(h / 22))));
    }
    canvas.dataset.yLabels = ticks.map(([, text]) => text).join("|");
    const left = Math.max(30, ...ticks.map(([, text]) => Math.ceil(ctx.measureText(text).width) + 10));
    const right = accuracy.length > 1 ? RIGHT_AXIS : PAD.right;
    const w = width - left - right;

    const minIt = all[0][0];
    const lastIt = all[all.length - 1][0];
    const maxIt = Math.max(lastIt, minIt + 1);
    const x = (it) => left + ((it - minIt) / (maxIt - minIt)) * w;

    // Right axis first (its gridlines are dashed), so the loss gridlines lie on top.
    if (accuracy.length > 1) {
      const ya = (a) => PAD.top + (1 - a) * h;
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      ctx.fillStyle = muted;
      for (const a of [0, 0.5, 1]) ctx.fillText(`${a * 100}%`, left + w + 6, ya(a));
      this.line(ctx, accuracy.map(([it, , a]) => [x(it), ya(a)]), second, [5, 3]);
    }

    if (y) {
      ctx.strokeStyle = line;
      ctx.fillStyle = muted;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (const [value, text] of ticks) {
        const yy = Math.round(y(value)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(left, yy);
        ctx.lineTo(left + w, yy);
        ctx.stroke();
        ctx.fillText(text, left - 6, yy);
      }
      if (this.target) this.targetLine(ctx, Math.round(y(this.target)) + 0.5, left, w, goal);
      for (const l of loss) {
        const stroke = colour(style, l.color, "#36c");
        this.line(ctx, l.points.map(([it, m]) => [x(it), y(m)]), stroke, [], l.points.length <= 60);
      }
    }

    if (this.marker !== null) {
      const mx = Math.round(x(Math.min(maxIt, Math.max(minIt, this.marker)))) + 0.5;
      this.markerLine(ctx, mx, h, colour(style, "--text", "#1a2130"));
      canvas.dataset.markerX = String(mx);
    }

    ctx.fillStyle = muted;
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left";
    ctx.fillText(minIt.toLocaleString(), left, height - 6);
    ctx.textAlign = "right";
    ctx.fillText(`${lastIt.toLocaleString()} ${this.unit}`, left + w, height - 6);
  }

  /** The target MSE: a thin dashed line across, named. */
  targetLine(ctx, yy, left, w, stroke) {
    ctx.save();
    ctx.strokeStyle = stroke;
    ctx.fillStyle = stroke;
    ctx.setLineDash([2, 3]);
    ctx.lineWidth = 1.25;
    ctx.beginPath();
    ctx.moveTo(left, yy);
    ctx.lineTo(left + w, yy);
    ctx.stroke();
    // Named at its right end: the curve starts high on the left, and the accuracy line low.
    const text = `target ${formatTick(this.target, this.target)}`;
    ctx.textAlign = "right";
    const below = yy - PAD.top < 14;
    ctx.textBaseline = below ? "top" : "bottom";
    ctx.fillText(text, left + w - 4, below ? yy + 2 : yy - 2);
    ctx.restore();
  }

  /** The marked iteration: a line from top to bottom with a small triangle above it. */
  markerLine(ctx, mx, h, stroke) {
    ctx.save();
    ctx.strokeStyle = stroke;
    ctx.fillStyle = stroke;
    ctx.globalAlpha = 0.7;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(mx, PAD.top);
    ctx.lineTo(mx, PAD.top + h);
    ctx.stroke();
    ctx.globalAlpha = 1;
    ctx.beginPath();
    ctx.moveTo(mx - 4, PAD.top - 6);
    ctx.lineTo(mx + 4, PAD.top - 6);
    ctx.lineTo(mx, PAD.top);
    ctx.fill();
    ctx.restore();
  }

  /** A polyline of [x, y] in `colour`, with a dot on its last point (and on each point, when
   * there are few, so a short run shows every pass). */
  line(ctx, xy, stroke, dash, dots = false) {
    ctx.save();
    ctx.strokeStyle = stroke;
    ctx.fillStyle = stroke;
    ctx.lineWidth = 2;
    ctx.lineJoin = "round";
    ctx.setLineDash(dash);
    ctx.beginPath();
    xy.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
    ctx.stroke();
    if (dots) {
      for (const [px, py] of xy) {
        ctx.beginPath();
        ctx.arc(px, py, 1.75, 0, 2 * Math.PI);
        ctx.fill();
      }
    }
    const [lx, ly] = xy[xy.length - 1];
    ctx.beginPath();
    ctx.arc(lx, ly, 3, 0, 2 * Math.PI);
    ctx.fill();
    ctx.restore();
  }
}
