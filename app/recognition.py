"""Trained models ready for Check: loaded once from the store, kept until replaced.

What Check computes is app.recognizer.Recognizer (numpy only, also `from hwr import
Recognizer`); this module keeps one per recognizer, with what Check tells beside the answer:
whether the samples changed since the model was trained (`stale`) and which labels it lacks.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.documents import members_of
from app.recognizer import Recognizer
from app.store import Store


@dataclass(frozen=True)
class Found:
    """A recognizer's trained model and the facts about its samples now."""

    model: Recognizer
    trained_on: int | None  # the fingerprint of the samples it was trained on
    fingerprint: int  # of the recognizer's samples now (app.store.fingerprints)
    labels: list[str]  # the recognizer's labels now

    @property
    def stale(self) -> bool:
        return self.fingerprint != self.trained_on

    @property
    def missing_labels(self) -> list[str]:
        return [label for label in self.labels if label not in self.model.labels]


def recognizer_of(document: dict[str, Any]) -> Recognizer:
    """The Recognizer of a stored model document, with its ensemble's size (from its settings,
    which only the server reads: a script checking drawings needs no members)."""
    return Recognizer.from_document(document, members_of(document))


class ModelCache:
    """Parsed networks by recognizer; a generation counter keeps a slow reader from caching an
    old model after forget() was called for a newer one."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._models: dict[str, tuple[Recognizer, int | None]] = {}  # and its `trained_on`
        self._known: dict[str, tuple[int, list[str]]] = {}  # (fingerprint, labels) of samples
        self._generation: dict[str, int] = {}
        # Scale-out mode: tells the other API processes (through Redis) what changed here.
        self.broadcast: Callable[[str, str], None] | None = None

    def peek(self, name: str) -> Found | None:
        """The cached model and the recognizer's samples' facts, without touching the store
        (None: not cached, ask get())."""
        with self._lock:
            model, known = self._models.get(name), self._known.get(name)
        return None if model is None or known is None else Found(*model, *known)

    def get(self, name: str) -> Found | None:
        """The recognizer's trained model and its samples' facts, or None without a model. A
        change of samples re-reads only their facts: the model stays decoded."""
        with self._lock:
            generation = self._generation.get(name, 0)
            model, known = self._models.get(name), self._known.get(name)
        if model is not None and known is not None:
            return Found(*model, *known)
        if model is None:
            stored = self._store.get_model(name)
            if stored is None:
                return None
            model = (recognizer_of(stored.document), stored.fingerprint)
        recognizer = self._store.get_recognizer(name)
        labels = [label for label, _ in self._store.label_counts(name)]
        known = (recognizer.fingerprint, labels)
        with self._lock:
            if self._generation.get(name, 0) == generation:
                self._models[name] = model
                self._known[name] = known
        return Found(*model, *known)

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
