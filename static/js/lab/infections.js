// Demo 3, next-day infections: the demo's linear model (its documented 0.749 after 100 passes)
// beside a small tanh network, their loss curves and predictions against the table, and what
// normalisation and the initial weights change.

import { $ } from "../ui.js";
import { fitCanvas, palette } from "../canvas.js";
import { fields, lossChart, showState } from "./demo.js";
import { formatLoss, formatRate, scheduler } from "./plot.js";
import { LiveRun } from "./run.js";

const WHY = {
  raw: "Raw inputs run up to 12, so a step that is small for one weight is huge for another: the linear model diverges above a rate of about 0.01, and the tanh units saturate (their slope vanishes) unless the rate is tiny. The tanh net needs thousands of passes.",
  normalised:
    "Mapped onto [−1, 1], every input has the same scale and the tanh units work in their steep middle: both models take a rate of 0.1, 100 to 500 times larger, and the tanh net fits the four rows in about a hundred passes. Losses and predictions are still in the table's units.",
  zeros:
    " From all-zero weights every hidden unit computes the same thing and receives the same update; with tanh they output 0 and pass no gradient at all, so only the output bias learns. The linear model has no hidden units: it learns from zero as from anywhere.",
  auto: " Random (Glorot) weights break the symmetry: each hidden unit starts different and learns something else.",
  demo: "",
};

/**
 * @param {HTMLElement} panel
 * @param {import("./demo.js").LabUi} ui
 */
export function infectionsDemo(panel, ui) {
  const rows = $("inf-rows");
  const fitted = $("inf-fit");
  const chart = lossChart($("inf-loss"));
  const normalize = $("inf-normalize");
  const init = $("inf-init");
  const pause = $("inf-pause");
  const why = $("inf-why");
  const draw = scheduler(render);
  let linear = null;
  let tanh = null;

  function bodies() {
    const norm = normalize.checked;
    return {
      linear: { task: "infections", normalize: norm, init: init.value },
      tanh: {
        task: "infections",
        hidden_layers: [3],
        activation: "tanh",
        normalize: norm,
        init: init.value === "demo" ? "auto" : init.value,
      },
    };
  }

  const field = fields(panel);
  function onRun() {
    const a = linear && linear.run;
    const b = tanh && tanh.run;
    const lead = a || b;
    if (!lead) return;
    panel.dataset.runId = a ? a.id : "";
    panel.dataset.tanhRunId = b ? b.id : "";
    field("iteration", Math.max(a ? a.iteration : 0, b ? b.iteration : 0).toLocaleString("en"));
    field("loss-linear", a ? formatLoss(a.loss) : "—");
    field("loss-tanh", b ? formatLoss(b.loss) : "—");
    const reference = a && a.reference;
    const epoch = reference && reference.epoch_error;
    field("reference", epoch === null || epoch === undefined ? "after 100 passes…" : epoch.toFixed(3));
    const note = field("documented", "");
    if (reference && reference.documented !== null && epoch !== null && epoch !== undefined) {
      const match = Number(epoch.toFixed(3)) === reference.documented;
      note.textContent = `the demo documented ${reference.documented}${match ? " ✓" : ""}`;
      note.dataset.match = String(match);
    } else if (reference && reference.documented === null) {
      note.textContent = "(the documented 0.749 is for the demo's own settings)";
      note.dataset.match = "false";
    }
    field("rates", `rates: linear ${formatRate(a ? a.learning_rate : NaN)} · tanh net ${formatRate(b ? b.learning_rate : NaN)}`);
    const running = (a && a.state === "running") || (b && b.state === "running");
    showState(panel, pause, running ? "running" : "paused", running ? "training" : "paused");
    fillTable(lead, a, b);
    draw();
  }

  function fillTable(lead, a, b) {
    const cell = (run, i) => {
      const v = run && run.predictions[i] ? run.predictions[i][0] : null;
      return v === null || v === undefined ? "—" : v.toFixed(2);
    };
    const trs = lead.inputs.map(([today, countries], i) => {
      const tr = document.createElement("tr");
      for (const text of [today, countries, lead.targets[i][0], cell(a, i), cell(b, i)]) {
        const td = document.createElement("td");
        td.textContent = String(text);
        tr.append(td);
      }
      return tr;
    });
    rows.replaceChildren(...trs);
  }

  function render() {
    const colors = palette();
    const a = linear && linear.run;
    const b = tanh && tanh.run;
    const lines = [];
    if (a) lines.push({ points: a.history, color: "--lab-linear" });
    if (b) lines.push({ points: b.history, color: "--lab-tanh" });
    chart.setLines(lines);
    drawFit(a || b, a, b, colors);
  }

  function drawFit(lead, a, b, colors) {
    const f = fitCanvas(fitted);
    if (!f || !lead) return;
    const { ctx, width, height } = f;
    const pad = { l: 34, r: 10, t: 10, b: 24 };
    const w = width - pad.l - pad.r;
    const h = height - pad.t - pad.b;
    const values = lead.targets.map((t) => t[0]);
    for (const run of [a, b]) if (run) for (const p of run.predictions) if (Number.isFinite(p[0])) values.push(p[0]);
    const top = Math.max(5, Math.ceil(Math.max(...values) / 5) * 5);
    const bottom = Math.min(0, Math.floor(Math.min(...values) / 5) * 5);
    const toY = (v) => pad.t + ((top - Math.max(bottom, Math.min(top, v))) / (top - bottom)) * h;
    const n = lead.targets.length;
    const toX = (i) => pad.l + ((i + 0.5) / n) * w;
    ctx.font = `11px ${colors.font}`;
    ctx.strokeStyle = colors.css.border;
    ctx.fillStyle = colors.css.muted;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    for (let v = bottom; v <= top; v += 5) {
      const y = Math.round(toY(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(pad.l, y);
      ctx.lineTo(pad.l + w, y);
      ctx.stroke();
      ctx.fillText(String(v), pad.l - 6, y);
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "top";
    lead.inputs.forEach(([today, countries], i) => ctx.fillText(`${today}, ${countries}`, toX(i), pad.t + h + 6));
    lead.targets.forEach((t, i) => {
      ctx.lineWidth = 2;
      ctx.strokeStyle = colors.css.target;
      ctx.beginPath();
      ctx.arc(toX(i), toY(t[0]), 7, 0, Math.PI * 2);
      ctx.stroke();
    });
    const marks = [
      [a, colors.css.linear, -10, "dot"],
      [b, colors.css.tanh, 10, "diamond"],
    ];
    for (const [run, color, dx, shape] of marks) {
      if (!run) continue;
      ctx.fillStyle = color;
      run.predictions.forEach((p, i) => {
        if (!Number.isFinite(p[0])) return;
        const x = toX(i) + dx;
        const y = toY(p[0]);
        ctx.beginPath();
        if (shape === "dot") ctx.arc(x, y, 4.5, 0, Math.PI * 2);
        else {
          ctx.moveTo(x, y - 5.5);
          ctx.lineTo(x + 5.5, y);
          ctx.lineTo(x, y + 5.5);
          ctx.lineTo(x - 5.5, y);
          ctx.closePath();
        }
        ctx.fill();
      });
    }
  }

  function explain() {
    why.textContent = (normalize.checked ? WHY.normalised : WHY.raw) + WHY[init.value];
  }

  normalize.addEventListener("change", () => restart());
  init.addEventListener("change", () => restart());
  pause.addEventListener("click", () => {
    const runs = [linear, tanh].filter((r) => r && r.run);
    if (!runs.length) return;
    const running = runs.some((r) => r.run.state === "running");
    for (const r of runs) r.patch({ running: !running }).catch(ui.error);
  });
  $("inf-reset").addEventListener("click", () => restart());

  function restart() {
    ui.problem(null);
    stop();
    return start();
  }

  function start() {
    explain();
    const b = bodies();
    const callbacks = { onRun, onProblem: ui.problem, onConnection: ui.connection };
    linear = new LiveRun(b.linear, callbacks);
    tanh = new LiveRun(b.tanh, callbacks);
    return Promise.all([linear.start(), tanh.start()]);
  }

  function stop(options) {
    for (const run of [linear, tanh]) if (run) run.close(options);
    linear = tanh = null;
  }

  return { start, stop, redraw: draw };
}
