// Per-label galleries of sample thumbnails (the grids), with counts and a delete per sample.

import { paintGrid } from "./grid.js";
import { el } from "./ui.js";

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * Render `samples` (each {id, label, grid}) grouped by label, in the order of `labels`.
 * `onPick(label)` fills the label field; `onDelete(sample)` removes one.
 */
export function renderGalleries(root, labels, samples, size, { onPick, onDelete, fresh }) {
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
      const canvas = el("canvas", {
        class: "thumb",
        width: size,
        height: size,
        role: "img",
        "aria-label": `Sample ${i + 1} of ${label}`,
      });
      thumbs.push([canvas, sample.grid]);
      const remove = el(
        "button",
        { type: "button", class: "thumb-delete", "aria-label": `Delete sample ${i + 1} of ${label}`,
          title: "Delete this sample" },
        "×",
      );
      remove.addEventListener("click", () => onDelete(sample, remove));
      const item = el("li", { class: "thumb-item", "data-id": sample.id }, canvas, remove);
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
