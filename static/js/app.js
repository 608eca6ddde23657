// Wiring: the one `app` object holds the page's state; each action calls the API and renders.

import { carryOverSavedToken, showAccess, wireAccess } from "./access.js";
import { showRecognizer, wantedRecognizer, wireHistory } from "./address.js";
import { createApi, listen } from "./api.js";
import { LossChart } from "./chart.js";
import { deleteWithUndo, organizer, wireRecognizerDialog } from "./edits.js";
import { NetworkView } from "./network.js";
import { checker } from "./checker.js";
import { paintGrid, wireRepaint } from "./grid.js";
import { wireLearned } from "./learned.js";
import { Pad, TOO_SMALL, tooSmall } from "./pad.js";
import { Replay } from "./replay.js";
import { renderResult } from "./result.js";
import { markNewLabel, pointAt, renderGalleries, showAdded } from "./samples.js";
import { buildSettings, showLimitDefaults, showLimits, showNetwork, wireSettings } from "./settings.js";
import { wireKeyboard, wirePadFocus } from "./shortcuts.js";
import { trainer } from "./trainer.js";
import { newer, plot, renderTraining, wireTrainMore } from "./training.js";
import { wireTransfer } from "./transfer.js";
import { $, dismissNotice, el, notify, saved } from "./ui.js";
import { flaggedSamples, renderConfusion } from "./validation.js";

const app = {
  api: createApi(),
  name: null, // the recognizer in use
  summary: null,
  samples: [],
  status: null, // the latest training status
  stream: null,
  pad: null,
  chart: null,
  net: null, // the network card
  replay: null, // the last training's replay (under the chart)
  busy: false, // a Train request is on its way
  adding: false, // an Add sample request is on its way
  settingsDirty: false,
  checks: null, // the preview and Check (checker.js)
  training: null, // Train, Stop and the training events (trainer.js)
  freshSample: null,
};
const path = (suffix = "") => `recognizers/${encodeURIComponent(app.name)}${suffix}`;
const gridSize = () => (app.summary ? app.summary.grid_size : 12);
// The grid mode of the recognizer's samples and model; the preview follows it.
const antialias = () => Boolean(app.summary && app.summary.network.antialias);

/** Tell the person what went wrong. Only their own actions may move the focus (to the token
 * field on a 401): a background request must not pull the caret out of what they type. */
function fail(error, background = false) {
  notify(error.message || String(error), "error");
  if (error.status === 401) {
    $("settings").open = true;
    if (!background) $("api-token").focus();
  }
}

// --- rendering -------------------------------------------------------------------------------

function render() {
  renderTraining(app.summary, app.status, app.busy);
  const summary = app.summary;
  const labels = summary ? summary.labels.map((l) => l.label) : [];
  const model = summary ? summary.model : null;
  const validation = model && model.trained ? model.validation : null;
  const shown = renderGalleries($("galleries"), labels, app.samples, gridSize(), {
    fresh: app.freshSample,
    flags: flaggedSamples(validation, app.samples),
    onPick: (label) => {
      $("label").value = label;
      $("label").focus();
    },
    onDelete: (sample, button) => deleteWithUndo(manage, sample, button),
    onMove: (sample, n) => app.organize.moveSample(sample, n),
    onRename: (label) => app.organize.renameLabel(label),
    onDeleteLabel: (label) => app.organize.deleteLabel(label),
  });
  markNewLabel(labels);
  $("samples-empty").hidden = shown > 0;
  $("sample-total").textContent = String(app.samples.length);
  $("label-list").replaceChildren(...labels.map((label) => el("option", { value: label })));
  $("grid-size").textContent = `${gridSize()} × ${gridSize()}`;
  renderConfusion(model, app.samples, gridSize(), (id) => pointAt($("galleries"), id));
  renderPadState();
}

function renderPadState() {
  const empty = app.pad.empty;
  $("undo").disabled = empty;
  $("clear").disabled = empty;
  const trained = Boolean(app.summary && app.summary.model.trained);
  $("check").disabled = empty || !trained;
  $("check-why").hidden = trained;
  $("check-why").textContent = trained ? "" : "Check works once a model is trained: add samples of two labels or more, then Train.";
  $("pad-hint").hidden = !empty;
}

// --- recognizers -----------------------------------------------------------------------------

async function loadRecognizers(wanted) {
  const list = await app.api.get("recognizers");
  const names = list.map((r) => r.name);
  $("recognizer").replaceChildren(...names.map((name) => el("option", { value: name }, name)));
  const name = names.includes(wanted) ? wanted : names.includes("default") ? "default" : names[0];
  if (wanted && name !== wanted) notify(`There is no recognizer “${wanted}”; showing “${name}”.`);
  return name;
}

/** Show recognizer `name`; `how` it goes in the address ("push": the person picked it). */
async function useRecognizer(name, how = "replace") {
  if (app.stream) app.stream.close();
  app.name = name;
  app.status = null;
  app.samples = [];
  app.summary = null;
  app.settingsDirty = false;
  $("recognizer").value = name;
  showRecognizer(name, how);
  showLimits(name);
  app.training.showError(null);
  app.chart.reset();
  app.net.reset();
  app.replay.reset();
  renderResult(null);
  await Promise.all([refreshSummary(), refreshSamples()]);
  app.checks.preview();
  app.stream = listen(path("/training/events"), ["status", "progress", "done"], app.training.onTraining,
    onConnection);
}

async function refreshSummary() {
  const name = app.name;
  const summary = await app.api.get(path());
  if (name !== app.name) return; // the person switched recognizers meanwhile
  const regridded = app.summary && app.summary.network.antialias !== summary.network.antialias;
  app.summary = summary;
  if (newer(summary.training, app.status)) {
    app.status = summary.training;
    plot(app.chart, app.status);
  }
  app.net.training(app.status);
  app.net.model(summary.model);
  app.replay.training(app.status);
  app.replay.model(summary.model);
  if (!app.settingsDirty) showNetwork(summary.network);
  render();
  if (regridded) {
    // Training with another grid mode drew every sample again: new thumbnails and preview.
    app.checks.preview();
    await refreshSamples();
  }
}

async function refreshSamples() {
  const name = app.name;
  const samples = await app.api.get(path("/samples"));
  if (name !== app.name) return;
  app.samples = samples;
  render();
  app.replay.samplesChanged();
}

function onConnection(state) {
  $("connection").hidden = state !== "down";
  if (state === "up") {
    app.status = null; // a restarted server counts its trainings from 0 again
    // Messages about the outage are over (the preview needs no server: it went on meanwhile).
    if ($("notice-text").textContent.startsWith("Can't reach the server")) dismissNotice();
    Promise.all([refreshSummary(), refreshSamples()]).catch(fail);
  }
}

// --- drawing, preview and check --------------------------------------------------------------

function onPadChange(reason) {
  renderPadState();
  app.checks.preview();
  if (app.pad.empty) {
    renderResult(null);
    app.net.showPath(null);
  } else {
    $("result").classList.add("outdated");
    app.net.outdated();
  }
  const model = app.summary && app.summary.model.trained;
  if (reason !== "clear" && !app.pad.empty && model && $("auto-check").checked) app.checks.check(true);
}

// --- samples ---------------------------------------------------------------------------------

async function addSample() {
  const label = $("label").value.trim();
  if (!label) {
    notify("Type a label first: what did you draw?", "error");
    $("label").focus();
    return;
  }
  if (app.pad.empty) {
    notify(`Draw something first, then add it as “${label}”.`, "error");
    return;
  }
  if (tooSmall(app.pad)) {
    notify(TOO_SMALL, "error");
    return;
  }
  if (app.adding) return; // Enter pressed twice: one sample
  app.adding = true;
  $("add-sample").disabled = true;
  const strokes = app.pad.data();
  try {
    const sample = await app.api.post(path("/samples"), { label, strokes });
    app.samples.push(sample);
    app.freshSample = sample.id;
    // Clear the pad for the next one, unless the person went on drawing meanwhile.
    if (app.pad.strokes.length === strokes.length) app.pad.clear();
    const count = app.samples.filter((s) => s.label === sample.label).length;
    notify(`Added a sample of “${sample.label}”: ${count} of this label, ${app.samples.length} in all.`);
    await refreshSummary();
    showAdded($("galleries"), sample.id);
  } catch (error) {
    fail(error);
  } finally {
    app.adding = false;
    $("add-sample").disabled = false;
  }
}

const manage = {
  api: app.api,
  path,
  fail,
  samples: () => app.samples,
  removed: (id) => {
    app.samples = app.samples.filter((s) => s.id !== id);
    return refreshSummary();
  },
  added: (sample) => {
    app.samples = [...app.samples, sample].sort((a, b) => a.id - b.id); // a restored one: its place
    app.freshSample = sample.id;
    refreshSummary().catch(fail);
  },
};

// --- start -----------------------------------------------------------------------------------

function wire() {
  $("undo").addEventListener("click", () => app.pad.undo());
  $("clear").addEventListener("click", () => app.pad.clear());
  $("check").addEventListener("click", () => app.checks.check());
  $("sample-form").addEventListener("submit", (event) => {
    event.preventDefault();
    addSample();
  });
  wirePadFocus($("pad"));
  $("label").addEventListener("input", () => markNewLabel(app.summary ? app.summary.labels.map((l) => l.label) : []));
  $("train").addEventListener("click", app.training.train);
  wireTrainMore(app.training.train);
  app.organize = organizer({
    ...manage,
    name: () => app.name,
    refresh: () => Promise.all([refreshSummary(), refreshSamples()]),
    switchTo: async (name) => useRecognizer(await loadRecognizers(name)),
  });
  $("stop").addEventListener("click", app.training.stop);
  wireTransfer({ api: app.api, name: () => app.name, path, refreshSummary, refreshSamples, fail });
  $("notice-close").addEventListener("click", dismissNotice);
  $("recognizer").addEventListener("change", () => useRecognizer($("recognizer").value, "push").catch(fail));
  wireHistory((name) => loadRecognizers(name).then((shown) => useRecognizer(shown)).catch(fail), () => app.name);
  $("auto-check").checked = saved.get("hwr.autoCheck", "") === "1";
  $("auto-check").addEventListener("change", () => {
    const on = $("auto-check").checked;
    saved.set("hwr.autoCheck", on ? "1" : "");
    if (on) app.checks.check(true);
  });
  wireAccess(boot);
  wireSettings(() => (app.settingsDirty = true));
  wireKeyboard({
    undo: () => app.pad.undo(),
    clear: () => app.pad.clear(),
    check: () => app.checks.check(),
    toggleTraining: app.training.toggle,
    addSample,
  });
  wireRecognizerDialog(app.api, async (name) => {
    await loadRecognizers(name);
    await useRecognizer(name, "push");
    notify(`Created “${name}”. Draw and add samples to teach it.`);
  });
  wireRepaint(() => {
    app.pad.redraw();
    app.chart.draw();
    app.net.draw();
  });
}

async function boot() {
  const wanted = wantedRecognizer();
  try {
    await carryOverSavedToken();
    const health = app.api.get("health"); // the training defaults, asked for alongside
    buildSettings(await app.api.get("settings"));
    await useRecognizer(await loadRecognizers(wanted));
    showAccess(await health);
    showLimitDefaults((await health).training_defaults);
    document.body.dataset.ready = "true";
  } catch (error) {
    fail(error);
    if (error.status !== 401) setTimeout(boot, 3000); // else boot again once signed in
  }
}

app.pad = new Pad($("pad"), onPadChange);
app.chart = new LossChart($("chart"), $("chart-legend"));
app.net = new NetworkView(app.api, path, gridSize);
const learned = wireLearned({ net: app.net, frame0: () => app.replay.frame(0), samples: () => app.samples, gridSize });
app.replay = new Replay({ api: app.api, path, chart: app.chart, net: app.net, samples: () => app.samples, gridSize,
  onRecording: (has) => learned.recording(has) });
app.training = trainer(app, { path, refreshSummary, fail });
app.checks = checker({ api: app.api, pad: app.pad, net: app.net, path, gridSize, antialias, fail });
wire();
paintGrid($("preview"), null, 12, true);
render();
boot();
