// The training panel and the Check result: badges, numbers, buttons and confidence bars.

import { $, el, formatCount, formatMse, setStat } from "./ui.js";

export const ACTIVE = ["running", "stopping"];

const REASONS = {
  finished: "Finished",
  stopped: "Stopped",
  failed: "Failed",
};

/** One of: training, stopping, failed, stale, trained, none. */
export function panelState(summary, status) {
  if (status && ACTIVE.includes(status.state)) return status.state === "running" ? "training" : "stopping";
  if (status && status.state === "failed") return "failed";
  if (summary && summary.model.trained) return summary.model.stale ? "stale" : "trained";
  return "none";
}

const BADGES = {
  training: "Training…",
  stopping: "Stopping…",
  failed: "Training failed",
  stale: "Out of date",
  trained: "Trained",
  none: "Not trained",
};

/** Why a training finished, from its own numbers. */
function ending(status) {
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
  const active = state === "training" || state === "stopping";
  $("train").disabled = busy || active || labelled < 2;
  $("stop").disabled = state !== "training";
  $("export-model").disabled = !(summary && summary.model.trained);
  $("import-model").disabled = active;

  let hint = "";
  if (!active && labelled < 2) hint = "Add samples of at least two labels to train.";
  else if (state === "stale") hint = "Samples changed since the last training: train again.";
  else if (state === "none") hint = "Ready to train.";
  $("train-hint").textContent = hint;

  const ran = status && status.job > 0 && status.state !== "idle";
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

  let reason = "";
  if (ran && status.state === "failed") reason = `Training failed: ${status.error || "unknown error"}.`;
  else if (ran && REASONS[status.state]) {
    reason = `${REASONS[status.state]} after ${formatCount(status.iterations)} iterations`;
    if (status.state === "finished") reason += ending(status);
    reason += ".";
  } else if (ran && status.reason) {
    reason = `${status.reason.charAt(0).toUpperCase()}${status.reason.slice(1)}.`;
  } else if (model && model.trained && model.trained_at) {
    reason = `Model trained ${new Date(model.trained_at).toLocaleString()}.`;
  }
  $("train-reason").textContent = reason;
}

/** Show a Check result: the label large and one bar per label, highest first. */
export function renderResult(result) {
  const label = $("result-label");
  const bars = $("bars");
  $("result").classList.remove("outdated");
  if (!result) {
    label.textContent = "?";
    label.dataset.empty = "true";
    $("result-note").textContent = "Draw, then Check.";
    bars.replaceChildren();
    return;
  }
  label.textContent = result.label;
  label.dataset.empty = "false";
  const top = result.confidences[0] ? result.confidences[0].confidence : 0;
  $("result-note").textContent = `${Math.round(top * 100)}% confident`;
  bars.replaceChildren(
    ...result.confidences.map(({ label: name, confidence }, i) => {
      const fill = el("span", { class: "bar-fill" });
      fill.style.width = `${Math.max(0, Math.min(1, confidence)) * 100}%`;
      return el(
        "li",
        { class: i === 0 ? "bar top" : "bar", "data-confidence": confidence },
        el("span", { class: "bar-label" }, name),
        el("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        el("span", { class: "bar-value" }, `${Math.round(confidence * 100)}%`),
      );
    }),
  );
}
