"""Recognizer defaults chosen by measurement (README, "Recognition settings"; figures from
`make bench`'s real-handwriting section, tuned on the dev part of the digits only)."""

from typing import Literal

DEFAULT_LOSS: Literal["cross_entropy", "squared_error"] = "cross_entropy"
DEFAULT_AUGMENTATION: Literal["off", "light", "standard", "strong"] = "strong"
DEFAULT_ANTIALIAS = True
DEFAULT_VALIDATION_SPLIT = 0.2
DEFAULT_PATIENCE = 40
DEFAULT_REJECT = True
DEFAULT_ENSEMBLE = 3
