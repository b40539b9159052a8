"""The "are you sure" message behind `/cpp cancel` and the Cancel… button: what is in flight, Confirm, Never mind.

Nothing is cancelled here. The confirmation gets a fresh request ID (`CancelTicket`), which the Confirm button
carries and which becomes the cancel orchestration's instance ID - one cancel per confirmation, however often it is
clicked. What the target's backend read (`Backend.look`) decides the message, in the presentation its words choose
(`Wording.look`): when the read fails for a reason that would fail the cancel too (403, 404...), the person is told
what to do instead of being asked to confirm; a target that has ended (a completed job) gets no Confirm button -
there is nothing left to cancel - or, for a bare `/cpp cancel` that picked it, the offer's own confirmation
(`fallback`). `confirmation_reply` builds the message inline or in the durable follow-up (`slack_app.later_answer`),
so a Confirm button delivered later is the same button.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from backends.base import Look
from backends.http import errors
from backends.registry import wording_for
from cppcancel.targets import Target
from cppcancel.times import iso, utc_now
from slack_app import replies, target_replies
from slack_app.actions import CancelTicket
from slack_app.attempt import Attempt
from slack_app.blockkit import Message


def new_ticket(attempt: Attempt, target: Target, notify: tuple[str, ...] = ()) -> CancelTicket:
    """A fresh confirmation of `target`, asked by the attempt's caller now (named on the attempt)."""
    ticket = CancelTicket(uuid.uuid4().hex, target, notify, attempt.who.user_id, iso(utc_now(), "seconds"))
    attempt.request_id = ticket.request_id
    return ticket


def _error(attempt: Attempt, ticket: CancelTicket, exc: errors.ApiError) -> Message:
    """A read that failed for a reason that would fail the cancel too: what to do instead (audited)."""
    attempt.request_id = None
    attempt.record("allowed", "failed", status_code=exc.status_code, reason=exc.describe())
    if wording_for(ticket.target).look == "ops":
        p, o = attempt.offer
        return replies.cpp_error_message(p, o, exc, attempt.ref)
    return target_replies.error_message(ticket.target, exc, attempt.ref)


def _confirm(ticket: CancelTicket, look: Look | None, problem: str | None, ref: str) -> Message:
    if wording_for(ticket.target).look == "ops":
        in_flight = look.in_flight if look is not None else None
        return replies.confirmation_message(ticket, in_flight, lookup_problem=problem, ref=ref)
    return target_replies.confirmation_message(ticket, look, lookup_problem=problem, ref=ref)


def confirmation_reply(
    attempt: Attempt,
    ticket: CancelTicket,
    found: Look | errors.ApiError,
    *,
    fallback: Callable[[], Message] | None = None,
) -> Message:
    """The Confirm/Never mind message for what the read found (audited)."""
    attempt.request_id = ticket.request_id
    if isinstance(found, errors.ApiError):
        if isinstance(found, errors.NotFound) and fallback is not None:  # the API does not know it: never offered
            attempt.request_id = None
            return fallback()
        if not found.transient:  # 403/404/400...: the cancel would fail the same way; say what to do instead
            return _error(attempt, ticket, found)
        attempt.record("allowed", "confirmation_shown", status_code=found.status_code, reason=found.code)
        return _confirm(ticket, None, found.describe(), attempt.ref)
    if found.ended:  # nothing left to cancel
        attempt.request_id = None
        if fallback is not None and not found.refusal:  # too late is said, never replaced by another target
            return fallback()
        attempt.record("allowed", "too_late", status_code=200, reason=ticket.target.words)
        return target_replies.ended_message(ticket.target, found, attempt.ref)
    attempt.record("allowed", "confirmation_shown", status_code=200)
    return _confirm(ticket, found, None, attempt.ref)
