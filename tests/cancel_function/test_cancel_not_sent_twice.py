"""`send_cancel` runs at least once, yet sends the cancel at most once per request and once per offer at a time.

Regression tests for docs/reliability.md: a dev host killed while the cancel POST was in flight ran `send_cancel`
again after the restart and sent a second cancel, and two confirmations confirmed together both POSTed. The
activity now decides from the app's own record (record_store/, cancel_function/exactly_once.py), with the emulator in
documented-behaviour mode: it never says a cancel is under way, so nothing here can come from it. The orchestration
tests below still replay histories from before the record ("already under way" from the Partner Portal). End to
end (a real SIGKILL): tests/reliability/test_restarts.py; at the same instant: tests/reliability/test_exactly_once.py.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from backends.http.errors import InvalidResponse, UnsafeUrl
from cancel_function import exactly_once
from cancel_function.names import FIND_WATCHER, REPORT_CANCEL, SEND_CANCEL, START_WATCHER
from cancel_function.watcher_handover import live_watcher_of
from cppcancel.contracts import CancelOutcome, CancelRequest, Requester, WatchRequest, watch_instance_id
from cppcancel.sending import JOINED, NOT_RECORDED, NOT_REPEATED, UnderWay
from cppcancel.settings import reset_settings_cache
from cppcancel.targets import JobTarget, PublishTarget
from devhost.durable.replay import OrchestratorFn
from devhost.standins.cpp.faults import Fault
from record_store.base import CancelRecord
from record_store.sqlite import SqliteRecordStore
from tests.cancel_function.conftest import cancel_request
from tests.poll_function.conftest import watch_request
from tests.poll_function.operations import OPERATION_URL
from tests.poll_function.stepper import Stepper

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
PUBLISH_URL = "https://cloudpartner.azure.com/api/publishers/contoso/offers/contoso-vm-offer/operations/publish-1"
Activity = Callable[[str], Callable[..., Any]]


# -- the activity, against the emulator in documented mode -------------------------------------------------------------


@pytest.fixture
def audit(caplog: pytest.LogCaptureFixture) -> Callable[[], list[dict[str, Any]]]:
    caplog.set_level(logging.INFO, logger="cppcancel.audit")
    return lambda: [json.loads(r.getMessage()) for r in caplog.records if r.name == "cppcancel.audit"]


@pytest.fixture
def documented(cpp_emulator: Any, app_env: dict[str, str]) -> Any:
    """This test's emulator (its own), doing only what Microsoft documents."""
    cpp_emulator.beyond_docs = False
    cpp_emulator.reset()
    return cpp_emulator


def send(activity: Activity, request: CancelRequest | None = None) -> dict[str, Any]:
    result: dict[str, Any] = activity("send_cancel")(payload=(request or cancel_request()).to_json())
    return result


def bobs_request() -> CancelRequest:
    return replace(cancel_request(), request_id="req-2", requester=Requester(display="bob", user_id="U0BOB"))


def test_a_rerun_after_the_answer_was_recorded_sends_nothing_and_gives_the_same_answer(
    activity: Activity, documented: Any, audit: Callable[[], list[dict[str, Any]]]
) -> None:
    first = send(activity)
    assert first["ok"] is True and documented.cancel_count() == 1
    again = send(activity)  # the host died after the answer was recorded, before the activity's result was
    assert again == first
    assert documented.cancel_count() == 1
    assert [(r["outcome"], r["cppStatusCode"]) for r in audit()] == [("accepted", 202), ("replayed", 202)]


def test_a_rerun_while_the_post_may_have_been_sent_never_posts_again(
    activity: Activity, documented: Any, app_env: dict[str, str], audit: Callable[[], list[dict[str, Any]]]
) -> None:
    """The record says `sending`: the first run died with its POST in flight. Whatever the Portal did, no second
    POST; the re-run names the offer's publish to follow, so the story still ends with a final message."""
    store = SqliteRecordStore(app_env["RECORD_STORE_SQLITE"])
    first = exactly_once.before_post(store, cancel_request(), datetime.now(UTC), 3600)
    assert isinstance(first, exactly_once.Go)
    marked = exactly_once.mark_sending(store, first.record, datetime.now(UTC), 3600)
    assert isinstance(marked, CancelRecord)  # then the host died
    store.close()
    again = send(activity)
    assert again["ok"] is False and again["error"]["code"] == NOT_REPEATED
    assert "not sent again" in again["error"]["message"]
    publish_url = again["error"]["publishOperationUrl"]
    assert publish_url.startswith(f"{documented.base_url}/api/publishers/contoso/offers/contoso-vm-offer/operations/")
    assert documented.cancel_count() == 0
    assert [r["outcome"] for r in audit()] == ["not_sent"]


def test_a_second_request_for_the_offer_joins_the_first_and_sends_nothing(
    activity: Activity, documented: Any, audit: Callable[[], list[dict[str, Any]]]
) -> None:
    documented.add_fault(Fault(method="POST", path="/cancel", operation="never_ends"))
    first = send(activity)
    second = send(activity, bobs_request())
    assert second["ok"] is False and second["error"]["code"] == JOINED
    assert second["error"]["publishOperationUrl"] == first["result"]["operationUrl"], "the joined cancel's operation"
    assert second["error"]["joinedBy"] == "U0ALICE"
    assert "nothing was sent again" in second["error"]["message"]
    assert documented.cancel_count() == 1
    assert [r["outcome"] for r in audit()] == ["accepted", "not_sent"]


def test_a_record_that_cannot_be_written_means_nothing_is_sent(
    activity: Activity,
    documented: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    audit: Callable[[], list[dict[str, Any]]],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("RECORD_STORE_SQLITE", str(blocker / "records.sqlite3"))
    reset_settings_cache()
    result = send(activity)
    assert result["ok"] is False and result["error"]["code"] == NOT_RECORDED
    assert "could not be recorded before sending it" in result["error"]["message"]
    assert "nothing was sent" in result["error"]["message"]
    assert documented.cancel_count() == 0
    [record] = audit()
    assert record["outcome"] == "not_sent" and "could not be recorded" in record["reason"]


def test_only_reachability_is_read_before_the_post(activity: Activity, documented: Any) -> None:
    """The record decides; the Partner Portal is only asked whether it is there (a safe read, so that a host dying
    while it is unreachable leaves a request that may still send)."""
    assert send(activity, cancel_request("contoso-idle-offer"))["ok"] is True
    assert [r.method for r in documented.requests] == ["GET", "POST"], "a reachability read, then the POST"


# -- the orchestration ----------------------------------------------------------------------------------------------


def start(fn: OrchestratorFn) -> Stepper:
    request = cancel_request(response_url="https://hooks.slack.test/r1")
    stepper = Stepper(fn, "cancel_orchestrator", request.to_json(), T0, request.instance_id)
    stepper.activity(SEND_CANCEL)
    return stepper


def not_sent() -> dict[str, Any]:
    return UnderWay(PUBLISH_URL).to_json()


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
    found = asyncio.run(live_watcher_of(directory, PublishTarget("contoso", "contoso-vm-offer")))
    assert found == OPERATION_URL + "3"
    [query] = directory.queries
    assert query["instance_id_prefix"] == "watch-"
    assert {s.value for s in query["runtime_status"]} == {"Pending", "Running", "ContinuedAsNew"}


def test_find_watcher_finds_a_jobs_watcher_by_the_job_whatever_offer_it_was_named_under() -> None:
    job = "d4261631-ad84-4a9b-9f1e-5b7e8a1c0501"
    watch = replace(watch_request(url=OPERATION_URL + "5"), target=JobTarget("contoso", "contoso-saas-a", job))
    listed = Listed(watch.instance_id, input_=json.dumps(watch.to_json()))
    cpp = watcher_of(OPERATION_URL + "6")
    directory = Directory([listed, cpp])
    assert (
        asyncio.run(live_watcher_of(directory, JobTarget("contoso", "contoso-saas-b", job.upper())))
        == OPERATION_URL + "5"
    )
    assert asyncio.run(live_watcher_of(directory, PublishTarget("contoso", "contoso-saas-b"))) is None, (
        "the CPP's: by the offer"
    )


def test_find_watcher_without_a_live_watcher_says_none() -> None:
    assert asyncio.run(live_watcher_of(Directory(), PublishTarget("contoso", "contoso-vm-offer"))) is None


def test_a_202_the_app_may_not_follow_is_recorded_as_taken_and_frees_the_offer(
    activity: Activity, documented: Any, app_env: dict[str, str]
) -> None:
    """The Partner Portal took the cancel (202) but named an operation on another origin: the record says accepted,
    not failed (its history must not invite a second cancel), and there is nothing to watch to hold the lock for."""
    documented.add_fault(Fault(method="POST", path="/cancel", operation_location="https://elsewhere.example/op/1"))
    send(activity)
    store = SqliteRecordStore(app_env["RECORD_STORE_SQLITE"])
    record = store.get("contoso", "contoso-vm-offer", cancel_request().instance_id)
    assert record is not None and (record.state, record.outcome, record.status_code) == ("sent", "accepted", 202)
    assert store.read_lock("contoso", "contoso-vm-offer") is None
    store.close()
