// Colours for pictures of weights and activations, from the page's CSS variables (so both themes
// work): a diverging scale (blue +, orange −, zero neutral) and a sequential one (ink on paper).

const FALLBACK = {
  pos: "#2b6cd4",
  neg: "#e0730d",
  zero: "#f6f7f9",
  paper: "#ffffff",
  ink: "#1a2130",
  muted: "#5f6878",
  line: "#e1e4e9",
  accent: "#3f5bd8",
  text: "#1a2130",
  fired: "#b5179e",
};
const VARS = {
  pos: "--weight-pos",
  neg: "--weight-neg",
  zero: "--surface-2",
  paper: "--surface",
  ink: "--ink",
  muted: "--muted",
  line: "--border",
  accent: "--accent",
  text: "--text",
  fired: "--fired",
};

/** "#2b6cd4" -> [43, 108, 212]; anything else -> null. */
export function hexRgb(hex) {
  const m = /^#([0-9a-f]{6})$/i.exec(String(hex).trim());
  if (!m) return null;
  const n = parseInt(m[1], 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** The page's colours as seen from `node`: each as CSS text and as [r, g, b]. */
export function palette(node) {
  const style = getComputedStyle(node);
  const css = {};
  const rgb = {};
  for (const [key, name] of Object.entries(VARS)) {
    const value = style.getPropertyValue(name).trim();
    const parsed = hexRgb(value);
    css[key] = parsed ? value : FALLBACK[key];
    rgb[key] = parsed || hexRgb(FALLBACK[key]);
  }
  return { css, rgb, font: style.fontFamily };
}

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** v in [-1, 1] -> [r, g, b]: zero neutral, +1 full blue, −1 full orange. */
export function diverging(rgb, v) {
  const t = Math.min(1, Math.abs(v));
  return mix(rgb.zero, v >= 0 ? rgb.pos : rgb.neg, t);
}

/** As a 32-bit pixel for a Uint32Array view of ImageData (little-endian: ABGR). */
export function pixel([r, g, b]) {
  return ((255 << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0;
}

/** A canvas's backing store sized to its CSS box at the screen's resolution; returns the CSS
 * size and the ratio, or null while it is not laid out. */
export function fitCanvas(canvas) {
  const rect = canvas.getBoundingClientRect();
  if (!rect.width || !rect.height) return null;
  const ratio = window.devicePixelRatio || 1;
  const w = Math.round(rect.width * ratio);
  const h = Math.round(rect.height * ratio);
  if (canvas.width !== w) canvas.width = w;
  if (canvas.height !== h) canvas.height = h;
  return { width: rect.width, height: rect.height, ratio };
}
