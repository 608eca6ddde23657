// Canvases at the screen's resolution, in the page's colours (its CSS variables, so both themes
// work): the palette, a diverging scale for weights (blue +, orange −, zero neutral), and a
// canvas's backing store fitted to its CSS box. Both pages draw through these.

const VARS = {
  pos: "--weight-pos",
  neg: "--weight-neg",
  surface: "--surface",
  surface2: "--surface-2",
  ink: "--ink",
  text: "--text",
  muted: "--muted",
  border: "--border",
  accent: "--accent",
  fired: "--fired",
  // The lab's (static/css/lab.css): its outputs near 1 and 0, its two models, the targets.
  one: "--lab-one",
  zero: "--lab-zero",
  linear: "--lab-linear",
  tanh: "--lab-tanh",
  target: "--lab-target",
};
const FALLBACK = {
  pos: "#2b6cd4",
  neg: "#e0730d",
  surface: "#ffffff",
  surface2: "#f6f7f9",
  ink: "#1a2130",
  text: "#1a2130",
  muted: "#5f6878",
  border: "#e1e4e9",
  accent: "#3f5bd8",
  fired: "#b5179e",
};

/** @typedef {[number, number, number]} Rgb */
/** @typedef {{css: Record<keyof VARS, string>, rgb: Record<keyof VARS, Rgb>, font: string}} Palette */

/** "#2b6cd4" -> [43, 108, 212]; anything else -> null. */
export function hexRgb(hex) {
  const m = /^#([0-9a-f]{6})$/i.exec(String(hex).trim());
  if (!m) return null;
  const n = parseInt(m[1], 16);
  return /** @type {Rgb} */ ([(n >> 16) & 255, (n >> 8) & 255, n & 255]);
}

/**
 * The page's colours as seen from `node`, each as CSS text and as [r, g, b]. Read at every
 * draw, so a change of theme shows at the next frame.
 * @returns {Palette}
 */
export function palette(node = document.body) {
  const style = getComputedStyle(node);
  const css = /** @type {Record<keyof VARS, string>} */ ({});
  const rgb = /** @type {Record<keyof VARS, Rgb>} */ ({});
  for (const [key, name] of Object.entries(VARS)) {
    let value = style.getPropertyValue(name).trim();
    if (value.startsWith("var(")) value = style.getPropertyValue(value.slice(4, -1).trim()).trim();
    const parsed = hexRgb(value);
    css[key] = parsed ? value : FALLBACK[key] || "#808080";
    rgb[key] = parsed || hexRgb(css[key]);
  }
  return { css, rgb, font: style.fontFamily };
}

/** @param {Rgb} a @param {Rgb} b @param {number} t @returns {Rgb} */
export function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** @param {Rgb} rgb */
export function rgba([r, g, b], alpha = 1) {
  return `rgba(${Math.round(r)}, ${Math.round(g)}, ${Math.round(b)}, ${alpha})`;
}

/** v in [-1, 1] -> [r, g, b]: zero neutral, +1 full blue, −1 full orange. */
export function diverging(rgb, v) {
  const t = Math.min(1, Math.abs(v));
  return mix(rgb.surface2, v >= 0 ? rgb.pos : rgb.neg, t);
}

/** As a 32-bit pixel for a Uint32Array view of ImageData (little-endian: ABGR). */
export function pixel([r, g, b]) {
  return ((255 << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0;
}

/**
 * Size the canvas's backing store to its CSS box times devicePixelRatio and clear it; a
 * context that draws in CSS pixels, the CSS size and the ratio; null while it is not laid out.
 * @param {HTMLCanvasElement} canvas
 */
export function fitCanvas(canvas) {
  const rect = canvas.getBoundingClientRect();
  if (!rect.width || !rect.height) return null;
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(rect.width * ratio);
  const h = Math.round(rect.height * ratio);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, rect.width, rect.height);
  return { ctx, width: rect.width, height: rect.height, ratio };
}
