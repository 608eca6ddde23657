// Per-label galleries of sample thumbnails (the grids), with counts and a delete per sample.

import { paintGrid } from "./grid.js";
import { el } from "./ui.js";

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Render `samples` (each {id, label, grid}) grouped by label, in the order of `labels`.
 * `onPick(label)` fills the label field; `onDelete(sample)` removes one; `flags` maps the ids of
 * held-out samples recognised wrong to their title.
 */
export function renderGalleries(root, labels, samples, size, { onPick, onDelete, fresh, flags = new Map() }) {
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
      { type: "button", class: "gallery-label", title: "Use this label for the next sample" },
      label,
    );
    pick.addEventListener("click", () => onPick(label));
    const count = el("span", { class: "gallery-count", "data-count": items.length },
      plural(items.length, "sample"));
    const list = el("ul", { class: "thumbs", "aria-label": `Samples of ${label}` });
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
      const item = el("li", { class: "thumb-item", "data-id": sample.id, title: flag }, canvas, remove);
      if (flag) item.classList.add("missed");
      if (sample.id === fresh) item.classList.add("fresh");
      list.append(item);
    });
    groups.push(
      el("section", { class: "gallery", "data-label": label },
        el("header", { class: "gallery-head" }, pick, count), list),
    );
  }
  root.replaceChildren(...groups);
  for (const [canvas, grid] of thumbs) paintGrid(canvas, grid, size);
  return groups.length;
}

/** Point at one sample in the galleries (from a confusion-matrix thumbnail). */
export function pointAt(root, id) {
  const item = root.querySelector(`.thumb-item[data-id="${id}"]`);
  if (!item) return;
  item.scrollIntoView({ block: "center", behavior: "smooth" });
  item.classList.remove("fresh");
  void item.offsetWidth; // restart the highlight
  item.classList.add("fresh");
  const remove = item.querySelector(".thumb-delete");
  if (remove) remove.focus({ preventScroll: true });
}
