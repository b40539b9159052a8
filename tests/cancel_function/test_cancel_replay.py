"""`cancel_orchestrator` through the real SDK replay: 200, 202 (hand-over to a watcher), errors, and failures."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from backends.http.errors import ApiTimeout, Forbidden
from backends.http.operation import CancelResult
from cancel_function.names import POINT_TO_REPORT, REPORT_CANCEL, SEND_CANCEL, START_WATCHER
from cppcancel.contracts import CancelOutcome, WatchRequest, watch_instance_id
from devhost.durable.replay import OrchestratorFn
from tests.cancel_function.conftest import cancel_request
from tests.conftest import CHANNEL
from tests.poll_function.operations import OPERATION_URL
from tests.poll_function.stepper import Stepper

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
WATCH_ID = watch_instance_id(OPERATION_URL)


def start(fn: OrchestratorFn, *, slack: bool = True) -> Stepper:
    request = cancel_request(slack=slack, response_url="https://hooks.slack.test/r1" if slack else None)
    stepper = Stepper(fn, "cancel_orchestrator", request.to_json(), T0, request.instance_id)
    _, payload = stepper.activity(SEND_CANCEL)
    assert payload == request.to_json()
    return stepper


def sent(result: CancelResult) -> dict[str, Any]:
    return {"ok": True, "result": result.to_json()}


def test_a_synchronous_cancel_is_reported_and_not_watched(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    s.complete(sent(CancelResult("cancelled", 200)))
    expected = CancelOutcome("cancelled", 200).to_json()
    assert s.turn.custom_status == expected  # visible to the webhook before the report is even posted
    call, payload = s.activity(REPORT_CANCEL)
    assert call.max_attempts == 3
    assert payload["outcome"] == expected and payload["at"] == "2026-11-25T10:00:00Z"
    s.complete({"messageTs": "1.1", "deliveredVia": "channel"})
    assert s.turn.done and s.turn.output == expected
    assert s.trace == [SEND_CANCEL, REPORT_CANCEL]


def test_an_accepted_cancel_hands_over_to_one_watcher_of_its_operation(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    s.complete(sent(CancelResult("accepted", 202, OPERATION_URL)), took_s=2)
    expected = CancelOutcome("accepted", 202, OPERATION_URL, WATCH_ID).to_json()
    assert s.turn.custom_status == expected
    s.complete({"messageTs": "1700.42", "deliveredVia": "channel"}, REPORT_CANCEL)
    call, payload = s.activity(START_WATCHER)
    assert call.max_attempts == 3
    watch = WatchRequest.from_json(payload)
    assert watch.instance_id == WATCH_ID and watch.operation_url == OPERATION_URL
    assert watch.started_at == "2026-11-25T10:00:02Z"
    assert watch.slack is not None
    assert (watch.slack.channel_id, watch.slack.message_ts) == (CHANNEL, "1700.42")  # the message to keep updating
    assert watch.requester.user_id == "U0ALICE" and watch.state == {}
    s.complete(WATCH_ID)
    assert s.turn.done and s.turn.output == expected
    assert s.trace == [SEND_CANCEL, REPORT_CANCEL, START_WATCHER]


def test_the_pointer_is_a_step_of_its_own_after_the_announcements_ts_is_in_the_history(
    cancel_fn: OrchestratorFn,
) -> None:
    """A re-run can repeat only the one post that was in flight: the announcement (report_cancel) and the pointer
    on the response_url (point_to_report) are two activities, the pointer scheduled once the ts is recorded."""
    s = start(cancel_fn)
    s.complete(sent(CancelResult("accepted", 202, OPERATION_URL)))
    s.complete({"messageTs": "1700.42", "deliveredVia": "channel", "pointerPending": True}, REPORT_CANCEL)
    call, payload = s.activity(POINT_TO_REPORT)
    assert call.max_attempts == 1  # best effort: never retried, never fails the cancel
    assert payload == {"channelId": CHANNEL, "responseUrl": "https://hooks.slack.test/r1"}
    s.fail("Slack is down", POINT_TO_REPORT)  # the "requested" reply still stands, and is true
    _, watch = s.activity(START_WATCHER)
    assert WatchRequest.from_json(watch).slack.message_ts == "1700.42"  # type: ignore[union-attr]
    s.complete(WATCH_ID)
    assert s.turn.done and s.trace == [SEND_CANCEL, REPORT_CANCEL, f"{POINT_TO_REPORT}!", START_WATCHER]


def test_a_refused_cancel_is_reported_with_the_error(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    error = Forbidden("No access to publisher 'contoso'.", status_code=403, api_message="Forbidden").to_json()
    s.complete({"ok": False, "error": error})
    expected = CancelOutcome("failed", 403, error=error).to_json()
    assert s.turn.custom_status == expected
    s.complete({"messageTs": "1.2"}, REPORT_CANCEL)
    assert s.turn.output == expected and s.trace == [SEND_CANCEL, REPORT_CANCEL]


def test_a_timed_out_cancel_is_not_sent_again(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    s.complete({"ok": False, "error": ApiTimeout("No answer in time.").to_json()})
    s.complete({"messageTs": None}, REPORT_CANCEL)
    assert s.turn.output["status"] == "failed" and s.turn.output["error"]["code"] == "timeout"
    assert s.trace.count(SEND_CANCEL) == 1


def test_a_crashed_send_is_an_unknown_outcome_and_is_never_retried(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    s.fail("Worker process exited", SEND_CANCEL)
    assert not s.turn.timers  # no retry timer: a second POST could act twice
    outcome = s.turn.custom_status
    assert outcome["status"] == "failed" and outcome["error"]["code"] == "unknown_outcome"
    assert "may or may not have reached the Partner Portal" in outcome["error"]["message"]
    s.complete({"messageTs": "1.3"}, REPORT_CANCEL)
    assert s.trace == ["send_cancel!", REPORT_CANCEL]


def test_a_webhook_cancel_is_not_reported_to_slack_but_still_watched(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn, slack=False)
    s.complete(sent(CancelResult("accepted", 202, OPERATION_URL)))
    _, payload = s.activity(START_WATCHER)
    assert WatchRequest.from_json(payload).slack is None
    s.complete(WATCH_ID)
    assert s.turn.output["watchInstanceId"] == WATCH_ID and s.trace == [SEND_CANCEL, START_WATCHER]


def test_a_report_that_keeps_failing_does_not_stop_the_watcher(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    s.complete(sent(CancelResult("accepted", 202, OPERATION_URL)))
    for _ in range(3):
        s.fail("Slack is down", REPORT_CANCEL)
        s.fire()
    _, payload = s.activity(START_WATCHER)
    watch = WatchRequest.from_json(payload)
    assert watch.slack is not None and watch.slack.message_ts is None  # the watcher posts its own message
    s.complete(WATCH_ID)
    assert s.turn.output["status"] == "accepted"


def test_a_watcher_that_cannot_be_started_is_not_claimed(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    s.complete(sent(CancelResult("accepted", 202, OPERATION_URL)))
    s.complete({"messageTs": "1.4"}, REPORT_CANCEL)
    for _ in range(3):
        s.fail("durable API unreachable", START_WATCHER)
        s.fire()
    expected = CancelOutcome("accepted", 202, OPERATION_URL, None).to_json()
    assert s.turn.done and s.turn.output == expected and s.turn.custom_status == expected
