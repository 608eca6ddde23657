"""From-scratch multilayer perceptron (numpy only): activations, losses, Network, training."""

from app.nn.activations import ACTIVATIONS
from app.nn.fit import TrainOptions, mse, passes, train_pass
from app.nn.losses import LOSSES
from app.nn.network import ModelFormatError, Network

__all__ = [
    "ACTIVATIONS",
    "LOSSES",
    "ModelFormatError",
    "Network",
    "TrainOptions",
    "mse",
    "passes",
    "train_pass",
]
