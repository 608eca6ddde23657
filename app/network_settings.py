"""A recognizer's network settings: each declared once (type, bounds, default, description)."""

from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import Field, model_validator

from app.augment import LEVELS
from app.nn.activations import OFFERED
from app.nn.fit import Mode, TrainOptions
from app.nn.losses import OUTPUT_ACTIVATION, Loss
from app.presets import CLASSIC, CLASSIC_TARGET_MSE
from app.schema_types import FiniteFloat, Strict

# Choices derived from where they are defined (for validation and the schema's enum).
if TYPE_CHECKING:
    HiddenActivation = str
    Augmentation = str
else:
    HiddenActivation = Literal[OFFERED]
    Augmentation = Literal[tuple(LEVELS)]


class NetworkSettings(Strict):
    """How to build and train a recognizer's network. Each setting is declared here once (type,
    bounds, default, description); validation, the stored documents, GET /api/settings and the
    page's form derive from it. Defaults chosen by measurement (docs/settings.md, "Why these
    defaults"; `make bench`'s real-handwriting section, tuned on the dev part of the digits
    only); the presets are in app.presets."""

    preset: Literal["classic"] | None = Field(
        None, description="classic: the original design, under the fields given"
    )
    hidden_layers: list[Annotated[int, Field(ge=1, le=1024)]] = Field(
        default=[144], min_length=0, max_length=8, description="units of each hidden layer"
    )
    activation: HiddenActivation = Field("sigmoid", description="of the hidden layers")
    # Measured (BLAS on 1 thread; 26 random 144-cell binary prototypes, 10 training and 20
    # held-out copies each with 10% of the bits flipped, 3 seeds), passes and seconds to 95%
    # held-out accuracy: classic preset, float64: 33-35 passes, 0.19 s; per-sample, "auto" init
    # with bias, lr 0.3, float32: 3-4, 0.019 s; mini-batch 4, same: 10-12, 0.020 s; mini-batch
    # 8 / 16: 18-23 / 33-43, 0.024 / 0.033 s. The init, not the batching, is what makes the
    # classic preset slow (its all-positive weights saturate every sigmoid). lr 0.5 is ~30%
    # faster still; float32 takes the same passes as float64, 1.5-2x faster per sample.
    learning_rate: FiniteFloat = Field(
        0.3, gt=0, le=10, description="the step on each update's mean gradient"
    )
    momentum: FiniteFloat = Field(
        0.0, ge=0, lt=1, description="classical momentum; 0.5 about doubles the effective rate"
    )
    bias: bool = Field(True, description="every unit has a bias")
    seed: int | None = Field(
        None, ge=0, lt=2**63, description="makes a training repeatable (none: a new draw each time)"
    )
    mode: Mode = Field(
        "minibatch", description="classic: one sample at a time; minibatch: batch_size at a time"
    )
    batch_size: int = Field(4, ge=1, le=4096, description="samples per update (minibatch mode)")
    shuffle: bool = Field(True, description="a new order of the samples every pass")
    # 5 synthetic letters, 12 drawings each, 150 passes, one network: the weights' norm is 27.6
    # without decay, 16.5 / 8.0 / 3.3 at 1e-3 / 1e-2 / 0.1, the training MSE 0.000 / 0.002 /
    # 0.48: at 0.1 the decay already outweighs what the samples teach.
    weight_decay: FiniteFloat = Field(
        0.0,
        ge=0,
        le=0.1,
        description="L2 decay of the weights, not the biases: each update also takes "
        "learning_rate x weight_decay x W off every weight W (0: off)",
    )
    loss: Loss = Field(
        "cross_entropy",
        description="cross_entropy: softmax outputs; squared_error: sigmoid outputs",
    )
    augmentation: Augmentation = Field(
        "strong", description="random variants of the strokes in every pass"
    )
    antialias: bool = Field(
        True, description="the pen spreads into neighbouring cells (grey levels)"
    )
    validation_split: FiniteFloat = Field(
        0.2,
        ge=0,
        le=0.5,
        description="without cross-fitting: the share of each label's samples held out to "
        "measure accuracy",
    )
    patience: int = Field(
        40,
        ge=0,
        le=100_000,
        description="stop after this many passes without better validation accuracy (0: never)",
    )
    reject: bool = Field(
        True, description="learn a hidden 'none of these' class from generated scribbles"
    )
    ensemble: int = Field(3, ge=1, le=8, description="networks trained side by side, averaged")
    cross_fit: bool = Field(
        True,
        description="each network of the ensemble holds out its own share of the drawings, and "
        "one more learns from all of them: every drawing trains the model and is also answered "
        "by a network that never saw it, which is what validation reports (needs ensemble 2+)",
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

    def cross_fits(self) -> bool:
        """Cross-fitting is on and possible (it needs two networks to hold out two folds)."""
        return self.cross_fit and self.ensemble >= 2

    def networks(self) -> int:
        """The networks a model of these settings merges: the ensemble, and with cross-fitting
        one more that trains on every drawing (the refit)."""
        return self.ensemble + (1 if self.cross_fits() else 0)

    def default_target_mse(self) -> float | None:
        """The MSE at which a run ends when neither the request nor HWR_TARGET_MSE names one:
        the classic preset's, as the original; none for the others (they stop on validation)."""
        return CLASSIC_TARGET_MSE if self.preset == "classic" else None

    def output_activation(self) -> str:
        """The output layer's activation, which the loss decides."""
        return OUTPUT_ACTIVATION[self.loss]

    def init(self) -> str:
        """How a new network's weights start (app.nn.network.INITS): the classic preset's as
        the original's, all positive; else the one suited to the activation."""
        return "uniform-classic" if self.preset == "classic" else "auto"

    def outputs(self, labels: int) -> int:
        """Output units for this many labels: one more for the hidden reject class."""
        return labels + (1 if self.reject else 0)

    def training_options(self) -> TrainOptions:
        """How each network of the ensemble takes its passes (app.nn.fit)."""
        return TrainOptions(
            mode=self.mode,
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            momentum=self.momentum,
            shuffle=self.shuffle,
            loss=self.loss,
            weight_decay=self.weight_decay,
        )
