"""Item 4: 100 listeners on a training's event stream: events per second each, and how much they
slow the training (its passes per second with 100 listeners / with none, rounds alternating).

The training: the 'load' recognizer (~2,600 samples, default settings), target_mse 0. Its rate is
taken between two edges of the reported iteration count (`server.iteration_mark`).
"""

import httpx

from bench import client, server
from bench.common import Row, log, median

LISTENERS = 100
WINDOW_S = 2.0
ROUNDS = 4  # pairs of windows, in the order none/100, 100/none, ... (drifts cancel)


def _rate(api: httpx.Client) -> float:
    return server.passes_per_second(api, "load", WINDOW_S)


def run(url: str, rounds: int = ROUNDS) -> list[Row]:
    path = "/api/recognizers/load/training/events"
    quiet: list[float] = []
    loud: list[float] = []
    per_listener: list[float] = []
    fewest: list[float] = []
    with server.endless_training(url) as api:
        for rnd in range(rounds):
            if rnd % 2 == 0:
                quiet.append(_rate(api))
            heard, rate = client.listen(url, path, LISTENERS, 0.5, lambda: _rate(api))
            if heard.connected != LISTENERS:
                raise RuntimeError(f"only {heard.connected} of {LISTENERS} listeners connected")
            if rnd % 2 == 1:
                quiet.append(_rate(api))
            loud.append(rate)
            each = [c / heard.elapsed for c in heard.counts]
            per_listener.append(median(each))
            fewest.append(min(each))
            log(
                f"events round {rnd + 1}/{rounds}: {quiet[-1]:.1f} passes/s alone, "
                f"{loud[-1]:.1f} with {LISTENERS} listeners; {per_listener[-1]:.1f} events/s "
                f"per listener (fewest {fewest[-1]:.1f})"
            )
    return [
        {
            "bench": "events",
            "listeners": LISTENERS,
            "passes_per_s_alone": median(quiet),
            "passes_per_s_listened": median(loud),
            "ratio": median([b / a for a, b in zip(quiet, loud, strict=True)]),
            "ratios": [b / a for a, b in zip(quiet, loud, strict=True)],
            "events_per_s": median(per_listener),
            "events_per_s_fewest": min(fewest),
        }
    ]
