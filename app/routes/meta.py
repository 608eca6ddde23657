"""Health: is the server up, which version, and how busy."""

from typing import Any

from fastapi import APIRouter

from app import __version__
from app.deps import SettingsDep, TrainerDep

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health")
def health(trainer: TrainerDep, settings: SettingsDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "trainings": trainer.running(),
        "queued": trainer.queued(),
        "listeners": trainer.listener_count(),
        # What a training request without limits gets (HWR_MAX_ITERATIONS, HWR_TARGET_MSE):
        # the page shows them as the fields' values.
        "training_defaults": {
            "max_iterations": settings.max_iterations,
            "target_mse": settings.target_mse,
        },
    }
