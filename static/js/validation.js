// Validation: the accuracy figure with its interval, the confusion matrix (a click on a cell shows
// its samples), and which gallery thumbnails were recognised wrong. With cross-fitting every
// drawing is answered by the network that never saw it ("out-of-fold"); else a share is held out.

import { paintGrid } from "./grid.js";
import { $, el } from "./ui.js";

/** 0.9166 -> "91.7%", 1 -> "100%". */
export function formatPercent(share) {
  const p = share * 100;
  const text = Number.isInteger(Math.round(p * 10) / 10) ? String(Math.round(p)) : p.toFixed(1);
  return `${text}%`;
}

/** The server's reason for having no validation, as a sentence for the page. */
export function plainNote(note) {
  const text = String(note || "").trim().replace(/^no validation:\s*/i, "");
  if (!text) return "";
  if (/fraction 0|validation is off/i.test(text)) return "Not measured: the validation share is 0 (see Settings).";
  if (/no samples/i.test(text)) return "Not measured: there are no samples yet.";
  const few = /needs at least (\d+) samples of every label;?\s*(.*)$/i.exec(text);
  if (few) {
    const who = few[2] ? ` (${few[2].replace(/'([^']*)'/g, "“$1”")})` : "";
    return `Not measured: every label needs ${few[1]} samples or more to hold some out${who}.`;
  }
  return `Not measured: ${text}${/[.!]$/.test(text) ? "" : "."}`;
}

/** How a validation's drawings were kept from training, as a word before "sample(s)". */
function heldWord(validation) {
  return validation.cross_fitted ? "out-of-fold" : "held-out";
}

/** Per misclassified sample id: the thumbnail's title, with what it was recognised as (from the
 * validation's answers; a model trained before those were kept says only "wrong"). */
export function flaggedSamples(validation, samples) {
  const flags = new Map();
  if (!validation) return flags;
  const by = validation.cross_fitted ? "By the network that never saw it" : "Held out";
  const as = new Map((validation.held_out || []).map((h) => [h.id, h.recognised]));
  const present = new Set(samples.map((s) => s.id));
  for (const id of validation.misclassified) {
    if (present.has(id)) flags.set(id, as.has(id) ? `${by}, recognised as “${as.get(id)}”` : `${by}, recognised wrong`);
  }
  return flags;
}

/** An interval [low, high] as "72-94%" (whole percents, widened outwards so it still holds). */
export function formatInterval(interval) {
  const [low, high] = interval;
  return `${Math.floor(low * 100)}-${Math.ceil(high * 100)}%`;
}

// An interval wider than this (in accuracy) says little: the page asks for more drawings.
const WIDE = 0.2;

/** What the accuracy was measured on, in words: "on 50 drawings, each answered by a network
 * that never saw it" (cross-fitted), "on 10 held-out drawings", or (null: live) "on 50 drawings". */
function measuredOn(n, crossFitted) {
  const drawings = `${n.toLocaleString()} ${crossFitted === false ? "held-out " : ""}drawing${n === 1 ? "" : "s"}`;
  return crossFitted ? `on ${drawings}, each answered by a network that never saw it` : `on ${drawings}`;
}

/** The validation stat beside the MSE: live accuracy while training, the kept model's after;
 * each with its 95% interval and how many drawings it rests on. */
export function renderAccuracy(summary, status, ran) {
  const value = $("val-accuracy");
  const note = $("val-note");
  const running = ran && ["running", "stopping"].includes(status.state);
  const model = summary ? summary.model : null;
  let shown = null; // {accuracy, interval, samples, crossFitted, live}
  let why = null;
  if (running) {
    if (Number.isFinite(status.validation_accuracy) && status.validation_interval) {
      shown = { accuracy: status.validation_accuracy, interval: status.validation_interval,
        samples: status.validation_samples, crossFitted: null, live: true };
    } else {
      why = status.validation_note;
    }
  } else {
    const validation = (ran && status.validation) || (model && model.trained ? model.validation : null);
    if (validation) {
      shown = { accuracy: validation.accuracy, interval: validation.interval, samples: validation.samples,
        crossFitted: Boolean(validation.cross_fitted), live: false };
    }
    why = (ran && status.validation_note) || (model && model.validation_note);
  }
  if (!shown) {
    value.textContent = "—";
    delete value.dataset.value;
    note.textContent = why ? plainNote(why) : "";
    return;
  }
  const { accuracy, interval, samples } = shown;
  value.textContent = interval ? `${formatPercent(accuracy)} (${formatInterval(interval)})` : formatPercent(accuracy);
  value.dataset.value = String(accuracy);
  let words = measuredOn(samples, shown.crossFitted) + (shown.live ? ", this pass" : "");
  if (interval && interval[1] - interval[0] > WIDE) words += ". A wide range: add more drawings to know better";
  note.textContent = `${words}.`;
}

// --- the confusion matrix --------------------------------------------------------------------

// What is shown: the validation's identity, the picked cell [i, j], and what to draw it with.
const state = { key: "", cell: null, samples: [], gridSize: 12, onShow: (_id) => {} };

/** Show the model's confusion matrix (or why there is none); `samples` feed the thumbnails and
 * `onShow(id)` points at one of them in the galleries. */
export function renderConfusion(model, samples, gridSize, onShow) {
  Object.assign(state, { samples, gridSize, onShow });
  const card = $("validation-card");
  card.hidden = !(model && model.trained);
  if (card.hidden) return;
  const validation = model.validation;
  $("confusion-note").textContent = validation ? "" : plainNote(model.validation_note) || "Not measured for this model.";
  $("confusion-note").hidden = Boolean(validation);
  $("confusion-wrap").hidden = !validation;
  if (!validation) return;
  $("confusion-kind").textContent = validation.cross_fitted
    ? "each drawing as recognised by a network that never trained on it"
    : "held-out samples the model never trained on";
  const key = JSON.stringify([validation.labels, validation.confusion, validation.misclassified]);
  if (key !== state.key) state.cell = null;
  state.key = key;
  drawTable(validation);
}

function drawTable(validation) {
  const { labels } = validation;
  const table = $("confusion");
  table.dataset.size = String(labels.length);
  const head = el("tr", {},
    el("th", { class: "corner", scope: "col" }, el("span", {}, "drawn ↓"), el("span", {}, "recognised →")),
    ...labels.map((label) => el("th", { scope: "col", class: "col-head", title: label }, label)));
  const rows = labels.map((label, i) =>
    el("tr", {},
      el("th", { scope: "row", class: "row-head", title: label }, label),
      ...labels.map((_, j) => cell(validation, i, j))));
  const scroller = table.parentElement; // keeps its place while the cells are rebuilt
  const [left, top] = [scroller.scrollLeft, scroller.scrollTop];
  table.replaceChildren(el("thead", {}, head), el("tbody", {}, ...rows));
  scroller.scrollLeft = left;
  scroller.scrollTop = top;
  if (state.cell) showCell(validation, ...state.cell);
  else $("confusion-detail").hidden = true;
}

function cell(validation, i, j) {
  const n = validation.confusion[i][j];
  const row = validation.confusion[i];
  const allRight = row.every((m, k) => k === i || m === 0);
  const kind = i === j ? (allRight ? "diag" : "diag short") : n > 0 ? "miss" : "zero";
  const attrs = { class: `cell ${kind}`, "data-row": i, "data-col": j, "data-count": n };
  if (n === 0 && i !== j) return el("td", attrs, el("span", { class: "cell-value" }, "0"));
  const drawn = validation.labels[i];
  const words = i === j
    ? `${n} ${heldWord(validation)} sample${n === 1 ? "" : "s"} of “${drawn}” recognised right`
    : `${n} ${heldWord(validation)} sample${n === 1 ? "" : "s"} of “${drawn}” recognised as “${validation.labels[j]}”`;
  const picked = Boolean(state.cell && state.cell[0] === i && state.cell[1] === j);
  const button = el("button", { type: "button", class: "cell-value", title: words, "aria-label": words,
    "aria-pressed": picked ? "true" : "false" }, String(n));
  button.addEventListener("click", () => {
    state.cell = picked ? null : [i, j];
    drawTable(validation);
    const again = /** @type {HTMLElement | null} */ (document.querySelector(`#confusion td[data-row="${i}"][data-col="${j}"] button`));
    if (again) again.focus({ preventScroll: true });
  });
  return el("td", attrs, button);
}

function showCell(validation, i, j) {
  const { labels, confusion } = validation;
  const drawn = labels[i];
  const held = confusion[i].reduce((a, b) => a + b, 0);
  const text = $("confusion-detail-text");
  const list = $("confusion-thumbs");
  const detail = $("confusion-detail");
  detail.hidden = false;
  detail.dataset.row = String(i);
  detail.dataset.col = String(j);
  const n = confusion[i][j];
  const of = `of ${held} ${heldWord(validation)} sample${held === 1 ? "" : "s"} of “${drawn}”`;
  let words = `${n} ${of} ${n === 1 ? "was" : "were"} recognised ${i === j ? "right" : `as “${labels[j]}”`}`;
  // The cell's drawings: each answered sample says what it was recognised as.
  const answered = validation.held_out || [];
  const ids = new Set(answered.filter((h) => h.label === drawn && h.recognised === labels[j]).map((h) => h.id));
  const found = state.samples.filter((s) => ids.has(s.id));
  if (answered.length && n > found.length) words += `; ${n - found.length} of them no longer exist`;
  text.textContent = `${words}.`;
  const canvases = [];
  list.replaceChildren(...found.map((sample) => {
    const canvas = el("canvas", { class: "thumb", width: state.gridSize, height: state.gridSize });
    canvases.push([canvas, sample.grid]);
    const button = el("button", { type: "button", class: "thumb-show", title: "Show it among the samples",
      "aria-label": `${validation.cross_fitted ? "An" : "A"} ${heldWord(validation)} sample of ${drawn}: show it among the samples` }, canvas);
    button.addEventListener("click", () => state.onShow(sample.id));
    return el("li", { class: "thumb-item", "data-id": sample.id }, button);
  }));
  // Painted once attached: the colours come from the page's styles.
  for (const [canvas, grid] of canvases) paintGrid(canvas, grid, state.gridSize);
}
