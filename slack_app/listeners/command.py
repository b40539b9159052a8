"""`/cpp ...`: parse, check the policy, do the one thing, and answer in the ack body (ephemeral).

The answer is the ack itself, so it must be ready within Slack's 3 s: the attempt's deadline comes from the request
(`slack_app.deadline`, via the Bolt context), and an answer that needs the Partner Portal goes through
`listeners/lookup.py`, which acks "Looking up…" and answers later when the reads do not fit.
Any unexpected exception becomes "Something went wrong (ref ...)" and a log line with that ref.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack

from cppcancel.targets import Target
from record_store.base import StoreUnavailable
from record_store.factory import record_store
from slack_app import grammar, history_reply, replies
from slack_app.actions import InvalidValue
from slack_app.attempt import Attempt
from slack_app.blockkit import Message
from slack_app.durable_port import ACK_CLOCK_KEY, CONTEXT_KEY
from slack_app.listeners import lookup, targets
from slack_app.listeners.confirmation import new_ticket
from slack_app.payload import Caller, command_name, command_text, response_url
from slack_app.response_urls import usable_response_url
from slack_app.runtime import Runtime

if TYPE_CHECKING:
    from cppcancel.start_cancel import DurableClient

log = logging.getLogger(__name__)


def answer(rt: Runtime, ack: Ack, body: Mapping[str, Any], context: Mapping[str, Any] | None = None) -> None:
    """The slash command's listener: one attempt, one answer, whatever happens. `context`: Bolt's request context
    (the request's `AckClock` and durable client, from the HTTP trigger)."""
    context = context or {}
    attempt = rt.attempt("command").timed_by(context.get(ACK_CLOCK_KEY))
    try:
        caller = Caller.from_command(body)
    except InvalidValue as exc:  # a payload naming no user: invalid input, not a failure of the app
        log.warning("refused a slash command: %s (ref %s)", exc, attempt.ref)
        _note_target(attempt, body)
        attempt.record("none", "invalid", reason=str(exc))
        ack(**replies.nameless_command_message(attempt.ref).to_kwargs(), response_type="ephemeral")
        return
    try:
        attempt.caller = caller
        message = reply(rt, attempt, body, context.get(CONTEXT_KEY))
    except Exception:
        log.exception("slash command failed (ref %s)", attempt.ref)
        attempt.record("none", "error", reason="unexpected error")
        message = replies.unexpected_error_message(attempt.ref)
    ack(**message.to_kwargs(), response_type="ephemeral")


def _note_target(attempt: Attempt, body: Mapping[str, Any]) -> None:
    """For the audit record of a refused command: what it named, when its text parses (nothing is acted on)."""
    try:
        parsed = grammar.parse(command_text(body))
    except grammar.ParseError:
        return
    attempt.command = type(parsed).__name__.lower()
    if not isinstance(parsed, grammar.Help):
        attempt.on_offer(parsed.publisher_id, parsed.offer_id)


def history(rt: Runtime, attempt: Attempt) -> Message:
    """`/cpp history`: the offer's last cancel attempts from the app's own record (no Partner Portal call)."""
    from record_store.approvals import approvals_of  # only /cpp history reads them (not on other commands' path)

    p, o = attempt.offer
    try:
        store = record_store(rt.settings)
        records = store.history(p, o, limit=history_reply.MAX_SHOWN)
        approvals = approvals_of(store, p, o)  # who asked and who approved, under a two-person rule
    except StoreUnavailable as exc:
        attempt.record("allowed", "failed", reason=f"the cancel record could not be read: {exc}"[:500])
        return history_reply.history_unavailable_message(p, o, attempt.ref)
    attempt.record("allowed", "shown")
    return history_reply.history_message(p, o, records, ref=attempt.ref, approvals=approvals)


def reply(rt: Runtime, attempt: Attempt, body: Mapping[str, Any], durable: DurableClient | None = None) -> Message:
    """What to answer to the command in `body` (audited); `durable`: the request's DurableClient, if any."""
    name = command_name(body)
    try:
        parsed = grammar.parse(command_text(body))
    except grammar.ParseError as exc:
        attempt.command = "invalid"
        attempt.record("none", "invalid", reason=exc.message)
        return replies.parse_error_message(name, exc.message, exc.usage)
    if isinstance(parsed, grammar.Help):
        attempt.command = "help"
        attempt.record("none", "unknown_command" if parsed.unknown else "shown")
        return replies.help_message(name, parsed.unknown)
    attempt.command = type(parsed).__name__.lower()
    attempt.on_offer(parsed.publisher_id, parsed.offer_id)
    refusal = rt.refusal(attempt)
    if refusal is not None:
        return refusal
    if isinstance(parsed, grammar.History):
        return history(rt, attempt)
    url = usable_response_url(response_url(body), rt.settings.slack_api_base_url)  # None: answered inline only
    if isinstance(parsed, grammar.Cancel):
        return cancel(rt, attempt, parsed, lookup.Ask("cancel", name, url, parsed.target), durable)
    if isinstance(parsed, grammar.Status):
        refused = targets.refusal(rt, attempt, parsed.target, cancel=False)
        return refused or lookup.answer(rt, attempt, lookup.Ask("status", name, url, parsed.target), durable)
    return lookup.answer(rt, attempt, lookup.Ask("ops", name, url, attempt.offer_target), durable)


def cancel(
    rt: Runtime, attempt: Attempt, parsed: grammar.Cancel, ask: lookup.Ask, durable: DurableClient | None
) -> Message:
    """`/cpp cancel`: the confirmation of the target named - or, naming the offer alone, of the target it means."""

    def confirm(target: Target, may_fall_back: bool) -> Message:
        refused = targets.refusal(rt, attempt, target)
        if refused is not None:
            return refused
        fallback = (lambda: confirm(attempt.offer_target, False)) if may_fall_back else None
        ticket = new_ticket(attempt, target, parsed.notify if target == parsed.target else ())
        return lookup.answer(rt, attempt, replace(ask, target=target, ticket=ticket, fallback=fallback), durable)

    if parsed.target != attempt.offer_target:  # named in full (`job=`)
        return confirm(parsed.target, False)
    return targets.bare_cancel(rt, attempt, parsed.notify, confirm)
