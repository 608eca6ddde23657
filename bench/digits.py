"""Real handwriting as strokes: scikit-learn's 1,797 handwritten digits, drawn as if on a canvas.

Each 8x8 image (0-16 ink; each pixel counts the ink of a 4x4 block of the original 32x32
bitmap) is padded by a blank pixel, upsampled by 4 with a cubic spline (40x40, about the
original resolution), thresholded at half ink, thinned to a 1-pixel skeleton (Zhang-Suen, all
images at once), and traced into polylines: the skeleton's branches run between end points
and junctions; short spurs are pruned, junctions a pixel or two apart are taken as one, and at
each junction the branches that continue each other most straightly are joined into one stroke.
Strokes are lightly smoothed and scaled to canvas pixels (6.25 px per pixel: a 32-pixel box is
200 px, y down).

The split is fixed: "dev" is the first 900 images (for tuning settings), "report" the other 897
(for reported figures; never tune on it). The data set is roughly ordered by blocks of writers,
so the two parts mostly come from different people.
"""

import functools
from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

Strokes = list[list[list[float]]]
Drawing = tuple[str, Strokes]

N_DEV = 900
ZOOM = 4  # 8x8 -> 32x32 (+ padding): the resolution the 8x8 counts were made from
PAD = 1  # blank pixels around the 8x8 image, so the spline has room to fall to 0
THRESHOLD = 0.5  # fraction of full ink (16) after upsampling
SCALE = 200 / 32  # canvas pixels per skeleton pixel
MIN_PIXELS = 3  # smaller components (specks) are dropped
SPUR = 3  # end branches of at most this many pixels that hang off a junction are pruned
MERGE = 3  # junctions joined by a branch of at most this many steps are one junction
REACH = 5  # a branch's direction at a junction: towards its pixel this many steps along
SMOOTH_PASSES = 2  # [1, 2, 1] / 4 passes along each stroke, ends kept

_OFFSETS = [(-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1)]  # P2 .. P9
Pixel = tuple[int, int]


def load(part: Literal["dev", "report", "all"] = "all") -> list[Drawing]:
    """(label "0".."9", strokes) for the part: dev = images 0-899, report = 900-1796."""
    drawings = _all()
    if part == "dev":
        return list(drawings[:N_DEV])
    if part == "report":
        return list(drawings[N_DEV:])
    if part == "all":
        return list(drawings)
    raise ValueError(f"part must be 'dev', 'report' or 'all', got {part!r}")


def per_class(items: Sequence[Drawing], k: int, rng: np.random.Generator) -> list[Drawing]:
    """k drawings of each label, drawn at random without replacement, in label order."""
    return [items[i] for i in per_class_indices([label for label, _ in items], k, rng)]


def per_class_indices(labels: Sequence[str], k: int, rng: np.random.Generator) -> list[int]:
    """Indices of k items of each label (sorted labels), drawn at random without replacement."""
    arr = np.asarray(labels)
    out: list[int] = []
    for label in sorted(set(labels)):
        where = np.flatnonzero(arr == label)
        if where.size < k:
            raise ValueError(f"label {label!r} has {where.size} items, fewer than k = {k}")
        out += sorted(int(i) for i in rng.choice(where, size=k, replace=False))
    return out


def images() -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    """The source: images (1797, 8, 8) in 0..16 and their digits (1797,)."""
    from sklearn.datasets import load_digits

    data = load_digits()
    return data.images, data.target


@functools.cache
def _all() -> tuple[Drawing, ...]:
    imgs, target = images()
    out: list[Drawing] = []
    for img, t, skeleton in zip(imgs, target, thin(ink(imgs)), strict=True):
        strokes = to_strokes(skeleton)
        if not strokes:  # no ink above the threshold (none in this data set): one dot
            row, col = (ZOOM * (PAD + v) + (ZOOM - 1) / 2 for v in ndimage.center_of_mass(img + 1))
            strokes = [[[col * SCALE, row * SCALE]]]
        out.append((str(int(t)), strokes))
    return tuple(out)


def ink(imgs: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Images (n, 8, 8) in 0..16 -> smooth binary ink (n, 40, 40)."""
    return np.asarray(upsample(imgs) > THRESHOLD)


def upsample(imgs: NDArray[np.float64]) -> NDArray[np.float64]:
    """Images (n, 8, 8) in 0..16 -> padded, cubic-spline upsampled ink (n, 40, 40), 1 = full.

    Pixel (row, col) of the result is at canvas point (col * SCALE, row * SCALE).
    """
    padded = np.pad(imgs / 16.0, ((0, 0), (PAD, PAD), (PAD, PAD)))
    rows, cols = _zoom_matrix(padded.shape[1]), _zoom_matrix(padded.shape[2])
    up: NDArray[np.float64] = np.einsum("ij,njk,lk->nil", rows, padded, cols, optimize=True)
    return up


def _zoom_matrix(n: int) -> NDArray[np.float64]:
    """The cubic-spline zoom of a length-n axis by ZOOM as a matrix (n * ZOOM, n).

    ndimage.zoom is linear and separable, so zooming each unit vector gives its columns; two
    small matrix products then zoom the whole batch about 50 times faster than ndimage.zoom.
    """
    eye = np.eye(n)
    return np.stack(
        [ndimage.zoom(e, ZOOM, order=3, grid_mode=True, mode="grid-constant") for e in eye],
        axis=1,
    )


def thin(binary: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Zhang-Suen thinning of a batch (n, h, w) -> 1-pixel skeletons (n, h, w)."""
    img = np.pad(binary, ((0, 0), (1, 1), (1, 1))).astype(np.uint8)
    h, w = binary.shape[1:]
    core = img[:, 1:-1, 1:-1]
    while True:
        changed = False
        for table in _DELETABLE:
            code = np.zeros(core.shape, dtype=np.uint8)
            for bit, (dr, dc) in enumerate(_OFFSETS):
                code |= img[:, 1 + dr : 1 + dr + h, 1 + dc : 1 + dc + w] << bit
            drop = table[code] & (core == 1)
            if drop.any():
                core[drop] = 0
                changed = True
        if not changed:
            return core.astype(bool)


def _deletable() -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """Zhang-Suen's tests for each 8-neighbourhood (bit i = P(i + 2)): (first, second pass)."""
    first, second = np.zeros(256, dtype=bool), np.zeros(256, dtype=bool)
    for code in range(256):
        p = [(code >> i) & 1 for i in range(8)]  # P2 .. P9, clockwise from north
        b = sum(p)
        a = sum(p[i] == 0 and p[(i + 1) % 8] == 1 for i in range(8))
        if 2 <= b <= 6 and a == 1:
            first[code] = not (p[0] and p[2] and p[4]) and not (p[2] and p[4] and p[6])
            second[code] = not (p[0] and p[2] and p[6]) and not (p[0] and p[4] and p[6])
    return first, second


_DELETABLE = _deletable()


def _neighbours(on: set[Pixel]) -> dict[Pixel, list[Pixel]]:
    """8-connected adjacency, without a diagonal step where a 4-connected detour exists."""
    adj: dict[Pixel, list[Pixel]] = {}
    for r, c in on:
        out: list[Pixel] = []
        for dr, dc in _OFFSETS:
            q = (r + dr, c + dc)
            if q not in on:
                continue
            if dr and dc and ((r + dr, c) in on or (r, c + dc) in on):
                continue
            out.append(q)
        adj[(r, c)] = out
    return adj


def _branches(adj: dict[Pixel, list[Pixel]]) -> list[list[Pixel]]:
    """Pixel paths between nodes (degree != 2), then the node-free cycles (closed: last = first)."""
    nodes = {p for p, n in adj.items() if len(n) != 2}
    seen: set[tuple[Pixel, Pixel]] = set()
    out: list[list[Pixel]] = []

    def walk(start: Pixel, nxt: Pixel) -> list[Pixel]:
        path = [start]
        prev, cur = start, nxt
        while True:
            seen.update(((prev, cur), (cur, prev)))
            path.append(cur)
            if cur in nodes or cur == start:
                return path
            a, b = adj[cur]
            prev, cur = cur, b if a == prev else a

    for p in sorted(nodes):
        if not adj[p]:
            out.append([p])  # a lone pixel
        for q in adj[p]:
            if (p, q) not in seen:
                out.append(walk(p, q))
    for p in sorted(adj):
        if p not in nodes and (p, adj[p][0]) not in seen:
            out.append(walk(p, adj[p][0]))
    return out


def _prune(on: set[Pixel]) -> dict[Pixel, list[Pixel]]:
    """Drop specks and short spurs (end point to junction); the adjacency of what is left."""
    for _ in range(3):
        adj = _neighbours(on)
        spurs: dict[Pixel, list[list[Pixel]]] = {}  # junction -> its short end branches
        for path in _branches(adj):
            if len(adj[path[0]]) > 2:
                path = path[::-1]
            if len(path) - 1 <= SPUR and len(adj[path[0]]) == 1 and len(adj[path[-1]]) > 2:
                spurs.setdefault(path[-1], []).append(path[:-1])
        cut: set[Pixel] = set()
        for junction, found in spurs.items():
            found.sort(key=len)  # the shortest go; the junction keeps at least two branches
            for path in found[: len(adj[junction]) - 2]:
                cut.update(path)
        if not cut:
            break
        on = on - cut
    # Components too small to be ink (but never the largest: a drawing keeps some ink).
    adj = _neighbours(on)
    seen: set[Pixel] = set()
    comps: list[set[Pixel]] = []
    for p in sorted(adj):
        if p in seen:
            continue
        comp, stack = {p}, [p]
        while stack:
            for q in adj[stack.pop()]:
                if q not in comp:
                    comp.add(q)
                    stack.append(q)
        seen |= comp
        comps.append(comp)
    comps.sort(key=len, reverse=True)
    for comp in comps[1:]:
        if len(comp) < MIN_PIXELS:
            for q in comp:
                del adj[q]
    return adj


def to_strokes(skeleton: NDArray[np.bool_]) -> Strokes:
    """Skeleton (h, w) -> strokes in canvas pixels: long polylines joined at junctions."""
    rows, cols = np.nonzero(skeleton)
    adj = _prune({(int(r), int(c)) for r, c in zip(rows, cols, strict=True)})
    paths = [_orient(path) for path in _join(adj, _branches(adj))]
    paths.sort(key=lambda path: path[0])
    return [_to_canvas(path) for path in paths]


def _orient(path: list[Pixel]) -> list[Pixel]:
    """Start where a hand would: an open path at its upper (then left) end, a closed one at
    its top-left pixel."""
    if len(path) > 2 and path[0] == path[-1]:
        i = path.index(min(path[:-1]))
        return path[i:-1] + path[: i + 1]
    return path if path[0] <= path[-1] else path[::-1]


def _join(adj: dict[Pixel, list[Pixel]], branches: list[list[Pixel]]) -> list[list[Pixel]]:
    """Join branches at junctions, the straightest continuations first -> pixel paths."""
    if not branches:
        return []
    junctions = sorted(p for p, n in adj.items() if len(n) > 2)
    # Junctions a few steps apart are one: union-find over junction pixels.
    root = {p: p for p in junctions}

    def find(p: Pixel) -> Pixel:
        while root[p] != p:
            root[p] = root[root[p]]
            p = root[p]
        return p

    internal: list[list[Pixel]] = []
    kept: list[list[Pixel]] = []
    for path in branches:
        a, b = path[0], path[-1]
        if a in root and b in root and a != b and len(path) - 1 <= MERGE:
            root[find(a)] = find(b)
            internal.append(path)
        else:
            kept.append(path)
    # Ends of kept branches at each junction cluster: (branch index, 0 = start / 1 = end).
    at: dict[Pixel, list[tuple[int, int]]] = {}
    for i, path in enumerate(kept):
        for side, p in ((0, path[0]), (1, path[-1])):
            if p in root:
                at.setdefault(find(p), []).append((i, side))
    members: dict[Pixel, list[Pixel]] = {}
    for p in junctions:
        members.setdefault(find(p), []).append(p)
    link: dict[tuple[int, int], tuple[int, int]] = {}
    crossed: set[Pixel] = set()
    for cluster, ends in at.items():
        centre = np.mean(members[cluster], axis=0)
        dirs: dict[tuple[int, int], NDArray[np.float64]] = {}
        for i, side in ends:
            path = kept[i] if side == 0 else kept[i][::-1]
            v = np.asarray(path[min(REACH, len(path) - 1)], dtype=float) - centre
            dirs[i, side] = v / (np.hypot(*v) or 1.0)
        pairs = sorted(
            (float(dirs[e] @ dirs[f]), e, f) for j, e in enumerate(ends) for f in ends[j + 1 :]
        )
        for _, e, f in pairs:
            if e not in link and f not in link:
                link[e], link[f] = f, e
                a = kept[e[0]][0 if e[1] == 0 else -1]
                b = kept[f[0]][0 if f[1] == 0 else -1]
                if a != b:
                    crossed.add(cluster)
    # Follow the links: each branch end has at most one, so chains are paths or cycles.
    used = [False] * len(kept)
    out: list[list[Pixel]] = []

    def chain(i: int, side: int) -> list[Pixel]:
        """Branch i entered at `side`, then on through the links while they lead on."""
        path: list[Pixel] = []
        while not used[i]:
            used[i] = True
            piece = kept[i] if side == 0 else kept[i][::-1]
            path += piece[1:] if path and path[-1] == piece[0] else piece
            nxt = link.get((i, 1 - side))
            if nxt is None:
                break
            i, side = nxt
        return path

    # Chains with a free end first, started from that end; what is left are cycles.
    for i in range(len(kept)):
        for side in (0, 1):
            if not used[i] and (i, side) not in link:
                out.append(chain(i, side))
    for i in range(len(kept)):
        if not used[i]:
            path = chain(i, 0)
            out.append([*path, path[0]] if path[-1] != path[0] else path)
    # A junction cluster no stroke crosses keeps its inner branches, so the ink stays joined.
    out += [path for path in internal if find(path[0]) not in crossed]
    return out


def _to_canvas(path: list[Pixel]) -> list[list[float]]:
    """Pixel path (row, col) -> smoothed [x, y] points in canvas pixels."""
    pts = np.asarray(path, dtype=float)[:, ::-1]
    closed = len(path) > 2 and path[0] == path[-1]
    for _ in range(SMOOTH_PASSES if len(pts) > 2 else 0):
        if closed:
            ring = pts[:-1]
            ring = (np.roll(ring, 1, axis=0) + 2 * ring + np.roll(ring, -1, axis=0)) / 4
            pts = np.vstack([ring, ring[:1]])
        else:
            pts[1:-1] = (pts[:-2] + 2 * pts[1:-1] + pts[2:]) / 4
    points: list[list[float]] = np.round(pts * SCALE, 2).tolist()
    return points
