"""The blocking adapter over the invocation's async Durable client (`DurableBridge`): the one `DurableClient` of
`cppcancel.start_cancel`, for code that runs off the event loop.

Bolt listeners run on a worker thread (`asyncio.to_thread` in `cancel_function.slack_routes`), and the webhook runs
the start-once service on one too, while the Durable client is async and belongs to the function invocation's
event loop. `DurableBridge` submits each call to that loop and waits for it with a timeout.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cppcancel.instances import InstanceStatus

DURABLE_CALL_TIMEOUT_S = 5.0
_T = TypeVar("_T")


class DurableBridge:
    """Blocking facade over `DurableOrchestrationClient` for code running off the event loop (Bolt listeners).

    Each call is submitted to the function's loop with `run_coroutine_threadsafe` and waited for with a timeout;
    calling it from the loop's own thread would deadlock, so that raises instead.
    """

    def __init__(self, client: Any, loop: asyncio.AbstractEventLoop, timeout_s: float = DURABLE_CALL_TIMEOUT_S) -> None:
        self._client = client
        self._loop = loop
        self._timeout_s = timeout_s

    def _run(self, coroutine: Coroutine[Any, Any, _T], timeout_s: float | None = None) -> _T:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            coroutine.close()
            raise RuntimeError("DurableBridge called on its own event loop; use asyncio.to_thread")
        timeout = self._timeout_s if timeout_s is None else min(timeout_s, self._timeout_s)
        future = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"the durable client did not answer within {timeout:g} s") from None

    def status(self, instance_id: str) -> InstanceStatus | None:
        from cppcancel.instances import InstanceStatus  # not on a slash command's ack path (cold start)

        return InstanceStatus.from_client(instance_id, self._run(self._client.get_status(instance_id, show_input=True)))

    def start(
        self, orchestrator: str, instance_id: str, payload: Mapping[str, Any], *, timeout_s: float | None = None
    ) -> str:
        """Start an orchestration; `timeout_s` shortens the wait (a start that times out may still happen)."""
        return str(self._run(self._client.start_new(orchestrator, instance_id, dict(payload)), timeout_s))

    def raise_event(self, instance_id: str, event_name: str, data: Mapping[str, Any]) -> None:
        self._run(self._client.raise_event(instance_id, event_name, dict(data)))
