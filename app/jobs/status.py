"""What both training services share: the states that count as busy, the status of a recognizer
with no training in this process, and the wake-up events of the events-stream listeners."""

import asyncio
import threading
from datetime import UTC, datetime

from app.schemas import TrainingStatus
from app.store import Store

# A training is "active" from its start until it ends: waiting for a slot, training, stopping.
ACTIVE = ("queued", "running", "stopping")
INTERRUPTED = (
    "interrupted by a server restart: the training was queued or running when the server "
    "stopped; the model from before it is kept"
)


def now() -> str:
    """ISO 8601 UTC with milliseconds, as the store writes its times."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def restored(store: Store, name: str) -> TrainingStatus:
    """Idle, with the saved model's curve and validation: what a recognizer shows when no
    training of it is known (after a restart, or in another process)."""
    model = store.get_model(name)
    if model is None:
        return TrainingStatus()
    doc = model.document
    status = TrainingStatus(
        iterations=model.iterations,
        history=doc.get("history") or [],
        validation=doc.get("validation"),
        validation_note=doc.get("validation_note"),
        labels=model.labels,
    )
    if status.history:
        status.mse_initial = status.history[0].mse
        status.mse_current = status.history[-1].mse
        status.validation_accuracy = status.history[-1].validation_accuracy
    return status


def interrupted(status: TrainingStatus, since: str) -> TrainingStatus:
    """The status of a training that the death of its server cut short (API.md v1.1)."""
    return status.model_copy(update={"state": "failed", "started_at": since, "error": INTERRUPTED})


class Listeners:
    """The events stream's listeners: one asyncio.Event each, set from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[str, set[asyncio.Event]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the event loop that listeners wait on."""
        self._loop = loop

    def listen(self, name: str) -> asyncio.Event:
        """A new listener's wake-up event; call unlisten() when it goes."""
        event = asyncio.Event()
        with self._lock:
            self._groups.setdefault(name, set()).add(event)
        return event

    def unlisten(self, name: str, event: asyncio.Event) -> None:
        with self._lock:
            group = self._groups.get(name)
            if group is not None:
                group.discard(event)
                if not group:
                    del self._groups[name]

    def count(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._groups.values())

    def wake(self, name: str) -> None:
        """Wake the listeners: setting an event never blocks, so slow clients cost nothing."""
        loop = self._loop
        with self._lock:
            events = list(self._groups.get(name, ()))
        if loop is None or loop.is_closed():
            return
        for event in events:
            loop.call_soon_threadsafe(event.set)


class WithListeners:
    """The listener half of a training service: the events stream waits on these."""

    _listeners: Listeners

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._listeners.attach(loop)

    def listen(self, name: str) -> asyncio.Event:
        return self._listeners.listen(name)

    def unlisten(self, name: str, event: asyncio.Event) -> None:
        self._listeners.unlisten(name, event)

    def listener_count(self) -> int:
        return self._listeners.count()
