"""Confirm: start the cancel orchestration for this confirmation - once - and say so, for whoever clicked.

Nothing here issues the CPP cancel: the cancel orchestration does, started through the one start-once service
(`cppcancel.start_cancel.CancelStarter`, as `click.cancels`) under an instance ID derived from the confirmation's
request ID, so a double click or a second person finds the same instance instead of starting another. The policy is
checked again for the person who clicks (whoever typed the command) - for a configure job, with the job's own offer
(`targets.refusal`) - and a confirmation older than
`CONFIRMATION_TTL` starts nothing: what is in flight may have changed since it was shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from cppcancel.approvals import ApprovalNeed
from cppcancel.contracts import CancelRequest, SlackTarget, Source, cancel_instance_id
from cppcancel.start_cancel import AlreadyRequested, NotStarted, Started, StartResult, StatusUnreadable
from cppcancel.targets import Target
from cppcancel.times import iso, parse_iso, utc_now
from slack_app import approval_message, replies
from slack_app.actions import CancelTicket
from slack_app.listeners import targets
from slack_app.listeners.frame import Click

log = logging.getLogger(__name__)

# A confirmation shows what was in flight when it was asked for; confirming it much later could stop a different,
# newer publish. (Slack's response_url, through which Confirm answers, lasts 30 minutes anyway.)
CONFIRMATION_TTL = timedelta(minutes=15)
_CLOCK_SKEW = timedelta(minutes=5)


# The cancel orchestration's input for a click on a ticket, at a time: where the cancel answers, in which chat.
RequestFor = Callable[[Click, CancelTicket, datetime], CancelRequest]


def confirm_cancel(click: Click) -> None:
    confirm(click, _request, "slack")


def confirm(click: Click, request_for: RequestFor, source: Source) -> None:
    """Confirm for any chat: `request_for` says where the cancel answers; `source` keys its instance ID."""
    ticket = click.ticket()
    # The clicker, whoever typed the command; and the target's own rule (a job still belongs to the offer), for them.
    refusal = click.refusal() or targets.refusal(click.rt, click.attempt, ticket.target)
    if refusal is not None:
        click.say(refusal, replace_original=False)
        return
    instance_id = cancel_instance_id(source, ticket.request_id)
    if not fresh(ticket):  # start nothing; but a confirmation that was acted on still says by whom
        found = click.cancels.find(instance_id)
        if found is not None:
            _answer(click, found, utc_now(), ticket.target)
            return
        p, o = click.attempt.offer
        click.attempt.record("allowed", "expired", reason=f"confirmation shown at {ticket.asked_at}")
        click.say(replies.expired_confirmation_message(p, o, ticket.asked_at), replace_original=True)
        return
    asked = utc_now()
    # What the clicker's rule asks beyond this Confirm (a two-person rule), whichever chat the request answers in.
    request = replace(request_for(click, ticket, asked), approval=_need(click))
    _answer(click, click.cancels.start_once(instance_id, request), asked, request)


def fresh(ticket: CancelTicket) -> bool:
    asked_at = parse_iso(ticket.asked_at)
    return asked_at is not None and -_CLOCK_SKEW < utc_now() - asked_at < CONFIRMATION_TTL


def _need(click: Click) -> ApprovalNeed | None:
    """What the clicker's rule asks beyond this Confirm (`"approvals"`): None when one person suffices."""
    verdict = click.attempt.verdict
    if verdict is None or verdict.approvals < 2 or verdict.rule is None:
        return None
    return ApprovalNeed(verdict.approvals, verdict.rule, click.rt.settings.approval_timeout_s)


def _request(click: Click, ticket: CancelTicket, at: datetime) -> CancelRequest:
    """The cancel orchestration's input: the confirmation, confirmed by whoever clicked, answering on this click."""
    caller = click.attempt.who
    return CancelRequest(
        request_id=ticket.request_id,
        source="slack",
        target=ticket.target,
        requester=caller.requester(),
        correlation_id=click.attempt.ref,
        requested_at=iso(at, "seconds"),
        notification_emails=ticket.notify,
        slack=SlackTarget(caller.channel_id, response_url=click.response_url) if caller.channel_id else None,
    )


def _answer(click: Click, result: StartResult, asked: datetime, request: CancelRequest | Target) -> None:
    """Say what the start-once service did (audited; `asked`: when this click asked). The confirmation is replaced
    when this click's own start was decided, and left standing when an earlier one had decided it."""
    attempt = click.attempt
    p, o = attempt.offer
    target = request.target if isinstance(request, CancelRequest) else request
    need = request.approval if isinstance(request, CancelRequest) else None
    if isinstance(result, Started):
        # Said only once the orchestration exists: a host that dies in between must never leave "requested"
        # standing over a cancel that was not started. The orchestration's own answer on this response_url comes
        # after the cancel POST, so this reply is in practice long there before it.
        if need is not None:  # a two-person rule: this Confirm is the first approval, nothing is sent yet
            message = approval_message.awaiting_message(target, need.required, attempt.who.channel_id)
        else:
            message = replies.requested_message(target, attempt.who.user_id, asked)
        click.say(message, replace_original=True)
        attempt.record("allowed", "requested", reason=f"{need.required} approvals needed" if need else None)
    elif isinstance(result, AlreadyRequested):
        attempt.record("allowed", "already_requested")
        message = replies.already_requested_message(p, o, result.by_user_id, result.at)
        click.say(message, replace_original=result.after_refused_start)
    elif isinstance(result, StatusUnreadable):
        why = type(result.error).__name__
        log.warning("status of %s unavailable (ref %s): %s", result.instance_id, attempt.ref, why)
        attempt.record("allowed", "failed", reason="the state of this confirmation could not be read")
        click.say(replies.start_failed_message(p, o, attempt.ref), replace_original=result.after_refused_start)
    else:
        assert isinstance(result, NotStarted)
        log.error("could not start %s (ref %s): %s", result.instance_id, attempt.ref, result.error)
        attempt.record("allowed", "failed", reason="the cancel orchestration could not be started")
        click.say(replies.start_failed_message(p, o, attempt.ref), replace_original=True)
