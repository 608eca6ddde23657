"""Request and response models of API.md. Structure lives here; configurable limits in deps."""

import unicodedata
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.defaults import (
    DEFAULT_ANTIALIAS,
    DEFAULT_AUGMENTATION,
    DEFAULT_ENSEMBLE,
    DEFAULT_LOSS,
    DEFAULT_PATIENCE,
    DEFAULT_REJECT,
    DEFAULT_VALIDATION_SPLIT,
)
from app.nn.fit import DEFAULT_BATCH_SIZE, DEFAULT_MODE
from app.nn.network import MAX_PARAMETERS

# --- shared pieces ---------------------------------------------------------------------------

Coordinate = Annotated[float, Field(allow_inf_nan=False)]
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=3)]
Stroke = list[Point]
StrokeList = Annotated[
    list[Stroke], Field(description="strokes, each a list of [x, y] or [x, y, t]")
]
RecognizerName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9_-]{1,64}$")]
GridSize = Annotated[int, Field(ge=4, le=64)]


def _printable(label: str) -> str:
    """Refuse control and format characters: they hide in the page and break file names."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in label):
        raise ValueError("label must not contain control or invisible characters")
    return label


Label = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=32),
    AfterValidator(_printable),
]


class Strict(BaseModel):
    """Unknown fields are a mistake worth telling the client about."""

    model_config = ConfigDict(extra="forbid")


# --- network settings ------------------------------------------------------------------------

CLASSIC: dict[str, Any] = {
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
}


class NetworkSettings(Strict):
    """How to build and train a recognizer's network; `preset: classic` is the original design."""

    preset: Literal["classic"] | None = None
    hidden_layers: list[Annotated[int, Field(ge=1, le=1024)]] = Field(
        default=[144], min_length=0, max_length=8
    )
    activation: Literal["sigmoid", "tanh", "relu"] = "sigmoid"
    learning_rate: float = Field(0.3, gt=0, le=10, allow_inf_nan=False)
    momentum: float = Field(0.0, ge=0, lt=1, allow_inf_nan=False)
    bias: bool = True
    seed: int | None = Field(None, ge=0, lt=2**63)
    mode: Literal["classic", "minibatch"] = DEFAULT_MODE
    batch_size: int = Field(DEFAULT_BATCH_SIZE, ge=1, le=4096)
    shuffle: bool = True
    loss: Literal["cross_entropy", "squared_error"] = Field(
        DEFAULT_LOSS, description="cross_entropy: softmax outputs; squared_error: sigmoid outputs"
    )
    augmentation: Literal["off", "light", "standard", "strong"] = Field(
        DEFAULT_AUGMENTATION, description="random variants of the strokes in every pass"
    )
    antialias: bool = Field(
        DEFAULT_ANTIALIAS,
        description="the pen spreads into neighbouring cells (grey levels)",
    )
    validation_split: float = Field(
        DEFAULT_VALIDATION_SPLIT,
        ge=0,
        le=0.5,
        allow_inf_nan=False,
        description="share of each label's samples held out to measure accuracy",
    )
    patience: int = Field(
        DEFAULT_PATIENCE,
        ge=0,
        le=100_000,
        description="stop after this many passes without better validation accuracy (0: never)",
    )
    reject: bool = Field(
        DEFAULT_REJECT, description="learn a hidden 'none of these' class from generated scribbles"
    )
    ensemble: int = Field(
        DEFAULT_ENSEMBLE, ge=1, le=8, description="networks trained side by side, averaged"
    )

    @model_validator(mode="before")
    @classmethod
    def _apply_preset(cls, data: Any) -> Any:
        """`"classic"` alone, or `{"preset": "classic", ...}`: the preset under explicit fields."""
        if data == "classic":
            data = {"preset": "classic"}
        if isinstance(data, dict) and data.get("preset") == "classic":
            data = {**CLASSIC, **data}
        return data


# --- recognizers -----------------------------------------------------------------------------


class RecognizerRename(Strict):
    name: RecognizerName


class LabelRename(Strict):
    label: Label


class RecognizerCreate(Strict):
    name: RecognizerName
    grid_size: GridSize = 12
    network: NetworkSettings = NetworkSettings()


class LabelCount(BaseModel):
    label: str
    samples: int


class HeldOut(BaseModel):
    id: int
    label: str
    recognised: str


class Validation(BaseModel):
    """Accuracy on held-out samples, which the network never trained on."""

    samples: int
    accuracy: float
    labels: list[str]
    confusion: list[list[int]] = Field(
        description="confusion[i][j]: held-out samples of labels[i] recognised as labels[j]"
    )
    misclassified: list[int] = Field(description="ids of the held-out samples recognised wrong")
    held_out: list[HeldOut] = Field([], description="every held-out sample and its answer")
    iteration: int | None = Field(None, description="the pass whose weights were kept")


class HistoryPoint(BaseModel):
    iteration: int
    mse: float
    validation_accuracy: float | None = None


class ModelInfo(BaseModel):
    trained: bool
    labels: list[str]
    stale: bool
    iterations: int
    mse: float | None
    trained_at: str | None
    validation: Validation | None = None
    validation_note: str | None = None
    temperature: float | None = Field(None, description="softmax temperature fitted on hold-out")
    missing_labels: list[str] = Field(
        [], description="labels with samples that the model does not know (train again)"
    )


TrainingState = Literal["queued", "idle", "running", "stopping", "finished", "stopped", "failed"]


class TrainingStatus(BaseModel):
    state: TrainingState = "idle"
    iterations: int = 0
    mse_initial: float | None = None
    mse_current: float | None = None
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    queue_position: int | None = Field(
        None, description="queued: the place in line, from 1 (trainings ahead of it + 1)"
    )
    queued_at: str | None = Field(None, description="when the start was accepted")
    job: int = Field(
        0, description="counts the trainings of this recognizer since the server started"
    )
    resumed: bool | None = Field(
        None, description="true: continued from the trained weights; false: a new network"
    )
    reason: str | None = Field(None, description="why it resumed or started a new network")
    outcome: str | None = Field(
        None, description="why it ended: target_mse reached, max_iterations reached, stopped"
    )
    labels: list[str] = []
    max_iterations: int | None = None
    target_mse: float | None = None
    validation_accuracy: float | None = Field(None, description="the latest pass's")
    validation: Validation | None = None
    validation_note: str | None = Field(None, description="why there is no validation")
    history: list[HistoryPoint] = Field(
        [], description="the learning curve from iteration 0, at most 501 points"
    )


class RecognizerSummary(BaseModel):
    name: str
    grid_size: int
    samples: int
    labels: list[LabelCount]
    network: NetworkSettings
    model: ModelInfo
    training: TrainingStatus
    created_at: str


# --- samples ---------------------------------------------------------------------------------


class StrokesIn(Strict):
    strokes: StrokeList


class CheckIn(StrokesIn):
    activations: bool = Field(False, description="also return the drawing's path: activations")
    member: int = Field(0, ge=0, le=7, description="whose path, in an ensemble")


class SampleIn(Strict):
    label: Label
    strokes: StrokeList


class SampleOut(BaseModel):
    id: int
    label: str
    grid: list[float]
    created_at: str


class SampleDetail(SampleOut):
    strokes: list[list[list[float]]]


# --- training --------------------------------------------------------------------------------


class TrainingRequest(Strict):
    network: NetworkSettings | None = None
    max_iterations: int | None = Field(None, ge=1, le=10_000_000)
    target_mse: float | None = Field(None, ge=0, allow_inf_nan=False)
    iterations_per_cycle: int = Field(100, ge=1, le=100_000)


# --- check and rasterize ---------------------------------------------------------------------


class Confidence(BaseModel):
    label: str
    confidence: float


class CheckResult(BaseModel):
    label: str
    confidences: list[Confidence]
    grid: list[float]
    unknown: bool = Field(
        False, description="the drawing looks like none of the labels; `label` is the closest"
    )
    unknown_reason: str | None = None
    stale: bool = Field(False, description="samples changed since the model was trained")
    missing_labels: list[str] = Field(
        [], description="labels with samples that this model was not trained on"
    )
    activations: dict[str, Any] | None = Field(
        None, description="when asked: {member, layers (hidden activations), outputs}"
    )


class RasterizeIn(Strict):
    strokes: StrokeList
    grid_size: GridSize = 12
    antialias: bool = Field(False, description="as a recognizer with `antialias` rasterises")


class Grid(BaseModel):
    grid: list[float]


class Health(BaseModel):
    status: Literal["ok"]
    version: str


# --- import / export -------------------------------------------------------------------------


class DatasetSample(Strict):
    label: Label
    strokes: StrokeList


class Dataset(Strict):
    format: Literal["hwr-dataset/1"]

    @model_validator(mode="before")
    @classmethod
    def _not_a_model(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("format") == "hwr-model/1":
            raise ValueError("this is a model file (hwr-model/1): use Import model instead")
        return data

    grid_size: GridSize = 12
    samples: list[DatasetSample] = Field(max_length=100_000)


class DatasetCounts(BaseModel):
    added: int
    labels: dict[str, int] = Field(description="samples added, by label")
    skipped: int = Field(0, description="exact duplicates (same label and strokes) not added")


FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]


class Layer(BaseModel):
    weights: list[list[FiniteFloat]]
    bias: list[FiniteFloat] | None = None


class Calibration(Strict):
    temperature: float = Field(1.0, gt=0, le=1000, allow_inf_nan=False)


class OpenSet(Strict):
    """What Check needs to say "unknown": training grids, packed, and the distance beyond them."""

    reference: str | None = Field(None, max_length=8 * 1024 * 1024)
    distance: float | None = Field(None, ge=0, allow_inf_nan=False)
    min_confidence: float = Field(0.0, ge=0, le=1, allow_inf_nan=False)


class GridOptions(Strict):
    antialias: bool = False


class ModelDocument(BaseModel):
    format: Literal["hwr-model/1"]
    labels: list[Label] = Field(min_length=2, max_length=1024)
    grid_size: GridSize
    network: dict[str, Any]
    layers: list[Layer] = Field(min_length=1, max_length=9)
    # v1.1: how the grid is drawn, calibration and the "unknown" detector (absent: v1 defaults)
    grid: GridOptions = GridOptions()
    calibration: Calibration = Calibration()
    open_set: OpenSet | None = None
    background: bool = Field(False, description="the last output is a hidden 'none' class")
    validation: Validation | None = None
    validation_note: str | None = Field(None, max_length=1000)
    history: list[HistoryPoint] = Field([], max_length=501)
    iterations: int = Field(0, ge=0, description="passes the model was trained for, in all")
    mse: float | None = Field(None, ge=0, allow_inf_nan=False, description="its MSE")

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data: Any) -> Any:
        """Count the numbers before pydantic copies each into a float: 60 MiB of `0,0,...`
        would take 2 GB as Python objects. Shapes are checked later, by Network.from_dict."""
        layers = data.get("layers") if isinstance(data, dict) else None
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
        return data
