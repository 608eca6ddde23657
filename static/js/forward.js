// A Check's path played as a forward pass: the input grid lights up, then each hidden layer's
// units by their activation, then the output bars fill, a few hundred ms a step. With
// prefers-reduced-motion the final state shows at once. The steps are the path's figures
// (units.js renderPath); CSS hides what a step has not reached yet (.pending).

import { el } from "./ui.js";

const STEP_MS = 450;
let timer = 0; // one path is on the page: one pass at a time

/** What a step is called: "input", "hidden-1" ..., "outputs" (data-flow, for tools and tests). */
const stepName = (i, n) => (i === 0 ? "input" : i === n - 1 ? "outputs" : `hidden-${i}`);

/** What a step says while it plays (read out: the path is a live region). */
function stepText(i, n) {
  if (i === 0) return "The drawing's grid goes in…";
  if (i === n - 1) return "…and the outputs answer.";
  return n > 3 ? `…hidden layer ${i} lights up…` : "…the hidden units light up by how strongly they fire…";
}

/** Add the Play button to a freshly rendered path in `box` (its `.path-head`). */
export function addPlay(box) {
  clearTimeout(timer);
  const head = box.querySelector(".path-head");
  if (!head) return;
  const button = el("button", { type: "button", class: "button small path-play",
    title: "Watch the drawing's signal flow from the grid through the network to the outputs" },
  "Play the forward pass");
  const status = el("span", { class: "path-status" });
  button.addEventListener("click", () => play(box, button, status));
  head.append(button, status);
  box.dataset.flow = "done";
  delete box.dataset.visited;
}

function play(box, button, status) {
  clearTimeout(timer);
  const steps = [...box.querySelectorAll(".path-step")];
  const n = steps.length;
  if (matchMedia("(prefers-reduced-motion: reduce)").matches) {
    // No animation: the final state, at once.
    for (const step of steps) step.classList.remove("pending", "current");
    box.dataset.visited = "outputs";
    box.dataset.flow = "done";
    status.textContent = "";
    return;
  }
  const visited = [];
  const at = (i) => {
    steps.forEach((step, k) => {
      step.classList.toggle("pending", k > i);
      step.classList.toggle("current", k === i);
    });
    visited.push(stepName(i, n));
    box.dataset.visited = visited.join(" ");
    box.dataset.flow = stepName(i, n);
    status.textContent = stepText(i, n);
    timer = setTimeout(() => (i + 1 < n ? at(i + 1) : finish()), STEP_MS);
  };
  const finish = () => {
    for (const step of steps) step.classList.remove("current");
    box.dataset.flow = "done";
    button.textContent = "Play again";
  };
  at(0);
}
