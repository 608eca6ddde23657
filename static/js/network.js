// The network card: the live network and the hidden units' maps, fetched from
// GET .../network about 4-5 times a second while a training runs and the card is on screen
// (never in a hidden tab), once to show the saved model when idle; a replay's frame when the
// replay pins one (replay.js); and a Check's path.

import { addPlay } from "./forward.js";
import { drawNetwork } from "./netdraw.js";
import { $, el, formatCount } from "./ui.js";
import { drawUnitMaps, renderPath } from "./units.js";

const PERIOD_MS = 200;
const EMPTY = "Train to see the network here: its units and strongest connections, live while it learns."; // the server refreshes its snapshot at most every 200 ms
const TOP_K = 4; // connections drawn into each unit

/** base64 of int8 -> Float32Array of weights (int8 * scale / 127). */
export function decodeWeights(b64, scale) {
  const bytes = atob(b64);
  const out = new Float32Array(bytes.length);
  const k = scale / 127;
  for (let i = 0; i < bytes.length; i += 1) {
    const c = bytes.charCodeAt(i);
    out[i] = (c > 127 ? c - 256 : c) * k;
  }
  return out;
}

/** The API's snapshot, with its layers decoded and its output units named. */
export function decodeSnapshot(data) {
  const layers = data.layers.map((layer) => ({
    rows: layer.shape[0],
    cols: layer.shape[1],
    W: decodeWeights(layer.weights, layer.scale),
  }));
  const outputs = data.sizes[data.sizes.length - 1];
  const names = [...data.labels];
  if (data.background) names.push("none");
  while (names.length < outputs) names.push(`output ${names.length + 1}`);
  const biases = data.layers.map((layer) => layer.bias || null);
  return { ...data, layers, biases, names: names.slice(0, outputs) };
}

/** Which model a summary's `model` is: a new key for every training or import ("" for none). */
export const modelKey = (model) =>
  model && model.trained ? `${model.trained_at}|${model.iterations}|${model.labels}` : "";

/** What a Check's path takes from a snapshot: the output names and the ensemble's size. */
const pathKey = (net) => (net ? `${net.members}|${net.names.join("\n")}` : "");

export class NetworkView {
  /** `path(suffix)` -> the recognizer's API path; `gridSize()` -> its grid size.
   * @param {ReturnType<typeof import("./api.js").createApi>} api
   * @param {(suffix: string) => string} path
   * @param {() => number} gridSize */
  constructor(api, path, gridSize) {
    this.api = api;
    this.path = path;
    this.gridSize = gridSize;
    this.card = $("network-card");
    this.canvas = $("net");
    this.maps = $("units");
    this.member = 0;
    this.net = null; // the decoded snapshot on screen
    this.result = null; // the latest Check with activations
    this.marked = null; // first-layer units that fired most on it
    this.active = false; // a training runs
    this.dirty = true; // something new to fetch even when idle
    this.visible = false;
    this.inflight = false;
    this.timer = 0;
    this.frames = 0; // pictures painted
    this.snapshots = 0; // new snapshots received
    this.modelKey = "";
    this.generation = 0; // bumped on every recognizer switch: late answers are dropped
    this.ready = false; // a recognizer is chosen
    this.pinned = false; // a replay frame is on screen instead of the live or saved network
    /** The first layer as the unit maps show it (learned.js: the change since the start), the
     * unit picked on them, and what follows a new picture (its favourite drawings).
     * @type {{layer: (net: any) => any, selected: () => number | null, drawn: (net: any) => void} | null} */
    this.lens = null;    new IntersectionObserver((entries) => {
      this.visible = entries.some((e) => e.isIntersecting);
      this.pump();
    }).observe(this.card);
    document.addEventListener("visibilitychange", () => this.pump());
    $("net-member").addEventListener("change", () => {
      this.member = Number($("net-member").value) || 0;
      this.pinned = false;
      this.refetch();
    });
    $("net-unpin").addEventListener("click", () => this.unpin());
    const resized = new ResizeObserver(() => this.draw());
    resized.observe(this.canvas);
    resized.observe(this.maps);
  }

  /** A new recognizer: forget what was shown. */
  reset() {
    this.generation += 1;
    clearTimeout(this.timer);
    Object.assign(this, { timer: 0, net: null, raw: "", member: 0, active: false, dirty: true, modelKey: "",
      hasModel: null, ready: true, pinned: false });
    this.showPath(null);
    this.show(null, "");
  }

  /** Follow a training status: poll while it runs, fetch the model once when it ends. */
  training(status) {
    const active = Boolean(status) && ["queued", "running", "stopping"].includes(status.state);
    if (active === this.active) return;
    this.active = active;
    if (active) this.pinned = false; // a live run is followed as it learns
    if (!active) {
      this.dirty = true;
      // A run that ended well saved a model: show it without waiting for the summary.
      if (["finished", "stopped"].includes(status && status.state)) this.hasModel = true;
    }
    this.pump();
  }

  /** Follow the recognizer's model: a new one (trained, imported) is fetched once. */
  model(model) {
    const key = modelKey(model) || "none";
    this.hasModel = Boolean(model && model.trained);
    if (key === this.modelKey) return;
    this.modelKey = key;
    this.dirty = true;
    this.pump();
  }

  /** Show a replay frame's decoded snapshot until unpin() (or a live run, or another member). */
  pin(net) {
    this.pinned = true;
    this.member = 0;
    this.show(net, "");
  }

  /** Back to the live or saved network. */
  unpin() {
    if (!this.pinned) return;
    this.pinned = false;
    this.raw = "";
    this.refetch();
  }

  refetch() {
    this.dirty = true;
    clearTimeout(this.timer);
    this.timer = 0;
    this.pump();
  }

  /** Fetch now if the card is on screen, the tab is shown, and there is news to fetch. */
  pump() {
    if (!this.ready || this.inflight || this.timer) return;
    if (!this.force && (!this.visible || document.visibilityState !== "visible")) return;
    if (!this.active && !this.dirty) return;
    if (!this.active && !this.hasModel) {
      // Nothing to show yet (and nothing to ask: the answer would be 409).
      if (this.hasModel === false) this.show(null, EMPTY);
      return;
    }
    this.fetch();
  }

  async fetch() {
    const generation = this.generation;
    const started = performance.now();
    this.inflight = true;
    this.dirty = false;
    this.force = false;
    let data = null;
    let failure = null;
    try {
      data = await this.api.get(this.path(`/network?member=${this.member}`));
    } catch (error) {
      failure = error;
    }
    this.inflight = false;
    if (generation !== this.generation) return this.pump();
    if (data) {
      // Redrawn only when something changed: the same weights make the same pictures.
      const raw = [data.source, data.job, data.iteration, data.member, data.members, ...data.layers.map((l) => `${l.scale}:${l.weights}`)].join("|");
      if (this.pinned) {
        // A replay frame stays on screen; the saved network is asked again on unpin().
      } else if (raw !== this.raw || !this.net) {
        this.raw = raw;
        this.snapshots += 1;
        this.card.dataset.snapshots = String(this.snapshots);
        this.show(decodeSnapshot(data), "");
      }
      // A snapshot of a training that has just ended: ask again for the saved model.
      if (!this.active && data.source === "training") this.dirty = true;
    } else if (failure.status === 409) {
      this.show(null, EMPTY);
    } else {
      this.show(this.net, `The network view is unavailable: ${failure.message}`);
      if (!this.active) this.dirty = false;
    }
    if (this.active || this.dirty) {
      const wait = failure && failure.status !== 409 ? 2000 : Math.max(30, PERIOD_MS - (performance.now() - started));
      this.timer = setTimeout(() => {
        this.timer = 0;
        this.pump();
      }, wait);
    }
  }

  /** Put a snapshot (or nothing, with a message) on screen. */
  show(net, message) {
    this.net = net;
    $("net-empty").textContent = message;
    $("net-empty").hidden = !message;
    $("net-body").hidden = !net;
    const source = $("net-source");
    source.dataset.source = net ? net.source : "";
    source.dataset.iteration = net ? String(net.iteration) : "";
    source.textContent = !net ? ""
      : net.source === "training" ? `Live: iteration ${formatCount(net.iteration)}`
        : net.source === "replay" ? `Replay: pass ${formatCount(net.iteration)} of the last training`
          : `The trained model${net.iteration ? `, ${formatCount(net.iteration)} iterations` : ""}`;
    $("net-unpin").hidden = !(net && net.source === "replay");
    this.members(net ? net.members : 1);
    if (this.result && net && pathKey(net) !== this.pathKey) this.renderPath();
    if (!net) return;
    const total = net.layers.reduce((sum, l) => sum + l.rows * l.cols, 0);
    const k = Math.min(TOP_K, ...net.layers.map((l) => l.rows));
    $("net-note").textContent = `Strongest ${k} incoming connections of each unit shown, of ${formatCount(total)}.`;
    const first = net.layers[0];
    const g = Math.round(Math.sqrt(first.rows));
    $("units-section").hidden = g * g !== first.rows || net.layers.length < 2;
    $("units-note").textContent = `One tile per hidden unit of the first layer: its ${formatCount(first.rows)} `
      + `incoming weights laid out as the ${g} × ${g} grid. Blue: ink there excites the unit; `
      + "orange: ink there holds it back. Each tile is scaled to its own largest weight.";
    this.draw();
  }

  /** The "network 1 of 3" selector, shown for an ensemble. */
  members(n) {
    const select = $("net-member");
    if (select.options.length !== n) {
      select.replaceChildren(...Array.from({ length: n }, (_, i) =>
        el("option", { value: i }, `network ${i + 1} of ${n}`)));
    }
    if (this.member >= n) this.member = 0;
    select.value = String(this.member);
    $("net-member-field").hidden = n < 2;
  }

  /** A Check's answer; its path through the network is shown when it carries activations. */
  showPath(result) {
    this.result = result && result.activations ? result : null;
    $("path").classList.remove("outdated");
    $("path-link").hidden = !this.result;
    this.renderPath();
    if (this.result && !this.net) {
      // The path names the outputs and the ensemble from a snapshot: fetch one now.
      this.dirty = true;
      this.force = true;
      this.pump();
    }
    this.draw();
  }

  /** The path of the latest Check, its outputs named after the snapshot on screen. */
  renderPath() {
    const net = this.net;
    this.pathKey = pathKey(net);
    this.marked = renderPath($("path"), this.result, net ? net.names : [], net ? net.members : null, this.gridSize());
    if (this.result) addPlay($("path"));
  }

  /** The drawing changed since the Check: its path is out of date. */
  outdated() {
    $("path").classList.add("outdated");
  }

  /** Paint the snapshot again (a new frame, a resize, a theme change). */
  draw() {
    const net = this.net;
    if (!net) return;
    const acts = this.result ? this.result.activations : null;
    const same = acts && acts.member === net.member && net.source === "model";
    const path = same ? { grid: this.result.grid, layers: acts.layers, outputs: acts.outputs } : null;
    $("legend-fired").hidden = !path;
    const drawn = drawNetwork(this.canvas, net, { k: TOP_K, path });
    if (drawn) this.canvas.dataset.connections = String(drawn);
    if (!$("units-section").hidden) {
      const layer = this.lens ? this.lens.layer(net) : net.layers[0];
      drawUnitMaps(this.maps, layer, same ? this.marked : null, this.lens ? this.lens.selected() : null);
      if (this.lens) this.lens.drawn(net);
    }
    this.frames += 1;
    this.card.dataset.frames = String(this.frames);
    this.card.dataset.iteration = String(net.iteration);
    this.card.dataset.source = net.source;
    this.card.dataset.member = String(net.member);
    this.card.dataset.job = String(net.job);
  }
}
