"""The durable side as the Slack listeners see it: two small blocking ports, and the adapter over the async client.

Bolt listeners run on a worker thread (`asyncio.to_thread` in `cancel_function.slack_routes`) while the Durable
client is async and belongs to the function invocation's event loop. `DurableBridge` submits each call to that loop
and waits for it with a timeout. The listeners only know the ports:

- `DurableGateway` (`context["durable"]`): status reads and events (Stop watching);
- `CancelStarter` (`context["cancels"]`): the one start-the-cancel-once service (`cancel_function.start_once`,
  which the HTTP trigger injects over the same bridge; slack_app does not import the package that hosts it).

Beside them the trigger puts the request's `slack_app.deadline.AckClock` (`context["ack_clock"]`): when the ack
must be out, worked out before Bolt was even built.

Both are per invocation, so they reach the listeners through the Bolt request context, not through the app, which is
built once per Settings. The webhook uses the same bridge to call the same service.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:  # the durable types load with a click's first use, not on a slash command's ack path
    from cppcancel.contracts import CancelRequest
    from cppcancel.instances import Found, InstanceStatus, StartResult

DURABLE_CALL_TIMEOUT_S = 5.0
CONTEXT_KEY = "durable"
CANCELS_KEY = "cancels"
ACK_CLOCK_KEY = "ack_clock"
_T = TypeVar("_T")


class DurableGateway(Protocol):
    """Blocking calls into the durable client."""

    def status(self, instance_id: str) -> InstanceStatus | None: ...

    def start(
        self, orchestrator: str, instance_id: str, payload: Mapping[str, Any], *, timeout_s: float | None = None
    ) -> str: ...

    def raise_event(self, instance_id: str, event_name: str, data: Mapping[str, Any]) -> None: ...


class CancelStarter(Protocol):
    """Start a cancel orchestration once (see `cancel_function.start_once`)."""

    def find(self, instance_id: str) -> Found | None: ...

    def start_once(self, instance_id: str, request: CancelRequest) -> StartResult: ...


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
        from cppcancel.instances import InstanceStatus

        return InstanceStatus.from_client(instance_id, self._run(self._client.get_status(instance_id, show_input=True)))

    def start(
        self, orchestrator: str, instance_id: str, payload: Mapping[str, Any], *, timeout_s: float | None = None
    ) -> str:
        """Start an orchestration; `timeout_s` shortens the wait (a start that times out may still happen)."""
        return str(self._run(self._client.start_new(orchestrator, instance_id, dict(payload)), timeout_s))

    def raise_event(self, instance_id: str, event_name: str, data: Mapping[str, Any]) -> None:
        self._run(self._client.raise_event(instance_id, event_name, dict(data)))
