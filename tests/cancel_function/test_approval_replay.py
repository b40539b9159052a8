"""`cancel_orchestrator` under a two-person rule, through the real SDK replay: the wait for approvals (an external
event raced against a durable timer), what the record says deciding, and a rule without approvals untouched."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from backends.http.operation import CancelResult
from cancel_function.approval_wait import RECHECK_S
from cancel_function.names import ASK_APPROVAL, OPEN_APPROVAL, REFRESH_APPROVAL, REPORT_CANCEL, SEND_CANCEL
from cppcancel.approvals import Approval, ApprovalNeed, ApprovalRecord, approval_event
from devhost.durable.replay import OrchestratorFn
from tests.cancel_function.conftest import cancel_request
from tests.poll_function.stepper import Stepper

T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
ALICE = Approval("slack:U0ALICE", "alice", "2026-11-25T10:00:00Z", "U0ALICE")
BOB = Approval("slack:U0BOB", "bob", "2026-11-25T10:01:00Z", "U0BOB")
CAROL = Approval("slack:U0CAROL", "carol", "2026-11-25T10:02:00Z", "U0CAROL")


def pending(required: int = 2) -> ApprovalRecord:
    return ApprovalRecord(
        instance_id="cancel-slack-x",
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        requested_by=ALICE.key,
        required=required,
        rule="r1",
        expires_at="2026-11-25T10:15:00Z",
        approvals=(ALICE,),
    )


def with_approvals(record: ApprovalRecord, *more: Approval) -> ApprovalRecord:
    approvals = (*record.approvals, *more)
    state = "approved" if len(approvals) >= record.required else "pending"
    return replace(record, approvals=approvals, state=state, changes=record.changes + len(more))


def start(fn: OrchestratorFn, required: int = 2) -> Stepper:
    """Confirmed by Alice under a rule of `required` approvals: the record opened, the request asked in the channel."""
    request = replace(cancel_request(), approval=ApprovalNeed(required, "r1", 900.0))
    s = Stepper(fn, "cancel_orchestrator", request.to_json(), T0, request.instance_id)
    call, opened = s.activity(OPEN_APPROVAL)
    assert call.max_attempts == 3 and opened["expiresAt"] == "2026-11-25T10:15:00Z"
    assert opened["request"]["approval"] == {"required": required, "rule": "r1", "timeoutS": 900.0}
    s.complete(pending(required).to_entity())
    _, asked = s.activity(ASK_APPROVAL)
    assert asked["approval"]["state"] == "pending"
    s.complete({"messageTs": "1700.1", "deliveredVia": "channel"})
    return s


def waiting(s: Stepper) -> dict[str, Any]:
    """The orchestration waits on an event and a timer - the next re-check, or the deadline when it is nearer; its
    custom status says for what."""
    assert s.timer() == min(RECHECK_S, 900 - (s.now - T0).total_seconds())
    status: dict[str, Any] = s.turn.custom_status
    assert status["status"] == "awaiting_approval"
    return status


def refreshed(s: Stepper, record: ApprovalRecord, *, expire: bool = False, seen: int | None = None) -> None:
    """The record read (`seen`: on a re-check, the change count the loop knew, so an unchanged message is left)."""
    _, payload = s.activity(REFRESH_APPROVAL)
    assert payload["expire"] is expire and payload["messageTs"] == "1700.1"
    assert payload.get("seenChanges") == seen
    s.complete(record.to_entity())


def recheck_until_the_deadline(s: Stepper, record: ApprovalRecord) -> None:
    """Fire every re-check before the deadline, the record unchanged each time (pending, as it was)."""
    while s.timer() < 900 - (s.now - T0).total_seconds():
        s.fire()
        refreshed(s, record, seen=record.changes)


def test_one_confirm_sends_nothing_until_the_record_says_a_second_person_approved(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    status = waiting(s)
    assert status["approval"]["approvals"][0]["userId"] == "U0ALICE" and status["approval"]["stillNeeded"] == 1
    s.raise_event(approval_event(1), {}, after_s=30)
    assert not s.pending_timers, "the timer that lost the race is cancelled"
    refreshed(s, with_approvals(pending(), BOB))
    s.activity(SEND_CANCEL)
    s.complete({"ok": True, "result": CancelResult("cancelled", 200).to_json()})
    s.complete({"messageTs": "1.1", "deliveredVia": "channel"}, REPORT_CANCEL)
    assert s.turn.done and s.turn.output["status"] == "cancelled"
    assert s.trace == [
        OPEN_APPROVAL,
        ASK_APPROVAL,
        "event approval_change_1",
        REFRESH_APPROVAL,
        SEND_CANCEL,
        REPORT_CANCEL,
    ]


def test_larger_numbers_wait_for_each_change_by_its_own_name(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn, required=3)
    waiting(s)
    s.raise_event(approval_event(1), {}, after_s=30)
    refreshed(s, with_approvals(pending(3), BOB))
    assert waiting(s)["approval"]["stillNeeded"] == 1
    s.raise_event(approval_event(1), {}, after_s=1)  # a repeated nudge for a change already read wakes nothing
    assert not s.turn.activities
    s.raise_event(approval_event(2), {}, after_s=1)
    refreshed(s, with_approvals(pending(3), BOB, CAROL))
    s.activity(SEND_CANCEL)


def test_an_event_that_arrives_before_its_wait_wakes_the_loop_once(cancel_fn: OrchestratorFn) -> None:
    """The SDK keeps an event raised before its wait and hands it to every later wait of that name: each change has
    a name of its own, so the loop reads the record once and then waits again."""
    request = replace(cancel_request(), approval=ApprovalNeed(3, "r1", 900.0))
    s = Stepper(cancel_fn, "cancel_orchestrator", request.to_json(), T0, request.instance_id)
    s.complete(pending(3).to_entity(), OPEN_APPROVAL)
    s.orch.raise_event(approval_event(1), "{}", s.now)  # Bob approved while the message was being posted
    s.complete({"messageTs": "1700.1"}, ASK_APPROVAL)
    refreshed(s, with_approvals(pending(3), BOB))
    waiting(s)  # and no further read: the loop does not spin on the kept event


def test_the_timeout_sends_nothing_and_says_so(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    waiting(s)
    recheck_until_the_deadline(s, pending())
    assert s.now == T0 + timedelta(seconds=900 - RECHECK_S), "a re-check a minute, then the deadline"
    s.fire()
    refreshed(s, replace(pending(), state="expired", changes=1), expire=True)
    assert s.turn.done and s.turn.output["status"] == "expired" and s.turn.custom_status["status"] == "expired"
    assert SEND_CANCEL not in s.trace


def test_an_approval_whose_event_was_lost_is_acted_on_at_the_next_recheck(cancel_fn: OrchestratorFn) -> None:
    """A person who clicked Approve must not wait for the deadline (up to APPROVAL_TIMEOUT_S) when the click's event
    never arrived: the next re-check, at most RECHECK_S later, reads the record and sends."""
    s = start(cancel_fn)
    started = s.now
    s.fire()  # Bob's event was lost, but the record holds his approval
    assert s.now - started == timedelta(seconds=RECHECK_S)
    refreshed(s, with_approvals(pending(), BOB), seen=0)
    s.activity(SEND_CANCEL)


def test_an_approval_recorded_before_the_deadline_wins_over_the_timer(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    recheck_until_the_deadline(s, pending())
    s.fire()  # Bob approved in the last minute and his event was lost: the deadline's read finds it
    refreshed(s, with_approvals(pending(), BOB), expire=True)
    s.activity(SEND_CANCEL)


def test_a_withdrawn_request_ends_without_sending(cancel_fn: OrchestratorFn) -> None:
    s = start(cancel_fn)
    s.raise_event(approval_event(1), {}, after_s=5)
    refreshed(s, replace(pending(), state="withdrawn", changes=1, closed_by="alice"))
    assert s.turn.done and s.turn.output["status"] == "withdrawn"
    assert s.turn.output["approval"]["withdrawnBy"] == "alice" and SEND_CANCEL not in s.trace


def test_a_restart_during_the_wait_resumes_it_and_still_needs_the_approval(cancel_fn: OrchestratorFn) -> None:
    s = Stepper.restored(start(cancel_fn))
    assert len(s.pending_timers) == 1 and s.pending_timers[0].fire_at == s.now + timedelta(seconds=RECHECK_S)
    s.raise_event(approval_event(1), {}, after_s=120)
    refreshed(s, with_approvals(pending(), BOB))
    s.activity(SEND_CANCEL)


def test_a_record_that_cannot_be_opened_sends_nothing(cancel_fn: OrchestratorFn) -> None:
    request = replace(cancel_request(), approval=ApprovalNeed(2, "r1", 900.0))
    s = Stepper(cancel_fn, "cancel_orchestrator", request.to_json(), T0, request.instance_id)
    for _ in range(3):
        s.fail("the record store is down", OPEN_APPROVAL)
        if s.turn.timers:
            s.fire()
    assert s.turn.custom_status["error"]["code"] == "not_recorded"  # the webhook answers 503 not_recorded
    s.complete({"messageTs": "1.1"}, REPORT_CANCEL)  # and the channel is told nothing was sent
    assert s.turn.done and s.turn.output["status"] == "failed" and SEND_CANCEL not in s.trace


def test_after_a_quiet_recheck_the_same_change_is_still_waited_for(cancel_fn: OrchestratorFn) -> None:
    """A re-check that found nothing new waits for the same change again: the event that comes later wakes it."""
    s = start(cancel_fn)
    s.fire()
    refreshed(s, pending(), seen=0)
    waiting(s)
    s.raise_event(approval_event(1), {}, after_s=10)
    refreshed(s, with_approvals(pending(), BOB))
    s.activity(SEND_CANCEL)


def test_an_event_that_comes_while_a_recheck_reads_costs_at_most_one_more_recheck(cancel_fn: OrchestratorFn) -> None:
    """Bob's event lands while a re-check's read is running (the read began before his approval)."""
    s = start(cancel_fn)
    s.fire()
    s.orch.raise_event(approval_event(1), "{}", s.now)  # arrives before the loop waits for it again
    refreshed(s, pending(), seen=0)
    # The SDK hands the event to the wait that lost the last race (its tasks of one name are a stack): nothing wakes
    # now, and the next re-check - a minute later, not the deadline - reads Bob's approval in the record.
    assert not s.turn.activities and s.timer() == RECHECK_S
    s.fire()
    refreshed(s, with_approvals(pending(), BOB), seen=0)
    s.activity(SEND_CANCEL)


def _asked_nobody(s: Stepper) -> None:
    """Nobody can approve a request that could not be posted: the record is closed at once, nothing waits for it."""
    _, payload = s.activity(REFRESH_APPROVAL)
    assert payload["expire"] is True and payload["messageTs"] is None
    assert not s.turn.timers, "no wait for approvals that cannot come"
    s.complete(replace(pending(), state="expired", changes=1).to_entity())
    assert s.turn.done and s.turn.output["status"] == "expired" and SEND_CANCEL not in s.trace


def test_a_request_the_channel_refused_is_closed_at_once(cancel_fn: OrchestratorFn) -> None:
    request = replace(cancel_request(), approval=ApprovalNeed(2, "r1", 900.0))
    s = Stepper(cancel_fn, "cancel_orchestrator", request.to_json(), T0, request.instance_id)
    s.complete(pending().to_entity(), OPEN_APPROVAL)
    s.complete({"messageTs": None, "deliveredVia": "response_url", "slackError": "not_in_channel"}, ASK_APPROVAL)
    _asked_nobody(s)
    assert s.now == T0, "closed without waiting for the deadline"


def test_a_request_that_could_not_be_posted_at_all_is_closed_at_once(cancel_fn: OrchestratorFn) -> None:
    request = replace(cancel_request(), approval=ApprovalNeed(2, "r1", 900.0))
    s = Stepper(cancel_fn, "cancel_orchestrator", request.to_json(), T0, request.instance_id)
    s.complete(pending().to_entity(), OPEN_APPROVAL)
    for _ in range(3):  # the activity's retries, all failing
        s.fail("Slack is down", ASK_APPROVAL)
        if s.turn.timers and not s.turn.activities:
            s.fire()
    _asked_nobody(s)
