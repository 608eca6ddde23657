// Demo 2, the circle that follows the mouse: the pointer's positions, normalised to [-1, 1]
// (y up), are posted as they come; the server trains online; a ring is drawn where the network
// maps the pointer. Choices: hidden layers and units, activation per layer, learning rate, bias,
// dropout, and a pre-train on generated points. The weights are drawn.

import { $ } from "../ui.js";
import { fitCanvas, rgba } from "../canvas.js";
import { fields, lossChart, refuseField, showState, singleRunDemo, sliderRate, wireRun } from "./demo.js";

const ACTIVATIONS = ["linear", "tanh", "sigmoid", "relu"];
const LABELS = { inputs: ["x", "y"], outputs: ["x′", "y′"] };
const FLUSH_MS = 50; // pointer samples go out at most 20 times a second, batched
const MAX_PENDING = 256;
const WHY = {
  linear:
    "Linear units: the identity is itself linear, so a linear network can be exact. It converges fastest, and a bias is not even needed.",
  tanh: "tanh is nearly linear around 0 but bends towards ±1, so points near the edges need ever larger weights: quick at first, slow at the end.",
  sigmoid:
    "Sigmoid outputs lie in (0, 1), centred on 0.5 and at most a quarter as steep: the next layer must undo the offset and the squashing. It learns slowly and stays curved; watch the ring lag near the edges.",
  relu: "ReLU is zero on half of its plane. A unit whose input is negative wherever the pointer goes gets no gradient and never recovers (a dead unit: its lines fade), leaving part of the square unmapped.",
};

/** "8, 4" -> [8, 4]; null when it is not 0-4 whole numbers of 1-32. */
export function parseLayers(text) {
  const parts = String(text).split(/[\s,;x×]+/).filter(Boolean);
  if (parts.length > 4) return null;
  const layers = parts.map(Number);
  return layers.every((n) => Number.isInteger(n) && n >= 1 && n <= 32) ? layers : null;
}

/**
 * @param {HTMLElement} panel
 * @param {import("./demo.js").LabUi} ui
 */
export function circleDemo(panel, ui) {
  const pad = $("circle-pad");
  const hint = $("circle-hint");
  const layersInput = /** @type {HTMLInputElement} */ ($("circle-layers"));
  const layersError = $("circle-layers-error");
  const acts = $("circle-acts");
  const rate = $("circle-rate");
  const rateOut = $("circle-rate-out");
  const bias = $("circle-bias");
  const dropout = $("circle-dropout");
  const dropoutOut = $("circle-dropout-out");
  const pause = $("circle-pause");
  const why = $("circle-why");
  let layers = [6];
  let pointer = null; // [x, y] in [-1, 1], y up: where the pointer is now
  let pending = [];
  let sending = false;
  let flushTimer = 0;

  function activations() {
    return [...acts.querySelectorAll("select")].map((s) => s.value);
  }

  function body() {
    return {
      task: "identity",
      hidden_layers: layers,
      activation: activations(),
      learning_rate: sliderRate(rate),
      bias: bias.checked,
      dropout: Number(dropout.value),
    };
  }

  function buildActivationPickers(previous = activations()) {
    acts.replaceChildren(
      ...layers.map((_, i) => {
        const select = document.createElement("select");
        select.setAttribute("aria-label", `Activation of hidden layer ${i + 1}`);
        for (const name of ACTIVATIONS) {
          const option = document.createElement("option");
          option.value = name;
          option.textContent = name;
          select.append(option);
        }
        select.value = previous[i] || previous[previous.length - 1] || "linear";
        select.addEventListener("change", () => restart());
        return select;
      })
    );
    if (!layers.length) acts.textContent = "none: a linear model";
    explain();
  }

  function explain() {
    const used = [...new Set(activations())];
    why.textContent = used.length ? used.map((name) => WHY[name]).join(" ") : WHY.linear;
  }

  const field = fields(panel);
  function onRun(run) {
    field("samples", run.inputs.length.toLocaleString("en")); // the pointer's, kept while pre-training
    const label = run.pretraining
      ? `pre-training ${run.pretraining.total - run.pretraining.left}/${run.pretraining.total}`
      : run.state === "running"
        ? run.inputs.length
          ? "training"
          : "waiting for the pointer"
        : "paused";
    showState(panel, pause, run.state, label);
    if (run.pointer) {
      pad.dataset.circleX = run.pointer.output[0].toFixed(4);
      pad.dataset.circleY = run.pointer.output[1].toFixed(4);
    } else {
      delete pad.dataset.circleX;
      delete pad.dataset.circleY;
    }
  }

  const demo = singleRunDemo(panel, ui, {
    body,
    prepare,
    onRun,
    drawFigure: drawPad,
    chart: lossChart($("circle-loss")),
    net: $("circle-net"),
    labels: LABELS,
  });
  const { live, redraw: draw } = demo;

  function drawPad(run, colors) {
    const f = fitCanvas(pad);
    if (!f) return;
    const { ctx, width, height } = f;
    const toX = (x) => ((x + 1) / 2) * width;
    const toY = (y) => ((1 - y) / 2) * height;
    ctx.fillStyle = colors.css.surface2;
    ctx.fillRect(0, 0, width, height);
    ctx.strokeStyle = colors.css.border;
    ctx.lineWidth = 1;
    for (const v of [-0.5, 0, 0.5]) {
      ctx.beginPath();
      ctx.moveTo(toX(v) + 0.5, 0);
      ctx.lineTo(toX(v) + 0.5, height);
      ctx.moveTo(0, toY(v) + 0.5);
      ctx.lineTo(width, toY(v) + 0.5);
      ctx.stroke();
    }
    hint.hidden = Boolean(pointer || (run && run.inputs.length));
    if (run) {
      ctx.fillStyle = rgba(colors.rgb.muted, 0.35);
      for (const [x, y] of run.inputs) ctx.fillRect(toX(x) - 1.5, toY(y) - 1.5, 3, 3);
      ctx.fillStyle = rgba(colors.rgb.accent, 0.55);
      for (const p of run.predictions) {
        if (p[0] === null || p[1] === null) continue;
        ctx.beginPath();
        ctx.arc(toX(p[0]), toY(p[1]), 2, 0, Math.PI * 2);
        ctx.fill();
      }
    }
    if (pointer) {
      ctx.strokeStyle = colors.css.text;
      ctx.lineWidth = 1.5;
      const [px, py] = [toX(pointer[0]), toY(pointer[1])];
      ctx.beginPath();
      ctx.moveTo(px - 9, py);
      ctx.lineTo(px + 9, py);
      ctx.moveTo(px, py - 9);
      ctx.lineTo(px, py + 9);
      ctx.stroke();
    }
    if (run && run.pointer && run.pointer.output.every(Number.isFinite)) {
      const [cx, cy] = [toX(run.pointer.output[0]), toY(run.pointer.output[1])];
      const r = Math.max(12, width / 22);
      ctx.lineWidth = 3;
      ctx.strokeStyle = colors.css.accent;
      ctx.fillStyle = rgba(colors.rgb.accent, 0.12);
      ctx.beginPath();
      ctx.arc(cx, cy, r, 0, Math.PI * 2);
      ctx.fill();
      ctx.stroke();
    }
  }

  // -- the pointer --------------------------------------------------------------------------

  function normalised(event) {
    const rect = pad.getBoundingClientRect();
    const x = ((event.clientX - rect.left) / rect.width) * 2 - 1;
    const y = 1 - ((event.clientY - rect.top) / rect.height) * 2;
    const clamp = (v) => Math.max(-1, Math.min(1, Number(v.toFixed(4))));
    return [clamp(x), clamp(y)];
  }

  function onPointer(event) {
    if (event.pointerType !== "mouse" && event.type === "pointermove" && event.buttons === 0) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [];
    for (const e of events.length ? events : [event]) pending.push(normalised(e));
    if (pending.length > MAX_PENDING) pending = pending.slice(-MAX_PENDING);
    pointer = pending[pending.length - 1];
    pad.dataset.pointerX = pointer[0].toFixed(4);
    pad.dataset.pointerY = pointer[1].toFixed(4);
    if (!flushTimer) flushTimer = setTimeout(flush, FLUSH_MS);
    draw();
  }

  async function flush() {
    flushTimer = 0;
    const current = live();
    if (sending || !pending.length || !current || !current.id) {
      if (pending.length) flushTimer = setTimeout(flush, FLUSH_MS);
      return;
    }
    const batch = pending;
    pending = [];
    sending = true;
    try {
      await current.samples(batch);
    } catch (error) {
      ui.error(error);
    } finally {
      sending = false;
    }
    if (pending.length && !flushTimer) flushTimer = setTimeout(flush, FLUSH_MS);
  }

  pad.addEventListener("pointermove", onPointer);
  pad.addEventListener("pointerdown", (event) => {
    if (event.pointerType !== "mouse") pad.setPointerCapture(event.pointerId);
    onPointer(event);
  });

  // -- the controls -------------------------------------------------------------------------

  layersInput.addEventListener("change", () => {
    const parsed = parseLayers(layersInput.value);
    if (!parsed) {
      refuseField(layersInput, layersError, "Hidden layers: up to 4 numbers of 1 to 32 units, e.g. 6 or 8, 4.");
      return;
    }
    refuseField(layersInput, layersError, null);
    layers = parsed;
    layersInput.value = layers.join(", ");
    buildActivationPickers();
    restart();
  });
  const showRate = wireRun(live, { rate, rateOut, pause }, ui);
  dropout.addEventListener("input", () => (dropoutOut.textContent = dropout.value));
  dropout.addEventListener("change", () => restart());
  bias.addEventListener("change", () => restart());
  $("circle-pretrain").addEventListener("click", () => live() && live().patch({ pretrain: true }).catch(ui.error));
  $("circle-reset").addEventListener("click", () => restart());

  function restart() {
    explain();
    pending = [];
    delete pad.dataset.circleX;
    delete pad.dataset.circleY;
    return demo.restart();
  }

  function prepare() {
    showRate();
    dropoutOut.textContent = dropout.value;
    if (!acts.children.length) buildActivationPickers(["linear"]);
  }

  return { start: demo.start, stop: demo.stop, redraw: demo.redraw };
}
