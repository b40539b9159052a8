"""Approve and Withdraw: the buttons of a two-person request (`cppcancel.approvals`), for whoever clicks.

The button names the cancel and its offer; everything else comes from the app's record (record_store/approvals.py):
who asked, the rule, the deadline, the approvals so far. Approve is refused to whoever asked (self-approval), to
anyone the very rule the request was granted under does not allow (`policy.authorize_under`, then the target's own
rule, as Confirm checks), to someone who approved already, and once the request is closed or past its deadline.
Withdraw is for whoever asked, while the request is pending. The record applies each change atomically; the click
that changed it then raises the event named after the change (`approval_event`) on the cancel orchestration, which
reads the record and goes on. A raise that fails costs only time: within a minute the orchestration reads the record
again. Every click is audited, allowed or refused.

People are told apart by the chat the click came from and their user ID there (`identity_key` with the attempt's
`source`): the Teams front end answers its Approve and Withdraw actions with these same listeners
(`teams_app.clicks`), so both chats go through one set of checks, the same decisions and the one record. A request
is approved and withdrawn only in the chat it was posted to (`ApprovalRecord.chat`; a webhook's, in Slack): the app
cannot tell one person's Slack and Teams accounts apart, so taking approvals across chats would let them approve
their own request.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from cppcancel.approvals import (
    CHANGES,
    Approval,
    ApprovalRecord,
    Decision,
    Outcome,
    approval_event,
    approve,
    identity_key,
    withdraw,
)
from cppcancel.audit import Outcome as AuditOutcome
from cppcancel.targets import target_from_json
from cppcancel.times import iso, utc_now
from record_store import approvals
from record_store.base import StoreUnavailable
from record_store.factory import record_store
from slack_app import approval_message
from slack_app.actions import ApprovalRef, InvalidValue
from slack_app.listeners import targets
from slack_app.listeners.frame import Click

log = logging.getLogger(__name__)

_AUDIT_OUTCOME: dict[Decision, AuditOutcome] = {
    Decision.RECORDED: "approval_recorded",
    Decision.APPROVED: "approved",
    Decision.WITHDRAWN: "withdrawn",
}


def approve_cancel(click: Click) -> None:
    ref, record = _recorded(click)
    if record is None:
        return
    attempt = click.attempt
    who = attempt.who
    key = _key(click)
    if key == record.requested_by:  # said before the policy: the most specific reason there is
        _answer(click, Outcome(Decision.SELF_APPROVAL, record))
        return
    policy = click.rt.policy
    if policy is not None and policy.rule_by_digest(record.rule) is None:  # its terms are gone: nobody approves
        attempt.record("refused", "refused", reason="the policy rule of the request has changed since")
        click.say(approval_message.rule_changed_message(attempt.ref), replace_original=False)
        return
    refused = click.rt.refusal(attempt, under_rule=record.rule) or targets.refusal(
        click.rt, attempt, target_from_json(record.target()).validated()
    )
    if refused is not None:
        click.say(refused, replace_original=False)
        return
    mine = Approval(key, who.display, iso(utc_now(), "seconds"), who.user_id)
    _change(click, ref, lambda r: approve(r, mine, utc_now()))


def withdraw_cancel(click: Click) -> None:
    ref, record = _recorded(click)
    if record is None:
        return
    who = click.attempt.who
    key = _key(click)
    _change(click, ref, lambda r: withdraw(r, key, who.user_id, utc_now()))  # shown as a mention


def _key(click: Click) -> str:
    """Who clicked, for self-approval and "already approved": the chat the click came from, and its user there."""
    attempt = click.attempt
    return identity_key(chat=attempt.source, user_id=attempt.who.user_id, caller=None)


def _recorded(click: Click) -> tuple[ApprovalRef, ApprovalRecord | None]:
    """The button's request as the record holds it (None: answered already - not recorded, or unreadable)."""
    ref = ApprovalRef.from_value(click.value)
    attempt = click.attempt
    p, o = attempt.on_offer(ref.publisher_id, ref.offer_id)
    try:
        record = approvals.read_approval(record_store(click.rt.settings), p, o, ref.instance_id)
    except StoreUnavailable as exc:
        log.warning("approvals of %s unreadable (ref %s): %s", ref.instance_id, attempt.ref, exc)
        attempt.record("none", "failed", reason="the record of approvals could not be read")
        click.say(approval_message.record_unavailable_message(attempt.ref), replace_original=False)
        return ref, None
    if record is None:
        raise InvalidValue("no approval request of this cancel is recorded")
    if record.chat != attempt.source:  # one person's accounts in two chats are two keys: never mixed
        attempt.record("refused", "refused", reason=f"the request was asked in {record.chat}")
        click.say(approval_message.other_chat_message(record.chat, attempt.ref), replace_original=False)
        return ref, None
    return ref, record


def _change(click: Click, ref: ApprovalRef, decide: Callable[[ApprovalRecord], Outcome]) -> None:
    attempt = click.attempt
    p, o = attempt.offer
    try:
        outcome = approvals.change(record_store(click.rt.settings), p, o, ref.instance_id, decide)
    except StoreUnavailable as exc:
        log.warning("approvals of %s not changed (ref %s): %s", ref.instance_id, attempt.ref, exc)
        attempt.record("allowed", "failed", reason="the record of approvals could not be written")
        click.say(approval_message.record_unavailable_message(attempt.ref), replace_original=False)
        return
    if outcome is None:
        raise InvalidValue("no approval request of this cancel is recorded")
    if outcome.decision in CHANGES:
        _nudge(click, ref.instance_id, outcome.record.changes)
    _answer(click, outcome)


def _nudge(click: Click, instance_id: str, change: int) -> None:
    """Tell the orchestration the record changed (the event carries nothing it must trust)."""
    try:
        click.durable.raise_event(instance_id, approval_event(change), {"change": change})
    except Exception as exc:  # the wait's next re-check (within a minute) finds the change
        log.warning("approval event for %s not delivered (ref %s): %s", instance_id, click.attempt.ref, exc)


def _answer(click: Click, outcome: Outcome) -> None:
    attempt = click.attempt
    decision = outcome.decision
    audit = _AUDIT_OUTCOME.get(decision)
    if audit is not None:
        record = outcome.record
        attempt.record("allowed", audit, reason=f"{record.count} of {record.required} approvals")
    else:
        reason = decision.value if decision is not Decision.NOT_PENDING else f"request {outcome.record.state}"
        attempt.record("refused", "refused", reason=reason)
    click.say(approval_message.approval_answer(decision, outcome.record, attempt.ref), replace_original=False)
