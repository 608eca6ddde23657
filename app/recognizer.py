"""A trained recognizer without a server (numpy only): what the server's Check runs, and what
`from hwr import Recognizer` gives a script.

    from hwr import Recognizer
    answer = Recognizer.load("default.json").check([[[0, 0], [0, 100], [60, 100]]])
    answer.label, answer.ranked, answer.unknown

A model document (hwr-model/1, the JSON of GET /api/recognizers/{r}/model) of any version is
read here directly: what a version-1 document lacks means what hwr 1.0 did (no anti-aliasing,
temperature 1, no open set, no background class), as app.documents.upgrade says for the rest.

Check answers with probabilities: softmax of the output layer's pre-activations divided by the
temperature fitted on held-out samples (for sigmoid outputs the pre-activations are the logits
of the outputs, so old models answer with probabilities too). A drawing is *unknown* when the
hidden background class (generated scribbles) wins, or when it is farther from every training
drawing than held-out drawings of the labels ever were, or (when the model sets one) when its
top probability is under the minimum. static/hwr-recognizer.js is the same in JavaScript.
"""

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from os import PathLike
from typing import Any

import numpy as np
from numpy.typing import NDArray

from app import evaluation
from app.ink import GRID_SIZE, Strokes, rasterise
from app.nn.network import ModelFormatError, Network
from app.open_set import UNKNOWN_REASONS, UnknownSignal, unpack_grids

MODEL_FORMAT = "hwr-model/1"  # what a model document says it is (app.documents writes it)
F64 = NDArray[np.float64]


@dataclass(frozen=True)
class Answer:
    """What a recognizer thinks of one drawing: Check's answer."""

    ranked: list[tuple[str, float]]  # (label, probability), highest first; they sum to 1
    grid: NDArray[np.float32]  # the drawing as the network saw it
    signal: UnknownSignal | None = None  # the test that called it unknown

    @property
    def label(self) -> str:
        return self.ranked[0][0]

    @property
    def unknown(self) -> bool:
        return self.signal is not None

    @property
    def reason(self) -> str | None:
        return None if self.signal is None else UNKNOWN_REASONS[self.signal]

    def as_dict(self) -> dict[str, Any]:
        """The fields of the server's Check answer (POST /api/recognizers/{r}/check)."""
        return {
            "label": self.label,
            "confidences": [{"label": label, "confidence": p} for label, p in self.ranked],
            "unknown": self.unknown,
            "unknown_reason": self.reason,
            "unknown_signal": self.signal,
            "grid": self.grid.tolist(),
        }


@dataclass(frozen=True)
class Recognizer:
    net: Network  # an ensemble is one merged network (app.nn.ensemble)
    labels: list[str]
    grid_size: int = GRID_SIZE
    antialias: bool = False
    temperature: float = 1.0
    background: bool = False  # the last output is the hidden "none of these" class
    reference: F64 | None = None  # training grids (n, cells), for the distance test
    distance: float | None = None  # farther than this from every reference grid: unknown
    min_confidence: float = 0.0
    members: int = 1  # the merged networks, for a member's path (the server knows it)

    @classmethod
    def load(cls, path: str | PathLike[str]) -> "Recognizer":
        """The recognizer of a model file (ModelFormatError when it is not one)."""
        with open(path, encoding="utf-8") as file:
            try:
                document = json.load(file)
            except json.JSONDecodeError as exc:
                raise ModelFormatError(f"{path} is not JSON: {exc}") from None
        return cls.from_document(document)

    @classmethod
    def from_document(cls, document: Mapping[str, Any], members: int = 1) -> "Recognizer":
        """The recognizer of a model document (its parsed JSON); ModelFormatError names what
        is wrong with one that cannot be used."""
        if not isinstance(document, Mapping) or document.get("format") != MODEL_FORMAT:
            raise ModelFormatError(f"not a model document: its format must be {MODEL_FORMAT!r}")
        net = Network.from_dict(document)  # checks the shapes and numbers of the layers
        labels = document.get("labels")
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise ModelFormatError("labels must be a list of strings")
        outputs = len(labels) + bool(document.get("background", False))
        if len(labels) < 2 or net.sizes[-1] != outputs:
            raise ModelFormatError(
                f"the network has {net.sizes[-1]} outputs for {len(labels)} labels"
                f"{' and the background class' if outputs > len(labels) else ''}"
            )
        grid_size = document.get("grid_size")
        if not isinstance(grid_size, int) or grid_size < 2 or net.sizes[0] != grid_size**2:
            raise ModelFormatError(f"grid_size {grid_size!r} does not fit {net.sizes[0]} inputs")
        temperature = _number(document, "calibration", "temperature", 1.0)
        if temperature <= 0:
            raise ModelFormatError("calibration.temperature must be above 0")
        packed = _part(document, "open_set").get("reference")
        if packed is not None and not isinstance(packed, str):
            raise ModelFormatError("open_set.reference must be a string of packed grids")
        reference = unpack_grids(packed, grid_size**2, np.float64) if packed else None
        return cls(
            net,
            labels,
            grid_size,
            antialias=_part(document, "grid").get("antialias", False) is True,
            temperature=temperature,
            background=outputs > len(labels),
            reference=reference,
            distance=_number(document, "open_set", "distance", None),
            min_confidence=_number(document, "open_set", "min_confidence", 0.0),
            members=members,
        )

    def rasterize(self, strokes: Strokes) -> NDArray[np.float32]:
        """Strokes -> the grid (cells,) this model takes (app.ink; ValueError for bad ink)."""
        return rasterise(strokes, self.grid_size, antialias=self.antialias)

    def check(self, strokes: Strokes) -> Answer:
        """What the model thinks of a drawing (ValueError for strokes without points or with a
        point that is not 2 or 3 finite numbers)."""
        return self.answer(self.rasterize(strokes))

    def scaled_logits(self, grids: NDArray[np.floating]) -> F64:
        """Grids (n, cells) -> the output layer's pre-activations over the temperature
        (n, outputs), the hidden background output last when there is one."""
        logits = self.net.logits(np.asarray(grids).astype(self.net.W[0].dtype))
        return logits.astype(np.float64) / self.temperature

    def probabilities(self, scaled: F64) -> F64:
        """scaled_logits (n, outputs) -> Check's confidences (n, labels) in label order: the
        softmax over the labels' outputs alone (the background output is left out)."""
        return evaluation.softmax(scaled[:, : len(self.labels)])

    def confidences(self, grids: NDArray[np.floating]) -> F64:
        """Grids (n, cells) -> Check's confidences (n, labels), in the model's label order."""
        return self.probabilities(self.scaled_logits(grids))

    def answer(self, grid: NDArray[np.float32]) -> Answer:
        """What the model thinks of one grid (cells,)."""
        scaled = self.scaled_logits(grid[None, :])
        p = self.probabilities(scaled)[0]
        order = np.argsort(-p, kind="stable")
        ranked = [(self.labels[i], float(p[i])) for i in order]
        signal: UnknownSignal | None = None
        if self.background and int(np.argmax(scaled[0])) == len(self.labels):
            signal = "background"
        elif self._far(grid):
            signal = "distance"
        if signal is None and ranked[0][1] < self.min_confidence:
            signal = "confidence"
        return Answer(ranked, grid, signal)

    @cached_property
    def _squares(self) -> F64:
        """Each reference grid's squared length (n,), for _far."""
        assert self.reference is not None
        squares: F64 = np.einsum("ij,ij->i", self.reference, self.reference)
        return squares

    def _far(self, grid: NDArray[np.float32]) -> bool:
        """Whether grid (cells,) is farther than `distance` from every reference grid (never,
        without a distance or references). |r - g|^2 = |r|^2 - 2 r.g + |g|^2 finds the nearest
        with one matrix-vector product (2x faster than subtracting every grid); the few within
        rounding of the least are then measured directly, so the distance is the direct one's."""
        if self.distance is None or self.reference is None or not len(self.reference):
            return False
        g = grid.astype(np.float64)
        approx = self._squares - 2.0 * (self.reference @ g) + g @ g
        near = self.reference[approx <= approx.min() + _ROUNDING] - g
        return math.sqrt(float(np.einsum("ij,ij->i", near, near).min())) > self.distance


_ROUNDING = 1e-6  # far above the expansion's rounding error for grids of values in [0, 1]


def _part(document: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    """document[name], an object; empty where it is absent or null (version 1)."""
    part = document.get(name)
    if part is None:
        return {}
    if not isinstance(part, Mapping):
        raise ModelFormatError(f"{name} must be an object")
    return part


def _number(document: Mapping[str, Any], part: str, key: str, default: Any) -> Any:
    """document[part][key] as a float, or the default where the part or key is absent/null."""
    value = _part(document, part).get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ModelFormatError(f"{part}.{key} must be a finite number")
    return float(value)
