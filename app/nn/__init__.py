"""From-scratch multilayer perceptron (numpy only): activations, losses, Network, training."""

from app.nn.activations import ACTIVATIONS, DERIVATIVES
from app.nn.fit import CLASSIC_OPTIONS, TrainOptions, classic_network, mse, passes
from app.nn.losses import LOSSES
from app.nn.network import ModelFormatError, Network

__all__ = [
    "ACTIVATIONS",
    "CLASSIC_OPTIONS",
    "DERIVATIVES",
    "LOSSES",
    "ModelFormatError",
    "Network",
    "TrainOptions",
    "classic_network",
    "mse",
    "passes",
]
