// The lab page: three demos behind tabs (#xor, #circle, #infections). Only the shown demo has
// runs on the server; switching tabs deletes the old demo's runs and starts the new one's.
// The hash names the demo, not an element (the panels are #panel-<demo>), so the browser never
// scrolls to it: the page opens at its top, title and tabs in view.

import { $ } from "../ui.js";
import { circleDemo } from "./circle.js";
import { infectionsDemo } from "./infections.js";
import { xorDemo } from "./xor.js";

const TABS = ["xor", "circle", "infections"];

const message = $("lab-message");
const messageText = $("lab-message-text");
const retry = $("lab-retry");
let retryAction = null;

const ui = {
  /** A problem to show (null hides it); `again` offers "Try again". */
  problem(text, again = null, kind = "error") {
    if (!text) {
      message.hidden = true;
      retryAction = null;
      return;
    }
    messageText.textContent = text;
    message.dataset.kind = kind;
    retry.hidden = !again;
    retryAction = again;
    message.hidden = false;
  },
  error(error) {
    ui.problem(error && error.message ? error.message : String(error));
  },
  connection(up) {
    $("lab-connection").hidden = up;
  },
};

retry.addEventListener("click", () => {
  const action = retryAction;
  ui.problem(null);
  if (action) action();
});

const demos = {
  xor: xorDemo($("panel-xor"), ui),
  circle: circleDemo($("panel-circle"), ui),
  infections: infectionsDemo($("panel-infections"), ui),
};
let current = null;

async function show(name, { focus = false } = {}) {
  if (!TABS.includes(name)) name = "xor";
  if (name === current) return;
  if (current) demos[current].stop();
  ui.problem(null);
  current = name;
  for (const tab of TABS) {
    const button = $(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute("aria-selected", String(selected));
    button.tabIndex = selected ? 0 : -1;
    $(`panel-${tab}`).hidden = !selected;
  }
  if (focus) $(`tab-${name}`).focus();
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
  document.body.dataset.demo = name;
  await demos[name].start();
  demos[name].redraw();
}

for (const name of TABS) {
  const tab = $(`tab-${name}`);
  tab.addEventListener("click", () => show(name));
  tab.addEventListener("keydown", (event) => {
    const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
    if (!step) return;
    event.preventDefault();
    show(TABS[(TABS.indexOf(name) + step + TABS.length) % TABS.length], { focus: true });
  });
}
window.addEventListener("hashchange", () => show(location.hash.slice(1)));

// Redraw on size, pixel ratio or theme changes: the canvases follow their CSS boxes.
const redraw = () => current && demos[current].redraw();
new ResizeObserver(redraw).observe(document.querySelector(".lab-main"));
window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", redraw);
window.addEventListener("pagehide", () => current && demos[current].stop({ keepalive: true }));
window.addEventListener("pageshow", (event) => {
  if (event.persisted && current) demos[current].start(); // back from the bfcache
});

show(location.hash.slice(1)).finally(() => {
  document.body.dataset.ready = "true";
});
