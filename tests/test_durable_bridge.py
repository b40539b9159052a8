"""The bridge from Bolt's worker thread to the function's event loop (the listeners' durable port)."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from devhost.functions import event_loop
from durable_bridge import DurableBridge


class FakeStatus:
    def __init__(self, created: datetime | None, runtime: str | None = None, input_: Any = None) -> None:
        self.created_time, self.runtime_status, self.input_ = created, runtime, input_

    def __bool__(self) -> bool:
        return self.created_time is not None


class FakeClient:
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.threads: list[str] = []

    async def get_status(self, instance_id: str, show_input: bool = False) -> FakeStatus:
        self.threads.append(threading.current_thread().name)
        self.calls.append(("status", instance_id, show_input))
        return (
            FakeStatus(datetime(2026, 1, 1, tzinfo=UTC), "Running", {"a": 1})
            if instance_id == "known"
            else FakeStatus(None)
        )

    async def start_new(self, name: str, instance_id: str, client_input: Any) -> str:
        self.calls.append(("start", name, instance_id, client_input))
        return instance_id

    async def raise_event(self, instance_id: str, name: str, data: Any) -> None:
        self.calls.append(("event", instance_id, name, data))

    async def slow(self) -> None:
        await asyncio.sleep(5)


def test_the_bridge_runs_client_calls_on_the_functions_loop() -> None:
    client = FakeClient()
    bridge = DurableBridge(client, event_loop.shared_loop())
    found = bridge.status("known")
    assert found is not None and (found.runtime_status, found.input) == ("Running", {"a": 1})
    assert bridge.status("unknown") is None
    assert bridge.start("orch", "id-1", {"x": 1}) == "id-1"
    bridge.raise_event("id-1", "stop", {"userId": "U1"})
    assert client.calls[2:] == [("start", "orch", "id-1", {"x": 1}), ("event", "id-1", "stop", {"userId": "U1"})]
    assert client.threads == ["devhost-asyncio", "devhost-asyncio"]


def test_the_bridge_gives_up_after_its_timeout() -> None:
    client = FakeClient()
    bridge = DurableBridge(client, event_loop.shared_loop(), timeout_s=0.2)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        bridge._run(client.slow())
    assert time.monotonic() - started < 2


def test_the_bridge_refuses_to_deadlock_its_own_loop() -> None:
    loop = event_loop.shared_loop()
    client = FakeClient()

    async def inside() -> None:
        DurableBridge(client, loop).status("known")

    with pytest.raises(RuntimeError, match="own event loop"):
        event_loop.submit(inside()).result(5)
