"""The old dotted name of the queue's job, for trainings queued before the rename: RQ stores a
job's function by name (app.jobs.task.run), and a worker imports that name when it takes one."""

from app.jobs.queue_job import run

__all__ = ["run"]
