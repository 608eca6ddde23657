// The learning curve: MSE against iterations (log-scale y on the left) and, when there is a
// validation set, validation accuracy (0-100% on the right), painted at screen resolution.

const PAD = { left: 44, right: 12, top: 10, bottom: 22 };
const RIGHT_AXIS = 40; // room for "100%" when the accuracy line is drawn
const MAX_POINTS = 2000;

function decadeLabel(exp) {
  if (exp >= 0 && exp <= 3) return String(10 ** exp);
  if (exp < 0 && exp >= -3) return (10 ** exp).toFixed(-exp);
  return `1e${exp}`;
}

function colour(style, name, fallback) {
  return style.getPropertyValue(name).trim() || fallback;
}

export class LossChart {
  /** `legend` (optional) is shown while the accuracy line is drawn. */
  constructor(canvas, legend = null) {
    this.canvas = canvas;
    this.legend = legend;
    this.points = []; // [iteration, mse, validation accuracy or null]
    this.frame = 0;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  reset() {
    this.points = [];
    this.schedule();
  }

  /** The whole curve from a training status: `[{iteration, mse, validation_accuracy}]`. */
  setHistory(history) {
    this.points = history
      .filter((p) => Number.isFinite(p.iteration))
      .map((p) => [p.iteration, p.mse, Number.isFinite(p.validation_accuracy) ? p.validation_accuracy : null]);
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
    const rect = canvas.getBoundingClientRect();
    const loss = this.points.filter(([, m]) => m > 0 && Number.isFinite(m));
    const accuracy = this.points.filter(([, , a]) => a !== null);
    const series = (loss.length > 1 ? 1 : 0) + (accuracy.length > 1 ? 1 : 0);
    canvas.classList.toggle("has-data", series > 0);
    canvas.dataset.series = String(series);
    canvas.dataset.from = this.points.length ? String(this.points[0][0]) : "";
    canvas.dataset.to = this.points.length ? String(this.points[this.points.length - 1][0]) : "";
    if (this.legend) this.legend.hidden = accuracy.length < 2;
    if (!rect.width || !rect.height) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (!series) return;

    const style = getComputedStyle(canvas);
    const muted = colour(style, "--muted", "#888");
    const line = colour(style, "--border", "#ddd");
    const accent = colour(style, "--accent", "#36c");
    const second = colour(style, "--chart-accuracy", "#177245");
    const right = accuracy.length > 1 ? RIGHT_AXIS : PAD.right;
    const w = rect.width - PAD.left - right;
    const h = rect.height - PAD.top - PAD.bottom;
    ctx.font = `11px ${style.fontFamily}`;
    ctx.lineWidth = 1;

    const all = this.points;
    const minIt = all[0][0];
    const maxIt = Math.max(all[all.length - 1][0], minIt + 1);
    const x = (it) => PAD.left + ((it - minIt) / (maxIt - minIt)) * w;

    // Right axis first (its gridlines are dashed), so the loss gridlines lie on top.
    if (accuracy.length > 1) {
      const ya = (a) => PAD.top + (1 - a) * h;
      ctx.textAlign = "left";
      ctx.textBaseline = "middle";
      ctx.fillStyle = muted;
      for (const a of [0, 0.5, 1]) ctx.fillText(`${a * 100}%`, PAD.left + w + 6, ya(a));
      this.line(ctx, accuracy.map(([it, , a]) => [x(it), ya(a)]), second, [5, 3]);
    }

    if (loss.length > 1) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const [, m] of loss) (lo = Math.min(lo, m)), (hi = Math.max(hi, m));
      // The curve fills the height; gridlines at the powers of ten inside it.
      const span = Math.max(Math.log10(hi) - Math.log10(lo), 0.5);
      const top = Math.log10(hi) + span * 0.06;
      const bottom = Math.log10(lo) - span * 0.06;
      const step = Math.max(1, Math.ceil((top - bottom) / Math.max(1, Math.floor(h / 22))));
      const y = (m) => PAD.top + ((top - Math.log10(m)) / (top - bottom)) * h;
      const ticks = [];
      for (let e = Math.ceil(bottom / step) * step; e <= top; e += step) ticks.push([10 ** e, decadeLabel(e)]);
      if (ticks.length < 2) ticks.splice(0, ticks.length, [hi, hi.toPrecision(2)], [lo, lo.toPrecision(2)]);
      ctx.strokeStyle = line;
      ctx.fillStyle = muted;
      ctx.textAlign = "right";
      ctx.textBaseline = "middle";
      for (const [value, text] of ticks) {
        const yy = Math.round(y(value)) + 0.5;
        ctx.beginPath();
        ctx.moveTo(PAD.left, yy);
        ctx.lineTo(PAD.left + w, yy);
        ctx.stroke();
        ctx.fillText(text, PAD.left - 6, yy);
      }
      this.line(ctx, loss.map(([it, m]) => [x(it), y(m)]), accent, []);
    }

    ctx.fillStyle = muted;
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left";
    ctx.fillText(minIt.toLocaleString(), PAD.left, rect.height - 6);
    ctx.textAlign = "right";
    ctx.fillText(`${all[all.length - 1][0].toLocaleString()} iterations`, PAD.left + w, rect.height - 6);
  }

  /** A polyline of [x, y] in `colour`, with a dot on its last point. */
  line(ctx, xy, stroke, dash) {
    ctx.save();
    ctx.strokeStyle = stroke;
    ctx.fillStyle = stroke;
    ctx.lineWidth = 2;
    ctx.lineJoin = "round";
    ctx.setLineDash(dash);
    ctx.beginPath();
    xy.forEach(([px, py], i) => (i ? ctx.lineTo(px, py) : ctx.moveTo(px, py)));
    ctx.stroke();
    const [lx, ly] = xy[xy.length - 1];
    ctx.beginPath();
    ctx.arc(lx, ly, 3, 0, 2 * Math.PI);
    ctx.fill();
    ctx.restore();
  }
}
