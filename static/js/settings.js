// The settings card. Its network and learning fields are built from the server's declaration
// (GET /api/settings: the settings' JSON schema and each preset's full values), so a setting
// added on the server shows here and goes with Train with no change to the page. The training
// limits (max iterations, target MSE): empty means the server's per-run default (from
// /api/health, shown as the placeholder); what Train sent is kept per recognizer.

import { describeDetail, nameFields } from "./api.js";
import { clearInvalid, control, describe, markInvalid, read, refuse, show } from "./fields.js";
import { $, saved } from "./ui.js";

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

/** The settings field a server's 422 item is about: `loc` ["body", "network", name, ...] or
 * ["body", name] (a training limit); null for anything else. */
function fieldOf(item) {
  const path = (item && Array.isArray(item.loc) ? item.loc : []).filter((p) => p !== "body" && typeof p === "string");
  const name = path[0] === "network" ? path[1] : path[0];
  const node = name ? document.getElementById(name) : null;
  return node && node.closest("#settings-form") ? name : null;
}

/** The fields a refusal names, each with its message: the page's own check (a Refusal), or
 * each item of the server's 422 that is about a field of the form. */
function refusedFields(error) {
  if (error.field) return [[error.field, error.message]];
  const detail = Array.isArray(error.detail) ? error.detail : [];
  return detail.map((item) => [fieldOf(item), describeDetail([item])]).filter(([id]) => id);
}

/** Open the settings, mark each refused field (aria-invalid, its message under it) and put the
 * caret in the first. False when the refusal is about no field. */
export function showRefused(error) {
  const refused = refusedFields(error);
  if (!refused.length) return false;
  $("settings").open = true;
  for (const [id, message] of refused) markInvalid(id, message);
  $(refused[0][0]).focus();
  return true;
}

const LIMITS = ["max_iterations", "target_mse"];
const limitsKey = (name) => `hwr.limits.${name}`;

/** Show the server's training defaults as the limit fields' placeholders: an empty field
 * means the default. No server-wide target: each run stops when validation stops improving. */
export function showLimitDefaults(defaults) {
  for (const key of LIMITS) {
    const value = defaults ? defaults[key] : undefined;
    $(key).placeholder = value === null ? "none" : value === undefined ? "default" : String(value);
  }
}

/** Show the limits last sent with Train for recognizer `name` from this browser (the network
 * settings are kept with the recognizer on the server; these per recognizer here). */
export function showLimits(name) {
  let kept = {};
  try {
    kept = JSON.parse(saved.get(limitsKey(name), "{}")) || {};
  } catch {
    kept = {};
  }
  for (const key of LIMITS) $(key).value = Number.isFinite(kept[key]) ? String(kept[key]) : "";
}

/** Keep the limits Train sent (readLimits: an empty field is absent) for recognizer `name`. */
export function keepLimits(name, limits) {
  saved.set(limitsKey(name), JSON.stringify(limits));
}

/** Recognizer `from` was renamed `to` (its limits go with it), or deleted (`to` null). */
export function moveLimits(from, to) {
  const kept = saved.get(limitsKey(from), null);
  saved.remove(limitsKey(from));
  if (to && kept !== null) saved.set(limitsKey(to), kept);
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
  $("settings-form").addEventListener("input", (e) => clearInvalid(/** @type {Element} */ (e.target).id));
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
