// Guards and fixes around samples: too-small drawings, the "new label" mark, undoable deletes,
// and moving focus out of text fields when the person draws.

import { $, dismissNotice, el, notify } from "./ui.js";

const FIELDS = ["INPUT", "TEXTAREA", "SELECT"];

/** A drawing whose box is under 4% of the pad's size (a dot, a tiny tick) is no character. */
export function tooSmall(pad) {
  const points = pad.data().flat();
  if (!points.length || !pad.width || !pad.height) return false;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const side = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys));
  return side < 0.04 * Math.min(pad.width, pad.height);
}

export const TOO_SMALL = "That's too small to be a character — draw it larger.";

/** Drawing starts a new action: leave any text field (so C, T, Enter act as shortcuts, never
 * as label text) and clear the message about the previous action. */
export function wirePadFocus(canvas) {
  canvas.addEventListener("pointerdown", () => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && (FIELDS.includes(active.tagName) || active.isContentEditable)) {
      active.blur();
    }
    if (!$("notice").hidden) dismissNotice();
  });
}

/** Mark the label field's text when it is a label that does not exist yet. */
export function markNewLabel(labels) {
  const value = $("label").value.trim();
  const fresh = value !== "" && !labels.includes(value);
  let mark = $("label-new");
  if (!mark) {
    mark = el("p", { id: "label-new", class: "label-new", "aria-live": "polite", hidden: true });
    $("label-help").before(mark);
  }
  mark.hidden = !fresh;
  mark.textContent = fresh ? `New label “${value}”: adding creates it.` : "";
  $("label").classList.toggle("is-new", fresh);
  return fresh;
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
    const target = next && document.querySelector(`.thumb-item[data-id="${next.id}"] .thumb-delete`);
    (target || $("label")).focus();
  } catch (error) {
    button.disabled = false;
    fail(error);
  }
}

/** "Continue to MSE x": put the lower target in the settings and train with it. */
export function wireTrainMore(train) {
  $("train-more-go").addEventListener("click", (event) => {
    $("target_mse").value = event.currentTarget.dataset.target;
    train();
  });
}
