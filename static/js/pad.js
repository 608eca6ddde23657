// The drawing pad: pointer events -> strokes of [x, y, t] points in CSS pixels.
// pointerdown on the canvas; move/up/cancel listen on the window only while a stroke lasts.

const MIN_STEP = 1.5; // CSS pixels between recorded points

export class Pad {
  /** `onChange(reason)` is called after a stroke ends ("stroke"), and on "undo" / "clear". */
  constructor(canvas, onChange) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.onChange = onChange;
    this.strokes = [];
    this.active = null; // {id, points}
    this.t0 = 0;
    this.width = 0;
    this.height = 0;
    this.ratio = 1;
    this.onDown = this.onDown.bind(this);
    this.onMove = this.onMove.bind(this);
    this.onUp = this.onUp.bind(this);
    canvas.addEventListener("pointerdown", this.onDown);
    // touch-action: none keeps the page still, but a quick stroke still ends as a "fling"
    // gesture, and Chromium then swallows the next tap (on Check, say) to stop that fling.
    // Cancelling the touches themselves means no gesture is made at all.
    const still = (event) => event.cancelable && event.preventDefault();
    canvas.addEventListener("touchstart", still, { passive: false });
    canvas.addEventListener("touchmove", still, { passive: false });
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  get empty() {
    return this.strokes.length === 0;
  }

  /** The drawing as the API wants it: a copy, numbers rounded to 0.1 px and 1 ms. */
  data() {
    return this.strokes.map((s) =>
      s.map(([x, y, t]) => [Math.round(x * 10) / 10, Math.round(y * 10) / 10, Math.round(t)]),
    );
  }

  undo() {
    if (this.active || this.empty) return;
    this.strokes.pop();
    this.redraw();
    this.onChange("undo");
  }

  clear() {
    if (this.active || this.empty) return;
    this.strokes = [];
    this.redraw();
    this.onChange("clear");
  }

  /** Backing store = CSS size x devicePixelRatio; strokes follow the pad when it resizes. */
  resize() {
    const rect = this.canvas.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    if (!rect.width || !rect.height) return;
    if (rect.width === this.width && rect.height === this.height && ratio === this.ratio) return;
    if (this.width && this.height) {
      const sx = rect.width / this.width;
      const sy = rect.height / this.height;
      for (const stroke of this.strokes) for (const p of stroke) (p[0] *= sx), (p[1] *= sy);
    }
    this.width = rect.width;
    this.height = rect.height;
    this.ratio = ratio;
    this.canvas.width = Math.round(rect.width * ratio);
    this.canvas.height = Math.round(rect.height * ratio);
    this.redraw();
  }

  point(event) {
    const rect = this.canvas.getBoundingClientRect();
    const x = Math.min(Math.max(event.clientX - rect.left, 0), rect.width);
    const y = Math.min(Math.max(event.clientY - rect.top, 0), rect.height);
    return [x, y, Math.max(0, event.timeStamp - this.t0)];
  }

  onDown(event) {
    if (this.active || (event.pointerType === "mouse" && event.button !== 0)) return;
    event.preventDefault();
    if (this.empty) this.t0 = event.timeStamp;
    this.active = { id: event.pointerId, points: [this.point(event)] };
    this.strokes.push(this.active.points);
    window.addEventListener("pointermove", this.onMove);
    window.addEventListener("pointerup", this.onUp);
    window.addEventListener("pointercancel", this.onUp);
    this.redraw();
  }

  onMove(event) {
    if (!this.active || event.pointerId !== this.active.id) return;
    event.preventDefault();
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    const points = this.active.points;
    const before = points.length;
    for (const e of events.length ? events : [event]) {
      const p = this.point(e);
      const last = points[points.length - 1];
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) >= MIN_STEP) points.push(p);
    }
    if (points.length !== before) this.drawTail(points, before);
  }

  onUp(event) {
    if (!this.active || event.pointerId !== this.active.id) return;
    const points = this.active.points;
    if (event.type === "pointerup") {
      const p = this.point(event);
      const last = points[points.length - 1];
      if (Math.hypot(p[0] - last[0], p[1] - last[1]) >= MIN_STEP) points.push(p);
    }
    this.active = null;
    window.removeEventListener("pointermove", this.onMove);
    window.removeEventListener("pointerup", this.onUp);
    window.removeEventListener("pointercancel", this.onUp);
    this.redraw();
    this.onChange("stroke");
  }

  style() {
    const ctx = this.ctx;
    ctx.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.lineWidth = Math.min(Math.max(this.width * 0.022, 4), 10);
    ctx.strokeStyle = ctx.fillStyle = getComputedStyle(this.canvas).color;
  }

  redraw() {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    this.style();
    for (const stroke of this.strokes) this.drawStroke(stroke);
  }

  /** Smooth: quadratic curves through the midpoints, the recorded points as controls. */
  drawStroke(points) {
    const ctx = this.ctx;
    if (points.length === 1) {
      ctx.beginPath();
      ctx.arc(points[0][0], points[0][1], ctx.lineWidth / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(points[0][0], points[0][1]);
    for (let i = 1; i < points.length - 1; i++) {
      const [x, y] = points[i];
      const [nx, ny] = points[i + 1];
      ctx.quadraticCurveTo(x, y, (x + nx) / 2, (y + ny) / 2);
    }
    const last = points[points.length - 1];
    ctx.lineTo(last[0], last[1]);
    ctx.stroke();
  }

  /** While drawing, add only the new curve pieces (from the midpoint before `from`). */
  drawTail(points, from) {
    if (from < 2) {
      this.redraw();
      return;
    }
    this.style();
    const ctx = this.ctx;
    const mid = (a, b) => [(a[0] + b[0]) / 2, (a[1] + b[1]) / 2];
    ctx.beginPath();
    const start = mid(points[from - 2], points[from - 1]);
    ctx.moveTo(start[0], start[1]);
    for (let i = from - 1; i < points.length - 1; i++) {
      const end = mid(points[i], points[i + 1]);
      ctx.quadraticCurveTo(points[i][0], points[i][1], end[0], end[1]);
    }
    ctx.stroke();
  }
}

/** A drawing whose box is under 4% of the pad's size (a dot, a tiny tick) is no character. */
export function tooSmall(pad) {
  const points = pad.data().flat();
  if (!points.length || !pad.width || !pad.height) return false;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const side = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  return side < 0.04 * Math.min(pad.width, pad.height);
}

export const TOO_SMALL = "That's too small to be a character — draw it larger.";
