// The settings form: network settings and training limits <-> the JSON the API takes.

import { $ } from "./ui.js";

export const CLASSIC = {
  hidden_layers: [144],
  activation: "sigmoid",
  learning_rate: 0.3,
  momentum: 0,
  bias: false,
  mode: "classic",
  shuffle: false,
  loss: "squared_error",
  augmentation: "off",
  antialias: false,
  validation_split: 0,
  patience: 0,
  reject: false,
};

const NUMBER_FIELDS = ["learning_rate", "momentum", "batch_size", "validation_split", "patience"];
const CHOICES = ["activation", "mode", "loss", "augmentation"];
const SWITCHES = ["bias", "shuffle", "antialias", "reject"];

/** Fill the form from a recognizer's network settings. */
export function showNetwork(network) {
  $("preset").value = network.preset === "classic" ? "classic" : "";
  const hidden = network.hidden_layers || [];
  $("hidden_layers").value = hidden.length ? hidden.join(", ") : "0";
  for (const name of CHOICES) $(name).value = network[name];
  for (const name of NUMBER_FIELDS) $(name).value = String(network[name]);
  for (const name of SWITCHES) $(name).checked = Boolean(network[name]);
  $("seed").value = network.seed === null || network.seed === undefined ? "" : String(network.seed);
  syncMode();
}

/** Batch size only means something for mini-batch updates. */
export function syncMode() {
  $("batch_size").disabled = $("mode").value !== "minibatch";
}

/** Picking the classic preset fills in its fields (editing a field later leaves the preset). */
export function applyPreset() {
  if ($("preset").value !== "classic") return;
  const seed = $("seed").value.trim();
  showNetwork({ ...CLASSIC, preset: "classic", batch_size: $("batch_size").value, seed: seed || null });
}

/** A refused field: the error names it, so the page can mark and focus it. */
function refuse(id, message) {
  const error = new Error(message);
  error.field = id;
  return error;
}

function number(id, label) {
  const raw = $(id).value.trim();
  const value = Number(raw);
  if (raw === "" || !Number.isFinite(value)) throw refuse(id, `${label} must be a number.`);
  return value;
}

/** Open the settings, mark the refused field (aria-invalid) and put the caret in it. */
export function showRefused(error) {
  $("settings").open = true;
  if (!error.field) return;
  const field = $(error.field);
  field.setAttribute("aria-invalid", "true");
  field.focus();
}

/** The network settings to send with Train; throws an Error with a plain message. */
export function readNetwork() {
  const text = $("hidden_layers").value.trim();
  const parts = text === "" || text === "0" || /^none$/i.test(text) ? [] : text.split(/[\s,;x×]+/);
  const hidden = parts.filter(Boolean).map(Number);
  if (hidden.some((n) => !Number.isInteger(n) || n < 1 || n > 1024) || hidden.length > 8) {
    throw refuse("hidden_layers", "Hidden layers: up to 8 sizes between 1 and 1024, separated by commas (e.g. 64, 32).");
  }
  const seedText = $("seed").value.trim();
  if (seedText && !/^\d+$/.test(seedText)) throw refuse("seed", "Seed must be a whole number, or empty for a random start.");
  const share = number("validation_split", "Validation share");
  if (share < 0 || share > 0.5) throw refuse("validation_split", "Validation share must be between 0 and 0.5 (0.2 holds out a fifth).");
  const patience = number("patience", "Patience");
  if (!Number.isInteger(patience) || patience < 0) throw refuse("patience", "Patience must be a whole number of 0 or more.");
  let batch = Number($("batch_size").value);
  if ($("mode").value === "minibatch") {
    batch = number("batch_size", "Batch size");
    if (!Number.isInteger(batch) || batch < 1 || batch > 4096) {
      throw refuse("batch_size", "Batch size must be a whole number from 1 to 4096 (e.g. 32).");
    }
  } else if (!Number.isInteger(batch) || batch < 1) batch = 32; // not used by per-sample updates
  const network = {
    hidden_layers: hidden,
    activation: $("activation").value,
    learning_rate: number("learning_rate", "Learning rate"),
    momentum: number("momentum", "Momentum"),
    bias: $("bias").checked,
    mode: $("mode").value,
    batch_size: batch,
    shuffle: $("shuffle").checked,
    seed: seedText ? Number(seedText) : null,
    loss: $("loss").value,
    augmentation: $("augmentation").value,
    antialias: $("antialias").checked,
    validation_split: share,
    patience,
    reject: $("reject").checked,
  };
  network.preset = $("preset").value === "classic" ? "classic" : null;
  return network;
}

/** Show the server's training defaults as the limit fields' values (when not set already). */
export function showLimitDefaults(defaults) {
  for (const key of ["max_iterations", "target_mse"]) {
    const field = $(key);
    if (defaults && defaults[key] != null && !field.value) field.value = String(defaults[key]);
    field.placeholder = "";
  }
}

/** max_iterations and target_mse when given; empty fields mean the server's defaults. */
export function readLimits() {
  const limits = {};
  const iterations = $("max_iterations").value.trim();
  if (iterations) {
    const n = Number(iterations);
    if (!Number.isInteger(n) || n < 1) throw refuse("max_iterations", "Max iterations must be a whole number of 1 or more.");
    limits.max_iterations = n;
  }
  const target = $("target_mse").value.trim();
  if (target) {
    const t = Number(target);
    if (!Number.isFinite(t) || t < 0) throw refuse("target_mse", "Target MSE must be a number of 0 or more.");
    limits.target_mse = t;
  }
  return limits;
}

/** Editing a network or learning field marks the form dirty (`dirty()`) and leaves the preset. */
export function wireSettings(dirty) {
  $("settings-form").addEventListener("input", (e) => e.target.removeAttribute("aria-invalid"));
  for (const fields of [$("network-fields"), $("learning-fields")]) {
    fields.addEventListener("input", (e) => {
      dirty();
      if (e.target.id === "preset") applyPreset();
      else if ($("preset").value === "classic") $("preset").value = "";
      syncMode();
    });
  }
}
