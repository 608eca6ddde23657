// The loss curve: MSE against iterations, log-scale y, painted on a canvas at screen resolution.

const PAD = { left: 44, right: 12, top: 10, bottom: 22 };
const MAX_POINTS = 2000;

function decadeLabel(exp) {
  if (exp >= 0 && exp <= 3) return String(10 ** exp);
  if (exp < 0 && exp >= -3) return (10 ** exp).toFixed(-exp);
  return `1e${exp}`;
}

export class LossChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.points = []; // [iteration, mse]
    this.frame = 0;
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  reset() {
    this.points = [];
    this.schedule();
  }

  add(iteration, mse) {
    if (mse === null || mse === undefined || !(mse > 0) || !Number.isFinite(mse)) return;
    const last = this.points[this.points.length - 1];
    if (last && last[0] === iteration) last[1] = mse;
    else if (!last || iteration > last[0]) this.points.push([iteration, mse]);
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
    if (!rect.width || !rect.height) return;
    const ratio = window.devicePixelRatio || 1;
    canvas.width = Math.round(rect.width * ratio);
    canvas.height = Math.round(rect.height * ratio);
    const ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    const style = getComputedStyle(canvas);
    const muted = style.getPropertyValue("--muted").trim() || "#888";
    const line = style.getPropertyValue("--border").trim() || "#ddd";
    const accent = style.getPropertyValue("--accent").trim() || "#36c";
    const w = rect.width - PAD.left - PAD.right;
    const h = rect.height - PAD.top - PAD.bottom;
    ctx.font = `11px ${style.fontFamily}`;
    ctx.textBaseline = "middle";
    const points = this.points;
    canvas.classList.toggle("has-data", points.length > 1);
    if (points.length < 2) return;

    let lo = Infinity;
    let hi = -Infinity;
    for (const [, m] of points) (lo = Math.min(lo, m)), (hi = Math.max(hi, m));
    // The curve fills the height; gridlines at the powers of ten inside it.
    const span = Math.max(Math.log10(hi) - Math.log10(lo), 0.5);
    const top = Math.log10(hi) + span * 0.06;
    const bottom = Math.log10(lo) - span * 0.06;
    const step = Math.max(1, Math.ceil((top - bottom) / Math.max(1, Math.floor(h / 22))));
    const maxIt = Math.max(points[points.length - 1][0], 1);
    const minIt = points[0][0];
    const x = (it) => PAD.left + ((it - minIt) / Math.max(maxIt - minIt, 1)) * w;
    const y = (m) => PAD.top + ((top - Math.log10(m)) / (top - bottom)) * h;

    ctx.strokeStyle = line;
    ctx.fillStyle = muted;
    ctx.lineWidth = 1;
    ctx.textAlign = "right";
    const ticks = [];
    for (let e = Math.ceil(bottom / step) * step; e <= top; e += step) ticks.push([10 ** e, decadeLabel(e)]);
    if (ticks.length < 2) ticks.splice(0, ticks.length, [hi, hi.toPrecision(2)], [lo, lo.toPrecision(2)]);
    for (const [value, text] of ticks) {
      const yy = Math.round(y(value)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(PAD.left, yy);
      ctx.lineTo(PAD.left + w, yy);
      ctx.stroke();
      ctx.fillText(text, PAD.left - 6, yy);
    }
    ctx.textBaseline = "alphabetic";
    ctx.textAlign = "left";
    ctx.fillText(minIt.toLocaleString(), PAD.left, rect.height - 6);
    ctx.textAlign = "right";
    ctx.fillText(`${maxIt.toLocaleString()} iterations`, PAD.left + w, rect.height - 6);

    ctx.strokeStyle = accent;
    ctx.lineWidth = 2;
    ctx.lineJoin = "round";
    ctx.beginPath();
    points.forEach(([it, m], i) => (i ? ctx.lineTo(x(it), y(m)) : ctx.moveTo(x(it), y(m))));
    ctx.stroke();
    const [lastIt, lastM] = points[points.length - 1];
    ctx.fillStyle = accent;
    ctx.beginPath();
    ctx.arc(x(lastIt), y(lastM), 3, 0, 2 * Math.PI);
    ctx.fill();
  }
}
