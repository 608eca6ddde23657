// Train and Stop, and the training events: each moves the page's training state forward and
// draws it (training.js). Why Train was refused is said in the training card and at the field
// it is about, never in a toast over the chart.

import { keepLimits, readLimits, readNetwork, showRefused } from "./settings.js";
import { ACTIVE, newer, plot, renderTraining } from "./training.js";
import { $, notify } from "./ui.js";

/**
 * `app`: the page's state (app.js: name, api, summary, status, busy, settingsDirty, chart, net,
 * replay, pad, checks); `ctx`: path(suffix), refreshSummary(), fail(error).
 * Returns {onTraining(kind, status), train(), stop(), toggle(), showError(error)}.
 */
export function trainer(app, ctx) {
  const { path, refreshSummary, fail } = ctx;

  /** `status`, the first event of every connection, is the server's word as it stands;
   * `progress`, `done` and the answers to our own requests only ever move the state forward. */
  function onTraining(kind, status) {
    const previous = app.status;
    if (kind !== "status" && previous && !newer(status, previous)) return;
    plot(app.chart, status, previous);
    app.status = status;
    app.net.training(status);
    app.replay.training(status);
    renderTraining(app.summary, status, app.busy);
    const ended = !ACTIVE.includes(status.state) && status.state !== "idle";
    const wasActive = previous && previous.job === status.job && ACTIVE.includes(previous.state);
    if (kind === "done" || (ended && (wasActive || (previous && previous.job !== status.job)))) {
      // A failure is said in the training card (badge and reason), not in a toast.
      refreshSummary()
        .then(() => {
          if ($("auto-check").checked && !app.pad.empty) app.checks.check(true);
        })
        .catch(fail);
    }
  }

  /** Why Train was refused, beside it (null: nothing is wrong now). The field it is about, if
   * any, is marked and focused; a 401 asks for the token. */
  function showError(error) {
    $("train-error").hidden = !error;
    $("train-error").textContent = error ? error.message || String(error) : "";
    if (!error) return;
    if (error.status === 401) fail(error);
    else showRefused(error);
  }

  async function train() {
    showError(null); // a new try: the last refusal is over
    let limits;
    let body;
    try {
      limits = readLimits(); // empty fields are absent: the server's defaults
      body = { network: readNetwork(), ...limits }; // every setting, as the form shows it
    } catch (error) {
      showError(error);
      return;
    }
    app.busy = true;
    renderTraining(app.summary, app.status, app.busy);
    try {
      const status = await app.api.post(path("/training"), body);
      app.settingsDirty = false;
      keepLimits(app.name, limits);
      onTraining("answer", status);
    } catch (error) {
      showError(error);
    } finally {
      app.busy = false;
      renderTraining(app.summary, app.status, app.busy);
    }
  }

  async function stop() {
    try {
      onTraining("answer", await app.api.del(path("/training")));
    } catch (error) {
      fail(error);
    }
  }

  /** T: stop a training under way, else train (or say why it cannot). */
  function toggle() {
    const state = app.status ? app.status.state : "idle";
    if (state === "running" || state === "queued") stop();
    else if (!$("train").disabled) train();
    else if ($("train-hint").textContent) notify($("train-hint").textContent);
  }

  return { onTraining, train, stop, toggle, showError };
}
