"""The distance half of "unknown" (numpy only): a model keeps its training grids, packed, and
the distance from them beyond which a drawing is unlike every sample it was trained on; and the
words for each test that can call a drawing unknown."""

import base64
import zlib
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from app import evaluation
from app.nn.network import ModelFormatError

F32 = NDArray[np.float32]

DISTANCE_MARGIN = 1.15  # unknown beyond this x the largest typical held-out distance
DISTANCE_QUANTILE = 0.98
MIN_CONFIDENCE = 0.0  # calibrated top probability under which a drawing is unknown

# The tests that can call a drawing unknown, in the order they are asked (Check's
# `unknown_signal`), and how Check's `unknown_reason` says each.
UnknownSignal = Literal["background", "distance", "confidence"]
UNKNOWN_REASONS: dict[UnknownSignal, str] = {
    "background": "it looks like a scribble, not like any of the labels",
    "distance": "it is unlike every sample the model was trained on",
    "confidence": "the model is not confident about any label",
}


def detector(reference: F32, held_out: F32) -> dict[str, Any]:
    """A model's `open_set`: the training grids `reference` (n, cells), packed, and the distance
    threshold from the nearest-reference distances of the held-out grids (m, cells), or of the
    references themselves (leave-one-out) without any."""
    if len(held_out):
        typical = evaluation.nearest_distances(reference, held_out)
    else:
        typical = evaluation.leave_one_out_nearest(reference)
    threshold = None
    if typical.size >= 2:
        threshold = float(np.quantile(typical, DISTANCE_QUANTILE) * DISTANCE_MARGIN)
    return {
        "reference": pack_grids(reference),
        "distance": threshold,
        "min_confidence": MIN_CONFIDENCE,
    }


def pack_grids(grids: F32) -> str:
    """Grids (n, cells) in [0, 1] -> a compact string (4 bits a cell, zlib, base64)."""
    q = np.clip(np.rint(grids * 15), 0, 15).astype(np.uint8).ravel()
    if q.size % 2:
        q = np.append(q, 0)
    return base64.b64encode(zlib.compress((q[0::2] << 4 | q[1::2]).tobytes(), 9)).decode()


def unpack_grids(text: str, cells: int, dtype: type[np.floating] = np.float32) -> NDArray[Any]:
    """The inverse of pack_grids: (n, cells) of q / 15 in `dtype`. ModelFormatError unless
    `text` is pack_grids output of whole grids of this many cells (at most 32 MiB of cells)."""
    try:
        raw = zlib.decompressobj().decompress(base64.b64decode(text, validate=True), 2**24)
    except (ValueError, zlib.error) as exc:
        raise ModelFormatError(f"open_set.reference is not packed grids: {exc}") from None
    n = (len(raw) * 2) // cells
    if n == 0 or len(raw) != (n * cells + 1) // 2:
        raise ModelFormatError(f"open_set.reference does not hold whole grids of {cells} cells")
    q = np.empty(len(raw) * 2, dtype=np.uint8)
    bytes_ = np.frombuffer(raw, dtype=np.uint8)
    q[0::2], q[1::2] = bytes_ >> 4, bytes_ & 15
    return (q[: n * cells].reshape(n, cells) / 15.0).astype(dtype)
