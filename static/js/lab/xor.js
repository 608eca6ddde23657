// Demo 1, XOR: the output over the input square bending into the checkerboard, the loss, a
// learning-rate slider on a log scale (PATCHed while it trains), pause, step, reset and seed.

import { $ } from "../ui.js";
import { fitCanvas, palette } from "../canvas.js";
import { drawLive, fields, lossChart, sliderRate, wireRun } from "./demo.js";
import { formatLoss, formatRate, heatmap, scheduler } from "./plot.js";
import { LiveRun } from "./run.js";

const LABELS = { inputs: ["x", "y"], outputs: ["x xor y"] };

export function xorDemo(panel, ui) {
  const boundaryCanvas = $("xor-boundary");
  const chart = lossChart($("xor-loss"));
  const netCanvas = $("xor-net");
  const rate = $("xor-rate");
  const rateOut = $("xor-rate-out");
  const pause = $("xor-pause");
  const step = $("xor-step");
  const seed = $("xor-seed");
  let live = null;

  const learningRate = () => sliderRate(rate);
  const seedValue = () => Math.max(0, Math.min(999999, Math.round(Number(seed.value) || 0)));
  const body = () => ({ task: "xor", learning_rate: learningRate(), seed: seedValue() });
  const draw = scheduler(render);

  const field = fields(panel);
  function onRun(run) {
    panel.dataset.runId = run.id;
    panel.dataset.iteration = String(run.iteration);
    panel.dataset.learningRate = String(run.learning_rate);
    field("iteration", run.iteration.toLocaleString("en"));
    field("loss", formatLoss(run.loss));
    field("learning_rate", formatRate(run.learning_rate));
    const state = panel.querySelector(".lab-state");
    state.dataset.state = run.state;
    state.textContent = run.state === "running" ? "training" : run.message ? "stopped" : "paused";
    pause.textContent = run.state === "running" ? "Pause" : "Resume";
    step.disabled = run.state === "running";
    if (run.message) ui.problem(run.message, null, "warn");
    draw();
  }

  function render() {
    const run = live && live.run;
    const colors = palette();
    drawBoundary(run, colors);
    drawLive(run, chart, netCanvas, LABELS);
  }

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

  const showRate = wireRun(() => live, { rate, rateOut, pause }, ui);
  step.addEventListener("click", () => live && live.patch({ step: 1 }).catch(ui.error));
  $("xor-reset").addEventListener("click", () => restart());
  $("xor-new-seed").addEventListener("click", () => {
    seed.value = String(Math.floor(Math.random() * 10000));
    restart();
  });
  seed.addEventListener("change", () => {
    seed.value = String(seedValue());
    restart();
  });

  function restart() {
    ui.problem(null);
    delete panel.dataset.runId; // until the new run answers
    delete panel.dataset.iteration;
    if (!live) return start();
    return live.restart(body());
  }

  function start() {
    showRate();
    if (!live) live = new LiveRun(body(), { onRun, onProblem: ui.problem, onConnection: ui.connection });
    else live.body = body();
    return live.start();
  }

  function stop(options) {
    if (live) live.close(options);
  }

  return { start, stop, redraw: draw };
}
