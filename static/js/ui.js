// Small DOM helpers: elements built with textContent only (labels are user data), notices,
// number formats and file transfer.

/**
 * An element of the page by its id. Typed as any of the controls a page looks up by id (an
 * input, a select, a canvas, a dialog, a details), so their properties are checked by name.
 * @typedef {HTMLInputElement & HTMLSelectElement & HTMLCanvasElement & HTMLDialogElement & HTMLDetailsElement} Control
 * @param {string} id
 * @returns {Control}
 */
export const $ = (id) => /** @type {Control} */ (document.getElementById(id));

/** `el("li", {class: "x", "aria-label": "y"}, "text", child)`: never parses HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** localStorage that never throws (private mode: settings last for this visit only). */
export const saved = {
  get: (key, fallback) => {
    try {
      return localStorage.getItem(key) ?? fallback;
    } catch {
      return fallback;
    }
  },
  set: (key, value) => {
    try {
      localStorage.setItem(key, value);
    } catch {
      /* private mode: settings last for this visit only */
    }
  },
  remove: (key) => {
    try {
      localStorage.removeItem(key);
    } catch {
      /* nothing was kept */
    }
  },
};

let noticeTimer = 0;

/** Show a message in the notice bar (an aria-live region); errors stay until dismissed, or
 * until what they are `about` succeeds (settle). `action` ({label, run, ms}) adds one button
 * (e.g. Undo); the message then lasts `ms`. */
export function notify(message, kind = "info", action = null, about = "") {
  const bar = $("notice");
  bar.dataset.about = about;
  $("notice-text").textContent = message;
  const old = bar.querySelector(".notice-action");
  if (old) old.remove();
  if (action) {
    const button = el("button", { type: "button", class: "button small notice-action" }, action.label);
    button.addEventListener("click", () => {
      dismissNotice();
      action.run();
    });
    $("notice-close").before(button);
  }
  bar.dataset.kind = kind;
  bar.hidden = false;
  clearTimeout(noticeTimer);
  const ms = action && action.ms ? action.ms : 4000;
  if (kind !== "error") noticeTimer = setTimeout(() => (bar.hidden = true), ms);
}

export function dismissNotice() {
  clearTimeout(noticeTimer);
  $("notice").hidden = true;
}

/** What an error was `about` (e.g. "check") worked this time: the error is over. */
export function settle(about) {
  if ($("notice").dataset.about === about) dismissNotice();
}

export function formatMse(value) {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (value === 0) return "0";
  if (Math.abs(value) < 0.001 || Math.abs(value) >= 1000) {
    return value.toExponential(2).replace("e-", "e−");
  }
  return value.toPrecision(3);
}

export function formatCount(value) {
  return value === null || value === undefined ? "—" : value.toLocaleString();
}

/** Show a number in a <dd>, keeping the exact value in data-value for tools and tests. */
export function setStat(node, text, value) {
  node.textContent = text;
  if (value === null || value === undefined) delete node.dataset.value;
  else node.dataset.value = String(value);
}

export function downloadJson(filename, data) {
  downloadBlob(filename, new Blob([JSON.stringify(data)], { type: "application/json" }));
}

/** Save a Blob as a file named `filename`. */
export function downloadBlob(filename, blob) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

/** Ask for a JSON file; resolves with its parsed content, or null when nothing was chosen. */
export function pickJson() {
  return new Promise((resolve, reject) => {
    const input = el("input", { type: "file", accept: ".json,application/json", hidden: true });
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      input.remove();
      if (!file) return resolve(null);
      try {
        resolve(JSON.parse(await file.text()));
      } catch {
        reject(new Error(`“${file.name}” is not a JSON file.`));
      }
    });
    input.addEventListener("cancel", () => (input.remove(), resolve(null)));
    document.body.append(input);
    input.click();
  });
}
