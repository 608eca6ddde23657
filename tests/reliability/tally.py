"""Counts for the closing note: malformed requests tried, fuzz cases run, crash cycles survived."""

from collections import Counter

COUNTS: Counter[str] = Counter()
LABELS = {
    "malformed": "malformed requests tried",
    "fuzz": "fuzz cases run",
    "crash_cycles": "kill -9 cycles survived",
}
