"""Request and response models of API.md. Structure lives here; configurable limits in deps;
the shared pieces in app.schema_types, the network settings in app.network_settings."""

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.folds import wilson
from app.network_settings import NetworkSettings
from app.open_set import UnknownSignal
from app.schema_types import GridSize, Label, RecognizerName, Strict, StrokeList

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
    """Accuracy on drawings answered by networks that never trained on them: out-of-fold
    answers (cross-fitting: every drawing), or the held-out share."""

    samples: int
    accuracy: float
    interval: tuple[float, float] | None = Field(
        None, description="95% interval for the accuracy given `samples` (Wilson)"
    )
    cross_fitted: bool = Field(False, description="every drawing answered out-of-fold")
    labels: list[str]
    confusion: list[list[int]] = Field(
        description="confusion[i][j]: held-out samples of labels[i] recognised as labels[j]"
    )
    misclassified: list[int] = Field(description="ids of the held-out samples recognised wrong")
    held_out: list[HeldOut] = Field([], description="every held-out sample and its answer")
    iteration: int | None = Field(None, description="the pass whose weights were kept")

    @model_validator(mode="after")
    def _interval(self) -> "Validation":
        """Models saved before the interval existed get theirs from accuracy and samples."""
        if self.interval is None:
            self.interval = wilson(round(self.accuracy * self.samples), self.samples)
        return self


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
        0,
        description="counts the trainings since the server started, going on from those whose"
        " ending a shutdown kept",
    )
    resumed: bool | None = Field(
        None, description="true: continued from the trained weights; false: a new network"
    )
    reason: str | None = Field(None, description="why it resumed or started a new network")
    outcome: str | None = Field(
        None,
        description="why it ended: target_mse reached, max_iterations reached, stopped, the"
        " server was shut down, ...",
    )
    labels: list[str] = []
    max_iterations: int | None = None
    target_mse: float | None = None
    validation_accuracy: float | None = Field(None, description="the latest pass's")
    validation_samples: int | None = Field(None, description="drawings validation answers")
    validation_interval: tuple[float, float] | None = Field(
        None, description="95% interval for the latest pass's validation accuracy (Wilson)"
    )
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
    member: int = Field(0, ge=0, le=8, description="whose path, in an ensemble")


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


class NetworkPath(BaseModel):
    """A drawing through one network of the model (an ensemble's `member`)."""

    member: int
    layers: list[list[float]] = Field(description="each hidden layer's activations")
    outputs: list[float]


class CheckResult(BaseModel):
    label: str
    confidences: list[Confidence]
    grid: list[float]
    unknown: bool = Field(
        False, description="the drawing looks like none of the labels; `label` is the closest"
    )
    unknown_reason: str | None = None
    unknown_signal: UnknownSignal | None = Field(
        None,
        description="which test called it unknown: the hidden 'none of these' output won "
        "(background), farther than held-out drawings ever were from every training drawing "
        "(distance), or the top probability below the model's minimum (confidence)",
    )
    stale: bool = Field(False, description="samples changed since the model was trained")
    missing_labels: list[str] = Field(
        [], description="labels with samples that this model was not trained on"
    )
    activations: NetworkPath | None = Field(None, description="when asked: the drawing's path")


class RasterizeIn(Strict):
    strokes: StrokeList
    recognizer: RecognizerName | None = Field(
        None, description="rasterise as this recognizer does (its grid size and settings)"
    )
    grid_size: GridSize | None = Field(None, description="absent: a new recognizer's (12)")
    antialias: bool | None = Field(
        None, description="as a recognizer with `antialias` rasterises; absent: a new one's"
    )


class Grid(BaseModel):
    grid: list[float]
