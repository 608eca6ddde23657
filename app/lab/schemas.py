"""Request and response models of the Lab API (API.md, "Lab (v1.1)")."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from app.lab.run import IDENTITY_BUFFER, MAX_STEP
from app.lab.tasks import BOUNDARY_MAX, BOUNDARY_MIN, MAX_HIDDEN_LAYERS, MAX_UNITS
from app.schema_types import Strict

Activation = Literal["sigmoid", "tanh", "relu", "linear"]
Number = Annotated[float, Field(allow_inf_nan=False)]
Pair = Annotated[list[Number], Field(min_length=2, max_length=2)]
Init = Literal["auto", "xavier", "he", "uniform-classic", "zeros", "demo"]  # tasks.LAB_INITS
Coordinate = Annotated[float, Field(ge=-1, le=1, allow_inf_nan=False)]


class RunRequest(Strict):
    """A new run: a task and, optionally, the network and training settings."""

    task: Literal["xor", "identity", "infections"]
    hidden_layers: (
        Annotated[
            list[Annotated[int, Field(ge=1, le=MAX_UNITS)]], Field(max_length=MAX_HIDDEN_LAYERS)
        ]
        | None
    ) = Field(None, description="units per hidden layer; the task's default when left out")
    activation: Activation | list[Activation] | None = Field(
        None, description="hidden layers' activation, or one per hidden layer"
    )
    output_activation: Activation | None = None
    learning_rate: float | None = Field(None, gt=0, le=1000, allow_inf_nan=False)
    momentum: float | None = Field(None, ge=0, lt=1, allow_inf_nan=False)
    bias: bool | None = None
    dropout: float | None = Field(
        None, ge=0, le=0.9, allow_inf_nan=False, description="inverted dropout on hidden layers"
    )
    seed: int | None = Field(None, ge=0, lt=2**63, description="default 0: reproducible")
    init: Init | None = Field(None, description="weight init; 'demo': infections' w = [1, 0.5]")
    normalize: bool | None = Field(None, description="infections: table mapped onto [-1, 1]")
    boundary_size: int | None = Field(None, ge=BOUNDARY_MIN, le=BOUNDARY_MAX)


class RunPatch(Strict):
    """Changes that take effect at the run's next step."""

    learning_rate: float | None = Field(None, gt=0, le=1000, allow_inf_nan=False)
    running: bool | None = None
    step: int | None = Field(None, ge=1, le=MAX_STEP, description="train this many passes now")
    pretrain: bool | None = Field(None, description="identity: train on generated points")


class SamplesRequest(Strict):
    """Points the pointer visited (identity): inputs in [-1, 1]^2 and their targets."""

    inputs: list[Annotated[list[Coordinate], Field(min_length=2, max_length=2)]] = Field(
        min_length=1, max_length=IDENTITY_BUFFER
    )
    targets: list[Pair] = Field(min_length=1, max_length=IDENTITY_BUFFER)


class NetworkOut(BaseModel):
    sizes: list[int]
    activations: list[str]
    bias: bool
    dropout: float


class LayerOut(BaseModel):
    weights: list[list[float]]
    bias: list[float] | None


class BoundaryOut(BaseModel):
    size: int = Field(description="n: the grid is n x n")
    extent: list[float] = Field(description="[x0, x1, y0, y1] of the input square")
    values: list[float | None] = Field(
        description="the first output at each grid point, row-major, top row first, y up"
    )


class ReferenceOut(BaseModel):
    iteration: int
    epoch_error: float | None
    documented: float | None


class PointerOut(BaseModel):
    input: list[float]
    output: list[float | None]


class PretrainingOut(BaseModel):
    left: int
    total: int


class LabRun(BaseModel):
    """A run as every Lab endpoint and event returns it."""

    id: str
    task: str
    state: Literal["running", "paused"]
    iteration: int
    loss: float | None = Field(description="MSE after the last pass (null: no data yet)")
    learning_rate: float
    momentum: float
    dropout: float
    seed: int
    init: str
    normalize: bool
    network: NetworkOut
    layers: list[LayerOut]
    history: list[list[float]] = Field(description="[iteration, loss] pairs, at most ~500")
    boundary: BoundaryOut
    inputs: list[list[float | None]]
    targets: list[list[float | None]] | None = Field(description="null for identity (=inputs)")
    predictions: list[list[float | None]] = Field(description="the outputs for `inputs`")
    epoch_error: float | None = Field(
        description="one-sample-at-a-time runs: the demos' error, summed during the pass"
    )
    reference: ReferenceOut | None
    pointer: PointerOut | None
    pretraining: PretrainingOut | None
    message: str | None
