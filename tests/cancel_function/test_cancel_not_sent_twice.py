"""`send_cancel` runs at least once, yet sends the cancel at most once per publish; what the orchestration then does.

Regression tests for docs/reliability.md: a dev host killed while the cancel POST was in flight ran `send_cancel`
again after the restart and sent a second cancel. Now the activity first asks the Partner Portal whether a cancel of
the in-flight publish is already under way; if so it sends nothing, and the orchestration joins the live watcher of
the offer or follows the publish itself. And a 202 that names no operation the app may follow is accepted, not
failed. End to end (a real SIGKILL): tests/reliability/test_restarts.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from cancel_function.names import FIND_WATCHER, REPORT_CANCEL, SEND_CANCEL, START_WATCHER
from cancel_function.payloads import CANCEL_UNDER_WAY, cancel_under_way_error
from cancel_function.watcher_handover import live_watcher_of
from cppcancel.contracts import CancelOutcome, WatchRequest, watch_instance_id
from devhost.replay import OrchestratorFn
from partner_portal.client import CppClient
from partner_portal.emulator.faults import Fault
from partner_portal.errors import InvalidResponse, UnsafeUrl
from partner_portal.tokens import StaticTokenProvider
from tests.cancel_function.conftest import cancel_request
from tests.poll_function.conftest import watch_request
from tests.poll_function.operations import OPERATION_URL
from tests.poll_function.stepper import Stepper

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PUBLISH_URL = "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm-offer/operations/publish-1"
Activity = Callable[[str], Callable[..., Any]]


# -- the activity, against the emulator --------------------------------------------------------------------------------


@pytest.fixture
def audit(caplog: pytest.LogCaptureFixture) -> Callable[[], list[dict[str, Any]]]:
    caplog.set_level(logging.INFO, logger="cppcancel.audit")
    return lambda: [json.loads(r.getMessage()) for r in caplog.records if r.name == "cppcancel.audit"]


def send(activity: Activity, offer: str = "contoso-vm-offer") -> dict[str, Any]:
    result: dict[str, Any] = activity("send_cancel")(payload=cancel_request(offer).to_json())
    return result


@pytest.mark.usefixtures("app_env")
def test_a_cancel_already_under_way_is_not_sent_again(
    activity: Activity, cpp_emulator: Any, audit: Callable[[], list[dict[str, Any]]]
) -> None:
    cpp_emulator.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
    first = send(activity)
    assert first["ok"] is True and cpp_emulator.cancel_count() == 1

    again = send(activity)  # what the re-run after a restart does (or a second request for the same publish)
    assert again["ok"] is False and again["error"]["code"] == CANCEL_UNDER_WAY
    assert "not sent again" in again["error"]["message"]
    publish_url = again["error"]["publishOperationUrl"]
    assert publish_url.startswith(f"{cpp_emulator.base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/")
    assert publish_url != first["result"]["operationUrl"], "the publish, not the cancel"
    assert cpp_emulator.cancel_count() == 1
    assert [(r["outcome"], r["cppStatusCode"]) for r in audit()] == [("accepted", 202), ("not_sent", None)]


@pytest.mark.usefixtures("app_env")
@pytest.mark.parametrize(
    "fault",
    [
        Fault(method="GET", path="/submissions", status=503, times=None),
        Fault(method="GET", path="/submissions", malformed_json=True),
        Fault(method="GET", path="/operations/", status=429, retry_after="60"),
    ],
    ids=["list-5xx", "list-garbled", "detail-throttled"],
)
def test_when_the_offer_cannot_be_read_quickly_the_cancel_is_sent_as_asked(
    activity: Activity, cpp_emulator: Any, fault: Fault
) -> None:
    cpp_emulator.add_fault(fault)
    result = send(activity)
    assert result["ok"] is True and result["result"]["statusCode"] == 202
    assert cpp_emulator.cancel_count() == 1
    reads = [r for r in cpp_emulator.requests if r.method == "GET"]
    assert len(reads) <= 2, "one quick look: no retries before the cancel"


@pytest.mark.usefixtures("app_env")
def test_an_offer_with_nothing_in_flight_is_sent_the_cancel(activity: Activity, cpp_emulator: Any) -> None:
    assert send(activity, "contoso-idle-offer")["ok"] is True
    assert [r.method for r in cpp_emulator.requests] == ["GET", "POST"], "the list only: nothing in flight to read"


# -- the orchestration ----------------------------------------------------------------------------------------------


def start(fn: OrchestratorFn) -> Stepper:
    request = cancel_request(response_url="https://hooks.slack.test/r1")
    stepper = Stepper(fn, "cancel_orchestrator", request.to_json(), T0, request.instance_id)
    stepper.activity(SEND_CANCEL)
    return stepper


def not_sent() -> dict[str, Any]:
    return {"ok": False, "error": cancel_under_way_error(PUBLISH_URL)}


def test_a_cancel_not_sent_joins_the_live_watcher_of_its_offer(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    s.complete(not_sent())
    call, payload = s.activity(FIND_WATCHER)
    assert call.max_attempts == 3 and payload == {"publisherId": "contoso", "offerId": "contoso-vm-offer"}
    s.complete(OPERATION_URL)
    expected = CancelOutcome("accepted", None, OPERATION_URL, watch_instance_id(OPERATION_URL)).to_json()
    assert s.turn.custom_status == expected
    s.complete({"messageTs": "1.5", "deliveredVia": "channel"}, REPORT_CANCEL)
    _, watch = s.activity(START_WATCHER)
    assert WatchRequest.from_json(watch).operation_url == OPERATION_URL  # start_watcher: a no-op, it runs
    s.complete(watch_instance_id(OPERATION_URL))
    assert s.turn.output == expected
    assert s.trace == [SEND_CANCEL, FIND_WATCHER, REPORT_CANCEL, START_WATCHER]


@pytest.mark.parametrize("lookup", ["none", "fails"])
def test_without_a_watcher_to_join_the_publish_itself_is_followed(cancel_fn: OrchestratorFn, lookup: str) -> None:
    s = start(cancel_fn)
    s.complete(not_sent())
    if lookup == "none":
        s.complete(None, FIND_WATCHER)
    else:
        for _ in range(3):
            s.fail("durable API unreachable", FIND_WATCHER)
            if s.turn.timers:
                s.fire()
    expected = CancelOutcome("accepted", None, PUBLISH_URL, watch_instance_id(PUBLISH_URL)).to_json()
    assert s.turn.custom_status == expected
    s.complete({"messageTs": "1.6"}, REPORT_CANCEL)
    _, watch = s.activity(START_WATCHER)
    assert WatchRequest.from_json(watch).operation_url == PUBLISH_URL


@pytest.mark.parametrize(
    "error",
    [
        InvalidResponse("The Partner Portal accepted the cancel but gave no operation to follow.", status_code=202),
        UnsafeUrl(
            "The Partner Portal accepted the cancel (HTTP 202), but ... not to the Partner Portal.", status_code=202
        ),
    ],
    ids=["no-operation-location", "foreign-operation-location"],
)
def test_a_202_the_app_cannot_follow_is_accepted_and_not_watched(cancel_fn: OrchestratorFn, error: Any) -> None:
    s = start(cancel_fn)
    s.complete({"ok": False, "error": error.to_json()})
    outcome = s.turn.custom_status
    assert (outcome["status"], outcome["statusCode"], outcome["watchInstanceId"]) == ("accepted", 202, None)
    assert outcome["error"]["code"] == error.code
    s.complete({"messageTs": "1.7"}, REPORT_CANCEL)
    assert s.turn.done and s.trace == [SEND_CANCEL, REPORT_CANCEL], "no watcher for an operation it cannot follow"


# -- find_watcher ----------------------------------------------------------------------------------------------------


@dataclass
class Listed:
    """Shaped like the SDK's DurableOrchestrationStatus (the attributes find_watcher reads)."""

    instance_id: str
    runtime_status: str = "Running"
    input_: Any = None
    created_time: datetime = T0


@dataclass
class Directory:
    instances: list[Listed] = field(default_factory=list)
    queries: list[dict[str, Any]] = field(default_factory=list)

    async def get_status_by(self, **query: Any) -> list[Any]:
        self.queries.append(query)
        return [Listed(i.instance_id, i.runtime_status) for i in self.instances]

    async def get_status(self, instance_id: str, **options: Any) -> Any:
        assert options.get("show_input") is True
        return next(i for i in self.instances if i.instance_id == instance_id)


def watcher_of(url: str, offer: str = "contoso-vm-offer", **kw: Any) -> Listed:
    watch = watch_request(url=url)
    data = {**watch.to_json(), "offerId": offer}
    return Listed(watch_instance_id(url), input_=json.dumps(data), **kw)


def test_find_watcher_names_the_newest_live_watcher_of_the_offer() -> None:
    other_offer = watcher_of(OPERATION_URL + "0", offer="contoso-saas-offer")
    finished = watcher_of(OPERATION_URL + "1", runtime_status="Completed")
    older = watcher_of(OPERATION_URL + "2", created_time=datetime(2026, 11, 24, tzinfo=UTC))
    newer = watcher_of(OPERATION_URL + "3")
    impostor = Listed("watch-" + "0" * 32, input_=json.dumps(watch_request(url=OPERATION_URL + "4").to_json()))
    garbled = Listed("watch-" + "1" * 32, input_="{not json")
    directory = Directory([other_offer, finished, older, newer, impostor, garbled])
    found = asyncio.run(live_watcher_of(directory, "contoso", "contoso-vm-offer"))
    assert found == OPERATION_URL + "3"
    [query] = directory.queries
    assert query["instance_id_prefix"] == "watch-"
    assert {s.value for s in query["runtime_status"]} == {"Pending", "Running", "ContinuedAsNew"}


def test_find_watcher_without_a_live_watcher_says_none() -> None:
    assert asyncio.run(live_watcher_of(Directory(), "contoso", "contoso-vm-offer")) is None


def test_the_look_before_the_cancel_reads_the_cancellation_state_of_the_publish(cpp_emulator: Any) -> None:
    client = CppClient(cpp_emulator.base_url, StaticTokenProvider(cpp_emulator.token))
    try:
        [publish] = [op for op in client.list_operations("contoso", "contoso-vm-offer") if op.is_in_flight]
        url = client.resolve_operation_url(f"/api/publishers/contoso/offers/contoso-vm-offer/operations/{publish.id}")
        assert client.get_operation(url).cancel_under_way is False
        client.cancel("contoso", "contoso-vm-offer")
        assert client.get_operation(url).cancel_under_way is True
    finally:
        client.close()
