// What the hidden units learned: the unit maps' "learned" view, each unit's incoming weights
// minus those at the run's start (the replay's frame 0), so a short run's structure stands out
// from the random start; and for a unit picked on the maps (click, or the arrow keys), the
// training drawings that excite it most, computed here from the network on screen.

import { paintGrid } from "./grid.js";
import { $, el } from "./ui.js";
import { tileColumns, unitAt } from "./units.js";

const TOP = 6; // drawings listed for a unit
const LEARNED = "Learned: each tile is what training changed, the unit's weights now minus those at "
  + "the run's start, scaled to its own largest change. Blue: grew; orange: fell.";

/** The hidden layers' activation functions, as app/nn/activations.py has them. */
const ACTIVATIONS = {
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: Math.tanh,
  relu: (z) => Math.max(0, z),
  linear: (z) => z,
};

/**
 * How strongly unit `u` of the first layer fires on each sample's grid g: act(g · W[:, u] + b[u]),
 * most first. `net`: a decoded snapshot (network.js decodeSnapshot).
 * @returns {{sample: any, value: number}[]}
 */
export function favourites(net, u, samples) {
  const { rows, cols, W } = net.layers[0];
  const bias = net.biases && net.biases[0] ? net.biases[0][u] : 0;
  const act = ACTIVATIONS[net.activations[0]] || ACTIVATIONS.linear;
  const out = [];
  for (const sample of samples) {
    const g = sample.grid;
    if (!g || g.length !== rows) continue;
    let z = bias;
    for (let i = 0; i < rows; i += 1) if (g[i]) z += g[i] * W[i * cols + u];
    out.push({ sample, value: act(z) });
  }
  return out.sort((a, b) => b.value - a.value || a.sample.id - b.sample.id);
}

/** Why the learned view cannot show the network on screen ("" when it can). */
function unusable(net, base) {
  if (net.source === "training") return "The learned view shows once this training ends.";
  if (net.member !== 0) return "The learned view is recorded for network 1 only: pick it above.";
  if (!base) return "Loading the start of the run…";
  if (base.layers[0].W.length !== net.layers[0].W.length) return "The start of the run has another shape.";
  return "";
}

/**
 * Wire the maps' view toggle and unit picking onto the network card `net` (a NetworkView);
 * `frame0()` -> a promise of the replay's first frame, decoded. Returns {recording(has)}: the
 * model has a recording (the learned view's start) or none.
 * @param {{net: import("./network.js").NetworkView, frame0: () => Promise<any>, samples: () => any[],
 *   gridSize: () => number}} ctx
 */
export function wireLearned({ net, frame0, samples, gridSize }) {
  let mode = "raw";
  let base = null; // frame 0, decoded
  let generation = 0; // bumped with every model: a late frame 0 of an older one is dropped
  let selected = null; // the unit picked on the maps
  let shownKey = ""; // the favourites listed: redrawn only when they change
  const diffs = new WeakMap(); // shown network -> its learned first layer
  const canvas = $("units");

  net.lens = {
    layer(shown) {
      const first = shown.layers[0];
      const why = mode === "learned" ? unusable(shown, base) : "";
      const learned = mode === "learned" && !why;
      canvas.dataset.view = learned ? "learned" : "raw";
      $("units-view-note").textContent = why || (learned ? LEARNED : "");
      $("units-view-note").hidden = mode !== "learned";
      if (!learned) return first;
      if (!diffs.has(shown)) {
        const start = base.layers[0].W;
        const W = Float32Array.from(first.W, (w, i) => w - start[i]);
        diffs.set(shown, { rows: first.rows, cols: first.cols, W });
      }
      return diffs.get(shown);
    },
    selected: () => selected,
    drawn: (shown) => listTop(shown),
  };

  function loadBase() {
    const asked = generation;
    frame0()
      .then((first) => {
        if (asked !== generation) return;
        base = first;
        net.draw();
      })
      .catch((error) => {
        if (asked === generation) $("units-view-note").textContent = `The start of the run is unavailable: ${error.message}`;
      });
  }

  for (const radio of document.querySelectorAll("input[name=units-view]")) {
    radio.addEventListener("change", () => {
      mode = $("units-view-learned").checked ? "learned" : "raw";
      if (mode === "learned" && !base) loadBase();
      net.draw();
    });
  }

  function pick(u) {
    selected = u;
    net.draw(); // outlines it, and lists its drawings (drawn)
  }

  canvas.addEventListener("click", (event) => {
    if (!net.net) return;
    const u = unitAt(canvas, net.net.layers[0].cols, event.offsetX, event.offsetY);
    if (u !== null) pick(u);
  });
  canvas.addEventListener("keydown", (event) => {
    if (!net.net) return;
    const n = net.net.layers[0].cols;
    const cols = tileColumns(n);
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -cols, ArrowDown: cols };
    if (event.key === "Escape" && selected !== null) pick(null);
    else if (event.key in moves) pick(selected === null ? 0 : Math.max(0, Math.min(n - 1, selected + moves[event.key])));
    else return;
    event.preventDefault();
  });

  /** The drawings that excite the picked unit most, in the network on screen. */
  function listTop(shown) {
    const box = $("unit-top");
    if (selected === null || selected >= shown.layers[0].cols) {
      box.hidden = true;
      shownKey = "";
      return;
    }
    const top = favourites(shown, selected, samples()).slice(0, TOP);
    box.hidden = false;
    box.dataset.unit = String(selected);
    $("unit-top-title").textContent = top.length
      ? `Unit ${selected + 1} fires most on these drawings (of this network):`
      : `Unit ${selected + 1}: no drawings to try it on.`;
    const key = `${selected}|${top.map((t) => t.sample.id).join(",")}`;
    const list = $("unit-top-list");
    if (key !== shownKey) {
      shownKey = key;
      const size = gridSize();
      const thumbs = [];
      list.replaceChildren(...top.map(({ sample }) => {
        const thumb = el("canvas", { class: "thumb", width: size, height: size, "aria-hidden": "true" });
        thumbs.push([thumb, sample.grid]);
        return el("li", { class: "unit-fav", "data-id": sample.id }, thumb,
          el("span", { class: "unit-fav-label", title: sample.label }, sample.label), el("span", { class: "unit-fav-value" }));
      }));
      for (const [thumb, grid] of thumbs) paintGrid(thumb, grid, size);
    }
    top.forEach(({ sample, value }, i) => {
      const item = /** @type {HTMLElement} */ (list.children[i]);
      item.dataset.value = String(value);
      item.setAttribute("aria-label", `A drawing of “${sample.label}”: the unit fires ${value.toFixed(2)}`);
      item.querySelector(".unit-fav-value").textContent = value.toFixed(2);
    });
  }

  return {
    /** The model has a recording (`has`), or none: the learned view is offered only with one. */
    recording(has) {
      generation += 1;
      base = null;
      $("units-view-learned").disabled = !has;
      $("units-view-learned").title = has ? "" : "Needs a training recorded on this page's server: train to see it";
      if (!has) {
        mode = "raw";
        $("units-view-raw").checked = true;
      } else if (mode === "learned") loadBase();
      net.draw();
    },
  };
}
