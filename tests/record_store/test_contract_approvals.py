"""The record store's contract for the two-person rule's approvals, on every backend (SQLite and Azurite): opened
once, changed atomically, so two approvals at the same instant are applied one after the other."""

from __future__ import annotations

from collections import Counter

from cppcancel.approvals import Approval, ApprovalRecord, Decision, approve, identity_key
from record_store.approvals import approvals_of, change, open_approval, read_approval
from record_store.base import RecordStore
from tests.record_store.test_contract import NOW, all_at_once, record

ALICE = identity_key(chat="slack", user_id="U0ALICE", caller=None)


def pending(instance_id: str = "cancel-slack-1") -> ApprovalRecord:
    return ApprovalRecord(
        instance_id=instance_id,
        publisher_id="contoso",
        offer_id="contoso-vm-offer",
        requested_by=ALICE,
        required=2,
        rule="abc",
        expires_at="2026-12-01T10:15:00Z",
        approvals=(Approval(ALICE, "alice", "2026-12-01T10:00:00Z", "U0ALICE"),),
    )


def person(n: int) -> Approval:
    user = f"U0CREW{n:02d}"
    return Approval(identity_key(chat="slack", user_id=user, caller=None), user, "2026-12-01T10:01:00Z", user)


def test_opened_once_and_read_back(records: RecordStore) -> None:
    first, created = open_approval(records, pending())
    again, created_again = open_approval(records, pending())
    assert (created, created_again) == (True, False) and again == first
    assert read_approval(records, "contoso", "contoso-vm-offer", "cancel-slack-1") == first
    assert read_approval(records, "contoso", "contoso-vm-offer", "cancel-slack-2") is None


def test_simultaneous_second_approvals_complete_them_once(records: RecordStore) -> None:
    open_approval(records, pending())
    outcomes = all_at_once(
        6,
        lambda i: change(
            records, "contoso", "contoso-vm-offer", "cancel-slack-1", lambda r: approve(r, person(i), NOW)
        ),
    )
    decisions = Counter(o.decision for o in outcomes if o is not None)
    assert decisions == Counter({Decision.APPROVED: 1, Decision.NOT_PENDING: 5})
    stored = read_approval(records, "contoso", "contoso-vm-offer", "cancel-slack-1")
    assert stored is not None and stored.state == "approved" and stored.count == 2 and stored.changes == 1


def test_a_change_of_a_request_nobody_recorded_is_none(records: RecordStore) -> None:
    assert change(records, "contoso", "x", "cancel-slack-9", lambda r: approve(r, person(1), NOW)) is None


def test_the_offers_approvals_are_listed_beside_its_history_and_apart_from_it(records: RecordStore) -> None:
    open_approval(records, pending("cancel-slack-1"))
    open_approval(records, pending("cancel-slack-2"))
    records.create(record("cancel-slack-1"))
    assert set(approvals_of(records, "contoso", "contoso-vm-offer")) == {"cancel-slack-1", "cancel-slack-2"}
    assert [r.instance_id for r in records.history("contoso", "contoso-vm-offer")] == ["cancel-slack-1"]
