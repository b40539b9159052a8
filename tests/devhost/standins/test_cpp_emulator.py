"""The emulator itself: the seeded cast, the step timelines (manual clock: deterministic), faults, control API."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from typing import Any

import pytest
import requests

from backends.cpp.client import CppClient
from backends.http import errors
from backends.http.operation import OperationStatus, StepStatus
from devhost.standins.cpp import EmulatorServer, Fault, ManualClock
from tests.backends.cpp.conftest import make_client
from tests.devhost.standins.emulator_helpers import API, VM, beyond_docs, first_publish, statuses, url_of_publish


def test_vm_publish_walks_the_six_documented_steps(client: CppClient, emulator: EmulatorServer) -> None:
    url = url_of_publish(emulator, first_publish(client))
    publish = client.get_operation(url)
    assert [s.name for s in publish.steps] == [
        "Validate Pre-Requisites",
        "Certification",
        "Provisioning",
        "Packaging and Lead Generation Registration",
        "Publisher signoff",
        "Live",
    ]
    assert [s.estimated_time_frame for s in publish.steps] == [
        "< 15 min",
        "~2-5 days",
        "< 1 day",
        "< 1 hour",
        None,  # the docs say it may be missing
        "< 1 day",
    ]
    # started 2 units (4 s) ago: Validate (1 unit) done, Certification (3 units) a third of the way
    assert statuses(publish) == ["complete", "inProgress", "notStarted", "notStarted", "notStarted", "notStarted"]
    assert publish.steps[1].progress_percentage == 33
    assert publish.steps[0].messages[0].html == "Step completed."
    assert publish.steps[0].messages[0].level == "information"
    assert publish.steps[0].messages[0].timestamp is not None
    assert publish.status is OperationStatus.RUNNING
    assert publish.cancellation_request_state == "canCancel"

    emulator.advance(4.0)
    assert statuses(client.get_operation(url))[:3] == ["complete", "complete", "inProgress"]
    emulator.advance(6.0 + 4.0)
    waiting = client.get_operation(url)
    assert statuses(waiting) == ["complete"] * 4 + ["waitingForPublisherReview", "notStarted"]
    assert waiting.steps[4].status is StepStatus.WAITING
    assert waiting.steps[4].messages[0].level == "warning"
    assert "<b>Go Live</b>" in waiting.steps[4].messages[0].html
    emulator.advance(7 * 24 * 3600.0)  # it waits for the publisher: still cancellable a week later
    assert client.get_operation(url) == waiting


def test_cancel_timeline_then_publish_canceled(client: CppClient, emulator: EmulatorServer) -> None:
    beyond_docs(emulator)
    publish_url = url_of_publish(emulator, first_publish(client))
    result = client.cancel(*VM, ["ops@contoso.com"])
    assert result.operation_url is not None
    cancel = client.get_operation(result.operation_url)
    assert cancel.status is OperationStatus.RUNNING
    assert cancel.notification_emails == "ops@contoso.com"
    assert statuses(cancel) == ["inProgress", "notStarted", "notStarted"]
    assert [s.estimated_time_frame for s in cancel.steps] == ["< 15 min", "< 1 hour", "< 1 day"]
    assert client.get_operation(publish_url).cancellation_request_state == "cancelRequested"

    emulator.advance(1.0)
    assert client.get_operation(result.operation_url).steps[0].progress_percentage == 50
    emulator.advance(1.0)
    assert statuses(client.get_operation(result.operation_url)) == ["complete", "inProgress", "notStarted"]
    emulator.advance(2.0)
    assert statuses(client.get_operation(result.operation_url)) == ["complete", "complete", "inProgress"]
    assert client.list_operations(*VM, filtered_status="running")  # not yet
    emulator.advance(2.0)
    done = client.get_operation(result.operation_url)
    assert done.status is OperationStatus.COMPLETED
    assert done.progress_percentage == 100

    publish = client.get_operation(publish_url)
    assert publish.status is OperationStatus.CANCELED
    assert publish.cancellation_request_state == "cannotCancel"
    assert "canceled" in statuses(publish)
    assert publish.messages[0].html == "The publish was cancelled."
    listed = client.list_operations(*VM)
    assert listed[0].raw_status == "canceled"
    assert client.list_operations(*VM, filtered_status="running") == []
    assert emulator.cancel_count(offer_id="contoso-vm-offer") == 1


def test_a_second_cancel_in_flight_returns_the_same_operation(client: CppClient, emulator: EmulatorServer) -> None:
    beyond_docs(emulator)
    first = client.cancel(*VM)
    emulator.advance(1.0)
    second = client.cancel(*VM)
    assert second == first
    assert emulator.cancel_count() == 2
    assert emulator.cancel_count(offer_id="contoso-vm-offer", publisher_id="contoso") == 2
    assert emulator.cancel_count(offer_id="contoso-idle-offer") == 0
    emulator.advance(10.0)
    third = client.cancel(*VM)  # nothing in flight any more: still 202, a new quick operation
    assert third.operation_url != first.operation_url
    assert third.operation_url is not None
    assert len(client.get_operation(third.operation_url).steps) == 1


def test_sync_cancel_of_the_saas_offer(client: CppClient) -> None:
    offer = ("contoso", "contoso-saas-offer")
    assert first_publish(client, offer).status is OperationStatus.RUNNING
    assert client.cancel(*offer).outcome == "cancelled"
    assert first_publish(client, offer).status is OperationStatus.CANCELED


def test_failing_offer_cancel_ends_failed(client: CppClient, emulator: EmulatorServer) -> None:
    offer = ("contoso", "contoso-failing-offer")
    url = client.cancel(*offer).operation_url
    assert url is not None
    emulator.advance(4.0)
    failed = client.get_operation(url)
    assert failed.status is OperationStatus.FAILED
    assert failed.error is not None
    assert "could not be stopped" in failed.error
    assert statuses(failed) == ["complete", "failed", "notStarted"]
    assert failed.steps[1].messages[0].level == "error"
    publish = first_publish(client, offer)
    assert publish.status is OperationStatus.RUNNING
    assert client.get_operation(url_of_publish(emulator, publish, offer)).cancellation_request_state == "canCancel"


def test_idle_offer_cancel_still_202_and_quick(client: CppClient, emulator: EmulatorServer) -> None:
    offer = ("contoso", "contoso-idle-offer")
    assert client.list_operations(*offer, filtered_status="running") == []
    result = client.cancel(*offer)
    assert result.outcome == "accepted"
    assert result.operation_url is not None
    emulator.advance(2.0)
    assert client.get_operation(result.operation_url).status is OperationStatus.COMPLETED


def test_fault_operation_never_ends_or_fails(client: CppClient, emulator: EmulatorServer) -> None:
    emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
    url = client.cancel(*VM).operation_url
    assert url is not None
    emulator.advance(30 * 24 * 3600.0)
    stuck = client.get_operation(url)
    assert stuck.status is OperationStatus.RUNNING
    assert statuses(stuck) == ["complete", "complete", "inProgress"]
    assert first_publish(client).status is OperationStatus.RUNNING

    emulator.reset()
    emulator.add_fault(Fault(method="POST", path="contoso-saas-offer/cancel", operation="fails"))
    url = client.cancel("contoso", "contoso-saas-offer").operation_url  # even the 200 offer: a failing operation
    assert url is not None
    emulator.advance(10.0)
    assert client.get_operation(url).status is OperationStatus.FAILED


def test_list_filter_accepts_submission_state_too(emulator: EmulatorServer) -> None:
    headers = {"Authorization": f"Bearer {emulator.token}"}
    base = f"{emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/submissions/{API}"
    by_status = requests.get(base + "&status=completed", headers=headers, timeout=5).json()
    by_state = requests.get(base + "&submissionState=Completed", headers=headers, timeout=5).json()
    assert by_status == by_state
    assert [i["submissionState"] for i in by_state] == ["completed"]
    item = by_state[0]
    assert set(item) >= {
        "id",
        "offerId",
        "offerVersion",
        "offerTypeId",
        "publisherId",
        "submissionType",
        "submissionState",
        "publishingVersion",
        "slot",
        "version",
        "definition",
        "changedTime",
    }
    assert item["definition"] == {"metadata": {"emails": "jdoe@contoso.com"}}


def _raw(emulator: EmulatorServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, emulator.base_url + path, timeout=5, **kwargs)


def test_http_edges(emulator: EmulatorServer) -> None:
    auth = {"Authorization": f"Bearer {emulator.token}"}
    cancel = "/api/publishers/contoso/offers/contoso-vm-offer/cancel"
    assert _raw(emulator, "GET", cancel + API, headers=auth).status_code == 405
    assert _raw(emulator, "GET", "/api/nothing" + API, headers=auth).status_code == 404
    assert _raw(emulator, "POST", cancel + API, headers=auth, data="not json").status_code == 415
    bad = _raw(emulator, "POST", cancel + API, headers={**auth, "Content-Type": "application/json"}, data="{")
    assert bad.status_code == 400
    wrong = _raw(emulator, "POST", cancel + API, headers=auth, json={"metadata": {"notification-emails": 5}})
    assert wrong.status_code == 400
    missing_version = _raw(
        emulator, "GET", "/api/publishers/contoso/offers/contoso-vm-offer/submissions/", headers=auth
    )
    assert missing_version.status_code == 400
    assert missing_version.json()["error"]["code"] == "InvalidAPIVersion"
    assert _raw(emulator, "GET", cancel + API, headers={"Authorization": "Basic abc"}).status_code == 401
    assert (
        _raw(emulator, "GET", "/api/operations/contoso$contoso-vm-offer$2$preview" + API, headers=auth).status_code
        == 404
    )
    assert _raw(emulator, "GET", "/api/operations/garbage" + API, headers=auth).status_code == 404
    assert emulator.cancel_count() == 3  # the three POSTs reached the cancel route (answered 415/400/400)


def test_control_endpoints_over_http(emulator: EmulatorServer, clock: ManualClock) -> None:
    fault = {"method": "GET", "path": "/submissions", "status": 503, "retryAfter": "1", "times": 2}
    assert _raw(emulator, "POST", "/_emulator/faults", json=fault).json() == {"added": 1}
    assert _raw(emulator, "GET", "/_emulator/faults").json()[0]["retryAfter"] == "1"
    client = make_client(emulator, max_retries=0)
    with pytest.raises(errors.ServerError, match="server error"):
        client.list_operations(*VM)
    assert _raw(emulator, "DELETE", "/_emulator/faults").status_code == 200
    assert client.list_operations(*VM)

    recorded = _raw(emulator, "GET", "/_emulator/requests").json()
    assert [r["method"] for r in recorded] == ["GET", "GET"]
    assert recorded[0]["auth"] == "<bearer: valid>"
    assert all(emulator.token not in json.dumps(r) for r in recorded)

    before = clock()
    assert _raw(emulator, "POST", "/_emulator/advance", json={"seconds": 5}).json() == {"now": before + 5}
    config = {"publisherId": "contoso", "offerId": "contoso-vm-offer", "cancelMode": "location"}
    assert _raw(emulator, "POST", "/_emulator/offers", json=config).status_code == 200
    assert client.cancel(*VM).operation_url is not None
    assert emulator.cancel_count() == 1

    assert _raw(emulator, "POST", "/_emulator/reset").status_code == 200
    assert emulator.requests == []
    assert _raw(emulator, "POST", "/_emulator/faults", json={"nonsense": 1}).status_code == 400
    assert _raw(emulator, "POST", "/_emulator/faults", json={"times": 0}).status_code == 400
    assert _raw(emulator, "POST", "/_emulator/faults", data="{").status_code == 400
    assert _raw(emulator, "POST", "/_emulator/offers", json={"publisherId": "x", "offerId": "y"}).status_code == 400
    assert _raw(emulator, "GET", "/_emulator/nothing").status_code == 404
    assert emulator.requests == []  # control calls are not recorded


def test_fault_json_round_trip_and_validation() -> None:
    fault = Fault(method="POST", path="/cancel", times=None, status=429, retry_after="3", headers={"X-A": "b"})
    assert Fault.from_json(fault.to_json()) == fault
    assert Fault.from_json({"latency_s": 0.5}).latency_s == 0.5
    for bad in ({"times": 0}, {"latencyS": -1}, {"status": 999}, {"operation": "explodes"}, {"what": 1}):
        with pytest.raises(ValueError, match=r"Fault|unknown fault fields"):
            Fault.from_json(bad)


def test_deterministic_with_the_same_seed_and_clock() -> None:
    def run() -> list[Any]:
        with EmulatorServer(clock=ManualClock(), seed=42, step_seconds=1.0) as server:
            client = make_client(server)
            bodies: list[Any] = [o.to_json() for o in client.list_operations(*VM)]
            url = client.cancel(*VM).operation_url
            assert url is not None
            for _ in range(4):
                bodies.append(client.get_operation(url).to_json())
                server.advance(0.7)
            bodies.append(url.split(str(server.port))[1])
            return bodies

    assert run() == run()


def test_different_seeds_give_different_ids() -> None:
    ids = []
    for seed in (1, 2):
        with EmulatorServer(clock=ManualClock(), seed=seed) as server:
            ids.append(make_client(server).list_operations(*VM)[0].id)
    assert ids[0] != ids[1]


def test_advance_needs_a_manual_clock_and_loopback_only() -> None:
    with pytest.raises(RuntimeError, match="manual clock"):
        EmulatorServer().advance(1.0)
    with pytest.raises(ValueError, match="loopback"):
        EmulatorServer(host="0.0.0.0")  # noqa: S104 - the point of the test
    with pytest.raises(ValueError, match="step_seconds"):
        EmulatorServer(step_seconds=0)
    with pytest.raises(ValueError, match="backwards"):
        ManualClock().advance(-1)


def test_configure_offer_validates(emulator: EmulatorServer) -> None:
    with pytest.raises(KeyError):
        emulator.configure_offer("contoso", "nope", cancel_mode="location")
    with pytest.raises(ValueError, match="carrier-pigeon"):
        emulator.configure_offer(*VM, cancel_mode="carrier-pigeon")


def test_real_time_clock_with_short_steps() -> None:
    """Without a manual clock the emulator runs on wall time: a whole cancel in well under a second."""

    with EmulatorServer(step_seconds=0.05) as server:
        client = make_client(server)
        url = client.cancel(*VM).operation_url
        assert url is not None
        deadline = time.monotonic() + 5
        while client.get_operation(url).status is OperationStatus.RUNNING and time.monotonic() < deadline:
            time.sleep(0.02)
        assert client.get_operation(url).status is OperationStatus.COMPLETED
        assert client.list_operations(*VM)[0].status is OperationStatus.CANCELED


def test_command_line_prints_base_url_and_token() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "devhost.standins.cpp", "--port", "0", "--step-seconds", "0.5", "--seed", "3"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_line = process.stdout.readline().strip()
        token_line = process.stdout.readline().strip()
        assert base_line.startswith("CPP_BASE_URL=http://127.0.0.1:")
        assert token_line == "CPP_ACCESS_TOKEN=local-emulator-token"
        base_url = base_line.split("=", 1)[1]
        answer = requests.get(
            f"{base_url}/api/publishers/contoso/offers/contoso-vm-offer/submissions/{API}",
            headers={"Authorization": "Bearer local-emulator-token"},
            timeout=5,
        )
        assert answer.status_code == 200
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        if process.stdout:
            process.stdout.close()
        if process.stderr:
            process.stderr.close()
