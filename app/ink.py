"""Ink: strokes -> normalised coordinates -> grid (numpy only).

Strokes are what the canvas records: a list of strokes, each a list of points ``[x, y]`` or
``[x, y, t]`` (t, time in ms, is ignored), y growing downwards, any scale or offset.

Normalisation maps the bounding box of all points into continuous grid coordinates (cell units,
0..grid_size, y down), keeping the aspect ratio: the longer side spans from the centre of the
first cell to the centre of the last, so every coordinate lies in [0.5, grid_size - 0.5] (a
half-cell margin), and the shorter side is centred. A zero-size side (a horizontal or vertical
line, or all points identical) sits at grid_size / 2. A point lies in cell floor(coordinate),
clipped to [0, grid_size - 1]; on an even grid the centre falls on a cell corner, so a lone dot
lands in the cell just below and right of it.

Rasterising marks every cell whose inside the path passes through: the segments between
consecutive points of each stroke (strokes are not joined), and a one-point stroke as a dot.
Lines are therefore 4-connected, or 8-connected where the path crosses a cell corner exactly.
The anti-aliased mode draws a round pen: full intensity within pen_radius of the path (by
default PEN_RADIUS, half a cell: a pen 1 cell wide), then fading linearly to 0 over PEN_EDGE (one
more cell); cells the path passes through are always 1. A random pen_radius varies the stroke
width when augmenting training drawings (app.augment).

rasterise_many draws many drawings in one vectorised computation (points, segments and cells of
all drawings side by side, each tagged with its drawing): the same grids as rasterise, which is
it for one drawing, at a fraction of the cost per drawing (a training's augmented variants).

They raise ValueError for a drawing without points, a point of other than 2 or 3
numbers, a number that is not finite, or grid_size < 2; rasterising also for a pen_radius that is
negative or not finite. Limits on counts and magnitudes are the HTTP layer's; any finite float
works here.
"""

from collections.abc import Sequence
from itertools import chain

import numpy as np
from numpy.typing import NDArray

GRID_SIZE = 12
PEN_RADIUS = 0.5
PEN_EDGE = 1.0
# Path pieces shorter than this (cell units) are rounding noise where a segment meets a corner.
_EPS = 1e-9
_CHUNK = 4096

Strokes = Sequence[Sequence[Sequence[float]]]
F64 = NDArray[np.float64]
_POINT_SHAPE = "a point is [x, y] or [x, y, t]"


def normalise(strokes: Strokes, grid_size: int = GRID_SIZE) -> list[NDArray[np.float64]]:
    """Each non-empty stroke -> array (n_i, 2) of x, y in grid coordinates; empty ones dropped."""
    return normalise_many([strokes], grid_size)[0]


def normalise_many(
    drawings: Sequence[Strokes], grid_size: int = GRID_SIZE
) -> list[list[NDArray[np.float64]]]:
    """normalise() of each drawing, computed at once."""
    if grid_size < 2:
        raise ValueError(f"grid_size must be at least 2, got {grid_size}")
    if not drawings:
        return []
    x, y, counts, sizes = _parse_all(drawings, grid_size)
    x, y = _fit(x, y, np.repeat(np.arange(sizes.size), sizes), sizes, grid_size)
    per = [len(d) for d in drawings]  # strokes of each drawing, empty ones included
    strokes = np.split(np.stack([x, y], axis=1), np.cumsum(counts)[:-1])
    out, first = [], 0
    for n in per:
        out.append([s for s in strokes[first : first + n] if len(s)])
        first += n
    return out


def rasterise(
    strokes: Strokes,
    grid_size: int = GRID_SIZE,
    *,
    antialias: bool = False,
    pen_radius: float = PEN_RADIUS,
) -> NDArray[np.float32]:
    """Strokes -> grid (grid_size * grid_size,), row-major, top row first, values in [0, 1]."""
    grids = rasterise_many([strokes], grid_size, antialias=antialias, pen_radius=[pen_radius])
    grid: NDArray[np.float32] = grids[0]
    return grid


def rasterise_many(
    drawings: Sequence[Strokes | Sequence[F64]],
    grid_size: int = GRID_SIZE,
    *,
    antialias: bool = False,
    pen_radius: Sequence[float] | float = PEN_RADIUS,
) -> NDArray[np.float32]:
    """Drawings -> grids (n, grid_size * grid_size), each exactly rasterise() of it, with its
    own pen_radius (n,) or one for all. All drawings are computed at once: a training's
    augmented variants cost ~20x less than one by one. A stroke may also be an array (n_i, 2)."""
    radii = np.array(pen_radius, dtype=np.float64, ndmin=1)
    ok = np.isfinite(radii) & (radii >= 0.0)
    if not ok.all():
        raise ValueError(f"pen_radius must be a finite number >= 0, got {radii[~ok][0]}")
    if radii.size != len(drawings):
        radii = np.broadcast_to(radii, (len(drawings),))
    if grid_size < 2:
        raise ValueError(f"grid_size must be at least 2, got {grid_size}")
    if not drawings:
        return np.zeros((0, grid_size * grid_size), dtype=np.float32)
    x, y, counts, sizes = _parse_all(drawings, grid_size)
    return rasterise_joined(x, y, counts, sizes, grid_size, antialias, radii)


def rasterise_joined(
    x: F64,
    y: F64,
    counts: NDArray[np.intp],
    sizes: NDArray[np.intp],
    grid_size: int,
    antialias: bool,
    pen_radius: F64,
) -> NDArray[np.float32]:
    """rasterise_many of drawings given joined and checked (finite): the points' x, y (n,), the
    points of each stroke (s,), of each drawing (d,), none 0; pen_radius (d,) -> (d, cells)."""
    radii = pen_radius
    drawing = np.arange(sizes.size).repeat(sizes)  # the drawing of each point
    x, y = _fit(x, y, drawing, sizes, grid_size)
    stroke = np.arange(counts.size).repeat(counts)
    joined = stroke[1:] == stroke[:-1]  # (n - 1,): point i and i + 1 belong to one stroke
    seg = joined.nonzero()[0]  # segment from point seg to seg + 1
    cells = grid_size * grid_size
    grid = np.zeros(sizes.size * cells, dtype=np.float32)
    px, py, of = _path_points(x, y, seg, grid_size)
    grid[drawing[of] * cells + _cell(py, grid_size) * grid_size + _cell(px, grid_size)] = 1.0
    if antialias:
        # A one-point stroke has no segment: draw it as a segment of length 0.
        alone = np.ones(x.size, dtype=bool)
        alone[1:] &= ~joined
        alone[:-1] &= ~joined
        lone = alone.nonzero()[0]
        a, b = np.concatenate([seg, lone]), np.concatenate([seg + 1, lone])
        soft = _soft(x[a], y[a], x[b], y[b], drawing[a], sizes.size, grid_size, radii)
        np.maximum(grid, soft, out=grid)
    return grid.reshape(sizes.size, cells)


def _parse(strokes: Strokes, grid_size: int) -> tuple[F64, F64, NDArray[np.intp]]:
    """Validate -> x (n,), y (n,) of all points and the number of points of each stroke."""
    if grid_size < 2:
        raise ValueError(f"grid_size must be at least 2, got {grid_size}")
    # Flattening through itertools keeps the per-point work in C (np.asarray is ~2x slower).
    try:
        counts = np.fromiter(map(len, strokes), np.intp)
        points = list(chain.from_iterable(strokes))
        sizes = np.fromiter(map(len, points), np.intp, len(points))
    except TypeError as e:
        raise ValueError(
            f"strokes must be a list of strokes, each a list of points; {_POINT_SHAPE}"
        ) from e
    if sizes.size == 0:
        raise ValueError("strokes contain no points")
    bad = ((sizes < 2) | (sizes > 3)).nonzero()[0]
    if bad.size:
        raise ValueError(f"{_where(bad[0], counts)}: {_POINT_SHAPE}, got {sizes[bad[0]]} numbers")
    try:
        flat = np.fromiter(chain.from_iterable(points), np.float64, int(sizes.sum()))
    except (TypeError, ValueError, OverflowError) as e:
        raise ValueError(f"coordinates must be finite numbers; {_POINT_SHAPE}") from e
    starts = sizes.cumsum() - sizes
    finite = np.logical_and.reduceat(np.isfinite(flat), starts)
    if not finite.all():
        raise ValueError(
            f"{_where(np.flatnonzero(~finite)[0], counts)}: coordinates must be finite numbers"
        )
    return flat[starts], flat[starts + 1], counts


def _parse_all(
    drawings: Sequence[Strokes | Sequence[F64]], grid_size: int
) -> tuple[F64, F64, NDArray[np.intp], NDArray[np.intp]]:
    """_parse of each drawing, joined: x, y (n,), points of each stroke, points of each drawing.
    Strokes given as arrays (n_i, 2), as augment makes them, are joined all at once."""
    if all(
        s and all(isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1] == 2 for a in s)
        for s in drawings
    ):
        strokes = [a for s in drawings for a in s]
        counts = np.fromiter(map(len, strokes), np.intp, len(strokes))
        per = np.fromiter(map(len, drawings), np.intp, len(drawings))  # strokes per drawing
        ends = np.cumsum(counts)[np.cumsum(per) - 1]
        sizes = np.diff(ends, prepend=0)
        if not sizes.all():
            raise ValueError("strokes contain no points")
        P = np.concatenate(strokes, dtype=np.float64)
        if not np.isfinite(P).all():
            raise ValueError("coordinates must be finite numbers")
        return P[:, 0], P[:, 1], counts, sizes
    parsed = [_parse(d, grid_size) for d in drawings]  # type: ignore[arg-type]
    if len(parsed) == 1:
        x, y, counts = parsed[0]
        return x, y, counts, np.array([x.size])
    return (
        np.concatenate([p[0] for p in parsed]),
        np.concatenate([p[1] for p in parsed]),
        np.concatenate([p[2] for p in parsed]),
        np.array([p[0].size for p in parsed]),
    )


def _where(i: np.intp, counts: NDArray[np.intp]) -> str:
    """Index of a point among all points -> 'stroke s, point p' (both from 0)."""
    ends = np.cumsum(counts)
    s = int(np.searchsorted(ends, i, side="right"))
    return f"stroke {s}, point {int(i - (ends[s] - counts[s]))}"


def _fit(
    x: F64, y: F64, drawing: NDArray[np.intp], sizes: NDArray[np.intp], grid_size: int
) -> tuple[F64, F64]:
    """x, y (n,) of the points of drawings `drawing` (n,), in order, of sizes (d,) points each,
    none 0 -> grid coordinates in [0.5, grid_size - 0.5], each drawing's aspect ratio kept."""
    starts = sizes.cumsum() - sizes
    x0, x1 = np.minimum.reduceat(x, starts), np.maximum.reduceat(x, starts)
    y0, y1 = np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)
    # Halves first, so that a box from -1e308 to 1e308 does not overflow.
    half = np.maximum(x1 / 2 - x0 / 2, y1 / 2 - y0 / 2)
    flat = half == 0.0  # all points in one place: the grid's centre
    half[flat] = 1.0

    def fit(v: F64, centre: F64) -> F64:
        # Divide before scaling: the ratio is within [-1, 1] even when half is subnormal.
        u: F64 = grid_size / 2 + (v - centre[drawing]) / half[drawing] * ((grid_size - 1) / 2)
        u[flat[drawing]] = grid_size / 2
        return _clip(u, 0.5, grid_size - 0.5)

    return fit(x, x0 / 2 + x1 / 2), fit(y, y0 / 2 + y1 / 2)


def _cell(u: F64, grid_size: int) -> NDArray[np.intp]:
    """Grid coordinates (n,) -> cell index along that axis (n,)."""
    return _clip(np.floor(u), 0, grid_size - 1).astype(np.intp)


def _clip(u: F64, lo: float, hi: float) -> F64:
    """np.clip(u, lo, hi, out=u) for finite u at a fraction of its cost (the ufuncs directly:
    np.clip's checks cost more than clipping a drawing's few hundred values)."""
    np.maximum(u, lo, out=u)
    return np.minimum(u, hi, out=u)


def _path_points(
    x: F64, y: F64, seg: NDArray[np.intp], grid_size: int
) -> tuple[F64, F64, NDArray[np.intp]]:
    """One point inside each cell the path enters: x, y (n,) and segments seg -> seg + 1 (m,).

    Each segment is cut where it crosses a grid line; the middle of every piece lies in a cell the
    segment passes through. Returns x, y (k,) of the points and those middles, and the point
    each came from (k,): itself, or its segment's start.
    """
    cx, cy = _cell(x, grid_size), _cell(y, grid_size)
    nxt = seg + 1
    step_x, step_y = cx[nxt] - cx[seg], cy[nxt] - cy[seg]
    crossing = (step_x != 0) | (step_y != 0)  # segments within one cell add nothing
    points = np.arange(x.size)
    if not crossing.any():
        return x, y, points
    seg, nxt = seg[crossing], nxt[crossing]
    ax, ay, bx, by = x[seg], y[seg], x[nxt], y[nxt]
    m = seg.size
    ids = np.arange(m)
    ts: list[F64] = [np.zeros(m), np.ones(m)]
    ss: list[NDArray[np.intp]] = [ids, ids]
    axes = ((ax, bx, cx[seg], step_x[crossing]), (ay, by, cy[seg], step_y[crossing]))
    for a, b, ca, step in axes:
        s, j = _expand(ids, np.abs(step))
        # Moving up, the lines crossed are ca + 1, ca + 2, ...; moving down, ca, ca - 1, ...
        line = np.where(step[s] > 0, ca[s] + 1 + j, ca[s] - j)
        ts.append((line - a[s]) / (b[s] - a[s]))
        ss.append(s)
    t, s = np.concatenate(ts), np.concatenate(ss)
    order = np.lexsort((t, s))
    t, s = t[order], s[order]
    dx, dy = bx - ax, by - ay
    length = np.hypot(dx, dy)
    t0, t1, s0 = t[:-1], t[1:], s[:-1]
    piece = (s[1:] == s0) & ((t1 - t0) * length[s0] > _EPS)
    s0, tm = s0[piece], (t0[piece] + t1[piece]) / 2
    return (
        np.concatenate([x, ax[s0] + tm * dx[s0]]),
        np.concatenate([y, ay[s0] + tm * dy[s0]]),
        np.concatenate([points, seg[s0]]),
    )


def _soft(
    ax: F64,
    ay: F64,
    bx: F64,
    by: F64,
    drawing: NDArray[np.intp],
    n_drawings: int,
    grid_size: int,
    pen_radius: F64,
) -> NDArray[np.float32]:
    """Pen intensity (n_drawings * grid_size**2,) from cell centres' distance to segments a -> b
    (m,) of drawings `drawing` (m,), each drawing's pen of its pen_radius (n_drawings,).

    Only cells whose centre lies within reach = pen_radius + PEN_EDGE of a segment's bounding box
    can be inked by it, so each segment is measured against that window alone.
    """
    cells = grid_size * grid_size
    reach = pen_radius + PEN_EDGE
    seg_reach = reach[drawing]
    c0, w = _window(np.minimum(ax, bx), np.maximum(ax, bx), grid_size, seg_reach)
    r0, h = _window(np.minimum(ay, by), np.maximum(ay, by), grid_size, seg_reach)
    dx, dy = bx - ax, by - ay
    dd = dx * dx + dy * dy
    inv = np.divide(1.0, dd, out=np.zeros_like(dd), where=dd > 0)  # a dot: nearest is its start
    d2 = np.full(n_drawings * cells, np.inf)  # squared distance of each cell to the path
    # Chunks of about _CHUNK (segment, cell) pairs keep the temporaries in cache: 2-3x faster.
    ends = (w * h).cumsum()
    if ends[-1] <= _CHUNK:  # one chunk (a Check's drawing): no splitting to pay for
        chunks = [np.arange(ax.size)]
    else:
        cuts = np.searchsorted(ends, np.arange(_CHUNK, int(ends[-1]), _CHUNK), side="right")
        chunks = np.split(np.arange(ax.size), np.unique(cuts))
    for seg in chunks:
        s_row, j_row = _expand(seg, h[seg])
        s, j_col = _expand(s_row, w[s_row])
        col = c0[s] + j_col
        row = (r0[s_row] + j_row).repeat(w[s_row])
        # Cell centre relative to the segment start, and the nearest point's fraction t along it.
        px, py, dxs, dys = col + (0.5 - ax[s]), row + (0.5 - ay[s]), dx[s], dy[s]
        t = np.minimum(np.maximum((px * dxs + py * dys) * inv[s], 0.0), 1.0)
        px -= t * dxs
        py -= t * dys
        np.minimum.at(d2, drawing[s] * cells + row * grid_size + col, px * px + py * py)
    value: F64 = (reach.repeat(cells) - np.sqrt(d2)) / PEN_EDGE
    return _clip(value, 0.0, 1.0).astype(np.float32)


def _window(
    lo: F64, hi: F64, grid_size: int, reach: F64
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Extent lo..hi (m,) along one axis, pen reach (m,) -> first cell and number of cells with
    a centre in reach.

    Cell c's centre c + 0.5 is within reach of lo..hi for lo - reach - 0.5 < c < hi + reach - 0.5,
    so c runs from floor(lo - reach + 0.5) to at most floor(hi + reach - 0.5). At the default
    reach of 1.5 that is one cell either side of the extent's cells, exactly as before.
    """
    margin = reach - 0.5
    first = _cell(lo - margin, grid_size)
    return first, _cell(hi + margin, grid_size) - first + 1


def _expand(
    ids: NDArray[np.intp], n: NDArray[np.intp]
) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
    """Repeat each id n times (sum(n),), with the counter 0 .. n - 1 alongside (sum(n),)."""
    rep = ids.repeat(n)
    return rep, np.arange(rep.size) - (n.cumsum() - n).repeat(n)
