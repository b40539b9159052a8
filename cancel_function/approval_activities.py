"""The two-person rule's activities (`cppcancel.approvals`): open the request's approvals in the app's record, post
the approval request through the chat, and - each time the orchestration wakes - read the record (expiring it when
the deadline has come) and rewrite the chat message to match.

The record is the last word: the orchestration never counts approvals itself, it asks `refresh_approval`, which
reads what the Approve/Withdraw clicks wrote (record_store/approvals.py). Expiry is a change of the record like any
other, so an approval recorded just before the deadline is not lost to the timer: `expire` leaves an approved
request approved.

One post per activity: `ask_approval` makes the one post; `refresh_approval` only edits (idempotent). Audit: the
request's opening (`awaiting_approval`) and its expiry are recorded here, once each - by the run that changed the
record; approvals, refusals and withdrawals by the click that made them.
"""

from __future__ import annotations

import json
from typing import Any

from cppcancel.approvals import Approval, ApprovalRecord, Decision, expire, identity_key
from cppcancel.audit import Outcome, emit, record_of
from cppcancel.chat import chat_for
from cppcancel.contracts import CancelRequest
from cppcancel.jsonread import integer, json_object, text
from cppcancel.settings import get_settings
from cppcancel.targets import target_json
from cppcancel.times import iso, utc_now
from record_store import approvals
from record_store.factory import record_store


def _audit(request: CancelRequest, outcome: Outcome, reason: str) -> None:
    emit(
        record_of(
            request,
            source=request.source,
            command="approval",
            decision="allowed",
            outcome=outcome,
            correlation_id=request.correlation_id,
            request_id=request.request_id,
            reason=reason,
        )
    )


def first_record(request: CancelRequest, expires_at: str) -> ApprovalRecord:
    """The record of a request just confirmed: whoever confirmed it is its first approval."""
    need = request.approval
    if need is None:
        raise ValueError("the request needs no approvals")
    who = request.requester
    key = identity_key(chat=request.chat, user_id=who.user_id, caller=who.caller)
    at = request.requested_at or iso(utc_now(), "seconds")
    return ApprovalRecord(
        instance_id=request.instance_id,
        publisher_id=request.publisher_id,
        offer_id=request.offer_id,
        requested_by=key,
        required=need.required,
        rule=need.rule,
        expires_at=expires_at,
        approvals=(Approval(key, who.display, at, who.user_id),),
        target_json=json.dumps(target_json(request.target), separators=(",", ":")),
        chat=request.chat,
        channel=request.slack.channel_id if request.slack else None,
        updated_at=at,
    )


def open_approval(payload: Any) -> dict[str, Any]:
    """Input `{"request": CancelRequest, "expiresAt": ISO}`; output the stored `ApprovalRecord` entity (a re-run
    gets the first run's row, deadline included)."""
    data = json_object(payload)
    request = CancelRequest.from_json(data["request"])
    record = first_record(request, str(data["expiresAt"]))
    stored, created = approvals.open_approval(record_store(get_settings()), record)
    if created:
        _audit(request, "awaiting_approval", f"{stored.required} approvals needed by {stored.expires_at}")
    return stored.to_entity()


def ask_approval(payload: Any) -> dict[str, Any]:
    """Input `{"request", "approval": ApprovalRecord entity}`; output `ReportResult` JSON (the message's ID)."""
    data = json_object(payload)
    request = CancelRequest.from_json(data["request"])
    record = ApprovalRecord.from_entity(json_object(data["approval"]))
    return chat_for(request.chat).ask_approval(request, record).to_json()


def refresh_approval(payload: Any) -> dict[str, Any]:
    """Input `{"request", "messageTs", "expire": bool, "seenChanges"?: int}`; output the record as it stands
    (`ApprovalRecord` entity).

    `expire`: the orchestration's deadline timer fired, so a request still pending is closed as expired (audited by
    the run that closed it). The chat message is then rewritten to match, best effort (the record stands either way).
    `seenChanges`: a periodic re-check that knew the record at this change count; the message is rewritten only if
    the record has moved on since (a re-check a minute must not edit an unchanged message every minute).
    """
    data = json_object(payload)
    request = CancelRequest.from_json(data["request"])
    store = record_store(get_settings())
    p, o, instance = request.publisher_id, request.offer_id, request.instance_id
    if data.get("expire") is True:
        outcome = approvals.change(store, p, o, instance, lambda r: expire(r, utc_now()))
        record = outcome.record if outcome else None
        if outcome is not None and outcome.decision is Decision.EXPIRED:
            _audit(request, "approval_expired", f"{outcome.record.count} of {outcome.record.required} approvals")
    else:
        record = approvals.read_approval(store, p, o, instance)
    if record is None:
        raise LookupError(f"the approvals of {instance} are not in the record")
    message_ts = text(data.get("messageTs"))
    unchanged = integer(data.get("seenChanges")) == record.changes and record.state == "pending"
    if message_ts and not unchanged:
        chat_for(request.chat).show_approval(request, record, message_ts)
    return record.to_entity()
