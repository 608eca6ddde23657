"""What the store hands out (frozen records) and the errors it raises."""

import json
from dataclasses import dataclass
from typing import Any


class StoreError(Exception):
    """The database can't be opened, read or migrated; the message says where and what to do."""


class NotFound(StoreError):
    """An unknown recognizer or sample."""


class Conflict(StoreError):
    """A recognizer name that is already taken."""


class LimitReached(StoreError):
    """A write would pass HWR_MAX_SAMPLES or HWR_MAX_RECOGNIZERS; nothing was written."""


@dataclass(frozen=True)
class Recognizer:
    name: str
    grid_size: int
    network: dict[str, Any]
    created_at: str
    revision: int  # increases on every change of its samples (the row's lock, a change count)
    fingerprint: int = 0  # which samples it has (app.store.fingerprints): `stale` compares it


@dataclass(frozen=True)
class Sample:
    id: int
    recognizer: str
    label: str
    grid: list[float]
    created_at: str
    strokes: list[list[list[float]]] | None  # only when asked for


@dataclass(frozen=True)
class ModelFacts:
    """A model without its document: what summaries show, read without decoding the model."""

    recognizer: str
    labels: list[str]
    iterations: int
    mse: float | None
    trained_at: str
    revision: int  # the recognizer revision of the samples it was trained on
    fingerprint: int | None = None  # theirs (None: not known, a stale model from before)
    # The JSON text of facts_of(document), as stored: the API validates it straight from the
    # text, once per distinct text (app.routes.recognizers).
    facts: str = "{}"

    def shown(self) -> dict[str, Any]:
        """facts_of(document), decoded."""
        shown: dict[str, Any] = json.loads(self.facts)
        return shown

    def stale(self, recognizer: Recognizer) -> bool:
        """Do the recognizer's samples differ from those this model was trained on?"""
        return self.fingerprint != recognizer.fingerprint


@dataclass(frozen=True, kw_only=True)
class Model(ModelFacts):
    document: dict[str, Any]  # the full hwr-model/1 document


def facts_of(document: dict[str, Any]) -> dict[str, Any]:
    """The facts of a model document that summaries show (ModelInfo's validation,
    validation_note and temperature), stored beside it (models.facts) when it is saved: a
    summary reads them without decoding the ~0.5 MB document."""
    calibration = document.get("calibration")
    return {
        "validation": document.get("validation"),
        "validation_note": document.get("validation_note"),
        "temperature": calibration.get("temperature") if isinstance(calibration, dict) else None,
    }


def dumps(value: Any) -> str:
    """Strict JSON (NaN and infinities raise ValueError), Unicode kept as is."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
