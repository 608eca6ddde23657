"""The lab: the classic backprop demos (XOR, the circle that follows the mouse, next-day
infections) as short-lived training runs on the recognizer's own engine, kept in memory."""

from app.lab.manager import LabRuns, RunNotFound, TooManyRuns
from app.lab.run import Run
from app.lab.tasks import TASKS, Config, resolve

__all__ = ["TASKS", "Config", "LabRuns", "Run", "RunNotFound", "TooManyRuns", "resolve"]
