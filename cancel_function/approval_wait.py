"""The cancel orchestration's wait for a two-person rule's approvals: the Durable Functions human-interaction
pattern (an external event raced against a durable timer, `task_any`), with the app's record deciding.

    open_approval     (with retry)  the record: who asked (the first approval), the rule, the deadline
    ask_approval      (with retry)  the chat message with Approve / Withdraw (not posted: closed at once, below)
    loop while the record says "pending":
        custom status "awaiting_approval" (approvals so far: the webhook's status URL shows it)
        task_any([timer(min(deadline, now + RECHECK_S)), event approval_change_{k+1}])
                                        k: the record's change count when last read
        refresh_approval (with retry)   read the record (at the deadline: expire it) and rewrite the chat message
                                        (on a re-check, only if the record changed)
    -> the record: approved (the cancel goes on as for any rule), withdrawn or expired (nothing is sent)

Each click that changes the record raises the event named after its change number, so every event name is waited
for once: the Durable Python SDK 1.x hands an event that arrived before its wait to every later wait of the same name
(its `deferred_tasks` are never cleared: azure-functions-durable-python issue #507, open), which with one reused name
would wake this loop for ever. An event may
also arrive for a change already read (two clicks at once): it is never waited for, and harmless. A lost event (the
click's raise failed, or it arrived between two waits and went to the one that lost its race) costs at most
`RECHECK_S`: the loop also wakes that often and reads the record, so an approval is acted on within a minute
whether or not its event came - not only at the deadline, up to APPROVAL_TIMEOUT_S later, as a person who just
clicked Approve would otherwise wait. An approval recorded before the deadline is still approved then.

The deadline comes back from the record (a re-run of `open_approval` returns the first run's), so a host restart
during the wait resumes the same timer and the same count. The timer that lost each race is cancelled.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

from cancel_function.names import ASK_APPROVAL, OPEN_APPROVAL, REFRESH_APPROVAL
from cppcancel.approvals import ApprovalRecord, approval_event
from cppcancel.chat import ReportResult
from cppcancel.contracts import CancelRequest
from cppcancel.jsonread import json_object
from cppcancel.sending import NotRecorded
from cppcancel.targets import target_json
from cppcancel.times import iso
from durable_registration import OrchestrationContext, retry_options

APPROVAL_RETRY = retry_options(2000, 3)
# How often the wait reads the record even without an event: the most a lost event can delay a cancel (a few more
# lines of history per minute of waiting: 15 re-checks for the default 900 s).
RECHECK_S = 60.0
AWAITING_APPROVAL = "awaiting_approval"
NOT_APPROVABLE = (
    "The approvals this cancel needs could not be recorded in the app's record, so it was not sent. Try again in a "
    "minute."
)


def awaiting_status(request: CancelRequest, record: ApprovalRecord) -> dict[str, Any]:
    """The custom status while the approvals are awaited (and, with the record's final state, after)."""
    status = AWAITING_APPROVAL if record.state == "pending" else record.state
    requester = request.requester
    return {
        "status": status,
        **target_json(request.target),
        "requestedBy": requester.display,
        "requestedAt": request.requested_at,
        "approval": record.view(),
    }


def await_approvals(context: OrchestrationContext, request: CancelRequest) -> Generator[Any, Any, ApprovalRecord]:
    """Wait until the record says approved, withdrawn or expired; return it. `request.approval` is set."""
    need = request.approval
    assert need is not None
    expires = context.current_utc_datetime + timedelta(seconds=need.timeout_s)
    opened = {"request": request.to_json(), "expiresAt": iso(expires, "seconds")}
    record = ApprovalRecord.from_entity(
        json_object((yield context.call_activity_with_retry(OPEN_APPROVAL, APPROVAL_RETRY, opened)))
    )
    message_ts: str | None = None
    try:
        asked = {"request": request.to_json(), "approval": record.to_entity()}
        message_ts = ReportResult.from_json(
            (yield context.call_activity_with_retry(ASK_APPROVAL, APPROVAL_RETRY, asked))
        ).message_ts
    except Exception:
        message_ts = None
    if message_ts is None:  # nobody could be asked, so nobody can approve: closed now, not left to expire unseen
        closed = {"request": request.to_json(), "messageTs": None, "expire": True}
        try:
            record = ApprovalRecord.from_entity(
                json_object((yield context.call_activity_with_retry(REFRESH_APPROVAL, APPROVAL_RETRY, closed)))
            )
        except Exception:  # the record could not be closed: fail closed all the same, nothing is sent
            record = ApprovalRecord.from_entity({**record.to_entity(), "state": "expired"})
    deadline = record.deadline or expires
    while record.state == "pending":
        context.set_custom_status(awaiting_status(request, record))
        wake_at = min(deadline, context.current_utc_datetime + timedelta(seconds=RECHECK_S))
        timer = context.create_timer(wake_at)
        event = context.wait_for_external_event(approval_event(record.changes + 1))
        winner = yield context.task_any([timer, event])
        timed_out = winner is timer and wake_at >= deadline
        if winner is not timer:
            timer.cancel()
        refresh: dict[str, Any] = {"request": request.to_json(), "messageTs": message_ts, "expire": timed_out}
        if winner is timer and not timed_out:  # a re-check: the message is rewritten only if the record changed
            refresh["seenChanges"] = record.changes
        try:
            result = yield context.call_activity_with_retry(REFRESH_APPROVAL, APPROVAL_RETRY, refresh)
        except Exception:
            if timed_out:  # the record could not be closed: fail closed, nothing is sent
                return ApprovalRecord.from_entity({**record.to_entity(), "state": "expired"})
            continue  # the next change's event, or the deadline, tries again
        record = ApprovalRecord.from_entity(json_object(result))
    context.set_custom_status(awaiting_status(request, record))
    return record


def approvals_gate(
    context: OrchestrationContext, request: CancelRequest
) -> Generator[Any, Any, dict[str, Any] | NotRecorded | None]:
    """The cancel orchestration's step before the send: None once approved (the cancel goes on), the output to end
    with when withdrawn or expired, NotRecorded when the approvals could not be recorded (nothing is sent)."""
    try:
        approval = yield from await_approvals(context, request)
    except Exception:
        return NotRecorded(NOT_APPROVABLE)
    return None if approval.state == "approved" else awaiting_status(request, approval)
