"""The command answers that need the Partner Portal - `/cpp ops`, `/cpp status`, the `/cpp cancel` confirmation -
inline when the reads fit before the ack's deadline, else acked at once and delivered later.

The deadline is the attempt's (`slack_app.deadline`: the earlier of the handler's budget and Slack's send time plus
the same budget). The reads get what is left of it less `DEFER_RESERVE_S`; when that is too little to try, or the
reads run out of time (the list, or the steps of the operation in focus), the answer is handed to the durable
follow-up (`slack_app.later`) and the ack says "Looking up…". Should the follow-up not start (no response_url, no
durable client, the start failed), the person gets what the inline read could give, as before: a confirmation that
says what could not be checked, or the timeout explained. In the warm, fast case nothing changes: one inline
answer.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from backends.http import errors
from cppcancel.start_cancel import DurableClient
from slack_app import deadline, later, offers, replies
from slack_app.actions import CancelTicket
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.listeners import job_command
from slack_app.listeners.confirmation import confirmation_reply
from slack_app.runtime import Runtime

log = logging.getLogger(__name__)

NO_TIME = "There was no time left to ask the Partner Portal within Slack's 3-second limit."


@dataclass(frozen=True)
class Ask:
    """One question for the Partner Portal and where its answer may go later."""

    kind: later.Kind
    command: str  # the slash command's name, for usage lines
    response_url: str | None
    ticket: CancelTicket | None = None  # for "cancel"


def render(rt: Runtime, attempt: Attempt, ask: Ask, found: offers.OfferView | errors.ApiError) -> Message:
    """The answer for what the reads found (audited): the same inline and in the follow-up. `/cpp ops` lists the
    offer's registered configure jobs still running below it, whatever the CPP said."""
    p, o = attempt.offer
    if ask.kind == "cancel":
        assert ask.ticket is not None, "a confirmation needs its ticket"
        return confirmation_reply(attempt, ask.ticket, found)
    if isinstance(found, errors.ApiError):
        attempt.record("allowed", "failed", status_code=found.status_code, reason=found.describe())
        failed = replies.cpp_error_message(p, o, found, attempt.ref)
        return job_command.with_registered_jobs(rt, attempt, failed) if ask.kind == "ops" else failed
    attempt.record("allowed", "shown", status_code=200)
    if ask.kind == "ops":
        listed = replies.ops_message(p, o, found.listed(), command=ask.command, ref=attempt.ref)
        return job_command.with_registered_jobs(rt, attempt, listed)
    return replies.status_message(p, o, found.focus, command=ask.command, ref=attempt.ref)


def answer(rt: Runtime, attempt: Attempt, ask: Ask, durable: DurableClient | None) -> Message:
    """Inline if the reads fit, else "Looking up…" now and the answer through the response_url."""
    p, o = attempt.offer
    found: offers.OfferView | errors.ApiError = errors.ApiTimeout(NO_TIME)
    read_by = deadline.read_deadline(attempt.deadline, time.monotonic())
    if read_by is not None:
        try:
            found = offers.read_offer(rt.cpp, p, o, deadline=read_by)
        except errors.ApiTimeout as exc:
            found = exc
        except errors.ApiError as exc:  # a real answer (403, 404, 5xx...): waiting longer would not change it
            return render(rt, attempt, ask, exc)
        if isinstance(found, offers.OfferView) and not found.incomplete:
            return render(rt, attempt, ask, found)
    acked = defer(attempt, ask, durable)
    return acked if acked is not None else render(rt, attempt, ask, found)


def defer(attempt: Attempt, ask: Ask, durable: DurableClient | None) -> Message | None:
    """Start the durable follow-up and return the "Looking up…" ack (audited), or None when it could not start."""
    p, o = attempt.offer
    if ask.response_url is None or durable is None:
        return None
    request = later.LaterRequest(
        kind=ask.kind,
        command=ask.command,
        publisher_id=p,
        offer_id=o,
        caller=attempt.who,
        ref=attempt.ref,
        response_url=ask.response_url,
        sent_at=attempt.sent_at,
        ticket=ask.ticket,
    )
    timeout = deadline.start_timeout(attempt.deadline, time.monotonic())
    try:
        instance = later.instance_id(attempt.ref)
        durable.start(later.ANSWER_LATER_ORCHESTRATOR, instance, request.to_json(), timeout_s=timeout)
    except Exception as exc:  # answered inline instead, with what there is
        log.warning("the follow-up of ref %s could not be started: %s", attempt.ref, type(exc).__name__)
        return None
    attempt.record("allowed", "deferred", reason="the Partner Portal was too slow for the ack: answering later")
    return later.looking_up_message(p, o, attempt.ref)
