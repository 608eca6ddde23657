// Export and Import of the dataset and the model as JSON files; the model as ONNX, and as a
// one-file web app, too.

import { $, downloadBlob, downloadJson, formatCount, formatMse, notify, pickJson } from "./ui.js";

/**
 * Wire the six buttons. `ctx` gives `api`, `name()` (the recognizer), `path(suffix)`,
 * `refreshSummary()`, `refreshSamples()` and `fail(error)`.
 */
export function wireTransfer(ctx) {
  async function exportJson(what) {
    try {
      downloadJson(`${ctx.name()}-${what}.json`, await ctx.api.get(ctx.path(`/${what}`)));
    } catch (error) {
      if (error.status === 409) notify("Train first: there is no model to export yet.", "error");
      else ctx.fail(error);
    }
  }

  /** The model as another file: `/model.onnx`, or `/app.html` (the one-file web app). */
  async function exportFile(path) {
    try {
      const extension = path.slice(path.lastIndexOf("."));
      downloadBlob(`${ctx.name()}${extension}`, await ctx.api.blob(ctx.path(path)));
    } catch (error) {
      if (error.status === 404) notify("Train first: there is no model to export yet.", "error");
      else ctx.fail(error);
    }
  }

  async function importJson(what) {
    try {
      const doc = await pickJson();
      if (!doc) return;
      if (what === "dataset") {
        const counts = await ctx.api.post(ctx.path("/dataset"), doc);
        const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
        notify(`Imported the dataset: added ${plural(counts.added, "sample")}, skipped ${plural(counts.skipped || 0, "duplicate")}.`);
        await ctx.refreshSamples();
      } else {
        await ctx.api.put(ctx.path("/model"), doc);
        const model = await ctx.api.get(ctx.path());
        const m = model.model || {};
        notify(`Model imported (${formatCount(m.iterations)} iterations, MSE ${formatMse(m.mse)}): Check uses it now.`);
      }
      await ctx.refreshSummary();
    } catch (error) {
      ctx.fail(error);
    }
  }

  $("export-dataset").addEventListener("click", () => exportJson("dataset"));
  $("import-dataset").addEventListener("click", () => importJson("dataset"));
  $("export-model").addEventListener("click", () => exportJson("model"));
  $("export-onnx").addEventListener("click", () => exportFile("/model.onnx"));
  $("export-app").addEventListener("click", () => exportFile("/app.html"));
  $("import-model").addEventListener("click", () => importJson("model"));
}
