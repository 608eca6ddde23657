// Export and Import of the dataset and the model as JSON files.

import { $, downloadJson, notify, pickJson } from "./ui.js";

/**
 * Wire the four buttons. `ctx` gives `api`, `name()` (the recognizer), `path(suffix)`,
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

  async function importJson(what) {
    try {
      const doc = await pickJson();
      if (!doc) return;
      if (what === "dataset") {
        const counts = await ctx.api.post(ctx.path("/dataset"), doc);
        notify(`Imported ${counts.added} samples.`);
        await ctx.refreshSamples();
      } else {
        await ctx.api.put(ctx.path("/model"), doc);
        notify("Model imported: Check uses it now.");
      }
      await ctx.refreshSummary();
    } catch (error) {
      ctx.fail(error);
    }
  }

  $("export-dataset").addEventListener("click", () => exportJson("dataset"));
  $("import-dataset").addEventListener("click", () => importJson("dataset"));
  $("export-model").addEventListener("click", () => exportJson("model"));
  $("import-model").addEventListener("click", () => importJson("model"));
}
