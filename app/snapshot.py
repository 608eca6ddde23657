"""Compact snapshots of a network's weights for the page's live view (numpy only).

A layer's weights travel as int8 (`round(w / scale * 127)`, scale = the layer's largest |w|),
base64: a 144-144-11 member is about 30 KB of JSON, against ~400 KB as decimal numbers, and a
picture of the weights needs no more than 8 bits.
"""

import base64
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.nn.ensemble import member_arrays

Arrays = list[NDArray[Any]]
SNAPSHOT_INTERVAL_S = 0.2  # a running training sends at most 5 snapshots a second
WATCH_TIMEOUT_S = 2.0  # and only while someone asked for one within this long


def encode(W: NDArray[Any], b: NDArray[Any] | None) -> dict[str, Any]:
    """One layer: {"shape", "scale", "weights" (base64 int8, row-major), "bias"}."""
    W = np.asarray(W, dtype=np.float32)
    scale = float(np.abs(W).max()) if W.size else 0.0
    q = np.zeros(W.shape, dtype=np.int8)
    if scale > 0:
        q = np.rint(W / scale * 127).astype(np.int8)
    return {
        "shape": list(W.shape),
        "scale": scale,
        "weights": base64.b64encode(q.tobytes()).decode(),
        "bias": None if b is None else [round(float(v), 5) for v in b],
    }


def decode(layer: dict[str, Any]) -> NDArray[np.float32]:
    """The weights of an encoded layer (to within scale / 254)."""
    q = np.frombuffer(base64.b64decode(layer["weights"]), dtype=np.int8)
    weights: NDArray[np.float32] = (q.astype(np.float32) * (layer["scale"] / 127)).reshape(
        layer["shape"]
    )
    return weights


def snapshot(
    W: Arrays, b: Arrays, bias: bool, members: int, member: int, **fields: Any
) -> dict[str, Any]:
    """The view of member `member` of a merged network of `members` (weights W, biases b)."""
    Wj, bj = member_arrays(W, b, members, member)
    sizes = [Wj[0].shape[0], *(w.shape[1] for w in Wj)]
    return {
        **fields,
        "members": members,
        "member": member,
        "sizes": sizes,
        "layers": [encode(w, v if bias else None) for w, v in zip(Wj, bj, strict=True)],
    }
