"""What a training process finds ready: the forkserver imports this module before it forks the
server's trainings (app.jobs.local), an `hwr worker` before RQ forks its jobs, so each training
inherits the worker's modules and the default settings' background class (made once: ~0.5 s of
rasterising, more than a whole short training's network work) instead of paying for them."""

from app.ink import GRID_SIZE
from app.network_settings import NetworkSettings
from app.training_data import background
from app.worker import train

__all__ = ["train"]  # the forkserver's trainings run this; imported here to be loaded


def warm() -> None:
    """Make what a training with the default settings uses once per process."""
    background(NetworkSettings(), GRID_SIZE)


warm()
