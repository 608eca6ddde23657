"""Item 1: training throughput (sample-updates per second) and time to 95% held-out accuracy.

Every contender trains 144-144-26 sigmoid on the same 2,600 samples (`common.letters`), float32
except the pure-Python port (Python floats). One *pass* is forward + backward + update for every
sample, nothing else: the engine's per-pass MSE (what the worker reports) is timed separately.

- engine: `app.nn.fit.train_pass`, the pass that `passes()` runs, on 1 BLAS thread (as the
  training worker runs it); also on the default 2 threads (the trap) and as `passes()` with the
  exact MSE after each pass.
- port: `bench.original.Net`, the original object design in pure Python.
- torch: nn.Sequential(Linear, Sigmoid, Linear, Sigmoid), the engine's initial weights copied
  in, loss 0.5 * sum((out - y)**2) / batch (the engine's), optim.SGD(lr), same sample order: the
  same arithmetic as the engine, checked below. Best of 1 and 2 threads.
- sklearn: MLPClassifier(hidden (144,), logistic, sgd, momentum 0, alpha 0, constant lr) on the
  one-hot targets, so its outputs are 26 sigmoids as ours; its loss is cross-entropy (it has no
  MSE for classifiers) and its init its own. Best of 1 and 2 threads.

Time to accuracy: train in chunks of 256 samples (a batch boundary for every batch size here),
check the held-out copies after each, count the samples seen until >= 95%; seconds = samples /
the median throughput of the same contender. Torch and the port do the engine's arithmetic
(checked equal), so they share its sample count.
"""

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

from app.network_settings import NetworkSettings
from app.nn.fit import TrainOptions, passes, train_pass
from app.nn.network import Network
from app.worker import build_network
from bench.common import (
    FLOPS_PER_SAMPLE,
    SHAPE,
    Letters,
    Row,
    interleave,
    letters,
    log,
    median,
    rate_over,
)
from bench.original import Net

BATCHES = (16, 64, 256)
LR = 0.3
TARGET_ACCURACY = 0.95
CHUNK = 256
REPEATS = 7
BLOCK_S = 0.08  # every contender's timed block, seconds


def _threads(n: int) -> Any:
    return threadpool_limits(limits=n)


# --- contenders ---------------------------------------------------------------------------------


# The recognizer's default settings with sigmoid outputs on the squared error (the arithmetic
# the other contenders do), and the classic preset.
DEFAULTS = NetworkSettings(loss="squared_error")
CLASSIC = NetworkSettings.model_validate({"preset": "classic", "seed": 0})


def default_network(seed: int = 0) -> Network:
    """The default settings' network: Glorot x2 init, bias, float32."""
    return build_network(DEFAULTS.model_copy(update={"seed": seed}), SHAPE[0], SHAPE[-1])


def classic_network(dtype: type = np.float64) -> Network:
    """The classic preset's network: U[0, 0.1) init, no bias."""
    return build_network(CLASSIC, SHAPE[0], SHAPE[-1], dtype=dtype)


def sgd(batch: int, lr: float, shuffle: bool) -> TrainOptions:
    """Plain SGD on the squared error, in batches of `batch` (1: the classic per-sample step)."""
    return TrainOptions("minibatch", batch, lr, shuffle, "squared_error")


def engine_rate(
    net: Network, data: Letters, batch: int, lr: float, shuffle: bool, threads: int = 1
) -> Callable[[], float]:
    """Passes of `train_pass` (what passes() runs) for one block -> samples per second."""
    X, Y = data.X.astype(net.dtype), data.Y.astype(net.dtype)
    rng, options = np.random.default_rng(1), sgd(batch, lr, shuffle)

    def step() -> int:
        train_pass(net, X, Y, options, rng)
        return len(X)

    def block() -> float:
        with _threads(threads):
            return rate_over(step, BLOCK_S)

    return block


def product_rate(net: Network, data: Letters, options: TrainOptions) -> Callable[[], float]:
    """Passes of passes(), as the worker runs it (with the exact MSE after each pass)."""
    it = passes(net, data.X, data.Y, options, np.random.default_rng(1))

    def step() -> int:
        next(it)
        return len(data.X)

    def block() -> float:
        with _threads(1):
            return rate_over(step, BLOCK_S)

    return block


def port_rate(data: Letters, samples: int = 20) -> Callable[[], float]:
    net = Net(SHAPE, seed=0)
    X, Y = data.X.astype(float).tolist(), data.Y.astype(float).tolist()
    at = [0]

    def step() -> int:
        i = at[0]
        for x, y in zip(X[i : i + samples], Y[i : i + samples], strict=True):
            net.train(x, y)
        at[0] = (i + samples) % (len(X) - samples)
        return samples

    return lambda: rate_over(step, BLOCK_S)


def torch_model(net: Network, lr: float) -> tuple[Any, Any]:
    """The engine's network as torch modules with the same weights; its SGD optimizer."""
    import torch

    layers: list[Any] = []
    for W, b in zip(net.W, net.b, strict=True):
        linear = torch.nn.Linear(W.shape[0], W.shape[1], bias=net.bias)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(np.ascontiguousarray(W.T, dtype=np.float32)))
            if net.bias:
                linear.bias.copy_(torch.from_numpy(b.astype(np.float32)))
        layers += [linear, torch.nn.Sigmoid()]
    model = torch.nn.Sequential(*layers)
    return model, torch.optim.SGD(model.parameters(), lr=lr)


def torch_train(model: Any, opt: Any, X: Any, Y: Any, batch: int) -> None:
    """Batches of `batch` rows in the given order; loss 0.5 * sum((out - y)**2) / rows."""
    import torch.nn.functional as F

    for s in range(0, len(X), batch):
        xb, yb = X[s : s + batch], Y[s : s + batch]
        loss = F.mse_loss(model(xb), yb, reduction="sum") * (0.5 / len(xb))
        opt.zero_grad()
        loss.backward()
        opt.step()


def torch_rate(
    net: Network, data: Letters, batch: int, shuffle: bool, threads: int, samples: int
) -> Callable[[], float]:
    """Chunks of `samples` (shuffled: a random subset; else the next ones in order)."""
    import torch

    model, opt = torch_model(net, LR)
    Xt, Yt = torch.from_numpy(data.X), torch.from_numpy(data.Y)
    g = torch.Generator().manual_seed(1)
    at = [0]

    def step() -> int:
        if shuffle:
            perm = torch.randperm(len(Xt), generator=g)[:samples]
            X, Y = Xt[perm], Yt[perm]
        else:
            i = at[0]
            X, Y = Xt[i : i + samples], Yt[i : i + samples]
            at[0] = (i + samples) % (len(Xt) - samples)
        torch_train(model, opt, X, Y, batch)
        return len(X)

    def block() -> float:
        torch.set_num_threads(threads)
        with _threads(threads):
            return rate_over(step, BLOCK_S)

    return block


def sklearn_model(batch: int, max_iter: int, seed: int = 0) -> Any:
    from sklearn.neural_network import MLPClassifier

    return MLPClassifier(
        hidden_layer_sizes=(SHAPE[1],),
        activation="logistic",
        solver="sgd",
        batch_size=batch,
        learning_rate="constant",
        learning_rate_init=LR,
        momentum=0.0,
        nesterovs_momentum=False,
        alpha=0.0,
        max_iter=max_iter,
        shuffle=True,
        tol=0.0,
        n_iter_no_change=max_iter + 1,
        early_stopping=False,
        random_state=seed,
    )


def sklearn_rate(data: Letters, batch: int, threads: int, n_passes: int) -> Callable[[], float]:
    """fit() of n_passes epochs (its setup included, as a user pays it) -> samples per second."""
    import time

    from sklearn.exceptions import ConvergenceWarning

    def block() -> float:
        model = sklearn_model(batch, n_passes)
        with _threads(threads), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            start = time.perf_counter()
            model.fit(data.X, data.Y)
            return n_passes * len(data.X) / (time.perf_counter() - start)

    return block


# --- time to accuracy --------------------------------------------------------------------------


def accuracy(predict: Callable[[np.ndarray], np.ndarray], data: Letters) -> float:
    return float((predict(data.X_test).argmax(axis=1) == data.y_test).mean())


def samples_to_accuracy(
    train_chunk: Callable[[np.ndarray, np.ndarray], None],
    predict: Callable[[np.ndarray], np.ndarray],
    data: Letters,
    shuffle: bool,
    max_passes: int,
    seed: int = 1,
) -> int | None:
    """Samples seen until held-out accuracy >= 95%, checked every CHUNK samples (None: never)."""
    rng = np.random.default_rng(seed)
    seen = 0
    for _ in range(max_passes):
        order = rng.permutation(len(data.X)) if shuffle else np.arange(len(data.X))
        for s in range(0, len(order), CHUNK):
            rows = order[s : s + CHUNK]
            train_chunk(data.X[rows], data.Y[rows])
            seen += len(rows)
            if accuracy(predict, data) >= TARGET_ACCURACY:
                return seen
    return None


def engine_samples(
    net: Network, data: Letters, batch: int, lr: float, shuffle: bool, max_passes: int
) -> int | None:
    options, rng = sgd(batch, lr, shuffle=False), np.random.default_rng()

    def train_chunk(X: np.ndarray, Y: np.ndarray) -> None:
        with _threads(1):
            train_pass(net, X, Y, options, rng)

    return samples_to_accuracy(train_chunk, net.predict, data, shuffle, max_passes)


def sklearn_samples(data: Letters, batch: int, max_passes: int) -> int | None:
    model = sklearn_model(batch, 1)
    model.set_params(shuffle=False)  # each chunk comes shuffled; one partial_fit = one chunk

    def train_chunk(X: np.ndarray, Y: np.ndarray) -> None:
        with _threads(1):
            model.partial_fit(X, Y, classes=np.arange(Y.shape[1]))

    def predict(X: np.ndarray) -> np.ndarray:
        return np.asarray(model.predict_proba(X))

    return samples_to_accuracy(train_chunk, predict, data, True, max_passes)


def check_same_arithmetic(data: Letters) -> dict[str, float]:
    """Largest weight difference after identical training: engine vs port (float64, 300
    samples in order), engine vs torch (float32, one shuffled pass at batch 64)."""
    import torch

    out: dict[str, float] = {}
    ref, rng = classic_network(), np.random.default_rng()
    port = Net(SHAPE)
    port.set_weights([W.tolist() for W in ref.W])
    X, Y = data.X[:300].astype(float), data.Y[:300].astype(float)
    for x, y in zip(X.tolist(), Y.tolist(), strict=True):
        port.train(x, y)
    with _threads(1):
        train_pass(ref, X, Y, sgd(1, LR, shuffle=False), rng)
    out["port"] = max(
        float(np.abs(W - np.array(P)).max()) for W, P in zip(ref.W, port.weights(), strict=True)
    )
    net = default_network()
    model, opt = torch_model(net, LR)
    order = np.random.default_rng(5).permutation(len(data.X))
    torch.set_num_threads(1)
    with _threads(1):
        train_pass(net, data.X[order], data.Y[order], sgd(64, LR, shuffle=False), rng)
        torch_train(
            model, opt, torch.from_numpy(data.X[order]), torch.from_numpy(data.Y[order]), 64
        )
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    out["torch"] = max(
        float(np.abs(W - lin.weight.detach().numpy().T).max())
        for W, lin in zip(net.W, linears, strict=True)
    )
    return out


# --- the section -------------------------------------------------------------------------------


def _best(rates: dict[str, list[float]], prefix: str) -> tuple[float, str]:
    """The best median among contenders named prefix + ' 1t' / ' 2t', and which it was."""
    options = {k: median(v) for k, v in rates.items() if k.startswith(prefix + " ")}
    name = max(options, key=lambda k: options[k])
    return options[name], name.split(" ")[-1]


def _peer(rates: dict[str, list[float]], prefix: str) -> Row:
    """A peer's columns: its best rate and on how many threads, and each thread count's rate."""
    best, threads = _best(rates, prefix)
    return {
        prefix: best,
        f"{prefix}_threads": threads,
        f"{prefix}_1t": median(rates[prefix + " 1t"]),
        f"{prefix}_2t": median(rates[prefix + " 2t"]),
    }


def run(repeats: int = REPEATS) -> list[Row]:
    import torch

    data = letters()
    rows: list[Row] = []
    same = check_same_arithmetic(data)
    log(
        f"same arithmetic: engine vs port max |dW| {same['port']:.1e}, vs torch {same['torch']:.1e}"
    )
    rows.append({"bench": "train-check", **same})

    # Classic: one sample at a time, in order, U[0, 0.1) init, no bias, lr 0.3.
    def classic_net() -> Network:
        return classic_network(np.float32)

    contenders = {
        "engine": engine_rate(classic_net(), data, 1, LR, shuffle=False),
        "port": port_rate(data),
        "torch 1t": torch_rate(classic_net(), data, 1, False, 1, 100),
        "torch 2t": torch_rate(classic_net(), data, 1, False, 2, 100),
        "product": product_rate(classic_net(), data, CLASSIC.training_options()),
    }
    rates = interleave(contenders, 2 * repeats)  # short blocks: interleave finely
    engine = median(rates["engine"])
    n_classic = engine_samples(classic_net(), data, 1, LR, False, 80)
    rows.append(
        {
            "bench": "train",
            "mode": "classic",
            "batch": 1,
            "engine": engine,
            "engine_product": median(rates["product"]),
            "port": median(rates["port"]),
            **_peer(rates, "torch"),
            "samples_to_95": n_classic,
        }
    )
    r = rows[-1]
    log(
        f"classic: engine {engine:,.0f}/s, port {r['port']:,.0f}/s, "
        f"torch {r['torch']:,.0f}/s ({r['torch_threads']}); 95% after {n_classic} samples"
    )

    for batch in BATCHES:
        n_passes = {16: 4, 64: 8, 256: 16}[batch]  # fit() setup (~2-5 ms) stays < 5%
        torch_samples = {16: 256, 64: 1024, 256: 2600}[batch]
        contenders = {
            "engine": engine_rate(default_network(), data, batch, LR, shuffle=True),
            "engine 2t": engine_rate(default_network(), data, batch, LR, True, threads=2),
            "product": product_rate(default_network(), data, sgd(batch, LR, shuffle=True)),
            "torch 1t": torch_rate(default_network(), data, batch, True, 1, torch_samples),
            "torch 2t": torch_rate(default_network(), data, batch, True, 2, torch_samples),
            "sklearn 1t": sklearn_rate(data, batch, 1, n_passes),
            "sklearn 2t": sklearn_rate(data, batch, 2, n_passes),
        }
        rates = interleave(contenders, repeats)
        engine = median(rates["engine"])
        rows.append(
            {
                "bench": "train",
                "mode": "minibatch",
                "batch": batch,
                "engine": engine,
                "engine_2t": median(rates["engine 2t"]),
                "engine_product": median(rates["product"]),
                **_peer(rates, "torch"),
                **_peer(rates, "sklearn"),
                "gflops": engine * FLOPS_PER_SAMPLE / 1e9,
                "samples_to_95": engine_samples(default_network(), data, batch, LR, True, 80),
                "sklearn_samples_to_95": sklearn_samples(data, batch, 80),
            }
        )
        r = rows[-1]
        log(
            f"batch {batch}: engine {engine:,.0f}/s ({r['gflops']:.0f} GFLOP/s), "
            f"2 threads {r['engine_2t']:,.0f}/s, torch {r['torch']:,.0f}/s ({r['torch_threads']}), "
            f"sklearn {r['sklearn']:,.0f}/s ({r['sklearn_threads']}); 95% after "
            f"{r['samples_to_95']} samples "
            f"(sklearn {r['sklearn_samples_to_95']})"
        )
    torch.set_num_threads(1)
    rows += defaults_grid(data, repeats)
    return rows


def defaults_grid(data: Letters, repeats: int) -> list[Row]:
    """Time to 95% for the engine's batch sizes and rates: do the defaults learn fastest?"""
    grid = [
        (1, LR),
        (4, LR),
        (4, 1.0),
        (16, LR),
        (16, 1.0),
        (64, LR),
        (64, 1.0),
        (256, LR),
        (256, 1.0),
    ]
    batches = sorted({b for b, _ in grid})
    rates = interleave(
        {str(b): engine_rate(default_network(), data, b, LR, shuffle=True) for b in batches},
        repeats,
    )
    rows: list[Row] = []
    for batch, lr in grid:
        n = engine_samples(default_network(), data, batch, lr, True, 80)
        rate = median(rates[str(batch)])
        rows.append(
            {
                "bench": "train-grid",
                "batch": batch,
                "lr": lr,
                "default": batch == DEFAULTS.batch_size and lr == DEFAULTS.learning_rate,
                "rate": rate,
                "samples_to_95": n,
                "seconds_to_95": n / rate if n else float("nan"),
            }
        )
        log(f"grid batch {batch} lr {lr}: {rate:,.0f}/s, 95% after {n} samples")
    return rows
