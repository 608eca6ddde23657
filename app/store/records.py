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
    revision: int  # increases on every sample add/delete/import: a model of an older one is stale


@dataclass(frozen=True)
class Sample:
    id: int
    recognizer: str
    label: str
    grid: list[float]
    created_at: str
    strokes: list[list[list[float]]] | None  # only when asked for


@dataclass(frozen=True)
class Model:
    recognizer: str
    document: dict[str, Any]  # the full hwr-model/1 document
    labels: list[str]
    iterations: int
    mse: float | None
    trained_at: str
    revision: int  # the recognizer revision of the samples it was trained on


def dumps(value: Any) -> str:
    """Strict JSON (NaN and infinities raise ValueError), Unicode kept as is."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
