"""`start_watcher`: one watcher per operation; starting it again is a no-op.

The first tests give the activity a stand-in for `DurableOrchestrationClient` (the two calls it makes); the last
ones run the real client against the dev host's Durable HTTP API, which refuses a live instance ID the way the
extension does (an HTTP 500), so "any failure to start means look at the status again" is tested against that.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import azure.durable_functions as df
import pytest

from cancel_function.watcher_handover import ensure_watcher, is_active, start_watcher
from cppcancel.contracts import WATCH_ORCHESTRATOR
from devhost.durable.api import WEBHOOK_PATH
from devhost.durable.store import InstanceRecord
from devhost.functions import event_loop
from tests.cancel_function.local_host import LocalFunctions
from tests.devhost.conftest import Response, fetch, wait_until
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


# ---- against the dev host's Durable HTTP API, which answers as the extension does -----------------------------------
# The extension's default (overridableExistingInstanceStates NonRunningStates) refuses to start an instance ID that is
# Pending, Running, ContinuedAsNew or Suspended, and a Python client sees the refusal as an HTTP 500 from the
# extension's HTTP API ("Something went wrong while processing your request"). A finished instance is replaced.

LIVE_STATES = ("Pending", "Running", "ContinuedAsNew", "Suspended")
FINISHED_STATES = ("Completed", "Failed", "Terminated")


def _watcher_in_state(host: LocalFunctions, state: str, watch: Any = WATCH) -> InstanceRecord:
    """A (parked) watcher of `watch` under its instance ID, put into `state` once its first turn is over."""
    host.engine.start_new(WATCH_ORCHESTRATOR, watch.instance_id, json.dumps(watch.to_json()))
    record = wait_until(
        lambda: (r := host.engine.get(watch.instance_id)) is not None and r.runtime_status == "Running" and r,
        10,
        "the watcher's first turn",
    )
    record.runtime_status = state
    host.engine.store.put(record)
    return record


def _start_over_http(host: LocalFunctions, watch: Any) -> Response:
    url = f"{host.origin}{WEBHOOK_PATH}/orchestrators/{WATCH_ORCHESTRATOR}/{watch.instance_id}"
    return fetch("POST", url, json.dumps(json.dumps(watch.to_json())), {"Content-Type": "application/json"})


@pytest.mark.parametrize("state", LIVE_STATES)
def test_the_dev_host_refuses_a_live_instance_id_with_the_extensions_500(
    local_host: LocalFunctions, state: str
) -> None:
    existing = _watcher_in_state(local_host, state)
    refused = _start_over_http(local_host, WATCH)
    assert refused.status == 500
    assert refused.json()["Message"] == "Something went wrong while processing your request"
    assert state in refused.json()["ExceptionMessage"] and "already exists" in refused.json()["ExceptionMessage"]
    kept = local_host.engine.get(WATCH.instance_id)
    assert kept is not None and (kept.execution_id, kept.runtime_status) == (existing.execution_id, state)


@pytest.mark.parametrize("state", FINISHED_STATES)
def test_the_dev_host_replaces_a_finished_instance_id(local_host: LocalFunctions, state: str) -> None:
    existing = _watcher_in_state(local_host, state)
    assert _start_over_http(local_host, WATCH).status == 202
    replaced = local_host.engine.get(WATCH.instance_id)
    assert replaced is not None and replaced.execution_id != existing.execution_id


class LosesTheRace:
    """The real client, except that another start of the same watcher lands between our status read and our start,
    and leaves that watcher in `state` (the window the status check cannot close)."""

    def __init__(self, host: LocalFunctions, state: str, rival: Any) -> None:
        self._client = df.DurableOrchestrationClient(host.binding_json())
        self._host, self._state, self._rival = host, state, rival
        self.refusals: list[str] = []

    async def get_status(self, instance_id: str) -> Any:
        status = await self._client.get_status(instance_id)
        if not self.refusals and self._host.engine.get(instance_id) is None:
            await asyncio.to_thread(_watcher_in_state, self._host, self._state, self._rival)
        return status

    async def start_new(self, orchestration_function_name: str, instance_id: str, client_input: Any) -> str:
        try:
            return await self._client.start_new(orchestration_function_name, instance_id, client_input)
        except Exception as exc:
            self.refusals.append(str(exc))
            raise


@pytest.mark.parametrize("state", LIVE_STATES)
def test_a_start_the_host_refuses_is_read_back_as_the_live_watcher(local_host: LocalFunctions, state: str) -> None:
    """Any failure to start means: look at the status again. The refusal is a 500, not a 409; the status read after
    it finds the watcher that won, in whichever live state, and nothing is replaced."""
    rival = dataclasses.replace(WATCH, publisher_id="rival")
    client = LosesTheRace(local_host, state, rival)
    assert event_loop.submit(ensure_watcher(client, WATCH)).result(30) == WATCH.instance_id
    assert len(client.refusals) == 1 and "Something went wrong" in client.refusals[0]
    (only,) = local_host.instances(WATCH_ORCHESTRATOR)
    assert (only.runtime_status, json.loads(only.input_json or "{}")) == (state, rival.to_json())
