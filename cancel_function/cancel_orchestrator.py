"""The cancel orchestration (`cancel_orchestrator`): issue the CPP cancel once, report it, hand over to a watcher.

Whatever the target (`CancelRequest.target`: an offer's CPP publish, a configure job of the Product Ingestion API),
the cancel runs through the same steps: `send_cancel` sends it through the target's backend, and the watcher follows
what that backend says to follow.

The Slack Confirm handler and the webhook start this orchestration (instance ID `CancelRequest.instance_id`, input
`CancelRequest.to_json()`) instead of calling the CPP themselves: Slack's 3-second rule holds however long the CPP
takes, and a second click or a retried webhook delivery finds the same instance instead of cancelling twice.

    [await_approvals]                    only under a two-person rule: until the record says approved (else end)
    send_cancel                          one attempt, never retried (see below); also writes the audit record
    [find_watcher]                       only when send_cancel sent nothing: a cancel was already under way
    set_custom_status(CancelOutcome)     at once: the webhook's HTTP function answers 200/202 from it
    report_cancel   (with retry)         the channel message (+ Stop button on 202): one Slack post
    [point_to_report]                    once that message's ts is in the history: the pointer on the response_url
    start_watcher   (with retry, 202)    one watcher per operation URL; starting it again is a no-op
    -> output: CancelOutcome JSON

Why `send_cancel` is a plain call_activity: a cancel POST that timed out may have been carried out; sending it again
could act twice (a second cancel can hit the next publish). The CPP client retries only connection-refused; any
other failure - including a crashed activity - is reported as a failure whose outcome may be unknown, with the
advice to check `/cpp ops` before trying again.

An activity still runs at least once: if the host dies while the cancel POST is in flight, `send_cancel` runs again
after the restart. So it first asks the Partner Portal whether a cancel of the in-flight publish is already under way
(the one mark that survives the crash) and, if so, sends nothing; the orchestration then joins the live watcher of
that offer (a colleague's cancel) or, when there is none (its own interrupted attempt), follows the publish itself
to its end. A re-run after that cancel has already finished is not caught: see docs/reliability.md.

Why the announcement and the pointer are two activities: an activity that dies in flight runs again whole. With
both posts in one activity, a host that died while the pointer was on its way posted the announcement a second
time. Now a re-run can repeat only the one post that was in flight (see docs/reliability.md, L1).

Why the audit record is written by `send_cancel` rather than `report_cancel`: it is the code that did the act and
it runs exactly once, so the record exists even if Slack is down for good, and a retried report cannot duplicate it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Generator
from typing import Any

from cancel_function.approval_wait import approvals_gate
from cancel_function.names import FIND_WATCHER, POINT_TO_REPORT, REPORT_CANCEL, SEND_CANCEL, START_WATCHER
from cppcancel.chat import ReportResult, chat_json
from cppcancel.contracts import CancelOutcome, CancelRequest, SlackTarget, WatchRequest, watch_instance_id
from cppcancel.error_info import ErrorInfo
from cppcancel.jsonread import json_object
from cppcancel.sending import Failed, Joined, NotRepeated, SendResult, Sent, UnderWay, result_from_json
from cppcancel.targets import target_json
from cppcancel.times import iso
from durable_registration import OrchestrationContext, retry_options

# Reporting and starting the watcher are safe to repeat (the watcher start is idempotent; a duplicate channel
# message is the worst case of a report retried after it posted), so transient failures are retried.
SAFE_RETRY = retry_options(2000, 3)

UNKNOWN_OUTCOME = (
    "The cancel could not be confirmed: the step that sends it failed ({reason}). It may or may not have reached "
    "the Partner Portal."
)


def outcome_of(sent: SendResult) -> CancelOutcome:
    """What the send's result means for the callers; on 202 the watcher's instance ID is known before it starts."""
    if isinstance(sent, Sent):  # the API answered the POST
        if sent.outcome == "accepted" and sent.operation_url:
            return CancelOutcome(
                "accepted", sent.status_code, sent.operation_url, watch_instance_id(sent.operation_url)
            )
        if sent.outcome == "accepted":
            error = ErrorInfo(
                "invalid_response", "The Partner Portal accepted the cancel but named no operation to follow."
            )
            return CancelOutcome("accepted", sent.status_code, error=Failed(error))
        return CancelOutcome("cancelled", sent.status_code)
    if isinstance(sent, Joined | NotRepeated | UnderWay):
        # Nothing was sent: follow what is being cancelled - the joined cancel's operation, or the publish - until
        # `joined` finds a watcher to join. The error says why nothing was sent (joined, not repeated); histories
        # from before the record ("under way") carried none, and replay as they ran.
        why = None if isinstance(sent, UnderWay) else sent
        if sent.operation_url:
            return CancelOutcome("accepted", None, sent.operation_url, watch_instance_id(sent.operation_url), why)
        if why is not None:
            return CancelOutcome("accepted", None, error=why)
    # Failed (or "under way" naming no publish to follow, which send_cancel never wrote): the error decides.
    if sent.status_code == 202:
        # The API took the cancel but named no operation this app may follow (none at all, or one on another
        # origin): it is accepted - saying "failed" would invite a second cancel - and nobody watches it.
        return CancelOutcome("accepted", 202, error=sent)
    return CancelOutcome("failed", sent.status_code, error=sent)


def joined(outcome: CancelOutcome, watched_url: object) -> CancelOutcome:
    """A cancel that sent nothing joins the live watcher of its offer, if `find_watcher` found one."""
    if not isinstance(watched_url, str) or not watched_url:
        return outcome
    return CancelOutcome("accepted", None, watched_url, watch_instance_id(watched_url), outcome.error)


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:200] or type(exc).__name__


def cancel_orchestrator(context: OrchestrationContext) -> Generator[Any, Any, dict[str, Any]]:
    """Input: `CancelRequest` JSON. Output (and, from step 2, custom status): `CancelOutcome` JSON - or, when a
    two-person rule's approvals were withdrawn or expired, that status (`approval_wait.awaiting_status`)."""
    request = CancelRequest.from_json(json_object(context.get_input()))
    sent: SendResult | None = None
    if request.approval is not None:  # a rule with "approvals": wait for them first (approval_wait.py)
        gate = yield from approvals_gate(context, request)
        if isinstance(gate, dict):
            return gate  # withdrawn or expired: nothing is sent
        sent = gate  # None (approved: the cancel goes on), or NotRecorded
    if sent is None:
        try:
            sent = result_from_json((yield context.call_activity(SEND_CANCEL, request.to_json())))
        except Exception as exc:
            sent = Failed(ErrorInfo("unknown_outcome", UNKNOWN_OUTCOME.format(reason=_reason(exc))))
    outcome = outcome_of(sent)
    if isinstance(sent, UnderWay) or (isinstance(sent, Joined) and not outcome.operation_url):
        # Only a watcher of the same target will do (a job's watch stops something else than the offer's publish).
        try:
            watched_url = yield context.call_activity_with_retry(FIND_WATCHER, SAFE_RETRY, target_json(request.target))
        except Exception:
            watched_url = None  # no watcher could be looked up: the outcome follows the publish itself
        outcome = joined(outcome, watched_url)
    context.set_custom_status(outcome.to_json())

    report = ReportResult()
    if request.slack is not None:
        payload = {"request": request.to_json(), "outcome": outcome.to_json(), "at": iso(context.current_utc_datetime)}
        try:
            report = ReportResult.from_json(
                (yield context.call_activity_with_retry(REPORT_CANCEL, SAFE_RETRY, payload))
            )
        except Exception:
            report = ReportResult(slack_error="report_failed")  # the outcome stands; the watcher may still post
        if report.pointer_pending:
            pointer = {"channelId": request.slack.channel_id, "responseUrl": request.slack.response_url}
            pointer.update(chat_json(request.chat))
            with contextlib.suppress(Exception):  # best effort: the "requested" reply still stands, and is true
                yield context.call_activity(POINT_TO_REPORT, pointer)

    # A joiner never starts a watcher: the cancel it joined starts its own, on its own message. (Were the joiner
    # first to start it, the watcher would keep the joiner's message current and leave the holder's stale.)
    if outcome.status == "accepted" and outcome.operation_url and not isinstance(sent, Joined):
        slack = request.slack
        watch = WatchRequest(
            operation_url=outcome.operation_url,
            target=request.target,
            requester=request.requester,
            correlation_id=request.correlation_id,
            started_at=iso(context.current_utc_datetime),
            slack=SlackTarget(slack.channel_id, report.message_ts, slack.response_url) if slack else None,
            chat=request.chat,
        )
        try:
            yield context.call_activity_with_retry(START_WATCHER, SAFE_RETRY, watch.to_json())
        except Exception:
            # Nobody follows the operation: say so rather than point callers at a watcher that does not exist.
            outcome = CancelOutcome("accepted", outcome.status_code, outcome.operation_url, None, outcome.error)
            context.set_custom_status(outcome.to_json())
    return outcome.to_json()
