// The recognizer in use, in the page's address (?r=name): a reload keeps it, the link can be
// shared, and Back returns to the recognizer picked before.

import { saved } from "./ui.js";

const asked = () => new URLSearchParams(location.search).get("r");

/** The recognizer the address names, else the one this browser used last. */
export function wantedRecognizer() {
  return asked() || saved.get("hwr.recognizer", "default");
}

/** Put `name` in the address: "push" when the person picked it (Back returns from it), else
 * "replace" (the page's own choice, a rename, the one shown after a delete). */
export function showRecognizer(name, how = "replace") {
  saved.set("hwr.recognizer", name);
  if (asked() === name) return;
  const url = new URL(location.href);
  url.searchParams.set("r", name);
  if (how === "push") history.pushState(null, "", url);
  else history.replaceState(null, "", url);
}

/** Back and Forward: `switchTo(name)` the recognizer of that address, unless it is `current()`
 * (following an in-page link such as #path is a history step too: it must not reload). */
export function wireHistory(switchTo, current) {
  window.addEventListener("popstate", () => {
    const name = asked();
    if (name === null || name !== current()) switchTo(name);
  });
}
