// Changes to what is stored, asked for in a dialog: delete a sample (with Undo), move it to
// another label, rename or empty a label, create, rename or delete a recognizer.

import { moveLimits } from "./settings.js";
import { $, notify } from "./ui.js";

let pending = null; // the action the open dialog runs on OK

// A recognizer's name as the server takes it (RecognizerName in app/schemas.py), and the rule
// in words: both dialogs (New, Rename) check it before sending.
const RECOGNIZER_NAME = /^[a-z0-9_-]{1,64}$/;
const NAME_RULE = "Use 1 to 64 lower-case letters, digits, - or _.";

/**
 * Open the dialog. `field` ({name, value, list}) adds a text input; `run(value)` does the work
 * and may throw: its message then shows in the dialog, which stays open.
 */
export function ask({ title, text, ok, danger = false, field = null, run }) {
  $("ask-title").textContent = title;
  $("ask-text").textContent = text || "";
  $("ask-field").hidden = !field;
  $("ask-error").hidden = true;
  const input = $("ask-input");
  if (field) {
    $("ask-input-name").textContent = field.name;
    input.value = field.value || "";
    if (field.list) input.setAttribute("list", field.list);
    else input.removeAttribute("list");
  }
  $("ask-ok").textContent = ok;
  $("ask-ok").classList.toggle("danger", danger);
  pending = { run, field: Boolean(field) };
  $("ask-dialog").showModal();
  if (field) input.select();
  else $("ask-cancel").focus();
}

function wireAsk() {
  $("ask-cancel").addEventListener("click", () => $("ask-dialog").close());
  $("ask-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!pending) return;
    const value = $("ask-input").value.trim();
    if (pending.field && !value) {
      $("ask-error").textContent = "Type a name first.";
      $("ask-error").hidden = false;
      $("ask-input").focus();
      return;
    }
    $("ask-ok").disabled = true;
    try {
      await pending.run(value);
      $("ask-dialog").close();
    } catch (error) {
      $("ask-error").textContent = error.message || String(error);
      $("ask-error").hidden = false;
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
      field: { name: "New label", value: label, list: "label-list" },
      ok: "Rename",
      run: async (value) => {
        if (value === label) return;
        const answer = await ctx.api.patch(labelPath(label), { label: value });
        await ctx.refresh();
        notify(`Renamed “${label}” to “${answer.label}” (${plural(answer.samples, "sample")}).`);
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
      field: { name: "Label", value: "", list: "label-list" },
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

/** Delete one sample, offering Undo for 6 s: its strokes are fetched first and re-posted. */
export async function deleteWithUndo(ctx, sample, button) {
  const { api, path, fail } = ctx;
  button.disabled = true;
  const same = ctx.samples().filter((s) => s.label === sample.label);
  const i = same.findIndex((s) => s.id === sample.id);
  const next = same[i + 1] || same[i - 1]; // where keyboard focus goes afterwards
  try {
    const detail = await api.get(path(`/samples/${sample.id}`));
    await api.del(path(`/samples/${sample.id}`));
    await ctx.removed(sample.id);
    notify(`Deleted a sample of “${sample.label}”.`, "info", {
      label: "Undo",
      ms: 6000,
      run: async () => {
        try {
          const back = await api.post(path("/samples"), { label: detail.label, strokes: detail.strokes });
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
