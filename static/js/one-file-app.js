// The one-file web app's own code (GET /api/recognizers/{r}/app.html, made by
// app/routes/one_file_app.py): draw on the pad, Check, and show the answer that
// hwr-recognizer.js computes from the model inlined in the file. No request of any kind.
// The server inlines this file after the two modules it imports, in one module script, with
// the import lines taken out; it then runs in a block, so its names never meet theirs.

import { load } from "../hwr-recognizer.js";
import { Pad, TOO_SMALL, tooSmall } from "./pad.js";

/** @param {string} id */
const byId = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const answer = byId("answer");
const verdict = byId("verdict");
const reason = byId("reason");
const bars = byId("bars");
const auto = /** @type {HTMLInputElement} */ (byId("auto"));

/** The verdict and the line under it; `state`: "none", "known", "unknown" or "error". */
function say(state, headline, note) {
  answer.dataset.verdict = state;
  verdict.textContent = headline;
  reason.textContent = note;
}

/** "it looks like a scribble" -> "It looks like a scribble." */
function sentence(text) {
  const s = String(text || "").trim().replace(/\.$/, "");
  return s ? `${s[0].toUpperCase()}${s.slice(1)}.` : "";
}

/** One bar per label, highest first: label, bar, percentage. */
function showBars(confidences) {
  bars.replaceChildren(
    ...confidences.map(({ label, confidence }) => {
      const percent = Math.round(confidence * 100);
      const item = document.createElement("li");
      item.className = "bar";
      item.dataset.confidence = String(confidence);
      const name = document.createElement("span");
      name.className = "bar-label";
      name.title = name.textContent = label;
      const track = document.createElement("span");
      track.className = "bar-track";
      track.setAttribute("aria-hidden", "true");
      const fill = document.createElement("span");
      fill.className = "bar-fill";
      fill.style.width = `${percent}%`; // a CSSOM write: the file's policy allows it
      track.append(fill);
      const value = document.createElement("span");
      value.className = "bar-value";
      value.textContent = `${percent}%`;
      item.append(name, track, value);
      return item;
    }),
  );
}

/** @type {Awaited<ReturnType<typeof load>> | null} */
let model = null;

/** Check the drawing; `quiet` (after a stroke): say nothing about an empty or tiny drawing. */
function check(quiet = false) {
  if (!model) return;
  if (pad.empty || tooSmall(pad)) {
    if (!quiet) say("none", "?", pad.empty ? "Draw something first, then Check." : TOO_SMALL);
    return;
  }
  const result = model.check(pad.data());
  if (result.unknown) {
    const why = sentence(result.unknown_reason);
    say("unknown", "Not sure", `${why ? `${why} ` : ""}Closest: “${result.label}”.`);
  } else {
    say("known", result.label, `${Math.round(result.confidences[0].confidence * 100)}% likely`);
  }
  showBars(result.confidences);
}

const pad = new Pad(/** @type {HTMLCanvasElement} */ (byId("pad")), (change) => {
  byId("pad-hint").hidden = !pad.empty;
  if (change === "stroke" && auto.checked) check(true);
  if (pad.empty) {
    say("none", "?", "Draw, then Check.");
    bars.replaceChildren();
  }
});
byId("check").addEventListener("click", () => check());
byId("clear").addEventListener("click", () => pad.clear());

try {
  model = await load(byId("hwr-model").textContent);
  // For the browser's console (and hwr's tests): hwrApp.model.check(hwrApp.pad.data()).
  Object.assign(globalThis, { hwrApp: { model, pad } });
  document.body.dataset.ready = "true";
} catch (error) {
  say("error", "Cannot start", `This file's model cannot be used: ${error.message}`);
}
