"""The two-person rule's decisions (pure): self-approval, repeats, completion, withdrawal, the deadline."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cppcancel.approvals import (
    Approval,
    ApprovalNeed,
    ApprovalRecord,
    Decision,
    approval_event,
    approve,
    expire,
    identity_key,
    withdraw,
)

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ALICE = identity_key(chat="slack", user_id="U0ALICE", caller=None)


def pending(required: int = 2) -> ApprovalRecord:
    first = Approval(ALICE, "alice", "2026-12-01T10:00:00Z", "U0ALICE")
    return ApprovalRecord(
        instance_id="cancel-slack-1",
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        requested_by=ALICE,
        required=required,
        rule="abc",
        expires_at="2026-12-01T10:15:00Z",
        approvals=(first,),
    )


def person(user: str) -> Approval:
    return Approval(identity_key(chat="slack", user_id=user, caller=None), user.lower(), "2026-12-01T10:01:00Z", user)


def test_a_second_person_completes_two_approvals_and_each_change_has_its_own_number() -> None:
    done = approve(pending(), person("U0BOB"), NOW)
    assert done.decision is Decision.APPROVED and done.changed
    assert done.record.state == "approved" and done.record.count == 2 and done.record.changes == 1
    assert approval_event(done.record.changes) == "approval_change_1"


def test_self_approval_is_refused_by_the_record_whoever_claims_otherwise() -> None:
    again = Approval(ALICE, "someone else", "2026-12-01T10:01:00Z", "U0ALICE")
    outcome = approve(pending(), again, NOW)
    assert outcome.decision is Decision.SELF_APPROVAL and not outcome.changed
    webhook = identity_key(chat="slack", user_id=None, caller="release-pipeline")
    record = replace(pending(), requested_by=webhook)
    assert approve(record, Approval(webhook, "x", "t"), NOW).decision is Decision.SELF_APPROVAL
    assert identity_key(chat="teams", user_id="ABC", caller=None) == identity_key(
        chat="teams", user_id="abc", caller=None
    )


def test_larger_numbers_count_every_different_person_once() -> None:
    one = approve(pending(3), person("U0BOB"), NOW)
    assert one.decision is Decision.RECORDED and one.record.still_needed == 1
    assert approve(one.record, person("U0BOB"), NOW).decision is Decision.ALREADY_APPROVED
    two = approve(one.record, person("U0CAROL"), NOW)
    assert two.decision is Decision.APPROVED and two.record.changes == 2


def test_after_the_deadline_or_once_closed_nothing_changes() -> None:
    assert approve(pending(), person("U0BOB"), NOW + timedelta(minutes=15)).decision is Decision.TOO_LATE
    done = approve(pending(), person("U0BOB"), NOW).record
    assert approve(done, person("U0CAROL"), NOW).decision is Decision.NOT_PENDING
    assert withdraw(done, ALICE, "alice", NOW).decision is Decision.NOT_PENDING
    assert expire(done, NOW).decision is Decision.NOT_PENDING  # approved before the timer: it stays approved


def test_only_the_requester_withdraws() -> None:
    assert withdraw(pending(), person("U0BOB").key, "bob", NOW).decision is Decision.NOT_REQUESTER
    gone = withdraw(pending(), ALICE, "alice", NOW)
    assert gone.decision is Decision.WITHDRAWN and gone.record.state == "withdrawn" and gone.record.closed_by == "alice"
    assert approve(gone.record, person("U0BOB"), NOW).decision is Decision.NOT_PENDING


def test_expiry_closes_a_pending_request() -> None:
    closed = expire(pending(), NOW)
    assert closed.decision is Decision.EXPIRED and closed.record.state == "expired"


def test_the_record_round_trips_and_an_unreadable_state_never_lets_a_cancel_through() -> None:
    record = approve(pending(3), person("U0BOB"), NOW).record
    assert ApprovalRecord.from_entity(record.to_entity()) == record
    assert ApprovalRecord.from_entity({**record.to_entity(), "state": "??"}).state == "expired"
    assert record.view()["approvals"][1] == {"by": "u0bob", "userId": "U0BOB", "at": "2026-12-01T10:01:00Z"}


@pytest.mark.parametrize(
    "data", [None, {}, {"required": 1, "rule": "r", "timeoutS": 9}, {"required": 2, "rule": "", "timeoutS": 9}]
)
def test_a_need_that_cannot_be_read_is_an_error_never_none(data: object) -> None:
    with pytest.raises(ValueError, match="approval need"):
        ApprovalNeed.from_json(data)
    need = ApprovalNeed(2, "r", 900.0)
    assert ApprovalNeed.from_json(need.to_json()) == need
