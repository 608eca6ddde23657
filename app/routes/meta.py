"""Health: is the server up, which version, and how busy."""

from typing import Any

from fastapi import APIRouter

from app import __version__
from app.deps import TrainerDep

router = APIRouter(prefix="/api", tags=["meta"])


@router.get("/health")
def health(trainer: TrainerDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "trainings": trainer.running(),
        "listeners": trainer.listener_count(),
    }
