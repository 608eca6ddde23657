"""The learning curve of a training run, bounded: every pass up to LIMIT points, then evenly
thinned (the stride doubles), always ending with the latest pass."""

from typing import Any

LIMIT = 501  # iterations 0..500 one by one (API.md: one entry per iteration up to 500)


class Curve:
    """Points `{"iteration", "mse", "validation_accuracy"}` in iteration order."""

    def __init__(self, points: list[dict[str, Any]] | None = None) -> None:
        self._kept: list[dict[str, Any]] = []
        self._last: dict[str, Any] | None = None
        self.stride = 1
        for point in points or ():
            self.add(point)

    def add(self, point: dict[str, Any]) -> None:
        self._last = point
        if point["iteration"] % self.stride:
            return
        self._kept.append(point)
        # Past iteration 500 at most 500 points: 499 on the stride and the latest.
        if len(self._kept) > (LIMIT if self.stride == 1 else LIMIT - 2):
            self.stride *= 2
            self._kept = [p for p in self._kept if p["iteration"] % self.stride == 0]

    def points(self) -> list[dict[str, Any]]:
        if self._last is None:
            return []
        if self._kept and self._kept[-1] is self._last:
            return list(self._kept)
        return [*self._kept, self._last]
