"""The one asyncio event loop that runs every `async def` function, as the Python worker has one loop per process.

One loop per process rather than per host object, because the Durable SDK keeps a module-global aiohttp session
bound to the loop that created it: a second loop in the same process (a test starting a second dev host) would
reuse a session from a loop that no longer runs. Sharing the loop also reproduces the worker's main hazard
faithfully - a blocking call inside an `async def` function stalls every other async function.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None


def shared_loop() -> asyncio.AbstractEventLoop:
    """Start the loop thread on first use; it is a daemon and lives as long as the process."""
    global _loop
    with _lock:
        if _loop is None or _loop.is_closed():
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            threading.Thread(target=run, name="devhost-asyncio", daemon=True).start()
            ready.wait()
            _loop = loop
        return _loop


def submit(coroutine: Coroutine[Any, Any, T]) -> Future[T]:
    """Schedule a coroutine on the shared loop from any other thread."""
    return asyncio.run_coroutine_threadsafe(coroutine, shared_loop())
