// What the network sees and what it says: the drawing's grid preview (POST /api/rasterize) and
// Check (POST .../check). Only the latest request's answer is shown: a late answer about an
// older drawing is dropped.

import { paintGrid } from "./grid.js";
import { TOO_SMALL, tooSmall } from "./pad.js";
import { renderResult } from "./result.js";
import { $, notify, settle } from "./ui.js";

/**
 * `ctx`: api, pad, net (the network card), path(suffix), gridSize(), antialias() (the grid mode
 * of the recognizer's model), fail(error, background). Returns {preview(), check(auto)}.
 */
export function checker(ctx) {
  const latest = { preview: 0, check: 0 }; // the number of the latest request of each

  async function preview() {
    const seq = ++latest.preview;
    const canvas = $("preview");
    const strokes = ctx.pad.data();
    if (!strokes.length) {
      paintGrid(canvas, null, ctx.gridSize(), true);
      canvas.dataset.strokes = "0";
      return;
    }
    try {
      const { grid } = await ctx.api.post("rasterize", { strokes, grid_size: ctx.gridSize(), antialias: ctx.antialias() });
      if (seq !== latest.preview) return;
      paintGrid(canvas, grid, ctx.gridSize(), true);
      canvas.dataset.strokes = String(strokes.length); // which drawing the preview shows
      canvas.dataset.antialias = String(ctx.antialias());
    } catch (error) {
      if (seq === latest.preview) ctx.fail(error, true);
    }
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
