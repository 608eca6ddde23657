// The Check result: the verdict ("O", or "Not sure"), one probability bar per label, and notes
// when the model is out of date or does not know some labels yet.

import { $, el } from "./ui.js";

/** Whole percentages that add up to exactly 100 (largest remainder); all 0 for an all-0 input. */
export function percentages(values) {
  const raw = values.map((v) => (Number.isFinite(v) && v > 0 ? v : 0));
  const total = raw.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return raw.map(() => 0);
  const scaled = raw.map((v) => (v / total) * 100);
  const whole = scaled.map(Math.floor);
  let left = 100 - whole.reduce((a, b) => a + b, 0);
  const order = scaled.map((v, i) => [v - whole[i], i]).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left <= 0) break;
    whole[i] += 1;
    left -= 1;
  }
  return whole;
}

/** “A”, “B” and “C”: labels quoted for a sentence (text only, never HTML). */
export function quoteList(labels, limit = 5) {
  const quoted = labels.slice(0, limit).map((label) => `“${label}”`);
  if (labels.length > limit) quoted.push(`${labels.length - limit} more`);
  if (quoted.length < 2) return quoted.join("");
  return `${quoted.slice(0, -1).join(", ")} and ${quoted[quoted.length - 1]}`;
}

/** The headline on one line: its length sets its size (CSS, --chars); the title keeps it whole. */
function fitHeadline(node) {
  node.title = node.dataset.empty === "true" ? "" : node.textContent;
  node.style.setProperty("--chars", String([...node.textContent].length));
}

function sentence(text) {
  const s = String(text || "").trim();
  return s ? `${s[0].toUpperCase()}${s.slice(1)}` : "";
}

/** "Not sure", said by the test that decided (`unknown_signal`), with the network's best guess
 * and its share as the bars show it. `guess`: the bars are that guess set aside (the network
 * was sure of it, and something else decided), so they are dimmed. */
function unsure(result, share) {
  const best = `“${result.label}” (${share}%)`;
  switch (result.unknown_signal) {
    case "distance":
      return { guess: true, text: `The network's best guess would be ${best}, but the drawing is unlike every sample it was trained on.` };
    case "background":
      return { guess: true, text: `Among your labels the network's best guess would be ${best}, but its hidden “none of these” output won: it looks like a scribble.` };
    case "confidence":
      return { guess: false, text: `The network's best guess, ${best}, is too unsure to name.` };
    default: // a server that does not say which test decided
      return { guess: false, text: `Closest: “${result.label}”.${result.unknown_reason ? ` ${sentence(result.unknown_reason)}.` : ""}` };
  }
}

/** Show a Check result (or nothing: `null`). */
export function renderResult(result) {
  const label = $("result-label");
  const note = $("result-note");
  const closest = $("result-closest");
  const bars = $("bars");
  const box = $("result");
  box.classList.remove("outdated");
  const missing = result ? result.missing_labels || [] : [];
  $("result-missing").hidden = missing.length === 0;
  $("result-missing").textContent = missing.length
    ? `The model doesn't know ${quoteList(missing)} yet: train again.`
    : "";
  $("result-stale").hidden = !(result && result.stale && missing.length === 0);
  if (!result) {
    setGuess(bars, false);
    box.dataset.verdict = "none";
    label.textContent = "?";
    label.dataset.empty = "true";
    note.textContent = "Draw, then Check.";
    closest.hidden = true;
    bars.replaceChildren();
    fitHeadline(label);
    return;
  }
  const shares = percentages(result.confidences.map((c) => c.confidence));
  label.dataset.empty = "false";
  const guess = result.unknown && unsure(result, shares[0] ?? 0);
  setGuess(bars, Boolean(guess && guess.guess));
  if (guess) {
    box.dataset.verdict = "unknown";
    label.textContent = "Not sure";
    note.textContent = "This looks like none of your labels.";
    closest.textContent = guess.text;
    closest.hidden = false;
  } else {
    box.dataset.verdict = "known";
    label.textContent = result.label;
    note.textContent = `${shares[0] ?? 0}% likely`;
    closest.hidden = true;
  }
  fitHeadline(label);
  bars.replaceChildren(
    ...result.confidences.map(({ label: name, confidence }, i) => {
      const fill = el("span", { class: "bar-fill" });
      fill.style.width = `${shares[i]}%`;
      return el(
        "li",
        { class: i === 0 ? "bar top" : "bar", "data-confidence": confidence, "data-percent": shares[i] },
        el("span", { class: "bar-label", title: name }, name),
        el("span", { class: "bar-track", "aria-hidden": "true" }, fill),
        el("span", { class: "bar-value" }, `${shares[i]}%`),
      );
    }),
  );
}

/** The bars as the answer, or as the network's guess that the verdict set aside (dimmed). */
function setGuess(bars, guess) {
  bars.dataset.guess = String(guess);
  bars.setAttribute("aria-label", guess ? "The network's best guess per label, set aside" : "Probability per label");
}
