"""The Azure Functions <-> Bolt adapter and the bridge from Bolt's worker thread to the function's event loop."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime
from typing import Any

import azure.functions as func
import pytest
from slack_bolt import BoltResponse

from devhost import event_loop
from slack_app.functions_adapter import MAX_BODY_BYTES, DurableBridge, handle, to_bolt_request, to_http_response


def request(
    body: bytes, headers: dict[str, str] | None = None, params: dict[str, str] | None = None
) -> func.HttpRequest:
    return func.HttpRequest(
        "POST", "http://localhost/api/slack/commands", headers=headers or {}, params=params, body=body
    )


def test_the_bolt_request_carries_the_raw_body_headers_query_and_context() -> None:
    body = b"command=%2Fcpp&text=ops+contoso+x&user_id=U0ALICE"
    bolt = to_bolt_request(
        request(body, {"X-Slack-Signature": "v0=1", "X-Slack-Bolt-Lazy-Only": "1"}, {"a": "b"}), {"durable": "d"}
    )
    assert bolt.raw_body == body.decode()
    assert bolt.body["text"] == "ops contoso x"
    assert bolt.headers["x-slack-signature"] == ["v0=1"]
    assert "x-slack-bolt-lazy-only" not in bolt.headers and not bolt.lazy_only
    assert bolt.query == {"a": ["b"]}
    assert bolt.context["durable"] == "d"


def test_bolt_responses_become_http_responses() -> None:
    text = to_http_response(BoltResponse(status=200, body="hi", headers={"x-a": "1"}))
    assert (text.status_code, text.get_body(), text.headers["x-a"]) == (200, b"hi", "1")
    data = to_http_response(BoltResponse(status=401, body={"error": "invalid request"}))
    assert data.status_code == 401 and data.get_body() == b'{"error": "invalid request"}'
    assert data.headers["content-type"].startswith("application/json")


def test_oversized_bodies_are_refused_before_bolt_sees_them() -> None:
    class NoApp:
        def dispatch(self, req: Any) -> Any:
            raise AssertionError("must not dispatch")

    response = handle(NoApp(), "secret", request(b"x" * (MAX_BODY_BYTES + 1)))  # type: ignore[arg-type]
    assert response.status_code == 413


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
