// Keyboard shortcuts, and the dialog that creates a recognizer.

import { repaintGrids } from "./grid.js";
import { $ } from "./ui.js";

const FIELDS = ["INPUT", "TEXTAREA", "SELECT"];

/** Ctrl/Cmd+Z undo, Esc/Delete clear, C check, T train or stop, Enter add (not while typing). */
export function wireKeyboard(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing || event.repeat) return;
    if (document.querySelector("dialog[open]")) return;
    const target = event.target;
    const typing = target instanceof HTMLElement && (target.isContentEditable || FIELDS.includes(target.tagName));
    if (typing) return;
    const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.shiftKey && !event.altKey && key === "z") actions.undo();
    else if (mod || event.altKey) return;
    else if (key === "Escape" || key === "Delete") actions.clear();
    else if (key === "c") actions.check();
    else if (key === "t") actions.toggleTraining();
    else if (key === "Enter" && (target === document.body || target.tagName === "CANVAS")) actions.addSample();
    else return;
    event.preventDefault();
  });
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
    if (!/^[a-z0-9_-]{1,64}$/.test(value)) {
      error.textContent = "Use 1 to 64 lower-case letters, digits, - or _.";
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

/** A theme switch repaints every canvas (`redraw` and the grids); a resize, the grids. */
export function wireRepaint(redraw) {
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    redraw();
    repaintGrids();
  });
  window.addEventListener("resize", () => repaintGrids());
}
