// /docs: starts Swagger UI (loaded before this module by templates/api-docs.html) on the
// server's OpenAPI document. A file rather than FastAPI's inline script, so the page keeps the
// Content-Security-Policy without inline script.

/** @type {any} */
const SwaggerUIBundle = /** @type {any} */ (window).SwaggerUIBundle;
const root = /** @type {HTMLElement} */ (document.getElementById("swagger-ui"));

/**
 * Swagger UI titles the page with an h1 and each group of operations with an h3: an h2 between
 * them keeps the headings in order for a screen reader's outline (axe-core's heading-order).
 * @param {any} Original
 * @param {any} system
 */
const withHeading = (Original, system) => (/** @type {any} */ props) =>
  system.React.createElement(
    "div",
    null,
    system.React.createElement("h2", { className: "operations-heading" }, "Operations"),
    system.React.createElement(Original, props),
  );

/**
 * The request body's text area has no label of its own (axe-core's label): name it.
 * @param {any} Original
 * @param {any} system
 */
const namedBody = (Original, system) => (/** @type {any} */ props) =>
  system.React.createElement(Original, {
    ...(String(props.className).includes("body-param__text") ? { "aria-label": "Request body" } : {}),
    ...props,
  });

SwaggerUIBundle({
  url: root.dataset.openapi,
  domNode: root,
  // Off: a deep link is an <a> inside each operation's <button>, which screen readers and
  // keyboards cannot tell apart (axe-core's nested-interactive).
  deepLinking: false,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  plugins: [() => ({ wrapComponents: { operations: withHeading, TextArea: namedBody } })],
  layout: "BaseLayout",
});
