"""The command answers that read a marketplace API - `/cpp ops`, `/cpp status`, the `/cpp cancel` confirmation, of
any target - inline when the read fits before the ack's deadline, else acked at once and delivered later.

The read is the target's backend's (`Backend.look`); the answer is rendered in the presentation its words choose
(`Wording.look`: an offer's operations, as the CPP shows a publish, or the target's own status, as the Product
Ingestion API shows a configure job) - the same path for every API, deferred alike. The deadline is the attempt's
(`slack_app.deadline`: the earlier of the handler's budget and Slack's send time plus the same budget). The read gets
what is left of it less `DEFER_RESERVE_S`, and at most `READ_BUDGET_S`; when that is too little to try, or the read
runs out of time (the list, or the steps of the operation in focus), the answer is handed to the durable follow-up
(`slack_app.later`) and the ack says "Looking up…". Should the follow-up not start (no response_url, no durable
client, the start failed), the person gets what the inline read could give: a confirmation that says what could not
be checked, or the timeout explained. In the warm, fast case nothing changes: one inline answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from backends.base import Look, Running
from backends.http import errors
from backends.registry import backend_for, every_backend, wording_for
from cppcancel.targets import Target
from slack_app import deadline, replies, target_replies
from slack_app.actions import CancelTicket
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.listeners.confirmation import confirmation_reply
from slack_app.mrkdwn import MAX_BLOCKS
from slack_app.runtime import Runtime

if TYPE_CHECKING:
    from cppcancel.start_cancel import DurableClient
    from slack_app import later

log = logging.getLogger(__name__)

NO_TIME = "There was no time left to ask the API within Slack's 3-second limit."
READ_BUDGET_S = 2.0  # everything an API may take inside one Slack request

Found = Look | errors.ApiError


@dataclass(frozen=True)
class Ask:
    """One question about a target and where its answer may go later. `fallback`: what to answer instead when the
    target turns out to have ended (a bare `/cpp cancel` that picked a registered job: the offer's publish)."""

    kind: later.Kind
    command: str  # the slash command's name, for usage lines
    response_url: str | None
    target: Target
    ticket: CancelTicket | None = None  # for "cancel"
    fallback: Callable[[], Message] | None = None


def offer_running(rt: Runtime, attempt: Attempt) -> list[Running]:
    """What the offer's APIs know to be running (registered jobs, a listed submission in flight)."""
    p, o = attempt.offer
    return [known for backend in every_backend() for known in backend.running(rt.settings, p, o)]


def with_running(rt: Runtime, attempt: Attempt, reply: Message, running: list[Running] | None = None) -> Message:
    """`/cpp ops`: the answer, and below it the offer's targets its APIs know to be running."""
    running = offer_running(rt, attempt) if running is None else running
    if not running:
        return reply
    blocks = target_replies.running_blocks(running)
    body = [*reply.blocks[:-1], *blocks, *reply.blocks[-1:]]
    words = wording_for(running[0].target)
    count = f"{len(running)} registered {words.noun}(s) running." if running[0].detail is None else ""
    count = count or f"{len(running)} {words.noun}(s) in flight on {words.service}."
    return Message(f"{reply.text} {count}", tuple(body[:MAX_BLOCKS]))


def _status(attempt: Attempt, ask: Ask, found: Found) -> Message:
    p, o = attempt.offer
    by_operations = wording_for(ask.target).look == "ops"
    if isinstance(found, errors.ApiError):
        attempt.record("allowed", "failed", status_code=found.status_code, reason=found.describe())
        if by_operations:
            return replies.cpp_error_message(p, o, found, attempt.ref)
        return target_replies.error_message(ask.target, found, attempt.ref)
    attempt.record("allowed", "shown", status_code=200)
    if by_operations:
        return replies.status_message(p, o, found.focus, command=ask.command, ref=attempt.ref)
    return target_replies.status_message(ask.target, found, command=ask.command, ref=attempt.ref)


def render(rt: Runtime, attempt: Attempt, ask: Ask, found: Found) -> Message:
    """The answer for what the read found (audited): the same inline and in the follow-up."""
    p, o = attempt.offer
    if ask.kind == "cancel":
        assert ask.ticket is not None, "a confirmation needs its ticket"
        return confirmation_reply(attempt, ask.ticket, found, fallback=ask.fallback)
    if ask.kind == "status":
        return _status(attempt, ask, found)
    if isinstance(found, errors.ApiError):
        running = offer_running(rt, attempt)
        if running and isinstance(found, errors.NotFound):  # the offer lives behind another API: what it has
            attempt.record("allowed", "shown", status_code=found.status_code, reason="listed by another API")
            return with_running(rt, attempt, target_replies.elsewhere_message(p, o, found, attempt.ref), running)
        attempt.record("allowed", "failed", status_code=found.status_code, reason=found.describe())
        return with_running(rt, attempt, replies.cpp_error_message(p, o, found, attempt.ref), running)
    attempt.record("allowed", "shown", status_code=200)
    listed = replies.ops_message(p, o, found.listed_with_focus(), command=ask.command, ref=attempt.ref)
    return with_running(rt, attempt, listed)


def read(rt: Runtime, ask: Ask, by: float | None) -> Found:
    """The target's backend's read, within `by` (time.monotonic()) and at most READ_BUDGET_S from now."""
    end = time.monotonic() + READ_BUDGET_S if by is None else min(by, time.monotonic() + READ_BUDGET_S)
    try:
        return backend_for(ask.target).look(rt.settings, ask.target, deadline=end)
    except errors.ApiError as exc:
        return exc


def answer(rt: Runtime, attempt: Attempt, ask: Ask, durable: DurableClient | None) -> Message:
    """Inline if the read fits, else "Looking up…" now and the answer through the response_url."""
    found: Found = errors.ApiTimeout(NO_TIME)
    read_by = deadline.read_deadline(attempt.deadline, time.monotonic())
    if read_by is not None:
        found = read(rt, ask, read_by)
        if isinstance(found, errors.ApiError) and not isinstance(found, errors.ApiTimeout):
            return render(rt, attempt, ask, found)  # a real answer (403, 404, 5xx...): waiting would not change it
        if isinstance(found, Look) and not found.incomplete:
            return render(rt, attempt, ask, found)
    acked = defer(attempt, ask, durable)
    return acked if acked is not None else render(rt, attempt, ask, found)


def defer(attempt: Attempt, ask: Ask, durable: DurableClient | None) -> Message | None:
    """Start the durable follow-up and return the "Looking up…" ack (audited), or None when it could not start (or
    when the answer may fall back to another target: that one is answered inline)."""
    if ask.response_url is None or durable is None or ask.fallback is not None:
        return None
    from slack_app import later  # only a read too slow for the ack needs it: not on a cold start's first answer

    request = later.LaterRequest(
        kind=ask.kind,
        command=ask.command,
        target=ask.target,
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
    attempt.record("allowed", "deferred", reason="the API was too slow for the ack: answering later")
    p, o = attempt.offer
    return later.looking_up_message(p, o, attempt.ref, wording_for(ask.target).service)
