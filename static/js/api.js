// HTTP and server-sent events for the page: plain-words errors, reconnects. A server with a token
// knows this browser by the session cookie access.js obtains (same-origin requests carry it).

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

export function describeError(status, detail) {
  const said = describeDetail(detail);
  if (status === 401) {
    return "This server needs an API token. Enter it under Settings → API token (asked once).";
  }
  if (status === 413) return "That is too large for the server to accept" + (said ? ` (${said}).` : ".");
  if (status >= 500) return `The server had a problem${said ? `: ${said}` : ""}. Please try again.`;
  return said || `The server answered ${status}.`;
}

/** A small client for /api; `token()`, if given, is sent as a bearer token (POST /api/session). */
export function createApi(token = () => "") {
  async function request(method, path, body, binary = false) {
    const headers = { Accept: "application/json" };
    const t = token();
    if (t) headers.Authorization = `Bearer ${t}`;
    const init = { method, headers };
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
      throw new ApiError(response.status, describeError(response.status, detail), detail);
    }
    return data;
  }
  return {
    get: (path) => request("GET", path),
    blob: (path) => request("GET", path, undefined, true),
    post: (path, body) => request("POST", path, body),
    put: (path, body) => request("PUT", path, body),
    patch: (path, body) => request("PATCH", path, body),
    del: (path) => request("DELETE", path),
  };
}

/**
 * Follow an event stream; EventSource retries by itself after a closed stream, and this
 * reopens it when the browser gives up (an error answer). `onState("down")` fires only when
 * the stream stays away for a while, not for the planned close after `done`.
 */
export function listen(path, names, onEvent, onState) {
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
