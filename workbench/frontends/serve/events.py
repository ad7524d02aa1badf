"""Server-Sent Events: a hub that threads publish to and every ``/api/v1/events`` client
reads from its own queue on the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator
from datetime import datetime, timezone


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class Hub:
    """Fan events out to subscribers; ``publish`` may be called from any thread."""

    def __init__(self, queue_size: int = 1000):
        self._subs: set[asyncio.Queue] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()
        self._size = queue_size

    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def publish(self, event: str, data) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        text = data if isinstance(data, str) else json.dumps(data, default=str)
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._fanout, event, text)

    def _fanout(self, event: str, text: str) -> None:
        with self._lock:
            subs = list(self._subs)
        for q in subs:
            if q.full():  # a client that stopped reading loses its oldest events
                q.get_nowait()
            q.put_nowait((event, text))

    def close(self) -> None:
        """End every stream (the server is stopping: it would otherwise wait for them)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._fanout, None, None)

    def subscribe(self) -> asyncio.Queue:
        q: asyncio.Queue = asyncio.Queue(self._size)
        with self._lock:
            self._subs.add(q)
        return q

    def unsubscribe(self, q: asyncio.Queue) -> None:
        with self._lock:
            self._subs.discard(q)

    @property
    def subscribers(self) -> int:
        return len(self._subs)


def frame(event: str, data: str) -> bytes:
    """One SSE message (a multi-line ``data`` becomes several ``data:`` lines)."""
    lines = "".join(f"data: {line}\n" for line in (data.splitlines() or [""]))
    return f"event: {event}\n{lines}\n".encode()


async def stream(hub: Hub, heartbeat: float, is_disconnected) -> AsyncIterator[bytes]:
    """The bytes of one client's event stream: its events as they come, a ``heartbeat`` with
    the time when nothing came for ``heartbeat`` seconds (and one at the start)."""
    q = hub.subscribe()
    try:
        yield b"retry: 2000\n\n" + frame("heartbeat", now_iso())
        while True:
            try:
                event, text = await asyncio.wait_for(q.get(), timeout=heartbeat)
            except asyncio.TimeoutError:
                if await is_disconnected():
                    return
                yield frame("heartbeat", now_iso())
                continue
            if event is None:  # the server is stopping
                return
            yield frame(event, text)
    finally:
        hub.unsubscribe(q)
