// The settings card. Its network and learning fields are built from the server's declaration
// (GET /api/settings: the settings' JSON schema and each preset's full values), so a setting
// added on the server shows here and goes with Train with no change to the page. The training
// limits (max iterations, target MSE) are the server's per-run defaults, from /api/health.

import { nameFields } from "./api.js";
import { control, describe, read, refuse, show } from "./fields.js";
import { $ } from "./ui.js";

/**
 * @typedef {import("./fields.js").Field} Field
 * @typedef {import("./fields.js").Property} Property
 * @typedef {{properties: Record<string, Property>, $defs?: Record<string, Property>}} Schema
 * @typedef {{network: Schema, presets: Record<string, Record<string, unknown>>}} Declaration
 */

// Layout only (what a field is comes from the schema): the fields that shape the network and
// its updates sit under Network; every other one, a new one too, under Learning.
const NETWORK = ["preset", "hidden_layers", "activation", "learning_rate", "momentum", "bias", "seed", "mode", "batch_size", "shuffle"];

/** @type {{fields: Field[], presets: Record<string, Record<string, unknown>>, preset: Field | null} | null} */
let form = null;

/** Build the network and learning fields from the server's declaration (once). */
export function buildSettings(declaration) {
  if (form) return;
  const { properties, $defs = {} } = declaration.network;
  const presets = declaration.presets;
  const fields = Object.entries(properties).map(([name, prop]) => describe(name, prop, $defs));
  // The field whose choices are the presets' names picks one: its null choice is "Custom".
  const preset = fields.find((f) => f.kind === "choice" && f.choices.some((c) => c !== null) &&
    f.choices.every((c) => c === null || Object.hasOwn(presets, String(c)))) || null;
  for (const [group, inGroup] of /** @type {[string, boolean][]} */ ([["network-fields", true], ["learning-fields", false]])) {
    const mine = fields.filter((f) => NETWORK.includes(f.name) === inGroup);
    // Switches last: they line up at the end of the grid, as one row of check boxes.
    mine.sort((a, b) => Number(a.kind === "switch") - Number(b.kind === "switch"));
    const legend = $(group).querySelector("legend");
    $(group).replaceChildren(legend, ...mine.map((f) => control(f, f === preset ? "Custom" : "none")));
  }
  nameFields(Object.fromEntries(fields.map((f) => [f.name, f.label])));
  form = { fields, presets, preset };
}

/** Fill the form from a recognizer's network settings. */
export function showNetwork(network) {
  if (!form) return;
  for (const field of form.fields) show(field, field.name in network ? network[field.name] : field.prop.default);
  syncMode();
}

/** Batch size only means something for mini-batch updates. */
function syncMode() {
  if ($("batch_size") && $("mode")) $("batch_size").disabled = $("mode").value !== "minibatch";
}

/** Picking a preset fills in its values; a value it leaves unset (null: a seed) stays. */
function applyPreset() {
  const values = form && form.presets[$(form.preset.name).value];
  if (!values) return;
  for (const field of form.fields) {
    if (field.name in values && (values[field.name] !== null || field === form.preset)) show(field, values[field.name]);
  }
  syncMode();
}

/** The network settings to send with Train: every field of the form; throws a Refusal. */
export function readNetwork() {
  /** @type {Record<string, unknown>} */
  const network = {};
  for (const field of form ? form.fields : []) {
    try {
      network[field.name] = read(field);
    } catch (error) {
      // A field the form disables (batch size in per-sample mode) is not asked for: a value
      // it cannot read goes as the default.
      if (!$(field.name).disabled) throw error;
      network[field.name] = field.prop.default;
    }
  }
  return network;
}

/** The field a refusal names: the page's own check, or the server's 422 on network.<name>. */
function refusedField(error) {
  if (error.field) return error.field;
  const detail = Array.isArray(error.detail) ? error.detail : [];
  const loc = detail.map((d) => d && d.loc).find((l) => Array.isArray(l) && l[1] === "network");
  return loc && $(String(loc[2])) ? String(loc[2]) : null;
}

/** Open the settings, mark the refused field (aria-invalid) and put the caret in it. */
export function showRefused(error) {
  const id = refusedField(error);
  if (!id) return;
  $("settings").open = true;
  $(id).setAttribute("aria-invalid", "true");
  $(id).focus();
}

/** Show the server's training defaults as the limit fields' values (when not set already). */
export function showLimitDefaults(defaults) {
  for (const key of ["max_iterations", "target_mse"]) {
    const field = $(key);
    const value = defaults ? defaults[key] : undefined;
    if (value != null && !field.value) field.value = String(value);
    // No server-wide target: each run stops when validation stops improving (classic: 0.01).
    field.placeholder = value === null ? "none" : "";
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
  $("settings-form").addEventListener("input", (e) => /** @type {Element} */ (e.target).removeAttribute("aria-invalid"));
  for (const fields of [$("network-fields"), $("learning-fields")]) {
    fields.addEventListener("input", (e) => {
      dirty();
      const preset = form && form.preset ? $(form.preset.name) : null;
      if (preset && e.target === preset) applyPreset();
      else if (preset) preset.value = "";
      syncMode();
    });
  }
}
