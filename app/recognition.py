"""Trained models ready for Check: loaded once from the store, kept until replaced.

Check answers with probabilities: softmax of the output layer's pre-activations divided by the
temperature fitted on held-out samples (for sigmoid outputs the pre-activations are the logits
of the outputs, so old models answer with probabilities too). A drawing is *unknown* when the
hidden background class (generated scribbles) wins, or when it is farther from every training
drawing than held-out drawings of the labels ever were.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app import evaluation
from app.documents import ModelDocument
from app.nn.ensemble import member
from app.nn.network import Network
from app.open_set import UNKNOWN_REASONS, UnknownSignal, unpack_grids
from app.schemas import NetworkPath
from app.store import Store


@dataclass(frozen=True)
class Answer:
    ranked: list[tuple[str, float]]  # (label, probability), highest first; they sum to 1
    signal: UnknownSignal | None = None  # the test that called it unknown

    @property
    def unknown(self) -> bool:
        return self.signal is not None

    @property
    def reason(self) -> str | None:
        return None if self.signal is None else UNKNOWN_REASONS[self.signal]


@dataclass(frozen=True)
class LoadedModel:
    net: Network
    labels: list[str]
    grid_size: int
    fingerprint: int | None = None  # of the samples it was trained on (app.store.fingerprints)
    antialias: bool = False
    temperature: float = 1.0
    background: bool = False  # the last output is the hidden "none of these" class
    reference: NDArray[np.float32] | None = None  # training grids, for the distance test
    distance: float | None = None  # farther than this from every reference grid: unknown
    min_confidence: float = 0.0
    members: int = 1  # an ensemble of this many networks, merged (app.nn.ensemble)

    @classmethod
    def from_document(
        cls, document: ModelDocument, fingerprint: int | None = None
    ) -> "LoadedModel":
        grid_size, open_set = document.grid_size, document.open_set
        reference = None
        if open_set is not None and open_set.reference is not None:
            reference = unpack_grids(open_set.reference, grid_size**2)
        return cls(
            document.build(),
            list(document.labels),
            grid_size,
            fingerprint,
            antialias=document.grid.antialias,
            temperature=document.calibration.temperature,
            background=document.background,
            reference=reference,
            distance=None if open_set is None else open_set.distance,
            min_confidence=0.0 if open_set is None else open_set.min_confidence,
            members=document.members(),
        )

    def scaled_logits(self, grids: NDArray[np.floating]) -> NDArray[np.float64]:
        """Grids (n, cells) -> the output layer's pre-activations over the temperature
        (n, outputs), the hidden background output last when there is one."""
        logits = self.net.logits(np.asarray(grids).astype(self.net.W[0].dtype))
        return logits.astype(np.float64) / self.temperature

    def probabilities(self, scaled: NDArray[np.float64]) -> NDArray[np.float64]:
        """scaled_logits (n, outputs) -> Check's confidences (n, labels) in label order: the
        softmax over the labels' outputs alone (the background output is left out)."""
        return evaluation.softmax(scaled[:, : len(self.labels)])

    def confidences(self, grids: NDArray[np.floating]) -> NDArray[np.float64]:
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
        elif self.distance is not None and self.reference is not None and len(self.reference):
            d = self.reference - grid  # one query: direct is 3x faster than the chunked search
            nearest = float(np.sqrt(np.einsum("ij,ij->i", d, d).min()))
            if nearest > self.distance:
                signal = "distance"
        if signal is None and ranked[0][1] < self.min_confidence:
            signal = "confidence"
        return Answer(ranked, signal)

    def path(self, grid: NDArray[np.float32], which: int = 0) -> NetworkPath:
        """The drawing through member `which`: each hidden layer's activations, the outputs."""
        A = member(self.net, self.members, which).forward(grid[None, :])
        layers = [[round(float(x), 5) for x in a[0]] for a in A[1:]]
        return NetworkPath(member=which, layers=layers[:-1], outputs=layers[-1])


class ModelCache:
    """Parsed networks by recognizer; a generation counter keeps a slow reader from caching an
    old model after forget() was called for a newer one."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._models: dict[str, LoadedModel] = {}
        self._known: dict[str, tuple[int, list[str]]] = {}  # (fingerprint, labels) of samples
        self._generation: dict[str, int] = {}
        # Scale-out mode: tells the other API processes (through Redis) what changed here.
        self.broadcast: Callable[[str, str], None] | None = None

    def peek(self, name: str) -> tuple[LoadedModel, tuple[int, list[str]]] | None:
        """The cached model and the recognizer's (fingerprint, labels), without touching the
        store (None: not cached, ask get())."""
        with self._lock:
            model, known = self._models.get(name), self._known.get(name)
        return (model, known) if model is not None and known is not None else None

    def get(self, name: str) -> tuple[LoadedModel, tuple[int, list[str]]] | None:
        """The recognizer's trained model and (fingerprint, labels), or None without a model."""
        cached = self.peek(name)
        if cached is not None:
            return cached
        with self._lock:
            generation = self._generation.get(name, 0)
        model = self._store.get_model(name)
        if model is None:
            return None
        recognizer = self._store.get_recognizer(name)
        labels = [label for label, _ in self._store.label_counts(name)]
        loaded = LoadedModel.from_document(
            ModelDocument.model_validate(model.document), model.fingerprint
        )
        known = (recognizer.fingerprint, labels)
        with self._lock:
            if self._generation.get(name, 0) == generation:
                self._models[name] = loaded
                self._known[name] = known
        return loaded, known

    def samples_changed(self, name: str) -> None:
        """Samples were added or deleted: the model may be stale; read the labels again."""
        self.apply("samples", name)
        if self.broadcast is not None:
            self.broadcast("samples", name)

    def forget(self, name: str) -> None:
        """Drop the cached model: call after every write of a model or deletion."""
        self.apply("forget", name)
        if self.broadcast is not None:
            self.broadcast("forget", name)

    def apply(self, kind: str, name: str) -> None:
        """Here only: "samples" drops the labels, "forget" the model too ("" for every name)."""
        with self._lock:
            everything = set(self._models) | set(self._known) | set(self._generation)
            names = list(everything) if name == "" else [name]
            for each in names:
                if kind == "forget":
                    self._models.pop(each, None)
                self._known.pop(each, None)
                self._generation[each] = self._generation.get(each, 0) + 1
