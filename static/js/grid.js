// Paint a grid (row-major values in [0, 1]) onto a canvas, in the page's colours.
// Thumbnails use one backing pixel per cell (CSS scales them, pixelated); the preview is
// painted at the screen's resolution with a hairline between cells.

const painted = new WeakMap(); // canvas -> {grid, tiles}

function colours(canvas) {
  const style = getComputedStyle(canvas);
  return {
    ink: style.color,
    paper: style.getPropertyValue("--grid-paper").trim() || "#fff",
    line: style.getPropertyValue("--grid-line").trim() || "rgba(0,0,0,0.08)",
  };
}

/** `grid` may be null (an empty grid). `tiles`: draw cells with gaps at screen resolution. */
export function paintGrid(canvas, grid, size, tiles = false) {
  painted.set(canvas, { grid, size, tiles });
  canvas.classList.add("painted-grid");
  const { ink, paper, line } = colours(canvas);
  const ctx = canvas.getContext("2d");
  if (!tiles) {
    if (canvas.width !== size) canvas.width = canvas.height = size;
    ctx.fillStyle = paper;
    ctx.fillRect(0, 0, size, size);
    ctx.fillStyle = ink;
    for (let i = 0; grid && i < grid.length; i++) {
      if (grid[i] <= 0) continue;
      ctx.globalAlpha = Math.min(1, grid[i]);
      ctx.fillRect(i % size, Math.floor(i / size), 1, 1);
    }
    ctx.globalAlpha = 1;
    return;
  }
  const css = canvas.getBoundingClientRect().width || 144;
  const px = Math.round(css * (window.devicePixelRatio || 1));
  if (canvas.width !== px) canvas.width = canvas.height = px;
  const cell = px / size;
  const gap = Math.max(1, Math.round(px / 300));
  ctx.clearRect(0, 0, px, px);
  ctx.fillStyle = line;
  ctx.fillRect(0, 0, px, px);
  for (let i = 0; i < size * size; i++) {
    const x = Math.round((i % size) * cell);
    const y = Math.round(Math.floor(i / size) * cell);
    const w = Math.round(((i % size) + 1) * cell) - x - gap;
    const h = Math.round((Math.floor(i / size) + 1) * cell) - y - gap;
    ctx.fillStyle = paper;
    ctx.fillRect(x, y, w, h);
    const v = grid ? grid[i] : 0;
    if (v > 0) {
      ctx.globalAlpha = Math.min(1, v);
      ctx.fillStyle = ink;
      ctx.fillRect(x, y, w, h);
      ctx.globalAlpha = 1;
    }
  }
}

/** Paint every grid again (after a theme change or a resize). */
export function repaintGrids(root = document) {
  for (const canvas of root.querySelectorAll("canvas.painted-grid")) {
    const seen = painted.get(canvas);
    if (seen) paintGrid(canvas, seen.grid, seen.size, seen.tiles);
  }
}

/** A theme switch repaints every canvas (`redraw` and the grids); a resize, the grids. */
export function wireRepaint(redraw) {
  matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => {
    redraw();
    repaintGrids();
  });
  window.addEventListener("resize", () => repaintGrids());
}
