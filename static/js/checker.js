// What the network sees and what it says: the drawing's grid preview (drawn here, by the same
// rasteriser as the server's: ../hwr-recognizer.js) and Check (POST .../check). Only the latest
// Check's answer is shown: a late answer about an older drawing is dropped.

import { rasterize } from "../hwr-recognizer.js";
import { paintGrid } from "./grid.js";
import { TOO_SMALL, tooSmall } from "./pad.js";
import { renderResult } from "./result.js";
import { $, notify, settle } from "./ui.js";

/**
 * `ctx`: api, pad, net (the network card), path(suffix), gridSize(), antialias() (the grid mode
 * of the recognizer's model), fail(error). Returns {preview(), check(auto)}.
 */
export function checker(ctx) {
  const latest = { check: 0 }; // the number of the latest Check request

  // No server trip: the grid at once, on every stroke, even while the server is away.
  function preview() {
    const canvas = $("preview");
    const strokes = ctx.pad.data();
    const [size, antialias] = [ctx.gridSize(), ctx.antialias()];
    const grid = strokes.length ? rasterize(strokes, { gridSize: size, antialias }) : null;
    paintGrid(canvas, grid, size, true);
    canvas.dataset.strokes = String(strokes.length); // which drawing the preview shows
    canvas.dataset.antialias = String(antialias);
  }

  async function check(auto = false) {
    if (ctx.pad.empty) {
      if (!auto) notify("Draw something first, then Check.");
      return;
    }
    if (tooSmall(ctx.pad)) {
      if (!auto) notify(TOO_SMALL, "error", null, "check");
      return;
    }
    const seq = ++latest.check;
    try {
      const body = { strokes: ctx.pad.data(), activations: true, member: ctx.net.member || 0 };
      const result = await ctx.api.post(ctx.path("/check"), body);
      if (seq === latest.check && !ctx.pad.empty) {
        settle("check");
        renderResult(result);
        ctx.net.showPath(result);
      }
    } catch (error) {
      if (seq !== latest.check || auto) return;
      if (error.status === 409) notify("Train first: there is no trained model yet.", "error", null, "check");
      else ctx.fail(error);
    }
  }

  return { preview, check };
}
