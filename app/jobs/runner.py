"""`hwr worker`: take trainings from the queue on Redis and run them (scale-out mode).

Each of the `concurrency` RQ workers runs one training at a time, in a process it forks for
it; so the trainings running at once in a cluster are at most the sum of its workers'
concurrency. Start one per machine with `concurrency` at most its CPU cores.
"""

import logging
import sys

from rq import Worker
from rq.serializers import JSONSerializer
from rq.worker_pool import WorkerPool

from app.config import Settings
from app.jobs import bus
from app.store import StoreError, open_store


def run_worker(concurrency: int | None = None) -> int:
    """Run until stopped (SIGINT/SIGTERM: the trainings running finish first); the exit code."""
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
    redis = bus.connect(settings.broker_url)
    workers = concurrency or settings.worker_concurrency
    if workers == 1:
        worker = Worker([bus.QUEUE], connection=redis, serializer=JSONSerializer)
        worker.work(with_scheduler=False)
    else:
        pool = WorkerPool(
            [bus.QUEUE], connection=redis, num_workers=workers, serializer=JSONSerializer
        )
        pool.start()
    return 0
