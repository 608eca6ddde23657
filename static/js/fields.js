// Form controls made from a JSON schema's properties (what pydantic's model_json_schema() says of
// each field: type, bounds, choices, default, title, description): build one, show a value in
// it, read a value back with the schema's bounds. Each control's id is its field's name.

import { el } from "./ui.js";

/**
 * One property of a JSON schema, as far as the page reads it.
 * @typedef {object} Property
 * @property {string} [type]
 * @property {string} [title]
 * @property {string} [description]
 * @property {unknown} [default]
 * @property {unknown[]} [enum]
 * @property {unknown} [const]
 * @property {Property[]} [anyOf]
 * @property {Property} [items]
 * @property {string} [$ref]
 * @property {number} [minimum]
 * @property {number} [maximum]
 * @property {number} [exclusiveMinimum]
 * @property {number} [exclusiveMaximum]
 * @property {number} [minItems]
 * @property {number} [maxItems]
 */

/**
 * A field of the form: its schema property made plain. `kind`: "switch" (boolean), "choice"
 * (a select of `choices`), "number", "integer", "list" (whole numbers separated by commas),
 * "text"; `nullable`: an empty field means null.
 * @typedef {object} Field
 * @property {string} name
 * @property {string} label
 * @property {string} hint
 * @property {"switch" | "choice" | "number" | "integer" | "list" | "text"} kind
 * @property {boolean} nullable
 * @property {unknown[]} choices
 * @property {Property} bounds the property whose bounds apply (the list's items for a list)
 * @property {Property} prop
 */

/** @typedef {Error & {field?: string}} Refusal */

const WHOLE = /^[+-]?\d+$/;

/** "Hidden Layers" (pydantic's title of hidden_layers) -> "Hidden layers"; "MSE" stays. */
function sentenceCase(title) {
  return title
    .split(" ")
    .map((word, i) => (i > 0 && /^[A-Z][a-z]+$/.test(word) ? word.toLowerCase() : word))
    .join(" ");
}

/** "share of each label's samples held out" -> "Share of each label's samples held out."
 * (a first word that is a name, like cross_entropy, keeps its case). */
function sentence(text) {
  const s = String(text || "").trim();
  if (!s) return "";
  const first = /^\S*_/.test(s) ? s[0] : s[0].toUpperCase();
  return first + s.slice(1) + (/[.!?)]$/.test(s) ? "" : ".");
}

/** `{$ref: "#/$defs/X"}` -> the definition, with the property's own keys over it. */
function resolve(prop, defs) {
  if (!prop.$ref) return prop;
  const name = prop.$ref.split("/").pop() || "";
  return { ...(defs[name] || {}), ...prop, $ref: undefined };
}

/** A schema property as a Field; `defs` resolves `$ref`s. */
export function describe(name, prop, defs = {}) {
  prop = resolve(prop, defs);
  const options = (prop.anyOf || [prop]).map((p) => resolve(p, defs));
  const nullable = options.some((p) => p.type === "null");
  const real = options.filter((p) => p.type !== "null");
  const label = sentenceCase(prop.title || name.replace(/_/g, " "));
  /** @type {Field} */
  const field = { name, label, hint: sentence(prop.description), kind: "text", nullable, choices: [], bounds: real[0] || {}, prop };
  if (real.length && real.every((p) => p.enum || "const" in p)) {
    field.kind = "choice";
    const consts = real.flatMap((p) => p.enum || [p.const]);
    field.choices = nullable ? [null, ...consts] : consts;
  } else if (real.length === 1 && real[0].type === "boolean") field.kind = "switch";
  else if (real.length === 1 && (real[0].type === "integer" || real[0].type === "number")) field.kind = real[0].type;
  else if (real.length === 1 && real[0].type === "array" && real[0].items) {
    field.kind = "list";
    field.bounds = { ...resolve(real[0].items, defs), minItems: real[0].minItems, maxItems: real[0].maxItems };
    const none = real[0].minItems ? "" : ` 0 = no ${label.toLowerCase().replace(/s$/, "")}.`;
    field.hint = [field.hint, `Numbers separated by commas, e.g. 64, 32.${none}`].filter(Boolean).join(" ");
  }
  return field;
}

/** How a choice reads in its select: null is `none`, snake_case becomes words. */
const choiceText = (value, none) => (value === null ? none : String(value).replace(/_/g, " "));

/** The control of `field`, with its label and hint; `none` names a choice's null option. */
export function control(field, none = "none") {
  const id = field.name;
  const hintId = `${id}-hint`;
  const hint = field.hint ? el("span", { id: hintId, class: "hint" }, field.hint) : null;
  const described = hint ? hintId : null;
  if (field.kind === "switch") {
    const box = el("input", { type: "checkbox", id, "aria-describedby": described });
    const label = el("label", { class: "check-label" }, box, ` ${field.label}`);
    return hint ? el("div", { class: "check-field" }, label, hint) : label;
  }
  let input;
  if (field.kind === "choice") {
    input = el("select", { id, "aria-describedby": described },
      ...field.choices.map((c) => el("option", { value: c === null ? "" : String(c) }, choiceText(c, none))));
  } else if (field.kind === "number" || field.kind === "integer") {
    const b = field.bounds;
    const whole = field.kind === "integer";
    input = el("input", {
      id,
      type: field.nullable ? "text" : "number",
      min: b.minimum ?? b.exclusiveMinimum,
      max: safe(b.maximum ?? b.exclusiveMaximum),
      step: whole ? "1" : "any",
      inputmode: whole ? "numeric" : "decimal",
      autocomplete: "off",
      placeholder: field.nullable ? "none" : null,
      "aria-describedby": described,
    });
  } else {
    const list = field.kind === "list";
    input = el("input", { id, inputmode: list ? "numeric" : null, autocomplete: "off", spellcheck: "false", "aria-describedby": described });
  }
  return el("label", {}, field.label, input, hint);
}

/** A bound worth saying (2^63 is not). */
const safe = (n) => (n === undefined || Math.abs(n) > Number.MAX_SAFE_INTEGER ? undefined : n);

/** "from 1 to 4096", "of 0 or more", "above 0 and at most 10". */
function range(b) {
  const lo = b.minimum;
  const hi = safe(b.maximum);
  if (lo !== undefined && hi !== undefined) return `from ${lo} to ${hi}`;
  const parts = [];
  if (lo !== undefined) parts.push(hi === undefined && b.exclusiveMaximum === undefined ? `of ${lo} or more` : `of at least ${lo}`);
  if (b.exclusiveMinimum !== undefined) parts.push(`above ${b.exclusiveMinimum}`);
  if (hi !== undefined) parts.push(`at most ${hi}`);
  if (safe(b.exclusiveMaximum) !== undefined) parts.push(`below ${b.exclusiveMaximum}`);
  return parts.join(" and ");
}

function within(b, v) {
  return !(
    (b.minimum !== undefined && v < b.minimum) ||
    (b.maximum !== undefined && v > b.maximum) ||
    (b.exclusiveMinimum !== undefined && v <= b.exclusiveMinimum) ||
    (b.exclusiveMaximum !== undefined && v >= b.exclusiveMaximum)
  );
}

/** A refused field: the error names it, so the page can mark and focus it. */
export function refuse(id, message) {
  /** @type {Refusal} */
  const error = new Error(message);
  error.field = id;
  return error;
}

/** @param {string} id */
const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** Mark field `id` refused: aria-invalid, and `message` beside it (read with the field). */
export function markInvalid(id, message) {
  const node = input(id);
  const errorId = `${id}-error`;
  let note = document.getElementById(errorId);
  if (!note) {
    note = el("span", { id: errorId, class: "field-error" });
    // After a check box's label, else right under the input (above its hint).
    (node.type === "checkbox" ? node.closest("label") || node : node).after(note);
  }
  note.textContent = message;
  note.hidden = false;
  node.setAttribute("aria-invalid", "true");
  const described = (node.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
  if (!described.includes(errorId)) node.setAttribute("aria-describedby", [errorId, ...described].join(" "));
}

/** Field `id` is no longer refused (the person changed it). */
export function clearInvalid(id) {
  const node = input(id);
  if (!node) return;
  node.removeAttribute("aria-invalid");
  const note = document.getElementById(`${id}-error`);
  if (note) note.hidden = true;
}

/** Put `value` in the field's control. */
export function show(field, value) {
  const node = input(field.name);
  if (field.kind === "switch") node.checked = Boolean(value);
  else if (field.kind === "list") node.value = Array.isArray(value) && value.length ? value.join(", ") : "0";
  else node.value = value === null || value === undefined ? "" : String(value);
}

/** The field's value as the API takes it; throws a Refusal with a plain message. */
export function read(field) {
  const node = input(field.name);
  if (field.kind === "switch") return node.checked;
  const text = node.value.trim();
  if (field.kind === "choice") return field.choices.find((c) => (c === null ? "" : String(c)) === node.value) ?? null;
  if (field.nullable && text === "") return null;
  const b = field.bounds;
  if (field.kind === "list") {
    const parts = text === "" || text === "0" || /^none$/i.test(text) ? [] : text.split(/[\s,;x×]+/).filter(Boolean);
    const values = parts.map(Number);
    const max = b.maxItems ?? Infinity;
    if (values.length > max || values.length < (b.minItems ?? 0) || values.some((n) => !Number.isInteger(n) || !within(b, n))) {
      const most = Number.isFinite(max) ? `up to ${max} ` : "";
      throw refuse(field.name, `${field.label}: ${most}whole numbers ${range(b)}, separated by commas (e.g. 64, 32).`);
    }
    return values;
  }
  if (field.kind === "text") return text;
  const value = Number(text);
  const whole = field.kind === "integer";
  if (text === "" || !Number.isFinite(value) || (whole && !WHOLE.test(text)) || !within(b, value)) {
    const what = [whole ? "a whole number" : "a number", range(b)].filter(Boolean).join(" ");
    throw refuse(field.name, `${field.label} must be ${what}${field.nullable ? ", or empty" : ""}.`);
  }
  return value;
}
