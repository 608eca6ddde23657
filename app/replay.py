"""A training's recording: a few dozen frames at log-spaced passes, so anyone can replay how
the network's guesses went from random to useful (numpy only; docs/using.md, "Replay").

Each frame holds the pass, its MSE and validation accuracy, the guesses on a fixed set of up to
GUESSED drawings spread over the labels (each answered, like validation, by a network that never
trained on it), and member 0's weights in the live snapshot's compact form (app.snapshot): about
30 KB for a 144-144-11 member. Frames fall on passes 0, 1, ..., 6, 8, 10, 12, 15, 19, 24, ...
(each about RATIO times the last) and on the run's last pass: 20 frames for 100 passes, 33 for
2,000; a longer run keeps at most MAX_FRAMES, so a recording is at most ~1.5 MB for the default
network. It is saved beside the model (not in
its document, which Check loads), and survives a restart.
"""

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app.evaluation import softmax
from app.nn.network import Network
from app.snapshot import encode

RATIO = 1.25  # each frame's pass about this times the last one's
MAX_FRAMES = 48  # a longer run drops every other frame of its middle
GUESSED = 24  # drawings whose guesses every frame records

Logits = Callable[[NDArray[np.intp]], NDArray[np.floating[Any]]]


def schedule(limit: int) -> list[int]:
    """The passes that get a frame, up to `limit`: 0, 1, 2, ..., then ~RATIO apart."""
    passes, n = [0], 1
    while n <= limit:
        passes.append(n)
        n = max(n + 1, round(n * RATIO))
    return passes


def pick(ids: NDArray[np.int64], y: NDArray[np.intp], rows: NDArray[np.intp]) -> list[int]:
    """Up to GUESSED of `rows`, spread over the labels: each label's in turn, oldest first."""
    by_label: dict[int, list[int]] = {}
    for row in sorted(rows.tolist(), key=lambda r: int(ids[r])):
        by_label.setdefault(int(y[row]), []).append(row)
    queues = [by_label[label] for label in sorted(by_label)]
    chosen: list[int] = []
    while len(chosen) < GUESSED and any(queues):
        for queue in queues:
            if queue and len(chosen) < GUESSED:
                chosen.append(queue.pop(0))
    return chosen


class Recorder:
    """Frames of one run: `observe` every pass (cheap unless the pass gets a frame), `frames`
    at the end."""

    def __init__(
        self, ids: NDArray[np.int64], y: NDArray[np.intp], rows: NDArray[np.intp], labels: list[str]
    ) -> None:
        self.ids, self.y, self.labels = ids, y, labels
        self.rows = np.array(pick(ids, y, rows), dtype=np.intp)
        self.due = set(schedule(10**7))
        self.recorded: list[dict[str, Any]] = []
        self.seconds = 0.0  # spent recording (make bench states it as a share of the run)

    def observe(
        self,
        iteration: int,
        mse: float,
        accuracy: float | None,
        logits: Logits,
        member: Network,
        final: bool = False,
    ) -> None:
        """Record this pass if it is due (or `final`). `logits(rows)`: the answers (n, labels)
        to those drawings, asked only when a frame is taken."""
        if not (final or iteration in self.due):
            return
        if self.recorded and self.recorded[-1]["iteration"] == iteration:
            return  # the last pass was due anyway
        started = time.perf_counter()
        P = softmax(np.asarray(logits(self.rows), dtype=np.float64)) if len(self.rows) else None
        guesses = []
        for k, row in enumerate(self.rows.tolist()):
            assert P is not None
            guess = int(np.argmax(P[k]))
            guesses.append(
                {
                    "sample_id": int(self.ids[row]),
                    "truth": self.labels[int(self.y[row])],
                    "label": self.labels[guess],
                    "confidence": round(float(P[k, guess]), 4),
                }
            )
        bias = member.bias
        self.recorded.append(
            {
                "iteration": iteration,
                "mse": mse,
                "validation_accuracy": accuracy,
                "guesses": guesses,
                "layers": [
                    encode(w, v if bias else None) for w, v in zip(member.W, member.b, strict=True)
                ],
            }
        )
        self.seconds += time.perf_counter() - started

    def frames(self) -> list[dict[str, Any]]:
        """The frames in order, numbered, at most MAX_FRAMES (the first and last kept)."""
        return [{**frame, "frame": i} for i, frame in enumerate(thin(self.recorded, MAX_FRAMES))]


def rebase(frames: Sequence[dict[str, Any]], base: int) -> list[dict[str, Any]]:
    """A continued run's frames, its passes counted from `base` (the model's iterations before
    it), so the last frame's iteration is the model's."""
    return [{**frame, "iteration": base + frame["iteration"]} for frame in frames]


def thin(frames: Sequence[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """Every other frame of the middle dropped until at most `limit` remain."""
    out = list(frames)
    while len(out) > limit:
        out = [out[0], *out[1:-1][1::2], out[-1]]
    return out


def without_weights(frames: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The frames as GET .../replay lists them: everything but the weights."""
    return [{k: v for k, v in frame.items() if k != "layers"} for frame in frames]
