"""Server-sent events: the listeners' wake-ups, and the one loop both event streams run
(a training's, routes/training.py, and a lab run's, routes/lab.py).

A stream waits on its asyncio.Event; whatever changes what it follows (a training's thread, the
lab's thread, the Redis channel) wakes it from any thread through Listeners. The stream then
asks its Feed what to send.
"""

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator
from typing import NamedTuple, Protocol

RETRY_MS = 1000  # how soon EventSource reconnects after the stream ends
HEARTBEAT_EVERY_S = 15.0  # a comment keeps an idle stream open through proxies
HEARTBEAT = ": heartbeat\n\n"


def event(name: str, data: str) -> str:
    """One event: its name and its JSON text on one line."""
    return f"event: {name}\ndata: {data}\n\n"


class Listeners:
    """The event streams' wake-ups, one asyncio.Event per stream, grouped by what they follow
    (a recognizer's name, a lab run's id); woken from any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: dict[str, set[asyncio.Event]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        """Remember the event loop that listeners wait on."""
        self._loop = loop

    def listen(self, key: str) -> asyncio.Event:
        """A new listener's wake-up event; call unlisten() when it goes."""
        wake = asyncio.Event()
        with self._lock:
            self._groups.setdefault(key, set()).add(wake)
        return wake

    def unlisten(self, key: str, wake: asyncio.Event) -> None:
        with self._lock:
            group = self._groups.get(key)
            if group is not None:
                group.discard(wake)
                if not group:
                    del self._groups[key]

    def count(self) -> int:
        with self._lock:
            return sum(len(group) for group in self._groups.values())

    def has(self, key: str) -> bool:
        """Whether anyone listens to `key`."""
        with self._lock:
            return key in self._groups

    def wake(self, *keys: str) -> None:
        """Wake the listeners of `keys` from any thread: one hop to the loop, whatever their
        number (the loop finds and sets their events: the caller, a training's thread, does
        nothing per listener); setting an event never blocks, so slow clients cost nothing."""
        with self._lock:
            heard = [key for key in keys if key in self._groups]
        if heard:
            self._hop(heard)

    def wake_all(self) -> None:
        if self._groups:
            self._hop(None)

    def _hop(self, keys: list[str] | None) -> None:
        loop = self._loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody listens
                loop.call_soon_threadsafe(self._set, keys)

    def _set(self, keys: list[str] | None) -> None:
        """On the loop: set the events of `keys` (None: of everyone)."""
        with self._lock:
            groups = (
                list(self._groups.values())
                if keys is None
                else [self._groups[key] for key in keys if key in self._groups]
            )
            events = [wake for group in groups for wake in group]
        for wake in events:
            wake.set()


class Step(NamedTuple):
    """What a feed says after a wake-up (or a timeout)."""

    text: str | bytes | None  # the event to send (bytes: encoded once for all); None: nothing new
    last: bool = False  # the stream ends after it


def _encoded(text: str | bytes) -> bytes:
    return text if isinstance(text, bytes) else text.encode()


class Feed(Protocol):
    """What one event stream follows."""

    def listen(self) -> asyncio.Event: ...
    def unlisten(self, wake: asyncio.Event) -> None: ...
    async def first(self) -> Step: ...
    async def next(self, woke: bool) -> Step: ...
    def wait_s(self) -> float:
        """How long to wait for a wake-up before asking next() anyway."""
        ...


async def follow(feed: Feed) -> AsyncIterator[bytes]:
    """`retry`, the feed's first event, then its events as it is woken, and a heartbeat
    comment after HEARTBEAT_EVERY_S without one, until the feed says its last.

    Per listener and event, only what cannot be shared: the wait runs in the stream's own task
    (asyncio.timeout, not wait_for's task per wait), and an event a feed encoded once for all
    its listeners goes out as it is (a str would be encoded again by each stream)."""
    wake = feed.listen()
    try:
        step = await feed.first()
        yield f"retry: {RETRY_MS}\n".encode() + _encoded(step.text or "")
        last_sent = time.monotonic()
        while not step.last:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(feed.wait_s()):
                    await wake.wait()
            woke = wake.is_set()
            wake.clear()
            step = await feed.next(woke)
            if step.text is not None:
                yield _encoded(step.text)
            elif time.monotonic() - last_sent >= HEARTBEAT_EVERY_S:
                yield HEARTBEAT.encode()
            else:
                continue
            last_sent = time.monotonic()
    finally:
        feed.unlisten(wake)
