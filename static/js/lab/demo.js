// What the lab's demos share: a panel's shown numbers, a refused field, the learning-rate slider
// on a log scale (PATCHed to the run while it trains) and the Pause button, and each demo's loss
// chart.

import { LossChart } from "../chart.js";
import { drawRun, formatRate } from "./plot.js";

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

/** A run's loss curve on `chart`, its network on `canvas` (inputs, outputs named by `labels`). */
export function drawLive(run, chart, canvas, labels) {
  chart.setLines(run ? [{ points: run.history, color: "--accent" }] : []);
  drawRun(canvas, run, labels);
}

/** A demo's loss chart: passes on x, the loss on a log scale. */
export const lossChart = (canvas) => new LossChart(canvas, null, { unit: "passes" });
