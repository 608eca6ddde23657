"""Where trainings run: local processes with a bounded queue (the default)."""

from app.jobs.local import TrainingService
from app.jobs.status import ACTIVE

__all__ = ["ACTIVE", "TrainingService"]
