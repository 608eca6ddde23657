// The training panel: badge, buttons, live numbers (MSE and validation accuracy) and why it ended.

import { quoteList } from "./result.js";
import { $, formatCount, formatMse, setStat } from "./ui.js";
import { renderAccuracy } from "./validation.js";

/** A training under way: waiting for a slot, training, or stopping. */
export const ACTIVE = ["queued", "running", "stopping"];
const RUNNING = ["running", "stopping"];
const ENDED = ["finished", "stopped"]; // with a model saved (failed: none)

/** Is `next` news compared with `current`? Same job: only forward (queued -> running -> ended;
 * in the queue, only up the line). */
export function newer(next, current) {
  if (!current || next.job !== current.job) return !current || next.job > current.job;
  const rank = (s) => (s.state === "idle" ? 0 : s.state === "queued" ? 1 : RUNNING.includes(s.state) ? 2 : 3);
  if (rank(next) !== rank(current)) return rank(next) > rank(current);
  if (next.state === "queued") return (next.queue_position || 0) <= (current.queue_position || 0);
  return next.iterations >= current.iterations;
}

/** Waiting for a slot, or stopped (or cut short) before it got one: nothing was trained. */
export function waited(status) {
  return Boolean(status) && (status.state === "queued" || (!status.started_at && ["stopped", "failed"].includes(status.state)));
}

/** A run that has trained a pass: until then (waiting, just started, or ended at once because
 * the model already met the target) the model's figures and the last run's curve stay shown. */
function trainedSome(status) {
  return Boolean(status) && status.job > 0 && status.state !== "idle" && !waited(status) && status.iterations > 0;
}

/** The run ended and saved its model, which the summary (asked for again at the end) may not
 * know yet: a summary whose model predates the run is older news than the run. */
function savedByRun(summary, status) {
  if (!trainedSome(status) || !ENDED.includes(status.state)) return false;
  const model = summary ? summary.model : null;
  return !(model && model.trained) || Date.parse(model.trained_at || "") < Date.parse(status.started_at || "");
}

/** Train when the model already met the target: it ended at once, having trained nothing. */
function alreadyMet(status) {
  const target = status ? status.target_mse : null;
  return Boolean(status) && status.state === "finished" && status.iterations === 0
    && (status.outcome === "target_mse reached"
      || (Number.isFinite(target) && status.mse_current !== null && status.mse_current <= target));
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 22nd, 101st, 111th. */
export function ordinal(n) {
  const teen = Math.floor(n / 10) % 10 === 1;
  const suffix = teen ? "th" : ({ 1: "st", 2: "nd", 3: "rd" })[n % 10] || "th";
  return `${n}${suffix}`;
}

/** Where a queued training stands, in a sentence. */
export function queueText(status) {
  const place = Number.isInteger(status.queue_position) ? `, ${ordinal(status.queue_position)} in line` : "";
  return `Queued${place}: it starts when a training slot frees up.`;
}

const REASONS = {
  finished: "Finished",
  stopped: "Stopped",
  failed: "Failed",
};

/** One of: queued, training, stopping, failed, stale, trained, none. */
export function panelState(summary, status) {
  if (status && status.state === "queued") return "queued";
  if (status && RUNNING.includes(status.state)) return status.state === "running" ? "training" : "stopping";
  if (status && status.state === "failed") return "failed";
  if (savedByRun(summary, status)) return "trained";
  if (summary && summary.model.trained) return summary.model.stale ? "stale" : "trained";
  return "none";
}

const BADGES = {
  queued: "Queued",
  training: "Training…",
  stopping: "Stopping…",
  failed: "Training failed",
  stale: "Out of date",
  trained: "Trained",
  none: "Not trained",
};

/** Why a training finished: the server's `outcome`, else its own numbers. */
function ending(status) {
  const outcome = status.outcome || "";
  if (/^validation/.test(outcome)) return `: ${outcome}`;
  const target = status.target_mse;
  if (target !== null && target !== undefined && status.mse_current !== null && status.mse_current <= target) {
    return `: reached the target MSE of ${target}`;
  }
  if (status.max_iterations && status.iterations >= status.max_iterations) return " (the limit)";
  return "";
}

/** Update the training panel from the recognizer summary and the latest training status. */
export function renderTraining(summary, status, busy) {
  const state = panelState(summary, status);
  const badge = $("train-state");
  badge.textContent = BADGES[state];
  badge.dataset.state = state;
  document.body.dataset.training = state;

  const labelled = summary ? summary.labels.filter((l) => l.samples > 0).length : 0;
  const active = ["queued", "training", "stopping"].includes(state);
  $("train").disabled = busy || active || labelled < 2;
  $("stop").disabled = state !== "training" && state !== "queued";
  $("export-model").disabled = !(summary && summary.model.trained);
  $("export-onnx").disabled = $("export-model").disabled;
  $("export-app").disabled = $("export-model").disabled;
  $("import-model").disabled = active;

  let hint = "";
  const missing = summary ? summary.model.missing_labels || [] : [];
  if (state === "queued") hint = queueText(status);
  else if (!active && labelled < 2) hint = "Add samples of at least two labels to train.";
  else if (state === "stale" && missing.length) hint = `The model doesn't know ${quoteList(missing)} yet: train again.`;
  else if (state === "stale") hint = "Samples changed since the last training: train again.";
  else if (state === "none") hint = "Ready to train.";
  $("train-hint").textContent = hint;

  const ran = trainedSome(status);
  const model = summary ? summary.model : null;
  if (ran) {
    setStat($("mse-initial"), formatMse(status.mse_initial), status.mse_initial);
    setStat($("mse-current"), formatMse(status.mse_current), status.mse_current);
    setStat($("iterations"), formatCount(status.iterations), status.iterations);
  } else if (model && model.trained) {
    setStat($("mse-initial"), "—", null);
    setStat($("mse-current"), formatMse(model.mse), model.mse);
    setStat($("iterations"), formatCount(model.iterations), model.iterations);
  } else {
    for (const id of ["mse-initial", "mse-current", "iterations"]) setStat($(id), "—", null);
  }
  renderAccuracy(summary, status, ran);
  renderProgress(status, ran);
  $("mse-note").textContent = mseNote(model, status, ran);

  let reason = "";
  if (status && status.state === "stopped" && waited(status)) reason = "Stopped before it started: nothing was trained.";
  else if (status && status.state === "failed") reason = `Training failed: ${status.error || "unknown error"}.`;
  else if (alreadyMet(status)) reason = ""; // said below, with a lower target to go on to
  else if (ran && REASONS[status.state]) {
    reason = `${REASONS[status.state]} after ${formatCount(status.iterations)} iterations`;
    if (status.state === "finished") reason += ending(status);
    else if (status.outcome && status.outcome !== "stopped") reason += `: ${status.outcome}`; // not Stop: why
    reason += ".";
  } else if (status && RUNNING.includes(status.state) && status.reason) {
    reason = `${status.reason.charAt(0).toUpperCase()}${status.reason.slice(1)}.`;
  } else if (model && model.trained && model.trained_at) {
    reason = `Model trained ${new Date(model.trained_at).toLocaleString()}.`;
  }
  $("train-reason").textContent = reason;
  renderAlreadyMet(status);
}

/** Train with the target already met trained nothing: say so, and offer a lower target. */
function renderAlreadyMet(status) {
  const met = alreadyMet(status);
  $("train-more").hidden = !met;
  if (!met) return;
  const target = status.target_mse;
  const lower = Number(((target > 0 ? target : status.mse_current) / 10).toPrecision(2));
  $("train-more-text").textContent = `The model already meets the target MSE of ${Number(target.toPrecision(3))} `
    + `(its MSE is ${formatMse(status.mse_current)}), so nothing was trained.`;
  const button = $("train-more-go");
  button.textContent = `Continue to MSE ${lower}`;
  button.dataset.target = String(lower);
}

/** The learning curve: the whole history a status carries (a page opened mid-run draws it from
 * the start), else the points as they come. */
export function plot(chart, status, previous = null) {
  if (!trainedSome(status)) return; // nothing to draw yet: the last run's curve stays
  const history = status.history || [];
  if (history.length) chart.setHistory(history);
  else if (RUNNING.includes(status.state) || ENDED.includes(status.state)) {
    const fresh = !previous || previous.job !== status.job || !trainedSome(previous); // nothing drawn of it yet
    if (fresh || !chart.points.length) {
      if (fresh) chart.reset();
      chart.add(0, status.mse_initial);
    }
    chart.add(status.iterations, status.mse_current, status.validation_accuracy);
  } else return;
  chart.setTarget(status.target_mse);
}

/** 0.8 s, 12 s, 2:05 min. */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return "";
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const whole = Math.round(s);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, "0")} min`;
}

/** What the numbers mean: the original design's MSE, and where this run started from. */
function mseNote(model, status, ran) {
  let note = "MSE: the squared error summed over the outputs, averaged over the samples, so it can exceed 1.";
  if (ran && status.resumed === true) note += " MSE Initial is the start of this run, continued from the trained model.";
  else if (ran && status.resumed === false) note += " MSE Initial is the start of this run, a new network.";
  else if (ran) note += " MSE Initial is the start of this run.";
  else if (model && model.trained) note += " MSE Current is the trained model's.";
  return note;
}

/** How far the run has come: iterations of the limit, time, and the target it stops at. */
function renderProgress(status, ran) {
  const box = $("train-progress");
  box.hidden = !ran || !Number.isInteger(status.iterations);
  if (box.hidden) return;
  const limit = status.max_iterations;
  const done = status.iterations;
  const bar = /** @type {HTMLProgressElement} */ (document.getElementById("progress-bar"));
  bar.max = limit || 1;
  bar.value = limit ? Math.min(done, limit) : 0;
  bar.hidden = !limit;
  const count = $("progress-count");
  count.textContent = limit
    ? `${formatCount(done)} of ${formatCount(limit)} iterations`
    : `${formatCount(done)} iterations`;
  count.dataset.done = String(done);
  count.dataset.limit = limit ? String(limit) : "";
  const start = Date.parse(status.started_at || "");
  const end = RUNNING.includes(status.state) ? Date.now() : Date.parse(status.finished_at || "");
  const elapsed = Number.isFinite(start) && Number.isFinite(end) ? formatDuration(Math.max(0, end - start)) : "";
  $("progress-time").textContent = elapsed ? `${elapsed} ${RUNNING.includes(status.state) ? "so far" : "in all"}` : "";
  const target = status.target_mse;
  $("progress-target").textContent = Number.isFinite(target) && target > 0
    ? `stops at MSE ${Number(target.toPrecision(3))} (dashed)`
    : "no target MSE";
}

/** "Continue to MSE x": put the lower target in the settings and train with it. */
export function wireTrainMore(train) {
  $("train-more-go").addEventListener("click", () => {
    $("target_mse").value = $("train-more-go").dataset.target;
    train();
  });
}
