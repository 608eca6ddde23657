"""The run JSON, made fast: formatting floats is most of a snapshot's cost (json.dumps spends
~0.25 µs on each), and a run sends one to every listener 25 times a second.

- The boundary's values are rounded to 3 decimals (more than a colour can show) and, within
  [-TABLE_LIMIT, TABLE_LIMIT], looked up in a table of their JSON texts: a 40 x 40 boundary in
  ~60 µs instead of ~400.
- The history ([iteration, loss] pairs) formats each pair once: from one snapshot to the next
  only its last pair is new.
- An identity run's inputs and predictions (256 points of the pad) go the boundary's way.
- `dumps` writes the rest with json.dumps and splices those texts in.
"""

import json
import math
import secrets
from typing import Any

import numpy as np
from numpy.typing import NDArray

BOUNDARY_DECIMALS = 3
TABLE_LIMIT = 4  # |value| up to this comes from the table (8,001 short strings, ~0.5 MB)
_SCALE = 10**BOUNDARY_DECIMALS
_TABLE = np.array(
    [
        repr(round(k / _SCALE, BOUNDARY_DECIMALS))
        for k in range(-TABLE_LIMIT * _SCALE, TABLE_LIMIT * _SCALE + 1)
    ],
    dtype=object,
)


def _texts(values: NDArray[Any]) -> list[str] | None:
    """Each value rounded to BOUNDARY_DECIMALS as JSON text, from the table; None when some
    value is outside it (or not finite)."""
    q = np.round(np.asarray(values, dtype=np.float64).ravel() * _SCALE)
    if not (len(q) and np.isfinite(q).all() and np.abs(q).max() <= TABLE_LIMIT * _SCALE):
        return None
    texts: list[str] = _TABLE[(q + TABLE_LIMIT * _SCALE).astype(np.intp)].tolist()
    return texts


def _rounded(values: NDArray[Any]) -> list[Any]:
    """values rounded to BOUNDARY_DECIMALS as (nested) lists; None where not finite."""
    A = np.round(np.asarray(values, dtype=np.float64), BOUNDARY_DECIMALS)
    if np.isfinite(A).all():
        return A.tolist()  # type: ignore[no-any-return]
    return [_rounded(a) if A.ndim > 1 else (float(a) if math.isfinite(a) else None) for a in A]


def boundary_text(values: NDArray[Any]) -> str:
    """values (n,) as a JSON array, each rounded to BOUNDARY_DECIMALS; null where not finite."""
    texts = _texts(values)
    if texts is None:
        return json.dumps(_rounded(values), separators=(",", ":"))
    return "[" + ",".join(texts) + "]"


def pairs_text(A: NDArray[Any]) -> str:
    """A (n, 2) as a JSON array of [x, y] pairs rounded like the boundary (pad coordinates)."""
    texts = _texts(A)
    if texts is None or A.ndim != 2 or A.shape[1] != 2:
        return json.dumps(_rounded(A), separators=(",", ":"))
    pairs = [f"[{x},{y}]" for x, y in zip(texts[0::2], texts[1::2], strict=True)]
    return "[" + ",".join(pairs) + "]"


class HistoryText:
    """A run's history as JSON, each [iteration, loss] pair formatted once."""

    def __init__(self) -> None:
        self._done: dict[int, str] = {}

    def __call__(self, points: list[dict[str, Any]]) -> str:
        done = self._done
        parts = []
        for p in points:
            text = done.get(p["iteration"])
            if text is None:
                text = done[p["iteration"]] = f"[{p['iteration']},{json.dumps(p['mse'])}]"
            parts.append(text)
        if len(done) > 2 * len(points) + 64:  # the curve thinned: forget what it dropped
            kept = {p["iteration"] for p in points}
            self._done = {i: t for i, t in done.items() if i in kept}
        return "[" + ",".join(parts) + "]"


class Raw:
    """A JSON text to put into a document as it is (see dumps)."""

    def __init__(self, text: str) -> None:
        self.text = text


def dumps(doc: dict[str, Any]) -> str:
    """json.dumps(doc) (compact, no NaN) where each Raw value, at any depth, is its text."""
    raws: list[str] = []
    nonce = secrets.token_hex(8)  # no string of the document can look like a marker

    def mark(value: Any) -> Any:
        if isinstance(value, Raw):
            raws.append(value.text)
            return f"\x00{nonce}{len(raws) - 1}\x00"
        if isinstance(value, dict):
            return {k: mark(v) for k, v in value.items()}
        return value

    text = json.dumps(mark(doc), separators=(",", ":"), allow_nan=False)
    for i, raw in enumerate(raws):
        text = text.replace(f'"\\u0000{nonce}{i}\\u0000"', raw, 1)
    return text
