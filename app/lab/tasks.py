"""The lab's built-in tasks (data and default networks) and a run's settings with defaults filled.

Every task has 2-D inputs, so every run can draw its first output over the input square:
- "xor": the four points of XOR, 2-3-1 sigmoid, one sample at a time in order (the classic loop).
- "identity": f([x, y]) = [x, y] on [-1, 1]^2 ("the circle that follows the mouse"), 2-6-2 with
  linear layers, mini-batches of 16 shuffled; the page posts the points the pointer visits.
- "infections": next-day infections from (daily infections, infected countries), the 4-row
  table of the demo; by default its linear model, no bias, started at w = [1, 0.5], lr 0.0002,
  one sample at a time in order: after 100 passes its epoch error is the documented 0.749.
"""

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from app.nn.activations import HIDDEN
from app.nn.fit import Mode
from app.nn.network import INITS

TaskName = Literal["xor", "identity", "infections"]
TASKS: tuple[TaskName, ...] = ("xor", "identity", "infections")
HIDDEN_ACTIVATIONS = HIDDEN  # for the output layer too: squared error only, no softmax
LAB_INITS = (*INITS, "demo")  # "demo": the infections demo's start, w = [1, 0.5]
MAX_HIDDEN_LAYERS = 4
MAX_UNITS = 32  # keeps every step tiny: the lab shares the server with the recognizer
BOUNDARY_MIN, BOUNDARY_MAX = 4, 64

XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float64)
INFECTIONS_X = np.array([[2, 1], [5, 1], [7, 4], [12, 5]], dtype=np.float64)
INFECTIONS_Y = np.array([[5], [7], [12], [19]], dtype=np.float64)
DEMO_WEIGHTS = (1.0, 0.5)  # the infections demo's initial weights (daily, countries)
DOCUMENTED_EPOCH_ERROR = 0.749  # ...and its error after 100 epochs (tests/nn/test_fit.py)
DOCUMENTED_ITERATION = 100


@dataclass(frozen=True)
class Task:
    """A task's data (None: posted by the page) and its defaults."""

    name: TaskName
    X: NDArray[np.float64] | None
    Y: NDArray[np.float64] | None
    hidden_layers: tuple[int, ...]
    activation: str
    output_activation: str
    learning_rate: float
    bias: bool
    mode: Mode
    batch_size: int
    shuffle: bool
    extent: tuple[float, float, float, float]  # x0, x1, y0, y1 of the boundary
    boundary_size: int
    passes_per_tick: int  # the pace: passes per step of the lab's thread (20 steps a second)


TASK_DEFAULTS: dict[TaskName, Task] = {
    # lr 2: seed 0 below 0.01 after 147 passes (2.5 s at 60 passes a second); 0.3 takes 1,117,
    # 0.1 about 3,000 (slow); at 50 the loss jumps about (unstable); at 100 it is stuck at 0.5.
    "xor": Task(
        name="xor",
        X=XOR_X,
        Y=XOR_Y,
        hidden_layers=(3,),
        activation="sigmoid",
        output_activation="sigmoid",
        learning_rate=2.0,
        bias=True,
        mode="classic",
        batch_size=1,
        shuffle=False,
        extent=(0.0, 1.0, 0.0, 1.0),
        boundary_size=40,
        passes_per_tick=3,
    ),
    "identity": Task(
        name="identity",
        X=None,
        Y=None,
        hidden_layers=(6,),
        activation="linear",
        output_activation="linear",
        learning_rate=0.1,
        bias=True,
        mode="minibatch",
        batch_size=16,
        shuffle=True,
        extent=(-1.0, 1.0, -1.0, 1.0),
        boundary_size=24,
        passes_per_tick=2,
    ),
    "infections": Task(
        name="infections",
        X=INFECTIONS_X,
        Y=INFECTIONS_Y,
        hidden_layers=(),
        activation="tanh",
        output_activation="linear",
        learning_rate=0.0002,
        bias=False,
        mode="classic",
        batch_size=1,
        shuffle=False,
        extent=(0.0, 14.0, 0.0, 6.0),
        boundary_size=16,
        passes_per_tick=8,
    ),
}
# Measured on the infections table (MSE in the table's units after 100 / 3,000 passes): the raw
# linear model needs lr <= ~0.01; a 2-3-1 tanh net on raw inputs saturates at lr 0.01 (stuck
# near 29) and needs 0.001 (0.12 after 1,000); normalised to [-1, 1] it fits at lr 0.1-0.3 in
# about 100 passes. From zeros a tanh net never learns (every hidden unit stays at 0).
INFECTIONS_RATES = {  # (normalised, has hidden layers) -> default lr
    (False, False): 0.0002,
    (False, True): 0.001,
    (True, False): 0.1,
    (True, True): 0.1,
}


@dataclass(frozen=True)
class Scale:
    """x' = (x - centre) / half, per column: the table's range mapped onto [-1, 1]."""

    centre: NDArray[np.float64]
    half: NDArray[np.float64]

    @classmethod
    def of(cls, A: NDArray[np.float64] | None, active: bool) -> "Scale":
        if A is None or not active:
            width = 2 if A is None else A.shape[1]
            return cls(np.zeros(width), np.ones(width))
        lo, hi = A.min(axis=0), A.max(axis=0)
        return cls((lo + hi) / 2, np.maximum((hi - lo) / 2, 1e-12))

    def apply(self, A: NDArray[Any]) -> NDArray[np.float64]:
        return (np.asarray(A, dtype=np.float64) - self.centre) / self.half

    def undo(self, A: NDArray[Any]) -> NDArray[np.float64]:
        return np.asarray(A, dtype=np.float64) * self.half + self.centre


@dataclass(frozen=True)
class Config:
    """A run's settings, every default filled in."""

    task: TaskName
    hidden_layers: tuple[int, ...]
    activations: tuple[str, ...]  # one per hidden layer
    output_activation: str
    learning_rate: float
    momentum: float
    bias: bool
    dropout: float
    seed: int
    init: str
    normalize: bool
    boundary_size: int

    @property
    def spec(self) -> Task:
        return TASK_DEFAULTS[self.task]

    @property
    def sizes(self) -> list[int]:
        n_out = 2 if self.task == "identity" else 1
        return [2, *self.hidden_layers, n_out]

    @property
    def is_documented_demo(self) -> bool:
        """The infections demo exactly as documented: its 100th epoch error is 0.749."""
        return (
            self.task == "infections"
            and not self.hidden_layers
            and self.output_activation == "linear"
            and not self.bias
            and self.init == "demo"
            and not self.normalize
            and self.learning_rate == 0.0002
            and self.momentum == 0
            and self.dropout == 0
        )


def _hidden_activations(activation: str | list[str], layers: int) -> tuple[str, ...]:
    """One name for every hidden layer, or one each (ValueError for another count)."""
    if isinstance(activation, str):
        return (activation,) * layers
    if len(activation) != layers:
        raise ValueError(f"activation: {len(activation)} names for {layers} hidden layers")
    return tuple(activation)


def resolve(
    task: TaskName,
    *,
    hidden_layers: list[int] | None = None,
    activation: str | list[str] | None = None,
    output_activation: str | None = None,
    learning_rate: float | None = None,
    momentum: float | None = None,
    bias: bool | None = None,
    dropout: float | None = None,
    seed: int | None = None,
    init: str | None = None,
    normalize: bool | None = None,
    boundary_size: int | None = None,
) -> Config:
    """The request's settings with the task's defaults for what it leaves out; ValueError
    (-> 422) for a combination that cannot work, naming the field."""
    spec = TASK_DEFAULTS[task]
    layers = tuple(spec.hidden_layers if hidden_layers is None else hidden_layers)
    if len(layers) > MAX_HIDDEN_LAYERS or any(not 1 <= n <= MAX_UNITS for n in layers):
        raise ValueError(
            f"hidden_layers: at most {MAX_HIDDEN_LAYERS} layers of 1-{MAX_UNITS} units"
        )
    acts = _hidden_activations(spec.activation if activation is None else activation, len(layers))
    output = output_activation or spec.output_activation
    for name in (*acts, output):
        if name not in HIDDEN_ACTIVATIONS:
            raise ValueError(f"activation: unknown {name!r}; known: {list(HIDDEN_ACTIVATIONS)}")
    norm = bool(normalize)
    if norm and task != "infections":
        raise ValueError("normalize: only the infections table is normalised (the others are)")
    if init is None:
        init = "demo" if task == "infections" and not layers and not norm else "auto"
    if init not in LAB_INITS:
        raise ValueError(f"init: unknown {init!r}; known: {list(LAB_INITS)}")
    if init == "demo" and (task != "infections" or layers):
        raise ValueError("init: 'demo' is the infections demo's linear model (no hidden layers)")
    if learning_rate is None:
        learning_rate = spec.learning_rate
        if task == "infections":
            learning_rate = INFECTIONS_RATES[(norm, bool(layers))]
    if bias is None:
        bias = spec.bias if task != "infections" else bool(layers) or norm
    return Config(
        task=task,
        hidden_layers=layers,
        activations=acts,
        output_activation=output,
        learning_rate=float(learning_rate),
        momentum=float(momentum or 0.0),
        bias=bool(bias),
        dropout=float(dropout or 0.0),
        seed=0 if seed is None else int(seed),
        init=init,
        normalize=norm,
        boundary_size=boundary_size or spec.boundary_size,
    )
