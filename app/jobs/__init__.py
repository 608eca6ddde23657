"""Where trainings run: local processes with a bounded queue (the default), or `hwr worker`
processes fed through a task queue on Redis (scale-out mode, HWR_BROKER_URL)."""

from typing import Any, Protocol

from app.config import Settings
from app.events import Listeners
from app.jobs.local import TrainingService
from app.jobs.status import ACTIVE
from app.recognition import ModelCache
from app.schemas import TrainingRequest, TrainingStatus
from app.store import Store


class Trainer(Protocol):
    """What the routes use of a training service, whichever mode runs."""

    listeners: Listeners  # the event streams of each recognizer's training

    def recover(self) -> None: ...
    def shutdown(self, timeout: float = 5.0) -> None: ...
    def status(self, name: str) -> TrainingStatus: ...
    def running(self) -> int: ...
    def queued(self) -> int: ...
    def start(self, name: str, request: TrainingRequest) -> TrainingStatus: ...
    def stop(self, name: str) -> TrainingStatus: ...
    def weights(self, name: str, wait: float = 1.0) -> dict[str, Any] | None: ...
    def model_replaced(self, name: str) -> None: ...
    def forget(self, name: str) -> None: ...


def make_trainer(store: Store, models: ModelCache, settings: Settings) -> Trainer:
    """The training service the settings ask for."""
    if settings.broker_url:
        from app.jobs.broker import BrokerTrainingService  # imports rq only when used

        return BrokerTrainingService(store, models, settings)
    return TrainingService(store, models, settings)


__all__ = ["ACTIVE", "Trainer", "TrainingService", "make_trainer"]
