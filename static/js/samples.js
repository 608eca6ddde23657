// Per-label galleries of sample thumbnails (the grids), with counts and a delete per sample.

import { paintGrid } from "./grid.js";
import { $, el } from "./ui.js";

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Render `samples` (each {id, label, grid}) grouped by label, in the order of `labels`.
 * `onPick(label)` fills the label field; `onDelete(sample)` removes one; `flags` maps the ids of
 * held-out samples recognised wrong to their title.
 */
export function renderGalleries(root, labels, samples, size, {
  onPick, onDelete, onMove, onRename, onDeleteLabel, fresh, flags = new Map(),
}) {
  const byLabel = new Map(labels.map((label) => [label, []]));
  for (const sample of samples) {
    if (!byLabel.has(sample.label)) byLabel.set(sample.label, []);
    byLabel.get(sample.label).push(sample);
  }
  const groups = [];
  const thumbs = []; // painted once attached: colours come from the page's styles
  for (const [label, items] of byLabel) {
    if (!items.length) continue;
    const pick = el(
      "button",
      { type: "button", class: "gallery-label", title: `“${label}”: use this label for the next sample` },
      label,
    );
    pick.addEventListener("click", () => onPick(label));
    const count = el("span", { class: "gallery-count", "data-count": items.length },
      plural(items.length, "sample"));
    const rename = el("button", { type: "button", class: "gallery-action", "aria-label": `Rename label ${label}`,
      title: "Rename this label (or merge it into another)" }, "Rename");
    rename.addEventListener("click", () => onRename(label));
    const wipe = el("button", { type: "button", class: "gallery-action danger",
      "aria-label": `Delete all samples of ${label}`, title: "Delete every sample of this label" }, "Delete all");
    wipe.addEventListener("click", () => onDeleteLabel(label));
    const list = el("ul", { class: "thumbs", "aria-label": `Samples of ${label}` });
    roving(list);
    items.forEach((sample, i) => {
      const flag = flags.get(sample.id);
      const canvas = el("canvas", {
        class: "thumb",
        width: size,
        height: size,
        role: "img",
        "aria-label": `Sample ${i + 1} of ${label}${flag ? ` (${flag[0].toLowerCase()}${flag.slice(1)})` : ""}`,
      });
      thumbs.push([canvas, sample.grid]);
      const remove = el(
        "button",
        { type: "button", class: "thumb-delete", "aria-label": `Delete sample ${i + 1} of ${label}`,
          title: "Delete this sample" },
        "×",
      );
      remove.addEventListener("click", () => onDelete(sample, remove));
      const move = el(
        "button",
        { type: "button", class: "thumb-move", "aria-label": `Move sample ${i + 1} of ${label} to another label`,
          title: "Move this sample to another label", tabindex: -1 },
        "⇄",
      );
      move.addEventListener("click", () => onMove(sample, i + 1));
      if (i > 0) remove.setAttribute("tabindex", "-1");
      const item = el("li", { class: "thumb-item", "data-id": sample.id, title: flag }, canvas, remove, move);
      // A tap or click on the picture selects it: its buttons show (always shown where there is hover).
      canvas.addEventListener("click", () => {
        for (const other of root.querySelectorAll(".thumb-item.selected")) if (other !== item) other.classList.remove("selected");
        item.classList.toggle("selected");
      });
      if (flag) item.classList.add("missed");
      if (sample.id === fresh) item.classList.add("fresh");
      list.append(item);
    });
    groups.push(
      el("section", { class: "gallery", "data-label": label },
        el("header", { class: "gallery-head" }, pick, count, el("span", { class: "gallery-actions" }, rename, wipe)), list),
    );
  }
  root.replaceChildren(...groups);
  for (const [canvas, grid] of thumbs) paintGrid(canvas, grid, size);
  return groups.length;
}

/** One Tab stop per gallery: the arrow keys, Home and End move among its sample buttons. */
function roving(list) {
  const buttons = () => [...list.querySelectorAll("button")];
  list.addEventListener("focusin", (event) => {
    if (!(event.target instanceof HTMLButtonElement)) return;
    for (const button of buttons()) button.setAttribute("tabindex", button === event.target ? "0" : "-1");
  });
  list.addEventListener("keydown", (event) => {
    const all = buttons();
    const i = all.indexOf(document.activeElement);
    if (i < 0) return;
    const moves = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0, End: all.length - 1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    all[Math.min(Math.max(moves[event.key], 0), all.length - 1)].focus();
  });
}

/** Smooth scrolling, unless the person asked for less motion. */
const motion = () => (matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth");

/** Point at one sample in the galleries (from a confusion-matrix thumbnail). */
export function pointAt(root, id) {
  const item = root.querySelector(`.thumb-item[data-id="${id}"]`);
  if (!item) return;
  item.scrollIntoView({ block: "center", behavior: motion() });
  item.classList.remove("fresh");
  void item.offsetWidth; // restart the highlight
  item.classList.add("fresh");
  const remove = item.querySelector(".thumb-delete");
  if (remove) remove.focus({ preventScroll: true });
}

/** Bring a sample just added into sight inside the samples box (and the page, as little as
 * needed). Where the box does not scroll (a phone: the page does), the page stays at the pad. */
export function showAdded(root, id) {
  const item = root.querySelector(`.thumb-item[data-id="${id}"]`);
  if (item && getComputedStyle(root).overflowY !== "visible") item.scrollIntoView({ block: "nearest", behavior: motion() });
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
