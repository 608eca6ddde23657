// Keyboard shortcuts, and drawing as a new action: it leaves any text field, so that C, T and
// Enter act as shortcuts and never become label text.

import { $, dismissNotice } from "./ui.js";

const FIELDS = ["INPUT", "TEXTAREA", "SELECT"];

/** Whether the person is typing in `target` (a field, or something editable). */
const typing = (target) => target instanceof HTMLElement && (target.isContentEditable || FIELDS.includes(target.tagName));

/** Ctrl/Cmd+Z undo, Esc/Delete clear, C check, T train or stop, Enter add (not while typing). */
export function wireKeyboard(actions) {
  document.addEventListener("keydown", (event) => {
    if (event.defaultPrevented || event.isComposing || event.repeat) return;
    if (document.querySelector("dialog[open]")) return;
    const target = /** @type {HTMLElement} */ (event.target);
    if (typing(target)) return;
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

/** Drawing starts a new action: leave any text field (so C, T, Enter act as shortcuts, never
 * as label text) and clear the message about the previous action. */
export function wirePadFocus(canvas) {
  canvas.addEventListener("pointerdown", () => {
    const active = document.activeElement;
    if (active instanceof HTMLElement && typing(active)) active.blur();
    if (!$("notice").hidden) dismissNotice();
  });
}

