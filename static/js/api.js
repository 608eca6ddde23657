// HTTP and server-sent events for both pages (the recognizer's and the lab): plain-words errors,
// reconnects. A server with a token knows this browser by the session cookie access.js obtains
// (same-origin requests carry it).

// What an error about a field calls it; the settings form adds each setting's name from the
// server's schema (nameFields).
const FIELD_NAMES = new Map(Object.entries({
  label: "Label",
  strokes: "Drawing",
  name: "Name",
  max_iterations: "Max iterations",
  target_mse: "Target MSE",
  samples: "Samples",
  layers: "Layers",
  labels: "Labels",
  format: "Format",
  grid_size: "Grid size",
}));

/** Name fields for error sentences: `{learning_rate: "Learning rate"}`. */
export function nameFields(names) {
  for (const [key, name] of Object.entries(names)) FIELD_NAMES.set(key, name);
}

/** An API error with a message a person can act on. */
export class ApiError extends Error {
  constructor(status, message, detail = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.detail = detail;
  }
}

function fieldName(loc) {
  const parts = (loc || []).filter((p) => p !== "body" && typeof p === "string");
  const last = parts[parts.length - 1];
  if (!last) return "";
  return FIELD_NAMES.get(last) || last.replace(/_/g, " ");
}

function sentence(text) {
  const s = String(text || "").trim().replace(/^Value error, /, "");
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

/** Turn `{"detail": ...}` (a string or pydantic's list of {loc, msg}) into one sentence. */
export function describeDetail(detail) {
  if (typeof detail === "string") return sentence(detail);
  if (Array.isArray(detail)) {
    const seen = new Set();
    const parts = [];
    for (const item of detail) {
      const field = fieldName(item && item.loc);
      const msg = sentence(item && item.msg ? item.msg : "is not valid");
      const text = field ? `${field}: ${msg.charAt(0).toLowerCase()}${msg.slice(1)}` : msg;
      if (!seen.has(text)) parts.push(text);
      seen.add(text);
    }
    return parts.slice(0, 3).join(". ");
  }
  return "";
}

/** What a 401 says on the recognizer's page, where the token is asked for. */
const SIGN_IN = "This server needs an API token. Enter it under Settings → API token (asked once).";

/** One sentence for an error answer; `unauthorized` is what a 401 says on this page. */
export function describeError(status, detail, unauthorized = SIGN_IN) {
  const said = describeDetail(detail);
  if (status === 401) return unauthorized;
  if (status === 413) return "That is too large for the server to accept" + (said ? ` (${said}).` : ".");
  if (status >= 500) return `The server had a problem${said ? `: ${said}` : ""}. Please try again.`;
  return said || `The server answered ${status}.`;
}

/**
 * A small client for /api; `token()`, if given, is sent as a bearer token (POST /api/session);
 * `unauthorized` is the sentence for a 401 (where this page's visitor gets the token).
 */
export function createApi(token = () => "", { unauthorized = SIGN_IN } = {}) {
  /** @param {{binary?: boolean, keepalive?: boolean}} options keepalive: while the page unloads */
  async function request(method, path, body = undefined, options = {}) {
    const { binary = false, keepalive = false } = options;
    /** @type {Record<string, string>} */
    const headers = { Accept: "application/json" };
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    /** @type {RequestInit} */
    const init = { method, headers, keepalive };
    if (body !== undefined) {
      headers["Content-Type"] = "application/json";
      init.body = typeof body === "string" ? body : JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(`api/${path}`, init);
    } catch {
      throw new ApiError(0, "Can't reach the server. Check that hwr is running, then try again.");
    }
    if (response.status === 204) return null;
    if (binary && response.ok) return response.blob();
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    if (!response.ok) {
      const detail = data && typeof data === "object" ? data.detail : null;
      throw new ApiError(response.status, describeError(response.status, detail, unauthorized), detail);
    }
    return data;
  }
  return {
    get: (path) => request("GET", path),
    blob: (path) => request("GET", path, undefined, { binary: true }),
    post: (path, body = undefined) => request("POST", path, body),
    put: (path, body) => request("PUT", path, body),
    patch: (path, body) => request("PATCH", path, body),
    del: (path, options = {}) => request("DELETE", path, undefined, options),
  };
}

/**
 * Follow an event stream; EventSource retries by itself after a closed stream, and this
 * reopens it when the browser gives up (an error answer), unless `onClosed` is given: then
 * that is called instead (the lab's run is gone). `onState("down")` fires only when the
 * stream stays away for a while, not for the planned close after `done`.
 * @param {(name: string, data: any) => void} onEvent
 * @param {(state: "down" | "up") => void} onState
 * @param {{onClosed?: () => void}} options
 */
export function listen(path, names, onEvent, onState, options = {}) {
  const { onClosed = null } = options;
  let source = null;
  let stopped = false;
  let down = false;
  let downTimer = 0;
  let retryTimer = 0;
  let backoff = 1000;

  function connect() {
    source = new EventSource(`api/${path}`);
    for (const name of names) {
      source.addEventListener(name, (event) => {
        let data = null;
        try {
          data = JSON.parse(event.data);
        } catch {
          return;
        }
        onEvent(name, data);
      });
    }
    source.onopen = () => {
      backoff = 1000;
      clearTimeout(downTimer);
      downTimer = 0;
      if (down) {
        down = false;
        onState("up");
      }
    };
    source.onerror = () => {
      if (stopped) return;
      if (onClosed && source.readyState === EventSource.CLOSED) {
        clearTimeout(downTimer);
        onClosed();
        return;
      }
      if (!downTimer && !down) {
        downTimer = setTimeout(() => {
          downTimer = 0;
          down = true;
          onState("down");
        }, 2500);
      }
      if (source.readyState === EventSource.CLOSED) {
        source.close();
        retryTimer = setTimeout(connect, backoff);
        backoff = Math.min(backoff * 2, 8000);
      }
    };
  }

  connect();
  return {
    close() {
      stopped = true;
      clearTimeout(downTimer);
      clearTimeout(retryTimer);
      if (source) source.close();
    },
  };
}
