// What the lab's demos share: a panel's shown numbers and state, a refused field, the
// learning-rate slider on a log scale (PATCHed to the run while it trains) and the Pause button,
// each demo's loss chart, and the life and display of a demo that trains one run at a time.

import { palette } from "../canvas.js";
import { LossChart } from "../chart.js";
import { drawRun, formatLoss, formatRate, scheduler } from "./plot.js";
import { LiveRun } from "./run.js";

/**
 * What main.js lends each demo: the page's message line and its connection badge.
 * @typedef {object} LabUi
 * @property {(text: string | null, again?: (() => void) | null, kind?: string) => void} problem
 * @property {(error: any) => void} error
 * @property {(up: boolean) => void} connection
 */

/** `field(name, text)`: show `text` in the panel's [data-field=name]; returns that node. */
export function fields(panel) {
  return (name, text) => {
    const node = panel.querySelector(`[data-field="${name}"]`);
    if (node) node.textContent = text;
    return node;
  };
}

/**
 * Refuse `input` as the main page refuses its fields: aria-invalid, `message` in `note` beside it
 * (first in its aria-describedby), the caret in it. A null message lifts the refusal.
 * @param {HTMLInputElement} input
 * @param {HTMLElement} note
 * @param {string | null} message
 */
export function refuseField(input, note, message) {
  const others = (input.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== note.id);
  note.textContent = message || "";
  note.hidden = !message;
  input.setAttribute("aria-describedby", (message ? [note.id, ...others] : others).join(" "));
  if (!message) {
    input.removeAttribute("aria-invalid");
    return;
  }
  input.setAttribute("aria-invalid", "true");
  input.focus();
}

/** The learning rate a log-scale slider (value: log10 of the rate) shows, to 2 digits. */
export const sliderRate = (slider) => Number((10 ** Number(slider.value)).toPrecision(2));

/**
 * Moving the slider shows the rate at once and PATCHes it to `live()` 80 ms after the last
 * move; Pause pauses or resumes the run. Returns `showRate()`.
 * @param {() => import("./run.js").LiveRun | null} live
 */
export function wireRun(live, { rate, rateOut, pause }, ui) {
  let timer = 0;
  const showRate = () => (rateOut.textContent = formatRate(sliderRate(rate)));
  rate.addEventListener("input", () => {
    showRate();
    clearTimeout(timer);
    timer = setTimeout(() => live() && live().patch({ learning_rate: sliderRate(rate) }).catch(ui.error), 80);
  });
  pause.addEventListener("click", () => {
    const run = live();
    if (run && run.run) run.patch({ running: run.run.state !== "running" }).catch(ui.error);
  });
  return showRate;
}

/** A demo's loss chart: passes on x, the loss on a log scale. */
export const lossChart = (canvas) => new LossChart(canvas, null, { unit: "passes" });

/**
 * The panel's state badge (`state` styles it, `label` says it) and the Pause button, which names
 * what a click does.
 * @param {HTMLElement} panel
 * @param {HTMLElement} pause
 * @param {string} state
 * @param {string} label
 */
export function showState(panel, pause, state, label) {
  const badge = /** @type {HTMLElement} */ (panel.querySelector(".lab-state"));
  badge.dataset.state = state;
  badge.textContent = label;
  pause.textContent = state === "running" ? "Pause" : "Resume";
}

/**
 * A demo that trains one run at a time (XOR, the circle): the run's life, and what such a panel
 * shows of each state: its id and pass in the panel's dataset (the tests follow them), the pass
 * and loss fields, the server's warning, the loss chart and the network. The demo brings the
 * run's `body()`, `prepare()` for its controls before each start, `onRun(run)` for the rest of a
 * state, and `drawFigure(run, colors)` for its own figure (run null until the first state).
 * @param {HTMLElement} panel
 * @param {LabUi} ui
 * @param {{body: () => object, prepare: () => void, onRun: (run: any) => void,
 *   drawFigure: (run: any, colors: import("../canvas.js").Palette) => void, chart: LossChart,
 *   net: HTMLCanvasElement, labels: {inputs: string[], outputs: string[]}}} demo
 */
export function singleRunDemo(panel, ui, demo) {
  const field = fields(panel);
  const draw = scheduler(render);
  /** @type {LiveRun | null} */
  let live = null;

  function render() {
    const run = live && live.run;
    demo.drawFigure(run, palette());
    demo.chart.setLines(run ? [{ points: run.history, color: "--accent" }] : []);
    drawRun(demo.net, run, demo.labels);
  }

  function onRun(run) {
    panel.dataset.runId = run.id;
    panel.dataset.iteration = String(run.iteration);
    field("iteration", run.iteration.toLocaleString("en"));
    field("loss", formatLoss(run.loss));
    demo.onRun(run);
    if (run.message) ui.problem(run.message, null, "warn");
    draw();
  }

  function start() {
    demo.prepare();
    if (!live) live = new LiveRun(demo.body(), { onRun, onProblem: ui.problem, onConnection: ui.connection });
    else live.body = demo.body();
    return live.start();
  }

  /** A new run with the current settings. */
  function restart() {
    ui.problem(null);
    delete panel.dataset.runId; // until the new run answers
    delete panel.dataset.iteration;
    if (!live) return start();
    return live.restart(demo.body());
  }

  /** @param {{keepalive?: boolean}} [options] */
  function stop(options) {
    if (live) live.close(options);
  }

  return { start, restart, stop, redraw: draw, live: () => live };
}
