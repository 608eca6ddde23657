"""The presets of a recognizer's network settings, the one place they are written.

Each setting's default is declared with the setting (app.network_settings.NetworkSettings:
type, bounds, default, description), so the `default` preset changes nothing. The `classic`
preset is the
original design: one network of 144 sigmoid units without bias, trained one sample at a time in
the given order at rate 0.3 on the squared error, from all-positive U[0, 0.1) weights
(NetworkSettings.init), without any of v1.1's additions (augmentation, grey-level grids,
hold-out, early stopping, the reject class, the ensemble, cross-fitting).
"""

from collections.abc import Mapping
from types import MappingProxyType

# The values `{"preset": "classic"}` stands for; fields given beside it win.
CLASSIC: Mapping[str, object] = MappingProxyType(
    {
        "hidden_layers": [144],
        "activation": "sigmoid",
        "learning_rate": 0.3,
        "momentum": 0.0,
        "bias": False,
        "mode": "classic",
        "shuffle": False,
        "loss": "squared_error",
        "augmentation": "off",
        "antialias": False,
        "validation_split": 0.0,
        "patience": 0,
        "reject": False,
        "ensemble": 1,
        "cross_fit": False,
    }
)
# The original trains until the MSE reaches this; other settings stop on validation instead.
CLASSIC_TARGET_MSE = 0.01

# Each preset as the settings a client sends to choose it (GET /api/settings shows them in full).
PRESETS: Mapping[str, Mapping[str, object]] = MappingProxyType(
    {"default": MappingProxyType({}), "classic": MappingProxyType({"preset": "classic"})}
)
