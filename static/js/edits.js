// Changes to what is stored, asked for in a dialog: delete a sample (with Undo), move it to
// another label, rename or empty a label, create, rename or delete a recognizer.

import { moveLimits } from "./settings.js";
import { $, notify } from "./ui.js";

let pending = null; // the action the open dialog runs on OK
let longest = 0; // the field's own maxlength (the template's), for fields without one

// A recognizer's name as the server takes it (RecognizerName in app/schema_types.py; its length
// is the New dialog's maxlength, from the template), and the rule in words: both dialogs (New,
// Rename) check it before sending.
const NAME_MAX = /** @type {HTMLInputElement} */ ($("new-name")).maxLength;
const RECOGNIZER_NAME = new RegExp(`^[a-z0-9_-]{1,${NAME_MAX}}$`);
const NAME_RULE = `Use 1 to ${NAME_MAX} lower-case letters, digits, - or _.`;

/**
 * Open the dialog. `field` ({name, value, list, maxLength, refusal}) adds a text input;
 * `run(value)` does the work and may throw: its message (or `refusal(error)`) then shows at the
 * field, and the dialog stays open.
 */
export function ask({ title, text, ok, danger = false, field = null, run }) {
  $("ask-title").textContent = title;
  $("ask-text").textContent = text || "";
  $("ask-field").hidden = !field;
  refuse(null);
  const input = $("ask-input");
  if (field) {
    $("ask-input-name").textContent = field.name;
    input.value = field.value || "";
    input.maxLength = field.maxLength || longest;
    if (field.list) input.setAttribute("list", field.list);
    else input.removeAttribute("list");
  }
  $("ask-ok").textContent = ok;
  $("ask-ok").classList.toggle("danger", danger);
  pending = { run, field: Boolean(field), refusal: field && field.refusal };
  $("ask-dialog").showModal();
  if (field) input.select();
  else $("ask-cancel").focus();
}

/** Show why the dialog's value was not taken (null: nothing to say), marked at its field. */
function refuse(message) {
  $("ask-error").textContent = message || "";
  $("ask-error").hidden = !message;
  const input = $("ask-input");
  if (message && pending && pending.field) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "ask-error");
  } else {
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
  }
}

/** The server's refusal of a label, in words about the field (a 422 names what is wrong). */
function labelRefusal(error) {
  const item = error.status === 422 && Array.isArray(error.detail) ? error.detail[0] : null;
  if (!item || typeof item.msg !== "string") return error.message || String(error);
  const most = /at most (\d+) character/.exec(item.msg);
  if (most) return `A label has at most ${most[1]} characters.`;
  const said = item.msg.replace(/^Value error, /, "").replace(/\.?$/, ".");
  return `${said[0].toUpperCase()}${said.slice(1)}`;
}

/** The dialog's field for a label: the label field's limit (the server's), its refusals in words. */
const labelField = (name, value) =>
  ({ name, value, list: "label-list", maxLength: $("label").maxLength, refusal: labelRefusal });

function wireAsk() {
  longest = $("ask-input").maxLength;
  $("ask-cancel").addEventListener("click", () => $("ask-dialog").close());
  $("ask-input").addEventListener("input", () => refuse(null));
  $("ask-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!pending) return;
    const value = $("ask-input").value.trim();
    if (pending.field && !value) {
      refuse("Type a name first.");
      $("ask-input").focus();
      return;
    }
    $("ask-ok").disabled = true;
    try {
      await pending.run(value);
      $("ask-dialog").close();
    } catch (error) {
      refuse(pending.refusal ? pending.refusal(error) : error.message || String(error));
    } finally {
      $("ask-ok").disabled = false;
    }
  });
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/**
 * `ctx`: api, path(suffix), name(), samples(), refresh() (summary and samples),
 * switchTo(name) (reload the recognizer list and show `name`).
 */
export function organizer(ctx) {
  wireAsk();
  const labelPath = (label) => ctx.path(`/labels/${encodeURIComponent(label)}`);

  function renameLabel(label) {
    ask({
      title: `Rename “${label}”`,
      text: "An existing label's name merges the two.",
      field: labelField("New label", label),
      ok: "Rename",
      run: async (value) => {
        if (value === label) return;
        const merged = ctx.samples().some((s) => s.label === value);
        const moved = ctx.samples().filter((s) => s.label === label).length;
        const answer = await ctx.api.patch(labelPath(label), { label: value }); // its count: all of value
        // The label field follows its label, so the next Add goes where the samples went.
        if ($("label").value.trim() === label) $("label").value = answer.label;
        await ctx.refresh();
        notify(merged
          ? `Merged “${label}” into “${answer.label}” (${plural(moved, "sample")}, ${answer.samples} in all).`
          : `Renamed “${label}” to “${answer.label}” (${plural(answer.samples, "sample")}).`);
      },
    });
  }

  function deleteLabel(label) {
    const n = ctx.samples().filter((s) => s.label === label).length;
    ask({
      title: `Delete all of “${label}”?`,
      text: `This deletes ${plural(n, "sample")} of “${label}”. It cannot be undone.`,
      ok: `Delete ${plural(n, "sample")}`,
      danger: true,
      run: async () => {
        const answer = await ctx.api.del(labelPath(label));
        await ctx.refresh();
        notify(`Deleted ${plural(answer.samples, "sample")} of “${label}”.`);
      },
    });
  }

  function moveSample(sample, number) {
    ask({
      title: `Move sample ${number} of “${sample.label}”`,
      text: "Give this drawing the label it should have.",
      field: labelField("Label", ""),
      ok: "Move",
      run: async (value) => {
        if (value === sample.label) return;
        const moved = await ctx.api.patch(ctx.path(`/samples/${sample.id}`), { label: value });
        await ctx.refresh();
        notify(`Moved the sample from “${sample.label}” to “${moved.label}”.`);
      },
    });
  }

  $("rename-recognizer").addEventListener("click", () => {
    $("recognizer-menu").open = false;
    const name = ctx.name();
    ask({
      title: `Rename “${name}”`,
      text: NAME_RULE,
      field: { name: "New name", value: name },
      ok: "Rename",
      run: async (value) => {
        if (value === name) return;
        if (!RECOGNIZER_NAME.test(value)) throw new Error(NAME_RULE);
        await ctx.api.patch(ctx.path(), { name: value });
        moveLimits(name, value);
        await ctx.switchTo(value);
        notify(`Renamed the recognizer “${name}” to “${value}”.`);
      },
    });
  });

  $("delete-recognizer").addEventListener("click", () => {
    $("recognizer-menu").open = false;
    const name = ctx.name();
    ask({
      title: `Delete “${name}”?`,
      text: "Its samples and model are deleted too. It cannot be undone.",
      ok: "Delete recognizer",
      danger: true,
      run: async () => {
        await ctx.api.del(ctx.path());
        moveLimits(name, null);
        await ctx.switchTo(null);
        notify(`Deleted the recognizer “${name}”.`);
      },
    });
  });

  return { renameLabel, deleteLabel, moveSample };
}

/** Delete one sample, offering Undo for 6 s: the server keeps it a while and restores it
 * with its id, so it comes back in its place and a model trained with it is current again. */
export async function deleteWithUndo(ctx, sample, button) {
  const { api, path, fail } = ctx;
  button.disabled = true;
  const same = ctx.samples().filter((s) => s.label === sample.label);
  const i = same.findIndex((s) => s.id === sample.id);
  const next = same[i + 1] || same[i - 1]; // where keyboard focus goes afterwards
  try {
    await api.del(path(`/samples/${sample.id}`));
    await ctx.removed(sample.id);
    notify(`Deleted a sample of “${sample.label}”.`, "info", {
      label: "Undo",
      ms: 6000,
      run: async () => {
        try {
          const back = await api.post(path(`/samples/${sample.id}/restore`));
          ctx.added(back);
          notify(`Restored the sample of “${back.label}”.`);
        } catch (error) {
          fail(error);
        }
      },
    });
    const target = next && /** @type {HTMLElement | null} */ (document.querySelector(`.thumb-item[data-id="${next.id}"] .thumb-delete`));
    (target || $("label")).focus();
  } catch (error) {
    button.disabled = false;
    fail(error);
  }
}

/** "New…" opens a modal dialog; `created(name)` runs after the server made the recognizer. */
export function wireRecognizerDialog(api, created) {
  const dialog = $("new-dialog");
  const name = $("new-name");
  const error = $("new-error");
  $("new-recognizer").addEventListener("click", () => {
    name.value = "";
    error.hidden = true;
    dialog.showModal();
    name.focus();
  });
  $("new-cancel").addEventListener("click", () => dialog.close());
  $("new-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = name.value.trim();
    if (!RECOGNIZER_NAME.test(value)) {
      error.textContent = NAME_RULE;
      error.hidden = false;
      name.focus();
      return;
    }
    $("new-create").disabled = true;
    try {
      await api.post("recognizers", { name: value });
      dialog.close();
      await created(value);
    } catch (failure) {
      error.textContent = failure.message;
      error.hidden = false;
    } finally {
      $("new-create").disabled = false;
    }
  });
}
