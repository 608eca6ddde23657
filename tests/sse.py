"""Read a server-sent events stream in tests: (event name, data) pairs as they arrive."""

import json
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from typing import Any

EVENT, DATA = "event: ", "data: "


def events(lines: Iterable[str]) -> Iterator[tuple[str, Any]]:
    """The stream's events in order, each (name, its JSON data); comments are skipped."""
    name = ""
    for line in lines:
        if line.startswith(EVENT):
            name = line[len(EVENT) :]
        elif line.startswith(DATA):
            yield name, json.loads(line[len(DATA) :])


async def aevents(lines: AsyncIterable[str]) -> AsyncIterator[tuple[str, Any]]:
    """events() of an async stream (httpx's aiter_lines)."""
    name = ""
    async for line in lines:
        if line.startswith(EVENT):
            name = line[len(EVENT) :]
        elif line.startswith(DATA):
            yield name, json.loads(line[len(DATA) :])
