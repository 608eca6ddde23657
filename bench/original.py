"""The baselines from the original design, ported to pure Python as it was written.

`Net` is the original object design (a Net of Layers of Neurons, each Neuron with a list of
weights, one sample at a time, no bias, sigmoid everywhere, `w -= lr * input * delta`), the
baseline for the engine's classic mode. `encode` is the original grid encoding (each recorded
point marks its cell; no lines between points), the baseline for the rasteriser.
"""

import itertools
import math
import random
from collections.abc import Sequence


def sigmoid(x: float) -> float:
    if x < -700.0:  # math.exp would overflow; the JavaScript original just got 0
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


class Neuron:
    def __init__(self, n_inputs: int, rnd: random.Random) -> None:
        self.weights = [rnd.random() * 0.1 for _ in range(n_inputs)]  # U[0, 0.1)
        self.output = 0.0
        self.delta = 0.0

    def fire(self, inputs: Sequence[float]) -> float:
        total = 0.0
        for w, x in zip(self.weights, inputs, strict=True):
            total += w * x
        self.output = sigmoid(total)
        return self.output


class Layer:
    def __init__(self, n_neurons: int, n_inputs: int, rnd: random.Random) -> None:
        self.neurons = [Neuron(n_inputs, rnd) for _ in range(n_neurons)]
        self.inputs: Sequence[float] = []

    def forward(self, inputs: Sequence[float]) -> list[float]:
        self.inputs = inputs
        return [neuron.fire(inputs) for neuron in self.neurons]


class Net:
    """sizes e.g. [144, 144, 26]; lr 0.3 as in the original."""

    def __init__(self, sizes: Sequence[int], seed: int = 0, learning_rate: float = 0.3) -> None:
        rnd = random.Random(seed)
        self.layers = [Layer(n, m, rnd) for m, n in itertools.pairwise(sizes)]
        self.learning_rate = learning_rate

    def feed_forward(self, inputs: Sequence[float]) -> list[float]:
        values = list(inputs)
        for layer in self.layers:
            values = layer.forward(values)
        return values

    def back_propagate(self, targets: Sequence[float]) -> None:
        """Deltas for every layer first (with the weights as they were), then every update."""
        out = self.layers[-1]
        for neuron, target in zip(out.neurons, targets, strict=True):
            error = neuron.output - target
            neuron.delta = error * neuron.output * (1.0 - neuron.output)
        for k in range(len(self.layers) - 2, -1, -1):
            layer, after = self.layers[k], self.layers[k + 1]
            for j, neuron in enumerate(layer.neurons):
                error = 0.0
                for upper in after.neurons:
                    error += upper.delta * upper.weights[j]
                neuron.delta = error * neuron.output * (1.0 - neuron.output)
        lr = self.learning_rate
        for layer in self.layers:
            inputs = layer.inputs
            for neuron in layer.neurons:
                step = lr * neuron.delta
                weights = neuron.weights
                for i, x in enumerate(inputs):
                    weights[i] -= step * x

    def train(self, inputs: Sequence[float], targets: Sequence[float]) -> None:
        self.feed_forward(inputs)
        self.back_propagate(targets)

    def set_weights(self, matrices: Sequence[Sequence[Sequence[float]]]) -> None:
        """Take weights W[i] (n_in, n_out), as the engine stores them (to check equality)."""
        for layer, W in zip(self.layers, matrices, strict=True):
            for j, neuron in enumerate(layer.neurons):
                neuron.weights = [float(row[j]) for row in W]

    def weights(self) -> list[list[list[float]]]:
        """W[i] as (n_in, n_out) lists."""
        return [
            [list(col) for col in zip(*(n.weights for n in layer.neurons), strict=True)]
            for layer in self.layers
        ]


def encode(points: Sequence[Sequence[float]], grid: int = 12) -> list[int]:
    """The original encoding: bounding box of all points, each point sets its cell to 1."""
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    cells = [0] * (grid * grid)
    for x, y in zip(xs, ys, strict=True):
        gx = math.floor(grid * (x - min_x) / (max_x - min_x + 1))
        gy = math.floor(grid * (y - min_y) / (max_y - min_y + 1))
        cells[gy * grid + gx] = 1
    return cells
