// One live run on the server: create it, follow its events, change it, end it. A run the
// server dropped (unused for a while) is created again with the same settings.

import { LabError, follow, request } from "./api.js";

export class LiveRun {
  /**
   * `body`: the POST /api/lab/runs body. Callbacks: `onRun(run)` for every new state,
   * `onProblem(message | null, retry)` when it cannot run (429, no server) or runs again,
   * `onConnection(up)` when the events stream drops and returns.
   */
  constructor(body, { onRun, onProblem = () => {}, onConnection = () => {} }) {
    this.body = body;
    this.onRun = onRun;
    this.onProblem = onProblem;
    this.onConnection = onConnection;
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
      const run = await request("POST", "lab/runs", this.body);
      // Closed meanwhile, or restarted with other settings while this one was created.
      if (this.closed || generation !== this.generation) {
        request("DELETE", `lab/runs/${run.id}`).catch(() => {});
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
        error instanceof LabError && error.status === 429
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
    const run = await request("PATCH", `lab/runs/${this.id}`, changes);
    this._accept(run);
    return run;
  }

  /** POST pointer samples (identity); resolves to the run. */
  async samples(inputs, targets = inputs) {
    if (this.starting) await this.starting;
    if (!this.id) return null;
    const run = await request("POST", `lab/runs/${this.id}/samples`, { inputs, targets });
    this._accept(run);
    return run;
  }

  /** Delete the run on the server and stop following it. `keepalive`: while the page unloads. */
  close({ keepalive = false } = {}) {
    this.closed = true;
    const id = this.id;
    this._detach();
    this.run = null;
    if (id) request("DELETE", `lab/runs/${id}`, undefined, { keepalive }).catch(() => {});
  }

  /** A new run, optionally with a new body: same as close() then start(). */
  restart(body = this.body) {
    this.close();
    this.body = body;
    this.starting = null; // a start still in flight has the old settings: it will be dropped
    return this.start();
  }
}
