"""The "are you sure" message behind `/cpp cancel` and the Cancel… button: what is in flight, Confirm, Never mind.

Nothing is cancelled here. The confirmation gets a fresh request ID (`CancelTicket`), which the Confirm button
carries and which becomes the cancel orchestration's instance ID - one cancel per confirmation, however often it is
clicked. What is in flight is read within the attempt's deadline; when the read fails for a reason that would fail
the cancel too (403, 404...), the person is told what to do instead of being asked to confirm. `confirmation_reply`
builds the message from what the read found, inline or in the durable follow-up (`slack_app.later_answer`), so a
Confirm button delivered later is the same button.
"""

from __future__ import annotations

import uuid

from backends.http import errors
from cppcancel.targets import PublishTarget
from cppcancel.times import iso, utc_now
from slack_app import offers, replies
from slack_app.actions import CancelTicket
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.runtime import Runtime


def new_ticket(attempt: Attempt, notify: tuple[str, ...]) -> CancelTicket:
    """A fresh confirmation for the attempt's offer, asked by its caller now (named on the attempt)."""
    p, o = attempt.offer
    ticket = CancelTicket(uuid.uuid4().hex, PublishTarget(p, o), notify, attempt.who.user_id, iso(utc_now(), "seconds"))
    attempt.request_id = ticket.request_id
    return ticket


def confirmation_reply(attempt: Attempt, ticket: CancelTicket, found: offers.OfferView | errors.ApiError) -> Message:
    """The Confirm/Never mind message for what the read found (audited)."""
    p, o = attempt.offer
    attempt.request_id = ticket.request_id
    if isinstance(found, errors.ApiError):
        exc = found
        if not exc.transient:  # 403/404/400...: the cancel would fail the same way; say what to do instead
            attempt.request_id = None
            attempt.record("allowed", "failed", status_code=exc.status_code, reason=exc.describe())
            return replies.cpp_error_message(p, o, exc, attempt.ref)
        attempt.record("allowed", "confirmation_shown", status_code=exc.status_code, reason=f"operations: {exc.code}")
        return replies.confirmation_message(ticket, None, lookup_problem=exc.describe(), ref=attempt.ref)
    attempt.record("allowed", "confirmation_shown", status_code=200)
    return replies.confirmation_message(ticket, found.in_flight, lookup_problem=None, ref=attempt.ref)


def confirmation(rt: Runtime, attempt: Attempt, notify: tuple[str, ...]) -> Message:
    """Read what is in flight and build the Confirm/Never mind message, inline (audited)."""
    p, o = attempt.offer
    ticket = new_ticket(attempt, notify)
    try:
        found: offers.OfferView | errors.ApiError = offers.read_offer(rt.cpp, p, o, deadline=attempt.deadline)
    except errors.ApiError as exc:
        found = exc
    return confirmation_reply(attempt, ticket, found)
