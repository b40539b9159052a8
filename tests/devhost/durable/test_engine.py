"""Orchestrations run as the Durable extension runs them, driven through the unmodified SDK client.

The fixture app's HTTP functions hold a `DurableOrchestrationClient`, so every start / status / raise / terminate
here goes function -> SDK -> aiohttp -> the dev host's durable API -> engine, as in Azure.
"""

from __future__ import annotations

import json
import threading
import uuid
from typing import Any

import pytest

from devhost.durable.api import WEBHOOK_PATH
from devhost.durable.errors import InstanceAlreadyRunning
from devhost.host import DevHost
from tests.devhost.conftest import Response, fetch, wait_until


def _id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def start(host: DevHost, name: str, instance_id: str, payload: Any) -> Response:
    return fetch("POST", f"{host.origin}/api/start/{name}?id={instance_id}", body=json.dumps(payload))


def status(host: DevHost, instance_id: str, *, history: bool = False) -> dict[str, Any]:
    suffix = "?history=1" if history else ""
    answer: dict[str, Any] = fetch("GET", f"{host.origin}/api/status/{instance_id}{suffix}").json()
    return answer


def finished(host: DevHost, instance_id: str, timeout: float = 10) -> dict[str, Any]:
    def done() -> dict[str, Any] | None:
        found = status(host, instance_id)
        return found if found.get("runtimeStatus") in ("Completed", "Failed", "Terminated") else None

    result: dict[str, Any] = wait_until(done, timeout, f"{instance_id} to finish")
    return result


def test_activity_timer_continue_as_new_retry_event_and_custom_status(fixture_host: DevHost) -> None:
    instance_id = _id("tour")
    started = start(fixture_host, "tour", instance_id, {"n": 3, "delay": 0.2, "generations": 3, "wait": 20})
    assert started.status == 202
    assert started.json()["id"] == instance_id
    assert started.headers["location"].startswith(f"{fixture_host.origin}{WEBHOOK_PATH}/instances/{instance_id}")

    waiting = wait_until(
        lambda: (s := status(fixture_host, instance_id)).get("customStatus", {}).get("stage") == "waiting" and s,
        10,
        "the last generation to wait for 'go'",
    )
    assert waiting["runtimeStatus"] == "Running"
    assert waiting["input"]["gen"] == 2  # the input of the current generation, after two continue_as_new

    raised = fetch("POST", f"{fixture_host.origin}/api/raise/{instance_id}/go", body=json.dumps({"by": "U0ALICE"}))
    assert raised.status == 202
    done = finished(fixture_host, instance_id)
    assert done["runtimeStatus"] == "Completed"
    assert done["output"] == {"doubled": 24, "attempts": 2, "event": {"by": "U0ALICE"}, "gen": 2}  # 3 -> 6 -> 12 -> 24
    assert done["customStatus"] == {"gen": 2, "stage": "done"}
    # The timer that lost the race was cancelled, so nothing is left to fire.
    assert fixture_host.engine.get(instance_id).state["pending_timers"] == []  # type: ignore[union-attr]


def test_the_timeout_wins_when_no_event_comes(fixture_host: DevHost) -> None:
    instance_id = _id("tour")
    start(fixture_host, "tour", instance_id, {"n": 1, "delay": 0.1, "wait": 0.3, "failures": 0})
    done = finished(fixture_host, instance_id)
    assert done["output"] == {"doubled": 2, "attempts": 1, "event": None, "gen": 0}


# The SDK parks an event nobody waits for yet as a "deferred task" and says so with this warning.
@pytest.mark.filterwarnings("ignore:Potential duplicate Task completion")
def test_an_event_raised_before_the_orchestrator_waits_is_kept(fixture_host: DevHost) -> None:
    instance_id = _id("tour")
    start(fixture_host, "tour", instance_id, {"n": 1, "delay": 0.5, "wait": 20, "failures": 0})
    assert fetch("POST", f"{fixture_host.origin}/api/raise/{instance_id}/go", body='"early"').status == 202
    done = finished(fixture_host, instance_id)
    assert done["output"]["event"] == "early"


def test_retries_are_exhausted_into_a_failed_orchestration(fixture_host: DevHost) -> None:
    instance_id = _id("tour")
    start(fixture_host, "tour", instance_id, {"n": 1, "delay": 0.05, "wait": 20, "failures": 5})
    done = finished(fixture_host, instance_id)
    assert done["runtimeStatus"] == "Failed"
    assert "attempt 3 failed on purpose" in done["output"]


def test_an_orchestrator_exception_fails_the_instance_and_keeps_its_custom_status(fixture_host: DevHost) -> None:
    instance_id = _id("failing")
    start(fixture_host, "failing", instance_id, None)
    done = finished(fixture_host, instance_id)
    assert done["runtimeStatus"] == "Failed"
    assert done["output"] == "Orchestrator function 'failing' failed: the orchestrator gave up"
    assert done["customStatus"] == "about to fail"


def test_an_activity_with_a_client_binding_starts_another_orchestration(fixture_host: DevHost) -> None:
    instance_id = _id("spawner")
    start(fixture_host, "spawner", instance_id, None)
    done = finished(fixture_host, instance_id)
    assert done["output"] == {"child": f"{instance_id}-child", "shout": "QUIET"}
    assert finished(fixture_host, f"{instance_id}-child")["output"] == "HI"


def test_a_running_instance_id_cannot_be_started_again_but_a_finished_one_can(fixture_host: DevHost) -> None:
    instance_id = _id("sleeper")
    payload = {"seconds": 0.5, "path": "/dev/null"}
    assert start(fixture_host, "sleeper", instance_id, payload).status == 202
    again = start(fixture_host, "sleeper", instance_id, payload)
    assert again.status == 409  # the fixture turns the SDK's exception into a 409
    assert "already exists" in again.json()["error"]
    first = finished(fixture_host, instance_id)
    assert first["output"] == "rested"
    execution = fixture_host.engine.get(instance_id).execution_id  # type: ignore[union-attr]
    assert start(fixture_host, "sleeper", instance_id, payload).status == 202
    assert fixture_host.engine.get(instance_id).execution_id != execution  # type: ignore[union-attr]
    assert finished(fixture_host, instance_id)["runtimeStatus"] == "Completed"


def test_concurrent_starts_of_one_instance_id_let_exactly_one_through(fixture_host: DevHost) -> None:
    """The property "one cancel per confirmation" rests on: two clicks, one instance."""
    instance_id = _id("sleeper")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def click() -> None:
        barrier.wait()
        try:
            fixture_host.engine.start_new("sleeper", instance_id, json.dumps({"seconds": 1, "path": "/dev/null"}))
            outcomes.append("started")
        except InstanceAlreadyRunning:
            outcomes.append("refused")

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused"] * 7 + ["started"]
    fixture_host.engine.terminate(instance_id, "test over")


def test_terminate_then_events_are_refused(fixture_host: DevHost) -> None:
    instance_id = _id("tour")
    start(fixture_host, "tour", instance_id, {"n": 1, "delay": 5, "wait": 20})
    assert fetch("POST", f"{fixture_host.origin}/api/terminate/{instance_id}?reason=enough").status == 202
    done = finished(fixture_host, instance_id)
    assert (done["runtimeStatus"], done["output"]) == ("Terminated", "enough")
    refused = fetch("POST", f"{fixture_host.origin}/api/raise/{instance_id}/go", body="1")
    assert refused.status == 410 and "is gone" in refused.json()["error"]


def test_unknown_instances_are_a_falsy_status(fixture_host: DevHost) -> None:
    answer = fetch("GET", f"{fixture_host.origin}/api/status/nobody-{uuid.uuid4().hex}")
    assert (answer.status, answer.json()) == (404, {"found": False})


def test_history_and_queries(fixture_host: DevHost) -> None:
    instance_id = _id("spawner")
    start(fixture_host, "spawner", instance_id, None)
    finished(fixture_host, instance_id)
    events = status(fixture_host, instance_id, history=True)["historyEvents"]
    kinds = [e["EventType"] for e in events]
    assert kinds[:2] == ["OrchestratorStarted", "ExecutionStarted"] and "TaskCompleted" in kinds
    assert all("Result" not in e for e in events)  # showHistoryOutput not asked for
    listed = fetch("GET", f"{fixture_host.origin}/api/list?status=Completed").json()
    assert instance_id in listed and f"{instance_id}-child" in listed
    assert instance_id in fetch("GET", f"{fixture_host.origin}/api/list").json()


def test_the_api_answers_like_the_extension(fixture_host: DevHost) -> None:
    base = f"{fixture_host.origin}{WEBHOOK_PATH}"
    unknown = fetch("POST", f"{base}/orchestrators/nope", body="null", headers={"Content-Type": "application/json"})
    assert unknown.status == 400 and "doesn't exist" in unknown.json()["ExceptionMessage"]
    bad_id = fetch("POST", f"{base}/orchestrators/sleeper/a%23b", body="{}")
    assert bad_id.status == 400
    raw = fetch("POST", f"{base}/orchestrators/child/{_id('raw')}", body='{"word": "raw json"}')
    assert raw.status == 202  # a plain JSON body (curl) works as well as the SDK's double-encoded one
    assert finished(fixture_host, raw.json()["id"])["output"] == "RAW JSON"
    assert fetch("GET", f"{base}/instances/{uuid.uuid4().hex}").status == 404
    not_json = fetch("POST", f"{base}/instances/{raw.json()['id']}/raiseEvent/x", body="1")
    assert not_json.status == 410  # finished instances take no events, whatever the body


@pytest.mark.parametrize("header", ["X-Forwarded-For", "X-Forwarded-Host"])
def test_tunnelled_callers_need_the_system_key(fixture_host: DevHost, header: str) -> None:
    url = f"{fixture_host.origin}{WEBHOOK_PATH}/instances/"
    assert fetch("GET", url, headers={header: "203.0.113.9"}).status == 401
    key = json.loads(fixture_host.api.binding_json())["requiredQueryStringParameters"]
    assert fetch("GET", f"{url}?{key}", headers={header: "203.0.113.9"}).status == 200
