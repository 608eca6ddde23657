// One live run on the server: create it, follow its events, change it, end it. A run the
// server dropped (unused for a while) is created again with the same settings.

import { ApiError, createApi, listen } from "../api.js";

const api = createApi(() => "", {
  unauthorized: "This server needs an API token: enter it once on the recognizer's page, under Settings → API token.",
});

/**
 * Follow a run's events: `onRun(run)` for each `progress`, `onGone()` once the run no longer
 * exists (deleted, or dropped after a while unused), `onConnection(up)` when the stream drops
 * and comes back. EventSource reconnects by itself; `close()` ends it.
 */
function follow(id, { onRun, onGone, onConnection }) {
  const stream = listen(
    `lab/runs/${encodeURIComponent(id)}/events`,
    ["progress", "gone"],
    (name, run) => {
      if (name === "progress") return onRun(run);
      stream.close();
      onGone();
    },
    (state) => onConnection(state === "up"),
    { onClosed: onGone }, // an error answer (404: the run is gone) closes it for good
  );
  return stream;
}

export class LiveRun {
  /**
   * `body`: the POST /api/lab/runs body. Callbacks: `onRun(run)` for every new state,
   * `onProblem(message | null, retry)` when it cannot run (429, no server) or runs again,
   * `onConnection(up)` when the events stream drops and returns.
   */
  /**
   * @param {object} body
   * @param {{onRun: (run: any) => void, onProblem?: (message: string | null, retry: (() => void) | null) => void,
   *   onConnection?: (up: boolean) => void}} callbacks
   */
  constructor(body, callbacks) {
    this.body = body;
    this.onRun = callbacks.onRun;
    this.onProblem = callbacks.onProblem || (() => {});
    this.onConnection = callbacks.onConnection || (() => {});
    this.id = null;
    this.run = null;
    this.stream = null;
    this.closed = false;
    this.starting = null;
    this.generation = 0; // counts starts: only the newest one's run is kept
  }

  /** Create the run on the server and follow it; resolves to the run, or null on a problem. */
  start() {
    this.closed = false;
    if (!this.starting) {
      const starting = this._start(++this.generation).finally(() => {
        if (this.starting === starting) this.starting = null;
      });
      this.starting = starting;
    }
    return this.starting;
  }

  async _start(generation) {
    try {
      const run = await api.post("lab/runs", this.body);
      // Closed meanwhile, or restarted with other settings while this one was created.
      if (this.closed || generation !== this.generation) {
        api.del(`lab/runs/${run.id}`).catch(() => {});
        return null;
      }
      this.id = run.id;
      this.onProblem(null, null);
      this._accept(run);
      this.stream = follow(run.id, {
        onRun: (r) => this._accept(r),
        onGone: () => this._gone(run.id),
        onConnection: (up) => this.onConnection(up),
      });
      return run;
    } catch (error) {
      if (generation !== this.generation) return null; // an old start's problem is moot
      const message =
        error instanceof ApiError && error.status === 429
          ? `${error.message}. The lab keeps a few runs at once for everybody.`
          : error.message;
      this.onProblem(message, () => this.start());
      return null;
    }
  }

  _accept(run) {
    if (!run || run.id !== this.id) return;
    // Iterations only grow: an answer that arrives after a newer event is older than it.
    if (this.run && run.iteration < this.run.iteration) return;
    this.run = run;
    this.onRun(run);
  }

  _gone(id) {
    if (this.closed || id !== this.id) return;
    this._detach();
    this.start(); // dropped while unused (a tab left open): start again with the same settings
  }

  _detach() {
    if (this.stream) this.stream.close();
    this.stream = null;
    this.id = null;
  }

  /** PATCH the run (learning_rate, running, step, pretrain); resolves to the run. */
  async patch(changes) {
    if (this.starting) await this.starting; // a click right after a restart acts on the new run
    if (!this.id) return null;
    const run = await api.patch(`lab/runs/${this.id}`, changes);
    this._accept(run);
    return run;
  }

  /** POST pointer samples (identity); resolves to the run. */
  async samples(inputs, targets = inputs) {
    if (this.starting) await this.starting;
    if (!this.id) return null;
    const run = await api.post(`lab/runs/${this.id}/samples`, { inputs, targets });
    this._accept(run);
    return run;
  }

  /** Delete the run on the server and stop following it. `keepalive`: while the page unloads. */
  close({ keepalive = false } = {}) {
    this.closed = true;
    const id = this.id;
    this._detach();
    this.run = null;
    if (id) api.del(`lab/runs/${id}`, { keepalive }).catch(() => {});
  }

  /** A new run, optionally with a new body: same as close() then start(). */
  restart(body = this.body) {
    this.close();
    this.body = body;
    this.starting = null; // a start still in flight has the old settings: it will be dropped
    return this.start();
  }
}
