// Demo 1, XOR: the output over the input square bending into the checkerboard, the loss, a
// learning-rate slider on a log scale (PATCHed while it trains), pause, step, reset and seed.

import { $ } from "../ui.js";
import { fitCanvas } from "../canvas.js";
import { fields, lossChart, showState, singleRunDemo, sliderRate, wireRun } from "./demo.js";
import { formatRate, heatmap } from "./plot.js";

const LABELS = { inputs: ["x", "y"], outputs: ["x xor y"] };

/**
 * @param {HTMLElement} panel
 * @param {import("./demo.js").LabUi} ui
 */
export function xorDemo(panel, ui) {
  const boundaryCanvas = $("xor-boundary");
  const rate = $("xor-rate");
  const rateOut = $("xor-rate-out");
  const pause = $("xor-pause");
  const step = $("xor-step");
  const seed = $("xor-seed");

  const seedValue = () => Math.max(0, Math.min(999999, Math.round(Number(seed.value) || 0)));
  const body = () => ({ task: "xor", learning_rate: sliderRate(rate), seed: seedValue() });

  const field = fields(panel);
  function onRun(run) {
    panel.dataset.learningRate = String(run.learning_rate);
    field("learning_rate", formatRate(run.learning_rate));
    showState(panel, pause, run.state, run.state === "running" ? "training" : run.message ? "stopped" : "paused");
    step.disabled = run.state === "running";
  }

  const demo = singleRunDemo(panel, ui, {
    body,
    prepare: () => showRate(),
    onRun,
    drawFigure: drawBoundary,
    chart: lossChart($("xor-loss")),
    net: $("xor-net"),
    labels: LABELS,
  });
  const { live, restart } = demo;

  function drawBoundary(run, colors) {
    const f = fitCanvas(boundaryCanvas);
    if (!f || !run) return;
    const { ctx } = f;
    // The points sit on the square's corners: a margin of one point around it keeps them whole.
    const r = Math.max(7, f.width / 34);
    const margin = { l: r + 18, b: r + 22, t: r + 3, r: r + 3 };
    const box = { x: margin.l, y: margin.t, w: f.width - margin.l - margin.r, h: f.height - margin.t - margin.b };
    const { toX, toY } = heatmap(ctx, box, run.boundary, colors);
    ctx.strokeStyle = colors.css.border;
    ctx.strokeRect(box.x + 0.5, box.y + 0.5, box.w - 1, box.h - 1);
    ctx.font = `12px ${colors.font}`;
    ctx.fillStyle = colors.css.muted;
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    for (const x of [0, 1]) ctx.fillText(String(x), toX(x), box.y + box.h + r + 5);
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (const y of [0, 1]) ctx.fillText(String(y), box.x - r - 5, toY(y));
    ctx.textAlign = "center";
    ctx.fillText("x", box.x + box.w / 2, box.y + box.h + r + 12);
    ctx.fillText("y", box.x - r - 9, box.y + box.h / 2);
    run.inputs.forEach(([x, y], i) => {
      const want = run.targets[i][0];
      const got = run.predictions[i] ? run.predictions[i][0] : null;
      ctx.beginPath();
      ctx.arc(toX(x), toY(y), r, 0, Math.PI * 2);
      ctx.fillStyle = want >= 0.5 ? colors.css.text : colors.css.surface;
      ctx.fill();
      ctx.lineWidth = 2.5;
      ctx.strokeStyle = colors.css.text;
      ctx.stroke();
      if (got !== null) {
        ctx.font = `600 13px ${colors.font}`;
        ctx.textAlign = x < 0.5 ? "left" : "right";
        ctx.textBaseline = y < 0.5 ? "bottom" : "top";
        const label = got.toFixed(2);
        const lx = toX(x) + (x < 0.5 ? r + 6 : -r - 6);
        const ly = toY(y) + (y < 0.5 ? -r - 2 : r + 2);
        ctx.lineWidth = 3;
        ctx.strokeStyle = colors.css.surface;
        ctx.strokeText(label, lx, ly);
        ctx.fillStyle = colors.css.text;
        ctx.fillText(label, lx, ly);
      }
    });
    boundaryCanvas.dataset.iteration = String(run.iteration);
  }

  const showRate = wireRun(live, { rate, rateOut, pause }, ui);
  step.addEventListener("click", () => live() && live().patch({ step: 1 }).catch(ui.error));
  $("xor-reset").addEventListener("click", () => restart());
  $("xor-new-seed").addEventListener("click", () => {
    seed.value = String(Math.floor(Math.random() * 10000));
    restart();
  });
  seed.addEventListener("change", () => {
    seed.value = String(seedValue());
    restart();
  });

  return { start: demo.start, stop: demo.stop, redraw: demo.redraw };
}
