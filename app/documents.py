"""The JSON documents hwr imports, exports and stores: datasets (hwr-dataset/1) and models
(hwr-model/1, typed and versioned; a document of an older version is upgraded when it is read,
here and nowhere else)."""

from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np
from numpy.typing import DTypeLike
from pydantic import (
    BaseModel,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    ValidationError,
    model_validator,
)

from app.network_settings import NetworkSettings
from app.nn.network import MAX_PARAMETERS, Network
from app.presets import CLASSIC
from app.recognizer import MODEL_FORMAT  # numpy-only: the Python API reads it too
from app.schema_types import FiniteFloat, GridSize, Label, Strict, StrokeList
from app.schemas import HistoryPoint, Validation

if TYPE_CHECKING:
    from app.worker import JobSpec

ModelVersion = Literal[3]  # what this hwr writes; a document without `version` is version 1
MODEL_VERSION: Final = get_args(ModelVersion)[0]

# --- datasets --------------------------------------------------------------------------------


class DatasetSample(Strict):
    label: Label
    strokes: StrokeList


class Dataset(Strict):
    format: Literal["hwr-dataset/1"]

    @model_validator(mode="before")
    @classmethod
    def _not_a_model(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("format") == MODEL_FORMAT:
            raise ValueError(f"this is a model file ({MODEL_FORMAT}): use Import model instead")
        return data

    grid_size: GridSize = 12
    samples: list[DatasetSample] = Field(max_length=100_000)


class DatasetCounts(BaseModel):
    added: int
    labels: dict[str, int] = Field(description="samples added, by label")
    skipped: int = Field(0, description="exact duplicates (same label and strokes) not added")


# --- models ----------------------------------------------------------------------------------


class Layer(BaseModel):
    weights: list[list[FiniteFloat]]
    bias: list[FiniteFloat] | None = None  # null (or absent): the network has no bias


class Calibration(Strict):
    temperature: float = Field(gt=0, le=1000, allow_inf_nan=False)


class OpenSet(Strict):
    """What Check needs to say "unknown": training grids, packed, and the distance beyond them."""

    reference: str | None = Field(max_length=8 * 1024 * 1024)
    distance: float | None = Field(ge=0, allow_inf_nan=False)
    min_confidence: float = Field(ge=0, le=1, allow_inf_nan=False)


class GridOptions(Strict):
    antialias: bool


class NetworkPart(BaseModel):
    """A model's network: its layers' sizes and activations (checked by Network.from_dict), and
    the settings it was trained with (null: unknown, as in a file from elsewhere)."""

    sizes: list[StrictInt]
    activations: list[StrictStr]
    bias: StrictBool
    settings: NetworkSettings | None


class ModelDocument(BaseModel):
    """A trained model: what Check loads, GET /model exports and PUT /model imports."""

    format: Literal["hwr-model/1"]
    version: ModelVersion = Field(description="of the document's layout (absent: 1)")
    labels: list[Label] = Field(min_length=2, max_length=1024)
    grid_size: GridSize
    network: NetworkPart
    layers: list[Layer] = Field(min_length=1, max_length=9)
    grid: GridOptions = Field(description="how its grids are drawn")
    calibration: Calibration
    open_set: OpenSet | None
    background: bool = Field(description="the last output is a hidden 'none' class")
    validation: Validation | None
    validation_note: str | None = Field(max_length=1000)
    history: list[HistoryPoint] = Field(max_length=501)
    iterations: int = Field(ge=0, description="passes the model was trained for, in all")
    mse: float | None = Field(ge=0, allow_inf_nan=False, description="its MSE")
    folds: dict[int, int] | None = Field(
        None,
        max_length=1_000_000,
        description="cross-fitting: each sample id's fold, kept when training continues",
    )

    @model_validator(mode="before")
    @classmethod
    def _read(cls, data: Any) -> Any:
        """Bounded, then upgraded to the current version."""
        if isinstance(data, dict):
            _bounded(data)
            data = upgrade(data)
        return data

    def members(self) -> int:
        """The ensemble size its settings name (unknown: 1), when the shapes agree."""
        return _members(self.network.sizes, self.network.settings)

    def build(self, dtype: DTypeLike = np.float64) -> Network:
        """Its network (ModelFormatError when the layers do not fit the sizes and activations)."""
        shape = self.network.model_dump(exclude={"settings"})
        layers = [{"weights": layer.weights, "bias": layer.bias} for layer in self.layers]
        return Network.from_dict({"network": shape, "layers": layers}, dtype=dtype)


# Extras of a run (TrainingRun.finish) that its model document does not carry: the MSE is its
# `mse`, and the recording is kept beside the model (Store.save_model), not loaded with it.
NOT_IN_DOCUMENT = ("final_mse", "replay")


def trained_model(
    spec: "JobSpec",
    net: dict[str, Any],
    extras: dict[str, Any],
    history: list[dict[str, Any]],
    iterations: int,
) -> dict[str, Any]:
    """The document of a finished training (a ModelDocument's JSON): the spec it ran, its
    network (Network.to_dict), its extras (TrainingRun.finish) and learning curve."""
    return {
        "format": MODEL_FORMAT,
        "version": MODEL_VERSION,
        "labels": spec.labels,
        "grid_size": spec.grid_size,
        "network": {**net["network"], "settings": spec.settings.model_dump()},
        "layers": net["layers"],
        **{key: value for key, value in extras.items() if key not in NOT_IN_DOCUMENT},
        "history": history,
        "iterations": iterations,
        "mse": extras["final_mse"],
    }


def members_of(document: dict[str, Any]) -> int:
    """ModelDocument.members() of a stored document, without validating its layers again."""
    network = upgrade(document)["network"]
    return _members(network["sizes"], network["settings"])


def _members(sizes: list[int], settings: NetworkSettings | None) -> int:
    return ensemble_of(sizes, 1 if settings is None else settings.networks())


def ensemble_of(sizes: list[int], k: int) -> int:
    """k when a network of these sizes can be an ensemble of k merged networks, else 1."""
    return 1 if any(n % k for n in sizes[1:-1]) else k


def _bounded(data: dict[str, Any]) -> None:
    """Count the numbers before pydantic copies each into a float: 60 MiB of `0,0,...` would take
    2 GB as Python objects. Shapes are checked later, by Network.from_dict."""
    layers = data.get("layers")
    count = 0
    for layer in layers[:9] if isinstance(layers, list) else ():
        if not isinstance(layer, dict):
            continue
        for rows in (layer.get("weights"), layer.get("bias")):
            if not isinstance(rows, list):
                continue
            if len(rows) > MAX_PARAMETERS:
                count += len(rows)
            else:
                count += sum(len(row) if isinstance(row, list) else 1 for row in rows)
            if count > MAX_PARAMETERS:
                raise ValueError(f"layers hold more than {MAX_PARAMETERS} numbers")


# --- upgrades --------------------------------------------------------------------------------

# Version 1 (hwr 1.0 to 1.2, no `version`): hwr 1.0 wrote only the format, labels, grid size,
# network and layers; a part that 1.1 added is absent from its files and means what 1.0 did.
_V1_PARTS: dict[str, Any] = {
    "grid": {"antialias": False},
    "calibration": {"temperature": 1.0},
    "open_set": None,
    "background": False,
    "validation": None,
    "validation_note": None,
    "history": [],
    "iterations": 0,
    "mse": None,
}
_V1_OPEN_SET = {"reference": None, "distance": None, "min_confidence": 0.0}
# Settings added since hwr 1.0: a network trained without them trained as the original design,
# so in a version-1 document their absence means the classic preset's value.
_SETTINGS_SINCE_V1_0 = (
    "loss",
    "augmentation",
    "antialias",
    "validation_split",
    "patience",
    "reject",
    "ensemble",
)


def upgrade(document: dict[str, Any]) -> dict[str, Any]:
    """A model document of any version as the current one (MODEL_VERSION). A version it does not
    know is left for validation to refuse. Settings that are not valid ones (a file from
    elsewhere) become null: unknown."""
    version = document.get("version", 1)
    if version == 1:
        document = _from_v1(document)
    if document.get("version") == 2:
        document = _from_v2(document)
    network = document.get("network")
    if isinstance(network, dict):
        document = {**document, "network": {**network, "settings": _valid(network)}}
    return document


def _from_v1(document: dict[str, Any]) -> dict[str, Any]:
    """Version 1 as version 2: absent parts as hwr 1.0 meant them, and absent settings too."""
    out = {**_V1_PARTS, **document, "version": 2}
    for key in ("grid", "calibration"):
        if isinstance(out[key], dict):
            out[key] = {**_V1_PARTS[key], **out[key]}
    if isinstance(out["open_set"], dict):
        out["open_set"] = {**_V1_OPEN_SET, **out["open_set"]}
    network = out.get("network")
    if isinstance(network, dict) and isinstance(network.get("settings"), dict):
        since = {key: CLASSIC[key] for key in _SETTINGS_SINCE_V1_0}
        out["network"] = {**network, "settings": {**since, **network["settings"]}}
    return out


def _from_v2(document: dict[str, Any]) -> dict[str, Any]:
    """Version 2 as version 3: a network of settings without `cross_fit` was
    trained without it (its members all held out the same drawings, and there was no refit)."""
    out = {**document, "version": 3}
    network = out.get("network")
    if isinstance(network, dict) and isinstance(network.get("settings"), dict):
        out["network"] = {**network, "settings": {"cross_fit": False, **network["settings"]}}
    return out


def _valid(network: dict[str, Any]) -> NetworkSettings | None:
    """The network's settings, validated; None when absent or not valid settings."""
    settings = network.get("settings")
    if isinstance(settings, NetworkSettings) or settings is None:
        return settings
    try:
        return NetworkSettings.model_validate(settings)
    except ValidationError:
        return None
