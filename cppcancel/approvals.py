"""The two-person rule (pure): what a cancel under a rule with `"approvals": N` waits for, and every decision on it.

A policy rule may ask that N different permitted people approve a cancel before it is sent (`cppcancel.policy`:
`Verdict.approvals`, and `Verdict.rule`, the fingerprint of the rule that asks it). Whoever confirms the cancel (in a
chat, or the webhook caller) is the first approval; the cancel orchestration then waits - the Durable Functions
human-interaction pattern, an external event raced against a durable timer - until the app's own record says the
approvals are complete, or that the request was withdrawn or has expired.

The record decides, never the caller: `ApprovalRecord` is one row of the app's record (record_store/approvals.py)
holding who asked, who approved and when, the rule every approver must pass, the deadline and the state. The
decisions below (`approve`, `withdraw`, `expire`) are pure functions of that row, applied by the store under an
optimistic-concurrency loop, so two approvals clicked at the same instant are serialized by the store: one completes
the approvals, the other finds them complete. Each change bumps `changes`, and the click that made change `k` raises
the event `approval_event(k)` on the orchestration: every event name is used once (the Durable Python SDK 1.x keeps
an event that arrived before its wait and hands it to every later wait of the same name, so a reused name would wake
the orchestration again and again).

People are compared by `identity_key`: the chat and its user ID (`slack:U…`, `teams:<Entra object ID>`) or the
webhook caller (`webhook:<caller>`). Self-approval is refused by that key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from enum import StrEnum
from typing import Any, Literal, get_args

from cppcancel import jsonread
from cppcancel.chat_ids import user_key
from cppcancel.times import iso, parse_iso

APPROVAL_EVENT_PREFIX = "approval_change_"
ApprovalState = Literal["pending", "approved", "withdrawn", "expired"]
APPROVAL_STATES: tuple[str, ...] = get_args(ApprovalState)


def approval_event(change: int) -> str:
    """The external event that announces the record's change number `change` (each name is raised for one change)."""
    return f"{APPROVAL_EVENT_PREFIX}{change}"


def identity_key(*, chat: str, user_id: str | None, caller: str | None) -> str:
    """Who someone is, for self-approval and "already approved": a webhook caller, or a chat's user."""
    if caller:
        return f"webhook:{caller}"
    return f"{chat}:{user_key(chat, user_id or '')}"


@dataclass(frozen=True)
class ApprovalNeed:
    """What a cancel request must wait for (in the orchestration's input, written only when `required` > 1)."""

    required: int
    rule: str  # the fingerprint of the policy rule every approver must pass (`cppcancel.policy_rules.Rule.digest`)
    timeout_s: float

    def to_json(self) -> dict[str, Any]:
        return {"required": self.required, "rule": self.rule, "timeoutS": self.timeout_s}

    @classmethod
    def from_json(cls, data: object) -> ApprovalNeed:
        """Strict: a need that cannot be read fails the orchestration (nothing is sent), it never means "none"."""
        if not isinstance(data, Mapping):
            raise ValueError("the approval need is not an object")
        required, rule, timeout = data.get("required"), data.get("rule"), jsonread.number(data.get("timeoutS"))
        if isinstance(required, bool) or not isinstance(required, int) or required < 2:
            raise ValueError("the approval need names no number of approvals")
        if not isinstance(rule, str) or not rule or timeout is None or timeout <= 0:
            raise ValueError("the approval need names no rule or no timeout")
        return cls(required, rule, timeout)


@dataclass(frozen=True)
class Approval:
    """One person's approval: who (`key`, and how to show them), and when."""

    key: str
    display: str
    at: str
    user_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"key": self.key, "display": self.display, "at": self.at, "userId": self.user_id}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Approval:
        return cls(
            key=str(data.get("key") or ""),
            display=str(data.get("display") or "someone"),
            at=str(data.get("at") or ""),
            user_id=jsonread.text(data.get("userId")),
        )

    @property
    def public(self) -> dict[str, Any]:
        """What a status URL shows of it (no internal key)."""
        return {"by": self.display, "userId": self.user_id, "at": self.at}


@dataclass(frozen=True)
class ApprovalRecord:
    """One cancel request's approvals, as the app recorded them. Field names are the stored column names; the
    approvals are stored as JSON text (a table column holds no lists)."""

    instance_id: str
    publisher_id: str
    offer_id: str
    requested_by: str  # the requester's identity key
    required: int
    rule: str
    expires_at: str
    approvals: tuple[Approval, ...] = ()
    state: ApprovalState = "pending"
    changes: int = 0
    target_json: str = "{}"  # the cancel's target (`cppcancel.targets.target_json`), for the approver's own checks
    chat: str = "slack"
    channel: str | None = None
    closed_by: str | None = None  # who withdrew it (their chat user ID, or a display name)
    updated_at: str | None = None

    @property
    def count(self) -> int:
        return len(self.approvals)

    @property
    def complete(self) -> bool:
        return self.count >= self.required

    @property
    def still_needed(self) -> int:
        return max(0, self.required - self.count)

    @property
    def deadline(self) -> datetime | None:
        return parse_iso(self.expires_at)

    def target(self) -> dict[str, Any]:
        data = json.loads(self.target_json or "{}")
        return data if isinstance(data, dict) else {}

    def to_entity(self) -> dict[str, Any]:
        data = asdict(self)
        data["approvals"] = json.dumps([a.to_json() for a in self.approvals], separators=(",", ":"))
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_entity(cls, entity: Mapping[str, Any]) -> ApprovalRecord:
        names = {f.name for f in fields(cls)}
        data = {k: v for k, v in entity.items() if k in names}
        raw = data.get("approvals")
        try:
            items = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            items = []
        data["approvals"] = tuple(Approval.from_json(i) for i in items if isinstance(i, Mapping))
        if data.get("state") not in APPROVAL_STATES:
            data["state"] = "expired"  # an unreadable state never lets a cancel through
        return cls(**data)

    def view(self) -> dict[str, Any]:
        """What the orchestration's custom status and the webhook's status URL show."""
        return {
            "state": self.state,
            "required": self.required,
            "approvals": [a.public for a in self.approvals],
            "stillNeeded": self.still_needed,
            "expiresAt": self.expires_at,
            "withdrawnBy": self.closed_by,
        }


class Decision(StrEnum):
    """What one approve/withdraw/expire came to. The first two change the record; the rest are refusals."""

    RECORDED = "recorded"  # an approval, more still needed
    APPROVED = "approved"  # the approval that completed them (the cancel goes out)
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # the deadline passed: this call closed it
    SELF_APPROVAL = "self_approval"
    ALREADY_APPROVED = "already_approved"  # this person approved already
    NOT_PENDING = "not_pending"  # approved, withdrawn or expired before this call
    TOO_LATE = "too_late"  # the deadline has passed (the orchestration will close it)
    NOT_REQUESTER = "not_requester"  # only whoever asked may withdraw


CHANGES = frozenset({Decision.RECORDED, Decision.APPROVED, Decision.WITHDRAWN, Decision.EXPIRED})


@dataclass(frozen=True)
class Outcome:
    """A decision and the record as it stands after it (changed or not)."""

    decision: Decision
    record: ApprovalRecord
    changed: bool = field(default=False)


def _changed(record: ApprovalRecord, decision: Decision, now: datetime, **changes: Any) -> Outcome:
    new = replace(record, changes=record.changes + 1, updated_at=iso(now, "seconds"), **changes)
    return Outcome(decision, new, changed=True)


def _closed(record: ApprovalRecord, now: datetime) -> Decision | None:
    if record.state != "pending":
        return Decision.NOT_PENDING
    deadline = record.deadline
    if deadline is None or now >= deadline:
        return Decision.TOO_LATE
    return None


def approve(record: ApprovalRecord, approval: Approval, now: datetime) -> Outcome:
    """`approval`'s person approves (the policy was checked by the caller, against `record.rule`)."""
    if approval.key == record.requested_by:
        return Outcome(Decision.SELF_APPROVAL, record)
    if any(a.key == approval.key for a in record.approvals):
        return Outcome(Decision.ALREADY_APPROVED, record)
    closed = _closed(record, now)
    if closed is not None:
        return Outcome(closed, record)
    approvals = (*record.approvals, approval)
    if len(approvals) >= record.required:
        return _changed(record, Decision.APPROVED, now, approvals=approvals, state="approved")
    return _changed(record, Decision.RECORDED, now, approvals=approvals)


def withdraw(record: ApprovalRecord, key: str, display: str, now: datetime) -> Outcome:
    """Whoever asked takes the request back while it is still pending."""
    if key != record.requested_by:
        return Outcome(Decision.NOT_REQUESTER, record)
    if record.state != "pending":
        return Outcome(Decision.NOT_PENDING, record)
    return _changed(record, Decision.WITHDRAWN, now, state="withdrawn", closed_by=display)


def expire(record: ApprovalRecord, now: datetime) -> Outcome:
    """The orchestration's timer fired: a request still pending expires. One whose approvals completed first stays
    approved (the record is the last word: the approval was recorded before the deadline)."""
    if record.state != "pending":
        return Outcome(Decision.NOT_PENDING, record)
    return _changed(record, Decision.EXPIRED, now, state="expired")
