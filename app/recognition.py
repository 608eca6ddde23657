"""Trained models ready for Check: loaded once from the store, kept until replaced."""

import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from app.nn.network import Network
from app.store import Store


@dataclass(frozen=True)
class LoadedModel:
    net: Network
    labels: list[str]
    grid_size: int

    def confidences(self, grid: NDArray[np.float32]) -> list[tuple[str, float]]:
        """(label, output in [0, 1]) for one grid (cells,), highest first, like the original."""
        out = self.net.predict(grid[None, :].astype(self.net.W[0].dtype))[0]
        scores = np.clip(out, 0.0, 1.0)
        order = np.argsort(-scores, kind="stable")
        return [(self.labels[i], float(scores[i])) for i in order]


class ModelCache:
    """Parsed networks by recognizer; a generation counter keeps a slow reader from caching an
    old model after forget() was called for a newer one."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._models: dict[str, LoadedModel] = {}
        self._generation: dict[str, int] = {}

    def peek(self, name: str) -> LoadedModel | None:
        """The cached model, without touching the store (None: not cached, ask get())."""
        with self._lock:
            return self._models.get(name)

    def get(self, name: str) -> LoadedModel | None:
        """The recognizer's trained model, or None when it has none."""
        with self._lock:
            if name in self._models:
                return self._models[name]
            generation = self._generation.get(name, 0)
        model = self._store.get_model(name)
        if model is None:
            return None
        loaded = LoadedModel(
            Network.from_dict(model.document), model.labels, int(model.document["grid_size"])
        )
        with self._lock:
            if self._generation.get(name, 0) == generation:
                self._models[name] = loaded
        return loaded

    def forget(self, name: str) -> None:
        """Drop the cached model: call after every write of a model or deletion."""
        with self._lock:
            self._models.pop(name, None)
            self._generation[name] = self._generation.get(name, 0) + 1
