"""`start_watcher`: one watcher per operation; starting it again is a no-op.

These tests give the activity a stand-in for `DurableOrchestrationClient` (the two calls it makes). The same
activity against the dev host's Durable HTTP API (devhost/durable_engine.py) belongs to the dev host's e2e tests.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import pytest

from cancel_function.watcher_handover import ensure_watcher, is_active, start_watcher
from cppcancel.contracts import WATCH_ORCHESTRATOR
from tests.poll_function.conftest import watch_request


class RuntimeStatus(Enum):
    Running = "Running"
    Pending = "Pending"
    Completed = "Completed"
    Failed = "Failed"
    ContinuedAsNew = "ContinuedAsNew"


@dataclass
class Status:
    """Shaped like DurableOrchestrationStatus: falsy when the instance does not exist."""

    runtime_status: RuntimeStatus | None = None

    def __bool__(self) -> bool:
        return self.runtime_status is not None


@dataclass
class FakeClient:
    statuses: list[Status] = field(default_factory=lambda: [Status()])
    fail_start: bool = False
    started: list[tuple[str, str, Any]] = field(default_factory=list)

    async def get_status(self, instance_id: str) -> Status:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    async def start_new(self, orchestration_function_name: str, instance_id: str, client_input: Any) -> str:
        if self.fail_start:  # the SDK raises a bare Exception for a refused start
            raise Exception("An orchestration with the same instance ID already exists")
        self.started.append((orchestration_function_name, instance_id, client_input))
        return instance_id


WATCH = watch_request()


def run(client: FakeClient) -> str:
    return asyncio.run(ensure_watcher(client, WATCH))


def test_starts_the_watcher_under_the_operations_instance_id() -> None:
    client = FakeClient()
    assert run(client) == WATCH.instance_id
    assert client.started == [(WATCH_ORCHESTRATOR, WATCH.instance_id, WATCH.to_json())]


@pytest.mark.parametrize("state", [RuntimeStatus.Running, RuntimeStatus.Pending, RuntimeStatus.ContinuedAsNew])
def test_an_active_watcher_is_left_alone(state: RuntimeStatus) -> None:
    client = FakeClient([Status(state)])
    assert run(client) == WATCH.instance_id and client.started == []


@pytest.mark.parametrize("state", [RuntimeStatus.Completed, RuntimeStatus.Failed])
def test_a_finished_watcher_of_the_same_operation_is_replaced(state: RuntimeStatus) -> None:
    client = FakeClient([Status(state)])
    run(client)
    assert len(client.started) == 1


def test_losing_a_start_race_is_a_no_op() -> None:
    client = FakeClient([Status(), Status(RuntimeStatus.Running)], fail_start=True)
    assert run(client) == WATCH.instance_id


def test_a_start_that_fails_for_another_reason_is_raised_for_the_retry() -> None:
    client = FakeClient([Status()], fail_start=True)
    with pytest.raises(Exception, match="already exists"):
        run(client)


def test_is_active_reads_the_sdk_status_shape() -> None:
    assert not is_active(None) and not is_active(Status())
    assert is_active(Status(RuntimeStatus.Running)) and not is_active(Status(RuntimeStatus.Completed))


def test_registered_with_a_durable_client_binding(app_functions: dict[str, Any]) -> None:
    function = app_functions["start_watcher"]
    bindings = {(b["type"], b["name"]) for b in json.loads(function.get_function_json())["bindings"]}
    assert bindings == {("activityTrigger", "payload"), ("durableClient", "client")}
    wrapper = function.get_user_function()
    registered = wrapper.client_function  # registered by name; it imports and runs start_watcher
    assert asyncio.iscoroutinefunction(wrapper) and registered.__name__ == "start_watcher"
    assert asyncio.run(registered(WATCH.to_json(), FakeClient())) == WATCH.instance_id


def test_the_activity_takes_its_input_as_json_text_or_value() -> None:
    for payload in (WATCH.to_json(), json.dumps(WATCH.to_json())):
        client = FakeClient()
        assert asyncio.run(start_watcher(payload, client)) == WATCH.instance_id
