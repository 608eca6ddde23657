// The Lab API from the page: requests (on a server with a token, the session cookie the main
// page obtained carries it), errors as sentences a person can act on, and one run's event stream.

/** An answer that was not 2xx: `status` 0 when the server could not be reached. */
export class LabError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "LabError";
    this.status = status;
  }
}

function sentence(text) {
  const s = String(text || "").trim().replace(/^Value error, /, "");
  return s ? s[0].toUpperCase() + s.slice(1) : "";
}

/** `{"detail": ...}` (a string, or pydantic's list of {loc, msg}) as one sentence. */
function describe(status, detail) {
  if (status === 401) {
    return "This server needs an API token: enter it once on the recognizer's page, under Settings → API token.";
  }
  if (typeof detail === "string") return sentence(detail);
  if (Array.isArray(detail) && detail.length) {
    const item = detail[0] || {};
    const where = (item.loc || []).filter((p) => p !== "body").join(" ");
    return sentence(`${where ? `${where}: ` : ""}${item.msg || "is not valid"}`);
  }
  return `The server answered ${status}.`;
}

/** `request("PATCH", "lab/runs/abc", {...})` -> the JSON answer (null for 204). */
export async function request(method, path, body, { keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  const init = { method, headers, keepalive };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`api/${path}`, init);
  } catch {
    throw new LabError(0, "Can't reach the server. Check that hwr is running, then try again.");
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  if (!response.ok) throw new LabError(response.status, describe(response.status, data && data.detail));
  return data;
}

/**
 * Follow a run's events: `onRun(run)` for each `progress`, `onGone()` once the run no longer
 * exists (deleted, or dropped after a while unused), `onConnection(up)` when the stream drops
 * and comes back. EventSource reconnects by itself; `close()` ends it.
 */
export function follow(id, { onRun, onGone, onConnection }) {
  let down = false;
  let timer = 0;
  const source = new EventSource(`api/lab/runs/${encodeURIComponent(id)}/events`);
  source.addEventListener("progress", (event) => {
    let run = null;
    try {
      run = JSON.parse(event.data);
    } catch {
      return;
    }
    onRun(run);
  });
  source.addEventListener("gone", () => {
    source.close();
    onGone();
  });
  source.onopen = () => {
    clearTimeout(timer);
    timer = 0;
    if (down) {
      down = false;
      onConnection(true);
    }
  };
  source.onerror = () => {
    if (source.readyState === EventSource.CLOSED) {
      // An error answer (404: the run is gone) closes it for good.
      clearTimeout(timer);
      onGone();
      return;
    }
    if (!timer && !down) {
      timer = setTimeout(() => {
        timer = 0;
        down = true;
        onConnection(false);
      }, 2000);
    }
  };
  return {
    close() {
      clearTimeout(timer);
      source.close();
    },
  };
}
