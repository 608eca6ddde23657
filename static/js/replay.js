// The replay of the model's training (GET .../replay): a scrubber and Play under the chart. With
// the frame move the chart's marker, the network card (that frame's weights of network 1, GET
// .../network?frame=N, fetched when first shown and kept per frame) and a strip of drawings with
// the guess the network of that moment made on each, right or wrong.

import { paintGrid } from "./grid.js";
import { decodeSnapshot, modelKey } from "./network.js";
import { ACTIVE } from "./training.js";
import { $, el, formatCount } from "./ui.js";

const FRAME_MS = 320; // about three frames a second: fast enough to watch, slow enough to read
const NONE = "No replay for this model: it was imported, or trained before hwr recorded its "
  + "trainings. Train it to record one.";

export class Replay {
  /**
   * `samples()` -> the recognizer's samples (their grids are the strip's thumbnails);
   * `onRecording(has)`: a recording was loaded (true) or there is none (false).
   * @param {{api: ReturnType<typeof import("./api.js").createApi>, path: (suffix: string) => string,
   *   chart: import("./chart.js").LossChart, net: import("./network.js").NetworkView,
   *   samples: () => any[], gridSize: () => number, onRecording: (has: boolean) => void}} ctx
   */
  constructor(ctx) {
    this.ctx = ctx;
    this.frames = [];
    this.key = ""; // the model whose recording is loaded
    this.cache = new Map(); // frame -> promise of its decoded weights
    this.at = 0; // the frame shown
    this.playing = false;
    this.timer = 0;
    this.seq = 0; // the latest frame asked for: a late answer for an older one is dropped
    this.active = false; // a training runs: the views follow it, the replay waits
    this.range = $("replay-frame");
    this.range.addEventListener("input", () => this.seek(Number(this.range.value)));
    $("replay-play").addEventListener("click", () => (this.playing ? this.pause() : this.play()));
  }

  /** A new recognizer: forget the recording. */
  reset() {
    this.key = "";
    this.frames = [];
    this.cache = new Map();
    this.pause();
    this.render("");
  }

  /** Follow a training status: hidden while a run is live; its recording comes with its model. */
  training(status) {
    const active = Boolean(status) && ACTIVE.includes(status.state);
    if (active === this.active) return;
    this.active = active;
    if (active) {
      this.pause();
      this.ctx.chart.setMarker(null);
      $("replay").hidden = true;
    } else if (this.frames.length) {
      $("replay").hidden = false;
    }
  }

  /** Follow the recognizer's model: a new one brings its recording (or none). */
  model(model) {
    const key = modelKey(model);
    if (key === this.key) return;
    this.key = key;
    this.frames = [];
    this.cache = new Map();
    this.pause();
    this.ctx.net.unpin();
    this.ctx.chart.setMarker(null);
    if (!key) this.render("");
    else this.load(key);
  }

  async load(key) {
    let frames = null;
    let message = "";
    try {
      frames = (await this.ctx.api.get(this.ctx.path("/replay"))).frames;
    } catch (error) {
      message = error.status === 404 ? NONE : `The replay is unavailable: ${error.message}`;
    }
    if (key !== this.key) return; // another model (or recognizer) meanwhile
    this.frames = frames && frames.length ? frames : [];
    this.render(this.frames.length ? "" : message || NONE);
  }

  /** The controls for the loaded frames (at the last one: the model), or `message` alone. */
  render(message) {
    const has = this.frames.length > 0;
    $("replay").hidden = !has || this.active;
    $("replay-none").hidden = has || !message;
    $("replay-none").textContent = message;
    this.ctx.onRecording(has);
    if (!has) return;
    this.range.max = String(this.frames.length - 1);
    $("replay").dataset.frames = String(this.frames.length);
    this.strip();
    this.at = this.frames.length - 1;
    this.update();
    // A page opened after a restart has no curve from the training status: the frames draw it.
    if (!this.ctx.chart.points.length) this.ctx.chart.setHistory(this.frames);
  }

  /** The samples changed (or arrived after the recording): paint the strip's thumbnails again. */
  samplesChanged() {
    if (!this.frames.length) return;
    this.strip();
    this.guesses(this.frames[this.at]);
  }

  /** The weights of frame `n`, decoded (fetched once per model). */
  frame(n) {
    if (!this.cache.has(n)) {
      const asked = this.ctx.api.get(this.ctx.path(`/network?frame=${n}`)).then(decodeSnapshot);
      asked.catch(() => this.cache.delete(n));
      this.cache.set(n, asked);
    }
    return this.cache.get(n);
  }

  /** Show frame `n` everywhere: the scrubber, the chart's marker, the strip, the network. */
  seek(n) {
    this.at = Math.max(0, Math.min(this.frames.length - 1, Math.round(n) || 0));
    this.update();
    this.showNetwork(this.at);
  }

  update() {
    const f = this.frames[this.at];
    const text = `Frame ${this.at + 1} of ${this.frames.length} · pass ${formatCount(f.iteration)}`;
    this.range.value = String(this.at);
    this.range.setAttribute("aria-valuetext", text);
    $("replay-value").textContent = text;
    $("replay").dataset.frame = String(this.at);
    this.ctx.chart.setMarker(f.iteration);
    this.guesses(f);
  }

  async showNetwork(n) {
    const seq = ++this.seq;
    const key = this.key;
    try {
      const net = await this.frame(n);
      if (seq === this.seq && key === this.key && !this.active) this.ctx.net.pin(net);
    } catch (error) {
      if (seq === this.seq) $("replay-score").textContent = `This frame's network is unavailable: ${error.message}`;
    }
  }

  play() {
    if (this.at >= this.frames.length - 1) this.seek(0); // from the end: again from the start
    this.playing = true;
    $("replay-play").textContent = "Pause";
    const tick = () => {
      if (!this.playing) return;
      if (this.at >= this.frames.length - 1) return this.pause();
      const next = this.at + 1;
      // The next frame's weights first, so the network moves with the scrubber.
      this.frame(next).catch(() => null).then(() => {
        if (!this.playing) return;
        this.seek(next);
        this.timer = setTimeout(tick, FRAME_MS);
      });
    };
    this.timer = setTimeout(tick, FRAME_MS);
  }

  pause() {
    this.playing = false;
    clearTimeout(this.timer);
    this.timer = 0;
    $("replay-play").textContent = "Play";
  }

  /** The strip's items, one per guessed drawing, its thumbnail painted once per recording. */
  strip() {
    const list = $("replay-guesses");
    const size = this.ctx.gridSize();
    const grids = new Map(this.ctx.samples().map((s) => [s.id, s.grid]));
    const thumbs = [];
    list.replaceChildren(...this.frames[0].guesses.map((g) => {
      const canvas = el("canvas", { class: "thumb", width: size, height: size, "aria-hidden": "true" });
      thumbs.push([canvas, grids.get(g.sample_id) || null]);
      return el("li", { class: "guess", "data-id": g.sample_id }, canvas,
        el("span", { class: "guess-label" }, el("span", { class: "guess-mark", "aria-hidden": "true" }), el("span", { class: "guess-text" })));
    }));
    for (const [canvas, grid] of thumbs) paintGrid(canvas, grid, size);
  }

  /** Each drawing's guess at frame `f`: its label, green with ✓ when right, red with ✗ when not. */
  guesses(f) {
    const items = $("replay-guesses").children;
    let right = 0;
    f.guesses.forEach((g, i) => {
      const item = /** @type {HTMLElement} */ (items[i]);
      if (!item) return;
      const ok = g.label === g.truth;
      right += ok ? 1 : 0;
      const pct = `${Math.round(g.confidence * 100)}%`;
      item.dataset.right = String(ok);
      item.dataset.label = g.label;
      item.setAttribute("aria-label", `A drawing of “${g.truth}”, guessed “${g.label}” (${pct}): ${ok ? "right" : "wrong"}`);
      item.title = item.getAttribute("aria-label");
      item.querySelector(".guess-mark").textContent = ok ? "✓" : "✗";
      item.querySelector(".guess-text").textContent = g.label;
    });
    const score = $("replay-score");
    score.textContent = f.guesses.length
      ? `${right} of ${f.guesses.length} right, each guessed by a network that never trained on it`
      : "";
    score.dataset.right = String(right);
  }
}
