"""Confirm: start the cancel orchestration for this confirmation - once - and say so, for whoever clicked.

Nothing here issues the CPP cancel: the cancel orchestration does, under an instance ID derived from the
confirmation's request ID, so a double click or a second person finds the same instance instead of starting another.
The policy is checked again for the person who clicks (whoever typed the command), and a confirmation older than
`CONFIRMATION_TTL` starts nothing: what is in flight may have changed since it was shown.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from cppcancel.contracts import CANCEL_ORCHESTRATOR, CancelRequest, SlackTarget, cancel_instance_id
from slack_app import blocks, mrkdwn
from slack_app.actions import CancelTicket
from slack_app.attempt import iso, now
from slack_app.durable_port import DurableGateway
from slack_app.listeners.frame import Click

log = logging.getLogger(__name__)

# A confirmation shows what was in flight when it was asked for; confirming it much later could stop a different,
# newer publish. (Slack's response_url, through which Confirm answers, lasts 30 minutes anyway.)
CONFIRMATION_TTL = timedelta(minutes=15)
_CLOCK_SKEW = timedelta(minutes=5)


def _fresh(ticket: CancelTicket) -> bool:
    asked_at = mrkdwn.parse_time(ticket.asked_at)
    return asked_at is not None and -_CLOCK_SKEW < now() - asked_at < CONFIRMATION_TTL


def confirm_cancel(click: Click) -> None:
    ticket = click.ticket()
    p, o = click.attempt.offer
    refusal = click.refusal()  # the clicker, whoever typed the command
    if refusal is not None:
        click.say(refusal, replace_original=False)
        return
    durable = click.durable
    instance_id = cancel_instance_id("slack", ticket.request_id)
    if _already_requested(click, durable, instance_id, replace_original=False):
        return
    if not _fresh(ticket):
        click.attempt.record("allowed", "expired", reason=f"confirmation shown at {ticket.asked_at}")
        click.say(blocks.expired_confirmation_message(p, o, ticket.asked_at), replace_original=True)
        return
    asked = now()
    caller = click.attempt.who
    request = CancelRequest(
        request_id=ticket.request_id,
        source="slack",
        publisher_id=p,
        offer_id=o,
        requester=caller.requester(),
        correlation_id=click.attempt.ref,
        requested_at=iso(asked),
        notification_emails=ticket.notify,
        slack=SlackTarget(caller.channel_id, response_url=click.response_url) if caller.channel_id else None,
    )
    try:
        durable.start(CANCEL_ORCHESTRATOR, instance_id, request.to_json())
    except Exception as exc:
        # Azure (overridableExistingInstanceStates) and the dev host refuse a second start of a live ID.
        log.info("start of %s refused (%s), checking it (ref %s)", instance_id, type(exc).__name__, click.attempt.ref)
        if _already_requested(click, durable, instance_id, replace_original=True):
            return
        log.error("could not start %s (ref %s): %s", instance_id, click.attempt.ref, exc)
        click.attempt.record("allowed", "failed", reason="the cancel orchestration could not be started")
        click.say(blocks.start_failed_message(p, o, click.attempt.ref), replace_original=True)
        return
    # Said only once the orchestration exists: a host that dies in between must never leave "requested" standing
    # over a cancel that was not started. The orchestration's own answer on this response_url comes after the
    # cancel POST, so this reply is in practice long there before it.
    click.say(blocks.requested_message(p, o, caller.user_id, asked), replace_original=True)
    click.attempt.record("allowed", "requested")


def _already_requested(click: Click, durable: DurableGateway, instance_id: str, *, replace_original: bool) -> bool:
    """Whether this confirmation's orchestration exists already; if so, say by whom and when (audited).

    Fails closed: when the status cannot be read, nothing is started. NonRunningStates refuses a second start
    only while an instance is live - a finished one would be replaced and the cancel sent again.
    """
    attempt = click.attempt
    p, o = attempt.offer
    try:
        existing = durable.status(instance_id)
    except Exception as exc:
        log.warning("status of %s unavailable (ref %s): %s", instance_id, attempt.ref, type(exc).__name__)
        attempt.record("allowed", "failed", reason="the state of this confirmation could not be read")
        click.say(blocks.start_failed_message(p, o, attempt.ref), replace_original=replace_original)
        return True
    if existing is None:
        return False
    by, at = None, iso(existing.created_at) if existing.created_at else None
    earlier = existing.cancel_request()
    if earlier is not None:
        by, at = earlier.requester.user_id, earlier.requested_at or at
    attempt.record("allowed", "already_requested")
    click.say(blocks.already_requested_message(p, o, by, at), replace_original=replace_original)
    return True
