"""What a training process finds ready: the forkserver imports this module before it forks the
server's trainings (app.jobs.local), an `hwr worker` before RQ forks its jobs, so each training
inherits the worker's modules and the default settings' background class (made once: ~0.5 s of
rasterising, more than a whole short training's network work) instead of paying for them."""

import logging

import app.worker  # noqa: F401  (loaded before the fork: every training runs app.worker.train)
from app.ink import GRID_SIZE
from app.network_settings import NetworkSettings
from app.training_data import background


def warm() -> None:
    """Make what a training with the default settings uses once per process."""
    background(NetworkSettings(), GRID_SIZE)


# Only an ImportError leaves the forkserver running (multiprocessing.forkserver.main): whatever
# else goes wrong here must not stop trainings, which then make the pool themselves.
try:
    warm()
except Exception:
    logging.getLogger("hwr.trainer").exception("could not make the background class ahead")
