// /docs: starts Swagger UI (loaded before this module by templates/api-docs.html) on the
// server's OpenAPI document. A file rather than FastAPI's inline script, so the page keeps the
// Content-Security-Policy without inline script.

/** @type {any} */
const SwaggerUIBundle = /** @type {any} */ (window).SwaggerUIBundle;
const root = /** @type {HTMLElement} */ (document.getElementById("swagger-ui"));

SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: "BaseLayout",
});
