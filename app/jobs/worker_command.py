"""`hwr worker`: take trainings from the queue on Redis and run them (scale-out mode).

Each of the `concurrency` RQ workers runs one training at a time, in a process it forks for
it; so the trainings running at once in a cluster are at most the sum of its workers'
concurrency. Start one per machine with `concurrency` at most its CPU cores.
"""

import logging
import sys
from typing import Any

from redis.exceptions import RedisError
from rq import Worker
from rq.job import Job
from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from app.config import Settings
from app.jobs import bus
from app.store import StoreError, open_store


class TrainingWorker(Worker):
    """An RQ worker that proves its training alive often enough for "worker lost" within
    seconds, and whose shutdown (SIGTERM, SIGINT: `docker stop`, Ctrl+C) asks its running
    training to stop and save, as the Stop button does, so that RQ's warm shutdown ends in
    seconds with the model kept instead of outliving the orchestrator's patience."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # RQ's own execution heartbeat, every HEARTBEAT_S instead of every 30 s ...
        kwargs.setdefault("job_monitoring_interval", bus.HEARTBEAT_S)
        super().__init__(*args, **kwargs)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        """... and expiring ALIVE_TTL_S after the last one instead of 60 s later: the API's
        sweeper then has RQ fail the job of a dead worker (StartedJobRegistry.cleanup)."""
        return bus.ALIVE_TTL_S

    def request_stop(self, signum: Any, frame: Any) -> None:
        job = self.get_current_job()
        if job is not None and len(job.args) >= 2:
            name, job_id = job.args[0], job.args[1]
            try:
                stop = f"{job_id} {bus.SHUTDOWN}"  # stopped, and the status says why
                self.connection.set(bus.key("stop", name), stop, ex=24 * 3600)
            except RedisError:
                logging.getLogger("hwr.worker").warning("could not stop %s on shutdown", name)
        super().request_stop(signum, frame)  # type: ignore[no-untyped-call]


def run_worker(concurrency: int | None = None) -> int:
    """Run until stopped (SIGINT/SIGTERM: running trainings stop and save); the exit code."""
    settings = Settings()
    if not settings.broker_url:
        print("hwr worker: set HWR_BROKER_URL (e.g. redis://localhost:6379/0)", file=sys.stderr)
        return 2
    try:  # the database is reachable and migrated before any training is taken
        open_store(settings).close()
    except StoreError as exc:
        print(f"hwr worker: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    import app.jobs.preload  # noqa: F401  (made once here, inherited by every job RQ forks)

    redis = bus.connect(settings.broker_url)
    workers = concurrency or settings.worker_concurrency
    if workers == 1:
        worker = TrainingWorker([bus.QUEUE], connection=redis, serializer=JSONSerializer)
        worker.work(with_scheduler=False)
    else:
        pool = WorkerPool(
            [bus.QUEUE],
            connection=redis,
            num_workers=workers,
            worker_class=TrainingWorker,
            serializer=JSONSerializer,
        )
        pool.start()
    return 0
